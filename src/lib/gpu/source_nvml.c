/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_nvml.c - the "nvml" energy source: NVIDIA GPUs through NVML,
 * loaded at run time with dlopen("libnvidia-ml.so.1") so that neither the
 * build nor a machine without NVIDIA's driver needs anything of NVIDIA's.
 * JOULESTAT_NVML_LIB names another library to load instead (the tests'
 * double, tests/nvml-double/).
 *
 * Energy: nvmlDeviceGetTotalEnergyConsumption (mJ since the driver loaded,
 * Volta and newer), integrated as a counter. The power reading is only the
 * fallback (pre-Volta): on Ampere and newer it is a ~1 s average, and
 * integrating it smears and misses short bursts (performance.md §5).
 *
 * Per process: the running compute and graphics processes, and the SM /
 * memory utilisation samples the driver kept since the last read
 * (nvmlDeviceGetProcessesUtilizationInfo where the driver has it, else
 * nvmlDeviceGetProcessUtilization). Those are samples, so every split of a
 * GPU read here is flagged sampled. MIG: NVML gives no per-process
 * utilisation on MIG-enabled devices (nor per-instance power); probe says so
 * and the split falls back to the gpu.h rules (one process gets the active
 * share, several leave it unattributed).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drm_fdinfo.h"
#include "gpu.h"
#include "nvml_abi.h"
#include "source.h"
#include "util.h"

#define NVML_DEFAULT_LIB "libnvidia-ml.so.1"
#define NVML_MAX_GPUS 64

struct nvml_api {
	void *handle;
#define X(ret, name, args) ret(*name) args;
	NVML_FUNCS(X)
#undef X
};

struct nvml_gpu {
	struct gpu_dev dev;
	nvmlDevice_t h;
	unsigned index;
	bool energy;			 /* the energy counter, else power */
	unsigned long long last_seen_us; /* newest utilisation sample already counted */
	bool info_api;			 /* nvmlDeviceGetProcessesUtilizationInfo works */
};

struct nvml_state {
	struct nvml_api api;
	struct nvml_gpu *gpus;
	size_t n;
	/* Scratch buffers for the process and sample lists, grown as needed. */
	nvmlProcessInfo_t *pinfo;
	unsigned pinfo_cap;
	nvmlProcessUtilizationSample_t *samples;
	nvmlProcessUtilizationInfo_v1_t *isamples;
	unsigned samples_cap;
};

static const char *nvml_err(const struct nvml_api *api, nvmlReturn_t r)
{
	const char *s = api->nvmlErrorString ? api->nvmlErrorString(r) : NULL;

	return s ? s : "unknown NVML error";
}

