/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * tui.h - the screen of `joulestat top`: one snapshot laid out as header
 * lines (a bar of the host power, the host ledger, domains, coverage,
 * sources, policy, filters) and one of three tables - the rows of the chosen
 * grouping, the process tree, or the processes per CPU - filtered, sorted
 * and scrolled as asked. The same layout is printed as plain text (--batch,
 * or when standard output is not a terminal) and drawn with ncurses.
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

enum tui_mode {
	TUI_MODE_TABLE = 0,	/* the rows of the grouping */
	TUI_MODE_TREE,		/* processes under their parents, with their subtree's power */
	TUI_MODE_PERCPU,	/* processes as rows, each CPU's time and power as columns */
};

/* Frames of host power the header's bar keeps, for its peak. */
#define TUI_HISTORY 120
#define TUI_FILTER_MAX 64

/* What the screen shows, besides the snapshot itself. */
struct tui_view {
	struct joulestat *js;			/* for the sources in use */
	const struct joulestat_snapshot *snap;	/* NULL before the first interval */
	enum joulestat_group group;
	enum tui_sort sort;
	const char *status;			/* a transient message, or NULL */
	enum tui_mode mode;
	bool help;				/* the help screen instead of the table */
	/* Filters, "" / 0 for none: command (or name) contains, user (name or uid), PID. */
	char filter[TUI_FILTER_MAX];
	char user[TUI_FILTER_MAX];
	int pid;
	size_t scroll;				/* first row shown; clamped by tui_layout() */
	unsigned cpu_first;			/* per-CPU view: first CPU shown; clamped */
	/* The tree view reads parents that did not run from here (NULL: /proc). */
	const char *procfs_root;
	/* Host power of the last frames (NaN for a gap), oldest first; tui_note() adds. */
	double history_w[TUI_HISTORY];
	size_t nhistory;
	/* A prompt being typed, shown on the last line ("filter by command: busy"). */
	const char *prompt;
	const char *input;
	/* Written by tui_layout(), for the keys: rows after filtering, rows that fit, CPUs. */
	size_t rows;
	size_t page;
	unsigned ncpus;
	unsigned cpu_cols;			/* CPU columns that fit */
	const char *carbon;			/* the emissions line, or NULL */
};

/* Remember the snapshot's host power for the header's bar (its peak). */
void tui_note(struct tui_view *v);

/* How a line, or a part of it, is shown. */
enum tui_attr {
	TUI_PLAIN = 0,
	TUI_TITLE,	/* first line */
	TUI_WARN,	/* estimated / warming up / coverage problems */
	TUI_COLUMNS,	/* the table's column names */
	TUI_SORTED,	/* the column the table is sorted by */
	TUI_EST,	/* an estimated value */
	TUI_BAR_TASKS,	/* the power bar's parts: tasks, idle, unattributed */
	TUI_BAR_IDLE,
	TUI_BAR_UNATTR,
	TUI_GAP,	/* a refused reading */
	TUI_MORE,	/* "N more" */
	TUI_TOTAL,	/* the per-CPU view's totals */
	TUI_DIM,	/* tree branches, a parent that did not run */
	TUI_ATTR_COUNT,
};

/* A part of a line shown differently: bytes [start, start + len). */
struct tui_span {
	unsigned start;
	unsigned len;
	enum tui_attr attr;
};

typedef void (*tui_line_fn)(const char *line, enum tui_attr attr, const struct tui_span *spans,
			    size_t nspans, void *userdata);

/*
 * Lay out the view in `width` columns and at most `height` lines (0: as
 * many as it takes, every row): header lines, the column names, the rows
 * from v->scroll on, a "N more" line when some do not fit. Lines are never
 * wider than width. Clamps v->scroll and v->cpu_first and writes v->rows,
 * v->page, v->ncpus and v->cpu_cols. Returns the number of rows, or -errno
 * (-ENOMEM).
 */
int tui_layout(struct tui_view *v, int width, int height, tui_line_fn fn, void *userdata);

/* Print the layout as text to `f`, all rows, `width` columns, then a blank line. */
int tui_print(FILE *f, struct tui_view *v, int width);

/* The keys, one per line, for --help, the man page's test and the help screen. */
extern const char *const tui_keys_help[];

/* ---- ncurses ---- */

/*
 * Set the terminal up for drawing (cbreak, no echo, keypad, no cursor),
 * with colour when the terminal has it and `colour` allows it. Returns 0 or
 * -ENOTTY (the terminal cannot be used: TERM unknown, or no cursor
 * addressing).
 */
int tui_start(bool colour);

/* Draw the view on the whole screen, with the key help (or the prompt) on the last line. */
void tui_draw(struct tui_view *v);

/* Restore the terminal. Safe to call when tui_start() was not. */
void tui_stop(void);

#endif
