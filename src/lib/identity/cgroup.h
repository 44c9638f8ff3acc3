/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cgroup.h - from a cgroup v2 id to what a user groups by: the cgroup's
 * path, the systemd unit and the container id it names.
 *
 * parse_cgroup_path() is pure (unit tests, fuzz/fuzz-cgroup-path.c);
 * struct cgroup_cache does the I/O: /proc/PID/cgroup of a task in the
 * cgroup, or a walk of <sysfs>/fs/cgroup matching directory inodes (a
 * cgroup v2 id is its directory's inode number), cached per id.
 */
#ifndef JOULESTAT_CGROUP_H
#define JOULESTAT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"

#define CGROUP_UNIT_MAX 256		/* systemd's UNIT_NAME_MAX, NUL included */
#define CGROUP_CONTAINER_MAX 128

struct cgroup_names {
	/*
	 * The systemd unit: the outermost path component that is a service
	 * or scope ("/system.slice/nginx.service" -> "nginx.service"; a user
	 * session's "user@1000.service"), "" when only slices or no unit.
	 */
	char unit[CGROUP_UNIT_MAX];
	/*
	 * The container: the innermost component that names one -
	 * "docker-<64 hex>.scope", "cri-containerd-<hex>.scope",
	 * "crio-<hex>.scope", "libpod-<hex>.scope" (systemd drivers), a bare
	 * 64-hex component (cgroupfs drivers: "/docker/<hex>",
	 * "/kubepods/burstable/pod<uid>/<hex>"), "lxc.payload.<name>" - as
	 * the id or name alone; "" when none. The runtimes' monitor processes
	 * (crio-conmon-, libpod-conmon-) are not containers.
	 */
	char container[CGROUP_CONTAINER_MAX];
};

/*
 * Names in a cgroup v2 path (as /proc/PID/cgroup's "0::" line gives it).
 * Returns 0 and *ret; -EINVAL when the path does not start with '/' or holds
 * a NUL byte. A component too long for a field leaves that field "".
 */
int parse_cgroup_path(const char *buf, size_t len, struct cgroup_names *ret);

struct cgroup_info {
	uint64_t id;
	char *path;			/* "" when unresolved */
	struct cgroup_names names;
	uint64_t checked_ns;		/* when the last resolution was tried */
	uint64_t used_ns;		/* when last asked for */
	bool resolved;
};

struct cgroup_cache {
	const struct fsroot *fs;
	struct cgroup_info **slot;	/* open addressing by id, NULL: empty */
	size_t cap, n;
	uint64_t walked_ns;		/* last full walk of the hierarchy */
	bool walked;
};

void cgroup_cache_init(struct cgroup_cache *c, const struct fsroot *fs);

/*
 * Describe cgroup `id` (0: unknown, NULL returned). `tgid`, a process seen
 * in it, is tried first (/proc/TGID/cgroup, confirmed by the directory's
 * inode), then a walk of the hierarchy (at most every 5 s). An id that
 * cannot be resolved gets an entry with path "" and is retried after 30 s.
 * The pointer stays valid until cgroup_cache_prune() or cgroup_cache_done().
 * NULL on -ENOMEM.
 */
const struct cgroup_info *cgroup_cache_get(struct cgroup_cache *c, uint64_t id, uint32_t tgid,
					   uint64_t now_ns);

/* Forget entries not asked for in 10 minutes (cgroups come and go with containers). */
void cgroup_cache_prune(struct cgroup_cache *c, uint64_t now_ns);

void cgroup_cache_done(struct cgroup_cache *c);

#endif
