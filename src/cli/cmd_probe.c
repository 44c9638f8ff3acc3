/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_probe.c - `joulestat probe`: what can be measured on this machine, and
 * for everything that cannot, why not in words the user can act on.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "jsonw.h"
#include "probe_gpu.h"
#include "textesc.h"

/* The longest name, path or reason shown whole (longer ones are cut). */
#define PROBE_TEXT_MAX 4096

static const char *const state_names[] = {
	[JOULESTAT_SOURCE_ACTIVE] = "active",
	[JOULESTAT_SOURCE_SHADOWED] = "shadowed",
	[JOULESTAT_SOURCE_UNAVAILABLE] = "unavailable",
	[JOULESTAT_SOURCE_FAILED] = "failed",
	[JOULESTAT_SOURCE_DISABLED] = "disabled",
};

void cmd_probe_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat probe [--json] [-i SEC] [COMMON OPTIONS]\n\n"
		"Show every energy source and whether it works here (and why not), the energy\n"
		"domains found with two readings -i SEC apart, the CPU topology, and what\n"
		"'joulestat top' would use by default.\n\n"
		"Options:\n"
		"  --json              one JSON document (described in docs/FORMAT.md)\n"
		"  -i, --interval SEC  time between the two readings (default 0.25, 0.01 to 10)\n\n");
	cli_common_help(out);
}

/* "0-3,8" from a CPU bit mask. */
static void format_cpus(const uint64_t *mask, size_t words, char *buf, size_t size)
{
	size_t len = 0;
	long start = -1;
	size_t ncpu = words * 64;

	buf[0] = '\0';
	for (size_t c = 0; c <= ncpu; c++) {
		bool set = c < ncpu && ((mask[c / 64] >> (c % 64)) & 1);

		if (set && start < 0)
			start = (long)c;
		if (!set && start >= 0) {
			int n;

			if ((long)c - 1 == start)
				n = snprintf(buf + len, size - len, "%s%ld", len ? "," : "", start);
			else
				n = snprintf(buf + len, size - len, "%s%ld-%zu", len ? "," : "", start,
					     c - 1);
			if (n < 0 || (size_t)n >= size - len)
				return;
			len += (size_t)n;
			start = -1;
		}
	}
	if (!len)
		snprintf(buf, size, "-");
}

static void sleep_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void print_activity_text(struct joulestat *js)
{
	struct joulestat_activity_info ai = { .sz = sizeof(ai) };
	char e[TEXTESC_SIZE(PROBE_TEXT_MAX)];

	printf("\nActivity collectors (in preference order)\n");
	for (size_t i = 0; i < joulestat_collector_count(js); i++) {
		struct joulestat_collector_info ci = { .sz = sizeof(ci) };

		if (joulestat_collector_get(js, i, &ci) < 0)
			continue;
		printf("  %-10s %-12s %s\n", ci.name, state_names[ci.state],
		       text_esc(ci.reason, e, sizeof(e)));
	}
	if (joulestat_activity_get(js, &ai) < 0) {
		printf("  none works: per-process attribution is not possible here\n");
		return;
	}
	printf("  in use     %s: %s\n", ai.collector, text_esc(ai.detail, e, sizeof(e)));
	if (!ai.coverage) {
		printf("  no interval sampled\n");
		return;
	}
	printf("  interval   %.3f s, %zu tasks ran, %" PRIu64 " events dropped, %.1f %% of busy "
	       "time named, %.1f ms in interrupts/steal\n",
	       (double)ai.interval_ns / 1e9, ai.tasks, ai.dropped, ai.captured * 100,
	       (double)ai.irq_ns / 1e6);
	if (ai.syscalls_counted)
		printf("  syscalls   %" PRIu64 " in the interval, counted per process\n", ai.syscalls);
	printf("  coverage  ");
	for (unsigned cpu = 0; cpu < ai.ncpus; cpu++)
		if (joulestat_cpu_socket(js, cpu) >= 0)
			printf(" cpu%u %.1f %%", cpu, ai.coverage[cpu] * 100);
	printf("\n");
}

