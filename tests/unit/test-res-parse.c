/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-res-parse.c - the resource parsers on real files (tests/data/res-laptop,
 * taken from a 6.18 kernel) and on malformed ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "res_parse.h"

#define S(str) str, sizeof(str) - 1

/* The fixture file tests/data/res-laptop/<rel>, read whole (static buffer). */
static const char *fixture(const char *rel, size_t *len)
{
	static char buf[65536];
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s", tu_data("res-laptop"));
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, rel, sizeof(path) - strlen(path) - 1);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void test_sys_stat_real(void **state)
{
	struct cpu_times cpus[4];
	struct sys_stat s;
	size_t len;
	const char *b = fixture("proc/stat", &len);

	assert_int_equal(parse_sys_stat(b, len, cpus, 4, &s), 0);
	/* "cpu  351003 0 84522 478608 1173 0 569 17165 0 0" */
	assert_int_equal(s.all.user, 351003);
	assert_int_equal(s.all.system, 84522);
	assert_int_equal(s.all.idle, 478608);
	assert_int_equal(s.all.iowait, 1173);
	assert_int_equal(s.all.softirq, 569);
	assert_int_equal(s.all.steal, 17165);
	assert_int_equal(cpu_times_busy(&s.all), 351003 + 84522 + 569 + 17165);
	assert_int_equal(cpu_times_total(&s.all), 351003 + 84522 + 569 + 17165 + 478608 + 1173);
	assert_int_equal(s.ncpus, 2);
	assert_true(cpus[0].present && cpus[1].present);
	assert_false(cpus[2].present);
	assert_int_equal(cpus[1].user, 176087);
	assert_int_equal(s.intr, 3324237);
	assert_int_equal(s.ctxt, 28705636);
	assert_true(s.forks > 0);
	/* Fewer slots than CPUs: the rest are counted, not stored. */
	assert_int_equal(parse_sys_stat(b, len, cpus, 1, &s), 0);
	assert_int_equal(s.ncpus, 1);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(parse_sys_stat(b, len, NULL, 0, &s), 0);
	assert_int_equal(s.skipped, 2);
}

static void test_sys_stat_bad(void **state)
{
	struct cpu_times cpus[2];
	struct sys_stat s = { .ctxt = 7 };

	assert_int_equal(parse_sys_stat(S(""), cpus, 2, &s), -ENODATA);
	assert_int_equal(parse_sys_stat(S("\n\n"), cpus, 2, &s), -ENODATA);
	/* ctxt and intr are required. */
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 4\nintr 5\n"), cpus, 2, &s), -EINVAL);
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 4\nctxt 5\n"), cpus, 2, &s), -EINVAL);
	assert_int_equal(parse_sys_stat(S("ctxt 5\nintr 5 0 0\n"), cpus, 2, &s), -EINVAL);
	/* Linux 2.4's four fields are enough; three are not. */
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 4\nctxt 5\nintr 6 0\n"), cpus, 2, &s), 0);
	assert_int_equal(s.ctxt, 5);
	assert_int_equal(s.intr, 6);
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3\nctxt 5\nintr 6\n"), cpus, 2, &s), -EINVAL);
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 4\ncpuX 1 2 3 4\nctxt 5\nintr 6\n"), cpus, 2,
				    &s),
			 -EINVAL);
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 x\nctxt 5\nintr 6\n"), cpus, 2, &s), -EINVAL);
	assert_int_equal(parse_sys_stat(S("cpu 1 2 3 4\nctxt\nintr 6\n"), cpus, 2, &s), -EINVAL);
	assert_int_equal(
		parse_sys_stat(S("cpu 1 2 3 4\nctxt 99999999999999999999\nintr 6\n"), cpus, 2, &s),
		-ERANGE);
	/* Sums that overflow are refused so callers may add the fields. */
	assert_int_equal(parse_sys_stat(S("cpu 18446744073709551615 1 0 0\nctxt 5\nintr 6\n"), cpus,
				    2, &s),
			 -ERANGE);
	assert_int_equal(s.ctxt, 5); /* unchanged by the failures */
}

