/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf_agg.c - from one reading of the BPF maps to one interval's
 * activity_sample (pure: no I/O, so tests feed it what a model of the
 * program wrote).
 *
 * Each CPU's interval is made of:
 * - completed slices: per task, the run time of its parts (sched_shared.h)
 *   not credited yet. A part is cumulative while the task stays on its CPU
 *   (the slot's acc_ns) and ends in a log record of its whole, so what was
 *   credited of the part (cred_ns) is kept per slot, and a record or a copy
 *   of the slot credits only the rest. A part whose record is still to come
 *   when a copy shows a newer one is kept aside (pend) until it comes;
 * - the slice still running at sample time: sched_cpu.last_ns/cur_* name it,
 *   and it is credited up to d->t_ns ("open credit");
 * - time lost without a slot: sched_cpu.lost_ns, reported, never hidden;
 * - interrupt and steal time inside task slices: sched_cpu.irq_ns (the slice's
 *   wall time minus the run time the kernel accounted to its task).
 * When a credited slice later completes, its part includes what was already
 * credited: that amount becomes a debit taken from the task's next
 * differences on that CPU, so no nanosecond is counted twice.
 *
 * The running slice's credit is split in two when the caller knows part of
 * it is not its task's run time (d->open_irq_ns: steal or interrupts so
 * far): that part is named irq now rather than when the slice completes, so
 * a task stolen from for a long slice is not credited the steal meanwhile.
 * Both parts only grow while the slice runs, and when it completes, the
 * irq part is repaid from the CPU's irq counter as the task part is from
 * the task's.
 *
 * What the aggregator keeps is per slot (64 bytes) and per CPU, never per
 * slot and CPU: the memory and the work of a step follow the tasks that
 * changed, whatever the number of CPUs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "activity_ebpf.h"
#include "parse.h"
#include "util.h"

/*
 * Debits pending per CPU. One is usual; more happen when a slice completes
 * after the slots were read and its task does not run again for a while.
 */
#define AGG_DEBITS 8

#define PIECE_EXTRA (1u << 31)	/* a running slice's credit: never repays a debit */
#define PIECE_MOVED (1u << 30)	/* of a part that moved unfolded (SCHED_PART_MOVED) */
#define PIECE_CPU(c) ((c) & ~(PIECE_EXTRA | PIECE_MOVED))

enum { SS_FREE, SS_LIVE, SS_EXITING };

/* What the aggregator knows of one slot's task. */
struct slot_state {
	struct sched_key key;
	uint64_t cred_ns;	/* credited of part cred_epoch */
	uint64_t pend_ns;	/* credited of part pend_epoch, older, its record still to come */
	uint64_t sys_prev;	/* the task's syscalls counted so far */
	uint32_t cred_epoch, pend_epoch;
	uint32_t cred_cpu, pend_cpu;	/* where those parts are (a full log can move an open one) */
	uint32_t stamp;		/* the step that touched it last: the scratch below is valid */
	/* scratch for one step */
	uint32_t piece;		/* its first piece, plus one */
	uint32_t copy;		/* its copy in the reading, plus one */
	uint8_t state;		/* SS_* */
	uint8_t cred_ok;	/* cred_epoch is a part credited (possibly in full) */
	uint8_t cred_closed;	/* and its record was read */
	uint8_t pend_ok;
	uint8_t fresh;		/* a new task in this step */
	uint8_t pad[3];
};

/* Time of one task on one CPU found in a reading. */
struct piece {
	uint32_t next;		/* the task's next piece, plus one */
	uint32_t cpu;		/* | PIECE_EXTRA */
	uint64_t ns;
};

struct cpu_track {
	bool open_valid;
	struct sched_key open_key;	/* the slice running at the last sample */
	uint32_t open_slot;		/* its task's slot (SCHED_NONE: none named) */
	uint64_t open_last_ns;		/* its start (sched_cpu.last_ns) */
	uint64_t open_credit_ns;	/* credited so far (its task's part and its irq part) */
	uint64_t open_irq_ns;		/* of which irq */
	uint64_t irq_debit_ns;		/* irq credited to completed slices, to repay */
	/* Completed slices credited before they completed, to repay from their tasks' differences. */
	struct debit {
		struct sched_key key;
		uint32_t slot;	/* its task's slot when the slice ran (SCHED_NONE: none named) */
		uint64_t ns;	/* 0: free */
		bool seen;	/* the task had time on this CPU in this reading */
		uint8_t age;	/* readings since it was created without the task in them */
	} debit[AGG_DEBITS];
	uint64_t idle_prev_ns, lost_prev_ns, irq_prev_ns, dropped_prev, misplaced_prev;
	/* scratch for one step */
	struct sched_key extra_key;
	uint64_t extra_ns;
	bool extra_found;
};

