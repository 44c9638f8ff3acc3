/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-counter.c - unwrapping counters and integrating power: never negative, never lost. */
#include "testutil.h"

#include <string.h>

#include "counter.h"
#include "util.h"

/* A RAPL package counter: 32 bits of 61 µJ units, the usual max_energy_range_uj. */
#define RANGE_UJ 262143328850ULL

static void test_first_reading_gives_no_energy(void **state)
{
	struct counter c = { .max_range_uj = RANGE_UJ };
	uint64_t d = 99;

	assert_int_equal(counter_update(&c, 1000, 1 * NSEC_PER_SEC, &d), COUNTER_FIRST);
	assert_int_equal(d, 0);
	assert_int_equal(c.total_uj, 0);
}

static void test_forward_steps_add_up(void **state)
{
	struct counter c = { .max_range_uj = RANGE_UJ };
	uint64_t d;

	counter_update(&c, 1000, NSEC_PER_SEC, &d);
	assert_int_equal(counter_update(&c, 51000, 2 * NSEC_PER_SEC, &d), COUNTER_OK);
	assert_int_equal(d, 50000);
	assert_int_equal(counter_update(&c, 51000, 3 * NSEC_PER_SEC, &d), COUNTER_OK);
	assert_int_equal(d, 0);
	assert_int_equal(c.total_uj, 50000);
}

static void test_one_wrap_is_exact(void **state)
{
	struct counter c = { .max_range_uj = RANGE_UJ, .max_power_uw = 200000000 /* 200 W */ };
	uint64_t d;

	counter_update(&c, RANGE_UJ - 30000000, 0, &d);
	/* 30 J to the top, 20 J past zero: 50 J in one second at 200 W max. */
	assert_int_equal(counter_update(&c, 20000000, NSEC_PER_SEC, &d), COUNTER_WRAPPED);
	assert_int_equal(d, 50000000);
	assert_int_equal(c.wraps, 1);
	assert_int_equal(c.total_uj, 50000000);
}

static void test_many_wraps_with_reads_between_are_exact(void **state)
{
	/* A tiny range (1 J) so that a steady 0.6 W wraps every few readings. */
	struct counter c = { .max_range_uj = 1000000, .max_power_uw = 1000000 };
	uint64_t raw = 0, t = 0, expect = 0, d;

	counter_update(&c, raw, t, &d);
	for (int i = 0; i < 1000; i++) {
		t += NSEC_PER_SEC / 2;
		raw = (raw + 300000) % 1000000; /* 0.3 J per half second */
		expect += 300000;
		assert_true(counter_update(&c, raw, t, &d) >= 0);
		assert_int_equal(d, 300000);
	}
	assert_int_equal(c.total_uj, expect);
	assert_int_equal(c.wraps, 300); /* 300 J / 1 J range */
	assert_int_equal(c.errors, 0);
}

static void test_possible_double_wrap_is_refused(void **state)
{
	/* 1 J range at 1 W worst case: one second is enough for a full wrap. */
	struct counter c = { .max_range_uj = 1000000, .max_power_uw = 1000000 };
	uint64_t d;

	counter_update(&c, 100, 0, &d);
	d = 7;
	assert_int_equal(counter_update(&c, 500, 2 * NSEC_PER_SEC, &d), -EAGAIN);
	assert_int_equal(d, 7); /* untouched on error */
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.total_uj, 0);
	/* The refused reading became the new baseline: the next one counts again. */
	assert_int_equal(counter_update(&c, 600, 2 * NSEC_PER_SEC + NSEC_PER_SEC / 10, &d),
			 COUNTER_OK);
	assert_int_equal(d, 100);
	assert_true(counter_max_interval_ns(&c) <= NSEC_PER_SEC);
}

