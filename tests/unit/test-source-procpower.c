/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-procpower.c - per-process energy files: one domain per
 * process, keyed by PID and start time; processes appear, exit, and PIDs are
 * reused while the source reads.
 */
#include "srcenv.h"

#define S NSEC_PER_SEC

static void write_proc(const char *dir, int pid, const char *comm, uint64_t start,
		       const char *energy)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	tu_writef(dir, rel,
		  "%d (%s) S 1 %d %d 0 -1 4194560 10 0 0 0 5 1 0 0 20 0 1 0 %llu 1000 10 "
		  "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		  pid, comm, pid, pid, (unsigned long long)start);
	if (energy) {
		snprintf(rel, sizeof(rel), "proc/%d/power/energy_uj", pid);
		tu_write(dir, rel, energy);
	}
}

static void rm_proc(const char *dir, int pid)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/proc/%d", dir, pid);
	tu_rm_rf(p);
}

static void test_processes_come_go_and_pids_are_reused(void **state)
{
	char *dir = tu_copy_fixture("procpower");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *init, *web, *d;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_procpower_ops), 0);
	/* 977 (a kernel thread) has no power file: no domain. */
	assert_int_equal(e->domains.n, 2);
	init = srcenv_find(e, "pid-1");
	web = srcenv_find(e, "pid-412");
	assert_non_null(init);
	assert_non_null(web);
	assert_null(srcenv_find(e, "pid-977"));
	assert_int_equal(init->kind, JOULESTAT_DOMAIN_PROCESS);
	assert_int_equal(init->pid, 1);
	assert_int_equal(web->pid, 412);
	assert_int_equal(init->socket, -1);
	assert_int_equal(init->raw_uj, 5000000);
	assert_non_null(strstr(web->path, "/proc/412/power/energy_uj"));
	t0 = MAX(init->timestamp_ns, web->timestamp_ns);

	/* 412 exits, 2000 starts, init spends 1 J. */
	rm_proc(dir, 412);
	write_proc(dir, 2000, "make", 70000, "300\n");
	tu_write(dir, "proc/1/power/energy_uj", "6000000\n");
	assert_int_equal(srcenv_read(e, t0 + S), 0);
	assert_int_equal(e->domains.n, 2);
	assert_ptr_equal(srcenv_find(e, "pid-1"), init);
	assert_int_equal(init->energy_uj, 1000000);
	assert_null(srcenv_find(e, "pid-412"));
	d = srcenv_find(e, "pid-2000");
	assert_non_null(d);
	assert_int_equal(d->readings, 1); /* warming up */
	assert_int_equal(d->energy_uj, 0);
	tu_write(dir, "proc/2000/power/energy_uj", "800\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(d->energy_uj, 500);

	/* PID 2000 reused by a new process: a new domain, no backwards error. */
	rm_proc(dir, 2000);
	write_proc(dir, 2000, "make", 70500, "100\n");
	assert_int_equal(srcenv_read(e, t0 + 3 * S), 0);
	d = srcenv_find(e, "pid-2000");
	assert_non_null(d);
	assert_int_equal(d->readings, 1);
	assert_int_equal(d->errors, 0);
	assert_int_equal(d->energy_uj, 0);
	tu_write(dir, "proc/2000/power/energy_uj", "150\n");
	assert_int_equal(srcenv_read(e, t0 + 4 * S), 0);
	assert_int_equal(d->energy_uj, 50);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_bad_readings_counted_and_named(void **state)
{
	char *dir = tu_copy_fixture("procpower");
	struct srcenv *e = srcenv_new(dir, 0);
	struct domain *init, *web;
	uint64_t t0;

	assert_int_equal(srcenv_open(e, &source_procpower_ops), 0);
	init = srcenv_find(e, "pid-1");
	web = srcenv_find(e, "pid-412");
	t0 = MAX(init->timestamp_ns, web->timestamp_ns);
	/* Same process, counter backwards: refused and counted. */
	tu_write(dir, "proc/1/power/energy_uj", "4000000\n");
	/* Same process, garbage: counted, named, the domain stays. */
	tu_write(dir, "proc/412/power/energy_uj", "lots\n");
	assert_true(srcenv_read(e, t0 + S) < 0); /* no process read well */
	assert_int_equal(init->errors, 1);
	assert_int_equal(init->last_error, -EILSEQ);
	assert_non_null(strstr(e->logbuf, "/proc/1/power/energy_uj went backwards"));
	assert_ptr_equal(srcenv_find(e, "pid-412"), web);
	assert_int_equal(web->errors, 1);
	assert_int_equal(web->last_error, -EINVAL);
	assert_non_null(strstr(e->logbuf, "/proc/412/power/energy_uj: malformed"));
	/* Both recover from their next good reading. */
	tu_write(dir, "proc/1/power/energy_uj", "4000100\n");
	tu_write(dir, "proc/412/power/energy_uj", "1250200\n");
	assert_int_equal(srcenv_read(e, t0 + 2 * S), 0);
	assert_int_equal(init->energy_uj, 100);
	assert_int_equal(web->energy_uj, 200);
	/* A process whose stat is malformed gets no domain: it cannot be keyed. */
	write_proc(dir, 3000, "x", 1, "5\n");
	tu_write(dir, "proc/3000/stat", "3000 (x S\n");
	assert_int_equal(srcenv_read(e, t0 + 3 * S), 0);
	assert_null(srcenv_find(e, "pid-3000"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_no_interface_is_unavailable(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("model"), 0);

	assert_int_equal(srcenv_open(e, &source_procpower_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "PID/power/energy_uj"));
	assert_non_null(strstr(e->reason, "experimental"));
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
}

static void test_public_api_process_domains_not_in_host_total(void **state)
{
	char *dir = tu_copy_fixture("procpower");
	struct joulestat *js = tu_monitor(dir, NULL, 0);
	struct joulestat_domain_info di;
	bool est = false;

	assert_int_equal(tu_source(js, "procpower").state, JOULESTAT_SOURCE_ACTIVE);
	/* Per-process files do not measure the machine: the model still runs. */
	assert_int_equal(tu_source(js, "model").state, JOULESTAT_SOURCE_ACTIVE);
	di = tu_domain(js, "pid-412");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_PROCESS);
	assert_int_equal(di.pid, 412);
	assert_false(di.in_host_total);
	assert_false(di.estimated);
	assert_true(tu_domain(js, "package-0").in_host_total);
	assert_int_equal(joulestat_domain_count(js), 3);
	rm_proc(dir, 412);
	write_proc(dir, 4242, "cc1", 80000, "10\n");
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(joulestat_domain_count(js), 3);
	di = tu_domain(js, "pid-4242");
	assert_int_equal(di.pid, 4242);
	assert_true(di.warming_up);
	assert_int_equal(joulestat_host_energy(js, NULL, NULL, &est), 0);
	assert_true(est); /* the host total is the model's */
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_processes_come_go_and_pids_are_reused),
		cmocka_unit_test(test_bad_readings_counted_and_named),
		cmocka_unit_test(test_no_interface_is_unavailable),
		cmocka_unit_test(test_public_api_process_domains_not_in_host_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
