/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-snapshot.c - the snapshot API end to end over a fixture machine:
 * two sockets of RAPL (powercap) and a /proc whose tasks' schedstat and
 * energy counters the test advances between samples, so every number is
 * known by hand. Every CPU is kept busier than the real interval, so the
 * /proc collector names no idle or lost time and the split is exact.
 *
 * The machine (intel-2s: CPUs 0-3 socket 0, 4-7 socket 1; psys is the host
 * total), in units U = 100 s of CPU time per interval:
 *   alpha 100: thread 100 on cpu0 3U, thread 101 on cpu4 1U   /system.slice/alpha.service
 *   beta  200: thread 200 on cpu1 2U, thread 201 on cpu2 2U   docker-<id>.scope
 *   gamma 300 (child of 200): 300 on cpu3 4U                  docker-<id>.scope
 *   delta 400: 400 on cpu5 1U, 401 on cpu6 2U, 402 on cpu7 5U  /user.slice
 * psys +4 000 000 µJ (200 000 per U), package-0 +1 100 000 (11U),
 * package-1 +900 000 (9U).
 */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "testutil.h"

#include "joulestat.h"
#include "monitor.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U 100000000000ULL
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct thr {
	unsigned pid, tid, ppid, cpu;
	const char *comm;
	unsigned units;		/* per interval */
};

static const struct thr threads[] = {
	{ 100, 100, 1, 0, "alpha", 3 }, { 100, 101, 1, 4, "alpha", 1 },
	{ 200, 200, 1, 1, "beta", 2 },	{ 200, 201, 1, 2, "beta", 2 },
	{ 300, 300, 200, 3, "gamma", 4 }, { 400, 400, 1, 5, "delta", 1 },
	{ 400, 401, 1, 6, "delta", 2 }, { 400, 402, 1, 7, "delta", 5 },
};

static const char *cgroup_of(unsigned pid)
{
	switch (pid) {
	case 100:
		return "/system.slice/alpha.service";
	case 200:
	case 300:
		return "/system.slice/docker-" CID ".scope";
	default:
		return "/user.slice";
	}
}

struct fx {
	char *dir;
	char sys[4096], proc[4096];
	uint64_t energy[3];	/* psys, package-0, package-1 */
	unsigned step;
};

static void write_stat(const char *dir, const struct thr *t, const char *rel)
{
	tu_writef(dir, rel,
		  "%u (%s) S %u %u %u 0 -1 4194304 100 0 0 0 10 5 0 0 20 0 1 0 %u 46882816 3891 "
		  "18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 %u 0 0 0 0 0 0 0 0 0 0 0 0 "
		  "0 0\n",
		  t->tid, t->comm, t->ppid, t->pid, t->pid, 5000 + t->pid, t->cpu);
}

/* Advance every counter by one interval's worth (step 0: the initial state). */
static void fx_write(struct fx *f)
{
	char rel[256];

	for (size_t i = 0; i < ARRAY_SIZE(threads); i++) {
		const struct thr *t = &threads[i];

		snprintf(rel, sizeof(rel), "proc/%u/task/%u/schedstat", t->pid, t->tid);
		tu_writef(f->dir, rel, "%llu 0 10\n", (unsigned long long)(t->units * U * f->step));
	}
	tu_writef(f->dir, "sys/class/powercap/intel-rapl:2/energy_uj", "%llu\n",
		  (unsigned long long)(1000 + 4000000ULL * f->step));
	tu_writef(f->dir, "sys/class/powercap/intel-rapl:0/energy_uj", "%llu\n",
		  (unsigned long long)(2000 + 1100000ULL * f->step));
	tu_writef(f->dir, "sys/class/powercap/intel-rapl:1/energy_uj", "%llu\n",
		  (unsigned long long)(3000 + 900000ULL * f->step));
	/* A fixture /proc is its own clock (its uptime): every interval lasts exactly 100 s. */
	tu_writef(f->dir, "proc/uptime", "%llu.00 1801.00\n", 100000ULL + 100ULL * f->step);
	f->step++;
}

static void fx_init(struct fx *f)
{
	char rel[256];

	memset(f, 0, sizeof(*f));
	f->dir = tu_copy_fixture("intel-2s");
	/* No perf PMU here: the powercap zones are the source. */
	tu_write(f->dir, "proc/stat",
		 "cpu  0 0 0 0 0 0 0 0 0 0\n"
		 "cpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n"
		 "cpu2 0 0 0 0 0 0 0 0 0 0\ncpu3 0 0 0 0 0 0 0 0 0 0\n"
		 "cpu4 0 0 0 0 0 0 0 0 0 0\ncpu5 0 0 0 0 0 0 0 0 0 0\n"
		 "cpu6 0 0 0 0 0 0 0 0 0 0\ncpu7 0 0 0 0 0 0 0 0 0 0\n"
		 "intr 0\nctxt 1\nbtime 1795846000\nprocesses 500\nprocs_running 1\n"
		 "procs_blocked 0\n");
	for (size_t i = 0; i < ARRAY_SIZE(threads); i++) {
		const struct thr *t = &threads[i];

		snprintf(rel, sizeof(rel), "proc/%u/task/%u/stat", t->pid, t->tid);
		write_stat(f->dir, t, rel);
		if (t->tid == t->pid) {
			snprintf(rel, sizeof(rel), "proc/%u/stat", t->pid);
			write_stat(f->dir, t, rel);
			snprintf(rel, sizeof(rel), "proc/%u/statm", t->pid);
			tu_write(f->dir, rel, "100 40 10 5 0 30 0\n");
			snprintf(rel, sizeof(rel), "proc/%u/cgroup", t->pid);
			tu_writef(f->dir, rel, "0::%s\n", cgroup_of(t->pid));
			snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/cgroup.procs", cgroup_of(t->pid));
			tu_writef(f->dir, rel, "%u\n", t->pid);
		}
	}
	fx_write(f);
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->dir);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
}

static void fx_done(struct fx *f)
{
	tu_rm_rf(f->dir);
	free(f->dir);
}

static struct joulestat_opts fx_opts(struct fx *f)
{
	struct joulestat_opts o = { .sz = sizeof(o) };

	o.sysfs_root = f->sys;
	o.procfs_root = f->proc;
	o.dev_root = "/nonexistent";
	o.sources = "powercap";
	o.activity = "proc";
	o.groups = (1u << JOULESTAT_GROUP_COUNT) - 1;
	return o;
}

