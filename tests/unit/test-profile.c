/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-profile.c - the profiling analysis on synthetic series shaped like
 * each kind of workload: Pearson against hand-computed values, each rule
 * firing (and not) at its threshold, the rule order, rankings, and
 * recommendations that quote the evidence.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "profile.h"

#define MS 1000000ULL
#define N 20

static void test_pearson(void **state)
{
	const double x[] = { 1, 2, 3, 4, 5 };
	const double up[] = { 2, 4, 6, 8, 10 }, down[] = { 10, 8, 6, 4, 2 };
	const double mixed[] = { 2, 1, 4, 3, 5 }, flat[] = { 3, 3, 3, 3, 3 };
	const char *why = NULL;

	assert_true(fabs(prof_pearson(x, up, 5, &why) - 1.0) < 1e-12);
	assert_true(fabs(prof_pearson(x, down, 5, &why) + 1.0) < 1e-12);
	/* dx·dy = 8, Σdx² = Σdy² = 10: r = 0.8 exactly. */
	assert_true(fabs(prof_pearson(x, mixed, 5, &why) - 0.8) < 1e-12);
	assert_true(isnan(prof_pearson(flat, up, 5, &why)));
	assert_string_equal(why, "resource constant");
	assert_true(isnan(prof_pearson(x, flat, 5, &why)));
	assert_string_equal(why, "energy constant");
	assert_true(isnan(prof_pearson(x, up, 2, &why)));
	assert_string_equal(why, "too few intervals");

	assert_string_equal(prof_strength(0.19), "very weak");
	assert_string_equal(prof_strength(-0.2), "weak");
	assert_string_equal(prof_strength(0.45), "moderate");
	assert_string_equal(prof_strength(-0.79), "strong");
	assert_string_equal(prof_strength(0.8), "very strong");
	assert_string_equal(prof_strength(NAN), "undefined");
}

/* A session of N 100 ms intervals after a baseline, every interval alike. */
static void series(struct prof_sample *s, const struct prof_sample *each)
{
	memset(&s[0], 0, sizeof(s[0]));
	s[0].threads = each->threads;
	s[0].rss_bytes = each->rss_bytes;
	s[0].gpu_util_permille = -1;
	for (int i = 1; i <= N; i++) {
		s[i] = *each;
		s[i].t_ns = (uint64_t)i * 100 * MS;
		s[i].interval_ns = 100 * MS;
	}
}

/* Each rule fired exactly when every condition of one of its clauses is met. */
static void conditions_agree(const struct prof_analysis *a)
{
	for (size_t i = 0; i < PROF_BALANCED; i++) {
		const struct prof_rule *r = &a->rules[i];
		bool any = false;

		assert_true(r->nconds <= PROF_MAX_CONDS);
		assert_true(r->applicable || r->nconds == 0);
		for (unsigned clause = 0; clause < PROF_MAX_CONDS; clause++) {
			bool all = true, seen = false;

			for (size_t k = 0; k < r->nconds; k++)
				if (r->conds[k].clause == clause) {
					seen = true;
					all &= r->conds[k].met;
				}
			any |= seen && all;
		}
		if (any != r->fired)
			fail_msg("rule %zu: fired %d, its conditions say %d", i, r->fired, any);
	}
}

static enum prof_bottleneck verdict(const struct prof_sample *s, unsigned ncpus,
				    struct prof_analysis *a)
{
	assert_int_equal(prof_analyse(s, N + 1, NULL, 0, ncpus, false, a), 0);
	conditions_agree(a);
	return a->bottleneck;
}

static bool any_rec(const struct prof_analysis *a, const char *needle)
{
	for (size_t i = 0; i < a->nrecs; i++)
		if (strstr(a->recs[i], needle))
			return true;
	return false;
}

