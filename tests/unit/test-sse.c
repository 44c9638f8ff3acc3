/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-sse.c - the server-sent events of serve's live page: an event's
 * text, and what each stream sends next from the ring: a new stream the
 * history as points then the latest snapshot, an up-to-date stream
 * nothing, a stream that fell behind the points it missed that are still
 * held, and only the newest snapshot; events outlive the ring's reference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sse.h"

static void push(struct sse_ring *r, uint64_t seq)
{
	char data[32];
	struct sse_event *p, *s;

	snprintf(data, sizeof(data), "{\"seq\":%llu}", (unsigned long long)seq);
	p = sse_event_new("point", seq, data, strlen(data));
	s = sse_event_new("snapshot", seq, data, strlen(data));
	assert_non_null(p);
	assert_non_null(s);
	assert_int_equal(sse_ring_push(r, p, s), 0);
	sse_event_unref(p); /* the ring holds its own */
	sse_event_unref(s);
}

/* The next event's kind ('p' or 's') and seq; 0 when up to date. */
static char next(struct sse_ring *r, uint64_t *cursor, uint64_t *seq)
{
	struct sse_event *e = sse_ring_next(r, cursor);
	char kind;

	if (!e)
		return 0;
	kind = strncmp(e->text, "event: point\n", 13) == 0 ? 'p' : 's';
	*seq = e->seq;
	sse_event_unref(e);
	return kind;
}

static void test_event_text(void **state)
{
	struct sse_event *e = sse_event_new("snapshot", 42, "{\"a\":1}", 7);

	assert_non_null(e);
	assert_int_equal(e->len, strlen(e->text));
	assert_string_equal(e->text, "event: snapshot\nid: 42\ndata: {\"a\":1}\n\n");
	sse_event_unref(e);
	/* A line break in the data would end the event early; a bad name would forge a field. */
	assert_null(sse_event_new("point", 1, "{\n}", 3));
	assert_null(sse_event_new("point", 1, "{\r}", 3));
	assert_null(sse_event_new("po\nint", 1, "{}", 2));
	assert_null(sse_event_new("data:", 1, "{}", 2));
}

static void test_new_stream_gets_history_then_snapshot(void **state)
{
	struct sse_ring *r = NULL;
	uint64_t cursor = 0, seq = 0;

	assert_int_equal(sse_ring_new(5, &r), 0);
	assert_int_equal(next(r, &cursor, &seq), 0); /* nothing yet */
	for (uint64_t i = 1; i <= 8; i++)
		push(r, i);
	assert_int_equal(sse_ring_latest(r), 8);
	/* 5 points held (4..8): 4..7 as points, then 8 as the snapshot. */
	for (uint64_t want = 4; want <= 7; want++) {
		assert_int_equal(next(r, &cursor, &seq), 'p');
		assert_int_equal(seq, want);
	}
	assert_int_equal(next(r, &cursor, &seq), 's');
	assert_int_equal(seq, 8);
	assert_int_equal(next(r, &cursor, &seq), 0);
	push(r, 9);
	assert_int_equal(next(r, &cursor, &seq), 's');
	assert_int_equal(seq, 9);
	assert_int_equal(next(r, &cursor, &seq), 0);
	sse_ring_free(r);
}

static void test_slow_stream_gets_missed_points_and_newest_snapshot(void **state)
{
	struct sse_ring *r = NULL;
	uint64_t cursor = 3, seq = 0;

	assert_int_equal(sse_ring_new(4, &r), 0);
	for (uint64_t i = 1; i <= 5; i++)
		push(r, i);
	/* Held: 2..5. A stream at 3 gets point 4, then snapshot 5. */
	assert_int_equal(next(r, &cursor, &seq), 'p');
	assert_int_equal(seq, 4);
	assert_int_equal(next(r, &cursor, &seq), 's');
	assert_int_equal(seq, 5);
	/* Far behind: from the oldest held. */
	cursor = 1;
	for (uint64_t i = 6; i <= 20; i++)
		push(r, i);
	assert_int_equal(next(r, &cursor, &seq), 'p');
	assert_int_equal(seq, 17);
	/* Intervals need not be consecutive (a failed sample publishes none). */
	push(r, 25);
	cursor = 19;
	assert_int_equal(next(r, &cursor, &seq), 'p');
	assert_int_equal(seq, 20);
	assert_int_equal(next(r, &cursor, &seq), 's');
	assert_int_equal(seq, 25);
	sse_ring_free(r);
}

static void test_push_rules_and_lifetime(void **state)
{
	struct sse_ring *r = NULL;
	struct sse_event *p = sse_event_new("point", 3, "{}", 2), *s = sse_event_new("snapshot", 4, "{}", 2);
	struct sse_event *kept;
	uint64_t cursor = 0;

	assert_int_equal(sse_ring_new(0, &r), -EINVAL);
	assert_int_equal(sse_ring_new(2, &r), 0);
	assert_int_equal(sse_ring_push(r, p, s), -EINVAL); /* not the same interval */
	push(r, 5);
	s->seq = 3;
	assert_int_equal(sse_ring_push(r, p, s), -EINVAL); /* not later */
	kept = sse_ring_next(r, &cursor);		  /* a stream writing the snapshot */
	assert_non_null(kept);
	sse_ring_free(r);				  /* the ring goes; the event stays */
	assert_int_equal(kept->seq, 5);
	assert_non_null(strstr(kept->text, "{\"seq\":5}"));
	sse_event_unref(kept);
	sse_event_unref(p);
	sse_event_unref(s);
	assert_null(sse_ring_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_text),
		cmocka_unit_test(test_new_stream_gets_history_then_snapshot),
		cmocka_unit_test(test_slow_stream_gets_missed_points_and_newest_snapshot),
		cmocka_unit_test(test_push_rules_and_lifetime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
