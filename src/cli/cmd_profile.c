/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_profile.c - `joulestat profile -- CMD` (and `joulestat run --profile`):
 * run a command, sample the host's energy and the command's process tree
 * every interval, and say what
 * limited it: the verdict with its evidence, energy's correlation with each
 * resource, the threads that used the most, and what to do. Optionally the
 * whole session as JSON (-o) and as a self-contained HTML report (--html).
 *
 * The command is forked held on a pipe, so the baseline sample is taken
 * before it runs its first instruction; it is released, sampled on an
 * absolute-deadline timer, and sampled one last time as a zombie (waitid
 * with WNOWAIT) so its final counters are in, then reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "profile_html.h"
#include "textesc.h"

void cmd_profile_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat profile [-i SEC] [-o FILE] [--html FILE] [COMMON OPTIONS] -- CMD [ARGS...]\n\n"
		"Run CMD and profile it: the host's energy and the resources of CMD's process\n"
		"tree (CPU, memory, I/O, context switches, faults, per thread) every SEC, then\n"
		"the primary bottleneck (cpu-, memory-, io-, gpu- or contention-bound, or\n"
		"balanced) with the evidence that decided it, energy's correlation with each\n"
		"resource, the threads ranked by CPU and energy, and recommendations.\n"
		"The method is in docs/PROFILING.md.\n\n"
		"Options:\n"
		"  -i, --interval SEC  sampling interval (default 0.1, 0.01 to 10)\n"
		"  -o, --output FILE   write the whole session as JSON ('-': standard output)\n"
		"      --html FILE     write a self-contained HTML report (charts, verdict, threads)\n"
		"  -q, --quiet         no summary on standard output\n\n"
		"Exit status: CMD's (128+N when signal N ended it), as for 'joulestat run';\n"
		"1 when profiling failed, 2 for a usage error.\n\n");
	cli_common_help(out);
}

const struct option cmd_profile_options[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "html", required_argument, NULL, 0x2001 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "profile", no_argument, NULL, 0x2002 },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static void add_ns(struct timespec *t, uint64_t ns)
{
	t->tv_nsec += (long)(ns % 1000000000ULL);
	t->tv_sec += (time_t)(ns / 1000000000ULL) + t->tv_nsec / 1000000000L;
	t->tv_nsec %= 1000000000L;
}

/*
 * Fork CMD held on a pipe: it execs once the write end closes, with the
 * descriptor limits joulestat was started with (`nofile`, when set). An exec
 * failure comes back on a second pipe as the errno. Returns the pid or -errno.
 */
static pid_t spawn_held(char **cmd, int *ret_go, int *ret_err, const struct rlimit *nofile)
{
	int go[2], err[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = -errno;

		close(go[0]);
		close(go[1]);
		return e;
	}
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return e;
	}
	if (pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		if (nofile->rlim_max)
			setrlimit(RLIMIT_NOFILE, nofile);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		execvp(cmd[0], cmd);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	*ret_go = go[1];
	*ret_err = err[0];
	return pid;
}

