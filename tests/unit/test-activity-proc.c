/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-activity-proc.c - the /proc activity collector: exact deltas, per-CPU
 * rows, idle, lost and captured over a fixture tree rewritten between two
 * samples; then the real /proc of this machine against the kernel's own
 * thread-summed schedstat, and a short-lived process storm.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "activity.h"
#include "activity_proc.h"
#include "util.h"

#define MS 1000000ULL

struct fx {
	char *dir;
	struct fsroot fs;
	void *st;
};

static void fx_open(struct fx *f)
{
	char sys[4096], proc[4096], reason[ACTIVITY_REASON_MAX] = "";
	struct activity_ctx ctx = { 0 };
	int r;

	snprintf(sys, sizeof(sys), "%s/sys", f->dir);
	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
	assert_int_equal(fsroot_init(&f->fs, sys, proc, NULL), 0);
	ctx.fs = &f->fs;
	r = activity_proc_ops.open(&ctx, &f->st, reason, sizeof(reason));
	if (r < 0)
		fail_msg("open: %s (%s)", strerror(-r), reason);
}

static void fx_close(struct fx *f)
{
	activity_proc_ops.close(f->st);
	fsroot_done(&f->fs);
	tu_rm_rf(f->dir);
	free(f->dir);
}

/* One thread's stat line in the kernel's format (fields 1..52). */
static void write_stat(const char *dir, unsigned pid, unsigned tid, const char *comm,
		       unsigned flags, unsigned long start_ticks, unsigned cpu)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "proc/%u/task/%u/stat", pid, tid);
	tu_writef(dir, rel,
		  "%u (%s) S 1 %u %u 0 -1 %u 100 0 0 0 10 5 0 0 20 0 1 0 %lu 46882816 3891 "
		  "18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 %d %u 0 0 0 0 0 0 0 0 0 0 0 0 "
		  "0 0\n",
		  tid, comm, pid, pid, flags, start_ticks, tid == pid ? 17 : -1, cpu);
}

static void write_sched(const char *dir, unsigned pid, unsigned tid, uint64_t ns)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "proc/%u/task/%u/schedstat", pid, tid);
	tu_writef(dir, rel, "%llu 1000000 10\n", (unsigned long long)ns);
}

/* Per-CPU ticks: user system idle iowait; "processes" = forks since boot. */
static void write_proc_stat(const char *dir, const unsigned long t[2][4], unsigned long forks)
{
	tu_writef(dir, "proc/stat",
		  "cpu  %lu 0 %lu %lu %lu 0 0 0 0 0\n"
		  "cpu0 %lu 0 %lu %lu %lu 0 0 0 0 0\n"
		  "cpu1 %lu 0 %lu %lu %lu 0 0 0 0 0\n"
		  "intr 0\nctxt 1\nbtime 1795846000\nprocesses %lu\nprocs_running 1\n"
		  "procs_blocked 0\n",
		  t[0][0] + t[1][0], t[0][1] + t[1][1], t[0][2] + t[1][2], t[0][3] + t[1][3],
		  t[0][0], t[0][1], t[0][2], t[0][3], t[1][0], t[1][1], t[1][2], t[1][3], forks);
}

static const struct activity_task *find(const struct activity_sample *s, unsigned tgid,
					unsigned tid)
{
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tgid == tgid && s->tasks[i].key.tid == tid)
			return &s->tasks[i];
	return NULL;
}

/* The task's ns on `cpu`, from its rows. */
static uint64_t row_ns(const struct activity_sample *s, const struct activity_task *t, unsigned cpu)
{
	uint64_t ns = 0;

	for (uint32_t i = t->first_row; i < t->first_row + t->nrows; i++) {
		assert_true(i < s->nrows);
		assert_true(&s->tasks[s->rows[i].task] == t);
		if (s->rows[i].cpu == cpu)
			ns += s->rows[i].ns;
	}
	return ns;
}

static uint64_t cpu_task_ns(const struct activity_sample *s, unsigned cpu)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].cpu == cpu)
			ns += s->rows[i].ns;
	return ns;
}

/* Coverage computed here (activity_coverage() lives with the collector selection). */
static double coverage(const struct activity_sample *s, unsigned cpu)
{
	uint64_t iv = s->end_ns - s->start_ns;

	return iv ? (double)(cpu_task_ns(s, cpu) + s->idle_ns[cpu] + s->lost_ns[cpu]) / (double)iv
		  : 0;
}

static uint64_t inode_of(const char *dir, const char *rel)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(stat(p, &sb), 0);
	return sb.st_ino;
}

