/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-attrib.c - splitting domain energy between tasks: hand-computed
 * splits for each rule and policy, exact rounding, extreme values, bad
 * input, and 10 000 random intervals whose ledgers must all balance.
 */
#include <stdlib.h>

#include "testutil.h"

#include "attrib.h"
#include "util.h"

typedef unsigned __int128 u128;

#define MAXT 64
#define MAXR 256
#define MAXC 16
#define SEC NSEC_PER_SEC
#define MS (NSEC_PER_SEC / 1000)

/* A sample under construction. */
struct fx {
	struct activity_task tasks[MAXT];
	struct activity_row rows[MAXR];
	uint64_t idle[MAXC];
	uint64_t lost[MAXC];
	struct activity_sample s;
};

static void fx_init(struct fx *f, unsigned ncpus, uint64_t interval_ns)
{
	memset(f, 0, sizeof(*f));
	f->s.start_ns = 5 * SEC;
	f->s.end_ns = 5 * SEC + interval_ns;
	f->s.ncpus = ncpus;
	f->s.idle_ns = f->idle;
	f->s.lost_ns = f->lost;
	f->s.tasks = f->tasks;
	f->s.rows = f->rows;
}

static uint32_t fx_task(struct fx *f, uint32_t tgid, uint32_t tid, uint64_t start_ns)
{
	uint32_t i = (uint32_t)f->s.ntasks++;

	assert_true(i < MAXT);
	f->tasks[i].key = (struct task_key){ .tgid = tgid, .tid = tid, .start_ns = start_ns };
	snprintf(f->tasks[i].comm, sizeof(f->tasks[i].comm), "t%u", tid);
	return i;
}

static void fx_run(struct fx *f, uint32_t task, unsigned cpu, uint64_t ns)
{
	size_t i = f->s.nrows++;

	assert_true(i < MAXR);
	f->rows[i] = (struct activity_row){ .cpu = cpu, .task = task, .ns = ns };
}

static struct cpuset cpus_range(unsigned lo, unsigned hi)
{
	struct cpuset c;

	cpuset_zero(&c);
	for (unsigned i = lo; i <= hi; i++)
		cpuset_set(&c, i);
	return c;
}

static struct attrib_domain dom(const char *name, enum joulestat_domain_kind kind,
				const struct cpuset *cpus, uint64_t delta_uj, bool in_total)
{
	return (struct attrib_domain){
		.name = name,
		.kind = kind,
		.cpus = cpus,
		.delta_uj = delta_uj,
		.in_total = in_total,
	};
}

/* The ledger's row for `task`; fails the test when the task has none. */
static const struct attrib_row *row_of(const struct attrib_ledger *l, uint32_t task)
{
	for (size_t i = 0; i < l->nrows; i++)
		if (l->rows[i].task == task)
			return &l->rows[i];
	fail_msg("task %u has no row in %s", task, l->name);
	return NULL;
}

static uint64_t uj_of(const struct attrib_ledger *l, uint32_t task)
{
	return row_of(l, task)->energy_uj;
}

static void assert_balanced(const struct attrib_ledger *l)
{
	u128 sum = (u128)l->idle_uj + l->unattributed_uj;
	uint64_t tasks = 0;

	for (size_t i = 0; i < l->nrows; i++) {
		assert_true(l->rows[i].energy_uj <= l->delta_uj);
		tasks += l->rows[i].energy_uj;
		sum += l->rows[i].energy_uj;
	}
	assert_true(sum == l->delta_uj);
	assert_int_equal(tasks, l->tasks_uj);
}

static struct attrib_result *split(const struct fx *f, const struct attrib_domain *d, size_t n,
				   enum attrib_idle_policy p)
{
	struct attrib_result *r = NULL;

	assert_int_equal(attrib_split(&f->s, d, n, p, &r), 0);
	assert_non_null(r);
	assert_int_equal(r->nledgers, n);
	for (size_t i = 0; i < n; i++)
		assert_balanced(&r->ledgers[i]);
	assert_true(r->total_delta_uj ==
		    r->total_tasks_uj + r->total_idle_uj + r->total_unattributed_uj);
	return r;
}

/*
 * Two sockets of two CPUs, one second:
 *   socket 0: cpu0 A 600 ms + idle 400 ms; cpu1 B 250 ms + idle 750 ms  (T = 2 s)
 *   socket 1: cpu2 C 1000 ms;              cpu3 D 500 ms + idle 500 ms  (T = 2 s)
 */
struct two_sockets {
	struct fx f;
	struct cpuset s0, s1;
	uint32_t a, b, c, d;
};

static void two_sockets_init(struct two_sockets *t)
{
	fx_init(&t->f, 4, SEC);
	t->s0 = cpus_range(0, 1);
	t->s1 = cpus_range(2, 3);
	t->a = fx_task(&t->f, 100, 100, 1000);
	t->b = fx_task(&t->f, 200, 200, 2000);
	t->c = fx_task(&t->f, 300, 300, 3000);
	t->d = fx_task(&t->f, 400, 400, 4000);
	fx_run(&t->f, t->a, 0, 600 * MS);
	t->f.idle[0] = 400 * MS;
	fx_run(&t->f, t->b, 1, 250 * MS);
	t->f.idle[1] = 750 * MS;
	fx_run(&t->f, t->c, 2, 1000 * MS);
	fx_run(&t->f, t->d, 3, 500 * MS);
	t->f.idle[3] = 500 * MS;
}

static void test_two_sockets_split_per_socket(void **state)
{
	struct two_sockets t;
	struct attrib_domain d[2];
	struct attrib_result *r;

	two_sockets_init(&t);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &t.s0, 2000000, true);
	d[1] = dom("package-1", JOULESTAT_DOMAIN_PACKAGE, &t.s1, 3000000, true);
	r = split(&t.f, d, 2, ATTRIB_IDLE_SEPARATE);

	/* package-0: 2 J × 0.6/2, × 0.25/2, idle × 1.15/2. */
	assert_int_equal(r->ledgers[0].status, ATTRIB_LEDGER_SPLIT);
	assert_int_equal(r->ledgers[0].nrows, 2);
	assert_int_equal(uj_of(&r->ledgers[0], t.a), 600000);
	assert_int_equal(uj_of(&r->ledgers[0], t.b), 250000);
	assert_int_equal(r->ledgers[0].idle_uj, 1150000);
	assert_int_equal(r->ledgers[0].unattributed_uj, 0);
	assert_int_equal(r->ledgers[0].busy_ns, 850 * MS);
	assert_int_equal(r->ledgers[0].idle_ns, 1150 * MS);
	/* package-1: 3 J × 1/2, × 0.5/2, idle × 0.5/2. */
	assert_int_equal(r->ledgers[1].nrows, 2);
	assert_int_equal(uj_of(&r->ledgers[1], t.c), 1500000);
	assert_int_equal(uj_of(&r->ledgers[1], t.d), 750000);
	assert_int_equal(r->ledgers[1].idle_uj, 750000);

	assert_int_equal(r->tasks[t.a].energy_uj, 600000);
	assert_int_equal(r->tasks[t.b].energy_uj, 250000);
	assert_int_equal(r->tasks[t.c].energy_uj, 1500000);
	assert_int_equal(r->tasks[t.d].energy_uj, 750000);
	assert_int_equal(r->total_delta_uj, 5000000);
	assert_int_equal(r->total_tasks_uj, 3100000);
	assert_int_equal(r->total_idle_uj, 1900000);
	assert_false(r->total_estimated);
	assert_string_equal(r->ledgers[1].name, "package-1");
	attrib_result_free(r);
}

static void test_task_on_both_sockets(void **state)
{
	struct fx f;
	struct cpuset s0 = cpus_range(0, 1), s1 = cpus_range(2, 3);
	struct attrib_domain d[2];
	struct attrib_result *r;
	uint32_t e, g;

	/*
	 * E: 500 ms on cpu1 (socket 0) and 300 ms on cpu2 (socket 1).
	 * socket 0: cpu0 idle 1 s; cpu1 E 500 ms + idle 500 ms. 1 J: E 1/4, idle 3/4.
	 * socket 1: cpu2 E 300 ms + G 700 ms; cpu3 idle 1 s. 4 J: E 0.3/2, G 0.7/2, idle 1/2.
	 */
	fx_init(&f, 4, SEC);
	e = fx_task(&f, 10, 10, 1);
	g = fx_task(&f, 20, 21, 2);
	f.idle[0] = SEC;
	fx_run(&f, e, 1, 500 * MS);
	f.idle[1] = 500 * MS;
	fx_run(&f, e, 2, 300 * MS);
	fx_run(&f, g, 2, 700 * MS);
	f.idle[3] = SEC;
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &s0, 1000000, true);
	d[1] = dom("package-1", JOULESTAT_DOMAIN_PACKAGE, &s1, 4000000, true);
	r = split(&f, d, 2, ATTRIB_IDLE_SEPARATE);

	assert_int_equal(r->ledgers[0].nrows, 1);
	assert_int_equal(row_of(&r->ledgers[0], e)->busy_ns, 500 * MS);
	assert_int_equal(uj_of(&r->ledgers[0], e), 250000);
	assert_int_equal(r->ledgers[0].idle_uj, 750000);
	assert_int_equal(r->ledgers[1].nrows, 2);
	assert_int_equal(row_of(&r->ledgers[1], e)->busy_ns, 300 * MS);
	assert_int_equal(uj_of(&r->ledgers[1], e), 600000);
	assert_int_equal(uj_of(&r->ledgers[1], g), 1400000);
	assert_int_equal(r->ledgers[1].idle_uj, 2000000);
	/* The task's total is the sum of its two sockets. */
	assert_int_equal(r->tasks[e].energy_uj, 850000);
	assert_int_equal(r->tasks[g].energy_uj, 1400000);
	attrib_result_free(r);
}

