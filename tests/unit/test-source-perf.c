/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-perf.c - RAPL through the perf power PMU: discovery from the
 * fixture's PMU files, one event per domain per socket on the cpumask CPU,
 * counts × scale to µJ exactly, priority over powercap, failures; the
 * perf_event_open system calls are replaced by a fake backend whose counts
 * the tests set. Plus the event, scale and unit parsers.
 */
#include "testutil.h"

#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "joulestat.h"
#include "rapl.h"
#include "source_perf.h"
#include "util.h"

#define MAX_FDS 64

/* The fake kernel: each open gives an fd whose count the test sets. */
struct fake {
	int nopen;
	unsigned type[MAX_FDS];
	uint64_t config[MAX_FDS];
	int cpu[MAX_FDS];
	uint64_t count[MAX_FDS];
	bool closed[MAX_FDS];
	int open_err; /* returned by every open when set */
	int read_err;
};

static struct fake fk;

static int fake_open(const struct perf_event_attr *attr, int cpu, void *ud)
{
	int fd;

	if (fk.open_err)
		return fk.open_err;
	if (fk.nopen == MAX_FDS || attr->size != sizeof(*attr))
		return -EINVAL;
	fd = fk.nopen++;
	fk.type[fd] = attr->type;
	fk.config[fd] = attr->config;
	fk.cpu[fd] = cpu;
	fk.count[fd] = 1000 + (uint64_t)fd;
	return 100 + fd;
}

static int fake_read(int fd, uint64_t *ret, void *ud)
{
	if (fk.read_err)
		return fk.read_err;
	*ret = fk.count[fd - 100];
	return 0;
}

static void fake_close(int fd, void *ud)
{
	fk.closed[fd - 100] = true;
}

static const struct perf_backend fake_backend = {
    .open = fake_open,
    .read = fake_read,
    .close = fake_close,
};

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	source_perf_set_backend(&fake_backend);
	return 0;
}

static int teardown(void **state)
{
	source_perf_set_backend(NULL);
	return 0;
}

/* The fd the source opened for (config, cpu), or fail. */
static int fd_of(uint64_t config, int cpu)
{
	for (int i = 0; i < fk.nopen; i++)
		if (fk.config[i] == config && fk.cpu[i] == cpu)
			return i;
	fail_msg("no event 0x%llx opened on CPU %d", (unsigned long long)config, cpu);
	return -1;
}

static void test_amd_perf_shadows_powercap_package(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("amd-epyc"), "perf,powercap", TU_NO_DEV);
	struct joulestat_domain_info di;

	/* energy-pkg (event=0x02) of PMU type 11, once per socket, on the cpumask CPUs 0 and 4. */
	assert_int_equal(fk.nopen, 2);
	assert_int_equal(fk.type[0], 11);
	fd_of(0x02, 0);
	fd_of(0x02, 4);
	assert_int_equal(tu_source(js, "perf").state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(tu_source(js, "perf").domains, 2);
	/* powercap still gives the core subzones perf lacks. */
	assert_int_equal(tu_source(js, "powercap").state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(joulestat_domain_count(js), 4);
	di = tu_domain(js, "package-0");
	assert_string_equal(di.source, "perf");
	assert_int_equal(di.socket, 0);
	assert_int_equal(di.cpu_mask[0], 0x0f);
	assert_int_equal(di.max_energy_range_uj, 0); /* 64-bit: no wrap */
	assert_true(di.in_host_total);
	assert_non_null(strstr(di.path, "events/energy-pkg (perf, CPU 0)"));
	di = tu_domain(js, "package-1");
	assert_string_equal(di.source, "perf");
	assert_int_equal(di.cpu_mask[0], 0xf0);
	assert_true(di.in_host_total);
	assert_string_equal(tu_domain(js, "core-0").source, "powercap");
	assert_false(tu_domain(js, "core-0").in_host_total);
	joulestat_free(js);
	/* Every fd closed. */
	assert_true(fk.closed[0] && fk.closed[1]);
}

static void test_intel_2s_all_events(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("intel-2s"), "perf,powercap", TU_NO_DEV);
	struct joulestat_source_info pc = tu_source(js, "powercap");

	/* cores, pkg, ram per socket, psys once: 7 events. */
	assert_int_equal(fk.nopen, 7);
	fd_of(0x01, 0);
	fd_of(0x01, 4);
	fd_of(0x02, 0);
	fd_of(0x02, 4);
	fd_of(0x03, 0);
	fd_of(0x03, 4);
	fd_of(0x05, 0);
	assert_int_equal(joulestat_domain_count(js), 7);
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		joulestat_domain_get(js, i, &di);
		assert_string_equal(di.source, "perf");
		assert_int_equal(di.in_host_total, di.kind == JOULESTAT_DOMAIN_PSYS);
	}
	assert_int_equal(tu_domain(js, "core-1").kind, JOULESTAT_DOMAIN_CORE);
	assert_int_equal(tu_domain(js, "dram-0").kind, JOULESTAT_DOMAIN_DRAM);
	assert_int_equal(tu_domain(js, "psys").socket, -1);
	assert_int_equal(tu_domain(js, "psys").cpu_mask[0], 0xff);
	/* Everything powercap measures, perf does: the whole source steps aside. */
	assert_int_equal(pc.state, JOULESTAT_SOURCE_SHADOWED);
	assert_non_null(strstr(pc.reason, "perf"));
	joulestat_free(js);
}

