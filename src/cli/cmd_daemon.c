/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_daemon.c - `joulestat daemon`: one privileged monitor for the whole
 * machine, which every user, verb and program asks through a Unix socket
 * (docs/DAEMON.md; the protocol in docs/FORMAT.md).
 *
 * One thread, one poll() loop: the monitor's timer (absolute deadlines, so
 * sampling keeps its interval however many clients there are), the
 * listening socket, every connection, and the signals. Each client is
 * served a request at a time, answers queued without ever blocking; a
 * client that sends what is not a frame, more than a request may hold,
 * half a frame for too long, or reads nothing of what it asked for, is
 * dropped, and nobody else waits for it. Who sees what is decided per
 * connection from the kernel's credentials of the peer (disclose.h).
 *
 * What is counted for good - energy per process, per user, per domain -
 * is in dstate.h, saved to the state file every minute and at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dacc.h"
#include "disclose.h"
#include "dsock.h"
#include "dstate.h"
#include "fsroot.h"
#include "outfile.h"
#include "procfs_parse.h"
#include "res_parse.h"
#include "serve.h"
#include "wire.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#define DAEMON_STATE_DIR "/var/lib/joulestat"
#define DAEMON_STATE_FILE "daemon.state"
#define DAEMON_MAX_CLIENTS 1024
/* A user's connections at most (root's and the administrators' are not counted). */
#define DAEMON_MAX_PER_USER 256
/* Half a frame for longer than this, or unread answers for longer: dropped. */
#define DAEMON_STALL_NS (5 * NSEC_PER_SEC)
#define DAEMON_WRITE_STALL_NS (10 * NSEC_PER_SEC)
/* Unread answers beyond this: dropped at once. */
#define DAEMON_OUT_MAX (64u << 20)
/* Stop reading a client's requests while this much of its answers waits. */
#define DAEMON_OUT_PAUSE (1u << 20)
/* Requests handled per client per turn of the loop, so one cannot starve the others. */
#define DAEMON_TURN_REQUESTS 16
/* Samples a client asks for (sync) are at least this far apart. */
#define DAEMON_SYNC_GAP_NS (10 * NSEC_PER_MSEC)
#define DAEMON_SAVE_EVERY_NS (60 * NSEC_PER_SEC)
#define DAEMON_PRUNE_EVERY_NS (60 * NSEC_PER_SEC)

/* Where --metrics serves /metrics: serve's own default. */
#define DAEMON_METRICS_LISTEN "127.0.0.1:9877"

struct daemon_opts {
	const char *socket;
	uint64_t interval_ns;
	enum joulestat_idle_policy idle;
	enum disclose_policy disclose;
	const char *admin_group;
	const char *state_dir;		/* NULL: no state file */
	unsigned max_clients;
	/* serve's exporter in the same loop (serve.h) */
	const char *listen;
	bool metrics;			/* --metrics: HTTP on DAEMON_METRICS_LISTEN unless --listen */
	const char *om_file;
	enum joulestat_group metrics_group;
	const char *web_config;
};

struct conn {
	int fd;
	struct dsock_peer peer;
	bool peer_known;
	enum disclose_policy view;
	bool admin;			/* root or the administrators' group: no per-user cap */
	char *in;
	size_t in_len;
	uint64_t partial_since_ns;	/* a frame begun and not whole since (0: none) */
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t out_since_ns;		/* answers waiting, with no byte taken since */
	bool closing;			/* close once the answers are out */
	bool dead;
	struct dacc *acc;		/* subscribed */
	uint32_t sub_groups;		/* what it subscribed to */
	uint64_t sub_interval_ns;
	uint64_t delivered_end_ns;	/* end of the last snapshot it took */
	bool ticked;
	bool sync_pending;
	uint64_t sync_id;
	uint64_t sync_after_ns;
	struct dacc_root *roots;
	size_t nroots;
};

/* One process row of the last snapshot, for per-PID queries (sorted by pid, then start). */
struct pid_ent {
	int pid;
	uint64_t start_ns;
	size_t row;
};

struct daemon {
	struct daemon_opts o;
	struct cli_common *common;
	struct joulestat *js;
	struct dsock sock;
	struct conn **conns;
	size_t nconns;
	bool has_admin_gid;
	uint32_t admin_gid;
	struct dstate st;
	char *state_path;
	uint64_t seq;
	uint64_t last_end_ns;
	struct joulestat_snapshot *last;
	struct joulestat_row *last_rows;	/* its process rows */
	size_t nlast_rows;
	struct pid_ent *pidx;
	uint64_t started_realtime_ns;
	char source[160];
	uint32_t groups;			/* carried by the monitor now */
	uint64_t next_save_ns, next_prune_ns;
	uint64_t tick_ns;			/* /proc's clock tick */
	const char *procfs;
	struct serve_embed *metrics;		/* --listen, --openmetrics-file */
	uint64_t sample_start_ns;		/* when the sample being handled began */
	int sigfd;
	bool stop;
};

void cmd_daemon_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat daemon [OPTIONS] [COMMON OPTIONS]\n\n"
		"Measure for the whole machine, once: hold the energy sources and the eBPF\n"
		"collector, sample every interval, and answer on a Unix socket the verbs (top,\n"
		"run, record, probe, profile) and programs (libjoulestat) of every user, without\n"
		"privileges. Who sees what of other users' processes is the --disclose policy;\n"
		"root and the administrators' group see everything. Energy per process, user and\n"
		"domain is kept in a state file across restarts. docs/DAEMON.md.\n\n"
		"Options:\n"
		"  --socket PATH          where to listen (default " JOULESTAT_DAEMON_SOCKET ");\n"
		"                         a socket passed by systemd (joulestat.socket) is used\n"
		"                         instead\n"
		"  -i, --interval SEC     sampling interval (default 1, 0.01 to 3600)\n"
		"  --idle POLICY          separate (default), proportional or baseline\n"
		"  --disclose POLICY      what an ordinary user sees of the others: all, own (the\n"
		"                         default: their processes summed per user) or none (one\n"
		"                         row for all other users)\n"
		"  --admin-group NAME     members see everything (default " DISCLOSE_DEFAULT_GROUP ")\n"
		"  --state-dir DIR        keep the counters in DIR/" DAEMON_STATE_FILE " (default\n"
		"                         " DAEMON_STATE_DIR ")\n"
		"  --no-state             keep no state file: counters start over at each start\n"
		"  --max-clients N        connections at once (default %d, 1 to 65536)\n"
		"  --listen ADDR:PORT     also export /metrics over HTTP, as 'joulestat serve'\n"
		"                         does (docs/METRICS.md), from the same samples\n"
		"  --metrics              the same on " DAEMON_METRICS_LISTEN " unless --listen says where\n"
		"  --openmetrics-file PATH  also write the metrics to PATH each interval (PCP)\n"
		"  --group G              the exporter's series per comm (default), cgroup, unit,\n"
		"                         container, vm, user or process\n"
		"  --web-config-file PATH  the exporter's TLS and basic authentication\n\n",
		DAEMON_MAX_CLIENTS);
	cli_common_help(out);
}

const struct option cmd_daemon_options[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "idle", required_argument, NULL, 0x2001 },
	{ "disclose", required_argument, NULL, 0x2002 },
	{ "admin-group", required_argument, NULL, 0x2003 },
	{ "state-dir", required_argument, NULL, 0x2004 },
	{ "no-state", no_argument, NULL, 0x2005 },
	{ "max-clients", required_argument, NULL, 0x2006 },
	{ "listen", required_argument, NULL, 0x2007 },
	{ "openmetrics-file", required_argument, NULL, 0x2008 },
	{ "group", required_argument, NULL, 0x2009 },
	{ "web-config-file", required_argument, NULL, 0x200a },
	{ "metrics", no_argument, NULL, 0x200b },
	CLI_COMMON_OPTIONS,
	{ 0 },
};

