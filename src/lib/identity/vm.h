/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * vm.h - which virtual machine a task belongs to, on the host that runs it.
 *
 * Recognised (docs/VMS.md lists the shapes, with examples):
 * - QEMU/KVM: a process whose argv[0] is qemu-system-*, qemu-kvm or kvm,
 *   named by its -name option (guest=NAME, or the first, implied key);
 * - Firecracker: argv[0] firecracker, named by --id (as the jailer passes it);
 * - Cloud Hypervisor: argv[0] cloud-hypervisor (it has no name option);
 * - any process in a libvirt machine scope: "machine-qemu\x2dN\x2dNAME.scope"
 *   (systemd) or "qemu-N-NAME.libvirt-qemu" (cgroupfs), likewise for the
 *   ch driver, named by the scope.
 * A hypervisor without a name is "<kind>-<pid>". A name is used only when it
 * is a safe directory name (no '/', no control character, not "." or "..",
 * at most VM_NAME_MAX - 1 bytes), since serve --vm-export makes one of it.
 *
 * parse_vm_cmdline() and parse_vm_scope() are pure (unit tests,
 * fuzz/fuzz-vm-ident.c); struct vm_cache reads /proc/TGID/cmdline once per
 * process, and only for processes a task of which has a hypervisor's thread
 * name (vm_comm_maybe()), so other processes cost nothing.
 */
#ifndef JOULESTAT_VM_H
#define JOULESTAT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"

#define VM_NAME_MAX 128

enum vm_kind {
	VM_NONE = 0,
	VM_QEMU = 1,
	VM_FIRECRACKER = 2,
	VM_CLOUD_HYPERVISOR = 3,
};

struct vm_ident {
	enum vm_kind kind;
	char name[VM_NAME_MAX];	/* "" when the hypervisor was given none (or an unsafe one) */
};

/* "qemu", "firecracker", "cloud-hypervisor"; "" for VM_NONE. Static storage. */
const char *vm_kind_name(enum vm_kind kind);

/*
 * Whether `name` (len bytes) may name a VM: a safe directory name. Inline,
 * so that the recording format's reader checks names by the same rule
 * without the cache's file access.
 */
static inline bool vm_name_valid(const char *name, size_t len)
{
	if (!name || len == 0 || len >= VM_NAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return false;
	}
	return true;
}

/*
 * The VM a process's command line (NUL-separated words, as
 * /proc/PID/cmdline; the last NUL may be missing) runs. Returns 1 and *ret
 * for a hypervisor process, 0 (and ret->kind VM_NONE) for any other, -EINVAL
 * for NULL arguments.
 */
int parse_vm_cmdline(const char *buf, size_t len, struct vm_ident *ret);

/*
 * The VM a cgroup v2 path's libvirt machine scope names ("/machine.slice/
 * machine-qemu\x2d1\x2dweb.scope/libvirt/vcpu0" -> qemu "web"). Returns 1
 * and *ret, 0 when no component is one (ret->kind VM_NONE), -EINVAL for
 * NULL arguments.
 */
int parse_vm_scope(const char *buf, size_t len, struct vm_ident *ret);

/*
 * Whether a task's command name (comm, at most 15 bytes) is one a
 * hypervisor's threads carry: "qemu-system-x86", "kvm", "CPU 0/KVM" (QEMU
 * with debug-threads), "firecracker", "fc_vcpu 0", "cloud-hyperviso",
 * "vcpu0". Only then is the process's command line read.
 */
bool vm_comm_maybe(const char *comm, size_t len);

/* The VM of one process, or of one cgroup, as resolved. */
struct vm_entry {
	uint64_t a, b;			/* (tgid, start) of a process; (0, cgroup id) of a cgroup */
	uint64_t used_ns;
	bool used;
	bool is_vm;
	char comm[16];			/* a process's comm when its command line was read */
	char name[VM_NAME_MAX];
};

struct vm_cache {
	struct vm_entry *e;		/* open addressing */
	size_t cap, n;
	uint64_t pruned_ns;
};

/*
 * The VM of the process (tgid, start_ns), "" for none. With `comm` (a task
 * of it has that hypervisor's comm, vm_comm_maybe()) an unknown process's
 * command line is read once and the verdict kept, and read again when comm
 * changed since (the process exec()ed: a wrapper that became QEMU); with
 * NULL, an unknown process is no VM and nothing is read or kept. The string
 * lives until the next vm_cache_*() call that may insert (copy it). NULL
 * only on -ENOMEM.
 */
const char *vm_cache_process(struct vm_cache *c, const struct fsroot *fs, uint32_t tgid,
			     uint64_t start_ns, const char *comm, uint64_t now_ns);

/*
 * The VM a cgroup's libvirt scope names, "" for none; parsed once per
 * cgroup id (`path` as resolved; "" unknown: not kept). Same lifetime rules.
 */
const char *vm_cache_cgroup(struct vm_cache *c, uint64_t cgroup_id, const char *path,
			    uint64_t now_ns);

/* Forget entries not asked for in 10 minutes (called at most once a minute). */
void vm_cache_prune(struct vm_cache *c, uint64_t now_ns);

void vm_cache_done(struct vm_cache *c);

#endif
