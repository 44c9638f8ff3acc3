/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-vmshare.c - the joulestat-vm file of a VM's energy tree, and the
 * host source that reads the tree inside a guest: measured (or estimated)
 * as the host says, ranked above the model and the host total, a host
 * reset (new epoch, or a counter back without one) never taken for a wrap,
 * a stale share refused at open and while running, and the reasons probe
 * shows when it is absent.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "vmshare.h"

#define NS 1000000000ULL

static uint64_t unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static void test_meta(void **state)
{
	static const char full[] = "joulestat-vm-export 1\nvm web\nhost hv1\nepoch 00000000deadbeef\n"
				   "seq 7\ninterval_ms 1000\nupdated_unix_ns 1796000000000000000\n"
				   "estimated 1\nsources powercap+hwmon\nidle_policy separate\n"
				   "later_key anything\n";
	struct vmshare_meta m, back;
	char buf[VMSHARE_META_MAX];
	unsigned line;
	int n;

	assert_int_equal(parse_vmshare_meta(full, sizeof(full) - 1, &m, &line), 0);
	assert_string_equal(m.vm, "web");
	assert_string_equal(m.host, "hv1");
	assert_int_equal(m.epoch, 0xdeadbeef);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.interval_ms, 1000);
	assert_int_equal(m.updated_unix_ns, 1796000000000000000ULL);
	assert_true(m.estimated);
	assert_string_equal(m.sources, "powercap+hwmon");
	assert_string_equal(m.idle_policy, "separate");
	n = vmshare_meta_format(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(parse_vmshare_meta(buf, (size_t)n, &back, &line), 0);
	assert_int_equal(back.epoch, m.epoch);
	assert_string_equal(back.sources, m.sources);
	assert_int_equal(vmshare_meta_format(&m, buf, 20), -ENOSPC);

#define BAD(text, want_line)                                                                       \
	do {                                                                                       \
		assert_int_equal(parse_vmshare_meta(text, sizeof(text) - 1, &m, &line), -EINVAL); \
		assert_int_equal(line, want_line);                                                 \
	} while (0)
	BAD("", 0);
	BAD("joulestat-vm-export\n", 1);
	BAD("joulestat-vm-export 0\n", 1);
	BAD("something-else 1\n", 1);
	/* Required keys: epoch, seq, interval_ms, updated_unix_ns. */
	BAD("joulestat-vm-export 1\nepoch 1\nseq 1\ninterval_ms 1\n", 0);
	BAD("joulestat-vm-export 1\nepoch 1\nseq x\ninterval_ms 1\nupdated_unix_ns 1\n", 3);
	BAD("joulestat-vm-export 1\nepoch 1\nepoch 2\nseq 1\ninterval_ms 1\nupdated_unix_ns 1\n", 3);
	BAD("joulestat-vm-export 1\nepoch 0123456789abcdef0\nseq 1\ninterval_ms 1\n"
	    "updated_unix_ns 1\n", 2);
	BAD("joulestat-vm-export 1\nepoch 1\nseq 1\ninterval_ms 1\nupdated_unix_ns 1\n"
	    "estimated yes\n", 6);
	BAD("joulestat-vm-export 1\nnospace\n", 2);
	BAD("joulestat-vm-export 1\nvm a\tb\nepoch 1\nseq 1\ninterval_ms 1\nupdated_unix_ns 1\n", 2);
	assert_int_equal(parse_vmshare_meta("joulestat-vm-export 2\n", 22, &m, &line),
			 -EPROTONOSUPPORT);
	assert_int_equal(line, 1);
	/* A control byte in a text field is written empty, so it cannot start a key. */
	snprintf(m.vm, sizeof(m.vm), "a\nseq 99");
	n = vmshare_meta_format(&m, buf, sizeof(buf));
	assert_int_equal(parse_vmshare_meta(buf, (size_t)n, &back, &line), 0);
	assert_string_equal(back.vm, "");
	assert_int_equal(back.seq, 7);
}

struct share {
	char *dir;
	uint64_t epoch, seq, interval_ms, updated_unix_ns;
	bool estimated, meta;
};

static void share_write(struct share *s, uint64_t energy_uj)
{
	tu_writef(s->dir, VMSHARE_ENERGY_FILE, "%llu\n", (unsigned long long)energy_uj);
	if (!s->meta)
		return;
	tu_writef(s->dir, VMSHARE_META_FILE,
		  "joulestat-vm-export 1\nvm web\nhost hv1\nepoch %llx\nseq %llu\n"
		  "interval_ms %llu\nupdated_unix_ns %llu\nestimated %d\nsources powercap\n"
		  "idle_policy separate\n",
		  (unsigned long long)s->epoch, (unsigned long long)s->seq,
		  (unsigned long long)s->interval_ms,
		  (unsigned long long)(s->updated_unix_ns ? s->updated_unix_ns : unix_now()),
		  s->estimated ? 1 : 0);
	s->seq++;
}

