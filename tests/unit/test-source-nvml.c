/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-nvml.c - the nvml source through the whole dlopen() path,
 * against the NVML double (tests/nvml-double/) driven by a script: no
 * library, init failures, the energy counter preferred over power, the
 * power fallback of older GPUs, device metrics, per-process split from
 * utilisation samples with exact µJ, samples never counted twice, the older
 * per-sample call as fallback, MIG, a GPU that stops answering.
 */
#include "srcenv.h"

#include <dlfcn.h>
#include <unistd.h>

#include "gpu.h"

#define S NSEC_PER_SEC

static char *script_dir;

static int setup(void **state)
{
	const char *dbl = getenv("JOULESTAT_NVML_DOUBLE");

	if (!dbl) {
		fprintf(stderr, "JOULESTAT_NVML_DOUBLE is not set (run through meson test)\n");
		return -1;
	}
	setenv("JOULESTAT_NVML_LIB", dbl, 1);
	script_dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	tu_rm_rf(script_dir);
	free(script_dir);
	return 0;
}

/* Write the script the double reads, and point the double at it. */
static void script(const char *text)
{
	char path[4096];

	tu_write(script_dir, "nvml.script", text);
	snprintf(path, sizeof(path), "%s/nvml.script", script_dir);
	setenv("JOULESTAT_NVML_SCRIPT", path, 1);
}

/* The fixture's script with `extra` lines appended. */
static void fixture_script(const char *extra)
{
	FILE *f = fopen(tu_data("gpu-nvidia/nvml.script"), "r");
	char buf[8192];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	strncat(buf, extra, sizeof(buf) - strlen(buf) - 1);
	script(buf);
}

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

static void test_no_library(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	void *h;

	setenv("JOULESTAT_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "JOULESTAT_NVML_LIB=/nonexistent/libnvidia-ml.so.1: "));
	assert_non_null(strstr(e->reason, "No such file"));
	/* The real library, where there is none (skipped on a machine with the driver). */
	unsetenv("JOULESTAT_NVML_LIB");
	h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (h) {
		dlclose(h);
	} else {
		e->reason[0] = '\0';
		assert_int_equal(srcenv_open(e, &source_nvml_ops), -ENODEV);
		assert_string_equal(e->reason, "no NVIDIA driver (libnvidia-ml.so.1 not found)");
	}
	setenv("JOULESTAT_NVML_LIB", getenv("JOULESTAT_NVML_DOUBLE"), 1);
	/* A library that is not NVML at all. */
	setenv("JOULESTAT_NVML_LIB", "libm.so.6", 1);
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -ENODEV);
	assert_non_null(strstr(e->reason, "libm.so.6 lacks nvmlInit_v2"));
	setenv("JOULESTAT_NVML_LIB", getenv("JOULESTAT_NVML_DOUBLE"), 1);
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
}