static struct joulestat *fx_monitor(struct fx *f, const struct joulestat_opts *o)
{
	struct joulestat *js = NULL;
	int r = joulestat_new(o, &js);

	if (r < 0)
		fail_msg("joulestat_new: %s", strerror(-r));
	return js;
}

static struct joulestat_snapshot *fx_sample(struct fx *f, struct joulestat *js)
{
	struct joulestat_snapshot *s = NULL;
	int r;

	fx_write(f);
	r = joulestat_sample(js, &s);
	if (r < 0)
		fail_msg("joulestat_sample: %s", strerror(-r));
	return s;
}

static struct joulestat_row row_where(const struct joulestat_snapshot *s, enum joulestat_group g,
				      int pid, const char *comm)
{
	int n = joulestat_snapshot_row_count(s, g);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };

		assert_int_equal(joulestat_snapshot_row_get(s, g, (size_t)i, &row), 0);
		if ((pid < 0 || (g == JOULESTAT_GROUP_THREAD ? row.tid : row.pid) == pid) && (!comm || strcmp(row.comm, comm) == 0))
			return row;
	}
	fail_msg("no %s row pid %d comm %s", joulestat_group_name(g), pid, comm ? comm : "-");
	return (struct joulestat_row){ 0 };
}

/* Index of domain `name` in the snapshot. */
static size_t dom_idx(const struct joulestat_snapshot *s, const char *name)
{
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };

	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	for (size_t i = 0; i < info.ndomains; i++) {
		struct joulestat_snapshot_domain d = { .sz = sizeof(d) };

		assert_int_equal(joulestat_snapshot_domain_get(s, i, &d), 0);
		if (strcmp(d.name, name) == 0)
			return i;
	}
	fail_msg("no domain %s", name);
	return 0;
}

static void test_exact_split(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
	struct joulestat_row r;
	size_t psys, pkg0, pkg1;

	fx_init(&f);
	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);

	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_int_equal(info.seq, 1);
	assert_string_equal(info.idle_policy, "separate");
	assert_string_equal(info.collector, "proc");
	assert_int_equal(info.delta_uj, 4000000);
	assert_int_equal(info.tasks_uj, 4000000);
	assert_int_equal(info.idle_uj, 0);
	assert_int_equal(info.unattributed_uj, 0);
	assert_false(info.estimated);
	assert_false(info.warming_up);
	assert_int_equal(info.ntasks, 8);
	assert_int_equal(info.busy_ns, 20 * U);
	assert_int_equal(info.end_ns - info.start_ns, 100 * 1000000000ULL);
	assert_true(info.power_w > 0.039999 && info.power_w < 0.040001);
	assert_true(info.coverage > 0.999);

	psys = dom_idx(s, "psys");
	pkg0 = dom_idx(s, "package-0");
	pkg1 = dom_idx(s, "package-1");
	assert_int_equal(joulestat_snapshot_domain_get(s, pkg0, &d), 0);
	assert_int_equal(d.delta_uj, 1100000);
	assert_int_equal(d.tasks_uj, 1100000);
	assert_string_equal(d.status, "split");
	assert_false(d.in_host_total);
	assert_int_equal(joulestat_snapshot_domain_get(s, psys, &d), 0);
	assert_true(d.in_host_total);
	assert_int_equal(d.delta_uj, d.tasks_uj + d.idle_uj + d.unattributed_uj);

	/* Processes: psys gives 200 000 µJ per U. */
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.energy_uj, 800000);
	assert_string_equal(r.comm, "alpha");
	assert_int_equal(r.ntasks, 2);
	assert_int_equal(r.cpu_ns, 4 * U);
	assert_int_equal(r.domain_energy_uj[psys], 800000);
	assert_int_equal(r.domain_energy_uj[pkg0], 300000); /* 3 of socket 0's 11U */
	assert_int_equal(r.domain_energy_uj[pkg1], 100000); /* 1 of socket 1's 9U */
	assert_int_equal(r.cumulative_uj, 800000);
	assert_string_equal(r.cgroup, "/system.slice/alpha.service");
	assert_string_equal(r.unit, "alpha.service");
	assert_string_equal(r.container, "");
	assert_string_equal(r.user, "root");
	assert_true(r.share > 0.1999 && r.share < 0.2001);
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 400, NULL);
	assert_int_equal(r.energy_uj, 1600000);
	/* Largest first. */
	r = row_where(s, JOULESTAT_GROUP_PROCESS, -1, NULL);
	assert_int_equal(r.pid, 400);

	r = row_where(s, JOULESTAT_GROUP_THREAD, 402, NULL);
	assert_int_equal(r.energy_uj, 1000000);
	assert_int_equal(r.pid, 400);
	r = row_where(s, JOULESTAT_GROUP_COMM, -1, "gamma");
	assert_int_equal(r.energy_uj, 800000);
	for (int i = 0; i < 2; i++) {
		r = (struct joulestat_row){ .sz = sizeof(r) };
		assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_CONTAINER, (size_t)i,
							    &r), 0);
		/* beta and gamma in one container; alpha and delta in none. */
		assert_int_equal(r.energy_uj, strcmp(r.container, CID) == 0 ? 1600000 : 2400000);
	}
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_CONTAINER), 2);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_UNIT), 3);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_USER), 1);
	/* No tree followed: no rows. */
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_TREE), 0);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

/* Every grouping sums to the tasks' total; per-domain energies sum to each row's. */
static void test_groups_add_up(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };

	fx_init(&f);
	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	for (int g = 0; g < JOULESTAT_GROUP_TREE; g++) {
		int n = joulestat_snapshot_row_count(s, g);
		uint64_t sum = 0, tasks = 0;

		assert_true(n > 0);
		for (int i = 0; i < n; i++) {
			struct joulestat_row r = { .sz = sizeof(r) };
			uint64_t host = 0;

			assert_int_equal(joulestat_snapshot_row_get(s, g, (size_t)i, &r), 0);
			sum += r.energy_uj;
			tasks += r.ntasks;
			for (size_t d = 0; d < r.ndomains; d++) {
				struct joulestat_snapshot_domain dd = { .sz = sizeof(dd) };

				assert_int_equal(joulestat_snapshot_domain_get(s, d, &dd), 0);
				if (dd.in_host_total)
					host += r.domain_energy_uj[d];
			}
			assert_int_equal(host, r.energy_uj);
		}
		assert_int_equal(sum, info.tasks_uj);
		assert_int_equal(tasks, info.ntasks);
	}
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

