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
 * nanosecond of the CPU is still named once.
 *
 * Per task the program keeps one fixed-size slot, whatever the number of
 * CPUs (sched_shared.h): task-local storage names the slot, and the slot
 * holds the run time the task accumulated on one CPU (acc_ns on acc_cpu).
 * Charged on another CPU, the task's part is folded into that CPU's log and
 * a new part begins. Userspace reads the slots, the logs and the CPU states
 * in its own memory (all BPF_F_MMAPABLE arrays), takes differences, and
 * names the slice still running at sample time from sched_cpu.last_ns/cur_*.
 *
 * sched_switch is handled by a BTF tracepoint (cheapest dispatch, trusted
 * task pointers) or, where that does not load, a raw tracepoint that reaches
 * the outgoing task as the current one. Userspace probes by loading one and
 * falling back to the other, never by kernel version. Task fields are read
 * with CO-RE, so one object fits all kernels with BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sched_shared.h"

#define PF_KTHREAD 0x00200000
#define TASK_DEAD 0x00000080

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace after load, just before attach: the start of the first interval. */
__u64 t0_ns = 0;

/*
 * Set by userspace before load: the slot table's capacity, the free ring's
 * size - 1, and each CPU's log length (powers of two).
 */
const volatile __u32 slot_cap = 1;
const volatile __u32 ring_mask = 0;
const volatile __u32 log_len = SCHED_LOG_MIN;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_task);
} task_slot SEC(".maps");

/* Userspace sizes the arrays before load: possible CPUs, slot_cap, ring_mask + 1. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_cpu);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_slot);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_ident);
} idents SEC(".maps");

/* Each CPU's log: log_len records from cpu * log_len. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SCHED_LOG_MIN);
	__type(key, __u32);
	__type(value, struct sched_fold);
} folds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_ctl);
} slot_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* a slot (array elements are 8 bytes apart anyway) */
} free_ring SEC(".maps");

/*
 * A task field: a direct load where the verifier trusts the pointer (tp_btf
 * arguments, bpf_get_current_task_btf(): CO-RE-relocated, no helper call),
 * else bpf_probe_read_kernel through BPF_CORE_READ. `direct` is a constant
 * in every caller, so only one branch is ever compiled into a program.
 */
#define TASK_READ(direct, t, field) ((direct) ? (t)->field : BPF_CORE_READ(t, field))

/* Kernels before 5.14 name the state field `state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline bool task_dead(struct task_struct *t, bool direct)
{
	if (bpf_core_field_exists(t->__state))
		return TASK_READ(direct, t, __state) & TASK_DEAD;
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state) & TASK_DEAD;
}

/* Comm, cgroup and uid of t into its slot (under the slot's seq). */
static __always_inline void fill_identity(struct task_struct *t, struct sched_slot *s,
					  struct sched_ident *id)
{
	const struct cred *cred = BPF_CORE_READ(t, cred);

	bpf_probe_read_kernel_str(s->comm, sizeof(s->comm), &t->comm);
	id->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	id->uid = BPF_CORE_READ(cred, uid.val);
}

/* A free slot: one userspace gave back, else a never used one; SCHED_NONE when full. */
static __always_inline __u32 slot_alloc(void)
{
	__u32 zero = 0;
	struct sched_ctl *ctl = bpf_map_lookup_elem(&slot_ctl, &zero);
	__u64 n;

	if (!ctl)
		return SCHED_NONE;
	for (int i = 0; i < 4; i++) {
		__u64 h = ctl->free_head, t = *(volatile __u64 *)&ctl->free_tail;
		__u32 ri = (__u32)h & ring_mask, idx;
		__u64 *e;

		if (h >= t)
			break;
		e = bpf_map_lookup_elem(&free_ring, &ri);
		if (!e)
			break;
		idx = (__u32)*e;
		/* Another CPU took it meanwhile: try the next one. */
		if (__sync_val_compare_and_swap(&ctl->free_head, h, h + 1) == h)
			return idx;
	}
	/*
	 * A full table is seen with a plain read: a task without a slot asks
	 * again at each of its switch-outs and syscalls, and an atomic add on
	 * every one would bounce this line between the CPUs.
	 */
	if (*(volatile __u64 *)&ctl->next_new >= slot_cap)
		return SCHED_NONE;
	n = __sync_fetch_and_add(&ctl->next_new, 1);
	return n < slot_cap ? (__u32)n : SCHED_NONE;
}

