/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* sse.c - server-sent events: the ring of the last intervals and each stream's next event (sse.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

struct sse_ring {
	size_t cap;
	size_t n;			/* points held, ≤ cap */
	size_t head;			/* the slot of the next point */
	struct sse_event **points;	/* [cap], points[(head - n + i) % cap] oldest first */
	struct sse_event *snapshot;	/* the latest */
};

struct sse_event *sse_event_new(const char *name, uint64_t seq, const char *data, size_t len)
{
	struct sse_event *e;
	size_t size;
	int n;

	if (memchr(data, '\n', len) || memchr(data, '\r', len) || strpbrk(name, "\r\n:"))
		return NULL;
	size = strlen(name) + len + 64;
	e = malloc(sizeof(*e) + size);
	if (!e)
		return NULL;
	n = snprintf(e->text, size, "event: %s\nid: %" PRIu64 "\ndata: ", name, seq);
	memcpy(e->text + n, data, len);
	memcpy(e->text + n + len, "\n\n", 3);
	e->len = (size_t)n + len + 2;
	e->refs = 1;
	e->seq = seq;
	return e;
}

struct sse_event *sse_event_ref(struct sse_event *e)
{
	if (e)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	return e;
}

void sse_event_unref(struct sse_event *e)
{
	if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(e);
}

int sse_ring_new(size_t capacity, struct sse_ring **ret)
{
	struct sse_ring *r;

	if (capacity == 0 || capacity > 1000000)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->points = calloc(capacity, sizeof(*r->points));
	if (!r->points) {
		free(r);
		return -ENOMEM;
	}
	r->cap = capacity;
	*ret = r;
	return 0;
}

struct sse_ring *sse_ring_free(struct sse_ring *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->cap; i++)
		sse_event_unref(r->points[i]);
	sse_event_unref(r->snapshot);
	free(r->points);
	free(r);
	return NULL;
}

uint64_t sse_ring_latest(const struct sse_ring *r)
{
	return r->snapshot ? r->snapshot->seq : 0;
}

int sse_ring_push(struct sse_ring *r, struct sse_event *point, struct sse_event *snapshot)
{
	if (!point || !snapshot || point->seq != snapshot->seq || point->seq <= sse_ring_latest(r))
		return -EINVAL;
	sse_event_unref(r->points[r->head]);
	r->points[r->head] = sse_event_ref(point);
	r->head = (r->head + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
	sse_event_unref(r->snapshot);
	r->snapshot = sse_event_ref(snapshot);
	return 0;
}

struct sse_event *sse_ring_next(const struct sse_ring *r, uint64_t *cursor)
{
	uint64_t latest = sse_ring_latest(r);

	if (*cursor >= latest)
		return NULL;
	/* The points: oldest first, each seq above the one before (not always +1). */
	for (size_t i = 0; i + 1 < r->n; i++) {
		const struct sse_event *p = r->points[(r->head + r->cap - r->n + i) % r->cap];

		if (p->seq > *cursor) {
			*cursor = p->seq;
			return sse_event_ref((struct sse_event *)p);
		}
	}
	*cursor = latest;
	return sse_event_ref(r->snapshot);
}
