/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* gtrack.c - top N groups plus `other`, monotonic per identity, with a TTL (see gtrack.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gtrack.h"

#define NSEC_PER_SEC 1000000000ULL
#define DEFAULT_TAU_NS (30 * NSEC_PER_SEC)

struct ident {
	char *id;
	char **labels;		/* [nlabels], owned */
	char **staged;		/* labels of this update when they differ, or NULL */
	uint64_t *own_uj;	/* [ndomains] cumulative while tracked */
	uint64_t *last_uj;	/* [ndomains] added in the last interval */
	uint64_t *in_uj;	/* [ndomains] this update's input */
	uint64_t own_host_uj, own_cpu_ns, own_syscalls, own_co2e_ug;
	uint64_t last_host_uj, last_cpu_ns, last_syscalls, last_co2e_ug;
	uint64_t in_host_uj, in_cpu_ns, in_syscalls, in_co2e_ug;
	uint64_t score_uw;	/* average host power, µW */
	uint64_t score_cpu;	/* average CPU use, ns per s */
	uint64_t last_present_ns;
	uint64_t last_live_ns;
	bool present, tracked, exposed, fresh;
	struct ident *hnext;
};

struct gtrack {
	struct gtrack_opts o;
	uint64_t now_ns, interval_ns;
	struct ident **v;	/* every identity */
	size_t n, cap;
	struct ident **order;	/* scratch for ranking, [cap] */
	struct ident **expo;	/* exposed groups, sorted, [cap] */
	size_t nexpo;
	struct ident **hash;
	size_t nbuckets;
	/* The other series. */
	char **other_labels;
	uint64_t *other_uj, *other_last_uj;
	uint64_t other_host_uj, other_cpu_ns, other_last_host_uj, other_last_cpu_ns;
	uint64_t other_syscalls, other_last_syscalls;
	uint64_t other_co2e_ug, other_last_co2e_ug;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void free_labels(char **l, size_t n)
{
	if (!l)
		return;
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static char **dup_labels(const char *const *src, size_t n)
{
	char **l = calloc(n, sizeof(*l));

	if (!l)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		l[i] = strdup(src[i]);
		if (!l[i]) {
			free_labels(l, n);
			return NULL;
		}
	}
	return l;
}

static void ident_free(struct gtrack *t, struct ident *x)
{
	if (!x)
		return;
	free(x->id);
	free_labels(x->labels, t->o.nlabels);
	free_labels(x->staged, t->o.nlabels);
	free(x->own_uj);
	free(x);
}

int gtrack_new(const struct gtrack_opts *opts, struct gtrack **ret)
{
	struct gtrack *t;
	const char **other = NULL;
	int r = -ENOMEM;

	if (!opts || !ret || opts->nlabels == 0 || opts->top_n == 0 || opts->ttl_ns == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o = *opts;
	if (!t->o.tau_ns)
		t->o.tau_ns = DEFAULT_TAU_NS;
	t->nbuckets = 1024;
	t->hash = calloc(t->nbuckets, sizeof(*t->hash));
	other = calloc(opts->nlabels, sizeof(*other));
	t->other_uj = calloc(2 * opts->ndomains + 1, sizeof(uint64_t));
	if (!t->hash || !other || !t->other_uj)
		goto out;
	t->other_last_uj = t->other_uj + opts->ndomains;
	for (size_t i = 0; i < opts->nlabels; i++)
		other[i] = GTRACK_OTHER;
	t->other_labels = dup_labels(other, opts->nlabels);
	if (!t->other_labels)
		goto out;
	*ret = t;
	t = NULL;
	r = 0;
out:
	free(other);
	gtrack_free(t);
	return r;
}

struct gtrack *gtrack_free(struct gtrack *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		ident_free(t, t->v[i]);
	free(t->v);
	free(t->order);
	free(t->expo);
	free(t->hash);
	free_labels(t->other_labels, t->o.nlabels);
	free(t->other_uj);
	free(t);
	return NULL;
}

static struct ident *lookup(const struct gtrack *t, const char *id)
{
	struct ident *x = t->hash[hash_str(id) & (t->nbuckets - 1)];

	while (x && strcmp(x->id, id) != 0)
		x = x->hnext;
	return x;
}

static void hash_remove(struct gtrack *t, struct ident *x)
{
	struct ident **pp = &t->hash[hash_str(x->id) & (t->nbuckets - 1)];

	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
}

/* Grow the hash table when it gets crowded; failure only costs speed. */
static void hash_grow(struct gtrack *t)
{
	size_t nb = t->nbuckets * 2;
	struct ident **h;

	if (t->n < t->nbuckets * 2)
		return;
	h = calloc(nb, sizeof(*h));
	if (!h)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];
		size_t b = hash_str(x->id) & (nb - 1);

		x->hnext = h[b];
		h[b] = x;
	}
	free(t->hash);
	t->hash = h;
	t->nbuckets = nb;
}

static int reserve(struct gtrack *t, size_t n)
{
	struct ident **v, **o, **e;
	size_t cap;

	if (n <= t->cap)
		return 0;
	cap = t->cap ? t->cap : 64;
	while (cap < n)
		cap *= 2;
	v = realloc(t->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	o = realloc(t->order, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	t->order = o;
	e = realloc(t->expo, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	t->expo = e;
	t->cap = cap;
	return 0;
}

static struct ident *ident_new(struct gtrack *t, const char *id)
{
	struct ident *x = calloc(1, sizeof(*x));
	size_t b;

	if (!x)
		return NULL;
	x->id = strdup(id);
	x->own_uj = calloc(3 * t->o.ndomains + 1, sizeof(uint64_t));
	if (!x->id || !x->own_uj || reserve(t, t->n + 1) < 0) {
		ident_free(t, x);
		return NULL;
	}
	x->last_uj = x->own_uj + t->o.ndomains;
	x->in_uj = x->last_uj + t->o.ndomains;
	x->fresh = true;
	b = hash_str(id) & (t->nbuckets - 1);
	x->hnext = t->hash[b];
	t->hash[b] = x;
	t->v[t->n++] = x;
	return x;
}

static void remove_at(struct gtrack *t, size_t i)
{
	struct ident *x = t->v[i];

	hash_remove(t, x);
	t->v[i] = t->v[--t->n];
	ident_free(t, x);
}

static bool labels_equal(char *const *a, const char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool reserved(const struct gtrack *t, char *const *labels)
{
	return labels_equal(t->other_labels, (const char *const *)labels, t->o.nlabels);
}

/* The labels an identity carries after this update. */
static char **labels_of(const struct ident *x)
{
	return x->staged ? x->staged : x->labels;
}

/* Phase 1: everything that can fail. Undone by rollback(). */
static int stage(struct gtrack *t, const struct gtrack_group *g, size_t ng)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];

		x->present = false;
		x->in_host_uj = x->in_cpu_ns = x->in_syscalls = x->in_co2e_ug = 0;
		memset(x->in_uj, 0, t->o.ndomains * sizeof(uint64_t));
	}
	for (size_t i = 0; i < ng; i++) {
		struct ident *x = lookup(t, g[i].id);

		if (!x) {
			x = ident_new(t, g[i].id);
			if (!x)
				return -ENOMEM;
		}
		if (!x->present &&
		    (!x->labels || !labels_equal(x->labels, g[i].labels, t->o.nlabels))) {
			x->staged = dup_labels(g[i].labels, t->o.nlabels);
			if (!x->staged)
				return -ENOMEM;
		}
		x->present = true;
		for (size_t d = 0; g[i].energy_uj && d < t->o.ndomains; d++)
			x->in_uj[d] += g[i].energy_uj[d];
		x->in_host_uj += g[i].host_uj;
		x->in_cpu_ns += g[i].cpu_ns;
		x->in_syscalls += g[i].syscalls;
		x->in_co2e_ug += g[i].co2e_ug;
	}
	return 0;
}

static void rollback(struct gtrack *t)
{
	for (size_t i = t->n; i-- > 0;) {
		struct ident *x = t->v[i];

		free_labels(x->staged, t->o.nlabels);
		x->staged = NULL;
		if (x->fresh)
			remove_at(t, i);
	}
}

/* (score + rate × interval / tau) / (1 + interval / tau), in integers. */
static uint64_t ewma(uint64_t avg, uint64_t rate, uint64_t interval_ns, uint64_t tau_ns)
{
	unsigned __int128 num =
		(unsigned __int128)avg * tau_ns + (unsigned __int128)rate * interval_ns;

	return (uint64_t)(num / ((unsigned __int128)tau_ns + interval_ns));
}

static uint64_t per_second(uint64_t v, uint64_t interval_ns)
{
	return (uint64_t)((unsigned __int128)v * NSEC_PER_SEC / interval_ns);
}

static int cmp_rank(const void *a, const void *b)
{
	const struct ident *x = *(struct ident *const *)a, *y = *(struct ident *const *)b;

	if (x->score_uw != y->score_uw)
		return x->score_uw > y->score_uw ? -1 : 1;
	if (x->score_cpu != y->score_cpu)
		return x->score_cpu > y->score_cpu ? -1 : 1;
	if (x->tracked != y->tracked) /* incumbents keep their place on a tie */
		return x->tracked ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_labels(const void *a, const void *b, void *nlabels)
{
	const struct ident *x = *(struct ident *const *)a, *y = *(struct ident *const *)b;

	for (size_t i = 0; i < *(const size_t *)nlabels; i++) {
		int c = strcmp(x->labels[i], y->labels[i]);

		if (c)
			return c;
	}
	return strcmp(x->id, y->id);
}

static int cmp_live_age(const void *a, const void *b)
{
	const struct ident *x = *(struct ident *const *)a, *y = *(struct ident *const *)b;

	if (x->last_live_ns != y->last_live_ns)
		return x->last_live_ns < y->last_live_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void unexpose(struct gtrack *t, struct ident *x)
{
	x->exposed = false;
	x->own_host_uj = x->own_cpu_ns = x->own_syscalls = x->own_co2e_ug = 0;
	memset(x->own_uj, 0, t->o.ndomains * sizeof(uint64_t));
}

/* Pick the tracked set: the top_n best ranked, one identity per label set. */
static void select_tracked(struct gtrack *t)
{
	size_t nc = 0, chosen = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];

		/* Only groups present now compete: an absent one has nothing to count. */
		if (x->present && !reserved(t, labels_of(x)))
			t->order[nc++] = x;
		else
			x->tracked = false;
	}
	qsort(t->order, nc, sizeof(*t->order), cmp_rank);
	for (size_t i = 0; i < nc; i++) {
		struct ident *x = t->order[i];
		bool clash = false;

		for (size_t j = 0; j < i && !clash; j++)
			clash = t->order[j]->tracked &&
				labels_equal(labels_of(t->order[j]),
					     (const char *const *)labels_of(x), t->o.nlabels);
		x->tracked = !clash && chosen < t->o.top_n;
		if (x->tracked)
			chosen++;
	}
}

static void account(struct gtrack *t)
{
	size_t nd = t->o.ndomains;

	memset(t->other_last_uj, 0, nd * sizeof(uint64_t));
	t->other_last_host_uj = t->other_last_cpu_ns = t->other_last_syscalls = 0;
	t->other_last_co2e_ug = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];

		memset(x->last_uj, 0, nd * sizeof(uint64_t));
		x->last_host_uj = x->last_cpu_ns = x->last_syscalls = x->last_co2e_ug = 0;
		if (!x->present)
			continue;
		if (!x->tracked) {
			for (size_t d = 0; d < nd; d++) {
				t->other_uj[d] += x->in_uj[d];
				t->other_last_uj[d] += x->in_uj[d];
			}
			t->other_host_uj += x->in_host_uj;
			t->other_last_host_uj += x->in_host_uj;
			t->other_cpu_ns += x->in_cpu_ns;
			t->other_last_cpu_ns += x->in_cpu_ns;
			t->other_syscalls += x->in_syscalls;
			t->other_last_syscalls += x->in_syscalls;
			t->other_co2e_ug += x->in_co2e_ug;
			t->other_last_co2e_ug += x->in_co2e_ug;
			continue;
		}
		if (!x->exposed) {
			/* A frozen series with the same labels is a predecessor's: it goes. */
			for (size_t j = 0; j < t->n; j++) {
				struct ident *y = t->v[j];

				if (y != x && y->exposed &&
				    labels_equal(y->labels, (const char *const *)x->labels,
						 t->o.nlabels))
					unexpose(t, y);
			}
			x->exposed = true;
		}
		for (size_t d = 0; d < nd; d++) {
			x->own_uj[d] += x->in_uj[d];
			x->last_uj[d] = x->in_uj[d];
		}
		x->own_host_uj += x->in_host_uj;
		x->last_host_uj = x->in_host_uj;
		x->own_cpu_ns += x->in_cpu_ns;
		x->last_cpu_ns = x->in_cpu_ns;
		x->own_syscalls += x->in_syscalls;
		x->last_syscalls = x->in_syscalls;
		x->own_co2e_ug += x->in_co2e_ug;
		x->last_co2e_ug = x->in_co2e_ug;
		x->last_live_ns = t->now_ns;
	}
}

