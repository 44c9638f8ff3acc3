/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * http.c - /metrics, /, /healthz, /api/v1/snapshot and /api/v1/stream on
 * libmicrohttpd, serving pre-rendered pages and events (see http.h).
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <microhttpd.h>

#include "accept.h"
#include "conntab.h"
#include "http.h"
#include "sse.h"
#include "web_page.h"
#include "webcfg.h"
#include "webview.h"

/*
 * Request headers beyond this get 431 from libmicrohttpd: a scraper sends a
 * few hundred bytes, and the limit bounds what a bad client can make us hold.
 */
#define HTTP_MEMORY_LIMIT (16 * 1024)
/*
 * libmicrohttpd's own limit: above the live connections conntab allows, so
 * that connections it has asked to close, until they are gone, never make
 * libmicrohttpd refuse (or stop accepting) a new one. Below the usual 1024
 * descriptors a process may open.
 */
#define HTTP_CONNECTION_LIMIT 512
#define HTTP_TIMEOUT_S 30	/* idle; the deadlines of conntab come first */
#define HTTP_THREADS 2
#define HTTP_FILE_MAX (1024 * 1024)	/* web config, certificate, key */
#define HTTP_REALM "joulestat"
#define AUTH_CACHE 16
#define NSEC_PER_SEC 1000000000ULL
/*
 * A stream's pieces: libmicrohttpd holds one block of it at a time, and
 * the kernel at most HTTP_STREAM_SNDBUF (doubled by Linux) of what was
 * sent; the rest is a reference to an event of the ring (sse.h). So a
 * client that stops reading costs at most these bytes, and is closed
 * HTTP_RESPONSE_S after it last took a piece.
 */
#define HTTP_STREAM_BLOCK (16 * 1024)
#define HTTP_STREAM_SNDBUF (64 * 1024)
#define HTTP_STREAM_STOP_S 3	/* how long http_stop() waits for the streams to end */

_Static_assert(HTTP_LIVE_CONNECTIONS < HTTP_CONNECTION_LIMIT, "room for closing connections");
_Static_assert(HTTP_PER_ADDR <= HTTP_LIVE_CONNECTIONS, "an address gets at most the table");

struct http_security {
	struct webcfg *cfg;
	char *cert_pem, *key_pem;
	const char *priorities;		/* GnuTLS: the TLS versions offered */
};

struct http_page {
	int refs;
	struct expo_buf text;
	struct expo_buf om;
	/* The live page's snapshot (JSON), and the view it was rendered from. */
	struct expo_buf json;
	struct webview *view;
};

/* One GET /api/v1/stream: where it is in the ring, and the event it is writing. */
struct http_stream {
	struct http_server *s;
	struct MHD_Connection *c;
	int slot;			/* conntab's; -1: untracked */
	uint64_t cursor;		/* the last interval sent (sse.h) */
	struct sse_event *cur;		/* being written, from `off` */
	size_t off;
	bool hello_sent;		/* the "retry:" line */
	bool suspended;			/* waiting for the next event (libmicrohttpd's suspend) */
	bool closing;			/* end it at its next call */
	uint64_t last_ns;		/* when it last sent something: heartbeats */
	struct http_stream *prev, *next;
};

struct http_server {
	struct MHD_Daemon *daemon;
	int fd;
	pthread_mutex_t lock;		/* guards page and sample_ns */
	struct http_page *page;
	uint64_t sample_ns;
	uint64_t interval_ns;
	int verbose;
	const struct http_security *sec;

	/* Connections: conntab under conn_lock; the reaper closes those past a deadline. */
	pthread_mutex_t conn_lock;
	pthread_cond_t conn_cond;	/* CLOCK_MONOTONIC; wakes the reaper */
	struct conntab *conns;
	pthread_t reaper;
	bool reaper_started, stopping;

	/*
	 * Streams and the ring of events they send, under stream_lock (taken
	 * after conn_lock when both are held). stream_cond: a stream ended.
	 */
	pthread_mutex_t stream_lock;
	pthread_cond_t stream_cond;
	struct sse_ring *ring;
	struct http_stream *streams;
	size_t nstreams;
	bool streams_stopping;

