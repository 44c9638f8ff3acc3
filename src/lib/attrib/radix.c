/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* radix.c - stable LSD radix sort of indices by 128-bit keys (radix.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "radix.h"

/* What moves between passes: the key travels with its index, so every pass reads sequentially. */
struct rec {
	uint64_t hi, lo;
	uint32_t idx;
};

/* Runs of equal hi up to this long are ordered by lo with an insertion sort. */
#define RUN_INSERTION_MAX 16

static uint64_t half(const struct rec *r, bool by_lo)
{
	return by_lo ? r->lo : r->hi;
}

/*
 * Stable LSD radix sort of a[0..n) by one 64-bit half, bytes where every
 * key agrees skipped; b is scratch of n. Returns a or b, whichever holds
 * the result.
 */
static struct rec *lsd64(struct rec *a, struct rec *b, size_t n, bool by_lo, size_t (*count)[256])
{
	uint64_t or_v = 0, and_v = ~0ULL, diff;
	unsigned pos[8], npos = 0;

	for (size_t i = 0; i < n; i++) {
		or_v |= half(&a[i], by_lo);
		and_v &= half(&a[i], by_lo);
	}
	diff = or_v ^ and_v;
	for (unsigned p = 0; p < 8; p++)
		if ((diff >> (p * 8)) & 0xff)
			pos[npos++] = p;
	if (npos == 0)
		return a;
	memset(count, 0, npos * sizeof(*count));
	/* One pass builds the histograms of every byte that varies. */
	for (size_t i = 0; i < n; i++) {
		uint64_t v = half(&a[i], by_lo);

		for (unsigned k = 0; k < npos; k++)
			count[k][(v >> (pos[k] * 8)) & 0xff]++;
	}
	for (unsigned k = 0; k < npos; k++) {
		unsigned shift = pos[k] * 8;
		size_t sum = 0;
		struct rec *t;

		for (unsigned d = 0; d < 256; d++) {
			size_t c = count[k][d];

			count[k][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[k][(half(&a[i], by_lo) >> shift) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	return a;
}

/* The same order without scratch records (memory is short): insertion into a stable merge. */
static void merge_fallback(const struct radix_key *keys, uint32_t *order, uint32_t *tmp, size_t n)
{
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n, a = lo, b = mid, k = lo;

			while (a < mid && b < hi) {
				const struct radix_key *x = &keys[order[a]], *y = &keys[order[b]];
				bool take_b = y->hi < x->hi || (y->hi == x->hi && y->lo < x->lo);

				tmp[k++] = take_b ? order[b++] : order[a++];
			}
			while (a < mid)
				tmp[k++] = order[a++];
			while (b < hi)
				tmp[k++] = order[b++];
		}
		memcpy(order, tmp, n * sizeof(*order));
	}
}

/*
 * Sorted by hi first (for task keys, tgid and tid: four bytes vary where
 * the start time's lo has six), then each run of equal hi - rare for task
 * keys, where it is a reused PID - by lo: the same order as a stable sort
 * by (hi, lo), in fewer passes than all sixteen bytes least significant
 * first.
 */
size_t radix_scratch_size(size_t n)
{
	return 2 * n * sizeof(struct rec) + 8 * 256 * sizeof(size_t);
}

void radix_sort_with(const struct radix_key *keys, uint32_t *order, size_t n, void *scratch)
{
	size_t (*count)[256] = scratch;
	struct rec *a = (struct rec *)((char *)scratch + 8 * 256 * sizeof(size_t)), *b = a + n, *r;

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct radix_key *k = &keys[order[i]];

		a[i] = (struct rec){ k->hi, k->lo, order[i] };
	}
	r = lsd64(a, b, n, false, count);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && r[j].hi == r[i].hi; j++)
			;
		if (j - i < 2)
			continue;
		if (j - i <= RUN_INSERTION_MAX) {
			for (size_t x = i + 1; x < j; x++) {
				struct rec v = r[x];
				size_t y = x;

				for (; y > i && r[y - 1].lo > v.lo; y--)
					r[y] = r[y - 1];
				r[y] = v;
			}
		} else {
			struct rec *other = r == a ? b : a, *sorted;

			sorted = lsd64(r + i, other + i, j - i, true, count);
			if (sorted != r + i)
				memcpy(r + i, sorted, (j - i) * sizeof(*r));
		}
	}
	for (size_t i = 0; i < n; i++)
		order[i] = r[i].idx;
}

/*
 * Sorted by hi first (for task keys, tgid and tid: four bytes vary where
 * the start time's lo has six), then each run of equal hi - rare for task
 * keys, where it is a reused PID - by lo: the same order as a stable sort
 * by (hi, lo), in fewer passes than all sixteen bytes least significant
 * first.
 */
void radix_sort(const struct radix_key *keys, uint32_t *order, uint32_t *tmp, size_t n)
{
	void *scratch;

	if (n < 2)
		return;
	scratch = malloc(radix_scratch_size(n));
	if (!scratch) {
		merge_fallback(keys, order, tmp, n);
		return;
	}
	radix_sort_with(keys, order, n, scratch);
	free(scratch);
}
