/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* xmlesc.c - text escaped for HTML/SVG/XML output (contracts in xmlesc.h). */
#include "xmlesc.h"

void xml_text(FILE *f, const char *s)
{
	while (s && *s) {
		size_t n = utf8_len((const unsigned char *)s);

		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		if (n == 0) {
			fputc('?', f);
			s++;
			continue;
		}
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
		s++;
	}
}
