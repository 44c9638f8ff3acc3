/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * joulestat.h - the public interface of libjoulestat.
 *
 * libjoulestat reads the energy counters a Linux machine offers (RAPL through
 * the perf power PMU, powercap or MSRs; batteries; hwmon and ACPI power
 * meters; GPUs through NVML and the DRM drivers' hwmon; a labelled model when
 * there is no sensor) and turns them into
 * energy domains: named, unwrapped, de-duplicated cumulative counters.
 *
 * Conventions, for every call below:
 * - functions returning int give >= 0 on success and a negative errno value
 *   on failure; out-parameters named ret* are written only on success;
 * - every *_free() accepts NULL, and returns NULL;
 * - structs passed in or out start with `size_t sz`, which the caller sets to
 *   sizeof(the struct it was compiled with), so fields can be added later;
 * - the library never prints and never exits: it reports through the log
 *   callback (silent by default) and through its return values;
 * - energy is in microjoules (uint64), time in nanoseconds of
 *   CLOCK_MONOTONIC, power in watts only where a double is returned.
 *
 * Threads: a monitor is used from one thread at a time, except where a
 * call says otherwise. joulestat_pid_energy() and
 * joulestat_pid_energy_batch() may be called from any number of threads at
 * once, and concurrently with the one thread that samples
 * (joulestat_sample(), joulestat_dispatch()). Snapshots are immutable:
 * their getters may be called from any thread; joulestat_snapshot_ref()
 * and joulestat_snapshot_free() of one snapshot from one thread at a time.
 * The pure functions (names of policies, groupings, kinds, versions) are
 * safe anywhere.
 *
 * A monitor may be the system's `joulestat daemon` seen through its socket
 * (joulestat_opts.daemon; docs/DAEMON.md): the same calls then answer
 * without privileges, with what the daemon measures (eBPF, short-lived
 * processes included) and what its disclosure policy lets this user see.
 */
#ifndef JOULESTAT_H
#define JOULESTAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JOULESTAT_API __attribute__((visibility("default")))

/* The monitor: owns the energy sources and their domains. */
struct joulestat;

/* One interval, immutable once taken (joulestat_sample()); reference-counted. */
struct joulestat_snapshot;

enum joulestat_log_level {
	JOULESTAT_LOG_ERROR = 0,
	JOULESTAT_LOG_WARNING = 1,
	JOULESTAT_LOG_INFO = 2,
	JOULESTAT_LOG_DEBUG = 3,
};

/*
 * Called for each message at or below the level set with
 * joulestat_set_log_fn(). `msg` is one line without a trailing newline, valid
 * only for the duration of the call.
 */
typedef void (*joulestat_log_fn)(enum joulestat_log_level level, const char *msg, void *userdata);

enum joulestat_idle_policy {
	/* Idle energy is its own ledger row (the default). */
	JOULESTAT_IDLE_SEPARATE = 0,
	/* Idle energy is spread over the tasks in proportion to their CPU time. */
	JOULESTAT_IDLE_PROPORTIONAL = 1,
	/* Static power × interval is the idle row; the rest is split by CPU time. */
	JOULESTAT_IDLE_BASELINE = 2,
};

/* Whether joulestat_new() asks the system's joulestat daemon (docs/DAEMON.md). */
enum joulestat_daemon_mode {
	/* Never: measure here (the zero value: what programs built before it get). */
	JOULESTAT_DAEMON_NEVER = 0,
	/*
	 * When a daemon answers on the socket and can honour the options, ask
	 * it; otherwise measure here, as with NEVER.
	 */
	JOULESTAT_DAEMON_AUTO = 1,
	/* Only the daemon: fail when none answers or it cannot honour the options. */
	JOULESTAT_DAEMON_ALWAYS = 2,
};

/* The daemon's socket when neither the options nor $JOULESTAT_SOCKET name one. */
#define JOULESTAT_DAEMON_SOCKET "/run/joulestat/joulestat.sock"

/* How a snapshot's task rows are aggregated. A group's energy is exactly Σ its tasks'. */
enum joulestat_group {
	JOULESTAT_GROUP_PROCESS = 0,	/* tgid + process start time */
	JOULESTAT_GROUP_THREAD = 1,	/* tgid, tid, thread start time */
	JOULESTAT_GROUP_COMM = 2,	/* command name */
	JOULESTAT_GROUP_CGROUP = 3,	/* cgroup v2 path */
	JOULESTAT_GROUP_USER = 4,	/* uid */
	JOULESTAT_GROUP_UNIT = 5,	/* systemd unit, from the cgroup path ("" when none) */
	JOULESTAT_GROUP_CONTAINER = 6,	/* container id from the cgroup path ("" when none) */
	/*
	 * Process trees registered with joulestat_tree_add(): one row per root,
	 * holding the root and every descendant, short-lived ones included.
	 * Tasks outside every tree are in no row of this grouping.
	 */
	JOULESTAT_GROUP_TREE = 7,
	/*
	 * Virtual machines on this host: the processes of each QEMU/KVM,
	 * Firecracker or Cloud Hypervisor VM and of its libvirt machine scope,
	 * named by the VM ("" for processes in none). docs/VMS.md.
	 */
	JOULESTAT_GROUP_VM = 8,
	/* Containers and Kubernetes (joulestat_set_names() for names). */
	JOULESTAT_GROUP_POD = 9,	/* Kubernetes pod UID from the cgroup path ("" when none) */
	JOULESTAT_GROUP_NAMESPACE = 10,	/* the pod's namespace (names needed; see the row) */
};

#define JOULESTAT_GROUP_COUNT 11

/*
 * Static power of a domain for the baseline policy. `domain` is a domain's
 * name ("package-0") or a kind name ("package", "dram", "psys"; see
 * joulestat_domain_kind_name()) for every domain of that kind without an
 * entry of its own.
 */
struct joulestat_static_power {
	const char *domain;
	uint64_t static_mw;
};

/* Options for joulestat_new(). Zero-initialise, set sz, then the fields you need. */
struct joulestat_opts {
	size_t sz;
	/*
	 * Directories used in place of /sys, /proc and /dev (NULL: the real
	 * ones). Tests point these at fixture trees.
	 */
	const char *sysfs_root;
	const char *procfs_root;
	const char *dev_root;
	/*
	 * Comma-separated energy sources to use, by name (see
	 * joulestat_source_names()), or NULL/"auto" for every source that works,
	 * with the priorities of docs/ARCHITECTURE.md.
	 */
	const char *sources;
	/*
	 * Model parameters, per socket, in milliwatts. 0 means: take them from
	 * the built-in table of CPU models, else from the generic default.
	 */
	uint64_t model_idle_mw;
	uint64_t model_max_mw;
	/* Opt in to the MSR source (needs the msr module and CAP_SYS_RAWIO). */
	bool enable_msr;
	/*
	 * Activity collector: "auto" (or NULL: eBPF when permitted, else
	 * /proc), "ebpf" or "proc". Another value: -EINVAL.
	 */
	const char *activity;
	/*
	 * Count syscalls per process (eBPF only; costs a little on every
	 * syscall): snapshots then carry them per task and per row
	 * (joulestat_snapshot_info.syscalls_counted says so).
	 */
	bool syscalls;

	/* ---- snapshots (joulestat_sample(), joulestat_fd()) ---- */

