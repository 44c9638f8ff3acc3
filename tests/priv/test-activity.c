/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-activity.c COLLECTOR - an activity collector ("ebpf" or "proc") on
 * the real kernel, against the kernel's own accounting:
 *  1. duty-cycle workers (10/25/50/90 %): attributed on-CPU time within 1 %
 *     of their thread-summed /proc/PID/task/ * /schedstat over 5 s;
 *  2. per-CPU coverage over 100 ms windows (eBPF: >= 99.5 %);
 *  3. 500 short-lived processes in one second, ~2 ms CPU each: the share
 *     of their CPU time (wait4 rusage) captured under their comm (eBPF:
 *     >= 99 %; /proc: reported only);
 *  4. two processes with the same PID in one interval stay two tasks;
 *  5. a process whose busy thread is not the main thread;
 *  6. (eBPF) the loaded maps hold a fixed number of bytes per task, whatever
 *     the number of possible CPUs: no per-CPU map is sized by tasks.
 * Needs root (and BTF for eBPF): exits 77 with the reason otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "activity.h"
#include "joulestat.h"
#include "workload.h"

#if HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "activity_ebpf.h"
#endif

#define SKIP 77
#define MS 1000000ULL

static const struct activity_ops *ops;
static void *cstate;
static bool is_ebpf;
static int failures, nr;
/*
 * A first attempt of a timing-sensitive scenario reports as comments: this
 * machine may be shared, and another load's burst (or the hypervisor taking
 * the vCPU: steal time, which the kernel's own accounting leaves out) can
 * spoil one run. The second attempt counts. Both are printed.
 */
static unsigned topo_ncpus = 1;
static bool rehearsal;
static int rehearsal_failures;
static struct {
	bool ok;
	char text[400];
} rehearsed[16];
static int nrehearsed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run a scenario as a rehearsal; count it when it passed, else run it again for real. */
static void attempt_twice(void (*scenario)(void))
{
	rehearsal = true;
	rehearsal_failures = 0;
	nrehearsed = 0;
	scenario();
	rehearsal = false;
	if (rehearsal_failures) {
		scenario();
		return;
	}
	for (int i = 0; i < nrehearsed; i++)
		check(rehearsed[i].ok, "%s", rehearsed[i].text);
}

/* Steal + irq + softirq time of the whole machine so far (/proc/stat), in ns. */
static uint64_t machine_noise_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (uint64_t)(v[5] + v[6] + v[7]) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (rehearsal && nrehearsed < 16) {
		rehearsed[nrehearsed].ok = ok;
		va_start(ap, fmt);
		vsnprintf(rehearsed[nrehearsed++].text, sizeof(rehearsed[0].text), fmt, ap);
		va_end(ap);
	}
	if (rehearsal)
		printf("# first attempt: %s - ", ok ? "ok" : "not ok");
	else
		printf("%s %d - ", ok ? "ok" : "not ok", ++nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok && rehearsal)
		rehearsal_failures++;
	else if (!ok)
		failures++;
}

static const struct activity_sample *sample(void)
{
	static struct activity_sample s;
	int r = ops->sample(cstate, &s);

	if (r < 0) {
		printf("Bail out! sample: %s\n", strerror(-r));
		exit(1);
	}
	return &s;
}

/* ns the sample charges to process `pid` (all its threads). */
static uint64_t ns_of_tgid(const struct activity_sample *s, pid_t pid)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tgid == (uint32_t)pid)
			ns += s->tasks[i].oncpu_ns;
	return ns;
}

