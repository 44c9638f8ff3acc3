/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* textesc.c - names as a terminal may show them (contracts in textesc.h). */
#include <stdbool.h>
#include <string.h>

#include "textesc.h"
#include "utf8.h"

/*
 * The next character of s: its length in *len, and whether it shows as is.
 * When not, out[0 .. *olen) is its escape.
 */
static bool next_char(const unsigned char *s, size_t *len, char out[5], size_t *olen)
{
	size_t n = utf8_len(s);
	unsigned c;

	*olen = 0;
	if (n > 2 || (n == 1 && s[0] >= 0x20 && s[0] != 0x7f) ||
	    (n == 2 && !(s[0] == 0xc2 && s[1] < 0xa0))) {
		*len = n;
		return true;
	}
	/* A C1 control (U+0080 .. U+009F) is its C0 with the meta bit: "M-" and a caret. */
	if (n == 2) {
		c = s[1] & 0x7f;
		*len = 2;
	} else {
		c = s[0];
		*len = 1;
	}
	if (c & 0x80) {
		out[(*olen)++] = 'M';
		out[(*olen)++] = '-';
		c &= 0x7f;
	} else if (n == 2) {
		out[(*olen)++] = 'M';
		out[(*olen)++] = '-';
	}
	if (c < 0x20 || c == 0x7f) {
		out[(*olen)++] = '^';
		out[(*olen)++] = (char)(c == 0x7f ? '?' : c + 0x40);
	} else {
		out[(*olen)++] = (char)c;
	}
	return false;
}

const char *text_esc(const char *s, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return buf;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
		char esc[5];
		size_t len, olen;
		bool plain = next_char(p, &len, esc, &olen);
		size_t need = plain ? len : olen;

		if (used + need >= size)
			break;
		memcpy(buf + used, plain ? (const char *)p : esc, need);
		used += need;
		p += len;
	}
	buf[used] = '\0';
	return buf;
}

void text_esc_write(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		char esc[5];
		size_t len, olen;

		if (next_char(p, &len, esc, &olen))
			fwrite(p, 1, len, f);
		else
			fwrite(esc, 1, olen, f);
		p += len;
	}
}

void text_esc_vprintf(FILE *f, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	text_esc_write(f, buf);
}
