/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-procfs-parse.c - parsers of schedstat, task stat, statm, cgroup, stat,
 * uptime, loadavg, cpuacct.usage_percpu.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "procfs_parse.h"

#define S(str) str, sizeof(str) - 1

static void test_schedstat(void **state)
{
	struct schedstat s = { 0 };

	/* Linux 6.x prints "%llu %llu %lu\n". */
	assert_int_equal(parse_schedstat(S("98321917 4935739 339\n"), &s), 0);
	assert_int_equal(s.oncpu_ns, 98321917);
	assert_int_equal(s.wait_ns, 4935739);
	assert_int_equal(s.timeslices, 339);
	assert_int_equal(parse_schedstat(S("18446744073709551615 0 0\n"), &s), 0);
	assert_true(s.oncpu_ns == UINT64_MAX);
}

static void test_schedstat_bad(void **state)
{
	struct schedstat s = { .oncpu_ns = 42 };

	assert_int_equal(parse_schedstat(S(""), &s), -ENODATA);
	assert_int_equal(parse_schedstat(S("\n"), &s), -ENODATA);
	assert_int_equal(parse_schedstat(S("1 2\n"), &s), -EINVAL);
	assert_int_equal(parse_schedstat(S("1 2 3 4\n"), &s), -EINVAL);
	assert_int_equal(parse_schedstat(S("1 -2 3\n"), &s), -EINVAL);
	assert_int_equal(parse_schedstat(S("1x 2 3\n"), &s), -EINVAL);
	assert_int_equal(parse_schedstat(S("18446744073709551616 0 0\n"), &s), -ERANGE);
	/* Not NUL-terminated: the length bounds it. */
	assert_int_equal(parse_schedstat("7 8 9 garbage", 5, &s), 0);
	assert_int_equal(parse_schedstat("7 8 9 garbage", 3, &s), -EINVAL);
	assert_int_equal(s.oncpu_ns, 7);
}

/* A thread of a 13-thread process, from this kernel (6.18): exit_signal is -1. */
static const char thread_stat[] =
	"59 (vsock-console) S 0 0 0 0 -1 4194624 253 652628 0 688 0 3 2015 432 20 0 13 0 23 "
	"46882816 3891 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 -1 1 0 0 0 0 0 0 0 "
	"0 0 0 0 0 0\n";

static void test_task_stat_thread(void **state)
{
	struct task_stat s;

	assert_int_equal(parse_task_stat(thread_stat, sizeof(thread_stat) - 1, &s), 0);
	assert_int_equal(s.pid, 59);
	assert_string_equal(s.comm, "vsock-console");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 0);
	assert_int_equal(s.flags, 4194624);
	assert_int_equal(s.utime_ticks, 0);
	assert_int_equal(s.stime_ticks, 3);
	assert_int_equal(s.num_threads, 13);
	assert_int_equal(s.starttime_ticks, 23);
	assert_int_equal(s.processor, 1);
	assert_false(s.flags & TASK_PF_KTHREAD);
}

static void test_task_stat_paren_comm(void **state)
{
	/* prctl(PR_SET_NAME, "a) b (c"): only the last ')' ends comm. */
	static const char line[] =
		"4242 (a) b (c) R 1 4242 4242 34816 4242 4194304 120 0 0 0 250 17 0 0 20 0 2 0 "
		"123456 5000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
	struct task_stat s;

	assert_int_equal(parse_task_stat(line, sizeof(line) - 1, &s), 0);
	assert_int_equal(s.pid, 4242);
	assert_string_equal(s.comm, "a) b (c");
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.utime_ticks, 250);
	assert_int_equal(s.stime_ticks, 17);
	assert_int_equal(s.num_threads, 2);
	assert_int_equal(s.starttime_ticks, 123456);
	assert_int_equal(s.processor, 0);
}

