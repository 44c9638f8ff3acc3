/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-activity-ebpf.c - the eBPF collector's arithmetic on recorded map
 * contents: per-interval differences of cumulative counters, the slice
 * running at sample time, exits, PID reuse, full maps and torn reads. Each
 * scenario is a schedule with a known truth (which task ran on which CPU
 * when); the maps are filled the way sched.bpf.c fills them.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "activity_ebpf.h"
#include "util.h"

#define NSLOTS 2
#define MAXT 16

/* The maps as sched.bpf.c leaves them. */
struct maps {
	size_t n;
	struct sched_key keys[MAXT];
	struct sched_val vals[MAXT * NSLOTS];
	struct sched_cpu cpus[NSLOTS];
	bool ok[NSLOTS];
};

static const struct sched_key A = { 100, 100, 5000 };
static const struct sched_key B = { 200, 200, 6000 };
static const struct sched_key B2 = { 200, 201, 6100 };	/* B's second thread */
static const struct sched_key IDLE = { 0, 0, 0 };

static struct sched_val *val(struct maps *m, const struct sched_key *k, unsigned cpu)
{
	for (size_t i = 0; i < m->n; i++)
		if (!memcmp(&m->keys[i], k, sizeof(*k)))
			return &m->vals[i * NSLOTS + cpu];
	assert_true(m->n < MAXT);
	m->keys[m->n] = *k;
	memset(&m->vals[m->n * NSLOTS], 0, NSLOTS * sizeof(struct sched_val));
	return &m->vals[m->n++ * NSLOTS + cpu];
}

static void identity(struct maps *m, const struct sched_key *k, unsigned cpu, const char *comm,
		     uint64_t when_ns)
{
	struct sched_val *v = val(m, k, cpu);

	snprintf(v->comm, sizeof(v->comm), "%s", comm);
	v->comm_ns = when_ns;
	v->uid = 1000;
	v->cgroup_id = 77;
}

/* sched_switch on `cpu` at `now`: charge the running slice, start `next`'s. */
static void sw(struct maps *m, unsigned cpu, uint64_t now, const struct sched_key *next)
{
	struct sched_cpu *c = &m->cpus[cpu];
	struct sched_key prev = { c->cur_tgid, c->cur_pid, c->cur_start_ns };

	if (c->last_ns) {
		if (prev.pid == 0)
			c->idle_ns += now - c->last_ns;
		else
			val(m, &prev, cpu)->oncpu_ns += now - c->last_ns;
	}
	c->last_ns = now;
	c->cur_tgid = next->tgid;
	c->cur_pid = next->pid;
	c->cur_start_ns = next->start_ns;
	c->gen_start = c->gen_done = c->gen_done + 1;
}

/* A switch where the kernel accounted only `run_ns` of the outgoing task's slice. */
static void sw_irq(struct maps *m, unsigned cpu, uint64_t now, uint64_t run_ns,
		   const struct sched_key *next)
{
	struct sched_cpu *c = &m->cpus[cpu];
	struct sched_key prev = { c->cur_tgid, c->cur_pid, c->cur_start_ns };

	val(m, &prev, cpu)->oncpu_ns += run_ns;
	c->irq_ns += now - c->last_ns - run_ns;
	c->last_ns = now;
	c->cur_tgid = next->tgid;
	c->cur_pid = next->pid;
	c->cur_start_ns = next->start_ns;
	c->gen_start = c->gen_done = c->gen_done + 1;
}

static void remove_key(struct maps *m, const struct sched_key *k)
{
	for (size_t i = 0; i < m->n; i++)
		if (!memcmp(&m->keys[i], k, sizeof(*k))) {
			m->n--;
			memmove(&m->keys[i], &m->keys[i + 1], (m->n - i) * sizeof(*k));
			memmove(&m->vals[i * NSLOTS], &m->vals[(i + 1) * NSLOTS],
				(m->n - i) * NSLOTS * sizeof(struct sched_val));
			return;
		}
}

static struct ebpf_dump dump_of(const struct maps *m, uint64_t t_ns)
{
	return (struct ebpf_dump){
		.t_ns = t_ns,
		.nslots = NSLOTS,
		.cpus = m->cpus,
		.cpu_ok = m->ok,
		.ntasks = m->n,
		.keys = m->keys,
		.vals = m->vals,
	};
}

static void all_ok(struct maps *m)
{
	for (int c = 0; c < NSLOTS; c++)
		m->ok[c] = true;
}

/* ns of task k on cpu in the sample (0 when it has no row there). */
static uint64_t ns_of(const struct activity_sample *s, const struct sched_key *k, unsigned cpu)
{
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct activity_task *t = &s->tasks[i];

		if (t->key.tgid != k->tgid || t->key.tid != k->pid || t->key.start_ns != k->start_ns)
			continue;
		for (uint32_t r = t->first_row; r < t->first_row + t->nrows; r++)
			if (s->rows[r].cpu == cpu)
				return s->rows[r].ns;
	}
	return 0;
}

static const struct activity_task *task_of(const struct activity_sample *s,
					   const struct sched_key *k)
{
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tgid == k->tgid && s->tasks[i].key.tid == k->pid &&
		    s->tasks[i].key.start_ns == k->start_ns)
			return &s->tasks[i];
	return NULL;
}

static struct ebpf_agg *agg_at(uint64_t t0)
{
	struct ebpf_agg *a = NULL;

	assert_int_equal(ebpf_agg_new(NSLOTS, NSLOTS, t0, &a), 0);
	return a;
}

/*
 * Step `a` on d as the kernel's layout and `b` on the same maps folded the
 * way the collector hands them (the sample written over its entries, the
 * running slices' tasks after them): the samples must be equal byte for byte.
 */
static void step_both(struct ebpf_agg *a, struct ebpf_agg *b, const struct ebpf_dump *d,
		      struct activity_sample *ret)
{
	struct activity_task folded[MAXT + NSLOTS];
	uint64_t ns[MAXT * NSLOTS];
	struct ebpf_dump f = *d;
	struct activity_sample s2;