static int parse_args(int argc, char **argv, struct cli_common *common, struct daemon_opts *o)
{
	double v;
	int opt, r;

	*o = (struct daemon_opts){
		.interval_ns = NSEC_PER_SEC,
		.disclose = DISCLOSE_DEFAULT,
		.admin_group = DISCLOSE_DEFAULT_GROUP,
		.state_dir = DAEMON_STATE_DIR,
		.max_clients = DAEMON_MAX_CLIENTS,
		.metrics_group = JOULESTAT_GROUP_COMM,
	};
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:v", cmd_daemon_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'i':
			r = cli_seconds_option("daemon", "-i", optarg, 0.01, 3600, &v);
			if (r)
				return r;
			o->interval_ns = (uint64_t)llround(v * 1e9);
			break;
		case 0x2001:
			r = cli_idle_option("daemon", optarg, &o->idle);
			if (r)
				return r;
			break;
		case 0x2002:
			if (disclose_policy_from_name(optarg, &o->disclose) < 0) {
				cli_error("daemon", "--disclose: '%s' is not one of all, own, none",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 0x2003:
			if (!optarg[0]) {
				cli_error("daemon", "--admin-group: empty name");
				return EXIT_USAGE;
			}
			o->admin_group = optarg;
			break;
		case 0x2004:
			if (!optarg[0]) {
				cli_error("daemon", "--state-dir: empty path");
				return EXIT_USAGE;
			}
			o->state_dir = optarg;
			break;
		case 0x2005:
			o->state_dir = NULL;
			break;
		case 0x2006:
			if (cli_parse_seconds(optarg, 1, 65536, &v) < 0 || v != floor(v)) {
				cli_error("daemon", "--max-clients: '%s' is not a whole number from 1 to "
						    "65536", optarg);
				return EXIT_USAGE;
			}
			o->max_clients = (unsigned)v;
			break;
		case 0x2007:
		case 0x2008:
		case 0x200a:
			if (!optarg[0]) {
				cli_error("daemon", "%s: empty", opt == 0x2007 ? "--listen"
							   : opt == 0x2008 ? "--openmetrics-file"
									   : "--web-config-file");
				return EXIT_USAGE;
			}
			if (opt == 0x2007)
				o->listen = optarg;
			else if (opt == 0x2008)
				o->om_file = optarg;
			else
				o->web_config = optarg;
			break;
		case 0x2009:
			if (joulestat_group_from_name(optarg, &o->metrics_group) < 0 ||
			    o->metrics_group == JOULESTAT_GROUP_THREAD ||
			    o->metrics_group == JOULESTAT_GROUP_TREE) {
				cli_error("daemon", "--group: '%s' is not one of comm, cgroup, unit, "
						    "container, vm, user, process", optarg);
				return EXIT_USAGE;
			}
			break;
		case 0x200b:
			o->metrics = true;
			break;
		default:
			return cli_usage_error("daemon");
		}
	}
	if (o->metrics && !o->listen)
		o->listen = DAEMON_METRICS_LISTEN;
	if (optind < argc) {
		cli_error("daemon", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("daemon");
	}
	if (common->daemon_set) {
		cli_error("daemon", "--daemon and --no-daemon are for the daemon's clients");
		return EXIT_USAGE;
	}
	o->socket = common->socket ? common->socket : JOULESTAT_DAEMON_SOCKET;
	return 0;
}

/* ---- connections: output ---- */

static void conn_flush(struct daemon *d, struct conn *c)
{
	(void)d;
	while (c->out_off < c->out_len && !c->dead) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			c->out_since_ns = cli_mono_ns();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->dead = true;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		c->out_since_ns = 0;
		/* Give back what a big answer took. */
		if (c->out_cap > (4u << 20)) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->closing)
			c->dead = true;
	}
}

/* Queue a frame whose payload is w's text (w was started with WIRE_HEADER_SIZE reserved). */
static void conn_send(struct daemon *d, struct conn *c, enum wire_type type, struct wjson *w)
{
	size_t len, pending;

	if (c->dead)
		return;
	if (w->failed || w->len - WIRE_HEADER_SIZE > WIRE_REPLY_MAX) {
		/* Out of memory, or bigger than any client reads: it gets no answer but this. */
		static const char nomem[] = "{\"ok\":false,\"errno\":\"ENOMEM\",\"error\":\"the daemon "
					    "could not build the answer\"}";

		wjson_done(w);
		wjson_init(w, WIRE_HEADER_SIZE);
		if (w->failed)
			return;
		memcpy(w->buf + WIRE_HEADER_SIZE, nomem, sizeof(nomem) - 1);
		w->len = WIRE_HEADER_SIZE + sizeof(nomem) - 1;
	}
	len = w->len;
	wire_header_write((uint8_t *)w->buf, type, (uint32_t)(len - WIRE_HEADER_SIZE));
	pending = c->out_len - c->out_off;
	if (pending + len > DAEMON_OUT_MAX) {
		c->dead = true; /* it reads nothing of what it asked for */
		return;
	}
	if (!pending && !c->out) {
		/* Take the buffer as it is: a snapshot is not copied. */
		c->out = w->buf;
		c->out_cap = w->cap;
		c->out_len = len;
		c->out_off = 0;
		*w = (struct wjson){ 0 };
	} else {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, pending);
			c->out_len = pending;
			c->out_off = 0;
		}
		if (c->out_cap - c->out_len < len) {
			size_t cap = c->out_len + len + 4096;
			char *b = realloc(c->out, cap);

			if (!b) {
				c->dead = true;
				wjson_done(w);
				return;
			}
			c->out = b;
			c->out_cap = cap;
		}
		memcpy(c->out + c->out_len, w->buf, len);
		c->out_len += len;
		wjson_done(w);
	}
	if (!c->out_since_ns)
		c->out_since_ns = cli_mono_ns();
	conn_flush(d, c);
}

static void reply_start(struct wjson *w, uint64_t id)
{
	wjson_init(w, WIRE_HEADER_SIZE);
	wjson_begin_object(w);
	wjson_key(w, "ok");
	wjson_bool(w, true);
	if (id) {
		wjson_key(w, "id");
		wjson_u64(w, id);
	}
}

static void reply_end(struct daemon *d, struct conn *c, struct wjson *w)
{
	wjson_end_object(w);
	conn_send(d, c, WIRE_REPLY, w);
}

static void reply_error(struct daemon *d, struct conn *c, uint64_t id, int err, const char *fmt,
			...) __attribute__((format(printf, 5, 6)));

static void reply_error(struct daemon *d, struct conn *c, uint64_t id, int err, const char *fmt,
			...)
{
	struct wjson w;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wjson_init(&w, WIRE_HEADER_SIZE);
	wjson_begin_object(&w);
	wjson_key(&w, "ok");
	wjson_bool(&w, false);
	if (id) {
		wjson_key(&w, "id");
		wjson_u64(&w, id);
	}
	wjson_key(&w, "errno");
	wjson_string(&w, wire_errno_name(err));
	wjson_key(&w, "error");
	wjson_string(&w, msg);
	wjson_end_object(&w);
	conn_send(d, c, WIRE_REPLY, &w);
}

