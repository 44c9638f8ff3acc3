/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_serve.c - `joulestat serve`: a Prometheus exporter (HTTP /metrics, text
 * 0.0.4 or OpenMetrics 1.0) and an OpenMetrics file for PCP's
 * pmda-openmetrics. Every metric is described in docs/METRICS.md; PCP use in
 * docs/PCP.md.
 *
 * One loop, on the main thread, samples on absolute deadlines (so the
 * interval does not drift), feeds the group budget (gtrack.h), renders the
 * page once in both formats, and the live page's snapshot and point once
 * (webview.h, docs/API.md), publishes them to the HTTP threads, then
 * replaces the file. Requests only ever read what was last published.
 * With --vm-export, each VM's energy also goes to the counter tree its
 * guest reads (vmexport.h; docs/VMS.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "expo.h"
#include "gtrack.h"
#include "http.h"
#include "omfile.h"
#include "serve.h"
#include "sse.h"
#include "webbuild.h"
#include "webview.h"
#include "vmexport.h"

#define DEFAULT_LISTEN "127.0.0.1:9877"
#define DEFAULT_TOP 20
#define DEFAULT_TTL_S 300
#define NSEC_PER_SEC 1000000000ULL

struct serve_opts {
	const char *listen;
	const char *om_file;
	bool pcp_compat;
	enum joulestat_group group;
	unsigned top_n;
	uint64_t ttl_ns;
	uint64_t interval_ns;
	enum joulestat_idle_policy idle;
	int verbose;
	bool no_resources;		/* --no-resources: no machine resource families */
	const char *web_config;		/* --web-config-file: TLS and users */
	const char *vm_export;		/* --vm-export DIR: per-VM counter trees for guests */
};

/* Cumulative ledger of one domain, kept by name (the snapshot gives per-interval parts). */
struct dom_acc {
	char *name;
	uint64_t tasks_uj, idle_uj, unattributed_uj;
};

struct serve {
	struct serve_opts o;
	struct joulestat *js;
	const char *const *label_names;	/* the grouping's labels */
	size_t nlabels;
	struct gtrack *groups;		/* series per group, over the snapshot's domains */
	size_t ndomains;		/* the tracker's domains; a change rebuilds it */
	struct gtrack *compat;		/* --pcp-compat: comms, with battery energy as domain 0 */
	struct dom_acc *dom;
	size_t ndom;
	struct joulestat_snapshot *last;	/* the latest snapshot (a reference), NULL before */
	uint64_t samples, failures, dropped, lost_ns;
	uint64_t sample_ns;		/* how long the last sample took */
	struct omfile om;		/* --openmetrics-file */
	uint64_t om_errors;		/* its failed writes */
	uint64_t om_logged_ns;		/* when a failed write was last logged */
	bool om_failing;		/* the last write failed */
	bool syscalls;			/* the snapshots count syscalls (--syscalls, eBPF) */
	/* --carbon-intensity(-file): emissions of the host and of each group */
	struct carbon carbon;
	uint64_t host_co2e_ug;		/* Σ over intervals of the host's µg, each rounded */
	double intensity_now;		/* the last interval's; NAN: none covered it */
	enum carbon_origin intensity_origin;
	struct vmexport *vmx;		/* --vm-export */
	uint64_t vmx_failures;
};

static const char *const labels_process[] = { "pid", "comm" };
static const char *const labels_comm[] = { "comm" };
static const char *const labels_cgroup[] = { "cgroup" };
static const char *const labels_unit[] = { "unit" };
static const char *const labels_user[] = { "user" };
/* Containers and Kubernetes: names where the runtime or the kubelet gave them, else ids. */
static const char *const labels_kcontainer[] = { "container", "container_id", "pod", "namespace" };
static const char *const labels_pod[] = { "pod", "namespace", "pod_uid" };
static const char *const labels_namespace[] = { "namespace" };
#define SERVE_LABELS_MAX 4
static const char *const labels_vm[] = { "vm" };

void cmd_serve_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat serve [OPTIONS] [COMMON OPTIONS]\n\n"
		"Export energy per domain and per group of processes to Prometheus (HTTP\n"
		"/metrics) and to Performance Co-Pilot (an OpenMetrics file for\n"
		"pmda-openmetrics), and show it live on a web page (HTTP /, drawn from\n"
		"/api/v1/snapshot and /api/v1/stream). Metrics are described in\n"
		"docs/METRICS.md, the page and its JSON in docs/API.md.\n\n"
		"Options:\n"
		"  --listen ADDR:PORT       where to serve HTTP (default " DEFAULT_LISTEN
		"; [::1]:PORT\n"
		"                           for IPv6; 0.0.0.0 exposes it to the network)\n"
		"  --openmetrics-file PATH  also write the metrics to PATH each interval,\n"
		"                           atomically (for PCP's pmda-openmetrics);\n"
		"                           removed when serve stops\n"
		"  --pcp-compat             add power.py's names to the file: powermsr, powerbat,\n"
		"                           powermsrfull, powerbatfull\n"
		"  --group G                series per comm (default), cgroup, unit, container,\n"
		"                           vm, user, process (adds a pid label), pod or namespace\n"
		"                           (container: container, container_id, pod, namespace\n"
		"                           labels; pod: pod, namespace, pod_uid)\n"
		"  --top N                  groups with series of their own; the rest are summed\n"
		"                           into group \"other\" (default %d, 1 to 10000)\n"
		"  --ttl SEC                how long a vanished group's series stay (default %d)\n"
		"  -i, --interval SEC       sampling interval (default 1, 0.05 to 3600)\n"
		"  --idle POLICY            separate (default), proportional or baseline\n"
		"  --no-resources           leave out the machine's resources (CPU, frequency,\n"
		"                           temperatures, load, memory, disk, network, PSI)\n"
		"  --web-config-file PATH   TLS and basic authentication, in the Prometheus\n"
		"                           exporters' format (tls_server_config:,\n"
		"                           basic_auth_users:); see docs/METRICS.md (also\n"
		"                           --web.config.file, as the exporters spell it)\n"
		"  --vm-export DIR          write each virtual machine's energy to DIR/NAME/ every\n"
		"                           interval, a counter tree its guest reads over a\n"
		"                           virtiofs or 9p share (docs/VMS.md)\n\n",
		DEFAULT_TOP, DEFAULT_TTL_S);
	cli_common_help(out);
}

const struct option cmd_serve_options[] = {
	{ "listen", required_argument, NULL, 0x2001 },
	{ "openmetrics-file", required_argument, NULL, 0x2002 },
	{ "pcp-compat", no_argument, NULL, 0x2003 },
	{ "group", required_argument, NULL, 0x2004 },
	{ "top", required_argument, NULL, 0x2005 },
	{ "ttl", required_argument, NULL, 0x2006 },
	{ "interval", required_argument, NULL, 'i' },
	{ "idle", required_argument, NULL, 0x2007 },
	{ "no-resources", no_argument, NULL, 0x2008 },
	{ "web-config-file", required_argument, NULL, 0x2009 },
	{ "web.config.file", required_argument, NULL, 0x2009 }, /* the exporters' spelling */
	{ "vm-export", required_argument, NULL, 0x200a },
	CLI_COMMON_OPTIONS,
	{ 0 },
};