	/*
	 * Period of the joulestat_fd() timer, in milliseconds: 0 means 1000;
	 * below 10 or above 3600000: -EINVAL.
	 */
	uint64_t interval_ms;
	/* What happens to idle energy; the zero value is "separate". */
	enum joulestat_idle_policy idle_policy;
	/*
	 * Static power for the baseline policy: a file written by `joulestat
	 * calibrate` (docs/FORMAT.md), read by joulestat_new(). NULL: none. A
	 * missing or malformed file fails joulestat_new() with its -errno
	 * (-ENOENT, -EINVAL ...), logged with the file and line. Without an
	 * entry (here or in static_power) a modelled domain takes the model's
	 * idle power; a measured host-total domain with none makes
	 * joulestat_new() fail with -ENODATA under the baseline policy (logged,
	 * naming the domain and `joulestat calibrate`), never a silent 0 W.
	 */
	const char *baseline_file;
	/*
	 * Static power per domain: static_power[0 .. nstatic_power). A domain
	 * takes the entry with its own name, else the one with its kind's name;
	 * at equal rank these options win over the file. Read during
	 * joulestat_new() only.
	 */
	const struct joulestat_static_power *static_power;
	size_t nstatic_power;
	/*
	 * Groupings whose rows and cumulative energy every snapshot carries: a
	 * mask of (1u << enum joulestat_group). 0 means the process grouping
	 * only. Each one costs a little per sample; see joulestat_set_groups().
	 */
	uint32_t groups;
	/*
	 * A log callback from the start, so that what joulestat_new() itself
	 * finds (a malformed baseline file, with its line) can be reported; the
	 * same as joulestat_set_log_fn() right after. NULL: silent.
	 */
	joulestat_log_fn log_fn;
	void *log_userdata;
	enum joulestat_log_level log_level;
	/*
	 * The host source, inside a virtual machine: the directory its host
	 * exports this VM's energy to (`joulestat serve --vm-export` or
	 * Scaphandre's qemu exporter, shared over virtiofs or 9p; docs/VMS.md).
	 * NULL: /var/lib/joulestat/host, else /var/scaphandre, where they
	 * exist (not looked up when sysfs_root is a fixture tree).
	 */
	const char *host_share;

	/* ---- the system's daemon (docs/DAEMON.md) ---- */

	/*
	 * NEVER (0), AUTO or ALWAYS. With the daemon the monitor measures
	 * nothing itself: the sources, the collector and the split are the
	 * daemon's, so options that choose them here (sysfs_root, procfs_root,
	 * dev_root, sources, model_*, enable_msr, activity, baseline_file,
	 * static_power, host_share) are for a local monitor: AUTO then measures here, and
	 * ALWAYS fails with -EINVAL. The idle policy must be the daemon's, and
	 * syscalls counted by it when asked: otherwise AUTO measures here and
	 * ALWAYS fails with -EOPNOTSUPP (logged, naming the difference).
	 * ALWAYS fails with the -errno of the connection when no daemon
	 * answers (-ENOENT: no socket, -ECONNREFUSED: nobody listening).
	 */
	enum joulestat_daemon_mode daemon;
	/* Its socket: NULL for $JOULESTAT_SOCKET, else JOULESTAT_DAEMON_SOCKET. */
	const char *daemon_socket;
};

/*
 * Create a monitor: discover topology and every energy source, open those that
 * work, open the activity collector, and then take a first reading of each
 * domain (so the first joulestat_read_energy() gives a real interval, and the
 * first snapshot's energy starts with its activity interval).
 *
 * Returns 0 and the monitor in *ret; -EINVAL for bad options (an unknown
 * source name, sz too small); -ENOMEM. A machine with no sensor at all still
 * gets a monitor (the model source); -ENODEV only when a forced source list
 * yields no domain at all; -ENODATA when the idle policy is baseline and a
 * host-total domain has no static power (see baseline_file).
 */
JOULESTAT_API int joulestat_new(const struct joulestat_opts *opts, struct joulestat **ret);

/* Close every source and free the monitor. NULL is a no-op. Returns NULL. */
JOULESTAT_API struct joulestat *joulestat_free(struct joulestat *js);

/* Route library messages at or below `max_level` to `fn` (NULL: silence). */
JOULESTAT_API void joulestat_set_log_fn(struct joulestat *js, joulestat_log_fn fn, void *userdata,
					enum joulestat_log_level max_level);

/* The library's version, "MAJOR.MINOR.PATCH". Static storage. */
JOULESTAT_API const char *joulestat_version(void);

/*
 * Read every open source once and update the domains' cumulative energy.
 * Returns 0, or -errno when every source failed to read (each failure is
 * also counted on its domain and logged).
 */
JOULESTAT_API int joulestat_read_energy(struct joulestat *js);

/* ---- sources ---- */

enum joulestat_source_state {
	JOULESTAT_SOURCE_ACTIVE = 0,	/* open, and its domains are in use */
	JOULESTAT_SOURCE_SHADOWED = 1,	/* works, but a preferred source measures the same */
	JOULESTAT_SOURCE_UNAVAILABLE = 2,	/* nothing to read here (see reason) */
	JOULESTAT_SOURCE_FAILED = 3,	/* present but could not be used (see reason, error) */
	JOULESTAT_SOURCE_DISABLED = 4,	/* not selected by the options */
};

struct joulestat_source_info {
	size_t sz;
	const char *name;	/* "perf", "powercap", "msr", "battery", "hwmon", "nvml", "drm",
				   "procpower", "host", "model" */
	enum joulestat_source_state state;
	int error;		/* the -errno behind FAILED/UNAVAILABLE, else 0 */
	const char *reason;	/* one sentence a user can act on; when ACTIVE, "" or what it skipped */
	unsigned domains;	/* domains this source found */
	bool estimated;		/* its numbers are modelled, not measured */
};

/* Number of known sources (active or not), for joulestat_source_get(). */
JOULESTAT_API size_t joulestat_source_count(const struct joulestat *js);

/*
 * Describe source `idx` (0 ≤ idx < joulestat_source_count()). Strings point
 * into the monitor and stay valid until joulestat_free(). -ERANGE for a bad
 * index, -EINVAL when info is NULL or info->sz is too small.
 */
JOULESTAT_API int joulestat_source_get(const struct joulestat *js, size_t idx,
				       struct joulestat_source_info *info);

/* ---- domains ---- */

enum joulestat_domain_kind {
	JOULESTAT_DOMAIN_PACKAGE = 0,
	JOULESTAT_DOMAIN_CORE = 1,	/* pp0 */
	JOULESTAT_DOMAIN_UNCORE = 2,	/* pp1 */
	JOULESTAT_DOMAIN_DRAM = 3,
	JOULESTAT_DOMAIN_PSYS = 4,	/* platform, whole machine (RAPL psys) */
	JOULESTAT_DOMAIN_PLATFORM = 5,	/* hwmon / ACPI power meter, whole machine */
	JOULESTAT_DOMAIN_BATTERY = 6,	/* whole machine, while discharging */
	JOULESTAT_DOMAIN_GPU = 7,
	JOULESTAT_DOMAIN_PROCESS = 8,	/* one PID (/proc/PID/power) */
	JOULESTAT_DOMAIN_HOST = 9,	/* this virtual machine, as its host accounts it (docs/VMS.md) */
};

struct joulestat_domain_info {
	size_t sz;
	const char *name;		/* unique in the monitor: "package-0", "dram-1", "psys", "BAT0" */
	enum joulestat_domain_kind kind;
	const char *source;		/* the source's name */
	const char *path;		/* where it is read (file or description); never NULL */
	int socket;			/* physical package, or -1 for machine-wide domains */
	int pid;			/* for PROCESS domains, else 0 */
	const uint64_t *cpu_mask;	/* CPUs the domain covers, bit per CPU; see cpu_mask_words */
	size_t cpu_mask_words;
	uint64_t energy_uj;		/* cumulative since the monitor started, unwrapped */
	uint64_t timestamp_ns;		/* CLOCK_MONOTONIC of the last good reading */
	uint64_t max_energy_range_uj;	/* hardware wrap range; 0 when it does not wrap */
	uint64_t raw_uj;		/* the last raw counter value read (before unwrapping) */
	uint64_t wraps;			/* counter wraps seen and unwrapped */
	uint64_t errors;		/* readings refused: backwards, unreadable, implausible */
	double power_w;			/* over the last interval; NaN before two readings */
	bool estimated;			/* modelled, not measured */
	bool in_host_total;		/* counts towards the host total (never double counted) */
	bool warming_up;		/* fewer than two readings so far */
	/*
	 * Of the errors, readings refused: the counter could have wrapped more
	 * than once since the one before (read it more often), went backwards
	 * without a plausible wrap, or read above its range. The energy since
	 * the reading before each is unknown: snapshots show a gap, not zero.
	 */
	uint64_t refused;
};

