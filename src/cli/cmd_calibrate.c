/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_calibrate.c - `joulestat calibrate [-d SEC] [-o FILE]`: measure each
 * energy domain's power on the quiet machine and store it as the static
 * power the baseline idle policy charges to the idle row (file format in
 * docs/FORMAT.md). The machine's busy CPU share over the window is shown,
 * and a window that was not quiet is refused unless --force: its work would
 * be counted as static power from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

#define CAL_MAX_DOMAINS 64
/* Busier than this (all CPUs, over the window) is not a quiet machine. */
#define CAL_QUIET_BUSY_PCT 10.0

struct cal_domain {
	char name[48];
	uint64_t delta_uj;
	uint64_t ns;
	bool estimated;
	bool warming;
};

struct cal_state {
	struct cal_domain d[CAL_MAX_DOMAINS];
	uint64_t busy_ns;	/* Σ task CPU time over the window */
	uint64_t cpu_ns;	/* Σ interval × CPUs */
};

void cmd_calibrate_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat calibrate [-d SEC] [-o FILE] [--force] [COMMON OPTIONS]\n\n"
		"Measure each energy domain's power while the machine is quiet and store it as\n"
		"the static power that '--idle baseline' charges to the idle row. Run it with\n"
		"nothing else working; the busy CPU share over the window is checked.\n\n"
		"Options:\n"
		"  -d, --duration SEC  how long to measure (default 10, 1 to 3600)\n"
		"  -o, --output FILE   where to store it (default " CLI_BASELINE_DEFAULT_PATH ";\n"
		"                      '-': standard output)\n"
		"  --force             store it even when the machine was busier than %.0f%%\n\n",
		CAL_QUIET_BUSY_PCT);
	cli_common_help(out);
}

const struct option cmd_calibrate_options[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 0x3001 },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* mkdir -p of the directory part of `path`. */
static int make_parent(const char *path)
{
	char *dir = strdup(path), *p;

	if (!dir)
		return -ENOMEM;
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			int r = -errno;

			free(dir);
			return r;
		}
		*p = '/';
	}
	free(dir);
	return 0;
}

/* calibrate's file: written whole and renamed into place, and synced (it outlives a crash). */
static const struct outfile_opts baseline_out = {
	.kind = OUTFILE_REPLACE, .mode = 0644, .exact_mode = true, .sync = true,
};

/* Write the file atomically: a reader sees the old one or the new one, never half. */
static int write_baseline(const char *path, const struct cal_domain *d, size_t n, double secs,
			  double busy_pct)
{
	struct outfile of;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (outfile_open(path, &baseline_out, &of) < 0) {
		cli_error("calibrate", "-o: %s", of.err);
		return -1;
	}
	f = of.f;
	gmtime_r(&now, &tm);
	fprintf(f, "# joulestat calibrate: %.1f s on %04d-%02d-%02dT%02d:%02d:%02dZ, CPUs %.1f%% busy\n",
		secs, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, busy_pct);
	fprintf(f, "# static power per energy domain, milliwatts (docs/FORMAT.md)\n");
	fprintf(f, "joulestat-baseline 1\n");
	for (size_t i = 0; i < n; i++) {
		if (d[i].warming || !d[i].ns)
			continue;
		fprintf(f, "%s %" PRIu64 "\n", d[i].name,
			(uint64_t)llround((double)d[i].delta_uj * 1e6 / (double)d[i].ns));
	}
	if (outfile_commit(&of) < 0) {
		cli_error("calibrate", "-o: %s", of.err);
		return -1;
	}
	return 0;
}

static int accumulate(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	struct cal_state *st = userdata;
	struct cal_domain *d = st->d;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };

	if (joulestat_snapshot_get(snap, &info) < 0)
		return -EINVAL;
	for (size_t i = 0; i < info.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
		size_t k;

		if (joulestat_snapshot_domain_get(snap, i, &sd) < 0 ||
		    sd.kind == JOULESTAT_DOMAIN_PROCESS)
			continue;
		for (k = 0; k < CAL_MAX_DOMAINS && d[k].name[0]; k++)
			if (strcmp(d[k].name, sd.name) == 0)
				break;
		if (k == CAL_MAX_DOMAINS)
			continue;
		if (!d[k].name[0])
			snprintf(d[k].name, sizeof(d[k].name), "%s", sd.name);
		d[k].estimated |= sd.estimated;
		/* A domain still warming up in an interval has no delta there: leave it out. */
		if (sd.warming_up)
			continue;
		d[k].delta_uj += sd.delta_uj;
		d[k].ns += info.end_ns - info.start_ns;
	}
	st->busy_ns += info.busy_ns;
	st->cpu_ns += (info.end_ns - info.start_ns) * info.ncpus;
	return 0;
}

