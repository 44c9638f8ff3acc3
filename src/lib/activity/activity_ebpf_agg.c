/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf_agg.c - from cumulative BPF map contents to one interval's
 * activity_sample (pure: no I/O, so tests feed it recorded map contents).
 *
 * Three kinds of time make up each CPU's interval:
 * - completed slices: the difference of each task's (and idle's) cumulative
 *   counter since the previous reading;
 * - the slice still running at sample time: sched_cpu.last_ns/cur_* name it,
 *   and it is credited up to d->t_ns ("open credit");
 * - time lost to a full task map: sched_cpu.lost_ns, reported, never hidden;
 * - interrupt and steal time inside task slices: sched_cpu.irq_ns (the slice's
 *   wall time minus the run time the kernel accounted to its task).
 * When a credited slice later completes, its counter includes what was
 * already credited: that amount becomes a debit taken from the task's next
 * differences on that CPU, so no nanosecond is counted twice.
 *
 * The running slice's credit is split in two when the caller knows part of
 * it is not its task's run time (d->open_irq_ns: steal or interrupts so
 * far): that part is named irq now rather than when the slice completes, so
 * a task stolen from for a long slice is not credited the steal meanwhile.
 * Both parts only grow while the slice runs, and when it completes, the
 * irq part is repaid from the CPU's irq counter as the task part is from
 * the task's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activity_ebpf.h"
#include "parse.h"
#include "util.h"

/*
 * Debits pending per CPU. One is usual; more happen when a slice completes
 * after the map was read and its task does not run again for a while.
 */
#define AGG_DEBITS 8

/* Open-addressing map from a task key to an index. */
struct keytab {
	size_t cap;		/* power of two, or 0 */
	struct kt_slot {
		struct sched_key key;
		int64_t val;	/* -1: empty */
	} *slot;
};

/*
 * Open-addressing index over an array the caller owns: each slot holds an
 * index into it plus one (0: empty), the keys themselves stay in the array.
 * Four bytes a slot where a slot with its key took 24: the tables are sized
 * for twice the tasks and cleared every step, so all of them is resident.
 */
struct idxtab {
	size_t cap;		/* power of two, or 0 */
	uint32_t *slot;
};

/*
 * What the previous reading held for the tasks still alive, updated in
 * place by each step: one copy, not the last and the next side by side.
 */
struct prev_set {
	size_t n, cap, ns_cap;
	struct sched_key *keys;
	uint64_t *ns;		/* [n * ncpus] cumulative oncpu_ns of the sample's CPUs */
	struct idxtab tab;	/* key -> index into keys */
	uint8_t *seen;		/* scratch [n + new entries]: in this reading, alive */
	size_t seen_cap;
};

struct cpu_track {
	bool open_valid;
	struct sched_key open_key;	/* the slice running at the last sample */
	uint64_t open_last_ns;		/* its start (sched_cpu.last_ns) */
	uint64_t open_credit_ns;	/* credited so far (its task's part and its irq part) */
	uint64_t open_irq_ns;		/* of which irq */
	uint64_t irq_debit_ns;		/* irq credited to completed slices, to repay */
	/* Completed slices credited before they completed, to repay from their tasks' differences. */
	struct debit {
		struct sched_key key;
		uint64_t ns;	/* 0: free */
		bool seen;	/* the task is in this reading */
		uint8_t age;	/* readings since it was created without the task in them */
	} debit[AGG_DEBITS];
	uint64_t idle_prev_ns, lost_prev_ns, irq_prev_ns, dropped_prev;
	/* scratch for one step */
	struct sched_key extra_key;
	uint64_t extra_ns;
	bool extra_found;
};

struct ebpf_agg {
	unsigned ncpus, nslots;
	uint64_t t_prev_ns;
	struct cpu_track *cpu;		/* [ncpus] */
	struct prev_set prev;
	uint32_t *prev_of;		/* scratch [ntasks]: each entry's index in prev, plus one; 0: new */
	size_t prev_of_cap;
	int cur;			/* sys_prev[cur] holds the last reading */
	struct keytab sys_prev[2];	/* tgid -> cumulative syscalls */
	struct idxtab task_of_tgid;	/* scratch: tgid -> index into tasks */
	struct activity_task *tasks;
	size_t tasks_cap;
	struct activity_row *rows;
	size_t rows_cap;
	uint64_t *idle_ns, *lost_ns, *irq_ns;	/* [ncpus] */
	uint64_t *fold_ns;		/* [ncpus]: one entry's times, folded from keys and vals */
	struct sched_key *exited;
	size_t nexited, exited_cap;
	uint32_t *exited_tgids;
	size_t nexited_tgids, exited_tgids_cap;
};

