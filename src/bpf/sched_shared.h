/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * sched_shared.h - the contract between sched.bpf.c and activity_ebpf.c: map
 * key and value layouts, flags and bounds. Fixed-width types only, no
 * pointers, no padding holes, so the BPF object and userspace agree byte for
 * byte; userspace pins every size with _Static_assert.
 */
#ifndef JOULESTAT_SCHED_SHARED_H
#define JOULESTAT_SCHED_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SCHED_COMM_LEN 16

/* Task map capacity: from pid_max, clamped to these bounds (activity_ebpf.c). */
#define SCHED_TASKS_MIN 1024u
#define SCHED_TASKS_MAX (1u << 22)

/* sched_val.flags; the values equal enum activity_task_flags on purpose. */
#define SCHED_TASK_EXITED (1u << 0)	/* the task has exited (or is exiting) */
#define SCHED_TASK_KERNEL (1u << 2)	/* kernel thread (PF_KTHREAD) */

/*
 * A task: tgid, tid and the task's start time (task_struct.start_boottime,
 * ns of CLOCK_BOOTTIME) so that a reused PID makes a new key. The idle task of
 * each CPU has pid 0 and is never a key: its time goes to sched_cpu.idle_ns.
 */
struct sched_key {
	__u32 tgid;
	__u32 pid;
	__u64 start_ns;
};

/*
 * One task's value on one CPU (the task map is per-CPU). Counters are
 * cumulative since the entry was created; userspace takes differences and
 * deletes an entry only after it has read it with SCHED_TASK_EXITED set.
 * comm/cgroup_id/uid are written where the entry is created and at exec;
 * comm_ns says when, so userspace keeps the newest of the CPUs' copies.
 */
struct sched_val {
	__u64 oncpu_ns;		/* completed slices on this CPU */
	__u64 comm_ns;		/* CLOCK_MONOTONIC when comm/cgroup_id/uid were written; 0: never here */
	__u64 cgroup_id;	/* cgroup v2 id */
	__u32 uid;
	__u32 flags;		/* SCHED_TASK_* */
	char comm[SCHED_COMM_LEN];
	/*
	 * Parentage, written where the entry is created - at fork
	 * (sched_process_fork) for tasks born while the program runs, so a
	 * child that outlives its parent still names the parent that forked
	 * it - and never rewritten. Starts are task_struct.start_boottime of
	 * the thread-group leaders. ppid 0: unknown.
	 */
	__u64 proc_start_ns;	/* this task's process (group leader) start */
	__u64 parent_start_ns;	/* the parent process's start */
	__u32 ppid;		/* the parent process (real_parent's tgid) */
	__u32 pad;		/* zero */
};

/*
 * Per-CPU state (a one-slot per-CPU array). The program writes gen_start
 * first and gen_done last with the same new value; userspace copies the
 * struct in ascending address order, so a copy with gen_done == gen_start is
 * consistent (a torn copy is retried). Counters are cumulative.
 */
struct sched_cpu {
	__u64 gen_done;		/* keep first */
	__u64 last_ns;		/* CLOCK_MONOTONIC of the last switch (start of the running slice) */
	__u64 idle_ns;		/* completed idle slices */
	__u64 lost_ns;		/* slices that could not be charged to a task (task map full) */
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
	__u32 pad0;
	__u64 gen_start;	/* keep last */
};

#endif
