/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * res-workload.c - workloads with a known bottleneck, for the profiling
 * tests: `res-workload MODE SECONDS [DIR]`
 *   spin      one thread computing, no memory traffic, no system calls
 *   fsync     4 kB writes to DIR/res-workload.XXXXXX, each followed by fsync
 *   memory    map 64 MB, write every page, unmap, again: the time goes to
 *             the kernel supplying and zeroing pages
 *   pingpong  two processes passing one byte back and forth over two pipes
 * Each runs for SECONDS of wall time and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spin(double end)
{
	volatile unsigned long x = 1;

	while (now_s() < end)
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	return 0;
}

static int do_fsync(double end, const char *dir)
{
	char path[4096], block[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/res-workload.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	unlink(path);
	memset(block, 'x', sizeof(block));
	while (now_s() < end) {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fsync(fd) < 0) {
			perror("write/fsync");
			return 1;
		}
	}
	close(fd);
	return 0;
}

static int memory(double end)
{
	const size_t size = 64UL << 20;
	long page = sysconf(_SC_PAGESIZE);

	while (now_s() < end) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (size_t off = 0; off < size; off += (size_t)page)
			p[off] = (char)off;
		munmap(p, size);
	}
	return 0;
}

static int pingpong(double end)
{
	int a[2], b[2];
	pid_t pid;
	char c = 0;

	if (pipe(a) < 0 || pipe(b) < 0) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		/* Its own copies of the other ends would hold off the EOF that ends it. */
		close(a[1]);
		close(b[0]);
		while (read(a[0], &c, 1) == 1)
			if (write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	while (now_s() < end)
		for (int i = 0; i < 100; i++)
			if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) {
				perror("pipe");
				return 1;
			}
	close(a[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	double end;

	if (argc < 3) {
		fprintf(stderr, "usage: res-workload spin|fsync|memory|pingpong SECONDS [DIR]\n");
		return 2;
	}
	end = now_s() + atof(argv[2]);
	if (strcmp(argv[1], "spin") == 0)
		return spin(end);
	if (strcmp(argv[1], "fsync") == 0)
		return do_fsync(end, argc > 3 ? argv[3] : ".");
	if (strcmp(argv[1], "memory") == 0)
		return memory(end);
	if (strcmp(argv[1], "pingpong") == 0)
		return pingpong(end);
	fprintf(stderr, "res-workload: unknown mode '%s'\n", argv[1]);
	return 2;
}
