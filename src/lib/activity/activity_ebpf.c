/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf.c - the eBPF activity collector: loads sched.bpf.c (the only
 * file that includes its skeleton), reads its maps each sample and hands the
 * contents to the pure aggregator (activity_ebpf_agg.c).
 *
 * Lifecycle (libbpf-bootstrap's): open -> size the maps, pick the programs ->
 * load -> attach -> sample() ... -> close. sched_switch is attached as tp_btf
 * when the kernel loads it, else as a raw tracepoint: decided by trying, not
 * by kernel version. The library never calls libbpf_set_print(): libbpf's
 * print callback is process-global and belongs to the program (the CLI).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "activity_ebpf.h"
#include "caps.h"
#include "parse.h"
#include "procfs_parse.h"
#include "sched.skel.h"
#include "util.h"

#define BATCH_CHUNK 1024u	/* entries per batch call: more than any hash bucket holds */
#define CPU_READ_TRIES 4
#define DUMP_TRIES 3		/* map reads until one sees no switch meanwhile ... */
#define DUMP_RETRY_MAX_NS 500000 /* ... while a read costs less CPU time than this */

struct ebpf_state {
	struct joulestat_sched_bpf *skel;
	const struct activity_ctx *ctx;
	struct ebpf_agg *agg;
	unsigned nslots;	/* possible CPUs: per-CPU values per key */
	unsigned ncpus;		/* highest online CPU + 1 */
	uint32_t max_tasks;
	bool prealloc;		/* the task map is preallocated (task_map_plan) */
	bool btf_attach;	/* tp_btf, else raw_tp */
	bool no_batch;		/* the kernel refused batch operations: iterate */
	char btf_path[256];
	/*
	 * One reading, reused. The kernel's batches land in a chunk (keys and
	 * nslots values each) and every task entry is folded at once into
	 * recs and oncpu (ebpf_fold), so the whole map is never held in the
	 * kernel's layout of 72 bytes per possible CPU; the aggregator then
	 * writes the sample's tasks over recs (room for ncpus more).
	 */
	uint8_t *chunk_keys;		/* [BATCH_CHUNK] keys of either map */
	uint8_t *chunk_vals;		/* [BATCH_CHUNK * nslots] values of either map */
	struct activity_task *recs;
	uint64_t *oncpu;		/* [recs_cap * ncpus] */
	size_t nrecs, recs_cap;
	uint32_t *sys_tgids;
	uint64_t *sys_counts;
	size_t nsys, sys_cap;
	struct sched_cpu *cpus, *cpus_retry;
	uint64_t *gen_before;
	bool *cpu_ok;
	long page_size;
	/* the running slices' irq estimate (open_irq) */
	uint64_t *open_irq;		/* [nslots] */
	uint64_t irq_total_prev;	/* Σ sched_cpu.irq_ns at the previous sample */
	struct cpuset nohz_full;	/* CPUs whose tick stops under one task */
};

/*
 * Room for `need` folded entries (a quarter more, so that growing by chunks
 * stays linear), or, with shrink, no more than that once fewer than a
 * quarter of the room is used: a peak of tasks does not stay resident.
 */
static int size_recs(struct ebpf_state *st, size_t need, bool shrink)
{
	size_t cap = need + need / 4 + 64;
	struct activity_task *r;
	uint64_t *o;

	need += st->ncpus;	/* the running slices' tasks */
	cap += st->ncpus;
	if (need <= st->recs_cap && (!shrink || need >= st->recs_cap / 4))
		return 0;
	r = realloc(st->recs, cap * sizeof(*r));
	if (!r)
		return need <= st->recs_cap ? 0 : -ENOMEM;
	st->recs = r;
	o = realloc(st->oncpu, cap * st->ncpus * sizeof(*o));
	if (!o) {
		/* recs holds cap entries now, oncpu still recs_cap: room for the smaller. */
		st->recs_cap = MIN(st->recs_cap, cap);
		return need <= st->recs_cap ? 0 : -ENOMEM;
	}
	st->oncpu = o;
	st->recs_cap = cap;
	return 0;
}

/* Fold a chunk of task entries after the ones already read. */
static int take_tasks(struct ebpf_state *st, size_t count)
{
	const struct sched_key *k = (const struct sched_key *)st->chunk_keys;
	const struct sched_val *v = (const struct sched_val *)st->chunk_vals;
	int r = size_recs(st, st->nrecs + count, false);

	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++, st->nrecs++)
		ebpf_fold(&k[i], &v[i * st->nslots], st->nslots, st->ncpus, &st->recs[st->nrecs],
			  &st->oncpu[st->nrecs * st->ncpus]);
	return 0;
}

