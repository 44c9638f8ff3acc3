/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_proc.h - what the /proc activity collector (activity_proc.c) can
 * tell beyond struct activity_sample: how much it tracks and what it had to
 * skip. Everything it skipped is counted here, never silently lost.
 */
#ifndef JOULESTAT_ACTIVITY_PROC_H
#define JOULESTAT_ACTIVITY_PROC_H

#include <stdint.h>

struct activity_proc_stats {
	uint64_t scans;			/* open() and each sample() */
	uint64_t discoveries;		/* scans that listed <procfs> for new tasks */
	uint64_t thread_checks;		/* scans that also checked known processes for new threads */
	uint64_t task_dir_scans;	/* task/ directories listed (new processes, grown ones) */
	uint64_t tasks;			/* threads tracked now */
	uint64_t processes;		/* processes tracked now */
	uint64_t kept_fds;		/* fds kept open between scans now */
	uint64_t fd_budget;		/* most fds it keeps: 3/4 of RLIMIT_NOFILE at open() */
	/* Cumulative since open(): */
	uint64_t unreadable;		/* task files it may not read (other users' tasks, EACCES) */
	uint64_t vanished;		/* tasks that exited before their final read: that time is lost */
	uint64_t missed_forks;		/* tasks the kernel forked that no scan found (lived between scans) */
	uint64_t malformed;		/* task files that did not parse */
	uint64_t backwards;		/* on-CPU counters that went backwards (exec from a thread) */
	uint64_t off_cpu_range;		/* deltas on a CPU beyond ncpus: counted as lost */
	/* Intervals whose busy time was exact (cpuacct, or every task read), or from ticks: */
	uint64_t busy_exact;
	uint64_t busy_ticks;
	uint64_t acct_errors;		/* cpuacct.usage_percpu reads that failed (ticks or tasks then) */
};

/* Copy the collector's counters; `state` is what activity_proc_ops.open() returned. */
int activity_proc_get_stats(void *state, struct activity_proc_stats *ret);

/* How the collector counts busy time, in words for `probe` (its detail). 0, or -EINVAL. */
int activity_proc_describe(void *state, char *buf, size_t size);

#endif
