/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-resources.c - the resource collector over the res-laptop fixture: the
 * machine's figures, rates between two samples with a known interval, the
 * process tree and its threads, bad files, and the public calls.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "resources.h"

#define SEC 1000000000ULL

struct logbuf {
	char text[8192];
};

static void log_cb(enum joulestat_log_level level, const char *msg, void *userdata)
{
	struct logbuf *lb = userdata;

	strncat(lb->text, msg, sizeof(lb->text) - strlen(lb->text) - 2);
	strcat(lb->text, "\n");
}

static struct res_collector *open_rc(const char *root, uint32_t pid, struct logbuf *lb)
{
	char sys[1024], proc[1024];
	struct res_collector *rc;
	struct logger lg = { log_cb, lb, JOULESTAT_LOG_DEBUG };
	struct fsroot fs;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	assert_int_equal(fsroot_init(&fs, sys, proc, NULL), 0);
	assert_int_equal(res_new(&fs, &lg, pid, &rc), 0);
	fsroot_done(&fs);
	return rc;
}

static const struct res_thread *thread(const struct res_collector *rc, uint32_t tid)
{
	for (size_t i = 0; i < rc->nthreads; i++)
		if (rc->threads[i].tid == tid)
			return &rc->threads[i];
	return NULL;
}

static void test_system_first(void **state)
{
	char *dir = tu_copy_fixture("res-laptop");
	struct logbuf lb = { "" };
	struct res_collector *rc = open_rc(dir, 0, &lb);
	const struct res_system *s = &rc->sys;

	assert_int_equal(res_sample(rc, 5 * SEC), 0);
	assert_int_equal(s->interval_ns, 0);
	assert_int_equal(s->ncpus, 2);
	assert_int_equal(s->busy_ticks, 0); /* a baseline, no rate yet */
	assert_int_equal(s->cpus[0].freq_khz, 2400000);
	assert_int_equal(s->cpus[1].freq_khz, 800000);
	/* Thermal zones by type, hwmon by chip and label; temp*_crit/min are not readings. */
	assert_int_equal(s->ntemps, 5);
	assert_string_equal(s->temps[0].name, "thermal_zone0 x86_pkg_temp");
	assert_int_equal(s->temps[0].mc, 45000);
	assert_string_equal(s->temps[1].name, "thermal_zone1 acpitz");
	assert_string_equal(s->temps[2].name, "coretemp Package id 0");
	assert_int_equal(s->temps[2].mc, 46000);
	assert_string_equal(s->temps[3].name, "coretemp Core 0");
	assert_string_equal(s->temps[4].name, "nvme Composite");
	assert_int_equal(s->temps[4].mc, 38850);
	/* Whole disks only: vda and zram0; not vda1 (a partition), not loop*. */
	assert_int_equal(s->ndisks, 2);
	assert_string_equal(s->disks[0].st.name, "vda");
	assert_string_equal(s->disks[1].st.name, "zram0");
	assert_int_equal(s->nnets, 4);
	assert_true(s->have_psi);
	assert_true(s->have_mem);
	assert_int_equal(s->mem.total_bytes, 24684084ULL * 1024);
	assert_string_equal(lb.text, "");
	res_free(rc);
	tu_rm_rf(dir);
	free(dir);
}

