/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_report.c - `joulestat report`: a recording as pictures. For the host
 * total, each domain, and each socket with more than one domain, the top N
 * groups' power (processes by default; --group comm, user, cgroup, unit or
 * container) stacked over time with the rest of the ledger (other groups,
 * unattributed, idle) up to the domain's measured total, as a standalone
 * SVG and as one self-contained HTML page (no scripts, no network) with the
 * totals and a table; or as text; or (--csv) the host total's series as a
 * table of intervals × groups for spreadsheets. With a carbon intensity,
 * the host total's emissions, each interval at its hour's intensity. With
 * --per-cpu (a raw recording), each CPU's chart too, its processes' energy
 * laid out per CPU (percpu.h), and a table of the top processes' time and
 * energy on each CPU with each CPU's ledger and coverage.
 *
 * Two passes over the file: the first finds each chart's top groups by
 * energy over the whole recording, the second builds their series, so memory
 * grows with charts × N × intervals, not with every process of every interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "outfile.h"
#include "percpu.h"
#include "recfmt_res.h"
#include "textesc.h"
#include "units.h"
#include "util.h"
#include "views.h"
#include "xmlesc.h"

#define REPORT_TOP_MAX 50
/* A label: a cgroup path at most (longer ones are cut). */
#define REPORT_LABEL_MAX 4096

void cmd_report_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat report FILE [--svg OUT] [--html OUT] [--csv OUT] [--top N]\n"
		"                        [--group G] [--carbon-intensity G]\n"
		"                        [--carbon-intensity-file FILE]\n\n"
		"Summarise a recording ('joulestat record'): for the host total, each energy\n"
		"domain and each socket, the N processes (or groups) that used the most\n"
		"energy, stacked over time with the others, unattributed and idle energy up\n"
		"to the measured total. Without --svg or --html, prints the tables. FILE '-'\n"
		"is standard input, OUT '-' standard output.\n\n"
		"Options:\n"
		"  --svg OUT      write a standalone SVG picture\n"
		"  --html OUT     write a self-contained HTML page (charts, totals, table)\n"
		"  --csv OUT      write the host total per interval as CSV: one row per\n"
		"                 interval, one column per group (joules), for spreadsheets\n"
		"  --top N        groups per chart (default 10, 1 to %d)\n"
		"  --group G      process (default), comm, user, cgroup, unit or container;\n"
		"                 the last three need a recording that names each process's\n"
		"                 cgroup (format version 2: this joulestat's)\n"
		"  --per-cpu      also each CPU: its top N processes' energy over time with\n"
		"                 the CPU's total, and a table of the top processes' time and\n"
		"                 energy on each CPU with each CPU's ledger and coverage\n"
		"                 (processes only; needs a recording made with --raw)\n"
		"  --carbon-intensity G\n"
		"                 the grid's carbon intensity, gCO2e/kWh: the host total's\n"
		"                 emissions beside its energy\n"
		"  --carbon-intensity-file FILE\n"
		"                 the intensity hour by hour, a CSV of 'timestamp,intensity'\n"
		"                 rows, applied to each interval by its time (docs/FORMAT.md)\n",
		REPORT_TOP_MAX);
}

const struct option cmd_report_options[] = {
	{ "svg", required_argument, NULL, 's' },
	{ "html", required_argument, NULL, 'h' },
	{ "csv", required_argument, NULL, 'c' },
	{ "top", required_argument, NULL, 'n' },
	{ "group", required_argument, NULL, 'g' },
	{ "per-cpu", no_argument, NULL, 'p' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* The groupings a recording's rows allow (top's, but for threads). */
static const enum joulestat_group report_groups[] = {
	JOULESTAT_GROUP_PROCESS, JOULESTAT_GROUP_COMM, JOULESTAT_GROUP_USER,
	JOULESTAT_GROUP_CGROUP,	 JOULESTAT_GROUP_UNIT, JOULESTAT_GROUP_CONTAINER,
};

/*
 * A group of the recording: a process by (tgid, start), a user by uid, or a
 * name (comm, cgroup path, unit, container id; "" for none).
 */
struct rgroup {
	uint32_t tgid;		/* process; user: the uid */
	uint64_t start_ns;	/* process */
	char *name;		/* comm, cgroup, unit, container; owned */
	uint32_t uid;		/* process: its user */
	char comm[ACTIVITY_COMM_LEN];	/* process: its latest command name */
	uint64_t cpu_ns;
	uint64_t syscalls;	/* header.syscalls */
	uint64_t *chart_uj;	/* [ncharts] over the recording, each chart's gaps left out */
	uint64_t total_uj;	/* in_total domains (the host chart's) */
	uint64_t *cpu_ns_on;	/* --per-cpu: [ncpus] its time on each CPU, gaps left out */
};

/* Series of a chart, bottom to top: top[0..ntop), other, unattributed, idle. */
enum { S_OTHER = 0, S_UNATTR = 1, S_IDLE = 2, S_FIXED = 3 };

struct chart {
	char title[160];
	bool host;		/* the host total: in_total domains */
	int cpu;		/* --per-cpu: the CPU whose share of the host total it is; else -1 */
	bool *member;		/* [ndomains]: domains summed into the chart */
	bool estimated;
	bool sampled;		/* a member's GPU split rests on sampled utilisation (NVML) */
	size_t ntop;
	size_t *top;		/* process indices, largest first */
	/* totals over the recording, its gaps left out */
	uint64_t delta_uj, tasks_uj, idle_uj, unattr_uj;
	uint64_t measured_ns;	/* the intervals that are not gaps: the averages' time */
	size_t gaps;		/* intervals where a member's reading was refused */
	uint64_t *top_uj;	/* [ntop] */
	uint64_t busy_ns, idle_ns, lost_ns, irq_ns;	/* a CPU's chart: its times, gaps left out */
	/* per interval, watts: v[s * nintervals + i], s < ntop + S_FIXED (the fixed ones last) */
	double *v;
	double *total_w;	/* [nintervals] */
};

struct report {
	struct recfile rf;
	const struct recfmt_header *h;
	enum joulestat_group by;
	struct rgroup *groups;
	size_t ngroups, cap;
	size_t *slots;		/* hash table of group indices + 1, size nslots */
	size_t nslots;
	/* unit and container: the names in the interval's cgroups (iv->ncgroups of them) */
	struct cgroup_names *cg_names;
	size_t cg_names_cap;
	size_t nintervals;
	uint64_t *t0_ns, *t1_ns;	/* [nintervals] interval bounds since the first start */
	uint64_t first_start_ns, duration_ns;
	struct chart *charts;
	size_t ncharts;
	size_t topn;
	/* record --resources: machine CPU use per interval, centi-% (-1: none that interval) */
	int32_t *res_cpu_centipct;	/* [nintervals] */
	long *rowg;			/* pass 2: the group of each row of the interval */
	size_t rowg_cap;
	/*
	 * The host total (charts[0]) per interval, exactly, for --csv and the
	 * emissions: µJ of each series (csv_uj[s * nintervals + i]; NULL
	 * without --csv), each interval's intensity (NAN: none or a gap).
	 */
	bool csv;
	uint64_t *csv_uj;
	uint64_t *host_iv_uj;		/* [ntop + S_FIXED]: the interval being read */
	double *iv_g_per_kwh;		/* [nintervals] */
	struct carbon carbon;
	struct carbon_acc co2e;		/* the host total's */
	double *host_g;			/* [ntop + S_FIXED] grams of each host series */
	/* Virtual machines on the recorded host ("vms"): totals over the recording. */
	struct vm_total *vms;
	size_t nvms;
	/* --per-cpu: the CPU charts are charts[cpu_chart0 ..], one per CPU */
	bool per_cpu;
	unsigned ncpus;
	size_t cpu_chart0;
	/* the interval being read, per row and CPU: [row * ncpus + cpu] */
	uint64_t *pc_ns, *pc_uj;
	struct percpu_cpu *pc_cpus;	/* [ncpus] */
	struct percpu_slot *pc_slots;
	struct percpu_item *pc_items;
	size_t *pc_order;
	size_t pc_cap;			/* rows the arrays hold */
};

struct vm_total {
	char name[VM_NAME_MAX];
	uint64_t energy_uj, cpu_ns;
};

static size_t hash_key(uint32_t tgid, uint64_t start_ns, const char *name)
{
	uint64_t h = (uint64_t)tgid * 0x9e3779b97f4a7c15ULL ^ (start_ns * 0xc2b2ae3d27d4eb4fULL);

	for (const unsigned char *c = (const unsigned char *)name; c && *c; c++)
		h = (h ^ *c) * 1099511628211ULL; /* FNV-1a */
	return (size_t)(h ^ (h >> 29));
}

static int grow_table(struct report *rp)
{
	size_t n = rp->nslots ? rp->nslots * 2 : 1024;
	size_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < rp->ngroups; i++) {
		const struct rgroup *g = &rp->groups[i];
		size_t k = hash_key(g->tgid, g->start_ns, g->name) & (n - 1);

		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = i + 1;
	}
	free(rp->slots);
	rp->slots = s;
	rp->nslots = n;
	return 0;
}

/*
 * The unit and container names of each of the interval's cgroups, in
 * rp->cg_names (unit and container groupings). -ENOMEM.
 */
