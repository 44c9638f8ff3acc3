/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity.c - what the collectors share: per-CPU coverage of a sample, and
 * the choice between them. auto prefers eBPF (exact, sees short-lived tasks)
 * and falls back to /proc, keeping eBPF's reason for `joulestat probe`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_proc.h"
#include "activity_sel.h"
#include "config.h"
#include "util.h"

#if HAVE_BPF
#include "activity_ebpf.h"
#else
static int none_open(const struct activity_ctx *ctx, void **ret_state, char *reason,
		     size_t reason_size)
{
	snprintf(reason, reason_size,
		 "this joulestat was built without eBPF support (meson -Dbpf=disabled)");
	return -ENOSYS;
}

static int none_sample(void *state, struct activity_sample *ret)
{
	return -ENOSYS;
}

static void none_close(void *state)
{
}

const struct activity_ops activity_ebpf_ops = {
	.name = "ebpf",
	.open = none_open,
	.sample = none_sample,
	.close = none_close,
};
#endif

double activity_coverage(const struct activity_sample *s, unsigned cpu)
{
	uint64_t named_ns, interval_ns;

	if (!s || cpu >= s->ncpus || s->end_ns <= s->start_ns)
		return 0;
	interval_ns = s->end_ns - s->start_ns;
	named_ns = s->idle_ns ? s->idle_ns[cpu] : 0;
	named_ns += s->irq_ns ? s->irq_ns[cpu] : 0;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].cpu == cpu)
			named_ns += s->rows[i].ns;
	return (double)named_ns / (double)interval_ns;
}

bool activity_mode_valid(const char *mode)
{
	return !mode || !strcmp(mode, "auto") || !strcmp(mode, "ebpf") || !strcmp(mode, "proc");
}

/* Open choice k; on success it becomes the active collector. */
static int try_open(struct activity_sel *sel, const struct activity_ctx *ctx, enum activity_kind k)
{
	struct activity_choice *ch = &sel->c[k];
	void *state = NULL;
	int r;

	ch->reason[0] = '\0';
	r = ch->ops->open(ctx, &state, ch->reason, sizeof(ch->reason));
	if (r < 0) {
		ch->error = r;
		ch->state = (r == -ENOENT || r == -ENODEV || r == -ENOSYS || r == -EPERM ||
			     r == -EACCES)
				    ? JOULESTAT_SOURCE_UNAVAILABLE
				    : JOULESTAT_SOURCE_FAILED;
		if (!ch->reason[0])
			snprintf(ch->reason, sizeof(ch->reason), "%s", strerror(-r));
		log_info(ctx->log, "activity %s: %s", ch->ops->name, ch->reason);
		return r;
	}
	ch->state = JOULESTAT_SOURCE_ACTIVE;
	ch->error = 0;
	sel->active = (int)k;
	sel->state = state;
#if HAVE_BPF
	if (k == ACTIVITY_EBPF)
		activity_ebpf_describe(state, sel->detail, sizeof(sel->detail));
	else
#endif
	if (k == ACTIVITY_PROC)
		activity_proc_describe(state, sel->detail, sizeof(sel->detail));
	else
		snprintf(sel->detail, sizeof(sel->detail), "%s", ch->ops->name);
	log_info(ctx->log, "activity %s: %s", ch->ops->name, sel->detail);
	return 0;
}

/* Does choice k work? Opened and closed again at once; it is not the one in use. */
static void try_spare(struct activity_sel *sel, const struct activity_ctx *ctx,
		      enum activity_kind k, const char *preferred)
{
	struct activity_choice *ch = &sel->c[k];
	void *state = NULL;
	int r;

	r = ch->ops->open(ctx, &state, ch->reason, sizeof(ch->reason));
	if (r < 0) {
		ch->error = r;
		ch->state = JOULESTAT_SOURCE_UNAVAILABLE;
		if (!ch->reason[0])
			snprintf(ch->reason, sizeof(ch->reason), "%s", strerror(-r));
		return;
	}
	ch->ops->close(state);
	ch->state = JOULESTAT_SOURCE_SHADOWED;
	snprintf(ch->reason, sizeof(ch->reason), "works, but %s is preferred", preferred);
}

