/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * snapshot_impl.h - the inside of struct joulestat_snapshot, for the two
 * files that build snapshots: snapshot.c (from a sample) and remote.c (from
 * a daemon's reply). Library-internal.
 */
#ifndef JOULESTAT_SNAPSHOT_IMPL_H
#define JOULESTAT_SNAPSHOT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"

/* A chunked string arena: strings never move, freed all at once. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct snap_grouping {
	bool present;
	size_t nrows;
	struct joulestat_row *rows;
	uint64_t *domain_uj;		/* [nrows * ndomains] */
	uint32_t *by_pid;		/* process grouping: row indices sorted by pid */
};

struct joulestat_snapshot {
	unsigned refs;
	struct joulestat_snapshot_info info;
	struct joulestat_snapshot_domain *domains;
	struct joulestat_task *tasks;
	struct joulestat_cpu_time *cpu_times;
	uint64_t *cpu_idle_ns, *cpu_lost_ns, *cpu_irq_ns;
	struct snap_grouping g[JOULESTAT_GROUP_COUNT];
	struct arena_chunk *arena;
	struct res_snapshot *res;	/* the machine's resources, when enabled (resources.c) */
};

/* A copy of s[0 .. len) in the arena, NUL-terminated; NULL on -ENOMEM. */
const char *arena_strndup(struct arena_chunk **a, const char *s, size_t len);
const char *arena_strdup(struct arena_chunk **a, const char *s);

/* Free a snapshot and everything it holds, whatever its references (NULL-safe). */
struct joulestat_snapshot *snapshot_destroy(struct joulestat_snapshot *s);

/* Build the process grouping's pid index (by_pid). -ENOMEM. */
int snapshot_index_pids(struct joulestat_snapshot *snap);

#endif
