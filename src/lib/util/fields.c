/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fields.c - the field cursor shared by the pure procfs parsers (contracts in fields.h). */
#include <errno.h>
#include <string.h>

#include "fields.h"

void cur_skip_blanks(struct cur *c)
{
	while (c->p < c->end && cur_is_blank(*c->p))
		c->p++;
}

bool cur_rest_blank(const struct cur *c)
{
	for (const char *q = c->p; q < c->end; q++)
		if (!cur_is_blank(*q) && *q != '\n')
			return false;
	return true;
}

bool cur_skip_to_end(struct cur *c)
{
	while (c->p < c->end && (cur_is_blank(*c->p) || *c->p == '\n'))
		c->p++;
	return c->p == c->end;
}

bool cur_next_line(struct cur *buf, struct cur *line)
{
	const char *eol;

	if (buf->p >= buf->end)
		return false;
	eol = memchr(buf->p, '\n', (size_t)(buf->end - buf->p));
	line->p = buf->p;
	line->end = eol ? eol : buf->end;
	buf->p = eol ? eol + 1 : buf->end;
	return true;
}

int cur_u64(struct cur *c, uint64_t *ret)
{
	const char *start;
	uint64_t v = 0;

	cur_skip_blanks(c);
	if (c->p == c->end || *c->p == '\n')
		return -ENODATA;
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		c->p++;
	}
	if (c->p == start)
		return -EINVAL;
	if (c->p < c->end && !cur_is_blank(*c->p) && *c->p != '\n')
		return -EINVAL;
	*ret = v;
	return 0;
}

int cur_u32(struct cur *c, uint32_t *ret)
{
	uint64_t v;
	int r = cur_u64(c, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

bool cur_take_word(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	if (c->p + n < c->end && !cur_is_blank(c->p[n]))
		return false;
	c->p += n;
	return true;
}