/*
 * The policy scenario: one socket of two CPUs, one second, ΔE = 10 J,
 * static power 3 W.
 *   cpu0: A 500 ms, idle 500 ms
 *   cpu1: B 250 ms, idle 650 ms, lost 100 ms
 * busy = 750 ms, idle = 1150 ms, lost = 100 ms, T = 2000 ms.
 */
struct policy_fx {
	struct fx f;
	struct cpuset cpus;
	struct attrib_domain d;
	uint32_t a, b;
};

static void policy_init(struct policy_fx *p, uint64_t delta_uj)
{
	fx_init(&p->f, 2, SEC);
	p->cpus = cpus_range(0, 1);
	p->a = fx_task(&p->f, 1000, 1000, 77);
	p->b = fx_task(&p->f, 2000, 2000, 88);
	fx_run(&p->f, p->a, 0, 500 * MS);
	p->f.idle[0] = 500 * MS;
	fx_run(&p->f, p->b, 1, 250 * MS);
	p->f.idle[1] = 650 * MS;
	p->f.lost[1] = 100 * MS;
	p->d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &p->cpus, delta_uj, true);
	p->d.static_mw = 3000;
}

static void test_policy_separate(void **state)
{
	struct policy_fx p;
	struct attrib_result *r;

	/*
	 * A = 10 J × 500/2000 = 2.5 J; B = 10 J × 250/2000 = 1.25 J;
	 * idle = 10 J × 1150/2000 = 5.75 J; unattributed = 10 J × 100/2000 = 0.5 J.
	 */
	policy_init(&p, 10000000);
	r = split(&p.f, &p.d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->policy, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], p.a), 2500000);
	assert_int_equal(uj_of(&r->ledgers[0], p.b), 1250000);
	assert_int_equal(r->ledgers[0].idle_uj, 5750000);
	assert_int_equal(r->ledgers[0].unattributed_uj, 500000);
	assert_int_equal(r->ledgers[0].lost_ns, 100 * MS);
	attrib_result_free(r);
}

static void test_policy_proportional(void **state)
{
	struct policy_fx p;
	struct attrib_result *r;

	/*
	 * Lost keeps 10 J × 100/2000 = 0.5 J. The other 9.5 J (busy + idle)
	 * go to the tasks by busy time, 500:250 = 2:1:
	 *   A = 6 333 333.33 µJ → 6 333 333; B = 3 166 666.67 µJ → 3 166 667
	 * (one µJ left after the floors; B's remainder .67 beats A's .33).
	 */
	policy_init(&p, 10000000);
	r = split(&p.f, &p.d, 1, ATTRIB_IDLE_PROPORTIONAL);
	assert_int_equal(uj_of(&r->ledgers[0], p.a), 6333333);
	assert_int_equal(uj_of(&r->ledgers[0], p.b), 3166667);
	assert_int_equal(r->ledgers[0].idle_uj, 0);
	assert_int_equal(r->ledgers[0].unattributed_uj, 500000);
	assert_int_equal(r->tasks[p.a].energy_uj, 6333333);
	attrib_result_free(r);
}

static void test_policy_proportional_without_busy_task_stays_idle(void **state)
{
	struct fx f;
	struct attrib_domain d = dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, 4000000, true);
	struct attrib_result *r;

	/* Both CPUs idle 900 ms, lost 100 ms: idle 3.6 J, unattributed 0.4 J. */
	fx_init(&f, 2, SEC);
	f.idle[0] = f.idle[1] = 900 * MS;
	f.lost[0] = f.lost[1] = 100 * MS;
	r = split(&f, &d, 1, ATTRIB_IDLE_PROPORTIONAL);
	assert_int_equal(r->ledgers[0].nrows, 0);
	assert_int_equal(r->ledgers[0].idle_uj, 3600000);
	assert_int_equal(r->ledgers[0].unattributed_uj, 400000);
	attrib_result_free(r);
}

static void test_policy_baseline(void **state)
{
	struct policy_fx p;
	struct attrib_result *r;

	/*
	 * Static: 3000 mW × 1 s = 3 J = 3 000 000 µJ, the idle row.
	 * Dynamic: 7 J over busy and lost time only, 500:250:100 (of 850):
	 *   A    = 7e6 × 500/850 = 4 117 647.06 → 4 117 647
	 *   B    = 7e6 × 250/850 = 2 058 823.53 → 2 058 824 (largest remainder)
	 *   lost = 7e6 × 100/850 =   823 529.41 →   823 529
	 */
	policy_init(&p, 10000000);
	r = split(&p.f, &p.d, 1, ATTRIB_IDLE_BASELINE);
	assert_int_equal(r->ledgers[0].static_uj, 3000000);
	assert_int_equal(r->ledgers[0].idle_uj, 3000000);
	assert_int_equal(uj_of(&r->ledgers[0], p.a), 4117647);
	assert_int_equal(uj_of(&r->ledgers[0], p.b), 2058824);
	assert_int_equal(r->ledgers[0].unattributed_uj, 823529);
	attrib_result_free(r);
}

static void test_policy_baseline_static_capped_at_delta(void **state)
{
	struct policy_fx p;
	struct attrib_result *r;

	/* 3 J of static power but only 2 J measured: all 2 J are idle, nothing is dynamic. */
	policy_init(&p, 2000000);
	r = split(&p.f, &p.d, 1, ATTRIB_IDLE_BASELINE);
	assert_int_equal(r->ledgers[0].static_uj, 3000000);
	assert_int_equal(r->ledgers[0].idle_uj, 2000000);
	assert_int_equal(uj_of(&r->ledgers[0], p.a), 0);
	assert_int_equal(uj_of(&r->ledgers[0], p.b), 0);
	assert_int_equal(r->ledgers[0].unattributed_uj, 0);
	attrib_result_free(r);
}

static void test_policy_baseline_all_idle(void **state)
{
	struct fx f;
	struct cpuset cpus = cpus_range(0, 0);
	struct attrib_domain d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &cpus, 5000000, true);
	struct attrib_result *r;

	/* 2 s idle at 1.5 W static = 3 J; the 2 J above it have no busy time: idle too. */
	fx_init(&f, 1, 2 * SEC);
	f.idle[0] = 2 * SEC;
	d.static_mw = 1500;
	r = split(&f, &d, 1, ATTRIB_IDLE_BASELINE);
	assert_int_equal(r->interval_ns, 2 * SEC);
	assert_int_equal(r->ledgers[0].static_uj, 3000000);
	assert_int_equal(r->ledgers[0].idle_uj, 5000000);
	attrib_result_free(r);
}

static void test_psys_and_packages_split_independently(void **state)
{
	struct two_sockets t;
	struct attrib_domain d[3];
	struct attrib_result *r;

	/*
	 * psys covers all four CPUs (T = 4 s) whatever its cpus field says:
	 * 8 J × A 0.6/4 = 1.2 J, B 0.25/4 = 0.5 J, C 1/4 = 2 J, D 0.5/4 = 1 J,
	 * idle (0.4 + 0.75 + 0.5)/4 = 3.3 J. The packages split as before.
	 * Only psys counts in the host total, so the task totals are psys's rows.
	 */
	two_sockets_init(&t);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &t.s0, 2000000, false);
	d[1] = dom("psys", JOULESTAT_DOMAIN_PSYS, &t.s1 /* ignored */, 8000000, true);
	d[2] = dom("package-1", JOULESTAT_DOMAIN_PACKAGE, &t.s1, 3000000, false);
	r = split(&t.f, d, 3, ATTRIB_IDLE_SEPARATE);

	assert_int_equal(r->ledgers[1].nrows, 4);
	assert_int_equal(uj_of(&r->ledgers[1], t.a), 1200000);
	assert_int_equal(uj_of(&r->ledgers[1], t.b), 500000);
	assert_int_equal(uj_of(&r->ledgers[1], t.c), 2000000);
	assert_int_equal(uj_of(&r->ledgers[1], t.d), 1000000);
	assert_int_equal(r->ledgers[1].idle_uj, 3300000);
	assert_int_equal(uj_of(&r->ledgers[0], t.a), 600000);
	assert_int_equal(uj_of(&r->ledgers[2], t.c), 1500000);

	assert_int_equal(r->tasks[t.a].energy_uj, 1200000);
	assert_int_equal(r->tasks[t.c].energy_uj, 2000000);
	assert_int_equal(r->total_delta_uj, 8000000);
	assert_int_equal(r->total_tasks_uj, 4700000);
	assert_int_equal(r->total_idle_uj, 3300000);
	attrib_result_free(r);
}

