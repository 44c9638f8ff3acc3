/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * profile.c - the profiling analysis (profile.h): correlations, the
 * bottleneck rules, the thread ranking and the recommendations. Pure.
 *
 * The rules are checked in a fixed order, GPU, I/O, contention, memory, CPU,
 * and the first that fires is the verdict: each later class's symptom also
 * shows in the earlier ones' data (a thread faulting pages is on the CPU, in
 * the kernel; a thread handing work over a pipe runs in short bursts; a
 * thread waiting for the disk is off the CPU), so the more specific cause is
 * asked first. Every rule's figure is reported, fired or not.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

/* Thresholds: docs/PROFILING.md explains each one. */
#define GPU_UTIL_PCT 70.0
#define IO_BLOCKED_SHARE 0.15
#define IO_MIN_BYTES_PER_S 65536.0
#define IO_PSI_PCT 5.0
#define CONT_VOL_PER_S 2000.0
#define CONT_BURST_US 500.0
#define CONT_WAIT_RATIO 1.0
#define MEM_FAULTS_PER_CPU_S 1000.0
#define MEM_KERNEL_SHARE 0.30
#define MEM_MAJFLT_PER_S 100.0
#define MEM_PSI_PCT 10.0
#define CPU_DEMAND 0.70

static const char *const bottleneck_names[] = {
	[PROF_CPU] = "cpu-bound",	  [PROF_MEMORY] = "memory-bound",
	[PROF_IO] = "io-bound",		  [PROF_GPU] = "gpu-bound",
	[PROF_CONTENTION] = "contention-bound", [PROF_BALANCED] = "balanced",
};

static const char *const series_names[] = {
	[PROF_SERIES_CPU] = "cpu",
	[PROF_SERIES_MEMORY] = "memory growth",
	[PROF_SERIES_IO] = "io",
	[PROF_SERIES_GPU] = "gpu",
};

const char *prof_bottleneck_name(enum prof_bottleneck b)
{
	return (unsigned)b < ARRAY_SIZE(bottleneck_names) ? bottleneck_names[b] : "unknown";
}

const char *prof_series_name(enum prof_series s)
{
	return (unsigned)s < ARRAY_SIZE(series_names) ? series_names[s] : "unknown";
}

double prof_pearson(const double *x, const double *y, size_t n, const char **ret_why)
{
	double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;

	if (n < 3) {
		if (ret_why)
			*ret_why = "too few intervals";
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
	}
	/* A constant series has no correlation with anything (0/0). */
	if (sxx <= 1e-12 * (mx * mx + 1) * (double)n) {
		if (ret_why)
			*ret_why = "resource constant";
		return NAN;
	}
	if (syy <= 1e-12 * (my * my + 1) * (double)n) {
		if (ret_why)
			*ret_why = "energy constant";
		return NAN;
	}
	{
		double r = sxy / sqrt(sxx * syy);

		return r > 1 ? 1 : r < -1 ? -1 : r;
	}
}

const char *prof_strength(double r)
{
	double a = fabs(r);

	if (isnan(r))
		return "undefined";
	if (a < 0.2)
		return "very weak";
	if (a < 0.4)
		return "weak";
	if (a < 0.6)
		return "moderate";
	if (a < 0.8)
		return "strong";
	return "very strong";
}

