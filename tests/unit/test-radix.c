/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-radix.c - the stable 128-bit radix sort against a reference (a
 * stable comparison sort by key, then original position), on random keys,
 * keys with many duplicates, keys equal in most bytes, and tiny inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "radix.h"

static const struct radix_key *ref_keys;
static const uint32_t *ref_pos;

/* Key order, then the position the index had in the input (stability). */
static int ref_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct radix_key *kx = &ref_keys[x], *ky = &ref_keys[y];

	if (kx->hi != ky->hi)
		return kx->hi < ky->hi ? -1 : 1;
	if (kx->lo != ky->lo)
		return kx->lo < ky->lo ? -1 : 1;
	return ref_pos[x] < ref_pos[y] ? -1 : ref_pos[x] > ref_pos[y];
}

static void check(struct radix_key *keys, size_t n, unsigned seed)
{
	uint32_t *order = malloc((n + 1) * sizeof(*order)), *want = malloc((n + 1) * sizeof(*want));
	uint32_t *tmp = malloc((n + 1) * sizeof(*tmp)), *pos = malloc((n + 1) * sizeof(*pos));

	/* A shuffled input order, so stability is visible. */
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand_r(&seed) % i;
		uint32_t t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		pos[order[i]] = (uint32_t)i;
	memcpy(want, order, n * sizeof(*want));
	ref_keys = keys;
	ref_pos = pos;
	qsort(want, n, sizeof(*want), ref_cmp);
	radix_sort(keys, order, tmp, n);
	assert_memory_equal(order, want, n * sizeof(*order));
	free(order);
	free(want);
	free(tmp);
	free(pos);
}

static void test_random_keys(void **state)
{
	unsigned seed = 99;

	for (size_t n = 0; n < 70; n++) {
		struct radix_key *k = calloc(n + 1, sizeof(*k));

		for (size_t i = 0; i < n; i++)
			k[i] = (struct radix_key){ (uint64_t)rand_r(&seed) << 40 ^ (uint64_t)rand_r(&seed),
						   (uint64_t)rand_r(&seed) * 2654435761ULL };
		check(k, n, (unsigned)n);
		free(k);
	}
}

static void test_duplicates_and_narrow_keys(void **state)
{
	size_t n = 5000;
	struct radix_key *k = calloc(n, sizeof(*k));
	unsigned seed = 5;

	/* Few distinct keys: order among equals must follow the input. */
	for (size_t i = 0; i < n; i++)
		k[i] = (struct radix_key){ (uint64_t)(rand_r(&seed) % 7), (uint64_t)(rand_r(&seed) % 3) };
	check(k, n, 1);
	/* Keys differing only in the top byte of hi and the bottom byte of lo. */
	for (size_t i = 0; i < n; i++)
		k[i] = (struct radix_key){ (uint64_t)(rand_r(&seed) % 256) << 56 | 0x1234,
					   0xabcdef00ULL | (uint64_t)(rand_r(&seed) % 256) };
	check(k, n, 2);
	/* All equal. */
	for (size_t i = 0; i < n; i++)
		k[i] = (struct radix_key){ 42, 42 };
	check(k, n, 3);
	/* Extremes. */
	for (size_t i = 0; i < n; i++)
		k[i] = (struct radix_key){ i % 2 ? UINT64_MAX : 0, i % 3 ? UINT64_MAX : 0 };
	check(k, n, 4);
	free(k);
}

/*
 * Runs of equal hi ordered by lo: task keys with reused PIDs (runs of two
 * or three), comm keys sharing their first eight bytes ("kworker/": runs
 * far longer than an insertion sort takes), runs of equal (hi, lo) among
 * them, and runs at both ends of the order.
 */
static void test_runs_of_equal_hi(void **state)
{
	size_t n = 6000;
	struct radix_key *k = calloc(n, sizeof(*k));
	unsigned seed = 17;

	for (size_t i = 0; i < n; i++)
		k[i] = (struct radix_key){ (uint64_t)(1000 + rand_r(&seed) % 3000) << 32 |
						   (uint64_t)(rand_r(&seed) % 3000),
					   (uint64_t)rand_r(&seed) << 20 };
	check(k, n, 5);
	for (size_t i = 0; i < n; i++) {
		unsigned r = (unsigned)rand_r(&seed);

		k[i] = (struct radix_key){ r % 4 ? 0x6b776f726b65722fULL : r % 16,
					   (uint64_t)(rand_r(&seed) % 500) << (r % 3 ? 0 : 40) };
	}
	check(k, n, 6);
	for (size_t len = 1; len < 40; len++) {
		for (size_t i = 0; i < n; i++)
			k[i] = (struct radix_key){ i % (n / len + 1) == 0 ? 0 : i % len ? 5 : UINT64_MAX,
						   (uint64_t)(rand_r(&seed) % 7) };
		check(k, n, (unsigned)len);
	}
	free(k);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_keys),
		cmocka_unit_test(test_duplicates_and_narrow_keys),
		cmocka_unit_test(test_runs_of_equal_hi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
