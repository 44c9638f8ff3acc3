/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-synth.c - attribution against a synthetic energy counter driven by
 * known CPU work (DESIGN.md B8, B9), with the real eBPF collector:
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
 *   test-synth SYNTH_COUNTER_PATH      (root and BTF; else exit 77)
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
	uint64_t ebpf_ns;	/* the collector's count of its CPU time */
	double irq_cut_ns;	/* Σ over intervals of its CPU time × the interval's irq share */
	bool done;
};

static pid_t burner(uint64_t ns)
{
	pid_t pid = fork();

	if (pid == 0) {
		wl_burn_ns(ns);
		_exit(0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/joulestat-synth-XXXXXX", sys[4200];
	struct joulestat_static_power sp = { "package-0", P_IDLE_MW };
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct worker w[NWORKERS] = { { .budget_ns = 2000000000 }, { .budget_ns = 4000000000 },
				      { .budget_ns = 6000000000 } };
	struct joulestat_domain_info di = { .sz = sizeof(di) };
	struct joulestat *js = NULL;
	uint64_t t0_uj, t1_uj, sum_delta = 0, sum_static = 0;
	uint64_t steal0, steal1, work0, work1;
	double steal_frac;
	char busy_source[32];
	uint64_t sum_wall = 0, sum_busy = 0, sum_idle = 0, sum_lost = 0, sum_irq = 0, sum_dyn = 0;
	double irq_share;
	bool ledgers_exact = true, warming_late = false, unattributed_small = true;
	unsigned seed = 4242, nsnap = 0, ndone = 0;
	const char *dir;
	pid_t helper;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: test-synth SYNTH_COUNTER\n");
		return 2;
	}
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("1..0 # SKIP needs root and BTF for the eBPF collector\n");
		return 77;
	}
	dir = mkdtemp(tmpl);
	if (!dir)
		return 1;
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	helper = start_helper(argv[1], dir);

	o.sysfs_root = sys;
	o.sources = "powercap";
	o.activity = "ebpf";
	o.idle_policy = JOULESTAT_IDLE_BASELINE;
	o.static_power = &sp;
	o.nstatic_power = 1;
	o.log_fn = log_stderr;
	o.log_level = JOULESTAT_LOG_WARNING;
	/* The counter's first reading and the truth it matches. */
	helper_pause(helper);
	r = joulestat_new(&o, &js);
	t0_uj = read_truth(dir);
	helper_resume(helper);
	if (r < 0) {
		printf("1..0 # SKIP the eBPF collector or the synthetic zone did not open: %s\n",
		       strerror(-r));
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
			sum_delta += info.delta_uj;
			nsnap++;
			joulestat_snapshot_free(s);
		}
	}
	helper_resume(helper);
	steal0 = read_steal_ticks(&work0);
	for (int i = 0; i < NWORKERS; i++)
		w[i].pid = burner(w[i].budget_ns);
	/*
	 * The sampler must read the counter within the wrap limit even on a
	 * loaded machine; the workers, forked already, keep their priority.
	 */
	(void)setpriority(PRIO_PROCESS, 0, -15);
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
		for (int i = 0; i < NWORKERS; i++) {
			struct rusage ru;
			int status;

			if (w[i].done || wait4(w[i].pid, &status, WNOHANG, &ru) != w[i].pid)
				continue;
			w[i].cpu_ns = (int64_t)ru.ru_utime.tv_sec * 1000000000LL +
				      ru.ru_utime.tv_usec * 1000LL +
				      (int64_t)ru.ru_stime.tv_sec * 1000000000LL +
				      ru.ru_stime.tv_usec * 1000LL;
			w[i].done = true;
			ndone++;
		}
		r = joulestat_sample(js, &s);
		if (r < 0) {
			ok(false, "joulestat_sample: %s", strerror(-r));
			break;
		}
		nsnap++;
		joulestat_snapshot_get(s, &info);
		joulestat_snapshot_domain_get(s, 0, &d);
		if (info.delta_uj != info.tasks_uj + info.idle_uj + info.unattributed_uj ||
		    d.delta_uj != d.tasks_uj + d.idle_uj + d.unattributed_uj)
			ledgers_exact = false;
		if (d.warming_up)
			warming_late = true;
		/* Lost time (unnamed by the collector) would take a share: it must stay tiny. */
		if (info.lost_ns > (info.end_ns - info.start_ns) / 100)
			unattributed_small = false;
		sum_delta += info.delta_uj;
		sum_static += d.static_uj;
		sum_busy += info.busy_ns;
		sum_wall += (info.end_ns - info.start_ns) * info.ncpus;
		sum_idle += info.idle_ns;
		sum_lost += info.lost_ns;
		sum_irq += info.irq_ns;
		sum_dyn += d.delta_uj - MIN(d.static_uj, d.delta_uj);
		for (int i = 0; i < NWORKERS; i++) {
			int n = joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS);

			for (int k = 0; k < n; k++) {
				struct joulestat_row row = { .sz = sizeof(row) };

				joulestat_snapshot_row_get(s, JOULESTAT_GROUP_PROCESS, (size_t)k, &row);
				if (row.pid == w[i].pid) {
					uint64_t named = info.busy_ns + info.lost_ns + info.irq_ns;

					w[i].energy_uj += row.energy_uj;
					w[i].ebpf_ns += row.cpu_ns;
					if (named)
						w[i].irq_cut_ns += (double)row.cpu_ns *
								   (double)info.irq_ns / (double)named;
				}
			}
		}
		joulestat_snapshot_free(s);
	}
	/* The end: pause at a complete update, take the last interval, read the truth. */
	helper_pause(helper);
	{
		struct joulestat_snapshot *s;
		struct joulestat_snapshot_info info = { .sz = sizeof(info) };

		if (joulestat_sample(js, &s) == 0) {
			joulestat_snapshot_get(s, &info);
			sum_delta += info.delta_uj;
			if (info.delta_uj != info.tasks_uj + info.idle_uj + info.unattributed_uj)
				ledgers_exact = false;
			joulestat_snapshot_free(s);
			nsnap++;
		}
	}
	t1_uj = read_truth(dir);
	helper_resume(helper);
	kill(helper, SIGTERM);
	waitpid(helper, NULL, 0);
	joulestat_domain_get(js, 0, &di);

	printf("# cpu-wall %.3f s\n", sum_wall / 1e9);
	printf("# busy %.3f s idle %.3f s lost %.3f s irq %.3f s; dynamic energy %.3f J = %.3f s at "
	       "P_busy\n",
	       sum_busy / 1e9, sum_idle / 1e9, sum_lost / 1e9, sum_irq / 1e9, sum_dyn / 1e6,
	       sum_dyn / 1e6 / (P_BUSY_MW / 1e3));
	irq_share = sum_busy + sum_lost + sum_irq
			    ? (double)sum_irq / (double)(sum_busy + sum_lost + sum_irq)
			    : 0;
	ok(ledgers_exact, "every ledger balances exactly over %u snapshots", nsnap);
	ok(!warming_late, "no snapshot after the first reading is warming up");
	/*
	 * How often the 200 J counter wrapped follows from its true growth
	 * (which depends on the machine's load): every one of those wraps must
	 * have been seen, and there must have been at least one.
	 */
	ok(t1_uj / 200000000 > t0_uj / 200000000 &&
		   di.wraps == t1_uj / 200000000 - t0_uj / 200000000,
	   "the counter wrapped %" PRIu64 " times of 200 J, as its true growth says (%" PRIu64
	   " to %" PRIu64 " µJ)",
	   di.wraps, t0_uj, t1_uj);
	ok(di.errors == 0, "no reading refused (%" PRIu64 " errors): no negative or ambiguous delta",
	   di.errors);
	ok(di.energy_uj == t1_uj - t0_uj,
	   "the monitor's energy equals the counter's true growth through the wraps: %" PRIu64
	   " vs %" PRIu64 " µJ", di.energy_uj, t1_uj - t0_uj);
	ok(sum_delta == t1_uj - t0_uj, "Σ snapshot deltas equals the true growth: %" PRIu64 " µJ",
	   sum_delta);
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
	steal1 = read_steal_ticks(&work1);
	{
		char p[4200];
		FILE *f;

		snprintf(p, sizeof(p), "%s/busy_source", dir);
		f = fopen(p, "r");
		if (!f || !fgets(busy_source, sizeof(busy_source), f))
			snprintf(busy_source, sizeof(busy_source), "?");
		busy_source[strcspn(busy_source, "\n")] = '\0';
		if (f)
			fclose(f);
	}
	steal_frac = work1 > work0 ? (double)(steal1 - steal0) / (double)(work1 - work0) : 0;
	printf("# steal %.2f%% of the work ticks; busy source %s; irq time %.2f%% of the named "
	       "busy time\n", steal_frac * 100, busy_source, irq_share * 100);
	for (int i = 0; i < NWORKERS; i++) {
		/* mW × ns = 1e-12 J: / 1e6 for µJ. */
		double pred = (double)P_BUSY_MW * (double)w[i].cpu_ns / 1e6;
		double err = ((double)w[i].energy_uj - pred) / pred;
		double cerr = ((double)w[i].ebpf_ns - (double)w[i].cpu_ns) / (double)w[i].cpu_ns;

		/* The irq time's share of the intervals it ran in, as a fraction of its time. */
		double cut = w[i].ebpf_ns ? w[i].irq_cut_ns / (double)w[i].ebpf_ns : 0;

		if (irq_share > 0.02) {
			/*
			 * Heavy steal: the helper that drives the counter is
			 * itself delayed, which moves energy between intervals
			 * by more than 1 %. Say so, with the figures, rather
			 * than pass or fail on the hypervisor's luck.
			 */
			printf("ok %d - worker %d: attributed %" PRIu64 " µJ, predicted %.0f µJ, error "
			       "%+.3f%% (irq share %.3f%%) # SKIP the kernel charged %.1f%% of the busy "
			       "time to no task (interrupts, steal): B8's 1%% needs a machine under 2%%\n",
			       ++tap_n, i, w[i].energy_uj, pred, err * 100, -cut * 100,
			       irq_share * 100);
		} else {
			/*
			 * B8 is the error itself within 1 %; the irq share (an
			 * estimate from the intervals the worker ran in) may
			 * explain a larger shortfall, never an excess.
			 */
			ok(fabs(err) <= 0.01 || fabs(err + cut) <= 0.01,
			   "worker %d: attributed %" PRIu64 " µJ, predicted P_busy × %.1f ms of CPU = "
			   "%.0f µJ, error %+.3f%%, of which the irq time's share %.3f%% (B8: the "
			   "error, or the rest, within 1%%)",
			   i, w[i].energy_uj, w[i].cpu_ns / 1e6, pred, err * 100, -cut * 100);
		}
		/*
		 * A slice still running at a sample is credited its wall time
		 * (its run time is not readable then), so heavy steal inside
		 * such slices over-counts a little: the same condition as above.
		 */
		if (irq_share > 0.02)
			printf("ok %d - worker %d: the collector counted %.1f ms of CPU, the worker "
			       "%.1f ms: %+.2f%% # SKIP the kernel charged %.1f%% of the busy time to "
			       "no task (interrupts, steal): 1%% needs a machine under 2%%\n",
			       ++tap_n, i, w[i].ebpf_ns / 1e6, w[i].cpu_ns / 1e6, cerr * 100,
			       irq_share * 100);
		else
			ok(fabs(cerr) <= 0.01,
			   "worker %d: the collector counted %.1f ms of CPU, the worker %.1f ms: "
			   "%+.2f%% (within 1%%)",
			   i, w[i].ebpf_ns / 1e6, w[i].cpu_ns / 1e6, cerr * 100);
	}
	ok(sum_static > 0, "the baseline policy charged the static power to the idle row");
	joulestat_free(js);
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
