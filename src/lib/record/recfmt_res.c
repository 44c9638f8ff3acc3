/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * recfmt_res.c - the `resources` object of an interval line: from a
 * snapshot, to JSON, and back with every field checked (recfmt_res.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "recfmt_res.h"

/* The numbers of the format: the scales of its fixed-point fields. */
#define CENTI 100
#define MILLI 1000
#define PCT_MAX_CENTI 10000
#define LOAD_MAX 1000000.0 /* a load of a million is corruption, not a machine */
#define TEMP_MIN_C -273.15
#define TEMP_MAX_C 10000.0

static int rerr(struct recfmt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int rerr(struct recfmt_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *kind(const struct jsonr_node *n)
{
	static const char *const names[] = {"null",	"a boolean", "a number",
					    "a string", "an array",  "an object"};

	return n->type <= JSONR_OBJECT ? names[n->type] : "something else";
}

struct rdec {
	const struct jsonr_doc *doc;
	struct recfmt_error *err;
};

static int want(struct rdec *d, const struct jsonr_node *n, enum jsonr_type t, const char *path,
		const char *what)
{
	if (!n)
		return rerr(d->err, "resources.%s: missing", path);
	if (n->type != t)
		return rerr(d->err, "resources.%s: expected %s, got %s", path, what, kind(n));
	return 0;
}

static int node_u64(struct rdec *d, const struct jsonr_node *n, const char *path, uint64_t *ret)
{
	if (!n)
		return rerr(d->err, "resources.%s: missing", path);
	if (n->type != JSONR_NUMBER || !n->is_u64)
		return rerr(d->err, "resources.%s: expected an unsigned integer, got %s", path,
			    n->type == JSONR_NUMBER ? "a negative or fractional number" : kind(n));
	*ret = n->u64;
	return 0;
}

/* A decimal in [lo, hi], as an integer × scale (rounded: the writer's decimals are exact). */
static int node_fixed(struct rdec *d, const struct jsonr_node *n, const char *path, double lo,
		      double hi, unsigned scale, int64_t *ret)
{
	if (!n)
		return rerr(d->err, "resources.%s: missing", path);
	if (n->type != JSONR_NUMBER)
		return rerr(d->err, "resources.%s: expected a number, got %s", path, kind(n));
	if (!(n->dbl >= lo && n->dbl <= hi))
		return rerr(d->err, "resources.%s: %g is out of range (%g to %g)", path, n->dbl, lo,
			    hi);
	*ret = llround(n->dbl * scale);
	return 0;
}

static int node_pct(struct rdec *d, const struct jsonr_node *n, const char *path, uint32_t *ret)
{
	int64_t v = 0;
	int r = node_fixed(d, n, path, 0, 100, CENTI, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

static int node_name(struct rdec *d, const struct jsonr_node *n, const char *path, char *name)
{
	if (!n)
		return rerr(d->err, "resources.%s: missing", path);
	if (n->type != JSONR_STRING)
		return rerr(d->err, "resources.%s: expected a string, got %s", path, kind(n));
	if (n->len == 0 || n->len > RECFMT_RES_NAME_MAX)
		return rerr(d->err, "resources.%s: a name of %zu bytes (1 to %d)", path, n->len,
			    RECFMT_RES_NAME_MAX);
	memcpy(name, n->str, n->len + 1);
	return 0;
}

static const struct jsonr_node *at(const struct jsonr_doc *doc, const struct jsonr_node *a,
				   size_t i)
{
	const struct jsonr_node *n = jsonr_first(doc, a);

	while (n && i--)
		n = jsonr_next(doc, n);
	return n;
}

/* An array member `key` of `obj` with `count` elements (0: any number up to `max`). */
static int get_array(struct rdec *d, const struct jsonr_node *obj, const char *key, size_t count,
		     size_t max, const struct jsonr_node **ret)
{
	const struct jsonr_node *a = jsonr_get(d->doc, obj, key);
	int r = want(d, a, JSONR_ARRAY, key, "an array");

	if (r < 0)
		return r;
	if (count && a->count != count)
		return rerr(d->err, "resources.%s: %u elements, expected %zu", key, a->count,
			    count);
	if (a->count > max)
		return rerr(d->err, "resources.%s: %u elements, at most %zu", key, a->count, max);
	*ret = a;
	return 0;
}

/* A tuple element: `arr` must have exactly `n` elements (checked by the caller's first call). */
static int want_tuple(struct rdec *d, const struct jsonr_node *t, const char *path, unsigned n)
{
	int r = want(d, t, JSONR_ARRAY, path, "an array");

	if (r == 0 && t->count != n)
		r = rerr(d->err, "resources.%s: %u fields, expected %u", path, t->count, n);
	return r;
}

static int decode_cpus(struct rdec *d, const struct jsonr_node *obj, unsigned max_cpus,
		       struct recfmt_resources *res)
{
	const struct jsonr_node *a, *t;
	char path[48];
	unsigned i = 0;
	int r = get_array(d, obj, "cpus", 0, max_cpus, &a);

	if (r < 0)
		return r;
	res->cpus = calloc(a->count ? a->count : 1, sizeof(*res->cpus));
	if (!res->cpus)
		return -ENOMEM;
	res->ncpus = a->count;
	for (t = jsonr_first(d->doc, a); t; t = jsonr_next(d->doc, t), i++) {
		struct recfmt_res_cpu *c = &res->cpus[i];
		const struct jsonr_node *u;

		snprintf(path, sizeof(path), "cpus[%u]", i);
		if ((r = want_tuple(d, t, path, 2)) < 0)
			return r;
		u = at(d->doc, t, 0);
		c->online = u->type != JSONR_NULL;
		snprintf(path, sizeof(path), "cpus[%u][0] (usage_pct)", i);
		if (c->online && (r = node_pct(d, u, path, &c->usage_centipct)) < 0)
			return r;
		snprintf(path, sizeof(path), "cpus[%u][1] (freq_khz)", i);
		if ((r = node_u64(d, at(d->doc, t, 1), path, &c->freq_khz)) < 0)
			return r;
	}
	return 0;
}

static int decode_temps(struct rdec *d, const struct jsonr_node *obj, struct recfmt_resources *res)
{
	const struct jsonr_node *a, *t;
	char path[48];
	size_t i = 0;
	int r = get_array(d, obj, "temps", 0, RECFMT_RES_MAX_ITEMS, &a);

	for (t = r < 0 ? NULL : jsonr_first(d->doc, a); t; t = jsonr_next(d->doc, t), i++) {
		struct recfmt_res_temp *x = &res->temps[i];

		snprintf(path, sizeof(path), "temps[%zu]", i);
		if ((r = want_tuple(d, t, path, 2)) < 0)
			return r;
		snprintf(path, sizeof(path), "temps[%zu][0] (name)", i);
		if ((r = node_name(d, at(d->doc, t, 0), path, x->name)) < 0)
			return r;
		snprintf(path, sizeof(path), "temps[%zu][1] (celsius)", i);
		if ((r = node_fixed(d, at(d->doc, t, 1), path, TEMP_MIN_C, TEMP_MAX_C, MILLI,
				    &x->mc)) < 0)
			return r;
		res->ntemps = i + 1;
	}
	return r;
}

static int decode_disks(struct rdec *d, const struct jsonr_node *obj, struct recfmt_resources *res)
{
	const struct jsonr_node *a, *t;
	char path[56];
	size_t i = 0;
	int r = get_array(d, obj, "disks", 0, RECFMT_RES_MAX_ITEMS, &a);

	for (t = r < 0 ? NULL : jsonr_first(d->doc, a); t; t = jsonr_next(d->doc, t), i++) {
		struct recfmt_res_disk *x = &res->disks[i];
		static const char *const f[] = {"read_bytes", "write_bytes", "read_bytes_per_s",
						"write_bytes_per_s"};
		uint64_t *v[] = {&x->read_bytes, &x->write_bytes, &x->read_bytes_per_s,
				 &x->write_bytes_per_s};

		snprintf(path, sizeof(path), "disks[%zu]", i);
		if ((r = want_tuple(d, t, path, 6)) < 0)
			return r;
		snprintf(path, sizeof(path), "disks[%zu][0] (name)", i);
		if ((r = node_name(d, at(d->doc, t, 0), path, x->name)) < 0)
			return r;
		for (int k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "disks[%zu][%d] (%s)", i, k + 1, f[k]);
			if ((r = node_u64(d, at(d->doc, t, (size_t)k + 1), path, v[k])) < 0)
				return r;
		}
		snprintf(path, sizeof(path), "disks[%zu][5] (busy_pct)", i);
		if ((r = node_pct(d, at(d->doc, t, 5), path, &x->busy_centipct)) < 0)
			return r;
		res->ndisks = i + 1;
	}
	return r;
}

static int decode_nets(struct rdec *d, const struct jsonr_node *obj, struct recfmt_resources *res)
{
	const struct jsonr_node *a, *t;
	char path[56];
	size_t i = 0;
	int r = get_array(d, obj, "nets", 0, RECFMT_RES_MAX_ITEMS, &a);

	for (t = r < 0 ? NULL : jsonr_first(d->doc, a); t; t = jsonr_next(d->doc, t), i++) {
		struct recfmt_res_net *x = &res->nets[i];
		static const char *const f[] = {"rx_bytes", "tx_bytes", "rx_bytes_per_s",
						"tx_bytes_per_s"};
		uint64_t *v[] = {&x->rx_bytes, &x->tx_bytes, &x->rx_bytes_per_s,
				 &x->tx_bytes_per_s};

		snprintf(path, sizeof(path), "nets[%zu]", i);
		if ((r = want_tuple(d, t, path, 5)) < 0)
			return r;
		snprintf(path, sizeof(path), "nets[%zu][0] (name)", i);
		if ((r = node_name(d, at(d->doc, t, 0), path, x->name)) < 0)
			return r;
		for (int k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "nets[%zu][%d] (%s)", i, k + 1, f[k]);
			if ((r = node_u64(d, at(d->doc, t, (size_t)k + 1), path, v[k])) < 0)
				return r;
		}
		res->nnets = i + 1;
	}
	return r;
}

static int decode_psi(struct rdec *d, const struct jsonr_node *obj, struct recfmt_resources *res)
{
	const struct jsonr_node *psi = jsonr_get(d->doc, obj, "psi"), *a;
	char path[48];
	int r;

	if (!psi)
		return rerr(d->err, "resources.psi: missing");
	if (psi->type == JSONR_NULL)
		return 0;
	if ((r = want(d, psi, JSONR_OBJECT, "psi", "an object or null")) < 0)
		return r;
	res->has_psi = true;
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "full_pct" : "some_pct";
		uint32_t *v = k ? res->psi_full_centipct : res->psi_some_centipct;

		a = jsonr_get(d->doc, psi, key);
		snprintf(path, sizeof(path), "psi.%s", key);
		if ((r = want(d, a, JSONR_ARRAY, path, "an array")) < 0)
			return r;
		if (a->count != 3)
			return rerr(d->err,
				    "resources.%s: %u elements, expected 3 (cpu, io, memory)", path,
				    a->count);
		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "psi.%s[%zu]", key, i);
			if ((r = node_pct(d, at(d->doc, a, i), path, &v[i])) < 0)
				return r;
		}
	}
	return 0;
}

