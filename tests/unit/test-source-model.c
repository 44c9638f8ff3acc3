/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-model.c - the model source: parameters and their origin,
 * per-socket utilisation from /proc/stat rewritten between readings with
 * known ticks, and the exact power and energy that must follow.
 */
#include "srcenv.h"

#include <math.h>

#define S NSEC_PER_SEC

/* The model fixture's /proc/stat with each CPU's ten fields given. */
static void write_stat(const char *dir, const uint64_t f[4][10])
{
	char buf[2048];
	size_t n = 0;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (int c = 0; c < 4; c++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "cpu%d", c);
		for (int k = 0; k < 10; k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %llu",
					      (unsigned long long)f[c][k]);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n");
	}
	snprintf(buf + n, sizeof(buf) - n,
		 "intr 1 0 0\nctxt 5\nbtime 1763790000\nprocesses 45678\n");
	tu_write(dir, "proc/stat", buf);
}

/* The fixture's starting ticks (tests/data/model/proc/stat), per CPU. */
static const uint64_t base[4][10] = {
	{ 10000, 50, 3000, 100000, 200, 0, 75, 0, 0, 0 },
	{ 10000, 50, 3000, 100000, 200, 0, 75, 0, 0, 0 },
	{ 10000, 50, 3000, 100000, 200, 0, 75, 0, 0, 0 },
	{ 10000, 50, 3000, 100000, 200, 0, 75, 0, 0, 0 },
};

static void test_table_parameters_scaled_to_visible_threads(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("model"), 0);
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	struct domain *d0, *d1;

	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	/* Xeon Gold 6148: TDP 150 W for 40 threads; each socket here shows 2. */
	assert_int_equal(mi.max_mw, 7500);
	assert_int_equal(mi.idle_mw, 1875);
	assert_string_equal(mi.origin, "table: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz (TDP 150 W) "
				       "x 2/40 threads");
	assert_int_equal(e->domains.n, 2);
	d0 = srcenv_find(e, "package-0");
	d1 = srcenv_find(e, "package-1");
	assert_non_null(d0);
	assert_non_null(d1);
	assert_int_equal(d0->kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_true(d0->estimated);
	assert_int_equal(d0->socket, 0);
	assert_int_equal(d1->socket, 1);
	/* Packages 0 and 1 alternate: socket 0 is CPUs 0 and 2. */
	assert_true(cpuset_test(&d0->cpus, 0) && cpuset_test(&d0->cpus, 2));
	assert_false(cpuset_test(&d0->cpus, 1));
	assert_int_equal(cpuset_count(&d1->cpus), 2);
	assert_non_null(strstr(d0->path, "/proc/stat"));
	/* One reading: warming up, no energy. */
	assert_int_equal(d0->readings, 1);
	assert_int_equal(d0->energy_uj, 0);
	assert_int_equal(d0->last_dt_ns, 0);
	srcenv_free(e);
}

