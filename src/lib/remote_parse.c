/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * remote_parse.c - the daemon's replies, read into what the public calls
 * hand out: the machine's description ("monitor") and snapshots ("sample").
 * Pure: no I/O. Whatever answered on the socket may send anything, so every
 * count is checked against the input and every array's length against the
 * others (a row carries one energy per domain, a task's CPU times pair up);
 * nothing is trusted to be in range. docs/FORMAT.md, "The daemon protocol".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_kind.h"
#include "jsonr.h"
#include "remote.h"
#include "snapshot_impl.h"
#include "util.h"
#include "wire.h"

/* Far above any machine, far below what would make an allocation overflow. */
#define RP_MAX_CPUS 65536
#define RP_MAX_DOMAINS 4096
#define RP_MAX_MASK_WORDS (RP_MAX_CPUS / 64)

struct rd {
	const struct jsonr_doc *doc;
	struct arena_chunk **arena;
	char *err;
	size_t errsize;
	bool failed;
	bool nomem;
};

static void rd_fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rd_fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	if (r->errsize) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errsize, fmt, ap);
		va_end(ap);
	}
}

static const struct jsonr_node *rd_get(struct rd *r, const struct jsonr_node *obj, const char *key,
				       enum jsonr_type type)
{
	const struct jsonr_node *n = obj ? jsonr_get(r->doc, obj, key) : NULL;

	if (!n || n->type != type) {
		rd_fail(r, "\"%s\": missing, or not a%s %s", key, type == JSONR_ARRAY ||
			type == JSONR_OBJECT ? "n" : "", jsonr_type_name(type));
		return NULL;
	}
	return n;
}

static uint64_t num_u64(struct rd *r, const struct jsonr_node *n, const char *what)
{
	if (!n || n->type != JSONR_NUMBER || !n->is_u64) {
		rd_fail(r, "%s: not a whole number", what);
		return 0;
	}
	return n->u64;
}

static uint64_t rd_u64(struct rd *r, const struct jsonr_node *obj, const char *key)
{
	return num_u64(r, rd_get(r, obj, key, JSONR_NUMBER), key);
}

static int64_t num_int(struct rd *r, const struct jsonr_node *n, int64_t min, int64_t max,
		       const char *what)
{
	if (!n || n->type != JSONR_NUMBER || !n->is_i64 || n->i64 < min || n->i64 > max) {
		rd_fail(r, "%s: not a whole number from %lld to %lld", what, (long long)min,
			(long long)max);
		return 0;
	}
	return n->i64;
}

static int64_t rd_int(struct rd *r, const struct jsonr_node *obj, const char *key, int64_t min,
		      int64_t max)
{
	return num_int(r, obj ? jsonr_get(r->doc, obj, key) : NULL, min, max, key);
}

/* A number, or null for NaN. */
static double rd_dbl(struct rd *r, const struct jsonr_node *obj, const char *key)
{
	const struct jsonr_node *n = obj ? jsonr_get(r->doc, obj, key) : NULL;

	if (n && n->type == JSONR_NULL)
		return NAN;
	if (!n || n->type != JSONR_NUMBER) {
		rd_fail(r, "\"%s\": missing, or not a number", key);
		return NAN;
	}
	return n->dbl;
}

static bool num_bool(struct rd *r, const struct jsonr_node *n, const char *what)
{
	if (!n || n->type != JSONR_BOOL) {
		rd_fail(r, "%s: not true or false", what);
		return false;
	}
	return n->boolean;
}

static bool rd_bool(struct rd *r, const struct jsonr_node *obj, const char *key)
{
	return num_bool(r, obj ? jsonr_get(r->doc, obj, key) : NULL, key);
}

static const char *str_copy(struct rd *r, const struct jsonr_node *n, const char *what)
{
	const char *s;

	if (!n || n->type != JSONR_STRING) {
		rd_fail(r, "%s: not a string", what);
		return "";
	}
	s = arena_strndup(r->arena, n->str, n->len);
	if (!s) {
		r->nomem = r->failed = true;
		return "";
	}
	return s;
}

static const char *rd_str(struct rd *r, const struct jsonr_node *obj, const char *key)
{
	return str_copy(r, obj ? jsonr_get(r->doc, obj, key) : NULL, key);
}

static int rd_errno(struct rd *r, const struct jsonr_node *obj, const char *key)
{
	const struct jsonr_node *n = obj ? jsonr_get(r->doc, obj, key) : NULL;

	if (!n || n->type != JSONR_STRING) {
		rd_fail(r, "\"%s\": not an errno name", key);
		return 0;
	}
	return n->len ? wire_errno_from_name(n->str) : 0;
}

