/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* tui.c - the layout of `joulestat top`, printed as text or drawn with ncurses (tui.h). */
#include <curses.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "textesc.h"
#include "cli.h"
#include "tui.h"
#include "util.h"
#include "views.h"

static const char *const sort_names[] = { "power", "energy", "cpu", "key" };

const char *tui_sort_name(enum tui_sort s)
{
	return (unsigned)s < TUI_SORT_COUNT ? sort_names[s] : NULL;
}

int tui_sort_from_name(const char *name, enum tui_sort *ret)
{
	for (unsigned i = 0; i < TUI_SORT_COUNT; i++)
		if (name && strcmp(name, sort_names[i]) == 0) {
			*ret = (enum tui_sort)i;
			return 0;
		}
	return -EINVAL;
}

/* The name that identifies a row of a named grouping. */
static const char *row_name(const struct joulestat_row *r)
{
	/* A daemon's policy summed another user's processes (or every other user's). */
	if (r->aggregated)
		return r->uid == JOULESTAT_UID_OTHERS ? "(other users)" : "(the user's processes)";
	switch (r->group) {
	case JOULESTAT_GROUP_CGROUP:
		return r->cgroup[0] ? r->cgroup : "(unknown)";
	case JOULESTAT_GROUP_UNIT:
		return r->unit[0] ? r->unit : "(no unit)";
	case JOULESTAT_GROUP_CONTAINER:
		return r->container[0] ? r->container : "(no container)";
	case JOULESTAT_GROUP_VM:
		return r->vm[0] ? r->vm : "(no VM)";
	case JOULESTAT_GROUP_USER:
		return r->user;
	default:
		return r->comm;
	}
}

static enum tui_sort cmp_sort;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* descending */
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct joulestat_row *a = pa, *b = pb;
	int c = 0;

	switch (cmp_sort) {
	case TUI_SORT_POWER:
		c = cmp_u64(a->energy_uj, b->energy_uj);
		break;
	case TUI_SORT_ENERGY:
		c = cmp_u64(a->cumulative_uj, b->cumulative_uj);
		break;
	case TUI_SORT_CPU:
		c = cmp_u64(a->cpu_ns, b->cpu_ns);
		break;
	default:
		break;
	}
	if (c)
		return c;
	/* key order: PIDs ascending, names alphabetically; stable across refreshes */
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if ((c = strcmp(row_name(a), row_name(b))) != 0)
		return c;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

/* Append to a line, never beyond `width` columns. */
struct line {
	char buf[1024];
	size_t len;
	size_t width;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	size_t room = MIN(l->width, sizeof(l->buf) - 1);
	va_list ap;
	int n;

	if (l->len >= room)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room - l->len + 1, fmt, ap);
	va_end(ap);
	if (n > 0 && l->len + (size_t)n > room) {
		/* Cut between characters: a line is valid UTF-8 when its parts are. */
		size_t lead = room;
		unsigned char c;

		while (lead > l->len && (l->buf[lead - 1] & 0xc0) == 0x80)
			lead--;
		c = lead > l->len ? (unsigned char)l->buf[lead - 1] : 0;
		l->len = room;
		if (c >= 0xc0 && room - (lead - 1) < (c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u))
			l->len = lead - 1;
	} else if (n > 0) {
		l->len += (size_t)n;
	}
	l->buf[l->len] = '\0';
}

static void emit(struct line *l, enum tui_attr attr, tui_line_fn fn, void *ud)
{
	fn(l->buf, attr, ud);
	l->len = 0;
	l->buf[0] = '\0';
}

/* The sources in use, "model" or "powercap+battery". */
static void sources_in_use(struct joulestat *js, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; js && i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) < 0 || si.state != JOULESTAT_SOURCE_ACTIVE)
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? "+" : "", si.name);
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* Whether the snapshot has a GPU domain: then the view has a GPU W column. */
static bool has_gpu(const struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };

	if (!snap || joulestat_snapshot_get(snap, &si) < 0)
		return false;
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(snap, i, &sd) == 0 &&
		    sd.kind == JOULESTAT_DOMAIN_GPU)
			return true;
	}
	return false;
}

