/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * testutil.h - helpers for the unit tests: where the fixture trees are,
 * scratch copies of them that a test may change (advance a counter, break a
 * file) without touching the committed fixtures, running a check as nobody,
 * and the public API opened over a tree.
 */
#ifndef JOULESTAT_TESTUTIL_H
#define JOULESTAT_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>

#include "joulestat.h"

/* "<tests/data>/<rel>" (static buffer, overwritten by the next call). */
const char *tu_data(const char *rel);

/* A fresh empty directory under $TMPDIR; caller frees the string and tu_rm_rf()s it. */
char *tu_mkdtemp(void);

/* Copy the fixture tree tests/data/<rel> to a new scratch directory; returns its path. */
char *tu_copy_fixture(const char *rel);

/* Write `content` to <dir>/<rel>, creating parent directories. Fails the test on error. */
void tu_write(const char *dir, const char *rel, const char *content);

/* printf-style tu_write. */
void tu_writef(const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* chmod <dir>/<rel>. */
void tu_chmod(const char *dir, const char *rel, unsigned mode);

/* Remove a tree (rm -rf). */
void tu_rm_rf(const char *dir);

/* True when running as root (chmod 000 does not stop root: tests adapt). */
int tu_is_root(void);

/* chmod -R a+rX <dir>: a scratch tree that tu_as_nobody()'s child can read. */
void tu_readable_by_all(const char *dir);

/*
 * Run body(arg) in a forked child as uid and gid 65534 (nobody), the way to
 * test EACCES as root (root reads through chmod 000), and return the child's
 * exit status: body's return value, or 100 when the child could not drop to
 * nobody. body must make no cmocka calls: it reports by its return value.
 */
int tu_as_nobody(int (*body)(void *arg), void *arg);

/* The public API over a fixture tree: sysfs <root>/sys, procfs <root>/proc. */
#define TU_DEV_ROOT 1u	/* dev_root <root>/dev (else the library's default) */
#define TU_NO_DEV 2u	/* dev_root "/nonexistent": no device file is reachable */
#define TU_MSR 4u	/* enable_msr */

/* joulestat_new() over tree `root`, with `sources` (NULL: all); no cmocka calls. */
int tu_monitor_new(const char *root, const char *sources, unsigned flags, struct joulestat **ret);

/* tu_monitor_new(), failing the test unless it succeeds. */
struct joulestat *tu_monitor(const char *root, const char *sources, unsigned flags);

/* Domain `name`'s public description; fails the test when absent. */
struct joulestat_domain_info tu_domain(const struct joulestat *js, const char *name);

/* Whether the monitor has a domain `name`. */
bool tu_has_domain(const struct joulestat *js, const char *name);

/* Source `name`'s public description; fails the test when absent. */
struct joulestat_source_info tu_source(const struct joulestat *js, const char *name);

/* What tu_check_denied() expects of a tree opened as nobody. */
struct tu_denied {
	const char *dir;	/* the tree */
	unsigned flags;		/* TU_* for tu_monitor_new() */
	size_t idx;		/* the source's place in the monitor's list */
	const char *source;	/* its name */
	char want[8192];	/* the reason it must give, the file and the fix named */
};

/*
 * A tu_as_nobody() body (arg: struct tu_denied): the source FAILED with
 * -EACCES, the reason is exactly `want`, and no domain of it is left. Returns
 * 0, or which check failed (11..15; the reason goes to stderr).
 */
int tu_check_denied(void *arg);

#endif