	for (size_t i = 0; i < d->ntasks; i++)
		ebpf_fold(&d->keys[i], &d->vals[i * NSLOTS], NSLOTS, NSLOTS, &folded[i],
			  &ns[i * NSLOTS]);
	f.keys = NULL;
	f.vals = NULL;
	f.tasks = folded;
	f.oncpu_ns = ns;
	assert_int_equal(ebpf_agg_step(a, d, ret), 0);
	assert_int_equal(ebpf_agg_step(b, &f, &s2), 0);
	assert_ptr_equal(s2.tasks, folded);
	assert_int_equal(ret->ntasks, s2.ntasks);
	assert_int_equal(ret->nrows, s2.nrows);
	assert_memory_equal(ret->tasks, s2.tasks, ret->ntasks * sizeof(*ret->tasks));
	assert_memory_equal(ret->rows, s2.rows, ret->nrows * sizeof(*ret->rows));
	assert_memory_equal(ret->idle_ns, s2.idle_ns, NSLOTS * sizeof(uint64_t));
	assert_memory_equal(ret->lost_ns, s2.lost_ns, NSLOTS * sizeof(uint64_t));
	assert_memory_equal(ret->irq_ns, s2.irq_ns, NSLOTS * sizeof(uint64_t));
}

static void test_completed_slices_and_idle(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(1000);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	/* cpu0: idle until 1000 (primed), A 1000-1400, B 1400-1900, idle 1900-2000. */
	sw(&m, 0, 1000, &A);
	identity(&m, &A, 0, "alpha", 1000);
	sw(&m, 0, 1400, &B);
	identity(&m, &B, 0, "beta", 1400);
	sw(&m, 0, 1900, &IDLE);
	/* cpu1: idle from 1000 on. */
	sw(&m, 1, 1000, &IDLE);
	d = dump_of(&m, 2000);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.start_ns, 1000);
	assert_int_equal(s.end_ns, 2000);
	assert_int_equal(s.ntasks, 2);
	assert_int_equal(ns_of(&s, &A, 0), 400);
	assert_int_equal(ns_of(&s, &B, 0), 500);
	assert_int_equal(s.idle_ns[0], 100);
	assert_int_equal(s.idle_ns[1], 1000);
	assert_true(activity_coverage(&s, 0) == 1.0);
	assert_true(activity_coverage(&s, 1) == 1.0);
	assert_true(activity_coverage(&s, 2) == 0.0);
	assert_string_equal(task_of(&s, &A)->comm, "alpha");
	assert_int_equal(task_of(&s, &A)->uid, 1000);
	assert_int_equal(task_of(&s, &A)->cgroup_id, 77);
	assert_true(task_of(&s, &A)->flags & ACTIVITY_TASK_NEW);
	assert_true(s.captured == 1.0);
	assert_int_equal(s.dropped, 0);

	/* Nothing ran in the second interval but idle: no task rows, A is not new any more. */
	d = dump_of(&m, 3000);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.ntasks, 0);
	assert_int_equal(s.idle_ns[0], 1000);
	assert_int_equal(s.idle_ns[1], 1000);
	ebpf_agg_free(a);
}

static void test_running_slice_is_credited_once(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;
	uint64_t total_a = 0, total_b = 0;

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 100, &A);	/* A runs 100..250, across a sample at 200 */
	d = dump_of(&m, 200);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 100);
	total_a += ns_of(&s, &A, 0);
	sw(&m, 0, 250, &B);
	d = dump_of(&m, 300);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 50);
	assert_int_equal(ns_of(&s, &B, 0), 50);
	assert_true(activity_coverage(&s, 0) == 1.0);
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	/* B still running: credited again, only the new part. */
	d = dump_of(&m, 450);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &B, 0), 150);
	total_b += ns_of(&s, &B, 0);
	assert_int_equal(total_a, 150);
	assert_int_equal(total_b, 200);
	ebpf_agg_free(a);
}

/*
 * A slice that completes after the map was read but before the CPU state
 * was: this interval misses it, the next one has it; nothing twice.
 */
static void test_switch_between_reads_is_not_counted_twice(void **state)
{
	struct maps m = { 0 }, seen;
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;
	uint64_t total_a = 0, total_b = 0, covered = 0;

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 100, &A);
	d = dump_of(&m, 200);	/* A credited 100 (100..200) */
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	total_a += ns_of(&s, &A, 0);
	covered += ns_of(&s, &A, 0) + s.idle_ns[0];
	/* Sample 2: the map is read (A still running), then A -> B at 290, then the CPU state. */
	seen = m;
	sw(&m, 0, 290, &B);
	memcpy(seen.cpus, m.cpus, sizeof(m.cpus));
	d = dump_of(&seen, 300);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 0);	/* its slice is not in the map read yet */
	assert_int_equal(ns_of(&s, &B, 0), 10);	/* no entry yet: named from the CPU state */
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	covered += ns_of(&s, &A, 0) + ns_of(&s, &B, 0) + s.idle_ns[0];
	/* Sample 3: A's completed slice (190) arrives; 100 of it was credited already. */
	sw(&m, 0, 350, &IDLE);
	d = dump_of(&m, 400);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 90);
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	covered += ns_of(&s, &A, 0) + ns_of(&s, &B, 0) + s.idle_ns[0];
	assert_int_equal(total_a, 190);
	assert_int_equal(total_b, 60);
	/* Every ns of cpu0 from 0 to 400 named exactly once (0..100 is before the first switch). */
	assert_int_equal(covered, 300);
	ebpf_agg_free(a);
}

