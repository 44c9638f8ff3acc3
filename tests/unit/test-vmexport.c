/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-vmexport.c - serve --vm-export's writer and the host source reading
 * what it wrote, as a guest would: energies to the µJ, a restart of serve
 * that continues the counter, lost files that start a new epoch (a reset
 * for the guest, never a wrap), idle VMs still marked alive, VMs forgotten
 * after the TTL, and the file rules (no link followed, no FIFO read, no
 * temporary file left).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "vmexport.h"
#include "vmshare.h"

#define NS 1000000000ULL
#define T0 (1000 * NS)

/* The host's wall clock at T0: now, so the guest does not take the share for stale. */
static uint64_t UNIX0;

struct seen {
	char vm[64];
	uint64_t energy_uj, delta_uj, seq;
	int calls;
};

static void written(void *userdata, const char *vm, uint64_t energy_uj, uint64_t delta_uj,
		    uint64_t seq)
{
	struct seen *s = userdata;

	snprintf(s->vm, sizeof(s->vm), "%s", vm);
	s->energy_uj = energy_uj;
	s->delta_uj = delta_uj;
	s->seq = seq;
	s->calls++;
}

static struct vmexport *exporter(const char *dir, struct seen *seen)
{
	struct vmexport_opts o = { .dir = dir, .host = "hv1", .interval_ms = 1000,
				   .idle_policy = "separate", .written = written, .userdata = seen };
	struct vmexport *x = NULL;
	char err[512];

	if (vmexport_new(&o, &x, err, sizeof(err)) < 0)
		fail_msg("vmexport_new: %s", err);
	return x;
}

static void update(struct vmexport *x, const char *vm, uint64_t uj, uint64_t t_ns)
{
	struct vmexport_vm v = { .name = vm, .energy_uj = uj };
	char err[512];

	if (vmexport_update(x, &v, vm ? 1 : 0, "powercap", false, t_ns, UNIX0 + t_ns, err,
			    sizeof(err)) < 0)
		fail_msg("vmexport_update: %s", err);
}

/* The guest's side: the host source over <dir>/<vm>, on the model fixture machine. */
static struct joulestat *guest(const char *dir, const char *vm)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat *js = NULL;
	char sys[4096], proc[4096], share[4200];

	snprintf(sys, sizeof(sys), "%s", tu_data("model/sys"));
	snprintf(proc, sizeof(proc), "%s", tu_data("model/proc"));
	snprintf(share, sizeof(share), "%s/%s", dir, vm);
	o.sysfs_root = sys;
	o.procfs_root = proc;
	o.dev_root = "/nonexistent";
	o.sources = "host";
	o.host_share = share;
	assert_int_equal(joulestat_new(&o, &js), 0);
	return js;
}

static uint64_t file_u64(const char *dir, const char *rel)
{
	char path[4200], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

static struct vmshare_meta meta(const char *dir, const char *vm)
{
	char path[4200], buf[VMSHARE_META_MAX];
	struct vmshare_meta m;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/" VMSHARE_META_FILE, dir, vm);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 0);
	assert_int_equal(parse_vmshare_meta(buf, (size_t)n, &m, NULL), 0);
	return m;
}

/* No temporary file left in a directory. */
static void no_temporaries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fail_msg("%s/%s left behind", dir, de->d_name);
	closedir(d);
}

