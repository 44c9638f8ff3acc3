/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * profile.h - the profiling analysis, pure: from a time series of energy and
 * resources of one process tree (and its threads' totals), the correlations
 * of energy with each resource, the primary bottleneck with the evidence
 * that decided it, a thread ranking, and recommendations that quote the
 * evidence. No I/O. The method, thresholds and their reasons are in
 * docs/PROFILING.md; a threshold changed here must change there.
 */
#ifndef JOULESTAT_PROFILE_H
#define JOULESTAT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One interval of the session: the tree's deltas, the machine's, and host energy. */
struct prof_sample {
	uint64_t t_ns;			/* end of the interval, since the session started */
	uint64_t interval_ns;
	uint64_t energy_uj;		/* host energy over the interval */
	uint64_t tree_energy_uj;	/* the tree's share of it (by CPU time) */
	/* the tree, over the interval */
	uint64_t oncpu_ns;
	uint64_t wait_ns;		/* runnable, waiting for a CPU */
	uint64_t user_ticks;
	uint64_t sys_ticks;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t vol_ctxt;
	uint64_t nonvol_ctxt;
	uint64_t read_bytes;		/* storage */
	uint64_t write_bytes;
	uint64_t rchar;			/* read(2)/write(2) bytes, cache or not */
	uint64_t wchar;
	uint64_t syscw;			/* write calls */
	/* the tree, at the end of the interval */
	uint64_t rss_bytes;		/* Σ over its processes */
	uint32_t threads;
	uint32_t running;		/* threads in state R */
	uint32_t active;		/* threads that ran in the interval */
	uint32_t blocked;		/* threads in state D (uninterruptible: I/O, page-in) */
	/* the machine, over the interval */
	uint32_t cpu_busy_permille;	/* all CPUs */
	uint32_t psi_some_permille[3];	/* cpu, io, memory; 0 without PSI */
	int32_t gpu_util_permille;	/* -1: no GPU reading */
};

/* One thread's totals over the session. */
struct prof_thread {
	uint32_t tgid;
	uint32_t tid;
	char name[64];
	uint64_t oncpu_ns;
	uint64_t wait_ns;
	uint64_t user_ticks;
	uint64_t sys_ticks;
	uint64_t energy_uj;		/* its share of host energy, by CPU time */
	uint64_t minflt;
	uint64_t majflt;
	uint64_t vol_ctxt;
	uint64_t nonvol_ctxt;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t first_ns;		/* first and last seen, since the session started */
	uint64_t last_ns;
};

enum prof_bottleneck {
	PROF_CPU = 0,
	PROF_MEMORY = 1,
	PROF_IO = 2,
	PROF_GPU = 3,
	PROF_CONTENTION = 4,
	PROF_BALANCED = 5,
};

/* The resources energy is correlated with. */
enum prof_series {
	PROF_SERIES_CPU = 0,		/* tree on-CPU ns per interval */
	PROF_SERIES_MEMORY = 1,		/* tree RSS growth per interval */
	PROF_SERIES_IO = 2,		/* tree storage bytes per interval */
	PROF_SERIES_GPU = 3,		/* GPU utilisation */
	PROF_SERIES__COUNT
};

struct prof_corr {
	double r;			/* Pearson; NaN when undefined */
	unsigned n;			/* intervals used */
	const char *strength;		/* "very weak" ... "very strong", or why undefined */
	const char *direction;		/* "positive", "negative", "" */
};

#define PROF_MAX_EVIDENCE 12
#define PROF_MAX_RECS 8
#define PROF_TEXT_LEN 320

/* One rule of the decision (docs/PROFILING.md "The rules"). */
/*
 * One condition of a rule: `value op threshold`. A rule fires when every
 * condition of one of its clauses is met (an OR of ANDs), so a table can
 * show each condition, not only the first.
 */
#define PROF_MAX_CONDS 4
struct prof_cond {
	const char *what;		/* "page faults per CPU-second" */
	const char *unit;		/* "%", "/s", "us", "x", "" */
	const char *op;			/* ">=", ">", "<=", "<" */
	double value;
	double threshold;
	bool met;
	unsigned clause;		/* 0, 1, ...: conditions of one clause are ANDed */
};

struct prof_rule {
	double value;			/* the measured figure */
	double threshold;		/* fires at value >= threshold */
	bool fired;
	bool applicable;		/* false: no data (no GPU, one sample) */
	size_t nconds;			/* every condition (0 when not applicable) */
	struct prof_cond conds[PROF_MAX_CONDS];
};

struct prof_analysis {
	enum prof_bottleneck bottleneck;
	struct prof_rule rules[5];	/* by enum prof_bottleneck, PROF_BALANCED excluded */
	struct prof_corr corr[PROF_SERIES__COUNT];
	size_t nevidence;
	char evidence[PROF_MAX_EVIDENCE][PROF_TEXT_LEN];
	size_t nrecs;
	char recs[PROF_MAX_RECS][PROF_TEXT_LEN];
	/* totals and derived figures (presentation: doubles) */
	uint64_t duration_ns;
	uint64_t energy_uj;		/* host */
	uint64_t tree_energy_uj;
	uint64_t oncpu_ns;
	uint64_t wait_ns;
	double cpus_used;		/* mean CPUs the tree kept busy */
	double cpu_demand;		/* (on-CPU + runqueue wait) / wall, per thread that could run */
	double kernel_share;		/* system / (user + system) ticks */
	double blocked_share;		/* share of thread samples in state D */
	double faults_per_cpu_s;	/* minor + major faults per second on CPU */
	double majflt_per_s;
	double switches_per_s;		/* voluntary + involuntary */
	double vol_per_s;
	double burst_us;		/* mean on-CPU time between two switches */
	double storage_bytes_per_s;	/* read + write */
	double write_call_bytes;	/* wchar per write call; 0 when none */
	double wait_ratio;		/* runqueue wait / on-CPU */
	double threads_mean;
	uint64_t rss_peak_bytes;
	int64_t rss_growth_bytes;	/* last - first */
	double psi_io_pct;		/* machine, mean over the session */
	double psi_mem_pct;
	double gpu_util_pct;		/* mean; NaN without GPU readings */
	size_t *rank_cpu;		/* thread indices by on-CPU time, most first (owned) */
	size_t *rank_energy;		/* by energy */
	size_t nthreads;
};

/* "cpu-bound", "memory-bound", ..., "balanced". */
const char *prof_bottleneck_name(enum prof_bottleneck b);
/* "cpu", "memory growth", "io", "gpu". */
const char *prof_series_name(enum prof_series s);

/*
 * Pearson's r of x and y over n points. NaN when n < 3 or either series is
 * constant (then *ret_why says which), else -1..1.
 */
double prof_pearson(const double *x, const double *y, size_t n, const char **ret_why);

/* The words for |r|: < 0.2 very weak, < 0.4 weak, < 0.6 moderate, < 0.8 strong, else very strong. */
const char *prof_strength(double r);

/*
 * Analyse a session: samples[0..n) in time order (the first interval may be
 * a baseline with interval_ns 0: it is skipped), threads[0..nthreads), on a
 * machine of `ncpus` CPUs; `energy_estimated` says the energy came from the
 * model (then the CPU correlation is by construction, and is said so).
 * Returns 0, -EINVAL (ncpus 0), -ENODATA (no interval with time in it),
 * -ENOMEM. ret->rank_* are allocated: prof_analysis_done() frees them.
 */
int prof_analyse(const struct prof_sample *samples, size_t n, const struct prof_thread *threads,
		 size_t nthreads, unsigned ncpus, bool energy_estimated,
		 struct prof_analysis *ret);
void prof_analysis_done(struct prof_analysis *a);

#endif
