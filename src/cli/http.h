/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * http.h - the exporter's HTTP side, on libmicrohttpd: GET /metrics (the
 * latest page, in the format the Accept header prefers), GET / (the live
 * page: one self-contained document under a strict Content-Security-Policy),
 * GET /api/v1/snapshot (the latest interval as JSON, docs/API.md), GET
 * /api/v1/stream (server-sent events: the last intervals' points, then each
 * interval's snapshot), GET /healthz.
 *
 * Scrapes never trigger or wait for a sample: the sampling loop renders
 * each interval's page once, in both formats, and publishes it; a request
 * takes a reference to the current page under a mutex held for a pointer
 * swap, and the page is freed when its last response has been sent. So any
 * number of concurrent scrapes costs no sampling work and sees one
 * consistent interval.
 *
 * Hostile clients (conntab.h): a request must arrive whole within
 * HTTP_REQUEST_S of its connection (or of the previous response on a
 * kept-alive one) and its response be sent within HTTP_RESPONSE_S; one
 * client address holds at most HTTP_PER_ADDR connections and the server
 * HTTP_LIVE_CONNECTIONS; past a limit, a new connection closes the oldest
 * one whose request has not arrived whole. So a scraper, which sends its
 * request at once, is served while any number of slow clients, from any
 * address or its own, try to hold the server.
 *
 * Streams live as long as their client reads: a stream's connection is
 * STREAMING in conntab, where HTTP_RESPONSE_S may not pass without the
 * client taking what it was sent (a heartbeat every HTTP_STREAM_HEARTBEAT_S
 * keeps a quiet stream moving), instead of the whole response's deadline.
 * At most HTTP_STREAMS are open; past that a new one gets 503 and the page
 * polls /api/v1/snapshot. A stream holds no events of its own: it is a
 * cursor into the ring of the last HTTP_HISTORY intervals (sse.h), with one
 * block in libmicrohttpd and a small socket buffer, so a client that stops
 * reading costs a few dozen KiB until it is closed.
 *
 * With a web configuration file (webcfg.h) it serves HTTPS and asks every
 * request for a user and password (HTTP basic authentication, bcrypt).
 */
#ifndef JOULESTAT_HTTP_H
#define JOULESTAT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"
#include "sse.h"
#include "webview.h"

/* One interval's metrics, in both formats. Reference-counted; immutable once published. */
struct http_page;

/*
 * A page from two rendered buffers; takes ownership of their memory (the
 * buffers are zeroed), also on failure. NULL on ENOMEM.
 */
struct http_page *http_page_new(struct expo_buf *text, struct expo_buf *openmetrics);

/* Drop a reference (NULL is a no-op). */
void http_page_unref(struct http_page *p);

/*
 * Give a page, before it is published, the interval's snapshot JSON for
 * /api/v1/snapshot and the view it was rendered from (kept, so that a
 * request can be answered from it: http.c's body_for()). Takes ownership
 * of both (the buffer is zeroed). A page without them answers 503.
 */
void http_page_attach_web(struct http_page *p, struct expo_buf *snapshot_json,
			  struct webview *view);

#define HTTP_REQUEST_S 10
#define HTTP_RESPONSE_S 60
#define HTTP_PER_ADDR 128
#define HTTP_LIVE_CONNECTIONS 384
#define HTTP_STREAMS 32			/* open /api/v1/stream responses, from any address */
#define HTTP_HISTORY 300		/* intervals a new stream gets as points */
#define HTTP_STREAM_HEARTBEAT_S 15	/* a quiet stream's comment line */

/*
 * Bind and listen on "ADDR:PORT" (IPv4 "127.0.0.1:9877", IPv6 "[::1]:9877",
 * or a host name; port 0 picks a free one). Returns the socket, or -errno
 * with a sentence in `err` that names the address and the fix: -EINVAL for
 * a malformed ADDR:PORT (saying which part is wrong), EADDRINUSE when
 * something already listens there. The address actually bound is written
 * to `bound` ("127.0.0.1:41234").
 */
int http_listen(const char *addr_port, char *bound, size_t bound_size, char *err, size_t err_size);

/* Does the listening socket `fd` accept loopback connections only (127.0.0.0/8, ::1)? */
bool http_is_loopback(int fd);

/* TLS credentials and users, loaded from a web configuration file. */
struct http_security;

/*
 * Load the web configuration file `path` (webcfg.h) and the certificate and
 * key it names (relative paths are relative to its directory). Returns 0,
 * -EINVAL for a malformed file or a hash this system's crypt() cannot check
 * (a usage error), or -errno for a file that cannot be read; `err` names
 * the file, the line or key, and the fix.
 */
int http_security_load(const char *path, struct http_security **ret, char *err, size_t err_size);

/* NULL is a no-op; returns NULL. */
struct http_security *http_security_free(struct http_security *s);

bool http_security_tls(const struct http_security *s);
size_t http_security_users(const struct http_security *s);

struct http_server;

struct http_opts {
	int listen_fd;			/* from http_listen(); the server owns it from now on */
	uint64_t interval_ns;		/* sampling interval: /healthz is 503 after 3 missed */
	int verbose;			/* libmicrohttpd's messages on stderr when > 0 */
	const struct http_security *security; /* NULL: plain HTTP, no users; borrowed until
					       * http_stop() */
};

/* Start serving `first` (a reference is taken). -errno on failure, with `err` filled. */
int http_start(const struct http_opts *opts, struct http_page *first, struct http_server **ret,
	       char *err, size_t err_size);

/*
 * Make `p` the page that new requests get (a reference is taken; the
 * previous page goes when its last response is sent) and note the time
 * of the sample behind it (CLOCK_MONOTONIC ns) for /healthz.
 */
void http_publish(struct http_server *s, struct http_page *p, uint64_t sample_ns);

/*
 * Publish an interval's events to the streams (references taken): `point`
 * and `snapshot`, of the same interval, later than the last one (sse.h).
 * Every stream waiting for it is woken.
 */
void http_publish_events(struct http_server *s, struct sse_event *point,
			 struct sse_event *snapshot);

/* Stop serving, close the socket and drop the current page. NULL is a no-op. */
void http_stop(struct http_server *s);

#endif