static void test_system_rates(void **state)
{
	char *dir = tu_copy_fixture("res-laptop");
	struct logbuf lb = { "" };
	struct res_collector *rc = open_rc(dir, 0, &lb);
	const struct res_system *s = &rc->sys;

	tu_write(dir, "proc/stat",
		 "cpu  100 0 50 800 10 0 0 0 0 0\ncpu0 50 0 25 400 5 0 0 0 0 0\n"
		 "cpu1 50 0 25 400 5 0 0 0 0 0\nintr 1000 0 0\nctxt 5000\nbtime 1\n"
		 "processes 10\nprocs_running 3\nprocs_blocked 1\n");
	tu_write(dir, "proc/diskstats",
		 " 254 0 vda 10 0 2000 0 20 0 4000 0 0 100 0 0 0 0 0 0 0\n");
	tu_write(dir, "proc/pressure/io",
		 "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n"
		 "full avg10=0.00 avg60=0.00 avg300=0.00 total=500\n");
	assert_int_equal(res_sample(rc, 10 * SEC), 0);
	/* Half a second later: CPU 0 busy 40 of 50 ticks, CPU 1 idle. */
	tu_write(dir, "proc/stat",
		 "cpu  140 0 60 850 10 0 0 0 0 0\ncpu0 80 0 35 410 5 0 0 0 0 0\n"
		 "cpu1 60 0 25 440 5 0 0 0 0 0\nintr 1600 0 0\nctxt 7000\nbtime 1\n"
		 "processes 12\nprocs_running 2\nprocs_blocked 0\n");
	tu_write(dir, "proc/diskstats",
		 " 254 0 vda 12 0 3000 0 30 0 8000 0 0 350 0 0 0 0 0 0 0\n");
	tu_write(dir, "proc/pressure/io",
		 "some avg10=0.00 avg60=0.00 avg300=0.00 total=101000\n"
		 "full avg10=0.00 avg60=0.00 avg300=0.00 total=50500\n");
	assert_int_equal(res_sample(rc, 10 * SEC + SEC / 2), 0);
	assert_int_equal(s->interval_ns, SEC / 2);
	assert_int_equal(s->busy_ticks, 50);
	assert_int_equal(s->total_ticks, 100);
	assert_int_equal(s->cpus[0].busy_ticks, 40);
	assert_int_equal(s->cpus[0].total_ticks, 50);
	assert_int_equal(s->cpus[1].total_ticks, 50);
	assert_int_equal(s->cpus[1].busy_ticks, 10);
	assert_int_equal(s->ctxt, 2000);
	assert_int_equal(s->intr, 600);
	assert_int_equal(s->stat.procs_running, 2);
	assert_int_equal(s->ndisks, 1);
	assert_int_equal(s->disks[0].read_bytes, 1000 * 512);
	assert_int_equal(s->disks[0].write_bytes, 4000 * 512);
	assert_int_equal(s->disks[0].io_ms, 250);
	assert_int_equal(s->psi_some_us[RES_PSI_IO], 100000);
	assert_int_equal(s->psi_full_us[RES_PSI_IO], 50000);
	res_free(rc);
	tu_rm_rf(dir);
	free(dir);
}

