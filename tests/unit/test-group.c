/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-group.c - aggregations: processes (PID reuse, unseen leaders),
 * threads, comms, cgroups and users, each group exactly the sum of its
 * members, on a hand-computed interval and on random ones.
 */
#include <stdlib.h>

#include "testutil.h"

#include "group.h"
#include "util.h"

#define MS (NSEC_PER_SEC / 1000)
#define NT 9

/*
 * Two CPUs, one second, psys ΔE = 2 J over T = 2 s: 1 µJ per ms (separate).
 *
 *  #  tgid tid  start comm     cgroup uid   cpu ms    µJ
 *  0  100  100  1000 make       7    1000  0   300  300 000
 *  1  100  101  1500 make       7    1000  1   200  200 000
 *  2  200  200  2000 cc1        7    1000  0   400  400 000
 *  3  300  301  3500 cc1        9       0  1   100  100 000   leader 300 not seen
 *  4  300  302  3600 worker     9       0  1    50   50 000
 *  5  400  400    10 sh         0       0  0   100  100 000   old process 400
 *  6  400  400  9000 sh         0       0  0    50   50 000   PID 400 reused
 *  7  400  401  9100 sh         0       0  1   150  150 000   thread of the new one
 *  8  400  402    20 sh         0       0  1   100  100 000   thread of the old one
 * idle: cpu0 150 ms, cpu1 400 ms.
 * package-0 (cpu0 only, ΔE 1 J over 1 s, not in the total): tasks 0 2 5 6.
 */
static const struct {
	uint32_t tgid, tid;
	uint64_t start;
	const char *comm;
	uint64_t cgroup;
	uint32_t uid;
	unsigned cpu;
	uint64_t ms;
} spec[NT] = {
	{ 100, 100, 1000, "make", 7, 1000, 0, 300 }, { 100, 101, 1500, "make", 7, 1000, 1, 200 },
	{ 200, 200, 2000, "cc1", 7, 1000, 0, 400 },  { 300, 301, 3500, "cc1", 9, 0, 1, 100 },
	{ 300, 302, 3600, "worker", 9, 0, 1, 50 },   { 400, 400, 10, "sh", 0, 0, 0, 100 },
	{ 400, 400, 9000, "sh", 0, 0, 0, 50 },	     { 400, 401, 9100, "sh", 0, 0, 1, 150 },
	{ 400, 402, 20, "sh", 0, 0, 1, 100 },
};

struct world {
	struct activity_task tasks[NT];
	struct activity_row rows[NT];
	uint64_t idle[2], lost[2];
	struct activity_sample s;
	struct cpuset cpu0;
	struct attrib_domain d[2];
	struct attrib_result *r;
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	for (uint32_t i = 0; i < NT; i++) {
		w->tasks[i].key = (struct task_key){ spec[i].tgid, spec[i].tid, spec[i].start };
		strscpy(w->tasks[i].comm, spec[i].comm, sizeof(w->tasks[i].comm));
		w->tasks[i].cgroup_id = spec[i].cgroup;
		w->tasks[i].uid = spec[i].uid;
		w->rows[i] = (struct activity_row){ spec[i].cpu, i, spec[i].ms * MS };
	}
	w->idle[0] = 150 * MS;
	w->idle[1] = 400 * MS;
	w->s = (struct activity_sample){
		.start_ns = 0, .end_ns = NSEC_PER_SEC, .ncpus = 2, .idle_ns = w->idle,
		.lost_ns = w->lost, .tasks = w->tasks, .ntasks = NT, .rows = w->rows, .nrows = NT,
	};
	cpuset_zero(&w->cpu0);
	cpuset_set(&w->cpu0, 0);
	w->d[0] = (struct attrib_domain){ .name = "psys", .kind = JOULESTAT_DOMAIN_PSYS,
					  .delta_uj = 2000000, .in_total = true };
	w->d[1] = (struct attrib_domain){ .name = "package-0", .kind = JOULESTAT_DOMAIN_PACKAGE,
					  .cpus = &w->cpu0, .delta_uj = 1000000,
					  .estimated = true };
	assert_int_equal(attrib_split(&w->s, w->d, 2, ATTRIB_IDLE_SEPARATE, &w->r), 0);
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	attrib_result_free(w->r);
	free(w);
	return 0;
}

