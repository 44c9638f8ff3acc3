/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * names.c - the resolver thread and its tables (names.h). HTTP through
 * libcurl: over a Unix socket to Docker and Podman, over HTTPS to the
 * kubelet. What the answers mean is names_parse.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if HAVE_CURL
#include <curl/curl.h>
#endif

#include "names.h"
#include "names_parse.h"
#include "util.h"

#define NAMES_MAX_DEFAULT 8192
#define NAMES_MIN_REFRESH_NS NSEC_PER_SEC
#define NAMES_RETRY_UNKNOWN_NS (60 * NSEC_PER_SEC)
#define NAMES_TIMEOUT_NS (5 * NSEC_PER_SEC)
#define NAMES_BODY_MAX (64u << 20)	/* a kubelet with 250 pods answers a few MB */
#define NAMES_MISS_MAX 1024		/* ids remembered as asked about and not named */

enum { SRC_DOCKER, SRC_PODMAN, SRC_KUBELET, NSRC };
#define SRC_BIT(s) (1u << (s))

static const char *const src_names[NSRC] = { "Docker", "Podman", "kubelet" };

struct source {
	char *where;			/* socket path or URL; NULL: not asked */
	bool want;			/* a refresh was asked for */
	uint64_t last_try_ns, last_done_ns;
	int state;			/* 1 answered, 0 not asked yet, -errno failed */
	char why[320];			/* the failure, for the news */
	bool news;			/* state changed since names_take_news() */
	uint64_t requests;
	struct names_list list;		/* the last good answer */
};

struct miss {
	char key[CGROUP_CONTAINER_MAX];	/* a container id, or "pod:" and a pod UID */
	uint64_t first_ns, asked_ns;
};

