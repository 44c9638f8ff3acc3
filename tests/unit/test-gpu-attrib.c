/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-gpu-attrib.c - GPU attribution (gpu.h) with values computed by hand:
 * idle row, idle power × interval capped at ΔE, the active rest split by
 * busy weight with exact µJ, one process alone, several with no activity,
 * saturated weights, idle power learnt only over long idle intervals.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "gpu.h"
#include "source.h"
#include "util.h"

#define P(pid_, busy_)                         \
	{                                      \
		.pid = (pid_), .busy = (busy_) \
	}

static void check_ledger(const struct gpu_ledger *l, const struct gpu_proc *p, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i].energy_uj;
	assert_int_equal(sum, l->procs_uj);
	assert_int_equal(l->delta_uj, l->procs_uj + l->idle_uj + l->unattributed_uj);
}

static void test_nothing_ran_is_all_idle(void **state)
{
	struct gpu_split_in in = {
	    .delta_uj = 5000000, .interval_ns = NSEC_PER_SEC, .idle_mw = 1000, .idle_known = true};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, NULL, 0, &l), 0);
	assert_int_equal(l.idle_uj, 5000000);
	assert_int_equal(l.procs_uj, 0);
	assert_int_equal(l.unattributed_uj, 0);
	assert_int_equal(l.status, GPU_SPLIT_IDLE);
	assert_int_equal(l.idle_basis, GPU_IDLE_ALL);
	assert_string_equal(gpu_split_status_name(l.status), "idle");
}

static void test_idle_power_then_split_by_busy(void **state)
{
	/* 300 J in 2 s with a 60 W idle: idle 120 J, active 180 J split 1:2:3. */
	struct gpu_split_in in = {.delta_uj = 300000000,
				  .interval_ns = 2 * NSEC_PER_SEC,
				  .idle_mw = 60000,
				  .idle_known = true};
	struct gpu_proc p[] = {P(300, 3), P(100, 1), P(200, 2)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 3, &l), 0);
	assert_int_equal(l.idle_uj, 120000000);
	assert_int_equal(l.idle_basis, GPU_IDLE_POWER);
	assert_int_equal(l.status, GPU_SPLIT_BUSY);
	/* Sorted by pid: the result does not depend on the driver's order. */
	assert_int_equal(p[0].pid, 100);
	assert_int_equal(p[0].energy_uj, 30000000);
	assert_int_equal(p[1].pid, 200);
	assert_int_equal(p[1].energy_uj, 60000000);
	assert_int_equal(p[2].pid, 300);
	assert_int_equal(p[2].energy_uj, 90000000);
	check_ledger(&l, p, 3);
}

static void test_rounding_is_exact(void **state)
{
	/* 10 µJ active over three equal weights: 3 each, the spare µJ to the lowest pid. */
	struct gpu_split_in in = {.delta_uj = 10, .interval_ns = NSEC_PER_SEC};
	struct gpu_proc p[] = {P(9, 7), P(5, 7), P(7, 7)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 3, &l), 0);
	assert_int_equal(l.idle_basis, GPU_IDLE_UNKNOWN);
	assert_int_equal(l.idle_uj, 0);
	assert_int_equal(p[0].pid, 5);
	assert_int_equal(p[0].energy_uj, 4);
	assert_int_equal(p[1].energy_uj, 3);
	assert_int_equal(p[2].energy_uj, 3);
	check_ledger(&l, p, 3);
}

static void test_idle_capped_at_delta(void **state)
{
	/* 100 W idle over 1 s is 100 J, but only 50 J were spent: all idle, nothing active. */
	struct gpu_split_in in = {.delta_uj = 50000000,
				  .interval_ns = NSEC_PER_SEC,
				  .idle_mw = 100000,
				  .idle_known = true};
	struct gpu_proc p[] = {P(1, 5), P(2, 5)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 2, &l), 0);
	assert_int_equal(l.idle_uj, 50000000);
	assert_int_equal(p[0].energy_uj + p[1].energy_uj, 0);
	check_ledger(&l, p, 2);
}

static void test_single_process_gets_active_share(void **state)
{
	/* 40 W idle over 0.5 s = 20 J; ΔE 70 J: the one process gets 50 J, sampled or not. */
	struct gpu_split_in in = {.delta_uj = 70000000,
				  .interval_ns = NSEC_PER_SEC / 2,
				  .idle_mw = 40000,
				  .idle_known = true};
	struct gpu_proc p[] = {P(42, 0)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 1, &l), 0);
	assert_int_equal(l.status, GPU_SPLIT_SINGLE);
	assert_int_equal(p[0].energy_uj, 50000000);
	assert_int_equal(l.idle_uj, 20000000);
	p[0].busy = 3;
	assert_int_equal(gpu_split(&in, p, 1, &l), 0);
	assert_int_equal(l.status, GPU_SPLIT_BUSY);
	assert_int_equal(p[0].energy_uj, 50000000);
	check_ledger(&l, p, 1);
}

static void test_several_without_activity_unattributed(void **state)
{
	struct gpu_split_in in = {.delta_uj = 70000000,
				  .interval_ns = NSEC_PER_SEC,
				  .idle_mw = 40000,
				  .idle_known = true};
	struct gpu_proc p[] = {P(1, 0), P(2, 0)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 2, &l), 0);
	assert_int_equal(l.status, GPU_SPLIT_NO_ACTIVITY);
	assert_string_equal(gpu_split_status_name(l.status), "no-activity");
	assert_int_equal(l.idle_uj, 40000000);
	assert_int_equal(l.unattributed_uj, 30000000);
	assert_int_equal(p[0].energy_uj + p[1].energy_uj, 0);
	check_ledger(&l, p, 2);
}

