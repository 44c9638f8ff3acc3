/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-activity-ebpf.c - the eBPF collector's userspace side (reader and
 * aggregator) on memory that a model of sched.bpf.c writes: per-interval
 * differences of each task's parts, parts folded into the CPUs' logs when a
 * task moves, the slice running at sample time, exits and slot reuse, PID
 * reuse, a full slot table, full logs, steal, torn reads. Each scenario is a
 * schedule with a known truth (which task ran on which CPU when).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "activity_ebpf.h"
#include "util.h"

#define NCPU 3
#define CAP 64
#define RING 64		/* a power of two >= CAP */
#define MAXLOG 64
#define MAXT 128

/* The maps as sched.bpf.c writes them, and its task-local storage. */
struct model {
	struct sched_cpu cpus[NCPU];
	struct sched_slot slots[CAP];
	struct sched_ident idents[CAP];
	struct sched_fold folds[NCPU * MAXLOG];
	struct sched_ctl ctl;
	uint64_t ring[RING];
	struct {
		struct sched_key key;
		uint32_t slot1;
	} task[MAXT];
	size_t ntask;
	uint32_t cap;
	uint64_t t0;
	struct ebpf_shm shm;
};

static const struct sched_key A = { 100, 100, 5000 };
static const struct sched_key B = { 200, 200, 6000 };
static const struct sched_key B2 = { 200, 201, 6100 };	/* B's second thread */
static const struct sched_key IDLE = { 0, 0, 0 };

static bool key_eq(const struct sched_key *a, const struct sched_key *b)
{
	return a->tgid == b->tgid && a->pid == b->pid && a->start_ns == b->start_ns;
}

static void m_init(struct model *m, uint32_t cap, uint32_t log_len, uint64_t t0)
{
	memset(m, 0, sizeof(*m));
	assert_true(cap <= CAP && log_len <= MAXLOG);
	m->cap = cap;
	m->t0 = t0;
	for (unsigned c = 0; c < NCPU; c++)
		m->cpus[c].cur_slot = SCHED_NONE;
	m->shm = (struct ebpf_shm){ .nslots = NCPU, .cap = cap, .cpus = m->cpus,
				    .slots = m->slots, .idents = m->idents, .folds = m->folds,
				    .log_len = log_len, .ctl = &m->ctl, .ring = m->ring,
				    .ring_mask = RING - 1 };
}

/* The task's storage (created when `create`), or NULL. */
static uint32_t *m_storage(struct model *m, const struct sched_key *k, bool create)
{
	for (size_t i = 0; i < m->ntask; i++)
		if (key_eq(&m->task[i].key, k))
			return &m->task[i].slot1;
	if (!create)
		return NULL;
	assert_true(m->ntask < MAXT);
	m->task[m->ntask].key = *k;
	m->task[m->ntask].slot1 = 0;
	return &m->task[m->ntask++].slot1;
}

/* slot_alloc(): the free ring first, else a never used slot. */
static uint32_t m_alloc(struct model *m)
{
	uint64_t n;

	if (m->ctl.free_head < m->ctl.free_tail)
		return (uint32_t)m->ring[m->ctl.free_head++ & (RING - 1)];
	n = m->ctl.next_new++;
	return n < m->cap ? (uint32_t)n : SCHED_NONE;
}

/*
 * slot_of(): the task's slot, taken (with its identity) when it has none.
 * `running`: the task runs the program (sys_enter, exec), and a slot taken
 * is named as its CPU's running slice's first (name_running()).
 */
static uint32_t m_take(struct model *m, const struct sched_key *k, const char *comm, bool running)
{
	uint32_t *ts = m_storage(m, k, true), idx;
	struct sched_slot *s;
	struct sched_ident *id;

	if (*ts)
		return *ts - 1;
	idx = m_alloc(m);
	if (idx == SCHED_NONE)
		return SCHED_NONE;
	for (unsigned c = 0; running && c < NCPU; c++)
		if (m->cpus[c].cur_pid == k->pid && m->cpus[c].cur_tgid == k->tgid &&
		    m->cpus[c].cur_start_ns == k->start_ns)
			m->cpus[c].cur_slot = idx;
	s = &m->slots[idx];
	id = &m->idents[idx];
	s->seq++;
	s->epoch = 0;
	s->acc_ns = 0;
	s->acc_cpu = SCHED_NONE;
	s->flags = 0;
	s->tgid = k->tgid;
	s->pid = k->pid;
	s->start_ns = k->start_ns;
	s->syscalls = 0;
	snprintf(s->comm, sizeof(s->comm), "%s", comm ? comm : "task");
	id->cgroup_id = 77;
	id->uid = 1000;
	id->ppid = 1;
	id->parent_start_ns = 11;
	id->proc_start_ns = k->start_ns;
	s->seq++;
	*ts = idx + 1;
	return idx;
}

static uint32_t m_slot_of(struct model *m, const struct sched_key *k, const char *comm)
{
	return m_take(m, k, comm, false);
}

/* sched_process_fork: the child's slot, with its parentage. */
static uint32_t m_fork(struct model *m, const struct sched_key *k, const char *comm, uint32_t ppid)
{
	uint32_t idx = m_slot_of(m, k, comm);

	if (idx != SCHED_NONE)
		m->idents[idx].ppid = ppid;
	return idx;
}

/* sched_process_exec: the new comm. */
static void m_exec(struct model *m, const struct sched_key *k, const char *comm)
{
	uint32_t *ts = m_storage(m, k, false);
	struct sched_slot *s;

	if (!ts || !*ts) {
		m_take(m, k, comm, true);
		return;
	}
	s = &m->slots[*ts - 1];
	s->seq++;
	snprintf(s->comm, sizeof(s->comm), "%s", comm);
	s->seq++;
}

/*
 * sys_enter, n times, in the task running on cpu: counted in its slot,
 * which its first call takes when it has none (a task older than the
 * program, in the slice it was switched in with).
 */
static void m_sys(struct model *m, unsigned cpu, uint64_t n)
{
	const struct sched_cpu *c = &m->cpus[cpu];
	struct sched_key k = { c->cur_tgid, c->cur_pid, c->cur_start_ns };
	uint32_t *ts = m_storage(m, &k, false), idx;

	assert_true(k.pid != 0);
	idx = ts && *ts ? *ts - 1 : m_take(m, &k, NULL, true);
	assert_true(idx != SCHED_NONE);	/* no scenario fills the table and makes calls */
	m->slots[idx].syscalls += n;
}

/* charge() and slot_charge(): `run` ns on cpu to task k. */
static void m_charge(struct model *m, unsigned cpu, const struct sched_key *k, uint64_t run,
		     bool dead)
{
	struct sched_cpu *c = &m->cpus[cpu];
	uint32_t idx = SCHED_NONE;
	struct sched_slot *s = NULL;

	c->charged_ns += run;
	if (k->pid == 0) {
		c->idle_ns += run;
		return;
	}
	if (c->cur_slot != SCHED_NONE && c->cur_pid == k->pid) {
		idx = c->cur_slot;
		s = &m->slots[idx];
		if (s->pid != k->pid || s->tgid != k->tgid || s->start_ns != k->start_ns)
			s = NULL;
	}
	if (!s) {
		idx = m_slot_of(m, k, NULL);
		s = idx == SCHED_NONE ? NULL : &m->slots[idx];
	}
	if (!s) {
		c->lost_ns += run;
		c->dropped++;
		return;
	}
	s->seq++;
	if (s->acc_cpu != cpu) {
		if (!s->acc_ns) {
			s->acc_cpu = cpu;
		} else if (c->log_head - c->log_tail >= m->shm.log_len) {
			c->misplaced++;
			s->acc_cpu = cpu;
			s->flags |= SCHED_PART_MOVED;
		} else {
			struct sched_fold *f =
				&m->folds[cpu * m->shm.log_len + (c->log_head & (m->shm.log_len - 1))];

			*f = (struct sched_fold){ idx, s->epoch, s->acc_cpu, s->flags & SCHED_PART_MOVED,
						  s->acc_ns };
			c->log_head++;
			s->epoch++;
			s->acc_ns = 0;
			s->acc_cpu = cpu;
			s->flags &= ~SCHED_PART_MOVED;
		}
	}
	s->acc_ns += run;
	if (dead)
		s->flags |= SCHED_TASK_EXITED;
	s->seq++;
}