struct names {
	struct names_opts o;
	char *token_file, *ca_file, *cert_file, *key_file;
	pthread_t thread;
	bool started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct source src[NSRC];
	uint64_t gen;
	/* Indices of the sources' answers: (src << 24 | idx) + 1 per slot, 0 empty. */
	uint32_t *cslot, *pslot;
	size_t ccap, pcap;
	struct miss *miss;
	uint32_t *mslot;		/* miss index + 1 per slot, 2 × NAMES_MISS_MAX slots */
	size_t nmiss;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const struct names_container *slot_container(const struct names *n, uint32_t v)
{
	return &n->src[(v - 1) >> 24].list.containers[(v - 1) & 0xffffff];
}

static const struct names_pod *slot_pod(const struct names *n, uint32_t v)
{
	return &n->src[(v - 1) >> 24].list.pods[(v - 1) & 0xffffff];
}

/* Rebuild both indices from the sources' lists (under mu). A later source wins a clash. */
static int reindex(struct names *n)
{
	size_t nc = 0, np = 0, ccap = 16, pcap = 16;
	uint32_t *cs, *ps;

	for (int s = 0; s < NSRC; s++) {
		nc += n->src[s].list.ncontainers;
		np += n->src[s].list.npods;
	}
	while (ccap < nc * 2)
		ccap *= 2;
	while (pcap < np * 2)
		pcap *= 2;
	cs = calloc(ccap, sizeof(*cs));
	ps = calloc(pcap, sizeof(*ps));
	if (!cs || !ps) {
		free(cs);
		free(ps);
		return -ENOMEM;
	}
	for (int s = 0; s < NSRC; s++) {
		const struct names_list *l = &n->src[s].list;

		for (size_t i = 0; i < l->ncontainers; i++) {
			size_t k = hash_str(l->containers[i].id) & (ccap - 1);

			while (cs[k] && strcmp(slot_container(n, cs[k])->id, l->containers[i].id))
				k = (k + 1) & (ccap - 1);
			cs[k] = (uint32_t)((unsigned)s << 24 | i) + 1;
		}
		for (size_t i = 0; i < l->npods; i++) {
			size_t k = hash_str(l->pods[i].uid) & (pcap - 1);

			while (ps[k] && strcmp(slot_pod(n, ps[k])->uid, l->pods[i].uid))
				k = (k + 1) & (pcap - 1);
			ps[k] = (uint32_t)((unsigned)s << 24 | i) + 1;
		}
	}
	free(n->cslot);
	free(n->pslot);
	n->cslot = cs;
	n->pslot = ps;
	n->ccap = ccap;
	n->pcap = pcap;
	return 0;
}

static const struct names_container *find_container(const struct names *n, const char *id)
{
	if (!n->ccap)
		return NULL;
	for (size_t k = hash_str(id) & (n->ccap - 1); n->cslot[k]; k = (k + 1) & (n->ccap - 1))
		if (!strcmp(slot_container(n, n->cslot[k])->id, id))
			return slot_container(n, n->cslot[k]);
	return NULL;
}

static const struct names_pod *find_pod(const struct names *n, const char *uid)
{
	if (!n->pcap)
		return NULL;
	for (size_t k = hash_str(uid) & (n->pcap - 1); n->pslot[k]; k = (k + 1) & (n->pcap - 1))
		if (!strcmp(slot_pod(n, n->pslot[k])->uid, uid))
			return slot_pod(n, n->pslot[k]);
	return NULL;
}

/* Ask the sources of `mask` for a refresh (under mu). */
static void want(struct names *n, unsigned mask)
{
	bool any = false;

	for (int s = 0; s < NSRC; s++)
		if ((mask & SRC_BIT(s)) && n->src[s].where && !n->src[s].want) {
			n->src[s].want = true;
			any = true;
		}
	if (any)
		pthread_cond_signal(&n->cv);
}

/*
 * `key` was looked up and not found (under mu): ask `mask`'s sources,
 * unless an answer since its first sight left it out less than
 * retry_unknown_ns ago.
 */
static void missed(struct names *n, const char *key, unsigned mask, uint64_t now_ns)
{
	size_t nslots = 2 * NAMES_MISS_MAX, k = hash_str(key) & (nslots - 1);
	uint64_t done_ns = UINT64_MAX;
	struct miss *m;

	for (; n->mslot[k]; k = (k + 1) & (nslots - 1))
		if (!strcmp(n->miss[n->mslot[k] - 1].key, key))
			break;
	if (!n->mslot[k]) {
		if (n->nmiss == NAMES_MISS_MAX) {
			/* Full: forget them all (each asks once more), rather than grow. */
			memset(n->mslot, 0, nslots * sizeof(*n->mslot));
			n->nmiss = 0;
			for (k = hash_str(key) & (nslots - 1); n->mslot[k]; k = (k + 1) & (nslots - 1))
				;
		}
		m = &n->miss[n->nmiss];
		strscpy(m->key, key, sizeof(m->key));
		m->first_ns = m->asked_ns = now_ns;
		n->mslot[k] = (uint32_t)++n->nmiss;
		want(n, mask);
		return;
	}
	m = &n->miss[n->mslot[k] - 1];
	for (int s = 0; s < NSRC; s++)
		if ((mask & SRC_BIT(s)) && n->src[s].where)
			done_ns = MIN(done_ns, n->src[s].last_done_ns);
	if (done_ns == UINT64_MAX)
		return;
	/* No answer since it appeared: still asking. After one: a minute's wait. */
	if (done_ns < m->first_ns || now_ns >= m->asked_ns + n->o.retry_unknown_ns) {
		m->asked_ns = now_ns;
		want(n, mask);
	}
}

void names_lookup(struct names *n, const struct cgroup_names *cn, uint64_t now_ns,
		  struct cgroup_resolved *ret)
{
	const struct names_container *c = NULL;
	const char *uid = cn->pod_uid;
	unsigned mask;

