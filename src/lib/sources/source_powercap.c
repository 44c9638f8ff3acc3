/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_powercap.c - RAPL through the kernel's powercap interface
 * (/sys/class/powercap/intel-rapl:N[:M], also used for AMD since Linux 5.11).
 *
 * Every zone and subzone is discovered from class/powercap and from
 * devices/virtual/powercap (the same zones, found once each). A zone's
 * `name` gives its kind; a package zone maps to the socket whose
 * physical_package_id the kernel put in its name, subzones (core, uncore,
 * dram) to their parent's socket, psys to the whole machine. Zones of a
 * secondary control type (intel-rapl-mmio, intel-rapl-tpmi) are used only
 * for a domain the intel-rapl tree does not provide: the MMIO package zone
 * duplicates the MSR one, and summing both would double the host total.
 * Counters are unwrapped per zone with max_energy_range_uj.
 *
 * A zone with a missing, empty, malformed or zero file is skipped with a
 * note naming the file (the source's reason while active); the other zones
 * keep working.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "parse.h"
#include "rapl.h"
#include "source.h"
#include "util.h"

/* Headroom over the zone's rated power (constraint_*_max_power_uw, the TDP):
 * PL2 reaches 1.25-4× TDP on client parts and PL4 more, for milliseconds. */
#define POWERCAP_POWER_HEADROOM 4

#define MAX_CANDIDATES 256

struct candidate {
	struct powercap_zone_id id;
	char rel[DOMAIN_PATH_MAX]; /* the zone directory, relative to the sysfs root */
	bool primary;		   /* control type "intel-rapl" */
	bool placed;		   /* a package zone whose socket is known (parent of subzones) */
	int socket, die;	   /* when placed */
};

struct zone {
	struct domain *d;
	int fd; /* energy_uj, kept open between readings */
};

struct powercap_state {
	struct zone *z;
	size_t n;
};

static bool same_id(const struct powercap_zone_id *a, const struct powercap_zone_id *b)
{
	return strcmp(a->ctl, b->ctl) == 0 && a->depth == b->depth && a->idx[0] == b->idx[0] &&
	       (a->depth < 2 || a->idx[1] == b->idx[1]);
}

/* Add the zone directory `dir/name` when `name` is a RAPL zone id not seen yet. */
static void add_candidate(struct candidate *c, size_t *n, const char *dir, const char *name)
{
	struct powercap_zone_id id;

	if (parse_powercap_zone_id(name, strlen(name), &id) < 0 || !strstr(id.ctl, "rapl"))
		return;
	for (size_t i = 0; i < *n; i++)
		if (same_id(&c[i].id, &id))
			return;
	if (*n == MAX_CANDIDATES)
		return;
	if (snprintf(c[*n].rel, sizeof(c[*n].rel), "%s/%s", dir, name) >= (int)sizeof(c[*n].rel))
		return;
	c[*n].id = id;
	c[*n].primary = strcmp(id.ctl, "intel-rapl") == 0;
	(*n)++;
}

/* Zone ids in one directory; subzones too when `recurse`. Returns whether the directory exists. */
static bool scan_dir(const struct fsroot *fs, const char *dir, bool recurse, struct candidate *c,
		     size_t *n)
{
	struct dirent *de;
	DIR *d;

	d = fsroot_opendir(fs, FS_SYS, dir);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		char sub[DOMAIN_PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		add_candidate(c, n, dir, de->d_name);
		if (!recurse || !strstr(de->d_name, "rapl"))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) < (int)sizeof(sub))
			scan_dir(fs, sub, strchr(de->d_name, ':') == NULL, c, n);
	}
	closedir(d);
	return true;
}

static int cmp_candidate(const void *pa, const void *pb)
{
	const struct candidate *a = pa, *b = pb;
	int r;

	if (a->primary != b->primary)
		return a->primary ? -1 : 1;
	if (a->id.depth != b->id.depth)
		return (int)a->id.depth - (int)b->id.depth;
	r = strcmp(a->id.ctl, b->id.ctl);
	if (r)
		return r;
	if (a->id.idx[0] != b->id.idx[0])
		return a->id.idx[0] < b->id.idx[0] ? -1 : 1;
	return (a->id.idx[1] > b->id.idx[1]) - (a->id.idx[1] < b->id.idx[1]);
}

/* Socket index of the package the kernel named with physical package `id`. */
static int package_socket(const struct topology *t, int id)
{
	for (unsigned s = 0; s < t->nsockets; s++)
		if (t->socket_ids[s] == id)
			return (int)s;
	return -ENOENT;
}

