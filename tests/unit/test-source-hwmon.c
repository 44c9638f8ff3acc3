/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-hwmon.c - the hwmon source over fixture trees: devices found
 * by name, GPUs left alone, energy counters preferred over power, kinds,
 * labels, exact energies, broken devices counted and named.
 */
#include "srcenv.h"

#include <math.h>
#include <unistd.h>

#define S NSEC_PER_SEC

static void test_meter_tree_domains_and_energy(void **state)
{
	char *dir = tu_copy_fixture("hwmon-meter");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *pm, *pkg;
	uint64_t t0, pm_t0;

	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	assert_int_equal(e->domains.n, 2);
	pm = srcenv_find(e, "power_meter-power1");
	pkg = srcenv_find(e, "amd_energy-Esocket0");
	assert_non_null(pm);
	assert_non_null(pkg);
	assert_int_equal(pm->kind, JOULESTAT_DOMAIN_PLATFORM);
	assert_int_equal(pm->socket, -1);
	assert_int_equal(cpuset_count(&pm->cpus), 4);
	assert_non_null(strstr(pm->path, "/hwmon1/power1_average"));
	assert_int_equal(pkg->kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_int_equal(pkg->socket, 0);
	assert_int_equal(pkg->ctr.max_range_uj, 0); /* 64-bit: never wraps */
	assert_non_null(strstr(pkg->path, "/hwmon2/energy1_input"));
	/* The per-core counter and the GPU are not domains; the GPU is logged. */
	assert_non_null(strstr(e->logbuf, "hwmon3 (amdgpu) is a GPU"));
	assert_non_null(strstr(e->logbuf, "Ecore000"));
	assert_int_equal(pkg->raw_uj, 123456789012ULL);

	pm_t0 = pm->timestamp_ns;
	t0 = MAX(pm->timestamp_ns, pkg->timestamp_ns);
	tu_write(dir, "sys/class/hwmon/hwmon2/energy1_input", "123461789012\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(pkg->energy_uj, 5000000);
	/* 85 W, constant, since the meter's own first reading: exact to the µJ. */
	assert_int_equal(pm->energy_uj, mul_div_u64(85000000, t0 + 2 * S - pm_t0, NSEC_PER_SEC));
	/* 85 W then 95 W one second later: trapezoid 90 J. */
	tu_write(dir, "sys/class/hwmon/hwmon1/power1_average", "95000000\n");
	{
		uint64_t before = pm->energy_uj;

		assert_int_equal(srcenv_read(e, t0 + 3 * S), 0);
		assert_int_equal(pm->energy_uj - before, 90000000);
	}
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_energy_preferred_and_labels_name_domains(void **state)
{
	char *dir = tu_mkdtemp();
	struct srcenv *e;
	struct domain *d;

	tu_write(dir, "sys/class/hwmon/hwmon4/name", "ltc2947\n");
	tu_write(dir, "sys/class/hwmon/hwmon4/energy1_input", "1000\n");
	tu_write(dir, "sys/class/hwmon/hwmon4/energy1_label", "board in\n");
	tu_write(dir, "sys/class/hwmon/hwmon4/power1_input", "30000000\n");
	/* A device with power only: powerN_average is preferred over powerN_input. */
	tu_write(dir, "sys/class/hwmon/hwmon7/name", "corsairpsu\n");
	tu_write(dir, "sys/class/hwmon/hwmon7/power1_input", "70000000\n");
	tu_write(dir, "sys/class/hwmon/hwmon7/power1_average", "60000000\n");
	tu_write(dir, "sys/class/hwmon/hwmon7/power2_input", "20000000\n");
	tu_write(dir, "sys/class/hwmon/hwmon7/power2_label", "power 12v\n");
	e = srcenv_new(dir, 2);
	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	assert_int_equal(e->domains.n, 3);
	d = srcenv_find(e, "ltc2947-board_in");
	assert_non_null(d);
	assert_non_null(strstr(d->path, "energy1_input"));
	assert_int_equal(d->kind, JOULESTAT_DOMAIN_PLATFORM);
	d = srcenv_find(e, "corsairpsu-power1");
	assert_non_null(d);
	assert_non_null(strstr(d->path, "power1_average"));
	assert_int_equal(srcenv_read(e, d->timestamp_ns + S), 0);
	assert_int_equal(d->energy_uj, 60000000);
	assert_non_null(srcenv_find(e, "corsairpsu-power_12v"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_other_meters_skipped_beside_acpi_meter(void **state)
{
	char *dir = tu_copy_fixture("hwmon-meter");
	struct srcenv *e;

	tu_write(dir, "sys/class/hwmon/hwmon9/name", "corsairpsu\n");
	tu_write(dir, "sys/class/hwmon/hwmon9/power1_input", "70000000\n");
	e = srcenv_new(dir, 0);
	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	assert_int_equal(e->domains.n, 2);
	assert_null(srcenv_find(e, "corsairpsu-power1"));
	assert_non_null(strstr(e->logbuf, "would be counted twice"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_old_layout_and_duplicate_names(void **state)
{
	char *dir = tu_mkdtemp();
	struct srcenv *e;

	/* Attributes under hwmonN/device/ (drivers before the hwmon core moved them). */
	tu_write(dir, "sys/class/hwmon/hwmon0/device/name", "power_meter\n");
	tu_write(dir, "sys/class/hwmon/hwmon0/device/power1_average", "1000000\n");
	tu_write(dir, "sys/class/hwmon/hwmon1/name", "power_meter\n");
	tu_write(dir, "sys/class/hwmon/hwmon1/power1_average", "2000000\n");
	e = srcenv_new(dir, 1);
	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	assert_int_equal(e->domains.n, 2);
	assert_non_null(srcenv_find(e, "power_meter-power1"));
	assert_non_null(srcenv_find(e, "power_meter-power1-hwmon1"));
	assert_non_null(strstr(srcenv_find(e, "power_meter-power1")->path,
			       "hwmon0/device/power1_average"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_counter_backwards_is_an_error(void **state)
{
	char *dir = tu_copy_fixture("hwmon-meter");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *pkg;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	pkg = srcenv_find(e, "amd_energy-Esocket0");
	t0 = pkg->timestamp_ns;
	tu_write(dir, "sys/class/hwmon/hwmon2/energy1_input", "123456000000\n");
	(void)srcenv_read(e, t0 + S);
	assert_int_equal(pkg->errors, 1);
	assert_int_equal(pkg->last_error, -EILSEQ);
	assert_int_equal(pkg->energy_uj, 0);
	assert_non_null(strstr(e->logbuf, "went backwards"));
	/* The refused reading is the new baseline. */
	tu_write(dir, "sys/class/hwmon/hwmon2/energy1_input", "123457000000\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(pkg->energy_uj, 1000000);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_broken_tree_errors_counted_and_named(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("broken-hwmon"), 0);
	struct domain *pm, *pkg;

	assert_int_equal(srcenv_open(e, &source_hwmon_ops), 0);
	assert_int_equal(e->domains.n, 2);
	assert_non_null(strstr(e->logbuf, "hwmon0/name: No such file"));
	assert_non_null(strstr(e->logbuf, "hwmon3/name: empty"));
	assert_non_null(strstr(e->logbuf, "package 7 has no online CPU"));
	pm = srcenv_find(e, "power_meter-power1");
	pkg = srcenv_find(e, "amd_energy-Esocket0");
	assert_non_null(pm);
	assert_non_null(pkg);
	assert_int_equal(pm->errors, 1);
	assert_int_equal(pm->last_error, -EINVAL);
	assert_non_null(strstr(e->logbuf, "hwmon1/power1_average: not a number"));
	assert_int_equal(pkg->errors, 1);
	assert_int_equal(pkg->last_error, -ENODATA);
	assert_non_null(strstr(e->logbuf, "hwmon2/energy1_input: empty"));
	assert_true(srcenv_read(e, now_ns()) < 0);
	assert_int_equal(pm->errors + pkg->errors, 4);
	srcenv_free(e);
}

struct nobody_run {
	char *dir;
	int (*body)(struct srcenv *e);
};

static int nobody_body(void *arg)
{
	const struct nobody_run *run = arg;

	return run->body(srcenv_new(run->dir, 0));
}

/* As nobody, over a copy of hwmon-meter where `files` (space-separated) are root-only. */
static int run_as_nobody(const char *files, int (*body)(struct srcenv *e))
{
	struct nobody_run run = { .dir = tu_copy_fixture("hwmon-meter"), .body = body };
	char cmd[8192];
	int n, status;

	tu_readable_by_all(run.dir);
	n = snprintf(cmd, sizeof(cmd), "cd '%s/sys/class/hwmon' && chmod 600 %s", run.dir, files);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	status = tu_as_nobody(nobody_body, &run);
	tu_rm_rf(run.dir);
	free(run.dir);
	return status;
}

static int one_root_only(struct srcenv *e)
{
	struct domain *pkg;

	if (srcenv_open(e, &source_hwmon_ops) != 0)
		return 1;
	pkg = srcenv_find(e, "amd_energy-Esocket0");
	if (!pkg || pkg->last_error != -EACCES || pkg->errors != 1)
		return 2;
	if (!strstr(e->logbuf, "hwmon2/energy1_input: permission denied") ||
	    !strstr(e->logbuf, "run as root"))
		return 3;
	return srcenv_find(e, "power_meter-power1")->errors == 0 ? 0 : 4;
}

static int all_root_only(struct srcenv *e)
{
	if (srcenv_open(e, &source_hwmon_ops) != -EACCES)
		return 1;
	if (!strstr(e->reason, "permission denied") || !strstr(e->reason, "run as root"))
		return 2;
	return e->domains.n == 0 ? 0 : 3;
}

static void test_permission_denied_says_how_to_fix(void **state)
{
	if (!tu_is_root())
		skip();
	assert_int_equal(run_as_nobody("hwmon2/energy1_input", one_root_only), 0);
	assert_int_equal(run_as_nobody("hwmon2/energy1_input hwmon1/power1_average", all_root_only),
			 0);
}

static void test_nothing_is_unavailable(void **state)
{
	char *dir = tu_mkdtemp();
	struct srcenv *e;

	tu_write(dir, "sys/class/hwmon/hwmon0/name", "amdgpu\n");
	tu_write(dir, "sys/class/hwmon/hwmon0/power1_average", "5000000\n");
	e = srcenv_new(dir, 1);
	assert_int_equal(srcenv_open(e, &source_hwmon_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "no power or energy meter"));
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_public_api_kinds_and_host_total(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("hwmon-meter"), NULL, 0);
	struct joulestat_domain_info di;
	bool est = true;

	assert_int_equal(tu_source(js, "hwmon").state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(tu_source(js, "hwmon").domains, 2);
	assert_int_equal(tu_source(js, "model").state, JOULESTAT_SOURCE_SHADOWED);
	assert_int_equal(joulestat_domain_count(js), 2);
	di = tu_domain(js, "power_meter-power1");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_PLATFORM);
	assert_false(di.estimated);
	/* The monitor's order: Σ package before a platform meter. */
	assert_false(di.in_host_total);
	di = tu_domain(js, "amd_energy-Esocket0");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_int_equal(di.socket, 0);
	assert_true(di.in_host_total);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(joulestat_host_energy(js, NULL, NULL, &est), 0);
	assert_false(est);
	joulestat_free(js);

	/* Without the package counter, the platform meter is the host total. */
	{
		char *dir = tu_copy_fixture("hwmon-meter"), p[4096];

		snprintf(p, sizeof(p), "%s/sys/class/hwmon/hwmon2", dir);
		tu_rm_rf(p);
		js = tu_monitor(dir, NULL, 0);
		di = tu_domain(js, "power_meter-power1");
		assert_true(di.in_host_total);
		joulestat_free(js);
		tu_rm_rf(dir);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meter_tree_domains_and_energy),
		cmocka_unit_test(test_energy_preferred_and_labels_name_domains),
		cmocka_unit_test(test_other_meters_skipped_beside_acpi_meter),
		cmocka_unit_test(test_old_layout_and_duplicate_names),
		cmocka_unit_test(test_counter_backwards_is_an_error),
		cmocka_unit_test(test_broken_tree_errors_counted_and_named),
		cmocka_unit_test(test_permission_denied_says_how_to_fix),
		cmocka_unit_test(test_nothing_is_unavailable),
		cmocka_unit_test(test_public_api_kinds_and_host_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