/* ---- the answers ---- */

static const char *user_view_name(enum disclose_policy v)
{
	return disclose_policy_name(v);
}

static void on_hello(struct daemon *d, struct conn *c, const struct wire_request *q)
{
	struct wjson w;
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };

	if (q->protocol != WIRE_VERSION) {
		reply_error(d, c, q->id, -EPROTONOSUPPORT,
			    "this daemon speaks protocol %d, not %" PRIu32 ": update libjoulestat or "
			    "the daemon so that they match", WIRE_VERSION, q->protocol);
		return;
	}
	(void)si;
	reply_start(&w, q->id);
	wjson_key(&w, "protocol");
	wjson_u64(&w, WIRE_VERSION);
	wjson_key(&w, "version");
	wjson_string(&w, joulestat_version());
	wjson_key(&w, "pid");
	wjson_u64(&w, (uint64_t)getpid());
	wjson_key(&w, "started_realtime_ns");
	wjson_u64(&w, d->started_realtime_ns);
	wjson_key(&w, "counting_since_realtime_ns");
	wjson_u64(&w, d->st.since_realtime_ns);
	wjson_key(&w, "restarts");
	wjson_u64(&w, d->st.restarts);
	wjson_key(&w, "interval_ns");
	wjson_u64(&w, d->o.interval_ns);
	wjson_key(&w, "idle_policy");
	wjson_string(&w, joulestat_idle_policy_name(d->o.idle));
	wjson_key(&w, "syscalls");
	wjson_bool(&w, d->common->syscalls);
	wjson_key(&w, "policy");
	wjson_string(&w, disclose_policy_name(d->o.disclose));
	wjson_key(&w, "view");
	wjson_string(&w, user_view_name(c->view));
	wjson_key(&w, "uid");
	wjson_u64(&w, c->peer.uid);
	wjson_key(&w, "source");
	wjson_string(&w, d->source);
	reply_end(d, c, &w);
}

static uint64_t dom_base(const struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->st.ndoms; i++)
		if (strcmp(d->st.doms[i].name, name) == 0)
			return d->st.doms[i].base_uj;
	return 0;
}

static void on_monitor(struct daemon *d, struct conn *c, const struct wire_request *q)
{
	struct joulestat *js = d->js;
	struct joulestat_activity_info ai = { .sz = sizeof(ai) };
	struct joulestat_model_info mi = { .sz = sizeof(mi) };
	unsigned ncpus = joulestat_cpu_count(js), seen = 0;
	struct wjson w;

	reply_start(&w, q->id);
	wjson_key(&w, "topology");
	wjson_begin_object(&w);
	wjson_key(&w, "cpus");
	wjson_u64(&w, ncpus);
	wjson_key(&w, "sockets");
	wjson_u64(&w, joulestat_socket_count(js));
	wjson_key(&w, "model");
	wjson_string(&w, joulestat_cpu_model(js));
	wjson_key(&w, "cpu_socket");
	wjson_begin_array(&w);
	/* CPU ids may have holes (offline CPUs): up to the last online one. */
	for (unsigned cpu = 0; seen < ncpus && cpu < 65536; cpu++) {
		int s = joulestat_cpu_socket(js, cpu);

		wjson_i64(&w, s >= 0 ? s : -1);
		seen += s >= 0;
	}
	wjson_end_array(&w);
	wjson_end_object(&w);
	wjson_key(&w, "sources");
	wjson_begin_array(&w);
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) < 0)
			continue;
		wjson_begin_object(&w);
		wjson_key(&w, "name");
		wjson_string(&w, si.name);
		wjson_key(&w, "state");
		wjson_string(&w, wire_state_name(si.state));
		wjson_key(&w, "error");
		wjson_string(&w, si.error ? wire_errno_name(si.error) : "");
		wjson_key(&w, "reason");
		wjson_string(&w, si.reason);
		wjson_key(&w, "domains");
		wjson_u64(&w, si.domains);
		wjson_key(&w, "estimated");
		wjson_bool(&w, si.estimated);
		wjson_end_object(&w);
	}
	wjson_end_array(&w);
	wjson_key(&w, "collectors");
	wjson_begin_array(&w);
	for (size_t i = 0; i < joulestat_collector_count(js); i++) {
		struct joulestat_collector_info ci = { .sz = sizeof(ci) };

		if (joulestat_collector_get(js, i, &ci) < 0)
			continue;
		wjson_begin_object(&w);
		wjson_key(&w, "name");
		wjson_string(&w, ci.name);
		wjson_key(&w, "state");
		wjson_string(&w, wire_state_name(ci.state));
		wjson_key(&w, "error");
		wjson_string(&w, ci.error ? wire_errno_name(ci.error) : "");
		wjson_key(&w, "reason");
		wjson_string(&w, ci.reason);
		wjson_end_object(&w);
	}
	wjson_end_array(&w);
	wjson_key(&w, "activity");
	if (joulestat_activity_get(js, &ai) == 0) {
		wjson_begin_object(&w);
		wjson_key(&w, "collector");
		wjson_string(&w, ai.collector);
		wjson_key(&w, "detail");
		wjson_string(&w, ai.detail);
		wjson_key(&w, "samples");
		wjson_u64(&w, ai.samples);
		wjson_key(&w, "interval_ns");
		wjson_u64(&w, ai.interval_ns);
		wjson_key(&w, "coverage");
		wjson_begin_array(&w);
		for (unsigned i = 0; ai.coverage && i < ai.ncpus; i++)
			wjson_double(&w, isfinite(ai.coverage[i]) ? ai.coverage[i] : 0);
		wjson_end_array(&w);
		wjson_key(&w, "tasks");
		wjson_u64(&w, ai.tasks);
		wjson_key(&w, "dropped");
		wjson_u64(&w, ai.dropped);
		wjson_key(&w, "lost_ns");
		wjson_u64(&w, ai.lost_ns);
		wjson_key(&w, "captured");
		wjson_double(&w, ai.captured);
		wjson_key(&w, "syscalls_counted");
		wjson_bool(&w, ai.syscalls_counted);
		wjson_key(&w, "syscalls");
		wjson_u64(&w, ai.syscalls);
		wjson_key(&w, "irq_ns");
		wjson_u64(&w, ai.irq_ns);
		wjson_end_object(&w);
	} else {
		wjson_null(&w);
	}
	wjson_key(&w, "domains");
	wjson_begin_array(&w);
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };
		struct joulestat_static_info st = { .sz = sizeof(st) };

		if (joulestat_domain_get(js, i, &di) < 0)
			continue;
		/* A process's own meter is named after its PID. */
		if (c->view != DISCLOSE_ALL && di.kind == JOULESTAT_DOMAIN_PROCESS)
			continue;
		if (joulestat_static_get(js, i, &st) < 0)
			st = (struct joulestat_static_info){ .from = "none" };
		wjson_begin_object(&w);
		wjson_key(&w, "name");
		wjson_string(&w, di.name);
		wjson_key(&w, "kind");
		wjson_string(&w, joulestat_domain_kind_name(di.kind));
		wjson_key(&w, "source");
		wjson_string(&w, di.source);
		wjson_key(&w, "path");
		wjson_string(&w, di.path);
		wjson_key(&w, "socket");
		wjson_i64(&w, di.socket);
		wjson_key(&w, "pid");
		wjson_u64(&w, di.pid > 0 ? (uint64_t)di.pid : 0);
		wjson_key(&w, "cpu_mask");
		wjson_begin_array(&w);
		for (size_t k = 0; k < di.cpu_mask_words; k++)
			wjson_u64(&w, di.cpu_mask[k]);
		wjson_end_array(&w);
		wjson_key(&w, "energy_uj");
		wjson_u64(&w, dom_base(d, di.name) + di.energy_uj);
		wjson_key(&w, "timestamp_ns");
		wjson_u64(&w, di.timestamp_ns);
		wjson_key(&w, "max_energy_range_uj");
		wjson_u64(&w, di.max_energy_range_uj);
		wjson_key(&w, "raw_uj");
		wjson_u64(&w, di.raw_uj);
		wjson_key(&w, "wraps");
		wjson_u64(&w, di.wraps);
		wjson_key(&w, "errors");
		wjson_u64(&w, di.errors);
		wjson_key(&w, "power_w");
		wjson_double(&w, di.power_w);
		wjson_key(&w, "estimated");
		wjson_bool(&w, di.estimated);
		wjson_key(&w, "in_host_total");
		wjson_bool(&w, di.in_host_total);
		wjson_key(&w, "warming_up");
		wjson_bool(&w, di.warming_up);
		wjson_key(&w, "refused");
		wjson_u64(&w, di.refused);
		wjson_key(&w, "static_mw");
		wjson_u64(&w, st.static_mw);
		wjson_key(&w, "static_origin");
		wjson_string(&w, joulestat_static_origin_name(st.origin));
		wjson_key(&w, "static_from");
		wjson_string(&w, st.from ? st.from : "none");
		wjson_end_object(&w);
	}
	wjson_end_array(&w);
	wjson_key(&w, "model");
	if (joulestat_model_get(js, &mi) == 0) {
		wjson_begin_object(&w);
		wjson_key(&w, "idle_mw");
		wjson_u64(&w, mi.idle_mw);
		wjson_key(&w, "max_mw");
		wjson_u64(&w, mi.max_mw);
		wjson_key(&w, "origin");
		wjson_string(&w, mi.origin);
		wjson_end_object(&w);
	} else {
		wjson_null(&w);
	}
	reply_end(d, c, &w);
}

