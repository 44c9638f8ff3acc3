/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-synth.c - attribution against a synthetic energy counter driven by
 * known CPU work (DESIGN.md B8, B9), with a real activity collector (eBPF,
 * or /proc):
 *
 *   synth-counter keeps a RAPL package whose energy grows as
 *   P_idle·t + P_busy·(busy CPU time the kernel accounts), quantized to a
 *   61 µJ unit and wrapping every 200 J (every 4-5 s here); workers
 *   burn known CPU budgets; the monitor samples at jittered 1.0-1.4 s
 *   intervals (under 2 s, the longest unambiguous one at the zone's
 *   worst-case 100 W) under the baseline policy with P_idle as the static
 *   power, so each worker's share of the dynamic energy must be
 *   P_busy × its own CPU time.
 *
 * Checks: every snapshot's ledger balances exactly; the energy the
 * monitor accumulated equals the counter's true growth to the microjoule
 * through every wrap (no negative, lost or ambiguous delta); each worker's
 * attributed energy is within 1 % of the prediction.
 *
 * With `proc`, the /proc collector, beside a process that wakes every 2 ms
 * (the idle loop's exits and entries then make /proc/stat's non-idle time
 * exceed what the tasks ran: that gap must not be charged as lost time and
 * take its share from the workers), and with a 50 % duty worker in the
 * middle place (--waker asks for the same with eBPF).
 *
 *   test-synth SYNTH_COUNTER_PATH [ebpf|proc] [--waker]
 *                                      (ebpf: root and BTF; else exit 77)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "joulestat.h"
#include "workload.h"

#define P_IDLE_MW 5000ULL
#define P_BUSY_MW 20000ULL	/* per CPU-second of busy time */
#define NWORKERS 3
#define WAKER_PERIOD_NS 2000000ULL

static const char *collector = "ebpf";
static bool proc_mode;
static bool with_waker;	/* the 2 ms waker and the duty worker: proc's default, --waker */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int tap_n, tap_failed;

static void ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failed += !cond;
}

/* Steal and work ticks (user nice system irq softirq) so far, from /proc/stat. */
static uint64_t read_steal_ticks(uint64_t *ret_work)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
		fprintf(stderr, "cannot read /proc/stat\n");
		exit(1);
	}
	fclose(f);
	*ret_work = v[0] + v[1] + v[2] + v[5] + v[6];
	return v[7];
}

static void log_stderr(enum joulestat_log_level level, const char *msg, void *userdata)
{
	fprintf(stderr, "# joulestat: %s\n", msg);
}

static uint64_t read_truth(const char *dir)
{
	char path[4200], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/truth_uj", dir);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return strtoull(buf, NULL, 10);
}

/* Ask the helper to stop after a complete update, and wait until it has. */
static void helper_pause(pid_t helper)
{
	int status;

	kill(helper, SIGUSR1);
	if (waitpid(helper, &status, WUNTRACED) != helper || !WIFSTOPPED(status)) {
		fprintf(stderr, "synth-counter did not pause\n");
		exit(1);
	}
}

static void helper_resume(pid_t helper)
{
	kill(helper, SIGCONT);
}

static pid_t start_helper(const char *exe, const char *dir)
{
	char ready[4200];
	struct stat sb;
	pid_t pid = fork();

	if (pid == 0) {
		(void)setpriority(PRIO_PROCESS, 0, 0);	/* not the sampler's -15 */
		execl(exe, exe, dir, "--idle-mw", "5000", "--busy-mw", "20000", "--unit-uj", "61",
		      "--range-uj", "200000000", "--max-power-uw", "25000000", "--period-us", "300",
		      (char *)NULL);
		_exit(127);
	}
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	for (int i = 0; i < 500 && stat(ready, &sb) < 0; i++)
		usleep(10000);
	if (stat(ready, &sb) < 0) {
		fprintf(stderr, "synth-counter did not start\n");
		exit(1);
	}
	return pid;
}

