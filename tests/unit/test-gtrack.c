/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-gtrack.c - the exporter's group budget: top N plus other adds up
 * exactly, counters never go back, vanished groups leave after the TTL, and
 * the number of series stays bounded whatever the churn.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gtrack.h"

#define S 1000000000ULL

struct g {
	char id[32];
	char label[32];
	const char *labels[2];
	uint64_t uj[2];
};

static void mk(struct g *x, struct gtrack_group *out, const char *name, uint64_t uj0, uint64_t uj1)
{
	snprintf(x->id, sizeof(x->id), "%s", name);
	snprintf(x->label, sizeof(x->label), "%s", name);
	x->labels[0] = x->label;
	x->uj[0] = uj0;
	x->uj[1] = uj1;
	*out = (struct gtrack_group){ .id = x->id, .labels = x->labels, .energy_uj = x->uj,
				      .host_uj = uj0 + uj1, .cpu_ns = uj0 };
}

static struct gtrack *new_tracker(unsigned top_n, uint64_t ttl_ns)
{
	struct gtrack_opts o = { .ndomains = 2, .nlabels = 1, .top_n = top_n, .ttl_ns = ttl_ns };
	struct gtrack *t = NULL;

	assert_int_equal(gtrack_new(&o, &t), 0);
	return t;
}

/* The series with this label, or -1. */
static long find(const struct gtrack *t, const char *label, struct gtrack_series *ret)
{
	for (size_t i = 0; i < gtrack_count(t); i++) {
		struct gtrack_series s;

		gtrack_get(t, i, &s);
		if (strcmp(s.labels[0], label) == 0 && !s.other) {
			*ret = s;
			return (long)i;
		}
	}
	return -1;
}

static void other_of(const struct gtrack *t, struct gtrack_series *ret)
{
	gtrack_get(t, gtrack_count(t) - 1, ret);
	assert_true(ret->other);
	assert_string_equal(ret->labels[0], "other");
}

static void test_top_n_plus_other(void **state)
{
	struct gtrack *t = new_tracker(2, 300 * S);
	struct g x[5];
	struct gtrack_group g[5];
	struct gtrack_series s;

	mk(&x[0], &g[0], "firefox", 5000, 100);
	mk(&x[1], &g[1], "sway", 3000, 0);
	mk(&x[2], &g[2], "cc1", 9000, 300);
	mk(&x[3], &g[3], "bash", 10, 0);
	mk(&x[4], &g[4], "ssh", 20, 1);
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 5), 0);

	assert_int_equal(gtrack_count(t), 3); /* cc1, firefox, other */
	assert_int_equal(find(t, "cc1", &s), 0); /* ordered by label */
	assert_int_equal(s.energy_uj[0], 9000);
	assert_int_equal(s.energy_uj[1], 300);
	assert_int_equal(s.host_uj, 9300);
	assert_int_equal(s.cpu_ns, 9000);
	assert_true(s.live);
	assert_int_equal(find(t, "firefox", &s), 1);
	assert_int_equal(find(t, "sway", &s), -1);
	other_of(t, &s);
	assert_int_equal(s.energy_uj[0], 3000 + 10 + 20);
	assert_int_equal(s.energy_uj[1], 1);
	assert_int_equal(s.last_energy_uj[0], 3030);
	assert_int_equal(s.host_uj, 3031);
	gtrack_free(t);
}

/* Syscalls count like CPU time: per tracked group, the rest in other, cumulative. */
static void test_syscalls_follow_the_groups(void **state)
{
	struct gtrack *t = new_tracker(1, 300 * S);
	struct g x[3];
	struct gtrack_group g[3];
	struct gtrack_series s;

	mk(&x[0], &g[0], "cc1", 9000, 0);
	mk(&x[1], &g[1], "make", 100, 0);
	mk(&x[2], &g[2], "sh", 10, 0);
	g[0].syscalls = 700;
	g[1].syscalls = 5000;
	g[2].syscalls = 40;
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 3), 0);
	assert_int_equal(gtrack_update(t, 2 * S, S, g, 3), 0);
	assert_int_equal(find(t, "cc1", &s), 0);
	assert_int_equal(s.syscalls, 1400);
	assert_int_equal(s.last_syscalls, 700);
	other_of(t, &s);
	assert_int_equal(s.syscalls, 2 * 5040);
	assert_int_equal(s.last_syscalls, 5040);
	/* cc1 gone: its series keeps its count (frozen), the interval adds none. */
	assert_int_equal(gtrack_update(t, 3 * S, S, g + 1, 2), 0);
	assert_int_equal(find(t, "cc1", &s), 0);
	assert_int_equal(s.syscalls, 1400);
	assert_int_equal(s.last_syscalls, 0);
	gtrack_free(t);
}

