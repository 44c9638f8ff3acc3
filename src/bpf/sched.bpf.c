// SPDX-License-Identifier: GPL-2.0-only
/*
 * sched.bpf.c - charge every nanosecond of every CPU to the task that ran it.
 *
 * At each sched_switch on a CPU, the time since that CPU's previous switch
 * is accounted: when the outgoing task is the idle task (pid 0), all of it
 * goes to the CPU's idle counter; otherwise the outgoing task is charged the
 * run time the kernel itself accounted to it during the slice (the growth of
 * se.sum_exec_runtime, which leaves out interrupt and hypervisor steal time
 * where the kernel accounts them), and the rest of the slice goes to the
 * CPU's irq counter. So a task's time agrees with its schedstat, and every
 * nanosecond of the CPU is still named once. Counters are cumulative;
 * activity_ebpf.c reads them, takes differences, and names the slice still
 * running at sample time from sched_cpu.last_ns/cur_*.
 *
 * Two programs handle sched_switch: a BTF tracepoint (cheapest dispatch) and
 * a raw tracepoint for kernels that cannot attach tp_btf. Userspace probes by
 * loading one and falling back to the other, never by kernel version. Both
 * read task fields with CO-RE (BPF_CORE_READ), so one object fits all kernels
 * with BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sched_shared.h"

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace after load, just before attach: the start of the first interval. */
__u64 t0_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_cpu);
} cpu_state SEC(".maps");

/*
 * Not preallocated here: userspace sizes it before load and preallocates it
 * where the memory is affordable (activity_ebpf.c, task_map_plan): a
 * per-CPU value for each of pid_max keys on a many-CPU machine would pin far
 * more memory than the tasks alive at once need, but an allocation in the
 * scheduler can fail during a burst of new tasks.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SCHED_TASKS_MIN);
	__type(key, struct sched_key);
	__type(value, struct sched_val);
} tasks SEC(".maps");

/* Syscalls per tgid, cumulative (only with --syscalls, whose program is otherwise not loaded). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SCHED_TASKS_MIN);
	__type(key, __u32);
	__type(value, __u64);
} syscalls SEC(".maps");

/*
 * A task field: a direct load where the verifier trusts the pointer (tp_btf
 * arguments: CO-RE-relocated, no helper call), else bpf_probe_read_kernel
 * through BPF_CORE_READ. `direct` is a constant in every caller, so only one
 * branch is ever compiled into a program.
 */
#define TASK_READ(direct, t, field) ((direct) ? (t)->field : BPF_CORE_READ(t, field))

static __always_inline void task_key_of(struct task_struct *t, struct sched_key *k, bool direct)
{
	k->tgid = TASK_READ(direct, t, tgid);
	k->pid = TASK_READ(direct, t, pid);
	k->start_ns = TASK_READ(direct, t, start_boottime);
}

/* Who forked t, and when its process and its parent's started (sched_shared.h). */
static __always_inline void fill_parentage(struct task_struct *t, struct sched_val *v)
{
	struct task_struct *parent = BPF_CORE_READ(t, real_parent);

	v->proc_start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	v->ppid = BPF_CORE_READ(parent, tgid);
	v->parent_start_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
}

static __always_inline void fill_identity(struct task_struct *t, struct sched_val *v, __u64 now)
{
	const struct cred *cred = BPF_CORE_READ(t, cred);

	bpf_probe_read_kernel_str(v->comm, sizeof(v->comm), &t->comm);
	v->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	v->uid = BPF_CORE_READ(cred, uid.val);
	v->comm_ns = now;
}

/* The task's value on this CPU, created when absent; NULL when the map is full. */
static __always_inline struct sched_val *task_val(struct task_struct *t, const struct sched_key *k,
						  __u64 now, bool direct)
{
	struct sched_val *v, init = {};

	v = bpf_map_lookup_elem(&tasks, k);
	if (v)
		return v;
	fill_identity(t, &init, now);
	fill_parentage(t, &init);
	if (TASK_READ(direct, t, flags) & PF_KTHREAD)
		init.flags |= SCHED_TASK_KERNEL;
	/* -EEXIST: another CPU created it meanwhile; the lookup below finds it. */
	bpf_map_update_elem(&tasks, k, &init, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tasks, k);
}