/*
 * sched_switch on `cpu` at `now`: the outgoing task is charged `run` of the
 * slice (UINT64_MAX: all of it), the rest is irq; `dead`: its final switch.
 */
static void m_sw_full(struct model *m, unsigned cpu, uint64_t now, const struct sched_key *next,
		      uint64_t run, bool dead)
{
	struct sched_cpu *c = &m->cpus[cpu];
	struct sched_key prev = { c->cur_tgid, c->cur_pid, c->cur_start_ns };
	uint64_t last = c->last_ns ? c->last_ns : m->t0;
	uint32_t *ts;

	c->gen_start = c->gen_done + 1;
	if (last && now > last) {
		uint64_t wall = now - last;

		if (run > wall || prev.pid == 0)
			run = wall;
		m_charge(m, cpu, &prev, run, dead);
		c->irq_ns += wall - run;
		c->charged_ns += wall - run;
	}
	ts = next->pid ? m_storage(m, next, false) : NULL;
	c->last_ns = now;
	c->cur_tgid = next->tgid;
	c->cur_pid = next->pid;
	c->cur_start_ns = next->start_ns;
	c->cur_slot = ts && *ts ? *ts - 1 : SCHED_NONE;
	c->gen_done = c->gen_start;
}

static void sw(struct model *m, unsigned cpu, uint64_t now, const struct sched_key *next)
{
	m_sw_full(m, cpu, now, next, UINT64_MAX, false);
}

/* The reader and the aggregator over one model, as activity_ebpf.c drives them. */
struct harness {
	struct model *m;
	struct ebpf_reader *r;
	struct ebpf_agg *a;
	const uint64_t *open_irq_ns;
};

static void h_init(struct harness *h, struct model *m, unsigned ncpus)
{
	h->m = m;
	h->open_irq_ns = NULL;
	assert_int_equal(ebpf_reader_new(NCPU, m->cap, &h->r), 0);
	assert_int_equal(ebpf_agg_new(ncpus, NCPU, m->t0, &h->a), 0);
}

static void h_free(struct harness *h)
{
	ebpf_reader_free(h->r);
	ebpf_agg_free(h->a);
}

/*
 * One sample at t_ns; `between` (when not NULL) runs after the log heads
 * were noted (phase 0) and after the slots were read (phase 1), as switches
 * on other CPUs may.
 */
static void h_sample_between(struct harness *h, uint64_t t_ns,
			     void (*between)(void *arg, int phase), void *arg,
			     struct activity_sample *s)
{
	struct ebpf_dump d;
	const uint32_t *rec;
	size_t n;

	ebpf_read_cpus(h->r, &h->m->shm);
	ebpf_read_begin(h->r, &h->m->shm);
	if (between)
		between(arg, 0);
	assert_int_equal(ebpf_read_slots(h->r, &h->m->shm), 0);
	if (between)
		between(arg, 1);
	ebpf_read_cpus(h->r, &h->m->shm);
	assert_int_equal(ebpf_read_running(h->r, &h->m->shm), 0);
	ebpf_read_dump(h->r, &h->m->shm, &d);
	d.t_ns = t_ns;
	d.open_irq_ns = h->open_irq_ns;
	assert_int_equal(ebpf_agg_step(h->a, &d, s), 0);
	n = ebpf_agg_recycle(h->a, &rec);
	ebpf_read_commit(h->r, &h->m->shm, rec, n);
}

static void h_sample(struct harness *h, uint64_t t_ns, struct activity_sample *s)
{
	h_sample_between(h, t_ns, NULL, NULL, s);
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

static void test_completed_slices_and_idle(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 1000);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "alpha", 1);
	m_fork(&m, &B, "beta", 1);
	/* cpu0: idle until 1000 (primed), A 1000-1400, B 1400-1900, idle 1900-2000. */
	sw(&m, 0, 1000, &A);
	sw(&m, 0, 1400, &B);
	sw(&m, 0, 1900, &IDLE);
	/* cpu1 and cpu2: idle from 1000 on. */
	sw(&m, 1, 1000, &IDLE);
	sw(&m, 2, 1000, &IDLE);
	h_sample(&h, 2000, &s);
	assert_int_equal(s.start_ns, 1000);
	assert_int_equal(s.end_ns, 2000);
	assert_int_equal(s.ntasks, 2);
	assert_int_equal(ns_of(&s, &A, 0), 400);
	assert_int_equal(ns_of(&s, &B, 0), 500);
	assert_int_equal(s.idle_ns[0], 100);
	assert_int_equal(s.idle_ns[1], 1000);
	assert_true(activity_coverage(&s, 0) == 1.0);
	assert_true(activity_coverage(&s, 1) == 1.0);
	assert_true(activity_coverage(&s, 3) == 0.0);
	assert_string_equal(task_of(&s, &A)->comm, "alpha");
	assert_int_equal(task_of(&s, &A)->uid, 1000);
	assert_int_equal(task_of(&s, &A)->cgroup_id, 77);
	assert_int_equal(task_of(&s, &A)->ppid, 1);
	assert_int_equal(task_of(&s, &A)->parent_start_ns, 11);
	assert_int_equal(task_of(&s, &A)->proc_start_ns, 5000);
	assert_true(task_of(&s, &A)->flags & ACTIVITY_TASK_NEW);
	assert_true(s.captured == 1.0);
	assert_int_equal(s.dropped, 0);

	/* Nothing ran in the second interval but idle: no task rows, A is not new any more. */
	h_sample(&h, 3000, &s);
	assert_int_equal(s.ntasks, 0);
	assert_int_equal(s.idle_ns[0], 1000);
	assert_int_equal(s.idle_ns[1], 1000);
	sw(&m, 0, 3100, &A);
	sw(&m, 0, 3200, &IDLE);
	h_sample(&h, 4000, &s);
	assert_int_equal(ns_of(&s, &A, 0), 100);
	assert_false(task_of(&s, &A)->flags & ACTIVITY_TASK_NEW);
	h_free(&h);
	(void)state;
}

static void test_running_slice_is_credited_once(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint64_t total_a = 0, total_b = 0;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	m_fork(&m, &B, "b", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 100, &A);	/* A runs 100..250, across a sample at 200 */
	h_sample(&h, 200, &s);
	assert_int_equal(ns_of(&s, &A, 0), 100);
	total_a += ns_of(&s, &A, 0);
	sw(&m, 0, 250, &B);
	h_sample(&h, 300, &s);
	assert_int_equal(ns_of(&s, &A, 0), 50);
	assert_int_equal(ns_of(&s, &B, 0), 50);
	assert_true(activity_coverage(&s, 0) == 1.0);
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	/* B still running: credited again, only the new part. */
	h_sample(&h, 450, &s);
	assert_int_equal(ns_of(&s, &B, 0), 150);
	total_b += ns_of(&s, &B, 0);
	assert_int_equal(total_a, 150);
	assert_int_equal(total_b, 200);
	h_free(&h);
	(void)state;
}

struct between_switch {
	struct model *m;
	int phase;
	unsigned cpu;
	uint64_t now;
	const struct sched_key *next;
};

static void do_between(void *arg, int phase)
{
	struct between_switch *b = arg;

	if (phase == b->phase)
		sw(b->m, b->cpu, b->now, b->next);
}