static void test_exited_task_reported_then_forgotten(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;
	const struct sched_key *ex;
	const uint32_t *ex_tgids;

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &B2);
	sw(&m, 0, 40, &A);
	/* A exits at 70: sched_process_exit charges the slice and marks it. */
	val(&m, &A, 0)->oncpu_ns += 30;
	val(&m, &A, 0)->flags |= SCHED_TASK_EXITED;
	m.cpus[0].last_ns = 70;
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_non_null(task_of(&s, &A));
	assert_true(task_of(&s, &A)->flags & ACTIVITY_TASK_EXITED);
	/* 30 completed + 30 still running at 100 (its last switch has not happened yet). */
	assert_int_equal(ns_of(&s, &A, 0), 60);
	assert_int_equal(ebpf_agg_exited(a, &ex), 1);
	assert_memory_equal(ex, &A, sizeof(A));
	assert_int_equal(ebpf_agg_exited_tgids(a, &ex_tgids), 1);
	assert_int_equal(ex_tgids[0], 100);
	/* The caller deletes it; A's final switch at 110 recreates it (flagged again). */
	remove_key(&m, &A);
	sw(&m, 0, 110, &IDLE);
	val(&m, &A, 0)->flags |= SCHED_TASK_EXITED;
	d = dump_of(&m, 200);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	/* 40 since 70, of which 30 were credited: 10 left, exactly. */
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_true(activity_coverage(&s, 0) == 1.0);
	ebpf_agg_free(a);
}

static void test_reused_pid_stays_two_rows(void **state)
{
	const struct sched_key old = { 300, 300, 1000 }, reused = { 300, 300, 9000 };
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &old);
	identity(&m, &old, 0, "first", 10);
	val(&m, &old, 0)->flags |= SCHED_TASK_EXITED;
	sw(&m, 0, 30, &reused);
	identity(&m, &reused, 0, "second", 30);
	sw(&m, 0, 80, &IDLE);
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.ntasks, 2);
	assert_int_equal(ns_of(&s, &old, 0), 20);
	assert_int_equal(ns_of(&s, &reused, 0), 50);
	assert_string_equal(task_of(&s, &old)->comm, "first");
	assert_string_equal(task_of(&s, &reused)->comm, "second");
	ebpf_agg_free(a);
}

static void test_newest_comm_wins_across_cpus(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	sw(&m, 0, 1, &A);
	identity(&m, &A, 0, "sh", 1);
	sw(&m, 0, 50, &IDLE);
	sw(&m, 1, 60, &A);
	identity(&m, &A, 1, "make", 60);	/* exec'd on cpu1 */
	sw(&m, 1, 90, &IDLE);
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_string_equal(task_of(&s, &A)->comm, "make");
	assert_int_equal(task_of(&s, &A)->oncpu_ns, 49 + 30);
	assert_int_equal(task_of(&s, &A)->nrows, 2);
	ebpf_agg_free(a);
}

static void test_full_map_is_lost_not_hidden(void **state)
{
	const struct sched_key nameless = { 400, 400, 1 };
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &A);
	sw(&m, 0, 50, &IDLE);
	/* A task that could not get an entry: BPF counted its slice as lost. */
	m.cpus[0].lost_ns += 20;
	m.cpus[0].dropped += 1;
	/* ... and one running now, also without an entry: named from the CPU state. */
	m.cpus[1].last_ns = 70;
	m.cpus[1].idle_ns += 69;
	m.cpus[1].cur_tgid = nameless.tgid;
	m.cpus[1].cur_pid = nameless.pid;
	m.cpus[1].cur_start_ns = nameless.start_ns;
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.lost_ns[0], 20);
	assert_int_equal(s.lost_ns[1], 0);
	assert_int_equal(s.dropped, 1);
	assert_int_equal(ns_of(&s, &nameless, 1), 30);
	assert_true(task_of(&s, &nameless)->flags & ACTIVITY_TASK_NEW);
	assert_true(activity_coverage(&s, 1) == 0.99);	/* 0..1 was before the first switch */
	/* 70 ns named of 90 busy. */
	assert_true(s.captured > 0.777 && s.captured < 0.778);
	/* Its slice ends at 150 with no entry: BPF adds it to lost; 30 of it was named. */
	m.cpus[1].lost_ns += 80;
	m.cpus[1].dropped += 1;
	m.cpus[1].last_ns = 150;
	m.cpus[1].cur_tgid = m.cpus[1].cur_pid = 0;
	m.cpus[1].cur_start_ns = 0;
	d = dump_of(&m, 200);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.lost_ns[1], 50);
	assert_int_equal(s.idle_ns[1], 50);
	assert_int_equal(s.dropped, 1);
	assert_true(activity_coverage(&s, 1) + (double)s.lost_ns[1] / 100 == 1.0);
	ebpf_agg_free(a);
}

static void test_irq_time_is_named_not_charged(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &A);
	/* A's slice 10..60: the kernel accounted 35 ns, 15 were interrupts or steal. */
	sw_irq(&m, 0, 60, 35, &IDLE);
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 35);
	assert_int_equal(s.irq_ns[0], 15);
	assert_int_equal(s.irq_ns[1], 0);
	assert_int_equal(s.lost_ns[0], 0);
	/* 1..100 is named: 9 + 40 idle, 35 A, 15 irq (0..1 was before the first switch). */
	assert_true(activity_coverage(&s, 0) == 0.99);
	/* Only the difference counts in the next interval. */
	d = dump_of(&m, 200);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.irq_ns[0], 0);
	assert_true(activity_coverage(&s, 0) == 1.0);
	ebpf_agg_free(a);
}

/* One step at t_ns, with `est0` as CPU 0's running-slice irq estimate (CPU 1: none). */
static void step_est(struct ebpf_agg *a, const struct maps *m, uint64_t t_ns, uint64_t est0,
		     struct activity_sample *s)
{
	static uint64_t est[NSLOTS];
	struct ebpf_dump d = dump_of(m, t_ns);

	est[0] = est0;
	est[1] = 0;
	d.open_irq_ns = est;
	assert_int_equal(ebpf_agg_step(a, &d, s), 0);
}

/*
 * A long slice stolen from while it runs: the estimate of its irq so far
 * (d.open_irq_ns) is named irq at once rather than credited to the task,
 * and both parts are repaid when the slice completes.
 */
