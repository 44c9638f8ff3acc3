/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-conntab.c - the HTTP server's connection table: whole-request and
 * response deadlines, the per-address and whole-table limits, which
 * connection a newcomer displaces (the oldest unfinished request, never a
 * scraper's fresh one), and slots held until the server reports them closed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conntab.h"

#define S 1000000000ULL

static struct conntab *table(size_t capacity, size_t max_live, size_t per_addr)
{
	struct conntab_opts o = { .capacity = capacity, .max_live = max_live,
				  .max_per_addr = per_addr, .request_ns = 10 * S,
				  .response_ns = 60 * S };
	struct conntab *t = NULL;

	assert_int_equal(conntab_new(&o, &t), 0);
	assert_non_null(t);
	return t;
}

/* The address ::ffff:127.0.0.N. */
static const uint8_t *addr(unsigned n)
{
	static uint8_t a[8][CONNTAB_ADDR_LEN];
	uint8_t *k = a[n % 8];

	memset(k, 0, CONNTAB_ADDR_LEN);
	k[10] = k[11] = 0xff;
	k[12] = 127;
	k[15] = (uint8_t)n;
	return k;
}

static int open_at(struct conntab *t, unsigned a, int handle, uint64_t now, int *victim)
{
	int slot = conntab_open(t, addr(a), handle, now, victim);

	assert_true(slot >= 0);
	assert_int_equal(conntab_handle(t, slot), handle);
	return slot;
}

static void test_bad_options(void **state)
{
	struct conntab_opts ok = { 8, 4, 2, S, S };
	struct conntab_opts o;
	struct conntab *t = (struct conntab *)0x1;

	o = ok;
	o.capacity = 0;
	assert_int_equal(conntab_new(&o, &t), -EINVAL);
	o = ok;
	o.max_live = 9; /* above capacity */
	assert_int_equal(conntab_new(&o, &t), -EINVAL);
	o = ok;
	o.max_per_addr = 5; /* above max_live */
	assert_int_equal(conntab_new(&o, &t), -EINVAL);
	o = ok;
	o.request_ns = 0;
	assert_int_equal(conntab_new(&o, &t), -EINVAL);
	o = ok;
	o.response_ns = 0;
	assert_int_equal(conntab_new(&o, &t), -EINVAL);
	assert_int_equal(conntab_new(NULL, &t), -EINVAL);
	assert_ptr_equal(t, (struct conntab *)0x1); /* untouched on error */
	assert_null(conntab_free(NULL));
}

static void test_under_the_limits_nobody_is_closed(void **state)
{
	struct conntab *t = table(16, 8, 4);
	int v = 42;

	for (int i = 0; i < 8; i++) {
		open_at(t, (unsigned)i % 2, 100 + i, (uint64_t)i * S / 10, &v);
		assert_int_equal(v, -1);
	}
	assert_int_equal(conntab_live(t, NULL), 8);
	assert_int_equal(conntab_live(t, addr(0)), 4);
	assert_int_equal(conntab_live(t, addr(1)), 4);
	conntab_free(t);
}

static void test_per_address_limit_closes_that_address_oldest(void **state)
{
	struct conntab *t = table(16, 8, 3);
	int s[4], v;

	s[0] = open_at(t, 1, 10, 1 * S, &v);
	open_at(t, 2, 20, 2 * S, &v); /* another address, older than most */
	s[1] = open_at(t, 1, 11, 3 * S, &v);
	s[2] = open_at(t, 1, 12, 4 * S, &v);
	assert_int_equal(v, -1);
	s[3] = open_at(t, 1, 13, 5 * S, &v);
	assert_int_equal(v, s[0]); /* its own oldest, not address 2's */
	assert_int_equal(conntab_phase(t, s[0]), CONNTAB_CLOSING);
	assert_int_equal(conntab_handle(t, v), 10); /* the socket to shut down */
	assert_int_equal(conntab_live(t, addr(1)), 3);
	assert_int_equal(conntab_live(t, addr(2)), 1);
	assert_int_equal(conntab_phase(t, s[3]), CONNTAB_WAITING);
	conntab_free(t);
}

static void test_table_limit_closes_the_oldest_waiting(void **state)
{
	struct conntab *t = table(16, 4, 4);
	int s[5], v;

	for (int i = 0; i < 4; i++)
		s[i] = open_at(t, (unsigned)i, 10 + i, (uint64_t)(i + 1) * S, &v);
	/* The oldest is answering: the oldest waiting one goes instead. */
	conntab_request(t, s[0], 5 * S);
	s[4] = open_at(t, 5, 14, 6 * S, &v);
	assert_int_equal(v, s[1]);
	assert_int_equal(conntab_phase(t, s[0]), CONNTAB_ANSWERING);
	assert_int_equal(conntab_live(t, NULL), 4);
	conntab_free(t);
}

static void test_all_answering_the_oldest_goes(void **state)
{
	struct conntab *t = table(8, 2, 2);
	int a, b, v;

	a = open_at(t, 1, 1, 1 * S, &v);
	b = open_at(t, 1, 2, 2 * S, &v);
	conntab_request(t, b, 3 * S);
	conntab_request(t, a, 4 * S); /* a answers since later: b is the older answer */
	open_at(t, 1, 3, 5 * S, &v);
	assert_int_equal(v, b);
	conntab_free(t);
}

/*
 * A local user holds every slot with requests that never end, from the
 * scraper's own address, and keeps opening more. The scraper's connection,
 * once its request arrived, is never the one displaced; and a newcomer
 * always finds a slot.
 */
static void test_scraper_survives_attackers_on_its_address(void **state)
{
	struct conntab *t = table(32, 16, 8);
	uint64_t now = 0;
	int v, scraper;

	for (int i = 0; i < 100; i++) {
		int s = open_at(t, 1, 1000 + i, now += 1000, &v);

		if (v >= 0)
			conntab_close(t, v); /* the server closes it */
		(void)s;
	}
	assert_int_equal(conntab_live(t, addr(1)), 8);
	scraper = open_at(t, 1, 7, now += 1000, &v);
	assert_true(v >= 0);
	conntab_close(t, v);
	conntab_request(t, scraper, now += 1000);
	for (int i = 0; i < 1000; i++) {
		open_at(t, 1, 2000 + i, now += 1000, &v);
		assert_true(v >= 0);
		assert_int_not_equal(v, scraper);
		conntab_close(t, v);
	}
	assert_int_equal(conntab_phase(t, scraper), CONNTAB_ANSWERING);
	/* Even a scraper still sending its request outlives the older trickles. */
	conntab_done(t, scraper, now += 1000);
	for (int i = 0; i < 6; i++) {
		open_at(t, 1, 3000 + i, now += 1000, &v);
		assert_int_not_equal(v, scraper);
		conntab_close(t, v);
	}
	conntab_free(t);
}

static void test_closing_slots_count_nowhere_until_closed(void **state)
{
	struct conntab *t = table(3, 2, 2);
	int a, b, c, v;

	a = open_at(t, 1, 1, 1, &v);
	b = open_at(t, 1, 2, 2, &v);
	c = open_at(t, 1, 3, 3, &v);
	assert_int_equal(v, a);
	assert_int_equal(conntab_live(t, NULL), 2);
	/* a is CLOSING but not closed: its slot is held, so the table is full. */
	assert_int_equal(conntab_open(t, addr(1), 4, 4, &v), -ENOSPC);
	assert_int_equal(v, a); /* untouched on error */
	/* Requests and responses on a closing slot change nothing. */
	conntab_request(t, a, 5);
	assert_int_equal(conntab_phase(t, a), CONNTAB_CLOSING);
	conntab_close(t, a);
	assert_int_equal(conntab_phase(t, a), CONNTAB_FREE);
	assert_int_equal(conntab_handle(t, a), -1);
	assert_true(open_at(t, 1, 4, 6, &v) == a);
	assert_int_equal(v, b);
	(void)c;
	/* Out-of-range slots are ignored. */
	conntab_close(t, -1);
	conntab_close(t, 3);
	conntab_request(t, 99, 0);
	assert_int_equal(conntab_phase(t, 99), CONNTAB_FREE);
	conntab_free(t);
}

static void test_deadlines(void **state)
{
	struct conntab *t = table(8, 8, 8);
	int a, b, c, v, out[8];

	assert_int_equal(conntab_next_deadline(t), UINT64_MAX);
	a = open_at(t, 1, 1, 0, &v);		/* trickles its request: deadline 10 s */
	b = open_at(t, 1, 2, 1 * S, &v);	/* asks at 2 s, a slow reader: 2 + 60 s */
	c = open_at(t, 1, 3, 2 * S, &v);	/* asks, is answered, kept alive */
	conntab_request(t, b, 2 * S);
	conntab_request(t, c, 3 * S);
	conntab_done(t, c, 4 * S);		/* waits for its next request: 14 s */
	assert_int_equal(conntab_next_deadline(t), 10 * S);
	assert_int_equal(conntab_expired(t, 10 * S - 1, out, 8), 0);
	assert_int_equal(conntab_expired(t, 10 * S, out, 8), 1);
	assert_int_equal(out[0], a);
	assert_int_equal(conntab_phase(t, a), CONNTAB_CLOSING);
	assert_int_equal(conntab_expired(t, 10 * S, out, 8), 0); /* named once */
	assert_int_equal(conntab_next_deadline(t), 14 * S);
	assert_int_equal(conntab_expired(t, 14 * S, out, 8), 1);
	assert_int_equal(out[0], c);
	assert_int_equal(conntab_next_deadline(t), 62 * S);
	assert_int_equal(conntab_expired(t, 61 * S, out, 8), 0);
	assert_int_equal(conntab_expired(t, 62 * S, out, 8), 1);
	assert_int_equal(out[0], b);
	assert_int_equal(conntab_next_deadline(t), UINT64_MAX);
	conntab_free(t);
}

/*
 * A stream lives as long as its client takes what it is sent: each
 * progress moves its deadline, however long the response has lasted; a
 * client that stops reading is closed response_ns after the last progress.
 */
static void test_stream_lives_while_it_progresses(void **state)
{
	struct conntab *t = table(8, 8, 8);
	int a, b, v, out[8];

	a = open_at(t, 1, 1, 0, &v);
	b = open_at(t, 1, 2, 0, &v);
	conntab_request(t, a, 1 * S);
	conntab_request(t, b, 1 * S);
	conntab_stream(t, a, 1 * S);
	conntab_stream(t, b, 1 * S);
	assert_int_equal(conntab_phase(t, a), CONNTAB_STREAMING);
	assert_int_equal(conntab_live(t, NULL), 2);
	/* a's client reads: a piece every 15 s for an hour */
	for (uint64_t now = 16 * S; now <= 3600 * S; now += 15 * S) {
		conntab_progress(t, a, now);
		if (now < 61 * S)
			conntab_progress(t, b, now); /* b's client stops reading at 46 s */
		assert_int_equal(conntab_expired(t, now, out, 8), now >= 106 * S && now < 121 * S);
		if (now >= 106 * S && now < 121 * S)
			assert_int_equal(out[0], b);
	}
	assert_int_equal(conntab_phase(t, a), CONNTAB_STREAMING);
	assert_int_equal(conntab_phase(t, b), CONNTAB_CLOSING);
	assert_int_equal(conntab_next_deadline(t), 3586 * S + 60 * S);
	/* Progress never goes backwards, and only a stream makes any. */
	conntab_progress(t, a, 10 * S);
	assert_int_equal(conntab_next_deadline(t), 3646 * S);
	conntab_free(t);
}

/* Past the table's limit, a stream gives way after every request still arriving or answered. */
static void test_streams_give_way_last(void **state)
{
	struct conntab *t = table(8, 3, 3);
	int s, a, w, v;

	s = open_at(t, 1, 1, 0, &v);
	conntab_request(t, s, 0);
	conntab_stream(t, s, 0);		/* the oldest of all */
	a = open_at(t, 1, 2, 1 * S, &v);
	conntab_request(t, a, 2 * S);
	w = open_at(t, 1, 3, 3 * S, &v);
	open_at(t, 1, 4, 4 * S, &v);
	assert_int_equal(v, w);
	open_at(t, 1, 5, 5 * S, &v);		/* 4 is waiting now: it goes */
	assert_true(v != s && v != a);
	conntab_stream(t, w, 6 * S);		/* CLOSING stays CLOSING */
	assert_int_equal(conntab_phase(t, w), CONNTAB_CLOSING);
	conntab_free(t);
}

static void test_expired_in_batches(void **state)
{
	struct conntab *t = table(8, 8, 8);
	int v, out[3];

	for (int i = 0; i < 7; i++)
		open_at(t, 1, i, 0, &v);
	assert_int_equal(conntab_expired(t, 10 * S, out, 3), 3);
	assert_int_equal(conntab_expired(t, 10 * S, out, 3), 3);
	assert_int_equal(conntab_expired(t, 10 * S, out, 3), 1);
	assert_int_equal(conntab_expired(t, 10 * S, out, 3), 0);
	assert_int_equal(conntab_live(t, NULL), 0);
	conntab_free(t);
}

static void test_deadline_does_not_overflow(void **state)
{
	struct conntab *t = table(2, 2, 2);
	int v, out[2];

	open_at(t, 1, 1, UINT64_MAX - 5, &v);
	assert_int_equal(conntab_next_deadline(t), UINT64_MAX);
	assert_int_equal(conntab_expired(t, UINT64_MAX - 1, out, 2), 0);
	conntab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_under_the_limits_nobody_is_closed),
		cmocka_unit_test(test_per_address_limit_closes_that_address_oldest),
		cmocka_unit_test(test_table_limit_closes_the_oldest_waiting),
		cmocka_unit_test(test_all_answering_the_oldest_goes),
		cmocka_unit_test(test_scraper_survives_attackers_on_its_address),
		cmocka_unit_test(test_closing_slots_count_nowhere_until_closed),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_stream_lives_while_it_progresses),
		cmocka_unit_test(test_streams_give_way_last),
		cmocka_unit_test(test_expired_in_batches),
		cmocka_unit_test(test_deadline_does_not_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
