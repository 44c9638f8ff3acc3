/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-omfile.c - the OpenMetrics file for PCP: replaced whole by rename,
 * mode 0644, and on every error the old file intact, no temporary file
 * left, and a message naming the file; a planted link or temporary name
 * changes nothing; removed at exit only when it is still ours.
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
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
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

static int om_write(const char *p, const char *text, char *err, size_t size)
{
	struct omfile om = { .path = p };

	return omfile_write(&om, text, strlen(text), err, size);
}

static void test_write_and_replace(void **state)
{
	char err[256] = "";
	struct stat st;
	mode_t old = umask(077); /* a strict umask must not make it unreadable to the PMDA */

	assert_int_equal(om_write(path("a.om"), "one\n# EOF\n", err, sizeof(err)), 0);
	assert_string_equal(slurp(path("a.om")), "one\n# EOF\n");
	assert_int_equal(om_write(path("a.om"), "two\n# EOF\n", err, sizeof(err)), 0);
	assert_string_equal(slurp(path("a.om")), "two\n# EOF\n");
	assert_int_equal(stat(path("a.om"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_files(), 1); /* no temporary file left behind */
	umask(old);
}

static void test_missing_directory(void **state)
{
	char err[256] = "";

	assert_int_equal(om_write(path("nodir/a.om"), "x", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path("nodir/a.om")));
}

static void test_directory_refused_keeps_nothing(void **state)
{
	char err[256] = "";

	/* The target is a directory: refused before any temporary file is made. */
	assert_int_equal(mkdir(path("isdir"), 0755), 0);
	assert_int_equal(om_write(path("isdir"), "x", err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "directory"));
	assert_int_equal(count_files(), 2); /* a.om and isdir, nothing else */
}

static void test_unwritable_directory_keeps_old_file(void **state)
{
	char err[256] = "";
	pid_t pid;
	int status;

	assert_int_equal(om_write(path("b.om"), "old\n", err, sizeof(err)), 0);
	/* As root, permissions do not stop writes: try as nobody; others lose write permission. */
	assert_int_equal(chmod(dir, getuid() == 0 ? 0755 : 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char e[256];

		if (getuid() == 0 && (setresgid(65534, 65534, 65534) < 0 ||
				      setresuid(65534, 65534, 65534) < 0))
			_exit(100);
		/* b.om is root's: the rule allows it; the directory does not. */
		_exit(om_write(path("b.om"), "new\n", e, sizeof(e)) == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(slurp(path("b.om")), "old\n");
}

static void test_planted_names(void **state)
{
	char err[256] = "", tmp[300];
	struct stat st;

	/* The old predictable temporary name, planted as a directory: no effect. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path("c.om"), (long)getpid());
	assert_int_equal(mkdir(tmp, 0755), 0);
	assert_int_equal(om_write(path("c.om"), "c\n", err, sizeof(err)), 0);
	assert_string_equal(slurp(path("c.om")), "c\n");
	assert_int_equal(rmdir(tmp), 0);
	/* A symbolic link at the path: refused, its target untouched. */
	assert_int_equal(symlink(path("b.om"), path("l.om")), 0);
	assert_int_equal(om_write(path("l.om"), "evil\n", err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	assert_string_equal(slurp(path("b.om")), "old\n");
	assert_int_equal(lstat(path("l.om"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(path("l.om")), 0);
}

static void test_remove(void **state)
{
	struct omfile om = { .path = path("r.om") };
	char err[256] = "";

	assert_int_equal(omfile_remove(&om, err, sizeof(err)), 0); /* nothing written yet */
	assert_int_equal(omfile_write(&om, "r\n", 2, err, sizeof(err)), 0);
	assert_int_equal(omfile_write(&om, "s\n", 2, err, sizeof(err)), 0);
	assert_int_equal(omfile_remove(&om, err, sizeof(err)), 0);
	assert_int_equal(access(path("r.om"), F_OK), -1);
	/* Another file there since the last write: left alone. */
	assert_int_equal(omfile_write(&om, "r\n", 2, err, sizeof(err)), 0);
	assert_int_equal(om_write(path("other"), "someone else's\n", err, sizeof(err)), 0);
	assert_int_equal(rename(path("other"), path("r.om")), 0);
	assert_int_equal(omfile_remove(&om, err, sizeof(err)), 0);
	assert_string_equal(slurp(path("r.om")), "someone else's\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_replace),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_directory_refused_keeps_nothing),
		cmocka_unit_test(test_unwritable_directory_keeps_old_file),
		cmocka_unit_test(test_planted_names),
		cmocka_unit_test(test_remove),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
