/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * procfs_parse.c - pure parsers for schedstat, task stat, statm, cgroup,
 * /proc/stat and cpuacct.usage_percpu.
 */
#include <errno.h>
#include <string.h>

#include "fields.h"
#include "procfs_parse.h"
#include "util.h"

/* Signed field (stat has negative priority/nice); only range-checked, value discarded. */
static int field_skip_s64(struct cur *c)
{
	uint64_t v;

	cur_skip_blanks(c);
	if (c->p < c->end && *c->p == '-')
		c->p++;
	return cur_u64(c, &v);
}

int parse_schedstat(const char *buf, size_t len, struct schedstat *ret)
{
	struct cur c = { buf, buf + len };
	struct schedstat s;
	int r;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	if ((r = cur_need(cur_u64(&c, &s.oncpu_ns))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.wait_ns))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.timeslices))) < 0)
		return r;
	if (!cur_skip_to_end(&c))
		return -EINVAL;
	*ret = s;
	return 0;
}

int parse_task_stat(const char *buf, size_t len, struct task_stat *ret)
{
	struct cur c = { buf, buf + len };
	struct task_stat s = { 0 };
	const char *open, *close = NULL;
	size_t n;
	int r;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	if ((r = cur_need(cur_u32(&c, &s.pid))) < 0)
		return r;
	cur_skip_blanks(&c);
	if (c.p == c.end || *c.p != '(')
		return -EINVAL;
	open = c.p + 1;
	/* comm is whatever the task named itself: only the last ')' ends it. */
	for (const char *q = c.end; q > open; q--) {
		if (q[-1] == ')') {
			close = q - 1;
			break;
		}
	}
	if (!close)
		return -EINVAL;
	n = MIN((size_t)(close - open), (size_t)TASK_COMM_LEN - 1);
	memcpy(s.comm, open, n);
	s.comm[n] = '\0';
	c.p = close + 1;
	if (c.p == c.end || *c.p != ' ')
		return -EINVAL;
	cur_skip_blanks(&c);
	if (c.p == c.end || *c.p == '\n')
		return -EINVAL;
	s.state = *c.p++;
	if (c.p < c.end && *c.p != ' ')
		return -EINVAL;
	/* Fields 4..39; 1-based numbers as in proc(5). */
	for (int f = 4; f <= 39; f++) {
		switch (f) {
		case 4:
			r = cur_u32(&c, &s.ppid);
			break;
		case 9:
			r = cur_u32(&c, &s.flags);
			break;
		case 10:
			r = cur_u64(&c, &s.minflt);
			break;
		case 12:
			r = cur_u64(&c, &s.majflt);
			break;
		case 14:
			r = cur_u64(&c, &s.utime_ticks);
			break;
		case 15:
			r = cur_u64(&c, &s.stime_ticks);
			break;
		case 20:
			r = cur_u32(&c, &s.num_threads);
			break;
		case 22:
			r = cur_u64(&c, &s.starttime_ticks);
			break;
		case 39:
			r = cur_u32(&c, &s.processor);
			break;
		default:
			/*
			 * Unused here; several are signed (tty_nr, tpgid, priority,
			 * nice, exit_signal: -1 on threads), so '-' is allowed.
			 */
			r = field_skip_s64(&c);
			break;
		}
		if (r < 0)
			return cur_need(r);
	}
	/* Later fields come and go with kernel versions: they only need to be numbers. */
	for (;;) {
		r = field_skip_s64(&c);
		if (r == -ENODATA)
			break;
		if (r < 0)
			return r;
	}
	if (!cur_skip_to_end(&c))
		return -EINVAL;
	*ret = s;
	return 0;
}

int parse_statm(const char *buf, size_t len, struct statm *ret)
{
	struct cur c = { buf, buf + len };
	uint64_t lib, dt;
	struct statm s;
	int r;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	if ((r = cur_need(cur_u64(&c, &s.size_pages))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.resident_pages))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.shared_pages))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.text_pages))) < 0 ||
	    (r = cur_need(cur_u64(&c, &lib))) < 0 ||
	    (r = cur_need(cur_u64(&c, &s.data_pages))) < 0 ||
	    (r = cur_need(cur_u64(&c, &dt))) < 0)
		return r;
	if (!cur_skip_to_end(&c))
		return -EINVAL;
	*ret = s;
	return 0;
}

int parse_proc_cgroup_v2(const char *buf, size_t len, char *ret_path, size_t size)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		if (eol - p >= 3 && memcmp(p, "0::", 3) == 0) {
			p += 3;
			n = (size_t)(eol - p);
			if (n == 0 || memchr(p, '\0', n))
				return -EINVAL;
			if (n >= size)
				return -ENAMETOOLONG;
			memcpy(ret_path, p, n);
			ret_path[n] = '\0';
			return 0;
		}
		p = eol + 1;
	}
	return -ENOENT;
}