/*
 * A slice that completes after the slots were read but before the CPU state
 * was: this interval misses it, the next one has it; nothing twice.
 */
static void test_switch_between_reads_is_not_counted_twice(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint64_t total_a = 0, total_b = 0, covered = 0;
	struct between_switch b = { &m, 1, 0, 290, &B };

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	m_fork(&m, &B, "b", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 100, &A);
	h_sample(&h, 200, &s);	/* A credited 100 (100..200) */
	total_a += ns_of(&s, &A, 0);
	covered += ns_of(&s, &A, 0) + s.idle_ns[0];
	/* Sample 2: the slots are read (A still running), then A -> B at 290, then the CPU state. */
	h_sample_between(&h, 300, do_between, &b, &s);
	assert_int_equal(ns_of(&s, &A, 0), 0);	/* its slice is not in the slots read yet */
	assert_int_equal(ns_of(&s, &B, 0), 10);	/* B's running slice */
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	covered += ns_of(&s, &A, 0) + ns_of(&s, &B, 0) + s.idle_ns[0];
	/* Sample 3: A's completed slice (190) arrives; 100 of it was credited already. */
	sw(&m, 0, 350, &IDLE);
	h_sample(&h, 400, &s);
	assert_int_equal(ns_of(&s, &A, 0), 90);
	total_a += ns_of(&s, &A, 0);
	total_b += ns_of(&s, &B, 0);
	covered += ns_of(&s, &A, 0) + ns_of(&s, &B, 0) + s.idle_ns[0];
	assert_int_equal(total_a, 190);
	assert_int_equal(total_b, 60);
	/* Every ns of cpu0 from 0 to 400 named exactly once (0..100 is before the first switch). */
	assert_int_equal(covered, 300);
	h_free(&h);
	(void)state;
}

/*
 * A task that moves: its part on the CPU it left goes into the log of the
 * CPU it is charged on next, credited less what was credited of it while it
 * was open; the next part counts from zero.
 */
static void test_moving_task_parts_fold_into_logs(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 0, 10, &A);
	sw(&m, 0, 40, &IDLE);	/* A: 30 on cpu0 (part 0) */
	h_sample(&h, 50, &s);
	assert_int_equal(ns_of(&s, &A, 0), 30);
	sw(&m, 0, 60, &A);
	sw(&m, 0, 70, &IDLE);	/* part 0 grows to 40 */
	sw(&m, 1, 80, &A);
	sw(&m, 1, 100, &IDLE);	/* on cpu1: part 0 (40) folded into cpu1's log; part 1: 20 */
	sw(&m, 2, 110, &A);
	sw(&m, 2, 115, &IDLE);	/* on cpu2: part 1 (20) folded into cpu2's log; part 2: 5 */
	assert_int_equal(m.cpus[1].log_head, 1);
	assert_int_equal(m.cpus[2].log_head, 1);
	h_sample(&h, 120, &s);
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_int_equal(ns_of(&s, &A, 1), 20);
	assert_int_equal(ns_of(&s, &A, 2), 5);
	assert_int_equal(task_of(&s, &A)->nrows, 3);
	assert_int_equal(task_of(&s, &A)->oncpu_ns, 35);
	for (unsigned c = 0; c < NCPU; c++)
		assert_true(activity_coverage(&s, c) == 1.0);
	/* Back on cpu0: part 2 folded into cpu0's log, all of it new except what was credited. */
	sw(&m, 0, 130, &A);
	sw(&m, 0, 150, &IDLE);
	h_sample(&h, 160, &s);
	assert_int_equal(ns_of(&s, &A, 2), 0);
	assert_int_equal(ns_of(&s, &A, 0), 20);
	assert_int_equal(s.dropped, 0);
	h_free(&h);
	(void)state;
}

struct between_fold {
	struct model *m;
	uint64_t now;
};

/* After the log heads were noted: A leaves cpu0 for cpu1 (a record the reading does not take). */
static void fold_after_heads(void *arg, int phase)
{
	struct between_fold *b = arg;

	if (phase != 0)
		return;
	sw(b->m, 1, b->now, &A);
	sw(b->m, 1, b->now + 10, &IDLE);
}

/*
 * A part whose record is written after the log heads were noted but before
 * the slot is copied: the copy shows the next part, the record comes with
 * the next reading, and what was credited of the old part is kept for it.
 */
static void test_record_after_heads_is_credited_once(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	struct between_fold b = { &m, 100 };
	uint64_t on0 = 0, on1 = 0;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	sw(&m, 0, 40, &IDLE);	/* part 0: 30 on cpu0 */
	h_sample(&h, 50, &s);
	on0 += ns_of(&s, &A, 0);
	sw(&m, 0, 60, &A);
	sw(&m, 0, 80, &IDLE);	/* part 0: 50 */
	h_sample_between(&h, 120, fold_after_heads, &b, &s);
	/* The copy shows part 1 (10 on cpu1); part 0's record is not in this reading. */
	on0 += ns_of(&s, &A, 0);
	on1 += ns_of(&s, &A, 1);
	assert_int_equal(ns_of(&s, &A, 1), 10);
	h_sample(&h, 130, &s);
	on0 += ns_of(&s, &A, 0);
	on1 += ns_of(&s, &A, 1);
	assert_int_equal(ns_of(&s, &A, 0), 20);
	assert_int_equal(on0, 50);
	assert_int_equal(on1, 10);
	h_free(&h);
	(void)state;
}

static void test_exited_task_reported_then_slot_reused(void **state)
{
	const struct sched_key C = { 300, 300, 7000 };
	struct model m;
	struct harness h;
	struct activity_sample s;
	const uint32_t *rec;
	uint32_t a_slot;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	a_slot = m_fork(&m, &A, "a", 1);
	m_fork(&m, &B2, "b2", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &B2);
	sw(&m, 0, 40, &A);
	/* A's final switch at 70: its last slice charged, the slot marked. */
	m_sw_full(&m, 0, 70, &IDLE, UINT64_MAX, true);
	h_sample(&h, 100, &s);
	assert_non_null(task_of(&s, &A));
	assert_true(task_of(&s, &A)->flags & ACTIVITY_TASK_EXITED);
	assert_int_equal(ns_of(&s, &A, 0), 30);
	/* Not given back yet: the next reading's logs may still hold a part of it. */
	assert_int_equal(ebpf_agg_recycle(h.a, &rec), 0);
	h_sample(&h, 200, &s);
	assert_null(task_of(&s, &A));
	assert_int_equal(ebpf_agg_recycle(h.a, &rec), 1);
	assert_int_equal(rec[0], a_slot);
	assert_int_equal(m.ctl.free_tail, 1);
	/* The next new task gets A's slot, and is a new task with its own time. */
	assert_int_equal(m_fork(&m, &C, "c", 1), a_slot);
	sw(&m, 0, 210, &C);
	sw(&m, 0, 260, &IDLE);
	h_sample(&h, 300, &s);
	assert_null(task_of(&s, &A));
	assert_int_equal(ns_of(&s, &C, 0), 50);
	assert_string_equal(task_of(&s, &C)->comm, "c");
	assert_true(task_of(&s, &C)->flags & ACTIVITY_TASK_NEW);
	assert_true(activity_coverage(&s, 0) == 1.0);
	h_free(&h);
	(void)state;
}

static void test_reused_pid_stays_two_rows(void **state)
{
	const struct sched_key old = { 300, 300, 1000 }, reused = { 300, 300, 9000 };
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &old, "first", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &old);
	m_sw_full(&m, 0, 30, &IDLE, UINT64_MAX, true);
	m_fork(&m, &reused, "second", 1);
	sw(&m, 0, 30, &reused);
	sw(&m, 0, 80, &IDLE);
	h_sample(&h, 100, &s);
	assert_int_equal(s.ntasks, 2);
	assert_int_equal(ns_of(&s, &old, 0), 20);
	assert_int_equal(ns_of(&s, &reused, 0), 50);
	assert_string_equal(task_of(&s, &old)->comm, "first");
	assert_string_equal(task_of(&s, &reused)->comm, "second");
	h_free(&h);
	(void)state;
}

