/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * dsock.h - the daemon's Unix socket: taken from systemd (socket activation:
 * LISTEN_PID, LISTEN_FDS) or bound at a path, which one daemon holds at a
 * time (a lock file beside it); and who is at the other end of a
 * connection (SO_PEERCRED, SO_PEERGROUPS).
 */
#ifndef JOULESTAT_DSOCK_H
#define JOULESTAT_DSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The mode of a socket the daemon binds: every user may connect; what they see is decided per peer. */
#define DSOCK_MODE 0666

struct dsock {
	int fd;			/* listening, non-blocking, close-on-exec */
	int lock_fd;		/* PATH.lock, flock()ed; -1 under socket activation */
	char *path;
	bool activated;		/* from systemd: not ours to remove */
	dev_t dev;		/* the socket file bound, removed at the end only if still it */
	ino_t ino;
};

/*
 * The socket systemd passed (LISTEN_PID is this process, LISTEN_FDS ≥ 1:
 * descriptor 3), checked to be a listening Unix stream socket; the
 * variables are then unset so children do not see them. Returns the fd,
 * -ENOENT when none was passed, -EINVAL (err says why) for a passed
 * descriptor that is not such a socket.
 */
int dsock_activated(char *err, size_t errsize);

/*
 * Listen at `path` (or on the activated socket): the directory is made
 * (0755) when missing; PATH.lock is taken, or -EBUSY with err naming the
 * daemon that holds it (its PID); a socket left at PATH by a daemon that
 * died is replaced, anything else there is refused (-EEXIST: a live
 * daemon answers there; -ENOTSOCK: not a socket). The socket file is
 * DSOCK_MODE whatever the umask. Returns 0; -errno with a sentence in err.
 */
int dsock_open(const char *path, struct dsock *ret, char *err, size_t errsize);

/* Close, and remove the socket and lock files if they are still this daemon's. */
void dsock_close(struct dsock *s);

/* Who is connected: credentials at connect() time (the kernel's, not the client's word). */
struct dsock_peer {
	pid_t pid;
	uint32_t uid, gid;
	uint32_t *groups;	/* supplementary groups (malloc'ed) */
	size_t ngroups;
};

/* -errno when the kernel cannot say (then treat the peer as nobody). */
int dsock_peer_get(int fd, struct dsock_peer *ret);
void dsock_peer_done(struct dsock_peer *p);

#endif
