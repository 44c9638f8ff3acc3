/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* counter.c - unwrapping energy counters and integrating power readings. */
#include <errno.h>

#include "counter.h"
#include "util.h"

static uint64_t max_power(const struct counter *c)
{
	return c->max_power_uw ? c->max_power_uw : COUNTER_DEFAULT_MAX_POWER_UW;
}

/* Most energy (µJ) the domain can spend in dt_ns at its worst-case power. */
static uint64_t max_energy_uj(const struct counter *c, uint64_t dt_ns)
{
	/* µW × ns = 1e-9 µJ; round up so a legitimate full-power interval passes. */
	unsigned __int128 e = (unsigned __int128)max_power(c) * dt_ns;

	e = (e + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
	return e > UINT64_MAX ? UINT64_MAX : (uint64_t)e;
}

uint64_t counter_max_interval_ns(const struct counter *c)
{
	if (c->max_range_uj == 0)
		return 0;
	return mul_div_u64(c->max_range_uj, NSEC_PER_SEC, max_power(c));
}

const char *counter_strerror(int err)
{
	switch (err) {
	case -EAGAIN:
		return "too long since the last reading: the counter may have wrapped more than "
		       "once, interval dropped (read more often)";
	case -EILSEQ:
		return "the counter went backwards without a plausible wrap, interval dropped";
	default:
		return NULL;
	}
}

static void rebase(struct counter *c, uint64_t raw_uj, uint64_t now_ns)
{
	c->last_raw_uj = raw_uj;
	c->last_ns = now_ns;
	c->errors++;
}

int counter_update(struct counter *c, uint64_t raw_uj, uint64_t now_ns, uint64_t *ret_delta_uj)
{
	uint64_t dt_ns, delta;
	int status;

	if (c->max_range_uj && raw_uj > c->max_range_uj) {
		c->errors++;
		c->primed = false;
		return -ERANGE;
	}
	if (!c->primed) {
		c->primed = true;
		c->last_raw_uj = raw_uj;
		c->last_ns = now_ns;
		*ret_delta_uj = 0;
		return COUNTER_FIRST;
	}
	if (now_ns < c->last_ns) {
		rebase(c, raw_uj, now_ns);
		return -EINVAL;
	}
	dt_ns = now_ns - c->last_ns;

	/*
	 * A wrapping counter read after more than one wrap period at
	 * worst-case power may have wrapped any number of times: refuse
	 * rather than under-count silently.
	 */
	if (c->max_range_uj && max_energy_uj(c, dt_ns) >= c->max_range_uj) {
		rebase(c, raw_uj, now_ns);
		return -EAGAIN;
	}

	if (raw_uj >= c->last_raw_uj) {
		delta = raw_uj - c->last_raw_uj;
		status = COUNTER_OK;
	} else {
		if (!c->max_range_uj) {
			rebase(c, raw_uj, now_ns);
			return -EILSEQ;
		}
		delta = c->max_range_uj - c->last_raw_uj + raw_uj;
		/* A wrap must be explainable by the time that passed. */
		if (delta > max_energy_uj(c, dt_ns)) {
			rebase(c, raw_uj, now_ns);
			return -EILSEQ;
		}
		c->wraps++;
		status = COUNTER_WRAPPED;
	}
	c->last_raw_uj = raw_uj;
	c->last_ns = now_ns;
	c->total_uj += delta;
	*ret_delta_uj = delta;
	return status;
}

int integrator_update(struct integrator *it, uint64_t power_uw, uint64_t now_ns,
		      uint64_t *ret_delta_uj)
{
	unsigned __int128 e;
	uint64_t delta;

	if (!it->primed) {
		it->primed = true;
		it->last_uw = power_uw;
		it->last_ns = now_ns;
		*ret_delta_uj = 0;
		return COUNTER_FIRST;
	}
	if (now_ns < it->last_ns) {
		it->last_uw = power_uw;
		it->last_ns = now_ns;
		return -EINVAL;
	}
	/* Trapezoid: (p0 + p1) / 2 × dt, in µW·ns, plus the carried remainder. */
	e = ((unsigned __int128)it->last_uw + power_uw) * (now_ns - it->last_ns) / 2 + it->rem;
	delta = (uint64_t)(e / NSEC_PER_SEC);
	it->rem = (uint64_t)(e % NSEC_PER_SEC);
	it->total_uj += delta;
	it->last_uw = power_uw;
	it->last_ns = now_ns;
	*ret_delta_uj = delta;
	return COUNTER_OK;
}
