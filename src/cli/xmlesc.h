/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* xmlesc.h - text escaped for HTML/SVG/XML output (the report and profile pages). */
#pragma once

#include <stddef.h>
#include <stdio.h>

/*
 * Length of the valid UTF-8 sequence at s (1 for ASCII, NUL included), or 0
 * when s does not start one: overlong forms, surrogates and code points above
 * U+10FFFF are invalid. Reads no further than the first byte that fails.
 */
size_t utf8_len(const unsigned char *s);

/*
 * Writes s as XML text: < > & " escaped, and bytes that are not UTF-8 (a
 * command or thread name is whatever bytes the program set) or are control
 * characters, which XML 1.0 cannot hold even escaped, shown as '?'. A NULL
 * s writes nothing.
 */
void xml_text(FILE *f, const char *s);