static void test_saturated_weights(void **state)
{
	struct gpu_split_in in = {.delta_uj = 1000001, .interval_ns = NSEC_PER_SEC};
	struct gpu_proc p[] = {P(1, UINT64_MAX), P(2, UINT64_MAX), P(3, 0)};
	struct gpu_ledger l;

	assert_int_equal(gpu_split(&in, p, 3, &l), 0);
	assert_int_equal(p[0].energy_uj, 500001);
	assert_int_equal(p[1].energy_uj, 500000);
	assert_int_equal(p[2].energy_uj, 0);
	check_ledger(&l, p, 3);
}

static void test_bad_arguments(void **state)
{
	struct gpu_split_in in = {.delta_uj = 1};
	struct gpu_ledger l = {.delta_uj = 77};

	assert_int_equal(gpu_split(NULL, NULL, 0, &l), -EINVAL);
	assert_int_equal(gpu_split(&in, NULL, 0, NULL), -EINVAL);
	assert_int_equal(gpu_split(&in, NULL, 2, &l), -EINVAL);
	assert_int_equal(l.delta_uj, 77);
}

static void test_idle_learning(void **state)
{
	struct gpu_idle idle = {0};

	/* Half a second: too short for NVML's ~100 ms counter steps, ignored. */
	gpu_idle_observe(&idle, 1, NSEC_PER_SEC / 2);
	assert_false(idle.known);
	/* 100 J over 2 s: 50 W. */
	gpu_idle_observe(&idle, 100000000, 2 * NSEC_PER_SEC);
	assert_true(idle.known);
	assert_int_equal(idle.mw, 50000);
	gpu_idle_observe(&idle, 60000000, NSEC_PER_SEC);
	assert_int_equal(idle.mw, 50000);
	gpu_idle_observe(&idle, 40000000, NSEC_PER_SEC);
	assert_int_equal(idle.mw, 40000);
	/* A configured idle power is never re-learnt. */
	idle = (struct gpu_idle){.mw = 70000, .known = true, .configured = true};
	gpu_idle_observe(&idle, 1000000, NSEC_PER_SEC);
	assert_int_equal(idle.mw, 70000);
}

static void test_dev_account(void **state)
{
	struct domain d = {.kind = JOULESTAT_DOMAIN_GPU};
	struct gpu_dev dev = {.d = &d};

	/* First reading: no interval, an empty ledger. */
	gpu_dev_account(&dev);
	assert_int_equal(dev.ledger.delta_uj, 0);
	assert_int_equal(dev.intervals, 0);
	/* An idle interval of 2 s at 30 W: all idle, and 30 W becomes the idle power. */
	d.last_delta_uj = 60000000;
	d.last_dt_ns = 2 * NSEC_PER_SEC;
	gpu_dev_account(&dev);
	assert_int_equal(dev.ledger.idle_uj, 60000000);
	assert_true(dev.idle.known);
	assert_int_equal(dev.idle.mw, 30000);
	/* Then one process at 80 J over 2 s: 60 J idle, 20 J its. */
	assert_int_equal(gpu_dev_reserve(&dev, 1), 0);
	dev.procs[dev.nprocs++] = (struct gpu_proc){.pid = 7, .busy = 100};
	d.last_delta_uj = 80000000;
	gpu_dev_account(&dev);
	assert_int_equal(dev.ledger.idle_uj, 60000000);
	assert_int_equal(dev.procs[0].energy_uj, 20000000);
	assert_int_equal(dev.intervals, 2);
	gpu_dev_done(&dev);
	assert_null(dev.procs);
}


/* A process's GPU energy goes to its main thread, else its first thread, else nowhere. */
static void test_task_of(void **state)
{
	const struct activity_task tasks[] = {
		{ .key = { .tgid = 10, .tid = 11 } },
		{ .key = { .tgid = 20, .tid = 21 } },
		{ .key = { .tgid = 10, .tid = 10 } },
		{ .key = { .tgid = 20, .tid = 22 } },
	};
	struct activity_sample s = { .tasks = tasks, .ntasks = ARRAY_SIZE(tasks) };

	assert_int_equal(gpu_task_of(&s, 10), 2);
	assert_int_equal(gpu_task_of(&s, 20), 1);
	assert_int_equal(gpu_task_of(&s, 11), -1);
	assert_int_equal(gpu_task_of(&s, 30), -1);
	s.ntasks = 0;
	assert_int_equal(gpu_task_of(&s, 10), -1);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_ran_is_all_idle),
	    cmocka_unit_test(test_idle_power_then_split_by_busy),
	    cmocka_unit_test(test_rounding_is_exact),
	    cmocka_unit_test(test_idle_capped_at_delta),
	    cmocka_unit_test(test_single_process_gets_active_share),
	    cmocka_unit_test(test_several_without_activity_unattributed),
	    cmocka_unit_test(test_saturated_weights),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_idle_learning),
	    cmocka_unit_test(test_dev_account),
	    cmocka_unit_test(test_task_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
