/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * gtrack.h - the exporter's cardinality budget: which groups (comms,
 * cgroups, units, containers, users or processes) get series of their own,
 * and the monotonic counters behind those series.
 *
 * Every interval the caller hands in each group's energy per domain, its
 * share of the host total and its CPU time. The tracker keeps:
 *
 * - at most top_n *tracked* groups, chosen each interval among the groups
 *   present in it: the highest recent power (an average over about `tau`),
 *   ties by recent CPU time, then incumbents. Only tracked groups add to
 *   their own counters; every other group's energy goes to the `other`
 *   series. So in every interval Σ(tracked) + other == Σ(all groups), and
 *   the sum of the series' increases is the attributed energy, exactly;
 * - counters per stable identity (the group's id: a comm, a cgroup path,
 *   tgid+start for a process), monotonic while the series lives, so
 *   rate() never sees a spurious reset when PIDs are reused;
 * - a TTL: a series whose group has not been tracked and present for ttl
 *   is dropped, so finished processes leave the dashboards (the seed
 *   power.py left them there forever). Series kept frozen during their TTL
 *   (vanished or outranked groups) are at most top_n; beyond that the
 *   oldest go first. At most 2 × top_n + 1 series exist, whatever the churn.
 *
 * A group whose label values are all "other" never gets a series of its own
 * (it would clash with the `other` series); its energy is in `other`.
 * Two identities never expose the same label values at once: the one
 * tracked now replaces the frozen one (a PID reused within the TTL).
 *
 * Pure: no I/O, no clock (the caller passes the time). Not thread-safe.
 */
#ifndef JOULESTAT_GTRACK_H
#define JOULESTAT_GTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GTRACK_OTHER "other"

struct gtrack_opts {
	size_t ndomains;	/* energy values per group (domains), ≥ 0 */
	size_t nlabels;		/* label values per group, ≥ 1 */
	unsigned top_n;		/* groups with series of their own, ≥ 1 */
	uint64_t ttl_ns;	/* how long a frozen series stays, > 0 */
	uint64_t tau_ns;	/* ranking average's time constant; 0: 30 s */
};

/* One group's part of one interval. */
struct gtrack_group {
	const char *id;			/* stable identity; copied */
	const char *const *labels;	/* [nlabels] values; copied */
	const uint64_t *energy_uj;	/* [ndomains] energy in the interval; NULL: all 0 */
	uint64_t host_uj;		/* its part of the host total in the interval */
	uint64_t cpu_ns;		/* CPU time in the interval */
	uint64_t syscalls;		/* syscalls in the interval (0 when not counted) */
	uint64_t co2e_ug;		/* µg of CO2e of host_uj (0 without a carbon intensity) */
};

struct gtrack;

/* -EINVAL for bad options; -ENOMEM. */
int gtrack_new(const struct gtrack_opts *opts, struct gtrack **ret);
struct gtrack *gtrack_free(struct gtrack *t);

/*
 * Account one interval of `interval_ns` ending at `now_ns` (monotonic,
 * never decreasing). The same id twice in one call is one group (summed).
 * Returns 0; -EINVAL for a group without id or labels, time going backwards
 * or a zero interval; -ENOMEM. On error nothing has changed.
 */
int gtrack_update(struct gtrack *t, uint64_t now_ns, uint64_t interval_ns,
		  const struct gtrack_group *groups, size_t ngroups);

/* One exposed series, valid until the next gtrack_update() or gtrack_free(). */
struct gtrack_series {
	const char *const *labels;	/* [nlabels]; all GTRACK_OTHER for the other series */
	bool other;
	bool live;			/* tracked and present in the last interval */
	const uint64_t *energy_uj;	/* [ndomains] cumulative, monotonic */
	uint64_t host_uj;		/* cumulative */
	uint64_t cpu_ns;		/* cumulative */
	const uint64_t *last_energy_uj;	/* [ndomains] added in the last interval */
	uint64_t last_host_uj;
	uint64_t last_cpu_ns;
	uint64_t syscalls;		/* cumulative */
	uint64_t last_syscalls;
	uint64_t co2e_ug;		/* cumulative */
	uint64_t last_co2e_ug;
};

/*
 * Exposed series: index 0 .. gtrack_count() - 1, the groups ordered by their
 * label values, then `other` last (always present).
 */
size_t gtrack_count(const struct gtrack *t);
void gtrack_get(const struct gtrack *t, size_t idx, struct gtrack_series *ret);

/* The last interval's length (0 before the first update). */
uint64_t gtrack_interval_ns(const struct gtrack *t);

/* Identities the tracker remembers (tracked, frozen, or seen within the TTL). */
size_t gtrack_known(const struct gtrack *t);

#endif