static void test_fixture_two_states(void **state)
{
	/* State 1 is the committed tree: uptime 1000.00 s, processes 500. */
	const unsigned long st2[2][4] = { { 1000 + 20, 500 + 7, 8000 + 60, 100 + 5 },
					  { 900 + 50, 400 + 5, 8200 + 45, 50 } };
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	struct activity_proc_stats ps;
	const struct activity_task *t, *t2;
	struct activity_sample s;
	char p[4096];

	/* A task of another user: procfs owns its files by the task's effective uid. */
	snprintf(p, sizeof(p), "%s/proc/200/task/200/schedstat", f.dir);
	assert_int_equal(chown(p, 1000, 1000), 0);
	fx_open(&f);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.tasks, 8);
	assert_int_equal(ps.processes, 6);
	assert_int_equal(ps.scans, 1);
	assert_int_equal(ps.discoveries, 1);
	assert_true(ps.kept_fds >= 8);

	/* State 2, one second later. */
	tu_write(f.dir, "proc/uptime", "1001.00 1801.00\n");
	write_sched(f.dir, 1, 1, 5000000000ULL + 10 * MS);
	write_sched(f.dir, 2, 2, 100 * MS + 5 * MS); /* kthreadd, on CPU 1 */
	/* The per-process file (the leader only) is never read: the threads' files count. */
	tu_write(f.dir, "proc/100/schedstat", "999000000000 0 0\n");
	write_sched(f.dir, 100, 100, 2000000000ULL + 200 * MS);
	write_sched(f.dir, 100, 101, 3000000000ULL + 300 * MS);
	/* 102 ran 50 ms more, then exited: its directory goes after that final value. */
	write_sched(f.dir, 100, 102, 1000000000ULL + 50 * MS);
	snprintf(p, sizeof(p), "%s/proc/100/task/102", f.dir);
	tu_rm_rf(p);
	/* A new thread, started half-way (100050 ticks = 1000.50 s), 40 ms on CPU 0. */
	write_stat(f.dir, 100, 103, "worker-new", 4194368, 100050, 0);
	write_sched(f.dir, 100, 103, 40 * MS);
	/* "a) b (c" ran 100 ms and migrated to CPU 1. */
	write_stat(f.dir, 200, 200, "a) b (c", 4194304, 6000, 1);
	write_sched(f.dir, 200, 200, 400 * MS + 100 * MS);
	/* PID 300 ran 20 ms, exited; a new process reused the number at 1000.70 s. */
	write_sched(f.dir, 300, 300, 700 * MS + 20 * MS);
	snprintf(p, sizeof(p), "%s/proc/300", f.dir);
	tu_rm_rf(p);
	write_stat(f.dir, 300, 300, "new", 4194304, 100070, 0);
	write_sched(f.dir, 300, 300, 30 * MS);
	/* 400 vanished before its final read (the kernel says ESRCH; a fixture, empty). */
	tu_write(f.dir, "proc/400/task/400/schedstat", "");
	/* A new process started at 1000.20 s, 25 ms on CPU 1. */
	write_stat(f.dir, 500, 500, "short", 4194304, 100020, 1);
	write_sched(f.dir, 500, 500, 25 * MS);
	tu_write(f.dir, "proc/500/statm", "100 40 10 5 0 30 0\n");
	/* Forks: 103, the new 300, 500, and one task that lived and died between scans. */
	write_proc_stat(f.dir, st2, 504);

	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(s.end_ns - s.start_ns, NSEC_PER_SEC);
	assert_int_equal(s.ncpus, 2);

	t = find(&s, 1, 1);
	assert_non_null(t);
	assert_int_equal(t->oncpu_ns, 10 * MS);
	assert_int_equal(row_ns(&s, t, 0), 10 * MS);
	assert_string_equal(t->comm, "systemd");
	assert_int_equal(t->key.start_ns, 10 * MS); /* 1 tick */
	assert_int_equal(t->cgroup_id, inode_of(f.dir, "sys/fs/cgroup/init.scope"));
	assert_int_equal(t->rss_bytes, 3000ULL * (uint64_t)sysconf(_SC_PAGESIZE));
	assert_int_equal(t->flags, 0);

	t = find(&s, 2, 2);
	assert_non_null(t);
	assert_int_equal(t->flags, ACTIVITY_TASK_KERNEL);
	assert_int_equal(row_ns(&s, t, 1), 5 * MS);
	assert_int_equal(t->rss_bytes, 0);
	assert_int_equal(t->cgroup_id, inode_of(f.dir, "sys/fs/cgroup"));

	t = find(&s, 100, 100);
	assert_non_null(t);
	assert_int_equal(t->oncpu_ns, 200 * MS);
	assert_int_equal(t->cgroup_id, inode_of(f.dir, "sys/fs/cgroup/app.slice/worker.service"));
	assert_int_equal(t->rss_bytes, 250ULL * (uint64_t)sysconf(_SC_PAGESIZE));
	t = find(&s, 100, 101);
	assert_non_null(t);
	assert_int_equal(row_ns(&s, t, 1), 300 * MS);
	assert_string_equal(t->comm, "worker-io");
	assert_int_equal(t->key.start_ns, 50100 * MS);

	t = find(&s, 100, 102);
	assert_non_null(t);
	assert_int_equal(t->flags, ACTIVITY_TASK_EXITED);
	assert_int_equal(row_ns(&s, t, 1), 50 * MS);
	assert_int_equal(t->rss_bytes, 0);

	t = find(&s, 100, 103);
	assert_non_null(t);
	assert_int_equal(t->flags, ACTIVITY_TASK_NEW);
	assert_int_equal(row_ns(&s, t, 0), 40 * MS);
	assert_string_equal(t->comm, "worker-new");

	t = find(&s, 200, 200);
	assert_non_null(t);
	assert_string_equal(t->comm, "a) b (c");
	assert_int_equal(t->uid, 1000);
	assert_int_equal(row_ns(&s, t, 1), 100 * MS); /* charged to its last CPU */
	assert_int_equal(row_ns(&s, t, 0), 0);

	/* The reused PID: two tasks, two keys, each with its own time. */
	t = NULL;
	t2 = NULL;
	for (size_t i = 0; i < s.ntasks; i++) {
		if (s.tasks[i].key.tgid != 300)
			continue;
		if (s.tasks[i].key.start_ns == 61000 * MS)
			t = &s.tasks[i];
		else if (s.tasks[i].key.start_ns == 1000700 * MS)
			t2 = &s.tasks[i];
	}
	assert_non_null(t);
	assert_non_null(t2);
	assert_string_equal(t->comm, "old");
	assert_int_equal(t->flags, ACTIVITY_TASK_EXITED);
	assert_int_equal(row_ns(&s, t, 1), 20 * MS);
	assert_string_equal(t2->comm, "new");
	assert_int_equal(t2->flags, ACTIVITY_TASK_NEW);
	assert_int_equal(row_ns(&s, t2, 0), 30 * MS);
	assert_int_equal(t2->cgroup_id, 0); /* no cgroup file */

	t = find(&s, 400, 400);
	assert_non_null(t);
	assert_int_equal(t->flags, ACTIVITY_TASK_EXITED);
	assert_int_equal(t->oncpu_ns, 0);
	assert_int_equal(t->nrows, 0);

	t = find(&s, 500, 500);
	assert_non_null(t);
	assert_int_equal(row_ns(&s, t, 1), 25 * MS);
	assert_int_equal(t->rss_bytes, 40ULL * (uint64_t)sysconf(_SC_PAGESIZE));

	assert_int_equal(s.ntasks, 11);
	assert_int_equal(s.nrows, 10);

	/*
	 * CPU 0: 10 + 200 + 40 + 30 = 280 ms named; idle 60 + 5 ticks = 650 ms;
	 * busy 350 ms, so 70 ms lost. CPU 1: 5 + 300 + 50 + 100 + 20 + 25 =
	 * 500 ms; idle 450 ms; busy 550 ms, 50 ms lost.
	 */
	assert_int_equal(cpu_task_ns(&s, 0), 280 * MS);
	assert_int_equal(s.idle_ns[0], 650 * MS);
	assert_int_equal(s.lost_ns[0], 70 * MS);
	assert_int_equal(cpu_task_ns(&s, 1), 500 * MS);
	assert_int_equal(s.idle_ns[1], 450 * MS);
	assert_int_equal(s.lost_ns[1], 50 * MS);
	assert_true(coverage(&s, 0) == 1.0 && coverage(&s, 1) == 1.0);
	assert_float_equal(s.captured, 780.0 / 900.0, 1e-12);
	/* 400 vanished before its final read; one fork was never found. */
	assert_int_equal(s.dropped, 2);

	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.vanished, 1);
	assert_int_equal(ps.missed_forks, 1);
	assert_int_equal(ps.tasks, 8); /* 8 - 102 - old 300 - 400 + 103 + new 300 + 500 */
	assert_int_equal(ps.processes, 6);
	assert_int_equal(ps.malformed, 0);
	fx_close(&f);
}