static void test_task_stat_kthread_and_long_comm(void **state)
{
	/* kthreadd as 6.18 prints it; and a comm longer than 15 bytes is cut. */
	static const char kt[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 12 0 0 20 0 1 0 0 0 "
				 "0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 "
				 "0 0 0 0 0 0 0 0 0 0 0\n";
	static const char lng[] = "9 (0123456789abcdefXYZ) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 "
				  "-20 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 "
				  "0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	struct task_stat s;

	assert_int_equal(parse_task_stat(kt, sizeof(kt) - 1, &s), 0);
	assert_true(s.flags & TASK_PF_KTHREAD);
	assert_int_equal(s.stime_ticks, 12);
	assert_int_equal(s.processor, 1);
	assert_int_equal(parse_task_stat(lng, sizeof(lng) - 1, &s), 0);
	assert_string_equal(s.comm, "0123456789abcde");
	assert_int_equal(s.state, 'I');
	assert_int_equal(s.processor, 3);
}

static void test_task_stat_bad(void **state)
{
	struct task_stat s = { .pid = 77 };
	char buf[sizeof(thread_stat)];
	const char *cut;

	assert_int_equal(parse_task_stat(S(""), &s), -ENODATA);
	assert_int_equal(parse_task_stat(S("59 vsock S 0\n"), &s), -EINVAL);
	assert_int_equal(parse_task_stat(S("59 (vsock S 0\n"), &s), -EINVAL);
	assert_int_equal(parse_task_stat(S("59 (x)S 0\n"), &s), -EINVAL);
	/* Stops before field 39 (processor): a truncated read, not a valid line. */
	cut = strstr(thread_stat, " -1 1 0 0");
	assert_int_equal(parse_task_stat(thread_stat, (size_t)(cut - thread_stat), &s), -EINVAL);
	/* A letter in a numeric field. */
	memcpy(buf, thread_stat, sizeof(buf));
	buf[strlen("59 (vsock-console) S 0 0 0 0 -1 ")] = 'x';
	assert_int_equal(parse_task_stat(buf, sizeof(buf) - 1, &s), -EINVAL);
	/* processor beyond 32 bits. */
	assert_int_equal(parse_task_stat(S("1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 "
					   "0 0 0 0 0 0 0 0 4294967296\n"), &s), -ERANGE);
	assert_int_equal(s.pid, 77);
}

static void test_task_stat_starttime(void **state)
{
	/* What tells a reused PID from its predecessor: field 22, counted after the last ')'. */
	static const char web[] =
		"412 (Web Content) S 1 412 412 0 -1 4194560 1520 0 0 0 120 35 0 0 20 0 1 0 51234 "
		"12345678 456 18446744073709551615 1 1 0 0 0 0 0 4096 16387 0 0 0 17 1 0 0 0 0 0 0 "
		"0 0 0 0 0 0 0\n";
	static const char paren[] =
		"7 (a) S 1 2 (x)) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0 "
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0\n";
	struct task_stat s = { .starttime_ticks = 7 };

	assert_int_equal(parse_task_stat(web, sizeof(web) - 1, &s), 0);
	assert_string_equal(s.comm, "Web Content");
	assert_int_equal(s.starttime_ticks, 51234);
	assert_int_equal(parse_task_stat(paren, sizeof(paren) - 1, &s), 0);
	assert_string_equal(s.comm, "a) S 1 2 (x)");
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.starttime_ticks, 99);
	/* A starttime beyond 64 bits, or with a letter in it, is refused; s is kept. */
	assert_int_equal(parse_task_stat(S("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
					   "99999999999999999999 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
					   "17 0\n"), &s), -ERANGE);
	assert_int_equal(parse_task_stat(S("5 (k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
					   "1x3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0\n"), &s),
			 -EINVAL);
	/* No '(' before the ')'. */
	assert_int_equal(parse_task_stat(S("5 k) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123 "
					   "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0\n"), &s),
			 -EINVAL);
	assert_int_equal(s.starttime_ticks, 99);
}

static void test_statm(void **state)
{
	struct statm s;

	assert_int_equal(parse_statm(S("11405 3811 1615 1330 0 9559 0\n"), &s), 0);
	assert_int_equal(s.size_pages, 11405);
	assert_int_equal(s.resident_pages, 3811);
	assert_int_equal(s.shared_pages, 1615);
	assert_int_equal(s.text_pages, 1330);
	assert_int_equal(s.data_pages, 9559);
	assert_int_equal(parse_statm(S("0 0 0 0 0 0 0\n"), &s), 0); /* a kernel thread */
	assert_int_equal(s.resident_pages, 0);
	assert_int_equal(parse_statm(S("1 2 3\n"), &s), -EINVAL);
	assert_int_equal(parse_statm(S("1 2 3 4 5 6 7 8\n"), &s), -EINVAL);
	assert_int_equal(parse_statm(S(""), &s), -ENODATA);
}