static int interval_cgroup_names(struct report *rp, const struct recfmt_interval *iv)
{
	if (rp->by != JOULESTAT_GROUP_UNIT && rp->by != JOULESTAT_GROUP_CONTAINER)
		return 0;
	if (iv->ncgroups > rp->cg_names_cap) {
		struct cgroup_names *n = realloc(rp->cg_names, iv->ncgroups * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rp->cg_names = n;
		rp->cg_names_cap = iv->ncgroups;
	}
	for (size_t i = 0; i < iv->ncgroups; i++)
		/* An unresolved cgroup ("") names neither. */
		if (parse_cgroup_path(iv->cgroups[i].path, strlen(iv->cgroups[i].path),
				      &rp->cg_names[i]) < 0)
			rp->cg_names[i] = (struct cgroup_names){ { 0 }, { 0 } };
	return 0;
}

/* The key of row `r` (of interval `iv`) in the report's grouping: *tgid, *start, *name. */
static void row_key(const struct report *rp, const struct recfmt_interval *iv,
		    const struct recfmt_row *r, uint32_t *tgid, uint64_t *start, const char **name)
{
	const char *path = r->cgroup < iv->ncgroups ? iv->cgroups[r->cgroup].path : "";
	const struct cgroup_names *cn = r->cgroup < iv->ncgroups && rp->cg_names
						? &rp->cg_names[r->cgroup]
						: NULL;

	*tgid = 0;
	*start = 0;
	*name = NULL;
	switch (rp->by) {
	case JOULESTAT_GROUP_COMM:
		*name = r->comm;
		break;
	case JOULESTAT_GROUP_USER:
		*tgid = r->uid;
		break;
	case JOULESTAT_GROUP_CGROUP:
		*name = path;
		break;
	case JOULESTAT_GROUP_UNIT:
		*name = cn ? cn->unit : "";
		break;
	case JOULESTAT_GROUP_CONTAINER:
		*name = cn ? cn->container : "";
		break;
	default:
		*tgid = r->tgid;
		*start = r->start_ns;
		break;
	}
}

/*
 * The group of row `r` of interval `iv`, added when new (`add`). Returns
 * its index; -ENOENT (not there, and !add) or -ENOMEM.
 */
static long group_of(struct report *rp, const struct recfmt_interval *iv,
		     const struct recfmt_row *r, bool add)
{
	const char *name;
	uint32_t tgid;
	uint64_t start;
	struct rgroup *g;
	size_t k;

	row_key(rp, iv, r, &tgid, &start, &name);
	if ((rp->ngroups + 1) * 2 > rp->nslots && grow_table(rp) < 0)
		return -ENOMEM;
	k = hash_key(tgid, start, name) & (rp->nslots - 1);
	while (rp->slots[k]) {
		g = &rp->groups[rp->slots[k] - 1];
		if (g->tgid == tgid && g->start_ns == start &&
		    (!name || strcmp(g->name, name) == 0))
			return (long)(rp->slots[k] - 1);
		k = (k + 1) & (rp->nslots - 1);
	}
	if (!add)
		return -ENOENT;
	if (rp->ngroups == rp->cap) {
		size_t cap = rp->cap ? rp->cap * 2 : 256;
		struct rgroup *ng = realloc(rp->groups, cap * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		rp->groups = ng;
		rp->cap = cap;
	}
	g = &rp->groups[rp->ngroups];
	*g = (struct rgroup){ .tgid = tgid, .start_ns = start, .uid = r->uid };
	g->chart_uj = calloc(rp->ncharts + 1, sizeof(uint64_t));
	g->name = name ? strdup(name) : NULL;
	g->cpu_ns_on = rp->per_cpu ? calloc(rp->ncpus + 1, sizeof(uint64_t)) : NULL;
	if (!g->chart_uj || (name && !g->name) || (rp->per_cpu && !g->cpu_ns_on)) {
		free(g->chart_uj);
		free(g->name);
		free(g->cpu_ns_on);
		return -ENOMEM;
	}
	strscpy(g->comm, r->comm, sizeof(g->comm));
	rp->slots[k] = ++rp->ngroups;
	return (long)(rp->ngroups - 1);
}

static uint64_t group_chart_uj(const struct report *rp, const struct chart *c,
			       const struct rgroup *p)
{
	return p->chart_uj[c - rp->charts];
}

/*
 * A member's reading was refused in the interval: its energy is unknown, a
 * gap rather than zero, so the chart leaves the whole interval out of its
 * totals, its averages and its processes' energy, and counts it.
 */
static bool chart_gap(const struct report *rp, const struct chart *c,
		      const struct recfmt_interval *iv)
{
	/* A CPU's share of the host total is unknown when the host's is. */
	if (c->cpu >= 0)
		c = &rp->charts[0];
	for (size_t d = 0; d < rp->h->ndomains; d++)
		if (c->member[d] && iv->ledgers[d].status == ATTRIB_LEDGER_REFUSED)
			return true;
	return false;
}

static uint64_t row_chart_uj(const struct report *rp, const struct chart *c,
			     const struct recfmt_row *r)
{
	uint64_t sum = 0;

	if (c->host)
		return r->total_uj;
	for (size_t d = 0; d < rp->h->ndomains; d++)
		if (c->member[d])
			sum += r->energy_uj[d];
	return sum;
}

static int add_chart(struct report *rp, const char *title, bool host, const bool *member)
{
	struct chart *c;
	struct chart *nc = realloc(rp->charts, (rp->ncharts + 1) * sizeof(*nc));

	if (!nc)
		return -ENOMEM;
	rp->charts = nc;
	c = &rp->charts[rp->ncharts++];
	*c = (struct chart){ .host = host, .cpu = -1 };
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->member = calloc(rp->h->ndomains + 1, sizeof(bool));
	if (!c->member)
		return -ENOMEM;
	for (size_t d = 0; d < rp->h->ndomains; d++) {
		c->member[d] = host ? rp->h->domains[d].in_total : member[d];
		if (c->member[d] && rp->h->domains[d].estimated)
			c->estimated = true;
	}
	return 0;
}

/* Host, each domain, and each socket that has both a package and a dram domain. */
static int plan_charts(struct report *rp)
{
	const struct recfmt_header *h = rp->h;
	bool *m = calloc(h->ndomains + 1, sizeof(bool));
	char title[160];
	int r = -ENOMEM;

	if (!m)
		return -ENOMEM;
	if (add_chart(rp, "Host total", true, NULL) < 0)
		goto out;
	for (size_t d = 0; d < h->ndomains; d++) {
		memset(m, 0, h->ndomains * sizeof(bool));
		m[d] = true;
		if (h->domains[d].socket >= 0)
			snprintf(title, sizeof(title), "%s (socket %d, %s)", h->domains[d].name,
				 h->domains[d].socket, joulestat_domain_kind_name(h->domains[d].kind));
		else
			snprintf(title, sizeof(title), "%s (whole machine, %s)", h->domains[d].name,
				 joulestat_domain_kind_name(h->domains[d].kind));
		if (add_chart(rp, title, false, m) < 0)
			goto out;
	}
	for (unsigned s = 0; s < h->nsockets; s++) {
		size_t n = 0;

		memset(m, 0, h->ndomains * sizeof(bool));
		/* package + dram is the socket's energy (core and uncore are inside package) */
		for (size_t d = 0; d < h->ndomains; d++)
			if (h->domains[d].socket == (int)s &&
			    (h->domains[d].kind == JOULESTAT_DOMAIN_PACKAGE ||
			     h->domains[d].kind == JOULESTAT_DOMAIN_DRAM)) {
				m[d] = true;
				n++;
			}
		if (n < 2)
			continue;
		/* The host total itself (one socket whose package and dram are the total): not twice. */
		n = 0;
		for (size_t d = 0; d < h->ndomains; d++)
			n += m[d] != h->domains[d].in_total;
		if (n == 0)
			continue;
		snprintf(title, sizeof(title), "Socket %u (package + dram)", s);
		if (add_chart(rp, title, false, m) < 0)
			goto out;
	}
	/* --per-cpu: each CPU's share of the host total (no domain of its own). */
	rp->cpu_chart0 = rp->ncharts;
	for (unsigned k = 0; rp->per_cpu && k < rp->ncpus; k++) {
		memset(m, 0, h->ndomains * sizeof(bool));
		snprintf(title, sizeof(title), "CPU %u (its share of the host total)", k);
		if (add_chart(rp, title, false, m) < 0)
			goto out;
		rp->charts[rp->ncharts - 1].cpu = (int)k;
		rp->charts[rp->ncharts - 1].estimated = rp->charts[0].estimated;
	}
	r = 0;
out:
	free(m);
	return r;
}

/* Rows by (tgid, start): a task finds its process's row by binary search. */
static const struct recfmt_interval *sort_iv;

static int by_row_key(const void *a, const void *b)
{
	const struct recfmt_row *x = &sort_iv->rows[*(const size_t *)a];
	const struct recfmt_row *y = &sort_iv->rows[*(const size_t *)b];

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* The row of process (tgid, start); with no row of that start, one of tgid's; -1: none. */
static long row_of_task(const struct report *rp, const struct recfmt_interval *iv, uint32_t tgid,
			uint64_t start_ns)
{
	size_t lo = 0, hi = iv->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct recfmt_row *r = &iv->rows[rp->pc_order[mid]];

		if (r->tgid < tgid || (r->tgid == tgid && r->start_ns < start_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < iv->nrows && iv->rows[rp->pc_order[lo]].tgid == tgid &&
	    iv->rows[rp->pc_order[lo]].start_ns == start_ns)
		return (long)rp->pc_order[lo];
	/* an unknown start (0) on either side: the process's only row */
	if (lo < iv->nrows && iv->rows[rp->pc_order[lo]].tgid == tgid)
		return (long)rp->pc_order[lo];
	if (lo > 0 && iv->rows[rp->pc_order[lo - 1]].tgid == tgid)
		return (long)rp->pc_order[lo - 1];
	return -1;
}

/*
 * --per-cpu: interval iv's host energy laid out on its CPUs (percpu.h):
 * each row's time on each CPU (its threads' raw per-CPU times) into
 * pc_ns[row * ncpus + cpu], its energy there into pc_uj, each CPU's ledger
 * into pc_cpus. Returns 0, -EINVAL (said), -ENOMEM.
 */
static int interval_percpu(struct report *rp, const struct recfmt_interval *iv)
{
	unsigned nc = rp->ncpus;
	size_t nr = iv->nrows, nslots = 0;
	struct percpu_in in;
	int r;

	if (!iv->has_raw || iv->sample.ncpus != nc) {
		cli_error("report", "%s: interval %" PRIu64 " has no raw inputs for its %u CPUs: "
				    "--per-cpu needs every interval's (record again with --raw)",
			  rp->rf.path, iv->seq, nc);
		return -EINVAL;
	}
	if (nr > rp->pc_cap) {
		size_t cap = nr;

		free(rp->pc_ns);
		free(rp->pc_uj);
		free(rp->pc_slots);
		free(rp->pc_items);
		free(rp->pc_order);
		rp->pc_ns = calloc(cap * nc, sizeof(uint64_t));
		rp->pc_uj = calloc(cap * nc, sizeof(uint64_t));
		rp->pc_slots = calloc(cap * nc, sizeof(*rp->pc_slots));
		rp->pc_items = calloc(cap, sizeof(*rp->pc_items));
		rp->pc_order = calloc(cap, sizeof(size_t));
		rp->pc_cap = rp->pc_ns && rp->pc_uj && rp->pc_slots && rp->pc_items && rp->pc_order
				     ? cap
				     : 0;
		if (!rp->pc_cap)
			return -ENOMEM;
	}
	if (!rp->pc_cpus) {
		rp->pc_cpus = calloc(nc, sizeof(*rp->pc_cpus));
		if (!rp->pc_cpus)
			return -ENOMEM;
	}
	memset(rp->pc_ns, 0, nr * nc * sizeof(uint64_t));
	memset(rp->pc_uj, 0, nr * nc * sizeof(uint64_t));
	for (size_t i = 0; i < nr; i++)
		rp->pc_order[i] = i;
	sort_iv = iv;
	qsort(rp->pc_order, nr, sizeof(size_t), by_row_key);
	/* Each thread's time on each CPU, to its process's row. */
	for (size_t j = 0; j < iv->sample.nrows; j++) {
		const struct activity_row *ar = &iv->sample.rows[j];
		const struct activity_task *t;
		long row;

		if (ar->task >= iv->sample.ntasks || ar->cpu >= nc)
			continue; /* the parser refuses these */
		t = &iv->sample.tasks[ar->task];
		row = row_of_task(rp, iv, t->key.tgid, iv->proc_start_ns[ar->task]);
		if (row >= 0)
			rp->pc_ns[(size_t)row * nc + ar->cpu] += ar->ns;
	}
	for (size_t i = 0; i < nr; i++) {
		struct percpu_item *it = &rp->pc_items[i];

		*it = (struct percpu_item){ .energy_uj = iv->rows[i].total_uj,
					    .slots = &rp->pc_slots[nslots] };
		for (unsigned c = 0; c < nc; c++)
			if (rp->pc_ns[i * nc + c])
				rp->pc_slots[nslots + it->nslots++] =
					(struct percpu_slot){ c, rp->pc_ns[i * nc + c], 0 };
		nslots += it->nslots;
	}
	in = (struct percpu_in){
		.ncpus = nc,
		.idle_ns = iv->idle_ns,
		.lost_ns = iv->lost_ns_cpu,
		.irq_ns = iv->irq_ns_cpu,
		.idle_uj = iv->host_idle_uj,
		.unattributed_uj = iv->host_unattributed_uj,
		.items = rp->pc_items,
		.nitems = nr,
	};
	r = percpu_split(&in, rp->pc_cpus);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nr; i++)
		for (size_t k = 0; k < rp->pc_items[i].nslots; k++)
			rp->pc_uj[i * nc + rp->pc_items[i].slots[k].cpu] = rp->pc_items[i].slots[k].uj;
	return 0;
}

/* --per-cpu, pass 1: each process's energy and time on each CPU, each CPU's ledger. */
static int totals_percpu(struct report *rp, const struct recfmt_interval *iv)
{
	unsigned nc = rp->ncpus;
	int r;

	if (chart_gap(rp, &rp->charts[0], iv))
		return 0;
	r = interval_percpu(rp, iv);
	for (size_t i = 0; r == 0 && i < iv->nrows; i++) {
		long k = group_of(rp, iv, &iv->rows[i], false);

		if (k < 0)
			return (int)k;
		for (unsigned c = 0; c < nc; c++) {
			rp->groups[k].chart_uj[rp->cpu_chart0 + c] += rp->pc_uj[i * nc + c];
			rp->groups[k].cpu_ns_on[c] += rp->pc_ns[i * nc + c];
		}
	}
	for (unsigned c = 0; r == 0 && c < nc; c++) {
		struct chart *ch = &rp->charts[rp->cpu_chart0 + c];
		const struct percpu_cpu *pc = &rp->pc_cpus[c];

		ch->delta_uj += pc->energy_uj;
		ch->tasks_uj += pc->tasks_uj;
		ch->idle_uj += pc->idle_uj;
		ch->unattr_uj += pc->unattributed_uj;
		ch->busy_ns += pc->busy_ns;
		ch->idle_ns += pc->idle_ns;
		ch->lost_ns += pc->lost_ns;
		ch->irq_ns += pc->irq_ns;
	}
	return r;
}

/* Pass 1: group totals and ledger totals. */
static int pass_totals(struct report *rp)
{
	for (;;) {
		struct recfmt_interval *iv = NULL;
		int r = recfile_next("report", &rp->rf, &iv);

		if (r <= 0)
			return r;
		if (rp->nintervals == 0)
			rp->first_start_ns = iv->start_ns;
		rp->nintervals++;
		rp->duration_ns += iv->end_ns - iv->start_ns;
		r = interval_cgroup_names(rp, iv);
		for (size_t i = 0; r == 0 && i < iv->nrows; i++) {
			long k = group_of(rp, iv, &iv->rows[i], true);
			struct rgroup *p;

			if (k < 0) {
				r = (int)k;
				break;
			}
			p = &rp->groups[k];
			for (size_t c = 0; c < rp->ncharts; c++)
				if (!chart_gap(rp, &rp->charts[c], iv))
					p->chart_uj[c] += row_chart_uj(rp, &rp->charts[c], &iv->rows[i]);
			p->total_uj = p->chart_uj[0];
			p->cpu_ns += iv->rows[i].cpu_ns;
			p->syscalls += iv->rows[i].syscalls;
			/* the latest name: a process that exec()s shows what it became */
			strscpy(p->comm, iv->rows[i].comm, sizeof(p->comm));
		}
		if (r < 0) {
			recfmt_interval_free(iv);
			return r;
		}
		for (size_t v = 0; v < iv->nvms; v++) {
			struct vm_total *t = NULL;

			for (size_t k = 0; k < rp->nvms && !t; k++)
				if (strcmp(rp->vms[k].name, iv->vms[v].name) == 0)
					t = &rp->vms[k];
			if (!t) {
				struct vm_total *n = realloc(rp->vms, (rp->nvms + 1) * sizeof(*n));

				if (!n) {
					recfmt_interval_free(iv);
					return -ENOMEM;
				}
				rp->vms = n;
				t = &rp->vms[rp->nvms++];
				*t = (struct vm_total){ 0 };
				strscpy(t->name, iv->vms[v].name, sizeof(t->name));
			}
			t->energy_uj += iv->vms[v].energy_uj;
			t->cpu_ns += iv->vms[v].cpu_ns;
		}
		if (rp->per_cpu) {
			r = totals_percpu(rp, iv);
			if (r < 0) {
				recfmt_interval_free(iv);
				return r;
			}
		}
		for (size_t c = 0; c < rp->ncharts; c++) {
			struct chart *ch = &rp->charts[c];

			if (chart_gap(rp, ch, iv)) {
				ch->gaps++;
				continue;
			}
			ch->measured_ns += iv->end_ns - iv->start_ns;
			for (size_t d = 0; d < rp->h->ndomains; d++) {
				if (!ch->member[d])
					continue;
				ch->delta_uj += iv->ledgers[d].delta_uj;
				ch->tasks_uj += iv->ledgers[d].tasks_uj;
				ch->idle_uj += iv->ledgers[d].idle_uj;
				ch->unattr_uj += iv->ledgers[d].unattributed_uj;
				ch->sampled |= iv->ledgers[d].sampled;
			}
		}
		recfmt_interval_free(iv);
	}
}

static const struct report *sort_rp;
static const struct chart *sort_chart;

/* Largest energy first; ties by key (tgid, start, name), so the choice is deterministic. */
static int by_chart_energy(const void *a, const void *b)
{
	const struct rgroup *pa = &sort_rp->groups[*(const size_t *)a];
	const struct rgroup *pb = &sort_rp->groups[*(const size_t *)b];
	uint64_t ea = group_chart_uj(sort_rp, sort_chart, pa);
	uint64_t eb = group_chart_uj(sort_rp, sort_chart, pb);

	if (ea != eb)
		return ea > eb ? -1 : 1;
	if (pa->tgid != pb->tgid)
		return pa->tgid < pb->tgid ? -1 : 1;
	if (pa->start_ns != pb->start_ns)
		return pa->start_ns < pb->start_ns ? -1 : 1;
	return pa->name && pb->name ? strcmp(pa->name, pb->name) : 0;
}

static int choose_top(struct report *rp)
{
	size_t *idx = calloc(rp->ngroups + 1, sizeof(size_t));

	if (!idx)
		return -ENOMEM;
	for (size_t c = 0; c < rp->ncharts; c++) {
		struct chart *ch = &rp->charts[c];
		size_t n = 0;

		for (size_t i = 0; i < rp->ngroups; i++)
			idx[i] = i;
		sort_rp = rp;
		sort_chart = ch;
		qsort(idx, rp->ngroups, sizeof(*idx), by_chart_energy);
		/* Only groups that have energy in this chart. */
		while (n < rp->ngroups && n < rp->topn && group_chart_uj(rp, ch, &rp->groups[idx[n]]))
			n++;
		ch->ntop = n;
		ch->top = calloc(n + 1, sizeof(size_t));
		ch->top_uj = calloc(n + 1, sizeof(uint64_t));
		ch->v = calloc((n + S_FIXED) * rp->nintervals + 1, sizeof(double));
		ch->total_w = calloc(rp->nintervals + 1, sizeof(double));
		if (!ch->top || !ch->top_uj || !ch->v || !ch->total_w) {
			free(idx);
			return -ENOMEM;
		}
		for (size_t k = 0; k < n; k++) {
			ch->top[k] = idx[k];
			ch->top_uj[k] = group_chart_uj(rp, ch, &rp->groups[idx[k]]);
		}
	}
	free(idx);
	rp->t0_ns = calloc(rp->nintervals + 1, sizeof(uint64_t));
	rp->t1_ns = calloc(rp->nintervals + 1, sizeof(uint64_t));
	rp->res_cpu_centipct = calloc(rp->nintervals + 1, sizeof(int32_t));
	rp->host_iv_uj = calloc(rp->charts[0].ntop + S_FIXED, sizeof(uint64_t));
	rp->host_g = calloc(rp->charts[0].ntop + S_FIXED, sizeof(double));
	rp->iv_g_per_kwh = calloc(rp->nintervals + 1, sizeof(double));
	if (rp->csv)
		rp->csv_uj = calloc((rp->charts[0].ntop + S_FIXED) * rp->nintervals + 1,
				    sizeof(uint64_t));
	return rp->t0_ns && rp->t1_ns && rp->res_cpu_centipct && rp->host_iv_uj && rp->host_g &&
			       rp->iv_g_per_kwh && (!rp->csv || rp->csv_uj)
		       ? 0
		       : -ENOMEM;
}

/*
 * The host total's interval `i`, its series' µJ in rp->host_iv_uj (the top
 * groups) and the rest given: kept for --csv, and its emissions at the
 * intensity of the interval's middle (the recording's wall clock). Clears
 * rp->host_iv_uj for the next interval.
 */
static void host_interval(struct report *rp, const struct recfmt_interval *iv, size_t i,
			  uint64_t delta, uint64_t other, uint64_t unattr, uint64_t idle)
{
	const struct chart *ch = &rp->charts[0];
	size_t nser = ch->ntop + S_FIXED;
	uint64_t mid_ns = rp->h->start_unix_ns + (iv->start_ns - rp->first_start_ns) +
			  (iv->end_ns - iv->start_ns) / 2;
	double g = carbon_at(&rp->carbon, (int64_t)(mid_ns / 1000000000ULL), NULL);

	rp->host_iv_uj[ch->ntop + S_OTHER] = other;
	rp->host_iv_uj[ch->ntop + S_UNATTR] = unattr;
	rp->host_iv_uj[ch->ntop + S_IDLE] = idle;
	rp->iv_g_per_kwh[i] = g;
	if (carbon_enabled(&rp->carbon)) {
		carbon_acc_add(&rp->co2e, &rp->carbon, delta, (int64_t)(mid_ns / 1000000000ULL));
		for (size_t s = 0; s < nser && !isnan(g); s++)
			rp->host_g[s] += carbon_grams(rp->host_iv_uj[s], g);
	}
	for (size_t s = 0; s < nser; s++) {
		if (rp->csv_uj)
			rp->csv_uj[s * rp->nintervals + i] = rp->host_iv_uj[s];
		rp->host_iv_uj[s] = 0;
	}
}

/* Pass 2: each chart's series, in watts per interval. */
static int pass_series(struct report *rp)
{
	size_t i = 0;

	for (;; i++) {
		struct recfmt_interval *iv = NULL;
		int r = recfile_next("report", &rp->rf, &iv);
		double ns;

		if (r <= 0)
			return r;
		if (i >= rp->nintervals) {
			recfmt_interval_free(iv);
			cli_error("report", "%s changed while it was read", rp->rf.path);
			return -EIO;
		}
		/* A zero-length interval (a fixture clock that stood still) draws nothing. */
		ns = iv->end_ns > iv->start_ns ? (double)(iv->end_ns - iv->start_ns) : INFINITY;
		rp->t0_ns[i] = iv->start_ns - rp->first_start_ns;
		rp->t1_ns[i] = iv->end_ns - rp->first_start_ns;
		rp->res_cpu_centipct[i] = iv->resources ? (int32_t)iv->resources->cpu_centipct : -1;
		/* Each row's group (pass 1 saw them all). */
		r = interval_cgroup_names(rp, iv);
		if (r == 0 && iv->nrows > rp->rowg_cap) {
			long *n = realloc(rp->rowg, iv->nrows * sizeof(*n));

			if (n) {
				rp->rowg = n;
				rp->rowg_cap = iv->nrows;
			}
			r = n ? 0 : -ENOMEM;
		}
		for (size_t k = 0; r == 0 && k < iv->nrows; k++)
			rp->rowg[k] = group_of(rp, iv, &iv->rows[k], false);
		if (r == 0 && rp->per_cpu && !chart_gap(rp, &rp->charts[0], iv))
			r = interval_percpu(rp, iv);
		if (r < 0) {
			recfmt_interval_free(iv);
			return r;
		}
		for (size_t c = 0; c < rp->ncharts; c++) {
			struct chart *ch = &rp->charts[c];
			size_t nser = ch->ntop + S_FIXED, n = rp->nintervals;
			uint64_t delta = 0, tasks = 0, idle = 0, unattr = 0, named = 0;

			if (chart_gap(rp, ch, iv)) {
				/* Unknown, not zero: every series and the total are NaN, drawn as a gap. */
				for (size_t k = 0; k < nser; k++)
					ch->v[k * n + i] = NAN;
				ch->total_w[i] = NAN;
				if (c == 0) /* no emissions for energy nobody knows */
					rp->iv_g_per_kwh[i] = NAN;
				continue;
			}
			for (size_t d = 0; d < rp->h->ndomains; d++) {
				if (!ch->member[d])
					continue;
				delta += iv->ledgers[d].delta_uj;
				tasks += iv->ledgers[d].tasks_uj;
				idle += iv->ledgers[d].idle_uj;
				unattr += iv->ledgers[d].unattributed_uj;
			}
			if (ch->cpu >= 0) {
				const struct percpu_cpu *pc = &rp->pc_cpus[ch->cpu];

				delta = pc->energy_uj;
				tasks = pc->tasks_uj;
				idle = pc->idle_uj;
				unattr = pc->unattributed_uj;
			}
			for (size_t k = 0; k < iv->nrows; k++) {
				const struct recfmt_row *row = &iv->rows[k];

				for (size_t t = 0; t < ch->ntop; t++) {
					if (rp->rowg[k] == (long)ch->top[t]) {
						uint64_t e =
							ch->cpu >= 0
								? rp->pc_uj[k * rp->ncpus + (unsigned)ch->cpu]
								: row_chart_uj(rp, ch, row);

						/* A group of several processes has several rows. */
						ch->v[t * n + i] += (double)e * 1e3 / ns;
						named += e;
						if (c == 0)
							rp->host_iv_uj[t] += e;
						break;
					}
				}
			}
			ch->v[(nser - S_FIXED + S_OTHER) * n + i] = (double)(tasks - named) * 1e3 / ns;
			ch->v[(nser - S_FIXED + S_UNATTR) * n + i] = (double)unattr * 1e3 / ns;
			ch->v[(nser - S_FIXED + S_IDLE) * n + i] = (double)idle * 1e3 / ns;
			ch->total_w[i] = (double)delta * 1e3 / ns;
			if (c == 0)
				host_interval(rp, iv, i, delta, tasks - named, unattr, idle);
		}
		recfmt_interval_free(iv);
	}
}

/* ---- output ---- */

static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
	"#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173",
};
#define COLOR_OTHER "#9e9e9e"
#define COLOR_UNATTR "#f28e8e"
#define COLOR_IDLE "#dcdcdc"

static const char *series_color(const struct chart *ch, size_t s)
{
	if (s < ch->ntop)
		return palette[s % ARRAY_SIZE(palette)];
	switch (s - ch->ntop) {
	case S_OTHER:
		return COLOR_OTHER;
	case S_UNATTR:
		return COLOR_UNATTR;
	default:
		return COLOR_IDLE;
	}
}

/* A round step for axis ticks: 1, 2 or 5 × 10^k, about max/5. */
static double nice_step(double max)
{
	double raw = max / 5, p, m;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* What the grouping's groups are called: "process", "command", ... (and "processes", ...). */
static const char *group_noun(enum joulestat_group by, bool plural)
{
	switch (by) {
	case JOULESTAT_GROUP_COMM:
		return plural ? "commands" : "command";
	case JOULESTAT_GROUP_USER:
		return plural ? "users" : "user";
	case JOULESTAT_GROUP_CGROUP:
		return plural ? "cgroups" : "cgroup";
	case JOULESTAT_GROUP_UNIT:
		return plural ? "units" : "unit";
	case JOULESTAT_GROUP_CONTAINER:
		return plural ? "containers" : "container";
	default:
		return plural ? "processes" : "process";
	}
}

/* A group's label, raw (the caller escapes it for its output): "cc1 (4211)", "nginx.service". */
static const char *group_label(const struct report *rp, const struct rgroup *g, char *buf,
			       size_t size)
{
	switch (rp->by) {
	case JOULESTAT_GROUP_PROCESS:
		snprintf(buf, size, "%s (%u)", g->comm[0] ? g->comm : "?", g->tgid);
		break;
	case JOULESTAT_GROUP_USER:
		views_user(g->tgid, buf, size);
		break;
	case JOULESTAT_GROUP_CGROUP:
		snprintf(buf, size, "%s", g->name[0] ? g->name : "(unknown)");
		break;
	case JOULESTAT_GROUP_UNIT:
		snprintf(buf, size, "%s", g->name[0] ? g->name : "(no unit)");
		break;
	case JOULESTAT_GROUP_CONTAINER:
		snprintf(buf, size, "%s", g->name[0] ? g->name : "(no container)");
		break;
	default:
		snprintf(buf, size, "%s", g->name[0] ? g->name : "?");
		break;
	}
	return buf;
}

/* The label of series s of a chart, raw: a group's, "other processes", "unattributed", "idle". */
static const char *series_name(const struct report *rp, const struct chart *ch, size_t s,
			       char *buf, size_t size)
{
	if (s < ch->ntop)
		return group_label(rp, &rp->groups[ch->top[s]], buf, size);
	if (s - ch->ntop == S_OTHER)
		snprintf(buf, size, "other %s", group_noun(rp->by, true));
	else
		snprintf(buf, size, "%s", s - ch->ntop == S_UNATTR ? "unattributed" : "idle");
	return buf;
}

static void series_label(FILE *f, const struct report *rp, const struct chart *ch, size_t s)
{
	char buf[REPORT_LABEL_MAX];

	xml_text(f, series_name(rp, ch, s, buf, sizeof(buf)));
}

static uint64_t series_uj(const struct report *rp, const struct chart *ch, size_t s)
{
	uint64_t named = 0;

	if (s < ch->ntop)
		return ch->top_uj[s];
	switch (s - ch->ntop) {
	case S_OTHER:
		for (size_t k = 0; k < ch->ntop; k++)
			named += ch->top_uj[k];
		return ch->tasks_uj - named;
	case S_UNATTR:
		return ch->unattr_uj;
	default:
		return ch->idle_uj;
	}
}

/* The chart's mean power over the intervals that are not gaps; NaN ("-") when all are. */
static double chart_mean_w(const struct chart *ch)
{
	return ch->measured_ns ? (double)ch->delta_uj * 1e3 / (double)ch->measured_ns
			       : ch->gaps ? NAN : 0;
}

#define SVG_W 1000
#define PLOT_X0 70
#define PLOT_X1 680
#define LEGEND_X 700
#define CHART_PAD_TOP 46
#define LINE_H 17

static int chart_height(const struct chart *ch)
{
	int legend = (int)(ch->ntop + S_FIXED + 2) * LINE_H;

	return CHART_PAD_TOP + (legend > 240 ? legend : 240) + 50;
}

/* One chart at vertical offset y0, as an SVG <g>. */
static void svg_chart(FILE *f, const struct report *rp, const struct chart *ch, int y0)
{
	size_t n = rp->nintervals, nser = ch->ntop + S_FIXED;
	int ph = chart_height(ch) - CHART_PAD_TOP - 50;
	double ymax = 0, tmax = rp->nintervals ? (double)rp->t1_ns[n - 1] / 1e9 : 1;
	double ystep, tstep, *base = calloc(n + 1, sizeof(double));
	double py0 = y0 + CHART_PAD_TOP, py1 = py0 + ph;
	char buf[32];

	if (!base)
		return;
	for (size_t i = 0; i < n; i++) {
		double sum = 0;

		for (size_t s = 0; s < nser; s++)
			sum += ch->v[s * n + i];
		ymax = fmax(ymax, fmax(sum, ch->total_w[i]));
	}
	ystep = nice_step(ymax > 0 ? ymax : 1);
	ymax = ceil((ymax > 0 ? ymax : 1) / ystep) * ystep;
	if (!(tmax > 0))
		tmax = 1;
	tstep = nice_step(tmax);
#define X(t) (PLOT_X0 + (t) / tmax * (PLOT_X1 - PLOT_X0))
#define Y(w) (py1 - (w) / ymax * ph)
	fprintf(f, "<g class=\"chart\" data-title=\"");
	xml_text(f, ch->title);
	fprintf(f, "\">\n<text x=\"%d\" y=\"%d\" font-size=\"16\" font-weight=\"bold\">", PLOT_X0,
		y0 + 22);
	xml_text(f, ch->title);
	if (ch->estimated)
		fputs(" \xe2\x80\x94 estimated (model)", f);
	if (ch->sampled)
		fputs(" \xe2\x80\x94 shares from sampled GPU utilisation", f);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#444\">%s over %.1f s, "
		   "mean ",
		PLOT_X0, y0 + 38, views_joules(ch->delta_uj, buf, sizeof(buf)),
		(double)ch->measured_ns / 1e9);
	fprintf(f, "%s", views_watts(chart_mean_w(ch), buf, sizeof(buf)));
	if (ch->gaps)
		fprintf(f, "; %zu gap%s (readings refused: energy unknown), left out", ch->gaps,
			ch->gaps == 1 ? "" : "s");
	fputs("</text>\n", f);
	/* grid and axes */
	for (double w = 0; w <= ymax + ystep / 2; w += ystep)
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
			   "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%g W</text>\n",
			PLOT_X0, PLOT_X1, Y(w), Y(w), PLOT_X0 - 6, Y(w) + 4, w);
	for (double t = 0; t <= tmax + tstep / 1e6; t += tstep)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%g"
			   "</text>\n",
			X(t), py1 + 16, t);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">time (s)</text>\n",
		(PLOT_X0 + PLOT_X1) / 2, py1 + 34);
	/* gaps: intervals whose energy is unknown (a refused reading), not zero */
	for (size_t i = 0; i < n; i++)
		if (isnan(ch->total_w[i]))
			fprintf(f, "<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				   "height=\"%d\" fill=\"#f4f4f4\"><title>gap: reading refused, energy "
				   "unknown</title></rect>\n",
				X(rp->t0_ns[i] / 1e9), py0, X(rp->t1_ns[i] / 1e9) - X(rp->t0_ns[i] / 1e9),
				ph);
	/* stacked steps, bottom series first, one outline per run of intervals between gaps */
	for (size_t s = 0; s < nser; s++) {
		fprintf(f, "<path class=\"series\" data-series=\"");
		series_label(f, rp, ch, s);
		fprintf(f, "\" fill=\"%s\" stroke=\"none\" d=\"", series_color(ch, s));
		for (size_t i0 = 0, i1; i0 < n; i0 = i1) {
			if (isnan(ch->total_w[i0])) {
				i1 = i0 + 1;
				continue;
			}
			for (i1 = i0; i1 < n && !isnan(ch->total_w[i1]); i1++) {
				double top = base[i1] + ch->v[s * n + i1];

				fprintf(f, "%s%.1f %.1f L%.1f %.1f ", i1 == i0 ? "M" : "L",
					X(rp->t0_ns[i1] / 1e9), Y(top), X(rp->t1_ns[i1] / 1e9), Y(top));
			}
			for (size_t i = i1; i-- > i0;)
				fprintf(f, "L%.1f %.1f L%.1f %.1f ", X(rp->t1_ns[i] / 1e9), Y(base[i]),
					X(rp->t0_ns[i] / 1e9), Y(base[i]));
			fputs("Z ", f);
		}
		fputs("\"/>\n", f);
		for (size_t i = 0; i < n; i++)
			if (!isnan(ch->total_w[i]))
				base[i] += ch->v[s * n + i];
	}
	/* the measured total, which the stack must reach; broken at each gap */
	fputs("<path class=\"total\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\" d=\"", f);
	for (size_t i = 0; i < n; i++)
		if (!isnan(ch->total_w[i]))
			fprintf(f, "%s%.1f %.1f L%.1f %.1f ",
				i && !isnan(ch->total_w[i - 1]) ? "L" : "M", X(rp->t0_ns[i] / 1e9),
				Y(ch->total_w[i]), X(rp->t1_ns[i] / 1e9), Y(ch->total_w[i]));
	fputs("\"/>\n", f);
	/* On hover, each interval's values: its total, then the stack from the top. */
	fputs("<g class=\"hover\" fill=\"#000\" fill-opacity=\"0\">\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"><title>%g\xe2\x80\x93%g "
			   "s: ",
			X(rp->t0_ns[i] / 1e9), py0, X(rp->t1_ns[i] / 1e9) - X(rp->t0_ns[i] / 1e9), ph,
			rp->t0_ns[i] / 1e9, rp->t1_ns[i] / 1e9);
		if (isnan(ch->total_w[i])) {
			fputs("gap: reading refused, energy unknown</title></rect>\n", f);
			continue;
		}
		fprintf(f, "total %s", views_watts(ch->total_w[i], buf, sizeof(buf)));
		for (size_t s = nser; s-- > 0;) {
			fputc('\n', f);
			series_label(f, rp, ch, s);
			fprintf(f, " %s", views_watts(ch->v[s * n + i], buf, sizeof(buf)));
		}
		fputs("</title></rect>\n", f);
	}
	fputs("</g>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
		   "stroke=\"#888\"/>\n",
		PLOT_X0, py0, PLOT_X1 - PLOT_X0, ph);
	/* legend, top of the stack first */
	{
		double ly = py0 + 4;

		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
			   "stroke-width=\"2\"/><text x=\"%d\" y=\"%.1f\" font-size=\"12\">total "
			   "(%s): %s</text>\n",
			LEGEND_X, LEGEND_X + 14, ly + 6, ly + 6, LEGEND_X + 20, ly + 10,
			ch->estimated ? "estimated" : "measured", views_joules(ch->delta_uj, buf, sizeof(buf)));
		ly += LINE_H;
		for (size_t s = nser; s-- > 0; ly += LINE_H) {
			uint64_t uj = series_uj(rp, ch, s);

			fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\"/>"
				   "<text class=\"legend\" x=\"%d\" y=\"%.1f\" font-size=\"12\">",
				LEGEND_X, ly, series_color(ch, s), LEGEND_X + 20, ly + 10);
			series_label(f, rp, ch, s);
			fprintf(f, ": %s (%.1f %%)</text>\n", views_joules(uj, buf, sizeof(buf)),
				ch->delta_uj ? (double)uj * 100.0 / (double)ch->delta_uj : 0.0);
		}
	}
	fputs("</g>\n", f);