JOULESTAT_API size_t joulestat_domain_count(const struct joulestat *js);

/* Describe domain `idx`; the same rules as joulestat_source_get(). */
JOULESTAT_API int joulestat_domain_get(const struct joulestat *js, size_t idx,
				       struct joulestat_domain_info *info);

/*
 * Host total: the energy of the domains marked in_host_total (inside a
 * virtual machine, the host's account of it; else psys when present, else
 * Σ package + Σ dram, else a platform meter, else the battery, else the
 * model). `*ret_estimated` (may be NULL) says whether any part is
 * modelled. Returns 0, or -ENODATA when no domain counts.
 */
JOULESTAT_API int joulestat_host_energy(const struct joulestat *js, uint64_t *ret_energy_uj,
					double *ret_power_w, bool *ret_estimated);

/* ---- topology ---- */

/* Online CPUs and physical packages (sockets) seen at joulestat_new(). */
JOULESTAT_API unsigned joulestat_cpu_count(const struct joulestat *js);
JOULESTAT_API unsigned joulestat_socket_count(const struct joulestat *js);

/* Physical package of `cpu`, or -ENOENT when the CPU is not online. */
JOULESTAT_API int joulestat_cpu_socket(const struct joulestat *js, unsigned cpu);

/* CPU model name from /proc/cpuinfo ("" when unknown). Valid until joulestat_free(). */
JOULESTAT_API const char *joulestat_cpu_model(const struct joulestat *js);

/* ---- the model source's parameters ---- */

struct joulestat_model_info {
	size_t sz;
	uint64_t idle_mw;	/* per socket */
	uint64_t max_mw;	/* per socket */
	const char *origin;	/* "options", "table: <model>", "default" */
};

/* -ENOENT when the model source is not active. */
JOULESTAT_API int joulestat_model_get(const struct joulestat *js, struct joulestat_model_info *info);

/* ---- static power (the baseline idle policy; docs/attribution.md) ---- */

/* Where a domain's static power comes from, first match wins in this order. */
enum joulestat_static_origin {
	/* None known: `joulestat calibrate` measures it on a quiet machine. */
	JOULESTAT_STATIC_NONE = 0,
	/* joulestat_opts.static_power. */
	JOULESTAT_STATIC_OPTIONS = 1,
	/* joulestat_opts.baseline_file (written by `joulestat calibrate`). */
	JOULESTAT_STATIC_FILE = 2,
	/* The model's idle power: a modelled domain's static power by construction. */
	JOULESTAT_STATIC_MODEL = 3,
};

/* "none", "options", "file", "model"; NULL for another value. Static storage. */
JOULESTAT_API const char *joulestat_static_origin_name(enum joulestat_static_origin origin);

/* One domain's static power. Strings live as long as the monitor. */
struct joulestat_static_info {
	size_t sz;
	const char *domain;		/* the domain's name */
	uint64_t static_mw;		/* 0 when origin is NONE */
	enum joulestat_static_origin origin;
	/* Where from, for people: "options", the baseline file's path, "model", "none". */
	const char *from;
};

/*
 * The static power domain `idx` (as joulestat_domain_get()) has, whatever
 * the idle policy: the baseline policy makes it the idle row, and a GPU
 * domain's idle power comes from it under every policy. A monitor whose
 * policy is baseline never runs with NONE for a host-total domain split by
 * CPU time: joulestat_new() refuses that with -ENODATA. -ERANGE for a bad
 * index; -EINVAL.
 */
JOULESTAT_API int joulestat_static_get(const struct joulestat *js, size_t idx,
				       struct joulestat_static_info *info);

/* ---- GPUs (the nvml and drm sources; docs/sources-gpu.md) ---- */

/*
 * One GPU as its source reads it, and the split of its last reading's
 * interval by GPU activity: idle power × interval (learnt from intervals
 * with no process, or configured) is idle, the rest goes to processes by
 * SM utilisation (NVML) or engine time (DRM fdinfo); a process alone gets
 * all of it; delta_uj == procs_uj + idle_uj + unattributed_uj exactly.
 * Strings live until the next joulestat_read_energy()/joulestat_sample()
 * or joulestat_free().
 */
struct joulestat_gpu_info {
	size_t sz;
	const char *domain;		/* its energy domain ("gpu0") */
	const char *source;		/* "nvml", "drm" */
	const char *vendor;		/* "nvidia", "amd", "intel", else the driver's name */
	const char *driver;		/* "nvidia", "amdgpu", "i915", "xe" */
	const char *name;		/* "NVIDIA H100 80GB HBM3"; "" when the interface has none */
	const char *uuid;		/* "" when unknown */
	const char *pci;		/* "0000:03:00.0"; "" when unknown */
	const char *energy_from;	/* how its energy is read */
	const char *per_process;	/* how per-process activity is read, or why it is not */
	int util_pct;			/* device busy %, -1 when unknown */
	int mem_util_pct;		/* memory controller busy %, -1 when unknown */
	int temp_c;			/* meaningful when has_temp */
	bool has_temp;
	uint64_t mem_used_bytes;
	uint64_t mem_total_bytes;	/* 0 when unknown */
	unsigned sm_clock_mhz;		/* 0 when unknown */
	unsigned mem_clock_mhz;		/* 0 when unknown */
	uint64_t power_limit_mw;	/* 0 when unknown */
	int mig;			/* MIG mode: 1 on, 0 off, -1 unsupported or unknown */
	bool sampled;			/* per-process activity is sampled (NVML), not counted */
	bool per_process_ok;		/* per-process activity is read at all */
	uint64_t delta_uj;		/* the last interval */
	uint64_t procs_uj;
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	const char *split;		/* "idle", "busy", "single", "no-activity" */
	uint64_t idle_mw;		/* idle power in use; meaningful when idle_known */
	bool idle_known;
	size_t nprocs;			/* processes on it in the last interval */
};

/* GPUs read by the active sources. */
JOULESTAT_API size_t joulestat_gpu_count(const struct joulestat *js);

/* Describe GPU `idx`; the same rules as joulestat_source_get(). */
JOULESTAT_API int joulestat_gpu_get(const struct joulestat *js, size_t idx,
				    struct joulestat_gpu_info *info);

/* One process on one GPU over the last interval. `comm` lives as joulestat_gpu_info's strings. */
struct joulestat_gpu_process {
	size_t sz;
	int pid;
	const char *comm;		/* "" when it exited before it could be read */
	uint64_t busy;			/* the split's weight: engine ns, or Σ SM % of its samples */
	unsigned sm_pct;		/* mean SM (or engine) utilisation, 0..100 */
	unsigned mem_pct;		/* NVML memory utilisation; 0 for DRM */
	uint64_t vram_bytes;		/* device memory it holds */
	uint64_t energy_uj;		/* its share of the interval */
};

/* Process `idx` (< nprocs) of GPU `gpu`. -ERANGE for a bad index; -EINVAL. */
JOULESTAT_API int joulestat_gpu_process_get(const struct joulestat *js, size_t gpu, size_t idx,
					    struct joulestat_gpu_process *info);

/* ---- activity: which task ran on which CPU ---- */

/*
 * The activity collectors ("ebpf", "proc"), in preference order, and their
 * state: ACTIVE (the one in use), SHADOWED (works, another is preferred),
 * UNAVAILABLE / FAILED (reason says why), DISABLED (not selected).
 */
struct joulestat_collector_info {
	size_t sz;
	const char *name;
	enum joulestat_source_state state;
	int error;		/* the -errno behind UNAVAILABLE/FAILED, else 0 */
	const char *reason;	/* one sentence a user can act on; "" when ACTIVE */
};

JOULESTAT_API size_t joulestat_collector_count(const struct joulestat *js);

/* Describe collector `idx`; the same rules as joulestat_source_get(). */
JOULESTAT_API int joulestat_collector_get(const struct joulestat *js, size_t idx,
					  struct joulestat_collector_info *info);