/* Worst-case power of a zone: its largest rated constraint with headroom, else a default. */
static uint64_t zone_max_power_uw(const struct fsroot *fs, const char *rel,
				  enum joulestat_domain_kind kind)
{
	uint64_t best = 0;
	struct dirent *de;
	DIR *d;

	d = fsroot_opendir(fs, FS_SYS, rel);
	while (d && (de = readdir(d))) {
		char f[DOMAIN_PATH_MAX + 64];
		size_t len = strlen(de->d_name);
		uint64_t v;

		if (strncmp(de->d_name, "constraint_", 11) != 0 || len < 13 ||
		    strcmp(de->d_name + len - 13, "_max_power_uw") != 0)
			continue;
		snprintf(f, sizeof(f), "%s/%s", rel, de->d_name);
		if (fsroot_read_u64(fs, FS_SYS, f, &v) == 0 && v > best &&
		    v < UINT64_MAX / POWERCAP_POWER_HEADROOM)
			best = v;
	}
	if (d)
		closedir(d);
	return best ? best * POWERCAP_POWER_HEADROOM : rapl_default_max_power_uw(kind);
}

static const char *problem(int err)
{
	switch (err) {
	case -ENOENT:
		return "missing";
	case -ENODATA:
		return "empty";
	case -EINVAL:
		return "not a number";
	case -ERANGE:
		return "out of range";
	default:
		return file_input_problem(err);
	}
}

static struct powercap_state *state_free(struct powercap_state *st)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->n; i++)
		if (st->z[i].fd >= 0)
			(void)close(st->z[i].fd);
	free(st->z);
	free(st);
	return NULL;
}

struct zone_ctx {
	const struct source_ctx *ctx;
	const struct source_slot *slot;
	struct powercap_state *st;
	char *reason;
	size_t reason_size;
	bool fatal; /* EACCES: the whole source fails */
};

