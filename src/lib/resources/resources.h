/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * resources.h - the resource collector: what the machine did (CPU per core,
 * frequency, temperature, context switches, interrupts, load, memory, disks,
 * network, PSI) and what each thread of one process tree did (CPU, faults,
 * switches, memory, I/O), sampled on the caller's clock. Every file is read
 * through fsroot, so fixture trees stand in for /proc and /sys.
 *
 * Counters are kept cumulative; each sample also holds the deltas over the
 * interval since the previous one (none on the first: it is the baseline).
 * The public wrappers (joulestat_resources_*) live at the end of resources.c.
 */
#ifndef JOULESTAT_RESOURCES_H
#define JOULESTAT_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"
#include "log.h"
#include "res_parse.h"

#define RES_MAX_DISKS 64
#define RES_MAX_NETS 64
#define RES_MAX_TEMPS 64
#define RES_TEMP_NAME_LEN 64

struct res_cpu {
	struct cpu_times t;		/* cumulative ticks */
	uint64_t busy_ticks;		/* over the interval */
	uint64_t total_ticks;
	uint64_t freq_khz;		/* scaling_cur_freq; 0 when the file is not there */
};

struct res_disk {
	struct diskstat st;		/* cumulative */
	uint64_t read_bytes;		/* over the interval */
	uint64_t write_bytes;
	uint64_t io_ms;
};

struct res_net {
	struct netdev_stat st;
	uint64_t rx_bytes;		/* over the interval */
	uint64_t tx_bytes;
};

struct res_temp {
	char name[RES_TEMP_NAME_LEN];	/* "thermal_zone0 x86_pkg_temp", "coretemp Core 0" */
	int64_t mc;			/* millidegrees Celsius */
};

/* One sample of the machine. Deltas are zero on the first sample. */
struct res_system {
	uint64_t timestamp_ns;
	uint64_t interval_ns;		/* 0 on the first sample */
	unsigned ncpus;			/* entries in cpus[] (highest cpuN + 1) */
	struct res_cpu *cpus;		/* owned by the collector */
	struct sys_stat stat;		/* cumulative */
	uint64_t busy_ticks;		/* all CPUs, over the interval */
	uint64_t iowait_ticks;
	uint64_t total_ticks;
	uint64_t ctxt;			/* over the interval */
	uint64_t intr;
	struct load_avg load;
	struct meminfo mem;
	bool have_mem;
	size_t ndisks;
	struct res_disk disks[RES_MAX_DISKS];
	size_t nnets;
	struct res_net nets[RES_MAX_NETS];
	size_t ntemps;
	struct res_temp temps[RES_MAX_TEMPS];
	/* PSI: cpu, io, memory; have_psi false when the kernel has it off. */
	struct pressure psi[3];
	uint64_t psi_some_us[3];	/* stall over the interval */
	uint64_t psi_full_us[3];
	bool have_psi;
};

enum { RES_PSI_CPU = 0, RES_PSI_IO = 1, RES_PSI_MEM = 2 };

/* One thread of the followed tree: cumulative counters, and deltas over the last interval. */
struct res_thread {
	uint32_t tgid;
	uint32_t tid;
	uint64_t start_ticks;		/* with tid, the key: a reused tid is a new thread */
	char name[TASK_NAME_LEN];
	char state;			/* R, S, D, ... at the sample */
	/* cumulative */
	uint64_t oncpu_ns;		/* schedstat: ns-exact */
	uint64_t wait_ns;		/* runqueue wait */
	uint64_t utime_ticks;
	uint64_t stime_ticks;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t vol_ctxt;
	uint64_t nonvol_ctxt;
	uint64_t read_bytes;		/* storage */
	uint64_t write_bytes;
	uint64_t rchar;
	uint64_t wchar;
	uint64_t syscw;
	uint64_t rss_bytes;		/* the process's (shared by its threads) */
	uint64_t vsz_bytes;
	/* over the last interval (0 for a thread first seen in this sample) */
	uint64_t d_oncpu_ns;
	uint64_t d_wait_ns;
	uint64_t d_utime_ticks;
	uint64_t d_stime_ticks;
	uint64_t d_minflt;
	uint64_t d_majflt;
	uint64_t d_vol_ctxt;
	uint64_t d_nonvol_ctxt;
	uint64_t d_read_bytes;
	uint64_t d_write_bytes;
	uint64_t d_rchar;
	uint64_t d_wchar;
	uint64_t d_syscw;
	uint64_t timeslices;		/* schedstat: with oncpu_ns, tells whether it ran */
	uint64_t gen;			/* sample in which it last ran (its files were read) */
	uint64_t rss_gen;		/* sample whose status gave rss_bytes */
	int fd;				/* kept schedstat fd, or -1 */
	bool alive;			/* seen in the last sample */
};

