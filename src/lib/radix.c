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

static unsigned digit(const struct rec *r, unsigned pos)
{
	return (unsigned)(pos < 8 ? r->lo >> (pos * 8) : r->hi >> ((pos - 8) * 8)) & 0xff;
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

void radix_sort(const struct radix_key *keys, uint32_t *order, uint32_t *tmp, size_t n)
{
	size_t (*count)[256] = NULL;
	struct rec *a = NULL, *b = NULL;
	uint64_t or_hi = 0, and_hi = ~0ULL, or_lo = 0, and_lo = ~0ULL;

	if (n < 2)
		return;
	a = malloc(n * sizeof(*a));
	b = malloc(n * sizeof(*b));
	count = calloc(16, sizeof(*count));
	if (!a || !b || !count) {
		merge_fallback(keys, order, tmp, n);
		goto out;
	}
	/* One pass builds the records and all sixteen digit histograms. */
	for (size_t i = 0; i < n; i++) {
		const struct radix_key *k = &keys[order[i]];

		a[i] = (struct rec){ k->hi, k->lo, order[i] };
		or_hi |= k->hi;
		and_hi &= k->hi;
		or_lo |= k->lo;
		and_lo &= k->lo;
		for (unsigned pos = 0; pos < 16; pos++)
			count[pos][digit(&a[i], pos)]++;
	}
	/* Least significant digit first: byte 0 of lo ... byte 7 of hi. */
	for (unsigned pos = 0; pos < 16; pos++) {
		uint64_t diff = pos < 8 ? (or_lo ^ and_lo) >> (pos * 8)
					: (or_hi ^ and_hi) >> ((pos - 8) * 8);
		size_t sum = 0;
		struct rec *t;

		/* Every key has the same digit here: this pass would not move anything. */
		if ((diff & 0xff) == 0)
			continue;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = count[pos][d];

			count[pos][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[pos][digit(&a[i], pos)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = a[i].idx;
out:
	free(a);
	free(b);
	free(count);
}
