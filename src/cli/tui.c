/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* tui.c - the layout of `joulestat top`, printed as text or drawn with ncurses (tui.h). */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "percpu.h"
#include "procfs_parse.h"
#include "textesc.h"
#include "cli.h"
#include "tui.h"
#include "units.h"
#include "util.h"
#include "views.h"

static const char *const sort_names[] = { "power", "energy", "cpu", "key" };

const char *const tui_keys_help[] = {
	"q          quit",
	"? h        this help (any key returns)",
	"/          filter by command (or the grouping's name); empty clears",
	"u          filter by user (name or uid); empty clears",
	"p          filter by PID (tree view: its subtree); empty clears",
	"Up Down    scroll a row       PgUp PgDn  a page       Home End  first, last",
	"Left Right per-CPU view: the CPUs before, after",
	"< >        sort by the column before, after (s: the same as >)",
	"P E C N    sort by power, energy, CPU, PID (or name)",
	"t          tree view: processes under their parents, with subtree power",
	"c          per-CPU view: processes by CPU, each CPU's total and coverage",
	"g G        next, previous grouping (leaves the tree and per-CPU views)",
	"i          next idle policy (starts the monitor again)",
	NULL,
};

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

void tui_note(struct tui_view *v)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };

	if (!v->snap || joulestat_snapshot_get(v->snap, &si) < 0)
		return;
	if (v->nhistory == TUI_HISTORY) {
		memmove(v->history_w, v->history_w + 1, (TUI_HISTORY - 1) * sizeof(double));
		v->nhistory--;
	}
	v->history_w[v->nhistory++] = si.power_w;
}

/* A container or pod row's name: "name (id)", "namespace/pod", or the id alone. */
static const char *kube_name(const struct joulestat_row *r)
{
	static char buf[768];

	switch (r->group) {
	case JOULESTAT_GROUP_CONTAINER:
		if (!r->container[0])
			return "(no container)";
		if (!r->container_name[0] || !strcmp(r->container_name, r->container))
			return r->container;
		snprintf(buf, sizeof(buf), "%s (%.12s)", r->container_name, r->container);
		return buf;
	case JOULESTAT_GROUP_POD:
		if (!r->pod_uid[0])
			return "(no pod)";
		if (!r->pod[0])
			return r->pod_uid;
		snprintf(buf, sizeof(buf), "%s/%s", r->pod_namespace, r->pod);
		return buf;
	default:
		return !r->pod_namespace[0] ? (r->names_unresolved ? "(unresolved)" : "(no pod)")
					    : r->pod_namespace;
	}
}

/* The name that identifies a row of a named grouping. */
static const char *row_name(const struct joulestat_row *r)
{
	/* A daemon's policy summed another user's processes (or every other user's). */
	if (r->aggregated)
		return r->uid == JOULESTAT_UID_OTHERS ? "(other users)" : "(the user's processes)";
	switch (r->group) {
	case JOULESTAT_GROUP_CONTAINER:
	case JOULESTAT_GROUP_POD:
	case JOULESTAT_GROUP_NAMESPACE:
		return kube_name(r);
	case JOULESTAT_GROUP_CGROUP:
		return r->cgroup[0] ? r->cgroup : "(unknown)";
	case JOULESTAT_GROUP_UNIT:
		return r->unit[0] ? r->unit : "(no unit)";
	case JOULESTAT_GROUP_VM:
		return r->vm[0] ? r->vm : "(no VM)";
	case JOULESTAT_GROUP_USER:
		return r->user;
	default:
		return r->comm;
	}
}

/* ---- lines ---- */

#define LINE_SPANS 24

/* A line being built, never beyond `width` columns, with its coloured parts. */
struct line {
	char buf[1024];
	size_t len;
	size_t width;
	struct tui_span spans[LINE_SPANS];
	size_t nspans;
};

static void line_vadd(struct line *l, enum tui_attr attr, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void line_vadd(struct line *l, enum tui_attr attr, const char *fmt, va_list ap)
{
	size_t room = MIN(l->width, sizeof(l->buf) - 1), start = l->len;
	int n;

	if (l->len >= room)
		return;
	n = vsnprintf(l->buf + l->len, room - l->len + 1, fmt, ap);
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
	if (attr != TUI_PLAIN && l->len > start && l->nspans < LINE_SPANS)
		l->spans[l->nspans++] = (struct tui_span){ (unsigned)start,
							   (unsigned)(l->len - start), attr };
}

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_vadd(l, TUI_PLAIN, fmt, ap);
	va_end(ap);
}

static void line_attr(struct line *l, enum tui_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line_attr(struct line *l, enum tui_attr attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_vadd(l, attr, fmt, ap);
	va_end(ap);
}

/* Emitting lines, counted, and not past `max` of them (0: no limit). */
struct out {
	tui_line_fn fn;
	void *ud;
	size_t n;
	size_t max;
};

static void emit(struct out *o, struct line *l, enum tui_attr attr)
{
	if (!o->max || o->n < o->max)
		o->fn(l->buf, attr, l->spans, l->nspans, o->ud);
	o->n++;
	l->len = 0;
	l->buf[0] = '\0';
	l->nspans = 0;
}

/*
 * Add " item" to a line of items, starting a new line (indented by
 * `indent` spaces) when it would not fit.
 */
static void line_item(struct out *o, struct line *l, size_t indent, enum tui_attr attr,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void line_item(struct out *o, struct line *l, size_t indent, enum tui_attr attr,
		      const char *fmt, ...)
{
	char item[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (l->len > indent && l->len + strlen(item) > l->width) {
		emit(o, l, TUI_PLAIN);
		line_add(l, "%*s", (int)indent, "");
	}
	line_attr(l, attr, "%s", item);
}

/* ---- the header ---- */

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
static void gpu_header(const struct tui_view *v, struct out *o, struct line *l)
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
		line_item(o, l, 8, TUI_PLAIN, " %s %s %s%s", text_esc(sd.name, ename, sizeof(ename)),
			  views_watts(sd.power_w, a, sizeof(a)), st, sd.sampled ? "~" : "");
	}
	emit(o, l, TUI_PLAIN);
}

/*
 * Domains whose reading was refused in the interval: a gap, not zero. One
 * line names them and how many readings each has had refused so far.
 */
static void refused_lines(const struct tui_view *v, const struct joulestat_snapshot_info *si,
			  struct out *o, struct line *l)
{
	bool any = false;

	for (size_t i = 0; i < si->ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(v->snap, i, &sd) < 0 || !sd.refused)
			continue;
		if (!any)
			line_attr(l, TUI_GAP, "gap: reading refused:");
		line_item(o, l, 5, TUI_GAP, " %s (%llu so far)", sd.name,
			  (unsigned long long)sd.readings_refused);
		any = true;
	}
	if (!any)
		return;
	/* Refused: the counter could have wrapped more than once since the reading before. */
	line_item(o, l, 5, TUI_GAP, " - energy unknown, not 0; read more often");
	emit(o, l, TUI_WARN);
}

/*
 * The host power as a bar, htop's way: tasks, idle and unattributed in
 * their colours (and characters, for a terminal without colour), scaled to
 * the highest host power of the last frames.
 */
