/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * procstat.h - pure parsers for the two procfs files the power sources need:
 * the per-CPU time lines of /proc/stat (the model's utilisation) and the start
 * time in /proc/PID/stat (what keeps a reused PID apart from its
 * predecessor). No I/O; each has unit tests and a fuzz target.
 */
#ifndef JOULESTAT_PROCSTAT_H
#define JOULESTAT_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"

/* Per-CPU times, in USER_HZ ticks, as the model needs them. */
struct proc_stat_cpus {
	struct cpuset present;			/* CPUs with a "cpuN" line */
	uint64_t total[CPUSET_MAX_CPUS];	/* user+nice+system+idle+iowait+irq+softirq+steal */
	uint64_t busy[CPUSET_MAX_CPUS];		/* total - idle - iowait */
};

/*
 * Parse the "cpuN ..." lines of /proc/stat. The aggregate "cpu" line and every
 * other line (intr, ctxt, btime...) are ignored. A cpuN line needs at least
 * the four fields user nice system idle (kernels before 2.6 had no more);
 * missing later fields count as 0 and fields after guest_nice are ignored.
 * guest and guest_nice are NOT added: the kernel already counts them inside
 * user and nice (account_guest_time()), adding them would count them twice.
 *
 * Errors (*ret untouched): -EINVAL for a malformed cpuN line or a CPU listed
 * twice, -ERANGE for a CPU number >= CPUSET_MAX_CPUS or a sum that overflows,
 * -ENODATA when there is no cpuN line at all. -ENOMEM when the scratch copy
 * cannot be allocated (the struct is large: it is filled on success only).
 */
int parse_proc_stat_cpus(const char *buf, size_t len, struct proc_stat_cpus *ret);

/*
 * Field 22 (starttime, clock ticks after boot) of /proc/PID/stat. The comm
 * field (2) may hold spaces and parentheses: fields are counted from the last
 * ')'. -EINVAL when malformed or when the line has fewer than 22 fields,
 * -ERANGE on overflow.
 */
int parse_pid_stat_starttime(const char *buf, size_t len, uint64_t *ret);

#endif
