/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_msr.c - RAPL read straight from the model-specific registers
 * (/dev/cpu/N/msr, pread at offset = register), one CPU per socket.
 *
 * Opt-in only: it needs the msr module and CAP_SYS_RAWIO, and raw access is
 * what CVE-2020-8694 restricted. Used when neither perf nor powercap works.
 *
 * Intel: units in MSR_RAPL_POWER_UNIT (0x606, bits 12:8 = ESU, one unit =
 * 1/2^ESU J); package 0x611, PP0 (core) 0x639, PP1 (uncore) 0x641, DRAM
 * 0x619 per socket; platform (psys) 0x64d once. On server parts DRAM counts
 * in fixed 2^-16 J units (the kernel's rapl_defaults_hsw_server).
 * AMD and Hygon: units 0xC0010299, package 0xC001029B; 0xC001029A is a
 * per-core counter, exposed as one "core-S" domain per socket that sums
 * every physical core of the socket (one CPU per core_id: SMT siblings share
 * the counter), each core's counter unwrapped on its own.
 *
 * A register is present when it reads and its counter is non-zero, as the
 * kernel's rapl_check_domain() decides. Counters are 32 bits: the wrap range
 * is 2^32 units, and raw readings become µJ by floor(ticks × 10^6 / 2^ESU),
 * whose rounding telescopes away over a run (the total is exact to 1 µJ).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "rapl.h"
#include "source.h"
#include "util.h"

struct part {
	int fd;		    /* borrowed from msr_state.cpus */
	struct counter ctr; /* per-core unwrapping (summed domains only) */
};

struct mdom {
	struct domain *d;
	uint32_t reg;
	unsigned esu;
	bool summed; /* AMD per-core: Σ parts, fed as deltas */
	struct part *parts;
	unsigned nparts;
};

struct cpu_fd {
	unsigned cpu;
	int fd;
};

struct msr_state {
	struct mdom *v;
	size_t n;
	struct cpu_fd *cpus;
	size_t ncpus;
};

static struct msr_state *state_free(struct msr_state *st)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].parts);
	for (size_t i = 0; i < st->ncpus; i++)
		(void)close(st->cpus[i].fd);
	free(st->v);
	free(st->cpus);
	free(st);
	return NULL;
}

/* The low 32 bits of an energy status register (or the whole register): 0 or -errno. */
static int msr_read(int fd, uint32_t reg, uint64_t *ret)
{
	uint64_t v;
	ssize_t n;

	do
		n = pread(fd, &v, sizeof(v), (off_t)reg);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != sizeof(v))
		return -EIO; /* the register does not exist (#GP in the kernel gives EIO) */
	*ret = v;
	return 0;
}

struct open_ctx {
	const struct source_ctx *ctx;
	const struct source_slot *slot;
	struct msr_state *st;
	char *reason;
	size_t reason_size;
};

/* The msr fd of `cpu`, opened once. -errno with the reason written for the fatal cases. */
static int cpu_fd(struct open_ctx *oc, unsigned cpu)
{
	char rel[64], path[4096];
	struct cpu_fd *v;
	int fd;

	for (size_t i = 0; i < oc->st->ncpus; i++)
		if (oc->st->cpus[i].cpu == cpu)
			return oc->st->cpus[i].fd;
	snprintf(rel, sizeof(rel), "cpu/%u/msr", cpu);
	fsroot_path(oc->ctx->fs, FS_DEV, rel, path, sizeof(path));
	fd = fsroot_open(oc->ctx->fs, FS_DEV, rel, O_RDONLY);
	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV) {
		snprintf(oc->reason, oc->reason_size,
			 "%s is missing: the msr module is not loaded: modprobe msr", path);
		return -ENODEV;
	}
	if (fd == -EACCES || fd == -EPERM) {
		snprintf(oc->reason, oc->reason_size, "%s: needs CAP_SYS_RAWIO: run as root", path);
		return fd;
	}
	if (fd < 0) {
		snprintf(oc->reason, oc->reason_size, "%s: %s", path, strerror(-fd));
		return fd;
	}
	v = realloc(oc->st->cpus, (oc->st->ncpus + 1) * sizeof(*v));
	if (!v) {
		(void)close(fd);
		return -ENOMEM;
	}
	oc->st->cpus = v;
	v[oc->st->ncpus++] = (struct cpu_fd){ .cpu = cpu, .fd = fd };
	return fd;
}

