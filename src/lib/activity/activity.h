/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity.h - the interface of the activity collectors: for each sampling
 * interval, how many nanoseconds each task ran on each CPU, how long each CPU
 * was idle, and how much time the collector could not name.
 *
 * Two collectors implement it: activity_ebpf.c (sched_switch in BPF, exact,
 * sees short-lived tasks) and activity_proc.c (per-thread schedstat scans,
 * unprivileged, misses tasks that live between two scans and says so).
 * activity.c chooses between them (--activity auto|ebpf|proc).
 *
 * A task is keyed by (tgid, tid, start_ns) so that a reused PID is never
 * merged with its predecessor.
 */
#ifndef JOULESTAT_ACTIVITY_H
#define JOULESTAT_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"
#include "log.h"
#include "topology.h"

#define ACTIVITY_COMM_LEN 16
#define ACTIVITY_REASON_MAX 320

struct task_key {
	uint32_t tgid;		/* process id */
	uint32_t tid;		/* thread id */
	uint64_t start_ns;	/* task start, ns since boot (CLOCK_BOOTTIME, as /proc stat field 22 × tick) */
};

enum activity_task_flags {
	ACTIVITY_TASK_EXITED = 1 << 0,	/* exited during the interval */
	ACTIVITY_TASK_NEW = 1 << 1,	/* first seen in this interval */
	ACTIVITY_TASK_KERNEL = 1 << 2,	/* kernel thread */
};

/* One task that ran in the interval (or exited in it). */
struct activity_task {
	struct task_key key;
	char comm[ACTIVITY_COMM_LEN];	/* last known comm (after exec, the new one) */
	uint64_t cgroup_id;		/* cgroup v2 id, 0 when unknown */
	uint32_t uid;
	uint32_t flags;			/* enum activity_task_flags */
	uint64_t oncpu_ns;		/* Σ over CPUs in this interval */
	uint64_t rss_bytes;		/* resident memory at sample time, 0 when unknown/exited */
	uint64_t syscalls;		/* syscalls in the interval (per process, on the tgid's main row; --syscalls) */
	uint32_t first_row;		/* its per-CPU rows: rows[first_row .. first_row + nrows) */
	uint32_t nrows;
	/*
	 * Parentage, for process trees (`joulestat run`): the parent process
	 * (tgid) and its start, as the collector saw them when the task was
	 * created (eBPF: at fork) or first scanned (/proc: PPid). 0 when
	 * unknown. proc_start_ns is the task's own process's start (its
	 * leader's key.start_ns), 0 when unknown.
	 */
	uint32_t ppid;
	uint64_t parent_start_ns;
	uint64_t proc_start_ns;
};

/* Time one task spent on one CPU in the interval. */
struct activity_row {
	uint32_t cpu;
	uint32_t task;			/* index into tasks[] */
	uint64_t ns;
};

/* One interval. Buffers belong to the collector; valid until its next sample() or close(). */
struct activity_sample {
	uint64_t start_ns;		/* CLOCK_MONOTONIC */
	uint64_t end_ns;
	unsigned ncpus;			/* array length of the per-CPU arrays: highest online CPU + 1 */
	const uint64_t *idle_ns;	/* [ncpus] */
	const uint64_t *lost_ns;	/* [ncpus] time the collector knows passed but cannot name */
	/*
	 * [ncpus] or NULL: time inside task slices that the kernel did not
	 * account to the task (interrupts, hypervisor steal). Named, not
	 * lost: it is nobody's, and attribution leaves its energy unattributed.
	 */
	const uint64_t *irq_ns;
	const struct activity_task *tasks;
	size_t ntasks;
	const struct activity_row *rows;
	size_t nrows;
	uint64_t dropped;		/* events lost (full maps, ...) in this interval: counted, never silent */
	double captured;		/* fraction of busy CPU time named to a task, 0..1 (proc: < 1 when tasks were missed) */
};

struct activity_ctx {
	const struct fsroot *fs;
	const struct topology *topo;
	const struct logger *log;
	bool syscalls;			/* count syscalls per process (costs on every syscall) */
	uint32_t max_tasks;		/* ebpf: task map capacity; 0: from <procfs>/sys/kernel/pid_max */
};

struct activity_ops {
	const char *name;		/* "ebpf", "proc" */
	/*
	 * Start collecting. The first sample() covers the time since open().
	 * On failure: -errno and `reason` says why in words a user can act on
	 * ("not permitted: needs root, or CAP_BPF and CAP_PERFMON ...").
	 */
	int (*open)(const struct activity_ctx *ctx, void **ret_state, char *reason,
		    size_t reason_size);
	/* Close the interval now and describe it in *ret. */
	int (*sample)(void *state, struct activity_sample *ret);
	void (*close)(void *state);
};

extern const struct activity_ops activity_ebpf_ops;
extern const struct activity_ops activity_proc_ops;

/* Coverage of `cpu`: (Σ task ns + idle ns + irq ns) / interval; 0 when the CPU is out of range. */
double activity_coverage(const struct activity_sample *s, unsigned cpu);

#endif