/* A row's GPU power: Σ of its energy in the GPU domains over the interval. */
static double row_gpu_w(const struct joulestat_snapshot *snap, const struct joulestat_row *r)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	uint64_t uj = 0;

	if (joulestat_snapshot_get(snap, &si) < 0 || si.end_ns <= si.start_ns)
		return NAN;
	for (size_t i = 0; i < r->ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(snap, i, &sd) == 0 &&
		    sd.kind == JOULESTAT_DOMAIN_GPU)
			uj += r->domain_energy_uj[i];
	}
	return (double)uj * 1e3 / (double)(si.end_ns - si.start_ns);
}

/* The GPU domains, their power and how they were split ("~": sampled utilisation). */
static void gpu_header(const struct tui_view *v, int width, struct line *l, tui_line_fn fn,
		       void *ud)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	char a[32], ename[TEXTESC_SIZE(64)];

	if (joulestat_snapshot_get(v->snap, &si) < 0)
		return;
	line_add(l, "GPUs (split by GPU activity, ~ sampled):");
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
		const char *st;

		if (joulestat_snapshot_domain_get(v->snap, i, &sd) < 0 ||
		    sd.kind != JOULESTAT_DOMAIN_GPU)
			continue;
		st = strncmp(sd.status, "gpu-", 4) == 0 ? sd.status + 4 : sd.status;
		if (l->len + strlen(sd.name) + strlen(st) + 16 > (size_t)width && l->len > 10) {
			emit(l, TUI_PLAIN, fn, ud);
			line_add(l, "        ");
		}
		line_add(l, " %s %s %s%s", text_esc(sd.name, ename, sizeof(ename)),
			 views_watts(sd.power_w, a, sizeof(a)), st, sd.sampled ? "~" : "");
	}
	emit(l, TUI_PLAIN, fn, ud);
}

/*
 * Domains whose reading was refused in the interval: a gap, not zero. One
 * line names them and how many readings each has had refused so far.
 */
static void refused_lines(const struct tui_view *v, const struct joulestat_snapshot_info *si,
			  struct line *l, tui_line_fn fn, void *ud)
{
	bool any = false;

	for (size_t i = 0; i < si->ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(v->snap, i, &sd) < 0 || !sd.refused)
			continue;
		if (!any)
			line_add(l, "gap: reading refused:");
		line_add(l, " %s (%llu so far)", sd.name, (unsigned long long)sd.readings_refused);
		any = true;
	}
	if (!any)
		return;
	/* Refused: the counter could have wrapped more than once since the reading before. */
	line_add(l, " - energy unknown, not 0; read more often");
	emit(l, TUI_WARN, fn, ud);
}

