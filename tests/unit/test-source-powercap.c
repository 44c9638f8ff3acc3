/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-source-powercap.c - RAPL through powercap on the fixture trees:
 * discovery, sockets and CPU sets, duplicates, host total, unwrapping
 * (one wrap, many wraps, too long a gap, backwards), broken files, and the
 * root-only energy_uj of CVE-2020-8694. Plus the zone id/name parsers.
 */
#include "testutil.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "joulestat.h"
#include "monitor.h"
#include "rapl.h"
#include "srcenv.h"
#include "util.h"

#define ZONE0 "sys/devices/virtual/powercap/intel-rapl/intel-rapl:0"
#define RANGE_UJ 262143328850ULL

static void check_dom(const struct joulestat *js, const char *name, enum joulestat_domain_kind kind,
		      int socket, uint64_t mask, bool host, uint64_t range_uj)
{
	struct joulestat_domain_info di = tu_domain(js, name);

	assert_int_equal(di.kind, kind);
	assert_int_equal(di.socket, socket);
	assert_int_equal(di.cpu_mask_words, 1);
	assert_int_equal(di.cpu_mask[0], mask);
	assert_int_equal(di.in_host_total, host);
	assert_int_equal(di.max_energy_range_uj, range_uj);
	assert_string_equal(di.source, "powercap");
	assert_false(di.estimated);
	assert_true(di.warming_up);
	assert_int_equal(di.errors, 0);
}

static void test_intel_2s(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("intel-2s"), "powercap", TU_DEV_ROOT);
	struct joulestat_source_info si = tu_source(js, "powercap");

	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_string_equal(si.reason, "");
	/* 2 × (package, core, dram) + psys; the MMIO package-0 is not a domain. */
	assert_int_equal(joulestat_domain_count(js), 7);
	assert_int_equal(si.domains, 7);
	check_dom(js, "package-0", JOULESTAT_DOMAIN_PACKAGE, 0, 0x0f, false, RANGE_UJ);
	check_dom(js, "package-1", JOULESTAT_DOMAIN_PACKAGE, 1, 0xf0, false, RANGE_UJ);
	check_dom(js, "core-0", JOULESTAT_DOMAIN_CORE, 0, 0x0f, false, RANGE_UJ);
	check_dom(js, "core-1", JOULESTAT_DOMAIN_CORE, 1, 0xf0, false, RANGE_UJ);
	check_dom(js, "dram-0", JOULESTAT_DOMAIN_DRAM, 0, 0x0f, false, 65712999613ULL);
	check_dom(js, "dram-1", JOULESTAT_DOMAIN_DRAM, 1, 0xf0, false, 65712999613ULL);
	/* psys present: it alone is the host total (it contains package and dram). */
	check_dom(js, "psys", JOULESTAT_DOMAIN_PSYS, -1, 0xff, true, RANGE_UJ);
	assert_int_equal(tu_domain(js, "package-0").raw_uj, 1234567890);
	assert_int_equal(tu_domain(js, "package-1").raw_uj, 2234567890);
	assert_int_equal(tu_domain(js, "dram-1").raw_uj, 445678901);
	assert_non_null(
	    strstr(tu_domain(js, "package-0").path, "/class/powercap/intel-rapl:0/energy_uj"));
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		joulestat_domain_get(js, i, &di);
		assert_null(strstr(di.path, "mmio"));
	}
	joulestat_free(js);
}

