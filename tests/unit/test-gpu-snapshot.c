/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-gpu-snapshot.c - GPU energy through the public API end to end: an
 * NVIDIA GPU (the NVML double) and an Intel discrete GPU on xe (the
 * gpu-intel fixture) in one monitor, the /proc collector over the same
 * tree, and snapshots whose GPU domains are split by GPU activity onto the
 * processes' rows. Every interval the test advances:
 *   NVML gpu0: +20 J on the energy counter, one sample of pid 2200 at 40 % SM;
 *   xe gpu1:   +10 J on energy1_input; rcs cycles +300 M (2200) and +100 M
 *              (2300, a client without drm-client-id) of 1 000 M elapsed.
 * So gpu0's 20 J go to 2200 alone, gpu1's 10 J split 3:1 (7.5 J, 2.5 J):
 * no idle power is known yet (every interval had a process).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "joulestat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct fx {
	char *dir;
	char sys[4096], proc[4096], script[4096];
	unsigned step;
};

static const unsigned pids[] = {2200, 2300};

static void fx_write(struct fx *f)
{
	unsigned s = f->step;

	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "proc/%u/task/%u/schedstat", pids[i], pids[i]);
		tu_writef(f->dir, rel, "%llu 0 10\n", 1000000000ULL * s);
	}
	tu_writef(f->dir, "proc/uptime", "%u.00 100.00\n", 1000 + s);
	tu_writef(f->dir, "sys/class/drm/card1/device/hwmon/hwmon4/energy1_input", "%llu\n",
		  123456789ULL + 10000000ULL * s);
	tu_writef(f->dir, "proc/2200/fdinfo/7",
		  "drm-driver:\txe\ndrm-client-id:\t31\ndrm-pdev:\t0000:03:00.0\n"
		  "drm-cycles-rcs:\t%llu\ndrm-total-cycles-rcs:\t%llu\n",
		  300000000ULL * s, 1000000000ULL * s);
	tu_writef(f->dir, "proc/2300/fdinfo/5",
		  "drm-driver:\txe\ndrm-pdev:\t0000:03:00.0\n"
		  "drm-cycles-rcs:\t%llu\ndrm-total-cycles-rcs:\t%llu\n",
		  100000000ULL * s, 1000000000ULL * s);
	tu_writef(f->dir, "nvml.script",
		  "dev 0 name NVIDIA H100 80GB HBM3\ndev 0 uuid GPU-5c1ab6b8\n"
		  "dev 0 pci 00000000:01:00.0\ndev 0 energy_mj %llu\ndev 0 util 40 5\n"
		  "dev 0 compute 2200 1073741824\ndev 0 sample 2200 %u 40 5\n",
		  1000000ULL + 20000ULL * s, 5000 + s);
	f->step++;
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->dir = tu_copy_fixture("gpu-intel");
	tu_write(f->dir, "proc/stat",
		 "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n"
		 "intr 0\nctxt 1\nbtime 1795846000\nprocesses 500\nprocs_running 1\n"
		 "procs_blocked 0\n");
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		static const char *const comms[] = {"gst-launch-1.0", "xe-test"};
		char rel[128];

		snprintf(rel, sizeof(rel), "proc/%u/task/%u/stat", pids[i], pids[i]);
		tu_writef(
		    f->dir, rel,
		    "%u (%s) S 1 %u %u 0 -1 4194304 100 0 0 0 10 5 0 0 20 0 1 0 %u 46882816 "
		    "3891 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 %zu 0 0 0 0 0 "
		    "0 0 0 0 0 0 0 0 0\n",
		    pids[i], comms[i], pids[i], pids[i], 5000 + pids[i], i);
		snprintf(rel, sizeof(rel), "proc/%u/stat", pids[i]);
		tu_writef(
		    f->dir, rel,
		    "%u (%s) S 1 %u %u 0 -1 4194304 100 0 0 0 10 5 0 0 20 0 1 0 %u 46882816 "
		    "3891 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 %zu 0 0 0 0 0 "
		    "0 0 0 0 0 0 0 0 0\n",
		    pids[i], comms[i], pids[i], pids[i], 5000 + pids[i], i);
		snprintf(rel, sizeof(rel), "proc/%u/statm", pids[i]);
		tu_write(f->dir, rel, "100 40 10 5 0 30 0\n");
		snprintf(rel, sizeof(rel), "proc/%u/cgroup", pids[i]);
		tu_write(f->dir, rel, "0::/user.slice\n");
	}
	fx_write(f);
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->dir);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	snprintf(f->script, sizeof(f->script), "%s/nvml.script", f->dir);
	setenv("JOULESTAT_NVML_LIB", getenv("JOULESTAT_NVML_DOUBLE"), 1);
	setenv("JOULESTAT_NVML_SCRIPT", f->script, 1);
}

