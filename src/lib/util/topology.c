/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* topology.c - online CPUs, sockets and CPU identity. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "topology.h"
#include "util.h"

/* Copy the value of a "key\t: value" line into dst. */
static void copy_value(const char *v, size_t vlen, char *dst, size_t size)
{
	size_t n = MIN(vlen, size - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

int parse_cpuinfo(const char *buf, size_t len, struct cpuinfo *ret)
{
	struct cpuinfo ci = { .family = -1, .model = -1 };
	size_t i = 0;
	int processors = 0;

	while (i < len) {
		size_t start = i, colon = 0, klen, vstart;

		while (i < len && buf[i] != '\n') {
			if (buf[i] == ':' && !colon)
				colon = i;
			i++;
		}
		if (i < len)
			i++; /* newline */
		if (!colon)
			continue;
		klen = colon - start;
		while (klen > 0 && isspace((unsigned char)buf[start + klen - 1]))
			klen--;
		vstart = colon + 1;
		while (vstart < i && (buf[vstart] == ' ' || buf[vstart] == '\t'))
			vstart++;
		size_t vend = i;
		while (vend > vstart && isspace((unsigned char)buf[vend - 1]))
			vend--;
		const char *k = buf + start, *v = buf + vstart;
		size_t vlen = vend - vstart;

#define KEY_IS(s) (klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
		if (KEY_IS("processor")) {
			/* Only the first processor's block is wanted. */
			if (++processors > 1)
				break;
		} else if (KEY_IS("vendor_id")) {
			copy_value(v, vlen, ci.vendor, sizeof(ci.vendor));
		} else if (KEY_IS("model name")) {
			copy_value(v, vlen, ci.model_name, sizeof(ci.model_name));
		} else if (KEY_IS("cpu family") || KEY_IS("model")) {
			uint64_t n;

			if (parse_u64(v, vlen, &n) == 0 && n < 100000) {
				if (KEY_IS("model"))
					ci.model = (int)n;
				else
					ci.family = (int)n;
			}
		}
#undef KEY_IS
	}
	*ret = ci;
	return 0;
}

static int read_cpuinfo(const struct fsroot *fs, struct cpuinfo *ci)
{
	/* The first processor block is within the first few KiB. */
	char *buf;
	ssize_t n;
	int fd;

	buf = malloc(16384);
	if (!buf)
		return -ENOMEM;
	fd = fsroot_open(fs, FS_PROC, "cpuinfo", 0);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	n = read(fd, buf, 16383);
	if (n < 0)
		n = 0;
	(void)close(fd);
	parse_cpuinfo(buf, (size_t)n, ci);
	free(buf);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int topology_read(const struct fsroot *fs, const struct logger *lg, struct topology *ret)
{
	struct topology *t;
	char buf[4096];
	unsigned cpu;
	ssize_t n;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cpu.family = t->cpu.model = -1;

	n = fsroot_read(fs, FS_SYS, "devices/system/cpu/online", buf, sizeof(buf));
	if (n >= 0)
		r = parse_cpulist(buf, (size_t)n, &t->online);
	else
		r = (int)n;
	if (r < 0) {
		DIR *d;
		struct dirent *de;

		log_debug(lg, "%s/devices/system/cpu/online unusable (%s); scanning cpuN directories",
			  fs->root[FS_SYS], strerror(-r));
		d = fsroot_opendir(fs, FS_SYS, "devices/system/cpu");
		if (!d) {
			r = -errno;
			goto fail;
		}
		while ((de = readdir(d))) {
			uint64_t c;

			if (strncmp(de->d_name, "cpu", 3) == 0 &&
			    parse_u64(de->d_name + 3, strlen(de->d_name + 3), &c) == 0 &&
			    c < CPUSET_MAX_CPUS)
				cpuset_set(&t->online, (unsigned)c);
		}
		closedir(d);
	}
	t->ncpus = cpuset_count(&t->online);
	if (t->ncpus == 0) {
		r = -ENODEV;
		goto fail;
	}

	cpuset_for_each(cpu, &t->online)
	{
		char rel[128];
		uint64_t id = 0;
		unsigned s;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology/physical_package_id",
			 cpu);
		r = fsroot_read_u64(fs, FS_SYS, rel, &id);
		if (r < 0 || id > INT32_MAX)
			id = 0;
		for (s = 0; s < t->nsockets; s++)
			if (t->socket_ids[s] == (int)id)
				break;
		if (s == t->nsockets) {
			if (t->nsockets == TOPOLOGY_MAX_SOCKETS) {
				r = -E2BIG;
				goto fail;
			}
			t->socket_ids[t->nsockets++] = (int)id;
		}
	}
	qsort(t->socket_ids, t->nsockets, sizeof(int), cmp_int);
	cpuset_for_each(cpu, &t->online)
	{
		char rel[128];
		uint64_t id = 0;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology/physical_package_id",
			 cpu);
		if (fsroot_read_u64(fs, FS_SYS, rel, &id) < 0 || id > INT32_MAX)
			id = 0;
		for (unsigned s = 0; s < t->nsockets; s++)
			if (t->socket_ids[s] == (int)id)
				cpuset_set(&t->socket_cpus[s], cpu);
	}
	(void)read_cpuinfo(fs, &t->cpu);
	*ret = *t;
	free(t);
	return 0;
fail:
	free(t);
	return r;
}

int topology_cpu_socket(const struct topology *t, unsigned cpu)
{
	for (unsigned s = 0; s < t->nsockets; s++)
		if (cpuset_test(&t->socket_cpus[s], cpu))
			return (int)s;
	return -ENOENT;
}
