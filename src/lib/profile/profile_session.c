/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * profile_session.c - a profiling session (joulestat_profile_*): samples
 * the monitor's host energy and the resource collector's view of one
 * process tree into a series, keeps each thread's totals, and hands the
 * series to the pure analysis of profile.c when stopped.
 *
 * A thread's energy is its share of the host energy by CPU time over the
 * machine's whole CPU capacity in each interval,
 *     E(thread) = ΔE(host) × oncpu_ns(thread) / (ncpus × interval_ns),
 * the split of docs/attribution.md for a machine-wide domain with idle kept
 * separate, so the tree's energy excludes idle and other processes' work.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "profile.h"
#include "profile_session.h"
#include "resources.h"
#include "util.h"

static int find_thread(struct joulestat_profile *p, const struct res_thread *t)
{
	for (size_t i = p->nthreads; i-- > 0;)
		if (p->threads[i].tid == t->tid && p->thread_start[i] == t->start_ticks)
			return (int)i;
	return -1;
}

static int add_thread(struct joulestat_profile *p, const struct res_thread *t, uint64_t t_ns)
{
	if (p->nthreads == p->threads_cap) {
		size_t nc = p->threads_cap ? p->threads_cap * 2 : 16;
		struct prof_thread *nt = realloc(p->threads, nc * sizeof(*nt));
		uint64_t *ns;

		if (!nt)
			return -ENOMEM;
		p->threads = nt;
		ns = realloc(p->thread_start, nc * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		p->thread_start = ns;
		p->threads_cap = nc;
	}
	memset(&p->threads[p->nthreads], 0, sizeof(p->threads[0]));
	p->threads[p->nthreads].tgid = t->tgid;
	p->threads[p->nthreads].tid = t->tid;
	p->threads[p->nthreads].first_ns = t_ns;
	p->thread_start[p->nthreads] = t->start_ticks;
	return (int)p->nthreads++;
}

/* The host's energy now, and since the last reading into *ret_delta_uj (0 at the first). */
static void take_energy(struct joulestat_profile *p, uint64_t *ret_delta_uj)
{
	uint64_t energy = 0;
	bool estimated = false;

	/* A source failing is the monitor's to report; the series keeps going. */
	if (joulestat_read_energy(p->js) == 0 &&
	    joulestat_host_energy(p->js, &energy, NULL, &estimated) == 0) {
		if (p->have_energy)
			*ret_delta_uj = sub_sat_u64(energy, p->last_energy_uj);
		p->last_energy_uj = energy;
		p->have_energy = true;
		p->estimated |= estimated;
	}
}

static int take(struct joulestat_profile *p)
{
	struct res_collector *rc = p->rc;
	struct prof_sample s = { 0 };
	uint64_t now = now_ns(), delta_uj = 0, cap_ns;
	bool baseline = p->nsamples == 0;
	int r;

	if (!baseline)
		take_energy(p, &delta_uj);
	r = res_sample(rc, now);
	if (r < 0)
		return r;
	if (baseline) {
		/*
		 * The baseline's clock starts when its reading ends. A command
		 * started held (joulestat profile) cannot move its counters
		 * before it is released, right after this; a reading that
		 * took long (a loaded machine stalls the reader) would
		 * otherwise count as time its threads could have used a CPU
		 * and did not, and halve a spinner's CPU demand.
		 */
		take_energy(p, &delta_uj);
		now = now_ns();
		rc->sys.timestamp_ns = now;
		p->start_ns = now;
	}
	s.t_ns = now - p->start_ns;
	s.interval_ns = rc->sys.interval_ns;
	s.energy_uj = s.interval_ns ? delta_uj : 0;
	cap_ns = (uint64_t)p->ncpus * s.interval_ns;
	if (rc->sys.total_ticks)
		s.cpu_busy_permille =
			(uint32_t)mul_div_u64(rc->sys.busy_ticks, 1000, rc->sys.total_ticks);
	if (rc->sys.have_psi && s.interval_ns)
		for (int i = 0; i < 3; i++)
			s.psi_some_permille[i] = (uint32_t)MIN(
				1000, mul_div_u64(rc->sys.psi_some_us[i], 1000000, s.interval_ns));
	s.gpu_util_permille = p->gpu_next_permille;
	p->gpu_next_permille = -1;
	for (size_t i = 0; i < rc->nthreads; i++) {
		const struct res_thread *t = &rc->threads[i];
		struct prof_thread *pt;
		uint64_t e = 0;
		int k = find_thread(p, t);

		if (k < 0 && (k = add_thread(p, t, s.t_ns)) < 0)
			return k;
		pt = &p->threads[k];
		strscpy(pt->name, t->name, sizeof(pt->name));
		pt->last_ns = s.t_ns;
		if (cap_ns)
			e = mul_div_u64(s.energy_uj, MIN(t->d_oncpu_ns, cap_ns), cap_ns);
		pt->oncpu_ns += t->d_oncpu_ns;
		pt->wait_ns += t->d_wait_ns;
		pt->user_ticks += t->d_utime_ticks;
		pt->sys_ticks += t->d_stime_ticks;
		pt->energy_uj += e;
		pt->minflt += t->d_minflt;
		pt->majflt += t->d_majflt;
		pt->vol_ctxt += t->d_vol_ctxt;
		pt->nonvol_ctxt += t->d_nonvol_ctxt;
		pt->read_bytes += t->d_read_bytes;
		pt->write_bytes += t->d_write_bytes;

		s.tree_energy_uj += e;
		s.oncpu_ns += t->d_oncpu_ns;
		s.wait_ns += t->d_wait_ns;
		s.user_ticks += t->d_utime_ticks;
		s.sys_ticks += t->d_stime_ticks;
		s.minflt += t->d_minflt;
		s.majflt += t->d_majflt;
		s.vol_ctxt += t->d_vol_ctxt;
		s.nonvol_ctxt += t->d_nonvol_ctxt;
		s.read_bytes += t->d_read_bytes;
		s.write_bytes += t->d_write_bytes;
		s.rchar += t->d_rchar;
		s.wchar += t->d_wchar;
		s.syscw += t->d_syscw;
		/* An exited thread (its last counters read as a zombie) holds no memory and no place. */
		if (t->state == 'Z' || t->state == 'X')
			continue;
		/* Memory is the process's: count it once, on its main thread. */
		if (t->tid == t->tgid)
			s.rss_bytes += t->rss_bytes;
		s.threads++;
		s.running += t->state == 'R';
		s.blocked += t->state == 'D';
		s.active += t->d_oncpu_ns > 0;
	}
	/* Rounding per thread can only lose energy, never exceed the interval's. */
	if (s.tree_energy_uj > s.energy_uj)
		s.tree_energy_uj = s.energy_uj;
	if (p->nsamples == p->samples_cap) {
		size_t nc = p->samples_cap ? p->samples_cap * 2 : 64;
		struct prof_sample *ns = realloc(p->samples, nc * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		p->samples = ns;
		p->samples_cap = nc;
	}
	p->samples[p->nsamples++] = s;
	return 0;
}

int joulestat_profile_start(struct joulestat *js, const struct joulestat_profile_opts *opts,
			    struct joulestat_profile **ret)
{
	struct joulestat_profile *p;
	char rel[32];
	int r;

	if (!js || !opts || !ret || opts->sz < offsetof(struct joulestat_profile_opts, pid) + sizeof(int) ||
	    opts->pid <= 0)
		return -EINVAL;
	snprintf(rel, sizeof(rel), "%d", opts->pid);
	r = fsroot_exists(&js->fs, FS_PROC, rel);
	if (r <= 0)
		return r == 0 ? -ESRCH : r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->js = js;
	p->pid = opts->pid;
	p->ncpus = joulestat_cpu_count(js);
	if (p->ncpus == 0)
		p->ncpus = 1;
	p->gpu_next_permille = -1;
	r = res_new(&js->fs, &js->log, (uint32_t)opts->pid, &p->rc);
	if (r < 0)
		goto fail;
	r = take(p);
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	joulestat_profile_free(p);
	return r;
}

int joulestat_profile_sample(struct joulestat_profile *p)
{
	if (!p)
		return -EINVAL;
	if (p->stopped)
		return -EALREADY;
	return take(p);
}

int joulestat_profile_set_gpu_util(struct joulestat_profile *p, double pct)
{
	if (!p || !(pct >= 0 && pct <= 100))
		return -EINVAL;
	p->gpu_next_permille = (int32_t)lround(pct * 10);
	return 0;
}

int joulestat_profile_stop(struct joulestat_profile *p)
{
	int r;

	if (!p)
		return -EINVAL;
	if (p->stopped)
		return -EALREADY;
	r = take(p);
	if (r < 0)
		return r;
	r = prof_analyse(p->samples, p->nsamples, p->threads, p->nthreads, p->ncpus, p->estimated,
			 &p->a);
	if (r < 0)
		return r;
	p->stopped = true;
	return 0;
}

struct joulestat_profile *joulestat_profile_free(struct joulestat_profile *p)
{
	if (!p)
		return NULL;
	if (p->stopped)
		prof_analysis_done(&p->a);
	res_free(p->rc);
	free(p->samples);
	free(p->threads);
	free(p->thread_start);
	free(p);
	return NULL;
}

const char *joulestat_bottleneck_name(enum joulestat_bottleneck b)
{
	return prof_bottleneck_name((enum prof_bottleneck)b);
}

int joulestat_profile_get(const struct joulestat_profile *p, struct joulestat_profile_info *info)
{
	struct joulestat_profile_info o = { 0 };
	const struct prof_analysis *a;

	if (!p || !info || info->sz < sizeof(o))
		return -EINVAL;
	if (!p->stopped)
		return -EAGAIN;
	a = &p->a;
	o.sz = sizeof(o);
	o.bottleneck = (enum joulestat_bottleneck)a->bottleneck;
	o.duration_ns = a->duration_ns;
	o.energy_uj = a->energy_uj;
	o.tree_energy_uj = a->tree_energy_uj;
	o.energy_estimated = p->estimated;
	o.ncpus = p->ncpus;
	o.samples = p->nsamples;
	o.threads = p->nthreads;
	o.evidence = a->nevidence;
	o.recommendations = a->nrecs;
	o.cpus_used = a->cpus_used;
	o.cpu_demand_pct = a->cpu_demand * 100;
	o.kernel_pct = a->kernel_share * 100;
	o.blocked_pct = a->blocked_share * 100;
	o.faults_per_cpu_s = a->faults_per_cpu_s;
	o.major_faults_per_s = a->majflt_per_s;
	o.switches_per_s = a->switches_per_s;
	o.voluntary_switches_per_s = a->vol_per_s;
	o.burst_us = a->burst_us;
	o.storage_bytes_per_s = a->storage_bytes_per_s;
	o.runqueue_wait_ratio = a->wait_ratio;
	o.threads_mean = a->threads_mean;
	o.rss_peak_bytes = a->rss_peak_bytes;
	o.rss_growth_bytes = a->rss_growth_bytes;
	o.psi_io_pct = a->psi_io_pct;
	o.psi_mem_pct = a->psi_mem_pct;
	o.gpu_util_pct = a->gpu_util_pct;
	*info = o;
	return 0;
}

const char *joulestat_profile_evidence(const struct joulestat_profile *p, size_t idx)
{
	if (!p || !p->stopped || idx >= p->a.nevidence)
		return NULL;
	return p->a.evidence[idx];
}

const char *joulestat_profile_recommendation(const struct joulestat_profile *p, size_t idx)
{
	if (!p || !p->stopped || idx >= p->a.nrecs)
		return NULL;
	return p->a.recs[idx];
}

int joulestat_profile_rule(const struct joulestat_profile *p, enum joulestat_bottleneck b,
			   struct joulestat_profile_rule *info)
{
	struct joulestat_profile_rule o = { 0 };
	const struct prof_rule *r;

	if (!p || !info || info->sz < sizeof(o))
		return -EINVAL;
	if ((unsigned)b >= JOULESTAT_BOTTLENECK_BALANCED)
		return -ERANGE;
	if (!p->stopped)
		return -EAGAIN;
	r = &p->a.rules[b];
	o.sz = sizeof(o);
	o.value = r->value;
	o.threshold = r->threshold;
	o.fired = r->fired;
	o.applicable = r->applicable;
	o.nconditions = r->nconds;
	for (size_t i = 0; i < r->nconds && i < JOULESTAT_PROFILE_CONDITIONS; i++)
		o.conditions[i] = (struct joulestat_profile_condition){
			.what = r->conds[i].what,
			.unit = r->conds[i].unit,
			.op = r->conds[i].op,
			.value = r->conds[i].value,
			.threshold = r->conds[i].threshold,
			.met = r->conds[i].met,
			.clause = r->conds[i].clause,
		};
	*info = o;
	return 0;
}

int joulestat_profile_correlation(const struct joulestat_profile *p, size_t idx,
				  struct joulestat_correlation *info)
{
	struct joulestat_correlation o = { 0 };
	const struct prof_corr *c;

	if (!p || !info || info->sz < sizeof(o))
		return -EINVAL;
	if (idx >= PROF_SERIES__COUNT)
		return -ERANGE;
	if (!p->stopped)
		return -EAGAIN;
	c = &p->a.corr[idx];
	o.sz = sizeof(o);
	o.resource = prof_series_name((enum prof_series)idx);
	o.r = c->r;
	o.n = c->n;
	o.strength = c->strength;
	o.direction = c->direction;
	*info = o;
	return 0;
}

static double rate(uint64_t v, uint64_t ns)
{
	return ns ? (double)v * 1e9 / (double)ns : 0;
}

int joulestat_profile_sample_get(const struct joulestat_profile *p, size_t idx,
				 struct joulestat_profile_sample *info)
{
	struct joulestat_profile_sample o = { 0 };
	const struct prof_sample *s;

	if (!p || !info || info->sz < sizeof(o))
		return -EINVAL;
	if (!p->stopped)
		return -EAGAIN;
	if (idx >= p->nsamples)
		return -ERANGE;
	s = &p->samples[idx];
	o.sz = sizeof(o);
	o.t_ns = s->t_ns;
	o.interval_ns = s->interval_ns;
	o.power_w = rate(s->energy_uj, s->interval_ns) / 1e6;
	o.tree_power_w = rate(s->tree_energy_uj, s->interval_ns) / 1e6;
	o.cpus_used = s->interval_ns ? (double)s->oncpu_ns / (double)s->interval_ns : 0;
	o.machine_cpu_pct = s->cpu_busy_permille / 10.0;
	o.rss_bytes = s->rss_bytes;
	o.read_bytes_per_s = rate(s->read_bytes, s->interval_ns);
	o.write_bytes_per_s = rate(s->write_bytes, s->interval_ns);
	o.switches_per_s = rate(s->vol_ctxt + s->nonvol_ctxt, s->interval_ns);
	o.faults_per_s = rate(s->minflt + s->majflt, s->interval_ns);
	o.threads = s->threads;
	o.running = s->running;
	o.blocked = s->blocked;
	for (int i = 0; i < 3; i++)
		o.psi_pct[i] = s->psi_some_permille[i] / 10.0;
	o.gpu_util_pct = s->gpu_util_permille >= 0 ? s->gpu_util_permille / 10.0 : NAN;
	*info = o;
	return 0;
}

int joulestat_profile_thread_get(const struct joulestat_profile *p, size_t idx,
				 struct joulestat_profile_thread *info)
{
	struct joulestat_profile_thread o = { 0 };
	const struct prof_thread *t;
	uint64_t tick_ns;
	size_t k;

	if (!p || !info || info->sz < sizeof(o))
		return -EINVAL;
	if (!p->stopped)
		return -EAGAIN;
	if (idx >= p->nthreads)
		return -ERANGE;
	k = p->a.rank_cpu[idx];
	t = &p->threads[k];
	tick_ns = NSEC_PER_SEC / (uint64_t)p->rc->user_hz;
	o.sz = sizeof(o);
	o.pid = (int)t->tgid;
	o.tid = (int)t->tid;
	o.name = t->name;
	o.oncpu_ns = t->oncpu_ns;
	o.user_ns = t->user_ticks * tick_ns;
	o.kernel_ns = t->sys_ticks * tick_ns;
	o.runqueue_wait_ns = t->wait_ns;
	o.energy_uj = t->energy_uj;
	o.cpu_pct = p->a.duration_ns ? 100.0 * (double)t->oncpu_ns / (double)p->a.duration_ns : 0;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->a.rank_energy[i] == k)
			o.energy_rank = (unsigned)i;
	o.minor_faults = t->minflt;
	o.major_faults = t->majflt;
	o.voluntary_switches = t->vol_ctxt;
	o.involuntary_switches = t->nonvol_ctxt;
	o.read_bytes = t->read_bytes;
	o.write_bytes = t->write_bytes;
	*info = o;
	return 0;
}