/* Emissions count like energy: per tracked group, the rest in other, cumulative. */
static void test_co2e_follows_the_groups(void **state)
{
	struct gtrack *t = new_tracker(1, 300 * S);
	struct g x[3];
	struct gtrack_group g[3];
	struct gtrack_series s;

	mk(&x[0], &g[0], "cc1", 9000, 0);
	mk(&x[1], &g[1], "make", 100, 0);
	mk(&x[2], &g[2], "sh", 10, 0);
	g[0].co2e_ug = 1000;
	g[1].co2e_ug = 11;
	g[2].co2e_ug = 1;
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 3), 0);
	g[0].co2e_ug = 3000; /* another hour, another intensity */
	assert_int_equal(gtrack_update(t, 2 * S, S, g, 3), 0);
	assert_int_equal(find(t, "cc1", &s), 0);
	assert_int_equal(s.co2e_ug, 4000);
	assert_int_equal(s.last_co2e_ug, 3000);
	other_of(t, &s);
	assert_int_equal(s.co2e_ug, 2 * 12);
	assert_int_equal(s.last_co2e_ug, 12);
	assert_int_equal(gtrack_update(t, 3 * S, S, g + 1, 2), 0);
	assert_int_equal(find(t, "cc1", &s), 0);
	assert_int_equal(s.co2e_ug, 4000);
	assert_int_equal(s.last_co2e_ug, 0);
	gtrack_free(t);
}

/* Deterministic churn: groups come, go, change power; sums and monotonicity hold every step. */
static void test_sums_exact_and_monotonic_under_churn(void **state)
{
	struct gtrack *t = new_tracker(4, 10 * S);
	uint64_t rng = 12345, prev[64][2] = { { 0 } };
	bool seen[64] = { false };

	for (int step = 1; step <= 400; step++) {
		struct g x[64];
		struct gtrack_group g[64];
		size_t n = 0;
		uint64_t want[2] = { 0, 0 }, got[2] = { 0, 0 }, host_want = 0, host_got = 0;

		for (int id = 0; id < 64; id++) {
			char name[16];

			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((rng >> 33) % 3 != 0) /* each group runs in about a third of the intervals */
				continue;
			snprintf(name, sizeof(name), "g%02d", id);
			mk(&x[n], &g[n], name, (rng >> 40) % 100000, (rng >> 20) % 1000);
			want[0] += x[n].uj[0];
			want[1] += x[n].uj[1];
			host_want += g[n].host_uj;
			n++;
		}
		assert_int_equal(gtrack_update(t, (uint64_t)step * S, S, g, n), 0);
		assert_true(gtrack_count(t) <= 2 * 4 + 1);
		for (size_t i = 0; i < gtrack_count(t); i++) {
			struct gtrack_series s;

			gtrack_get(t, i, &s);
			got[0] += s.last_energy_uj[0];
			got[1] += s.last_energy_uj[1];
			host_got += s.last_host_uj;
			if (!s.other) {
				int id = atoi(s.labels[0] + 1);

				/* A series either continues (never below its last value) or is new. */
				if (seen[id]) {
					assert_true(s.energy_uj[0] >= prev[id][0]);
					assert_true(s.energy_uj[1] >= prev[id][1]);
				}
				assert_int_equal(s.energy_uj[0] - s.last_energy_uj[0],
						 seen[id] ? prev[id][0] : 0);
				seen[id] = true;
				prev[id][0] = s.energy_uj[0];
				prev[id][1] = s.energy_uj[1];
			}
		}
		/* Σ of what the series gained this interval == Σ of the groups' energy. */
		assert_int_equal(got[0], want[0]);
		assert_int_equal(got[1], want[1]);
		assert_int_equal(host_got, host_want);
		/* Series that went away start over if they come back. */
		for (int id = 0; id < 64; id++) {
			char name[16];
			struct gtrack_series s;

			snprintf(name, sizeof(name), "g%02d", id);
			if (find(t, name, &s) < 0)
				seen[id] = false;
		}
	}
	gtrack_free(t);
}

