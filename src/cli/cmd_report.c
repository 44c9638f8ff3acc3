/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cmd_report.c - `joulestat report`: a recording as pictures. For the host
 * total, each domain, and each socket with more than one domain, the top N
 * processes' power stacked over time with the rest of the ledger (other
 * processes, unattributed, idle) up to the domain's measured total, as a
 * standalone SVG and as one self-contained HTML page (no scripts, no
 * network) with the totals and a table; or as text.
 *
 * Two passes over the file: the first finds each chart's top processes by
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

#include "cli.h"
#include "recfmt_res.h"
#include "util.h"
#include "views.h"
#include "xmlesc.h"

#define REPORT_TOP_MAX 50

void cmd_report_help(FILE *out)
{
	fprintf(out,
		"Usage: joulestat report FILE [--svg OUT] [--html OUT] [--top N]\n\n"
		"Summarise a recording ('joulestat record'): for the host total, each energy\n"
		"domain and each socket, the N processes that used the most energy, stacked\n"
		"over time with the other processes, unattributed and idle energy up to the\n"
		"measured total. Without --svg or --html, prints the tables.\n\n"
		"Options:\n"
		"  --svg OUT      write a standalone SVG picture\n"
		"  --html OUT     write a self-contained HTML page (charts, totals, table)\n"
		"  --top N        processes per chart (default 10, 1 to %d)\n",
		REPORT_TOP_MAX);
}

const struct option cmd_report_options[] = {
	{ "svg", required_argument, NULL, 's' },
	{ "html", required_argument, NULL, 'h' },
	{ "top", required_argument, NULL, 'n' },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* A process of the recording, by (tgid, start). */
struct proc {
	uint32_t tgid;
	uint64_t start_ns;
	uint32_t uid;
	char comm[ACTIVITY_COMM_LEN];
	uint64_t cpu_ns;
	uint64_t *dom_uj;	/* [ndomains] over the whole recording */
	uint64_t total_uj;	/* in_total domains */
};

/* Series of a chart, bottom to top: top[0..ntop), other, unattributed, idle. */
enum { S_OTHER = 0, S_UNATTR = 1, S_IDLE = 2, S_FIXED = 3 };

struct chart {
	char title[160];
	bool host;		/* the host total: in_total domains */
	bool *member;		/* [ndomains]: domains summed into the chart */
	bool estimated;
	bool sampled;		/* a member's GPU split rests on sampled utilisation (NVML) */
	size_t ntop;
	size_t *top;		/* process indices, largest first */
	/* totals over the recording */
	uint64_t delta_uj, tasks_uj, idle_uj, unattr_uj;
	uint64_t *top_uj;	/* [ntop] */
	/* per interval, watts: v[s * nintervals + i], s < ntop + S_FIXED (the fixed ones last) */
	double *v;
	double *total_w;	/* [nintervals] */
};

struct report {
	struct recfile rf;
	const struct recfmt_header *h;
	struct proc *procs;
	size_t nprocs, cap;
	size_t *slots;		/* hash table of proc indices + 1, size nslots */
	size_t nslots;
	size_t nintervals;
	uint64_t *t0_ns, *t1_ns;	/* [nintervals] interval bounds since the first start */
	uint64_t first_start_ns, duration_ns;
	struct chart *charts;
	size_t ncharts;
	size_t topn;
	/* record --resources: machine CPU use per interval, centi-% (-1: none that interval) */
	int32_t *res_cpu_centipct;	/* [nintervals] */
	/* Virtual machines on the recorded host ("vms"): totals over the recording. */
	struct vm_total *vms;
	size_t nvms;
};

struct vm_total {
	char name[VM_NAME_MAX];
	uint64_t energy_uj, cpu_ns;
};

static size_t hash_key(uint32_t tgid, uint64_t start_ns)
{
	uint64_t h = (uint64_t)tgid * 0x9e3779b97f4a7c15ULL ^ (start_ns * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29));
}

static int grow_table(struct report *rp)
{
	size_t n = rp->nslots ? rp->nslots * 2 : 1024;
	size_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < rp->nprocs; i++) {
		size_t k = hash_key(rp->procs[i].tgid, rp->procs[i].start_ns) & (n - 1);

		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = i + 1;
	}
	free(rp->slots);
	rp->slots = s;
	rp->nslots = n;
	return 0;
}

