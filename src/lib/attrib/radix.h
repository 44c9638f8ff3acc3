/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * radix.h - a stable sort of indices by 128-bit keys (LSD radix, 8-bit
 * digits), for the per-interval orderings of attribution and grouping: at
 * 10 000 tasks a comparison sort through qsort's callback was most of an
 * interval's userspace cost. Digit positions where every key agrees are
 * skipped, so small ids sort in a few passes. Pure; no I/O.
 */
#ifndef JOULESTAT_RADIX_H
#define JOULESTAT_RADIX_H

#include <stddef.h>
#include <stdint.h>

struct radix_key {
	uint64_t hi;	/* compared first */
	uint64_t lo;
};

/*
 * Reorder order[0..n) - indices into keys[] - so that keys[order[i]] are
 * ascending by (hi, lo); equal keys keep their relative order in `order`
 * (stable). `tmp` is scratch of n entries. n must fit in 32 bits. Needs
 * memory for two copies of the keys; without it, a merge sort gives the
 * same order.
 */
void radix_sort(const struct radix_key *keys, uint32_t *order, uint32_t *tmp, size_t n);

/* Bytes of scratch radix_sort_with() needs for n keys. */
size_t radix_scratch_size(size_t n);

/*
 * radix_sort() with the caller's scratch (radix_scratch_size(n) bytes,
 * aligned as malloc aligns), so that a caller sorting every interval can
 * keep it instead of allocating it each time. Never fails.
 */
void radix_sort_with(const struct radix_key *keys, uint32_t *order, size_t n, void *scratch);

#endif