int activity_select(struct activity_sel *sel, const struct activity_ctx *ctx, const char *mode)
{
	bool want_ebpf, want_proc;

	if (!sel || !ctx || !activity_mode_valid(mode))
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	sel->active = -1;
	sel->c[ACTIVITY_EBPF].ops = &activity_ebpf_ops;
	sel->c[ACTIVITY_PROC].ops = &activity_proc_ops;
	want_ebpf = !mode || strcmp(mode, "proc") != 0;
	want_proc = !mode || strcmp(mode, "ebpf") != 0;
	for (int k = 0; k < ACTIVITY__COUNT; k++)
		if ((k == ACTIVITY_EBPF && !want_ebpf) || (k == ACTIVITY_PROC && !want_proc)) {
			sel->c[k].state = JOULESTAT_SOURCE_DISABLED;
			snprintf(sel->c[k].reason, sizeof(sel->c[k].reason),
				 "not selected (--activity %s)", mode);
		}
	/*
	 * The spare is tried first: the collector in use starts its first
	 * interval when it opens, and the monitor reads its energy baseline
	 * right after (a /proc scan in between would be time in that interval
	 * with no energy). When eBPF then fails, /proc is opened for use.
	 */
	if (want_ebpf && want_proc)
		try_spare(sel, ctx, ACTIVITY_PROC, "ebpf");
	if (want_ebpf && try_open(sel, ctx, ACTIVITY_EBPF) == 0)
		return 0;
	if (want_proc)
		(void)try_open(sel, ctx, ACTIVITY_PROC);
	return 0;
}

/*
 * activity_coverage() of every CPU, in one pass over the rows where one
 * call per CPU made a pass each (ncpus × rows: at 10 000 tasks on a large
 * machine, more than the attribution). The same integer sums, so the same
 * values.
 */
static void coverage_all(const struct activity_sample *s, double *ret)
{
	uint64_t *named_ns;

	if (s->end_ns <= s->start_ns || s->ncpus == 0 ||
	    !(named_ns = calloc(s->ncpus, sizeof(*named_ns)))) {
		for (unsigned cpu = 0; cpu < s->ncpus; cpu++)
			ret[cpu] = activity_coverage(s, cpu);
		return;
	}
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].cpu < s->ncpus)
			named_ns[s->rows[i].cpu] += s->rows[i].ns;
	for (unsigned cpu = 0; cpu < s->ncpus; cpu++) {
		named_ns[cpu] += s->idle_ns ? s->idle_ns[cpu] : 0;
		named_ns[cpu] += s->irq_ns ? s->irq_ns[cpu] : 0;
		ret[cpu] = (double)named_ns[cpu] / (double)(s->end_ns - s->start_ns);
	}
	free(named_ns);
}

int activity_sel_sample(struct activity_sel *sel, const struct activity_sample **ret)
{
	struct activity_sample s;
	int r;

	if (!sel || sel->active < 0)
		return -ENODEV;
	r = sel->c[sel->active].ops->sample(sel->state, &s);
	if (r < 0)
		return r;
	if (sel->coverage_len < s.ncpus) {
		double *c = realloc(sel->coverage, s.ncpus * sizeof(*c));

		if (!c)
			return -ENOMEM;
		sel->coverage = c;
		sel->coverage_len = s.ncpus;
	}
	coverage_all(&s, sel->coverage);
	sel->last = s;
	sel->have_last = true;
	sel->samples++;
	if (ret)
		*ret = &sel->last;
	return 0;
}

void activity_sel_close(struct activity_sel *sel)
{
	if (!sel)
		return;
	if (sel->active >= 0 && sel->c[sel->active].ops)
		sel->c[sel->active].ops->close(sel->state);
	sel->active = -1;
	sel->state = NULL;
	sel->have_last = false;
	free(sel->coverage);
	sel->coverage = NULL;
	sel->coverage_len = 0;
}
