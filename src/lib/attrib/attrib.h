/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * attrib.h - attribution: split each domain's energy of one interval between
 * the tasks that ran on the domain's CPUs, with a ledger that balances
 * exactly in integer microjoules (docs/attribution.md).
 *
 * Pure functions: no I/O, no logging, no global state. The same inputs give
 * the same result bit for bit, whatever the order of the tasks in the
 * sample, which is what makes `replay` and the tests deterministic.
 *
 * For a domain d with CPU set C(d), over the interval:
 *
 *   busy(t) = Σ_{c∈C(d)} ns(t, c)      idle = Σ idle_ns(c)     lost = Σ lost_ns(c) + irq_ns(c)
 *   T       = Σ_t busy(t) + idle + lost
 *   E(t, d) = ΔE(d) · busy(t) / T      (before the idle policy moves idle energy)
 *
 * and for every ledger, exactly: delta_uj = Σ rows + idle_uj + unattributed_uj.
 *
 * A process with its own meter (a PROCESS domain with a pid) gets its
 * meter's energy instead of its CPU-time share of the in-total domains, and
 * the rest of each such domain's ΔE is split between the others by the
 * rule above (docs/attribution.md, "Processes with their own meter").
 */
#ifndef JOULESTAT_ATTRIB_H
#define JOULESTAT_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "cpuset.h"
#include "joulestat.h"

/* What happens to the energy of idle time. Named in every output. */
enum attrib_idle_policy {
	/* Idle energy is its own ledger row (the default). */
	ATTRIB_IDLE_SEPARATE = 0,
	/*
	 * Idle energy is spread over the tasks in proportion to their busy
	 * time; with no busy task at all it stays on the idle row.
	 */
	ATTRIB_IDLE_PROPORTIONAL = 1,
	/*
	 * The domain's static power × the interval is the idle row (capped at
	 * ΔE); the rest is dynamic energy, split by busy time and lost time
	 * only. With neither busy nor lost time the dynamic part is idle too.
	 */
	ATTRIB_IDLE_BASELINE = 2,
};

#define ATTRIB_IDLE_DEFAULT ATTRIB_IDLE_SEPARATE

/* "separate", "proportional", "baseline"; "unknown" for other values. Static storage. */
const char *attrib_idle_policy_name(enum attrib_idle_policy p);

/* Parse a policy name (as --idle takes it). -EINVAL for NULL or an unknown name. */
int attrib_idle_policy_from_name(const char *name, enum attrib_idle_policy *ret);

/* One domain's energy over the interval: the input of attrib_split(). */
struct attrib_domain {
	const char *name;		/* borrowed; the result points to it */
	enum joulestat_domain_kind kind;
	/*
	 * CPUs the domain covers: borrowed, read only during attrib_split().
	 * Required for per-socket kinds (package, core, uncore, dram); an empty
	 * set is valid (see ATTRIB_LEDGER_NO_TIME). Not consulted for
	 * whole-machine kinds (psys, platform, battery), which always cover
	 * every CPU of the sample, nor for kinds that are skipped.
	 */
	const struct cpuset *cpus;
	uint64_t delta_uj;		/* ΔE over the interval, already unwrapped */
	uint64_t static_mw;		/* static power, for ATTRIB_IDLE_BASELINE only */
	bool estimated;			/* modelled: every row derived from it is estimated */
	/*
	 * Counts towards the host total (the monitor's in_host_total: psys, or
	 * Σ package + Σ dram, ...). Per-task totals and the host ledger add up
	 * only these domains, so psys and the packages it contains are never
	 * counted twice.
	 */
	bool in_total;
	/*
	 * Kind process only: the process (tgid) whose own meter delta_uj
	 * is, over the whole interval. Its tasks then get delta_uj in this
	 * ledger and, in place of their CPU-time share, in the in-total
	 * ones. 0: not known over the whole interval (a meter just found):
	 * the ledger is skipped and the process shares like any other.
	 */
	uint32_t pid;
	/*
	 * The domain's reading for this interval was refused (counter.c: the
	 * counter may have wrapped more than once, or went backwards): its
	 * energy is unknown. The ledger says ATTRIB_LEDGER_REFUSED with every
	 * part 0, and delta_uj is not read.
	 */
	bool refused;
};

enum attrib_ledger_status {
	/* Split by CPU time under the policy. */
	ATTRIB_LEDGER_SPLIT = 0,
	/*
	 * The domain's CPUs recorded no time at all (empty CPU set, CPUs
	 * outside the sample, or a collector that saw nothing): there is no
	 * basis for a split, so all of ΔE is unattributed.
	 */
	ATTRIB_LEDGER_NO_TIME = 1,
	/*
	 * A kind that CPU time does not describe: GPU (split by GPU activity,
	 * not here) and per-process meters. No rows; all of ΔE is
	 * unattributed, so the ledger still balances and nothing vanishes.
	 */
	ATTRIB_LEDGER_SKIPPED = 2,
	/*
	 * The reading was refused (attrib_domain.refused): the interval's
	 * energy is unknown, a gap rather than zero. Every part is 0 and no
	 * row is made; views leave it out of averages and count it.
	 */
	ATTRIB_LEDGER_REFUSED = 3,
};

/* "split", "no-time", "skipped", "refused"; "unknown" for other values. Static storage. */
const char *attrib_ledger_status_name(enum attrib_ledger_status s);

/* One task's share of one domain. */
struct attrib_row {
	uint32_t task;			/* index into the sample's tasks[] */
	uint64_t busy_ns;		/* Σ of its ns on the domain's CPUs (> 0) */
	uint64_t energy_uj;		/* may be 0 after rounding */
};

