/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * bench-activity.c - the eBPF collector's costs (DESIGN.md section 5), as
 * root: `bench-activity all` prints one line per figure, in the form
 * docs/BENCHMARKS.md records.
 *   b1   BPF ns per sched_switch, from the kernel's BPF run-time statistics
 *   b2   slowdown of a same-CPU pipe ping-pong (as fast as it goes, and
 *        throttled to ~100 k switches/s), monitor on/off interleaved in one
 *        run; the monitor's own CPU when the machine idles, sampling at 10 Hz
 *   b4   map drain and whole-sample latency with 1 k and 10 k live tasks
 *   b10  a storm of 500 processes/s x 2 ms: CPU time captured
 *   b11  more tasks than the task map holds: drops counted
 * Not a test: it asserts nothing, it measures.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "activity.h"
#include "activity_ebpf.h"
#include "sched_shared.h"
#include "workload.h"

#define MS 1000000ULL

static struct fsroot fs;
static struct topology topo;
static struct logger lg;

static void *open_collector(uint32_t max_tasks)
{
	struct activity_ctx *ctx = calloc(1, sizeof(*ctx));
	char reason[ACTIVITY_REASON_MAX] = "";
	void *st = NULL;
	int r;

	*ctx = (struct activity_ctx){ .fs = &fs, .topo = &topo, .log = &lg, .max_tasks = max_tasks };
	r = activity_ebpf_ops.open(ctx, &st, reason, sizeof(reason));
	if (r < 0) {
		fprintf(stderr, "bench-activity: ebpf collector: %s\n", reason);
		exit(77);
	}
	return st;
}

/* This thread's CPU time: what a sample costs, whatever the preemption. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The newest BPF object of `type` ("prog"/"map") named `name`, created after id `after`. */
static int newest_fd(bool prog, const char *name, uint32_t after)
{
	uint32_t id = after, best = 0;
	int fd = -1;

	while ((prog ? bpf_prog_get_next_id(id, &id) : bpf_map_get_next_id(id, &id)) == 0) {
		int f = prog ? bpf_prog_get_fd_by_id(id) : bpf_map_get_fd_by_id(id);
		char n[BPF_OBJ_NAME_LEN] = "";

		if (f < 0)
			continue;
		if (prog) {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(f, &info, &len) == 0)
				memcpy(n, info.name, sizeof(n));
		} else {
			struct bpf_map_info info = { 0 };
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(f, &info, &len) == 0)
				memcpy(n, info.name, sizeof(n));
		}
		if (strcmp(n, name) == 0 && id > best) {
			if (fd >= 0)
				close(fd);
			fd = f;
			best = id;
		} else {
			close(f);
		}
	}
	return fd;
}

static uint32_t last_prog_id(void)
{
	uint32_t id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0)
		;
	return id;
}

static void pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/*
 * Two processes on CPU 0 bounce a byte through pipes for `ns`; each side
 * spins `spin` iterations per message (0: as fast as possible). Returns
 * context switches per second (two per round trip).
 */
static double pingpong(uint64_t ns, unsigned spin)
{
	int ab[2], ba[2], res[2];
	pid_t pid;
	uint64_t trips = 0, t0, t1;
	char c = 0;

	if (pipe(ab) || pipe(ba) || pipe(res))
		return 0;
	pid = fork();
	if (pid == 0) {
		pin_cpu(0);
		while (read(ab[0], &c, 1) == 1 && c) {
			for (volatile unsigned i = 0; i < spin; i++)
				;
			if (write(ba[1], &c, 1) != 1)
				break;
		}
		_exit(0);
	}
	pin_cpu(0);
	c = 1;
	t0 = wl_now_ns();
	do {
		for (int k = 0; k < 256; k++) {
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				break;
			for (volatile unsigned i = 0; i < spin; i++)
				;
			trips++;
		}
		t1 = wl_now_ns();
	} while (t1 - t0 < ns);
	c = 0;
	if (write(ab[1], &c, 1) != 1)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	close(res[0]);
	close(res[1]);
	return (double)trips * 2 * 1e9 / (double)(t1 - t0);
}