/* One thread spinning: on a CPU 95 ms of each 100, all user time. */
static const struct prof_sample spinner = {
	.energy_uj = 700000, .oncpu_ns = 95 * MS, .wait_ns = 2 * MS, .user_ticks = 10,
	.minflt = 1, .nonvol_ctxt = 10, .rss_bytes = 1 << 20, .threads = 1, .running = 1,
	.active = 1, .gpu_util_permille = -1,
};

static void test_cpu_bound(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_analysis a;

	series(s, &spinner);
	assert_int_equal(verdict(s, 2, &a), PROF_CPU);
	assert_true(a.rules[PROF_CPU].fired);
	assert_true(fabs(a.cpu_demand - 0.97) < 1e-9);
	assert_true(fabs(a.cpus_used - 0.95) < 1e-9);
	assert_non_null(strstr(a.evidence[0], "decided by cpu: the running threads wanted a CPU 97%"));
	assert_int_equal(a.nevidence, 5);
	/* One thread on two CPUs: splitting the work is suggested. */
	assert_true(any_rec(&a, "Only one thread ran on a machine with 2 CPUs"));
	prof_analysis_done(&a);

	/* Starved by other load, it still wanted the CPU: on 45 ms, waiting 50 ms. */
	for (int i = 1; i <= N; i++) {
		s[i].oncpu_ns = 45 * MS;
		s[i].wait_ns = 50 * MS;
	}
	assert_int_equal(verdict(s, 2, &a), PROF_CPU);
	assert_true(any_rec(&a, "It waited for a CPU 111% as long as it ran"));
	prof_analysis_done(&a);

	/* Below the threshold: 65 ms of 100 wanted. Nothing else fires: balanced. */
	for (int i = 1; i <= N; i++) {
		s[i].oncpu_ns = 60 * MS;
		s[i].wait_ns = 5 * MS;
	}
	assert_int_equal(verdict(s, 2, &a), PROF_BALANCED);
	assert_false(a.rules[PROF_CPU].fired);
	assert_true(fabs(a.rules[PROF_CPU].value - 65) < 1e-9);
	assert_non_null(strstr(a.evidence[0], "decided by no rule firing"));
	assert_true(any_rec(&a, "No resource dominated: CPU demand 65%"));
	prof_analysis_done(&a);
}

static void test_io_bound(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_analysis a;
	struct prof_sample w = {
		.energy_uj = 500000, .oncpu_ns = 20 * MS, .wait_ns = 5 * MS, .sys_ticks = 2,
		.vol_ctxt = 3000, .write_bytes = 3 << 20, .wchar = 3 << 20, .syscw = 768,
		.rss_bytes = 1 << 20, .threads = 1, .active = 1, .gpu_util_permille = -1,
	};

	series(s, &w);
	/* In D at 4 of the 20 samples: 20 %, above the 15 % rule. */
	for (int i = 1; i <= 4; i++)
		s[i * 5 - 1].blocked = 1;
	assert_int_equal(verdict(s, 2, &a), PROF_IO);
	/* 30 000 voluntary switches/s of 6.7 us bursts would be contention: I/O is asked first. */
	assert_true(a.rules[PROF_CONTENTION].fired);
	assert_true(fabs(a.blocked_share - 0.2) < 1e-9);
	assert_non_null(strstr(a.evidence[0], "decided by io: threads were in uninterruptible "
					      "sleep (D) in 20% of samples, storage 31.5 MB/s"));
	assert_true(any_rec(&a, "Writes averaged 4.1 kB per call"));
	prof_analysis_done(&a);

	/* The same waiting without storage traffic or I/O pressure is not I/O. */
	for (int i = 1; i <= N; i++)
		s[i].write_bytes = 0;
	assert_int_equal(verdict(s, 2, &a), PROF_CONTENTION);
	prof_analysis_done(&a);
	/* ... but machine I/O pressure stands in for it. */
	for (int i = 1; i <= N; i++)
		s[i].psi_some_permille[1] = 300;
	assert_int_equal(verdict(s, 2, &a), PROF_IO);
	assert_true(fabs(a.psi_io_pct - 30) < 1e-9);
	prof_analysis_done(&a);
}