/* The newest process row of `pid` in the last snapshot, or NULL. */
static const struct joulestat_row *last_row_of(const struct daemon *d, int pid)
{
	size_t lo = 0, hi = d->nlast_rows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->pidx[mid].pid <= pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && d->pidx[lo - 1].pid == pid)
		return &d->last_rows[d->pidx[lo - 1].row];
	return NULL;
}

/* Does a process's own meter (a process domain) measure pid? */
static bool metered(const struct daemon *d, int pid)
{
	for (size_t i = 0; i < joulestat_domain_count(d->js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		if (joulestat_domain_get(d->js, i, &di) == 0 &&
		    di.kind == JOULESTAT_DOMAIN_PROCESS && di.pid == pid && !di.warming_up)
			return true;
	}
	return false;
}

static void on_pid(struct daemon *d, struct conn *c, const struct wire_request *q)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	bool any_meter = false;
	struct wjson w;

	if (!d->last || joulestat_snapshot_get(d->last, &si) < 0) {
		reply_error(d, c, q->id, -ENODATA, "no sample yet: ask again after the first "
						   "interval");
		return;
	}
	for (size_t i = 0; i < joulestat_domain_count(d->js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		if (joulestat_domain_get(d->js, i, &di) == 0 && di.kind == JOULESTAT_DOMAIN_PROCESS)
			any_meter = true;
	}
	reply_start(&w, q->id);
	wjson_key(&w, "pids");
	wjson_begin_array(&w);
	for (size_t i = 0; i < q->npids; i++) {
		int pid = q->pids[i];
		const struct joulestat_row *row = last_row_of(d, pid);
		const struct dstate_proc *p = row ? dstate_proc_find(&d->st, (uint32_t)pid,
								     row->start_ns)
						  : dstate_proc_newest(&d->st, (uint32_t)pid);
		uint32_t uid = row ? row->uid : p ? p->uid : DISCLOSE_UID_NOBODY;
		bool found = row || p;
		bool denied = found && c->view != DISCLOSE_ALL && uid != c->peer.uid;

		wjson_begin_object(&w);
		wjson_key(&w, "pid");
		wjson_i64(&w, pid);
		wjson_key(&w, "found");
		wjson_bool(&w, found && !denied);
		if (denied) {
			wjson_key(&w, "denied");
			wjson_bool(&w, true);
		} else if (found) {
			wjson_key(&w, "energy_uj");
			wjson_u64(&w, p ? p->energy_uj : row->cumulative_uj);
			wjson_key(&w, "interval_energy_uj");
			wjson_u64(&w, row ? row->energy_uj : 0);
			wjson_key(&w, "power_w");
			wjson_double(&w, row ? row->power_w : 0);
			wjson_key(&w, "cpu_ns");
			wjson_u64(&w, row ? row->cpu_ns : 0);
			wjson_key(&w, "timestamp_ns");
			wjson_u64(&w, si.end_ns);
			wjson_key(&w, "reliable");
			wjson_bool(&w, row ? !row->estimated : !si.estimated);
			if (any_meter && row && metered(d, pid)) {
				wjson_key(&w, "source");
				wjson_string(&w, "procpower");
			}
		}
		wjson_end_object(&w);
	}
	wjson_end_array(&w);
	reply_end(d, c, &w);
}

static void recompute_groups(struct daemon *d);

static void on_subscribe(struct daemon *d, struct conn *c, const struct wire_request *q)
{
	struct dacc_opts o = { .view = c->view, .uid = c->peer.uid, .groups = q->groups,
			       .tasks = q->tasks };
	struct wjson w;
	int r;

	if (q->tasks && c->view != DISCLOSE_ALL) {
		reply_error(d, c, q->id, -EACCES,
			    "tasks name every process of every user, and this daemon shows you your "
			    "own (--disclose %s): ask without tasks", disclose_policy_name(d->o.disclose));
		return;
	}
	r = c->acc ? dacc_set(c->acc, &o) : dacc_new(&o, &c->acc);
	if (r == -EOPNOTSUPP) {
		reply_error(d, c, q->id, r,
			    "the daemon does not carry the pod and namespace groupings (its rows "
			    "hold no container names): measure without it (--no-daemon, as root)");
		return;
	}
	if (r < 0) {
		reply_error(d, c, q->id, r, "cannot subscribe: %s", strerror(-r));
		return;
	}
	c->sub_groups = q->groups ? q->groups : 1u << JOULESTAT_GROUP_PROCESS;
	c->sub_interval_ns = q->interval_ns;
	if (!c->delivered_end_ns)
		c->delivered_end_ns = d->last_end_ns;
	recompute_groups(d);
	reply_start(&w, q->id);
	reply_end(d, c, &w);
}

/* Write the merged samples as a "sample" reply, and start over. */
static void send_sample(struct daemon *d, struct conn *c, uint64_t id)
{
	struct wjson w;

	reply_start(&w, id);
	if (c->acc) {
		uint64_t end = dacc_samples(c->acc) ? d->last_end_ns : 0;

		dacc_write(c->acc, &w, d->seq);
		if (end)
			c->delivered_end_ns = end;
	} else {
		wjson_key(&w, "daemon_seq");
		wjson_u64(&w, d->seq);
		wjson_key(&w, "samples");
		wjson_u64(&w, 0);
	}
	c->ticked = false;
	reply_end(d, c, &w);
}

static void on_sample(struct daemon *d, struct conn *c, const struct wire_request *q)
{
	if (!c->acc) {
		reply_error(d, c, q->id, -EINVAL, "subscribe first (\"op\":\"subscribe\")");
		return;
	}
	if (!q->sync) {
		send_sample(d, c, q->id);
		return;
	}
	/* Answered after a sample that ends after now (the loop takes it). */
	c->sync_pending = true;
	c->sync_id = q->id;
	c->sync_after_ns = cli_mono_ns();
}

/* The four uids of /proc/PID/status, and the start of /proc/PID/stat (ns since boot). */
static int read_proc(const struct daemon *d, int pid, uint32_t uids[4], uint64_t *ret_start_ns)
{
	char path[64], buf[4096];
	struct task_status ts;
	struct task_stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/status", d->procfs, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || parse_task_status(buf, (size_t)n, &ts) < 0 || !ts.has_uid ||
	    ts.tgid != (uint32_t)pid)
		return -ESRCH;
	memcpy(uids, ts.uid, sizeof(ts.uid));
	snprintf(path, sizeof(path), "%s/%d/stat", d->procfs, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || parse_task_stat(buf, (size_t)n, &st) < 0)
		return -ESRCH;
	*ret_start_ns = st.starttime_ticks * d->tick_ns;
	return 0;
}

