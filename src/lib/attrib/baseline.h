/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * baseline.h - the static power file that `joulestat calibrate` writes and
 * the baseline idle policy reads (format in docs/FORMAT.md):
 *
 *   # comments and blank lines anywhere
 *   joulestat-baseline 1
 *   package-0 3120
 *   dram-0 512
 *
 * one "<domain> <static milliwatts>" line per domain after the version line.
 */
#ifndef JOULESTAT_BASELINE_H
#define JOULESTAT_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#define BASELINE_VERSION 1
#define BASELINE_MAX 64
#define BASELINE_NAME_MAX 48		/* as DOMAIN_NAME_MAX, NUL included */
#define BASELINE_MAX_MW 1000000000ULL	/* 1 MW: anything above is a typo */

struct baseline_entry {
	char name[BASELINE_NAME_MAX];
	uint64_t static_mw;
};

struct baseline {
	size_t n;
	struct baseline_entry e[BASELINE_MAX];
};

/*
 * Parse a baseline file's content. Returns 0 and *ret on success. On error
 * *ret is untouched, *err_line (when not NULL) is the 1-based line at fault
 * (0: the whole file), and the return is: -EINVAL a malformed line, a name
 * with characters outside [A-Za-z0-9_.:-] or too long, a value that is not
 * a decimal integer or above BASELINE_MAX_MW, a duplicate name, no version
 * line; -EPROTONOSUPPORT a version other than BASELINE_VERSION; -E2BIG more
 * than BASELINE_MAX entries.
 */
int parse_baseline(const char *buf, size_t len, struct baseline *ret, unsigned *err_line);

/* The static power of `name`, else of its kind name `kind`, else -ENOENT. */
int baseline_lookup(const struct baseline *b, const char *name, const char *kind,
		    uint64_t *ret_mw);

/*
 * The index of the entry baseline_lookup() takes: the first named `name`,
 * else the first named `kind` (may be NULL). -ENOENT when none; -EINVAL.
 */
int baseline_find(const struct baseline *b, const char *name, const char *kind);

#endif
