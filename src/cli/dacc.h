/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * dacc.h - what `joulestat daemon` keeps for one subscribed client between
 * two of its snapshots: every daemon sample since the client's last one,
 * merged (energies and times summed per domain and per row, counters taken
 * at the end), already as the disclosure policy lets that client see it
 * (disclose.h), and written out as a "sample" reply (docs/FORMAT.md).
 *
 * A client under a restricted view gets other users' rows summed as they
 * arrive, so what is kept for it is its own rows plus one per user. Its
 * comm, cgroup, unit and container rows (which can mix users) are rebuilt
 * from thread rows, each of which has one owner; the daemon carries the
 * thread grouping while such a client is subscribed.
 *
 * Uses the public API to read snapshots; no I/O.
 */
#ifndef JOULESTAT_DACC_H
#define JOULESTAT_DACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disclose.h"
#include "dstate.h"
#include "joulestat.h"
#include "wire.h"

struct dacc_opts {
	enum disclose_policy view;	/* what this client sees (disclose_view()) */
	uint32_t uid;			/* the client's */
	uint32_t groups;		/* groupings wanted: mask of 1u << enum joulestat_group */
	bool tasks;			/* tasks wanted (only for view all) */
};

/* A process tree this client registered. */
struct dacc_root {
	int pid;
	uint64_t start_ns;
};

/* One daemon sample, and what the daemon knows beside it. */
struct dacc_sample {
	struct joulestat_snapshot *snap;
	uint64_t seq;				/* the daemon's sample number */
	const struct dstate *state;		/* lasting counters, updated for this sample */
	const struct dacc_root *roots;		/* the client's trees */
	size_t nroots;
};

struct dacc;

/*
 * Groupings the daemon must carry for this client: its own, plus the
 * thread grouping when a restricted view wants a grouping that mixes users
 * (disclose_group_mixes_users()).
 */
uint32_t dacc_needs(const struct dacc_opts *o);

/* -EINVAL (tasks under a restricted view: -EACCES), -ENOMEM. */
int dacc_new(const struct dacc_opts *o, struct dacc **ret);
struct dacc *dacc_free(struct dacc *a);

/* Change what is wanted (a new subscribe); what was merged so far stays. */
int dacc_set(struct dacc *a, const struct dacc_opts *o);

/* Merge one daemon sample. -ENOMEM (what was merged before stays consistent). */
int dacc_add(struct dacc *a, const struct dacc_sample *s);

/* Daemon samples merged since the last reply, and the time they span. */
size_t dacc_samples(const struct dacc *a);
uint64_t dacc_span_ns(const struct dacc *a);
/* The daemon's last sample merged (0: none yet). */
uint64_t dacc_last_seq(const struct dacc *a);

/*
 * Write the members of a "sample" reply (daemon_seq, samples, info,
 * domains, groups, tasks) into the open object of w, then start over:
 * the next reply has what is sampled after this one. With nothing merged
 * it writes samples 0 and daemon_seq `seq_now` only.
 */
void dacc_write(struct dacc *a, struct wjson *w, uint64_t seq_now);

#endif