static void unpin(void)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	for (int c = 0; c < CPU_SETSIZE && c < 1024; c++)
		CPU_SET(c, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static void b1(void)
{
	uint32_t before = last_prog_id();
	void *st;
	int stats_fd, prog_fd;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	double rate;

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		printf("B1 bpf_enable_stats: %s\n", strerror(errno));
		return;
	}
	st = open_collector(0);
	prog_fd = newest_fd(true, "switch_btf", before);
	if (prog_fd < 0)
		prog_fd = newest_fd(true, "switch_raw", before);
	rate = pingpong(2000 * MS, 0);
	unpin();
	if (prog_fd >= 0 && bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 && info.run_cnt)
		printf("B1 sched_switch program: %.1f ns per run (%llu runs, during a ping-pong at "
		       "%.0f switches/s; bpf_stats itself adds its own cost)\n",
		       (double)info.run_time_ns / (double)info.run_cnt,
		       (unsigned long long)info.run_cnt, rate);
	else
		printf("B1 no run statistics for the sched_switch program\n");
	activity_ebpf_ops.close(st);
	close(prog_fd);
	close(stats_fd);
}

struct sampler {
	void *st;
	volatile bool stop;
};

static void *sample_10hz(void *p)
{
	struct sampler *s = p;
	struct activity_sample out;

	while (!s->stop) {
		wl_sleep_ns(100 * MS);
		(void)activity_ebpf_ops.sample(s->st, &out);
	}
	return NULL;
}

/* Interleaved off/on phases of `phase_ns`; returns the mean slowdown in %. */
static double slowdown(unsigned spin, int pairs, uint64_t phase_ns, double *ret_off,
		       double *ret_on)
{
	double off = 0, on = 0;

	for (int i = 0; i < pairs; i++) {
		struct sampler s = { 0 };
		pthread_t t;

		off += pingpong(phase_ns, spin);
		s.st = open_collector(0);
		pthread_create(&t, NULL, sample_10hz, &s);
		on += pingpong(phase_ns, spin);
		s.stop = true;
		pthread_join(t, NULL);
		activity_ebpf_ops.close(s.st);
		unpin();
	}
	*ret_off = off / pairs;
	*ret_on = on / pairs;
	return (1 - on / off) * 100;
}

static void b2(void)
{
	double off, on, pct;
	unsigned spin = 0;
	struct rusage r0, r1;
	uint64_t t0, t1, bpf_ns0 = 0, bpf_ns1 = 0;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct sampler s = { 0 };
	uint32_t before;
	int stats_fd, prog_fd;

	pct = slowdown(0, 5, 1000 * MS, &off, &on);
	printf("B2 ping-pong, full speed: off %.0f, on %.0f switches/s: slowdown %.2f %% "
	       "(5 interleaved pairs of 1 s)\n", off, on, pct);
	/* Throttle to about 100 k switches/s: find the spin count. */
	for (spin = 200; spin < 10000000; spin = spin * 3 / 2)
		if (pingpong(200 * MS, spin) <= 100000)
			break;
	unpin();
	pct = slowdown(spin, 5, 1000 * MS, &off, &on);
	printf("B2 ping-pong, throttled (spin %u): off %.0f, on %.0f switches/s: slowdown %.2f %%\n",
	       spin, off, on, pct);

	/* The monitor's own CPU on an idle machine: userspace (rusage) + BPF (run time). */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	before = last_prog_id();
	s.st = open_collector(0);
	prog_fd = newest_fd(true, "switch_btf", before);
	if (prog_fd >= 0 && bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0)
		bpf_ns0 = info.run_time_ns;
	getrusage(RUSAGE_SELF, &r0);
	t0 = wl_now_ns();
	for (int i = 0; i < 100; i++) {
		struct activity_sample out;

		wl_sleep_ns(100 * MS);
		(void)activity_ebpf_ops.sample(s.st, &out);
	}
	t1 = wl_now_ns();
	getrusage(RUSAGE_SELF, &r1);
	/* The kernel reads the lengths the first call wrote back: start from zero again. */
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (prog_fd >= 0 && bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0)
		bpf_ns1 = info.run_time_ns;
	{
		double user_ns = ((double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
				  (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec)) * 1e9 +
				 ((double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
				  (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) * 1e3;

		printf("B2 monitor at 10 Hz for %.1f s: sampling %.3f %% of one CPU, BPF programs "
		       "%.3f %% (machine not otherwise idle: other work was running)\n",
		       (double)(t1 - t0) / 1e9, user_ns * 100 / (double)(t1 - t0),
		       (double)(bpf_ns1 - bpf_ns0) * 100 / (double)(t1 - t0));
	}
	activity_ebpf_ops.close(s.st);
	if (prog_fd >= 0)
		close(prog_fd);
	if (stats_fd >= 0)
		close(stats_fd);
}

/*
 * Threads that run once and then block until told: live tasks with map
 * entries that cost nothing while the latency is measured (`wake_ns` 0), or
 * that wake every wake_ns to keep the task map busy (B11).
 */
static int sleepers_pipe[2];
static uint64_t sleepers_wake_ns;
static volatile bool sleepers_stop;

static void *sleeper(void *p)
{
	char c;

	if (!sleepers_wake_ns) {
		/* Blocks until the write end closes. */
		while (read(sleepers_pipe[0], &c, 1) > 0)
			;
		return NULL;
	}
	while (!sleepers_stop)
		wl_sleep_ns(sleepers_wake_ns);
	return NULL;
}

static pthread_t *start_sleepers(unsigned n, uint64_t wake_ns)
{
	pthread_t *t = calloc(n, sizeof(*t));
	pthread_attr_t a;

	if (pipe(sleepers_pipe) < 0)
		abort();
	sleepers_wake_ns = wake_ns;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 32 * 1024);
	sleepers_stop = false;
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&t[i], &a, sleeper, NULL) != 0) {
			fprintf(stderr, "bench-activity: only %u threads\n", i);
			break;
		}
	pthread_attr_destroy(&a);
	return t;
}

