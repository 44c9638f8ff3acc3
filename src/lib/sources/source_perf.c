/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_perf.c - RAPL through the perf `power` PMU
 * (/sys/bus/event_source/devices/power: type, cpumask, events/energy-*).
 *
 * Preferred over powercap: the kernel accumulates the 32-bit hardware
 * counter into a 64-bit count, so there is no wrap to judge. One event is
 * opened per domain kind per socket, on the socket's CPU from the PMU's
 * cpumask, and count × scale (joules) becomes µJ with integer arithmetic.
 * On Intel parts with several dies per package the PMU lists one CPU per
 * die and each die has its own counter, so a socket's domain sums them; on
 * other vendors the dies mirror the package counter and only the first CPU
 * is used. energy-psys is machine-wide and opened once.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parse.h"
#include "rapl.h"
#include "source.h"
#include "source_perf.h"
#include "util.h"

#define PMU_DIR "bus/event_source/devices/power"

static int sys_open(const struct perf_event_attr *attr, int cpu, void *userdata)
{
	long fd = syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

static int sys_read(int fd, uint64_t *ret_count, void *userdata)
{
	uint64_t v;
	ssize_t n;

	do
		n = read(fd, &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != sizeof(v))
		return -EIO;
	*ret_count = v;
	return 0;
}

static void sys_close(int fd, void *userdata)
{
	(void)close(fd);
}

static const struct perf_backend real_backend = {
    .open = sys_open,
    .read = sys_read,
    .close = sys_close,
};

static const struct perf_backend *backend = &real_backend;

void source_perf_set_backend(const struct perf_backend *b)
{
	backend = b ? b : &real_backend;
}

static const struct {
	const char *event; /* after "energy-" */
	enum joulestat_domain_kind kind;
} event_kinds[] = {
    {"pkg", JOULESTAT_DOMAIN_PACKAGE}, {"cores", JOULESTAT_DOMAIN_CORE},
    {"gpu", JOULESTAT_DOMAIN_UNCORE},  {"ram", JOULESTAT_DOMAIN_DRAM},
    {"psys", JOULESTAT_DOMAIN_PSYS},
};

struct pdom {
	struct domain *d;
	struct perf_scale scale;
	const struct perf_backend *be;
	int *fds;
	unsigned nfds;
};

struct perf_state {
	struct pdom *v;
	size_t n;
};

static void pdom_close(struct pdom *p)
{
	for (unsigned i = 0; i < p->nfds; i++)
		p->be->close(p->fds[i], p->be->userdata);
	free(p->fds);
	p->fds = NULL;
	p->nfds = 0;
}

static struct perf_state *state_free(struct perf_state *st)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->n; i++)
		pdom_close(&st->v[i]);
	free(st->v);
	free(st);
	return NULL;
}

/* Energy (µJ) of a domain now: the sum of its counts, scaled. */
static int pdom_read_uj(const struct pdom *p, uint64_t *ret_uj)
{
	uint64_t sum = 0;
	int r;

	for (unsigned i = 0; i < p->nfds; i++) {
		uint64_t c;

		r = p->be->read(p->fds[i], &c, p->be->userdata);
		if (r < 0)
			return r;
		if (c > UINT64_MAX - sum)
			return -ERANGE;
		sum += c;
	}
	return perf_scale_to_uj(sum, &p->scale, ret_uj);
}

/* Read one text file of the PMU into buf; a note naming it on failure. */
static int read_pmu_file(const struct source_ctx *ctx, const char *rel, char *buf, size_t size,
			 char *path, size_t path_size)
{
	ssize_t n;

	fsroot_path(ctx->fs, FS_SYS, rel, path, path_size);
	n = fsroot_read(ctx->fs, FS_SYS, rel, buf, size);
	return (int)n;
}

