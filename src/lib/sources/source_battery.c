/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_battery.c - the "battery" energy source: the system batteries of
 * <sysfs>/class/power_supply (type "Battery", scope not "Device"), one
 * machine-wide BATTERY domain each.
 *
 * What is read, in order of preference, decided once per battery at open:
 *   power_now (µW);
 *   current_now (µA) x voltage_now (µV);
 *   deltas of energy_now (µWh);
 *   deltas of charge_now (µAh) x voltage_now (µV).
 * Absolute values: drivers disagree on the sign of power and current while
 * discharging. Power is integrated over time (trapezoids), never "the last
 * value": the seed power.py reported a battery's last power_now as its energy.
 *
 * The charging rule: a battery measures the machine only while its status is
 * "Discharging". In every other status (Charging, Full, Not charging,
 * Unknown) the machine runs from the adapter and the battery's numbers say
 * nothing about consumption, so no energy is fed: the domain's interval is
 * emptied (power unknown, not zero, not the charge rate), its path says
 * "not measuring: <status>", and the next discharging reading starts a new
 * baseline. Nothing is invented for the time on the adapter.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

#define BATTERY_MAX 16
#define REL_MAX 512

enum battery_method {
	BAT_POWER,	/* power_now */
	BAT_CURRENT,	/* current_now x voltage_now */
	BAT_ENERGY,	/* energy_now deltas */
	BAT_CHARGE,	/* charge_now deltas x voltage_now */
};

static const char *const method_file[] = {
	[BAT_POWER] = "power_now",
	[BAT_CURRENT] = "current_now",
	[BAT_ENERGY] = "energy_now",
	[BAT_CHARGE] = "charge_now",
};

struct battery {
	struct domain *d;
	char dir[NAME_MAX + 32];	/* "class/power_supply/BAT0" */
	char base_path[DOMAIN_PATH_MAX]; /* what is read, for the domain path */
	enum battery_method method;
	bool measuring;			/* status was Discharging at the last reading */
	bool have_level;		/* last_level is a baseline (energy/charge methods) */
	uint64_t last_level;		/* µWh or µAh at the last reading */
	uint64_t rem;			/* charge method: carried remainder, 1e-4 µJ */
};

struct battery_state {
	unsigned n;
	struct battery bat[BATTERY_MAX];
};

