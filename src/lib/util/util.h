/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* util.h - small helpers shared by every library module: macros, time, saturating math. */
#ifndef JOULESTAT_UTIL_H
#define JOULESTAT_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_SEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

/* Internal symbols are hidden by default (-fvisibility=hidden); the public ones say so. */
#define HIDDEN __attribute__((visibility("hidden")))

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* a - b, or 0 when b > a. */
static inline uint64_t sub_sat_u64(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* a * b / c without intermediate overflow (c != 0). */
static inline uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	return (uint64_t)((unsigned __int128)a * b / c);
}

/* Copy a string into a fixed buffer, always terminated, truncating if needed. */
static inline void strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (size == 0)
		return;
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#endif
