/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_top.c - `joulestat top`: the live view. One snapshot per interval,
 * drawn with ncurses when standard input and output are a terminal, else
 * (or with --batch) printed as plain text frames. Keys change the grouping,
 * the sort and the idle policy; -n N stops after N intervals, which is also
 * what makes it testable (as htop's -n).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "cli.h"
#include "textesc.h"
#include "tui.h"
#include "views.h"

void cmd_top_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat top [-i SEC] [-n COUNT] [--batch] [--group G] [--sort S]\n"
		"                     [--idle POLICY] [--tree | --per-cpu] [--filter TEXT]\n"
		"                     [--user USER] [--pid PID] [COMMON OPTIONS]\n\n"
		"Live view of the power each process (or group) draws: per interval, each\n"
		"energy domain's power, the host total split into tasks, idle and\n"
		"unattributed, the collector's coverage, and a table sorted by power.\n\n"
		"Options:\n"
		"  -i, --interval SEC  refresh interval (default 2, 0.05 to 3600; the first\n"
		"                      interval is at most 0.2, so a frame shows at once)\n"
		"  -n, --iterations N  stop after N intervals\n"
		"  -b, --batch         plain text frames (the default when standard output is\n"
		"                      not a terminal, or a terminal that cannot hold a screen)\n"
		"  --group G           process (default), thread, comm, cgroup, unit,\n"
		"                      container, vm (virtual machines on this host), user,\n"
		"                      pod, namespace\n"
		"  --sort S            power (default), energy (since first seen), cpu, key\n"
		"  --idle POLICY       separate (default), proportional, baseline\n"
		"  --tree              processes under their parents, with their subtree's power\n"
		"  --per-cpu           processes by CPU: each CPU's time and power, its total\n"
		"                      and coverage\n"
		"  --filter TEXT       only rows whose command (or name) contains TEXT\n"
		"  --user USER         only processes of USER (a name or a uid)\n"
		"  --pid PID           only process PID (with --tree: it and its descendants)\n\n"
		"Keys:\n");
	for (size_t i = 0; tui_keys_help[i]; i++)
		fprintf(out, "  %s\n", tui_keys_help[i]);
	fprintf(out, "\nColour follows the terminal; NO_COLOR (set, not empty) turns it off.\n\n");
	cli_common_help(out);
}