static void test_rounding_ties_go_to_lowest_task_key(void **state)
{
	struct fx f;
	struct attrib_domain d = dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, 10, true);
	struct attrib_result *r;
	uint32_t t300, t100, t200;

	/* 10 µJ over three equal tasks, 3.33 each: the spare µJ to tgid 100, listed second. */
	fx_init(&f, 3, SEC);
	t300 = fx_task(&f, 300, 300, 5);
	t100 = fx_task(&f, 100, 100, 9);
	t200 = fx_task(&f, 200, 200, 1);
	fx_run(&f, t300, 0, SEC);
	fx_run(&f, t100, 1, SEC);
	fx_run(&f, t200, 2, SEC);
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], t100), 4);
	assert_int_equal(uj_of(&r->ledgers[0], t200), 3);
	assert_int_equal(uj_of(&r->ledgers[0], t300), 3);
	/* Rows come in key order. */
	assert_int_equal(r->ledgers[0].rows[0].task, t100);
	assert_int_equal(r->ledgers[0].rows[1].task, t200);
	assert_int_equal(r->ledgers[0].rows[2].task, t300);
	attrib_result_free(r);

	/* Same tgid: the lower tid wins; same tid: the earlier start (the older task). */
	fx_init(&f, 3, SEC);
	t300 = fx_task(&f, 50, 52, 10);
	t100 = fx_task(&f, 50, 51, 20);
	t200 = fx_task(&f, 50, 51, 15);
	fx_run(&f, t300, 0, SEC);
	fx_run(&f, t100, 1, SEC);
	fx_run(&f, t200, 2, SEC);
	d.delta_uj = 11;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], t200), 4); /* 50/51 started at 15 */
	assert_int_equal(uj_of(&r->ledgers[0], t100), 4); /* 50/51 started at 20 */
	assert_int_equal(uj_of(&r->ledgers[0], t300), 3); /* 50/52 */
	attrib_result_free(r);
}

static void test_rounding_largest_remainder_beats_key(void **state)
{
	struct fx f;
	struct attrib_domain d = dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, 1, true);
	struct attrib_result *r;
	uint32_t lo, hi;

	/* 1 µJ, 1:2: exact 0.33 and 0.67; the larger remainder wins over the lower key. */
	fx_init(&f, 2, 3 * SEC);
	lo = fx_task(&f, 1, 1, 0);
	hi = fx_task(&f, 2, 2, 0);
	fx_run(&f, lo, 0, SEC);
	fx_run(&f, hi, 1, 2 * SEC);
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], lo), 0);
	assert_int_equal(uj_of(&r->ledgers[0], hi), 1);
	attrib_result_free(r);

	/* A task and idle tied at 0.5 µJ each: tasks come before idle in the tie order. */
	fx_init(&f, 1, SEC);
	lo = fx_task(&f, 1, 1, 0);
	fx_run(&f, lo, 0, 500 * MS);
	f.idle[0] = 500 * MS;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], lo), 1);
	assert_int_equal(r->ledgers[0].idle_uj, 0);
	attrib_result_free(r);
}

static void test_apportion(void **state)
{
	uint64_t w3[] = { 1, 1, 1 }, w2[] = { 1, 2 }, wz[] = { 0, 5, 0 }, out[3] = { 9, 9, 9 };
	uint64_t wbig[] = { UINT64_MAX / 2, UINT64_MAX / 2 };

	assert_int_equal(attrib_apportion(10, w3, 3, out), 0);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 3);
	assert_int_equal(attrib_apportion(2, w3, 3, out), 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 0);
	assert_int_equal(attrib_apportion(1, w2, 2, out), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	/* Zero weights never receive a leftover µJ. */
	assert_int_equal(attrib_apportion(7, wz, 3, out), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 7);
	assert_int_equal(out[2], 0);
	/* ΔE × weight far beyond 64 bits. */
	assert_int_equal(attrib_apportion(UINT64_MAX, wbig, 2, out), 0);
	assert_true(out[0] == UINT64_MAX / 2 + 1);
	assert_true(out[1] == UINT64_MAX / 2);
	/* Bad weights: nothing written. */
	out[0] = 42;
	assert_int_equal(attrib_apportion(5, wz, 1, out), -EINVAL); /* W = 0 */
	assert_int_equal(attrib_apportion(5, w3, 0, out), -EINVAL);
	uint64_t wover[] = { UINT64_MAX, 1 };
	assert_int_equal(attrib_apportion(5, wover, 2, out), -EINVAL); /* W > 2^64 - 1 */
	assert_int_equal(out[0], 42);
}

/*
 * Many slots (several selection passes, many equal remainders): the µJ
 * left after the floors go exactly to the slots a plain sort by
 * (remainder desc, index asc) picks.
 */
static void test_apportion_many_slots_matches_sorted_reference(void **state)
{
	enum { N = 3000 };
	static uint64_t w[N], out[N], want[N];
	static struct {
		u128 rem;
		size_t idx;
	} ref[N];
	const uint64_t amounts[] = { 1, 2999, 3001, 123456789, 10000000000000ULL };

	for (size_t i = 0; i < N; i++)
		w[i] = (i * 7919) % 1009 + (i % 5 == 0 ? 0 : 1); /* repeats, and zeros */
	for (size_t a = 0; a < ARRAY_SIZE(amounts); a++) {
		u128 total = 0;
		uint64_t given = 0;

		for (size_t i = 0; i < N; i++)
			total += w[i];
		for (size_t i = 0; i < N; i++) {
			want[i] = (uint64_t)((u128)amounts[a] * w[i] / total);
			given += want[i];
			ref[i].rem = (u128)amounts[a] * w[i] % total;
			ref[i].idx = i;
		}
		/* Insertion sort: slow, obviously right. */
		for (size_t i = 1; i < N; i++) {
			for (size_t j = i; j > 0; j--) {
				u128 tr = ref[j].rem;
				size_t ti = ref[j].idx;

				if (tr < ref[j - 1].rem || (tr == ref[j - 1].rem && ti > ref[j - 1].idx))
					break;

				ref[j] = ref[j - 1];
				ref[j - 1].rem = tr;
				ref[j - 1].idx = ti;
			}
		}
		for (uint64_t k = 0; k < amounts[a] - given; k++)
			want[ref[k].idx]++;
		assert_int_equal(attrib_apportion(amounts[a], w, N, out), 0);
		for (size_t i = 0; i < N; i++)
			assert_int_equal(out[i], want[i]);
	}
}

static void test_lost_time_is_unattributed(void **state)
{
	struct fx f;
	struct cpuset cpus = cpus_range(0, 0);
	struct attrib_domain d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &cpus, 1000000, true);
	struct attrib_result *r;
	uint32_t t;

	/* 600 ms named, 400 ms the collector could not name: 0.6 J and 0.4 J. */
	fx_init(&f, 1, SEC);
	t = fx_task(&f, 7, 7, 0);
	fx_run(&f, t, 0, 600 * MS);
	f.lost[0] = 400 * MS;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], t), 600000);
	assert_int_equal(r->ledgers[0].idle_uj, 0);
	assert_int_equal(r->ledgers[0].unattributed_uj, 400000);
	assert_int_equal(r->total_unattributed_uj, 400000);
	attrib_result_free(r);
}

static void test_irq_time_is_unattributed(void **state)
{
	struct fx f;
	struct cpuset cpus = cpus_range(0, 0);
	struct attrib_domain d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &cpus, 1000000, true);
	struct attrib_result *r;
	uint64_t irq[1] = { 250 * MS };
	uint32_t t;

	/* 500 ms task, 250 ms idle, 250 ms interrupts/steal: 0.5, 0.25, 0.25 J. */
	fx_init(&f, 1, SEC);
	f.s.irq_ns = irq;
	t = fx_task(&f, 7, 7, 0);
	fx_run(&f, t, 0, 500 * MS);
	f.idle[0] = 250 * MS;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(uj_of(&r->ledgers[0], t), 500000);
	assert_int_equal(r->ledgers[0].idle_uj, 250000);
	assert_int_equal(r->ledgers[0].unattributed_uj, 250000);
	assert_int_equal(r->ledgers[0].irq_ns, 250 * MS);
	assert_int_equal(r->ledgers[0].lost_ns, 0);
	attrib_result_free(r);
}

