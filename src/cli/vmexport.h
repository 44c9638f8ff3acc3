/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * vmexport.h - `joulestat serve --vm-export DIR`: each VM's energy as a
 * counter tree its guest reads (vmshare.h; docs/FORMAT.md, "VM export";
 * docs/VMS.md), updated every interval.
 *
 * File rules: every file is replaced whole - written to an exclusive
 * temporary file of an unpredictable name in the same directory, never
 * following a link, then renamed over the old one - so a reader sees the
 * old counter or the new one, never half of one, and a guest that can
 * write to its share cannot make the host write elsewhere. Directories
 * below DIR are opened without following links too.
 *
 * Counters never go back while their files last: a VM seen for the first
 * time continues from the energy_uj (and the epoch and seq of joulestat-vm)
 * already in its directory, so a restart of serve costs the guest nothing
 * but the energy of the time serve was down. Only when the directory holds
 * no valid counter does it start at 0, with a new epoch: the guest then
 * knows it is a reset, not a wrap.
 */
#ifndef JOULESTAT_VMEXPORT_H
#define JOULESTAT_VMEXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmexport;

struct vmexport_opts {
	const char *dir;		/* the export root: one directory per VM below it */
	const char *host;		/* this host's name, for joulestat-vm */
	uint64_t interval_ms;		/* how often serve updates */
	const char *idle_policy;	/* the VMs' share of idle power follows it */
	/* Called after each VM's files were replaced (NULL: nothing). */
	void (*written)(void *userdata, const char *vm, uint64_t energy_uj, uint64_t delta_uj,
			uint64_t seq);
	void *userdata;
};

/* One VM's energy in the interval just sampled. */
struct vmexport_vm {
	const char *name;		/* a safe directory name (vm.h) */
	uint64_t energy_uj;
};

/*
 * Open (or create, one level, mode 0755) the export root. Returns 0; on
 * error -errno and a sentence naming the directory in err.
 */
int vmexport_new(const struct vmexport_opts *o, struct vmexport **ret, char *err,
		 size_t err_size);

/*
 * Add each VM's energy of one interval and replace the files of every VM
 * seen in the last 10 minutes (seq moves even without energy, so the guest
 * knows the host is alive). `sources` and `estimated` are the host's energy
 * sources in this interval. Returns 0, or the first -errno with a sentence
 * naming the file in err; the other VMs are still written.
 */
int vmexport_update(struct vmexport *x, const struct vmexport_vm *vms, size_t n,
		    const char *sources, bool estimated, uint64_t now_mono_ns, uint64_t now_unix_ns,
		    char *err, size_t err_size);

/* VM `name`'s counter as last written, and its seq. -ENOENT when not exported. */
int vmexport_get(const struct vmexport *x, const char *name, uint64_t *ret_energy_uj,
		 uint64_t *ret_seq);

/* NULL is a no-op. Returns NULL. Files are left in place. */
struct vmexport *vmexport_free(struct vmexport *x);

/*
 * Replace dirfd/name with len bytes of data, mode 0644, as the top comment
 * says. The one place export files are written. 0 or -errno.
 */
int vmexport_replace_at(int dirfd, const char *name, const char *data, size_t len);

#endif
