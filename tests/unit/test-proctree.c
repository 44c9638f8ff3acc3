/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-proctree.c - process trees across samples: children listed before
 * their parents, a grandchild whose parent has already exited, a reused
 * PID, parents known by PID only (/proc's PPid), parentage the collector
 * did not know (read from a fixture /proc), and process starts.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "group.h"
#include "proctree.h"

#define S 1000000000ULL

struct fx {
	char *dir;
	struct fsroot fs;
	struct proctree t;
};

static void write_stat(const char *dir, unsigned pid, unsigned ppid, unsigned long start_ticks)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%u/stat", pid);
	tu_writef(dir, rel,
		  "%u (sh) S %u %u %u 0 -1 4194304 100 0 0 0 10 5 0 0 20 0 1 0 %lu 46882816 3891 "
		  "18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
		  "0 0\n",
		  pid, ppid, pid, pid, start_ticks);
}

static void fx_init(struct fx *f)
{
	char proc[4096];

	memset(f, 0, sizeof(*f));
	f->dir = tu_mkdtemp();
	write_stat(f->dir, 100, 1, 5000);	/* the root: started at 50 s (HZ 100) */
	write_stat(f->dir, 500, 100, 9000);	/* a child the collector gave no parent */
	write_stat(f->dir, 700, 1, 6000);	/* a process whose leader never ran */
	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
	assert_int_equal(fsroot_init(&f->fs, NULL, proc, NULL), 0);
}

static void fx_done(struct fx *f)
{
	proctree_done(&f->t);
	fsroot_done(&f->fs);
	tu_rm_rf(f->dir);
	free(f->dir);
}

static struct activity_task task(uint32_t tgid, uint32_t tid, uint64_t start, uint32_t ppid,
				 uint64_t pstart, uint64_t proc_start, uint32_t flags)
{
	return (struct activity_task){
		.key = { tgid, tid, start },
		.ppid = ppid,
		.parent_start_ns = pstart,
		.proc_start_ns = proc_start,
		.flags = flags,
		.oncpu_ns = 1,
	};
}

static void update(struct fx *f, struct activity_task *tasks, size_t n)
{
	struct activity_sample s = { .tasks = tasks, .ntasks = n, .end_ns = 1 };

	assert_int_equal(proctree_update(&f->t, &f->fs, &s, NULL), 0);
}

static void test_descendants_across_samples(void **state)
{
	struct fx f;
	/* eBPF-style: precise starts; the root's /proc start is tick-truncated (50 s). */
	uint64_t root_start = 50 * S + 4321, c_start = 60 * S, g_start = 61 * S;
	struct activity_task s1[] = {
		/* The grandchild first: found on the second pass. */
		task(300, 300, g_start, 200, c_start, g_start, 0),
		task(200, 200, c_start, 100, root_start, c_start, 0),
		task(100, 100, root_start, 1, 0, root_start, 0),
		task(100, 101, root_start + 5, 1, 0, root_start, 0),	/* a thread of the root */
		task(999, 999, 70 * S, 1, 0, 70 * S, 0),		/* not ours */
	};
	struct activity_task s2[] = {
		/* 300's child, after 300 exited: placed by what was remembered of 300. */
		task(400, 400, 62 * S, 300, g_start, 62 * S, ACTIVITY_TASK_EXITED),
		/* PID 200 reused by an unrelated process. */
		task(200, 200, 80 * S, 1, 0, 80 * S, 0),
		/* A parent known by PID only (the /proc collector). */
		task(600, 600, 81 * S, 100, 0, 81 * S, 0),
		/* No parentage from the collector: /proc/500/stat says 100. */
		task(500, 500, 90 * S, 0, 0, 90 * S, 0),
	};

	fx_init(&f);
	assert_int_equal(proctree_add_root(&f.t, &f.fs, 100), 0);
	assert_int_equal(proctree_add_root(&f.t, &f.fs, 100), -EEXIST);
	assert_int_equal(proctree_add_root(&f.t, &f.fs, 4242), -ESRCH);
	assert_int_equal(proctree_root_pid(&f.t, 0), 100);
	assert_int_equal(proctree_root_start(&f.t, 0), 50 * S);

	update(&f, s1, 5);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(proctree_root_of(&f.t, i), 0);
	assert_int_equal(proctree_root_of(&f.t, 4), GROUP_CLASS_NONE);

	update(&f, s2, 4);
	assert_int_equal(proctree_root_of(&f.t, 0), 0);
	assert_int_equal(proctree_root_of(&f.t, 1), GROUP_CLASS_NONE);
	assert_int_equal(proctree_root_of(&f.t, 2), 0);
	assert_int_equal(proctree_root_of(&f.t, 3), 0);
	/* Out of range: no tree. */
	assert_int_equal(proctree_root_of(&f.t, 99), GROUP_CLASS_NONE);
	fx_done(&f);
}

