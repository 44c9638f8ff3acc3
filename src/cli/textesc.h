/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * textesc.h - names as a terminal may show them. A process names itself
 * with any bytes but NUL (prctl PR_SET_NAME, /proc/self/comm), a cgroup
 * directory is named by whoever made it, and a recording is a file anyone
 * may have written: printed raw, an "ESC ] 0 ; ... BEL" in such a name
 * retitles the user's terminal, other sequences move its cursor or rewrite
 * what it shows. So every text joulestat prints a name into goes through
 * here: control characters (C0, DEL and C1, U+0080 to U+009F) and bytes
 * that are not UTF-8 are shown in `cat -v` notation, as the interactive
 * screen (ncurses) shows C0 and DEL - ESC as ^[, BEL as ^G, DEL as ^?,
 * U+009B as M-^[, a stray byte 0xff as M-^?, 0xe9 as M-i - and every
 * other character passes through unchanged. Pure: no I/O but the FILE.
 */
#ifndef JOULESTAT_TEXTESC_H
#define JOULESTAT_TEXTESC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Room for any escaped string of n bytes: four per byte ("M-^?"), and the NUL. */
#define TEXTESC_SIZE(n) ((n) * 4 + 1)

/*
 * s escaped into buf (size > 0 bytes, NUL-terminated; cut short before an
 * escape or character that would not fit). NULL s gives "". Returns buf.
 */
const char *text_esc(const char *s, char *buf, size_t size);

/* s escaped, written to f (NULL writes nothing). */
void text_esc_write(FILE *f, const char *s);

/* printf to f, the result escaped (at most 4 KiB of it): for messages that quote names. */
void text_esc_vprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
