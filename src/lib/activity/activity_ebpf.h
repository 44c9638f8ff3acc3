/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_ebpf.h - the eBPF collector's userspace side apart from loading:
 * the reader, which copies what sched.bpf.c wrote into the maps userspace
 * has mapped (activity_ebpf_read.c), and the aggregator, which turns one
 * reading into one struct activity_sample (activity_ebpf_agg.c). Neither
 * makes a system call, so tests and benchmarks run them on memory that a
 * model of the program writes.
 *
 * The maps hold, per task, the run time of its current part (one CPU) and,
 * per CPU, a log of the parts that ended (sched_shared.h). The aggregator
 * keeps what it has credited of each task's part and turns the rest into
 * per-interval, per-CPU differences, names each CPU's slice still running
 * at sample time, and lists the slots the program may hand out again.
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
_Static_assert(sizeof(struct sched_task) == 4, "sched_task layout is shared with BPF");
_Static_assert(sizeof(struct sched_slot) == 64, "sched_slot is one cache line, shared with BPF");
_Static_assert(sizeof(struct sched_ident) == 32, "sched_ident layout is shared with BPF");
_Static_assert(sizeof(struct sched_fold) == 24, "sched_fold layout is shared with BPF");
_Static_assert(sizeof(struct sched_cpu) == 192, "sched_cpu layout is shared with BPF");
_Static_assert(sizeof(struct sched_ctl) == 128, "sched_ctl layout is shared with BPF");
_Static_assert(SCHED_COMM_LEN == ACTIVITY_COMM_LEN, "comm lengths must match");
_Static_assert(SCHED_TASK_EXITED == ACTIVITY_TASK_EXITED, "flags are passed through");
_Static_assert(SCHED_TASK_KERNEL == ACTIVITY_TASK_KERNEL, "flags are passed through");

/* The memory the program writes: the mapped maps, or a test's arrays. */
struct ebpf_shm {
	unsigned nslots;		/* possible CPUs */
	uint32_t cap;			/* slots */
	struct sched_cpu *cpus;		/* [nslots]; log_tail is userspace's */
	const struct sched_slot *slots;	/* [cap] */
	const struct sched_ident *idents; /* [cap] */
	const struct sched_fold *folds;	/* [nslots * log_len]: CPU c's log from c * log_len */
	uint32_t log_len;		/* records in each CPU's log, a power of two */
	struct sched_ctl *ctl;		/* free_tail is userspace's */
	uint64_t *ring;			/* [ring_mask + 1]: free slots, written by userspace */
	uint32_t ring_mask;		/* a power of two >= cap, minus one */
};

/* One slot as it was between two equal reads of its seq. */
struct ebpf_slot_copy {
	uint32_t idx;
	uint32_t pad;
	struct sched_slot s;
	struct sched_ident id;
};

/*
 * One reading, as the aggregator takes it: the CPU states, consistent copies
 * of the slots that changed (and of those the logs and the running slices
 * name), and each CPU's log records from log_from[c] to log_to[c] (indices
 * grow without wrapping; record h is folds[c * log_len + h % log_len]).
 * The logs and slots must be read before the CPU states, the logs before the
 * slots (activity_ebpf_read.c says why).
 */
struct ebpf_dump {
	uint64_t t_ns;			/* CLOCK_MONOTONIC, taken after the slots were read */
	unsigned nslots;
	uint32_t cap;			/* slots: a record or copy at or past it is ignored */
	const struct sched_cpu *cpus;	/* [nslots] */
	const bool *cpu_ok;		/* [nslots]: copy consistent (gen_done == gen_start); NULL: all */
	size_t ncopies;
	const struct ebpf_slot_copy *copies; /* each slot at most once */
	const struct sched_fold *folds;	/* [nslots * log_len] */
	uint32_t log_len;		/* a power of two */
	const uint64_t *log_from;	/* [nslots] */
	const uint64_t *log_to;		/* [nslots] */
	/*
	 * [nslots] or NULL: of each CPU's running slice so far, the time known
	 * not to be its task's run time (interrupts, steal), which the kernel
	 * will leave out of the task when the slice completes. The caller
	 * estimates it from the task's run time (activity_ebpf.c); it must
	 * never exceed the truth, or the task is short until its slice ends.
	 */
	const uint64_t *open_irq_ns;
};

/* ---- the reader (activity_ebpf_read.c): consistent copies, no system call ---- */

struct ebpf_reader;

int ebpf_reader_new(unsigned nslots, uint32_t cap, struct ebpf_reader **ret);
struct ebpf_reader *ebpf_reader_free(struct ebpf_reader *r);

/*
 * Copy every CPU's state, a torn copy retried a few times and then marked
 * (not ok). Returns how many are torn.
 */
unsigned ebpf_read_cpus(struct ebpf_reader *r, const struct ebpf_shm *m);

/* Start a reading: note each CPU's log head (the records up to it are this reading's). */
void ebpf_read_begin(struct ebpf_reader *r, const struct ebpf_shm *m);

/*
 * Then copy the slots whose seq moved since the last committed reading and
 * the slots this reading's log records name. Returns 0 or -ENOMEM (nothing
 * is committed then).
 */
int ebpf_read_slots(struct ebpf_reader *r, const struct ebpf_shm *m);

