/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * group.c - aggregations of attributed energy. Members are sorted by their
 * group key, runs of equal keys become groups, and each group's energy is
 * the integer sum of its members': no re-attribution, no rounding, so the
 * groups always add up to exactly what the tasks were given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "util.h"

static const char *const group_names[] = {
	[GROUP_PROCESS] = "process",
	[GROUP_THREAD] = "thread",
	[GROUP_COMM] = "comm",
	[GROUP_CGROUP] = "cgroup",
	[GROUP_USER] = "user",
	[GROUP_CLASS] = "class",
};

const char *group_by_name(enum group_by by)
{
	if ((unsigned)by < ARRAY_SIZE(group_names))
		return group_names[by];
	return "unknown";
}

int group_by_from_name(const char *name, enum group_by *ret)
{
	if (!name || !ret)
		return -EINVAL;
	/* A class is the caller's to define: it has no name to parse. */
	for (size_t i = 0; i < GROUP_CLASS; i++) {
		if (strcmp(name, group_names[i]) == 0) {
			*ret = (enum group_by)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct member {
	struct group_key key;
	struct task_key tkey;
	uint32_t task;
	uint64_t energy_uj;
	bool estimated;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Unset fields are zero, so comparing every field compares the `by` ones. */
static int group_key_cmp(const struct group_key *a, const struct group_key *b)
{
	int r;

	if ((r = cmp_u64(a->tgid, b->tgid)) || (r = cmp_u64(a->tid, b->tid)) ||
	    (r = cmp_u64(a->start_ns, b->start_ns)))
		return r;
	if ((r = strncmp(a->comm, b->comm, sizeof(a->comm))))
		return r < 0 ? -1 : 1;
	if ((r = cmp_u64(a->cgroup_id, b->cgroup_id)) || (r = cmp_u64(a->uid, b->uid)) ||
	    (r = cmp_u64(a->class_id, b->class_id)))
		return r;
	return 0;
}

/* Sorts member indices (cheaper to move than members) by group key, then task key. */
static int member_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct member *m = ctx;
	const struct member *a = &m[*(const uint32_t *)pa], *b = &m[*(const uint32_t *)pb];
	int r;

	if ((r = group_key_cmp(&a->key, &b->key)) || (r = cmp_u64(a->tkey.tgid, b->tkey.tgid)) ||
	    (r = cmp_u64(a->tkey.tid, b->tkey.tid)) ||
	    (r = cmp_u64(a->tkey.start_ns, b->tkey.start_ns)))
		return r;
	return cmp_u64(a->task, b->task);
}

static int group_row_cmp(const void *pa, const void *pb)
{
	const struct group_row *a = pa, *b = pb;

	if (a->energy_uj != b->energy_uj)
		return a->energy_uj > b->energy_uj ? -1 : 1;
	return group_key_cmp(&a->key, &b->key);
}

/* A thread-group leader seen in the interval: (tgid, start). */
struct leader {
	uint32_t tgid;
	uint64_t start_ns;
};

static int leader_cmp(const void *pa, const void *pb)
{
	const struct leader *a = pa, *b = pb;
	int r = cmp_u64(a->tgid, b->tgid);

	return r ? r : cmp_u64(a->start_ns, b->start_ns);
}

/* The latest leader of `tgid` that started no later than `start_ns`, or 0. */
static uint64_t leader_start(const struct leader *l, size_t n, uint32_t tgid, uint64_t start_ns)
{
	size_t lo = 0, hi = n;

	/* First leader strictly after (tgid, start_ns); the one before it is the candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l[mid].tgid < tgid || (l[mid].tgid == tgid && l[mid].start_ns <= start_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && l[lo - 1].tgid == tgid)
		return l[lo - 1].start_ns;
	return 0;
}

static void make_key(enum group_by by, const struct activity_task *t, uint64_t proc_start_ns,
		     uint64_t class_id, struct group_key *k)
{
	memset(k, 0, sizeof(*k));
	switch (by) {
	case GROUP_PROCESS:
		k->tgid = t->key.tgid;
		k->start_ns = proc_start_ns;
		break;
	case GROUP_THREAD:
		k->tgid = t->key.tgid;
		k->tid = t->key.tid;
		k->start_ns = t->key.start_ns;
		break;
	case GROUP_COMM:
		/* The collector's comm may fill all 16 bytes: copy bounded, always terminated. */
		memcpy(k->comm, t->comm, strnlen(t->comm, sizeof(t->comm) - 1));
		break;
	case GROUP_CGROUP:
		k->cgroup_id = t->cgroup_id;
		break;
	case GROUP_USER:
		k->uid = t->uid;
		break;
	case GROUP_CLASS:
		k->class_id = class_id;
		break;
	}
}

struct group_result *group_result_free(struct group_result *g)
{
	if (!g)
		return NULL;
	free(g->groups);
	free(g->members);
	free(g);
	return NULL;
}

static int group_impl(const struct activity_sample *s, const struct attrib_result *r,
		      size_t ledger, enum group_by by, const uint64_t *proc_start_ns,
		      const uint64_t *class_id, struct group_result **ret)
{
	const struct attrib_ledger *l = NULL;
	struct group_result *g = NULL;
	struct leader *leaders = NULL;
	struct member *m = NULL;
	uint32_t *order = NULL;
	size_t n, nm = 0, nleaders = 0, ng = 0;
	int err;

	if (!s || !r || !ret || (unsigned)by >= ARRAY_SIZE(group_names) || r->ntasks != s->ntasks ||
	    (s->ntasks && !s->tasks) || (by == GROUP_CLASS && !class_id))
		return -EINVAL;
	if (ledger != GROUP_ALL_DOMAINS) {
		if (ledger >= r->nledgers)
			return -EINVAL;
		l = &r->ledgers[ledger];
		for (size_t i = 0; i < l->nrows; i++)
			if (l->rows[i].task >= s->ntasks)
				return -EINVAL;
	}
	n = l ? l->nrows : s->ntasks;

	err = -ENOMEM;
	g = calloc(1, sizeof(*g));
	m = calloc(n ? n : 1, sizeof(*m));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!g || !m || !order)
		goto out;
	g->by = by;
	g->ledger = ledger;
	g->members = calloc(n ? n : 1, sizeof(*g->members));
	g->groups = calloc(n ? n : 1, sizeof(*g->groups));
	if (!g->members || !g->groups)
		goto out;

	if (by == GROUP_PROCESS) {
		leaders = calloc(s->ntasks ? s->ntasks : 1, sizeof(*leaders));
		if (!leaders)
			goto out;
		for (size_t i = 0; i < s->ntasks; i++)
			if (s->tasks[i].key.tid == s->tasks[i].key.tgid)
				leaders[nleaders++] = (struct leader){ s->tasks[i].key.tgid,
								       s->tasks[i].key.start_ns };
		qsort(leaders, nleaders, sizeof(*leaders), leader_cmp);
	}

	for (size_t i = 0, j = 0; j < n; j++) {
		uint32_t t = l ? l->rows[j].task : (uint32_t)j;
		const struct activity_task *task = &s->tasks[t];
		uint64_t pstart = 0, cls = class_id ? class_id[t] : 0;

		if (by == GROUP_CLASS && cls == GROUP_CLASS_NONE)
			continue;

		if (by == GROUP_PROCESS) {
			pstart = proc_start_ns ? proc_start_ns[t] : 0;
			if (!pstart)
				pstart = leader_start(leaders, nleaders, task->key.tgid,
						      task->key.start_ns);
		}
		make_key(by, task, pstart, cls, &m[i].key);
		m[i].tkey = task->key;
		m[i].task = t;
		m[i].energy_uj = l ? l->rows[j].energy_uj : r->tasks[t].energy_uj;
		m[i].estimated = l ? l->estimated : r->tasks[t].estimated;
		order[i] = (uint32_t)i;
		i++;
		nm = i;
	}
	n = nm;
	qsort_r(order, n, sizeof(*order), member_cmp, m);

	err = -EOVERFLOW;
	for (size_t i = 0; i < n; i++) {
		const struct member *cur = &m[order[i]];
		struct group_row *row;

		if (i == 0 || group_key_cmp(&cur->key, &m[order[i - 1]].key) != 0) {
			row = &g->groups[ng++];
			row->key = cur->key;
			row->first = i;
		}
		row = &g->groups[ng - 1];
		row->nmembers++;
		row->estimated |= cur->estimated;
		/* Σ members <= the attribution's total, which fits: only forged input gets here. */
		if (__builtin_add_overflow(row->energy_uj, cur->energy_uj, &row->energy_uj) ||
		    __builtin_add_overflow(g->total_uj, cur->energy_uj, &g->total_uj))
			goto out;
		g->members[i] = cur->task;
	}
	g->ngroups = ng;
	g->nmembers = n;
	qsort(g->groups, ng, sizeof(*g->groups), group_row_cmp);

	*ret = g;
	g = NULL;
	err = 0;
out:
	free(leaders);
	free(order);
	free(m);
	group_result_free(g);
	return err;
}

int group_tasks(const struct activity_sample *s, const struct attrib_result *r, size_t ledger,
		enum group_by by, const uint64_t *proc_start_ns, struct group_result **ret)
{
	return group_impl(s, r, ledger, by, proc_start_ns, NULL, ret);
}

int group_tasks_class(const struct activity_sample *s, const struct attrib_result *r,
		      size_t ledger, const uint64_t *class_id, struct group_result **ret)
{
	return group_impl(s, r, ledger, GROUP_CLASS, NULL, class_id, ret);
}
