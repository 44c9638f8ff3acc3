/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * b6-rss.c - B6: the monitor's resident memory while it follows 100, 1 000
 * and 10 000 tasks that all run in every interval, sampling once a second
 * with the process, comm and user groupings (what `top` shows). The tasks
 * are threads of a separate child process, so their stacks are not in the
 * monitor's RSS. Per size it prints: RSS after the first snapshot, steady
 * (median of the second half of the run), peak (VmHWM, whole process so
 * far), growth (last - first of the second half), and the wall time of
 * joulestat_sample() (B4's whole snapshot, collector included), wall and the
 * monitor thread's CPU time.
 *
 *   sudo ./build/bench/b6-rss [SECONDS_PER_SIZE [ONLY_SIZE]]   (default 30 s; DESIGN: 600)
 *
 * B6_TRACE=1 in the environment prints the RSS after every snapshot, with
 * where it is: the heap's bytes in use and held (mallinfo2: arena and
 * mmapped blocks) and the process's anonymous and file-backed resident
 * memory (/proc/self/status RssAnon, RssFile).
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "joulestat.h"
#include "workload.h"

#define MS 1000000ULL

static uint64_t status_kb(const char *field)
{
	char line[256];
	uint64_t v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		/*
		 * A few µs of work every 400 ms: every thread runs in every 1 s
		 * interval, and 10 000 of them still leave the CPUs mostly idle.
		 */
		wl_burn_ns(2000);
		wl_sleep_ns(400 * MS);
	}
	return NULL;
}

/* A child process with n threads that each run briefly a few times a second. */
static pid_t start_tasks(unsigned n)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		for (unsigned i = 1; i < n; i++) {
			pthread_t t;

			if (pthread_create(&t, &a, ticker, NULL) != 0) {
				fprintf(stderr, "b6-rss: only %u threads\n", i);
				break;
			}
		}
		ticker(NULL);
		_exit(0);
	}
	return pid;
}

static void run(unsigned ntasks, unsigned seconds)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat *js = NULL;
	uint64_t *rss = calloc(seconds + 1, sizeof(*rss)), *lat = calloc(seconds + 1, sizeof(*lat));
	uint64_t *cpu = calloc(seconds + 1, sizeof(*cpu));
	uint64_t first_rss = 0;
	size_t max_tasks = 0;
	pid_t child;
	int r;

	o.groups = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_COMM |
		   1u << JOULESTAT_GROUP_USER;
	child = start_tasks(ntasks);
	wl_sleep_ns(500 * MS);
	r = joulestat_new(&o, &js);
	if (r < 0) {
		fprintf(stderr, "b6-rss: joulestat_new: %s\n", strerror(-r));
		exit(1);
	}
	for (unsigned s = 0; s <= seconds; s++) {
		struct joulestat_snapshot *snap;
		struct joulestat_snapshot_info info = { .sz = sizeof(info) };
		uint64_t t0, c0;

		wl_sleep_ns(1000 * MS);
		t0 = wl_now_ns();
		c0 = thread_cpu_ns();
		if (joulestat_sample(js, &snap) < 0)
			abort();
		lat[s] = wl_now_ns() - t0;
		cpu[s] = thread_cpu_ns() - c0;
		joulestat_snapshot_get(snap, &info);
		if (info.ntasks > max_tasks)
			max_tasks = info.ntasks;
		joulestat_snapshot_free(snap);
		rss[s] = status_kb("VmRSS");
		if (getenv("B6_TRACE")) {
			struct mallinfo2 mi = mallinfo2();

			fprintf(stderr,
				"%u s: %" PRIu64 " kB (anon %" PRIu64 " kB, file %" PRIu64
				" kB; heap in use %zu kB, held %zu kB), %zu tasks\n",
				s, rss[s], status_kb("RssAnon"), status_kb("RssFile"),
				(mi.uordblks + mi.hblkhd) / 1024, (mi.arena + mi.hblkhd) / 1024,
				info.ntasks);
		}
		if (s == 0)
			first_rss = rss[0];
	}
	{
		size_t half = (seconds + 1) / 2, nh = seconds + 1 - half;
		uint64_t *h = calloc(nh, sizeof(*h)), steady, growth;

		memcpy(h, rss + half, nh * sizeof(*h));
		qsort(h, nh, sizeof(*h), cmp_u64);
		steady = h[nh / 2];
		growth = rss[seconds] > rss[half] ? rss[seconds] - rss[half] : 0;
		qsort(lat, seconds + 1, sizeof(*lat), cmp_u64);
		qsort(cpu, seconds + 1, sizeof(*cpu), cmp_u64);
		printf("B6 %5u tasks (up to %zu per snapshot), %u s: RSS first %.1f MB, steady %.1f MB, "
		       "peak %.1f MB, growth over the second half %+.2f MB; joulestat_sample median "
		       "%.2f ms p99 %.2f ms wall, median %.2f ms p99 %.2f ms CPU\n",
		       ntasks, max_tasks, seconds, first_rss / 1024.0, steady / 1024.0,
		       status_kb("VmHWM") / 1024.0, (double)growth / 1024.0,
		       lat[seconds / 2] / 1e6, lat[(seconds * 99) / 100] / 1e6, cpu[seconds / 2] / 1e6,
		       cpu[(seconds * 99) / 100] / 1e6);
		fflush(stdout);
		free(h);
	}
	joulestat_free(js);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	free(rss);
	free(lat);
	free(cpu);
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 30;
	unsigned only = argc > 2 ? (unsigned)atoi(argv[2]) : 0;

	if (seconds < 2)
		seconds = 2;
	/* Peak is the process's high-water mark: the sizes run smallest first. */
	if (!only || only == 100)
		run(100, seconds);
	if (!only || only == 1000)
		run(1000, seconds);
	if (!only || only == 10000)
		run(10000, seconds);
	return 0;
}
