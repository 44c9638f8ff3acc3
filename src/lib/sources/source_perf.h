/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_perf.h - the perf power PMU source's seam to the kernel:
 * perf_event_open() cannot work against a fixture tree, so the three
 * system calls it makes go through a small backend that unit tests replace
 * to drive the counts. The library itself always uses the real one.
 */
#ifndef JOULESTAT_SOURCE_PERF_H
#define JOULESTAT_SOURCE_PERF_H

#include <stdint.h>

struct perf_event_attr;

struct perf_backend {
	/* perf_event_open(attr, pid -1, cpu, group -1, close-on-exec): an fd, or -errno. */
	int (*open)(const struct perf_event_attr *attr, int cpu, void *userdata);
	/* The event's 64-bit count: 0 and *ret_count, or -errno. */
	int (*read)(int fd, uint64_t *ret_count, void *userdata);
	void (*close)(int fd, void *userdata);
	void *userdata;
};

/*
 * Replace the backend for every monitor opened afterwards (NULL restores the
 * real system calls). Process-wide, for tests only; the backend must stay
 * valid while monitors use it. With the real backend, the source refuses a
 * sysfs root other than /sys: the PMU type a fixture names means nothing to
 * the running kernel.
 */
void source_perf_set_backend(const struct perf_backend *b);

#endif