/* One domain's ledger: delta_uj == Σ rows[].energy_uj + idle_uj + unattributed_uj, exactly. */
struct attrib_ledger {
	const char *name;		/* borrowed from the input domain */
	enum joulestat_domain_kind kind;
	enum attrib_ledger_status status;
	bool estimated;
	bool in_total;
	uint64_t delta_uj;
	uint64_t tasks_uj;		/* Σ rows[].energy_uj */
	uint64_t idle_uj;
	uint64_t unattributed_uj;	/* energy of lost time (and see the statuses) */
	/*
	 * Of tasks_uj, what processes with their own meter got in place of
	 * their CPU-time share (in-total ledgers), or the meter itself (its
	 * process ledger). measured_capped: those meters' shares of this
	 * domain exceeded its ΔE, and were cut to it in proportion.
	 */
	uint64_t measured_uj;
	bool measured_capped;
	/* The time the split used, summed over the domain's CPUs (saturating). */
	uint64_t busy_ns;
	uint64_t idle_ns;
	uint64_t lost_ns;
	uint64_t irq_ns;		/* interrupt/steal time: weighs with lost_ns, into unattributed_uj */
	/* ATTRIB_IDLE_BASELINE: static_mw × interval, before the cap at ΔE (saturating). */
	uint64_t static_uj;
	/* Tasks with busy time on the domain's CPUs, in task key order (tgid, tid, start_ns). */
	struct attrib_row *rows;
	size_t nrows;
};

/* One task's energy summed over the in_total domains. */
struct attrib_task_total {
	uint64_t energy_uj;
	bool estimated;			/* some of it comes from an estimated domain */
	bool measured;			/* its process's own meter gave it (attrib_domain.pid) */
};

/*
 * The result of one interval. Owned by the caller, freed with
 * attrib_result_free(). Strings (ledger names) are borrowed from the input
 * domains and must outlive the result.
 */
struct attrib_result {
	enum attrib_idle_policy policy;
	uint64_t interval_ns;		/* end_ns - start_ns of the sample */
	size_t ntasks;			/* == the sample's ntasks */
	struct attrib_task_total *tasks; /* [ntasks], indexed like the sample's tasks[] */
	/* [ntasks] task indices in task key order (tgid, tid, start_ns): for grouping. */
	uint32_t *order;
	size_t nledgers;		/* == ndomains, in input order */
	struct attrib_ledger *ledgers;
	/* Host ledger over the in_total domains: delta == tasks + idle + unattributed. */
	uint64_t total_delta_uj;
	uint64_t total_tasks_uj;
	uint64_t total_idle_uj;
	uint64_t total_unattributed_uj;
	bool total_estimated;
	/* An in_total domain's reading was refused: the host ledger lacks its energy. */
	bool total_refused;
};

/*
 * Split the energy of `ndomains` domains over the interval `s`.
 *
 * Reads from the sample: ncpus, idle_ns, lost_ns and irq_ns (each may be NULL: none
 * recorded), tasks[] (key, for the deterministic tie-break) and rows[]
 * (cpu, task, ns); start_ns/end_ns for the baseline policy. first_row,
 * nrows and oncpu_ns of the tasks are not used: rows[] is the truth.
 *
 * Returns 0 and a new result in *ret. -EINVAL for a NULL argument, an
 * unknown policy or domain kind, a domain without a name, a per-socket
 * domain without a CPU set, a row whose cpu or task is out of range, or an
 * interval that ends before it starts; -EOVERFLOW when Σ delta_uj of the
 * in_total domains does not fit in 64 bits; -ENOMEM. On error *ret is
 * untouched.
 */
int attrib_split(const struct activity_sample *s, const struct attrib_domain *domains,
		 size_t ndomains, enum attrib_idle_policy policy, struct attrib_result **ret);

/* Free a result (NULL is a no-op). Returns NULL. */
struct attrib_result *attrib_result_free(struct attrib_result *r);

/*
 * Working memory kept between intervals: attrib_split_ws() gives the same
 * result as attrib_split() without allocating its scratch each time (at
 * 10 000 tasks, a few MB faulted in per interval). Sized for the largest
 * recent sample; given back when samples shrink to under a quarter of it.
 * Not shared between threads.
 */
struct attrib_ws;

/* A new, empty workspace in *ret. -EINVAL for NULL, -ENOMEM. */
int attrib_ws_new(struct attrib_ws **ret);

/* Free a workspace (NULL is a no-op). Returns NULL. */
struct attrib_ws *attrib_ws_free(struct attrib_ws *ws);

/* attrib_split() with the workspace ws (-EINVAL when NULL). The result is the caller's, as there. */
int attrib_split_ws(struct attrib_ws *ws, const struct activity_sample *s,
		    const struct attrib_domain *domains, size_t ndomains,
		    enum attrib_idle_policy policy, struct attrib_result **ret);

/*
 * Split `amount_uj` between n slots in proportion to weight[i] with the
 * largest-remainder (Hamilton) method: each slot gets
 * floor(amount·w/W), then the µJ left over go one each to the slots with
 * the largest remainders, ties to the lower index. Σ out == amount_uj
 * exactly, and each slot is within 1 µJ of its exact share. W = Σ weight
 * must be > 0 and fit in 64 bits, else -EINVAL; -ENOMEM. On error `out` is
 * untouched.
 */
int attrib_apportion(uint64_t amount_uj, const uint64_t *weight, size_t n, uint64_t *out);

#endif