/*
 * Close the activity interval now (the first one started at joulestat_new())
 * and keep its summary for joulestat_activity_get(). Returns the number of
 * tasks that ran in it, -ENODEV when no collector works, or -errno.
 */
JOULESTAT_API int joulestat_read_activity(struct joulestat *js);

struct joulestat_activity_info {
	size_t sz;
	const char *collector;	/* "ebpf" or "proc" */
	const char *detail;	/* how it runs: "tp_btf/sched_switch, BTF from /sys/kernel/btf/vmlinux, ..." */
	uint64_t samples;	/* joulestat_read_activity() calls that succeeded */
	/* The last interval; zeros (and coverage NULL) before the first sample. */
	uint64_t interval_ns;
	unsigned ncpus;		/* length of coverage[]: highest online CPU + 1 */
	const double *coverage;	/* per CPU: (task + idle + irq time named) / interval, ~1.0 when complete */
	size_t tasks;		/* tasks that ran or exited */
	uint64_t dropped;	/* events the collector could not record (full maps): counted, never silent */
	uint64_t lost_ns;	/* CPU time known to have passed but not named, all CPUs */
	double captured;	/* fraction of busy CPU time named to a task, 0..1 */
	bool syscalls_counted;	/* opts.syscalls was set and the collector counts them (eBPF) */
	uint64_t syscalls;	/* syscalls made in the last interval, all processes */
	uint64_t irq_ns;	/* time inside task slices the kernel did not charge to the task
				   (interrupts, hypervisor steal), all CPUs; its energy is unattributed */
};

/*
 * Describe the collector in use and its last interval. Pointers stay valid
 * until the next joulestat_read_activity() or joulestat_free(). -ENODEV when
 * no collector works (joulestat_collector_get() says why), -EINVAL for a bad
 * info/sz.
 */
JOULESTAT_API int joulestat_activity_get(const struct joulestat *js,
					 struct joulestat_activity_info *info);

/* ---- resources: what the machine and each thread of a process tree did ---- */

/*
 * A resource collector: CPU per core (usage, frequency), temperatures,
 * context switches, interrupts, load, memory and swap, disk and network
 * throughput, PSI; and, when a pid is given, every thread of that process
 * and its descendants (CPU, user/kernel time, memory, I/O, faults,
 * switches). Independent of the energy monitor; sampled on the caller's
 * clock. Rates are over the interval between the last two samples (0 after
 * the first). Not thread-safe.
 */
struct joulestat_resources;

struct joulestat_resources_opts {
	size_t sz;
	const char *sysfs_root;		/* NULL: /sys */
	const char *procfs_root;	/* NULL: /proc */
	int pid;			/* > 0: follow this process and its descendants */
};

/* -EINVAL for bad options (sz too small, pid < 0), -ENOMEM. Reads nothing yet. */
JOULESTAT_API int joulestat_resources_new(const struct joulestat_resources_opts *opts,
					  struct joulestat_resources **ret);
JOULESTAT_API struct joulestat_resources *joulestat_resources_free(struct joulestat_resources *r);
JOULESTAT_API void joulestat_resources_set_log_fn(struct joulestat_resources *r,
						  joulestat_log_fn fn, void *userdata,
						  enum joulestat_log_level max_level);

/*
 * Take a sample now. <procfs>/stat is required (its -errno, or -EINVAL when
 * malformed, with the file named in the log); every other file is optional
 * and one that is unreadable or malformed is logged once and left out.
 */
JOULESTAT_API int joulestat_resources_sample(struct joulestat_resources *r);

struct joulestat_system_resources {
	size_t sz;
	uint64_t timestamp_ns;		/* CLOCK_MONOTONIC of the sample */
	uint64_t interval_ns;		/* since the previous sample; 0 on the first */
	unsigned ncpus;			/* for joulestat_resources_cpu(): highest CPU + 1 */
	double cpu_usage_pct;		/* all CPUs, 0..100 */
	double iowait_pct;
	double ctxt_per_s;		/* context switches, whole machine */
	double intr_per_s;
	unsigned procs_running;		/* now */
	unsigned procs_blocked;		/* in uninterruptible (I/O) sleep now */
	double load[3];			/* 1, 5, 15 minutes */
	uint64_t mem_total_bytes;
	uint64_t mem_available_bytes;
	uint64_t swap_total_bytes;
	uint64_t swap_used_bytes;
	bool has_psi;			/* the kernel reports pressure stalls */
	double psi_some_pct[3];		/* cpu, io, memory: share of the interval some task stalled */
	double psi_full_pct[3];		/* ... all non-idle tasks stalled */
	size_t ndisks;			/* for joulestat_resources_disk() */
	size_t nnets;			/* for joulestat_resources_net() */
	size_t ntemps;			/* for joulestat_resources_temp() */
	/* Counters since boot, for exporters (monotonic while the machine is up). */
	uint64_t ctxt_total;		/* context switches */
	uint64_t intr_total;		/* interrupts */
	uint64_t psi_some_total_us[3];	/* cpu, io, memory: stall time (has_psi) */
	uint64_t psi_full_total_us[3];	/* 0 for cpu before Linux 5.13 */
};

/* The last sample. -ENODATA before the first, -EINVAL for a bad info/sz. */
JOULESTAT_API int joulestat_resources_system(const struct joulestat_resources *r,
					     struct joulestat_system_resources *info);

struct joulestat_cpu_resources {
	size_t sz;
	unsigned cpu;
	bool online;			/* /proc/stat had a line for it */
	double usage_pct;
	uint64_t freq_khz;		/* cpufreq's current frequency; 0 when unknown */
};

/* CPU `cpu` (< ncpus); -ERANGE otherwise. */
JOULESTAT_API int joulestat_resources_cpu(const struct joulestat_resources *r, unsigned cpu,
					  struct joulestat_cpu_resources *info);

struct joulestat_temp_resources {
	size_t sz;
	const char *name;		/* "thermal_zone0 x86_pkg_temp", "coretemp Package id 0" */
	double celsius;
};

/* Strings below stay valid until the next sample or free. -ERANGE for a bad index. */
JOULESTAT_API int joulestat_resources_temp(const struct joulestat_resources *r, size_t idx,
					   struct joulestat_temp_resources *info);

struct joulestat_disk_resources {
	size_t sz;
	const char *name;		/* whole disks only; loop and ram devices are skipped */
	uint64_t read_bytes;		/* since boot */
	uint64_t write_bytes;
	double read_bytes_per_s;
	double write_bytes_per_s;
	double busy_pct;		/* time with I/O in flight */
};

JOULESTAT_API int joulestat_resources_disk(const struct joulestat_resources *r, size_t idx,
					   struct joulestat_disk_resources *info);

struct joulestat_net_resources {
	size_t sz;
	const char *name;
	uint64_t rx_bytes;		/* since the interface came up */
	uint64_t tx_bytes;
	double rx_bytes_per_s;
	double tx_bytes_per_s;
};

JOULESTAT_API int joulestat_resources_net(const struct joulestat_resources *r, size_t idx,
					  struct joulestat_net_resources *info);

/*
 * Snapshots can carry the machine's resources too: after
 * joulestat_set_resources(js, true), each joulestat_sample() also samples
 * them (a few small /proc and /sys reads) and the snapshot keeps an
 * immutable copy, read with the calls below (strings live as long as the
 * snapshot). Off by default. Returns 0, -EINVAL, -ENOMEM, or the -errno of
 * the baseline sample (<procfs>/stat unreadable).
 */
JOULESTAT_API int joulestat_set_resources(struct joulestat *js, bool on);

/* -ENODATA when the snapshot carries no resources (off, or their sample failed). */
JOULESTAT_API int joulestat_snapshot_resources(const struct joulestat_snapshot *snap,
					       struct joulestat_system_resources *info);
JOULESTAT_API int joulestat_snapshot_resources_cpu(const struct joulestat_snapshot *snap,
						   unsigned cpu,
						   struct joulestat_cpu_resources *info);
JOULESTAT_API int joulestat_snapshot_resources_temp(const struct joulestat_snapshot *snap,
						    size_t idx,
						    struct joulestat_temp_resources *info);
