/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_model.c - the "model" energy source, for machines with no sensor
 * (virtual machines, containers, most ARM boards): per socket,
 *
 *     power = idle + (max - idle) x utilisation of that socket's CPUs,
 *
 * utilisation from the per-CPU lines of /proc/stat, energy = power x elapsed
 * time in integer µJ. Every domain it makes says estimated. Parameters come
 * from the options, else from a small table of CPU models (by the model name
 * of /proc/cpuinfo), else from a generic per-CPU default; the origin is kept
 * so that probe and every output can say where the numbers come from.
 * docs/sources-power.md gives the method, the table and its sources.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_parse.h"
#include "source.h"
#include "util.h"

/*
 * Idle draw as a fraction of TDP for table entries: package power of server
 * and desktop parts at idle is commonly a fifth to a third of TDP; laptop
 * parts idle lower. A round 25 %, overridable with --model-idle-watts.
 */
#define MODEL_IDLE_PCT_OF_TDP 25

/*
 * Generic default, per online CPU (hardware thread) of a socket: 0.74 W idle,
 * 3.5 W at full load: the average per-vCPU minimum and maximum that Cloud
 * Carbon Footprint's methodology derives from SPECpower results for cloud
 * CPUs. Scaling by CPU count keeps a 2-vCPU guest from being charged a whole
 * server socket.
 */
#define MODEL_DEFAULT_IDLE_MW_PER_CPU 740
#define MODEL_DEFAULT_MAX_MW_PER_CPU 3500

/* /proc/stat is one line per CPU plus the interrupt counts: 4 MiB covers 8192 CPUs. */
#define PROC_STAT_MAX (4u << 20)

struct model_cpu {
	const char *key;	/* matched in the model name, on word boundaries */
	unsigned tdp_w;		/* the vendor's published TDP */
	unsigned threads;	/* hardware threads per package */
};

/* Published TDP and thread counts from Intel ARK and AMD's product pages. */
static const struct model_cpu model_table[] = {
	{ "Xeon(R) Platinum 8380", 270, 80 },
	{ "Xeon(R) Gold 6248", 150, 40 },
	{ "Xeon(R) Gold 6148", 150, 40 },
	{ "Xeon(R) Silver 4214", 85, 24 },
	{ "Xeon(R) CPU E5-2680 v4", 120, 28 },
	{ "Xeon(R) CPU E5-2690 v4", 135, 28 },
	{ "Core(TM) i9-9900K", 95, 16 },
	{ "Core(TM) i7-8650U", 15, 8 },
	{ "Core(TM) i5-8250U", 15, 8 },
	{ "Core(TM) i7-1165G7", 28, 8 },
	{ "EPYC 7742", 225, 128 },
	{ "EPYC 7763", 280, 128 },
	{ "EPYC 9654", 360, 192 },
	{ "Ryzen 9 5950X", 105, 32 },
	{ "Ryzen 7 5800X", 105, 16 },
	{ "Ryzen 7 PRO 4750U", 15, 16 },
};

struct model_socket {
	struct domain *d;
	uint64_t idle_uw, max_uw;
	uint64_t busy, total;	/* ticks at the previous reading */
	uint64_t rem;		/* carried remainder, µW·ns (< 1e9) */
	uint64_t busy_ppm;	/* utilisation of the last interval that had ticks */
	bool primed;
};

struct model_state {
	int stat_fd;		/* <procfs>/stat, kept open between readings */
	char *buf;
	size_t buf_size;
	struct proc_stat_cpu *cur;	/* [CPUSET_MAX_CPUS], the last reading */
	char stat_path[DOMAIN_PATH_MAX];
	uint64_t idle_mw, max_mw; /* per socket, as reported (the first socket's) */
	char origin[192];
	unsigned nsockets;
	struct model_socket sockets[TOPOLOGY_MAX_SOCKETS];
};

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-';
}

/* Does `name` contain `key` with no letter or digit glued to either end? */
static bool name_has(const char *name, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = strstr(name, key); p; p = strstr(p + 1, key)) {
		bool left = p == name || !is_word_char(p[-1]);
		bool right = !is_word_char(p[kl]);

		if (left && right)
			return true;
	}
	return false;
}

static const struct model_cpu *model_lookup(const char *model_name)
{
	for (size_t i = 0; i < ARRAY_SIZE(model_table); i++)
		if (name_has(model_name, model_table[i].key))
			return &model_table[i];
	return NULL;
}

/*
 * Idle and full-load power of a socket with `ncpus` online CPUs. The table's
 * TDP is for a whole package; a guest that sees fewer threads than the
 * package has gets that share of it.
 */