static void test_pair_and_restart(void **state)
{
	char *dir = tu_mkdtemp(), zone[4200], vmdir[4200], path[4300];
	struct seen seen = { 0 };
	struct vmexport *x = exporter(dir, &seen);
	struct joulestat_domain_info di;
	struct vmshare_meta m;
	struct joulestat *js;
	uint64_t epoch, e, seq;

	update(x, "web", 1000, T0);
	snprintf(vmdir, sizeof(vmdir), "%s/web", dir);
	snprintf(zone, sizeof(zone), "%s/web/" VMSHARE_ZONE, dir);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ENERGY_FILE), 1000);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ZONE "/max_energy_range_uj"),
			 VMSHARE_RANGE_UJ);
	m = meta(dir, "web");
	assert_string_equal(m.vm, "web");
	assert_string_equal(m.host, "hv1");
	assert_string_equal(m.sources, "powercap");
	assert_string_equal(m.idle_policy, "separate");
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.interval_ms, 1000);
	assert_int_equal(m.updated_unix_ns, UNIX0 + T0);
	assert_false(m.estimated);
	assert_true(m.epoch != 0);
	epoch = m.epoch;
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.vm, "web");
	assert_int_equal(seen.energy_uj, 1000);

	/* The guest reads what the host wrote, to the µJ. */
	js = guest(dir, "web");
	di = tu_domain(js, "host");
	assert_int_equal(di.raw_uj, 1000);
	update(x, "web", 2345, T0 + NS);
	assert_int_equal(joulestat_read_energy(js), 0);
	assert_int_equal(tu_domain(js, "host").energy_uj, 2345);
	assert_int_equal(vmexport_get(x, "web", &e, &seq), 0);
	assert_int_equal(e, 3345);
	assert_int_equal(seq, 2);

	/* An idle VM (no row this interval): seq moves, the counter does not. */
	update(x, NULL, 0, T0 + 2 * NS);
	assert_int_equal(meta(dir, "web").seq, 3);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ENERGY_FILE), 3345);
	assert_int_equal(seen.delta_uj, 0);

	/* serve restarts: the counter, epoch and seq continue from the files. */
	x = vmexport_free(x);
	x = exporter(dir, &seen);
	update(x, "web", 10, T0 + 3 * NS);
	m = meta(dir, "web");
	assert_int_equal(m.epoch, epoch);
	assert_int_equal(m.seq, 4);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ENERGY_FILE), 3355);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "host");
	assert_int_equal(di.energy_uj, 2355);
	assert_int_equal(di.errors, 0);

	/* The files are lost (a tmpfs after a reboot): 0 in a new epoch, a reset for the guest. */
	x = vmexport_free(x);
	snprintf(path, sizeof(path), "%s/energy_uj", zone);
	assert_int_equal(unlink(path), 0);
	x = exporter(dir, &seen);
	update(x, "web", 7, T0 + 4 * NS);
	m = meta(dir, "web");
	assert_true(m.epoch != epoch);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ENERGY_FILE), 7);
	assert_int_equal(joulestat_read_energy(js), 0);
	update(x, "web", 20, T0 + 5 * NS);
	assert_int_equal(joulestat_read_energy(js), 0);
	di = tu_domain(js, "host");
	assert_int_equal(di.energy_uj, 2355 + 20);
	assert_int_equal(di.errors, 0);
	assert_int_equal(di.wraps, 0);
	joulestat_free(js);

	no_temporaries(vmdir);
	no_temporaries(zone);
	/* Gone for the TTL: no longer updated, its files stay. */
	update(x, NULL, 0, T0 + 700 * NS);
	assert_int_equal(vmexport_get(x, "web", NULL, NULL), -ENOENT);
	assert_int_equal(file_u64(dir, "web/" VMSHARE_ENERGY_FILE), 27);
	vmexport_free(x);
	tu_rm_rf(dir);
	free(dir);
}

static void test_file_rules(void **state)
{
	char *dir = tu_mkdtemp(), *outside = tu_mkdtemp(), path[4300], target[4300], err[512];
	struct seen seen = { 0 };
	struct vmexport *x;
	struct vmexport_vm v[2] = { { "evil", 5 }, { "good", 6 } };
	struct stat st;

	/* A VM directory that is a link: refused, nothing written where it points. */
	snprintf(path, sizeof(path), "%s/evil", dir);
	assert_int_equal(symlink(outside, path), 0);
	/* A guest with a writable share replaced its counter by a link and a FIFO. */
	tu_write(dir, "good/" VMSHARE_ZONE "/.keep", "");
	snprintf(target, sizeof(target), "%s/victim", outside);
	tu_write(outside, "victim", "precious\n");
	snprintf(path, sizeof(path), "%s/good/" VMSHARE_ENERGY_FILE, dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/good/" VMSHARE_META_FILE, dir);
	assert_int_equal(mkfifo(path, 0644), 0);

	x = exporter(dir, &seen);
	assert_true(vmexport_update(x, v, 2, "model", true, T0, UNIX0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/evil: a link or not a directory (refused)"));
	snprintf(path, sizeof(path), "%s/" VMSHARE_ZONE, outside);
	assert_int_equal(stat(path, &st), -1);
	/* The other VM is still written, over the link and the FIFO, which are replaced. */
	assert_int_equal(file_u64(dir, "good/" VMSHARE_ENERGY_FILE), 6);
	assert_true(meta(dir, "good").estimated);
	assert_int_equal(file_u64(outside, "victim"), 0);
	snprintf(path, sizeof(path), "%s/good/" VMSHARE_ENERGY_FILE, dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
	{
		char buf[64];
		int fd = open(target, O_RDONLY);
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		assert_string_equal(buf, "precious\n");
	}
	vmexport_free(x);

	/* An export root that cannot be made. */
	snprintf(path, sizeof(path), "%s/no/such/dir", dir);
	{
		struct vmexport_opts o = { .dir = path, .host = "h", .interval_ms = 1000 };

		assert_int_equal(vmexport_new(&o, &x, err, sizeof(err)), -ENOENT);
		assert_non_null(strstr(err, "cannot create it"));
	}
	tu_rm_rf(dir);
	tu_rm_rf(outside);
	free(dir);
	free(outside);
}

int main(void)
{
	struct timespec ts;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_and_restart),
		cmocka_unit_test(test_file_rules),
	};

	clock_gettime(CLOCK_REALTIME, &ts);
	UNIX0 = (uint64_t)ts.tv_sec * NS - T0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