static void scenario_duty(void)
{
	static const unsigned duty[] = { 10, 25, 50, 90 };
	pid_t pid[4];
	int64_t k0[4], k1[4];
	uint64_t got[4] = { 0 };
	double worst_cov = 2, max_cov = 0;

	struct sched_param fifo = { .sched_priority = 10 }, other = { 0 };
	uint64_t noise0, t0, noise, window_ns;
	double slack;

	for (int i = 0; i < 4; i++)
		pid[i] = wl_duty_worker(duty[i], 20 * MS, 6000 * MS);
	/*
	 * The reader runs SCHED_FIFO: on a loaded machine a preempted reader
	 * shifts slices between windows (totals stay exact) and this scenario
	 * is about the collector, not about the reader's luck.
	 */
	(void)sched_setscheduler(0, SCHED_FIFO, &fifo);
	wl_sleep_ns(300 * MS);
	(void)sample();
	noise0 = machine_noise_ns();
	t0 = wl_now_ns();
	for (int i = 0; i < 4; i++)
		k0[i] = wl_schedstat_ns(pid[i]);
	for (int n = 0; n < 50; n++) {
		const struct activity_sample *s;

		wl_sleep_ns(100 * MS);
		s = sample();
		for (int i = 0; i < 4; i++)
			got[i] += ns_of_tgid(s, pid[i]);
		for (unsigned c = 0; c < s->ncpus; c++) {
			double v = activity_coverage(s, c);

			worst_cov = v < worst_cov ? v : worst_cov;
			max_cov = v > max_cov ? v : max_cov;
		}
	}
	for (int i = 0; i < 4; i++)
		k1[i] = wl_schedstat_ns(pid[i]);
	(void)sched_setscheduler(0, SCHED_OTHER, &other);
	/*
	 * Timestamps at sched_switch include steal and irq time, which the
	 * kernel's task clock (schedstat) leaves out: allow the machine's share.
	 */
	noise = machine_noise_ns() - noise0;
	window_ns = wl_now_ns() - t0;
	slack = 0.01 + 2.0 * (double)noise / ((double)window_ns * (double)topo_ncpus);
	for (int i = 0; i < 4; i++) {
		double truth = (double)(k1[i] - k0[i]), err = ((double)got[i] - truth) / truth;

		check(k0[i] >= 0 && k1[i] > k0[i] && err < slack && err > -0.01,
		      "duty %u %%: attributed %.1f ms, schedstat %.1f ms, error %+.3f %% (want "
		      "-1 to +%.2f; steal+irq %.1f ms)",
		      duty[i], (double)got[i] / 1e6, truth / 1e6, err * 100, slack * 100,
		      (double)noise / 1e6);
	}
	/*
	 * A window's coverage needs the reader to read the map and the CPU
	 * states close together: while the hypervisor holds the reader's vCPU,
	 * slices that end on the other CPUs move to the next window (totals
	 * stay exact: the duty checks above). With more than 2 % of the
	 * machine stolen (or spent in interrupts) the figures are printed,
	 * not judged, as for the synthetic counter's 1 % checks.
	 */
	if (is_ebpf && (double)noise > 0.02 * (double)window_ns * (double)topo_ncpus)
		check(true,
		      "per-CPU coverage over 50 windows of 100 ms: min %.4f %%, max %.4f %% # SKIP "
		      "the hypervisor and interrupts took %.1f %% of the machine meanwhile (above "
		      "2 %%: a stolen reader moves slices between windows)",
		      worst_cov * 100, max_cov * 100,
		      100.0 * (double)noise / ((double)window_ns * (double)topo_ncpus));
	else if (is_ebpf)
		check(worst_cov >= 0.995,
		      "per-CPU coverage over 50 windows of 100 ms: min %.4f %% (want >= 99.5), "
		      "max %.4f %%",
		      worst_cov * 100, max_cov * 100);
	else
		printf("# per-CPU coverage over 50 windows of 100 ms: min %.4f %%, max %.4f %%\n",
		       worst_cov * 100, max_cov * 100);
	for (int i = 0; i < 4; i++)
		(void)wl_reap(pid[i]);
}

struct seen {
	uint32_t tgid;
	bool comm_ok;
	uint64_t proc_start_ns;
	uint64_t ns;
};

struct storm {
	const char *exe;
	struct wl_child children[500];
	uint64_t cpu_ns;
	int reaped;
	volatile bool done;
};

static void *storm_thread(void *p)
{
	struct storm *st = p;

	st->reaped = wl_storm(st->exe, 500, 1000 * MS, 2 * MS, st->children, &st->cpu_ns);
	st->done = true;
	return NULL;
}

/* The process a task belongs to, by its start: the collector's, else the task's own for a leader. */
static uint64_t task_proc_start(const struct activity_task *t)
{
	if (t->proc_start_ns)
		return t->proc_start_ns;
	return t->key.tid == t->key.tgid ? t->key.start_ns : 0;
}

static char storm_dir[64];

/*
 * 500 short processes (2 ms of CPU each) over a second. Each child's time is
 * counted by process identity (pid and start, as the kernel keys it), not by
 * name: between fork() and exec() a child runs under its parent's comm, and
 * that time is the child's as much as what follows the exec.
 */
