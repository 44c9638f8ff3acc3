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
	case ATTRIB_LEDGER_REFUSED:
		return "refused";
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
 * delta_uj, so the ledger balances by construction. Tasks marked in
 * `excl` (NULL: none) are left out, as if they had not run.
 */
static int split_domain(const struct activity_sample *s, const struct attrib_domain *d,
			enum attrib_idle_policy policy, uint64_t interval_ns, struct attrib_ws *wk,
			const bool *excl, struct attrib_ledger *l)
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
	if (d->refused) {
		/* Unknown energy: a gap, every part 0, not a split of 0. */
		l->status = ATTRIB_LEDGER_REFUSED;
		return 0;
	}
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
	if (!excl && wk->cached && wk->cached_scope == sc &&
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
			if (cpu_in(sc, d->cpus, r->cpu) && !(excl && excl[r->task]))
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
		wk->cached = !excl;
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

/* ---- processes with their own meter ---- */

#define NO_METER UINT32_MAX

/* A PROCESS domain with a pid: that process's own energy over the interval. */
struct meter {
	uint32_t pid;
	size_t dom;		/* its domain */
	uint64_t delta_uj;	/* its meter's growth */
	bool active;		/* its tasks are in the sample: the meter replaces their share */
};

/* A process's own meter: a PROCESS domain with a pid, never part of the total it replaces in. */
static bool is_meter(const struct attrib_domain *d)
{
	return d->kind == JOULESTAT_DOMAIN_PROCESS && d->pid && !d->in_total;
}

static int meter_cmp(const void *a, const void *b)
{
	const struct meter *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->dom > y->dom) - (x->dom < y->dom);
}

static uint32_t meter_of(const struct meter *m, size_t nm, uint32_t tgid)
{
	size_t lo = 0, hi = nm;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m[mid].pid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nm && m[lo].pid == tgid ? (uint32_t)lo : NO_METER;
}

/*
 * Split `amount` over n weights: by the weights when they sum to more than
 * 0, else all of it to the first slot. Weights whose sum exceeds 64 bits
 * (corrupt input only) are scaled down by the same power of two, in place.
 */
static void apportion_or_first(uint64_t amount, uint64_t *w, size_t n, uint64_t *out,
			       struct rem_slot *scratch)
{
	u128 total = 0;

	for (size_t i = 0; i < n; i++)
		total += w[i];
	if (total > UINT64_MAX) {
		unsigned sh = weight_shift(total);

		total = 0;
		for (size_t i = 0; i < n; i++) {
			w[i] = (w[i] >> sh) | (w[i] && !(w[i] >> sh));
			total += w[i];
		}
	}
	if (total == 0) {
		memset(out, 0, n * sizeof(*out));
		out[0] = amount;
		return;
	}
	apportion(amount, w, n, (uint64_t)total, out, scratch);
}

/* Working memory of apply_meters(), freed at once. */
struct meter_work {
	struct meter *m;
	uint32_t *tmeter;	/* [ntasks] the task's meter, or NO_METER */
	uint64_t *tbusy;	/* [ntasks] Σ of its rows' ns, for metered tasks */
	uint64_t *e, *b, *share; /* [nm * nd] per meter and domain: CPU-time share, busy, meter's share */
	uint64_t *w, *out;	/* [max(ntasks, nm, nd) + 1] */
	struct rem_slot *rem;	/* as many */
	size_t *idx;		/* [ntasks] */
	bool *excl;		/* [ntasks] tasks whose meter replaces their share */
};

static void meter_work_free(struct meter_work *mw)
{
	free(mw->m);
	free(mw->tmeter);
	free(mw->tbusy);
	free(mw->e);
	free(mw->b);
	free(mw->share);
	free(mw->w);
	free(mw->out);
	free(mw->rem);
	free(mw->idx);
}

/*
 * The process ledger of meter k: its tasks (in key order) get its growth,
 * apportioned by their CPU time over every CPU. A process with no task in
 * the interval keeps it unattributed (status no-time).
 */
static int meter_ledger(const struct activity_sample *s, struct attrib_ws *wk,
			struct meter_work *mw, uint32_t k, struct attrib_ledger *l)
{
	size_t n = 0;
	uint64_t busy = 0;

