/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * percpu.h - one interval's host energy laid out per CPU, for the per-CPU
 * views (`top`'s per-CPU screen, `report --per-cpu`). Pure: no I/O.
 *
 * Attribution splits a domain's energy between tasks by their CPU time over
 * the domain's CPUs (docs/attribution.md); it does not keep where on the
 * domain that time was spent. This lays the split back out on the CPUs, so
 * that each CPU's ledger balances and the CPUs add up to the host's:
 *
 *   - an item's energy (a process's, or a task's) goes to the CPUs it ran on
 *     in proportion to its time on each;
 *   - the idle energy goes to the CPUs in proportion to their idle time, the
 *     unattributed energy in proportion to their lost and irq time (evenly
 *     over all CPUs when nobody has such time);
 *   - a CPU's energy is its items' energy plus its idle and unattributed
 *     shares.
 *
 * Under the separate policy on a machine-wide domain (or one socket) this is
 * exactly the seed monitors' E(pid, cpu) = E(cpu) × t(pid, cpu) / T(cpu).
 * Every split is in whole µJ by largest remainders (ties to the lower CPU),
 * so Σ over CPUs of each part equals the part exactly.
 */
#ifndef JOULESTAT_PERCPU_H
#define JOULESTAT_PERCPU_H

#include <stddef.h>
#include <stdint.h>

/* An item's time on one CPU, and (out) the energy it gets there. */
struct percpu_slot {
	uint32_t cpu;
	uint64_t ns;
	uint64_t uj;		/* written by percpu_split() */
};

/* One item (a process) of the interval. */
struct percpu_item {
	uint64_t energy_uj;	/* its host energy in the interval */
	struct percpu_slot *slots;
	size_t nslots;		/* a CPU may appear in several slots (several threads) */
};

struct percpu_in {
	unsigned ncpus;
	const uint64_t *idle_ns;	/* [ncpus] or NULL (all 0) */
	const uint64_t *lost_ns;	/* [ncpus] or NULL */
	const uint64_t *irq_ns;		/* [ncpus] or NULL */
	uint64_t idle_uj;		/* the host ledger's idle row */
	uint64_t unattributed_uj;	/* ... and its unattributed row */
	struct percpu_item *items;
	size_t nitems;
};

/* One CPU over the interval. */
struct percpu_cpu {
	uint64_t busy_ns;	/* Σ of the items' slots on it */
	uint64_t idle_ns;
	uint64_t lost_ns;
	uint64_t irq_ns;
	uint64_t tasks_uj;	/* Σ of the items' energy on it (and its even share of an
				   item that ran nowhere) */
	uint64_t idle_uj;
	uint64_t unattributed_uj;
	uint64_t energy_uj;	/* tasks + idle + unattributed */
};

/*
 * Split `in` over its CPUs: every slot's uj, and cpus[0 .. ncpus). A slot
 * whose cpu is >= ncpus is refused (-EINVAL, nothing usable written); an
 * item with energy but no time at all spreads it evenly over the CPUs.
 * Returns 0, -EINVAL (ncpus 0, a bad slot), -ENOMEM.
 */
int percpu_split(const struct percpu_in *in, struct percpu_cpu *cpus);

/*
 * Split `total` in whole units over n weights by largest remainders:
 * out[i] = floor(total × w[i] / Σw) plus one for the largest remainders
 * (ties to the lower index), so Σ out == total. All weights 0: evenly.
 * n == 0: nothing. Exact at 64 bits. Returns 0 or -ENOMEM (out untouched).
 */
int percpu_apportion(uint64_t total, const uint64_t *w, size_t n, uint64_t *out);

#endif
