/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* outfile.c - the one way the command writes a file (the rule is in outfile.h, docs/FILES.md). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"

/* Longest target name kept in a temporary name, so "NAME.XXXXXXXX" fits NAME_MAX (255). */
#define TMP_BASE_MAX 200
#define TMP_TRIES 100

static int fail(struct outfile *of, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct outfile *of, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(of->err, sizeof(of->err), fmt, ap);
	va_end(ap);
	return r;
}

static void close_all(struct outfile *of)
{
	if (of->f && of->f != stdout)
		fclose(of->f);
	else if (!of->f && of->fd >= 0 && of->fd != STDOUT_FILENO)
		close(of->fd);
	of->f = NULL;
	of->fd = -1;
	if (of->tmp && of->dirfd >= 0)
		(void)unlinkat(of->dirfd, of->tmp, 0);
	if (of->dirfd >= 0)
		close(of->dirfd);
	of->dirfd = -1;
	free(of->tmp);
	free(of->base);
	of->tmp = NULL;
	of->base = NULL;
}

static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		snprintf(buf, size, "'%s' (uid %u)", pw->pw_name, (unsigned)uid);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
	return buf;
}

/* The rule for what is at the path (lstat or fstat of it). 0 when it may be written. */
static int check_existing(struct outfile *of, const struct stat *st, bool in_place)
{
	char who[96];

	if (S_ISLNK(st->st_mode))
		return fail(of, -ELOOP, "cannot write %s: it is a symbolic link, and joulestat does "
					"not write through one (it could point anywhere); give the "
					"real path, or '-' for standard output", of->name);
	if (S_ISDIR(st->st_mode))
		return fail(of, -EISDIR, "cannot write %s: it is a directory (give a file name)",
			    of->name);
	if (S_ISSOCK(st->st_mode))
		return fail(of, -ENXIO, "cannot write %s: it is a socket, not a file", of->name);
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode))
		return fail(of, -EPERM, "cannot write %s: it is a device that is not a character "
					"device", of->name);
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return fail(of, -EPERM, "cannot write %s: it belongs to user %s, and joulestat "
					"writes only a file of yours or root's (remove it, or "
					"choose another path)",
			    of->name, user_name(st->st_uid, who, sizeof(who)));
	if (in_place && S_ISREG(st->st_mode) && st->st_nlink > 1)
		return fail(of, -EPERM, "cannot write %s: it has %lu hard links, and writing it "
					"in place would change the file under its other names too "
					"(remove it, or choose another path)",
			    of->name, (unsigned long)st->st_nlink);
	return 0;
}

static int check_inputs(struct outfile *of, const struct outfile_opts *o, const struct stat *st)
{
	for (size_t i = 0; i < o->ninputs; i++)
		if (o->inputs[i].dev == st->st_dev && o->inputs[i].ino == st->st_ino) {
			of->usage = true;
			return fail(of, -EINVAL, "%s is the same file as the input %s: writing it "
						 "would destroy what is being read (choose another "
						 "output)",
				    of->name, o->inputs[i].name);
		}
	return 0;
}