static struct joulestat *fx_monitor(struct fx *f)
{
	struct joulestat_opts o = {.sz = sizeof(o)};
	struct joulestat *js = NULL;
	int r;

	o.sysfs_root = f->sys;
	o.procfs_root = f->proc;
	o.dev_root = "/nonexistent";
	o.sources = "nvml,drm";
	o.activity = "proc";
	r = joulestat_new(&o, &js);
	if (r < 0)
		fail_msg("joulestat_new: %s", strerror(-r));
	return js;
}

static struct joulestat_snapshot_domain dom(const struct joulestat_snapshot *s, const char *name,
					    size_t *ret_idx)
{
	struct joulestat_snapshot_info info = {.sz = sizeof(info)};

	assert_int_equal(joulestat_snapshot_get(s, &info), 0);
	for (size_t i = 0; i < info.ndomains; i++) {
		struct joulestat_snapshot_domain d = {.sz = sizeof(d)};

		assert_int_equal(joulestat_snapshot_domain_get(s, i, &d), 0);
		if (strcmp(d.name, name) == 0) {
			*ret_idx = i;
			return d;
		}
	}
	fail_msg("no domain %s", name);
	return (struct joulestat_snapshot_domain){0};
}

static struct joulestat_row proc_row(const struct joulestat_snapshot *s, int pid)
{
	int n = joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS);

	for (int i = 0; i < n; i++) {
		struct joulestat_row r = {.sz = sizeof(r)};

		assert_int_equal(
		    joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, (size_t)i, &r), 0);
		if (r.pid == pid)
			return r;
	}
	fail_msg("no process row for %d", pid);
	return (struct joulestat_row){0};
}

static void check_interval(const struct joulestat_snapshot *s)
{
	struct joulestat_snapshot_domain g0, g1;
	struct joulestat_row a, b;
	size_t i0, i1;

	g0 = dom(s, "gpu0", &i0);
	g1 = dom(s, "gpu1", &i1);
	assert_string_equal(g0.source, "nvml");
	assert_string_equal(g1.source, "drm");
	assert_int_equal(g0.kind, JOULESTAT_DOMAIN_GPU);
	assert_false(g0.in_host_total);
	assert_int_equal(g0.delta_uj, 20000000);
	assert_int_equal(g1.delta_uj, 10000000);
	assert_string_equal(g0.status, "gpu-busy");
	assert_string_equal(g1.status, "gpu-busy");
	assert_true(g0.sampled);
	assert_false(g1.sampled);
	assert_int_equal(g0.tasks_uj, 20000000);
	assert_int_equal(g1.delta_uj, g1.tasks_uj + g1.idle_uj + g1.unattributed_uj);
	assert_int_equal(g1.tasks_uj, 10000000);
	a = proc_row(s, 2200);
	b = proc_row(s, 2300);
	assert_string_equal(a.comm, "gst-launch-1.0");
	assert_int_equal(a.domain_energy_uj[i0], 20000000);
	assert_int_equal(b.domain_energy_uj[i0], 0);
	/*
	 * 3:1 of 10 J. xe's cycles become busy ns of the (real, here very
	 * short) interval, floored to the ns: within 0.1 %.
	 */
	assert_true(a.domain_energy_uj[i1] >= 7490000 && a.domain_energy_uj[i1] <= 7510000);
	assert_int_equal(a.domain_energy_uj[i1] + b.domain_energy_uj[i1], 10000000);
}

