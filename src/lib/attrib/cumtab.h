/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cumtab.h - what the monitor remembers between snapshots: cumulative
 * energy per group (one table per grouping), and a string table that gives
 * each distinct string (comm, cgroup path, unit, container id) a small
 * stable id, so that every group key is a fixed-size struct.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so a table that sees groups come and go for days does not
 * degrade). Not thread-safe; no I/O.
 */
#ifndef JOULESTAT_CUMTAB_H
#define JOULESTAT_CUMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A group key; unused fields are zero. Compared bytewise, so always zero-initialise. */
struct cum_key {
	uint64_t start_ns;
	uint64_t id;		/* cgroup id, string id, tree root index */
	uint32_t tgid;
	uint32_t tid;
	uint32_t uid;
	uint32_t pad;		/* zero */
};

struct cum_entry {
	struct cum_key key;
	uint64_t energy_uj;	/* cumulative */
	uint64_t cpu_ns;	/* cumulative */
	uint64_t syscalls;	/* cumulative */
	uint64_t first_seen_ns;
	uint64_t last_seen_ns;	/* end of the last interval it ran in */
	uint64_t last_seq;	/* snapshot number of that interval */
	bool exited;		/* its process (or thread) was seen exiting */
	bool used;		/* slot holds an entry */
};

struct cum_table {
	struct cum_entry *e;
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

/* The entry for `k`, created zeroed (used, key set) when absent. NULL on -ENOMEM. */
struct cum_entry *cum_get(struct cum_table *t, const struct cum_key *k);

/* The entry for `k`, or NULL. */
struct cum_entry *cum_find(const struct cum_table *t, const struct cum_key *k);

/*
 * Remove every entry for which expired(entry, ctx) is true. Pointers to
 * entries are invalid afterwards. Returns the number removed.
 */
size_t cum_prune(struct cum_table *t, bool (*expired)(const struct cum_entry *e, void *ctx),
		 void *ctx);

void cum_done(struct cum_table *t);

/* Interned strings: id 0 is "", ids are dense from 1. */
struct strtab {
	char **str;		/* [n], owned */
	size_t n, cap;
	uint32_t *slot;		/* hash slots: id + 1, 0 empty */
	size_t nslots;
};

/* The id of `s` (len bytes, no NUL needed), added when absent. -ENOMEM. */
int64_t strtab_intern(struct strtab *t, const char *s, size_t len);

/* The string of `id` ("" for 0 or an unknown id). Valid until strtab_done(). */
const char *strtab_str(const struct strtab *t, uint64_t id);

void strtab_done(struct strtab *t);

#endif
