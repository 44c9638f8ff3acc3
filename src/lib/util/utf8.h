/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * utf8.h - where a string of bytes is UTF-8. A command, thread or cgroup
 * name is whatever bytes its owner set (prctl PR_SET_NAME, mkdir), so every
 * writer of text that must be UTF-8 (JSON, XML, a terminal) asks here.
 * Pure: no I/O.
 */
#ifndef JOULESTAT_UTF8_H
#define JOULESTAT_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s (1 for ASCII, NUL included), or 0
 * when s does not start one: overlong forms, surrogates and code points above
 * U+10FFFF are invalid. Reads no further than the first byte that fails.
 */
size_t utf8_len(const unsigned char *s);

#endif