static void stop_sleepers(pthread_t *t, unsigned n)
{
	sleepers_stop = true;
	close(sleepers_pipe[1]);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	close(sleepers_pipe[0]);
	free(t);
}

static void b4(unsigned ntasks)
{
	uint64_t whole[50], whole_cpu[50], drain[50], drain_cpu[50];
	pthread_t *t;
	void *st;
	size_t max_tasks = 0;

	st = open_collector(0);
	t = start_sleepers(ntasks, 0);
	wl_sleep_ns(200 * MS);
	for (int i = 0; i < 50; i++) {
		struct activity_sample out;
		uint64_t a, c;

		wl_sleep_ns(20 * MS);
		c = thread_cpu_ns();
		a = wl_now_ns();
		(void)activity_ebpf_ops.sample(st, &out);
		whole[i] = wl_now_ns() - a;
		whole_cpu[i] = thread_cpu_ns() - c;
		/* The drain: the collector's reading of the maps, before its aggregator runs. */
		(void)activity_ebpf_timing(st, &drain[i], &drain_cpu[i]);
		max_tasks = out.ntasks > max_tasks ? out.ntasks : max_tasks;
	}
	/*
	 * The first sample reads every thread as new (they started since the
	 * last one): reported apart, the 49 after it are the steady state.
	 */
	printf("B4 %u live threads, first sample (all new): drain %.3f ms (CPU %.3f ms); whole "
	       "sample %.3f ms (CPU %.3f ms)\n",
	       ntasks, (double)drain[0] / 1e6, (double)drain_cpu[0] / 1e6, (double)whole[0] / 1e6,
	       (double)whole_cpu[0] / 1e6);
	qsort(whole + 1, 49, sizeof(whole[0]), cmp_u64);
	qsort(drain + 1, 49, sizeof(drain[0]), cmp_u64);
	qsort(drain_cpu + 1, 49, sizeof(drain_cpu[0]), cmp_u64);
	qsort(whole_cpu + 1, 49, sizeof(whole_cpu[0]), cmp_u64);
	printf("B4 %u live threads (up to %zu tasks per sample): drain median %.3f ms p99 %.3f ms "
	       "(CPU median %.3f ms p99 %.3f ms); whole sample median %.3f ms p99 %.3f ms (CPU "
	       "median %.3f ms p99 %.3f ms) (49 samples after the first)\n",
	       ntasks, max_tasks, (double)drain[25] / 1e6, (double)drain[49] / 1e6,
	       (double)drain_cpu[25] / 1e6, (double)drain_cpu[49] / 1e6, (double)whole[25] / 1e6,
	       (double)whole[49] / 1e6, (double)whole_cpu[25] / 1e6, (double)whole_cpu[49] / 1e6);
	stop_sleepers(t, ntasks);
	activity_ebpf_ops.close(st);
}

struct storm_run {
	const char *exe;
	unsigned n;
	struct wl_child *children;
	uint64_t cpu_ns;
	int reaped;
	volatile bool done;
};

static void *storm_thread(void *p)
{
	struct storm_run *s = p;

	s->reaped = wl_storm(s->exe, s->n, (uint64_t)s->n * 2 * MS, 2 * MS, s->children, &s->cpu_ns);
	s->done = true;
	return NULL;
}

