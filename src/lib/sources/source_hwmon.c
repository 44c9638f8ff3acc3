/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_hwmon.c - the "hwmon" energy source: power and energy meters of
 * <sysfs>/class/hwmon/hwmon*, recognised by their `name` file (hwmonN numbers
 * change from boot to boot and are never assumed).
 *
 * Per device: energyN_input (µJ, 64-bit counters that do not wrap) when it
 * has any, else powerN_average or powerN_input (µW) integrated over time; a
 * device never gets both, which would count its energy twice. Domains are
 * named "<name>-<label>" from powerN_label / energyN_label when present,
 * else "<name>-<channel>".
 *
 * Which domain kind:
 * - "power_meter" (ACPI 4.0 power meter, drivers/hwmon/acpi_power_meter.c):
 *   PLATFORM, the whole machine.
 * - "amd_energy": the counters labelled EsocketN become the PACKAGE domain of
 *   physical package N (a RAPL source that reads the same MSRs is preferred
 *   by the monitor and shadows it); the per-core EcoreNNN counters are parts
 *   of the package and are left out.
 * - GPU drivers (amdgpu, i915, xe, nouveau, radeon): left alone here (GPU
 *   domains are a GPU source's job), logged at debug level.
 * - any other meter: PLATFORM, assumed to measure the machine; skipped when an
 *   ACPI power meter exists, which is the machine's meter and would be counted
 *   twice otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "source.h"
#include "util.h"

#define REL_MAX 512
#define HWMON_NAME_MAX 64

static const char *const gpu_drivers[] = { "amdgpu", "i915", "xe", "nouveau", "radeon" };

struct hwmon_chan {
	struct domain *d;
	char rel[REL_MAX];	/* the file read, relative to sysfs */
	bool energy;		/* energyN_input counter, else a power reading */
};

struct hwmon_state {
	struct hwmon_chan *v;
	size_t n, cap;
};

static bool is_gpu_driver(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(gpu_drivers); i++)
		if (strcmp(name, gpu_drivers[i]) == 0)
			return true;
	return false;
}

/* "<prefix><N><suffix>" → N; -EINVAL for any other name. */
static int chan_index(const char *file, const char *prefix, const char *suffix, unsigned *ret)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), fl = strlen(file);
	uint64_t v;

	if (fl <= pl + sl || strncmp(file, prefix, pl) != 0 || strcmp(file + fl - sl, suffix) != 0)
		return -EINVAL;
	if (file[pl] < '0' || file[pl] > '9' || parse_u64(file + pl, fl - pl - sl, &v) < 0 ||
	    v > 1000)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Does the hwmon device at `base` (relative to sysfs) hold `file`? */
static bool has_file(const struct source_ctx *ctx, const char *base, const char *file)
{
	char rel[REL_MAX + 64];

	snprintf(rel, sizeof(rel), "%s/%s", base, file);
	return fsroot_exists(ctx->fs, FS_SYS, rel) == 1;
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '/' || *s == '\t')
			*s = '_';
}

static int read_chan(const struct source_ctx *ctx, struct hwmon_chan *c, uint64_t now_ns)
{
	uint64_t v;
	int r;

	r = fsroot_read_u64(ctx->fs, FS_SYS, c->rel, &v);
	if (r < 0) {
		log_warning(ctx->log, "hwmon %s: %s: %s", c->d->name, c->d->path,
			    r == -EINVAL    ? "not a number"
			    : r == -ENODATA ? "empty (the driver gave no value)"
			    : r == -EACCES  ? "permission denied (energy counters may be root-only, "
					      "as RAPL's since CVE-2020-8694: run as root or grant "
					      "CAP_DAC_READ_SEARCH)"
					    : strerror(-r));
		domain_feed_error(c->d, r);
		return r;
	}
	r = c->energy ? domain_feed_counter(c->d, v, now_ns) : domain_feed_power(c->d, v, now_ns);
	if (r < 0)
		log_warning(ctx->log, "hwmon %s: %s: reading %llu refused (%s)", c->d->name,
			    c->d->path, (unsigned long long)v,
			    counter_strerror(r) ? counter_strerror(r) : strerror(-r));
	return r;
}

static int hwmon_read(void *state, const struct source_ctx *ctx, uint64_t now_ns)
{
	struct hwmon_state *st = state;
	int first_err = 0;
	size_t ok = 0;

	for (size_t i = 0; i < st->n; i++) {
		int r = read_chan(ctx, &st->v[i], now_ns);

		if (r < 0 && !first_err)
			first_err = r;
		else if (r >= 0)
			ok++;
	}
	return ok || !first_err ? 0 : first_err;
}

static void hwmon_close(void *state)
{
	struct hwmon_state *st = state;

	if (!st)
		return;
	free(st->v);
	free(st);
}

