/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * drm_fdinfo.c - the pure parser of DRM fdinfo files and PCI addresses
 * (Documentation/gpu/drm-usage-stats.rst). The collector that reads them is
 * drm_clients.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drm_fdinfo.h"
#include "parse.h"
#include "util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && memcmp(s, prefix, pl) == 0;
}

/* Printable, no blank: what a driver, device or engine name is made of. */
static bool is_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Copy value[0..len) into a fixed field; -EINVAL when empty, too long or not a name. */
static int copy_str(char *dst, size_t size, const char *v, size_t len)
{
	if (len == 0 || len >= size || !is_name(v, len))
		return -EINVAL;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* "<digits>" then optional blanks and an expected unit word ("ns"; NULL: none). */
static int number_unit(const char *v, size_t len, const char *unit, uint64_t *ret)
{
	size_t i = 0;

	while (i < len && v[i] >= '0' && v[i] <= '9')
		i++;
	if (i == 0)
		return -EINVAL;
	if (unit) {
		size_t j = i, ul = strlen(unit);

		while (j < len && is_blank(v[j]))
			j++;
		if (j == i || len - j != ul || memcmp(v + j, unit, ul) != 0)
			return -EINVAL;
	} else if (i != len) {
		return -EINVAL;
	}
	return parse_u64(v, i, ret);
}

/* "<digits>[ KiB| MiB]" in bytes. */
static int memory_bytes(const char *v, size_t len, uint64_t *ret)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{NULL, 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}};

	for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
		uint64_t n;
		int r = number_unit(v, len, units[u].unit, &n);

		if (r == -ERANGE)
			return r;
		if (r < 0)
			continue;
		if (n > UINT64_MAX / units[u].mult)
			return -ERANGE;
		*ret = n * units[u].mult;
		return 0;
	}
	return -EINVAL;
}

static struct drm_engine *engine(struct drm_fdinfo *f, const char *name, size_t len, int *err)
{
	struct drm_engine *e;

	if (len == 0 || len >= DRM_ENGINE_NAME_MAX || !is_name(name, len)) {
		*err = -EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < f->nengines; i++)
		if (strlen(f->engines[i].name) == len && memcmp(f->engines[i].name, name, len) == 0)
			return &f->engines[i];
	if (f->nengines == DRM_MAX_ENGINES) {
		*err = -E2BIG;
		return NULL;
	}
	e = &f->engines[f->nengines++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len);
	e->capacity = 1;
	return e;
}

/* Is a memory region name device-local ("vram0", "local0", "vram")? */
static bool local_region(const char *r, size_t len)
{
	return has_prefix(r, len, "vram") || has_prefix(r, len, "local");
}

struct accum {
	uint64_t resident, legacy;
	bool has_resident, has_legacy;
};

static int add_sat(uint64_t *acc, uint64_t v)
{
	if (*acc > UINT64_MAX - v)
		return -ERANGE;
	*acc += v;
	return 0;
}

/* One "drm-..." line: key[0..klen), value[0..vlen) (both trimmed). */
static int drm_line(struct drm_fdinfo *f, struct accum *m, const char *k, size_t klen,
		    const char *v, size_t vlen)
{
	struct drm_engine *e;
	uint64_t n;
	int r = 0;

#define KEY_IS(s) (klen == strlen(s) && memcmp(k, s, klen) == 0)
#define AFTER(s) (k + strlen(s)), (klen - strlen(s))
	if (KEY_IS("drm-driver"))
		return copy_str(f->driver, sizeof(f->driver), v, vlen);
	if (KEY_IS("drm-pdev"))
		return copy_str(f->pdev, sizeof(f->pdev), v, vlen);
	if (KEY_IS("drm-client-id")) {
		r = number_unit(v, vlen, NULL, &f->client_id);
		f->has_client_id = r == 0;
		return r;
	}
	if (has_prefix(k, klen, "drm-engine-capacity-")) {
		r = number_unit(v, vlen, NULL, &n);
		if (r < 0)
			return r;
		if (n == 0 || n > UINT32_MAX)
			return -ERANGE;
		e = engine(f, AFTER("drm-engine-capacity-"), &r);
		if (e)
			e->capacity = (uint32_t)n;
		return r;
	}
	if (has_prefix(k, klen, "drm-engine-")) {
		r = number_unit(v, vlen, "ns", &n);
		if (r < 0)
			return r;
		e = engine(f, AFTER("drm-engine-"), &r);
		if (e) {
			e->busy_ns = n;
			e->has_ns = true;
		}
		return r;
	}
	if (has_prefix(k, klen, "drm-cycles-")) {
		r = number_unit(v, vlen, NULL, &n);
		if (r < 0)
			return r;
		e = engine(f, AFTER("drm-cycles-"), &r);
		if (e) {
			e->cycles = n;
			e->has_cycles = true;
		}
		return r;
	}
	if (has_prefix(k, klen, "drm-total-cycles-")) {
		r = number_unit(v, vlen, NULL, &n);
		if (r < 0)
			return r;
		e = engine(f, AFTER("drm-total-cycles-"), &r);
		if (e) {
			e->total_cycles = n;
			e->has_total_cycles = true;
		}
		return r;
	}
	if (has_prefix(k, klen, "drm-resident-") && local_region(AFTER("drm-resident-"))) {
		r = memory_bytes(v, vlen, &n);
		if (r == 0)
			r = add_sat(&m->resident, n);
		m->has_resident = true;
		return r;
	}
	if (has_prefix(k, klen, "drm-memory-") && local_region(AFTER("drm-memory-"))) {
		r = memory_bytes(v, vlen, &n);
		if (r == 0)
			r = add_sat(&m->legacy, n);
		m->has_legacy = true;
		return r;
	}
#undef KEY_IS
#undef AFTER
	/* drm-total-<region>, drm-shared-*, drm-maxfreq-*...: not used. */
	return 0;
}

