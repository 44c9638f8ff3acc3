/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_run.c - `joulestat run [-r N] [-o FILE] -- CMD ARGS`: run a command,
 * like perf stat, and report the energy of its whole process tree (children
 * and short-lived grandchildren included), its wall and CPU time and its
 * average power; with -r, mean and standard deviation over the runs; -o
 * writes the numbers as JSON (docs/FORMAT.md); -x SEP prints them as perf
 * stat -x does, one line per counter; with a carbon intensity, the
 * emissions too. Exits with CMD's status.
 *
 * The child is forked stopped on a pipe, made the root of a followed tree,
 * and only then released to exec, so nothing it does escapes the tree. This
 * process is a child subreaper: descendants orphaned during the run are
 * reparented here, so their CPU time reaches RUSAGE_CHILDREN too.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jsonw.h"
#include "outfile.h"
#include "textesc.h"

#define RUN_MAX_REPEAT 100000
#define RUN_MAX_DOMAINS 64
#define RUN_NAME_MAX 48

struct run_domain {
	char name[RUN_NAME_MAX];
	uint64_t energy_uj;
	bool estimated;
	bool in_host_total;
};

/* One run of the command. */
struct run_result {
	int root_pid;
	uint64_t wall_ns;
	uint64_t user_ns, sys_ns;	/* rusage of the tree, reaped descendants included */
	uint64_t tree_cpu_ns;		/* the collector's count for the tree */
	uint64_t energy_uj;		/* the tree, over the host domains */
	uint64_t host_energy_uj;	/* the whole machine over the run */
	uint64_t snapshots;
	bool estimated;
	double captured;		/* lowest over the run */
	bool syscalls_counted;		/* --syscalls with eBPF: syscalls holds the tree's */
	uint64_t syscalls;
	int status;			/* wait status */
	char vm[128];			/* the VM the command runs (a hypervisor), "" none */
	size_t ndomains;
	struct run_domain dom[RUN_MAX_DOMAINS];
	/* Under the baseline policy: the static power in force, and where it comes from. */
	uint64_t static_mw;
	char static_from[256];
	/* Emissions of the tree and of the machine (a carbon intensity given); borrowed. */
	const struct carbon *carbon;
	struct carbon_acc co2e_tree, co2e_host;
};

struct run_opts {
	unsigned repeat;
	const char *output;
	const char *csv_sep;		/* -x SEP: perf stat's CSV on stderr instead of the text */
	uint64_t interval_ms;
	enum joulestat_idle_policy policy;
};

void cmd_run_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat run [-r N] [-o FILE] [-x SEP] [--idle POLICY] [-i SEC]\n"
		"                     [COMMON OPTIONS] -- CMD [ARGS...]\n\n"
		"Run CMD and report, like perf stat, the energy of its whole process tree\n"
		"(children and short-lived descendants included) per energy domain and in\n"
		"total, its average power, wall time and CPU time. The report goes to stderr;\n"
		"joulestat exits with CMD's exit status (128+N when a signal N ended it).\n\n"
		"Options:\n"
		"  -r, --repeat N      run CMD N times and show mean and standard deviation\n"
		"                      (1 to %d; default 1)\n"
		"  -o, --output FILE   also write the numbers as JSON (docs/FORMAT.md; '-':\n"
		"                      standard output)\n"
		"  -x, --field-separator SEP\n"
		"                      print the report as perf stat -x does: one line per\n"
		"                      counter, value SEP unit SEP event SEP ... (docs/FORMAT.md)\n"
		"  --idle POLICY       separate (default: the tree gets its CPU time's share,\n"
		"                      idle energy is not its), proportional or baseline\n"
		"  -i, --interval SEC  how often counters are read during the run (default 1,\n"
		"                      0.01 to 60); reads are also taken at start and end\n"
		"  --profile           profile CMD instead: its bottleneck, with evidence and\n"
		"                      recommendations ('joulestat profile --help'; takes -i,\n"
		"                      -o FILE for JSON, --html FILE, -q)\n\n",
		RUN_MAX_REPEAT);
	cli_common_help(out);
}