static void model_params(const struct joulestat_opts *o, const struct cpuinfo *ci, unsigned ncpus,
			 uint64_t *idle_mw, uint64_t *max_mw, char *origin, size_t origin_size)
{
	const struct model_cpu *m = model_lookup(ci->model_name);
	uint64_t idle, max;

	if (m) {
		unsigned n = MIN(ncpus, m->threads);

		max = (uint64_t)m->tdp_w * 1000 * n / m->threads;
		idle = max * MODEL_IDLE_PCT_OF_TDP / 100;
		if (n < m->threads)
			snprintf(origin, origin_size, "table: %.128s (TDP %u W) x %u/%u threads",
				 ci->model_name, m->tdp_w, n, m->threads);
		else
			snprintf(origin, origin_size, "table: %.128s (TDP %u W)", ci->model_name,
				 m->tdp_w);
	} else {
		idle = (uint64_t)MODEL_DEFAULT_IDLE_MW_PER_CPU * ncpus;
		max = (uint64_t)MODEL_DEFAULT_MAX_MW_PER_CPU * ncpus;
		snprintf(origin, origin_size, "default");
	}
	if (o && (o->model_idle_mw || o->model_max_mw)) {
		/* One given: the other from the table/default, never below idle. */
		if (o->model_max_mw) {
			max = o->model_max_mw;
			if (!o->model_idle_mw)
				idle = max * MODEL_IDLE_PCT_OF_TDP / 100;
		}
		if (o->model_idle_mw) {
			idle = o->model_idle_mw;
			max = MAX(max, idle);
		}
		snprintf(origin, origin_size, "options");
	}
	*idle_mw = idle;
	*max_mw = max;
}

/* Read <procfs>/stat whole into st->buf, growing it as needed, and parse it. */
static int model_read_stat(struct model_state *st)
{
	uint64_t forks;
	unsigned skipped;
	int r;

	for (;;) {
		ssize_t n = fd_read_all(st->stat_fd, st->buf, st->buf_size);

		if (n == -EFBIG && st->buf_size < PROC_STAT_MAX) {
			char *b = realloc(st->buf, st->buf_size * 2);

			if (!b)
				return -ENOMEM;
			st->buf = b;
			st->buf_size *= 2;
			continue;
		}
		if (n < 0)
			return (int)n;
		/* CPUs >= CPUSET_MAX_CPUS are skipped: no socket's cpuset can hold them. */
		r = parse_proc_stat(st->buf, (size_t)n, st->cur, CPUSET_MAX_CPUS, &forks, &skipped);
		if (r < 0)
			return r;
		return r == 0 ? -ENODATA : 0;
	}
}

/*
 * Sum the busy and total (busy + idle + iowait) ticks of a socket's CPUs;
 * -ENODATA when none is listed.
 */
static int socket_ticks(const struct proc_stat_cpu *ps, const struct cpuset *cpus,
			uint64_t *ret_busy, uint64_t *ret_total)
{
	uint64_t busy = 0, total = 0;
	unsigned cpu, n = 0;

	cpuset_for_each(cpu, cpus)
	{
		if (!ps[cpu].present)
			continue; /* offline since the topology was read */
		busy += ps[cpu].busy_ticks;
		total += ps[cpu].busy_ticks + ps[cpu].idle_ticks + ps[cpu].iowait_ticks;
		n++;
	}
	if (!n)
		return -ENODATA;
	*ret_busy = busy;
	*ret_total = total;
	return 0;
}

/*
 * One socket's energy for the interval ending at now_ns. Tick sums are
 * compared with saturation: iowait (and with it idle) of /proc/stat can step
 * backwards on NO_HZ kernels (Documentation/filesystems/proc.rst: "the value
 * of iowait field in /proc/stat will decrease in certain conditions"), and one
 * bad tick must not become a huge unsigned utilisation.
 */
static void model_feed(struct model_socket *s, uint64_t busy, uint64_t total, uint64_t now_ns)
{
	uint64_t dbusy, dtotal, dt_ns, span_uw, e_uwns, delta_uj;
	unsigned __int128 e;

	if (!s->primed || s->d->readings == 0) {
		s->busy = busy;
		s->total = total;
		s->primed = true;
		domain_feed_delta(s->d, 0, now_ns); /* warming up: no energy from one reading */
		return;
	}
	dt_ns = sub_sat_u64(now_ns, s->d->timestamp_ns);
	dbusy = sub_sat_u64(busy, s->busy);
	dtotal = sub_sat_u64(total, s->total);
	dbusy = MIN(dbusy, dtotal);
	/* No tick elapsed (reads closer than 1/USER_HZ): keep the last utilisation. */
	if (dtotal)
		s->busy_ppm = mul_div_u64(dbusy, 1000000, dtotal);
	s->busy = busy;
	s->total = total;

	span_uw = s->max_uw - s->idle_uw;
	/* µW·ns: idle x dt + span x dt x busy/total, exact but for < 1 µW·ns. */
	e = (unsigned __int128)s->idle_uw * dt_ns;
	if (dtotal)
		e += (unsigned __int128)span_uw * dt_ns * dbusy / dtotal;
	else
		e += (unsigned __int128)span_uw * dt_ns * s->busy_ppm / 1000000;
	e += s->rem;
	delta_uj = (uint64_t)(e / NSEC_PER_SEC);
	e_uwns = (uint64_t)(e % NSEC_PER_SEC);
	s->rem = e_uwns;
	domain_feed_delta(s->d, delta_uj, now_ns);
}

