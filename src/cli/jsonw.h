/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * jsonw.h - a streaming JSON writer: correct escaping, commas and nesting,
 * NaN/Inf written as null. Used by probe --json and the record format.
 */
#ifndef JOULESTAT_JSONW_H
#define JOULESTAT_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
	FILE *f;
	bool pretty;
	int depth;
	bool need_comma[JSONW_MAX_DEPTH];
	bool after_key;
};

void jsonw_init(struct jsonw *w, FILE *f, bool pretty);
void jsonw_begin_object(struct jsonw *w);
void jsonw_end_object(struct jsonw *w);
void jsonw_begin_array(struct jsonw *w);
void jsonw_end_array(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/*
 * Write a JSON string literal (quotes included) for s, in valid UTF-8:
 * control bytes escaped, each byte that is not UTF-8 written as U+FFFD.
 */
void jsonw_escape(FILE *f, const char *s);

#endif