static int parse_args(int argc, char **argv, struct cli_common *common, struct serve_opts *o)
{
	double v;
	int opt, r;

	*o = (struct serve_opts){
		.listen = DEFAULT_LISTEN,
		.group = JOULESTAT_GROUP_COMM,
		.top_n = DEFAULT_TOP,
		.ttl_ns = DEFAULT_TTL_S * NSEC_PER_SEC,
		.interval_ns = NSEC_PER_SEC,
		.idle = JOULESTAT_IDLE_SEPARATE,
	};
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:v", cmd_serve_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 0x2001:
			o->listen = optarg;
			break;
		case 0x2002:
			if (!*optarg) {
				cli_error("serve", "--openmetrics-file: empty path");
				return EXIT_USAGE;
			}
			o->om_file = optarg;
			break;
		case 0x2003:
			o->pcp_compat = true;
			break;
		case 0x2008:
			o->no_resources = true;
			break;
		case 0x2009:
			if (!*optarg) {
				cli_error("serve", "--web-config-file: empty path");
				return EXIT_USAGE;
			}
			o->web_config = optarg;
			break;
		case 0x200a:
			if (!*optarg) {
				cli_error("serve", "--vm-export: empty path");
				return EXIT_USAGE;
			}
			o->vm_export = optarg;
			break;
		case 0x2004:
			r = joulestat_group_from_name(optarg, &o->group);
			if (r < 0 || o->group == JOULESTAT_GROUP_THREAD ||
			    o->group == JOULESTAT_GROUP_TREE) {
				cli_error("serve",
					  "--group: '%s' is not one of comm, cgroup, unit, "
					  "container, vm, user, process, pod, namespace",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 0x2005:
			if (cli_parse_seconds(optarg, 1, 10000, &v) < 0 || v != floor(v)) {
				cli_error("serve",
					  "--top: '%s' is not a whole number from 1 to 10000",
					  optarg);
				return EXIT_USAGE;
			}
			o->top_n = (unsigned)v;
			break;
		case 0x2006:
			r = cli_seconds_option("serve", "--ttl", optarg, 1, 7 * 86400, &v);
			if (r)
				return r;
			o->ttl_ns = (uint64_t)(v * 1e9);
			break;
		case 'i':
			r = cli_seconds_option("serve", "-i", optarg, 0.05, 3600, &v);
			if (r)
				return r;
			o->interval_ns = (uint64_t)llround(v * 1e9);
			break;
		case 0x2007:
			r = cli_idle_option("serve", optarg, &o->idle);
			if (r)
				return r;
			break;
		default:
			return cli_usage_error("serve");
		}
	}
	if (optind < argc) {
		cli_error("serve", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("serve");
	}
	if (o->pcp_compat && !o->om_file) {
		cli_error("serve", "--pcp-compat names metrics in the OpenMetrics file: give "
				   "--openmetrics-file PATH too");
		return EXIT_USAGE;
	}
	o->verbose = common->verbose;
	return 0;
}

/* ---- the per-interval state ---- */

static struct dom_acc *dom_acc_get(struct serve *sv, const char *name)
{
	struct dom_acc *d;

	for (size_t i = 0; i < sv->ndom; i++)
		if (strcmp(sv->dom[i].name, name) == 0)
			return &sv->dom[i];
	d = realloc(sv->dom, (sv->ndom + 1) * sizeof(*d));
	if (!d)
		return NULL;
	sv->dom = d;
	d = &sv->dom[sv->ndom];
	*d = (struct dom_acc){ .name = strdup(name) };
	if (!d->name)
		return NULL;
	sv->ndom++;
	return d;
}

/* The label values and identity of a row, per grouping; buffers owned by the caller. */
static void row_identity(enum joulestat_group g, const struct joulestat_row *row, char *id,
			 size_t id_size, char *pid, size_t pid_size, const char **values)
{
	switch (g) {
	case JOULESTAT_GROUP_PROCESS:
		/* tgid + start: a reused PID is a new identity, never a continued counter. */
		snprintf(id, id_size, "%d@%" PRIu64, row->pid, row->start_ns);
		snprintf(pid, pid_size, "%d", row->pid);
		values[0] = pid;
		values[1] = row->comm;
		break;
	case JOULESTAT_GROUP_CGROUP:
		snprintf(id, id_size, "%s", row->cgroup[0] ? row->cgroup : "unknown");
		values[0] = row->cgroup[0] ? row->cgroup : "unknown";
		break;
	case JOULESTAT_GROUP_UNIT:
		snprintf(id, id_size, "%s", row->unit[0] ? row->unit : "none");
		values[0] = row->unit[0] ? row->unit : "none";
		break;
	case JOULESTAT_GROUP_CONTAINER:
		/* The id is the identity: a name resolved later relabels the same counter. */
		snprintf(id, id_size, "%s", row->container[0] ? row->container : "none");
		values[0] = row->container_name[0] ? row->container_name
			    : row->container[0]	   ? row->container
						   : "none";
		values[1] = row->container[0] ? row->container : "none";
		values[2] = row->pod;
		values[3] = row->pod_namespace;
		break;
	case JOULESTAT_GROUP_POD:
		snprintf(id, id_size, "%s", row->pod_uid[0] ? row->pod_uid : "none");
		values[0] = row->pod[0] ? row->pod : row->pod_uid[0] ? row->pod_uid : "none";
		values[1] = row->pod_namespace;
		values[2] = row->pod_uid[0] ? row->pod_uid : "none";
		break;
	case JOULESTAT_GROUP_NAMESPACE:
		/* Pods whose namespace is not known yet are apart from the tasks in no pod. */
		values[0] = row->pod_namespace[0] ? row->pod_namespace
			    : row->names_unresolved ? "unresolved"
						    : "none";
		snprintf(id, id_size, "%s%s", row->pod_namespace[0] ? "ns:" : "", values[0]);
		break;
	case JOULESTAT_GROUP_USER:
		snprintf(id, id_size, "%" PRIu32, row->uid);
		values[0] = row->user;
		break;
	case JOULESTAT_GROUP_VM:
		snprintf(id, id_size, "%s", row->vm[0] ? row->vm : "none");
		values[0] = row->vm[0] ? row->vm : "none";
		break;
	default:
		snprintf(id, id_size, "%s", row->comm);
		values[0] = row->comm;
		break;
	}
}

/* µg of CO2e of `uj` at `g_per_kwh` (µJ × g/kWh / 3.6e6), rounded; 0 without an intensity. */
static uint64_t co2e_ug(uint64_t uj, double g_per_kwh)
{
	return isnan(g_per_kwh) ? 0 : (uint64_t)llround(carbon_grams(uj, g_per_kwh) * 1e6);
}

/* The Unix time (s) of a CLOCK_MONOTONIC instant: the carbon intensity's hour. */
static int64_t unix_s_of(uint64_t mono_ns_)
{
	struct timespec mt, rt;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &mt);
	clock_gettime(CLOCK_REALTIME, &rt);
	now = (uint64_t)mt.tv_sec * NSEC_PER_SEC + (uint64_t)mt.tv_nsec;
	return (int64_t)rt.tv_sec - (int64_t)(now > mono_ns_ ? (now - mono_ns_) / NSEC_PER_SEC : 0);
}

/*
 * Hand one grouping's rows to a tracker. With `battery` the tracker has one
 * domain: the row's energy on the battery domains (power.py's powerbat).
 */
static int track_rows(struct serve *sv, struct gtrack *t, enum joulestat_group g,
		      const struct joulestat_snapshot *snap,
		      const struct joulestat_snapshot_info *si, const bool *battery,
		      double g_per_kwh)
{
	int n = joulestat_snapshot_row_count(snap, g);
	struct gtrack_group *in = NULL;
	char (*ids)[96] = NULL, (*pids)[16] = NULL;
	const char *(*values)[SERVE_LABELS_MAX] = NULL;
	uint64_t *bat = NULL;
	int r = 0;

	if (n < 0)
		return n;
	in = calloc((size_t)n + 1, sizeof(*in));
	ids = calloc((size_t)n + 1, sizeof(*ids));
	pids = calloc((size_t)n + 1, sizeof(*pids));
	values = calloc((size_t)n + 1, sizeof(*values));
	bat = calloc((size_t)n + 1, sizeof(*bat));
	if (!in || !ids || !pids || !values || !bat) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };

		r = joulestat_snapshot_row_get(snap, g, (size_t)i, &row);
		if (r < 0)
			goto out;
		row_identity(g, &row, ids[i], sizeof(ids[i]), pids[i], sizeof(pids[i]), values[i]);
		in[i] = (struct gtrack_group){ .id = ids[i], .labels = values[i],
					       .host_uj = row.energy_uj, .cpu_ns = row.cpu_ns,
					       .syscalls = row.syscalls,
					       .co2e_ug = co2e_ug(row.energy_uj, g_per_kwh) };
		if (battery) {
			for (size_t d = 0; d < row.ndomains && d < si->ndomains; d++)
				if (battery[d])
					bat[i] += row.domain_energy_uj[d];
			in[i].energy_uj = &bat[i];
		} else {
			in[i].energy_uj =
				row.ndomains == sv->ndomains ? row.domain_energy_uj : NULL;
		}
	}
	r = gtrack_update(t, si->end_ns, si->end_ns - si->start_ns ? si->end_ns - si->start_ns : 1,
			  in, (size_t)n);