const struct option cmd_run_options[] = {
	{ "repeat", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "field-separator", required_argument, NULL, 'x' },
	{ "idle", required_argument, NULL, 0x2001 },
	{ "interval", required_argument, NULL, 'i' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

/* The Unix time (s) of a CLOCK_MONOTONIC instant, for the carbon intensity's hour. */
static int64_t unix_s_of(uint64_t mono)
{
	struct timespec rt;
	uint64_t now = mono_ns();

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec - (int64_t)(now > mono ? (now - mono) / 1000000000ULL : 0);
}

static struct run_domain *domain_slot(struct run_result *res, const char *name)
{
	for (size_t i = 0; i < res->ndomains; i++)
		if (strcmp(res->dom[i].name, name) == 0)
			return &res->dom[i];
	if (res->ndomains == RUN_MAX_DOMAINS)
		return NULL;
	snprintf(res->dom[res->ndomains].name, RUN_NAME_MAX, "%s", name);
	return &res->dom[res->ndomains++];
}

/* Add one snapshot's share of the tree rooted at res->root_pid. */
static int accumulate(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	struct run_result *res = userdata;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_row row = { .sz = sizeof(row) }, best = { .sz = sizeof(best) };
	bool found = false;
	int n;

	if (joulestat_snapshot_get(snap, &info) < 0)
		return 0;
	res->snapshots++;
	res->host_energy_uj += info.delta_uj;
	res->estimated |= info.estimated;
	res->captured = res->snapshots == 1 ? info.captured : fmin(res->captured, info.captured);
	res->syscalls_counted |= info.syscalls_counted;
	res->static_mw = info.static_mw;
	snprintf(res->static_from, sizeof(res->static_from), "%s",
		 info.static_from ? info.static_from : "");
	n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_TREE);
	for (int i = 0; i < n; i++) {
		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_TREE, (size_t)i, &row) < 0 ||
		    row.pid != res->root_pid)
			continue;
		/* A reused PID across runs: the newest root is this run's. */
		if (!found || row.start_ns > best.start_ns)
			best = row;
		found = true;
	}
	for (size_t d = 0; d < info.ndomains; d++) {
		struct joulestat_snapshot_domain dom = { .sz = sizeof(dom) };
		struct run_domain *rd;

		if (joulestat_snapshot_domain_get(snap, d, &dom) < 0)
			continue;
		rd = domain_slot(res, dom.name);
		if (!rd)
			continue;
		rd->estimated |= dom.estimated;
		rd->in_host_total |= dom.in_host_total;
		if (found && d < best.ndomains)
			rd->energy_uj += best.domain_energy_uj[d];
	}
	if (found) {
		res->energy_uj += best.energy_uj;
		res->tree_cpu_ns += best.cpu_ns;
		res->syscalls += best.syscalls;
		res->estimated |= best.estimated;
		if (best.vm && best.vm[0])
			snprintf(res->vm, sizeof(res->vm), "%s", best.vm);
	}
	if (carbon_enabled(res->carbon)) {
		int64_t t = unix_s_of(info.start_ns / 2 + info.end_ns / 2);

		carbon_acc_add(&res->co2e_host, res->carbon, info.delta_uj, t);
		if (found)
			carbon_acc_add(&res->co2e_tree, res->carbon, best.energy_uj, t);
	}
	return 0;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Wait for `pid` to exit, sampling on every timer tick meanwhile, and leave
 * it a zombie (WNOWAIT): until it is reaped its /proc files still hold its
 * final CPU time, which the /proc collector reads in the last sample.
 * Returns 0 or -errno.
 */
static int wait_sampling(struct joulestat *js, pid_t pid, struct run_result *res)
{
	int tfd = joulestat_fd(js), pfd = pidfd_open_(pid);
	int r = 0;

	if (tfd < 0) {
		if (pfd >= 0)
			close(pfd);
		return tfd;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = tfd, .events = POLLIN }, { .fd = pfd, .events = POLLIN } };
		siginfo_t si;

		/* Without pidfds (kernel < 5.3), look for the child every 20 ms. */
		if (poll(p, pfd >= 0 ? 2 : 1, pfd >= 0 ? -1 : 20) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (p[0].revents & POLLIN) {
			r = joulestat_dispatch(js, accumulate, res);
			if (r < 0)
				cli_error("run", "sampling failed: %s", strerror(-r));
		}
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (si.si_pid == pid) {
			r = 0;
			break;
		}
	}
	if (pfd >= 0)
		close(pfd);
	return r;
}

/*
 * Wait, a bounded time (2 s), until the child sleeps in its read of the go
 * pipe: /proc/PID/stat's state neither R nor D (nothing else it does first
 * sleeps interruptibly; a child that died or stopped is not waited for).
 * What it does first (restoring two signals, closing two pipe ends, the
 * read) then falls in the interval the fresh sample discards every time,
 * not in the command's first interval whenever the child was slow to get
 * there: with --syscalls, those five calls made the count vary between runs.
 */