static bool key_eq(const struct sched_key *a, const struct sched_key *b)
{
	return a->tgid == b->tgid && a->pid == b->pid && a->start_ns == b->start_ns;
}

static size_t key_hash(const struct sched_key *k)
{
	uint64_t h = ((uint64_t)k->tgid << 32 | k->pid) ^ (k->start_ns * 0x9e3779b97f4a7c15ULL);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

/* Empty the table, sized for n keys at most half full. */
static int kt_reset(struct keytab *t, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > t->cap) {
		struct kt_slot *s = realloc(t->slot, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		t->slot = s;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->cap; i++)
		t->slot[i].val = -1;
	return 0;
}

/* Insert or replace; the table must have been reset for at least as many keys. */
static void kt_put(struct keytab *t, const struct sched_key *k, int64_t val)
{
	for (size_t i = key_hash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->slot[i].val < 0 || key_eq(&t->slot[i].key, k)) {
			t->slot[i].key = *k;
			t->slot[i].val = val;
			return;
		}
	}
}

static int64_t kt_get(const struct keytab *t, const struct sched_key *k)
{
	if (!t->cap)
		return -1;
	for (size_t i = key_hash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->slot[i].val < 0)
			return -1;
		if (key_eq(&t->slot[i].key, k))
			return t->slot[i].val;
	}
}

static size_t tgid_hash(uint32_t tgid)
{
	uint64_t h = tgid * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ h >> 29);
}

/* Empty the index, sized for n entries at most half full. */
static int it_reset(struct idxtab *t, size_t n)
{
	size_t cap = 16;

	if (n > UINT32_MAX - 1)
		return -ENOMEM;
	while (cap < 2 * n)
		cap *= 2;
	if (cap != t->cap) {
		uint32_t *s = realloc(t->slot, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		t->slot = s;
		t->cap = cap;
	}
	memset(t->slot, 0, t->cap * sizeof(*t->slot));
	return 0;
}

/* The slots it_reset() gives an index for n entries. */
static size_t it_cap(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

/* keys[idx] must be stored; the index must have been reset for at least idx + 1 entries. */
static void it_put_key(struct idxtab *t, const struct sched_key *keys, size_t idx)
{
	for (size_t i = key_hash(&keys[idx]) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->slot[i] || key_eq(&keys[t->slot[i] - 1], &keys[idx])) {
			t->slot[i] = (uint32_t)idx + 1;
			return;
		}
	}
}

static int64_t it_get_key(const struct idxtab *t, const struct sched_key *keys,
			  const struct sched_key *k)
{
	if (!t->cap)
		return -1;
	for (size_t i = key_hash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->slot[i])
			return -1;
		if (key_eq(&keys[t->slot[i] - 1], k))
			return (int64_t)t->slot[i] - 1;
	}
}

/* The slot of tgid among tasks[].key.tgid: a free one when absent. */
static uint32_t *it_tgid_slot(const struct idxtab *t, const struct activity_task *tasks,
			      uint32_t tgid)
{
	for (size_t i = tgid_hash(tgid) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (!t->slot[i] || tasks[t->slot[i] - 1].key.tgid == tgid)
			return &t->slot[i];
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
	a->fold_ns = calloc(ncpus, sizeof(*a->fold_ns));
	if (!a->cpu || !a->idle_ns || !a->lost_ns || !a->irq_ns || !a->fold_ns ||
	    it_reset(&a->prev.tab, 0) < 0 || kt_reset(&a->sys_prev[0], 0) < 0) {
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
	free(a->prev.keys);
	free(a->prev.ns);
	free(a->prev.tab.slot);
	free(a->prev.seen);
	free(a->prev_of);
	for (int i = 0; i < 2; i++)
		free(a->sys_prev[i].slot);
	free(a->task_of_tgid.slot);
	free(a->cpu);
	free(a->tasks);
	free(a->rows);
	free(a->idle_ns);
	free(a->lost_ns);
	free(a->irq_ns);
	free(a->fold_ns);
	free(a->exited);
	free(a->exited_tgids);
	free(a);
	return NULL;
}

static const struct sched_key IDLE_KEY = { 0, 0, 0 };

static void add_debit(struct cpu_track *t, const struct sched_key *k, uint64_t ns)
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

/* Name each CPU's running slice, and take the idle/lost counters' differences. */
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
				add_debit(t, &t->open_key, t->open_credit_ns - t->open_irq_ns);
			if (t->open_valid)
				t->irq_debit_ns += t->open_irq_ns;
			irq = est_irq;
			irq_extra = irq;
			t->extra_ns = open_ns - irq;
		}
		t->open_valid = true;
		t->open_key = ck;
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
	}
	return dropped;
}

