/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-fsroot.c - file access under injected roots, and its errors. */
#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A named pipe where a file should be is refused at once, never waited on. */
static void test_pipe_and_directory_refused(void **state)
{
	char *dir = tu_mkdtemp(), sys[4096], p[4096], buf[64];
	struct fsroot fs;
	uint64_t v;
	int fd;

	alarm(20); /* a blocked open would hang the suite: fail instead */
	tu_write(dir, "sys/zone/name", "package-0\n");
	snprintf(p, sizeof(p), "%s/sys/zone/energy_uj", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/sys/zone/subdir", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	assert_int_equal(fsroot_init(&fs, sys, NULL, NULL), 0);
	assert_int_equal(fsroot_read_u64(&fs, FS_SYS, "zone/energy_uj", &v), -ESPIPE);
	assert_int_equal(fsroot_open(&fs, FS_SYS, "zone/energy_uj", O_RDONLY), -ESPIPE);
	assert_string_equal(file_input_problem(-ESPIPE), "a named pipe or socket, not a file");
	assert_int_equal(fsroot_read(&fs, FS_SYS, "zone/subdir", buf, sizeof(buf)), -EISDIR);
	fd = fsroot_open(&fs, FS_SYS, "zone/subdir", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	/* Regular files read as before, relative to a directory too. */
	assert_int_equal(fsroot_read_line(&fs, FS_SYS, "zone/name", buf, sizeof(buf)), 9);
	fd = file_open_input(AT_FDCWD, p, O_RDONLY);
	assert_int_equal(fd, -EISDIR);
	snprintf(p, sizeof(p), "%s/sys/zone", dir);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(file_open_input(fd, "energy_uj", O_RDONLY), -ESPIPE);
	{
		int f = file_open_input(fd, "name", O_RDONLY);

		assert_true(f >= 0);
		assert_int_equal(fd_read_all(f, buf, sizeof(buf)), 10);
		close(f);
	}
	close(fd);
	alarm(0);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_reads),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_pipe_and_directory_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