static void test_cumulative_and_pid_queries(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s1, *s2;
	struct joulestat_pid_energy pe = { .sz = sizeof(pe) };
	struct joulestat_pid_energy batch[3];
	int pids[3] = { 100, 999, 400 };
	struct joulestat_row r;

	fx_init(&f);
	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	assert_int_equal(joulestat_pid_energy(js, 100, &pe), -ENODATA);
	s1 = fx_sample(&f, js);
	s2 = fx_sample(&f, js);
	r = row_where(s2, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.energy_uj, 800000);
	assert_int_equal(r.cumulative_uj, 1600000);
	assert_int_equal(r.cumulative_cpu_ns, 8 * U);
	r = row_where(s2, JOULESTAT_GROUP_COMM, -1, "delta");
	assert_int_equal(r.cumulative_uj, 3200000);
	/* The first snapshot is immutable: still one interval's worth. */
	r = row_where(s1, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.cumulative_uj, 800000);

	assert_int_equal(joulestat_pid_energy(js, 100, &pe), 0);
	assert_true(pe.found);
	assert_int_equal(pe.pid, 100);
	assert_int_equal(pe.energy_uj, 1600000);
	assert_int_equal(pe.interval_energy_uj, 800000);
	assert_true(pe.reliable);
	assert_string_equal(pe.source, "powercap+proc");
	assert_true(pe.power_w > 0.007999 && pe.power_w < 0.008001);
	assert_true(pe.timestamp_ns > 0);
	assert_int_equal(joulestat_pid_energy(js, 999, &pe), -ENOENT);

	for (int i = 0; i < 3; i++)
		batch[i] = (struct joulestat_pid_energy){ .sz = sizeof(batch[i]) };
	assert_int_equal(joulestat_pid_energy_batch(js, pids, 3, batch), 2);
	assert_true(batch[0].found);
	assert_false(batch[1].found);
	assert_int_equal(batch[1].pid, 999);
	assert_int_equal(batch[2].energy_uj, 3200000);
	/* Mismatched sizes in the array are refused. */
	batch[1].sz = 8;
	assert_int_equal(joulestat_pid_energy_batch(js, pids, 3, batch), -EINVAL);

	joulestat_snapshot_free(s1);
	joulestat_snapshot_free(s2);
	joulestat_free(js);
	fx_done(&f);
}

/*
 * alpha (pid 100) has its own meter, /proc/100/power/energy_uj, +300 000 µJ
 * an interval: from the second interval (the first one the meter spans
 * whole), alpha's row is its meter's, not its CPU-time share of psys
 * (800 000), and the rest of psys goes to the others by CPU time: beta and
 * gamma 3 700 000 × 4/16, delta × 8/16. joulestat_pid_energy() says where
 * it came from.
 */
static void test_process_meter_replaces_share(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
	struct joulestat_pid_energy pe = { .sz = sizeof(pe) };
	struct joulestat_row r;
	size_t psys, own;

	fx_init(&f);
	tu_write(f.dir, "proc/100/power/energy_uj", "5000000\n");
	o = fx_opts(&f);
	o.sources = "powercap,procpower";
	js = fx_monitor(&f, &o);
	/* `run` follows a tree: its energy is its rows', the meter's here. */
	assert_int_equal(joulestat_tree_add(js, 100), 0);
	tu_write(f.dir, "proc/100/power/energy_uj", "5300000\n");
	s = fx_sample(&f, js);
	/* The first interval: the meter is new, alpha shares by CPU time. */
	own = dom_idx(s, "pid-100");
	assert_int_equal(joulestat_snapshot_domain_get(s, own, &d), 0);
	assert_string_equal(d.status, "skipped");
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL).energy_uj, 800000);
	joulestat_snapshot_free(s);

	tu_write(f.dir, "proc/100/power/energy_uj", "5600000\n");
	s = fx_sample(&f, js);
	psys = dom_idx(s, "psys");
	own = dom_idx(s, "pid-100");
	assert_int_equal(joulestat_snapshot_domain_get(s, own, &d), 0);
	assert_string_equal(d.status, "split");
	assert_string_equal(d.source, "procpower");
	assert_false(d.in_host_total);
	assert_int_equal(d.delta_uj, 300000);
	assert_int_equal(d.tasks_uj, 300000);
	assert_int_equal(d.unattributed_uj, 0);
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.energy_uj, 300000);
	assert_int_equal(r.domain_energy_uj[psys], 300000);
	assert_int_equal(r.domain_energy_uj[own], 300000);
	assert_int_equal(r.cumulative_uj, 1100000);
	assert_false(r.estimated);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_THREAD, 100, NULL).energy_uj, 225000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_THREAD, 101, NULL).energy_uj, 75000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 200, NULL).energy_uj, 925000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 300, NULL).energy_uj, 925000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 400, NULL).energy_uj, 1850000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_TREE, 100, NULL).energy_uj, 300000);
	/* The host ledger: no double count, still exact. */
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_int_equal(info.delta_uj, 4000000);
	assert_int_equal(info.tasks_uj, 4000000);
	assert_int_equal(joulestat_snapshot_domain_get(s, psys, &d), 0);
	assert_int_equal(d.tasks_uj, 4000000);

	assert_int_equal(joulestat_pid_energy(js, 100, &pe), 0);
	assert_int_equal(pe.interval_energy_uj, 300000);
	assert_int_equal(pe.energy_uj, 1100000);
	assert_string_equal(pe.source, "procpower");
	assert_true(pe.reliable);
	assert_int_equal(joulestat_pid_energy(js, 400, &pe), 0);
	assert_int_equal(pe.interval_energy_uj, 1850000);
	assert_string_equal(pe.source, "powercap+proc");
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

/*
 * A snapshot the caller let go is trimmed by the next sample to what the
 * per-PID queries read; one the caller still holds stays whole: its tasks
 * and every grouping's rows, with their per-domain energy, read as before.
 */
