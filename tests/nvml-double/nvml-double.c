/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * nvml-double.c - a stand-in for libnvidia-ml.so.1 that the tests load
 * through the same dlopen() path as the real one (JOULESTAT_NVML_LIB). It
 * implements the entry points of src/lib/gpu/nvml_abi.h and answers from a
 * script, the file named by JOULESTAT_NVML_SCRIPT, re-read on every call so
 * that a test can move the counters between two readings the way tu_write()
 * moves a sysfs file. Lines (# starts a comment):
 *
 *   init ERROR                 nvmlInit_v2 fails with ERROR (DRIVER_NOT_LOADED, ...)
 *   dev I name TEXT...         device I's name (devices count = highest I + 1)
 *   dev I uuid TEXT | pci BUSID
 *   dev I energy_mj N | power_mw N | power_limit_mw N | temp C
 *   dev I energy_rate_mw N     the energy counter grows at N mW of CLOCK_MONOTONIC from
 *                              its first reading (energy_mj then): it moves in every
 *                              interval by that interval's length, however slowly
 *                              the reader or the test runs
 *   dev I util GPU MEM | mem USED TOTAL | clock_sm MHZ | clock_mem MHZ | mig 0|1
 *   dev I compute PID BYTES | graphics PID BYTES
 *   dev I sample PID TIMESTAMP_US SM MEM
 *   dev I sample_each_read PID SM MEM
 *                              a fresh sample at every utilisation reading, stamped
 *                              with the number of readings so far: every reading
 *                              has exactly one new sample for PID
 *   dev I fail FUNCTION ERROR  FUNCTION (as nvml_abi.h names it) returns ERROR
 *
 * ERROR is a name below (NOT_SUPPORTED, NO_PERMISSION, ...). A device
 * without energy_mj answers NOT_SUPPORTED for the energy counter (pre-Volta).
 * Utilisation samples are filtered by lastSeenTimeStamp as the driver does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvml_abi.h"

#define API __attribute__((visibility("default")))
/* The same declarations the loader resolves: a signature that drifts fails to compile. */
#define X(ret, name, args) API ret name args;
NVML_FUNCS(X)
#undef X

#define MAX_DEVS 8
#define MAX_PROCS 32
#define MAX_FAILS 16

struct proc {
	unsigned pid;
	unsigned long long bytes;
};

struct sample {
	unsigned pid, sm, mem;
	unsigned long long ts;
};

struct dev {
	char name[96], uuid[80], pci[32];
	unsigned long long energy_mj;
	int has_energy, has_power;
	unsigned power_mw, limit_mw, temp, util_gpu, util_mem, clock_sm, clock_mem, mig;
	unsigned long long mem_used, mem_total;
	struct proc compute[MAX_PROCS], graphics[MAX_PROCS];
	unsigned ncompute, ngraphics;
	struct sample samples[MAX_PROCS];
	unsigned nsamples;
	unsigned long long energy_rate_mw;
	struct sample each_read[MAX_PROCS];
	unsigned neach_read;
	char fail_fn[MAX_FAILS][128];
	nvmlReturn_t fail_ret[MAX_FAILS];
	unsigned nfails;
};

static struct dev devs[MAX_DEVS];
static unsigned ndevs;
/* Per device, kept across re-reads of the script: the first energy reading's time, utilisation readings so far. */
static unsigned long long energy_t0_ns[MAX_DEVS], util_reads[MAX_DEVS];
static nvmlReturn_t init_ret;
static int initialised;

static const struct {
	const char *name;
	nvmlReturn_t v;
} errors[] = {
    {"SUCCESS", NVML_SUCCESS},
    {"UNINITIALIZED", NVML_ERROR_UNINITIALIZED},
    {"INVALID_ARGUMENT", NVML_ERROR_INVALID_ARGUMENT},
    {"NOT_SUPPORTED", NVML_ERROR_NOT_SUPPORTED},
    {"NO_PERMISSION", NVML_ERROR_NO_PERMISSION},
    {"NOT_FOUND", NVML_ERROR_NOT_FOUND},
    {"INSUFFICIENT_SIZE", NVML_ERROR_INSUFFICIENT_SIZE},
    {"DRIVER_NOT_LOADED", NVML_ERROR_DRIVER_NOT_LOADED},
    {"FUNCTION_NOT_FOUND", NVML_ERROR_FUNCTION_NOT_FOUND},
    {"GPU_IS_LOST", NVML_ERROR_GPU_IS_LOST},
    {"LIB_RM_VERSION_MISMATCH", NVML_ERROR_LIB_RM_VERSION_MISMATCH},
    {"UNKNOWN", NVML_ERROR_UNKNOWN},
};

static nvmlReturn_t error_named(const char *s)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strcmp(s, errors[i].name) == 0)
			return errors[i].v;
	return NVML_ERROR_UNKNOWN;
}

