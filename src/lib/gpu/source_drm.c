/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_drm.c - the "drm" energy source: GPUs driven by amdgpu, i915 and xe
 * (and any DRM driver with a hwmon meter), through kernel interfaces only,
 * no vendor SDK.
 *
 * Devices are found as <sysfs>/class/drm/cardN (connectors such as
 * card0-DP-1 and render nodes are not devices), identified by their driver
 * (cardN/device/driver link) and PCI address (cardN/device link). Energy
 * comes from the device's hwmon (cardN/device/hwmon/hwmonM):
 * - energyN_input (µJ, a 64-bit count kept by the driver: i915, xe), the
 *   channel labelled "card" when there are several (xe's "pkg" is inside
 *   "card" and would be counted twice), else the lowest;
 * - else powerN_average, else powerN_input (µW, amdgpu), integrated.
 * A card without any of these (an integrated GPU, whose energy is inside the
 * CPU package's RAPL domain) gets no domain, and probe says why.
 *
 * Per-process activity is DRM fdinfo engine time (drm_fdinfo.h), matched to
 * the device by PCI address. Device metrics: amdgpu's gpu_busy_percent and
 * mem_info_vram_{used,total}; hwmon temp1_input, freq1/freq2_input
 * (amdgpu sclk/mclk), power1_cap or power1_max (the power limit).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drm_fdinfo.h"
#include "gpu.h"
#include "parse.h"
#include "source.h"
#include "util.h"

#define REL_MAX 512
#define DRM_MAX_CARDS 64

struct drm_gpu {
	struct gpu_dev dev;
	char card[32];		 /* "card1" */
	char dev_rel[REL_MAX];	 /* "class/drm/card1/device" */
	char meter_rel[REL_MAX]; /* the energy or power file, relative to sysfs */
	char hwmon_rel[REL_MAX]; /* "class/drm/card1/device/hwmon/hwmon3" */
	bool energy;		 /* an energy counter, else a power reading */
};

struct drm_state {
	struct drm_gpu *gpus;
	size_t n;
	struct drm_clients *clients;
	unsigned fdinfo_errors; /* fdinfo files unreadable or malformed, all samples */
	bool list_warned;	/* <procfs> could not be listed, and the log said so */
};

static const struct {
	const char *driver, *vendor;
} vendors[] = {
    {"amdgpu", "amd"}, {"radeon", "amd"},     {"i915", "intel"},
    {"xe", "intel"},   {"nouveau", "nvidia"}, {"nvidia", "nvidia"},
};

/*
 * snprintf for paths and notes that may be cut: a path that does not fit
 * then names no file and reads as missing, which is reported like one.
 */
static void pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static const char *vendor_of(const char *driver)
{
	for (size_t i = 0; i < ARRAY_SIZE(vendors); i++)
		if (strcmp(driver, vendors[i].driver) == 0)
			return vendors[i].vendor;
	return driver;
}

/* The last path component of the link at <sysfs>/<rel>; -errno. */
static int link_base(const struct source_ctx *ctx, const char *rel, char *buf, size_t size)
{
	char path[4096], target[1024];
	const char *b;
	ssize_t n;

	if (fsroot_path(ctx->fs, FS_SYS, rel, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	b = strrchr(target, '/');
	strscpy(buf, b ? b + 1 : target, size);
	return 0;
}

/* "cardN" with nothing after the digits. */
static bool is_card(const char *name)
{
	if (strncmp(name, "card", 4) != 0 || !name[4])
		return false;
	for (const char *p = name + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* "<prefix><N><suffix>" → N. */
static bool chan(const char *file, const char *prefix, const char *suffix, unsigned *ret)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), fl = strlen(file);
	uint64_t v;

	if (fl <= pl + sl || strncmp(file, prefix, pl) != 0 ||
	    strcmp(file + fl - sl, suffix) != 0 || file[pl] < '0' || file[pl] > '9' ||
	    parse_u64(file + pl, fl - pl - sl, &v) < 0 || v > 1000)
		return false;
	*ret = (unsigned)v;
	return true;
}

static int read_u64_rel(const struct source_ctx *ctx, const char *dir, const char *file,
			uint64_t *ret)
{
	char rel[REL_MAX + 64];

	pathf(rel, sizeof(rel), "%s/%s", dir, file);
	return fsroot_read_u64(ctx->fs, FS_SYS, rel, ret);
}

/*
 * Choose the energy or power file of one hwmon directory: 0 and g->meter_rel
 * set, or -ENOENT when it has none.
 */
static int pick_meter(const struct source_ctx *ctx, struct drm_gpu *g, const char *hw_rel)
{
	char path[4096];
	struct dirent **ents = NULL;
	unsigned best_e = ~0u, card_e = ~0u, avg = ~0u, inp = ~0u;
	int n;

	fsroot_path(ctx->fs, FS_SYS, hw_rel, path, sizeof(path));
	n = scandir(path, &ents, NULL, versionsort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		unsigned idx;

		if (chan(f, "energy", "_input", &idx)) {
			char rel[REL_MAX + 64], label[32];

			best_e = MIN(best_e, idx);
			pathf(rel, sizeof(rel), "%s/energy%u_label", hw_rel, idx);
			if (fsroot_read_line(ctx->fs, FS_SYS, rel, label, sizeof(label)) > 0 &&
			    strcmp(label, "card") == 0)
				card_e = idx;
		} else if (chan(f, "power", "_average", &idx)) {
			avg = MIN(avg, idx);
		} else if (chan(f, "power", "_input", &idx)) {
			inp = MIN(inp, idx);
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (card_e != ~0u || best_e != ~0u) {
		unsigned e = card_e != ~0u ? card_e : best_e;

		pathf(g->meter_rel, sizeof(g->meter_rel), "%s/energy%u_input", hw_rel, e);
		snprintf(g->dev.energy_from, sizeof(g->dev.energy_from),
			 "hwmon energy%u_input (µJ counter)%s", e,
			 card_e != ~0u && best_e != card_e ? ", the \"card\" channel" : "");
		g->energy = true;
	} else if (avg != ~0u || inp != ~0u) {
		bool a = avg != ~0u;

		pathf(g->meter_rel, sizeof(g->meter_rel), "%s/power%u_%s", hw_rel, a ? avg : inp,
		      a ? "average" : "input");
		snprintf(g->dev.energy_from, sizeof(g->dev.energy_from),
			 "hwmon power%u_%s (µW) integrated over time", a ? avg : inp,
			 a ? "average" : "input");
		g->energy = false;
	} else {
		return -ENOENT;
	}
	strscpy(g->hwmon_rel, hw_rel, sizeof(g->hwmon_rel));
	return 0;
}

/* The first hwmon of the card with a meter. -ENOENT when none. */
static int find_meter(const struct source_ctx *ctx, struct drm_gpu *g)
{
	char rel[REL_MAX + 16];
	struct dirent **ents = NULL;
	char path[4096];
	int n, r = -ENOENT;

	pathf(rel, sizeof(rel), "%s/hwmon", g->dev_rel);
	fsroot_path(ctx->fs, FS_SYS, rel, path, sizeof(path));
	n = scandir(path, &ents, NULL, versionsort);
	if (n < 0)
		return -ENOENT;
	for (int i = 0; i < n && r < 0; i++) {
		char hw[REL_MAX + 64];

		if (strncmp(ents[i]->d_name, "hwmon", 5) != 0)
			continue;
		pathf(hw, sizeof(hw), "%s/%s", rel, ents[i]->d_name);
		r = pick_meter(ctx, g, hw);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

/* Name d "gpuN" with the lowest N no other domain uses (NVML's devices come first). */
static void gpu_domain_name(const struct domain_list *l, struct domain *d)
{
	for (unsigned i = 0;; i++) {
		snprintf(d->name, sizeof(d->name), "gpu%u", i);
		if (domain_list_find(l, d->name) == d)
			return;
	}
}

/* Device metrics that are not energy: best effort, unknown stays unknown. */
static void read_metrics(const struct source_ctx *ctx, struct drm_gpu *g)
{
	struct gpu_dev *dev = &g->dev;
	uint64_t v;

	dev->util_pct =
	    read_u64_rel(ctx, g->dev_rel, "gpu_busy_percent", &v) == 0 && v <= 100 ? (int)v : -1;
	if (read_u64_rel(ctx, g->dev_rel, "mem_info_vram_total", &v) == 0)
		dev->mem_total_bytes = v;
	if (read_u64_rel(ctx, g->dev_rel, "mem_info_vram_used", &v) == 0)
		dev->mem_used_bytes = v;
	if (!g->hwmon_rel[0])
		return;
	dev->has_temp = read_u64_rel(ctx, g->hwmon_rel, "temp1_input", &v) == 0;
	if (dev->has_temp)
		dev->temp_c = (int)(v / 1000); /* millidegrees */
	/* amdgpu: freq1 is sclk, freq2 mclk, in Hz. */
	if (read_u64_rel(ctx, g->hwmon_rel, "freq1_input", &v) == 0)
		dev->sm_clock_mhz = (unsigned)(v / 1000000);
	if (read_u64_rel(ctx, g->hwmon_rel, "freq2_input", &v) == 0)
		dev->mem_clock_mhz = (unsigned)(v / 1000000);
	if (read_u64_rel(ctx, g->hwmon_rel, "power1_cap", &v) == 0 ||
	    read_u64_rel(ctx, g->hwmon_rel, "power1_max", &v) == 0)
		dev->power_limit_mw = v / 1000;
}

static int read_meter(const struct source_ctx *ctx, struct drm_gpu *g, uint64_t now)
{
	struct domain *d = g->dev.d;
	uint64_t v;
	int r;

	r = fsroot_read_u64(ctx->fs, FS_SYS, g->meter_rel, &v);
	if (r < 0) {
		log_warning(ctx->log, "drm %s: %s: %s", d->name, d->path,
			    r == -EINVAL    ? "not a number"
			    : r == -ENODATA ? "empty (the driver gave no value)"
			    : r == -EACCES
				? "permission denied (i915/xe energy is root-only: run as "
				  "root)"
				: strerror(-r));
		domain_feed_error(d, r);
		return r;
	}
	r = g->energy ? domain_feed_counter(d, v, now) : domain_feed_power(d, v, now);
	if (r < 0)
		log_warning(ctx->log, "drm %s: %s: reading %llu refused (%s)", d->name, d->path,
			    (unsigned long long)v,
			    counter_strerror(r) ? counter_strerror(r) : strerror(-r));
	return r;
}

/* Per-process activity of every device from one fdinfo scan. */
static void read_procs(const struct source_ctx *ctx, struct drm_state *st, uint64_t now)
{
	const struct drm_proc_usage *rows;
	unsigned errors = 0;
	uint64_t interval;
	int n;

	for (size_t i = 0; i < st->n; i++) {
		st->gpus[i].dev.nprocs = 0;
		st->gpus[i].dev.procs_unknown = true;
	}
	if (!st->clients)
		return;
	n = drm_clients_sample(st->clients, now, &rows, &errors);
	if (n < 0) {
		/* Once: every later sample would say the same. */
		if (!st->list_warned)
			log_warning(ctx->log,
				    "drm: cannot list %s for DRM fdinfo: %s; GPU energy "
				    "is not split between processes",
				    ctx->fs->root[FS_PROC], strerror(-n));
		st->list_warned = true;
		return;
	}
	st->list_warned = false;
	if (errors && !st->fdinfo_errors)
		log_warning(ctx->log,
			    "drm: %u DRM fdinfo file(s) under %s could not be read or "
			    "parsed; their processes are missing from the split",
			    errors, ctx->fs->root[FS_PROC]);
	st->fdinfo_errors += errors;
	interval = drm_clients_interval_ns(st->clients);
	for (size_t i = 0; i < st->n; i++) {
		struct gpu_dev *dev = &st->gpus[i].dev;
		size_t k = 0;

		if (!dev->pci[0])
			continue;
		dev->procs_unknown = false;
		for (int j = 0; j < n; j++)
			k += strcmp(rows[j].pdev, dev->pci) == 0;
		if (gpu_dev_reserve(dev, k) < 0) {
			dev->procs_unknown = true;
			continue;
		}
		for (int j = 0; j < n; j++) {
			struct gpu_proc *p;

			if (strcmp(rows[j].pdev, dev->pci) != 0)
				continue;
			p = &dev->procs[dev->nprocs++];
			memset(p, 0, sizeof(*p));
			p->pid = rows[j].pid;
			strscpy(p->comm, rows[j].comm, sizeof(p->comm));
			p->busy = rows[j].busy_ns;
			p->sm_pct =
			    interval
				? (uint32_t)MIN(100, mul_div_u64(rows[j].busy_ns, 100, interval))
				: 0;
			p->vram_bytes = rows[j].vram_bytes;
		}
	}
}

static int drm_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct drm_state *st = state;
	int first_err = 0;
	size_t ok = 0;

	for (size_t i = 0; i < st->n; i++) {
		int r = read_meter(ctx, &st->gpus[i], now);

		if (r < 0 && !first_err)
			first_err = r;
		else if (r >= 0)
			ok++;
		read_metrics(ctx, &st->gpus[i]);
	}
	read_procs(ctx, st, now);
	for (size_t i = 0; i < st->n; i++)
		gpu_dev_account(&st->gpus[i].dev);
	return ok || !first_err ? 0 : first_err;
}

static void drm_close(void *state)
{
	struct drm_state *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		gpu_dev_done(&st->gpus[i].dev);
	drm_clients_free(st->clients);
	free(st->gpus);
	free(st);
}

static const struct gpu_dev *drm_gpu(void *state, size_t idx)
{
	struct drm_state *st = state;

	return st && idx < st->n ? &st->gpus[idx].dev : NULL;
}

/* Describe card `card` into g; -ENOENT (with a note) when it has no meter. */
static int probe_card(const struct source_ctx *ctx, const char *card, struct drm_gpu *g,
		      char *reason, size_t reason_size)
{
	char rel[REL_MAX], pci[64] = "";
	int r;

	memset(g, 0, sizeof(*g));
	strscpy(g->card, card, sizeof(g->card));
	snprintf(g->dev_rel, sizeof(g->dev_rel), "class/drm/%s/device", card);
	pathf(rel, sizeof(rel), "%s/driver", g->dev_rel);
	if (link_base(ctx, rel, g->dev.driver, sizeof(g->dev.driver)) < 0)
		strscpy(g->dev.driver, "unknown", sizeof(g->dev.driver));
	if (link_base(ctx, g->dev_rel, pci, sizeof(pci)) == 0 &&
	    drm_pci_normalize(pci, g->dev.pci, sizeof(g->dev.pci)) < 0)
		g->dev.pci[0] = '\0';
	strscpy(g->dev.vendor, vendor_of(g->dev.driver), sizeof(g->dev.vendor));
	if (strcmp(g->dev.driver, "nvidia") == 0) {
		source_note(reason, reason_size, "%s (nvidia, %s): left to the nvml source", card,
			    g->dev.pci[0] ? g->dev.pci : "no PCI address");
		return -ENOENT;
	}
	r = find_meter(ctx, g);
	if (r < 0) {
		source_note(reason, reason_size, "%s (%s, %s): no hwmon energy or power meter%s",
			    card, g->dev.driver, g->dev.pci[0] ? g->dev.pci : "no PCI address",
			    strcmp(g->dev.driver, "i915") == 0 || strcmp(g->dev.driver, "xe") == 0
				? " (an integrated GPU: its energy is inside the CPU package's "
				  "RAPL domain)"
				: "");
		return -ENOENT;
	}
	g->dev.util_pct = g->dev.mem_util_pct = -1;
	g->dev.mig = -1;
	return 0;
}

static int card_cmp(const struct dirent **a, const struct dirent **b)
{
	return versionsort(a, b);
}

static int drm_open(const struct source_ctx *ctx, const struct source_slot *slot, void **ret_state,
		    char *reason, size_t reason_size)
{
	struct drm_state *st = NULL;
	struct dirent **ents = NULL;
	char root[4096], notes[SOURCE_REASON_MAX] = "";
	uint64_t now;
	int n, r = 0;

	(void)fsroot_path(ctx->fs, FS_SYS, "class/drm", root, sizeof(root));
	n = scandir(root, &ents, NULL, card_cmp);
	if (n < 0) {
		r = -errno;
		snprintf(reason, reason_size, "%s: %s (no DRM GPU driver loaded)", root,
			 strerror(-r));
		return r == -ENOENT ? -ENODEV : r;
	}
	st = calloc(1, sizeof(*st));
	if (st)
		st->gpus = calloc(DRM_MAX_CARDS, sizeof(*st->gpus));
	if (!st || !st->gpus) {
		r = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < n && st->n < DRM_MAX_CARDS; i++) {
		struct drm_gpu *g = &st->gpus[st->n];
		struct domain *d;

		if (!is_card(ents[i]->d_name))
			continue;
		if (probe_card(ctx, ents[i]->d_name, g, notes, sizeof(notes)) < 0)
			continue;
		d = domain_list_add(ctx->domains, slot);
		if (!d) {
			r = -ENOMEM;
			goto fail;
		}
		g->dev.d = d;
		st->n++;
		gpu_domain_name(ctx->domains, d);
		(void)fsroot_path(ctx->fs, FS_SYS, g->meter_rel, d->path, sizeof(d->path));
		d->kind = JOULESTAT_DOMAIN_GPU;
		d->socket = -1;
		cpuset_zero(&d->cpus);
		d->ctr.max_range_uj = 0; /* the drivers keep a 64-bit µJ count */
		pathf(g->dev.per_process, sizeof(g->dev.per_process),
		      "DRM fdinfo engine time (%s/PID/fdinfo), matched by PCI address",
		      ctx->fs->root[FS_PROC]);
		g->dev.per_process_ok = g->dev.pci[0] != '\0';
		if (!g->dev.per_process_ok)
			pathf(g->dev.per_process, sizeof(g->dev.per_process),
			      "none: %s has no PCI address to match DRM fdinfo's drm-pdev",
			      ents[i]->d_name);
	}
	if (st->n == 0) {
		snprintf(reason, reason_size,
			 "no GPU with a hwmon energy or power meter under %s%s%s", root,
			 notes[0] ? ": " : "", notes);
		r = -ENODEV;
		goto fail;
	}
	now = now_ns();
	r = drm_clients_new(ctx->fs, now, &st->clients);
	if (r < 0)
		goto fail;
	(void)drm_read(st, ctx, now);
	{
		size_t denied = 0;

		for (size_t i = 0; i < st->n; i++)
			denied += st->gpus[i].dev.d->last_error == -EACCES;
		if (denied == st->n) {
			snprintf(reason, reason_size,
				 "permission denied reading %s (i915/xe GPU energy is root-only): "
				 "run as root",
				 st->gpus[0].dev.d->path);
			r = -EACCES;
			goto fail;
		}
	}
	strscpy(reason, notes, reason_size);
	*ret_state = st;
	r = 0;
	goto out;
fail:
	if (st && st->gpus)
		for (size_t i = 0; i < st->n; i++)
			domain_list_remove(ctx->domains, st->gpus[i].dev.d);
	drm_close(st);
out:
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

const struct source_ops source_drm_ops = {
    .name = "drm",
    .open = drm_open,
    .read = drm_read,
    .close = drm_close,
    .gpu = drm_gpu,
};
