/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-fields.c - the field cursor shared by the procfs parsers. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "fields.h"

#define CUR(str) { str, str + sizeof(str) - 1 }

static void test_u64(void **state)
{
	struct cur c = CUR(" 12\t18446744073709551615\r\n7");
	uint64_t v = 42;

	assert_int_equal(cur_u64(&c, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(cur_u64(&c, &v), 0);
	assert_true(v == UINT64_MAX);
	/* The '\r' of a CRLF line is a blank; the newline ends the line's fields. */
	assert_int_equal(cur_u64(&c, &v), -ENODATA);
	assert_true(v == UINT64_MAX);
	c.p++;
	assert_int_equal(cur_u64(&c, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cur_u64(&c, &v), -ENODATA);
}

static void test_u64_bad(void **state)
{
	uint64_t v = 42;
	uint32_t w = 42;
	struct cur over = CUR("18446744073709551616");
	struct cur sign = CUR("-1");
	struct cur glued = CUR("12kB");
	struct cur over32 = CUR("4294967296 ");
	struct cur max32 = CUR("4294967295");

	assert_int_equal(cur_u64(&over, &v), -ERANGE);
	assert_int_equal(cur_u64(&sign, &v), -EINVAL);
	assert_int_equal(cur_u64(&glued, &v), -EINVAL);
	assert_int_equal(v, 42);
	assert_int_equal(cur_u32(&over32, &w), -ERANGE);
	assert_int_equal(w, 42);
	assert_int_equal(cur_u32(&max32, &w), 0);
	assert_true(w == UINT32_MAX);
	assert_int_equal(cur_need(-ENODATA), -EINVAL);
	assert_int_equal(cur_need(-ERANGE), -ERANGE);
	assert_int_equal(cur_need(0), 0);
}

static void test_lines_and_blanks(void **state)
{
	struct cur all = CUR("cpu  1 2\n\ncpu0 3\n \t\r\n"), line;
	struct cur tail = CUR(" \n\t\r\n");

	assert_false(cur_rest_blank(&all));
	assert_true(cur_next_line(&all, &line));
	assert_int_equal(line.end - line.p, 8);
	assert_false(cur_take_word(&line, "cp"));
	assert_true(cur_take_word(&line, "cpu"));
	assert_true(cur_next_line(&all, &line));
	assert_true(line.p == line.end);
	assert_true(cur_next_line(&all, &line));
	assert_true(cur_take_word(&line, "cpu0"));
	assert_true(cur_rest_blank(&all));
	/* cur_rest_blank does not move; cur_skip_to_end does. */
	assert_false(all.p == all.end);
	assert_true(cur_skip_to_end(&all));
	assert_true(all.p == all.end);
	assert_true(cur_next_line(&tail, &line));
	assert_true(cur_rest_blank(&line));
	cur_skip_blanks(&line);
	assert_true(line.p == line.end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_u64_bad),
		cmocka_unit_test(test_lines_and_blanks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