static enum joulestat_source_state rd_state(struct rd *r, const struct jsonr_node *obj)
{
	const struct jsonr_node *n = rd_get(r, obj, "state", JSONR_STRING);
	enum joulestat_source_state st = JOULESTAT_SOURCE_UNAVAILABLE;

	if (n && wire_state_from_name(n->str, &st) < 0)
		rd_fail(r, "\"state\": unknown state");
	return st;
}

static enum joulestat_domain_kind rd_kind(struct rd *r, const struct jsonr_node *obj)
{
	const struct jsonr_node *n = rd_get(r, obj, "kind", JSONR_STRING);
	enum joulestat_domain_kind k = JOULESTAT_DOMAIN_PACKAGE;

	if (n && domain_kind_from_name(n->str, &k) < 0)
		rd_fail(r, "\"kind\": unknown domain kind");
	return k;
}

static enum joulestat_static_origin rd_origin(struct rd *r, const struct jsonr_node *obj)
{
	const struct jsonr_node *n = rd_get(r, obj, "static_origin", JSONR_STRING);

	for (int o = JOULESTAT_STATIC_NONE; n && o <= JOULESTAT_STATIC_MODEL; o++)
		if (strcmp(n->str, joulestat_static_origin_name((enum joulestat_static_origin)o)) == 0)
			return (enum joulestat_static_origin)o;
	rd_fail(r, "\"static_origin\": unknown origin");
	return JOULESTAT_STATIC_NONE;
}

/* The children of an array, in a fresh array of pointers (NULL when empty). */
static const struct jsonr_node **children(struct rd *r, const struct jsonr_node *a, size_t *ret_n)
{
	const struct jsonr_node **v;
	size_t i = 0;

	*ret_n = 0;
	if (!a || !a->count)
		return NULL;
	v = calloc(a->count, sizeof(*v));
	if (!v) {
		r->nomem = r->failed = true;
		return NULL;
	}
	for (const struct jsonr_node *n = jsonr_first(r->doc, a); n && i < a->count;
	     n = jsonr_next(r->doc, n))
		v[i++] = n;
	*ret_n = i;
	return v;
}

/* ---- "monitor" ---- */

void remote_desc_free(struct remote_desc *d)
{
	if (!d)
		return;
	for (struct arena_chunk *a = d->arena, *n; a; a = n) {
		n = a->next;
		free(a);
	}
	free(d->cpu_socket);
	free(d->sources);
	free(d->collectors);
	free(d->coverage);
	free(d->domains);
	free(d->statics);
	free(d->masks);
	memset(d, 0, sizeof(*d));
}

static void parse_topology(struct rd *r, const struct jsonr_node *root, struct remote_desc *d)
{
	const struct jsonr_node *t = rd_get(r, root, "topology", JSONR_OBJECT), *cs;
	size_t n = 0;
	const struct jsonr_node **v;

	if (!t)
		return;
	d->ncpus = (unsigned)rd_int(r, t, "cpus", 0, RP_MAX_CPUS);
	d->nsockets = (unsigned)rd_int(r, t, "sockets", 0, RP_MAX_CPUS);
	d->cpu_model = rd_str(r, t, "model");
	cs = rd_get(r, t, "cpu_socket", JSONR_ARRAY);
	if (cs && cs->count > RP_MAX_CPUS)
		rd_fail(r, "\"cpu_socket\": too many CPUs");
	if (r->failed)
		return;
	v = children(r, cs, &n);
	if (n) {
		d->cpu_socket = calloc(n, sizeof(*d->cpu_socket));
		if (!d->cpu_socket)
			r->nomem = r->failed = true;
	}
	for (size_t i = 0; i < n && d->cpu_socket; i++)
		d->cpu_socket[i] = (int)num_int(r, v[i], -1, RP_MAX_CPUS, "cpu_socket[]");
	d->ncpu_socket = (unsigned)n;
	free(v);
}