out:
	free(in);
	free(ids);
	free(pids);
	free(values);
	free(bat);
	return r;
}

static int account(struct serve *sv, struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	bool *battery = NULL;
	double g = NAN;
	int r;

	r = joulestat_snapshot_get(snap, &si);
	if (r < 0)
		return r;
	if (carbon_enabled(&sv->carbon))
		g = carbon_at(&sv->carbon, unix_s_of(si.start_ns / 2 + si.end_ns / 2),
			      &sv->intensity_origin);
	battery = calloc(si.ndomains + 1, sizeof(*battery));
	if (!battery)
		return -ENOMEM;
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
		struct dom_acc *a;

		r = joulestat_snapshot_domain_get(snap, i, &d);
		if (r < 0)
			goto out;
		a = dom_acc_get(sv, d.name);
		if (!a) {
			r = -ENOMEM;
			goto out;
		}
		a->tasks_uj += d.tasks_uj;
		a->idle_uj += d.idle_uj;
		a->unattributed_uj += d.unattributed_uj;
		battery[i] = d.kind == JOULESTAT_DOMAIN_BATTERY;
	}
	sv->dropped += si.dropped;
	sv->lost_ns += si.lost_ns;
	sv->syscalls = si.syscalls_counted;
	sv->samples++;

	if (!sv->groups || sv->ndomains != si.ndomains) {
		/* The domains changed (or first sample): per-domain series start over. */
		struct gtrack_opts go = { .ndomains = si.ndomains, .nlabels = sv->nlabels,
					  .top_n = sv->o.top_n, .ttl_ns = sv->o.ttl_ns };

		sv->groups = gtrack_free(sv->groups);
		r = gtrack_new(&go, &sv->groups);
		if (r < 0)
			goto out;
		sv->ndomains = si.ndomains;
	}
	r = track_rows(sv, sv->groups, sv->o.group, snap, &si, NULL, g);
	if (r == 0 && sv->compat)
		r = track_rows(sv, sv->compat, JOULESTAT_GROUP_COMM, snap, &si, battery, NAN);
	if (r == 0) {
		sv->intensity_now = g;
		sv->host_co2e_ug += co2e_ug(si.delta_uj, g);
	}
	joulestat_snapshot_free(sv->last);
	sv->last = joulestat_snapshot_ref(snap);
out:
	free(battery);
	return r;
}

/* ---- rendering ---- */

#define FAM(var, name_, type_, unit_, help_)                                                       \
	static const struct expo_family var = { name_, type_, unit_, help_ }

FAM(f_build, "joulestat_build_info", EXPO_GAUGE, NULL,
    "Always 1; the version of joulestat that produced these metrics.");
FAM(f_attr_info, "joulestat_attribution_info", EXPO_GAUGE, NULL,
    "Always 1; how energy is attributed: idle policy, activity collector, grouping.");
FAM(f_samples, "joulestat_samples", EXPO_COUNTER, NULL, "Sampling intervals completed.");
FAM(f_sample_fail, "joulestat_sample_failures", EXPO_COUNTER, NULL,
    "Sampling intervals that failed (every energy source unreadable, out of memory).");
FAM(f_om_errors, "joulestat_openmetrics_file_write_errors", EXPO_COUNTER, NULL,
    "Writes of the --openmetrics-file page that failed; the file keeps the page before.");
FAM(f_sample_dur, "joulestat_sample_duration_seconds", EXPO_GAUGE, "seconds",
    "Time the last sample took: reading the sources, the activity and attributing.");
FAM(f_interval, "joulestat_sample_interval_seconds", EXPO_GAUGE, "seconds",
    "Length of the last sampled interval.");
FAM(f_dom_energy, "joulestat_domain_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each domain since joulestat started (unwrapped, never decreasing).");
FAM(f_dom_power, "joulestat_domain_power_watts", EXPO_GAUGE, "watts",
    "Power of each domain over the last interval (absent while warming up).");
FAM(f_dom_tasks, "joulestat_domain_attributed_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each domain attributed to tasks; with idle and unattributed it sums to the "
    "domain's energy.");
FAM(f_dom_idle, "joulestat_domain_idle_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each domain attributed to idle time under the idle policy.");
FAM(f_dom_unattr, "joulestat_domain_unattributed_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each domain that could not be attributed (CPU time the collector could not "
    "name, domains not split by CPU time).");
FAM(f_dom_refused, "joulestat_domain_readings_refused", EXPO_COUNTER, NULL,
    "Readings of each domain refused (the counter could have wrapped more than once, or went "
    "backwards): each leaves a gap in its energy, not a zero.");
FAM(f_dom_static, "joulestat_domain_static_power_watts", EXPO_GAUGE, "watts",
    "Under the baseline idle policy, the static power of each domain (its idle row) and where "
    "it comes from: origin options, file (from: its path), model or none.");
FAM(f_host_energy, "joulestat_host_energy_joules", EXPO_COUNTER, "joules",
    "Energy of the whole machine (psys, else packages and DRAM, else a meter, battery or the "
    "model), never double counted.");
FAM(f_host_power, "joulestat_host_power_watts", EXPO_GAUGE, "watts",
    "Power of the whole machine over the last interval.");
FAM(f_grp_energy, "joulestat_group_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each group over the host-total domains; the top groups plus \"other\" sum to "
    "the attributed energy.");
FAM(f_grp_power, "joulestat_group_power_watts", EXPO_GAUGE, "watts",
    "Power of each group over the last interval (0 for a group whose series is frozen).");
FAM(f_grp_dom, "joulestat_group_domain_energy_joules", EXPO_COUNTER, "joules",
    "Energy of each group on each domain; per domain the groups sum to "
    "joulestat_domain_attributed_energy_joules.");
FAM(f_grp_cpu, "joulestat_group_cpu_seconds", EXPO_COUNTER, "seconds",
    "CPU time of each group's tasks.");
FAM(f_grp_syscalls, "joulestat_group_syscalls", EXPO_COUNTER, NULL,
    "Syscalls made by each group's processes (with --syscalls and the eBPF collector).");
FAM(f_grp_known, "joulestat_group_identities", EXPO_GAUGE, NULL,
    "Groups the exporter remembers: with a series, or seen within the TTL.");
FAM(f_carbon, "joulestat_carbon_intensity_grams_per_kwh", EXPO_GAUGE, NULL,
    "The grid's carbon intensity over the last interval, gCO2e/kWh, and where it comes from "
    "(with --carbon-intensity or --carbon-intensity-file).");
FAM(f_host_co2e, "joulestat_host_co2e_grams", EXPO_COUNTER, "grams",
    "CO2e of the whole machine's energy, each interval at its hour's carbon intensity.");
FAM(f_grp_co2e, "joulestat_group_co2e_grams", EXPO_COUNTER, "grams",
    "CO2e of each group's energy, each interval at its hour's carbon intensity.");
FAM(f_coverage, "joulestat_coverage_ratio", EXPO_GAUGE, "ratio",
    "Lowest per-CPU share of the last interval named as task or idle time (1 = complete).");
FAM(f_captured, "joulestat_captured_ratio", EXPO_GAUGE, "ratio",
    "Share of the last interval's busy CPU time named to a task.");
FAM(f_dropped, "joulestat_dropped_events", EXPO_COUNTER, NULL,
    "Scheduler events the activity collector could not record (full maps).");
FAM(f_lost, "joulestat_lost_cpu_seconds", EXPO_COUNTER, "seconds",
    "CPU time that passed but could not be named to a task; its energy is unattributed.");
FAM(f_self_cpu, "joulestat_self_cpu_seconds", EXPO_COUNTER, "seconds",
    "CPU time used by joulestat itself (user and system).");
FAM(f_self_rss, "joulestat_self_resident_memory_bytes", EXPO_GAUGE, "bytes",
    "Resident memory of joulestat itself.");
/* power.py's names, for its PCP users (--pcp-compat, file only). */
FAM(f_powermsr, "powermsr", EXPO_GAUGE, NULL,
    "power.py compatible: watts of each command over the host total (RAPL or the best meter).");