static void test_running_slice_steal_is_named_early(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;

	all_ok(&m);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &A);
	/* 100: A ran 60 of its 90 so far, 30 were stolen; the estimate says 30. */
	step_est(a, &m, 100, 30, &s);
	assert_int_equal(ns_of(&s, &A, 0), 60);
	assert_int_equal(s.irq_ns[0], 30);
	assert_true(activity_coverage(&s, 0) == 0.99);	/* 0..1 was before the first switch */
	/* 200: 50 stolen in all: 20 more irq, 80 more for A. */
	step_est(a, &m, 200, 50, &s);
	assert_int_equal(ns_of(&s, &A, 0), 80);
	assert_int_equal(s.irq_ns[0], 20);
	/* 250: the slice ends; the kernel accounted A 180 of its 240 (60 stolen). */
	sw_irq(&m, 0, 250, 180, &IDLE);
	d = dump_of(&m, 300);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(ns_of(&s, &A, 0), 180 - 140);
	assert_int_equal(s.irq_ns[0], 60 - 50);
	assert_int_equal(s.idle_ns[0], 50);
	assert_true(activity_coverage(&s, 0) == 1.0);
	/* Nothing owed is left over. */
	d = dump_of(&m, 400);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.irq_ns[0], 0);
	assert_int_equal(s.idle_ns[0], 100);
	ebpf_agg_free(a);
}

/* An estimate that falls back, or exceeds the slice, takes back nothing reported. */
static void test_running_slice_irq_never_shrinks(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;

	all_ok(&m);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 10, &A);
	step_est(a, &m, 100, 40, &s);
	assert_int_equal(ns_of(&s, &A, 0), 50);
	assert_int_equal(s.irq_ns[0], 40);
	/* A lower estimate: irq stays at 40, A gets the whole 100 since. */
	step_est(a, &m, 200, 10, &s);
	assert_int_equal(ns_of(&s, &A, 0), 100);
	assert_int_equal(s.irq_ns[0], 0);
	/* More than the slice: at most the time since, and A's credit stays. */
	step_est(a, &m, 260, 1000, &s);
	assert_int_equal(ns_of(&s, &A, 0), 0);
	assert_int_equal(s.irq_ns[0], 60);
	assert_true(activity_coverage(&s, 0) == 1.0);
	/* The idle task's slice is never irq. */
	sw_irq(&m, 0, 270, 160, &IDLE);
	step_est(a, &m, 300, 5, &s);
	assert_int_equal(s.idle_ns[0], 30);
	/* A's counter: 160, of which 150 credited; irq 100 counted, 100 credited. */
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_int_equal(s.irq_ns[0], 0);
	ebpf_agg_free(a);
}

/* The estimate from a running task's schedstat: sure irq only, never more than the truth. */
static void test_open_irq_estimate(void **state)
{
	const uint64_t ms = 1000000;

	/* 100 ms of slice, 100 ms of run (the read is a little later): nothing. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 5 * ms, 105 * ms + 20), 0);
	/* 100 ms of slice, 95 ms of run: the 5 ms may be the tick's lag. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 5 * ms, 100 * ms), 0);
	/* Exactly a tick's lag: still nothing sure. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 0, 90 * ms), 0);
	/* 100 ms of slice, 60 ms of run: 40 missing, of which 30 surely irq. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 20 * ms, 80 * ms), 30 * ms);
	/* The whole slice stolen. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 7 * ms, 7 * ms), 90 * ms);
	/* A run time older than the slice's start: another task with that PID. */
	assert_int_equal(ebpf_open_irq_ns(1100 * ms, 1000 * ms, 20 * ms, 19 * ms), 0);
	/* A sample before the slice (the clock read first): nothing. */
	assert_int_equal(ebpf_open_irq_ns(999 * ms, 1000 * ms, 0, 0), 0);
}

/* /sys/devices/system/cpu/nohz_full as the kernel writes it, and when it is not that. */
static void test_nohz_full_list(void **state)
{
	struct cpuset cs;

	assert_int_equal(ebpf_nohz_full("(null)\n", 7, 8, &cs), 0);
	assert_int_equal(cpuset_count(&cs), 0);
	assert_int_equal(ebpf_nohz_full("", -ENOENT, 8, &cs), 0); /* no NO_HZ_FULL */
	assert_int_equal(cpuset_count(&cs), 0);
	assert_int_equal(ebpf_nohz_full("\n", 1, 8, &cs), 0);
	assert_int_equal(cpuset_count(&cs), 0);
	assert_int_equal(ebpf_nohz_full("2-3,6\n", 6, 8, &cs), 0);
	assert_int_equal(cpuset_count(&cs), 3);
	assert_true(cpuset_test(&cs, 2) && cpuset_test(&cs, 3) && cpuset_test(&cs, 6));
	assert_false(cpuset_test(&cs, 0) || cpuset_test(&cs, 4));
	/* Not a list: every CPU is treated as tickless, and the caller is told. */
	assert_int_equal(ebpf_nohz_full("2-x\n", 4, 8, &cs), -EINVAL);
	assert_int_equal(cpuset_count(&cs), 8);
}

/*
 * Random schedules with steal inside task slices, sampled with the exact
 * estimate of each running slice's steal: every task gets its run time,
 * irq the steal, idle the rest, to the nanosecond.
 */