static void test_empty_interval(void **state)
{
	struct fx f;
	struct cpuset cpus = cpus_range(0, 1);
	struct attrib_domain d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &cpus, 5000000, true);
	struct attrib_result *r;
	uint32_t t;

	/* ΔE > 0 but no task and no idle time recorded: no basis to split, all unattributed. */
	for (int p = ATTRIB_IDLE_SEPARATE; p <= ATTRIB_IDLE_BASELINE; p++) {
		fx_init(&f, 2, SEC);
		d.static_mw = 1000;
		r = split(&f, &d, 1, p);
		assert_int_equal(r->ledgers[0].status, ATTRIB_LEDGER_NO_TIME);
		assert_int_equal(r->ledgers[0].nrows, 0);
		assert_int_equal(r->ledgers[0].idle_uj, 0);
		assert_int_equal(r->ledgers[0].unattributed_uj, 5000000);
		attrib_result_free(r);
	}

	/* NULL idle/lost arrays mean none recorded. */
	fx_init(&f, 2, SEC);
	f.s.idle_ns = NULL;
	f.s.lost_ns = NULL;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[0].unattributed_uj, 5000000);
	attrib_result_free(r);

	/* ΔE = 0 with activity: rows exist, all zero. */
	fx_init(&f, 2, SEC);
	t = fx_task(&f, 1, 1, 0);
	fx_run(&f, t, 0, SEC);
	f.idle[1] = SEC;
	d.delta_uj = 0;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[0].status, ATTRIB_LEDGER_SPLIT);
	assert_int_equal(r->ledgers[0].nrows, 1);
	assert_int_equal(uj_of(&r->ledgers[0], t), 0);
	assert_int_equal(r->ledgers[0].idle_uj, 0);
	attrib_result_free(r);

	/* ΔE = 0 and nothing recorded, and a sample with no CPUs at all. */
	fx_init(&f, 0, 0);
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[0].status, ATTRIB_LEDGER_NO_TIME);
	assert_int_equal(r->ledgers[0].unattributed_uj, 0);
	assert_int_equal(r->ntasks, 0);
	attrib_result_free(r);

	/* No domains: an empty result. */
	r = split(&f, NULL, 0, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->total_delta_uj, 0);
	attrib_result_free(r);
}

static void test_empty_cpu_set(void **state)
{
	struct fx f;
	struct cpuset none, far;
	struct attrib_domain d[2];
	struct attrib_result *r;
	uint32_t t;

	cpuset_zero(&none);
	far = cpus_range(7, 9); /* CPUs the sample does not have */
	fx_init(&f, 2, SEC);
	t = fx_task(&f, 1, 1, 0);
	fx_run(&f, t, 0, SEC);
	f.idle[1] = SEC;
	d[0] = dom("dram-1", JOULESTAT_DOMAIN_DRAM, &none, 123456, true);
	d[1] = dom("package-3", JOULESTAT_DOMAIN_PACKAGE, &far, 654321, true);
	r = split(&f, d, 2, ATTRIB_IDLE_SEPARATE);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r->ledgers[i].status, ATTRIB_LEDGER_NO_TIME);
		assert_int_equal(r->ledgers[i].nrows, 0);
		assert_int_equal(r->ledgers[i].tasks_uj, 0);
	}
	assert_int_equal(r->ledgers[0].unattributed_uj, 123456);
	assert_int_equal(r->ledgers[1].unattributed_uj, 654321);
	assert_int_equal(r->tasks[t].energy_uj, 0);
	assert_int_equal(r->total_unattributed_uj, 777777);
	attrib_result_free(r);
}

static void test_huge_values(void **state)
{
	struct fx f;
	struct attrib_domain d = dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, 1000000000000000ULL, 1);
	struct attrib_result *r;
	uint32_t a, b;

	/*
	 * ΔE = 10^15 µJ, 10^12 ns per CPU: ΔE × ns = 10^27, far past 2^64.
	 * T = 2·10^12 ns, so each ns is worth exactly 500 µJ:
	 *   A = 10^12 × 500 = 5·10^14; B = 333 333 333 333 × 500 = 166 666 666 666 500;
	 *   idle = 666 666 666 667 × 500 = 333 333 333 333 500.
	 */
	fx_init(&f, 2, 1000 * SEC);
	a = fx_task(&f, 1, 1, 0);
	b = fx_task(&f, 2, 2, 0);
	fx_run(&f, a, 0, 1000000000000ULL);
	fx_run(&f, b, 1, 333333333333ULL);
	f.idle[1] = 666666666667ULL;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_true(uj_of(&r->ledgers[0], a) == 500000000000000ULL);
	assert_true(uj_of(&r->ledgers[0], b) == 166666666666500ULL);
	assert_true(r->ledgers[0].idle_uj == 333333333333500ULL);
	attrib_result_free(r);

	/*
	 * The same under proportional: no lost time, so all 10^15 µJ go to A and
	 * B by busy time, 10^12 : 333 333 333 333 (Σ 1 333 333 333 333):
	 *   A = 10^27 / 1 333 333 333 333 = 750 000 000 000 187.500000000047
	 *   B = 10^15 - that             = 249 999 999 999 812.499999999953
	 * A's remainder is the larger: A 750 000 000 000 188, B 249 999 999 999 812.
	 */
	r = split(&f, &d, 1, ATTRIB_IDLE_PROPORTIONAL);
	assert_true(uj_of(&r->ledgers[0], a) == 750000000000188ULL);
	assert_true(uj_of(&r->ledgers[0], b) == 249999999999812ULL);
	assert_true(r->ledgers[0].idle_uj == 0);
	attrib_result_free(r);

	/* Weights beyond 64 bits: two CPUs of 2^64 - 1 ns each, one busy, one idle: half each. */
	fx_init(&f, 2, SEC);
	a = fx_task(&f, 1, 1, 0);
	fx_run(&f, a, 0, UINT64_MAX);
	f.idle[1] = UINT64_MAX;
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_true(uj_of(&r->ledgers[0], a) == 500000000000000ULL);
	assert_true(r->ledgers[0].idle_uj == 500000000000000ULL);
	assert_true(r->ledgers[0].idle_ns == UINT64_MAX); /* saturated, not wrapped */
	attrib_result_free(r);

	/* ΔE = 2^64 - 1 µJ in one domain, split 1:1:1 (weights 1 s each). */
	fx_init(&f, 3, SEC);
	a = fx_task(&f, 1, 1, 0);
	fx_run(&f, a, 0, SEC);
	f.idle[1] = SEC;
	f.lost[2] = SEC;
	d.delta_uj = UINT64_MAX; /* = 3 × 6 148 914 691 236 517 205 */
	r = split(&f, &d, 1, ATTRIB_IDLE_SEPARATE);
	assert_true(uj_of(&r->ledgers[0], a) == 6148914691236517205ULL);
	assert_true(r->ledgers[0].idle_uj == 6148914691236517205ULL);
	assert_true(r->ledgers[0].unattributed_uj == 6148914691236517205ULL);
	attrib_result_free(r);
}

static void test_gpu_and_process_domains_are_skipped(void **state)
{
	struct fx f;
	struct attrib_domain d[2];
	struct attrib_result *r;
	uint32_t t;

	fx_init(&f, 1, SEC);
	t = fx_task(&f, 1, 1, 0);
	fx_run(&f, t, 0, SEC);
	d[0] = dom("gpu-0", JOULESTAT_DOMAIN_GPU, NULL, 700, false);
	d[1] = dom("process-1", JOULESTAT_DOMAIN_PROCESS, NULL, 300, false);
	r = split(&f, d, 2, ATTRIB_IDLE_SEPARATE);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r->ledgers[i].status, ATTRIB_LEDGER_SKIPPED);
		assert_int_equal(r->ledgers[i].nrows, 0);
	}
	assert_int_equal(r->ledgers[0].unattributed_uj, 700);
	assert_int_equal(r->ledgers[1].unattributed_uj, 300);
	assert_int_equal(r->tasks[t].energy_uj, 0);
	assert_int_equal(r->total_delta_uj, 0);
	assert_string_equal(attrib_ledger_status_name(r->ledgers[0].status), "skipped");
	attrib_result_free(r);
}

static void test_estimated_domains_mark_their_rows(void **state)
{
	struct two_sockets t;
	struct attrib_domain d[2];
	struct attrib_result *r;

	two_sockets_init(&t);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &t.s0, 2000000, true);
	d[1] = dom("model-1", JOULESTAT_DOMAIN_PACKAGE, &t.s1, 3000000, true);
	d[1].estimated = true;
	r = split(&t.f, d, 2, ATTRIB_IDLE_SEPARATE);
	assert_false(r->ledgers[0].estimated);
	assert_true(r->ledgers[1].estimated);
	assert_false(r->tasks[t.a].estimated);
	assert_false(r->tasks[t.b].estimated);
	assert_true(r->tasks[t.c].estimated);
	assert_true(r->tasks[t.d].estimated);
	assert_true(r->total_estimated);
	attrib_result_free(r);
}

/*
 * A refused reading is a gap: status "refused", every part 0 and no row,
 * whatever delta was passed and whatever the policy; the other domain is
 * split as usual, and the host ledger says it lacks the refused one.
 */
