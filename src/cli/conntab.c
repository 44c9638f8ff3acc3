/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* conntab.c - the HTTP server's connections and the ones to close (see conntab.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"

struct conn {
	enum conntab_phase phase;
	int handle;
	uint64_t since_ns;	/* start of the current phase */
	uint64_t seq;		/* order of phase starts: ties of since_ns */
	uint8_t addr[CONNTAB_ADDR_LEN];
};

struct conntab {
	struct conntab_opts o;
	uint64_t seq;
	struct conn c[];
};

int conntab_new(const struct conntab_opts *opts, struct conntab **ret)
{
	struct conntab *t;

	if (!opts || opts->capacity == 0 || opts->capacity > 1000000 || opts->max_live == 0 ||
	    opts->max_live > opts->capacity || opts->max_per_addr == 0 ||
	    opts->max_per_addr > opts->max_live || opts->request_ns == 0 || opts->response_ns == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t) + opts->capacity * sizeof(t->c[0]));
	if (!t)
		return -ENOMEM;
	t->o = *opts;
	for (size_t i = 0; i < opts->capacity; i++)
		t->c[i].handle = -1;
	*ret = t;
	return 0;
}

struct conntab *conntab_free(struct conntab *t)
{
	free(t);
	return NULL;
}

static bool live(const struct conn *c)
{
	return c->phase == CONNTAB_WAITING || c->phase == CONNTAB_ANSWERING ||
	       c->phase == CONNTAB_STREAMING;
}

/* The order in which phases give way: a request still trickling in first, a stream last. */
static int rank(enum conntab_phase p)
{
	return p == CONNTAB_WAITING ? 0 : p == CONNTAB_ANSWERING ? 1 : 2;
}

static bool valid(const struct conntab *t, int slot)
{
	return t && slot >= 0 && (size_t)slot < t->o.capacity;
}

/* Is a closed before b: WAITING, then ANSWERING, then STREAMING; then the older phase start. */
static bool before(const struct conn *a, const struct conn *b)
{
	if (a->phase != b->phase)
		return rank(a->phase) < rank(b->phase);
	if (a->since_ns != b->since_ns)
		return a->since_ns < b->since_ns;
	return a->seq < b->seq;
}

/* The first live connection to close, of `addr` (NULL: any); -1 with none. */
static int victim(const struct conntab *t, const uint8_t *addr)
{
	int v = -1;

	for (size_t i = 0; i < t->o.capacity; i++) {
		const struct conn *c = &t->c[i];

		if (!live(c) || (addr && memcmp(c->addr, addr, CONNTAB_ADDR_LEN) != 0))
			continue;
		if (v < 0 || before(c, &t->c[v]))
			v = (int)i;
	}
	return v;
}

size_t conntab_live(const struct conntab *t, const uint8_t addr[CONNTAB_ADDR_LEN])
{
	size_t n = 0;

	for (size_t i = 0; t && i < t->o.capacity; i++)
		if (live(&t->c[i]) && (!addr || memcmp(t->c[i].addr, addr, CONNTAB_ADDR_LEN) == 0))
			n++;
	return n;
}

int conntab_open(struct conntab *t, const uint8_t addr[CONNTAB_ADDR_LEN], int handle,
		 uint64_t now_ns, int *ret_victim)
{
	int slot = -1, v = -1;

	for (size_t i = 0; i < t->o.capacity && slot < 0; i++)
		if (t->c[i].phase == CONNTAB_FREE)
			slot = (int)i;
	if (slot < 0)
		return -ENOSPC;
	if (conntab_live(t, addr) >= t->o.max_per_addr)
		v = victim(t, addr);
	else if (conntab_live(t, NULL) >= t->o.max_live)
		v = victim(t, NULL);
	if (v >= 0)
		t->c[v].phase = CONNTAB_CLOSING;
	t->c[slot] = (struct conn){ .phase = CONNTAB_WAITING, .handle = handle, .since_ns = now_ns,
				    .seq = ++t->seq };
	memcpy(t->c[slot].addr, addr, CONNTAB_ADDR_LEN);
	*ret_victim = v;
	return slot;
}

static void enter(struct conntab *t, int slot, enum conntab_phase phase, uint64_t now_ns)
{
	struct conn *c;

	if (!valid(t, slot))
		return;
	c = &t->c[slot];
	if (!live(c))
		return;
	c->phase = phase;
	c->since_ns = now_ns;
	c->seq = ++t->seq;
}

void conntab_request(struct conntab *t, int slot, uint64_t now_ns)
{
	enter(t, slot, CONNTAB_ANSWERING, now_ns);
}

void conntab_stream(struct conntab *t, int slot, uint64_t now_ns)
{
	if (valid(t, slot) && t->c[slot].phase == CONNTAB_ANSWERING)
		enter(t, slot, CONNTAB_STREAMING, now_ns);
}

void conntab_progress(struct conntab *t, int slot, uint64_t now_ns)
{
	if (valid(t, slot) && t->c[slot].phase == CONNTAB_STREAMING && now_ns > t->c[slot].since_ns)
		t->c[slot].since_ns = now_ns;
}

void conntab_done(struct conntab *t, int slot, uint64_t now_ns)
{
	enter(t, slot, CONNTAB_WAITING, now_ns);
}

void conntab_close(struct conntab *t, int slot)
{
	if (valid(t, slot))
		t->c[slot] = (struct conn){ .phase = CONNTAB_FREE, .handle = -1 };
}

static uint64_t deadline(const struct conntab *t, const struct conn *c)
{
	uint64_t d = c->phase == CONNTAB_WAITING ? t->o.request_ns : t->o.response_ns;

	return c->since_ns > UINT64_MAX - d ? UINT64_MAX : c->since_ns + d;
}

size_t conntab_expired(struct conntab *t, uint64_t now_ns, int *slots, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->o.capacity && n < max; i++) {
		struct conn *c = &t->c[i];

		if (live(c) && now_ns >= deadline(t, c)) {
			c->phase = CONNTAB_CLOSING;
			slots[n++] = (int)i;
		}
	}
	return n;
}

uint64_t conntab_next_deadline(const struct conntab *t)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < t->o.capacity; i++) {
		uint64_t d;

		if (!live(&t->c[i]))
			continue;
		d = deadline(t, &t->c[i]);
		if (d < next)
			next = d;
	}
	return next;
}

int conntab_handle(const struct conntab *t, int slot)
{
	return valid(t, slot) ? t->c[slot].handle : -1;
}

enum conntab_phase conntab_phase(const struct conntab *t, int slot)
{
	return valid(t, slot) ? t->c[slot].phase : CONNTAB_FREE;
}