static void wait_parked(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 2000; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		const char *p;

		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return;
		buf[n] = '\0';
		/* The state follows the comm, which may hold any byte but ends at the last ')'. */
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || (p[2] != 'R' && p[2] != 'D'))
			return;
		(void)poll(NULL, 0, 1);
	}
}

/* Orphaned descendants reparented to us that already ended: reap them, never block. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int run_once(struct joulestat *js, char **cmd, const struct carbon *carbon,
		    struct run_result *res)
{
	struct joulestat_snapshot *snap;
	struct rusage ru0, ru1;
	int go[2], errp[2], status = 0, child_err = 0, r;
	uint64_t t0;
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->carbon = carbon;
	carbon_acc_init(&res->co2e_tree);
	carbon_acc_init(&res->co2e_host);
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return r;
	}
	getrusage(RUSAGE_CHILDREN, &ru0);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		close(errp[0]);
		close(errp[1]);
		return r;
	}
	if (pid == 0) {
		char c;

		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		close(go[1]);
		close(errp[0]);
		/* Held here until the parent follows our tree. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(cmd[0], cmd);
		child_err = errno;
		(void)!write(errp[1], &child_err, sizeof(child_err));
		_exit(child_err == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(errp[1]);
	res->root_pid = pid;
	r = joulestat_tree_add(js, pid);
	if (r < 0) {
		cli_error("run", "cannot follow process %d: %s", pid, strerror(-r));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(go[1]);
		close(errp[0]);
		return r;
	}
	/* Start a fresh interval: what ran before the command is not its. */
	wait_parked(pid);
	if (joulestat_sample(js, &snap) == 0)
		joulestat_snapshot_free(snap);
	t0 = mono_ns();
	(void)!write(go[1], "g", 1);
	close(go[1]);
	n = read(errp[0], &child_err, sizeof(child_err));
	close(errp[0]);
	if (n == (ssize_t)sizeof(child_err))
		cli_error("run", "cannot run '%s': %s", cmd[0], strerror(child_err));

	r = wait_sampling(js, pid, res);
	res->wall_ns = mono_ns() - t0;
	/* The last interval, up to the command's end, before the zombies are reaped. */
	if (joulestat_sample(js, &snap) == 0) {
		accumulate(js, snap, res);
		joulestat_snapshot_free(snap);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	reap_orphans();
	getrusage(RUSAGE_CHILDREN, &ru1);
	res->user_ns = tv_ns(&ru1.ru_utime) - tv_ns(&ru0.ru_utime);
	res->sys_ns = tv_ns(&ru1.ru_stime) - tv_ns(&ru0.ru_stime);
	res->status = status;
	if (n == (ssize_t)sizeof(child_err))
		return -child_err;
	return r;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUNTIME;
}

struct stat_acc {
	double sum, sumsq;
	unsigned n;
};

static void acc_add(struct stat_acc *a, double v)
{
	a->sum += v;
	a->sumsq += v * v;
	a->n++;
}

static double acc_mean(const struct stat_acc *a)
{
	return a->n ? a->sum / a->n : NAN;
}

/* Sample standard deviation (n - 1); 0 for one run. */
static double acc_stddev(const struct stat_acc *a)
{
	double m, v;

	if (a->n < 2)
		return 0;
	m = a->sum / a->n;
	v = (a->sumsq - a->n * m * m) / (a->n - 1);
	return v > 0 ? sqrt(v) : 0;
}

struct summary {
	struct stat_acc wall_s, cpu_s, energy_j, power_w, host_j, syscalls;
	struct stat_acc co2e_g, host_co2e_g;	/* with a carbon intensity */
	struct carbon_acc co2e;			/* every run's tree: the intensities it rests on */
	bool syscalls_counted;
	size_t ndomains;
	char names[RUN_MAX_DOMAINS][RUN_NAME_MAX];
	bool in_total[RUN_MAX_DOMAINS];
	struct stat_acc dom_j[RUN_MAX_DOMAINS];
	bool estimated;
	double captured;
};

