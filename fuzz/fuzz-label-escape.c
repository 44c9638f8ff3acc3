/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-label-escape.c - any bytes as a label value (a comm or a cgroup path
 * can hold anything) must come out as a value both exposition parsers
 * accept: valid UTF-8, no raw newline, every quote and backslash escaped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the output independently of expo.c's own UTF-8 code. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct expo_buf b = { 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (expo_escape_label_value(&b, s) == 0 && b.len) {
		const unsigned char *o = (const unsigned char *)b.data;

		for (size_t i = 0; i < b.len;) {
			size_t l = utf8_len(o + i, b.len - i);

			if (l == 0 || o[i] == '\n' || o[i] == '"')
				abort();
			if (o[i] == '\\') {
				if (i + 1 >= b.len || (o[i + 1] != '\\' && o[i + 1] != '"' && o[i + 1] != 'n'))
					abort();
				l = 2;
			}
			i += l;
		}
	}
	expo_buf_free(&b);
	free(s);
	return 0;
}
