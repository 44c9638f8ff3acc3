/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* workload.c - CPU work with a known truth (see workload.h). */
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

void wl_burn_ns(uint64_t ns)
{
	struct timespec ts;
	uint64_t end;
	volatile uint64_t spin = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = ts_ns(&ts) + ns;
	do {
		for (int i = 0; i < 1000; i++)
			spin++;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts_ns(&ts) < end);
}

void wl_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

pid_t wl_duty_worker(unsigned duty_pct, uint64_t period_ns, uint64_t run_ns)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		uint64_t end = wl_now_ns() + run_ns, busy = period_ns * duty_pct / 100;

		while (wl_now_ns() < end) {
			uint64_t t = wl_now_ns();

			wl_burn_ns(busy);
			/* Sleep what is left of the period by the wall clock. */
			if (wl_now_ns() < t + period_ns)
				wl_sleep_ns(t + period_ns - wl_now_ns());
		}
		_exit(0);
	}
	return pid;
}

void wl_handle_burn_argv(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--burn") == 0) {
		wl_burn_ns(strtoull(argv[2], NULL, 10));
		exit(0);
	}
}

static int64_t rusage_ns(const struct rusage *ru)
{
	return ((int64_t)ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000LL +
	       ((int64_t)ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000LL;
}

/*
 * A child's CPU time is final only after its last context switch: the
 * kernel adds a running task's time at switches and ticks, and wait4()
 * reads what was added, so reaping a child the moment it becomes a zombie
 * misses its time since its last tick (up to 1/HZ). Wait for the exit
 * without reaping, give the child time to switch out, then reap.
 */
static void settle(idtype_t type, id_t id, int flags)
{
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(type, id, &si, WEXITED | WNOWAIT | flags) == 0 && si.si_pid)
		wl_sleep_ns(300000);
}

int64_t wl_reap(pid_t pid)
{
	struct rusage ru;
	int status;

	settle(P_PID, (id_t)pid, 0);

	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	return rusage_ns(&ru);
}

uint64_t wl_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts_ns(&ts);
}