int parse_drm_fdinfo(const char *buf, size_t len, struct drm_fdinfo *ret)
{
	struct drm_fdinfo f;
	struct accum m = {0};
	size_t i = 0;
	bool any = false;

	memset(&f, 0, sizeof(f));
	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		const char *colon = memchr(line, ':', ll);

		i += ll + (nl ? 1 : 0);
		if (ll && !(ll == 1 && line[0] == '\r'))
			any = true;
		if (colon && has_prefix(line, (size_t)(colon - line), "drm-")) {
			const char *k = line, *v = colon + 1;
			size_t klen = (size_t)(colon - line), vlen = ll - klen - 1;
			int r;

			vlen = parse_trim(&v, vlen);
			klen = parse_trim(&k, klen);
			r = drm_line(&f, &m, k, klen, v, vlen);
			if (r < 0)
				return r;
		}
	}
	if (!any)
		return -ENODATA;
	if (!f.driver[0])
		return -ENOENT;
	if (m.has_resident || m.has_legacy) {
		f.vram_bytes = m.has_resident ? m.resident : m.legacy;
		f.has_vram = true;
	}
	*ret = f;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits [s, s+n) → value; -EINVAL. */
static int hex_field(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return -EINVAL;
		v = v * 16 + (uint64_t)h;
	}
	*ret = v;
	return 0;
}

int drm_pci_normalize(const char *s, char *ret, size_t ret_size)
{
	const char *c1, *c2, *dot;
	uint64_t dom, bus, dev, fn;
	size_t len = strlen(s);

	c1 = memchr(s, ':', len);
	if (!c1 || ret_size < 13)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (!c2)
		return -EINVAL;
	dot = memchr(c2 + 1, '.', len - (size_t)(c2 + 1 - s));
	if (!dot || s + len != dot + 2)
		return -EINVAL;
	if (hex_field(s, (size_t)(c1 - s), &dom) < 0 || dom > 0xffff ||
	    hex_field(c1 + 1, (size_t)(c2 - c1 - 1), &bus) < 0 || bus > 0xff ||
	    hex_field(c2 + 1, (size_t)(dot - c2 - 1), &dev) < 0 || dev > 0x1f ||
	    hex_field(dot + 1, 1, &fn) < 0 || fn > 7)
		return -EINVAL;
	snprintf(ret, ret_size, "%04x:%02x:%02x.%x", (unsigned)dom, (unsigned)bus, (unsigned)dev,
		 (unsigned)fn);
	return 0;
}

int parse_drm_clients_list(const char *buf, size_t len, uint32_t *pids, size_t max, size_t *ret_n)
{
	const char *all = buf;
	size_t i = 0, n = 0;
	bool header = false;

	if (parse_trim(&all, len) == 0)
		return -ENODATA;
	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i, j;
		uint64_t tgid;
		const char *l = line;

		i += ll + (nl ? 1 : 0);
		if (parse_trim(&l, ll) == 0)
			continue;
		if (!header) {
			/* "             command  tgid dev master a   uid      magic ..." */
			const char *h = line;

			if (ll < 20 || parse_trim(&h, 20) != 7 || memcmp(h, "command", 7) != 0)
				return -EINVAL;
			header = true;
			continue;
		}
		/* comm fills columns 0..19 (TASK_COMM_LEN < 20), then " %5d" the tgid. */
		if (ll < 22 || line[20] != ' ')
			return -EINVAL;
		for (j = 21; j < ll && line[j] == ' '; j++)
			;
		{
			size_t start = j;

			while (j < ll && line[j] >= '0' && line[j] <= '9')
				j++;
			if (j == start || (j < ll && line[j] != ' ') ||
			    parse_u64(line + start, j - start, &tgid) < 0 || tgid == 0 ||
			    tgid > UINT32_MAX)
				return -EINVAL;
		}
		if (n == max)
			return -E2BIG;
		pids[n++] = (uint32_t)tgid;
	}
	if (!header)
		return -EINVAL;
	*ret_n = n;
	return 0;
}