static void test_cgroup(void **state)
{
	char p[64];

	assert_int_equal(parse_proc_cgroup_v2(S("0::/user.slice/user-0.slice/session-1.scope\n"),
					      p, sizeof(p)), 0);
	assert_string_equal(p, "/user.slice/user-0.slice/session-1.scope");
	/* Hybrid: v1 lines first, the v2 line last. */
	assert_int_equal(parse_proc_cgroup_v2(S("9:name=systemd:/\n8:pids:/\n1:cpu:/\n0::/\n"), p,
					      sizeof(p)), 0);
	assert_string_equal(p, "/");
	/* Pure v1: no id. */
	assert_int_equal(parse_proc_cgroup_v2(S("12:cpu,cpuacct:/x\n1:name=systemd:/y\n"), p,
					      sizeof(p)), -ENOENT);
	assert_int_equal(parse_proc_cgroup_v2(S("0::/a/very/long/path\n"), p, 8), -ENAMETOOLONG);
	assert_int_equal(parse_proc_cgroup_v2(S("0::\n"), p, sizeof(p)), -EINVAL);
}

/* The path that names what a process belongs to, on v2, hybrid and v1 hosts. */
static void test_cgroup_any(void **state)
{
	char p[64];

	/* v2 alone. */
	assert_int_equal(parse_proc_cgroup(S("0::/system.slice/a.service\n"), p, sizeof(p)), 0);
	assert_string_equal(p, "/system.slice/a.service");
	/* Hybrid: the v2 line when it is not the root... */
	assert_int_equal(parse_proc_cgroup(S("9:name=systemd:/x\n1:cpu:/x\n0::/docker/1\n"), p,
					   sizeof(p)), 0);
	assert_string_equal(p, "/docker/1");
	/* ...else systemd's v1 hierarchy, else cpu's, else any. */
	assert_int_equal(parse_proc_cgroup(S("9:name=systemd:/s\n4:cpu,cpuacct:/c\n0::/\n"), p,
					   sizeof(p)), 0);
	assert_string_equal(p, "/s");
	assert_int_equal(parse_proc_cgroup(S("7:memory:/m\n4:cpuacct,cpu:/c\n1:name=systemd:/\n"),
					   p, sizeof(p)), 0);
	assert_string_equal(p, "/c");
	assert_int_equal(parse_proc_cgroup(S("7:memory:/m\n4:cpuset:/\n"), p, sizeof(p)), 0);
	assert_string_equal(p, "/m");
	/* "cpuset" is not "cpu". */
	assert_int_equal(parse_proc_cgroup(S("3:cpuset:/set\n7:memory:/m\n"), p, sizeof(p)), 0);
	assert_string_equal(p, "/set");
	/* Everything at the root. */
	assert_int_equal(parse_proc_cgroup(S("1:name=systemd:/\n0::/\n"), p, sizeof(p)), 0);
	assert_string_equal(p, "/");
	/* No line; a relative path (another cgroup namespace prints "/.."), too long. */
	assert_int_equal(parse_proc_cgroup(S("garbage\n"), p, sizeof(p)), -ENOENT);
	assert_int_equal(parse_proc_cgroup(S(""), p, sizeof(p)), -ENOENT);
	assert_int_equal(parse_proc_cgroup(S("0::x\n"), p, sizeof(p)), -EINVAL);
	assert_int_equal(parse_proc_cgroup(S("0::/a/very/long/path\n"), p, 8), -ENAMETOOLONG);
}