static void test_refused_reading_is_a_gap(void **state)
{
	static const enum attrib_idle_policy policies[] = {
		ATTRIB_IDLE_SEPARATE, ATTRIB_IDLE_PROPORTIONAL, ATTRIB_IDLE_BASELINE };
	struct two_sockets t;
	struct attrib_domain d[2];
	struct attrib_result *r;

	for (size_t p = 0; p < ARRAY_SIZE(policies); p++) {
		two_sockets_init(&t);
		d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &t.s0, 2000000, true);
		d[1] = dom("package-1", JOULESTAT_DOMAIN_PACKAGE, &t.s1, 3000000, true);
		d[0].refused = true;
		d[0].static_mw = 500;
		d[0].delta_uj = UINT64_MAX; /* not read: not even for the overflow check */
		r = split(&t.f, d, 2, policies[p]);
		assert_int_equal(r->ledgers[0].status, ATTRIB_LEDGER_REFUSED);
		assert_string_equal(attrib_ledger_status_name(r->ledgers[0].status), "refused");
		assert_int_equal(r->ledgers[0].delta_uj, 0);
		assert_int_equal(r->ledgers[0].tasks_uj + r->ledgers[0].idle_uj +
					 r->ledgers[0].unattributed_uj + r->ledgers[0].static_uj, 0);
		assert_int_equal(r->ledgers[0].nrows, 0);
		assert_int_equal(r->tasks[t.a].energy_uj, 0);
		assert_int_equal(r->tasks[t.b].energy_uj, 0);
		assert_int_equal(r->ledgers[1].status, ATTRIB_LEDGER_SPLIT);
		assert_int_equal(r->total_delta_uj, 3000000);
		assert_true(r->total_refused);
		attrib_result_free(r);
	}
	d[0].refused = false;
	d[0].delta_uj = 2000000;
	r = split(&t.f, d, 2, ATTRIB_IDLE_SEPARATE);
	assert_false(r->total_refused);
	attrib_result_free(r);
}

static void test_bad_input(void **state)
{
	struct two_sockets t;
	struct attrib_domain d;
	static struct attrib_result sentinel;
	struct attrib_result *r = &sentinel; /* must stay untouched on error */

	two_sockets_init(&t);
	d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &t.s0, 1, true);
	assert_int_equal(attrib_split(NULL, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, NULL), -EINVAL);
	assert_int_equal(attrib_split(&t.f.s, NULL, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	assert_int_equal(attrib_split(&t.f.s, &d, 1, (enum attrib_idle_policy)7, &r), -EINVAL);

	d.kind = (enum joulestat_domain_kind)99;
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	d = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, NULL, 1, true); /* per-socket without CPUs */
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	d = dom(NULL, JOULESTAT_DOMAIN_PSYS, NULL, 1, true);
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);

	d = dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, 1, true);
	t.f.rows[0].cpu = 4; /* ncpus is 4 */
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	t.f.rows[0].cpu = 0;
	t.f.rows[0].task = 4; /* ntasks is 4 */
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_SEPARATE, &r), -EINVAL);
	t.f.rows[0].task = 0;
	t.f.s.end_ns = t.f.s.start_ns - 1;
	assert_int_equal(attrib_split(&t.f.s, &d, 1, ATTRIB_IDLE_BASELINE, &r), -EINVAL);
	t.f.s.end_ns = t.f.s.start_ns + SEC;

	struct attrib_domain two[2] = {
		dom("psys", JOULESTAT_DOMAIN_PSYS, NULL, UINT64_MAX, true),
		dom("battery", JOULESTAT_DOMAIN_BATTERY, NULL, 1, true),
	};
	assert_int_equal(attrib_split(&t.f.s, two, 2, ATTRIB_IDLE_SEPARATE, &r), -EOVERFLOW);
	assert_ptr_equal(r, &sentinel);
	/* Not both in the total: fine. */
	two[1].in_total = false;
	r = NULL;
	assert_int_equal(attrib_split(&t.f.s, two, 2, ATTRIB_IDLE_SEPARATE, &r), 0);
	assert_balanced(&r->ledgers[0]);
	assert_null(attrib_result_free(r));
	assert_null(attrib_result_free(NULL));
}

