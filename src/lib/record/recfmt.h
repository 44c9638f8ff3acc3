/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * recfmt.h - the recording format of `joulestat record` (docs/FORMAT.md):
 * JSON Lines, one header line then one line per interval. This module
 * decodes one line at a time into the structs below and checks everything a
 * reader relies on (types, ranges, counts that match the header, ledgers
 * that balance), so `replay` and `report` never work on half-read data.
 * Pure: no I/O; the caller reads lines and adds the file name and line
 * number to the message.
 */
#ifndef JOULESTAT_RECFMT_H
#define JOULESTAT_RECFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "activity.h"
#include "attrib.h"
#include "cpuset.h"
#include "gpu.h"
#include "joulestat.h"
#include "vm.h"

#define RECFMT_NAME "joulestat-record"
/*
 * The version this code writes and the newest it reads. Version 2 added
 * each process's cgroup (rows and the interval's "cgroups") and, with
 * options.syscalls, its syscalls (rows and raw tasks); version 1 files are
 * read, and written back as version 1 (replay).
 */
#define RECFMT_VERSION 2

/* Bounds a reader enforces, so that a corrupt line cannot ask for absurd memory. */
#define RECFMT_MAX_DOMAINS 1024
#define RECFMT_MAX_CPUS CPUSET_MAX_CPUS
/* A cgroup path, decoded (PATH_MAX bytes, each of which may become a three-byte U+FFFD). */
#define RECFMT_CGROUP_PATH_MAX (3 * 4096)
/* recfmt_row.cgroup of a version 1 file: the rows do not say. */
#define RECFMT_NO_CGROUP UINT32_MAX

struct recfmt_error {
	char msg[200];		/* "domains[1].delta_uj: expected an unsigned integer, got a string" */
};

struct recfmt_domain {
	char *name;
	enum joulestat_domain_kind kind;
	char *source;
	int socket;			/* -1: machine-wide */
	struct cpuset cpus;
	bool estimated;
	bool in_total;
	uint64_t static_mw;		/* for the baseline idle policy; 0 when not calibrated */
	/*
	 * Where static_mw comes from ("model", a baseline file's path,
	 * "options"); NULL when the file does not say (files written before
	 * this member, or no static power in force).
	 */
	char *static_from;
	uint64_t max_energy_range_uj;
	uint32_t pid;			/* kind process: the process it meters; else 0 */
};

/* Line 1. */
struct recfmt_header {
	unsigned version;
	char *joulestat;		/* the writer's version */
	char *host;
	uint64_t start_unix_ns;		/* wall clock at the first interval's start */
	unsigned ncpus;			/* highest online CPU + 1 */
	unsigned nsockets;
	char *cpu_model;
	size_t ndomains;
	struct recfmt_domain *domains;
	/* options */
	uint64_t interval_ns;
	uint64_t duration_ns;		/* 0: until stopped */
	enum attrib_idle_policy idle;
	bool raw;
	char *source;			/* --source as given, "auto" by default */
	char *collector;		/* the activity collector in use: "ebpf", "proc" */
	bool resources;			/* intervals carry "resources" (record --resources) */
	bool syscalls;			/* rows and raw tasks carry syscall counts (version 2) */
	/* The daemon's socket when recorded through `joulestat daemon`, else NULL (optional). */
	char *daemon;
};

/* One domain's ledger in one interval: delta == tasks + idle + unattributed. */
struct recfmt_ledger {
	uint64_t delta_uj;
	uint64_t tasks_uj;
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	enum attrib_ledger_status status;
	/*
	 * Split by GPU activity (status "gpu-busy", ...): gpu_status says how,
	 * and sampled whether the split rests on sampled utilisation (NVML).
	 * status is then ATTRIB_LEDGER_SKIPPED (the CPU split left it alone).
	 */
	bool gpu;
	enum gpu_split_status gpu_status;
	bool sampled;
	uint64_t energy_uj;		/* cumulative, unwrapped, since the recording started */
	uint64_t raw_uj;		/* the counter as read (raw recordings; else 0) */
};