/* An unpredictable suffix: the temporary file cannot be planted in advance. */
static void random_suffix(char *buf, size_t n)
{
	static const char chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t counter;
	unsigned char rnd[16];

	if (n > sizeof(rnd))
		n = sizeof(rnd);
	if (getrandom(rnd, n, GRND_NONBLOCK) != (ssize_t)n) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^
		    ++counter * 0x9e3779b97f4a7c15ULL;
		for (size_t i = 0; i < n; i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
			rnd[i] = (unsigned char)(x >> 56);
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	buf[n] = '\0';
}

static int open_temporary(struct outfile *of, const struct outfile_opts *o, mode_t mode)
{
	size_t blen = strlen(of->base);
	int n = blen > TMP_BASE_MAX ? TMP_BASE_MAX : (int)blen;

	of->tmp = malloc((size_t)n + 16);
	if (!of->tmp)
		return fail(of, -ENOMEM, "cannot write %s: out of memory", of->name);
	for (int i = 0; i < TMP_TRIES; i++) {
		char sfx[9];

		random_suffix(sfx, 8);
		snprintf(of->tmp, (size_t)n + 16, "%.*s.%s", n, of->base, sfx);
		of->fd = openat(of->dirfd, of->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (of->fd >= 0)
			break;
		if (errno != EEXIST) {
			int r = -errno;

			free(of->tmp);
			of->tmp = NULL;
			return fail(of, r, "cannot write %s: %s", of->name, strerror(-r));
		}
	}
	if (of->fd < 0) {
		free(of->tmp);
		of->tmp = NULL;
		return fail(of, -EEXIST, "cannot write %s: no free temporary name beside it",
			    of->name);
	}
	if (o->exact_mode && fchmod(of->fd, mode) < 0)
		return fail(of, -errno, "cannot write %s: %s", of->name, strerror(errno));
	return 0;
}

/* The path itself, opened without following a link and without waiting on a pipe. */
static int open_in_place(struct outfile *of, bool create, mode_t mode)
{
	struct stat st;
	int r;

	of->fd = openat(of->dirfd, of->base,
			O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
				(create ? O_CREAT : 0),
			mode);
	if (of->fd < 0) {
		r = -errno;
		if (r == -ENXIO && fstatat(of->dirfd, of->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISFIFO(st.st_mode))
			return fail(of, r, "cannot write %s: it is a named pipe with no reader "
					   "(joulestat does not wait for one: start the reader "
					   "first, or write to '-' and a pipe)", of->name);
		if (r == -ELOOP && fstatat(of->dirfd, of->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    check_existing(of, &st, true) < 0)
			return r;
		return fail(of, r, "cannot write %s: %s", of->name, strerror(-r));
	}
	/* What was opened, not what was there a moment ago. */
	if (fstat(of->fd, &st) < 0)
		return fail(of, -errno, "cannot write %s: %s", of->name, strerror(errno));
	r = check_existing(of, &st, true);
	if (r < 0)
		return r;
	if (fcntl(of->fd, F_SETFL, fcntl(of->fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return fail(of, -errno, "cannot write %s: %s", of->name, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		if (ftruncate(of->fd, 0) < 0)
			return fail(of, -errno, "cannot write %s: %s", of->name, strerror(errno));
		of->seekable = true;
	}
	return 0;
}

/* Whether the path could be opened in place, without opening it (a pipe's reader would see EOF). */
static int check_in_place(struct outfile *of, bool exists)
{
	if (faccessat(of->dirfd, exists ? of->base : ".", W_OK, AT_EACCESS) < 0)
		return fail(of, -errno, "cannot write %s: %s", of->name, strerror(errno));
	return 0;
}

static int open_path(const char *path, const struct outfile_opts *o, struct outfile *of, bool dry)
{
	mode_t mode = o->mode ? o->mode : 0644;
	const char *slash;
	struct stat st;
	char *dir = NULL;
	bool exists;
	int r;

	*of = (struct outfile){ .path = path, .name = path, .fd = -1, .dirfd = -1,
				.sync = o->sync };
	if (strcmp(path, "-") == 0) {
		of->name = "standard output";
		of->f = stdout;
		of->fd = STDOUT_FILENO;
		/* `replay x >> x`: the shell opened it, but it is still the input. */
		if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
			of->seekable = true; /* `record -o - >FILE` is cut back too */
			return check_inputs(of, o, &st);
		}
		return 0;
	}
	if (!path[0]) {
		of->usage = true;
		return fail(of, -EINVAL, "empty output file name");
	}
	/* Through links too: a name that leads to an input is that input. */
	if (stat(path, &st) == 0 && (r = check_inputs(of, o, &st)) < 0)
		return r;

	slash = strrchr(path, '/');
	if (slash && !slash[1])
		return fail(of, -EISDIR, "cannot write %s: it names a directory (give a file name)",
			    path);
	of->base = strdup(slash ? slash + 1 : path);
	dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (!of->base || !dir) {
		r = fail(of, -ENOMEM, "cannot write %s: out of memory", path);
		goto out;
	}
	of->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (of->dirfd < 0) {
		r = -errno;
		fail(of, r, "cannot write %s: %s", path,
		     r == -ENOENT ? "its directory does not exist" : strerror(-r));
		goto out;
	}
	exists = fstatat(of->dirfd, of->base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT) {
		r = fail(of, -errno, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (exists && (r = check_existing(of, &st, o->kind == OUTFILE_STREAM)) < 0)
		goto out;
	if (o->kind == OUTFILE_REPLACE && (!exists || S_ISREG(st.st_mode)))
		r = open_temporary(of, o, mode);
	else if (dry)
		r = check_in_place(of, exists);
	else
		r = open_in_place(of, !exists || S_ISREG(st.st_mode), mode);
	if (r < 0 || (dry && of->fd < 0))
		goto out;
	if (!of->tmp) {
		close(of->dirfd);
		of->dirfd = -1;
	}
	of->f = fdopen(of->fd, "w");
	if (!of->f)
		r = fail(of, -errno, "cannot write %s: %s", path, strerror(errno));
out:
	free(dir);
	if (r < 0)
		close_all(of);
	return r;
}

int outfile_open(const char *path, const struct outfile_opts *opts, struct outfile *of)
{
	return open_path(path, opts, of, false);
}

int outfile_append(struct outfile *of, const void *data, size_t len)
{
	const char *p = data;
	size_t done = 0;
	int r;

	if (of->f && fflush(of->f) != 0) {
		r = errno ? -errno : -EIO;
		return fail(of, r, "cannot write %s: %s", of->name, strerror(-r));
	}
	if (of->seekable) {
		off_t pos = lseek(of->fd, 0, SEEK_CUR);

		if (pos >= 0)
			of->good_size = pos;
	}
	while (done < len) {
		ssize_t n = write(of->fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			/* No half record: a reader reads every complete one up to here. */
			if (of->seekable && done > 0 && ftruncate(of->fd, of->good_size) == 0 &&
			    lseek(of->fd, of->good_size, SEEK_SET) >= 0)
				return fail(of, r, "cannot write %s: %s (the file ends at its last "
						   "complete record)", of->name, strerror(-r));
			return fail(of, r, "cannot write %s: %s", of->name, strerror(-r));
		}
		done += (size_t)n;
	}
	return 0;
}

int outfile_commit(struct outfile *of)
{
	struct stat st;
	int r = 0;

	if (of->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout))
			r = fail(of, errno ? -errno : -EIO, "cannot write %s: %s", of->name,
				 strerror(errno ? errno : EIO));
		of->f = NULL;
		of->fd = -1;
		return r;
	}
	if (!of->f)
		return fail(of, -EBADF, "cannot write %s: not open", of->name);
	errno = 0;
	if (fflush(of->f) != 0 || ferror(of->f))
		r = errno ? -errno : -EIO;
	if (!r && of->sync && fsync(of->fd) < 0)
		r = -errno;
	if (!r && fstat(of->fd, &st) == 0) {
		of->dev = st.st_dev;
		of->ino = st.st_ino;
	}
	if (fclose(of->f) != 0 && !r)
		r = errno ? -errno : -EIO;
	of->f = NULL;
	of->fd = -1;
	if (r < 0) {
		fail(of, r, "cannot write %s: %s", of->name, strerror(-r));
	} else if (of->tmp && renameat(of->dirfd, of->tmp, of->dirfd, of->base) < 0) {
		r = fail(of, -errno, "cannot write %s: renaming %s over it: %s", of->name, of->tmp,
			 strerror(errno));
	} else if (of->tmp) {
		free(of->tmp);
		of->tmp = NULL; /* in place now: nothing to remove */
	}
	close_all(of);
	return r;
}

void outfile_abort(struct outfile *of)
{
	if (of)
		close_all(of);
}

int outfile_check(const char *path, const struct outfile_opts *opts, char *err, size_t err_size,
		  bool *ret_usage)
{
	struct outfile of;
	int r = open_path(path, opts, &of, true);

	if (r < 0) {
		snprintf(err, err_size, "%s", of.err);
		if (ret_usage)
			*ret_usage = of.usage;
	}
	outfile_abort(&of); /* the temporary file it made, if any */
	return r;
}

int outfile_input_of(const char *name, int fd, struct outfile_input *ret)
{
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(name, &st)) < 0)
		return -errno;
	*ret = (struct outfile_input){ .name = name, .dev = st.st_dev, .ino = st.st_ino };
	return 0;
}

int outfile_remove(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (st.st_dev != dev || st.st_ino != ino)
		return 0;
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 1;
}