static struct group_result *group(struct world *w, size_t ledger, enum group_by by,
				  const uint64_t *starts)
{
	struct group_result *g = NULL;
	uint64_t sum = 0;

	assert_int_equal(group_tasks(&w->s, w->r, ledger, by, starts, &g), 0);
	assert_non_null(g);
	assert_int_equal(g->by, by);
	/* Each group is the sum of its members; the groups sum to the total. */
	for (size_t i = 0; i < g->ngroups; i++)
		sum += g->groups[i].energy_uj;
	assert_int_equal(sum, g->total_uj);
	return g;
}

/* The members of group `i`, as a sorted-by-key list of task indices. */
static void assert_members(const struct group_result *g, size_t i, size_t n, const uint32_t *want)
{
	assert_int_equal(g->groups[i].nmembers, n);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(g->members[g->groups[i].first + k], want[k]);
}

static void test_by_process(void **state)
{
	struct world *w = *state;
	struct group_result *g = group(w, GROUP_ALL_DOMAINS, GROUP_PROCESS, NULL);

	/*
	 * (100, 1000) 300k + 200k = 500k; (200, 2000) 400k;
	 * (400, 10)   tasks 5 and 8 (tid 402 started at 20: after the old leader, before the new)
	 *             100k + 100k = 200k;
	 * (400, 9000) tasks 6 and 7: 50k + 150k = 200k (equal energy: key order puts it second);
	 * (300, 0)    leader unseen: 100k + 50k = 150k.
	 */
	assert_int_equal(g->ngroups, 5);
	assert_int_equal(g->total_uj, 1450000);
	assert_int_equal(g->groups[0].key.tgid, 100);
	assert_int_equal(g->groups[0].key.start_ns, 1000);
	assert_int_equal(g->groups[0].energy_uj, 500000);
	assert_members(g, 0, 2, (const uint32_t[]){ 0, 1 });
	assert_int_equal(g->groups[1].key.tgid, 200);
	assert_int_equal(g->groups[1].energy_uj, 400000);
	assert_int_equal(g->groups[2].key.tgid, 400);
	assert_int_equal(g->groups[2].key.start_ns, 10);
	assert_int_equal(g->groups[2].energy_uj, 200000);
	assert_members(g, 2, 2, (const uint32_t[]){ 5, 8 });
	assert_int_equal(g->groups[3].key.tgid, 400);
	assert_int_equal(g->groups[3].key.start_ns, 9000);
	assert_int_equal(g->groups[3].energy_uj, 200000);
	assert_members(g, 3, 2, (const uint32_t[]){ 6, 7 });
	assert_int_equal(g->groups[4].key.tgid, 300);
	assert_int_equal(g->groups[4].key.start_ns, 0);
	assert_int_equal(g->groups[4].energy_uj, 150000);
	assert_members(g, 4, 2, (const uint32_t[]){ 3, 4 });
	assert_false(g->groups[0].estimated);
	assert_int_equal(g->groups[0].key.tid, 0);
	assert_string_equal(g->groups[0].key.comm, "");
	group_result_free(g);
}

static void test_by_process_with_known_starts(void **state)
{
	struct world *w = *state;
	/* The collector knows that process 300 started at 3000, and task 7's process at 8999. */
	uint64_t starts[NT] = { [3] = 3000, [4] = 3000, [7] = 8999 };
	struct group_result *g = group(w, GROUP_ALL_DOMAINS, GROUP_PROCESS, starts);

	/* (300, 3000) 150k; task 7 leaves (400, 9000): (400, 8999) 150k and (400, 9000) 50k. */
	assert_int_equal(g->ngroups, 6);
	assert_int_equal(g->groups[2].key.tgid, 400);
	assert_int_equal(g->groups[2].key.start_ns, 10);
	assert_int_equal(g->groups[3].key.tgid, 300);
	assert_int_equal(g->groups[3].key.start_ns, 3000);
	assert_int_equal(g->groups[3].energy_uj, 150000);
	assert_int_equal(g->groups[4].key.start_ns, 8999);
	assert_int_equal(g->groups[4].energy_uj, 150000);
	assert_int_equal(g->groups[5].key.start_ns, 9000);
	assert_int_equal(g->groups[5].energy_uj, 50000);
	group_result_free(g);
}