static void on_tree(struct daemon *d, struct conn *c, const struct wire_request *q, bool add)
{
	uint32_t uids[4], admin_gid = d->admin_gid;
	struct disclose_peer peer = { .uid = c->peer.uid, .gid = c->peer.gid,
				      .groups = c->peer.groups, .ngroups = c->peer.ngroups };
	uint64_t start = 0;
	struct wjson w;
	size_t k;
	int r;

	if (!add) {
		for (k = 0; k < c->nroots && c->roots[k].pid != q->pid; k++)
			;
		if (k == c->nroots) {
			reply_error(d, c, q->id, -ENOENT, "this connection follows no tree rooted at %d",
				    (int)q->pid);
			return;
		}
		(void)joulestat_tree_remove(d->js, q->pid);
		c->roots[k] = c->roots[--c->nroots];
		recompute_groups(d);
		reply_start(&w, q->id);
		reply_end(d, c, &w);
		return;
	}
	if (!c->peer_known || read_proc(d, q->pid, uids, &start) < 0) {
		reply_error(d, c, q->id, -ESRCH, "no process %d to follow", (int)q->pid);
		return;
	}
	if (!disclose_may_follow(&peer, d->has_admin_gid, admin_gid, uids)) {
		reply_error(d, c, q->id, -EPERM,
			    "process %d is not yours (uid %" PRIu32 "): only root and the %s group "
			    "may follow another user's processes", (int)q->pid, uids[0],
			    d->o.admin_group);
		return;
	}
	if (c->nroots >= 64) {
		reply_error(d, c, q->id, -E2BIG, "64 trees per connection at most");
		return;
	}
	r = joulestat_tree_add(d->js, q->pid);
	if (r < 0) {
		reply_error(d, c, q->id, r, "cannot follow process %d: %s", (int)q->pid,
			    strerror(-r));
		return;
	}
	{
		struct dacc_root *v = realloc(c->roots, (c->nroots + 1) * sizeof(*v));

		if (!v) {
			(void)joulestat_tree_remove(d->js, q->pid);
			reply_error(d, c, q->id, -ENOMEM, "out of memory");
			return;
		}
		c->roots = v;
		c->roots[c->nroots++] = (struct dacc_root){ .pid = q->pid, .start_ns = start };
	}
	recompute_groups(d);
	reply_start(&w, q->id);
	wjson_key(&w, "start_ns");
	wjson_u64(&w, start);
	reply_end(d, c, &w);
}

static void handle_request(struct daemon *d, struct conn *c, const char *payload, size_t len)
{
	struct wire_request *q = malloc(sizeof(*q));
	char err[256];
	int r;

	if (!q) {
		reply_error(d, c, 0, -ENOMEM, "out of memory");
		return;
	}
	r = wire_request_parse(payload, len, q, err, sizeof(err));
	if (r < 0) {
		reply_error(d, c, 0, r, "%s", r == -ENOMEM ? "out of memory" : err);
		free(q);
		return;
	}
	switch (q->op) {
	case WIRE_OP_HELLO:
		on_hello(d, c, q);
		break;
	case WIRE_OP_MONITOR:
		on_monitor(d, c, q);
		break;
	case WIRE_OP_PID:
		on_pid(d, c, q);
		break;
	case WIRE_OP_SUBSCRIBE:
		on_subscribe(d, c, q);
		break;
	case WIRE_OP_SAMPLE:
		on_sample(d, c, q);
		break;
	case WIRE_OP_TREE:
		on_tree(d, c, q, true);
		break;
	case WIRE_OP_UNTREE:
		on_tree(d, c, q, false);
		break;
	case WIRE_OP__COUNT:
		break;
	}
	free(q);
}

/* ---- connections: input ---- */

/* A client that does not speak the protocol: say why, then close once that is out. */
static void refuse_client(struct daemon *d, struct conn *c, int err, const char *why)
{
	reply_error(d, c, 0, err, "%s", why);
	c->closing = true;
	c->in_len = 0;
	if (c->out_off == c->out_len)
		c->dead = true;
}

static void conn_read(struct daemon *d, struct conn *c)
{
	size_t cap = WIRE_HEADER_SIZE + WIRE_REQUEST_MAX;
	unsigned handled = 0;

	if (!c->in) {
		c->in = malloc(cap);
		if (!c->in) {
			c->dead = true;
			return;
		}
	}
	for (;;) {
		struct wire_header h;
		ssize_t n;
		int r;

		/* Whole frames first. */
		while (!c->closing && !c->sync_pending && handled < DAEMON_TURN_REQUESTS) {
			r = wire_header_parse(c->in, c->in_len, WIRE_REQUEST_MAX, &h);
			if (r == -EAGAIN)
				break;
			if (r == -EMSGSIZE) {
				refuse_client(d, c, -EMSGSIZE, "a request is at most 64 KiB");
				return;
			}
			if (r < 0 || h.type != WIRE_REQUEST) {
				refuse_client(d, c, r == -EPROTONOSUPPORT ? r : -EPROTO,
					      r == -EPROTONOSUPPORT
						      ? "another protocol version: update libjoulestat "
							"or the daemon so that they match"
						      : "not a joulestat request frame "
							"(docs/FORMAT.md, \"The daemon protocol\")");
				return;
			}
			if (c->in_len < WIRE_HEADER_SIZE + h.len)
				break;
			handle_request(d, c, c->in + WIRE_HEADER_SIZE, h.len);
			handled++;
			memmove(c->in, c->in + WIRE_HEADER_SIZE + h.len,
				c->in_len - WIRE_HEADER_SIZE - h.len);
			c->in_len -= WIRE_HEADER_SIZE + h.len;
			if (c->dead)
				return;
		}
		c->partial_since_ns = c->in_len ? (c->partial_since_ns ? c->partial_since_ns
									: cli_mono_ns())
						 : 0;
		/* Paused: it has a turn's worth, waits for a sample, or does not read its answers. */
		if (c->closing || c->sync_pending || handled >= DAEMON_TURN_REQUESTS ||
		    c->out_len - c->out_off > DAEMON_OUT_PAUSE || c->in_len == cap)
			return;
		n = recv(c->fd, c->in + c->in_len, cap - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		c->dead = true; /* closed, or broken */
		return;
	}
}

/* ---- connections: life ---- */

static size_t user_conns(const struct daemon *d, uint32_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nconns; i++)
		n += d->conns[i]->peer_known && d->conns[i]->peer.uid == uid;
	return n;
}

