/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* kids.c - the sleeping children of the benchmarks (contracts in kids.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kids.h"

/* Globals: the signal handler must reach them. */
static pid_t *kids;
static size_t nkids, kids_cap;

static void on_signal(int sig)
{
	/* Children also get SIGKILL from PR_SET_PDEATHSIG when this process dies. */
	for (size_t i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

int kids_init(size_t cap)
{
	kids = calloc(cap ? cap : 1, sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	kids_cap = cap;
	nkids = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return 0;
}

int kids_spawn(size_t n)
{
	pid_t parent = getpid();

	for (size_t i = 0; i < n; i++) {
		pid_t c;

		if (nkids >= kids_cap)
			return -ENOSPC;
		c = fork();
		if (c < 0)
			return -errno;
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		kids[nkids++] = c;
	}
	return 0;
}

int kids_add(pid_t pid)
{
	if (nkids >= kids_cap)
		return -ENOSPC;
	kids[nkids++] = pid;
	return 0;
}

size_t kids_count(void)
{
	return nkids;
}

pid_t kids_pid(size_t i)
{
	return i < nkids ? kids[i] : -1;
}

void kids_kill_from(size_t first)
{
	for (size_t i = first; i < nkids; i++)
		kill(kids[i], SIGKILL);
	for (size_t i = first; i < nkids; i++)
		waitpid(kids[i], NULL, 0);
	if (first < nkids)
		nkids = first;
}

void kids_done(void)
{
	kids_kill_from(0);
	free(kids);
	kids = NULL;
	kids_cap = 0;
}