static void test_exec_renames(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "sh", 1);
	sw(&m, 0, 1, &A);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 50, &IDLE);
	sw(&m, 1, 60, &A);
	m_exec(&m, &A, "make");
	sw(&m, 1, 90, &IDLE);
	h_sample(&h, 100, &s);
	assert_string_equal(task_of(&s, &A)->comm, "make");
	assert_int_equal(task_of(&s, &A)->oncpu_ns, 49 + 30);
	assert_int_equal(task_of(&s, &A)->nrows, 2);
	h_free(&h);
	(void)state;
}

/* A task older than the program has no slot until its first switch-out. */
static void test_task_older_than_the_program(void **state)
{
	const struct sched_key old = { 50, 50, 1 };
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &old);	/* no slot: the running slice is named from the CPU state */
	h_sample(&h, 40, &s);
	assert_int_equal(ns_of(&s, &old, 0), 30);
	assert_true(task_of(&s, &old)->flags & ACTIVITY_TASK_NEW);
	assert_string_equal(task_of(&s, &old)->comm, "");	/* the collector reads /proc */
	sw(&m, 0, 70, &IDLE);	/* its switch-out takes a slot: 60, of which 30 were credited */
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &old, 0), 30);
	assert_string_equal(task_of(&s, &old)->comm, "task");
	assert_true(activity_coverage(&s, 0) == 1.0);
	h_free(&h);
	(void)state;
}

/*
 * The program's per-CPU cache names a running task's slot by pid: a hint
 * that may be a dead task's slot whose pid was reused. The running slice is
 * then named from the CPU state alone, and the task's own slot repays it.
 */
static void test_slot_hint_of_another_task(void **state)
{
	const struct sched_key reused = { 100, 100, 9999 };	/* A's pid, another task */
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint32_t a_slot;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	a_slot = m_fork(&m, &A, "a", 1);
	m_fork(&m, &reused, "r", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	sw(&m, 0, 20, &IDLE);
	sw(&m, 0, 30, &reused);
	m.cpus[0].cur_slot = a_slot;	/* the hint: A's slot */
	h_sample(&h, 50, &s);
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_int_equal(ns_of(&s, &reused, 0), 20);
	assert_string_equal(task_of(&s, &reused)->comm, "");	/* named from the CPU state */
	sw(&m, 0, 70, &IDLE);
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &reused, 0), 20);
	assert_int_equal(ns_of(&s, &A, 0), 0);
	assert_true(activity_coverage(&s, 0) == 1.0);
	h_free(&h);
	(void)state;
}

static void test_full_table_is_lost_not_hidden(void **state)
{
	const struct sched_key nameless = { 400, 400, 1 };
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, 1, MAXLOG, 0);	/* one slot: A's */
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &B);	/* B gets no slot: its slice is lost at its switch-out */
	sw(&m, 0, 30, &A);
	sw(&m, 0, 50, &IDLE);
	/* ... and one running now, also without a slot: named from the CPU state. */
	sw(&m, 1, 70, &nameless);
	h_sample(&h, 100, &s);
	assert_int_equal(s.lost_ns[0], 20);
	assert_int_equal(ns_of(&s, &A, 0), 20);
	assert_int_equal(s.dropped, 1);
	assert_int_equal(ns_of(&s, &nameless, 1), 30);
	/* 50 ns named of 70 busy. */
	assert_true(s.captured > 0.714 && s.captured < 0.715);
	/* Its slice ends at 150 with no slot: lost; 30 of it was named. */
	sw(&m, 1, 150, &IDLE);
	h_sample(&h, 200, &s);
	assert_int_equal(s.lost_ns[1], 50);
	assert_int_equal(s.idle_ns[1], 50);
	assert_int_equal(s.dropped, 1);
	assert_true(activity_coverage(&s, 1) + (double)s.lost_ns[1] / 100 == 1.0);
	h_free(&h);
	(void)state;
}

static void test_irq_time_is_named_not_charged(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	/* A's slice 10..60: the kernel accounted 35 ns, 15 were interrupts or steal. */
	m_sw_full(&m, 0, 60, &IDLE, 35, false);
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &A, 0), 35);
	assert_int_equal(s.irq_ns[0], 15);
	assert_int_equal(s.irq_ns[1], 0);
	assert_int_equal(s.lost_ns[0], 0);
	/* 1..100 is named: 9 + 40 idle, 35 A, 15 irq (0..1 was before the first switch). */
	assert_true(activity_coverage(&s, 0) == 0.99);
	/* Only the difference counts in the next interval. */
	h_sample(&h, 200, &s);
	assert_int_equal(s.irq_ns[0], 0);
	assert_true(activity_coverage(&s, 0) == 1.0);
	h_free(&h);
	(void)state;
}

/*
 * A long slice stolen from while it runs: the estimate of its irq so far
 * (d.open_irq_ns) is named irq at once rather than credited to the task,
 * and both parts are repaid when the slice completes.
 */
static void test_running_slice_steal_is_named_early(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint64_t est[NCPU] = { 0 };

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	h.open_irq_ns = est;
	m_fork(&m, &A, "a", 1);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	/* 100: A ran 60 of its 90 so far, 30 were stolen; the estimate says 30. */
	est[0] = 30;
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &A, 0), 60);
	assert_int_equal(s.irq_ns[0], 30);
	assert_true(activity_coverage(&s, 0) == 0.99);	/* 0..1 was before the first switch */
	/* 200: 50 stolen in all: 20 more irq, 80 more for A. */
	est[0] = 50;
	h_sample(&h, 200, &s);
	assert_int_equal(ns_of(&s, &A, 0), 80);
	assert_int_equal(s.irq_ns[0], 20);
	/* 250: the slice ends; the kernel accounted A 180 of its 240 (60 stolen). */
	m_sw_full(&m, 0, 250, &IDLE, 180, false);
	est[0] = 0;
	h_sample(&h, 300, &s);
	assert_int_equal(ns_of(&s, &A, 0), 180 - 140);
	assert_int_equal(s.irq_ns[0], 60 - 50);
	assert_int_equal(s.idle_ns[0], 50);
	assert_true(activity_coverage(&s, 0) == 1.0);
	/* Nothing owed is left over. */
	h_sample(&h, 400, &s);
	assert_int_equal(s.irq_ns[0], 0);
	assert_int_equal(s.idle_ns[0], 100);
	h_free(&h);
	(void)state;
}

/* An estimate that falls back, or exceeds the slice, takes back nothing reported. */
static void test_running_slice_irq_never_shrinks(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint64_t est[NCPU] = { 0 };

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	h.open_irq_ns = est;
	m_fork(&m, &A, "a", 1);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	est[0] = 40;
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &A, 0), 50);
	assert_int_equal(s.irq_ns[0], 40);
	/* A lower estimate: irq stays at 40, A gets the whole 100 since. */
	est[0] = 10;
	h_sample(&h, 200, &s);
	assert_int_equal(ns_of(&s, &A, 0), 100);
	assert_int_equal(s.irq_ns[0], 0);
	/* More than the slice: at most the time since, and A's credit stays. */
	est[0] = 1000;
	h_sample(&h, 260, &s);
	assert_int_equal(ns_of(&s, &A, 0), 0);
	assert_int_equal(s.irq_ns[0], 60);
	assert_true(activity_coverage(&s, 0) == 1.0);
	/* The idle task's slice is never irq. */
	m_sw_full(&m, 0, 270, &IDLE, 160, false);
	est[0] = 5;
	h_sample(&h, 300, &s);
	assert_int_equal(s.idle_ns[0], 30);
	/* A's part: 160, of which 150 credited; irq 100 counted, 100 credited. */
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_int_equal(s.irq_ns[0], 0);
	h_free(&h);
	(void)state;
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
	(void)state;
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
	(void)state;
}