/* (Re-)read the script. A missing script is a machine without GPUs. */
static void load(void)
{
	const char *path = getenv("JOULESTAT_NVML_SCRIPT");
	char line[512];
	FILE *f;

	memset(devs, 0, sizeof(devs));
	ndevs = 0;
	init_ret = NVML_SUCCESS;
	f = path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char key[32], a[128], b[128];
		unsigned i;
		struct dev *d;
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "init %127s", a) == 1) {
			init_ret = error_named(a);
			continue;
		}
		if (sscanf(line, "dev %u %31s %n", &i, key, &off) < 2 || i >= MAX_DEVS)
			continue;
		d = &devs[i];
		if (i + 1 > ndevs)
			ndevs = i + 1;
		const char *rest = line + off;

		if (!strcmp(key, "name"))
			snprintf(d->name, sizeof(d->name), "%s", rest);
		else if (!strcmp(key, "uuid"))
			snprintf(d->uuid, sizeof(d->uuid), "%s", rest);
		else if (!strcmp(key, "pci"))
			snprintf(d->pci, sizeof(d->pci), "%s", rest);
		else if (!strcmp(key, "energy_mj"))
			d->has_energy = sscanf(rest, "%llu", &d->energy_mj) == 1;
		else if (!strcmp(key, "energy_rate_mw"))
			(void)sscanf(rest, "%llu", &d->energy_rate_mw);
		else if (!strcmp(key, "sample_each_read") && d->neach_read < MAX_PROCS)
			d->neach_read += sscanf(rest, "%u %u %u", &d->each_read[d->neach_read].pid,
						&d->each_read[d->neach_read].sm,
						&d->each_read[d->neach_read].mem) == 3;
		else if (!strcmp(key, "power_mw"))
			d->has_power = sscanf(rest, "%u", &d->power_mw) == 1;
		else if (!strcmp(key, "power_limit_mw"))
			sscanf(rest, "%u", &d->limit_mw);
		else if (!strcmp(key, "temp"))
			sscanf(rest, "%u", &d->temp);
		else if (!strcmp(key, "util"))
			sscanf(rest, "%u %u", &d->util_gpu, &d->util_mem);
		else if (!strcmp(key, "mem"))
			sscanf(rest, "%llu %llu", &d->mem_used, &d->mem_total);
		else if (!strcmp(key, "clock_sm"))
			sscanf(rest, "%u", &d->clock_sm);
		else if (!strcmp(key, "clock_mem"))
			sscanf(rest, "%u", &d->clock_mem);
		else if (!strcmp(key, "mig"))
			sscanf(rest, "%u", &d->mig);
		else if (!strcmp(key, "compute") && d->ncompute < MAX_PROCS)
			d->ncompute += sscanf(rest, "%u %llu", &d->compute[d->ncompute].pid,
					      &d->compute[d->ncompute].bytes) == 2;
		else if (!strcmp(key, "graphics") && d->ngraphics < MAX_PROCS)
			d->ngraphics += sscanf(rest, "%u %llu", &d->graphics[d->ngraphics].pid,
					       &d->graphics[d->ngraphics].bytes) == 2;
		else if (!strcmp(key, "sample") && d->nsamples < MAX_PROCS)
			d->nsamples +=
			    sscanf(rest, "%u %llu %u %u", &d->samples[d->nsamples].pid,
				   &d->samples[d->nsamples].ts, &d->samples[d->nsamples].sm,
				   &d->samples[d->nsamples].mem) == 4;
		else if (!strcmp(key, "fail") && d->nfails < MAX_FAILS &&
			 sscanf(rest, "%63s %127s", a, b) == 2) {
			snprintf(d->fail_fn[d->nfails], sizeof(d->fail_fn[0]), "%s", a);
			d->fail_ret[d->nfails++] = error_named(b);
		}
	}
	fclose(f);
}

