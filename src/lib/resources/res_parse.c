/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* res_parse.c - pure parsers for /proc/stat, loadavg, meminfo, diskstats, net/dev, PSI, status, io. */
#include <errno.h>
#include <string.h>

#include "fields.h"
#include "res_parse.h"
#include "util.h"

/*
 * A fixed-point decimal "12.34" into hundredths (or thousandths with
 * `digits` 3): at most `digits` fraction digits, the integer part bounded so
 * the result fits in 32 bits. Ends at a blank, '/' is not accepted.
 */
static int field_fixed(struct cur *c, unsigned digits, uint32_t *ret)
{
	uint64_t ip = 0, frac = 0, scale = 1;
	const char *start;
	unsigned n = 0;

	for (unsigned i = 0; i < digits; i++)
		scale *= 10;
	cur_skip_blanks(c);
	if (c->p == c->end)
		return -ENODATA;
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		ip = ip * 10 + (uint64_t)(*c->p - '0');
		if (ip > UINT32_MAX / scale)
			return -ERANGE;
		c->p++;
	}
	if (c->p == start)
		return -EINVAL;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			if (n < digits) {
				frac = frac * 10 + (uint64_t)(*c->p - '0');
				n++;
			}
			c->p++;
		}
		if (c->p == start)
			return -EINVAL;
	}
	for (; n < digits; n++)
		frac *= 10;
	if (c->p < c->end && !cur_is_blank(*c->p))
		return -EINVAL;
	if (ip * scale + frac > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)(ip * scale + frac);
	return 0;
}

uint64_t cpu_times_busy(const struct cpu_times *t)
{
	return t->user + t->nice + t->system + t->irq + t->softirq + t->steal;
}

uint64_t cpu_times_total(const struct cpu_times *t)
{
	return cpu_times_busy(t) + t->idle + t->iowait;
}

/* The fields of a cpu line after its name; at least 4, later ones optional. */
static int cpu_fields(struct cur *c, struct cpu_times *ret)
{
	uint64_t f[10] = { 0 }, sum = 0;
	int r, i;

	for (i = 0; i < 10; i++) {
		r = cur_u64(c, &f[i]);
		if (r == -ENODATA)
			break;
		if (r < 0)
			return r;
	}
	if (i < 4)
		return -EINVAL;
	/* guest and guest_nice (8, 9) are inside user and nice; newer fields are ignored. */
	while ((r = cur_u64(c, &f[9])) == 0)
		;
	if (r != -ENODATA)
		return r;
	for (i = 0; i < 8; i++) {
		if (sum + f[i] < sum)
			return -ERANGE;
		sum += f[i];
	}
	ret->user = f[0];
	ret->nice = f[1];
	ret->system = f[2];
	ret->idle = f[3];
	ret->iowait = f[4];
	ret->irq = f[5];
	ret->softirq = f[6];
	ret->steal = f[7];
	ret->present = true;
	return 0;
}

int parse_sys_stat(const char *buf, size_t len, struct cpu_times *cpus, unsigned ncpus,
		   struct sys_stat *ret)
{
	struct cur all = { buf, buf + len }, line;
	struct sys_stat s = { 0 };
	bool have_cpu = false, have_ctxt = false, have_intr = false;
	unsigned stored = 0;
	int r;