	for (size_t i = 0; i < s->ntasks; i++) {
		uint32_t t = wk->order[i];

		if (mw->tmeter[t] != k)
			continue;
		mw->idx[n] = t;
		mw->w[n] = mw->tbusy[t];
		busy = busy + mw->tbusy[t] < busy ? UINT64_MAX : busy + mw->tbusy[t];
		n++;
	}
	if (n == 0) {
		l->status = ATTRIB_LEDGER_NO_TIME;
		return 0;
	}
	if (busy == UINT64_MAX) /* only corrupt input: weigh the tasks alike */
		for (size_t i = 0; i < n; i++)
			mw->w[i] = 1;
	l->rows = calloc(n, sizeof(*l->rows));
	if (!l->rows)
		return -ENOMEM;
	apportion_or_first(l->delta_uj, mw->w, n, mw->out, mw->rem);
	for (size_t i = 0; i < n; i++)
		l->rows[i] = (struct attrib_row){ .task = (uint32_t)mw->idx[i],
						  .busy_ns = mw->tbusy[mw->idx[i]],
						  .energy_uj = mw->out[i] };
	l->nrows = n;
	l->status = ATTRIB_LEDGER_SPLIT;
	l->tasks_uj = l->delta_uj;
	l->measured_uj = l->delta_uj;
	l->unattributed_uj = 0;
	l->busy_ns = busy;
	mw->m[k].active = true;
	return 0;
}

/*
 * In-total ledger d, whose tasks include metered ones: each meter's share
 * of d (mw->share) replaces its tasks' CPU-time share, and the rest of ΔE
 * is split again between the other tasks, idle and lost time under the
 * policy, as if the metered tasks had not run.
 */
static int meter_resplit(const struct activity_sample *s, const struct attrib_domain *dom,
			 enum attrib_idle_policy policy, uint64_t interval_ns, struct attrib_ws *wk,
			 struct meter_work *mw, size_t nm, size_t nd, size_t d,
			 struct attrib_ledger *l)
{
	struct attrib_domain rest = *dom;
	struct attrib_ledger nl = { 0 };
	u128 sum = 0;
	size_t p = 0;
	int r;

	for (size_t k = 0; k < nm; k++)
		sum += mw->share[k * nd + d];
	if (sum > l->delta_uj) {
		/* The meters say more than the domain measured: cut them to it, in proportion. */
		size_t n = 0;

		for (size_t k = 0; k < nm; k++)
			if (mw->share[k * nd + d])
				mw->idx[n] = k, mw->w[n++] = mw->share[k * nd + d];
		if (n) {
			u128 tw = 0;

			for (size_t i = 0; i < n; i++)
				tw += mw->w[i];
			/* Σ of n values of 64 bits: scaled down by the same power of two if need be. */
			unsigned sh = weight_shift(tw);

			for (size_t i = 0; i < n; i++)
				mw->w[i] = (mw->w[i] >> sh) | (mw->w[i] && !(mw->w[i] >> sh));
			apportion_or_first(l->delta_uj, mw->w, n, mw->out, mw->rem);
			for (size_t i = 0; i < n; i++)
				mw->share[mw->idx[i] * nd + d] = mw->out[i];
		}
		sum = l->delta_uj;
		l->measured_capped = true;
	}
	rest.delta_uj = l->delta_uj - (uint64_t)sum;
	r = split_domain(s, &rest, policy, interval_ns, wk, mw->excl, &nl);
	if (r < 0)
		return r;
	/* Each meter's share over its tasks' rows here, by their busy time on the domain's CPUs. */
	for (size_t k = 0; k < nm; k++) {
		size_t n = 0;

		if (!mw->m[k].active)
			continue;
		for (size_t j = 0; j < l->nrows; j++)
			if (mw->tmeter[l->rows[j].task] == k)
				mw->idx[n] = j, mw->w[n++] = l->rows[j].busy_ns;
		if (n == 0)
			continue;
		apportion_or_first(mw->share[k * nd + d], mw->w, n, mw->out, mw->rem);
		for (size_t i = 0; i < n; i++)
			l->rows[mw->idx[i]].energy_uj = mw->out[i];
	}
	/* The other rows: the new split's, the same tasks in the same (key) order. */
	l->tasks_uj = 0;
	for (size_t j = 0; j < l->nrows; j++) {
		struct attrib_row *row = &l->rows[j];

		if (!mw->excl[row->task]) {
			row->energy_uj = p < nl.nrows && nl.rows[p].task == row->task
						 ? nl.rows[p++].energy_uj
						 : 0;
		}
		l->tasks_uj += row->energy_uj;
	}
	l->idle_uj = nl.idle_uj;
	l->unattributed_uj = nl.unattributed_uj;
	l->measured_uj = (uint64_t)sum;
	free(nl.rows);
	return 0;
}

