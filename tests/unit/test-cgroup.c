/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-cgroup.c - systemd units and container ids from real cgroup v2 paths
 * (as systemd, Docker, containerd, CRI-O, Podman and LXC write them), and
 * the id -> path cache over a fixture hierarchy.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "cgroup.h"
#include "procfs_parse.h"
#include "util.h"

#define ID64 "4a5d0b7c2e1f3a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b"

static void check(const char *path, const char *unit, const char *container)
{
	struct cgroup_names n;

	assert_int_equal(parse_cgroup_path(path, strlen(path), &n), 0);
	if (strcmp(n.unit, unit) || strcmp(n.container, container))
		fail_msg("%s: unit '%s' container '%s', wanted '%s' '%s'", path, n.unit,
			 n.container, unit, container);
}

static void test_units(void **state)
{
	check("/", "", "");
	check("/system.slice/nginx.service", "nginx.service", "");
	check("/init.scope", "init.scope", "");
	check("/user.slice", "", "");
	/* A user's services live below their manager: the outermost unit is it. */
	check("/user.slice/user-1000.slice/user@1000.service/app.slice/"
	      "app-org.gnome.Terminal.slice/vte-spawn-1f.scope",
	      "user@1000.service", "");
	check("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "");
	/* Escaped names stay as systemd spells them. */
	check("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "");
	check("/system.slice/dev-disk-by\\x2duuid-1234.swap", "", "");
}

static void test_containers(void **state)
{
	/* Docker, systemd cgroup driver (the default on systemd hosts). */
	check("/system.slice/docker-" ID64 ".scope", "docker-" ID64 ".scope", ID64);
	/* Docker, cgroupfs driver. */
	check("/docker/" ID64, "", ID64);
	/* Kubernetes + containerd, systemd driver. */
	check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6b1a.slice/"
	      "cri-containerd-" ID64 ".scope",
	      "cri-containerd-" ID64 ".scope", ID64);
	/* Kubernetes, cgroupfs driver. */
	check("/kubepods/besteffort/pod6b1a-22/" ID64, "", ID64);
	/* CRI-O; its monitor (conmon) is not the container. */
	check("/kubepods.slice/kubepods-pod1.slice/crio-" ID64 ".scope", "crio-" ID64 ".scope", ID64);
	check("/kubepods.slice/kubepods-pod1.slice/crio-conmon-" ID64 ".scope",
	      "crio-conmon-" ID64 ".scope", "");
	/* Podman: the container's processes sit in a "container" child. */
	check("/machine.slice/libpod-" ID64 ".scope/container", "libpod-" ID64 ".scope", ID64);
	check("/machine.slice/libpod-conmon-" ID64 ".scope", "libpod-conmon-" ID64 ".scope", "");
	/* Rootless Docker below a user manager. */
	check("/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID64 ".scope",
	      "user@1000.service", ID64);
	/* LXC names its containers. */
	check("/lxc.payload.web1/init.scope", "init.scope", "web1");
	/* Not an id: 63 hex digits, or upper case. */
	check("/docker/" "4a5d0b7c2e1f3a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5", "", "");
	check("/docker/4A5D0B7C2E1F3A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B", "", "");
}

static void check_k8s(const char *path, const char *pod_uid, const char *container,
		      const char *runtime)
{
	struct cgroup_names n;

	assert_int_equal(parse_cgroup_path(path, strlen(path), &n), 0);
	if (strcmp(n.pod_uid, pod_uid) || strcmp(n.container, container) ||
	    strcmp(n.runtime, runtime))
		fail_msg("%s: pod '%s' container '%s' runtime '%s', wanted '%s' '%s' '%s'", path,
			 n.pod_uid, n.container, n.runtime, pod_uid, container, runtime);
}

#define UID "6b1a4c2e-8d3f-4e5a-9b7c-0d1e2f3a4b5c"
#define UID_ "6b1a4c2e_8d3f_4e5a_9b7c_0d1e2f3a4b5c"

static void test_runtimes_and_pods(void **state)
{
	/* Kubernetes, systemd driver, each QoS class; the UID's dashes are '_'. */
	check_k8s("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		  ".slice/cri-containerd-" ID64 ".scope",
		  UID, ID64, "containerd");
	check_k8s("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/crio-" ID64 ".scope",
		  UID, ID64, "cri-o");
	check_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID64 ".scope", UID, ID64,
		  "docker");
	/* The pod's own cgroup: a pod, no container. */
	check_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice", UID, "", "");
	/* cgroupfs driver: dashes, and the runtime is the kubelet's to say. */
	check_k8s("/kubepods/burstable/pod" UID "/" ID64, UID, ID64, "");
	check_k8s("/kubepods/pod" UID "/" ID64, UID, ID64, "");
	/* A static pod's UID is a hash: 32 hex digits. */
	check_k8s("/kubepods/besteffort/pod3b6a1c4e8f0d2b5a7c9e1f3d5b7a9c0e/" ID64,
		  "3b6a1c4e8f0d2b5a7c9e1f3d5b7a9c0e", ID64, "");
	/* Not below kubepods, or not a UID: no pod. */
	check_k8s("/pod" UID "/" ID64, "", ID64, "");
	check_k8s("/kubepods/burstable/pod6b1a-22/" ID64, "", ID64, "");
	check_k8s("/kubepods.slice/kubepods-pod" UID ".slice", "", "", "");
	/* Docker and Podman, cgroupfs drivers: the parent names the runtime. */
	check_k8s("/docker/" ID64, "", ID64, "docker");
	check_k8s("/libpod_parent/libpod-" ID64, "", ID64, "podman");
	check_k8s("/libpod_parent/conmon", "", "", "");
	check_k8s("/machine.slice/libpod-" ID64 ".scope/container", "", ID64, "podman");
	/* systemd-nspawn, both unit forms, names unescaped; libvirt guests are not containers. */
	check_k8s("/machine.slice/machine-web\\x2d1.scope/payload", "", "web-1", "nspawn");
	check_k8s("/machine.slice/systemd-nspawn@db.service/payload", "", "db", "nspawn");
	check_k8s("/machine.slice/machine-qemu\\x2d1\\x2dguest.scope/libvirt", "", "", "");
	/* LXC 4 and later, and before. */
	check_k8s("/lxc.payload.web2/init.scope", "", "web2", "lxc");
	check_k8s("/lxc.monitor.web2", "", "", "");
	check_k8s("/lxc/web3", "", "web3", "lxc");
	/* Docker in a pod: the innermost container, still the pod's. */
	check_k8s("/kubepods/pod" UID "/" ID64 "/docker/" ID64, UID, ID64, "docker");
}

