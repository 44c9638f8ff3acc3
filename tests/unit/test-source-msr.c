/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-msr.c - RAPL from /dev/cpu/N/msr: registers, units (including
 * the fixed DRAM unit of server parts), AMD per-core sums, 32-bit wraps,
 * and the missing-module and permission errors. MSR files are regular
 * (sparse) files with 8-byte little-endian values at the register offsets,
 * committed for Intel and written here with pwrite() for AMD, whose
 * registers sit past 3 GiB.
 */
#include "testutil.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "joulestat.h"
#include "monitor.h"
#include "rapl.h"
#include "srcenv.h"
#include "util.h"

/* ESU 14: one unit is 2^-14 J = 61.03515625 µJ; the 32-bit range is 262144 J. */
#define RANGE14_UJ 262144000000ULL

/* Store one 8-byte register at its offset in <dir>/dev/cpu/<cpu>/msr, in place. */
static void pwrite_msr(const char *dir, unsigned cpu, uint32_t reg, uint64_t value, int oflags)
{
	char path[4096];
	uint8_t b[8];
	int fd;

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(value >> (8 * i));
	snprintf(path, sizeof(path), "%s/dev/cpu/%u/msr", dir, cpu);
	fd = open(path, oflags, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, 8, (off_t)reg), 8);
	close(fd);
}

/* Create the device file if needed: a sparse file, the AMD registers sit past 3 GiB. */
static void write_msr(const char *dir, unsigned cpu, uint32_t reg, uint64_t value)
{
	char path[4096];

	snprintf(path, sizeof(path), "dev/cpu/%u/.dir", cpu);
	tu_write(dir, path, ""); /* the directories */
	pwrite_msr(dir, cpu, reg, value, O_WRONLY | O_CREAT);
}

/* Rewrite one register of an existing file (tu_write would truncate it). */
static void set_msr(const char *dir, unsigned cpu, uint32_t reg, uint64_t value)
{
	pwrite_msr(dir, cpu, reg, value, O_WRONLY);
}

static void test_intel_2s_registers(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("intel-2s"), "msr", TU_DEV_ROOT | TU_MSR);
	struct joulestat_domain_info di;

	assert_int_equal(tu_source(js, "msr").state, JOULESTAT_SOURCE_ACTIVE);
	/* package, core, dram per socket + psys; PP1 reads 0 on this server: absent. */
	assert_int_equal(joulestat_domain_count(js), 7);
	assert_false(tu_has_domain(js, "uncore-0"));
	di = tu_domain(js, "package-0");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_int_equal(di.socket, 0);
	assert_int_equal(di.cpu_mask[0], 0x0f);
	assert_int_equal(di.max_energy_range_uj, RANGE14_UJ);
	/* 0x12345678 ticks × 61.03515625 µJ = 18641351074.21875 µJ. */
	assert_int_equal(di.raw_uj, 18641351074ULL);
	assert_false(di.in_host_total);
	assert_non_null(strstr(di.path, "/dev/cpu/0/msr, register 0x611"));
	di = tu_domain(js, "package-1");
	assert_int_equal(di.cpu_mask[0], 0xf0);
	assert_non_null(strstr(di.path, "/dev/cpu/4/msr, register 0x611"));
	/* Skylake-SP DRAM counts 2^-16 J whatever the ESU: 2^20 ticks = 16 J, not 64 J. */
	di = tu_domain(js, "dram-0");
	assert_int_equal(di.raw_uj, 16000000);
	assert_int_equal(di.max_energy_range_uj, 65536000000ULL);
	assert_int_equal(tu_domain(js, "dram-1").raw_uj, 32000000);
	assert_int_equal(tu_domain(js, "core-1").raw_uj, (uint64_t)0x03345678 * 1000000 / 16384);
	di = tu_domain(js, "psys");
	assert_int_equal(di.socket, -1);
	assert_int_equal(di.cpu_mask[0], 0xff);
	assert_true(di.in_host_total);
	assert_int_equal(di.raw_uj, 65536000000ULL); /* 2^30 ticks */
	joulestat_free(js);
}