/*
 * Processes with their own meter (attrib_domain.pid): their process
 * ledgers, then their shares of the in-total ledgers (see attrib.h). On
 * success *ret_excl is NULL when no meter applies, else the tasks whose
 * meter replaced their share (the caller frees it).
 */
static int apply_meters(const struct activity_sample *s, const struct attrib_domain *domains,
			size_t nd, enum attrib_idle_policy policy, uint64_t interval_ns,
			struct attrib_ws *wk, struct attrib_result *res, bool **ret_excl)
{
	struct meter_work mw = { 0 };
	size_t nm = 0, nt = s->ntasks, nbig;
	bool any = false;
	int r = -ENOMEM;

	*ret_excl = NULL;
	for (size_t i = 0; i < nd; i++)
		nm += is_meter(&domains[i]);
	if (nm == 0)
		return 0;
	nbig = MAX(MAX(nt, nm), nd) + 1;
	mw.m = calloc(nm, sizeof(*mw.m));
	mw.tmeter = malloc((nt + 1) * sizeof(*mw.tmeter));
	mw.tbusy = calloc(nt + 1, sizeof(*mw.tbusy));
	mw.e = calloc(nm * nd, sizeof(*mw.e));
	mw.b = calloc(nm * nd, sizeof(*mw.b));
	mw.share = calloc(nm * nd, sizeof(*mw.share));
	mw.w = malloc(nbig * sizeof(*mw.w));
	mw.out = malloc(nbig * sizeof(*mw.out));
	mw.rem = malloc(nbig * sizeof(*mw.rem));
	mw.idx = malloc(nbig * sizeof(*mw.idx));
	mw.excl = calloc(nt + 1, sizeof(*mw.excl));
	if (!mw.m || !mw.tmeter || !mw.tbusy || !mw.e || !mw.b || !mw.share || !mw.w || !mw.out ||
	    !mw.rem || !mw.idx || !mw.excl)
		goto out;
	nm = 0;
	for (size_t i = 0; i < nd; i++)
		if (is_meter(&domains[i]))
			mw.m[nm++] = (struct meter){ .pid = domains[i].pid, .dom = i,
						     .delta_uj = domains[i].delta_uj };
	qsort(mw.m, nm, sizeof(*mw.m), meter_cmp);
	/* One meter per process: a second domain for the same pid stays skipped. */
	{
		size_t k = 0;

		for (size_t i = 0; i < nm; i++)
			if (k == 0 || mw.m[k - 1].pid != mw.m[i].pid)
				mw.m[k++] = mw.m[i];
		nm = k;
	}
	for (size_t t = 0; t < nt; t++)
		mw.tmeter[t] = meter_of(mw.m, nm, s->tasks[t].key.tgid);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct activity_row *row = &s->rows[i];

