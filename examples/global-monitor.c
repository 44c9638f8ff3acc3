/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * global-monitor.c - per-PID energy from the machine's global monitor, the
 * system's `joulestat daemon`, without privileges (docs/DAEMON.md):
 *
 *   global-monitor [-c CHILDREN] [-w MS]
 *
 * It connects to the daemon (joulestat_opts.daemon; the socket from
 * $JOULESTAT_SOCKET or the default), starts CHILDREN processes that compute
 * for MS milliseconds each, asks the daemon for a sample that covers their
 * work, and then asks for its own energy and its children's, one thread per
 * child at once: the per-PID queries may be called from any thread. The
 * daemon measures with eBPF whatever this program's privileges; it answers
 * for this user's processes only (unless its policy says otherwise).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <joulestat.h>

#define MAX_CHILDREN 16

struct query {
	struct joulestat *js;
	int pid;
	int err;
	struct joulestat_pid_energy e;
};

static void log_stderr(enum joulestat_log_level level, const char *msg, void *userdata)
{
	(void)level;
	(void)userdata;
	fprintf(stderr, "libjoulestat: %s\n", msg);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A child: compute for ms milliseconds, then wait to be asked about and killed. */
static void child(unsigned ms)
{
	volatile uint64_t x = 1;
	double end = mono_s() + ms / 1e3;

	while (mono_s() < end)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	pause();
	_exit(0);
}

static void *ask(void *arg)
{
	struct query *q = arg;

	q->e.sz = sizeof(q->e);
	q->err = joulestat_pid_energy(q->js, q->pid, &q->e);
	return NULL;
}

int main(int argc, char **argv)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat_daemon_info di = { .sz = sizeof(di) };
	struct query q[MAX_CHILDREN + 1];
	pthread_t th[MAX_CHILDREN + 1];
	struct joulestat_snapshot *snap;
	struct joulestat *js;
	unsigned nchildren = 2, ms = 300;
	uint64_t children_uj = 0;
	int opt, r, status = 0;

	while ((opt = getopt(argc, argv, "c:w:")) != -1) {
		if (opt == 'c')
			nchildren = (unsigned)atoi(optarg);
		else if (opt == 'w')
			ms = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (nchildren > MAX_CHILDREN) {
		fprintf(stderr, "at most %d children\n", MAX_CHILDREN);
		return 2;
	}
	/* The daemon or nothing: this program has no privilege to measure itself. */
	o.daemon = JOULESTAT_DAEMON_ALWAYS;
	o.log_fn = log_stderr;
	o.log_level = JOULESTAT_LOG_WARNING;
	r = joulestat_new(&o, &js);
	if (r < 0) {
		fprintf(stderr, "no joulestat daemon: %s\n", strerror(-r));
		return 1;
	}
	if (joulestat_daemon_get(js, &di) == 0)
		printf("daemon: pid %d, joulestat %s, %s, this user sees %s\n", di.pid, di.version,
		       di.socket, di.view);

	for (unsigned i = 0; i < nchildren; i++) {
		pid_t pid = fork();

		if (pid == 0)
			child(ms);
		if (pid < 0) {
			perror("fork");
			status = 1;
			nchildren = i;
			break;
		}
		q[i + 1] = (struct query){ .js = js, .pid = pid };
	}
	q[0] = (struct query){ .js = js, .pid = getpid() };
	/* Let them compute, then have the daemon sample what they did. */
	usleep(ms * 1000 + 100000);
	r = joulestat_sample(js, &snap);
	if (r < 0) {
		fprintf(stderr, "sample: %s\n", strerror(-r));
		status = 1;
	} else {
		joulestat_snapshot_free(snap);
	}

	/* One thread per process, all asking at once. */
	for (unsigned i = 0; i <= nchildren; i++)
		if (pthread_create(&th[i], NULL, ask, &q[i]) != 0)
			ask(&q[i]), th[i] = 0;
	for (unsigned i = 0; i <= nchildren; i++) {
		if (th[i])
			pthread_join(th[i], NULL);
		if (q[i].err < 0) {
			printf("pid %d (%s): %s\n", q[i].pid, i ? "child" : "self", strerror(-q[i].err));
			status = 1;
			continue;
		}
		printf("pid %d (%s): %" PRIu64 " uJ since the daemon first saw it, %.3f s of CPU "
		       "in the last interval, %s\n",
		       q[i].pid, i ? "child" : "self", q[i].e.energy_uj, (double)q[i].e.cpu_ns / 1e9,
		       q[i].e.source);
		if (i)
			children_uj += q[i].e.energy_uj;
	}
	printf("children: %" PRIu64 " uJ\n", children_uj);

	for (unsigned i = 1; i <= nchildren; i++) {
		kill(q[i].pid, SIGTERM);
		waitpid(q[i].pid, NULL, 0);
	}
	joulestat_free(js);
	return status;
}