static void scenario_storm(void)
{
	static struct storm st;
	const char *dir = storm_dir;
	uint64_t noise0 = machine_noise_ns(), noise;
	struct seen *seen = NULL;
	size_t nseen = 0, cap = 0;
	char exe[PATH_MAX], link[PATH_MAX + 16];
	uint64_t got = 0, before_exec = 0, reused = 0;
	/* The /proc collector's starts are in ticks, rounded down. */
	uint64_t slack_ns = is_ebpf ? 0 : 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
	pthread_t t;
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		check(false, "storm: readlink /proc/self/exe: %s", strerror(errno));
		return;
	}
	exe[len] = '\0';
	/* Exec'd through a link named js-storm, the children's comm is "js-storm" after exec. */
	snprintf(link, sizeof(link), "%s/js-storm", dir);
	if (symlink(exe, link) < 0) {
		check(false, "storm: symlink %s: %s", link, strerror(errno));
		return;
	}
	memset(&st, 0, sizeof(st));
	st.exe = link;
	(void)sample();
	pthread_create(&t, NULL, storm_thread, &st);
	for (int round = 0; !st.done || round < 2; round++) {
		const struct activity_sample *s;

		wl_sleep_ns(100 * MS);
		s = sample();
		if (st.done)
			round = round < 0 ? 0 : round;
		else
			round = -1;
		for (size_t i = 0; i < s->ntasks; i++) {
			if (nseen == cap) {
				cap = cap ? 2 * cap : 4096;
				seen = realloc(seen, cap * sizeof(*seen));
				if (!seen)
					abort();
			}
			seen[nseen++] = (struct seen){ s->tasks[i].key.tgid,
						       strcmp(s->tasks[i].comm, "js-storm") == 0,
						       task_proc_start(&s->tasks[i]),
						       s->tasks[i].oncpu_ns };
		}
	}
	pthread_join(t, NULL);
	noise = machine_noise_ns() - noise0;
	wl_children_sort(st.children, st.reaped > 0 ? (size_t)st.reaped : 0);
	for (size_t i = 0; i < nseen; i++) {
		size_t n = st.reaped > 0 ? (size_t)st.reaped : 0;

		if (wl_child_find(st.children, n, seen[i].tgid, seen[i].proc_start_ns, slack_ns)) {
			got += seen[i].ns;
			if (!seen[i].comm_ok)
				before_exec += seen[i].ns;
		} else if (wl_child_find(st.children, n, seen[i].tgid, 0, UINT64_MAX / 2)) {
			reused += seen[i].ns; /* a child's pid, another process */
		}
	}
	free(seen);
	unlink(link);
	{
		double frac = st.cpu_ns ? (double)got / (double)st.cpu_ns : 0;
		/*
		 * The requirement is the lower bound: >= 99 % captured. The upper
		 * bound only guards against gross over-charging. rusage leaves out
		 * steal and irq time, which sched_switch timestamps include, and
		 * the end of each child's exit path after its times were
		 * collected for wait4 (measured here at 20-45 us per 2 ms child,
		 * 1-2.3 %): allow 3 % plus the machine's steal+irq share.
		 */
		double over = 1.03 + (double)noise / 2e9;
		bool ok = st.reaped == 500 && (!is_ebpf || (frac >= 0.99 && frac <= over));

		check(ok,
		      "storm: %d processes, rusage %.1f ms, captured %.1f ms (%.2f %%; want 99 to "
		      "%.2f), of which before exec (parent's comm) %.1f ms; other processes on "
		      "their pids %.1f ms; machine steal+irq %.1f ms%s",
		      st.reaped, (double)st.cpu_ns / 1e6, (double)got / 1e6, frac * 100, over * 100,
		      (double)before_exec / 1e6, (double)reused / 1e6, (double)noise / 1e6,
		      is_ebpf ? "" : " (reported, not asserted for proc)");
	}
}

static void scenario_pid_reuse(void)
{
	const struct activity_sample *s;
	pid_t pid = -EBUSY;
	uint64_t ns[2] = { 0 }, starts[2] = { 0 };
	int rows = 0;

	(void)sample();
	for (int tries = 0; tries < 3 && pid == -EBUSY; tries++)
		pid = wl_pid_reuse(20 * MS, 30 * MS);
	if (pid < 0) {
		check(false, "pid reuse: clone3(set_tid): %s", strerror(-pid));
		return;
	}
	wl_sleep_ns(20 * MS);
	s = sample();
	for (size_t i = 0; i < s->ntasks; i++) {
		if (s->tasks[i].key.tgid != (uint32_t)pid)
			continue;
		if (rows < 2) {
			ns[rows] = s->tasks[i].oncpu_ns;
			starts[rows] = s->tasks[i].key.start_ns;
		}
		rows++;
	}
	if (rows == 2 && starts[0] > starts[1]) {
		uint64_t t = ns[0];

		ns[0] = ns[1];
		ns[1] = t;
	}
	if (!is_ebpf) {
		/*
		 * Both processes live and die between two scans: /proc cannot
		 * see them. What it must do: never merge them into one row, and
		 * count the forks it missed.
		 */
		check(rows != 1 && (rows == 2 || s->dropped >= 2),
		      "pid reuse (proc): pid %d twice between scans -> %d rows, %llu missed tasks "
		      "counted (want 0 or 2 rows, never 1; missed counted)",
		      pid, rows, (unsigned long long)s->dropped);
		return;
	}
	check(rows == 2 && starts[0] != starts[1] && ns[0] >= 19 * MS && ns[0] <= 25 * MS &&
		      ns[1] >= 29 * MS && ns[1] <= 35 * MS,
	      "pid reuse: pid %d twice in one interval -> %d rows (%.1f ms, %.1f ms; want 20, 30)",
	      pid, rows, (double)ns[0] / 1e6, (double)ns[1] / 1e6);
}

