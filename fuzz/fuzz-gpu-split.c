/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-gpu-split.c - gpu_split on intervals decoded from arbitrary bytes:
 * the ledger must balance exactly, no process may get more than the active
 * energy, idle never exceeds ΔE, and the processes come out sorted by pid.
 *
 * Input: 1 header byte (processes, 0..31; bit 7: idle power known), then
 * 8-byte little-endian values consumed in order (ΔE, Δt, idle mW, then a
 * pid and a weight per process; missing bytes read as zero).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXP 32

static uint64_t next(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && *left; i++, (*left)--)
		v |= (uint64_t) * (*p)++ << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpu_proc procs[MAXP];
	struct gpu_split_in in;
	struct gpu_ledger l;
	unsigned __int128 sum = 0;
	size_t n, left;
	const uint8_t *p;

	if (size < 1)
		return 0;
	n = data[0] & 0x1f;
	p = data + 1;
	left = size - 1;
	memset(procs, 0, sizeof(procs));
	in.delta_uj = next(&p, &left);
	in.interval_ns = next(&p, &left);
	in.idle_mw = next(&p, &left);
	in.idle_known = data[0] & 0x80;
	for (size_t i = 0; i < n; i++) {
		procs[i].pid = (uint32_t)next(&p, &left);
		procs[i].busy = next(&p, &left);
	}
	if (gpu_split(&in, procs, n, &l) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i && procs[i - 1].pid > procs[i].pid)
			abort();
		if (procs[i].energy_uj > in.delta_uj - l.idle_uj)
			abort();
		sum += procs[i].energy_uj;
	}
	if (sum != l.procs_uj || l.idle_uj > in.delta_uj || l.delta_uj != in.delta_uj ||
	    (unsigned __int128)l.procs_uj + l.idle_uj + l.unattributed_uj != in.delta_uj)
		abort();
	if (n == 0 && l.idle_uj != in.delta_uj)
		abort();
	return 0;
}
