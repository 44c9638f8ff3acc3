/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * outfile.h - every file the joulestat command writes is opened here, so
 * that one rule (docs/FILES.md) holds for all of them, also as root in a
 * world-writable sticky directory such as /tmp, whatever the kernel's
 * fs.protected_* settings:
 *
 * - "-" is standard output.
 * - A symbolic link at the path is never followed: refused (a link planted
 *   by another user could point anywhere). The directories above it are the
 *   caller's to trust.
 * - An existing file must belong to the caller or to root; a regular file
 *   written in place (a stream) must have no other hard link.
 * - A file written whole (OUTFILE_REPLACE) goes to a temporary file created
 *   exclusively (O_EXCL, O_NOFOLLOW) under an unpredictable name in the
 *   target's directory, renamed over the target when complete: a reader
 *   sees the old file or the new one, never half of one, and a failure
 *   leaves the old file as it was and no temporary file.
 * - A file written over time (OUTFILE_STREAM, `record`) cannot be renamed
 *   into place: it is opened with O_NOFOLLOW and no O_TRUNC, checked with
 *   fstat() (the rules above), then truncated. Each record goes in whole or
 *   not at all: a failed write is cut back to the last complete record.
 * - A named pipe is written only when a reader is there (the open never
 *   waits); character devices (/dev/null) are written in place; directories,
 *   sockets and block devices are refused.
 * - The output must not be one of the command's inputs (same device and
 *   inode, so through hard links too; standard output included).
 *
 * Errors come back as -errno with a sentence naming the path, the reason and
 * the fix in `err` (the caller prints it): the module prints nothing.
 */
#ifndef JOULESTAT_OUTFILE_H
#define JOULESTAT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

enum outfile_kind {
	OUTFILE_REPLACE,	/* written whole, then renamed into place */
	OUTFILE_STREAM,		/* written in place, record by record */
};

/* An input of the command, that no output may be. */
struct outfile_input {
	const char *name;	/* for messages */
	dev_t dev;
	ino_t ino;
};

struct outfile_opts {
	enum outfile_kind kind;
	mode_t mode;		/* of a new file, less the umask; 0: 0644 */
	bool exact_mode;	/* `mode` whatever the umask (read by another user's daemon) */
	bool sync;		/* fsync() before the rename (a file that must survive a crash) */
	const struct outfile_input *inputs;
	size_t ninputs;
};

struct outfile {
	const char *path;	/* as given ("-": standard output) */
	const char *name;	/* for messages: the path, or "standard output" */
	FILE *f;		/* write here (or with outfile_append()) */
	int fd;			/* f's descriptor */
	int dirfd;		/* OUTFILE_REPLACE: the target's directory; -1 otherwise */
	char *base;		/* its name in dirfd */
	char *tmp;		/* the temporary file's name in dirfd; NULL when in place */
	off_t good_size;	/* OUTFILE_STREAM on a regular file: end of the last record */
	bool seekable;		/* a regular file written in place: can be cut back */
	bool usage;		/* the refusal is a usage error (an output that is an input) */
	bool sync;
	dev_t dev;		/* after outfile_commit(): the file now at the path */
	ino_t ino;
	char err[512];		/* the last error, a sentence naming the path */
};

/*
 * Open `path` for writing under the rule above. Returns 0 and fills *of, or
 * -errno with of->err set (and of->usage when the path is an input): -ELOOP
 * (a symbolic link), -EPERM (another user's file, or hard links), -EISDIR,
 * -ENXIO (a pipe without a reader, a socket), -EINVAL (an input), or what
 * the system said. Nothing is created or changed at the path on failure.
 */
int outfile_open(const char *path, const struct outfile_opts *opts, struct outfile *of);

/*
 * Append one whole record with write(2), after whatever is buffered in
 * of->f. On failure a regular file is cut back to the end of the previous
 * record (so a reader never meets half a line), and -errno is returned with
 * of->err set.
 */
int outfile_append(struct outfile *of, const void *data, size_t len);

/*
 * Finish: flush and check every write, fsync when asked, close, and for
 * OUTFILE_REPLACE rename the temporary file into place. Returns 0 or -errno
 * with of->err set; on failure the target is as it was and the temporary
 * file is gone. Standard output is flushed, not closed. Either way of is
 * closed afterwards.
 */
int outfile_commit(struct outfile *of);

/* Give up: close, and remove the temporary file. NULL-safe on a zeroed or closed outfile. */
void outfile_abort(struct outfile *of);

/*
 * Check now that `path` could be written (outfile_open() then
 * outfile_abort()), for a command that measures for a while before it
 * writes. Same returns as outfile_open(), with the message in err.
 */
int outfile_check(const char *path, const struct outfile_opts *opts, char *err, size_t err_size,
		  bool *ret_usage);

/*
 * Fill *ret with `name`'s identity from an open descriptor of it (fd >= 0)
 * or its path (fd < 0, following links). Returns 0, or -errno (a missing
 * file is no input: -ENOENT).
 */
int outfile_input_of(const char *name, int fd, struct outfile_input *ret);

/*
 * Remove the file that outfile_commit() put at `path` (identity dev, ino),
 * if it is still that file; anything else there is left alone. Returns 1
 * when removed, 0 when something else (or nothing) is there, -errno.
 */
int outfile_remove(const char *path, dev_t dev, ino_t ino);

#endif
