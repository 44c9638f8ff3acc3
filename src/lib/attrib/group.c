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
#include "radix.h"
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

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
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

/*
 * The interval's leaders sorted by (tgid, start), and an open-addressing
 * table from a tgid to its first leader there: a task's lookup is one probe
 * and a scan of its tgid's leaders (one, unless the PID was reused), where a
 * binary search mispredicted its way through every task.
 */
struct leaders {
	struct leader *l;
	size_t n;
	uint32_t *head;		/* [cap] index into l, UINT32_MAX: empty */
	size_t cap;		/* power of two, > 2 n */
};

static size_t tgid_hash(uint32_t tgid)
{
	return (size_t)(((uint64_t)tgid * 0x9e3779b97f4a7c15ULL) >> 32);
}

static void leaders_free(struct leaders *ls)
{
	free(ls->l);
	free(ls->head);
}

static int leaders_build(const struct activity_sample *s, struct leaders *ls)
{
	memset(ls, 0, sizeof(*ls));
	ls->l = malloc((s->ntasks ? s->ntasks : 1) * sizeof(*ls->l));
	if (!ls->l)
		return -ENOMEM;
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tid == s->tasks[i].key.tgid)
			ls->l[ls->n++] = (struct leader){ s->tasks[i].key.tgid,
							  s->tasks[i].key.start_ns };
	qsort(ls->l, ls->n, sizeof(*ls->l), leader_cmp);
	for (ls->cap = 16; ls->cap <= 2 * ls->n; ls->cap *= 2)
		;
	ls->head = malloc(ls->cap * sizeof(*ls->head));
	if (!ls->head) {
		leaders_free(ls);
		return -ENOMEM;
	}
	memset(ls->head, 0xff, ls->cap * sizeof(*ls->head));
	for (size_t i = 0; i < ls->n; i++) {
		size_t h;

		if (i > 0 && ls->l[i - 1].tgid == ls->l[i].tgid)
			continue;
		for (h = tgid_hash(ls->l[i].tgid) & (ls->cap - 1); ls->head[h] != UINT32_MAX;
		     h = (h + 1) & (ls->cap - 1))
			;
		ls->head[h] = (uint32_t)i;
	}
	return 0;
}

/* The latest leader of `tgid` that started no later than `start_ns`, or 0. */
static uint64_t leader_start(const struct leaders *ls, uint32_t tgid, uint64_t start_ns)
{
	uint64_t found = 0;

	for (size_t h = tgid_hash(tgid) & (ls->cap - 1); ls->head[h] != UINT32_MAX;
	     h = (h + 1) & (ls->cap - 1)) {
		if (ls->l[ls->head[h]].tgid != tgid)
			continue;
		/* Sorted by start: the last one that is not after the task. */
		for (size_t i = ls->head[h]; i < ls->n && ls->l[i].tgid == tgid; i++)
			if (ls->l[i].start_ns <= start_ns)
				found = ls->l[i].start_ns;
		break;
	}
	return found;
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

/* Bytes as a big-endian number, so that numeric order is strncmp's order. */
static uint64_t be64(const char *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)b[i];
	return v;
}

static void unbe64(uint64_t v, char *b)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

/*
 * The group key of one member packed in 128 bits, ordered as
 * group_key_cmp() orders the keys of one grouping, and equal exactly when
 * the keys are.
 */
static struct radix_key pack_key(enum group_by by, const struct activity_task *t,
				 uint64_t proc_start_ns, uint64_t class_id)
{
	struct radix_key k = { 0, 0 };
	char comm[ACTIVITY_COMM_LEN] = { 0 };

	switch (by) {
	case GROUP_PROCESS:
		k.hi = t->key.tgid;
		k.lo = proc_start_ns;
		break;
	case GROUP_THREAD:
		k.hi = (uint64_t)t->key.tgid << 32 | t->key.tid;
		k.lo = t->key.start_ns;
		break;
	case GROUP_COMM:
		/* Bounded, terminated, zero-padded: the collector's comm may fill all 16 bytes. */
		for (size_t i = 0; i < sizeof(comm) - 1 && t->comm[i]; i++)
			comm[i] = t->comm[i];
		k.hi = be64(comm);
		k.lo = be64(comm + 8);
		break;
	case GROUP_CGROUP:
		k.hi = t->cgroup_id;
		break;
	case GROUP_USER:
		k.hi = t->uid;
		break;
	case GROUP_CLASS:
		k.hi = class_id;
		break;
	}
	return k;
}