	/* Verified "user:password" pairs, as a salted SHA-256 crypt: bcrypt once per pair. */
	pthread_mutex_t auth_lock;
	char auth_salt[40];
	char auth_cache[AUTH_CACHE][128];
	unsigned auth_next;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct http_page *http_page_new(struct expo_buf *text, struct expo_buf *openmetrics)
{
	struct http_page *p = calloc(1, sizeof(*p));

	if (!p) {
		expo_buf_free(text);
		expo_buf_free(openmetrics);
		return NULL;
	}
	p->refs = 1;
	p->text = *text;
	p->om = *openmetrics;
	*text = (struct expo_buf){ 0 };
	*openmetrics = (struct expo_buf){ 0 };
	return p;
}

static struct http_page *page_ref(struct http_page *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

void http_page_unref(struct http_page *p)
{
	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	expo_buf_free(&p->text);
	expo_buf_free(&p->om);
	expo_buf_free(&p->json);
	webview_free(p->view);
	free(p);
}

void http_page_attach_web(struct http_page *p, struct expo_buf *snapshot_json, struct webview *view)
{
	expo_buf_free(&p->json);
	webview_free(p->view);
	p->json = *snapshot_json;
	*snapshot_json = (struct expo_buf){ 0 };
	p->view = view;
}

static void page_release(void *cls)
{
	http_page_unref(cls);
}

/*
 * Split "ADDR:PORT" (ADDR may be "[IPv6]") into host and port; -EINVAL with
 * a sentence naming the part that is wrong.
 */
static int split_listen(const char *arg, char *host, size_t host_size, char *port,
			size_t port_size, char *err, size_t err_size)
{
	const char *colon = strrchr(arg, ':'), *h = arg, *p;
	size_t hl, pl;

	if (!colon) {
		snprintf(err, err_size, "--listen %.80s: no port: give ADDR:PORT, e.g. "
					"127.0.0.1:9877", arg);
		return -EINVAL;
	}
	hl = (size_t)(colon - arg);
	if (arg[0] == '[' && strchr(arg, ']') && colon < strchr(arg, ']')) {
		snprintf(err, err_size, "--listen %.80s: no port after the address: e.g. "
					"[::1]:9877", arg);
		return -EINVAL;
	}
	if (arg[0] == '[') { /* [IPv6]:port */
		if (hl < 2 || arg[hl - 1] != ']') {
			snprintf(err, err_size, "--listen %.80s: an IPv6 address goes in brackets "
						"before the port, e.g. [::1]:9877", arg);
			return -EINVAL;
		}
		h++;
		hl -= 2;
		if (hl == 0) {
			snprintf(err, err_size, "--listen %.80s: the brackets hold no address; "
						"e.g. [::1]:9877", arg);
			return -EINVAL;
		}
	} else if (memchr(arg, ':', hl)) {
		snprintf(err, err_size, "--listen %.80s: an IPv6 address goes in brackets, e.g. "
					"[::1]:9877", arg);
		return -EINVAL;
	}
	if (hl == 0) {
		snprintf(err, err_size, "--listen %.80s: no address before the port: e.g. "
					"127.0.0.1%s (0.0.0.0 for every interface)", arg, colon);
		return -EINVAL;
	}
	/* RFC 1035: a name has at most 253 characters; an address is shorter. */
	if (hl > 253 || hl >= host_size) {
		snprintf(err, err_size, "--listen: the address is %zu characters long: a host "
					"name has at most 253; give a numeric address such as "
					"127.0.0.1", hl);
		return -EINVAL;
	}
	p = colon + 1;
	pl = strlen(p);
	if (pl == 0) {
		snprintf(err, err_size, "--listen %.80s: no port after ':': give one from 0 to "
					"65535 (0 picks a free one)", arg);
		return -EINVAL;
	}
	if (strspn(p, "0123456789") != pl) {
		snprintf(err, err_size, "--listen: the port '%.20s%s' is not a number: give one "
					"from 0 to 65535", p, pl > 20 ? "..." : "");
		return -EINVAL;
	}
	while (pl > 1 && *p == '0') { /* 009877 is 9877 */
		p++;
		pl--;
	}
	if (pl > 5 || strtol(p, NULL, 10) > 65535) {
		snprintf(err, err_size, "--listen: the port %.20s%s is out of range: give one "
					"from 0 to 65535", p, pl > 20 ? "..." : "");
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, port_size, "%ld", strtol(p, NULL, 10));
	return 0;
}

int http_listen(const char *addr_port, char *bound, size_t bound_size, char *err, size_t err_size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[8], nhost[INET6_ADDRSTRLEN];
	int fd = -1, one = 1, r;

	r = split_listen(addr_port, host, sizeof(host), port, sizeof(port), err, err_size);
	if (r < 0)
		return r;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(err, err_size, "--listen: '%s' is neither a numeric address nor a host "
					"name that resolves (%s); e.g. 127.0.0.1 or [::1]",
			 host, gai_strerror(r));
		return -EINVAL;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, err_size, "cannot create a socket for %s: %s", host, strerror(-r));
		goto out;
	}
	/* Lets a restart bind while old connections sit in TIME_WAIT; never shares a live port. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		r = -errno;
		if (r == -EADDRINUSE)
			snprintf(err, err_size,
				 "cannot listen on %s:%s: the address is already in use (another "
				 "exporter runs there?); choose another with --listen ADDR:PORT",
				 host, port);
		else if (r == -EADDRNOTAVAIL)
			snprintf(err, err_size,
				 "cannot listen on %s:%s: no local interface has that address",
				 host, port);
		else if (r == -EACCES)
			snprintf(err, err_size,
				 "cannot listen on %s:%s: permission denied (ports below 1024 "
				 "need CAP_NET_BIND_SERVICE)", host, port);
		else
			snprintf(err, err_size, "cannot listen on %s:%s: %s", host, port,
				 strerror(-r));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, nhost, sizeof(nhost));
			snprintf(bound, bound_size, "[%s]:%u", nhost, ntohs(a->sin6_port));
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, nhost, sizeof(nhost));
			snprintf(bound, bound_size, "%s:%u", nhost, ntohs(a->sin_port));
		}
	} else {
		snprintf(bound, bound_size, "%s:%s", host, port);
	}
	r = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return r;
}

/* A client or socket address as conntab's 16 bytes: IPv6, IPv4 mapped (::ffff:a.b.c.d). */
static void addr_key(const struct sockaddr *sa, uint8_t key[CONNTAB_ADDR_LEN])
{
	memset(key, 0, CONNTAB_ADDR_LEN);
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, CONNTAB_ADDR_LEN);
	} else if (sa && sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
}

