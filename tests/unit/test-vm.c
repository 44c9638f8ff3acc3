/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-vm.c - virtual machines recognised from real command lines (as
 * libvirt, Proxmox, plain QEMU, Firecracker and its jailer, and Cloud
 * Hypervisor start them) and from libvirt's machine scopes, and the cache
 * that reads a process's command line once.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "vm.h"

#define NS 1000000000ULL

/* A command line given as NUL-separated words (the literal's own NUL ends it). */
static void check_cmd(const char *cmd, size_t len, enum vm_kind kind, const char *name)
{
	struct vm_ident v;
	int r = parse_vm_cmdline(cmd, len, &v);

	assert_int_equal(r, kind != VM_NONE);
	if (v.kind != kind || strcmp(v.name, name))
		fail_msg("%s: kind %s name '%s', wanted %s '%s'", cmd, vm_kind_name(v.kind), v.name,
			 vm_kind_name(kind), name);
}

#define CMD(lit, kind, name) check_cmd(lit, sizeof(lit) - 1, kind, name)

static void test_cmdlines(void **state)
{
	/* libvirt (QEMU 7): the name first, with the thread names on. */
	CMD("/usr/bin/qemu-system-x86_64\0-name\0guest=debian12,debug-threads=on\0-S\0"
	    "-object\0{\"qom-type\":\"secret\"}\0-machine\0pc-q35-7.2\0",
	    VM_QEMU, "debian12");
	/* The implied key, and ",," for a comma in the name. */
	CMD("qemu-system-aarch64\0-name\0web\0", VM_QEMU, "web");
	CMD("qemu-system-x86_64\0-name\0my,,vm,process=qemu-web\0", VM_QEMU, "my,vm");
	CMD("qemu-system-x86_64\0-name\0process=x,guest=late\0", VM_QEMU, "late");
	CMD("qemu-system-x86_64\0--name\0double-dash\0", VM_QEMU, "double-dash");
	/* The last -name wins, as in QEMU. */
	CMD("qemu-system-x86_64\0-name\0first\0-name\0second\0", VM_QEMU, "second");
	/* Proxmox runs /usr/bin/kvm; RHEL /usr/libexec/qemu-kvm. */
	CMD("/usr/bin/kvm\0-id\0100\0-name\0pve-web,debug-threads=on\0", VM_QEMU, "pve-web");
	CMD("/usr/libexec/qemu-kvm\0-name\0guest=rhel9\0", VM_QEMU, "rhel9");
	/* No name: the cache names it after its pid; an unsafe one is no name either. */
	CMD("qemu-system-x86_64\0-m\0512\0", VM_QEMU, "");
	CMD("qemu-system-x86_64\0-name\0guest=a/b\0", VM_QEMU, "");
	CMD("qemu-system-x86_64\0-name\0..\0", VM_QEMU, "");
	CMD("qemu-system-x86_64\0-name\0bad\nline\0", VM_QEMU, "");
	CMD("qemu-system-x86_64\0-name\0", VM_QEMU, "");
	/* Firecracker, as the jailer execs it, and by hand. */
	CMD("/firecracker\0--id=551e7604-e35c-42b3-b825-416853441234\0--start-time-us=1\0",
	    VM_FIRECRACKER, "551e7604-e35c-42b3-b825-416853441234");
	CMD("firecracker\0--api-sock\0/tmp/fc.sock\0--id\0fc1\0", VM_FIRECRACKER, "fc1");
	CMD("cloud-hypervisor\0--kernel\0vmlinux\0--api-socket\0/run/ch.sock\0",
	    VM_CLOUD_HYPERVISOR, "");
	/* Not hypervisors: QEMU's tools, user-mode emulation, a shell mentioning qemu. */
	CMD("/usr/bin/qemu-img\0convert\0a.qcow2\0b.raw\0", VM_NONE, "");
	CMD("qemu-x86_64\0./a.out\0", VM_NONE, "");
	CMD("qemu-system-\0", VM_NONE, "");
	CMD("bash\0-c\0qemu-system-x86_64 -name guest=x\0", VM_NONE, "");
	CMD("", VM_NONE, "");
	/* No trailing NUL (a command line read short). */
	CMD("qemu-system-x86_64\0-name\0tail", VM_QEMU, "tail");
	assert_int_equal(parse_vm_cmdline(NULL, 0, &(struct vm_ident){ 0 }), -EINVAL);
}

static void check_scope(const char *path, enum vm_kind kind, const char *name)
{
	struct vm_ident v;
	int r = parse_vm_scope(path, strlen(path), &v);

	assert_int_equal(r, kind != VM_NONE);
	if (v.kind != kind || strcmp(v.name, name))
		fail_msg("%s: kind %s name '%s', wanted %s '%s'", path, vm_kind_name(v.kind), v.name,
			 vm_kind_name(kind), name);
}

