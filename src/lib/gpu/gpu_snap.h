/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* gpu_snap.h - the GPU part of a snapshot (gpu_api.c), called by snapshot.c. */
#ifndef JOULESTAT_GPU_SNAP_H
#define JOULESTAT_GPU_SNAP_H

#include <stdint.h>

#include "activity.h"
#include "attrib.h"
#include "joulestat.h"

struct joulestat;

/*
 * For every GPU domain of the monitor's view (which attrib_split() left
 * "skipped", all unattributed): split its delta (ad[i].delta_uj, the energy
 * since the last snapshot) by the GPU activity its source read last, with
 * ad[i].static_mw (the baseline file's entry for "gpuN" or "gpu") as the
 * configured idle power, else the learnt one; the proportional policy gives
 * no idle row while any process was active. Each process's share goes to
 * its main thread's task (any of its threads when the main one did not run)
 * in task_domain_uj[i * s->ntasks + task]; a process with no task in the
 * sample (it did not run on a CPU) leaves its share unattributed. out[i]
 * gets the GPU ledger, status "gpu-*" and sampled. Returns 0 or -ENOMEM
 * (out[] then keeps what attrib_split() gave: nothing is lost).
 */
int gpu_snapshot_split(const struct joulestat *js, const struct activity_sample *s,
		       const struct attrib_domain *ad, enum attrib_idle_policy policy,
		       struct joulestat_snapshot_domain *out, uint64_t *task_domain_uj);

#endif