static void print_activity_json(struct joulestat *js, struct jsonw *w)
{
	struct joulestat_activity_info ai = { .sz = sizeof(ai) };
	bool active = joulestat_activity_get(js, &ai) == 0;

	jsonw_key(w, "activity");
	jsonw_begin_object(w);
	jsonw_key(w, "collector");
	if (active)
		jsonw_string(w, ai.collector);
	else
		jsonw_null(w);
	jsonw_key(w, "detail");
	jsonw_string(w, active ? ai.detail : "");
	jsonw_key(w, "collectors");
	jsonw_begin_array(w);
	for (size_t i = 0; i < joulestat_collector_count(js); i++) {
		struct joulestat_collector_info ci = { .sz = sizeof(ci) };

		if (joulestat_collector_get(js, i, &ci) < 0)
			continue;
		jsonw_begin_object(w);
		jsonw_key(w, "name");
		jsonw_string(w, ci.name);
		jsonw_key(w, "state");
		jsonw_string(w, state_names[ci.state]);
		jsonw_key(w, "available");
		jsonw_bool(w, ci.state == JOULESTAT_SOURCE_ACTIVE ||
				      ci.state == JOULESTAT_SOURCE_SHADOWED);
		jsonw_key(w, "reason");
		jsonw_string(w, ci.reason);
		jsonw_key(w, "error");
		if (ci.error)
			jsonw_string(w, strerrorname_np(-ci.error) ? strerrorname_np(-ci.error) : "");
		else
			jsonw_null(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_key(w, "interval_ns");
	jsonw_u64(w, active ? ai.interval_ns : 0);
	jsonw_key(w, "tasks");
	jsonw_u64(w, active ? ai.tasks : 0);
	jsonw_key(w, "dropped");
	jsonw_u64(w, active ? ai.dropped : 0);
	jsonw_key(w, "lost_ns");
	jsonw_u64(w, active ? ai.lost_ns : 0);
	jsonw_key(w, "irq_ns");
	jsonw_u64(w, active ? ai.irq_ns : 0);
	jsonw_key(w, "syscalls");
	if (active && ai.syscalls_counted)
		jsonw_u64(w, ai.syscalls);
	else
		jsonw_null(w);
	jsonw_key(w, "captured");
	if (active && ai.coverage)
		jsonw_double(w, ai.captured);
	else
		jsonw_null(w);
	jsonw_key(w, "coverage");
	jsonw_begin_array(w);
	for (unsigned cpu = 0; active && ai.coverage && cpu < ai.ncpus; cpu++) {
		if (joulestat_cpu_socket(js, cpu) < 0)
			continue;
		jsonw_begin_object(w);
		jsonw_key(w, "cpu");
		jsonw_u64(w, cpu);
		jsonw_key(w, "coverage");
		jsonw_double(w, ai.coverage[cpu]);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void print_text(struct joulestat *js, const struct cli_common *c)
{
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	uint64_t host_uj;
	double host_w;
	bool host_est;
	const char *active_sources[16];
	size_t nactive = 0;
	/* Names, paths and reasons (which quote files) are escaped for the terminal. */
	char e[TEXTESC_SIZE(PROBE_TEXT_MAX)], e2[TEXTESC_SIZE(PROBE_TEXT_MAX)];

	printf("joulestat %s\n\n", joulestat_version());
	printf("Machine\n");
	printf("  CPU        %s\n", joulestat_cpu_model(js)[0]
					  ? text_esc(joulestat_cpu_model(js), e, sizeof(e))
					  : "unknown");
	printf("  CPUs       %u online, %u socket%s\n", joulestat_cpu_count(js),
	       joulestat_socket_count(js), joulestat_socket_count(js) == 1 ? "" : "s");
	printf("  Roots      sysfs %s, ", text_esc(c->sysfs_root ? c->sysfs_root : "/sys", e, sizeof(e)));
	printf("procfs %s, ", text_esc(c->procfs_root ? c->procfs_root : "/proc", e, sizeof(e)));
	printf("dev %s\n", text_esc(c->dev_root ? c->dev_root : "/dev", e, sizeof(e)));
	{
		struct joulestat_daemon_info di = { .sz = sizeof(di) };

		/* Everything below is the daemon's: what it measures, as it shows this user. */
		if (joulestat_daemon_get(js, &di) == 0)
			printf("  Measured   %s at %s: joulestat %s, sampling every %.3g s, you see %s\n",
			       cli_via_daemon(js), text_esc(di.socket, e, sizeof(e)), di.version,
			       (double)di.interval_ns / 1e9,
			       strcmp(di.view, "all") == 0 ? "every process"
			       : strcmp(di.view, "own") == 0 ? "your processes, others per user"
							     : "your processes, others as one row");
		else
			printf("  Measured   here (no joulestat daemon, or --no-daemon)\n");
	}
	printf("\n");

	printf("Energy sources (in priority order)\n");
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) < 0)
			continue;
		if (si.state == JOULESTAT_SOURCE_ACTIVE) {
			printf("  %-10s %-12s %u domain%s%s\n", si.name, state_names[si.state],
			       si.domains, si.domains == 1 ? "" : "s",
			       si.estimated ? ", estimated (a model, not a measurement)" : "");
			if (si.reason[0])
				printf("  %-10s %-12s note: %s\n", "", "",
				       text_esc(si.reason, e, sizeof(e)));
			if (nactive < 16)
				active_sources[nactive++] = si.name;
		} else {
			printf("  %-10s %-12s %s\n", si.name, state_names[si.state],
			       text_esc(si.reason, e, sizeof(e)));
		}
	}

	printf("\nDomains\n");
	if (joulestat_domain_count(js) == 0)
		printf("  none\n");
	else
		printf("  %-14s %-9s %-10s %6s %-9s %14s %10s %14s  %s\n", "NAME", "KIND", "SOURCE",
		       "SOCKET", "CPUS", "ENERGY_J", "POWER_W", "WRAP_RANGE_J", "FLAGS");
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };
		char cpus[64], power[32], range[32], sock[16], flags[128];

		if (joulestat_domain_get(js, i, &di) < 0)
			continue;
		format_cpus(di.cpu_mask, di.cpu_mask_words, cpus, sizeof(cpus));
		if (isnan(di.power_w))
			snprintf(power, sizeof(power), "warming-up");
		else
			snprintf(power, sizeof(power), "%.3f", di.power_w);
		if (di.max_energy_range_uj)
			snprintf(range, sizeof(range), "%.3f", (double)di.max_energy_range_uj / 1e6);
		else
			snprintf(range, sizeof(range), "-");
		if (di.socket >= 0)
			snprintf(sock, sizeof(sock), "%d", di.socket);
		else
			snprintf(sock, sizeof(sock), "-");
		snprintf(flags, sizeof(flags), "%s%s%s%s", di.estimated ? "estimated " : "measured ",
			 di.in_host_total ? "host-total " : "", di.errors ? "errors " : "",
			 di.wraps ? "wrapped" : "");
		printf("  %-14s %-9s %-10s %6s %-9s %14.6f %10s %14s  %s\n",
		       text_esc(di.name, e, sizeof(e)),
		       joulestat_domain_kind_name(di.kind), di.source, sock, cpus, (double)di.energy_uj / 1e6, power,
		       range, flags);
		printf("  %-14s   read from %s", "", text_esc(di.path, e, sizeof(e)));
		if (di.errors)
			printf(" (%" PRIu64 " readings refused)", di.errors);
		printf("\n");
	}

	printf("\nHost total\n");
	if (joulestat_host_energy(js, &host_uj, &host_w, &host_est) == 0) {
		printf("  ");
		for (size_t i = 0, n = 0; i < joulestat_domain_count(js); i++) {
			struct joulestat_domain_info di = { .sz = sizeof(di) };

			if (joulestat_domain_get(js, i, &di) == 0 && di.in_host_total)
				printf("%s%s", n++ ? " + " : "", text_esc(di.name, e2, sizeof(e2)));
		}
		if (isnan(host_w))
			printf(": warming up%s\n", host_est ? " (estimated)" : "");
		else
			printf(": %.3f W%s\n", host_w, host_est ? " (estimated)" : "");
	} else {
		printf("  none: no domain measures the whole machine\n");
	}
	if (joulestat_model_get(js, &mi) == 0) {
		printf("\nModel\n  per socket: idle %.1f W, full load %.1f W (%s); power = idle + "
		       "(full - idle) x CPU utilisation from /proc/stat\n",
		       (double)mi.idle_mw / 1e3, (double)mi.max_mw / 1e3, mi.origin);
		printf("  in a virtual machine, no sensor is exposed: its host can export this VM's "
		       "energy\n  instead, which the host source reads (docs/VMS.md)\n");
	}

	probe_gpu_text(js);
	print_activity_text(js);

	printf("\nDefault for 'joulestat top'\n  energy from ");
	for (size_t i = 0; i < nactive; i++)
		printf("%s%s", i ? ", " : "", active_sources[i]);
	printf("%s\n", nactive ? "" : "nothing");
	{
		struct joulestat_activity_info ai = { .sz = sizeof(ai) };

		if (joulestat_activity_get(js, &ai) == 0)
			printf("  activity from %s\n", ai.collector);
		else
			printf("  activity from nothing: energy cannot be split between processes\n");
	}
}