	memset(ret, 0, sizeof(*ret));
	strscpy(ret->pod_uid, cn->pod_uid, sizeof(ret->pod_uid));
	if (!cn->container[0] && !cn->pod_uid[0])
		return;
	if (!strcmp(cn->runtime, "lxc") || !strcmp(cn->runtime, "nspawn")) {
		snprintf(ret->container_name, sizeof(ret->container_name), "%s", cn->container);
		return;
	}
	if (!n)
		return;
	if (cn->pod_uid[0])
		mask = SRC_BIT(SRC_KUBELET) | (!strcmp(cn->runtime, "docker") ? SRC_BIT(SRC_DOCKER) : 0);
	else if (!strcmp(cn->runtime, "docker"))
		mask = SRC_BIT(SRC_DOCKER);
	else if (!strcmp(cn->runtime, "podman"))
		mask = SRC_BIT(SRC_PODMAN);
	else if (!cn->runtime[0])
		mask = SRC_BIT(SRC_DOCKER) | SRC_BIT(SRC_PODMAN);
	else
		mask = 0;	/* containerd or CRI-O outside Kubernetes: nobody to ask */
	pthread_mutex_lock(&n->mu);
	if (cn->container[0]) {
		c = find_container(n, cn->container);
		if (c) {
			strscpy(ret->container_name, c->name, sizeof(ret->container_name));
			if (!uid[0]) {
				uid = c->pod_uid;	/* Docker's Kubernetes labels */
				strscpy(ret->pod_uid, uid, sizeof(ret->pod_uid));
			}
		} else if (mask) {
			missed(n, cn->container, mask, now_ns);
		}
	}
	if (uid[0]) {
		const struct names_pod *p = find_pod(n, uid);
		char key[CGROUP_CONTAINER_MAX];

		if (p) {
			strscpy(ret->pod, p->name, sizeof(ret->pod));
			strscpy(ret->pod_namespace, p->ns, sizeof(ret->pod_namespace));
		} else {
			snprintf(key, sizeof(key), "pod:%s", uid);
			missed(n, key, mask | SRC_BIT(SRC_KUBELET), now_ns);
		}
	}
	pthread_mutex_unlock(&n->mu);
}

uint64_t names_generation(struct names *n)
{
	uint64_t g;

	if (!n)
		return 0;
	pthread_mutex_lock(&n->mu);
	g = n->gen;
	pthread_mutex_unlock(&n->mu);
	return g;
}

bool names_take_news(struct names *n, char *buf, size_t size, bool *ret_error)
{
	bool found = false;

	if (!n)
		return false;
	pthread_mutex_lock(&n->mu);
	for (int s = 0; s < NSRC && !found; s++) {
		struct source *src = &n->src[s];

		if (!src->news)
			continue;
		src->news = false;
		found = true;
		*ret_error = src->state < 0;
		if (src->state < 0)
			snprintf(buf, size, "%s at %s: %s; its containers keep their ids as names",
				 src_names[s], src->where, src->why);
		else
			snprintf(buf, size, "%s at %s answers: %zu containers, %zu pods", src_names[s],
				 src->where, src->list.ncontainers, src->list.npods);
	}
	pthread_mutex_unlock(&n->mu);
	return found;
}

void names_refresh(struct names *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	want(n, SRC_BIT(SRC_DOCKER) | SRC_BIT(SRC_PODMAN) | SRC_BIT(SRC_KUBELET));
	pthread_mutex_unlock(&n->mu);
}

void names_requests(struct names *n, uint64_t ret[3])
{
	pthread_mutex_lock(&n->mu);
	for (int s = 0; s < NSRC; s++)
		ret[s] = n->src[s].requests;
	pthread_mutex_unlock(&n->mu);
}

/* ---- HTTP ---- */

#if HAVE_CURL
struct body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;