int recfmt_resources_decode(const struct jsonr_doc *doc, const struct jsonr_node *n,
			    unsigned max_cpus, struct recfmt_resources **ret,
			    struct recfmt_error *err)
{
	struct rdec d = {.doc = doc, .err = err};
	struct recfmt_resources *res = NULL;
	const struct jsonr_node *load;
	uint64_t v;
	char path[24];
	int r;

	if (!doc || !n || !ret)
		return -EINVAL;
	if (n->type != JSONR_OBJECT)
		return rerr(err, "resources: expected an object or null, got %s", kind(n));
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	if ((r = node_pct(&d, jsonr_get(doc, n, "cpu_pct"), "cpu_pct", &res->cpu_centipct)) < 0 ||
	    (r = node_pct(&d, jsonr_get(doc, n, "iowait_pct"), "iowait_pct",
			  &res->iowait_centipct)) < 0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "ctxt_per_s"), "ctxt_per_s", &res->ctxt_per_s)) <
		0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "intr_per_s"), "intr_per_s", &res->intr_per_s)) <
		0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "mem_total_bytes"), "mem_total_bytes",
			  &res->mem_total_bytes)) < 0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "mem_available_bytes"), "mem_available_bytes",
			  &res->mem_available_bytes)) < 0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "swap_total_bytes"), "swap_total_bytes",
			  &res->swap_total_bytes)) < 0 ||
	    (r = node_u64(&d, jsonr_get(doc, n, "swap_used_bytes"), "swap_used_bytes",
			  &res->swap_used_bytes)) < 0)
		goto fail;
	if (res->mem_available_bytes > res->mem_total_bytes) {
		r = rerr(err,
			 "resources.mem_available_bytes: %llu is more than mem_total_bytes %llu",
			 (unsigned long long)res->mem_available_bytes,
			 (unsigned long long)res->mem_total_bytes);
		goto fail;
	}
	if (res->swap_used_bytes > res->swap_total_bytes) {
		r = rerr(err, "resources.swap_used_bytes: %llu is more than swap_total_bytes %llu",
			 (unsigned long long)res->swap_used_bytes,
			 (unsigned long long)res->swap_total_bytes);
		goto fail;
	}
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "procs_blocked" : "procs_running";

		if ((r = node_u64(&d, jsonr_get(doc, n, key), key, &v)) < 0)
			goto fail;
		if (v > UINT32_MAX) {
			r = rerr(err, "resources.%s: %llu is out of range", key,
				 (unsigned long long)v);
			goto fail;
		}
		*(k ? &res->procs_blocked : &res->procs_running) = (uint32_t)v;
	}
	load = jsonr_get(doc, n, "load");
	if ((r = want(&d, load, JSONR_ARRAY, "load", "an array")) < 0)
		goto fail;
	if (load->count != 3) {
		r = rerr(err, "resources.load: %u elements, expected 3 (1, 5, 15 minutes)",
			 load->count);
		goto fail;
	}
	for (size_t i = 0; i < 3; i++) {
		int64_t l;

		snprintf(path, sizeof(path), "load[%zu]", i);
		if ((r = node_fixed(&d, at(doc, load, i), path, 0, LOAD_MAX, CENTI, &l)) < 0)
			goto fail;
		res->load_centi[i] = (uint64_t)l;
	}
	if ((r = decode_psi(&d, n, res)) < 0 || (r = decode_cpus(&d, n, max_cpus, res)) < 0 ||
	    (r = decode_temps(&d, n, res)) < 0 || (r = decode_disks(&d, n, res)) < 0 ||
	    (r = decode_nets(&d, n, res)) < 0)
		goto fail;
	*ret = res;
	return 0;
