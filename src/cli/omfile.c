/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* omfile.c - temp file + rename, so a polling reader never sees half a page (see omfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omfile.h"

int omfile_write(const char *path, const char *data, size_t len, char *err, size_t err_size)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 32);
	size_t done = 0;
	int fd = -1, r = 0;

	if (!tmp) {
		snprintf(err, err_size, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* Same directory, so rename() is atomic; hidden-ish suffix, unique per process. */
	snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, err_size, "cannot write %s (temporary file %s): %s", path, tmp,
			 strerror(-r));
		goto out;
	}
	(void)fchmod(fd, 0644); /* readable by a PMDA running as another user, whatever the umask */
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, err_size, "cannot write %s: %s", tmp, strerror(-r));
			goto out;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		snprintf(err, err_size, "cannot write %s: %s", tmp, strerror(-r));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		snprintf(err, err_size, "cannot rename %s to %s: %s", tmp, path, strerror(-r));
	}
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}