FAM(f_powerbat, "powerbat", EXPO_GAUGE, NULL,
    "power.py compatible: watts of each command over the battery domains (0 without a battery).");
FAM(f_powermsrfull, "powermsrfull", EXPO_GAUGE, NULL,
    "power.py compatible: watts of the whole machine (host total).");
FAM(f_powerbatfull, "powerbatfull", EXPO_GAUGE, NULL,
    "power.py compatible: watts drawn from the battery domains (0 without a battery).");

static uint64_t self_rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");
	uint64_t r = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) == 2)
		r = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
	fclose(f);
	return r;
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

FAM(f_res_cpu, "joulestat_cpu_usage_ratio", EXPO_GAUGE, "ratio",
    "Share of the last interval each CPU was busy (not idle or iowait).");
FAM(f_res_cpu_all, "joulestat_machine_cpu_usage_ratio", EXPO_GAUGE, "ratio",
    "Share of the last interval all CPUs together were busy.");
FAM(f_res_iowait, "joulestat_machine_cpu_iowait_ratio", EXPO_GAUGE, "ratio",
    "Share of the last interval all CPUs together were idle waiting for I/O.");
FAM(f_res_freq, "joulestat_cpu_frequency_hertz", EXPO_GAUGE, "hertz",
    "Current frequency of each CPU (cpufreq scaling_cur_freq; absent without cpufreq).");
FAM(f_res_temp, "joulestat_temperature_celsius", EXPO_GAUGE, "celsius",
    "Temperature of each thermal zone and hwmon sensor (at most 64).");
FAM(f_res_ctxt, "joulestat_context_switches", EXPO_COUNTER, NULL,
    "Context switches since boot, whole machine.");
FAM(f_res_intr, "joulestat_interrupts", EXPO_COUNTER, NULL,
    "Interrupts serviced since boot, whole machine.");
FAM(f_res_running, "joulestat_procs_running", EXPO_GAUGE, NULL, "Runnable tasks now.");
FAM(f_res_blocked, "joulestat_procs_blocked", EXPO_GAUGE, NULL,
    "Tasks in uninterruptible (I/O) sleep now.");
FAM(f_res_load1, "joulestat_load1", EXPO_GAUGE, NULL, "1-minute load average.");
FAM(f_res_load5, "joulestat_load5", EXPO_GAUGE, NULL, "5-minute load average.");
FAM(f_res_load15, "joulestat_load15", EXPO_GAUGE, NULL, "15-minute load average.");
FAM(f_res_mem_total, "joulestat_memory_total_bytes", EXPO_GAUGE, "bytes",
    "Usable memory (MemTotal).");
FAM(f_res_mem_avail, "joulestat_memory_available_bytes", EXPO_GAUGE, "bytes",
    "Memory available for new work without swapping (MemAvailable).");
FAM(f_res_swap_total, "joulestat_memory_swap_total_bytes", EXPO_GAUGE, "bytes",
    "Swap space (SwapTotal).");
FAM(f_res_swap_used, "joulestat_memory_swap_used_bytes", EXPO_GAUGE, "bytes",
    "Swap in use (SwapTotal - SwapFree).");
FAM(f_res_disk_read, "joulestat_disk_read_bytes", EXPO_COUNTER, "bytes",
    "Bytes read from each whole disk since boot (at most 64 disks).");
FAM(f_res_disk_written, "joulestat_disk_written_bytes", EXPO_COUNTER, "bytes",
    "Bytes written to each whole disk since boot.");
FAM(f_res_net_rx, "joulestat_network_receive_bytes", EXPO_COUNTER, "bytes",
    "Bytes received on each interface (at most 64) since it came up.");
FAM(f_res_net_tx, "joulestat_network_transmit_bytes", EXPO_COUNTER, "bytes",
    "Bytes sent on each interface since it came up.");
FAM(f_res_psi_some, "joulestat_pressure_waiting_seconds", EXPO_COUNTER, "seconds",
    "PSI: time some task waited on each resource (cpu, io, memory) since boot.");
FAM(f_res_psi_full, "joulestat_pressure_stalled_seconds", EXPO_COUNTER, "seconds",
    "PSI: time all non-idle tasks stalled on each resource since boot (no cpu before 5.13).");

/*
 * The machine's resources, from the last snapshot. Every label is bounded
 * by the machine, never by its workload: cpu by the CPU count, sensor, device
 * and interface by the library's limit of 64 each, resource by three values.
 * The families are written even without data, so the page's shape is fixed.
 */
static void render_resources(const struct joulestat_snapshot *snap, struct expo *e)
{
	static const char *const psi_names[3] = { "cpu", "io", "memory" };
	struct joulestat_system_resources s = { .sz = sizeof(s) };
	bool have = snap && joulestat_snapshot_resources(snap, &s) == 0;
	bool has_rate = have && s.interval_ns > 0;
	char cpu[16];

	expo_family(e, &f_res_cpu);
	for (unsigned c = 0; has_rate && c < s.ncpus; c++) {
		struct joulestat_cpu_resources ci = { .sz = sizeof(ci) };

		snprintf(cpu, sizeof(cpu), "%u", c);
		if (joulestat_snapshot_resources_cpu(snap, c, &ci) == 0 && ci.online)
			expo_sample_double(e, &(struct expo_label){ "cpu", cpu }, 1,
					   ci.usage_pct / 100.0);
	}
	expo_family(e, &f_res_cpu_all);
	if (has_rate)
		expo_sample_double(e, NULL, 0, s.cpu_usage_pct / 100.0);
	expo_family(e, &f_res_iowait);
	if (has_rate)
		expo_sample_double(e, NULL, 0, s.iowait_pct / 100.0);
	expo_family(e, &f_res_freq);
	for (unsigned c = 0; have && c < s.ncpus; c++) {
		struct joulestat_cpu_resources ci = { .sz = sizeof(ci) };

		snprintf(cpu, sizeof(cpu), "%u", c);
		if (joulestat_snapshot_resources_cpu(snap, c, &ci) == 0 && ci.freq_khz)
			expo_sample_fixed(e, &(struct expo_label){ "cpu", cpu }, 1,
					  ci.freq_khz * 1000, 0);
	}
	expo_family(e, &f_res_temp);
	for (size_t i = 0; have && i < s.ntemps; i++) {
		struct joulestat_temp_resources t = { .sz = sizeof(t) };

		if (joulestat_snapshot_resources_temp(snap, i, &t) == 0)
			expo_sample_double(e, &(struct expo_label){ "sensor", t.name }, 1,
					   t.celsius);
	}
	expo_family(e, &f_res_ctxt);
	if (have)
		expo_sample_fixed(e, NULL, 0, s.ctxt_total, 0);
	expo_family(e, &f_res_intr);
	if (have)
		expo_sample_fixed(e, NULL, 0, s.intr_total, 0);
	expo_family(e, &f_res_running);
	if (have)
		expo_sample_fixed(e, NULL, 0, s.procs_running, 0);
	expo_family(e, &f_res_blocked);
	if (have)
		expo_sample_fixed(e, NULL, 0, s.procs_blocked, 0);
	expo_family(e, &f_res_load1);
	if (have)
		expo_sample_double(e, NULL, 0, s.load[0]);
	expo_family(e, &f_res_load5);
	if (have)
		expo_sample_double(e, NULL, 0, s.load[1]);
	expo_family(e, &f_res_load15);
	if (have)
		expo_sample_double(e, NULL, 0, s.load[2]);
	/* MemTotal 0: <procfs>/meminfo was unreadable; say nothing rather than 0 bytes. */
	expo_family(e, &f_res_mem_total);
	if (have && s.mem_total_bytes)
		expo_sample_fixed(e, NULL, 0, s.mem_total_bytes, 0);
	expo_family(e, &f_res_mem_avail);
	if (have && s.mem_total_bytes)
		expo_sample_fixed(e, NULL, 0, s.mem_available_bytes, 0);
	expo_family(e, &f_res_swap_total);
	if (have && s.mem_total_bytes)
		expo_sample_fixed(e, NULL, 0, s.swap_total_bytes, 0);
	expo_family(e, &f_res_swap_used);
	if (have && s.mem_total_bytes)
		expo_sample_fixed(e, NULL, 0, s.swap_used_bytes, 0);
	for (int fam = 0; fam < 2; fam++) {
		expo_family(e, fam ? &f_res_disk_written : &f_res_disk_read);
		for (size_t i = 0; have && i < s.ndisks; i++) {
			struct joulestat_disk_resources d = { .sz = sizeof(d) };

			if (joulestat_snapshot_resources_disk(snap, i, &d) == 0)
				expo_sample_fixed(e, &(struct expo_label){ "device", d.name }, 1,
						  fam ? d.write_bytes : d.read_bytes, 0);
		}
	}
	for (int fam = 0; fam < 2; fam++) {
		expo_family(e, fam ? &f_res_net_tx : &f_res_net_rx);
		for (size_t i = 0; have && i < s.nnets; i++) {
			struct joulestat_net_resources n = { .sz = sizeof(n) };

			if (joulestat_snapshot_resources_net(snap, i, &n) == 0)
				expo_sample_fixed(e, &(struct expo_label){ "interface", n.name }, 1,
						  fam ? n.tx_bytes : n.rx_bytes, 0);
		}
	}
	for (int fam = 0; fam < 2; fam++) {
		expo_family(e, fam ? &f_res_psi_full : &f_res_psi_some);
		for (int i = 0; have && s.has_psi && i < 3; i++)
			expo_sample_fixed(e, &(struct expo_label){ "resource", psi_names[i] }, 1,
					  fam ? s.psi_full_total_us[i] : s.psi_some_total_us[i], 6);
	}
}