static int model_read(void *state, const struct source_ctx *ctx, uint64_t now_ns)
{
	struct model_state *st = state;
	int r, ok = 0, first_err = 0;

	r = model_read_stat(st);
	if (r < 0) {
		log_warning(ctx->log, "model: %s: %s; the estimate skips this interval", st->stat_path,
			    r == -EINVAL || r == -ENODATA ? "no valid per-CPU lines"
							  : strerror(-r));
		for (unsigned i = 0; i < st->nsockets; i++)
			domain_feed_error(st->sockets[i].d, r);
		return r;
	}
	for (unsigned i = 0; i < st->nsockets; i++) {
		struct model_socket *s = &st->sockets[i];
		uint64_t busy, total;

		r = socket_ticks(st->cur, &s->d->cpus, &busy, &total);
		if (r < 0) {
			log_warning(ctx->log, "model: %s lists none of socket %d's CPUs",
				    st->stat_path, s->d->socket);
			domain_feed_error(s->d, r);
			if (!first_err)
				first_err = r;
			continue;
		}
		model_feed(s, busy, total, now_ns);
		ok++;
	}
	return ok || !first_err ? 0 : first_err;
}

static void model_close(void *state)
{
	struct model_state *st = state;

	if (!st)
		return;
	if (st->stat_fd >= 0)
		(void)close(st->stat_fd);
	free(st->buf);
	free(st->cur);
	free(st);
}

static int model_open(const struct source_ctx *ctx, const struct source_slot *slot,
		      void **ret_state, char *reason, size_t reason_size)
{
	const struct topology *t = ctx->topo;
	struct model_state *st;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->stat_fd = -1;
	st->buf_size = 16384;
	st->buf = malloc(st->buf_size);
	st->cur = calloc(CPUSET_MAX_CPUS, sizeof(*st->cur));
	if (!st->buf || !st->cur) {
		r = -ENOMEM;
		goto fail;
	}
	(void)fsroot_path(ctx->fs, FS_PROC, "stat", st->stat_path, sizeof(st->stat_path));
	r = fsroot_open(ctx->fs, FS_PROC, "stat", O_RDONLY);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot open %s: %s (is procfs mounted?)",
			 st->stat_path, strerror(-r));
		goto fail;
	}
	st->stat_fd = r;
	r = model_read_stat(st);
	if (r < 0) {
		snprintf(reason, reason_size, "%s: %s", st->stat_path,
			 r == -ENOMEM ? strerror(-r) : "no valid per-CPU time lines (cpuN ...)");
		if (r == -ENODATA)
			r = -EINVAL; /* present but unusable: FAILED, not UNAVAILABLE */
		goto fail;
	}

	for (unsigned i = 0; i < t->nsockets; i++) {
		struct model_socket *s = &st->sockets[st->nsockets];
		uint64_t idle_mw, max_mw;
		char origin[sizeof(st->origin)];
		struct domain *d;

		model_params(ctx->opts, &t->cpu, cpuset_count(&t->socket_cpus[i]), &idle_mw, &max_mw,
			     origin, sizeof(origin));
		if (st->nsockets == 0) {
			st->idle_mw = idle_mw;
			st->max_mw = max_mw;
			strscpy(st->origin, origin, sizeof(st->origin));
		}
		d = domain_list_add(ctx->domains, slot);
		if (!d) {
			r = -ENOMEM;
			goto fail;
		}
		snprintf(d->name, sizeof(d->name), "package-%u", i);
		snprintf(d->path, sizeof(d->path),
			 "model: %" PRIu64 " mW + (%" PRIu64 " - %" PRIu64
			 " mW) x CPU utilisation from %.160s",
			 idle_mw, max_mw, idle_mw, st->stat_path);
		d->kind = JOULESTAT_DOMAIN_PACKAGE;
		d->socket = (int)i;
		d->cpus = t->socket_cpus[i];
		d->estimated = true;
		d->power_model = true;
		d->model_idle_mw = idle_mw;
		d->model_max_mw = max_mw;
		s->d = d;
		s->idle_uw = idle_mw * 1000;
		s->max_uw = max_mw * 1000;
		st->nsockets++;
	}
	if (st->nsockets == 0) {
		snprintf(reason, reason_size, "no CPU socket found in the topology");
		r = -ENODEV;
		goto fail;
	}
	log_info(ctx->log, "model: %u socket(s), idle %" PRIu64 " mW, max %" PRIu64 " mW (%s)",
		 st->nsockets, st->idle_mw, st->max_mw, st->origin);
	(void)model_read(st, ctx, now_ns());
	*ret_state = st;
	return 0;
fail:
	for (unsigned i = 0; i < st->nsockets; i++)
		domain_list_remove(ctx->domains, st->sockets[i].d);
	model_close(st);
	return r;
}

const struct source_ops source_model_ops = {
	.name = "model",
	.estimated = true,
	.open = model_open,
	.read = model_read,
	.close = model_close,
};

int source_model_describe(const void *state, struct joulestat_model_info *info)
{
	const struct model_state *st = state;

	if (!st || !info)
		return -EINVAL;
	info->idle_mw = st->idle_mw;
	info->max_mw = st->max_mw;
	info->origin = st->origin;
	return 0;
}
