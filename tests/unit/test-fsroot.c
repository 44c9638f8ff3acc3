/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-fsroot.c - file access under injected roots, and its errors. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "fsroot.h"

static void test_paths_and_reads(void **state)
{
	char *dir = tu_mkdtemp(), buf[64];
	struct fsroot fs;
	uint64_t v;
	int64_t s;

	tu_write(dir, "sys/a/value", "42\n");
	tu_write(dir, "sys/a/neg", "-17\n");
	tu_write(dir, "sys/a/empty", "");
	tu_write(dir, "sys/a/junk", "4x2\n");
	tu_write(dir, "sys/a/name", "package-0 \n");
	{
		char sys[4096];

		snprintf(sys, sizeof(sys), "%s/sys/", dir); /* trailing slash tolerated */
		assert_int_equal(fsroot_init(&fs, sys, NULL, NULL), 0);
	}
	assert_false(fsroot_is_real(&fs, FS_SYS));
	assert_true(fsroot_is_real(&fs, FS_PROC));
	{
		int n = fsroot_path(&fs, FS_SYS, "/a/value", buf, sizeof(buf));

		assert_int_equal(n, (int)strlen(buf));
	}
	assert_non_null(strstr(buf, "/sys/a/value"));
	assert_null(strstr(buf, "//"));
	assert_int_equal(fsroot_read_u64(&fs, FS_SYS, "a/value", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(fsroot_read_s64(&fs, FS_SYS, "a/neg", &s), 0);
	assert_int_equal(s, -17);
	assert_int_equal(fsroot_read_u64(&fs, FS_SYS, "a/empty", &v), -ENODATA);
	assert_int_equal(fsroot_read_u64(&fs, FS_SYS, "a/junk", &v), -EINVAL);
	assert_int_equal(fsroot_read_u64(&fs, FS_SYS, "a/missing", &v), -ENOENT);
	assert_int_equal(fsroot_read_line(&fs, FS_SYS, "a/name", buf, sizeof(buf)), 9);
	assert_string_equal(buf, "package-0");
	assert_int_equal(fsroot_exists(&fs, FS_SYS, "a/value"), 1);
	assert_int_equal(fsroot_exists(&fs, FS_SYS, "a/nope"), 0);
	/* Too big for the buffer is an error, not a silent truncation. */
	assert_int_equal(fsroot_read(&fs, FS_SYS, "a/name", buf, 4), -EFBIG);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
}

static void test_path_too_long(void **state)
{
	struct fsroot fs;
	char buf[16];

	assert_int_equal(fsroot_init(&fs, "/a/long/root/dir", NULL, NULL), 0);
	assert_int_equal(fsroot_path(&fs, FS_SYS, "x/y/z", buf, sizeof(buf)), -ENAMETOOLONG);
	fsroot_done(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_reads),
		cmocka_unit_test(test_path_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