static void print_summary(const struct joulestat_profile *p, char **cmd, pid_t pid,
			  const char *via)
{
	struct joulestat_profile_info in = { .sz = sizeof(in) };
	/* The command, thread names and what quotes them are escaped for the terminal. */
	char e[TEXTESC_SIZE(1024)];
	double dur;

	if (joulestat_profile_get(p, &in) < 0)
		return;
	dur = (double)in.duration_ns / 1e9;
	printf("joulestat profile: %s (pid %d), %.2f s, %zu samples%s%s\n",
	       text_esc(cmd[0], e, sizeof(e)), (int)pid, dur, in.samples, via[0] ? ", " : "", via);
	printf("energy: host %.2f J (%.2f W mean), the command's tree %.2f J (%.2f W)%s\n",
	       (double)in.energy_uj / 1e6, dur > 0 ? (double)in.energy_uj / 1e6 / dur : 0,
	       (double)in.tree_energy_uj / 1e6, dur > 0 ? (double)in.tree_energy_uj / 1e6 / dur : 0,
	       in.energy_estimated ? " [estimated: no energy sensor, model]" : "");
	printf("bottleneck: %s\n", joulestat_bottleneck_name(in.bottleneck));
	for (size_t i = 0; i < in.evidence; i++)
		printf("  %s %s\n", i ? "-" : "*",
		       text_esc(joulestat_profile_evidence(p, i), e, sizeof(e)));
	printf("correlation of power with:\n");
	for (size_t i = 0; i < JOULESTAT_PROFILE_CORRELATIONS; i++) {
		struct joulestat_correlation c = { .sz = sizeof(c) };

		if (joulestat_profile_correlation(p, i, &c) < 0)
			continue;
		if (isnan(c.r))
			printf("  %-14s undefined (%s)\n", c.resource, c.strength);
		else
			printf("  %-14s r = %+.2f, %s %s (%u intervals)\n", c.resource, c.r,
			       c.strength, c.direction, c.n);
	}
	printf("threads by CPU time:\n  %4s %8s %8s %-16s %9s %7s %9s %9s\n", "rank", "pid", "tid",
	       "name", "cpu s", "cpu %", "energy J", "e-rank");
	for (size_t i = 0; i < in.threads && i < 10; i++) {
		struct joulestat_profile_thread t = { .sz = sizeof(t) };

		if (joulestat_profile_thread_get(p, i, &t) < 0)
			continue;
		/* 16 bytes at most, cut between characters. */
		printf("  %4zu %8d %8d %-16s %9.3f %7.1f %9.3f %9u\n", i + 1, t.pid, t.tid,
		       text_esc(t.name, e, 17),
		       (double)t.oncpu_ns / 1e9, t.cpu_pct, (double)t.energy_uj / 1e6,
		       t.energy_rank + 1);
	}
	if (in.threads > 10)
		printf("  ... %zu more in the JSON and HTML outputs\n", in.threads - 10);
	printf("recommendations:\n");
	for (size_t i = 0; i < in.recommendations; i++)
		printf("  - %s\n", text_esc(joulestat_profile_recommendation(p, i), e, sizeof(e)));
}

static const struct outfile_opts profile_out = { .kind = OUTFILE_REPLACE };

static int write_outputs(const struct joulestat_profile *p, const char *json_path,
			 const char *html_path, char **cmd)
{
	struct outfile of;
	int status = 0, r;

	if (json_path) {
		if (outfile_open(json_path, &profile_out, &of) < 0) {
			cli_error("profile", "-o: %s", of.err);
			return -1;
		}
		r = joulestat_profile_write_json(p, of.f);
		if (r < 0) {
			cli_error("profile", "-o %s: writing failed: %s", of.name, strerror(-r));
			outfile_abort(&of);
			status = -1;
		} else if (outfile_commit(&of) < 0) {
			cli_error("profile", "-o: %s", of.err);
			status = -1;
		}
	}
	if (html_path) {
		if (outfile_open(html_path, &profile_out, &of) < 0) {
			cli_error("profile", "--html: %s", of.err);
			return -1;
		}
		r = profile_html_write(p, cmd, of.f);
		if (r < 0) {
			cli_error("profile", "--html %s: writing failed: %s", of.name, strerror(-r));
			outfile_abort(&of);
			status = -1;
		} else if (outfile_commit(&of) < 0) {
			cli_error("profile", "--html: %s", of.err);
			status = -1;
		}
	}
	return status;
}

/* Whether the outputs can be written, before the command runs. 0, or an exit code. */
static int check_outputs(const char *json_path, const char *html_path)
{
	const char *paths[2] = { json_path, html_path }, *flags[2] = { "-o", "--html" };
	char err[512];
	bool usage = false;

	if (json_path && html_path && strcmp(json_path, "-") == 0 && strcmp(html_path, "-") == 0) {
		cli_error("profile", "-o - and --html -: only one of them can go to standard output");
		return EXIT_USAGE;
	}
	for (int i = 0; i < 2; i++)
		if (paths[i] && outfile_check(paths[i], &profile_out, err, sizeof(err), &usage) < 0) {
			cli_error("profile", "%s: %s", flags[i], err);
			return usage ? EXIT_USAGE : EXIT_RUNTIME;
		}
	return 0;
}

bool cmd_profile_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--profile") == 0)
			return true;
	return false;
}