static void power_bar(const struct tui_view *v, const struct joulestat_snapshot_info *si,
		      double secs, struct out *o, struct line *l)
{
	double peak = 0, parts[3];
	static const char glyph[3] = { '|', ':', '!' };
	static const enum tui_attr attr[3] = { TUI_BAR_TASKS, TUI_BAR_IDLE, TUI_BAR_UNATTR };
	char now[32], top[32], bar[512];
	int inner, used = 0;

	for (size_t i = 0; i < v->nhistory; i++)
		if (v->history_w[i] > peak)
			peak = v->history_w[i];
	if (si->power_w > peak)
		peak = si->power_w;
	units_si(si->refused ? NAN : si->power_w, "W", now, sizeof(now));
	units_si(peak, "W", top, sizeof(top));
	/* "power [" ... "] 12.3 W of 14.0 W" */
	inner = (int)l->width - 7 - 2 - (int)strlen(now) - 4 - (int)strlen(top);
	if (inner > 60)
		inner = 60;
	if (inner < 10) {
		line_add(l, "power %s", now);
		emit(o, l, TUI_PLAIN);
		return;
	}
	parts[0] = secs > 0 ? (double)si->tasks_uj / 1e6 / secs : 0;
	parts[1] = secs > 0 ? (double)si->idle_uj / 1e6 / secs : 0;
	parts[2] = secs > 0 ? (double)si->unattributed_uj / 1e6 / secs : 0;
	line_add(l, "power [");
	for (int k = 0; k < 3; k++) {
		int n = peak > 0 && !si->refused ? (int)lround(parts[k] / peak * inner) : 0;

		if (n > inner - used)
			n = inner - used;
		if (n <= 0)
			continue;
		memset(bar, glyph[k], (size_t)n);
		bar[n] = '\0';
		line_attr(l, attr[k], "%s", bar);
		used += n;
	}
	line_add(l, "%*s] ", inner - used, "");
	line_attr(l, si->estimated ? TUI_EST : TUI_PLAIN, "%s", now);
	line_add(l, " of %s", top);
	emit(o, l, TUI_PLAIN);
}

/* The filters in force, and how many rows pass them. */
static void filter_line(const struct tui_view *v, struct out *o, struct line *l, size_t shown,
			size_t all)
{
	char e[TEXTESC_SIZE(TUI_FILTER_MAX)];

	if (!v->filter[0] && !v->user[0] && v->pid <= 0)
		return;
	line_add(l, "filter:");
	if (v->filter[0])
		line_attr(l, TUI_SORTED, " command ~ %s", text_esc(v->filter, e, sizeof(e)));
	if (v->user[0])
		line_attr(l, TUI_SORTED, " user %s", text_esc(v->user, e, sizeof(e)));
	if (v->pid > 0)
		line_attr(l, TUI_SORTED, " pid %d%s", v->pid, v->mode == TUI_MODE_TREE ? " and below" : "");
	line_add(l, " - %zu of %zu rows", shown, all);
	emit(o, l, TUI_PLAIN);
}

static const char *mode_name(enum tui_mode m)
{
	return m == TUI_MODE_TREE ? " - tree" : m == TUI_MODE_PERCPU ? " - per CPU" : "";
}

/* The header; returns false when there is no snapshot yet. */
static bool header(const struct tui_view *v, struct out *o, struct line *l)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	double secs;
	char a[32], b[32], c[32], d[32], src[128], clock[16], ename[TEXTESC_SIZE(64)];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (!v->snap || joulestat_snapshot_get(v->snap, &si) < 0) {
		line_add(l, "joulestat top - %s - waiting for the first interval", clock);
		emit(o, l, TUI_TITLE);
		if (v->status) {
			line_add(l, "%s", v->status);
			emit(o, l, TUI_WARN);
		}
		return false;
	}
	secs = (double)(si.end_ns - si.start_ns) / 1e9;
	line_add(l, "joulestat top - %s - %.2f s - by %s - idle %s%s%s%s", clock, secs,
		 v->mode == TUI_MODE_TABLE ? joulestat_group_name(v->group) : "process",
		 si.idle_policy, mode_name(v->mode), cli_via_daemon(v->js)[0] ? " - " : "",
		 cli_via_daemon(v->js));
	emit(o, l, TUI_TITLE);
	power_bar(v, &si, secs, o, l);
	line_add(l, "host %s =", si.refused ? "-" : units_si(si.power_w, "W", a, sizeof(a)));
	line_item(o, l, 5, TUI_BAR_TASKS, " tasks %s",
		  units_si(secs > 0 ? (double)si.tasks_uj / 1e6 / secs : NAN, "W", b, sizeof(b)));
	line_item(o, l, 5, TUI_BAR_IDLE, " + idle %s",
		  units_si(secs > 0 ? (double)si.idle_uj / 1e6 / secs : NAN, "W", c, sizeof(c)));
	line_item(o, l, 5, TUI_BAR_UNATTR, " + unattributed %s",
		  units_si(secs > 0 ? (double)si.unattributed_uj / 1e6 / secs : NAN, "W", d,
			   sizeof(d)));
	if (si.estimated)
		line_item(o, l, 5, TUI_EST, "  [estimated]");
	emit(o, l, TUI_PLAIN);
	if (v->carbon) {
		line_add(l, "%s", v->carbon);
		emit(o, l, TUI_PLAIN);
	}
	line_add(l, "domains (+ in host total):");
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(v->snap, i, &sd) < 0)
			continue;
		line_item(o, l, 8,
			  sd.refused ? TUI_GAP : sd.estimated ? TUI_EST : TUI_PLAIN, " %s%s %s%s",
			  sd.in_host_total ? "+" : "", text_esc(sd.name, ename, sizeof(ename)),
			  sd.refused ? "gap" : units_si(sd.power_w, "W", a, sizeof(a)),
			  sd.estimated ? "*" : "");
	}
	emit(o, l, TUI_PLAIN);
	refused_lines(v, &si, o, l);
	/* The baseline policy's idle row: which static power, and where it comes from. */
	if (strcmp(si.idle_policy, "baseline") == 0) {
		line_add(l, "static power %s from %s (the idle row; the rest is split by CPU time)",
			 views_watts((double)si.static_mw / 1e3, a, sizeof(a)),
			 si.static_from && si.static_from[0] ? si.static_from : "none");
		emit(o, l, TUI_PLAIN);
	}
	if (has_gpu(v->snap))
		gpu_header(v, o, l);
	sources_in_use(v->js, src, sizeof(src));
	{
		enum tui_attr cov = si.coverage < 0.995 || si.dropped ? TUI_WARN : TUI_PLAIN;

		line_attr(l, cov, "coverage %.1f %%", si.coverage * 100);
		line_item(o, l, 2, cov, "  captured %.1f %%", si.captured * 100);
		line_item(o, l, 2, cov, "  dropped %llu", (unsigned long long)si.dropped);
		line_item(o, l, 2, TUI_PLAIN, "  collector %s", si.collector);
		line_item(o, l, 2, TUI_PLAIN, "  sources %s", src);
		emit(o, l, TUI_PLAIN);
	}
	if (si.estimated) {
		line_add(l, "* estimated: no energy sensor here; a model of power against CPU use");
		emit(o, l, TUI_WARN);
	}
	if (si.warming_up) {
		line_add(l, "warming up: the first reading of a counter gives no power yet");
		emit(o, l, TUI_WARN);
	}
	if (v->status) {
		line_add(l, "%s", v->status);
		emit(o, l, TUI_WARN);
	}
	return true;
}

/* ---- rows, filters and sorting ---- */

/* One row of the table or tree. */
struct drow {
	const struct joulestat_row *r;	/* NULL: a parent that did not run (tree) */
	int pid;
	int ppid;
	char comm[TASK_COMM_LEN];	/* a parent that did not run: from /proc */
	long parent;			/* tree: index of the parent, -1 for a root */
	long first_child, next_sibling;	/* tree: -1 for none */
	unsigned depth;
	char branch[3 * 12 + 1];	/* tree: "|  `- ", the lines down to it (12 levels at most) */
	char cont[3 * 12 + 1];		/* tree: the lines under it, for its children's branches */
	bool keep;			/* tree: shown (matches, or has a match below) */
	uint64_t sub_uj, sub_cum_uj, sub_cpu_ns;	/* tree: itself and everything below */
	bool sub_estimated;
};