static uint64_t ino(const char *dir, const char *rel)
{
	char p[16384];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(stat(p, &sb), 0);
	return (uint64_t)sb.st_ino;
}

struct layout_case {
	uint32_t pid;
	const char *unit, *container, *runtime, *pod_uid;
};

/*
 * Each fixture tree's tasks resolved through the cache as the monitor
 * does: by the v2 id (the inode below fs/cgroup or fs/cgroup/unified), or
 * per process where v1 is alone.
 */
static void check_layout(const char *tree, enum cgroup_layout layout,
			 const struct layout_case *cases, size_t n)
{
	char sys[4096], proc[4096];
	struct fsroot fs;
	struct cgroup_cache c;

	snprintf(sys, sizeof(sys), "%s/sys", tu_data(tree));
	snprintf(proc, sizeof(proc), "%s/proc", tu_data(tree));
	assert_int_equal(fsroot_init(&fs, sys, proc, NULL), 0);
	assert_int_equal(cgroup_layout_of(&fs), layout);
	cgroup_cache_init(&c, &fs);
	for (size_t i = 0; i < n; i++) {
		char rel[64], buf[8192], path[4096], dir[8192];
		const struct cgroup_info *ci;
		uint64_t id = 1;
		ssize_t len;

		snprintf(rel, sizeof(rel), "%u/cgroup", cases[i].pid);
		len = fsroot_read(&fs, FS_PROC, rel, buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(parse_proc_cgroup(buf, (size_t)len, path, sizeof(path)), 0);
		if (layout != CGROUP_LAYOUT_LEGACY) {
			snprintf(dir, sizeof(dir), "%s%s", layout == CGROUP_LAYOUT_HYBRID
							 ? "sys/fs/cgroup/unified"
							 : "sys/fs/cgroup", path);
			id = ino(tu_data(tree), dir);
		}
		ci = cgroup_cache_get(&c, id, cases[i].pid, 1000 + cases[i].pid, 1);
		assert_non_null(ci);
		if (!ci->resolved || strcmp(ci->path, path) || strcmp(ci->names.unit, cases[i].unit) ||
		    strcmp(ci->names.container, cases[i].container) ||
		    strcmp(ci->names.runtime, cases[i].runtime) ||
		    strcmp(ci->names.pod_uid, cases[i].pod_uid))
			fail_msg("%s pid %u: path '%s' unit '%s' container '%s' runtime '%s' pod '%s'",
				 tree, cases[i].pid, ci->path, ci->names.unit, ci->names.container,
				 ci->names.runtime, ci->names.pod_uid);
	}
	cgroup_cache_done(&c);
	fsroot_done(&fs);
}

#define L1 "3f1c0c8e5b6d4a2f9e7b1d0c8a6f4e2d1b9c7a5e3f1d0b8c6a4e2f0d9b7c5a31"
#define L2 "9b2e4d6f8a0c1e3f5b7d9f1a3c5e7b9d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c02"
#define L3 "c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c403"
#define L4 "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e804"
#define L5 "39acf064d1cc346981973af4d2aa0509f61ae843ef6b3733261386f85ceeb3bb"
#define L6 "e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e606"
#define L7 "7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b07"
#define L8 "8888aaaabbbbccccddddeeeeffff000011112222333344445555666677778808"
#define U1 "6b1a4c2e-8d3f-4e5a-9b7c-0d1e2f3a4b5c"
#define U2 "f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f"
#define U3 "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"

static void test_layouts(void **state)
{
	static const struct layout_case unified[] = {
		{ 101, "cri-containerd-" L1 ".scope", L1, "containerd", U1 },
		{ 102, "crio-" L2 ".scope", L2, "cri-o", U2 },
		{ 103, "crio-conmon-" L2 ".scope", "", "", U2 },
		{ 104, "docker-" L3 ".scope", L3, "docker", "" },
		{ 105, "machine-web\\x2d1.scope", "web-1", "nspawn", "" },
		{ 106, "libpod-" L4 ".scope", L4, "podman", "" },
		{ 107, "libpod-conmon-" L4 ".scope", "", "", "" },
		{ 108, "cri-containerd-" L6 ".scope", L6, "containerd",
		  "3b6a1c4e8f0d2b5a7c9e1f3d5b7a9c0e" },
		{ 109, "systemd-nspawn@db.service", "db", "nspawn", "" },
		{ 110, "machine-qemu\\x2d1\\x2dguest.scope", "", "", "" },
		{ 111, "init.scope", "web2", "lxc", "" },
		{ 112, "nginx.service", "", "", "" },
	};
	static const struct layout_case hybrid[] = {
		{ 201, "", L5, "podman", "" },	    { 202, "", L6, "", U3 },
		{ 203, "", L7, "docker", "" },	    { 204, "", "", "", "" },
		{ 205, "", L1, "", U1 },	    { 206, "", "", "", U2 },
	};
	static const struct layout_case legacy[] = {
		{ 301, "", L8, "docker", "" },
		{ 302, "", "web3", "lxc", "" },
		{ 303, "", L6, "", U3 },
		{ 304, "sshd.service", "", "", "" },
	};

	check_layout("cgroup-layouts/unified", CGROUP_LAYOUT_UNIFIED, unified, ARRAY_SIZE(unified));
	check_layout("cgroup-layouts/hybrid", CGROUP_LAYOUT_HYBRID, hybrid, ARRAY_SIZE(hybrid));
	check_layout("cgroup-layouts/legacy", CGROUP_LAYOUT_LEGACY, legacy, ARRAY_SIZE(legacy));
}

static void test_malformed(void **state)
{
	struct cgroup_names n;

	memset(&n, 'x', sizeof(n));
	assert_int_equal(parse_cgroup_path("system.slice", 12, &n), -EINVAL);
	assert_int_equal(parse_cgroup_path("", 0, &n), -EINVAL);
	assert_int_equal(parse_cgroup_path("/a\0b", 4, &n), -EINVAL);
	assert_int_equal(n.unit[0], 'x');	/* untouched on error */
	/* A unit name longer than systemd allows is not a unit. */
	{
		char p[600] = "/";

		memset(p + 1, 'a', 300);
		strcpy(p + 301, ".service");
		assert_int_equal(parse_cgroup_path(p, strlen(p), &n), 0);
		assert_string_equal(n.unit, "");
	}
}

static void test_cache(void **state)
{
	char *dir = tu_mkdtemp(), sys[4096], proc[4096];
	struct fsroot fs;
	struct cgroup_cache c;
	const struct cgroup_info *ci;
	uint64_t svc, ctr;

	tu_write(dir, "sys/fs/cgroup/system.slice/web.service/cgroup.procs", "10\n");
	tu_write(dir, "sys/fs/cgroup/system.slice/docker-" ID64 ".scope/cgroup.procs", "");
	tu_write(dir, "proc/10/cgroup", "0::/system.slice/web.service\n");
	/* A process that moved: its /proc names a cgroup whose inode is not the id asked. */
	tu_write(dir, "proc/20/cgroup", "0::/system.slice/web.service\n");
	svc = ino(dir, "sys/fs/cgroup/system.slice/web.service");
	ctr = ino(dir, "sys/fs/cgroup/system.slice/docker-" ID64 ".scope");
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(fsroot_init(&fs, sys, proc, NULL), 0);
	cgroup_cache_init(&c, &fs);

	assert_null(cgroup_cache_get(&c, 0, 10, 0, 1));
	ci = cgroup_cache_get(&c, svc, 10, 0, 1);
	assert_non_null(ci);
	assert_true(ci->resolved);
	assert_string_equal(ci->path, "/system.slice/web.service");
	assert_string_equal(ci->names.unit, "web.service");
	/* By a walk of the hierarchy, when the task's /proc points elsewhere. */
	ci = cgroup_cache_get(&c, ctr, 20, 0, 2);
	assert_true(ci->resolved);
	assert_string_equal(ci->path, "/system.slice/docker-" ID64 ".scope");
	assert_string_equal(ci->names.container, ID64);
	/* Unknown ids get an entry with path "" (not retried before 30 s). */
	ci = cgroup_cache_get(&c, 987654321, 0, 0, 3);
	assert_non_null(ci);
	assert_false(ci->resolved);
	assert_string_equal(ci->path, "");
	assert_int_equal(c.n, 3);
	/* Unused for 10 minutes: forgotten. */
	cgroup_cache_get(&c, svc, 10, 0, 700ULL * 1000000000ULL);
	cgroup_cache_prune(&c, 700ULL * 1000000000ULL);
	assert_int_equal(c.n, 1);
	ci = cgroup_cache_get(&c, svc, 0, 0, 701ULL * 1000000000ULL);
	assert_string_equal(ci->path, "/system.slice/web.service");

	cgroup_cache_done(&c);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_runtimes_and_pods),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