static void test_random_steal_adds_up(void **state)
{
	static const struct sched_key pool[] = {
		{ 0, 0, 0 }, { 10, 10, 1 }, { 11, 11, 2 }, { 12, 12, 3 }, { 12, 13, 4 },
	};
	enum { NPOOL = sizeof(pool) / sizeof(pool[0]) };

	srand(777);
	for (int round = 0; round < 200; round++) {
		struct maps m = { 0 }, seen;
		struct ebpf_agg *a = agg_at(0);
		struct ebpf_agg *b = agg_at(0);
		struct activity_sample s;
		struct ebpf_dump d;
		uint64_t truth[NPOOL] = { 0 }, got[NPOOL] = { 0 }, now = 1;
		uint64_t irq_truth = 0, irq_got = 0, est[NSLOTS];
		unsigned cur[NSLOTS] = { 0, 0 };
		/* mark: until when c's steal has been drawn */
		uint64_t since[NSLOTS], stolen[NSLOTS] = { 0, 0 }, mark[NSLOTS];

		all_ok(&m);
		for (unsigned c = 0; c < NSLOTS; c++) {
			sw(&m, c, now, &pool[0]);
			since[c] = mark[c] = now;
		}
		for (int step = 0; step < 61; step++) {
			bool last = step == 60;	/* every CPU switches to idle: all slices end */
			int nsw = last ? NSLOTS : rand() % 4;

			for (int i = 0; i < nsw; i++) {
				unsigned c = last ? (unsigned)i : (unsigned)(rand() % NSLOTS), next = 0;
				now += 1 + (uint64_t)(rand() % 50);
				/* Some of the time since the last event on c was stolen. */
				if (cur[c])
					stolen[c] += (uint64_t)rand() % (now - mark[c] + 1);
				while (!last && (next = (unsigned)(rand() % NPOOL)) && next == cur[!c])
					;
				if (cur[c]) {
					uint64_t run = now - since[c] - stolen[c];

					truth[cur[c]] += run;
					irq_truth += stolen[c];
					sw_irq(&m, c, now, run, &pool[next]);
				} else {
					truth[0] += now - since[c];
					sw(&m, c, now, &pool[next]);
				}
				cur[c] = next;
				since[c] = mark[c] = now;
				stolen[c] = 0;
			}
			now += 1 + (uint64_t)(rand() % 20);
			seen = m;
			memcpy(seen.cpus, m.cpus, sizeof(m.cpus));
			for (unsigned c = 0; c < NSLOTS; c++) {
				if (cur[c] && !last)
					stolen[c] += (uint64_t)rand() % (now - mark[c] + 1);
				mark[c] = now;
				est[c] = stolen[c];
			}
			d = dump_of(&seen, now);
			d.open_irq_ns = est;
			step_both(a, b, &d, &s);
			for (size_t i = 0; i < NPOOL; i++)
				for (unsigned c = 0; c < NSLOTS; c++)
					got[i] += i ? ns_of(&s, &pool[i], c) : s.idle_ns[c];
			for (unsigned c = 0; c < NSLOTS; c++)
				irq_got += s.irq_ns[c];
		}
		for (unsigned c = 0; c < NSLOTS; c++)
			truth[0] += now - since[c];	/* idle since the last switches */
		for (size_t i = 0; i < NPOOL; i++)
			if (got[i] != truth[i])
				fail_msg("round %d: task %zu got %llu, truth %llu", round, i,
					 (unsigned long long)got[i], (unsigned long long)truth[i]);
		if (irq_got != irq_truth)
			fail_msg("round %d: irq %llu, truth %llu", round, (unsigned long long)irq_got,
				 (unsigned long long)irq_truth);
		ebpf_agg_free(a);
		ebpf_agg_free(b);
	}
}

static void test_torn_cpu_copy_is_caught_up_later(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;
	uint64_t idle1 = 0;

	all_ok(&m);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 1, 40, &IDLE);
	m.ok[1] = false;
	d = dump_of(&m, 100);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.idle_ns[1], 0);
	idle1 += s.idle_ns[1];
	m.ok[1] = true;
	d = dump_of(&m, 200);
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	idle1 += s.idle_ns[1];
	assert_int_equal(idle1, 199);
	ebpf_agg_free(a);
}

static void test_syscalls_go_to_the_main_thread_row(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = agg_at(0);
	struct activity_sample s;
	struct ebpf_dump d;
	uint32_t tgids[1] = { 200 };
	uint64_t counts[2][NSLOTS] = { { 5, 7 }, { 6, 10 } };

	all_ok(&m);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 0, 1, &B2);
	sw(&m, 0, 20, &B);
	sw(&m, 0, 30, &IDLE);
	d = dump_of(&m, 100);
	d.nsys = 1;
	d.sys_tgids = tgids;
	d.sys_counts = counts[0];
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(task_of(&s, &B)->syscalls, 12);
	assert_int_equal(task_of(&s, &B2)->syscalls, 0);
	/* Only the second thread runs now: the process's count goes on its row. */
	sw(&m, 0, 150, &B2);
	sw(&m, 0, 160, &IDLE);
	d = dump_of(&m, 200);
	d.nsys = 1;
	d.sys_tgids = tgids;
	d.sys_counts = counts[1];
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_null(task_of(&s, &B));
	assert_int_equal(task_of(&s, &B2)->syscalls, 4);
	ebpf_agg_free(a);
}

/*
 * Random schedules on two CPUs, sampled while switches keep happening
 * between the map read and the CPU-state read (a preempted or slow reader):
 * whatever each interval shows, the totals must equal the truth.
 */
