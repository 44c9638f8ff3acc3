/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * crowd.c - N processes that each wake about once a second and work ~50 µs,
 * so every sampling interval sees N processes run: the many-process load of
 * the exporter's tests. `crowd N`: forks N children, prints "ready" when
 * they all run, and exits when it gets SIGTERM or SIGINT; the children die
 * with it (PR_SET_PDEATHSIG), also when it is killed outright.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(unsigned idx)
{
	struct timespec ts = { 0, (long)(idx % 1000) * 1000000L }; /* spread the wake-ups */
	volatile unsigned long x = 0;

	nanosleep(&ts, NULL);
	for (;;) {
		struct timespec start, now;

		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			for (int i = 0; i < 1000; i++)
				x += (unsigned long)i;
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) <
			 50000);
		ts = (struct timespec){ 1, 0 };
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	pid_t parent = getpid(), *kids;
	sigset_t set;
	int sig;

	if (n == 0 || n > 100000) {
		fprintf(stderr, "usage: crowd N (1..100000)\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("crowd: fork");
			n = i;
			break;
		}
		if (p == 0) {
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent) /* the parent died before prctl */
				_exit(0);
			child(i);
		}
		kids[i] = p;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	for (unsigned i = 0; i < n; i++) /* by PID: never a process group we do not own */
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(kids);
	return 0;
}