static void summarise(const struct run_result *runs, unsigned n, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->captured = 1.0;
	carbon_acc_init(&s->co2e);
	for (unsigned i = 0; i < n; i++) {
		const struct run_result *r = &runs[i];
		double wall = (double)r->wall_ns / 1e9;

		acc_add(&s->wall_s, wall);
		acc_add(&s->cpu_s, (double)(r->user_ns + r->sys_ns) / 1e9);
		acc_add(&s->energy_j, (double)r->energy_uj / 1e6);
		acc_add(&s->power_w, wall > 0 ? (double)r->energy_uj / 1e6 / wall : 0);
		acc_add(&s->host_j, (double)r->host_energy_uj / 1e6);
		acc_add(&s->syscalls, (double)r->syscalls);
		acc_add(&s->co2e_g, r->co2e_tree.grams);
		acc_add(&s->host_co2e_g, r->co2e_host.grams);
		s->co2e.grams += r->co2e_tree.grams;
		s->co2e.covered_uj += r->co2e_tree.covered_uj;
		s->co2e.uncovered_uj += r->co2e_tree.uncovered_uj;
		s->co2e.from_series |= r->co2e_tree.from_series;
		s->co2e.from_fixed |= r->co2e_tree.from_fixed;
		if (!isnan(r->co2e_tree.min_g_per_kwh)) {
			s->co2e.min_g_per_kwh = isnan(s->co2e.min_g_per_kwh)
							? r->co2e_tree.min_g_per_kwh
							: fmin(s->co2e.min_g_per_kwh,
							       r->co2e_tree.min_g_per_kwh);
			s->co2e.max_g_per_kwh = isnan(s->co2e.max_g_per_kwh)
							? r->co2e_tree.max_g_per_kwh
							: fmax(s->co2e.max_g_per_kwh,
							       r->co2e_tree.max_g_per_kwh);
		}
		s->syscalls_counted |= r->syscalls_counted;
		s->estimated |= r->estimated;
		s->captured = fmin(s->captured, r->captured);
		for (size_t d = 0; d < r->ndomains; d++) {
			size_t k;

			for (k = 0; k < s->ndomains; k++)
				if (strcmp(s->names[k], r->dom[d].name) == 0)
					break;
			if (k == s->ndomains) {
				if (k == RUN_MAX_DOMAINS)
					continue;
				snprintf(s->names[k], RUN_NAME_MAX, "%s", r->dom[d].name);
				s->ndomains++;
			}
			s->in_total[k] |= r->dom[d].in_host_total;
			acc_add(&s->dom_j[k], (double)r->dom[d].energy_uj / 1e6);
		}
	}
}

static void print_line(FILE *f, const struct stat_acc *a, unsigned n, const char *unit,
		       const char *what)
{
	double m = acc_mean(a), sd = acc_stddev(a);
	int prec = unit[0] ? 6 : n > 1 ? 1 : 0; /* counts are whole, their mean need not be */

	fprintf(f, " %16.*f %-2s %-22s", prec, m, unit, what);
	if (n > 1)
		fprintf(f, " ( +- %.*f%s%s, %.2f%% )", prec, sd, unit[0] ? " " : "", unit,
			m != 0 ? 100.0 * sd / fabs(m) : 0.0);
	fputc('\n', f);
}

static void print_text(FILE *f, char **cmd, const struct run_result *runs, unsigned n,
		       const struct summary *s, const char *policy, const char *collector,
		       const char *sources, const char *via, const struct carbon *carbon)
{
	char name[TEXTESC_SIZE(RUN_NAME_MAX)], e[32];

	/* The command line and the domain names, escaped for the terminal. */
	fprintf(f, "\n Energy of '");
	for (char **a = cmd; *a; a++) {
		fputs(a == cmd ? "" : " ", f);
		text_esc_write(f, *a);
	}
	fprintf(f, "'");
	if (n > 1)
		fprintf(f, " (%u runs)", n);
	fprintf(f, ":\n\n");
	for (size_t d = 0; d < s->ndomains; d++)
		print_line(f, &s->dom_j[d], n, "J", text_esc(s->names[d], name, sizeof(name)));
	print_line(f, &s->energy_j, n, "J", "total (host domains)");
	/* Large energies read better in the unit of an electricity bill. */
	if (acc_mean(&s->energy_j) * 1e6 >= 36e9)
		fprintf(f, " %16s %-2s %s\n", "", "",
			carbon_energy((uint64_t)llround(acc_mean(&s->energy_j) * 1e6), e, sizeof(e)));
	if (carbon_enabled(carbon))
		print_line(f, &s->co2e_g, n, "g", "CO2e emitted");
	print_line(f, &s->power_w, n, "W", "average power");
	print_line(f, &s->cpu_s, n, "s", "CPU time");
	print_line(f, &s->wall_s, n, "s", "wall time");
	if (s->syscalls_counted)
		print_line(f, &s->syscalls, n, "", "syscalls");
	print_line(f, &s->host_j, n, "J", "machine energy meanwhile");
	if (carbon_enabled(carbon)) {
		char what[512];

		print_line(f, &s->host_co2e_g, n, "g", "machine CO2e meanwhile");
		/* The intensity and where it came from: an option, a config line, a file. */
		fputs("\n carbon ", f);
		text_esc_write(f, carbon_describe(carbon, &s->co2e, what, sizeof(what)));
	}
	if (n && runs[n - 1].vm[0])
		fprintf(f, "\n the command runs virtual machine '%s': the total is its energy "
			   "(docs/VMS.md)", runs[n - 1].vm);
	fprintf(f, "\n idle policy %s, activity %s, sources %s%s%s%s", policy, collector, sources,
		via[0] ? ", " : "", via, s->estimated ? " - ESTIMATED by a model, not measured" : "");
	if (n && runs[n - 1].static_from[0])
		fprintf(f, "\n static power %.3f W from %s (the idle row)",
			(double)runs[n - 1].static_mw / 1e3, runs[n - 1].static_from);
	if (s->captured < 0.995)
		fprintf(f, "\n note: the %s collector named only %.1f%% of busy CPU time "
			   "(tasks shorter than a scan are missed)", collector, 100.0 * s->captured);
	fprintf(f, "\n\n");
}

