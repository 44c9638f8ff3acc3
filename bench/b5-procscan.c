/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * b5-procscan.c - benchmark B5: the cost of one /proc activity sample with
 * N sleeping processes on the machine (DESIGN.md section 5: ≤ 3 ms at 1 000,
 * ≤ 35 ms at 10 000).
 *
 *   b5-procscan [N...]      (default: 1000 10000)
 *
 * For each N it forks N children that sleep in pause(), then times, in one
 * run: the first scan (open(): every task discovered, fds opened); steady
 * samples with nothing forked in between (one pread per thread); steady
 * samples after one long-lived fork (a /proc listing); steady samples after a
 * fork that exits before the scan (the fork counter cannot be explained: each
 * process's task/ link count is checked too); and, for the ratio, steady
 * samples with fds not kept (RLIMIT_NOFILE lowered so the fd budget is ~0).
 * Children die with the benchmark (PR_SET_PDEATHSIG) and are killed and
 * reaped on every exit path. Output: one JSON line per N, on stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "activity.h"
#include "activity_proc.h"
#include "kids.h"
#include "util.h"

#define ROUNDS 31

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	double median_ms, p90_ms, max_ms;
	double cpu_median_ms;	/* this thread's CPU time: what other load cannot inflate */
	unsigned listings;	/* samples that listed /proc (forks happened: ours or the host's) */
	unsigned checks;	/* samples that also checked every process's thread count */
};

static struct dist summarise(uint64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	return (struct dist){ ns[n / 2] / 1e6, ns[n * 9 / 10] / 1e6, ns[n - 1] / 1e6, 0, 0, 0 };
}

enum mode { QUIET, NEW_PROCESS, SHORT_FORK };

/* Time ROUNDS samples; before each, make `mode` happen. -errno on failure. */
static int steady(void *st, enum mode mode, struct dist *ret, uint64_t *ret_tasks)
{
	struct activity_proc_stats a, b;
	uint64_t ns[ROUNDS], cpu[ROUNDS];
	size_t extra0 = kids_count();

	activity_proc_get_stats(st, &a);
	for (int i = 0; i < ROUNDS; i++) {
		struct activity_sample s;
		uint64_t t0, c0;
		int r;

		if (mode != QUIET) {
			pid_t c = fork();

			if (c < 0)
				return -errno;
			if (c == 0) {
				if (mode == SHORT_FORK)
					_exit(0);
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				for (;;)
					pause();
			}
			if (mode == SHORT_FORK)
				waitpid(c, NULL, 0);
			else if ((r = kids_add(c)) < 0)
				return r;
		}
		usleep(20000);
		c0 = thread_cpu_ns();
		t0 = now_ns();
		r = activity_proc_ops.sample(st, &s);
		ns[i] = now_ns() - t0;
		cpu[i] = thread_cpu_ns() - c0;
		if (r < 0)
			return r;
		*ret_tasks = s.ntasks;
	}
	/* The long-lived extras go, so every mode sees the same N. */
	kids_kill_from(extra0);
	activity_proc_get_stats(st, &b);
	*ret = summarise(ns, ROUNDS);
	ret->cpu_median_ms = summarise(cpu, ROUNDS).median_ms;
	ret->listings = (unsigned)(b.discoveries - a.discoveries);
	ret->checks = (unsigned)(b.thread_checks - a.thread_checks);
	return 0;
}