static void test_last_snapshot_released_or_kept(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s1, *s2, *s3;
	struct joulestat_snapshot_info i1 = { .sz = sizeof(i1) }, i3 = { .sz = sizeof(i3) };
	struct joulestat_pid_energy pe = { .sz = sizeof(pe) };
	struct joulestat_task t = { .sz = sizeof(t) };
	struct joulestat_row r;

	fx_init(&f);
	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	joulestat_snapshot_free(fx_sample(&f, js));	/* let go: only the monitor has it */
	s1 = fx_sample(&f, js);
	assert_int_equal(joulestat_pid_energy(js, 100, &pe), 0);
	assert_int_equal(pe.energy_uj, 1600000);
	s2 = fx_sample(&f, js);				/* s1 is held: whole */
	assert_int_equal(joulestat_snapshot_get(s1, &i1), 0);
	assert_true(i1.ntasks > 0);
	for (size_t i = 0; i < i1.ntasks; i++)
		assert_int_equal(joulestat_snapshot_task_get(s1, i, &t), 0);
	r = row_where(s1, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.cumulative_uj, 1600000);
	assert_non_null(r.domain_energy_uj);
	r = row_where(s1, JOULESTAT_GROUP_COMM, -1, "delta");
	assert_int_equal(r.cumulative_uj, 3200000);
	joulestat_snapshot_free(s1);
	joulestat_snapshot_free(s2);			/* let go: trimmed by the next sample */
	s3 = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s3, &i3), 0);
	assert_int_equal(i3.ntasks, i1.ntasks);
	r = row_where(s3, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.energy_uj, 800000);
	assert_int_equal(r.cumulative_uj, 3200000);
	assert_int_equal(joulestat_pid_energy(js, 100, &pe), 0);
	assert_int_equal(pe.energy_uj, 3200000);
	assert_int_equal(pe.interval_energy_uj, 800000);
	joulestat_snapshot_free(s3);
	joulestat_free(js);
	fx_done(&f);
	(void)state;
}

static void test_tree_follows_descendants(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_row r;

	fx_init(&f);
	o = fx_opts(&f);
	o.groups = 1u << JOULESTAT_GROUP_PROCESS;
	js = fx_monitor(&f, &o);
	assert_int_equal(joulestat_tree_add(js, 200), 0);
	assert_int_equal(joulestat_tree_add(js, 200), -EEXIST);
	assert_int_equal(joulestat_tree_add(js, 12345), -ESRCH);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_TREE), 1);
	r = row_where(s, JOULESTAT_GROUP_TREE, 200, NULL);
	/* beta's two threads (4U) and its child gamma (4U). */
	assert_int_equal(r.energy_uj, 1600000);
	assert_int_equal(r.ntasks, 3);
	assert_int_equal(r.cpu_ns, 8 * U);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

/*
 * A tree given up leaves later snapshots, its cumulative energy forgotten:
 * followed again, it counts from there (a daemon follows many runs' trees
 * and must give each back).
 */
static void test_tree_remove(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_row r;

	(void)state;
	fx_init(&f);
	o = fx_opts(&f);
	o.groups = 1u << JOULESTAT_GROUP_PROCESS;
	js = fx_monitor(&f, &o);
	assert_int_equal(joulestat_tree_remove(js, 200), -ENOENT);
	assert_int_equal(joulestat_tree_add(js, 200), 0);
	s = fx_sample(&f, js);
	joulestat_snapshot_free(s);
	s = fx_sample(&f, js);
	r = row_where(s, JOULESTAT_GROUP_TREE, 200, NULL);
	assert_int_equal(r.cumulative_uj, 2 * 1600000);
	joulestat_snapshot_free(s);
	assert_int_equal(joulestat_tree_remove(js, 200), 0);
	assert_int_equal(joulestat_tree_remove(js, 200), -ENOENT);
	assert_int_equal(joulestat_tree_remove(js, 0), -EINVAL);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_TREE), 0);
	joulestat_snapshot_free(s);
	/* Followed again: a fresh count, in the slot given back. */
	assert_int_equal(joulestat_tree_add(js, 200), 0);
	s = fx_sample(&f, js);
	r = row_where(s, JOULESTAT_GROUP_TREE, 200, NULL);
	assert_int_equal(r.energy_uj, 1600000);
	assert_int_equal(r.cumulative_uj, 1600000);
	assert_int_equal(r.ntasks, 3);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

struct asker {
	struct joulestat *js;
	volatile int *stop;
	unsigned answers;
	int bad;
};

/* Ask for alpha's energy over and over: it only grows, and every answer is whole. */
static void *ask_pid(void *arg)
{
	struct asker *a = arg;
	uint64_t last = 0;
	int pids[2] = { 100, 400 };

	while (!*a->stop) {
		struct joulestat_pid_energy pe = { .sz = sizeof(pe) };
		struct joulestat_pid_energy b[2] = { { .sz = sizeof(b[0]) }, { .sz = sizeof(b[1]) } };

		if (joulestat_pid_energy(a->js, 100, &pe) == 0) {
			if (!pe.found || pe.energy_uj < last || pe.interval_energy_uj != 800000 ||
			    strcmp(pe.source, "powercap+proc") != 0)
				a->bad++;
			last = pe.energy_uj;
			a->answers++;
		}
		if (joulestat_pid_energy_batch(a->js, pids, 2, b) == 2 &&
		    (b[1].energy_uj % 1600000 != 0 || b[0].pid != 100))
			a->bad++;
	}
	return NULL;
}

/*
 * Per-PID queries from four threads while a fifth samples: every answer is
 * consistent (under ASan, a query reading a snapshot the sampler freed is
 * an error).
 */
static void test_pid_queries_while_sampling(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct asker a[4];
	pthread_t th[4];
	volatile int stop = 0;
	unsigned total = 0;

	(void)state;
	fx_init(&f);
	o = fx_opts(&f);
	o.groups = 1u << JOULESTAT_GROUP_PROCESS;
	js = fx_monitor(&f, &o);
	joulestat_snapshot_free(fx_sample(&f, js));
	for (int i = 0; i < 4; i++) {
		a[i] = (struct asker){ .js = js, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, ask_pid, &a[i]), 0);
	}
	for (int i = 0; i < 100; i++)
		joulestat_snapshot_free(fx_sample(&f, js));
	stop = 1;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].bad, 0);
		total += a[i].answers;
	}
	assert_true(total > 0);
	joulestat_free(js);
	fx_done(&f);
}

/* The daemon modes without a daemon: AUTO measures here, ALWAYS says why not. */
static void test_daemon_modes_without_daemon(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat_daemon_info di = { .sz = sizeof(di) };
	struct joulestat *js = NULL;
	char sock[4200];

	(void)state;
	fx_init(&f);
	snprintf(sock, sizeof(sock), "%s/nobody-here.sock", f.dir);
	o = fx_opts(&f);
	o.daemon = JOULESTAT_DAEMON_AUTO;
	o.daemon_socket = sock;
	js = fx_monitor(&f, &o);
	assert_int_equal(joulestat_daemon_get(js, &di), -ENOTCONN);
	joulestat_free(js);
	js = NULL;
	/* Roots are a local monitor's: ALWAYS refuses them before any connection. */
	o.daemon = JOULESTAT_DAEMON_ALWAYS;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o = (struct joulestat_opts){ .sz = sizeof(o), .daemon = JOULESTAT_DAEMON_ALWAYS,
				     .daemon_socket = sock };
	assert_int_equal(joulestat_new(&o, &js), -ENOENT);
	o.daemon = (enum joulestat_daemon_mode)3;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	assert_null(js);
	fx_done(&f);
}