/* One process (tgid and start) in one interval. */
struct recfmt_row {
	uint32_t tgid;
	uint64_t start_ns;		/* the process's start, ns since boot (0: unknown) */
	uint32_t uid;
	char comm[ACTIVITY_COMM_LEN];
	uint64_t cpu_ns;		/* on-CPU time in the interval, all threads, all CPUs */
	uint64_t *energy_uj;		/* [header.ndomains], points into recfmt_interval.row_energy */
	uint64_t total_uj;		/* Σ energy_uj over the in_total domains (computed) */
	uint32_t cgroup;		/* index into recfmt_interval.cgroups, or RECFMT_NO_CGROUP */
	uint64_t syscalls;		/* in the interval (header.syscalls; else 0) */
};

/* A cgroup of one interval's rows (version 2). */
struct recfmt_cgroup {
	uint64_t id;			/* cgroup v2 id, 0: unknown */
	char *path;			/* "/system.slice/x.service"; "" when unresolved; owned */
};

/* One process's weight in a GPU split (raw recordings). */
struct recfmt_gpu_proc {
	uint32_t pid;
	uint64_t busy;			/* gpu_proc.busy: engine ns, or Σ SM % of its samples */
};

/*
 * The inputs of one GPU domain's split in one interval (raw recordings),
 * besides its ledger's delta_uj and the header's static_mw and policy:
 * with them gpu_split() gives the recorded ledger and rows again.
 */
struct recfmt_gpu {
	size_t domain;			/* index into header.domains, a GPU domain */
	uint64_t idle_mw;		/* the idle power the device had learnt ... */
	bool idle_known;		/* ... if any */
	bool procs_unknown;		/* no process list: all of it unattributed */
	size_t nprocs;
	struct recfmt_gpu_proc *procs;	/* points into recfmt_interval.gpu_procs */
};

/* One process of a VM: a row's key (tgid and start). */
struct recfmt_vm_proc {
	uint32_t tgid;
	uint64_t start_ns;
};

/* One virtual machine in one interval: Σ its processes' rows (docs/VMS.md). */
struct recfmt_vm {
	char name[VM_NAME_MAX];
	uint64_t energy_uj;		/* Σ of its processes' total_uj */
	uint64_t cpu_ns;		/* Σ of their cpu_ns */
	size_t first, nprocs;		/* its processes: recfmt_interval.vm_procs[first ..] */
};

/* Lines 2..: one interval. Owned by the caller; free with recfmt_interval_free(). */
struct recfmt_interval {
	uint64_t seq;			/* 1, 2, ... */
	uint64_t start_ns;		/* CLOCK_MONOTONIC */
	uint64_t end_ns;
	size_t ndomains;		/* == header.ndomains */
	struct recfmt_ledger *ledgers;
	/* host ledger, over the in_total domains */
	uint64_t host_delta_uj;
	uint64_t host_tasks_uj;
	uint64_t host_idle_uj;
	uint64_t host_unattributed_uj;
	/* the activity collector's view of the interval */
	size_t tasks_seen;
	uint64_t dropped;
	uint64_t lost_ns;
	double captured;
	size_t nrows;
	struct recfmt_row *rows;
	uint64_t *row_energy;		/* [nrows * ndomains] */
	/* The rows' cgroups (version 2; 0 and NULL for version 1), unique ids. */
	size_t ncgroups;
	struct recfmt_cgroup *cgroups;
	/*
	 * Raw inputs (header.raw): the activity sample exactly as attribution
	 * saw it, so attrib_split() can be run again. `sample` points into the
	 * arrays below.
	 */
	bool has_raw;
	struct activity_sample sample;
	uint64_t *idle_ns;		/* [sample.ncpus] */
	uint64_t *lost_ns_cpu;		/* [sample.ncpus] */
	uint64_t *irq_ns_cpu;		/* [sample.ncpus] */
	struct activity_task *tasks;	/* [sample.ntasks] */
	struct activity_row *task_rows;	/* [sample.nrows] */
	uint64_t *proc_start_ns;	/* [sample.ntasks]: the process start of each task, 0: unknown */
	/* The GPU splits' inputs (raw recordings with GPU domains; absent in older files). */
	size_t ngpus;
	struct recfmt_gpu *gpus;
	struct recfmt_gpu_proc *gpu_procs;
	/* header.resources: the machine's resources (recfmt_res.h); NULL: null, none sampled */
	struct recfmt_resources *resources;
	/* The VMs whose processes ran ("vms"; absent when none, and in older files). */
	size_t nvms;
	struct recfmt_vm *vms;
	struct recfmt_vm_proc *vm_procs;
};

