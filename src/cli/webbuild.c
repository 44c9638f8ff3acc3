/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* webbuild.c - a webview from a snapshot, for serve's live page (webbuild.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "webbuild.h"

uint32_t webbuild_groups(void)
{
	uint32_t mask = 0;

	for (size_t g = 0; g < WEBVIEW_GROUPINGS; g++) {
		enum joulestat_group e;

		/* The vm grouping is the caller's to carry (--group vm, --vm-export). */
		if (joulestat_group_from_name(webview_grouping_names[g], &e) == 0 &&
		    e != JOULESTAT_GROUP_VM)
			mask |= 1u << e;
	}
	return mask;
}

/* The Unix time of a CLOCK_MONOTONIC instant. */
static double unix_of(uint64_t mono)
{
	struct timespec mt, rt;
	double now_mono;

	clock_gettime(CLOCK_MONOTONIC, &mt);
	clock_gettime(CLOCK_REALTIME, &rt);
	now_mono = (double)mt.tv_sec + (double)mt.tv_nsec / 1e9;
	return (double)rt.tv_sec + (double)rt.tv_nsec / 1e9 - (now_mono - (double)mono / 1e9);
}

/* One row of grouping `g` into `out`; -ENOMEM. */
static int row_of(enum joulestat_group g, const struct joulestat_row *r, struct webview_row *out)
{
	char key[96];

	*out = (struct webview_row){ .power_w = r->power_w, .energy_uj = r->cumulative_uj,
				     .cpu_pct = r->cpu_pct, .share = r->share,
				     .estimated = r->estimated, .tasks = r->ntasks,
				     .syscalls = r->syscalls };
	switch (g) {
	case JOULESTAT_GROUP_PROCESS:
		snprintf(key, sizeof(key), "%d@%" PRIu64, r->pid, r->start_ns);
		out->pid = r->pid;
		out->uid = r->uid;
		out->name = webview_strdup(r->comm);
		out->user = webview_strdup(r->user);
		out->unit = webview_strdup(r->unit);
		out->container = webview_strdup(r->container);
		if (!out->user || !out->unit || !out->container)
			goto nomem;
		break;
	case JOULESTAT_GROUP_USER:
		snprintf(key, sizeof(key), "%" PRIu32, r->uid);
		out->uid = r->uid;
		out->name = webview_strdup(r->user);
		out->user = webview_strdup(r->user);
		if (!out->user)
			goto nomem;
		break;
	case JOULESTAT_GROUP_CGROUP:
		out->name = webview_strdup(r->cgroup[0] ? r->cgroup : "(unknown)");
		break;
	case JOULESTAT_GROUP_UNIT:
		out->name = webview_strdup(r->unit[0] ? r->unit : "(no unit)");
		break;
	case JOULESTAT_GROUP_CONTAINER:
		out->name = webview_strdup(r->container[0] ? r->container : "(no container)");
		break;
	case JOULESTAT_GROUP_VM:
		out->name = webview_strdup(r->vm && r->vm[0] ? r->vm : "(no vm)");
		break;
	default:
		out->name = webview_strdup(r->comm);
		break;
	}
	if (!out->name)
		goto nomem;
	out->key = g == JOULESTAT_GROUP_PROCESS || g == JOULESTAT_GROUP_USER ? webview_strdup(key)
									      : webview_strdup(out->name);
	if (!out->key)
		goto nomem;
	return 0;
nomem:
	return -ENOMEM;
}

static int groupings(const struct joulestat_snapshot *snap, struct webview *v)
{
	for (size_t k = 0; k < WEBVIEW_GROUPINGS; k++) {
		struct webview_grouping *gr = &v->groupings[k];
		enum joulestat_group g;
		int n;

		if (joulestat_group_from_name(webview_grouping_names[k], &g) < 0)
			continue;
		n = joulestat_snapshot_row_count(snap, g);
		if (n == -ENOENT) { /* not carried by this monitor */
			gr->absent = true;
			continue;
		}
		if (n < 0)
			return n;
		gr->total = (size_t)n;
		n = n > WEBVIEW_ROWS_MAX ? WEBVIEW_ROWS_MAX : n;
		gr->rows = calloc((size_t)n + 1, sizeof(*gr->rows));
		if (!gr->rows)
			return -ENOMEM;
		/* The library's order: largest energy first, so the largest are kept. */
		for (int i = 0; i < n; i++) {
			struct joulestat_row r = { .sz = sizeof(r) };
			int e = joulestat_snapshot_row_get(snap, g, (size_t)i, &r);

			if (e < 0)
				return e;
			e = row_of(g, &r, &gr->rows[gr->nrows]);
			gr->nrows++; /* freed with the view, whole or not */
			if (e < 0)
				return e;
		}
	}
	return 0;
}