bool http_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t k[CONNTAB_ADDR_LEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return false;
	addr_key((struct sockaddr *)&ss, k);
	return memcmp(k, v6_loopback, 16) == 0 || (memcmp(k, v4_mapped, 12) == 0 && k[12] == 127);
}

/* ---- the web configuration: TLS credentials, users ---- */

/* Read a whole regular file of at most HTTP_FILE_MAX bytes, NUL-terminated. */
static int read_small_file(const char *path, char **ret, size_t *ret_len, char *err,
			   size_t err_size, const char *what)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t k;
	int fd, r;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, err_size, "%s %s: %s", what, path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err, err_size, "%s %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_size > HTTP_FILE_MAX) {
		r = -EFBIG;
		snprintf(err, err_size, "%s %s: %lld bytes, more than the %d a %s may have", what,
			 path, (long long)st.st_size, HTTP_FILE_MAX, what);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	while (n < (size_t)st.st_size && (k = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)k;
	if (n < (size_t)st.st_size) {
		r = k < 0 ? -errno : -EIO;
		snprintf(err, err_size, "%s %s: %s", what, path,
			 k < 0 ? strerror(-r) : "shorter than its size (changing?)");
		goto out;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

/* `name` relative to the directory of `base` (as the exporters do); absolute as it is. */
static char *relative_to(const char *base, const char *name)
{
	const char *slash = strrchr(base, '/');
	char *out;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - base), base, name) < 0)
		return NULL;
	return out;
}

/* crypt(3) of `phrase` with `setting`, compared in constant time with `want`. */
static bool crypt_matches(const char *phrase, const char *setting, const char *want)
{
	struct crypt_data *d = calloc(1, sizeof(*d));
	const char *out;
	size_t n = strlen(want);
	unsigned char diff = 0;
	bool ok;

	if (!d)
		return false;
	out = crypt_rn(phrase, setting, d, sizeof(*d));
	ok = out && out[0] != '*' && strlen(out) == n;
	for (size_t i = 0; ok && i < n; i++)
		diff |= (unsigned char)(out[i] ^ want[i]);
	ok = ok && diff == 0;
	explicit_bzero(d, sizeof(*d));
	free(d);
	return ok;
}

int http_security_load(const char *path, struct http_security **ret, char *err, size_t err_size)
{
	struct http_security *sec = calloc(1, sizeof(*sec));
	char *text = NULL, *file = NULL, perr[384];
	size_t text_len = 0, len;
	int r;

	if (!sec) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	r = read_small_file(path, &text, &text_len, err, err_size, "--web-config-file");
	if (r < 0)
		goto out;
	r = parse_webcfg(text, text_len, &sec->cfg, perr, sizeof(perr));
	if (r < 0) {
		snprintf(err, err_size, "--web-config-file %s: %s", path, perr);
		goto out;
	}
	for (size_t i = 0; i < sec->cfg->nusers; i++) {
		/* A bcrypt this libcrypt cannot compute would refuse everyone, at every scrape. */
		const struct webcfg_user *u = &sec->cfg->users[i];
		struct crypt_data *d = calloc(1, sizeof(*d));
		const char *out = d ? crypt_rn("joulestat", u->hash, d, sizeof(*d)) : NULL;
		bool ok = out && out[0] != '*';

		free(d);
		if (!ok) {
			r = -EINVAL;
			snprintf(err, err_size, "--web-config-file %s: basic_auth_users: %s: this "
						"system's crypt() cannot check the hash %.7s...",
				 path, u->name, u->hash);
			goto out;
		}
	}
	if (sec->cfg->cert_file) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			r = -ENOTSUP;
			snprintf(err, err_size, "--web-config-file %s: tls_server_config: this "
						"libmicrohttpd was built without TLS", path);
			goto out;
		}
		file = relative_to(path, sec->cfg->cert_file);
		r = file ? read_small_file(file, &sec->cert_pem, &len, err, err_size,
					   "certificate (tls_server_config: cert_file)")
			 : -ENOMEM;
		if (r == 0 && !strstr(sec->cert_pem, "-----BEGIN CERTIFICATE-----")) {
			r = -EINVAL;
			snprintf(err, err_size, "certificate %s (tls_server_config: cert_file): "
						"not a PEM certificate (-----BEGIN CERTIFICATE-----)",
				 file);
		}
		free(file);
		file = NULL;
		if (r == 0) {
			file = relative_to(path, sec->cfg->key_file);
			r = file ? read_small_file(file, &sec->key_pem, &len, err, err_size,
						   "key (tls_server_config: key_file)")
				 : -ENOMEM;
		}
		if (r == -ENOMEM)
			snprintf(err, err_size, "out of memory");
		if (r < 0)
			goto out;
		if (!strstr(sec->key_pem, "PRIVATE KEY-----") ||
		    strstr(sec->key_pem, "ENCRYPTED PRIVATE KEY")) {
			r = -EINVAL;
			snprintf(err, err_size, "key %s (tls_server_config: key_file): not an "
						"unencrypted PEM private key",
				 file);
			goto out;
		}
		sec->priorities = sec->cfg->min_version == WEBCFG_TLS13
					  ? "NORMAL:-VERS-ALL:+VERS-TLS1.3"
					  : "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
	}
	*ret = sec;
	sec = NULL;
	r = 0;
