/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * webbuild.h - serve's live page: a webview (webview.h) from a snapshot of
 * the monitor, with the copies it needs to outlive the snapshot.
 */
#ifndef JOULESTAT_WEBBUILD_H
#define JOULESTAT_WEBBUILD_H

#include <stdint.h>

#include "joulestat.h"
#include "webview.h"

/*
 * The groupings a monitor must carry for the page: a mask of 1u << enum
 * joulestat_group. All but vm, which the page shows when the monitor carries it.
 */
uint32_t webbuild_groups(void);

/* What serve knows beside the snapshot. */
struct webbuild_extra {
	const char *group;		/* serve's --group */
	bool carbon;			/* a carbon intensity was given */
	double carbon_g_per_kwh;	/* the interval's; NAN: none */
	const char *carbon_origin, *carbon_from;
	double host_co2e_g;
	double self_cpu_s;
	uint64_t self_rss_bytes;
};

/*
 * The view of `snap` (and of the monitor's GPUs as of its last reading).
 * Returns 0 and a new view in *ret; -ENOMEM, or the library's -errno.
 */
int webbuild_view(struct joulestat *js, const struct joulestat_snapshot *snap,
		  const struct webbuild_extra *x, struct webview **ret);

#endif