	if (cur_rest_blank(&all))
		return -ENODATA;
	for (unsigned i = 0; i < ncpus; i++)
		cpus[i].present = false;
	while (cur_next_line(&all, &line)) {
		if (cur_take_word(&line, "cpu")) {
			if ((r = cpu_fields(&line, &s.all)) < 0)
				return r;
			have_cpu = true;
		} else if (line.end - line.p > 3 && memcmp(line.p, "cpu", 3) == 0) {
			struct cpu_times t;
			uint32_t n;

			line.p += 3;
			/* The number is glued to "cpu". */
			if (*line.p < '0' || *line.p > '9')
				return -EINVAL;
			if ((r = cur_u32(&line, &n)) < 0 || (r = cpu_fields(&line, &t)) < 0)
				return r;
			if (n >= ncpus) {
				s.skipped++;
				continue;
			}
			if (!cpus[n].present)
				stored++;
			cpus[n] = t;
		} else if (cur_take_word(&line, "ctxt")) {
			if ((r = cur_need(cur_u64(&line, &s.ctxt))) < 0)
				return r;
			have_ctxt = true;
		} else if (cur_take_word(&line, "intr")) {
			/* The total, then one count per IRQ number: only the total is used. */
			if ((r = cur_need(cur_u64(&line, &s.intr))) < 0)
				return r;
			have_intr = true;
		} else if (cur_take_word(&line, "processes")) {
			if ((r = cur_need(cur_u64(&line, &s.forks))) < 0)
				return r;
		} else if (cur_take_word(&line, "procs_running")) {
			if ((r = cur_need(cur_u32(&line, &s.procs_running))) < 0)
				return r;
		} else if (cur_take_word(&line, "procs_blocked")) {
			if ((r = cur_need(cur_u32(&line, &s.procs_blocked))) < 0)
				return r;
		}
	}
	if (!have_cpu || !have_ctxt || !have_intr)
		return -EINVAL;
	s.ncpus = stored;
	*ret = s;
	return 0;
}

int parse_load_avg(const char *buf, size_t len, struct load_avg *ret)
{
	struct cur c = { buf, buf + len };
	struct load_avg l;
	uint64_t last_pid;
	int r;

	if (cur_rest_blank(&c))
		return -ENODATA;
	for (int i = 0; i < 3; i++)
		if ((r = cur_need(field_fixed(&c, 3, &l.load_milli[i]))) < 0)
			return r;
	/* "runnable/threads": the '/' ends the first number. */
	{
		struct cur a;
		const char *slash;

		cur_skip_blanks(&c);
		slash = memchr(c.p, '/', (size_t)(c.end - c.p));
		if (!slash)
			return -EINVAL;
		a.p = c.p;
		a.end = slash;
		if ((r = cur_need(cur_u32(&a, &l.runnable))) < 0 || a.p != a.end)
			return r < 0 ? r : -EINVAL;
		c.p = slash + 1;
		if (c.p == c.end || cur_is_blank(*c.p))
			return -EINVAL;
		if ((r = cur_need(cur_u32(&c, &l.threads))) < 0)
			return r;
	}
	{
		struct cur rest = c;
		const char *eol = memchr(rest.p, '\n', (size_t)(rest.end - rest.p));

		if (eol)
			rest.end = eol;
		if ((r = cur_need(cur_u64(&rest, &last_pid))) < 0)
			return r;
		c.p = rest.p;
	}
	if (!cur_rest_blank(&c))
		return -EINVAL;
	*ret = l;
	return 0;
}

int parse_meminfo(const char *buf, size_t len, struct meminfo *ret)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal", offsetof(struct meminfo, total_bytes) },
		{ "MemFree", offsetof(struct meminfo, free_bytes) },
		{ "MemAvailable", offsetof(struct meminfo, available_bytes) },
		{ "Buffers", offsetof(struct meminfo, buffers_bytes) },
		{ "Cached", offsetof(struct meminfo, cached_bytes) },
		{ "SwapTotal", offsetof(struct meminfo, swap_total_bytes) },
		{ "SwapFree", offsetof(struct meminfo, swap_free_bytes) },
		{ "Dirty", offsetof(struct meminfo, dirty_bytes) },
		{ "Writeback", offsetof(struct meminfo, writeback_bytes) },
	};
	struct cur all = { buf, buf + len }, line;
	struct meminfo m = { 0 };
	bool have_total = false, have_free = false;
	int r;

	if (cur_rest_blank(&all))
		return -ENODATA;
	while (cur_next_line(&all, &line)) {
		const char *colon;
		uint64_t v;
		size_t klen;

		if (cur_rest_blank(&line))
			continue;
		colon = memchr(line.p, ':', (size_t)(line.end - line.p));
		if (!colon || colon == line.p)
			return -EINVAL;
		klen = (size_t)(colon - line.p);
		line.p = colon + 1;
		if ((r = cur_need(cur_u64(&line, &v))) < 0)
			return r;
		cur_skip_blanks(&line);
		if (line.p < line.end) {
			/* The unit: only kB is ever printed. */
			if (line.end - line.p < 2 || memcmp(line.p, "kB", 2) != 0)
				return -EINVAL;
			line.p += 2;
			if (!cur_rest_blank(&line))
				return -EINVAL;
			if (v > UINT64_MAX / 1024)
				return -ERANGE;
			v *= 1024;
		}
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strlen(keys[i].key) != klen || memcmp(keys[i].key, colon - klen, klen))
				continue;
			*(uint64_t *)((char *)&m + keys[i].off) = v;
			if (i == 0)
				have_total = true;
			else if (i == 1)
				have_free = true;
			else if (i == 2)
				m.has_available = true;
		}
	}
	if (!have_total || !have_free)
		return -EINVAL;
	if (!m.has_available)
		m.available_bytes = m.free_bytes + m.buffers_bytes + m.cached_bytes;
	*ret = m;
	return 0;
}

