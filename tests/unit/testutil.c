/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* testutil.c - fixture, scratch-directory, nobody and public-API helpers for the unit tests. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

void tu_readable_by_all(const char *dir)
{
	char *cmd;

	if (asprintf(&cmd, "chmod -R a+rX '%s'", dir) < 0)
		fail_msg("out of memory");
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(cmd);
}

int tu_as_nobody(int (*body)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(100);
		_exit(body(arg));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

int tu_monitor_new(const char *root, const char *sources, unsigned flags, struct joulestat **ret)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	char sys[4096], proc[4096], dev[4096];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	o.sysfs_root = sys;
	o.procfs_root = proc;
	if (flags & TU_DEV_ROOT)
		o.dev_root = dev;
	else if (flags & TU_NO_DEV)
		o.dev_root = "/nonexistent";
	o.enable_msr = flags & TU_MSR;
	o.sources = sources;
	return joulestat_new(&o, ret);
}

struct joulestat *tu_monitor(const char *root, const char *sources, unsigned flags)
{
	struct joulestat *js = NULL;

	assert_int_equal(tu_monitor_new(root, sources, flags, &js), 0);
	return js;
}

struct joulestat_domain_info tu_domain(const struct joulestat *js, const char *name)
{
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		assert_int_equal(joulestat_domain_get(js, i, &di), 0);
		if (strcmp(di.name, name) == 0)
			return di;
	}
	fail_msg("no domain %s", name);
	return (struct joulestat_domain_info){ 0 };
}

bool tu_has_domain(const struct joulestat *js, const char *name)
{
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		if (joulestat_domain_get(js, i, &di) == 0 && strcmp(di.name, name) == 0)
			return true;
	}
	return false;
}

struct joulestat_source_info tu_source(const struct joulestat *js, const char *name)
{
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		assert_int_equal(joulestat_source_get(js, i, &si), 0);
		if (strcmp(si.name, name) == 0)
			return si;
	}
	fail_msg("no source %s", name);
	return (struct joulestat_source_info){ 0 };
}

int tu_check_denied(void *arg)
{
	const struct tu_denied *c = arg;
	struct joulestat_source_info si = { .sz = sizeof(si) };
	struct joulestat *js = NULL;
	int r = 0;

	if (tu_monitor_new(c->dir, NULL, c->flags, &js) < 0)
		return 11;
	joulestat_source_get(js, c->idx, &si);
	if (strcmp(si.name, c->source) != 0 || si.state != JOULESTAT_SOURCE_FAILED)
		r = 12;
	else if (si.error != -EACCES)
		r = 13;
	else if (strcmp(si.reason, c->want) != 0) {
		fprintf(stderr, "# reason: %s\n", si.reason);
		r = 14;
	}
	for (size_t i = 0; !r && i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		joulestat_domain_get(js, i, &di);
		if (strcmp(di.source, c->source) == 0)
			r = 15;
	}
	joulestat_free(js);
	return r;
}