static struct hwmon_chan *chan_new(struct hwmon_state *st)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		struct hwmon_chan *v = realloc(st->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		st->v = v;
		st->cap = cap;
	}
	memset(&st->v[st->n], 0, sizeof(st->v[0]));
	return &st->v[st->n++];
}

/* Where a hwmon's attributes live: hwmonN/ (3.x+), or hwmonN/device/ (older drivers). */
static int hwmon_base(const struct source_ctx *ctx, const char *dev, char *base, size_t size,
		      char *name, size_t name_size)
{
	static const char *const subdirs[] = { "", "/device" };
	int err = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		char rel[REL_MAX];
		int r;

		snprintf(base, size, "class/hwmon/%s%s", dev, subdirs[i]);
		snprintf(rel, sizeof(rel), "%s/name", base);
		r = fsroot_read_line(ctx->fs, FS_SYS, rel, name, name_size);
		if (r > 0)
			return 0;
		/* Report what is wrong with hwmonN/name rather than a missing device/name. */
		if (err == -ENOENT)
			err = r == 0 ? -ENODATA : r;
	}
	return err;
}

struct hwmon_scan {
	const struct source_ctx *ctx;
	const struct source_slot *slot;
	struct hwmon_state *st;
	bool have_acpi_meter;
	unsigned broken;	/* devices or channels that could not be used */
};

/* Add one channel of device `dev` as a domain. 0, 1 (skipped), or -ENOMEM. */
static int add_chan(struct hwmon_scan *sc, const char *dev, const char *base, const char *hwname,
		    const char *type, unsigned idx, const char *file)
{
	const struct source_ctx *ctx = sc->ctx;
	char rel[REL_MAX], label[64] = "", name[DOMAIN_NAME_MAX];
	enum joulestat_domain_kind kind = JOULESTAT_DOMAIN_PLATFORM;
	int socket = -1;
	struct hwmon_chan *c;
	struct domain *d;

	snprintf(rel, sizeof(rel), "%s/%s%u_label", base, type, idx);
	if (fsroot_read_line(ctx->fs, FS_SYS, rel, label, sizeof(label)) < 0)
		label[0] = '\0';
	if (strcmp(hwname, "amd_energy") == 0) {
		uint64_t pkg;

		if (strncmp(label, "Esocket", 7) != 0 ||
		    parse_u64(label + 7, strlen(label + 7), &pkg) < 0) {
			log_debug(ctx->log, "hwmon: %s %s%u (%s): per-core counter, inside its "
				  "package: skipped", dev, type, idx, label[0] ? label : "no label");
			return 1;
		}
		for (unsigned s = 0; s < ctx->topo->nsockets; s++)
			if ((uint64_t)ctx->topo->socket_ids[s] == pkg)
				socket = (int)s;
		if (socket < 0) {
			log_warning(ctx->log, "hwmon: %s %s: package %llu has no online CPU: skipped",
				    dev, label, (unsigned long long)pkg);
			sc->broken++;
			return 1;
		}
		kind = JOULESTAT_DOMAIN_PACKAGE;
	} else if (strcmp(hwname, "power_meter") != 0 && sc->have_acpi_meter) {
		log_info(ctx->log, "hwmon: %s (%s) skipped: the ACPI power meter measures the whole "
			 "machine, and this one would be counted twice", dev, hwname);
		return 1;
	}

	c = chan_new(sc->st);
	if (!c)
		return -ENOMEM;
	d = domain_list_add(ctx->domains, sc->slot);
	if (!d) {
		sc->st->n--;
		return -ENOMEM;
	}
	c->d = d;
	c->energy = strcmp(type, "energy") == 0;
	snprintf(c->rel, sizeof(c->rel), "%s/%s", base, file);
	if (label[0])
		snprintf(name, sizeof(name), "%.23s-%.23s", hwname, label);
	else
		snprintf(name, sizeof(name), "%.23s-%s%u", hwname, type, idx);
	sanitize(name);
	if (domain_list_find(ctx->domains, name))
		snprintf(d->name, sizeof(d->name), "%.30s-%.16s", name, dev);
	else
		strscpy(d->name, name, sizeof(d->name));
	(void)fsroot_path(ctx->fs, FS_SYS, c->rel, d->path, sizeof(d->path));
	d->kind = kind;
	d->socket = socket;
	d->cpus = socket >= 0 ? ctx->topo->socket_cpus[socket] : ctx->topo->online;
	d->ctr.max_range_uj = 0; /* hwmon energy is a 64-bit µJ counter: it does not wrap */
	return 0;
}