/* Add process pid's on-CPU time in s: thread tid's to *busy, the main thread's to *main_ns. */
static void thread_ns(const struct activity_sample *s, pid_t pid, pid_t tid, uint64_t *busy,
		      uint64_t *main_ns)
{
	for (size_t i = 0; i < s->ntasks; i++) {
		if (s->tasks[i].key.tgid != (uint32_t)pid)
			continue;
		if (s->tasks[i].key.tid == (uint32_t)tid)
			*busy += s->tasks[i].oncpu_ns;
		else if (s->tasks[i].key.tid == (uint32_t)pid)
			*main_ns += s->tasks[i].oncpu_ns;
	}
}

static void scenario_threads(void)
{
	uint64_t busy = 0, main_ns = 0;
	pid_t pid, tid = 0;
	int64_t truth;

	(void)sample();
	/*
	 * For /proc the busy thread must outlive the scan, which on a loaded
	 * machine can take longer than the thread's 200 ms: it burns 1 s.
	 */
	pid = wl_threaded(is_ebpf ? 200 * MS : 1000 * MS, &tid);
	if (!is_ebpf && pid > 0) {
		const struct activity_sample *s;
		int64_t k0, k1;

		/*
		 * /proc sees only live tasks: sample early in the busy
		 * thread's run, and ask that it, not the main thread, is
		 * charged (the final slice after the last scan is lost by design).
		 * How much it ran by then depends on the machine's load, so the
		 * truth is the kernel's count read just before and just after
		 * the scan, which brackets what the scan saw.
		 */
		wl_sleep_ns(120 * MS);
		k0 = wl_schedstat_ns(pid);
		s = sample();
		k1 = wl_schedstat_ns(pid);
		thread_ns(s, pid, tid, &busy, &main_ns);
		truth = wl_reap(pid);
		check(tid > 0 && tid != pid && k0 > 0 && busy > 0 && main_ns < 10 * MS &&
			      (double)(busy + main_ns) >= (double)k0 - 1e6 &&
			      (double)(busy + main_ns) <= (double)k1 + 1e6 &&
			      (double)busy >= 0.9 * (double)(busy + main_ns) && truth > 0,
		      "threads (proc): busy thread %d %.1f ms, main thread %.1f ms at the scan; "
		      "kernel %.1f to %.1f ms around it (want within 1 ms, 90 %% on the busy "
		      "thread); rusage %.1f ms",
		      tid, (double)busy / 1e6, (double)main_ns / 1e6, (double)k0 / 1e6,
		      (double)k1 / 1e6, (double)truth / 1e6);
		return;
	}
	truth = pid > 0 ? wl_reap(pid) : pid;
	wl_sleep_ns(20 * MS);
	thread_ns(sample(), pid, tid, &busy, &main_ns);
	/*
	 * The busy thread gets its 200 ms, and the two threads together what
	 * the kernel counted for the process: the main thread then gets only
	 * its own time (which fork and exit make tens of ms on a busy host).
	 */
	check(pid > 0 && tid > 0 && tid != pid && busy >= 199 * MS && truth > 0 &&
		      (double)(busy + main_ns) >= 0.99 * (double)truth &&
		      (double)(busy + main_ns) <= 1.01 * (double)truth + 1e6,
	      "threads: busy thread %d %.1f ms (want 200), main thread %.1f ms, together "
	      "%.1f ms, rusage %.1f ms (want within 1 %%)",
	      tid, (double)busy / 1e6, (double)main_ns / 1e6, (double)(busy + main_ns) / 1e6,
	      (double)truth / 1e6);
}

/* Σ over CPUs of the time the sample named irq. */
static uint64_t irq_of(const struct activity_sample *s)
{
	uint64_t t = 0;

	for (unsigned c = 0; s->irq_ns && c < s->ncpus; c++)
		t += s->irq_ns[c];
	return t;
}

