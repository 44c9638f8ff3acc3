/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* percpu.c - an interval's host energy laid out per CPU (percpu.h). Pure. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "percpu.h"

struct rem {
	unsigned __int128 r;	/* remainder, in units of 1 / Σw */
	size_t i;
};

static int by_rem(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;

	if (x->r != y->r)
		return x->r > y->r ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int percpu_apportion(uint64_t total, const uint64_t *w, size_t n, uint64_t *out)
{
	struct rem stack[64], *rem = stack;
	unsigned __int128 sum = 0;
	uint64_t given = 0;
	bool even;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	even = sum == 0;
	if (even)
		sum = n;
	if (n > sizeof(stack) / sizeof(stack[0])) {
		rem = malloc(n * sizeof(*rem));
		if (!rem)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)total * (even ? 1 : w[i]);

		out[i] = (uint64_t)(p / sum);
		rem[i] = (struct rem){ p % sum, i };
		given += out[i];
	}
	/* total - given < n: one more unit each for the largest remainders. */
	if (given < total) {
		qsort(rem, n, sizeof(*rem), by_rem);
		for (size_t k = 0; k < total - given; k++)
			out[rem[k].i]++;
	}
	if (rem != stack)
		free(rem);
	return 0;
}

int percpu_split(const struct percpu_in *in, struct percpu_cpu *cpus)
{
	unsigned n = in->ncpus;
	uint64_t *w = NULL, *part = NULL, *slot_w = NULL, *slot_uj = NULL;
	size_t maxslots = 0;
	int r = -ENOMEM;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < in->nitems; i++) {
		if (in->items[i].nslots > maxslots)
			maxslots = in->items[i].nslots;
		for (size_t k = 0; k < in->items[i].nslots; k++)
			if (in->items[i].slots[k].cpu >= n)
				return -EINVAL;
	}
	w = calloc(n, sizeof(*w));
	part = calloc(n, sizeof(*part));
	slot_w = calloc(maxslots + 1, sizeof(*slot_w));
	slot_uj = calloc(maxslots + 1, sizeof(*slot_uj));
	if (!w || !part || !slot_w || !slot_uj)
		goto out;
	memset(cpus, 0, n * sizeof(*cpus));
	for (unsigned c = 0; c < n; c++) {
		cpus[c].idle_ns = in->idle_ns ? in->idle_ns[c] : 0;
		cpus[c].lost_ns = in->lost_ns ? in->lost_ns[c] : 0;
		cpus[c].irq_ns = in->irq_ns ? in->irq_ns[c] : 0;
	}
	for (size_t i = 0; i < in->nitems; i++) {
		struct percpu_item *it = &in->items[i];
		uint64_t ns = 0;

		for (size_t k = 0; k < it->nslots; k++) {
			slot_w[k] = it->slots[k].ns;
			ns += it->slots[k].ns;
			cpus[it->slots[k].cpu].busy_ns += it->slots[k].ns;
		}
		if (ns == 0) {
			/* Energy without time (a meter's, a GPU's share): spread evenly. */
			for (size_t k = 0; k < it->nslots; k++)
				it->slots[k].uj = 0;
			if (!it->energy_uj)
				continue;
			memset(w, 0, n * sizeof(*w));
			if (percpu_apportion(it->energy_uj, w, n, part) < 0)
				goto out;
			for (unsigned c = 0; c < n; c++)
				cpus[c].tasks_uj += part[c];
			continue;
		}
		if (percpu_apportion(it->energy_uj, slot_w, it->nslots, slot_uj) < 0)
			goto out;
		for (size_t k = 0; k < it->nslots; k++) {
			it->slots[k].uj = slot_uj[k];
			cpus[it->slots[k].cpu].tasks_uj += slot_uj[k];
		}
	}
	for (unsigned c = 0; c < n; c++)
		w[c] = cpus[c].idle_ns;
	if (percpu_apportion(in->idle_uj, w, n, part) < 0)
		goto out;
	for (unsigned c = 0; c < n; c++) {
		cpus[c].idle_uj = part[c];
		w[c] = cpus[c].lost_ns + cpus[c].irq_ns;
	}
	if (percpu_apportion(in->unattributed_uj, w, n, part) < 0)
		goto out;
	for (unsigned c = 0; c < n; c++) {
		cpus[c].unattributed_uj = part[c];
		cpus[c].energy_uj = cpus[c].tasks_uj + cpus[c].idle_uj + cpus[c].unattributed_uj;
	}
	r = 0;
out:
	free(w);
	free(part);
	free(slot_w);
	free(slot_uj);
	return r;
}
