/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * slowloris.c - a slow HTTP client for the exporter's tests: it opens N
 * connections to a loopback address and sends each a request that never
 * ends, one header line every few seconds, the way a hostile local user
 * would hold a server's connections.
 *
 *   slowloris ADDR PORT N SECONDS [--every SEC] [--from ADDR] [--reconnect SEC]
 *
 * ADDR and --from are numeric loopback addresses (127.0.0.0/8, ::1); N is
 * at most 2000 and SECONDS at most 300, so it always ends. With
 * --reconnect, a connection the server closed is opened again after SEC
 * (the attacker keeps trying). It prints "ready" when the first N
 * connections are open (a connection that cannot be opened is tried again
 * every 0.1 s), and at the end one line:
 *
 *   opened O closed C open K shortest_ms S longest_ms L
 *
 * O connections opened, C of them closed by the server, K still open at
 * the end, and the shortest and longest life of the closed ones (-1: none).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 2000
#define MAX_SECONDS 300

struct conn {
	int fd;			/* -1: closed, or not open yet */
	bool ever;		/* opened once: a closed one reopens only with --reconnect */
	int64_t opened_ms;
	int64_t next_ms;	/* next header line, or the reopening */
	unsigned lines;
};

static struct sockaddr_storage dst, src;
static socklen_t dst_len, src_len;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A numeric loopback address, as a sockaddr with `port`; false otherwise. */
static bool loopback(const char *s, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
	}
	return false;
}

/* Open one connection and send the start of a request; the connection stays open. */
static int open_one(void)
{
	static const char start[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	struct timeval tv = { 1, 0 };	/* a full accept queue must not stall the others */
	int fd = socket(dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((src_len && bind(fd, (struct sockaddr *)&src, src_len) < 0) ||
	    connect(fd, (struct sockaddr *)&dst, dst_len) < 0 ||
	    write(fd, start, sizeof(start) - 1) != (ssize_t)(sizeof(start) - 1)) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int main(int argc, char **argv)
{
	unsigned port, n;
	double seconds, every = 5, reconnect = -1;
	struct conn *c;
	struct pollfd *pfd;
	struct rlimit rl;
	int64_t start, end, shortest = -1, longest = -1;
	unsigned long opened = 0, closed = 0;
	size_t open_now = 0;
	bool ready = false;

	if (argc < 5) {
		fprintf(stderr, "usage: slowloris ADDR PORT N SECONDS [--every SEC] [--from ADDR] "
				"[--reconnect SEC]\n");
		return 2;
	}
	port = (unsigned)strtoul(argv[2], NULL, 10);
	n = (unsigned)strtoul(argv[3], NULL, 10);
	seconds = strtod(argv[4], NULL);
	if (!loopback(argv[1], port, &dst, &dst_len) || port == 0 || port > 65535 || n == 0 ||
	    n > MAX_CONNS || !(seconds > 0 && seconds <= MAX_SECONDS)) {
		fprintf(stderr, "slowloris: a numeric loopback address, a port, 1 to %d "
				"connections, 0 to %d seconds\n", MAX_CONNS, MAX_SECONDS);
		return 2;
	}
	for (int i = 5; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--every") == 0) {
			every = strtod(argv[i + 1], NULL);
		} else if (strcmp(argv[i], "--reconnect") == 0) {
			reconnect = strtod(argv[i + 1], NULL);
		} else if (strcmp(argv[i], "--from") == 0) {
			if (!loopback(argv[i + 1], 0, &src, &src_len) ||
			    src.ss_family != dst.ss_family) {
				fprintf(stderr, "slowloris: --from: a loopback address of the "
						"same family\n");
				return 2;
			}
		} else {
			fprintf(stderr, "slowloris: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!(every >= 0.1 && every <= 60) || reconnect > 60) {
		fprintf(stderr, "slowloris: --every 0.1 to 60 s, --reconnect up to 60 s\n");
		return 2;
	}
	/* One descriptor per connection, and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	c = calloc(n, sizeof(*c));
	pfd = calloc(n, sizeof(*pfd));
	if (!c || !pfd)
		return 1;
	start = now_ms();
	end = start + (int64_t)(seconds * 1000);
	for (unsigned i = 0; i < n; i++)
		c[i] = (struct conn){ .fd = -1, .next_ms = start };
	while (now_ms() < end) {
		int64_t t = now_ms(), wake = end;

		if (!ready && opened >= n) {
			printf("ready\n");
			fflush(stdout);
			ready = true;
		}
		for (unsigned i = 0; i < n; i++) {
			pfd[i] = (struct pollfd){ .fd = c[i].fd, .events = POLLIN };
			if (c[i].fd < 0 && c[i].ever && reconnect < 0)
				continue;
			if (c[i].next_ms <= t) {
				if (c[i].fd >= 0) {
					char line[64];
					int len = snprintf(line, sizeof(line), "X-Slow-%u: 1\r\n",
							   c[i].lines++);

					(void)!write(c[i].fd, line, (size_t)len);
					c[i].next_ms = t + (int64_t)(every * 1000);
				} else {
					c[i].fd = open_one();
					c[i].opened_ms = t = now_ms();
					c[i].next_ms = c[i].fd >= 0 ? t + (int64_t)(every * 1000)
								    : t + 100; /* again soon */
					if (c[i].fd >= 0) {
						opened++;
						c[i].ever = true;
					}
					pfd[i].fd = c[i].fd;
				}
			}
			if (c[i].next_ms < wake)
				wake = c[i].next_ms;
		}
		if (poll(pfd, n, (int)(wake > t ? (wake - t < 1000 ? wake - t : 1000) : 0)) < 0 &&
		    errno != EINTR)
			return 1;
		t = now_ms();
		for (unsigned i = 0; i < n; i++) {
			char buf[4096];
			ssize_t r;

			if (c[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c[i].fd, buf, sizeof(buf));
			if (r > 0 || (r < 0 && errno == EAGAIN))
				continue; /* a response: the server answered an unfinished request? */
			close(c[i].fd);
			c[i].fd = -1;
			closed++;
			if (shortest < 0 || t - c[i].opened_ms < shortest)
				shortest = t - c[i].opened_ms;
			if (t - c[i].opened_ms > longest)
				longest = t - c[i].opened_ms;
			c[i].next_ms = t + (int64_t)(reconnect * 1000);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (c[i].fd >= 0) {
			open_now++;
			close(c[i].fd);
		}
	}
	printf("opened %lu closed %lu open %zu shortest_ms %lld longest_ms %lld\n", opened, closed,
	       open_now, (long long)shortest, (long long)longest);
	free(c);
	free(pfd);
	return 0;
}