const struct option cmd_top_options[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "batch", no_argument, NULL, 'b' },
	{ "group", required_argument, NULL, 'g' },
	{ "sort", required_argument, NULL, 's' },
	{ "idle", required_argument, NULL, 'I' },
	{ "tree", no_argument, NULL, 't' },
	{ "per-cpu", no_argument, NULL, 'c' },
	{ "filter", required_argument, NULL, 'f' },
	{ "user", required_argument, NULL, 'u' },
	{ "pid", required_argument, NULL, 'p' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* Every grouping top can show; all are carried so that switching keeps their history. */
static const enum joulestat_group top_groups[] = {
	JOULESTAT_GROUP_PROCESS, JOULESTAT_GROUP_THREAD, JOULESTAT_GROUP_COMM,
	JOULESTAT_GROUP_CGROUP,	 JOULESTAT_GROUP_UNIT,	 JOULESTAT_GROUP_CONTAINER,
	JOULESTAT_GROUP_VM,	 JOULESTAT_GROUP_USER,
	/* Containers and Kubernetes. */
	JOULESTAT_GROUP_POD, JOULESTAT_GROUP_NAMESPACE,
};
#define NGROUPS (sizeof(top_groups) / sizeof(top_groups[0]))

/*
 * The first interval of a monitor, when -i is longer: a frame within about
 * half a second of starting (or of an idle policy change), rather than after a
 * whole interval of blank screen. Its header says so; the frames after it
 * follow -i.
 */
#define TOP_FIRST_INTERVAL_MS 200

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

struct top {
	const struct cli_common *common;
	struct joulestat *js;
	struct joulestat_snapshot *last;
	struct tui_view view;
	enum joulestat_idle_policy idle;
	uint64_t interval_ms;
	unsigned long iterations;	/* 0: forever */
	unsigned long frames;
	uint64_t first_due_ns;		/* CLOCK_MONOTONIC end of a short first interval; 0: none */
	char first_note[96];		/* what the first frame says about its interval */
	bool interactive;
	unsigned status_frames;		/* frames the status line stays for */
	/* A filter being typed (/, u, p): which, and the text so far. */
	int prompt_key;
	char input[TUI_FILTER_MAX];
	int width;			/* batch output width */
	int rc;
	struct carbon carbon;		/* --carbon-intensity: the host's emissions in the header */
	struct carbon_acc co2e;
	char carbon_line[640];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int open_monitor(struct top *t)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	uint32_t mask = 0;
	int r;

	for (size_t i = 0; i < NGROUPS; i++)
		mask |= 1u << top_groups[i];
	o.interval_ms = t->interval_ms;
	o.idle_policy = t->idle;
	o.groups = mask;
	r = cli_open_monitor_with(t->common, &o, &t->js);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	t->view.js = t->js;
	/* The monitor took its first reading: the first interval runs from now. */
	t->first_due_ns = 0;
	if (t->interval_ms > TOP_FIRST_INTERVAL_MS)
		t->first_due_ns = monotonic_ns() + TOP_FIRST_INTERVAL_MS * 1000000ULL;
	return 0;
}

static void show(struct top *t)
{
	if (t->interactive) {
		tui_draw(&t->view);
		return;
	}
	if (tui_print(stdout, &t->view, t->width) < 0 || fflush(stdout) != 0) {
		cli_error("top", "writing the output: %s", strerror(errno ? errno : EIO));
		t->rc = EXIT_RUNTIME;
	}
}

/*
 * The header's emissions line: the host's since top started and their rate
 * over the last interval, at the intensity of its hour, named with its origin.
 */
static void carbon_line(struct top *t, const struct joulestat_snapshot *snap)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct timespec rt;
	uint64_t now = monotonic_ns();
	char total[32], rate[32], what[512];
	double g, secs;

	if (!carbon_enabled(&t->carbon) || joulestat_snapshot_get(snap, &si) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	secs = (double)(si.end_ns - si.start_ns) / 1e9;
	g = carbon_acc_add(&t->co2e, &t->carbon, si.delta_uj,
			   (int64_t)rt.tv_sec - (int64_t)((now - si.end_ns / 2 - si.start_ns / 2) /
							  1000000000ULL));
	snprintf(t->carbon_line, sizeof(t->carbon_line), "CO2e %s since start, %s/h now, %s",
		 carbon_mass(t->co2e.grams, total, sizeof(total)),
		 carbon_mass(secs > 0 ? g * 3600 / secs : 0, rate, sizeof(rate)),
		 carbon_describe(&t->carbon, &t->co2e, what, sizeof(what)));
	t->view.carbon = t->carbon_line;
}

static int on_snapshot(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	struct top *t = userdata;

	joulestat_snapshot_free(t->last);
	t->last = joulestat_snapshot_ref(snap);
	t->view.snap = t->last;
	tui_note(&t->view);
	if (t->status_frames && --t->status_frames == 0)
		t->view.status = NULL;
	/* The short first interval's note lasts its frame; a key's status is not replaced. */
	if (t->view.status == t->first_note)
		t->view.status = NULL;
	if (t->first_due_ns && !t->view.status) {
		snprintf(t->first_note, sizeof(t->first_note),
			 "first interval shortened to %.2f s to show a frame at once; then every %.2f s",
			 TOP_FIRST_INTERVAL_MS / 1000.0, (double)t->interval_ms / 1000);
		t->view.status = t->first_note;
	}
	t->frames++;
	carbon_line(t, snap);
	show(t);
	return t->rc ? -EIO : 0;
}

/*
 * The short first interval is over: sample now, outside the monitor's
 * timer, which joulestat_fd() starts afterwards, so the next frames are a
 * whole interval apart from this one.
 */
static int first_frame(struct top *t)
{
	struct joulestat_snapshot *snap;
	int r;

	r = joulestat_sample(t->js, &snap);
	if (r < 0) {
		t->first_due_ns = 0;
		return r;
	}
	r = on_snapshot(t->js, snap, t);
	t->first_due_ns = 0;
	joulestat_snapshot_free(snap);
	return r;
}

static size_t group_index(enum joulestat_group g)
{
	for (size_t i = 0; i < NGROUPS; i++)
		if (top_groups[i] == g)
			return i;
	return 0;
}

/*
 * The host-total domain (split by CPU time) that has no static power, so
 * that the baseline policy cannot run, or NULL. The monitor's storage.
 */
static const char *lacks_static_power(struct joulestat *js)
{
	for (size_t i = 0; i < joulestat_domain_count(js); i++) {
		struct joulestat_domain_info di = { .sz = sizeof(di) };
		struct joulestat_static_info si = { .sz = sizeof(si) };

		if (joulestat_domain_get(js, i, &di) < 0 || !di.in_host_total ||
		    di.kind == JOULESTAT_DOMAIN_GPU || di.kind == JOULESTAT_DOMAIN_PROCESS ||
		    joulestat_static_get(js, i, &si) < 0)
			continue;
		if (si.origin == JOULESTAT_STATIC_NONE)
			return di.name;
	}
	return NULL;
}

/* The idle policy changes how the monitor splits energy: start it again with the new one. */
static int switch_policy(struct top *t)
{
	static char why[160];
	const char *lacking;

	t->idle = (enum joulestat_idle_policy)((t->idle + 1) % 3);
	/* Baseline without a static power would charge every task the whole host power: skip it. */
	lacking = t->idle == JOULESTAT_IDLE_BASELINE ? lacks_static_power(t->js) : NULL;
	if (lacking) {
		snprintf(why, sizeof(why),
			 "idle policy: separate (baseline needs the static power of %s: run "
			 "joulestat calibrate)",
			 lacking);
		t->idle = JOULESTAT_IDLE_SEPARATE;
	}
	joulestat_snapshot_free(t->last);
	t->last = NULL;
	t->view.snap = NULL;
	t->js = joulestat_free(t->js);
	t->rc = open_monitor(t);
	if (t->rc)
		return t->rc;
	t->view.status = lacking				? why :
			 t->idle == JOULESTAT_IDLE_SEPARATE     ? "idle policy: separate" :
			 t->idle == JOULESTAT_IDLE_PROPORTIONAL ? "idle policy: proportional" :
								  "idle policy: baseline";
	/* Long enough to be read: a skipped policy says why for a few frames. */
	t->status_frames = lacking ? 5 : 1;
	show(t);
	return 0;
}

/* Where a typed filter goes, and what its prompt says. */
static const char *prompt_of(int key)
{
	return key == '/' ? "filter by command: " : key == 'u' ? "filter by user (name or uid): " :
							       "filter by PID: ";
}

/* The text typed after /, u or p becomes the filter (empty clears it). */
static void apply_prompt(struct top *t)
{
	static char why[96];
	struct tui_view *v = &t->view;

	switch (t->prompt_key) {
	case '/':
		snprintf(v->filter, sizeof(v->filter), "%s", t->input);
		break;
	case 'u':
		snprintf(v->user, sizeof(v->user), "%s", t->input);
		break;
	default: {
		char *end;
		long pid;

		errno = 0;
		pid = t->input[0] ? strtol(t->input, &end, 10) : 0;
		if (t->input[0] && (errno || *end || pid <= 0 || pid > 4194304)) {
			snprintf(why, sizeof(why), "p: '%.32s' is not a PID (1 to 4194304)", t->input);
			v->status = why;
			t->status_frames = 3;
			break;
		}
		v->pid = (int)pid;
		break;
	}
	}
	v->scroll = 0;
}

/* A key typed into the prompt. */
static void prompt_key(struct top *t, int ch)
{
	size_t len = strlen(t->input);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		apply_prompt(t);
	} else if (ch == 27) { /* Esc: the filter stays as it was */
	} else {
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len)
			t->input[len - 1] = '\0';
		else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(t->input))
			t->input[len] = (char)ch, t->input[len + 1] = '\0';
		return;
	}
	t->prompt_key = 0;
	t->view.prompt = NULL;
	t->view.input = NULL;
}