	if (b->len + n + 1 > NAMES_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = MAX(b->cap * 2, b->len + n + 1);
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return 0;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

/* A request in flight ends when names_free() asks the thread to stop. */
static int on_progress(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	const struct names *n = ud;

	return __atomic_load_n(&n->stop, __ATOMIC_RELAXED) ? 1 : 0;
}

/* The token in `path`, without its trailing white space, into buf. 0 or -errno. */
static int read_token(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n ? 0 : -ENODATA;
}

/* GET one source's list into *ret (malloc'ed, NUL-terminated). 0, or -errno with why. */
static int http_get(struct names *n, int s, char **ret, size_t *ret_len, char *why, size_t wsize)
{
	const char *where = n->src[s].where;
	struct curl_slist *hdr = NULL;
	struct body b = { 0 };
	char url[1024], auth[8192 + 32], err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cr;
	CURL *h;
	int r = 0;

	if (s != SRC_KUBELET) {
		struct stat sb;

		if (stat(where, &sb) < 0) {
			r = -errno;
			snprintf(why, wsize, "%s (is its API service running?)", strerror(-r));
			return r;
		}
		snprintf(url, sizeof(url), "http://localhost/containers/json?all=1");
	} else {
		snprintf(url, sizeof(url), "%s/pods", where);
	}
	h = curl_easy_init();
	if (!h) {
		snprintf(why, wsize, "libcurl could not start a request");
		return -ENOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(n->o.timeout_ns / 1000000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(n->o.timeout_ns / 2000000));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, n);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, s == SRC_KUBELET ? "https" : "http");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, s == SRC_KUBELET ? CURLPROTO_HTTPS : CURLPROTO_HTTP);
#endif
	if (s != SRC_KUBELET) {
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, where);
	} else {
		if (n->token_file) {
			char tok[8192];

			r = read_token(n->token_file, tok, sizeof(tok));
			if (r < 0) {
				snprintf(why, wsize, "token %s: %s", n->token_file, strerror(-r));
				goto out;
			}
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
			hdr = curl_slist_append(hdr, auth);
			explicit_bzero(tok, sizeof(tok));
			if (!hdr) {
				r = -ENOMEM;
				snprintf(why, wsize, "out of memory");
				goto out;
			}
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		}
		if (n->ca_file)
			curl_easy_setopt(h, CURLOPT_CAINFO, n->ca_file);
		if (n->cert_file)
			curl_easy_setopt(h, CURLOPT_SSLCERT, n->cert_file);
		if (n->key_file)
			curl_easy_setopt(h, CURLOPT_SSLKEY, n->key_file);
		if (n->o.insecure) {
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	cr = curl_easy_perform(h);
	if (cr != CURLE_OK) {
		r = b.too_big ? -EFBIG : -EIO;
		snprintf(why, wsize, "%s", b.too_big ? "answer over 64 MiB"
				      : err[0]	    ? err
						    : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		r = status == 401 || status == 403 ? -EACCES : -EPROTO;
		snprintf(why, wsize, "HTTP status %ld%s", status,
			 status == 401	 ? " (the token was refused)"
			 : status == 403 ? " (not allowed: the account needs get on nodes/proxy)"
					 : "");
		goto out;
	}
	if (!b.buf) {
		b.buf = malloc(1);
		if (!b.buf) {
			r = -ENOMEM;
			goto out;
		}
	}
	b.buf[b.len] = '\0';
	*ret = b.buf;
	*ret_len = b.len;
	b.buf = NULL;
out:
	explicit_bzero(auth, sizeof(auth));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(b.buf);
	return r;
}
#else
static int http_get(struct names *n, int s, char **ret, size_t *ret_len, char *why, size_t wsize)
{
	snprintf(why, wsize, "joulestat was built without libcurl");
	return -ENOTSUP;
}
#endif

/* One request to source s, outside mu; the answer replaces the last good one. */
static void refresh(struct names *n, int s)
{
	struct names_list l = { 0 };
	char why[320] = "", *body = NULL;
	size_t len = 0;
	int r;

	r = http_get(n, s, &body, &len, why, sizeof(why));
	if (r == 0) {
		r = s == SRC_KUBELET
			    ? parse_kubelet_pods(body, len, n->o.max_entries, &l)
			    : parse_runtime_containers(body, len, s == SRC_DOCKER ? "docker" : "podman",
						       n->o.max_entries, &l);
		if (r < 0)
			snprintf(why, sizeof(why), "%s",
				 r == -ENOMEM ? "out of memory"
					      : s == SRC_KUBELET ? "the answer is not a PodList"
								 : "the answer is not a container list");
	}
	free(body);
	pthread_mutex_lock(&n->mu);
	n->src[s].last_done_ns = now_ns();
	if (r == 0) {
		struct names_list old = n->src[s].list;

		n->src[s].list = l;
		if (reindex(n) < 0) {
			n->src[s].list = old;
			names_list_done(&l);
			r = -ENOMEM;
			snprintf(why, sizeof(why), "out of memory");
		} else {
			names_list_done(&old);
			n->gen++;
		}
	}
	if (r == 0 && n->src[s].state != 1) {
		n->src[s].state = 1;
		n->src[s].news = true;
	} else if (r < 0 && (n->src[s].state != r || strcmp(n->src[s].why, why))) {
		n->src[s].state = r;
		strscpy(n->src[s].why, why, sizeof(n->src[s].why));
		n->src[s].news = true;
	}
	pthread_mutex_unlock(&n->mu);
}

static void *resolver(void *arg)
{
	struct names *n = arg;

	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		uint64_t now = now_ns(), due = UINT64_MAX;
		int pick = -1;

		for (int s = 0; s < NSRC; s++) {
			uint64_t at;

			if (!n->src[s].want)
				continue;
			at = n->src[s].requests ? n->src[s].last_try_ns + n->o.min_refresh_ns : 0;
			if (at <= now) {
				pick = s;
				break;
			}
			due = MIN(due, at);
		}
		if (pick < 0) {
			if (due == UINT64_MAX) {
				pthread_cond_wait(&n->cv, &n->mu);
			} else {
				struct timespec ts;

				clock_gettime(CLOCK_MONOTONIC, &ts);
				due -= now;
				ts.tv_sec += (time_t)(due / NSEC_PER_SEC);
				ts.tv_nsec += (long)(due % NSEC_PER_SEC);
				if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
					ts.tv_sec++;
					ts.tv_nsec -= (long)NSEC_PER_SEC;
				}
				pthread_cond_timedwait(&n->cv, &n->mu, &ts);
			}
			continue;
		}
		n->src[pick].want = false;
		n->src[pick].last_try_ns = now;
		n->src[pick].requests++;
		pthread_mutex_unlock(&n->mu);
		refresh(n, pick);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s || !s[0])
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

int names_new(const struct names_opts *opts, struct names **ret)
{
	pthread_condattr_t ca;
	struct names *n;
	bool fail = false;
	int r;

	if (!opts || !ret)
		return -EINVAL;
#if !HAVE_CURL
	if ((opts->docker_socket && opts->docker_socket[0]) ||
	    (opts->podman_socket && opts->podman_socket[0]) ||
	    (opts->kubelet_url && opts->kubelet_url[0]))
		return -ENOTSUP;
#endif
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->o = *opts;
	if (!n->o.max_entries)
		n->o.max_entries = NAMES_MAX_DEFAULT;
	n->o.max_entries = MIN(n->o.max_entries, (size_t)0xffffff);
	if (!n->o.min_refresh_ns)
		n->o.min_refresh_ns = NAMES_MIN_REFRESH_NS;
	if (!n->o.retry_unknown_ns)
		n->o.retry_unknown_ns = NAMES_RETRY_UNKNOWN_NS;
	if (!n->o.timeout_ns)
		n->o.timeout_ns = NAMES_TIMEOUT_NS;
	n->src[SRC_DOCKER].where = dup_opt(opts->docker_socket, &fail);
	n->src[SRC_PODMAN].where = dup_opt(opts->podman_socket, &fail);
	n->src[SRC_KUBELET].where = dup_opt(opts->kubelet_url, &fail);
	n->token_file = dup_opt(opts->token_file, &fail);
	n->ca_file = dup_opt(opts->ca_file, &fail);
	n->cert_file = dup_opt(opts->cert_file, &fail);
	n->key_file = dup_opt(opts->key_file, &fail);
	n->miss = calloc(NAMES_MISS_MAX, sizeof(*n->miss));
	n->mslot = calloc(2 * NAMES_MISS_MAX, sizeof(*n->mslot));
	if (fail || !n->miss || !n->mslot) {
		names_free(n);
		return -ENOMEM;
	}
	/* The kubelet's URL without a trailing '/': "/pods" is appended. */
	if (n->src[SRC_KUBELET].where) {
		char *u = n->src[SRC_KUBELET].where;
		size_t len = strlen(u);

		while (len > 0 && u[len - 1] == '/')
			u[--len] = '\0';
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
#if HAVE_CURL
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
		n->stop = true;	/* nothing started: names_free() skips the cleanup */
		names_free(n);
		return -ENOMEM;
	}
#endif
	r = pthread_create(&n->thread, NULL, resolver, n);
	if (r) {
#if HAVE_CURL
		curl_global_cleanup();
#endif
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
		n->stop = true;
		names_free(n);
		return -r;
	}
	n->started = true;
	*ret = n;
	return 0;
}

struct names *names_free(struct names *n)
{
	if (!n)
		return NULL;
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		__atomic_store_n(&n->stop, true, __ATOMIC_RELAXED);
		pthread_cond_signal(&n->cv);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
#if HAVE_CURL
		curl_global_cleanup();
#endif
	}
	for (int s = 0; s < NSRC; s++) {
		free(n->src[s].where);
		names_list_done(&n->src[s].list);
	}
	free(n->token_file);
	free(n->ca_file);
	free(n->cert_file);
	free(n->key_file);
	free(n->cslot);
	free(n->pslot);
	free(n->miss);
	free(n->mslot);
	free(n);
	return NULL;
}