static void test_laptop_uncore_and_shadowing(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("laptop"), "msr", TU_DEV_ROOT | TU_MSR);

	assert_int_equal(joulestat_domain_count(js), 4);
	assert_int_equal(tu_domain(js, "uncore-0").kind, JOULESTAT_DOMAIN_UNCORE);
	assert_int_equal(tu_domain(js, "uncore-0").raw_uj, (uint64_t)0x400000 * 1000000 / 16384);
	assert_false(tu_has_domain(js, "dram-0"));
	joulestat_free(js);

	/* powercap is preferred: with both, msr steps aside entirely. */
	js = tu_monitor(tu_data("laptop"), "powercap,msr", TU_DEV_ROOT | TU_MSR);
	assert_int_equal(tu_source(js, "msr").state, JOULESTAT_SOURCE_SHADOWED);
	assert_string_equal(tu_domain(js, "package-0").source, "powercap");
	joulestat_free(js);
}

/* ---- unwrapping 32-bit counters with a synthetic clock ---- */

/* A copy of a fixture tree with the msr source driven by hand (srcenv.h). */
struct rig {
	char *dir;
	struct srcenv *e;
};

static void rig_open(struct rig *g, const char *fixture)
{
	g->dir = tu_copy_fixture(fixture);
	g->e = srcenv_new(g->dir, 0);
}

static int rig_start(struct rig *g)
{
	return srcenv_open(g->e, &source_msr_ops);
}

static void rig_close(struct rig *g)
{
	srcenv_free(g->e);
	tu_rm_rf(g->dir);
	free(g->dir);
}

static struct domain *find(struct rig *g, const char *name)
{
	struct domain *d = srcenv_find(g->e, name);

	assert_non_null(d);
	return d;
}

static void test_wraps_exact(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t ticks = 1ULL << 20, total = 0, t;

	rig_open(&g, "intel-2s");
	/* Start on a whole µJ (2^20 ticks = 64 J) so the floor has nothing to lose. */
	set_msr(g.dir, 0, 0x611, ticks);
	assert_int_equal(rig_start(&g), 0);
	d = find(&g, "package-0");
	t = d->timestamp_ns;
	/* 0.3 of the range per 100 s (786 W < the 1 kW worst case): wraps every ~3 reads. */
	for (int i = 0; i < 40; i++) {
		uint64_t step = 1288490189ULL + (uint64_t)i * 977;

		total += step;
		ticks = (ticks + step) & 0xffffffffULL;
		set_msr(g.dir, 0, 0x611, 0xdead000000000000ULL | ticks); /* high bits ignored */
		assert_int_equal(srcenv_read(g.e, t += 100 * NSEC_PER_SEC), 0);
	}
	assert_int_equal(d->errors, 0);
	assert_int_equal(d->wraps, 12);
	/* floor(total ticks × 10^6 / 2^14): exact to the µJ. */
	assert_int_equal(d->energy_uj, (uint64_t)((unsigned __int128)total * 1000000 / 16384));
	rig_close(&g);
}

static void test_gap_and_backwards(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t t;

	rig_open(&g, "intel-2s");
	set_msr(g.dir, 0, 0x611, 1000000);
	assert_int_equal(rig_start(&g), 0);
	d = find(&g, "package-0");
	t = d->timestamp_ns;
	/* 262144 J at 1 kW worst case wraps in 262 s: 300 s is ambiguous. */
	set_msr(g.dir, 0, 0x611, 1000100);
	srcenv_read(g.e, t += 300 * NSEC_PER_SEC);
	assert_int_equal(d->last_error, -EAGAIN);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->energy_uj, 0);
	/* Back by 1000 ticks in 1 s: a wrap would be 262 kJ in 1 s. */
	set_msr(g.dir, 0, 0x611, 999100);
	srcenv_read(g.e, t += NSEC_PER_SEC);
	assert_int_equal(d->last_error, -EILSEQ);
	assert_int_equal(d->errors, 2);
	assert_int_equal(d->energy_uj, 0);
	set_msr(g.dir, 0, 0x611, 999100 + 16384);
	assert_int_equal(srcenv_read(g.e, t += NSEC_PER_SEC), 0);
	assert_int_equal(d->energy_uj, 1000000);
	rig_close(&g);
}