/* The intensity in force and its origin; the host's emissions (with an intensity only). */
static void render_carbon(struct serve *sv, struct expo *e, bool have_si,
			  const struct expo_label *host_label)
{
	bool on = carbon_enabled(&sv->carbon);

	expo_family(e, &f_carbon);
	if (on && have_si && !isnan(sv->intensity_now)) {
		bool file = sv->intensity_origin == CARBON_FILE;
		struct expo_label l[2] = {
			{ "origin", carbon_origin_name(sv->intensity_origin) },
			{ "from", file ? sv->carbon.series_from : sv->carbon.fixed_from },
		};

		expo_sample_double(e, l, 2, sv->intensity_now);
	}
	expo_family(e, &f_host_co2e);
	if (on && have_si)
		expo_sample_fixed(e, host_label, 1, sv->host_co2e_ug, 6);
}

static void render_groups(struct serve *sv, struct expo *e,
			  const struct joulestat_snapshot_domain *doms, size_t ndoms)
{
	size_t n = sv->groups ? gtrack_count(sv->groups) : 0;
	uint64_t interval = sv->groups ? gtrack_interval_ns(sv->groups) : 0;
	struct expo_label l[SERVE_LABELS_MAX + 1];

	expo_family(e, &f_grp_energy);
	for (size_t i = 0; i < n; i++) {
		struct gtrack_series s;

		gtrack_get(sv->groups, i, &s);
		for (size_t k = 0; k < sv->nlabels; k++)
			l[k] = (struct expo_label){ sv->label_names[k], s.labels[k] };
		expo_sample_fixed(e, l, sv->nlabels, s.host_uj, 6);
	}
	expo_family(e, &f_grp_power);
	for (size_t i = 0; i < n && interval; i++) {
		struct gtrack_series s;

		gtrack_get(sv->groups, i, &s);
		for (size_t k = 0; k < sv->nlabels; k++)
			l[k] = (struct expo_label){ sv->label_names[k], s.labels[k] };
		expo_sample_double(e, l, sv->nlabels,
				   (double)s.last_host_uj * 1e3 / (double)interval);
	}
	expo_family(e, &f_grp_dom);
	for (size_t d = 0; d < ndoms && d < sv->ndomains; d++) {
		for (size_t i = 0; i < n; i++) {
			struct gtrack_series s;

			gtrack_get(sv->groups, i, &s);
			l[0] = (struct expo_label){ "domain", doms[d].name };
			for (size_t k = 0; k < sv->nlabels; k++)
				l[k + 1] = (struct expo_label){ sv->label_names[k], s.labels[k] };
			expo_sample_fixed(e, l, sv->nlabels + 1, s.energy_uj[d], 6);
		}
	}
	expo_family(e, &f_grp_cpu);
	for (size_t i = 0; i < n; i++) {
		struct gtrack_series s;

		gtrack_get(sv->groups, i, &s);
		for (size_t k = 0; k < sv->nlabels; k++)
			l[k] = (struct expo_label){ sv->label_names[k], s.labels[k] };
		expo_sample_fixed(e, l, sv->nlabels, s.cpu_ns, 9);
	}
	/* Samples only when counted: a zero would claim the groups made none. */
	expo_family(e, &f_grp_syscalls);
	if (sv->syscalls) {
		for (size_t i = 0; i < n; i++) {
			struct gtrack_series s;

			gtrack_get(sv->groups, i, &s);
			for (size_t k = 0; k < sv->nlabels; k++)
				l[k] = (struct expo_label){ sv->label_names[k], s.labels[k] };
			expo_sample_fixed(e, l, sv->nlabels, s.syscalls, 0);
		}
	}
	/* Samples only with an intensity: a zero would claim the energy emitted nothing. */
	expo_family(e, &f_grp_co2e);
	if (carbon_enabled(&sv->carbon)) {
		for (size_t i = 0; i < n; i++) {
			struct gtrack_series s;

			gtrack_get(sv->groups, i, &s);
			for (size_t k = 0; k < sv->nlabels; k++)
				l[k] = (struct expo_label){ sv->label_names[k], s.labels[k] };
			expo_sample_fixed(e, l, sv->nlabels, s.co2e_ug, 6);
		}
	}
	expo_family(e, &f_grp_known);
	expo_sample_fixed(e, NULL, 0, sv->groups ? gtrack_known(sv->groups) : 0, 0);
}

static void render_compat(struct serve *sv, struct expo *e,
			  const struct joulestat_snapshot_info *si,
			  const struct joulestat_snapshot_domain *doms, size_t ndoms)
{
	size_t n = gtrack_count(sv->compat);
	uint64_t interval = gtrack_interval_ns(sv->compat);
	struct expo_label l = { "p", "psys" };
	double bat_w = 0;
	bool have_bat = false;

	/* power.py wrote these with a p="psys" label; kept so dashboards need no change. */
	expo_family(e, &f_powermsrfull);
	if (si && !isnan(si->power_w))
		expo_sample_double(e, &l, 1, si->power_w);
	for (size_t d = 0; d < ndoms; d++) {
		if (doms[d].kind == JOULESTAT_DOMAIN_BATTERY && !isnan(doms[d].power_w)) {
			bat_w += doms[d].power_w;
			have_bat = true;
		}
	}
	expo_family(e, &f_powerbatfull);
	if (si)
		expo_sample_double(e, &l, 1, have_bat ? bat_w : 0);
	expo_family(e, &f_powermsr);
	for (size_t i = 0; i < n && interval; i++) {
		struct gtrack_series s;

		gtrack_get(sv->compat, i, &s);
		l.value = s.labels[0];
		expo_sample_double(e, &l, 1, (double)s.last_host_uj * 1e3 / (double)interval);
	}
	expo_family(e, &f_powerbat);
	for (size_t i = 0; i < n && interval; i++) {
		struct gtrack_series s;

		gtrack_get(sv->compat, i, &s);
		l.value = s.labels[0];
		expo_sample_double(e, &l, 1, (double)s.last_energy_uj[0] * 1e3 / (double)interval);
	}
}

