/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* cumtab.c - cumulative energy per group and interned strings (cumtab.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cumtab.h"

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static size_t key_hash(const struct cum_key *k)
{
	uint64_t h = mix64(k->start_ns ^ 0x9e3779b97f4a7c15ULL);

	h = mix64(h ^ k->id);
	h = mix64(h ^ ((uint64_t)k->tgid << 32 | k->tid));
	h = mix64(h ^ k->uid);
	return (size_t)h;
}

static bool key_eq(const struct cum_key *a, const struct cum_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static int cum_grow(struct cum_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct cum_entry *e = calloc(cap, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->e[i].used)
			continue;
		for (j = key_hash(&t->e[i].key) & (cap - 1); e[j].used; j = (j + 1) & (cap - 1))
			;
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
	return 0;
}

struct cum_entry *cum_find(const struct cum_table *t, const struct cum_key *k)
{
	if (!t->cap)
		return NULL;
	for (size_t i = key_hash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->e[i].used)
			return NULL;
		if (key_eq(&t->e[i].key, k))
			return &t->e[i];
	}
}

struct cum_entry *cum_get(struct cum_table *t, const struct cum_key *k)
{
	struct cum_entry *e = cum_find(t, k);
	size_t i;

	if (e)
		return e;
	/* At most half full: probes stay short. */
	if ((t->n + 1) * 2 > t->cap && cum_grow(t) < 0)
		return NULL;
	for (i = key_hash(k) & (t->cap - 1); t->e[i].used; i = (i + 1) & (t->cap - 1))
		;
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].key = *k;
	t->e[i].used = true;
	t->n++;
	return &t->e[i];
}

/* Remove slot i and shift later entries of its probe run back (Knuth's algorithm R). */
static void cum_delete(struct cum_table *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;

	t->e[i].used = false;
	t->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->e[j].used)
			return;
		home = key_hash(&t->e[j].key) & mask;
		/* Move e[j] into the hole unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->e[i] = t->e[j];
		t->e[j].used = false;
		i = j;
	}
}

size_t cum_prune(struct cum_table *t, bool (*expired)(const struct cum_entry *e, void *ctx),
		 void *ctx)
{
	size_t removed = 0;

	for (size_t i = 0; i < t->cap;) {
		/* A deletion may shift the next entry into slot i: look at it again. */
		if (t->e[i].used && expired(&t->e[i], ctx)) {
			cum_delete(t, i);
			removed++;
			continue;
		}
		i++;
	}
	return removed;
}

void cum_done(struct cum_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static size_t str_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (size_t)mix64(h);
}

static int strtab_rehash(struct strtab *t, size_t nslots)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t id = 1; id < t->n; id++) {
		size_t i = str_hash(t->str[id], strlen(t->str[id])) & (nslots - 1);

		while (slot[i])
			i = (i + 1) & (nslots - 1);
		slot[i] = (uint32_t)id + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslots = nslots;
	return 0;
}

int64_t strtab_intern(struct strtab *t, const char *s, size_t len)
{
	size_t i;
	char *copy;

	if (len == 0)
		return 0;
	if (t->n == 0) {
		/* Slot 0 stands for "". */
		t->str = calloc(16, sizeof(*t->str));
		if (!t->str)
			return -ENOMEM;
		t->cap = 16;
		t->n = 1;
	}
	if (t->nslots && t->n < UINT32_MAX) {
		for (i = str_hash(s, len) & (t->nslots - 1); t->slot[i]; i = (i + 1) & (t->nslots - 1)) {
			const char *c = t->str[t->slot[i] - 1];

			if (strncmp(c, s, len) == 0 && c[len] == '\0')
				return t->slot[i] - 1;
		}
	}
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((t->n + 1) * 2 > t->nslots && strtab_rehash(t, t->nslots ? t->nslots * 2 : 64) < 0)
		return -ENOMEM;
	if (t->n == t->cap) {
		char **v = realloc(t->str, t->cap * 2 * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->str = v;
		t->cap *= 2;
	}
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	t->str[t->n] = copy;
	for (i = str_hash(s, len) & (t->nslots - 1); t->slot[i]; i = (i + 1) & (t->nslots - 1))
		;
	t->slot[i] = (uint32_t)t->n + 1;
	return (int64_t)t->n++;
}

const char *strtab_str(const struct strtab *t, uint64_t id)
{
	if (id == 0 || id >= t->n)
		return "";
	return t->str[id];
}

void strtab_done(struct strtab *t)
{
	for (size_t i = 1; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
