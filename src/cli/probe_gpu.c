/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * probe_gpu.c - the GPU part of `joulestat probe`: each GPU the nvml and drm
 * sources read, how its energy and per-process activity are read (or why
 * not), its state now, and the split of the probe's interval between the
 * processes that used it.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "jsonw.h"
#include "probe_gpu.h"
#include "textesc.h"

static void state_line(const struct joulestat_gpu_info *g)
{
	printf("  %-6s now:", "");
	if (g->util_pct >= 0)
		printf(" %d %% busy", g->util_pct);
	if (g->mem_total_bytes)
		printf(", memory %.1f/%.1f GiB", (double)g->mem_used_bytes / (1 << 30),
		       (double)g->mem_total_bytes / (1 << 30));
	if (g->has_temp)
		printf(", %d °C", g->temp_c);
	if (g->sm_clock_mhz)
		printf(", SM %u MHz", g->sm_clock_mhz);
	if (g->mem_clock_mhz)
		printf(", memory %u MHz", g->mem_clock_mhz);
	if (g->power_limit_mw)
		printf(", limit %.0f W", (double)g->power_limit_mw / 1e3);
	printf(", MIG %s\n", g->mig == 1 ? "on" : g->mig == 0 ? "off" : "unsupported");
}

void probe_gpu_text(struct joulestat *js)
{
	size_t n = joulestat_gpu_count(js);
	char e[TEXTESC_SIZE(256)];

	printf("\nGPUs\n");
	if (n == 0) {
		printf("  none: see the nvml and drm sources above for why\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct joulestat_gpu_info g = {.sz = sizeof(g)};

		if (joulestat_gpu_get(js, i, &g) < 0)
			continue;
		printf("  %-6s %s %s, %s%s%s%s%s\n", g.domain, g.vendor, g.driver,
		       g.name[0] ? text_esc(g.name, e, sizeof(e)) : "unnamed", g.pci[0] ? ", " : "",
		       g.pci, g.uuid[0] ? ", " : "", g.uuid);
		printf("  %-6s energy: %s (source %s)\n", "", g.energy_from, g.source);
		state_line(&g);
		printf("  %-6s per process: %s\n", "", g.per_process);
		printf("  %-6s last interval: %.6f J = processes %.6f + idle %.6f + unattributed "
		       "%.6f (%s%s)",
		       "", (double)g.delta_uj / 1e6, (double)g.procs_uj / 1e6,
		       (double)g.idle_uj / 1e6, (double)g.unattributed_uj / 1e6, g.split,
		       g.sampled ? ", sampled" : "");
		if (g.idle_known)
			printf(", idle power %.3f W\n", (double)g.idle_mw / 1e3);
		else
			printf(", idle power not known yet\n");
		if (g.nprocs)
			printf("  %-6s %8s %-16s %5s %5s %10s %12s\n", "", "PID", "COMM", "SM%",
			       "MEM%", "VRAM_MIB", "ENERGY_J");
		for (size_t k = 0; k < g.nprocs; k++) {
			struct joulestat_gpu_process p = {.sz = sizeof(p)};

			if (joulestat_gpu_process_get(js, i, k, &p) < 0)
				continue;
			/* Any user's process may be on the GPU: its name is escaped. */
			printf("  %-6s %8d %-16s %5u %5u %10.1f %12.6f\n", "", p.pid,
			       p.comm[0] ? text_esc(p.comm, e, sizeof(e)) : "?", p.sm_pct, p.mem_pct,
			       (double)p.vram_bytes / (1 << 20), (double)p.energy_uj / 1e6);
		}
	}
}

static void key_int_or_null(struct jsonw *w, const char *key, int64_t v, bool known)
{
	jsonw_key(w, key);
	if (known)
		jsonw_i64(w, v);
	else
		jsonw_null(w);
}

void probe_gpu_json(struct joulestat *js, struct jsonw *w)
{
	size_t n = joulestat_gpu_count(js);

	jsonw_key(w, "gpus");
	jsonw_begin_array(w);
	for (size_t i = 0; i < n; i++) {
		struct joulestat_gpu_info g = {.sz = sizeof(g)};

		if (joulestat_gpu_get(js, i, &g) < 0)
			continue;
		jsonw_begin_object(w);
		jsonw_key(w, "domain");
		jsonw_string(w, g.domain);
		jsonw_key(w, "source");
		jsonw_string(w, g.source);
		jsonw_key(w, "vendor");
		jsonw_string(w, g.vendor);
		jsonw_key(w, "driver");
		jsonw_string(w, g.driver);
		jsonw_key(w, "name");
		jsonw_string(w, g.name);
		jsonw_key(w, "uuid");
		jsonw_string(w, g.uuid);
		jsonw_key(w, "pci");
		jsonw_string(w, g.pci);
		jsonw_key(w, "energy_from");
		jsonw_string(w, g.energy_from);
		jsonw_key(w, "per_process");
		jsonw_string(w, g.per_process);
		jsonw_key(w, "per_process_available");
		jsonw_bool(w, g.per_process_ok);
		jsonw_key(w, "sampled");
		jsonw_bool(w, g.sampled);
		key_int_or_null(w, "util_pct", g.util_pct, g.util_pct >= 0);
		key_int_or_null(w, "mem_util_pct", g.mem_util_pct, g.mem_util_pct >= 0);
		key_int_or_null(w, "mem_used_bytes", (int64_t)g.mem_used_bytes, g.mem_total_bytes);
		key_int_or_null(w, "mem_total_bytes", (int64_t)g.mem_total_bytes,
				g.mem_total_bytes);
		key_int_or_null(w, "temp_c", g.temp_c, g.has_temp);
		key_int_or_null(w, "sm_clock_mhz", g.sm_clock_mhz, g.sm_clock_mhz);
		key_int_or_null(w, "mem_clock_mhz", g.mem_clock_mhz, g.mem_clock_mhz);
		key_int_or_null(w, "power_limit_mw", (int64_t)g.power_limit_mw, g.power_limit_mw);
		jsonw_key(w, "mig");
		jsonw_string(w, g.mig == 1 ? "on" : g.mig == 0 ? "off" : "unsupported");
		jsonw_key(w, "interval");
		jsonw_begin_object(w);
		jsonw_key(w, "delta_uj");
		jsonw_u64(w, g.delta_uj);
		jsonw_key(w, "processes_uj");
		jsonw_u64(w, g.procs_uj);
		jsonw_key(w, "idle_uj");
		jsonw_u64(w, g.idle_uj);
		jsonw_key(w, "unattributed_uj");
		jsonw_u64(w, g.unattributed_uj);
		jsonw_key(w, "split");
		jsonw_string(w, g.split);
		key_int_or_null(w, "idle_mw", (int64_t)g.idle_mw, g.idle_known);
		jsonw_end_object(w);
		jsonw_key(w, "processes");
		jsonw_begin_array(w);
		for (size_t k = 0; k < g.nprocs; k++) {
			struct joulestat_gpu_process p = {.sz = sizeof(p)};

			if (joulestat_gpu_process_get(js, i, k, &p) < 0)
				continue;
			jsonw_begin_object(w);
			jsonw_key(w, "pid");
			jsonw_i64(w, p.pid);
			jsonw_key(w, "comm");
			jsonw_string(w, p.comm);
			jsonw_key(w, "busy");
			jsonw_u64(w, p.busy);
			jsonw_key(w, "sm_pct");
			jsonw_u64(w, p.sm_pct);
			jsonw_key(w, "mem_pct");
			jsonw_u64(w, p.mem_pct);
			jsonw_key(w, "vram_bytes");
			jsonw_u64(w, p.vram_bytes);
			jsonw_key(w, "energy_uj");
			jsonw_u64(w, p.energy_uj);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}
