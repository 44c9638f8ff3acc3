/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * disclose.h - who may see what of other users' activity: the one rule
 * every export of a shared monitor obeys (the daemon's socket, and any HTTP
 * view of the same data). docs/DAEMON.md, "Who sees what", explains the
 * policy and its default.
 *
 * The policy (`disclose:` in the configuration, `--disclose`) says what an
 * ordinary user sees of the others:
 *
 *   all   everything, as root does (commands, PIDs, cgroups of everyone);
 *   own   (the default) their own processes in full; every other user's
 *         activity as one row per user - the user and the energy, never a
 *         command name, PID, cgroup or thread;
 *   none  their own processes in full; everybody else's activity as one
 *         row for all other users together, without even the users.
 *
 * Root (uid 0) and members of the administrators' group (`joulestat` by
 * default; primary or supplementary group of the peer) always see
 * everything. The host ledger and the energy domains are the machine's, not
 * any user's: everyone sees them.
 *
 * A peer without credentials (an HTTP client) is DISCLOSE_UID_NOBODY: it
 * owns nothing, so under `own` it sees per-user rows only.
 *
 * Pure: no I/O (the caller resolves the group and the peer's groups).
 */
#ifndef JOULESTAT_DISCLOSE_H
#define JOULESTAT_DISCLOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"

#define DISCLOSE_DEFAULT_GROUP "joulestat"
/* The uid of a peer with no credentials: matches no process's owner. */
#define DISCLOSE_UID_NOBODY UINT32_MAX

enum disclose_policy {
	DISCLOSE_ALL = 0,
	DISCLOSE_OWN = 1,
	DISCLOSE_NONE = 2,
};

#define DISCLOSE_DEFAULT DISCLOSE_OWN

/* "all", "own", "none"; NULL for another value. */
const char *disclose_policy_name(enum disclose_policy p);

/* -EINVAL for NULL or another name. */
int disclose_policy_from_name(const char *name, enum disclose_policy *ret);

/* What one peer sees: the policy that applies to it. */
struct disclose_peer {
	uint32_t uid;
	uint32_t gid;			/* primary group */
	const uint32_t *groups;		/* supplementary groups */
	size_t ngroups;
};

/*
 * The view of `peer` under `policy`: DISCLOSE_ALL for root and for members
 * of the administrators' group (admin_gid, when has_admin_gid: the group
 * exists), else `policy` itself.
 */
enum disclose_policy disclose_view(enum disclose_policy policy, const struct disclose_peer *peer,
				   bool has_admin_gid, uint32_t admin_gid);

/* What becomes of one row (or task) for a viewer. */
enum disclose_row {
	DISCLOSE_ROW_FULL = 0,	/* shown as it is */
	DISCLOSE_ROW_USER,	/* summed into one row for its user: uid and user name only */
	DISCLOSE_ROW_OTHERS,	/* summed into one row for all other users: no uid, no name */
	DISCLOSE_ROW_HIDE,	/* left out (the energy stays in the host ledger) */
};

/*
 * The fate of a row of grouping `g` owned by `row_uid` (a process's or
 * thread's real uid; `uid_known` false for rows that mix users, which the
 * caller must split by owner first) seen by `viewer_uid` under `view`:
 *
 * - view all: FULL;
 * - the viewer's own rows: FULL;
 * - user grouping: FULL under own (a user row is the aggregate), OTHERS
 *   under none;
 * - tree grouping: HIDE (another client's tree is nobody else's business;
 *   the same energy is in the process and user rows);
 * - anything else owned by another user: USER under own, OTHERS under none;
 *   a row whose owner is unknown is never shown in full.
 */
enum disclose_row disclose_row(enum disclose_policy view, uint32_t viewer_uid,
			       enum joulestat_group g, uint32_t row_uid, bool uid_known);

/*
 * Whether a grouping's rows can mix users (comm, cgroup, unit, container, vm):
 * under a restricted view they must be built from per-owner rows (threads)
 * so that each row has one owner.
 */
bool disclose_group_mixes_users(enum joulestat_group g);

/*
 * May `peer` follow (or stop following) a process whose real, effective,
 * saved and filesystem uids are `proc_uids[4]`? Root and the
 * administrators' group may follow anyone's; anyone else only a process
 * whose four uids are all theirs (not a set-uid program running as
 * another user).
 */
bool disclose_may_follow(const struct disclose_peer *peer, bool has_admin_gid, uint32_t admin_gid,
			 const uint32_t proc_uids[4]);

#endif
