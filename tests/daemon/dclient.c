/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * dclient.c - a client of `joulestat daemon` for the tests, speaking the
 * protocol by hand (docs/FORMAT.md), well or badly on purpose:
 *
 *   dclient raw SOCK JSON...        send each request, print each reply (one line)
 *   dclient garbage SOCK            send what is no frame; expect an error, then the end
 *   dclient oversize SOCK           announce a request over 64 KiB; the same
 *   dclient stall SOCK MAXSEC       send half a header and wait: print when the daemon hung up
 *   dclient crowd SOCK N SEC        N clients at once for SEC seconds, each asking hello, its
 *                                   own PID's energy and the machine in turn; one more
 *                                   subscribed, counting the daemon's samples meanwhile
 *   dclient latency SOCK N PID...   N per-PID queries one after the other: median, p99, max
 *
 * Every loop is bounded by a count or a deadline.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_request(int fd, const char *json)
{
	uint8_t h[WIRE_HEADER_SIZE];

	wire_header_write(h, WIRE_REQUEST, (uint32_t)strlen(json));
	if (send_all(fd, h, sizeof(h)) < 0)
		return -1;
	return send_all(fd, json, strlen(json));
}

/* Read exactly len bytes before deadline_ns: 0, or -1 (end, error, late). */
static int recv_all(int fd, void *buf, size_t len, uint64_t deadline_ns)
{
	char *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ns();
		ssize_t n;

		if (now >= deadline_ns || poll(&pf, 1, (int)((deadline_ns - now) / 1000000 + 1)) <= 0)
			return -1;
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next frame: its type, and its payload (malloc'ed, NUL-terminated). -1 at the end. */
static int recv_frame(int fd, char **ret, uint64_t deadline_ns)
{
	uint8_t h[WIRE_HEADER_SIZE];
	struct wire_header wh;
	char *p;

	if (recv_all(fd, h, sizeof(h), deadline_ns) < 0 ||
	    wire_header_parse(h, sizeof(h), WIRE_REPLY_MAX, &wh) < 0)
		return -1;
	p = malloc(wh.len + 1);
	if (!p || recv_all(fd, p, wh.len, deadline_ns) < 0) {
		free(p);
		return -1;
	}
	p[wh.len] = '\0';
	*ret = p;
	return (int)wh.type;
}

/* The reply to the request just sent (events skipped). */
static char *reply(int fd, uint64_t deadline_ns)
{
	for (;;) {
		char *p;
		int t = recv_frame(fd, &p, deadline_ns);

		if (t < 0)
			return NULL;
		if (t == WIRE_REPLY)
			return p;
		free(p);
	}
}

/* True when the daemon closes the connection before deadline_ns. */
static bool closed_by(int fd, uint64_t deadline_ns)
{
	char buf[4096];

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ns();
		ssize_t n;

		if (now >= deadline_ns || poll(&pf, 1, (int)((deadline_ns - now) / 1000000 + 1)) <= 0)
			return false;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EINTR)
			return true;
	}
}

static int cmd_raw(const char *sock, int argc, char **argv)
{
	int fd = connect_to(sock);

	for (int i = 0; i < argc; i++) {
		char *r;

		if (send_request(fd, argv[i]) < 0)
			return 1;
		r = reply(fd, mono_ns() + 30000000000ULL);
		if (!r) {
			fprintf(stderr, "no reply to %s\n", argv[i]);
			return 1;
		}
		printf("%s\n", r);
		free(r);
	}
	close(fd);
	return 0;
}

/* What is no frame, or too big a one: an error reply, then the daemon hangs up. */
static int refused(const char *sock, const void *bytes, size_t len)
{
	int fd = connect_to(sock);
	uint64_t deadline = mono_ns() + 10000000000ULL;
	char *r = NULL;

	if (send_all(fd, bytes, len) < 0 || recv_frame(fd, &r, deadline) != WIRE_REPLY) {
		fprintf(stderr, "no error reply\n");
		return 1;
	}
	printf("%s\n", r);
	free(r);
	if (!closed_by(fd, deadline)) {
		fprintf(stderr, "the daemon kept the connection\n");
		return 1;
	}
	printf("closed\n");
	close(fd);
	return 0;
}

