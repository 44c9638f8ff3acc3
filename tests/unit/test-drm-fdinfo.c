/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-drm-fdinfo.c - parse_drm_fdinfo() on the text amdgpu, i915 and xe
 * print, its refusals, PCI address normalisation, and the per-process
 * collector over the fixture trees: fds of one client counted once, a
 * client shared by parent and child counted for the parent, one process on
 * two GPUs, xe's cycle counters, clients that appear or go backwards.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drm_fdinfo.h"
#include "util.h"

static char *slurp(const char *rel, size_t *len)
{
	FILE *f = fopen(tu_data(rel), "rb");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static const struct drm_engine *eng(const struct drm_fdinfo *f, const char *name)
{
	for (unsigned i = 0; i < f->nengines; i++)
		if (strcmp(f->engines[i].name, name) == 0)
			return &f->engines[i];
	return NULL;
}

static void test_amdgpu(void **state)
{
	struct drm_fdinfo f;
	size_t len;
	char *buf = slurp("gpu-amd/proc/1200/fdinfo/10", &len);

	assert_int_equal(parse_drm_fdinfo(buf, len, &f), 0);
	assert_string_equal(f.driver, "amdgpu");
	assert_string_equal(f.pdev, "0000:03:00.0");
	assert_true(f.has_client_id);
	assert_int_equal(f.client_id, 14);
	assert_int_equal(f.nengines, 3);
	assert_int_equal(eng(&f, "gfx")->busy_ns, 1000000000);
	assert_true(eng(&f, "gfx")->has_ns);
	assert_int_equal(eng(&f, "compute")->busy_ns, 0);
	assert_int_equal(eng(&f, "dma")->busy_ns, 2000000);
	assert_int_equal(eng(&f, "dma")->capacity, 1);
	/* drm-resident-vram "512 MiB" (preferred over drm-memory-vram "524288 KiB"). */
	assert_true(f.has_vram);
	assert_int_equal(f.vram_bytes, 512ULL << 20);
	free(buf);
}

static void test_i915(void **state)
{
	struct drm_fdinfo f;
	size_t len;
	char *buf = slurp("gpu-intel/proc/2100/fdinfo/40", &len);

	assert_int_equal(parse_drm_fdinfo(buf, len, &f), 0);
	assert_string_equal(f.driver, "i915");
	assert_int_equal(f.client_id, 12);
	assert_int_equal(f.nengines, 4);
	assert_int_equal(eng(&f, "render")->busy_ns, 9288864723ULL);
	/* "drm-engine-capacity-video" is a capacity, not an engine named "capacity-video". */
	assert_null(eng(&f, "capacity-video"));
	assert_int_equal(eng(&f, "video")->capacity, 2);
	assert_non_null(eng(&f, "video-enhance"));
	/* system0 is not device memory. */
	assert_false(f.has_vram);
	free(buf);
}

static void test_xe_cycles(void **state)
{
	struct drm_fdinfo f;
	size_t len;
	char *buf = slurp("gpu-intel/proc/2200/fdinfo/7", &len);

	assert_int_equal(parse_drm_fdinfo(buf, len, &f), 0);
	assert_string_equal(f.driver, "xe");
	assert_int_equal(f.nengines, 5);
	assert_false(eng(&f, "rcs")->has_ns);
	assert_true(eng(&f, "rcs")->has_cycles);
	assert_int_equal(eng(&f, "rcs")->cycles, 28257900);
	assert_int_equal(eng(&f, "rcs")->total_cycles, 7655183225ULL);
	assert_int_equal(eng(&f, "ccs")->capacity, 4);
	assert_int_equal(f.vram_bytes, 256ULL << 20);
	free(buf);
}

static void test_refusals(void **state)
{
	struct drm_fdinfo f = {.client_id = 4242};
	char big[4096];
	size_t n = 0;

	assert_int_equal(parse_drm_fdinfo("", 0, &f), -ENODATA);
	assert_int_equal(parse_drm_fdinfo("\n\n", 2, &f), -ENODATA);
	/* A socket's fdinfo: not DRM. */
	assert_int_equal(parse_drm_fdinfo("pos:\t0\nflags:\t02\nmnt_id:\t9\n", 27, &f), -ENOENT);
	/* drm-* lines without drm-driver: not a DRM file either. */
	assert_int_equal(parse_drm_fdinfo("drm-client-id:\t3\n", 17, &f), -ENOENT);
#define BAD(s, err) assert_int_equal(parse_drm_fdinfo(s, strlen(s), &f), err)
	BAD("drm-driver:\tamdgpu\ndrm-engine-gfx:\t12 ms\n", -EINVAL);
	BAD("drm-driver:\tamdgpu\ndrm-engine-gfx:\t12\n", -EINVAL);
	BAD("drm-driver:\tamdgpu\ndrm-engine-gfx:\tns\n", -EINVAL);
	BAD("drm-driver:\tamdgpu\ndrm-client-id:\tx\n", -EINVAL);
	BAD("drm-driver:\tamdgpu\ndrm-client-id:\t-1\n", -EINVAL);
	BAD("drm-driver:\t\n", -EINVAL);
	BAD("drm-driver:\tamdgpu\ndrm-engine-gfx:\t99999999999999999999 ns\n", -ERANGE);
	BAD("drm-driver:\tamdgpu\ndrm-memory-vram:\t18446744073709551615 KiB\n", -ERANGE);
	BAD("drm-driver:\tamdgpu\ndrm-memory-vram:\t12 GiB\n", -EINVAL);
	BAD("drm-driver:\txe\ndrm-engine-capacity-vcs:\t0\n", -ERANGE);
	BAD("drm-driver:\tx\ndrm-engine-an-engine-name-far-too-long:\t1 ns\n", -EINVAL);
	BAD("drm-driver:\ti915 x\n", -EINVAL);
	assert_int_equal(parse_drm_fdinfo("drm-driver:\tx\ndrm-engine-\001:\t1 ns\n", 32, &f),
			 -EINVAL);
#undef BAD
	n += (size_t)snprintf(big, sizeof(big), "drm-driver:\ti915\n");
	for (int i = 0; i <= DRM_MAX_ENGINES; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "drm-engine-e%d:\t%d ns\n", i, i);
	assert_int_equal(parse_drm_fdinfo(big, n, &f), -E2BIG);
	/* Nothing written on error. */
	assert_int_equal(f.client_id, 4242);
}

static void test_lenient_forms(void **state)
{
	/* No trailing newline; legacy memory only; spaces instead of tabs; unknown drm- keys. */
	static const char s[] =
	    "drm-driver: panfrost\ndrm-client-id: 7\ndrm-curfreq-fragment: "
	    "800000000 Hz\ndrm-memory-vram: 1024 KiB\ndrm-engine-fragment: 5 ns";
	struct drm_fdinfo f;

	assert_int_equal(parse_drm_fdinfo(s, sizeof(s) - 1, &f), 0);
	assert_string_equal(f.driver, "panfrost");
	assert_string_equal(f.pdev, "");
	assert_int_equal(f.vram_bytes, 1048576);
	assert_int_equal(eng(&f, "fragment")->busy_ns, 5);
	/* The buffer need not be NUL-terminated: only len bytes are read. */
	assert_int_equal(parse_drm_fdinfo("drm-driver:\txeXXXX", 14, &f), 0);
	assert_string_equal(f.driver, "xe");
}

static void test_pci_normalize(void **state)
{
	char b[32];

	assert_int_equal(drm_pci_normalize("00000000:01:00.0", b, sizeof(b)), 0);
	assert_string_equal(b, "0000:01:00.0");
	assert_int_equal(drm_pci_normalize("0000:0A:1f.7", b, sizeof(b)), 0);
	assert_string_equal(b, "0000:0a:1f.7");
	assert_int_equal(drm_pci_normalize("10000:01:00.0", b, sizeof(b)), -EINVAL);
	assert_int_equal(drm_pci_normalize("0000:01:00.8", b, sizeof(b)), -EINVAL);
	assert_int_equal(drm_pci_normalize("0000:01:20.0", b, sizeof(b)), -EINVAL);
	assert_int_equal(drm_pci_normalize("ff9a0000.gpu", b, sizeof(b)), -EINVAL);
	assert_int_equal(drm_pci_normalize("0000:01:00.0x", b, sizeof(b)), -EINVAL);
	assert_int_equal(drm_pci_normalize("0000:01:00.0", b, 8), -EINVAL);
}

/* One debugfs clients line as drm_debugfs.c prints it (6.x, with name and id). */
static int clients_line(char *buf, size_t size, const char *comm, unsigned tgid, unsigned id)
{
	return snprintf(buf, size, "%20s %5u %3u   %c    %c %5u %10u %*s %20u\n", comm, tgid, 128,
			'n', 'y', 1000, 0, 64, "", id);
}

static void test_clients_list(void **state)
{
	char buf[4096];
	uint32_t pids[4] = {0};
	size_t n = 99, len;

	len = (size_t)snprintf(buf, sizeof(buf), "%20s %5s %3s master a %5s %10s %*s %20s\n",
			       "command", "tgid", "dev", "uid", "magic", 64, "name", "id");
	len += (size_t)clients_line(buf + len, sizeof(buf) - len, "Xorg", 812, 3);
	len += (size_t)clients_line(buf + len, sizeof(buf) - len, "Web Content", 4242, 17);
	len += (size_t)clients_line(buf + len, sizeof(buf) - len, "<unknown>", 812, 18);
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 812);
	assert_int_equal(pids[1], 4242);
	assert_int_equal(pids[2], 812);
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 2, &n), -E2BIG);
	/* The 5.x table: no name and id columns. */
	len = (size_t)snprintf(
	    buf, sizeof(buf), "%20s %5s %3s master a %5s %10s\n%20s %5d %3d   %c    %c %5d %10u\n",
	    "command", "tgid", "dev", "uid", "magic", "kwin_wayland", 1534, 0, 'y', 'y', 1000, 0);
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], 1534);
	/* Only the header: no client. */
	len = (size_t)snprintf(buf, sizeof(buf), "%20s %5s %3s master a %5s %10s\n", "command",
			       "tgid", "dev", "uid", "magic");
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 4, &n), 0);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(parse_drm_clients_list("", 0, pids, 4, &n), -ENODATA);
	assert_int_equal(parse_drm_clients_list("\n \n", 3, pids, 4, &n), -ENODATA);
	assert_int_equal(parse_drm_clients_list("tgid command\n", 13, pids, 4, &n), -EINVAL);
	len = (size_t)snprintf(buf, sizeof(buf), "%20s %5s\n%20s %5s 0\n", "command", "tgid", "x",
			       "12ab");
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 4, &n), -EINVAL);
	len = (size_t)snprintf(buf, sizeof(buf), "%20s %5s\n%20s %5s 0\n", "command", "tgid", "x",
			       "0");
	assert_int_equal(parse_drm_clients_list(buf, len, pids, 4, &n), -EINVAL);
	assert_int_equal(n, 99);
}

