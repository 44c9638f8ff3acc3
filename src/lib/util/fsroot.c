/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fsroot.c - file access under the injectable /sys, /proc and /dev roots. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsroot.h"
#include "parse.h"

static const char *const default_roots[FS__COUNT] = { "/sys", "/proc", "/dev" };

static char *root_dup(const char *r)
{
	size_t n = strlen(r);

	while (n > 0 && r[n - 1] == '/')
		n--;
	return strndup(r, n);
}

int fsroot_init(struct fsroot *fs, const char *sys, const char *proc, const char *dev)
{
	const char *given[FS__COUNT] = { sys, proc, dev };

	memset(fs, 0, sizeof(*fs));
	for (int i = 0; i < FS__COUNT; i++) {
		fs->root[i] = root_dup(given[i] && given[i][0] ? given[i] : default_roots[i]);
		if (!fs->root[i]) {
			fsroot_done(fs);
			return -ENOMEM;
		}
	}
	return 0;
}

void fsroot_done(struct fsroot *fs)
{
	for (int i = 0; i < FS__COUNT; i++) {
		free(fs->root[i]);
		fs->root[i] = NULL;
	}
}

int fsroot_is_real(const struct fsroot *fs, enum fsroot_base base)
{
	return strcmp(fs->root[base], default_roots[base]) == 0;
}

int fsroot_path(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		size_t size)
{
	int n;

	while (*rel == '/')
		rel++;
	n = snprintf(buf, size, "%s/%s", fs->root[base], rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

int file_open_input(int dirfd, const char *path, int flags)
{
	struct stat st;
	int fd, r;

	/*
	 * O_NONBLOCK: open(2) of a named pipe for reading waits for a writer;
	 * with it, open returns at once and fstat() tells what was opened. It
	 * has no effect on regular files (open(2)), so it stays set on them.
	 */
	fd = openat(dirfd, path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (S_ISREG(st.st_mode))
		return fd;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		r = -ESPIPE;
		goto fail;
	}
	if (S_ISDIR(st.st_mode) && !(flags & O_DIRECTORY)) {
		r = -EISDIR;
		goto fail;
	}
	/* A directory or a device (/dev/cpu/N/msr): back to the blocking mode asked for. */
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	(void)close(fd);
	return r;
}

const char *file_input_problem(int err)
{
	switch (err) {
	case -ESPIPE:
		return "a named pipe or socket, not a file";
	case -EISDIR:
		return "a directory, not a file";
	default:
		return strerror(-err);
	}
}

int fsroot_open(const struct fsroot *fs, enum fsroot_base base, const char *rel, int flags)
{
	char path[4096];
	int r;

	r = fsroot_path(fs, base, rel, path, sizeof(path));
	if (r < 0)
		return r;
	return file_open_input(AT_FDCWD, path, flags);
}

ssize_t fd_read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return -EINVAL;
	for (;;) {
		ssize_t n = pread(fd, buf + len, size - 1 - len, (off_t)len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1) {
			char extra;

			/* Full buffer: only an error when the file has more. */
			n = pread(fd, &extra, 1, (off_t)len);
			if (n > 0)
				return -EFBIG;
			break;
		}
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

ssize_t fsroot_read(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		    size_t size)
{
	ssize_t r;
	int fd;

	fd = fsroot_open(fs, base, rel, O_RDONLY);
	if (fd < 0)
		return fd;
	r = fd_read_all(fd, buf, size);
	(void)close(fd);
	return r;
}

int fsroot_read_u64(const struct fsroot *fs, enum fsroot_base base, const char *rel,
		    uint64_t *ret)
{
	char buf[64];
	ssize_t n;

	n = fsroot_read(fs, base, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return parse_u64(buf, (size_t)n, ret);
}

int fsroot_read_s64(const struct fsroot *fs, enum fsroot_base base, const char *rel, int64_t *ret)
{
	char buf[64];
	ssize_t n;

	n = fsroot_read(fs, base, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return parse_s64(buf, (size_t)n, ret);
}

int fsroot_read_line(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		     size_t size)
{
	ssize_t n;

	n = fsroot_read(fs, base, rel, buf, size);
	if (n < 0)
		return (int)n;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t' ||
			 buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return (int)n;
}

DIR *fsroot_opendir(const struct fsroot *fs, enum fsroot_base base, const char *rel)
{
	char path[4096];

	if (fsroot_path(fs, base, rel, path, sizeof(path)) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return opendir(path);
}

int fsroot_exists(const struct fsroot *fs, enum fsroot_base base, const char *rel)
{
	char path[4096];
	struct stat st;
	int r;

	r = fsroot_path(fs, base, rel, path, sizeof(path));
	if (r < 0)
		return r;
	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return -errno;
}