/* ---- AMD ---- */

/*
 * AMD's registers are adjacent (0xC0010299 units, 0xC001029A core,
 * 0xC001029B package), so in a file their 8-byte values overlap: on the
 * first CPU of a socket, where units and package are read, the core
 * register is whatever those bytes make it (ESU byte | package << 8). The
 * other CPUs hold only a core value, which the tests set freely.
 */
#define AMD_UNITS 0x000a1003ULL /* ESU 16: one unit = 2^-16 J, 65536 units = 1 J */

static void amd_first_cpu(const char *dir, unsigned cpu, uint64_t pkg)
{
	write_msr(dir, cpu, 0xc0010299, AMD_UNITS);
	write_msr(dir, cpu, 0xc001029b, pkg);
}

static uint64_t amd_first_cpu_core(uint64_t pkg)
{
	return ((AMD_UNITS >> 8) & 0xff) | ((pkg & 0xffffff) << 8);
}

static void test_amd_package_and_summed_cores(void **state)
{
	struct rig g;
	struct domain *pkg, *core;
	uint64_t t, c0;

	rig_open(&g, "amd-epyc");
	amd_first_cpu(g.dir, 0, 0x10000000);
	amd_first_cpu(g.dir, 4, 0x20000000);
	for (unsigned c = 1; c < 8; c++)
		if (c != 4)
			write_msr(g.dir, c, 0xc001029a, 0x00100000 * (c + 1));
	assert_int_equal(rig_start(&g), 0);
	assert_int_equal(g.e->domains.n, 4); /* package and core per socket */
	pkg = find(&g, "package-1");
	assert_int_equal(pkg->ctr.max_range_uj, 65536000000ULL);
	assert_int_equal(pkg->raw_uj, (uint64_t)0x20000000 * 1000000 / 65536);
	assert_int_equal(find(&g, "package-0")->raw_uj, (uint64_t)0x10000000 * 1000000 / 65536);
	core = find(&g, "core-0");
	assert_int_equal(core->kind, JOULESTAT_DOMAIN_CORE);
	assert_int_equal(core->socket, 0);
	assert_int_equal(core->cpus.bits[0], 0x0f);
	assert_non_null(strstr(core->path, "summed over the cores of socket 0"));
	assert_non_null(strstr(find(&g, "core-1")->path, "socket 1"));
	c0 = amd_first_cpu_core(0x10000000);
	assert_int_equal(c0 & 0x1f, 16); /* the overlap keeps ESU 16 */
	t = core->timestamp_ns;

	/* Socket 0's physical cores are CPUs 0 and 1; 2 and 3 are their SMT siblings. */
	set_msr(g.dir, 1, 0xc001029a, 0x00200000 + 3 * 65536);	/* +3 J */
	set_msr(g.dir, 2, 0xc001029a, 0x00300000 + 50 * 65536); /* a sibling: not read */
	set_msr(g.dir, 4, 0xc001029b, 0x20000000 + 10 * 65536); /* +10 J */
	assert_int_equal(srcenv_read(g.e, t + NSEC_PER_SEC), 0);
	assert_int_equal(core->energy_uj, 3000000);
	assert_int_equal(pkg->energy_uj, 10000000);
	/* One core wraps while the other stays: still exact. */
	set_msr(g.dir, 1, 0xc001029a, 0xffffffff);
	assert_int_equal(srcenv_read(g.e, t + 10 * NSEC_PER_SEC), 0);
	set_msr(g.dir, 1, 0xc001029a, 65536 - 1); /* 2^32 - 1 → 65535: 1 J */
	assert_int_equal(srcenv_read(g.e, t + 20 * NSEC_PER_SEC), 0);
	assert_int_equal(core->wraps, 1);
	assert_int_equal(core->errors, 0);
	/* 3 J, then floor(0xffffffff units) - 0x230000 units (35 J, exact), then 1 J. */
	assert_int_equal(core->energy_uj,
			 3000000 + (uint64_t)0xffffffff * 1000000 / 65536 - 35000000 + 1000000);
	rig_close(&g);
}