/* The machine's steal time so far (/proc/stat), in ns. */
static uint64_t steal_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		v[7] = 0;
	fclose(f);
	return (uint64_t)v[7] * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static void b10(const char *exe)
{
	uint64_t steal0 = steal_ns(), t0 = wl_now_ns();
	struct storm_run s = { .exe = exe, .n = 1500 };
	uint64_t got = 0;
	pthread_t t;
	void *st = open_collector(0);
	struct activity_sample out;
	uint64_t dropped = 0;
	struct {
		uint32_t tgid;
		uint64_t proc_start_ns, ns;
	} *seen = NULL;
	size_t nseen = 0, cap = 0;

	s.children = calloc(s.n, sizeof(*s.children));
	(void)activity_ebpf_ops.sample(st, &out);
	pthread_create(&t, NULL, storm_thread, &s);
	for (int extra = 0; extra < 3;) {
		wl_sleep_ns(100 * MS);
		(void)activity_ebpf_ops.sample(st, &out);
		dropped += out.dropped;
		/* Kept and matched once the children are known, by pid and start (not by comm). */
		for (size_t i = 0; i < out.ntasks; i++) {
			const struct activity_task *k = &out.tasks[i];

			if (nseen == cap) {
				cap = cap ? 2 * cap : 4096;
				seen = realloc(seen, cap * sizeof(*seen));
				if (!seen)
					abort();
			}
			seen[nseen].tgid = k->key.tgid;
			seen[nseen].proc_start_ns = k->proc_start_ns ? k->proc_start_ns
					: k->key.tid == k->key.tgid ? k->key.start_ns : 0;
			seen[nseen++].ns = k->oncpu_ns;
		}
		if (s.done)
			extra++;
	}
	pthread_join(t, NULL);
	wl_children_sort(s.children, s.reaped > 0 ? (size_t)s.reaped : 0);
	for (size_t i = 0; i < nseen; i++)
		if (wl_child_find(s.children, s.reaped > 0 ? (size_t)s.reaped : 0, seen[i].tgid,
				  seen[i].proc_start_ns, 0))
			got += seen[i].ns;
	free(seen);
	printf("B10 storm of %u processes at 500/s, ~2 ms CPU each: rusage %.1f ms, captured %.1f "
	       "ms = %.2f %%, %llu dropped; hypervisor steal meanwhile %.1f %% of the machine\n",
	       s.n, (double)s.cpu_ns / 1e6, (double)got / 1e6, (double)got * 100 / (double)s.cpu_ns,
	       (unsigned long long)dropped,
	       (double)(steal_ns() - steal0) * 100 / ((double)(wl_now_ns() - t0) * topo.ncpus));
	activity_ebpf_ops.close(st);
	free(s.children);
}

static void b11(void)
{
	const unsigned n = 3000;
	void *st = open_collector(SCHED_TASKS_MIN);
	struct activity_sample out;
	uint64_t dropped = 0, lost = 0;
	double captured = 1;
	pthread_t *t;

	(void)activity_ebpf_ops.sample(st, &out);
	t = start_sleepers(n, 50 * MS);
	for (int i = 0; i < 5; i++) {
		wl_sleep_ns(100 * MS);
		(void)activity_ebpf_ops.sample(st, &out);
		dropped += out.dropped;
		for (unsigned c = 0; c < out.ncpus; c++)
			lost += out.lost_ns[c];
		captured = out.captured < captured ? out.captured : captured;
	}
	printf("B11 %u threads waking every 50 ms, task map of %u entries: %llu slices dropped, "
	       "%.3f ms lost (counted), lowest captured fraction %.4f\n",
	       n, SCHED_TASKS_MIN, (unsigned long long)dropped, (double)lost / 1e6, captured);
	stop_sleepers(t, n);
	activity_ebpf_ops.close(st);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	char exe[4096];
	ssize_t len;

	wl_handle_burn_argv(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "bench-activity: needs root\n");
		return 77;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	if (fsroot_init(&fs, NULL, NULL, NULL) < 0 || topology_read(&fs, &lg, &topo) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "all") || !strcmp(what, "b1"))
		b1();
	if (!strcmp(what, "all") || !strcmp(what, "b2"))
		b2();
	if (!strcmp(what, "all") || !strcmp(what, "b4")) {
		b4(1000);
		b4(10000);
	}
	if (!strcmp(what, "all") || !strcmp(what, "b10"))
		b10(exe);
	if (!strcmp(what, "all") || !strcmp(what, "b11"))
		b11();
	fsroot_done(&fs);
	return 0;
}
