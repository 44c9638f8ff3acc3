/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf.c - the eBPF activity collector: loads sched.bpf.c (the only
 * file that includes its skeleton), maps its arrays into this process, and
 * each sample hands a reading (activity_ebpf_read.c) to the pure aggregator
 * (activity_ebpf_agg.c). A sample makes no system call per task or per CPU.
 *
 * Lifecycle (libbpf-bootstrap's): open -> size the maps, pick the programs ->
 * load -> map the arrays -> attach -> sample() ... -> close. sched_switch is
 * attached as tp_btf when the kernel loads it, else as a raw tracepoint:
 * decided by trying, not by kernel version. The library never calls
 * libbpf_set_print(): libbpf's print callback is process-global and belongs
 * to the program (the CLI).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
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

#define DUMP_TRIES 3		/* readings until one sees no switch meanwhile ... */
#define DUMP_RETRY_MAX_NS 500000 /* ... while a reading costs less CPU time than this */

struct mapping {
	void *addr;
	size_t len;
};

enum { M_CPUS, M_SLOTS, M_IDENTS, M_FOLDS, M_CTL, M_RING, M_COUNT };

struct ebpf_state {
	struct joulestat_sched_bpf *skel;
	const struct activity_ctx *ctx;
	struct ebpf_agg *agg;
	struct ebpf_reader *reader;
	struct ebpf_shm shm;	/* the program's arrays, mapped */
	struct mapping map[M_COUNT];
	unsigned nslots;	/* possible CPUs */
	unsigned ncpus;		/* highest online CPU + 1 */
	uint32_t max_tasks;	/* slots */
	uint32_t log_len;	/* records in each CPU's log */
	bool btf_attach;	/* tp_btf, else raw_tp */
	char btf_path[256];
	long page_size;
	/* the running slices' irq estimate (open_irq) */
	uint64_t *open_irq;		/* [nslots] */
	uint64_t *gen_before;		/* [nslots]: switch generations before a reading */
	uint64_t irq_total_prev;	/* Σ sched_cpu.irq_ns at the previous sample */
	struct cpuset nohz_full;	/* CPUs whose tick stops under one task */
	uint64_t read_ns, read_cpu_ns;	/* the last sample's reading (activity_ebpf_timing) */
};

/* This thread's CPU time in ns (what a reading costs, whatever the preemption). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return now_ns();
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * From /proc: the comm of tasks named only by a CPU's running slice (no slot
 * yet), and the resident memory of each process whose main thread ran
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
	const bool *cpu_ok;
	const struct sched_cpu *cpus = ebpf_read_cpu_states(st->reader, &cpu_ok);
	uint64_t total = 0;
	bool grew;

	for (unsigned c = 0; c < st->ncpus; c++)
		total += cpus[c].irq_ns;
	grew = total > st->irq_total_prev;
	st->irq_total_prev = MAX(total, st->irq_total_prev);
	if (!grew)
		return NULL;
	for (unsigned c = 0; c < st->ncpus; c++) {
		const struct sched_cpu *s = &cpus[c];
		char rel[64], buf[128];
		struct schedstat ss;
		ssize_t len;

		st->open_irq[c] = 0;
		if (!cpu_ok[c] || !s->last_ns || !s->cur_pid || !s->cur_rt_ok ||
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
	struct ebpf_dump d;
	const struct sched_cpu *cpus;
	const bool *cpu_ok;
	const uint32_t *recycle;
	uint64_t t_end = 0, *gen_before = st->gen_before;
	size_t nrecycle;
	int r;

	/*
	 * Slots before CPUs: a slice that completes between the two readings
	 * is then missing from this interval and found in the next, never
	 * counted twice (the aggregator's debits rely on this order). Better:
	 * no switch at all during the reading makes the interval exact, so
	 * compare each CPU's switch generation around it and read again when
	 * one moved (the reader was preempted, or the machine is busy), as long
	 * as a reading is cheap: with many tasks, the debits keep the totals
	 * exact. Cheap in this thread's CPU time, not in wall time: a reading
	 * stretched by preemption or by the hypervisor taking the vCPU is the
	 * one most worth another try.
	 */
	uint64_t w0 = now_ns(), c0 = thread_cpu_ns();

	for (int tries = 0;; tries++) {
		bool moved = false;
		uint64_t t_read = thread_cpu_ns();

		ebpf_read_cpus(st->reader, &st->shm);
		cpus = ebpf_read_cpu_states(st->reader, &cpu_ok);
		for (unsigned c = 0; c < st->nslots; c++)
			gen_before[c] = cpus[c].gen_done;
		ebpf_read_begin(st->reader, &st->shm);
		r = ebpf_read_slots(st->reader, &st->shm);
		if (r < 0)
			return r;
		/*
		 * The interval ends when the CPU states are read, not when
		 * this thread next runs: taken just before the read, every
		 * running slice credited up to t_end really ran until then,
		 * however long this thread is preempted afterwards.
		 */
		t_end = now_ns();
		ebpf_read_cpus(st->reader, &st->shm);
		for (unsigned c = 0; c < st->nslots; c++)
			moved |= cpus[c].gen_done != gen_before[c];
		if (!moved || tries == DUMP_TRIES - 1 || thread_cpu_ns() - t_read > DUMP_RETRY_MAX_NS)
			break;
	}
	r = ebpf_read_running(st->reader, &st->shm);
	if (r < 0)
		return r;
	st->read_ns = now_ns() - w0;
	st->read_cpu_ns = thread_cpu_ns() - c0;
	ebpf_read_dump(st->reader, &st->shm, &d);
	d.t_ns = t_end;
	d.open_irq_ns = open_irq(st, t_end);
	r = ebpf_agg_step(st->agg, &d, &s);
	if (r < 0)
		return r;
	nrecycle = ebpf_agg_recycle(st->agg, &recycle);
	ebpf_read_commit(st->reader, &st->shm, recycle, nrecycle);
	fill_from_proc(st, (struct activity_task *)s.tasks, s.ntasks);
	*ret = s;
	return 0;
}