#undef X
#undef Y
	free(base);
}

static int svg_height(const struct report *rp)
{
	int h = 10;

	for (size_t c = 0; c < rp->ncharts; c++)
		h += chart_height(&rp->charts[c]);
	return h;
}

static void write_svg(FILE *f, const struct report *rp)
{
	int y = 10;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		SVG_W, svg_height(rp), SVG_W, svg_height(rp));
	for (size_t c = 0; c < rp->ncharts; c++) {
		svg_chart(f, rp, &rp->charts[c], y);
		y += chart_height(&rp->charts[c]);
	}
	fputs("</svg>\n", f);
}

static void utc_time(uint64_t unix_ns, char *buf, size_t size)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static bool any_estimated(const struct recfmt_header *h)
{
	for (size_t d = 0; d < h->ndomains; d++)
		if (h->domains[d].estimated)
			return true;
	return false;
}

/* Every domain modelled: nothing in the recording was measured. */
static bool all_estimated(const struct recfmt_header *h)
{
	for (size_t d = 0; d < h->ndomains; d++)
		if (!h->domains[d].estimated)
			return false;
	return h->ndomains > 0;
}

/*
 * record --resources: the machine's CPU use (0 to 100 %) beside its host
 * power (scaled to its own peak), one step per interval, so a reader sees
 * whether power followed the load. Intervals whose resources were not
 * sampled (null) leave a gap.
 */
