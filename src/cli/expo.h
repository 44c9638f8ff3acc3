/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * expo.h - the metric exposition writer: Prometheus text format 0.0.4 and
 * OpenMetrics 1.0, from one description of each family.
 *
 * The two formats cannot share one text (a strict OpenMetrics parser rejects
 * a 0.0.4 `# TYPE x_total counter`, and promtool cannot lint an OpenMetrics
 * counter family), so the writer is told which one to produce:
 *
 *   0.0.4:        # HELP x_joules_total ...   # TYPE x_joules_total counter
 *                 x_joules_total{...} 1.5
 *   OpenMetrics:  # HELP x_joules ...   # TYPE x_joules counter   # UNIT x_joules joules
 *                 x_joules_total{...} 1.5   ...   # EOF
 *
 * Pure: it only appends to a memory buffer. Errors are sticky (the first one
 * is kept and reported by expo_finish()), so callers write a whole page
 * without checking every call.
 */
#ifndef JOULESTAT_EXPO_H
#define JOULESTAT_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum expo_format {
	EXPO_TEXT = 0,		/* Prometheus text format 0.0.4 */
	EXPO_OPENMETRICS = 1,	/* OpenMetrics 1.0.0 */
};

/* The Content-Type header value of a format. Static storage. */
const char *expo_content_type(enum expo_format fmt);

enum expo_type {
	EXPO_COUNTER = 0,
	EXPO_GAUGE = 1,
};

struct expo_family {
	/*
	 * The family name, without `_total` for counters. When unit is set
	 * the name must end with "_<unit>" (OpenMetrics requires it).
	 */
	const char *name;
	enum expo_type type;
	const char *unit;	/* base unit ("joules", "watts", "seconds", "ratio"...) or NULL */
	const char *help;	/* one line; escaped on output */
};

struct expo_label {
	const char *name;	/* a valid label name; not checked at run time beyond its syntax */
	const char *value;	/* any bytes: escaped, and invalid UTF-8 replaced by U+FFFD */
};

/* A growable text buffer. Zero-initialise; free data with free(). */
struct expo_buf {
	char *data;		/* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
};

struct expo {
	struct expo_buf *out;
	enum expo_format fmt;
	const struct expo_family *fam;	/* the family being written */
	int error;			/* first error, sticky: -ENOMEM, -EINVAL */
};

/* Start writing a page in `fmt`, appending to `out`. */
void expo_init(struct expo *e, struct expo_buf *out, enum expo_format fmt);

/*
 * Begin a family: its HELP, TYPE (and UNIT in OpenMetrics) lines. The family
 * must stay valid until the next expo_family() or expo_finish(). A name that
 * is not a valid metric name, a counter name ending in _total, or a unit that
 * is not the name's suffix sets -EINVAL.
 */
void expo_family(struct expo *e, const struct expo_family *f);

/*
 * One sample of the current family. The value is the exact decimal
 * value / 10^decimals (decimals ≤ 9): 1500000 µJ with decimals 6 is "1.5"
 * joules, with no floating-point rounding, so counters keep every µJ.
 */
void expo_sample_fixed(struct expo *e, const struct expo_label *labels, size_t nlabels,
		       uint64_t value, unsigned decimals);

/* One sample with a floating-point value (gauges). NaN and ±Inf are written as such. */
void expo_sample_double(struct expo *e, const struct expo_label *labels, size_t nlabels,
			double value);

/*
 * End the page (OpenMetrics: "# EOF"). Returns 0, or the first error met
 * while writing (-ENOMEM, -EINVAL); the buffer then holds a partial page.
 */
int expo_finish(struct expo *e);

/*
 * Append `s` as an escaped label value (without the quotes) to `out`:
 * backslash, double quote and newline escaped, every byte sequence that is
 * not valid UTF-8 replaced by U+FFFD (Prometheus rejects a page with an
 * invalid UTF-8 label value). Returns 0 or -ENOMEM.
 */
int expo_escape_label_value(struct expo_buf *out, const char *s);

/* Append bytes to a buffer, keeping it NUL-terminated. Returns 0 or -ENOMEM. */
int expo_buf_append(struct expo_buf *b, const char *s, size_t len);

/* Free the buffer's memory and zero it. */
void expo_buf_free(struct expo_buf *b);

#endif