out:
	free(file);
	if (text) {
		explicit_bzero(text, text_len);
		free(text);
	}
	http_security_free(sec);
	return r;
}

struct http_security *http_security_free(struct http_security *s)
{
	if (!s)
		return NULL;
	webcfg_free(s->cfg);
	free(s->cert_pem);
	if (s->key_pem) {
		explicit_bzero(s->key_pem, strlen(s->key_pem));
		free(s->key_pem);
	}
	free(s);
	return NULL;
}

bool http_security_tls(const struct http_security *s)
{
	return s && s->cert_pem;
}

size_t http_security_users(const struct http_security *s)
{
	return s ? s->cfg->nusers : 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * The live page (src/cli/web/, embedded by tools/embed-web.py): its one
 * style and one script run by their hashes, nothing else may load or run,
 * it is not framed, and it reaches only this server.
 */
static enum MHD_Result serve_index(struct MHD_Connection *c)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(sizeof(web_page_html) - 1, (void *)web_page_html,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", WEB_PAGE_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Who asks, for body_for(): today nothing about them changes what they get. */
struct http_viewer {
	struct MHD_Connection *c;
};

/*
 * The one place a request's interval data is chosen: the snapshot's JSON
 * (and, in stream_read(), each event of a stream, through
 * stream_event_for()). Today every requester gets the bytes rendered once
 * per interval, as /metrics shows every process to whoever may read it.
 * A disclosure policy (who may see other users' processes) goes here: it
 * renders for the viewer from p->view with webview_snapshot_json() and a
 * webview_filter that hides the rows the viewer may not see, and returns
 * that buffer instead (its memory freed with the response).
 */
static const struct expo_buf *body_for(const struct http_viewer *who, struct http_page *p)
{
	(void)who;
	return &p->json;
}

static enum MHD_Result serve_snapshot(struct http_server *s, struct MHD_Connection *c)
{
	struct http_viewer who = { c };
	const struct expo_buf *b;
	struct MHD_Response *resp;
	struct http_page *p;
	enum MHD_Result ret;

	pthread_mutex_lock(&s->lock);
	p = page_ref(s->page);
	pthread_mutex_unlock(&s->lock);
	b = body_for(&who, p);
	if (!b->len) {
		http_page_unref(p);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
			     "no interval sampled yet: ask again after the first interval\n", NULL);
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, page_release,
								      p);
	if (!resp) {
		http_page_unref(p);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	struct accept_pref pref = { 0, 1000 };
	enum accept_choice choice = ACCEPT_TEXT;
	struct MHD_Response *resp;
	struct http_page *p;
	struct expo_buf *b;
	enum MHD_Result ret;

	if (accept) {
		if (parse_accept(accept, strlen(accept), &pref) < 0)
			return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
				     "malformed Accept header\n", NULL);
		choice = accept_choose(&pref);
	}
	if (choice == ACCEPT_NONE)
		return reply(c, MHD_HTTP_NOT_ACCEPTABLE, "text/plain; charset=utf-8",
			     "/metrics is served as text/plain; version=0.0.4 or "
			     "application/openmetrics-text; version=1.0.0; the Accept header "
			     "allows neither\n",
			     NULL);
	pthread_mutex_lock(&s->lock);
	p = page_ref(s->page);
	pthread_mutex_unlock(&s->lock);
	b = choice == ACCEPT_OPENMETRICS ? &p->om : &p->text;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, page_release,
								      p);
	if (!resp) {
		http_page_unref(p);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				expo_content_type(choice == ACCEPT_OPENMETRICS ? EXPO_OPENMETRICS
									       : EXPO_TEXT));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_health(struct http_server *s, struct MHD_Connection *c)
{
	uint64_t last, now = mono_ns();
	static char stale[] = "stale: no sample for more than three intervals\n";

	pthread_mutex_lock(&s->lock);
	last = s->sample_ns;
	pthread_mutex_unlock(&s->lock);
	if (now > last && now - last > 3 * s->interval_ns + 1000000000ULL)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", stale,
			     NULL);
	return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n", NULL);
}