static void header(const struct tui_view *v, int width, tui_line_fn fn, void *ud)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct line l = { .width = (size_t)width };
	double secs;
	char a[32], b[32], c[32], d[32], src[128], clock[16], ename[TEXTESC_SIZE(64)];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (!v->snap || joulestat_snapshot_get(v->snap, &si) < 0) {
		line_add(&l, "joulestat top - %s - waiting for the first interval", clock);
		emit(&l, TUI_TITLE, fn, ud);
		if (v->status) {
			line_add(&l, "%s", v->status);
			emit(&l, TUI_WARN, fn, ud);
		}
		return;
	}
	secs = (double)(si.end_ns - si.start_ns) / 1e9;
	line_add(&l, "joulestat top - %s - interval %.2f s - by %s - sort %s - idle policy %s%s%s",
		 clock, secs, joulestat_group_name(v->group), tui_sort_name(v->sort), si.idle_policy,
		 cli_via_daemon(v->js)[0] ? " - " : "", cli_via_daemon(v->js));
	emit(&l, TUI_TITLE, fn, ud);
	line_add(&l, "host %s = tasks %s + idle %s + unattributed %s%s",
		 views_watts(si.power_w, a, sizeof(a)),
		 views_watts(secs > 0 ? (double)si.tasks_uj / 1e6 / secs : NAN, b, sizeof(b)),
		 views_watts(secs > 0 ? (double)si.idle_uj / 1e6 / secs : NAN, c, sizeof(c)),
		 views_watts(secs > 0 ? (double)si.unattributed_uj / 1e6 / secs : NAN, d, sizeof(d)),
		 si.estimated ? "  [estimated]" : "");
	emit(&l, TUI_PLAIN, fn, ud);
	line_add(&l, "domains (+ in host total):");
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(v->snap, i, &sd) < 0)
			continue;
		if (l.len + strlen(sd.name) + 14 > (size_t)width && l.len > 10) {
			emit(&l, TUI_PLAIN, fn, ud);
			line_add(&l, "        ");
		}
		line_add(&l, " %s%s %s%s", sd.in_host_total ? "+" : "",
			 text_esc(sd.name, ename, sizeof(ename)),
			 sd.refused ? "gap" : views_watts(sd.power_w, a, sizeof(a)),
			 sd.estimated ? "*" : "");
	}
	emit(&l, TUI_PLAIN, fn, ud);
	refused_lines(v, &si, &l, fn, ud);
	/* The baseline policy's idle row: which static power, and where it comes from. */
	if (strcmp(si.idle_policy, "baseline") == 0) {
		line_add(&l, "static power %s from %s (the idle row; the rest is split by CPU time)",
			 views_watts((double)si.static_mw / 1e3, a, sizeof(a)),
			 si.static_from && si.static_from[0] ? si.static_from : "none");
		emit(&l, TUI_PLAIN, fn, ud);
	}
	if (has_gpu(v->snap))
		gpu_header(v, width, &l, fn, ud);
	sources_in_use(v->js, src, sizeof(src));
	line_add(&l, "coverage %.1f %%  captured %.1f %%  dropped %llu  collector %s  sources %s",
		 si.coverage * 100, si.captured * 100, (unsigned long long)si.dropped, si.collector,
		 src);
	emit(&l, si.coverage < 0.995 || si.dropped ? TUI_WARN : TUI_PLAIN, fn, ud);
	if (si.estimated) {
		line_add(&l, "* estimated: no energy sensor measures this; a model of power "
			     "against CPU use does");
		emit(&l, TUI_WARN, fn, ud);
	}
	if (si.warming_up) {
		line_add(&l, "warming up: the first reading of a counter gives no power yet");
		emit(&l, TUI_WARN, fn, ud);
	}
	if (v->status) {
		line_add(&l, "%s", v->status);
		emit(&l, TUI_WARN, fn, ud);
	}
}

/* Whether the snapshot counts syscalls (--syscalls, eBPF): then the view has a SYSC/s column. */
static bool has_syscalls(const struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };

	return snap && joulestat_snapshot_get(snap, &si) == 0 && si.syscalls_counted;
}

/* "950", "12345", "2301k", "450M": a rate in a few characters. */
static const char *rate_text(double per_s, char *buf, size_t size)
{
	if (!(per_s >= 0))
		snprintf(buf, size, "-");
	else if (per_s < 99999.5)
		snprintf(buf, size, "%.0f", per_s);
	else if (per_s < 99999.5e3)
		snprintf(buf, size, "%.0fk", per_s / 1e3);
	else
		snprintf(buf, size, "%.0fM", per_s / 1e6);
	return buf;
}