int cmd_profile(int argc, char **argv, struct cli_common *common)
{
	const char *json_path = NULL, *html_path = NULL;
	struct joulestat_profile_opts po = { .sz = sizeof(po) };
	struct joulestat_profile *p = NULL;
	struct joulestat *js = NULL;
	double interval_s = 0.1;
	bool quiet = false;
	struct timespec next;
	int opt, r, go = -1, errfd = -1, wstatus = 0, ret = EXIT_RUNTIME, exec_errno = 0;
	struct rlimit nofile = { 0 };
	pid_t pid = -1;
	char **cmd;

	optind = 1;
	/* '+': stop at the command's first word, so its own options stay its own. */
	while ((opt = getopt_long(argc, argv, "+i:o:qv", cmd_profile_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 'i':
			r = cli_seconds_option("profile", "-i", optarg, 0.01, 10, &interval_s);
			if (r)
				return r;
			break;
		case 'o':
			json_path = optarg;
			break;
		case 0x2001:
			html_path = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 0x2002: /* `joulestat run --profile`: the same session */
			break;
		default:
			return cli_usage_error("profile");
		}
	}
	if (optind >= argc) {
		cli_error("profile", "no command to run: joulestat profile [OPTIONS] -- CMD [ARGS...]");
		return cli_usage_error("profile");
	}
	cmd = argv + optind;
	/* Before the command runs, not after: a profile nobody can keep is lost. */
	r = check_outputs(json_path, html_path);
	if (r)
		return r;
	if (((json_path && strcmp(json_path, "-") == 0) ||
	     (html_path && strcmp(html_path, "-") == 0)) && !quiet)
		quiet = true; /* standard output is the JSON's (or the HTML's) */
	/*
	 * The session reads the tree from /proc itself and needs no activity
	 * collector: unless one is asked for, take the /proc one, which costs
	 * nothing until read, rather than loading eBPF onto every context
	 * switch of the workload being measured.
	 */
	if (!common->activity)
		common->activity = "proc";
	r = cli_open_monitor(common, &js);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	/*
	 * The session keeps a file per thread open (half the soft limit at most):
	 * raise the soft limit to the hard one, in this process only (the command
	 * gets the limits joulestat was started with).
	 */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		struct rlimit more = { nofile.rlim_max, nofile.rlim_max };

		setrlimit(RLIMIT_NOFILE, &more);
	}
	pid = spawn_held(cmd, &go, &errfd, &nofile);
	if (pid < 0) {
		cli_error("profile", "cannot start %s: %s", cmd[0], strerror((int)-pid));
		goto out;
	}
	po.pid = (int)pid;
	r = joulestat_profile_start(js, &po, &p);
	if (r < 0) {
		cli_error("profile", "cannot start profiling: %s", strerror(-r));
		kill(pid, SIGKILL);
		close(go);
		waitpid(pid, NULL, 0);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	close(go); /* let it run */
	for (;;) {
		siginfo_t si = { 0 };

		add_ns(&next, (uint64_t)llround(interval_s * 1e9));
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			break;
		r = joulestat_profile_sample(p);
		if (r < 0) {
			cli_error("profile", "sampling failed: %s", strerror(-r));
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto out;
		}
	}
	/* The last sample while it is a zombie: its final counters are still readable. */
	r = joulestat_profile_stop(p);
	waitpid(pid, &wstatus, 0);
	if (read(errfd, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		cli_error("profile", "cannot run %s: %s", cmd[0], strerror(exec_errno));
		goto out;
	}
	if (r < 0) {
		cli_error("profile", "%s ended before any interval could be measured: %s", cmd[0],
			  strerror(-r));
		goto out;
	}
	if (!quiet)
		print_summary(p, cmd, pid, cli_via_daemon(js));
	if (write_outputs(p, json_path, html_path, cmd) < 0)
		goto out;
	if (WIFSIGNALED(wstatus)) {
		cli_error("profile", "%s was killed by signal %d", cmd[0], WTERMSIG(wstatus));
		ret = 128 + WTERMSIG(wstatus);
	} else {
		ret = WEXITSTATUS(wstatus);
		if (ret)
			cli_error("profile", "%s exited with status %d", cmd[0], ret);
	}
out:
	if (errfd >= 0)
		close(errfd);
	joulestat_profile_free(p);
	joulestat_free(js);
	return ret;
}