static void test_load_avg(void **state)
{
	struct load_avg l;
	size_t len;
	const char *b = fixture("proc/loadavg", &len);

	assert_int_equal(parse_load_avg(S("0.52 1.58 12.09 3/114 4242\n"), &l), 0);
	assert_int_equal(l.load_milli[0], 520);
	assert_int_equal(l.load_milli[1], 1580);
	assert_int_equal(l.load_milli[2], 12090);
	assert_int_equal(l.runnable, 3);
	assert_int_equal(l.threads, 114);
	assert_int_equal(parse_load_avg(b, len, &l), 0);
	assert_true(l.threads > 0);
	assert_int_equal(parse_load_avg(S(""), &l), -ENODATA);
	assert_int_equal(parse_load_avg(S("0.52 0.58 0.59\n"), &l), -EINVAL);
	assert_int_equal(parse_load_avg(S("0.52 0.58 0.59 2 114 42\n"), &l), -EINVAL);
	assert_int_equal(parse_load_avg(S("0.52 0.58 0.59 2/ 42\n"), &l), -EINVAL);
	assert_int_equal(parse_load_avg(S("0.52 0.58 0.59 2/114\n"), &l), -EINVAL);
	assert_int_equal(parse_load_avg(S("0.5x 0.58 0.59 2/114 42\n"), &l), -EINVAL);
	assert_int_equal(parse_load_avg(S("99999999.0 0.58 0.59 2/114 42\n"), &l), -ERANGE);
	assert_int_equal(parse_load_avg(S("0.52 0.58 0.59 2/114 42 junk\n"), &l), -EINVAL);
}

static void test_meminfo(void **state)
{
	struct meminfo m;
	size_t len;
	const char *b = fixture("proc/meminfo", &len);

	assert_int_equal(parse_meminfo(b, len, &m), 0);
	assert_true(m.has_available);
	assert_true(m.total_bytes > m.available_bytes);
	assert_true(m.total_bytes % 1024 == 0);
	assert_int_equal(parse_meminfo(S("MemTotal:       24684820 kB\nMemFree:        "
					 "24006364 kB\nBuffers:            100 kB\nCached:          "
					 "   200 kB\nSwapTotal:     1000 kB\nSwapFree:       400 kB\n"
					 "HugePages_Total:       0\n"),
				       &m),
			 0);
	assert_int_equal(m.total_bytes, 24684820ULL * 1024);
	/* Before 3.14: no MemAvailable, estimated from free + buffers + cached. */
	assert_false(m.has_available);
	assert_int_equal(m.available_bytes, (24006364ULL + 300) * 1024);
	assert_int_equal(m.swap_total_bytes - m.swap_free_bytes, 600 * 1024);

	assert_int_equal(parse_meminfo(S(""), &m), -ENODATA);
	assert_int_equal(parse_meminfo(S("MemTotal: 1 kB\n"), &m), -EINVAL);
	assert_int_equal(parse_meminfo(S("MemTotal: 1 kB\nMemFree 2 kB\n"), &m), -EINVAL);
	assert_int_equal(parse_meminfo(S("MemTotal: 1 kB\nMemFree: 2 MB\n"), &m), -EINVAL);
	assert_int_equal(parse_meminfo(S("MemTotal: 1 kB\nMemFree: x kB\n"), &m), -EINVAL);
	assert_int_equal(parse_meminfo(S("MemTotal: 1 kB\nMemFree: 2 kB junk\n"), &m), -EINVAL);
	assert_int_equal(parse_meminfo(S("MemTotal: 18446744073709551615 kB\nMemFree: 2 kB\n"), &m),
			 -ERANGE);
}