static bool has_users(enum joulestat_group g)
{
	return g == JOULESTAT_GROUP_PROCESS || g == JOULESTAT_GROUP_THREAD ||
	       g == JOULESTAT_GROUP_USER;
}

static bool has_pids(enum joulestat_group g)
{
	return g == JOULESTAT_GROUP_PROCESS || g == JOULESTAT_GROUP_THREAD;
}

/* Whether a user filter names this user (by name, or by uid in decimal). */
static bool user_matches(const char *want, const char *user, uint32_t uid)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", uid);
	return strcmp(want, user) == 0 || strcmp(want, num) == 0;
}

/* The command and user filters (the PID filter is the caller's: the tree takes subtrees). */
static bool name_user_match(const struct tui_view *v, enum joulestat_group g, const char *name,
			    const char *user, uint32_t uid, bool have_user)
{
	if (v->filter[0] && !strcasestr(name, v->filter))
		return false;
	if (v->user[0] && has_users(g) && (!have_user || !user_matches(v->user, user, uid)))
		return false;
	return true;
}

static bool row_matches(const struct tui_view *v, const struct joulestat_row *r)
{
	if (v->pid > 0 && has_pids(r->group) && r->pid != v->pid)
		return false;
	return name_user_match(v, r->group, row_name(r), r->user, r->uid, true);
}

static enum tui_sort cmp_sort;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* descending */
}

/* By a numeric sort key: x and y hold { energy_uj, cumulative_uj, cpu_ns }; 0 for the others. */
static int cmp_numbers(enum tui_sort key, const uint64_t x[3], const uint64_t y[3])
{
	switch (key) {
	case TUI_SORT_POWER:
		return cmp_u64(x[0], y[0]);
	case TUI_SORT_ENERGY:
		return cmp_u64(x[1], y[1]);
	case TUI_SORT_CPU:
		return cmp_u64(x[2], y[2]);
	default:
		return 0;
	}
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct joulestat_row *a = pa, *b = pb;
	int c = cmp_numbers(cmp_sort, (const uint64_t[3]){ a->energy_uj, a->cumulative_uj, a->cpu_ns },
			    (const uint64_t[3]){ b->energy_uj, b->cumulative_uj, b->cpu_ns });

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

/* The grouping's rows, sorted as the view asks. -errno. */
static int get_rows(const struct tui_view *v, enum joulestat_group g, struct joulestat_row **ret,
		    size_t *ret_n)
{
	struct joulestat_row *rows;
	int n = joulestat_snapshot_row_count(v->snap, g);

	if (n < 0)
		return n;
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		rows[i].sz = sizeof(rows[i]);
		if (joulestat_snapshot_row_get(v->snap, g, (size_t)i, &rows[i]) < 0) {
			free(rows);
			return -EIO;
		}
	}
	cmp_sort = v->sort;
	qsort(rows, (size_t)n, sizeof(*rows), cmp_rows);
	*ret = rows;
	*ret_n = (size_t)n;
	return 0;
}

/* ---- the table ---- */

/* Width of the flexible name column, given the fixed ones. */
static int name_width(enum joulestat_group g, int width, bool gpu, bool sys, bool tree)
{
	/* W, J, CPU%, SHARE, GPU W, SYSC/s, TREE W */
	int fixed = 9 + 10 + 7 + 7 + (gpu ? 9 : 0) + (sys ? 8 : 0) + (tree ? 10 : 0);

	if (g == JOULESTAT_GROUP_PROCESS)
		fixed += 8 + 10;
	else if (g == JOULESTAT_GROUP_THREAD)
		fixed += 8 + 8 + 10;
	/* Names of commands and users are short: the numbers stay near them (the tree indents). */
	if (g != JOULESTAT_GROUP_CGROUP && g != JOULESTAT_GROUP_UNIT &&
	    g != JOULESTAT_GROUP_CONTAINER && g != JOULESTAT_GROUP_POD && width - fixed > (tree ? 40 : 24))
		return tree ? 40 : 24;
	return width - fixed > 8 ? width - fixed : 8;
}

/* A column name, marked when the table is sorted by it: "[W]". */
static void column(struct line *l, const struct tui_view *v, enum tui_sort key, bool left,
		   int w, const char *name)
{
	char buf[64];

	if (v->sort == key) {
		snprintf(buf, sizeof(buf), "[%s]", name);
		line_attr(l, TUI_SORTED, left ? "%-*s" : "%*s", w, buf);
	} else {
		line_add(l, left ? "%-*s" : "%*s", w, name);
	}
}

