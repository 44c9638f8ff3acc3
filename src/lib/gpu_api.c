/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * gpu_api.c - the public GPU calls of joulestat.h (joulestat_gpu_*), and the
 * GPU part of a snapshot: each GPU domain's energy since the last snapshot
 * split by GPU activity (gpu.h) instead of CPU time, onto the snapshot's
 * tasks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "gpu_snap.h"
#include "monitor.h"
#include "util.h"

#define INFO_FITS(info, type, field) ((info)->sz >= offsetof(type, field) + sizeof((info)->field))

/* The idx-th GPU over every active GPU source, in source order; NULL past the last. */
static const struct gpu_dev *gpu_at(const struct joulestat *js, size_t idx, const char **ret_source)
{
	for (size_t k = 0; js && k < js->nslots; k++) {
		const struct source_slot *s = &js->slots[k];
		const struct gpu_dev *dev;

		if (s->state_kind != JOULESTAT_SOURCE_ACTIVE || !s->ops->gpu)
			continue;
		for (size_t i = 0; (dev = s->ops->gpu(s->state, i)); i++) {
			if (idx-- == 0) {
				if (ret_source)
					*ret_source = s->ops->name;
				return dev;
			}
		}
	}
	return NULL;
}

size_t joulestat_gpu_count(const struct joulestat *js)
{
	size_t n = 0;

	while (gpu_at(js, n, NULL))
		n++;
	return n;
}

int joulestat_gpu_get(const struct joulestat *js, size_t idx, struct joulestat_gpu_info *info)
{
	struct joulestat_gpu_info o = {.sz = sizeof(o)};
	const struct gpu_dev *dev;
	const char *source = "";

	if (!js || !info || !INFO_FITS(info, struct joulestat_gpu_info, nprocs))
		return -EINVAL;
	dev = gpu_at(js, idx, &source);
	if (!dev)
		return -ERANGE;
	o.domain = dev->d->name;
	o.source = source;
	o.vendor = dev->vendor;
	o.driver = dev->driver;
	o.name = dev->name;
	o.uuid = dev->uuid;
	o.pci = dev->pci;
	o.energy_from = dev->energy_from;
	o.per_process = dev->per_process;
	o.util_pct = dev->util_pct;
	o.mem_util_pct = dev->mem_util_pct;
	o.temp_c = dev->temp_c;
	o.has_temp = dev->has_temp;
	o.mem_used_bytes = dev->mem_used_bytes;
	o.mem_total_bytes = dev->mem_total_bytes;
	o.sm_clock_mhz = dev->sm_clock_mhz;
	o.mem_clock_mhz = dev->mem_clock_mhz;
	o.power_limit_mw = dev->power_limit_mw;
	o.mig = dev->mig;
	o.sampled = dev->sampled;
	o.per_process_ok = dev->per_process_ok;
	o.delta_uj = dev->ledger.delta_uj;
	o.procs_uj = dev->ledger.procs_uj;
	o.idle_uj = dev->ledger.idle_uj;
	o.unattributed_uj = dev->ledger.unattributed_uj;
	o.split = gpu_split_status_name(dev->ledger.status);
	o.idle_mw = dev->idle.mw;
	o.idle_known = dev->idle.known;
	o.nprocs = dev->nprocs;
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

int joulestat_gpu_process_get(const struct joulestat *js, size_t gpu, size_t idx,
			      struct joulestat_gpu_process *info)
{
	struct joulestat_gpu_process o = {.sz = sizeof(o)};
	const struct gpu_dev *dev;
	const struct gpu_proc *p;

	if (!js || !info || !INFO_FITS(info, struct joulestat_gpu_process, energy_uj))
		return -EINVAL;
	dev = gpu_at(js, gpu, NULL);
	if (!dev || idx >= dev->nprocs)
		return -ERANGE;
	p = &dev->procs[idx];
	o.pid = (int)p->pid;
	o.comm = p->comm;
	o.busy = p->busy;
	o.sm_pct = p->sm_pct;
	o.mem_pct = p->mem_pct;
	o.vram_bytes = p->vram_bytes;
	o.energy_uj = p->energy_uj;
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

static const char *snap_status(enum gpu_split_status s)
{
	switch (s) {
	case GPU_SPLIT_IDLE:
		return "gpu-idle";
	case GPU_SPLIT_BUSY:
		return "gpu-busy";
	case GPU_SPLIT_SINGLE:
		return "gpu-single";
	case GPU_SPLIT_NO_ACTIVITY:
		return "gpu-no-activity";
	}
	return "unknown";
}

int gpu_snapshot_split(const struct joulestat *js, const struct activity_sample *s,
		       const struct attrib_domain *ad, enum attrib_idle_policy policy,
		       struct joulestat_snapshot_domain *out, uint64_t *task_domain_uj)
{
	const struct gpu_dev *dev;
	struct gpu_proc *procs = NULL;
	size_t cap = 0;
	int err = 0;

	for (size_t g = 0; (dev = gpu_at(js, g, NULL)); g++) {
		struct gpu_split_in in;
		struct gpu_ledger l;
		uint64_t total_busy = 0;
		size_t i;

		for (i = 0; i < js->nview && js->view[i] != dev->d; i++)
			;
		if (i == js->nview)
			continue; /* not in the public view */
		if (ad[i].refused)
			continue; /* a gap: nothing to split */
		if (dev->nprocs > cap) {
			struct gpu_proc *v = realloc(procs, dev->nprocs * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			procs = v;
			cap = dev->nprocs;
		}
		if (dev->nprocs)
			memcpy(procs, dev->procs, dev->nprocs * sizeof(*procs));
		for (size_t k = 0; k < dev->nprocs; k++)
			total_busy += procs[k].busy;
		in = (struct gpu_split_in){
		    .delta_uj = ad[i].delta_uj,
		    .interval_ns = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0,
		    .idle_mw = ad[i].static_mw ? ad[i].static_mw : dev->idle.mw,
		    .idle_known = ad[i].static_mw || dev->idle.known,
		};
		/*
		 * proportional: no idle row while some process was active (idle
		 * energy follows the activity, as it does for CPUs).
		 */
		if (policy == ATTRIB_IDLE_PROPORTIONAL && total_busy)
			in.idle_known = false;
		if (dev->procs_unknown) {
			/* No process list: nothing to split by, and not idle either. */
			out[i].status = snap_status(GPU_SPLIT_NO_ACTIVITY);
			out[i].tasks_uj = out[i].idle_uj = 0;
			out[i].unattributed_uj = ad[i].delta_uj;
			out[i].sampled = dev->sampled;
			continue;
		}
		err = gpu_split(&in, procs, dev->nprocs, &l);
		if (err < 0)
			break;
		for (size_t k = 0; k < dev->nprocs; k++) {
			long t = gpu_task_of(s, procs[k].pid);

			/* A GPU process that did not run on a CPU in the interval has no row. */
			if (t < 0) {
				l.unattributed_uj += procs[k].energy_uj;
				l.procs_uj -= procs[k].energy_uj;
				continue;
			}
			task_domain_uj[i * s->ntasks + (size_t)t] += procs[k].energy_uj;
		}
		out[i].status = snap_status(l.status);
		out[i].tasks_uj = l.procs_uj;
		out[i].idle_uj = l.idle_uj;
		out[i].unattributed_uj = l.unattributed_uj;
		out[i].sampled = dev->sampled;
	}
	free(procs);
	return err;
}