/* Append a chunk of syscall counters (per possible CPU, as the kernel gives them). */
static int take_sys(struct ebpf_state *st, size_t count)
{
	size_t n = st->sys_cap ? st->sys_cap : BATCH_CHUNK;
	size_t have = st->nsys;
	uint32_t *k;
	uint64_t *v;

	if (have + count > st->sys_cap) {
		while (n < have + count)
			n *= 2;
		k = realloc(st->sys_tgids, n * sizeof(*k));
		if (!k)
			return -ENOMEM;
		st->sys_tgids = k;
		v = realloc(st->sys_counts, n * st->nslots * sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->sys_counts = v;
		st->sys_cap = n;
	}
	memcpy(st->sys_tgids + have, st->chunk_keys, count * sizeof(*k));
	memcpy(st->sys_counts + have * st->nslots, st->chunk_vals,
	       count * st->nslots * sizeof(*v));
	st->nsys += count;
	return 0;
}

/*
 * Read a whole per-CPU hash map: batched (one syscall per BATCH_CHUNK
 * entries), or key by key when the kernel refuses batches (before 5.6),
 * each chunk handed to `take` (which appends it after the entries taken
 * so far). Returns 0 or -errno.
 */
static int dump_map(struct ebpf_state *st, int fd, size_t key_size,
		    int (*take)(struct ebpf_state *, size_t))
{
	uint8_t token[16];
	bool first = true, any = false;
	int r;

	while (!st->no_batch) {
		__u32 count;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		count = BATCH_CHUNK;
		r = bpf_map_lookup_batch(fd, first ? NULL : token, token, st->chunk_keys,
					 st->chunk_vals, &count, &opts);
		if (r < 0)
			r = -errno;
		first = false;
		if (r == 0 || r == -ENOENT) {
			if (count) {
				int t = take(st, count);

				if (t < 0)
					return t;
				any = true;
			}
			if (r == -ENOENT)
				return 0;
			continue;
		}
		if ((r == -EINVAL || r == -ENOTSUP || r == -EOPNOTSUPP) && !any) {
			st->no_batch = true;
			break;
		}
		return r;
	}
	/* Iteration: a key deleted meanwhile makes get_next_key restart; the kernel handles it. */
	{
		uint8_t prev[16], cur[16];
		void *pk = NULL;

		while (bpf_map_get_next_key(fd, pk, cur) == 0) {
			memcpy(st->chunk_keys, cur, key_size);
			if (bpf_map_lookup_elem(fd, cur, st->chunk_vals) == 0) {
				r = take(st, 1);
				if (r < 0)
					return r;
			}
			memcpy(prev, cur, key_size);
			pk = prev;
		}
		return 0;
	}
}

/* One consistent copy of every CPU's state (torn copies retried, then marked). */
static int read_cpus(struct ebpf_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.cpu_state);
	__u32 zero = 0;
	bool all = false;

	if (bpf_map_lookup_elem(fd, &zero, st->cpus) < 0)
		return -errno;
	for (int tries = 0; tries < CPU_READ_TRIES && !all; tries++) {
		all = true;
		for (unsigned c = 0; c < st->nslots; c++) {
			st->cpu_ok[c] = st->cpus[c].gen_done == st->cpus[c].gen_start;
			all &= st->cpu_ok[c];
		}
		if (all || bpf_map_lookup_elem(fd, &zero, st->cpus_retry) < 0)
			break;
		for (unsigned c = 0; c < st->nslots; c++)
			if (!st->cpu_ok[c])
				st->cpus[c] = st->cpus_retry[c];
	}
	for (unsigned c = 0; c < st->nslots; c++)
		st->cpu_ok[c] = st->cpus[c].gen_done == st->cpus[c].gen_start;
	return 0;
}

