/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * workload.h - CPU work with a known truth, for the privileged tests and the
 * benchmarks: busy loops measured on CLOCK_THREAD_CPUTIME_ID (so "10 ms" is
 * 10 ms of CPU whatever the contention), duty-cycle workers, a storm of
 * short-lived processes, forced PID reuse and a multithreaded process.
 * Every function that starts a process returns its pid; callers reap it.
 */
#ifndef JOULESTAT_WORKLOAD_H
#define JOULESTAT_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Busy-loop until this thread has used `ns` more CPU time. */
void wl_burn_ns(uint64_t ns);

/* CLOCK_MONOTONIC in ns. */
uint64_t wl_now_ns(void);

/* Sleep `ns` (restarted on EINTR). */
void wl_sleep_ns(uint64_t ns);

/*
 * A child process that, for `run_ns` of wall time, burns duty_pct % of each
 * `period_ns` as CPU time and sleeps the rest. Returns its pid or -errno.
 */
pid_t wl_duty_worker(unsigned duty_pct, uint64_t period_ns, uint64_t run_ns);

/*
 * A child as the kernel identifies it: its pid and the window its start
 * (task->start_boottime, CLOCK_BOOTTIME ns; what collectors key a process by)
 * lies in, read before and after fork() returned in the parent. A task with
 * this pid but a start outside the window is another process that reused it.
 */
struct wl_child {
	pid_t pid;
	uint64_t start_lo_ns, start_hi_ns;
};

/* CLOCK_BOOTTIME, ns. */
uint64_t wl_boot_ns(void);

/*
 * Start `n` processes evenly over `span_ns`, each running `exe` with
 * arguments `--burn NS` (the caller's program burns NS of CPU and exits;
 * see wl_handle_burn_argv()), and reap them. *ret_cpu_ns gets the sum of the
 * children's CPU time from wait4()'s rusage; ret_children (n entries) who
 * they were. Returns the number reaped or -errno.
 */
int wl_storm(const char *exe, unsigned n, uint64_t span_ns, uint64_t burn_ns,
	     struct wl_child *ret_children, uint64_t *ret_cpu_ns);

/*
 * Sort children by pid for wl_child_find(); then the child that is the
 * process (tgid, process start in ns since boot), or NULL. slack_ns widens
 * the window for collectors whose starts are rounded (/proc: one tick).
 */
void wl_children_sort(struct wl_child *c, size_t n);
const struct wl_child *wl_child_find(const struct wl_child *sorted, size_t n, uint32_t tgid,
				     uint64_t proc_start_ns, uint64_t slack_ns);

/* In main(): when argv is "--burn NS", burn NS of CPU time and exit(0). */
void wl_handle_burn_argv(int argc, char **argv);

/*
 * Two processes with the same PID, one after the other: the first burns
 * first_ns and is reaped, then clone3(set_tid) starts the second with the
 * same pid, which burns second_ns and is reaped. Needs CAP_SYS_ADMIN.
 * Returns the pid or -errno (-EBUSY when the pid was taken meanwhile).
 */
pid_t wl_pid_reuse(uint64_t first_ns, uint64_t second_ns);

/*
 * A process whose main thread sleeps while a second thread burns `burn_ns`;
 * it exits when done. *ret_tid gets the busy thread's tid (through a pipe).
 * Returns the pid or -errno.
 */
pid_t wl_threaded(uint64_t burn_ns, pid_t *ret_tid);

/*
 * A process with `n` threads that wait on one barrier: wl_burst_go() releases
 * them all at once, and each then does `rounds` times 100 µs of CPU and a
 * 5 ms sleep, and the process exits. The threads exist before the release,
 * so the release is a burst of first switches of tasks the collector may
 * not have seen run. Returns the pid (it is ready when this returns) or
 * -errno; *ret_go_fd gets the descriptor wl_burst_go() writes to.
 */
pid_t wl_thread_burst(unsigned n, unsigned rounds, int *ret_go_fd);

/* Release the burst's threads and close go_fd. Returns 0 or -errno. */
int wl_burst_go(int go_fd);

/* Sum of the first field (ns on CPU) of /proc/PID/task/ * /schedstat, or -errno. */
int64_t wl_schedstat_ns(pid_t pid);

/* Wait for pid; returns its CPU time (rusage) in ns, or -errno. */
int64_t wl_reap(pid_t pid);

#endif
