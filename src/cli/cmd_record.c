/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_record.c - `joulestat record`: write every interval's ledgers and
 * process rows (and with --raw the inputs attribution used, for `replay`)
 * to a JSON Lines file, docs/FORMAT.md. Each line is written whole as soon
 * as it is complete, and a failed write (a full disk) is cut back to the
 * line before (outfile.h): a recording cut short is readable up to its last
 * complete interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "cli.h"
#include "fsroot.h"
#include "outfile.h"
#include "recfmt_res.h"
#include "views.h"

void cmd_record_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat record -o FILE [-i SEC] [-d SEC] [--raw] [--resources]\n"
		"                        [--idle POLICY] [COMMON OPTIONS]\n\n"
		"Record each interval's energy per domain, its ledger (tasks, idle,\n"
		"unattributed) and every process's share, one JSON line per interval\n"
		"(docs/FORMAT.md). Stops after -d SEC, or at Ctrl-C (the interval under way\n"
		"is written too). 'joulestat report' draws a recording; 'joulestat replay'\n"
		"re-attributes a raw one.\n\n"
		"Options:\n"
		"  -o, --output FILE    where to write ('-': standard output)\n"
		"  -i, --interval SEC   interval length (default 1, 0.01 to 3600)\n"
		"  -d, --duration SEC   stop after SEC seconds (default: until interrupted)\n"
		"  --raw                also keep the raw inputs (per-CPU task times, idle and\n"
		"                       lost time, counter readings) so replay can re-run\n"
		"                       attribution\n"
		"  --resources          also keep each interval's machine resources: CPU per\n"
		"                       core and overall, frequency, temperatures, context\n"
		"                       switches and interrupts per second, load, memory and\n"
		"                       swap, disk and network rates, PSI\n"
		"  --idle POLICY        separate (default), proportional or baseline\n\n");
	cli_common_help(out);
}

