/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * rapl.h - what the three RAPL sources (powercap, perf power PMU, MSR) share:
 * the pure parsers of the kernel's text formats (powercap zone ids and
 * names, perf event/scale/unit strings), the MSR register layout, domain
 * naming, and worst-case powers used to judge counter wraps.
 *
 * Parsers follow parse.h: no I/O, the buffer need not be NUL-terminated,
 * *ret is written only on success; each has unit tests and a fuzz target.
 */
#ifndef JOULESTAT_RAPL_H
#define JOULESTAT_RAPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"

/* ---- powercap ---- */

#define POWERCAP_CTL_MAX 32
#define POWERCAP_DEPTH_MAX 2

/*
 * A powercap zone directory name: "<control type>:<N>[:<M>]"
 * ("intel-rapl:0", "intel-rapl:0:1", "intel-rapl-mmio:0"). The control type
 * is [a-z0-9-]+, indices are decimal < 65536, at most two levels (the RAPL
 * driver nests subzones once). -EINVAL otherwise.
 */
struct powercap_zone_id {
	char ctl[POWERCAP_CTL_MAX];
	unsigned depth; /* 1 for a zone, 2 for a subzone */
	unsigned idx[POWERCAP_DEPTH_MAX];
};

int parse_powercap_zone_id(const char *buf, size_t len, struct powercap_zone_id *ret);

/*
 * A RAPL zone's `name` file, as drivers/powercap/intel_rapl_common.c writes
 * it: "package-<id>", "package-<id>-die-<die>" (several dies per package),
 * "core", "uncore", "dram", "psys". <id> is the topology_physical_package_id()
 * of the package. A trailing newline is allowed. -EINVAL for anything else
 * (-ERANGE for an id ≥ 65536).
 */
struct rapl_zone_name {
	enum joulestat_domain_kind kind;
	int package; /* PACKAGE only, else -1 */
	int die;     /* "-die-N" suffix, else -1 */
};

int parse_rapl_zone_name(const char *buf, size_t len, struct rapl_zone_name *ret);

/* ---- perf power PMU ---- */

/*
 * An event's config string from events/energy-* ("event=0x02\n"). Only the
 * `event` term is accepted (the power PMU's only format field, config:0-7);
 * value in hex (0x) or decimal, ≤ 0xff. -EINVAL for malformed text,
 * -EOPNOTSUPP for another term, -ERANGE for a value above 0xff.
 */
int parse_perf_event_config(const char *buf, size_t len, uint64_t *ret_config);

/*
 * The scale of a perf event (events/energy-*.scale, e.g.
 * "2.3283064365386962890625e-10\n", joules per count), kept as the exact
 * fraction of µJ per count, mul/div, reduced: the Intel and AMD scale 2^-32 J
 * becomes 15625/67108864 µJ, so counts convert without floating point and
 * without rounding drift. A scale whose reduced fraction does not fit in 64
 * bits is approximated (relative error below 1e-18). -EINVAL for malformed
 * text, a sign or a zero scale; -ERANGE for a scale above 2^64 µJ per count
 * or below 1e-38 µJ per count.
 */
struct perf_scale {
	uint64_t mul;
	uint64_t div;
};

int parse_perf_scale(const char *buf, size_t len, struct perf_scale *ret);

/* events/energy-*.unit: 0 for "Joules" (the kernel's only energy unit), -EINVAL otherwise. */
int parse_perf_unit(const char *buf, size_t len);

/*
 * floor(count × scale × 1e6): the energy in µJ of `count` events whose scale
 * is in joules. -ERANGE when the result does not fit in 64 bits.
 */
int perf_scale_to_uj(uint64_t count, const struct perf_scale *s, uint64_t *ret_uj);

/* ---- MSR ---- */

#define MSR_INTEL_RAPL_POWER_UNIT 0x606
#define MSR_INTEL_PKG_ENERGY_STATUS 0x611
#define MSR_INTEL_DRAM_ENERGY_STATUS 0x619
#define MSR_INTEL_PP0_ENERGY_STATUS 0x639
#define MSR_INTEL_PP1_ENERGY_STATUS 0x641
#define MSR_INTEL_PLATFORM_ENERGY_STATUS 0x64d
#define MSR_AMD_RAPL_POWER_UNIT 0xc0010299
#define MSR_AMD_CORE_ENERGY_STATUS 0xc001029a
#define MSR_AMD_PKG_ENERGY_STATUS 0xc001029b

/* Energy status units: bits 12:8 of the power unit MSR (one unit = 1/2^ESU J). */
unsigned msr_energy_status_unit(uint64_t power_unit_msr);

/* The wrap range (µJ) of a 32-bit energy counter whose unit is 1/2^esu J: 2^32 × 10^6 / 2^esu. */
uint64_t msr_range_uj(unsigned esu);

/* floor(ticks × 10^6 / 2^esu) for the low 32 bits of an energy status MSR. */
uint64_t msr_ticks_to_uj(uint64_t msr_value, unsigned esu);

/*
 * Intel server parts whose DRAM domain counts in fixed 2^-16 J units
 * whatever MSR_RAPL_POWER_UNIT says (the kernel's rapl_defaults_hsw_server,
 * dram_domain_energy_unit = 15300 pJ).
 */
bool msr_intel_dram_fixed_unit(int family, int model);

/* ---- shared ---- */

/* "package", "core", "uncore", "dram", "psys" (the domain name stem). */
const char *rapl_kind_stem(enum joulestat_domain_kind kind);

/*
 * Worst-case power (µW) assumed for a RAPL domain of this kind when the
 * hardware does not tell: generous, since too low a value makes a real wrap
 * look implausible, while too high a value only shortens the longest
 * unambiguous interval between readings.
 */
uint64_t rapl_default_max_power_uw(enum joulestat_domain_kind kind);

#endif