static void table_columns(const struct tui_view *v, int width, bool gpu, bool sys, struct line *l)
{
	bool tree = v->mode == TUI_MODE_TREE;
	int nw = name_width(v->group, width, gpu, sys, tree);
	const char *name = "COMMAND";

	switch (v->group) {
	case JOULESTAT_GROUP_PROCESS:
		column(l, v, TUI_SORT_KEY, false, 7, "PID");
		line_add(l, " %-9s ", "USER");
		break;
	case JOULESTAT_GROUP_THREAD:
		column(l, v, TUI_SORT_KEY, false, 7, "PID");
		line_add(l, " %7s %-9s ", "TID", "USER");
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
	case JOULESTAT_GROUP_POD:
		name = "POD";
		break;
	case JOULESTAT_GROUP_NAMESPACE:
		name = "NAMESPACE";
		break;
	default:
		break;
	}
	if (has_pids(v->group))
		line_add(l, "%-*s", nw, name);
	else
		column(l, v, TUI_SORT_KEY, true, nw, name);
	column(l, v, TUI_SORT_POWER, false, 9, "W");
	if (tree)
		line_add(l, "%10s", "TREE W");
	if (gpu)
		line_add(l, "%9s", "GPU W");
	column(l, v, TUI_SORT_ENERGY, false, 10, "J");
	column(l, v, TUI_SORT_CPU, false, 7, "CPU%");
	line_add(l, "%7s", "SHARE");
	if (sys)
		line_add(l, "%8s", "SYSC/s");
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

/* A power cell: "850 mW", "1.52 W*" (estimated, in its colour). */
static void power_cell(struct line *l, int w, double watts, bool estimated)
{
	char a[32], cell[40];

	snprintf(cell, sizeof(cell), "%s%s", units_si(watts, "W", a, sizeof(a)),
		 estimated ? "*" : " ");
	line_attr(l, estimated ? TUI_EST : TUI_PLAIN, "%*s", w, cell);
}

/* The name cut to the column (a path keeps its end, which names the unit or container). */
static void name_cell(struct line *l, const char *name, int nw, bool keep_end, enum tui_attr attr)
{
	size_t len = strlen(name);

	if ((int)len > nw - 1 && keep_end) {
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
	line_attr(l, attr, "%-*.*s", nw, (int)len, name);
}

static void row_line(const struct tui_view *v, const struct drow *d, int width, bool gpu,
		     bool sys, double secs, struct line *l)
{
	const struct joulestat_row *r = d->r;
	bool tree = v->mode == TUI_MODE_TREE;
	int nw = name_width(v->group, width, gpu, sys, tree);
	/* Names are whatever bytes their owners chose: escaped, never sent raw to a terminal. */
	char ename[TEXTESC_SIZE(4096)], euser[TEXTESC_SIZE(32)];
	char w[32], user[10];

	snprintf(user, sizeof(user), "%s",
		 r && r->user[0] ? text_esc(r->user, euser, sizeof(euser)) : "-");
	switch (v->group) {
	case JOULESTAT_GROUP_PROCESS:
		/* A daemon's row of another user's processes has no PID. */
		if (r && r->aggregated)
			line_add(l, "%7s %-9s ", "-", user);
		else
			line_add(l, "%7d %-9s ", d->pid, user);
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
	text_esc(r ? row_name(r) : d->comm, ename, sizeof(ename));
	if (tree) {
		/* A deep branch keeps its end (the nearest levels) and leaves the name 6 columns. */
		size_t b = strlen(d->branch), keep = nw > 6 ? (size_t)nw - 6 : 0;
		const char *br = d->branch + (b > keep ? b - keep : 0);

		line_attr(l, TUI_DIM, "%s", br);
		name_cell(l, ename, nw - (int)strlen(br), false, r ? TUI_PLAIN : TUI_DIM);
	} else {
		name_cell(l, ename, nw,
			  v->group == JOULESTAT_GROUP_CGROUP ||
				  (v->group == JOULESTAT_GROUP_CONTAINER && r && !r->container_name[0]),
			  TUI_PLAIN);
	}
	power_cell(l, 9, r ? r->power_w : 0, r && r->estimated);
	if (tree)
		power_cell(l, 10, secs > 0 ? (double)d->sub_uj / 1e6 / secs : NAN, d->sub_estimated);
	if (gpu)
		power_cell(l, 9, r ? row_gpu_w(v->snap, r) : 0, false);
	/* A parent that did not run: its energy since first seen is the monitor's, not here. */
	line_add(l, "%10s", r ? units_si((double)r->cumulative_uj / 1e6, "J", w, sizeof(w)) : "-");
	line_add(l, "%7.1f%6.1f%%", r ? r->cpu_pct : 0, r ? r->share * 100 : 0);
	if (sys)
		line_add(l, "%8s", rate_text(r && secs > 0 ? (double)r->syscalls / secs : NAN, w,
					     sizeof(w)));
}

/* The rows of the grouping that pass the filters, in the view's order. */
static int table_rows(const struct tui_view *v, const struct joulestat_row *rows, size_t n,
		      struct drow **ret, size_t *ret_n)
{
	struct drow *d = calloc(n + 1, sizeof(*d));
	size_t k = 0;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!row_matches(v, &rows[i]))
			continue;
		d[k].r = &rows[i];
		d[k].pid = rows[i].pid;
		d[k].parent = -1;
		k++;
	}
	*ret = d;
	*ret_n = k;
	return 0;
}

/* ---- the tree ---- */

#define TREE_MAX_PARENTS 4096	/* parents read from /proc that did not run */
#define TREE_MAX_DEPTH 12	/* levels indented; deeper ones stay at this depth */

struct tree {
	struct drow *n;
	size_t nn, cap;
	long *slot;		/* pid hash: node index + 1 */
	size_t nslots;
	size_t nread;		/* parents read from /proc */
};

static long tree_find(const struct tree *t, int pid)
{
	size_t k = ((size_t)(unsigned)pid * 2654435761u) & (t->nslots - 1);

	for (; t->slot[k]; k = (k + 1) & (t->nslots - 1))
		if (t->n[t->slot[k] - 1].pid == pid)
			return t->slot[k] - 1;
	return -1;
}

/* Index node `i` by its pid; for a reused PID the newest process wins. */
static void tree_index(struct tree *t, long i)
{
	size_t k = ((size_t)(unsigned)t->n[i].pid * 2654435761u) & (t->nslots - 1);

	for (; t->slot[k]; k = (k + 1) & (t->nslots - 1)) {
		struct drow *o = &t->n[t->slot[k] - 1];

		if (o->pid == t->n[i].pid) {
			if (o->r && t->n[i].r && t->n[i].r->start_ns < o->r->start_ns)
				return;
			t->slot[k] = i + 1;
			return;
		}
	}
	t->slot[k] = i + 1;
}

/* <procfs>/PID/stat: its command and parent, for a parent that did not run. */
static int read_parent(const char *procfs, int pid, char *comm, size_t size, int *ret_ppid)
{
	char path[4200], buf[1024];
	struct task_stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", procfs ? procfs : "/proc", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || parse_task_stat(buf, (size_t)n, &st) < 0)
		return -EINVAL;
	snprintf(comm, size, "%s", st.comm);
	*ret_ppid = (int)st.ppid;
	return 0;
}

static int tree_add(struct tree *t, const struct drow *d)
{
	if (t->nn == t->cap) {
		size_t cap = t->cap * 2;
		struct drow *n = realloc(t->n, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->n = n;
		t->cap = cap;
	}
	t->n[t->nn] = *d;
	tree_index(t, (long)t->nn);
	t->nn++;
	return 0;
}

/* Whether `anc` is `i` or above it (through the parents set so far). */
static bool tree_above(const struct tree *t, long anc, long i)
{
	for (size_t steps = 0; i >= 0 && steps <= t->nn; steps++, i = t->n[i].parent)
		if (i == anc)
			return true;
	return false;
}

struct ppid_of {
	int pid;
	uint64_t start_ns;
	int ppid;
	bool leader;
};

static int cmp_ppid(const void *a, const void *b)
{
	const struct ppid_of *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return (int)y->leader - (int)x->leader; /* the main thread's first */
}

/* The parent of process (pid, start) by its tasks; 0 when they do not say. */
static int lookup_ppid(const struct ppid_of *p, size_t n, int pid, uint64_t start_ns)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && p[lo].pid == pid; lo++)
		if (!start_ns || !p[lo].start_ns || p[lo].start_ns == start_ns)
			return p[lo].ppid;
	return 0;
}

static const struct tui_view *tree_sort_view;
static const struct drow *tree_sort_nodes;