/* Give slot idx to task t: key, identity, parentage, an empty first part. */
static __always_inline bool slot_init(__u32 idx, struct task_struct *t, bool direct)
{
	struct sched_slot *s = bpf_map_lookup_elem(&slots, &idx);
	struct sched_ident *id = bpf_map_lookup_elem(&idents, &idx);
	struct task_struct *parent;

	if (!s || !id)
		return false;
	s->seq++;
	barrier();
	s->epoch = 0;
	s->acc_ns = 0;
	s->acc_cpu = SCHED_NONE;
	s->flags = TASK_READ(direct, t, flags) & PF_KTHREAD ? SCHED_TASK_KERNEL : 0;
	s->tgid = TASK_READ(direct, t, tgid);
	s->pid = TASK_READ(direct, t, pid);
	s->start_ns = TASK_READ(direct, t, start_boottime);
	s->syscalls = 0;
	fill_identity(t, s, id);
	/* Who forked t, and when its process and its parent's started. */
	parent = BPF_CORE_READ(t, real_parent);
	id->proc_start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	id->ppid = BPF_CORE_READ(parent, tgid);
	id->parent_start_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
	barrier();
	s->seq++;
	return true;
}

/*
 * Slot idx is being taken by t, the task running this program (sys_enter,
 * exec): name it as the slot of this CPU's running slice when that slice is
 * t's. A task older than the program was switched in without a slot, so
 * nothing else names it until its switch-out: userspace would then not copy
 * the slot while the task runs (its syscalls are written there, and nothing
 * else moves the slot's seq meanwhile), and would name the running slice
 * apart from it. Written before the slot is initialised, so that a reader
 * that sees the slot taken (its seq moved) and then reads the CPU's state
 * finds the name too; every user checks the slot's key against the slice's.
 */
static __always_inline void name_running(__u32 idx, struct task_struct *t)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct sched_cpu *c = bpf_map_lookup_elem(&cpu_state, &cpu);

	if (c && c->cur_pid == (__u32)t->pid && c->cur_tgid == (__u32)t->tgid &&
	    c->cur_start_ns == t->start_boottime)
		c->cur_slot = idx;
}

/*
 * t's slot, taken now when it has none (its task-local storage is created
 * too); SCHED_NONE when the table is full or the storage cannot be made.
 * *fresh says whether the slot was taken here. `running`: t is the task
 * running this program (a trusted pointer), see name_running().
 */