static void test_policies_and_baseline(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
	struct joulestat_static_power sp[] = { { "psys", 5 }, { "package", 1 } };
	char path[4200];

	fx_init(&f);
	o = fx_opts(&f);
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	o.static_power = sp;
	o.nstatic_power = 2;
	snprintf(path, sizeof(path), "%s/baseline", f.dir);
	tu_write(f.dir, "baseline", "# calibrated\njoulestat-baseline 1\npackage-1 2\n");
	o.baseline_file = path;
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_string_equal(info.idle_policy, "baseline");
	assert_int_equal(info.delta_uj, info.tasks_uj + info.idle_uj + info.unattributed_uj);
	/* Static power × 100 s: 5 mW for psys, by name... */
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "psys"), &d), 0);
	assert_int_equal(d.static_uj, 500000);
	assert_int_equal(d.idle_uj, 500000);
	/* ...and the 3.5 J left are dynamic, split by CPU time: 175 000 µJ per U. */
	assert_int_equal(d.tasks_uj, 3500000);
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL).energy_uj, 700000);
	/*
	 * The kind's 1 mW for package-0; package-1 has an entry of its own in
	 * the file (2 mW), which is more specific than the option's kind.
	 */
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-0"), &d), 0);
	assert_int_equal(d.static_uj, 100000);
	assert_int_equal(d.tasks_uj, 1000000);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-1"), &d), 0);
	assert_int_equal(d.static_uj, 200000);
	/* Where each static power comes from, and the host's (psys alone) in force. */
	assert_int_equal(d.static_mw, 2);
	assert_int_equal(d.static_origin, JOULESTAT_STATIC_FILE);
	assert_string_equal(d.static_from, path);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-0"), &d), 0);
	assert_int_equal(d.static_origin, JOULESTAT_STATIC_OPTIONS);
	assert_string_equal(d.static_from, "options");
	assert_int_equal(info.static_mw, 5);
	assert_string_equal(info.static_from, "options");
	joulestat_snapshot_free(s);
	joulestat_free(js);

	/* The file alone, with psys in it: the host's static power is the file's. */
	o.nstatic_power = 0;
	o.static_power = NULL;
	tu_write(f.dir, "baseline", "joulestat-baseline 1\npackage-1 2\npsys 7\n");
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_int_equal(info.static_mw, 7);
	assert_string_equal(info.static_from, path);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-1"), &d), 0);
	assert_int_equal(d.static_uj, 200000);
	/* package-0 has none (not in the host total: no refusal), and says so. */
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-0"), &d), 0);
	assert_int_equal(d.static_origin, JOULESTAT_STATIC_NONE);
	assert_string_equal(d.static_from, "none");
	assert_int_equal(d.static_uj, 0);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

static char logged[1024];

static void keep_log(enum joulestat_log_level level, const char *msg, void *userdata)
{
	if (level == JOULESTAT_LOG_ERROR)
		snprintf(logged, sizeof(logged), "%s", msg);
}

/*
 * The baseline policy without a static power for a host-total domain is
 * refused, naming the domain and calibrate: a 0 W idle row would charge
 * every task the machine's whole power, silently. Other policies run, and
 * the monitor says the static power is none.
 */
static void test_baseline_without_static_power_refused(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js = NULL;
	struct joulestat_static_info si = { .sz = sizeof(si) };
	char path[4200];
	bool seen = false;

	fx_init(&f);
	o = fx_opts(&f);
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	o.log_fn = keep_log;
	o.log_level = JOULESTAT_LOG_ERROR;
	assert_int_equal(joulestat_new(&o, &js), -ENODATA);
	assert_null(js);
	assert_non_null(strstr(logged, "static power of psys"));
	assert_non_null(strstr(logged, "joulestat calibrate"));

	/* A file without psys: still refused. */
	snprintf(path, sizeof(path), "%s/baseline", f.dir);
	tu_write(f.dir, "baseline", "joulestat-baseline 1\npackage 2\n");
	o.baseline_file = path;
	assert_int_equal(joulestat_new(&o, &js), -ENODATA);

	o.idle_policy = JOULESTAT_IDLE_SEPARATE;
	js = fx_monitor(&f, &o);
	assert_string_equal(joulestat_static_origin_name(JOULESTAT_STATIC_MODEL), "model");
	assert_null(joulestat_static_origin_name((enum joulestat_static_origin)9));
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		assert_int_equal(joulestat_static_get(js, i, &si), 0);
		if (strcmp(si.domain, "psys") == 0) {
			assert_int_equal(si.origin, JOULESTAT_STATIC_NONE);
			assert_string_equal(si.from, "none");
			seen = true;
		} else if (strncmp(si.domain, "package-", 8) == 0) {
			assert_int_equal(si.origin, JOULESTAT_STATIC_FILE);
			assert_int_equal(si.static_mw, 2);
			assert_string_equal(si.from, path);
		}
	}
	assert_true(seen);
	assert_int_equal(joulestat_static_get(js, joulestat_domain_count(js), &si), -ERANGE);
	joulestat_free(js);
	fx_done(&f);
}

/* A modelled domain without an entry falls back to the model's idle power, and says so. */
static void test_baseline_falls_back_to_the_model(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };

	fx_init(&f);
	o = fx_opts(&f);
	o.sources = "model";
	o.model_idle_mw = 3000;
	o.model_max_mw = 7000;
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_int_equal(joulestat_snapshot_domain_get(s, 0, &d), 0);
	assert_int_equal(d.static_origin, JOULESTAT_STATIC_MODEL);
	assert_int_equal(d.static_mw, 3000);
	assert_string_equal(d.static_from, "model");
	assert_int_equal(info.static_mw, 3000 * info.ndomains);
	assert_string_equal(info.static_from, "model");
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * A refused reading is a gap, not zero: psys and package-0 hold 40 J and
 * may draw 100 W (4 × the 25 W constraint), so a reading 450 ms after the
 * one before is refused (the counter could have wrapped more than once).
 * That interval says "refused", claims nothing, has no power, and counts
 * the refusal; the next one, read at once, is split again.
 */
