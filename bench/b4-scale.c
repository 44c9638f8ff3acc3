/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * b4-scale.c - the eBPF collector's userspace side at sizes this machine
 * does not have: 1 000, 10 000 and 100 000 tasks on 2, 64, 256 and 512
 * possible CPUs. The program's maps are plain memory here, written the way
 * sched.bpf.c writes them; the reader and the aggregator are the
 * collector's own (activity_ebpf_read.c, activity_ebpf_agg.c). Per size it
 * prints the thread CPU time of one sample (reading and aggregation, median
 * and p99 of ROUNDS samples) in two cases:
 *   all   every task ran since the last sample, a tenth of them moved to
 *         another CPU (one log record each), every CPU runs a task;
 *   idle  the tasks exist but none ran (B4's sleeping threads);
 * the first sample, where every task is new (the reader and aggregator
 * grow their arrays, first touched then); and the memory from the code's
 * own sizes (ebpf_mem_model_of) with what the reader and aggregator
 * actually held after the samples.
 *
 *   ./build/bench/b4-scale [ROUNDS]      (default 31; no root needed)
 *
 * Not a test: it measures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity_ebpf.h"

static uint64_t cpu_ns(void)
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

struct sim {
	unsigned nposs;
	uint32_t ntasks, log_len;
	struct sched_cpu *cpus;
	struct sched_slot *slots;
	struct sched_ident *idents;
	struct sched_fold *folds;
	struct sched_ctl ctl;
	uint64_t *ring;
	struct ebpf_shm shm;
	uint64_t now;
};

static void sim_init(struct sim *s, unsigned nposs, uint32_t ntasks)
{
	uint32_t ring = 1;

	while (ring < ntasks)
		ring <<= 1;
	memset(s, 0, sizeof(*s));
	s->nposs = nposs;
	s->ntasks = ntasks;
	s->log_len = ebpf_log_len_for(nposs);
	s->cpus = calloc(nposs, sizeof(*s->cpus));
	s->slots = calloc(ntasks, sizeof(*s->slots));
	s->idents = calloc(ntasks, sizeof(*s->idents));
	s->folds = calloc((size_t)nposs * s->log_len, sizeof(*s->folds));
	s->ring = calloc(ring, sizeof(*s->ring));
	if (!s->cpus || !s->slots || !s->idents || !s->folds || !s->ring) {
		fprintf(stderr, "b4-scale: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < ntasks; i++) {
		struct sched_slot *t = &s->slots[i];

		t->seq = 2;
		t->acc_cpu = i % nposs;
		t->acc_ns = 1000;
		t->tgid = 1000 + i / 4;
		t->pid = 1000 + i;
		t->start_ns = 1000000 + i;
		snprintf(t->comm, sizeof(t->comm), "task%u", i % 1000);
		s->idents[i].uid = 1000;
		s->idents[i].cgroup_id = 77;
	}
	s->ctl.next_new = ntasks;
	s->now = 1000000;
	for (unsigned c = 0; c < nposs; c++) {
		s->cpus[c].cur_slot = SCHED_NONE;
		s->cpus[c].last_ns = s->now;
	}
	s->shm = (struct ebpf_shm){ nposs, ntasks, s->cpus, s->slots, s->idents, s->folds,
				    s->log_len, &s->ctl, s->ring, ring - 1 };
}

static void sim_free(struct sim *s)
{
	free(s->cpus);
	free(s->slots);
	free(s->idents);
	free(s->folds);
	free(s->ring);
}

/* One interval as the program would leave it: every task ran, a tenth moved. */
static void sim_interval(struct sim *s, bool all)
{
	s->now += 100000000;	/* 100 ms */
	if (all) {
		for (uint32_t i = 0; i < s->ntasks; i++) {
			struct sched_slot *t = &s->slots[i];

			t->seq += 2;
			if (i % 10 == 0) {
				/* A move: the part into the new CPU's log, if there is room. */
				unsigned to = (t->acc_cpu + 1) % s->nposs;
				struct sched_cpu *c = &s->cpus[to];

				if (c->log_head - c->log_tail < s->log_len) {
					s->folds[(size_t)to * s->log_len +
						 (c->log_head & (s->log_len - 1))] =
						(struct sched_fold){ i, t->epoch, t->acc_cpu, 0, t->acc_ns };
					c->log_head++;
					t->epoch++;
					t->acc_ns = 0;
				}
				t->acc_cpu = to;
			}
			t->acc_ns += 20000;
		}
	}
	for (unsigned c = 0; c < s->nposs; c++) {
		struct sched_cpu *k = &s->cpus[c];
		uint32_t run = all ? (uint32_t)((c * 7919u) % s->ntasks) : SCHED_NONE;

		k->gen_start = k->gen_done + 1;
		k->idle_ns += all ? 0 : s->now - k->last_ns;
		k->charged_ns += s->now - k->last_ns;
		k->last_ns = s->now - 1000;
		k->cur_slot = run;
		k->cur_tgid = run == SCHED_NONE ? 0 : s->slots[run].tgid;
		k->cur_pid = run == SCHED_NONE ? 0 : s->slots[run].pid;
		k->cur_start_ns = run == SCHED_NONE ? 0 : s->slots[run].start_ns;
		k->gen_done = k->gen_start;
	}
}

static void run(unsigned nposs, uint32_t ntasks, bool all, int rounds)
{
	struct sim s;
	struct ebpf_reader *r = NULL;
	struct ebpf_agg *a = NULL;
	uint64_t *t = calloc((size_t)rounds, sizeof(*t));
	struct ebpf_mem_model mm = ebpf_mem_model_of(nposs);
	size_t held = 0, ntask_out = 0;
	uint64_t first = 0;
	uint32_t slots_plan;
	double kernel_mb, user_mb;

	sim_init(&s, nposs, ntasks);
	if (ebpf_reader_new(nposs, ntasks, &r) < 0 || ebpf_agg_new(nposs, nposs, 0, &a) < 0) {
		fprintf(stderr, "b4-scale: out of memory\n");
		exit(1);
	}
	for (int i = -2; i < rounds; i++) {
		struct activity_sample out;
		struct ebpf_dump d;
		const uint32_t *rec;
		uint64_t t0;
		size_t n;

		/* Two warm-up samples: every task is new in the first. */
		sim_interval(&s, all || i < 0);
		t0 = cpu_ns();
		ebpf_read_cpus(r, &s.shm);
		ebpf_read_begin(r, &s.shm);
		if (ebpf_read_slots(r, &s.shm) < 0)
			exit(1);
		ebpf_read_cpus(r, &s.shm);
		if (ebpf_read_running(r, &s.shm) < 0)
			exit(1);
		ebpf_read_dump(r, &s.shm, &d);
		d.t_ns = s.now;
		if (ebpf_agg_step(a, &d, &out) < 0)
			exit(1);
		n = ebpf_agg_recycle(a, &rec);
		ebpf_read_commit(r, &s.shm, rec, n);
		if (i == -2)
			first = cpu_ns() - t0;
		if (i >= 0) {
			t[i] = cpu_ns() - t0;
			ntask_out = out.ntasks;
		}
	}
	held = ebpf_reader_footprint(r) + ebpf_agg_footprint(a);
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	/* The slot table the collector would make for these tasks (pid_max 4194304, RAM unknown). */
	slots_plan = task_map_plan_for(4194304, 0, ntasks);
	kernel_mb = ((double)mm.kernel_per_cpu * nposs + (double)mm.kernel_per_slot * slots_plan +
		     (double)mm.kernel_per_task * ntasks + (double)mm.kernel_fixed) /
		    (1024.0 * 1024.0);
	user_mb = (double)held / (1024.0 * 1024.0);
	printf("{\"bench\":\"B4-scale\",\"case\":\"%s\",\"tasks\":%u,\"possible_cpus\":%u,"
	       "\"tasks_in_sample\":%zu,\"sample_cpu_ms\":{\"median\":%.3f,\"p99\":%.3f},"
	       "\"first_sample_cpu_ms\":%.3f,\"slots\":%u,\"log_len\":%u,\"kernel_mb\":%.2f,\"user_held_mb\":%.2f,"
	       "\"total_mb\":%.2f}\n",
	       all ? "all" : "idle", ntasks, nposs, ntask_out, (double)t[rounds / 2] / 1e6,
	       (double)t[rounds - 1 - rounds / 100] / 1e6, (double)first / 1e6, slots_plan, s.log_len, kernel_mb,
	       user_mb, kernel_mb + user_mb);
	ebpf_reader_free(r);
	ebpf_agg_free(a);
	sim_free(&s);
	free(t);
}

int main(int argc, char **argv)
{
	static const unsigned cpus[] = { 2, 64, 256, 512 };
	static const uint32_t tasks[] = { 1000, 10000, 100000 };
	int rounds = argc > 1 ? atoi(argv[1]) : 31;

	if (rounds < 3)
		rounds = 31;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
		for (size_t c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++) {
			run(cpus[c], tasks[i], true, rounds);
			run(cpus[c], tasks[i], false, rounds);
		}
	return 0;
}