struct worker {
	pid_t pid;
	uint64_t budget_ns;
	int64_t cpu_ns;		/* rusage, when reaped */
	uint64_t energy_uj;	/* attributed */
	uint64_t counted_ns;	/* the collector's count of its CPU time */
	double irq_cut_ns;	/* Σ over intervals of its CPU time × the interval's irq share */
	bool done;
};

static pid_t burner(uint64_t ns)
{
	pid_t pid = fork();

	if (pid == 0) {
		(void)setpriority(PRIO_PROCESS, 0, 0);	/* not the sampler's -15 */
		wl_burn_ns(ns);
		_exit(0);
	}
	return pid;
}

/* A process that wakes every 2 ms and does almost nothing, until killed. */
static pid_t start_waker(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		(void)setpriority(PRIO_PROCESS, 0, 0);
		for (;;)
			wl_sleep_ns(WAKER_PERIOD_NS);
	}
	return pid;
}

/* Half of every 10 ms as CPU time, for 8 s of wall time: about 4 s of CPU. */
static pid_t duty_worker(void)
{
	pid_t pid;

	/* The worker inherits the priority: the sampler's -15 is not for it. */
	(void)setpriority(PRIO_PROCESS, 0, 0);
	pid = wl_duty_worker(50, 10000000ULL, 8000000000ULL);
	(void)setpriority(PRIO_PROCESS, 0, -15);
	return pid;
}

/* One measured run: the counter, the monitor, the workers, and what they came to. */
struct run {
	struct worker w[NWORKERS];
	struct joulestat_domain_info di;
	uint64_t t0_uj, t1_uj, sum_delta, sum_static;
	uint64_t sum_wall, sum_busy, sum_idle, sum_lost, sum_irq, sum_dyn;
	double steal_frac, irq_share;
	char busy_source[32];
	bool ledgers_exact, warming_late, unattributed_small, sample_failed;
	unsigned nsnap;
};