static void test_by_thread(void **state)
{
	struct world *w = *state;
	struct group_result *g = group(w, GROUP_ALL_DOMAINS, GROUP_THREAD, NULL);

	/* Nine threads; the two tid-400 tasks stay apart by start time. */
	assert_int_equal(g->ngroups, 9);
	assert_int_equal(g->groups[0].key.tid, 200); /* 400k */
	assert_int_equal(g->groups[0].energy_uj, 400000);
	assert_int_equal(g->groups[1].key.tid, 100); /* 300k */
	assert_int_equal(g->groups[8].key.tid, 400); /* 50k, started at 9000 */
	assert_int_equal(g->groups[8].key.start_ns, 9000);
	assert_int_equal(g->groups[8].energy_uj, 50000);
	group_result_free(g);
}

static void test_by_comm(void **state)
{
	struct world *w = *state;
	struct group_result *g = group(w, GROUP_ALL_DOMAINS, GROUP_COMM, NULL);

	/* cc1 400k + 100k = 500k, make 500k (tie: "cc1" < "make"), sh 400k, worker 50k. */
	assert_int_equal(g->ngroups, 4);
	assert_string_equal(g->groups[0].key.comm, "cc1");
	assert_int_equal(g->groups[0].energy_uj, 500000);
	assert_members(g, 0, 2, (const uint32_t[]){ 2, 3 });
	assert_string_equal(g->groups[1].key.comm, "make");
	assert_int_equal(g->groups[1].energy_uj, 500000);
	assert_string_equal(g->groups[2].key.comm, "sh");
	assert_int_equal(g->groups[2].energy_uj, 400000);
	/* Members in task key order: (400,400,10) (400,400,9000) (400,401) (400,402). */
	assert_members(g, 2, 4, (const uint32_t[]){ 5, 6, 7, 8 });
	assert_string_equal(g->groups[3].key.comm, "worker");
	assert_int_equal(g->groups[3].energy_uj, 50000);
	assert_int_equal(g->groups[3].key.tgid, 0);
	group_result_free(g);
}

static void test_by_cgroup_and_user(void **state)
{
	struct world *w = *state;
	struct group_result *g = group(w, GROUP_ALL_DOMAINS, GROUP_CGROUP, NULL);

	/* cgroup 7: 300k + 200k + 400k; 0 (unknown): 400k; 9: 150k. */
	assert_int_equal(g->ngroups, 3);
	assert_int_equal(g->groups[0].key.cgroup_id, 7);
	assert_int_equal(g->groups[0].energy_uj, 900000);
	assert_members(g, 0, 3, (const uint32_t[]){ 0, 1, 2 });
	assert_int_equal(g->groups[1].key.cgroup_id, 0);
	assert_int_equal(g->groups[1].energy_uj, 400000);
	assert_int_equal(g->groups[2].key.cgroup_id, 9);
	assert_int_equal(g->groups[2].energy_uj, 150000);
	group_result_free(g);

	/* uid 1000: 900k; uid 0: 150k + 400k = 550k. */
	g = group(w, GROUP_ALL_DOMAINS, GROUP_USER, NULL);
	assert_int_equal(g->ngroups, 2);
	assert_int_equal(g->groups[0].key.uid, 1000);
	assert_int_equal(g->groups[0].energy_uj, 900000);
	assert_int_equal(g->groups[1].key.uid, 0);
	assert_int_equal(g->groups[1].energy_uj, 550000);
	assert_int_equal(g->groups[1].nmembers, 6);
	assert_int_equal(g->total_uj, w->r->total_tasks_uj);
	group_result_free(g);
}