/*
 * 4000 threads made at once, then woken at once: a burst of new tasks far
 * below the task map's capacity. Every slice is charged (no drop) and the
 * process's time matches its rusage.
 *
 * The kernel starts a task's run time when it picks the task, a little
 * before the sched_switch tracepoint (PSI and the rest of the switch run in
 * between); the collector's slice starts at the tracepoint, and names that
 * stretch irq on the slice before (its task's run time ended earlier). Each
 * of the burst's ~100 000 short slices can thus leave the process up to a
 * few hundred ns of the kernel's count, all of it named irq: the process
 * gets at least 99 % of its rusage less the irq named meanwhile.
 */
static void scenario_burst(void)
{
	const struct activity_sample *s;
	uint64_t got = 0, dropped = 0, irq = 0;
	int64_t truth;
	int go = -1;
	pid_t pid;

	(void)sample();
	pid = wl_thread_burst(4000, 20, &go);
	s = sample();
	dropped += s->dropped;
	irq += irq_of(s);
	got += ns_of_tgid(s, pid);
	if (pid > 0)
		(void)wl_burst_go(go);
	truth = pid > 0 ? wl_reap(pid) : pid;
	wl_sleep_ns(20 * MS);
	s = sample();
	dropped += s->dropped;
	irq += irq_of(s);
	got += ns_of_tgid(s, pid);
	check(pid > 0 && truth > 0 && dropped == 0 &&
		      (double)got >= 0.99 * (double)truth - (double)irq &&
		      (double)got <= 1.05 * (double)truth + 5e6,
	      "burst of 4000 new threads: %llu slices dropped (want 0), attributed %.1f ms, "
	      "rusage %.1f ms (want at least 99 %% less the %.1f ms named irq meanwhile)",
	      (unsigned long long)dropped, (double)got / 1e6, (double)truth / 1e6,
	      (double)irq / 1e6);
}

#define SYS_N 20000

/*
 * A process for the syscall scenarios, forked now. Each of its `nthreads`
 * threads (1 or 2) waits in a read of its own pipe until sys_go() writes
 * it, makes `calls` getppid() calls, and the process then ends with
 * exit_group(). From the read's return on, every call is a raw system call
 * the test names: the main thread makes calls + 1, the other exactly
 * `calls` (it spins, with no call, until the exit ends it). Returns once
 * every thread waits in its read, with the pid, the other thread's tid (0:
 * none) and the pipes' write ends.
 */
struct sys_proc {
	pid_t pid, tid;
	int go[2];
};

struct sys_thread_arg {
	int fd;
	long calls;
	int done;
};

static void *sys_thread(void *p)
{
	struct sys_thread_arg *a = p;
	char c;

	if (syscall(SYS_read, a->fd, &c, 1) == 1)
		for (long i = 0; i < a->calls; i++)
			syscall(SYS_getppid);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

/* Whether every thread of pid sleeps (state S), after `want` threads exist. */
static bool sys_parked(pid_t pid, unsigned want)
{
	char path[320], buf[512];
	unsigned n = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		FILE *f;
		char *p;
		bool ok = false;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		f = fopen(path, "re");
		if (f) {
			size_t len = fread(buf, 1, sizeof(buf) - 1, f);

			buf[len] = '\0';
			p = strrchr(buf, ')');
			ok = p && p[1] == ' ' && p[2] == 'S';
			fclose(f);
		}
		if (!ok) {
			closedir(d);
			return false;
		}
		n++;
	}
	closedir(d);
	return n == want;
}

static int sys_proc_start(struct sys_proc *sp, unsigned nthreads, long calls)
{
	int p0[2], p1[2];
	char path[64];

	if (pipe(p0) < 0 || pipe(p1) < 0)
		return -errno;
	sp->tid = 0;
	sp->pid = fork();
	if (sp->pid < 0)
		return -errno;
	if (sp->pid == 0) {
		static struct sys_thread_arg a;
		pthread_t t;
		char c;

		a.fd = p1[0];
		a.calls = calls;
		a.done = nthreads < 2;
		if (nthreads > 1 && pthread_create(&t, NULL, sys_thread, &a) != 0)
			_exit(1);
		if (syscall(SYS_read, p0[0], &c, 1) == 1)
			for (long i = 0; i < calls; i++)
				syscall(SYS_getppid);
		while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE))
			__asm__ volatile("" ::: "memory");
		syscall(SYS_exit_group, 0);
	}
	close(p0[0]);
	close(p1[0]);
	sp->go[0] = p0[1];
	sp->go[1] = p1[1];
	/* Every thread waiting in its read (at most 10 s). */
	for (int i = 0; i < 10000 && !sys_parked(sp->pid, nthreads); i++)
		wl_sleep_ns(MS);
	if (nthreads > 1) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)sp->pid);
		d = opendir(path);
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) != sp->pid)
				sp->tid = atoi(e->d_name);
		if (d)
			closedir(d);
	}
	return 0;
}