static void parse_sources(struct rd *r, const struct jsonr_node *root, struct remote_desc *d)
{
	size_t n;
	const struct jsonr_node **v = children(r, rd_get(r, root, "sources", JSONR_ARRAY), &n);

	if (n && n <= 64) {
		d->sources = calloc(n, sizeof(*d->sources));
		if (!d->sources)
			r->nomem = r->failed = true;
	} else if (n) {
		rd_fail(r, "\"sources\": too many");
	}
	for (size_t i = 0; i < n && d->sources && !r->failed; i++) {
		struct joulestat_source_info *s = &d->sources[i];

		s->sz = sizeof(*s);
		s->name = rd_str(r, v[i], "name");
		s->state = rd_state(r, v[i]);
		s->error = rd_errno(r, v[i], "error");
		s->reason = rd_str(r, v[i], "reason");
		s->domains = (unsigned)rd_int(r, v[i], "domains", 0, RP_MAX_DOMAINS);
		s->estimated = rd_bool(r, v[i], "estimated");
		d->nsources = i + 1;
	}
	free(v);
}

static void parse_collectors(struct rd *r, const struct jsonr_node *root, struct remote_desc *d)
{
	size_t n;
	const struct jsonr_node **v = children(r, rd_get(r, root, "collectors", JSONR_ARRAY), &n);

	if (n && n <= 16) {
		d->collectors = calloc(n, sizeof(*d->collectors));
		if (!d->collectors)
			r->nomem = r->failed = true;
	} else if (n) {
		rd_fail(r, "\"collectors\": too many");
	}
	for (size_t i = 0; i < n && d->collectors && !r->failed; i++) {
		struct joulestat_collector_info *c = &d->collectors[i];

		c->sz = sizeof(*c);
		c->name = rd_str(r, v[i], "name");
		c->state = rd_state(r, v[i]);
		c->error = rd_errno(r, v[i], "error");
		c->reason = rd_str(r, v[i], "reason");
		d->ncollectors = i + 1;
	}
	free(v);
}

static void parse_activity(struct rd *r, const struct jsonr_node *root, struct remote_desc *d)
{
	const struct jsonr_node *a = jsonr_get(r->doc, root, "activity"), **v;
	struct joulestat_activity_info *o = &d->activity;
	size_t n;

	if (!a || a->type == JSONR_NULL)
		return;
	if (a->type != JSONR_OBJECT) {
		rd_fail(r, "\"activity\": not an object or null");
		return;
	}
	d->have_activity = true;
	o->sz = sizeof(*o);
	o->collector = rd_str(r, a, "collector");
	o->detail = rd_str(r, a, "detail");
	o->samples = rd_u64(r, a, "samples");
	o->interval_ns = rd_u64(r, a, "interval_ns");
	o->tasks = (size_t)rd_u64(r, a, "tasks");
	o->dropped = rd_u64(r, a, "dropped");
	o->lost_ns = rd_u64(r, a, "lost_ns");
	o->captured = rd_dbl(r, a, "captured");
	o->syscalls_counted = rd_bool(r, a, "syscalls_counted");
	o->syscalls = rd_u64(r, a, "syscalls");
	o->irq_ns = rd_u64(r, a, "irq_ns");
	v = children(r, rd_get(r, a, "coverage", JSONR_ARRAY), &n);
	if (n > RP_MAX_CPUS)
		rd_fail(r, "\"coverage\": too many CPUs");
	if (n && !r->failed) {
		d->coverage = calloc(n, sizeof(*d->coverage));
		if (!d->coverage)
			r->nomem = r->failed = true;
	}
	for (size_t i = 0; i < n && d->coverage; i++) {
		if (v[i]->type != JSONR_NUMBER)
			rd_fail(r, "\"coverage\"[%zu]: not a number", i);
		else
			d->coverage[i] = v[i]->dbl;
	}
	o->ncpus = d->coverage ? (unsigned)n : 0;
	o->coverage = d->coverage;
	free(v);
}

