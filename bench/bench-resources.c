/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * bench-resources.c - what resource collection and profiling cost, against
 * the figures issue #7 quotes (< 1 % of a CPU at 10 Hz, < 1 MB per 1 000
 * samples):
 *
 *   bench-resources [N...]     (default: 1000 10)
 *
 * 1. system: one machine sample (/proc/stat, loadavg, meminfo, diskstats,
 *    net/dev, PSI, cpufreq, thermal, hwmon), 200 times back to back;
 * 2. tree, for each N: a root process and its N children, all sleeping in
 *    pause(), followed as a tree: first (cold) sample, then 50 samples at
 *    10 Hz: time per sample and this process's CPU time over the run as %
 *    of one CPU;
 * 3. memory: a profiling session over a sleeping child, 1 000 samples back
 *    to back: heap in use (mallinfo2: arena + mmapped blocks) after minus before, per 1 000 samples.
 * Output: one JSON line per part, on stdout. Children die with the
 * benchmark (PR_SET_PDEATHSIG) and are killed and reaped on every exit path.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "joulestat.h"
#include "kids.h"
#include "profile.h"
#include "resources.h"
#include "util.h"

/*
 * One root process with n children, all sleeping in pause(): a tree that is
 * not the benchmark itself (which runs at every sample). The children die
 * with the root (PR_SET_PDEATHSIG), the root with the benchmark. Returns the
 * root's pid, or -errno; the root is recorded in kids.h.
 */
static pid_t spawn_tree(size_t n)
{
	int ready[2];
	pid_t root;
	char c;

	if (pipe(ready) < 0)
		return -errno;
	root = fork();
	if (root < 0)
		return -errno;
	if (root == 0) {
		pid_t self = getpid();

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		for (size_t i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid < 0)
				_exit(1);
			if (pid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != self)
					_exit(0);
				for (;;)
					pause();
			}
		}
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	kids_add(root);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -ECHILD;
	}
	close(ready[0]);
	return root;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / NSEC_PER_SEC),
			       .tv_nsec = (long)(t_ns % NSEC_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int bench_system(const struct fsroot *fs)
{
	enum { ROUNDS = 200 };
	uint64_t t[ROUNDS];
	struct res_collector *rc;
	int r = res_new(fs, NULL, 0, &rc);

	if (r < 0)
		return r;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = now_ns();

		r = res_sample(rc, t0);
		t[i] = now_ns() - t0;
		if (r < 0)
			break;
	}
	if (r == 0) {
		qsort(t, ROUNDS, sizeof(t[0]), cmp_u64);
		printf("{\"part\":\"system\",\"samples\":%d,\"disks\":%zu,\"nets\":%zu,\"temps\":%zu,"
		       "\"psi\":%s,\"median_us\":%.1f,\"p99_us\":%.1f,\"cpu_pct_at_10hz\":%.3f}\n",
		       ROUNDS, rc->sys.ndisks, rc->sys.nnets, rc->sys.ntemps,
		       rc->sys.have_psi ? "true" : "false", t[ROUNDS / 2] / 1e3,
		       t[ROUNDS * 99 / 100] / 1e3, (double)t[ROUNDS / 2] / 1e3 / 1e5 * 100);
	}
	res_free(rc);
	return r;
}

static int bench_tree(const struct fsroot *fs, size_t n)
{
	enum { ROUNDS = 50 };
	uint64_t t[ROUNDS], cold, c0, w0, next;
	struct res_collector *rc;
	pid_t root = spawn_tree(n);
	int r;

	if (root < 0)
		return (int)root;
	r = res_new(fs, NULL, (uint32_t)root, &rc);
	if (r < 0)
		return r;
	cold = now_ns();
	r = res_sample(rc, cold);
	cold = now_ns() - cold;
	if (r < 0)
		goto out;
	c0 = cpu_ns();
	w0 = next = now_ns();
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0;

		next += 100 * 1000000ULL;
		sleep_until(next);
		t0 = now_ns();
		r = res_sample(rc, t0);
		t[i] = now_ns() - t0;
		if (r < 0)
			goto out;
	}
	{
		double busy = (double)(cpu_ns() - c0), wall = (double)(now_ns() - w0);

		qsort(t, ROUNDS, sizeof(t[0]), cmp_u64);
		printf("{\"part\":\"tree\",\"processes\":%zu,\"threads\":%zu,\"kept_fds\":%zu,"
		       "\"cold_ms\":%.2f,"
		       "\"median_ms\":%.2f,\"p99_ms\":%.2f,\"cpu_pct_at_10hz\":%.2f}\n",
		       n + 1, rc->nthreads, rc->nfds, cold / 1e6, t[ROUNDS / 2] / 1e6,
		       t[ROUNDS * 99 / 100] / 1e6, 100 * busy / wall);
	}
out:
	res_free(rc);
	kids_kill_from(0);
	return r;
}

/* Heap in use: arena blocks plus the large blocks malloc gets with mmap (a grown array). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static int bench_memory(void)
{
	enum { SAMPLES = 1000 };
	struct joulestat_opts o = { .sz = sizeof(o), .sources = "model", .activity = "proc" };
	struct joulestat_profile_opts po = { .sz = sizeof(po) };
	struct joulestat_profile *p = NULL;
	struct joulestat *js = NULL;
	size_t before, after;
	int r;

	r = kids_spawn(1);
	if (r < 0)
		return r;
	r = joulestat_new(&o, &js);
	if (r < 0)
		goto out;
	po.pid = kids_pid(0);
	r = joulestat_profile_start(js, &po, &p);
	if (r < 0)
		goto out;
	before = heap_in_use();
	for (int i = 0; i < SAMPLES && r == 0; i++)
		r = joulestat_profile_sample(p);
	after = heap_in_use();
	/* Signed: the heap in use can shrink when a first sample's scratch is given back. */
	if (r == 0)
		printf("{\"part\":\"memory\",\"samples\":%d,\"heap_bytes\":%lld,\"sample_struct_bytes\":"
		       "%zu,\"per_1000_samples_kb\":%.1f}\n",
		       SAMPLES, (long long)after - (long long)before, sizeof(struct prof_sample),
		       ((double)after - (double)before) / 1024.0 * 1000 / SAMPLES);
out:
	joulestat_profile_free(p);
	joulestat_free(js);
	kids_kill_from(0);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "1000", "10" };
	const char *const *ns = argc > 1 ? (const char *const *)argv + 1 : defaults;
	size_t nn = argc > 1 ? (size_t)argc - 1 : 2;
	struct fsroot fs;
	int r;

	/* As b5-procscan and joulestat profile do: descriptors to keep a file per thread open. */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* One child at a time: the tree's root, or the profiled sleeper. */
	if (kids_init(1) < 0 || fsroot_init(&fs, NULL, NULL, NULL) < 0)
		return 1;
	r = bench_system(&fs);
	for (size_t i = 0; i < nn && r == 0; i++)
		r = bench_tree(&fs, strtoul(ns[i], NULL, 10));
	if (r == 0)
		r = bench_memory();
	fsroot_done(&fs);
	kids_done();
	if (r < 0) {
		fprintf(stderr, "bench-resources: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
