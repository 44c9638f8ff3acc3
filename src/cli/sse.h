/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * sse.h - the server-sent events of serve's live page (GET /api/v1/stream):
 * what each stream sends next, from a ring of the last intervals.
 *
 * Every interval the sampling loop publishes two events, rendered once for
 * every stream: its point (what a chart needs) and the whole snapshot. The
 * ring keeps the points of the last `capacity` intervals and the latest
 * snapshot. A stream is a cursor: the sequence number of the last interval
 * it sent. Its next event is
 *
 * - nothing, when it has sent the latest interval;
 * - the snapshot, when the latest is the next interval after its cursor;
 * - else the point of the interval after its cursor (or of the oldest the
 *   ring still holds, when it fell further behind): a new stream (cursor 0)
 *   first gets the ring's history, point by point, then the latest
 *   snapshot; a stream whose client reads slowly gets every point it
 *   missed that is still held, and only the newest snapshot.
 *
 * So a stream holds no bytes of its own beyond the event it is writing: a
 * reference to an event of the ring. What a slow client can make the
 * server keep is bounded by the ring, whatever the number of streams.
 *
 * Pure: no I/O, no clock. Not thread-safe: the caller locks. Events are
 * reference-counted (atomically), so a stream may keep writing one the
 * ring has dropped.
 */
#ifndef JOULESTAT_SSE_H
#define JOULESTAT_SSE_H

#include <stddef.h>
#include <stdint.h>

/* One event as sent: "event: NAME\nid: SEQ\ndata: JSON\n\n". Immutable once made. */
struct sse_event {
	int refs;
	uint64_t seq;
	size_t len;
	char text[];
};

/*
 * An event named `name` for interval `seq`, with `data` (one line: no CR or
 * LF) as its data. NULL on ENOMEM or a line break in data (-EINVAL: it
 * would end the event early).
 */
struct sse_event *sse_event_new(const char *name, uint64_t seq, const char *data, size_t len);
struct sse_event *sse_event_ref(struct sse_event *e);
/* NULL-safe. */
void sse_event_unref(struct sse_event *e);

struct sse_ring;

/* -EINVAL for capacity 0; -ENOMEM. */
int sse_ring_new(size_t capacity, struct sse_ring **ret);
/* NULL-safe; returns NULL. */
struct sse_ring *sse_ring_free(struct sse_ring *r);

/*
 * Publish interval `point->seq`: its point and its snapshot (references
 * taken; the same seq, above the last one published). -EINVAL otherwise.
 */
int sse_ring_push(struct sse_ring *r, struct sse_event *point, struct sse_event *snapshot);

/*
 * The next event for a stream at *cursor (a reference for the caller), and
 * the cursor moved past it; NULL when the stream is up to date.
 */
struct sse_event *sse_ring_next(const struct sse_ring *r, uint64_t *cursor);

/* The latest interval published; 0 before the first. */
uint64_t sse_ring_latest(const struct sse_ring *r);

#endif