/* The process of row `r`, added when new. Returns its index or -ENOMEM. */
static long proc_of(struct report *rp, const struct recfmt_row *r)
{
	size_t k;
	struct proc *p;

	if ((rp->nprocs + 1) * 2 > rp->nslots && grow_table(rp) < 0)
		return -ENOMEM;
	k = hash_key(r->tgid, r->start_ns) & (rp->nslots - 1);
	while (rp->slots[k]) {
		p = &rp->procs[rp->slots[k] - 1];
		if (p->tgid == r->tgid && p->start_ns == r->start_ns)
			return (long)(rp->slots[k] - 1);
		k = (k + 1) & (rp->nslots - 1);
	}
	if (rp->nprocs == rp->cap) {
		size_t cap = rp->cap ? rp->cap * 2 : 256;
		struct proc *np = realloc(rp->procs, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		rp->procs = np;
		rp->cap = cap;
	}
	p = &rp->procs[rp->nprocs];
	*p = (struct proc){ .tgid = r->tgid, .start_ns = r->start_ns, .uid = r->uid };
	p->dom_uj = calloc(rp->h->ndomains + 1, sizeof(uint64_t));
	if (!p->dom_uj)
		return -ENOMEM;
	strscpy(p->comm, r->comm, sizeof(p->comm));
	rp->slots[k] = ++rp->nprocs;
	return (long)(rp->nprocs - 1);
}

static uint64_t proc_chart_uj(const struct report *rp, const struct chart *c, const struct proc *p)
{
	uint64_t sum = 0;

	if (c->host)
		return p->total_uj;
	for (size_t d = 0; d < rp->h->ndomains; d++)
		if (c->member[d])
			sum += p->dom_uj[d];
	return sum;
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
	*c = (struct chart){ .host = host };
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
		snprintf(title, sizeof(title), "Socket %u (package + dram)", s);
		if (add_chart(rp, title, false, m) < 0)
			goto out;
	}
	r = 0;
out:
	free(m);
	return r;
}