/* Frozen series: dropped after the TTL, and at most top_n of them (the oldest go first). */
static void expire_frozen(struct gtrack *t)
{
	size_t nf = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];

		if (!x->exposed || x->last_live_ns == t->now_ns)
			continue;
		if (t->now_ns - x->last_live_ns > t->o.ttl_ns)
			unexpose(t, x);
		else if (!x->tracked)
			t->order[nf++] = x;
	}
	if (nf > t->o.top_n) {
		qsort(t->order, nf, sizeof(*t->order), cmp_live_age);
		for (size_t i = 0; i < nf - t->o.top_n; i++)
			unexpose(t, t->order[i]);
	}
}

int gtrack_update(struct gtrack *t, uint64_t now_ns, uint64_t interval_ns,
		  const struct gtrack_group *groups, size_t ngroups)
{
	int r;

	if (!t || (ngroups && !groups) || interval_ns == 0 || now_ns < t->now_ns)
		return -EINVAL;
	for (size_t i = 0; i < ngroups; i++) {
		if (!groups[i].id || !groups[i].labels)
			return -EINVAL;
		for (size_t l = 0; l < t->o.nlabels; l++)
			if (!groups[i].labels[l])
				return -EINVAL;
	}
	r = stage(t, groups, ngroups);
	if (r < 0) {
		rollback(t);
		return r;
	}

	t->now_ns = now_ns;
	t->interval_ns = interval_ns;
	for (size_t i = 0; i < t->n; i++) {
		struct ident *x = t->v[i];

		x->fresh = false;
		if (x->staged) {
			/* New label values are a new series: the old one ends here. */
			if (x->exposed)
				unexpose(t, x);
			free_labels(x->labels, t->o.nlabels);
			x->labels = x->staged;
			x->staged = NULL;
		}
		if (x->present)
			x->last_present_ns = now_ns;
		x->score_uw = ewma(x->score_uw, per_second(x->in_host_uj, interval_ns), interval_ns,
				   t->o.tau_ns);
		x->score_cpu = ewma(x->score_cpu, per_second(x->in_cpu_ns, interval_ns),
				    interval_ns, t->o.tau_ns);
		/* Gone for longer than the TTL: no slot, no series. */
		if (!x->present && now_ns - x->last_present_ns > t->o.ttl_ns) {
			x->tracked = false;
			if (x->exposed)
				unexpose(t, x);
		}
	}
	select_tracked(t);
	account(t);
	expire_frozen(t);

	/* Forget what has no series and has not been seen for the TTL. */
	for (size_t i = t->n; i-- > 0;) {
		struct ident *x = t->v[i];

		if (!x->present && !x->tracked && !x->exposed &&
		    now_ns - x->last_present_ns > t->o.ttl_ns)
			remove_at(t, i);
	}
	hash_grow(t);

	t->nexpo = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->exposed)
			t->expo[t->nexpo++] = t->v[i];
	qsort_r(t->expo, t->nexpo, sizeof(*t->expo), cmp_labels, &t->o.nlabels);
	return 0;
}