/* Siblings: by their subtree's figure (largest first), or by PID. */
static int cmp_nodes(const void *pa, const void *pb)
{
	const struct drow *a = &tree_sort_nodes[*(const long *)pa];
	const struct drow *b = &tree_sort_nodes[*(const long *)pb];
	int c = 0;

	switch (tree_sort_view->sort) {
	case TUI_SORT_POWER:
		c = cmp_u64(a->sub_uj, b->sub_uj);
		break;
	case TUI_SORT_ENERGY:
		c = cmp_u64(a->sub_cum_uj, b->sub_cum_uj);
		break;
	case TUI_SORT_CPU:
		c = cmp_u64(a->sub_cpu_ns, b->sub_cpu_ns);
		break;
	default:
		break;
	}
	if (c)
		return c;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* Whether node i is the filtered PID or below it (always, without a PID filter). */
static bool node_in_pid(const struct tui_view *v, const struct tree *t, long i)
{
	bool pid_ok = v->pid <= 0;

	for (long a = i; !pid_ok && a >= 0; a = t->n[a].parent)
		pid_ok = t->n[a].pid == v->pid;
	return pid_ok;
}

static bool node_matches(const struct tui_view *v, const struct tree *t, long i)
{
	const struct drow *d = &t->n[i];

	if (!node_in_pid(v, t, i))
		return false;
	if (!d->r)
		return !v->filter[0] && !v->user[0] ? true : false;
	return name_user_match(v, JOULESTAT_GROUP_PROCESS, d->r->comm, d->r->user, d->r->uid, true);
}

/*
 * Processes under their parents: each process row, its parent from its
 * tasks (else <procfs>/PID/stat), and the parents that did not run read
 * from /proc up to a root, so a sleeping shell still holds its children.
 * Each node carries its subtree's power; siblings are sorted by it. With a
 * filter, the matches and their ancestors are shown.
 */
static int tree_rows(const struct tui_view *v, const struct joulestat_row *rows, size_t n,
		     struct drow **ret, size_t *ret_n, size_t *ret_nodes)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct tree t = { 0 };
	struct ppid_of *pp = NULL;
	long *order = NULL, *stack = NULL, *last_child = NULL;
	size_t npp = 0, k = 0, sp = 0;
	unsigned maxd = 0;
	struct drow *out = NULL;
	int r = -ENOMEM;

	if (joulestat_snapshot_get(v->snap, &si) < 0)
		return -EIO;
	t.cap = n + 16;
	t.n = calloc(t.cap, sizeof(*t.n));
	for (t.nslots = 64; t.nslots < 2 * (n + TREE_MAX_PARENTS); t.nslots *= 2)
		;
	t.slot = calloc(t.nslots, sizeof(*t.slot));
	pp = calloc(si.ntasks + 1, sizeof(*pp));
	if (!t.n || !t.slot || !pp)
		goto out;
	for (size_t i = 0; i < si.ntasks; i++) {
		struct joulestat_task tk = { .sz = sizeof(tk) };

		if (joulestat_snapshot_task_get(v->snap, i, &tk) == 0 && tk.ppid > 0)
			pp[npp++] = (struct ppid_of){ tk.pid, tk.proc_start_ns, tk.ppid,
						      tk.tid == tk.pid };
	}
	qsort(pp, npp, sizeof(*pp), cmp_ppid);
	for (size_t i = 0; i < n; i++) {
		struct drow d = { .r = &rows[i], .pid = rows[i].pid, .parent = -1,
				  .first_child = -1, .next_sibling = -1 };
		char comm[TASK_COMM_LEN];

		d.ppid = lookup_ppid(pp, npp, d.pid, rows[i].start_ns);
		if (!d.ppid && d.pid > 1)
			(void)read_parent(v->procfs_root, d.pid, comm, sizeof(comm), &d.ppid);
		if (tree_add(&t, &d) < 0)
			goto out;
	}
	/* Parents, and the parents that did not run, read from /proc (appended as found). */
	for (size_t i = 0; i < t.nn; i++) {
		long p;

		if (t.n[i].ppid <= 0 || t.n[i].ppid == t.n[i].pid)
			continue;
		p = tree_find(&t, t.n[i].ppid);
		if (p < 0 && t.nread < TREE_MAX_PARENTS) {
			struct drow d = { .pid = t.n[i].ppid, .parent = -1, .first_child = -1,
					  .next_sibling = -1 };

			t.nread++;
			if (read_parent(v->procfs_root, d.pid, d.comm, sizeof(d.comm), &d.ppid) == 0) {
				if (tree_add(&t, &d) < 0)
					goto out;
				p = (long)t.nn - 1;
			}
		}
		/* A PID reused inside the tree could close a loop: such a node stays a root. */
		if (p >= 0 && !tree_above(&t, (long)i, p))
			t.n[i].parent = p;
	}
	/* Depths, then subtree sums from the deepest up. */
	order = calloc(t.nn + 1, sizeof(*order));
	stack = calloc(t.nn + 1, sizeof(*stack));
	last_child = calloc(t.nn + 1, sizeof(*last_child));
	out = calloc(t.nn + 1, sizeof(*out));
	if (!order || !stack || !last_child || !out)
		goto out;
	for (size_t i = 0; i < t.nn; i++) {
		unsigned depth = 0;

		for (long a = t.n[i].parent; a >= 0 && depth <= t.nn; a = t.n[a].parent)
			depth++;
		t.n[i].depth = depth;
		maxd = MAX(maxd, depth);
		if (t.n[i].r) {
			t.n[i].sub_uj = t.n[i].r->energy_uj;
			t.n[i].sub_cum_uj = t.n[i].r->cumulative_uj;
			t.n[i].sub_cpu_ns = t.n[i].r->cpu_ns;
			t.n[i].sub_estimated = t.n[i].r->estimated;
		}
		t.n[i].keep = node_matches(v, &t, (long)i);
		order[i] = (long)i;
	}
	/* Level by level from the deepest: children before their parents. */
	for (unsigned depth = maxd; depth > 0; depth--)
		for (size_t i = 0; i < t.nn; i++) {
			long p = t.n[i].parent;

			if (t.n[i].depth != depth)
				continue;
			t.n[p].sub_uj += t.n[i].sub_uj;
			t.n[p].sub_cum_uj += t.n[i].sub_cum_uj;
			t.n[p].sub_cpu_ns += t.n[i].sub_cpu_ns;
			t.n[p].sub_estimated |= t.n[i].sub_estimated;
			/* Kept: a match, or above one (not above the filtered PID: its subtree only). */
			if (t.n[i].keep && node_in_pid(v, &t, p))
				t.n[p].keep = true;
		}
	/* Children in sort order: append each node, sorted, to its parent's list. */
	tree_sort_view = v;
	tree_sort_nodes = t.n;
	qsort(order, t.nn, sizeof(*order), cmp_nodes);
	for (size_t j = 0; j < t.nn; j++)
		last_child[j] = -1;
	for (size_t j = 0; j < t.nn; j++) {
		long i = order[j], p = t.n[i].parent;

		if (p < 0 || !t.n[i].keep)
			continue;
		if (last_child[p] < 0)
			t.n[p].first_child = i;
		else
			t.n[last_child[p]].next_sibling = i;
		last_child[p] = i;
	}
	/* Depth first from the roots, in sort order; the branches drawn as we go. */
	for (size_t j = t.nn; j-- > 0;) {
		long i = order[j];

		/* The roots shown: kept nodes whose parent is not (the filtered PID's, say). */
		if (t.n[i].keep && (t.n[i].parent < 0 || !t.n[t.n[i].parent].keep))
			stack[sp++] = i;
	}
	while (sp) {
		long i = stack[--sp];
		size_t first = sp;

		out[k++] = t.n[i];
		for (long c = t.n[i].first_child; c >= 0; c = t.n[c].next_sibling) {
			bool last = t.n[c].next_sibling < 0;
			const char *up = t.n[i].cont;

			/* Past TREE_MAX_DEPTH levels the branches stop growing. */
			size_t ul = strlen(up);
			struct drow *ch = &t.n[c];

			if (ul + 3 < sizeof(ch->branch)) {
				memcpy(ch->branch, up, ul);
				memcpy(ch->branch + ul, last ? "`- " : "|- ", 4);
				memcpy(ch->cont, up, ul);
				memcpy(ch->cont + ul, last ? "   " : "|  ", 4);
			} else if (c != i) {
				memcpy(ch->branch, t.n[i].branch, sizeof(ch->branch));
				memcpy(ch->cont, up, sizeof(ch->cont));
			}
			stack[sp++] = c;
		}
		/* Children were pushed first to last: reverse them so the first pops first. */
		for (size_t x = first, y = sp; x + 1 < y; x++, y--) {
			long tmp = stack[x];

			stack[x] = stack[y - 1];
			stack[y - 1] = tmp;
		}
	}
	/* The nodes hold pointers into `rows` (the caller's) and no pointers into t.n. */
	*ret = out;
	*ret_n = k;
	*ret_nodes = t.nn;
	out = NULL;
	r = 0;
out:
	free(out);
	free(order);
	free(stack);
	free(last_child);
	free(pp);
	free(t.n);
	free(t.slot);
	return r;
}

/* ---- processes per CPU ---- */

/* One process of the per-CPU view. */
struct prow {
	int pid;
	uint64_t start_ns;
	char comm[TASK_COMM_LEN];
	char user[33];
	uint64_t energy_uj;
	uint64_t cum_uj;
	uint64_t cpu_ns;
	bool estimated;
	struct percpu_item item;	/* its slots, one per CPU it ran on */
};

struct percpu_view {
	struct prow *p;
	size_t np;		/* processes */
	size_t *shown;		/* indices into p that pass the filters, in the view's order */
	size_t nshown;
	struct percpu_slot *slots;
	struct percpu_cpu *cpus;
	unsigned ncpus;
	double secs;
	uint64_t interval_ns;
};