/* This thread's CPU time in ns (what a map read costs, whatever the preemption). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return now_ns();
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void delete_keys(int fd, const void *keys, size_t n, size_t key_size)
{
	__u32 count = (__u32)n;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!n)
		return;
	if (bpf_map_delete_batch(fd, keys, &count, &opts) == 0)
		return;
	/* Partial, refused or an entry already gone: delete one by one from there. */
	for (size_t i = count; i < n; i++)
		(void)bpf_map_delete_elem(fd, (const uint8_t *)keys + i * key_size);
}

/*
 * From /proc: the comm of tasks named only by a CPU's running slice (no map
 * entry yet), and the resident memory of each process whose main thread ran
 * (<procfs>/PID/statm).
 */
static void fill_from_proc(struct ebpf_state *st, struct activity_task *tasks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct activity_task *t = &tasks[i];
		unsigned long long size, resident;
		char rel[64], buf[128];

		if (!t->comm[0]) {
			snprintf(rel, sizeof(rel), "%u/task/%u/comm", t->key.tgid, t->key.tid);
			if (fsroot_read_line(st->ctx->fs, FS_PROC, rel, buf, sizeof(buf)) >= 0)
				strscpy(t->comm, buf, sizeof(t->comm));
		}

		if (t->key.tid != t->key.tgid || (t->flags & ACTIVITY_TASK_EXITED) || !t->oncpu_ns)
			continue;
		snprintf(rel, sizeof(rel), "%u/statm", t->key.tgid);
		if (fsroot_read(st->ctx->fs, FS_PROC, rel, buf, sizeof(buf)) <= 0)
			continue;
		if (sscanf(buf, "%llu %llu", &size, &resident) == 2)
			t->rss_bytes = (uint64_t)resident * (uint64_t)st->page_size;
	}
}

/*
 * The running slices' time that is not their tasks' run time so far. Where
 * the kernel leaves interrupts or steal out of run time (the CPUs' irq
 * counters grew during the last interval; in practice a VM whose host takes
 * its vCPUs), a slice credited its wall time at each sample would hand the
 * steal to its task until the slice completes, which on a busy CPU can be
 * many intervals later. The task's run time so far is in its schedstat
 * (<procfs>/TGID/task/TID/schedstat, first field, up to date at the last
 * tick); whatever of the slice's wall time exceeds it by more than a tick
 * is irq for certain. CPUs in nohz_full are left out: their tick stops
 * under a single task, so its run time can be seconds stale. One small
 * read per CPU running a task, and only on such machines.
 */
static const uint64_t *open_irq(struct ebpf_state *st, uint64_t t_end)
{
	uint64_t total = 0;
	bool grew;

	for (unsigned c = 0; c < st->ncpus; c++)
		total += st->cpus[c].irq_ns;
	grew = total > st->irq_total_prev;
	st->irq_total_prev = MAX(total, st->irq_total_prev);
	if (!grew)
		return NULL;
	for (unsigned c = 0; c < st->ncpus; c++) {
		const struct sched_cpu *s = &st->cpus[c];
		char rel[64], buf[128];
		struct schedstat ss;
		ssize_t len;

		st->open_irq[c] = 0;
		if (!st->cpu_ok[c] || !s->last_ns || !s->cur_pid || !s->cur_rt_ok ||
		    cpuset_test(&st->nohz_full, c) || t_end <= s->last_ns + RUN_STALE_NS)
			continue;
		snprintf(rel, sizeof(rel), "%u/task/%u/schedstat", s->cur_tgid, s->cur_pid);
		len = fsroot_read(st->ctx->fs, FS_PROC, rel, buf, sizeof(buf));
		if (len <= 0 || parse_schedstat(buf, (size_t)len, &ss) < 0)
			continue;	/* it exited: its slice completes before the next sample */
		st->open_irq[c] = ebpf_open_irq_ns(t_end, s->last_ns, s->cur_rt_ns, ss.oncpu_ns);
	}
	return st->open_irq;
}

