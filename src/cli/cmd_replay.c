/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_replay.c - `joulestat replay`: run attribution again, offline, over
 * the raw inputs of a recording (record --raw), under the same or another
 * idle policy, and write the result as a recording. It uses the very
 * functions the monitor uses (attrib_split, group_tasks), so the same
 * recording under the same policy gives back the recorded numbers exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib.h"
#include "baseline.h"
#include "cli.h"
#include "fsroot.h"
#include "gpu.h"
#include "group.h"
#include "outfile.h"
#include "util.h"
#include "views.h"

void cmd_replay_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat replay FILE [--idle POLICY] [-o OUT] [--baseline FILE]\n\n"
		"Re-run attribution over a recording made with 'joulestat record --raw' and\n"
		"write the result as a recording (to standard output, or OUT). With the\n"
		"recording's own policy the numbers are the recorded ones, exactly.\n\n"
		"Options:\n"
		"  --idle POLICY      separate, proportional or baseline (default: the\n"
		"                     recording's)\n"
		"  -o, --output OUT   write there instead of standard output ('-'); never\n"
		"                     over the recording being read\n"
		"  --baseline FILE    static power per domain for the baseline policy (the\n"
		"                     file 'joulestat calibrate' writes); without it, the\n"
		"                     static power the recording used, else " CLI_BASELINE_DEFAULT_PATH "\n");
}