/* ---- basic authentication ---- */

/* "user:password" under the process's salt, into out[128]; false when crypt fails. */
static bool auth_key(const struct http_server *s, const char *user, const char *pass,
		     char out[128])
{
	struct crypt_data *d = calloc(1, sizeof(*d));
	char *phrase = NULL;
	const char *h = NULL;
	bool ok;

	if (d && asprintf(&phrase, "%s:%s", user, pass) >= 0)
		h = crypt_rn(phrase, s->auth_salt, d, sizeof(*d));
	ok = h && h[0] != '*' && strlen(h) < 128;
	if (ok)
		memcpy(out, h, strlen(h) + 1);
	if (phrase) {
		explicit_bzero(phrase, strlen(phrase));
		free(phrase);
	}
	if (d) {
		explicit_bzero(d, sizeof(*d));
		free(d);
	}
	return ok;
}

/*
 * Is (user, pass) one of the configured users? bcrypt costs tens of ms by
 * design, so a pair once verified is remembered, as a salted hash, for the
 * next scrapes. An unknown user costs a bcrypt too, so the time of a
 * refusal does not tell which users exist.
 */
static bool auth_ok(struct http_server *s, const char *user, const char *pass)
{
	const struct webcfg *cfg = s->sec->cfg;
	const struct webcfg_user *u = NULL;
	char key[128];
	bool have_key, ok;

	if (!user || !pass)
		return false;
	have_key = auth_key(s, user, pass, key);
	if (have_key) {
		pthread_mutex_lock(&s->auth_lock);
		for (unsigned i = 0; i < AUTH_CACHE; i++) {
			if (s->auth_cache[i][0] && strcmp(s->auth_cache[i], key) == 0) {
				pthread_mutex_unlock(&s->auth_lock);
				return true;
			}
		}
		pthread_mutex_unlock(&s->auth_lock);
	}
	for (size_t i = 0; i < cfg->nusers && !u; i++)
		if (strcmp(cfg->users[i].name, user) == 0)
			u = &cfg->users[i];
	ok = crypt_matches(pass, u ? u->hash : cfg->users[0].hash, u ? u->hash : "");
	ok = ok && u;
	if (ok && have_key) {
		pthread_mutex_lock(&s->auth_lock);
		memcpy(s->auth_cache[s->auth_next], key, sizeof(key));
		s->auth_next = (s->auth_next + 1) % AUTH_CACHE;
		pthread_mutex_unlock(&s->auth_lock);
	}
	return ok;
}