static void test_proc_stat(void **state)
{
	static const char st[] = "cpu  13420 0 2963 144423 323 0 56 151 0 0\n"
				 "cpu0 6484 0 1448 72438 196 0 16 77 0 0\n"
				 "cpu1 6935 0 1515 71985 127 0 39 73 0 0\n"
				 "intr 201950 0 0 0\n"
				 "ctxt 3011122\n"
				 "btime 1795846000\n"
				 "processes 41235\n"
				 "procs_running 1\n"
				 "procs_blocked 0\n"
				 "softirq 93530 0 26006 3 1297 0 0 2 33612 0 32610\n";
	struct proc_stat_cpu c[4];
	uint64_t forks = 0;
	unsigned skipped = 9;

	assert_int_equal(parse_proc_stat(st, sizeof(st) - 1, c, 4, &forks, &skipped), 2);
	assert_int_equal(forks, 41235);
	assert_int_equal(skipped, 0);
	assert_true(c[0].present && c[1].present && !c[2].present && !c[3].present);
	/* user + nice + system + irq + softirq + steal */
	assert_int_equal(c[0].busy_ticks, 6484 + 1448 + 16 + 77);
	assert_int_equal(c[0].idle_ticks, 72438);
	assert_int_equal(c[0].iowait_ticks, 196);
	assert_int_equal(c[1].busy_ticks, 6935 + 1515 + 39 + 73);
	assert_int_equal(c[0].steal_ticks, 77);
	assert_int_equal(c[1].steal_ticks, 73);
	/* A smaller array: cpu1 is skipped and counted. */
	assert_int_equal(parse_proc_stat(st, sizeof(st) - 1, c, 1, &forks, &skipped), 1);
	assert_int_equal(skipped, 1);
}

static void test_proc_stat_guest_not_added_twice(void **state)
{
	/* guest (9th) and guest_nice (10th) are already inside user and nice. */
	static const char st[] = "cpu3 100 10 20 500 5 1 2 3 90 9\nprocesses 1\n";
	struct proc_stat_cpu c[4];
	uint64_t forks;
	unsigned skipped;

	assert_int_equal(parse_proc_stat(st, sizeof(st) - 1, c, 4, &forks, &skipped), 1);
	assert_true(c[3].present && !c[0].present);
	assert_int_equal(c[3].busy_ticks, 100 + 10 + 20 + 1 + 2 + 3);
	assert_int_equal(c[3].idle_ticks, 500);
	/* A repeated line (never from a kernel) counts once and the last one wins. */
	assert_int_equal(parse_proc_stat(S("cpu0 1 0 0 1\ncpu0 2 0 0 2\nprocesses 1\n"), c, 4,
					 &forks, &skipped), 1);
	assert_int_equal(c[0].busy_ticks, 2);
}

static void test_proc_stat_bad_keeps_array(void **state)
{
	struct proc_stat_cpu c[2] = { { .busy_ticks = 5, .present = true } };
	uint64_t forks = 3;
	unsigned skipped = 4;

	assert_int_equal(parse_proc_stat(S("cpu0 1 2 3\nprocesses 1\n"), c, 2, &forks, &skipped),
			 -EINVAL);
	assert_int_equal(parse_proc_stat(S("cpu0 1 2 3 4\n"), c, 2, &forks, &skipped), -EINVAL);
	assert_int_equal(parse_proc_stat(S("cpu0 1 2 3 4 x\nprocesses 1\n"), c, 2, &forks, &skipped),
			 -EINVAL);
	assert_int_equal(parse_proc_stat(S("cpux 1 2 3 4\nprocesses 1\n"), c, 2, &forks, &skipped),
			 -EINVAL);
	assert_int_equal(parse_proc_stat(S(""), c, 2, &forks, &skipped), -ENODATA);
	assert_int_equal(c[0].busy_ticks, 5);
	assert_true(c[0].present);
	assert_int_equal(forks, 3);
	assert_int_equal(skipped, 4);
}

