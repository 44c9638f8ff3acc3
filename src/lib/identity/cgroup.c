/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cgroup.c - cgroup ids to paths, systemd units and container ids
 * (cgroup.h). The naming rules follow what systemd (cg_path_get_unit) and
 * the container runtimes write; docs/attribution.md lists them with
 * examples.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "procfs_parse.h"
#include "util.h"

#define CGROUP_WALK_EVERY_NS (5 * NSEC_PER_SEC)
#define CGROUP_RETRY_NS (30 * NSEC_PER_SEC)
#define CGROUP_TTL_NS (600 * NSEC_PER_SEC)
#define CGROUP_WALK_DEPTH 32
#define CGROUP_WALK_MAX_DIRS 100000

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return len > 0;
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static bool eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Copy s[0..len) into a field of `size` bytes; too long leaves it "". */
static void set_field(char *dst, size_t size, const char *s, size_t len)
{
	if (len < size) {
		memcpy(dst, s, len);
		dst[len] = '\0';
	} else {
		dst[0] = '\0';
	}
}

/*
 * systemd's unit-name unescaping ("\x2d" -> '-') of s[0..len) into dst
 * (size bytes): false when it does not fit or holds a NUL.
 */
static bool unescape_unit(const char *s, size_t len, char *dst, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 3 < len && s[i + 1] == 'x' && isxdigit((unsigned char)s[i + 2]) &&
		    isxdigit((unsigned char)s[i + 3])) {
			char hex[3] = { s[i + 2], s[i + 3], 0 };

			ch = (char)strtoul(hex, NULL, 16);
			i += 3;
		}
		if (ch == '\0' || o + 1 >= size)
			return false;
		dst[o++] = ch;
	}
	dst[o] = '\0';
	return o > 0;
}

/*
 * A pod UID as the kubelet writes it in a cgroup name: a UUID (8-4-4-4-12
 * hex digits, its dashes written `sep`), or a static pod's 32 hex digits.
 * Copied with dashes into uid (CGROUP_POD_UID_MAX bytes).
 */
static bool pod_uid_of(const char *s, size_t len, char sep, char *uid)
{
	if (len == 32 && all_hex(s, len)) {
		memcpy(uid, s, len);
		uid[len] = '\0';
		return true;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !is_hex(s[i]))
			return false;
		uid[i] = dash ? '-' : s[i];
	}
	uid[len] = '\0';
	return true;
}

/*
 * The pod a component below "kubepods" names: "pod<uid>" (cgroupfs),
 * "kubepods[-<qos>]-pod<uid>.slice" (systemd, '-' in the UID written '_').
 */
static bool component_pod(const char *c, size_t len, char *uid)
{
	if (starts_with(c, len, "pod"))
		return pod_uid_of(c + 3, len - 3, '-', uid);
	if (starts_with(c, len, "kubepods") && ends_with(c, len, ".slice")) {
		const char *p = c + len - 6;
		size_t n;

		/* The UID is after the last "-pod". */
		while (p > c && !(p - c >= 4 && memcmp(p - 4, "-pod", 4) == 0))
			p--;
		if (p == c)
			return false;
		n = (size_t)(c + len - 6 - p);
		return pod_uid_of(p, n, '_', uid);
	}
	return false;
}

struct found {
	const char *id;		/* the container's id or name, in the path or in `name` */
	size_t len;
	const char *runtime;
	char name[CGROUP_CONTAINER_MAX];	/* an unescaped name */
};

/*
 * The container a component names (`parent` is the component above it,
 * "" at the top): its id or name and runtime, or false.
 */
static bool component_container(const char *c, size_t len, const char *parent, size_t plen,
				struct found *f)
{
	static const struct {
		const char *prefix, *runtime;
	} scoped[] = { { "docker-", "docker" },
		       { "cri-containerd-", "containerd" },
		       { "crio-", "cri-o" },
		       { "libpod-", "podman" } };