static void test_tree(void **state)
{
	char path[1024];
	char *dir = tu_copy_fixture("res-laptop");
	struct logbuf lb = { "" };
	struct res_collector *rc = open_rc(dir, 4000, &lb);
	const struct res_thread *t;

	assert_int_equal(res_sample(rc, SEC), 0);
	/* make (4000) → cc1 (4001: threads 4001, 4002) → as (4200); sshd (4100) is not ours. */
	assert_int_equal(rc->ntree, 3);
	assert_int_equal(rc->nthreads, 4);
	assert_null(thread(rc, 4100));
	t = thread(rc, 4002);
	assert_non_null(t);
	assert_int_equal(t->tgid, 4001);
	assert_string_equal(t->name, "worker");
	assert_int_equal(t->oncpu_ns, 1200000000);
	assert_int_equal(t->wait_ns, 30000000);
	assert_int_equal(t->utime_ticks, 100);
	assert_int_equal(t->minflt, 1000);
	assert_int_equal(t->vol_ctxt, 5000);
	assert_int_equal(t->write_bytes, 1048576);
	assert_int_equal(t->rss_bytes, 204800ULL * 1024);
	assert_int_equal(t->d_oncpu_ns, 0);
	t = thread(rc, 4200);
	assert_non_null(t);
	assert_int_equal(t->state, 'D');
	assert_int_equal(t->majflt, 1);

	/* The worker runs 100 ms more and switches 50 times; a new grandchild appears. */
	tu_write(dir, "proc/4001/task/4002/schedstat", "1300000000 30500000 350\n");
	tu_writef(dir, "proc/4001/task/4002/status",
		  "Name:\tworker\nState:\tR (running)\nTgid:\t4001\nPid:\t4002\nPPid:\t4000\n"
		  "VmSize:\t  409600 kB\nVmRSS:\t  205000 kB\nThreads:\t2\n"
		  "voluntary_ctxt_switches:\t5050\nnonvoluntary_ctxt_switches:\t20\n");
	tu_write(dir, "proc/4300/stat",
		 "4300 (ld) R 4200 4300 31196 0 -1 4194304 10 0 0 0 1 0 0 0 20 0 1 0 463300 "
		 "2990080 424 18446744073709551615 1 1 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 "
		 "0 0 0 0\n");
	tu_write(dir, "proc/4300/task/4300/stat",
		 "4300 (ld) R 4200 4300 31196 0 -1 4194304 10 0 0 0 1 0 0 0 20 0 1 0 463300 "
		 "2990080 424 18446744073709551615 1 1 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 "
		 "0 0 0 0\n");
	tu_write(dir, "proc/4300/task/4300/schedstat", "5000000 0 1\n");
	tu_write(dir, "proc/4300/task/4300/status",
		 "Name:\tld\nState:\tR (running)\nTgid:\t4300\nPid:\t4300\nPPid:\t4200\n");
	/* The fork counter moved: the tree is listed again. No io file for ld: its I/O is 0. */
	tu_write(dir, "proc/stat",
		 "cpu  100 0 50 800 10 0 0 0 0 0\ncpu0 50 0 25 400 5 0 0 0 0 0\n"
		 "cpu1 50 0 25 400 5 0 0 0 0 0\nintr 1000 0 0\nctxt 5000\nprocesses 99999\n");
	assert_int_equal(res_sample(rc, SEC + SEC / 10), 0);
	assert_int_equal(rc->ntree, 4);
	assert_int_equal(rc->nthreads, 5);
	t = thread(rc, 4002);
	assert_int_equal(t->d_oncpu_ns, 100000000);
	assert_int_equal(t->d_wait_ns, 500000);
	assert_int_equal(t->d_vol_ctxt, 50);
	assert_int_equal(t->state, 'S'); /* from stat, unchanged */
	t = thread(rc, 4300);
	assert_non_null(t);
	/* Born after the first sample: all its time is this interval's. */
	assert_int_equal(t->d_oncpu_ns, 5000000);
	assert_int_equal(t->d_utime_ticks, 1);
	assert_int_equal(t->read_bytes, 0);
	/* Threads that did not run keep their counters, with nothing over the interval. */
	t = thread(rc, 4001);
	assert_int_equal(t->d_oncpu_ns, 0);
	assert_int_equal(t->oncpu_ns, 3400000000ULL);
	/* The worker's status gave its process's new RSS to both of its threads. */
	assert_int_equal(t->rss_bytes, 205000ULL * 1024);

	/* cc1 exits: its threads leave the list; the tree keeps the rest. */
	snprintf(path, sizeof(path), "%s/proc/4001", dir);
	tu_rm_rf(path);
	assert_int_equal(res_sample(rc, SEC + SEC / 5), 0);
	assert_int_equal(rc->nthreads, 3);
	assert_null(thread(rc, 4002));
	assert_non_null(thread(rc, 4200));
	res_free(rc);
	tu_rm_rf(dir);
	free(dir);
}

