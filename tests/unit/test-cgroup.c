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

static uint64_t ino(const char *dir, const char *rel)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(stat(p, &sb), 0);
	return (uint64_t)sb.st_ino;
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

	assert_null(cgroup_cache_get(&c, 0, 10, 1));
	ci = cgroup_cache_get(&c, svc, 10, 1);
	assert_non_null(ci);
	assert_true(ci->resolved);
	assert_string_equal(ci->path, "/system.slice/web.service");
	assert_string_equal(ci->names.unit, "web.service");
	/* By a walk of the hierarchy, when the task's /proc points elsewhere. */
	ci = cgroup_cache_get(&c, ctr, 20, 2);
	assert_true(ci->resolved);
	assert_string_equal(ci->path, "/system.slice/docker-" ID64 ".scope");
	assert_string_equal(ci->names.container, ID64);
	/* Unknown ids get an entry with path "" (not retried before 30 s). */
	ci = cgroup_cache_get(&c, 987654321, 0, 3);
	assert_non_null(ci);
	assert_false(ci->resolved);
	assert_string_equal(ci->path, "");
	assert_int_equal(c.n, 3);
	/* Unused for 10 minutes: forgotten. */
	cgroup_cache_get(&c, svc, 10, 700ULL * 1000000000ULL);
	cgroup_cache_prune(&c, 700ULL * 1000000000ULL);
	assert_int_equal(c.n, 1);
	ci = cgroup_cache_get(&c, svc, 0, 701ULL * 1000000000ULL);
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
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
