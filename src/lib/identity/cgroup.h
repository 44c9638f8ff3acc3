/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cgroup.h - from a cgroup v2 id to what a user groups by: the cgroup's
 * path, the systemd unit, the container and the Kubernetes pod it names.
 *
 * parse_cgroup_path() is pure (unit tests, fuzz/fuzz-cgroup-path.c);
 * struct cgroup_cache does the I/O: /proc/PID/cgroup of a task in the
 * cgroup, or a walk of the cgroup v2 hierarchy matching directory inodes (a
 * cgroup v2 id is its directory's inode number), cached per id. The v2
 * hierarchy is <sysfs>/fs/cgroup (unified), or <sysfs>/fs/cgroup/unified
 * beside the v1 controllers (hybrid). With cgroup v1 alone the kernel gives
 * every task the same v2 id (the root): names then come from each process's
 * own /proc/PID/cgroup v1 path, cached per process.
 */
#ifndef JOULESTAT_CGROUP_H
#define JOULESTAT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsroot.h"

#define CGROUP_UNIT_MAX 256		/* systemd's UNIT_NAME_MAX, NUL included */
#define CGROUP_CONTAINER_MAX 128
#define CGROUP_RUNTIME_MAX 16
#define CGROUP_POD_UID_MAX 40		/* a UUID (36), or a static pod's 32 hex digits */
#define CGROUP_NAME_MAX 256		/* a DNS subdomain (253) and a NUL, rounded */
#define CGROUP_NAMESPACE_MAX 64		/* a DNS label (63) and a NUL */

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
	/*
	 * Who runs it, when the path says: "docker", "podman", "containerd",
	 * "cri-o", "lxc", "nspawn"; "" when it does not (a bare id below a
	 * Kubernetes pod: the kubelet knows) or no container.
	 */
	char runtime[CGROUP_RUNTIME_MAX];
	/*
	 * The Kubernetes pod: its UID from a "pod<uid>" component below
	 * "kubepods" (cgroupfs driver) or "kubepods-...-pod<uid>.slice" (systemd
	 * driver, '-' written '_'), with dashes; "" when none. The pod's own
	 * cgroup (its sandbox) has the pod and no container.
	 */
	char pod_uid[CGROUP_POD_UID_MAX];
};

/*
 * Names in a cgroup v2 path (as /proc/PID/cgroup's "0::" line gives it).
 * Returns 0 and *ret; -EINVAL when the path does not start with '/' or holds
 * a NUL byte. A component too long for a field leaves that field "".
 */
int parse_cgroup_path(const char *buf, size_t len, struct cgroup_names *ret);

enum cgroup_layout {
	CGROUP_LAYOUT_UNKNOWN = 0,	/* not looked yet */
	CGROUP_LAYOUT_UNIFIED,		/* v2 at <sysfs>/fs/cgroup */
	CGROUP_LAYOUT_HYBRID,		/* v1 controllers, v2 at <sysfs>/fs/cgroup/unified */
	CGROUP_LAYOUT_LEGACY,		/* v1 alone: names per process */
};

/*
 * What the container runtime or the kubelet calls what the path names by
 * id (names.c fills it beside sampling); "" where not known (yet).
 */
struct cgroup_resolved {
	char pod_uid[CGROUP_POD_UID_MAX];	/* the path's, or the runtime's labels' */
	char container_name[CGROUP_NAME_MAX];
	char pod[CGROUP_NAME_MAX];
	char pod_namespace[CGROUP_NAMESPACE_MAX];
};

struct cgroup_info {
	uint64_t id;
	char *path;			/* "" when unresolved */
	struct cgroup_names names;
	struct cgroup_resolved res;	/* names.c's answer for `names` */
	uint64_t res_gen;		/* its generation of names (names_generation()) */
	uint64_t res_seq;		/* the snapshot that last asked */
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
	enum cgroup_layout layout;	/* found at the first cgroup_cache_get() */
	const char *v2_rel;		/* the v2 hierarchy below <sysfs>: "fs/cgroup[/unified]" */
};

/*
 * Where the cgroup v2 hierarchy is under `fs`'s <sysfs>, and whether v1
 * controllers are beside it. A tree without cgroup.controllers anywhere
 * (a fixture) is taken as unified unless it has a "unified" directory, or
 * v1 controller directories (cpu, cpuacct, memory, systemd) and no v2.
 */
enum cgroup_layout cgroup_layout_of(const struct fsroot *fs);

void cgroup_cache_init(struct cgroup_cache *c, const struct fsroot *fs);

/*
 * Describe cgroup `id` (0: unknown, NULL returned). `tgid`, a process seen
 * in it, is tried first (/proc/TGID/cgroup, confirmed by the directory's
 * inode), then a walk of the hierarchy (at most every 5 s). An id that
 * cannot be resolved gets an entry with path "" and is retried after 30 s.
 * Under CGROUP_LAYOUT_LEGACY the entry is the process's (`tgid` started at
 * `proc_start_ns`), its path the v1 one parse_proc_cgroup() prefers, and
 * `id` only has to be non-zero.
 * The pointer stays valid until cgroup_cache_prune() or cgroup_cache_done().
 * NULL on -ENOMEM.
 */
struct cgroup_info *cgroup_cache_get(struct cgroup_cache *c, uint64_t id, uint32_t tgid,
				     uint64_t proc_start_ns, uint64_t now_ns);

/* Forget entries not asked for in 10 minutes (cgroups come and go with containers). */
void cgroup_cache_prune(struct cgroup_cache *c, uint64_t now_ns);

void cgroup_cache_done(struct cgroup_cache *c);

#endif