static void test_gpu_rows(void **state)
{
	struct fx f;
	struct joulestat *js;
	struct joulestat_snapshot *s = NULL;
	struct joulestat_gpu_info gi = {.sz = sizeof(gi)};
	struct joulestat_gpu_process gp = {.sz = sizeof(gp)};

	fx_init(&f);
	js = fx_monitor(&f);
	assert_int_equal(joulestat_gpu_count(js), 2);
	for (int k = 0; k < 2; k++) {
		fx_write(&f);
		assert_int_equal(joulestat_sample(js, &s), 0);
		check_interval(s);
		joulestat_snapshot_free(s);
	}
	/* The device view of the same last interval. */
	assert_int_equal(joulestat_gpu_get(js, 0, &gi), 0);
	assert_string_equal(gi.domain, "gpu0");
	assert_string_equal(gi.source, "nvml");
	assert_string_equal(gi.name, "NVIDIA H100 80GB HBM3");
	assert_string_equal(gi.split, "busy");
	assert_int_equal(gi.delta_uj, 20000000);
	assert_int_equal(gi.nprocs, 1);
	assert_int_equal(joulestat_gpu_process_get(js, 0, 0, &gp), 0);
	assert_int_equal(gp.pid, 2200);
	assert_int_equal(gp.sm_pct, 40);
	assert_int_equal(gp.energy_uj, 20000000);
	assert_int_equal(gp.vram_bytes, 1073741824);
	assert_int_equal(joulestat_gpu_process_get(js, 0, 1, &gp), -ERANGE);
	assert_int_equal(joulestat_gpu_get(js, 1, &gi), 0);
	assert_string_equal(gi.driver, "xe");
	assert_string_equal(gi.pci, "0000:03:00.0");
	assert_int_equal(gi.nprocs, 2);
	assert_int_equal(joulestat_gpu_get(js, 2, &gi), -ERANGE);
	gi.sz = 8;
	assert_int_equal(joulestat_gpu_get(js, 0, &gi), -EINVAL);
	joulestat_free(js);
	tu_rm_rf(f.dir);
	free(f.dir);
}

static void test_baseline_idle_for_gpu(void **state)
{
	struct fx f;
	struct joulestat *js;
	struct joulestat_snapshot *s = NULL;
	struct joulestat_snapshot_domain g1;
	struct joulestat_opts o = {.sz = sizeof(o)};
	/* A configured idle power for the xe GPU (gpu1): 2 W. */
	struct joulestat_static_power sp[] = {{"gpu1", 2000}};
	size_t i1;

	fx_init(&f);
	o.sysfs_root = f.sys;
	o.procfs_root = f.proc;
	o.dev_root = "/nonexistent";
	o.sources = "nvml,drm";
	o.activity = "proc";
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	o.static_power = sp;
	o.nstatic_power = 1;
	assert_int_equal(joulestat_new(&o, &js), 0);
	fx_write(&f);
	assert_int_equal(joulestat_sample(js, &s), 0);
	g1 = dom(s, "gpu1", &i1);
	/*
	 * Idle is 2 W × the snapshot's interval (its activity clock: the fixture's
	 * uptime, 1 s per step), capped at ΔE; the rest still splits 3:1.
	 */
	assert_int_equal(g1.idle_uj, 2000000);
	assert_int_equal(g1.tasks_uj, 8000000);
	assert_int_equal(g1.unattributed_uj, 0);
	joulestat_snapshot_free(s);
	joulestat_free(js);
	tu_rm_rf(f.dir);
	free(f.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gpu_rows),
	    cmocka_unit_test(test_baseline_idle_for_gpu),
	};

	if (!getenv("JOULESTAT_NVML_DOUBLE")) {
		fprintf(stderr, "JOULESTAT_NVML_DOUBLE is not set (run through meson test)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