/* Pass 1: process totals and ledger totals. */
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
		for (size_t i = 0; i < iv->nrows; i++) {
			long k = proc_of(rp, &iv->rows[i]);
			struct proc *p;

			if (k < 0) {
				recfmt_interval_free(iv);
				return (int)k;
			}
			p = &rp->procs[k];
			for (size_t d = 0; d < rp->h->ndomains; d++)
				p->dom_uj[d] += iv->rows[i].energy_uj[d];
			p->total_uj += iv->rows[i].total_uj;
			p->cpu_ns += iv->rows[i].cpu_ns;
			/* the latest name: a process that exec()s shows what it became */
			strscpy(p->comm, iv->rows[i].comm, sizeof(p->comm));
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
		for (size_t c = 0; c < rp->ncharts; c++) {
			struct chart *ch = &rp->charts[c];

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

/* Largest energy first; ties by tgid then start, so the choice is deterministic. */
static int by_chart_energy(const void *a, const void *b)
{
	const struct proc *pa = &sort_rp->procs[*(const size_t *)a];
	const struct proc *pb = &sort_rp->procs[*(const size_t *)b];
	uint64_t ea = proc_chart_uj(sort_rp, sort_chart, pa);
	uint64_t eb = proc_chart_uj(sort_rp, sort_chart, pb);

	if (ea != eb)
		return ea > eb ? -1 : 1;
	if (pa->tgid != pb->tgid)
		return pa->tgid < pb->tgid ? -1 : 1;
	return pa->start_ns < pb->start_ns ? -1 : pa->start_ns > pb->start_ns;
}

static int choose_top(struct report *rp)
{
	size_t *idx = calloc(rp->nprocs + 1, sizeof(size_t));

	if (!idx)
		return -ENOMEM;
	for (size_t c = 0; c < rp->ncharts; c++) {
		struct chart *ch = &rp->charts[c];
		size_t n = 0;

		for (size_t i = 0; i < rp->nprocs; i++)
			idx[i] = i;
		sort_rp = rp;
		sort_chart = ch;
		qsort(idx, rp->nprocs, sizeof(*idx), by_chart_energy);
		/* Only processes that have energy in this chart. */
		while (n < rp->nprocs && n < rp->topn && proc_chart_uj(rp, ch, &rp->procs[idx[n]]))
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
			ch->top_uj[k] = proc_chart_uj(rp, ch, &rp->procs[idx[k]]);
		}
	}
	free(idx);
	rp->t0_ns = calloc(rp->nintervals + 1, sizeof(uint64_t));
	rp->t1_ns = calloc(rp->nintervals + 1, sizeof(uint64_t));
	rp->res_cpu_centipct = calloc(rp->nintervals + 1, sizeof(int32_t));
	return rp->t0_ns && rp->t1_ns && rp->res_cpu_centipct ? 0 : -ENOMEM;
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
		for (size_t c = 0; c < rp->ncharts; c++) {
			struct chart *ch = &rp->charts[c];
			size_t nser = ch->ntop + S_FIXED, n = rp->nintervals;
			uint64_t delta = 0, tasks = 0, idle = 0, unattr = 0, named = 0;

			for (size_t d = 0; d < rp->h->ndomains; d++) {
				if (!ch->member[d])
					continue;
				delta += iv->ledgers[d].delta_uj;
				tasks += iv->ledgers[d].tasks_uj;
				idle += iv->ledgers[d].idle_uj;
				unattr += iv->ledgers[d].unattributed_uj;
			}
			for (size_t k = 0; k < iv->nrows; k++) {
				const struct recfmt_row *row = &iv->rows[k];

				for (size_t t = 0; t < ch->ntop; t++) {
					const struct proc *p = &rp->procs[ch->top[t]];

					if (p->tgid == row->tgid && p->start_ns == row->start_ns) {
						uint64_t e = row_chart_uj(rp, ch, row);

						ch->v[t * n + i] = (double)e * 1e3 / ns;
						named += e;
						break;
					}
				}
			}
			ch->v[(nser - S_FIXED + S_OTHER) * n + i] = (double)(tasks - named) * 1e3 / ns;
			ch->v[(nser - S_FIXED + S_UNATTR) * n + i] = (double)unattr * 1e3 / ns;
			ch->v[(nser - S_FIXED + S_IDLE) * n + i] = (double)idle * 1e3 / ns;
			ch->total_w[i] = (double)delta * 1e3 / ns;
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

static void series_label(FILE *f, const struct report *rp, const struct chart *ch, size_t s)
{
	if (s < ch->ntop) {
		const struct proc *p = &rp->procs[ch->top[s]];

		xml_text(f, p->comm[0] ? p->comm : "?");
		fprintf(f, " (%u)", p->tgid);
		return;
	}
	fputs(s - ch->ntop == S_OTHER ? "other processes" :
	      s - ch->ntop == S_UNATTR ? "unattributed" : "idle", f);
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
		(double)rp->duration_ns / 1e9);
	fprintf(f, "%s</text>\n",
		views_watts(rp->duration_ns ? (double)ch->delta_uj * 1e3 / (double)rp->duration_ns : 0,
			    buf, sizeof(buf)));
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
	/* stacked steps, bottom series first */
	for (size_t s = 0; s < nser; s++) {
		fprintf(f, "<path class=\"series\" data-series=\"");
		series_label(f, rp, ch, s);
		fprintf(f, "\" fill=\"%s\" stroke=\"none\" d=\"", series_color(ch, s));
		for (size_t i = 0; i < n; i++) {
			double top = base[i] + ch->v[s * n + i];

			fprintf(f, "%s%.1f %.1f L%.1f %.1f ", i ? "L" : "M", X(rp->t0_ns[i] / 1e9), Y(top),
				X(rp->t1_ns[i] / 1e9), Y(top));
		}
		for (size_t i = n; i-- > 0;)
			fprintf(f, "L%.1f %.1f L%.1f %.1f ", X(rp->t1_ns[i] / 1e9), Y(base[i]),
				X(rp->t0_ns[i] / 1e9), Y(base[i]));
		fputs("Z\"/>\n", f);
		for (size_t i = 0; i < n; i++)
			base[i] += ch->v[s * n + i];
	}
	/* the measured total, which the stack must reach */
	fputs("<path class=\"total\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\" d=\"", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.1f %.1f L%.1f %.1f ", i ? "L" : "M", X(rp->t0_ns[i] / 1e9),
			Y(ch->total_w[i]), X(rp->t1_ns[i] / 1e9), Y(ch->total_w[i]));
	fputs("\"/>\n", f);
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

		fprintf(f, "%s%.1f %.1f L%.1f %.1f ", i ? "L" : "M", RX(rp->t0_ns[i] / 1e9), RY(v),
			RX(rp->t1_ns[i] / 1e9), RY(v));
	}
#undef RX
#undef RY
	fprintf(f, "\"/>\n<text x=\"%d\" y=\"%.0f\" fill=\"#1f77b4\">machine CPU use (%%)</text>\n"
		   "<text x=\"%d\" y=\"%.0f\">host power (peak %s = top)</text>\n"
		   "<text x=\"%d\" y=\"%.0f\">time (s), 0 to %.1f</text>\n</svg>\n",
		LEGEND_X, py0 + 10, LEGEND_X, py0 + 28, views_watts(wmax, buf, sizeof(buf)), PLOT_X0,
		py1 + 22, tmax);
}

static void write_html(FILE *f, const struct report *rp)
{
	const struct recfmt_header *h = rp->h;
	const struct chart *host = &rp->charts[0];
	char when[64], a[32], b[32], c[32], d[32], e[32];
	double secs = (double)rp->duration_ns / 1e9;

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
	if (any_estimated(h))
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
	fputs(" collector</dd>\n<dt>Sources</dt><dd>", f);
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
			views_watts(secs > 0 ? (double)ch->delta_uj / 1e6 / secs : 0, b, sizeof(b)),
			views_joules(ch->tasks_uj, c, sizeof(c)), views_joules(ch->idle_uj, d, sizeof(d)),
			views_joules(ch->unattr_uj, e, sizeof(e)), dm->in_total ? "yes" : "no",
			dm->estimated ? "yes" : "no");
	}
	fprintf(f, "<tr><th>host total</th><td></td><td></td><td class=\"n\"><b>%s</b></td>"
		   "<td class=\"n\"><b>%s</b></td>",
		views_joules(host->delta_uj, a, sizeof(a)),
		views_watts(secs > 0 ? (double)host->delta_uj / 1e6 / secs : 0, b, sizeof(b)));
	fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td></td>"
		   "<td>%s</td></tr>\n</table>\n",
		views_joules(host->tasks_uj, a, sizeof(a)), views_joules(host->idle_uj, b, sizeof(b)),
		views_joules(host->unattr_uj, c, sizeof(c)), host->estimated ? "yes" : "no");
	fprintf(f, "<h2>Top %zu processes, host total</h2>\n<table id=\"top\">\n<tr><th>#</th>"
		   "<th>PID</th><th>command</th><th>user</th><th>energy</th><th>mean power</th>"
		   "<th>share</th><th>CPU time</th></tr>\n",
		host->ntop);
	for (size_t k = 0; k < host->ntop; k++) {
		const struct proc *p = &rp->procs[host->top[k]];

		fprintf(f, "<tr><td class=\"n\">%zu</td><td class=\"n\">%u</td><td>", k + 1, p->tgid);
		xml_text(f, p->comm);
		fputs("</td><td>", f);
		xml_text(f, views_user(p->uid, a, sizeof(a)));
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%.1f %%"
			   "</td><td class=\"n\">%.2f s</td></tr>\n",
			views_joules(p->total_uj, b, sizeof(b)),
			views_watts(secs > 0 ? (double)p->total_uj / 1e6 / secs : 0, c, sizeof(c)),
			host->delta_uj ? (double)p->total_uj * 100.0 / (double)host->delta_uj : 0.0,
			(double)p->cpu_ns / 1e9);
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
	fputs("<h2>Power over time</h2>\n", f);
	write_svg(f, rp);
	if (h->resources) {
		fputs("<h2>Machine resources</h2>\n", f);
		svg_resources(f, rp);
	}
	fputs("<p>Each chart stacks, per interval, the power of its top processes, the other "
	      "processes, unattributed and idle energy; the black line is the domain's measured "
	      "total, which the stack reaches exactly (the ledger balances).</p>\n</body>\n</html>\n",
	      f);
}