	if (len == 64 && all_hex(c, len)) {
		/* cgroupfs drivers: the parent says whose, when it is a runtime's. */
		f->id = c;
		f->len = len;
		f->runtime = eq(parent, plen, "docker")		  ? "docker"
			     : eq(parent, plen, "libpod_parent") ? "podman"
								  : "";
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(scoped); i++) {
		size_t p = strlen(scoped[i].prefix), n;

		if (!starts_with(c, len, scoped[i].prefix))
			continue;
		/* "docker-<id>.scope" (systemd drivers), "libpod-<id>" (Podman's cgroupfs). */
		n = ends_with(c, len, ".scope") ? len - p - 6 : len - p;
		/* "crio-conmon-<id>.scope" is the monitor, whose id is not hex. */
		if (len > p && n == 64 && all_hex(c + p, n)) {
			f->id = c + p;
			f->len = n;
			f->runtime = scoped[i].runtime;
			return true;
		}
	}
	if (starts_with(c, len, "lxc.payload.") && len > 12) {
		/* LXC 4 and later; "lxc.monitor.<name>" is its monitor. */
		f->id = c + 12;
		f->len = len - 12;
		f->runtime = "lxc";
		return true;
	}
	if (eq(parent, plen, "lxc") && len > 0) {
		/* LXC before 4: "/lxc/<name>". */
		f->id = c;
		f->len = len;
		f->runtime = "lxc";
		return true;
	}
	if (eq(parent, plen, "machine.slice")) {
		const char *inst = NULL;
		size_t n = 0;

		/* systemd-nspawn: "machine-<name>.scope", "systemd-nspawn@<name>.service". */
		if (starts_with(c, len, "machine-") && ends_with(c, len, ".scope")) {
			inst = c + 8;
			n = len - 8 - 6;
		} else if (starts_with(c, len, "systemd-nspawn@") && ends_with(c, len, ".service")) {
			inst = c + 15;
			n = len - 15 - 8;
		}
		if (inst && len > 14 && unescape_unit(inst, n, f->name, sizeof(f->name)) &&
		    /* libvirt's guests (machine-qemu-1-vm.scope) are machines, not containers. */
		    strncmp(f->name, "qemu-", 5) != 0) {
			f->id = f->name;
			f->len = strlen(f->name);
			f->runtime = "nspawn";
			return true;
		}
	}
	return false;
}

int parse_cgroup_path(const char *buf, size_t len, struct cgroup_names *ret)
{
	struct cgroup_names o;
	const char *p = buf, *end = buf + len, *parent = "";
	size_t plen = 0;
	bool kube = false;

	if (!buf || !ret || len == 0 || buf[0] != '/' || memchr(buf, '\0', len))
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	while (p < end) {
		struct found f = { 0 };
		char uid[CGROUP_POD_UID_MAX];
		const char *c;
		size_t n;

		while (p < end && *p == '/')
			p++;
		c = p;
		while (p < end && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (n == 0)
			continue;
		/* Outermost unit: the first service or scope below the slices. */
		if (!o.unit[0] && (ends_with(c, n, ".service") || ends_with(c, n, ".scope")) &&
		    n < sizeof(o.unit)) {
			memcpy(o.unit, c, n);
			o.unit[n] = '\0';
		}
		/* Pods sit below "kubepods" ("kubepods.slice", "kubepods-burstable.slice"). */
		if (kube && component_pod(c, n, uid)) {
			memcpy(o.pod_uid, uid, sizeof(uid));
			/* A container outside this pod is not its. */
			o.container[0] = o.runtime[0] = '\0';
		}
		if (starts_with(c, n, "kubepods"))
			kube = true;
		/* Innermost container: later matches replace earlier ones. */
		if (component_container(c, n, parent, plen, &f)) {
			set_field(o.container, sizeof(o.container), f.id, f.len);
			strscpy(o.runtime, o.container[0] ? f.runtime : "", sizeof(o.runtime));
		}
		parent = c;
		plen = n;
	}
	*ret = o;
	return 0;
}

void cgroup_cache_init(struct cgroup_cache *c, const struct fsroot *fs)
{
	memset(c, 0, sizeof(*c));
	c->fs = fs;
	c->v2_rel = "fs/cgroup";
}

enum cgroup_layout cgroup_layout_of(const struct fsroot *fs)
{
	static const char *const v1[] = { "fs/cgroup/cpu", "fs/cgroup/cpuacct", "fs/cgroup/memory",
					  "fs/cgroup/systemd" };

	if (fsroot_exists(fs, FS_SYS, "fs/cgroup/cgroup.controllers") > 0)
		return CGROUP_LAYOUT_UNIFIED;
	if (fsroot_exists(fs, FS_SYS, "fs/cgroup/unified") > 0)
		return CGROUP_LAYOUT_HYBRID;
	for (size_t i = 0; i < ARRAY_SIZE(v1); i++)
		if (fsroot_exists(fs, FS_SYS, v1[i]) > 0)
			return CGROUP_LAYOUT_LEGACY;
	return CGROUP_LAYOUT_UNIFIED;
}

static size_t id_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id;
}