static void test_vanished_group_stays_for_ttl_then_goes(void **state)
{
	struct gtrack *t = new_tracker(3, 5 * S);
	struct g x[2];
	struct gtrack_group g[2];
	struct gtrack_series s;

	mk(&x[0], &g[0], "stress-ng", 8000, 0);
	mk(&x[1], &g[1], "sshd", 100, 0);
	for (uint64_t i = 1; i <= 3; i++)
		assert_int_equal(gtrack_update(t, i * S, S, g, 2), 0);
	assert_int_equal(find(t, "stress-ng", &s), 1);
	assert_int_equal(s.energy_uj[0], 24000);

	/* stress-ng is killed: its series keeps its last value, frozen, for 5 s. */
	for (uint64_t i = 4; i <= 8; i++) {
		assert_int_equal(gtrack_update(t, i * S, S, &g[1], 1), 0);
		assert_true(find(t, "stress-ng", &s) >= 0);
		assert_int_equal(s.energy_uj[0], 24000);
		assert_int_equal(s.last_energy_uj[0], 0);
		assert_false(s.live);
	}
	assert_int_equal(gtrack_update(t, 9 * S, S, &g[1], 1), 0);
	assert_int_equal(find(t, "stress-ng", &s), -1);
	assert_int_equal(gtrack_count(t), 2);
	assert_int_equal(gtrack_known(t), 1); /* and it is forgotten */
	/* It comes back: a new series, from zero. */
	assert_int_equal(gtrack_update(t, 10 * S, S, g, 2), 0);
	assert_true(find(t, "stress-ng", &s) >= 0);
	assert_int_equal(s.energy_uj[0], 8000);
	gtrack_free(t);
}

static void test_outranked_group_freezes_and_resumes(void **state)
{
	struct gtrack *t = new_tracker(1, 60 * S);
	struct g x[2];
	struct gtrack_group g[2];
	struct gtrack_series s, o;

	mk(&x[0], &g[0], "a", 1000, 0);
	mk(&x[1], &g[1], "b", 10, 0);
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 2), 0);
	assert_true(find(t, "a", &s) >= 0);
	assert_int_equal(find(t, "b", &s), -1);

	/* b becomes the big one: a's series freezes, its energy now goes to other. */
	x[0].uj[0] = 10;
	g[0].host_uj = 10;
	x[1].uj[0] = 1000000;
	g[1].host_uj = 1000000;
	for (uint64_t i = 2; i <= 4; i++)
		assert_int_equal(gtrack_update(t, i * S, S, g, 2), 0);
	assert_true(find(t, "b", &s) >= 0);
	assert_true(find(t, "a", &s) >= 0);
	assert_false(s.live);
	other_of(t, &o);
	assert_int_equal(s.energy_uj[0], 1000);
	assert_int_equal(o.energy_uj[0], 10 + 3 * 10); /* b's first 10 µJ, then a's three */

	/* a is the big one again: the same series resumes from its frozen value. */
	x[0].uj[0] = 100000000;
	g[0].host_uj = 100000000;
	assert_int_equal(gtrack_update(t, 5 * S, S, g, 2), 0);
	assert_true(find(t, "a", &s) >= 0);
	assert_true(s.live);
	assert_int_equal(s.energy_uj[0], 1000 + 100000000);
	gtrack_free(t);
}

static void test_series_bounded_under_heavy_churn(void **state)
{
	struct gtrack *t = new_tracker(5, 300 * S);

	/* 100 new short-lived processes every second, for 100 s, each busier than the last. */
	for (int step = 1; step <= 100; step++) {
		struct g x[100];
		struct gtrack_group g[100];

		for (int i = 0; i < 100; i++) {
			char name[32];

			snprintf(name, sizeof(name), "p%d-%d", step, i);
			mk(&x[i], &g[i], name, (uint64_t)step * 1000 + (uint64_t)i, 0);
		}
		assert_int_equal(gtrack_update(t, (uint64_t)step * S, S, g, 100), 0);
		assert_true(gtrack_count(t) <= 2 * 5 + 1);
	}
	gtrack_free(t);
}

static void test_group_named_other_goes_to_other(void **state)
{
	struct gtrack *t = new_tracker(5, 300 * S);
	struct g x[2];
	struct gtrack_group g[2];
	struct gtrack_series s;

	mk(&x[0], &g[0], "other", 5000, 0);
	mk(&x[1], &g[1], "cc1", 10, 0);
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 2), 0);
	assert_int_equal(gtrack_count(t), 2); /* cc1 and the one other series */
	other_of(t, &s);
	assert_int_equal(s.energy_uj[0], 5000);
	gtrack_free(t);
}