static void test_bad_files(void **state)
{
	char path[1024];
	char *dir = tu_copy_fixture("res-laptop");
	struct logbuf lb = { "" };
	struct res_collector *rc = open_rc(dir, 0, &lb);

	/* Optional files: logged once with their path, the rest still sampled. */
	tu_write(dir, "proc/meminfo", "MemTotal: lots\n");
	tu_write(dir, "proc/net/dev", "eth0: 1 2 3\n");
	tu_write(dir, "proc/pressure/cpu", "some avg10=x\n");
	assert_int_equal(res_sample(rc, SEC), 0);
	assert_false(rc->sys.have_mem);
	assert_int_equal(rc->sys.nnets, 0);
	assert_false(rc->sys.have_psi);
	assert_int_equal(rc->sys.ndisks, 2);
	assert_non_null(strstr(lb.text, "/proc/meminfo: not in the kernel's format (malformed); "
					"memory figures are left out"));
	assert_non_null(strstr(lb.text, "/proc/net/dev: not in the kernel's format"));
	assert_non_null(strstr(lb.text, "/proc/pressure/cpu: not in the kernel's format"));
	lb.text[0] = '\0';
	assert_int_equal(res_sample(rc, 2 * SEC), 0);
	assert_string_equal(lb.text, ""); /* once */

	/* /proc/stat is required: its absence or corruption fails the sample, named. */
	tu_write(dir, "proc/stat", "cpu 1 2\n");
	assert_int_equal(res_sample(rc, 3 * SEC), -EINVAL);
	assert_non_null(strstr(lb.text, "/proc/stat: not in the kernel's /proc/stat format"));
	res_free(rc);

	/* No PSI, no cpufreq, no thermal: simply absent. */
	snprintf(path, sizeof(path), "%s/proc/pressure", dir);
	tu_rm_rf(path);
	snprintf(path, sizeof(path), "%s/sys", dir);
	tu_rm_rf(path);
	snprintf(path, sizeof(path), "%s/proc/stat", dir);
	tu_rm_rf(path);
	lb.text[0] = '\0';
	rc = open_rc(dir, 0, &lb);
	assert_int_equal(res_sample(rc, SEC), -ENOENT);
	assert_non_null(strstr(lb.text, "/proc/stat: No such file or directory"));
	tu_write(dir, "proc/stat", "cpu 1 2 3 4\ncpu0 1 2 3 4\nctxt 1\nintr 1\n");
	assert_int_equal(res_sample(rc, SEC), 0);
	assert_false(rc->sys.have_psi);
	assert_true(rc->psi_off);
	assert_true(rc->freq_off);
	assert_int_equal(rc->sys.ntemps, 0);
	/* Without <sys>/block every device but loop and ram counts: vda1 too. */
	assert_int_equal(rc->sys.ndisks, 3);
	res_free(rc);
	tu_rm_rf(dir);
	free(dir);
}

static void test_public(void **state)
{
	char sys[1024], proc[1024];
	struct joulestat_resources_opts o = { .sz = sizeof(o) };
	struct joulestat_resources *r = NULL;
	struct joulestat_system_resources si = { .sz = sizeof(si) };
	struct joulestat_cpu_resources ci = { .sz = sizeof(ci) };
	struct joulestat_temp_resources ti = { .sz = sizeof(ti) };
	struct joulestat_disk_resources di = { .sz = sizeof(di) };
	struct joulestat_net_resources ni = { .sz = sizeof(ni) };
	struct joulestat_thread_resources th = { .sz = sizeof(th) };

	snprintf(sys, sizeof(sys), "%s/sys", tu_data("res-laptop"));
	snprintf(proc, sizeof(proc), "%s/proc", tu_data("res-laptop"));
	o.sysfs_root = sys;
	o.procfs_root = proc;
	o.pid = 4001;
	assert_int_equal(joulestat_resources_new(NULL, &r), -EINVAL);
	o.sz = 4;
	assert_int_equal(joulestat_resources_new(&o, &r), -EINVAL);
	o.sz = sizeof(o);
	o.pid = -1;
	assert_int_equal(joulestat_resources_new(&o, &r), -EINVAL);
	o.pid = 4001;
	assert_int_equal(joulestat_resources_new(&o, &r), 0);
	assert_int_equal(joulestat_resources_system(r, &si), -ENODATA);
	assert_int_equal(joulestat_resources_sample(r), 0);
	assert_int_equal(joulestat_resources_system(r, &si), 0);
	assert_int_equal(si.ncpus, 2);
	assert_int_equal(si.ndisks, 2);
	assert_int_equal(si.ntemps, 5);
	assert_true(si.has_psi);
	assert_true(fabs(si.load[0] - 1.91) < 1e-9 && fabs(si.load[2] - 3.25) < 1e-9);
	assert_int_equal(joulestat_resources_cpu(r, 0, &ci), 0);
	assert_int_equal(ci.freq_khz, 2400000);
	assert_true(ci.online);
	assert_int_equal(joulestat_resources_cpu(r, 2, &ci), -ERANGE);
	assert_int_equal(joulestat_resources_temp(r, 4, &ti), 0);
	assert_string_equal(ti.name, "nvme Composite");
	assert_true(fabs(ti.celsius - 38.85) < 1e-9);
	assert_int_equal(joulestat_resources_disk(r, 0, &di), 0);
	assert_string_equal(di.name, "vda");
	assert_int_equal(di.read_bytes, 3232474ULL * 512);
	assert_int_equal(joulestat_resources_net(r, 3, &ni), 0);
	assert_string_equal(ni.name, "eth0");
	assert_int_equal(joulestat_resources_net(r, 4, &ni), -ERANGE);
	/* Following cc1: its two threads and its child, not its parent. */
	assert_int_equal(joulestat_resources_thread_count(r), 3);
	assert_int_equal(joulestat_resources_thread(r, 1, &th), 0);
	assert_int_equal(th.tid, 4002);
	assert_int_equal(th.pid, 4001);
	assert_string_equal(th.name, "worker");
	assert_int_equal(th.user_ns, 100 * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK)));
	assert_int_equal(th.voluntary_switches, 5000);
	th.sz = 8;
	assert_int_equal(joulestat_resources_thread(r, 0, &th), -EINVAL);
	assert_null(joulestat_resources_free(r));
	assert_null(joulestat_resources_free(NULL));
}