static void test_torn_cpu_copy_is_caught_up_later(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	struct ebpf_dump d;
	uint64_t idle1 = 0;
	bool ok[NCPU] = { true, false, true };

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	sw(&m, 0, 1, &IDLE);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 1, 40, &IDLE);
	/* A reading whose cpu1 copy was torn (the reader retried and gave up). */
	ebpf_read_cpus(h.r, &m.shm);
	ebpf_read_begin(h.r, &m.shm);
	assert_int_equal(ebpf_read_slots(h.r, &m.shm), 0);
	ebpf_read_dump(h.r, &m.shm, &d);
	d.t_ns = 100;
	d.cpu_ok = ok;
	assert_int_equal(ebpf_agg_step(h.a, &d, &s), 0);
	ebpf_read_commit(h.r, &m.shm, NULL, 0);
	assert_int_equal(s.idle_ns[1], 0);
	idle1 += s.idle_ns[1];
	h_sample(&h, 200, &s);
	idle1 += s.idle_ns[1];
	assert_int_equal(idle1, 199);
	h_free(&h);
	(void)state;
}

/* A slot the program is writing (odd seq) is not copied; the reader takes it next time. */
static void test_slot_being_written_is_not_copied(void **state)
{
	struct model m;
	struct ebpf_slot_copy cp;

	m_init(&m, CAP, MAXLOG, 0);
	m_fork(&m, &A, "a", 1);
	assert_true(ebpf_copy_slot(&m.shm, 0, &cp));
	assert_int_equal(cp.idx, 0);
	assert_int_equal(cp.s.pid, A.pid);
	assert_string_equal(cp.s.comm, "a");
	m.slots[0].seq++;
	assert_false(ebpf_copy_slot(&m.shm, 0, &cp));
	(void)state;
}

static void test_syscalls_go_to_each_thread_row(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	uint32_t b, b2;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	b = m_fork(&m, &B, "b", 1);
	b2 = m_fork(&m, &B2, "b2", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 1, &B2);
	m.slots[b2].syscalls += 5;
	sw(&m, 0, 20, &B);
	m.slots[b].syscalls += 7;
	sw(&m, 0, 30, &IDLE);
	h_sample(&h, 100, &s);
	assert_int_equal(task_of(&s, &B)->syscalls, 7);
	assert_int_equal(task_of(&s, &B2)->syscalls, 5);
	/* Only the differences, in the thread that made them. */
	sw(&m, 0, 150, &B2);
	m.slots[b2].syscalls += 4;
	sw(&m, 0, 160, &IDLE);
	h_sample(&h, 200, &s);
	assert_null(task_of(&s, &B));
	assert_int_equal(task_of(&s, &B2)->syscalls, 4);
	/* A task still running is read with its running slice: its syscalls so far count. */
	sw(&m, 0, 210, &B);
	m.slots[b].syscalls += 3;
	h_sample(&h, 300, &s);
	assert_int_equal(task_of(&s, &B)->syscalls, 3);
	h_free(&h);
	(void)state;
}

/* How many records of task k the sample holds. */
static unsigned records_of(const struct activity_sample *s, const struct sched_key *k)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->ntasks; i++)
		n += s->tasks[i].key.tgid == k->tgid && s->tasks[i].key.tid == k->pid &&
		     s->tasks[i].key.start_ns == k->start_ns;
	return n;
}

/*
 * Tasks that run through whole intervals without a switch: their calls are
 * read in the interval they were made, through their CPU's running slice.
 * A task older than the program has no slot when it is switched in: its
 * first call takes one (and names it the running slice's), so none of its
 * calls is lost and it stays one record. Its final slice's calls come with
 * its exit.
 */
static void test_syscalls_without_a_switch(void **state)
{
	const struct sched_key old = { 50, 50, 1 };
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &old);	/* no slot yet */
	sw(&m, 1, 10, &A);
	m_sys(&m, 0, 3);	/* its first call takes a slot */
	m_sys(&m, 1, 5);
	h_sample(&h, 100, &s);
	assert_int_equal(records_of(&s, &old), 1);
	assert_int_equal(task_of(&s, &old)->syscalls, 3);
	assert_int_equal(ns_of(&s, &old, 0), 90);
	assert_string_equal(task_of(&s, &old)->comm, "task");	/* from its slot */
	assert_int_equal(task_of(&s, &A)->syscalls, 5);
	/* No switch at all in this interval. */
	m_sys(&m, 0, 4);
	m_sys(&m, 1, 6);
	h_sample(&h, 200, &s);
	assert_int_equal(records_of(&s, &old), 1);
	assert_int_equal(task_of(&s, &old)->syscalls, 4);
	assert_int_equal(ns_of(&s, &old, 0), 100);
	assert_int_equal(task_of(&s, &A)->syscalls, 6);
	/* Two more calls, and its final switch. */
	m_sys(&m, 0, 2);
	m_sw_full(&m, 0, 250, &IDLE, UINT64_MAX, true);
	h_sample(&h, 300, &s);
	assert_int_equal(task_of(&s, &old)->syscalls, 2);
	assert_true(task_of(&s, &old)->flags & ACTIVITY_TASK_EXITED);
	assert_int_equal(ns_of(&s, &old, 0), 50);
	assert_int_equal(task_of(&s, &A)->syscalls, 0);
	h_sample(&h, 400, &s);
	assert_null(task_of(&s, &old));
	assert_true(activity_coverage(&s, 0) == 1.0);
	h_free(&h);
	(void)state;
}

/*
 * A copy that shows calls and no new time: the running slice was credited
 * up to the sample, and the kernel accounted the task less than that (the
 * rest was steal), so its part repays the credit and leaves nothing. The
 * calls still count, in the interval that read them.
 */
static void test_syscalls_with_no_time_left(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &A, 0), 90);
	assert_int_equal(task_of(&s, &A)->syscalls, 0);
	m_sys(&m, 0, 5);
	m_sw_full(&m, 0, 110, &IDLE, 80, false);	/* 80 of its 100 ns: less than credited */
	h_sample(&h, 200, &s);
	assert_non_null(task_of(&s, &A));
	assert_int_equal(task_of(&s, &A)->oncpu_ns, 0);
	assert_int_equal(task_of(&s, &A)->syscalls, 5);
	h_sample(&h, 300, &s);
	assert_null(task_of(&s, &A));
	h_free(&h);
	(void)state;
}

/*
 * A running slice named by its key alone (the raw tracepoint names no slot
 * at a switch-in) whose task's slot is copied in the same reading with
 * calls and no time (an exec moved its seq): one record, with the slice's
 * time and the calls.
 */
static void test_syscalls_and_unnamed_slice_one_record(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	m.cpus[0].cur_slot = SCHED_NONE;	/* switch_raw */
	m_sys(&m, 0, 5);
	m_exec(&m, &A, "exec");
	h_sample(&h, 100, &s);
	assert_int_equal(records_of(&s, &A), 1);
	assert_int_equal(ns_of(&s, &A, 0), 90);
	assert_int_equal(task_of(&s, &A)->syscalls, 5);
	assert_string_equal(task_of(&s, &A)->comm, "exec");
	h_free(&h);
	(void)state;
}

/*
 * A full log: the task's part moves to the CPU it is charged on, unfolded
 * (its time is whole; what it gained on the old CPU since the last reading
 * is named on the new one), and the sample counts the charge as dropped.
 */