/* 0, or 77 when the collector or the zone did not open (the reason printed). */
static int run_once(const char *exe, unsigned seed, struct run *R)
{
	char tmpl[] = "/tmp/joulestat-synth-XXXXXX", sys[4200];
	struct joulestat_static_power sp = { "package-0", P_IDLE_MW };
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct worker *w = R->w;
	bool zombie[NWORKERS] = { false };
	struct joulestat *js = NULL;
	uint64_t steal0, steal1, work0, work1;
	unsigned ndone = 0;
	const char *dir;
	pid_t helper, waker = -1;
	int r;

	memset(R, 0, sizeof(*R));
	R->di.sz = sizeof(R->di);
	R->ledgers_exact = R->unattributed_small = true;
	w[0].budget_ns = 2000000000;
	w[1].budget_ns = 4000000000;
	w[2].budget_ns = 6000000000;
	dir = mkdtemp(tmpl);
	if (!dir) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	helper = start_helper(exe, dir);

	o.sysfs_root = sys;
	o.sources = "powercap";
	o.activity = collector;
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	o.static_power = &sp;
	o.nstatic_power = 1;
	o.log_fn = log_stderr;
	o.log_level = JOULESTAT_LOG_WARNING;
	/* The counter's first reading and the truth it matches. */
	helper_pause(helper);
	r = joulestat_new(&o, &js);
	R->t0_uj = read_truth(dir);
	helper_resume(helper);
	if (r < 0) {
		printf("1..0 # SKIP the %s collector or the synthetic zone did not open: %s\n",
		       collector, strerror(-r));
		kill(helper, SIGTERM);
		waitpid(helper, NULL, 0);
		return 77;
	}

	/*
	 * The first interval holds the collector's start (loading BPF takes a
	 * while) whose energy is the counter's but whose time is not the
	 * collector's: close it before any worker starts.
	 */
	helper_pause(helper);	/* a fresh reading: the paused time is in this interval */
	{
		struct joulestat_snapshot *s;
		struct joulestat_snapshot_info info = { .sz = sizeof(info) };

		if (joulestat_sample(js, &s) == 0) {
			joulestat_snapshot_get(s, &info);
			R->sum_delta += info.delta_uj;
			R->nsnap++;
			joulestat_snapshot_free(s);
		}
	}
	helper_resume(helper);
	steal0 = read_steal_ticks(&work0);
	if (with_waker)
		waker = start_waker();
	for (int i = 0; i < NWORKERS; i++)
		w[i].pid = with_waker && i == 1 ? duty_worker() : burner(w[i].budget_ns);
	while (ndone < NWORKERS) {
		struct joulestat_snapshot *s;
		struct joulestat_snapshot_info info = { .sz = sizeof(info) };
		struct joulestat_snapshot_domain d = { .sz = sizeof(d) };

		/*
		 * Jittered intervals of 1.0-1.4 s: /proc/stat counts whole
		 * ticks, so each interval's energy is off by a tick or so per CPU;
		 * long intervals keep that under the 1 % asked.
		 */
		wl_sleep_ns(1000000000ULL + (uint64_t)(rand_r(&seed) % 400) * 1000000ULL);
		/*
		 * Workers that exited are reaped only after this sample: the
		 * /proc collector reads a zombie's final time, not a reaped
		 * task's (eBPF saw the exit either way).
		 */
		for (int i = 0; i < NWORKERS; i++) {
			siginfo_t si = { 0 };

			zombie[i] = !w[i].done &&
				    waitid(P_PID, (id_t)w[i].pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
				    si.si_pid == w[i].pid;
		}
		r = joulestat_sample(js, &s);
		if (r < 0) {
			fprintf(stderr, "joulestat_sample: %s\n", strerror(-r));
			R->sample_failed = true;
			for (int i = 0; i < NWORKERS; i++)
				if (!w[i].done)
					kill(w[i].pid, SIGKILL), waitpid(w[i].pid, NULL, 0);
			break;
		}
		R->nsnap++;
		joulestat_snapshot_get(s, &info);
		joulestat_snapshot_domain_get(s, 0, &d);
		if (info.delta_uj != info.tasks_uj + info.idle_uj + info.unattributed_uj ||
		    d.delta_uj != d.tasks_uj + d.idle_uj + d.unattributed_uj)
			R->ledgers_exact = false;
		if (d.warming_up)
			R->warming_late = true;
		/* Lost time (unnamed by the collector) would take a share: it must stay tiny. */
		if (info.lost_ns > (info.end_ns - info.start_ns) / 100)
			R->unattributed_small = false;
		R->sum_delta += info.delta_uj;
		R->sum_static += d.static_uj;
		R->sum_busy += info.busy_ns;
		R->sum_wall += (info.end_ns - info.start_ns) * info.ncpus;
		R->sum_idle += info.idle_ns;
		R->sum_lost += info.lost_ns;
		R->sum_irq += info.irq_ns;
		R->sum_dyn += d.delta_uj - MIN(d.static_uj, d.delta_uj);
		for (int i = 0; i < NWORKERS; i++) {
			int n = joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS);

			for (int k = 0; k < n; k++) {
				struct joulestat_row row = { .sz = sizeof(row) };

				joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, (size_t)k, &row);
				if (row.pid == w[i].pid) {
					uint64_t named = info.busy_ns + info.lost_ns + info.irq_ns;

					w[i].energy_uj += row.energy_uj;
					w[i].counted_ns += row.cpu_ns;
					if (named)
						w[i].irq_cut_ns += (double)row.cpu_ns *
								   (double)info.irq_ns / (double)named;
				}
			}
		}
		joulestat_snapshot_free(s);
		for (int i = 0; i < NWORKERS; i++) {
			struct rusage ru;
			int status;

			if (!zombie[i] || wait4(w[i].pid, &status, 0, &ru) != w[i].pid)
				continue;
			w[i].cpu_ns = (int64_t)ru.ru_utime.tv_sec * 1000000000LL +
				      ru.ru_utime.tv_usec * 1000LL +
				      (int64_t)ru.ru_stime.tv_sec * 1000000000LL +
				      ru.ru_stime.tv_usec * 1000LL;
			w[i].done = true;
			ndone++;
		}
	}
	if (waker > 0) {
		kill(waker, SIGKILL);
		waitpid(waker, NULL, 0);
	}
	/* The end: pause at a complete update, take the last interval, read the truth. */
	helper_pause(helper);
	{
		struct joulestat_snapshot *s;
		struct joulestat_snapshot_info info = { .sz = sizeof(info) };

		if (joulestat_sample(js, &s) == 0) {
			joulestat_snapshot_get(s, &info);
			R->sum_delta += info.delta_uj;
			if (info.delta_uj != info.tasks_uj + info.idle_uj + info.unattributed_uj)
				R->ledgers_exact = false;
			joulestat_snapshot_free(s);
			R->nsnap++;
		}
	}
	R->t1_uj = read_truth(dir);
	helper_resume(helper);
	kill(helper, SIGTERM);
	waitpid(helper, NULL, 0);
	joulestat_domain_get(js, 0, &R->di);
	joulestat_free(js);
	steal1 = read_steal_ticks(&work1);
	{
		char p[4200];
		FILE *f;

		snprintf(p, sizeof(p), "%s/busy_source", dir);
		f = fopen(p, "r");
		if (!f || !fgets(R->busy_source, sizeof(R->busy_source), f))
			snprintf(R->busy_source, sizeof(R->busy_source), "?");
		R->busy_source[strcspn(R->busy_source, "\n")] = '\0';
		if (f)
			fclose(f);
	}
	R->steal_frac = work1 > work0 ? (double)(steal1 - steal0) / (double)(work1 - work0) : 0;
	R->irq_share = R->sum_busy + R->sum_lost + R->sum_irq
			       ? (double)R->sum_irq / (double)(R->sum_busy + R->sum_lost + R->sum_irq)
			       : 0;
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	printf("# cpu-wall %.3f s\n", R->sum_wall / 1e9);
	printf("# busy %.3f s idle %.3f s lost %.3f s irq %.3f s; dynamic energy %.3f J = %.3f s at "
	       "P_busy\n",
	       R->sum_busy / 1e9, R->sum_idle / 1e9, R->sum_lost / 1e9, R->sum_irq / 1e9,
	       R->sum_dyn / 1e6, R->sum_dyn / 1e6 / (P_BUSY_MW / 1e3));
	printf("# steal %.2f%% of the work ticks; busy source %s; irq time %.2f%% of the named "
	       "busy time\n", R->steal_frac * 100, R->busy_source, R->irq_share * 100);
	return 0;
}

