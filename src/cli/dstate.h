/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * dstate.h - what `joulestat daemon` counts for good: cumulative energy per
 * process (tgid and start, until it exits), per user and per domain, kept
 * across daemon restarts in a state file (docs/FORMAT.md, "The daemon's
 * state file"), so that a user's energy since boot and the exported
 * counters go on through an upgrade. A restart is visible: the file counts
 * them, and when counting began.
 *
 * The state belongs to one boot (its boot id): a file from another boot
 * is left out - its processes are gone and "since boot" starts again.
 *
 * The tables and the file's text are pure (no I/O): the daemon reads and
 * writes the file (outfile.c: a temporary file, fsync, rename).
 */
#ifndef JOULESTAT_DSTATE_H
#define JOULESTAT_DSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DSTATE_VERSION 1
#define DSTATE_BOOT_ID_MAX 64
#define DSTATE_NAME_MAX 48
/* Refuse a state file bigger than this (a million processes' lines). */
#define DSTATE_FILE_MAX (128u << 20)

/* One process: tgid and start (ns since boot), the key of the process grouping. */
struct dstate_proc {
	uint32_t pid;
	uint32_t uid;
	uint64_t start_ns;
	uint64_t energy_uj;		/* over the host domains, since the daemon first saw it */
	uint64_t cpu_ns;
	uint64_t syscalls;
	uint64_t first_seen_ns;		/* CLOCK_MONOTONIC (one boot: the same clock) */
	uint64_t seen_seq;		/* the daemon's last sample it was in (0: loaded, not seen) */
	bool used;
};

struct dstate_user {
	uint32_t uid;
	uint64_t energy_uj;
	uint64_t cpu_ns;
	uint64_t syscalls;
	uint64_t first_seen_ns;
};

struct dstate_dom {
	char name[DSTATE_NAME_MAX];
	uint64_t energy_uj;		/* the counter: before this daemon, plus since */
	uint64_t tasks_uj, idle_uj, unattributed_uj;
	uint64_t base_uj;		/* the energy counted before this daemon started */
};

struct dstate {
	char boot_id[DSTATE_BOOT_ID_MAX];
	uint64_t since_realtime_ns;	/* when counting began this boot */
	uint32_t restarts;		/* daemon starts after that one */
	struct dstate_proc *procs;	/* open addressing, cap a power of two */
	size_t nprocs, procs_cap;
	struct dstate_user *users;
	size_t nusers, users_cap;
	struct dstate_dom *doms;
	size_t ndoms, doms_cap;
};

/*
 * Parse a state file's text into *ret (overwritten, not freed). Returns 0; -EINVAL
 * for text that is not a state file (*ret_line: the line, 1-based; 0 when
 * the first line is not "joulestat-state 1"); -EPROTONOSUPPORT for another
 * version; -ENOMEM. On error *ret is untouched.
 */
int dstate_parse(const char *buf, size_t len, struct dstate *ret, unsigned *ret_line);

/* Write st as a state file's text, saved at saved_realtime_ns. -EIO when f fails. */
int dstate_write(const struct dstate *st, uint64_t saved_realtime_ns, FILE *f);

void dstate_done(struct dstate *st);

/* The entry of (pid, start_ns), created zeroed when absent; NULL on -ENOMEM. */
struct dstate_proc *dstate_proc_get(struct dstate *st, uint32_t pid, uint64_t start_ns);
/* The entry of (pid, start_ns), or NULL. */
struct dstate_proc *dstate_proc_find(const struct dstate *st, uint32_t pid, uint64_t start_ns);
/* The newest process with this pid, or NULL. */
struct dstate_proc *dstate_proc_newest(const struct dstate *st, uint32_t pid);
/* Drop every process for which gone(entry, ctx) is true. Returns how many. */
size_t dstate_proc_prune(struct dstate *st, bool (*gone)(const struct dstate_proc *p, void *ctx),
			 void *ctx);

struct dstate_user *dstate_user_get(struct dstate *st, uint32_t uid);
struct dstate_user *dstate_user_find(const struct dstate *st, uint32_t uid);
struct dstate_dom *dstate_dom_get(struct dstate *st, const char *name);

#endif