static struct cgroup_info *cache_find(const struct cgroup_cache *c, uint64_t id)
{
	if (!c->cap)
		return NULL;
	for (size_t i = id_hash(id) & (c->cap - 1); c->slot[i]; i = (i + 1) & (c->cap - 1))
		if (c->slot[i]->id == id)
			return c->slot[i];
	return NULL;
}

static int cache_insert(struct cgroup_cache *c, struct cgroup_info *ci)
{
	size_t i;

	if ((c->n + 1) * 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cgroup_info **s = calloc(cap, sizeof(*s));

		if (!s)
			return -ENOMEM;
		for (size_t k = 0; k < c->cap; k++) {
			if (!c->slot[k])
				continue;
			for (i = id_hash(c->slot[k]->id) & (cap - 1); s[i]; i = (i + 1) & (cap - 1))
				;
			s[i] = c->slot[k];
		}
		free(c->slot);
		c->slot = s;
		c->cap = cap;
	}
	for (i = id_hash(ci->id) & (c->cap - 1); c->slot[i]; i = (i + 1) & (c->cap - 1))
		;
	c->slot[i] = ci;
	c->n++;
	return 0;
}

static int set_path(struct cgroup_info *ci, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	free(ci->path);
	ci->path = p;
	if (parse_cgroup_path(p, strlen(p), &ci->names) < 0)
		memset(&ci->names, 0, sizeof(ci->names));
	/* New names: what names.c said of the old ones no longer holds. */
	memset(&ci->res, 0, sizeof(ci->res));
	ci->res_gen = UINT64_MAX;
	ci->resolved = true;
	return 0;
}

/* The inode of <sysfs>/fs/cgroup<path>, or 0. */
static uint64_t path_inode(const struct cgroup_cache *c, const char *path)
{
	char rel[4200], full[4400];
	struct stat sb;

	if (snprintf(rel, sizeof(rel), "%s%s", c->v2_rel, path) >= (int)sizeof(rel) ||
	    fsroot_path(c->fs, FS_SYS, rel, full, sizeof(full)) < 0 || stat(full, &sb) < 0)
		return 0;
	return (uint64_t)sb.st_ino;
}