int cmd_calibrate(int argc, char **argv, struct cli_common *common)
{
	static struct cal_state st;
	struct cal_domain *d = st.d;
	struct joulestat_opts base = { .sz = sizeof(base) };
	const char *out = CLI_BASELINE_DEFAULT_PATH;
	struct joulestat_snapshot *snap;
	struct joulestat *js = NULL;
	FILE *tbl;
	double secs = 10, busy_pct, taken;
	bool force = false, est = false;
	uint64_t deadline;
	int opt, r, code = 0;
	size_t n = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:o:v", cmd_calibrate_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'd':
			r = cli_seconds_option("calibrate", "-d", optarg, 1, 3600, &secs);
			if (r)
				return r;
			break;
		case 'o':
			if (!optarg[0]) {
				cli_error("calibrate", "-o: empty file name");
				return EXIT_USAGE;
			}
			out = optarg;
			break;
		case 0x3001:
			force = true;
			break;
		default:
			return cli_usage_error("calibrate");
		}
	}
	if (optind < argc) {
		cli_error("calibrate", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("calibrate");
	}
	/* Before measuring, not after: ten seconds of a quiet machine nobody can keep are lost. */
	if (strcmp(out, "-") != 0) {
		r = make_parent(out);
		if (r < 0) {
			cli_error("calibrate", "-o %s: cannot make its directory: %s", out,
				  strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	{
		char err[512];
		bool usage = false;

		if (outfile_check(out, &baseline_out, err, sizeof(err), &usage) < 0) {
			cli_error("calibrate", "-o: %s", err);
			return usage ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	/* Readings every second keep every counter far from ambiguous wraps. */
	base.interval_ms = secs < 1 ? (uint64_t)(secs * 1000) : 1000;
	r = cli_open_monitor_with(common, &base, &js);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	memset(&st, 0, sizeof(st));
	fprintf(stderr, "joulestat calibrate: measuring for %.1f s; keep the machine quiet\n",
		secs);
	/* Start the window now (the monitor's first interval began at its creation). */
	if (joulestat_sample(js, &snap) == 0)
		joulestat_snapshot_free(snap);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec +
			   (uint64_t)llround(secs * 1e9);
	}
	for (;;) {
		struct timespec ts;
		struct pollfd p = { .fd = joulestat_fd(js), .events = POLLIN };
		uint64_t now;
		int wait_ms;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		if (now >= deadline)
			break;
		wait_ms = (int)((deadline - now + 999999) / 1000000);
		if (p.fd < 0) {
			code = EXIT_RUNTIME;
			cli_error("calibrate", "no timer: %s", strerror(-p.fd));
			goto out;
		}
		if (poll(&p, 1, wait_ms) > 0 && (p.revents & POLLIN)) {
			r = joulestat_dispatch(js, accumulate, &st);
			if (r < 0) {
				cli_error("calibrate", "sampling failed: %s", strerror(-r));
				code = EXIT_RUNTIME;
				goto out;
			}
		}
	}
	r = joulestat_sample(js, &snap);
	if (r < 0) {
		cli_error("calibrate", "sampling failed: %s", strerror(-r));
		code = EXIT_RUNTIME;
		goto out;
	}
	accumulate(js, snap, &st);
	joulestat_snapshot_free(snap);

	busy_pct = st.cpu_ns ? 100.0 * (double)st.busy_ns / (double)st.cpu_ns : 0;
	for (n = 0; n < CAL_MAX_DOMAINS && d[n].name[0]; n++)
		est |= d[n].estimated;
	if (n == 0) {
		cli_error("calibrate", "no energy domain to calibrate; 'joulestat probe' says why");
		code = EXIT_RUNTIME;
		goto out;
	}
	taken = d[0].ns / 1e9;
	/* With -o -, standard output is the file's: the table goes to standard error. */
	tbl = strcmp(out, "-") == 0 ? stderr : stdout;
	fprintf(tbl, "%-20s %12s\n", "domain", "static W");
	for (size_t i = 0; i < n; i++) {
		if (!d[i].ns)
			fprintf(tbl, "%-20s %12s\n", d[i].name, "-");
		else
			fprintf(tbl, "%-20s %12.3f%s\n", d[i].name,
			       (double)d[i].delta_uj / ((double)d[i].ns / 1e3),
			       d[i].estimated ? " (estimated)" : "");
	}
	fprintf(tbl, "CPUs busy %.1f%% over %.1f s\n", busy_pct, taken);
	if (est)
		fprintf(stderr, "joulestat calibrate: warning: these domains are modelled, not "
				"measured: the numbers restate the model's idle power\n");
	if (busy_pct > CAL_QUIET_BUSY_PCT && !force) {
		cli_error("calibrate", "the CPUs were %.1f%% busy: not a quiet machine, so that work "
				       "would count as static power; stop it and retry, or use --force",
			  busy_pct);
		code = EXIT_RUNTIME;
		goto out;
	}
	if (write_baseline(out, d, n, taken, busy_pct) < 0) {
		code = EXIT_RUNTIME;
		goto out;
	}
	fprintf(stderr, "joulestat calibrate: wrote %s (use it with --idle baseline)\n",
		strcmp(out, "-") == 0 ? "standard output" : out);
out:
	joulestat_free(js);
	return code;
}