static void percpu_view_free(struct percpu_view *pv)
{
	free(pv->p);
	free(pv->shown);
	free(pv->slots);
	free(pv->cpus);
}

static const struct joulestat_task *sort_tasks;

static int cmp_task_idx(const void *pa, const void *pb)
{
	const struct joulestat_task *a = &sort_tasks[*(const size_t *)pa];
	const struct joulestat_task *b = &sort_tasks[*(const size_t *)pb];

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->proc_start_ns != b->proc_start_ns)
		return a->proc_start_ns < b->proc_start_ns ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static const struct percpu_view *sort_pv;
static enum tui_sort sort_pv_key;

static int cmp_prow(const void *pa, const void *pb)
{
	const struct prow *a = &sort_pv->p[*(const size_t *)pa];
	const struct prow *b = &sort_pv->p[*(const size_t *)pb];
	int c = cmp_numbers(sort_pv_key, (const uint64_t[3]){ a->energy_uj, a->cum_uj, a->cpu_ns },
			    (const uint64_t[3]){ b->energy_uj, b->cum_uj, b->cpu_ns });

	if (c)
		return c;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* The process row (pid, start) of the snapshot, for its cumulative energy and user. */
static const struct joulestat_row *find_process(const struct joulestat_row *rows, size_t n,
						int pid, uint64_t start_ns)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].pid == pid && (rows[i].start_ns == start_ns || !start_ns))
			return &rows[i];
	return NULL;
}

/*
 * The snapshot's tasks as processes with their time on each CPU, and the
 * host energy laid out per CPU (percpu.h). `rows`: the process rows.
 */
static int percpu_build(const struct tui_view *v, const struct joulestat_row *rows, size_t nrows,
			struct percpu_view *pv)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_task *tasks = NULL;
	size_t *idx = NULL, nslots = 0;
	uint64_t *dense = NULL;
	int r = -ENOMEM;

	if (joulestat_snapshot_get(v->snap, &si) < 0 || si.ncpus == 0)
		return -EIO;
	pv->ncpus = si.ncpus;
	pv->interval_ns = si.end_ns > si.start_ns ? si.end_ns - si.start_ns : 0;
	pv->secs = (double)pv->interval_ns / 1e9;
	tasks = calloc(si.ntasks + 1, sizeof(*tasks));
	idx = calloc(si.ntasks + 1, sizeof(*idx));
	dense = calloc(si.ncpus, sizeof(*dense));
	pv->cpus = calloc(si.ncpus, sizeof(*pv->cpus));
	if (!tasks || !idx || !dense || !pv->cpus)
		goto out;
	for (size_t i = 0; i < si.ntasks; i++) {
		tasks[i].sz = sizeof(tasks[i]);
		if (joulestat_snapshot_task_get(v->snap, i, &tasks[i]) < 0) {
			r = -EIO;
			goto out;
		}
		idx[i] = i;
		nslots += tasks[i].ncpus;
	}
	sort_tasks = tasks;
	qsort(idx, si.ntasks, sizeof(*idx), cmp_task_idx);
	pv->p = calloc(si.ntasks + 1, sizeof(*pv->p));
	pv->shown = calloc(si.ntasks + 1, sizeof(*pv->shown));
	pv->slots = calloc(nslots + 1, sizeof(*pv->slots));
	if (!pv->p || !pv->shown || !pv->slots)
		goto out;
	nslots = 0;
	for (size_t i = 0, j; i < si.ntasks; i = j) {
		const struct joulestat_task *t0 = &tasks[idx[i]];
		struct prow *p = &pv->p[pv->np++];
		const struct joulestat_row *row;

		*p = (struct prow){ .pid = t0->pid, .start_ns = t0->proc_start_ns };
		snprintf(p->comm, sizeof(p->comm), "%s", t0->comm);
		snprintf(p->user, sizeof(p->user), "%u", t0->uid);
		for (j = i; j < si.ntasks && tasks[idx[j]].pid == t0->pid &&
			    tasks[idx[j]].proc_start_ns == t0->proc_start_ns;
		     j++) {
			const struct joulestat_task *t = &tasks[idx[j]];

			if (t->tid == t->pid)
				snprintf(p->comm, sizeof(p->comm), "%s", t->comm);
			p->energy_uj += t->energy_uj;
			p->cpu_ns += t->cpu_ns;
			p->estimated |= t->estimated;
			for (size_t c = 0; c < t->ncpus; c++)
				if (t->cpus[c].cpu < si.ncpus)
					dense[t->cpus[c].cpu] += t->cpus[c].ns;
		}
		/* Its threads' time merged per CPU: one slot each. */
		p->item.energy_uj = p->energy_uj;
		p->item.slots = &pv->slots[nslots];
		for (unsigned c = 0; c < si.ncpus; c++)
			if (dense[c]) {
				pv->slots[nslots++] = (struct percpu_slot){ c, dense[c], 0 };
				p->item.nslots++;
				dense[c] = 0;
			}
		row = find_process(rows, nrows, p->pid, p->start_ns);
		if (row) {
			p->cum_uj = row->cumulative_uj;
			snprintf(p->user, sizeof(p->user), "%s", row->user);
		}
	}
	{
		struct percpu_item *items = calloc(pv->np + 1, sizeof(*items));
		struct percpu_in in = {
			.ncpus = si.ncpus,
			.idle_ns = si.cpu_idle_ns,
			.lost_ns = si.cpu_lost_ns,
			.irq_ns = si.cpu_irq_ns,
			.idle_uj = si.idle_uj,
			.unattributed_uj = si.unattributed_uj,
			.items = items,
			.nitems = pv->np,
		};

		if (!items)
			goto out;
		for (size_t i = 0; i < pv->np; i++)
			items[i] = pv->p[i].item;
		r = percpu_split(&in, pv->cpus);
		free(items); /* the slots they point to are pv's, and now hold their energy */
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < pv->np; i++) {
		const struct prow *p = &pv->p[i];
		uint32_t uid = (uint32_t)strtoul(p->user, NULL, 10);

		if (v->pid > 0 && p->pid != v->pid)
			continue;
		if (!name_user_match(v, JOULESTAT_GROUP_PROCESS, p->comm, p->user, uid, true))
			continue;
		pv->shown[pv->nshown++] = i;
	}
	sort_pv = pv;
	sort_pv_key = v->sort;
	qsort(pv->shown, pv->nshown, sizeof(*pv->shown), cmp_prow);
	r = 0;
out:
	free(tasks);
	free(idx);
	free(dense);
	return r;
}

/* A process's time on `cpu` (its slots are one per CPU, in CPU order). */
static const struct percpu_slot *prow_slot(const struct prow *p, unsigned cpu)
{
	for (size_t k = 0; k < p->item.nslots; k++)
		if (p->item.slots[k].cpu == cpu)
			return &p->item.slots[k];
	return NULL;
}

#define PERCPU_NAME_W 24	/* "%7d %-15s " */
#define PERCPU_CELL_W 16	/* "%7s%9s" */

static void percpu_cell(struct line *l, const struct percpu_view *pv, uint64_t ns, uint64_t uj,
			bool estimated, enum tui_attr attr)
{
	char pct[16], cell[40], w[32];

	if (!ns && !uj) { /* it did not run there */
		line_attr(l, attr, "%7s%9s", "-", "- ");
		return;
	}
	if (pv->interval_ns)
		snprintf(pct, sizeof(pct), "%.1f%%", (double)ns * 100.0 / (double)pv->interval_ns);
	else
		snprintf(pct, sizeof(pct), "-");
	snprintf(cell, sizeof(cell), "%s%s",
		 units_si(pv->secs > 0 ? (double)uj / 1e6 / pv->secs : NAN, "W", w, sizeof(w)),
		 estimated ? "*" : " ");
	line_attr(l, attr, "%7s", pct);
	line_attr(l, estimated ? TUI_EST : attr, "%9s", cell);
}

