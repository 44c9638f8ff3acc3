/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_proc.c - the /proc activity collector: per-thread on-CPU time
 * from <procfs>/PID/task/TID/schedstat, per-CPU idle from <procfs>/stat.
 * Unprivileged, and used when eBPF is not allowed.
 *
 * What it reads, and why:
 * - task/TID/schedstat, first field: the thread's se.sum_exec_runtime in ns.
 *   /proc/PID/schedstat is the thread-group leader only: a process whose
 *   work runs in other threads would read as idle.
 * - task/TID/stat: comm, flags (PF_KTHREAD), start time (field 22, USER_HZ
 *   ticks since boot: with the tid it keys the task, so a reused PID is a new
 *   task) and processor (field 39, the CPU it last ran on). Read only for
 *   threads whose schedstat moved: a sleeping thread costs one pread.
 * - statm (RSS, the process's: the same figure on each of its threads) and
 *   cgroup (the v2 directory's inode under <sysfs>/fs/cgroup, the cgroup id
 *   that bpf_get_current_cgroup_id() gives; read once per process).
 * - stat: per-CPU idle + iowait, and "processes" (forks since boot).
 *
 * Kept-open fds: schedstat (and stat while the budget allows) stay open
 * between scans and are read with pread at offset 0: 4–8× cheaper than
 * open/read/close for schedstat. An open /proc file holds the task's struct
 * pid, not its number: once the task is reaped, reads give ESRCH even if the
 * number is reused, so a kept fd never reads a successor. At most 3/4 of
 * RLIMIT_NOFILE is kept (the rest is the caller's); beyond it, files are
 * opened per read, by number: a task whose tid was reused within one
 * interval is then read as its successor (a counter that went backwards is
 * counted and re-based; one that went forwards is charged to the old key).
 *
 * Discovery: the kernel counts every fork (threads too) in /proc/stat
 * "processes". When it did not move, no task can be new and the scan does
 * not list directories at all. When it moved, <procfs> is listed for new
 * processes; if the new tasks found do not explain every fork and
 * <procfs>/loadavg counts more tasks on the host than are tracked, each
 * known process's task/ link count (2 + threads, proc_task_getattr()) says
 * which ones grew threads. Forks still unexplained were tasks that began
 * and ended between two scans: counted in `dropped` (their CPU time is in
 * lost_ns, since /proc/stat saw it). In a container whose /proc shows a
 * subset of the host's tasks while /proc/stat is the host's, this count
 * includes tasks outside the container.
 *
 * A task first seen after the previous scan began started in this interval
 * (start time ≥ that scan minus one tick): all its on-CPU time is this
 * interval's. Otherwise its first reading is only a baseline.
 *
 * Per-CPU rows, an approximation: /proc gives a thread's total, not its
 * split over CPUs. The interval's delta is charged to the CPU the thread
 * last ran on (stat field 39). It is exact when the thread stayed on one
 * CPU during the interval; a thread that migrated has its whole delta on
 * its last CPU, so one CPU is over-charged and another under-charged by the
 * time it ran elsewhere (at most that delta; totals per task and over all
 * CPUs stay exact). Per domain the error cancels when both CPUs are in the
 * same domain (one socket).
 *
 * Per-CPU reconciliation: interval = end − start (CLOCK_MONOTONIC), charged
 * = the tasks' deltas on the CPU. The busy total comes from the most exact
 * count the kernel offers (busy_basis):
 *
 * - cpuacct: the root cgroup's cpuacct.usage_percpu (cgroup v1), every
 *   task's run time per CPU in ns: the same accounting as schedstat
 *   (update_curr), so what the tasks ran and what the CPU was busy agree;
 * - tasks: without it, the tasks' own sum, in an interval where the scan
 *   knows it tracked every task of the host (no fork unexplained, no task
 *   vanished, unread or first seen with time already spent, and loadavg
 *   counts exactly the tasks tracked): nothing is lost then;
 * - ticks: otherwise /proc/stat, busy = interval − idle, idle = min(Δ(idle +
 *   iowait) × tick, interval − charged) (ns-exact schedstat wins over
 *   USER_HZ-quantised ticks), lost = max(0, busy − charged).
 *
 * /proc/stat's work ticks are not a busy total: user and system are tick
 * samples, and the non-idle time also holds what no task ran (the idle
 * loop's exits and entries, interrupts taken while idle: in a VM, where
 * each is a VM exit, about 6 % of a CPU beside a task waking every 2 ms).
 * Charged as lost, that time took its share of energy from the tasks. The
 * v2 root's cpu.stat is summed from the same tick counts.
 *
 * With an exact busy total, lost = max(0, Σ busy − Σ charged) over all CPUs
 * (a migration over-charges one CPU and under-charges another: that is not
 * lost time), spread over the CPUs where busy exceeds charged; irq = Δsteal
 * (time the hypervisor gave elsewhere, which neither count holds); idle is
 * the rest of the interval. Σ task + idle + lost + irq = interval per CPU
 * unless the charged time alone exceeds it (a migration over-charge), and
 * over all CPUs Σ idle = Σ (interval − busy − steal).
 *
 * captured = Σ charged / Σ (charged + lost), ≤ 1: below 1 when tasks were
 * missed (lived between scans, vanished before their final read,
 * unreadable) or, on the ticks basis, when steal time was high.
 *
 * Races are normal: a task can exit between readdir and open, or mid-read
 * (ESRCH, ENOENT, an empty read). None of them fails a sample.
 *
 * Fixture trees (--procfs-root not /proc) bring their own clock: <procfs>/uptime
 * gives both ends of the interval, so tests get exact interval lengths. A
 * fixture marks an exited task by removing its directory (the kept fd then
 * reads the final value once: the file's link count is 0) or by emptying its
 * schedstat (it vanished before the final read, as ESRCH does on /proc).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activity.h"
#include "activity_proc.h"
#include "procfs_parse.h"
#include "util.h"

#define NO_INDEX UINT32_MAX

/* Where an interval's busy time came from: see the header. */
enum busy_basis {
	BUSY_TICKS,
	BUSY_CPUACCT,
	BUSY_TASKS,
};
#define STAT_BUF_MIN 4096
#define STAT_BUF_MAX (16u << 20)

/* A thread being tracked. */
struct pthread {
	uint32_t tid;
	uint32_t tgid;
	uint64_t start_ns;
	uint64_t last_oncpu_ns;	/* schedstat at the last read */
	uint64_t delta_ns;	/* this interval */
	int sched_fd;		/* kept, or -1 */
	int stat_fd;		/* kept, or -1 */
	uint32_t proc;		/* index into procs */
	uint32_t uid;
	uint32_t cpu;		/* stat field 39 at the last read */
	uint32_t kflags;	/* ACTIVITY_TASK_KERNEL */
	uint32_t sflags;	/* this interval: EXITED, NEW */
	uint32_t ppid;		/* stat field 4 when first scanned: the parent process */
	bool live;
	char comm[ACTIVITY_COMM_LEN];
};

struct pproc {
	uint32_t tgid;
	uint32_t nthreads;	/* threads tracked, exited ones until the interval closes */
	uint32_t nrunning;	/* of those, not known to have exited */
	uint64_t cgroup_id;
	uint64_t rss_bytes;
	uint64_t rss_scan;	/* scan number of rss_bytes */
	bool live;		/* slot in use */
	bool mapped;		/* in tgidmap: false once every thread exited, so a reuse is new */
};

/* Open addressing, linear probing, backward-shift deletion; key 0 is "empty" (no task has id 0 here). */
struct idmap {
	uint32_t *keys;
	uint32_t *vals;
	size_t cap;		/* power of two */
	size_t n;
};

struct procscan {
	struct {
		const struct fsroot *fs;	/* borrowed from activity_ctx: outlives the collector */
		const struct logger *log;
	} ctx;
	bool real;		/* <procfs> is the real /proc */
	int proc_dirfd;		/* <procfs> itself */
	int sys_dirfd;		/* <sysfs>, or -1 */
	const char *cg2_rel;	/* the cgroup v2 hierarchy below it: "fs/cgroup/[unified/]" */
	int stat_fd;		/* <procfs>/stat */
	char *statbuf;
	size_t statbuf_size;
	unsigned ncpus;
	uint64_t tick_ns;
	uint64_t page_size;
	struct proc_stat_cpu *cpu_prev, *cpu_now;
	int acct_fd;		/* the root cgroup's cpuacct.usage_percpu (v1), or -1 */
	uint64_t *acct_prev, *acct_now;	/* [ncpus] ns */
	bool acct_prev_ok;	/* acct_prev holds the previous scan's reading */
	char busy_from[ACTIVITY_REASON_MAX];	/* how busy time is counted, for probe */
	uint64_t forks_prev;
	uint64_t prev_mono_ns;	/* end of the previous interval */
	uint64_t prev_boot_ns;	/* boot-time clock when the previous scan began */
	uint64_t scan_no;
	bool first;		/* the baseline scan of open() is running */

	struct pthread *threads;
	size_t nthreads, cap_threads;
	uint32_t *free_threads;	/* as many slots as threads[] */
	size_t nfree_threads, cap_free_threads;
	struct pproc *procs;
	size_t nprocs, cap_procs;
	uint32_t *free_procs;	/* as many slots as procs[] */
	size_t nfree_procs, cap_free_procs;
	struct idmap tidmap, tgidmap;

	uint64_t fd_budget, kept_fds;
	uint64_t nrunning;	/* threads tracked and not known to have exited */
	uint64_t found_started;	/* new tasks found this scan that started in the interval */
	uint64_t found_old;	/* new tasks found this scan whose earlier time is unseen */

	/* Output, valid until the next sample(). */
	struct activity_task *out_tasks;
	struct activity_row *out_rows;
	size_t cap_out, cap_out_rows;
	uint64_t *idle_ns, *lost_ns, *charged_ns, *irq_ns, *busy_ns;
	uint64_t dropped;

	enum busy_basis basis;	/* of the last interval */
	struct activity_proc_stats st;
};

/* ---- id map ---- */

static size_t idmap_slot(const struct idmap *m, uint32_t key)
{
	return (size_t)(key * 2654435761u) & (m->cap - 1);
}

static uint32_t idmap_get(const struct idmap *m, uint32_t key)
{
	if (m->cap == 0)
		return NO_INDEX;
	for (size_t i = idmap_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (m->keys[i] == 0)
			return NO_INDEX;
	}
}

static int idmap_grow(struct idmap *m)
{
	struct idmap g = { .cap = m->cap ? m->cap * 2 : 1024 };

	g.keys = calloc(g.cap, sizeof(*g.keys));
	g.vals = calloc(g.cap, sizeof(*g.vals));
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == 0)
			continue;
		size_t j = idmap_slot(&g, m->keys[i]);

		while (g.keys[j] != 0)
			j = (j + 1) & (g.cap - 1);
		g.keys[j] = m->keys[i];
		g.vals[j] = m->vals[i];
	}
	g.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

static int idmap_put(struct idmap *m, uint32_t key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		int r = idmap_grow(m);

		if (r < 0)
			return r;
	}
	for (i = idmap_slot(m, key); m->keys[i] != 0 && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		;
	if (m->keys[i] == 0)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

static void idmap_del(struct idmap *m, uint32_t key)
{
	size_t i, j;

	if (m->cap == 0)
		return;
	for (i = idmap_slot(m, key); m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == 0)
			return;
	/* Backward shift: move later entries of the run into the hole when their home allows. */
	for (j = (i + 1) & (m->cap - 1); m->keys[j] != 0; j = (j + 1) & (m->cap - 1)) {
		size_t home = idmap_slot(m, m->keys[j]);

		if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->n--;
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct idmap){ 0 };
}

/* ---- small I/O helpers ---- */

/* An error that means "the task is gone", a normal race and never a failure. */
static bool is_vanished(ssize_t r)
{
	return r == 0 || r == -ESRCH || r == -ENOENT;
}

static bool budget_left(const struct procscan *ps, uint64_t reserve)
{
	return ps->kept_fds + reserve < ps->fd_budget;
}

/*
 * One pread from offset 0. A per-task proc file is one single_open()
 * seq_file: the first read returns all of it when it fits. fd_read_all()
 * reads on to EOF, and that second pread makes the kernel print the whole
 * file again: twice the cost of a sleeping task's scan. Only a full buffer
 * falls back to it.
 */
static ssize_t read_once(int fd, char *buf, size_t size)
{
	ssize_t n;

	do {
		n = pread(fd, buf, size - 1, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return fd_read_all(fd, buf, size);
	buf[n] = '\0';
	return n;
}

/*
 * Read a per-task file through its kept fd, or open it (keeping the fd when
 * `keep` and the budget allow). Returns the length, 0 for an empty file, or
 * -errno. When `ret_unlinked` is given and the root is a fixture, it says
 * whether the file was removed after it was opened (an exited task).
 */
static ssize_t read_task_file(struct procscan *ps, int *slot, uint32_t tgid, uint32_t tid,
			      const char *name, bool keep, char *buf, size_t size,
			      bool *ret_unlinked)
{
	char rel[64];
	ssize_t n;
	int fd = *slot;

	if (fd < 0) {
		snprintf(rel, sizeof(rel), "%u/task/%u/%s", tgid, tid, name);
		fd = file_open_input(ps->proc_dirfd, rel, O_RDONLY);
		if (fd < 0)
			return fd;
		n = read_once(fd, buf, size);
		if (keep && n > 0 && budget_left(ps, 0)) {
			*slot = fd;
			ps->kept_fds++;
		} else {
			close(fd);
		}
		return n;
	}
	n = read_once(fd, buf, size);
	if (n > 0 && ret_unlinked && !ps->real) {
		struct stat sb;

		*ret_unlinked = fstat(fd, &sb) == 0 && sb.st_nlink == 0;
	}
	return n;
}

static void close_slot(struct procscan *ps, int *slot)
{
	if (*slot >= 0) {
		close(*slot);
		ps->kept_fds--;
		*slot = -1;
	}
}

/* The interval's clocks: real /proc uses the system's, a fixture its own uptime file. */
static int read_clocks(struct procscan *ps, uint64_t *ret_mono_ns, uint64_t *ret_boot_ns)
{
	char buf[128];
	uint64_t ns;
	ssize_t n;
	int r;

	if (ps->real) {
		struct timespec ts;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		*ret_boot_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
		*ret_mono_ns = now_ns();
		return 0;
	}
	n = fsroot_read(ps->ctx.fs, FS_PROC, "uptime", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	r = parse_uptime(buf, (size_t)n, &ns);
	if (r < 0)
		return r;
	*ret_mono_ns = ns;
	*ret_boot_ns = ns;
	return 0;
}

/* Read and parse <procfs>/stat into cpu_now and *ret_forks, growing the buffer as needed. */
static int read_proc_stat(struct procscan *ps, uint64_t *ret_forks)
{
	unsigned skipped;
	ssize_t n;
	int r;

	for (;;) {
		n = fd_read_all(ps->stat_fd, ps->statbuf, ps->statbuf_size);
		if (n != -EFBIG)
			break;
		if (ps->statbuf_size >= STAT_BUF_MAX)
			return -EFBIG;
		char *b = realloc(ps->statbuf, ps->statbuf_size * 2);

		if (!b)
			return -ENOMEM;
		ps->statbuf = b;
		ps->statbuf_size *= 2;
	}
	if (n < 0)
		return (int)n;
	r = parse_proc_stat(ps->statbuf, (size_t)n, ps->cpu_now, ps->ncpus, ret_forks, &skipped);
	return r < 0 ? r : 0;
}

/* ---- tracking tables ---- */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 256;
	void *a;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	a = realloc(*arr, c * elem);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

/*
 * The cgroup v2 id of a process: inode of its cgroup directory, 0 when
 * unknown. The v2 hierarchy is <sysfs>/fs/cgroup, or fs/cgroup/unified
 * beside the v1 controllers (a hybrid host).
 */
static uint64_t read_cgroup_id(struct procscan *ps, uint32_t tgid)
{
	char rel[64], buf[4096], path[4096 + 32];
	size_t base;
	struct stat sb;
	ssize_t n;
	int fd;

	if (ps->sys_dirfd < 0)
		return 0;
	if (!ps->cg2_rel)
		ps->cg2_rel = fstatat(ps->sys_dirfd, "fs/cgroup/cgroup.controllers", &sb, 0) < 0 &&
					      fstatat(ps->sys_dirfd, "fs/cgroup/unified", &sb, 0) == 0
				      ? "fs/cgroup/unified/"
				      : "fs/cgroup/";
	base = strlen(ps->cg2_rel);
	snprintf(rel, sizeof(rel), "%u/cgroup", tgid);
	fd = file_open_input(ps->proc_dirfd, rel, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read_once(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || parse_proc_cgroup_v2(buf, (size_t)n, path + base, sizeof(path) - base) < 0)
		return 0;
	memcpy(path, ps->cg2_rel, base);
	/* "fs/cgroup//" is the root cgroup: fstatat copes with the double slash. */
	if (fstatat(ps->sys_dirfd, path, &sb, 0) < 0)
		return 0;
	return (uint64_t)sb.st_ino;
}

static uint32_t proc_get_or_add(struct procscan *ps, uint32_t tgid)
{
	uint32_t i = idmap_get(&ps->tgidmap, tgid);
	struct pproc *p;

	if (i != NO_INDEX)
		return i;
	if (ps->nfree_procs > 0) {
		i = ps->free_procs[--ps->nfree_procs];
	} else {
		if (grow((void **)&ps->procs, &ps->cap_procs, ps->nprocs + 1, sizeof(*ps->procs)) < 0 ||
		    grow((void **)&ps->free_procs, &ps->cap_free_procs, ps->cap_procs,
			 sizeof(*ps->free_procs)) < 0)
			return NO_INDEX;
		i = (uint32_t)ps->nprocs++;
	}
	if (idmap_put(&ps->tgidmap, tgid, i) < 0) {
		/* Give the slot back. */
		ps->free_procs[ps->nfree_procs++] = i;
		return NO_INDEX;
	}
	p = &ps->procs[i];
	*p = (struct pproc){ .tgid = tgid, .live = true, .mapped = true };
	p->cgroup_id = read_cgroup_id(ps, tgid);
	ps->st.processes++;
	return i;
}

static void proc_put(struct procscan *ps, uint32_t i)
{
	struct pproc *p = &ps->procs[i];

	if (--p->nthreads > 0)
		return;
	if (p->mapped)
		idmap_del(&ps->tgidmap, p->tgid);
	p->live = false;
	ps->free_procs[ps->nfree_procs++] = i;
	ps->st.processes--;
}

/*
 * A thread found exited: it leaves the maps now, so that a task reusing its
 * number (or its process's) in this same scan is tracked as new, and stays
 * in its slot until the interval is reported.
 */
static void thread_retire(struct procscan *ps, struct pthread *t)
{
	struct pproc *p = &ps->procs[t->proc];

	t->sflags |= ACTIVITY_TASK_EXITED;
	ps->nrunning--;
	idmap_del(&ps->tidmap, t->tid);
	if (--p->nrunning == 0 && p->mapped) {
		idmap_del(&ps->tgidmap, p->tgid);
		p->mapped = false;
	}
}

static void thread_free(struct procscan *ps, uint32_t i)
{
	struct pthread *t = &ps->threads[i];

	close_slot(ps, &t->sched_fd);
	close_slot(ps, &t->stat_fd);
	t->live = false;
	proc_put(ps, t->proc);
	ps->free_threads[ps->nfree_threads++] = i;
	ps->st.tasks--;
}

/* Fill comm, cpu and kernel flag of a thread from its stat. 0, or -errno/-EINVAL. */
static int read_thread_stat(struct procscan *ps, struct pthread *t, struct task_stat *ret)
{
	char buf[1024];
	struct task_stat s;
	ssize_t n;
	int r;

	/* stat fds are kept only while half the budget is free: schedstat comes first. */
	n = read_task_file(ps, &t->stat_fd, t->tgid, t->tid, "stat",
			   budget_left(ps, ps->fd_budget / 2), buf, sizeof(buf), NULL);
	if (n <= 0)
		return n == 0 ? -ESRCH : (int)n;
	r = parse_task_stat(buf, (size_t)n, &s);
	if (r < 0) {
		ps->st.malformed++;
		return r;
	}
	strscpy(t->comm, s.comm, sizeof(t->comm));
	t->cpu = s.processor;
	t->kflags = (s.flags & TASK_PF_KTHREAD) ? ACTIVITY_TASK_KERNEL : 0;
	*ret = s;
	return 0;
}

/*
 * Start tracking thread tid of tgid. Returns 1 when tracked, 0 when it is
 * gone or unreadable (counted), -ENOMEM.
 */
static int thread_add(struct procscan *ps, uint32_t tgid, uint32_t tid)
{
	char rel[64], buf[256];
	struct pthread nt = { .tid = tid, .tgid = tgid, .sched_fd = -1, .stat_fd = -1,
			      .live = true };
	struct schedstat ss;
	struct task_stat ts;
	struct stat sb;
	uint32_t i, pi;
	ssize_t n;
	int r;

	snprintf(rel, sizeof(rel), "%u/task/%u/schedstat", tgid, tid);
	n = read_task_file(ps, &nt.sched_fd, tgid, tid, "schedstat", true, buf, sizeof(buf), NULL);
	if (n < 0 && !is_vanished(n))
		ps->st.unreadable++;
	if (n <= 0)
		goto gone;
	if (parse_schedstat(buf, (size_t)n, &ss) < 0) {
		ps->st.malformed++;
		goto gone;
	}
	r = read_thread_stat(ps, &nt, &ts);
	if (r < 0) {
		if (!is_vanished(r) && r != -EINVAL)
			ps->st.unreadable++;
		goto gone;
	}
	/*
	 * procfs owns every file of a task by its effective uid (root for a
	 * non-dumpable task): the kept fd answers without a path lookup.
	 */
	if (nt.sched_fd >= 0 ? fstat(nt.sched_fd, &sb) == 0
			     : fstatat(ps->proc_dirfd, rel, &sb, 0) == 0)
		nt.uid = (uint32_t)sb.st_uid;
	nt.start_ns = ts.starttime_ticks * ps->tick_ns;
	nt.ppid = ts.ppid;
	nt.last_oncpu_ns = ss.oncpu_ns;
	nt.sflags = ACTIVITY_TASK_NEW;
	/*
	 * Started after the previous scan began (stat's start time is truncated
	 * to a tick, hence the tick of slack): all its time is this interval's.
	 */
	if (!ps->first && nt.start_ns + ps->tick_ns > ps->prev_boot_ns) {
		nt.delta_ns = ss.oncpu_ns;
		ps->found_started++;
	} else if (!ps->first) {
		ps->found_old++;
	}

	/* The free list can hold every slot: it grows with the table. */
	if (ps->nfree_threads == 0 &&
	    (grow((void **)&ps->threads, &ps->cap_threads, ps->nthreads + 1,
		  sizeof(*ps->threads)) < 0 ||
	     grow((void **)&ps->free_threads, &ps->cap_free_threads, ps->cap_threads,
		  sizeof(*ps->free_threads)) < 0))
		goto nomem;
	pi = proc_get_or_add(ps, tgid);
	if (pi == NO_INDEX)
		goto nomem;
	if (ps->nfree_threads > 0)
		i = ps->free_threads[--ps->nfree_threads];
	else
		i = (uint32_t)ps->nthreads++;
	if (idmap_put(&ps->tidmap, tid, i) < 0) {
		ps->free_threads[ps->nfree_threads++] = i;
		ps->procs[pi].nthreads++;
		proc_put(ps, pi);
		goto nomem;
	}
	nt.proc = pi;
	ps->procs[pi].nthreads++;
	ps->procs[pi].nrunning++;
	ps->nrunning++;
	ps->threads[i] = nt;
	ps->st.tasks++;
	return 1;
nomem:
	close_slot(ps, &nt.sched_fd);
	close_slot(ps, &nt.stat_fd);
	return -ENOMEM;
gone:
	close_slot(ps, &nt.sched_fd);
	close_slot(ps, &nt.stat_fd);
	return 0;
}

/* List <procfs>/TGID/task and track the threads not yet known. Returns how many, or -ENOMEM. */
static int scan_task_dir(struct procscan *ps, uint32_t tgid)
{
	char rel[48];
	struct dirent *de;
	int fd, added = 0, r = 0;
	DIR *d;

	ps->st.task_dir_scans++;
	snprintf(rel, sizeof(rel), "%u/task", tgid);
	fd = openat(ps->proc_dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ESRCH)
			ps->st.unreadable++;
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		char *end;
		unsigned long tid = strtoul(de->d_name, &end, 10);

		if (*end != '\0' || tid == 0 || tid > UINT32_MAX)
			continue;
		if (idmap_get(&ps->tidmap, (uint32_t)tid) != NO_INDEX)
			continue;
		r = thread_add(ps, tgid, (uint32_t)tid);
		if (r < 0)
			break;
		added += r;
	}
	closedir(d);
	return r < 0 ? r : added;
}

/*
 * True when <procfs>/loadavg counts as many tasks on the host as are tracked
 * and running. False when it cannot say (no file, a container whose
 * loadavg counts the host's tasks, unreadable tasks not tracked).
 */
static bool host_threads_known(struct procscan *ps)
{
	struct loadavg la;
	char buf[128];
	ssize_t n;

	n = fsroot_read(ps->ctx.fs, FS_PROC, "loadavg", buf, sizeof(buf));
	if (n <= 0 || parse_loadavg(buf, (size_t)n, &la) < 0)
		return false;
	return la.threads == ps->nrunning;
}

/*
 * Find new tasks. `forks` is how many the kernel created since the last
 * scan (UINT64_MAX: unknown, look everywhere).
 */
static int discover(struct procscan *ps, uint64_t forks)
{
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	ps->st.discoveries++;
	fd = openat(ps->proc_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		char *end;
		unsigned long tgid = strtoul(de->d_name, &end, 10);

		if (*end != '\0' || tgid == 0 || tgid > UINT32_MAX)
			continue;
		if (idmap_get(&ps->tgidmap, (uint32_t)tgid) != NO_INDEX)
			continue;
		r = scan_task_dir(ps, (uint32_t)tgid);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;

	/* The first scan listed every process's threads already. */
	if (ps->first)
		return 0;
	/* New threads in known processes: only when the new processes do not explain every fork. */
	if (forks != UINT64_MAX && ps->found_started >= forks)
		return 0;
	/*
	 * ... and only when the host may have live tasks this scan does not
	 * know. When loadavg counts exactly the tracked ones, the unexplained
	 * forks were tasks that already exited (the common case: a short-lived
	 * command), and checking 10 000 processes would find nothing.
	 */
	if (host_threads_known(ps))
		goto count_missed;
	ps->st.thread_checks++;
	for (size_t i = 0; i < ps->nprocs; i++) {
		struct pproc *p = &ps->procs[i];
		char rel[48];
		struct stat sb;

		if (!p->live || !p->mapped)
			continue;
		snprintf(rel, sizeof(rel), "%u/task", p->tgid);
		if (fstatat(ps->proc_dirfd, rel, &sb, 0) < 0)
			continue; /* gone: its threads' reads will say so */
		/* nlink is 2 + threads on procfs and on fixture trees; < 2 means "not counted". */
		if (sb.st_nlink >= 2 && sb.st_nlink - 2 == p->nrunning)
			continue;
		r = scan_task_dir(ps, p->tgid);
		if (r < 0)
			return r;
	}
count_missed:
	if (forks != UINT64_MAX) {
		uint64_t missed = sub_sat_u64(forks, ps->found_started);

		ps->st.missed_forks += missed;
		ps->dropped += missed;
	}
	return 0;
}

/* Read every tracked thread's schedstat; deltas into delta_ns, exits flagged. */
static void read_threads(struct procscan *ps)
{
	char buf[256];

	for (size_t i = 0; i < ps->nthreads; i++) {
		struct pthread *t = &ps->threads[i];
		struct schedstat ss;
		struct task_stat ts;
		bool unlinked = false;
		ssize_t n;

		if (!t->live)
			continue;
		t->delta_ns = 0;
		t->sflags = 0;
		n = read_task_file(ps, &t->sched_fd, t->tgid, t->tid, "schedstat", true, buf,
				   sizeof(buf), &unlinked);
		if (is_vanished(n)) {
			/* Exited since the last scan: its time since then is lost. */
			thread_retire(ps, t);
			ps->st.vanished++;
			ps->dropped++;
			continue;
		}
		if (n < 0) {
			ps->st.unreadable++;
			continue;
		}
		if (parse_schedstat(buf, (size_t)n, &ss) < 0) {
			ps->st.malformed++;
			continue;
		}
		if (ss.oncpu_ns < t->last_oncpu_ns) {
			/* exec from a non-leader thread moves its counter onto the leader's pid. */
			ps->st.backwards++;
		} else {
			t->delta_ns = ss.oncpu_ns - t->last_oncpu_ns;
		}
		t->last_oncpu_ns = ss.oncpu_ns;
		if (t->delta_ns > 0)
			(void)read_thread_stat(ps, t, &ts); /* gone meanwhile: keep the last CPU */
		if (unlinked)
			thread_retire(ps, t);
	}
}

static uint64_t proc_rss(struct procscan *ps, struct pproc *p)
{
	char rel[48], buf[256];
	struct statm sm;
	ssize_t n;
	int fd;

	if (p->rss_scan == ps->scan_no)
		return p->rss_bytes;
	p->rss_scan = ps->scan_no;
	p->rss_bytes = 0;
	snprintf(rel, sizeof(rel), "%u/statm", p->tgid);
	fd = file_open_input(ps->proc_dirfd, rel, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read_once(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0 && parse_statm(buf, (size_t)n, &sm) == 0)
		p->rss_bytes = sm.resident_pages * ps->page_size;
	return p->rss_bytes;
}

/* Read the root cgroup's cpuacct.usage_percpu into acct_now. 0, or -errno. */
static int read_cpuacct(struct procscan *ps)
{
	char buf[4096];
	ssize_t n;
	int r;

	/* 21 bytes a CPU at most: 4096 CPUs need a larger buffer than the stack's. */
	if ((size_t)ps->ncpus * 21 + 2 > sizeof(buf)) {
		size_t size = (size_t)ps->ncpus * 21 + 2;
		char *big = malloc(size);

		if (!big)
			return -ENOMEM;
		n = fd_read_all(ps->acct_fd, big, size);
		r = n < 0 ? (int)n : parse_cpuacct_percpu(big, (size_t)n, ps->acct_now, ps->ncpus);
		free(big);
	} else {
		n = fd_read_all(ps->acct_fd, buf, sizeof(buf));
		r = n < 0 ? (int)n : parse_cpuacct_percpu(buf, (size_t)n, ps->acct_now, ps->ncpus);
	}
	if (r < 0)
		return r;
	/* A file that lists fewer CPUs than are online cannot account for them. */
	return (unsigned)r < ps->ncpus ? -EINVAL : 0;
}

/*
 * The per-CPU rows of an interval whose busy time is exact (busy_ns[c] per
 * CPU, from cpuacct or from the tasks): see the header. Returns Σ charged
 * and Σ (charged + lost) over the CPUs present.
 */
static void reconcile_exact(struct procscan *ps, uint64_t interval_ns, uint64_t *ret_charged,
			    uint64_t *ret_busy)
{
	uint64_t under = 0, over = 0, lost, given = 0, charged_sum = 0, named_sum = 0;
	unsigned widest = UINT32_MAX;

	for (unsigned c = 0; c < ps->ncpus; c++) {
		if (!ps->cpu_prev[c].present || !ps->cpu_now[c].present)
			continue;
		under += sub_sat_u64(ps->busy_ns[c], ps->charged_ns[c]);
		over += sub_sat_u64(ps->charged_ns[c], ps->busy_ns[c]);
	}
	lost = sub_sat_u64(under, over);
	for (unsigned c = 0; c < ps->ncpus; c++) {
		uint64_t u = sub_sat_u64(ps->busy_ns[c], ps->charged_ns[c]);

		ps->lost_ns[c] = 0;
		if (!ps->cpu_prev[c].present || !ps->cpu_now[c].present || !u || !lost)
			continue;
		ps->lost_ns[c] = (uint64_t)((unsigned __int128)lost * u / under);
		given += ps->lost_ns[c];
		if (widest == UINT32_MAX || u > sub_sat_u64(ps->busy_ns[widest],
							    ps->charged_ns[widest]))
			widest = c;
	}
	/* The rounding's few ns to the CPU with the most unnamed time. */
	if (widest != UINT32_MAX)
		ps->lost_ns[widest] += lost - given;
	for (unsigned c = 0; c < ps->ncpus; c++) {
		const struct proc_stat_cpu *a = &ps->cpu_prev[c], *b = &ps->cpu_now[c];
		uint64_t room;

		if (!a->present || !b->present) {
			ps->idle_ns[c] = ps->lost_ns[c] = ps->irq_ns[c] = 0;
			continue;
		}
		/* Clock skew between the counter and the interval's ends: never past it. */
		ps->lost_ns[c] = MIN(ps->lost_ns[c], sub_sat_u64(interval_ns, ps->charged_ns[c]));
		room = sub_sat_u64(interval_ns, ps->charged_ns[c] + ps->lost_ns[c]);
		ps->irq_ns[c] = MIN(sub_sat_u64(b->steal_ticks, a->steal_ticks) * ps->tick_ns, room);
		ps->idle_ns[c] = room - ps->irq_ns[c];
		charged_sum += ps->charged_ns[c];
		named_sum += ps->charged_ns[c] + ps->lost_ns[c];
	}
	*ret_charged = charged_sum;
	*ret_busy = named_sum;
}

/* One scan: clocks, /proc/stat, every thread, discovery. Fills the output when !first. */
static int scan(struct procscan *ps, struct activity_sample *ret)
{
	uint64_t mono_ns = 0, boot_ns = 0, forks = 0, interval_ns, busy_sum = 0, charged_sum = 0;
	const struct activity_proc_stats st0 = ps->st;
	bool acct_ok = false;
	size_t ntasks = 0;
	int r;

	r = read_clocks(ps, &mono_ns, &boot_ns);
	if (r < 0)
		return r;
	r = read_proc_stat(ps, &forks);
	if (r < 0)
		return r;
	if (ps->acct_fd >= 0) {
		r = read_cpuacct(ps);
		if (r == -ENOMEM)
			return r;
		acct_ok = r == 0;
		if (!acct_ok)
			ps->st.acct_errors++;
	}
	ps->scan_no++;
	ps->st.scans++;
	ps->dropped = 0;
	ps->found_started = 0;
	ps->found_old = 0;

	read_threads(ps);
	if (ps->first || forks != ps->forks_prev) {
		r = discover(ps, ps->first || forks < ps->forks_prev ? UINT64_MAX
								     : forks - ps->forks_prev);
		if (r < 0)
			return r;
	}
	ps->forks_prev = forks;

	if (ps->first) {
		struct proc_stat_cpu *tmp = ps->cpu_prev;
		uint64_t *acct = ps->acct_prev;

		ps->cpu_prev = ps->cpu_now;
		ps->cpu_now = tmp;
		ps->acct_prev = ps->acct_now;
		ps->acct_now = acct;
		ps->acct_prev_ok = acct_ok;
		ps->prev_mono_ns = mono_ns;
		ps->prev_boot_ns = boot_ns;
		for (size_t i = 0; i < ps->nthreads; i++)
			ps->threads[i].delta_ns = 0;
		return 0;
	}

	/* Output: every thread that ran or exited, one row each. */
	r = grow((void **)&ps->out_tasks, &ps->cap_out, ps->nthreads, sizeof(*ps->out_tasks));
	if (r == 0)
		r = grow((void **)&ps->out_rows, &ps->cap_out_rows, ps->cap_out,
			 sizeof(*ps->out_rows));
	if (r < 0)
		return r;
	memset(ps->charged_ns, 0, ps->ncpus * sizeof(*ps->charged_ns));
	for (size_t i = 0; i < ps->nthreads; i++) {
		struct pthread *t = &ps->threads[i];
		struct activity_task *o;

		if (!t->live || (t->delta_ns == 0 && !(t->sflags & ACTIVITY_TASK_EXITED)))
			continue;
		o = &ps->out_tasks[ntasks];
		*o = (struct activity_task){
			.key = { .tgid = t->tgid, .tid = t->tid, .start_ns = t->start_ns },
			.cgroup_id = ps->procs[t->proc].cgroup_id,
			.uid = t->uid,
			.flags = t->sflags | t->kflags,
			.first_row = (uint32_t)ntasks,
			.ppid = t->ppid,
		};
		memcpy(o->comm, t->comm, sizeof(o->comm));
		if (!(t->sflags & ACTIVITY_TASK_EXITED) && !t->kflags)
			o->rss_bytes = proc_rss(ps, &ps->procs[t->proc]);
		if (t->delta_ns > 0 && t->cpu < ps->ncpus) {
			o->oncpu_ns = t->delta_ns;
			o->nrows = 1;
			ps->out_rows[ntasks] = (struct activity_row){
				.cpu = t->cpu, .task = (uint32_t)ntasks, .ns = t->delta_ns };
			ps->charged_ns[t->cpu] += t->delta_ns;
		} else if (t->delta_ns > 0) {
			ps->st.off_cpu_range++;
		}
		ntasks++;
	}
	/* Rows are indexed like tasks; a task without a row leaves a gap: compact. */
	size_t nrows = 0;

	for (size_t i = 0; i < ntasks; i++) {
		struct activity_task *o = &ps->out_tasks[i];

		if (o->nrows == 0) {
			o->first_row = (uint32_t)nrows;
			continue;
		}
		ps->out_rows[nrows] = ps->out_rows[i];
		o->first_row = (uint32_t)nrows++;
	}

	interval_ns = sub_sat_u64(mono_ns, ps->prev_mono_ns);
	if (acct_ok && ps->acct_prev_ok) {
		ps->basis = BUSY_CPUACCT;
		for (unsigned c = 0; c < ps->ncpus; c++)
			ps->busy_ns[c] = sub_sat_u64(ps->acct_now[c], ps->acct_prev[c]);
	} else if (ps->dropped == 0 && ps->found_old == 0 && ps->st.unreadable == st0.unreadable &&
		   ps->st.malformed == st0.malformed && ps->st.backwards == st0.backwards &&
		   ps->st.off_cpu_range == st0.off_cpu_range && host_threads_known(ps)) {
		/* Every task of the host was tracked and read: their sum is the busy time. */
		ps->basis = BUSY_TASKS;
		memcpy(ps->busy_ns, ps->charged_ns, ps->ncpus * sizeof(*ps->busy_ns));
	} else {
		ps->basis = BUSY_TICKS;
	}
	if (ps->basis != BUSY_TICKS) {
		ps->st.busy_exact++;
		reconcile_exact(ps, interval_ns, &charged_sum, &busy_sum);
	} else {
		ps->st.busy_ticks++;
		for (unsigned c = 0; c < ps->ncpus; c++) {
			const struct proc_stat_cpu *a = &ps->cpu_prev[c], *b = &ps->cpu_now[c];
			uint64_t idle_stat, idle, busy;

			ps->irq_ns[c] = 0;
			if (!a->present || !b->present) {
				/* Offline (or just online): no data, not in captured. */
				ps->idle_ns[c] = 0;
				ps->lost_ns[c] = 0;
				continue;
			}
			idle_stat = (sub_sat_u64(b->idle_ticks, a->idle_ticks) +
				     sub_sat_u64(b->iowait_ticks, a->iowait_ticks)) * ps->tick_ns;
			idle = MIN(idle_stat, sub_sat_u64(interval_ns, ps->charged_ns[c]));
			busy = interval_ns - idle;
			ps->idle_ns[c] = idle;
			ps->lost_ns[c] = sub_sat_u64(busy, ps->charged_ns[c]);
			busy_sum += busy;
			charged_sum += MIN(ps->charged_ns[c], busy);
		}
	}

	*ret = (struct activity_sample){
		.start_ns = ps->prev_mono_ns,
		.end_ns = mono_ns,
		.ncpus = ps->ncpus,
		.idle_ns = ps->idle_ns,
		.lost_ns = ps->lost_ns,
		.irq_ns = ps->irq_ns,
		.tasks = ps->out_tasks,
		.ntasks = ntasks,
		.rows = ps->out_rows,
		.nrows = nrows,
		.dropped = ps->dropped,
		.captured = busy_sum ? (double)charged_sum / (double)busy_sum : 1.0,
	};

	/* The interval is closed: exited tasks go, clocks and CPU counters advance. */
	for (size_t i = 0; i < ps->nthreads; i++)
		if (ps->threads[i].live && (ps->threads[i].sflags & ACTIVITY_TASK_EXITED))
			thread_free(ps, (uint32_t)i);
	{
		struct proc_stat_cpu *tmp = ps->cpu_prev;
		uint64_t *acct = ps->acct_prev;

		ps->cpu_prev = ps->cpu_now;
		ps->cpu_now = tmp;
		ps->acct_prev = ps->acct_now;
		ps->acct_now = acct;
		ps->acct_prev_ok = acct_ok;
	}
	ps->prev_mono_ns = mono_ns;
	ps->prev_boot_ns = boot_ns;
	return 0;
}

static void proc_close(void *state)
{
	struct procscan *ps = state;

	if (!ps)
		return;
	for (size_t i = 0; i < ps->nthreads; i++) {
		if (!ps->threads[i].live)
			continue;
		close_slot(ps, &ps->threads[i].sched_fd);
		close_slot(ps, &ps->threads[i].stat_fd);
	}
	if (ps->proc_dirfd >= 0)
		close(ps->proc_dirfd);
	if (ps->sys_dirfd >= 0)
		close(ps->sys_dirfd);
	if (ps->stat_fd >= 0)
		close(ps->stat_fd);
	if (ps->acct_fd >= 0)
		close(ps->acct_fd);
	idmap_free(&ps->tidmap);
	idmap_free(&ps->tgidmap);
	free(ps->threads);
	free(ps->free_threads);
	free(ps->procs);
	free(ps->free_procs);
	free(ps->out_tasks);
	free(ps->out_rows);
	free(ps->idle_ns);
	free(ps->lost_ns);
	free(ps->charged_ns);
	free(ps->irq_ns);
	free(ps->busy_ns);
	free(ps->acct_prev);
	free(ps->acct_now);
	free(ps->cpu_prev);
	free(ps->cpu_now);
	free(ps->statbuf);
	free(ps);
}

/* Highest cpuN in /proc/stat + 1, for callers without a topology. */
static unsigned stat_ncpus(const char *buf, size_t len)
{
	unsigned n = 0;

	for (const char *p = buf; p && p < buf + len;) {
		if (buf + len - p > 3 && memcmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9') {
			unsigned long c = strtoul(p + 3, NULL, 10);

			if (c < CPUSET_MAX_CPUS && c + 1 > n)
				n = (unsigned)c + 1;
		}
		p = memchr(p, '\n', (size_t)(buf + len - p));
		if (p)
			p++;
	}
	return n;
}

/*
 * Find the root cgroup's cpuacct.usage_percpu (cgroup v1, mounted on its own
 * or with cpu) and say in busy_from how busy time will be counted. 0 either
 * way (without it, the tasks' sum or the ticks serve); -ENOMEM.
 */
static int open_cpuacct(struct procscan *ps)
{
	static const char *const dirs[] = { "cpuacct", "cpu,cpuacct", "cpuacct,cpu" };
	char rel[64], path[4096];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(rel, sizeof(rel), "fs/cgroup/%s/cpuacct.usage_percpu", dirs[i]);
		r = fsroot_open(ps->ctx.fs, FS_SYS, rel, O_RDONLY);
		if (r < 0)
			continue;
		ps->acct_fd = r;
		r = read_cpuacct(ps);
		if (r == -ENOMEM)
			return r;
		(void)fsroot_path(ps->ctx.fs, FS_SYS, rel, path, sizeof(path));
		if (r < 0) {
			log_info(ps->ctx.log, "proc activity: %s: %s", path,
				 r == -EINVAL ? "malformed, or fewer CPUs than are online"
					      : strerror(-r));
			close(ps->acct_fd);
			ps->acct_fd = -1;
			continue;
		}
		snprintf(ps->busy_from, sizeof(ps->busy_from),
			 "busy time from %.160s (every task's run time per CPU, exact)", path);
		return 0;
	}
	snprintf(ps->busy_from, sizeof(ps->busy_from),
		 "busy time from the tasks' schedstat when every task of the host was read, "
		 "else from /proc/stat's ticks (no cgroup v1 cpuacct.usage_percpu under "
		 "<sysfs>/fs/cgroup; cgroup v2's root counts ticks too)");
	return 0;
}

int activity_proc_describe(void *state, char *buf, size_t size)
{
	const struct procscan *ps = state;

	if (!ps || !buf || !size)
		return -EINVAL;
	snprintf(buf, size, "%s", ps->busy_from);
	return 0;
}

static int proc_open(const struct activity_ctx *ctx, void **ret_state, char *reason,
		     size_t reason_size)
{
	char path[4096];
	struct procscan *ps;
	struct rlimit rl;
	long tck, pg;
	ssize_t n;
	int r;

	if (!ctx || !ctx->fs || !ret_state)
		return -EINVAL;
	(void)fsroot_path(ctx->fs, FS_PROC, "stat", path, sizeof(path));
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		r = -ENOMEM;
		snprintf(reason, reason_size, "out of memory");
		goto fail;
	}
	ps->ctx.fs = ctx->fs;
	ps->ctx.log = ctx->log;
	ps->proc_dirfd = ps->sys_dirfd = ps->stat_fd = ps->acct_fd = -1;
	ps->first = true;
	ps->real = fsroot_is_real(ctx->fs, FS_PROC);
	tck = sysconf(_SC_CLK_TCK);
	pg = sysconf(_SC_PAGESIZE);
	ps->tick_ns = tck > 0 ? NSEC_PER_SEC / (uint64_t)tck : NSEC_PER_SEC / 100;
	ps->page_size = pg > 0 ? (uint64_t)pg : 4096;
	ps->fd_budget = 768;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		ps->fd_budget = rl.rlim_cur / 4 * 3;

	r = fsroot_open(ctx->fs, FS_PROC, "", O_RDONLY | O_DIRECTORY);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot open %.*s: %s (is procfs mounted?)",
			 (int)(strlen(path) - 4), path, strerror(-r));
		goto fail;
	}
	ps->proc_dirfd = r;
	/* The cgroup ids are optional: without <sysfs> they are 0. */
	r = fsroot_open(ctx->fs, FS_SYS, "", O_RDONLY | O_DIRECTORY);
	ps->sys_dirfd = r >= 0 ? r : -1;
	r = fsroot_open(ctx->fs, FS_PROC, "stat", O_RDONLY);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot open %s: %s", path, strerror(-r));
		goto fail;
	}
	ps->stat_fd = r;
	ps->statbuf_size = STAT_BUF_MIN;
	ps->statbuf = malloc(ps->statbuf_size);
	if (!ps->statbuf) {
		r = -ENOMEM;
		snprintf(reason, reason_size, "out of memory");
		goto fail;
	}
	for (;;) {
		n = fd_read_all(ps->stat_fd, ps->statbuf, ps->statbuf_size);
		if (n != -EFBIG || ps->statbuf_size >= STAT_BUF_MAX)
			break;
		free(ps->statbuf);
		ps->statbuf_size *= 2;
		ps->statbuf = malloc(ps->statbuf_size);
		if (!ps->statbuf) {
			r = -ENOMEM;
			snprintf(reason, reason_size, "out of memory");
			goto fail;
		}
	}
	if (n < 0) {
		r = (int)n;
		snprintf(reason, reason_size, "cannot read %s: %s", path, strerror(-r));
		goto fail;
	}
	if (ctx->topo && ctx->topo->ncpus > 0) {
		unsigned cpu;

		cpuset_for_each(cpu, &ctx->topo->online)
			ps->ncpus = cpu + 1;
	} else {
		ps->ncpus = stat_ncpus(ps->statbuf, (size_t)n);
	}
	if (ps->ncpus == 0) {
		r = -EINVAL;
		snprintf(reason, reason_size, "%s has no cpuN lines: not a procfs stat file", path);
		goto fail;
	}
	ps->cpu_prev = calloc(ps->ncpus, sizeof(*ps->cpu_prev));
	ps->cpu_now = calloc(ps->ncpus, sizeof(*ps->cpu_now));
	ps->idle_ns = calloc(ps->ncpus, sizeof(*ps->idle_ns));
	ps->lost_ns = calloc(ps->ncpus, sizeof(*ps->lost_ns));
	ps->charged_ns = calloc(ps->ncpus, sizeof(*ps->charged_ns));
	ps->irq_ns = calloc(ps->ncpus, sizeof(*ps->irq_ns));
	ps->busy_ns = calloc(ps->ncpus, sizeof(*ps->busy_ns));
	ps->acct_prev = calloc(ps->ncpus, sizeof(*ps->acct_prev));
	ps->acct_now = calloc(ps->ncpus, sizeof(*ps->acct_now));
	if (!ps->cpu_prev || !ps->cpu_now || !ps->idle_ns || !ps->lost_ns || !ps->charged_ns ||
	    !ps->irq_ns || !ps->busy_ns || !ps->acct_prev || !ps->acct_now) {
		r = -ENOMEM;
		snprintf(reason, reason_size, "out of memory");
		goto fail;
	}
	r = open_cpuacct(ps);
	if (r == -ENOMEM) {
		snprintf(reason, reason_size, "out of memory");
		goto fail;
	}

	r = scan(ps, NULL);
	if (r < 0) {
		if (r == -EINVAL)
			snprintf(reason, reason_size, "%s (or its uptime) is malformed", path);
		else
			snprintf(reason, reason_size, "first scan of %.*s failed: %s",
				 (int)(strlen(path) - 4), path, strerror(-r));
		goto fail;
	}
	ps->first = false;
	*ret_state = ps;
	return 0;
fail:
	proc_close(ps);
	return r;
}

static int proc_sample(void *state, struct activity_sample *ret)
{
	struct procscan *ps = state;
	struct activity_sample s;
	int r;

	if (!ps || !ret)
		return -EINVAL;
	r = scan(ps, &s);
	if (r < 0) {
		log_warning(ps->ctx.log, "proc activity: scan failed: %s", strerror(-r));
		return r;
	}
	*ret = s;
	return 0;
}

int activity_proc_get_stats(void *state, struct activity_proc_stats *ret)
{
	const struct procscan *ps = state;

	if (!ps || !ret)
		return -EINVAL;
	*ret = ps->st;
	ret->kept_fds = ps->kept_fds;
	ret->fd_budget = ps->fd_budget;
	return 0;
}

const struct activity_ops activity_proc_ops = {
	.name = "proc",
	.open = proc_open,
	.sample = proc_sample,
	.close = proc_close,
};