static void conn_free(struct daemon *d, struct conn *c)
{
	for (size_t i = 0; i < c->nroots; i++)
		(void)joulestat_tree_remove(d->js, c->roots[i].pid);
	close(c->fd);
	dsock_peer_done(&c->peer);
	dacc_free(c->acc);
	free(c->in);
	free(c->out);
	free(c->roots);
	free(c);
}

static void accept_all(struct daemon *d)
{
	for (;;) {
		int fd = accept4(d->sock.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct disclose_peer dp;
		struct conn *c, **v;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of descriptors: the next turn tries again */
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->peer_known = dsock_peer_get(fd, &c->peer) == 0;
		if (!c->peer_known)
			c->peer.uid = DISCLOSE_UID_NOBODY;
		dp = (struct disclose_peer){ .uid = c->peer.uid, .gid = c->peer.gid,
					     .groups = c->peer.groups, .ngroups = c->peer.ngroups };
		c->view = c->peer_known ? disclose_view(d->o.disclose, &dp, d->has_admin_gid,
							d->admin_gid)
					: DISCLOSE_NONE;
		c->admin = c->peer_known && c->view == DISCLOSE_ALL && d->o.disclose != DISCLOSE_ALL;
		c->admin |= c->peer_known && c->peer.uid == 0;
		if (d->nconns >= d->o.max_clients ||
		    (!c->admin && user_conns(d, c->peer.uid) >= DAEMON_MAX_PER_USER)) {
			static const char busy[] = "{\"ok\":false,\"errno\":\"EBUSY\",\"error\":\"too "
						   "many connections: try again later\"}";
			uint8_t hdr[WIRE_HEADER_SIZE];

			wire_header_write(hdr, WIRE_REPLY, sizeof(busy) - 1);
			(void)!send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			dsock_peer_done(&c->peer);
			close(fd);
			free(c);
			continue;
		}
		v = realloc(d->conns, (d->nconns + 1) * sizeof(*v));
		if (!v) {
			dsock_peer_done(&c->peer);
			close(fd);
			free(c);
			continue;
		}
		d->conns = v;
		d->conns[d->nconns++] = c;
	}
}

/* Drop the dead, the stalled and those that do not read their answers. */
static void reap(struct daemon *d)
{
	uint64_t now = cli_mono_ns();
	size_t k = 0;
	bool changed = false;

	for (size_t i = 0; i < d->nconns; i++) {
		struct conn *c = d->conns[i];

		if (!c->dead && c->partial_since_ns && now - c->partial_since_ns > DAEMON_STALL_NS)
			c->dead = true;
		if (!c->dead && c->out_since_ns && now - c->out_since_ns > DAEMON_WRITE_STALL_NS)
			c->dead = true;
		if (c->dead) {
			changed |= c->acc || c->nroots;
			conn_free(d, c);
			continue;
		}
		d->conns[k++] = c;
	}
	d->nconns = k;
	if (changed)
		recompute_groups(d);
}

/* ---- the monitor's groupings ---- */

/* What the monitor carries: processes and users always, and what the clients need. */
static void recompute_groups(struct daemon *d)
{
	uint32_t g = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_USER;

	if (d->metrics)
		g |= 1u << d->o.metrics_group;
	for (size_t i = 0; i < d->nconns; i++) {
		const struct conn *c = d->conns[i];

		if (c->acc) {
			struct dacc_opts o = { .view = c->view, .groups = c->sub_groups };

			g |= dacc_needs(&o);
		}
		if (c->nroots)
			g |= 1u << JOULESTAT_GROUP_TREE;
	}
	if (g != d->groups && joulestat_set_groups(d->js, g) == 0)
		d->groups = g;
}

/* ---- the lasting counters ---- */

static void read_boot_id(char *buf, size_t size)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "unknown");
}

/* Load the state file: counters of this boot go on; of another, or none, start now. */
static void state_load(struct daemon *d)
{
	char boot[DSTATE_BOOT_ID_MAX];
	struct dstate st;
	unsigned line = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r;

	read_boot_id(boot, sizeof(boot));
	d->st = (struct dstate){ 0 };
	snprintf(d->st.boot_id, sizeof(d->st.boot_id), "%s", boot);
	d->st.since_realtime_ns = d->started_realtime_ns;
	if (!d->state_path)
		return;
	fd = file_open_input(AT_FDCWD, d->state_path, O_RDONLY);
	if (fd < 0) {
		if (fd != -ENOENT)
			cli_error("daemon", "state file %s: %s; counting starts now", d->state_path,
				  file_input_problem(fd));
		return;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 65536) {
			char *b = cap + 65536 <= DSTATE_FILE_MAX + 65536 ? realloc(buf, cap + 65536)
									   : NULL;

			if (!b) {
				len = SIZE_MAX;
				break;
			}
			buf = b;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len == SIZE_MAX) {
		cli_error("daemon", "state file %s: larger than %u MiB; counting starts now",
			  d->state_path, DSTATE_FILE_MAX >> 20);
		free(buf);
		return;
	}
	r = dstate_parse(buf ? buf : "", len, &st, &line);
	free(buf);
	if (r < 0) {
		cli_error("daemon", "state file %s%s%.0u: %s; counting starts now (the file is "
				    "replaced at the next save)",
			  d->state_path, line ? ":" : "", line,
			  r == -EPROTONOSUPPORT ? "written by another version" : "not a state file");
		return;
	}
	if (strcmp(st.boot_id, boot) != 0) {
		/* Another boot: its processes are gone, and "since boot" starts again. */
		dstate_done(&st);
		return;
	}
	dstate_done(&d->st);
	d->st = st;
	d->st.restarts++;
	/* Loaded processes count as not seen until they run again. */
	for (size_t i = 0; i < d->st.procs_cap; i++)
		d->st.procs[i].seen_seq = 0;
}

struct prune_ctx {
	const struct daemon *d;
};

static bool proc_gone(const struct dstate_proc *p, void *ctx);

static int state_save(struct daemon *d)
{
	static const struct outfile_opts oo = { .kind = OUTFILE_REPLACE, .mode = 0644,
						.exact_mode = true, .sync = true };
	struct outfile out;
	int r;

	if (!d->state_path)
		return 0;
	/* Processes that ended are not kept: the file holds the living. */
	{
		struct prune_ctx pc = { d };

		dstate_proc_prune(&d->st, proc_gone, &pc);
	}
	if (mkdir(d->o.state_dir, 0755) < 0 && errno != EEXIST) {
		cli_error("daemon", "cannot make the state directory %s: %s", d->o.state_dir,
			  strerror(errno));
		return -errno;
	}
	/* The domains' counters as they are now, between samples too. */
	for (size_t i = 0; i < joulestat_domain_count(d->js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };
		struct dstate_dom *x;

		if (joulestat_domain_get(d->js, i, &di) == 0 && (x = dstate_dom_get(&d->st, di.name)))
			x->energy_uj = x->base_uj + di.energy_uj;
	}
	r = outfile_open(d->state_path, &oo, &out);
	if (r < 0) {
		cli_error("daemon", "state file: %s", out.err);
		return r;
	}
	r = dstate_write(&d->st, cli_real_ns(), out.f);
	if (r < 0) {
		outfile_abort(&out);
		cli_error("daemon", "state file %s: write failed", d->state_path);
		return r;
	}
	r = outfile_commit(&out);
	if (r < 0)
		cli_error("daemon", "state file: %s", out.err);
	return r;
}

