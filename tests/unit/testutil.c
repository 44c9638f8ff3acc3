/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* testutil.c - fixture and scratch-directory helpers for the unit tests. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

const char *tu_data(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("JOULESTAT_TEST_DATA");

	if (!d)
		fail_msg("JOULESTAT_TEST_DATA is not set: run the tests through meson test");
	snprintf(buf, sizeof(buf), "%s/%s", d, rel);
	return buf;
}

char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/joulestat-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		fail_msg("out of memory");
	if (!mkdtemp(path))
		fail_msg("mkdtemp %s: %s", path, strerror(errno));
	return path;
}

char *tu_copy_fixture(const char *rel)
{
	char *dst = tu_mkdtemp(), *cmd;
	int r;

	if (asprintf(&cmd, "cp -a '%s/.' '%s/'", tu_data(rel), dst) < 0)
		fail_msg("out of memory");
	r = system(cmd);
	free(cmd);
	if (r != 0)
		fail_msg("copying fixture %s failed", rel);
	return dst;
}

static void mkdir_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

void tu_write(const char *dir, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdir_parents(path);
	f = fopen(path, "w");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fputs(content, f);
	if (fclose(f) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

void tu_writef(const char *dir, const char *rel, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tu_write(dir, rel, buf);
}

void tu_chmod(const char *dir, const char *rel, unsigned mode)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (chmod(path, mode) < 0)
		fail_msg("chmod %s: %s", path, strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void tu_rm_rf(const char *dir)
{
	if (dir)
		(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_is_root(void)
{
	return geteuid() == 0;
}
