/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * dacc.c - one client's merged daemon samples, as its view lets it see them
 * (dacc.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dacc.h"

#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#define DACC_GROUP_TASK JOULESTAT_GROUP_COUNT	/* the tasks' table */
#define DACC_TABLES (JOULESTAT_GROUP_COUNT + 1)
#define DACC_GROUPS WIRE_GROUPS
/* A rebuilt row's lasting total is forgotten after this long unseen. */
#define DACC_LASTING_TTL_NS (600ULL * 1000000000ULL)

enum agg { AGG_NONE = 0, AGG_USER = 1, AGG_OTHERS = 2 };

struct dkey {
	uint8_t agg;
	uint8_t group;		/* the grouping: a comm and a VM of one name are two rows */
	uint32_t pid, tid, uid;
	uint64_t start_ns, id;
	const char *str;	/* comm, unit, container, vm, cgroup path; owned in a table */
};

struct drow {
	struct dkey key;
	uint64_t hash;
	/* The row as shown: strings owned (NULL: ""). */
	char *comm, *user, *cgroup, *unit, *container, *vm;
	uint32_t uid;
	uint64_t cgroup_id;
	uint64_t energy_uj, cpu_ns, syscalls;
	uint64_t *dom;			/* [ndom] energy per domain of the reply */
	size_t ndom;
	size_t ntasks, ntasks_now;	/* the most in one sample; in the current one */
	uint64_t seq;			/* the last sample that added to it */
	bool estimated;
	uint64_t cum_uj, cum_cpu_ns, cum_syscalls, first_seen_ns;
	/* Tasks only. */
	int ppid;
	uint64_t proc_start_ns;
	bool exited, kernel;
	struct joulestat_cpu_time *cpus;
	size_t ncpus;
};

struct dtable {
	struct drow *rows;
	size_t n, cap;
	uint32_t *slot;		/* row index + 1; 0 empty */
	size_t nslots;
};

/* What a rebuilt row (restricted view, a grouping that mixes users) has summed since subscribed. */
struct dlasting {
	struct dkey key;
	uint64_t hash;
	uint64_t energy_uj, cpu_ns, syscalls, first_seen_ns, last_seen_ns;
};

struct ddom {
	char *name, *source, *status, *static_from;
	enum joulestat_domain_kind kind;
	int socket;
	bool estimated, in_host_total, warming_up, sampled, refused;
	uint64_t energy_uj, raw_uj, delta_uj, tasks_uj, idle_uj, unattributed_uj, static_uj;
	uint64_t busy_ns, idle_ns, lost_ns, irq_ns, static_mw, readings_refused;
	enum joulestat_static_origin static_origin;
};

struct dacc {
	struct dacc_opts o;
	size_t samples;
	uint64_t first_seq, last_seq;
	struct joulestat_snapshot_info info;	/* sums; strings below */
	char *idle_policy, *collector, *static_from;
	uint64_t *cpu_idle_ns, *cpu_lost_ns, *cpu_irq_ns;
	unsigned ncpus;
	struct ddom *dom;
	size_t ndom;
	struct dtable t[DACC_TABLES];
	struct dlasting *lasting;
	size_t nlasting, lasting_cap;
	size_t *map;			/* this sample's domain index -> dom index */
	size_t map_cap;
	bool failed;			/* out of memory while merging: the reply says so */
};

static char *dupstr(struct dacc *a, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		a->failed = true;
	return d;
}

/* Replace *dst by s when it differs (strings rarely change between samples). */
static void setstr(struct dacc *a, char **dst, const char *s)
{
	if (!s)
		s = "";
	if (*dst && strcmp(*dst, s) == 0)
		return;
	free(*dst);
	*dst = dupstr(a, s);
}

uint32_t dacc_needs(const struct dacc_opts *o)
{
	uint32_t g = o->groups ? o->groups : 1u << JOULESTAT_GROUP_PROCESS;

	if (o->view != DISCLOSE_ALL)
		for (unsigned i = 0; i < JOULESTAT_GROUP_COUNT; i++)
			if ((g & (1u << i)) && disclose_group_mixes_users((enum joulestat_group)i))
				g |= 1u << JOULESTAT_GROUP_THREAD;
	return g;
}

int dacc_set(struct dacc *a, const struct dacc_opts *o)
{
	if (o->tasks && o->view != DISCLOSE_ALL)
		return -EACCES;
	if (o->groups & ~DACC_GROUPS)
		return -EOPNOTSUPP;
	a->o = *o;
	if (!a->o.groups)
		a->o.groups = 1u << JOULESTAT_GROUP_PROCESS;
	return 0;
}

int dacc_new(const struct dacc_opts *o, struct dacc **ret)
{
	struct dacc *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	r = dacc_set(a, o);
	if (r < 0) {
		free(a);
		return r;
	}
	*ret = a;
	return 0;
}

/* ---- tables ---- */

static uint64_t key_hash(const struct dkey *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h ^= k->agg;
	h = (h ^ k->group) * 0x100000001b3ULL;
	h = (h ^ k->pid) * 0x100000001b3ULL;
	h = (h ^ k->tid) * 0x100000001b3ULL;
	h = (h ^ k->uid) * 0x100000001b3ULL;
	h = (h ^ k->start_ns) * 0x100000001b3ULL;
	h = (h ^ k->id) * 0x100000001b3ULL;
	for (const unsigned char *p = (const unsigned char *)(k->str ? k->str : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h;
}

static bool key_eq(const struct dkey *a, const struct dkey *b)
{
	return a->agg == b->agg && a->group == b->group && a->pid == b->pid && a->tid == b->tid && a->uid == b->uid &&
	       a->start_ns == b->start_ns && a->id == b->id &&
	       strcmp(a->str ? a->str : "", b->str ? b->str : "") == 0;
}

static void row_free(struct drow *r)
{
	free(r->comm);
	free(r->user);
	free(r->cgroup);
	free(r->unit);
	free(r->container);
	free(r->vm);
	free((char *)r->key.str);
	free(r->dom);
	free(r->cpus);
}

static void table_clear(struct dtable *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_free(&t->rows[i]);
	t->n = 0;
	if (t->slot)
		memset(t->slot, 0, t->nslots * sizeof(*t->slot));
	/* Give back what a burst took. */
	if (t->cap > 1024) {
		free(t->rows);
		free(t->slot);
		*t = (struct dtable){ 0 };
	}
}

static int table_grow(struct dtable *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slot = calloc(nslots, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t j;

		for (j = t->rows[i].hash & (nslots - 1); slot[j]; j = (j + 1) & (nslots - 1))
			;
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->nslots = nslots;
	return 0;
}

/* The row of k, created (key copied, rest zero) when absent; NULL on -ENOMEM. */
static struct drow *table_get(struct dacc *a, struct dtable *t, const struct dkey *k, bool *ret_new)
{
	uint64_t h = key_hash(k);
	struct drow *r;
	size_t j;

	*ret_new = false;
	if (t->nslots) {
		for (j = h & (t->nslots - 1); t->slot[j]; j = (j + 1) & (t->nslots - 1)) {
			r = &t->rows[t->slot[j] - 1];
			if (r->hash == h && key_eq(&r->key, k))
				return r;
		}
	}
	if ((t->n + 1) * 2 > t->nslots && table_grow(t) < 0)
		goto nomem;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct drow *v = realloc(t->rows, cap * sizeof(*v));

		if (!v)
			goto nomem;
		t->rows = v;
		t->cap = cap;
	}
	r = &t->rows[t->n];
	*r = (struct drow){ .key = *k, .hash = h };
	r->key.str = NULL;
	if (k->str && !(r->key.str = strdup(k->str)))
		goto nomem;
	for (j = h & (t->nslots - 1); t->slot[j]; j = (j + 1) & (t->nslots - 1))
		;
	t->slot[j] = (uint32_t)(++t->n);
	*ret_new = true;
	return r;
nomem:
	a->failed = true;
	return NULL;
}

static struct dlasting *lasting_get(struct dacc *a, const struct dkey *k, uint64_t now_ns)
{
	uint64_t h = key_hash(k);
	struct dlasting *l;

	/* Few: one per comm (cgroup, unit, container, vm) of this user, plus one per other user. */
	for (size_t i = 0; i < a->nlasting; i++)
		if (a->lasting[i].hash == h && key_eq(&a->lasting[i].key, k))
			return &a->lasting[i];
	if (a->nlasting == a->lasting_cap) {
		size_t cap = a->lasting_cap ? a->lasting_cap * 2 : 32;
		struct dlasting *v = realloc(a->lasting, cap * sizeof(*v));

		if (!v) {
			a->failed = true;
			return NULL;
		}
		a->lasting = v;
		a->lasting_cap = cap;
	}
	l = &a->lasting[a->nlasting];
	*l = (struct dlasting){ .key = *k, .hash = h, .first_seen_ns = now_ns };
	l->key.str = NULL;
	if (k->str && !(l->key.str = strdup(k->str))) {
		a->failed = true;
		return NULL;
	}
	a->nlasting++;
	return l;
}

static void lasting_prune(struct dacc *a, uint64_t now_ns)
{
	size_t k = 0;

	for (size_t i = 0; i < a->nlasting; i++) {
		if (now_ns > a->lasting[i].last_seen_ns + DACC_LASTING_TTL_NS) {
			free((char *)a->lasting[i].key.str);
			continue;
		}
		a->lasting[k++] = a->lasting[i];
	}
	a->nlasting = k;
}

/* ---- merging ---- */

static void reset(struct dacc *a)
{
	for (size_t i = 0; i < a->ndom; i++) {
		free(a->dom[i].name);
		free(a->dom[i].source);
		free(a->dom[i].status);
		free(a->dom[i].static_from);
	}
	free(a->dom);
	a->dom = NULL;
	a->ndom = 0;
	for (int t = 0; t < DACC_TABLES; t++)
		table_clear(&a->t[t]);
	free(a->idle_policy);
	free(a->collector);
	free(a->static_from);
	a->idle_policy = a->collector = a->static_from = NULL;
	free(a->cpu_idle_ns);
	free(a->cpu_lost_ns);
	free(a->cpu_irq_ns);
	a->cpu_idle_ns = a->cpu_lost_ns = a->cpu_irq_ns = NULL;
	a->ncpus = 0;
	memset(&a->info, 0, sizeof(a->info));
	a->samples = 0;
	a->first_seq = 0;
	a->failed = false;
}

struct dacc *dacc_free(struct dacc *a)
{
	if (!a)
		return NULL;
	reset(a);
	for (int t = 0; t < DACC_TABLES; t++) {
		free(a->t[t].rows);
		free(a->t[t].slot);
	}
	for (size_t i = 0; i < a->nlasting; i++)
		free((char *)a->lasting[i].key.str);
	free(a->lasting);
	free(a->map);
	free(a);
	return NULL;
}

size_t dacc_samples(const struct dacc *a)
{
	return a->samples;
}

uint64_t dacc_span_ns(const struct dacc *a)
{
	return a->samples ? a->info.end_ns - a->info.start_ns : 0;
}

uint64_t dacc_last_seq(const struct dacc *a)
{
	return a->last_seq;
}

static bool domain_shown(const struct dacc *a, enum joulestat_domain_kind kind)
{
	/* A process's own meter is named after its PID: another user's business. */
	return a->o.view == DISCLOSE_ALL || kind != JOULESTAT_DOMAIN_PROCESS;
}

static uint64_t dom_base(const struct dstate *st, const char *name)
{
	for (size_t i = 0; st && i < st->ndoms; i++)
		if (strcmp(st->doms[i].name, name) == 0)
			return st->doms[i].base_uj;
	return 0;
}

/* The domains of this sample, merged by name; a->map[i] for sample domain i (SIZE_MAX: hidden). */
static int merge_domains(struct dacc *a, const struct dacc_sample *s, size_t nd)
{
	if (a->map_cap < nd + 1) {
		size_t *m = realloc(a->map, (nd + 1) * sizeof(*m));

		if (!m)
			return -ENOMEM;
		a->map = m;
		a->map_cap = nd + 1;
	}
	for (size_t i = 0; i < nd; i++) {
		struct joulestat_snapshot_domain d = { .sz = sizeof(d) };
		struct ddom *x = NULL;
		size_t j;

		a->map[i] = SIZE_MAX;
		if (joulestat_snapshot_domain_get(s->snap, i, &d) < 0 || !domain_shown(a, d.kind))
			continue;
		for (j = 0; j < a->ndom; j++)
			if (strcmp(a->dom[j].name, d.name) == 0)
				break;
		if (j == a->ndom) {
			struct ddom *v = realloc(a->dom, (a->ndom + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			a->dom = v;
			a->dom[j] = (struct ddom){ .name = dupstr(a, d.name) };
			a->ndom++;
		}
		x = &a->dom[j];
		a->map[i] = j;
		setstr(a, &x->source, d.source);
		setstr(a, &x->status, d.status);
		setstr(a, &x->static_from, d.static_from);
		x->kind = d.kind;
		x->socket = d.socket;
		x->estimated |= d.estimated;
		x->in_host_total = d.in_host_total;
		x->warming_up |= d.warming_up;
		x->sampled |= d.sampled;
		x->refused |= d.refused;
		x->energy_uj = dom_base(s->state, d.name) + d.energy_uj;
		x->raw_uj = d.raw_uj;
		x->delta_uj += d.delta_uj;
		x->tasks_uj += d.tasks_uj;
		x->idle_uj += d.idle_uj;
		x->unattributed_uj += d.unattributed_uj;
		x->static_uj += d.static_uj;
		x->busy_ns += d.busy_ns;
		x->idle_ns += d.idle_ns;
		x->lost_ns += d.lost_ns;
		x->irq_ns += d.irq_ns;
		x->static_mw = d.static_mw;
		x->static_origin = d.static_origin;
		x->readings_refused = d.readings_refused;
	}
	return a->failed ? -ENOMEM : 0;
}

static int merge_cpus(uint64_t **dst, unsigned *n, unsigned want, const uint64_t *src)
{
	if (want > *n) {
		uint64_t *v = realloc(*dst, want * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + *n, 0, (want - *n) * sizeof(*v));
		*dst = v;
	}
	for (unsigned c = 0; src && c < want; c++)
		(*dst)[c] += src[c];
	return 0;
}

static int merge_info(struct dacc *a, const struct joulestat_snapshot_info *si)
{
	struct joulestat_snapshot_info *o = &a->info;
	unsigned want = MAX(a->ncpus, si->ncpus);

	if (merge_cpus(&a->cpu_idle_ns, &a->ncpus, want, si->cpu_idle_ns) < 0 ||
	    merge_cpus(&a->cpu_lost_ns, &a->ncpus, want, si->cpu_lost_ns) < 0 ||
	    merge_cpus(&a->cpu_irq_ns, &a->ncpus, want, si->cpu_irq_ns) < 0)
		return -ENOMEM;
	a->ncpus = want;
	if (!a->samples) {
		o->start_ns = si->start_ns;
		o->coverage = si->coverage;
		o->captured = si->captured;
	}
	o->end_ns = si->end_ns;
	setstr(a, &a->idle_policy, si->idle_policy);
	setstr(a, &a->collector, si->collector);
	setstr(a, &a->static_from, si->static_from);
	o->delta_uj += si->delta_uj;
	o->tasks_uj += si->tasks_uj;
	o->idle_uj += si->idle_uj;
	o->unattributed_uj += si->unattributed_uj;
	o->estimated |= si->estimated;
	o->warming_up |= si->warming_up;
	o->refused |= si->refused;
	o->coverage = fmin(o->coverage, si->coverage);
	o->captured = fmin(o->captured, si->captured);
	o->dropped += si->dropped;
	o->busy_ns += si->busy_ns;
	o->idle_ns += si->idle_ns;
	o->lost_ns += si->lost_ns;
	o->irq_ns += si->irq_ns;
	o->syscalls_counted |= si->syscalls_counted;
	o->syscalls += si->syscalls;
	o->static_mw = si->static_mw;
	return a->failed ? -ENOMEM : 0;
}

/* Add one source row's numbers (its per-domain energies through a->map) to r. */
static void add_numbers(struct dacc *a, struct drow *r, const struct joulestat_row *row,
			uint64_t seq, size_t nd)
{
	if (r->ndom < a->ndom) {
		uint64_t *v = realloc(r->dom, a->ndom * sizeof(*v));

		if (!v) {
			a->failed = true;
			return;
		}
		memset(v + r->ndom, 0, (a->ndom - r->ndom) * sizeof(*v));
		r->dom = v;
		r->ndom = a->ndom;
	}
	r->energy_uj += row->energy_uj;
	r->cpu_ns += row->cpu_ns;
	r->syscalls += row->syscalls;
	r->estimated |= row->estimated;
	if (r->seq != seq) {
		r->seq = seq;
		r->ntasks_now = 0;
	}
	r->ntasks_now += row->ntasks;
	r->ntasks = MAX(r->ntasks, r->ntasks_now);
	for (size_t i = 0; i < nd && i < row->ndomains; i++)
		if (a->map[i] != SIZE_MAX)
			r->dom[a->map[i]] += row->domain_energy_uj[i];
}

/* The lasting totals of users (the daemon's), for aggregated rows. */
static void user_totals(const struct dstate *st, uint32_t uid, bool all_but, struct drow *r)
{
	r->cum_uj = r->cum_cpu_ns = r->cum_syscalls = 0;
	r->first_seen_ns = 0;
	for (size_t i = 0; st && i < st->nusers; i++) {
		const struct dstate_user *u = &st->users[i];

		if (all_but ? u->uid == uid : u->uid != uid)
			continue;
		r->cum_uj += u->energy_uj;
		r->cum_cpu_ns += u->cpu_ns;
		r->cum_syscalls += u->syscalls;
		if (u->first_seen_ns && (!r->first_seen_ns || u->first_seen_ns < r->first_seen_ns))
			r->first_seen_ns = u->first_seen_ns;
	}
}

static bool own_tree(const struct dacc_sample *s, const struct joulestat_row *row)
{
	for (size_t i = 0; i < s->nroots; i++)
		if (s->roots[i].pid == row->pid && s->roots[i].start_ns == row->start_ns)
			return true;
	return false;
}

/* Grouping g of this client, from the daemon's rows of grouping `from` (g, or thread). */
static void merge_group(struct dacc *a, const struct dacc_sample *s, enum joulestat_group g,
			enum joulestat_group from, size_t nd, uint64_t end_ns)
{
	int n = joulestat_snapshot_row_count(s->snap, from);
	bool rebuilt = from != g;

	for (int i = 0; i < n && !a->failed; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };
		struct dkey k = { .group = (uint8_t)g };
		enum disclose_row fate;
		struct drow *r;
		bool fresh;

		if (joulestat_snapshot_row_get(s->snap, from, (size_t)i, &row) < 0)
			continue;
		if (g == JOULESTAT_GROUP_TREE) {
			if (!own_tree(s, &row))
				continue;
			fate = DISCLOSE_ROW_FULL;
		} else {
			bool has_uid = from == JOULESTAT_GROUP_PROCESS || from == JOULESTAT_GROUP_THREAD ||
				       from == JOULESTAT_GROUP_USER;

			fate = disclose_row(a->o.view, a->o.uid, from, row.uid, has_uid);
		}
		if (fate == DISCLOSE_ROW_HIDE)
			continue;
		if (fate == DISCLOSE_ROW_USER) {
			k.agg = AGG_USER;
			k.uid = row.uid;
		} else if (fate == DISCLOSE_ROW_OTHERS) {
			k.agg = AGG_OTHERS;
		} else {
			switch (g) {
			case JOULESTAT_GROUP_PROCESS:
			case JOULESTAT_GROUP_TREE:
				k.pid = (uint32_t)row.pid;
				k.start_ns = row.start_ns;
				break;
			case JOULESTAT_GROUP_THREAD:
				k.pid = (uint32_t)row.pid;
				k.tid = (uint32_t)row.tid;
				k.start_ns = row.start_ns;
				break;
			case JOULESTAT_GROUP_USER:
				k.uid = row.uid;
				break;
			case JOULESTAT_GROUP_COMM:
				k.str = row.comm;
				break;
			case JOULESTAT_GROUP_CGROUP:
				k.id = row.cgroup_id;
				k.str = row.cgroup;
				break;
			case JOULESTAT_GROUP_UNIT:
				k.str = row.unit;
				break;
			case JOULESTAT_GROUP_CONTAINER:
				k.str = row.container;
				break;
			case JOULESTAT_GROUP_VM:
				k.str = row.vm;
				break;
			case JOULESTAT_GROUP_POD:
			case JOULESTAT_GROUP_NAMESPACE:
				break; /* not carried (DACC_GROUPS) */
			}
		}
		r = table_get(a, &a->t[g], &k, &fresh);
		if (!r)
			return;
		add_numbers(a, r, &row, s->seq, nd);
		if (k.agg) {
			if (fresh) {
				r->comm = dupstr(a, "");
				r->user = dupstr(a, k.agg == AGG_USER ? row.user : "");
				r->cgroup = dupstr(a, "");
				r->unit = dupstr(a, "");
				r->container = dupstr(a, "");
				r->vm = dupstr(a, "");
				r->uid = k.agg == AGG_USER ? row.uid : JOULESTAT_UID_OTHERS;
			}
			user_totals(s->state, k.agg == AGG_USER ? row.uid : a->o.uid,
				    k.agg == AGG_OTHERS, r);
			continue;
		}
		/* Shown as it is: the names of the latest sample. */
		switch (g) {
		case JOULESTAT_GROUP_PROCESS:
		case JOULESTAT_GROUP_THREAD:
		case JOULESTAT_GROUP_TREE:
			setstr(a, &r->comm, row.comm);
			setstr(a, &r->user, row.user);
			setstr(a, &r->cgroup, row.cgroup);
			setstr(a, &r->unit, row.unit);
			setstr(a, &r->container, row.container);
			setstr(a, &r->vm, row.vm);
			r->uid = row.uid;
			r->cgroup_id = row.cgroup_id;
			break;
		case JOULESTAT_GROUP_USER:
			setstr(a, &r->user, row.user);
			r->uid = row.uid;
			break;
		case JOULESTAT_GROUP_COMM:
			setstr(a, &r->comm, row.comm);
			break;
		case JOULESTAT_GROUP_CGROUP:
			setstr(a, &r->cgroup, row.cgroup);
			setstr(a, &r->unit, row.unit);
			setstr(a, &r->container, row.container);
			r->cgroup_id = row.cgroup_id;
			break;
		case JOULESTAT_GROUP_UNIT:
			setstr(a, &r->unit, row.unit);
			break;
		case JOULESTAT_GROUP_CONTAINER:
			setstr(a, &r->container, row.container);
			break;
		case JOULESTAT_GROUP_VM:
			setstr(a, &r->vm, row.vm);
			break;
		case JOULESTAT_GROUP_POD:
		case JOULESTAT_GROUP_NAMESPACE:
			break; /* not carried (DACC_GROUPS) */
		}
		if (rebuilt) {
			struct dlasting *l = lasting_get(a, &k, end_ns);

			if (!l)
				return;
			l->energy_uj += row.energy_uj;
			l->cpu_ns += row.cpu_ns;
			l->syscalls += row.syscalls;
			l->last_seen_ns = end_ns;
			r->cum_uj = l->energy_uj;
			r->cum_cpu_ns = l->cpu_ns;
			r->cum_syscalls = l->syscalls;
			r->first_seen_ns = l->first_seen_ns;
			continue;
		}
		r->cum_uj = row.cumulative_uj;
		r->cum_cpu_ns = row.cumulative_cpu_ns;
		r->cum_syscalls = row.cumulative_syscalls;
		r->first_seen_ns = row.first_seen_ns;
		/* Processes and users: the daemon's lasting counters (across restarts). */
		if (g == JOULESTAT_GROUP_PROCESS) {
			const struct dstate_proc *p =
				s->state ? dstate_proc_find(s->state, (uint32_t)row.pid, row.start_ns)
					 : NULL;

			if (p) {
				r->cum_uj = p->energy_uj;
				r->cum_cpu_ns = p->cpu_ns;
				r->cum_syscalls = p->syscalls;
				r->first_seen_ns = p->first_seen_ns;
			}
		} else if (g == JOULESTAT_GROUP_USER) {
			user_totals(s->state, row.uid, false, r);
		}
	}
}

static void merge_tasks(struct dacc *a, const struct dacc_sample *s, const struct
			joulestat_snapshot_info *si)
{
	for (size_t i = 0; i < si->ntasks && !a->failed; i++) {
		struct joulestat_task t = { .sz = sizeof(t) };
		struct dkey k = { 0 };
		struct drow *r;
		bool fresh;

		if (joulestat_snapshot_task_get(s->snap, i, &t) < 0)
			continue;
		k.pid = (uint32_t)t.pid;
		k.tid = (uint32_t)t.tid;
		k.start_ns = t.start_ns;
		r = table_get(a, &a->t[DACC_GROUP_TASK], &k, &fresh);
		if (!r)
			return;
		setstr(a, &r->comm, t.comm);
		r->uid = t.uid;
		r->cgroup_id = t.cgroup_id;
		r->ppid = t.ppid;
		r->proc_start_ns = t.proc_start_ns;
		r->exited |= t.exited;
		r->kernel = t.kernel;
		r->cpu_ns += t.cpu_ns;
		r->energy_uj += t.energy_uj;
		r->estimated |= t.estimated;
		r->syscalls += t.syscalls;
		for (size_t c = 0; c < t.ncpus; c++) {
			size_t j;

			for (j = 0; j < r->ncpus && r->cpus[j].cpu != t.cpus[c].cpu; j++)
				;
			if (j == r->ncpus) {
				struct joulestat_cpu_time *v = realloc(r->cpus, (j + 1) * sizeof(*v));

				if (!v) {
					a->failed = true;
					return;
				}
				r->cpus = v;
				r->cpus[j] = (struct joulestat_cpu_time){ t.cpus[c].cpu, 0 };
				r->ncpus++;
			}
			r->cpus[j].ns += t.cpus[c].ns;
		}
	}
}

int dacc_add(struct dacc *a, const struct dacc_sample *s)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	int r = joulestat_snapshot_get(s->snap, &si);

	if (r < 0)
		return r;
	if (merge_domains(a, s, si.ndomains) < 0 || merge_info(a, &si) < 0) {
		a->failed = true;
		return -ENOMEM;
	}
	for (unsigned g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		enum joulestat_group from = (enum joulestat_group)g;

		if (!(a->o.groups & (1u << g)))
			continue;
		if (a->o.view != DISCLOSE_ALL && disclose_group_mixes_users(from))
			from = JOULESTAT_GROUP_THREAD;
		merge_group(a, s, (enum joulestat_group)g, from, si.ndomains, si.end_ns);
	}
	if (a->o.tasks && a->o.view == DISCLOSE_ALL)
		merge_tasks(a, s, &si);
	if (!a->samples)
		a->first_seq = s->seq;
	a->last_seq = s->seq;
	a->samples++;
	if (a->nlasting)
		lasting_prune(a, si.end_ns);
	return a->failed ? -ENOMEM : 0;
}

/* ---- the reply ---- */

static const char *const group_keys[JOULESTAT_GROUP_COUNT] = {
	"process", "thread", "comm", "cgroup", "user", "unit", "container", "tree", "vm", "pod",
	"namespace",
};

static int str_cmp(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "");
}

/* Largest energy first; ties in key order (aggregated rows after the others). */
static int row_cmp(const void *pa, const void *pb)
{
	const struct drow *x = *(const struct drow *const *)pa, *y = *(const struct drow *const *)pb;
	int c;

	if (x->energy_uj != y->energy_uj)
		return x->energy_uj > y->energy_uj ? -1 : 1;
	if (x->key.agg != y->key.agg)
		return x->key.agg < y->key.agg ? -1 : 1;
	if (x->key.pid != y->key.pid)
		return x->key.pid < y->key.pid ? -1 : 1;
	if (x->key.tid != y->key.tid)
		return x->key.tid < y->key.tid ? -1 : 1;
	if (x->key.start_ns != y->key.start_ns)
		return x->key.start_ns < y->key.start_ns ? -1 : 1;
	if (x->key.uid != y->key.uid)
		return x->key.uid < y->key.uid ? -1 : 1;
	if (x->key.id != y->key.id)
		return x->key.id < y->key.id ? -1 : 1;
	c = str_cmp(x->key.str, y->key.str);
	return c;
}

/* Task key order: pid, tid, start. */
static int task_cmp(const void *pa, const void *pb)
{
	const struct drow *x = *(const struct drow *const *)pa, *y = *(const struct drow *const *)pb;

	if (x->key.pid != y->key.pid)
		return x->key.pid < y->key.pid ? -1 : 1;
	if (x->key.tid != y->key.tid)
		return x->key.tid < y->key.tid ? -1 : 1;
	return x->key.start_ns < y->key.start_ns ? -1 : x->key.start_ns > y->key.start_ns;
}

static void write_row(struct wjson *w, const struct drow *r, size_t ndom)
{
	wjson_begin_array(w);
	wjson_u64(w, r->key.pid);
	wjson_u64(w, r->key.tid);
	wjson_u64(w, r->key.start_ns);
	wjson_string(w, r->comm);
	wjson_u64(w, r->uid);
	wjson_string(w, r->user);
	wjson_u64(w, r->cgroup_id);
	wjson_string(w, r->cgroup);
	wjson_string(w, r->unit);
	wjson_string(w, r->container);
	wjson_string(w, r->vm);
	wjson_u64(w, r->energy_uj);
	wjson_u64(w, r->cpu_ns);
	wjson_u64(w, r->syscalls);
	wjson_u64(w, r->ntasks);
	wjson_bool(w, r->estimated);
	wjson_u64(w, r->cum_uj);
	wjson_u64(w, r->cum_cpu_ns);
	wjson_u64(w, r->cum_syscalls);
	wjson_u64(w, r->first_seen_ns);
	wjson_bool(w, r->key.agg != AGG_NONE);
	wjson_begin_array(w);
	for (size_t d = 0; d < ndom; d++)
		wjson_u64(w, d < r->ndom ? r->dom[d] : 0);
	wjson_end_array(w);
	wjson_end_array(w);
}

static void write_task(struct wjson *w, const struct drow *r)
{
	wjson_begin_array(w);
	wjson_u64(w, r->key.pid);
	wjson_u64(w, r->key.tid);
	wjson_u64(w, r->key.start_ns);
	wjson_u64(w, r->proc_start_ns);
	wjson_u64(w, r->ppid > 0 ? (uint64_t)r->ppid : 0);
	wjson_string(w, r->comm);
	wjson_u64(w, r->uid);
	wjson_u64(w, r->cgroup_id);
	wjson_bool(w, r->exited);
	wjson_bool(w, r->kernel);
	wjson_u64(w, r->cpu_ns);
	wjson_u64(w, r->energy_uj);
	wjson_bool(w, r->estimated);
	wjson_u64(w, r->syscalls);
	wjson_begin_array(w);
	for (size_t c = 0; c < r->ncpus; c++) {
		wjson_u64(w, r->cpus[c].cpu);
		wjson_u64(w, r->cpus[c].ns);
	}
	wjson_end_array(w);
	wjson_end_array(w);
}

static void write_u64s(struct wjson *w, const char *key, const uint64_t *v, unsigned n)
{
	wjson_key(w, key);
	wjson_begin_array(w);
	for (unsigned i = 0; i < n; i++)
		wjson_u64(w, v ? v[i] : 0);
	wjson_end_array(w);
}

static void write_info(struct dacc *a, struct wjson *w)
{
	const struct joulestat_snapshot_info *o = &a->info;

	wjson_key(w, "info");
	wjson_begin_object(w);
	wjson_key(w, "start_ns");
	wjson_u64(w, o->start_ns);
	wjson_key(w, "end_ns");
	wjson_u64(w, o->end_ns);
	wjson_key(w, "idle_policy");
	wjson_string(w, a->idle_policy);
	wjson_key(w, "collector");
	wjson_string(w, a->collector);
	wjson_key(w, "delta_uj");
	wjson_u64(w, o->delta_uj);
	wjson_key(w, "tasks_uj");
	wjson_u64(w, o->tasks_uj);
	wjson_key(w, "idle_uj");
	wjson_u64(w, o->idle_uj);
	wjson_key(w, "unattributed_uj");
	wjson_u64(w, o->unattributed_uj);
	wjson_key(w, "estimated");
	wjson_bool(w, o->estimated);
	wjson_key(w, "warming_up");
	wjson_bool(w, o->warming_up);
	wjson_key(w, "refused");
	wjson_bool(w, o->refused);
	wjson_key(w, "coverage");
	wjson_double(w, o->coverage);
	wjson_key(w, "captured");
	wjson_double(w, o->captured);
	wjson_key(w, "dropped");
	wjson_u64(w, o->dropped);
	wjson_key(w, "busy_ns");
	wjson_u64(w, o->busy_ns);
	wjson_key(w, "idle_ns");
	wjson_u64(w, o->idle_ns);
	wjson_key(w, "lost_ns");
	wjson_u64(w, o->lost_ns);
	wjson_key(w, "irq_ns");
	wjson_u64(w, o->irq_ns);
	write_u64s(w, "cpu_idle_ns", a->cpu_idle_ns, a->ncpus);
	write_u64s(w, "cpu_lost_ns", a->cpu_lost_ns, a->ncpus);
	write_u64s(w, "cpu_irq_ns", a->cpu_irq_ns, a->ncpus);
	wjson_key(w, "syscalls_counted");
	wjson_bool(w, o->syscalls_counted);
	wjson_key(w, "syscalls");
	wjson_u64(w, o->syscalls);
	wjson_key(w, "static_mw");
	wjson_u64(w, o->static_mw);
	wjson_key(w, "static_from");
	wjson_string(w, a->static_from);
	wjson_end_object(w);
}

static void write_domains(struct dacc *a, struct wjson *w)
{
	wjson_key(w, "domains");
	wjson_begin_array(w);
	for (size_t i = 0; i < a->ndom; i++) {
		const struct ddom *d = &a->dom[i];

		wjson_begin_object(w);
		wjson_key(w, "name");
		wjson_string(w, d->name);
		wjson_key(w, "kind");
		wjson_string(w, joulestat_domain_kind_name(d->kind));
		wjson_key(w, "source");
		wjson_string(w, d->source);
		wjson_key(w, "socket");
		wjson_i64(w, d->socket);
		wjson_key(w, "estimated");
		wjson_bool(w, d->estimated);
		wjson_key(w, "in_host_total");
		wjson_bool(w, d->in_host_total);
		wjson_key(w, "warming_up");
		wjson_bool(w, d->warming_up);
		wjson_key(w, "status");
		wjson_string(w, d->refused ? "refused" : d->status);
		wjson_key(w, "energy_uj");
		wjson_u64(w, d->energy_uj);
		wjson_key(w, "raw_uj");
		wjson_u64(w, d->raw_uj);
		wjson_key(w, "delta_uj");
		wjson_u64(w, d->delta_uj);
		wjson_key(w, "tasks_uj");
		wjson_u64(w, d->tasks_uj);
		wjson_key(w, "idle_uj");
		wjson_u64(w, d->idle_uj);
		wjson_key(w, "unattributed_uj");
		wjson_u64(w, d->unattributed_uj);
		wjson_key(w, "static_uj");
		wjson_u64(w, d->static_uj);
		wjson_key(w, "busy_ns");
		wjson_u64(w, d->busy_ns);
		wjson_key(w, "idle_ns");
		wjson_u64(w, d->idle_ns);
		wjson_key(w, "lost_ns");
		wjson_u64(w, d->lost_ns);
		wjson_key(w, "irq_ns");
		wjson_u64(w, d->irq_ns);
		wjson_key(w, "sampled");
		wjson_bool(w, d->sampled);
		wjson_key(w, "static_mw");
		wjson_u64(w, d->static_mw);
		wjson_key(w, "static_origin");
		wjson_string(w, joulestat_static_origin_name(d->static_origin));
		wjson_key(w, "static_from");
		wjson_string(w, d->static_from);
		wjson_key(w, "refused");
		wjson_bool(w, d->refused);
		wjson_key(w, "readings_refused");
		wjson_u64(w, d->readings_refused);
		wjson_end_object(w);
	}
	wjson_end_array(w);
}

void dacc_write(struct dacc *a, struct wjson *w, uint64_t seq_now)
{
	wjson_key(w, "daemon_seq");
	wjson_u64(w, a->samples ? a->last_seq : seq_now);
	wjson_key(w, "samples");
	wjson_u64(w, a->samples);
	if (!a->samples)
		return;
	if (a->failed) {
		/* Out of memory while merging: say so rather than hand out a partial ledger. */
		w->failed = true;
		reset(a);
		return;
	}
	write_info(a, w);
	write_domains(a, w);
	wjson_key(w, "groups");
	wjson_begin_object(w);
	for (unsigned g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		struct dtable *t = &a->t[g];
		const struct drow **order;

		if (!(a->o.groups & (1u << g)))
			continue;
		order = malloc((t->n ? t->n : 1) * sizeof(*order));
		if (!order) {
			w->failed = true;
			break;
		}
		for (size_t i = 0; i < t->n; i++)
			order[i] = &t->rows[i];
		qsort(order, t->n, sizeof(*order), row_cmp);
		wjson_key(w, group_keys[g]);
		wjson_begin_array(w);
		for (size_t i = 0; i < t->n; i++)
			write_row(w, order[i], a->ndom);
		wjson_end_array(w);
		free(order);
	}
	wjson_end_object(w);
	if (a->o.tasks && a->o.view == DISCLOSE_ALL) {
		struct dtable *t = &a->t[DACC_GROUP_TASK];

		/* In task key order, as a local snapshot's. */
		const struct drow **order = malloc((t->n ? t->n : 1) * sizeof(*order));

		if (!order) {
			w->failed = true;
		} else {
			for (size_t i = 0; i < t->n; i++)
				order[i] = &t->rows[i];
			qsort(order, t->n, sizeof(*order), task_cmp);
			wjson_key(w, "tasks");
			wjson_begin_array(w);
			for (size_t i = 0; i < t->n; i++)
				write_task(w, order[i]);
			wjson_end_array(w);
			free(order);
		}
	}
	reset(a);
}