struct open_ctx {
	const struct source_ctx *ctx;
	const struct source_slot *slot;
	struct perf_state *st;
	char *reason;
	size_t reason_size;
	unsigned type;
	struct cpuset mask;
};

static int permission_reason(struct open_ctx *oc, const char *event, int cpu, int err)
{
	char p[32] = "unknown";
	int64_t v;

	if (fsroot_read_s64(oc->ctx->fs, FS_PROC, "sys/kernel/perf_event_paranoid", &v) == 0)
		snprintf(p, sizeof(p), "%" PRId64, v);
	snprintf(oc->reason, oc->reason_size,
		 "perf_event_open of power/%s/ on CPU %d: %s: run as root or grant CAP_PERFMON "
		 "(kernel.perf_event_paranoid is %s)",
		 event, cpu, strerror(-err), p);
	return err;
}

/*
 * Open `event` (kind, config, scale) for one socket (or the machine for
 * psys) on `cpus`. 1 when added, 0 when skipped with a note, -errno fatal.
 */
static int open_domain(struct open_ctx *oc, const char *event, enum joulestat_domain_kind kind,
		       uint64_t config, const struct perf_scale *scale, int socket,
		       const struct cpuset *cpus)
{
	const struct topology *t = oc->ctx->topo;
	struct perf_event_attr attr = { 0 };
	struct pdom p = { .scale = *scale, .be = backend };
	bool all = strcmp(t->cpu.vendor, "GenuineIntel") == 0 && kind != JOULESTAT_DOMAIN_PSYS;
	struct pdom *v;
	struct domain *d;
	uint64_t uj;
	unsigned cpu;
	int r = 0, first_cpu = -1;

	attr.type = oc->type;
	attr.size = sizeof(attr);
	attr.config = config;
	p.fds = calloc(cpuset_count(cpus) ? cpuset_count(cpus) : 1, sizeof(*p.fds));
	if (!p.fds)
		return -ENOMEM;
	cpuset_for_each(cpu, cpus)
	{
		int fd = backend->open(&attr, (int)cpu, backend->userdata);

		if (fd < 0) {
			r = fd;
			if (r == -EACCES || r == -EPERM)
				r = permission_reason(oc, event, (int)cpu, r);
			else
				source_note(oc->reason, oc->reason_size,
				     "skipped power/%s/ on CPU %u: perf_event_open: %s", event, cpu,
				     strerror(-r));
			goto fail;
		}
		if (first_cpu < 0)
			first_cpu = (int)cpu;
		p.fds[p.nfds++] = fd;
		if (!all)
			break;
	}
	r = pdom_read_uj(&p, &uj);
	if (r < 0) {
		source_note(oc->reason, oc->reason_size, "skipped power/%s/ on CPU %d: read: %s", event,
		     first_cpu, strerror(-r));
		goto fail;
	}
	v = realloc(oc->st->v, (oc->st->n + 1) * sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto fail;
	}
	oc->st->v = v;
	d = domain_list_add(oc->ctx->domains, oc->slot);
	if (!d) {
		r = -ENOMEM;
		goto fail;
	}
	if (socket < 0)
		snprintf(d->name, sizeof(d->name), "%s", rapl_kind_stem(kind));
	else
		snprintf(d->name, sizeof(d->name), "%s-%d", rapl_kind_stem(kind), socket);
	snprintf(d->path, sizeof(d->path), "%s/%s/events/%s (perf, CPU %d)",
		 oc->ctx->fs->root[FS_SYS], PMU_DIR, event, first_cpu);
	d->kind = kind;
	d->socket = socket;
	d->cpus = socket < 0 ? t->online : t->socket_cpus[socket];
	/* 64-bit counts: no wrap range; worst-case power is unused but documented. */
	d->ctr.max_range_uj = 0;
	d->ctr.max_power_uw = rapl_default_max_power_uw(kind);
	domain_feed_counter(d, uj, now_ns());
	p.d = d;
	oc->st->v[oc->st->n++] = p;
	return 1;
fail:
	pdom_close(&p);
	return (r == -EACCES || r == -EPERM || r == -ENOMEM) ? r : 0;
}