/* Add the channels of one hwmon device. 0, or -ENOMEM. */
static int scan_device(struct hwmon_scan *sc, const char *dev)
{
	const struct source_ctx *ctx = sc->ctx;
	char base[REL_MAX], hwname[HWMON_NAME_MAX];
	struct dirent **ents = NULL;
	bool any_energy = false;
	int n, r = 0;

	r = hwmon_base(ctx, dev, base, sizeof(base), hwname, sizeof(hwname));
	if (r < 0) {
		char rel[REL_MAX], path[REL_MAX * 2];

		snprintf(rel, sizeof(rel), "class/hwmon/%s/name", dev);
		fsroot_path(ctx->fs, FS_SYS, rel, path, sizeof(path));
		log_warning(ctx->log, "hwmon: %s: %s; device skipped", path,
			    r == -ENODATA ? "empty" : strerror(-r));
		sc->broken++;
		return 0;
	}
	if (is_gpu_driver(hwname)) {
		log_debug(ctx->log, "hwmon: %s (%s) is a GPU: left to a GPU source", dev, hwname);
		return 0;
	}
	{
		char path[REL_MAX * 2];

		fsroot_path(ctx->fs, FS_SYS, base, path, sizeof(path));
		n = scandir(path, &ents, NULL, versionsort);
	}
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		unsigned idx;

		if (chan_index(ents[i]->d_name, "energy", "_input", &idx) == 0)
			any_energy = true;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		const char *f = ents[i]->d_name;
		char avg[64];
		unsigned idx;

		if (any_energy) {
			if (chan_index(f, "energy", "_input", &idx) == 0)
				r = add_chan(sc, dev, base, hwname, "energy", idx, f);
			continue;
		}
		/* powerN_average integrates the meter's own averaging window: preferred. */
		if (chan_index(f, "power", "_average", &idx) == 0) {
			r = add_chan(sc, dev, base, hwname, "power", idx, f);
		} else if (chan_index(f, "power", "_input", &idx) == 0) {
			snprintf(avg, sizeof(avg), "power%u_average", idx);
			if (!has_file(ctx, base, avg))
				r = add_chan(sc, dev, base, hwname, "power", idx, f);
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r < 0 ? r : 0;
}

static int hwmon_open(const struct source_ctx *ctx, const struct source_slot *slot,
		      void **ret_state, char *reason, size_t reason_size)
{
	struct hwmon_scan sc = { .ctx = ctx, .slot = slot };
	char root[REL_MAX];
	struct dirent **devs = NULL;
	int n, r = 0;

	(void)fsroot_path(ctx->fs, FS_SYS, "class/hwmon", root, sizeof(root));
	n = scandir(root, &devs, NULL, versionsort);
	if (n < 0) {
		r = -errno;
		snprintf(reason, reason_size, "%s: %s (no hwmon devices: virtual machine?)", root,
			 strerror(-r));
		return r == -ENOENT ? -ENODEV : r;
	}
	sc.st = calloc(1, sizeof(*sc.st));
	if (!sc.st) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char base[REL_MAX], hwname[HWMON_NAME_MAX];

		if (strncmp(devs[i]->d_name, "hwmon", 5) == 0 &&
		    hwmon_base(ctx, devs[i]->d_name, base, sizeof(base), hwname,
			       sizeof(hwname)) == 0 &&
		    strcmp(hwname, "power_meter") == 0)
			sc.have_acpi_meter = true;
	}
	for (int i = 0; i < n && r >= 0; i++)
		if (strncmp(devs[i]->d_name, "hwmon", 5) == 0)
			r = scan_device(&sc, devs[i]->d_name);
	if (r < 0)
		goto fail;
	if (sc.st->n == 0) {
		snprintf(reason, reason_size,
			 "no power or energy meter under %s%s (GPUs are left to a GPU source)", root,
			 sc.broken ? "; some devices were unreadable, see the log" : "");
		r = -ENODEV;
		goto fail;
	}
	(void)hwmon_read(sc.st, ctx, now_ns());
	/* Nothing readable for lack of permission: FAILED, with the fix, not empty domains. */
	{
		size_t denied = 0;

		for (size_t i = 0; i < sc.st->n; i++)
			denied += sc.st->v[i].d->last_error == -EACCES;
		if (denied == sc.st->n) {
			snprintf(reason, reason_size,
				 "%s: permission denied reading %s (energy counters may be root-only, "
				 "as RAPL's since CVE-2020-8694): run as root, grant CAP_DAC_READ_SEARCH, "
				 "or give a group read access (the udev rule of docs/INSTALL.md)",
				 root, sc.st->v[0].d->path);
			r = -EACCES;
			goto fail;
		}
	}
	*ret_state = sc.st;
	r = 0;
	goto out;
fail:
	if (sc.st)
		for (size_t i = 0; i < sc.st->n; i++)
			domain_list_remove(ctx->domains, sc.st->v[i].d);
	hwmon_close(sc.st);
out:
	for (int i = 0; i < n; i++)
		free(devs[i]);
	free(devs);
	return r;
}

const struct source_ops source_hwmon_ops = {
	.name = "hwmon",
	.open = hwmon_open,
	.read = hwmon_read,
	.close = hwmon_close,
};
