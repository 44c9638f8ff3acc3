/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_procpower.c - the "procpower" energy source: per-process energy
 * from <procfs>/PID/power/energy_uj, an experimental kernel interface (one
 * cumulative µJ counter per process). When it exists, each process that has
 * the file gets one PROCESS domain, named "pid-PID", with its pid set; such
 * domains are never part of the host total (they are shares of it).
 *
 * A process is keyed by PID and start time (field 22 of /proc/PID/stat), so
 * a PID reused by a new process becomes a new domain, never the
 * continuation of its predecessor's counter. Domains appear as processes do
 * and are removed (domain_list_remove) when they exit, during read().
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "procfs_parse.h"
#include "source.h"
#include "util.h"

struct proc_entry {
	int pid;
	uint64_t start_ticks;
	struct domain *d;
};

struct procpower_state {
	struct proc_entry *v;	/* sorted by pid */
	size_t n, cap;
	const struct source_slot *slot;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int read_starttime(const struct source_ctx *ctx, int pid, uint64_t *ret)
{
	char rel[64], buf[1024];
	struct task_stat ts;
	ssize_t n;
	int r;

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	n = fsroot_read(ctx->fs, FS_PROC, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	r = parse_task_stat(buf, (size_t)n, &ts);
	if (r < 0)
		return r;
	*ret = ts.starttime_ticks;
	return 0;
}

static int read_energy(const struct source_ctx *ctx, int pid, uint64_t *ret)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%d/power/energy_uj", pid);
	return fsroot_read_u64(ctx->fs, FS_PROC, rel, ret);
}

/* A PID directory name, or -1. */
static int pid_of(const char *name)
{
	uint64_t v;

	if (name[0] < '1' || name[0] > '9' || parse_u64(name, strlen(name), &v) < 0 ||
	    v > INT32_MAX)
		return -1;
	return (int)v;
}

static struct proc_entry *find_old(struct procpower_state *st, int pid)
{
	struct proc_entry key = { .pid = pid };

	return st->n ? bsearch(&key, st->v, st->n, sizeof(*st->v), cmp_entry) : NULL;
}

static struct domain *new_domain(const struct source_ctx *ctx, const struct source_slot *slot,
				 int pid)
{
	struct domain *d = domain_list_add(ctx->domains, slot);
	char rel[64];

	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "pid-%d", pid);
	snprintf(rel, sizeof(rel), "%d/power/energy_uj", pid);
	(void)fsroot_path(ctx->fs, FS_PROC, rel, d->path, sizeof(d->path));
	d->kind = JOULESTAT_DOMAIN_PROCESS;
	d->pid = pid;
	d->socket = -1;
	d->cpus = ctx->topo->online;
	d->ctr.max_range_uj = 0; /* a 64-bit µJ counter */
	return d;
}

/*
 * One scan of <procfs>: read every process that has power/energy_uj, carry
 * over the domains of processes still there (same PID and start time), add
 * new ones, remove the rest. Returns the number of domains read, or -errno.
 */
