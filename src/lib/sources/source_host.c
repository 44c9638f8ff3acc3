/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * source_host.c - the "host" energy source, inside a virtual machine: this
 * VM's energy as its host accounts it, read from the tree the host exports
 * (vmshare.h: `joulestat serve --vm-export`, or Scaphandre's qemu exporter)
 * and shared into the guest over virtiofs or 9p. docs/VMS.md.
 *
 * One domain, "host", kind HOST, over every CPU: the guest splits it
 * between its own tasks by their CPU time, as on bare metal. It is measured
 * when the host measured (the joulestat-vm file says so; a tree without it
 * is Scaphandre's, which reads RAPL), and is the host total.
 *
 * The counter never wraps. It goes back only when the host lost it and
 * started again: a new epoch in joulestat-vm (the interval is dropped
 * without an error), or without that file, any step back (refused and
 * counted, like any counter). A share whose host stopped updating it is
 * stale: its readings are refused until updates resume, then a new baseline
 * starts, so the time in between gets no invented energy. Every file is
 * opened for each reading: the host replaces them by rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "source.h"
#include "util.h"
#include "vmshare.h"

/* Where a guest mounts the share when no path is given: ours, then Scaphandre's. */
static const char *const default_dirs[] = { "/var/lib/joulestat/host", "/var/scaphandre" };

/* Clock skew between host and guest tolerated when judging an update's age at open. */
#define HOST_SKEW_NS (60 * NSEC_PER_SEC)
/* A tree without joulestat-vm (Scaphandre writes every 5 s) is stale after this. */
#define HOST_PLAIN_STALE_NS (60 * NSEC_PER_SEC)
/* With joulestat-vm: stale when seq did not move for 5 host intervals plus this. */
#define HOST_STALE_SLACK_NS (2 * NSEC_PER_SEC)

struct host_state {
	struct domain *d;
	char dir[DOMAIN_PATH_MAX];
	char energy[DOMAIN_PATH_MAX + 32];
	char meta[DOMAIN_PATH_MAX + 32];
	bool has_meta;
	struct vmshare_meta m;		/* the last joulestat-vm read */
	uint64_t seq_changed_ns;	/* CLOCK_MONOTONIC when seq last moved */
	uint64_t mtime_ns;		/* without joulestat-vm: energy_uj's last mtime ... */
	uint64_t mtime_changed_ns;	/* ... and when it last moved */
	bool stale;			/* readings refused until updates resume */
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Read a small regular file (never a FIFO or device a share might hold). */
static ssize_t read_file(const char *path, char *buf, size_t size, uint64_t *ret_mtime_ns)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (ret_mtime_ns)
		*ret_mtime_ns = (uint64_t)st.st_mtim.tv_sec * NSEC_PER_SEC + (uint64_t)st.st_mtim.tv_nsec;
	n = fd_read_all(fd, buf, size);
	close(fd);
	return n;
}

static const char *problem(int err)
{
	switch (err) {
	case -ENOENT:
		return "missing";
	case -ENODATA:
		return "empty";
	case -EINVAL:
		return "not a regular file holding a number";
	case -ERANGE:
		return "out of range";
	default:
		return strerror(-err);
	}
}

/* Read joulestat-vm into st->m. 0, -ENOENT (no such file), or another -errno with a note. */
static int read_meta(struct host_state *st, struct vmshare_meta *ret, char *why, size_t why_size)
{
	char buf[VMSHARE_META_MAX];
	unsigned line = 0;
	ssize_t n;
	int r;

	n = read_file(st->meta, buf, sizeof(buf), NULL);
	if (n < 0) {
		if (n != -ENOENT)
			snprintf(why, why_size, "%s: %s", st->meta, strerror((int)-n));
		return (int)n;
	}
	r = parse_vmshare_meta(buf, (size_t)n, ret, &line);
	if (r == -EPROTONOSUPPORT)
		snprintf(why, why_size, "%s: written by a newer joulestat (this one reads version "
					"%d): update joulestat in the guest", st->meta, VMSHARE_VERSION);
	else if (r < 0 && line)
		snprintf(why, why_size, "%s:%u: malformed", st->meta, line);
	else if (r < 0)
		snprintf(why, why_size, "%s: malformed (a required key is missing)", st->meta);
	return r;
}

static uint64_t stale_after_ns(const struct vmshare_meta *m)
{
	uint64_t iv = MIN(m->interval_ms, 3600000ULL) * 1000000ULL;

	return 5 * iv + HOST_STALE_SLACK_NS;
}

static int read_energy(struct host_state *st, uint64_t *ret_uj, uint64_t *ret_mtime_ns)
{
	char buf[64];
	ssize_t n = read_file(st->energy, buf, sizeof(buf), ret_mtime_ns);

	if (n < 0)
		return (int)n;
	return parse_u64(buf, (size_t)n, ret_uj);
}

static int host_open(const struct source_ctx *ctx, const struct source_slot *slot,
		     void **ret_state, char *reason, size_t reason_size)
{
	const char *dir = ctx->opts->host_share;
	struct host_state *st;
	uint64_t raw, mtime = 0, now_rt = realtime_ns();
	struct domain *d;
	struct stat sb;
	char why[512] = "";
	int r;

	reason[0] = '\0';
	if (!dir && !fsroot_is_real(ctx->fs, FS_SYS)) {
		snprintf(reason, reason_size, "not looked up: the sysfs root is a fixture tree "
					      "(give --host-share DIR)");
		return -ENODEV;
	}
	for (size_t i = 0; !dir && i < ARRAY_SIZE(default_dirs); i++)
		if (stat(default_dirs[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			dir = default_dirs[i];
	if (!dir) {
		snprintf(reason, reason_size,
			 "no host share at %s or %s: in a virtual machine whose host runs "
			 "'joulestat serve --vm-export', mount this VM's share there or give "
			 "--host-share DIR (docs/VMS.md); without it the energy here is a model",
			 default_dirs[0], default_dirs[1]);
		return -ENODEV;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (strlen(dir) >= sizeof(st->dir) - 1) {
		snprintf(reason, reason_size, "host share %s: path too long", dir);
		r = -ENAMETOOLONG;
		goto fail;
	}
	strscpy(st->dir, dir, sizeof(st->dir));
	snprintf(st->energy, sizeof(st->energy), "%s/" VMSHARE_ENERGY_FILE, st->dir);
	snprintf(st->meta, sizeof(st->meta), "%s/" VMSHARE_META_FILE, st->dir);
	if (stat(st->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		r = -ENOENT;
		snprintf(reason, reason_size, "host share %s: not a directory (--host-share)",
			 st->dir);
		goto fail;
	}

	r = read_energy(st, &raw, &mtime);
	if (r == -ENOENT) {
		snprintf(reason, reason_size,
			 "%s is missing: the host share is not mounted at %s, or the host exports "
			 "nothing for this VM yet (docs/VMS.md)",
			 st->energy, st->dir);
		r = -ENODEV;
		goto fail;
	}
	if (r == -EACCES || r == -EPERM) {
		snprintf(reason, reason_size, "%s: %s: the share must be readable by the user "
					      "joulestat runs as", st->energy, strerror(-r));
		goto fail;
	}
	if (r < 0) {
		snprintf(reason, reason_size, "%s: %s", st->energy, problem(r));
		goto fail;
	}
	r = read_meta(st, &st->m, why, sizeof(why));
	if (r < 0 && r != -ENOENT) {
		snprintf(reason, reason_size, "%s", why);
		goto fail;
	}
	st->has_meta = r == 0;
	if (st->has_meta && st->m.updated_unix_ns + stale_after_ns(&st->m) + HOST_SKEW_NS < now_rt) {
		snprintf(reason, reason_size,
			 "stale: the host last updated %s %" PRIu64 " s ago (every %" PRIu64
			 " ms before): is 'joulestat serve --vm-export' still running on host "
			 "'%s'? (docs/VMS.md)",
			 st->meta, (uint64_t)((now_rt - st->m.updated_unix_ns) / NSEC_PER_SEC),
			 st->m.interval_ms, st->m.host);
		r = -ESTALE;
		goto fail;
	}
	if (!st->has_meta && mtime + HOST_PLAIN_STALE_NS + HOST_SKEW_NS < now_rt) {
		snprintf(reason, reason_size,
			 "stale: %s was last written %" PRIu64 " s ago: is the host's exporter "
			 "still running? (docs/VMS.md)",
			 st->energy, (uint64_t)((now_rt - mtime) / NSEC_PER_SEC));
		r = -ESTALE;
		goto fail;
	}

	d = domain_list_add(ctx->domains, slot);
	if (!d) {
		r = -ENOMEM;
		goto fail;
	}
	strscpy(d->name, "host", sizeof(d->name));
	strscpy(d->path, st->energy, sizeof(d->path));
	d->kind = JOULESTAT_DOMAIN_HOST;
	d->socket = -1;
	d->cpus = ctx->topo->online;
	d->estimated = st->has_meta && st->m.estimated;
	/* Never wraps: a step back is a reset (docs/FORMAT.md, "VM export"). */
	d->ctr.max_range_uj = 0;
	(void)domain_feed_counter(d, raw, now_ns());
	st->d = d;
	st->seq_changed_ns = now_ns();
	st->mtime_ns = mtime;
	st->mtime_changed_ns = now_ns();
	if (st->has_meta)
		snprintf(reason, reason_size,
			 "VM '%s' on host '%s': %s there (%s), idle policy %s, updated every %" PRIu64
			 " ms",
			 st->m.vm, st->m.host, st->m.estimated ? "estimated" : "measured",
			 st->m.sources[0] ? st->m.sources : "unknown sources",
			 st->m.idle_policy[0] ? st->m.idle_policy : "unknown", st->m.interval_ms);
	else
		snprintf(reason, reason_size,
			 "%s has no %s: a Scaphandre qemu exporter's tree (its host's RAPL, split "
			 "by CPU time)", st->dir, VMSHARE_META_FILE);
	log_debug(ctx->log, "host: %s from %s", d->name, d->path);
	*ret_state = st;
	return 0;
fail:
	free(st);
	return r;
}

/* Refuse this reading, and start a new baseline when updates resume. */
static int refuse(const struct source_ctx *ctx, struct host_state *st, int err, const char *why)
{
	if (st->d->last_error != err)
		log_warning(ctx->log, "host: %s", why);
	domain_feed_error(st->d, err);
	domain_rebase(st->d, now_ns());
	st->d->ctr.primed = false;
	return err;
}

static int host_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	struct host_state *st = state;
	struct vmshare_meta m;
	uint64_t raw, mtime = 0;
	char why[512] = "";
	int r, prev;

	if (st->has_meta) {
		r = read_meta(st, &m, why, sizeof(why));
		if (r == -ENOENT)
			snprintf(why, sizeof(why), "%s vanished: the host share was unmounted?",
				 st->meta);
		if (r < 0)
			return refuse(ctx, st, r, why);
		if (m.epoch != st->m.epoch) {
			/* The host started the counter again: a reset, not a wrap. */
			log_info(ctx->log, "host: %s: new epoch %016" PRIx64 " (was %016" PRIx64
					   "): the host's counter was reset; this interval is dropped",
				 st->meta, m.epoch, st->m.epoch);
			st->d->ctr.primed = false;
			st->seq_changed_ns = now;
		} else if (m.seq != st->m.seq) {
			st->seq_changed_ns = now;
		} else if (now > st->seq_changed_ns + stale_after_ns(&m)) {
			st->m = m;
			snprintf(why, sizeof(why),
				 "stale: %s has not been updated for %" PRIu64 " s (every %" PRIu64
				 " ms before): readings refused until the host updates it again",
				 st->meta, (uint64_t)((now - st->seq_changed_ns) / NSEC_PER_SEC), m.interval_ms);
			return refuse(ctx, st, -ESTALE, why);
		}
		st->m = m;
		st->d->estimated = m.estimated;
	}
	r = read_energy(st, &raw, &mtime);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s: %s", st->energy, problem(r));
		return refuse(ctx, st, r, why);
	}
	if (!st->has_meta) {
		if (mtime != st->mtime_ns) {
			st->mtime_ns = mtime;
			st->mtime_changed_ns = now;
		} else if (now > st->mtime_changed_ns + HOST_PLAIN_STALE_NS) {
			snprintf(why, sizeof(why),
				 "stale: %s has not been written for %" PRIu64
				 " s: readings refused until the host writes it again",
				 st->energy, (uint64_t)((now - st->mtime_changed_ns) / NSEC_PER_SEC));
			return refuse(ctx, st, -ESTALE, why);
		}
	}
	prev = st->d->last_error;
	r = domain_feed_counter(st->d, raw, now);
	if (r < 0 && r != prev)
		log_warning(ctx->log, "host: %s: %s%s", st->energy,
			    counter_strerror(r) ? counter_strerror(r) : strerror(-r),
			    r == -EILSEQ ? " (the host's exporter started its counter again)" : "");
	return r < 0 ? r : 0;
}

static void host_close(void *state)
{
	free(state);
}

const struct source_ops source_host_ops = {
	.name = "host",
	.open = host_open,
	.read = host_read,
	.close = host_close,
};
