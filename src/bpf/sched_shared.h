/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * sched_shared.h - the contract between sched.bpf.c and the eBPF collector
 * (activity_ebpf*.c): the layouts of the maps userspace maps into its own
 * memory, flags and bounds. Fixed-width types only, no pointers, no padding
 * holes, so the BPF object and userspace agree byte for byte; userspace pins
 * every size with _Static_assert.
 *
 * Every map userspace reads is a BPF_F_MMAPABLE array, read in place: no
 * system call per task or per CPU. Per task the kernel keeps one slot of a
 * fixed size whatever the number of CPUs:
 *  - task-local storage (struct sched_task) holds the task's slot number;
 *  - the slot (struct sched_slot, one cache line) holds the task's key, comm
 *    and what it ran on one CPU since it last left another (acc_ns on
 *    acc_cpu); struct sched_ident beside it holds the rest of its identity;
 *  - when the task is charged on a CPU other than acc_cpu, that part is
 *    folded out into the charging CPU's log (struct sched_fold), and the
 *    slot starts a new part (epoch + 1);
 *  - per CPU, struct sched_cpu as before (idle, irq, lost, the running
 *    slice), plus its log's head.
 * Slots are handed out by the program (a ring of free slots that userspace
 * refills, else never used ones) and given back by userspace only after it
 * read the task's last slice (SCHED_TASK_EXITED, written by the task's final
 * switch).
 *
 * Writers and readers: a slot is written by the program running for its task
 * (its switch-out, fork, exec), never by two CPUs at once, between two
 * increments of seq (odd while written); userspace copies it between two
 * equal even reads of seq. A log record is written before the head that
 * publishes it. The program never writes a log entry userspace has not
 * consumed (log_tail, written by userspace). The ordering relies on stores
 * becoming visible in program order (x86).
 */
#ifndef JOULESTAT_SCHED_SHARED_H
#define JOULESTAT_SCHED_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SCHED_COMM_LEN 16

/* Slot table capacity: from pid_max and the tasks alive, within these bounds (activity_ebpf.c). */
#define SCHED_TASKS_MIN 1024u
#define SCHED_TASKS_MAX (1u << 22)

/*
 * Records in each CPU's fold log: a power of two, as many as
 * SCHED_LOG_BUDGET bytes of logs hold, within these bounds (activity_ebpf.c).
 */
#define SCHED_LOG_MIN 1024u
#define SCHED_LOG_MAX 32768u
#define SCHED_LOG_BUDGET (1u << 20)

#define SCHED_NONE 0xffffffffu	/* no slot, no CPU */

#define SCHED_CPU_CACHE 8u	/* slots remembered per CPU (a power of two) */

/* sched_slot.flags; the values equal enum activity_task_flags on purpose. */
#define SCHED_TASK_EXITED (1u << 0)	/* the task's final switch: nothing more is charged */
#define SCHED_TASK_KERNEL (1u << 2)	/* kernel thread (PF_KTHREAD) */
/*
 * sched_slot.flags and sched_fold.flags: the part moved to another CPU
 * unfolded (a full log, see sched_cpu.misplaced), so some of its time ran on
 * CPUs other than its own.
 */
#define SCHED_PART_MOVED (1u << 8)

/* A task: tgid, tid and task_struct.start_boottime, so that a reused PID makes a new key. */
struct sched_key {
	__u32 tgid;
	__u32 pid;
	__u64 start_ns;
};

/* Task-local storage: the task's slot, plus one (0: none yet). */
struct sched_task {
	__u32 slot1;
};

/*
 * A task's slot: one cache line, written at each of the task's switch-outs.
 * acc_ns is the run time charged on acc_cpu since the part began (epoch):
 * cumulative within the part, so userspace takes differences of it; the part
 * ends in a log record of the same epoch. The key and comm are written where
 * the slot is taken (fork, or the first switch-out of a task older than the
 * program) and the comm again at exec.
 */
struct sched_slot {
	__u32 seq;		/* odd while the program writes the slot */
	__u32 epoch;		/* the part acc_ns belongs to; 0 for the task's first */
	__u64 acc_ns;		/* run time on acc_cpu in this part */
	__u32 acc_cpu;		/* SCHED_NONE before the first charge */
	__u32 flags;		/* SCHED_TASK_* */
	__u32 tgid;
	__u32 pid;
	__u64 start_ns;		/* task_struct.start_boottime */
	__u64 syscalls;		/* cumulative, this task's (only with --syscalls) */
	char comm[SCHED_COMM_LEN];
};

