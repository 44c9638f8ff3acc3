/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * gpu-fdinfo-scan.c - the cost of one DRM fdinfo scan (drm_clients_sample(),
 * the drm source's per-process GPU activity) with N sleeping processes that
 * hold F open files each, none of them a GPU: the price every interval pays
 * for finding the few processes that do hold one (a readdir of each
 * /proc/PID/fd and a readlink per fd).
 *
 *   gpu-fdinfo-scan [N [F]]      (default: 1000 10)
 *
 * Output: one JSON line with the median and p90 wall time of 31 scans and
 * their median CPU time, on stdout.
 * Children die with the benchmark (PR_SET_PDEATHSIG) and are killed and
 * reaped on exit.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drm_fdinfo.h"
#include "util.h"

#define ROUNDS 31

/* CPU time of this process (the scan's own cost, less sensitive to a loaded machine). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	unsigned files = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
	pid_t *kids = calloc(n ? n : 1, sizeof(*kids));
	uint64_t t[ROUNDS], cpu[ROUNDS];
	struct drm_clients *c = NULL;
	const struct drm_proc_usage *rows;
	struct fsroot fs;
	unsigned started = 0, errors = 0;
	int status = 1, rows_n = 0;

	if (!kids || fsroot_init(&fs, NULL, NULL, NULL) < 0)
		return 1;
	for (; started < n; started++) {
		pid_t p = fork();

		if (p < 0)
			break;
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (unsigned f = 0; f < files; f++)
				(void)open("/dev/null", O_RDONLY);
			pause();
			_exit(0);
		}
		kids[started] = p;
	}
	if (started < n)
		goto out;
	usleep(200000); /* let the children open their files */
	if (drm_clients_new(&fs, now_ns(), &c) < 0)
		goto out;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = now_ns(), c0 = cpu_ns();

		rows_n = drm_clients_sample(c, now_ns(), &rows, &errors);
		t[i] = now_ns() - t0;
		cpu[i] = cpu_ns() - c0;
		if (rows_n < 0)
			goto out;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp_u64);
	qsort(cpu, ROUNDS, sizeof(cpu[0]), cmp_u64);
	printf("{\"bench\":\"gpu-fdinfo-scan\",\"processes\":%u,\"files_each\":%u,"
	       "\"rows\":%d,\"median_ms\":%.3f,\"p90_ms\":%.3f,\"median_cpu_ms\":%.3f}\n",
	       n, files, rows_n, (double)t[ROUNDS / 2] / 1e6, (double)t[ROUNDS * 9 / 10] / 1e6,
	       (double)cpu[ROUNDS / 2] / 1e6);
	status = 0;
out:
	for (unsigned i = 0; i < started; i++)
		kill(kids[i], SIGKILL);
	for (unsigned i = 0; i < started; i++)
		waitpid(kids[i], NULL, 0);
	drm_clients_free(c);
	fsroot_done(&fs);
	free(kids);
	return status;
}