static void test_intel_2s_without_psys_sums_package_and_dram(void **state)
{
	char *dir = tu_copy_fixture("intel-2s"), cmd[8192];
	struct joulestat *js;
	uint64_t host;

	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s/sys/class/powercap/intel-rapl:2' "
		 "'%s/sys/devices/virtual/powercap/intel-rapl/intel-rapl:2'",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	assert_int_equal(joulestat_domain_count(js), 6);
	assert_true(tu_domain(js, "package-0").in_host_total);
	assert_true(tu_domain(js, "package-1").in_host_total);
	assert_true(tu_domain(js, "dram-0").in_host_total);
	assert_true(tu_domain(js, "dram-1").in_host_total);
	/* core is inside package: never in the total. */
	assert_false(tu_domain(js, "core-0").in_host_total);
	assert_false(tu_domain(js, "core-1").in_host_total);

	/* 1 J more on package-0 and on the MMIO duplicate: counted once. */
	tu_writef(dir, ZONE0 "/energy_uj", "%" PRIu64 "\n", (uint64_t)1234567890 + 1000000);
	tu_writef(dir, "sys/devices/virtual/powercap/intel-rapl-mmio/intel-rapl-mmio:0/energy_uj",
		  "%" PRIu64 "\n", (uint64_t)1234567890 + 1000000);
	tu_writef(dir, ZONE0 "/intel-rapl:0:1/energy_uj", "%" PRIu64 "\n",
		  (uint64_t)345678901 + 250000);
	tu_writef(dir, ZONE0 "/intel-rapl:0:0/energy_uj", "%" PRIu64 "\n",
		  (uint64_t)734567890 + 700000);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(joulestat_host_energy(js, &host, NULL, NULL), 0);
	assert_int_equal(host, 1250000);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

static void test_secondary_interface_alone_is_used(void **state)
{
	char *dir = tu_copy_fixture("intel-2s"), cmd[8192];
	const char *mmio = "sys/devices/virtual/powercap/intel-rapl-mmio/intel-rapl-mmio:0";
	char rel[512];
	struct joulestat *js;

	/*
	 * No intel-rapl tree and no class/powercap links: the MMIO zone (and a
	 * subzone under it), found under devices/virtual/powercap, is all there is.
	 */
	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s/sys/class/powercap/intel-rapl'* "
		 "'%s/sys/devices/virtual/powercap/intel-rapl'",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(rel, sizeof(rel), "%s/intel-rapl-mmio:0:0/name", mmio);
	tu_write(dir, rel, "dram\n");
	snprintf(rel, sizeof(rel), "%s/intel-rapl-mmio:0:0/energy_uj", mmio);
	tu_write(dir, rel, "4242\n");
	snprintf(rel, sizeof(rel), "%s/intel-rapl-mmio:0:0/max_energy_range_uj", mmio);
	tu_write(dir, rel, "65712999613\n");
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	assert_int_equal(joulestat_domain_count(js), 2);
	assert_non_null(strstr(tu_domain(js, "package-0").path,
			       "/devices/virtual/powercap/intel-rapl-mmio/intel-rapl-mmio:0/energy_uj"));
	assert_int_equal(tu_domain(js, "dram-0").raw_uj, 4242);
	assert_int_equal(tu_domain(js, "dram-0").cpu_mask[0], 0x0f);
	assert_true(tu_domain(js, "dram-0").in_host_total);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

static void test_laptop(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("laptop"), "powercap", TU_DEV_ROOT);

	assert_int_equal(joulestat_domain_count(js), 4);
	check_dom(js, "psys", JOULESTAT_DOMAIN_PSYS, -1, 0xff, true, RANGE_UJ);
	check_dom(js, "package-0", JOULESTAT_DOMAIN_PACKAGE, 0, 0xff, false, RANGE_UJ);
	check_dom(js, "core-0", JOULESTAT_DOMAIN_CORE, 0, 0xff, false, RANGE_UJ);
	check_dom(js, "uncore-0", JOULESTAT_DOMAIN_UNCORE, 0, 0xff, false, RANGE_UJ);
	assert_false(tu_has_domain(js, "dram-0"));
	joulestat_free(js);
}

static void test_amd_epyc(void **state)
{
	struct joulestat *js = tu_monitor(tu_data("amd-epyc"), "powercap", TU_DEV_ROOT);

	assert_int_equal(joulestat_domain_count(js), 4);
	check_dom(js, "package-0", JOULESTAT_DOMAIN_PACKAGE, 0, 0x0f, true, 65532610987ULL);
	check_dom(js, "package-1", JOULESTAT_DOMAIN_PACKAGE, 1, 0xf0, true, 65532610987ULL);
	check_dom(js, "core-0", JOULESTAT_DOMAIN_CORE, 0, 0x0f, false, 65532610987ULL);
	check_dom(js, "core-1", JOULESTAT_DOMAIN_CORE, 1, 0xf0, false, 65532610987ULL);
	joulestat_free(js);
}

static void test_amd_multi_die_mirrors_dropped(void **state)
{
	char *dir = tu_copy_fixture("amd-epyc");
	struct joulestat *js;

	/* Kernels that see two dies name the zones package-N-die-M; AMD mirrors die 0. */
	tu_write(dir, ZONE0 "/name", "package-0-die-0\n");
	tu_write(dir, "sys/devices/virtual/powercap/intel-rapl/intel-rapl:1/name",
		 "package-0-die-1\n");
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	assert_true(tu_has_domain(js, "package-0-die-0"));
	assert_true(tu_has_domain(js, "core-0-die-0"));
	assert_false(tu_has_domain(js, "package-0-die-1"));
	assert_false(tu_has_domain(js, "core-0-die-1"));
	assert_int_equal(joulestat_domain_count(js), 2);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

static void test_non_contiguous_package_ids(void **state)
{
	char *dir = tu_copy_fixture("intel-2s");
	struct joulestat *js;

	/* The kernel names zones after physical_package_id: 0 and 3 here. */
	for (int c = 4; c < 8; c++) {
		char rel[128];

		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
		tu_write(dir, rel, "3\n");
	}
	tu_write(dir, "sys/devices/virtual/powercap/intel-rapl/intel-rapl:1/name", "package-3\n");
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	assert_int_equal(tu_domain(js, "package-1").cpu_mask[0], 0xf0);
	assert_int_equal(tu_domain(js, "package-1").raw_uj, 2234567890);
	assert_int_equal(tu_domain(js, "dram-1").cpu_mask[0], 0xf0);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

static void test_broken_tree_names_each_file(void **state)
{
	static const char *const broken[] = {
	    "intel-rapl:0:0/energy_uj: missing",
	    "intel-rapl:0:1/energy_uj: not a number",
	    "intel-rapl:0:2/energy_uj: empty",
	    "intel-rapl:1:0/max_energy_range_uj: 0, the counter cannot be unwrapped",
	    "intel-rapl:1:1/energy_uj: a directory, not a file",
	    "intel-rapl:1:2/energy_uj: 70000000000 exceeds max_energy_range_uj 65712999613",
	    "intel-rapl:2/max_energy_range_uj: missing",
	};
	struct joulestat *js = tu_monitor(tu_data("broken-rapl"), "powercap", TU_DEV_ROOT);
	struct joulestat_source_info si = tu_source(js, "powercap");

	/* The two good packages keep working; every broken zone is named. */
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_int_equal(joulestat_domain_count(js), 2);
	assert_true(tu_domain(js, "package-0").in_host_total);
	assert_true(tu_domain(js, "package-1").in_host_total);
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++)
		if (!strstr(si.reason, broken[i]))
			fail_msg("'%s' not in: %s", broken[i], si.reason);
	assert_non_null(strstr(si.reason, tu_data("broken-rapl/sys/class/powercap/")));
	assert_int_equal(joulestat_read_energy(js), 0);
	joulestat_free(js);
}

static void test_no_powercap(void **state)
{
	char *dir = tu_copy_fixture("intel-2s"), cmd[8192], want[8192];
	struct joulestat *js;
	struct joulestat_source_info si;

	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s/sys/class/powercap' '%s/sys/devices/virtual/powercap'", dir, dir);
	assert_int_equal(system(cmd), 0);
	js = tu_monitor(dir, "powercap,msr", TU_DEV_ROOT);
	si = tu_source(js, "powercap");
	assert_int_equal(si.state, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_int_equal(si.error, -ENODEV);
	snprintf(want, sizeof(want),
		 "no RAPL exposed under %s/sys/class/powercap: virtual machine, or the intel_rapl "
		 "driver is not loaded",
		 dir);
	assert_string_equal(si.reason, want);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

/* ---- unwrapping, driven through the source with a synthetic clock ---- */

/* A copy of the laptop tree with the powercap source driven by hand (srcenv.h). */
struct rig {
	char *dir;
	struct srcenv *e;
};

/* Open the powercap source alone on a copy of the laptop tree with package-0 reshaped. */
static void rig_open(struct rig *g, uint64_t range_uj, uint64_t rated_uw, uint64_t start_uj)
{
	g->dir = tu_copy_fixture("laptop");
	tu_writef(g->dir, ZONE0 "/max_energy_range_uj", "%" PRIu64 "\n", range_uj);
	tu_writef(g->dir, ZONE0 "/constraint_0_max_power_uw", "%" PRIu64 "\n", rated_uw);
	tu_writef(g->dir, ZONE0 "/energy_uj", "%" PRIu64 "\n", start_uj);
	g->e = srcenv_new(g->dir, 0);
	assert_int_equal(srcenv_open(g->e, &source_powercap_ops), 0);
}

static struct domain *rig_pkg(struct rig *g)
{
	struct domain *d = srcenv_find(g->e, "package-0");

	assert_non_null(d);
	return d;
}

/* Set package-0's counter to raw_uj and read every zone at t_ns. */
static int rig_step(struct rig *g, uint64_t raw_uj, uint64_t t_ns)
{
	tu_writef(g->dir, ZONE0 "/energy_uj", "%" PRIu64 "\n", raw_uj);
	return srcenv_read(g->e, t_ns);
}

static void rig_close(struct rig *g)
{
	srcenv_free(g->e);
	tu_rm_rf(g->dir);
	free(g->dir);
}

static void test_one_wrap_exact(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t t0;

	rig_open(&g, RANGE_UJ, 28000000, RANGE_UJ - 1500000);
	d = rig_pkg(&g);
	/* Worst case is 4 × the 28 W rating: 262 kJ takes > 2300 s to wrap. */
	assert_int_equal(d->ctr.max_power_uw, 112000000);
	t0 = d->timestamp_ns;
	/* 1.5 J to the top, 2.25 J past zero in 1 s. */
	assert_int_equal(rig_step(&g, 2250000, t0 + NSEC_PER_SEC), 0);
	assert_int_equal(d->energy_uj, 3750000);
	assert_int_equal(d->last_delta_uj, 3750000);
	assert_int_equal(d->wraps, 1);
	assert_int_equal(d->errors, 0);
	rig_close(&g);
}

static void test_many_wraps_exact(void **state)
{
	/* A 1 J counter rated 5 W (20 W worst case): it wraps every few readings. */
	struct rig g;
	struct domain *d;
	uint64_t t, raw = 0, expect = 0;

	rig_open(&g, 1000000, 5000000, 0);
	d = rig_pkg(&g);
	t = d->timestamp_ns;
	for (int i = 0; i < 200; i++) {
		uint64_t step = 250000 + (uint64_t)(i % 7) * 20000; /* 0.25-0.37 J per 20 ms */

		t += 20 * 1000000ULL;
		raw = (raw + step) % 1000000;
		expect += step;
		assert_int_equal(rig_step(&g, raw, t), 0);
	}
	assert_int_equal(d->energy_uj, expect);
	assert_int_equal(d->wraps, expect / 1000000);
	assert_int_equal(d->errors, 0);
	assert_true(d->wraps > 50);
	rig_close(&g);
}

static void test_too_long_gap_refused(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t t;

	rig_open(&g, 1000000, 5000000, 100000);
	d = rig_pkg(&g);
	t = d->timestamp_ns;
	assert_int_equal(rig_step(&g, 300000, t += 10000000), 0);
	assert_int_equal(d->energy_uj, 200000);
	/* 60 ms at 20 W could be 1.2 J: more than the 1 J range, so ambiguous. */
	rig_step(&g, 400000, t += 60000000);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->refused, 1);
	assert_int_equal(d->last_error, -EAGAIN);
	assert_int_equal(d->energy_uj, 200000); /* nothing invented */
	/* The refused reading is the new baseline. */
	assert_int_equal(rig_step(&g, 450000, t += 10000000), 0);
	assert_int_equal(d->energy_uj, 250000);
	assert_int_equal(d->last_error, 0);
	rig_close(&g);
}

static void test_backwards_counted(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t t;

	rig_open(&g, RANGE_UJ, 28000000, 5000000000ULL);
	d = rig_pkg(&g);
	t = d->timestamp_ns;
	/* Back by 1 J in 100 ms: a wrap would be 262 kJ, impossible at 112 W. */
	rig_step(&g, 4999000000ULL, t += 100000000);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->refused, 1);
	assert_int_equal(d->last_error, -EILSEQ);
	assert_int_equal(d->energy_uj, 0);
	assert_int_equal(d->wraps, 0);
	assert_int_equal(rig_step(&g, 4999400000ULL, t += 100000000), 0);
	assert_int_equal(d->energy_uj, 400000);
	rig_close(&g);
}

static void test_malformed_at_read_time_counted(void **state)
{
	struct rig g;
	struct domain *d;
	uint64_t t;

	rig_open(&g, RANGE_UJ, 28000000, 1000);
	d = rig_pkg(&g);
	/* After the last zone's opening: a zone read at an earlier time would fail too. */
	t = srcenv_latest_ns(g.e);
	tu_write(g.dir, ZONE0 "/energy_uj", "garbage\n");
	/* Other zones still read: the source succeeds, the zone counts an error. */
	assert_int_equal(srcenv_read(g.e, t + 1000000), 0);
	assert_int_equal(d->errors, 1);
	assert_int_equal(d->refused, 0); /* unreadable, not refused: nothing was read */
	assert_int_equal(d->last_error, -EINVAL);
	assert_int_equal(d->energy_uj, 0);
	rig_close(&g);
}

/* ---- the same through the public API, in real time ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_public_api_wrap_and_gap(void **state)
{
	char *dir = tu_copy_fixture("laptop");
	struct joulestat *js;
	struct joulestat_domain_info di;

	/* 100 J range, 5 W rated (20 W worst case): unambiguous for 5 s. */
	tu_write(dir, ZONE0 "/max_energy_range_uj", "100000000\n");
	tu_write(dir, ZONE0 "/constraint_0_max_power_uw", "5000000\n");
	tu_write(dir, ZONE0 "/energy_uj", "99500000\n");
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	sleep_ms(200);
	tu_write(dir, ZONE0 "/energy_uj", "1500000\n");
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "package-0");
	assert_int_equal(di.energy_uj, 2000000);
	assert_int_equal(di.wraps, 1);
	assert_int_equal(di.errors, 0);
	assert_false(di.warming_up);
	joulestat_free(js);

	/* 1 J range at 20 W worst case: 50 ms; a 150 ms gap is refused. */
	tu_write(dir, ZONE0 "/max_energy_range_uj", "1000000\n");
	tu_write(dir, ZONE0 "/energy_uj", "100\n");
	js = tu_monitor(dir, "powercap", TU_DEV_ROOT);
	sleep_ms(150);
	tu_write(dir, ZONE0 "/energy_uj", "200\n");
	(void)joulestat_read_energy(js);
	di = tu_domain(js, "package-0");
	assert_int_equal(di.errors, 1);
	assert_int_equal(di.refused, 1);
	assert_int_equal(di.energy_uj, 0);
	joulestat_free(js);
	tu_rm_rf(dir);
	free(dir);
}