/* A process not in the last sample is gone when /proc has no process of that start. */
static bool proc_gone(const struct dstate_proc *p, void *ctx)
{
	const struct daemon *d = ((struct prune_ctx *)ctx)->d;
	char path[64], buf[1024];
	struct task_stat st;
	uint64_t start;
	ssize_t n;
	int fd;

	if (p->seen_seq == d->seq)
		return false;
	snprintf(path, sizeof(path), "%s/%" PRIu32 "/stat", d->procfs, p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || parse_task_stat(buf, (size_t)n, &st) < 0)
		return true;
	start = st.starttime_ticks * d->tick_ns;
	/* /proc's start is cut to a tick; the collector's may be exact. */
	return start + d->tick_ns <= p->start_ns || p->start_ns + d->tick_ns <= start;
}

/* ---- sampling ---- */

static void note_source(struct daemon *d)
{
	size_t len = 0;

	d->source[0] = '\0';
	for (size_t i = 0; i < joulestat_domain_count(d->js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };

		if (joulestat_domain_get(d->js, i, &di) < 0 || !di.in_host_total ||
		    strstr(d->source, di.source))
			continue;
		len += (size_t)snprintf(d->source + len, sizeof(d->source) - len, "%s%s",
					len ? "+" : "", di.source);
		if (len >= sizeof(d->source))
			len = sizeof(d->source) - 1;
	}
	for (size_t i = 0; i < joulestat_collector_count(d->js); i++) {
		struct joulestat_collector_info ci = { .sz = sizeof(ci) };

		if (joulestat_collector_get(d->js, i, &ci) == 0 &&
		    ci.state == JOULESTAT_SOURCE_ACTIVE)
			snprintf(d->source + len, sizeof(d->source) - len, "%s%s", len ? "+" : "",
				 ci.name);
	}
}

static int pid_ent_cmp(const void *a, const void *b)
{
	const struct pid_ent *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* Keep the snapshot for the per-PID queries, with its process rows sorted by pid. */
static void keep_last(struct daemon *d, struct joulestat_snapshot *snap)
{
	int n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_PROCESS);
	struct joulestat_row *rows = NULL;
	struct pid_ent *idx = NULL;

	if (n > 0) {
		rows = calloc((size_t)n, sizeof(*rows));
		idx = calloc((size_t)n, sizeof(*idx));
		if (!rows || !idx) {
			free(rows);
			free(idx);
			rows = NULL;
			idx = NULL;
			n = 0;
		}
	}
	for (int i = 0; i < n; i++) {
		rows[i].sz = sizeof(rows[i]);
		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &rows[i]) < 0)
			rows[i] = (struct joulestat_row){ .sz = sizeof(rows[i]) };
		idx[i] = (struct pid_ent){ .pid = rows[i].pid, .start_ns = rows[i].start_ns,
					   .row = (size_t)i };
	}
	if (n > 0)
		qsort(idx, (size_t)n, sizeof(*idx), pid_ent_cmp);
	free(d->last_rows);
	free(d->pidx);
	d->last_rows = rows;
	d->pidx = idx;
	d->nlast_rows = n > 0 ? (size_t)n : 0;
	joulestat_snapshot_free(d->last);
	d->last = joulestat_snapshot_ref(snap);
}

static void count_lasting(struct daemon *d, struct joulestat_snapshot *snap,
			  const struct joulestat_snapshot_info *si)
{
	int n;

	for (size_t i = 0; i < si->ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
		struct dstate_dom *x;

		if (joulestat_snapshot_domain_get(snap, i, &sd) < 0 ||
		    !(x = dstate_dom_get(&d->st, sd.name)))
			continue;
		x->energy_uj = x->base_uj + sd.energy_uj;
		x->tasks_uj += sd.tasks_uj;
		x->idle_uj += sd.idle_uj;
		x->unattributed_uj += sd.unattributed_uj;
	}
	n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_PROCESS);
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };
		struct dstate_proc *p;

		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &row) < 0 ||
		    row.pid <= 0 || !(p = dstate_proc_get(&d->st, (uint32_t)row.pid, row.start_ns)))
			continue;
		p->uid = row.uid;
		p->energy_uj += row.energy_uj;
		p->cpu_ns += row.cpu_ns;
		p->syscalls += row.syscalls;
		if (!p->first_seen_ns)
			p->first_seen_ns = row.first_seen_ns;
		p->seen_seq = d->seq;
	}
	n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_USER);
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };
		struct dstate_user *u;

		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_USER, (size_t)i, &row) < 0 ||
		    !(u = dstate_user_get(&d->st, row.uid)))
			continue;
		u->energy_uj += row.energy_uj;
		u->cpu_ns += row.cpu_ns;
		u->syscalls += row.syscalls;
		if (!u->first_seen_ns)
			u->first_seen_ns = row.first_seen_ns;
	}
}

static void send_tick(struct daemon *d, struct conn *c)
{
	struct wjson w;

	wjson_init(&w, WIRE_HEADER_SIZE);
	wjson_begin_object(&w);
	wjson_key(&w, "ev");
	wjson_string(&w, "tick");
	wjson_key(&w, "seq");
	wjson_u64(&w, d->seq);
	wjson_end_object(&w);
	conn_send(d, c, WIRE_EVENT, &w);
	c->ticked = true;
}

static void on_snapshot(struct daemon *d, struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	static bool nomem_said;

	if (joulestat_snapshot_get(snap, &si) < 0)
		return;
	d->seq++;
	count_lasting(d, snap, &si);
	keep_last(d, snap);
	d->last_end_ns = si.end_ns;
	note_source(d);
	for (size_t i = 0; i < d->nconns; i++) {
		struct conn *c = d->conns[i];
		struct dacc_sample ds = { .snap = snap, .seq = d->seq, .state = &d->st,
					  .roots = c->roots, .nroots = c->nroots };

		if (c->dead || !c->acc)
			continue;
		if (dacc_add(c->acc, &ds) < 0 && !nomem_said) {
			cli_error("daemon", "out of memory merging a client's samples: it gets an "
					    "error in place of its next snapshot");
			nomem_said = true;
		}
		if (c->sync_pending) {
			if (c->sync_after_ns <= si.end_ns) {
				c->sync_pending = false;
				send_sample(d, c, c->sync_id);
			}
			continue;
		}
		if (!c->ticked &&
		    si.end_ns - MIN(si.end_ns, c->delivered_end_ns) + d->o.interval_ns / 2 >=
			    c->sub_interval_ns)
			send_tick(d, c);
	}
	if (d->metrics && serve_embed_snapshot(d->metrics, snap, cli_mono_ns() - d->sample_start_ns) < 0)
		cli_error("daemon", "the metrics of sample %" PRIu64 " could not be published", d->seq);
}

static int dispatch_cb(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	(void)js;
	on_snapshot(userdata, snap);
	return 0;
}

static bool any_sync(const struct daemon *d)
{
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->sync_pending && !d->conns[i]->dead)
			return true;
	return false;
}

/* ---- the loop ---- */

static void sample_failed(struct daemon *d, int r)
{
	static uint64_t failures;

	failures++;
	if (failures == 1 || d->common->verbose || failures % 60 == 0)
		cli_error("daemon", "sample failed (%" PRIu64 " so far): %s", failures,
			  strerror(-r));
}

