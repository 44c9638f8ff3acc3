/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * counter.h - turning raw hardware energy readings into a cumulative,
 * unwrapped, never-decreasing energy in µJ.
 *
 * Two shapes of input exist:
 * - a counter (RAPL energy_uj, perf power events, MSRs, hwmon energy*_input)
 *   that grows and wraps at max_range_uj: struct counter;
 * - a power reading (battery power_now, hwmon power*_input): struct
 *   integrator, trapezoids over time with the sub-µJ remainder carried, so
 *   nothing is lost to rounding.
 *
 * Rules (from the peer tools' bug trackers): no delta from a single reading;
 * never a negative delta; a wrap is only accepted when the implied energy is
 * plausible for the elapsed time at the domain's worst-case power; when the
 * elapsed time is long enough for more than one wrap at that power, the
 * reading is refused (an under-count would be silent otherwise); a counter
 * that goes backwards without a plausible wrap is an error, counted.
 */
#ifndef JOULESTAT_COUNTER_H
#define JOULESTAT_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

/* Used when a source cannot tell the domain's worst-case power: 2 kW. */
#define COUNTER_DEFAULT_MAX_POWER_UW 2000000000ULL

enum counter_status {
	COUNTER_FIRST = 0,	/* first reading: baseline only, delta 0 */
	COUNTER_OK = 1,		/* forward step */
	COUNTER_WRAPPED = 2,	/* one wrap, unwrapped */
};

struct counter {
	uint64_t max_range_uj;	/* wrap modulus; 0 = does not wrap (64-bit) */
	uint64_t max_power_uw;	/* worst-case power; 0 = COUNTER_DEFAULT_MAX_POWER_UW */
	uint64_t last_raw_uj;
	uint64_t last_ns;
	uint64_t total_uj;	/* unwrapped energy since the first reading */
	uint64_t wraps;
	uint64_t errors;
	bool primed;
};

/*
 * Feed one raw reading taken at now_ns (CLOCK_MONOTONIC). On success returns
 * an enum counter_status and the energy since the previous reading in
 * *ret_delta_uj (0 for COUNTER_FIRST). Errors (the reading is not used, the
 * error is counted, and the next reading starts a new baseline so that one
 * glitch costs one interval, not the rest of the run):
 * -ERANGE   a raw value above max_range_uj;
 * -EAGAIN   elapsed time long enough for more than one wrap: ambiguous;
 * -EILSEQ   the counter went backwards and no single wrap explains it;
 * -EINVAL   time went backwards.
 * *ret_delta_uj is written only on success.
 */
int counter_update(struct counter *c, uint64_t raw_uj, uint64_t now_ns, uint64_t *ret_delta_uj);

/*
 * Words for counter_update()'s own refusals, for log messages: -EAGAIN and
 * -EILSEQ. NULL for anything else (-EINVAL and -ERANGE are also what the
 * parsers return, so the caller words those). Static storage.
 */
const char *counter_strerror(int err);

/* Longest interval (ns) between readings that keeps wraps unambiguous; 0 = unbounded. */
uint64_t counter_max_interval_ns(const struct counter *c);

struct integrator {
	uint64_t last_uw;
	uint64_t last_ns;
	uint64_t total_uj;
	uint64_t rem;		/* remainder in µW·ns (1e-9 µJ), < 1e9 */
	bool primed;
};

/*
 * Feed one power reading (µW) taken at now_ns. Energy between the previous
 * reading and this one is the trapezoid of the two powers. Returns
 * COUNTER_FIRST or COUNTER_OK with the energy in *ret_delta_uj, or -EINVAL
 * when time went backwards (the reading then becomes the new baseline).
 */
int integrator_update(struct integrator *it, uint64_t power_uw, uint64_t now_ns,
		      uint64_t *ret_delta_uj);

#endif