/* Also copy the slots of the running slices in the last ebpf_read_cpus(). Returns 0 or -ENOMEM. */
int ebpf_read_running(struct ebpf_reader *r, const struct ebpf_shm *m);

/* The reading so far as the aggregator takes it (t_ns and open_irq_ns are the caller's). */
void ebpf_read_dump(const struct ebpf_reader *r, const struct ebpf_shm *m, struct ebpf_dump *d);

/*
 * After a successful step: remember the copies' seqs, hand the consumed log
 * records back to the program (log_tail), and the finished slots (the
 * aggregator's ebpf_agg_recycle()) to the free ring.
 */
void ebpf_read_commit(struct ebpf_reader *r, struct ebpf_shm *m, const uint32_t *recycle,
		      size_t nrecycle);

/* The last reading's CPU states and their consistency, [nslots] each. */
const struct sched_cpu *ebpf_read_cpu_states(const struct ebpf_reader *r, const bool **cpu_ok);

/* Copy slot idx consistently (false: it kept changing). Pure but for the loads. */
bool ebpf_copy_slot(const struct ebpf_shm *m, uint32_t idx, struct ebpf_slot_copy *ret);

/* ---- the aggregator (activity_ebpf_agg.c) ---- */

struct ebpf_agg;

/*
 * `ncpus`: the sample's per-CPU array length (highest online CPU + 1, at most
 * nslots); `t0_ns`: when the program was attached, the start of the first
 * interval. Returns 0, -EINVAL, -ENOMEM.
 */
int ebpf_agg_new(unsigned ncpus, unsigned nslots, uint64_t t0_ns, struct ebpf_agg **ret);
struct ebpf_agg *ebpf_agg_free(struct ebpf_agg *a);

/*
 * Close the interval at d->t_ns. *ret points into the aggregator, valid
 * until the next step or free. Nothing changes on failure (-EINVAL,
 * -ENOMEM): every allocation is made before the step begins.
 */
int ebpf_agg_step(struct ebpf_agg *a, const struct ebpf_dump *d, struct activity_sample *ret);

/*
 * Slots the last step finished with (their task's final switch was read one
 * step before, and this step read the logs written before it): the caller
 * gives them back to the program. *ret valid until the next step.
 */
size_t ebpf_agg_recycle(const struct ebpf_agg *a, const uint32_t **ret);

/* Bytes the aggregator holds now (its arrays' capacities), for the memory model. */
size_t ebpf_agg_footprint(const struct ebpf_agg *a);

/* Bytes the reader holds now. */
size_t ebpf_reader_footprint(const struct ebpf_reader *r);

/*
 * The slot table's size (activity_ebpf.c says why it is sized so): pid_max
 * slots, but no more than fit the budget (TASK_MAP_BUDGET, at most
 * ram_bytes / 64; 0: unknown RAM) nor than SLOTS_PER_TASK times the tasks
 * alive now (`threads`), and at least SCHED_TASKS_MIN. A slot's memory does
 * not depend on the number of CPUs, so neither does the plan. Pure.
 */
#define TASK_MAP_BUDGET (32ull << 20)
#define SLOTS_PER_TASK 8u
#define SLOTS_FLOOR 32768u		/* the tasks-alive rule never goes below this */
/*
 * Bytes per slot: the slot, its identity and its place in the free ring (8
 * bytes an entry, in a power of two of entries: at most two per slot).
 */
#define SLOT_BYTES (sizeof(struct sched_slot) + sizeof(struct sched_ident) + 2 * sizeof(uint64_t))

uint32_t task_map_plan_for(uint64_t pid_max, uint64_t ram_bytes, uint32_t threads);

/*
 * Records in each CPU's log: the power of two that SCHED_LOG_BUDGET bytes of
 * logs hold for `nslots` possible CPUs, within SCHED_LOG_MIN..SCHED_LOG_MAX.
 * The logs hold the parts that ended during one interval: a few CPUs get
 * long logs for long intervals, many CPUs a fixed floor each. Pure.
 */
uint32_t ebpf_log_len_for(unsigned nslots);

/*
 * Memory of the collector as a function of slots, tasks and possible CPUs,
 * from the code's own sizes: what the kernel holds for it (maps; the
 * task-local storage of each task, the kernel's allocation estimated from
 * its element and storage structures) and what userspace holds per slot
 * and per CPU (reader and aggregator). Pure.
 */
struct ebpf_mem_model {
	uint64_t kernel_per_cpu;	/* CPU state and log */
	uint64_t kernel_per_slot;	/* slot, identity, free-ring entry */
	uint64_t kernel_per_task;	/* task-local storage, estimated */
	uint64_t kernel_fixed;		/* slot allocation */
	uint64_t user_per_slot;		/* reader and aggregator state per slot */
	uint64_t user_per_task;		/* per task in a sample: its copy, record, rows (one per CPU it ran on) */
	uint64_t user_per_cpu;		/* per possible CPU */
};

struct ebpf_mem_model ebpf_mem_model_of(unsigned nslots);

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

/*
 * The open collector's last reading (everything before the aggregator's step:
 * the CPU states, the slots, the logs), in wall and this thread's CPU time
 * (for bench-activity's B4).
 */
int activity_ebpf_timing(void *state, uint64_t *read_ns, uint64_t *read_cpu_ns);

/* The open collector's attach mode and BTF, in words (activity_ebpf.c). */
int activity_ebpf_describe(void *state, char *buf, size_t size);

#endif