static struct domain *add_domain(struct open_ctx *oc, enum joulestat_domain_kind kind, int socket,
				 uint32_t reg, unsigned esu, unsigned cpu, struct mdom **ret_m)
{
	const struct topology *t = oc->ctx->topo;
	struct mdom *v;
	struct domain *d;

	v = realloc(oc->st->v, (oc->st->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	oc->st->v = v;
	d = domain_list_add(oc->ctx->domains, oc->slot);
	if (!d)
		return NULL;
	if (socket < 0)
		snprintf(d->name, sizeof(d->name), "%s", rapl_kind_stem(kind));
	else
		snprintf(d->name, sizeof(d->name), "%s-%d", rapl_kind_stem(kind), socket);
	snprintf(d->path, sizeof(d->path), "%s/cpu/%u/msr, register 0x%" PRIx32,
		 oc->ctx->fs->root[FS_DEV], cpu, reg);
	d->kind = kind;
	d->socket = socket;
	d->cpus = socket < 0 ? t->online : t->socket_cpus[socket];
	d->ctr.max_range_uj = msr_range_uj(esu);
	d->ctr.max_power_uw = rapl_default_max_power_uw(kind);
	v[oc->st->n] = (struct mdom){ .d = d, .reg = reg, .esu = esu };
	*ret_m = &v[oc->st->n++];
	return d;
}

/* One counter domain read on `fd` if the register is there. 1 added, 0 absent, -errno. */
static int try_register(struct open_ctx *oc, int fd, unsigned cpu, enum joulestat_domain_kind kind,
			int socket, uint32_t reg, unsigned esu)
{
	struct domain *d;
	struct mdom *m;
	uint64_t v;

	if (msr_read(fd, reg, &v) < 0 || (v & 0xffffffffULL) == 0) {
		log_debug(oc->ctx->log, "msr: register 0x%" PRIx32 " absent on CPU %u", reg, cpu);
		return 0;
	}
	d = add_domain(oc, kind, socket, reg, esu, cpu, &m);
	if (!d)
		return -ENOMEM;
	m->parts = calloc(1, sizeof(*m->parts));
	if (!m->parts)
		return -ENOMEM;
	m->parts[0].fd = fd;
	m->nparts = 1;
	domain_feed_counter(d, msr_ticks_to_uj(v, esu), now_ns());
	return 1;
}

/* AMD per-core energy of socket s: one CPU per core_id, each unwrapped, summed. */
static int add_amd_cores(struct open_ctx *oc, unsigned s, unsigned esu, unsigned first_cpu)
{
	const struct topology *t = oc->ctx->topo;
	uint64_t seen_core[64] = { 0 }, now = now_ns();
	struct domain *d = NULL;
	struct mdom *m = NULL;
	unsigned cpu;
	int r;

	cpuset_for_each(cpu, &t->socket_cpus[s])
	{
		char rel[128];
		uint64_t core, v;
		struct part *p;
		int fd;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/topology/core_id", cpu);
		if (fsroot_read_u64(oc->ctx->fs, FS_SYS, rel, &core) < 0) {
			char path[4096];

			/* Without core ids, SMT siblings would be counted twice: no core domain. */
			fsroot_path(oc->ctx->fs, FS_SYS, rel, path, sizeof(path));
			log_warning(oc->ctx->log,
				    "msr: %s unreadable: no per-core energy for socket %u", path,
				    s);
			r = 0;
			goto drop;
		}
		if (core < 64 * 64) {
			if (seen_core[core / 64] & (1ULL << (core % 64)))
				continue;
			seen_core[core / 64] |= 1ULL << (core % 64);
		}
		fd = cpu_fd(oc, cpu);
		if (fd < 0) {
			r = fd;
			goto drop;
		}
		if (msr_read(fd, MSR_AMD_CORE_ENERGY_STATUS, &v) < 0) {
			r = 0; /* no per-core register on this part */
			goto drop;
		}
		if (!d) {
			d = add_domain(oc, JOULESTAT_DOMAIN_CORE, (int)s,
				       MSR_AMD_CORE_ENERGY_STATUS, esu, first_cpu, &m);
			if (!d)
				return -ENOMEM;
			m->summed = true;
			snprintf(d->path, sizeof(d->path),
				 "%s/cpu/N/msr, register 0x%x, summed over the cores of socket %u",
				 oc->ctx->fs->root[FS_DEV], MSR_AMD_CORE_ENERGY_STATUS, s);
		}
		p = realloc(m->parts, (m->nparts + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		m->parts = p;
		p[m->nparts] = (struct part){ .fd = fd };
		p[m->nparts].ctr.max_range_uj = msr_range_uj(esu);
		p[m->nparts].ctr.max_power_uw = rapl_default_max_power_uw(JOULESTAT_DOMAIN_CORE);
		(void)counter_update(&p[m->nparts].ctr, msr_ticks_to_uj(v, esu), now, &v);
		m->nparts++;
	}
	if (d)
		domain_feed_delta(d, 0, now);
	return d ? 1 : 0;
drop:
	if (d) {
		free(m->parts);
		oc->st->n--;
		domain_list_remove(oc->ctx->domains, d);
	}
	return r;
}

static int msr_open(const struct source_ctx *ctx, const struct source_slot *slot, void **ret_state,
		    char *reason, size_t reason_size)
{
	const struct topology *t = ctx->topo;
	struct open_ctx oc = {
	    .ctx = ctx, .slot = slot, .reason = reason, .reason_size = reason_size};
	bool intel = strcmp(t->cpu.vendor, "GenuineIntel") == 0;
	bool amd = strcmp(t->cpu.vendor, "AuthenticAMD") == 0 ||
		   strcmp(t->cpu.vendor, "HygonGenuine") == 0;
	int r = 0;

	reason[0] = '\0';
	if (!intel && !amd) {
		snprintf(reason, reason_size, "no RAPL registers known for CPU vendor '%s'",
			 t->cpu.vendor[0] ? t->cpu.vendor : "unknown");
		return -ENODEV;
	}
	oc.st = calloc(1, sizeof(*oc.st));
	if (!oc.st)
		return -ENOMEM;
	for (unsigned s = 0; s < t->nsockets; s++) {
		uint32_t unit_reg = intel ? MSR_INTEL_RAPL_POWER_UNIT : MSR_AMD_RAPL_POWER_UNIT;
		unsigned cpu = 0, esu, dram_esu;
		uint64_t units;
		int fd;

		cpuset_for_each(cpu, &t->socket_cpus[s]) break;
		fd = cpu_fd(&oc, cpu);
		if (fd < 0) {
			r = fd;
			goto fail;
		}
		r = msr_read(fd, unit_reg, &units);
		if (r < 0) {
			snprintf(reason, reason_size,
				 "%s/cpu/%u/msr: register 0x%" PRIx32
				 " (RAPL power units) unreadable: "
				 "%s: no RAPL on this CPU",
				 ctx->fs->root[FS_DEV], cpu, unit_reg, strerror(-r));
			r = -ENODEV;
			goto fail;
		}
		esu = msr_energy_status_unit(units);
		if (intel) {
			dram_esu =
			    msr_intel_dram_fixed_unit(t->cpu.family, t->cpu.model) ? 16 : esu;
			r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_PACKAGE, (int)s,
					 MSR_INTEL_PKG_ENERGY_STATUS, esu);
			if (r >= 0)
				r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_CORE, (int)s,
						 MSR_INTEL_PP0_ENERGY_STATUS, esu);
			if (r >= 0)
				r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_UNCORE, (int)s,
						 MSR_INTEL_PP1_ENERGY_STATUS, esu);
			if (r >= 0)
				r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_DRAM, (int)s,
						 MSR_INTEL_DRAM_ENERGY_STATUS, dram_esu);
			/* The platform counter is one per machine: read it on the first socket. */
			if (r >= 0 && s == 0)
				r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_PSYS, -1,
						 MSR_INTEL_PLATFORM_ENERGY_STATUS, esu);
		} else {
			r = try_register(&oc, fd, cpu, JOULESTAT_DOMAIN_PACKAGE, (int)s,
					 MSR_AMD_PKG_ENERGY_STATUS, esu);
			if (r >= 0)
				r = add_amd_cores(&oc, s, esu, cpu);
		}
		if (r < 0)
			goto fail;
	}
	if (oc.st->n == 0) {
		snprintf(reason, reason_size,
			 "%s/cpu/*/msr: no RAPL energy register reads non-zero",
			 ctx->fs->root[FS_DEV]);
		r = -ENODEV;
		goto fail;
	}
	*ret_state = oc.st;
	return 0;
