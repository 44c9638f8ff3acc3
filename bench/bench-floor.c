/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * bench-floor.c - the floor under B1: what a sched_switch program costs on
 * this kernel before it does any of joulestat's work (floor.bpf.c). Each
 * program is attached alone while two processes pinned to CPU 0 bounce a
 * byte through pipes, and the kernel's BPF statistics (run_time_ns /
 * run_cnt, which add their own cost) give ns per switch. The programs take
 * turns in every round, so a change of the machine's load reaches all of
 * them; the median and range over the rounds are printed, and the load.
 *
 *   sudo ./build/bench/bench-floor [ROUNDS [MS_PER_PHASE]]    (default 9, 1000)
 *
 * Not a test: it measures.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "floor.skel.h"
#include "workload.h"

#define MAX_ROUNDS 64

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* Same-CPU pipe ping-pong for `ns` (bench-activity's B1 load); switches per second. */
static double pingpong(uint64_t ns)
{
	int ab[2], ba[2];
	uint64_t trips = 0, t0, t1;
	char c = 1;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		return 0;
	pid = fork();
	if (pid == 0) {
		pin_cpu(0);
		while (read(ab[0], &c, 1) == 1 && c)
			if (write(ba[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	pin_cpu(0);
	t0 = wl_now_ns();
	do {
		for (int k = 0; k < 256; k++) {
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				break;
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
	return (double)trips * 2 * 1e9 / (double)(t1 - t0);
}

static int prog_stats(const struct bpf_program *p, __u64 *run_ns, __u64 *cnt)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
		return -errno;
	*run_ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

static void loadavg(char *buf, size_t n)
{
	FILE *f = fopen("/proc/loadavg", "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)n, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;
	uint64_t phase_ns = (argc > 2 ? strtoull(argv[2], NULL, 10) : 1000) * 1000000ULL;
	struct joulestat_floor_bpf *skel;
	struct bpf_program *progs[5];
	const char *names[5] = { "empty tp_btf", "ktime + per-CPU array", "task storage + 2 adds",
				 "task storage x2 (prev, next)", "per-CPU hash, 16-byte key" };
	double ns[5][MAX_ROUNDS], rate[5][MAX_ROUNDS];
	char la[128];
	int stats_fd;

	if (geteuid() != 0) {
		fprintf(stderr, "bench-floor: needs root\n");
		return 77;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 9;
	skel = joulestat_floor_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench-floor: cannot load floor.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	progs[0] = skel->progs.floor_empty;
	progs[1] = skel->progs.floor_clock;
	progs[2] = skel->progs.floor_tls;
	progs[3] = skel->progs.floor_tls2;
	progs[4] = skel->progs.floor_hash;
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bench-floor: bpf_enable_stats: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	loadavg(la, sizeof(la));
	printf("floor: %d rounds of %llu ms per program, load average at start: %s\n", rounds,
	       (unsigned long long)(phase_ns / 1000000), la);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 5; k++) {
			/* Each round starts with another program, so none always follows the same. */
			int v = (k + r) % 5;
			struct bpf_link *l = bpf_program__attach(progs[v]);
			__u64 t0 = 0, c0 = 0, t1 = 0, c1 = 0;

			if (!l) {
				fprintf(stderr, "bench-floor: attach %s: %s\n", names[v],
					strerror(errno));
				return 1;
			}
			prog_stats(progs[v], &t0, &c0);
			rate[v][r] = pingpong(phase_ns);
			prog_stats(progs[v], &t1, &c1);
			bpf_link__destroy(l);
			ns[v][r] = c1 > c0 ? (double)(t1 - t0) / (double)(c1 - c0) : 0;
		}
	}
	loadavg(la, sizeof(la));
	for (int v = 0; v < 5; v++) {
		double s[MAX_ROUNDS], q[MAX_ROUNDS];

		memcpy(s, ns[v], sizeof(double) * (size_t)rounds);
		memcpy(q, rate[v], sizeof(double) * (size_t)rounds);
		qsort(s, (size_t)rounds, sizeof(double), cmp_double);
		qsort(q, (size_t)rounds, sizeof(double), cmp_double);
		printf("floor %-30s median %6.1f ns per switch (range %.1f-%.1f over %d rounds; "
		       "ping-pong median %.0f switches/s)\n",
		       names[v], s[rounds / 2], s[0], s[rounds - 1], rounds, q[rounds / 2]);
	}
	printf("floor: load average at end: %s (bpf_stats adds its own cost to every figure)\n",
	       la);
	close(stats_fd);
	joulestat_floor_bpf__destroy(skel);
	return 0;
}