static void write_text(FILE *f, const struct report *rp)
{
	char a[32], b[32];
	double secs = (double)rp->duration_ns / 1e9;

	fprintf(f, "%s: %zu intervals, %.1f s, idle policy %s%s\n", rp->rf.path, rp->nintervals,
		secs, attrib_idle_policy_name(rp->h->idle),
		any_estimated(rp->h) ? ", ESTIMATED (model, no sensor)" : "");
	for (size_t c = 0; c < rp->ncharts; c++) {
		const struct chart *ch = &rp->charts[c];

		fprintf(f, "\n%s: %s, mean %s%s\n", ch->title, views_joules(ch->delta_uj, a, sizeof(a)),
			views_watts(secs > 0 ? (double)ch->delta_uj / 1e6 / secs : 0, b, sizeof(b)),
			ch->sampled ? ", shares from sampled GPU utilisation" : "");
		for (size_t s = 0; s < ch->ntop + S_FIXED; s++) {
			uint64_t uj = series_uj(rp, ch, s);
			char label[64];

			if (s < ch->ntop)
				snprintf(label, sizeof(label), "%s (%u)", rp->procs[ch->top[s]].comm,
					 rp->procs[ch->top[s]].tgid);
			else
				snprintf(label, sizeof(label), "%s",
					 s - ch->ntop == S_OTHER ? "other processes" :
					 s - ch->ntop == S_UNATTR ? "unattributed" : "idle");
			fprintf(f, "  %-28s %12s %6.1f %%\n", label, views_joules(uj, a, sizeof(a)),
				ch->delta_uj ? (double)uj * 100.0 / (double)ch->delta_uj : 0.0);
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
}

/* Write through a temporary file and rename, so a reader never sees half a picture. */
static int write_file(const char *path, void (*fn)(FILE *, const struct report *),
		      const struct report *rp)
{
	char *tmp = NULL;
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		cli_error("report", "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return -EIO;
	}
	fchmod(fd, 0644);
	fn(f, rp);
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0 || rename(tmp, path) < 0) {
		cli_error("report", "writing %s: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		free(tmp);
		return -EIO;
	}
	free(tmp);
	return 0;
}

static void report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->nprocs; i++)
		free(rp->procs[i].dom_uj);
	free(rp->procs);
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
	free(rp->vms);
	recfile_close(&rp->rf);
}