struct res_collector {
	struct fsroot fs;
	struct logger log;
	long user_hz;
	char *buf;			/* scratch for file reads */
	size_t buf_size;
	uint64_t gen;			/* samples taken */
	struct res_system sys;
	struct res_cpu *cpus_prev;
	size_t ncpus_cap;
	bool psi_off;			/* /proc/pressure missing or disabled: stop asking */
	bool freq_off;			/* no cpufreq: stop asking */
	/* The followed tree. */
	uint32_t root_pid;		/* 0: none */
	struct res_thread *threads;	/* sorted by tid */
	size_t nthreads, threads_cap;
	uint32_t *outside;		/* pids seen not in the tree, sorted */
	size_t noutside, outside_cap;
	uint32_t *tree;			/* tgids in the tree this sample */
	size_t ntree, tree_cap;
	uint64_t tree_forks;		/* /proc/stat "processes" when the tree was last listed */
	size_t nfds, fd_budget;		/* kept schedstat fds, and how many may be kept */
	bool proc_real;			/* <procfs> is /proc (not a fixture tree) */
	unsigned warned;		/* RES_WARN_* already logged */
};

/*
 * Open a collector over `fs` (copied). root_pid > 0 follows that process and
 * its descendants (found through each process's parent, field 4 of stat).
 * Returns 0 or -ENOMEM; nothing is read until res_sample().
 */
int res_new(const struct fsroot *fs, const struct logger *log, uint32_t root_pid,
	    struct res_collector **ret);
struct res_collector *res_free(struct res_collector *rc);

/*
 * Take one sample at `now_ns` (CLOCK_MONOTONIC; fixtures pass their own).
 * /proc/stat is required (-errno of its read, -EINVAL malformed, the file
 * named in the log); every other file is optional, and one that is missing
 * or malformed is logged once and left out, never fatal. Threads of the tree
 * that vanish are kept with alive = false.
 */
int res_sample(struct res_collector *rc, uint64_t now_ns);

/*
 * The machine's resources as one snapshot carries them: an immutable copy of
 * a fresh sample (taken now), or NULL when rc is NULL or the sample or the
 * copy failed. The accessors fill the public structs as the standalone
 * collector's calls do, and return -ENODATA for a NULL copy.
 */
struct res_snapshot;
struct res_snapshot *res_snapshot_take(struct res_collector *rc, uint64_t now_ns);
void res_snapshot_free(struct res_snapshot *rs);
int res_snapshot_system(const struct res_snapshot *rs, struct joulestat_system_resources *info);
int res_snapshot_cpu(const struct res_snapshot *rs, unsigned cpu,
		     struct joulestat_cpu_resources *info);
int res_snapshot_temp(const struct res_snapshot *rs, size_t idx,
		      struct joulestat_temp_resources *info);
int res_snapshot_disk(const struct res_snapshot *rs, size_t idx,
		      struct joulestat_disk_resources *info);
int res_snapshot_net(const struct res_snapshot *rs, size_t idx,
		     struct joulestat_net_resources *info);

#endif