static void test_proc_stat_old_and_future_kernels(void **state)
{
	struct proc_stat_cpu c[2];
	uint64_t forks;
	unsigned skipped;

	/* Linux 2.4: four fields; the last line has no newline. */
	assert_int_equal(parse_proc_stat(S("processes 9\ncpu0 10 20 30 40"), c, 2, &forks,
					 &skipped), 1);
	assert_int_equal(c[0].busy_ticks, 60);
	assert_int_equal(c[0].idle_ticks, 40);
	assert_int_equal(c[0].iowait_ticks, 0);
	assert_int_equal(forks, 9);
	/* A later kernel's eleventh field is ignored; tabs and runs of blanks are fine. */
	assert_int_equal(parse_proc_stat(S("cpu0\t1 1 1 1 1 1 1 1 0 0 99\ncpu1  2  0 0 2\n"
					   "processes 1\n"), c, 2, &forks, &skipped), 2);
	assert_int_equal(c[0].busy_ticks, 6);
	assert_int_equal(c[0].idle_ticks + c[0].iowait_ticks, 2);
	assert_int_equal(c[1].busy_ticks, 2);
	assert_int_equal(c[1].idle_ticks, 2);
	/* ... but it must still be a number. */
	assert_int_equal(parse_proc_stat(S("cpu0 1 1 1 1 1 1 1 1 0 0 9x\nprocesses 1\n"), c, 2,
					 &forks, &skipped), -EINVAL);
}

static void test_proc_stat_limits(void **state)
{
	struct proc_stat_cpu *c = calloc(8192, sizeof(*c));
	uint64_t forks = 0;
	unsigned skipped = 0;

	assert_non_null(c);
	c[0] = (struct proc_stat_cpu){ .busy_ticks = 5, .present = true };
	/* A field beyond 64 bits, and busy + idle + iowait beyond 64 bits. */
	assert_int_equal(parse_proc_stat(S("cpu0 1 2 3 99999999999999999999\nprocesses 1\n"), c,
					 8192, &forks, &skipped), -ERANGE);
	assert_int_equal(parse_proc_stat(S("cpu0 18446744073709551615 1 0 0\nprocesses 1\n"), c,
					 8192, &forks, &skipped), -ERANGE);
	assert_int_equal(parse_proc_stat(S("cpu0 18446744073709551615 0 0 1\nprocesses 1\n"), c,
					 8192, &forks, &skipped), -ERANGE);
	assert_int_equal(parse_proc_stat(S("cpu0 0 0 0 18446744073709551615 1\nprocesses 1\n"), c,
					 8192, &forks, &skipped), -ERANGE);
	/* Negative, or garbage glued to the CPU number. */
	assert_int_equal(parse_proc_stat(S("cpu0 1 2 -3 4\nprocesses 1\n"), c, 8192, &forks,
					 &skipped), -EINVAL);
	assert_int_equal(parse_proc_stat(S("cpu1x 1 2 3 4\nprocesses 1\n"), c, 8192, &forks,
					 &skipped), -EINVAL);
	assert_int_equal(c[0].busy_ticks, 5);
	/* The largest sum that fits is kept exactly. */
	assert_int_equal(parse_proc_stat(S("cpu0 18446744073709551614 0 0 1\nprocesses 1\n"), c,
					 8192, &forks, &skipped), 1);
	assert_true(c[0].busy_ticks == UINT64_MAX - 1 && c[0].idle_ticks == 1);
	/* A CPU past the array is skipped and counted, not an error. */
	assert_int_equal(parse_proc_stat(S("cpu0 1 2 3 4\ncpu8192 1 2 3 4\nprocesses 1\n"), c,
					 8192, &forks, &skipped), 1);
	assert_int_equal(skipped, 1);
	/* Only the aggregate line: no CPU stored. */
	assert_int_equal(parse_proc_stat(S("cpu  1 2 3 4\nintr 5\nprocesses 1\n"), c, 8192,
					 &forks, &skipped), 0);
	assert_false(c[0].present);
	/* The length bounds the buffer: cpu1 lies outside it. */
	assert_int_equal(parse_proc_stat("processes 1\ncpu0 1 2 3 4\ncpu1 5 6 7 8\n", 25, c, 8192,
					 &forks, &skipped), 1);
	assert_true(c[0].present && !c[1].present);
	free(c);
}

static void test_uptime(void **state)
{
	uint64_t ns = 0;

	assert_int_equal(parse_uptime(S("807.07 1444.23\n"), &ns), 0);
	assert_int_equal(ns, 807070000000ULL);
	assert_int_equal(parse_uptime(S("12.5\n"), &ns), 0);
	assert_int_equal(ns, 12500000000ULL);
	assert_int_equal(parse_uptime(S("3 4\n"), &ns), 0);
	assert_int_equal(ns, 3000000000ULL);
	assert_int_equal(parse_uptime(S("x\n"), &ns), -EINVAL);
	assert_int_equal(parse_uptime(S("-1.0 2\n"), &ns), -EINVAL);
	assert_int_equal(parse_uptime(S("99999999999999.00 0\n"), &ns), -ERANGE);
	assert_int_equal(parse_uptime(S(""), &ns), -ENODATA);
	assert_int_equal(ns, 3000000000ULL);
}