static void parse_domains(struct rd *r, const struct jsonr_node *root, struct remote_desc *d)
{
	size_t n, nwords = 0, used = 0;
	const struct jsonr_node **v = children(r, rd_get(r, root, "domains", JSONR_ARRAY), &n);

	if (n > RP_MAX_DOMAINS)
		rd_fail(r, "\"domains\": too many");
	/* The masks' total length first, so that their storage never moves. */
	for (size_t i = 0; i < n && !r->failed; i++) {
		const struct jsonr_node *m = rd_get(r, v[i], "cpu_mask", JSONR_ARRAY);

		if (m && m->count > RP_MAX_MASK_WORDS)
			rd_fail(r, "\"cpu_mask\": too long");
		else if (m)
			nwords += m->count;
	}
	if (n && !r->failed) {
		d->domains = calloc(n, sizeof(*d->domains));
		d->statics = calloc(n, sizeof(*d->statics));
		d->masks = calloc(nwords + 1, sizeof(*d->masks));
		if (!d->domains || !d->statics || !d->masks)
			r->nomem = r->failed = true;
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		struct joulestat_domain_info *o = &d->domains[i];
		struct joulestat_static_info *st = &d->statics[i];
		const struct jsonr_node *m = rd_get(r, v[i], "cpu_mask", JSONR_ARRAY);
		size_t w = 0;

		o->sz = sizeof(*o);
		o->name = rd_str(r, v[i], "name");
		o->kind = rd_kind(r, v[i]);
		o->source = rd_str(r, v[i], "source");
		o->path = rd_str(r, v[i], "path");
		o->socket = (int)rd_int(r, v[i], "socket", -1, RP_MAX_CPUS);
		o->pid = (int)rd_int(r, v[i], "pid", 0, INT32_MAX);
		o->cpu_mask = &d->masks[used];
		for (const struct jsonr_node *x = m ? jsonr_first(r->doc, m) : NULL; x;
		     x = jsonr_next(r->doc, x))
			d->masks[used + w++] = num_u64(r, x, "cpu_mask[]");
		o->cpu_mask_words = w;
		used += w;
		o->energy_uj = rd_u64(r, v[i], "energy_uj");
		o->timestamp_ns = rd_u64(r, v[i], "timestamp_ns");
		o->max_energy_range_uj = rd_u64(r, v[i], "max_energy_range_uj");
		o->raw_uj = rd_u64(r, v[i], "raw_uj");
		o->wraps = rd_u64(r, v[i], "wraps");
		o->errors = rd_u64(r, v[i], "errors");
		o->power_w = rd_dbl(r, v[i], "power_w");
		o->estimated = rd_bool(r, v[i], "estimated");
		o->in_host_total = rd_bool(r, v[i], "in_host_total");
		o->warming_up = rd_bool(r, v[i], "warming_up");
		o->refused = rd_u64(r, v[i], "refused");
		st->sz = sizeof(*st);
		st->domain = o->name;
		st->static_mw = rd_u64(r, v[i], "static_mw");
		st->origin = rd_origin(r, v[i]);
		st->from = rd_str(r, v[i], "static_from");
		d->ndomains = i + 1;
	}
	free(v);
}

int remote_parse_monitor(const char *buf, size_t len, struct remote_desc *ret, char *err,
			 size_t errsize)
{
	struct remote_desc d = { 0 };
	struct jsonr_doc doc;
	struct jsonr_error jerr;
	struct rd r = { .doc = &doc, .arena = &d.arena, .err = err, .errsize = errsize };
	const struct jsonr_node *root, *model;
	int ret_err;

	if (errsize)
		err[0] = '\0';
	ret_err = jsonr_parse(buf, len, &doc, &jerr);
	if (ret_err == -ENOMEM)
		return ret_err;
	if (ret_err < 0) {
		rd_fail(&r, "not JSON: %s at byte %zu", jerr.msg, jerr.offset);
		return -EPROTO;
	}
	root = &doc.nodes[0];
	if (root->type != JSONR_OBJECT)
		rd_fail(&r, "not an object");
	if (!r.failed)
		parse_topology(&r, root, &d);
	if (!r.failed)
		parse_sources(&r, root, &d);
	if (!r.failed)
		parse_collectors(&r, root, &d);
	if (!r.failed)
		parse_activity(&r, root, &d);
	if (!r.failed)
		parse_domains(&r, root, &d);
	model = r.failed ? NULL : jsonr_get(&doc, root, "model");
	if (model && model->type == JSONR_OBJECT) {
		d.have_model = true;
		d.model.sz = sizeof(d.model);
		d.model.idle_mw = rd_u64(&r, model, "idle_mw");
		d.model.max_mw = rd_u64(&r, model, "max_mw");
		d.model.origin = rd_str(&r, model, "origin");
	} else if (model && model->type != JSONR_NULL) {
		rd_fail(&r, "\"model\": not an object or null");
	}
	jsonr_free(&doc);
	if (r.failed) {
		remote_desc_free(&d);
		return r.nomem ? -ENOMEM : -EPROTO;
	}
	*ret = d;
	return 0;
}

/* ---- "sample" ---- */

static const char *const group_keys[JOULESTAT_GROUP_COUNT] = {
	"process", "thread", "comm", "cgroup", "user", "unit", "container", "tree", "vm", "pod",
	"namespace",
};