/* A blank-separated word into dst[size] (NUL-terminated); -EINVAL when empty or too long. */
static int field_word(struct cur *c, char *dst, size_t size)
{
	const char *start;
	size_t n;

	cur_skip_blanks(c);
	start = c->p;
	while (c->p < c->end && !cur_is_blank(*c->p))
		c->p++;
	n = (size_t)(c->p - start);
	if (n == 0 || n >= size || memchr(start, '\0', n))
		return -EINVAL;
	memcpy(dst, start, n);
	dst[n] = '\0';
	return 0;
}

int parse_diskstats(const char *buf, size_t len, struct diskstat *ret, size_t max)
{
	struct cur all = { buf, buf + len }, line;
	size_t n = 0;
	int r;

	while (cur_next_line(&all, &line)) {
		struct diskstat d = { 0 };
		uint64_t f[17];
		int nf;

		if (cur_rest_blank(&line))
			continue;
		if ((r = cur_need(cur_u32(&line, &d.major))) < 0 ||
		    (r = cur_need(cur_u32(&line, &d.minor))) < 0 ||
		    (r = field_word(&line, d.name, sizeof(d.name))) < 0)
			return r;
		for (nf = 0; nf < 17; nf++) {
			r = cur_u64(&line, &f[nf]);
			if (r == -ENODATA)
				break;
			if (r < 0)
				return r;
		}
		if (nf == 17 && !cur_rest_blank(&line))
			return -EINVAL;
		if (nf == 4) {
			/* Partition lines before 2.6.25: reads, sectors read, writes, sectors written. */
			d.reads = f[0];
			d.read_sectors = f[1];
			d.writes = f[2];
			d.write_sectors = f[3];
		} else if (nf == 11 || nf == 15 || nf == 17) {
			d.reads = f[0];
			d.read_sectors = f[2];
			d.writes = f[4];
			d.write_sectors = f[6];
			d.io_ticks_ms = f[9];
		} else {
			return -EINVAL;
		}
		if (n < max)
			ret[n] = d;
		n++;
	}
	return (int)MIN(n, (size_t)INT32_MAX);
}