static void start_prompt(struct top *t, int key)
{
	const char *now = key == '/' ? t->view.filter : key == 'u' ? t->view.user : "";

	t->prompt_key = key;
	if (key == 'p' && t->view.pid > 0)
		snprintf(t->input, sizeof(t->input), "%d", t->view.pid);
	else
		snprintf(t->input, sizeof(t->input), "%s", now);
	t->view.prompt = prompt_of(key);
	t->view.input = t->input;
}

/* t and c: the tree and per-CPU views show processes; the grouping goes back to it. */
static void toggle_mode(struct top *t, enum tui_mode m)
{
	struct tui_view *v = &t->view;

	v->mode = v->mode == m ? TUI_MODE_TABLE : m;
	if (v->mode != TUI_MODE_TABLE)
		v->group = JOULESTAT_GROUP_PROCESS;
	v->scroll = 0;
}

static void set_sort(struct tui_view *v, enum tui_sort s)
{
	v->sort = s;
	v->scroll = 0;
}

/* Keys waiting on the terminal. Returns 1 to quit, 0 to go on, or an exit code < 0. */
static int handle_keys(struct top *t)
{
	struct tui_view *v = &t->view;
	size_t page;
	int ch;

	while ((ch = getch()) != ERR) {
		page = v->page ? v->page : 1;
		if (t->prompt_key) {
			prompt_key(t, ch);
			show(t);
			continue;
		}
		/* The help screen: any key returns (q too, without quitting). */
		if (v->help && ch != KEY_RESIZE) {
			v->help = false;
			show(t);
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			return 1;
		case '?':
		case 'h':
			v->help = true;
			break;
		case '/':
		case 'u':
		case 'p':
			start_prompt(t, ch);
			break;
		case 'g':
			v->mode = TUI_MODE_TABLE;
			v->group = top_groups[(group_index(v->group) + 1) % NGROUPS];
			v->scroll = 0;
			break;
		case 'G':
			v->mode = TUI_MODE_TABLE;
			v->group = top_groups[(group_index(v->group) + NGROUPS - 1) % NGROUPS];
			v->scroll = 0;
			break;
		case 's':
		case '>':
			set_sort(v, (enum tui_sort)((v->sort + 1) % TUI_SORT_COUNT));
			break;
		case '<':
			set_sort(v, (enum tui_sort)((v->sort + TUI_SORT_COUNT - 1) % TUI_SORT_COUNT));
			break;
		case 'P':
			set_sort(v, TUI_SORT_POWER);
			break;
		case 'E':
			set_sort(v, TUI_SORT_ENERGY);
			break;
		case 'C':
			set_sort(v, TUI_SORT_CPU);
			break;
		case 'N':
			set_sort(v, TUI_SORT_KEY);
			break;
		case 't':
			toggle_mode(t, TUI_MODE_TREE);
			break;
		case 'c':
			toggle_mode(t, TUI_MODE_PERCPU);
			break;
		case KEY_UP:
			v->scroll = v->scroll ? v->scroll - 1 : 0;
			break;
		case KEY_DOWN:
			v->scroll++; /* clamped by the layout */
			break;
		case KEY_PPAGE:
			v->scroll = v->scroll > page ? v->scroll - page : 0;
			break;
		case KEY_NPAGE:
		case ' ':
			v->scroll += page;
			break;
		case KEY_HOME:
			v->scroll = 0;
			break;
		case KEY_END:
			v->scroll = SIZE_MAX / 2;
			break;
		case KEY_LEFT:
			v->cpu_first = v->cpu_first > v->cpu_cols ? v->cpu_first - v->cpu_cols : 0;
			break;
		case KEY_RIGHT:
			v->cpu_first += v->cpu_cols ? v->cpu_cols : 1;
			break;
		case 'i':
			if (switch_policy(t))
				return -t->rc;
			continue;
		case KEY_RESIZE:
		default:
			break;
		}
		show(t);
	}
	return 0;
}