/* Whether the comma-separated list s[0..len) holds `word`. */
static bool list_has(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s, *end = s + len; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if ((size_t)(e - p) == n && memcmp(p, word, n) == 0)
			return true;
		p = e + 1;
	}
	return false;
}

int parse_proc_cgroup(const char *buf, size_t len, char *ret_path, size_t size)
{
	const char *p = buf, *end = buf + len, *best = NULL;
	size_t best_len = 0;
	int best_rank = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *c1, *c2, *path;
		size_t n, clen;
		int rank;

		if (!eol)
			eol = end;
		c1 = memchr(p, ':', (size_t)(eol - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (!c2) {
			p = eol + 1;
			continue;
		}
		path = c2 + 1;
		n = (size_t)(eol - path);
		clen = (size_t)(c2 - c1 - 1);
		if (n == 0 || path[0] != '/' || memchr(path, '\0', n))
			return -EINVAL;
		/* 5: v2, 4: name=systemd, 3: cpu, 2: another, 1: the root (any line). */
		if (n == 1)
			rank = 1;
		else if (clen == 0 && c1 - p == 1 && p[0] == '0')
			rank = 5;
		else if (list_has(c1 + 1, clen, "name=systemd"))
			rank = 4;
		else if (list_has(c1 + 1, clen, "cpu"))
			rank = 3;
		else
			rank = 2;
		if (rank > best_rank) {
			best = path;
			best_len = n;
			best_rank = rank;
		}
		p = eol + 1;
	}
	if (!best)
		return -ENOENT;
	if (best_len >= size)
		return -ENAMETOOLONG;
	memcpy(ret_path, best, best_len);
	ret_path[best_len] = '\0';
	return 0;
}

/* One "cpuN ..." line after "cpu": N and its fields; c ends at the end of the line. */
static int stat_cpu_line(struct cur *c, uint32_t *ret_cpu, struct proc_stat_cpu *ret)
{
	uint64_t f[10] = { 0 }, busy, total;
	uint32_t cpu;
	int r, i;

	/* The number is glued to "cpu": not a blank-separated field. */
	if (c->p == c->end || *c->p < '0' || *c->p > '9')
		return -EINVAL;
	if ((r = cur_u32(c, &cpu)) < 0)
		return r;
	for (i = 0; i < 10; i++) {
		r = cur_u64(c, &f[i]);
		if (r == -ENODATA)
			break;
		if (r < 0)
			return r;
	}
	if (i < 4)
		return -EINVAL;
	/* Fields a later kernel adds after guest_nice: numbers, not needed. */
	if (i == 10) {
		uint64_t extra;

		while ((r = cur_u64(c, &extra)) != -ENODATA)
			if (r < 0)
				return r;
	}
	cur_skip_blanks(c);
	if (c->p < c->end && *c->p != '\n' && *c->p != '\r')
		return -EINVAL;
	/*
	 * user nice system idle iowait irq softirq steal guest guest_nice.
	 * busy + idle + iowait must fit: callers add them for a CPU's total.
	 */
	busy = f[0];
	if (__builtin_add_overflow(busy, f[1], &busy) ||
	    __builtin_add_overflow(busy, f[2], &busy) ||
	    __builtin_add_overflow(busy, f[5], &busy) ||
	    __builtin_add_overflow(busy, f[6], &busy) ||
	    __builtin_add_overflow(busy, f[7], &busy) ||
	    __builtin_add_overflow(busy, f[3], &total) ||
	    __builtin_add_overflow(total, f[4], &total))
		return -ERANGE;
	ret->busy_ticks = busy;
	ret->steal_ticks = f[7];
	ret->idle_ticks = f[3];
	ret->iowait_ticks = f[4];
	ret->present = true;
	*ret_cpu = cpu;
	return 0;
}

/* Walk /proc/stat once; store into cpus only when `store`. Returns cpuN lines stored. */
static int stat_walk(const char *buf, size_t len, struct proc_stat_cpu *cpus, unsigned ncpus,
		     bool store, uint64_t *ret_forks, unsigned *ret_skipped)
{
	const char *p = buf, *end = buf + len;
	bool have_forks = false;
	unsigned stored = 0, skipped = 0;
	uint64_t forks = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct cur c;
		int r;

		if (!eol)
			eol = end;
		c.p = p;
		c.end = eol;
		if (eol - p > 3 && memcmp(p, "cpu", 3) == 0 && p[3] != ' ') {
			struct proc_stat_cpu one;
			uint32_t cpu;

			c.p += 3;
			r = stat_cpu_line(&c, &cpu, &one);
			if (r < 0)
				return r;
			if (cpu < ncpus) {
				if (store)
					cpus[cpu] = one;
				stored++;
			} else {
				skipped++;
			}
		} else if (eol - p > 10 && memcmp(p, "processes ", 10) == 0) {
			c.p += 10;
			r = cur_u64(&c, &forks);
			if (r < 0)
				return cur_need(r);
			have_forks = true;
		}
		p = eol + 1;
	}
	if (!have_forks)
		return -EINVAL;
	*ret_forks = forks;
	*ret_skipped = skipped;
	return (int)MIN(stored, (unsigned)INT32_MAX);
}