static void test_full_log_keeps_task_time_whole(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;

	m_init(&m, CAP, 1, 0);
	h_init(&h, &m, NCPU);
	m_fork(&m, &A, "a", 1);
	m_fork(&m, &B, "b", 1);
	sw(&m, 1, 1, &IDLE);
	sw(&m, 2, 1, &IDLE);
	sw(&m, 0, 10, &A);
	sw(&m, 0, 20, &B);
	sw(&m, 0, 40, &IDLE);	/* A 10 on cpu0, B 20 on cpu0 */
	sw(&m, 1, 50, &A);
	sw(&m, 1, 55, &B);	/* A: part on cpu0 folded into cpu1's log (full now) */
	sw(&m, 1, 60, &IDLE);	/* B: no room: its part moves to cpu1 with the 5 ns */
	assert_int_equal(m.cpus[1].misplaced, 1);
	h_sample(&h, 100, &s);
	assert_int_equal(ns_of(&s, &A, 0), 10);
	assert_int_equal(ns_of(&s, &A, 1), 5);
	assert_int_equal(ns_of(&s, &B, 1), 25);
	assert_int_equal(task_of(&s, &B)->oncpu_ns, 25);
	assert_int_equal(s.dropped, 1);
	/* The log was read: room again, and B's next move folds its part. */
	sw(&m, 2, 110, &B);
	sw(&m, 2, 120, &IDLE);
	h_sample(&h, 200, &s);
	assert_int_equal(ns_of(&s, &B, 2), 10);
	assert_int_equal(ns_of(&s, &B, 1), 0);
	assert_int_equal(s.dropped, 0);
	/* A part already read moves: only what it gained since is named on the new CPU. */
	sw(&m, 2, 210, &A);
	sw(&m, 2, 215, &IDLE);	/* A: part on cpu1 (5) folded into cpu2's log (full now) */
	h_sample(&h, 220, &s);
	sw(&m, 2, 230, &A);
	sw(&m, 2, 235, &IDLE);	/* A's part on cpu2: 10 */
	h_sample(&h, 240, &s);
	sw(&m, 0, 250, &B);
	sw(&m, 0, 251, &IDLE);	/* B: part on cpu2 folded into cpu0's log (full now) */
	sw(&m, 2, 260, &A);
	sw(&m, 2, 262, &IDLE);	/* A: 12 on cpu2 */
	sw(&m, 0, 270, &A);
	sw(&m, 0, 273, &IDLE);	/* A on cpu0, log full: part moves with 2 unread + 3 */
	h_sample(&h, 300, &s);
	assert_int_equal(task_of(&s, &A)->oncpu_ns, 5);
	assert_int_equal(ns_of(&s, &A, 0), 5);
	assert_int_equal(s.dropped, 1);
	h_free(&h);
	(void)state;
}

struct random_ctx {
	struct model *m;
	uint64_t *now;
	unsigned *cur;		/* [NCPU]: pool index running, 0: idle */
	uint64_t *since;
	uint64_t (*truth)[NCPU];	/* [task][cpu] */
	struct sched_key *pool;
	bool *dead;
	unsigned npool;
	bool steal;
	uint64_t *irq_truth;
	unsigned *num;		/* [NCPU]: of the running slice, num/8 is stolen */
	uint64_t *est;		/* [NCPU]: the running slices' steal at t_ns, for the aggregator */
	uint64_t t_ns;		/* the sample being read */
	uint64_t *sys_truth;	/* [task]: syscalls made */
};

/* Now and then, the task running on cpu makes a few syscalls. */
static void random_calls(struct random_ctx *r, unsigned c)
{
	uint64_t n = 1 + (uint64_t)(rand() % 7);

	if (!r->cur[c] || rand() % 3)
		return;
	m_sys(r->m, c, n);
	r->sys_truth[r->cur[c]] += n;
}

/* A random switch on a random CPU: to idle or to a live task not running elsewhere. */
static void random_switch(struct random_ctx *r, bool allow_death)
{
	unsigned c = (unsigned)(rand() % NCPU), next;
	bool die;

	*r->now += 1 + (uint64_t)(rand() % 50);
	for (;;) {
		bool busy = false;

		next = (unsigned)(rand() % r->npool);
		if (!next)
			break;
		if (r->dead[next])
			continue;
		for (unsigned o = 0; o < NCPU; o++)
			busy |= o != c && r->cur[o] == next;
		if (!busy)
			break;
	}
	die = allow_death && r->cur[c] && rand() % 8 == 0;
	if (next == r->cur[c])
		die = false;
	random_calls(r, c);
	if (r->cur[c]) {
		uint64_t wall = *r->now - r->since[c];
		uint64_t run = wall - wall * r->num[c] / 8;

		r->truth[r->cur[c]][c] += run;
		*r->irq_truth += wall - run;
		m_sw_full(r->m, c, *r->now, &r->pool[next], run, die);
		if (die)
			r->dead[r->cur[c]] = true;
	} else {
		r->truth[0][c] += *r->now - r->since[c];
		sw(r->m, c, *r->now, &r->pool[next]);
	}
	r->cur[c] = next;
	r->since[c] = *r->now;
	/* The next slice's steal, a steady share of it so that its estimate only grows. */
	r->num[c] = r->steal ? (unsigned)(rand() % 5) : 0;
}

static void random_between(void *arg, int phase)
{
	struct random_ctx *r = arg;

	for (int i = rand() % 3; i > 0; i--)
		random_switch(r, true);
	for (unsigned c = 0; c < NCPU; c++)
		random_calls(r, c);
	/* The CPU states are read next: each running slice's steal so far, exactly. */
	for (unsigned c = 0; phase == 1 && c < NCPU; c++)
		r->est[c] = r->cur[c] ? (r->t_ns - r->since[c]) * r->num[c] / 8 : 0;
}

/*
 * Random schedules on three CPUs: tasks move between CPUs, some are older
 * than the program (no slot until their first switch-out), some die and
 * their slots are reused by new tasks (a reused PID among them), and
 * switches keep happening between the reader's steps. Running tasks make
 * syscalls, before their switches, between the reads, and through intervals
 * with no switch (the old ones' first call takes their slot). Whatever each
 * interval shows, each task's time on each CPU, idle and irq must equal the
 * truth in total, to the nanosecond, and its syscalls exactly, never more
 * than made so far. With a tiny log, parts are misplaced: then each task's
 * total time must still be exact, and the charges counted.
 */