static void test_fixture_quiet_interval_and_tick_rounding(void **state)
{
	/* Idle ticks say 950 ms on CPU 0 but tasks ran 100 ms there: ticks yield. */
	const unsigned long st2[2][4] = { { 1000, 500 + 5, 8000 + 95, 100 },
					  { 900, 400, 8200 + 100, 50 } };
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	struct activity_proc_stats ps;
	const struct activity_task *t;
	struct activity_sample s;

	fx_open(&f);
	tu_write(f.dir, "proc/uptime", "1001.00 1801.00\n");
	write_sched(f.dir, 100, 100, 2000000000ULL + 100 * MS);
	/* No fork: the scan lists no directory. */
	write_proc_stat(f.dir, st2, 500);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(s.ntasks, 1);
	t = find(&s, 100, 100);
	assert_non_null(t);
	assert_int_equal(row_ns(&s, t, 0), 100 * MS);
	assert_int_equal(s.idle_ns[0], 900 * MS);
	assert_int_equal(s.lost_ns[0], 0);
	assert_int_equal(s.idle_ns[1], NSEC_PER_SEC);
	assert_int_equal(s.lost_ns[1], 0);
	assert_float_equal(s.captured, 1.0, 1e-12);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.discoveries, 1); /* only open()'s */

	/* A malformed file and a counter that went backwards are counted, never fatal. */
	tu_write(f.dir, "proc/uptime", "1002.00 1802.00\n");
	tu_write(f.dir, "proc/1/task/1/schedstat", "garbage\n");
	write_sched(f.dir, 100, 101, 5 * MS);
	write_sched(f.dir, 200, 200, 400 * MS + 7 * MS);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(s.ntasks, 1);
	assert_non_null(find(&s, 200, 200));
	assert_int_equal(find(&s, 200, 200)->oncpu_ns, 7 * MS);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.malformed, 1);
	assert_int_equal(ps.backwards, 1);
	/* The next increase of 101 counts from its new base. */
	tu_write(f.dir, "proc/uptime", "1003.00 1803.00\n");
	write_sched(f.dir, 100, 101, 8 * MS);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(find(&s, 100, 101)->oncpu_ns, 3 * MS);
	fx_close(&f);
}