static void json_stat(struct jsonw *w, const char *key, const struct stat_acc *a)
{
	jsonw_key(w, key);
	jsonw_begin_object(w);
	jsonw_key(w, "mean");
	jsonw_double(w, acc_mean(a));
	jsonw_key(w, "stddev");
	jsonw_double(w, acc_stddev(a));
	jsonw_end_object(w);
}

/* The intensity behind the emissions, and where it came from (docs/FORMAT.md). */
static void json_carbon(struct jsonw *w, const struct carbon *c, const struct carbon_acc *a)
{
	jsonw_key(w, "carbon");
	if (!carbon_enabled(c)) {
		jsonw_null(w);
		return;
	}
	jsonw_begin_object(w);
	jsonw_key(w, "intensity_g_per_kwh");
	if (!isnan(c->fixed_g_per_kwh))
		jsonw_double(w, c->fixed_g_per_kwh);
	else
		jsonw_null(w);
	jsonw_key(w, "origin");
	jsonw_string(w, carbon_origin_name(c->fixed_origin));
	jsonw_key(w, "from");
	if (!isnan(c->fixed_g_per_kwh))
		jsonw_string(w, c->fixed_from);
	else
		jsonw_null(w);
	jsonw_key(w, "file");
	if (c->series.nrows)
		jsonw_string(w, c->series_from);
	else
		jsonw_null(w);
	jsonw_key(w, "min_g_per_kwh");
	jsonw_double(w, a->min_g_per_kwh);
	jsonw_key(w, "max_g_per_kwh");
	jsonw_double(w, a->max_g_per_kwh);
	jsonw_key(w, "uncovered_uj");
	jsonw_u64(w, a->uncovered_uj);
	jsonw_end_object(w);
}