int parse_proc_stat(const char *buf, size_t len, struct proc_stat_cpu *cpus, unsigned ncpus,
		    uint64_t *ret_forks, unsigned *ret_skipped)
{
	uint64_t forks;
	unsigned skipped;
	int r;

	if (len == 0)
		return -ENODATA;
	/* Validate first: on error cpus[] stays as it was. */
	r = stat_walk(buf, len, cpus, ncpus, false, &forks, &skipped);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < ncpus; i++)
		cpus[i] = (struct proc_stat_cpu){ 0 };
	(void)stat_walk(buf, len, cpus, ncpus, true, &forks, &skipped);
	*ret_forks = forks;
	*ret_skipped = skipped;
	/* Distinct CPUs: a repeated cpuN line (never from a kernel) is stored once, the last. */
	r = 0;
	for (unsigned i = 0; i < ncpus; i++)
		r += cpus[i].present;
	return r;
}

int parse_uptime(const char *buf, size_t len, uint64_t *ret_ns)
{
	struct cur c = { buf, buf + len };
	uint64_t sec, frac = 0, scale = NSEC_PER_SEC;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	c.p = buf;
	cur_skip_blanks(&c);
	sec = 0;
	if (c.p == c.end || *c.p < '0' || *c.p > '9')
		return -EINVAL;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		unsigned d = (unsigned)(*c.p - '0');

		/* Keep sec * 1e9 + a fraction below 2^64. */
		if (sec > (UINT64_MAX / NSEC_PER_SEC - 1 - d) / 10)
			return -ERANGE;
		sec = sec * 10 + d;
		c.p++;
	}
	if (c.p < c.end && *c.p == '.') {
		c.p++;
		while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*c.p - '0') * scale;
			}
			c.p++;
		}
	}
	if (c.p < c.end && *c.p != ' ' && *c.p != '\n')
		return -EINVAL;
	/* The idle field may follow; it is not needed. */
	*ret_ns = sec * NSEC_PER_SEC + frac;
	return 0;
}

/* "D.DD" as the kernel prints a load: digits, a dot, two digits; the value is not needed. */
static int field_load(struct cur *c)
{
	const char *start;

	cur_skip_blanks(c);
	start = c->p;
	while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.'))
		c->p++;
	if (c->p == start || c->p == c->end || *c->p != ' ')
		return -EINVAL;
	return 0;
}

int parse_loadavg(const char *buf, size_t len, struct loadavg *ret)
{
	struct cur c = { buf, buf + len };
	struct loadavg l;
	int r;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	c.p = buf;
	for (int i = 0; i < 3; i++)
		if ((r = field_load(&c)) < 0)
			return r;
	cur_skip_blanks(&c);
	{
		/* "R/T": the slash is glued to both numbers. */
		const char *slash = memchr(c.p, '/', (size_t)(c.end - c.p));
		struct cur a;

		if (!slash)
			return -EINVAL;
		a.p = c.p;
		a.end = slash;
		if ((r = cur_need(cur_u32(&a, &l.runnable))) < 0 || a.p != slash)
			return r < 0 ? r : -EINVAL;
		c.p = slash + 1;
		if (c.p == c.end || *c.p < '0' || *c.p > '9')
			return -EINVAL;
		if ((r = cur_need(cur_u32(&c, &l.threads))) < 0 ||
		    (r = cur_need(cur_u32(&c, &l.last_pid))) < 0)
			return r;
	}
	if (!cur_skip_to_end(&c))
		return -EINVAL;
	*ret = l;
	return 0;
}

int parse_cpuacct_percpu(const char *buf, size_t len, uint64_t *ret_ns, unsigned ncpus)
{
	struct cur c = { buf, buf + len };
	const char *first;
	unsigned n = 0;
	int r;

	if (cur_skip_to_end(&c))
		return -ENODATA;
	first = c.p;
	/* Validate first: on error ret_ns stays as it was. */
	for (;;) {
		uint64_t v;

		r = cur_u64(&c, &v);
		if (r == -ENODATA)
			break;
		if (r < 0)
			return r;
		if (n == UINT32_MAX)
			return -ERANGE;
		n++;
	}
	if (!cur_skip_to_end(&c) || n == 0)
		return -EINVAL;
	c.p = first;
	for (unsigned i = 0; i < n && i < ncpus; i++)
		(void)cur_u64(&c, &ret_ns[i]);
	return (int)MIN(n, (unsigned)INT32_MAX);
}