static void svg_resources(FILE *f, const struct report *rp)
{
	const struct chart *host = &rp->charts[0];
	size_t n = rp->nintervals;
	double tmax = n ? (double)rp->t1_ns[n - 1] / 1e9 : 1, wmax = 0;
	const double py0 = 30, py1 = 190;
	char buf[32];

	for (size_t i = 0; i < n; i++)
		wmax = fmax(wmax, host->total_w[i]);
	if (!(tmax > 0))
		tmax = 1;
#define RX(t) (PLOT_X0 + (t) / tmax * (PLOT_X1 - PLOT_X0))
#define RY(frac) (py1 - (frac) * (py1 - py0))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"resources\" width=\"%d\" "
		   "height=\"220\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W);
	fprintf(f, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" fill=\"none\" "
		   "stroke=\"#ccc\"/>\n<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">100 %%</text>"
		   "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">0 %%</text>\n",
		PLOT_X0, py0, PLOT_X1 - PLOT_X0, py1 - py0, PLOT_X0 - 6, py0 + 4, PLOT_X0 - 6,
		py1 + 4);
	fputs("<path class=\"cpu\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" d=\"", f);
	for (size_t i = 0, pen = 0; i < n; i++) {
		double v = rp->res_cpu_centipct[i] / 10000.0;

		if (rp->res_cpu_centipct[i] < 0) {
			pen = 0;
			continue;
		}
		fprintf(f, "%s%.1f %.1f L%.1f %.1f ", pen ? "L" : "M", RX(rp->t0_ns[i] / 1e9), RY(v),
			RX(rp->t1_ns[i] / 1e9), RY(v));
		pen = 1;
	}
	fputs("\"/>\n<path class=\"power\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\" "
	      "d=\"",
	      f);
	for (size_t i = 0; i < n && wmax > 0; i++) {
		double v = host->total_w[i] / wmax;

		if (isnan(v))
			continue; /* a gap: a refused reading */
		fprintf(f, "%s%.1f %.1f L%.1f %.1f ", i && !isnan(host->total_w[i - 1]) ? "L" : "M",
			RX(rp->t0_ns[i] / 1e9), RY(v), RX(rp->t1_ns[i] / 1e9), RY(v));
	}
#undef RX
#undef RY
	fprintf(f, "\"/>\n<text x=\"%d\" y=\"%.0f\" fill=\"#1f77b4\">machine CPU use (%%)</text>\n"
		   "<text x=\"%d\" y=\"%.0f\">host power (peak %s = top)</text>\n"
		   "<text x=\"%d\" y=\"%.0f\">time (s), 0 to %.1f</text>\n</svg>\n",
		LEGEND_X, py0 + 10, LEGEND_X, py0 + 28, views_watts(wmax, buf, sizeof(buf)), PLOT_X0,
		py1 + 22, tmax);
}

