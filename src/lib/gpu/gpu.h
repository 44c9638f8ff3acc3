/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * gpu.h - what the GPU sources (source_nvml.c, source_drm.c) share: the
 * description of one GPU device, the per-process activity on it over an
 * interval, and GPU attribution.
 *
 * GPU attribution (docs/sources-gpu.md) differs from the CPU split of
 * attrib.h: a GPU's energy is not described by CPU time but by GPU
 * activity, per process (NVML SM utilisation samples, or DRM fdinfo engine
 * busy time). For one GPU domain and one interval:
 *
 *   no process on the GPU:  idle = ΔE                (and the idle power is learnt)
 *   otherwise:              idle = min(P_idle × Δt, ΔE), active = ΔE − idle,
 *                           E(p) = active × busy(p) / Σ busy
 *   a single process:       it gets the whole active share
 *   several, no activity:   active is unattributed (no basis for a split)
 *
 * and exactly: ΔE = Σ E(p) + idle + unattributed (largest-remainder
 * apportionment, attrib_apportion()).
 */
#ifndef JOULESTAT_GPU_H
#define JOULESTAT_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm_fdinfo.h"

#define GPU_NAME_MAX 96
#define GPU_UUID_MAX 96
#define GPU_NOTE_MAX 192
/* Idle power is learnt only over intervals at least this long (NVML's counter moves every ~100 ms).
 */
#define GPU_IDLE_MIN_INTERVAL_NS 1000000000ULL

/* One process's activity on one GPU over an interval. */
struct gpu_proc {
	uint32_t pid;
	char comm[16];
	/*
	 * The split's weight: engine busy ns (DRM fdinfo), or Σ over the
	 * interval's utilisation samples of SM % (NVML). 0: running, but no
	 * activity seen.
	 */
	uint64_t busy;
	uint32_t sm_pct;     /* mean SM (or engine) utilisation, 0..100 */
	uint32_t mem_pct;    /* NVML memory-controller utilisation; 0 for DRM */
	uint64_t vram_bytes; /* device memory it holds */
	uint64_t energy_uj;  /* its share of the interval (gpu_split's output) */
};

enum gpu_idle_basis {
	GPU_IDLE_ALL = 0,     /* no process on the GPU: the whole ΔE is idle */
	GPU_IDLE_POWER = 1,   /* idle power × interval (learnt or configured) */
	GPU_IDLE_UNKNOWN = 2, /* processes ran and no idle power is known yet: idle 0 */
};

enum gpu_split_status {
	GPU_SPLIT_IDLE = 0, /* nothing ran */
	GPU_SPLIT_BUSY = 1, /* split by busy weights */
	/* One process, no activity sampled: it gets the active share. */
	GPU_SPLIT_SINGLE = 2,
	/* Several processes, no activity (or no process list): active is unattributed. */
	GPU_SPLIT_NO_ACTIVITY = 3,
};

/* "idle", "busy", "single", "no-activity". Static storage. */
const char *gpu_split_status_name(enum gpu_split_status s);

struct gpu_split_in {
	uint64_t delta_uj;
	uint64_t interval_ns;
	uint64_t idle_mw; /* idle power; meaningful when idle_known */
	bool idle_known;
};

/* One GPU's ledger: delta_uj == procs_uj + idle_uj + unattributed_uj, exactly. */
struct gpu_ledger {
	uint64_t delta_uj;
	uint64_t procs_uj;
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	enum gpu_idle_basis idle_basis;
	enum gpu_split_status status;
};

/*
 * Split one interval of one GPU (pure). Sorts procs[] by pid (so the result
 * does not depend on the order the driver listed them), then sets each
 * energy_uj and *ret. -EINVAL for NULL in/ret, or procs NULL with n > 0;
 * -ENOMEM. On error nothing is written.
 */
int gpu_split(const struct gpu_split_in *in, struct gpu_proc *procs, size_t n,
	      struct gpu_ledger *ret);

/* The idle power of one GPU: configured, or the minimum seen with no process running. */
struct gpu_idle {
	uint64_t mw;
	bool known;
	bool configured; /* from the options: never re-learnt */
};

/*
 * An interval with no process on the GPU: its mean power becomes the idle
 * power when lower than the known one. Intervals shorter than
 * GPU_IDLE_MIN_INTERVAL_NS are not used. Pure.
 */
void gpu_idle_observe(struct gpu_idle *idle, uint64_t delta_uj, uint64_t interval_ns);

struct domain;

/* One GPU device as a GPU source describes it. Unknown numbers: -1 or 0 as noted. */
struct gpu_dev {
	struct domain *d;		/* its energy domain (kind GPU); owned by the monitor */
	char vendor[16];		/* "nvidia", "amd", "intel", or the driver name */
	char driver[DRM_DRIVER_MAX];	/* "nvidia", "amdgpu", "i915", "xe" */
	char name[GPU_NAME_MAX];	/* marketing name; "" when unknown */
	char uuid[GPU_UUID_MAX];	/* "" when unknown */
	char pci[DRM_PDEV_MAX];		/* "0000:03:00.0"; "" when unknown */
	char energy_from[GPU_NOTE_MAX]; /* how its energy is read */
	char per_process[GPU_NOTE_MAX]; /* how per-process activity is read, or why it is not */
	int util_pct;			/* device busy %, -1 unknown */
	int mem_util_pct;		/* memory controller busy %, -1 unknown */
	int temp_c;			/* °C; meaningful when has_temp */
	bool has_temp;
	uint64_t mem_used_bytes;
	uint64_t mem_total_bytes; /* 0: unknown */
	unsigned sm_clock_mhz;	  /* 0: unknown */
	unsigned mem_clock_mhz;	  /* 0: unknown */
	uint64_t power_limit_mw;  /* 0: unknown */
	int mig;		  /* MIG mode: 1 on, 0 off, -1 unsupported/unknown */
	bool sampled;		  /* per-process activity is sampled (NVML), not counted */
	bool per_process_ok;	  /* per-process activity is read at all */
	struct gpu_idle idle;
	/*
	 * The last interval's processes could not be read at all (no /proc,
	 * NVML refused both process lists): its energy is unattributed, not
	 * idle, and teaches nothing about the idle power.
	 */
	bool procs_unknown;
	struct gpu_proc *procs; /* the last interval's processes */
	size_t nprocs, procs_cap;
	struct gpu_ledger ledger; /* the last interval's split */
	uint64_t intervals;	  /* intervals split so far */
};

/* Room for n processes in dev->procs (nprocs reset to 0). -ENOMEM. */
int gpu_dev_reserve(struct gpu_dev *dev, size_t n);

/*
 * After a reading: split the domain's last interval over dev->procs (and
 * learn the idle power when nothing ran). A domain with no interval yet
 * (first reading, or a refused one) gets an empty ledger; with
 * procs_unknown, all of the interval is unattributed.
 */
void gpu_dev_account(struct gpu_dev *dev);

void gpu_dev_done(struct gpu_dev *dev);

struct activity_sample;

/*
 * The task of sample `s` that carries process `pid`'s GPU energy: its main
 * thread (tid == pid), else the first of its threads, else -1 (the process
 * left no task in the sample). The monitor (gpu_api.c) and replay use this
 * one rule, so a replayed recording attributes GPU energy as the live run did.
 */
long gpu_task_of(const struct activity_sample *s, uint32_t pid);

#endif