void ebpf_fold(const struct sched_key *key, const struct sched_val *v, unsigned nslots,
	       unsigned ncpus, struct activity_task *o, uint64_t *oncpu_ns)
{
	unsigned best = 0;
	uint32_t flags = 0;

	for (unsigned c = 0; c < nslots; c++) {
		flags |= v[c].flags;
		if (v[c].comm_ns > v[best].comm_ns)
			best = c;
	}
	memset(o, 0, sizeof(*o));
	o->key = (struct task_key){ key->tgid, key->pid, key->start_ns };
	memcpy(o->comm, v[best].comm, ACTIVITY_COMM_LEN);
	o->comm[ACTIVITY_COMM_LEN - 1] = '\0';
	o->cgroup_id = v[best].cgroup_id;
	o->uid = v[best].uid;
	o->flags = flags & (SCHED_TASK_EXITED | SCHED_TASK_KERNEL);
	/*
	 * Parentage from the earliest copy that has it: the fork record, before
	 * a parent's exit could reparent the task (sched_shared.h).
	 */
	best = nslots;
	for (unsigned c = 0; c < nslots; c++)
		if (v[c].ppid && v[c].comm_ns && (best == nslots || v[c].comm_ns < v[best].comm_ns))
			best = c;
	if (best < nslots) {
		o->ppid = v[best].ppid;
		o->parent_start_ns = v[best].parent_start_ns;
		o->proc_start_ns = v[best].proc_start_ns;
	}
	for (unsigned c = 0; c < ncpus && c < nslots; c++)
		oncpu_ns[c] = v[c].oncpu_ns;
}

static void step_syscalls(struct ebpf_agg *a, const struct ebpf_dump *d,
			  struct activity_task *tasks, size_t ntasks)
{
	struct keytab *prev = &a->sys_prev[a->cur], *next = &a->sys_prev[!a->cur];

	/* The tgid's main thread row when it ran, else its first row. */
	for (size_t i = 0; i < ntasks && d->nsys; i++) {
		const struct activity_task *t = &tasks[i];
		uint32_t *slot = it_tgid_slot(&a->task_of_tgid, tasks, t->key.tgid);

		if (!*slot || (t->key.tid == t->key.tgid && tasks[*slot - 1].key.tid != t->key.tgid))
			*slot = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < d->nsys; i++) {
		struct sched_key k = { d->sys_tgids[i], 0, 0 };
		uint64_t total = 0, before = 0;
		int64_t p = kt_get(prev, &k);
		uint32_t *slot;

		for (unsigned c = 0; c < d->nslots; c++)
			total += d->sys_counts[i * d->nslots + c];
		if (p >= 0)
			before = (uint64_t)p;
		slot = it_tgid_slot(&a->task_of_tgid, tasks, d->sys_tgids[i]);
		if (*slot)
			tasks[*slot - 1].syscalls += total >= before ? total - before : total;
		kt_put(next, &k, (int64_t)(total & INT64_MAX));
	}
	for (size_t i = 0; i < a->nexited_tgids; i++) {
		struct sched_key k = { a->exited_tgids[i], 0, 0 };

		/* Deleted from the map by the caller: forget it, or a reuse would go negative. */
		if (kt_get(next, &k) >= 0)
			kt_put(next, &k, 0);
	}
}

