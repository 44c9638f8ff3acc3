/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * parse.h - pure parsers for the small text formats of sysfs and procfs.
 * No I/O: each takes a buffer and its length (the buffer need not be
 * NUL-terminated) and fills *ret only on success. Each has unit tests and a
 * fuzz target.
 */
#ifndef JOULESTAT_PARSE_H
#define JOULESTAT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"

/*
 * One unsigned decimal number, optionally surrounded by blanks and a
 * trailing newline ("123456\n"). -ENODATA when only blanks, -EINVAL when
 * anything else is there, -ERANGE on overflow.
 */
int parse_u64(const char *buf, size_t len, uint64_t *ret);

/* Likewise, with an optional leading '-' or '+'. */
int parse_s64(const char *buf, size_t len, int64_t *ret);

/*
 * A kernel CPU list ("0-3,8,10-11\n", as in /sys/devices/system/cpu/online).
 * An empty list is valid (no CPU). -EINVAL on malformed input, -ERANGE for a
 * CPU number ≥ CPUSET_MAX_CPUS or a reversed range.
 */
int parse_cpulist(const char *buf, size_t len, struct cpuset *ret);

/*
 * Drop blanks (space, tab, newline, carriage return) from both ends of
 * buf[0..len): moves *pbuf past the leading ones and returns the length left.
 * The one definition of "blank" for the sysfs value parsers.
 */
size_t parse_trim(const char **pbuf, size_t len);

#endif