static int cmd_stall(const char *sock, double max_s)
{
	int fd = connect_to(sock);
	uint64_t t0 = mono_ns();

	if (send_all(fd, "JS\x01\x01", 4) < 0)
		return 1;
	if (!closed_by(fd, t0 + (uint64_t)(max_s * 1e9))) {
		fprintf(stderr, "still connected after %.1f s\n", max_s);
		return 1;
	}
	printf("closed after %.1f s\n", (double)(mono_ns() - t0) / 1e9);
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct client {
	int fd;
	int step;		/* which request is out */
	uint64_t sent_ns;
	char *in;
	size_t in_len, in_cap;
	unsigned answers, errors;
	uint64_t worst_ns;
};

static const char *const crowd_requests[] = {
	"{\"op\":\"hello\",\"protocol\":1}",
	NULL, /* pid: its own */
	"{\"op\":\"monitor\"}",
};

static int crowd_send(struct client *c, int pid)
{
	char buf[64];
	const char *req = crowd_requests[c->step];

	if (!req) {
		snprintf(buf, sizeof(buf), "{\"op\":\"pid\",\"pids\":[%d]}", pid);
		req = buf;
	}
	c->sent_ns = mono_ns();
	return send_request(c->fd, req);
}

/* Take what came; count a whole reply and send the next request. */
static int crowd_read(struct client *c, int pid)
{
	struct wire_header h;
	ssize_t n;

	if (c->in_cap - c->in_len < 65536) {
		c->in_cap = c->in_cap * 2 + 65536;
		c->in = realloc(c->in, c->in_cap);
		if (!c->in)
			return -1;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 && errno == EAGAIN ? 0 : -1;
	c->in_len += (size_t)n;
	while (wire_header_parse(c->in, c->in_len, WIRE_REPLY_MAX, &h) == 0 &&
	       c->in_len >= WIRE_HEADER_SIZE + h.len) {
		size_t used = WIRE_HEADER_SIZE + h.len;

		if (h.type == WIRE_REPLY) {
			uint64_t took = mono_ns() - c->sent_ns;

			if (memmem(c->in, used, "\"ok\":true", 9))
				c->answers++;
			else
				c->errors++;
			if (took > c->worst_ns)
				c->worst_ns = took;
			c->step = (c->step + 1) % 3;
			if (crowd_send(c, pid) < 0)
				return -1;
		}
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
	return 0;
}

static int cmd_crowd(const char *sock, int nclients, double secs)
{
	struct client *c = calloc((size_t)nclients, sizeof(*c));
	struct pollfd *pf = calloc((size_t)nclients + 1, sizeof(*pf));
	int watcher = connect_to(sock), pid = getpid(), ticks = 0, failed = 0;
	uint64_t deadline = mono_ns() + (uint64_t)(secs * 1e9), worst = 0, first_tick = 0, last_tick = 0;
	unsigned answers = 0, errors = 0;
	char *r;

	if (!c || !pf)
		return 1;
	/* The watcher takes a tick at every daemon sample. */
	if (send_request(watcher, "{\"op\":\"subscribe\",\"groups\":1,\"interval_ns\":0}") < 0 ||
	    !(r = reply(watcher, mono_ns() + 10000000000ULL)))
		return 1;
	free(r);
	for (int i = 0; i < nclients; i++) {
		c[i].fd = connect_to(sock);
		if (crowd_send(&c[i], pid) < 0)
			return 1;
	}
	while (mono_ns() < deadline) {
		int n;

		for (int i = 0; i < nclients; i++)
			pf[i] = (struct pollfd){ .fd = c[i].fd, .events = POLLIN };
		pf[nclients] = (struct pollfd){ .fd = watcher, .events = POLLIN };
		n = poll(pf, (nfds_t)nclients + 1, 100);
		if (n < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < nclients; i++)
			if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && crowd_read(&c[i], pid) < 0) {
				fprintf(stderr, "client %d: connection lost\n", i);
				return 1;
			}
		if (pf[nclients].revents & POLLIN) {
			int t = recv_frame(watcher, &r, mono_ns() + 1000000000ULL);

			if (t < 0)
				return 1;
			if (t == WIRE_EVENT) {
				last_tick = mono_ns();
				if (!ticks++)
					first_tick = last_tick;
			}
			free(r);
		}
	}
	for (int i = 0; i < nclients; i++) {
		answers += c[i].answers;
		errors += c[i].errors;
		if (c[i].worst_ns > worst)
			worst = c[i].worst_ns;
		if (c[i].answers < 3)
			failed++;
		close(c[i].fd);
		free(c[i].in);
	}
	printf("clients %d answers %u errors %u starved %d worst %.1f ms samples %d over %.2f s\n",
	       nclients, answers, errors, failed, (double)worst / 1e6, ticks,
	       ticks > 1 ? (double)(last_tick - first_tick) / 1e9 : 0.0);
	close(watcher);
	free(c);
	free(pf);
	return errors || failed || ticks < 1 ? 1 : 0;
}

static int cmd_latency(const char *sock, int n, int argc, char **argv)
{
	int fd = connect_to(sock);
	uint64_t *lat = calloc((size_t)n, sizeof(*lat));
	char req[WIRE_REQUEST_MAX];
	size_t len = (size_t)snprintf(req, sizeof(req), "{\"op\":\"pid\",\"pids\":[");

	if (!lat)
		return 1;
	for (int i = 0; i < argc && len < sizeof(req) - 32; i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len, "%s%s", i ? "," : "", argv[i]);
	snprintf(req + len, sizeof(req) - len, "]}");
	for (int i = 0; i < n; i++) {
		uint64_t t0 = mono_ns();
		char *r;

		if (send_request(fd, req) < 0 || !(r = reply(fd, t0 + 10000000000ULL)))
			return 1;
		lat[i] = mono_ns() - t0;
		if (!strstr(r, "\"ok\":true")) {
			fprintf(stderr, "%s\n", r);
			return 1;
		}
		free(r);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("queries %d median %.1f us p99 %.1f us max %.1f us\n", n, (double)lat[n / 2] / 1e3,
	       (double)lat[(size_t)n * 99 / 100] / 1e3, (double)lat[n - 1] / 1e3);
	free(lat);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dclient raw|garbage|oversize|stall|crowd|latency SOCK ...\n");
		return 2;
	}
	if (strcmp(argv[1], "raw") == 0)
		return cmd_raw(argv[2], argc - 3, argv + 3);
	if (strcmp(argv[1], "garbage") == 0) {
		static const char http[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

		return refused(argv[2], http, sizeof(http) - 1);
	}
	if (strcmp(argv[1], "oversize") == 0) {
		uint8_t h[WIRE_HEADER_SIZE];

		wire_header_write(h, WIRE_REQUEST, WIRE_REQUEST_MAX + 1);
		return refused(argv[2], h, sizeof(h));
	}
	if (strcmp(argv[1], "stall") == 0 && argc == 4)
		return cmd_stall(argv[2], atof(argv[3]));
	if (strcmp(argv[1], "crowd") == 0 && argc == 5)
		return cmd_crowd(argv[2], atoi(argv[3]), atof(argv[4]));
	if (strcmp(argv[1], "latency") == 0 && argc >= 5)
		return cmd_latency(argv[2], atoi(argv[3]), argc - 4, argv + 4);
	fprintf(stderr, "dclient: bad arguments\n");
	return 2;
}