/* /proc/stat with steal: per CPU user system idle iowait steal, in ticks. */
static void write_proc_stat_steal(const char *dir, const unsigned long t[2][5], unsigned long forks)
{
	tu_writef(dir, "proc/stat",
		  "cpu  %lu 0 %lu %lu %lu 0 0 %lu 0 0\n"
		  "cpu0 %lu 0 %lu %lu %lu 0 0 %lu 0 0\n"
		  "cpu1 %lu 0 %lu %lu %lu 0 0 %lu 0 0\n"
		  "intr 0\nctxt 1\nbtime 1795846000\nprocesses %lu\nprocs_running 1\n"
		  "procs_blocked 0\n",
		  t[0][0] + t[1][0], t[0][1] + t[1][1], t[0][2] + t[1][2], t[0][3] + t[1][3],
		  t[0][4] + t[1][4], t[0][0], t[0][1], t[0][2], t[0][3], t[0][4], t[1][0], t[1][1],
		  t[1][2], t[1][3], t[1][4], forks);
}

/*
 * With the root cgroup's cpuacct.usage_percpu, busy time is the kernel's
 * exact run time per CPU, not /proc/stat's ticks: the ticks here say CPU 0
 * was busy 500 ms, which the old reconciliation charged as 200 ms lost
 * beside the 300 ms its task ran, while the CPU ran tasks for 360 ms.
 */
static void test_fixture_cpuacct_busy_is_exact(void **state)
{
	const unsigned long st2[2][5] = { { 1000 + 40, 500 + 10, 8000 + 50, 100, 0 },
					  { 900 + 20, 400 + 10, 8200 + 60, 50, 3 } };
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	char detail[ACTIVITY_REASON_MAX];
	struct activity_proc_stats ps;
	struct activity_sample s;

	tu_write(f.dir, "sys/fs/cgroup/cpuacct/cpuacct.usage_percpu",
		 "50000000000 60000000000 \n");
	fx_open(&f);
	assert_int_equal(activity_proc_describe(f.st, detail, sizeof(detail)), 0);
	assert_non_null(strstr(detail, "/fs/cgroup/cpuacct/cpuacct.usage_percpu"));
	assert_non_null(strstr(detail, "exact"));

	/*
	 * One second: worker (CPU 0) ran 300 ms, worker-io (CPU 1, by its
	 * stat) 200 ms; the kernel ran tasks 360 ms on CPU 0 and 150 ms on
	 * CPU 1: worker-io spent 50 ms of its time on CPU 0, and a task no
	 * scan saw ran 10 ms. CPU 1 had 30 ms stolen.
	 */
	tu_write(f.dir, "proc/uptime", "1001.00 1801.00\n");
	write_sched(f.dir, 100, 100, 2000000000ULL + 300 * MS);
	write_sched(f.dir, 100, 101, 3000000000ULL + 200 * MS);
	tu_write(f.dir, "sys/fs/cgroup/cpuacct/cpuacct.usage_percpu",
		 "50360000000 60150000000 \n");
	write_proc_stat_steal(f.dir, st2, 500);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(cpu_task_ns(&s, 0), 300 * MS);
	assert_int_equal(cpu_task_ns(&s, 1), 200 * MS);
	/* Lost: Σ busy − Σ charged = 10 ms, on the CPU whose busy time exceeds its tasks'. */
	assert_int_equal(s.lost_ns[0], 10 * MS);
	assert_int_equal(s.lost_ns[1], 0);
	assert_int_equal(s.idle_ns[0], 690 * MS);
	assert_non_null(s.irq_ns);
	assert_int_equal(s.irq_ns[0], 0);
	assert_int_equal(s.irq_ns[1], 30 * MS);
	assert_int_equal(s.idle_ns[1], 770 * MS);
	/* Over all CPUs, idle is the interval less the kernel's busy time and the steal. */
	assert_int_equal(s.idle_ns[0] + s.idle_ns[1], 2000 * MS - 360 * MS - 150 * MS - 30 * MS);
	assert_float_equal(s.captured, 500.0 / 510.0, 1e-12);
	assert_true(coverage(&s, 0) + (double)s.irq_ns[0] / NSEC_PER_SEC == 1.0);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.busy_exact, 1);
	assert_int_equal(ps.busy_ticks, 0);

	/* An unreadable counter: that interval and the next fall back, counted. */
	tu_write(f.dir, "proc/uptime", "1002.00 1802.00\n");
	tu_write(f.dir, "sys/fs/cgroup/cpuacct/cpuacct.usage_percpu", "garbage\n");
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	tu_write(f.dir, "proc/uptime", "1003.00 1803.00\n");
	tu_write(f.dir, "sys/fs/cgroup/cpuacct/cpuacct.usage_percpu",
		 "52360000000 62150000000 \n");
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.acct_errors, 1);
	assert_int_equal(ps.busy_exact, 1);
	assert_int_equal(ps.busy_ticks, 2);
	/* Back on the exact count once two readings frame an interval. */
	tu_write(f.dir, "proc/uptime", "1004.00 1804.00\n");
	tu_write(f.dir, "sys/fs/cgroup/cpuacct/cpuacct.usage_percpu",
		 "52365000000 62150000000 \n");
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(s.lost_ns[0], 5 * MS);
	assert_int_equal(s.idle_ns[0], 995 * MS);
	assert_int_equal(s.idle_ns[1], NSEC_PER_SEC);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.busy_exact, 2);
	fx_close(&f);
}