struct ebpf_agg {
	unsigned ncpus, nslots;
	uint64_t t_prev_ns;
	uint32_t stamp;
	struct cpu_track *cpu;		/* [ncpus] */
	struct slot_state *slot;	/* [nslot_state]: indexed by slot */
	size_t nslot_state;
	uint32_t *touched;		/* scratch: the slots of this reading, in order */
	size_t touched_cap;
	struct piece *pieces;
	size_t pieces_cap;
	struct activity_task *tasks;
	size_t tasks_cap;
	struct activity_row *rows;
	size_t rows_cap;
	uint64_t *idle_ns, *lost_ns, *irq_ns;	/* [ncpus] */
	uint64_t *acc_ns, *extra_ns, *moved_ns;	/* scratch [ncpus]: one task's time per CPU */
	uint32_t *cpu_list;		/* scratch [ncpus]: the CPUs it has time on */
	/* Slots whose task's final switch this step read, and those the step before read. */
	uint32_t *exiting, *recycle;
	size_t nexiting, nrecycle, exiting_cap, recycle_cap;
};

static bool key_eq(const struct sched_key *a, const struct sched_key *b)
{
	return a->tgid == b->tgid && a->pid == b->pid && a->start_ns == b->start_ns;
}

/*
 * Room for `need` elements: an eighth more when it grows, and cut back to
 * that when under a quarter is used, so that a past peak of tasks is not
 * kept (every step sizes its arrays from exact bounds first, so that no
 * allocation can fail halfway through a step).
 */