static void test_contention(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_analysis a;
	struct prof_sample pp = {
		.energy_uj = 600000, .oncpu_ns = 70 * MS, .wait_ns = 60 * MS, .user_ticks = 1,
		.sys_ticks = 6, .vol_ctxt = 13000, .nonvol_ctxt = 100, .rss_bytes = 2 << 20,
		.threads = 2, .running = 1, .active = 2, .gpu_util_permille = -1,
	};

	series(s, &pp);
	assert_int_equal(verdict(s, 2, &a), PROF_CONTENTION);
	assert_true(fabs(a.vol_per_s - 130000) < 1e-6);
	assert_true(a.burst_us < 6);
	assert_true(any_rec(&a, "130000 voluntary context switches/s with 5 us of work"));
	prof_analysis_done(&a);

	/* Runqueue contention: 8 busy threads on 2 CPUs, each waiting 3× what it runs. */
	pp.vol_ctxt = 10;
	pp.threads = 8;
	pp.active = 8;
	pp.oncpu_ns = 190 * MS;
	pp.wait_ns = 570 * MS;
	series(s, &pp);
	assert_int_equal(verdict(s, 2, &a), PROF_CONTENTION);
	assert_true(any_rec(&a, "8.0 threads competed for 2 CPUs and waited 3.0 x as long as they "
				"ran: use at most 2 worker threads"));
	prof_analysis_done(&a);
	/* The same 8 threads on 8 CPUs are CPU-bound, not contending. */
	assert_int_equal(verdict(s, 8, &a), PROF_CPU);
	prof_analysis_done(&a);
}

static void test_memory_bound(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_analysis a;
	struct prof_sample m = {
		.energy_uj = 700000, .oncpu_ns = 95 * MS, .wait_ns = 3 * MS, .user_ticks = 1,
		.sys_ticks = 9, .minflt = 50000, .nonvol_ctxt = 5, .rss_bytes = 40 << 20,
		.threads = 1, .running = 1, .active = 1, .gpu_util_permille = -1,
	};

	series(s, &m);
	/* CPU fires too: memory is asked before it. */
	assert_int_equal(verdict(s, 2, &a), PROF_MEMORY);
	assert_true(a.rules[PROF_CPU].fired);
	assert_true(fabs(a.faults_per_cpu_s - 50000 / 0.095) < 1e-6);
	assert_true(fabs(a.kernel_share - 0.9) < 1e-9);
	assert_true(any_rec(&a, "526316 page faults per CPU-second and 90% of CPU time in the "
				"kernel"));
	prof_analysis_done(&a);

	/* Faults in a user-space-bound program (kernel share 20 %) are not the limit. */
	for (int i = 1; i <= N; i++) {
		s[i].user_ticks = 8;
		s[i].sys_ticks = 2;
	}
	assert_int_equal(verdict(s, 2, &a), PROF_CPU);
	/* Both conditions of the first clause are there: the faults met, the kernel share not. */
	assert_int_equal(a.rules[PROF_MEMORY].nconds, 4);
	assert_string_equal(a.rules[PROF_MEMORY].conds[0].what, "page faults per CPU-second");
	assert_true(a.rules[PROF_MEMORY].conds[0].met);
	assert_string_equal(a.rules[PROF_MEMORY].conds[1].what, "CPU time in the kernel");
	assert_int_equal(a.rules[PROF_MEMORY].conds[1].clause, 0);
	assert_true(fabs(a.rules[PROF_MEMORY].conds[1].value - 20) < 1e-9);
	assert_true(fabs(a.rules[PROF_MEMORY].conds[1].threshold - 30) < 1e-9);
	assert_false(a.rules[PROF_MEMORY].conds[1].met);
	assert_false(a.rules[PROF_MEMORY].fired);
	prof_analysis_done(&a);
	/* Major faults are: the working set does not fit. */
	for (int i = 1; i <= N; i++)
		s[i].majflt = 20;
	assert_int_equal(verdict(s, 2, &a), PROF_MEMORY);
	assert_true(any_rec(&a, "200 major page faults/s"));
	prof_analysis_done(&a);
}