/*
 * Without cpuacct, an interval in which the scan read every task of the
 * host (loadavg counts exactly the tasks tracked, no fork unexplained) takes
 * the tasks' own sum as the busy time: nothing is lost, whatever the ticks
 * say. One more task on the host than tracked, and the ticks decide again.
 */
static void test_fixture_every_task_read_is_exact(void **state)
{
	const unsigned long st2[2][4] = { { 1000 + 40, 500 + 10, 8000 + 50, 100 },
					  { 900, 400, 8200 + 100, 50 } };
	const unsigned long st3[2][4] = { { 1000 + 50, 500 + 20, 8000 + 130, 100 },
					  { 900, 400, 8200 + 200, 50 } };
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	char detail[ACTIVITY_REASON_MAX];
	struct activity_proc_stats ps;
	struct activity_sample s;

	tu_write(f.dir, "proc/loadavg", "0.00 0.01 0.05 1/8 600\n");
	fx_open(&f);
	assert_int_equal(activity_proc_describe(f.st, detail, sizeof(detail)), 0);
	assert_non_null(strstr(detail, "schedstat"));
	assert_non_null(strstr(detail, "ticks"));

	tu_write(f.dir, "proc/uptime", "1001.00 1801.00\n");
	write_sched(f.dir, 100, 100, 2000000000ULL + 300 * MS);
	write_proc_stat(f.dir, st2, 500);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(cpu_task_ns(&s, 0), 300 * MS);
	assert_int_equal(s.lost_ns[0], 0);
	assert_int_equal(s.idle_ns[0], 700 * MS);
	assert_int_equal(s.idle_ns[1], NSEC_PER_SEC);
	assert_float_equal(s.captured, 1.0, 1e-12);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.busy_exact, 1);

	/* A task the scan does not know: the ticks' busy time, 200 ms, of which 100 ms lost. */
	tu_write(f.dir, "proc/loadavg", "0.00 0.01 0.05 1/9 600\n");
	tu_write(f.dir, "proc/uptime", "1002.00 1802.00\n");
	write_sched(f.dir, 100, 100, 2000000000ULL + 400 * MS);
	write_proc_stat(f.dir, st3, 500);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(s.idle_ns[0], 800 * MS);
	assert_int_equal(s.lost_ns[0], 100 * MS);
	assert_int_equal(activity_proc_get_stats(f.st, &ps), 0);
	assert_int_equal(ps.busy_exact, 1);
	assert_int_equal(ps.busy_ticks, 1);
	fx_close(&f);
}

/*
 * Forks the new processes do not explain: with <procfs>/loadavg counting as
 * many tasks as are tracked, they were tasks that already exited and no
 * process is checked for threads; with one more, the new thread is found.
 */
