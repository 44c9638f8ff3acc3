/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * group.h - aggregations of attributed energy: by process, thread, comm,
 * cgroup or user. A group's energy is the sum of its members' task rows,
 * never a new attribution, so groups add up exactly to the tasks' total.
 * Pure functions, no I/O.
 */
#ifndef JOULESTAT_GROUP_H
#define JOULESTAT_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "attrib.h"

enum group_by {
	/*
	 * A process: (tgid, start_ns of the process). The process start is the
	 * start of its thread-group leader, so that a reused PID is a new group.
	 * See group_tasks() for where it comes from.
	 */
	GROUP_PROCESS = 0,
	GROUP_THREAD = 1,	/* the task key (tgid, tid, start_ns) */
	GROUP_COMM = 2,		/* the command name */
	GROUP_CGROUP = 3,	/* cgroup v2 id (0: unknown, one group) */
	GROUP_USER = 4,		/* uid */
	/*
	 * A class the caller assigns to each task (group_tasks_class()):
	 * systemd unit, container, process tree... Tasks of class
	 * GROUP_CLASS_NONE belong to no group.
	 */
	GROUP_CLASS = 5,
};

#define GROUP_CLASS_NONE UINT64_MAX

/* "process", "thread", "comm", "cgroup", "user"; "unknown" otherwise. Static storage. */
const char *group_by_name(enum group_by by);

/* Parse a grouping name (as --group takes it). -EINVAL for NULL or an unknown name. */
int group_by_from_name(const char *name, enum group_by *ret);

/* What identifies a group; only the fields of its `by` are set, the rest are zero. */
struct group_key {
	uint32_t tgid;			/* process, thread */
	uint32_t tid;			/* thread */
	/* process: the process's start (0: unknown, see group_tasks()); thread: the thread's */
	uint64_t start_ns;
	char comm[ACTIVITY_COMM_LEN];	/* comm, always NUL-terminated */
	uint64_t cgroup_id;		/* cgroup */
	uint32_t uid;			/* user */
	uint64_t class_id;		/* class */
};

struct group_row {
	struct group_key key;
	uint64_t energy_uj;		/* Σ of the members' energy, exactly */
	bool estimated;			/* some member's energy is estimated */
	/* Its members: task indices into the sample, members[first .. first + nmembers). */
	size_t first;
	size_t nmembers;
};

/* Owned by the caller; free with group_result_free(). */
struct group_result {
	enum group_by by;
	size_t ledger;			/* GROUP_ALL_DOMAINS or the ledger grouped */
	size_t ngroups;
	/* Largest energy first; equal energies in key order (deterministic). */
	struct group_row *groups;
	size_t nmembers;
	uint32_t *members;		/* task indices, each group's in task key order */
	uint64_t total_uj;		/* Σ groups[].energy_uj == Σ the members' energy */
};

/* Group the per-task totals (attrib_result.tasks[]) rather than one ledger. */
#define GROUP_ALL_DOMAINS SIZE_MAX

/*
 * Group the tasks of interval `s`, whose attribution is `r`, by `by`.
 *
 * With ledger == GROUP_ALL_DOMAINS every task of the interval is a member
 * and brings its total over the in_total domains (r->tasks[]); otherwise the
 * members are the tasks with a row in r->ledgers[ledger] and bring that
 * row's energy.
 *
 * The process of a task, for GROUP_PROCESS: its tgid, and as start
 * - proc_start_ns[task] when that array is given and the entry is not 0
 *   (collectors that know the leader's start pass it here);
 * - else the start_ns of the interval's leader task (tid == tgid) of that
 *   tgid; when a PID was reused within the interval and there are two
 *   leaders, the latest one that started no later than the task;
 * - else 0: the leader did not run in the interval and its start is
 *   unknown. All such threads of one tgid form one group (tgid, 0).
 *
 * Returns 0 and a new result in *ret; -EINVAL for NULL arguments, a result
 * that does not belong to the sample (different ntasks), a ledger index out
 * of range or an unknown `by`; -ENOMEM. On error *ret is untouched.
 */
int group_tasks(const struct activity_sample *s, const struct attrib_result *r, size_t ledger,
		enum group_by by, const uint64_t *proc_start_ns, struct group_result **ret);

/*
 * Group by a class the caller computed: class_id[task] for every task of
 * the sample (GROUP_CLASS_NONE: in no group, so Σ groups may be less than
 * the tasks' total). Otherwise as group_tasks() with by == GROUP_CLASS,
 * which group_tasks() itself refuses (-EINVAL: it has no class ids).
 */
int group_tasks_class(const struct activity_sample *s, const struct attrib_result *r,
		      size_t ledger, const uint64_t *class_id, struct group_result **ret);

/* Free a result (NULL is a no-op). Returns NULL. */
struct group_result *group_result_free(struct group_result *g);

#endif