static void test_counts_to_uj_exact(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("amd-epyc"), "perf", TU_NO_DEV);
	int f0 = fd_of(0x02, 0), f1 = fd_of(0x02, 4);
	uint64_t host;

	/* The scale is 2^-32 J: 2^32 counts are exactly 1 J. */
	fk.count[f0] = 1000 + (1ULL << 33);
	fk.count[f1] = 1001 + 12345;
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "package-0").energy_uj, 2000000);
	/* floor((1001 + 12345) × 10^6 / 2^32) - floor(1001 × 10^6 / 2^32) = 3 - 0. */
	assert_int_equal(tu_domain(js, "package-1").energy_uj, 3);
	assert_int_equal(tu_domain(js, "package-1").raw_uj, 3);
	/* Many small steps: the rounding telescopes, nothing drifts. */
	for (int i = 0; i < 1000; i++) {
		fk.count[f1] += 4295; /* 1.00000761 µJ each */
		assert_int_equal(joulestat_read_energy(js), 0);
	}
	assert_int_equal(tu_domain(js, "package-1").energy_uj,
			 (uint64_t)((unsigned __int128)fk.count[f1] * 1000000 >> 32) -
			     (uint64_t)((unsigned __int128)1001 * 1000000 >> 32));
	assert_int_equal(joulestat_host_energy(js, &host, NULL, NULL), 0);
	assert_int_equal(host, tu_domain(js, "package-0").energy_uj +
				       tu_domain(js, "package-1").energy_uj);
	joulestat_free(js);
}

static void test_backwards_and_read_errors_counted(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("amd-epyc"), "perf", TU_NO_DEV);
	int f0 = fd_of(0x02, 0);

	fk.count[f0] = 1000 + (1ULL << 32);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "package-0").energy_uj, 1000000);
	fk.count[f0] = 1000; /* a 64-bit count never goes back */
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "package-0").errors, 1);
	assert_int_equal(tu_domain(js, "package-0").energy_uj, 1000000);
	fk.read_err = -EIO;
	assert_int_equal(joulestat_read_energy(js), -EIO);
	assert_int_equal(tu_domain(js, "package-0").errors, 2);
	assert_int_equal(tu_domain(js, "package-1").errors, 1);
	joulestat_free(js);
}

static void test_permission_names_cap_and_paranoid(void **state)
{
	struct joulestat *js;
	struct joulestat_source_info si;

	fk.open_err = -EACCES;
	js = tu_monitor(tu_data("amd-epyc"), "perf,powercap", TU_NO_DEV);
	si = tu_source(js, "perf");
	assert_int_equal(si.state, JOULESTAT_SOURCE_FAILED);
	assert_int_equal(si.error, -EACCES);
	assert_string_equal(si.reason,
			    "perf_event_open of power/energy-pkg/ on CPU 0: Permission denied: run "
			    "as root or grant CAP_PERFMON (kernel.perf_event_paranoid is 2)");
	/* powercap takes over the package domains. */
	assert_string_equal(tu_domain(js, "package-0").source, "powercap");
	joulestat_free(js);

	fk.open_err = -EPERM;
	js = tu_monitor(tu_data("amd-epyc"), "perf,powercap", TU_NO_DEV);
	assert_non_null(strstr(tu_source(js, "perf").reason, "CAP_PERFMON"));
	assert_int_equal(tu_source(js, "perf").error, -EPERM);
	joulestat_free(js);
}