static void test_loadavg(void **state)
{
	struct loadavg l = { 0 };

	assert_int_equal(parse_loadavg(S("11.61 4.43 1.80 7/114 10676\n"), &l), 0);
	assert_int_equal(l.runnable, 7);
	assert_int_equal(l.threads, 114);
	assert_int_equal(l.last_pid, 10676);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 0/1 1\n"), &l), 0);
	assert_int_equal(l.threads, 1);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 7 114 10676\n"), &l), -EINVAL);
	assert_int_equal(parse_loadavg(S("0.00 0.00 7/114 10676\n"), &l), -EINVAL);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 7/ 10676\n"), &l), -EINVAL);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 /114 10676\n"), &l), -EINVAL);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 7/114\n"), &l), -EINVAL);
	assert_int_equal(parse_loadavg(S("0.00 0.00 0.00 7/4294967296 1\n"), &l), -ERANGE);
	assert_int_equal(parse_loadavg(S(""), &l), -ENODATA);
	assert_int_equal(l.threads, 1);
}

static void test_cpuacct_percpu(void **state)
{
	uint64_t ns[3] = { 7, 7, 7 };

	/* This kernel (6.18, cgroup v1 cpuacct root) ends the list with a blank. */
	assert_int_equal(parse_cpuacct_percpu(S("1029607923800 1299714908366 \n"), ns, 3), 2);
	assert_int_equal(ns[0], 1029607923800ULL);
	assert_int_equal(ns[1], 1299714908366ULL);
	assert_int_equal(ns[2], 7); /* fewer values than CPUs: the rest untouched */
	/* More values (possible CPUs beyond the online ones): checked, not stored. */
	assert_int_equal(parse_cpuacct_percpu(S("1 2 3 4\n"), ns, 2), 4);
	assert_int_equal(ns[0], 1);
	assert_int_equal(ns[1], 2);
	assert_int_equal(ns[2], 7);
	assert_int_equal(parse_cpuacct_percpu(S("\n5 6"), ns, 2), 2);
	assert_int_equal(ns[0], 5);
	/* Errors leave the array as it was. */
	assert_int_equal(parse_cpuacct_percpu(S(""), ns, 3), -ENODATA);
	assert_int_equal(parse_cpuacct_percpu(S(" \n"), ns, 3), -ENODATA);
	assert_int_equal(parse_cpuacct_percpu(S("1 x 3\n"), ns, 3), -EINVAL);
	assert_int_equal(parse_cpuacct_percpu(S("1 -2\n"), ns, 3), -EINVAL);
	assert_int_equal(parse_cpuacct_percpu(S("1 2\n3\n"), ns, 3), -EINVAL);
	assert_int_equal(parse_cpuacct_percpu(S("18446744073709551616 0\n"), ns, 3), -ERANGE);
	assert_int_equal(ns[0], 5);
	assert_int_equal(ns[1], 6);
	/* Not NUL-terminated: the length bounds it. */
	assert_int_equal(parse_cpuacct_percpu("8 9 garbage", 3, ns, 3), 2);
	assert_int_equal(ns[1], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_cgroup_any),
		cmocka_unit_test(test_schedstat_bad),
		cmocka_unit_test(test_task_stat_thread),
		cmocka_unit_test(test_task_stat_paren_comm),
		cmocka_unit_test(test_task_stat_kthread_and_long_comm),
		cmocka_unit_test(test_task_stat_bad),
		cmocka_unit_test(test_task_stat_starttime),
		cmocka_unit_test(test_statm),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_proc_stat),
		cmocka_unit_test(test_proc_stat_guest_not_added_twice),
		cmocka_unit_test(test_proc_stat_bad_keeps_array),
		cmocka_unit_test(test_proc_stat_old_and_future_kernels),
		cmocka_unit_test(test_proc_stat_limits),
		cmocka_unit_test(test_uptime),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_cpuacct_percpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