static void test_random_schedules_add_up(void **state)
{
	static const struct sched_key pool[] = {
		{ 0, 0, 0 }, { 10, 10, 1 }, { 11, 11, 2 }, { 12, 12, 3 }, { 12, 13, 4 }, { 14, 14, 5 },
	};
	enum { NPOOL = sizeof(pool) / sizeof(pool[0]) };

	srand(12345);
	for (int round = 0; round < 200; round++) {
		struct maps m = { 0 }, seen;
		struct ebpf_agg *a = agg_at(0);
		struct ebpf_agg *b = agg_at(0);
		struct activity_sample s;
		struct ebpf_dump d;
		uint64_t truth[NPOOL] = { 0 }, got[NPOOL] = { 0 }, now = 1;
		unsigned cur[NSLOTS] = { 0, 0 };
		uint64_t since[NSLOTS];

		all_ok(&m);
		for (unsigned c = 0; c < NSLOTS; c++) {
			sw(&m, c, now, &pool[0]);
			since[c] = now;
		}
		for (int step = 0; step < 60; step++) {
			bool quiet = step == 59;
			int nsw = rand() % 4;

			/* Switches before the map read. */
			for (int i = 0; i < nsw; i++) {
				unsigned c = (unsigned)(rand() % NSLOTS), next;

				now += 1 + (uint64_t)(rand() % 50);
				do
					next = (unsigned)(rand() % NPOOL);
				while (next && next == cur[!c]);	/* a task runs on one CPU at a time */
				truth[cur[c]] += now - since[c];
				sw(&m, c, now, &pool[next]);
				cur[c] = next;
				since[c] = now;
			}
			now += 1 + (uint64_t)(rand() % 20);
			seen = m;	/* the map read */
			/* Switches after it, before the CPU states are read. */
			for (int i = 0; !quiet && i < rand() % 3; i++) {
				unsigned c = (unsigned)(rand() % NSLOTS), next;

				now += 1 + (uint64_t)(rand() % 20);
				do
					next = (unsigned)(rand() % NPOOL);
				while (next && next == cur[!c]);
				truth[cur[c]] += now - since[c];
				sw(&m, c, now, &pool[next]);
				cur[c] = next;
				since[c] = now;
			}
			memcpy(seen.cpus, m.cpus, sizeof(m.cpus));
			now += 1 + (uint64_t)(rand() % 20);
			d = dump_of(&seen, now);
			step_both(a, b, &d, &s);
			for (size_t i = 0; i < NPOOL; i++)
				for (unsigned c = 0; c < NSLOTS; c++)
					got[i] += i ? ns_of(&s, &pool[i], c) : s.idle_ns[c];
		}
		/* The running slices up to the last sample count too. */
		for (unsigned c = 0; c < NSLOTS; c++)
			truth[cur[c]] += now - since[c];
		for (size_t i = 0; i < NPOOL; i++)
			if (got[i] != truth[i])
				fail_msg("round %d: task %zu got %llu, truth %llu", round, i,
					 (unsigned long long)got[i], (unsigned long long)truth[i]);
		ebpf_agg_free(a);
		ebpf_agg_free(b);
	}
}

static void test_bad_arguments(void **state)
{
	struct maps m = { 0 };
	struct ebpf_agg *a = NULL;
	struct activity_sample s;
	struct ebpf_dump d = dump_of(&m, 10);

	assert_int_equal(ebpf_agg_new(0, NSLOTS, 0, &a), -EINVAL);
	assert_int_equal(ebpf_agg_new(3, NSLOTS, 0, &a), -EINVAL);
	assert_null(a);
	a = agg_at(0);
	d.nslots = NSLOTS + 1;
	assert_int_equal(ebpf_agg_step(a, &d, &s), -EINVAL);
	assert_null(ebpf_agg_free(a));
	assert_null(ebpf_agg_free(NULL));
	assert_true(activity_coverage(NULL, 0) == 0.0);
}

/* Map sizing: the documented rule's cases, figures worked out by hand. */
static void test_task_map_plan(void **state)
{
	struct task_map_plan p;

	/* 2 CPUs, 24 GiB: an entry is 64 + 2 x 72 = 208 B; pid_max 32768 fits (6.8 MB). */
	p = task_map_plan_for(32768, 24ull << 30, 2, 150);
	assert_int_equal(p.entries, 32768);
	assert_true(p.prealloc);
	/* systemd's pid_max 4194304 does not: the 64 MiB budget holds 322638 entries. */
	p = task_map_plan_for(4194304, 24ull << 30, 2, 150);
	assert_int_equal(p.entries, 322638);
	assert_true(p.prealloc);
	/* 64 CPUs: 4672 B an entry, 14364 fit: enough for 3000 tasks alive ... */
	p = task_map_plan_for(4194304, 256ull << 30, 64, 3000);
	assert_int_equal(p.entries, 14364);
	assert_true(p.prealloc);
	/* ... not for 4000 (4 x 4000 > 14364): pid_max entries, allocated as tasks appear. */
	p = task_map_plan_for(4194304, 256ull << 30, 64, 4000);
	assert_int_equal(p.entries, 4194304);
	assert_false(p.prealloc);
	/* 64 MiB of RAM: a 1 MiB budget, 5041 entries. */
	p = task_map_plan_for(32768, 64ull << 20, 2, 100);
	assert_int_equal(p.entries, 5041);
	assert_true(p.prealloc);
	/* RAM unknown (0): the 64 MiB budget alone. */
	p = task_map_plan_for(4194304, 0, 2, 0);
	assert_int_equal(p.entries, 322638);
	/* pid_max is clamped to SCHED_TASKS_MIN. */
	p = task_map_plan_for(300, 24ull << 30, 2, 10);
	assert_int_equal(p.entries, SCHED_TASKS_MIN);
	assert_true(p.prealloc);
	/* A budget below SCHED_TASKS_MIN entries is never preallocated. */
	p = task_map_plan_for(32768, 8ull << 20, 64, 1);
	assert_int_equal(p.entries, 32768);
	assert_false(p.prealloc);
	(void)state;
}

/*
 * ebpf_fold against values worked out by hand: comm, cgroup and uid of the
 * copy written last, parentage of the earliest written copy that has it,
 * every copy's flags, and the times of the sample's CPUs only.
 */