static int nvml_errno(nvmlReturn_t r)
{
	switch (r) {
	case NVML_ERROR_NO_PERMISSION:
		return -EACCES;
	case NVML_ERROR_NOT_SUPPORTED:
	case NVML_ERROR_FUNCTION_NOT_FOUND:
		return -EOPNOTSUPP;
	case NVML_ERROR_DRIVER_NOT_LOADED:
	case NVML_ERROR_LIBRARY_NOT_FOUND:
	case NVML_ERROR_NOT_FOUND:
		return -ENODEV;
	case NVML_ERROR_GPU_IS_LOST:
		return -ENXIO;
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
		return -EPROTO;
	case NVML_ERROR_INVALID_ARGUMENT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static void api_close(struct nvml_api *api)
{
	if (!api->handle)
		return;
	if (api->nvmlShutdown)
		api->nvmlShutdown();
	dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}

/* dlopen and resolve; -ENODEV with the reason when the library is absent or unusable. */
static int api_open(struct nvml_api *api, char *reason, size_t reason_size)
{
	const char *lib = secure_getenv("JOULESTAT_NVML_LIB");
	bool custom = lib && lib[0];

	memset(api, 0, sizeof(*api));
	api->handle = dlopen(custom ? lib : NVML_DEFAULT_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		const char *e = dlerror();

		if (custom)
			snprintf(reason, reason_size, "JOULESTAT_NVML_LIB=%s: %s", lib,
				 e ? e : "cannot load");
		else
			snprintf(reason, reason_size,
				 "no NVIDIA driver (" NVML_DEFAULT_LIB " not found)");
		return -ENODEV;
	}
#define X(ret, name, args) api->name = (ret(*) args)dlsym(api->handle, #name);
	NVML_FUNCS(X)
#undef X
	if (!api->nvmlInit_v2 || !api->nvmlShutdown || !api->nvmlDeviceGetCount_v2 ||
	    !api->nvmlDeviceGetHandleByIndex_v2 ||
	    (!api->nvmlDeviceGetTotalEnergyConsumption && !api->nvmlDeviceGetPowerUsage)) {
		snprintf(reason, reason_size,
			 "%s lacks nvmlInit_v2/nvmlDeviceGetCount_v2/energy calls: driver too old",
			 custom ? lib : NVML_DEFAULT_LIB);
		dlclose(api->handle);
		memset(api, 0, sizeof(*api));
		return -ENODEV;
	}
	return 0;
}

/* Running compute + graphics processes into dev->procs (busy 0). */
static int list_procs(struct nvml_state *st, struct nvml_gpu *g)
{
	nvmlReturn_t (*calls[2])(nvmlDevice_t, unsigned int *, nvmlProcessInfo_t *) = {
	    st->api.nvmlDeviceGetComputeRunningProcesses_v3,
	    st->api.nvmlDeviceGetGraphicsRunningProcesses_v3,
	};
	struct gpu_dev *dev = &g->dev;
	bool listed = false;

	dev->nprocs = 0;
	dev->procs_unknown = true;
	for (size_t c = 0; c < ARRAY_SIZE(calls); c++) {
		unsigned count = st->pinfo_cap;
		nvmlReturn_t r;

		if (!calls[c])
			continue;
		for (;;) {
			r = calls[c](g->h, &count, st->pinfo);
			if (r != NVML_ERROR_INSUFFICIENT_SIZE)
				break;
			{
				unsigned cap = count + 16;
				nvmlProcessInfo_t *v = realloc(st->pinfo, cap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				st->pinfo = v;
				st->pinfo_cap = count = cap;
			}
		}
		if (r != NVML_SUCCESS)
			continue;
		listed = true;
		for (unsigned i = 0; i < count; i++) {
			struct gpu_proc *p = NULL;

			for (size_t k = 0; k < dev->nprocs; k++)
				if (dev->procs[k].pid == st->pinfo[i].pid)
					p = &dev->procs[k];
			if (!p) {
				if (dev->nprocs == dev->procs_cap) {
					size_t cap = dev->procs_cap ? dev->procs_cap * 2 : 8;
					struct gpu_proc *v = realloc(dev->procs, cap * sizeof(*v));

					if (!v)
						return -ENOMEM;
					dev->procs = v;
					dev->procs_cap = cap;
				}
				p = &dev->procs[dev->nprocs++];
				memset(p, 0, sizeof(*p));
				p->pid = st->pinfo[i].pid;
			}
			if (st->pinfo[i].usedGpuMemory != NVML_VALUE_NOT_AVAILABLE_ULL)
				p->vram_bytes += st->pinfo[i].usedGpuMemory;
		}
	}
	dev->procs_unknown = !listed;
	return 0;
}

static struct gpu_proc *proc_get(struct gpu_dev *dev, uint32_t pid)
{
	struct gpu_proc *p;

	for (size_t k = 0; k < dev->nprocs; k++)
		if (dev->procs[k].pid == pid)
			return &dev->procs[k];
	/* Sampled but gone from the running list: it exited during the interval. */
	if (dev->nprocs == dev->procs_cap) {
		size_t cap = dev->procs_cap ? dev->procs_cap * 2 : 8;
		struct gpu_proc *v = realloc(dev->procs, cap * sizeof(*v));

		if (!v)
			return NULL;
		dev->procs = v;
		dev->procs_cap = cap;
	}
	p = &dev->procs[dev->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

/* Grow both sample buffers to `n`. */
static int samples_reserve(struct nvml_state *st, unsigned n)
{
	nvmlProcessUtilizationSample_t *a;
	nvmlProcessUtilizationInfo_v1_t *b;

	if (n <= st->samples_cap)
		return 0;
	a = realloc(st->samples, n * sizeof(*a));
	if (!a)
		return -ENOMEM;
	st->samples = a;
	b = realloc(st->isamples, n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	st->isamples = b;
	st->samples_cap = n;
	return 0;
}

struct util_tally {
	uint64_t sm_sum, mem_sum, count;
};

/*
 * Add the utilisation samples newer than g->last_seen_us to dev->procs.
 * 0, or -errno (the samples are then missing: every process has busy 0).
 */
static int read_samples(struct nvml_state *st, struct nvml_gpu *g)
{
	struct gpu_dev *dev = &g->dev;
	unsigned long long newest = g->last_seen_us;
	unsigned count = 0;
	nvmlReturn_t r = NVML_ERROR_NOT_SUPPORTED;
	struct util_tally *t = NULL;

	if (samples_reserve(st, 64) < 0)
		return -ENOMEM;
	if (g->info_api) {
		nvmlProcessesUtilizationInfo_t info;

		for (;;) {
			info = (nvmlProcessesUtilizationInfo_t){
			    .version = NVML_PROCESSES_UTILIZATION_INFO_V1,
			    .processSamplesCount = st->samples_cap,
			    .lastSeenTimeStamp = g->last_seen_us,
			    .procUtilArray = st->isamples,
			};
			r = st->api.nvmlDeviceGetProcessesUtilizationInfo(g->h, &info);
			if (r != NVML_ERROR_INSUFFICIENT_SIZE)
				break;
			if (samples_reserve(st, info.processSamplesCount + 16) < 0)
				return -ENOMEM;
		}
		if (r != NVML_SUCCESS && r != NVML_ERROR_NOT_FOUND) {
			/* Not supported (or refused) by this driver: the older call, from now on.
			 */
			g->info_api = false;
		} else if (r == NVML_SUCCESS) {
			count = MIN(info.processSamplesCount, st->samples_cap);
			for (unsigned i = 0; i < count; i++) {
				st->samples[i] = (nvmlProcessUtilizationSample_t){
				    .pid = st->isamples[i].pid,
				    .timeStamp = st->isamples[i].timeStamp,
				    .smUtil = st->isamples[i].smUtil,
				    .memUtil = st->isamples[i].memUtil,
				};
			}
		}
	}
	if (!g->info_api) {
		if (!st->api.nvmlDeviceGetProcessUtilization)
			return -EOPNOTSUPP;
		for (;;) {
			count = st->samples_cap;
			r = st->api.nvmlDeviceGetProcessUtilization(g->h, st->samples, &count,
								    g->last_seen_us);
			if (r != NVML_ERROR_INSUFFICIENT_SIZE)
				break;
			if (samples_reserve(st, count + 16) < 0)
				return -ENOMEM;
		}
		count = MIN(count, st->samples_cap);
	}
	if (r == NVML_ERROR_NOT_FOUND)
		return 0; /* no sample since the last read: nothing ran */
	if (r != NVML_SUCCESS)
		return nvml_errno(r);
	t = calloc(dev->nprocs + count + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++) {
		const nvmlProcessUtilizationSample_t *s = &st->samples[i];
		struct gpu_proc *p;

		/* The driver filters by lastSeen; a stale sample must still not count twice. */
		if (s->timeStamp <= g->last_seen_us)
			continue;
		newest = MAX(newest, s->timeStamp);
		p = proc_get(dev, s->pid);
		if (!p) {
			free(t);
			return -ENOMEM;
		}
		t[p - dev->procs].sm_sum += MIN(s->smUtil, 100u);
		t[p - dev->procs].mem_sum += MIN(s->memUtil, 100u);
		t[p - dev->procs].count++;
	}
	for (size_t k = 0; k < dev->nprocs; k++) {
		dev->procs[k].busy = t[k].sm_sum;
		dev->procs[k].sm_pct = t[k].count ? (uint32_t)(t[k].sm_sum / t[k].count) : 0;
		dev->procs[k].mem_pct = t[k].count ? (uint32_t)(t[k].mem_sum / t[k].count) : 0;
	}
	free(t);
	g->last_seen_us = newest;
	return 0;
}

static void read_metrics(struct nvml_state *st, struct nvml_gpu *g)
{
	const struct nvml_api *a = &st->api;
	struct gpu_dev *dev = &g->dev;
	nvmlUtilization_t u;
	nvmlMemory_t m;
	unsigned v;

	dev->util_pct = dev->mem_util_pct = -1;
	if (a->nvmlDeviceGetUtilizationRates &&
	    a->nvmlDeviceGetUtilizationRates(g->h, &u) == NVML_SUCCESS) {
		dev->util_pct = (int)MIN(u.gpu, 100u);
		dev->mem_util_pct = (int)MIN(u.memory, 100u);
	}
	if (a->nvmlDeviceGetMemoryInfo && a->nvmlDeviceGetMemoryInfo(g->h, &m) == NVML_SUCCESS) {
		dev->mem_used_bytes = m.used;
		dev->mem_total_bytes = m.total;
	}
	dev->has_temp = a->nvmlDeviceGetTemperature &&
			a->nvmlDeviceGetTemperature(g->h, NVML_TEMPERATURE_GPU, &v) == NVML_SUCCESS;
	if (dev->has_temp)
		dev->temp_c = (int)v;
	if (a->nvmlDeviceGetClockInfo &&
	    a->nvmlDeviceGetClockInfo(g->h, NVML_CLOCK_SM, &v) == NVML_SUCCESS)
		dev->sm_clock_mhz = v;
	if (a->nvmlDeviceGetClockInfo &&
	    a->nvmlDeviceGetClockInfo(g->h, NVML_CLOCK_MEM, &v) == NVML_SUCCESS)
		dev->mem_clock_mhz = v;
	if (a->nvmlDeviceGetEnforcedPowerLimit &&
	    a->nvmlDeviceGetEnforcedPowerLimit(g->h, &v) == NVML_SUCCESS)
		dev->power_limit_mw = v;
}

static int read_energy(const struct source_ctx *ctx, struct nvml_state *st, struct nvml_gpu *g,
		       uint64_t now)
{
	struct domain *d = g->dev.d;
	nvmlReturn_t r;
	uint64_t v;
	int e;

	if (g->energy) {
		unsigned long long mj;

		r = st->api.nvmlDeviceGetTotalEnergyConsumption(g->h, &mj);
		if (r == NVML_SUCCESS && mj > UINT64_MAX / 1000)
			r = NVML_ERROR_UNKNOWN;
		v = (uint64_t)mj * 1000;
	} else {
		unsigned mw;

		r = st->api.nvmlDeviceGetPowerUsage(g->h, &mw);
		v = (uint64_t)mw * 1000;
	}
	if (r != NVML_SUCCESS) {
		log_warning(ctx->log, "nvml %s: %s: %s", d->name, d->path, nvml_err(&st->api, r));
		domain_feed_error(d, nvml_errno(r));
		return nvml_errno(r);
	}
	e = g->energy ? domain_feed_counter(d, v, now) : domain_feed_power(d, v, now);
	if (e < 0)
		log_warning(ctx->log, "nvml %s: %s: reading %llu µJ refused (%s)", d->name, d->path,
			    (unsigned long long)v,
			    counter_strerror(e) ? counter_strerror(e) : strerror(-e));
	return e;
}

static int nvml_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct nvml_state *st = state;
	int first_err = 0;
	size_t ok = 0;

	for (size_t i = 0; i < st->n; i++) {
		struct nvml_gpu *g = &st->gpus[i];
		int r = read_energy(ctx, st, g, now);

		if (r < 0 && !first_err)
			first_err = r;
		else if (r >= 0)
			ok++;
		read_metrics(st, g);
		if (list_procs(st, g) < 0) {
			g->dev.nprocs = 0;
		} else if (g->dev.mig != 1) {
			int e = read_samples(st, g);

			if (e < 0 && e != -EOPNOTSUPP)
				log_debug(ctx->log, "nvml %s: utilisation samples: %s",
					  g->dev.d->name, strerror(-e));
		}
		for (size_t k = 0; k < g->dev.nprocs; k++) {
			char rel[64], comm[64];

			snprintf(rel, sizeof(rel), "%u/comm", g->dev.procs[k].pid);
			if (fsroot_read_line(ctx->fs, FS_PROC, rel, comm, sizeof(comm)) < 0)
				comm[0] = '\0';
			strscpy(g->dev.procs[k].comm, comm, sizeof(g->dev.procs[k].comm));
		}
		gpu_dev_account(&g->dev);
	}
	return ok || !first_err ? 0 : first_err;
}

static void nvml_close(void *state)
{
	struct nvml_state *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		gpu_dev_done(&st->gpus[i].dev);
	api_close(&st->api);
	free(st->gpus);
	free(st->pinfo);
	free(st->samples);
	free(st->isamples);
	free(st);
}

static const struct gpu_dev *nvml_gpu(void *state, size_t idx)
{
	struct nvml_state *st = state;

	return st && idx < st->n ? &st->gpus[idx].dev : NULL;
}

/* Identity and energy method of device i; -errno with a note when it cannot be used. */
static int probe_device(struct nvml_state *st, unsigned i, struct nvml_gpu *g, char *notes,
			size_t notes_size)
{
	const struct nvml_api *a = &st->api;
	struct gpu_dev *dev = &g->dev;
	unsigned long long mj;
	unsigned mw, cur, pend;
	nvmlPciInfo_t pci;
	nvmlReturn_t r;

	memset(g, 0, sizeof(*g));
	g->index = i;
	r = a->nvmlDeviceGetHandleByIndex_v2(i, &g->h);
	if (r != NVML_SUCCESS) {
		source_note(notes, notes_size, "NVIDIA GPU %u: %s", i, nvml_err(a, r));
		return nvml_errno(r);
	}
	strscpy(dev->vendor, "nvidia", sizeof(dev->vendor));
	strscpy(dev->driver, "nvidia", sizeof(dev->driver));
	if (a->nvmlDeviceGetName)
		(void)a->nvmlDeviceGetName(g->h, dev->name, sizeof(dev->name));
	if (a->nvmlDeviceGetUUID)
		(void)a->nvmlDeviceGetUUID(g->h, dev->uuid, sizeof(dev->uuid));
	dev->name[sizeof(dev->name) - 1] = dev->uuid[sizeof(dev->uuid) - 1] = '\0';
	if (a->nvmlDeviceGetPciInfo_v3 && a->nvmlDeviceGetPciInfo_v3(g->h, &pci) == NVML_SUCCESS) {
		pci.busId[sizeof(pci.busId) - 1] = '\0';
		if (drm_pci_normalize(pci.busId, dev->pci, sizeof(dev->pci)) < 0)
			dev->pci[0] = '\0';
	}
	dev->util_pct = dev->mem_util_pct = -1;
	dev->mig = -1;
	if (a->nvmlDeviceGetMigMode && a->nvmlDeviceGetMigMode(g->h, &cur, &pend) == NVML_SUCCESS)
		dev->mig = cur == NVML_DEVICE_MIG_ENABLE;

	r = a->nvmlDeviceGetTotalEnergyConsumption
		? a->nvmlDeviceGetTotalEnergyConsumption(g->h, &mj)
		: NVML_ERROR_FUNCTION_NOT_FOUND;
	if (r == NVML_SUCCESS) {
		g->energy = true;
		snprintf(dev->energy_from, sizeof(dev->energy_from),
			 "nvmlDeviceGetTotalEnergyConsumption (mJ counter)");
	} else if (a->nvmlDeviceGetPowerUsage &&
		   a->nvmlDeviceGetPowerUsage(g->h, &mw) == NVML_SUCCESS) {
		g->energy = false;
		snprintf(dev->energy_from, sizeof(dev->energy_from),
			 "nvmlDeviceGetPowerUsage (mW) integrated: the energy counter is %s (it "
			 "needs Volta or newer)",
			 nvml_err(a, r));
	} else {
		source_note(notes, notes_size,
			    "NVIDIA GPU %u (%s): neither energy nor power is "
			    "readable: %s",
			    i, dev->name, nvml_err(a, r));
		return nvml_errno(r);
	}
	if (dev->mig == 1) {
		snprintf(dev->per_process, sizeof(dev->per_process),
			 "MIG enabled: NVML has no per-process utilisation or per-instance power "
			 "on MIG devices; one process gets the active energy, several leave it "
			 "unattributed");
		dev->per_process_ok = false;
	} else {
		g->info_api = a->nvmlDeviceGetProcessesUtilizationInfo != NULL;
		dev->per_process_ok = g->info_api || a->nvmlDeviceGetProcessUtilization;
		snprintf(dev->per_process, sizeof(dev->per_process), "%s",
			 dev->per_process_ok
			     ? "NVML running processes and SM utilisation samples (sampled)"
			     : "running processes only: this NVML has no per-process "
			       "utilisation");
		dev->sampled = dev->per_process_ok;
	}
	return 0;
}

static int nvml_open(const struct source_ctx *ctx, const struct source_slot *slot, void **ret_state,
		     char *reason, size_t reason_size)
{
	struct nvml_state *st;
	char notes[SOURCE_REASON_MAX] = "";
	unsigned count = 0, denied = 0;
	nvmlReturn_t nr;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = api_open(&st->api, reason, reason_size);
	if (r < 0) {
		free(st);
		return r;
	}
	nr = st->api.nvmlInit_v2();
	if (nr != NVML_SUCCESS) {
		r = nvml_errno(nr);
		snprintf(reason, reason_size, "nvmlInit: %s%s", nvml_err(&st->api, nr),
			 nr == NVML_ERROR_DRIVER_NOT_LOADED ? " (no NVIDIA kernel driver loaded)"
			 : nr == NVML_ERROR_NO_PERMISSION
			     ? " (no access to /dev/nvidia*: run as root or join the device's "
			       "group)"
			 : nr == NVML_ERROR_LIB_RM_VERSION_MISMATCH
			     ? " (library and kernel module versions differ: reboot or reload "
			       "the nvidia module)"
			     : "");
		/* Init failed: no nvmlShutdown. */
		st->api.nvmlShutdown = NULL;
		goto fail;
	}
	nr = st->api.nvmlDeviceGetCount_v2(&count);
	if (nr != NVML_SUCCESS || count == 0) {
		snprintf(reason, reason_size, "NVML works but %s",
			 nr != NVML_SUCCESS ? nvml_err(&st->api, nr) : "sees no NVIDIA GPU");
		r = -ENODEV;
		goto fail;
	}
	count = MIN(count, NVML_MAX_GPUS);
	st->gpus = calloc(count, sizeof(*st->gpus));
	if (!st->gpus) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < count; i++) {
		struct nvml_gpu *g = &st->gpus[st->n];
		struct domain *d;

		r = probe_device(st, i, g, notes, sizeof(notes));
		if (r < 0) {
			denied += r == -EACCES;
			continue;
		}
		d = domain_list_add(ctx->domains, slot);
		if (!d) {
			r = -ENOMEM;
			goto fail;
		}
		g->dev.d = d;
		st->n++;
		for (unsigned k = 0;; k++) {
			snprintf(d->name, sizeof(d->name), "gpu%u", k);
			if (domain_list_find(ctx->domains, d->name) == d)
				break;
		}
		snprintf(d->path, sizeof(d->path), "NVML device %u (%s%s%s)", i,
			 g->dev.uuid[0] ? g->dev.uuid : "no UUID", g->dev.pci[0] ? ", " : "",
			 g->dev.pci);
		d->kind = JOULESTAT_DOMAIN_GPU;
		d->socket = -1;
		d->ctr.max_range_uj = 0; /* a 64-bit mJ count since the driver loaded */
	}
	if (st->n == 0) {
		snprintf(reason, reason_size, "no usable NVIDIA GPU: %s%s", notes,
			 denied == count ? " (permission denied: run as root or join the group of "
					   "/dev/nvidia*)"
					 : "");
		r = denied == count ? -EACCES : -ENODEV;
		goto fail;
	}
	/* The baseline: samples already in the driver's buffer are history, not this interval. */
	for (size_t i = 0; i < st->n; i++) {
		struct nvml_gpu *g = &st->gpus[i];

		if (g->dev.mig != 1 && list_procs(st, g) == 0)
			(void)read_samples(st, g);
	}
	(void)nvml_read(st, ctx, now_ns());
	{
		size_t refused = 0;

		for (size_t i = 0; i < st->n; i++)
			refused += st->gpus[i].dev.d->last_error == -EACCES;
		if (refused == st->n) {
			snprintf(reason, reason_size,
				 "NVML: permission denied reading the GPU "
				 "energy: run as root or join the group of /dev/nvidia*");
			r = -EACCES;
			goto fail;
		}
	}
	strscpy(reason, notes, reason_size);
	*ret_state = st;
	return 0;
fail:
	if (st->gpus)
		for (size_t i = 0; i < st->n; i++)
			domain_list_remove(ctx->domains, st->gpus[i].dev.d);
	nvml_close(st);
	return r;
}

const struct source_ops source_nvml_ops = {
    .name = "nvml",
    .open = nvml_open,
    .read = nvml_read,
    .close = nvml_close,
    .gpu = nvml_gpu,
};
