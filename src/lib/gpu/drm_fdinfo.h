/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * drm_fdinfo.h - per-process GPU activity from DRM fdinfo
 * (/proc/PID/fdinfo/FD of an open /dev/dri node), the vendor-neutral
 * interface of Documentation/gpu/drm-usage-stats.rst, published by amdgpu,
 * i915, xe, msm, panfrost, v3d, nouveau and NVIDIA's open modules.
 *
 * Two parts:
 * - parse_drm_fdinfo(): a pure parser of one fdinfo file (parse.h contract);
 * - struct drm_clients: a collector that scans <procfs>/PID/fdinfo through
 *   fsroot, de-duplicates file descriptors by (pdev, client id), and turns
 *   the cumulative engine counters into per-process busy time per device
 *   over each interval.
 */
#ifndef JOULESTAT_DRM_FDINFO_H
#define JOULESTAT_DRM_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"

#define DRM_DRIVER_MAX 32
#define DRM_PDEV_MAX 32 /* "0000:03:00.0", or a platform device name */
#define DRM_ENGINE_NAME_MAX 24
#define DRM_MAX_ENGINES 16

/* One engine class of one client ("render", "gfx", "rcs", "video"...). */
struct drm_engine {
	char name[DRM_ENGINE_NAME_MAX];
	uint64_t busy_ns;      /* drm-engine-<name>: busy time, ns, cumulative */
	uint64_t cycles;       /* drm-cycles-<name>: busy GPU cycles, cumulative */
	uint64_t total_cycles; /* drm-total-cycles-<name>: GPU cycles elapsed, cumulative */
	uint32_t capacity;     /* drm-engine-capacity-<name>: engines of the class (default 1) */
	bool has_ns;
	bool has_cycles;
	bool has_total_cycles;
};

/* What one DRM fdinfo file says. */
struct drm_fdinfo {
	char driver[DRM_DRIVER_MAX]; /* drm-driver (mandatory) */
	char pdev[DRM_PDEV_MAX];     /* drm-pdev: PCI address for PCI devices; "" when absent */
	uint64_t client_id;	     /* drm-client-id */
	bool has_client_id;
	unsigned nengines;
	struct drm_engine engines[DRM_MAX_ENGINES];
	/*
	 * Device memory resident for this client, bytes: drm-resident-vram*
	 * / drm-resident-local* when present (current keys), else the legacy
	 * amdgpu drm-memory-vram. 0 with has_vram false when neither appears.
	 */
	uint64_t vram_bytes;
	bool has_vram;
};

/*
 * Parse one fdinfo file. Lines are "key:<blanks>value"; keys other than the
 * drm-* ones used here are ignored (pos, flags, mnt_id, ino, pasid...).
 *
 * -ENOENT   no drm-driver line: not a DRM file (the usual case: most fds
 *           are sockets and files);
 * -EINVAL   a drm-* line used here is malformed (a number that is not one,
 *           "ns" missing after an engine time, an empty driver);
 * -ERANGE   a number overflows 64 bits;
 * -E2BIG    more than DRM_MAX_ENGINES engine classes;
 * -ENODATA  empty input (the process exited while the kernel printed).
 * *ret is written only on success.
 */
int parse_drm_fdinfo(const char *buf, size_t len, struct drm_fdinfo *ret);

/*
 * Normalise a PCI address to "DDDD:BB:DD.F" in lower case: accepts NVML's
 * 8-digit domain ("00000000:01:00.0") and upper-case hex. -EINVAL when `s`
 * is not a PCI address. ret_size ≥ 13.
 */
int drm_pci_normalize(const char *s, char *ret, size_t ret_size);

/*
 * The table of <debugfs>/dri/N/clients (drivers/gpu/drm/drm_debugfs.c): a
 * header line ("command tgid dev master a uid magic [name id]") then one
 * line per open DRM file, the task's comm right-aligned in 20 columns and
 * its tgid next. Writes the tgids, in table order, into pids[0 .. *ret_n)
 * (duplicates kept). -EINVAL when the header or a line is not of that
 * shape, -E2BIG when more than `max` lines, -ENODATA for empty input.
 * *ret_n is written only on success (pids[] may hold a prefix on error).
 */
int parse_drm_clients_list(const char *buf, size_t len, uint32_t *pids, size_t max, size_t *ret_n);

/* ---- the collector ---- */

/* One process's use of one device over the last interval. */
struct drm_proc_usage {
	char pdev[DRM_PDEV_MAX]; /* normalised PCI address (drm_pci_normalize) */
	char driver[DRM_DRIVER_MAX];
	uint32_t pid; /* tgid */
	char comm[16];
	/*
	 * Engine busy time in the interval, ns, summed over the process's
	 * clients and engine classes (may exceed the interval on a device
	 * with several engines). For cycle-counting drivers (xe):
	 * Δcycles / Δtotal_cycles × interval per engine.
	 */
	uint64_t busy_ns;
	uint64_t vram_bytes; /* at the end of the interval */
	unsigned clients;    /* distinct DRM clients it holds */
};

struct drm_clients;

/*
 * Start a collector over <procfs>. The first drm_clients_sample() counts
 * from the time of this call: clients that exist now are read as a
 * baseline. `fs` is borrowed and must outlive the collector. -ENOMEM.
 */
int drm_clients_new(const struct fsroot *fs, uint64_t now_ns, struct drm_clients **ret);

struct drm_clients *drm_clients_free(struct drm_clients *c);

/* Full scans are forced at least every this many samples (see drm_clients_sample()). */
#define DRM_FULL_SCAN_EVERY 10

/*
 * Scan <procfs>/PID/fdinfo and close the interval at now_ns.
 *
 * Which processes: when <sysfs>/kernel/debug/dri/N/clients can be read (root,
 * debugfs mounted), only the tgids it lists and those that held a client at
 * the last scan, with a scan of every process every DRM_FULL_SCAN_EVERY
 * samples; else every process, every time (a readdir of each fd directory and
 * a readlink per fd). The debugfs table names the process that opened a DRM
 * file, or since Linux 6.7 the one that last used it; a process that uses a
 * file another one opened and passed to it (DRI3 on older kernels) is found by
 * the next full scan, and the use its client accrued until then counts in the
 * interval it is found in.
 * A client
 * (pdev, client id) held by several fds or processes (dup(), fork(), fd
 * passing) counts once, for the lowest PID that holds it. A client first
 * seen in this scan was opened during the interval (it was not there at the
 * last scan), so its whole counter is its use in the interval. Counters
 * that go backwards (a reused client id) restart from the new value.
 *
 * The result, one row per (device, process) with any client on the device,
 * is valid until the next call or drm_clients_free(). Processes that vanish
 * during the scan are skipped; files that cannot be read or parsed are
 * counted in *ret_errors (may be NULL). Returns the number of rows, or
 * -errno when <procfs> cannot be listed.
 */
int drm_clients_sample(struct drm_clients *c, uint64_t now_ns, const struct drm_proc_usage **ret,
		       unsigned *ret_errors);

/* Interval length of the last sample, ns (0 before the first). */
uint64_t drm_clients_interval_ns(const struct drm_clients *c);

#endif