static void test_fold_picks_each_field_from_its_copy(void **state)
{
	struct sched_key k = { 300, 301, 42 };
	struct sched_val v[3] = { 0 };
	struct activity_task r;
	uint64_t ns[3] = { 9, 9, 9 };

	v[0] = (struct sched_val){ .oncpu_ns = 11, .comm_ns = 50, .cgroup_id = 1, .uid = 10,
				   .flags = SCHED_TASK_KERNEL, .ppid = 7, .parent_start_ns = 70,
				   .proc_start_ns = 71 };
	v[1] = (struct sched_val){ .oncpu_ns = 22, .comm_ns = 90, .cgroup_id = 2, .uid = 20,
				   .flags = SCHED_TASK_EXITED, .ppid = 8, .parent_start_ns = 80,
				   .proc_start_ns = 81 };
	v[2] = (struct sched_val){ .oncpu_ns = 33, .comm_ns = 30, .cgroup_id = 3, .uid = 30 };
	snprintf(v[0].comm, sizeof(v[0].comm), "zero");
	snprintf(v[1].comm, sizeof(v[1].comm), "one");
	snprintf(v[2].comm, sizeof(v[2].comm), "two");
	ebpf_fold(&k, v, 3, 2, &r, ns);
	assert_int_equal(r.key.tgid, 300);
	assert_int_equal(r.key.tid, 301);
	assert_int_equal(r.key.start_ns, 42);
	assert_string_equal(r.comm, "one");
	assert_int_equal(r.cgroup_id, 2);
	assert_int_equal(r.uid, 20);
	assert_int_equal(r.flags, ACTIVITY_TASK_KERNEL | ACTIVITY_TASK_EXITED);
	assert_int_equal(r.oncpu_ns, 0);
	assert_int_equal(r.nrows, 0);
	/* Copy 2 is the earliest written but has no parent: copy 0's. */
	assert_int_equal(r.ppid, 7);
	assert_int_equal(r.parent_start_ns, 70);
	assert_int_equal(r.proc_start_ns, 71);
	assert_int_equal(ns[0], 11);
	assert_int_equal(ns[1], 22);
	assert_int_equal(ns[2], 9);	/* beyond ncpus: not written */
	/* No copy with a parent: none. */
	v[0].ppid = v[1].ppid = 0;
	ebpf_fold(&k, v, 3, 3, &r, ns);
	assert_int_equal(r.ppid, 0);
	assert_int_equal(r.parent_start_ns, 0);
	assert_int_equal(ns[2], 33);
	(void)state;
}

#define BIG_POOL 700
#define BIG_CPUS 3

/*
 * Hundreds of tasks (the aggregator's tables grow and shrink), appearing,
 * running, exiting and coming back, in a shuffled map order, with syscall
 * counters: each sample must hold exactly each task's difference since the
 * previous reading (all of it for a task new to the map), its exit, and its
 * process's syscalls on one row of the process; the same maps given folded
 * (the collector's form, the sample written over it) must give the same
 * samples byte for byte.
 */