static int cmp_child(const void *a, const void *b)
{
	const struct wl_child *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void wl_children_sort(struct wl_child *c, size_t n)
{
	qsort(c, n, sizeof(*c), cmp_child);
}

const struct wl_child *wl_child_find(const struct wl_child *sorted, size_t n, uint32_t tgid,
				     uint64_t proc_start_ns, uint64_t slack_ns)
{
	struct wl_child key = { .pid = (pid_t)tgid };
	const struct wl_child *c = bsearch(&key, sorted, n, sizeof(*sorted), cmp_child);

	/* A reused pid: the first child with it, then its neighbours with the same pid. */
	while (c && c > sorted && c[-1].pid == key.pid)
		c--;
	for (; c && c < sorted + n && c->pid == key.pid; c++)
		if (proc_start_ns + slack_ns >= c->start_lo_ns &&
		    proc_start_ns <= c->start_hi_ns + slack_ns)
			return c;
	return NULL;
}

int wl_storm(const char *exe, unsigned n, uint64_t span_ns, uint64_t burn_ns,
	     struct wl_child *ret_children, uint64_t *ret_cpu_ns)
{
	char arg[32];
	uint64_t start = wl_now_ns(), cpu = 0;
	unsigned started = 0, reaped = 0;
	int err = 0;

	snprintf(arg, sizeof(arg), "%llu", (unsigned long long)burn_ns);
	while (reaped < started || started < n) {
		struct rusage ru;
		int status;
		pid_t p;

		if (started < n && wl_now_ns() >= start + span_ns * started / n) {
			uint64_t lo = wl_boot_ns();

			p = fork();
			if (p < 0) {
				err = -errno;
				n = started;
				continue;
			}
			if (p == 0) {
				execl(exe, exe, "--burn", arg, (char *)NULL);
				_exit(127);
			}
			ret_children[started++] = (struct wl_child){ p, lo, wl_boot_ns() };
			continue;
		}
		settle(P_ALL, 0, started < n ? WNOHANG : 0);
		p = wait4(-1, &status, WNOHANG, &ru);
		if (p > 0) {
			cpu += (uint64_t)rusage_ns(&ru);
			reaped++;
		} else if (started < n) {
			wl_sleep_ns(100000);
		} else if (p < 0 && errno != EINTR) {
			break;
		}
	}
	*ret_cpu_ns = cpu;
	return err ? err : (int)reaped;
}

static pid_t clone3_pid(pid_t want)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	pid_t tid[1] = { want };

	if (want) {
		args.set_tid = (uint64_t)(uintptr_t)tid;
		args.set_tid_size = 1;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

pid_t wl_pid_reuse(uint64_t first_ns, uint64_t second_ns)
{
	pid_t first, second;

	first = clone3_pid(0);
	if (first < 0)
		return -errno;
	if (first == 0) {
		wl_burn_ns(first_ns);
		_exit(0);
	}
	if (wl_reap(first) < 0)
		return -ECHILD;
	second = clone3_pid(first);
	if (second < 0)
		return errno == EEXIST ? -EBUSY : -errno;
	if (second == 0) {
		wl_burn_ns(second_ns);
		_exit(0);
	}
	if (wl_reap(second) < 0)
		return -ECHILD;
	return second;
}

struct burner_arg {
	uint64_t ns;
	int fd;		/* the thread's tid is written here before it starts burning */
};

static void *burner(void *p)
{
	const struct burner_arg *arg = p;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (write(arg->fd, &tid, sizeof(tid)) != sizeof(tid))
		return NULL;
	wl_burn_ns(arg->ns);
	return NULL;
}

pid_t wl_threaded(uint64_t burn_ns, pid_t *ret_tid)
{
	int fds[2];
	pid_t pid, tid = 0;

	if (pipe(fds) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		struct burner_arg arg = { burn_ns, fds[1] };
		pthread_t t;

		close(fds[0]);
		if (pthread_create(&t, NULL, burner, &arg) != 0)
			_exit(1);
		pthread_join(t, NULL);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &tid, sizeof(tid)) != sizeof(tid))
		tid = -1;
	close(fds[0]);
	*ret_tid = tid;
	return pid;
}

int64_t wl_schedstat_ns(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int64_t sum = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char p[320];
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (int64_t)ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

struct burst_arg {
	pthread_barrier_t *bar;
	unsigned rounds;
};

static void *burst_thread(void *p)
{
	const struct burst_arg *arg = p;

	pthread_barrier_wait(arg->bar);
	for (unsigned i = 0; i < arg->rounds; i++) {
		wl_burn_ns(100 * 1000);
		wl_sleep_ns(5 * 1000 * 1000);
	}
	return NULL;
}

/* The child: n threads on a barrier, "ready" on ready_fd, the release on go_fd. */
static int burst_child(unsigned n, unsigned rounds, int ready_fd, int go_fd)
{
	pthread_barrier_t bar;
	struct burst_arg arg = { &bar, rounds };
	pthread_attr_t attr;
	pthread_t *t = calloc(n, sizeof(*t));
	unsigned made = 0;
	char c = 1;

	if (!t || pthread_barrier_init(&bar, NULL, n + 1) != 0 || pthread_attr_init(&attr) != 0)
		return 1;
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; made < n; made++)
		if (pthread_create(&t[made], &attr, burst_thread, &arg) != 0)
			return 1; /* the barrier never opens: the parent's kill ends it */
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		return 1;
	pthread_barrier_wait(&bar);
	for (unsigned i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	return 0;
}

pid_t wl_thread_burst(unsigned n, unsigned rounds, int *ret_go_fd)
{
	int ready[2], go[2];
	pid_t pid;
	char c;

	if (pipe(ready) < 0)
		return -errno;
	if (pipe(go) < 0) {
		int e = -errno;

		close(ready[0]);
		close(ready[1]);
		return e;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		_exit(burst_child(n, rounds, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		int e = pid < 0 ? -errno : -ECHILD;

		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(ready[0]);
		close(go[1]);
		return e;
	}
	close(ready[0]);
	*ret_go_fd = go[1];
	return pid;
}

int wl_burst_go(int go_fd)
{
	char c = 1;
	int r = write(go_fd, &c, 1) == 1 ? 0 : -errno;

	close(go_fd);
	return r;
}
