/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * procfs_parse.h - pure parsers for the per-task files of /proc that the
 * /proc activity collector reads: task/TID/schedstat, task/TID/stat, statm,
 * cgroup, the cpuN lines (plus the fork counter) of /proc/stat, and the
 * root cgroup's cpuacct.usage_percpu (cgroup v1) for the exact busy time.
 *
 * Same contract as parse.h: no I/O, the buffer need not be NUL-terminated,
 * *ret is written only on success, errors are -EINVAL (malformed), -ERANGE
 * (a number overflows) or -ENODATA (empty input: a task that vanished while
 * the kernel was printing the file reads as empty, never as garbage).
 */
#ifndef JOULESTAT_PROCFS_PARSE_H
#define JOULESTAT_PROCFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/PID/task/TID/schedstat: "ON_CPU_NS RUNQUEUE_WAIT_NS TIMESLICES\n". */
struct schedstat {
	uint64_t oncpu_ns;	/* se.sum_exec_runtime */
	uint64_t wait_ns;	/* time waiting on a runqueue */
	uint64_t timeslices;	/* times run on a CPU */
};

int parse_schedstat(const char *buf, size_t len, struct schedstat *ret);

#define TASK_COMM_LEN 16
#define TASK_PF_KTHREAD 0x00200000u /* include/linux/sched.h PF_KTHREAD */

/*
 * /proc/PID/task/TID/stat (proc(5) field numbers). comm may hold any byte,
 * spaces and ')' included ("a) b (c"): it runs from the first '(' to the LAST
 * ')' of the line. Fields after processor (39) are optional; fields 3..39 are
 * required.
 */
struct task_stat {
	uint32_t pid;			/* 1 */
	char comm[TASK_COMM_LEN];	/* 2, NUL-terminated, truncated to 15 bytes */
	char state;			/* 3 */
	uint32_t ppid;			/* 4 */
	uint32_t flags;			/* 9, PF_* */
	uint64_t minflt;		/* 10, minor page faults */
	uint64_t majflt;		/* 12, major page faults (read from storage) */
	uint64_t utime_ticks;		/* 14, USER_HZ */
	uint64_t stime_ticks;		/* 15, USER_HZ */
	uint32_t num_threads;		/* 20 */
	uint64_t starttime_ticks;	/* 22, USER_HZ since boot */
	uint32_t processor;		/* 39, CPU the task last ran on */
};

int parse_task_stat(const char *buf, size_t len, struct task_stat *ret);

/* /proc/PID/statm: seven counts of pages; the last two are 0 since Linux 2.6. */
struct statm {
	uint64_t size_pages;
	uint64_t resident_pages;
	uint64_t shared_pages;
	uint64_t text_pages;
	uint64_t data_pages;
};

int parse_statm(const char *buf, size_t len, struct statm *ret);

/*
 * /proc/PID/cgroup: the cgroup v2 path, from the "0::PATH" line, into
 * ret_path (NUL-terminated). -ENOENT when there is no v2 line (a pure v1
 * host), -ENAMETOOLONG when it does not fit.
 */
int parse_proc_cgroup_v2(const char *buf, size_t len, char *ret_path, size_t size);

/*
 * /proc/PID/cgroup on any layout (v1, v2, hybrid): the path that names
 * what the process belongs to, into ret_path. In order of preference: the
 * v2 line ("0::PATH") when it is not the root, the "name=systemd" line, the
 * line of the "cpu" controller, any other line not at the root, then the
 * root. -ENOENT without any "ID:CONTROLLERS:PATH" line, -EINVAL for a path
 * that does not start with '/' or holds a NUL, -ENAMETOOLONG.
 */
int parse_proc_cgroup(const char *buf, size_t len, char *ret_path, size_t size);

/* One cpuN line of /proc/stat, in USER_HZ ticks. */
struct proc_stat_cpu {
	uint64_t busy_ticks;	/* user + nice + system + irq + softirq + steal */
	uint64_t steal_ticks;	/* steal (also in busy_ticks): time a hypervisor ran something else */
	uint64_t idle_ticks;	/* idle */
	uint64_t iowait_ticks;	/* iowait (per CPU it may go backwards: proc(5)) */
	bool present;		/* a cpuN line was there */
};

/*
 * /proc/stat: the cpuN lines into cpus[0..ncpus) (lines for CPU ≥ ncpus are
 * skipped and counted in *ret_skipped), and the "processes" line (forks since
 * boot, threads included) into *ret_forks. Entries without a line are marked
 * not present; a repeated line overwrites. A cpuN line needs at least the four fields of Linux 2.4
 * (user nice system idle); later fields default to 0, and numeric fields after
 * guest_nice (a later kernel's) are ignored. Guest time is already inside user
 * and nice and is not added again. Returns the number of distinct CPUs stored
 * (0 when there is no cpuN line); -EINVAL when a cpu line is malformed or
 * "processes" is missing (every /proc/stat since Linux 2.4 has it: a file
 * without it is not /proc/stat), -ERANGE when a field or busy + idle + iowait
 * of a CPU overflows 64 bits (so callers may add them for a CPU's total).
 */
int parse_proc_stat(const char *buf, size_t len, struct proc_stat_cpu *cpus, unsigned ncpus,
		    uint64_t *ret_forks, unsigned *ret_skipped);

/*
 * /proc/uptime: "SECONDS.FRACTION IDLE_SECONDS\n", the first number (time
 * since boot, CLOCK_BOOTTIME) in ns. Up to 9 fraction digits are used.
 */
int parse_uptime(const char *buf, size_t len, uint64_t *ret_ns);

/* /proc/loadavg: "0.52 0.58 0.59 2/114 4242\n" (loads, runnable/threads, last pid). */
struct loadavg {
	uint32_t runnable;	/* tasks runnable now */
	uint32_t threads;	/* every task on the host (nr_threads), kernel threads included */
	uint32_t last_pid;
};

int parse_loadavg(const char *buf, size_t len, struct loadavg *ret);

/*
 * A cgroup v1 cpuacct.usage_percpu file: one number per possible CPU, in
 * CPU order, separated by blanks, each the nanoseconds the cgroup's tasks
 * ran on that CPU ("1029607923800 1299714908366 \n"). The first `ncpus`
 * values go to ret_ns[]; a file with fewer leaves the rest untouched and a
 * file with more has the rest checked and ignored. Returns how many values
 * the file holds (> 0); -ENODATA for an empty file, -EINVAL, -ERANGE.
 * ret_ns is written only on success.
 */
int parse_cpuacct_percpu(const char *buf, size_t len, uint64_t *ret_ns, unsigned ncpus);

#endif