static void test_init_failures(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);

	script("init DRIVER_NOT_LOADED\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -ENODEV);
	assert_string_equal(e->reason, "nvmlInit: DRIVER_NOT_LOADED (no NVIDIA kernel driver "
				       "loaded)");
	script("init NO_PERMISSION\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -EACCES);
	assert_non_null(strstr(e->reason, "run as root or join the device's group"));
	script("init LIB_RM_VERSION_MISMATCH\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -EPROTO);
	assert_non_null(strstr(e->reason, "reboot or reload the nvidia module"));
	script("# no device\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -ENODEV);
	assert_string_equal(e->reason, "NVML works but sees no NVIDIA GPU");
	assert_int_equal(e->domains.n, 0);
	srcenv_free(e);
}

static void test_devices_and_split(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	const struct gpu_dev *h100, *p100;
	struct domain *d0, *d1;
	uint64_t t;

	fixture_script("");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	assert_int_equal(e->domains.n, 2);
	d0 = srcenv_find(e, "gpu0");
	d1 = srcenv_find(e, "gpu1");
	assert_non_null(d0);
	assert_non_null(d1);
	assert_int_equal(d0->kind, JOULESTAT_DOMAIN_GPU);
	assert_string_equal(d0->path, "NVML device 0 (GPU-5c1ab6b8-7c2e-6f3d-1d1e-2b0a9f0e4c11, "
				      "0000:01:00.0)");
	/* 5000000 mJ read as a µJ counter. */
	assert_int_equal(d0->raw_uj, 5000000000ULL);
	h100 = dev_of(e, 0);
	p100 = dev_of(e, 1);
	assert_string_equal(h100->name, "NVIDIA H100 80GB HBM3");
	assert_string_equal(h100->vendor, "nvidia");
	assert_string_equal(h100->pci, "0000:01:00.0");
	assert_string_equal(h100->energy_from, "nvmlDeviceGetTotalEnergyConsumption (mJ counter)");
	assert_int_equal(h100->util_pct, 60);
	assert_int_equal(h100->mem_util_pct, 20);
	assert_int_equal(h100->mem_used_bytes, 42949672960ULL);
	assert_int_equal(h100->mem_total_bytes, 85520809984ULL);
	assert_int_equal(h100->temp_c, 54);
	assert_int_equal(h100->sm_clock_mhz, 1980);
	assert_int_equal(h100->mem_clock_mhz, 2619);
	assert_int_equal(h100->power_limit_mw, 700000);
	assert_int_equal(h100->mig, 0);
	assert_true(h100->sampled);
	assert_int_equal(h100->nprocs, 2);
	assert_string_equal(proc_of(h100, 3100)->comm, "python3");
	assert_int_equal(proc_of(h100, 3100)->vram_bytes, 41943040000ULL);
	/* The P100 has no energy counter: its power, integrated, says so. */
	assert_non_null(strstr(p100->energy_from, "nvmlDeviceGetPowerUsage (mW) integrated: the "
						  "energy counter is NOT_SUPPORTED"));

	/* 2 s: 300 J on the counter (the 350 W power reading is not used); SM samples 90+80 vs 10.
	 */
	t = MAX(d0->timestamp_ns, d1->timestamp_ns);
	fixture_script("dev 0 sample 3100 1000001 90 30\n"
		       "dev 0 sample 3200 1000002 10 1\n"
		       "dev 0 sample 3100 1000003 80 40\n"
		       "dev 0 energy_mj 5300000\n");
	assert_int_equal(srcenv_read(e, t + 2 * S), 0);
	assert_int_equal(d0->last_delta_uj, 300000000);
	assert_int_equal(h100->ledger.status, GPU_SPLIT_BUSY);
	assert_int_equal(proc_of(h100, 3100)->busy, 170);
	assert_int_equal(proc_of(h100, 3100)->sm_pct, 85);
	assert_int_equal(proc_of(h100, 3100)->mem_pct, 35);
	/* 300 J × 170/180 = 283333333.3 µJ, 300 J × 10/180 = 16666666.7: the spare µJ to 3200. */
	assert_int_equal(proc_of(h100, 3100)->energy_uj, 283333333);
	assert_int_equal(proc_of(h100, 3200)->energy_uj, 16666667);
	assert_int_equal(h100->ledger.idle_uj + h100->ledger.unattributed_uj, 0);
	/* The P100 ran nothing for 2 s at 30 W: 60 J idle, and 30 W is its idle power now. */
	assert_int_equal(p100->ledger.status, GPU_SPLIT_IDLE);
	assert_int_equal(p100->ledger.idle_uj, d1->last_delta_uj);
	assert_true(p100->idle.known);
	/* Within a mW: the integral is floored to the µJ over a clock-dependent interval. */
	assert_true(p100->idle.mw >= 29999 && p100->idle.mw <= 30000);

	/* The same samples again are history: nobody active, the active part is unattributed. */
	fixture_script("dev 0 sample 3100 1000001 90 30\n"
		       "dev 0 sample 3200 1000002 10 1\n"
		       "dev 0 sample 3100 1000003 80 40\n"
		       "dev 0 energy_mj 5400000\n");
	assert_int_equal(srcenv_read(e, t + 3 * S), 0);
	assert_int_equal(proc_of(h100, 3100)->busy, 0);
	assert_int_equal(h100->ledger.status, GPU_SPLIT_NO_ACTIVITY);
	assert_int_equal(h100->ledger.unattributed_uj, 100000000);
	srcenv_free(e);
}

static void test_fallback_sample_call_and_exited_process(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	const struct gpu_dev *h100;
	struct domain *d0;
	uint64_t t;

	fixture_script("dev 0 fail nvmlDeviceGetProcessesUtilizationInfo NOT_SUPPORTED\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	d0 = srcenv_find(e, "gpu0");
	h100 = dev_of(e, 0);
	t = d0->timestamp_ns;
	/* 3300 (ffmpeg) ran and exited within the interval: sampled, no longer listed. */
	fixture_script("dev 0 fail nvmlDeviceGetProcessesUtilizationInfo NOT_SUPPORTED\n"
		       "dev 0 sample 3100 2000001 50 0\n"
		       "dev 0 sample 3300 2000002 50 0\n"
		       "dev 0 energy_mj 5100000\n");
	assert_int_equal(srcenv_read(e, t + S), 0);
	assert_int_equal(h100->nprocs, 3);
	assert_int_equal(proc_of(h100, 3100)->energy_uj, 50000000);
	assert_int_equal(proc_of(h100, 3300)->energy_uj, 50000000);
	assert_string_equal(proc_of(h100, 3300)->comm, "ffmpeg");
	assert_int_equal(proc_of(h100, 3200)->energy_uj, 0);
	srcenv_free(e);
}

static void test_info_call_refused_falls_back(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	const struct gpu_dev *h100;
	struct domain *d0;

	/* A driver that has the symbol but refuses the struct version. */
	fixture_script("dev 0 fail nvmlDeviceGetProcessesUtilizationInfo INVALID_ARGUMENT\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	d0 = srcenv_find(e, "gpu0");
	h100 = dev_of(e, 0);
	fixture_script("dev 0 fail nvmlDeviceGetProcessesUtilizationInfo INVALID_ARGUMENT\n"
		       "dev 0 sample 3100 3000001 30 0\n"
		       "dev 0 sample 3200 3000002 10 0\n"
		       "dev 0 energy_mj 5040000\n");
	assert_int_equal(srcenv_read(e, d0->timestamp_ns + S), 0);
	assert_int_equal(proc_of(h100, 3100)->energy_uj, 30000000);
	assert_int_equal(proc_of(h100, 3200)->energy_uj, 10000000);
	srcenv_free(e);
}

static void test_no_process_list(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	const struct gpu_dev *p100;
	struct domain *d1;

	fixture_script("dev 1 fail nvmlDeviceGetComputeRunningProcesses_v3 NOT_SUPPORTED\n"
		       "dev 1 fail nvmlDeviceGetGraphicsRunningProcesses_v3 NOT_SUPPORTED\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	d1 = srcenv_find(e, "gpu1");
	p100 = dev_of(e, 1);
	assert_int_equal(srcenv_read(e, d1->timestamp_ns + 2 * S), 0);
	/* No process list: the energy is unattributed, and not taken for idle power. */
	assert_true(p100->procs_unknown);
	assert_int_equal(p100->ledger.unattributed_uj, d1->last_delta_uj);
	assert_true(d1->last_delta_uj > 0);
	assert_false(p100->idle.known);
	srcenv_free(e);
}

static void test_mig(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	const struct gpu_dev *h100;
	struct domain *d0;
	uint64_t t;

	fixture_script("dev 0 mig 1\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	h100 = dev_of(e, 0);
	d0 = srcenv_find(e, "gpu0");
	assert_int_equal(h100->mig, 1);
	assert_false(h100->per_process_ok);
	assert_non_null(strstr(h100->per_process, "MIG enabled"));
	t = d0->timestamp_ns;
	fixture_script("dev 0 mig 1\ndev 0 energy_mj 5100000\n");
	assert_int_equal(srcenv_read(e, t + S), 0);
	/* Two processes, no per-process utilisation: the energy stays unattributed. */
	assert_int_equal(h100->nprocs, 2);
	assert_int_equal(h100->ledger.unattributed_uj, 100000000);
	srcenv_free(e);
}

static void test_gpu_lost(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);
	struct domain *d0;

	fixture_script("");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), 0);
	d0 = srcenv_find(e, "gpu0");
	fixture_script("dev 0 fail nvmlDeviceGetTotalEnergyConsumption GPU_IS_LOST\n");
	/* gpu1 still reads, so the source does not fail as a whole. */
	assert_int_equal(srcenv_read(e, d0->timestamp_ns + S), 0);
	assert_int_equal(d0->errors, 1);
	assert_int_equal(d0->last_error, -ENXIO);
	assert_non_null(strstr(e->logbuf, "nvml gpu0: NVML device 0 (GPU-5c1ab6b8"));
	assert_non_null(strstr(e->logbuf, "GPU_IS_LOST"));
	srcenv_free(e);
}

static void test_energy_denied(void **state)
{
	struct srcenv *e = srcenv_new(tu_data("gpu-nvidia"), 0);

	script("dev 0 name X\ndev 0 energy_mj 1\ndev 0 fail nvmlDeviceGetTotalEnergyConsumption "
	       "NO_PERMISSION\ndev 0 fail nvmlDeviceGetPowerUsage NO_PERMISSION\n");
	assert_int_equal(srcenv_open(e, &source_nvml_ops), -EACCES);
	assert_non_null(strstr(e->reason, "NVIDIA GPU 0 (X): neither energy nor power is readable: "
					  "NO_PERMISSION (permission denied: run as root"));
	srcenv_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_library),
	    cmocka_unit_test(test_init_failures),
	    cmocka_unit_test(test_devices_and_split),
	    cmocka_unit_test(test_fallback_sample_call_and_exited_process),
	    cmocka_unit_test(test_info_call_refused_falls_back),
	    cmocka_unit_test(test_no_process_list),
	    cmocka_unit_test(test_mig),
	    cmocka_unit_test(test_gpu_lost),
	    cmocka_unit_test(test_energy_denied),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