fail:
	recfmt_resources_free(res);
	return r;
}

/* v / 10^decimals, exactly. */
static void write_fixed(FILE *f, uint64_t v, unsigned decimals, unsigned scale)
{
	fprintf(f, "%llu.%0*llu", (unsigned long long)(v / scale), (int)decimals,
		(unsigned long long)(v % scale));
}

void recfmt_resources_write(FILE *f, const struct recfmt_resources *res)
{
	fputs("{\"cpu_pct\":", f);
	write_fixed(f, res->cpu_centipct, 2, CENTI);
	fputs(",\"iowait_pct\":", f);
	write_fixed(f, res->iowait_centipct, 2, CENTI);
	fprintf(f,
		",\"ctxt_per_s\":%llu,\"intr_per_s\":%llu,\"procs_running\":%u,"
		"\"procs_blocked\":%u,\"load\":[",
		(unsigned long long)res->ctxt_per_s, (unsigned long long)res->intr_per_s,
		res->procs_running, res->procs_blocked);
	for (int i = 0; i < 3; i++) {
		if (i)
			fputc(',', f);
		write_fixed(f, res->load_centi[i], 2, CENTI);
	}
	fprintf(
	    f,
	    "],\"mem_total_bytes\":%llu,\"mem_available_bytes\":%llu,"
	    "\"swap_total_bytes\":%llu,\"swap_used_bytes\":%llu,\"psi\":",
	    (unsigned long long)res->mem_total_bytes, (unsigned long long)res->mem_available_bytes,
	    (unsigned long long)res->swap_total_bytes, (unsigned long long)res->swap_used_bytes);
	if (res->has_psi) {
		for (int k = 0; k < 2; k++) {
			const uint32_t *v = k ? res->psi_full_centipct : res->psi_some_centipct;

			fputs(k ? "],\"full_pct\":[" : "{\"some_pct\":[", f);
			for (int i = 0; i < 3; i++) {
				if (i)
					fputc(',', f);
				write_fixed(f, v[i], 2, CENTI);
			}
		}
		fputs("]}", f);
	} else {
		fputs("null", f);
	}
	fputs(",\"cpus\":[", f);
	for (unsigned c = 0; c < res->ncpus; c++) {
		const struct recfmt_res_cpu *x = &res->cpus[c];

		fputs(c ? ",[" : "[", f);
		if (x->online)
			write_fixed(f, x->usage_centipct, 2, CENTI);
		else
			fputs("null", f);
		fprintf(f, ",%llu]", (unsigned long long)x->freq_khz);
	}
	fputs("],\"temps\":[", f);
	for (size_t i = 0; i < res->ntemps; i++) {
		const struct recfmt_res_temp *x = &res->temps[i];

		fputs(i ? ",[" : "[", f);
		recfmt_write_string_max(f, x->name, RECFMT_RES_NAME_MAX);
		fputs(x->mc < 0 ? ",-" : ",", f);
		write_fixed(f, x->mc < 0 ? (uint64_t)-x->mc : (uint64_t)x->mc, 3, MILLI);
		fputc(']', f);
	}
	fputs("],\"disks\":[", f);
	for (size_t i = 0; i < res->ndisks; i++) {
		const struct recfmt_res_disk *x = &res->disks[i];

		fputs(i ? ",[" : "[", f);
		recfmt_write_string_max(f, x->name, RECFMT_RES_NAME_MAX);
		fprintf(f, ",%llu,%llu,%llu,%llu,", (unsigned long long)x->read_bytes,
			(unsigned long long)x->write_bytes, (unsigned long long)x->read_bytes_per_s,
			(unsigned long long)x->write_bytes_per_s);
		write_fixed(f, x->busy_centipct, 2, CENTI);
		fputc(']', f);
	}
	fputs("],\"nets\":[", f);
	for (size_t i = 0; i < res->nnets; i++) {
		const struct recfmt_res_net *x = &res->nets[i];

		fputs(i ? ",[" : "[", f);
		recfmt_write_string_max(f, x->name, RECFMT_RES_NAME_MAX);
		fprintf(f, ",%llu,%llu,%llu,%llu]", (unsigned long long)x->rx_bytes,
			(unsigned long long)x->tx_bytes, (unsigned long long)x->rx_bytes_per_s,
			(unsigned long long)x->tx_bytes_per_s);
	}
	fputs("]}", f);
}

