/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * tui.h - the screen of `joulestat top`: one snapshot laid out as header
 * lines (domains, host ledger, coverage, sources, policy) and a table of
 * rows of the chosen grouping, sorted as asked. The same layout is printed
 * as plain text (--batch, or when standard output is not a terminal) and
 * drawn with ncurses.
 */
#ifndef JOULESTAT_TUI_H
#define JOULESTAT_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "joulestat.h"

enum tui_sort {
	TUI_SORT_POWER = 0,	/* energy in the last interval */
	TUI_SORT_ENERGY,	/* energy since the group was first seen */
	TUI_SORT_CPU,
	TUI_SORT_KEY,		/* PID, or the name for named groupings */
	TUI_SORT_COUNT,
};

/* "power", "energy", "cpu", "key"; NULL otherwise. */
const char *tui_sort_name(enum tui_sort s);
int tui_sort_from_name(const char *name, enum tui_sort *ret);

/* What the screen shows, besides the snapshot itself. */
struct tui_view {
	struct joulestat *js;			/* for the sources in use */
	const struct joulestat_snapshot *snap;	/* NULL before the first interval */
	enum joulestat_group group;
	enum tui_sort sort;
	const char *status;			/* a transient message, or NULL */
	const char *carbon;			/* the emissions line, or NULL */
};

/* Called with each line of a layout; `attr` says how ncurses should show it. */
enum tui_attr {
	TUI_PLAIN = 0,
	TUI_TITLE,	/* first line */
	TUI_WARN,	/* estimated / warming up / coverage problems */
	TUI_COLUMNS,	/* the table's column names */
};

typedef void (*tui_line_fn)(const char *line, enum tui_attr attr, void *userdata);

/*
 * Lay out the view in `width` columns: header lines, the column names, then
 * at most `max_rows` rows (SIZE_MAX: all). Lines are never wider than width.
 * Returns the number of rows the grouping has, or -errno (-ENOMEM).
 */
int tui_layout(const struct tui_view *v, int width, size_t max_rows, tui_line_fn fn,
	       void *userdata);

/* Print the layout as text to `f`, all rows, `width` columns, then a blank line. */
int tui_print(FILE *f, const struct tui_view *v, int width);

/* ---- ncurses ---- */

/* Set the terminal up for drawing (cbreak, no echo, keypad, no cursor). Returns 0 or -ENOTTY. */
int tui_start(void);

/* Draw the view on the whole screen, with the key help on the last line. */
void tui_draw(const struct tui_view *v);

/* Restore the terminal. Safe to call when tui_start() was not. */
void tui_stop(void);

#endif