/* One events/energy-* entry: parse its files, then open it per socket. */
static int open_event(struct open_ctx *oc, const char *event)
{
	const struct topology *t = oc->ctx->topo;
	char rel[256], buf[128], path[4096];
	enum joulestat_domain_kind kind = JOULESTAT_DOMAIN_PACKAGE;
	struct perf_scale scale;
	uint64_t config;
	bool known = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(event_kinds); i++)
		if (strcmp(event + 7, event_kinds[i].event) == 0) {
			kind = event_kinds[i].kind;
			known = true;
		}
	if (!known) {
		log_debug(oc->ctx->log, "perf: power/%s/ is not a RAPL domain joulestat knows",
			  event);
		return 0;
	}
	snprintf(rel, sizeof(rel), PMU_DIR "/events/%s", event);
	r = read_pmu_file(oc->ctx, rel, buf, sizeof(buf), path, sizeof(path));
	if (r >= 0)
		r = parse_perf_event_config(buf, (size_t)r, &config);
	if (r < 0)
		goto bad_file;
	snprintf(rel, sizeof(rel), PMU_DIR "/events/%s.scale", event);
	r = read_pmu_file(oc->ctx, rel, buf, sizeof(buf), path, sizeof(path));
	if (r >= 0)
		r = parse_perf_scale(buf, (size_t)r, &scale);
	if (r < 0)
		goto bad_file;
	snprintf(rel, sizeof(rel), PMU_DIR "/events/%s.unit", event);
	r = read_pmu_file(oc->ctx, rel, buf, sizeof(buf), path, sizeof(path));
	if (r >= 0)
		r = parse_perf_unit(buf, (size_t)r);
	if (r < 0)
		goto bad_file;

	if (kind == JOULESTAT_DOMAIN_PSYS) {
		struct cpuset one;
		unsigned cpu;

		cpuset_zero(&one);
		cpuset_for_each(cpu, &oc->mask)
		{
			cpuset_set(&one, cpu);
			break;
		}
		return open_domain(oc, event, kind, config, &scale, -1, &one);
	}
	for (unsigned s = 0; s < t->nsockets; s++) {
		struct cpuset cpus;

		for (unsigned w = 0; w < CPUSET_WORDS; w++)
			cpus.bits[w] = oc->mask.bits[w] & t->socket_cpus[s].bits[w];
		if (cpuset_count(&cpus) == 0) {
			source_note(oc->reason, oc->reason_size,
			     "power/%s/: no CPU of socket %u in the PMU's cpumask", event, s);
			continue;
		}
		r = open_domain(oc, event, kind, config, &scale, (int)s, &cpus);
		if (r < 0)
			return r;
	}
	return 0;