static void test_one_ledger(void **state)
{
	struct world *w = *state;
	struct group_result *g = group(w, 1, GROUP_USER, NULL);

	/*
	 * package-0 is cpu0 only, 1 J over 1 s: tasks 0 (300k), 2 (400k),
	 * 5 (100k), 6 (50k). uid 1000: 700k; uid 0: 150k. Estimated domain.
	 */
	assert_int_equal(g->ledger, 1);
	assert_int_equal(g->nmembers, 4);
	assert_int_equal(g->ngroups, 2);
	assert_int_equal(g->groups[0].energy_uj, 700000);
	assert_int_equal(g->groups[1].energy_uj, 150000);
	assert_true(g->groups[0].estimated);
	assert_int_equal(g->total_uj, 850000);
	assert_int_equal(g->total_uj, w->r->ledgers[1].tasks_uj);
	group_result_free(g);
}

static void test_full_width_comm(void **state)
{
	struct activity_task t = { .key = { 1, 1, 1 } };
	struct activity_row row = { 0, 0, 1000 };
	struct activity_sample s = {
		.ncpus = 1, .tasks = &t, .ntasks = 1, .rows = &row, .nrows = 1,
	};
	struct attrib_domain d = { .name = "psys", .kind = JOULESTAT_DOMAIN_PSYS, .delta_uj = 5,
				   .in_total = true };
	struct attrib_result *r;
	struct group_result *g;

	/* 16 bytes and no NUL, as a careless collector might copy it. */
	memcpy(t.comm, "abcdefghijklmnop", ACTIVITY_COMM_LEN);
	assert_int_equal(attrib_split(&s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), 0);
	assert_int_equal(group_tasks(&s, r, GROUP_ALL_DOMAINS, GROUP_COMM, NULL, &g), 0);
	assert_string_equal(g->groups[0].key.comm, "abcdefghijklmno");
	assert_int_equal(g->groups[0].energy_uj, 5);
	group_result_free(g);
	attrib_result_free(r);
}