static void test_fixture_loadavg_spares_thread_check(void **state)
{
	const unsigned long st1[2][4] = { { 1000, 500, 8000, 100 }, { 900, 400, 8200, 50 } };
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	struct activity_proc_stats a, b;
	struct activity_sample s;

	fx_open(&f);
	assert_int_equal(activity_proc_get_stats(f.st, &a), 0);
	/* One fork, gone before the scan: 8 tasks on the host, 8 tracked. */
	tu_write(f.dir, "proc/loadavg", "0.00 0.01 0.05 1/8 600\n");
	tu_write(f.dir, "proc/uptime", "1000.50 1800.50\n");
	write_proc_stat(f.dir, st1, 501);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(activity_proc_get_stats(f.st, &b), 0);
	assert_int_equal(b.discoveries, a.discoveries + 1);
	assert_int_equal(b.thread_checks, a.thread_checks);
	assert_int_equal(b.missed_forks, 1);
	assert_int_equal(s.dropped, 1);

	/* A new thread in process 100: the host counts 9, so processes are checked. */
	write_stat(f.dir, 100, 104, "worker-late", 4194368, 100070, 1);
	write_sched(f.dir, 100, 104, 12 * MS);
	tu_write(f.dir, "proc/loadavg", "0.00 0.01 0.05 1/9 601\n");
	tu_write(f.dir, "proc/uptime", "1001.00 1801.00\n");
	write_proc_stat(f.dir, st1, 502);
	assert_int_equal(activity_proc_ops.sample(f.st, &s), 0);
	assert_int_equal(activity_proc_get_stats(f.st, &a), 0);
	assert_int_equal(a.thread_checks, b.thread_checks + 1);
	assert_int_equal(a.missed_forks, 1);
	assert_int_equal(s.dropped, 0);
	assert_non_null(find(&s, 100, 104));
	assert_int_equal(find(&s, 100, 104)->oncpu_ns, 12 * MS);
	assert_int_equal(a.tasks, 9);
	fx_close(&f);
}

static void test_fixture_missing_stat_names_the_file(void **state)
{
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };
	char sys[4096], proc[4096], reason[ACTIVITY_REASON_MAX] = "";
	struct activity_ctx ctx = { 0 };
	void *st = NULL;

	tu_write(f.dir, "proc/stat", "cpu0 1 2 3\nprocesses 1\n");
	snprintf(sys, sizeof(sys), "%s/sys", f.dir);
	snprintf(proc, sizeof(proc), "%s/proc", f.dir);
	assert_int_equal(fsroot_init(&f.fs, sys, proc, NULL), 0);
	ctx.fs = &f.fs;
	assert_int_equal(activity_proc_ops.open(&ctx, &st, reason, sizeof(reason)), -EINVAL);
	assert_null(st);
	assert_non_null(strstr(reason, "/proc/stat"));
	assert_non_null(strstr(reason, "malformed"));
	snprintf(proc, sizeof(proc), "%s/proc/stat", f.dir);
	assert_int_equal(unlink(proc), 0);
	assert_int_equal(activity_proc_ops.open(&ctx, &st, reason, sizeof(reason)), -ENOENT);
	assert_non_null(strstr(reason, proc));
	fsroot_done(&f.fs);
	tu_rm_rf(f.dir);
	free(f.dir);
}

/* As nobody, in a child: no cmocka calls, it reports by its exit status. */
static int unreadable_task_as_nobody(void *arg)
{
	struct fx *f = arg;
	char sys[4096], proc[4096], reason[ACTIVITY_REASON_MAX];
	struct activity_ctx ctx = { .fs = &f->fs };
	struct activity_proc_stats ps;
	struct activity_sample s;

	snprintf(sys, sizeof(sys), "%s/sys", f->dir);
	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
	if (fsroot_init(&f->fs, sys, proc, NULL) < 0 ||
	    activity_proc_ops.open(&ctx, &f->st, reason, sizeof(reason)) < 0)
		return 11;
	if (activity_proc_get_stats(f->st, &ps) < 0 || ps.unreadable != 1 || ps.tasks != 7)
		return 12;
	/* Same files again: an empty interval, and no error. */
	return activity_proc_ops.sample(f->st, &s) == 0 && s.ntasks == 0 ? 0 : 13;
}

/* Unprivileged: another user's unreadable task is skipped and counted, the rest works. */
static void test_fixture_unreadable_task_is_skipped(void **state)
{
	struct fx f = { .dir = tu_copy_fixture("proc-activity") };

	tu_chmod(f.dir, "", 0755);
	tu_chmod(f.dir, "proc/200/task/200/schedstat", 0);
	assert_int_equal(tu_as_nobody(unreadable_task_as_nobody, &f), 0);
	tu_rm_rf(f.dir);
	free(f.dir);
}

/* ---- the real /proc ---- */

#define BURN_NS (300 * MS)

static void burn_thread_cpu(uint64_t ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	} while ((uint64_t)(b.tv_sec - a.tv_sec) * NSEC_PER_SEC + (uint64_t)b.tv_nsec -
			 (uint64_t)a.tv_nsec < ns);
}

static int go_pipe[2], done_pipe[2];

static void *second_thread(void *arg)
{
	char c;

	if (read(go_pipe[0], &c, 1) != 1)
		return NULL;
	burn_thread_cpu(BURN_NS);
	(void)!write(done_pipe[1], "2", 1);
	pause();
	return NULL;
}

