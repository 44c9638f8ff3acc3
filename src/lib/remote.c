/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * remote.c - a monitor that asks the system's `joulestat daemon` (remote.h):
 * two connections to its socket - one for the subscription (snapshots,
 * ticks, the machine's description, process trees), one for per-PID
 * queries under a mutex - and the public calls answered from what the
 * daemon says.
 *
 * Every wait has a deadline (REMOTE_TIMEOUT_MS; a sample the daemon must
 * take first gets longer), writes never raise SIGPIPE in the program
 * (MSG_NOSIGNAL), and a daemon that goes away or answers nonsense is an
 * error of the call (-ECONNRESET, -ETIMEDOUT, -EPROTO), never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "jsonr.h"
#include "monitor.h"
#include "remote.h"
#include "resources.h"
#include "snapshot_impl.h"
#include "util.h"
#include "wire.h"

#define REMOTE_TIMEOUT_MS 10000
#define REMOTE_SAMPLE_TIMEOUT_MS 30000
#define REMOTE_ERR_MAX 256

struct rconn {
	int fd;
	char *in;		/* received bytes not yet consumed */
	size_t in_len, in_cap;
	size_t consumed;	/* the last frame handed out, dropped at the next read */
};

struct remote {
	char *path;
	struct rconn main;		/* subscription, samples, description, trees */
	struct rconn query;		/* per-PID queries (opened on the first one) */
	pthread_mutex_t qlock;
	bool qlock_ok;
	uint64_t next_id;
	/* hello */
	char *version, *view, *policy, *idle_policy, *source;
	int pid;
	uint64_t started_realtime_ns, since_realtime_ns, interval_ns;
	uint32_t restarts;
	bool syscalls;
	/* the machine; replaced descriptions stay until free (their strings were handed out) */
	struct remote_desc desc;
	struct remote_desc *retired;
	size_t nretired;
	/* subscription */
	uint32_t groups;
	uint64_t sub_interval_ns;
	uint64_t seq;			/* snapshots handed out */
	uint64_t daemon_seq;		/* the daemon's last sample in them */
	bool tick;			/* a tick arrived and was not pulled yet */
	uint64_t tick_seq;
	struct logger *log;
};

/* ---- connections ---- */

static void rconn_close(struct rconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	*c = (struct rconn){ .fd = -1 };
}

static int rconn_connect(const char *path, struct rconn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	*c = (struct rconn){ .fd = -1 };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A local stream socket connects at once or not at all (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = errno == EAGAIN ? -ETIMEDOUT : -errno;

		close(fd);
		return r;
	}
	c->fd = fd;
	return 0;
}

static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ns();
		int n;

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)MIN((deadline_ns - now) / 1000000 + 1, (uint64_t)INT32_MAX));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