static int procpower_scan(struct procpower_state *st, const struct source_ctx *ctx,
			  uint64_t now_ns, int *ret_first_err)
{
	struct proc_entry *nv = NULL;
	size_t nn = 0, ncap = 0;
	char root[DOMAIN_PATH_MAX];
	struct dirent *de;
	int r = 0, good = 0;
	DIR *dir;

	(void)fsroot_path(ctx->fs, FS_PROC, "", root, sizeof(root));
	dir = fsroot_opendir(ctx->fs, FS_PROC, "");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		int pid = pid_of(de->d_name);
		struct proc_entry *old, e = { .pid = pid };
		const char *bad_file;
		uint64_t uj;
		int rr;

		if (pid < 0)
			continue;
		rr = read_energy(ctx, pid, &uj);
		if (rr == -ENOENT || rr == -ESRCH)
			continue; /* no such file for this process, or it just exited */
		if (rr == 0) {
			rr = read_starttime(ctx, pid, &e.start_ticks);
			bad_file = "stat";
		} else {
			bad_file = "power/energy_uj";
		}
		old = find_old(st, pid);
		if (rr < 0) {
			if (old && old->d && (rr != -ENOENT && rr != -ESRCH)) {
				/* Known process, unreadable now: keep it, count the error. */
				log_warning(ctx->log, "procpower: %s%d/%s: %s", root, pid, bad_file,
					    rr == -EINVAL    ? "malformed"
					    : rr == -ENODATA ? "empty"
							     : strerror(-rr));
				domain_feed_error(old->d, rr);
				if (!*ret_first_err)
					*ret_first_err = rr;
				e = *old;
				old->d = NULL;
			} else {
				if (rr != -ENOENT && rr != -ESRCH && !*ret_first_err)
					*ret_first_err = rr;
				log_debug(ctx->log, "procpower: PID %d: %s", pid, strerror(-rr));
				continue;
			}
		} else {
			if (old && old->d && old->start_ticks == e.start_ticks) {
				e.d = old->d;
				old->d = NULL;
			} else {
				/* New process, or a new one under a reused PID. */
				if (old && old->d) {
					domain_list_remove(ctx->domains, old->d);
					old->d = NULL;
				}
				e.d = new_domain(ctx, st->slot, pid);
				if (!e.d) {
					r = -ENOMEM;
					break;
				}
			}
			if (domain_feed_counter(e.d, uj, now_ns) < 0) {
				log_warning(ctx->log, "procpower: %s went backwards; interval skipped",
					    e.d->path);
				if (!*ret_first_err)
					*ret_first_err = -EILSEQ;
			} else {
				good++;
			}
		}
		if (nn == ncap) {
			size_t cap = ncap ? ncap * 2 : 64;
			struct proc_entry *v = realloc(nv, cap * sizeof(*v));

			if (!v) {
				if (e.d)
					domain_list_remove(ctx->domains, e.d);
				r = -ENOMEM;
				break;
			}
			nv = v;
			ncap = cap;
		}
		nv[nn++] = e;
	}
	closedir(dir);
	/* Whatever was not carried over has exited (or failed to carry over on -ENOMEM). */
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].d)
			domain_list_remove(ctx->domains, st->v[i].d);
	free(st->v);
	if (nn)
		qsort(nv, nn, sizeof(*nv), cmp_entry);
	st->v = nv;
	st->n = nn;
	st->cap = ncap;
	return r < 0 ? r : good;
}

static int procpower_read(void *state, const struct source_ctx *ctx, uint64_t now_ns)
{
	struct procpower_state *st = state;
	int first_err = 0, r;

	r = procpower_scan(st, ctx, now_ns, &first_err);
	if (r < 0)
		return r;
	return r == 0 && first_err ? first_err : 0;
}

static void procpower_close(void *state)
{
	struct procpower_state *st = state;

	if (!st)
		return;
	free(st->v);
	free(st);
}

static int procpower_open(const struct source_ctx *ctx, const struct source_slot *slot,
			  void **ret_state, char *reason, size_t reason_size)
{
	struct procpower_state *st;
	char root[DOMAIN_PATH_MAX];
	int first_err = 0, r;

	(void)fsroot_path(ctx->fs, FS_PROC, "", root, sizeof(root));
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->slot = slot;
	r = procpower_scan(st, ctx, now_ns(), &first_err);
	if (r < 0) {
		snprintf(reason, reason_size, "%s: %s", root, strerror(-r));
		goto fail;
	}
	if (st->n == 0) {
		if (first_err) {
			r = first_err;
			snprintf(reason, reason_size,
				 "%sPID/power/energy_uj exists but cannot be read: %s%s", root,
				 strerror(-r), r == -EACCES ? " (run as root)" : "");
		} else {
			r = -ENODEV;
			snprintf(reason, reason_size,
				 "no %sPID/power/energy_uj: this kernel lacks the experimental "
				 "per-process energy interface", root);
		}
		goto fail;
	}
	*ret_state = st;
	return 0;
fail:
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].d)
			domain_list_remove(ctx->domains, st->v[i].d);
	procpower_close(st);
	return r;
}

const struct source_ops source_procpower_ops = {
	.name = "procpower",
	.open = procpower_open,
	.read = procpower_read,
	.close = procpower_close,
};