static void test_gpu_and_growth(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_analysis a;
	struct prof_sample g = {
		.energy_uj = 3000000, .oncpu_ns = 20 * MS, .user_ticks = 2, .vol_ctxt = 50,
		.rss_bytes = 100 << 20, .threads = 4, .active = 1, .gpu_util_permille = 950,
	};

	series(s, &g);
	/* Power follows the GPU; memory grows 10 MB per interval and is never given back. */
	for (int i = 1; i <= N; i++) {
		s[i].gpu_util_permille = 900 + (i % 3) * 40;
		s[i].energy_uj = 2000000 + (uint64_t)(i % 3) * 400000;
		s[i].rss_bytes = (100ULL << 20) + (uint64_t)i * (10 << 20);
	}
	assert_int_equal(verdict(s, 2, &a), PROF_GPU);
	assert_true(fabs(a.gpu_util_pct - a.rules[PROF_GPU].value) < 1e-9);
	assert_true(a.corr[PROF_SERIES_GPU].r > 0.99);
	assert_string_equal(a.corr[PROF_SERIES_GPU].strength, "very strong");
	assert_string_equal(a.corr[PROF_SERIES_GPU].direction, "positive");
	assert_int_equal(a.corr[PROF_SERIES_GPU].n, N);
	/* Constant growth: no correlation with power can be told. */
	assert_true(isnan(a.corr[PROF_SERIES_MEMORY].r));
	assert_string_equal(a.corr[PROF_SERIES_MEMORY].strength, "resource constant");
	assert_int_equal(a.rss_growth_bytes, 200LL << 20);
	assert_true(any_rec(&a, "Resident memory grew by 209.7 MB"));
	prof_analysis_done(&a);

	/* Without GPU readings the rule does not apply and its correlation says so. */
	series(s, &spinner);
	assert_int_equal(verdict(s, 2, &a), PROF_CPU);
	assert_false(a.rules[PROF_GPU].applicable);
	assert_true(isnan(a.gpu_util_pct));
	assert_string_equal(a.corr[PROF_SERIES_GPU].strength, "no GPU readings");
	/* Constant energy: "energy constant". */
	assert_string_equal(a.corr[PROF_SERIES_CPU].strength, "resource constant");
	prof_analysis_done(&a);
}

static void test_ranking_and_estimate(void **state)
{
	struct prof_sample s[N + 1];
	struct prof_thread t[3] = {
		{ .tid = 10, .name = "main", .oncpu_ns = 100 * MS, .energy_uj = 100 },
		{ .tid = 11, .name = "hot", .oncpu_ns = 900 * MS, .energy_uj = 9000 },
		{ .tid = 12, .name = "io", .oncpu_ns = 100 * MS, .energy_uj = 500 },
	};
	struct prof_analysis a;

	series(s, &spinner);
	for (int i = 1; i <= N; i++) {
		s[i].oncpu_ns = (uint64_t)(50 + i * 2) * MS;
		s[i].energy_uj = 300000 + (uint64_t)i * 20000;
		s[i].tree_energy_uj = 480;
	}
	assert_int_equal(prof_analyse(s, N + 1, t, 3, 2, true, &a), 0);
	assert_int_equal(a.nthreads, 3);
	assert_int_equal(a.rank_cpu[0], 1);
	assert_int_equal(a.rank_cpu[1], 0); /* tie on CPU: by index */
	assert_int_equal(a.rank_cpu[2], 2);
	assert_int_equal(a.rank_energy[0], 1);
	assert_int_equal(a.rank_energy[1], 2);
	assert_int_equal(a.tree_energy_uj, 480 * N);
	assert_true(a.corr[PROF_SERIES_CPU].r > 0.999);
	/* Modelled energy: the CPU correlation is said to hold by construction. */
	assert_true(any_rec(&a, "holds by construction"));
	assert_true(any_rec(&a, "Thread 11 (hot) spent 94% of the tree's energy"));
	prof_analysis_done(&a);

	assert_int_equal(prof_analyse(s, N + 1, t, 3, 0, false, &a), -EINVAL);
	assert_int_equal(prof_analyse(s, 1, t, 3, 2, false, &a), -ENODATA);
	assert_string_equal(prof_bottleneck_name(PROF_CONTENTION), "contention-bound");
	assert_string_equal(prof_series_name(PROF_SERIES_MEMORY), "memory growth");
}