/* As nobody over a tree whose meminfo, then stat, is unreadable: 0 when all is as it should be. */
static int denied_body(void *arg)
{
	const char *dir = arg;
	char sys[1024], proc[1024], path[1100];
	struct logbuf lb = { "" };
	struct logger lg = { log_cb, &lb, JOULESTAT_LOG_DEBUG };
	struct res_collector *rc;
	struct fsroot fs;

	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	if (fsroot_init(&fs, sys, proc, NULL) < 0 || res_new(&fs, &lg, 0, &rc) < 0)
		return 10;
	fsroot_done(&fs);
	if (res_sample(rc, SEC) != 0)
		return 11;
	if (rc->sys.have_mem || rc->sys.ndisks != 2 || !rc->sys.have_psi)
		return 12;
	snprintf(path, sizeof(path), "%s/proc/meminfo: Permission denied (unreadable); memory "
				     "figures are left out", dir);
	if (!strstr(lb.text, path)) {
		fprintf(stderr, "log: %s\n", lb.text);
		return 13;
	}
	res_free(rc);
	return 0;
}

static int denied_stat_body(void *arg)
{
	const char *dir = arg;
	char sys[1024], proc[1024];
	struct logbuf lb = { "" };
	struct logger lg = { log_cb, &lb, JOULESTAT_LOG_DEBUG };
	struct res_collector *rc;
	struct fsroot fs;
	int r;

	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	if (fsroot_init(&fs, sys, proc, NULL) < 0 || res_new(&fs, &lg, 0, &rc) < 0)
		return 10;
	fsroot_done(&fs);
	r = res_sample(rc, SEC);
	res_free(rc);
	if (r != -EACCES)
		return 14;
	return strstr(lb.text, "/proc/stat: Permission denied") ? 0 : 15;
}

static void test_permission_denied(void **state)
{
	char *dir = tu_copy_fixture("res-laptop");

	tu_readable_by_all(dir);
	tu_chmod(dir, "proc/meminfo", 0);
	assert_int_equal(tu_as_nobody(denied_body, dir), 0);
	tu_chmod(dir, "proc/stat", 0);
	assert_int_equal(tu_as_nobody(denied_stat_body, dir), 0);
	tu_rm_rf(dir);
	free(dir);
}

