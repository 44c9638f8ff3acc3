/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* xmlesc.h - text escaped for HTML/SVG/XML output (the report and profile pages). */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "utf8.h"

/*
 * Writes s as XML text: < > & " escaped, and bytes that are not UTF-8 (a
 * command or thread name is whatever bytes the program set) or are control
 * characters, which XML 1.0 cannot hold even escaped, shown as '?'. A NULL
 * s writes nothing.
 */
void xml_text(FILE *f, const char *s);