static void parse_info(struct rd *r, const struct jsonr_node *info, struct joulestat_snapshot *s)
{
	static const char *const arrays[3] = { "cpu_idle_ns", "cpu_lost_ns", "cpu_irq_ns" };
	struct joulestat_snapshot_info *o = &s->info;
	uint64_t **dst[3] = { &s->cpu_idle_ns, &s->cpu_lost_ns, &s->cpu_irq_ns };
	size_t ncpus = 0;

	o->start_ns = rd_u64(r, info, "start_ns");
	o->end_ns = rd_u64(r, info, "end_ns");
	if (!r->failed && o->end_ns < o->start_ns)
		rd_fail(r, "\"end_ns\" before \"start_ns\"");
	o->idle_policy = rd_str(r, info, "idle_policy");
	o->collector = rd_str(r, info, "collector");
	o->delta_uj = rd_u64(r, info, "delta_uj");
	o->tasks_uj = rd_u64(r, info, "tasks_uj");
	o->idle_uj = rd_u64(r, info, "idle_uj");
	o->unattributed_uj = rd_u64(r, info, "unattributed_uj");
	o->estimated = rd_bool(r, info, "estimated");
	o->warming_up = rd_bool(r, info, "warming_up");
	o->refused = rd_bool(r, info, "refused");
	o->coverage = rd_dbl(r, info, "coverage");
	o->captured = rd_dbl(r, info, "captured");
	o->dropped = rd_u64(r, info, "dropped");
	o->busy_ns = rd_u64(r, info, "busy_ns");
	o->idle_ns = rd_u64(r, info, "idle_ns");
	o->lost_ns = rd_u64(r, info, "lost_ns");
	o->irq_ns = rd_u64(r, info, "irq_ns");
	o->syscalls_counted = rd_bool(r, info, "syscalls_counted");
	o->syscalls = rd_u64(r, info, "syscalls");
	o->static_mw = rd_u64(r, info, "static_mw");
	o->static_from = rd_str(r, info, "static_from");
	for (int k = 0; k < 3 && !r->failed; k++) {
		const struct jsonr_node *a = rd_get(r, info, arrays[k], JSONR_ARRAY);
		size_t i = 0;

		if (!a)
			break;
		if (k == 0)
			ncpus = a->count;
		if (a->count != ncpus || ncpus > RP_MAX_CPUS) {
			rd_fail(r, "\"%s\": one value per CPU, as \"cpu_idle_ns\"", arrays[k]);
			break;
		}
		*dst[k] = calloc(ncpus ? ncpus : 1, sizeof(uint64_t));
		if (!*dst[k]) {
			r->nomem = r->failed = true;
			break;
		}
		for (const struct jsonr_node *x = jsonr_first(r->doc, a); x && i < ncpus;
		     x = jsonr_next(r->doc, x))
			(*dst[k])[i++] = num_u64(r, x, arrays[k]);
	}
	o->ncpus = (unsigned)ncpus;
	o->cpu_idle_ns = s->cpu_idle_ns;
	o->cpu_lost_ns = s->cpu_lost_ns;
	o->cpu_irq_ns = s->cpu_irq_ns;
}

static void parse_snap_domains(struct rd *r, const struct jsonr_node *root,
			       struct joulestat_snapshot *s)
{
	uint64_t interval_ns = s->info.end_ns - s->info.start_ns;
	size_t n;
	const struct jsonr_node **v = children(r, rd_get(r, root, "domains", JSONR_ARRAY), &n);

