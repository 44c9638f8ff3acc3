/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-cumtab.c - the monitor's per-group tables: a long random run of
 * inserts, updates and prunes checked against a plain array (backward-shift
 * deletion must never lose an entry behind a hole), and interned strings.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cumtab.h"

#define NKEYS 700

static struct cum_key key_of(unsigned i)
{
	struct cum_key k;

	memset(&k, 0, sizeof(k));
	/* Few distinct fields, many collisions in the low bits. */
	k.tgid = i % 37;
	k.start_ns = (uint64_t)(i / 37) * 1000;
	k.id = i % 5;
	return k;
}

static bool odd_energy(const struct cum_entry *e, void *ctx)
{
	unsigned *removed = ctx;

	if (e->energy_uj % 2) {
		(*removed)++;
		return true;
	}
	return false;
}

static void test_random_against_reference(void **state)
{
	struct cum_table t = { 0 };
	uint64_t ref[NKEYS];
	bool present[NKEYS] = { false };
	unsigned seed = 12345;

	for (int round = 0; round < 40; round++) {
		unsigned removed = 0, expect_removed = 0;
		size_t n = 0;

		for (int op = 0; op < 500; op++) {
			unsigned i = (unsigned)(rand_r(&seed) % NKEYS);
			struct cum_key k = key_of(i);
			struct cum_entry *e = cum_get(&t, &k);

			assert_non_null(e);
			if (!present[i]) {
				assert_int_equal(e->energy_uj, 0);
				present[i] = true;
				ref[i] = 0;
			}
			e->energy_uj += (uint64_t)(rand_r(&seed) % 3);
			ref[i] = e->energy_uj;
		}
		for (unsigned i = 0; i < NKEYS; i++)
			if (present[i] && ref[i] % 2) {
				expect_removed++;
				present[i] = false;
			}
		assert_int_equal(cum_prune(&t, odd_energy, &removed), expect_removed);
		assert_int_equal(removed, expect_removed);
		for (unsigned i = 0; i < NKEYS; i++) {
			struct cum_key k = key_of(i);
			const struct cum_entry *e = cum_find(&t, &k);

			if (present[i]) {
				assert_non_null(e);
				assert_int_equal(e->energy_uj, ref[i]);
				n++;
			} else {
				assert_null(e);
			}
		}
		assert_int_equal(t.n, n);
	}
	cum_done(&t);
	assert_null(t.e);
}

static void test_strtab(void **state)
{
	struct strtab t = { 0 };
	int64_t a, b, c;
	char name[32];

	assert_int_equal(strtab_intern(&t, "", 0), 0);
	assert_string_equal(strtab_str(&t, 0), "");
	a = strtab_intern(&t, "nginx.service", 13);
	b = strtab_intern(&t, "sshd.service", 12);
	assert_true(a > 0 && b > 0 && a != b);
	/* The same bytes, the same id, even when given without a NUL. */
	assert_int_equal(strtab_intern(&t, "nginx.service-and-more", 13), a);
	assert_string_equal(strtab_str(&t, (uint64_t)b), "sshd.service");
	assert_string_equal(strtab_str(&t, 9999), "");
	/* Ids stay valid through growth. */
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "comm-%d", i);
		c = strtab_intern(&t, name, strlen(name));
		assert_true(c > 0);
	}
	assert_int_equal(strtab_intern(&t, "sshd.service", 12), b);
	assert_string_equal(strtab_str(&t, (uint64_t)a), "nginx.service");
	snprintf(name, sizeof(name), "comm-%d", 4321);
	assert_string_equal(strtab_str(&t, (uint64_t)strtab_intern(&t, name, strlen(name))), name);
	strtab_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_strtab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
