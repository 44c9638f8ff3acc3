/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * webview.h - one interval as serve's live page and its API see it: the
 * host's power and ledger, the domains, the GPUs, the top groups of every
 * grouping and the rows of each (docs/API.md), and its JSON.
 *
 * The sampling loop builds a webview from each snapshot (cmd_serve.c) and
 * renders it once: the whole snapshot (GET /api/v1/snapshot, the stream's
 * "snapshot" event) and its point (the stream's "point" event: what a chart
 * needs of an interval, the same keys without the rows). A view owns copies
 * of every string, so it outlives its snapshot and can be read from any
 * thread once built.
 *
 * Who may see what: the render functions take a filter that decides, row
 * by row, what a requester sees (NULL: everything, which is what /metrics
 * shows). A disclosure policy plugs in there (http.c says where).
 *
 * Pure: no I/O beyond writing to memory. Not thread-safe while built.
 */
#ifndef JOULESTAT_WEBVIEW_H
#define JOULESTAT_WEBVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"

/* The groupings the page switches between, in its order ("vm" only when carried). */
#define WEBVIEW_GROUPINGS 7
/* Rows per grouping in a snapshot (the largest by power); the count of all is given. */
#define WEBVIEW_ROWS_MAX 200
/* Groups per grouping in a point (the top of the interval), the rest as "other". */
#define WEBVIEW_TOP 8

extern const char *const webview_grouping_names[WEBVIEW_GROUPINGS];

struct webview_domain {
	char *name, *kind, *source, *status;
	int socket;			/* -1: machine-wide */
	bool estimated, in_host_total, refused, warming_up;
	double power_w;			/* NAN: unknown (warming up, refused) */
	double tasks_w, idle_w, unattributed_w;
	uint64_t energy_uj;		/* cumulative counter */
};

struct webview_gpu {
	char *domain, *name, *vendor, *split;
	int util_pct;			/* -1: unknown */
	int temp_c;			/* meaningful when has_temp */
	bool has_temp, sampled;
	uint64_t mem_used_bytes, mem_total_bytes;
	double power_w;			/* its domain's; NAN unknown */
};

/* One group of one grouping over the interval. */
struct webview_row {
	char *key;			/* stable identity: "pid@start" for a process, else the name */
	char *name;			/* comm, user, unit, container or cgroup path */
	int pid;			/* process rows; 0 otherwise */
	uint32_t uid;			/* process and user rows */
	char *user;			/* process and user rows; NULL otherwise */
	char *unit, *container;		/* process rows: "" for none */
	double power_w;
	uint64_t energy_uj;		/* since serve first saw the group */
	double cpu_pct;			/* one CPU = 100 */
	double share;			/* of the host's task energy, 0..1 */
	bool estimated;
	size_t tasks;
	uint64_t syscalls;		/* meaningful when the view counts syscalls */
};

struct webview_grouping {
	bool absent;			/* the snapshot does not carry it: left out of the JSON */
	struct webview_row *rows;	/* [nrows], largest power first */
	size_t nrows;
	size_t total;			/* rows the snapshot had (nrows ≤ WEBVIEW_ROWS_MAX) */
	double other_w;			/* the task power beyond the top WEBVIEW_TOP */
};

struct webview {
	uint64_t seq;
	double time_s;			/* Unix time of the interval's end */
	double interval_s;
	char *host, *version, *idle_policy, *collector, *group;
	bool estimated, warming_up, refused, syscalls;
	double power_w;			/* the host's; NAN unknown */
	double tasks_w, idle_w, unattributed_w;
	double coverage, captured;
	uint64_t dropped;
	struct webview_domain *domains;
	size_t ndomains;
	struct webview_gpu *gpus;
	size_t ngpus;
	struct webview_grouping groupings[WEBVIEW_GROUPINGS];	/* by webview_grouping_names */
	/* With a carbon intensity: the interval's, where from, the host's grams so far. */
	bool carbon;
	double carbon_g_per_kwh;	/* NAN: none covered the interval */
	char *carbon_origin, *carbon_from;
	double host_co2e_g;
	/* joulestat itself */
	double self_cpu_s;
	uint64_t self_rss_bytes;
};

/* A view with nothing in it (every number 0, power NAN); NULL on ENOMEM. */
struct webview *webview_new(void);

/* NULL-safe; returns NULL. */
struct webview *webview_free(struct webview *v);

/* strdup(s) (s NULL: ""), or NULL on ENOMEM. */
char *webview_strdup(const char *s);

/*
 * Who sees what: `row_visible` is asked of every row of every grouping
 * (NULL: all are); rows it hides are left out of the snapshot's rows, and
 * their power goes to "other" in the points' top groups, so the sums still
 * hold and nothing hidden is named.
 */
struct webview_filter {
	bool (*row_visible)(const struct webview_row *row, const char *grouping, void *ctx);
	void *ctx;
};

/*
 * The snapshot as JSON (docs/API.md), one line, into `out` (appended; its
 * memory the caller's). -ENOMEM.
 */
int webview_snapshot_json(const struct webview *v, const struct webview_filter *f,
			  struct expo_buf *out);

/* The interval's point (the chart's part of the snapshot), likewise. */
int webview_point_json(const struct webview *v, const struct webview_filter *f,
		       struct expo_buf *out);

#endif