	if (n > RP_MAX_DOMAINS)
		rd_fail(r, "\"domains\": too many");
	if (!r->failed) {
		s->domains = calloc(n ? n : 1, sizeof(*s->domains));
		if (!s->domains)
			r->nomem = r->failed = true;
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		struct joulestat_snapshot_domain *d = &s->domains[i];

		d->sz = sizeof(*d);
		d->name = rd_str(r, v[i], "name");
		d->kind = rd_kind(r, v[i]);
		d->source = rd_str(r, v[i], "source");
		d->socket = (int)rd_int(r, v[i], "socket", -1, RP_MAX_CPUS);
		d->estimated = rd_bool(r, v[i], "estimated");
		d->in_host_total = rd_bool(r, v[i], "in_host_total");
		d->warming_up = rd_bool(r, v[i], "warming_up");
		d->status = rd_str(r, v[i], "status");
		d->energy_uj = rd_u64(r, v[i], "energy_uj");
		d->raw_uj = rd_u64(r, v[i], "raw_uj");
		d->delta_uj = rd_u64(r, v[i], "delta_uj");
		d->tasks_uj = rd_u64(r, v[i], "tasks_uj");
		d->idle_uj = rd_u64(r, v[i], "idle_uj");
		d->unattributed_uj = rd_u64(r, v[i], "unattributed_uj");
		d->static_uj = rd_u64(r, v[i], "static_uj");
		d->busy_ns = rd_u64(r, v[i], "busy_ns");
		d->idle_ns = rd_u64(r, v[i], "idle_ns");
		d->lost_ns = rd_u64(r, v[i], "lost_ns");
		d->irq_ns = rd_u64(r, v[i], "irq_ns");
		d->sampled = rd_bool(r, v[i], "sampled");
		d->static_mw = rd_u64(r, v[i], "static_mw");
		d->static_origin = rd_origin(r, v[i]);
		d->static_from = rd_str(r, v[i], "static_from");
		d->refused = rd_bool(r, v[i], "refused");
		d->readings_refused = rd_u64(r, v[i], "readings_refused");
		d->power_w = (d->warming_up || d->refused || !interval_ns)
				     ? NAN
				     : (double)d->delta_uj * 1e3 / (double)interval_ns;
		s->info.ndomains = i + 1;
	}
	free(v);
}

static void parse_rows(struct rd *r, const struct jsonr_node *arr, enum joulestat_group g,
		       struct joulestat_snapshot *s)
{
	struct snap_grouping *sg = &s->g[g];
	uint64_t interval_ns = s->info.end_ns - s->info.start_ns;
	size_t nd = s->info.ndomains, n;
	const struct jsonr_node **v = children(r, arr, &n);

	sg->rows = calloc(n ? n : 1, sizeof(*sg->rows));
	/* n * nd is bounded: each energy is a byte of input at least. */
	sg->domain_uj = calloc(MAX(n * nd, (size_t)1), sizeof(*sg->domain_uj));
	if (!sg->rows || !sg->domain_uj) {
		r->nomem = r->failed = true;
		free(v);
		return;
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		struct joulestat_row *row = &sg->rows[i];
		const struct jsonr_node *f[WIRE_ROW__COUNT] = { 0 }, *x;
		size_t k = 0;

		if (v[i]->type != JSONR_ARRAY || v[i]->count != WIRE_ROW__COUNT) {
			rd_fail(r, "\"groups\".\"%s\"[%zu]: not a row of %d values", group_keys[g], i,
				WIRE_ROW__COUNT);
			break;
		}
		for (x = jsonr_first(r->doc, v[i]); x && k < WIRE_ROW__COUNT; x = jsonr_next(r->doc, x))
			f[k++] = x;
		row->sz = sizeof(*row);
		row->group = g;
		row->pid = (int)num_int(r, f[WIRE_ROW_PID], 0, INT32_MAX, "row pid");
		row->tid = (int)num_int(r, f[WIRE_ROW_TID], 0, INT32_MAX, "row tid");
		row->start_ns = num_u64(r, f[WIRE_ROW_START_NS], "row start_ns");
		row->comm = str_copy(r, f[WIRE_ROW_COMM], "row comm");
		row->uid = (uint32_t)num_int(r, f[WIRE_ROW_UID], 0, UINT32_MAX, "row uid");
		row->user = str_copy(r, f[WIRE_ROW_USER], "row user");
		row->cgroup_id = num_u64(r, f[WIRE_ROW_CGROUP_ID], "row cgroup_id");
		row->cgroup = str_copy(r, f[WIRE_ROW_CGROUP], "row cgroup");
		row->unit = str_copy(r, f[WIRE_ROW_UNIT], "row unit");
		row->container = str_copy(r, f[WIRE_ROW_CONTAINER], "row container");
		row->vm = str_copy(r, f[WIRE_ROW_VM], "row vm");
		/* Container and pod names are not carried (WIRE_GROUPS). */
		row->container_name = row->container_runtime = "";
		row->pod_uid = row->pod = row->pod_namespace = "";
		row->energy_uj = num_u64(r, f[WIRE_ROW_ENERGY_UJ], "row energy_uj");
		row->cpu_ns = num_u64(r, f[WIRE_ROW_CPU_NS], "row cpu_ns");
		row->syscalls = num_u64(r, f[WIRE_ROW_SYSCALLS], "row syscalls");
		row->ntasks = (size_t)num_u64(r, f[WIRE_ROW_NTASKS], "row ntasks");
		row->estimated = num_bool(r, f[WIRE_ROW_ESTIMATED], "row estimated");
		row->cumulative_uj = num_u64(r, f[WIRE_ROW_CUMULATIVE_UJ], "row cumulative_uj");
		row->cumulative_cpu_ns = num_u64(r, f[WIRE_ROW_CUMULATIVE_CPU_NS], "row cpu");
		row->cumulative_syscalls = num_u64(r, f[WIRE_ROW_CUMULATIVE_SYSCALLS], "row syscalls");
		row->first_seen_ns = num_u64(r, f[WIRE_ROW_FIRST_SEEN_NS], "row first_seen_ns");
		row->aggregated = num_bool(r, f[WIRE_ROW_AGGREGATED], "row aggregated");
		x = f[WIRE_ROW_DOMAIN_UJ];
		if (!x || x->type != JSONR_ARRAY || x->count != nd) {
			rd_fail(r, "row: one energy per domain");
			break;
		}
		k = 0;
		for (x = jsonr_first(r->doc, x); x && k < nd; x = jsonr_next(r->doc, x))
			sg->domain_uj[i * nd + k++] = num_u64(r, x, "row domain energy");
		row->domain_energy_uj = &sg->domain_uj[i * nd];
		row->ndomains = nd;
		row->power_w = interval_ns ? (double)row->energy_uj * 1e3 / (double)interval_ns : 0;
		row->cpu_pct = interval_ns ? (double)row->cpu_ns * 100.0 / (double)interval_ns : 0;
		row->share = s->info.tasks_uj ? (double)row->energy_uj / (double)s->info.tasks_uj : 0;
		sg->nrows = i + 1;
	}
	sg->present = true;
	free(v);
}

