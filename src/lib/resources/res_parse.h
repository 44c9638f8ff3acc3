/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * res_parse.h - pure parsers for the system-wide resource files of /proc that
 * the resource collector reads: /proc/stat (every CPU's times, context
 * switches, interrupts, runnable and blocked tasks), /proc/loadavg,
 * /proc/meminfo, /proc/diskstats, /proc/net/dev, /proc/pressure/{cpu,io,memory},
 * and the per-task status and io files.
 *
 * Same contract as parse.h and procfs_parse.h: no I/O, the buffer need not be
 * NUL-terminated, *ret is written only on success, errors are -EINVAL
 * (malformed), -ERANGE (a number overflows) or -ENODATA (empty input).
 */
#ifndef JOULESTAT_RES_PARSE_H
#define JOULESTAT_RES_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One cpu line of /proc/stat, USER_HZ ticks; guest time is inside user and nice already. */
struct cpu_times {
	uint64_t user;
	uint64_t nice;
	uint64_t system;
	uint64_t idle;
	uint64_t iowait;
	uint64_t irq;
	uint64_t softirq;
	uint64_t steal;
	bool present;		/* a line for this CPU was there */
};

/* Busy ticks: everything but idle and iowait. */
uint64_t cpu_times_busy(const struct cpu_times *t);
/* Every tick of the line (busy + idle + iowait). */
uint64_t cpu_times_total(const struct cpu_times *t);

struct sys_stat {
	struct cpu_times all;		/* the "cpu " line */
	uint64_t ctxt;			/* context switches since boot */
	uint64_t intr;			/* interrupts since boot (first number of "intr") */
	uint64_t forks;			/* "processes" */
	uint32_t procs_running;		/* runnable now */
	uint32_t procs_blocked;		/* in uninterruptible sleep on I/O now */
	unsigned ncpus;			/* distinct cpuN lines stored in cpus[] */
	unsigned skipped;		/* cpuN lines for N >= the caller's ncpus */
};

/*
 * /proc/stat: the "cpu" line into ret->all, cpuN lines into cpus[0..ncpus)
 * (may be NULL when ncpus is 0; entries without a line are not present), and
 * the ctxt, intr, processes, procs_running and procs_blocked lines. The cpu
 * lines need the four fields of Linux 2.4 at least; missing later fields are
 * 0. "cpu", "ctxt" and "intr" are required (every /proc/stat since 2.4 has
 * them): -EINVAL without them. Unknown lines (softirq, btime) are skipped.
 */
int parse_sys_stat(const char *buf, size_t len, struct cpu_times *cpus, unsigned ncpus,
		   struct sys_stat *ret);

/* /proc/loadavg: "0.52 0.58 0.59 2/114 4242\n", loads in thousandths. */
struct load_avg {
	uint32_t load_milli[3];		/* 1, 5, 15 minutes, × 1000 */
	uint32_t runnable;
	uint32_t threads;
};

int parse_load_avg(const char *buf, size_t len, struct load_avg *ret);

/* /proc/meminfo, in bytes. */
struct meminfo {
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t available_bytes;	/* MemAvailable (3.14+), else free + buffers + cached */
	uint64_t buffers_bytes;
	uint64_t cached_bytes;
	uint64_t swap_total_bytes;
	uint64_t swap_free_bytes;
	uint64_t dirty_bytes;
	uint64_t writeback_bytes;
	bool has_available;		/* MemAvailable was in the file */
};

/*
 * "Key:   VALUE kB" lines. MemTotal and MemFree are required; a line that is
 * not "Key: number [kB]" is -EINVAL; a unit other than kB is -EINVAL.
 */
int parse_meminfo(const char *buf, size_t len, struct meminfo *ret);

#define DISK_NAME_LEN 32

/* One /proc/diskstats line (Documentation/admin-guide/iostats.rst). */
struct diskstat {
	uint32_t major;
	uint32_t minor;
	char name[DISK_NAME_LEN];	/* NUL-terminated; longer names are -EINVAL */
	uint64_t reads;			/* reads completed */
	uint64_t read_sectors;		/* 512-byte sectors, whatever the device's sector size */
	uint64_t writes;
	uint64_t write_sectors;
	uint64_t io_ticks_ms;		/* time the device had I/O in flight (0 on 7-field lines) */
};

/*
 * Every line of /proc/diskstats: the first `max` into ret[] (ret may be NULL
 * when max is 0). Lines have 3 + 11, 15 or 17 fields (kernels 2.6.25+, 4.18+,
 * 5.5+) or the 3 + 4 of older partition lines. Returns the number of lines
 * (which may exceed max, as snprintf does), or -EINVAL/-ERANGE. An empty file
 * is 0 devices.
 */
int parse_diskstats(const char *buf, size_t len, struct diskstat *ret, size_t max);

#define NETDEV_NAME_LEN 16 /* IFNAMSIZ */

/* One interface of /proc/net/dev. */
struct netdev_stat {
	char name[NETDEV_NAME_LEN];
	uint64_t rx_bytes;
	uint64_t rx_packets;
	uint64_t tx_bytes;
	uint64_t tx_packets;
};

/*
 * /proc/net/dev: the two header lines (recognised by their '|'), then
 * "name: 16 numbers" per interface. Same return convention as
 * parse_diskstats(). A line without ':' or with fewer than 16 numbers is
 * -EINVAL.
 */
int parse_net_dev(const char *buf, size_t len, struct netdev_stat *ret, size_t max);

/* /proc/pressure/{cpu,io,memory} (Documentation/accounting/psi.rst). */
struct psi_line {
	uint32_t avg10_centi;		/* % × 100 over the last 10 s */
	uint32_t avg60_centi;
	uint32_t avg300_centi;
	uint64_t total_us;		/* stall time since boot */
};

struct pressure {
	struct psi_line some;
	struct psi_line full;
	bool has_full;			/* cpu has no "full" line before 5.13 */
};

int parse_pressure(const char *buf, size_t len, struct pressure *ret);

#define TASK_NAME_LEN 64

/* /proc/PID/task/TID/status: the fields the collector uses. */
struct task_status {
	char name[TASK_NAME_LEN];	/* as printed (escaped by the kernel), truncated */
	char state;
	uint32_t tgid;
	uint32_t pid;
	uint32_t ppid;
	uint64_t vm_size_bytes;		/* 0 for kernel threads (no Vm* lines) */
	uint64_t vm_rss_bytes;
	uint32_t threads;
	uint64_t voluntary_ctxt;	/* gave up the CPU: sleeping, waiting */
	uint64_t nonvoluntary_ctxt;	/* preempted */
	uint32_t uid[4];		/* real, effective, saved, filesystem (has_uid) */
	bool has_uid;
};

/* Name, State and Pid are required; the rest default to 0. */
int parse_task_status(const char *buf, size_t len, struct task_status *ret);

/* /proc/PID/task/TID/io. */
struct task_io {
	uint64_t rchar;			/* bytes passed to read(2) and friends */
	uint64_t wchar;
	uint64_t syscr;
	uint64_t syscw;
	uint64_t read_bytes;		/* fetched from storage */
	uint64_t write_bytes;		/* sent to storage (dirtied page cache) */
	uint64_t cancelled_write_bytes;
	bool has_storage;		/* read_bytes/write_bytes present (CONFIG_TASK_IO_ACCOUNTING) */
};

/* rchar and wchar are required. */
int parse_task_io(const char *buf, size_t len, struct task_io *ret);

#endif
