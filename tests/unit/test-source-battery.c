/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-battery.c - the battery source over fixture trees: which
 * supplies count, how each way of reading gives energy (checked against
 * hand-computed joules), the charging rule, broken files, permissions.
 */
#include "srcenv.h"

#include <math.h>
#include <unistd.h>

#define S NSEC_PER_SEC

/* A battery tree with only the given files, besides type and status. */
static char *battery_tree(const char *status)
{
	char *dir = tu_mkdtemp();

	tu_write(dir, "sys/class/power_supply/BAT0/type", "Battery\n");
	tu_writef(dir, "sys/class/power_supply/BAT0/status", "%s\n", status);
	return dir;
}

static void test_power_now_is_integrated_by_trapezoids(void **state)
{
	char *dir = tu_copy_fixture("laptop");
	struct srcenv *e = srcenv_new(dir, 4);
	struct domain *d;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	assert_int_equal(e->domains.n, 1); /* AC (Mains) is not a battery */
	d = srcenv_find(e, "BAT0");
	assert_non_null(d);
	assert_int_equal(d->kind, JOULESTAT_DOMAIN_BATTERY);
	assert_int_equal(d->socket, -1);
	assert_int_equal(cpuset_count(&d->cpus), 4);
	assert_false(d->estimated);
	assert_int_equal(d->readings, 1); /* open took the first reading: 12 W */
	assert_int_equal(d->energy_uj, 0);
	assert_non_null(strstr(d->path, "BAT0/power_now"));
	t0 = d->timestamp_ns;

	/* 12 W for 2 s, then the reading drops to 8 W one second later. */
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(d->energy_uj, 24000000);
	tu_write(dir, "sys/class/power_supply/BAT0/power_now", "8000000\n");
	assert_int_equal(srcenv_read(e, t0 + 3 * S), 0);
	/* Trapezoid: (12 W + 8 W) / 2 x 1 s = 10 J; 34 J in all, not "8 W". */
	assert_int_equal(d->last_delta_uj, 10000000);
	assert_int_equal(d->last_dt_ns, S);
	assert_int_equal(d->energy_uj, 34000000);
	assert_int_equal(d->errors, 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_negative_power_is_taken_as_absolute(void **state)
{
	char *dir = battery_tree("Discharging");
	struct srcenv *e = srcenv_new(dir, 2);
	struct domain *d;

	tu_write(dir, "sys/class/power_supply/BAT0/power_now", "-5000000\n");
	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	d = srcenv_find(e, "BAT0");
	assert_int_equal(srcenv_read(e, d->timestamp_ns + 4 * S), 0);
	assert_int_equal(d->energy_uj, 20000000); /* 5 W x 4 s */
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_current_times_voltage_and_peripherals_skipped(void **state)
{
	char *dir = tu_copy_fixture("laptop-cv");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *d;

	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	/* The mouse's battery (scope Device) is not the machine's. */
	assert_int_equal(e->domains.n, 1);
	assert_null(srcenv_find(e, "hidpp_battery_0"));
	assert_non_null(strstr(e->logbuf, "hidpp_battery_0"));
	d = srcenv_find(e, "BAT1");
	assert_non_null(d);
	assert_non_null(strstr(d->path, "current_now x voltage_now"));
	/* |-1.5 A| x 11.4 V = 17.1 W, for 1 s. */
	assert_int_equal(srcenv_read(e, d->timestamp_ns + S), 0);
	assert_int_equal(d->energy_uj, 17100000);
	/* 1.0 A at 12.0 V from now: trapezoid (17.1 + 12) / 2 x 2 s = 29.1 J. */
	tu_write(dir, "sys/class/power_supply/BAT1/current_now", "-1000000\n");
	tu_write(dir, "sys/class/power_supply/BAT1/voltage_now", "12000000\n");
	assert_int_equal(srcenv_read(e, d->timestamp_ns + 2 * S), 0);
	assert_int_equal(d->energy_uj, 17100000 + 29100000);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_energy_now_deltas(void **state)
{
	char *dir = battery_tree("Discharging");
	struct srcenv *e;
	struct domain *d;
	uint64_t t0;

	tu_write(dir, "sys/class/power_supply/BAT0/energy_now", "38410000\n");
	e = srcenv_new(dir, 2);
	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	d = srcenv_find(e, "BAT0");
	assert_non_null(strstr(d->path, "energy_now"));
	t0 = d->timestamp_ns;
	assert_int_equal(d->energy_uj, 0);
	/* 10 mWh less: 10000 µWh x 3600 µJ/µWh = 36 J. */
	tu_write(dir, "sys/class/power_supply/BAT0/energy_now", "38400000\n");
	assert_int_equal(srcenv_read(e, t0 + 10 * S), 0);
	assert_int_equal(d->energy_uj, 36000000);
	assert_int_equal(d->last_dt_ns, 10 * S);
	/* The gauge steps up while discharging: refused, counted, named. */
	tu_write(dir, "sys/class/power_supply/BAT0/energy_now", "38405000\n");
	assert_int_equal(srcenv_read(e, t0 + 20 * S), -EILSEQ);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->energy_uj, 36000000);
	assert_non_null(strstr(e->logbuf, "energy_now rose"));
	/* ... and the next reading counts from the new level. */
	tu_write(dir, "sys/class/power_supply/BAT0/energy_now", "38404000\n");
	assert_int_equal(srcenv_read(e, t0 + 30 * S), 0);
	assert_int_equal(d->energy_uj, 36000000 + 3600000);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_charge_now_times_voltage(void **state)
{
	char *dir = battery_tree("Discharging");
	struct srcenv *e;
	struct domain *d;
	uint64_t t0;

	tu_write(dir, "sys/class/power_supply/BAT0/charge_now", "3120000\n");
	tu_write(dir, "sys/class/power_supply/BAT0/voltage_now", "11400000\n");
	e = srcenv_new(dir, 2);
	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	d = srcenv_find(e, "BAT0");
	t0 = d->timestamp_ns;
	/* 1000 µAh at 11.4 V = 11.4 mWh = 41.04 J. */
	tu_write(dir, "sys/class/power_supply/BAT0/charge_now", "3119000\n");
	assert_int_equal(srcenv_read(e, t0 + 10 * S), 0);
	assert_int_equal(d->energy_uj, 41040000);
	/* 1 µAh at 11.4 V = 0.04104 J: the sub-µJ part is carried, not lost. */
	for (int i = 1; i <= 3; i++) {
		tu_writef(dir, "sys/class/power_supply/BAT0/charge_now", "%d\n", 3119000 - i);
		assert_int_equal(srcenv_read(e, t0 + (10 + (uint64_t)i) * S), 0);
	}
	assert_int_equal(d->energy_uj, 41040000 + 3 * 41040);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_charging_feeds_nothing_and_says_so(void **state)
{
	char *dir = tu_copy_fixture("laptop");
	struct srcenv *e = srcenv_new(dir, 4);
	struct domain *d;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	d = srcenv_find(e, "BAT0");
	t0 = d->timestamp_ns;
	assert_int_equal(srcenv_read(e, t0 + S), 0);
	assert_int_equal(d->energy_uj, 12000000);

	/* Plugged in: power_now is now the charge rate, not the machine's draw. */
	tu_write(dir, "sys/class/power_supply/BAT0/status", "Charging\n");
	tu_write(dir, "sys/class/power_supply/BAT0/power_now", "45000000\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(d->energy_uj, 12000000);
	assert_int_equal(d->last_delta_uj, 0);
	assert_int_equal(d->last_dt_ns, 0); /* power unknown, not 0 W and not 45 W */
	assert_int_equal(d->errors, 0);
	assert_non_null(strstr(d->path, "not measuring: Charging"));
	tu_write(dir, "sys/class/power_supply/BAT0/status", "Full\n");
	assert_int_equal(srcenv_read(e, t0 + 100 * S), 0);
	assert_non_null(strstr(d->path, "not measuring: Full"));
	assert_int_equal(d->energy_uj, 12000000);

	/* Unplugged: a new baseline (no energy for the time on the adapter)... */
	tu_write(dir, "sys/class/power_supply/BAT0/status", "Discharging\n");
	tu_write(dir, "sys/class/power_supply/BAT0/power_now", "10000000\n");
	assert_int_equal(srcenv_read(e, t0 + 200 * S), 0);
	assert_int_equal(d->energy_uj, 12000000);
	assert_null(strstr(d->path, "not measuring"));
	/* ... then measuring again: 10 W x 2 s. */
	assert_int_equal(srcenv_read(e, t0 + 202 * S), 0);
	assert_int_equal(d->energy_uj, 32000000);
	assert_int_equal(d->last_dt_ns, 2 * S);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_broken_tree_errors_counted_and_named(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("broken-battery"), 0);
	struct domain *b0, *b2;

	assert_int_equal(srcenv_open(e, &source_battery_ops), 0);
	/* BAT1 has current_now but no voltage_now: skipped, with the missing file named. */
	assert_null(srcenv_find(e, "BAT1"));
	assert_non_null(strstr(e->logbuf, "BAT1 has no voltage_now"));
	b0 = srcenv_find(e, "BAT0");
	b2 = srcenv_find(e, "BAT2");
	assert_non_null(b0);
	assert_non_null(b2);
	assert_int_equal(b0->errors, 1);
	assert_int_equal(b0->last_error, -EINVAL);
	assert_non_null(strstr(e->logbuf, "BAT0/power_now: not a number"));
	assert_int_equal(b2->errors, 1);
	assert_int_equal(b2->last_error, -ENODATA);
	assert_non_null(strstr(e->logbuf, "BAT2/status: empty"));
	assert_int_equal(srcenv_read(e, now_ns()), -EINVAL);
	assert_int_equal(b0->errors, 2);
	assert_int_equal(b2->errors, 2);
	assert_int_equal(b0->energy_uj + b2->energy_uj, 0);
	srcenv_free(e);
}

static void test_no_battery_is_unavailable_with_reason(void **state)
{
	char *dir = tu_copy_fixture("laptop-cv");
	struct srcenv *e;

	e = srcenv_new(dir, 0);
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/sys/class/power_supply/BAT1", dir);
		tu_rm_rf(p);
	}
	assert_int_equal(srcenv_open(e, &source_battery_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "no system battery"));
	assert_non_null(strstr(e->reason, "only peripherals"));
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);

	dir = tu_mkdtemp();
	tu_write(dir, "sys/devices/system/cpu/online", "0\n");
	e = srcenv_new(dir, 0);
	assert_int_equal(srcenv_open(e, &source_battery_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "class/power_supply"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

/* As nobody, in a child: no cmocka calls, it reports by its exit status. */
static int power_now_as_nobody(void *dir)
{
	struct srcenv *e = srcenv_new(dir, 2);
	struct domain *d;

	if (srcenv_open(e, &source_battery_ops) != 0)
		return 11;
	d = srcenv_find(e, "BAT0");
	if (!d || d->errors != 1 || d->last_error != -EACCES)
		return 12;
	if (!strstr(e->logbuf, "BAT0/power_now: Permission denied"))
		return 13;
	return 0;
}

static void test_unreadable_power_now_is_eacces(void **state)
{
	char *dir = tu_copy_fixture("laptop");

	if (!tu_is_root())
		skip();
	/* Everything readable by nobody, but power_now. */
	tu_readable_by_all(dir);
	tu_chmod(dir, "sys/class/power_supply/BAT0/power_now", 0600);
	assert_int_equal(tu_as_nobody(power_now_as_nobody, dir), 0);
	tu_rm_rf(dir);
	free(dir);
}

static void test_public_api_battery_is_host_total(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("laptop-cv"), NULL, 0);
	struct joulestat_source_info si;
	struct joulestat_domain_info di;
	bool est = true;
	uint64_t e;
	double w;

	si = tu_source(js, "battery");
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(si.domains, 1);
	assert_false(si.estimated);
	/* A measured machine-wide domain exists: the model is not needed. */
	assert_int_equal(tu_source(js, "model").state, JOULESTAT_SOURCE_SHADOWED);
	di = tu_domain(js, "BAT1");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_BATTERY);
	assert_string_equal(di.source, "battery");
	assert_int_equal(di.socket, -1);
	assert_true(di.in_host_total);
	assert_false(di.estimated);
	assert_true(di.warming_up);
	/* Long enough that the µJ rounding is far below the tolerance. */
	usleep(50000);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "BAT1");
	assert_false(di.warming_up);
	assert_true(fabs(di.power_w - 17.1) < 1e-3);
	assert_int_equal(joulestat_host_energy(js, &e, &w, &est), 0);
	assert_false(est);
	assert_true(fabs(w - 17.1) < 1e-3);
	joulestat_free(js);
}

static void test_public_api_charging_power_is_unknown(void **state)
{
	char *dir = tu_copy_fixture("laptop-cv");
	struct joulestat *js;
	struct joulestat_domain_info di;
	double w = 0;

	tu_write(dir, "sys/class/power_supply/BAT1/status", "Charging\n");
	js = tu_monitor(dir, NULL, 0);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "BAT1");
	assert_true(isnan(di.power_w));
	assert_int_equal(di.energy_uj, 0);
	assert_int_equal(di.errors, 0);
	assert_non_null(strstr(di.path, "not measuring: Charging"));
	assert_int_equal(joulestat_host_energy(js, NULL, &w, NULL), 0);
	assert_true(isnan(w));
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_now_is_integrated_by_trapezoids),
		cmocka_unit_test(test_negative_power_is_taken_as_absolute),
		cmocka_unit_test(test_current_times_voltage_and_peripherals_skipped),
		cmocka_unit_test(test_energy_now_deltas),
		cmocka_unit_test(test_charge_now_times_voltage),
		cmocka_unit_test(test_charging_feeds_nothing_and_says_so),
		cmocka_unit_test(test_broken_tree_errors_counted_and_named),
		cmocka_unit_test(test_no_battery_is_unavailable_with_reason),
		cmocka_unit_test(test_unreadable_power_now_is_eacces),
		cmocka_unit_test(test_public_api_battery_is_host_total),
		cmocka_unit_test(test_public_api_charging_power_is_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
