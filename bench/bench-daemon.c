/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * bench-daemon.c - the daemon's costs (docs/BENCHMARKS.md, "The daemon"):
 *
 *   latency  a client's per-PID query (the protocol by hand, and through
 *            the library) and a whole snapshot through the library
 *            (joulestat_sample(): the daemon samples, merges, writes; the
 *            library reads), at 1 000 and 10 000 tasks: median, p99, max;
 *   cpu      the daemon's own CPU time at 1 Hz and 10 Hz with 0, 1 and 20
 *            clients (each a library monitor in a top-like loop: fd +
 *            dispatch at the daemon's interval, process rows), the phases
 *            interleaved and repeated: median and range;
 *   rss      the daemon's resident memory at 10 000 tasks, sampling at 1 Hz,
 *            with no client and with one taking every process and thread
 *            row: first, steady (median of the second half), peak, growth.
 *
 *   sudo ./build/bench/bench-daemon JOULESTAT_BIN latency|cpu|rss|all [SECONDS]
 *
 * The tasks are threads of a child process that each run a few µs every
 * 400 ms (b6-rss's), so every one is in every interval. The daemon is the
 * real command, started with --no-state on a socket of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "joulestat.h"
#include "wire.h"
#include "workload.h"

#define MS 1000000ULL

static const char *js_bin;
static char sock_path[108];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		wl_burn_ns(2000);
		wl_sleep_ns(400 * MS);
	}
	return NULL;
}

static pid_t start_tasks(unsigned n)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		for (unsigned i = 1; i < n; i++) {
			pthread_t t;

			if (pthread_create(&t, &a, ticker, NULL) != 0)
				break;
		}
		ticker(NULL);
		_exit(0);
	}
	return pid;
}

static int connect_to(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static pid_t start_daemon(const char *interval)
{
	pid_t pid;

	unlink(sock_path);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl(js_bin, js_bin, "daemon", "--no-config", "--no-state", "--socket", sock_path,
		      "-i", interval, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int fd = connect_to();

		if (fd >= 0) {
			close(fd);
			return pid;
		}
		wl_sleep_ns(50 * MS);
	}
	fprintf(stderr, "bench-daemon: the daemon did not start\n");
	exit(1);
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* utime + stime of a process, ns. */
static uint64_t proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ULL / (uint64_t)hz);
}

static uint64_t proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static void report(const char *what, uint64_t *v, size_t n, double unit, const char *uname)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("  %-44s median %8.3f %s  p99 %8.3f %s  max %8.3f %s  (n=%zu)\n", what,
	       v[n / 2] / unit, uname, v[n * 99 / 100] / unit, uname, v[n - 1] / unit, uname, n);
}

/* One request by hand on fd, its reply read and dropped; the time it took. */
static uint64_t raw_call(int fd, const char *req)
{
	uint8_t h[WIRE_HEADER_SIZE];
	struct wire_header wh;
	static char buf[1 << 16];
	uint64_t t0 = wl_now_ns();
	size_t got = 0;

	wire_header_write(h, WIRE_REQUEST, (uint32_t)strlen(req));
	if (send(fd, h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h) ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		exit(1);
	for (;;) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);

		if (n <= 0)
			exit(1);
		got += (size_t)n;
		if (wire_header_parse(buf, got, sizeof(buf), &wh) == 0 &&
		    got >= WIRE_HEADER_SIZE + wh.len) {
			if (wh.type != WIRE_REPLY) { /* an event: drop it, keep reading */
				memmove(buf, buf + WIRE_HEADER_SIZE + wh.len,
					got - WIRE_HEADER_SIZE - wh.len);
				got -= WIRE_HEADER_SIZE + wh.len;
				continue;
			}
			return wl_now_ns() - t0;
		}
	}
}

static void latency(unsigned ntasks, unsigned queries)
{
	pid_t tasks = start_tasks(ntasks), d;
	struct joulestat_opts o = { .sz = sizeof(o), .daemon = JOULESTAT_DAEMON_ALWAYS,
				    .daemon_socket = sock_path };
	struct joulestat *js = NULL;
	uint64_t *v = calloc(queries, sizeof(*v));
	char req[64];
	int fd;

	wl_sleep_ns(1000 * MS);
	d = start_daemon("1");
	wl_sleep_ns(2500 * MS); /* two samples: the tasks are in the daemon's rows */
	printf("latency at %u tasks (daemon -i 1):\n", ntasks);
	fd = connect_to();
	snprintf(req, sizeof(req), "{\"op\":\"pid\",\"pids\":[%d]}", (int)tasks);
	for (unsigned i = 0; i < queries; i++)
		v[i] = raw_call(fd, req);
	report("per-PID query, protocol by hand", v, queries, 1e3, "us");
	close(fd);
	o.groups = 1u << JOULESTAT_GROUP_PROCESS;
	if (joulestat_new(&o, &js) < 0)
		exit(1);
	for (unsigned i = 0; i < queries; i++) {
		struct joulestat_pid_energy e = { .sz = sizeof(e) };
		uint64_t t0 = wl_now_ns();

		if (joulestat_pid_energy(js, tasks, &e) < 0)
			exit(1);
		v[i] = wl_now_ns() - t0;
	}
	report("per-PID query, joulestat_pid_energy()", v, queries, 1e3, "us");
	joulestat_free(js);
	/* Whole snapshots: every process and thread row. */
	o.groups = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_THREAD;
	if (joulestat_new(&o, &js) < 0)
		exit(1);
	for (unsigned i = 0; i < 40; i++) {
		struct joulestat_snapshot *s;
		uint64_t t0 = wl_now_ns();

		if (joulestat_sample(js, &s) < 0)
			exit(1);
		v[i] = wl_now_ns() - t0;
		joulestat_snapshot_free(s);
		wl_sleep_ns(50 * MS);
	}
	report("snapshot (process+thread rows), joulestat_sample()", v, 40, 1e6, "ms");
	joulestat_free(js);
	stop(d);
	kill(tasks, SIGKILL);
	waitpid(tasks, NULL, 0);
	free(v);
}