static void print_json(struct joulestat *js, const struct cli_common *c)
{
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	struct jsonw w;
	uint64_t host_uj;
	double host_w;
	bool host_est;

	jsonw_init(&w, stdout, true);
	jsonw_begin_object(&w);
	jsonw_key(&w, "format");
	jsonw_string(&w, "joulestat-probe");
	jsonw_key(&w, "version");
	jsonw_u64(&w, 1);
	jsonw_key(&w, "joulestat");
	jsonw_string(&w, joulestat_version());
	{
		struct joulestat_daemon_info di = { .sz = sizeof(di) };

		/* null: measured here. */
		jsonw_key(&w, "daemon");
		if (joulestat_daemon_get(js, &di) == 0) {
			jsonw_begin_object(&w);
			jsonw_key(&w, "socket");
			jsonw_string(&w, di.socket);
			jsonw_key(&w, "pid");
			jsonw_i64(&w, di.pid);
			jsonw_key(&w, "version");
			jsonw_string(&w, di.version);
			jsonw_key(&w, "started_realtime_ns");
			jsonw_u64(&w, di.started_realtime_ns);
			jsonw_key(&w, "counting_since_realtime_ns");
			jsonw_u64(&w, di.counting_since_realtime_ns);
			jsonw_key(&w, "restarts");
			jsonw_u64(&w, di.restarts);
			jsonw_key(&w, "interval_ns");
			jsonw_u64(&w, di.interval_ns);
			jsonw_key(&w, "view");
			jsonw_string(&w, di.view);
			jsonw_key(&w, "policy");
			jsonw_string(&w, di.policy);
			jsonw_end_object(&w);
		} else {
			jsonw_null(&w);
		}
	}

	jsonw_key(&w, "machine");
	jsonw_begin_object(&w);
	jsonw_key(&w, "cpu_model");
	jsonw_string(&w, joulestat_cpu_model(js));
	jsonw_key(&w, "cpus");
	jsonw_u64(&w, joulestat_cpu_count(js));
	jsonw_key(&w, "sockets");
	jsonw_u64(&w, joulestat_socket_count(js));
	jsonw_key(&w, "cpu_sockets");
	jsonw_begin_array(&w);
	for (unsigned cpu = 0, seen = 0; seen < joulestat_cpu_count(js) && cpu < 65536; cpu++) {
		int s = joulestat_cpu_socket(js, cpu);

		if (s < 0)
			continue;
		seen++;
		jsonw_begin_object(&w);
		jsonw_key(&w, "cpu");
		jsonw_u64(&w, cpu);
		jsonw_key(&w, "socket");
		jsonw_i64(&w, s);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_key(&w, "sysfs_root");
	jsonw_string(&w, c->sysfs_root ? c->sysfs_root : "/sys");
	jsonw_key(&w, "procfs_root");
	jsonw_string(&w, c->procfs_root ? c->procfs_root : "/proc");
	jsonw_key(&w, "dev_root");
	jsonw_string(&w, c->dev_root ? c->dev_root : "/dev");
	jsonw_end_object(&w);

	jsonw_key(&w, "sources");
	jsonw_begin_array(&w);
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) < 0)
			continue;
		jsonw_begin_object(&w);
		jsonw_key(&w, "name");
		jsonw_string(&w, si.name);
		jsonw_key(&w, "state");
		jsonw_string(&w, state_names[si.state]);
		jsonw_key(&w, "reason");
		jsonw_string(&w, si.reason);
		jsonw_key(&w, "error");
		if (si.error)
			jsonw_string(&w, strerrorname_np(-si.error) ? strerrorname_np(-si.error) : "");
		else
			jsonw_null(&w);
		jsonw_key(&w, "domains");
		jsonw_u64(&w, si.domains);
		jsonw_key(&w, "estimated");
		jsonw_bool(&w, si.estimated);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);

	jsonw_key(&w, "domains");
	jsonw_begin_array(&w);
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };
		char cpus[256];

		if (joulestat_domain_get(js, i, &di) < 0)
			continue;
		format_cpus(di.cpu_mask, di.cpu_mask_words, cpus, sizeof(cpus));
		jsonw_begin_object(&w);
		jsonw_key(&w, "name");
		jsonw_string(&w, di.name);
		jsonw_key(&w, "kind");
		jsonw_string(&w, joulestat_domain_kind_name(di.kind));
		jsonw_key(&w, "source");
		jsonw_string(&w, di.source);
		jsonw_key(&w, "path");
		jsonw_string(&w, di.path);
		jsonw_key(&w, "socket");
		if (di.socket >= 0)
			jsonw_i64(&w, di.socket);
		else
			jsonw_null(&w);
		if (di.pid) {
			jsonw_key(&w, "pid");
			jsonw_i64(&w, di.pid);
		}
		jsonw_key(&w, "cpus");
		jsonw_string(&w, cpus);
		jsonw_key(&w, "energy_uj");
		jsonw_u64(&w, di.energy_uj);
		jsonw_key(&w, "raw_uj");
		jsonw_u64(&w, di.raw_uj);
		jsonw_key(&w, "max_energy_range_uj");
		jsonw_u64(&w, di.max_energy_range_uj);
		jsonw_key(&w, "power_w");
		jsonw_double(&w, di.power_w);
		jsonw_key(&w, "wraps");
		jsonw_u64(&w, di.wraps);
		jsonw_key(&w, "errors");
		jsonw_u64(&w, di.errors);
		jsonw_key(&w, "refused");
		jsonw_u64(&w, di.refused);
		jsonw_key(&w, "estimated");
		jsonw_bool(&w, di.estimated);
		jsonw_key(&w, "in_host_total");
		jsonw_bool(&w, di.in_host_total);
		jsonw_key(&w, "warming_up");
		jsonw_bool(&w, di.warming_up);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);

	jsonw_key(&w, "host_total");
	if (joulestat_host_energy(js, &host_uj, &host_w, &host_est) == 0) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "energy_uj");
		jsonw_u64(&w, host_uj);
		jsonw_key(&w, "power_w");
		jsonw_double(&w, host_w);
		jsonw_key(&w, "estimated");
		jsonw_bool(&w, host_est);
		jsonw_end_object(&w);
	} else {
		jsonw_null(&w);
	}

	jsonw_key(&w, "model");
	if (joulestat_model_get(js, &mi) == 0) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "idle_mw");
		jsonw_u64(&w, mi.idle_mw);
		jsonw_key(&w, "max_mw");
		jsonw_u64(&w, mi.max_mw);
		jsonw_key(&w, "origin");
		jsonw_string(&w, mi.origin);
		jsonw_end_object(&w);
	} else {
		jsonw_null(&w);
	}
	probe_gpu_json(js, &w);
	print_activity_json(js, &w);
	jsonw_end_object(&w);
}

const struct option cmd_probe_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "interval", required_argument, NULL, 'i' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

int cmd_probe(int argc, char **argv, struct cli_common *common)
{
	struct joulestat *js = NULL;
	double interval_s = 0.25;
	bool json = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ji:v", cmd_probe_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'i':
			r = cli_seconds_option("probe", "-i", optarg, 0.01, 10, &interval_s);
			if (r)
				return r;
			break;
		default:
			return cli_usage_error("probe");
		}
	}
	if (optind < argc) {
		cli_error("probe", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("probe");
	}
	r = cli_open_monitor(common, &js);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	sleep_seconds(interval_s);
	(void)joulestat_read_energy(js);
	(void)joulestat_read_activity(js);
	if (json)
		print_json(js, common);
	else
		print_text(js, common);
	joulestat_free(js);
	return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
}