static int rconn_send(struct rconn *c, const char *payload, size_t len, uint64_t deadline_ns)
{
	uint8_t hdr[WIRE_HEADER_SIZE];
	struct iovec iov[2];
	size_t done = 0, total = WIRE_HEADER_SIZE + len;

	if (c->fd < 0)
		return -ENOTCONN;
	wire_header_write(hdr, WIRE_REQUEST, (uint32_t)len);
	while (done < total) {
		struct msghdr mh = { 0 };
		ssize_t n;
		int r;

		if (done < WIRE_HEADER_SIZE) {
			iov[0] = (struct iovec){ hdr + done, WIRE_HEADER_SIZE - done };
			iov[1] = (struct iovec){ (void *)payload, len };
			mh.msg_iov = iov;
			mh.msg_iovlen = 2;
		} else {
			iov[0] = (struct iovec){ (void *)(payload + done - WIRE_HEADER_SIZE),
						 total - done };
			mh.msg_iov = iov;
			mh.msg_iovlen = 1;
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return errno == EPIPE ? -ECONNRESET : -errno;
		r = wait_fd(c->fd, POLLOUT, deadline_ns);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The next whole frame: its header in *h and payload at *ret (valid until
 * the next call). Waits until deadline_ns (0: do not wait: -EAGAIN when no
 * whole frame is there yet).
 */
static int rconn_recv(struct rconn *c, uint64_t deadline_ns, struct wire_header *h,
		      const char **ret)
{
	if (c->consumed) {
		memmove(c->in, c->in + c->consumed, c->in_len - c->consumed);
		c->in_len -= c->consumed;
		c->consumed = 0;
	}
	for (;;) {
		ssize_t n;
		int r = wire_header_parse(c->in, c->in_len, WIRE_REPLY_MAX, h);

		if (r == 0 && c->in_len >= WIRE_HEADER_SIZE + (size_t)h->len) {
			if (h->type == WIRE_REQUEST)
				return -EPROTO;
			*ret = c->in + WIRE_HEADER_SIZE;
			c->consumed = WIRE_HEADER_SIZE + h->len;
			return 0;
		}
		if (r < 0 && r != -EAGAIN)
			return r == -EMSGSIZE ? -EMSGSIZE : -EPROTO;
		if (c->in_cap - c->in_len < 65536) {
			size_t want = r == 0 ? WIRE_HEADER_SIZE + (size_t)h->len : c->in_len + 65536;
			size_t cap = MAX(c->in_cap * 2, MAX(want, (size_t)65536));
			char *b = realloc(c->in, cap);

			if (!b)
				return -ENOMEM;
			c->in = b;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (!deadline_ns)
			return -EAGAIN;
		r = wait_fd(c->fd, POLLIN, deadline_ns);
		if (r < 0)
			return r;
	}
}

/* A tick: the daemon sampled enough for the next snapshot of this connection. */
static void note_event(struct remote *rm, const char *payload, size_t len)
{
	struct jsonr_doc doc;
	const struct jsonr_node *n;

	if (jsonr_parse(payload, len, &doc, NULL) < 0)
		return;
	n = jsonr_get(&doc, &doc.nodes[0], "seq");
	if (n && n->type == JSONR_NUMBER && n->is_u64 && n->u64 > rm->daemon_seq) {
		rm->tick = true;
		rm->tick_seq = n->u64;
	}
	jsonr_free(&doc);
}

/*
 * Send `req` (a JSON object) on c and wait for its reply: 0 with the
 * payload at *ret (valid until the next receive on c), or the daemon's
 * error as -errno (its sentence logged at debug level), or the
 * connection's. Ticks met on the way are noted.
 */
static int call(struct remote *rm, struct rconn *c, const char *req, size_t len, int timeout_ms,
		const char **ret, size_t *ret_len)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct wire_header h;
	const char *p;
	int r;

	r = rconn_send(c, req, len, deadline);
	if (r < 0)
		return r;
	for (;;) {
		r = rconn_recv(c, deadline, &h, &p);
		if (r < 0)
			return r;
		if (h.type == WIRE_EVENT) {
			if (c == &rm->main)
				note_event(rm, p, h.len);
			continue;
		}
		break;
	}
	/* {"ok":false,...} is short: look before parsing a snapshot twice. */
	if (h.len < 512 && memmem(p, h.len, "\"ok\":false", 10)) {
		struct jsonr_doc doc;
		const struct jsonr_node *e, *m;
		int err = -EPROTO;

		if (jsonr_parse(p, h.len, &doc, NULL) == 0) {
			e = jsonr_get(&doc, &doc.nodes[0], "errno");
			m = jsonr_get(&doc, &doc.nodes[0], "error");
			if (e && e->type == JSONR_STRING)
				err = wire_errno_from_name(e->str);
			if (m && m->type == JSONR_STRING)
				log_debug(rm->log, "daemon: %s", m->str);
			jsonr_free(&doc);
		}
		return err < 0 ? err : -EPROTO;
	}
	*ret = p;
	*ret_len = h.len;
	return 0;
}

/* A request of one op with extra members (a JSON fragment, or ""). */
static int request(struct remote *rm, char *buf, size_t size, const char *op, const char *extra)
{
	int n = snprintf(buf, size, "{\"op\":\"%s\",\"id\":%" PRIu64 "%s%s}", op, ++rm->next_id,
			 extra[0] ? "," : "", extra);

	return n > 0 && (size_t)n < size ? n : -E2BIG;
}

/* ---- hello and the machine's description ---- */

static char *dup_member(const struct jsonr_doc *doc, const char *key)
{
	const struct jsonr_node *n = jsonr_get(doc, &doc->nodes[0], key);

	return strdup(n && n->type == JSONR_STRING ? n->str : "");
}

static uint64_t u64_member(const struct jsonr_doc *doc, const char *key, bool *ok)
{
	const struct jsonr_node *n = jsonr_get(doc, &doc->nodes[0], key);

	if (!n || n->type != JSONR_NUMBER || !n->is_u64) {
		*ok = false;
		return 0;
	}
	return n->u64;
}

static int hello(struct remote *rm)
{
	char req[128];
	const char *p;
	size_t len;
	struct jsonr_doc doc;
	const struct jsonr_node *sc;
	bool ok = true;
	int n = request(rm, req, sizeof(req), "hello", "\"protocol\":1"), r;

	r = call(rm, &rm->main, req, (size_t)n, REMOTE_TIMEOUT_MS, &p, &len);
	if (r < 0)
		return r;
	if (jsonr_parse(p, len, &doc, NULL) < 0)
		return -EPROTO;
	rm->version = dup_member(&doc, "version");
	rm->view = dup_member(&doc, "view");
	rm->policy = dup_member(&doc, "policy");
	rm->idle_policy = dup_member(&doc, "idle_policy");
	rm->source = dup_member(&doc, "source");
	rm->pid = (int)u64_member(&doc, "pid", &ok);
	rm->started_realtime_ns = u64_member(&doc, "started_realtime_ns", &ok);
	rm->since_realtime_ns = u64_member(&doc, "counting_since_realtime_ns", &ok);
	rm->restarts = (uint32_t)u64_member(&doc, "restarts", &ok);
	rm->interval_ns = u64_member(&doc, "interval_ns", &ok);
	sc = jsonr_get(&doc, &doc.nodes[0], "syscalls");
	rm->syscalls = sc && sc->type == JSONR_BOOL && sc->boolean;
	if (u64_member(&doc, "protocol", &ok) != WIRE_VERSION)
		ok = false;
	jsonr_free(&doc);
	if (!rm->version || !rm->view || !rm->policy || !rm->idle_policy || !rm->source)
		return -ENOMEM;
	return ok ? 0 : -EPROTO;
}

/* Do two descriptions hand out the same strings? Then the old one's can stay in use. */
static bool same_strings(const struct remote_desc *a, const struct remote_desc *b)
{
#define SAME(x, y) (strcmp((x) ? (x) : "", (y) ? (y) : "") == 0)
	if (a->nsources != b->nsources || a->ncollectors != b->ncollectors ||
	    a->ndomains != b->ndomains || a->have_activity != b->have_activity ||
	    a->have_model != b->have_model || !SAME(a->cpu_model, b->cpu_model) ||
	    a->ncpu_socket != b->ncpu_socket)
		return false;
	for (size_t i = 0; i < a->nsources; i++)
		if (!SAME(a->sources[i].name, b->sources[i].name) ||
		    !SAME(a->sources[i].reason, b->sources[i].reason))
			return false;
	for (size_t i = 0; i < a->ncollectors; i++)
		if (!SAME(a->collectors[i].name, b->collectors[i].name) ||
		    !SAME(a->collectors[i].reason, b->collectors[i].reason))
			return false;
	for (size_t i = 0; i < a->ndomains; i++)
		if (!SAME(a->domains[i].name, b->domains[i].name) ||
		    !SAME(a->domains[i].source, b->domains[i].source) ||
		    !SAME(a->domains[i].path, b->domains[i].path) ||
		    !SAME(a->statics[i].from, b->statics[i].from) ||
		    a->domains[i].cpu_mask_words != b->domains[i].cpu_mask_words)
			return false;
	if (a->have_activity && (!SAME(a->activity.collector, b->activity.collector) ||
				 !SAME(a->activity.detail, b->activity.detail) ||
				 a->activity.ncpus != b->activity.ncpus))
		return false;
	if (a->have_model && !SAME(a->model.origin, b->model.origin))
		return false;
	return true;
#undef SAME
}

static int describe(struct remote *rm)
{
	char req[64], err[REMOTE_ERR_MAX];
	struct remote_desc d;
	const char *p;
	size_t len;
	int n = request(rm, req, sizeof(req), "monitor", ""), r;

	r = call(rm, &rm->main, req, (size_t)n, REMOTE_TIMEOUT_MS, &p, &len);
	if (r < 0)
		return r;
	r = remote_parse_monitor(p, len, &d, err, sizeof(err));
	if (r < 0) {
		log_warning(rm->log, "daemon at %s: a description this library cannot read: %s",
			    rm->path, err);
		return r;
	}
	if (!rm->desc.arena && !rm->desc.domains && !rm->desc.sources) {
		rm->desc = d;
		return 0;
	}
	if (same_strings(&rm->desc, &d)) {
		/* The numbers are new; the strings already handed out stay valid. */
		for (size_t i = 0; i < d.nsources; i++) {
			rm->desc.sources[i].state = d.sources[i].state;
			rm->desc.sources[i].error = d.sources[i].error;
			rm->desc.sources[i].domains = d.sources[i].domains;
		}
		for (size_t i = 0; i < d.ncollectors; i++) {
			rm->desc.collectors[i].state = d.collectors[i].state;
			rm->desc.collectors[i].error = d.collectors[i].error;
		}
		for (size_t i = 0; i < d.ndomains; i++) {
			struct joulestat_domain_info keep = rm->desc.domains[i];

			rm->desc.domains[i] = d.domains[i];
			rm->desc.domains[i].name = keep.name;
			rm->desc.domains[i].source = keep.source;
			rm->desc.domains[i].path = keep.path;
			rm->desc.domains[i].cpu_mask = keep.cpu_mask;
			rm->desc.statics[i].static_mw = d.statics[i].static_mw;
			rm->desc.statics[i].origin = d.statics[i].origin;
		}
		if (d.have_activity) {
			const char *coll = rm->desc.activity.collector, *det = rm->desc.activity.detail;

			memcpy(rm->desc.coverage, d.coverage,
			       d.activity.ncpus * sizeof(*d.coverage));
			rm->desc.activity = d.activity;
			rm->desc.activity.collector = coll;
			rm->desc.activity.detail = det;
			rm->desc.activity.coverage = rm->desc.coverage;
		}
		if (d.have_model) {
			rm->desc.model.idle_mw = d.model.idle_mw;
			rm->desc.model.max_mw = d.model.max_mw;
		}
		rm->desc.ncpus = d.ncpus;
		rm->desc.nsockets = d.nsockets;
		memcpy(rm->desc.cpu_socket, d.cpu_socket, d.ncpu_socket * sizeof(*d.cpu_socket));
		remote_desc_free(&d);
		return 0;
	}
	{
		struct remote_desc *v = realloc(rm->retired, (rm->nretired + 1) * sizeof(*v));

		if (!v) {
			remote_desc_free(&d);
			return -ENOMEM;
		}
		rm->retired = v;
		rm->retired[rm->nretired++] = rm->desc;
		rm->desc = d;
	}
	return 0;
}

static int subscribe(struct remote *rm)
{
	char req[160], extra[128];
	const char *p;
	size_t len;
	int n;

	snprintf(extra, sizeof(extra), "\"groups\":%" PRIu32 ",\"interval_ns\":%" PRIu64,
		 rm->groups & WIRE_GROUPS,
		 rm->sub_interval_ns);
	n = request(rm, req, sizeof(req), "subscribe", extra);
	return call(rm, &rm->main, req, (size_t)n, REMOTE_TIMEOUT_MS, &p, &len);
}

int remote_open(struct joulestat *js, const struct joulestat_opts *o, const char *path,
		enum joulestat_log_level incompatible_level)
{
	struct remote *rm = calloc(1, sizeof(*rm));
	int r;

	if (!rm)
		return -ENOMEM;
	rm->main.fd = rm->query.fd = -1;
	rm->log = &js->log;
	rm->path = strdup(path);
	rm->qlock_ok = pthread_mutex_init(&rm->qlock, NULL) == 0;
	if (!rm->path || !rm->qlock_ok) {
		r = -ENOMEM;
		goto fail;
	}
	rm->groups = (o->groups ? o->groups : 1u << JOULESTAT_GROUP_PROCESS);
	rm->sub_interval_ns = (o->interval_ms ? o->interval_ms : 1000) * 1000000ULL;
	r = rconn_connect(path, &rm->main);
	if (r < 0)
		goto fail;
	r = hello(rm);
	if (r < 0)
		goto fail;
	if (strcmp(rm->idle_policy, joulestat_idle_policy_name(o->idle_policy)) != 0) {
		log_msg(&js->log, incompatible_level,
		       "the daemon at %s splits idle energy by the %s policy, not %s: measuring "
		       "here instead (or use the daemon's policy)",
		       path, rm->idle_policy, joulestat_idle_policy_name(o->idle_policy));
		r = -EOPNOTSUPP;
		goto fail;
	}
	if (o->syscalls && !rm->syscalls) {
		log_msg(&js->log, incompatible_level,
		       "the daemon at %s does not count syscalls (start it with --syscalls): "
		       "measuring here instead", path);
		r = -EOPNOTSUPP;
		goto fail;
	}
	r = describe(rm);
	if (r < 0)
		goto fail;
	r = subscribe(rm);
	if (r == -EACCES) {
		log_msg(&js->log, incompatible_level,
		       "the daemon at %s shows this user's processes only: the groupings asked for "
		       "need another view", path);
		r = -EOPNOTSUPP;
	}
	if (r < 0)
		goto fail;
	js->remote = rm;
	return 0;
fail:
	js->remote = rm;
	remote_free(js);
	return r;
}

void remote_free(struct joulestat *js)
{
	struct remote *rm = js ? js->remote : NULL;

	if (!rm)
		return;
	/* The daemon gives up this connection's trees when it closes. */
	rconn_close(&rm->main);
	rconn_close(&rm->query);
	if (rm->qlock_ok)
		pthread_mutex_destroy(&rm->qlock);
	remote_desc_free(&rm->desc);
	for (size_t i = 0; i < rm->nretired; i++)
		remote_desc_free(&rm->retired[i]);
	free(rm->retired);
	free(rm->path);
	free(rm->version);
	free(rm->view);
	free(rm->policy);
	free(rm->idle_policy);
	free(rm->source);
	free(rm);
	js->remote = NULL;
}

int remote_refresh(struct joulestat *js)
{
	return describe(js->remote);
}

/* ---- the machine ---- */

#define INFO_FITS(info, type, field)                                                               \
	((info)->sz >= offsetof(type, field) + sizeof((info)->field))
#define COPY_OUT(dst, src)                                                                         \
	do {                                                                                       \
		size_t sz_ = (dst)->sz;                                                            \
		(src).sz = sz_;                                                                    \
		memcpy((dst), &(src), MIN(sz_, sizeof(src)));                                      \
	} while (0)

size_t remote_source_count(const struct joulestat *js)
{
	return js->remote->desc.nsources;
}

int remote_source_get(const struct joulestat *js, size_t idx, struct joulestat_source_info *info)
{
	struct joulestat_source_info o;

	if (!info || !INFO_FITS(info, struct joulestat_source_info, estimated))
		return -EINVAL;
	if (idx >= js->remote->desc.nsources)
		return -ERANGE;
	o = js->remote->desc.sources[idx];
	COPY_OUT(info, o);
	return 0;
}

size_t remote_domain_count(const struct joulestat *js)
{
	return js->remote->desc.ndomains;
}

int remote_domain_get(const struct joulestat *js, size_t idx, struct joulestat_domain_info *info)
{
	struct joulestat_domain_info o;

	if (!info || !INFO_FITS(info, struct joulestat_domain_info, warming_up))
		return -EINVAL;
	if (idx >= js->remote->desc.ndomains)
		return -ERANGE;
	o = js->remote->desc.domains[idx];
	COPY_OUT(info, o);
	return 0;
}

int remote_static_get(const struct joulestat *js, size_t idx, struct joulestat_static_info *info)
{
	struct joulestat_static_info o;

	if (idx >= js->remote->desc.ndomains)
		return -ERANGE;
	o = js->remote->desc.statics[idx];
	COPY_OUT(info, o);
	return 0;
}

int remote_host_energy(const struct joulestat *js, uint64_t *ret_energy_uj, double *ret_power_w,
		       bool *ret_estimated)
{
	const struct remote_desc *d = &js->remote->desc;
	uint64_t e = 0;
	double w = 0;
	bool est = false, any = false, nan = false;

	for (size_t i = 0; i < d->ndomains; i++) {
		if (!d->domains[i].in_host_total)
			continue;
		any = true;
		e += d->domains[i].energy_uj;
		est |= d->domains[i].estimated;
		if (isnan(d->domains[i].power_w) || d->domains[i].warming_up)
			nan = true;
		else
			w += d->domains[i].power_w;
	}
	if (!any)
		return -ENODATA;
	if (ret_energy_uj)
		*ret_energy_uj = e;
	if (ret_power_w)
		*ret_power_w = nan ? NAN : w;
	if (ret_estimated)
		*ret_estimated = est;
	return 0;
}

unsigned remote_cpu_count(const struct joulestat *js)
{
	return js->remote->desc.ncpus;
}

unsigned remote_socket_count(const struct joulestat *js)
{
	return js->remote->desc.nsockets;
}

int remote_cpu_socket(const struct joulestat *js, unsigned cpu)
{
	const struct remote_desc *d = &js->remote->desc;

	if (cpu >= d->ncpu_socket || d->cpu_socket[cpu] < 0)
		return -ENOENT;
	return d->cpu_socket[cpu];
}

const char *remote_cpu_model(const struct joulestat *js)
{
	return js->remote->desc.cpu_model ? js->remote->desc.cpu_model : "";
}

int remote_model_get(const struct joulestat *js, struct joulestat_model_info *info)
{
	struct joulestat_model_info o;

	if (!info || !INFO_FITS(info, struct joulestat_model_info, origin))
		return -EINVAL;
	if (!js->remote->desc.have_model)
		return -ENOENT;
	o = js->remote->desc.model;
	COPY_OUT(info, o);
	return 0;
}

size_t remote_collector_count(const struct joulestat *js)
{
	return js->remote->desc.ncollectors;
}

int remote_collector_get(const struct joulestat *js, size_t idx,
			 struct joulestat_collector_info *info)
{
	struct joulestat_collector_info o;

	if (!info || !INFO_FITS(info, struct joulestat_collector_info, reason))
		return -EINVAL;
	if (idx >= js->remote->desc.ncollectors)
		return -ERANGE;
	o = js->remote->desc.collectors[idx];
	COPY_OUT(info, o);
	return 0;
}

int remote_read_activity(struct joulestat *js)
{
	int r = describe(js->remote);

	if (r < 0)
		return r;
	if (!js->remote->desc.have_activity)
		return -ENODEV;
	return (int)MIN(js->remote->desc.activity.tasks, (size_t)INT32_MAX);
}

int remote_activity_get(const struct joulestat *js, struct joulestat_activity_info *info)
{
	struct joulestat_activity_info o;

	if (!info || !INFO_FITS(info, struct joulestat_activity_info, captured))
		return -EINVAL;
	if (!js->remote->desc.have_activity)
		return -ENODEV;
	o = js->remote->desc.activity;
	COPY_OUT(info, o);
	return 0;
}

int remote_daemon_get(const struct joulestat *js, struct joulestat_daemon_info *info)
{
	const struct remote *rm = js->remote;
	struct joulestat_daemon_info o = { .sz = sizeof(o) };

	if (!info || !INFO_FITS(info, struct joulestat_daemon_info, policy))
		return -EINVAL;
	o.socket = rm->path;
	o.version = rm->version;
	o.pid = rm->pid;
	o.started_realtime_ns = rm->started_realtime_ns;
	o.counting_since_realtime_ns = rm->since_realtime_ns;
	o.restarts = rm->restarts;
	o.interval_ns = rm->interval_ns;
	o.idle_policy = rm->idle_policy;
	o.view = rm->view;
	o.policy = rm->policy;
	COPY_OUT(info, o);
	return 0;
}

/* ---- snapshots ---- */

/* Ask for what was sampled since the last snapshot; `sync`: the daemon samples first. */
static int pull(struct joulestat *js, bool sync, struct joulestat_snapshot **ret)
{
	struct remote *rm = js->remote;
	struct joulestat_snapshot *snap = NULL;
	char req[96], err[REMOTE_ERR_MAX];
	uint64_t dseq, samples;
	const char *p;
	size_t len;
	int n = request(rm, req, sizeof(req), "sample", sync ? "\"sync\":true" : ""), r;

	r = call(rm, &rm->main, req, (size_t)n, sync ? REMOTE_SAMPLE_TIMEOUT_MS : REMOTE_TIMEOUT_MS,
		 &p, &len);
	if (r < 0)
		return r;
	r = remote_parse_snapshot(p, len, rm->seq + 1, &snap, &dseq, &samples, err, sizeof(err));
	if (r < 0) {
		log_warning(rm->log, "daemon at %s: a snapshot this library cannot read: %s",
			    rm->path, err);
		return r;
	}
	rm->daemon_seq = MAX(rm->daemon_seq, dseq);
	if (rm->tick_seq <= rm->daemon_seq)
		rm->tick = false;
	if (!snap)
		return -EAGAIN;
	rm->seq++;
	/* The machine's resources are read here, as a local monitor would. */
	snap->res = res_snapshot_take(js->res, snap->info.end_ns);
	*ret = snap;
	return 0;
}

int remote_sample(struct joulestat *js, struct joulestat_snapshot **ret)
{
	return pull(js, true, ret);
}

int remote_set_groups(struct joulestat *js, uint32_t groups)
{
	struct remote *rm = js->remote;
	uint32_t old = rm->groups;
	int r;

	rm->groups = groups ? groups : 1u << JOULESTAT_GROUP_PROCESS;
	r = subscribe(rm);
	if (r < 0)
		rm->groups = old;
	return r;
}

int remote_tree(struct joulestat *js, int pid, bool add)
{
	struct remote *rm = js->remote;
	char req[96], extra[32];
	const char *p;
	size_t len;
	int n, r;

	snprintf(extra, sizeof(extra), "\"pid\":%d", pid);
	n = request(rm, req, sizeof(req), add ? "tree" : "untree", extra);
	r = call(rm, &rm->main, req, (size_t)n, REMOTE_TIMEOUT_MS, &p, &len);
	if (r == 0 && add && !(rm->groups & (1u << JOULESTAT_GROUP_TREE))) {
		rm->groups |= 1u << JOULESTAT_GROUP_TREE;
		r = subscribe(rm);
	}
	return r;
}

int remote_fd(struct joulestat *js)
{
	return js->remote->main.fd;
}

int remote_dispatch(struct joulestat *js, joulestat_snapshot_fn cb, void *userdata)
{
	struct remote *rm = js->remote;
	struct joulestat_snapshot *snap;
	struct wire_header h;
	const char *p;
	int r;

	/* Read what came: ticks, or the end of the connection. */
	for (;;) {
		r = rconn_recv(&rm->main, 0, &h, &p);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			return r;
		if (h.type == WIRE_EVENT)
			note_event(rm, p, h.len);
		else
			return -EPROTO; /* a reply nobody asked for */
	}
	if (!rm->tick)
		return 0;
	r = pull(js, false, &snap);
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return r;
	r = cb ? cb(js, snap, userdata) : 0;
	joulestat_snapshot_free(snap);
	return r < 0 ? r : 1;
}

/* ---- per-PID queries ---- */

/*
 * One "pid" call for pids[0 .. n) (n ≤ WIRE_PIDS_MAX), answers into ret
 * (stride apart): a PID that cannot be one (≤ 0) is not asked, and found
 * false. Returns the number found or -errno.
 */
static int pid_call(struct remote *rm, const int *pids, size_t n, struct joulestat_pid_energy *ret,
		    size_t stride, bool *ret_denied)
{
	size_t cap = 64 + n * 12, len = 0, nasked = 0;
	char *req = malloc(cap);
	struct jsonr_doc doc;
	const struct jsonr_node *a, *x;
	const char *p;
	size_t plen, i = 0;
	int r, found = 0;

	if (!req)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct joulestat_pid_energy o = { .sz = sizeof(o), .pid = pids[k],
						  .source = rm->source };

		COPY_OUT((struct joulestat_pid_energy *)((char *)ret + k * stride), o);
		nasked += pids[k] > 0;
	}
	if (!nasked) {
		free(req);
		return 0;
	}
	len = (size_t)snprintf(req, cap, "{\"op\":\"pid\",\"pids\":[");
	for (size_t k = 0, first = 1; k < n; k++)
		if (pids[k] > 0) {
			len += (size_t)snprintf(req + len, cap - len, "%s%d", first ? "" : ",",
						pids[k]);
			first = 0;
		}
	len += (size_t)snprintf(req + len, cap - len, "]}");
	if (rm->query.fd < 0) {
		r = rconn_connect(rm->path, &rm->query);
		if (r < 0)
			goto out;
	}
	r = call(rm, &rm->query, req, len, REMOTE_TIMEOUT_MS, &p, &plen);
	if (r < 0) {
		/* A broken connection is opened again by the next query. */
		if (r != -EACCES && r != -ENODATA && r != -EINVAL)
			rconn_close(&rm->query);
		goto out;
	}
	r = -EPROTO;
	if (jsonr_parse(p, plen, &doc, NULL) < 0)
		goto out;
	a = jsonr_get(&doc, &doc.nodes[0], "pids");
	if (!a || a->type != JSONR_ARRAY || a->count != nasked)
		goto done;
	for (x = jsonr_first(&doc, a); x; x = jsonr_next(&doc, x), i++) {
		struct joulestat_pid_energy o = { .sz = sizeof(o) }, *dst;
		const struct jsonr_node *f;

		while (i < n && pids[i] <= 0)
			i++;
		if (i >= n || x->type != JSONR_OBJECT)
			goto done;
		dst = (void *)((char *)ret + i * stride);
		o.pid = pids[i];
		f = jsonr_get(&doc, x, "found");
		o.found = f && f->type == JSONR_BOOL && f->boolean;
		f = jsonr_get(&doc, x, "denied");
		if (ret_denied && f && f->type == JSONR_BOOL && f->boolean)
			*ret_denied = true;
		o.source = rm->source;
		if (o.found) {
#define U64(field)                                                                                 \
	do {                                                                                       \
		f = jsonr_get(&doc, x, #field);                                                    \
		if (!f || f->type != JSONR_NUMBER || !f->is_u64)                                   \
			goto done;                                                                 \
		o.field = f->u64;                                                                  \
	} while (0)
			U64(energy_uj);
			U64(interval_energy_uj);
			U64(cpu_ns);
			U64(timestamp_ns);
#undef U64
			f = jsonr_get(&doc, x, "power_w");
			o.power_w = f && f->type == JSONR_NUMBER ? f->dbl : NAN;
			f = jsonr_get(&doc, x, "reliable");
			o.reliable = f && f->type == JSONR_BOOL && f->boolean;
			f = jsonr_get(&doc, x, "source");
			if (f && f->type == JSONR_STRING && strcmp(f->str, "procpower") == 0)
				o.source = "procpower";
			found++;
		}
		COPY_OUT(dst, o);
	}
	r = found;
done:
	jsonr_free(&doc);
out:
	free(req);
	return r;
}

int remote_pid_energy(const struct joulestat *js, const int *pids, size_t n,
		      struct joulestat_pid_energy *ret, bool single)
{
	struct remote *rm = js->remote;
	size_t stride = ret[0].sz;
	bool denied = false;
	int found = 0, r = 0;

	if (single) {
		struct joulestat_pid_energy o = { .sz = sizeof(o) };

		if (pids[0] <= 0)
			return -ENOENT;
		pthread_mutex_lock(&rm->qlock);
		r = pid_call(rm, pids, 1, &o, sizeof(o), &denied);
		pthread_mutex_unlock(&rm->qlock);
		if (r < 0)
			return r;
		if (!o.found)
			return denied ? -EACCES : -ENOENT;
		COPY_OUT(ret, o);
		return 0;
	}
	pthread_mutex_lock(&rm->qlock);
	for (size_t k = 0; k < n && r >= 0; k += WIRE_PIDS_MAX) {
		size_t m = MIN(n - k, (size_t)WIRE_PIDS_MAX);

		r = pid_call(rm, pids + k, m, (void *)((char *)ret + k * stride), stride, NULL);
		if (r >= 0)
			found += r;
	}
	pthread_mutex_unlock(&rm->qlock);
	return r < 0 ? r : found;
}