/* The model fixture machine (no sensor) with the share at `dir` (NULL: the default places). */
static int monitor(const char *dir, const char *sources, struct joulestat **ret)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	char sys[4096], proc[4096];

	snprintf(sys, sizeof(sys), "%s", tu_data("model/sys"));
	snprintf(proc, sizeof(proc), "%s", tu_data("model/proc"));
	o.sysfs_root = sys;
	o.procfs_root = proc;
	o.dev_root = "/nonexistent";
	o.sources = sources;
	o.host_share = dir;
	return joulestat_new(&o, ret);
}

static void test_measured_by_host(void **state)
{
	struct share s = { .dir = tu_mkdtemp(), .epoch = 0xabc, .interval_ms = 1000, .meta = true };
	struct joulestat_source_info si;
	struct joulestat_domain_info di;
	struct joulestat *js = NULL;
	uint64_t host_uj;
	bool est;

	share_write(&s, 5000000);
	assert_int_equal(monitor(s.dir, NULL, &js), 0);
	si = tu_source(js, "host");
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_non_null(strstr(si.reason, "VM 'web' on host 'hv1': measured there (powercap)"));
	assert_non_null(strstr(si.reason, "idle policy separate"));
	/* Ranked above the model, which is not needed. */
	si = tu_source(js, "model");
	assert_int_equal(si.state, JOULESTAT_SOURCE_SHADOWED);
	assert_non_null(strstr(si.reason, "the host source"));
	assert_int_equal(joulestat_domain_count(js), 1);
	di = tu_domain(js, "host");
	assert_int_equal(di.kind, JOULESTAT_DOMAIN_HOST);
	assert_false(di.estimated);
	assert_true(di.in_host_total);
	assert_int_equal(di.socket, -1);
	assert_int_equal(di.raw_uj, 5000000);
	assert_int_equal(di.max_energy_range_uj, 0);
	assert_non_null(strstr(di.path, "/intel-rapl:0/energy_uj"));

	/* Energy to the µJ, as the host wrote it. */
	share_write(&s, 5000000 + 1234567);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "host");
	assert_int_equal(di.energy_uj, 1234567);
	assert_int_equal(joulestat_host_energy(js, &host_uj, NULL, &est), 0);
	assert_int_equal(host_uj, 1234567);
	assert_false(est);

	/* The host restarted its counter (a new epoch): dropped, never a wrap nor an error. */
	s.epoch = 0xdef;
	share_write(&s, 300);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "host");
	assert_int_equal(di.energy_uj, 1234567);
	assert_int_equal(di.errors, 0);
	assert_int_equal(di.wraps, 0);
	share_write(&s, 1300);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1234567 + 1000);

	/* Back without a new epoch: refused and counted, the next reading a baseline. */
	share_write(&s, 100);
	joulestat_read_energy(js);
	di = tu_domain(js, "host");
	assert_int_equal(di.errors, 1);
	assert_int_equal(di.energy_uj, 1234567 + 1000);
	share_write(&s, 600);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1234567 + 1000 + 500);

	/* The host modelled its energy: so is this VM's, and it says so. */
	s.estimated = true;
	share_write(&s, 700);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_true(tu_domain(js, "host").estimated);
	joulestat_free(js);

	/* Forced: the host source alone. */
	assert_int_equal(monitor(s.dir, "host", &js), 0);
	assert_int_equal(joulestat_domain_count(js), 1);
	assert_true(tu_domain(js, "host").estimated);
	joulestat_free(js);
	tu_rm_rf(s.dir);
	free(s.dir);
}

static void test_scaphandre_tree(void **state)
{
	struct share s = { .dir = tu_mkdtemp() };
	struct joulestat *js = NULL;
	struct joulestat_source_info si;

	/* What Scaphandre's qemu exporter writes: no newline, no joulestat-vm. */
	tu_write(s.dir, VMSHARE_ENERGY_FILE, "42000");
	tu_write(s.dir, "intel-rapl:0:0/.keep", "");
	assert_int_equal(monitor(s.dir, NULL, &js), 0);
	si = tu_source(js, "host");
	assert_int_equal(si.state, JOULESTAT_SOURCE_ACTIVE);
	assert_non_null(strstr(si.reason, "Scaphandre"));
	assert_false(tu_domain(js, "host").estimated);
	tu_write(s.dir, VMSHARE_ENERGY_FILE, "43000");
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1000);
	joulestat_free(js);
	tu_rm_rf(s.dir);
	free(s.dir);
}