/* Open one candidate as a domain. Returns 1 when added, 0 when skipped (noted), -errno fatal. */
static int open_zone(struct zone_ctx *zc, struct candidate *all, size_t n, struct candidate *c)
{
	const struct fsroot *fs = zc->ctx->fs;
	const struct topology *t = zc->ctx->topo;
	char f[DOMAIN_PATH_MAX + 64], path[4096], name[64], dname[DOMAIN_NAME_MAX];
	struct rapl_zone_name zn;
	uint64_t range_uj, raw_uj;
	struct domain *d;
	struct zone *z;
	int r, socket, die = -1, fd = -1;
	char buf[64];
	ssize_t len;

	snprintf(f, sizeof(f), "%s/name", c->rel);
	r = fsroot_read_line(fs, FS_SYS, f, name, sizeof(name));
	if (r >= 0)
		r = parse_rapl_zone_name(name, (size_t)r, &zn);
	if (r < 0) {
		fsroot_path(fs, FS_SYS, f, path, sizeof(path));
		source_note(zc->reason, zc->reason_size, "skipped %s: %s", path,
		     r == -EINVAL ? "not a RAPL zone name" : problem(r));
		return 0;
	}

	if (c->id.depth == 1) {
		if (zn.kind == JOULESTAT_DOMAIN_PSYS) {
			socket = -1;
		} else if (zn.kind == JOULESTAT_DOMAIN_PACKAGE) {
			socket = package_socket(t, zn.package);
			if (socket < 0 && zn.package < (int)t->nsockets)
				socket = zn.package; /* ids renumbered: the N-th socket */
			if (socket < 0) {
				fsroot_path(fs, FS_SYS, f, path, sizeof(path));
				source_note(zc->reason, zc->reason_size,
				     "skipped %s: package %d matches no online socket", path,
				     zn.package);
				return 0;
			}
			die = zn.die;
		} else {
			fsroot_path(fs, FS_SYS, f, path, sizeof(path));
			source_note(zc->reason, zc->reason_size,
			     "skipped %s: '%s' is not a top-level zone", path, name);
			return 0;
		}
		if (socket >= 0) {
			c->placed = true;
			c->socket = socket;
			c->die = die;
		}
	} else {
		const struct candidate *parent = NULL;

		/* Zones come sorted: a subzone's parent was opened before it. */
		for (size_t i = 0; i < n && !parent; i++)
			if (all[i].placed && all[i].id.depth == 1 &&
			    all[i].id.idx[0] == c->id.idx[0] && strcmp(all[i].id.ctl, c->id.ctl) == 0)
				parent = &all[i];
		if (zn.kind == JOULESTAT_DOMAIN_PACKAGE || zn.kind == JOULESTAT_DOMAIN_PSYS ||
		    !parent) {
			fsroot_path(fs, FS_SYS, f, path, sizeof(path));
			source_note(zc->reason, zc->reason_size,
			     "skipped %s: '%s' has no usable package zone above it", path, name);
			return 0;
		}
		socket = parent->socket;
		die = parent->die;
	}

	/*
	 * Several dies per package: Intel multi-die parts have a counter per
	 * die; AMD's mirror the package counter in every die zone (codecarbon
	 * #1274), so only die 0 counts there.
	 */
	if (die > 0 && strcmp(t->cpu.vendor, "GenuineIntel") != 0) {
		log_debug(zc->ctx->log, "powercap: %s mirrors die 0 on this vendor: skipped",
			  c->rel);
		return 0;
	}
	if (socket < 0)
		snprintf(dname, sizeof(dname), "%s", rapl_kind_stem(zn.kind));
	else if (die >= 0)
		snprintf(dname, sizeof(dname), "%s-%d-die-%d", rapl_kind_stem(zn.kind), socket,
			 die);
	else
		snprintf(dname, sizeof(dname), "%s-%d", rapl_kind_stem(zn.kind), socket);
	for (size_t i = 0; i < zc->st->n; i++) {
		if (strcmp(zc->st->z[i].d->name, dname) != 0)
			continue;
		if (!c->primary) {
			/* intel-rapl-mmio/-tpmi: the same counter through another interface. */
			log_debug(zc->ctx->log, "powercap: %s duplicates %s: skipped", c->rel,
				  zc->st->z[i].d->path);
		} else {
			fsroot_path(fs, FS_SYS, f, path, sizeof(path));
			source_note(zc->reason, zc->reason_size,
			     "skipped %s: a second zone named '%s' (counted once)", path, name);
		}
		return 0;
	}

	snprintf(f, sizeof(f), "%s/max_energy_range_uj", c->rel);
	r = fsroot_read_u64(fs, FS_SYS, f, &range_uj);
	if (r == 0 && range_uj == 0)
		r = -EDOM;
	if (r < 0) {
		fsroot_path(fs, FS_SYS, f, path, sizeof(path));
		source_note(zc->reason, zc->reason_size, "skipped %s: %s", path,
		     r == -EDOM ? "0, the counter cannot be unwrapped" : problem(r));
		return 0;
	}

	snprintf(f, sizeof(f), "%s/energy_uj", c->rel);
	fsroot_path(fs, FS_SYS, f, path, sizeof(path));
	fd = fsroot_open(fs, FS_SYS, f, O_RDONLY);
	len = fd < 0 ? fd : fd_read_all(fd, buf, sizeof(buf));
	if (len == -EACCES || len == -EPERM) {
		char missing[64];

		caps_missing(CAP_BIT(CAP_DAC_READ_SEARCH), missing, sizeof(missing));
		snprintf(zc->reason, zc->reason_size,
			 "%s is readable by root only since Linux 5.10 (CVE-2020-8694)%s%s: run as "
			 "root, grant CAP_DAC_READ_SEARCH, or give a group read access (the udev "
			 "rule of docs/INSTALL.md)",
			 path, missing[0] ? " and this process lacks " : "", missing);
		zc->fatal = true;
		r = (int)len;
		goto skip;
	}
	r = len < 0 ? (int)len : parse_u64(buf, (size_t)len, &raw_uj);
	if (r < 0) {
		source_note(zc->reason, zc->reason_size, "skipped %s: %s", path, problem(r));
		goto skip;
	}

	z = realloc(zc->st->z, (zc->st->n + 1) * sizeof(*z));
	if (!z) {
		r = -ENOMEM;
		zc->fatal = true;
		goto skip;
	}
	zc->st->z = z;
	d = domain_list_add(zc->ctx->domains, zc->slot);
	if (!d) {
		r = -ENOMEM;
		zc->fatal = true;
		goto skip;
	}
	strscpy(d->name, dname, sizeof(d->name));
	strscpy(d->path, path, sizeof(d->path));
	d->kind = zn.kind;
	d->socket = socket;
	d->cpus = socket < 0 ? t->online : t->socket_cpus[socket];
	d->ctr.max_range_uj = range_uj;
	d->ctr.max_power_uw = zone_max_power_uw(fs, c->rel, zn.kind);
	r = domain_feed_counter(d, raw_uj, now_ns());
	if (r < 0) {
		source_note(zc->reason, zc->reason_size,
		     "skipped %s: %" PRIu64 " exceeds max_energy_range_uj %" PRIu64, path, raw_uj,
		     range_uj);
		domain_list_remove(zc->ctx->domains, d);
		goto skip;
	}
	zc->st->z[zc->st->n].d = d;
	zc->st->z[zc->st->n].fd = fd;
	zc->st->n++;
	return 1;
skip:
	if (fd >= 0)
		(void)close(fd);
	return zc->fatal ? r : 0;
}