static enum MHD_Result refuse_unauthorized(struct MHD_Connection *c)
{
	static const char body[] = "401 unauthorized: this exporter asks for a user and password\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_basic_auth_fail_response(c, HTTP_REALM, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- connections (conntab.h) ---- */

/* conntab's slot of a connection, kept as its socket context (slot + 1; NULL: untracked). */
static int conn_slot(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i && i->socket_context ? (int)((intptr_t)i->socket_context - 1) : -1;
}

/*
 * Close a connection conntab marked CLOSING: shutdown() wakes its thread,
 * whose read or write then fails and libmicrohttpd closes it. The socket is
 * still open: its slot is freed (under conn_lock) before libmicrohttpd
 * closes the descriptor.
 */
static void stream_close_slot(struct http_server *s, int slot);

static void conn_shutdown(struct http_server *s, int slot)
{
	int fd = conntab_handle(s->conns, slot);

	if (fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
	/* A stream waiting for its next event reads no socket: wake it to end it. */
	stream_close_slot(s, slot);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fdi =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		uint8_t key[CONNTAB_ADDR_LEN];
		int slot, victim = -1;

		addr_key(ai ? ai->client_addr : NULL, key);
		pthread_mutex_lock(&s->conn_lock);
		slot = conntab_open(s->conns, key, fdi ? (int)fdi->connect_fd : -1, mono_ns(),
				    &victim);
		if (victim >= 0)
			conn_shutdown(s, victim);
		pthread_cond_signal(&s->conn_cond); /* a deadline to keep */
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = slot >= 0 ? (void *)(intptr_t)(slot + 1) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		pthread_mutex_lock(&s->conn_lock);
		conntab_close(s->conns, (int)((intptr_t)*socket_context - 1));
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	int slot = conn_slot(c);

	if (slot < 0)
		return;
	pthread_mutex_lock(&s->conn_lock);
	conntab_done(s->conns, slot, mono_ns());
	pthread_mutex_unlock(&s->conn_lock);
}

static uint64_t stream_heartbeats(struct http_server *s, uint64_t now);

/*
 * Closes the connections past their deadlines, and wakes the streams due a
 * heartbeat; sleeps until the next of either.
 */
static void *reaper(void *arg)
{
	struct http_server *s = arg;

	pthread_mutex_lock(&s->conn_lock);
	while (!s->stopping) {
		int slots[64];
		size_t n = conntab_expired(s->conns, mono_ns(), slots, 64);
		uint64_t next, beat;
		struct timespec ts;

		for (size_t i = 0; i < n; i++)
			conn_shutdown(s, slots[i]);
		if (n == 64)
			continue;
		next = conntab_next_deadline(s->conns);
		beat = stream_heartbeats(s, mono_ns());
		if (beat < next)
			next = beat;
		if (next == UINT64_MAX)
			next = mono_ns() + 60 * NSEC_PER_SEC;
		ts.tv_sec = (time_t)(next / NSEC_PER_SEC);
		ts.tv_nsec = (long)(next % NSEC_PER_SEC);
		pthread_cond_timedwait(&s->conn_cond, &s->conn_lock, &ts);
	}
	pthread_mutex_unlock(&s->conn_lock);
	return NULL;
}

/* ---- server-sent events: GET /api/v1/stream (sse.h) ---- */

/* Resume a stream that waits for its next event. Under stream_lock. */
static void stream_wake(struct http_stream *st)
{
	if (!st->suspended)
		return;
	st->suspended = false;
	MHD_resume_connection(st->c);
}

/* End the stream on conntab's `slot`, if one is there. Under conn_lock. */
static void stream_close_slot(struct http_server *s, int slot)
{
	pthread_mutex_lock(&s->stream_lock);
	for (struct http_stream *st = s->streams; st; st = st->next) {
		if (st->slot == slot) {
			st->closing = true;
			stream_wake(st);
		}
	}
	pthread_mutex_unlock(&s->stream_lock);
}

/*
 * Wake the streams that have sent nothing for HTTP_STREAM_HEARTBEAT_S: they
 * send a comment line, so that a quiet interval (-i up to an hour) never
 * looks like a stalled client, to conntab or to a proxy. Returns when the
 * next one is due. Under conn_lock.
 */
static uint64_t stream_heartbeats(struct http_server *s, uint64_t now)
{
	uint64_t next = UINT64_MAX, every = HTTP_STREAM_HEARTBEAT_S * NSEC_PER_SEC;

	pthread_mutex_lock(&s->stream_lock);
	for (struct http_stream *st = s->streams; st; st = st->next) {
		if (!st->suspended)
			continue;
		if (now - st->last_ns >= every)
			stream_wake(st);
		else if (st->last_ns + every < next)
			next = st->last_ns + every;
	}
	pthread_mutex_unlock(&s->stream_lock);
	return next;
}

/*
 * What a stream sends of an event: the event as rendered for every
 * stream. The per-viewer twin of body_for(): a disclosure policy renders
 * the stream's own events here (a stream is one viewer for its life).
 */
static struct sse_event *stream_event_for(const struct http_stream *st, struct sse_event *ev)
{
	(void)st;
	return ev;
}

/*
 * libmicrohttpd asks for the stream's next bytes: it does so only once it
 * has sent the last ones, so every call is progress (conntab). With
 * nothing new the stream is suspended until the next interval is published
 * (http_publish_events()) or a heartbeat is due.
 */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char hello[] = "retry: 3000\n\n";
	static const char beat[] = ": still sampling\n\n";
	struct http_stream *st = cls;
	struct http_server *s = st->s;
	uint64_t now = mono_ns();
	size_t n = 0;
	int slot;

	(void)pos;
	pthread_mutex_lock(&s->stream_lock);
	if (st->closing || s->streams_stopping) {
		pthread_mutex_unlock(&s->stream_lock);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (!st->hello_sent && max >= sizeof(hello) - 1) {
		memcpy(buf, hello, sizeof(hello) - 1);
		n = sizeof(hello) - 1;
		st->hello_sent = true;
	}
	while (n < max) {
		size_t k;

		if (!st->cur) {
			struct sse_event *ev = sse_ring_next(s->ring, &st->cursor);

			if (!ev)
				break;
			st->cur = stream_event_for(st, ev);
			st->off = 0;
		}
		k = st->cur->len - st->off < max - n ? st->cur->len - st->off : max - n;
		memcpy(buf + n, st->cur->text + st->off, k);
		n += k;
		st->off += k;
		if (st->off == st->cur->len) {
			sse_event_unref(st->cur);
			st->cur = NULL;
		}
	}
	if (n == 0 && now - st->last_ns >= HTTP_STREAM_HEARTBEAT_S * NSEC_PER_SEC &&
	    max >= sizeof(beat) - 1) {
		memcpy(buf, beat, sizeof(beat) - 1);
		n = sizeof(beat) - 1;
	}
	if (n) {
		st->last_ns = now;
	} else {
		st->suspended = true;
		MHD_suspend_connection(st->c);
	}
	slot = st->slot;
	pthread_mutex_unlock(&s->stream_lock);
	if (slot >= 0) { /* conn_lock after stream_lock is released: the reaper takes them the other way */
		pthread_mutex_lock(&s->conn_lock);
		conntab_progress(s->conns, slot, now);
		pthread_mutex_unlock(&s->conn_lock);
	}
	return (ssize_t)n;
}

/* The stream's response is gone (its connection closed): forget it. */
static void stream_free(void *cls)
{
	struct http_stream *st = cls;
	struct http_server *s = st->s;

	pthread_mutex_lock(&s->stream_lock);
	if (st->prev)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	s->nstreams--;
	sse_event_unref(st->cur);
	pthread_cond_broadcast(&s->stream_cond);
	pthread_mutex_unlock(&s->stream_lock);
	free(st);
}

static enum MHD_Result refuse_stream(struct MHD_Connection *c, const char *why)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(why), (void *)why, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
	ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_stream(struct http_server *s, struct MHD_Connection *c, bool head)
{
	struct MHD_Response *resp;
	struct http_stream *st;
	enum MHD_Result ret;
	int slot = conn_slot(c), fd, size = HTTP_STREAM_SNDBUF;

	if (head)
		return reply(c, MHD_HTTP_OK, "text/event-stream", "", NULL);
	pthread_mutex_lock(&s->stream_lock);
	if (s->streams_stopping || s->nstreams >= HTTP_STREAMS) {
		pthread_mutex_unlock(&s->stream_lock);
		return refuse_stream(c, "503: as many streams as this server keeps are open; poll "
					"/api/v1/snapshot each interval instead\n");
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		pthread_mutex_unlock(&s->stream_lock);
		return MHD_NO;
	}
	*st = (struct http_stream){ .s = s, .c = c, .slot = slot, .last_ns = mono_ns(),
				    .next = s->streams };
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	s->nstreams++;
	pthread_mutex_unlock(&s->stream_lock);
	/* From here stream_free() owns st: it runs when the response is destroyed. */
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK, stream_read,
						 st, stream_free);
	if (!resp) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* proxies: pass it on at once */
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (ret != MHD_YES || slot < 0)
		return ret;
	/* What the kernel may hold for a client that does not read. */
	pthread_mutex_lock(&s->conn_lock);
	fd = conntab_handle(s->conns, slot);
	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	conntab_stream(s->conns, slot, mono_ns());
	pthread_mutex_unlock(&s->conn_lock);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	bool known = strcmp(url, "/metrics") == 0 || strcmp(url, "/") == 0 ||
		     strcmp(url, "/healthz") == 0 || strcmp(url, "/api/v1/snapshot") == 0 ||
		     strcmp(url, "/api/v1/stream") == 0;

	if (!*con_cls) { /* the first call: the request's headers arrived whole */
		int slot = conn_slot(c);

		*con_cls = s;
		if (slot >= 0) {
			pthread_mutex_lock(&s->conn_lock);
			conntab_request(s->conns, slot, mono_ns());
			pthread_mutex_unlock(&s->conn_lock);
		}
	}
	if (http_security_users(s->sec)) {
		char *pass = NULL;
		char *user = MHD_basic_auth_get_username_password(c, &pass);
		bool ok = auth_ok(s, user, pass);

		if (pass) {
			explicit_bzero(pass, strlen(pass));
			MHD_free(pass);
		}
		MHD_free(user);
		if (!ok)
			return refuse_unauthorized(c);
	}
	if (!known)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			     "not found: this exporter serves /metrics, /healthz, /, "
			     "/api/v1/snapshot and /api/v1/stream\n",
			     NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     "method not allowed: use GET\n", "GET, HEAD");
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, c);
	if (strcmp(url, "/healthz") == 0)
		return serve_health(s, c);
	if (strcmp(url, "/api/v1/snapshot") == 0)
		return serve_snapshot(s, c);
	if (strcmp(url, "/api/v1/stream") == 0)
		return serve_stream(s, c, strcmp(method, MHD_HTTP_METHOD_HEAD) == 0);
	return serve_index(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct http_server *s = cls;

	if (s->verbose <= 0)
		return;
	fprintf(stderr, "joulestat serve: http: ");
	vfprintf(stderr, fmt, ap);
}