/* Width of the flexible name column, given the fixed ones. */
static int name_width(enum joulestat_group g, int width, bool gpu, bool sys)
{
	/* W, J, CPU%, SHARE, GPU W, SYSC/s */
	int fixed = 9 + 10 + 7 + 7 + (gpu ? 9 : 0) + (sys ? 8 : 0);

	if (g == JOULESTAT_GROUP_PROCESS)
		fixed += 8 + 10;
	else if (g == JOULESTAT_GROUP_THREAD)
		fixed += 8 + 8 + 10;
	/* Names of commands and users are short: the numbers stay near them. */
	if (g != JOULESTAT_GROUP_CGROUP && g != JOULESTAT_GROUP_UNIT &&
	    g != JOULESTAT_GROUP_CONTAINER && width - fixed > 24)
		return 24;
	return width - fixed > 8 ? width - fixed : 8;
}

static void columns(const struct tui_view *v, int width, bool gpu, bool sys, struct line *l)
{
	int nw = name_width(v->group, width, gpu, sys);
	const char *name = "COMMAND";

	switch (v->group) {
	case JOULESTAT_GROUP_PROCESS:
		line_add(l, "%7s %-9s ", "PID", "USER");
		break;
	case JOULESTAT_GROUP_THREAD:
		line_add(l, "%7s %7s %-9s ", "PID", "TID", "USER");
		break;
	case JOULESTAT_GROUP_CGROUP:
		name = "CGROUP";
		break;
	case JOULESTAT_GROUP_UNIT:
		name = "UNIT";
		break;
	case JOULESTAT_GROUP_CONTAINER:
		name = "CONTAINER";
		break;
	case JOULESTAT_GROUP_VM:
		name = "VM";
		break;
	case JOULESTAT_GROUP_USER:
		name = "USER";
		break;
	default:
		break;
	}
	line_add(l, "%-*s%9s", nw, name, "W");
	if (gpu)
		line_add(l, "%9s", "GPU W");
	line_add(l, "%10s%7s%7s", "J", "CPU%", "SHARE");
	if (sys)
		line_add(l, "%8s", "SYSC/s");
}

static void row_line(const struct tui_view *v, const struct joulestat_row *r, int width,
		     bool gpu, bool sys, struct line *l)
{
	int nw = name_width(v->group, width, gpu, sys);
	/* Names are whatever bytes their owners chose: escaped, never sent raw to a terminal. */
	char ename[TEXTESC_SIZE(4096)], euser[TEXTESC_SIZE(32)];
	const char *name = text_esc(row_name(r), ename, sizeof(ename));
	size_t len = strlen(name);
	char w[16], user[10];

	snprintf(user, sizeof(user), "%s", r->user[0] ? text_esc(r->user, euser, sizeof(euser)) : "-");
	switch (v->group) {
	case JOULESTAT_GROUP_PROCESS:
		if (r->aggregated)
			line_add(l, "%7s %-9s ", "-", user);
		else
			line_add(l, "%7d %-9s ", r->pid, user);
		break;
	case JOULESTAT_GROUP_THREAD:
		if (r->aggregated)
			line_add(l, "%7s %7s %-9s ", "-", "-", user);
		else
			line_add(l, "%7d %7d %-9s ", r->pid, r->tid, user);
		break;
	default:
		break;
	}
	/* Long paths keep their end, which names the unit or container. */
	if ((int)len > nw - 1 && (v->group == JOULESTAT_GROUP_CGROUP ||
				  v->group == JOULESTAT_GROUP_CONTAINER)) {
		name += len - (size_t)(nw - 1);
		while ((*name & 0xc0) == 0x80) /* not in the middle of a character */
			name++;
		len = strlen(name);
	}
	if ((int)len > nw - 1) {
		len = (size_t)(nw - 1);
		while (len && (name[len] & 0xc0) == 0x80)
			len--;
	}
	snprintf(w, sizeof(w), "%.3f%s", r->power_w, r->estimated ? "*" : " ");
	line_add(l, "%-*.*s%9s", nw, (int)len, name, w);
	if (gpu)
		line_add(l, "%8.3f ", row_gpu_w(v->snap, r));
	line_add(l, "%10.3f%7.1f%6.1f%%", (double)r->cumulative_uj / 1e6, r->cpu_pct,
		 r->share * 100);
	if (sys) {
		struct joulestat_snapshot_info si = { .sz = sizeof(si) };
		double secs = joulestat_snapshot_get(v->snap, &si) == 0
				      ? (double)(si.end_ns - si.start_ns) / 1e9
				      : 0;

		line_add(l, "%8s", rate_text(secs > 0 ? (double)r->syscalls / secs : NAN, w,
					     sizeof(w)));
	}
}

