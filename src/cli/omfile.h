/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * omfile.h - write a metrics page to a file atomically, for readers that
 * poll it (PCP's pmda-openmetrics re-reads a file:// URL on every fetch):
 * the text goes to a temporary file in the same directory, which is then
 * renamed over the target, so a reader sees the old page or the new one,
 * never half of one. The file follows the rule of every file joulestat
 * writes (outfile.h): no symbolic link followed, no other user's file
 * replaced, temporary names nobody can plant in advance.
 */
#ifndef JOULESTAT_OMFILE_H
#define JOULESTAT_OMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct omfile {
	const char *path;	/* borrowed */
	bool placed;		/* a page of ours is at the path (dev, ino) */
	dev_t dev;
	ino_t ino;
};

/*
 * Replace om->path with `len` bytes of `data`, mode 0644 whatever the umask
 * (the PMDA runs as another user). Returns 0 or -errno, with a sentence
 * naming the file in `err`; on error the previous file is left as it was
 * and no temporary file remains.
 */
int omfile_write(struct omfile *om, const char *data, size_t len, char *err, size_t err_size);

/*
 * Remove the page last written, so that no reader takes it for current
 * values once joulestat has stopped. A file someone else put there since is
 * left alone. Returns 0 or -errno, with the sentence in `err`.
 */
int omfile_remove(struct omfile *om, char *err, size_t err_size);

#endif