/* Try /proc/TGID/cgroup; 0 when it names cgroup `id`. */
static int resolve_by_task(struct cgroup_cache *c, struct cgroup_info *ci, uint32_t tgid)
{
	char rel[32], buf[4200], path[4100];
	ssize_t n;

	if (!tgid)
		return -ESRCH;
	snprintf(rel, sizeof(rel), "%u/cgroup", tgid);
	n = fsroot_read(c->fs, FS_PROC, rel, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	if (parse_proc_cgroup_v2(buf, (size_t)n, path, sizeof(path)) < 0)
		return -EINVAL;
	if (path_inode(c, path) != ci->id)
		return -ESTALE;	/* the task moved, or the PID was reused */
	return set_path(ci, path);
}

/* Cgroup v1 alone: the process's own path, as parse_proc_cgroup() prefers it. */
static int resolve_legacy(struct cgroup_cache *c, struct cgroup_info *ci, uint32_t tgid)
{
	char rel[32], buf[8192], path[4100];
	ssize_t n;

	if (!tgid)
		return -ESRCH;
	snprintf(rel, sizeof(rel), "%u/cgroup", tgid);
	n = fsroot_read(c->fs, FS_PROC, rel, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	if (parse_proc_cgroup(buf, (size_t)n, path,
			      sizeof(path)) < 0)
		return -EINVAL;
	return set_path(ci, path);
}

/* The key of a process's entry under CGROUP_LAYOUT_LEGACY: top bit set, never a v2 id's. */
static uint64_t legacy_key(uint32_t tgid, uint64_t proc_start_ns)
{
	uint64_t k = proc_start_ns * 0x9e3779b97f4a7c15ULL ^ tgid;

	k ^= k >> 29;
	return (k * 0xbf58476d1ce4e5b9ULL) | 1ULL << 63;
}

struct walk {
	struct cgroup_cache *c;
	size_t dirs;
};

/* Resolve every unresolved entry whose id is a directory below `rel` (path `path`). */
static void walk_dir(struct walk *w, int dirfd, char *path, size_t plen, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (depth > CGROUP_WALK_DEPTH || ++w->dirs > CGROUP_WALK_MAX_DIRS)
		return;
	fd = dup(dirfd);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct cgroup_info *ci;
		struct stat sb;
		size_t n = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (plen + 1 + n >= 4096)
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		path[plen] = '/';
		memcpy(path + plen + 1, de->d_name, n + 1);
		if (fstat(sub, &sb) == 0) {
			ci = cache_find(w->c, (uint64_t)sb.st_ino);
			if (ci && !ci->resolved)
				(void)set_path(ci, path);
		}
		walk_dir(w, sub, path, plen + 1 + n, depth + 1);
		path[plen] = '\0';
		close(sub);
	}
	closedir(d);
}

static void resolve_by_walk(struct cgroup_cache *c, uint64_t now_ns)
{
	char path[4096] = "";
	struct walk w = { .c = c };
	struct stat sb;
	int fd;

	if (c->walked && now_ns < c->walked_ns + CGROUP_WALK_EVERY_NS)
		return;
	c->walked = true;
	c->walked_ns = now_ns;
	fd = fsroot_open(c->fs, FS_SYS, c->v2_rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0) {
		struct cgroup_info *root = cache_find(c, (uint64_t)sb.st_ino);

		if (root && !root->resolved)
			(void)set_path(root, "/");
	}
	walk_dir(&w, fd, path, 0, 0);
	close(fd);
}

struct cgroup_info *cgroup_cache_get(struct cgroup_cache *c, uint64_t id, uint32_t tgid,
				     uint64_t proc_start_ns, uint64_t now_ns)
{
	struct cgroup_info *ci;

	if (c->layout == CGROUP_LAYOUT_UNKNOWN) {
		c->layout = cgroup_layout_of(c->fs);
		c->v2_rel = c->layout == CGROUP_LAYOUT_HYBRID ? "fs/cgroup/unified" : "fs/cgroup";
	}
	if (c->layout == CGROUP_LAYOUT_LEGACY) {
		/* The v2 id is the same for every task: the process's path speaks. */
		if (!tgid)
			return NULL;
		id = legacy_key(tgid, proc_start_ns);
	}
	if (!id)
		return NULL;
	ci = cache_find(c, id);
	if (!ci) {
		ci = calloc(1, sizeof(*ci));
		if (!ci)
			return NULL;
		ci->id = id;
		ci->path = strdup("");
		if (!ci->path || cache_insert(c, ci) < 0) {
			free(ci->path);
			free(ci);
			return NULL;
		}
	} else if (ci->resolved || now_ns < ci->checked_ns + CGROUP_RETRY_NS) {
		ci->used_ns = now_ns;
		return ci;
	}
	ci->used_ns = now_ns;
	ci->checked_ns = now_ns;
	if (c->layout == CGROUP_LAYOUT_LEGACY)
		(void)resolve_legacy(c, ci, tgid);
	else if (resolve_by_task(c, ci, tgid) < 0)
		resolve_by_walk(c, now_ns);
	return ci;
}

void cgroup_cache_prune(struct cgroup_cache *c, uint64_t now_ns)
{
	struct cgroup_info **keep;
	size_t n = 0;

	if (!c->n)
		return;
	keep = calloc(c->n, sizeof(*keep));
	if (!keep)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		struct cgroup_info *ci = c->slot[i];

		if (!ci)
			continue;
		c->slot[i] = NULL;
		if (now_ns > ci->used_ns + CGROUP_TTL_NS) {
			free(ci->path);
			free(ci);
		} else {
			keep[n++] = ci;
		}
	}
	c->n = 0;
	for (size_t i = 0; i < n; i++)
		(void)cache_insert(c, keep[i]);	/* the table has room: it held them all */
	free(keep);
}

void cgroup_cache_done(struct cgroup_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slot[i]) {
			free(c->slot[i]->path);
			free(c->slot[i]);
		}
	free(c->slot);
	memset(c, 0, sizeof(*c));
}