static int domains(struct joulestat *js, const struct joulestat_snapshot *snap,
		   const struct joulestat_snapshot_info *si, struct webview *v)
{
	double secs = si->end_ns > si->start_ns ? (double)(si->end_ns - si->start_ns) / 1e9 : NAN;

	v->domains = calloc(si->ndomains + 1, sizeof(*v->domains));
	if (!v->domains)
		return -ENOMEM;
	for (size_t i = 0; i < si->ndomains; i++) {
		struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
		struct webview_domain *o = &v->domains[v->ndomains];
		int r = joulestat_snapshot_domain_get(snap, i, &d);

		if (r < 0)
			return r;
		v->ndomains++;
		*o = (struct webview_domain){
			.name = webview_strdup(d.name),
			.kind = webview_strdup(joulestat_domain_kind_name(d.kind)),
			.source = webview_strdup(d.source),
			.status = webview_strdup(d.status),
			.socket = d.socket,
			.estimated = d.estimated,
			.in_host_total = d.in_host_total,
			.refused = d.refused,
			.warming_up = d.warming_up,
			.power_w = d.power_w,
			.tasks_w = (double)d.tasks_uj / 1e6 / secs,
			.idle_w = (double)d.idle_uj / 1e6 / secs,
			.unattributed_w = (double)d.unattributed_uj / 1e6 / secs,
			.energy_uj = d.energy_uj,
		};
		if (!o->name || !o->kind || !o->source || !o->status)
			return -ENOMEM;
	}
	/* GPUs as their sources read them, with their domain's power. */
	v->gpus = calloc(joulestat_gpu_count(js) + 1, sizeof(*v->gpus));
	if (!v->gpus)
		return -ENOMEM;
	for (size_t i = 0; i < joulestat_gpu_count(js); i++) {
		struct joulestat_gpu_info gi = { .sz = sizeof(gi) };
		struct webview_gpu *o = &v->gpus[v->ngpus];

		if (joulestat_gpu_get(js, i, &gi) < 0)
			continue;
		v->ngpus++;
		*o = (struct webview_gpu){
			.domain = webview_strdup(gi.domain),
			.name = webview_strdup(gi.name),
			.vendor = webview_strdup(gi.vendor),
			.split = webview_strdup(gi.split),
			.util_pct = gi.util_pct,
			.temp_c = gi.temp_c,
			.has_temp = gi.has_temp,
			.sampled = gi.sampled,
			.mem_used_bytes = gi.mem_used_bytes,
			.mem_total_bytes = gi.mem_total_bytes,
			.power_w = NAN,
		};
		if (!o->domain || !o->name || !o->vendor || !o->split)
			return -ENOMEM;
		for (size_t d = 0; d < v->ndomains; d++)
			if (strcmp(v->domains[d].name, o->domain) == 0)
				o->power_w = v->domains[d].power_w;
	}
	return 0;
}

int webbuild_view(struct joulestat *js, const struct joulestat_snapshot *snap,
		  const struct webbuild_extra *x, struct webview **ret)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct webview *v;
	char host[256] = "";
	double secs;
	int r;

	r = joulestat_snapshot_get(snap, &si);
	if (r < 0)
		return r;
	v = webview_new();
	if (!v)
		return -ENOMEM;
	secs = si.end_ns > si.start_ns ? (double)(si.end_ns - si.start_ns) / 1e9 : NAN;
	(void)gethostname(host, sizeof(host) - 1);
	v->seq = si.seq;
	v->time_s = unix_of(si.end_ns);
	v->interval_s = secs;
	v->host = webview_strdup(host);
	v->version = webview_strdup(joulestat_version());
	v->idle_policy = webview_strdup(si.idle_policy);
	v->collector = webview_strdup(si.collector);
	v->group = webview_strdup(x->group);
	v->estimated = si.estimated;
	v->warming_up = si.warming_up;
	v->refused = si.refused;
	v->syscalls = si.syscalls_counted;
	v->power_w = si.power_w;
	v->tasks_w = si.refused ? NAN : (double)si.tasks_uj / 1e6 / secs;
	v->idle_w = si.refused ? NAN : (double)si.idle_uj / 1e6 / secs;
	v->unattributed_w = si.refused ? NAN : (double)si.unattributed_uj / 1e6 / secs;
	v->coverage = si.coverage;
	v->captured = si.captured;
	v->dropped = si.dropped;
	v->carbon = x->carbon;
	v->carbon_g_per_kwh = x->carbon_g_per_kwh;
	v->host_co2e_g = x->host_co2e_g;
	v->self_cpu_s = x->self_cpu_s;
	v->self_rss_bytes = x->self_rss_bytes;
	if (x->carbon) {
		v->carbon_origin = webview_strdup(x->carbon_origin);
		v->carbon_from = webview_strdup(x->carbon_from);
	}
	if (!v->host || !v->version || !v->idle_policy || !v->collector || !v->group ||
	    (x->carbon && (!v->carbon_origin || !v->carbon_from))) {
		r = -ENOMEM;
		goto fail;
	}
	r = domains(js, snap, &si, v);
	if (r == 0)
		r = groupings(snap, v);
	if (r < 0)
		goto fail;
	*ret = v;
	return 0;
fail:
	webview_free(v);
	return r;
}