static struct fsroot *root_of(const char *dir)
{
	static struct fsroot fs;
	char proc[4096];

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(fsroot_init(&fs, NULL, proc, NULL), 0);
	return &fs;
}

static const struct drm_proc_usage *row(const struct drm_proc_usage *rows, int n, uint32_t pid,
					const char *pdev)
{
	for (int i = 0; i < n; i++)
		if (rows[i].pid == pid && strcmp(rows[i].pdev, pdev) == 0)
			return &rows[i];
	return NULL;
}

static void amd_write(const char *dir, const char *rel, unsigned client, const char *pdev,
		      uint64_t gfx, uint64_t compute, uint64_t dma)
{
	tu_writef(dir, rel,
		  "pos:\t0\nflags:\t02100002\ndrm-driver:\tamdgpu\ndrm-client-id:\t%u\n"
		  "drm-pdev:\t%s\ndrm-resident-vram:\t512 MiB\ndrm-engine-gfx:\t%llu ns\n"
		  "drm-engine-compute:\t%llu ns\ndrm-engine-dma:\t%llu ns\n",
		  client, pdev, (unsigned long long)gfx, (unsigned long long)compute,
		  (unsigned long long)dma);
}

static void test_clients_amd_two_gpus(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct fsroot *fs = root_of(dir);
	const struct drm_proc_usage *rows, *r;
	struct drm_clients *c;
	unsigned errors = 99;
	int n;

	assert_int_equal(drm_clients_new(fs, 1000 * NSEC_PER_SEC, &c), 0);
	/* 2 s later: blender +300 ms gfx +20 ms dma on its one client (three fds and a child). */
	for (int i = 10; i <= 12; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "proc/1200/fdinfo/%d", i);
		amd_write(dir, rel, 14, "0000:03:00.0", 1300000000, 0, 22000000);
	}
	amd_write(dir, "proc/1201/fdinfo/10", 14, "0000:03:00.0", 1300000000, 0, 22000000);
	amd_write(dir, "proc/1300/fdinfo/20", 21, "0000:03:00.0", 0, 600000000, 0);
	amd_write(dir, "proc/1300/fdinfo/21", 3, "0000:0a:00.0", 0, 300000000, 0);
	/* A process that opened the GPU during the interval: all of its counter is new. */
	tu_write(dir, "proc/1600/comm", "glxgears\n");
	amd_write(dir, "proc/1600/fdinfo/4", 40, "0000:03:00.0", 5000000, 0, 0);
	{
		char link[4096];

		snprintf(link, sizeof(link), "%s/proc/1600/fd", dir);
		mkdir(link, 0755);
		snprintf(link, sizeof(link), "%s/proc/1600/fd/4", dir);
		assert_int_equal(symlink("/dev/dri/renderD128", link), 0);
	}
	n = drm_clients_sample(c, 1002 * NSEC_PER_SEC, &rows, &errors);
	assert_int_equal(n, 4);
	assert_int_equal(errors, 0);
	assert_int_equal(drm_clients_interval_ns(c), 2 * NSEC_PER_SEC);
	r = row(rows, n, 1200, "0000:03:00.0");
	assert_non_null(r);
	assert_int_equal(r->busy_ns, 320000000);
	assert_int_equal(r->clients, 1);
	assert_int_equal(r->vram_bytes, 512ULL << 20);
	assert_string_equal(r->comm, "blender");
	assert_string_equal(r->driver, "amdgpu");
	assert_null(row(rows, n, 1201, "0000:03:00.0"));
	assert_int_equal(row(rows, n, 1300, "0000:03:00.0")->busy_ns, 100000000);
	assert_int_equal(row(rows, n, 1300, "0000:0a:00.0")->busy_ns, 50000000);
	assert_int_equal(row(rows, n, 1600, "0000:03:00.0")->busy_ns, 5000000);
	assert_null(row(rows, n, 1500, "0000:03:00.0"));

	/* Nothing moved: the same rows with zero busy time. */
	n = drm_clients_sample(c, 1003 * NSEC_PER_SEC, &rows, &errors);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(rows[i].busy_ns, 0);
	/* A client id reused with a smaller counter restarts from its value. */
	amd_write(dir, "proc/1600/fdinfo/4", 40, "0000:03:00.0", 1000, 0, 0);
	/* A malformed DRM fdinfo is counted, and the rest still works. */
	tu_write(dir, "proc/1300/fdinfo/21", "drm-driver:\tamdgpu\ndrm-engine-gfx:\tlots ns\n");
	n = drm_clients_sample(c, 1004 * NSEC_PER_SEC, &rows, &errors);
	assert_int_equal(errors, 1);
	assert_int_equal(n, 3);
	assert_int_equal(row(rows, n, 1600, "0000:03:00.0")->busy_ns, 1000);
	assert_null(row(rows, n, 1300, "0000:0a:00.0"));
	drm_clients_free(c);
	fsroot_done(fs);
	tu_rm_rf(dir);
	free(dir);
}