static __always_inline __u32 slot_of(struct task_struct *t, bool direct, bool running,
				     bool *fresh)
{
	struct sched_task *ts = bpf_task_storage_get(&task_slot, t, 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 idx;

	*fresh = false;
	if (!ts)
		return SCHED_NONE;
	if (ts->slot1)
		return ts->slot1 - 1;
	idx = slot_alloc();
	if (idx == SCHED_NONE)
		return SCHED_NONE;
	if (running)
		name_running(idx, t);
	if (!slot_init(idx, t, direct))
		return SCHED_NONE;
	ts->slot1 = idx + 1;
	*fresh = true;
	return idx;
}

/*
 * Add `run` ns on `cpu` to the task in slot s: to its part when the part is
 * on this CPU, else after folding the part into this CPU's log. A full log
 * moves the part to this CPU instead (counted in misplaced): the charge is
 * where it ran, and only what the part gained on its old CPU since
 * userspace last read it is named on this one.
 */
static __always_inline void slot_charge(struct sched_cpu *c, __u32 cpu, __u32 idx,
					struct sched_slot *s, __u64 run)
{
	if (s->acc_cpu != cpu) {
		if (!s->acc_ns) {
			s->acc_cpu = cpu;
		} else if (c->log_head - *(volatile __u64 *)&c->log_tail >= log_len) {
			c->misplaced++;
			s->acc_cpu = cpu;
			s->flags |= SCHED_PART_MOVED;
		} else {
			__u32 i = cpu * log_len + ((__u32)c->log_head & (log_len - 1));
			struct sched_fold *f = bpf_map_lookup_elem(&folds, &i);

			if (!f) {
				c->misplaced++;
				s->acc_cpu = cpu;
				s->flags |= SCHED_PART_MOVED;
			} else {
				f->slot = idx;
				f->epoch = s->epoch;
				f->cpu = s->acc_cpu;
				f->flags = s->flags & SCHED_PART_MOVED;
				f->ns = s->acc_ns;
				barrier();
				c->log_head++;
				s->epoch++;
				s->acc_ns = 0;
				s->acc_cpu = cpu;
				s->flags &= ~SCHED_PART_MOVED;
			}
		}
	}
	s->acc_ns += run;
}

/* Charge `run` ns to prev, the task leaving this CPU (sched_switch only: preemption is off). */
static __always_inline void charge(struct sched_cpu *c, __u32 cpu, struct task_struct *prev,
				   __u64 run, bool direct)
{
	__u32 pid = TASK_READ(direct, prev, pid), idx = SCHED_NONE;
	struct sched_slot *s = NULL;
	bool fresh;

	c->charged_ns += run;
	if (pid == 0) {
		c->idle_ns += run;
		return;
	}
	/* Its slot as it was found at its switch-in, if that is its own; else from its storage. */
	if (c->cur_slot != SCHED_NONE && c->cur_pid == pid) {
		idx = c->cur_slot;
		s = bpf_map_lookup_elem(&slots, &idx);
		if (s && (s->pid != pid || s->tgid != c->cur_tgid || s->start_ns != c->cur_start_ns))
			s = NULL;
	}
	if (!s) {
		__u32 h = pid & (SCHED_CPU_CACHE - 1);

		idx = slot_of(prev, direct, false, &fresh);
		s = bpf_map_lookup_elem(&slots, &idx);
		if (s) {
			c->cache_pid[h] = pid;
			c->cache_slot[h] = idx;
		}
	}
	if (!s) {
		__sync_fetch_and_add(&c->lost_ns, run);
		__sync_fetch_and_add(&c->dropped, 1);
		return;
	}
	s->seq++;
	barrier();
	slot_charge(c, cpu, idx, s, run);
	/* The task's final switch: nothing will be charged to it again. */
	if (task_dead(prev, direct))
		s->flags |= SCHED_TASK_EXITED;
	barrier();
	s->seq++;
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
	__u32 cpu = bpf_get_smp_processor_id();
	struct sched_cpu *c = bpf_map_lookup_elem(&cpu_state, &cpu);
	__u32 next_pid, next_tgid, next_slot = SCHED_NONE;
	__u64 last, next_start;

	if (!c)
		return 0;
	c->gen_start = c->gen_done + 1;
	barrier();
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
		charge(c, cpu, prev, run, direct);
		if (wall > run) {
			c->irq_ns += wall - run;
			c->charged_ns += wall - run;
		}
	}
	/*
	 * The incoming task's slot is looked up (never taken) here, so that
	 * its switch-out finds it without a second lookup; a task without one
	 * gets it at its switch-out. Userspace names a running slice from
	 * cur_* alone when cur_slot is SCHED_NONE. A task that ran here lately
	 * is found in this CPU's cache, by pid: a hint, checked against the
	 * slot's key at the switch-out (and by userspace, which names the
	 * running slice from cur_* alone when the slot is another task's).
	 */
	next_pid = TASK_READ(direct, next, pid);
	next_tgid = TASK_READ(direct, next, tgid);
	next_start = TASK_READ(direct, next, start_boottime);
	if (direct && next_pid) {
		__u32 h = next_pid & (SCHED_CPU_CACHE - 1);

		if (c->cache_pid[h] == next_pid) {
			next_slot = c->cache_slot[h];
		} else {
			struct sched_task *ts = bpf_task_storage_get(&task_slot, next, 0, 0);

			if (ts && ts->slot1) {
				next_slot = ts->slot1 - 1;
				c->cache_pid[h] = next_pid;
				c->cache_slot[h] = next_slot;
			}
		}
	}
	c->last_ns = now;
	c->cur_tgid = next_tgid;
	c->cur_pid = next_pid;
	c->cur_start_ns = next_start;
	c->cur_rt_ns = TASK_READ(direct, next, se.sum_exec_runtime);
	c->cur_rt_ok = 1;
	c->cur_slot = next_slot;
	barrier();
	c->gen_done = c->gen_start;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next, true);
}