static void test_pid_reuse_replaces_frozen_series(void **state)
{
	struct gtrack_opts o = { .ndomains = 1, .nlabels = 2, .top_n = 4, .ttl_ns = 300 * S };
	const char *l[2] = { "1234", "sh" };
	uint64_t uj = 500;
	struct gtrack_group g = { .id = "1234@100", .labels = l, .energy_uj = &uj, .host_uj = 500 };
	struct gtrack *t = NULL;
	struct gtrack_series s;

	assert_int_equal(gtrack_new(&o, &t), 0);
	assert_int_equal(gtrack_update(t, 1 * S, S, &g, 1), 0);
	assert_int_equal(gtrack_update(t, 2 * S, S, &g, 1), 0);
	assert_int_equal(gtrack_update(t, 3 * S, S, NULL, 0), 0); /* the process exits */
	g.id = "1234@900"; /* the PID is reused by a new process with the same comm */
	assert_int_equal(gtrack_update(t, 4 * S, S, &g, 1), 0);
	assert_int_equal(gtrack_count(t), 2); /* one pid="1234" series, not two */
	gtrack_get(t, 0, &s);
	assert_string_equal(s.labels[0], "1234");
	assert_int_equal(s.energy_uj[0], 500); /* the new process's own counter */
	gtrack_free(t);
}

static void test_new_labels_start_a_new_series(void **state)
{
	struct gtrack_opts o = { .ndomains = 1, .nlabels = 2, .top_n = 4, .ttl_ns = 300 * S };
	const char *before[2] = { "77", "bash" }, *after[2] = { "77", "make" };
	uint64_t uj = 100;
	struct gtrack_group g = { .id = "77@1", .labels = before, .energy_uj = &uj };
	struct gtrack *t = NULL;
	struct gtrack_series s;

	assert_int_equal(gtrack_new(&o, &t), 0);
	assert_int_equal(gtrack_update(t, 1 * S, S, &g, 1), 0);
	g.labels = after; /* exec: the comm changes */
	assert_int_equal(gtrack_update(t, 2 * S, S, &g, 1), 0);
	assert_int_equal(gtrack_count(t), 2);
	gtrack_get(t, 0, &s);
	assert_string_equal(s.labels[1], "make");
	assert_int_equal(s.energy_uj[0], 100);
	gtrack_free(t);
}

static void test_duplicate_ids_are_summed(void **state)
{
	struct gtrack *t = new_tracker(4, 300 * S);
	struct g x[2];
	struct gtrack_group g[2];
	struct gtrack_series s;

	mk(&x[0], &g[0], "dup", 10, 1);
	mk(&x[1], &g[1], "dup", 20, 2);
	assert_int_equal(gtrack_update(t, 1 * S, S, g, 2), 0);
	assert_true(find(t, "dup", &s) >= 0);
	assert_int_equal(s.energy_uj[0], 30);
	assert_int_equal(s.energy_uj[1], 3);
	gtrack_free(t);
}

static void test_errors(void **state)
{
	struct gtrack_opts bad = { .ndomains = 1, .nlabels = 0, .top_n = 1, .ttl_ns = 1 };
	struct gtrack *t = NULL;
	struct g x;
	struct gtrack_group g;

	assert_int_equal(gtrack_new(&bad, &t), -EINVAL);
	bad.nlabels = 1;
	bad.top_n = 0;
	assert_int_equal(gtrack_new(&bad, &t), -EINVAL);
	bad.top_n = 1;
	bad.ttl_ns = 0;
	assert_int_equal(gtrack_new(&bad, &t), -EINVAL);
	assert_null(t);

	t = new_tracker(1, S);
	mk(&x, &g, "a", 1, 1);
	assert_int_equal(gtrack_update(t, 5 * S, S, &g, 1), 0);
	assert_int_equal(gtrack_update(t, 4 * S, S, &g, 1), -EINVAL); /* time goes back */
	assert_int_equal(gtrack_update(t, 6 * S, 0, &g, 1), -EINVAL);
	g.id = NULL;
	assert_int_equal(gtrack_update(t, 6 * S, S, &g, 1), -EINVAL);
	assert_null(gtrack_free(t));
	assert_null(gtrack_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_n_plus_other),
		cmocka_unit_test(test_syscalls_follow_the_groups),
		cmocka_unit_test(test_co2e_follows_the_groups),
		cmocka_unit_test(test_sums_exact_and_monotonic_under_churn),
		cmocka_unit_test(test_vanished_group_stays_for_ttl_then_goes),
		cmocka_unit_test(test_outranked_group_freezes_and_resumes),
		cmocka_unit_test(test_series_bounded_under_heavy_churn),
		cmocka_unit_test(test_group_named_other_goes_to_other),
		cmocka_unit_test(test_pid_reuse_replaces_frozen_series),
		cmocka_unit_test(test_new_labels_start_a_new_series),
		cmocka_unit_test(test_duplicate_ids_are_summed),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
