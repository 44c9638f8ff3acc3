/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-omfile.c - the OpenMetrics file for PCP: replaced whole by rename,
 * mode 0644, and on every error the old file intact, no temporary file
 * left, and a message naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "omfile.h"

static char dir[] = "/tmp/joulestat-omfile-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Files in the directory, temporary ones included. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_write_and_replace(void **state)
{
	char err[256] = "";
	struct stat st;
	mode_t old = umask(077); /* a strict umask must not make it unreadable to the PMDA */

	assert_int_equal(omfile_write(path("a.om"), "one\n# EOF\n", 10, err, sizeof(err)), 0);
	assert_string_equal(slurp(path("a.om")), "one\n# EOF\n");
	assert_int_equal(omfile_write(path("a.om"), "two\n# EOF\n", 10, err, sizeof(err)), 0);
	assert_string_equal(slurp(path("a.om")), "two\n# EOF\n");
	assert_int_equal(stat(path("a.om"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_files(), 1); /* no temporary file left behind */
	umask(old);
}

static void test_missing_directory(void **state)
{
	char err[256] = "";

	assert_int_equal(omfile_write(path("nodir/a.om"), "x", 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path("nodir/a.om")));
}

static void test_rename_failure_keeps_nothing(void **state)
{
	char err[256] = "";

	/* The target is a directory: the rename fails; the temporary file must go. */
	assert_int_equal(mkdir(path("isdir"), 0755), 0);
	assert_int_equal(omfile_write(path("isdir"), "x", 1, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "cannot rename"));
	assert_int_equal(count_files(), 2); /* a.om and isdir, nothing else */
}

static void test_unwritable_directory_keeps_old_file(void **state)
{
	char err[256] = "";
	pid_t pid;
	int status;

	assert_int_equal(omfile_write(path("b.om"), "old\n", 4, err, sizeof(err)), 0);
	/* As root, permissions do not stop writes: try as nobody; others lose write permission. */
	assert_int_equal(chmod(dir, getuid() == 0 ? 0755 : 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char e[256];

		if (getuid() == 0 && (setresgid(65534, 65534, 65534) < 0 ||
				      setresuid(65534, 65534, 65534) < 0))
			_exit(100);
		_exit(omfile_write(path("b.om"), "new\n", 4, e, sizeof(e)) == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(slurp(path("b.om")), "old\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_replace),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_rename_failure_keeps_nothing),
		cmocka_unit_test(test_unwritable_directory_keeps_old_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