static void test_scopes(void **state)
{
	/* libvirt with systemd (machined): the scope, and the cgroups below it. */
	check_scope("/machine.slice/machine-qemu\\x2d1\\x2ddebian12.scope", VM_QEMU, "debian12");
	check_scope("/machine.slice/machine-qemu\\x2d14\\x2dweb\\x2dfront.scope/libvirt/vcpu0",
		    VM_QEMU, "web-front");
	check_scope("/machine.slice/machine-qemu\\x2d2\\x2ddb.scope/emulator", VM_QEMU, "db");
	check_scope("/machine.slice/machine-ch\\x2d3\\x2dedge.scope/libvirt/emulator",
		    VM_CLOUD_HYPERVISOR, "edge");
	/* libvirt without systemd, and before 4.3 (the name alone). */
	check_scope("/machine/qemu-5-db.libvirt-qemu/emulator", VM_QEMU, "db");
	check_scope("/machine/legacy.libvirt-qemu/vcpu1", VM_QEMU, "legacy");
	/* Containers of machined are not VMs; nor is anything else. */
	check_scope("/machine.slice/machine-lxc\\x2d1234\\x2dct1.scope", VM_NONE, "");
	check_scope("/machine.slice/libpod-0123.scope/container", VM_NONE, "");
	check_scope("/system.slice/libvirtd.service", VM_NONE, "");
	check_scope("/machine.slice/machine-qemu\\x2dx\\x2dname.scope", VM_NONE, "");
	check_scope("/machine.slice/machine-qemu\\x2d1\\x2d.scope", VM_NONE, "");
	check_scope("/", VM_NONE, "");
}

static void test_comms(void **state)
{
	static const char *const yes[] = { "qemu-system-x86", "qemu-kvm", "kvm", "CPU 0/KVM",
					   "CPU 12/TCG", "firecracker", "fc_vcpu 0", "fc_api",
					   "cloud-hyperviso", "vcpu0" };
	static const char *const no[] = { "bash", "kvm-pit/1234", "vcpu", "vcpux", "kworker/0:1",
					  "" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!vm_comm_maybe(yes[i], 16))
			fail_msg("'%s' should be read", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (vm_comm_maybe(no[i], 16))
			fail_msg("'%s' should not be read", no[i]);
	assert_true(vm_name_valid("a b", 3));
	assert_false(vm_name_valid(".", 1));
	assert_false(vm_name_valid("", 0));
	assert_true(vm_name_valid("...", 3));
}

static void write_bytes(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[4096];
	FILE *f;

	tu_write(dir, rel, "");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_cache(void **state)
{
	static const char qemu[] = "qemu-system-x86_64\0-name\0guest=web\0";
	static const char anon[] = "qemu-system-x86_64\0-m\0256\0";
	char *dir = tu_mkdtemp(), proc[4096], path[4096];
	struct fsroot fs;
	struct vm_cache c = { 0 };

	write_bytes(dir, "proc/10/cmdline", qemu, sizeof(qemu));
	write_bytes(dir, "proc/11/cmdline", anon, sizeof(anon));
	write_bytes(dir, "proc/12/cmdline", "bash\0", 5);
	write_bytes(dir, "proc/14/cmdline", "", 0);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(fsroot_init(&fs, NULL, proc, NULL), 0);

	/* Not looked at: nothing read, nothing kept. */
	assert_string_equal(vm_cache_process(&c, &fs, 10, 5, NULL, 1), "");
	assert_int_equal(c.n, 0);
	assert_string_equal(vm_cache_process(&c, &fs, 10, 5, "qemu-system-x86", 1), "web");
	assert_string_equal(vm_cache_process(&c, &fs, 11, 5, "qemu-system-x86", 1), "qemu-11");
	assert_string_equal(vm_cache_process(&c, &fs, 12, 5, "qemu-wrapper", 1), "");
	/* A process that is gone is not kept: its PID may come back as another. */
	assert_string_equal(vm_cache_process(&c, &fs, 13, 5, "kvm", 1), "");
	/* Nor a zombie's empty command line: the process was seen too late to tell. */
	assert_string_equal(vm_cache_process(&c, &fs, 14, 5, "kvm", 1), "");
	assert_int_equal(c.n, 3);
	/* Read once: the verdict stays without the file, per (tgid, start). */
	snprintf(path, sizeof(path), "%s/proc/10/cmdline", dir);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(vm_cache_process(&c, &fs, 10, 5, NULL, 2), "web");
	assert_string_equal(vm_cache_process(&c, &fs, 10, 6, "qemu-system-x86", 2), "");
	/* A wrapper (qemu-wrapper, no VM) that exec()s QEMU: read again, now a VM. */
	write_bytes(dir, "proc/12/cmdline", qemu, sizeof(qemu));
	assert_string_equal(vm_cache_process(&c, &fs, 12, 5, "qemu-wrapper", 2), "");
	assert_string_equal(vm_cache_process(&c, &fs, 12, 5, "qemu-system-x86", 2), "web");
	assert_string_equal(vm_cache_process(&c, &fs, 12, 5, NULL, 2), "web");

	/* Scopes, per cgroup id; an unresolved path is not kept. */
	assert_string_equal(vm_cache_cgroup(&c, 77, "/machine.slice/machine-qemu\\x2d1\\x2ddb.scope",
					    3), "db");
	assert_string_equal(vm_cache_cgroup(&c, 77, "", 3), "db");
	assert_string_equal(vm_cache_cgroup(&c, 78, "", 3), "");
	assert_string_equal(vm_cache_cgroup(&c, 79, "/user.slice", 3), "");
	assert_int_equal(c.n, 5);

	/* Unused for 10 minutes: forgotten (pruning runs at most once a minute). */
	assert_string_equal(vm_cache_process(&c, &fs, 11, 5, NULL, 700 * NS), "qemu-11");
	vm_cache_prune(&c, 700 * NS);
	assert_int_equal(c.n, 1);
	assert_string_equal(vm_cache_process(&c, &fs, 10, 5, NULL, 701 * NS), "");
	assert_string_equal(vm_cache_process(&c, &fs, 11, 5, NULL, 701 * NS), "qemu-11");

	vm_cache_done(&c);
	fsroot_done(&fs);
	tu_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdlines),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_comms),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