/* Lines under the processes: each CPU's ledger and its coverage, as seed 004's table ends. */
#define PERCPU_FOOT 6

static void percpu_foot(const struct tui_view *v, const struct percpu_view *pv, unsigned c0,
			unsigned c1, struct out *o, struct line *l)
{
	static const char *const names[] = { "all tasks", "idle", "unattributed", "CPU total" };
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	bool est = joulestat_snapshot_get(v->snap, &si) == 0 && si.estimated;

	line_add(l, "%.*s", (int)l->width, "---------------------------------------------------"
					   "--------------------------------------------------------"
					   "-----------------------------------------------------------"
					   "---------------------------------");
	emit(o, l, TUI_DIM);
	for (int k = 0; k < 4; k++) {
		line_add(l, "%-*s", PERCPU_NAME_W, names[k]);
		for (unsigned c = c0; c < c1; c++) {
			const struct percpu_cpu *pc = &pv->cpus[c];
			uint64_t ns = k == 0 ? pc->busy_ns : k == 1 ? pc->idle_ns :
				      k == 2 ? pc->lost_ns + pc->irq_ns :
					       pc->busy_ns + pc->idle_ns + pc->irq_ns;
			uint64_t uj = k == 0 ? pc->tasks_uj : k == 1 ? pc->idle_uj :
				      k == 2 ? pc->unattributed_uj : pc->energy_uj;

			percpu_cell(l, pv, ns, uj, est, k == 3 ? TUI_TOTAL : TUI_PLAIN);
		}
		emit(o, l, k == 3 ? TUI_TOTAL : TUI_PLAIN);
	}
	line_add(l, "%zu processes ran; CPU total: time named / interval (coverage), CPU power",
		 pv->np);
	emit(o, l, TUI_DIM);
}

static void percpu_columns(const struct tui_view *v, const struct percpu_view *pv, unsigned c0,
			   unsigned c1, struct out *o, struct line *l)
{
	char name[32];

	/* Not every CPU fits: which are shown, and the keys for the others. */
	if (c0 > 0 || c1 < pv->ncpus) {
		snprintf(name, sizeof(name), "cpu%u-%u", c0, c1 - 1);
		line_attr(l, TUI_MORE, "%s of %u (<- ->)", name, pv->ncpus);
		line_add(l, "%*s", (int)(PERCPU_NAME_W - MIN(l->len, (size_t)PERCPU_NAME_W)), "");
	} else {
		line_add(l, "%*s", PERCPU_NAME_W, "");
	}
	for (unsigned c = c0; c < c1; c++) {
		snprintf(name, sizeof(name), "cpu%u", c);
		line_add(l, "%*s%*s", PERCPU_CELL_W / 2 + 3, name, PERCPU_CELL_W - PERCPU_CELL_W / 2 - 3,
			 "");
	}
	emit(o, l, TUI_PLAIN);
	column(l, v, TUI_SORT_KEY, false, 7, "PID");
	line_add(l, " ");
	line_add(l, "%-16s", "COMMAND");
	for (unsigned c = c0; c < c1; c++) {
		column(l, v, TUI_SORT_CPU, false, 7, "time");
		column(l, v, TUI_SORT_POWER, false, 9, "W");
	}
	emit(o, l, TUI_COLUMNS);
}

static void percpu_row(const struct percpu_view *pv, const struct prow *p, unsigned c0,
		       unsigned c1, struct line *l)
{
	char e[TEXTESC_SIZE(TASK_COMM_LEN)];

	line_add(l, "%7d ", p->pid);
	name_cell(l, text_esc(p->comm, e, sizeof(e)), 16, false, TUI_PLAIN);
	for (unsigned c = c0; c < c1; c++) {
		const struct percpu_slot *s = prow_slot(p, c);

		percpu_cell(l, pv, s ? s->ns : 0, s ? s->uj : 0, p->estimated && s, TUI_PLAIN);
	}
}

/* ---- the whole layout ---- */

static void help_screen(struct out *o, struct line *l)
{
	line_add(l, "joulestat top - keys (any key returns)");
	emit(o, l, TUI_TITLE);
	emit(o, l, TUI_PLAIN);
	for (size_t i = 0; tui_keys_help[i]; i++) {
		line_add(l, "  %s", tui_keys_help[i]);
		emit(o, l, TUI_PLAIN);
	}
	emit(o, l, TUI_PLAIN);
	line_add(l, "  W: power over the last interval, * estimated (a model, no sensor);");
	emit(o, l, TUI_PLAIN);
	line_add(l, "  J: energy since first seen; SHARE: of the tasks' energy; [X]: the sort column.");
	emit(o, l, TUI_PLAIN);
	line_add(l, "  Colour follows the terminal; NO_COLOR=1 turns it off.");
	emit(o, l, TUI_PLAIN);
}

/* The "N more" line, when rows are left out above or below. */
static void more_line(size_t above, size_t below, struct out *o, struct line *l)
{
	if (below && above)
		line_attr(l, TUI_MORE, "-- %zu more below, %zu above (Up/Down, PgUp/PgDn, Home/End) --",
			  below, above);
	else if (below)
		line_attr(l, TUI_MORE, "-- %zu more below (Down, PgDn, End) --", below);
	else
		line_attr(l, TUI_MORE, "-- %zu more above (Up, PgUp, Home) --", above);
	emit(o, l, TUI_MORE);
}

/*
 * Rows [first, first + shown) of `nrows`, given the lines left (0: no
 * limit): clamps the scroll, and says how many fit.
 */
static void fit_rows(struct tui_view *v, size_t nrows, int left, size_t *ret_first,
		     size_t *ret_shown, bool *ret_more)
{
	size_t page = nrows;

	*ret_more = false;
	if (left > 0 && nrows > (size_t)left) {
		page = left > 1 ? (size_t)left - 1 : 1;
		*ret_more = true;
	} else if (left > 0) {
		page = (size_t)left;
	}
	if (v->scroll + page > nrows)
		v->scroll = nrows > page ? nrows - page : 0;
	v->page = page;
	v->rows = nrows;
	*ret_first = v->scroll;
	*ret_shown = MIN(page, nrows - v->scroll);
}