static void parse_tasks(struct rd *r, const struct jsonr_node *arr, struct joulestat_snapshot *s)
{
	size_t n, ncpu_total = 0, used = 0;
	const struct jsonr_node **v = children(r, arr, &n);

	/* The CPU times' total first, so that their storage never moves. */
	for (size_t i = 0; i < n && !r->failed; i++) {
		const struct jsonr_node *x = jsonr_first(r->doc, v[i]);

		if (v[i]->type != JSONR_ARRAY || v[i]->count != WIRE_TASK__COUNT) {
			rd_fail(r, "\"tasks\"[%zu]: not a task of %d values", i, WIRE_TASK__COUNT);
			break;
		}
		for (int k = 0; k < WIRE_TASK_CPUS && x; k++)
			x = jsonr_next(r->doc, x);
		if (!x || x->type != JSONR_ARRAY || x->count % 2) {
			rd_fail(r, "\"tasks\"[%zu]: CPU times are pairs of cpu, ns", i);
			break;
		}
		ncpu_total += x->count / 2;
	}
	if (!r->failed) {
		s->tasks = calloc(n ? n : 1, sizeof(*s->tasks));
		s->cpu_times = calloc(ncpu_total + 1, sizeof(*s->cpu_times));
		if (!s->tasks || !s->cpu_times)
			r->nomem = r->failed = true;
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		struct joulestat_task *t = &s->tasks[i];
		const struct jsonr_node *f[WIRE_TASK__COUNT] = { 0 }, *x;
		size_t k = 0;

		for (x = jsonr_first(r->doc, v[i]); x && k < WIRE_TASK__COUNT; x = jsonr_next(r->doc, x))
			f[k++] = x;
		t->sz = sizeof(*t);
		t->pid = (int)num_int(r, f[WIRE_TASK_PID], 0, INT32_MAX, "task pid");
		t->tid = (int)num_int(r, f[WIRE_TASK_TID], 0, INT32_MAX, "task tid");
		t->start_ns = num_u64(r, f[WIRE_TASK_START_NS], "task start_ns");
		t->proc_start_ns = num_u64(r, f[WIRE_TASK_PROC_START_NS], "task proc_start_ns");
		t->ppid = (int)num_int(r, f[WIRE_TASK_PPID], 0, INT32_MAX, "task ppid");
		t->comm = str_copy(r, f[WIRE_TASK_COMM], "task comm");
		t->uid = (uint32_t)num_int(r, f[WIRE_TASK_UID], 0, UINT32_MAX, "task uid");
		t->cgroup_id = num_u64(r, f[WIRE_TASK_CGROUP_ID], "task cgroup_id");
		t->exited = num_bool(r, f[WIRE_TASK_EXITED], "task exited");
		t->kernel = num_bool(r, f[WIRE_TASK_KERNEL], "task kernel");
		t->cpu_ns = num_u64(r, f[WIRE_TASK_CPU_NS], "task cpu_ns");
		t->energy_uj = num_u64(r, f[WIRE_TASK_ENERGY_UJ], "task energy_uj");
		t->estimated = num_bool(r, f[WIRE_TASK_ESTIMATED], "task estimated");
		t->syscalls = num_u64(r, f[WIRE_TASK_SYSCALLS], "task syscalls");
		t->cpus = &s->cpu_times[used];
		k = 0;
		for (x = jsonr_first(r->doc, f[WIRE_TASK_CPUS]); x; x = jsonr_next(r->doc, x)) {
			const struct jsonr_node *ns = jsonr_next(r->doc, x);

			s->cpu_times[used + k].cpu = (uint32_t)num_int(r, x, 0, RP_MAX_CPUS, "task cpu");
			s->cpu_times[used + k].ns = num_u64(r, ns, "task cpu ns");
			k++;
			x = ns;
			if (!x)
				break;
		}
		t->ncpus = k;
		used += k;
		s->info.ntasks = i + 1;
	}
	free(v);
}