int parse_net_dev(const char *buf, size_t len, struct netdev_stat *ret, size_t max)
{
	struct cur all = { buf, buf + len }, line;
	size_t n = 0;
	int r;

	while (cur_next_line(&all, &line)) {
		struct netdev_stat d = { 0 };
		const char *colon, *name;
		uint64_t f[16];
		size_t nlen;

		if (cur_rest_blank(&line) || memchr(line.p, '|', (size_t)(line.end - line.p)))
			continue; /* the two header lines */
		/* "%6s:": the name is right-aligned; interface names never hold ':'. */
		colon = memchr(line.p, ':', (size_t)(line.end - line.p));
		if (!colon)
			return -EINVAL;
		cur_skip_blanks(&line);
		name = line.p;
		nlen = (size_t)(colon - name);
		if (nlen == 0 || nlen >= sizeof(d.name) || memchr(name, ' ', nlen) ||
		    memchr(name, '\0', nlen))
			return -EINVAL;
		memcpy(d.name, name, nlen);
		d.name[nlen] = '\0';
		line.p = colon + 1;
		for (int i = 0; i < 16; i++)
			if ((r = cur_need(cur_u64(&line, &f[i]))) < 0)
				return r;
		if (!cur_rest_blank(&line))
			return -EINVAL;
		d.rx_bytes = f[0];
		d.rx_packets = f[1];
		d.tx_bytes = f[8];
		d.tx_packets = f[9];
		if (n < max)
			ret[n] = d;
		n++;
	}
	return (int)MIN(n, (size_t)INT32_MAX);
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=0" after the some/full word. */
static int psi_fields(struct cur *c, struct psi_line *ret)
{
	static const char *const keys[] = { "avg10=", "avg60=", "avg300=", "total=" };
	struct psi_line l;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t n = strlen(keys[i]);

		cur_skip_blanks(c);
		if ((size_t)(c->end - c->p) < n || memcmp(c->p, keys[i], n) != 0)
			return -EINVAL;
		c->p += n;
		if (c->p == c->end || cur_is_blank(*c->p))
			return -EINVAL;
		switch (i) {
		case 0:
			r = field_fixed(c, 2, &l.avg10_centi);
			break;
		case 1:
			r = field_fixed(c, 2, &l.avg60_centi);
			break;
		case 2:
			r = field_fixed(c, 2, &l.avg300_centi);
			break;
		default:
			r = cur_u64(c, &l.total_us);
			break;
		}
		if (r < 0)
			return cur_need(r);
	}
	if (!cur_rest_blank(c))
		return -EINVAL;
	/* Averages are percentages: above 100 % the file is not PSI. */
	if (l.avg10_centi > 10000 || l.avg60_centi > 10000 || l.avg300_centi > 10000)
		return -ERANGE;
	*ret = l;
	return 0;
}

int parse_pressure(const char *buf, size_t len, struct pressure *ret)
{
	struct cur all = { buf, buf + len }, line;
	struct pressure p = { 0 };
	bool have_some = false;
	int r;

	if (cur_rest_blank(&all))
		return -ENODATA;
	while (cur_next_line(&all, &line)) {
		if (cur_rest_blank(&line))
			continue;
		if (cur_take_word(&line, "some")) {
			if ((r = psi_fields(&line, &p.some)) < 0)
				return r;
			have_some = true;
		} else if (cur_take_word(&line, "full")) {
			if ((r = psi_fields(&line, &p.full)) < 0)
				return r;
			p.has_full = true;
		} else {
			return -EINVAL;
		}
	}
	if (!have_some)
		return -EINVAL;
	*ret = p;
	return 0;
}

/* "Key:\tVALUE" → the value's cursor when the line's key is `key`. */
static bool status_key(const struct cur *line, const char *key, struct cur *ret)
{
	size_t n = strlen(key);

	if ((size_t)(line->end - line->p) <= n || memcmp(line->p, key, n) != 0 || line->p[n] != ':')
		return false;
	ret->p = line->p + n + 1;
	ret->end = line->end;
	return true;
}

/* "  1234 kB" into bytes. */
static int status_kb(struct cur *c, uint64_t *ret)
{
	uint64_t v;
	int r;

	if ((r = cur_need(cur_u64(c, &v))) < 0)
		return r;
	cur_skip_blanks(c);
	if (c->end - c->p < 2 || memcmp(c->p, "kB", 2) != 0)
		return -EINVAL;
	c->p += 2;
	if (!cur_rest_blank(c))
		return -EINVAL;
	if (v > UINT64_MAX / 1024)
		return -ERANGE;
	*ret = v * 1024;
	return 0;
}

static int status_u64(struct cur *c, uint64_t *ret)
{
	int r = cur_need(cur_u64(c, ret));

	if (r < 0)
		return r;
	return cur_rest_blank(c) ? 0 : -EINVAL;
}