static void server_free(struct http_server *s)
{
	if (s->reaper_started) {
		pthread_mutex_lock(&s->conn_lock);
		s->stopping = true;
		pthread_cond_signal(&s->conn_cond);
		pthread_mutex_unlock(&s->conn_lock);
		pthread_join(s->reaper, NULL);
	}
	if (s->daemon) {
		/*
		 * libmicrohttpd must not be stopped with a suspended connection:
		 * every stream is woken to end, and waited for (briefly).
		 */
		struct timespec ts;
		uint64_t until = mono_ns() + HTTP_STREAM_STOP_S * NSEC_PER_SEC;

		ts.tv_sec = (time_t)(until / NSEC_PER_SEC);
		ts.tv_nsec = (long)(until % NSEC_PER_SEC);
		pthread_mutex_lock(&s->stream_lock);
		s->streams_stopping = true;
		for (struct http_stream *st = s->streams; st; st = st->next) {
			st->closing = true;
			stream_wake(st);
		}
		while (s->nstreams && pthread_cond_timedwait(&s->stream_cond, &s->stream_lock,
							     &ts) == 0)
			;
		pthread_mutex_unlock(&s->stream_lock);
		MHD_stop_daemon(s->daemon); /* closes the listening socket too */
	} else if (s->fd >= 0) {
		close(s->fd);
	}
	http_page_unref(s->page);
	sse_ring_free(s->ring);
	conntab_free(s->conns);
	pthread_cond_destroy(&s->conn_cond);
	pthread_mutex_destroy(&s->conn_lock);
	pthread_mutex_destroy(&s->auth_lock);
	pthread_cond_destroy(&s->stream_cond);
	pthread_mutex_destroy(&s->stream_lock);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s->auth_cache, sizeof(s->auth_cache));
	free(s);
}