static void test_policy_names(void **state)
{
	enum attrib_idle_policy p = ATTRIB_IDLE_BASELINE;

	assert_string_equal(attrib_idle_policy_name(ATTRIB_IDLE_SEPARATE), "separate");
	assert_string_equal(attrib_idle_policy_name(ATTRIB_IDLE_PROPORTIONAL), "proportional");
	assert_string_equal(attrib_idle_policy_name(ATTRIB_IDLE_BASELINE), "baseline");
	assert_string_equal(attrib_idle_policy_name((enum attrib_idle_policy)9), "unknown");
	assert_int_equal(attrib_idle_policy_from_name("proportional", &p), 0);
	assert_int_equal(p, ATTRIB_IDLE_PROPORTIONAL);
	assert_int_equal(attrib_idle_policy_from_name("separate", &p), 0);
	assert_int_equal(p, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(attrib_idle_policy_from_name("Baseline", &p), -EINVAL);
	assert_int_equal(attrib_idle_policy_from_name("", &p), -EINVAL);
	assert_int_equal(attrib_idle_policy_from_name(NULL, &p), -EINVAL);
	assert_int_equal(p, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(ATTRIB_IDLE_DEFAULT, ATTRIB_IDLE_SEPARATE);
	assert_string_equal(attrib_ledger_status_name(ATTRIB_LEDGER_NO_TIME), "no-time");
}

/* ---- property test ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a fixed sequence on every platform, unlike rand(). */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A value of random magnitude: often 0, sometimes small, sometimes up to 2^bits. */
static uint64_t rnd_mag(unsigned bits)
{
	switch (rnd_below(4)) {
	case 0:
		return 0;
	case 1:
		return rnd_below(1000);
	default:
		return rnd() >> (64 - 1 - rnd_below(bits));
	}
}

/* Every task's energy in ledger `l`, by key, against the same in `o` (a permuted sample). */
static void assert_same_by_key(const struct fx *f, const struct attrib_ledger *l,
			       const struct fx *g, const struct attrib_ledger *o)
{
	assert_int_equal(l->nrows, o->nrows);
	assert_int_equal(l->idle_uj, o->idle_uj);
	assert_int_equal(l->unattributed_uj, o->unattributed_uj);
	for (size_t i = 0; i < l->nrows; i++) {
		const struct task_key *k1 = &f->tasks[l->rows[i].task].key;
		const struct task_key *k2 = &g->tasks[o->rows[i].task].key;

		assert_int_equal(k1->tgid, k2->tgid);
		assert_int_equal(k1->tid, k2->tid);
		assert_int_equal(k1->start_ns, k2->start_ns);
		assert_int_equal(l->rows[i].energy_uj, o->rows[i].energy_uj);
	}
}

/* The obvious Hamilton apportionment: floors, then a full sort of the remainders. */
static int ref_rem_cmp(const void *a, const void *b)
{
	const u128 *x = a, *y = b;	/* [0] remainder, [1] index */

	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static void ref_apportion(uint64_t amount, const uint64_t *w, size_t n, uint64_t *out,
			  u128 (*ref)[2])
{
	u128 total = 0;
	uint64_t given = 0;

	for (size_t i = 0; i < n; i++)
		total += w[i];
	for (size_t i = 0; i < n; i++) {
		out[i] = (uint64_t)((u128)amount * w[i] / total);
		given += out[i];
		ref[i][0] = (u128)amount * w[i] % total;
		ref[i][1] = i;
	}
	qsort(ref, n, sizeof(*ref), ref_rem_cmp);
	for (uint64_t k = 0; k < amount - given; k++)
		out[(size_t)ref[k][1]]++;
}

/*
 * Random apportionments of up to 20 000 slots against the reference:
 * spread weights (the histogram of remainders picks most slots in one
 * pass), weights from a handful of values (whole bins of equal
 * remainders, ties decided by index), weights near 2^62 and amounts near
 * 2^64 (the 128-bit path), and few slots (selection only).
 */
static void test_apportion_random_matches_reference(void **state)
{
	enum { N = 20000 };
	static uint64_t w[N], out[N], want[N];
	static u128 ref[N][2];

	for (int iter = 0; iter < 60; iter++) {
		size_t n = iter % 4 == 3 ? 1 + rnd_below(300) : 1 + rnd_below(N);
		unsigned shape = (unsigned)rnd_below(4);
		uint64_t amount, total = 0;

		for (size_t i = 0; i < n; i++) {
			switch (shape) {
			case 0:		/* nanoseconds of a busy second */
				w[i] = rnd_below(2000000);
				break;
			case 1:		/* a few distinct values, many ties */
				w[i] = 1000 + 37 * rnd_below(5);
				break;
			case 2:		/* huge: Σ stays below 2^64 */
				w[i] = (rnd() >> 1) / N;
				break;
			default:	/* zeros and small ones */
				w[i] = rnd_below(3) ? rnd_below(50) : 0;
				break;
			}
			total += w[i];
		}
		if (total == 0)
			w[0] = total = 1;
		amount = rnd_below(3) == 0 ? rnd() : rnd_below(200000000);
		ref_apportion(amount, w, n, want, ref);
		assert_int_equal(attrib_apportion(amount, w, n, out), 0);
		for (size_t i = 0; i < n; i++)
			if (out[i] != want[i])
				fail_msg("iter %d shape %u n %zu amount %llu: slot %zu got %llu, want %llu",
					 iter, shape, n, (unsigned long long)amount, i,
					 (unsigned long long)out[i], (unsigned long long)want[i]);
	}
	(void)state;
}

/* Two results of one interval are the same, field by field, row by row. */
static void assert_same_result(const struct attrib_result *a, const struct attrib_result *b)
{
	assert_int_equal(a->ntasks, b->ntasks);
	assert_int_equal(a->nledgers, b->nledgers);
	assert_int_equal(a->total_delta_uj, b->total_delta_uj);
	assert_int_equal(a->total_tasks_uj, b->total_tasks_uj);
	assert_int_equal(a->total_idle_uj, b->total_idle_uj);
	assert_int_equal(a->total_unattributed_uj, b->total_unattributed_uj);
	assert_int_equal(a->total_estimated, b->total_estimated);
	if (a->ntasks) {
		assert_memory_equal(a->order, b->order, a->ntasks * sizeof(*a->order));
		assert_memory_equal(a->tasks, b->tasks, a->ntasks * sizeof(*a->tasks));
	}
	for (size_t i = 0; i < a->nledgers; i++) {
		const struct attrib_ledger *x = &a->ledgers[i], *y = &b->ledgers[i];

		assert_int_equal(x->status, y->status);
		assert_int_equal(x->delta_uj, y->delta_uj);
		assert_int_equal(x->tasks_uj, y->tasks_uj);
		assert_int_equal(x->idle_uj, y->idle_uj);
		assert_int_equal(x->unattributed_uj, y->unattributed_uj);
		assert_int_equal(x->busy_ns, y->busy_ns);
		assert_int_equal(x->static_uj, y->static_uj);
		assert_int_equal(x->nrows, y->nrows);
		if (x->nrows)
			assert_memory_equal(x->rows, y->rows, x->nrows * sizeof(*x->rows));
	}
}

/*
 * One workspace kept over intervals that grow from none to 5 000 tasks and
 * shrink again (so it is grown, reused and given back): every result is
 * the one a fresh attrib_split() gives.
 */
/* ---- processes with their own meter ---- */

/*
 * One socket of two CPUs, one second, package ΔE 10 J: process 100 (threads
 * 100: 600 ms on cpu0, 101: 200 ms on cpu1) has its own meter; process 200
 * ran 200 ms on cpu1; idle 400 ms + 600 ms.
 */
struct metered {
	struct fx f;
	struct cpuset s0;
	uint32_t a, a2, b;
};

static void metered_init(struct metered *m)
{
	fx_init(&m->f, 2, SEC);
	m->s0 = cpus_range(0, 1);
	m->a = fx_task(&m->f, 100, 100, 0);
	m->a2 = fx_task(&m->f, 100, 101, 0);
	m->b = fx_task(&m->f, 200, 200, 0);
	fx_run(&m->f, m->a, 0, 600 * MS);
	fx_run(&m->f, m->a2, 1, 200 * MS);
	fx_run(&m->f, m->b, 1, 200 * MS);
	m->f.idle[0] = 400 * MS;
	m->f.idle[1] = 600 * MS;
}

static struct attrib_domain meter_dom(const char *name, uint32_t pid, uint64_t delta_uj)
{
	struct attrib_domain d = dom(name, JOULESTAT_DOMAIN_PROCESS, NULL, delta_uj, false);

	d.pid = pid;
	return d;
}

/*
 * The meter's 3 J replace process 100's CPU-time share (4 J = 10 J × 800 /
 * 2000); the other 7 J are split as if it had not run: process 200 gets
 * 7 J × 200 / 1200, idle 7 J × 1000 / 1200. Its threads share the 3 J by
 * their time, on the package and on its own ledger alike.
 */
static void test_meter_replaces_cpu_time_share(void **state)
{
	struct metered m;
	struct attrib_domain d[2];
	struct attrib_result *r;
	const struct attrib_ledger *pkg, *own;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 10000000, true);
	d[1] = meter_dom("pid-100", 100, 3000000);
	r = split(&m.f, d, 2, ATTRIB_IDLE_SEPARATE);
	pkg = &r->ledgers[0];
	own = &r->ledgers[1];
	assert_int_equal(pkg->status, ATTRIB_LEDGER_SPLIT);
	assert_int_equal(uj_of(pkg, m.a), 2250000);
	assert_int_equal(uj_of(pkg, m.a2), 750000);
	assert_int_equal(uj_of(pkg, m.b), 1166667);
	assert_int_equal(pkg->idle_uj, 5833333);
	assert_int_equal(pkg->unattributed_uj, 0);
	assert_int_equal(pkg->measured_uj, 3000000);
	assert_false(pkg->measured_capped);
	/* The time is still all there: the split only moved energy. */
	assert_int_equal(pkg->busy_ns, 1000 * MS);
	assert_int_equal(pkg->idle_ns, 1000 * MS);
	/* Its own ledger: split between its threads, none unattributed. */
	assert_int_equal(own->status, ATTRIB_LEDGER_SPLIT);
	assert_string_equal(attrib_ledger_status_name(own->status), "split");
	assert_int_equal(own->nrows, 2);
	assert_int_equal(uj_of(own, m.a), 2250000);
	assert_int_equal(uj_of(own, m.a2), 750000);
	assert_int_equal(own->unattributed_uj, 0);
	assert_int_equal(own->measured_uj, 3000000);
	/* Task totals: the meter for process 100, no double count, the host ledger exact. */
	assert_int_equal(r->tasks[m.a].energy_uj + r->tasks[m.a2].energy_uj, 3000000);
	assert_true(r->tasks[m.a].measured && r->tasks[m.a2].measured);
	assert_false(r->tasks[m.b].measured);
	assert_int_equal(r->tasks[m.b].energy_uj, 1166667);
	assert_int_equal(r->total_delta_uj, 10000000);
	assert_int_equal(r->total_tasks_uj, 4166667);
	assert_int_equal(r->total_idle_uj, 5833333);
	attrib_result_free(r);
}

/* Without a pid (a meter not known over the whole interval) nothing changes. */
static void test_meter_without_pid_is_skipped(void **state)
{
	struct metered m;
	struct attrib_domain d[2];
	struct attrib_result *r;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 10000000, true);
	d[1] = meter_dom("pid-100", 0, 3000000);
	r = split(&m.f, d, 2, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[1].status, ATTRIB_LEDGER_SKIPPED);
	assert_int_equal(r->ledgers[1].unattributed_uj, 3000000);
	assert_int_equal(uj_of(&r->ledgers[0], m.a), 3000000);
	assert_int_equal(uj_of(&r->ledgers[0], m.b), 1000000);
	assert_int_equal(r->ledgers[0].measured_uj, 0);
	assert_false(r->tasks[m.a].measured);
	attrib_result_free(r);
}

/* A metered process that did not run: its own ledger keeps its energy unattributed. */
static void test_meter_of_absent_process(void **state)
{
	struct metered m;
	struct attrib_domain d[2];
	struct attrib_result *r;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 10000000, true);
	d[1] = meter_dom("pid-300", 300, 500000);
	r = split(&m.f, d, 2, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[1].status, ATTRIB_LEDGER_NO_TIME);
	assert_int_equal(r->ledgers[1].unattributed_uj, 500000);
	assert_int_equal(r->ledgers[1].nrows, 0);
	assert_int_equal(uj_of(&r->ledgers[0], m.b), 1000000);
	assert_int_equal(r->ledgers[0].measured_uj, 0);
	attrib_result_free(r);
}

/* Meters that exceed the domain's ΔE are cut to it: the others get nothing. */
static void test_meter_above_delta_is_capped(void **state)
{
	struct metered m;
	struct attrib_domain d[2];
	struct attrib_result *r;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 10000000, true);
	d[1] = meter_dom("pid-100", 100, 12000000);
	r = split(&m.f, d, 2, ATTRIB_IDLE_SEPARATE);
	assert_true(r->ledgers[0].measured_capped);
	assert_int_equal(r->ledgers[0].measured_uj, 10000000);
	assert_int_equal(uj_of(&r->ledgers[0], m.a), 7500000);
	assert_int_equal(uj_of(&r->ledgers[0], m.a2), 2500000);
	assert_int_equal(uj_of(&r->ledgers[0], m.b), 0);
	assert_int_equal(r->ledgers[0].idle_uj, 0);
	/* Its own ledger still shows what its meter said. */
	assert_int_equal(r->ledgers[1].tasks_uj, 12000000);
	attrib_result_free(r);
}

/*
 * Two in-total domains over the same CPUs (package 8 J, dram 2 J): the meter
 * goes to each in proportion to the process's CPU-time share there (3.2 J
 * and 0.8 J), 2.4 J and 0.6 J.
 */
static void test_meter_spread_over_host_domains(void **state)
{
	struct metered m;
	struct attrib_domain d[3];
	struct attrib_result *r;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 8000000, true);
	d[1] = dom("dram-0", JOULESTAT_DOMAIN_DRAM, &m.s0, 2000000, true);
	d[2] = meter_dom("pid-100", 100, 3000000);
	r = split(&m.f, d, 3, ATTRIB_IDLE_SEPARATE);
	assert_int_equal(r->ledgers[0].measured_uj, 2400000);
	assert_int_equal(r->ledgers[1].measured_uj, 600000);
	assert_int_equal(uj_of(&r->ledgers[0], m.a) + uj_of(&r->ledgers[0], m.a2), 2400000);
	assert_int_equal(uj_of(&r->ledgers[1], m.a) + uj_of(&r->ledgers[1], m.a2), 600000);
	/* The rest of each: 5.6 J and 1.4 J, process 200 a sixth of it. */
	assert_int_equal(uj_of(&r->ledgers[0], m.b), 933333);
	assert_int_equal(uj_of(&r->ledgers[1], m.b), 233333);
	assert_int_equal(r->tasks[m.a].energy_uj + r->tasks[m.a2].energy_uj, 3000000);
	attrib_result_free(r);
}

