/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* omfile.c - the OpenMetrics file for PCP, written whole through outfile.c (see omfile.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "omfile.h"
#include "outfile.h"

int omfile_write(struct omfile *om, const char *data, size_t len, char *err, size_t err_size)
{
	const struct outfile_opts o = { .kind = OUTFILE_REPLACE, .mode = 0644, .exact_mode = true };
	struct outfile of;
	int r;

	r = outfile_open(om->path, &o, &of);
	if (r == 0 && len && fwrite(data, 1, len, of.f) != len) {
		r = -(errno ? errno : EIO);
		snprintf(of.err, sizeof(of.err), "cannot write %s: %s", om->path, strerror(-r));
		outfile_abort(&of);
	} else if (r == 0) {
		r = outfile_commit(&of);
	}
	if (r < 0) {
		snprintf(err, err_size, "%s", of.err);
		return r;
	}
	om->placed = true;
	om->dev = of.dev;
	om->ino = of.ino;
	return 0;
}

int omfile_remove(struct omfile *om, char *err, size_t err_size)
{
	int r;

	if (!om->placed)
		return 0;
	r = outfile_remove(om->path, om->dev, om->ino);
	if (r < 0) {
		snprintf(err, err_size, "cannot remove %s: %s", om->path, strerror(-r));
		return r;
	}
	om->placed = false;
	return 0;
}
