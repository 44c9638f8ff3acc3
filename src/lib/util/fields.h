/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fields.h - the field cursor shared by the pure procfs parsers
 * (procfs_parse.c, res_parse.c): blanks, lines and unsigned decimal fields
 * over a buffer that need not be NUL-terminated.
 *
 * Blanks are ' ', '\t' and '\r' (so CRLF files read like LF ones); a field
 * ends at a blank, a '\n' or the end of the buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

struct cur {
	const char *p;
	const char *end;
};

static inline bool cur_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Move past blanks (not newlines). */
void cur_skip_blanks(struct cur *c);

/* True when only blanks and newlines remain; the cursor does not move. */
bool cur_rest_blank(const struct cur *c);

/* Move past blanks and newlines; true when that reached the end. */
bool cur_skip_to_end(struct cur *c);

/* The next line of *buf into *line (without its '\n'); false at the end of *buf. */
bool cur_next_line(struct cur *buf, struct cur *line);

/*
 * One unsigned decimal field after optional blanks, ending at a blank, a
 * newline or the end. -ENODATA when no field is left on the line, -EINVAL
 * when it is not a number, -ERANGE when it overflows. *ret only on success.
 */
int cur_u64(struct cur *c, uint64_t *ret);

/* As cur_u64, -ERANGE above UINT32_MAX. */
int cur_u32(struct cur *c, uint32_t *ret);

/* For a required field: "no field" (-ENODATA) is a malformed line (-EINVAL). */
static inline int cur_need(int r)
{
	return r == -ENODATA ? -EINVAL : r;
}

/* Does the cursor start with word `w` followed by a blank or the end? Moves past it. */
bool cur_take_word(struct cur *c, const char *w);