int tui_layout(const struct tui_view *v, int width, size_t max_rows, tui_line_fn fn, void *ud)
{
	struct line l = { .width = (size_t)(width > 20 ? width : 20) };
	struct joulestat_row *rows = NULL;
	int n = 0;
	bool gpu = has_gpu(v->snap), sys = has_syscalls(v->snap);

	header(v, (int)l.width, fn, ud);
	if (!v->snap)
		return 0;
	n = joulestat_snapshot_row_count(v->snap, v->group);
	if (n < 0)
		return n;
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		rows[i].sz = sizeof(rows[i]);
		if (joulestat_snapshot_row_get(v->snap, v->group, (size_t)i, &rows[i]) < 0) {
			free(rows);
			return -EIO;
		}
	}
	cmp_sort = v->sort;
	qsort(rows, (size_t)n, sizeof(*rows), cmp_rows);
	columns(v, (int)l.width, gpu, sys, &l);
	emit(&l, TUI_COLUMNS, fn, ud);
	for (size_t i = 0; i < (size_t)n && i < max_rows; i++) {
		row_line(v, &rows[i], (int)l.width, gpu, sys, &l);
		emit(&l, TUI_PLAIN, fn, ud);
	}
	free(rows);
	return n;
}

static void print_line(const char *line, enum tui_attr attr, void *ud)
{
	size_t len = strlen(line);

	/* Batch output has no trailing blanks, so it diffs and greps cleanly. */
	while (len && line[len - 1] == ' ')
		len--;
	fprintf(ud, "%.*s\n", (int)len, line);
}

int tui_print(FILE *f, const struct tui_view *v, int width)
{
	int r = tui_layout(v, width, SIZE_MAX, print_line, f);

	fputc('\n', f);
	return r;
}

/* ---- ncurses ---- */

static bool started;

int tui_start(void)
{
	if (!initscr())
		return -ENOTTY;
	started = true;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_YELLOW, -1);
	}
	return 0;
}

struct draw {
	int y;
	int maxy;
};

static void draw_line(const char *line, enum tui_attr attr, void *ud)
{
	struct draw *d = ud;
	int a = attr == TUI_TITLE ? A_BOLD :
		attr == TUI_COLUMNS ? A_REVERSE :
		attr == TUI_WARN ? (has_colors() ? COLOR_PAIR(1) : A_BOLD) : A_NORMAL;

	if (d->y >= d->maxy)
		return;
	attron(a);
	mvaddnstr(d->y, 0, line, COLS);
	if (attr == TUI_COLUMNS) /* the bar spans the screen */
		for (int x = (int)strlen(line); x < COLS; x++)
			mvaddch(d->y, x, ' ');
	attroff(a);
	d->y++;
}

void tui_draw(const struct tui_view *v)
{
	struct draw d = { 0, LINES - 1 };

	erase();
	if (COLS < 40 || LINES < 6) {
		mvaddnstr(0, 0, "terminal too small for joulestat top", COLS);
	} else {
		/* rows past the screen are dropped by draw_line() */
		tui_layout(v, COLS, SIZE_MAX, draw_line, &d);
		attron(A_REVERSE);
		mvaddnstr(LINES - 1, 0,
			  " q quit  g grouping  s sort  i idle policy  (* estimated) ", COLS);
		attroff(A_REVERSE);
	}
	refresh();
}

void tui_stop(void)
{
	if (!started)
		return;
	endwin();
	started = false;
}
