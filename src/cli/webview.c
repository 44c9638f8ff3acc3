/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* webview.c - one interval for serve's page and API, and its JSON (webview.h, docs/API.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "webview.h"

const char *const webview_grouping_names[WEBVIEW_GROUPINGS] = {
	"process", "comm", "user", "unit", "container", "cgroup", "vm",
};

struct webview *webview_new(void)
{
	struct webview *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->power_w = NAN;
	v->carbon_g_per_kwh = NAN;
	return v;
}

char *webview_strdup(const char *s)
{
	return strdup(s ? s : "");
}

static void row_free(struct webview_row *r)
{
	free(r->key);
	free(r->name);
	free(r->user);
	free(r->unit);
	free(r->container);
}

struct webview *webview_free(struct webview *v)
{
	if (!v)
		return NULL;
	for (size_t i = 0; i < v->ndomains; i++) {
		free(v->domains[i].name);
		free(v->domains[i].kind);
		free(v->domains[i].source);
		free(v->domains[i].status);
	}
	free(v->domains);
	for (size_t i = 0; i < v->ngpus; i++) {
		free(v->gpus[i].domain);
		free(v->gpus[i].name);
		free(v->gpus[i].vendor);
		free(v->gpus[i].split);
	}
	free(v->gpus);
	for (size_t g = 0; g < WEBVIEW_GROUPINGS; g++) {
		for (size_t i = 0; i < v->groupings[g].nrows; i++)
			row_free(&v->groupings[g].rows[i]);
		free(v->groupings[g].rows);
	}
	free(v->host);
	free(v->version);
	free(v->idle_policy);
	free(v->collector);
	free(v->group);
	free(v->carbon_origin);
	free(v->carbon_from);
	free(v);
	return NULL;
}

static bool visible(const struct webview_filter *f, const struct webview_row *r, size_t g)
{
	return !f || !f->row_visible || f->row_visible(r, webview_grouping_names[g], f->ctx);
}

/* A number, or null for NaN (jsonw writes non-finite numbers as null). */
static void key_double(struct jsonw *w, const char *k, double v)
{
	jsonw_key(w, k);
	jsonw_double(w, v);
}

static void key_string(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	if (v)
		jsonw_string(w, v);
	else
		jsonw_null(w);
}

static void key_bool(struct jsonw *w, const char *k, bool v)
{
	jsonw_key(w, k);
	jsonw_bool(w, v);
}

static void key_u64(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_u64(w, v);
}

/* What a point and a snapshot share: the interval and the host. */
static void write_interval(struct jsonw *w, const struct webview *v)
{
	key_u64(w, "seq", v->seq);
	/* Unix milliseconds: a double's ten digits would lose the seconds' fraction. */
	key_u64(w, "time_ms", v->time_s > 0 ? (uint64_t)llround(v->time_s * 1e3) : 0);
	key_double(w, "interval_s", v->interval_s);
	key_bool(w, "estimated", v->estimated);
	key_bool(w, "warming_up", v->warming_up);
	key_bool(w, "refused", v->refused);
	key_double(w, "power_w", v->power_w);
	key_double(w, "tasks_w", v->tasks_w);
	key_double(w, "idle_w", v->idle_w);
	key_double(w, "unattributed_w", v->unattributed_w);
	key_double(w, "coverage", v->coverage);
}

static void write_carbon(struct jsonw *w, const struct webview *v)
{
	jsonw_key(w, "carbon");
	if (!v->carbon) {
		jsonw_null(w);
		return;
	}
	jsonw_begin_object(w);
	key_double(w, "intensity_g_per_kwh", v->carbon_g_per_kwh);
	key_string(w, "origin", v->carbon_origin);
	key_string(w, "from", v->carbon_from);
	key_double(w, "host_co2e_g", v->host_co2e_g);
	jsonw_end_object(w);
}