/* Charge delta_ns to task t on this CPU (sched_switch only: preemption is off). */
static __always_inline void charge(struct sched_cpu *c, struct task_struct *t, __u64 delta_ns,
				   __u64 now, bool direct)
{
	struct sched_key k;
	struct sched_val *v;

	c->charged_ns += delta_ns;
	task_key_of(t, &k, direct);
	if (k.pid == 0) {
		c->idle_ns += delta_ns;
		return;
	}
	v = task_val(t, &k, now, direct);
	if (!v) {
		__sync_fetch_and_add(&c->lost_ns, delta_ns);
		__sync_fetch_and_add(&c->dropped, 1);
		return;
	}
	v->oncpu_ns += delta_ns;
	if (TASK_READ(direct, t, flags) & PF_EXITING)
		v->flags |= SCHED_TASK_EXITED;
}

static __always_inline struct sched_cpu *cpu_begin(void)
{
	__u32 zero = 0;
	struct sched_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);

	if (!c)
		return NULL;
	c->gen_start = c->gen_done + 1;
	barrier();
	return c;
}

static __always_inline void cpu_end(struct sched_cpu *c)
{
	barrier();
	c->gen_done = c->gen_start;
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next,
				     bool direct)
{
	/*
	 * One timestamp ends the outgoing slice and starts the incoming one, so
	 * the program's own run time is charged to nobody twice and to the next
	 * task not at all.
	 */
	__u64 now = bpf_ktime_get_ns();
	struct sched_cpu *c = cpu_begin();
	struct sched_key nk;
	__u64 last;

	if (!c)
		return 0;
	last = c->last_ns ? c->last_ns : t0_ns;
	if (last && now > last) {
		__u64 wall = now - last, run = wall;

		/*
		 * The kernel updated prev's sum_exec_runtime just before this
		 * tracepoint (put_prev_task). When the slice's start is known
		 * for this very task, charge the growth; the rest of the wall
		 * time is interrupts or steal. A growth beyond the wall time
		 * (clock skew of a few ns) is capped: the slice is all run.
		 */
		if (c->cur_rt_ok && c->cur_pid == (__u32)TASK_READ(direct, prev, pid) &&
		    c->cur_pid != 0) {
			__u64 rt = TASK_READ(direct, prev, se.sum_exec_runtime);

			if (rt >= c->cur_rt_ns && rt - c->cur_rt_ns < wall)
				run = rt - c->cur_rt_ns;
		}
		charge(c, prev, run, now, direct);
		if (wall > run) {
			c->irq_ns += wall - run;
			c->charged_ns += wall - run;
		}
	}
	/*
	 * The incoming task's entry is not created here: that would cost a
	 * hash lookup on every switch. Userspace names a running slice whose
	 * task has no entry yet from cur_* alone.
	 */
	task_key_of(next, &nk, direct);
	c->last_ns = now;
	c->cur_tgid = nk.tgid;
	c->cur_pid = nk.pid;
	c->cur_start_ns = nk.start_ns;
	c->cur_rt_ns = TASK_READ(direct, next, se.sum_exec_runtime);
	c->cur_rt_ok = 1;
	cpu_end(c);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next, true);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next, false);
}

/*
 * Mark the exiting task's entry: its last slice is charged at its final
 * switch, which follows within microseconds and carries PF_EXITING, so the
 * whole life is charged the kernel's run time. Userspace reports an exited
 * entry once and then deletes it; a final slice that lands after that
 * deletion makes a new entry, reported and deleted the same way.
 */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(process_exit)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct sched_key k;
	struct sched_val *v;

	task_key_of(t, &k, false);
	v = bpf_map_lookup_elem(&tasks, &k);
	if (v)
		v->flags |= SCHED_TASK_EXITED;
	return 0;
}

/* After exec the comm is the new program's: record it on this CPU's copy, newest wins. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(process_exec)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 now = bpf_ktime_get_ns();
	struct sched_key k;
	struct sched_val *v;

	task_key_of(t, &k, false);
	v = task_val(t, &k, now, false);
	if (v)
		fill_identity(t, v, now);
	return 0;
}

/*
 * Record a new task's parentage at fork, while its parent is certainly
 * alive: a short-lived child whose parent exits first would otherwise be
 * created in the map (at its first switch) already reparented, and fall out
 * of the process tree `joulestat run` measures. The entry has no time yet;
 * userspace reports tasks only once they have some (or exited).
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct sched_val init = {};
	struct sched_key k;
	__u64 now = bpf_ktime_get_ns();

	task_key_of(child, &k, false);
	fill_identity(child, &init, now);
	fill_parentage(child, &init);
	if (BPF_CORE_READ(child, flags) & PF_KTHREAD)
		init.flags |= SCHED_TASK_KERNEL;
	/* Full map: the task is created at its first switch instead, counted there if lost. */
	bpf_map_update_elem(&tasks, &k, &init, BPF_NOEXIST);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&syscalls, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&syscalls, &tgid, &one, BPF_NOEXIST);
	return 0;
}