/* Snapshots carry the machine's resources once asked to, and keep them past the monitor. */
static void test_snapshot_carries(void **state)
{
	struct joulestat_opts o = { .sz = sizeof(o), .sources = "model", .activity = "proc" };
	struct joulestat_system_resources si = { .sz = sizeof(si) };
	struct joulestat_cpu_resources ci = { .sz = sizeof(ci) };
	struct joulestat_disk_resources di = { .sz = sizeof(di) };
	struct joulestat_snapshot *a = NULL, *b = NULL;
	struct joulestat *js = NULL;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	assert_int_equal(joulestat_new(&o, &js), 0);
	assert_int_equal(joulestat_sample(js, &a), 0);
	assert_int_equal(joulestat_snapshot_resources(a, &si), -ENODATA);
	assert_int_equal(joulestat_snapshot_resources_cpu(a, 0, &ci), -ENODATA);
	assert_int_equal(joulestat_set_resources(NULL, true), -EINVAL);
	assert_int_equal(joulestat_set_resources(js, true), 0);
	assert_int_equal(joulestat_set_resources(js, true), 0); /* idempotent */
	usleep(20000);
	assert_int_equal(joulestat_sample(js, &b), 0);
	js = joulestat_free(js);
	/* b outlives the monitor, with everything it carries. */
	assert_int_equal(joulestat_snapshot_resources(b, &si), 0);
	assert_true(si.interval_ns >= 20000000ULL);
	assert_true(si.ncpus >= (unsigned)ncpus);
	assert_true(si.mem_total_bytes > 0 && si.mem_available_bytes <= si.mem_total_bytes);
	assert_true(si.cpu_usage_pct >= 0 && si.cpu_usage_pct <= 100);
	assert_int_equal(joulestat_snapshot_resources_cpu(b, 0, &ci), 0);
	assert_true(ci.online);
	assert_int_equal(joulestat_snapshot_resources_cpu(b, si.ncpus, &ci), -ERANGE);
	if (si.ndisks)
		assert_int_equal(joulestat_snapshot_resources_disk(b, 0, &di), 0);
	assert_int_equal(joulestat_snapshot_resources_disk(b, si.ndisks, &di), -ERANGE);
	si.sz = 3;
	assert_int_equal(joulestat_snapshot_resources(b, &si), -EINVAL);
	joulestat_snapshot_free(a);
	joulestat_snapshot_free(b);
}

/*
 * The since-boot counters exporters need, as res-laptop's files hold them
 * (/proc/stat ctxt and intr, /proc/pressure totals in µs); a caller built
 * with the struct before they existed gets its fields and nothing past them.
 */
static void test_totals_for_exporters(void **state)
{
	struct joulestat_resources_opts o = { .sz = sizeof(o) };
	struct joulestat_resources *r = NULL;
	struct {
		struct joulestat_system_resources si;
		unsigned char guard[8];
	} old;
	struct joulestat_system_resources si = { .sz = sizeof(si) };
	size_t old_sz = offsetof(struct joulestat_system_resources, ctxt_total);
	char sys[4096], proc[4096];

	snprintf(sys, sizeof(sys), "%s", tu_data("res-laptop/sys"));
	snprintf(proc, sizeof(proc), "%s", tu_data("res-laptop/proc"));
	o.sysfs_root = sys;
	o.procfs_root = proc;
	assert_int_equal(joulestat_resources_new(&o, &r), 0);
	assert_int_equal(joulestat_resources_sample(r), 0);
	assert_int_equal(joulestat_resources_system(r, &si), 0);
	assert_int_equal(si.ctxt_total, 28705636);
	assert_int_equal(si.intr_total, 3324237);
	assert_true(si.has_psi);
	assert_int_equal(si.psi_some_total_us[0], 953246641);
	assert_int_equal(si.psi_some_total_us[1], 11949439);
	assert_int_equal(si.psi_full_total_us[1], 7004732);
	assert_int_equal(si.psi_full_total_us[0], 0);
	assert_int_equal(si.psi_some_total_us[2], 0);

	memset(&old, 0xa5, sizeof(old));
	old.si.sz = old_sz;
	assert_int_equal(joulestat_resources_system(r, &old.si), 0);
	assert_int_equal(old.si.sz, old_sz);
	assert_int_equal(old.si.mem_total_bytes, si.mem_total_bytes);
	for (size_t i = old_sz; i < sizeof(old.si); i++)
		assert_int_equal(((unsigned char *)&old.si)[i], 0xa5);
	old.si.sz = old_sz - 1;
	assert_int_equal(joulestat_resources_system(r, &old.si), -EINVAL);
	joulestat_resources_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_first), cmocka_unit_test(test_system_rates),
		cmocka_unit_test(test_tree),	     cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_public),	     cmocka_unit_test(test_snapshot_carries),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_totals_for_exporters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