/*
 * Under the baseline policy, each host domain's static power (the idle row)
 * and where it came from; recordings before the header said so give none.
 */
static void text_static_power(FILE *f, const struct recfmt_header *h)
{
	char w[32];

	if (h->idle != ATTRIB_IDLE_BASELINE)
		return;
	fputs("static power (the idle row):", f);
	for (size_t d = 0; d < h->ndomains; d++)
		if (h->domains[d].in_total)
			fprintf(f, " %s %s from %s", h->domains[d].name,
				views_watts((double)h->domains[d].static_mw / 1e3, w, sizeof(w)),
				h->domains[d].static_from ? h->domains[d].static_from
							  : "(not recorded)");
	fputc('\n', f);
}

static void html_static_power(FILE *f, const struct recfmt_header *h)
{
	char w[32];
	bool first = true;

	if (h->idle != ATTRIB_IDLE_BASELINE)
		return;
	fputs("<dt>Static power</dt><dd>", f);
	for (size_t d = 0; d < h->ndomains; d++) {
		if (!h->domains[d].in_total)
			continue;
		fputs(first ? "" : ", ", f);
		xml_text(f, h->domains[d].name);
		fprintf(f, " %s from ", views_watts((double)h->domains[d].static_mw / 1e3, w, sizeof(w)));
		xml_text(f, h->domains[d].static_from ? h->domains[d].static_from : "(not recorded)");
		first = false;
	}
	fputs(" (the idle row)</dd>\n", f);
}