/* Let its threads make their calls, and reap it once they did. */
static void sys_proc_run(struct sys_proc *sp)
{
	for (int i = 0; i < 2; i++) {
		(void)!write(sp->go[i], "g", 1);
		close(sp->go[i]);
	}
	(void)wl_reap(sp->pid);
}

/* Syscalls of task tid of process pid in the sample. */
static uint64_t calls_of(const struct activity_sample *s, pid_t pid, pid_t tid)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tgid == (uint32_t)pid && s->tasks[i].key.tid == (uint32_t)tid)
			n += s->tasks[i].syscalls;
	return n;
}

/*
 * --syscalls, counted per thread, exactly:
 *  - a process of two threads older than the collector (both waiting in a
 *    read when it opens; a task gets its slot at its first switch-out, so
 *    its first slice's calls were once lost): each thread's calls after its
 *    read, to the call;
 *  - a process forked after it, against its twin making no calls: exactly
 *    SYS_N more.
 */
static void scenario_syscalls(const struct activity_ctx *base)
{
	struct activity_ctx ctx = *base;
	struct activity_sample s;
	char reason[ACTIVITY_REASON_MAX] = "";
	uint64_t main_calls = 0, thread_calls = 0, calls[2] = { 0 };
	struct sys_proc old;
	pid_t pid[2];
	void *st = NULL;
	int r;

	ctx.syscalls = true;
	r = sys_proc_start(&old, 2, SYS_N);
	if (r < 0) {
		check(false, "syscalls: a process older than the collector: %s", strerror(-r));
		return;
	}
	r = ops->open(&ctx, &st, reason, sizeof(reason));
	if (r < 0) {
		check(false, "syscalls: open with syscall counting: %s", reason);
		kill(old.pid, SIGKILL);
		(void)wl_reap(old.pid);
		return;
	}
	(void)ops->sample(st, &s);
	sys_proc_run(&old);
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			for (int k = 0; k < (i ? 0 : SYS_N); k++)
				syscall(SYS_getppid);
			syscall(SYS_exit_group, 0);
		}
		(void)wl_reap(pid[i]);
	}
	/* Two readings: everything the exits left is read by then. */
	for (int k = 0; k < 2; k++) {
		r = ops->sample(st, &s);
		if (r < 0)
			break;
		main_calls += calls_of(&s, old.pid, old.pid);
		thread_calls += calls_of(&s, old.pid, old.tid);
		for (int i = 0; i < 2; i++)
			calls[i] += calls_of(&s, pid[i], pid[i]);
	}
	check(r == 0 && old.tid > 0 && main_calls == SYS_N + 1 && thread_calls == SYS_N,
	      "syscalls: a process older than the collector: %llu calls on its main thread "
	      "(want %d: its getppid() and exit_group()), %llu on its other thread (want %d)",
	      (unsigned long long)main_calls, SYS_N + 1, (unsigned long long)thread_calls, SYS_N);
	check(r == 0 && calls[0] == calls[1] + SYS_N && calls[1] > 0,
	      "syscalls: %d getppid() calls -> %llu counted on the process's row, %llu on its "
	      "twin's that makes none (want exactly %d more)",
	      SYS_N, (unsigned long long)calls[0], (unsigned long long)calls[1], SYS_N);
	ops->close(st);
}

/* The row of `pid` (process grouping) or of `comm` (comm grouping) in snap, or sz 0. */
static struct joulestat_row row_of(struct joulestat_snapshot *snap, enum joulestat_group g,
				   int pid, const char *comm)
{
	int n = joulestat_snapshot_row_count(snap, g);

	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };

		if (joulestat_snapshot_row_get(snap, g, (size_t)i, &row) == 0 &&
		    (g == JOULESTAT_GROUP_COMM ? strcmp(row.comm, comm) == 0 : row.pid == pid))
			return row;
	}
	return (struct joulestat_row){ 0 };
}

/*
 * --syscalls through the monitor (joulestat_new(), the public API): a
 * process older than the monitor, waiting when it starts, then making
 * SYS_N getppid() calls and exit_group(), has exactly that many on its
 * task, on its row in the process grouping and in the row's cumulative
 * count, and at least that many on its comm's row (which this program
 * shares).
 */