static void test_refused_reading_is_a_gap(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };

	fx_init(&f);
	tu_write(f.dir, "sys/class/powercap/intel-rapl:2/max_energy_range_uj", "40000000\n");
	tu_write(f.dir, "sys/class/powercap/intel-rapl:2/constraint_0_max_power_uw", "25000000\n");
	tu_write(f.dir, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "40000000\n");
	tu_write(f.dir, "sys/class/powercap/intel-rapl:0/constraint_0_max_power_uw", "25000000\n");
	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_false(info.refused);
	joulestat_snapshot_free(s);

	sleep_ms(450);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_true(info.refused);
	assert_true(isnan(info.power_w));
	assert_int_equal(info.delta_uj, 0);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "psys"), &d), 0);
	assert_string_equal(d.status, "refused");
	assert_true(d.refused);
	assert_int_equal(d.readings_refused, 1);
	assert_int_equal(d.delta_uj + d.tasks_uj + d.idle_uj + d.unattributed_uj, 0);
	assert_true(isnan(d.power_w));
	assert_int_equal(row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL).energy_uj, 0);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-0"), &d), 0);
	assert_string_equal(d.status, "refused");
	/* package-1 keeps its 1 000 W worst case: its reading stands. */
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "package-1"), &d), 0);
	assert_string_equal(d.status, "split");
	assert_false(d.refused);
	assert_int_equal(d.delta_uj, 900000);
	assert_int_equal(tu_domain(js, "psys").refused, 1);
	joulestat_snapshot_free(s);

	s = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	assert_false(info.refused);
	assert_int_equal(info.delta_uj, 4000000);
	assert_int_equal(joulestat_snapshot_domain_get(s, dom_idx(s, "psys"), &d), 0);
	assert_string_equal(d.status, "split");
	assert_false(d.refused);
	assert_int_equal(d.readings_refused, 1);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

/*
 * The vm grouping: delta (400) becomes a QEMU process (its command line
 * names the guest; its threads carry QEMU's thread names, one of them a
 * vCPU's), alpha (100) a process in a libvirt machine scope; beta and gamma
 * are in no VM. Energies as in test_exact_split: delta 8U, alpha 4U.
 */
static void test_vm_grouping(void **state)
{
	static const char scope[] = "/machine.slice/machine-qemu\\x2d2\\x2ddb.scope/libvirt/emulator";
	static const char cmdline[] = "/usr/bin/qemu-system-x86_64\0-name\0guest=web,debug-threads=on"
				      "\0-accel\0tcg";
	static const struct thr qemu[] = {
		{ 400, 400, 1, 5, "qemu-system-x86", 1 }, { 400, 401, 1, 6, "CPU 0/KVM", 2 },
		{ 400, 402, 1, 7, "worker", 5 },
	};
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s;
	struct joulestat_row r;
	char rel[256], path[4096];
	FILE *fp;
	int n;

	fx_init(&f);
	for (size_t i = 0; i < ARRAY_SIZE(qemu); i++) {
		snprintf(rel, sizeof(rel), "proc/400/task/%u/stat", qemu[i].tid);
		write_stat(f.dir, &qemu[i], rel);
	}
	write_stat(f.dir, &qemu[0], "proc/400/stat");
	snprintf(path, sizeof(path), "%s/proc/400/cmdline", f.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(cmdline, 1, sizeof(cmdline), fp), sizeof(cmdline));
	assert_int_equal(fclose(fp), 0);
	tu_writef(f.dir, "proc/100/cgroup", "0::%s\n", scope);
	snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/cgroup.procs", scope);
	tu_write(f.dir, rel, "100\n");

	o = fx_opts(&f);
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	n = joulestat_snapshot_row_count(s, JOULESTAT_GROUP_VM);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		r = (struct joulestat_row){ .sz = sizeof(r) };
		assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_VM, (size_t)i, &r), 0);
		assert_string_equal(r.comm, "");
		assert_string_equal(r.cgroup, "");
		if (strcmp(r.vm, "web") == 0) {
			assert_int_equal(r.energy_uj, 1600000);
			assert_int_equal(r.ntasks, 3);
		} else if (strcmp(r.vm, "db") == 0) {
			assert_int_equal(r.energy_uj, 800000);
		} else {
			/* beta and gamma: in no VM. */
			assert_string_equal(r.vm, "");
			assert_int_equal(r.energy_uj, 1600000);
		}
	}
	/* Process and thread rows say which VM they belong to. */
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 400, NULL);
	assert_string_equal(r.vm, "web");
	r = row_where(s, JOULESTAT_GROUP_THREAD, 401, NULL);
	assert_string_equal(r.vm, "web");
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_string_equal(r.vm, "db");
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 200, NULL);
	assert_string_equal(r.vm, "");
	joulestat_snapshot_free(s);

	/* Cumulative per VM; the command line was read once, so its loss changes nothing. */
	snprintf(path, sizeof(path), "%s/proc/400/cmdline", f.dir);
	assert_int_equal(unlink(path), 0);
	s = fx_sample(&f, js);
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 400, NULL);
	assert_string_equal(r.vm, "web");
	for (int i = 0; i < joulestat_snapshot_row_count(s, JOULESTAT_GROUP_VM); i++) {
		assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_VM, (size_t)i, &r), 0);
		if (strcmp(r.vm, "web") == 0)
			assert_int_equal(r.cumulative_uj, 3200000);
	}
	joulestat_snapshot_free(s);

	/* Without the vm grouping, rows carry no VM. */
	assert_int_equal(joulestat_set_groups(js, 1u << JOULESTAT_GROUP_THREAD), 0);
	s = fx_sample(&f, js);
	r = row_where(s, JOULESTAT_GROUP_PROCESS, 400, NULL);
	assert_string_equal(r.vm, "");
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_VM), -ENOENT);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	fx_done(&f);
}