/*
 * Wait out the short first interval (keys still work), then show its frame.
 * Returns 0 to go on, 1 to quit, or an exit code < 0.
 */
static int first_interval(struct top *t)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t now = monotonic_ns();
	int r, n;

	if (now < t->first_due_ns) {
		n = poll(&pfd, t->interactive ? 1 : 0,
			 (int)((t->first_due_ns - now + 999999) / 1000000));
		if (n < 0 && errno != EINTR) {
			cli_error("top", "poll: %s", strerror(errno));
			return -EXIT_RUNTIME;
		}
		if (t->interactive) {
			r = handle_keys(t);
			if (r)
				return r;
		}
		return 0;
	}
	r = first_frame(t);
	if (t->rc)
		return -t->rc;
	if (r < 0) {
		cli_error("top", "sampling failed: %s", strerror(-r));
		return -EXIT_RUNTIME;
	}
	return 0;
}

static int top_loop(struct top *t)
{
	struct pollfd pfd[2];
	int r, n, fd;

	for (;;) {
		if (stop_signal || (t->iterations && t->frames >= t->iterations))
			return 0;
		if (t->first_due_ns) {
			r = first_interval(t);
			if (r)
				return r > 0 ? 0 : -r;
			continue;
		}
		fd = joulestat_fd(t->js);
		if (fd < 0) {
			cli_error("top", "cannot start the interval timer: %s", strerror(-fd));
			return EXIT_RUNTIME;
		}
		pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		n = poll(pfd, t->interactive ? 2 : 1, -1);
		if (n < 0 && errno != EINTR) {
			cli_error("top", "poll: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		/* A resize interrupts poll(); ncurses turns it into KEY_RESIZE. */
		if (t->interactive) {
			struct joulestat *before = t->js;

			r = handle_keys(t);
			if (r > 0)
				return 0;
			if (r < 0)
				return -r;
			/* i started a new monitor: the timer that fired was the old one's. */
			if (t->js != before)
				continue;
		}
		if (n <= 0 || !(pfd[0].revents & POLLIN))
			continue;
		r = joulestat_dispatch(t->js, on_snapshot, t);
		if (t->rc)
			return t->rc;
		if (r < 0) {
			cli_error("top", "sampling failed: %s", strerror(-r));
			return EXIT_RUNTIME;
		}
	}
}

static int terminal_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (cols && atoi(cols) >= 40)
		return atoi(cols);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 120;
}

int cmd_top(int argc, char **argv, struct cli_common *common)
{
	struct top t = { .common = common, .idle = JOULESTAT_IDLE_SEPARATE, .interval_ms = 2000 };
	struct sigaction sa = { .sa_handler = on_stop };
	bool batch = false, group_given = false;
	const char *no_colour = getenv("NO_COLOR");
	double interval_s;
	int opt, r;

	t.view.group = JOULESTAT_GROUP_PROCESS;
	t.view.sort = TUI_SORT_POWER;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:n:bv", cmd_top_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'i':
			r = cli_seconds_option("top", "-i", optarg, 0.05, 3600, &interval_s);
			if (r)
				return r;
			t.interval_ms = (uint64_t)llround(interval_s * 1000);
			break;
		case 'n': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v == 0 ||
			    v > 1000000000UL) {
				cli_error("top", "-n: '%s' is not a count of intervals from 1 to "
						 "1000000000",
					  optarg);
				return EXIT_USAGE;
			}
			t.iterations = v;
			break;
		}
		case 'b':
			batch = true;
			break;
		case 'g':
			if (joulestat_group_from_name(optarg, &t.view.group) < 0 ||
			    t.view.group == JOULESTAT_GROUP_TREE) {
				cli_error("top", "--group: '%s' is not one of process, thread, comm, "
						 "cgroup, unit, container, vm, user, pod, namespace",
					  optarg);
				return EXIT_USAGE;
			}
			group_given = true;
			break;
		case 's':
			if (tui_sort_from_name(optarg, &t.view.sort) < 0) {
				cli_error("top", "--sort: '%s' is not one of power, energy, cpu, key",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'I':
			r = cli_idle_option("top", optarg, &t.idle);
			if (r)
				return r;
			break;
		case 't':
		case 'c':
			if (t.view.mode != TUI_MODE_TABLE &&
			    t.view.mode != (opt == 't' ? TUI_MODE_TREE : TUI_MODE_PERCPU)) {
				cli_error("top", "--tree and --per-cpu are two views: choose one");
				return EXIT_USAGE;
			}
			t.view.mode = opt == 't' ? TUI_MODE_TREE : TUI_MODE_PERCPU;
			break;
		case 'f':
		case 'u':
			if (strlen(optarg) >= TUI_FILTER_MAX) {
				cli_error("top", "%s: at most %d bytes", opt == 'f' ? "--filter" : "--user",
					  TUI_FILTER_MAX - 1);
				return EXIT_USAGE;
			}
			snprintf(opt == 'f' ? t.view.filter : t.view.user, TUI_FILTER_MAX, "%s", optarg);
			break;
		case 'p': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v <= 0 || v > 4194304) {
				cli_error("top", "--pid: '%s' is not a process id (1 to 4194304)", optarg);
				return EXIT_USAGE;
			}
			t.view.pid = (int)v;
			break;
		}
		default:
			return cli_usage_error("top");
		}
	}
	if (optind < argc) {
		cli_error("top", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("top");
	}
	if (t.view.mode != TUI_MODE_TABLE && group_given && t.view.group != JOULESTAT_GROUP_PROCESS) {
		cli_error("top", "%s shows processes: it cannot be used with --group %s",
			  t.view.mode == TUI_MODE_TREE ? "--tree" : "--per-cpu",
			  joulestat_group_name(t.view.group));
		return EXIT_USAGE;
	}
	t.view.procfs_root = common->procfs_root;
	t.interactive = !batch && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	t.width = terminal_width();
	carbon_acc_init(&t.co2e);
	r = cli_carbon(common, "top", &t.carbon);
	if (r)
		return r;
	r = open_monitor(&t);
	if (r) {
		carbon_done(&t.carbon);
		return r;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* NO_COLOR: https://no-color.org, set and not empty. */
	if (t.interactive && tui_start(!(no_colour && no_colour[0])) < 0) {
		/* TERM=dumb or unknown: no screen to draw, the frames are printed instead. */
		char term[TEXTESC_SIZE(64)];

		text_esc(getenv("TERM") ? getenv("TERM") : "", term, sizeof(term));
		fprintf(stderr, "joulestat top: the terminal (TERM=%s) cannot hold a screen: "
				"printing plain frames, as --batch\n",
			term);
		t.interactive = false;
	}
	if (t.interactive)
		tui_draw(&t.view);
	r = top_loop(&t);
	tui_stop();
	joulestat_snapshot_free(t.last);
	joulestat_free(t.js);
	carbon_done(&t.carbon);
	return r;
}
