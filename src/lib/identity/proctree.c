/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* proctree.c - process starts and process trees across snapshots (proctree.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "procfs_parse.h"
#include "proctree.h"
#include "util.h"

/* Entries of processes not seen for this long are forgotten; the tables are pruned every minute. */
#define PT_TTL_NS (600 * NSEC_PER_SEC)
#define PT_PRUNE_EVERY_NS (60 * NSEC_PER_SEC)

static size_t pt_hash(uint32_t tgid, uint64_t start_ns)
{
	uint64_t h = ((uint64_t)tgid << 32) ^ (start_ns * 0x9e3779b97f4a7c15ULL);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

static struct pt_ent *pt_find(const struct pt_map *m, uint32_t tgid, uint64_t start_ns)
{
	if (!m->cap)
		return NULL;
	for (size_t i = pt_hash(tgid, start_ns) & (m->cap - 1); m->e[i].used;
	     i = (i + 1) & (m->cap - 1))
		if (m->e[i].tgid == tgid && m->e[i].start_ns == start_ns)
			return &m->e[i];
	return NULL;
}

static int pt_rehash(struct pt_map *m, size_t cap)
{
	struct pt_ent *e = calloc(cap, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (size_t k = 0; k < m->cap; k++) {
		size_t i;

		if (!m->e[k].used)
			continue;
		for (i = pt_hash(m->e[k].tgid, m->e[k].start_ns) & (cap - 1); e[i].used;
		     i = (i + 1) & (cap - 1))
			;
		e[i] = m->e[k];
	}
	free(m->e);
	m->e = e;
	m->cap = cap;
	return 0;
}

static struct pt_ent *pt_get(struct pt_map *m, uint32_t tgid, uint64_t start_ns)
{
	struct pt_ent *e = pt_find(m, tgid, start_ns);
	size_t i;

	if (e)
		return e;
	if ((m->n + 1) * 2 > m->cap && pt_rehash(m, m->cap ? m->cap * 2 : 64) < 0)
		return NULL;
	for (i = pt_hash(tgid, start_ns) & (m->cap - 1); m->e[i].used; i = (i + 1) & (m->cap - 1))
		;
	m->e[i] = (struct pt_ent){ .tgid = tgid, .start_ns = start_ns, .used = true };
	m->n++;
	return &m->e[i];
}

/* Drop entries not seen since `before` (kept as they are when memory is short). */
static void pt_prune(struct pt_map *m, uint64_t before)
{
	struct pt_ent *e;
	size_t kept = 0;

	if (!m->cap)
		return;
	e = calloc(m->cap, sizeof(*e));
	if (!e)
		return;
	for (size_t k = 0; k < m->cap; k++) {
		size_t i;

		if (!m->e[k].used || m->e[k].seen_ns < before)
			continue;
		for (i = pt_hash(m->e[k].tgid, m->e[k].start_ns) & (m->cap - 1); e[i].used;
		     i = (i + 1) & (m->cap - 1))
			;
		e[i] = m->e[k];
		kept++;
	}
	free(m->e);
	m->e = e;
	m->n = kept;
}

static uint64_t tick_ns(struct proctree *t)
{
	if (!t->tick_ns) {
		long hz = sysconf(_SC_CLK_TCK);

		t->tick_ns = hz > 0 ? NSEC_PER_SEC / (uint64_t)hz : 10000000ULL;
	}
	return t->tick_ns;
}

/* /proc/PID/stat of a task: its start (ns since boot, tick-truncated) and parent. */
static int read_stat(const struct fsroot *fs, uint32_t pid, uint64_t tick, uint64_t *ret_start,
		     uint32_t *ret_ppid)
{
	char rel[32], buf[1024];
	struct task_stat st;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%u/stat", pid);
	n = fsroot_read(fs, FS_PROC, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (parse_task_stat(buf, (size_t)n, &st) < 0)
		return -EINVAL;
	*ret_start = st.starttime_ticks * tick;
	if (ret_ppid)
		*ret_ppid = st.ppid;
	return 0;
}

void proctree_note_exit(struct proctree *t, uint32_t tgid, uint64_t start_ns)
{
	struct pt_ent *e = pt_find(&t->leaders, tgid, 0);

	/* Seen "never": the next prune drops it; a thread still running asks /proc. */
	if (e && e->val == start_ns)
		e->seen_ns = 0;
}

void proctree_note_leader(struct proctree *t, uint32_t tgid, uint64_t start_ns)
{
	struct pt_ent *e = pt_get(&t->leaders, tgid, 0);

	if (!e)
		return;
	if (start_ns >= e->val)
		e->val = start_ns;
	e->seen_ns = now_ns();
}

uint64_t proctree_proc_start(struct proctree *t, const struct fsroot *fs, uint32_t tgid,
			     uint64_t task_start_ns)
{
	uint64_t tick = tick_ns(t), start = 0;
	struct pt_ent *e = pt_find(&t->leaders, tgid, 0);

	if (e) {
		e->seen_ns = now_ns();
		/* A leader newer than the task belongs to a later process of a reused PID. */
		return e->val <= task_start_ns + tick ? e->val : 0;
	}
	/* The leader never ran while we watched: ask /proc once (a dead one stays 0). */
	if (read_stat(fs, tgid, tick, &start, NULL) < 0 || start > task_start_ns + tick)
		start = 0;
	e = pt_get(&t->leaders, tgid, 0);
	if (e) {
		e->val = start;
		e->seen_ns = now_ns();
	}
	return start;
}

int proctree_add_root(struct proctree *t, const struct fsroot *fs, uint32_t pid)
{
	struct pt_root *v;
	uint64_t start;
	int r;

	r = read_stat(fs, pid, tick_ns(t), &start, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : -ESRCH;
	for (size_t i = 0; i < t->nroots; i++)
		if (t->roots[i].pid == pid && t->roots[i].start_ns == start)
			return -EEXIST;
	/* A removed root's slot first, so a daemon following many runs keeps few. */
	for (size_t i = 0; i < t->nroots; i++)
		if (t->roots[i].pid == 0) {
			t->roots[i] = (struct pt_root){ .pid = pid, .start_ns = start };
			return 0;
		}
	v = realloc(t->roots, (t->nroots + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->roots = v;
	t->roots[t->nroots++] = (struct pt_root){ .pid = pid, .start_ns = start };
	return 0;
}

int64_t proctree_remove_root(struct proctree *t, uint32_t pid)
{
	struct pt_map *m = &t->members;
	size_t r = t->nroots;
	struct pt_ent *e;

	if (pid == 0)
		return -ENOENT;
	for (size_t i = 0; i < t->nroots; i++)
		if (t->roots[i].pid == pid && (r == t->nroots || t->roots[i].start_ns > t->roots[r].start_ns))
			r = i;
	if (r == t->nroots)
		return -ENOENT;
	t->roots[r] = (struct pt_root){ 0 };
	/* Its members: rebuilt without them (open addressing has no tombstones here). */
	if (m->cap && (e = calloc(m->cap, sizeof(*e)))) {
		size_t kept = 0;

		for (size_t k = 0; k < m->cap; k++) {
			size_t i;

			if (!m->e[k].used || m->e[k].val == r)
				continue;
			for (i = pt_hash(m->e[k].tgid, m->e[k].start_ns) & (m->cap - 1); e[i].used;
			     i = (i + 1) & (m->cap - 1))
				;
			e[i] = m->e[k];
			kept++;
		}
		free(m->e);
		m->e = e;
		m->n = kept;
	} else {
		/* Short of memory: its members point at a free slot, which no task joins. */
		for (size_t k = 0; k < m->cap; k++)
			if (m->e[k].used && m->e[k].val == r)
				m->e[k].val = GROUP_CLASS_NONE;
	}
	return (int64_t)r;
}

/* Is a process that started at `start` the root r (whose start /proc truncated to a tick)? */
static bool is_root(const struct proctree *t, size_t r, uint32_t tgid, uint64_t start)
{
	const struct pt_root *root = &t->roots[r];

	if (root->pid != tgid || root->pid == 0)
		return false;
	return start == 0 || (start + t->tick_ns > root->start_ns &&
			      start < root->start_ns + t->tick_ns);
}

/* The tree of process (tgid, start), or GROUP_CLASS_NONE. */
static uint64_t tree_of(const struct proctree *t, uint32_t tgid, uint64_t start)
{
	const struct pt_ent *e;

	for (size_t r = 0; r < t->nroots; r++)
		if (is_root(t, r, tgid, start))
			return r;
	e = pt_find(&t->members, tgid, start);
	if (!e && start)
		return GROUP_CLASS_NONE;
	return e ? e->val : GROUP_CLASS_NONE;
}

static int join(struct proctree *t, uint32_t tgid, uint64_t start, uint64_t root, uint64_t now)
{
	struct pt_ent *e = pt_get(&t->members, tgid, start);

	if (!e)
		return -ENOMEM;
	e->val = root;
	e->seen_ns = now;
	if (start) {
		/* The alias for parents known by PID alone (/proc's PPid). */
		e = pt_get(&t->members, tgid, 0);
		if (!e)
			return -ENOMEM;
		e->val = root;
		e->seen_ns = now;
	}
	return 0;
}

int proctree_update(struct proctree *t, const struct fsroot *fs, const struct activity_sample *s,
		    const uint64_t *proc_start_ns)
{
	uint64_t now = now_ns(), tick = tick_ns(t);
	bool changed = true;

	if (t->root_of_cap < s->ntasks) {
		uint64_t *v = realloc(t->root_of, s->ntasks * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->root_of = v;
		t->root_of_cap = s->ntasks;
	}
	for (size_t i = 0; i < s->ntasks; i++)
		t->root_of[i] = GROUP_CLASS_NONE;
	/* Every minute, forget what was not seen for PT_TTL_NS, and the leaders seen exiting. */
	if (now > t->pruned_ns + PT_PRUNE_EVERY_NS) {
		pt_prune(&t->members, now - MIN(now, PT_TTL_NS));
		pt_prune(&t->leaders, now - MIN(now, PT_TTL_NS));
		t->pruned_ns = now;
	}
	if (!t->nroots)
		return 0;
	/*
	 * A child may come before its parent in the sample: repeat until
	 * nothing moves (one pass more than the depth of the tree that is new
	 * in this interval).
	 */
	for (unsigned pass = 0; changed && pass < 64; pass++) {
		changed = false;
		for (size_t i = 0; i < s->ntasks; i++) {
			const struct activity_task *task = &s->tasks[i];
			uint64_t pstart = proc_start_ns ? proc_start_ns[i] : task->proc_start_ns;
			uint32_t ppid = task->ppid;
			uint64_t root;
			struct pt_ent *e;

			if (t->root_of[i] != GROUP_CLASS_NONE)
				continue;
			root = tree_of(t, task->key.tgid, pstart);
			if (root == GROUP_CLASS_NONE && !ppid && pass == 0 &&
			    !(task->flags & ACTIVITY_TASK_EXITED)) {
				uint64_t st;

				/* Parentage unknown to the collector: ask /proc while it lives. */
				(void)read_stat(fs, task->key.tid, tick, &st, &ppid);
			}
			if (root == GROUP_CLASS_NONE && ppid) {
				root = tree_of(t, ppid, task->parent_start_ns);
				/* A parent known only by PID: the alias. */
				if (root == GROUP_CLASS_NONE && task->parent_start_ns) {
					e = pt_find(&t->members, ppid, 0);
					root = e ? e->val : GROUP_CLASS_NONE;
				}
			}
			if (root == GROUP_CLASS_NONE)
				continue;
			t->root_of[i] = root;
			if (join(t, task->key.tgid, pstart, root, now) < 0)
				return -ENOMEM;
			changed = true;
		}
	}
	return 0;
}

uint64_t proctree_root_of(const struct proctree *t, size_t i)
{
	return t->root_of && i < t->root_of_cap ? t->root_of[i] : GROUP_CLASS_NONE;
}

uint32_t proctree_root_pid(const struct proctree *t, uint64_t root)
{
	return root < t->nroots ? t->roots[root].pid : 0;
}

uint64_t proctree_root_start(const struct proctree *t, uint64_t root)
{
	return root < t->nroots ? t->roots[root].start_ns : 0;
}

void proctree_done(struct proctree *t)
{
	free(t->leaders.e);
	free(t->members.e);
	free(t->roots);
	free(t->root_of);
	memset(t, 0, sizeof(*t));
}
