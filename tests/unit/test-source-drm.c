/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-drm.c - the drm source over the GPU fixture trees: cards found
 * by driver and PCI address, the meter chosen (power1_average, power1_input,
 * xe's "card" energy channel), device metrics, per-process GPU energy from
 * DRM fdinfo with exact µJ, cards without a meter and NVIDIA cards named
 * with the reason, malformed files counted and named.
 */
#include "srcenv.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gpu.h"

#define S NSEC_PER_SEC

static const struct gpu_dev *dev_of(struct srcenv *e, size_t idx)
{
	return e->slot.ops->gpu(e->slot.state, idx);
}

static const struct gpu_proc *proc_of(const struct gpu_dev *dev, uint32_t pid)
{
	for (size_t i = 0; i < dev->nprocs; i++)
		if (dev->procs[i].pid == pid)
			return &dev->procs[i];
	return NULL;
}

static void amd_write(const char *dir, const char *rel, unsigned client, const char *pdev,
		      uint64_t gfx, uint64_t compute)
{
	tu_writef(dir, rel,
		  "drm-driver:\tamdgpu\ndrm-client-id:\t%u\ndrm-pdev:\t%s\n"
		  "drm-resident-vram:\t512 MiB\ndrm-engine-gfx:\t%llu ns\n"
		  "drm-engine-compute:\t%llu ns\n",
		  client, pdev, (unsigned long long)gfx, (unsigned long long)compute);
}

/* Blender's one client, as each of its fds and its child's fd show it. */
static void blender_write(const char *dir, uint64_t gfx)
{
	static const char *const fds[] = {"proc/1200/fdinfo/10", "proc/1200/fdinfo/11",
					  "proc/1200/fdinfo/12", "proc/1201/fdinfo/10"};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		amd_write(dir, fds[i], 14, "0000:03:00.0", gfx, 0);
}

static void test_amd_two_gpus(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct srcenv *e = srcenv_new(dir, 0);
	const struct gpu_dev *g0, *g1;
	struct domain *d0, *d1;
	uint64_t t;

	assert_int_equal(srcenv_open(e, &source_drm_ops), 0);
	assert_string_equal(e->reason, "");
	assert_int_equal(e->domains.n, 2);
	d0 = srcenv_find(e, "gpu0");
	d1 = srcenv_find(e, "gpu1");
	assert_non_null(d0);
	assert_non_null(d1);
	assert_int_equal(d0->kind, JOULESTAT_DOMAIN_GPU);
	assert_int_equal(d0->socket, -1);
	assert_int_equal(cpuset_count(&d0->cpus), 0);
	assert_non_null(strstr(d0->path, "/class/drm/card0/device/hwmon/hwmon2/power1_average"));
	/* card1 has no power1_average: power1_input. */
	assert_non_null(strstr(d1->path, "/class/drm/card1/device/hwmon/hwmon3/power1_input"));
	g0 = dev_of(e, 0);
	g1 = dev_of(e, 1);
	assert_null(dev_of(e, 2));
	assert_ptr_equal(g0->d, d0);
	assert_string_equal(g0->driver, "amdgpu");
	assert_string_equal(g0->vendor, "amd");
	assert_string_equal(g0->pci, "0000:03:00.0");
	assert_string_equal(g1->pci, "0000:0a:00.0");
	assert_int_equal(g0->util_pct, 37);
	assert_int_equal(g0->mem_total_bytes, 25753026560ULL);
	assert_int_equal(g0->mem_used_bytes, 4294967296ULL);
	assert_true(g0->has_temp);
	assert_int_equal(g0->temp_c, 45);
	assert_int_equal(g0->sm_clock_mhz, 2100);
	assert_int_equal(g0->mem_clock_mhz, 1249);
	assert_int_equal(g0->power_limit_mw, 303000);
	assert_int_equal(g0->mig, -1);
	assert_false(g0->sampled);
	assert_true(g0->per_process_ok);
	assert_non_null(strstr(g0->energy_from, "power1_average"));
	/* Processes with a client on card0: blender (its child shares the client), ollama. */
	assert_int_equal(g0->nprocs, 2);
	assert_non_null(proc_of(g0, 1200));
	assert_non_null(proc_of(g0, 1300));
	assert_null(proc_of(g0, 1201));
	assert_int_equal(g1->nprocs, 1);

	/* Two seconds: blender 300 ms of gfx, ollama 100 ms on card0 and 50 ms on card1. */
	t = MAX(d0->timestamp_ns, d1->timestamp_ns);
	blender_write(dir, 1300000000);
	amd_write(dir, "proc/1300/fdinfo/20", 21, "0000:03:00.0", 0, 600000000);
	amd_write(dir, "proc/1300/fdinfo/21", 3, "0000:0a:00.0", 0, 300000000);
	assert_int_equal(srcenv_read(e, t + 2 * S), 0);
	/* 45 W and 30 W held for the 2 s (the power files did not change). */
	assert_int_equal(d0->last_delta_uj, mul_div_u64(45000000, d0->last_dt_ns, S));
	/* No idle power known yet: all of it is active, split 300:100 (card0) ... */
	assert_int_equal(g0->ledger.status, GPU_SPLIT_BUSY);
	assert_int_equal(g0->ledger.idle_basis, GPU_IDLE_UNKNOWN);
	assert_int_equal(proc_of(g0, 1200)->busy, 300000000);
	assert_int_equal(proc_of(g0, 1300)->busy, 100000000);
	assert_int_equal(proc_of(g0, 1200)->energy_uj,
			 d0->last_delta_uj - proc_of(g0, 1300)->energy_uj);
	assert_true(proc_of(g0, 1200)->energy_uj >= 3 * proc_of(g0, 1300)->energy_uj - 3 &&
		    proc_of(g0, 1200)->energy_uj <= 3 * proc_of(g0, 1300)->energy_uj + 3);
	assert_int_equal(proc_of(g0, 1200)->sm_pct, 15);
	assert_string_equal(proc_of(g0, 1200)->comm, "blender");
	assert_int_equal(proc_of(g0, 1200)->vram_bytes, 512ULL << 20);
	/* ... and ollama alone on card1 gets all of card1's energy. */
	assert_int_equal(proc_of(g1, 1300)->energy_uj, d1->last_delta_uj);
	assert_int_equal(g0->ledger.delta_uj,
			 g0->ledger.procs_uj + g0->ledger.idle_uj + g0->ledger.unattributed_uj);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_amd_exact_energy(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct srcenv *e = srcenv_new(dir, 0);
	const struct gpu_dev *g0;
	struct domain *d0;
	uint64_t t;

	assert_int_equal(srcenv_open(e, &source_drm_ops), 0);
	d0 = srcenv_find(e, "gpu0");
	g0 = dev_of(e, 0);
	t = d0->timestamp_ns;
	/* Exactly 2 s after the first reading at 45 W: 90 J, split 3:1 to the µJ. */
	blender_write(dir, 1300000000);
	amd_write(dir, "proc/1300/fdinfo/20", 21, "0000:03:00.0", 0, 600000000);
	assert_int_equal(srcenv_read(e, t + 2 * S), 0);
	assert_int_equal(d0->last_delta_uj, 90000000);
	assert_int_equal(proc_of(g0, 1200)->energy_uj, 67500000);
	assert_int_equal(proc_of(g0, 1300)->energy_uj, 22500000);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_intel_card_channel_and_igpu_note(void **state)
{
	char *dir = tu_copy_fixture("gpu-intel");
	struct srcenv *e = srcenv_new(dir, 0);
	const struct gpu_dev *g;
	struct domain *d;
	uint64_t t;

	assert_int_equal(srcenv_open(e, &source_drm_ops), 0);
	assert_int_equal(e->domains.n, 1);
	assert_non_null(strstr(e->reason, "card0 (i915, 0000:00:02.0): no hwmon energy or power "
					  "meter (an integrated GPU: its energy is inside the CPU "
					  "package's RAPL domain)"));
	d = srcenv_find(e, "gpu0");
	assert_non_null(d);
	/* energy1 is "card", energy2 "pkg" (inside card): card only. */
	assert_non_null(strstr(d->path, "/hwmon4/energy1_input"));
	assert_int_equal(d->raw_uj, 123456789);
	g = dev_of(e, 0);
	assert_string_equal(g->driver, "xe");
	assert_string_equal(g->vendor, "intel");
	assert_int_equal(g->util_pct, -1);
	assert_int_equal(g->power_limit_mw, 190000);
	assert_int_equal(g->nprocs, 2);
	t = d->timestamp_ns;
	tu_write(dir, "sys/class/drm/card1/device/hwmon/hwmon4/energy1_input", "128456789\n");
	tu_writef(dir, "proc/2200/fdinfo/7",
		  "drm-driver:\txe\ndrm-client-id:\t31\ndrm-pdev:\t0000:03:00.0\n"
		  "drm-cycles-rcs:\t%llu\ndrm-total-cycles-rcs:\t%llu\n",
		  28257900ULL + 500000000, 7655183225ULL + 1000000000);
	assert_int_equal(srcenv_read(e, t + 2 * S), 0);
	assert_int_equal(d->last_delta_uj, 5000000);
	/* gst-launch ran 50 % of 2 s; xe-test nothing: gst-launch gets all of it. */
	assert_int_equal(proc_of(g, 2200)->busy, 1000000000);
	assert_int_equal(proc_of(g, 2200)->sm_pct, 50);
	assert_int_equal(proc_of(g, 2200)->energy_uj, 5000000);
	assert_int_equal(proc_of(g, 2300)->energy_uj, 0);
	/* A counter that goes backwards is refused and counted. */
	tu_write(dir, "sys/class/drm/card1/device/hwmon/hwmon4/energy1_input", "1000\n");
	(void)srcenv_read(e, t + 3 * S);
	assert_int_equal(d->errors, 1);
	assert_non_null(strstr(e->logbuf, "energy1_input: reading 1000 refused"));
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_nvidia_card_left_to_nvml(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);

	assert_int_equal(srcenv_open(e, &source_drm_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "card0 (nvidia, 0000:01:00.0): left to the nvml source"));
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
}

static void test_no_drm(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("hwmon-meter"), 0);

	assert_int_equal(srcenv_open(e, &source_drm_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "/class/drm: No such file or directory (no DRM GPU "
					  "driver loaded)"));
	srcenv_free(e);
}

static void test_malformed_meter_named(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct srcenv *e;
	struct domain *d;

	tu_write(dir, "sys/class/drm/card1/device/hwmon/hwmon3/power1_input", "n/a\n");
	e = srcenv_new(dir, 0);
	assert_int_equal(srcenv_open(e, &source_drm_ops), 0);
	d = srcenv_find(e, "gpu1");
	assert_non_null(d);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->last_error, -EINVAL);
	assert_non_null(strstr(e->logbuf, "hwmon3/power1_input: not a number"));
	/* gpu0 still reads. */
	assert_int_equal(srcenv_find(e, "gpu0")->errors, 0);
	assert_int_equal(srcenv_read(e, now_ns()), 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static void test_no_procfs_warns_once(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct srcenv *e;
	const char *first;

	{
		char proc[4096];

		snprintf(proc, sizeof(proc), "%s/proc", dir);
		tu_rm_rf(proc);
	}
	e = srcenv_new(dir, 4);
	assert_int_equal(srcenv_open(e, &source_drm_ops), 0);
	assert_int_equal(srcenv_read(e, srcenv_find(e, "gpu0")->timestamp_ns + S), 0);
	assert_int_equal(srcenv_read(e, srcenv_find(e, "gpu0")->timestamp_ns + S), 0);
	first = strstr(e->logbuf, "cannot list");
	assert_non_null(first);
	assert_null(strstr(first + 1, "cannot list"));
	/* The energy is still read; unattributed, not idle, and no idle power learnt from it. */
	assert_int_equal(dev_of(e, 0)->nprocs, 0);
	assert_true(dev_of(e, 0)->procs_unknown);
	assert_int_equal(dev_of(e, 0)->ledger.idle_uj, 0);
	assert_int_equal(dev_of(e, 0)->ledger.unattributed_uj,
			 srcenv_find(e, "gpu0")->last_delta_uj);
	assert_false(dev_of(e, 0)->idle.known);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

static int open_as_nobody(void *arg)
{
	struct srcenv *e = arg;
	int r = srcenv_open(e, &source_drm_ops);

	if (r != -EACCES)
		return 1;
	if (!strstr(e->reason, "permission denied reading") || !strstr(e->reason, "run as root"))
		return 2;
	return e->domains.n == 0 ? 0 : 3;
}

static void test_permission_denied(void **state)
{
	char *dir = tu_copy_fixture("gpu-intel");
	struct srcenv *e;

	tu_readable_by_all(dir);
	tu_chmod(dir, "sys/class/drm/card1/device/hwmon/hwmon4/energy1_input", 0600);
	e = srcenv_new(dir, 0);
	assert_int_equal(tu_as_nobody(open_as_nobody, e), 0);
	srcenv_free(e);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amd_two_gpus),
	    cmocka_unit_test(test_amd_exact_energy),
	    cmocka_unit_test(test_intel_card_channel_and_igpu_note),
	    cmocka_unit_test(test_nvidia_card_left_to_nvml),
	    cmocka_unit_test(test_no_drm),
	    cmocka_unit_test(test_malformed_meter_named),
	    cmocka_unit_test(test_permission_denied),
	    cmocka_unit_test(test_no_procfs_warns_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