static void test_real_backend_refuses_fixture(void **state)
{
	struct joulestat *js;
	struct joulestat_source_info si;

	source_perf_set_backend(NULL);
	js = tu_monitor(tu_data("amd-epyc"), "perf,powercap", TU_NO_DEV);
	si = tu_source(js, "perf");
	assert_int_equal(si.state, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_non_null(strstr(si.reason, "is not /sys"));
	assert_int_equal(fk.nopen, 0);
	joulestat_free(js);
}

static void test_no_pmu(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("laptop"), "perf,powercap", TU_NO_DEV);
	struct joulestat_source_info si = tu_source(js, "perf");

	assert_int_equal(si.state, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_int_equal(si.error, -ENODEV);
	assert_non_null(strstr(si.reason, "no perf power PMU under"));
	joulestat_free(js);
}

static void test_broken_event_files_named(void **state)
{
	char *dir = tu_copy_fixture("intel-2s");
	struct joulestat *js;
	struct joulestat_source_info si;

	tu_write(dir, "sys/devices/power/events/energy-ram.scale", "lots\n");
	tu_write(dir, "sys/devices/power/events/energy-cores.unit", "Watts\n");
	tu_write(dir, "sys/devices/power/events/energy-psys", "event=0x05,umask=0x1\n");
	js = tu_monitor(dir, "perf,powercap", TU_NO_DEV);
	si = tu_source(js, "perf");
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(si.domains, 2); /* energy-pkg on both sockets */
	assert_non_null(strstr(si.reason, "events/energy-ram.scale: malformed"));
	assert_non_null(strstr(si.reason, "events/energy-cores.unit: malformed"));
	assert_non_null(strstr(si.reason, "events/energy-psys: a format this PMU does not use"));
	/* The rest comes from powercap. */
	assert_string_equal(tu_domain(js, "dram-0").source, "powercap");
	assert_string_equal(tu_domain(js, "package-0").source, "perf");
	joulestat_free(js);

	/* Nothing usable at all: failed, with the files named. */
	tu_write(dir, "sys/devices/power/events/energy-pkg.scale", "0\n");
	tu_write(dir, "sys/devices/power/type", "power\n");
	js = tu_monitor(dir, "perf,powercap", TU_NO_DEV);
	si = tu_source(js, "perf");
	assert_int_equal(si.state, JOULESTAT_SOURCE_FAILED);
	assert_non_null(strstr(si.reason, "devices/power/type: not a PMU type number"));
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

static void test_multi_die(void **state)
{
	char *dir = tu_copy_fixture("intel-2s");
	struct joulestat *js;
	int a, b;

	/* Two dies per socket: the PMU lists a CPU per die, Intel counts per die. */
	tu_write(dir, "sys/devices/power/cpumask", "0,2,4,6\n");
	js = tu_monitor(dir, "perf", TU_NO_DEV);
	a = fd_of(0x02, 0);
	b = fd_of(0x02, 2);
	fk.count[a] += 1ULL << 32;
	fk.count[b] += 1ULL << 33;
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "package-0").energy_uj, 3000000);
	joulestat_free(js);

	/* On AMD the die CPUs mirror the package counter: only the first is used. */
	tu_rm_rf(dir);
	free(dir);
	dir = tu_copy_fixture("amd-epyc");
	tu_write(dir, "sys/devices/power/cpumask", "0,2,4,6\n");
	memset(&fk, 0, sizeof(fk));
	js = tu_monitor(dir, "perf", TU_NO_DEV);
	assert_int_equal(fk.nopen, 2);
	fd_of(0x02, 0);
	fd_of(0x02, 4);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

/* ---- parsers ---- */

static void test_parse_event_config(void **state)
{
	uint64_t c = 77;

	assert_int_equal(parse_perf_event_config("event=0x02\n", 11, &c), 0);
	assert_int_equal(c, 2);
	assert_int_equal(parse_perf_event_config("event=0xFF", 10, &c), 0);
	assert_int_equal(c, 255);
	assert_int_equal(parse_perf_event_config("event=5", 7, &c), 0);
	assert_int_equal(c, 5);
	c = 77;
	assert_int_equal(parse_perf_event_config("event=0x100", 11, &c), -ERANGE);
	assert_int_equal(parse_perf_event_config("umask=0x01", 10, &c), -EOPNOTSUPP);
	assert_int_equal(parse_perf_event_config("event=0x02,umask=0x1", 20, &c), -EOPNOTSUPP);
	assert_int_equal(parse_perf_event_config("event=", 6, &c), -EINVAL);
	assert_int_equal(parse_perf_event_config("event=0x", 8, &c), -EINVAL);
	assert_int_equal(parse_perf_event_config("event=0xg1", 10, &c), -EINVAL);
	assert_int_equal(parse_perf_event_config("event", 5, &c), -EINVAL);
	assert_int_equal(parse_perf_event_config("", 0, &c), -EINVAL);
	assert_int_equal(parse_perf_event_config("event=1a", 8, &c), -EINVAL);
	assert_int_equal(c, 77);
	/* Only len bytes count. */
	assert_int_equal(parse_perf_event_config("event=0x0299", 10, &c), 0);
	assert_int_equal(c, 2);
}

static void test_parse_scale(void **state)
{
	struct perf_scale s = { 0 };
	uint64_t uj;

	/* 2^-32 J per count, the Intel and AMD RAPL scale: 15625 / 2^26 µJ. */
	assert_int_equal(parse_perf_scale("2.3283064365386962890625e-10\n", 29, &s), 0);
	assert_int_equal(s.mul, 15625);
	assert_int_equal(s.div, 67108864);
	assert_int_equal(perf_scale_to_uj(1ULL << 32, &s, &uj), 0);
	assert_int_equal(uj, 1000000);
	assert_int_equal(perf_scale_to_uj(UINT64_MAX, &s, &uj), 0);
	assert_int_equal(uj, 4294967295999999ULL); /* (2^64 - 1) × 10^6 / 2^32, floored */
	assert_int_equal(parse_perf_scale("1e-6", 4, &s), 0);
	assert_int_equal(s.mul, 1);
	assert_int_equal(s.div, 1);
	assert_int_equal(parse_perf_scale("0.5", 3, &s), 0);
	assert_int_equal(s.mul, 500000);
	assert_int_equal(s.div, 1);
	assert_int_equal(parse_perf_scale("6.103515625E-05", 15, &s), 0); /* 2^-14 J */
	assert_int_equal(s.mul, 15625);
	assert_int_equal(s.div, 256);
	assert_int_equal(parse_perf_scale("+1.0e+0", 7, &s), 0);
	assert_int_equal(s.mul, 1000000);
	assert_int_equal(s.div, 1);
	assert_int_equal(parse_perf_scale("0.000001000", 11, &s), 0);
	assert_int_equal(s.mul, 1);
	assert_int_equal(s.div, 1);
	/* A third of a µJ, approximated within 1e-18. */
	assert_int_equal(parse_perf_scale("3.33333333333333333333333333333333333333e-7", 43, &s),
			 0);
	assert_int_equal(perf_scale_to_uj(3000000000ULL, &s, &uj), 0);
	assert_true(uj == 999999999 || uj == 1000000000);
	assert_int_equal(perf_scale_to_uj(UINT64_MAX, &(struct perf_scale){2, 1}, &uj), -ERANGE);

	assert_int_equal(parse_perf_scale("0", 1, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("0.0e5", 5, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("-1", 2, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("abc", 3, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("1e", 2, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("1.2.3", 5, &s), -EINVAL);
	assert_int_equal(parse_perf_scale(".", 1, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("1e-100", 6, &s), -ERANGE);
	assert_int_equal(parse_perf_scale("1e30", 4, &s), -ERANGE);
	assert_int_equal(parse_perf_scale("", 0, &s), -EINVAL);
	assert_int_equal(parse_perf_scale("nan", 3, &s), -EINVAL);
}

static void test_parse_unit(void **state)
{
	assert_int_equal(parse_perf_unit("Joules\n", 7), 0);
	assert_int_equal(parse_perf_unit("Joules", 6), 0);
	assert_int_equal(parse_perf_unit("joules", 6), -EINVAL);
	assert_int_equal(parse_perf_unit("Watts\n", 6), -EINVAL);
	assert_int_equal(parse_perf_unit("", 0), -EINVAL);
	assert_int_equal(parse_perf_unit("Joulesx", 6), 0); /* only len bytes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_amd_perf_shadows_powercap_package, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_intel_2s_all_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts_to_uj_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backwards_and_read_errors_counted, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_permission_names_cap_and_paranoid, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_real_backend_refuses_fixture, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_pmu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_event_files_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multi_die, setup, teardown),
	    cmocka_unit_test(test_parse_event_config),
	    cmocka_unit_test(test_parse_scale),
	    cmocka_unit_test(test_parse_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
