/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf.h - the eBPF collector's userspace arithmetic, apart from any
 * I/O: recorded map contents in, one struct activity_sample out. The BPF maps
 * hold cumulative counters (sched_shared.h); the aggregator keeps the previous
 * contents and turns them into per-interval differences, names each CPU's
 * slice still running at sample time, and lists the exited tasks whose map
 * entries the caller must now delete.
 */
#ifndef JOULESTAT_ACTIVITY_EBPF_H
#define JOULESTAT_ACTIVITY_EBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "../../bpf/sched_shared.h"
#include "activity.h"
#include "cpuset.h"

_Static_assert(sizeof(struct sched_key) == 16, "sched_key layout is shared with BPF");
_Static_assert(sizeof(struct sched_val) == 72, "sched_val layout is shared with BPF");
_Static_assert(sizeof(struct sched_cpu) == 96, "sched_cpu layout is shared with BPF");
_Static_assert(SCHED_COMM_LEN == ACTIVITY_COMM_LEN, "comm lengths must match");
_Static_assert(SCHED_TASK_EXITED == ACTIVITY_TASK_EXITED, "flags are passed through");
_Static_assert(SCHED_TASK_KERNEL == ACTIVITY_TASK_KERNEL, "flags are passed through");

/*
 * Fold one task map entry's `nslots` per-CPU values (what the aggregator
 * reads of the kernel's 72 bytes per possible CPU, once) into a task record
 * and its times on the sample's CPUs, oncpu_ns[0..ncpus) (ncpus <= nslots:
 * the slots of CPUs never online carry no time the sample can report).
 * *task gets the key; comm, cgroup_id and uid of the copy written last
 * (greatest comm_ns); parentage of the earliest written copy that has it;
 * every copy's flags (ACTIVITY_TASK_EXITED, ACTIVITY_TASK_KERNEL); zero
 * elsewhere. Pure.
 */
void ebpf_fold(const struct sched_key *key, const struct sched_val *vals, unsigned nslots,
	       unsigned ncpus, struct activity_task *task, uint64_t *oncpu_ns);

/*
 * One reading of the maps. The task entries come either as the kernel
 * returns them (keys and vals: `nslots` values, possible CPUs, per key,
 * key-major) or folded as they were read (tasks and oncpu_ns, ebpf_fold:
 * the collector's form, sizeof(struct activity_task) + 8 × ncpus bytes an
 * entry rather than 16 + 72 × nslots); both give the same sample. Folded
 * entries are the sample's own memory: the step writes the sample's tasks
 * over them (a task is never written past its entry) and the running
 * slices' tasks after them, so `tasks` must have room for ncpus more.
 */
struct ebpf_dump {
	uint64_t t_ns;			/* CLOCK_MONOTONIC, taken after the cpu states were read */
	unsigned nslots;
	const struct sched_cpu *cpus;	/* [nslots] */
	const bool *cpu_ok;		/* [nslots]: copy consistent (gen_done == gen_start); NULL: all */
	size_t ntasks;
	const struct sched_key *keys;	/* [ntasks], or NULL with tasks */
	const struct sched_val *vals;	/* [ntasks * nslots], or NULL with tasks */
	struct activity_task *tasks;	/* [ntasks + ncpus], or NULL with keys and vals */
	const uint64_t *oncpu_ns;	/* with tasks: [ntasks * ncpus] (ebpf_agg_new's ncpus) */
	/*
	 * [nslots] or NULL: of each CPU's running slice so far, the time known
	 * not to be its task's run time (interrupts, steal), which the kernel
	 * will leave out of the task when the slice completes. The caller
	 * estimates it from the task's run time (activity_ebpf.c); it must
	 * never exceed the truth, or the task is short until its slice ends.
	 */
	const uint64_t *open_irq_ns;
	size_t nsys;			/* syscall counters (--syscalls) */
	const uint32_t *sys_tgids;	/* [nsys] */
	const uint64_t *sys_counts;	/* [nsys * nslots] */
};

struct ebpf_agg;

/*
 * `ncpus`: the sample's per-CPU array length (highest online CPU + 1, at most
 * nslots); `t0_ns`: when the program was attached, the start of the first
 * interval. Returns 0, -EINVAL, -ENOMEM.
 */
int ebpf_agg_new(unsigned ncpus, unsigned nslots, uint64_t t0_ns, struct ebpf_agg **ret);
struct ebpf_agg *ebpf_agg_free(struct ebpf_agg *a);

/*
 * Close the interval at d->t_ns. The map contents must have been read
 * before the cpu states (see activity_ebpf.c for why). *ret points into the
 * aggregator, valid until the next step or free. The map entries of exited
 * tasks must be deleted before the next step (ebpf_agg_exited()): they are
 * forgotten here, and a key seen again counts from zero.
 */
int ebpf_agg_step(struct ebpf_agg *a, const struct ebpf_dump *d, struct activity_sample *ret);

/* Keys of the entries to delete after the last step; *ret valid until the next step. */
size_t ebpf_agg_exited(const struct ebpf_agg *a, const struct sched_key **ret);

/* Syscall-map keys (tgids) to delete: processes whose main thread exited. */
size_t ebpf_agg_exited_tgids(const struct ebpf_agg *a, const uint32_t **ret);

/*
 * The task map's size and allocation (activity_ebpf.c says why it is
 * preallocated where affordable): pid_max entries when they fit the budget
 * (TASK_MAP_BUDGET, at most ram_bytes / 64; 0: unknown RAM), else as many as
 * fit when that is at least SCHED_TASKS_MIN and four times `threads` (the
 * tasks alive now), else pid_max entries allocated as tasks appear. pid_max
 * is clamped to SCHED_TASKS_MIN..SCHED_TASKS_MAX first. Pure.
 */
#define TASK_MAP_BUDGET (64ull << 20)
#define TASK_ENTRY_OVERHEAD 64ull	/* the kernel's element: hash node, key, per-CPU pointer */

struct task_map_plan {
	uint32_t entries;
	bool prealloc;
};

struct task_map_plan task_map_plan_for(uint64_t pid_max, uint64_t ram_bytes, unsigned nslots,
				       uint32_t threads);

/*
 * Of a slice running since `last_ns` whose task's run time was `cur_rt_ns`
 * when it started and reads `rt_now_ns` now (its schedstat, brought up to
 * date at each tick), the part up to `t_ns` that is surely not run time:
 * interrupts or steal beyond RUN_STALE_NS, the longest a running task's run
 * time can lag. 0 when nothing is sure, or when rt_now_ns is older than the
 * slice (another task: its PID reused). Never more than the truth, as
 * struct ebpf_dump's open_irq_ns requires. Pure.
 */
#define RUN_STALE_NS 10000000ull	/* one tick of the slowest kind: CONFIG_HZ=100 */

uint64_t ebpf_open_irq_ns(uint64_t t_ns, uint64_t last_ns, uint64_t cur_rt_ns, uint64_t rt_now_ns);

/*
 * The CPUs of /sys/devices/system/cpu/nohz_full (its `len` bytes in buf;
 * len < 0: the file could not be read), whose tick stops under a single task
 * so that its run time can lag by seconds. Absent or "(null)": none. A list
 * that does not parse: every CPU below nslots, so no estimate is ever made
 * from a stale run time; returns -EINVAL then (the caller says so), else 0.
 * Pure.
 */
int ebpf_nohz_full(const char *buf, ssize_t len, unsigned nslots, struct cpuset *ret);

/* The open collector's attach mode and BTF, in words (activity_ebpf.c). */
int activity_ebpf_describe(void *state, char *buf, size_t size);

#endif