fail:
	for (size_t i = 0; i < oc.st->n; i++)
		domain_list_remove(ctx->domains, oc.st->v[i].d);
	state_free(oc.st);
	return r;
}

/* Σ of the per-core deltas, or the first error (the interval is then dropped, counted). */
static int read_summed(struct mdom *m, uint64_t now, uint64_t *ret_delta)
{
	uint64_t sum = 0;
	int err = 0;

	for (unsigned i = 0; i < m->nparts; i++) {
		uint64_t v, delta;
		int r;

		r = msr_read(m->parts[i].fd, m->reg, &v);
		if (r >= 0)
			r = counter_update(&m->parts[i].ctr, msr_ticks_to_uj(v, m->esu), now,
					   &delta);
		if (r < 0) {
			if (!err)
				err = r;
			continue;
		}
		if (r == COUNTER_WRAPPED)
			m->d->wraps++;
		sum += delta;
	}
	if (err)
		return err;
	*ret_delta = sum;
	return 0;
}

static int msr_read_all(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct msr_state *st = state;
	int ok = 0, first_err = 0;

	for (size_t i = 0; i < st->n; i++) {
		struct mdom *m = &st->v[i];
		struct domain *d = m->d;
		int prev = d->last_error, r;
		uint64_t v;

		if (m->summed) {
			r = read_summed(m, now, &v);
			if (r >= 0) {
				domain_feed_delta(d, v, now);
			} else {
				domain_feed_error(d, r);
				domain_rebase(d, now);
			}
		} else {
			r = msr_read(m->parts[0].fd, m->reg, &v);
			if (r < 0)
				domain_feed_error(d, r);
			else
				r = domain_feed_counter(d, msr_ticks_to_uj(v, m->esu), now);
		}
		if (r < 0) {
			if (r != prev)
				log_warning(ctx->log, "msr: %s: %s", d->path,
					    counter_strerror(r) ? counter_strerror(r) : strerror(-r));
			if (!first_err)
				first_err = r;
		} else {
			ok++;
		}
	}
	return ok || !st->n ? 0 : first_err;
}

static void msr_close(void *state)
{
	state_free(state);
}

const struct source_ops source_msr_ops = {
    .name = "msr",
    .open = msr_open,
    .read = msr_read_all,
    .close = msr_close,
};