/* Refused readings per domain, from the monitor's live domains, with the labels of the other domain families. */
static int render(struct serve *sv, enum expo_format fmt, bool compat, struct expo_buf *out)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_snapshot_domain *doms = NULL;
	size_t ndoms = 0;
	uint64_t host_uj = 0;
	double host_w = NAN;
	bool host_est = false, have_si = false;
	struct expo_label host_label;
	struct expo e;
	int r = 0;

	if (sv->last && joulestat_snapshot_get(sv->last, &si) == 0) {
		have_si = true;
		doms = calloc(si.ndomains + 1, sizeof(*doms));
		if (!doms)
			return -ENOMEM;
		for (size_t i = 0; i < si.ndomains; i++) {
			doms[i].sz = sizeof(doms[i]);
			if (joulestat_snapshot_domain_get(sv->last, i, &doms[i]) < 0)
				break;
			ndoms++;
			if (doms[i].in_host_total)
				host_uj += doms[i].energy_uj;
		}
		host_w = si.power_w;
		host_est = si.estimated;
	}

	expo_init(&e, out, fmt);
	expo_family(&e, &f_build);
	expo_sample_fixed(&e, (struct expo_label[]){ { "version", joulestat_version() } }, 1, 1, 0);
	expo_family(&e, &f_attr_info);
	if (have_si) {
		struct expo_label l[] = {
			{ "idle_policy", si.idle_policy },
			{ "collector", si.collector },
			{ "group", joulestat_group_name(sv->o.group) },
		};

		expo_sample_fixed(&e, l, 3, 1, 0);
	}
	expo_family(&e, &f_samples);
	expo_sample_fixed(&e, NULL, 0, sv->samples, 0);
	expo_family(&e, &f_sample_fail);
	expo_sample_fixed(&e, NULL, 0, sv->failures, 0);
	if (sv->o.om_file) {
		expo_family(&e, &f_om_errors);
		expo_sample_fixed(&e, NULL, 0, sv->om_errors, 0);
	}
	expo_family(&e, &f_sample_dur);
	if (have_si)
		expo_sample_fixed(&e, NULL, 0, sv->sample_ns, 9);
	expo_family(&e, &f_interval);
	if (have_si)
		expo_sample_fixed(&e, NULL, 0, si.end_ns - si.start_ns, 9);

	/* Domains: the same five labels on every domain family, for joins. */
	for (int fam = 0; fam < 7; fam++) {
		static const struct expo_family *const fams[] = { &f_dom_energy, &f_dom_power,
								  &f_dom_tasks, &f_dom_idle,
								  &f_dom_unattr, &f_dom_refused,
								  &f_dom_static };
		bool baseline = have_si && strcmp(si.idle_policy, "baseline") == 0;

		expo_family(&e, fams[fam]);
		for (size_t i = 0; i < ndoms; i++) {
			const struct joulestat_snapshot_domain *d = &doms[i];
			struct dom_acc *a = dom_acc_get(sv, d->name);
			char socket[16] = "";
			struct expo_label l[5] = {
				{ "domain", d->name },
				{ "kind", joulestat_domain_kind_name(d->kind) },
				{ "socket", socket },
				{ "source", d->source },
				{ "estimated", d->estimated ? "true" : "false" },
			};

			if (d->socket >= 0)
				snprintf(socket, sizeof(socket), "%d", d->socket);
			if (!a) {
				r = -ENOMEM;
				goto out;
			}
			if (fam == 0)
				expo_sample_fixed(&e, l, 5, d->energy_uj, 6);
			else if (fam == 1 && !isnan(d->power_w))
				expo_sample_double(&e, l, 5, d->power_w);
			else if (fam == 2)
				expo_sample_fixed(&e, l, 5, a->tasks_uj, 6);
			else if (fam == 3)
				expo_sample_fixed(&e, l, 5, a->idle_uj, 6);
			else if (fam == 4)
				expo_sample_fixed(&e, l, 5, a->unattributed_uj, 6);
			else if (fam == 5)
				expo_sample_fixed(&e, l, 5, d->readings_refused, 0);
			else if (fam == 6 && baseline) {
				struct expo_label ls[7];

				memcpy(ls, l, sizeof(l));
				ls[5] = (struct expo_label){
					"origin", joulestat_static_origin_name(d->static_origin) };
				ls[6] = (struct expo_label){ "from", d->static_from };
				expo_sample_fixed(&e, ls, 7, d->static_mw, 3);
			}
		}
	}
	expo_family(&e, &f_host_energy);
	host_label = (struct expo_label){ "estimated", host_est ? "true" : "false" };
	if (have_si)
		expo_sample_fixed(&e, &host_label, 1, host_uj, 6);
	expo_family(&e, &f_host_power);
	if (have_si && !isnan(host_w))
		expo_sample_double(&e, &host_label, 1, host_w);
	render_carbon(sv, &e, have_si, &host_label);

	render_groups(sv, &e, doms, ndoms);

	expo_family(&e, &f_coverage);
	if (have_si)
		expo_sample_double(&e, NULL, 0, si.coverage);
	expo_family(&e, &f_captured);
	if (have_si)
		expo_sample_double(&e, NULL, 0, si.captured);
	expo_family(&e, &f_dropped);
	expo_sample_fixed(&e, NULL, 0, sv->dropped, 0);
	expo_family(&e, &f_lost);
	expo_sample_fixed(&e, NULL, 0, sv->lost_ns, 9);
	if (!sv->o.no_resources)
		render_resources(sv->last, &e);
	expo_family(&e, &f_self_cpu);
	expo_sample_fixed(&e, NULL, 0, self_cpu_ns(), 9);
	expo_family(&e, &f_self_rss);
	expo_sample_fixed(&e, NULL, 0, self_rss_bytes(), 0);
	if (compat && sv->compat)
		render_compat(sv, &e, have_si ? &si : NULL, doms, ndoms);
	r = expo_finish(&e);
out:
	free(doms);
	return r;
}

/* ---- --vm-export ---- */

/* -vv: every counter written, so a guest's readings can be traced to the host's. */
static void vm_written(void *userdata, const char *vm, uint64_t energy_uj, uint64_t delta_uj,
		       uint64_t seq)
{
	const struct serve *sv = userdata;

	if (sv->o.verbose > 1)
		fprintf(stderr, "joulestat serve: vm-export: %s energy_uj %" PRIu64 " (+%" PRIu64
				") seq %" PRIu64 "\n",
			vm, energy_uj, delta_uj, seq);
}

static int vmexport_start(struct serve *sv, char *err, size_t err_size)
{
	char host[256] = "";
	struct vmexport_opts vo = {
		.dir = sv->o.vm_export,
		.host = host,
		.interval_ms = sv->o.interval_ns / 1000000,
		.idle_policy = joulestat_idle_policy_name(sv->o.idle),
		.written = vm_written,
		.userdata = sv,
	};

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	return vmexport_new(&vo, &sv->vmx, err, err_size);
}

/* The host's energy sources in use, "powercap" or "powercap+battery". */
static void sources_in_use(struct joulestat *js, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) < 0 || si.state != JOULESTAT_SOURCE_ACTIVE ||
		    len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "+" : "", si.name);
	}
}

/* One interval's VM rows to their counter trees; failures are reported, not fatal. */
static void vm_export(struct serve *sv, const struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	int n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_VM), r;
	struct vmexport_vm *vms;
	struct joulestat_row *rows;
	char err[1024], sources[128];
	size_t k = 0;

	if (n < 0 || joulestat_snapshot_get(snap, &si) < 0)
		return;
	vms = calloc((size_t)n + 1, sizeof(*vms));
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!vms || !rows)
		goto out;
	for (int i = 0; i < n; i++) {
		rows[k].sz = sizeof(rows[k]);
		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_VM, (size_t)i, &rows[k]) < 0 ||
		    !rows[k].vm[0])
			continue;
		vms[k] = (struct vmexport_vm){ .name = rows[k].vm, .energy_uj = rows[k].energy_uj };
		k++;
	}
	sources_in_use(sv->js, sources, sizeof(sources));
	r = vmexport_update(sv->vmx, vms, k, sources, si.estimated, cli_mono_ns(), cli_real_ns(), err,
			    sizeof(err));
	if (r < 0 && (sv->vmx_failures++ == 0 || sv->o.verbose || sv->vmx_failures % 60 == 0))
		cli_error("serve", "%s", err);
out:
	free(vms);
	free(rows);
}

/* ---- the loop ---- */

/*
 * The live page's part of an interval: the view of the last snapshot, its
 * JSON for /api/v1/snapshot (attached to `page`), and its point and
 * snapshot events for the streams (*ret_point, *ret_snap). Nothing before
 * the first interval. Returns 0 or -ENOMEM (the page then answers 503 and
 * the streams skip the interval).
 */
