/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf_read.c - consistent copies of what sched.bpf.c writes, read
 * in place from the maps userspace has mapped (or from a test's arrays): no
 * system call, and no work for a task that did not change.
 *
 * Order within a reading (the aggregator relies on it):
 *  1. each CPU's log head: the records up to it are this reading's;
 *  2. the slots: those whose seq moved since the last committed reading,
 *     then those the records name (a record is written before the fold's
 *     slot write, so a slot read after the head shows the fold);
 *  3. (the caller) the CPU states, and the slots of their running slices.
 * A reading is committed only after the aggregator used it, so a reading
 * that fails, or is read again, loses nothing.
 *
 * Slot copies follow the seq protocol: two equal even reads of seq around
 * the copy. The CPU states follow theirs (gen_done first, gen_start last).
 * Loads are ordered with acquire fences; x86 keeps the program's stores in
 * order, which the protocol relies on (sched_shared.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activity_ebpf.h"
#include "util.h"

#define SLOT_COPY_TRIES 1000	/* a slot is written for well under a µs at a time */
#define CPU_COPY_TRIES 4

struct ebpf_reader {
	unsigned nslots;
	uint32_t cap;
	size_t hw_cap;		/* seen and pos have room for this many slots */
	uint32_t *seen;		/* [hw_cap]: the seq of the slot's last committed copy */
	uint32_t *pos;		/* [hw_cap]: its copy in this reading, plus one; 0: none */
	struct ebpf_slot_copy *copies;
	size_t ncopies, copies_cap;
	uint64_t *tail;		/* [nslots]: each log consumed up to here */
	uint64_t *head;		/* [nslots]: this reading's end of each log */
	struct sched_cpu *cpus;	/* [nslots] */
	bool *cpu_ok;		/* [nslots] */
	uint64_t torn_slots;	/* slots left for the next reading, having kept changing */
};

int ebpf_reader_new(unsigned nslots, uint32_t cap, struct ebpf_reader **ret)
{
	struct ebpf_reader *r;

	if (!ret || !nslots || !cap)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->nslots = nslots;
	r->cap = cap;
	r->tail = calloc(nslots, sizeof(*r->tail));
	r->head = calloc(nslots, sizeof(*r->head));
	r->cpus = calloc(nslots, sizeof(*r->cpus));
	r->cpu_ok = calloc(nslots, sizeof(*r->cpu_ok));
	if (!r->tail || !r->head || !r->cpus || !r->cpu_ok) {
		ebpf_reader_free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

struct ebpf_reader *ebpf_reader_free(struct ebpf_reader *r)
{
	if (!r)
		return NULL;
	free(r->seen);
	free(r->pos);
	free(r->copies);
	free(r->tail);
	free(r->head);
	free(r->cpus);
	free(r->cpu_ok);
	free(r);
	return NULL;
}

size_t ebpf_reader_footprint(const struct ebpf_reader *r)
{
	if (!r)
		return 0;
	return sizeof(*r) + r->hw_cap * (sizeof(*r->seen) + sizeof(*r->pos)) +
	       r->copies_cap * sizeof(*r->copies) +
	       r->nslots * (sizeof(*r->tail) + sizeof(*r->head) + sizeof(*r->cpus) +
			    sizeof(*r->cpu_ok));
}

/* An acquire load of a field the program writes (its __u64 is not uint64_t's type). */
#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

/* A field-by-field copy the compiler cannot merge with the seq reads around it. */
static void copy_volatile(void *dst, const void *src, size_t n)
{
	const volatile uint64_t *s = src;
	uint64_t *d = dst;

	for (size_t i = 0; i < n / sizeof(uint64_t); i++)
		d[i] = s[i];
}

bool ebpf_copy_slot(const struct ebpf_shm *m, uint32_t idx, struct ebpf_slot_copy *ret)
{
	const struct sched_slot *s = &m->slots[idx];

	for (int tries = 0; tries < SLOT_COPY_TRIES; tries++) {
		uint32_t a = LOAD(&s->seq), b;

		if (a & 1)
			continue;
		copy_volatile(&ret->s, s, sizeof(ret->s));
		copy_volatile(&ret->id, &m->idents[idx], sizeof(ret->id));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (a == b) {
			ret->idx = idx;
			ret->pad = 0;
			ret->s.seq = a;
			return true;
		}
	}
	return false;
}

unsigned ebpf_read_cpus(struct ebpf_reader *r, const struct ebpf_shm *m)
{
	unsigned torn = 0;

	for (unsigned c = 0; c < r->nslots; c++) {
		struct sched_cpu *o = &r->cpus[c];

		r->cpu_ok[c] = false;
		for (int tries = 0; tries < CPU_COPY_TRIES && !r->cpu_ok[c]; tries++) {
			/* gen_done first, gen_start last: the program writes them the other way. */
			copy_volatile(o, &m->cpus[c], sizeof(*o));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			r->cpu_ok[c] = o->gen_done == o->gen_start;
		}
		torn += !r->cpu_ok[c];
	}
	return torn;
}

/* Room for `hw` slots in seen and pos; new places are zero. */
static int grow_hw(struct ebpf_reader *r, size_t hw)
{
	size_t n = hw + hw / 8 + 256;
	uint32_t *s, *p;

	if (hw <= r->hw_cap)
		return 0;
	n = MIN(n, (size_t)r->cap);
	s = realloc(r->seen, n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	r->seen = s;
	p = realloc(r->pos, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->pos = p;
	memset(r->seen + r->hw_cap, 0, (n - r->hw_cap) * sizeof(*s));
	memset(r->pos + r->hw_cap, 0, (n - r->hw_cap) * sizeof(*p));
	r->hw_cap = n;
	return 0;
}

/* Room for `need` copies in all: an eighth more when it grows. */
static int room(struct ebpf_reader *r, size_t need)
{
	size_t n = need + need / 8 + 256;
	struct ebpf_slot_copy *c;

	if (need <= r->copies_cap)
		return 0;
	c = realloc(r->copies, n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	r->copies = c;
	r->copies_cap = n;
	return 0;
}

/* Append a copy of slot idx unless it has one in this reading. */
static int take(struct ebpf_reader *r, const struct ebpf_shm *m, uint32_t idx)
{
	int e;

	if (idx >= r->hw_cap || r->pos[idx])
		return 0;
	e = room(r, r->ncopies + 1);
	if (e < 0)
		return e;
	if (!ebpf_copy_slot(m, idx, &r->copies[r->ncopies])) {
		r->torn_slots++;
		return 0;
	}
	r->pos[idx] = (uint32_t)++r->ncopies;
	return 0;
}

void ebpf_read_begin(struct ebpf_reader *r, const struct ebpf_shm *m)
{
	for (size_t i = 0; i < r->ncopies; i++)
		r->pos[r->copies[i].idx] = 0;
	r->ncopies = 0;
	for (unsigned c = 0; c < r->nslots; c++) {
		r->head[c] = LOAD(&m->cpus[c].log_head);
		/* Never more than a log holds (a head the program never writes: defensive). */
		if (r->head[c] - r->tail[c] > m->log_len)
			r->head[c] = r->tail[c] + m->log_len;
	}
}

int ebpf_read_slots(struct ebpf_reader *r, const struct ebpf_shm *m)
{
	uint64_t next;
	size_t hw;
	int e;

	next = LOAD(&m->ctl->next_new);
	hw = (size_t)MIN(next, (uint64_t)m->cap);
	size_t changed = 0;

	e = grow_hw(r, hw);
	if (e < 0)
		return e;
	/*
	 * Room for every copy at once (the slots that changed, one per record,
	 * one per running slice): a burst of new tasks is then one allocation,
	 * not a chain of them, each copying the last.
	 */
	for (size_t i = 0; i < hw; i++)
		changed += __atomic_load_n(&m->slots[i].seq, __ATOMIC_RELAXED) != r->seen[i];
	for (unsigned c = 0; c < r->nslots; c++)
		changed += (size_t)(r->head[c] - r->tail[c]);
	e = room(r, changed + r->nslots);
	if (e < 0)
		return e;
	for (size_t i = 0; i < hw; i++) {
		if (__atomic_load_n(&m->slots[i].seq, __ATOMIC_RELAXED) == r->seen[i])
			continue;
		e = take(r, m, (uint32_t)i);
		if (e < 0)
			return e;
	}
	for (unsigned c = 0; c < r->nslots; c++) {
		for (uint64_t h = r->tail[c]; h < r->head[c]; h++) {
			const struct sched_fold *f =
				&m->folds[(size_t)c * m->log_len + (h & (m->log_len - 1))];

			e = take(r, m, f->slot);
			if (e < 0)
				return e;
		}
	}
	return 0;
}

int ebpf_read_running(struct ebpf_reader *r, const struct ebpf_shm *m)
{
	for (unsigned c = 0; c < r->nslots; c++) {
		uint32_t idx = r->cpus[c].cur_slot;
		int e;

		if (!r->cpu_ok[c] || idx == SCHED_NONE || idx >= m->cap)
			continue;
		/* Taken after the slots were read: it is below the allocator's mark now. */
		if (idx >= r->hw_cap) {
			e = grow_hw(r, (size_t)idx + 1);
			if (e < 0)
				return e;
		}
		e = take(r, m, idx);
		if (e < 0)
			return e;
	}
	return 0;
}

void ebpf_read_dump(const struct ebpf_reader *r, const struct ebpf_shm *m, struct ebpf_dump *d)
{
	*d = (struct ebpf_dump){
		.nslots = r->nslots,
		.cap = m->cap,
		.cpus = r->cpus,
		.cpu_ok = r->cpu_ok,
		.ncopies = r->ncopies,
		.copies = r->copies,
		.folds = m->folds,
		.log_len = m->log_len,
		.log_from = r->tail,
		.log_to = r->head,
	};
}

const struct sched_cpu *ebpf_read_cpu_states(const struct ebpf_reader *r, const bool **cpu_ok)
{
	*cpu_ok = r->cpu_ok;
	return r->cpus;
}

void ebpf_read_commit(struct ebpf_reader *r, struct ebpf_shm *m, const uint32_t *recycle,
		      size_t nrecycle)
{
	uint64_t tail;

	for (size_t i = 0; i < r->ncopies; i++)
		r->seen[r->copies[i].idx] = r->copies[i].s.seq;
	/* A past peak of changed tasks does not stay resident. */
	if (r->copies_cap > 1024 && r->ncopies < r->copies_cap / 4) {
		size_t n = r->ncopies + r->ncopies / 4 + 256;
		struct ebpf_slot_copy *c = realloc(r->copies, n * sizeof(*c));

		if (c) {
			r->copies = c;
			r->copies_cap = n;
		}
	}
	for (unsigned c = 0; c < r->nslots; c++) {
		r->tail[c] = r->head[c];
		__atomic_store_n(&m->cpus[c].log_tail, r->tail[c], __ATOMIC_RELEASE);
	}
	/* The free ring holds every slot at most once, so it never overflows. */
	tail = m->ctl->free_tail;
	for (size_t i = 0; i < nrecycle; i++) {
		if (recycle[i] >= m->cap)
			continue;
		m->ring[tail & m->ring_mask] = recycle[i];
		tail++;
	}
	__atomic_store_n(&m->ctl->free_tail, tail, __ATOMIC_RELEASE);
}
