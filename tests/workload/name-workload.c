/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * name-workload.c - a process with a chosen name and a known number of
 * system calls, for the views' tests:
 *   `name-workload NAME_HEX CALLS SECONDS [FIFO]`
 * names itself with the bytes NAME_HEX spells (prctl PR_SET_NAME: any bytes
 * but NUL, at most 15), waits until FIFO is opened for writing (when given:
 * one blocking open, so the test decides when the calls start), makes CALLS
 * getppid() system calls, then computes for SECONDS of wall time (the vDSO
 * clock: no system call) and exits 0. Prints its pid first.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char name[16] = "";
	size_t len;
	long calls;
	double end;
	volatile unsigned long x = 1;

	if (argc < 4 || argc > 5 || strlen(argv[1]) % 2 || strlen(argv[1]) > 30) {
		fprintf(stderr, "usage: %s NAME_HEX CALLS SECONDS [FIFO]\n", argv[0]);
		return 2;
	}
	len = strlen(argv[1]) / 2;
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sscanf(argv[1] + 2 * i, "%2x", &v) != 1 || v == 0) {
			fprintf(stderr, "%s: bad hex name\n", argv[0]);
			return 2;
		}
		name[i] = (char)v;
	}
	calls = atol(argv[2]);
	if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0) {
		perror("prctl");
		return 1;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (argc == 5) {
		int fd = open(argv[4], O_RDONLY);

		if (fd < 0) {
			perror(argv[4]);
			return 1;
		}
		close(fd);
	}
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	end = now_s() + atof(argv[3]);
	while (now_s() < end)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	return 0;
}
