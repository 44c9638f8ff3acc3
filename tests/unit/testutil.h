/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * testutil.h - helpers for the unit tests: where the fixture trees are, and
 * scratch copies of them that a test may change (advance a counter, break a
 * file) without touching the committed fixtures.
 */
#ifndef JOULESTAT_TESTUTIL_H
#define JOULESTAT_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>

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

#endif