static int render_web(struct serve *sv, struct http_page *page, struct sse_event **ret_point,
		      struct sse_event **ret_snap)
{
	struct webbuild_extra x = {
		.group = joulestat_group_name(sv->o.group),
		.carbon = carbon_enabled(&sv->carbon),
		.carbon_g_per_kwh = sv->intensity_now,
		.host_co2e_g = (double)sv->host_co2e_ug / 1e6,
		.self_cpu_s = (double)self_cpu_ns() / 1e9,
		.self_rss_bytes = self_rss_bytes(),
	};
	struct expo_buf json = { 0 }, point = { 0 };
	struct webview *v = NULL;
	int r;

	if (!sv->last)
		return 0;
	if (x.carbon) {
		bool file = sv->intensity_origin == CARBON_FILE;

		x.carbon_origin = carbon_origin_name(sv->intensity_origin);
		x.carbon_from = isnan(sv->intensity_now) ? ""
			       : file ? sv->carbon.series_from
				      : sv->carbon.fixed_from;
	}
	r = webbuild_view(sv->js, sv->last, &x, &v);
	if (r == 0)
		r = webview_snapshot_json(v, NULL, &json);
	if (r == 0)
		r = webview_point_json(v, NULL, &point);
	if (r == 0) {
		*ret_point = sse_event_new("point", v->seq, point.data, point.len);
		*ret_snap = sse_event_new("snapshot", v->seq, json.data, json.len);
		if (!*ret_point || !*ret_snap) {
			sse_event_unref(*ret_point);
			sse_event_unref(*ret_snap);
			*ret_point = *ret_snap = NULL;
			r = -ENOMEM;
		}
	}
	expo_buf_free(&point);
	if (r < 0) {
		expo_buf_free(&json);
		webview_free(v);
		return r;
	}
	http_page_attach_web(page, &json, v);
	return 0;
}

/* Render both formats, publish them, and write the file. Errors are reported, not fatal. */
static int publish(struct serve *sv, struct http_server *http, uint64_t sample_ns, bool startup,
		   struct http_page **ret_page)
{
	struct expo_buf text = { 0 }, om = { 0 }, file = { 0 };
	struct http_page *page;
	char err[512];
	int r;

	r = render(sv, EXPO_TEXT, false, &text);
	if (r == 0)
		r = render(sv, EXPO_OPENMETRICS, false, &om);
	if (r == 0 && sv->o.om_file) {
		const struct expo_buf *b = &om;

		if (sv->o.pcp_compat) {
			r = render(sv, EXPO_OPENMETRICS, true, &file);
			b = &file;
		}
		if (r == 0) {
			uint64_t now = cli_mono_ns();

			r = omfile_write(&sv->om, b->data, b->len, err, sizeof(err));
			/*
			 * At startup a bad path is the user's to fix; later, keep
			 * serving HTTP. The first failure is logged at once, then
			 * once a minute, so a full disk does not flood the log.
			 */
			if (r < 0) {
				sv->om_errors++;
				if (startup || sv->o.verbose || !sv->om_failing ||
				    now - sv->om_logged_ns >= 60 * NSEC_PER_SEC) {
					if (startup)
						cli_error("serve", "%s", err);
					else
						cli_error("serve", "%s (%" PRIu64 " failed write%s "
								   "so far; the file keeps the "
								   "page before)",
							  err, sv->om_errors,
							  sv->om_errors == 1 ? "" : "s");
					sv->om_logged_ns = now;
				}
				sv->om_failing = true;
			} else if (sv->om_failing) {
				fprintf(stderr, "joulestat serve: %s written again\n",
					sv->o.om_file);
				sv->om_failing = false;
			}
			if (r < 0 && !startup)
				r = 0;
		}
	}
	if (r < 0) {
		if (r == -ENOMEM || r == -EINVAL)
			cli_error("serve", "cannot render the metrics: %s", strerror(-r));
		expo_buf_free(&text);
		expo_buf_free(&om);
		expo_buf_free(&file);
		return r;
	}
	expo_buf_free(&file);
	page = http_page_new(&text, &om);
	if (!page)
		return -ENOMEM;
	if (http) {
		struct sse_event *point = NULL, *snap = NULL;

		if (render_web(sv, page, &point, &snap) < 0 && sv->o.verbose)
			cli_error("serve", "the live page skips an interval: out of memory");
		http_publish(http, page, sample_ns);
		if (point)
			http_publish_events(http, point, snap);
		sse_event_unref(point);
		sse_event_unref(snap);
	}
	if (ret_page)
		*ret_page = page;
	else
		http_page_unref(page);
	return 0;
}

/*
 * Say what a listening address beyond loopback exposes: every process's
 * command and energy (and PID with --group process) to whoever reaches
 * the port, and passwords in clear without TLS.
 */
static void warn_exposure(int fd, const char *bound, const struct http_security *sec)
{
	if (http_is_loopback(fd))
		return;
	if (!http_security_users(sec))
		fprintf(stderr,
			"joulestat serve: warning: listening on %s, beyond this machine: anyone "
			"who can reach it reads every process's command and energy; ask for a "
			"password with --web-config-file (basic_auth_users, with "
			"tls_server_config), or listen on 127.0.0.1 (docs/METRICS.md)\n",
			bound);
	else if (!http_security_tls(sec))
		fprintf(stderr,
			"joulestat serve: warning: listening on %s, beyond this machine, without "
			"TLS: passwords and metrics cross the network in clear; add "
			"tls_server_config to the --web-config-file\n",
			bound);
}

/* Wait until the absolute deadline; 1 when a termination signal came. */
static int wait_until(uint64_t deadline_ns, const sigset_t *sigs)
{
	for (;;) {
		uint64_t now = cli_mono_ns();
		struct timespec ts;
		int sig;

		if (now >= deadline_ns)
			return 0;
		ts.tv_sec = (time_t)((deadline_ns - now) / NSEC_PER_SEC);
		ts.tv_nsec = (long)((deadline_ns - now) % NSEC_PER_SEC);
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig > 0)
			return 1;
	}
}

/* The labels of grouping g's series: names and how many. */
static void set_labels(struct serve *sv, enum joulestat_group g)
{
	switch (g) {
	case JOULESTAT_GROUP_PROCESS:
		sv->label_names = labels_process;
		sv->nlabels = 2;
		return;
	case JOULESTAT_GROUP_CGROUP:
		sv->label_names = labels_cgroup;
		break;
	case JOULESTAT_GROUP_UNIT:
		sv->label_names = labels_unit;
		break;
	case JOULESTAT_GROUP_CONTAINER:
		sv->label_names = labels_kcontainer;
		sv->nlabels = 4;
		return;
	case JOULESTAT_GROUP_USER:
		sv->label_names = labels_user;
		break;
	case JOULESTAT_GROUP_POD:
		sv->label_names = labels_pod;
		sv->nlabels = 3;
		return;
	case JOULESTAT_GROUP_NAMESPACE:
		sv->label_names = labels_namespace;
		break;
	case JOULESTAT_GROUP_VM:
		sv->label_names = labels_vm;
		break;
	default:
		sv->label_names = labels_comm;
		break;
	}
	sv->nlabels = 1;
}

