/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cgroup.c - cgroup ids to paths, systemd units and container ids
 * (cgroup.h). The naming rules follow what systemd (cg_path_get_unit) and
 * the container runtimes write; docs/attribution.md lists them with
 * examples.
 */
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

/* The container a component names: the id's start and length, or false. */
static bool component_container(const char *c, size_t len, const char **ret, size_t *ret_len)
{
	static const char *const scoped[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };

	if (len == 64 && all_hex(c, len)) {
		*ret = c;
		*ret_len = len;
		return true;
	}
	if (ends_with(c, len, ".scope")) {
		for (size_t i = 0; i < ARRAY_SIZE(scoped); i++) {
			size_t p = strlen(scoped[i]), n = len - p - 6;

			/* "crio-conmon-<id>.scope" is the monitor, whose id is not hex. */
			if (starts_with(c, len, scoped[i]) && len > p + 6 && n == 64 &&
			    all_hex(c + p, n)) {
				*ret = c + p;
				*ret_len = n;
				return true;
			}
		}
	}
	if (starts_with(c, len, "lxc.payload.") && len > 12) {
		*ret = c + 12;
		*ret_len = len - 12;
		return true;
	}
	return false;
}

int parse_cgroup_path(const char *buf, size_t len, struct cgroup_names *ret)
{
	struct cgroup_names o;
	const char *p = buf, *end = buf + len;

	if (!buf || !ret || len == 0 || buf[0] != '/' || memchr(buf, '\0', len))
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	while (p < end) {
		const char *c, *id;
		size_t n, idlen;

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
		/* Innermost container: later matches replace earlier ones. */
		if (component_container(c, n, &id, &idlen)) {
			if (idlen < sizeof(o.container)) {
				memcpy(o.container, id, idlen);
				o.container[idlen] = '\0';
			} else {
				o.container[0] = '\0';
			}
		}
	}
	*ret = o;
	return 0;
}

void cgroup_cache_init(struct cgroup_cache *c, const struct fsroot *fs)
{
	memset(c, 0, sizeof(*c));
	c->fs = fs;
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
	ci->resolved = true;
	return 0;
}

/* The inode of <sysfs>/fs/cgroup<path>, or 0. */
static uint64_t path_inode(const struct cgroup_cache *c, const char *path)
{
	char rel[4200], full[4400];
	struct stat sb;

	if (snprintf(rel, sizeof(rel), "fs/cgroup%s", path) >= (int)sizeof(rel) ||
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
	fd = fsroot_open(c->fs, FS_SYS, "fs/cgroup", O_RDONLY | O_DIRECTORY);
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

const struct cgroup_info *cgroup_cache_get(struct cgroup_cache *c, uint64_t id, uint32_t tgid,
					   uint64_t now_ns)
{
	struct cgroup_info *ci;

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
	if (resolve_by_task(c, ci, tgid) < 0)
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