JOULESTAT_API int joulestat_snapshot_resources_disk(const struct joulestat_snapshot *snap,
						    size_t idx,
						    struct joulestat_disk_resources *info);
JOULESTAT_API int joulestat_snapshot_resources_net(const struct joulestat_snapshot *snap,
						   size_t idx,
						   struct joulestat_net_resources *info);

/* Threads of the followed tree seen in the last sample. */
JOULESTAT_API size_t joulestat_resources_thread_count(const struct joulestat_resources *r);

struct joulestat_thread_resources {
	size_t sz;
	int pid;			/* thread group (process) */
	int tid;
	const char *name;		/* the thread's name, as /proc prints it */
	char state;			/* R, S, D, Z, ... at the sample */
	double cpu_pct;			/* of one CPU, over the interval */
	uint64_t oncpu_ns;		/* cumulative, ns-exact (schedstat) */
	uint64_t user_ns;		/* cumulative, USER_HZ resolution */
	uint64_t kernel_ns;
	uint64_t runqueue_wait_ns;	/* cumulative time runnable but not running */
	uint64_t rss_bytes;		/* the process's resident memory */
	uint64_t vsz_bytes;
	uint64_t read_bytes;		/* cumulative, from storage */
	uint64_t write_bytes;
	uint64_t minor_faults;
	uint64_t major_faults;
	uint64_t voluntary_switches;
	uint64_t involuntary_switches;
};

JOULESTAT_API int joulestat_resources_thread(const struct joulestat_resources *r, size_t idx,
					     struct joulestat_thread_resources *info);

/* ---- profiling: a workload's energy and resources, and what limited it ---- */

/*
 * A profiling session follows one process tree (a pid and its descendants)
 * on the caller's clock: each joulestat_profile_sample() records the host
 * energy of the interval (from the monitor) and the tree's resources, per
 * thread. joulestat_profile_stop() takes a last sample and analyses the
 * series: energy's correlation with CPU, memory growth, I/O and GPU, the
 * primary bottleneck with the evidence that decided it, a thread ranking,
 * and recommendations. The method is in docs/PROFILING.md. The session
 * borrows the monitor: free the session first. Not thread-safe.
 */
struct joulestat_profile;

struct joulestat_profile_opts {
	size_t sz;
	int pid;			/* the tree's root, > 0 */
};

enum joulestat_bottleneck {
	JOULESTAT_BOTTLENECK_CPU = 0,
	JOULESTAT_BOTTLENECK_MEMORY = 1,
	JOULESTAT_BOTTLENECK_IO = 2,
	JOULESTAT_BOTTLENECK_GPU = 3,
	JOULESTAT_BOTTLENECK_CONTENTION = 4,
	JOULESTAT_BOTTLENECK_BALANCED = 5,
};

/*
 * Start a session on `js` (borrowed) and take its baseline sample. -EINVAL
 * for bad options, -ESRCH when the pid is not there, -ENOMEM, or the -errno
 * of the first sample (<procfs>/stat unreadable).
 */
JOULESTAT_API int joulestat_profile_start(struct joulestat *js,
					  const struct joulestat_profile_opts *opts,
					  struct joulestat_profile **ret);

/* Record one interval (call it every 100 ms or so). -EALREADY after stop. */
JOULESTAT_API int joulestat_profile_sample(struct joulestat_profile *p);

/*
 * GPU utilisation (0..100) of the workload for the next sample, from whatever
 * GPU collector the caller has; without it the GPU rule does not apply.
 */
JOULESTAT_API int joulestat_profile_set_gpu_util(struct joulestat_profile *p, double pct);

/* Take the last sample and analyse. -ENODATA when no interval had any time. */
JOULESTAT_API int joulestat_profile_stop(struct joulestat_profile *p);

JOULESTAT_API struct joulestat_profile *joulestat_profile_free(struct joulestat_profile *p);

/* "cpu-bound", "memory-bound", "io-bound", "gpu-bound", "contention-bound", "balanced". */
JOULESTAT_API const char *joulestat_bottleneck_name(enum joulestat_bottleneck b);

/* The analysis. Everything below answers -EAGAIN before joulestat_profile_stop(). */
struct joulestat_profile_info {
	size_t sz;
	enum joulestat_bottleneck bottleneck;
	uint64_t duration_ns;
	uint64_t energy_uj;		/* host energy over the session */
	uint64_t tree_energy_uj;	/* the tree's share, by CPU time */
	bool energy_estimated;		/* from the model: no sensor */
	unsigned ncpus;
	size_t samples;
	size_t threads;			/* threads seen over the session */
	size_t evidence;		/* lines for joulestat_profile_evidence() */
	size_t recommendations;
	double cpus_used;		/* mean CPUs the tree kept busy */
	double cpu_demand_pct;		/* on CPU or waiting for one, of its running threads' time */
	double kernel_pct;		/* of its CPU time */
	double blocked_pct;		/* thread samples in uninterruptible sleep */
	double faults_per_cpu_s;
	double major_faults_per_s;
	double switches_per_s;
	double voluntary_switches_per_s;
	double burst_us;		/* mean on-CPU time between switches */
	double storage_bytes_per_s;
	double runqueue_wait_ratio;	/* runqueue wait / on-CPU time */
	double threads_mean;
	uint64_t rss_peak_bytes;
	int64_t rss_growth_bytes;
	double psi_io_pct;		/* machine I/O pressure, mean */
	double psi_mem_pct;
	double gpu_util_pct;		/* NaN without readings */
};

JOULESTAT_API int joulestat_profile_get(const struct joulestat_profile *p,
					struct joulestat_profile_info *info);

/* Evidence line `idx`, the deciding rule first; NULL past the end. Valid until free. */
JOULESTAT_API const char *joulestat_profile_evidence(const struct joulestat_profile *p,
						     size_t idx);
/* Recommendation `idx`; NULL past the end. */
JOULESTAT_API const char *joulestat_profile_recommendation(const struct joulestat_profile *p,
							   size_t idx);

/*
 * One condition of a rule: `value op threshold`, in `unit` ("%", "/s",
 * "B/s", "us", "x", ""). A rule fires when every condition of one of its
 * clauses is met (an OR of ANDs).
 */
struct joulestat_profile_condition {
	const char *what;		/* "page faults per CPU-second" */
	const char *unit;
	const char *op;			/* ">=", ">", "<=", "<" */
	double value;
	double threshold;
	bool met;
	unsigned clause;		/* the conditions of one clause are ANDed */
};

#define JOULESTAT_PROFILE_CONDITIONS 4

/* One rule of the decision, by the bottleneck it names (not BALANCED). */
struct joulestat_profile_rule {
	size_t sz;
	double value;
	double threshold;		/* fires at value >= threshold (plus the guards in the evidence) */
	bool fired;
	bool applicable;
	/* Every condition of the rule (none when it is not applicable). */
	size_t nconditions;
	struct joulestat_profile_condition conditions[JOULESTAT_PROFILE_CONDITIONS];
};

JOULESTAT_API int joulestat_profile_rule(const struct joulestat_profile *p,
					 enum joulestat_bottleneck b,
					 struct joulestat_profile_rule *info);

#define JOULESTAT_PROFILE_CORRELATIONS 4 /* cpu, memory growth, io, gpu */

/* Pearson's r between power and one resource over the session's intervals. */
struct joulestat_correlation {
	size_t sz;
	const char *resource;		/* "cpu", "memory growth", "io", "gpu" */
	double r;			/* NaN when undefined (strength says why) */
	unsigned n;
	const char *strength;		/* "very weak" .. "very strong", or why undefined */
	const char *direction;		/* "positive", "negative", "" */
};

JOULESTAT_API int joulestat_profile_correlation(const struct joulestat_profile *p, size_t idx,
						struct joulestat_correlation *info);

