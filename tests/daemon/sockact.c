/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * sockact.c - what systemd does for a socket unit, for the tests: bind and
 * listen on PATH (mode MODE), pass the socket as descriptor 3 with
 * LISTEN_FDS=1 and LISTEN_PID set to this process, then exec the command
 * (which keeps the PID).
 *
 *   sockact PATH MODE CMD [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char pid[32];
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: sockact PATH MODE CMD [ARGS...]\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    chmod(argv[1], (mode_t)strtol(argv[2], NULL, 8)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (fd != 3) {
		if (dup2(fd, 3) < 0) {
			perror("dup2");
			return 1;
		}
		close(fd);
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