static bool file_exists(const struct source_ctx *ctx, const char *dir, const char *file)
{
	char rel[REL_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	return fsroot_exists(ctx->fs, FS_SYS, rel) == 1;
}

static int read_s64_abs(const struct source_ctx *ctx, const struct battery *b, const char *file,
			uint64_t *ret)
{
	char rel[REL_MAX];
	int64_t v;
	int r;

	snprintf(rel, sizeof(rel), "%s/%s", b->dir, file);
	r = fsroot_read_s64(ctx->fs, FS_SYS, rel, &v);
	if (r < 0) {
		char path[REL_MAX + DOMAIN_PATH_MAX];

		fsroot_path(ctx->fs, FS_SYS, rel, path, sizeof(path));
		log_warning(ctx->log, "battery %s: %s: %s", b->d->name, path,
			    r == -EINVAL   ? "not a number"
			    : r == -ENODATA ? "empty (the driver gave no value)"
					    : strerror(-r));
		return r;
	}
	*ret = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	return 0;
}

/*
 * The domain stops measuring: its interval is emptied and the next reading
 * re-bases. `status` is the supply's status, or NULL when it could not be read.
 */
static void battery_pause(struct battery *b, const char *status, uint64_t now_ns)
{
	struct domain *d = b->d;

	b->measuring = false;
	b->have_level = false;
	b->rem = 0;
	d->integ.primed = false;
	domain_rebase(d, now_ns);
	if (status)
		snprintf(d->path, sizeof(d->path), "%.180s (not measuring: %.32s, on external power)",
			 b->base_path, status);
	else
		snprintf(d->path, sizeof(d->path), "%.180s (not measuring: status unreadable)",
			 b->base_path);
}

/* Energy since the last level (energy/charge methods); first call sets the baseline. */
static int battery_level(const struct source_ctx *ctx, struct battery *b, uint64_t now_ns)
{
	struct domain *d = b->d;
	uint64_t level, volt = 0, delta_uj = 0;
	int r;

	r = read_s64_abs(ctx, b, method_file[b->method], &level);
	if (r == 0 && b->method == BAT_CHARGE)
		r = read_s64_abs(ctx, b, "voltage_now", &volt);
	if (r < 0) {
		domain_feed_error(d, r);
		return r;
	}
	if (!b->have_level) {
		b->have_level = true;
		b->last_level = level;
		if (d->readings == 0) {
			domain_feed_delta(d, 0, now_ns);
		} else {
			/* Resuming after a pause: a new baseline, no energy for the gap. */
			domain_rebase(d, now_ns);
		}
		return 0;
	}
	if (level > b->last_level) {
		/* Gauge recalibration, or charge while "Discharging": not a consumption. */
		log_warning(ctx->log,
			    "battery %s: %s rose from %" PRIu64 " to %" PRIu64
			    " while discharging (gauge recalibration?); interval skipped",
			    d->name, method_file[b->method], b->last_level, level);
		b->last_level = level;
		domain_refuse(d, -EILSEQ, now_ns);
		return -EILSEQ;
	}
	if (b->method == BAT_ENERGY) {
		/* 1 µWh = 3600 µJ exactly. */
		delta_uj = (b->last_level - level) * 3600;
	} else {
		/* µAh x µV = 1e-12 Wh = 0.0036 µJ: keep the remainder in 1e-4 µJ. */
		unsigned __int128 e = (unsigned __int128)(b->last_level - level) * volt * 36 + b->rem;

		delta_uj = (uint64_t)(e / 10000);
		b->rem = (uint64_t)(e % 10000);
	}
	b->last_level = level;
	domain_feed_delta(d, delta_uj, now_ns);
	return 0;
}

static int battery_read_one(const struct source_ctx *ctx, struct battery *b, uint64_t now_ns)
{
	char rel[REL_MAX], status[64];
	uint64_t p_uw = 0, a, v;
	int r;

	snprintf(rel, sizeof(rel), "%s/status", b->dir);
	r = fsroot_read_line(ctx->fs, FS_SYS, rel, status, sizeof(status));
	if (r < 0 || status[0] == '\0') {
		char path[REL_MAX + DOMAIN_PATH_MAX];

		fsroot_path(ctx->fs, FS_SYS, rel, path, sizeof(path));
		r = r < 0 ? r : -ENODATA;
		log_warning(ctx->log, "battery %s: %s: %s; cannot tell whether it is discharging",
			    b->d->name, path, r == -ENODATA ? "empty" : strerror(-r));
		battery_pause(b, NULL, now_ns);
		domain_feed_error(b->d, r);
		return r;
	}
	if (strcmp(status, "Discharging") != 0) {
		battery_pause(b, status, now_ns);
		return 0;
	}
	if (!b->measuring) {
		b->measuring = true;
		strscpy(b->d->path, b->base_path, sizeof(b->d->path));
	}
	switch (b->method) {
	case BAT_POWER:
		r = read_s64_abs(ctx, b, "power_now", &p_uw);
		break;
	case BAT_CURRENT:
		r = read_s64_abs(ctx, b, "current_now", &a);
		if (r == 0)
			r = read_s64_abs(ctx, b, "voltage_now", &v);
		if (r == 0)
			p_uw = mul_div_u64(a, v, 1000000); /* µA x µV = 1e-6 µW */
		break;
	case BAT_ENERGY:
	case BAT_CHARGE:
		return battery_level(ctx, b, now_ns);
	}
	if (r < 0) {
		domain_feed_error(b->d, r);
		return r;
	}
	return domain_feed_power(b->d, p_uw, now_ns); /* counts its own errors */
}

static int battery_read(void *state, const struct source_ctx *ctx, uint64_t now_ns)
{
	struct battery_state *st = state;
	int first_err = 0;
	unsigned ok = 0;

	for (unsigned i = 0; i < st->n; i++) {
		int r = battery_read_one(ctx, &st->bat[i], now_ns);

		if (r < 0) {
			/* Already counted on the domain by battery_read_one(). */
			if (!first_err)
				first_err = r;
		} else {
			ok++;
		}
	}
	return ok || !first_err ? 0 : first_err;
}

static void battery_close(void *state)
{
	free(state);
}

/* Pick how a battery is read; -ENODATA (with the missing file named) when it cannot be. */
static int battery_method(const struct source_ctx *ctx, const char *dir,
			  enum battery_method *ret, const char **missing)
{
	bool volt = file_exists(ctx, dir, "voltage_now");

	if (file_exists(ctx, dir, "power_now")) {
		*ret = BAT_POWER;
	} else if (file_exists(ctx, dir, "current_now") && volt) {
		*ret = BAT_CURRENT;
	} else if (file_exists(ctx, dir, "energy_now")) {
		*ret = BAT_ENERGY;
	} else if (file_exists(ctx, dir, "charge_now") && volt) {
		*ret = BAT_CHARGE;
	} else {
		*missing = file_exists(ctx, dir, "current_now") || file_exists(ctx, dir, "charge_now")
				   ? "voltage_now"
				   : "power_now, current_now, energy_now and charge_now";
		return -ENODATA;
	}
	return 0;
}

static int battery_open(const struct source_ctx *ctx, const struct source_slot *slot,
			void **ret_state, char *reason, size_t reason_size)
{
	struct battery_state *st;
	char root[DOMAIN_PATH_MAX];
	struct dirent **names = NULL;
	unsigned skipped = 0, peripherals = 0;
	int n, r;

	(void)fsroot_path(ctx->fs, FS_SYS, "class/power_supply", root, sizeof(root));
	/* Sorted, so that BAT0 comes before BAT1 whatever readdir's order. */
	n = scandir(root, &names, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		snprintf(reason, reason_size, "%s: %s%s", root, strerror(-r),
			 r == -ENOENT ? " (no power supply class: desktop, server or virtual machine)"
				      : "");
		return r == -ENOENT ? -ENODEV : r;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char dirrel[sizeof(st->bat[0].dir)], rel[REL_MAX], type[32], scope[32];
		const char *missing = "";
		enum battery_method m;
		struct battery *b;
		struct domain *d;

		if (name[0] == '.')
			continue;
		snprintf(dirrel, sizeof(dirrel), "class/power_supply/%s", name);
		snprintf(rel, sizeof(rel), "%s/type", dirrel);
		if (fsroot_read_line(ctx->fs, FS_SYS, rel, type, sizeof(type)) < 0 ||
		    strcmp(type, "Battery") != 0)
			continue; /* Mains, USB, Wireless... */
		snprintf(rel, sizeof(rel), "%s/scope", dirrel);
		if (fsroot_read_line(ctx->fs, FS_SYS, rel, scope, sizeof(scope)) >= 0 &&
		    strcmp(scope, "Device") == 0) {
			log_debug(ctx->log, "battery: %s/%s is a peripheral's battery (scope Device): "
				  "skipped", root, name);
			peripherals++;
			continue;
		}
		if (battery_method(ctx, dirrel, &m, &missing) < 0) {
			log_warning(ctx->log, "battery: %s/%s has no %s: it cannot be read; skipped",
				    root, name, missing);
			skipped++;
			continue;
		}
		if (st->n == BATTERY_MAX) {
			log_warning(ctx->log, "battery: more than %d batteries; %s skipped",
				    BATTERY_MAX, name);
			continue;
		}
		d = domain_list_add(ctx->domains, slot);
		if (!d) {
			r = -ENOMEM;
			goto fail;
		}
		b = &st->bat[st->n++];
		b->d = d;
		b->method = m;
		strscpy(b->dir, dirrel, sizeof(b->dir));
		snprintf(b->base_path, sizeof(b->base_path), "%.120s/%.32s/%s%s", root, name,
			 method_file[m],
			 m == BAT_CURRENT || m == BAT_CHARGE ? " x voltage_now" : "");
		strscpy(d->name, name, sizeof(d->name));
		if (domain_list_find(ctx->domains, d->name) != d)
			snprintf(d->name, sizeof(d->name), "battery-%.32s", name);
		strscpy(d->path, b->base_path, sizeof(d->path));
		d->kind = JOULESTAT_DOMAIN_BATTERY;
		d->socket = -1;
		d->cpus = ctx->topo->online;
	}
	if (st->n == 0) {
		if (skipped)
			snprintf(reason, reason_size,
				 "%u batter%s under %s, none readable (no power_now, current_now x "
				 "voltage_now, energy_now or charge_now x voltage_now)",
				 skipped, skipped == 1 ? "y" : "ies", root);
		else
			snprintf(reason, reason_size,
				 "no system battery under %s%s (desktop, server or virtual machine)",
				 root, peripherals ? " (only peripherals' batteries)" : "");
		r = skipped ? -ENODATA : -ENODEV;
		goto fail;
	}
	(void)battery_read(st, ctx, now_ns());
	*ret_state = st;
	r = 0;
	goto out;
fail:
	if (st)
		for (unsigned i = 0; i < st->n; i++)
			domain_list_remove(ctx->domains, st->bat[i].d);
	free(st);
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

const struct source_ops source_battery_ops = {
	.name = "battery",
	.open = battery_open,
	.read = battery_read,
	.close = battery_close,
};