static int fit(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = need + need / 8 + 16;
	void *q;

	if (need <= *cap && (*cap <= 1024 || need >= *cap / 4))
		return 0;
	q = realloc(*p, n * elem);
	if (!q)
		return need <= *cap ? 0 : -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

int ebpf_agg_new(unsigned ncpus, unsigned nslots, uint64_t t0_ns, struct ebpf_agg **ret)
{
	struct ebpf_agg *a;

	if (!ret || ncpus == 0 || nslots < ncpus)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->ncpus = ncpus;
	a->nslots = nslots;
	a->t_prev_ns = t0_ns;
	a->cpu = calloc(ncpus, sizeof(*a->cpu));
	a->idle_ns = calloc(ncpus, sizeof(*a->idle_ns));
	a->lost_ns = calloc(ncpus, sizeof(*a->lost_ns));
	a->irq_ns = calloc(ncpus, sizeof(*a->irq_ns));
	a->acc_ns = calloc(ncpus, sizeof(*a->acc_ns));
	a->extra_ns = calloc(ncpus, sizeof(*a->extra_ns));
	a->moved_ns = calloc(ncpus, sizeof(*a->moved_ns));
	a->cpu_list = calloc(ncpus, sizeof(*a->cpu_list));
	if (!a->cpu || !a->idle_ns || !a->lost_ns || !a->irq_ns || !a->acc_ns || !a->extra_ns ||
	    !a->moved_ns || !a->cpu_list) {
		ebpf_agg_free(a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

struct ebpf_agg *ebpf_agg_free(struct ebpf_agg *a)
{
	if (!a)
		return NULL;
	free(a->cpu);
	free(a->slot);
	free(a->touched);
	free(a->pieces);
	free(a->tasks);
	free(a->rows);
	free(a->idle_ns);
	free(a->lost_ns);
	free(a->irq_ns);
	free(a->acc_ns);
	free(a->extra_ns);
	free(a->moved_ns);
	free(a->cpu_list);
	free(a->exiting);
	free(a->recycle);
	free(a);
	return NULL;
}

size_t ebpf_agg_footprint(const struct ebpf_agg *a)
{
	if (!a)
		return 0;
	return sizeof(*a) + a->nslot_state * sizeof(*a->slot) +
	       a->touched_cap * sizeof(*a->touched) + a->pieces_cap * sizeof(*a->pieces) +
	       a->tasks_cap * sizeof(*a->tasks) + a->rows_cap * sizeof(*a->rows) +
	       (a->exiting_cap + a->recycle_cap) * sizeof(uint32_t) +
	       a->ncpus * (sizeof(*a->cpu) + 6 * sizeof(uint64_t) + sizeof(uint32_t));
}

static const struct sched_key IDLE_KEY = { 0, 0, 0 };

static void add_debit(struct cpu_track *t, const struct sched_key *k, uint32_t slot, uint64_t ns)
{
	struct debit *free_slot = NULL, *smallest = &t->debit[0], *d;

	for (int i = 0; i < AGG_DEBITS; i++) {
		d = &t->debit[i];
		if (d->ns && key_eq(&d->key, k)) {
			d->ns += ns;
			return;
		}
		if (!d->ns && !free_slot)
			free_slot = d;
		if (d->ns < smallest->ns)
			smallest = d;
	}
	/* All taken: replace the smallest (its task has not run since; counted twice, by that much). */
	d = free_slot ? free_slot : smallest;
	d->key = *k;
	d->slot = slot;
	d->ns = ns;
	d->seen = false;
	d->age = 0;
}

/* Take what task k owes on this CPU out of its difference `delta_ns`. */
static uint64_t repay(struct cpu_track *t, const struct sched_key *k, uint64_t delta_ns)
{
	for (int i = 0; i < AGG_DEBITS; i++) {
		struct debit *d = &t->debit[i];
		uint64_t take;

		if (!d->ns || !key_eq(&d->key, k))
			continue;
		take = MIN(delta_ns, d->ns);
		d->ns -= take;
		d->seen = true;
		return delta_ns - take;
	}
	return delta_ns;
}

/*
 * Name each CPU's running slice, and take the idle/lost/irq counters'
 * differences. Returns the slices dropped and the charges misplaced.
 */
static uint64_t step_cpus(struct ebpf_agg *a, const struct ebpf_dump *d)
{
	uint64_t dropped = 0;

	for (unsigned c = 0; c < a->ncpus; c++) {
		struct cpu_track *t = &a->cpu[c];
		const struct sched_cpu *s = &d->cpus[c];
		struct sched_key ck;
		uint64_t open_ns, idle, est_irq, irq, irq_extra, take;

		t->extra_ns = 0;
		t->extra_found = true;
		for (int i = 0; i < AGG_DEBITS; i++)
			t->debit[i].seen = false;
		a->idle_ns[c] = 0;
		a->lost_ns[c] = 0;
		a->irq_ns[c] = 0;
		/*
		 * A torn copy: leave this CPU's baselines alone, the next
		 * reading takes the whole difference. No switch yet: nothing
		 * names the CPU's time, the coverage shows it.
		 */
		if ((d->cpu_ok && !d->cpu_ok[c]) || s->last_ns == 0)
			continue;
		ck = (struct sched_key){ s->cur_tgid, s->cur_pid, s->cur_start_ns };
		open_ns = sub_sat_u64(d->t_ns, s->last_ns);
		est_irq = d->open_irq_ns && ck.pid != 0 ? MIN(d->open_irq_ns[c], open_ns) : 0;
		if (t->open_valid && key_eq(&t->open_key, &ck) && t->open_last_ns == s->last_ns) {
			/*
			 * The same slice: its whole credit grows to open_ns, and
			 * neither part may shrink (a shrinking part would take back
			 * time already reported).
			 */
			uint64_t task_before = t->open_credit_ns - t->open_irq_ns;

			open_ns = MAX(open_ns, t->open_credit_ns);
			irq = MIN(MAX(est_irq, t->open_irq_ns), open_ns - task_before);
			irq_extra = irq - t->open_irq_ns;
			t->extra_ns = open_ns - irq - task_before;
		} else {
			if (t->open_valid && t->open_credit_ns > t->open_irq_ns)
				add_debit(t, &t->open_key, t->open_slot,
					  t->open_credit_ns - t->open_irq_ns);
			if (t->open_valid)
				t->irq_debit_ns += t->open_irq_ns;
			irq = est_irq;
			irq_extra = irq;
			t->extra_ns = open_ns - irq;
		}
		t->open_valid = true;
		t->open_key = ck;
		t->open_slot = s->cur_slot;
		t->open_last_ns = s->last_ns;
		t->open_credit_ns = open_ns;
		t->open_irq_ns = irq;
		t->extra_key = ck;
		t->extra_found = false;

		idle = sub_sat_u64(s->idle_ns, t->idle_prev_ns);
		t->idle_prev_ns = MAX(s->idle_ns, t->idle_prev_ns);
		idle = repay(t, &IDLE_KEY, idle);
		if (ck.pid == 0) {
			idle += t->extra_ns;
			t->extra_found = true;
		}
		a->idle_ns[c] = idle;
		a->lost_ns[c] = sub_sat_u64(s->lost_ns, t->lost_prev_ns);
		t->lost_prev_ns = MAX(s->lost_ns, t->lost_prev_ns);
		a->irq_ns[c] = sub_sat_u64(s->irq_ns, t->irq_prev_ns);
		t->irq_prev_ns = MAX(s->irq_ns, t->irq_prev_ns);
		take = MIN(a->irq_ns[c], t->irq_debit_ns);
		a->irq_ns[c] += irq_extra - take;
		t->irq_debit_ns -= take;
		dropped += sub_sat_u64(s->dropped, t->dropped_prev);
		t->dropped_prev = MAX(s->dropped, t->dropped_prev);
		dropped += sub_sat_u64(s->misplaced, t->misplaced_prev);
		t->misplaced_prev = MAX(s->misplaced, t->misplaced_prev);
	}
	return dropped;
}

/* Of part `epoch` whole (`ns`, from its record), what was not credited yet. */
static uint64_t credit_record(struct slot_state *st, uint32_t epoch, uint64_t ns)
{
	if (st->cred_ok && st->cred_epoch == epoch) {
		uint64_t c = sub_sat_u64(ns, st->cred_ns);

		st->cred_ns = MAX(st->cred_ns, ns);
		st->cred_closed = 1;
		return c;
	}
	if (st->pend_ok && st->pend_epoch == epoch) {
		st->pend_ok = 0;
		return sub_sat_u64(ns, st->pend_ns);
	}
	/* A part never seen in a copy: all of it. */
	return ns;
}

/* Of part `epoch` so far (`ns` on `cpu`, from a copy of the slot), what was not credited yet. */
static uint64_t credit_acc(struct slot_state *st, uint32_t epoch, uint64_t ns, uint32_t cpu)
{
	if (st->cred_ok && st->cred_epoch == epoch) {
		uint64_t c = sub_sat_u64(ns, st->cred_ns);

		st->cred_ns = MAX(st->cred_ns, ns);
		st->cred_cpu = cpu;
		return c;
	}
	/* Older than what was credited: a copy cannot be (the logs are read first). */
	if (st->cred_ok && (int32_t)(epoch - st->cred_epoch) < 0)
		return 0;
	/*
	 * A newer part. The one credited so far ended; its record was written
	 * before this copy was taken but may be after the log heads were read:
	 * keep what was credited of it until the record comes (the next reading
	 * at the latest, so one such part at a time).
	 */
	if (st->cred_ok && !st->cred_closed) {
		st->pend_ok = 1;
		st->pend_epoch = st->cred_epoch;
		st->pend_ns = st->cred_ns;
		st->pend_cpu = st->cred_cpu;
	}
	st->cred_ok = 1;
	st->cred_closed = 0;
	st->cred_epoch = epoch;
	st->cred_ns = ns;
	st->cred_cpu = cpu;
	return ns;
}

/* Slot idx's state, its scratch made valid for this step and the slot listed once. */
static struct slot_state *touch(struct ebpf_agg *a, uint32_t idx, size_t *ntouched)
{
	struct slot_state *st = &a->slot[idx];

	if (st->stamp != a->stamp) {
		st->stamp = a->stamp;
		st->piece = 0;
		st->copy = 0;
		st->fresh = 0;
		a->touched[(*ntouched)++] = idx;
	}
	return st;
}

static void add_piece(struct ebpf_agg *a, size_t *npieces, struct slot_state *st, uint32_t cpu,
		      uint64_t ns)
{
	struct piece *p = &a->pieces[*npieces];

	p->next = st->piece;
	p->cpu = cpu;
	p->ns = ns;
	st->piece = (uint32_t)++*npieces;
}

/*
 * Put on slot st the running slices that no slot was named for but that are
 * its task's (by key); returns how many.
 */
static unsigned adopt_running(struct ebpf_agg *a, struct slot_state *st, size_t *npieces)
{
	unsigned n = 0;

	for (unsigned c = 0; c < a->ncpus; c++) {
		struct cpu_track *t = &a->cpu[c];

		if (t->extra_found || !t->extra_ns || !key_eq(&t->extra_key, &st->key))
			continue;
		add_piece(a, npieces, st, c | PIECE_EXTRA, t->extra_ns);
		t->extra_found = true;
		n++;
	}
	return n;
}

/*
 * Whether debtor db still has time to come on CPU c: its task is alive in
 * the slot it ran from. Every charge lands in a part on the CPU it ran on
 * (folded or not), so the task's completed slice reaches c's time however
 * many readings later (a part that began and ended between two readings
 * is known only by its record, which may come a reading after that). The
 * debit waits for it; a dead task's last records come within one reading.
 */
static bool owes_later(const struct ebpf_agg *a, const struct debit *db)
{
	const struct slot_state *st;

	if (db->slot >= a->nslot_state)
		return false;
	st = &a->slot[db->slot];
	return st->state == SS_LIVE && key_eq(&st->key, &db->key);
}

/* Check the reading and count its records; -EINVAL when it cannot be one. */
static int reading_size(const struct ebpf_agg *a, const struct ebpf_dump *d, size_t *ret_nrec,
			size_t *ret_max_idx)
{
	size_t nrec = 0, max_idx = 0;

	if (!d || d->nslots != a->nslots || !d->cpus || (d->ncopies && !d->copies) || !d->cap)
		return -EINVAL;
	for (size_t i = 0; i < d->ncopies; i++)
		if (d->copies[i].idx < d->cap)
			max_idx = MAX(max_idx, (size_t)d->copies[i].idx + 1);
	if (d->log_from || d->log_to) {
		if (!d->log_from || !d->log_to || !d->folds || !d->log_len ||
		    (d->log_len & (d->log_len - 1)))
			return -EINVAL;
		for (unsigned c = 0; c < d->nslots; c++) {
			uint64_t n = d->log_to[c] - d->log_from[c];

			if (d->log_to[c] < d->log_from[c] || n > d->log_len)
				return -EINVAL;
			for (uint64_t h = d->log_from[c]; h < d->log_to[c]; h++) {
				const struct sched_fold *f =
					&d->folds[(size_t)c * d->log_len + (h & (d->log_len - 1))];

				if (f->slot < d->cap)
					max_idx = MAX(max_idx, (size_t)f->slot + 1);
			}
			nrec += (size_t)n;
		}
	}
	for (unsigned c = 0; c < a->ncpus; c++)
		if (d->cpus[c].cur_slot < d->cap)
			max_idx = MAX(max_idx, (size_t)d->cpus[c].cur_slot + 1);
	*ret_nrec = nrec;
	*ret_max_idx = max_idx;
	return 0;
}

/* Grow the per-slot states to n (new ones free); never shrunk: slots are reused. */
static int grow_slots(struct ebpf_agg *a, size_t n)
{
	size_t cap = n + n / 8 + 256;
	struct slot_state *s;

	if (n <= a->nslot_state)
		return 0;
	s = realloc(a->slot, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + a->nslot_state, 0, (cap - a->nslot_state) * sizeof(*s));
	a->slot = s;
	a->nslot_state = cap;
	return 0;
}

/*
 * Emit slot st's task: its pieces summed per CPU, debits repaid, the running
 * slice's credit added; a row per CPU with time, in CPU order. Returns its
 * time; *nr advances over its rows.
 *
 * Debits are repaid on their own CPU first. Then what is left of a part
 * that moved unfolded (a full log: some of its time ran on CPUs other than
 * its own) repays the task's debits on the other CPUs: a slice credited
 * while it ran on one of them may have moved with the part. Only full logs
 * move parts, so this scan of every CPU is rare.
 */
static uint64_t emit_rows(struct ebpf_agg *a, struct slot_state *st, uint32_t task, size_t *nr)
{
	unsigned n = 0;
	uint64_t sum = 0;
	bool moved = false;

	for (uint32_t p = st->piece; p; p = a->pieces[p - 1].next) {
		const struct piece *pc = &a->pieces[p - 1];
		uint32_t cpu = PIECE_CPU(pc->cpu);

		if (!a->acc_ns[cpu] && !a->extra_ns[cpu] && !a->moved_ns[cpu])
			a->cpu_list[n++] = cpu;
		if (pc->cpu & PIECE_EXTRA) {
			a->extra_ns[cpu] += pc->ns;
		} else {
			a->acc_ns[cpu] += pc->ns;
			if (pc->cpu & PIECE_MOVED) {
				a->moved_ns[cpu] += pc->ns;
				moved = true;
			}
		}
	}
	/* Few CPUs a task: insertion sort. */
	for (unsigned i = 1; i < n; i++) {
		uint32_t v = a->cpu_list[i];
		unsigned j = i;

		for (; j > 0 && a->cpu_list[j - 1] > v; j--)
			a->cpu_list[j] = a->cpu_list[j - 1];
		a->cpu_list[j] = v;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t c = a->cpu_list[i];

		if (a->acc_ns[c]) {
			uint64_t left = repay(&a->cpu[c], &st->key, a->acc_ns[c]);

			a->moved_ns[c] = MIN(a->moved_ns[c], left);
			a->acc_ns[c] = left;
		}
	}
	for (unsigned i = 0; moved && i < n; i++) {
		uint32_t c = a->cpu_list[i];

		for (unsigned o = 0; o < a->ncpus && a->moved_ns[c]; o++) {
			uint64_t left;

			if (o == c)
				continue;
			left = repay(&a->cpu[o], &st->key, a->moved_ns[c]);
			a->acc_ns[c] -= a->moved_ns[c] - left;
			a->moved_ns[c] = left;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t c = a->cpu_list[i];
		uint64_t delta = a->acc_ns[c] + a->extra_ns[c];

		a->acc_ns[c] = 0;
		a->extra_ns[c] = 0;
		a->moved_ns[c] = 0;
		if (delta) {
			a->rows[(*nr)++] = (struct activity_row){ c, task, delta };
			sum += delta;
		}
	}
	return sum;
}

int ebpf_agg_step(struct ebpf_agg *a, const struct ebpf_dump *d, struct activity_sample *ret)
{
	size_t nrec = 0, max_idx = 0, nt = 0, nr = 0, ntouched = 0, npieces = 0, bound;
	unsigned unnamed = 0;
	uint64_t dropped, named_ns = 0, lost_total_ns = 0;
	uint32_t *swap;
	int r;

	if (!a || !ret)
		return -EINVAL;
	r = reading_size(a, d, &nrec, &max_idx);
	if (r < 0)
		return r;
	/*
	 * Exact bounds, all allocated before anything changes: a slot is touched
	 * by its copy or a record; a piece per record, per copy and per running
	 * slice; a task per touched slot and per running slice; a row per piece.
	 */
	bound = d->ncopies + nrec + a->ncpus;
	if (grow_slots(a, max_idx) < 0 ||
	    fit((void **)&a->touched, &a->touched_cap, bound, sizeof(*a->touched)) < 0 ||
	    fit((void **)&a->pieces, &a->pieces_cap, bound, sizeof(*a->pieces)) < 0 ||
	    fit((void **)&a->tasks, &a->tasks_cap, bound, sizeof(*a->tasks)) < 0 ||
	    fit((void **)&a->rows, &a->rows_cap, bound, sizeof(*a->rows)) < 0 ||
	    fit((void **)&a->recycle, &a->recycle_cap, MAX(a->nexiting, d->ncopies),
		sizeof(*a->recycle)) < 0 ||
	    fit((void **)&a->exiting, &a->exiting_cap, MAX(a->nexiting, d->ncopies),
		sizeof(*a->exiting)) < 0)
		return -ENOMEM;

	if (++a->stamp == 0)
		a->stamp = 1;
	/* The slots whose task's final switch the last step read: given back after this one. */
	swap = a->recycle;
	a->recycle = a->exiting;
	a->exiting = swap;
	a->nrecycle = a->nexiting;
	a->nexiting = 0;
	{
		size_t c = a->recycle_cap;

		a->recycle_cap = a->exiting_cap;
		a->exiting_cap = c;
	}
	dropped = step_cpus(a, d);

	/* Who is in each copied slot: a slot given back and taken again holds a new task. */
	for (size_t i = 0; i < d->ncopies; i++) {
		const struct ebpf_slot_copy *cp = &d->copies[i];
		struct sched_key k = { cp->s.tgid, cp->s.pid, cp->s.start_ns };
		struct slot_state *st;

		if (cp->idx >= d->cap)
			continue;
		st = touch(a, cp->idx, &ntouched);
		if (st->state == SS_FREE || !key_eq(&st->key, &k)) {
			memset(st, 0, offsetof(struct slot_state, stamp));
			st->key = k;
			st->state = SS_LIVE;
			st->cred_ok = 0;
			st->cred_closed = 0;
			st->pend_ok = 0;
			st->fresh = 1;
		}
		st->copy = (uint32_t)i + 1;
	}
	/* The logs: parts that ended, each credited what was not yet. */
	for (unsigned c = 0; d->log_from && c < d->nslots; c++) {
		for (uint64_t h = d->log_from[c]; h < d->log_to[c]; h++) {
			const struct sched_fold *f =
				&d->folds[(size_t)c * d->log_len + (h & (d->log_len - 1))];
			struct slot_state *st;
			uint64_t ns;

			/* A slot never copied: its task is unknown (the reader could not copy it). */
			if (f->slot >= d->cap || a->slot[f->slot].state == SS_FREE)
				continue;
			st = touch(a, f->slot, &ntouched);
			ns = credit_record(st, f->epoch, f->ns);
			/* Time on a CPU the sample does not report (never online): none. */
			if (ns && f->cpu < a->ncpus)
				add_piece(a, &npieces, st,
					  f->cpu | (f->flags & SCHED_PART_MOVED ? PIECE_MOVED : 0), ns);
		}
	}
	/* The parts still open, as the copies show them. */
	for (size_t i = 0; i < d->ncopies; i++) {
		const struct ebpf_slot_copy *cp = &d->copies[i];
		struct slot_state *st;
		uint64_t ns;

		if (cp->idx >= d->cap || cp->s.acc_cpu == SCHED_NONE)
			continue;
		st = &a->slot[cp->idx];
		ns = credit_acc(st, cp->s.epoch, cp->s.acc_ns, cp->s.acc_cpu);
		if (ns && cp->s.acc_cpu < a->ncpus)
			add_piece(a, &npieces, st,
				  cp->s.acc_cpu |
					  (cp->s.flags & SCHED_PART_MOVED ? PIECE_MOVED : 0),
				  ns);
	}
	/* The running slices, on their tasks' slots where the program named them. */
	for (unsigned c = 0; c < a->ncpus; c++) {
		struct cpu_track *t = &a->cpu[c];
		uint32_t idx = d->cpus[c].cur_slot;
		struct slot_state *st;

		if (t->extra_found || idx >= d->cap)
			continue;
		st = &a->slot[idx];
		if (st->state == SS_FREE || !key_eq(&st->key, &t->extra_key))
			continue;
		st = touch(a, idx, &ntouched);
		if (t->extra_ns)
			add_piece(a, &npieces, st, c | PIECE_EXTRA, t->extra_ns);
		t->extra_found = true;
	}

	/* Running slices no slot was found for (usually none). */
	for (unsigned c = 0; c < a->ncpus; c++)
		unnamed += !a->cpu[c].extra_found && a->cpu[c].extra_ns;
	for (size_t k = 0; k < ntouched; k++) {
		struct slot_state *st = &a->slot[a->touched[k]];
		const struct ebpf_slot_copy *cp = st->copy ? &d->copies[st->copy - 1] : NULL;
		bool exited = cp && (cp->s.flags & SCHED_TASK_EXITED);
		bool first_exit = exited && st->state == SS_LIVE;
		struct activity_task *o = &a->tasks[nt];
		size_t first = nr;
		uint64_t sum, sys = 0;

		if (cp) {
			sys = sub_sat_u64(cp->s.syscalls, st->sys_prev);
			st->sys_prev = MAX(cp->s.syscalls, st->sys_prev);
		}
		/*
		 * Syscalls and no time of its own: a slot taken while its task
		 * runs (its first syscall or an exec, in a slice that began
		 * without a slot), whose slice a CPU may name only by its key.
		 * That slice is the task's: one record, not two.
		 */
		if (sys && !st->piece && unnamed)
			unnamed -= adopt_running(a, st, &npieces);
		sum = emit_rows(a, st, (uint32_t)nt, &nr);
		if (first_exit) {
			st->state = SS_EXITING;
			a->exiting[a->nexiting++] = a->touched[k];
		}
		/*
		 * A task is reported when it has time, exits, or made syscalls:
		 * a copy can show calls and no new time (a running slice
		 * credited up to the sample was all repaid by its task's run
		 * time, or began after it), and those calls are read once.
		 */
		if (!sum && !first_exit && !sys)
			continue;
		memset(o, 0, sizeof(*o));
		o->key = (struct task_key){ st->key.tgid, st->key.pid, st->key.start_ns };
		if (cp) {
			memcpy(o->comm, cp->s.comm, ACTIVITY_COMM_LEN);
			o->comm[ACTIVITY_COMM_LEN - 1] = '\0';
			o->cgroup_id = cp->id.cgroup_id;
			o->uid = cp->id.uid;
			o->flags = cp->s.flags & (SCHED_TASK_EXITED | SCHED_TASK_KERNEL);
			o->ppid = cp->id.ppid;
			o->parent_start_ns = cp->id.parent_start_ns;
			o->proc_start_ns = cp->id.proc_start_ns;
		}
		o->flags |= st->fresh ? ACTIVITY_TASK_NEW : 0;
		o->oncpu_ns = sum;
		o->syscalls = sys;
		o->first_row = (uint32_t)first;
		o->nrows = (uint32_t)(nr - first);
		named_ns += sum;
		nt++;
	}
	for (unsigned c = 0; c < a->ncpus; c++) {
		struct cpu_track *t = &a->cpu[c];

		/*
		 * The running task has no slot the program named at its switch-in
		 * (older than the program, it gets one at its switch-out). Name
		 * the slice anyway (the caller fills comm from /proc); its slot,
		 * when it comes, repays the credit like any other.
		 */
		if (!t->extra_found && t->extra_ns) {
			struct activity_task *o = &a->tasks[nt];

			memset(o, 0, sizeof(*o));
			o->key = (struct task_key){ t->extra_key.tgid, t->extra_key.pid,
						    t->extra_key.start_ns };
			o->flags = ACTIVITY_TASK_NEW;
			o->oncpu_ns = t->extra_ns;
			o->first_row = (uint32_t)nr;
			o->nrows = 1;
			a->rows[nr++] = (struct activity_row){ c, (uint32_t)nt, t->extra_ns };
			named_ns += t->extra_ns;
			nt++;
		}
		for (int i = 0; i < AGG_DEBITS; i++) {
			struct debit *db = &t->debit[i];
			uint64_t take;

			if (!db->ns || db->key.pid == 0 || db->seen || owes_later(a, db))
				continue;
			/*
			 * A debtor with no time on this CPU in this reading, not alive in
			 * a slot the program named: its slice completed without a slot
			 * (BPF counted it as lost, already credited here), or it took a
			 * slot at that switch-out, after the slots were read: its part
			 * comes with the next reading, or, ended after the next log
			 * heads, with its record one reading later. Two more readings.
			 */
			take = MIN(db->ns, a->lost_ns[c]);
			a->lost_ns[c] -= take;
			db->ns -= take;
			if (++db->age > 2)
				db->ns = 0;
		}
		lost_total_ns += a->lost_ns[c];
	}
	/* Given back to the program once this reading's logs were read: free here now. */
	for (size_t i = 0; i < a->nrecycle; i++)
		a->slot[a->recycle[i]].state = SS_FREE;

	*ret = (struct activity_sample){
		.start_ns = a->t_prev_ns,
		.end_ns = d->t_ns,
		.ncpus = a->ncpus,
		.idle_ns = a->idle_ns,
		.lost_ns = a->lost_ns,
		.irq_ns = a->irq_ns,
		.tasks = a->tasks,
		.ntasks = nt,
		.rows = a->rows,
		.nrows = nr,
		.dropped = dropped,
		.captured = named_ns + lost_total_ns
				    ? (double)named_ns / (double)(named_ns + lost_total_ns)
				    : 1.0,
	};
	a->t_prev_ns = MAX(a->t_prev_ns, d->t_ns);
	return 0;
}

size_t ebpf_agg_recycle(const struct ebpf_agg *a, const uint32_t **ret)
{
	*ret = a->recycle;
	return a->nrecycle;
}

uint32_t task_map_plan_for(uint64_t pid_max, uint64_t ram_bytes, uint32_t threads)
{
	uint64_t budget = TASK_MAP_BUDGET, n;

	n = MIN(MAX(pid_max, (uint64_t)SCHED_TASKS_MIN), (uint64_t)SCHED_TASKS_MAX);
	if (ram_bytes)
		budget = MIN(budget, ram_bytes / 64);
	n = MIN(n, budget / SLOT_BYTES);
	n = MIN(n, MAX((uint64_t)SLOTS_FLOOR, (uint64_t)SLOTS_PER_TASK * threads));
	return (uint32_t)MAX(n, (uint64_t)SCHED_TASKS_MIN);
}

uint32_t ebpf_log_len_for(unsigned nslots)
{
	uint64_t fit = SCHED_LOG_BUDGET / ((uint64_t)MAX(nslots, 1u) * sizeof(struct sched_fold));
	uint32_t n = SCHED_LOG_MIN;

	while (n < SCHED_LOG_MAX && 2ull * n <= fit)
		n *= 2;
	return n;
}

/*
 * The kernel's task-local storage per task, estimated from its structures
 * (kernel 6.x): the storage (struct bpf_local_storage: a lock, a list, its
 * owner and a cache of 16 element pointers) and the element (struct
 * bpf_local_storage_elem: list nodes, an RCU head, the map pointer, and the
 * value), each rounded up to the allocator's size class.
 */
#define TASK_STORAGE_BYTES (192u + 128u)

struct ebpf_mem_model ebpf_mem_model_of(unsigned nslots)
{
	return (struct ebpf_mem_model){
		.kernel_per_cpu = sizeof(struct sched_cpu) +
				  (uint64_t)ebpf_log_len_for(nslots) * sizeof(struct sched_fold),
		.kernel_per_slot = SLOT_BYTES,
		.kernel_per_task = TASK_STORAGE_BYTES,
		.kernel_fixed = sizeof(struct sched_ctl),
		/* reader: seen and pos; aggregator: the slot's state */
		.user_per_slot = 2 * sizeof(uint32_t) + sizeof(struct slot_state),
		/* a changed task: its copy, its task record, a touched entry, a piece and a row */
		.user_per_task = sizeof(struct ebpf_slot_copy) + sizeof(struct activity_task) +
				 sizeof(uint32_t) + sizeof(struct piece) + sizeof(struct activity_row),
		/* reader: head, tail, the CPU state and its flag; aggregator: track and scratch */
		.user_per_cpu = 2 * sizeof(uint64_t) + sizeof(struct sched_cpu) + sizeof(bool) +
				sizeof(struct cpu_track) + 6 * sizeof(uint64_t) + sizeof(uint32_t),
	};
}

uint64_t ebpf_open_irq_ns(uint64_t t_ns, uint64_t last_ns, uint64_t cur_rt_ns, uint64_t rt_now_ns)
{
	uint64_t wall, run;

	if (t_ns <= last_ns || rt_now_ns < cur_rt_ns)
		return 0;
	wall = t_ns - last_ns;
	run = rt_now_ns - cur_rt_ns;
	return wall > run + RUN_STALE_NS ? wall - run - RUN_STALE_NS : 0;
}

int ebpf_nohz_full(const char *buf, ssize_t len, unsigned nslots, struct cpuset *ret)
{
	const char *p = buf;
	size_t n;

	cpuset_zero(ret);
	if (len <= 0)
		return 0;
	n = parse_trim(&p, (size_t)len);
	if (n == 0 || (n == 6 && memcmp(p, "(null)", 6) == 0))
		return 0;
	if (parse_cpulist(p, n, ret) == 0)
		return 0;
	cpuset_zero(ret);
	for (unsigned c = 0; c < nslots && c < CPUSET_MAX_CPUS; c++)
		cpuset_set(ret, c);
	return -EINVAL;
}
