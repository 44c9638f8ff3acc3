/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * profile_json.c - joulestat_profile_write_json(): a stopped session as one
 * JSON document (docs/PROFILING.md, "JSON"). Built on the public getters
 * only, so the file says exactly what the API says. Series are columnar (one
 * array per figure) to keep 1 000 samples small. NaN is written as null.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "joulestat.h"
#include "profile_session.h"
#include "recfmt.h"

struct jw {
	FILE *f;
	bool comma;
};

static void sep(struct jw *w)
{
	if (w->comma)
		fputc(',', w->f);
	w->comma = true;
}

static void key(struct jw *w, const char *k)
{
	sep(w);
	recfmt_write_string(w->f, k);
	fputc(':', w->f);
}

static void num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

static void kd(struct jw *w, const char *k, double v)
{
	key(w, k);
	num(w->f, v);
}

static void ku(struct jw *w, const char *k, uint64_t v)
{
	key(w, k);
	fprintf(w->f, "%" PRIu64, v);
}

static void ki(struct jw *w, const char *k, int64_t v)
{
	key(w, k);
	fprintf(w->f, "%" PRId64, v);
}

static void ks(struct jw *w, const char *k, const char *v)
{
	key(w, k);
	recfmt_write_string(w->f, v);
}

static void kb(struct jw *w, const char *k, bool v)
{
	key(w, k);
	fputs(v ? "true" : "false", w->f);
}

static void open_obj(struct jw *w, const char *k)
{
	if (k)
		key(w, k);
	else
		sep(w);
	fputc('{', w->f);
	w->comma = false;
}

static void close_obj(struct jw *w)
{
	fputc('}', w->f);
	w->comma = true;
}

enum col {
	C_T, C_INTERVAL, C_POWER, C_TREE_POWER, C_CPUS, C_MACHINE, C_RSS, C_READ, C_WRITE,
	C_SWITCHES, C_FAULTS, C_THREADS, C_RUNNING, C_BLOCKED, C_PSI_CPU, C_PSI_IO, C_PSI_MEM,
	C_GPU, C__COUNT
};

static const char *const col_names[C__COUNT] = {
	"t_s",		   "interval_s",      "power_w",	"tree_power_w", "cpus_used",
	"machine_cpu_pct", "rss_bytes",	      "read_bytes_per_s", "write_bytes_per_s",
	"switches_per_s",  "faults_per_s",    "threads",	"running",	"blocked",
	"psi_cpu_pct",	   "psi_io_pct",      "psi_mem_pct",	"gpu_util_pct",
};

static double col_value(const struct joulestat_profile_sample *s, enum col c)
{
	switch (c) {
	case C_T:
		return (double)s->t_ns / 1e9;
	case C_INTERVAL:
		return (double)s->interval_ns / 1e9;
	case C_POWER:
		return s->power_w;
	case C_TREE_POWER:
		return s->tree_power_w;
	case C_CPUS:
		return s->cpus_used;
	case C_MACHINE:
		return s->machine_cpu_pct;
	case C_RSS:
		return (double)s->rss_bytes;
	case C_READ:
		return s->read_bytes_per_s;
	case C_WRITE:
		return s->write_bytes_per_s;
	case C_SWITCHES:
		return s->switches_per_s;
	case C_FAULTS:
		return s->faults_per_s;
	case C_THREADS:
		return s->threads;
	case C_RUNNING:
		return s->running;
	case C_BLOCKED:
		return s->blocked;
	case C_PSI_CPU:
		return s->psi_pct[0];
	case C_PSI_IO:
		return s->psi_pct[1];
	case C_PSI_MEM:
		return s->psi_pct[2];
	default:
		return s->gpu_util_pct;
	}
}