static void test_backwards_without_plausible_wrap_is_an_error(void **state)
{
	struct counter c = { .max_range_uj = RANGE_UJ, .max_power_uw = 100000000 };
	uint64_t d;

	counter_update(&c, 5000000000ULL, 0, &d);
	/* Went back by 1 J in 0.1 s: a wrap would mean ~262 kJ in 0.1 s. */
	assert_int_equal(counter_update(&c, 4999000000ULL, NSEC_PER_SEC / 10, &d), -EILSEQ);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.total_uj, 0);
	assert_int_equal(counter_update(&c, 4999500000ULL, NSEC_PER_SEC / 5, &d), COUNTER_OK);
	assert_int_equal(d, 500000);
}

static void test_non_wrapping_counter_backwards(void **state)
{
	struct counter c = { 0 };
	uint64_t d;

	counter_update(&c, 100, 0, &d);
	assert_int_equal(counter_update(&c, 99, 1, &d), -EILSEQ);
	assert_int_equal(c.total_uj, 0);
}

static void test_value_above_range_refused(void **state)
{
	struct counter c = { .max_range_uj = 1000 };
	uint64_t d;

	assert_int_equal(counter_update(&c, 1001, 0, &d), -ERANGE);
	assert_int_equal(c.errors, 1);
	assert_false(c.primed);
}

static void test_time_backwards_refused(void **state)
{
	struct counter c = { .max_range_uj = RANGE_UJ };
	uint64_t d;

	counter_update(&c, 100, 10, &d);
	assert_int_equal(counter_update(&c, 200, 5, &d), -EINVAL);
	assert_int_equal(c.total_uj, 0);
}

static void test_integrator_trapezoid_and_remainder(void **state)
{
	struct integrator it = { 0 };
	uint64_t d, sum = 0;

	assert_int_equal(integrator_update(&it, 10000000 /* 10 W */, 0, &d), COUNTER_FIRST);
	assert_int_equal(d, 0);
	/* 10 W → 20 W over 2 s: 30 J. */
	assert_int_equal(integrator_update(&it, 20000000, 2 * NSEC_PER_SEC, &d), COUNTER_OK);
	assert_int_equal(d, 30000000);
	/* 1 µW for 1000 steps of 1 ms: 1 µJ in total, made of sub-µJ pieces. */
	it = (struct integrator){ 0 };
	integrator_update(&it, 1, 0, &d);
	for (int i = 1; i <= 1000000; i++) {
		integrator_update(&it, 1, (uint64_t)i * 1000, &d);
		sum += d;
	}
	assert_int_equal(sum, 1);
	assert_int_equal(it.total_uj, 1);
}

static void test_integrator_time_backwards(void **state)
{
	struct integrator it = { 0 };
	uint64_t d;

	integrator_update(&it, 5, 100, &d);
	assert_int_equal(integrator_update(&it, 5, 50, &d), -EINVAL);
	assert_int_equal(it.total_uj, 0);
}

static void test_strerror_words_only_its_own_refusals(void **state)
{
	assert_non_null(strstr(counter_strerror(-EAGAIN), "wrapped more than once"));
	assert_non_null(strstr(counter_strerror(-EILSEQ), "went backwards"));
	/* Parsers return these too: the caller must word them. */
	assert_null(counter_strerror(-EINVAL));
	assert_null(counter_strerror(-ERANGE));
	assert_null(counter_strerror(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_reading_gives_no_energy),
		cmocka_unit_test(test_forward_steps_add_up),
		cmocka_unit_test(test_one_wrap_is_exact),
		cmocka_unit_test(test_many_wraps_with_reads_between_are_exact),
		cmocka_unit_test(test_possible_double_wrap_is_refused),
		cmocka_unit_test(test_backwards_without_plausible_wrap_is_an_error),
		cmocka_unit_test(test_non_wrapping_counter_backwards),
		cmocka_unit_test(test_value_above_range_refused),
		cmocka_unit_test(test_time_backwards_refused),
		cmocka_unit_test(test_integrator_trapezoid_and_remainder),
		cmocka_unit_test(test_integrator_time_backwards),
		cmocka_unit_test(test_strerror_words_only_its_own_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