static void random_schedules(unsigned log_len, bool steal, unsigned seed)
{
	enum { NPOOL = 24 };

	srand(seed);
	for (int round = 0; round < 150; round++) {
		struct model m;
		struct harness h;
		struct activity_sample s;
		struct sched_key pool[NPOOL];
		bool dead[NPOOL] = { false };
		uint64_t truth[NPOOL][NCPU] = { { 0 } }, got[NPOOL][NCPU] = { { 0 } };
		uint64_t sys_truth[NPOOL] = { 0 }, sys_got[NPOOL] = { 0 };
		uint64_t now = 1, since[NCPU], irq_truth = 0, irq_got = 0, dropped = 0, est[NCPU];
		unsigned cur[NCPU] = { 0 }, num[NCPU] = { 0 };
		struct random_ctx rc = { &m, &now, cur, since, truth, pool, dead, NPOOL, steal,
					 &irq_truth, num, est, 0, sys_truth };

		m_init(&m, 40, log_len, 0);
		h_init(&h, &m, NCPU);
		h.open_irq_ns = steal ? est : NULL;
		pool[0] = IDLE;
		for (unsigned i = 1; i < NPOOL; i++) {
			/* 20 and 21 share a PID, one after the other (21 forked later). */
			uint32_t pid = i == 21 ? 20 : 10 + i;

			pool[i] = (struct sched_key){ 10 + i / 3, pid, 100 + i };
			/* A third of them are older than the program. */
			if (i % 3 && i != 21)
				m_fork(&m, &pool[i], "t", 1);
		}
		for (unsigned c = 0; c < NCPU; c++) {
			sw(&m, c, now, &IDLE);
			since[c] = now;
		}
		for (int step = 0; step < 60; step++) {
			int nsw = rand() % 6;

			if (step == 30)
				m_fork(&m, &pool[21], "reused", 1);
			for (int i = 0; i < nsw; i++)
				random_switch(&rc, step > 5);
			for (unsigned c = 0; c < NCPU; c++)
				random_calls(&rc, c);
			now += 1 + (uint64_t)(rand() % 20);
			/* Switches between the reads: at most 2 x 2 x 50 ns before the CPU states. */
			rc.t_ns = now + 250;
			h_sample_between(&h, rc.t_ns, random_between, &rc, &s);
			if (now < s.end_ns)
				now = s.end_ns;	/* the switches between the reads came before t_ns */
			for (size_t t = 0; t < s.ntasks; t++) {
				const struct activity_task *k = &s.tasks[t];
				unsigned i;

				for (i = 1; i < NPOOL; i++)
					if (k->key.tgid == pool[i].tgid && k->key.tid == pool[i].pid &&
					    k->key.start_ns == pool[i].start_ns)
						break;
				assert_true(i < NPOOL);
				for (uint32_t r = k->first_row; r < k->first_row + k->nrows; r++)
					got[i][s.rows[r].cpu] += s.rows[r].ns;
				sys_got[i] += k->syscalls;
				if (sys_got[i] > sys_truth[i])
					fail_msg("round %d step %d: task %u: %llu syscalls reported, "
						 "%llu made", round, step, i,
						 (unsigned long long)sys_got[i],
						 (unsigned long long)sys_truth[i]);
			}
			for (unsigned c = 0; c < NCPU; c++) {
				got[0][c] += s.idle_ns[c];
				irq_got += s.irq_ns[c];
				assert_int_equal(s.lost_ns[c], 0);
			}
			dropped += s.dropped;
		}
		/* Every CPU goes idle: all slices end; two more samples read everything. */
		for (unsigned c = 0; c < NCPU; c++) {
			now += 5;
			if (cur[c]) {
				uint64_t wall = now - since[c], run = wall - wall * num[c] / 8;

				truth[cur[c]][c] += run;
				irq_truth += wall - run;
				m_sw_full(&m, c, now, &IDLE, run, false);
			} else {
				truth[0][c] += now - since[c];
				sw(&m, c, now, &IDLE);
			}
			cur[c] = 0;
			since[c] = now;
		}
		for (unsigned c = 0; c < NCPU; c++)
			est[c] = 0;
		for (int k = 0; k < 2; k++) {
			now += 10;
			h_sample(&h, now, &s);
			for (size_t t = 0; t < s.ntasks; t++) {
				const struct activity_task *tk = &s.tasks[t];
				unsigned i;

				for (i = 1; i < NPOOL; i++)
					if (tk->key.tgid == pool[i].tgid && tk->key.tid == pool[i].pid &&
					    tk->key.start_ns == pool[i].start_ns)
						break;
				assert_true(i < NPOOL);
				for (uint32_t r = tk->first_row; r < tk->first_row + tk->nrows; r++)
					got[i][s.rows[r].cpu] += s.rows[r].ns;
				sys_got[i] += tk->syscalls;
			}
			for (unsigned c = 0; c < NCPU; c++) {
				got[0][c] += s.idle_ns[c];
				irq_got += s.irq_ns[c];
			}
			dropped += s.dropped;
		}
		for (unsigned c = 0; c < NCPU; c++)
			truth[0][c] += now - since[c];
		for (unsigned i = 0; i < NPOOL; i++) {
			uint64_t want = 0, have = 0;

			for (unsigned c = 0; c < NCPU; c++) {
				want += truth[i][c];
				have += got[i][c];
				if (log_len >= MAXLOG && got[i][c] != truth[i][c])
					fail_msg("round %d: task %u on cpu %u got %llu, truth %llu", round,
						 i, c, (unsigned long long)got[i][c],
						 (unsigned long long)truth[i][c]);
			}
			if (have != want)
				fail_msg("round %d: task %u got %llu in all, truth %llu", round, i,
					 (unsigned long long)have, (unsigned long long)want);
			if (sys_got[i] != sys_truth[i])
				fail_msg("round %d: task %u: %llu syscalls reported, %llu made", round,
					 i, (unsigned long long)sys_got[i],
					 (unsigned long long)sys_truth[i]);
		}
		if (irq_got != irq_truth)
			fail_msg("round %d: irq %llu, truth %llu", round, (unsigned long long)irq_got,
				 (unsigned long long)irq_truth);
		if (log_len >= MAXLOG)
			assert_int_equal(dropped, 0);
		{
			uint64_t misplaced = 0;

			for (unsigned c = 0; c < NCPU; c++)
				misplaced += m.cpus[c].misplaced;
			assert_int_equal(dropped, misplaced);
		}
		h_free(&h);
	}
}

static void test_random_schedules_add_up(void **state)
{
	random_schedules(MAXLOG, false, 12345);
	(void)state;
}

static void test_random_steal_adds_up(void **state)
{
	random_schedules(MAXLOG, true, 777);
	(void)state;
}

/* Logs of two records: parts misplaced, every task's total still exact. */
static void test_random_full_logs_keep_totals(void **state)
{
	random_schedules(2, false, 4242);
	(void)state;
}

static void test_bad_arguments(void **state)
{
	struct model m;
	struct harness h;
	struct activity_sample s;
	struct ebpf_dump d;
	struct ebpf_agg *a = NULL;
	struct ebpf_reader *r = NULL;
	uint64_t from[NCPU] = { 0 }, to[NCPU] = { 0 };

	m_init(&m, CAP, MAXLOG, 0);
	h_init(&h, &m, NCPU);
	assert_int_equal(ebpf_agg_new(0, NCPU, 0, &a), -EINVAL);
	assert_int_equal(ebpf_agg_new(NCPU + 1, NCPU, 0, &a), -EINVAL);
	assert_null(a);
	assert_int_equal(ebpf_reader_new(0, 10, &r), -EINVAL);
	assert_int_equal(ebpf_reader_new(NCPU, 0, &r), -EINVAL);
	assert_null(r);
	ebpf_read_cpus(h.r, &m.shm);
	ebpf_read_begin(h.r, &m.shm);
	assert_int_equal(ebpf_read_slots(h.r, &m.shm), 0);
	ebpf_read_dump(h.r, &m.shm, &d);
	d.t_ns = 10;
	d.nslots = NCPU + 1;
	assert_int_equal(ebpf_agg_step(h.a, &d, &s), -EINVAL);
	d.nslots = NCPU;
	d.log_len = 3;	/* not a power of two */
	assert_int_equal(ebpf_agg_step(h.a, &d, &s), -EINVAL);
	d.log_len = MAXLOG;
	d.log_from = from;
	d.log_to = to;
	to[1] = MAXLOG + 1;	/* more records than a log holds */
	assert_int_equal(ebpf_agg_step(h.a, &d, &s), -EINVAL);
	to[1] = 0;
	assert_int_equal(ebpf_agg_step(h.a, &d, &s), 0);
	h_free(&h);
	assert_null(ebpf_agg_free(NULL));
	assert_null(ebpf_reader_free(NULL));
	assert_true(activity_coverage(NULL, 0) == 0.0);
	(void)state;
}