/* Worker i's figures: the energy error, its irq cut and the collector's count error. */
static void worker_errors(const struct run *R, int i, double *err, double *cut, double *cerr)
{
	const struct worker *w = &R->w[i];
	/* mW × ns = 1e-12 J: / 1e6 for µJ. */
	double pred = (double)P_BUSY_MW * (double)w->cpu_ns / 1e6;

	*err = ((double)w->energy_uj - pred) / pred;
	*cerr = ((double)w->counted_ns - (double)w->cpu_ns) / (double)w->cpu_ns;
	/* The irq time's share of the intervals it ran in, as a fraction of its time. */
	*cut = w->counted_ns ? w->irq_cut_ns / (double)w->counted_ns : 0;
}

static bool b8_holds(const struct run *R)
{
	for (int i = 0; i < NWORKERS; i++) {
		double err, cut, cerr;

		worker_errors(R, i, &err, &cut, &cerr);
		if (!(fabs(err) <= 0.01 || fabs(err + cut) <= 0.01) || fabs(cerr) > 0.01)
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct run runs[2], *R = NULL;
	bool ledgers_exact = true, warming_late = false, unattributed_small = true;
	bool sample_failed = false;
	int attempts = 0;

	if (argc < 2 || argc > 4 ||
	    (argc > 2 && strcmp(argv[2], "ebpf") != 0 && strcmp(argv[2], "proc") != 0) ||
	    (argc > 3 && strcmp(argv[3], "--waker") != 0)) {
		fprintf(stderr, "usage: test-synth SYNTH_COUNTER [ebpf|proc] [--waker]\n");
		return 2;
	}
	if (argc > 2)
		collector = argv[2];
	proc_mode = strcmp(collector, "proc") == 0;
	with_waker = proc_mode || argc > 3;
	if (!proc_mode && (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) < 0)) {
		printf("1..0 # SKIP needs root and BTF for the eBPF collector\n");
		return 77;
	}
	/*
	 * The sampler must read the counter within the wrap limit even on a
	 * loaded machine; the counter's helper and the workers get the default
	 * priority back (start_helper, burner).
	 */
	(void)setpriority(PRIO_PROCESS, 0, -15);
	/*
	 * B8 is a statistical figure: in a virtual machine the host's steal and
	 * delays to the counter's helper move energy between intervals by up
	 * to a few percent in one run. A run that misses it, or that the
	 * host's steal makes unfit to judge (below), is measured once more, and
	 * the second run's figures decide; a systematic error misses both. The exact checks (ledgers, wraps, totals) must hold in every
	 * run.
	 */
	for (int a = 0; a < 2; a++) {
		R = &runs[a];
		if (run_once(argv[1], 4242 + (unsigned)a, R) == 77)
			return 77;
		attempts++;
		ledgers_exact = ledgers_exact && R->ledgers_exact;
		warming_late = warming_late || R->warming_late;
		unattributed_small = unattributed_small && R->unattributed_small;
		sample_failed = sample_failed || R->sample_failed;
		if (R->sample_failed || (R->irq_share <= 0.02 && b8_holds(R)))
			break;
		if (R->irq_share > 0.02)
			printf("# run %d: %.1f%% of the busy time charged to no task;", a + 1,
			       R->irq_share * 100);
		else
			printf("# run %d missed B8's 1%%:", a + 1);
		for (int i = 0; i < NWORKERS; i++) {
			double err, cut, cerr;

			worker_errors(R, i, &err, &cut, &cerr);
			printf(" worker %d %+.3f%% (irq %.3f%%, count %+.2f%%);", i, err * 100,
			       -cut * 100, cerr * 100);
		}
		printf(a == 0 ? " measuring once more\n" : " the last run\n");
	}

	ok(!sample_failed, "every joulestat_sample succeeded");
	ok(ledgers_exact, "every ledger balances exactly over %u snapshots (%d run%s)", R->nsnap,
	   attempts, attempts > 1 ? "s" : "");
	ok(!warming_late, "no snapshot after the first reading is warming up");
	/*
	 * How often the 200 J counter wrapped follows from its true growth
	 * (which depends on the machine's load): every one of those wraps must
	 * have been seen, and there must have been at least one.
	 */
	ok(R->t1_uj / 200000000 > R->t0_uj / 200000000 &&
		   R->di.wraps == R->t1_uj / 200000000 - R->t0_uj / 200000000,
	   "the counter wrapped %" PRIu64 " times of 200 J, as its true growth says (%" PRIu64
	   " to %" PRIu64 " µJ)",
	   R->di.wraps, R->t0_uj, R->t1_uj);
	ok(R->di.errors == 0,
	   "no reading refused (%" PRIu64 " errors): no negative or ambiguous delta", R->di.errors);
	ok(R->di.energy_uj == R->t1_uj - R->t0_uj,
	   "the monitor's energy equals the counter's true growth through the wraps: %" PRIu64
	   " vs %" PRIu64 " µJ", R->di.energy_uj, R->t1_uj - R->t0_uj);
	ok(R->sum_delta == R->t1_uj - R->t0_uj,
	   "Σ snapshot deltas equals the true growth: %" PRIu64 " µJ", R->sum_delta);
	if (proc_mode)
		/*
		 * /proc misses tasks that live between two scans (the machine's
		 * own, on a busy one): their time is lost, rightly, and its
		 * energy unattributed; the workers' figures below are exact
		 * either way, since the busy total counts those tasks too.
		 */
		printf("ok %d - lost time over the run %.3f s of %.3f s busy # SKIP /proc misses the "
		       "short-lived tasks of the machine; only eBPF must name all but 1%%\n",
		       ++tap_n, R->sum_lost / 1e9, (R->sum_busy + R->sum_lost) / 1e9);
	else
		ok(unattributed_small, "the collector named all but 1%% of every interval");
	/*
	 * B8: each worker's energy against P_busy × its own CPU time
	 * (getrusage), within 1 %. The energy law counts execution time only,
	 * and the collector charges each task the kernel's run time. The time
	 * inside task slices that the kernel charged to no task (interrupts,
	 * and in a VM the hypervisor's steal) is named irq time, and the split
	 * gives it its share of the dynamic energy, unattributed: on real
	 * hardware interrupts do draw power, while this law gives them none.
	 * So a worker falls short of its prediction by the irq share of the
	 * intervals it ran in (zero without interrupts or steal); the rest of
	 * the error must stay within 1 %. The whole-run irq share is printed.
	 * The collector's count of the worker's time is checked on its own,
	 * so that a miss is attributed to the right side.
	 */
	for (int i = 0; i < NWORKERS; i++) {
		const struct worker *w = &R->w[i];
		double pred = (double)P_BUSY_MW * (double)w->cpu_ns / 1e6;
		double err, cut, cerr;

		worker_errors(R, i, &err, &cut, &cerr);
		if (proc_mode && strcmp(R->busy_source, "cpuacct") != 0) {
			/*
			 * Without cgroup v1's cpuacct the counter's law counts
			 * /proc/stat's work ticks, which hold what no task ran
			 * (the very gap the collector must not charge to the
			 * tasks' cost): there is no exact truth to judge by.
			 */
			printf("ok %d - worker %d: attributed %" PRIu64 " µJ, predicted %.0f µJ, error "
			       "%+.3f%% # SKIP no cgroup v1 cpuacct: the counter's law counts ticks, "
			       "not run time\n",
			       ++tap_n, i, w->energy_uj, pred, err * 100);
		} else if (R->irq_share > 0.02) {
			/*
			 * Heavy steal: the helper that drives the counter is
			 * itself delayed, which moves energy between intervals
			 * by more than 1 %. Say so, with the figures, rather
			 * than pass or fail on the hypervisor's luck.
			 */
			printf("ok %d - worker %d: attributed %" PRIu64 " µJ, predicted %.0f µJ, error "
			       "%+.3f%% (irq share %.3f%%) # SKIP the kernel charged %.1f%% of the busy "
			       "time to no task (interrupts, steal): B8's 1%% needs a machine under 2%%\n",
			       ++tap_n, i, w->energy_uj, pred, err * 100, -cut * 100,
			       R->irq_share * 100);
		} else {
			/*
			 * B8 is the error itself within 1 %; the irq share (an
			 * estimate from the intervals the worker ran in) may
			 * explain a larger shortfall, never an excess.
			 */
			ok(fabs(err) <= 0.01 || fabs(err + cut) <= 0.01,
			   "worker %d: attributed %" PRIu64 " µJ, predicted P_busy × %.1f ms of CPU = "
			   "%.0f µJ, error %+.3f%%, of which the irq time's share %.3f%% (B8: the "
			   "error, or the rest, within 1%%; run %d, steal %.2f%%, busy source %s)",
			   i, w->energy_uj, w->cpu_ns / 1e6, pred, err * 100, -cut * 100, attempts,
			   R->steal_frac * 100, R->busy_source);
		}
		/*
		 * A slice still running at a sample is credited its wall time
		 * (its run time is not readable then), so heavy steal inside
		 * such slices over-counts a little: the same condition as above.
		 */
		if (R->irq_share > 0.02)
			printf("ok %d - worker %d: the collector counted %.1f ms of CPU, the worker "
			       "%.1f ms: %+.2f%% # SKIP the kernel charged %.1f%% of the busy time to "
			       "no task (interrupts, steal): 1%% needs a machine under 2%%\n",
			       ++tap_n, i, w->counted_ns / 1e6, w->cpu_ns / 1e6, cerr * 100,
			       R->irq_share * 100);
		else
			ok(fabs(cerr) <= 0.01,
			   "worker %d: the collector counted %.1f ms of CPU, the worker %.1f ms: "
			   "%+.2f%% (within 1%%)",
			   i, w->counted_ns / 1e6, w->cpu_ns / 1e6, cerr * 100);
	}
	ok(R->sum_static > 0, "the baseline policy charged the static power to the idle row");
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
