/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-percpu.c - an interval's energy laid out per CPU (percpu.h): exact ledgers per CPU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "percpu.h"

static void test_apportion_exact(void **state)
{
	uint64_t w[3] = { 1, 1, 1 }, out[3];

	(void)state;
	/* 10 over three equal weights: 4 3 3, the extra unit to the lowest index. */
	assert_int_equal(percpu_apportion(10, w, 3, out), 0);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 3);
	/* Largest remainder wins: 7 × (1, 2, 4) / 7 is exact. */
	w[0] = 1, w[1] = 2, w[2] = 4;
	assert_int_equal(percpu_apportion(7, w, 3, out), 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 4);
	/* 10 × (1, 2, 4) / 7 = 1.43, 2.86, 5.71: floors 1 2 5, the unit to 2.86. */
	assert_int_equal(percpu_apportion(10, w, 3, out), 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 6 - 0);
	assert_int_equal(out[0] + out[1] + out[2], 10);
	/* All weights 0: evenly. */
	memset(w, 0, sizeof(w));
	assert_int_equal(percpu_apportion(5, w, 3, out), 0);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 1);
	/* Counters beyond 2^53 stay exact (no doubles). */
	w[0] = UINT64_MAX, w[1] = UINT64_MAX, w[2] = 0;
	assert_int_equal(percpu_apportion(UINT64_MAX, w, 3, out), 0);
	assert_true(out[0] + out[1] == UINT64_MAX && out[2] == 0);
	assert_int_equal(out[0], UINT64_MAX / 2 + 1);
}

/* Random weights, many CPUs (past the stack buffer): Σ is the total, each within 1 of exact. */
static void test_apportion_random(void **state)
{
	enum { N = 300 };
	uint64_t w[N], out[N], sum, wsum;

	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		uint64_t total = (uint64_t)rand() * (uint64_t)rand();

		wsum = 0;
		for (int i = 0; i < N; i++) {
			w[i] = (uint64_t)(rand() % 5 == 0 ? 0 : rand());
			wsum += w[i];
		}
		assert_int_equal(percpu_apportion(total, w, N, out), 0);
		sum = 0;
		for (int i = 0; i < N; i++) {
			long double exact = (long double)total * w[i] / (wsum ? wsum : 1);

			sum += out[i];
			assert_true((long double)out[i] >= exact - 1 && (long double)out[i] <= exact + 1);
		}
		assert_true(sum == total);
	}
}

/*
 * Seed 004's case: psys over 2 CPUs, separate idle. CPU 0: a 50 % of a 1 s
 * interval; CPU 1: b 100 %. The host's 4 J: a 1 J, b 2 J, idle 1 J (CPU 0's
 * half). Each CPU gets half the host's energy, as E(cpu) × t / T says.
 */
static void test_split_seed(void **state)
{
	struct percpu_slot sa[] = { { 0, 500000000, 0 } }, sb[] = { { 1, 1000000000, 0 } };
	struct percpu_item items[] = { { 1000000, sa, 1 }, { 2000000, sb, 1 } };
	uint64_t idle[] = { 500000000, 0 };
	struct percpu_in in = { .ncpus = 2, .idle_ns = idle, .idle_uj = 1000000, .items = items,
				.nitems = 2 };
	struct percpu_cpu c[2];

	(void)state;
	assert_int_equal(percpu_split(&in, c), 0);
	assert_int_equal(sa[0].uj, 1000000);
	assert_int_equal(sb[0].uj, 2000000);
	assert_int_equal(c[0].busy_ns, 500000000);
	assert_int_equal(c[0].tasks_uj, 1000000);
	assert_int_equal(c[0].idle_uj, 1000000);
	assert_int_equal(c[0].energy_uj, 2000000);
	assert_int_equal(c[1].energy_uj, 2000000);
	assert_int_equal(c[1].idle_uj, 0);
}

/*
 * A process over several CPUs and threads (CPU 1 twice), unattributed time,
 * an item with energy but no time: every part adds up exactly, per item
 * and over the CPUs.
 */
static void test_split_ledgers(void **state)
{
	struct percpu_slot s0[] = { { 0, 3, 0 }, { 1, 3, 0 }, { 1, 1, 0 }, { 2, 0, 0 } };
	struct percpu_slot s1[] = { { 2, 10, 0 } };
	struct percpu_item items[] = { { 1001, s0, 4 }, { 77, s1, 1 }, { 10, NULL, 0 } };
	uint64_t idle[] = { 7, 6, 0 }, lost[] = { 0, 0, 5 }, irq[] = { 1, 0, 0 };
	struct percpu_in in = { .ncpus = 3, .idle_ns = idle, .lost_ns = lost, .irq_ns = irq,
				.idle_uj = 13, .unattributed_uj = 601, .items = items, .nitems = 3 };
	struct percpu_cpu c[3];
	uint64_t tasks = 0, all = 0, s0sum = 0;

	(void)state;
	assert_int_equal(percpu_split(&in, c), 0);
	for (size_t k = 0; k < 4; k++)
		s0sum += s0[k].uj;
	assert_int_equal(s0sum, 1001);
	assert_int_equal(s0[3].uj, 0);		/* no time there, no energy */
	assert_int_equal(s1[0].uj, 77);
	assert_int_equal(c[1].busy_ns, 4);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(c[k].energy_uj, c[k].tasks_uj + c[k].idle_uj + c[k].unattributed_uj);
		tasks += c[k].tasks_uj;
		all += c[k].energy_uj;
	}
	assert_int_equal(tasks, 1001 + 77 + 10);
	assert_int_equal(all, 1001 + 77 + 10 + 13 + 601);
	/* Unattributed by lost + irq time: 1 ns on CPU 0, 5 on CPU 2. */
	assert_int_equal(c[0].unattributed_uj, 100);
	assert_int_equal(c[1].unattributed_uj, 0);
	assert_int_equal(c[2].unattributed_uj, 501);
	assert_int_equal(c[2].idle_uj, 0);
}

static void test_split_refuses_bad_cpu(void **state)
{
	struct percpu_slot s[] = { { 4, 1, 0 } };
	struct percpu_item it = { 1, s, 1 };
	struct percpu_in in = { .ncpus = 4, .items = &it, .nitems = 1 };
	struct percpu_cpu c[4];

	(void)state;
	assert_int_equal(percpu_split(&in, c), -EINVAL);
	in.ncpus = 0;
	assert_int_equal(percpu_split(&in, c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apportion_exact),
		cmocka_unit_test(test_apportion_random),
		cmocka_unit_test(test_split_seed),
		cmocka_unit_test(test_split_ledgers),
		cmocka_unit_test(test_split_refuses_bad_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