static void test_many_tasks_against_reference(void **state)
{
	struct sched_key *keys = calloc(BIG_POOL, sizeof(*keys));
	struct sched_val *vals = calloc((size_t)BIG_POOL * BIG_CPUS, sizeof(*vals));
	/* Room for the running slices' tasks after the entries (none here: no switch yet). */
	struct activity_task *recs = calloc(BIG_POOL + BIG_CPUS, sizeof(*recs));
	uint64_t *oncpu = calloc((size_t)BIG_POOL * BIG_CPUS, sizeof(*oncpu));
	uint64_t(*cum)[BIG_CPUS] = calloc(BIG_POOL, sizeof(*cum));
	uint64_t(*prev)[BIG_CPUS] = calloc(BIG_POOL, sizeof(*prev));
	uint64_t *sys = calloc(BIG_POOL, sizeof(*sys)), *sys_prev = calloc(BIG_POOL, sizeof(*sys));
	uint64_t *sys_counts = calloc((size_t)BIG_POOL * BIG_CPUS, sizeof(*sys_counts));
	uint32_t *tgids = calloc(BIG_POOL, sizeof(*tgids));
	bool *present = calloc(BIG_POOL, sizeof(*present)), *was = calloc(BIG_POOL, sizeof(*was));
	bool *exits = calloc(BIG_POOL, sizeof(*exits));
	size_t *order = calloc(BIG_POOL, sizeof(*order));
	struct sched_cpu cpus[BIG_CPUS] = { 0 };
	struct ebpf_agg *a = NULL, *b = NULL;

	assert_int_equal(ebpf_agg_new(BIG_CPUS, BIG_CPUS, 0, &a), 0);
	assert_int_equal(ebpf_agg_new(BIG_CPUS, BIG_CPUS, 0, &b), 0);
	srand(4242);
	for (int step = 0; step < 40; step++) {
		/* Busy, then almost empty (the tables shrink), then busy again. */
		int join = step >= 15 && step < 22 ? 50 : 3;
		struct ebpf_dump d = { .t_ns = 1000 * (uint64_t)(step + 1), .nslots = BIG_CPUS,
				       .cpus = cpus };
		struct activity_sample s, s2;
		const struct sched_key *ex;
		size_t n = 0, nsys = 0, expect_tasks = 0, nex;

		for (size_t i = 0; i < BIG_POOL; i++) {
			was[i] = present[i];
			exits[i] = false;
			if (!present[i]) {
				if (rand() % join == 0) {
					present[i] = true;
					memset(cum[i], 0, sizeof(cum[i]));
					sys[i] = 0;
				}
			} else if (step >= 15 && step < 22 ? rand() % 3 == 0 : rand() % 15 == 0) {
				exits[i] = true;
			}
			if (!present[i])
				continue;
			for (unsigned c = 0; c < BIG_CPUS; c++)
				if (rand() % 2)
					cum[i][c] += (uint64_t)(rand() % 1000);
			sys[i] += (uint64_t)(rand() % 5);
			order[n++] = i;
		}
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)rand() % i, t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t o = 0; o < n; o++) {
			size_t i = order[o];

			/* tgid 1000 + i / 4: threads i % 4 of it, the main one first. */
			keys[o] = (struct sched_key){ 1000 + (uint32_t)(i / 4),
						      1000 + (uint32_t)(i / 4) + (uint32_t)(i % 4) * 5000,
						      (uint64_t)i + 1 };
			for (unsigned c = 0; c < BIG_CPUS; c++) {
				struct sched_val *v = &vals[o * BIG_CPUS + c];

				memset(v, 0, sizeof(*v));
				v->oncpu_ns = cum[i][c];
				v->comm_ns = c + 1;
				v->uid = (uint32_t)i;
				snprintf(v->comm, sizeof(v->comm), "t%zu", i);
				if (exits[i] && c == 1)
					v->flags = SCHED_TASK_EXITED;
			}
			ebpf_fold(&keys[o], &vals[o * BIG_CPUS], BIG_CPUS, BIG_CPUS, &recs[o],
				  &oncpu[o * BIG_CPUS]);
			/* The process's counter, once per process (on its main thread's slot). */
			if (i % 4 == 0 && !exits[i]) {
				tgids[nsys] = keys[o].tgid;
				for (unsigned c = 0; c < BIG_CPUS; c++)
					sys_counts[nsys * BIG_CPUS + c] = c == 0 ? sys[i] : 0;
				nsys++;
			}
		}
		d.ntasks = n;
		d.keys = keys;
		d.vals = vals;
		d.nsys = nsys;
		d.sys_tgids = tgids;
		d.sys_counts = sys_counts;
		assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
		d.keys = NULL;
		d.vals = NULL;
		d.tasks = recs;
		d.oncpu_ns = oncpu;
		assert_int_equal(ebpf_agg_step(b, &d, &s2), 0);
		assert_int_equal(s.ntasks, s2.ntasks);
		assert_int_equal(s.nrows, s2.nrows);
		assert_memory_equal(s.tasks, s2.tasks, s.ntasks * sizeof(*s.tasks));
		assert_memory_equal(s.rows, s2.rows, s.nrows * sizeof(*s.rows));

		for (size_t i = 0; i < BIG_POOL; i++) {
			struct sched_key k = { 1000 + (uint32_t)(i / 4),
					       1000 + (uint32_t)(i / 4) + (uint32_t)(i % 4) * 5000,
					       (uint64_t)i + 1 };
			const struct activity_task *t;
			uint64_t sum = 0;

			if (!present[i])
				continue;
			for (unsigned c = 0; c < BIG_CPUS; c++) {
				uint64_t want = cum[i][c] - (was[i] ? prev[i][c] : 0);

				assert_int_equal(ns_of(&s, &k, c), want);
				sum += want;
				prev[i][c] = cum[i][c];
			}
			t = task_of(&s, &k);
			if (!sum && !exits[i]) {
				assert_null(t);
				continue;
			}
			expect_tasks++;
			assert_non_null(t);
			assert_int_equal(t->oncpu_ns, sum);
			assert_int_equal(t->uid, (uint32_t)i);
			assert_int_equal(!!(t->flags & ACTIVITY_TASK_NEW), !was[i]);
			assert_int_equal(!!(t->flags & ACTIVITY_TASK_EXITED), exits[i]);
		}
		assert_int_equal(s.ntasks, expect_tasks);
		/* Syscalls: each process's difference on one of its rows, its main one if there. */
		for (size_t p = 0; p < BIG_POOL; p += 4) {
			uint64_t want = 0, got = 0;
			const struct activity_task *main_t = NULL;
			bool any = false;

			if (present[p] && !exits[p])
				want = sys[p] - (was[p] ? sys_prev[p] : 0);
			for (size_t i = 0; i < s.ntasks; i++) {
				if (s.tasks[i].key.tgid != 1000 + p / 4)
					continue;
				got += s.tasks[i].syscalls;
				any = true;
				if (s.tasks[i].key.tid == s.tasks[i].key.tgid)
					main_t = &s.tasks[i];
			}
			/* No row of the process in the sample: nowhere to put them. */
			assert_int_equal(got, any ? want : 0);
			if (main_t)
				assert_int_equal(main_t->syscalls, got);
			sys_prev[p] = sys[p];
		}
		/* The exited, to delete: exactly those, in both aggregators. */
		nex = ebpf_agg_exited(a, &ex);
		{
			size_t want = 0;

			for (size_t i = 0; i < BIG_POOL; i++)
				want += exits[i];
			assert_int_equal(nex, want);
		}
		for (size_t e = 0; e < nex; e++) {
			size_t i = (size_t)ex[e].start_ns - 1;

			assert_true(i < BIG_POOL && exits[i]);
			present[i] = false;
		}
		{
			const struct sched_key *ex2;

			assert_int_equal(ebpf_agg_exited(b, &ex2), nex);
			assert_memory_equal(ex, ex2, nex * sizeof(*ex));
		}
	}
	ebpf_agg_free(a);
	ebpf_agg_free(b);
	free(keys);
	free(vals);
	free(recs);
	free(oncpu);
	free(cum);
	free(prev);
	free(sys);
	free(sys_prev);
	free(sys_counts);
	free(tgids);
	free(present);
	free(was);
	free(exits);
	free(order);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completed_slices_and_idle),
		cmocka_unit_test(test_running_slice_is_credited_once),
		cmocka_unit_test(test_switch_between_reads_is_not_counted_twice),
		cmocka_unit_test(test_exited_task_reported_then_forgotten),
		cmocka_unit_test(test_reused_pid_stays_two_rows),
		cmocka_unit_test(test_newest_comm_wins_across_cpus),
		cmocka_unit_test(test_full_map_is_lost_not_hidden),
		cmocka_unit_test(test_irq_time_is_named_not_charged),
		cmocka_unit_test(test_running_slice_steal_is_named_early),
		cmocka_unit_test(test_running_slice_irq_never_shrinks),
		cmocka_unit_test(test_random_steal_adds_up),
		cmocka_unit_test(test_open_irq_estimate),
		cmocka_unit_test(test_nohz_full_list),
		cmocka_unit_test(test_torn_cpu_copy_is_caught_up_later),
		cmocka_unit_test(test_syscalls_go_to_the_main_thread_row),
		cmocka_unit_test(test_random_schedules_add_up),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_task_map_plan),
		cmocka_unit_test(test_fold_picks_each_field_from_its_copy),
		cmocka_unit_test(test_many_tasks_against_reference),
};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