static int loop(struct daemon *d)
{
	struct pollfd *pfd = NULL;
	size_t pfd_cap = 0;
	uint64_t last_sample_ns = cli_mono_ns();
	int tfd = joulestat_fd(d->js);

	if (tfd < 0) {
		cli_error("daemon", "cannot start the sampling timer: %s", strerror(-tfd));
		return EXIT_RUNTIME;
	}
	d->next_save_ns = cli_mono_ns() + DAEMON_SAVE_EVERY_NS;
	d->next_prune_ns = cli_mono_ns() + DAEMON_PRUNE_EVERY_NS;
	while (!d->stop) {
		size_t n = 3;
		int timeout = 1000, r;
		bool backlog = false;
		uint64_t now;

		if (pfd_cap < d->nconns + 3) {
			struct pollfd *v = realloc(pfd, (d->nconns + 3) * sizeof(*v));

			if (!v) {
				cli_error("daemon", "out of memory");
				free(pfd);
				return EXIT_RUNTIME;
			}
			pfd = v;
			pfd_cap = d->nconns + 3;
		}
		pfd[0] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = d->sock.fd, .events = POLLIN };
		for (size_t i = 0; i < d->nconns; i++) {
			struct conn *c = d->conns[i];
			bool paused = c->closing || c->sync_pending ||
				      c->out_len - c->out_off > DAEMON_OUT_PAUSE;

			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = (short)((paused ? 0 : POLLIN) |
						  (c->out_off < c->out_len ? POLLOUT : 0)),
			};
			/* Whole requests already read wait for their turn. */
			if (!paused && c->in_len >= WIRE_HEADER_SIZE)
				backlog = true;
		}
		if (backlog)
			timeout = 0;
		if (any_sync(d)) {
			now = cli_mono_ns();
			timeout = now >= last_sample_ns + DAEMON_SYNC_GAP_NS
					  ? 0
					  : (int)((last_sample_ns + DAEMON_SYNC_GAP_NS - now) /
						  NSEC_PER_MSEC) + 1;
		}
		r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR) {
			cli_error("daemon", "poll: %s", strerror(errno));
			free(pfd);
			return EXIT_RUNTIME;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					(void)state_save(d);
				else
					d->stop = true;
			}
		}
		if (r > 0 && (pfd[1].revents & POLLIN)) {
			d->sample_start_ns = cli_mono_ns();
			r = joulestat_dispatch(d->js, dispatch_cb, d);
			if (r < 0)
				sample_failed(d, r);
			else if (r > 0)
				last_sample_ns = cli_mono_ns();
		}
		/* The connections polled are the first n - 3 (accepted ones wait a turn). */
		for (size_t i = 0, k = 3; k < n; i++, k++) {
			struct conn *c = d->conns[i];

			if (pfd[k].revents & POLLOUT)
				conn_flush(d, c);
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) || (c->in_len && !c->dead))
				conn_read(d, c);
		}
		if (pfd[2].revents & POLLIN)
			accept_all(d);
		now = cli_mono_ns();
		if (any_sync(d) && now >= last_sample_ns + DAEMON_SYNC_GAP_NS) {
			struct joulestat_snapshot *snap;

			d->sample_start_ns = cli_mono_ns();
			r = joulestat_sample(d->js, &snap);
			if (r < 0) {
				sample_failed(d, r);
			} else {
				on_snapshot(d, snap);
				joulestat_snapshot_free(snap);
			}
			last_sample_ns = cli_mono_ns();
		}
		reap(d);
		now = cli_mono_ns();
		if (now >= d->next_prune_ns) {
			struct prune_ctx pc = { d };

			dstate_proc_prune(&d->st, proc_gone, &pc);
			d->next_prune_ns = now + DAEMON_PRUNE_EVERY_NS;
		}
		if (now >= d->next_save_ns) {
			(void)state_save(d);
			d->next_save_ns = now + DAEMON_SAVE_EVERY_NS;
		}
	}
	free(pfd);
	return 0;
}

int cmd_daemon(int argc, char **argv, struct cli_common *common)
{
	struct daemon d = { .sigfd = -1, .sock = { .fd = -1, .lock_fd = -1 }, .common = common };
	struct joulestat_opts base = { .sz = sizeof(base) };
	char err[512];
	sigset_t sigs;
	long hz = sysconf(_SC_CLK_TCK);
	int r, status = EXIT_RUNTIME;

	r = parse_args(argc, argv, common, &d.o);
	if (r)
		return r;
	d.started_realtime_ns = cli_real_ns();
	d.tick_ns = hz > 0 ? NSEC_PER_SEC / (uint64_t)hz : 10000000ULL;
	d.procfs = common->procfs_root ? common->procfs_root : "/proc";
	if (d.o.state_dir && asprintf(&d.state_path, "%s/%s", d.o.state_dir, DAEMON_STATE_FILE) < 0)
		return EXIT_RUNTIME;
	{
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(d.o.admin_group, &gr, buf, sizeof(buf), &res) == 0 && res) {
			d.has_admin_gid = true;
			d.admin_gid = (uint32_t)gr.gr_gid;
		} else if (strcmp(d.o.admin_group, DISCLOSE_DEFAULT_GROUP) != 0) {
			cli_error("daemon", "--admin-group: no group '%s' on this machine",
				  d.o.admin_group);
			free(d.state_path);
			return EXIT_USAGE;
		}
	}

	/* Signals are read from a descriptor by the loop. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d.sigfd < 0) {
		cli_error("daemon", "signalfd: %s", strerror(errno));
		goto out;
	}

	/* The socket first: another daemon holding it is the likeliest error, and the cheapest. */
	r = dsock_open(d.o.socket, &d.sock, err, sizeof(err));
	if (r < 0) {
		cli_error("daemon", "%s", err);
		status = r == -ENAMETOOLONG ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}

	base.interval_ms = d.o.interval_ns / 1000000;
	base.idle_policy = d.o.idle;
	base.groups = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_USER;
	d.groups = base.groups;
	common->daemon_ok = false;	/* the daemon measures: it is nobody's client */
	r = cli_open_monitor_with(common, &base, &d.js);
	if (r < 0) {
		status = r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	if (d.o.listen || d.o.om_file) {
		struct serve_embed_opts eo = { .listen = d.o.listen, .om_file = d.o.om_file,
					       .group = d.o.metrics_group,
					       .web_config = d.o.web_config,
					       .interval_ns = d.o.interval_ns,
					       .verbose = common->verbose };

		r = serve_embed_start(d.js, &eo, &d.metrics);
		if (r < 0) {
			status = r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
		recompute_groups(&d);
	}
	state_load(&d);
	note_source(&d);
	fprintf(stderr,
		"joulestat daemon: listening on %s%s (disclose %s, interval %.3g s, idle %s%s%s)\n",
		d.sock.path, d.sock.activated ? " (from systemd)" : "",
		disclose_policy_name(d.o.disclose), (double)d.o.interval_ns / 1e9,
		joulestat_idle_policy_name(d.o.idle), d.st.restarts ? ", restart " : "",
		d.st.restarts ? "continues the counters" : "");
	status = loop(&d);
	if (state_save(&d) < 0 && status == 0)
		status = EXIT_RUNTIME;
out:
	for (size_t i = 0; i < d.nconns; i++)
		conn_free(&d, d.conns[i]);
	free(d.conns);
	serve_embed_stop(d.metrics);
	joulestat_snapshot_free(d.last);
	free(d.last_rows);
	free(d.pidx);
	joulestat_free(d.js);
	if (d.sock.fd >= 0)
		dsock_close(&d.sock);
	if (d.sigfd >= 0)
		close(d.sigfd);
	dstate_done(&d.st);
	free(d.state_path);
	return status;
}