bad_file:
	source_note(oc->reason, oc->reason_size, "skipped %s: %s", path,
	     r == -ENOENT	? "missing"
	     : r == -EOPNOTSUPP ? "a format this PMU does not use"
	     : r == -ERANGE	? "out of range"
				: "malformed");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int perf_open(const struct source_ctx *ctx, const struct source_slot *slot, void **ret_state,
		     char *reason, size_t reason_size)
{
	struct open_ctx oc = {
	    .ctx = ctx, .slot = slot, .reason = reason, .reason_size = reason_size};
	char buf[4096], path[4096];
	char *names[64];
	size_t nnames = 0;
	struct dirent *de;
	uint64_t type;
	DIR *dir = NULL;
	int r;

	reason[0] = '\0';
	if (fsroot_exists(ctx->fs, FS_SYS, PMU_DIR) <= 0) {
		snprintf(reason, reason_size,
			 "no perf power PMU under %s/" PMU_DIR
			 ": no RAPL perf driver for this CPU, "
			 "or a virtual machine",
			 ctx->fs->root[FS_SYS]);
		return -ENODEV;
	}
	if (backend == &real_backend && !fsroot_is_real(ctx->fs, FS_SYS)) {
		snprintf(reason, reason_size,
			 "perf_event_open needs the running kernel's PMU: %s is not /sys",
			 ctx->fs->root[FS_SYS]);
		return -ENODEV;
	}
	oc.st = calloc(1, sizeof(*oc.st));
	if (!oc.st)
		return -ENOMEM;

	r = read_pmu_file(ctx, PMU_DIR "/type", buf, sizeof(buf), path, sizeof(path));
	if (r >= 0)
		r = parse_u64(buf, (size_t)r, &type);
	if (r == 0 && type > UINT32_MAX)
		r = -ERANGE;
	if (r < 0) {
		snprintf(reason, reason_size, "%s: %s", path,
			 r == -ENOENT ? "missing" : "not a PMU type number");
		goto fail;
	}
	oc.type = (unsigned)type;
	r = read_pmu_file(ctx, PMU_DIR "/cpumask", buf, sizeof(buf), path, sizeof(path));
	if (r >= 0)
		r = parse_cpulist(buf, (size_t)r, &oc.mask);
	if (r == 0 && cpuset_count(&oc.mask) == 0)
		r = -ENODATA;
	if (r < 0) {
		snprintf(reason, reason_size, "%s: %s", path,
			 r == -ENOENT ? "missing" : "not a CPU list");
		goto fail;
	}

	dir = fsroot_opendir(ctx->fs, FS_SYS, PMU_DIR "/events");
	while (dir && (de = readdir(dir)) && nnames < ARRAY_SIZE(names)) {
		if (strncmp(de->d_name, "energy-", 7) != 0 || strchr(de->d_name, '.'))
			continue;
		names[nnames] = strdup(de->d_name);
		if (!names[nnames]) {
			r = -ENOMEM;
			goto fail;
		}
		nnames++;
	}
	/* Domains in a stable order, whatever readdir() gives. */
	qsort(names, nnames, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nnames; i++) {
		r = open_event(&oc, names[i]);
		if (r < 0)
			goto fail;
	}
	if (oc.st->n == 0) {
		if (!reason[0])
			snprintf(reason, reason_size,
				 "no energy-* event under %s/" PMU_DIR "/events",
				 ctx->fs->root[FS_SYS]);
		/* Events there but none usable (the notes say why): present, not working. */
		r = nnames ? -EIO : -ENODEV;
		goto fail;
	}
	if (reason[0])
		log_warning(ctx->log, "perf: %s", reason);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	if (dir)
		closedir(dir);
	*ret_state = oc.st;
	return 0;
fail:
	for (size_t i = 0; i < oc.st->n; i++)
		domain_list_remove(ctx->domains, oc.st->v[i].d);
	state_free(oc.st);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	if (dir)
		closedir(dir);
	return r;
}

static int perf_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct perf_state *st = state;
	int ok = 0, first_err = 0;

	for (size_t i = 0; i < st->n; i++) {
		struct domain *d = st->v[i].d;
		int prev = d->last_error, r;
		uint64_t uj;

		r = pdom_read_uj(&st->v[i], &uj);
		if (r < 0)
			domain_feed_error(d, r);
		else
			r = domain_feed_counter(d, uj, now);
		if (r < 0) {
			if (r != prev)
				log_warning(ctx->log, "perf: %s: %s", d->path,
					    counter_strerror(r) ? counter_strerror(r) : strerror(-r));
			if (!first_err)
				first_err = r;
		} else {
			ok++;
		}
	}
	return ok || !st->n ? 0 : first_err;
}

static void perf_close(void *state)
{
	state_free(state);
}

const struct source_ops source_perf_ops = {
    .name = "perf",
    .open = perf_open,
    .read = perf_read,
    .close = perf_close,
};
