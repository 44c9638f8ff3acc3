/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * remote.h - a monitor that is the system's `joulestat daemon` seen through
 * its Unix socket (joulestat_opts.daemon; docs/DAEMON.md, and the protocol
 * in docs/FORMAT.md). Every public call on such a monitor lands here: the
 * machine's description (topology, sources, collectors, domains) comes from
 * the daemon and is refreshed by joulestat_read_energy(); snapshots are
 * what the daemon sampled for this connection, rebuilt as ordinary
 * immutable snapshots; per-PID queries are asked on a second connection of
 * their own, under a mutex, so that any thread may ask while another
 * samples.
 *
 * The parsers of the daemon's replies (remote_parse_*) are pure, unit-tested
 * and fuzzed: a daemon, or whatever answers on the socket, may send anything.
 */
#ifndef JOULESTAT_REMOTE_H
#define JOULESTAT_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"

struct joulestat;
struct arena_chunk;

/*
 * Connect js (its log, fs and opts already set) to the daemon at `path`
 * and subscribe with o's groupings and interval. Returns 0 with js->remote
 * set; -EOPNOTSUPP when the daemon cannot honour o (its idle policy
 * differs, syscalls asked but not counted; logged at `incompatible_level`);
 * the connection's -errno (-ENOENT, -ECONNREFUSED, -EACCES, -ETIMEDOUT,
 * -EPROTO for something that does not speak the protocol).
 */
int remote_open(struct joulestat *js, const struct joulestat_opts *o, const char *path,
		enum joulestat_log_level incompatible_level);

/* Say goodbye and free js->remote (NULL-safe). */
void remote_free(struct joulestat *js);

/* The public calls of joulestat.h, for a monitor with js->remote. */
int remote_refresh(struct joulestat *js);
size_t remote_source_count(const struct joulestat *js);
int remote_source_get(const struct joulestat *js, size_t idx, struct joulestat_source_info *info);
size_t remote_domain_count(const struct joulestat *js);
int remote_domain_get(const struct joulestat *js, size_t idx, struct joulestat_domain_info *info);
int remote_host_energy(const struct joulestat *js, uint64_t *ret_energy_uj, double *ret_power_w,
		       bool *ret_estimated);
unsigned remote_cpu_count(const struct joulestat *js);
unsigned remote_socket_count(const struct joulestat *js);
int remote_cpu_socket(const struct joulestat *js, unsigned cpu);
const char *remote_cpu_model(const struct joulestat *js);
int remote_model_get(const struct joulestat *js, struct joulestat_model_info *info);
int remote_static_get(const struct joulestat *js, size_t idx, struct joulestat_static_info *info);
size_t remote_collector_count(const struct joulestat *js);
int remote_collector_get(const struct joulestat *js, size_t idx,
			 struct joulestat_collector_info *info);
int remote_read_activity(struct joulestat *js);
int remote_activity_get(const struct joulestat *js, struct joulestat_activity_info *info);
int remote_sample(struct joulestat *js, struct joulestat_snapshot **ret);
int remote_set_groups(struct joulestat *js, uint32_t groups);
int remote_tree(struct joulestat *js, int pid, bool add);
/* n PIDs; `single`: one PID, -ENOENT/-EACCES when not found, else the count found. */
int remote_pid_energy(const struct joulestat *js, const int *pids, size_t n,
		      struct joulestat_pid_energy *ret, bool single);
int remote_fd(struct joulestat *js);
int remote_dispatch(struct joulestat *js, joulestat_snapshot_fn cb, void *userdata);
int remote_daemon_get(const struct joulestat *js, struct joulestat_daemon_info *info);

/* ---- the pure parsers of replies ---- */

/*
 * The machine as the daemon describes it (a "monitor" reply). Strings and
 * arrays live in `arena` and the arrays below, freed by remote_desc_free().
 */
struct remote_desc {
	struct arena_chunk *arena;
	unsigned ncpus, nsockets;
	const char *cpu_model;
	int *cpu_socket;		/* [ncpu_socket]: socket of each CPU id, -1 offline */
	unsigned ncpu_socket;
	struct joulestat_source_info *sources;
	size_t nsources;
	struct joulestat_collector_info *collectors;
	size_t ncollectors;
	bool have_activity;
	struct joulestat_activity_info activity;
	double *coverage;		/* [activity.ncpus] */
	struct joulestat_domain_info *domains;
	struct joulestat_static_info *statics;	/* [ndomains] */
	uint64_t *masks;		/* every domain's cpu_mask, one after the other */
	size_t ndomains;
	bool have_model;
	struct joulestat_model_info model;
};

/*
 * Parse a "monitor" reply's payload into *ret. Returns 0; -EPROTO (with a
 * sentence in err) when it is not one; -ENOMEM. On error *ret is untouched.
 */
int remote_parse_monitor(const char *buf, size_t len, struct remote_desc *ret, char *err,
			 size_t errsize);
void remote_desc_free(struct remote_desc *d);

/*
 * Parse a "sample" reply's payload into a new snapshot numbered `seq`.
 * *ret_daemon_seq gets the daemon's last sample in it, *ret_samples how
 * many of its samples it merges (0: nothing was sampled since the last
 * one, and *ret is NULL). Returns 0; -EPROTO (err says why); -ENOMEM.
 */
int remote_parse_snapshot(const char *buf, size_t len, uint64_t seq,
			  struct joulestat_snapshot **ret, uint64_t *ret_daemon_seq,
			  uint64_t *ret_samples, char *err, size_t errsize);

#endif
