/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * srcenv.h - drive one energy source through its source_ops by hand, over a
 * fixture tree, with the clock in the test's hands: the context a monitor
 * would build (roots, topology, domain list, options, a logger that keeps
 * every message so tests can check that errors name their file).
 */
#ifndef JOULESTAT_SRCENV_H
#define JOULESTAT_SRCENV_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "monitor.h"
#include "source.h"
#include "topology.h"
#include "util.h"

struct srcenv {
	struct fsroot fs;
	struct topology topo;
	struct domain_list domains;
	struct joulestat_opts opts;
	struct logger log;
	struct source_ctx ctx;
	struct source_slot slot;
	char reason[SOURCE_REASON_MAX];
	char logbuf[16384];
	int open_ret;
};

static void srcenv_log(enum joulestat_log_level level, const char *msg, void *userdata)
{
	struct srcenv *e = userdata;
	size_t n = strlen(e->logbuf);

	snprintf(e->logbuf + n, sizeof(e->logbuf) - n, "%s\n", msg);
}

/*
 * Set up roots <dir>/sys, <dir>/proc and <dir>/dev (never the host's: a test
 * may create device files after this). With ncpus > 0 the topology is one
 * socket of CPUs 0..ncpus-1 (for trees without a cpu directory); else it is
 * read from the tree.
 */
static inline struct srcenv *srcenv_new(const char *dir, unsigned ncpus)
{
	struct srcenv *e = calloc(1, sizeof(*e));
	char sys[4096], proc[4096], dev[4096];

	assert_non_null(e);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	assert_int_equal(fsroot_init(&e->fs, sys, proc, dev), 0);
	e->log = (struct logger){ .fn = srcenv_log, .userdata = e, .max_level = JOULESTAT_LOG_DEBUG };
	if (ncpus) {
		for (unsigned c = 0; c < ncpus; c++) {
			cpuset_set(&e->topo.online, c);
			cpuset_set(&e->topo.socket_cpus[0], c);
		}
		e->topo.ncpus = ncpus;
		e->topo.nsockets = 1;
		{
			char buf[8192];
			ssize_t n = fsroot_read(&e->fs, FS_PROC, "cpuinfo", buf, sizeof(buf));

			parse_cpuinfo(buf, n > 0 ? (size_t)n : 0, &e->topo.cpu);
		}
	} else {
		assert_int_equal(topology_read(&e->fs, NULL, &e->topo), 0);
	}
	e->opts.sz = sizeof(e->opts);
	e->ctx = (struct source_ctx){
		.fs = &e->fs,
		.topo = &e->topo,
		.log = &e->log,
		.opts = &e->opts,
		.domains = &e->domains,
	};
	return e;
}

/* ops->open(); the result is kept in e->open_ret and returned. */
static inline int srcenv_open(struct srcenv *e, const struct source_ops *ops)
{
	e->slot.ops = ops;
	e->reason[0] = '\0';
	e->open_ret = ops->open(&e->ctx, &e->slot, &e->slot.state, e->reason, sizeof(e->reason));
	if (e->open_ret < 0)
		e->slot.state = NULL;
	return e->open_ret;
}

static inline int srcenv_read(struct srcenv *e, uint64_t now_ns)
{
	return e->slot.ops->read(e->slot.state, &e->ctx, now_ns);
}

static inline struct domain *srcenv_find(struct srcenv *e, const char *name)
{
	return domain_list_find(&e->domains, name);
}

/*
 * The latest timestamp of any domain: each was stamped by the real clock
 * when its zone was opened, one after another, so a read meant to come
 * after every one of them starts from here, however slowly they opened.
 */
static inline uint64_t srcenv_latest_ns(const struct srcenv *e)
{
	uint64_t t = 0;

	for (size_t i = 0; i < e->domains.n; i++)
		t = MAX(t, e->domains.v[i]->timestamp_ns);
	return t;
}

static inline void srcenv_free(struct srcenv *e)
{
	if (!e)
		return;
	domain_list_done(&e->domains);
	if (e->slot.ops && e->slot.ops->close)
		e->slot.ops->close(e->slot.state);
	fsroot_done(&e->fs);
	free(e);
}

#endif