/* ---- failures ---- */

static void test_missing_module(void **state)
{
	struct rig g;
	char want[8192];

	rig_open(&g, "amd-epyc"); /* no dev/cpu/N/msr in this tree */
	assert_int_equal(rig_start(&g), -ENODEV);
	snprintf(want, sizeof(want),
		 "%s/dev/cpu/0/msr is missing: the msr module is not loaded: modprobe msr", g.dir);
	assert_string_equal(g.e->reason, want);
	assert_int_equal(g.e->domains.n, 0);
	rig_close(&g);
}

static void test_unknown_vendor(void **state)
{
	struct rig g;

	rig_open(&g, "intel-2s");
	strcpy(g.e->topo.cpu.vendor, "CentaurHauls");
	assert_int_equal(rig_start(&g), -ENODEV);
	assert_string_equal(g.e->reason, "no RAPL registers known for CPU vendor 'CentaurHauls'");
	rig_close(&g);
}

static void test_no_registers(void **state)
{
	struct rig g;
	char path[4096];

	rig_open(&g, "intel-2s");
	/* An msr file with nothing at 0x606 (a CPU without RAPL): short read. */
	snprintf(path, sizeof(path), "%s/dev/cpu/0/msr", g.dir);
	assert_int_equal(truncate(path, 0x600), 0);
	assert_int_equal(rig_start(&g), -ENODEV);
	assert_non_null(strstr(g.e->reason, "/dev/cpu/0/msr: register 0x606 (RAPL power units)"));
	assert_int_equal(g.e->domains.n, 0);
	rig_close(&g);
}

static void test_eperm_names_cap_sys_rawio(void **state)
{
	char *dir = tu_copy_fixture("intel-2s");
	struct tu_denied c = {
		.dir = dir, .flags = TU_DEV_ROOT | TU_MSR, .idx = 2, .source = "msr"
	};

	tu_readable_by_all(dir);
	tu_chmod(dir, "dev/cpu/0/msr", 0600);
	snprintf(c.want, sizeof(c.want), "%s/dev/cpu/0/msr: needs CAP_SYS_RAWIO: run as root", dir);
	assert_int_equal(tu_as_nobody(tu_check_denied, &c), 0);
	tu_rm_rf(dir);
	free(dir);
}

static void test_unit_arithmetic(void **state)
{
	assert_int_equal(msr_energy_status_unit(0xa0e03), 14);
	assert_int_equal(msr_energy_status_unit(0xa1003), 16);
	assert_int_equal(msr_energy_status_unit(0xffffffffffff1fffULL), 31);
	assert_int_equal(msr_range_uj(14), RANGE14_UJ);
	assert_int_equal(msr_range_uj(16), 65536000000ULL);
	assert_int_equal(msr_range_uj(0), 4294967296000000ULL);
	assert_int_equal(msr_ticks_to_uj(16384, 14), 1000000);
	assert_int_equal(msr_ticks_to_uj(1, 14), 61);
	assert_int_equal(msr_ticks_to_uj(0xffffffff00000001ULL, 14), 61); /* high half ignored */
	assert_int_equal(msr_ticks_to_uj(0xffffffff, 14), RANGE14_UJ - 62);
	assert_true(msr_intel_dram_fixed_unit(6, 85));
	assert_true(msr_intel_dram_fixed_unit(6, 143));
	assert_false(msr_intel_dram_fixed_unit(6, 140));
	assert_false(msr_intel_dram_fixed_unit(25, 85));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intel_2s_registers),
	    cmocka_unit_test(test_laptop_uncore_and_shadowing),
	    cmocka_unit_test(test_wraps_exact),
	    cmocka_unit_test(test_gap_and_backwards),
	    cmocka_unit_test(test_amd_package_and_summed_cores),
	    cmocka_unit_test(test_missing_module),
	    cmocka_unit_test(test_unknown_vendor),
	    cmocka_unit_test(test_no_registers),
	    cmocka_unit_test(test_eperm_names_cap_sys_rawio),
	    cmocka_unit_test(test_unit_arithmetic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