static void scenario_syscalls_rows(void)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat_snapshot *snap = NULL;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	struct joulestat_row prow, crow;
	struct joulestat *js = NULL;
	uint64_t task_calls = 0;
	struct sys_proc sp;
	pid_t pid;
	int r;

	r = sys_proc_start(&sp, 1, SYS_N);
	if (r < 0) {
		check(false, "syscalls rows: a process older than the monitor: %s", strerror(-r));
		return;
	}
	pid = sp.pid;
	o.activity = "ebpf";
	o.syscalls = true;
	o.groups = 1u << JOULESTAT_GROUP_PROCESS | 1u << JOULESTAT_GROUP_COMM;
	r = joulestat_new(&o, &js);
	if (r < 0) {
		check(false, "syscalls rows: joulestat_new: %s", strerror(-r));
		kill(pid, SIGKILL);
		(void)wl_reap(pid);
		return;
	}
	sys_proc_run(&sp);
	r = joulestat_sample(js, &snap);
	if (r < 0) {
		check(false, "syscalls rows: joulestat_sample: %s", strerror(-r));
		joulestat_free(js);
		return;
	}
	(void)joulestat_snapshot_get(snap, &info);
	for (size_t i = 0; i < info.ntasks; i++) {
		struct joulestat_task t = { .sz = sizeof(t) };

		if (joulestat_snapshot_task_get(snap, i, &t) == 0 && t.pid == pid)
			task_calls += t.syscalls;
	}
	prow = row_of(snap, JOULESTAT_GROUP_PROCESS, pid, NULL);
	/* The eBPF collector takes a comm at fork and exec, not at PR_SET_NAME: its comm's row. */
	crow = prow.sz ? row_of(snap, JOULESTAT_GROUP_COMM, 0, prow.comm)
		       : (struct joulestat_row){ 0 };
	check(info.syscalls_counted && info.syscalls >= task_calls && task_calls == SYS_N + 1 &&
		      prow.sz && prow.syscalls == task_calls &&
		      prow.cumulative_syscalls == task_calls && crow.sz &&
		      crow.syscalls >= task_calls,
	      "syscalls rows: %d getppid() calls and exit_group() -> %llu on the tasks (want %d), "
	      "%llu on the process row (%llu since first seen), %llu on its comm's row; counted "
	      "%d, %llu in all",
	      SYS_N, (unsigned long long)task_calls, SYS_N + 1, (unsigned long long)prow.syscalls,
	      (unsigned long long)prow.cumulative_syscalls, (unsigned long long)crow.syscalls,
	      info.syscalls_counted, (unsigned long long)info.syscalls);
	joulestat_snapshot_free(snap);
	joulestat_free(js);
}
#if HAVE_BPF
static bool percpu_type(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/*
 * The maps of the sched_switch program the collector just loaded, as the
 * kernel reports them: every map sized by tasks (more entries than possible
 * CPUs) must hold a fixed value per entry - not one per possible CPU - of at
 * most 128 bytes, and every per-CPU map must have one entry. With one
 * 72-byte value per possible CPU per task (a per-CPU hash), 256 possible
 * CPUs made 18 kB a task; this fails on such a map whatever this machine's
 * CPU count.
 */
static void scenario_map_memory(uint32_t prog_id_before)
{
	char desc[512] = "";
	const char *p;
	unsigned long slots = 0;
	uint32_t id = prog_id_before, best = 0, map_ids[32];
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);
	int nposs = libbpf_num_possible_cpus(), fd = -1, bad = 0;
	uint64_t per_task = 0;
	unsigned nmaps = 0, task_maps = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		int f = bpf_prog_get_fd_by_id(id);
		struct bpf_prog_info info = { 0 };
		__u32 l = sizeof(info);

		if (f < 0)
			continue;
		if (bpf_obj_get_info_by_fd(f, &info, &l) == 0 &&
		    (!strcmp(info.name, "switch_btf") || !strcmp(info.name, "switch_raw")) &&
		    id > best) {
			if (fd >= 0)
				close(fd);
			fd = f;
			best = id;
			continue;
		}
		close(f);
	}
	if (fd < 0) {
		check(false, "map memory: the collector's sched_switch program was not found");
		return;
	}
	/* The slot table's size, as the collector says it ("N task slots"). */
	(void)activity_ebpf_describe(cstate, desc, sizeof(desc));
	p = strstr(desc, " task slots");
	while (p && p > desc && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p)
		slots = strtoul(p, NULL, 10);
	pi.nr_map_ids = 32;
	pi.map_ids = (uint64_t)(uintptr_t)map_ids;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len) < 0) {
		check(false, "map memory: program info: %s", strerror(errno));
		close(fd);
		return;
	}
	nmaps = pi.nr_map_ids < 32 ? pi.nr_map_ids : 32;
	for (unsigned i = 0; i < nmaps; i++) {
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);
		struct bpf_map_info mi = { 0 };
		__u32 ml = sizeof(mi);
		bool by_tasks;

		if (mfd < 0 || bpf_obj_get_info_by_fd(mfd, &mi, &ml) < 0) {
			bad++;
			if (mfd >= 0)
				close(mfd);
			continue;
		}
		close(mfd);
		/* Task-local storage: a value per task; arrays of the slots' count (or its power of two). */
		by_tasks = mi.type == BPF_MAP_TYPE_TASK_STORAGE ||
			   (slots && mi.max_entries >= slots && mi.max_entries < 2 * slots);
		printf("# map %-12s type %2u key %2u value %4u entries %8u%s\n", mi.name, mi.type,
		       mi.key_size, mi.value_size, mi.max_entries,
		       by_tasks ? " (per task)" : "");
		if (percpu_type(mi.type) && mi.max_entries > 1)
			bad++;
		if (by_tasks) {
			task_maps++;
			per_task += mi.value_size;
			if (mi.value_size > 128 || percpu_type(mi.type))
				bad++;
		}
	}
	close(fd);
	check(bad == 0 && slots > 0 && task_maps >= 2 && per_task <= 256,
	      "map memory: %u maps, %u sized by the %lu task slots holding %llu bytes a task, "
	      "%d per-CPU or oversized (%d possible CPUs; want none, and <= 256 bytes a task "
	      "whatever the CPUs)",
	      nmaps, task_maps, slots, (unsigned long long)per_task, bad, nposs);
}
#endif

