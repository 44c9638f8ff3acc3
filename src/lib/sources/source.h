/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source.h - the interface between the monitor and each energy source
 * (one file each: source_perf.c, source_powercap.c, source_msr.c,
 * source_battery.c, source_hwmon.c, source_procpower.c, source_model.c).
 *
 * A source discovers its domains when opened, appends them to the monitor's
 * domain list, and feeds them a reading on each read. The monitor owns the
 * domains; a source keeps pointers to the ones it added (stable until it
 * removes them or is closed) and never frees them itself.
 */
#ifndef JOULESTAT_SOURCE_H
#define JOULESTAT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"
#include "counter.h"
#include "cpuset.h"
#include "fsroot.h"
#include "log.h"
#include "topology.h"

#define DOMAIN_NAME_MAX 48
#define DOMAIN_PATH_MAX 256
#define SOURCE_REASON_MAX 1024

struct source_slot;
struct gpu_dev;

struct domain {
	char name[DOMAIN_NAME_MAX];	/* unique in the monitor: "package-0", "BAT0", "pid-42" */
	char path[DOMAIN_PATH_MAX];	/* what is read, for probe and error messages */
	enum joulestat_domain_kind kind;
	int socket;			/* socket index, or -1 for machine-wide domains */
	int pid;			/* PROCESS domains */
	struct cpuset cpus;		/* CPUs whose activity this domain's energy is split over */

	/* Exactly one of these is used, set by the source with domain_feed_*(). */
	struct counter ctr;
	struct integrator integ;

	uint64_t energy_uj;		/* cumulative since the first reading */
	uint64_t raw_uj;		/* last raw counter value */
	uint64_t timestamp_ns;		/* last good reading */
	uint64_t last_delta_uj;		/* energy of the last interval */
	uint64_t last_dt_ns;		/* length of the last interval */
	uint64_t errors;		/* refused or failed readings */
	uint64_t refused;		/* of those, refused: the energy since the last one is unknown */
	uint64_t snap_refused;		/* refused at the last snapshot (snapshot.c) */
	uint64_t wraps;
	unsigned readings;		/* good readings so far */
	uint64_t snap_energy_uj;	/* energy_uj at the last snapshot (snapshot.c) */
	bool snapped;			/* there at the last snapshot: its next delta spans a whole interval */
	uint64_t snap_ts_ns;		/* timestamp_ns at the last snapshot (snapshot.c) */
	int last_error;			/* -errno of the last failed reading, 0 after a good one */

	bool estimated;			/* modelled, not measured */
	/*
	 * Its energy is a power × the time between its own readings (the
	 * model): a snapshot charges its interval at that power, since the
	 * readings and the activity interval end microseconds apart.
	 */
	bool power_model;
	uint64_t model_idle_mw;		/* power_model: its idle power ... */
	uint64_t model_max_mw;		/* ... and its full-load power, which no interval exceeds */
	bool in_host_total;		/* set by the monitor */
	bool shadowed;			/* a preferred source measures the same thing */

	const struct source_slot *slot;	/* the source that made it */
};

/* The monitor's list of domains; the monitor owns each element. */
struct domain_list {
	struct domain **v;
	size_t n, cap;
};

/*
 * Allocate a zeroed domain, append it, and return it (NULL on -ENOMEM). The
 * caller fills name, kind, cpus... before the first domain_feed_*().
 */
struct domain *domain_list_add(struct domain_list *l, const struct source_slot *slot);

/* Remove and free `d` (a PROCESS domain whose PID exited, say). */
void domain_list_remove(struct domain_list *l, struct domain *d);

/* Free every domain and the array. */
void domain_list_done(struct domain_list *l);

/* First domain with this name, or NULL. */
struct domain *domain_list_find(const struct domain_list *l, const char *name);

/*
 * Feed a raw counter reading (µJ) taken at now_ns. On success the domain's
 * energy, timestamp and last interval are updated; on error the error is
 * counted, last_error set, and the -errno from counter_update() returned.
 */
int domain_feed_counter(struct domain *d, uint64_t raw_uj, uint64_t now_ns);

/* Feed a power reading (µW); energy is integrated over time. */
int domain_feed_power(struct domain *d, uint64_t power_uw, uint64_t now_ns);

/* Feed an energy increment computed by the source itself (the model). */
void domain_feed_delta(struct domain *d, uint64_t delta_uj, uint64_t now_ns);

/*
 * Start a new baseline at now_ns: the time since the last reading gets no
 * energy and the last interval reads as empty (after a refused reading, or
 * while a battery is not measuring).
 */
void domain_rebase(struct domain *d, uint64_t now_ns);

/* Record a failed read (unreadable file, malformed content): counted, never silent. */
void domain_feed_error(struct domain *d, int err);

/*
 * Refuse a reading taken at now_ns (counter_update()'s refusals, a battery
 * gauge that rose while discharging): the energy since the last reading is
 * unknown. Counted as an error and as refused, and the reading becomes the
 * new baseline; the snapshot that spans it shows a gap, not zero.
 */
void domain_refuse(struct domain *d, int err, uint64_t now_ns);

/*
 * Append "; <message>" to a source's reason/notes buffer (the first message
 * without the separator); when the buffer is full the text ends in "...".
 */
void source_note(char *reason, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What every source gets: roots, topology, logger, options. Borrowed, valid while open. */
struct source_ctx {
	const struct fsroot *fs;
	const struct topology *topo;
	const struct logger *log;
	const struct joulestat_opts *opts;
	struct domain_list *domains;
};

struct source_ops {
	const char *name;	/* "perf", "powercap", ... (the --source name) */
	bool estimated;		/* every domain it makes is modelled */

	/*
	 * Discover and open. On success: 0, *ret_state set, its domains
	 * appended to ctx->domains with a first reading taken, and `reason`
	 * either "" or a note of what was skipped and why (kept while active). When there is
	 * nothing to read: -ENODEV (or -ENOENT) and `reason` says so in words a
	 * user can act on ("no RAPL exposed under /sys/class/powercap: virtual
	 * machine?"). When present but unusable: the -errno (-EACCES, ...) and
	 * `reason` with the fix. On failure it must leave no domain behind.
	 */
	int (*open)(const struct source_ctx *ctx, const struct source_slot *slot, void **ret_state,
		    char *reason, size_t reason_size);

	/*
	 * Read every domain once (domain_feed_*()). May add or remove its own
	 * domains (per-PID sources). Returns 0, or -errno when no domain could
	 * be read.
	 */
	int (*read)(void *state, const struct source_ctx *ctx, uint64_t now_ns);

	/* Release what open() took. Domains are freed by the monitor. NULL-safe. */
	void (*close)(void *state);

	/*
	 * GPU sources only (NULL for the others): the idx-th GPU device the
	 * source reads (gpu.h), NULL past the last. Valid until the next
	 * read() or close().
	 */
	const struct gpu_dev *(*gpu)(void *state, size_t idx);
};

extern const struct source_ops source_perf_ops;
extern const struct source_ops source_powercap_ops;
extern const struct source_ops source_msr_ops;
extern const struct source_ops source_battery_ops;
extern const struct source_ops source_hwmon_ops;
extern const struct source_ops source_nvml_ops;
extern const struct source_ops source_drm_ops;
extern const struct source_ops source_procpower_ops;
extern const struct source_ops source_host_ops;
extern const struct source_ops source_model_ops;

/* The model's parameters, for joulestat_model_get(); state is the model's open() state. */
int source_model_describe(const void *state, struct joulestat_model_info *info);

#endif
