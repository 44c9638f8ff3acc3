/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* probe_gpu.h - the GPU section of `joulestat probe` (text and JSON). */
#ifndef JOULESTAT_PROBE_GPU_H
#define JOULESTAT_PROBE_GPU_H

#include "joulestat.h"
#include "jsonw.h"

void probe_gpu_text(struct joulestat *js);
void probe_gpu_json(struct joulestat *js, struct jsonw *w);

#endif