const struct option cmd_record_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "raw", no_argument, NULL, 'r' },
	{ "idle", required_argument, NULL, 'I' },
	{ "resources", no_argument, NULL, 'R' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

struct recorder {
	struct joulestat *js;
	struct outfile out;
	const char *source;
	uint64_t interval_ns;
	uint64_t duration_ns;
	bool raw;
	const char *baseline;		/* --baseline FILE, for the GPU domains' idle power */
	bool resources;			/* --resources */
	bool have_header;
	struct recfmt_header header;
	uint64_t intervals;
	uint64_t first_start_ns;
	int rc;				/* exit code from the snapshot callback */
};

/*
 * A GPU split takes a baseline file's entry for its domain as the GPU's idle
 * power under every policy (gpu_snap.h), while attribution reports a static
 * power only under the baseline policy: under the others, put the GPU
 * domains' entries in the header, so that replay splits them the same way.
 * The monitor has read the file already; an error here leaves 0 (learnt).
 */
static void gpu_static_power(const char *path, struct recfmt_header *h)
{
	struct baseline b;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned line = 0;
	FILE *f;
	int fd;

	if (!path || h->idle == ATTRIB_IDLE_BASELINE)
		return;
	fd = file_open_input(AT_FDCWD, path, O_RDONLY);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	len = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (len >= 0 && parse_baseline(buf, (size_t)len, &b, &line) == 0)
		for (size_t i = 0; i < h->ndomains; i++)
			if (h->domains[i].kind == JOULESTAT_DOMAIN_GPU &&
			    baseline_lookup(&b, h->domains[i].name, "gpu",
					    &h->domains[i].static_mw) == 0 &&
			    !h->domains[i].static_from)
				h->domains[i].static_from = strdup(path);
	free(buf);
}

/*
 * One line, rendered in memory and written whole: a write that fails (a
 * full disk) leaves the file ending at the line before, never half a line.
 */
static int write_line(struct recorder *rec, const struct recfmt_interval *iv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int r;

	if (!m)
		return -errno;
	r = iv ? recfmt_write_interval(m, &rec->header, iv) : recfmt_write_header(m, &rec->header);
	if (fclose(m) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = outfile_append(&rec->out, buf, len);
	else
		snprintf(rec->out.err, sizeof(rec->out.err), "cannot write %s: %s", rec->out.name,
			 strerror(ENOMEM));
	free(buf);
	return r;
}

/* Write one snapshot (and the header before the first). Returns 0 or an exit code. */
static int record_snapshot(struct recorder *rec, const struct joulestat_snapshot *snap)
{
	struct recfmt_interval *iv = NULL;
	int r;

	if (!rec->have_header) {
		r = views_header_from(rec->js, snap, rec->source, rec->interval_ns,
				      rec->duration_ns, rec->raw, &rec->header);
		if (r < 0) {
			cli_error("record", "cannot describe the monitor: %s", strerror(-r));
			return EXIT_RUNTIME;
		}
		gpu_static_power(rec->baseline, &rec->header);
		rec->header.resources = rec->resources;
		rec->have_header = true;
		if (write_line(rec, NULL) < 0)
			goto write_error;
	}
	r = views_interval_from(&rec->header, snap, &iv);
	if (r == -EINVAL) {
		cli_error("record", "the machine changed under the recording (domains or CPUs "
				    "came or went); stopping");
		return EXIT_RUNTIME;
	}
	if (r >= 0 && rec->raw) {
		r = views_interval_gpu(rec->js, &rec->header, iv);
		if (r < 0)
			iv = recfmt_interval_free(iv);
	}
	if (r < 0) {
		cli_error("record", "cannot take the interval: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	/* A failed resource sample is written as null: the energy matters more. */
	if (rec->resources) {
		r = recfmt_resources_from_snapshot(snap, &iv->resources);
		if (r == -ENOMEM) {
			recfmt_interval_free(iv);
			cli_error("record", "cannot take the interval: %s", strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	r = write_line(rec, iv);
	if (r == 0 && rec->intervals == 0)
		rec->first_start_ns = iv->start_ns;
	recfmt_interval_free(iv);
	if (r < 0)
		goto write_error;
	rec->intervals++;
	return 0;
write_error:
	cli_error("record", "%s", rec->out.err);
	return EXIT_RUNTIME;
}

static int take_and_record(struct recorder *rec)
{
	struct joulestat_snapshot *snap = NULL;
	int r = joulestat_sample(rec->js, &snap);

	if (r < 0) {
		cli_error("record", "sampling failed: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	r = record_snapshot(rec, snap);
	joulestat_snapshot_free(snap);
	return r;
}

static int on_snapshot(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	struct recorder *rec = userdata;

	rec->rc = record_snapshot(rec, snap);
	return rec->rc ? -EIO : 0;
}

static int record_loop(struct recorder *rec)
{
	uint64_t want = 0;
	struct pollfd pfd;
	int fd, r;

	if (rec->duration_ns)
		want = (rec->duration_ns + rec->interval_ns - 1) / rec->interval_ns;
	fd = joulestat_fd(rec->js);
	if (fd < 0) {
		cli_error("record", "cannot start the interval timer: %s", strerror(-fd));
		return EXIT_RUNTIME;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!stop_signal && (!want || rec->intervals < want)) {
		r = poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("record", "poll: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		/* One snapshot however many ticks passed. */
		r = joulestat_dispatch(rec->js, on_snapshot, rec);
		if (rec->rc)
			return rec->rc;
		if (r < 0) {
			cli_error("record", "sampling failed: %s", strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	/* Interrupted: the interval under way is energy too; keep it. */
	if (stop_signal)
		return take_and_record(rec);
	return 0;
}

int cmd_record(int argc, char **argv, struct cli_common *common)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct recorder rec = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	const char *path = NULL;
	double interval_s = 1.0, duration_s = 0;
	enum joulestat_idle_policy idle = JOULESTAT_IDLE_SEPARATE;
	int opt, r, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:i:d:v", cmd_record_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'i':
			r = cli_seconds_option("record", "-i", optarg, 0.01, 3600, &interval_s);
			if (r)
				return r;
			break;
		case 'd':
			if (cli_parse_seconds(optarg, 0.01, 366 * 86400.0, &duration_s) < 0) {
				cli_error("record", "-d: '%s' is not a duration in seconds from 0.01 to "
						    "31622400 (a year)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			rec.raw = true;
			break;
		case 'R':
			rec.resources = true;
			break;
		case 'I':
			r = cli_idle_option("record", optarg, &idle);
			if (r)
				return r;
			break;
		default:
			return cli_usage_error("record");
		}
	}
	if (optind < argc) {
		cli_error("record", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("record");
	}
	if (!path) {
		cli_error("record", "-o FILE is required (where to write the recording)");
		return cli_usage_error("record");
	}
	rec.interval_ns = (uint64_t)llround(interval_s * 1e9);
	rec.duration_ns = (uint64_t)llround(duration_s * 1e9);
	rec.source = common->source;
	rec.baseline = common->baseline;
	{
		/* The baseline file is read later: it must not be the recording. */
		struct outfile_input in;
		struct outfile_opts oo = { .kind = OUTFILE_STREAM };

		if (common->baseline && outfile_input_of(common->baseline, -1, &in) == 0) {
			oo.inputs = &in;
			oo.ninputs = 1;
		}
		r = outfile_open(path, &oo, &rec.out);
		if (r < 0) {
			cli_error("record", "%s", rec.out.err);
			return rec.out.usage ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	o.interval_ms = (uint64_t)llround(interval_s * 1000);
	o.idle_policy = idle;
	/* The vm grouping says which VM each process row belongs to ("vms" in each line). */
	o.groups = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_VM;
	r = cli_open_monitor_with(common, &o, &rec.js);
	if (r < 0) {
		ret = r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	/* Every interval needs a collector: say now why none works, with the fix. */
	{
		struct joulestat_activity_info ai = { .sz = sizeof(ai) };

		if (joulestat_activity_get(rec.js, &ai) == -ENODEV) {
			char why[1024];

			cli_collectors_why(rec.js, why, sizeof(why));
			cli_error("record", "no activity collector works here (%s)", why);
			ret = EXIT_RUNTIME;
			goto out;
		}
	}
	if (rec.resources && (r = joulestat_set_resources(rec.js, true)) < 0) {
		cli_error("record", "--resources: cannot read the machine's resources (%s): "
				    "<procfs>/stat must be readable",
			  strerror(-r));
		ret = EXIT_RUNTIME;
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = record_loop(&rec);
	if (ret == 0 && common->verbose)
		fprintf(stderr, "joulestat record: %llu intervals written to %s\n",
			(unsigned long long)rec.intervals, rec.out.name);
out:
	joulestat_free(rec.js);
	recfmt_header_free(&rec.header);
	/* After a failed write the file already ends at its last complete line: keep it. */
	if (outfile_commit(&rec.out) < 0 && ret == 0) {
		cli_error("record", "%s", rec.out.err);
		ret = EXIT_RUNTIME;
	}
	return ret;
}