static void add_text(char (*v)[PROF_TEXT_LEN], size_t *n, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_text(char (*v)[PROF_TEXT_LEN], size_t *n, size_t max, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(v[*n], PROF_TEXT_LEN, fmt, ap);
	va_end(ap);
	(*n)++;
}

#define EVIDENCE(a, ...) add_text((a)->evidence, &(a)->nevidence, PROF_MAX_EVIDENCE, __VA_ARGS__)
#define REC(a, ...) add_text((a)->recs, &(a)->nrecs, PROF_MAX_RECS, __VA_ARGS__)

/* "12.3 MB" style, bytes in decimal units. */
static const char *human_bytes(double b, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	size_t u = 0;

	while (fabs(b) >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		b /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", b, units[u]);
	return buf;
}

/* A sort key: a thread's figure and index (qsort has no context argument in C11). */
struct rank_key {
	uint64_t key;
	uint64_t tie;
	size_t idx;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	if (x->tie != y->tie)
		return x->tie > y->tie ? -1 : 1;
	return x->idx < y->idx ? -1 : 1;
}

/* Indices of threads by `energy` (else on-CPU time), largest first, ties by on-CPU then index. */
static int rank(const struct prof_thread *t, size_t n, bool energy, size_t **ret)
{
	struct rank_key *k = malloc(n * sizeof(*k));
	size_t *v = malloc(n * sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		k[i].key = energy ? t[i].energy_uj : t[i].oncpu_ns;
		k[i].tie = t[i].oncpu_ns;
		k[i].idx = i;
	}
	qsort(k, n, sizeof(*k), cmp_rank);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].idx;
	free(k);
	*ret = v;
	return 0;
}

static void correlate(const struct prof_sample *s, size_t n, struct prof_analysis *a)
{
	double *x = calloc(n ? n : 1, sizeof(double)), *y = calloc(n ? n : 1, sizeof(double));

	for (int k = 0; k < PROF_SERIES__COUNT; k++) {
		struct prof_corr *c = &a->corr[k];
		const char *why = "no data";
		size_t m = 0;

		c->r = NAN;
		c->direction = "";
		if (!x || !y) {
			c->strength = "out of memory";
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			double sec = (double)s[i].interval_ns / 1e9;

			if (!s[i].interval_ns)
				continue;
			switch (k) {
			case PROF_SERIES_CPU:
				x[m] = (double)s[i].oncpu_ns / (double)s[i].interval_ns;
				break;
			case PROF_SERIES_MEMORY:
				/* Growth since the previous sample; the first interval has none. */
				if (i == 0)
					continue;
				x[m] = ((double)s[i].rss_bytes - (double)s[i - 1].rss_bytes) / sec;
				break;
			case PROF_SERIES_IO:
				x[m] = (double)(s[i].read_bytes + s[i].write_bytes) / sec;
				break;
			default:
				if (s[i].gpu_util_permille < 0)
					continue;
				x[m] = s[i].gpu_util_permille / 10.0;
				break;
			}
			y[m] = (double)s[i].energy_uj / 1e6 / sec; /* watts */
			m++;
		}
		c->n = (unsigned)m;
		if (k == PROF_SERIES_GPU && m == 0) {
			c->strength = "no GPU readings";
			continue;
		}
		c->r = prof_pearson(x, y, m, &why);
		if (isnan(c->r)) {
			c->strength = why;
			continue;
		}
		c->strength = prof_strength(c->r);
		c->direction = c->r >= 0 ? "positive" : "negative";
	}
	free(x);
	free(y);
}

/* The rules; fills a->rules[], the verdict, and the evidence lines. */
/* Add a condition of clause `clause` to rule r. */
static void cond(struct prof_rule *r, unsigned clause, const char *what, const char *unit,
		 double value, const char *op, double threshold)
{
	struct prof_cond *c;

	if (r->nconds >= PROF_MAX_CONDS)
		return;
	c = &r->conds[r->nconds++];
	*c = (struct prof_cond){ .what = what, .unit = unit, .op = op, .value = value,
				 .threshold = threshold, .clause = clause };
	if (op[0] == '>')
		c->met = op[1] == '=' ? value >= threshold : value > threshold;
	else
		c->met = op[1] == '=' ? value <= threshold : value < threshold;
}

/* Each rule's conditions, as fired below decides: an OR of ANDs. */
static void conditions(struct prof_analysis *a, unsigned ncpus)
{
	struct prof_rule *r;

	for (size_t i = 0; i < ARRAY_SIZE(a->rules); i++)
		a->rules[i].nconds = 0;
	r = &a->rules[PROF_GPU];
	if (r->applicable) {
		cond(r, 0, "mean GPU utilisation", "%", a->gpu_util_pct, ">=", GPU_UTIL_PCT);
		cond(r, 0, "CPU demand", "%", a->cpu_demand * 100, "<", CPU_DEMAND * 100);
	}
	r = &a->rules[PROF_IO];
	cond(r, 0, "samples with threads in D", "%", a->blocked_share * 100, ">=",
	     IO_BLOCKED_SHARE * 100);
	cond(r, 0, "storage", "B/s", a->storage_bytes_per_s, ">=", IO_MIN_BYTES_PER_S);
	cond(r, 1, "samples with threads in D", "%", a->blocked_share * 100, ">=",
	     IO_BLOCKED_SHARE * 100);
	cond(r, 1, "machine I/O pressure", "%", a->psi_io_pct, ">=", IO_PSI_PCT);
	r = &a->rules[PROF_CONTENTION];
	cond(r, 0, "voluntary switches", "/s", a->vol_per_s, ">=", CONT_VOL_PER_S);
	cond(r, 0, "mean on-CPU burst", "us", a->burst_us, "<=", CONT_BURST_US);
	cond(r, 1, "mean threads (the CPUs)", "", a->threads_mean, ">", (double)ncpus);
	cond(r, 1, "runqueue wait / on-CPU time", "x", a->wait_ratio, ">=", CONT_WAIT_RATIO);
	r = &a->rules[PROF_MEMORY];
	cond(r, 0, "page faults per CPU-second", "/s", a->faults_per_cpu_s, ">=",
	     MEM_FAULTS_PER_CPU_S);
	cond(r, 0, "CPU time in the kernel", "%", a->kernel_share * 100, ">=",
	     MEM_KERNEL_SHARE * 100);
	cond(r, 1, "major faults", "/s", a->majflt_per_s, ">=", MEM_MAJFLT_PER_S);
	cond(r, 2, "machine memory pressure", "%", a->psi_mem_pct, ">=", MEM_PSI_PCT);
	r = &a->rules[PROF_CPU];
	if (r->applicable)
		cond(r, 0, "CPU demand", "%", a->cpu_demand * 100, ">=", CPU_DEMAND * 100);
}

static void decide(struct prof_analysis *a, unsigned ncpus, double active_capacity_s)
{
	struct prof_rule *r;
	char b1[32];

	r = &a->rules[PROF_GPU];
	r->applicable = !isnan(a->gpu_util_pct);
	r->value = r->applicable ? a->gpu_util_pct : 0;
	r->threshold = GPU_UTIL_PCT;
	r->fired = r->applicable && r->value >= GPU_UTIL_PCT && a->cpu_demand < CPU_DEMAND;

	r = &a->rules[PROF_IO];
	r->applicable = true;
	r->value = a->blocked_share * 100;
	r->threshold = IO_BLOCKED_SHARE * 100;
	r->fired = a->blocked_share >= IO_BLOCKED_SHARE &&
		   (a->storage_bytes_per_s >= IO_MIN_BYTES_PER_S || a->psi_io_pct >= IO_PSI_PCT);

	r = &a->rules[PROF_CONTENTION];
	r->applicable = true;
	r->value = a->vol_per_s;
	r->threshold = CONT_VOL_PER_S;
	r->fired = (a->vol_per_s >= CONT_VOL_PER_S && a->burst_us <= CONT_BURST_US) ||
		   (a->threads_mean > ncpus && a->wait_ratio >= CONT_WAIT_RATIO);

	r = &a->rules[PROF_MEMORY];
	r->applicable = true;
	r->value = a->faults_per_cpu_s;
	r->threshold = MEM_FAULTS_PER_CPU_S;
	r->fired = (a->faults_per_cpu_s >= MEM_FAULTS_PER_CPU_S &&
		    a->kernel_share >= MEM_KERNEL_SHARE) ||
		   a->majflt_per_s >= MEM_MAJFLT_PER_S || a->psi_mem_pct >= MEM_PSI_PCT;

	r = &a->rules[PROF_CPU];
	r->applicable = active_capacity_s > 0;
	r->value = a->cpu_demand * 100;
	r->threshold = CPU_DEMAND * 100;
	r->fired = r->applicable && a->cpu_demand >= CPU_DEMAND;
	conditions(a, ncpus);

	a->bottleneck = PROF_BALANCED;
	{
		static const enum prof_bottleneck order[] = { PROF_GPU, PROF_IO, PROF_CONTENTION,
							      PROF_MEMORY, PROF_CPU };

		for (size_t i = 0; i < ARRAY_SIZE(order); i++)
			if (a->rules[order[i]].fired) {
				a->bottleneck = order[i];
				break;
			}
	}

	/* Evidence: the deciding rule first, then every other rule's figure. */
	{
		char lines[5][PROF_TEXT_LEN];
		static const enum prof_bottleneck order[] = { PROF_GPU, PROF_IO, PROF_CONTENTION,
							      PROF_MEMORY, PROF_CPU };

		if (isnan(a->gpu_util_pct))
			snprintf(lines[PROF_GPU], PROF_TEXT_LEN, "gpu: no GPU utilisation readings");
		else
			snprintf(lines[PROF_GPU], PROF_TEXT_LEN,
				 "gpu: mean GPU utilisation %.0f%% (rule: >= %.0f%% while CPU demand "
				 "< %.0f%%)",
				 a->gpu_util_pct, GPU_UTIL_PCT, CPU_DEMAND * 100);
		snprintf(lines[PROF_IO], PROF_TEXT_LEN,
			 "io: threads were in uninterruptible sleep (D) in %.0f%% of samples, storage "
			 "%s/s, machine I/O pressure %.0f%% (rule: D >= %.0f%% with >= 64 kB/s or "
			 "I/O pressure >= %.0f%%)",
			 a->blocked_share * 100, human_bytes(a->storage_bytes_per_s, b1, sizeof(b1)),
			 a->psi_io_pct, IO_BLOCKED_SHARE * 100, IO_PSI_PCT);
		snprintf(lines[PROF_CONTENTION], PROF_TEXT_LEN,
			 "contention: %.0f voluntary switches/s, mean on-CPU burst %.0f us, runqueue "
			 "wait %.2f x on-CPU time with %.1f threads on %u CPUs (rule: >= %.0f/s and "
			 "<= %.0f us, or wait >= %.1f x with more threads than CPUs)",
			 a->vol_per_s, a->burst_us, a->wait_ratio, a->threads_mean, ncpus,
			 CONT_VOL_PER_S, CONT_BURST_US, CONT_WAIT_RATIO);
		snprintf(lines[PROF_MEMORY], PROF_TEXT_LEN,
			 "memory: %.0f page faults per CPU-second, %.0f%% of CPU time in the kernel, "
			 "%.0f major faults/s, memory pressure %.0f%% (rule: >= %.0f/s with >= %.0f%% "
			 "kernel, or >= %.0f major/s, or pressure >= %.0f%%)",
			 a->faults_per_cpu_s, a->kernel_share * 100, a->majflt_per_s, a->psi_mem_pct,
			 MEM_FAULTS_PER_CPU_S, MEM_KERNEL_SHARE * 100, MEM_MAJFLT_PER_S, MEM_PSI_PCT);
		snprintf(lines[PROF_CPU], PROF_TEXT_LEN,
			 "cpu: the running threads wanted a CPU %.0f%% of the time (on a CPU %.2f CPUs "
			 "on average, runqueue wait %.2f x that) (rule: >= %.0f%%)",
			 a->cpu_demand * 100, a->cpus_used, a->wait_ratio, CPU_DEMAND * 100);
		if (a->bottleneck != PROF_BALANCED)
			EVIDENCE(a, "decided by %s", lines[a->bottleneck]);
		else
			EVIDENCE(a, "decided by no rule firing: no single resource dominates");
		for (size_t i = 0; i < ARRAY_SIZE(order); i++)
			if (order[i] != a->bottleneck)
				EVIDENCE(a, "%s%s", lines[order[i]],
					 a->rules[order[i]].fired ? " [also fired]" : "");
	}
}

static void recommend(struct prof_analysis *a, const struct prof_thread *t, unsigned ncpus,
		      bool energy_estimated)
{
	const struct prof_corr *cc = &a->corr[PROF_SERIES_CPU];
	char b1[32], b2[32];

	switch (a->bottleneck) {
	case PROF_GPU:
		REC(a, "The GPU was busy %.0f%% of the time while the CPU side wanted only %.0f%%: "
		       "the GPU is the limit. Larger batches, fewer host-device copies or lower "
		       "precision reduce its energy per result.",
		    a->gpu_util_pct, a->cpu_demand * 100);
		break;
	case PROF_IO:
		REC(a, "Threads waited on storage in %.0f%% of samples while %s/s went to disk: the "
		       "work is paced by I/O. Batch writes and sync less often (group commits), or "
		       "move the data to faster storage.",
		    a->blocked_share * 100, human_bytes(a->storage_bytes_per_s, b1, sizeof(b1)));
		if (a->write_call_bytes > 0 && a->write_call_bytes < 65536)
			REC(a, "Writes averaged %s per call: fewer, larger writes (64 kB or more) "
			       "cut the system calls and the journal commits per byte.",
			    human_bytes(a->write_call_bytes, b1, sizeof(b1)));
		break;
	case PROF_CONTENTION:
		if (a->vol_per_s >= CONT_VOL_PER_S)
			REC(a, "%.0f voluntary context switches/s with %.0f us of work between "
			       "them: the threads hand work to each other in tiny pieces. Batch the "
			       "messages (larger pipe or queue writes), or merge the stages into one "
			       "thread.",
			    a->vol_per_s, a->burst_us);
		if (a->threads_mean > ncpus && a->wait_ratio >= CONT_WAIT_RATIO)
			REC(a, "%.1f threads competed for %u CPUs and waited %.1f x as long as they "
			       "ran: use at most %u worker threads.",
			    a->threads_mean, ncpus, a->wait_ratio, ncpus);
		break;
	case PROF_MEMORY:
		if (a->majflt_per_s >= MEM_MAJFLT_PER_S)
			REC(a, "%.0f major page faults/s: the working set does not fit in memory. "
			       "Shrink it or give the machine more RAM.",
			    a->majflt_per_s);
		REC(a, "%.0f page faults per CPU-second and %.0f%% of CPU time in the kernel: time "
		       "goes to mapping and zeroing memory. Reuse buffers instead of allocating and "
		       "freeing large ones, pre-fault them once, or use huge pages "
		       "(madvise MADV_HUGEPAGE).",
		    a->faults_per_cpu_s, a->kernel_share * 100);
		break;
	case PROF_CPU:
		REC(a, "The threads wanted a CPU %.0f%% of the time: the work is CPU-bound. Energy "
		       "per result falls with less work per result (algorithm, compiler "
		       "optimisation, avoiding recomputation).",
		    a->cpu_demand * 100);
		if (a->threads_mean < 1.5 && ncpus > 1)
			REC(a, "Only one thread ran on a machine with %u CPUs: splitting the work over "
			       "threads would finish sooner (energy per result then depends on the "
			       "idle power saved).",
			    ncpus);
		if (a->wait_ratio >= 0.25)
			REC(a, "It waited for a CPU %.0f%% as long as it ran: other load competed for "
			       "the CPUs, so the measured time and energy include that competition.",
			    a->wait_ratio * 100);
		break;
	default:
		REC(a, "No resource dominated: CPU demand %.0f%%, D-state %.0f%%, %.0f voluntary "
		       "switches/s, %.0f faults per CPU-second. Look at the phases in the time "
		       "series rather than at the totals.",
		    a->cpu_demand * 100, a->blocked_share * 100, a->vol_per_s, a->faults_per_cpu_s);
		break;
	}
	if (a->rss_growth_bytes > 0 && a->rss_peak_bytes > 0 &&
	    (double)a->rss_growth_bytes >= 0.5 * (double)a->rss_peak_bytes &&
	    a->rss_growth_bytes >= 64 << 20)
		REC(a, "Resident memory grew by %s to a peak of %s and was not given back: check "
		       "for leaks or caches without a bound.",
		    human_bytes((double)a->rss_growth_bytes, b1, sizeof(b1)),
		    human_bytes((double)a->rss_peak_bytes, b2, sizeof(b2)));
	if (a->nthreads > 1 && a->rank_energy && a->tree_energy_uj > 0) {
		const struct prof_thread *top = &t[a->rank_energy[0]];
		double share = (double)top->energy_uj / (double)a->tree_energy_uj;

		if (share >= 0.6)
			REC(a, "Thread %u (%s) spent %.0f%% of the tree's energy: optimise it first.",
			    top->tid, top->name, share * 100);
	}
	if (energy_estimated && !isnan(cc->r))
		REC(a, "Energy here is estimated from CPU use (no energy sensor), so its %s "
		       "correlation with CPU (r = %.2f) holds by construction; measure on hardware "
		       "with RAPL or a power meter to see memory and I/O energy.",
		    cc->strength, cc->r);
}

int prof_analyse(const struct prof_sample *s, size_t n, const struct prof_thread *threads,
		 size_t nthreads, unsigned ncpus, bool energy_estimated,
		 struct prof_analysis *ret)
{
	struct prof_analysis a;
	uint64_t wall_ns = 0, user = 0, sys = 0, minflt = 0, majflt = 0, vol = 0, nonvol = 0;
	uint64_t storage = 0, wchar = 0, syscw = 0, tsamples = 0, dsamples = 0, nsamples = 0;
	uint64_t psi_io = 0, psi_mem = 0, gpu_sum = 0, gpu_n = 0;
	double capacity_s = 0, threads_sum = 0;
	bool have_rss = false;
	uint64_t rss_first = 0, rss_last = 0;

	if (ncpus == 0)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const struct prof_sample *x = &s[i];

		if (!have_rss && x->threads) {
			rss_first = x->rss_bytes;
			have_rss = true;
		}
		if (x->threads)
			rss_last = x->rss_bytes;
		a.rss_peak_bytes = MAX(a.rss_peak_bytes, x->rss_bytes);
		if (!x->interval_ns)
			continue;
		nsamples++;
		wall_ns += x->interval_ns;
		a.energy_uj += x->energy_uj;
		a.tree_energy_uj += x->tree_energy_uj;
		a.oncpu_ns += x->oncpu_ns;
		a.wait_ns += x->wait_ns;
		user += x->user_ticks;
		sys += x->sys_ticks;
		minflt += x->minflt;
		majflt += x->majflt;
		vol += x->vol_ctxt;
		nonvol += x->nonvol_ctxt;
		storage += x->read_bytes + x->write_bytes;
		wchar += x->wchar;
		syscw += x->syscw;
		tsamples += x->threads;
		dsamples += x->blocked;
		threads_sum += x->threads;
		/* Capacity: the CPUs its running threads could have used in the interval. */
		capacity_s += (double)MIN(x->active, ncpus) * (double)x->interval_ns / 1e9;
		psi_io += x->psi_some_permille[1];
		psi_mem += x->psi_some_permille[2];
		if (x->gpu_util_permille >= 0) {
			gpu_sum += (uint64_t)x->gpu_util_permille;
			gpu_n++;
		}
	}
	if (!wall_ns)
		return -ENODATA;
	{
		double wall_s = (double)wall_ns / 1e9, oncpu_s = (double)a.oncpu_ns / 1e9;
		uint64_t switches = vol + nonvol;

		a.duration_ns = wall_ns;
		a.cpus_used = oncpu_s / wall_s;
		a.cpu_demand = capacity_s > 0 ? ((double)(a.oncpu_ns + a.wait_ns) / 1e9) / capacity_s
					      : 0;
		if (a.cpu_demand > 1)
			a.cpu_demand = 1;
		a.kernel_share = user + sys ? (double)sys / (double)(user + sys) : 0;
		a.blocked_share = tsamples ? (double)dsamples / (double)tsamples : 0;
		a.faults_per_cpu_s = oncpu_s > 0 ? (double)(minflt + majflt) / oncpu_s : 0;
		a.majflt_per_s = (double)majflt / wall_s;
		a.switches_per_s = (double)switches / wall_s;
		a.vol_per_s = (double)vol / wall_s;
		a.burst_us = switches ? (double)a.oncpu_ns / 1e3 / (double)switches
				      : (double)a.oncpu_ns / 1e3;
		a.storage_bytes_per_s = (double)storage / wall_s;
		a.write_call_bytes = syscw ? (double)wchar / (double)syscw : 0;
		a.wait_ratio = a.oncpu_ns ? (double)a.wait_ns / (double)a.oncpu_ns : 0;
		a.threads_mean = threads_sum / (double)nsamples;
		a.rss_growth_bytes = (int64_t)rss_last - (int64_t)rss_first;
		a.psi_io_pct = (double)psi_io / 10.0 / (double)nsamples;
		a.psi_mem_pct = (double)psi_mem / 10.0 / (double)nsamples;
		a.gpu_util_pct = gpu_n ? (double)gpu_sum / 10.0 / (double)gpu_n : NAN;
		decide(&a, ncpus, capacity_s);
	}
	correlate(s, n, &a);
	a.nthreads = nthreads;
	if (nthreads) {
		if (rank(threads, nthreads, false, &a.rank_cpu) < 0 ||
		    rank(threads, nthreads, true, &a.rank_energy) < 0) {
			prof_analysis_done(&a);
			return -ENOMEM;
		}
	}
	recommend(&a, threads, ncpus, energy_estimated);
	*ret = a;
	return 0;
}

void prof_analysis_done(struct prof_analysis *a)
{
	if (!a)
		return;
	free(a->rank_cpu);
	free(a->rank_energy);
	a->rank_cpu = a->rank_energy = NULL;
}
