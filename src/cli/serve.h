/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * serve.h - serve's exporter (HTTP /metrics, the OpenMetrics file for PCP;
 * docs/METRICS.md) inside another program's sampling loop: `joulestat
 * daemon --listen` exports what it samples, so one monitor serves both its
 * clients and Prometheus, never two competing for the same counters.
 * The metrics are serve's, family for family.
 */
#ifndef JOULESTAT_SERVE_H
#define JOULESTAT_SERVE_H

#include <stdint.h>

#include "joulestat.h"

struct serve_embed_opts {
	const char *listen;		/* "ADDR:PORT", or NULL: no HTTP */
	const char *om_file;		/* the OpenMetrics file, or NULL */
	enum joulestat_group group;	/* series per group (comm, cgroup, unit, container, user, process) */
	const char *web_config;		/* TLS and basic authentication, or NULL */
	uint64_t interval_ns;		/* the sampling interval (pages expire after it) */
	int verbose;
};

struct serve_embed;

/*
 * Start exporting what js samples: the port bound and served, the file's
 * first page written, the machine's resources turned on. Errors are
 * printed (naming the address or the file and the fix); returns -errno
 * (-EINVAL for a malformed address or web configuration: a usage error).
 */
int serve_embed_start(struct joulestat *js, const struct serve_embed_opts *o,
		      struct serve_embed **ret);

/* Account one snapshot (the monitor must carry o->group) and publish the page. NULL-safe. */
int serve_embed_snapshot(struct serve_embed *e, struct joulestat_snapshot *snap,
			 uint64_t sample_ns);

/* Stop serving, remove the file (a page left behind would read as current). NULL-safe. */
void serve_embed_stop(struct serve_embed *e);

#endif
