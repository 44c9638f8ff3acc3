/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* domain.c - the domain list and the one place readings become energy. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "source.h"
#include "util.h"

struct domain *domain_list_add(struct domain_list *l, const struct source_slot *slot)
{
	struct domain *d;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct domain **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->socket = -1;
	d->slot = slot;
	l->v[l->n++] = d;
	return d;
}

void domain_list_remove(struct domain_list *l, struct domain *d)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] != d)
			continue;
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
		l->n--;
		free(d);
		return;
	}
}

void domain_list_done(struct domain_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

struct domain *domain_list_find(const struct domain_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->name, name) == 0)
			return l->v[i];
	return NULL;
}

static void account(struct domain *d, int status, uint64_t delta_uj, uint64_t now_ns)
{
	d->last_dt_ns = status == COUNTER_FIRST ? 0 : now_ns - d->timestamp_ns;
	d->last_delta_uj = delta_uj;
	d->energy_uj += delta_uj;
	d->timestamp_ns = now_ns;
	d->readings++;
	d->last_error = 0;
}

int domain_feed_counter(struct domain *d, uint64_t raw_uj, uint64_t now_ns)
{
	uint64_t delta;
	int r;

	r = counter_update(&d->ctr, raw_uj, now_ns, &delta);
	d->raw_uj = raw_uj;
	d->wraps = d->ctr.wraps;
	if (r < 0) {
		/* The counter re-based: the next good reading starts a new interval. */
		domain_refuse(d, r, now_ns);
		return r;
	}
	account(d, r, delta, now_ns);
	return 0;
}

int domain_feed_power(struct domain *d, uint64_t power_uw, uint64_t now_ns)
{
	uint64_t delta;
	int r;

	r = integrator_update(&d->integ, power_uw, now_ns, &delta);
	if (r < 0) {
		domain_feed_error(d, r);
		return r;
	}
	account(d, r, delta, now_ns);
	return 0;
}

void domain_feed_delta(struct domain *d, uint64_t delta_uj, uint64_t now_ns)
{
	account(d, d->readings == 0 ? COUNTER_FIRST : COUNTER_OK, d->readings == 0 ? 0 : delta_uj,
		now_ns);
}

void domain_rebase(struct domain *d, uint64_t now_ns)
{
	d->timestamp_ns = now_ns;
	d->last_delta_uj = 0;
	d->last_dt_ns = 0;
}

void domain_feed_error(struct domain *d, int err)
{
	d->errors++;
	d->last_error = err < 0 ? err : -EIO;
}

void domain_refuse(struct domain *d, int err, uint64_t now_ns)
{
	domain_feed_error(d, err);
	d->refused++;
	domain_rebase(d, now_ns);
}

void source_note(char *reason, size_t size, const char *fmt, ...)
{
	size_t len = strlen(reason);
	va_list ap;
	int n;

	if (len + 4 >= size)
		return;
	if (len) {
		memcpy(reason + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(reason + len, size - len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n >= size - len)
		memcpy(reason + size - 4, "...", 4);
}