static void unpack_key(enum group_by by, const struct radix_key *p, struct group_key *k)
{
	memset(k, 0, sizeof(*k));
	switch (by) {
	case GROUP_PROCESS:
		k->tgid = (uint32_t)p->hi;
		k->start_ns = p->lo;
		break;
	case GROUP_THREAD:
		k->tgid = (uint32_t)(p->hi >> 32);
		k->tid = (uint32_t)p->hi;
		k->start_ns = p->lo;
		break;
	case GROUP_COMM:
		unbe64(p->hi, k->comm);
		unbe64(p->lo, k->comm + 8);
		k->comm[sizeof(k->comm) - 1] = '\0';
		break;
	case GROUP_CGROUP:
		k->cgroup_id = p->hi;
		break;
	case GROUP_USER:
		k->uid = (uint32_t)p->hi;
		break;
	case GROUP_CLASS:
		k->class_id = p->hi;
		break;
	}
}

/* Open addressing from a packed group key to its group's index. */
struct gtab {
	struct gslot {
		struct radix_key k;
		uint32_t group;		/* UINT32_MAX: empty */
	} *slot;
	size_t cap;
};

static size_t gk_hash(const struct radix_key *k)
{
	uint64_t h = k->hi * 0x9e3779b97f4a7c15ULL ^ k->lo;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

/* Double the table (it starts small: most groupings have few groups). */
static int gtab_grow(struct gtab *t)
{
	size_t cap = t->cap * 2;
	struct gslot *slot = malloc(cap * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		slot[i].group = UINT32_MAX;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (t->slot[i].group == UINT32_MAX)
			continue;
		for (j = gk_hash(&t->slot[i].k) & (cap - 1); slot[j].group != UINT32_MAX;
		     j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

/* The group of key k, numbered `next` when new (*ret_new set). Room for one more: the caller's. */
static uint32_t gtab_get(struct gtab *t, const struct radix_key *k, uint32_t next, bool *ret_new)
{
	size_t i = gk_hash(k) & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct gslot *e = &t->slot[i];

		if (e->group == UINT32_MAX) {
			e->k = *k;
			e->group = next;
			*ret_new = true;
			return next;
		}
		if (e->k.hi == k->hi && e->k.lo == k->lo) {
			*ret_new = false;
			return e->group;
		}
	}
}

/*
 * A first pass assigns each member to its group through a hash of the
 * packed keys, reading the tasks in the sample's order (sequentially: in
 * key order, each member was a cache miss on the 100-byte task records,
 * most of a grouping's cost at 10 000 tasks). A counting pass in task key
 * order then lays each group's members out contiguously, in key order.
 * Only the groups are sorted: by key, then stably by energy, largest
 * first; keys are unique, so the order in which groups were first met
 * does not matter. The result is the one a comparison sort of all members
 * would give.
 */
static int group_impl(const struct activity_sample *s, const struct attrib_result *r,
		      size_t ledger, enum group_by by, const uint64_t *proc_start_ns,
		      const uint64_t *class_id, struct group_result **ret)
{
	const struct attrib_ledger *l = NULL;
	struct group_result *g = NULL;
	struct leaders leaders = { 0 };
	struct radix_key *gk = NULL;
	struct group_row *rows = NULL;
	struct gtab tab = { 0 };
	uint32_t *mgroup = NULL, *order = NULL, *tmp = NULL, *pos = NULL, *key_order = NULL;
	size_t n, nm = 0, ng = 0, rows_cap = 0;
	bool have_leaders = false;
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
	/* mgroup[j]: the group of member j (a ledger's row j, or task j), UINT32_MAX: none. */
	mgroup = malloc((n ? n : 1) * sizeof(*mgroup));
	tab.cap = 64;
	tab.slot = malloc(tab.cap * sizeof(*tab.slot));
	if (!g || !mgroup || !tab.slot)
		goto out;
	for (size_t i = 0; i < tab.cap; i++)
		tab.slot[i].group = UINT32_MAX;
	g->by = by;
	g->ledger = ledger;
	g->members = calloc(n ? n : 1, sizeof(*g->members));
	if (!g->members)
		goto out;

	/* All tasks are laid out in the result's key order (a ledger's rows already are). */
	if (!l && !r->order) {
		struct radix_key *tk = malloc((n ? n : 1) * sizeof(*tk));
		uint32_t *scratch = malloc((n ? n : 1) * sizeof(*scratch));

		key_order = malloc((n ? n : 1) * sizeof(*key_order));
		if (!tk || !key_order || !scratch) {
			free(tk);
			free(scratch);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			tk[i] = (struct radix_key){ (uint64_t)s->tasks[i].key.tgid << 32 |
							    s->tasks[i].key.tid,
						    s->tasks[i].key.start_ns };
			key_order[i] = (uint32_t)i;
		}
		radix_sort(tk, key_order, scratch, n);
		free(tk);
		free(scratch);
	}

	for (size_t j = 0; j < n; j++) {
		uint32_t t = l ? l->rows[j].task : (uint32_t)j;
		const struct activity_task *task = &s->tasks[t];
		uint64_t pstart = 0, cls = class_id ? class_id[t] : 0, energy;
		struct group_row *row;
		struct radix_key k;
		bool fresh, est;
		uint32_t gi;

		mgroup[j] = UINT32_MAX;
		if (by == GROUP_CLASS && cls == GROUP_CLASS_NONE)
			continue;
		if (by == GROUP_PROCESS) {
			pstart = proc_start_ns ? proc_start_ns[t] : 0;
			if (!pstart && !have_leaders) {
				if (leaders_build(s, &leaders) < 0)
					goto out;
				have_leaders = true;
			}
			if (!pstart)
				pstart = leader_start(&leaders, task->key.tgid, task->key.start_ns);
		}
		k = pack_key(by, task, pstart, cls);
		/* Room for one more group in the table (at most half full) and in the rows. */
		if ((ng + 1) * 2 > tab.cap && gtab_grow(&tab) < 0)
			goto out;
		if (ng == rows_cap) {
			size_t cap = rows_cap ? rows_cap * 2 : 64;
			struct group_row *nr = realloc(rows, cap * sizeof(*nr));
			struct radix_key *nk = realloc(gk, cap * sizeof(*nk));

			if (nr)
				rows = nr;
			if (nk)
				gk = nk;
			if (!nr || !nk)
				goto out;
			rows_cap = cap;
		}
		gi = gtab_get(&tab, &k, (uint32_t)ng, &fresh);
		if (fresh) {
			gk[ng] = k;
			memset(&rows[ng], 0, sizeof(rows[ng]));
			unpack_key(by, &k, &rows[ng].key);
			ng++;
		}
		energy = l ? l->rows[j].energy_uj : r->tasks[t].energy_uj;
		est = l ? l->estimated : r->tasks[t].estimated;
		mgroup[j] = gi;
		nm++;
		row = &rows[gi];
		row->nmembers++;
		row->estimated |= est;
		err = -EOVERFLOW;
		/*
		 * Σ members <= the attribution's total, which fits: only forged
		 * input gets here. Unsigned sums of the same terms overflow in
		 * any order or in none, so the order of this pass cannot matter.
		 */
		if (__builtin_add_overflow(row->energy_uj, energy, &row->energy_uj) ||
		    __builtin_add_overflow(g->total_uj, energy, &g->total_uj))
			goto out;
		err = -ENOMEM;
	}
	order = malloc((ng ? ng : 1) * sizeof(*order));
	tmp = malloc((ng ? ng : 1) * sizeof(*tmp));
	g->groups = calloc(ng ? ng : 1, sizeof(*g->groups));
	if (!order || !tmp || !g->groups)
		goto out;

	/* The groups in output order: by key, then stably by energy, largest first. */
	for (size_t i = 0; i < ng; i++)
		order[i] = (uint32_t)i;
	radix_sort(gk, order, tmp, ng);
	for (size_t i = 0; i < ng; i++)
		gk[i] = (struct radix_key){ ~rows[i].energy_uj, 0 };
	radix_sort(gk, order, tmp, ng);
	/* Where each group's members start, in that order (tmp: group -> output position). */
	pos = tmp;
	for (size_t i = 0, first = 0; i < ng; i++) {
		struct group_row *row = &g->groups[i];

		*row = rows[order[i]];
		row->first = first;
		pos[order[i]] = (uint32_t)first;
		first += row->nmembers;
	}
	/* Members in task key order: a ledger's rows are; all tasks go by the key order. */
	for (size_t j = 0; j < n; j++) {
		uint32_t t, gi;

		if (l) {
			t = l->rows[j].task;
			gi = mgroup[j];
		} else {
			t = key_order ? key_order[j] : r->order[j];
			gi = mgroup[t];
		}
		if (gi != UINT32_MAX)
			g->members[pos[gi]++] = t;
	}
	g->ngroups = ng;
	g->nmembers = nm;

	*ret = g;
	g = NULL;
	err = 0;
out:
	leaders_free(&leaders);
	free(order);
	free(tmp);
	free(gk);
	free(mgroup);
	free(key_order);
	free(rows);
	free(tab.slot);
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