static int ebpf_sample(void *state, struct activity_sample *ret)
{
	struct ebpf_state *st = state;
	struct activity_sample s;
	const struct sched_key *ex;
	const uint32_t *ex_tgids;
	struct ebpf_dump d = { .nslots = st->nslots };
	uint64_t t_end = 0;
	ssize_t n;
	int r;

	if (st->ctx->syscalls) {
		st->nsys = 0;
		r = dump_map(st, bpf_map__fd(st->skel->maps.syscalls), sizeof(uint32_t), take_sys);
		if (r < 0)
			return r;
		d.nsys = st->nsys;
		d.sys_tgids = st->sys_tgids;
		d.sys_counts = st->sys_counts;
	}
	/*
	 * Tasks before CPUs: a slice that completes between the two readings
	 * is then missing from this interval and found in the next, never
	 * counted twice (the aggregator's debits rely on this order). Better:
	 * no switch at all during the map read makes the interval exact, so
	 * compare each CPU's switch generation around it and read again when
	 * one moved (the reader was preempted, or the machine is busy), as long
	 * as a read is cheap: with many tasks, the debits keep the totals exact.
	 * Cheap in this thread's CPU time, not in wall time: a read stretched
	 * by preemption or by the hypervisor taking the vCPU is the one most
	 * worth another try (a slice that ended meanwhile moves to the next
	 * interval: 28 ms of a 100 ms window was seen to move on a VM).
	 */
	for (int tries = 0;; tries++) {
		bool moved = false;
		uint64_t t_read = thread_cpu_ns();

		r = read_cpus(st);
		if (r < 0)
			return r;
		for (unsigned c = 0; c < st->nslots; c++)
			st->gen_before[c] = st->cpus[c].gen_done;
		st->nrecs = 0;
		r = dump_map(st, bpf_map__fd(st->skel->maps.tasks), sizeof(struct sched_key),
			     take_tasks);
		if (r < 0)
			return r;
		/*
		 * The interval ends when the CPU states are read, not when
		 * this thread next runs: taken just before the read, every
		 * running slice credited up to t_end really ran until then,
		 * however long this thread is preempted afterwards.
		 */
		t_end = now_ns();
		r = read_cpus(st);
		if (r < 0)
			return r;
		for (unsigned c = 0; c < st->nslots; c++)
			moved |= st->cpus[c].gen_done != st->gen_before[c];
		if (!moved || tries == DUMP_TRIES - 1 || thread_cpu_ns() - t_read > DUMP_RETRY_MAX_NS)
			break;
	}
	(void)size_recs(st, st->nrecs, true);
	d.ntasks = st->nrecs;
	d.tasks = st->recs;
	d.oncpu_ns = st->oncpu;
	d.t_ns = t_end;
	d.cpus = st->cpus;
	d.cpu_ok = st->cpu_ok;
	d.open_irq_ns = open_irq(st, t_end);
	r = ebpf_agg_step(st->agg, &d, &s);
	if (r < 0)
		return r;
	n = (ssize_t)ebpf_agg_exited(st->agg, &ex);
	delete_keys(bpf_map__fd(st->skel->maps.tasks), ex, (size_t)n, sizeof(*ex));
	n = (ssize_t)ebpf_agg_exited_tgids(st->agg, &ex_tgids);
	if (st->ctx->syscalls)
		delete_keys(bpf_map__fd(st->skel->maps.syscalls), ex_tgids, (size_t)n,
			    sizeof(*ex_tgids));
	fill_from_proc(st, (struct activity_task *)s.tasks, s.ntasks);
	*ret = s;
	return 0;
}

static void ebpf_close(void *state)
{
	struct ebpf_state *st = state;

	if (!st)
		return;
	joulestat_sched_bpf__destroy(st->skel);
	ebpf_agg_free(st->agg);
	free(st->chunk_keys);
	free(st->chunk_vals);
	free(st->recs);
	free(st->oncpu);
	free(st->sys_tgids);
	free(st->sys_counts);
	free(st->cpus);
	free(st->cpus_retry);
	free(st->cpu_ok);
	free(st->gen_before);
	free(st->open_irq);
	free(st);
}

