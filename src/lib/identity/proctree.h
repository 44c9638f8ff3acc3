/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * proctree.h - process identity across snapshots: the start of each
 * process (so a reused PID is a new process), and the process trees that
 * `joulestat run` follows - a root and every descendant, including those
 * that start and end between two snapshots.
 *
 * Membership is decided per task from parentage the collector reports (the
 * eBPF collector records it at fork, the /proc collector reads PPid), and is
 * remembered per process, so a grandchild whose parent already exited is
 * still placed: its parent was placed when it ran. A task whose parentage
 * the collector did not know is looked up in /proc/TID/stat while alive.
 */
#ifndef JOULESTAT_PROCTREE_H
#define JOULESTAT_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "fsroot.h"

/* One process: (tgid, start) -> a value. start 0 stands for "any/unknown". */
struct pt_ent {
	uint32_t tgid;
	bool used;
	uint64_t start_ns;
	uint64_t val;
	uint64_t seen_ns;
};

struct pt_map {
	struct pt_ent *e;
	size_t cap, n;
};

struct pt_root {
	uint32_t pid;		/* 0: a removed root's free slot */
	uint64_t start_ns;	/* from /proc/PID/stat, truncated to a clock tick */
};

struct proctree {
	struct pt_map leaders;	/* (tgid, 0) -> its newest leader's start; 0: unknown (dead) */
	struct pt_map members;	/* (tgid, start) and (tgid, 0) -> root index */
	struct pt_root *roots;
	size_t nroots;
	uint64_t *root_of;	/* [ntasks] of the last update: root index or GROUP_CLASS_NONE */
	size_t root_of_cap;
	uint64_t tick_ns;	/* /proc's clock tick, for comparing starts read there */
	uint64_t pruned_ns;
};

/* The leader (tgid, start_ns) exited: forget its start at the next prune. */
void proctree_note_exit(struct proctree *t, uint32_t tgid, uint64_t start_ns);

/* Remember that `tgid`'s leader started at start_ns (the newest wins). */
void proctree_note_leader(struct proctree *t, uint32_t tgid, uint64_t start_ns);

/*
 * The start of the process of a task of `tgid` that started at
 * task_start_ns: its leader's as noted, else /proc/TGID/stat's (read once per
 * process), else 0.
 */
uint64_t proctree_proc_start(struct proctree *t, const struct fsroot *fs, uint32_t tgid,
			     uint64_t task_start_ns);

/*
 * Follow the tree rooted at live process `pid`. -ESRCH when it is not
 * alive (no /proc/PID/stat), -EEXIST when followed already, -ENOMEM.
 */
int proctree_add_root(struct proctree *t, const struct fsroot *fs, uint32_t pid);

/*
 * Stop following the tree rooted at `pid` (the newest root of that PID):
 * its members are forgotten and its slot is free for a later root. Returns
 * the root index it had (the tree grouping's class id, whose cumulative
 * energy the caller forgets), or -ENOENT.
 */
int64_t proctree_remove_root(struct proctree *t, uint32_t pid);

/*
 * Place the tasks of sample `s` (proc_start_ns[] as resolved for them):
 * afterwards proctree_root_of(t, i) answers for task i. 0 or -ENOMEM.
 */
int proctree_update(struct proctree *t, const struct fsroot *fs, const struct activity_sample *s,
		    const uint64_t *proc_start_ns);

/* The root index of task i of the last update, or GROUP_CLASS_NONE. */
uint64_t proctree_root_of(const struct proctree *t, size_t i);

uint32_t proctree_root_pid(const struct proctree *t, uint64_t root);
uint64_t proctree_root_start(const struct proctree *t, uint64_t root);

void proctree_done(struct proctree *t);

#endif