int joulestat_profile_write_json(const struct joulestat_profile *p, FILE *f)
{
	static const char *const rule_names[] = { "cpu", "memory", "io", "gpu", "contention" };
	struct joulestat_profile_info in = { .sz = sizeof(in) };
	struct jw w = { f, false };
	int r;

	if (!p || !f)
		return -EINVAL;
	r = joulestat_profile_get(p, &in);
	if (r < 0)
		return r;
	open_obj(&w, NULL);
	ks(&w, "format", "joulestat-profile");
	ku(&w, "version", 1);
	ki(&w, "pid", p->pid);
	ku(&w, "ncpus", in.ncpus);
	kd(&w, "duration_s", (double)in.duration_ns / 1e9);
	ku(&w, "samples", in.samples);

	open_obj(&w, "energy");
	kd(&w, "host_j", (double)in.energy_uj / 1e6);
	kd(&w, "tree_j", (double)in.tree_energy_uj / 1e6);
	kd(&w, "host_mean_w", in.duration_ns ? (double)in.energy_uj * 1e3 / (double)in.duration_ns
					     : NAN);
	kd(&w, "tree_mean_w",
	   in.duration_ns ? (double)in.tree_energy_uj * 1e3 / (double)in.duration_ns : NAN);
	kb(&w, "estimated", in.energy_estimated);
	close_obj(&w);

	open_obj(&w, "verdict");
	ks(&w, "bottleneck", joulestat_bottleneck_name(in.bottleneck));
	key(&w, "evidence");
	fputc('[', f);
	w.comma = false;
	for (size_t i = 0; i < in.evidence; i++) {
		sep(&w);
		recfmt_write_string(f, joulestat_profile_evidence(p, i));
	}
	fputc(']', f);
	w.comma = true;
	open_obj(&w, "rules");
	for (int b = 0; b < JOULESTAT_BOTTLENECK_BALANCED; b++) {
		struct joulestat_profile_rule ru = { .sz = sizeof(ru) };

		joulestat_profile_rule(p, (enum joulestat_bottleneck)b, &ru);
		open_obj(&w, rule_names[b]);
		kd(&w, "value", ru.value);
		kd(&w, "threshold", ru.threshold);
		kb(&w, "fired", ru.fired);
		kb(&w, "applicable", ru.applicable);
		close_obj(&w);
	}
	close_obj(&w);
	close_obj(&w);

	open_obj(&w, "metrics");
	kd(&w, "cpus_used", in.cpus_used);
	kd(&w, "cpu_demand_pct", in.cpu_demand_pct);
	kd(&w, "kernel_pct", in.kernel_pct);
	kd(&w, "blocked_pct", in.blocked_pct);
	kd(&w, "faults_per_cpu_s", in.faults_per_cpu_s);
	kd(&w, "major_faults_per_s", in.major_faults_per_s);
	kd(&w, "switches_per_s", in.switches_per_s);
	kd(&w, "voluntary_switches_per_s", in.voluntary_switches_per_s);
	kd(&w, "burst_us", in.burst_us);
	kd(&w, "storage_bytes_per_s", in.storage_bytes_per_s);
	kd(&w, "runqueue_wait_ratio", in.runqueue_wait_ratio);
	kd(&w, "threads_mean", in.threads_mean);
	ku(&w, "rss_peak_bytes", in.rss_peak_bytes);
	ki(&w, "rss_growth_bytes", in.rss_growth_bytes);
	kd(&w, "psi_io_pct", in.psi_io_pct);
	kd(&w, "psi_mem_pct", in.psi_mem_pct);
	kd(&w, "gpu_util_pct", in.gpu_util_pct);
	close_obj(&w);

	key(&w, "correlations");
	fputc('[', f);
	w.comma = false;
	for (size_t i = 0; i < JOULESTAT_PROFILE_CORRELATIONS; i++) {
		struct joulestat_correlation c = { .sz = sizeof(c) };

		joulestat_profile_correlation(p, i, &c);
		open_obj(&w, NULL);
		ks(&w, "resource", c.resource);
		kd(&w, "r", c.r);
		ku(&w, "n", c.n);
		ks(&w, "strength", c.strength);
		ks(&w, "direction", c.direction);
		close_obj(&w);
	}
	fputc(']', f);
	w.comma = true;

	key(&w, "recommendations");
	fputc('[', f);
	w.comma = false;
	for (size_t i = 0; i < in.recommendations; i++) {
		sep(&w);
		recfmt_write_string(f, joulestat_profile_recommendation(p, i));
	}
	fputc(']', f);
	w.comma = true;

	key(&w, "threads");
	fputc('[', f);
	w.comma = false;
	for (size_t i = 0; i < in.threads; i++) {
		struct joulestat_profile_thread t = { .sz = sizeof(t) };

		joulestat_profile_thread_get(p, i, &t);
		open_obj(&w, NULL);
		ku(&w, "cpu_rank", i + 1);
		ku(&w, "energy_rank", t.energy_rank + 1u);
		ki(&w, "pid", t.pid);
		ki(&w, "tid", t.tid);
		ks(&w, "name", t.name);
		kd(&w, "cpu_s", (double)t.oncpu_ns / 1e9);
		kd(&w, "cpu_pct", t.cpu_pct);
		kd(&w, "user_s", (double)t.user_ns / 1e9);
		kd(&w, "kernel_s", (double)t.kernel_ns / 1e9);
		kd(&w, "runqueue_wait_s", (double)t.runqueue_wait_ns / 1e9);
		kd(&w, "energy_j", (double)t.energy_uj / 1e6);
		ku(&w, "minor_faults", t.minor_faults);
		ku(&w, "major_faults", t.major_faults);
		ku(&w, "voluntary_switches", t.voluntary_switches);
		ku(&w, "involuntary_switches", t.involuntary_switches);
		ku(&w, "read_bytes", t.read_bytes);
		ku(&w, "write_bytes", t.write_bytes);
		close_obj(&w);
	}
	fputc(']', f);
	w.comma = true;

	open_obj(&w, "series");
	for (int c = 0; c < C__COUNT; c++) {
		key(&w, col_names[c]);
		fputc('[', f);
		for (size_t i = 0; i < in.samples; i++) {
			struct joulestat_profile_sample s = { .sz = sizeof(s) };

			joulestat_profile_sample_get(p, i, &s);
			if (i)
				fputc(',', f);
			num(f, col_value(&s, (enum col)c));
		}
		fputc(']', f);
	}
	close_obj(&w);
	close_obj(&w);
	fputc('\n', f);
	if (ferror(f))
		return -EIO;
	return 0;
}