int tui_layout(struct tui_view *v, int width, int height, tui_line_fn fn, void *ud)
{
	struct line l = { .width = (size_t)(width > 20 ? width : 20) };
	struct out o = { .fn = fn, .ud = ud, .max = height > 0 ? (size_t)height : 0 };
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct joulestat_row *rows = NULL;
	struct drow *d = NULL;
	struct percpu_view pv = { 0 };
	size_t n = 0, nd = 0, first, shown, all, tree_nodes = 0;
	bool gpu, sys, more;
	enum joulestat_group g;
	int r;

	if (v->help) {
		help_screen(&o, &l);
		return 0;
	}
	if (!v->snap || joulestat_snapshot_get(v->snap, &si) < 0) {
		header(v, &o, &l);
		return 0;
	}
	gpu = has_gpu(v->snap) && v->mode != TUI_MODE_PERCPU;
	sys = si.syscalls_counted && v->mode != TUI_MODE_PERCPU;
	g = v->mode == TUI_MODE_TABLE ? v->group : JOULESTAT_GROUP_PROCESS;
	r = get_rows(v, g, &rows, &n);
	if (r < 0)
		return r;
	if (v->mode == TUI_MODE_TREE)
		r = tree_rows(v, rows, n, &d, &nd, &tree_nodes);
	else if (v->mode == TUI_MODE_PERCPU)
		r = percpu_build(v, rows, n, &pv);
	else
		r = table_rows(v, rows, n, &d, &nd);
	if (r < 0)
		goto out;
	header(v, &o, &l);
	if (v->mode == TUI_MODE_PERCPU) {
		unsigned cols = (unsigned)MAX(1, ((int)l.width - PERCPU_NAME_W) / PERCPU_CELL_W), c1;

		v->ncpus = pv.ncpus;
		v->cpu_cols = cols;
		if (v->cpu_first + cols > pv.ncpus)
			v->cpu_first = pv.ncpus > cols ? pv.ncpus - cols : 0;
		c1 = MIN(pv.ncpus, v->cpu_first + cols);
		filter_line(v, &o, &l, pv.nshown, pv.np);
		percpu_columns(v, &pv, v->cpu_first, c1, &o, &l);
		fit_rows(v, pv.nshown, height > 0 ? height - (int)o.n - PERCPU_FOOT : 0, &first,
			 &shown, &more);
		for (size_t i = first; i < first + shown; i++) {
			percpu_row(&pv, &pv.p[pv.shown[i]], v->cpu_first, c1, &l);
			emit(&o, &l, TUI_PLAIN);
		}
		if (more)
			more_line(first, pv.nshown - first - shown, &o, &l);
		percpu_foot(v, &pv, v->cpu_first, c1, &o, &l);
		r = (int)MIN(pv.nshown, (size_t)INT32_MAX);
		goto out;
	}
	/* The tree's rows include the parents that did not run. */
	all = v->mode == TUI_MODE_TREE ? tree_nodes : n;
	filter_line(v, &o, &l, nd, all);
	table_columns(v, (int)l.width, gpu, sys, &l);
	emit(&o, &l, TUI_COLUMNS);
	fit_rows(v, nd, height > 0 ? height - (int)o.n : 0, &first, &shown, &more);
	for (size_t i = first; i < first + shown; i++) {
		row_line(v, &d[i], (int)l.width, gpu, sys,
			 (double)(si.end_ns - si.start_ns) / 1e9, &l);
		emit(&o, &l, d[i].r ? TUI_PLAIN : TUI_DIM);
	}
	if (more)
		more_line(first, nd - first - shown, &o, &l);
	r = (int)MIN(nd, (size_t)INT32_MAX);
out:
	free(rows);
	free(d);
	percpu_view_free(&pv);
	return r;
}

static void print_line(const char *line, enum tui_attr attr, const struct tui_span *spans,
		       size_t nspans, void *ud)
{
	size_t len = strlen(line);

	(void)attr;
	(void)spans;
	(void)nspans;
	/* Batch output has no trailing blanks, so it diffs and greps cleanly. */
	while (len && line[len - 1] == ' ')
		len--;
	fprintf(ud, "%.*s\n", (int)len, line);
}

int tui_print(FILE *f, struct tui_view *v, int width)
{
	int r = tui_layout(v, width, 0, print_line, f);

	fputc('\n', f);
	return r;
}

/* ---- ncurses ---- */

static SCREEN *screen;
static bool use_colour;

enum { PAIR_WARN = 1, PAIR_TASKS, PAIR_IDLE, PAIR_RED, PAIR_EST, PAIR_SORTED, PAIR_MORE };

int tui_start(bool colour)
{
	char *cup;

	/* newterm(), not initscr(): an unknown terminal is an error to report, not an exit. */
	screen = newterm(NULL, stdout, stdin);
	if (!screen)
		return -ENOTTY;
	set_term(screen);
	/* A terminal that cannot move its cursor (TERM=dumb) cannot hold a screen. */
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(screen);
		screen = NULL;
		return -ENOTTY;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	use_colour = colour && has_colors();
	if (use_colour) {
		start_color();
		use_default_colors();
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_TASKS, COLOR_GREEN, -1);
		init_pair(PAIR_IDLE, COLOR_BLUE, -1);
		init_pair(PAIR_RED, COLOR_RED, -1);
		init_pair(PAIR_EST, COLOR_MAGENTA, -1);
		init_pair(PAIR_SORTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_MORE, COLOR_CYAN, -1);
	}
	return 0;
}

/* How each kind of text is shown: in colour, or with attributes alone (NO_COLOR, vt100). */
static attr_t attr_of(enum tui_attr a)
{
	switch (a) {
	case TUI_TITLE:
		return A_BOLD;
	case TUI_COLUMNS:
		return A_REVERSE;
	case TUI_SORTED:
		return use_colour ? COLOR_PAIR(PAIR_SORTED) | A_BOLD : A_REVERSE | A_BOLD | A_UNDERLINE;
	case TUI_WARN:
		return use_colour ? COLOR_PAIR(PAIR_WARN) : A_BOLD;
	case TUI_EST:
		return use_colour ? COLOR_PAIR(PAIR_EST) : A_NORMAL;
	case TUI_BAR_TASKS:
		return use_colour ? COLOR_PAIR(PAIR_TASKS) | A_BOLD : A_NORMAL;
	case TUI_BAR_IDLE:
		return use_colour ? COLOR_PAIR(PAIR_IDLE) | A_BOLD : A_NORMAL;
	case TUI_BAR_UNATTR:
	case TUI_GAP:
		return use_colour ? COLOR_PAIR(PAIR_RED) | A_BOLD : A_BOLD;
	case TUI_MORE:
		return use_colour ? COLOR_PAIR(PAIR_MORE) : A_REVERSE;
	case TUI_TOTAL:
		return A_BOLD;
	case TUI_DIM:
		return use_colour ? COLOR_PAIR(PAIR_IDLE) : A_NORMAL;
	default:
		return A_NORMAL;
	}
}

struct draw {
	int y;
};

static void draw_line(const char *line, enum tui_attr attr, const struct tui_span *spans,
		      size_t nspans, void *ud)
{
	struct draw *d = ud;
	attr_t base = attr_of(attr);
	size_t pos = 0, len = strlen(line);

	if (d->y >= LINES - 1)
		return;
	move(d->y, 0);
	/* In order, so that a part after a wide character lands where the text puts it. */
	for (size_t k = 0; k <= nspans; k++) {
		size_t start = k < nspans ? MIN(spans[k].start, len) : len;
		size_t end = k < nspans ? MIN(start + spans[k].len, len) : len;

		if (start > pos) {
			attrset(base);
			addnstr(line + pos, (int)(start - pos));
		}
		if (k < nspans && end > start) {
			attrset(attr_of(spans[k].attr));
			addnstr(line + start, (int)(end - start));
		}
		pos = MAX(pos, end);
	}
	attrset(base);
	if (attr == TUI_COLUMNS || attr == TUI_MORE) { /* the bar spans the screen */
		int y, x;

		getyx(stdscr, y, x);
		(void)y;
		for (; x < COLS; x++)
			addch(' ');
	}
	attrset(A_NORMAL);
	d->y++;
}

void tui_draw(struct tui_view *v)
{
	struct draw d = { 0 };

	erase();
	if (COLS < 40 || LINES < 6) {
		mvaddnstr(0, 0, "terminal too small for joulestat top", COLS);
	} else {
		/* rows past the screen are left out by the layout, the key line is ours */
		tui_layout(v, COLS, LINES - 1, draw_line, &d);
		attrset(A_REVERSE);
		if (v->prompt) {
			mvprintw(LINES - 1, 0, " %s%s_ (Enter: apply, empty: clear, Esc: cancel) ",
				 v->prompt, v->input ? v->input : "");
		} else {
			mvaddnstr(LINES - 1, 0,
				  " q quit  ? help  / filter  u user  p pid  t tree  c CPUs  <> sort"
				  "  g group  i idle ",
				  COLS);
		}
		attrset(A_NORMAL);
	}
	refresh();
}

void tui_stop(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
}