struct recfmt_resources *recfmt_resources_free(struct recfmt_resources *res)
{
	if (res)
		free(res->cpus);
	free(res);
	return NULL;
}

/* A library percentage as centi-percent, clamped to 0..100 (NaN: 0). */
static uint32_t centipct(double pct)
{
	if (!(pct > 0))
		return 0;
	return pct >= 100 ? PCT_MAX_CENTI : (uint32_t)llround(pct * CENTI);
}

/* A non-negative rate or load, rounded to `scale` (NaN and negatives: 0). */
static uint64_t scaled(double v, unsigned scale)
{
	if (!(v > 0))
		return 0;
	v *= scale;
	return v >= 1e18 ? (uint64_t)1e18 : (uint64_t)llround(v);
}

static void copy_name(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, RECFMT_RES_NAME_MAX) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int recfmt_resources_from_snapshot(const struct joulestat_snapshot *snap,
				   struct recfmt_resources **ret)
{
	struct joulestat_system_resources s = {.sz = sizeof(s)};
	struct recfmt_resources *res;
	int r = joulestat_snapshot_resources(snap, &s);

	if (r < 0)
		return r;
	res = calloc(1, sizeof(*res));
	if (!res || !(res->cpus = calloc(s.ncpus ? s.ncpus : 1, sizeof(*res->cpus)))) {
		free(res);
		return -ENOMEM;
	}
	res->cpu_centipct = centipct(s.cpu_usage_pct);
	res->iowait_centipct = centipct(s.iowait_pct);
	res->ctxt_per_s = scaled(s.ctxt_per_s, 1);
	res->intr_per_s = scaled(s.intr_per_s, 1);
	res->procs_running = s.procs_running;
	res->procs_blocked = s.procs_blocked;
	for (int i = 0; i < 3; i++)
		res->load_centi[i] = scaled(s.load[i], CENTI);
	res->mem_total_bytes = s.mem_total_bytes;
	res->mem_available_bytes =
	    s.mem_available_bytes < s.mem_total_bytes ? s.mem_available_bytes : s.mem_total_bytes;
	res->swap_total_bytes = s.swap_total_bytes;
	res->swap_used_bytes =
	    s.swap_used_bytes < s.swap_total_bytes ? s.swap_used_bytes : s.swap_total_bytes;
	res->has_psi = s.has_psi;
	for (int i = 0; i < 3 && s.has_psi; i++) {
		res->psi_some_centipct[i] = centipct(s.psi_some_pct[i]);
		res->psi_full_centipct[i] = centipct(s.psi_full_pct[i]);
	}
	res->ncpus = s.ncpus;
	for (unsigned c = 0; c < s.ncpus; c++) {
		struct joulestat_cpu_resources ci = {.sz = sizeof(ci)};

		if (joulestat_snapshot_resources_cpu(snap, c, &ci) < 0)
			continue;
		res->cpus[c].online = ci.online;
		res->cpus[c].usage_centipct = centipct(ci.usage_pct);
		res->cpus[c].freq_khz = ci.freq_khz;
	}
	/* Unnamed items could not be read back (names are required): left out. */
	for (size_t i = 0; i < s.ntemps && res->ntemps < RECFMT_RES_MAX_ITEMS; i++) {
		struct joulestat_temp_resources t = {.sz = sizeof(t)};
		struct recfmt_res_temp *x = &res->temps[res->ntemps];
		double c;

		if (joulestat_snapshot_resources_temp(snap, i, &t) < 0 || !t.name || !*t.name)
			continue;
		c = t.celsius < TEMP_MIN_C   ? TEMP_MIN_C
		    : t.celsius > TEMP_MAX_C ? TEMP_MAX_C
					     : t.celsius;
		copy_name(x->name, t.name);
		x->mc = isnan(c) ? 0 : llround(c * MILLI);
		res->ntemps++;
	}
	for (size_t i = 0; i < s.ndisks && res->ndisks < RECFMT_RES_MAX_ITEMS; i++) {
		struct joulestat_disk_resources di = {.sz = sizeof(di)};
		struct recfmt_res_disk *x = &res->disks[res->ndisks];

		if (joulestat_snapshot_resources_disk(snap, i, &di) < 0 || !di.name || !*di.name)
			continue;
		copy_name(x->name, di.name);
		x->read_bytes = di.read_bytes;
		x->write_bytes = di.write_bytes;
		x->read_bytes_per_s = scaled(di.read_bytes_per_s, 1);
		x->write_bytes_per_s = scaled(di.write_bytes_per_s, 1);
		x->busy_centipct = centipct(di.busy_pct);
		res->ndisks++;
	}
	for (size_t i = 0; i < s.nnets && res->nnets < RECFMT_RES_MAX_ITEMS; i++) {
		struct joulestat_net_resources ni = {.sz = sizeof(ni)};
		struct recfmt_res_net *x = &res->nets[res->nnets];

		if (joulestat_snapshot_resources_net(snap, i, &ni) < 0 || !ni.name || !*ni.name)
			continue;
		copy_name(x->name, ni.name);
		x->rx_bytes = ni.rx_bytes;
		x->tx_bytes = ni.tx_bytes;
		x->rx_bytes_per_s = scaled(ni.rx_bytes_per_s, 1);
		x->tx_bytes_per_s = scaled(ni.tx_bytes_per_s, 1);
		res->nnets++;
	}
	*ret = res;
	return 0;
}
