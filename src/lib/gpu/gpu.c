/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * gpu.c - GPU attribution (gpu_split, pure) and the bookkeeping the GPU
 * sources share for each device. The rules are in gpu.h and
 * docs/sources-gpu.md; the apportionment is attrib.c's, so a GPU ledger
 * balances exactly like a CPU one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "attrib.h"
#include "gpu.h"
#include "source.h"
#include "util.h"

const char *gpu_split_status_name(enum gpu_split_status s)
{
	switch (s) {
	case GPU_SPLIT_IDLE:
		return "idle";
	case GPU_SPLIT_BUSY:
		return "busy";
	case GPU_SPLIT_SINGLE:
		return "single";
	case GPU_SPLIT_NO_ACTIVITY:
		return "no-activity";
	}
	return "unknown";
}

static int proc_cmp(const void *a, const void *b)
{
	const struct gpu_proc *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int gpu_split(const struct gpu_split_in *in, struct gpu_proc *procs, size_t n,
	      struct gpu_ledger *ret)
{
	struct gpu_ledger l = {0};
	uint64_t *w = NULL, *out = NULL, active;
	unsigned __int128 total = 0;
	int r = 0;

	if (!in || !ret || (n && !procs))
		return -EINVAL;
	l.delta_uj = in->delta_uj;
	if (n == 0) {
		l.idle_uj = in->delta_uj;
		l.idle_basis = GPU_IDLE_ALL;
		l.status = GPU_SPLIT_IDLE;
		*ret = l;
		return 0;
	}
	qsort(procs, n, sizeof(*procs), proc_cmp);
	if (in->idle_known) {
		/* mW × ns = 1e-12 J = 1e-6 µJ. */
		l.idle_uj = MIN(mul_div_u64(in->idle_mw, in->interval_ns, 1000000), in->delta_uj);
		l.idle_basis = GPU_IDLE_POWER;
	} else {
		l.idle_basis = GPU_IDLE_UNKNOWN;
	}
	active = in->delta_uj - l.idle_uj;
	for (size_t i = 0; i < n; i++)
		total += procs[i].busy;
	w = calloc(n, sizeof(*w));
	out = calloc(n, sizeof(*out));
	if (!w || !out) {
		r = -ENOMEM;
		goto out;
	}
	if (n == 1) {
		/* Alone on the GPU: all of the active energy is its, sampled or not. */
		out[0] = active;
		l.status = total ? GPU_SPLIT_BUSY : GPU_SPLIT_SINGLE;
	} else if (total == 0) {
		l.unattributed_uj = active;
		l.status = GPU_SPLIT_NO_ACTIVITY;
	} else {
		/* Scale weights into 64 bits when their sum does not fit (saturated counters). */
		unsigned shift = 0;

		while ((total >> shift) > UINT64_MAX)
			shift++;
		for (size_t i = 0; i < n; i++)
			w[i] = procs[i].busy >> shift;
		r = attrib_apportion(active, w, n, out);
		if (r < 0)
			goto out;
		l.status = GPU_SPLIT_BUSY;
	}
	for (size_t i = 0; i < n; i++) {
		procs[i].energy_uj = out[i];
		l.procs_uj += out[i];
	}
	*ret = l;
out:
	free(w);
	free(out);
	return r;
}

void gpu_idle_observe(struct gpu_idle *idle, uint64_t delta_uj, uint64_t interval_ns)
{
	uint64_t mw;

	if (idle->configured || interval_ns < GPU_IDLE_MIN_INTERVAL_NS)
		return;
	/* µJ / ns = kW: × 1e6 for mW. */
	mw = mul_div_u64(delta_uj, 1000000, interval_ns);
	if (!idle->known || mw < idle->mw) {
		idle->mw = mw;
		idle->known = true;
	}
}

int gpu_dev_reserve(struct gpu_dev *dev, size_t n)
{
	dev->nprocs = 0;
	if (n > dev->procs_cap) {
		struct gpu_proc *v = realloc(dev->procs, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		dev->procs = v;
		dev->procs_cap = n;
	}
	return 0;
}

void gpu_dev_account(struct gpu_dev *dev)
{
	const struct domain *d = dev->d;
	struct gpu_split_in in;

	if (!d || d->last_dt_ns == 0) {
		memset(&dev->ledger, 0, sizeof(dev->ledger));
		for (size_t i = 0; i < dev->nprocs; i++)
			dev->procs[i].energy_uj = 0;
		return;
	}
	if (dev->procs_unknown) {
		memset(&dev->ledger, 0, sizeof(dev->ledger));
		dev->ledger.delta_uj = dev->ledger.unattributed_uj = d->last_delta_uj;
		dev->ledger.status = GPU_SPLIT_NO_ACTIVITY;
		dev->ledger.idle_basis = GPU_IDLE_UNKNOWN;
		dev->intervals++;
		return;
	}
	in = (struct gpu_split_in){
	    .delta_uj = d->last_delta_uj,
	    .interval_ns = d->last_dt_ns,
	    .idle_mw = dev->idle.mw,
	    .idle_known = dev->idle.known,
	};
	if (dev->nprocs == 0)
		gpu_idle_observe(&dev->idle, d->last_delta_uj, d->last_dt_ns);
	if (gpu_split(&in, dev->procs, dev->nprocs, &dev->ledger) < 0) {
		/* Out of memory: the interval stays whole, unattributed, so nothing vanishes. */
		memset(&dev->ledger, 0, sizeof(dev->ledger));
		dev->ledger.delta_uj = dev->ledger.unattributed_uj = d->last_delta_uj;
		dev->ledger.status = GPU_SPLIT_NO_ACTIVITY;
		dev->ledger.idle_basis = GPU_IDLE_UNKNOWN;
		for (size_t i = 0; i < dev->nprocs; i++)
			dev->procs[i].energy_uj = 0;
	}
	dev->intervals++;
}

void gpu_dev_done(struct gpu_dev *dev)
{
	free(dev->procs);
	dev->procs = NULL;
	dev->nprocs = dev->procs_cap = 0;
}

long gpu_task_of(const struct activity_sample *s, uint32_t pid)
{
	long any = -1;

	for (size_t t = 0; t < s->ntasks; t++) {
		if (s->tasks[t].key.tgid != pid)
			continue;
		if (s->tasks[t].key.tid == pid)
			return (long)t;
		if (any < 0)
			any = (long)t;
	}
	return any;
}