/* A root given up: its members placed nowhere; its slot taken by the next root. */
static void test_remove_root(void **state)
{
	struct fx f;
	uint64_t root_start = 50 * S + 4321, c_start = 60 * S;
	struct activity_task s1[] = {
		task(100, 100, root_start, 1, 0, root_start, 0),
		task(200, 200, c_start, 100, root_start, c_start, 0),
	};

	(void)state;
	fx_init(&f);
	assert_int_equal(proctree_remove_root(&f.t, 100), -ENOENT);
	assert_int_equal(proctree_add_root(&f.t, &f.fs, 100), 0);
	update(&f, s1, 2);
	assert_int_equal(proctree_root_of(&f.t, 1), 0);
	assert_int_equal(proctree_remove_root(&f.t, 100), 0);
	assert_int_equal(proctree_remove_root(&f.t, 100), -ENOENT);
	assert_int_equal(proctree_root_pid(&f.t, 0), 0);
	/* The child, remembered as a member, is in no tree now. */
	update(&f, s1, 2);
	assert_int_equal(proctree_root_of(&f.t, 0), GROUP_CLASS_NONE);
	assert_int_equal(proctree_root_of(&f.t, 1), GROUP_CLASS_NONE);
	/* Another root takes the free slot. */
	assert_int_equal(proctree_add_root(&f.t, &f.fs, 700), 0);
	assert_int_equal(proctree_root_pid(&f.t, 0), 700);
	assert_int_equal(f.t.nroots, 1);
	fx_done(&f);
}

static void test_no_roots_no_work(void **state)
{
	struct fx f;
	struct activity_task s1[] = { task(100, 100, 50 * S, 1, 0, 50 * S, 0) };

	fx_init(&f);
	update(&f, s1, 1);
	assert_int_equal(proctree_root_of(&f.t, 0), GROUP_CLASS_NONE);
	fx_done(&f);
}

static void test_process_starts(void **state)
{
	struct fx f;

	fx_init(&f);
	/* Noted leaders, newest wins; a leader newer than the task is a later process. */
	proctree_note_leader(&f.t, 42, 10 * S);
	proctree_note_leader(&f.t, 42, 20 * S);
	proctree_note_leader(&f.t, 42, 15 * S);
	assert_int_equal(proctree_proc_start(&f.t, &f.fs, 42, 25 * S), 20 * S);
	assert_int_equal(proctree_proc_start(&f.t, &f.fs, 42, 12 * S), 0);
	/* Never ran: /proc/700/stat says 60 s; asked once, then remembered. */
	assert_int_equal(proctree_proc_start(&f.t, &f.fs, 700, 65 * S), 60 * S);
	tu_rm_rf(f.dir);	/* gone from /proc: the remembered answer stays */
	assert_int_equal(proctree_proc_start(&f.t, &f.fs, 700, 65 * S), 60 * S);
	/* Unknown and not in /proc: 0. */
	assert_int_equal(proctree_proc_start(&f.t, &f.fs, 701, 65 * S), 0);
	proctree_done(&f.t);
	fsroot_done(&f.fs);
	free(f.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descendants_across_samples),
		cmocka_unit_test(test_remove_root),
		cmocka_unit_test(test_no_roots_no_work),
		cmocka_unit_test(test_process_starts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