static void ebpf_close(void *state)
{
	struct ebpf_state *st = state;

	if (!st)
		return;
	for (int i = 0; i < M_COUNT; i++)
		if (st->map[i].addr)
			munmap(st->map[i].addr, st->map[i].len);
	joulestat_sched_bpf__destroy(st->skel);
	ebpf_agg_free(st->agg);
	ebpf_reader_free(st->reader);
	free(st->open_irq);
	free(st->gen_before);
	free(st);
}

/*
 * The slot table's size (task_map_plan_for). The arrays are preallocated,
 * so that taking a slot in the scheduler never waits on an allocator (a
 * burst of new tasks once emptied the BPF allocator's per-CPU caches and
 * dropped slices with the map far from full); a slot is 112 bytes whatever
 * the number of CPUs, so pid_max slots fit on any machine, but memory the
 * tasks alive never use is not pinned: eight slots per task alive now, at
 * least 32 768. An explicit capacity (activity_ctx.max_tasks) is taken as
 * it is.
 */
static void task_map_plan(struct ebpf_state *st)
{
	const struct activity_ctx *ctx = st->ctx;
	uint64_t pid_max = 32768, ram = 0;
	struct loadavg la = { 0 };
	struct sysinfo si;
	char buf[128];
	ssize_t n;

	if (ctx->max_tasks) {
		st->max_tasks = ctx->max_tasks;
		return;
	}
	(void)fsroot_read_u64(ctx->fs, FS_PROC, "sys/kernel/pid_max", &pid_max);
	if (sysinfo(&si) == 0)
		ram = (uint64_t)si.totalram * si.mem_unit;
	n = fsroot_read(ctx->fs, FS_PROC, "loadavg", buf, sizeof(buf) - 1);
	if (n > 0)
		(void)parse_loadavg(buf, (size_t)n, &la);
	st->max_tasks = task_map_plan_for(pid_max, ram, la.threads);
}

static uint32_t ring_size(uint32_t cap)
{
	uint32_t n = 1;

	while (n < cap)
		n <<= 1;
	return n;
}

/* Open and load with sched_switch as tp_btf (btf_attach) or raw_tp. Returns -errno from load. */
static int load(struct ebpf_state *st, bool btf_attach, bool real_sys)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = real_sys ? NULL : st->btf_path);
	struct joulestat_sched_bpf *skel;
	uint32_t ring = ring_size(st->max_tasks);
	int r;

	/* libbpf 1.x: NULL with errno set, else negative errno codes returned. */
	skel = joulestat_sched_bpf__open_opts(&oo);
	if (!skel)
		return errno ? -errno : -EINVAL;
	bpf_program__set_autoload(skel->progs.switch_btf, btf_attach);
	bpf_program__set_autoload(skel->progs.process_fork, btf_attach);
	bpf_program__set_autoload(skel->progs.switch_raw, !btf_attach);
	bpf_program__set_autoload(skel->progs.sys_enter, st->ctx->syscalls);
	bpf_map__set_max_entries(skel->maps.cpu_state, st->nslots);
	bpf_map__set_max_entries(skel->maps.slots, st->max_tasks);
	bpf_map__set_max_entries(skel->maps.idents, st->max_tasks);
	bpf_map__set_max_entries(skel->maps.folds, st->nslots * st->log_len);
	bpf_map__set_max_entries(skel->maps.free_ring, ring);
	skel->rodata->slot_cap = st->max_tasks;
	skel->rodata->ring_mask = ring - 1;
	skel->rodata->log_len = st->log_len;
	r = joulestat_sched_bpf__load(skel);
	if (r < 0) {
		joulestat_sched_bpf__destroy(skel);
		return r;
	}
	st->skel = skel;
	st->btf_attach = btf_attach;
	return 0;
}