/* ---- permissions ---- */

static void test_eacces_names_cve(void **state)
{
	char *dir = tu_copy_fixture("laptop");
	struct tu_denied c = { .dir = dir, .flags = 0, .idx = 1, .source = "powercap" };

	/* A tree readable by nobody except energy_uj of package-0 (root only, as since 5.10). */
	tu_readable_by_all(dir);
	tu_chmod(dir, ZONE0 "/energy_uj", 0400);
	snprintf(c.want, sizeof(c.want),
		 "%s/sys/class/powercap/intel-rapl:0/energy_uj is readable by root only since "
		 "Linux 5.10 (CVE-2020-8694) and this process lacks CAP_DAC_READ_SEARCH: run as "
		 "root, grant CAP_DAC_READ_SEARCH, or give a group read access (the udev rule of "
		 "docs/INSTALL.md)",
		 dir);
	assert_int_equal(tu_as_nobody(tu_check_denied, &c), 0);
	tu_rm_rf(dir);
	free(dir);
}

/* ---- parsers ---- */

static void test_parse_zone_id(void **state)
{
	struct powercap_zone_id z;

	assert_int_equal(parse_powercap_zone_id("intel-rapl:0", 12, &z), 0);
	assert_string_equal(z.ctl, "intel-rapl");
	assert_int_equal(z.depth, 1);
	assert_int_equal(z.idx[0], 0);
	assert_int_equal(parse_powercap_zone_id("intel-rapl:1:2\n", 15, &z), 0);
	assert_int_equal(z.depth, 2);
	assert_int_equal(z.idx[0], 1);
	assert_int_equal(z.idx[1], 2);
	assert_int_equal(parse_powercap_zone_id("intel-rapl-mmio:0", 17, &z), 0);
	assert_string_equal(z.ctl, "intel-rapl-mmio");
	assert_int_equal(parse_powercap_zone_id("intel-rapl", 10, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id("intel-rapl:", 11, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id("intel-rapl:0:1:2", 16, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id("intel-rapl:x", 12, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id("intel-rapl:65536", 16, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id("Intel:0", 7, &z), -EINVAL);
	assert_int_equal(parse_powercap_zone_id(":0", 2, &z), -EINVAL);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(parse_powercap_zone_id("intel-rapl:3:4", 12, &z), 0);
	assert_int_equal(z.depth, 1);
	assert_int_equal(z.idx[0], 3);
}

static void test_parse_zone_name(void **state)
{
	struct rapl_zone_name n;

	assert_int_equal(parse_rapl_zone_name("package-0\n", 10, &n), 0);
	assert_int_equal(n.kind, JOULESTAT_DOMAIN_PACKAGE);
	assert_int_equal(n.package, 0);
	assert_int_equal(n.die, -1);
	assert_int_equal(parse_rapl_zone_name("package-12-die-1\n", 17, &n), 0);
	assert_int_equal(n.package, 12);
	assert_int_equal(n.die, 1);
	assert_int_equal(parse_rapl_zone_name("core\n", 5, &n), 0);
	assert_int_equal(n.kind, JOULESTAT_DOMAIN_CORE);
	assert_int_equal(n.package, -1);
	assert_int_equal(parse_rapl_zone_name("uncore", 6, &n), 0);
	assert_int_equal(n.kind, JOULESTAT_DOMAIN_UNCORE);
	assert_int_equal(parse_rapl_zone_name("dram", 4, &n), 0);
	assert_int_equal(n.kind, JOULESTAT_DOMAIN_DRAM);
	assert_int_equal(parse_rapl_zone_name("psys\n", 5, &n), 0);
	assert_int_equal(n.kind, JOULESTAT_DOMAIN_PSYS);
	assert_int_equal(parse_rapl_zone_name("package-", 8, &n), -EINVAL);
	assert_int_equal(parse_rapl_zone_name("package-x", 9, &n), -EINVAL);
	assert_int_equal(parse_rapl_zone_name("package-0-die-", 14, &n), -EINVAL);
	assert_int_equal(parse_rapl_zone_name("package-0-dye-1", 15, &n), -EINVAL);
	assert_int_equal(parse_rapl_zone_name("package-99999", 13, &n), -ERANGE);
	assert_int_equal(parse_rapl_zone_name("cores", 5, &n), -EINVAL);
	assert_int_equal(parse_rapl_zone_name("", 0, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intel_2s),
	    cmocka_unit_test(test_intel_2s_without_psys_sums_package_and_dram),
	    cmocka_unit_test(test_secondary_interface_alone_is_used),
	    cmocka_unit_test(test_laptop),
	    cmocka_unit_test(test_amd_epyc),
	    cmocka_unit_test(test_amd_multi_die_mirrors_dropped),
	    cmocka_unit_test(test_non_contiguous_package_ids),
	    cmocka_unit_test(test_broken_tree_names_each_file),
	    cmocka_unit_test(test_no_powercap),
	    cmocka_unit_test(test_one_wrap_exact),
	    cmocka_unit_test(test_many_wraps_exact),
	    cmocka_unit_test(test_too_long_gap_refused),
	    cmocka_unit_test(test_backwards_counted),
	    cmocka_unit_test(test_malformed_at_read_time_counted),
	    cmocka_unit_test(test_public_api_wrap_and_gap),
	    cmocka_unit_test(test_eacces_names_cve),
	    cmocka_unit_test(test_parse_zone_id),
	    cmocka_unit_test(test_parse_zone_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