/* Σ task/T/schedstat of a process, as the kernel sees it. */
static uint64_t thread_summed_ns(pid_t pid, unsigned *ret_threads)
{
	char path[512], buf[128];
	unsigned n = 0;
	uint64_t sum = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		FILE *fp;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		fp = fopen(path, "r");
		assert_non_null(fp);
		assert_non_null(fgets(buf, sizeof(buf), fp));
		fclose(fp);
		sum += strtoull(buf, NULL, 10);
		n++;
	}
	closedir(d);
	*ret_threads = n;
	return sum;
}

/*
 * Wait until every thread of pid is asleep (state S in task/T/stat): a
 * sleeping thread's run time cannot move. However long a loaded machine
 * takes to get the threads there; a minute at most.
 */
static void wait_all_asleep(pid_t pid)
{
	for (int tries = 0; tries < 60000; tries++) {
		char path[512], buf[512];
		bool asleep = true;
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		d = opendir(path);
		assert_non_null(d);
		while (asleep && (de = readdir(d))) {
			FILE *fp;
			char *paren;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, de->d_name);
			fp = fopen(path, "r");
			assert_non_null(fp);
			assert_non_null(fgets(buf, sizeof(buf), fp));
			fclose(fp);
			paren = strrchr(buf, ')');
			asleep = paren && paren[1] == ' ' && paren[2] == 'S';
		}
		closedir(d);
		if (asleep)
			return;
		usleep(1000);
	}
	fail_msg("the threads of %d did not all go to sleep in a minute", (int)pid);
}

/* What the samples charged to the child: all of it, its main thread's, its other thread's. */
struct charged {
	uint64_t all, main_ns, other_ns;
	uint32_t other_tid;
};

static void take_sample(void *st, pid_t child, struct charged *c)
{
	struct activity_sample s;

	assert_int_equal(activity_proc_ops.sample(st, &s), 0);
	for (size_t i = 0; i < s.ntasks; i++) {
		const struct activity_task *t = &s.tasks[i];

		if (t->key.tgid != (uint32_t)child)
			continue;
		c->all += t->oncpu_ns;
		if (t->key.tid == (uint32_t)child) {
			c->main_ns += t->oncpu_ns;
		} else {
			c->other_ns += t->oncpu_ns;
			c->other_tid = t->key.tid;
		}
	}
	for (unsigned c0 = 0; c0 < s.ncpus; c0++) {
		uint64_t iv = s.end_ns - s.start_ns, named = cpu_task_ns(&s, c0);

		/* Σ task + idle + lost + irq = interval, unless migration over-charged a CPU. */
		assert_int_equal(named + s.idle_ns[c0] + s.lost_ns[c0] + s.irq_ns[c0],
				 MAX(iv, named));
	}
	assert_true(s.captured >= 0.0 && s.captured <= 1.0);
}

static void test_real_proc_matches_kernel_thread_sum(void **state)
{
	struct fsroot fs;
	struct activity_ctx ctx = { .fs = &fs };
	char reason[ACTIVITY_REASON_MAX] = "", ready;
	uint64_t before, after;
	struct charged got = { 0 };
	unsigned nthreads, done = 0, samples = 0;
	void *st;
	pid_t child;
	int status;

	assert_int_equal(pipe(go_pipe), 0);
	assert_int_equal(pipe(done_pipe), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pthread_t th;
		char c;

		if (pthread_create(&th, NULL, second_thread, NULL) != 0)
			_exit(1);
		(void)!write(done_pipe[1], "r", 1);
		if (read(go_pipe[0], &c, 1) != 1)
			_exit(1);
		burn_thread_cpu(BURN_NS);
		(void)!write(done_pipe[1], "1", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(done_pipe[0], &ready, 1), 1);
	/* Both threads blocked on the go pipe: the baseline cannot move under us. */
	wait_all_asleep(child);
	assert_int_equal(fsroot_init(&fs, NULL, NULL, NULL), 0);
	before = thread_summed_ns(child, &nthreads);
	assert_int_equal(nthreads, 2);
	if (activity_proc_ops.open(&ctx, &st, reason, sizeof(reason)) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		fail_msg("open: %s", reason);
	}
	assert_int_equal(write(go_pipe[1], "gg", 2), 2);
	while (done < 2 || samples < 3) {
		char ch;
		int fl = fcntl(done_pipe[0], F_GETFL);

		usleep(100000);
		take_sample(st, child, &got);
		samples++;
		fcntl(done_pipe[0], F_SETFL, fl | O_NONBLOCK);
		while (read(done_pipe[0], &ch, 1) == 1)
			done++;
		fcntl(done_pipe[0], F_SETFL, fl);
		assert_true(samples < 200);
	}
	/*
	 * Both threads said they are done, perhaps after the last sample: once
	 * both sleep in pause() their counts are final, and one more sample
	 * takes what the last one had not seen.
	 */
	wait_all_asleep(child);
	take_sample(st, child, &got);
	samples++;
	after = thread_summed_ns(child, &nthreads);
	activity_proc_ops.close(st);
	fsroot_done(&fs);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);

	print_message("# real /proc: attributed %.3f ms, kernel thread-summed %.3f ms, "
		      "main %.3f ms, thread %u %.3f ms, %u samples\n",
		      got.all / 1e6, (after - before) / 1e6, got.main_ns / 1e6, got.other_tid,
		      got.other_ns / 1e6, samples);
	assert_true(after - before >= 2 * BURN_NS);
	assert_true(got.all * 100 >= (after - before) * 99);
	assert_true(got.all * 100 <= (after - before) * 101);
	/* The busy thread that is not the main one is seen, with its own time. */
	assert_true(got.other_tid != 0 && got.other_tid != (uint32_t)child);
	assert_true(got.other_ns >= BURN_NS);
	assert_true(got.main_ns >= BURN_NS);
}