int remote_parse_snapshot(const char *buf, size_t len, uint64_t seq,
			  struct joulestat_snapshot **ret, uint64_t *ret_daemon_seq,
			  uint64_t *ret_samples, char *err, size_t errsize)
{
	struct joulestat_snapshot *s;
	struct jsonr_doc doc;
	struct jsonr_error jerr;
	struct rd r = { .doc = &doc, .err = err, .errsize = errsize };
	const struct jsonr_node *root, *groups, *tasks;
	uint64_t dseq, samples;
	int e;

	if (errsize)
		err[0] = '\0';
	e = jsonr_parse(buf, len, &doc, &jerr);
	if (e == -ENOMEM)
		return e;
	if (e < 0) {
		rd_fail(&r, "not JSON: %s at byte %zu", jerr.msg, jerr.offset);
		return -EPROTO;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		jsonr_free(&doc);
		return -ENOMEM;
	}
	s->refs = 1;
	r.arena = &s->arena;
	root = &doc.nodes[0];
	if (root->type != JSONR_OBJECT)
		rd_fail(&r, "not an object");
	dseq = rd_u64(&r, root, "daemon_seq");
	samples = rd_u64(&r, root, "samples");
	if (!r.failed && samples == 0) {
		jsonr_free(&doc);
		snapshot_destroy(s);
		*ret = NULL;
		*ret_daemon_seq = dseq;
		*ret_samples = 0;
		return 0;
	}
	s->info.sz = sizeof(s->info);
	s->info.seq = seq;
	if (!r.failed)
		parse_info(&r, rd_get(&r, root, "info", JSONR_OBJECT), s);
	if (!r.failed)
		parse_snap_domains(&r, root, s);
	s->info.power_w = (s->info.warming_up || s->info.refused || s->info.end_ns <= s->info.start_ns)
				  ? NAN
				  : (double)s->info.delta_uj * 1e3 /
					    (double)(s->info.end_ns - s->info.start_ns);
	groups = r.failed ? NULL : rd_get(&r, root, "groups", JSONR_OBJECT);
	for (unsigned g = 0; groups && g < JOULESTAT_GROUP_COUNT && !r.failed; g++) {
		const struct jsonr_node *a = (WIRE_GROUPS & (1u << g)) ? jsonr_get(&doc, groups, group_keys[g])
								       : NULL;

		if (!a)
			continue;
		if (a->type != JSONR_ARRAY) {
			rd_fail(&r, "\"groups\".\"%s\": not an array", group_keys[g]);
			break;
		}
		parse_rows(&r, a, (enum joulestat_group)g, s);
		s->info.groups |= 1u << g;
	}
	tasks = r.failed ? NULL : jsonr_get(&doc, root, "tasks");
	if (tasks && tasks->type != JSONR_ARRAY)
		rd_fail(&r, "\"tasks\": not an array");
	else if (tasks)
		parse_tasks(&r, tasks, s);
	if (!r.failed && !s->tasks) {
		s->tasks = calloc(1, sizeof(*s->tasks));
		if (!s->tasks)
			r.nomem = r.failed = true;
	}
	if (!r.failed && snapshot_index_pids(s) < 0)
		r.nomem = r.failed = true;
	jsonr_free(&doc);
	if (r.failed) {
		snapshot_destroy(s);
		return r.nomem ? -ENOMEM : -EPROTO;
	}
	*ret = s;
	*ret_daemon_seq = dseq;
	*ret_samples = samples;
	return 0;
}