/*
 * The task map's size and allocation (task_map_plan_for). Preallocated where
 * that is affordable: an entry created in the scheduler then never waits on
 * the kernel's BPF allocator, whose per-CPU caches are refilled
 * asynchronously, so that a burst of new tasks (a thread pool starting,
 * every task of the host on the first sample) empties them and creations
 * fail, dropping slices with the map far from full. Not preallocated where
 * a per-CPU value for each of pid_max keys would pin too much memory (many
 * CPUs or tasks). An explicit capacity (activity_ctx.max_tasks) is
 * preallocated.
 */
static void task_map_plan(struct ebpf_state *st)
{
	const struct activity_ctx *ctx = st->ctx;
	uint64_t pid_max = 32768, ram = 0;
	struct loadavg la = { 0 };
	struct task_map_plan plan;
	struct sysinfo si;
	char buf[128];
	ssize_t n;

	if (ctx->max_tasks) {
		st->max_tasks = ctx->max_tasks;
		st->prealloc = true;
		return;
	}
	(void)fsroot_read_u64(ctx->fs, FS_PROC, "sys/kernel/pid_max", &pid_max);
	if (sysinfo(&si) == 0)
		ram = (uint64_t)si.totalram * si.mem_unit;
	n = fsroot_read(ctx->fs, FS_PROC, "loadavg", buf, sizeof(buf) - 1);
	if (n > 0)
		(void)parse_loadavg(buf, (size_t)n, &la);
	plan = task_map_plan_for(pid_max, ram, st->nslots, la.threads);
	st->max_tasks = plan.entries;
	st->prealloc = plan.prealloc;
}

/* Open and load with sched_switch as tp_btf (btf_attach) or raw_tp. Returns -errno from load. */
static int load(struct ebpf_state *st, bool btf_attach, bool real_sys)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = real_sys ? NULL : st->btf_path);
	struct joulestat_sched_bpf *skel;
	int r;

	/* libbpf 1.x: NULL with errno set, else negative errno codes returned. */
	skel = joulestat_sched_bpf__open_opts(&oo);
	if (!skel)
		return errno ? -errno : -EINVAL;
	bpf_program__set_autoload(skel->progs.switch_btf, btf_attach);
	bpf_program__set_autoload(skel->progs.switch_raw, !btf_attach);
	bpf_program__set_autoload(skel->progs.sys_enter, st->ctx->syscalls);
	bpf_map__set_max_entries(skel->maps.tasks, st->max_tasks);
	if (st->prealloc)
		bpf_map__set_map_flags(skel->maps.tasks,
				       bpf_map__map_flags(skel->maps.tasks) & ~BPF_F_NO_PREALLOC);
	bpf_map__set_max_entries(skel->maps.syscalls, st->max_tasks);
	r = joulestat_sched_bpf__load(skel);
	if (r < 0) {
		joulestat_sched_bpf__destroy(skel);
		return r;
	}
	st->skel = skel;
	st->btf_attach = btf_attach;
	return 0;
}

/*
 * Make every online CPU switch once, so each has a named running task from
 * the start: an idle CPU may otherwise not switch for seconds (NOHZ), and
 * its time would have no name until it did. Moving this thread onto each CPU
 * in turn does it; its affinity is restored afterwards.
 */
static void prime_cpus(const struct topology *topo)
{
	cpu_set_t saved, one;
	unsigned cpu;

	if (sched_getaffinity(0, sizeof(saved), &saved) < 0)
		return;
	cpuset_for_each(cpu, &topo->online) {
		if (cpu >= CPU_SETSIZE)
			break;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			sched_yield();
	}
	(void)sched_setaffinity(0, sizeof(saved), &saved);
}

