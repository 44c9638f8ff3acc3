/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * drm_clients.c - per-process GPU busy time from DRM fdinfo: scans
 * <procfs>/PID/fd for links to /dev/dri/ nodes, reads their fdinfo, keeps
 * one entry per DRM client (pdev, drm-client-id), and turns the cumulative
 * engine counters into busy time per (device, process) per interval.
 *
 * Only fds that link to /dev/dri/ are read: reading the fdinfo of every
 * socket and file of every process would cost a read per fd, a readlink is
 * cheaper and most processes hold no DRM fd at all.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drm_fdinfo.h"
#include "parse.h"
#include "util.h"

#define FDINFO_MAX 16384

/* One DRM client as last seen. */
struct client {
	char pdev[DRM_PDEV_MAX];
	char driver[DRM_DRIVER_MAX];
	uint64_t id;  /* drm-client-id, or a per-fd key when absent */
	uint32_t pid; /* lowest tgid holding it */
	unsigned nengines;
	struct drm_engine engines[DRM_MAX_ENGINES];
	uint64_t vram_bytes;
};

struct client_vec {
	struct client *v;
	size_t n, cap;
};

struct drm_clients {
	const struct fsroot *fs;
	unsigned since_full; /* samples since the last scan of every process */
	uint32_t *pids;	     /* the targeted scan's tgids */
	size_t npids, pids_cap;
	uint64_t last_ns;
	uint64_t interval_ns;
	bool primed; /* a baseline scan was taken */
	struct client_vec prev, cur;
	struct drm_proc_usage *rows;
	size_t nrows, rows_cap;
	char buf[FDINFO_MAX];
};