#define STORM_CHILDREN 200u

/* Children that each burn 2 ms of CPU and exit: the fraction /proc sees is reported. */
static void test_real_proc_short_lived_storm(void **state)
{
	struct fsroot fs;
	struct activity_ctx ctx = { .fs = &fs };
	char reason[ACTIVITY_REASON_MAX] = "";
	struct rusage ru0, ru1;
	uint64_t truth, seen_ns = 0, dropped = 0, t_end;
	unsigned nchildren = 0, seen_tasks = 0;
	pid_t *kids;
	double cap_min = 1.0;
	void *st;

	kids = calloc(STORM_CHILDREN, sizeof(*kids));
	assert_non_null(kids);
	assert_int_equal(fsroot_init(&fs, NULL, NULL, NULL), 0);
	assert_int_equal(activity_proc_ops.open(&ctx, &st, reason, sizeof(reason)), 0);
	getrusage(RUSAGE_CHILDREN, &ru0);
	/*
	 * About 200 children per second until STORM_CHILDREN have run: a count,
	 * not a duration, so a slow or loaded machine (ASan forks slowly) still
	 * makes the whole storm; the time limit only ends a stuck run.
	 */
	t_end = now_ns() + 60 * NSEC_PER_SEC;
	while (nchildren < STORM_CHILDREN && now_ns() < t_end) {
		uint64_t next = now_ns() + 100 * MS;
		struct activity_sample s;

		/* Each child burns 2 ms of CPU. */
		while (now_ns() < next && nchildren < STORM_CHILDREN) {
			pid_t c = fork();

			assert_true(c >= 0);
			if (c == 0) {
				burn_thread_cpu(2 * MS);
				_exit(0);
			}
			kids[nchildren++] = c;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			usleep(5000);
		}
		assert_int_equal(activity_proc_ops.sample(st, &s), 0);
		dropped += s.dropped;
		cap_min = MIN(cap_min, s.captured);
		for (size_t i = 0; i < s.ntasks; i++) {
			for (unsigned k = 0; k < nchildren; k++) {
				if (s.tasks[i].key.tgid == (uint32_t)kids[k]) {
					seen_ns += s.tasks[i].oncpu_ns;
					seen_tasks++;
					break;
				}
			}
		}
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	getrusage(RUSAGE_CHILDREN, &ru1);
	activity_proc_ops.close(st);
	fsroot_done(&fs);
	truth = (uint64_t)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
			   ru0.ru_stime.tv_sec) * NSEC_PER_SEC +
		(uint64_t)((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
			    ru0.ru_stime.tv_usec) * 1000);
	print_message("# storm: %u children, /proc saw %u of them, %.1f ms of %.1f ms CPU "
		      "(%.1f %% captured), %llu tasks counted as missed, lowest sample captured "
		      "%.3f\n",
		      nchildren, seen_tasks, seen_ns / 1e6, truth / 1e6,
		      truth ? 100.0 * (double)seen_ns / (double)truth : 0.0,
		      (unsigned long long)dropped, cap_min);
	free(kids);
	assert_int_equal(nchildren, STORM_CHILDREN);
	/* Every fork is either seen or counted as missed (other forks on the host only add). */
	assert_true(seen_tasks + dropped >= nchildren);
	/* What it names is never more than what ran (rusage rounds to µs: small slack). */
	assert_true(seen_ns <= truth + truth / 50 + 2 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_two_states),
		cmocka_unit_test(test_fixture_quiet_interval_and_tick_rounding),
		cmocka_unit_test(test_fixture_loadavg_spares_thread_check),
		cmocka_unit_test(test_fixture_cpuacct_busy_is_exact),
		cmocka_unit_test(test_fixture_every_task_read_is_exact),
		cmocka_unit_test(test_fixture_missing_stat_names_the_file),
		cmocka_unit_test(test_fixture_unreadable_task_is_skipped),
		cmocka_unit_test(test_real_proc_matches_kernel_thread_sum),
		cmocka_unit_test(test_real_proc_short_lived_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