/*
 * Under baseline (3 W static): the rest, 7 J, keeps the static 3 J on the idle
 * row and the 4 J dynamic go to process 200, the only other busy task.
 * Under a modelled (estimated) host domain the meter's share is measured.
 */
static void test_meter_under_baseline_and_model(void **state)
{
	struct metered m;
	struct attrib_domain d[2];
	struct attrib_result *r;

	metered_init(&m);
	d[0] = dom("package-0", JOULESTAT_DOMAIN_PACKAGE, &m.s0, 10000000, true);
	d[0].static_mw = 3000;
	d[0].estimated = true;
	d[1] = meter_dom("pid-100", 100, 3000000);
	r = split(&m.f, d, 2, ATTRIB_IDLE_BASELINE);
	assert_int_equal(r->ledgers[0].idle_uj, 3000000);
	assert_int_equal(uj_of(&r->ledgers[0], m.b), 4000000);
	assert_int_equal(r->tasks[m.a].energy_uj + r->tasks[m.a2].energy_uj, 3000000);
	assert_false(r->tasks[m.a].estimated);
	assert_true(r->tasks[m.b].estimated);
	assert_true(r->total_estimated);
	attrib_result_free(r);
}

/*
 * Random intervals with random meters: every ledger balances, task totals
 * are their in-total rows, a metered process that ran on the host's CPUs
 * and was not cut gets exactly its meter, and the order of the tasks in the
 * sample changes nothing.
 */
static void test_meters_random(void **state)
{
	static struct fx f, g;
	struct cpuset sets[6];
	struct attrib_domain d[6];
	unsigned long long exact = 0;

	for (int iter = 0; iter < 3000; iter++) {
		unsigned ncpus = 1 + (unsigned)rnd_below(MAXC);
		unsigned ntasks = 1 + (unsigned)rnd_below(20), nrows = (unsigned)rnd_below(60);
		unsigned ndom = 2 + (unsigned)rnd_below(5);
		enum attrib_idle_policy p = (enum attrib_idle_policy)rnd_below(3);
		struct attrib_result *r, *r2;

		fx_init(&f, ncpus, SEC);
		for (unsigned i = 0; i < ntasks; i++)
			fx_task(&f, 1 + (uint32_t)rnd_below(6), i, rnd_below(3));
		for (unsigned i = 0; i < nrows; i++)
			fx_run(&f, (uint32_t)rnd_below(ntasks), (unsigned)rnd_below(ncpus),
			       rnd_mag(32));
		for (unsigned c = 0; c < ncpus; c++) {
			f.idle[c] = rnd_mag(32);
			f.lost[c] = rnd_below(3) ? 0 : rnd_mag(32);
		}
		for (unsigned i = 0; i < ndom; i++) {
			cpuset_zero(&sets[i]);
			for (unsigned c = 0; c < MAXC; c++)
				if (rnd_below(2))
					cpuset_set(&sets[i], c);
			if (rnd_below(2)) {
				d[i] = meter_dom("m", 1 + (uint32_t)rnd_below(8), rnd_mag(40));
			} else {
				d[i] = dom("d", rnd_below(2) ? JOULESTAT_DOMAIN_PACKAGE
							    : JOULESTAT_DOMAIN_PSYS,
					   &sets[i], rnd_mag(44), rnd_below(3) != 0);
				d[i].static_mw = rnd_mag(16);
			}
		}
		r = split(&f, d, ndom, p);
		for (unsigned t = 0; t < ntasks; t++) {
			u128 sum = 0;

			for (unsigned i = 0; i < ndom; i++)
				for (size_t k = 0; k < r->ledgers[i].nrows; k++)
					if (r->ledgers[i].in_total && r->ledgers[i].rows[k].task == t)
						sum += r->ledgers[i].rows[k].energy_uj;
			assert_true(sum == r->tasks[t].energy_uj);
		}
		/* A meter (the first of its pid) whose process is in every ledger it was in, uncut. */
		for (unsigned i = 0; i < ndom; i++) {
			bool first = true, capped = false, placed = false;
			u128 got = 0;

			if (d[i].kind != JOULESTAT_DOMAIN_PROCESS ||
			    r->ledgers[i].status != ATTRIB_LEDGER_SPLIT)
				continue;
			for (unsigned j = 0; j < i; j++)
				first &= !(d[j].kind == JOULESTAT_DOMAIN_PROCESS && d[j].pid == d[i].pid);
			assert_true(first);
			for (unsigned j = 0; j < ndom; j++) {
				const struct attrib_ledger *l = &r->ledgers[j];

				if (!l->in_total || l->status != ATTRIB_LEDGER_SPLIT)
					continue;
				for (size_t k = 0; k < l->nrows; k++)
					if (f.tasks[l->rows[k].task].key.tgid == d[i].pid) {
						placed = true;
						capped |= l->measured_capped;
						got += l->rows[k].energy_uj;
					}
			}
			if (placed && !capped) {
				assert_true(got == d[i].delta_uj);
				exact++;
			}
		}
		g = f;
		g.s.idle_ns = g.idle;
		g.s.lost_ns = g.lost;
		g.s.tasks = g.tasks;
		g.s.rows = g.rows;
		for (unsigned i = 0; i < ntasks; i++)
			g.tasks[i] = f.tasks[ntasks - 1 - i];
		for (size_t k = 0; k < g.s.nrows; k++)
			g.rows[k].task = ntasks - 1 - f.rows[k].task;
		r2 = split(&g, d, ndom, p);
		for (unsigned i = 0; i < ndom; i++)
			assert_same_by_key(&f, &r->ledgers[i], &g, &r2->ledgers[i]);
		attrib_result_free(r2);
		attrib_result_free(r);
	}
	assert_true(exact > 500);
}

static void test_workspace_reused_over_intervals(void **state)
{
	static const size_t sizes[] = { 0, 3, 5000, 4000, 12, 5000, 0, 700, 1, 2500 };
	enum { WS_MAXT = 5000 };
	static struct activity_task tasks[WS_MAXT];
	static struct activity_row rows[2 * WS_MAXT];
	uint64_t idle[4], lost[4], irq[4];
	struct cpuset s0;
	struct attrib_ws *ws;

	assert_int_equal(attrib_ws_new(&ws), 0);
	assert_int_equal(attrib_ws_new(NULL), -EINVAL);
	cpuset_zero(&s0);
	cpuset_set(&s0, 0);
	cpuset_set(&s0, 2);
	for (size_t it = 0; it < ARRAY_SIZE(sizes); it++) {
		size_t nt = sizes[it], nr = 0;
		struct activity_sample smp;
		struct attrib_domain d[3] = {
			{ .name = "package-0", .kind = JOULESTAT_DOMAIN_PACKAGE, .cpus = &s0,
			  .delta_uj = rnd_below(1ULL << 32), .static_mw = rnd_below(5000) },
			{ .name = "dram-0", .kind = JOULESTAT_DOMAIN_DRAM, .cpus = &s0,
			  .delta_uj = rnd_below(1ULL << 20), .in_total = true },
			{ .name = "psys", .kind = JOULESTAT_DOMAIN_PSYS, .in_total = true,
			  .delta_uj = rnd_below(1ULL << 33) },
		};
		enum attrib_idle_policy p = (enum attrib_idle_policy)(it % 3);
		struct attrib_result *want, *got;

		for (size_t i = 0; i < nt; i++) {
			tasks[i].key = (struct task_key){ (uint32_t)rnd_below(3000),
							  (uint32_t)rnd_below(3000), rnd() };
			for (unsigned k = 0; k < 1 + (i % 2); k++)
				rows[nr++] = (struct activity_row){ (uint32_t)rnd_below(4), (uint32_t)i,
								    rnd_below(100000000) };
		}
		for (int c = 0; c < 4; c++) {
			idle[c] = rnd_below(1000000000);
			lost[c] = rnd_below(3) ? 0 : rnd_below(1000000);
			irq[c] = rnd_below(1000000);
		}
		smp = (struct activity_sample){ .start_ns = 0, .end_ns = 1000000000, .ncpus = 4,
						.idle_ns = idle, .lost_ns = lost, .irq_ns = irq,
						.tasks = tasks, .ntasks = nt, .rows = rows, .nrows = nr };
		assert_int_equal(attrib_split(&smp, d, 3, p, &want), 0);
		assert_int_equal(attrib_split_ws(ws, &smp, d, 3, p, &got), 0);
		assert_same_result(want, got);
		attrib_result_free(want);
		attrib_result_free(got);
	}
	assert_int_equal(attrib_split_ws(NULL, &(struct activity_sample){ 0 }, NULL, 0,
					 ATTRIB_IDLE_SEPARATE, &(struct attrib_result *){ NULL }),
			 -EINVAL);
	assert_null(attrib_ws_free(ws));
	assert_null(attrib_ws_free(NULL));
	(void)state;
}

