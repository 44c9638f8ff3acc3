/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-procstat.c - the /proc/stat CPU-line and /proc/PID/stat start-time parsers. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "procstat.h"

static struct proc_stat_cpus *ps_new(void)
{
	struct proc_stat_cpus *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	return p;
}

static int ps(const char *s, struct proc_stat_cpus *p)
{
	return parse_proc_stat_cpus(s, strlen(s), p);
}

static void test_real_kernel_lines(void **state)
{
	/* Linux 6.x: ten fields; the aggregate line and the rest are ignored. */
	const char *s = "cpu  12965 0 2860 143683 322 0 55 150 0 0\n"
			"cpu0 6246 0 1397 72078 195 0 16 76 0 0\n"
			"cpu1 6719 7 1462 71604 126 3 39 73 0 0\n"
			"intr 1 2 3\nctxt 9\nbtime 1763790000\nprocesses 3\n"
			"softirq 1 2 3 4 5 6 7 8 9 10 11\n";
	struct proc_stat_cpus *p = ps_new();

	assert_int_equal(ps(s, p), 0);
	assert_int_equal(cpuset_count(&p->present), 2);
	assert_int_equal(p->total[0], 6246 + 1397 + 72078 + 195 + 16 + 76);
	assert_int_equal(p->busy[0], 6246 + 1397 + 16 + 76);
	assert_int_equal(p->total[1], 6719 + 7 + 1462 + 71604 + 126 + 3 + 39 + 73);
	assert_int_equal(p->busy[1], 6719 + 7 + 1462 + 3 + 39 + 73);
	free(p);
}

static void test_guest_time_is_not_added_twice(void **state)
{
	/* guest 400 and guest_nice 30 are already inside user 1000 and nice 50. */
	struct proc_stat_cpus *p = ps_new();

	assert_int_equal(ps("cpu3 1000 50 200 5000 10 0 0 0 400 30\n", p), 0);
	assert_true(cpuset_test(&p->present, 3));
	assert_false(cpuset_test(&p->present, 0));
	assert_int_equal(p->total[3], 6260);
	assert_int_equal(p->busy[3], 1250);
	free(p);
}

static void test_old_and_future_kernels(void **state)
{
	struct proc_stat_cpus *p = ps_new();

	/* 2.4: four fields; no trailing newline. */
	assert_int_equal(ps("cpu0 10 20 30 40", p), 0);
	assert_int_equal(p->total[0], 100);
	assert_int_equal(p->busy[0], 60);
	/* A future eleventh field is ignored; tabs and runs of blanks are fine. */
	assert_int_equal(ps("cpu0\t1 1 1 1 1 1 1 1 0 0 99\ncpu1  2  0 0 2\n", p), 0);
	assert_int_equal(p->total[0], 8);
	assert_int_equal(p->busy[0], 6);
	assert_int_equal(p->total[1], 4);
	free(p);
}

static void test_malformed_is_refused_and_ret_untouched(void **state)
{
	struct proc_stat_cpus *p = ps_new();

	assert_int_equal(ps("cpu0 1 2 3 4\n", p), 0);
	assert_int_equal(ps("cpu0 1 2 3\n", p), -EINVAL);		/* too few fields */
	assert_int_equal(ps("cpu0 1 2 x 4\n", p), -EINVAL);		/* not a number */
	assert_int_equal(ps("cpu0 1 2 -3 4\n", p), -EINVAL);		/* negative */
	assert_int_equal(ps("cpu0 1 2 3 4\ncpu0 1 2 3 4\n", p), -EINVAL); /* twice */
	assert_int_equal(ps("cpuX 1 2 3 4\n", p), 0 - ENODATA);	/* not a cpuN line */
	assert_int_equal(ps("cpu1x 1 2 3 4\n", p), -EINVAL);
	assert_int_equal(ps("cpu8192 1 2 3 4\n", p), -ERANGE);
	assert_int_equal(ps("cpu0 1 2 3 99999999999999999999\n", p), -ERANGE);
	assert_int_equal(ps("cpu0 18446744073709551615 1 0 0\n", p), -ERANGE); /* sum overflows */
	assert_int_equal(ps("cpu  1 2 3 4\nintr 5\n", p), -ENODATA);
	assert_int_equal(ps("", p), -ENODATA);
	/* The first good parse is still there. */
	assert_true(cpuset_test(&p->present, 0));
	assert_int_equal(p->total[0], 10);
	free(p);
}

static void test_length_is_honoured(void **state)
{
	struct proc_stat_cpus *p = ps_new();
	const char *s = "cpu0 1 2 3 4\ncpu1 5 6 7 8\n";

	/* Only the first line is inside len. */
	assert_int_equal(parse_proc_stat_cpus(s, 13, p), 0);
	assert_false(cpuset_test(&p->present, 1));
	free(p);
}

static int st(const char *s, uint64_t *v)
{
	return parse_pid_stat_starttime(s, strlen(s), v);
}

static void test_pid_starttime(void **state)
{
	uint64_t v = 7;

	/* A real line (Linux 6.x, 52 fields); starttime is 51234. */
	assert_int_equal(st("412 (Web Content) S 1 412 412 0 -1 4194560 1520 0 0 0 120 35 0 0 20 "
			    "0 1 0 51234 12345678 456 18446744073709551615 1 1 0 0 0 0 0 4096 "
			    "16387 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			    &v),
			 0);
	assert_int_equal(v, 51234);
	/* comm may hold ") " and parentheses: fields count from the last ')'. */
	assert_int_equal(st("7 (a) S 1 2 (x)) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0\n",
			    &v),
			 0);
	assert_int_equal(v, 99);
	/* Exactly 22 fields, no newline. */
	assert_int_equal(st("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123", &v), 0);
	assert_int_equal(v, 123);
}

static void test_pid_starttime_malformed(void **state)
{
	uint64_t v = 7;

	assert_int_equal(st("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n", &v), -EINVAL);
	assert_int_equal(st("5 k S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123\n", &v), -EINVAL);
	assert_int_equal(st("5 k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123\n", &v), -EINVAL);
	assert_int_equal(st("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1x3\n", &v), -EINVAL);
	assert_int_equal(st("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0  123\n", &v), -EINVAL);
	assert_int_equal(st("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999",
			    &v),
			 -ERANGE);
	assert_int_equal(st("", &v), -EINVAL);
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_kernel_lines),
		cmocka_unit_test(test_guest_time_is_not_added_twice),
		cmocka_unit_test(test_old_and_future_kernels),
		cmocka_unit_test(test_malformed_is_refused_and_ret_untouched),
		cmocka_unit_test(test_length_is_honoured),
		cmocka_unit_test(test_pid_starttime),
		cmocka_unit_test(test_pid_starttime_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