/* One interval of the series (the first is the baseline: interval_ns 0). */
struct joulestat_profile_sample {
	size_t sz;
	uint64_t t_ns;			/* since the session started */
	uint64_t interval_ns;
	double power_w;			/* host */
	double tree_power_w;
	double cpus_used;		/* the tree's CPU time / interval */
	double machine_cpu_pct;		/* all CPUs busy, 0..100 */
	uint64_t rss_bytes;
	double read_bytes_per_s;
	double write_bytes_per_s;
	double switches_per_s;
	double faults_per_s;
	unsigned threads;
	unsigned running;
	unsigned blocked;
	double psi_pct[3];		/* cpu, io, memory (some) */
	double gpu_util_pct;		/* NaN without a reading */
};

JOULESTAT_API int joulestat_profile_sample_get(const struct joulestat_profile *p, size_t idx,
					       struct joulestat_profile_sample *info);

/* A thread's totals; idx in the CPU ranking (0: the most CPU time). */
struct joulestat_profile_thread {
	size_t sz;
	int pid;
	int tid;
	const char *name;
	uint64_t oncpu_ns;
	uint64_t user_ns;
	uint64_t kernel_ns;
	uint64_t runqueue_wait_ns;
	uint64_t energy_uj;
	double cpu_pct;			/* of the session's duration (one CPU = 100) */
	unsigned energy_rank;		/* 0: spent the most energy */
	uint64_t minor_faults;
	uint64_t major_faults;
	uint64_t voluntary_switches;
	uint64_t involuntary_switches;
	uint64_t read_bytes;
	uint64_t write_bytes;
};

JOULESTAT_API int joulestat_profile_thread_get(const struct joulestat_profile *p, size_t idx,
					       struct joulestat_profile_thread *info);

/*
 * The whole session (analysis, series, threads) as one JSON document
 * (docs/PROFILING.md, "JSON") written to `f`. -EAGAIN before stop; -EIO
 * when writing failed.
 */
JOULESTAT_API int joulestat_profile_write_json(const struct joulestat_profile *p, FILE *f);

/* Names of every source, in priority order, NULL-terminated. Static storage. */
JOULESTAT_API const char *const *joulestat_source_names(void);

/*
 * "package", "core", "uncore", "dram", "psys", "platform", "battery", "gpu",
 * "process", "host".
 */
JOULESTAT_API const char *joulestat_domain_kind_name(enum joulestat_domain_kind kind);

/* ---- snapshots: one interval's energy, split between tasks ---- */

/* "separate", "proportional", "baseline"; NULL for another value. Static storage. */
JOULESTAT_API const char *joulestat_idle_policy_name(enum joulestat_idle_policy policy);

/* The policy named `name`. -EINVAL for NULL or an unknown name. */
JOULESTAT_API int joulestat_idle_policy_from_name(const char *name,
						   enum joulestat_idle_policy *ret);

/*
 * "process", "thread", "comm", "cgroup", "user", "unit", "container", "tree",
 * "vm", "pod", "namespace"; NULL otherwise.
 */
JOULESTAT_API const char *joulestat_group_name(enum joulestat_group group);

/* The grouping named `name`. -EINVAL for NULL or an unknown name. */
JOULESTAT_API int joulestat_group_from_name(const char *name, enum joulestat_group *ret);

/*
 * Choose the groupings later snapshots carry (a mask of 1u << enum
 * joulestat_group; 0: process only). Cumulative energy of a grouping counts
 * from the first snapshot that carries it. Returns 0, or -EINVAL for a bit
 * beyond JOULESTAT_GROUP_COUNT.
 */
JOULESTAT_API int joulestat_set_groups(struct joulestat *js, uint32_t groups);

/*
 * Where container and pod names come from: the runtimes' API sockets
 * (read-only GET /containers/json) and the kubelet's /pods over HTTPS.
 * Look-ups run in a thread of the library's, never in joulestat_sample():
 * an id not known yet asks for a refresh and its rows carry the id (and
 * names_unresolved) until the answer comes; a source that is down is
 * logged once, with the reason, and its containers keep their ids.
 */
struct joulestat_names_opts {
	size_t sz;
	const char *docker_socket;	/* "/run/docker.sock"; NULL or "": not asked */
	const char *podman_socket;	/* "/run/podman/podman.sock"; NULL or "": not asked */
	const char *kubelet_url;	/* "https://NODE:10250"; NULL or "": not asked */
	const char *kubelet_token_file;	/* bearer token, re-read at each request; NULL: none */
	const char *kubelet_ca_file;	/* NULL: the system's CAs */
	const char *kubelet_cert_file;	/* client certificate and key (a node's kubeconfig's) */
	const char *kubelet_key_file;
	bool kubelet_insecure;		/* do not verify the kubelet's certificate */
};

/*
 * Start (or restart, with new options) name resolution; NULL stops it.
 * Strings are copied. -EINVAL; -ENOTSUP when built without libcurl and a
 * source is given; -ENOMEM.
 */
JOULESTAT_API int joulestat_set_names(struct joulestat *js, const struct joulestat_names_opts *opts);

/*
 * Through a daemon, a snapshot covers what the daemon sampled since this
 * monitor's previous one, and ends now: the daemon takes a sample for it
 * (at most one every 10 ms, shared by every client asking at once). Its
 * rows are the daemon's, as its policy lets this user see them; its
 * cumulative energy is the daemon's, which counts since the daemon began
 * (for processes and users, across daemon restarts). Tasks are carried
 * only for a user who sees everything.
 *
 * Take a snapshot now: read every energy source, close the activity
 * interval, split each domain's energy between the tasks under the idle
 * policy, aggregate the rows of every chosen grouping and add them to the
 * cumulative energy the monitor keeps per group (groups that ran in no
 * interval for 10 snapshots are forgotten).
 *
 * The interval runs from the previous snapshot (or joulestat_new()) to now.
 * The first snapshot of a domain that had fewer than two readings is
 * warming up: its delta is 0.
 *
 * On success returns 0 and a new snapshot in *ret, owned by the caller
 * (joulestat_snapshot_free()). It is independent of the monitor: valid, with
 * every string it hands out, until freed, even after joulestat_free().
 * -EINVAL for NULL arguments; -ENODEV when no activity collector works
 * (joulestat_collector_get() says why); -ENOMEM; another -errno when every
 * energy source failed to read. On error *ret is untouched.
 */
JOULESTAT_API int joulestat_sample(struct joulestat *js, struct joulestat_snapshot **ret);

/* Take a reference: the snapshot lives until every reference is freed. Returns `snap`. */
JOULESTAT_API struct joulestat_snapshot *joulestat_snapshot_ref(struct joulestat_snapshot *snap);

/* Drop a reference (NULL is a no-op); the last one frees it. Returns NULL. */
JOULESTAT_API struct joulestat_snapshot *joulestat_snapshot_free(struct joulestat_snapshot *snap);

/* The whole interval. Strings live as long as the snapshot. */
struct joulestat_snapshot_info {
	size_t sz;
	uint64_t seq;			/* 1 for the monitor's first snapshot, then +1 */
	uint64_t start_ns;		/* CLOCK_MONOTONIC */
	uint64_t end_ns;
	const char *idle_policy;	/* "separate", "proportional", "baseline" */
	const char *collector;		/* "ebpf" or "proc" */
	/* Host ledger over the in_host_total domains: delta == tasks + idle + unattributed. */
	uint64_t delta_uj;
	uint64_t tasks_uj;
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	double power_w;			/* delta / interval; NaN while warming up */
	bool estimated;			/* some part comes from a modelled domain */
	bool warming_up;		/* a host domain had no earlier reading */
	/* Activity. */
	double coverage;		/* lowest per-CPU (task + idle time named) / interval */
	double captured;		/* fraction of busy CPU time named to a task, 0..1 */
	uint64_t dropped;		/* events the collector could not record */
	uint64_t busy_ns;		/* Σ task CPU time, all CPUs */
	uint64_t idle_ns;		/* Σ idle time, all CPUs */
	uint64_t lost_ns;		/* Σ time passed but not named, all CPUs */
	unsigned ncpus;			/* length of cpu_idle_ns/cpu_lost_ns */
	const uint64_t *cpu_idle_ns;	/* [ncpus] per CPU */
	const uint64_t *cpu_lost_ns;	/* [ncpus] per CPU */
	size_t ndomains;
	size_t ntasks;
	uint32_t groups;		/* the groupings it carries (mask of 1u << enum joulestat_group) */
	/*
	 * Time inside task slices the kernel did not charge to the task
	 * (interrupts, hypervisor steal): nobody's, so its energy is
	 * unattributed. Σ all CPUs, and [ncpus] per CPU.
	 */
	uint64_t irq_ns;
	const uint64_t *cpu_irq_ns;
	/*
	 * Syscalls (opts.syscalls with the eBPF collector; else
	 * syscalls_counted is false and every syscall count of the snapshot,
	 * its tasks' and rows' included, is 0): all processes, this interval.
	 */
	bool syscalls_counted;
	uint64_t syscalls;
	/*
	 * Under the baseline policy, the static power in force: Σ over the
	 * in_host_total domains, and where it comes from ("model", a baseline
	 * file's path, "options"; different origins joined with " + "). 0 and
	 * "" under the other policies.
	 */
	uint64_t static_mw;
	const char *static_from;
	/*
	 * An in_host_total domain's reading was refused (joulestat_domain_info
	 * .refused): the host ledger lacks its energy and power_w is NaN. A
	 * gap, not zero: leave the interval out of averages.
	 */
	bool refused;
};