int cmd_serve(int argc, char **argv, struct cli_common *common)
{
	struct serve sv = { 0 };
	struct joulestat_opts base = { .sz = sizeof(base) };
	struct http_server *http = NULL;
	struct http_security *sec = NULL;
	struct http_opts ho = { 0 };
	char err[512], bound[128];
	sigset_t sigs;
	uint64_t next;
	int r, fd = -1, status = EXIT_RUNTIME;

	r = parse_args(argc, argv, common, &sv.o);
	if (r)
		return r;
	sv.intensity_now = NAN;
	r = cli_carbon(common, "serve", &sv.carbon);
	if (r)
		return r;
	sv.om.path = sv.o.om_file;
	set_labels(&sv, sv.o.group);

	/* Signals are taken synchronously by the loop; block them before any thread starts. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sv.o.web_config) {
		r = http_security_load(sv.o.web_config, &sec, err, sizeof(err));
		if (r < 0) {
			cli_error("serve", "%s", err);
			carbon_done(&sv.carbon);
			return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	/* The port first: a clash is the most likely startup error and the cheapest to find. */
	fd = http_listen(sv.o.listen, bound, sizeof(bound), err, sizeof(err));
	if (fd < 0) {
		cli_error("serve", "%s", err);
		http_security_free(sec);
		carbon_done(&sv.carbon);
		return fd == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	warn_exposure(fd, bound, sec);

	base.interval_ms = sv.o.interval_ns / 1000000;
	base.idle_policy = sv.o.idle;
	/* The live page switches between the groupings: each is carried. */
	base.groups = 1u << sv.o.group | webbuild_groups();
	if (sv.o.pcp_compat)
		base.groups |= 1u << JOULESTAT_GROUP_COMM;
	if (sv.o.vm_export)
		base.groups |= 1u << JOULESTAT_GROUP_VM;
	r = cli_open_monitor_with(common, &base, &sv.js);
	if (r < 0) {
		close(fd);
		http_security_free(sec);
		carbon_done(&sv.carbon);
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (sv.o.vm_export && vmexport_start(&sv, err, sizeof(err)) < 0) {
		cli_error("serve", "%s", err);
		close(fd);
		joulestat_free(sv.js);
		carbon_done(&sv.carbon);
		return EXIT_RUNTIME;
	}
	/* Resources are extra: without <procfs>/stat the energy metrics still serve. */
	if (!sv.o.no_resources && (r = joulestat_set_resources(sv.js, true)) < 0)
		cli_error("serve", "machine resources left out (%s); see the log above",
			  strerror(-r));
	if (sv.o.pcp_compat) {
		struct gtrack_opts co = { .ndomains = 1, .nlabels = 1, .top_n = sv.o.top_n,
					  .ttl_ns = sv.o.ttl_ns };

		if (gtrack_new(&co, &sv.compat) < 0)
			goto out;
	}

	/* Something to serve before the first interval ends: build info, self metrics. */
	{
		struct http_page *first = NULL;

		if (publish(&sv, NULL, cli_mono_ns(), true, &first) < 0)
			goto out;
		ho = (struct http_opts){ .listen_fd = fd, .interval_ns = sv.o.interval_ns,
					 .verbose = sv.o.verbose, .security = sec };
		r = http_start(&ho, first, &http, err, sizeof(err));
		http_page_unref(first);
		fd = -1; /* the server owns it now, also on failure */
		if (r < 0) {
			cli_error("serve", "%s", err);
			goto out;
		}
	}
	fprintf(stderr, "joulestat serve: listening on %s://%s/metrics\n",
		http_security_tls(sec) ? "https" : "http", bound);
	fprintf(stderr, "joulestat serve: the live page is %s://%s/\n",
		http_security_tls(sec) ? "https" : "http", bound);

	next = cli_mono_ns() + sv.o.interval_ns;
	for (;;) {
		struct joulestat_snapshot *snap = NULL;
		uint64_t t0;

		if (wait_until(next, &sigs))
			break;
		t0 = cli_mono_ns();
		r = joulestat_sample(sv.js, &snap);
		if (r == -ENODEV) {
			char why[1024];

			cli_collectors_why(sv.js, why, sizeof(why));
			cli_error("serve", "no activity collector works here (%s)", why);
			goto out;
		}
		if (r == 0) {
			r = account(&sv, snap);
			if (r == 0 && sv.vmx)
				vm_export(&sv, snap);
			joulestat_snapshot_free(snap);
		}
		sv.sample_ns = cli_mono_ns() - t0;
		if (r < 0) {
			sv.failures++;
			if (sv.failures == 1 || sv.o.verbose || sv.failures % 60 == 0)
				cli_error("serve", "sample %" PRIu64 " failed: %s",
					  sv.samples + sv.failures, strerror(-r));
		} else {
			publish(&sv, http, cli_mono_ns(), false, NULL);
		}
		/* Absolute deadlines: no drift; after a stall, resume from now, no burst. */
		next += sv.o.interval_ns;
		if (next <= cli_mono_ns())
			next = cli_mono_ns() + sv.o.interval_ns;
	}
	status = 0;
out:
	/* Stopped: a page left behind would be read as current values (docs/PCP.md). */
	if (omfile_remove(&sv.om, err, sizeof(err)) < 0)
		cli_error("serve", "%s", err);
	http_stop(http);
	http_security_free(sec);
	if (fd >= 0)
		close(fd);
	joulestat_snapshot_free(sv.last);
	gtrack_free(sv.groups);
	gtrack_free(sv.compat);
	vmexport_free(sv.vmx);
	for (size_t i = 0; i < sv.ndom; i++)
		free(sv.dom[i].name);
	free(sv.dom);
	joulestat_free(sv.js);
	carbon_done(&sv.carbon);
	return status;
}

/* ---- the exporter inside another loop (joulestat daemon --listen; serve.h) ---- */

struct serve_embed {
	struct serve sv;
	struct http_server *http;
	struct http_security *sec;
};

int serve_embed_start(struct joulestat *js, const struct serve_embed_opts *eo,
		      struct serve_embed **ret)
{
	struct serve_embed *e = calloc(1, sizeof(*e));
	struct http_opts ho = { 0 };
	struct http_page *first = NULL;
	char err[512], bound[128];
	int r, fd;

	if (!e)
		return -ENOMEM;
	e->sv.o = (struct serve_opts){
		.listen = eo->listen,
		.om_file = eo->om_file,
		.group = eo->group,
		.top_n = DEFAULT_TOP,
		.ttl_ns = DEFAULT_TTL_S * NSEC_PER_SEC,
		.interval_ns = eo->interval_ns,
		.verbose = eo->verbose,
		.web_config = eo->web_config,
	};
	e->sv.om.path = eo->om_file;
	e->sv.js = js;
	set_labels(&e->sv, eo->group);
	if (eo->web_config) {
		r = http_security_load(eo->web_config, &e->sec, err, sizeof(err));
		if (r < 0) {
			cli_error("daemon", "%s", err);
			free(e);
			return r;
		}
	}
	if ((r = joulestat_set_resources(js, true)) < 0)
		cli_error("daemon", "machine resources left out of /metrics (%s)", strerror(-r));
	if (!eo->listen) {
		/* The file only. */
		r = publish(&e->sv, NULL, cli_mono_ns(), true, NULL);
		if (r < 0) {
			serve_embed_stop(e);
			return r;
		}
		*ret = e;
		return 0;
	}
	fd = http_listen(eo->listen, bound, sizeof(bound), err, sizeof(err));
	if (fd < 0) {
		cli_error("daemon", "%s", err);
		serve_embed_stop(e);
		return fd;
	}
	warn_exposure(fd, bound, e->sec);
	r = publish(&e->sv, NULL, cli_mono_ns(), true, &first);
	if (r < 0) {
		close(fd);
		serve_embed_stop(e);
		return r;
	}
	ho = (struct http_opts){ .listen_fd = fd, .interval_ns = eo->interval_ns,
				 .verbose = eo->verbose, .security = e->sec };
	r = http_start(&ho, first, &e->http, err, sizeof(err));
	http_page_unref(first);
	if (r < 0) {
		cli_error("daemon", "%s", err);
		serve_embed_stop(e);
		return r;
	}
	fprintf(stderr, "joulestat daemon: metrics on %s://%s/metrics\n",
		http_security_tls(e->sec) ? "https" : "http", bound);
	*ret = e;
	return 0;
}

int serve_embed_snapshot(struct serve_embed *e, struct joulestat_snapshot *snap, uint64_t sample_ns)
{
	int r;

	if (!e)
		return 0;
	e->sv.sample_ns = sample_ns;
	r = account(&e->sv, snap);
	if (r < 0) {
		e->sv.failures++;
		return r;
	}
	return publish(&e->sv, e->http, cli_mono_ns(), false, NULL);
}

void serve_embed_stop(struct serve_embed *e)
{
	char err[512];

	if (!e)
		return;
	if (omfile_remove(&e->sv.om, err, sizeof(err)) < 0)
		cli_error("daemon", "%s", err);
	http_stop(e->http);
	http_security_free(e->sec);
	joulestat_snapshot_free(e->sv.last);
	gtrack_free(e->sv.groups);
	gtrack_free(e->sv.compat);
	for (size_t i = 0; i < e->sv.ndom; i++)
		free(e->sv.dom[i].name);
	free(e->sv.dom);
	free(e);
}