int cmd_report(int argc, char **argv, struct cli_common *common)
{
	const char *path, *svg = NULL, *html = NULL;
	struct report rp = { .topn = 10 };
	struct stat st;
	int opt, r, ret = EXIT_RUNTIME;

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
	/* Two passes: the recording must be a file that can be read twice. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		cli_error("report", "%s is not a regular file (report reads it twice)", path);
		return EXIT_RUNTIME;
	}
	if (recfile_open("report", path, &rp.rf) < 0)
		return EXIT_RUNTIME;
	rp.h = &rp.rf.header;
	r = plan_charts(&rp);
	if (r == 0)
		r = pass_totals(&rp);
	if (r < 0)
		goto out;
	if (rp.nintervals == 0) {
		cli_error("report", "%s has a header but no interval: nothing to report", path);
		goto out;
	}
	r = choose_top(&rp);
	if (r < 0)
		goto out;
	/* Second pass: from the first interval again. */
	{
		struct recfile again;

		if (recfile_open("report", path, &again) < 0)
			goto out;
		recfile_close(&rp.rf);
		rp.rf = again;
		rp.h = &rp.rf.header;
	}
	r = pass_series(&rp);
	if (r < 0)
		goto out;
	if (svg && write_file(svg, write_svg, &rp) < 0)
		goto out;
	if (html && write_file(html, write_html, &rp) < 0)
		goto out;
	if (!svg && !html) {
		write_text(stdout, &rp);
		if (fflush(stdout) != 0)
			goto out;
	}
	ret = 0;
out:
	if (r == -ENOMEM)
		cli_error("report", "out of memory");
	report_free(&rp);
	return ret;
}