size_t gtrack_count(const struct gtrack *t)
{
	return t->nexpo + 1;
}

void gtrack_get(const struct gtrack *t, size_t idx, struct gtrack_series *ret)
{
	if (idx < t->nexpo) {
		const struct ident *x = t->expo[idx];

		*ret = (struct gtrack_series){
			.labels = (const char *const *)x->labels,
			.live = x->tracked && x->last_live_ns == t->now_ns,
			.energy_uj = x->own_uj,
			.host_uj = x->own_host_uj,
			.cpu_ns = x->own_cpu_ns,
			.last_energy_uj = x->last_uj,
			.last_host_uj = x->last_host_uj,
			.last_cpu_ns = x->last_cpu_ns,
			.syscalls = x->own_syscalls,
			.last_syscalls = x->last_syscalls,
			.co2e_ug = x->own_co2e_ug,
			.last_co2e_ug = x->last_co2e_ug,
		};
		return;
	}
	*ret = (struct gtrack_series){
		.labels = (const char *const *)t->other_labels,
		.other = true,
		.live = true,
		.energy_uj = t->other_uj,
		.host_uj = t->other_host_uj,
		.cpu_ns = t->other_cpu_ns,
		.last_energy_uj = t->other_last_uj,
		.last_host_uj = t->other_last_host_uj,
		.last_cpu_ns = t->other_last_cpu_ns,
		.syscalls = t->other_syscalls,
		.last_syscalls = t->other_last_syscalls,
		.co2e_ug = t->other_co2e_ug,
		.last_co2e_ug = t->other_last_co2e_ug,
	};
}

uint64_t gtrack_interval_ns(const struct gtrack *t)
{
	return t->interval_ns;
}

size_t gtrack_known(const struct gtrack *t)
{
	return t->n;
}