/* A salt for sha256-crypt ("$5$rounds=1000$<16 characters>$"), from the kernel's randomness. */
static int make_salt(char *out, size_t size)
{
	static const char b64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[16];
	char salt[17];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	for (size_t i = 0; i < 16; i++)
		salt[i] = b64[rnd[i] % 64];
	salt[16] = '\0';
	snprintf(out, size, "$5$rounds=1000$%s$", salt);
	return 0;
}

int http_start(const struct http_opts *opts, struct http_page *first, struct http_server **ret,
	       char *err, size_t err_size)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct conntab_opts co = {
		.capacity = HTTP_CONNECTION_LIMIT,
		.max_live = HTTP_LIVE_CONNECTIONS,
		.max_per_addr = HTTP_PER_ADDR,
		.request_ns = HTTP_REQUEST_S * NSEC_PER_SEC,
		.response_ns = HTTP_RESPONSE_S * NSEC_PER_SEC,
	};
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* Suspend and resume: a stream waits for the next interval without a thread. */
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	pthread_condattr_t ca;
	int r;

	if (!s) {
		close(opts->listen_fd);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_mutex_init(&s->auth_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->conn_cond, &ca);
	pthread_cond_init(&s->stream_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->stream_lock, NULL);
	s->fd = opts->listen_fd;
	s->interval_ns = opts->interval_ns;
	s->verbose = opts->verbose;
	s->sec = opts->security;
	s->page = page_ref(first);
	s->sample_ns = mono_ns();
	r = conntab_new(&co, &s->conns);
	if (r == 0)
		r = sse_ring_new(HTTP_HISTORY, &s->ring);
	if (r == 0 && http_security_users(s->sec))
		r = make_salt(s->auth_salt, sizeof(s->auth_salt));
	if (r < 0) {
		snprintf(err, err_size, "cannot start the HTTP server: %s", strerror(-r));
		goto fail;
	}
	if (http_security_tls(s->sec)) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->sec->cert_pem };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->sec->key_pem };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)s->sec->priorities };
	}
	r = pthread_create(&s->reaper, NULL, reaper, s);
	if (r != 0) {
		r = -r;
		snprintf(err, err_size, "cannot start the HTTP server: %s", strerror(-r));
		goto fail;
	}
	s->reaper_started = true;
	/* The logger first: libmicrohttpd logs the options it parses before it. */
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)HTTP_THREADS, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)HTTP_MEMORY_LIMIT, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)HTTP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)HTTP_TIMEOUT_S, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (!s->daemon) {
		r = -EIO;
		snprintf(err, err_size, "cannot start the HTTP server (libmicrohttpd refused%s; "
					"run with -v for its message)",
			 http_security_tls(s->sec) ? " the certificate or key?" : "");
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	server_free(s);
	return r;
}

void http_publish(struct http_server *s, struct http_page *p, uint64_t sample_ns)
{
	struct http_page *old;

	page_ref(p);
	pthread_mutex_lock(&s->lock);
	old = s->page;
	s->page = p;
	s->sample_ns = sample_ns;
	pthread_mutex_unlock(&s->lock);
	http_page_unref(old);
}

void http_publish_events(struct http_server *s, struct sse_event *point,
			 struct sse_event *snapshot)
{
	pthread_mutex_lock(&s->stream_lock);
	if (sse_ring_push(s->ring, point, snapshot) == 0)
		for (struct http_stream *st = s->streams; st; st = st->next)
			stream_wake(st);
	pthread_mutex_unlock(&s->stream_lock);
}

void http_stop(struct http_server *s)
{
	if (s)
		server_free(s);
}
