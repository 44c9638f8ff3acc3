/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-parse.c - the pure number and CPU-list parsers, including hostile input. */
#include "testutil.h"

#include <string.h>

#include "parse.h"

#define S(x) x, strlen(x)

static void test_u64(void **state)
{
	uint64_t v = 7;

	assert_int_equal(parse_u64(S("123456\n"), &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(parse_u64(S("  0 "), &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64(S("18446744073709551615"), &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(parse_u64(S("18446744073709551616"), &v), -ERANGE);
	assert_int_equal(parse_u64(S(""), &v), -ENODATA);
	assert_int_equal(parse_u64(S(" \n"), &v), -ENODATA);
	assert_int_equal(parse_u64(S("12a"), &v), -EINVAL);
	assert_int_equal(parse_u64(S("-1"), &v), -EINVAL);
	assert_int_equal(parse_u64(S("1 2"), &v), -EINVAL);
	assert_int_equal(parse_u64(S("0x10"), &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on every error */
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(parse_u64("4299", 2, &v), 0);
	assert_int_equal(v, 42);
}

static void test_s64(void **state)
{
	int64_t v;

	assert_int_equal(parse_s64(S("-1500000\n"), &v), 0);
	assert_int_equal(v, -1500000);
	assert_int_equal(parse_s64(S("+5"), &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_s64(S("-9223372036854775808"), &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_s64(S("9223372036854775808"), &v), -ERANGE);
	assert_int_equal(parse_s64(S("-"), &v), -EINVAL);
	assert_int_equal(parse_s64(S("--1"), &v), -EINVAL);
}

static void test_cpulist(void **state)
{
	struct cpuset s;

	assert_int_equal(parse_cpulist(S("0-3,8,10-11\n"), &s), 0);
	assert_int_equal(cpuset_count(&s), 7);
	assert_true(cpuset_test(&s, 0) && cpuset_test(&s, 3) && cpuset_test(&s, 8));
	assert_false(cpuset_test(&s, 4) || cpuset_test(&s, 9) || cpuset_test(&s, 12));
	assert_int_equal(parse_cpulist(S("\n"), &s), 0);
	assert_int_equal(cpuset_count(&s), 0);
	assert_int_equal(parse_cpulist(S("5"), &s), 0);
	assert_int_equal(cpuset_count(&s), 1);
	assert_int_equal(parse_cpulist(S("3-1"), &s), -ERANGE);
	assert_int_equal(parse_cpulist(S("0-99999"), &s), -ERANGE);
	assert_int_equal(parse_cpulist(S("0,"), &s), -EINVAL);
	assert_int_equal(parse_cpulist(S(",0"), &s), -EINVAL);
	assert_int_equal(parse_cpulist(S("0--2"), &s), -EINVAL);
	assert_int_equal(parse_cpulist(S("a-b"), &s), -EINVAL);
	assert_int_equal(parse_cpulist(S("1-"), &s), -EINVAL);
}

static void test_trim(void **state)
{
	const char *b = " \t12 34\r\n", *e = "\n \t";

	/* Blanks on both ends go; the one inside stays. */
	assert_int_equal(parse_trim(&b, strlen(b)), 5);
	assert_memory_equal(b, "12 34", 5);
	assert_int_equal(parse_trim(&e, strlen(e)), 0);
	/* Only len counts: the NUL-less tail past it is not looked at. */
	b = "7 x";
	assert_int_equal(parse_trim(&b, 2), 1);
	assert_true(*b == '7');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_s64),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