static int client_cmp(const void *a, const void *b)
{
	const struct client *x = a, *y = b;
	int r = strcmp(x->pdev, y->pdev);

	if (r)
		return r;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static struct client *client_push(struct client_vec *cv)
{
	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct client *v = realloc(cv->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		cv->v = v;
		cv->cap = cap;
	}
	return &cv->v[cv->n++];
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Read the DRM fds of one process into c->cur. Counts unreadable files in *errors. */
static int scan_pid(struct drm_clients *c, const char *pid_s, uint32_t pid, unsigned *errors)
{
	char rel[NAME_MAX + 64], link[256];
	struct dirent *de;
	DIR *d;

	snprintf(rel, sizeof(rel), "%s/fd", pid_s);
	d = fsroot_opendir(c->fs, FS_PROC, rel);
	if (!d)
		return 0; /* exited, or not ours to read: nothing to say per process */
	while ((de = readdir(d))) {
		struct drm_fdinfo f;
		struct client *cl;
		ssize_t n;
		int r;

		if (!all_digits(de->d_name))
			continue;
		/* Relative to the fd directory already open: no path walk per fd. */
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "/dev/dri/", 9) != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/fdinfo/%s", pid_s, de->d_name);
		n = fsroot_read(c->fs, FS_PROC, rel, c->buf, sizeof(c->buf));
		if (n < 0) {
			if (n != -ENOENT && n != -ESRCH)
				(*errors)++;
			continue;
		}
		r = parse_drm_fdinfo(c->buf, (size_t)n, &f);
		if (r == -ENOENT || r == -ENODATA)
			continue; /* a DRM node whose driver publishes no usage stats */
		if (r < 0) {
			(*errors)++;
			continue;
		}
		cl = client_push(&c->cur);
		if (!cl) {
			closedir(d);
			return -ENOMEM;
		}
		memset(cl, 0, sizeof(*cl));
		if (!f.pdev[0] || drm_pci_normalize(f.pdev, cl->pdev, sizeof(cl->pdev)) < 0)
			strscpy(cl->pdev, f.pdev, sizeof(cl->pdev));
		strscpy(cl->driver, f.driver, sizeof(cl->driver));
		/*
		 * Without drm-client-id duplicated fds cannot be told apart:
		 * each fd is its own client, keyed by pid and fd number above
		 * any 32-bit id a driver hands out.
		 */
		cl->id = f.has_client_id ? f.client_id
					 : (1ULL << 63) | ((uint64_t)pid << 24) |
					       (uint64_t)strtoul(de->d_name, NULL, 10);
		cl->pid = pid;
		cl->nengines = f.nengines;
		memcpy(cl->engines, f.engines, sizeof(f.engines));
		cl->vram_bytes = f.vram_bytes;
	}
	closedir(d);
	return 0;
}

static const struct client *find_prev(const struct drm_clients *c, const struct client *cl)
{
	size_t lo = 0, hi = c->prev.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct client *p = &c->prev.v[mid];
		int r = strcmp(p->pdev, cl->pdev);

		if (r == 0 && p->id == cl->id)
			return p;
		if (r < 0 || (r == 0 && p->id < cl->id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct drm_engine *find_engine(const struct client *p, const char *name)
{
	for (unsigned i = 0; p && i < p->nengines; i++)
		if (strcmp(p->engines[i].name, name) == 0)
			return &p->engines[i];
	return NULL;
}

/* A cumulative counter's step; a counter that went backwards restarts from its new value. */
static uint64_t step(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

/* Busy ns of a client over the interval (prev NULL: opened in the interval). */
static uint64_t client_busy_ns(const struct client *cl, const struct client *prev,
			       uint64_t interval_ns)
{
	uint64_t busy = 0;

	for (unsigned i = 0; i < cl->nengines; i++) {
		const struct drm_engine *e = &cl->engines[i], *p = find_engine(prev, e->name);
		uint64_t add = 0;

		if (e->has_ns) {
			add = step(e->busy_ns, p && p->has_ns ? p->busy_ns : 0);
		} else if (e->has_cycles && e->has_total_cycles) {
			uint64_t dc = step(e->cycles, p && p->has_cycles ? p->cycles : 0);
			uint64_t dt =
			    step(e->total_cycles, p && p->has_total_cycles ? p->total_cycles : 0);

			/* Busy cycles over elapsed GPU cycles: the busy fraction of the interval.
			 */
			if (dt)
				add = mul_div_u64(MIN(dc, dt), interval_ns, dt);
		}
		busy = busy > UINT64_MAX - add ? UINT64_MAX : busy + add;
	}
	return busy;
}

static struct drm_proc_usage *row_for(struct drm_clients *c, const struct client *cl)
{
	struct drm_proc_usage *u;

	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].pid == cl->pid && strcmp(c->rows[i].pdev, cl->pdev) == 0)
			return &c->rows[i];
	if (c->nrows == c->rows_cap) {
		size_t cap = c->rows_cap ? c->rows_cap * 2 : 16;
		struct drm_proc_usage *v = realloc(c->rows, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->rows = v;
		c->rows_cap = cap;
	}
	u = &c->rows[c->nrows++];
	memset(u, 0, sizeof(*u));
	strscpy(u->pdev, cl->pdev, sizeof(u->pdev));
	strscpy(u->driver, cl->driver, sizeof(u->driver));
	u->pid = cl->pid;
	return u;
}

static int pid_push(struct drm_clients *c, uint32_t pid)
{
	if (c->npids == c->pids_cap) {
		size_t cap = c->pids_cap ? c->pids_cap * 2 : 64;
		uint32_t *v = realloc(c->pids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->pids = v;
		c->pids_cap = cap;
	}
	c->pids[c->npids++] = pid;
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The tgids that hold a DRM file, from every <sysfs>/kernel/debug/dri/N/clients,
 * plus those that held a client at the last scan, into c->pids (sorted,
 * unique). -errno when debugfs cannot tell (not mounted, not root, a table
 * that does not parse): the caller scans every process instead.
 */
static int debugfs_pids(struct drm_clients *c)
{
	struct dirent *de;
	size_t files = 0, w = 0;
	DIR *d;
	int r = 0;

	c->npids = 0;
	d = fsroot_opendir(c->fs, FS_SYS, "kernel/debug/dri");
	if (!d)
		return -errno;
	while (r >= 0 && (de = readdir(d))) {
		char rel[NAME_MAX + 64];
		uint32_t pids[512];
		size_t n;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "kernel/debug/dri/%s/clients", de->d_name);
		len = fsroot_read(c->fs, FS_SYS, rel, c->buf, sizeof(c->buf));
		if (len == -ENOENT || len == -ENOTDIR)
			continue;
		if (len < 0) {
			r = (int)len;
			break;
		}
		r = parse_drm_clients_list(c->buf, (size_t)len, pids, ARRAY_SIZE(pids), &n);
		files++;
		for (size_t k = 0; r >= 0 && k < n; k++)
			r = pid_push(c, pids[k]);
	}
	closedir(d);
	if (r < 0)
		return r;
	if (!files)
		return -ENOENT;
	for (size_t i = 0; i < c->prev.n && r >= 0; i++)
		r = pid_push(c, c->prev.v[i].pid);
	if (r < 0)
		return r;
	qsort(c->pids, c->npids, sizeof(*c->pids), u32_cmp);
	for (size_t i = 0; i < c->npids; i++)
		if (!w || c->pids[w - 1] != c->pids[i])
			c->pids[w++] = c->pids[i];
	c->npids = w;
	return 0;
}

/* Scan the processes (all, or those debugfs names) into c->cur, sorted and de-duplicated. */
static int scan_all(struct drm_clients *c, bool full, unsigned *errors)
{
	struct dirent *de;
	DIR *d;
	size_t w = 0;
	int r = 0;

	c->cur.n = 0;
	if (!full && debugfs_pids(c) == 0) {
		for (size_t i = 0; i < c->npids && r >= 0; i++) {
			char pid_s[16];

			snprintf(pid_s, sizeof(pid_s), "%u", c->pids[i]);
			r = scan_pid(c, pid_s, c->pids[i], errors);
		}
		c->since_full++;
	} else {
		d = fsroot_opendir(c->fs, FS_PROC, "");
		if (!d)
			return -errno;
		while (r >= 0 && (de = readdir(d))) {
			if (all_digits(de->d_name))
				r = scan_pid(c, de->d_name, (uint32_t)strtoul(de->d_name, NULL, 10),
					     errors);
		}
		closedir(d);
		c->since_full = 0;
	}
	if (r < 0)
		return r;
	/* No client at all leaves v NULL, which qsort() must not be given. */
	if (c->cur.n)
		qsort(c->cur.v, c->cur.n, sizeof(*c->cur.v), client_cmp);
	/* Sorted by (pdev, id, pid): the first of a run is the lowest PID; drop the rest. */
	for (size_t i = 0; i < c->cur.n; i++) {
		if (w && strcmp(c->cur.v[w - 1].pdev, c->cur.v[i].pdev) == 0 &&
		    c->cur.v[w - 1].id == c->cur.v[i].id)
			continue;
		if (w != i)
			c->cur.v[w] = c->cur.v[i];
		w++;
	}
	c->cur.n = w;
	return 0;
}

int drm_clients_new(const struct fsroot *fs, uint64_t now_ns, struct drm_clients **ret)
{
	struct drm_clients *c = calloc(1, sizeof(*c));
	unsigned errors = 0;
	struct client_vec t;

	if (!c)
		return -ENOMEM;
	c->fs = fs;
	c->last_ns = now_ns;
	/* The baseline, of every process; without a readable <procfs> the first sample says so. */
	if (scan_all(c, true, &errors) == 0) {
		t = c->prev;
		c->prev = c->cur;
		c->cur = t;
		c->primed = true;
	}
	*ret = c;
	return 0;
}

struct drm_clients *drm_clients_free(struct drm_clients *c)
{
	if (!c)
		return NULL;
	free(c->prev.v);
	free(c->cur.v);
	free(c->rows);
	free(c->pids);
	free(c);
	return NULL;
}

int drm_clients_sample(struct drm_clients *c, uint64_t now_ns, const struct drm_proc_usage **ret,
		       unsigned *ret_errors)
{
	unsigned errors = 0;
	struct client_vec t;
	int r;

	r = scan_all(c, c->since_full + 1 >= DRM_FULL_SCAN_EVERY, &errors);
	if (r < 0)
		return r;
	c->interval_ns = now_ns > c->last_ns ? now_ns - c->last_ns : 0;
	c->last_ns = now_ns;
	c->nrows = 0;
	for (size_t i = 0; i < c->cur.n; i++) {
		const struct client *cl = &c->cur.v[i], *p = find_prev(c, cl);
		struct drm_proc_usage *u;
		uint64_t busy;

		/* Before any baseline, a client's history is not this interval's. */
		busy = !c->primed && !p ? 0 : client_busy_ns(cl, p, c->interval_ns);
		u = row_for(c, cl);
		if (!u)
			return -ENOMEM;
		u->busy_ns = busy > UINT64_MAX - u->busy_ns ? UINT64_MAX : u->busy_ns + busy;
		u->vram_bytes += cl->vram_bytes;
		u->clients++;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		char rel[64], comm[64];

		snprintf(rel, sizeof(rel), "%u/comm", c->rows[i].pid);
		if (fsroot_read_line(c->fs, FS_PROC, rel, comm, sizeof(comm)) < 0)
			comm[0] = '\0';
		strscpy(c->rows[i].comm, comm, sizeof(c->rows[i].comm));
	}
	t = c->prev;
	c->prev = c->cur;
	c->cur = t;
	c->primed = true;
	if (ret_errors)
		*ret_errors = errors;
	*ret = c->rows;
	return (int)MIN(c->nrows, (size_t)INT32_MAX);
}

uint64_t drm_clients_interval_ns(const struct drm_clients *c)
{
	return c ? c->interval_ns : 0;
}