/* The slot table's size: the documented rule's cases, figures worked out by hand. */
static void test_task_map_plan(void **state)
{
	/* 2 CPUs, 24 GiB, 150 tasks: pid_max 32768 slots (3.5 MiB at 112 bytes). */
	assert_int_equal(task_map_plan_for(32768, 24ull << 30, 150), 32768);
	/* systemd's pid_max 4194304: eight slots per task alive, at least 32768. */
	assert_int_equal(task_map_plan_for(4194304, 24ull << 30, 150), 32768);
	assert_int_equal(task_map_plan_for(4194304, 24ull << 30, 10000), 80000);
	/* Many tasks: the 32 MiB budget, 299593 slots of 112 bytes. */
	assert_int_equal(task_map_plan_for(4194304, 1ull << 40, 100000), 299593);
	/* 64 MiB of RAM: a 1 MiB budget, 9362 slots. */
	assert_int_equal(task_map_plan_for(32768, 64ull << 20, 100), 9362);
	/* RAM unknown (0): the budget alone. */
	assert_int_equal(task_map_plan_for(4194304, 0, 50000), 299593);
	/* pid_max is clamped to SCHED_TASKS_MIN, and so is a tiny budget. */
	assert_int_equal(task_map_plan_for(300, 24ull << 30, 10), SCHED_TASKS_MIN);
	assert_int_equal(task_map_plan_for(32768, 4ull << 20, 10), SCHED_TASKS_MIN);
	/* Logs: 1 MiB for 2 CPUs hold 16384 records each; 64 and more CPUs get the floor of 1024. */
	assert_int_equal(ebpf_log_len_for(1), 32768);
	assert_int_equal(ebpf_log_len_for(2), 16384);
	assert_int_equal(ebpf_log_len_for(16), 2048);
	assert_int_equal(ebpf_log_len_for(64), 1024);
	assert_int_equal(ebpf_log_len_for(256), 1024);
	assert_int_equal(ebpf_log_len_for(512), 1024);
	(void)state;
}

/*
 * Memory per task must not grow with the number of possible CPUs: from the
 * code's own sizes (the memory model), and from what a reader and an
 * aggregator actually hold after the same 1 000 tasks ran on two CPUs, with
 * 2 and with 512 possible CPUs. The eBPF collector before this design held
 * 72 bytes per possible CPU per task in the kernel and 8 per CPU in
 * userspace; either would fail here.
 */
static void run_tasks_on(unsigned nposs, size_t *ret_before, size_t *ret_after)
{
	enum { N = 1000 };
	struct sched_cpu *cpus = calloc(nposs, sizeof(*cpus));
	struct sched_slot *slots = calloc(N, sizeof(*slots));
	struct sched_ident *idents = calloc(N, sizeof(*idents));
	struct sched_fold *folds = calloc(nposs, sizeof(*folds));
	struct sched_ctl ctl = { .next_new = N };
	uint64_t ring[1024] = { 0 };
	struct ebpf_shm m = { nposs, N, cpus, slots, idents, folds, 1, &ctl, ring, 1023 };
	struct ebpf_reader *r = NULL;
	struct ebpf_agg *a = NULL;
	struct activity_sample s;
	struct ebpf_dump d;

	assert_int_equal(ebpf_reader_new(nposs, N, &r), 0);
	assert_int_equal(ebpf_agg_new(nposs, nposs, 0, &a), 0);
	for (unsigned c = 0; c < nposs; c++)
		cpus[c].cur_slot = SCHED_NONE;
	/* An empty reading first: the per-CPU part alone. */
	ebpf_read_cpus(r, &m);
	ctl.next_new = 0;
	ebpf_read_begin(r, &m);
	assert_int_equal(ebpf_read_slots(r, &m), 0);
	ebpf_read_dump(r, &m, &d);
	d.t_ns = 1;
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	ebpf_read_commit(r, &m, NULL, 0);
	*ret_before = ebpf_agg_footprint(a) + ebpf_reader_footprint(r);
	/* 1 000 tasks that ran on CPUs 0 and 1. */
	ctl.next_new = N;
	for (uint32_t i = 0; i < N; i++) {
		slots[i] = (struct sched_slot){ .seq = 2, .acc_ns = 1000 + i, .acc_cpu = i % 2,
						.tgid = 1000 + i, .pid = 1000 + i, .start_ns = i };
	}
	ebpf_read_cpus(r, &m);
	ebpf_read_begin(r, &m);
	assert_int_equal(ebpf_read_slots(r, &m), 0);
	ebpf_read_dump(r, &m, &d);
	d.t_ns = 2;
	assert_int_equal(ebpf_agg_step(a, &d, &s), 0);
	assert_int_equal(s.ntasks, N);
	ebpf_read_commit(r, &m, NULL, 0);
	*ret_after = ebpf_agg_footprint(a) + ebpf_reader_footprint(r);
	ebpf_reader_free(r);
	ebpf_agg_free(a);
	free(cpus);
	free(slots);
	free(idents);
	free(folds);
}

static void test_memory_per_task_does_not_grow_with_cpus(void **state)
{
	struct ebpf_mem_model m2 = ebpf_mem_model_of(2), m512 = ebpf_mem_model_of(512);
	size_t before2, after2, before512, after512;

	/* From the sizes: nothing per task or per slot depends on the CPUs. */
	assert_int_equal(m2.kernel_per_slot, m512.kernel_per_slot);
	assert_int_equal(m2.kernel_per_task, m512.kernel_per_task);
	assert_int_equal(m2.user_per_slot, m512.user_per_slot);
	assert_int_equal(m2.user_per_task, m512.user_per_task);
	assert_true(m2.kernel_per_slot <= 128);
	/* The slot table's size does not take the CPUs at all; 512 CPUs' logs: 12.1 MiB. */
	assert_int_equal(m512.kernel_per_cpu * 512, 512 * (192 + 1024 * 24));
	/* From what is held: the same growth for the same tasks, whatever the CPUs. */
	run_tasks_on(2, &before2, &after2);
	run_tasks_on(512, &before512, &after512);
	assert_true(before512 > before2);	/* the per-CPU part does grow */
	assert_int_equal(after512 - before512, after2 - before2);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completed_slices_and_idle),
		cmocka_unit_test(test_running_slice_is_credited_once),
		cmocka_unit_test(test_switch_between_reads_is_not_counted_twice),
		cmocka_unit_test(test_moving_task_parts_fold_into_logs),
		cmocka_unit_test(test_record_after_heads_is_credited_once),
		cmocka_unit_test(test_exited_task_reported_then_slot_reused),
		cmocka_unit_test(test_reused_pid_stays_two_rows),
		cmocka_unit_test(test_exec_renames),
		cmocka_unit_test(test_task_older_than_the_program),
		cmocka_unit_test(test_slot_hint_of_another_task),
		cmocka_unit_test(test_full_table_is_lost_not_hidden),
		cmocka_unit_test(test_irq_time_is_named_not_charged),
		cmocka_unit_test(test_running_slice_steal_is_named_early),
		cmocka_unit_test(test_running_slice_irq_never_shrinks),
		cmocka_unit_test(test_open_irq_estimate),
		cmocka_unit_test(test_nohz_full_list),
		cmocka_unit_test(test_torn_cpu_copy_is_caught_up_later),
		cmocka_unit_test(test_slot_being_written_is_not_copied),
		cmocka_unit_test(test_syscalls_go_to_each_thread_row),
		cmocka_unit_test(test_syscalls_without_a_switch),
		cmocka_unit_test(test_syscalls_with_no_time_left),
		cmocka_unit_test(test_syscalls_and_unnamed_slice_one_record),
		cmocka_unit_test(test_full_log_keeps_task_time_whole),
		cmocka_unit_test(test_random_schedules_add_up),
		cmocka_unit_test(test_random_steal_adds_up),
		cmocka_unit_test(test_random_full_logs_keep_totals),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_task_map_plan),
		cmocka_unit_test(test_memory_per_task_does_not_grow_with_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
