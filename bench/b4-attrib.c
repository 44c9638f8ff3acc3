/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * b4-attrib.c - B4's userspace share: the cost of attributing one interval
 * (attrib_split, and attrib_split_ws with a workspace kept between
 * intervals, as the monitor does) and of grouping it (group_tasks by process and by comm) at
 * 1 000 and 10 000 tasks, as a sample of the eBPF collector presents them
 * (hash order, one row per task and CPU it ran on), over a two-socket-like
 * domain set: package, core and dram per socket, and psys. Times are the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared machine the wall
 * time measures the neighbours.
 *
 *   ./build/bench/b4-attrib [ROUNDS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib.h"
#include "group.h"

static uint64_t now_ns(void)
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

static void report(const char *what, size_t n, uint64_t *t, int rounds)
{
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("B4 %-22s %5zu tasks: median %.3f ms, p99 %.3f ms (%d rounds)\n", what, n,
	       t[rounds / 2] / 1e6, t[(rounds * 99) / 100] / 1e6, rounds);
}

static void bench(size_t n, int rounds)
{
	const unsigned ncpus = 4;
	struct activity_task *tasks = calloc(n, sizeof(*tasks));
	struct activity_row *rows = calloc(n * 2, sizeof(*rows));
	uint64_t idle[4] = { 1000, 2000, 3000, 4000 }, lost[4] = { 10, 0, 0, 5 };
	uint64_t *t_split = calloc((size_t)rounds, sizeof(uint64_t));
	uint64_t *t_ws = calloc((size_t)rounds, sizeof(uint64_t));
	struct attrib_ws *ws;
	uint64_t *t_proc = calloc((size_t)rounds, sizeof(uint64_t));
	uint64_t *t_comm = calloc((size_t)rounds, sizeof(uint64_t));
	struct cpuset s0, s1;
	struct attrib_domain d[7];
	struct activity_sample s;
	size_t nr = 0;
	unsigned seed = 7;

	memset(&s0, 0, sizeof(s0));
	memset(&s1, 0, sizeof(s1));
	cpuset_set(&s0, 0);
	cpuset_set(&s0, 1);
	cpuset_set(&s1, 2);
	cpuset_set(&s1, 3);
	for (size_t i = 0; i < n; i++) {
		/* Hash order: keys shuffled; threads of ~8 per process. */
		uint32_t tgid = 1000 + (uint32_t)(rand_r(&seed) % (n / 8 + 1)) * 8;

		tasks[i].key = (struct task_key){ tgid, tgid + (uint32_t)(i % 8),
						  (uint64_t)tgid * 1000000 + i % 8 };
		snprintf(tasks[i].comm, sizeof(tasks[i].comm), "comm%u", tgid % 97);
		tasks[i].first_row = (uint32_t)nr;
		tasks[i].nrows = 1 + (i % 3 == 0);
		for (uint32_t k = 0; k < tasks[i].nrows; k++)
			rows[nr++] = (struct activity_row){ (uint32_t)((i + k) % ncpus), (uint32_t)i,
							    1000 + (uint64_t)(rand_r(&seed) % 100000) };
	}
	s = (struct activity_sample){ .start_ns = 0, .end_ns = 1000000000, .ncpus = ncpus,
				      .idle_ns = idle, .lost_ns = lost, .tasks = tasks, .ntasks = n,
				      .rows = rows, .nrows = nr };
	d[0] = (struct attrib_domain){ "package-0", JOULESTAT_DOMAIN_PACKAGE, &s0, 31234567, 0,
				       false, false };
	d[1] = (struct attrib_domain){ "package-1", JOULESTAT_DOMAIN_PACKAGE, &s1, 29876543, 0,
				       false, false };
	d[2] = (struct attrib_domain){ "core-0", JOULESTAT_DOMAIN_CORE, &s0, 21234567, 0, false,
				       false };
	d[3] = (struct attrib_domain){ "core-1", JOULESTAT_DOMAIN_CORE, &s1, 19876543, 0, false,
				       false };
	d[4] = (struct attrib_domain){ "dram-0", JOULESTAT_DOMAIN_DRAM, &s0, 3123456, 0, false,
				       false };
	d[5] = (struct attrib_domain){ "dram-1", JOULESTAT_DOMAIN_DRAM, &s1, 2987654, 0, false,
				       false };
	d[6] = (struct attrib_domain){ "psys", JOULESTAT_DOMAIN_PSYS, NULL, 91234567, 0, false,
				       true };
	if (attrib_ws_new(&ws) < 0)
		abort();
	for (int r = 0; r < rounds; r++) {
		struct attrib_result *res;
		struct group_result *g;
		uint64_t t0 = now_ns(), t1, t2;

		if (attrib_split(&s, d, 7, ATTRIB_IDLE_SEPARATE, &res) < 0)
			abort();
		t1 = now_ns();
		attrib_result_free(res);
		if (attrib_split_ws(ws, &s, d, 7, ATTRIB_IDLE_SEPARATE, &res) < 0)
			abort();
		t_ws[r] = now_ns() - t1;
		t_split[r] = t1 - t0;
		t1 = now_ns();
		if (group_tasks(&s, res, GROUP_ALL_DOMAINS, GROUP_PROCESS, NULL, &g) < 0)
			abort();
		t2 = now_ns();
		group_result_free(g);
		if (group_tasks(&s, res, GROUP_ALL_DOMAINS, GROUP_COMM, NULL, &g) < 0)
			abort();
		t_comm[r] = now_ns() - t2;
		t_proc[r] = t2 - t1;
		group_result_free(g);
		attrib_result_free(res);
	}
	report("attrib_split (7 dom.)", n, t_split, rounds);
	report("attrib_split_ws", n, t_ws, rounds);
	report("group by process", n, t_proc, rounds);
	report("group by comm", n, t_comm, rounds);
	free(tasks);
	free(rows);
	free(t_split);
	free(t_ws);
	attrib_ws_free(ws);
	free(t_proc);
	free(t_comm);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;

	if (rounds < 1)
		rounds = 1;
	bench(1000, rounds);
	bench(10000, rounds);
	return 0;
}