struct client {
	pthread_t th;
	volatile int *stop;
	int ok;
};

/* A top-like client: the daemon's snapshots at its interval, from a poll loop. */
static void *client(void *arg)
{
	struct client *c = arg;
	struct joulestat_opts o = { .sz = sizeof(o), .daemon = JOULESTAT_DAEMON_ALWAYS,
				    .daemon_socket = sock_path, .interval_ms = 100 };
	struct joulestat *js = NULL;
	int fd;

	if (joulestat_new(&o, &js) < 0)
		return NULL;
	fd = joulestat_fd(js);
	while (!*c->stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) > 0 && joulestat_dispatch(js, NULL, NULL) < 0)
			break;
	}
	c->ok = 1;
	joulestat_free(js);
	return NULL;
}

static void cpu(unsigned seconds, unsigned rounds)
{
	static const char *const hz[] = { "1", "0.1" };
	static const unsigned nclients[] = { 0, 1, 20 };
	uint64_t v[2][3][16];

	printf("daemon CPU, %u s per phase, %u rounds interleaved (%% of one CPU):\n", seconds, rounds);
	for (unsigned r = 0; r < rounds && r < 16; r++)
		for (int h = 0; h < 2; h++)
			for (int k = 0; k < 3; k++) {
				struct client c[20];
				volatile int stopping = 0;
				pid_t d = start_daemon(hz[h]);
				uint64_t c0, t0;

				for (unsigned i = 0; i < nclients[k]; i++) {
					c[i] = (struct client){ .stop = &stopping };
					pthread_create(&c[i].th, NULL, client, &c[i]);
				}
				wl_sleep_ns(2000 * MS);
				c0 = proc_cpu_ns(d);
				t0 = wl_now_ns();
				wl_sleep_ns((uint64_t)seconds * 1000 * MS);
				v[h][k][r] = (proc_cpu_ns(d) - c0) * 100000 / (wl_now_ns() - t0);
				stopping = 1;
				for (unsigned i = 0; i < nclients[k]; i++)
					pthread_join(c[i].th, NULL);
				stop(d);
			}
	for (int h = 0; h < 2; h++)
		for (int k = 0; k < 3; k++) {
			uint64_t *x = v[h][k];

			qsort(x, rounds, sizeof(*x), cmp_u64);
			printf("  %-5s Hz, %2u clients: median %.2f %%  range %.2f .. %.2f %%\n",
			       h ? "10" : "1", nclients[k], x[rounds / 2] / 1000.0, x[0] / 1000.0,
			       x[rounds - 1] / 1000.0);
		}
}

static void rss(unsigned seconds)
{
	pid_t tasks = start_tasks(10000), d;

	wl_sleep_ns(1000 * MS);
	printf("daemon RSS at 10 000 tasks, -i 1, %u s per phase:\n", seconds);
	for (int with_client = 0; with_client < 2; with_client++) {
		struct joulestat_opts o = { .sz = sizeof(o), .daemon = JOULESTAT_DAEMON_ALWAYS,
					    .daemon_socket = sock_path,
					    .groups = 1u << JOULESTAT_GROUP_PROCESS |
						      1u << JOULESTAT_GROUP_THREAD };
		struct joulestat *js = NULL;
		uint64_t *r = calloc(seconds + 1, sizeof(*r)), first, steady, growth;
		size_t half = (seconds + 1) / 2;

		d = start_daemon("1");
		if (with_client && joulestat_new(&o, &js) < 0)
			exit(1);
		for (unsigned s = 0; s <= seconds; s++) {
			wl_sleep_ns(1000 * MS);
			if (js) {
				struct joulestat_snapshot *snap;

				if (joulestat_sample(js, &snap) == 0)
					joulestat_snapshot_free(snap);
			}
			r[s] = proc_status_kb(d, "VmRSS");
		}
		first = r[0];
		growth = r[seconds] > r[half] ? r[seconds] - r[half] : 0;
		qsort(r + half, seconds + 1 - half, sizeof(*r), cmp_u64);
		steady = r[half + (seconds + 1 - half) / 2];
		printf("  %-40s first %.1f MB, steady %.1f MB, peak %.1f MB, growth %+.2f MB\n",
		       with_client ? "one client taking every process and thread row"
				   : "no client",
		       first / 1024.0, steady / 1024.0, proc_status_kb(d, "VmHWM") / 1024.0,
		       growth / 1024.0);
		joulestat_free(js);
		stop(d);
		free(r);
	}
	kill(tasks, SIGKILL);
	waitpid(tasks, NULL, 0);
}

int main(int argc, char **argv)
{
	unsigned seconds;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-daemon JOULESTAT_BIN latency|cpu|rss|all [SECONDS]\n");
		return 2;
	}
	js_bin = argv[1];
	seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 10;
	snprintf(sock_path, sizeof(sock_path), "/tmp/bench-daemon-%d.sock", (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[2], "latency") || !strcmp(argv[2], "all")) {
		latency(1000, 2000);
		latency(10000, 2000);
	}
	if (!strcmp(argv[2], "cpu") || !strcmp(argv[2], "all"))
		cpu(seconds, 3);
	if (!strcmp(argv[2], "rss") || !strcmp(argv[2], "all"))
		rss(seconds < 20 ? 20 : seconds);
	unlink(sock_path);
	return 0;
}
