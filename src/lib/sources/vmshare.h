/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * vmshare.h - the per-VM energy tree a host exports to its guest
 * (docs/FORMAT.md, "VM export"), shared by the writer (`joulestat serve
 * --vm-export`) and the reader (the host source, inside the guest):
 *
 *   <dir>/<vm>/intel-rapl:0/energy_uj             the VM's energy, µJ, never wrapping
 *   <dir>/<vm>/intel-rapl:0/max_energy_range_uj   VMSHARE_RANGE_UJ
 *   <dir>/<vm>/intel-rapl:0/name                  "package-0"
 *   <dir>/<vm>/joulestat-vm                       this file: provenance and liveness
 *
 * The first three are the powercap layout Scaphandre's qemu exporter writes
 * and its guest mode (`scaphandre --vm`) reads. joulestat-vm is key/value
 * lines after a "joulestat-vm-export 1" line. Pure: no I/O.
 */
#ifndef JOULESTAT_VMSHARE_H
#define JOULESTAT_VMSHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMSHARE_VERSION 1
#define VMSHARE_MAGIC "joulestat-vm-export"
#define VMSHARE_META_FILE "joulestat-vm"
#define VMSHARE_ZONE "intel-rapl:0"
#define VMSHARE_ENERGY_FILE VMSHARE_ZONE "/energy_uj"
/* What max_energy_range_uj says: the counter never wraps (2^63 - 1 µJ: 292 000 years at 1 kW). */
#define VMSHARE_RANGE_UJ 9223372036854775807ULL
#define VMSHARE_META_MAX 4096
#define VMSHARE_TEXT_MAX 128

struct vmshare_meta {
	unsigned version;
	char vm[VMSHARE_TEXT_MAX];		/* the VM's name on the host */
	char host[VMSHARE_TEXT_MAX];		/* the host's name */
	/*
	 * The counter's lineage: within one epoch energy_uj never decreases.
	 * A new epoch (the host lost the counter and started again at 0) is a
	 * reset, never a wrap.
	 */
	uint64_t epoch;
	uint64_t seq;				/* +1 at every update, even without new energy */
	uint64_t interval_ms;			/* how often the host updates */
	uint64_t updated_unix_ns;		/* the host's wall clock at the last update */
	bool estimated;				/* the host modelled its energy, measured nothing */
	char sources[VMSHARE_TEXT_MAX];		/* the host's energy sources, "powercap" */
	char idle_policy[32];			/* the host's idle policy: the VM's share of idle */
};

/*
 * Parse a joulestat-vm file. Unknown keys are skipped (later versions may
 * add some). Returns 0 and *ret; -EPROTONOSUPPORT for a version above
 * VMSHARE_VERSION; -EINVAL for anything malformed (the first line not the
 * magic, a bad number, a key given twice, or epoch, seq, interval_ms or
 * updated_unix_ns missing), with the 1-based line in *ret_line (0 when the
 * file is empty or a key is missing).
 */
int parse_vmshare_meta(const char *buf, size_t len, struct vmshare_meta *ret, unsigned *ret_line);

/*
 * Write `m` as a joulestat-vm file into buf. Text fields holding a newline
 * or a control byte are written empty. Returns the length, or -ENOSPC.
 */
int vmshare_meta_format(const struct vmshare_meta *m, char *buf, size_t size);

#endif