/*
 * The raw tracepoint's arguments are not trusted pointers; the outgoing task
 * is the current one (the tracepoint fires before the context switch), which
 * is, and task-local storage needs one.
 */
SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id();
	struct sched_cpu *c = bpf_map_lookup_elem(&cpu_state, &cpu);
	__u64 last;

	if (!c)
		return 0;
	c->gen_start = c->gen_done + 1;
	barrier();
	last = c->last_ns ? c->last_ns : t0_ns;
	if (last && now > last) {
		__u64 wall = now - last, run = wall;

		if (c->cur_rt_ok && c->cur_pid == (__u32)cur->pid && c->cur_pid != 0) {
			__u64 rt = cur->se.sum_exec_runtime;

			if (rt >= c->cur_rt_ns && rt - c->cur_rt_ns < wall)
				run = rt - c->cur_rt_ns;
		}
		charge(c, cpu, cur, run, true);
		if (wall > run) {
			c->irq_ns += wall - run;
			c->charged_ns += wall - run;
		}
	}
	c->last_ns = now;
	c->cur_tgid = BPF_CORE_READ(next, tgid);
	c->cur_pid = BPF_CORE_READ(next, pid);
	c->cur_start_ns = BPF_CORE_READ(next, start_boottime);
	c->cur_rt_ns = BPF_CORE_READ(next, se.sum_exec_runtime);
	c->cur_rt_ok = 1;
	c->cur_slot = SCHED_NONE;
	barrier();
	c->gen_done = c->gen_start;
	return 0;
}

/*
 * A new task's slot is taken at fork, while its parent is certainly alive:
 * a short-lived child whose parent exits first would otherwise get its slot
 * (at its first switch-out) already reparented, and fall out of the process
 * tree `joulestat run` measures. A full table: the task's slot is taken at
 * its first switch-out instead, counted there if lost.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	bool fresh;

	slot_of(child, true, false, &fresh);
	return 0;
}

/* After exec the comm (and possibly the credentials and cgroup) are the new program's. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(process_exec)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sched_slot *s;
	struct sched_ident *id;
	bool fresh;
	__u32 idx = slot_of(t, true, true, &fresh);

	if (fresh)
		return 0;
	s = bpf_map_lookup_elem(&slots, &idx);
	id = bpf_map_lookup_elem(&idents, &idx);
	if (!s || !id)
		return 0;
	s->seq++;
	barrier();
	fill_identity(t, s, id);
	barrier();
	s->seq++;
	return 0;
}

/*
 * Syscalls per task (only with --syscalls, whose program is otherwise not
 * loaded): the task's own counter, written only here in the task's own
 * context, a single aligned store userspace reads whole. The counter does
 * not move the slot's seq: a task makes syscalls only while it runs, and
 * userspace copies the slot of each CPU's running slice as well as every
 * slot whose seq moved (each switch-out moves it), so every call is read.
 * A task older than the program has no slot until its first switch-out:
 * its first syscall takes one (and names it as the running slice's), or
 * the calls of its first slice would be lost.
 */
SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sched_task *ts = bpf_task_storage_get(&task_slot, t, 0, 0);
	struct sched_slot *s;
	bool fresh;
	__u32 idx;

	if (ts && ts->slot1)
		idx = ts->slot1 - 1;
	else
		idx = slot_of(t, true, true, &fresh);
	s = bpf_map_lookup_elem(&slots, &idx);
	if (s)
		s->syscalls++;
	return 0;
}