static void test_bad_options(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js = (struct joulestat *)0x1;
	struct joulestat_static_power sp = { "psys", 2000000000ULL };
	char path[4200];

	fx_init(&f);
	o = fx_opts(&f);
	o.interval_ms = 5;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o.interval_ms = 0;
	o.idle_policy = (enum joulestat_idle_policy)7;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o.idle_policy = JOULESTAT_IDLE_SEPARATE;
	o.groups = 1u << JOULESTAT_GROUP_COUNT;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	o.groups = 0;
	o.static_power = &sp;
	o.nstatic_power = 1;
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);	/* 2 GW is a typo */
	o.nstatic_power = 0;
	o.static_power = NULL;
	snprintf(path, sizeof(path), "%s/missing", f.dir);
	o.baseline_file = path;
	assert_int_equal(joulestat_new(&o, &js), -ENOENT);
	snprintf(path, sizeof(path), "%s/bad", f.dir);
	tu_write(f.dir, "bad", "joulestat-baseline 1\npsys lots\n");
	assert_int_equal(joulestat_new(&o, &js), -EINVAL);
	tu_write(f.dir, "bad", "joulestat-baseline 2\npsys 10\n");
	assert_int_equal(joulestat_new(&o, &js), -EPROTONOSUPPORT);
	assert_ptr_equal(js, (struct joulestat *)0x1);
	fx_done(&f);
}

static void test_accessor_contract(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s, *kept;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
	struct joulestat_task t = { .sz = sizeof(t) };
	struct joulestat_row r = { .sz = sizeof(r) };
	enum joulestat_group g;
	enum joulestat_idle_policy p;

	fx_init(&f);
	o = fx_opts(&f);
	o.groups = 1u << JOULESTAT_GROUP_COMM;
	js = fx_monitor(&f, &o);
	s = fx_sample(&f, js);
	assert_int_equal(joulestat_sample(NULL, &s), -EINVAL);
	assert_int_equal(joulestat_sample(js, NULL), -EINVAL);
	assert_int_equal(joulestat_snapshot_get(NULL, &info), -EINVAL);
	info.sz = 4;
	assert_int_equal(joulestat_snapshot_get(s, &info), -EINVAL);
	info.sz = sizeof(info);
	assert_int_equal(joulestat_snapshot_domain_get(s, 99, &d), -ERANGE);
	assert_int_equal(joulestat_snapshot_task_get(s, 99, &t), -ERANGE);
	/* Process is always carried (the per-PID queries need it); thread was not chosen. */
	assert_true(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS) > 0);
	assert_int_equal(joulestat_snapshot_row_count(s, JOULESTAT_GROUP_THREAD), -ENOENT);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_THREAD, 0, &r), -ENOENT);
	assert_int_equal(joulestat_snapshot_row_get(s, JOULESTAT_GROUP_COMM, 99, &r), -ERANGE);
	assert_int_equal(joulestat_snapshot_row_count(s, (enum joulestat_group)JOULESTAT_GROUP_COUNT),
			 -EINVAL);
	assert_int_equal(joulestat_set_groups(js, 1u << JOULESTAT_GROUP_COUNT), -EINVAL);

	/* Tasks: per-CPU time and the parent the collector read. */
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(joulestat_snapshot_task_get(s, i, &t), 0);
		if (t.tid == 300)
			break;
	}
	assert_int_equal(t.tid, 300);
	assert_int_equal(t.ppid, 200);
	assert_string_equal(t.comm, "gamma");
	assert_int_equal(t.ncpus, 1);
	assert_int_equal(t.cpus[0].cpu, 3);
	assert_int_equal(t.cpus[0].ns, 4 * U);
	assert_int_equal(t.energy_uj, 800000);

	/* A snapshot outlives its monitor, strings included. */
	kept = joulestat_snapshot_ref(s);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	assert_int_equal(joulestat_snapshot_row_get(kept, JOULESTAT_GROUP_COMM, 0, &r), 0);
	assert_string_equal(r.comm, "delta");
	assert_int_equal(joulestat_snapshot_get(kept, &info), 0);
	assert_string_equal(info.collector, "proc");
	assert_null(joulestat_snapshot_free(kept));
	assert_null(joulestat_snapshot_free(NULL));

	assert_string_equal(joulestat_group_name(JOULESTAT_GROUP_CONTAINER), "container");
	assert_string_equal(joulestat_group_name(JOULESTAT_GROUP_VM), "vm");
	assert_string_equal(joulestat_group_name(JOULESTAT_GROUP_POD), "pod");
	assert_int_equal(joulestat_group_from_name("namespace", &g), 0);
	assert_int_equal(g, JOULESTAT_GROUP_NAMESPACE);
	/* The ABI: a grouping keeps its number once published. */
	assert_int_equal(JOULESTAT_GROUP_VM, 8);
	assert_int_equal(JOULESTAT_GROUP_POD, 9);
	assert_int_equal(JOULESTAT_GROUP_NAMESPACE, 10);
	assert_null(joulestat_group_name((enum joulestat_group)JOULESTAT_GROUP_COUNT));
	assert_int_equal(joulestat_group_from_name("unit", &g), 0);
	assert_int_equal(g, JOULESTAT_GROUP_UNIT);
	assert_int_equal(joulestat_group_from_name("class", &g), -EINVAL);
	assert_int_equal(joulestat_idle_policy_from_name("proportional", &p), 0);
	assert_int_equal(p, JOULESTAT_IDLE_PROPORTIONAL);
	assert_int_equal(joulestat_idle_policy_from_name("none", &p), -EINVAL);
	assert_string_equal(joulestat_domain_kind_name(JOULESTAT_DOMAIN_DRAM), "dram");
	assert_string_equal(joulestat_domain_kind_name(JOULESTAT_DOMAIN_HOST), "host");
	fx_done(&f);
}

struct counted {
	int calls;
	uint64_t seq;
};

static int on_snap(struct joulestat *js, struct joulestat_snapshot *s, void *userdata)
{
	struct counted *c = userdata;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };

	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	c->calls++;
	c->seq = info.seq;
	return 0;
}

static int on_snap_fail(struct joulestat *js, struct joulestat_snapshot *s, void *userdata)
{
	return -ECANCELED;
}