static int powercap_open(const struct source_ctx *ctx, const struct source_slot *slot,
			 void **ret_state, char *reason, size_t reason_size)
{
	struct zone_ctx zc = {
	    .ctx = ctx, .slot = slot, .reason = reason, .reason_size = reason_size};
	struct candidate *c;
	size_t n = 0;
	bool seen;
	int r = 0;

	reason[0] = '\0';
	c = calloc(MAX_CANDIDATES, sizeof(*c));
	zc.st = calloc(1, sizeof(*zc.st));
	if (!c || !zc.st) {
		r = -ENOMEM;
		goto fail;
	}
	seen = scan_dir(ctx->fs, "class/powercap", false, c, &n);
	seen |= scan_dir(ctx->fs, "devices/virtual/powercap", true, c, &n);
	if (!seen || n == 0) {
		snprintf(reason, reason_size,
			 "no RAPL exposed under %s/class/powercap: virtual machine, or the "
			 "intel_rapl driver is not loaded",
			 ctx->fs->root[FS_SYS]);
		r = -ENODEV;
		goto fail;
	}
	qsort(c, n, sizeof(*c), cmp_candidate);
	for (size_t i = 0; i < n; i++) {
		r = open_zone(&zc, c, n, &c[i]);
		if (r < 0)
			goto fail;
	}
	if (zc.st->n == 0) {
		/* Zones exist but none is usable: the notes say why, file by file. */
		r = -EIO;
		goto fail;
	}
	for (size_t i = 0; i < zc.st->n; i++)
		log_debug(ctx->log,
			  "powercap: %s from %s (range %" PRIu64 " uJ, max %" PRIu64 " uW)",
			  zc.st->z[i].d->name, zc.st->z[i].d->path, zc.st->z[i].d->ctr.max_range_uj,
			  zc.st->z[i].d->ctr.max_power_uw);
	if (reason[0])
		log_warning(ctx->log, "powercap: %s", reason);
	free(c);
	*ret_state = zc.st;
	return 0;
fail:
	if (zc.st)
		for (size_t i = 0; i < zc.st->n; i++)
			domain_list_remove(ctx->domains, zc.st->z[i].d);
	state_free(zc.st);
	free(c);
	return r;
}

/* Say once, when a zone's error changes, what went wrong with it. */
static void report(const struct source_ctx *ctx, const struct domain *d, int prev, int err)
{
	const char *why;

	if (err == prev)
		return;
	if (counter_strerror(err))
		why = counter_strerror(err);
	else if (err == -ERANGE)
		why = "value above max_energy_range_uj, reading refused";
	else
		why = problem(err);
	log_warning(ctx->log, "powercap: %s: %s", d->path, why);
}

static int powercap_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct powercap_state *st = state;
	int ok = 0, first_err = 0;

	for (size_t i = 0; i < st->n; i++) {
		struct domain *d = st->z[i].d;
		int prev = d->last_error, r;
		char buf[64];
		ssize_t len;
		uint64_t raw;

		len = fd_read_all(st->z[i].fd, buf, sizeof(buf));
		r = len < 0 ? (int)len : parse_u64(buf, (size_t)len, &raw);
		if (r < 0)
			domain_feed_error(d, r);
		else
			r = domain_feed_counter(d, raw, now);
		if (r < 0) {
			report(ctx, d, prev, r);
			if (!first_err)
				first_err = r;
		} else {
			ok++;
		}
	}
	return ok || !st->n ? 0 : first_err;
}

static void powercap_close(void *state)
{
	state_free(state);
}

const struct source_ops source_powercap_ops = {
    .name = "powercap",
    .open = powercap_open,
    .read = powercap_read,
    .close = powercap_close,
};