static void test_diskstats(void **state)
{
	struct diskstat d[16];
	size_t len;
	const char *b = fixture("proc/diskstats", &len);
	int n, vda = -1;

	n = parse_diskstats(b, len, d, 16);
	assert_int_equal(n, 11); /* loop0-7, vda, vda1, zram0 */
	for (int i = 0; i < n; i++)
		if (strcmp(d[i].name, "vda") == 0)
			vda = i;
	assert_true(vda >= 0);
	/* " 254 0 vda 55443 8077 3232474 11555 54623 57776 4630368 44822 0 24284 ..." */
	assert_int_equal(d[vda].major, 254);
	assert_int_equal(d[vda].reads, 55443);
	assert_int_equal(d[vda].read_sectors, 3232474);
	assert_int_equal(d[vda].writes, 54623);
	assert_int_equal(d[vda].write_sectors, 4630368);
	assert_int_equal(d[vda].io_ticks_ms, 24284);
	/* Count beyond max, like snprintf. */
	assert_int_equal(parse_diskstats(b, len, d, 2), 11);
	assert_int_equal(parse_diskstats(b, len, NULL, 0), 11);
	/* 2.6 partition lines: four counters. 4.18's 15 fields. */
	assert_int_equal(parse_diskstats(S("   3    1 hda1 35486 38030 38030 38030\n"), d, 1), 1);
	assert_int_equal(d[0].write_sectors, 38030);
	assert_int_equal(d[0].io_ticks_ms, 0);
	assert_int_equal(parse_diskstats(S(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"), d, 1), 1);
	assert_int_equal(d[0].io_ticks_ms, 10);
	assert_int_equal(parse_diskstats(S(""), d, 1), 0);

	assert_int_equal(parse_diskstats(S(" 8 0 sda 1 2 3 4 5\n"), d, 1), -EINVAL);
	assert_int_equal(parse_diskstats(S(" 8 0\n"), d, 1), -EINVAL);
	assert_int_equal(parse_diskstats(S(" 8 x sda 1 2 3 4\n"), d, 1), -EINVAL);
	assert_int_equal(parse_diskstats(S(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n"),
					 d, 1),
			 -EINVAL);
	assert_int_equal(parse_diskstats(S(" 8 0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1 2 3 4\n"),
					 d, 1),
			 -EINVAL);
	assert_int_equal(parse_diskstats(S(" 8 0 sda 1 2 99999999999999999999 4\n"), d, 1), -ERANGE);
}

static void test_net_dev(void **state)
{
	struct netdev_stat d[8];
	size_t len;
	const char *b = fixture("proc/net/dev", &len);
	int n;

	n = parse_net_dev(b, len, d, 8);
	assert_int_equal(n, 4);
	assert_string_equal(d[0].name, "lo");
	assert_int_equal(d[0].rx_bytes, 6534);
	assert_int_equal(d[0].tx_packets, 58);
	assert_string_equal(d[3].name, "eth0");
	assert_int_equal(d[3].rx_bytes, 55920361);
	assert_int_equal(d[3].rx_packets, 1953);
	assert_int_equal(d[3].tx_bytes, 111896);
	assert_int_equal(d[3].tx_packets, 1519);
	assert_int_equal(parse_net_dev(b, len, NULL, 0), 4);
	/* A 16-character name is longer than IFNAMSIZ allows: not net/dev. */
	assert_int_equal(parse_net_dev(S("abcdefghijklmnop: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"),
				       d, 8),
			 -EINVAL);
	assert_int_equal(parse_net_dev(S("eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), d, 8),
			 -EINVAL);
	assert_int_equal(parse_net_dev(S("eth0: 1 2 3\n"), d, 8), -EINVAL);
	assert_int_equal(parse_net_dev(S("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), d, 8),
			 -EINVAL);
	assert_int_equal(parse_net_dev(S(": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), d, 8), -EINVAL);
	assert_int_equal(parse_net_dev(S(""), d, 8), 0);
}

static void test_pressure(void **state)
{
	struct pressure p;
	size_t len;
	const char *b = fixture("proc/pressure/io", &len);

	assert_int_equal(parse_pressure(b, len, &p), 0);
	assert_true(p.has_full);
	assert_int_equal(p.some.total_us, 11949439);
	assert_int_equal(p.full.total_us, 7004732);
	assert_int_equal(p.some.avg60_centi, 11);
	assert_int_equal(p.some.avg300_centi, 22);
	/* cpu before 5.13: no full line. */
	assert_int_equal(parse_pressure(S("some avg10=12.50 avg60=100.00 avg300=0.01 total=42\n"), &p),
			 0);
	assert_false(p.has_full);
	assert_int_equal(p.some.avg10_centi, 1250);
	assert_int_equal(p.some.avg60_centi, 10000);
	assert_int_equal(p.some.avg300_centi, 1);

	assert_int_equal(parse_pressure(S(""), &p), -ENODATA);
	assert_int_equal(parse_pressure(S("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"), &p),
			 -EINVAL);
	assert_int_equal(parse_pressure(S("some avg10=0.00 avg60=0.00 total=0\n"), &p), -EINVAL);
	assert_int_equal(parse_pressure(S("some avg10=0.00 avg60=0.00 avg300=0.00 total=\n"), &p),
			 -EINVAL);
	assert_int_equal(parse_pressure(S("some avg10=x avg60=0.00 avg300=0.00 total=1\n"), &p),
			 -EINVAL);
	assert_int_equal(parse_pressure(S("some avg10=100.01 avg60=0.00 avg300=0.00 total=1\n"), &p),
			 -ERANGE);
	assert_int_equal(parse_pressure(S("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nodd\n"),
					&p),
			 -EINVAL);
}

static void test_task_status(void **state)
{
	struct task_status s;
	size_t len;
	const char *b = fixture("proc/4001/task/4002/status", &len);

	assert_int_equal(parse_task_status(b, len, &s), 0);
	assert_string_equal(s.name, "worker");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.tgid, 4001);
	assert_int_equal(s.pid, 4002);
	assert_int_equal(s.ppid, 4000);
	assert_int_equal(s.vm_rss_bytes, 204800ULL * 1024);
	assert_int_equal(s.vm_size_bytes, 409600ULL * 1024);
	assert_int_equal(s.threads, 2);
	assert_int_equal(s.voluntary_ctxt, 5000);
	assert_int_equal(s.nonvoluntary_ctxt, 20);
	/* A kernel thread: no Vm lines. A name with blanks is kept as printed. */
	assert_int_equal(parse_task_status(S("Name:\tkworker/0:1 x\nState:\tI (idle)\nTgid:\t7\n"
					     "Pid:\t7\nPPid:\t2\nThreads:\t1\n"),
					   &s),
			 0);
	assert_string_equal(s.name, "kworker/0:1 x");
	assert_int_equal(s.state, 'I');
	assert_int_equal(s.vm_rss_bytes, 0);

	assert_false(s.has_uid);
	/* The four uids: real, effective, saved, filesystem (the daemon follows only a user's own). */
	assert_int_equal(parse_task_status(S("Name:\tsu\nState:\tS\nPid:\t9\n"
					     "Uid:\t1000\t0\t0\t4294967295\n"),
					   &s),
			 0);
	assert_true(s.has_uid);
	assert_int_equal(s.uid[0], 1000);
	assert_int_equal(s.uid[1], 0);
	assert_int_equal(s.uid[3], 4294967295U);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\t1\nUid:\t1\t2\t3\n"), &s),
			 -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\t1\nUid:\t1 2 3 4 5\n"), &s),
			 -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\t1\nUid:\t1 2 3 4294967296\n"),
					   &s),
			 -ERANGE);

	assert_int_equal(parse_task_status(S(""), &s), -ENODATA);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR (running)\n"), &s), -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\nPid:\t1\n"), &s), -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\tx\n"), &s), -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\t1\nVmRSS:\t12 MB\n"), &s),
			 -EINVAL);
	assert_int_equal(parse_task_status(S("Name:\ta\nState:\tR\nPid:\t99999999999\n"), &s),
			 -ERANGE);
}

static void test_task_io(void **state)
{
	struct task_io io;
	size_t len;
	const char *b = fixture("proc/4001/task/4002/io", &len);

	assert_int_equal(parse_task_io(b, len, &io), 0);
	assert_true(io.has_storage);
	assert_int_equal(io.write_bytes, 1048576);
	assert_int_equal(io.wchar, 1048676);
	assert_int_equal(io.syscw, 3);
	/* Without CONFIG_TASK_IO_ACCOUNTING: only the char counts. */
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\n"), &io), 0);
	assert_false(io.has_storage);
	assert_int_equal(io.write_bytes, 0);
	/* A later kernel's extra key is fine. */
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar: 2\nnew_thing: 5\n"), &io), 0);

	assert_int_equal(parse_task_io(S(""), &io), -ENODATA);
	assert_int_equal(parse_task_io(S("rchar: 1\n"), &io), -EINVAL);
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar: -2\n"), &io), -EINVAL);
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar 2\n"), &io), -EINVAL);
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar: 2 3\n"), &io), -EINVAL);
	assert_int_equal(parse_task_io(S("rchar: 1\nwchar: 99999999999999999999\n"), &io), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sys_stat_real), cmocka_unit_test(test_sys_stat_bad),
		cmocka_unit_test(test_load_avg),      cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_diskstats),     cmocka_unit_test(test_net_dev),
		cmocka_unit_test(test_pressure),      cmocka_unit_test(test_task_status),
		cmocka_unit_test(test_task_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