/* "package", "core", ... (as docs/FORMAT.md); NULL for an unknown kind. */

/*
 * Decode line 1. Returns 0 and fills *ret (free with
 * recfmt_header_free()); -EINVAL for a line that is not a header of this
 * format (err says what); -EPROTONOSUPPORT for a version newer than
 * RECFMT_VERSION (err says which); -ENOMEM. On error *ret is untouched.
 */
int recfmt_parse_header(const char *buf, size_t len, struct recfmt_header *ret,
			struct recfmt_error *err);

void recfmt_header_free(struct recfmt_header *h);

/*
 * Decode one interval line, checked against its header `h`: as many domain
 * ledgers as domains, each balancing exactly, the host ledger equal to the
 * sum of the in_total ones, rows whose energies are within their ledgers,
 * and with h->raw, a raw part whose rows name existing CPUs and tasks.
 * Returns 0 and a new interval in *ret; -EINVAL (err says what); -ENOMEM.
 */
int recfmt_parse_interval(const char *buf, size_t len, const struct recfmt_header *h,
			  struct recfmt_interval **ret, struct recfmt_error *err);

/* NULL is a no-op. Returns NULL. */
struct recfmt_interval *recfmt_interval_free(struct recfmt_interval *iv);

/*
 * Set each VM's energy_uj and cpu_ns to the sums of its processes' rows, and
 * order the VMs by energy, largest first, ties by name (what a writer does
 * before writing, and replay after re-attributing). -EINVAL (err says which)
 * when a process is not a row of the interval or is in two VMs.
 */
int recfmt_vms_sum(struct recfmt_interval *iv, struct recfmt_error *err);

/*
 * Write the header, or one interval of header `h`, as one line (with its
 * newline) to `f`, in the form of h->version (1 or 2) that the parsers above
 * read back to the same structs. An interval's raw part is written when h->raw and iv->has_raw;
 * each task's CPU times are its rows[first_row .. first_row + nrows), so
 * the sample's rows must be grouped by task (as the parser makes them).
 * Returns 0, or -EIO when the stream reports an error (errno then says which).
 */
int recfmt_write_header(FILE *f, const struct recfmt_header *h);
int recfmt_write_interval(FILE *f, const struct recfmt_header *h,
			  const struct recfmt_interval *iv);

/*
 * Write `s` as a JSON string literal, quotes included, in valid UTF-8:
 * control bytes escaped, and each byte that is not UTF-8 written as U+FFFD
 * (docs/FORMAT.md, "Strings").
 */
void recfmt_write_string(FILE *f, const char *s);

/*
 * recfmt_write_string() of at most max_bytes of decoded text, for a field
 * whose reader bounds its length: U+FFFD takes three bytes where a stray
 * byte took one, and a character that would pass the bound is left out,
 * with the rest.
 */
void recfmt_write_string_max(FILE *f, const char *s, size_t max_bytes);

/* Format a CPU set in kernel list syntax ("0-3,8") into buf. Returns the length, or -ENOSPC. */
int recfmt_cpulist(const struct cpuset *s, char *buf, size_t size);

#endif