int main(int argc, char **argv)
{
	struct fsroot fs;
	struct topology topo;
	struct logger lg = { 0 };
	struct activity_ctx ctx;
	char reason[ACTIVITY_REASON_MAX] = "", dir[] = "/tmp/js-priv-XXXXXX";
	uint32_t prog_id_before = 0;
	int r;

	wl_handle_burn_argv(argc, argv);
	if (argc != 2 || (strcmp(argv[1], "ebpf") && strcmp(argv[1], "proc"))) {
		fprintf(stderr, "usage: %s ebpf|proc\n", argv[0]);
		return 2;
	}
	is_ebpf = strcmp(argv[1], "ebpf") == 0;
	ops = is_ebpf ? &activity_ebpf_ops : &activity_proc_ops;
	if (geteuid() != 0) {
		printf("SKIP: not root: the privileged suite needs root (clone3 set_tid%s)\n",
		       is_ebpf ? ", BPF" : "");
		return SKIP;
	}
	if (is_ebpf && access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("SKIP: no BTF at /sys/kernel/btf/vmlinux\n");
		return SKIP;
	}
	if (fsroot_init(&fs, NULL, NULL, NULL) < 0 || topology_read(&fs, &lg, &topo) < 0) {
		printf("Bail out! cannot read the topology\n");
		return 1;
	}
	ctx = (struct activity_ctx){ .fs = &fs, .topo = &topo, .log = &lg };
	topo_ncpus = topo.ncpus;
#if HAVE_BPF
	while (bpf_prog_get_next_id(prog_id_before, &prog_id_before) == 0)
		;
#endif
	r = ops->open(&ctx, &cstate, reason, sizeof(reason));
	if (r == -ENOSYS) {
		printf("SKIP: the %s collector is not in this build: %s\n", ops->name, reason);
		return SKIP;
	}
	if (r < 0) {
		printf("Bail out! %s collector: %s (%s)\n", ops->name, reason, strerror(-r));
		return 1;
	}
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(storm_dir, sizeof(storm_dir), "%s", dir);
#if HAVE_BPF
	if (is_ebpf)
		scenario_map_memory(prog_id_before);
#else
	(void)prog_id_before;
#endif
	attempt_twice(scenario_duty);
	attempt_twice(scenario_storm);
	if (is_ebpf) {
		scenario_syscalls(&ctx);
		scenario_syscalls_rows();
		scenario_burst();
	}
	/*
	 * Both compare one interval with the kernel's count to the millisecond
	 * or the percent: a burst of steal can spoil one run (once seen: the
	 * busy thread counted +4.8 % while another build loaded the machine).
	 */
	attempt_twice(scenario_pid_reuse);
	attempt_twice(scenario_threads);
	ops->close(cstate);
	rmdir(dir);
	fsroot_done(&fs);
	printf("%s: %d checks, %d failed\n", ops->name, nr, failures);
	return failures ? 1 : 0;
}
