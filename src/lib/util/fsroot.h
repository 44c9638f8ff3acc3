/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fsroot.h - every file the library reads goes through here, so that /sys,
 * /proc and /dev can be replaced by fixture trees (--sysfs-root,
 * --procfs-root, --dev-root; node_exporter's --path.sysfs idea).
 *
 * Paths given to these calls are relative to the chosen root
 * ("class/powercap/intel-rapl:0/energy_uj" under FS_SYS). Errors are -errno
 * from the underlying call; callers name the full path (fsroot_path()) when
 * they report one.
 */
#ifndef JOULESTAT_FSROOT_H
#define JOULESTAT_FSROOT_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fsroot_base {
	FS_SYS = 0,
	FS_PROC = 1,
	FS_DEV = 2,
	FS__COUNT
};

struct fsroot {
	char *root[FS__COUNT]; /* owned; no trailing slash ("" means "/") */
};

/* NULL roots mean /sys, /proc, /dev. Returns 0 or -ENOMEM. */
int fsroot_init(struct fsroot *fs, const char *sys, const char *proc, const char *dev);
void fsroot_done(struct fsroot *fs);

/* True when `base` points at the real system directory. */
int fsroot_is_real(const struct fsroot *fs, enum fsroot_base base);

/* "<root>/<rel>" into buf. Returns the length, or -ENAMETOOLONG. */
int fsroot_path(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		size_t size);

/*
 * openat(2) of a file to read, with O_CLOEXEC added, that never waits: a
 * named pipe or a socket is refused with -ESPIPE (a pipe without a writer
 * would block the open, and one with a writer is not a file), a directory
 * with -EISDIR unless O_DIRECTORY is asked for. Regular files, directories
 * and devices (/dev/cpu/N/msr) open as asked. Returns the fd or -errno.
 */
int file_open_input(int dirfd, const char *path, int flags);

/* What file_open_input()'s own refusals mean, for messages; strerror() otherwise. */
const char *file_input_problem(int err);

/* file_open_input() of "<root>/<rel>". Returns the fd or -errno. */
int fsroot_open(const struct fsroot *fs, enum fsroot_base base, const char *rel, int flags);

/*
 * Read a whole small file into buf and NUL-terminate it. Returns the length
 * read, -EFBIG when it does not fit in size - 1 bytes, or -errno.
 */
ssize_t fsroot_read(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		    size_t size);

/*
 * Read a file that holds one unsigned decimal number (sysfs style, trailing
 * newline allowed). -ENODATA when empty, -EINVAL when not a number, -ERANGE
 * when it overflows, or the -errno of the read.
 */
int fsroot_read_u64(const struct fsroot *fs, enum fsroot_base base, const char *rel,
		    uint64_t *ret);

/* Likewise for a signed number (battery current_now can be negative). */
int fsroot_read_s64(const struct fsroot *fs, enum fsroot_base base, const char *rel, int64_t *ret);

/* Read a one-line text file, trailing whitespace removed. Same errors as fsroot_read(). */
int fsroot_read_line(const struct fsroot *fs, enum fsroot_base base, const char *rel, char *buf,
		     size_t size);

/* opendir(3) of "<root>/<rel>". NULL with errno set on failure. */
DIR *fsroot_opendir(const struct fsroot *fs, enum fsroot_base base, const char *rel);

/* 1 when "<root>/<rel>" exists, 0 when not, -errno on other errors. */
int fsroot_exists(const struct fsroot *fs, enum fsroot_base base, const char *rel);

/*
 * pread(2) an already open file from offset 0 into buf, NUL-terminated, for
 * files kept open between samples. Returns the length, -EFBIG, or -errno.
 */
ssize_t fd_read_all(int fd, char *buf, size_t size);

#endif