/* Gaps of the host total: intervals left out of its totals and means, counted. */
static void html_gaps(FILE *f, const struct report *rp)
{
	const struct chart *host = &rp->charts[0];

	if (!host->gaps)
		return;
	fprintf(f, "<dt>Gaps</dt><dd class=\"gaps\">%zu interval%s with a refused reading "
		   "(energy unknown, not 0): left out of the totals and means (%.1f s measured)</dd>\n",
		host->gaps, host->gaps == 1 ? "" : "s", (double)host->measured_ns / 1e9);
}

/*
 * --per-cpu: the host's top processes as rows, each CPU's time share and
 * energy as columns, then each CPU's ledger (all tasks, idle, unattributed)
 * and its total: the time named (tasks, idle, interrupts) over the recorded
 * time, its coverage, and its energy. The CPUs add up to the host.
 */
#define PCT_NAME_W 28
static void percpu_text_cell(FILE *f, uint64_t ns, uint64_t uj, uint64_t measured_ns)
{
	char pct[16], j[32];

	if (!ns && !uj) {
		fprintf(f, " %7s %9s", "-", "-");
		return;
	}
	if (measured_ns)
		snprintf(pct, sizeof(pct), "%.1f%%", (double)ns * 100.0 / (double)measured_ns);
	else
		snprintf(pct, sizeof(pct), "-");
	fprintf(f, " %7s %9s", pct, units_si((double)uj / 1e6, "J", j, sizeof(j)));
}

static void percpu_values(const struct report *rp, size_t row, unsigned c, uint64_t *ns,
			  uint64_t *uj)
{
	const struct chart *host = &rp->charts[0], *ch = &rp->charts[rp->cpu_chart0 + c];

	if (row < host->ntop) {
		const struct rgroup *g = &rp->groups[host->top[row]];

		*ns = g->cpu_ns_on[c];
		*uj = g->chart_uj[rp->cpu_chart0 + c];
		return;
	}
	switch (row - host->ntop) {
	case 0: /* other processes */
		*ns = ch->busy_ns;
		*uj = ch->tasks_uj;
		for (size_t k = 0; k < host->ntop; k++) {
			*ns -= rp->groups[host->top[k]].cpu_ns_on[c];
			*uj -= rp->groups[host->top[k]].chart_uj[rp->cpu_chart0 + c];
		}
		return;
	case 1:
		*ns = ch->busy_ns;
		*uj = ch->tasks_uj;
		return;
	case 2:
		*ns = ch->idle_ns;
		*uj = ch->idle_uj;
		return;
	case 3:
		*ns = ch->lost_ns + ch->irq_ns;
		*uj = ch->unattr_uj;
		return;
	default: /* the CPU's total: the time named (its coverage) and its energy */
		*ns = ch->busy_ns + ch->idle_ns + ch->irq_ns;
		*uj = ch->delta_uj;
		return;
	}
}

static const char *percpu_row_name(const struct report *rp, size_t row, char *buf, size_t size)
{
	static const char *const names[] = { "other processes", "all tasks", "idle", "unattributed",
					      "CPU total" };
	const struct chart *host = &rp->charts[0];

	if (row < host->ntop)
		return group_label(rp, &rp->groups[host->top[row]], buf, size);
	return names[row - host->ntop];
}

#define PERCPU_ROWS(rp) ((rp)->charts[0].ntop + 5)

static void write_percpu_text(FILE *f, const struct report *rp)
{
	uint64_t measured = rp->charts[0].measured_ns;
	char raw[REPORT_LABEL_MAX], label[TEXTESC_SIZE(REPORT_LABEL_MAX)];

	fprintf(f, "\nPer CPU, over %.1f s: each process's energy on the CPUs it ran on, by its "
		   "time there; idle energy by idle time, unattributed by lost and interrupt time\n",
		(double)measured / 1e9);
	fprintf(f, "  %-*s", PCT_NAME_W, "");
	for (unsigned c = 0; c < rp->ncpus; c++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu%u", c);
		fprintf(f, " %17s", name);
	}
	fprintf(f, "\n  %-*s", PCT_NAME_W, "process");
	for (unsigned c = 0; c < rp->ncpus; c++)
		fprintf(f, " %7s %9s", "time", "energy");
	fputc('\n', f);
	for (size_t row = 0; row < PERCPU_ROWS(rp); row++) {
		text_esc(percpu_row_name(rp, row, raw, sizeof(raw)), label, sizeof(label));
		fprintf(f, "  %-*.*s", PCT_NAME_W, PCT_NAME_W, label);
		for (unsigned c = 0; c < rp->ncpus; c++) {
			uint64_t ns, uj;

			percpu_values(rp, row, c, &ns, &uj);
			percpu_text_cell(f, ns, uj, measured);
		}
		fputc('\n', f);
	}
	fputs("  (CPU total: the time named, tasks + idle + interrupts, over the recorded time: "
	      "its coverage; and the CPU's energy. The CPUs add up to the host total.)\n",
	      f);
}

