/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * views.h - what the user's views share: top, record, replay and report.
 * Reading a recording file line by line with errors that name the file and
 * line; turning a snapshot into a recording's interval; the display names
 * and number formats every view uses.
 */
#ifndef JOULESTAT_VIEWS_H
#define JOULESTAT_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "joulestat.h"
#include "recfmt.h"

/* ---- reading a recording ---- */

struct recfile {
	const char *path;
	FILE *f;
	char *line;
	size_t cap;
	unsigned long lineno;		/* of the line last read */
	struct recfmt_header header;
	uint64_t last_seq;
	uint64_t last_end_ns;
	uint64_t nread;			/* intervals read since the header */
	bool torn_warned;		/* the cut-short last line was reported */
	bool is_file;			/* a regular file: dev and ino name it */
	dev_t dev;			/* what was opened, to keep outputs off it */
	ino_t ino;
};

/* recfile_open() flags. */
enum {
	/*
	 * The caller reads it twice (recfile_rewind()): standard input or a
	 * pipe is first copied to an unlinked temporary file.
	 */
	RECFILE_REREAD = 1u << 0,
};

/*
 * Open `path` ("-": standard input) and read its header line. A named pipe
 * is read without waiting for a writer (none: it reads as empty). Prints
 * "joulestat VERB: PATH:1: ..." and returns -errno on failure: -ENOENT,
 * -EACCES... (unreadable), -EISDIR, -EINVAL (not a recording, bad header,
 * empty), -EPROTONOSUPPORT (a newer format version).
 */
int recfile_open(const char *verb, const char *path, unsigned flags, struct recfile *rf);

/* Back to the first interval (opened with RECFILE_REREAD). 0 or -errno, printed. */
int recfile_rewind(const char *verb, struct recfile *rf);

/*
 * The next interval, checked against the header and the one before it
 * (seq increases, intervals do not overlap). Returns 1 and a new interval
 * in *ret, 0 at the end of the file, or -errno after printing the file, line
 * and problem. A last line without its newline that does not parse is a
 * recording cut short (a full disk, a crash): the end of the file, with a
 * warning that says how many complete intervals were read. Anywhere else
 * a bad line is an error: nothing is skipped silently.
 */
int recfile_next(const char *verb, struct recfile *rf, struct recfmt_interval **ret);

void recfile_close(struct recfile *rf);

/* ---- writing one ---- */

/*
 * Fill a recording header from the monitor and its first snapshot (the
 * domains as the snapshot lists them). Strings are copied; free with
 * recfmt_header_free().
 */
int views_header_from(struct joulestat *js, const struct joulestat_snapshot *snap,
		      const char *source, uint64_t interval_ns, uint64_t duration_ns, bool raw,
		      struct recfmt_header *ret);

/*
 * One interval from a snapshot, its process rows and (h->raw) the raw
 * inputs. -EINVAL when the snapshot does not match the header (other
 * domains, another CPU count).
 */
int views_interval_from(const struct recfmt_header *h, const struct joulestat_snapshot *snap,
			struct recfmt_interval **ret);

/*
 * Raw recordings: the GPU splits' inputs of the monitor's last reading
 * (the one `iv` was made from) into iv->gpus, for the GPU domains whose
 * ledger was split by GPU activity. -ENOMEM, or the library's -errno.
 */
int views_interval_gpu(struct joulestat *js, const struct recfmt_header *h,
		       struct recfmt_interval *iv);

/* ---- presentation ---- */

/* "12.3 W", "850 mW", "—" for NaN, into buf. */
const char *views_watts(double w, char *buf, size_t size);

/* "1.23 kJ", "45.6 J", "789 mJ", into buf. */
const char *views_joules(uint64_t uj, char *buf, size_t size);

/* The user name of `uid` (cached), else the uid in decimal. Static storage per call site. */
const char *views_user(uint32_t uid, char *buf, size_t size);

#endif
