/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * names.h - container, pod and namespace names for the ids cgroup paths
 * give, resolved beside sampling, never inside it.
 *
 * A thread of its own asks the sources - the Docker and Podman API sockets
 * (GET /containers/json, read-only), the kubelet's /pods over HTTPS (a
 * bearer token, a CA, or a client certificate) - and keeps their last good
 * answers, bounded. names_lookup() only reads those answers under a mutex
 * held for a table probe; an id it does not know asks the thread for a
 * refresh of the source that should know it (at most once a second per
 * source; an id that a refresh after its first sight did not name waits
 * a minute before it asks again). A source that fails keeps its last good
 * answer, and its state says why (names_take_news(): the sampling thread
 * logs it, so the caller's log callback is only ever called from there).
 */
#ifndef JOULESTAT_NAMES_H
#define JOULESTAT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* Where to ask. NULL or "" leaves a source out. Strings are copied. */
struct names_opts {
	const char *docker_socket;	/* "/run/docker.sock" */
	const char *podman_socket;	/* "/run/podman/podman.sock" */
	const char *kubelet_url;	/* "https://10.0.0.5:10250" (no path) */
	const char *token_file;		/* a bearer token, read at each request (rotated) */
	const char *ca_file;		/* verifies the kubelet; NULL: the system's CAs */
	const char *cert_file;		/* a client certificate (a node's kubeconfig's) */
	const char *key_file;
	bool insecure;			/* do not verify the kubelet's certificate */
	size_t max_entries;		/* containers and pods kept per source; 0: 8192 */
	uint64_t min_refresh_ns;	/* between two requests to a source; 0: 1 s */
	uint64_t retry_unknown_ns;	/* before an id no answer named asks again; 0: 60 s */
	uint64_t timeout_ns;		/* one request; 0: 5 s */
};

struct names;

/*
 * Start the resolver thread. -EINVAL (NULL), -ENOTSUP (built without
 * libcurl, and a source asked for), -ENOMEM, or pthread_create's error.
 */
int names_new(const struct names_opts *opts, struct names **ret);
struct names *names_free(struct names *n);

/* Changes whenever an answer changed the tables: cached look-ups older than it are stale. */
uint64_t names_generation(struct names *n);

/*
 * Fill *ret with what is known of the container and pod `cn` names, "" for
 * the rest; ask for a refresh where something is missing. Never blocks on
 * I/O. An LXC or nspawn container's name is its id already.
 */
void names_lookup(struct names *n, const struct cgroup_names *cn, uint64_t now_ns,
		  struct cgroup_resolved *ret);

/*
 * A line about a source whose state changed since the last call (it
 * answered again, or it failed and why), into buf; false when none.
 * *ret_error: the change is a failure.
 */
bool names_take_news(struct names *n, char *buf, size_t size, bool *ret_error);

/* Ask every source now (tests, and a caller that knows a container just started). */
void names_refresh(struct names *n);

/* Requests made to each source kind so far: [0] docker, [1] podman, [2] kubelet. */
void names_requests(struct names *n, uint64_t ret[3]);

#endif
