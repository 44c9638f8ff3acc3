/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * omfile.h - write a metrics page to a file atomically, for readers that
 * poll it (PCP's pmda-openmetrics re-reads a file:// URL on every fetch):
 * the text goes to a temporary file in the same directory, which is then
 * renamed over the target, so a reader sees the old page or the new one,
 * never half of one.
 */
#ifndef JOULESTAT_OMFILE_H
#define JOULESTAT_OMFILE_H

#include <stddef.h>

/*
 * Replace `path` with `len` bytes of `data`, mode 0644. Returns 0 or -errno,
 * with a sentence naming the file in `err`; on error the previous file is
 * left as it was and no temporary file remains.
 */
int omfile_write(const char *path, const char *data, size_t len, char *err, size_t err_size);

#endif