static void test_bad_input_and_names(void **state)
{
	struct world *w = *state;
	static struct group_result sentinel;
	struct group_result *g = &sentinel;
	struct activity_sample other = w->s;
	enum group_by by = GROUP_USER;

	assert_int_equal(group_tasks(NULL, w->r, GROUP_ALL_DOMAINS, GROUP_USER, NULL, &g), -EINVAL);
	assert_int_equal(group_tasks(&w->s, NULL, GROUP_ALL_DOMAINS, GROUP_USER, NULL, &g),
			 -EINVAL);
	assert_int_equal(group_tasks(&w->s, w->r, GROUP_ALL_DOMAINS, GROUP_USER, NULL, NULL),
			 -EINVAL);
	assert_int_equal(group_tasks(&w->s, w->r, 2, GROUP_USER, NULL, &g), -EINVAL);
	assert_int_equal(group_tasks(&w->s, w->r, 0, (enum group_by)5, NULL, &g), -EINVAL);
	other.ntasks = NT - 1; /* not the sample this result came from */
	assert_int_equal(group_tasks(&other, w->r, 0, GROUP_USER, NULL, &g), -EINVAL);
	assert_ptr_equal(g, &sentinel);
	assert_null(group_result_free(NULL));

	assert_string_equal(group_by_name(GROUP_PROCESS), "process");
	assert_string_equal(group_by_name(GROUP_CGROUP), "cgroup");
	assert_string_equal(group_by_name((enum group_by)42), "unknown");
	assert_int_equal(group_by_from_name("thread", &by), 0);
	assert_int_equal(by, GROUP_THREAD);
	assert_int_equal(group_by_from_name("comm", &by), 0);
	assert_int_equal(by, GROUP_COMM);
	assert_int_equal(group_by_from_name("pid", &by), -EINVAL);
	assert_int_equal(group_by_from_name(NULL, &by), -EINVAL);
	assert_int_equal(by, GROUP_COMM);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

static const struct attrib_row *find_row(const struct attrib_ledger *l, size_t task)
{
	for (size_t i = 0; i < l->nrows; i++)
		if (l->rows[i].task == task)
			return &l->rows[i];
	return NULL;
}

static unsigned has_row(const struct attrib_ledger *l, size_t task)
{
	return find_row(l, task) != NULL;
}

static uint64_t row_energy(const struct attrib_ledger *l, size_t task)
{
	const struct attrib_row *row = find_row(l, task);

	assert_non_null(row);
	return row->energy_uj;
}

static void test_random_groups_sum_exactly(void **state)
{
	static struct activity_task tasks[40];
	static struct activity_row rows[80];
	uint64_t idle[4], lost[4];
	struct cpuset s01;

	cpuset_zero(&s01);
	cpuset_set(&s01, 0);
	cpuset_set(&s01, 1);
	for (int iter = 0; iter < 2000; iter++) {
		size_t nt = rnd(40), nr = nt ? rnd(80) : 0;
		struct activity_sample s = {
			.ncpus = 4, .idle_ns = idle, .lost_ns = lost, .tasks = tasks,
			.ntasks = nt, .rows = rows, .nrows = nr,
		};
		struct attrib_domain d[2] = {
			{ .name = "psys", .kind = JOULESTAT_DOMAIN_PSYS, .in_total = true,
			  .delta_uj = rnd(1ULL << 40) },
			{ .name = "package-0", .kind = JOULESTAT_DOMAIN_PACKAGE, .cpus = &s01,
			  .delta_uj = rnd(1ULL << 40) },
		};
		struct attrib_result *r;

		memset(tasks, 0, sizeof(tasks));
		for (size_t i = 0; i < nt; i++) {
			tasks[i].key.tgid = (uint32_t)rnd(8);
			tasks[i].key.tid = (uint32_t)rnd(8);
			tasks[i].key.start_ns = rnd(4);
			snprintf(tasks[i].comm, sizeof(tasks[i].comm), "c%u", (unsigned)rnd(5));
			tasks[i].cgroup_id = rnd(4);
			tasks[i].uid = (uint32_t)rnd(3);
		}
		for (size_t i = 0; i < nr; i++)
			rows[i] = (struct activity_row){ (uint32_t)rnd(4), (uint32_t)rnd(nt),
							 rnd(1000000000) };
		for (int c = 0; c < 4; c++) {
			idle[c] = rnd(1000000000);
			lost[c] = rnd(3) ? 0 : rnd(1000000);
		}
		assert_int_equal(attrib_split(&s, d, 2, (enum attrib_idle_policy)rnd(3), &r), 0);
		for (int by = GROUP_PROCESS; by <= GROUP_USER; by++) {
			for (size_t ledger = 0; ledger < 3; ledger++) {
				size_t lg = ledger == 2 ? GROUP_ALL_DOMAINS : ledger;
				struct group_result *g;
				unsigned seen[40] = { 0 };
				uint64_t sum = 0;

				assert_int_equal(group_tasks(&s, r, lg, by, NULL, &g), 0);
				for (size_t i = 0; i < g->ngroups; i++) {
					uint64_t members = 0;

					for (size_t k = 0; k < g->groups[i].nmembers; k++) {
						uint32_t t = g->members[g->groups[i].first + k];

						seen[t]++;
						members += lg == GROUP_ALL_DOMAINS
								   ? r->tasks[t].energy_uj
								   : row_energy(&r->ledgers[lg], t);
					}
					assert_int_equal(members, g->groups[i].energy_uj);
					sum += g->groups[i].energy_uj;
				}
				assert_int_equal(sum, g->total_uj);
				assert_int_equal(sum, lg == GROUP_ALL_DOMAINS
							      ? r->total_tasks_uj
							      : r->ledgers[lg].tasks_uj);
				/* Every member exactly once. */
				for (size_t t = 0; t < nt; t++)
					assert_int_equal(seen[t],
							 lg == GROUP_ALL_DOMAINS
								 ? 1
								 : has_row(&r->ledgers[lg], t));
				group_result_free(g);
			}
		}
		attrib_result_free(r);
	}
}

/*
 * The reference grouping, written the obvious way: members in task key
 * order (a ledger's rows as they are), each group's key found by linear
 * search, groups ordered by energy (largest first) then key.
 */
struct ref_group {
	struct group_key key;
	uint64_t energy_uj;
	bool estimated;
	size_t n;
	uint32_t members[40];
};

static bool task_key_before(const struct activity_task *a, const struct activity_task *b)
{
	if (a->key.tgid != b->key.tgid)
		return a->key.tgid < b->key.tgid;
	if (a->key.tid != b->key.tid)
		return a->key.tid < b->key.tid;
	return a->key.start_ns < b->key.start_ns;
}

static int ref_key_cmp(enum group_by by, const struct group_key *a, const struct group_key *b)
{
	switch (by) {
	case GROUP_PROCESS:
	case GROUP_THREAD:
		if (a->tgid != b->tgid)
			return a->tgid < b->tgid ? -1 : 1;
		if (a->tid != b->tid)
			return a->tid < b->tid ? -1 : 1;
		return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
	case GROUP_COMM:
		return memcmp(a->comm, b->comm, sizeof(a->comm));
	case GROUP_CGROUP:
		return a->cgroup_id < b->cgroup_id ? -1 : a->cgroup_id > b->cgroup_id;
	case GROUP_USER:
		return a->uid < b->uid ? -1 : a->uid > b->uid;
	case GROUP_CLASS:
		return a->class_id < b->class_id ? -1 : a->class_id > b->class_id;
	}
	return 0;
}

static size_t ref_group(const struct activity_sample *s, const struct attrib_result *r, size_t lg,
			enum group_by by, const uint64_t *pstart, const uint64_t *cls,
			struct ref_group *out)
{
	uint32_t members[40];
	size_t nm = 0, ng = 0;

	if (lg == GROUP_ALL_DOMAINS) {
		/* Insertion sort by task key; equal keys keep their sample order. */
		for (size_t i = 0; i < s->ntasks; i++) {
			size_t j = nm++;

			for (; j > 0 && task_key_before(&s->tasks[i], &s->tasks[members[j - 1]]); j--)
				members[j] = members[j - 1];
			members[j] = (uint32_t)i;
		}
	} else {
		for (size_t i = 0; i < r->ledgers[lg].nrows; i++)
			members[nm++] = r->ledgers[lg].rows[i].task;
	}
	for (size_t i = 0; i < nm; i++) {
		const struct activity_task *t = &s->tasks[members[i]];
		uint64_t e = lg == GROUP_ALL_DOMAINS ? r->tasks[members[i]].energy_uj
						     : r->ledgers[lg].rows[i].energy_uj;
		bool est = lg == GROUP_ALL_DOMAINS ? r->tasks[members[i]].estimated
						   : r->ledgers[lg].estimated;
		struct group_key k;
		size_t gi;

		memset(&k, 0, sizeof(k));
		switch (by) {
		case GROUP_PROCESS:
			k.tgid = t->key.tgid;
			k.start_ns = pstart ? pstart[members[i]] : 0;
			for (size_t j = 0; !k.start_ns && j < s->ntasks; j++) {
				const struct activity_task *l = &s->tasks[j];

				/* The latest leader that started no later than the task. */
				if (l->key.tid == l->key.tgid && l->key.tgid == t->key.tgid &&
				    l->key.start_ns <= t->key.start_ns) {
					uint64_t best = l->key.start_ns;

					for (size_t q = 0; q < s->ntasks; q++) {
						const struct activity_task *o = &s->tasks[q];

						if (o->key.tid == o->key.tgid &&
						    o->key.tgid == t->key.tgid &&
						    o->key.start_ns <= t->key.start_ns &&
						    o->key.start_ns > best)
							best = o->key.start_ns;
					}
					k.start_ns = best;
				}
			}
			break;
		case GROUP_THREAD:
			k.tgid = t->key.tgid;
			k.tid = t->key.tid;
			k.start_ns = t->key.start_ns;
			break;
		case GROUP_COMM:
			/* At most 15 bytes: a full-width comm loses its last. */
			for (size_t c = 0; c + 1 < sizeof(k.comm) && t->comm[c]; c++)
				k.comm[c] = t->comm[c];
			break;
		case GROUP_CGROUP:
			k.cgroup_id = t->cgroup_id;
			break;
		case GROUP_USER:
			k.uid = t->uid;
			break;
		case GROUP_CLASS:
			if (cls[members[i]] == GROUP_CLASS_NONE)
				continue;
			k.class_id = cls[members[i]];
			break;
		}
		for (gi = 0; gi < ng && ref_key_cmp(by, &out[gi].key, &k) != 0; gi++)
			;
		if (gi == ng)
			out[ng++] = (struct ref_group){ .key = k };
		out[gi].energy_uj += e;
		out[gi].estimated |= est;
		out[gi].members[out[gi].n++] = members[i];
	}
	/* Insertion sort: energy descending, then key ascending. */
	for (size_t i = 1; i < ng; i++) {
		struct ref_group x = out[i];
		size_t j = i;

		for (; j > 0 && (out[j - 1].energy_uj < x.energy_uj ||
				 (out[j - 1].energy_uj == x.energy_uj &&
				  ref_key_cmp(by, &out[j - 1].key, &x.key) > 0));
		     j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return ng;
}

/*
 * Random intervals (PID reuse, duplicate keys, comms of all 16 bytes,
 * process starts given, partly given or not) grouped every way: exactly
 * the reference's groups, in its order, with its members in its order.
 */
static void test_random_groups_match_reference(void **state)
{
	static struct activity_task tasks[40];
	static struct activity_row rows[80];
	static struct ref_group want[40];
	uint64_t idle[4], lost[4], pstart[40], cls[40];
	struct cpuset s01;

	cpuset_zero(&s01);
	cpuset_set(&s01, 0);
	cpuset_set(&s01, 1);
	for (int iter = 0; iter < 1500; iter++) {
		size_t nt = rnd(41), nr = nt ? rnd(81) : 0;
		struct activity_sample s = {
			.ncpus = 4, .idle_ns = idle, .lost_ns = lost, .tasks = tasks,
			.ntasks = nt, .rows = rows, .nrows = nr,
		};
		struct attrib_domain d[2] = {
			{ .name = "psys", .kind = JOULESTAT_DOMAIN_PSYS, .in_total = true,
			  .delta_uj = rnd(1ULL << 30), .estimated = rnd(2) },
			{ .name = "package-0", .kind = JOULESTAT_DOMAIN_PACKAGE, .cpus = &s01,
			  .delta_uj = rnd(1ULL << 30) },
		};
		unsigned pmode = (unsigned)rnd(3);	/* no starts, some, all */
		struct attrib_result *r;

		memset(tasks, 0, sizeof(tasks));
		for (size_t i = 0; i < nt; i++) {
			tasks[i].key.tgid = (uint32_t)rnd(6);
			tasks[i].key.tid = rnd(2) ? tasks[i].key.tgid : (uint32_t)rnd(6);
			tasks[i].key.start_ns = rnd(5);
			if (rnd(8) == 0)
				memset(tasks[i].comm, 'a' + (int)rnd(2), sizeof(tasks[i].comm));
			else
				snprintf(tasks[i].comm, sizeof(tasks[i].comm), "c%u",
					 (unsigned)rnd(5));
			tasks[i].cgroup_id = rnd(4);
			tasks[i].uid = (uint32_t)rnd(3);
			pstart[i] = pmode == 0 ? 0 : pmode == 1 && rnd(2) ? 0 : 1 + rnd(4);
			cls[i] = rnd(4) ? rnd(3) : GROUP_CLASS_NONE;
		}
		for (size_t i = 0; i < nr; i++)
			rows[i] = (struct activity_row){ (uint32_t)rnd(4), (uint32_t)rnd(nt),
							 rnd(3) ? rnd(1000) : 500 };
		for (int c = 0; c < 4; c++) {
			idle[c] = rnd(1000);
			lost[c] = rnd(3) ? 0 : rnd(100);
		}
		assert_int_equal(attrib_split(&s, d, 2, (enum attrib_idle_policy)rnd(3), &r), 0);
		for (int by = GROUP_PROCESS; by <= GROUP_CLASS; by++) {
			for (size_t ledger = 0; ledger < 3; ledger++) {
				size_t lg = ledger == 2 ? GROUP_ALL_DOMAINS : ledger, ng, k = 0;
				const uint64_t *ps = pmode ? pstart : NULL;
				struct group_result *g;

				ng = ref_group(&s, r, lg, (enum group_by)by, ps, cls, want);
				if (by == GROUP_CLASS)
					assert_int_equal(group_tasks_class(&s, r, lg, cls, &g), 0);
				else
					assert_int_equal(group_tasks(&s, r, lg, (enum group_by)by, ps,
								     &g), 0);
				assert_int_equal(g->ngroups, ng);
				for (size_t i = 0; i < ng; i++) {
					const struct group_row *gr = &g->groups[i];

					assert_memory_equal(&gr->key, &want[i].key, sizeof(gr->key));
					assert_int_equal(gr->energy_uj, want[i].energy_uj);
					assert_int_equal(gr->estimated, want[i].estimated);
					assert_int_equal(gr->nmembers, want[i].n);
					assert_int_equal(gr->first, k);
					for (size_t j = 0; j < want[i].n; j++)
						assert_int_equal(g->members[k + j], want[i].members[j]);
					k += want[i].n;
				}
				assert_int_equal(g->nmembers, k);
				group_result_free(g);
			}
		}
		attrib_result_free(r);
	}
	(void)state;
}

/* Classes the caller computed (unit, container, tree): NONE is in no group. */
static void test_by_class(void **state)
{
	struct world *w = *state;
	uint64_t cls[NT] = { 5, 5, 5, 2, 2, GROUP_CLASS_NONE, GROUP_CLASS_NONE, GROUP_CLASS_NONE,
			     GROUP_CLASS_NONE };
	struct group_result *g = NULL;

	assert_int_equal(group_tasks_class(&w->s, w->r, GROUP_ALL_DOMAINS, cls, &g), 0);
	/* Class 5: 300k + 200k + 400k; class 2: 100k + 50k; tasks 5-8 (400k) in no group. */
	assert_int_equal(g->by, GROUP_CLASS);
	assert_int_equal(g->ngroups, 2);
	assert_int_equal(g->total_uj, 1050000);
	assert_int_equal(g->groups[0].key.class_id, 5);
	assert_int_equal(g->groups[0].energy_uj, 900000);
	assert_members(g, 0, 3, (const uint32_t[]){ 0, 1, 2 });
	assert_int_equal(g->groups[1].key.class_id, 2);
	assert_int_equal(g->groups[1].energy_uj, 150000);
	assert_members(g, 1, 2, (const uint32_t[]){ 3, 4 });
	assert_false(g->groups[0].estimated);
	g = group_result_free(g);

	/* One ledger: package-0 (cpu0, 1 000 µJ per ms, estimated) has tasks 0 and 2 of class 5. */
	assert_int_equal(group_tasks_class(&w->s, w->r, 1, cls, &g), 0);
	assert_int_equal(g->ngroups, 1);
	assert_int_equal(g->groups[0].energy_uj, 700000);
	assert_members(g, 0, 2, (const uint32_t[]){ 0, 2 });
	assert_true(g->groups[0].estimated);
	g = group_result_free(g);

	/* group_tasks() has no class ids to group by; "class" is no grouping name. */
	assert_int_equal(group_tasks(&w->s, w->r, GROUP_ALL_DOMAINS, GROUP_CLASS, NULL, &g), -EINVAL);
	assert_int_equal(group_tasks_class(&w->s, w->r, GROUP_ALL_DOMAINS, NULL, &g), -EINVAL);
	assert_null(g);
	{
		enum group_by by;

		assert_int_equal(group_by_from_name("class", &by), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_process, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_by_process_with_known_starts, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_by_thread, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_by_comm, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_by_cgroup_and_user, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_one_ledger, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_by_class, world_setup, world_teardown),
		cmocka_unit_test(test_full_width_comm),
		cmocka_unit_test_setup_teardown(test_bad_input_and_names, world_setup,
						world_teardown),
		cmocka_unit_test(test_random_groups_sum_exactly),
		cmocka_unit_test(test_random_groups_match_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