/* -EINVAL for NULL arguments or info->sz too small. */
JOULESTAT_API int joulestat_snapshot_get(const struct joulestat_snapshot *snap,
					 struct joulestat_snapshot_info *info);

/* One domain over the interval, and its ledger. */
struct joulestat_snapshot_domain {
	size_t sz;
	const char *name;
	enum joulestat_domain_kind kind;
	const char *source;
	int socket;			/* -1 for machine-wide domains */
	bool estimated;
	bool in_host_total;
	bool warming_up;		/* no earlier reading: delta is 0 */
	/*
	 * "split" (by CPU time), "no-time" (its CPUs recorded no time: all
	 * unattributed), "skipped" (not split by CPU time: GPU, per-process
	 * meters; all unattributed), "refused" (the reading was refused, see
	 * refused below).
	 */
	const char *status;
	uint64_t energy_uj;		/* cumulative counter at the end of the interval */
	uint64_t raw_uj;		/* the raw hardware value behind it */
	uint64_t delta_uj;		/* == tasks_uj + idle_uj + unattributed_uj */
	uint64_t tasks_uj;
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	uint64_t static_uj;		/* baseline policy: static power × interval (before the cap) */
	double power_w;			/* delta / interval; NaN while warming up */
	uint64_t busy_ns;		/* CPU time of its CPUs: tasks, idle, lost, irq */
	uint64_t idle_ns;
	uint64_t lost_ns;
	uint64_t irq_ns;		/* interrupt/steal time: its energy is in unattributed_uj */
	/*
	 * GPU domains are split by GPU activity (status "gpu-busy",
	 * "gpu-idle", "gpu-single", "gpu-no-activity"; joulestat_gpu_info):
	 * sampled says the split rests on sampled utilisation (NVML), so
	 * per-process GPU energy is an estimate of the device's measured energy.
	 */
	bool sampled;
	/*
	 * The static power the domain has (joulestat_static_get()): under the
	 * baseline policy its idle row; a GPU's idle power under every policy.
	 * static_from: "options", a baseline file's path, "model", "none".
	 */
	uint64_t static_mw;
	enum joulestat_static_origin static_origin;
	const char *static_from;
	/*
	 * A reading in the interval was refused (joulestat_domain_info.refused):
	 * the interval's energy is unknown. Status "refused", every energy 0,
	 * power_w NaN, no task gets any of it: a gap, not zero.
	 */
	bool refused;
	uint64_t readings_refused;	/* refused readings since the monitor started */
};

/* Describe domain `idx` (< info.ndomains). -ERANGE for a bad index; -EINVAL. */
JOULESTAT_API int joulestat_snapshot_domain_get(const struct joulestat_snapshot *snap, size_t idx,
						struct joulestat_snapshot_domain *info);

/* Time one task spent on one CPU in the interval. */
struct joulestat_cpu_time {
	uint32_t cpu;
	uint64_t ns;
};

/* One task (thread) of the interval: the raw input of the split. */
struct joulestat_task {
	size_t sz;
	int pid;			/* tgid */
	int tid;
	uint64_t start_ns;		/* thread start, ns since boot */
	uint64_t proc_start_ns;		/* its process's start, 0 when unknown */
	int ppid;			/* parent process, 0 when unknown */
	const char *comm;
	uint32_t uid;
	uint64_t cgroup_id;
	bool exited;			/* exited during the interval */
	bool kernel;			/* kernel thread */
	uint64_t cpu_ns;		/* Σ over CPUs */
	const struct joulestat_cpu_time *cpus;	/* [ncpus] per CPU */
	size_t ncpus;
	uint64_t energy_uj;		/* over the in_host_total domains */
	bool estimated;
	/*
	 * Syscalls its process made in the interval (snapshot_info's
	 * syscalls_counted): counted per process, on its main thread's task
	 * (its other threads' are 0; a process whose main thread did not run
	 * has them on one of its threads).
	 */
	uint64_t syscalls;
};

/* Describe task `idx` (< info.ntasks), in task key order. -ERANGE; -EINVAL. */
JOULESTAT_API int joulestat_snapshot_task_get(const struct joulestat_snapshot *snap, size_t idx,
					      struct joulestat_task *info);

/* One group of one grouping. Strings live as long as the snapshot; never NULL. */
struct joulestat_row {
	size_t sz;
	enum joulestat_group group;
	/* The key: only the fields of the grouping are set, the rest are 0 or "". */
	int pid;			/* process, thread, tree (the root) */
	int tid;			/* thread */
	uint64_t start_ns;		/* process or thread start, ns since boot (0: unknown) */
	const char *comm;		/* comm; also the main comm of process/thread/tree rows */
	uint32_t uid;			/* user; also process/thread rows */
	const char *user;		/* user name, or the uid in decimal */
	uint64_t cgroup_id;		/* cgroup */
	const char *cgroup;		/* cgroup path ("/system.slice/x.service"), "" unknown */
	const char *unit;		/* unit: "x.service", "" for none */
	const char *container;		/* container: 64 hex digits (or the runtime's id), "" none */
	/* This interval. */
	uint64_t energy_uj;		/* Σ of its tasks over the in_host_total domains */
	double power_w;			/* energy / interval */
	uint64_t cpu_ns;		/* Σ of its tasks' CPU time */
	double cpu_pct;			/* cpu_ns / interval × 100 (one full CPU = 100) */
	double share;			/* energy / the host's tasks energy, 0..1 (0 when none) */
	bool estimated;			/* derived from a modelled domain */
	size_t ntasks;			/* its tasks in this interval */
	/* Per domain, indexed like joulestat_snapshot_domain_get(): [ndomains]. */
	const uint64_t *domain_energy_uj;
	size_t ndomains;
	/* Since the monitor first saw the group (with this grouping chosen). */
	uint64_t cumulative_uj;
	uint64_t cumulative_cpu_ns;
	uint64_t first_seen_ns;		/* CLOCK_MONOTONIC end of the first interval it was in */
	/*
	 * Syscalls of its processes (snapshot_info's syscalls_counted, else
	 * 0): this interval, and since the monitor first saw the group. A
	 * thread row has its process's on the main thread's row.
	 */
	uint64_t syscalls;
	uint64_t cumulative_syscalls;
	/*
	 * vm: the VM's name. Also set on process and thread rows of a
	 * snapshot that carries the vm grouping, and on tree rows whose root
	 * ran in the interval (the VM the root runs); "" for none.
	 */
	const char *vm;
	/*
	 * Containers and pods: set on container, pod and namespace rows (as
	 * far as their grouping goes: a pod row has no container), and on
	 * process, thread and cgroup rows. Names come from the runtime or the
	 * kubelet (joulestat_set_names()); "" where unknown or none. A pod
	 * whose namespace is not known yet is in namespace row "" with
	 * names_unresolved set, apart from the tasks in no pod.
	 */
	const char *container_name;	/* the runtime's name, or the pod's name for it */
	const char *container_runtime;	/* "docker", "podman", "containerd", "cri-o", "lxc", "nspawn" */
	const char *pod_uid;		/* Kubernetes pod UID */
	const char *pod;		/* pod name */
	const char *pod_namespace;	/* its namespace */
	bool names_unresolved;		/* in a container or pod whose names are not all known */
	/*
	 * From a daemon whose disclosure policy hides other users' processes
	 * from this user: the row sums every process of one user (uid and user
	 * set, pid 0, comm ""), or of every other user together (uid
	 * JOULESTAT_UID_OTHERS, user "", under the policy "none").
	 * cumulative_uj is then that user's energy since the daemon began
	 * counting (joulestat_daemon_info). Always false for a local monitor.
	 */
	bool aggregated;
};