/*
 * The rest of a slot's identity, written with the slot (under its seq) and
 * cgroup_id/uid again at exec. Parentage is written where the slot is taken
 * (at fork, while the parent is alive) and never rewritten. Starts are
 * task_struct.start_boottime of the thread-group leaders; ppid 0: unknown.
 */
struct sched_ident {
	__u64 cgroup_id;	/* cgroup v2 id */
	__u32 uid;
	__u32 ppid;		/* the parent process (real_parent's tgid) */
	__u64 parent_start_ns;	/* the parent process's start */
	__u64 proc_start_ns;	/* this task's process (group leader) start */
};

/*
 * A part of a task's run time folded out of its slot: `ns` on `cpu`, the
 * whole of part `epoch` (written on the CPU the task was charged on next).
 */
struct sched_fold {
	__u32 slot;
	__u32 epoch;
	__u32 cpu;
	__u32 flags;		/* SCHED_PART_MOVED */
	__u64 ns;
};

/*
 * Per-CPU state (one element per possible CPU, written only by that CPU's
 * switches, except log_tail). The program writes gen_start first and
 * gen_done last with the same new value; userspace copies the struct in
 * ascending address order, so a copy with gen_done == gen_start is
 * consistent (a torn copy is retried). Counters are cumulative.
 */
struct sched_cpu {
	__u64 gen_done;		/* keep first */
	__u64 last_ns;		/* CLOCK_MONOTONIC of the last switch (start of the running slice) */
	__u64 idle_ns;		/* completed idle slices */
	__u64 lost_ns;		/* slices that could not be charged to a task (no slot) */
	__u64 dropped;		/* number of such slices */
	__u64 charged_ns;	/* Σ of every charge (idle, tasks, lost, irq): always last_ns - t0_ns */
	__u32 cur_tgid;		/* the task running since last_ns (0/0/0: idle) */
	__u32 cur_pid;
	__u64 cur_start_ns;
	/*
	 * Tasks are charged the kernel's own run time (se.sum_exec_runtime,
	 * which leaves out interrupt and steal time where the kernel accounts
	 * them), not the wall time between switches: cur_rt_ns is the running
	 * task's sum_exec_runtime when it was switched in (valid when
	 * cur_rt_ok), and irq_ns gathers the rest of each task slice.
	 */
	__u64 cur_rt_ns;
	__u64 irq_ns;		/* completed slices' wall time minus the task's run time */
	__u32 cur_rt_ok;
	__u32 cur_slot;		/* the running task's slot, SCHED_NONE when it had none at switch-in */
	__u64 log_head;		/* records written to this CPU's log */
	/*
	 * Charges that found this CPU's log full: the task's part moved to
	 * this CPU unfolded, so what it gained on its old CPU since userspace
	 * last read it is named on this one (the task's time is whole, the
	 * charge itself is where it ran). Counted, never silent.
	 */
	__u64 misplaced;
	__u64 log_tail;		/* written by userspace: records consumed */
	__u64 gen_start;	/* keep last of the counters */
	__u64 pad;
	/*
	 * The program's own: the slots of tasks that ran here lately, by pid
	 * (SCHED_CPU_CACHE ways), so that a task switched in again finds its
	 * slot without a task-local-storage lookup. An entry is used only when
	 * the slot's key is the task's.
	 */
	__u32 cache_pid[SCHED_CPU_CACHE];
	__u32 cache_slot[SCHED_CPU_CACHE];
};

/*
 * Slot allocation (one element). The program takes slots from the free ring
 * (free_head up to free_tail, compare-and-swap on free_head), else the next
 * never used one (next_new, which may run past the capacity: then the table
 * is full). Userspace appends slots it has finished with and then publishes
 * free_tail.
 */
struct sched_ctl {
	__u64 next_new;
	__u64 free_head;
	__u64 pad0[6];
	__u64 free_tail;	/* written by userspace; its own cache line */
	__u64 pad1[7];
};

#endif