/* The host source's state and reason for a share in `dir`. */
static struct joulestat_source_info absent(const char *dir, enum joulestat_source_state state)
{
	struct joulestat *js = NULL;
	struct joulestat_source_info si;

	assert_int_equal(monitor(dir, NULL, &js), 0);
	si = tu_source(js, "host");
	if (si.state != state)
		fail_msg("state %d, wanted %d: %s", si.state, state, si.reason);
	/* The model stands in. */
	assert_int_equal(tu_source(js, "model").state, JOULESTAT_SOURCE_ACTIVE);
	assert_false(tu_has_domain(js, "host"));
	/* The reason outlives the call: copy it before freeing. */
	si.reason = strdup(si.reason);
	joulestat_free(js);
	return si;
}

static void test_absent_and_stale(void **state)
{
	struct share s = { .dir = tu_mkdtemp(), .epoch = 1, .interval_ms = 1000, .meta = true };
	struct joulestat_source_info si;
	char missing[4200];

	/* No share given and a fixture sysfs: the default places are not looked at. */
	si = absent(NULL, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_non_null(strstr(si.reason, "--host-share DIR"));
	free((char *)si.reason);
	/* An empty mount point: not mounted, or nothing exported yet. */
	si = absent(s.dir, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_non_null(strstr(si.reason, "intel-rapl:0/energy_uj is missing: the host share is "
					  "not mounted"));
	assert_non_null(strstr(si.reason, "docs/VMS.md"));
	free((char *)si.reason);
	snprintf(missing, sizeof(missing), "%s/nothing", s.dir);
	si = absent(missing, JOULESTAT_SOURCE_UNAVAILABLE);
	assert_non_null(strstr(si.reason, "not a directory"));
	free((char *)si.reason);
	/* Unreadable: not a number. */
	tu_write(s.dir, VMSHARE_ENERGY_FILE, "garbage\n");
	si = absent(s.dir, JOULESTAT_SOURCE_FAILED);
	assert_non_null(strstr(si.reason, "energy_uj: not a regular file holding a number"));
	free((char *)si.reason);
	/* A malformed or newer joulestat-vm is named with its line. */
	tu_write(s.dir, VMSHARE_ENERGY_FILE, "1\n");
	tu_write(s.dir, VMSHARE_META_FILE, "joulestat-vm-export 1\nseq x\n");
	si = absent(s.dir, JOULESTAT_SOURCE_FAILED);
	assert_non_null(strstr(si.reason, "joulestat-vm:2: malformed"));
	free((char *)si.reason);
	tu_write(s.dir, VMSHARE_META_FILE, "joulestat-vm-export 9\n");
	si = absent(s.dir, JOULESTAT_SOURCE_FAILED);
	assert_non_null(strstr(si.reason, "written by a newer joulestat"));
	free((char *)si.reason);
	/* Stale: the host's last update is long past. */
	s.updated_unix_ns = 1000000000000000000ULL;
	share_write(&s, 10);
	si = absent(s.dir, JOULESTAT_SOURCE_FAILED);
	assert_non_null(strstr(si.reason, "stale: the host last updated"));
	assert_non_null(strstr(si.reason, "host 'hv1'"));
	assert_int_equal(si.error, -ESTALE);
	free((char *)si.reason);
	tu_rm_rf(s.dir);
	free(s.dir);
}

static void test_stale_while_running(void **state)
{
	struct share s = { .dir = tu_mkdtemp(), .epoch = 1, .interval_ms = 10, .meta = true };
	struct timespec pause = { 2, 200000000 };
	struct joulestat_domain_info di;
	struct joulestat *js = NULL;

	share_write(&s, 1000);
	assert_int_equal(monitor(s.dir, "host", &js), 0);
	share_write(&s, 2000);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1000);
	/* The host stops (seq frozen) for longer than 5 intervals + 2 s: readings refused. */
	nanosleep(&pause, NULL);
	assert_int_equal(joulestat_read_energy(js), -ESTALE);
	di = tu_domain(js, "host");
	assert_int_equal(di.errors, 1);
	assert_int_equal(di.energy_uj, 1000);
	/* Updates resume: a new baseline first, so the gap gets no invented energy. */
	share_write(&s, 9000);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1000);
	share_write(&s, 9500);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 1500);
	joulestat_free(js);
	tu_rm_rf(s.dir);
	free(s.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_measured_by_host),
		cmocka_unit_test(test_scaphandre_tree),
		cmocka_unit_test(test_absent_and_stale),
		cmocka_unit_test(test_stale_while_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
