/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_sel.h - choosing the activity collector (--activity
 * auto|ebpf|proc) and keeping what the user may ask about it: which one runs,
 * why the others do not, and the last interval's coverage.
 */
#ifndef JOULESTAT_ACTIVITY_SEL_H
#define JOULESTAT_ACTIVITY_SEL_H

#include "activity.h"
#include "joulestat.h"

enum activity_kind {
	ACTIVITY_EBPF = 0,
	ACTIVITY_PROC = 1,
	ACTIVITY__COUNT
};

struct activity_choice {
	const struct activity_ops *ops;
	enum joulestat_source_state state;	/* ACTIVE, SHADOWED (works, not preferred), ... */
	int error;				/* -errno behind UNAVAILABLE/FAILED */
	char reason[ACTIVITY_REASON_MAX];	/* "" when ACTIVE */
};

struct activity_sel {
	struct activity_choice c[ACTIVITY__COUNT];
	int active;				/* enum activity_kind, or -1: none works */
	void *state;				/* the active collector's */
	char detail[ACTIVITY_REASON_MAX];	/* how the active one runs ("tp_btf/sched_switch, ...") */
	struct activity_sample last;		/* valid while have_last */
	bool have_last;
	uint64_t samples;
	double *coverage;			/* [last.ncpus] */
	unsigned coverage_len;
};

/*
 * Open the collector `mode` names ("auto" or NULL: eBPF, else /proc; "ebpf";
 * "proc"). Returns -EINVAL for another mode, -ENOMEM; 0 otherwise, even when
 * no collector works (sel->active is then -1 and the reasons say why).
 */
int activity_select(struct activity_sel *sel, const struct activity_ctx *ctx, const char *mode);

/* Take a sample from the active collector. -ENODEV when none is active. */
int activity_sel_sample(struct activity_sel *sel, const struct activity_sample **ret);

/* Close the active collector. Safe on a zeroed or half-opened sel. */
void activity_sel_close(struct activity_sel *sel);

/* Is `mode` one of NULL, "auto", "ebpf", "proc"? */
bool activity_mode_valid(const char *mode);

#endif