static void test_random_intervals_balance(void **state)
{
	static const enum joulestat_domain_kind kinds[] = {
		JOULESTAT_DOMAIN_PACKAGE, JOULESTAT_DOMAIN_CORE,  JOULESTAT_DOMAIN_DRAM,
		JOULESTAT_DOMAIN_PSYS,	  JOULESTAT_DOMAIN_BATTERY, JOULESTAT_DOMAIN_GPU,
	};
	static struct fx f, g;
	struct cpuset sets[6];
	struct attrib_domain d[6];
	unsigned long long splits = 0, rounded = 0;

	for (int iter = 0; iter < 10000; iter++) {
		unsigned ncpus = 1 + (unsigned)rnd_below(MAXC);
		unsigned ntasks = (unsigned)rnd_below(20), nrows = (unsigned)rnd_below(60);
		unsigned ndom = 1 + (unsigned)rnd_below(6);
		unsigned bits = rnd_below(8) ? 40 : 63; /* mostly real-sized, sometimes absurd */
		enum attrib_idle_policy p = (enum attrib_idle_policy)rnd_below(3);
		struct attrib_result *r, *r2;
		u128 in_total = 0;

		fx_init(&f, ncpus, rnd_mag(40));
		for (unsigned i = 0; i < ntasks; i++)
			fx_task(&f, (uint32_t)rnd_below(50), i, rnd_below(3)); /* unique keys */
		for (unsigned i = 0; ntasks && i < nrows; i++)
			fx_run(&f, (uint32_t)rnd_below(ntasks), (unsigned)rnd_below(ncpus),
			       rnd_mag(bits));
		for (unsigned c = 0; c < ncpus; c++) {
			f.idle[c] = rnd_mag(bits);
			f.lost[c] = rnd_below(3) ? 0 : rnd_mag(bits);
		}
		for (unsigned i = 0; i < ndom; i++) {
			cpuset_zero(&sets[i]);
			for (unsigned c = 0; c < MAXC; c++)
				if (rnd_below(2))
					cpuset_set(&sets[i], c);
			d[i] = dom("d", kinds[rnd_below(ARRAY_SIZE(kinds))], &sets[i],
				   rnd_below(4) ? rnd_mag(50) : rnd_mag(60), rnd_below(2));
			d[i].static_mw = rnd_mag(20);
			d[i].estimated = rnd_below(2);
			if (d[i].in_total)
				in_total += d[i].delta_uj;
		}
		assert_true(in_total <= UINT64_MAX);

		r = split(&f, d, ndom, p);
		for (unsigned i = 0; i < ndom; i++) {
			const struct attrib_ledger *l = &r->ledgers[i];
			u128 busy = 0, idle = 0, lost = 0, tot;
			bool machine = d[i].kind == JOULESTAT_DOMAIN_PSYS ||
				       d[i].kind == JOULESTAT_DOMAIN_BATTERY;

			if (d[i].kind == JOULESTAT_DOMAIN_GPU) {
				assert_int_equal(l->status, ATTRIB_LEDGER_SKIPPED);
				assert_true(l->unattributed_uj == l->delta_uj);
				continue;
			}
			/* Recompute the time on the domain's CPUs by brute force. */
			for (unsigned c = 0; c < ncpus; c++) {
				if (!machine && !cpuset_test(&sets[i], c))
					continue;
				idle += f.idle[c];
				lost += f.lost[c];
			}
			for (size_t k = 0; k < f.s.nrows; k++)
				if (machine || cpuset_test(&sets[i], f.rows[k].cpu))
					busy += f.rows[k].ns;
			tot = busy + idle + lost;
			assert_int_equal(l->status,
					 tot ? ATTRIB_LEDGER_SPLIT : ATTRIB_LEDGER_NO_TIME);
			if (!tot || p != ATTRIB_IDLE_SEPARATE || tot > ((u128)1 << 62))
				continue;
			/*
			 * separate, exact weights: every row within one µJ above its
			 * floor, and the rows that got the extra µJ have remainders at
			 * least as large as those that did not (largest remainder).
			 */
			u128 min_up = ~(u128)0, max_flat = 0, rem;

			splits++;
			for (size_t k = 0; k < l->nrows; k++) {
				u128 b = 0, fl;

				for (size_t j = 0; j < f.s.nrows; j++)
					if (f.rows[j].task == l->rows[k].task &&
					    (machine || cpuset_test(&sets[i], f.rows[j].cpu)))
						b += f.rows[j].ns;
				assert_true(b == l->rows[k].busy_ns);
				fl = (u128)l->delta_uj * b / tot;
				assert_true(l->rows[k].energy_uj == fl ||
					    l->rows[k].energy_uj == fl + 1);
				rounded += l->rows[k].energy_uj != fl;
				rem = (u128)l->delta_uj * b % tot;
				if (l->rows[k].energy_uj != fl)
					min_up = rem < min_up ? rem : min_up;
				else
					max_flat = rem > max_flat ? rem : max_flat;
			}
			assert_true(l->idle_uj - (u128)l->delta_uj * idle / tot <= 1);
			assert_true(l->unattributed_uj - (u128)l->delta_uj * lost / tot <= 1);
			rem = (u128)l->delta_uj * idle % tot;
			if (l->idle_uj != (u128)l->delta_uj * idle / tot)
				min_up = rem < min_up ? rem : min_up;
			else
				max_flat = rem > max_flat ? rem : max_flat;
			rem = (u128)l->delta_uj * lost % tot;
			if (l->unattributed_uj != (u128)l->delta_uj * lost / tot)
				min_up = rem < min_up ? rem : min_up;
			else
				max_flat = rem > max_flat ? rem : max_flat;
			assert_true(min_up == ~(u128)0 || min_up >= max_flat);
		}
		/* Task totals are the sum of their in_total rows. */
		for (unsigned t = 0; t < ntasks; t++) {
			u128 sum = 0;

			for (unsigned i = 0; i < ndom; i++)
				for (size_t k = 0; k < r->ledgers[i].nrows; k++)
					if (r->ledgers[i].in_total &&
					    r->ledgers[i].rows[k].task == t)
						sum += r->ledgers[i].rows[k].energy_uj;
			assert_true(sum == r->tasks[t].energy_uj);
		}
		assert_true(r->total_delta_uj == in_total);

		/* The interval with its tasks listed in reverse: the same split, by key. */
		g = f;
		g.s.idle_ns = g.idle;
		g.s.lost_ns = g.lost;
		g.s.tasks = g.tasks;
		g.s.rows = g.rows;
		for (unsigned i = 0; i < ntasks; i++)
			g.tasks[i] = f.tasks[ntasks - 1 - i];
		for (size_t k = 0; k < g.s.nrows; k++)
			g.rows[k].task = ntasks - 1 - f.rows[k].task;
		r2 = split(&g, d, ndom, p);
		for (unsigned i = 0; i < ndom; i++)
			assert_same_by_key(&f, &r->ledgers[i], &g, &r2->ledgers[i]);
		attrib_result_free(r2);
		attrib_result_free(r);
	}
	/* The checks above must have had something to check. */
	assert_true(splits > 5000);
	assert_true(rounded > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_sockets_split_per_socket),
		cmocka_unit_test(test_task_on_both_sockets),
		cmocka_unit_test(test_policy_separate),
		cmocka_unit_test(test_policy_proportional),
		cmocka_unit_test(test_policy_proportional_without_busy_task_stays_idle),
		cmocka_unit_test(test_policy_baseline),
		cmocka_unit_test(test_policy_baseline_static_capped_at_delta),
		cmocka_unit_test(test_policy_baseline_all_idle),
		cmocka_unit_test(test_psys_and_packages_split_independently),
		cmocka_unit_test(test_rounding_ties_go_to_lowest_task_key),
		cmocka_unit_test(test_rounding_largest_remainder_beats_key),
		cmocka_unit_test(test_apportion),
		cmocka_unit_test(test_apportion_many_slots_matches_sorted_reference),
		cmocka_unit_test(test_lost_time_is_unattributed),
		cmocka_unit_test(test_irq_time_is_unattributed),
		cmocka_unit_test(test_empty_interval),
		cmocka_unit_test(test_empty_cpu_set),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_gpu_and_process_domains_are_skipped),
		cmocka_unit_test(test_estimated_domains_mark_their_rows),
		cmocka_unit_test(test_refused_reading_is_a_gap),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_random_intervals_balance),
		cmocka_unit_test(test_apportion_random_matches_reference),
		cmocka_unit_test(test_workspace_reused_over_intervals),
		cmocka_unit_test(test_meter_replaces_cpu_time_share),
		cmocka_unit_test(test_meter_without_pid_is_skipped),
		cmocka_unit_test(test_meter_of_absent_process),
		cmocka_unit_test(test_meter_above_delta_is_capped),
		cmocka_unit_test(test_meter_spread_over_host_domains),
		cmocka_unit_test(test_meter_under_baseline_and_model),
		cmocka_unit_test(test_meters_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
