/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * recfmt_res.h - the `resources` object of a recording's interval line
 * (docs/FORMAT.md): the machine's resources over the interval, taken from
 * the snapshot, checked when read, and written back byte for byte (every
 * fractional value is kept as a scaled integer, so decode and encode are
 * exact inverses and `replay` copies it unchanged).
 */
#ifndef JOULESTAT_RECFMT_RES_H
#define JOULESTAT_RECFMT_RES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "joulestat.h"
#include "jsonr.h"
#include "recfmt.h"

/* Bounds a reader enforces: the collector's own limits (resources.h). */
#define RECFMT_RES_MAX_ITEMS 64
#define RECFMT_RES_NAME_MAX 63

struct recfmt_res_cpu {
	bool online;			/* false: written as null usage */
	uint32_t usage_centipct;	/* 0..10000 */
	uint64_t freq_khz;		/* 0: unknown */
};

struct recfmt_res_temp {
	char name[RECFMT_RES_NAME_MAX + 1];
	int64_t mc;			/* millidegrees Celsius */
};

struct recfmt_res_disk {
	char name[RECFMT_RES_NAME_MAX + 1];
	uint64_t read_bytes;		/* since boot */
	uint64_t write_bytes;
	uint64_t read_bytes_per_s;
	uint64_t write_bytes_per_s;
	uint32_t busy_centipct;
};

struct recfmt_res_net {
	char name[RECFMT_RES_NAME_MAX + 1];
	uint64_t rx_bytes;		/* since the interface came up */
	uint64_t tx_bytes;
	uint64_t rx_bytes_per_s;
	uint64_t tx_bytes_per_s;
};

struct recfmt_resources {
	uint32_t cpu_centipct;		/* all CPUs, 0..10000 */
	uint32_t iowait_centipct;
	uint64_t ctxt_per_s;
	uint64_t intr_per_s;
	uint32_t procs_running;
	uint32_t procs_blocked;
	uint64_t load_centi[3];		/* 1, 5, 15 minutes, × 100 (as /proc/loadavg) */
	uint64_t mem_total_bytes;
	uint64_t mem_available_bytes;	/* <= mem_total_bytes */
	uint64_t swap_total_bytes;
	uint64_t swap_used_bytes;	/* <= swap_total_bytes */
	bool has_psi;
	uint32_t psi_some_centipct[3];	/* cpu, io, memory */
	uint32_t psi_full_centipct[3];
	unsigned ncpus;
	struct recfmt_res_cpu *cpus;	/* [ncpus] */
	size_t ntemps;
	struct recfmt_res_temp temps[RECFMT_RES_MAX_ITEMS];
	size_t ndisks;
	struct recfmt_res_disk disks[RECFMT_RES_MAX_ITEMS];
	size_t nnets;
	struct recfmt_res_net nets[RECFMT_RES_MAX_ITEMS];
};

/*
 * The snapshot's system resources. -ENODATA when it carries none, -ENOMEM.
 * Values the library gives as doubles are rounded to the scales above.
 */
int recfmt_resources_from_snapshot(const struct joulestat_snapshot *snap,
				   struct recfmt_resources **ret);

/*
 * Decode and check the object `n` of `doc` (`null` is not handled here).
 * Returns 0 and *ret; -EINVAL with err naming the field ("resources.cpus[3]:
 * ..."); -ENOMEM. At most `max_cpus` CPUs.
 */
int recfmt_resources_decode(const struct jsonr_doc *doc, const struct jsonr_node *n,
			    unsigned max_cpus, struct recfmt_resources **ret,
			    struct recfmt_error *err);

/* Write the object (no key, no separator). */
void recfmt_resources_write(FILE *f, const struct recfmt_resources *res);

/* NULL is a no-op. Returns NULL. */
struct recfmt_resources *recfmt_resources_free(struct recfmt_resources *res);

#endif