static int write_json(const char *path, char **cmd, const struct run_result *runs, unsigned n,
		      const struct summary *s, const char *policy, const char *collector,
		      const char *sources, const char *daemon, int exit_code,
		      const struct carbon *carbon)
{
	static const struct outfile_opts oo = { .kind = OUTFILE_REPLACE };
	struct outfile out;
	struct jsonw w;
	FILE *f;

	if (outfile_open(path, &oo, &out) < 0) {
		cli_error("run", "-o: %s", out.err);
		return -1;
	}
	f = out.f;
	jsonw_init(&w, f, true);
	jsonw_begin_object(&w);
	jsonw_key(&w, "format");
	jsonw_string(&w, "joulestat-run");
	jsonw_key(&w, "version");
	jsonw_u64(&w, 1);
	jsonw_key(&w, "joulestat");
	jsonw_string(&w, joulestat_version());
	jsonw_key(&w, "command");
	jsonw_begin_array(&w);
	for (char **a = cmd; *a; a++)
		jsonw_string(&w, *a);
	jsonw_end_array(&w);
	jsonw_key(&w, "idle_policy");
	jsonw_string(&w, policy);
	if (n && runs[n - 1].static_from[0]) {
		jsonw_key(&w, "static_mw");
		jsonw_u64(&w, runs[n - 1].static_mw);
		jsonw_key(&w, "static_from");
		jsonw_string(&w, runs[n - 1].static_from);
	}
	jsonw_key(&w, "collector");
	jsonw_string(&w, collector);
	jsonw_key(&w, "sources");
	jsonw_string(&w, sources);
	if (daemon) {
		jsonw_key(&w, "daemon");
		jsonw_string(&w, daemon);
	}
	jsonw_key(&w, "estimated");
	jsonw_bool(&w, s->estimated);
	jsonw_key(&w, "captured");
	jsonw_double(&w, s->captured);
	jsonw_key(&w, "exit_code");
	jsonw_i64(&w, exit_code);
	json_carbon(&w, carbon, &s->co2e);
	jsonw_key(&w, "runs");
	jsonw_begin_array(&w);
	for (unsigned i = 0; i < n; i++) {
		const struct run_result *r = &runs[i];

		jsonw_begin_object(&w);
		jsonw_key(&w, "exit_code");
		jsonw_i64(&w, exit_code_of(r->status));
		jsonw_key(&w, "wall_ns");
		jsonw_u64(&w, r->wall_ns);
		jsonw_key(&w, "user_ns");
		jsonw_u64(&w, r->user_ns);
		jsonw_key(&w, "sys_ns");
		jsonw_u64(&w, r->sys_ns);
		jsonw_key(&w, "tree_cpu_ns");
		jsonw_u64(&w, r->tree_cpu_ns);
		jsonw_key(&w, "energy_uj");
		jsonw_u64(&w, r->energy_uj);
		jsonw_key(&w, "power_w");
		jsonw_double(&w, r->wall_ns ? (double)r->energy_uj * 1e3 / (double)r->wall_ns : 0);
		jsonw_key(&w, "host_energy_uj");
		jsonw_u64(&w, r->host_energy_uj);
		jsonw_key(&w, "co2e_g");
		if (carbon_enabled(carbon))
			jsonw_double(&w, r->co2e_tree.grams);
		else
			jsonw_null(&w);
		jsonw_key(&w, "host_co2e_g");
		if (carbon_enabled(carbon))
			jsonw_double(&w, r->co2e_host.grams);
		else
			jsonw_null(&w);
		jsonw_key(&w, "snapshots");
		jsonw_u64(&w, r->snapshots);
		jsonw_key(&w, "estimated");
		jsonw_bool(&w, r->estimated);
		jsonw_key(&w, "syscalls");
		if (r->syscalls_counted)
			jsonw_u64(&w, r->syscalls);
		else
			jsonw_null(&w);
		jsonw_key(&w, "vm");
		if (r->vm[0])
			jsonw_string(&w, r->vm);
		else
			jsonw_null(&w);
		jsonw_key(&w, "domains");
		jsonw_begin_array(&w);
		for (size_t d = 0; d < r->ndomains; d++) {
			jsonw_begin_object(&w);
			jsonw_key(&w, "name");
			jsonw_string(&w, r->dom[d].name);
			jsonw_key(&w, "energy_uj");
			jsonw_u64(&w, r->dom[d].energy_uj);
			jsonw_key(&w, "in_host_total");
			jsonw_bool(&w, r->dom[d].in_host_total);
			jsonw_key(&w, "estimated");
			jsonw_bool(&w, r->dom[d].estimated);
			jsonw_end_object(&w);
		}
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_key(&w, "summary");
	jsonw_begin_object(&w);
	jsonw_key(&w, "runs");
	jsonw_u64(&w, n);
	json_stat(&w, "energy_j", &s->energy_j);
	json_stat(&w, "power_w", &s->power_w);
	json_stat(&w, "cpu_s", &s->cpu_s);
	json_stat(&w, "wall_s", &s->wall_s);
	json_stat(&w, "host_energy_j", &s->host_j);
	if (carbon_enabled(carbon)) {
		json_stat(&w, "co2e_g", &s->co2e_g);
		json_stat(&w, "host_co2e_g", &s->host_co2e_g);
	} else {
		jsonw_key(&w, "co2e_g");
		jsonw_null(&w);
		jsonw_key(&w, "host_co2e_g");
		jsonw_null(&w);
	}
	if (s->syscalls_counted) {
		json_stat(&w, "syscalls", &s->syscalls);
	} else {
		jsonw_key(&w, "syscalls");
		jsonw_null(&w);
	}
	jsonw_key(&w, "domains");
	jsonw_begin_array(&w);
	for (size_t d = 0; d < s->ndomains; d++) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "name");
		jsonw_string(&w, s->names[d]);
		json_stat(&w, "energy_j", &s->dom_j[d]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	fputc('\n', f);
	if (outfile_commit(&out) < 0) {
		cli_error("run", "-o: %s", out.err);
		return -1;
	}
	return 0;
}

/*
 * A text field of the CSV: as is, or "quoted" (quotes doubled, RFC 4180)
 * when it holds the separator, a quote or a line break. perf stat quotes
 * nothing; joulestat's names are domain names and paths, which might.
 */
static void csv_text(FILE *f, const char *sep, const char *s)
{
	if (!strstr(s, sep) && !strpbrk(s, "\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * One counter as perf stat -x prints it: value, unit, event, the relative
 * standard deviation with -r, the run time (ns) and the share of it the
 * counter ran (%), then an optional metric and its unit.
 */
static void csv_line(FILE *f, const char *sep, unsigned n, const struct stat_acc *a, int prec,
		     const char *unit, const char *event, uint64_t runtime_ns, double metric,
		     const char *metric_unit)
{
	double m = acc_mean(a), sd = acc_stddev(a);

	fprintf(f, "%.*f%s", prec, m, sep);
	csv_text(f, sep, unit);
	fputs(sep, f);
	csv_text(f, sep, event);
	if (n > 1)
		fprintf(f, "%s%.2f%%", sep, m != 0 ? 100.0 * sd / fabs(m) : 0.0);
	fprintf(f, "%s%" PRIu64 "%s100.00%s", sep, runtime_ns, sep, sep);
	if (!isnan(metric))
		fprintf(f, "%.6f", metric);
	fputs(sep, f);
	csv_text(f, sep, !isnan(metric) ? metric_unit : "");
	fputc('\n', f);
}

static void print_csv(FILE *f, const char *sep, unsigned n, const struct summary *s,
		      const struct carbon *carbon)
{
	uint64_t runtime = (uint64_t)llround(acc_mean(&s->wall_s) * 1e9);
	double g_per_kwh = NAN;
	char event[RUN_NAME_MAX + 16];

	for (size_t d = 0; d < s->ndomains; d++) {
		snprintf(event, sizeof(event), "energy-%s", s->names[d]);
		csv_line(f, sep, n, &s->dom_j[d], 6, "J", event, runtime, NAN, "");
	}
	csv_line(f, sep, n, &s->energy_j, 6, "J", "energy", runtime, acc_mean(&s->power_w),
		 s->estimated ? "W average (estimated)" : "W average");
	csv_line(f, sep, n, &s->cpu_s, 6, "s", "cpu-time", runtime, NAN, "");
	csv_line(f, sep, n, &s->wall_s, 6, "s", "wall-time", runtime, NAN, "");
	if (s->syscalls_counted)
		csv_line(f, sep, n, &s->syscalls, n > 1 ? 1 : 0, "", "syscalls", runtime, NAN, "");
	csv_line(f, sep, n, &s->host_j, 6, "J", "machine-energy", runtime, NAN, "");
	if (!carbon_enabled(carbon))
		return;
	/* The metric: the intensity, when one figure gave every interval its own. */
	if (s->co2e.min_g_per_kwh == s->co2e.max_g_per_kwh)
		g_per_kwh = s->co2e.min_g_per_kwh;
	csv_line(f, sep, n, &s->co2e_g, 9, "g", "co2e", runtime, g_per_kwh, "gCO2e/kWh");
	csv_line(f, sep, n, &s->host_co2e_g, 9, "g", "machine-co2e", runtime, g_per_kwh,
		 "gCO2e/kWh");
}

static int parse_args(int argc, char **argv, struct cli_common *common, struct run_opts *o)
{
	int opt, r;

	optind = 1;
	/* '+': options stop at the command, whose own flags are not ours. */
	while ((opt = getopt_long(argc, argv, "+r:o:x:i:v", cmd_run_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'r': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v < 1 ||
			    v > RUN_MAX_REPEAT) {
				cli_error("run", "-r: '%s' is not a number of runs from 1 to %d", optarg,
					  RUN_MAX_REPEAT);
				return EXIT_USAGE;
			}
			o->repeat = (unsigned)v;
			break;
		}
		case 'o':
			if (!optarg[0]) {
				cli_error("run", "-o: empty file name");
				return EXIT_USAGE;
			}
			o->output = optarg;
			break;
		case 'x':
			/* A digit, a point or a sign would read as part of a number. */
			if (!optarg[0] || strlen(optarg) > 8 ||
			    strpbrk(optarg, "0123456789.+-eE\"\r\n")) {
				cli_error("run", "-x: '%s' cannot separate fields: give one to eight "
						 "characters, none of them a digit, '.', '+', '-', 'e', "
						 "a quote or a line break (e.g. -x, or -x ';')", optarg);
				return EXIT_USAGE;
			}
			o->csv_sep = optarg;
			break;
		case 'i': {
			double s;

			r = cli_seconds_option("run", "-i", optarg, 0.01, 60, &s);
			if (r)
				return r;
			o->interval_ms = (uint64_t)llround(s * 1000);
			break;
		}
		case 0x2001:
			r = cli_idle_option("run", optarg, &o->policy);
			if (r)
				return r;
			break;
		default:
			return cli_usage_error("run");
		}
	}
	if (optind >= argc) {
		cli_error("run", "no command to run: joulestat run [OPTIONS] -- CMD [ARGS...]");
		return cli_usage_error("run");
	}
	return 0;
}

int cmd_run(int argc, char **argv, struct cli_common *common)
{
	struct run_opts o = { .repeat = 1, .interval_ms = 1000 };
	struct joulestat_opts base = { .sz = sizeof(base) };
	struct joulestat_collector_info ci = { .sz = sizeof(ci) };
	struct joulestat_snapshot *snap = NULL;
	struct run_result *runs = NULL;
	struct joulestat *js = NULL;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct summary sum;
	struct carbon carbon;
	char sources[256] = "";
	const char *collector = "none";
	char **cmd;
	int r, code = 0;
	unsigned done = 0;

	/* --profile hands the whole command line to the profiling session (cmd_profile.c). */
	if (cmd_profile_wanted(argc, argv))
		return cmd_profile(argc, argv, common);
	r = parse_args(argc, argv, common, &o);
	if (r)
		return r;
	cmd = &argv[optind];
	r = cli_carbon(common, "run", &carbon);
	if (r)
		return r;
	/* Before the command runs, not after: a measurement nobody can keep is lost. */
	if (o.output) {
		static const struct outfile_opts oo = { .kind = OUTFILE_REPLACE };
		char err[512];
		bool usage = false;

		if (outfile_check(o.output, &oo, err, sizeof(err), &usage) < 0) {
			cli_error("run", "-o: %s", err);
			carbon_done(&carbon);
			return usage ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	base.interval_ms = o.interval_ms;
	base.idle_policy = o.policy;
	/* vm: the tree row names the VM its root runs, when the command is a hypervisor. */
	base.groups = 1u << JOULESTAT_GROUP_TREE | 1u << JOULESTAT_GROUP_VM;
	r = cli_open_monitor_with(common, &base, &js);
	if (r < 0) {
		carbon_done(&carbon);
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	for (size_t i = 0; i < joulestat_collector_count(js); i++)
		if (joulestat_collector_get(js, i, &ci) == 0 && ci.state == JOULESTAT_SOURCE_ACTIVE)
			collector = ci.name;
	for (size_t i = 0; i < joulestat_source_count(js); i++) {
		struct joulestat_source_info si = { .sz = sizeof(si) };

		if (joulestat_source_get(js, i, &si) == 0 && si.state == JOULESTAT_SOURCE_ACTIVE)
			snprintf(sources + strlen(sources), sizeof(sources) - strlen(sources), "%s%s",
				 sources[0] ? "," : "", si.name);
	}
	runs = calloc(o.repeat, sizeof(*runs));
	if (!runs) {
		joulestat_free(js);
		carbon_done(&carbon);
		return EXIT_RUNTIME;
	}
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Like time(1) and perf stat: ^C is for the command; we report after it. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	for (unsigned i = 0; i < o.repeat; i++) {
		r = run_once(js, cmd, &carbon, &runs[i]);
		done++;
		code = exit_code_of(runs[i].status);
		if (r == -ENOENT || r == -EACCES || r == -ENOEXEC || r == -EPERM || r == -ENOTDIR) {
			code = r == -ENOENT ? 127 : 126;
			break;
		}
		if (r < 0) {
			cli_error("run", "%s", strerror(-r));
			code = EXIT_RUNTIME;
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (code != 126 && code != 127) {
		summarise(runs, done, &sum);
		struct joulestat_daemon_info di = { .sz = sizeof(di) };
		bool daemon = joulestat_daemon_get(js, &di) == 0;

		if (o.csv_sep)
			print_csv(stderr, o.csv_sep, done, &sum, &carbon);
		else
			print_text(stderr, cmd, runs, done, &sum,
				   joulestat_idle_policy_name(o.policy), collector, sources,
				   cli_via_daemon(js), &carbon);
		if (o.output && write_json(o.output, cmd, runs, done, &sum,
					   joulestat_idle_policy_name(o.policy), collector, sources,
					   daemon ? di.socket : NULL, code, &carbon) < 0 && code == 0)
			code = EXIT_RUNTIME;
	}
	joulestat_snapshot_free(snap);
	free(runs);
	joulestat_free(js);
	carbon_done(&carbon);
	return code;
}