static void write_percpu_html(FILE *f, const struct report *rp)
{
	uint64_t measured = rp->charts[0].measured_ns;
	char buf[REPORT_LABEL_MAX], j[32];

	fprintf(f, "<h2>Per CPU</h2>\n<p>Each process's energy on the CPUs it ran on, by its time "
		   "there; idle energy by each CPU's idle time, unattributed energy by its lost and "
		   "interrupt time; over %.1f s. The CPU total's time is the time named (tasks, idle, "
		   "interrupts) over the recorded time: its coverage. The CPUs add up to the host "
		   "total; each CPU's chart is under <i>Power over time</i>.</p>\n"
		   "<table id=\"per-cpu\">\n<tr><th rowspan=\"2\">process</th>",
		(double)measured / 1e9);
	for (unsigned c = 0; c < rp->ncpus; c++)
		fprintf(f, "<th colspan=\"2\">cpu%u</th>", c);
	fputs("</tr>\n<tr>", f);
	for (unsigned c = 0; c < rp->ncpus; c++)
		fputs("<th>time</th><th>energy</th>", f);
	fputs("</tr>\n", f);
	for (size_t row = 0; row < PERCPU_ROWS(rp); row++) {
		bool total = row >= rp->charts[0].ntop + 1;

		fputs(total ? "<tr><th>" : "<tr><td>", f);
		xml_text(f, percpu_row_name(rp, row, buf, sizeof(buf)));
		fputs(total ? "</th>" : "</td>", f);
		for (unsigned c = 0; c < rp->ncpus; c++) {
			uint64_t ns, uj;

			percpu_values(rp, row, c, &ns, &uj);
			if (!ns && !uj)
				fputs("<td class=\"n\">-</td><td class=\"n\">-</td>", f);
			else
				fprintf(f, "<td class=\"n\">%.1f %%</td><td class=\"n\">%s</td>",
					measured ? (double)ns * 100.0 / (double)measured : 0.0,
					units_si((double)uj / 1e6, "J", j, sizeof(j)));
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The host total's emissions, the intensity and where it came from. */
static void html_carbon(FILE *f, const struct report *rp)
{
	char m[32], e[32], what[600];

	if (!carbon_enabled(&rp->carbon))
		return;
	fprintf(f, "<dt>Emissions</dt><dd>%s CO2e for %s, ",
		carbon_mass(rp->co2e.grams, m, sizeof(m)),
		carbon_energy(rp->charts[0].delta_uj, e, sizeof(e)));
	xml_text(f, carbon_describe(&rp->carbon, &rp->co2e, what, sizeof(what)));
	fputs("</dd>\n", f);
}

/*
 * A text cell of the CSV: quoted, quotes doubled (RFC 4180), when it holds
 * a comma, a quote or a line break: group names are any bytes.
 */
static void csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * --csv: the host total, one row per interval, one column per series (the
 * top groups, the other groups, unattributed, idle), in joules, exact to
 * the µJ; they sum to host_j. A gap (a refused reading) leaves its cells
 * empty. With a carbon intensity, the interval's and its grams.
 */
static void write_csv(FILE *f, const struct report *rp)
{
	const struct chart *ch = &rp->charts[0];
	size_t nser = ch->ntop + S_FIXED, n = rp->nintervals;
	bool carbon = carbon_enabled(&rp->carbon);

	fputs("start_utc,start_s,end_s,interval_s,host_j,host_w", f);
	for (size_t s = 0; s < nser; s++) {
		char raw[REPORT_LABEL_MAX];

		fputc(',', f);
		csv_cell(f, series_name(rp, ch, s, raw, sizeof(raw)));
	}
	if (carbon)
		fputs(",intensity_g_per_kwh,co2e_g", f);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		uint64_t ns = rp->t1_ns[i] - rp->t0_ns[i], total = 0;
		time_t t = (time_t)((rp->h->start_unix_ns + rp->t0_ns[i]) / 1000000000ULL);
		bool gap = isnan(ch->total_w[i]);
		char when[32];
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(f, "%s,%.6f,%.6f,%.6f", when, (double)rp->t0_ns[i] / 1e9,
			(double)rp->t1_ns[i] / 1e9, (double)ns / 1e9);
		for (size_t s = 0; s < nser; s++)
			total += rp->csv_uj[s * n + i];
		if (gap)
			fputs(",,", f);
		else
			fprintf(f, ",%" PRIu64 ".%06" PRIu64 ",%.6f", total / 1000000, total % 1000000,
				ns ? (double)total * 1e3 / (double)ns : 0.0);
		for (size_t s = 0; s < nser; s++) {
			uint64_t uj = rp->csv_uj[s * n + i];

			if (gap)
				fputc(',', f);
			else
				fprintf(f, ",%" PRIu64 ".%06" PRIu64, uj / 1000000, uj % 1000000);
		}
		if (carbon) {
			double g = rp->iv_g_per_kwh[i];

			if (gap || isnan(g))
				fputs(",,", f);
			else
				fprintf(f, ",%.6g,%.9f", g, carbon_grams(total, g));
		}
		fputc('\n', f);
	}
}

static void write_html(FILE *f, const struct report *rp)
{
	const struct recfmt_header *h = rp->h;
	const struct chart *host = &rp->charts[0];
	char when[64], a[32], b[32], c[32], d[32], e[32];
	double secs = (double)rp->duration_ns / 1e9, host_secs = (double)host->measured_ns / 1e9;

	utc_time(h->start_unix_ns, when, sizeof(when));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>joulestat report: ", f);
	xml_text(f, h->host);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1040px}\n"
	      "table{border-collapse:collapse;margin:8px 0 24px}\n"
	      "th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "th{background:#f0f0f0}\n"
	      ".estimated{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}\n"
	      "dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px;font-size:14px}\n"
	      "dt{font-weight:bold}\n"
	      "</style>\n</head>\n<body>\n<h1>joulestat report: ", f);
	xml_text(f, h->host);
	fputs("</h1>\n", f);
	if (all_estimated(h))
		fputs("<p class=\"estimated\"><b>Modelled.</b> No domain has an energy sensor here: "
		      "every number comes from a model of power against CPU use, not from a "
		      "measurement.</p>\n",
		      f);
	else if (any_estimated(h))
		fputs("<p class=\"estimated\"><b>Estimated.</b> Some domains have no energy sensor "
		      "here; their numbers come from a model of power against CPU use, not from a "
		      "measurement.</p>\n",
		      f);
	fputs("<dl>\n<dt>Machine</dt><dd>", f);
	xml_text(f, h->cpu_model);
	fprintf(f, ", %u CPUs, %u socket%s</dd>\n<dt>Recorded</dt><dd>%s, %.1f s in %zu intervals "
		   "of %g s</dd>\n<dt>Idle policy</dt><dd>%s</dd>\n<dt>Activity</dt><dd>",
		h->ncpus, h->nsockets, h->nsockets == 1 ? "" : "s", when, secs, rp->nintervals,
		(double)h->interval_ns / 1e9, attrib_idle_policy_name(h->idle));
	xml_text(f, h->collector);
	fputs(" collector</dd>\n", f);
	html_static_power(f, h);
	html_gaps(f, rp);
	html_carbon(f, rp);
	fputs("<dt>Sources</dt><dd>", f);
	for (size_t i = 0; i < h->ndomains; i++) {
		fputs(i ? ", " : "", f);
		xml_text(f, h->domains[i].name);
		fputs(": ", f);
		xml_text(f, h->domains[i].source);
	}
	fputs("</dd>\n</dl>\n<h2>Energy per domain</h2>\n<table>\n<tr><th>domain</th><th>kind</th>"
	      "<th>socket</th><th>energy</th><th>mean power</th><th>processes</th><th>idle</th>"
	      "<th>unattributed</th><th>in host total</th><th>estimated</th></tr>\n",
	      f);
	for (size_t i = 1; i <= h->ndomains; i++) {
		const struct chart *ch = &rp->charts[i];
		const struct recfmt_domain *dm = &h->domains[i - 1];

		fputs("<tr><td>", f);
		xml_text(f, dm->name);
		fprintf(f, "</td><td>%s</td><td class=\"n\">", joulestat_domain_kind_name(dm->kind));
		if (dm->socket >= 0)
			fprintf(f, "%d", dm->socket);
		else
			fputs("-", f);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			   "<td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td><td>%s</td></tr>\n",
			views_joules(ch->delta_uj, a, sizeof(a)),
			views_watts(chart_mean_w(ch), b, sizeof(b)),
			views_joules(ch->tasks_uj, c, sizeof(c)), views_joules(ch->idle_uj, d, sizeof(d)),
			views_joules(ch->unattr_uj, e, sizeof(e)), dm->in_total ? "yes" : "no",
			dm->estimated ? "yes" : "no");
	}
	fprintf(f, "<tr><th>host total</th><td></td><td></td><td class=\"n\"><b>%s</b></td>"
		   "<td class=\"n\"><b>%s</b></td>",
		views_joules(host->delta_uj, a, sizeof(a)), views_watts(chart_mean_w(host), b, sizeof(b)));
	fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td></td>"
		   "<td>%s</td></tr>\n</table>\n",
		views_joules(host->tasks_uj, a, sizeof(a)), views_joules(host->idle_uj, b, sizeof(b)),
		views_joules(host->unattr_uj, c, sizeof(c)), host->estimated ? "yes" : "no");
	fprintf(f, "<h2>Top %zu %s, host total</h2>\n<table id=\"top\">\n<tr><th>#</th>",
		host->ntop, group_noun(rp->by, true));
	if (rp->by == JOULESTAT_GROUP_PROCESS)
		fputs("<th>PID</th><th>command</th><th>user</th>", f);
	else
		fprintf(f, "<th>%s</th>", group_noun(rp->by, false));
	fprintf(f, "<th>energy</th><th>mean power</th><th>share</th><th>CPU time</th>%s</tr>\n",
		h->syscalls ? "<th>syscalls</th>" : "");
	for (size_t k = 0; k < host->ntop; k++) {
		const struct rgroup *p = &rp->groups[host->top[k]];
		char label[REPORT_LABEL_MAX];

		fprintf(f, "<tr><td class=\"n\">%zu</td>", k + 1);
		if (rp->by == JOULESTAT_GROUP_PROCESS) {
			fprintf(f, "<td class=\"n\">%u</td><td>", p->tgid);
			xml_text(f, p->comm);
			fputs("</td><td>", f);
			xml_text(f, views_user(p->uid, a, sizeof(a)));
		} else {
			fputs("<td>", f);
			xml_text(f, group_label(rp, p, label, sizeof(label)));
		}
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%.1f %%"
			   "</td><td class=\"n\">%.2f s</td>",
			views_joules(p->total_uj, b, sizeof(b)),
			views_watts(host_secs > 0 ? (double)p->total_uj / 1e6 / host_secs : 0, c, sizeof(c)),
			host->delta_uj ? (double)p->total_uj * 100.0 / (double)host->delta_uj : 0.0,
			(double)p->cpu_ns / 1e9);
		if (h->syscalls)
			fprintf(f, "<td class=\"n\">%" PRIu64 "</td>", p->syscalls);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (rp->nvms) {
		fprintf(f, "<h2>Virtual machines, host total</h2>\n<table id=\"vms\">\n<tr><th>VM</th>"
			   "<th>energy</th><th>mean power</th><th>share</th><th>CPU time</th></tr>\n");
		for (size_t k = 0; k < rp->nvms; k++) {
			const struct vm_total *t = &rp->vms[k];

			fputs("<tr><td>", f);
			xml_text(f, t->name);
			fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">"
				   "%.1f %%</td><td class=\"n\">%.2f s</td></tr>\n",
				views_joules(t->energy_uj, a, sizeof(a)),
				views_watts(secs > 0 ? (double)t->energy_uj / 1e6 / secs : 0, b,
					    sizeof(b)),
				host->delta_uj ? (double)t->energy_uj * 100.0 / (double)host->delta_uj
					       : 0.0,
				(double)t->cpu_ns / 1e9);
		}
		fprintf(f, "</table>\n<p>A VM's energy is its processes' (vCPU, I/O and emulator "
			   "threads); its share of idle power follows the idle policy, %s.</p>\n",
			attrib_idle_policy_name(h->idle));
	}
	if (rp->per_cpu)
		write_percpu_html(f, rp);
	fputs("<h2>Power over time</h2>\n", f);
	write_svg(f, rp);
	if (h->resources) {
		fputs("<h2>Machine resources</h2>\n", f);
		svg_resources(f, rp);
	}
	fprintf(f, "<p>Each chart stacks, per interval, the power of its top %s, the other %s, "
		   "unattributed and idle energy; the black line is the domain's measured total, "
		   "which the stack reaches exactly (the ledger balances).</p>\n</body>\n</html>\n",
		group_noun(rp->by, true), group_noun(rp->by, true));
}