static int ebpf_open(const struct activity_ctx *ctx, void **ret_state, char *reason,
		     size_t reason_size)
{
	struct ebpf_state *st;
	bool real_sys = fsroot_is_real(ctx->fs, FS_SYS) > 0;
	unsigned highest = 0, cpu;
	uint64_t t0;
	int r, nposs;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ctx = ctx;
	st->page_size = sysconf(_SC_PAGESIZE);
	if (fsroot_path(ctx->fs, FS_SYS, "kernel/btf/vmlinux", st->btf_path, sizeof(st->btf_path)) <
		    0 ||
	    access(st->btf_path, R_OK) < 0) {
		r = -ENOENT;
		snprintf(reason, reason_size,
			 "BTF missing at %s: the kernel needs CONFIG_DEBUG_INFO_BTF=y", st->btf_path);
		goto fail;
	}
	nposs = libbpf_num_possible_cpus();
	if (nposs <= 0) {
		r = nposs < 0 ? nposs : -ENODEV;
		snprintf(reason, reason_size, "cannot count possible CPUs: %s", strerror(-r));
		goto fail;
	}
	st->nslots = (unsigned)nposs;
	cpuset_for_each(cpu, &ctx->topo->online) highest = cpu;
	st->ncpus = MIN(highest + 1, st->nslots);
	task_map_plan(st);

	r = load(st, true, real_sys);
	if (r == -EPERM || r == -EACCES) {
		char missing[64];

		if (caps_missing(CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON), missing, sizeof(missing)))
			snprintf(reason, reason_size,
				 "not permitted (this process lacks %s): run as root or grant "
				 "CAP_BPF and CAP_PERFMON", missing);
		else
			snprintf(reason, reason_size,
				 "not permitted: run as root or grant CAP_BPF and CAP_PERFMON");
		goto fail;
	}
	if (r < 0)
		r = load(st, false, real_sys);
	if (r < 0) {
		snprintf(reason, reason_size, "the BPF program does not load here: %s%s",
			 strerror(-r),
			 r == -EPERM ? " (run as root or grant CAP_BPF and CAP_PERFMON)" : "");
		goto fail;
	}

	st->cpus = calloc(st->nslots, sizeof(*st->cpus));
	st->cpus_retry = calloc(st->nslots, sizeof(*st->cpus_retry));
	st->cpu_ok = calloc(st->nslots, sizeof(*st->cpu_ok));
	st->gen_before = calloc(st->nslots, sizeof(*st->gen_before));
	st->open_irq = calloc(st->nslots, sizeof(*st->open_irq));
	st->chunk_keys = malloc(BATCH_CHUNK * sizeof(struct sched_key));
	st->chunk_vals = malloc((size_t)BATCH_CHUNK * st->nslots * sizeof(struct sched_val));
	if (!st->cpus || !st->cpus_retry || !st->cpu_ok || !st->gen_before || !st->open_irq ||
	    !st->chunk_keys || !st->chunk_vals) {
		r = -ENOMEM;
		goto fail;
	}
	{
		char buf[4096];
		ssize_t len = fsroot_read(ctx->fs, FS_SYS, "devices/system/cpu/nohz_full", buf,
					  sizeof(buf));

		if (ebpf_nohz_full(buf, len, st->nslots, &st->nohz_full) < 0)
			log_info(ctx->log,
				 "activity ebpf: %s/devices/system/cpu/nohz_full is not a CPU list: "
				 "steal inside running slices is named only when they end",
				 ctx->fs->root[FS_SYS]);
	}
	t0 = now_ns();
	r = ebpf_agg_new(st->ncpus, st->nslots, t0, &st->agg);
	if (r < 0)
		goto fail;
	st->skel->bss->t0_ns = t0;
	r = joulestat_sched_bpf__attach(st->skel);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot attach the BPF programs: %s", strerror(-r));
		goto fail;
	}
	prime_cpus(ctx->topo);
	log_info(ctx->log, "activity ebpf: %s/sched_switch, %u task slots (%s), %u possible CPUs",
		 st->btf_attach ? "tp_btf" : "raw_tp", st->max_tasks,
		 st->prealloc ? "preallocated" : "allocated as tasks appear", st->nslots);
	*ret_state = st;
	return 0;
fail:
	ebpf_close(st);
	return r;
}

int activity_ebpf_describe(void *state, char *buf, size_t size)
{
	const struct ebpf_state *st = state;

	if (!st)
		return -EINVAL;
	snprintf(buf, size, "%s/sched_switch%s, BTF from %s, %u task slots%s",
		 st->btf_attach ? "tp_btf" : "raw_tp",
		 st->btf_attach ? "" : " (tp_btf unsupported: using raw tracepoint)", st->btf_path,
		 st->max_tasks, st->prealloc ? " (preallocated)" : "");
	return 0;
}

const struct activity_ops activity_ebpf_ops = {
	.name = "ebpf",
	.open = ebpf_open,
	.sample = ebpf_sample,
	.close = ebpf_close,
};