/* The uid of an aggregated row that stands for every other user. */
#define JOULESTAT_UID_OTHERS UINT32_MAX

/*
 * Number of rows of `group` in the snapshot; -ENOENT when the snapshot does
 * not carry that grouping (see joulestat_set_groups()), -EINVAL.
 */
JOULESTAT_API int joulestat_snapshot_row_count(const struct joulestat_snapshot *snap,
					       enum joulestat_group group);

/*
 * Describe row `idx` of `group`. Rows are sorted by energy, largest first,
 * ties in key order. -ENOENT (grouping not carried), -ERANGE, -EINVAL.
 */
JOULESTAT_API int joulestat_snapshot_row_get(const struct joulestat_snapshot *snap,
					     enum joulestat_group group,
					     size_t idx, struct joulestat_row *row);

/* ---- process trees ---- */

/*
 * Follow the process tree rooted at `pid` (which must be alive): later
 * snapshots carry, in the tree grouping, one row for it with the energy of
 * the root and all its descendants, those that start and end between two
 * snapshots included (parentage from the eBPF collector's fork records, else
 * /proc PPid). Turns the tree grouping on. Returns 0; -ESRCH when pid is not
 * a live process; -EEXIST when already followed; -ENOMEM.
 */
JOULESTAT_API int joulestat_tree_add(struct joulestat *js, int pid);

/*
 * Stop following the tree rooted at `pid` (the newest such root when a PID
 * was reused): its row leaves later snapshots, and its cumulative energy
 * is forgotten. Returns 0; -ENOENT when no tree has that root; -EINVAL.
 * Through a daemon, trees are also given up when the monitor is freed.
 */
JOULESTAT_API int joulestat_tree_remove(struct joulestat *js, int pid);

/* ---- one process's energy (a per-PID query, for monitors that hold PIDs) ---- */

struct joulestat_pid_energy {
	size_t sz;
	int pid;
	bool found;			/* the process was seen; else the rest is 0 */
	uint64_t energy_uj;		/* cumulative since the monitor first saw it */
	uint64_t interval_energy_uj;	/* in the last snapshot */
	double power_w;			/* over the last snapshot's interval */
	uint64_t cpu_ns;		/* in the last snapshot */
	uint64_t timestamp_ns;		/* CLOCK_MONOTONIC end of the last snapshot */
	/*
	 * The energy's origin: the host domains' sources and the collector,
	 * "powercap+ebpf"; "procpower" when the process's own meter
	 * (/proc/PID/power/energy_uj) gave the last interval's energy.
	 */
	const char *source;
	bool reliable;			/* measured domains only (not estimated) */
};

/*
 * The energy of process `pid` as of the monitor's last snapshot (the process
 * grouping; the newest process when a PID was reused). `source` lives until
 * the next joulestat_sample() or joulestat_free(). Returns 0; -ENOENT when
 * the process was not in the last snapshot nor is kept in the cumulative
 * table; -ENODATA before the first snapshot; -EINVAL.
 *
 * Through a daemon the answer is the daemon's last snapshot (it samples on
 * its own clock, so no joulestat_sample() is needed first), energy_uj
 * counts since the daemon first saw the process (across daemon restarts),
 * and another user's process is -EACCES when the daemon's policy hides it
 * (-ECONNRESET, -ETIMEDOUT: the daemon went away or did not answer).
 *
 * Safe to call from several threads at once, and while another thread
 * samples.
 */
JOULESTAT_API int joulestat_pid_energy(const struct joulestat *js, int pid,
				       struct joulestat_pid_energy *ret);

/*
 * joulestat_pid_energy() for n PIDs. `ret` is an array of n structs of
 * size ret[0].sz each (the caller's sizeof), every one with sz set; each
 * gets found = false when unknown (or hidden by a daemon's policy).
 * Returns the number found, or -EINVAL / -ENODATA (or a daemon's
 * connection error) for the whole call. Thread-safe as joulestat_pid_energy().
 */
JOULESTAT_API int joulestat_pid_energy_batch(const struct joulestat *js, const int *pids, size_t n,
					     struct joulestat_pid_energy *ret);

/* ---- the daemon behind a monitor (joulestat_opts.daemon; docs/DAEMON.md) ---- */

struct joulestat_daemon_info {
	size_t sz;
	const char *socket;		/* the socket's path */
	const char *version;		/* the daemon's joulestat version */
	int pid;			/* the daemon's PID */
	/* This daemon process's start (CLOCK_REALTIME ns): a restart changes it. */
	uint64_t started_realtime_ns;
	/*
	 * When its cumulative energy began (CLOCK_REALTIME ns): its first start
	 * since boot, kept across restarts in its state file. Energy spent while
	 * no daemon ran is in no counter.
	 */
	uint64_t counting_since_realtime_ns;
	uint32_t restarts;		/* starts since that first one */
	uint64_t interval_ns;		/* its sampling interval */
	const char *idle_policy;	/* its idle policy */
	/*
	 * What it shows this user of other users' activity: "all", "own"
	 * (their processes summed into one row per user), "none" (one row for
	 * all other users).
	 */
	const char *view;
	const char *policy;		/* its disclose policy for ordinary users */
};

/*
 * Describe the daemon this monitor asks. Strings live until joulestat_free().
 * Returns 0; -ENOTCONN when the monitor measures locally; -EINVAL.
 */
JOULESTAT_API int joulestat_daemon_get(const struct joulestat *js,
				       struct joulestat_daemon_info *info);

/* ---- an event loop drives sampling ---- */

/*
 * A timerfd (CLOCK_MONOTONIC, absolute deadlines every interval_ms from its
 * creation, so sampling does not drift) that becomes readable when a
 * snapshot is due: poll it for POLLIN, then call joulestat_dispatch(). The
 * monitor owns it (closed by joulestat_free()); created on the first call.
 * Returns the fd or -errno.
 *
 * Through a daemon it is the connection's socket, readable when the daemon
 * has sampled for at least interval_ms since this monitor's last snapshot
 * (so snapshots end on the daemon's samples, and cover whole multiples of
 * its interval); also readable, and joulestat_dispatch() then fails with
 * -ECONNRESET, when the daemon goes away.
 */
JOULESTAT_API int joulestat_fd(struct joulestat *js);

/*
 * Called by joulestat_dispatch() with each snapshot. The snapshot is freed
 * after the callback returns: take joulestat_snapshot_ref() to keep it. A
 * negative return stops the dispatch and is returned by it.
 */
typedef int (*joulestat_snapshot_fn)(struct joulestat *js, struct joulestat_snapshot *snap,
				     void *userdata);

/*
 * If the joulestat_fd() timer expired, take one snapshot (however many
 * ticks were missed: one interval covers them) and hand it to cb. Never
 * blocks. Returns 1 when a snapshot was taken, 0 when none was due, the
 * callback's negative return, the -errno of joulestat_sample(), or -EINVAL
 * before the first joulestat_fd().
 *
 * Through a daemon: when the daemon said a snapshot is due, ask it for what
 * it sampled since the last one (one round trip on the local socket; it
 * does not wait for a sample) and hand that to cb.
 */
JOULESTAT_API int joulestat_dispatch(struct joulestat *js, joulestat_snapshot_fn cb,
				     void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* JOULESTAT_H */
