/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* procstat.c - parsers for /proc/stat CPU lines and /proc/PID/stat start times. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "procstat.h"
#include "util.h"

/* Fields of a cpuN line, in kernel order (fs/proc/stat.c). */
enum {
	F_USER,
	F_NICE,
	F_SYSTEM,
	F_IDLE,
	F_IOWAIT,
	F_IRQ,
	F_SOFTIRQ,
	F_STEAL,
	F_GUEST,
	F_GUEST_NICE,
	F__COUNT,
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse one "cpuN f0 f1 ..." line (without its newline) into cpu and fields.
 * Returns 1 for a cpuN line, 0 for any other line, or -errno.
 */
static int parse_cpu_line(const char *s, size_t n, unsigned *ret_cpu, uint64_t f[F__COUNT])
{
	size_t i = 3, start;
	uint64_t cpu;
	unsigned nf = 0;
	int r;

	if (n < 4 || memcmp(s, "cpu", 3) != 0 || s[3] < '0' || s[3] > '9')
		return 0; /* the aggregate "cpu" line, or another line */
	start = i;
	while (i < n && !is_blank(s[i]))
		i++;
	r = parse_u64(s + start, i - start, &cpu);
	if (r < 0)
		return -EINVAL;
	if (cpu >= CPUSET_MAX_CPUS)
		return -ERANGE;
	memset(f, 0, F__COUNT * sizeof(f[0]));
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && !is_blank(s[i]))
			i++;
		if (nf < F__COUNT) {
			r = parse_u64(s + start, i - start, &f[nf]);
			if (r < 0)
				return r == -ERANGE ? -ERANGE : -EINVAL;
		}
		nf++;
	}
	if (nf < F_IDLE + 1)
		return -EINVAL;
	*ret_cpu = (unsigned)cpu;
	return 1;
}

int parse_proc_stat_cpus(const char *buf, size_t len, struct proc_stat_cpus *ret)
{
	struct proc_stat_cpus *t;
	size_t i = 0;
	int r, ncpu = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		uint64_t f[F__COUNT], total = 0, busy;
		unsigned cpu = 0;

		i += n + (nl ? 1 : 0);
		r = parse_cpu_line(line, n, &cpu, f);
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		if (cpuset_test(&t->present, cpu)) {
			r = -EINVAL;
			goto out;
		}
		/* guest and guest_nice are already inside user and nice. */
		for (int k = F_USER; k <= F_STEAL; k++) {
			if (__builtin_add_overflow(total, f[k], &total)) {
				r = -ERANGE;
				goto out;
			}
		}
		busy = total - f[F_IDLE] - f[F_IOWAIT];
		cpuset_set(&t->present, cpu);
		t->total[cpu] = total;
		t->busy[cpu] = busy;
		ncpu++;
	}
	if (ncpu == 0) {
		r = -ENODATA;
		goto out;
	}
	memcpy(ret, t, sizeof(*t));
	r = 0;
out:
	free(t);
	return r;
}

int parse_pid_stat_starttime(const char *buf, size_t len, uint64_t *ret)
{
	size_t i, start;
	unsigned field = 2; /* the ')' ends field 2 (comm) */
	const char *close = NULL;

	for (i = len; i-- > 0;)
		if (buf[i] == ')') {
			close = buf + i;
			break;
		}
	if (!close || !memchr(buf, '(', (size_t)(close - buf)))
		return -EINVAL;
	i = (size_t)(close - buf) + 1;
	for (;;) {
		if (i == len || buf[i] != ' ')
			return -EINVAL;
		i++;
		start = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\n')
			i++;
		if (i == start)
			return -EINVAL;
		if (++field == 22) {
			uint64_t v;
			int r = parse_u64(buf + start, i - start, &v);

			if (r < 0)
				return r == -ERANGE ? -ERANGE : -EINVAL;
			*ret = v;
			return 0;
		}
	}
}