static int status_u32(struct cur *c, uint32_t *ret)
{
	uint64_t v;
	int r = status_u64(c, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

/* "\t1000\t1000\t1000\t1000": real, effective, saved and filesystem uids. */
static int status_uids(struct cur *c, uint32_t *ret)
{
	for (int i = 0; i < 4; i++) {
		uint64_t v;
		int r = cur_need(cur_u64(c, &v));

		if (r < 0)
			return r;
		if (v > UINT32_MAX)
			return -ERANGE;
		ret[i] = (uint32_t)v;
	}
	return cur_rest_blank(c) ? 0 : -EINVAL;
}

int parse_task_status(const char *buf, size_t len, struct task_status *ret)
{
	struct cur all = { buf, buf + len }, line, v;
	struct task_status s = { 0 };
	bool have_name = false, have_state = false, have_pid = false;
	int r = 0;

	if (cur_rest_blank(&all))
		return -ENODATA;
	while (cur_next_line(&all, &line)) {
		if (status_key(&line, "Name", &v)) {
			size_t n;

			/* One tab, then the name: it may itself start with blanks. */
			if (v.p < v.end && *v.p == '\t')
				v.p++;
			n = MIN((size_t)(v.end - v.p), sizeof(s.name) - 1);
			if (memchr(v.p, '\0', n))
				return -EINVAL;
			memcpy(s.name, v.p, n);
			s.name[n] = '\0';
			have_name = true;
		} else if (status_key(&line, "State", &v)) {
			cur_skip_blanks(&v);
			if (v.p == v.end)
				return -EINVAL;
			s.state = *v.p;
			have_state = true;
		} else if (status_key(&line, "Tgid", &v)) {
			r = status_u32(&v, &s.tgid);
		} else if (status_key(&line, "Pid", &v)) {
			r = status_u32(&v, &s.pid);
			have_pid = r == 0;
		} else if (status_key(&line, "PPid", &v)) {
			r = status_u32(&v, &s.ppid);
		} else if (status_key(&line, "VmSize", &v)) {
			r = status_kb(&v, &s.vm_size_bytes);
		} else if (status_key(&line, "VmRSS", &v)) {
			r = status_kb(&v, &s.vm_rss_bytes);
		} else if (status_key(&line, "Threads", &v)) {
			r = status_u32(&v, &s.threads);
		} else if (status_key(&line, "voluntary_ctxt_switches", &v)) {
			r = status_u64(&v, &s.voluntary_ctxt);
		} else if (status_key(&line, "nonvoluntary_ctxt_switches", &v)) {
			r = status_u64(&v, &s.nonvoluntary_ctxt);
		} else if (status_key(&line, "Uid", &v)) {
			r = status_uids(&v, s.uid);
			s.has_uid = r == 0;
		}
		if (r < 0)
			return r;
	}
	if (!have_name || !have_state || !have_pid)
		return -EINVAL;
	*ret = s;
	return 0;
}

int parse_task_io(const char *buf, size_t len, struct task_io *ret)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "rchar", offsetof(struct task_io, rchar) },
		{ "wchar", offsetof(struct task_io, wchar) },
		{ "syscr", offsetof(struct task_io, syscr) },
		{ "syscw", offsetof(struct task_io, syscw) },
		{ "read_bytes", offsetof(struct task_io, read_bytes) },
		{ "write_bytes", offsetof(struct task_io, write_bytes) },
		{ "cancelled_write_bytes", offsetof(struct task_io, cancelled_write_bytes) },
	};
	struct cur all = { buf, buf + len }, line, v;
	struct task_io io = { 0 };
	unsigned seen = 0;
	int r;

	if (cur_rest_blank(&all))
		return -ENODATA;
	while (cur_next_line(&all, &line)) {
		size_t i;

		if (cur_rest_blank(&line))
			continue;
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (status_key(&line, keys[i].key, &v))
				break;
		if (i == ARRAY_SIZE(keys)) {
			/* An unknown key from a later kernel is fine; a line without one is not. */
			if (!memchr(line.p, ':', (size_t)(line.end - line.p)))
				return -EINVAL;
			continue;
		}
		if ((r = status_u64(&v, (uint64_t *)((char *)&io + keys[i].off))) < 0)
			return r;
		seen |= 1u << i;
	}
	if ((seen & 3u) != 3u)
		return -EINVAL;
	io.has_storage = (seen & (1u << 4)) && (seen & (1u << 5));
	*ret = io;
	return 0;
}