const struct option cmd_replay_options[] = {
	{ "idle", required_argument, NULL, 'I' },
	{ "output", required_argument, NULL, 'o' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* The process row's comm and uid come from its leader (tid == tgid), else its first thread. */
static const struct activity_task *leader(const struct activity_sample *s,
					  const struct group_result *g, const struct group_row *gr)
{
	const struct activity_task *lead = &s->tasks[g->members[gr->first]];

	for (size_t j = 0; j < gr->nmembers; j++) {
		const struct activity_task *t = &s->tasks[g->members[gr->first + j]];

		if (t->key.tid == t->key.tgid)
			lead = t;
	}
	return lead;
}

/*
 * The GPU domains with recorded inputs, split again as the monitor does
 * (gpu_snapshot_split): gpu_split() over the recorded weights, the
 * header's static power else the learnt idle power, no idle row under the
 * proportional policy while a process was active, and a process that did
 * not run on a CPU leaves its share unattributed. Recordings without the
 * inputs keep attrib_split()'s "skipped" (all unattributed).
 */
static int replay_gpu(const struct recfmt_header *h, const struct recfmt_interval *in,
		      enum attrib_idle_policy policy, struct recfmt_ledger *ledgers,
		      uint64_t *task_dom)
{
	const struct activity_sample *s = &in->sample;
	struct gpu_proc *procs = NULL;
	int err = 0;

	for (size_t g = 0; g < in->ngpus; g++) {
		const struct recfmt_gpu *rg = &in->gpus[g];
		size_t i = rg->domain;
		struct recfmt_ledger *l = &ledgers[i];
		uint64_t total_busy = 0;
		struct gpu_split_in sin;
		struct gpu_ledger gl;

		if (in->ledgers[i].status == ATTRIB_LEDGER_REFUSED)
			continue; /* a gap stays one */
		free(procs);
		procs = calloc(rg->nprocs ? rg->nprocs : 1, sizeof(*procs));
		if (!procs)
			return -ENOMEM;
		for (size_t k = 0; k < rg->nprocs; k++) {
			procs[k] = (struct gpu_proc){ .pid = rg->procs[k].pid,
						      .busy = rg->procs[k].busy };
			total_busy += rg->procs[k].busy;
		}
		l->gpu = true;
		l->sampled = in->ledgers[i].sampled;
		if (rg->procs_unknown) {
			l->gpu_status = GPU_SPLIT_NO_ACTIVITY;
			l->tasks_uj = l->idle_uj = 0;
			l->unattributed_uj = l->delta_uj;
			continue;
		}
		sin = (struct gpu_split_in){
			.delta_uj = l->delta_uj,
			.interval_ns = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0,
			.idle_mw = h->domains[i].static_mw ? h->domains[i].static_mw : rg->idle_mw,
			.idle_known = h->domains[i].static_mw || rg->idle_known,
		};
		if (policy == ATTRIB_IDLE_PROPORTIONAL && total_busy)
			sin.idle_known = false;
		err = gpu_split(&sin, procs, rg->nprocs, &gl);
		if (err < 0)
			break;
		for (size_t k = 0; k < rg->nprocs; k++) {
			long t = gpu_task_of(s, procs[k].pid);

			if (t < 0) {
				gl.unattributed_uj += procs[k].energy_uj;
				gl.procs_uj -= procs[k].energy_uj;
				continue;
			}
			task_dom[i * s->ntasks + (size_t)t] += procs[k].energy_uj;
		}
		l->gpu_status = gl.status;
		l->tasks_uj = gl.procs_uj;
		l->idle_uj = gl.idle_uj;
		l->unattributed_uj = gl.unattributed_uj;
	}
	free(procs);
	return err;
}

/*
 * Attribute one raw interval under `policy` into *out, whose arrays the
 * caller frees (ledgers, rows, row_energy); the raw part points into `in`.
 */
static int replay_interval(const struct recfmt_header *h, const struct recfmt_interval *in,
			   enum attrib_idle_policy policy, struct recfmt_interval *out)
{
	const struct activity_sample *s = &in->sample;
	size_t nd = h->ndomains, nt = s->ntasks;
	struct attrib_domain *ad = calloc(nd ? nd : 1, sizeof(*ad));
	uint64_t *task_dom = calloc(nd * nt + 1, sizeof(uint64_t));
	struct attrib_result *r = NULL;
	struct group_result *g = NULL;
	int err = -ENOMEM;

	*out = *in;
	out->ledgers = NULL;
	out->rows = NULL;
	out->row_energy = NULL;
	/* The VMs keep their processes (in's); their sums follow the new rows. */
	out->vms = in->nvms ? calloc(in->nvms, sizeof(*out->vms)) : NULL;
	if (!ad || !task_dom || (in->nvms && !out->vms))
		goto out;
	if (in->nvms)
		memcpy(out->vms, in->vms, in->nvms * sizeof(*out->vms));
	for (size_t i = 0; i < nd; i++)
		ad[i] = (struct attrib_domain){
			.name = h->domains[i].name,
			.kind = h->domains[i].kind,
			.cpus = &h->domains[i].cpus,
			.delta_uj = in->ledgers[i].delta_uj,
			.static_mw = h->domains[i].static_mw,
			.estimated = h->domains[i].estimated,
			.in_total = h->domains[i].in_total,
			/*
			 * A process's meter took part where the recording says it
			 * did (split, or no-time when the process did not run).
			 */
			.pid = in->ledgers[i].status == ATTRIB_LEDGER_SPLIT ||
					       in->ledgers[i].status == ATTRIB_LEDGER_NO_TIME
				       ? h->domains[i].pid
				       : 0,
			.refused = in->ledgers[i].status == ATTRIB_LEDGER_REFUSED,
		};
	err = attrib_split(s, ad, nd, policy, &r);
	if (err < 0)
		goto out;
	err = group_tasks(s, r, GROUP_ALL_DOMAINS, GROUP_PROCESS, in->proc_start_ns, &g);
	if (err < 0)
		goto out;
	err = -ENOMEM;
	out->ledgers = calloc(nd ? nd : 1, sizeof(*out->ledgers));
	out->rows = calloc(g->ngroups ? g->ngroups : 1, sizeof(*out->rows));
	out->row_energy = calloc((g->ngroups ? g->ngroups : 1) * (nd + 1), sizeof(uint64_t));
	if (!out->ledgers || !out->rows || !out->row_energy)
		goto out;
	for (size_t i = 0; i < nd; i++) {
		const struct attrib_ledger *l = &r->ledgers[i];

		out->ledgers[i] = (struct recfmt_ledger){
			.delta_uj = l->delta_uj, .tasks_uj = l->tasks_uj, .idle_uj = l->idle_uj,
			.unattributed_uj = l->unattributed_uj, .status = l->status,
			.energy_uj = in->ledgers[i].energy_uj, .raw_uj = in->ledgers[i].raw_uj,
		};
		for (size_t k = 0; k < l->nrows; k++)
			task_dom[i * nt + l->rows[k].task] = l->rows[k].energy_uj;
	}
	err = replay_gpu(h, in, policy, out->ledgers, task_dom);
	if (err < 0)
		goto out;
	out->host_delta_uj = r->total_delta_uj;
	out->host_tasks_uj = r->total_tasks_uj;
	out->host_idle_uj = r->total_idle_uj;
	out->host_unattributed_uj = r->total_unattributed_uj;
	out->nrows = g->ngroups;
	for (size_t i = 0; i < g->ngroups; i++) {
		const struct group_row *gr = &g->groups[i];
		const struct activity_task *lead = leader(s, g, gr);
		struct recfmt_row *row = &out->rows[i];

		row->tgid = gr->key.tgid;
		row->start_ns = gr->key.start_ns;
		row->uid = lead->uid;
		strscpy(row->comm, lead->comm, sizeof(row->comm));
		row->cgroup = RECFMT_NO_CGROUP;
		if (h->version >= 2) {
			/* The recorded table, by the id of the task the monitor took it from. */
			size_t c = 0;

			while (c < in->ncgroups && in->cgroups[c].id != lead->cgroup_id)
				c++;
			err = -EBADMSG;
			if (c == in->ncgroups)
				goto out;
			row->cgroup = (uint32_t)c;
		}
		row->energy_uj = out->row_energy + i * (nd + 1);
		for (size_t j = 0; j < gr->nmembers; j++) {
			uint32_t t = g->members[gr->first + j];

			row->syscalls += s->tasks[t].syscalls;
			row->cpu_ns += s->tasks[t].oncpu_ns;
			for (size_t d = 0; d < nd; d++)
				row->energy_uj[d] += task_dom[d * nt + t];
		}
		for (size_t d = 0; d < nd; d++)
			if (h->domains[d].in_total)
				row->total_uj += row->energy_uj[d];
	}
	err = recfmt_vms_sum(out, NULL);
out:
	if (err < 0) {
		free(out->ledgers);
		free(out->rows);
		free(out->row_energy);
		free(out->vms);
	}
	free(ad);
	free(task_dom);
	attrib_result_free(r);
	group_result_free(g);
	return err;
}

/* Static power from a calibration file, for every domain it names (or names the kind of). */
static int apply_baseline(const char *path, struct recfmt_header *h)
{
	struct baseline b;
	unsigned line = 0;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int fd = file_open_input(AT_FDCWD, path, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	int r;

	if (!f) {
		r = fd < 0 ? fd : -errno;
		cli_error("replay", "cannot read %s: %s", path, file_input_problem(r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	for (;;) {
		char tmp[4096];
		size_t n = fread(tmp, 1, sizeof(tmp), f);
		char *nb;

		if (n == 0)
			break;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	r = parse_baseline(buf ? buf : "", len, &b, &line);
	free(buf);
	if (r < 0) {
		if (line)
			cli_error("replay", "%s:%u: not a static power line (\"DOMAIN MILLIWATTS\"): %s",
				  path, line, strerror(-r));
		else
			cli_error("replay", "%s: not a baseline file: %s", path, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < h->ndomains; i++) {
		uint64_t mw;

		char *from;

		if (baseline_lookup(&b, h->domains[i].name, joulestat_domain_kind_name(h->domains[i].kind),
				    &mw) != 0)
			continue;
		from = strdup(path);
		if (!from)
			return -ENOMEM;
		h->domains[i].static_mw = mw;
		free(h->domains[i].static_from);
		h->domains[i].static_from = from;
	}
	return 0;
}

int cmd_replay(int argc, char **argv, struct cli_common *common)
{
	const char *path, *out_path = "-", *baseline;
	struct recfile rf = { 0 };
	enum attrib_idle_policy policy = ATTRIB_IDLE_SEPARATE;
	bool policy_given = false;
	struct outfile out = { .fd = -1, .dirfd = -1 };
	struct outfile_input in[2];
	struct outfile_opts oo = { .kind = OUTFILE_REPLACE, .inputs = in };
	FILE *f;
	uint64_t n = 0;
	int opt, r, ret = EXIT_RUNTIME;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:v", cmd_replay_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'I':
			if (attrib_idle_policy_from_name(optarg, &policy) < 0) {
				cli_error("replay", "--idle: '%s' is not one of separate, proportional, "
						    "baseline",
					  optarg);
				return EXIT_USAGE;
			}
			policy_given = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		default:
			return cli_usage_error("replay");
		}
	}
	if (optind >= argc) {
		cli_error("replay", "which recording? (joulestat replay FILE)");
		return cli_usage_error("replay");
	}
	if (optind + 1 < argc) {
		cli_error("replay", "unexpected argument '%s'", argv[optind + 1]);
		return cli_usage_error("replay");
	}
	path = argv[optind];
	if (recfile_open("replay", path, 0, &rf) < 0)
		return EXIT_RUNTIME;
	if (!rf.header.raw) {
		cli_error("replay", "%s was recorded without --raw: replay needs the raw inputs "
				    "(record again with 'joulestat record --raw')",
			  rf.path);
		goto out;
	}
	if (!policy_given)
		policy = rf.header.idle;
	/* --baseline, else calibrate's file when the policy needs static power the recording lacks. */
	baseline = common->baseline;
	if (!baseline && policy == ATTRIB_IDLE_BASELINE &&
	    access(CLI_BASELINE_DEFAULT_PATH, R_OK) == 0)
		for (size_t i = 0; i < rf.header.ndomains; i++)
			if (!rf.header.domains[i].static_mw)
				baseline = CLI_BASELINE_DEFAULT_PATH;
	if (baseline && apply_baseline(baseline, &rf.header) < 0)
		goto out;
	if (policy == ATTRIB_IDLE_BASELINE)
		for (size_t i = 0; i < rf.header.ndomains; i++) {
			struct recfmt_domain *d = &rf.header.domains[i];

			if (d->static_mw)
				continue;
			cli_error("replay", "warning: %s has no static power (pass --baseline FILE): "
					    "its idle row is 0 under the baseline policy ('joulestat "
					    "calibrate' writes one)",
				  d->name);
			/* The new recording says so (a recording made under baseline already does). */
			if (!d->static_from && rf.header.idle != ATTRIB_IDLE_BASELINE &&
			    !(d->static_from = strdup("none"))) {
				r = -ENOMEM;
				goto out;
			}
		}
	/* Written whole, then renamed into place: never over the recording being read. */
	if (rf.is_file)
		in[oo.ninputs++] = (struct outfile_input){ rf.path, rf.dev, rf.ino };
	if (baseline && outfile_input_of(baseline, -1, &in[oo.ninputs]) == 0)
		oo.ninputs++;
	r = outfile_open(out_path, &oo, &out);
	if (r < 0) {
		cli_error("replay", "%s", out.err);
		if (out.usage)
			ret = EXIT_USAGE;
		goto out;
	}
	f = out.f;
	rf.header.idle = policy;
	recfmt_write_header(f, &rf.header);
	for (;;) {
		struct recfmt_interval *iv = NULL, res;

		r = recfile_next("replay", &rf, &iv);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		r = replay_interval(&rf.header, iv, policy, &res);
		if (r == -EBADMSG) {
			cli_error("replay", "%s:%lu: a process's cgroup id is not among the "
					    "interval's cgroups: the recording is corrupt", rf.path,
				  rf.lineno);
			recfmt_interval_free(iv);
			goto out;
		}
		if (r < 0) {
			cli_error("replay", "%s:%lu: attribution refused the interval: %s", rf.path,
				  rf.lineno, strerror(-r));
			recfmt_interval_free(iv);
			goto out;
		}
		recfmt_write_interval(f, &rf.header, &res);
		free(res.ledgers);
		free(res.rows);
		free(res.row_energy);
		free(res.vms);
		recfmt_interval_free(iv);
		n++;
	}
	if (outfile_commit(&out) < 0) {
		cli_error("replay", "%s", out.err);
		goto out;
	}
	if (common->verbose)
		fprintf(stderr, "joulestat replay: %llu intervals under the %s policy\n",
			(unsigned long long)n, attrib_idle_policy_name(policy));
	ret = 0;
out:
	outfile_abort(&out); /* after a failure: the old file stays, no temporary one */
	recfile_close(&rf);
	return ret;
}
