/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* monitor.h - the inside of struct joulestat, shared by the library's API files. */
#ifndef JOULESTAT_MONITOR_H
#define JOULESTAT_MONITOR_H

#include "joulestat.h"
#include "activity_sel.h"
#include "fsroot.h"
#include "log.h"
#include "source.h"
#include "topology.h"

#define MONITOR_MAX_SOURCES 16

struct source_slot {
	const struct source_ops *ops;
	void *state;			/* open() state while ACTIVE */
	enum joulestat_source_state state_kind;
	int error;
	char reason[SOURCE_REASON_MAX];
	unsigned ndomains;		/* domains it found */
	unsigned nshadowed;		/* of those, measured by a preferred source */
};

struct joulestat {
	struct logger log;
	struct fsroot fs;
	struct topology *topo;
	struct joulestat_opts opts;	/* copy; string fields point into the fsroot/own copies */
	char *sources_opt;

	struct source_slot slots[MONITOR_MAX_SOURCES];
	size_t nslots;

	struct domain_list domains;	/* every domain, shadowed ones too */
	struct domain **view;		/* the public list: not shadowed */
	size_t nview, view_cap;

	struct source_ctx ctx;

	struct activity_ctx actx;
	struct activity_sel activity;	/* the chosen collector, opened in joulestat_new() */

	struct monitor_snap *snap;	/* snapshots: policy, groupings, cumulative energy (snapshot.c) */
	struct res_collector *res;	/* resources snapshots carry; NULL: off (resources.c) */
	/*
	 * Not NULL: the monitor is the system's daemon seen through its socket
	 * (remote.c). Then only log, fs, opts and res above are set, and every
	 * public call answers through the daemon.
	 */
	struct remote *remote;
};

struct remote;

struct monitor_snap;

/*
 * Check the snapshot options (interval, policy, groupings, static power,
 * baseline file) and set up js->snap. -EINVAL for a bad option, the -errno
 * of an unreadable baseline file, -ENOMEM. Called by joulestat_new(); the
 * options' borrowed pointers are not kept.
 */
int monitor_snap_init(struct joulestat *js, const struct joulestat_opts *o);

/*
 * Start the first interval now, once the activity collector is open: read
 * every source again and make that reading each domain's baseline in place
 * of the one taken when its source opened, so that the energy spent while
 * the collector started (loading a BPF program takes a while) is not
 * charged to the first interval. Called last by joulestat_new().
 */
void monitor_snap_start(struct joulestat *js);

/* Free js->snap (NULL-safe). */
void monitor_snap_free(struct joulestat *js);

/* Resources carried by snapshots (joulestat.c): free js->res (NULL-safe). */
void monitor_res_free(struct joulestat *js);
struct res_snapshot;
/* The copy a snapshot carries, or NULL (snapshot.c). */
const struct res_snapshot *snapshot_res(const struct joulestat_snapshot *snap);

/* The last activity sample, or NULL before the first joulestat_read_activity(). */
const struct activity_sample *monitor_activity_last(const struct joulestat *js);

/* Whether the activity's tasks carry syscall counts: opts.syscalls with the eBPF collector. */
bool monitor_syscalls_counted(const struct joulestat *js);

#endif