/* Common prologue: re-read the script, check the handle, apply a scripted failure. */
static nvmlReturn_t enter(nvmlDevice_t h, const char *fn, struct dev **ret)
{
	uintptr_t i = (uintptr_t)h;

	load();
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (i == 0 || i > ndevs)
		return NVML_ERROR_INVALID_ARGUMENT;
	*ret = &devs[i - 1];
	for (unsigned k = 0; k < (*ret)->nfails; k++)
		if (!strcmp((*ret)->fail_fn[k], fn))
			return (*ret)->fail_ret[k];
	return NVML_SUCCESS;
}

#define ENTER(h)                                  \
	struct dev *d;                            \
	nvmlReturn_t e_ = enter(h, __func__, &d); \
	if (e_ != NVML_SUCCESS)                   \
		return e_;

API nvmlReturn_t nvmlInit_v2(void)
{
	load();
	if (init_ret != NVML_SUCCESS)
		return init_ret;
	initialised = 1;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlShutdown(void)
{
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	initialised = 0;
	return NVML_SUCCESS;
}

API const char *nvmlErrorString(nvmlReturn_t r)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].v == r)
			return errors[i].name;
	return "UNKNOWN";
}

API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	load();
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	*count = ndevs;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev)
{
	load();
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	if (index >= ndevs)
		return NVML_ERROR_INVALID_ARGUMENT;
	*dev = (nvmlDevice_t)(uintptr_t)(index + 1);
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t h, char *name, unsigned int len)
{
	ENTER(h);
	snprintf(name, len, "%s", d->name);
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t h, char *uuid, unsigned int len)
{
	ENTER(h);
	snprintf(uuid, len, "%s", d->uuid);
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t h, nvmlPciInfo_t *pci)
{
	ENTER(h);
	if (!d->pci[0])
		return NVML_ERROR_NOT_SUPPORTED;
	memset(pci, 0, sizeof(*pci));
	snprintf(pci->busId, sizeof(pci->busId), "%s", d->pci);
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t h, unsigned long long *mj)
{
	ENTER(h);
	if (!d->has_energy)
		return NVML_ERROR_NOT_SUPPORTED;
	*mj = d->energy_mj;
	if (d->energy_rate_mw) {
		struct timespec ts;
		unsigned long long now, *t0 = &energy_t0_ns[d - devs];

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
		if (!*t0)
			*t0 = now;
		*mj += d->energy_rate_mw * (now - *t0) / 1000000000ULL;
	}
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t h, unsigned int *mw)
{
	ENTER(h);
	if (!d->has_power)
		return NVML_ERROR_NOT_SUPPORTED;
	*mw = d->power_mw;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t h, unsigned int *mw)
{
	ENTER(h);
	*mw = d->limit_mw;
	return d->limit_mw ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

API nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t h, nvmlUtilization_t *u)
{
	ENTER(h);
	u->gpu = d->util_gpu;
	u->memory = d->util_mem;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t h, nvmlMemory_t *m)
{
	ENTER(h);
	m->total = d->mem_total;
	m->used = d->mem_used;
	m->free = d->mem_total - d->mem_used;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t h, int sensor, unsigned int *c)
{
	ENTER(h);
	if (sensor != NVML_TEMPERATURE_GPU)
		return NVML_ERROR_INVALID_ARGUMENT;
	*c = d->temp;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t h, int type, unsigned int *mhz)
{
	ENTER(h);
	if (type == NVML_CLOCK_SM)
		*mhz = d->clock_sm;
	else if (type == NVML_CLOCK_MEM)
		*mhz = d->clock_mem;
	else
		return NVML_ERROR_INVALID_ARGUMENT;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t h, unsigned int *cur, unsigned int *pend)
{
	ENTER(h);
	*cur = *pend = d->mig;
	return NVML_SUCCESS;
}

