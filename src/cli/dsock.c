/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* dsock.c - the daemon's listening socket and its peers' credentials (dsock.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dsock.h"

#define SD_LISTEN_FDS_START 3

int dsock_activated(char *err, size_t errsize)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int type = 0, listening = 0;
	socklen_t olen = sizeof(type);
	char *end;
	long p, n;

	if (!pid || !fds)
		return -ENOENT;
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno || *end || p != (long)getpid())
		return -ENOENT;
	n = strtol(fds, &end, 10);
	if (errno || *end || n < 1)
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n > 1) {
		snprintf(err, errsize, "systemd passed %ld sockets; joulestat.socket gives one", n);
		return -EINVAL;
	}
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &olen) < 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		       &(socklen_t){ sizeof(listening) }) < 0 ||
	    !listening || getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX) {
		snprintf(err, errsize, "the descriptor systemd passed is not a listening Unix stream "
				       "socket (ListenStream= in joulestat.socket)");
		return -EINVAL;
	}
	if (fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(SD_LISTEN_FDS_START, F_SETFL,
		  fcntl(SD_LISTEN_FDS_START, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errsize, "the socket systemd passed: %s", strerror(errno));
		return -errno;
	}
	return SD_LISTEN_FDS_START;
}

/* Make the socket's directory when it is missing (one level: /run/joulestat). */
static int make_dir(const char *path, char *err, size_t errsize)
{
	char *copy = strdup(path), *dir;
	struct stat st;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errsize, "%s: not a directory", dir);
			r = -ENOTDIR;
		}
	} else if (errno != ENOENT || mkdir(dir, 0755) < 0) {
		r = -errno;
		snprintf(err, errsize, "cannot make the socket's directory %s: %s", dir, strerror(errno));
	}
	free(copy);
	return r;
}

/* Take PATH.lock, or say which daemon holds it. */
static int take_lock(const char *path, int *ret_fd, char *err, size_t errsize)
{
	char lock[sizeof(((struct sockaddr_un *)0)->sun_path) + 8], pid[32];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0) {
		int r = -errno;

		snprintf(err, errsize, "cannot open the lock file %s: %s%s", lock, strerror(errno),
			 errno == ELOOP ? " (a symbolic link: remove it)" : "");
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errsize, "the lock file %s is not a regular file of this user's: "
				       "remove it", lock);
		close(fd);
		return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (r == -EBUSY) {
			char who[48] = "";

			if (pid[0])
				snprintf(who, sizeof(who), " (PID %.20s)", pid);
			snprintf(err, errsize, "another joulestat daemon%s holds %s: stop it first, or "
					       "give this one another --socket", who, path);
		} else {
			snprintf(err, errsize, "cannot lock %s: %s", lock, strerror(-r));
		}
		close(fd);
		return r;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* The PID is for messages only: the lock is what counts. */
	}
	*ret_fd = fd;
	return 0;
}

/* Something is at path: a stale socket (removed), a live daemon, or not a socket. */
static int clear_path(const char *path, const struct sockaddr_un *sa, char *err, size_t errsize)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errsize, "%s exists and is not a socket: remove it, or give another "
				       "--socket", path);
		return -ENOTSOCK;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0) {
		snprintf(err, errsize, "a daemon already answers on %s (systemd's joulestat.socket?): "
				       "stop it first, or give this one another --socket", path);
		return -EEXIST;
	}
	/* Nobody listens: a socket left by a daemon that died. */
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		snprintf(err, errsize, "cannot remove the stale socket %s: %s", path, strerror(errno));
		return r;
	}
	return 0;
}

int dsock_open(const char *path, struct dsock *ret, char *err, size_t errsize)
{
	struct dsock s = { .fd = -1, .lock_fd = -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r;

	err[0] = '\0';
	r = dsock_activated(err, errsize);
	if (r >= 0) {
		s.fd = r;
		s.activated = true;
		s.path = strdup(path);
		if (!s.path)
			return -ENOMEM;
		*ret = s;
		return 0;
	}
	if (r != -ENOENT)
		return r;
	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errsize, "--socket %s: a socket path is 1 to %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = make_dir(path, err, errsize);
	if (r < 0)
		return r;
	r = take_lock(path, &s.lock_fd, err, errsize);
	if (r < 0)
		return r;
	r = clear_path(path, &sa, err, errsize);
	if (r < 0)
		goto fail;
	s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s.fd < 0) {
		r = -errno;
		snprintf(err, errsize, "socket: %s", strerror(errno));
		goto fail;
	}
	/* The file gets DSOCK_MODE whatever the caller's umask (one thread runs here). */
	old = umask(0777 & ~DSOCK_MODE);
	r = bind(s.fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = -errno;
		snprintf(err, errsize, "cannot bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (stat(path, &st) == 0) {
		s.dev = st.st_dev;
		s.ino = st.st_ino;
	}
	if (listen(s.fd, 256) < 0) {
		r = -errno;
		snprintf(err, errsize, "cannot listen on %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	s.path = strdup(path);
	if (!s.path) {
		r = -ENOMEM;
		unlink(path);
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	if (s.fd >= 0)
		close(s.fd);
	if (s.lock_fd >= 0)
		close(s.lock_fd);
	return r;
}

void dsock_close(struct dsock *s)
{
	struct stat st;

	if (s->fd >= 0)
		close(s->fd);
	if (!s->activated && s->path && lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	/* The lock file stays: removing it while held would let two daemons lock two files. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->path);
	*s = (struct dsock){ .fd = -1, .lock_fd = -1 };
}

int dsock_peer_get(int fd, struct dsock_peer *ret)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct dsock_peer p = { 0 };

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	p.pid = uc.pid;
	p.uid = uc.uid;
	p.gid = uc.gid;
#ifdef SO_PEERGROUPS
	{
		gid_t small[64], *g = small;
		socklen_t glen = sizeof(small);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &glen) < 0 && errno == ERANGE) {
			g = malloc(glen);
			if (g && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &glen) < 0)
				glen = 0;
		}
		if (g && glen >= sizeof(gid_t)) {
			p.ngroups = glen / sizeof(gid_t);
			p.groups = malloc(p.ngroups * sizeof(*p.groups));
			if (p.groups)
				for (size_t i = 0; i < p.ngroups; i++)
					p.groups[i] = (uint32_t)g[i];
			else
				p.ngroups = 0;
		}
		if (g != small)
			free(g);
	}
#endif
	*ret = p;
	return 0;
}

void dsock_peer_done(struct dsock_peer *p)
{
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
}