static void test_known_ticks_give_exact_energy(void **state)
{
	char *dir = tu_copy_fixture("model");
	struct srcenv *e = srcenv_new(dir, 0);
	uint64_t f[4][10], t0;
	struct domain *d0, *d1;

	memcpy(f, base, sizeof(f));
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	d0 = srcenv_find(e, "package-0");
	d1 = srcenv_find(e, "package-1");
	t0 = d0->timestamp_ns;
	d1->timestamp_ns = t0; /* both sockets on one clock for the arithmetic below */

	/* cpu0: user 30, system 20, idle 30, iowait 20: busy 50 of 100. */
	f[0][0] += 30, f[0][2] += 20, f[0][3] += 30, f[0][4] += 20;
	/* cpu2: user 50 of which guest 50 (already in user), idle 50: busy 50 of 100. */
	f[2][0] += 50, f[2][8] += 50, f[2][3] += 50;
	/* cpu1: user 60, system 20, irq 10, softirq 10: busy 100 of 100. */
	f[1][0] += 60, f[1][2] += 20, f[1][5] += 10, f[1][6] += 10;
	/* cpu3: nice 40, steal 60: busy 100 of 100. */
	f[3][1] += 40, f[3][7] += 60;
	write_stat(dir, f);
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	/* Socket 0 at 50 %: 1875 + (7500 - 1875) x 0.5 = 4687.5 mW for 2 s. */
	assert_int_equal(d0->last_delta_uj, 9375000);
	assert_int_equal(d0->last_dt_ns, 2 * S);
	/* Socket 1 at 100 %: 7500 mW for 2 s. */
	assert_int_equal(d1->last_delta_uj, 15000000);

	/* No tick at all in 1 s: the last utilisation holds. */
	assert_int_equal(srcenv_read(e, t0 + 3 * S), 0);
	assert_int_equal(d0->last_delta_uj, 4687500);
	assert_int_equal(d1->last_delta_uj, 7500000);

	/* Idle: 1875 mW for 1 s. iowait stepping back (a NO_HZ quirk) is not busy time. */
	f[0][3] += 100, f[2][3] += 100, f[0][4] -= 5;
	f[1][3] += 100, f[3][3] += 100;
	write_stat(dir, f);
	assert_int_equal(srcenv_read(e, t0 + 4 * S), 0);
	assert_int_equal(d0->last_delta_uj, 1875000);
	assert_int_equal(d1->last_delta_uj, 1875000);
	assert_int_equal(d0->energy_uj, 9375000 + 4687500 + 1875000);
	assert_int_equal(d1->energy_uj, 15000000 + 7500000 + 1875000);
	assert_int_equal(d0->errors + d1->errors, 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_sub_microjoule_remainder_is_carried(void **state)
{
	char *dir = tu_copy_fixture("model");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *d0;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	d0 = srcenv_find(e, "package-0");
	t0 = d0->timestamp_ns;
	/* Idle at 1875 mW: 1 µs is 1.875 µJ; a thousand of them are exactly 1875 µJ. */
	for (uint64_t i = 1; i <= 1000; i++)
		assert_int_equal(srcenv_read(e, t0 + i * 1000), 0);
	assert_int_equal(d0->energy_uj, 1875);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_large_proc_stat_is_read_whole(void **state)
{
	char *dir = tu_copy_fixture("model"), *buf;
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *d1;
	size_t n = 0, size = 1 << 20;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	d1 = srcenv_find(e, "package-1");
	t0 = d1->timestamp_ns;
	/*
	 * Machines with many interrupt lines have an intr line of hundreds of
	 * KiB; the CPU lines after it must still be read (the buffer grows).
	 */
	buf = malloc(size);
	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, size - n,
			      "cpu0 10000 50 3000 100100 200 0 75 0 0 0\n"
			      "cpu2 10000 50 3000 100100 200 0 75 0 0 0\nintr 1");
	while (n < 300000)
		n += (size_t)snprintf(buf + n, size - n, " 123456");
	snprintf(buf + n, size - n,
		 "\ncpu1 10100 50 3000 100000 200 0 75 0 0 0\n"
		 "cpu3 10100 50 3000 100000 200 0 75 0 0 0\nprocesses 45678\n");
	tu_write(dir, "proc/stat", buf);
	free(buf);
	assert_int_equal(srcenv_read(e, t0 + S), 0);
	assert_int_equal(d1->errors, 0);
	assert_int_equal(d1->last_delta_uj, 7500000); /* socket 1 fully busy for 1 s */
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_options_and_default_origins(void **state)
{
	char *dir = tu_copy_fixture("model");
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	struct srcenv *e = srcenv_new(dir, 0);
	uint64_t f[4][10], t0;
	struct domain *d0;

	e->opts.model_idle_mw = 10000;
	e->opts.model_max_mw = 50000;
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	assert_int_equal(mi.idle_mw, 10000);
	assert_int_equal(mi.max_mw, 50000);
	assert_string_equal(mi.origin, "options");
	d0 = srcenv_find(e, "package-0");
	t0 = d0->timestamp_ns;
	memcpy(f, base, sizeof(f));
	/* 25 % busy on socket 0: 10 W + 40 W x 0.25 = 20 W, for 1 s. */
	f[0][0] += 25, f[0][3] += 75, f[2][0] += 25, f[2][3] += 75;
	write_stat(dir, f);
	assert_int_equal(srcenv_read(e, t0 + S), 0);
	assert_int_equal(d0->energy_uj, 20000000);
	srcenv_free(e);

	/* Only the maximum given: idle is the documented 25 % of it. */
	e = srcenv_new(dir, 0);
	e->opts.model_max_mw = 40000;
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	assert_int_equal(mi.idle_mw, 10000);
	assert_string_equal(mi.origin, "options");
	srcenv_free(e);

	/* An unknown CPU: the generic per-CPU default (0.74 W / 3.5 W per CPU). */
	tu_write(dir, "proc/cpuinfo", "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n");
	e = srcenv_new(dir, 0);
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	assert_int_equal(mi.idle_mw, 1480);
	assert_int_equal(mi.max_mw, 7000);
	assert_string_equal(mi.origin, "default");
	srcenv_free(e);

	/* A whole package visible: the TDP itself; and no match inside a longer number. */
	tu_write(dir, "proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7742 64-Core Processor\n");
	e = srcenv_new(dir, 128);
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	assert_int_equal(mi.max_mw, 225000);
	assert_int_equal(mi.idle_mw, 56250);
	assert_string_equal(mi.origin, "table: AMD EPYC 7742 64-Core Processor (TDP 225 W)");
	srcenv_free(e);
	tu_write(dir, "proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 77421\n");
	e = srcenv_new(dir, 2);
	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	assert_int_equal(source_model_describe(e->slot.state, &mi), 0);
	assert_string_equal(mi.origin, "default");
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_broken_proc_stat(void **state)
{
	char *dir = tu_copy_fixture("model");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *d0;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_model_ops), 0);
	d0 = srcenv_find(e, "package-0");
	t0 = d0->timestamp_ns;
	tu_write(dir, "proc/stat", "cpu0 12 x 3 4\n");
	assert_int_equal(srcenv_read(e, t0 + S), -EINVAL);
	assert_int_equal(d0->errors, 1);
	assert_int_equal(srcenv_find(e, "package-1")->errors, 1);
	assert_non_null(strstr(e->logbuf, "/proc/stat: no valid per-CPU lines"));
	/* Socket 1's CPUs gone from /proc/stat: only that domain fails. */
	tu_write(dir, "proc/stat", "cpu0 10050 50 3000 100050 200 0 75 0 0 0\n"
				   "cpu2 10050 50 3000 100050 200 0 75 0 0 0\n"
				   "processes 45678\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(srcenv_find(e, "package-1")->errors, 2);
	assert_int_equal(d0->errors, 1);
	/* 50 % busy across the 2 s since the last good reading. */
	assert_int_equal(d0->last_delta_uj, 9375000);
	srcenv_free(e);

	/* Unusable at open: FAILED with the file named, no domain left behind. */
	tu_write(dir, "proc/stat", "intr 5\nprocesses 45678\n");
	e = srcenv_new(dir, 0);
	assert_int_equal(srcenv_open(e, &source_model_ops), -EINVAL);
	assert_non_null(strstr(e->reason, "proc/stat"));
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_public_api_estimated_host_total(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("model"), NULL, 0);
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	struct joulestat_domain_info di;
	struct joulestat_source_info si;
	bool est = false;

	si = tu_source(js, "model");
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_true(si.estimated);
	assert_int_equal(si.domains, 2);
	di = tu_domain(js, "package-1");
	assert_true(di.estimated);
	assert_true(di.in_host_total);
	assert_string_equal(di.source, "model");
	assert_int_equal(joulestat_model_get(js, &mi), 0);
	assert_int_equal(mi.max_mw, 7500);
	assert_non_null(strstr(mi.origin, "table: "));
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(joulestat_host_energy(js, NULL, NULL, &est), 0);
	assert_true(est);
	joulestat_free(js);

	/* A measured machine domain (a battery) makes the model unnecessary. */
	js = tu_monitor(tu_data("laptop-cv"), NULL, 0);
	assert_int_equal(joulestat_model_get(js, &mi), -ENOENT);
	joulestat_free(js);
	/* ... unless it is asked for. */
	js = tu_monitor(tu_data("laptop-cv"), "model", 0);
	assert_int_equal(joulestat_model_get(js, &mi), 0);
	assert_string_equal(mi.origin, "table: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz (TDP 15 W) "
				       "x 4/8 threads");
	joulestat_free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_parameters_scaled_to_visible_threads),
		cmocka_unit_test(test_known_ticks_give_exact_energy),
		cmocka_unit_test(test_sub_microjoule_remainder_is_carried),
		cmocka_unit_test(test_large_proc_stat_is_read_whole),
		cmocka_unit_test(test_options_and_default_origins),
		cmocka_unit_test(test_broken_proc_stat),
		cmocka_unit_test(test_public_api_estimated_host_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