static void test_clients_xe_cycles_and_no_client_id(void **state)
{
	char *dir = tu_copy_fixture("gpu-intel");
	struct fsroot *fs = root_of(dir);
	const struct drm_proc_usage *rows, *r;
	struct drm_clients *c;
	int n;

	assert_int_equal(drm_clients_new(fs, 10 * NSEC_PER_SEC, &c), 0);
	/* Δtotal 1e9 cycles; rcs busy 2.5e8 (25 %), vcs 1e8 (10 %) over 2 s: 0.7 s busy. */
	tu_writef(dir, "proc/2200/fdinfo/7",
		  "drm-driver:\txe\ndrm-client-id:\t31\ndrm-pdev:\t0000:03:00.0\n"
		  "drm-cycles-rcs:\t%llu\ndrm-total-cycles-rcs:\t%llu\n"
		  "drm-cycles-vcs:\t%llu\ndrm-total-cycles-vcs:\t%llu\n",
		  28257900ULL + 250000000, 7655183225ULL + 1000000000, 1000000ULL + 100000000,
		  7655183225ULL + 1000000000);
	n = drm_clients_sample(c, 12 * NSEC_PER_SEC, &rows, NULL);
	assert_int_equal(n, 3);
	r = row(rows, n, 2200, "0000:03:00.0");
	assert_non_null(r);
	assert_int_equal(r->busy_ns, 700000000);
	assert_string_equal(r->comm, "gst-launch-1.0");
	/* The fd without drm-client-id is its own client; the i915 one stays on its device. */
	assert_non_null(row(rows, n, 2300, "0000:03:00.0"));
	assert_int_equal(row(rows, n, 2100, "0000:00:02.0")->busy_ns, 0);
	drm_clients_free(c);
	fsroot_done(fs);
	tu_rm_rf(dir);
	free(dir);
}