/* Each grouping's top groups of the interval, the visible ones; the rest is "other_w". */
static void write_top(struct jsonw *w, const struct webview *v, const struct webview_filter *f)
{
	jsonw_key(w, "top");
	jsonw_begin_object(w);
	for (size_t g = 0; g < WEBVIEW_GROUPINGS; g++) {
		const struct webview_grouping *gr = &v->groupings[g];
		double named = 0;
		size_t n = 0;

		if (gr->absent)
			continue;
		jsonw_key(w, webview_grouping_names[g]);
		jsonw_begin_object(w);
		jsonw_key(w, "groups");
		jsonw_begin_array(w);
		for (size_t i = 0; i < gr->nrows && n < WEBVIEW_TOP; i++) {
			const struct webview_row *r = &gr->rows[i];

			/* A group that drew nothing is no one's top. */
			if (!visible(f, r, g) || !(r->power_w > 0))
				continue;
			jsonw_begin_object(w);
			key_string(w, "key", r->key);
			key_string(w, "name", r->name);
			key_double(w, "power_w", r->power_w);
			jsonw_end_object(w);
			named += r->power_w;
			n++;
		}
		jsonw_end_array(w);
		/* The tasks' power beyond these: the stack reaches the tasks' total. */
		key_double(w, "other_w", v->tasks_w - named > 0 ? v->tasks_w - named : 0);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
}

static void write_domains(struct jsonw *w, const struct webview *v, bool full)
{
	jsonw_key(w, "domains");
	jsonw_begin_array(w);
	for (size_t i = 0; i < v->ndomains; i++) {
		const struct webview_domain *d = &v->domains[i];

		jsonw_begin_object(w);
		key_string(w, "name", d->name);
		key_double(w, "power_w", d->power_w);
		key_bool(w, "in_host_total", d->in_host_total);
		key_bool(w, "estimated", d->estimated);
		if (full) {
			key_string(w, "kind", d->kind);
			jsonw_key(w, "socket");
			if (d->socket >= 0)
				jsonw_i64(w, d->socket);
			else
				jsonw_null(w);
			key_string(w, "source", d->source);
			key_string(w, "status", d->status);
			key_bool(w, "refused", d->refused);
			key_bool(w, "warming_up", d->warming_up);
			key_double(w, "tasks_w", d->tasks_w);
			key_double(w, "idle_w", d->idle_w);
			key_double(w, "unattributed_w", d->unattributed_w);
			key_u64(w, "energy_uj", d->energy_uj);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void write_gpus(struct jsonw *w, const struct webview *v, bool full)
{
	jsonw_key(w, "gpus");
	jsonw_begin_array(w);
	for (size_t i = 0; i < v->ngpus; i++) {
		const struct webview_gpu *g = &v->gpus[i];

		jsonw_begin_object(w);
		key_string(w, "domain", g->domain);
		key_double(w, "power_w", g->power_w);
		jsonw_key(w, "util_pct");
		if (g->util_pct >= 0)
			jsonw_i64(w, g->util_pct);
		else
			jsonw_null(w);
		if (full) {
			key_string(w, "name", g->name);
			key_string(w, "vendor", g->vendor);
			jsonw_key(w, "temp_c");
			if (g->has_temp)
				jsonw_i64(w, g->temp_c);
			else
				jsonw_null(w);
			key_u64(w, "mem_used_bytes", g->mem_used_bytes);
			jsonw_key(w, "mem_total_bytes");
			if (g->mem_total_bytes)
				jsonw_u64(w, g->mem_total_bytes);
			else
				jsonw_null(w);
			key_string(w, "split", g->split);
			key_bool(w, "sampled", g->sampled);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void write_rows(struct jsonw *w, const struct webview *v, const struct webview_filter *f)
{
	jsonw_key(w, "rows");
	jsonw_begin_object(w);
	for (size_t g = 0; g < WEBVIEW_GROUPINGS; g++) {
		const struct webview_grouping *gr = &v->groupings[g];
		size_t shown = 0;

		if (gr->absent)
			continue;
		jsonw_key(w, webview_grouping_names[g]);
		jsonw_begin_object(w);
		jsonw_key(w, "rows");
		jsonw_begin_array(w);
		for (size_t i = 0; i < gr->nrows; i++) {
			const struct webview_row *r = &gr->rows[i];

			if (!visible(f, r, g))
				continue;
			shown++;
			jsonw_begin_object(w);
			key_string(w, "key", r->key);
			key_string(w, "name", r->name);
			if (r->pid) {
				jsonw_key(w, "pid");
				jsonw_i64(w, r->pid);
			}
			if (r->user) {
				key_string(w, "user", r->user);
				key_u64(w, "uid", r->uid);
			}
			if (r->unit)
				key_string(w, "unit", r->unit);
			if (r->container)
				key_string(w, "container", r->container);
			key_double(w, "power_w", r->power_w);
			key_u64(w, "energy_uj", r->energy_uj);
			key_double(w, "cpu_pct", r->cpu_pct);
			key_double(w, "share", r->share);
			key_bool(w, "estimated", r->estimated);
			key_u64(w, "tasks", r->tasks);
			jsonw_key(w, "syscalls");
			if (v->syscalls)
				jsonw_u64(w, r->syscalls);
			else
				jsonw_null(w);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		/* Rows beyond WEBVIEW_ROWS_MAX are counted; hidden ones are not. */
		key_u64(w, "total", shown + (gr->total > gr->nrows ? gr->total - gr->nrows : 0));
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
}

/* The snapshot (full) or its point, written to memory, then appended to `out`. */
static int render(const struct webview *v, const struct webview_filter *f, bool full,
		  struct expo_buf *out)
{
	char *buf = NULL;
	size_t len = 0;
	struct jsonw w;
	FILE *m = open_memstream(&buf, &len);
	int r;

	if (!m)
		return -ENOMEM;
	jsonw_init(&w, m, false);
	jsonw_begin_object(&w);
	if (full) {
		key_string(&w, "format", "joulestat-snapshot");
		key_u64(&w, "version", 1);
		key_string(&w, "joulestat", v->version);
		key_string(&w, "host", v->host);
	}
	write_interval(&w, v);
	if (full) {
		key_string(&w, "idle_policy", v->idle_policy);
		key_string(&w, "collector", v->collector);
		key_string(&w, "group", v->group);
		key_double(&w, "captured", v->captured);
		key_u64(&w, "dropped", v->dropped);
		key_bool(&w, "syscalls_counted", v->syscalls);
	}
	write_domains(&w, v, full);
	write_gpus(&w, v, full);
	write_carbon(&w, v);
	write_top(&w, v, f);
	if (full) {
		jsonw_key(&w, "groupings");
		jsonw_begin_array(&w);
		for (size_t g = 0; g < WEBVIEW_GROUPINGS; g++)
			if (!v->groupings[g].absent)
				jsonw_string(&w, webview_grouping_names[g]);
		jsonw_end_array(&w);
		write_rows(&w, v, f);
		jsonw_key(&w, "self");
		jsonw_begin_object(&w);
		key_double(&w, "cpu_s", v->self_cpu_s);
		key_u64(&w, "rss_bytes", v->self_rss_bytes);
		jsonw_end_object(&w);
	}
	jsonw_end_object(&w);
	if (fclose(m) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	r = expo_buf_append(out, buf, len);
	free(buf);
	return r;
}

int webview_snapshot_json(const struct webview *v, const struct webview_filter *f,
			  struct expo_buf *out)
{
	return render(v, f, true, out);
}

int webview_point_json(const struct webview *v, const struct webview_filter *f,
		       struct expo_buf *out)
{
	return render(v, f, false, out);
}