		if (mw.tmeter[row->task] != NO_METER)
			mw.tbusy[row->task] = mw.tbusy[row->task] + row->ns < mw.tbusy[row->task]
						      ? UINT64_MAX
						      : mw.tbusy[row->task] + row->ns;
	}
	for (uint32_t k = 0; k < nm; k++) {
		struct attrib_ledger *l = &res->ledgers[mw.m[k].dom];

		r = meter_ledger(s, wk, &mw, k, l);
		if (r < 0)
			goto out;
		any |= mw.m[k].active;
	}
	r = 0;
	if (!any)
		goto out;
	for (size_t t = 0; t < nt; t++)
		mw.excl[t] = mw.tmeter[t] != NO_METER && mw.m[mw.tmeter[t]].active;

	/* Each metered process's CPU-time share (and busy time) of each in-total ledger. */
	for (size_t d = 0; d < nd; d++) {
		const struct attrib_ledger *l = &res->ledgers[d];

		if (!l->in_total || l->status != ATTRIB_LEDGER_SPLIT)
			continue;
		for (size_t j = 0; j < l->nrows; j++) {
			uint32_t k = mw.tmeter[l->rows[j].task];

			if (k == NO_METER || !mw.m[k].active)
				continue;
			mw.e[k * nd + d] += l->rows[j].energy_uj;
			mw.b[k * nd + d] = mw.b[k * nd + d] + l->rows[j].busy_ns < mw.b[k * nd + d]
						   ? UINT64_MAX
						   : mw.b[k * nd + d] + l->rows[j].busy_ns;
		}
	}
	/*
	 * Its meter over those ledgers, in proportion to its CPU-time shares
	 * (by its busy time there when they are all 0, as under baseline with
	 * no dynamic energy). A process that ran on none of their CPUs is not
	 * in them: its meter shows on its own ledger only.
	 */
	for (uint32_t k = 0; k < nm; k++) {
		const uint64_t *src = &mw.e[k * nd];
		u128 te = 0, tb = 0;

		if (!mw.m[k].active)
			continue;
		for (size_t d = 0; d < nd; d++) {
			te += mw.e[k * nd + d];
			tb += mw.b[k * nd + d];
		}
		if (te == 0)
			src = &mw.b[k * nd];
		if (te == 0 && tb == 0)
			continue;
		{
			unsigned sh = weight_shift(te ? te : tb);

			for (size_t d = 0; d < nd; d++)
				mw.w[d] = (src[d] >> sh) | (src[d] && !(src[d] >> sh));
		}
		apportion_or_first(mw.m[k].delta_uj, mw.w, nd, &mw.share[k * nd], mw.rem);
	}
	for (size_t d = 0; d < nd; d++) {
		struct attrib_ledger *l = &res->ledgers[d];
		bool has = false;

		if (!l->in_total || l->status != ATTRIB_LEDGER_SPLIT)
			continue;
		for (size_t j = 0; j < l->nrows && !has; j++)
			has = mw.excl[l->rows[j].task];
		if (!has)
			continue;
		r = meter_resplit(s, &domains[d], policy, interval_ns, wk, &mw, nm, nd, d, l);
		if (r < 0)
			goto out;
	}
	*ret_excl = mw.excl;
	mw.excl = NULL;
	r = 0;
out:
	meter_work_free(&mw);
	free(mw.excl);
	return r;
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
		if (d->in_total && !d->refused && __builtin_add_overflow(sum, d->delta_uj, &sum))
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
	bool *excl = NULL;
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
		err = split_domain(s, &domains[i], policy, r->interval_ns, ws, NULL, &r->ledgers[i]);
		if (err < 0)
			goto out;
	}
	err = apply_meters(s, domains, ndomains, policy, r->interval_ns, ws, r, &excl);
	if (err < 0)
		goto out;
	for (size_t i = 0; i < ndomains; i++) {
		struct attrib_ledger *l = &r->ledgers[i];

		if (!l->in_total)
			continue;
		/* validate() bounded Σ delta_uj, and every part is <= its delta. */
		r->total_delta_uj += l->delta_uj;
		r->total_tasks_uj += l->tasks_uj;
		r->total_idle_uj += l->idle_uj;
		r->total_unattributed_uj += l->unattributed_uj;
		r->total_estimated |= l->estimated;
		r->total_refused |= l->status == ATTRIB_LEDGER_REFUSED;
		for (size_t j = 0; j < l->nrows; j++) {
			struct attrib_task_total *t = &r->tasks[l->rows[j].task];
			bool metered = excl && excl[l->rows[j].task];

			t->energy_uj += l->rows[j].energy_uj;
			/* A meter's share is measured, unless a modelled total had to cut it. */
			t->estimated |= l->estimated && (!metered || l->measured_capped);
			t->measured |= metered;
		}
	}

	/* The key order is the result's too: grouping reuses it instead of sorting again. */
	memcpy(r->order, ws->order, s->ntasks * sizeof(*r->order));
	*ret = r;
	r = NULL;
	err = 0;
out:
	free(excl);
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
