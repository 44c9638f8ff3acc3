/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-topology.c - CPUs, sockets and CPU identity from fixture trees. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "topology.h"

static void write_cpu(const char *dir, unsigned cpu, int pkg)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/topology/physical_package_id", cpu);
	tu_writef(dir, rel, "%d\n", pkg);
}

static void test_two_sockets_non_contiguous_ids(void **state)
{
	char *dir = tu_mkdtemp(), sys[4096], proc[4096];
	struct topology *t = calloc(1, sizeof(*t));
	struct fsroot fs;

	tu_write(dir, "sys/devices/system/cpu/online", "0-3\n");
	write_cpu(dir, 0, 0);
	write_cpu(dir, 1, 3); /* package ids need not be contiguous */
	write_cpu(dir, 2, 0);
	write_cpu(dir, 3, 3);
	tu_write(dir, "proc/cpuinfo",
		 "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
		 "model name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\n\n"
		 "processor\t: 1\nvendor_id\t: Other\n");
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(fsroot_init(&fs, sys, proc, NULL), 0);
	assert_int_equal(topology_read(&fs, NULL, t), 0);
	assert_int_equal(t->ncpus, 4);
	assert_int_equal(t->nsockets, 2);
	assert_int_equal(topology_cpu_socket(t, 0), 0);
	assert_int_equal(topology_cpu_socket(t, 1), 1);
	assert_int_equal(topology_cpu_socket(t, 3), 1);
	assert_int_equal(topology_cpu_socket(t, 4), -ENOENT);
	assert_int_equal(cpuset_count(&t->socket_cpus[1]), 2);
	assert_string_equal(t->cpu.vendor, "GenuineIntel");
	assert_int_equal(t->cpu.family, 6);
	assert_int_equal(t->cpu.model, 85);
	assert_string_equal(t->cpu.model_name, "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz");
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
	free(t);
}

static void test_missing_online_and_package_ids(void **state)
{
	char *dir = tu_mkdtemp(), sys[4096];
	struct topology *t = calloc(1, sizeof(*t));
	struct fsroot fs;

	/* No online file, no topology: cpuN directories, all in package 0. */
	tu_write(dir, "sys/devices/system/cpu/cpu0/uevent", "");
	tu_write(dir, "sys/devices/system/cpu/cpu1/uevent", "");
	tu_write(dir, "sys/devices/system/cpu/cpufreq/x", "");
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	assert_int_equal(fsroot_init(&fs, sys, "/nonexistent", NULL), 0);
	assert_int_equal(topology_read(&fs, NULL, t), 0);
	assert_int_equal(t->ncpus, 2);
	assert_int_equal(t->nsockets, 1);
	assert_int_equal(t->cpu.family, -1);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
	free(t);
}

static void test_no_cpus_is_an_error(void **state)
{
	char *dir = tu_mkdtemp();
	struct topology *t = calloc(1, sizeof(*t));
	struct fsroot fs;

	assert_int_equal(fsroot_init(&fs, dir, dir, NULL), 0);
	assert_true(topology_read(&fs, NULL, t) < 0);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
	free(t);
}

static void test_cpuinfo_garbage(void **state)
{
	struct cpuinfo ci;
	const char junk[] = ":\n::::\nmodel\t: 99999999999999999999\n\xff\xfe: x\nmodel name";

	assert_int_equal(parse_cpuinfo(junk, sizeof(junk) - 1, &ci), 0);
	assert_int_equal(ci.model, -1);
	assert_string_equal(ci.model_name, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_sockets_non_contiguous_ids),
		cmocka_unit_test(test_missing_online_and_package_ids),
		cmocka_unit_test(test_no_cpus_is_an_error),
		cmocka_unit_test(test_cpuinfo_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