/* What test_session holds: its teardown frees it and ends the child even after a failed assertion. */
struct session_rig {
	struct joulestat *js;
	struct joulestat_profile *p;
	char *json;
	pid_t pid;
	int go;
};

static int session_teardown(void **state)
{
	struct session_rig *g = *state;

	if (!g)
		return 0;
	if (g->go >= 0)
		close(g->go);
	if (g->pid > 0) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
	}
	free(g->json);
	joulestat_profile_free(g->p);
	joulestat_free(g->js);
	return 0;
}

#define SESSION_BURN_NS (50 * MS)

/*
 * A session on a child that burns SESSION_BURN_NS of its own CPU time (its
 * thread clock, the kernel's count), held on a pipe until the baseline is
 * in, as joulestat profile holds its command: sampled until it has exited,
 * however long a loaded machine makes that, and then as a zombie.
 */
static void test_session(void **state)
{
	static struct session_rig g;
	struct joulestat_opts o = { .sz = sizeof(o), .sources = "model", .activity = "proc" };
	struct joulestat_profile_opts po = { .sz = sizeof(po) };
	struct joulestat_profile_info in = { .sz = sizeof(in) };
	struct joulestat_profile_thread th = { .sz = sizeof(th) };
	struct joulestat_profile_sample sm = { .sz = sizeof(sm) };
	struct joulestat_correlation co = { .sz = sizeof(co) };
	struct joulestat_profile_rule ru = { .sz = sizeof(ru) };
	unsigned samples = 1; /* the baseline */
	size_t len = 0;
	int go[2];
	FILE *f;

	g = (struct session_rig){ .go = -1 };
	*state = &g;
	assert_int_equal(joulestat_new(&o, &g.js), 0);
	po.pid = -1;
	assert_int_equal(joulestat_profile_start(g.js, &po, &g.p), -EINVAL);
	po.pid = 999999999;
	assert_int_equal(joulestat_profile_start(g.js, &po, &g.p), -ESRCH);
	assert_int_equal(pipe(go), 0);
	g.pid = fork();
	assert_true(g.pid >= 0);
	if (g.pid == 0) {
		struct timespec t0, t;
		volatile unsigned long x = 0;
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(1);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		do {
			for (int i = 0; i < 100000; i++)
				x += (unsigned long)i;
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		} while ((uint64_t)((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec)) <
			 SESSION_BURN_NS);
		_exit(0);
	}
	close(go[0]);
	g.go = go[1];
	po.pid = g.pid;
	assert_int_equal(joulestat_profile_start(g.js, &po, &g.p), 0);
	close(g.go); /* let it run */
	g.go = -1;
	assert_int_equal(joulestat_profile_get(g.p, &in), -EAGAIN);
	assert_null(joulestat_profile_evidence(g.p, 0));
	assert_int_equal(joulestat_profile_set_gpu_util(g.p, 101), -EINVAL);
	for (;;) {
		siginfo_t si = { 0 };

		usleep(20000);
		if (samples >= 5 && waitid(P_PID, (id_t)g.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == g.pid)
			break;
		assert_int_equal(joulestat_profile_sample(g.p), 0);
		samples++;
	}
	/* The last sample, of the zombie: its final counters are in. */
	assert_int_equal(joulestat_profile_stop(g.p), 0);
	samples++;
	assert_int_equal(joulestat_profile_stop(g.p), -EALREADY);
	assert_int_equal(joulestat_profile_sample(g.p), -EALREADY);
	assert_int_equal(waitpid(g.pid, NULL, 0), g.pid);
	th.pid = g.pid;
	g.pid = 0; /* reaped */
	assert_int_equal(joulestat_profile_get(g.p, &in), 0);
	assert_int_equal(in.samples, samples);
	assert_true(in.energy_estimated);
	assert_int_equal(in.threads, 1);
	assert_true(in.tree_energy_uj <= in.energy_uj);
	/* The deciding line, then every rule (all five when no rule decided). */
	assert_int_equal(in.evidence, in.bottleneck == JOULESTAT_BOTTLENECK_BALANCED ? 6 : 5);
	assert_true(in.recommendations >= 1);
	assert_non_null(strstr(joulestat_profile_evidence(g.p, 0), "decided by"));
	assert_null(joulestat_profile_evidence(g.p, in.evidence));
	{
		pid_t child = th.pid;

		assert_int_equal(joulestat_profile_thread_get(g.p, 0, &th), 0);
		assert_int_equal(th.pid, child);
		assert_int_equal(th.tid, child);
	}
	/* Every nanosecond its thread clock counted is in the session (schedstat, the same count). */
	print_message("# the child's thread: %.3f ms on a CPU (it burned %.3f ms)\n",
		      (double)th.oncpu_ns / 1e6, (double)SESSION_BURN_NS / 1e6);
	assert_true(th.oncpu_ns >= SESSION_BURN_NS && th.energy_uj <= in.tree_energy_uj);
	assert_int_equal(joulestat_profile_thread_get(g.p, 1, &th), -ERANGE);
	assert_int_equal(joulestat_profile_sample_get(g.p, 0, &sm), 0);
	assert_int_equal(sm.interval_ns, 0);
	assert_int_equal(joulestat_profile_sample_get(g.p, samples, &sm), -ERANGE);
	assert_int_equal(joulestat_profile_correlation(g.p, 3, &co), 0);
	assert_string_equal(co.resource, "gpu");
	assert_int_equal(joulestat_profile_correlation(g.p, 4, &co), -ERANGE);
	assert_int_equal(joulestat_profile_rule(g.p, JOULESTAT_BOTTLENECK_GPU, &ru), 0);
	assert_false(ru.applicable);
	assert_int_equal(ru.nconditions, 0);
	assert_int_equal(joulestat_profile_rule(g.p, JOULESTAT_BOTTLENECK_CONTENTION, &ru), 0);
	assert_int_equal(ru.nconditions, 4);
	assert_string_equal(ru.conditions[2].op, ">");
	assert_int_equal(ru.conditions[2].clause, 1);
	assert_int_equal(joulestat_profile_rule(g.p, JOULESTAT_BOTTLENECK_BALANCED, &ru), -ERANGE);
	f = open_memstream(&g.json, &len);
	assert_int_equal(joulestat_profile_write_json(g.p, f), 0);
	fclose(f);
	assert_non_null(strstr(g.json, "\"format\":\"joulestat-profile\""));
	assert_non_null(strstr(g.json, "\"gpu_util_pct\":[null,null,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pearson),	      cmocka_unit_test(test_cpu_bound),
		cmocka_unit_test(test_io_bound),      cmocka_unit_test(test_contention),
		cmocka_unit_test(test_memory_bound),  cmocka_unit_test(test_gpu_and_growth),
		cmocka_unit_test(test_ranking_and_estimate), cmocka_unit_test_teardown(test_session, session_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