/* Text for a terminal: every name from the recording (a file anyone may write) escaped. */
static void write_text(FILE *f, const struct report *rp)
{
	char a[32], b[32], e[TEXTESC_SIZE(160)];
	double secs = (double)rp->duration_ns / 1e9;

	text_esc_write(f, rp->rf.path);
	fprintf(f, ": %zu intervals, %.1f s, idle policy %s, by %s%s\n", rp->nintervals,
		secs, attrib_idle_policy_name(rp->h->idle), group_noun(rp->by, false),
		any_estimated(rp->h) ? ", ESTIMATED (model, no sensor)" : "");
	text_static_power(f, rp->h);
	if (carbon_enabled(&rp->carbon)) {
		char what[600];

		fputs("carbon ", f);
		text_esc_write(f, carbon_describe(&rp->carbon, &rp->co2e, what, sizeof(what)));
		fputc('\n', f);
	}
	for (size_t c = 0; c < rp->ncharts; c++) {
		const struct chart *ch = &rp->charts[c];

		if (ch->cpu >= 0)
			continue; /* the CPUs: one table, below */
		fprintf(f, "\n%s: %s, mean %s%s", text_esc(ch->title, e, sizeof(e)),
			views_joules(ch->delta_uj, a, sizeof(a)),
			views_watts(chart_mean_w(ch), b, sizeof(b)),
			ch->sampled ? ", shares from sampled GPU utilisation" : "");
		/* The host total: kWh once large, and its emissions. */
		if (c == 0 && ch->delta_uj >= 36000000000ULL)
			fprintf(f, " (%s)", carbon_energy(ch->delta_uj, a, sizeof(a)));
		if (c == 0 && carbon_enabled(&rp->carbon))
			fprintf(f, ", %s CO2e", carbon_mass(rp->co2e.grams, a, sizeof(a)));
		if (ch->gaps)
			fprintf(f, "; %zu gap%s (readings refused: energy unknown, not 0), left out of "
				   "the totals and the mean",
				ch->gaps, ch->gaps == 1 ? "" : "s");
		fputc('\n', f);
		for (size_t s = 0; s < ch->ntop + S_FIXED; s++) {
			uint64_t uj = series_uj(rp, ch, s);
			char raw[REPORT_LABEL_MAX], label[TEXTESC_SIZE(REPORT_LABEL_MAX)];

			text_esc(series_name(rp, ch, s, raw, sizeof(raw)), label, sizeof(label));
			fprintf(f, "  %-28s %12s %6.1f %%", label, views_joules(uj, a, sizeof(a)),
				ch->delta_uj ? (double)uj * 100.0 / (double)ch->delta_uj : 0.0);
			/* Syscalls are the group's, whatever the domain: on the host chart. */
			if (rp->h->syscalls && ch->host && s < ch->ntop)
				fprintf(f, " %12" PRIu64 " syscalls", rp->groups[ch->top[s]].syscalls);
			if (c == 0 && carbon_enabled(&rp->carbon))
				fprintf(f, " %10s CO2e", carbon_mass(rp->host_g[s], a, sizeof(a)));
			fputc('\n', f);
		}
	}
	if (rp->nvms && rp->ncharts) {
		const struct chart *host = &rp->charts[0];

		fprintf(f, "\nVirtual machines (their processes; idle power under the %s policy):\n",
			attrib_idle_policy_name(rp->h->idle));
		for (size_t k = 0; k < rp->nvms; k++)
			fprintf(f, "  %-28s %12s %6.1f %%  CPU %.2f s\n", rp->vms[k].name,
				views_joules(rp->vms[k].energy_uj, a, sizeof(a)),
				host->delta_uj ? (double)rp->vms[k].energy_uj * 100.0 /
							 (double)host->delta_uj
					       : 0.0,
				(double)rp->vms[k].cpu_ns / 1e9);
	}
	if (rp->per_cpu)
		write_percpu_text(f, rp);
}

/* Written whole, then renamed into place (outfile.h): a reader never sees half a picture. */
static int write_file(struct outfile *of, void (*fn)(FILE *, const struct report *),
		      const struct report *rp)
{
	fn(of->f, rp);
	if (outfile_commit(of) < 0) {
		cli_error("report", "%s", of->err);
		return -EIO;
	}
	return 0;
}

static void report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->ngroups; i++) {
		free(rp->groups[i].chart_uj);
		free(rp->groups[i].name);
		free(rp->groups[i].cpu_ns_on);
	}
	free(rp->pc_ns);
	free(rp->pc_uj);
	free(rp->pc_cpus);
	free(rp->pc_slots);
	free(rp->pc_items);
	free(rp->pc_order);
	free(rp->groups);
	free(rp->cg_names);
	free(rp->rowg);
	free(rp->slots);
	for (size_t c = 0; c < rp->ncharts; c++) {
		free(rp->charts[c].member);
		free(rp->charts[c].top);
		free(rp->charts[c].top_uj);
		free(rp->charts[c].v);
		free(rp->charts[c].total_w);
	}
	free(rp->charts);
	free(rp->t0_ns);
	free(rp->t1_ns);
	free(rp->res_cpu_centipct);
	free(rp->csv_uj);
	free(rp->host_iv_uj);
	free(rp->host_g);
	free(rp->iv_g_per_kwh);
	carbon_done(&rp->carbon);
	free(rp->vms);
	recfile_close(&rp->rf);
}

int cmd_report(int argc, char **argv, struct cli_common *common)
{
	const char *path, *svg = NULL, *html = NULL, *csv = NULL;
	struct report rp = { .topn = 10, .by = JOULESTAT_GROUP_PROCESS };
	struct outfile svg_out = { .fd = -1, .dirfd = -1 }, html_out = { .fd = -1, .dirfd = -1 };
	struct outfile csv_out = { .fd = -1, .dirfd = -1 };
	struct outfile_input in;
	struct outfile_opts oo = { .kind = OUTFILE_REPLACE, .mode = 0644, .exact_mode = true };
	int opt, r = 0, ret = EXIT_RUNTIME;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "v", cmd_report_options, NULL)) != -1) {
		r = cli_common_option(opt, optarg, common);
		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		switch (opt) {
		case 's':
			svg = optarg;
			break;
		case 'h':
			html = optarg;
			break;
		case 'c':
			csv = optarg;
			break;
		case 'n': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > REPORT_TOP_MAX) {
				cli_error("report", "--top: '%s' is not a number from 1 to %d", optarg,
					  REPORT_TOP_MAX);
				return EXIT_USAGE;
			}
			rp.topn = (size_t)v;
			break;
		}
		case 'g': {
			size_t k = ARRAY_SIZE(report_groups);

			if (joulestat_group_from_name(optarg, &rp.by) == 0)
				for (k = 0; k < ARRAY_SIZE(report_groups) && report_groups[k] != rp.by; k++)
					;
			if (k == ARRAY_SIZE(report_groups)) {
				cli_error("report", "--group: '%s' is not one of process, comm, user, "
						    "cgroup, unit, container", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'p':
			rp.per_cpu = true;
			break;
		default:
			return cli_usage_error("report");
		}
	}
	if (optind >= argc) {
		cli_error("report", "which recording? (joulestat report FILE)");
		return cli_usage_error("report");
	}
	if (optind + 1 < argc) {
		cli_error("report", "unexpected argument '%s'", argv[optind + 1]);
		return cli_usage_error("report");
	}
	path = argv[optind];
	if ((svg && strcmp(svg, "-") == 0) + (html && strcmp(html, "-") == 0) +
		    (csv && strcmp(csv, "-") == 0) > 1) {
		cli_error("report", "--svg -, --html - and --csv -: only one of them can go to "
				    "standard output");
		return EXIT_USAGE;
	}
	if (rp.per_cpu && rp.by != JOULESTAT_GROUP_PROCESS) {
		cli_error("report", "--per-cpu lays processes out on the CPUs: it cannot be used "
				    "with --group %s", joulestat_group_name(rp.by));
		return EXIT_USAGE;
	}
	carbon_init(&rp.carbon);
	carbon_acc_init(&rp.co2e);
	rp.csv = csv != NULL;
	r = cli_carbon(common, "report", &rp.carbon);
	if (r)
		return r;
	/* Two passes: standard input or a pipe is read into a temporary file first. */
	if (recfile_open("report", path, RECFILE_REREAD, &rp.rf) < 0) {
		carbon_done(&rp.carbon);
		return EXIT_RUNTIME;
	}
	rp.h = &rp.rf.header;
	if (rp.h->version < 2 && (rp.by == JOULESTAT_GROUP_CGROUP || rp.by == JOULESTAT_GROUP_UNIT ||
				  rp.by == JOULESTAT_GROUP_CONTAINER)) {
		cli_error("report", "%s was recorded by joulestat %s in format version %u, whose rows "
				    "do not name their cgroup: --group %s needs a recording of format "
				    "version 2 or later (record again with this joulestat; --group "
				    "process, comm and user read any recording)",
			  rp.rf.path, rp.h->joulestat, rp.h->version, joulestat_group_name(rp.by));
		goto out;
	}
	if (rp.per_cpu && !rp.h->raw) {
		cli_error("report", "%s has no raw inputs (each thread's time on each CPU): "
				    "--per-cpu needs a recording made with 'joulestat record --raw'",
			  rp.rf.path);
		goto out;
	}
	rp.ncpus = rp.h->ncpus;
	/* The outputs now, before the work: never the recording itself. */
	if (rp.rf.is_file) {
		in = (struct outfile_input){ rp.rf.path, rp.rf.dev, rp.rf.ino };
		oo.inputs = &in;
		oo.ninputs = 1;
	}
	if ((svg && outfile_open(svg, &oo, &svg_out) < 0) ||
	    (html && outfile_open(html, &oo, &html_out) < 0) ||
	    (csv && outfile_open(csv, &oo, &csv_out) < 0)) {
		struct outfile *bad = svg && !svg_out.f	  ? &svg_out
				      : html && !html_out.f ? &html_out
							    : &csv_out;

		cli_error("report", "%s", bad->err);
		if (bad->usage)
			ret = EXIT_USAGE;
		r = 0;
		goto out;
	}
	r = plan_charts(&rp);
	if (r == 0)
		r = pass_totals(&rp);
	if (r < 0)
		goto out;
	if (rp.nintervals == 0) {
		cli_error("report", "%s has a header but no complete interval: nothing to report",
			  rp.rf.path);
		goto out;
	}
	r = choose_top(&rp);
	if (r < 0)
		goto out;
	/* Second pass: from the first interval again. */
	r = recfile_rewind("report", &rp.rf);
	if (r < 0)
		goto out;
	r = pass_series(&rp);
	if (r < 0)
		goto out;
	if (svg && write_file(&svg_out, write_svg, &rp) < 0)
		goto out;
	if (html && write_file(&html_out, write_html, &rp) < 0)
		goto out;
	if (csv && write_file(&csv_out, write_csv, &rp) < 0)
		goto out;
	if (!svg && !html && !csv) {
		write_text(stdout, &rp);
		if (fflush(stdout) != 0)
			goto out;
	}
	ret = 0;
out:
	if (r == -ENOMEM)
		cli_error("report", "out of memory");
	/* Whatever was not written whole leaves the old file as it was. */
	outfile_abort(&svg_out);
	outfile_abort(&html_out);
	outfile_abort(&csv_out);
	report_free(&rp);
	return ret;
}