/* With debugfs readable, only the listed processes and the last scan's holders are read. */
static void test_clients_debugfs_targeted(void **state)
{
	char *dir = tu_copy_fixture("gpu-amd");
	struct fsroot fs;
	const struct drm_proc_usage *rows;
	struct drm_clients *c;
	char sys[4096], proc[4096], table[1024], link[4096];
	size_t len;
	int n;

	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(fsroot_init(&fs, sys, proc, NULL), 0);
	/* debugfs lists blender only; ollama is known from the baseline (a full scan). */
	len = (size_t)snprintf(table, sizeof(table), "%20s %5s %3s master a %5s %10s\n", "command",
			       "tgid", "dev", "uid", "magic");
	len += (size_t)clients_line(table + len, sizeof(table) - len, "blender", 1200, 14);
	tu_write(dir, "sys/kernel/debug/dri/128/clients", table);
	tu_write(dir, "sys/kernel/debug/dri/0/name",
		 "amdgpu dev=0000:03:00.0 unique=0000:03:00.0\n");
	assert_int_equal(drm_clients_new(&fs, 0, &c), 0);
	/* A process that got a DRM fd passed to it: not in the table. */
	tu_write(dir, "proc/1600/comm", "glxgears\n");
	amd_write(dir, "proc/1600/fdinfo/4", 40, "0000:03:00.0", 5000000, 0, 0);
	snprintf(link, sizeof(link), "%s/proc/1600/fd", dir);
	mkdir(link, 0755);
	snprintf(link, sizeof(link), "%s/proc/1600/fd/4", dir);
	assert_int_equal(symlink("/dev/dri/renderD128", link), 0);
	for (unsigned i = 1; i < DRM_FULL_SCAN_EVERY; i++) {
		n = drm_clients_sample(c, i * NSEC_PER_SEC, &rows, NULL);
		assert_int_equal(n, 3);
		assert_non_null(row(rows, n, 1200, "0000:03:00.0"));
		assert_non_null(row(rows, n, 1300, "0000:0a:00.0"));
		assert_null(row(rows, n, 1600, "0000:03:00.0"));
	}
	/* The periodic full scan finds it, with what its client accrued so far. */
	n = drm_clients_sample(c, DRM_FULL_SCAN_EVERY * NSEC_PER_SEC, &rows, NULL);
	assert_int_equal(n, 4);
	assert_int_equal(row(rows, n, 1600, "0000:03:00.0")->busy_ns, 5000000);
	/* From then on it is a holder, scanned every time. */
	amd_write(dir, "proc/1600/fdinfo/4", 40, "0000:03:00.0", 6000000, 0, 0);
	n = drm_clients_sample(c, (DRM_FULL_SCAN_EVERY + 1) * NSEC_PER_SEC, &rows, NULL);
	assert_int_equal(row(rows, n, 1600, "0000:03:00.0")->busy_ns, 1000000);
	/* A table that does not parse: every process is scanned, nothing is missed. */
	tu_write(dir, "sys/kernel/debug/dri/128/clients", "garbage\n");
	n = drm_clients_sample(c, (DRM_FULL_SCAN_EVERY + 2) * NSEC_PER_SEC, &rows, NULL);
	assert_int_equal(n, 4);
	drm_clients_free(c);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
}

static void test_clients_no_procfs(void **state)
{
	struct fsroot *fs = root_of("/nonexistent");
	const struct drm_proc_usage *rows = NULL;
	struct drm_clients *c;

	assert_int_equal(drm_clients_new(fs, 0, &c), 0);
	assert_int_equal(drm_clients_sample(c, NSEC_PER_SEC, &rows, NULL), -ENOENT);
	assert_null(rows);
	drm_clients_free(c);
	assert_null(drm_clients_free(NULL));
	fsroot_done(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amdgpu),
	    cmocka_unit_test(test_i915),
	    cmocka_unit_test(test_xe_cycles),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_lenient_forms),
	    cmocka_unit_test(test_pci_normalize),
	    cmocka_unit_test(test_clients_amd_two_gpus),
	    cmocka_unit_test(test_clients_xe_cycles_and_no_client_id),
	    cmocka_unit_test(test_clients_list),
	    cmocka_unit_test(test_clients_debugfs_targeted),
	    cmocka_unit_test(test_clients_no_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