/* Map one of the program's arrays into this process. */
static int map_array(struct ebpf_state *st, int which, const struct bpf_map *m)
{
	size_t len = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	void *p;

	len = (len + (size_t)st->page_size - 1) & ~((size_t)st->page_size - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	if (p == MAP_FAILED)
		return -errno;
	st->map[which] = (struct mapping){ p, len };
	return 0;
}

static int map_arrays(struct ebpf_state *st)
{
	const struct joulestat_sched_bpf *k = st->skel;
	int r;

	if ((r = map_array(st, M_CPUS, k->maps.cpu_state)) < 0 ||
	    (r = map_array(st, M_SLOTS, k->maps.slots)) < 0 ||
	    (r = map_array(st, M_IDENTS, k->maps.idents)) < 0 ||
	    (r = map_array(st, M_FOLDS, k->maps.folds)) < 0 ||
	    (r = map_array(st, M_CTL, k->maps.slot_ctl)) < 0 ||
	    (r = map_array(st, M_RING, k->maps.free_ring)) < 0)
		return r;
	st->shm = (struct ebpf_shm){
		.nslots = st->nslots,
		.cap = st->max_tasks,
		.cpus = st->map[M_CPUS].addr,
		.slots = st->map[M_SLOTS].addr,
		.idents = st->map[M_IDENTS].addr,
		.folds = st->map[M_FOLDS].addr,
		.ctl = st->map[M_CTL].addr,
		.ring = st->map[M_RING].addr,
		.ring_mask = ring_size(st->max_tasks) - 1,
		.log_len = st->log_len,
	};
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

/*
 * bpf() refused the program: name the privilege and how to get it. A
 * tracing program needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) whatever
 * kernel.unprivileged_bpf_disabled says (the kernel's bpf_prog_load() checks
 * both for BPF_PROG_TYPE_TRACING and RAW_TRACEPOINT); the sysctl is named
 * because lowering it is what a user tries first, and it does not help.
 */
static void not_permitted(const struct activity_ctx *ctx, char *reason, size_t reason_size)
{
	uint64_t disabled;
	char sysctl[64] = "", missing[64], lacks[96] = "";

	if (fsroot_read_u64(ctx->fs, FS_PROC, "sys/kernel/unprivileged_bpf_disabled", &disabled) ==
	    0)
		snprintf(sysctl, sizeof(sysctl), " is %" PRIu64, disabled);
	if (caps_missing(CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON), missing, sizeof(missing)))
		snprintf(lacks, sizeof(lacks), " (this process lacks %s)", missing);
	snprintf(reason, reason_size,
		 "not permitted%s: needs root, or CAP_BPF and CAP_PERFMON (kernel.unprivileged_bpf_"
		 "disabled%s: lowering it does not help, a tracing program needs both capabilities)",
		 lacks, sysctl);
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
	st->log_len = ebpf_log_len_for(st->nslots);

	r = load(st, true, real_sys);
	if (r < 0 && r != -EPERM && r != -EACCES)
		r = load(st, false, real_sys);
	if (r == -EPERM || r == -EACCES) {
		not_permitted(ctx, reason, reason_size);
		goto fail;
	}
	if (r < 0) {
		snprintf(reason, reason_size,
			 "the BPF program does not load here: %s (it needs task-local storage "
			 "and mmapable arrays, kernel 5.12 or later)",
			 strerror(-r));
		goto fail;
	}
	r = map_arrays(st);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot map the BPF arrays: %s", strerror(-r));
		goto fail;
	}
	st->open_irq = calloc(st->nslots, sizeof(*st->open_irq));
	st->gen_before = calloc(st->nslots, sizeof(*st->gen_before));
	if (!st->open_irq || !st->gen_before) {
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
	if (r >= 0)
		r = ebpf_reader_new(st->nslots, st->max_tasks, &st->reader);
	if (r < 0)
		goto fail;
	st->skel->bss->t0_ns = t0;
	r = joulestat_sched_bpf__attach(st->skel);
	if (r < 0) {
		snprintf(reason, reason_size, "cannot attach the BPF programs: %s", strerror(-r));
		goto fail;
	}
	prime_cpus(ctx->topo);
	log_info(ctx->log, "activity ebpf: %s/sched_switch, %u task slots, %u possible CPUs",
		 st->btf_attach ? "tp_btf" : "raw_tp", st->max_tasks, st->nslots);
	*ret_state = st;
	return 0;
fail:
	ebpf_close(st);
	return r;
}

int activity_ebpf_timing(void *state, uint64_t *read_ns, uint64_t *read_cpu_ns)
{
	const struct ebpf_state *st = state;

	if (!st)
		return -EINVAL;
	*read_ns = st->read_ns;
	*read_cpu_ns = st->read_cpu_ns;
	return 0;
}

int activity_ebpf_describe(void *state, char *buf, size_t size)
{
	const struct ebpf_state *st = state;

	if (!st)
		return -EINVAL;
	snprintf(buf, size, "%s/sched_switch%s, BTF from %s, %u task slots",
		 st->btf_attach ? "tp_btf" : "raw_tp",
		 st->btf_attach ? "" : " (tp_btf unsupported: using raw tracepoint)", st->btf_path,
		 st->max_tasks);
	return 0;
}

const struct activity_ops activity_ebpf_ops = {
	.name = "ebpf",
	.open = ebpf_open,
	.sample = ebpf_sample,
	.close = ebpf_close,
};