static nvmlReturn_t procs(const struct proc *v, unsigned n, unsigned *count,
			  nvmlProcessInfo_t *infos)
{
	if (*count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned i = 0; i < n; i++)
		infos[i] = (nvmlProcessInfo_t){.pid = v[i].pid,
					       .usedGpuMemory = v[i].bytes,
					       .gpuInstanceId = 0xFFFFFFFFu,
					       .computeInstanceId = 0xFFFFFFFFu};
	*count = n;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t h, unsigned int *count,
							 nvmlProcessInfo_t *infos)
{
	ENTER(h);
	return procs(d->compute, d->ncompute, count, infos);
}

API nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t h, unsigned int *count,
							  nvmlProcessInfo_t *infos)
{
	ENTER(h);
	return procs(d->graphics, d->ngraphics, count, infos);
}

/*
 * Samples newer than last_seen, in script order; the sample_each_read lines
 * first become samples stamped with this reading's number.
 */
static unsigned newer(struct dev *d, unsigned long long last_seen, unsigned *idx)
{
	unsigned long long stamp = ++util_reads[d - devs];
	unsigned n = 0;

	for (unsigned i = 0; i < d->neach_read && d->nsamples < MAX_PROCS; i++) {
		d->samples[d->nsamples] = d->each_read[i];
		d->samples[d->nsamples++].ts = stamp;
	}
	for (unsigned i = 0; i < d->nsamples; i++)
		if (d->samples[i].ts > last_seen)
			idx[n++] = i;
	return n;
}

API nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t h,
						 nvmlProcessUtilizationSample_t *out,
						 unsigned int *count, unsigned long long last_seen)
{
	unsigned idx[MAX_PROCS], n;

	ENTER(h);
	if (d->mig)
		return NVML_ERROR_NOT_SUPPORTED;
	n = newer(d, last_seen, idx);
	if (n == 0)
		return NVML_ERROR_NOT_FOUND;
	if (!out || *count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct sample *s = &d->samples[idx[i]];

		out[i] = (nvmlProcessUtilizationSample_t){
		    .pid = s->pid, .timeStamp = s->ts, .smUtil = s->sm, .memUtil = s->mem};
	}
	*count = n;
	return NVML_SUCCESS;
}

API nvmlReturn_t nvmlDeviceGetProcessesUtilizationInfo(nvmlDevice_t h,
						       nvmlProcessesUtilizationInfo_t *info)
{
	unsigned idx[MAX_PROCS], n;

	ENTER(h);
	if (info->version != NVML_PROCESSES_UTILIZATION_INFO_V1)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (d->mig)
		return NVML_ERROR_NOT_SUPPORTED;
	n = newer(d, info->lastSeenTimeStamp, idx);
	if (n == 0)
		return NVML_ERROR_NOT_FOUND;
	if (!info->procUtilArray || info->processSamplesCount < n) {
		info->processSamplesCount = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct sample *s = &d->samples[idx[i]];

		info->procUtilArray[i] = (nvmlProcessUtilizationInfo_v1_t){
		    .timeStamp = s->ts, .pid = s->pid, .smUtil = s->sm, .memUtil = s->mem};
	}
	info->processSamplesCount = n;
	return NVML_SUCCESS;
}
