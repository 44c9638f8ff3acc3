// SPDX-License-Identifier: GPL-2.0-only
/*
 * floor.bpf.c - the physical limit of a sched_switch program on this kernel,
 * for bench-floor.c: each program below is attached alone while a ping-pong
 * runs, and the kernel's BPF statistics give its cost per switch.
 *   floor_empty    an empty tp_btf program: the dispatch alone
 *   floor_clock    bpf_ktime_get_ns() and a store into a per-CPU array
 *   floor_tls      a task-local-storage lookup of prev and two adds
 *   floor_tls2     the same for prev and a lookup of next
 *   floor_hash     a per-CPU hash lookup of a 16-byte task key and an add
 * Not project code: a measuring instrument.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct tls_val {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_val);
} tls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last SEC(".maps");

struct hkey {
	__u32 tgid;
	__u32 pid;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct hkey);
	__type(value, __u64);
} hash SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_empty, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_clock, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 zero = 0;
	__u64 *l = bpf_map_lookup_elem(&last, &zero);

	if (l)
		*l = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_tls, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct tls_val *v = bpf_task_storage_get(&tls, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (v) {
		v->a += 1;
		v->b += 2;
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_tls2, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct tls_val *v = bpf_task_storage_get(&tls, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct tls_val *n = bpf_task_storage_get(&tls, next, 0, 0);

	if (v) {
		v->a += 1;
		v->b += n ? n->a : 2;
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_hash, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct hkey k = { prev->tgid, prev->pid, prev->start_boottime };
	__u64 one = 1, *v = bpf_map_lookup_elem(&hash, &k);

	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&hash, &k, &one, BPF_NOEXIST);
	return 0;
}