int ebpf_agg_step(struct ebpf_agg *a, const struct ebpf_dump *d, struct activity_sample *ret)
{
	struct prev_set *P = a ? &a->prev : NULL;
	struct activity_task *out;
	size_t nt = 0, nr = 0, nrows_max = 0, nexit_max = 0, nnew = 0, nprev, tcap;
	uint32_t *newtab = NULL;
	uint64_t dropped, named_ns = 0, lost_total_ns = 0;
	int r;

	if (!a || !d || !ret || d->nslots != a->nslots ||
	    (d->ntasks && !(d->tasks ? d->oncpu_ns && !d->keys && !d->vals : d->keys && d->vals)) ||
	    !d->cpus || (d->nsys && (!d->sys_tgids || !d->sys_counts)))
		return -EINVAL;
	/*
	 * Exact bounds: a row per CPU where the entry's counter is not zero, and
	 * one per CPU for the running slices; a task per entry and per CPU; the
	 * entries new since the last reading, which prev takes on. Each entry's
	 * place in prev is looked up here, once.
	 */
	if (fit((void **)&a->prev_of, &a->prev_of_cap, d->ntasks, sizeof(*a->prev_of)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < d->ntasks; i++) {
		const uint64_t *ns = d->tasks ? &d->oncpu_ns[i * a->ncpus] : NULL;
		const struct sched_key *dk = d->tasks ? NULL : &d->keys[i];
		struct sched_key tk;
		uint32_t flags = 0;
		int64_t j;

		if (d->tasks) {
			tk = (struct sched_key){ d->tasks[i].key.tgid, d->tasks[i].key.tid,
						 d->tasks[i].key.start_ns };
			dk = &tk;
		}
		j = it_get_key(&P->tab, P->keys, dk);
		a->prev_of[i] = (uint32_t)(j + 1);

		for (unsigned c = 0; c < a->ncpus; c++)
			nrows_max += (ns ? ns[c] : d->vals[i * a->nslots + c].oncpu_ns) != 0;
		if (d->tasks)
			flags = d->tasks[i].flags;
		else
			for (unsigned c = 0; c < a->nslots; c++)
				flags |= d->vals[i * a->nslots + c].flags;
		nexit_max += (flags & SCHED_TASK_EXITED) != 0;
		nnew += j < 0 && !(flags & SCHED_TASK_EXITED);
	}
	nprev = P->n + nnew;
	if (fit((void **)&a->tasks, &a->tasks_cap, d->tasks ? 0 : d->ntasks + a->ncpus,
		sizeof(*a->tasks)) < 0 ||
	    fit((void **)&a->rows, &a->rows_cap, nrows_max + a->ncpus, sizeof(*a->rows)) < 0 ||
	    fit((void **)&a->exited, &a->exited_cap, nexit_max, sizeof(*a->exited)) < 0 ||
	    fit((void **)&a->exited_tgids, &a->exited_tgids_cap, nexit_max,
		sizeof(*a->exited_tgids)) < 0 ||
	    fit((void **)&P->keys, &P->cap, MAX(nprev, P->n), sizeof(*P->keys)) < 0 ||
	    fit((void **)&P->ns, &P->ns_cap, MAX(nprev, P->n) * a->ncpus, sizeof(*P->ns)) < 0 ||
	    fit((void **)&P->seen, &P->seen_cap, nprev, sizeof(*P->seen)) < 0)
		return -ENOMEM;
	/* prev's next index, allocated now: nothing may fail once the step has begun. */
	tcap = it_cap(MIN(nprev, d->ntasks));
	if (tcap != P->tab.cap) {
		newtab = malloc(tcap * sizeof(*newtab));
		if (!newtab)
			return -ENOMEM;
	}
	r = kt_reset(&a->sys_prev[!a->cur], d->nsys);
	if (r < 0) {
		free(newtab);
		return r;
	}
	/* Only syscall counters need it (--syscalls): 4 bytes a slot, twice the tasks. */
	r = it_reset(&a->task_of_tgid, d->nsys ? d->ntasks + a->ncpus : 0);
	if (r < 0) {
		free(newtab);
		return r;
	}

	out = d->tasks ? d->tasks : a->tasks;
	dropped = step_cpus(a, d);
	if (nprev)	/* else seen may be NULL */
		memset(P->seen, 0, nprev * sizeof(*P->seen));
	nprev = P->n;
	a->nexited = 0;
	a->nexited_tgids = 0;
	for (size_t i = 0; i < d->ntasks; i++) {
		/* A copy: the sample's task may be written over the entry (d->tasks). */
		struct activity_task in;
		const uint64_t *ns = a->fold_ns;
		struct sched_key key;
		const struct sched_key *k = &key;
		uint32_t flags;
		size_t first = nr;
		uint64_t sum = 0;
		int64_t j;

		if (d->tasks) {
			in = d->tasks[i];
			ns = &d->oncpu_ns[i * a->ncpus];
		} else {
			ebpf_fold(&d->keys[i], &d->vals[i * a->nslots], a->nslots, a->ncpus, &in,
				  a->fold_ns);
		}
		key = (struct sched_key){ in.key.tgid, in.key.tid, in.key.start_ns };
		flags = in.flags;
		j = (int64_t)a->prev_of[i] - 1;
		for (unsigned c = 0; c < a->ncpus; c++) {
			struct cpu_track *t = &a->cpu[c];
			uint64_t cum = ns[c], before = j >= 0 ? P->ns[j * a->ncpus + c] : 0;
			uint64_t delta = cum >= before ? cum - before : cum;

			delta = repay(t, k, delta);
			if (!t->extra_found && key_eq(&t->extra_key, k)) {
				delta += t->extra_ns;
				t->extra_found = true;
			}
			if (delta) {
				a->rows[nr++] = (struct activity_row){ c, (uint32_t)nt, delta };
				sum += delta;
			}
		}
		if (sum || (flags & SCHED_TASK_EXITED)) {
			struct activity_task *o = &out[nt++];

			*o = in;
			o->flags |= j < 0 ? ACTIVITY_TASK_NEW : 0;
			o->oncpu_ns = sum;
			o->first_row = (uint32_t)first;
			o->nrows = (uint32_t)(nr - first);
			named_ns += sum;
		}
		if (flags & SCHED_TASK_EXITED) {
			a->exited[a->nexited++] = *k;
			if (k->pid == k->tgid)
				a->exited_tgids[a->nexited_tgids++] = k->tgid;
			continue;
		}
		/* Its counters replace the ones just read (keys are unique in a reading). */
		if (j < 0) {
			j = (int64_t)nprev++;
			P->keys[j] = *k;
		}
		for (unsigned c = 0; c < a->ncpus; c++)
			P->ns[(size_t)j * a->ncpus + c] = ns[c];
		P->seen[j] = 1;
	}
	/* prev keeps the tasks of this reading that did not exit, and is indexed again. */
	P->n = 0;
	for (size_t j = 0; j < nprev; j++) {
		if (!P->seen[j])
			continue;
		if (P->n != j) {
			P->keys[P->n] = P->keys[j];
			memcpy(&P->ns[P->n * a->ncpus], &P->ns[j * a->ncpus],
			       a->ncpus * sizeof(*P->ns));
		}
		P->n++;
	}
	if (newtab) {
		free(P->tab.slot);
		P->tab.slot = newtab;
		P->tab.cap = tcap;
	}
	memset(P->tab.slot, 0, P->tab.cap * sizeof(*P->tab.slot));
	for (size_t j = 0; j < P->n; j++)
		it_put_key(&P->tab, P->keys, j);
	for (unsigned c = 0; c < a->ncpus; c++) {
		struct cpu_track *t = &a->cpu[c];

		/*
		 * The running task has no entry in this reading: sched.bpf.c
		 * creates entries when a task's first slice completes, which
		 * keeps a hash lookup off every switch. Name the slice anyway
		 * (the caller fills comm from /proc); its entry, when it comes,
		 * repays the credit like any other.
		 */
		if (!t->extra_found && t->extra_ns) {
			struct activity_task *o = &out[nt];

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

			if (!db->ns || db->key.pid == 0 || db->seen)
				continue;
			/*
			 * A debtor not in the map: its slice completed with the map
			 * full (BPF counted it as lost, already credited here), or
			 * after this reading (give it one more), or it exited and
			 * its entry is gone.
			 */
			take = MIN(db->ns, a->lost_ns[c]);
			a->lost_ns[c] -= take;
			db->ns -= take;
			if (++db->age > 1)
				db->ns = 0;
		}
		lost_total_ns += a->lost_ns[c];
	}
	step_syscalls(a, d, out, nt);
	a->cur = !a->cur;

	*ret = (struct activity_sample){
		.start_ns = a->t_prev_ns,
		.end_ns = d->t_ns,
		.ncpus = a->ncpus,
		.idle_ns = a->idle_ns,
		.lost_ns = a->lost_ns,
		.irq_ns = a->irq_ns,
		.tasks = out,
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

size_t ebpf_agg_exited(const struct ebpf_agg *a, const struct sched_key **ret)
{
	*ret = a->exited;
	return a->nexited;
}

size_t ebpf_agg_exited_tgids(const struct ebpf_agg *a, const uint32_t **ret)
{
	*ret = a->exited_tgids;
	return a->nexited_tgids;
}

struct task_map_plan task_map_plan_for(uint64_t pid_max, uint64_t ram_bytes, unsigned nslots,
				       uint32_t threads)
{
	uint64_t budget = TASK_MAP_BUDGET, per_entry, fit;

	pid_max = MIN(MAX(pid_max, (uint64_t)SCHED_TASKS_MIN), (uint64_t)SCHED_TASKS_MAX);
	if (ram_bytes)
		budget = MIN(budget, ram_bytes / 64);
	per_entry = TASK_ENTRY_OVERHEAD + (uint64_t)sizeof(struct sched_val) * MAX(nslots, 1u);
	fit = MIN(budget / per_entry, (uint64_t)SCHED_TASKS_MAX);
	if (pid_max <= fit)
		return (struct task_map_plan){ (uint32_t)pid_max, true };
	if (fit >= SCHED_TASKS_MIN && fit >= 4 * (uint64_t)threads)
		return (struct task_map_plan){ (uint32_t)fit, true };
	return (struct task_map_plan){ (uint32_t)pid_max, false };
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