static int run(size_t n, struct rlimit *rl_full)
{
	struct activity_ctx ctx = { 0 };
	char reason[ACTIVITY_REASON_MAX] = "";
	struct dist quiet, newp, shortf, nokeep;
	struct activity_proc_stats ps, ps_nokeep;
	struct rlimit small = { 64, rl_full->rlim_max };
	uint64_t t0, first_ns, tasks = 0;
	struct fsroot fs;
	char load[128];
	void *st = NULL;
	int r;

	/* Other load on the machine inflates wall times: say how much there was. */
	if (fsroot_init(&fs, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	if (fsroot_read_line(&fs, FS_PROC, "loadavg", load, sizeof(load)) < 0)
		strscpy(load, "?", sizeof(load));
	fsroot_done(&fs);
	r = kids_spawn(n);
	if (r < 0) {
		fprintf(stderr, "b5: fork after %zu children: %s\n", kids_count(), strerror(-r));
		return r;
	}
	sleep(1); /* let every child reach pause() */
	if (fsroot_init(&fs, NULL, NULL, NULL) < 0)
		return -ENOMEM;
	ctx.fs = &fs;

	setrlimit(RLIMIT_NOFILE, rl_full);
	t0 = now_ns();
	r = activity_proc_ops.open(&ctx, &st, reason, sizeof(reason));
	first_ns = now_ns() - t0;
	if (r < 0) {
		fprintf(stderr, "b5: open: %s\n", reason);
		goto out;
	}
	if ((r = steady(st, QUIET, &quiet, &tasks)) < 0 ||
	    (r = steady(st, NEW_PROCESS, &newp, &tasks)) < 0 ||
	    (r = steady(st, SHORT_FORK, &shortf, &tasks)) < 0)
		goto out;
	activity_proc_get_stats(st, &ps);
	activity_proc_ops.close(st);
	st = NULL;

	/* The same scans with (almost) no fd kept: budget = 3/4 of 64. */
	setrlimit(RLIMIT_NOFILE, &small);
	r = activity_proc_ops.open(&ctx, &st, reason, sizeof(reason));
	setrlimit(RLIMIT_NOFILE, rl_full);
	if (r < 0) {
		fprintf(stderr, "b5: open (no kept fds): %s\n", reason);
		goto out;
	}
	if ((r = steady(st, QUIET, &nokeep, &tasks)) < 0)
		goto out;
	activity_proc_get_stats(st, &ps_nokeep);

	printf("{\"bench\":\"B5\",\"loadavg_before\":\"%s\",\"spawned\":%zu,\"threads_tracked\":%llu,\"processes_tracked\":%llu,"
	       "\"kept_fds\":%llu,\"rounds\":%d,\"first_scan_ms\":%.3f,"
	       "\"steady_quiet_ms\":{\"median\":%.3f,\"p90\":%.3f,\"max\":%.3f,\"cpu_median\":%.3f,\"listings\":%u,\"checks\":%u},"
	       "\"steady_after_new_process_ms\":{\"median\":%.3f,\"p90\":%.3f,\"max\":%.3f,\"cpu_median\":%.3f,\"listings\":%u,\"checks\":%u},"
	       "\"steady_after_short_fork_ms\":{\"median\":%.3f,\"p90\":%.3f,\"max\":%.3f,\"cpu_median\":%.3f,\"listings\":%u,\"checks\":%u},"
	       "\"steady_quiet_no_kept_fds_ms\":{\"median\":%.3f,\"p90\":%.3f,\"max\":%.3f,\"cpu_median\":%.3f,\"listings\":%u,\"checks\":%u},"
	       "\"kept_fds_without\":%llu,"
	       "\"ratio_first_over_steady_quiet\":%.1f,\"ratio_no_kept_over_kept\":%.2f,"
	       "\"cpu_pct_at_10hz_quiet\":%.2f,\"cpu_pct_at_10hz_short_fork\":%.2f}\n",
	       load, n, (unsigned long long)ps.tasks, (unsigned long long)ps.processes,
	       (unsigned long long)ps.kept_fds, ROUNDS, first_ns / 1e6, quiet.median_ms,
	       quiet.p90_ms, quiet.max_ms, quiet.cpu_median_ms, quiet.listings, quiet.checks,
	       newp.median_ms, newp.p90_ms, newp.max_ms, newp.cpu_median_ms, newp.listings,
	       newp.checks, shortf.median_ms, shortf.p90_ms, shortf.max_ms, shortf.cpu_median_ms,
	       shortf.listings, shortf.checks, nokeep.median_ms, nokeep.p90_ms, nokeep.max_ms,
	       nokeep.cpu_median_ms, nokeep.listings, nokeep.checks,
	       (unsigned long long)ps_nokeep.kept_fds,
	       first_ns / 1e6 / quiet.median_ms, nokeep.median_ms / quiet.median_ms,
	       /* % of one CPU at 10 Hz: CPU ms per 100 ms sample period, × 100 %. */
	       quiet.cpu_median_ms / 100.0 * 100.0, shortf.cpu_median_ms / 100.0 * 100.0);
	fflush(stdout);
	r = 0;
out:
	activity_proc_ops.close(st);
	fsroot_done(&fs);
	kids_kill_from(0);
	return r;
}

int main(int argc, char **argv)
{
	size_t sizes[8] = { 1000, 10000 }, nsizes = 2, most = 0;
	struct rlimit rl;
	int status = 0;

	if (argc > 1) {
		nsizes = 0;
		for (int i = 1; i < argc && nsizes < 8; i++) {
			char *end;
			unsigned long v = strtoul(argv[i], &end, 10);

			if (*end || v == 0 || v > 100000) {
				fprintf(stderr, "usage: b5-procscan [N...] (1..100000 processes)\n");
				return 2;
			}
			sizes[nsizes++] = v;
		}
	}
	for (size_t i = 0; i < nsizes; i++)
		most = MAX(most, sizes[i]);
	/* The largest N, and the extras steady() forks. */
	if (kids_init(most + ROUNDS + 1) < 0)
		return 1;
	/* Kept fds: one per thread needs more than the usual 1024 (soft) at 10 000. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	for (size_t i = 0; i < nsizes; i++)
		if (run(sizes[i], &rl) < 0)
			status = 1;
	kids_done();
	return status;
}