static void test_fd_and_dispatch(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct counted c = { 0 };
	struct pollfd p;
	int fd;

	fx_init(&f);
	o = fx_opts(&f);
	o.interval_ms = 20;
	js = fx_monitor(&f, &o);
	assert_int_equal(joulestat_dispatch(js, on_snap, &c), -EINVAL); /* no fd yet */
	fd = joulestat_fd(js);
	assert_true(fd >= 0);
	assert_int_equal(joulestat_fd(js), fd);
	/* Not due yet: nothing happens, nothing blocks. */
	assert_int_equal(joulestat_dispatch(js, on_snap, &c), 0);
	assert_int_equal(c.calls, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	fx_write(&f);
	assert_int_equal(joulestat_dispatch(js, on_snap, &c), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.seq, 1);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(joulestat_dispatch(js, on_snap_fail, NULL), -ECANCELED);
	joulestat_free(js);
	fx_done(&f);
}

/*
 * The /proc collector's samples with syscall counts, as the eBPF collector
 * gives them with --syscalls (on each process's main thread): pid × 1000
 * per interval. Installed as the active eBPF collector.
 */
static const struct activity_ops *real_ops;
static struct activity_task counted_tasks[16];

static int counted_sample(void *state, struct activity_sample *ret)
{
	int r = real_ops->sample(state, ret);

	if (r < 0)
		return r;
	assert_true(ret->ntasks <= ARRAY_SIZE(counted_tasks));
	memcpy(counted_tasks, ret->tasks, ret->ntasks * sizeof(*ret->tasks));
	for (size_t i = 0; i < ret->ntasks; i++)
		counted_tasks[i].syscalls = counted_tasks[i].key.tid == counted_tasks[i].key.tgid
						    ? counted_tasks[i].key.tgid * 1000ULL
						    : 0;
	ret->tasks = counted_tasks;
	return 0;
}

static void counted_close(void *state)
{
	real_ops->close(state);
}

static const struct activity_ops counted_ops = {
	.name = "ebpf", .sample = counted_sample, .close = counted_close,
};

/* Syscalls per task reach every grouping's rows and the cumulative tables. */
static void test_syscalls_per_group(void **state)
{
	struct fx f;
	struct joulestat_opts o;
	struct joulestat *js;
	struct joulestat_snapshot *s1, *s2;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_task t = { .sz = sizeof(t) };
	struct joulestat_row r;

	fx_init(&f);
	o = fx_opts(&f);
	/* Not asked for: not counted. */
	js = fx_monitor(&f, &o);
	s1 = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s1, &info), 0);
	assert_false(info.syscalls_counted);
	assert_int_equal(info.syscalls, 0);
	joulestat_snapshot_free(s1);
	joulestat_free(js);

	o.syscalls = true;
	js = fx_monitor(&f, &o);
	real_ops = js->activity.c[ACTIVITY_PROC].ops;
	js->activity.c[ACTIVITY_EBPF].ops = &counted_ops;
	js->activity.active = ACTIVITY_EBPF;
	s1 = fx_sample(&f, js);
	s2 = fx_sample(&f, js);
	assert_int_equal(joulestat_snapshot_get(s2, &info), 0);
	assert_true(info.syscalls_counted);
	assert_int_equal(info.syscalls, 1000000);
	for (size_t i = 0; i < info.ntasks; i++) {
		assert_int_equal(joulestat_snapshot_task_get(s2, i, &t), 0);
		assert_int_equal(t.syscalls, t.tid == t.pid ? t.pid * 1000ULL : 0);
	}
	r = row_where(s2, JOULESTAT_GROUP_PROCESS, 100, NULL);
	assert_int_equal(r.syscalls, 100000);
	assert_int_equal(r.cumulative_syscalls, 200000);
	r = row_where(s2, JOULESTAT_GROUP_THREAD, 101, NULL);
	assert_int_equal(r.syscalls, 0);
	r = row_where(s2, JOULESTAT_GROUP_THREAD, 400, NULL);
	assert_int_equal(r.syscalls, 400000);
	r = row_where(s2, JOULESTAT_GROUP_COMM, -1, "gamma");
	assert_int_equal(r.syscalls, 300000);
	assert_int_equal(r.cumulative_syscalls, 600000);
	r = row_where(s2, JOULESTAT_GROUP_USER, -1, NULL);
	assert_int_equal(r.syscalls, 1000000);
	assert_int_equal(r.cumulative_syscalls, 2000000);
	for (int g = JOULESTAT_GROUP_CGROUP; g <= JOULESTAT_GROUP_CONTAINER; g++) {
		int n = joulestat_snapshot_row_count(s2, g);

		if (g == JOULESTAT_GROUP_USER)
			continue;
		assert_true(n > 0);
		for (int i = 0; i < n; i++) {
			r = (struct joulestat_row){ .sz = sizeof(r) };
			assert_int_equal(joulestat_snapshot_row_get(s2, g, (size_t)i, &r), 0);
			if (strcmp(r.unit, "alpha.service") == 0 ||
			    strcmp(r.cgroup, "/system.slice/alpha.service") == 0)
				assert_int_equal(r.syscalls, 100000);
			else if (strcmp(r.container, CID) == 0)
				/* beta and gamma */
				assert_int_equal(r.syscalls, 500000);
			else if (g == JOULESTAT_GROUP_CONTAINER)
				/* alpha and delta, in no container */
				assert_int_equal(r.syscalls, 500000);
			else
				/* /user.slice: delta */
				assert_int_equal(r.syscalls, 400000);
			assert_int_equal(r.cumulative_syscalls, 2 * r.syscalls);
		}
	}
	/* The first snapshot is immutable: one interval's worth. */
	r = row_where(s1, JOULESTAT_GROUP_PROCESS, 400, NULL);
	assert_int_equal(r.cumulative_syscalls, 400000);
	/* A caller built before the field: its struct ends before it, and is refused nothing. */
	r = (struct joulestat_row){ .sz = offsetof(struct joulestat_row, syscalls) };
	assert_int_equal(joulestat_snapshot_row_get(s2, JOULESTAT_GROUP_PROCESS, 0, &r), 0);
	assert_int_equal(r.syscalls, 0);
	joulestat_snapshot_free(s1);
	joulestat_snapshot_free(s2);
	joulestat_free(js);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_split),
		cmocka_unit_test(test_groups_add_up),
		cmocka_unit_test(test_cumulative_and_pid_queries),
		cmocka_unit_test(test_process_meter_replaces_share),
		cmocka_unit_test(test_syscalls_per_group),
		cmocka_unit_test(test_last_snapshot_released_or_kept),
		cmocka_unit_test(test_tree_follows_descendants),
		cmocka_unit_test(test_tree_remove),
		cmocka_unit_test(test_pid_queries_while_sampling),
		cmocka_unit_test(test_daemon_modes_without_daemon),
		cmocka_unit_test(test_policies_and_baseline),
		cmocka_unit_test(test_baseline_without_static_power_refused),
		cmocka_unit_test(test_baseline_falls_back_to_the_model),
		cmocka_unit_test(test_refused_reading_is_a_gap),
		cmocka_unit_test(test_vm_grouping),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_accessor_contract),
		cmocka_unit_test(test_fd_and_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
