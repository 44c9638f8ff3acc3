/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * attrib.c - attribution: each domain's ΔE split between tasks, idle and
 * unattributed in integer µJ, so that every ledger balances exactly.
 *
 * The split is a largest-remainder (Hamilton) apportionment of ΔE over
 * integer weights (nanoseconds), computed with 128-bit intermediates:
 * ΔE (up to 2^64 µJ) × weight (up to 2^64 ns) needs 128 bits, and
 * floating point would lose microjoules on large counters. Ties between
 * equal remainders go to the earlier slot, and slots are laid out in task
 * key order, so the result does not depend on the order of the sample's
 * tasks. See docs/attribution.md for the rules and worked examples.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "radix.h"
#include "util.h"

typedef unsigned __int128 u128;

const char *attrib_idle_policy_name(enum attrib_idle_policy p)
{
	switch (p) {
	case ATTRIB_IDLE_SEPARATE:
		return "separate";
	case ATTRIB_IDLE_PROPORTIONAL:
		return "proportional";
	case ATTRIB_IDLE_BASELINE:
		return "baseline";
	}
	return "unknown";
}

int attrib_idle_policy_from_name(const char *name, enum attrib_idle_policy *ret)
{
	static const enum attrib_idle_policy all[] = {
		ATTRIB_IDLE_SEPARATE,
		ATTRIB_IDLE_PROPORTIONAL,
		ATTRIB_IDLE_BASELINE,
	};

	if (!name || !ret)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (strcmp(name, attrib_idle_policy_name(all[i])) == 0) {
			*ret = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *attrib_ledger_status_name(enum attrib_ledger_status s)
{
	switch (s) {
	case ATTRIB_LEDGER_SPLIT:
		return "split";
	case ATTRIB_LEDGER_NO_TIME:
		return "no-time";
	case ATTRIB_LEDGER_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

/* How a domain kind chooses its CPUs. */
enum scope {
	SCOPE_SOCKET,		/* the domain's own CPU set */
	SCOPE_MACHINE,		/* every CPU of the sample */
	SCOPE_SKIP,		/* not described by CPU time */
	SCOPE_INVALID,
};

static enum scope kind_scope(enum joulestat_domain_kind kind)
{
	switch (kind) {
	case JOULESTAT_DOMAIN_PACKAGE:
	case JOULESTAT_DOMAIN_CORE:
	case JOULESTAT_DOMAIN_UNCORE:
	case JOULESTAT_DOMAIN_DRAM:
		return SCOPE_SOCKET;
	case JOULESTAT_DOMAIN_PSYS:
	case JOULESTAT_DOMAIN_PLATFORM:
	case JOULESTAT_DOMAIN_BATTERY:
	case JOULESTAT_DOMAIN_HOST:
		return SCOPE_MACHINE;
	case JOULESTAT_DOMAIN_GPU:
		/* Split by per-process GPU activity, which a sample does not carry. */
	case JOULESTAT_DOMAIN_PROCESS:
		/* Already one process's energy: nothing to split by CPU time. */
		return SCOPE_SKIP;
	}
	return SCOPE_INVALID;
}

/*
 * One slot competing for a leftover µJ. All slots of one apportionment share
 * the denominator W <= UINT64_MAX, so remainders (< W) fit in 64 bits and
 * compare as fractions directly.
 */
struct rem_slot {
	uint64_t rem;
	size_t idx;
};

/* The order in which leftover µJ are handed out: larger remainder, then lower index. */
static bool rem_before(const struct rem_slot *x, const struct rem_slot *y)
{
	return x->rem != y->rem ? x->rem > y->rem : x->idx < y->idx;
}

static int rem_slot_cmp(const void *a, const void *b)
{
	return rem_before(a, b) ? -1 : rem_before(b, a);
}

static void rem_swap(struct rem_slot *a, struct rem_slot *b)
{
	struct rem_slot t = *a;

	*a = *b;
	*b = t;
}

/*
 * Reorder s[0..n) so that its first k entries are the k first in
 * rem_before() order (in any order among themselves): quickselect, O(n) on
 * average where a full sort of every domain's tasks was the bulk of an
 * interval's cost. The order is total (indices are unique), so the chosen
 * set is the same as a sort would give. A budget of passes bounds
 * adversarial inputs: past it, the rest is sorted.
 */
static void rem_select(struct rem_slot *s, size_t n, size_t k)
{
	unsigned budget = 64;

	while (k > 0 && k < n) {
		size_t mid = n / 2, store = 0;
		struct rem_slot pivot;

		if (budget-- == 0) {
			qsort(s, n, sizeof(*s), rem_slot_cmp);
			return;
		}
		/* Median of first, middle and last as pivot, moved to the end. */
		if (rem_before(&s[mid], &s[0]))
			rem_swap(&s[mid], &s[0]);
		if (rem_before(&s[n - 1], &s[0]))
			rem_swap(&s[n - 1], &s[0]);
		if (rem_before(&s[mid], &s[n - 1]))
			rem_swap(&s[mid], &s[n - 1]);
		pivot = s[n - 1];
		for (size_t i = 0; i + 1 < n; i++)
			if (rem_before(&s[i], &pivot))
				rem_swap(&s[i], &s[store++]);
		rem_swap(&s[store], &s[n - 1]);
		/* s[0..store) come before the pivot, s[store] is it, the rest after. */
		if (k <= store) {
			n = store;
		} else {
			s += store + 1;
			n -= store + 1;
			k -= store + 1;
		}
	}
}

/* Below this many remainders, selection alone is as quick as a histogram pass. */
#define REM_HIST_MIN 256
#define REM_HIST_BITS 11

/* The shift that brings a remainder (< w) to a histogram bin of rem_give(). */
static unsigned rem_hist_shift(uint64_t w)
{
	unsigned bits = 64 - (unsigned)__builtin_clzll(w);

	return bits > REM_HIST_BITS ? bits - REM_HIST_BITS : 0;
}

/*
 * Give one more µJ to each of the k slots of s[0..n) that come first in
 * rem_before() order (0 < k < n; every remainder < w). A histogram of the
 * remainders' top REM_HIST_BITS bits, relative to w, finds the bin where the
 * k-th largest lies: every slot in a higher bin has a larger remainder than
 * any slot in it or below, so those are given their µJ in one pass, and
 * only the boundary bin's slots - about n / 2048 for the evenly spread
 * remainders of real intervals - go through rem_select(). The same slots as
 * a full sort would pick; at 10 000 tasks, selection over all of them was
 * most of the apportionment's cost. Reorders s.
 *
 * hist: NULL, or the histogram of s's remainders shifted right by `shift`,
 * which the caller built while it computed them (rem_hist_shift()).
 */
static void rem_give(struct rem_slot *s, size_t n, size_t k, const uint32_t *hist,
		     unsigned shift, uint64_t *out)
{
	size_t above = 0, nb = 0;
	unsigned b;

	if (!hist) {
		rem_select(s, n, k);
		for (size_t i = 0; i < k; i++)
			out[s[i].idx]++;
		return;
	}
	/* The boundary bin b: fewer than k slots above it, at least k from it up. */
	for (b = (1u << REM_HIST_BITS) - 1; above + hist[b] < k; b--)
		above += hist[b];
	/* Without branches: about half the slots are above b, in no order a predictor learns. */
	for (size_t i = 0; i < n; i++) {
		unsigned bin = (unsigned)(s[i].rem >> shift);

		out[s[i].idx] += bin > b;
		s[nb] = s[i];	/* nb <= i: compacts in place, in index order */
		nb += bin == b;
	}
	rem_select(s, nb, k - above);
	for (size_t i = 0; i < k - above; i++)
		out[s[i].idx]++;
}

/*
 * Hamilton apportionment with caller-provided scratch (n entries). W is
 * Σ weight, > 0 and <= UINT64_MAX, so amount × weight fits in 128 bits and
 * every remainder is < W.
 */
static void apportion(uint64_t amount, const uint64_t *weight, size_t n, uint64_t total_w,
		      uint64_t *out, struct rem_slot *scratch)
{
	uint32_t hist_buf[1u << REM_HIST_BITS], *hist = NULL;
	unsigned shift = rem_hist_shift(total_w);
	uint64_t given = 0, left, max_w = 0;
	size_t nrem = 0;

	for (size_t i = 0; i < n; i++)
		max_w = MAX(max_w, weight[i]);
	if (max_w == 0 || amount <= UINT64_MAX / max_w) {
		/*
		 * The usual case (an interval's µJ times its ns fit in 64 bits):
		 * the same quotients and remainders without 128-bit division,
		 * which was most of the cost at 10 000 tasks; and without
		 * 64-bit division either: q is estimated with the reciprocal
		 * inv = floor((2^64 - 1) / W), which gives floor(p / W) - 2 <=
		 * estimate <= floor(p / W), and then corrected exactly (two
		 * steps at most) from the remainder.
		 */
		uint64_t inv = UINT64_MAX / total_w;

		if (n >= REM_HIST_MIN) {
			hist = hist_buf;
			memset(hist, 0, sizeof(hist_buf));
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t p = amount * weight[i], q = (uint64_t)(((u128)p * inv) >> 64);
			uint64_t r = p - q * total_w;

			if (r >= total_w) {
				r -= total_w;
				q++;
			}
			if (r >= total_w) {
				r -= total_w;
				q++;
			}
			out[i] = q;
			given += q;
			if (r) {
				scratch[nrem++] = (struct rem_slot){ .rem = r, .idx = i };
				if (hist)
					hist[r >> shift]++;
			}
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			u128 p = (u128)amount * weight[i];
			uint64_t q = (uint64_t)(p / total_w);

			out[i] = q;
			given += q;
			if (p - (u128)q * total_w)
				scratch[nrem++] = (struct rem_slot){
					.rem = (uint64_t)(p - (u128)q * total_w),
					.idx = i,
				};
		}
	}
	/*
	 * Σ remainders == left × W with each remainder < W, so more than `left`
	 * slots have a remainder: the leftover always lands on real shares,
	 * never on a zero-weight slot.
	 */
	left = amount - given;
	if (left == 0)
		return;
	/* A histogram is worth its pass only over many remainders; build it here otherwise. */
	if (!hist && nrem >= REM_HIST_MIN) {
		hist = hist_buf;
		memset(hist, 0, sizeof(hist_buf));
		for (size_t i = 0; i < nrem; i++)
			hist[scratch[i].rem >> shift]++;
	}
	rem_give(scratch, nrem, (size_t)left, nrem >= REM_HIST_MIN ? hist : NULL, shift, out);
}

int attrib_apportion(uint64_t amount_uj, const uint64_t *weight, size_t n, uint64_t *out)
{
	struct rem_slot *scratch;
	uint64_t *tmp;
	u128 total = 0;

	if (!weight || !out || n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		total += weight[i];
	if (total == 0 || total > UINT64_MAX)
		return -EINVAL;
	scratch = calloc(n, sizeof(*scratch));
	tmp = calloc(n, sizeof(*tmp));
	if (!scratch || !tmp) {
		free(scratch);
		free(tmp);
		return -ENOMEM;
	}
	apportion(amount_uj, weight, n, (uint64_t)total, tmp, scratch);
	memcpy(out, tmp, n * sizeof(*out));
	free(scratch);
	free(tmp);
	return 0;
}

static uint64_t sat_u64(u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/*
 * Working memory of attrib_split(), sized for the sample and reused per
 * domain; kept between intervals by attrib_split_ws() callers, so that an
 * interval at 10 000 tasks does not allocate (and fault in) a few MB of
 * fresh memory each time.
 */
struct attrib_ws {
	size_t cap;		/* tasks the arrays below hold */
	uint32_t *order;	/* [cap] task indices in key order */
	uint32_t *rank;		/* [cap] a task's position in key order: order[rank[t]] == t */
	u128 *busy;		/* [cap] by rank: Σ ns on the current domain's CPUs */
	uint32_t *slot_task;	/* [cap] tasks with busy time, in key order */
	u128 *slot_busy;	/* [cap] their busy time */
	uint64_t *w;		/* [cap + 2] weights */
	uint64_t *out;		/* [cap + 2] apportioned µJ */
	struct rem_slot *rem;	/* [cap + 2] */
	/*
	 * The sort's keys and scratch live only while work_init() sorts, and
	 * share memory with the arrays the split uses afterwards: keys with
	 * w and out (one block), the radix scratch with busy, slot_busy and
	 * rem (another), so that the workspace kept between intervals is
	 * about 80 bytes per task rather than 140.
	 */
	struct radix_key *keys;	/* [cap], over w and out */
	void *radix;		/* radix_scratch_size(cap) bytes, over busy, slot_busy and rem */
	/* slot_task/slot_busy and these describe the CPU set of the last domain split. */
	bool cached;
	enum scope cached_scope;
	struct cpuset cached_cpus;
	size_t cached_m;
	u128 cached_busy, cached_idle, cached_lost, cached_irq;
};

static void ws_release(struct attrib_ws *w)
{
	free(w->order);
	free(w->rank);
	free(w->slot_task);
	free(w->w);		/* and out, keys */
	free(w->radix);		/* and busy, slot_busy, rem */
	memset(w, 0, sizeof(*w));
}

int attrib_ws_new(struct attrib_ws **ret)
{
	struct attrib_ws *ws;

	if (!ret)
		return -EINVAL;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	*ret = ws;
	return 0;
}

struct attrib_ws *attrib_ws_free(struct attrib_ws *ws)
{
	if (ws) {
		ws_release(ws);
		free(ws);
	}
	return NULL;
}

/*
 * Room for n tasks: grown with an eighth to spare, and given back when
 * the sample shrank to under a quarter of it, so that one large interval
 * does not pin its memory for good.
 */
static int ws_reserve(struct attrib_ws *w, size_t n)
{
	size_t cap;

	if (w->cap && n <= w->cap && !(w->cap > 1024 && n < w->cap / 4))
		return 0;
	ws_release(w);
	cap = n + n / 8 + 16;
	w->order = malloc(cap * sizeof(*w->order));
	w->rank = malloc(cap * sizeof(*w->rank));
	w->slot_task = malloc(cap * sizeof(*w->slot_task));
	/* Two u64 of w and out per key of 16 bytes. */
	w->w = malloc(2 * (cap + 2) * sizeof(*w->w));
	/* malloc's alignment suits u128; every part's size is a multiple of 16. */
	w->radix = malloc(MAX(radix_scratch_size(cap),
			      2 * cap * sizeof(u128) + (cap + 2) * sizeof(struct rem_slot)));
	if (!w->order || !w->rank || !w->slot_task || !w->w || !w->radix) {
		ws_release(w);
		return -ENOMEM;
	}
	w->out = w->w + cap + 2;
	w->keys = (struct radix_key *)w->w;
	w->busy = w->radix;
	w->slot_busy = w->busy + cap;
	w->rem = (struct rem_slot *)(w->slot_busy + cap);
	w->cap = cap;
	return 0;
}

static int work_init(struct attrib_ws *w, const struct activity_sample *s)
{
	size_t n = s->ntasks;
	int r;

	r = ws_reserve(w, n);
	if (r < 0)
		return r;
	w->cached = false;
	/* Task key order; duplicate keys (a collector bug) keep their sample order. */
	for (size_t i = 0; i < n; i++) {
		w->keys[i] = (struct radix_key){
			.hi = (uint64_t)s->tasks[i].key.tgid << 32 | s->tasks[i].key.tid,
			.lo = s->tasks[i].key.start_ns,
		};
		w->order[i] = (uint32_t)i;
	}
	radix_sort_with(w->keys, w->order, n, w->radix);
	for (size_t i = 0; i < n; i++)
		w->rank[w->order[i]] = (uint32_t)i;
	return 0;
}

static bool cpu_in(enum scope sc, const struct cpuset *cpus, unsigned cpu)
{
	return sc == SCOPE_MACHINE || cpuset_test(cpus, cpu);
}

/* The shift that brings v to at most 2^62: the shifted weights then sum to at most 2^62 too. */
static unsigned weight_shift(u128 v)
{
	unsigned shift = 0;

	while ((v >> shift) > ((u128)1 << 62))
		shift++;
	return shift;
}

/*
 * Split one domain into `l`. Every value written to l->rows[].energy_uj,
 * idle_uj and unattributed_uj comes out of an exact apportionment of
 * delta_uj, so the ledger balances by construction.
 */
static int split_domain(const struct activity_sample *s, const struct attrib_domain *d,
			enum attrib_idle_policy policy, uint64_t interval_ns, struct attrib_ws *wk,
			struct attrib_ledger *l)
{
	enum scope sc = kind_scope(d->kind);
	u128 idle = 0, lost = 0, irq = 0, busy_sum = 0, total;
	uint64_t delta = d->delta_uj, idle_w, lost_w, busy_w = 0;
	unsigned shift;
	size_t m = 0;

	l->name = d->name;
	l->kind = d->kind;
	l->estimated = d->estimated;
	l->in_total = d->in_total;
	l->delta_uj = delta;
	if (policy == ATTRIB_IDLE_BASELINE)
		l->static_uj = sat_u64((u128)d->static_mw * interval_ns / 1000000);

	if (sc == SCOPE_SKIP) {
		l->status = ATTRIB_LEDGER_SKIPPED;
		l->unattributed_uj = delta;
		return 0;
	}

	/*
	 * Domains of one socket (package, core, uncore, dram) share a CPU set,
	 * and whole-machine ones share all CPUs: the busy time of the previous
	 * domain's set is reused when this one's is the same.
	 */
	if (wk->cached && wk->cached_scope == sc &&
	    (sc == SCOPE_MACHINE || memcmp(&wk->cached_cpus, d->cpus, sizeof(*d->cpus)) == 0)) {
		m = wk->cached_m;
		busy_sum = wk->cached_busy;
		idle = wk->cached_idle;
		lost = wk->cached_lost;
		irq = wk->cached_irq;
	} else {
		memset(wk->busy, 0, s->ntasks * sizeof(*wk->busy));
		for (size_t i = 0; i < s->nrows; i++) {
			const struct activity_row *r = &s->rows[i];

			/* By rank, so that the pass below reads in key order, sequentially. */
			if (cpu_in(sc, d->cpus, r->cpu))
				wk->busy[wk->rank[r->task]] += r->ns;
		}
		for (unsigned c = 0; c < s->ncpus; c++) {
			if (!cpu_in(sc, d->cpus, c))
				continue;
			if (s->idle_ns)
				idle += s->idle_ns[c];
			if (s->lost_ns)
				lost += s->lost_ns[c];
			if (s->irq_ns)
				irq += s->irq_ns[c];
		}
		/* Branch-free: whether a task ran on these CPUs follows no pattern. */
		for (size_t i = 0; i < s->ntasks; i++) {
			wk->slot_task[m] = wk->order[i];
			wk->slot_busy[m] = wk->busy[i];
			busy_sum += wk->busy[i];
			m += wk->busy[i] != 0;
		}
		wk->cached = true;
		wk->cached_scope = sc;
		if (sc == SCOPE_SOCKET)
			wk->cached_cpus = *d->cpus;
		wk->cached_m = m;
		wk->cached_busy = busy_sum;
		wk->cached_idle = idle;
		wk->cached_lost = lost;
		wk->cached_irq = irq;
	}
	l->busy_ns = sat_u64(busy_sum);
	l->idle_ns = sat_u64(idle);
	l->lost_ns = sat_u64(lost);
	l->irq_ns = sat_u64(irq);
	/* Interrupt and steal time is nobody's: its energy is unattributed, like lost time's. */
	lost += irq;

	total = busy_sum + idle + lost;
	if (total == 0) {
		l->status = ATTRIB_LEDGER_NO_TIME;
		l->unattributed_uj = delta;
		return 0;
	}
	l->status = ATTRIB_LEDGER_SPLIT;

	/*
	 * Weights must fit in 64 bits for ΔE × weight to fit in 128. Real
	 * intervals are far below that (2^62 ns is 146 years of CPU time);
	 * beyond it every weight is scaled down by the same power of two,
	 * which keeps the split deterministic and the ledger exact.
	 */
	shift = weight_shift(total);
	for (size_t i = 0; i < m; i++) {
		wk->w[i] = (uint64_t)(wk->slot_busy[i] >> shift);
		busy_w += wk->w[i];
	}
	idle_w = (uint64_t)(idle >> shift);
	lost_w = (uint64_t)(lost >> shift);

	l->rows = calloc(m ? m : 1, sizeof(*l->rows));
	if (!l->rows)
		return -ENOMEM;
	l->nrows = m;
	memset(wk->out, 0, (m + 2) * sizeof(*wk->out));

	switch (policy) {
	case ATTRIB_IDLE_SEPARATE:
		/* One apportionment over tasks, idle and lost: slots m and m+1. */
		wk->w[m] = idle_w;
		wk->w[m + 1] = lost_w;
		apportion(delta, wk->w, m + 2, busy_w + idle_w + lost_w, wk->out, wk->rem);
		l->idle_uj = wk->out[m];
		l->unattributed_uj = wk->out[m + 1];
		break;
	case ATTRIB_IDLE_PROPORTIONAL: {
		/*
		 * First busy+idle against lost, then the busy+idle pool over
		 * the tasks by busy time. Each task ends within 2 µJ of
		 * ΔE·(B+I)/T·b/B; one pass would need 192-bit products.
		 */
		uint64_t pool_w[2] = { busy_w + idle_w, lost_w }, pool_out[2];

		apportion(delta, pool_w, 2, pool_w[0] + pool_w[1], pool_out, wk->rem);
		l->unattributed_uj = pool_out[1];
		if (busy_w)
			apportion(pool_out[0], wk->w, m, busy_w, wk->out, wk->rem);
		else
			l->idle_uj = pool_out[0];
		break;
	}
	case ATTRIB_IDLE_BASELINE: {
		uint64_t static_uj = MIN(l->static_uj, delta), dynamic = delta - static_uj;

		l->idle_uj = static_uj;
		if (busy_w + lost_w) {
			/* Dynamic energy over tasks and lost time (slot m); idle time gets none. */
			wk->w[m] = lost_w;
			apportion(dynamic, wk->w, m + 1, busy_w + lost_w, wk->out, wk->rem);
			l->unattributed_uj = wk->out[m];
		} else {
			l->idle_uj += dynamic;
		}
		break;
	}
	}

	for (size_t i = 0; i < m; i++) {
		uint32_t t = wk->slot_task[i];

		l->rows[i] = (struct attrib_row){
			.task = t,
			.busy_ns = sat_u64(wk->slot_busy[i]),
			.energy_uj = wk->out[i],
		};
		l->tasks_uj += wk->out[i];
	}
	return 0;
}

static int validate(const struct activity_sample *s, const struct attrib_domain *domains,
		    size_t ndomains, enum attrib_idle_policy policy)
{
	uint64_t sum = 0;

	if (policy != ATTRIB_IDLE_SEPARATE && policy != ATTRIB_IDLE_PROPORTIONAL &&
	    policy != ATTRIB_IDLE_BASELINE)
		return -EINVAL;
	if (s->end_ns < s->start_ns)
		return -EINVAL;
	if ((s->ntasks && !s->tasks) || (s->nrows && !s->rows) || s->ntasks > UINT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].cpu >= s->ncpus || s->rows[i].task >= s->ntasks)
			return -EINVAL;
	for (size_t i = 0; i < ndomains; i++) {
		const struct attrib_domain *d = &domains[i];
		enum scope sc = kind_scope(d->kind);

		if (!d->name || sc == SCOPE_INVALID || (sc == SCOPE_SOCKET && !d->cpus))
			return -EINVAL;
		if (d->in_total && __builtin_add_overflow(sum, d->delta_uj, &sum))
			return -EOVERFLOW;
	}
	return 0;
}

struct attrib_result *attrib_result_free(struct attrib_result *r)
{
	if (!r)
		return NULL;
	if (r->ledgers)
		for (size_t i = 0; i < r->nledgers; i++)
			free(r->ledgers[i].rows);
	free(r->ledgers);
	free(r->tasks);
	free(r->order);
	free(r);
	return NULL;
}

int attrib_split_ws(struct attrib_ws *ws, const struct activity_sample *s,
		    const struct attrib_domain *domains, size_t ndomains,
		    enum attrib_idle_policy policy, struct attrib_result **ret)
{
	struct attrib_result *r = NULL;
	int err;

	if (!ws || !s || !ret || (ndomains && !domains))
		return -EINVAL;
	err = validate(s, domains, ndomains, policy);
	if (err < 0)
		return err;

	err = -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->policy = policy;
	r->interval_ns = s->end_ns - s->start_ns;
	r->ntasks = s->ntasks;
	r->nledgers = ndomains;
	r->tasks = calloc(s->ntasks ? s->ntasks : 1, sizeof(*r->tasks));
	r->order = malloc((s->ntasks ? s->ntasks : 1) * sizeof(*r->order));
	r->ledgers = calloc(ndomains ? ndomains : 1, sizeof(*r->ledgers));
	if (!r->tasks || !r->order || !r->ledgers)
		goto out;
	err = work_init(ws, s);
	if (err < 0)
		goto out;

	for (size_t i = 0; i < ndomains; i++) {
		struct attrib_ledger *l = &r->ledgers[i];

		err = split_domain(s, &domains[i], policy, r->interval_ns, ws, l);
		if (err < 0)
			goto out;
		if (!l->in_total)
			continue;
		/* validate() bounded Σ delta_uj, and every part is <= its delta. */
		r->total_delta_uj += l->delta_uj;
		r->total_tasks_uj += l->tasks_uj;
		r->total_idle_uj += l->idle_uj;
		r->total_unattributed_uj += l->unattributed_uj;
		r->total_estimated |= l->estimated;
		for (size_t j = 0; j < l->nrows; j++) {
			struct attrib_task_total *t = &r->tasks[l->rows[j].task];

			t->energy_uj += l->rows[j].energy_uj;
			t->estimated |= l->estimated;
		}
	}

	/* The key order is the result's too: grouping reuses it instead of sorting again. */
	memcpy(r->order, ws->order, s->ntasks * sizeof(*r->order));
	*ret = r;
	r = NULL;
	err = 0;
out:
	attrib_result_free(r);
	return err;
}

int attrib_split(const struct activity_sample *s, const struct attrib_domain *domains,
		 size_t ndomains, enum attrib_idle_policy policy, struct attrib_result **ret)
{
	struct attrib_ws ws = { 0 };
	int err;

	err = attrib_split_ws(&ws, s, domains, ndomains, policy, ret);
	ws_release(&ws);
	return err;
}
