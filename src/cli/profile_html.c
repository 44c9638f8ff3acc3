/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * profile_html.c - the profile report as one self-contained HTML page: no
 * script, no network, charts as inline SVG. Built from the public getters
 * of a stopped session. Each chart's <svg> carries data-chart and each line
 * data-series (the JSON series name), so tests can find them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profile_html.h"
#include "xmlesc.h"

#define CHART_W 860
#define CHART_H 200
#define PAD_L 70
#define PAD_R 20
#define PAD_T 14
#define PAD_B 30

struct line {
	const char *series;	/* JSON series name */
	const char *label;
	const char *color;
	const double *y;
};

/* "1.2k", "3.4M": short axis labels. */
static void short_num(double v, char *buf, size_t size)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, size, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, size, "%.3gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, size, "%.3gk", v / 1e3);
	else
		snprintf(buf, size, "%.3g", v);
}

/* A figure in a table: whole above 10000 (65536, not 6.554e+04), else 4 digits. */
static void figure(FILE *f, double v, const char *unit)
{
	if (fabs(v) >= 1e4 && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.4g", v);
	if (unit[0])
		fprintf(f, " %s", unit);
}

/* A round step for axis ticks: 1, 2 or 5 x 10^k, about max / 4 (so 4 to 8 ticks). */
static double nice_step(double max)
{
	double raw = max / 4, p, m;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* One line chart over x[0..n) with up to 4 lines; NaN points are gaps. */
static void chart(FILE *f, const char *id, const char *title, const char *unit, const double *x,
		  size_t n, const struct line *lines, size_t nlines)
{
	double xmax = 0, ymax = 0, ystep, xstep;
	const double pw = CHART_W - PAD_L - PAD_R, ph = CHART_H - PAD_T - PAD_B;

	for (size_t i = 0; i < n; i++) {
		xmax = fmax(xmax, x[i]);
		for (size_t l = 0; l < nlines; l++)
			if (isfinite(lines[l].y[i]))
				ymax = fmax(ymax, lines[l].y[i]);
	}
	if (xmax <= 0)
		xmax = 1;
	if (ymax <= 0)
		ymax = 1;
	/* Axes end on a round value, and their ticks are round steps from 0. */
	ystep = nice_step(ymax);
	ymax = ceil(ymax / ystep - 1e-9) * ystep;
	xstep = nice_step(xmax);
	fprintf(f, "<figure><figcaption>");
	xml_text(f, title);
	fprintf(f, " <span class=unit>(");
	xml_text(f, unit);
	fprintf(f, ")</span>");
	for (size_t l = 0; l < nlines; l++) {
		fprintf(f, " <span class=key style=\"color:%s\">&#9632; ", lines[l].color);
		xml_text(f, lines[l].label);
		fprintf(f, "</span>");
	}
	fprintf(f,
		"</figcaption>\n<svg data-chart=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
		id, CHART_W, CHART_H, CHART_W, CHART_H);
	/* Grid and axis labels at round values. */
	for (int g = 0; g * ystep <= ymax * (1 + 1e-9); g++) {
		double yv = g * ystep, yp = PAD_T + ph - ph * yv / ymax;
		char lab[32];

		short_num(yv, lab, sizeof(lab));
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=grid />"
			"<text x=\"%d\" y=\"%.1f\" class=ylab>%s</text>\n",
			PAD_L, yp, CHART_W - PAD_R, yp, PAD_L - 6, yp + 4, lab);
	}
	for (int g = 0; g * xstep <= xmax * (1 + 1e-9); g++) {
		double xv = g * xstep, xp = PAD_L + pw * xv / xmax;

		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=xlab>%g s</text>\n", xp, CHART_H - 8,
			xv);
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" class=frame />\n", PAD_L,
		PAD_T, pw, ph);
	for (size_t l = 0; l < nlines; l++) {
		bool open = false;

		fprintf(f, "<path data-series=\"%s\" stroke=\"%s\" class=line d=\"", lines[l].series,
			lines[l].color);
		for (size_t i = 0; i < n; i++) {
			double v = lines[l].y[i];

			if (!isfinite(v)) {
				open = false;
				continue;
			}
			fprintf(f, "%c%.1f %.1f ", open ? 'L' : 'M', PAD_L + pw * x[i] / xmax,
				PAD_T + ph - ph * v / ymax);
			open = true;
		}
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "</svg></figure>\n");
}

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:900px;color:#222}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px "
	"solid #ddd}.sub{color:#666}.verdict{font-size:20px;font-weight:600;padding:10px "
	"14px;border-radius:6px;background:#fff4e0;border:1px solid #f0c070;display:inline-block}"
	"table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;border-bottom:1px solid "
	"#eee;text-align:right}th{background:#f6f6f6}td.l,th.l{text-align:left}"
	".fired{color:#b00;font-weight:600}figure{margin:10px 0}figcaption{font-weight:600}"
	".unit{color:#777;font-weight:400}.key{font-weight:400;margin-left:10px}"
	"svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg .line{fill:none;"
	"stroke-width:1.6}svg text{font:11px sans-serif;fill:#555}svg .ylab{text-anchor:end}"
	"svg .xlab{text-anchor:middle}li{margin:4px 0}.est{color:#a60}#threads{font-size:12px}";

int profile_html_write(const struct joulestat_profile *p, char **cmd, FILE *f)
{
	static const char *const rule_names[] = { "cpu", "memory", "io", "gpu", "contention" };
	struct joulestat_profile_info in = { .sz = sizeof(in) };
	double *col[18] = { 0 };
	double *x = NULL;
	size_t n = 0;
	bool gpu = false;
	int r;

	r = joulestat_profile_get(p, &in);
	if (r < 0)
		return r;
	/* Rate series start at the first real interval (the baseline has none). */
	x = calloc(in.samples + 1, sizeof(double));
	for (int c = 0; c < 18; c++)
		col[c] = calloc(in.samples + 1, sizeof(double));
	for (int c = 0; c < 18; c++)
		if (!col[c])
			x = (free(x), NULL);
	if (!x) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < in.samples; i++) {
		struct joulestat_profile_sample s = { .sz = sizeof(s) };

		if (joulestat_profile_sample_get(p, i, &s) < 0 || !s.interval_ns)
			continue;
		x[n] = (double)s.t_ns / 1e9;
		col[0][n] = s.power_w;
		col[1][n] = s.tree_power_w;
		col[2][n] = s.cpus_used * 100;
		col[3][n] = s.machine_cpu_pct;
		/* Nothing left alive (the last sample, of the zombie): no memory point. */
		col[4][n] = s.threads ? (double)s.rss_bytes / 1e6 : NAN;
		col[5][n] = s.read_bytes_per_s / 1e6;
		col[6][n] = s.write_bytes_per_s / 1e6;
		col[7][n] = s.switches_per_s;
		col[8][n] = s.faults_per_s;
		col[9][n] = s.threads;
		col[10][n] = s.running;
		col[11][n] = s.blocked;
		col[12][n] = s.psi_pct[0];
		col[13][n] = s.psi_pct[1];
		col[14][n] = s.psi_pct[2];
		col[15][n] = s.gpu_util_pct;
		gpu |= isfinite(s.gpu_util_pct);
		n++;
	}

	fprintf(f, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
		   "<title>joulestat profile: ");
	xml_text(f, cmd[0]);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>joulestat profile: <code>", css);
	for (size_t i = 0; cmd[i]; i++) {
		if (i)
			fputc(' ', f);
		xml_text(f, cmd[i]);
	}
	fprintf(f, "</code></h1>\n<p class=sub>%.2f s, %zu samples, %u CPUs, threads seen: %zu.",
		(double)in.duration_ns / 1e9, in.samples, in.ncpus, in.threads);
	fprintf(f, " Energy: host <b>%.2f J</b> (%.2f W mean), the command's tree <b>%.2f J</b> "
		   "(%.2f W).",
		(double)in.energy_uj / 1e6,
		in.duration_ns ? (double)in.energy_uj * 1e3 / (double)in.duration_ns : 0,
		(double)in.tree_energy_uj / 1e6,
		in.duration_ns ? (double)in.tree_energy_uj * 1e3 / (double)in.duration_ns : 0);
	if (in.energy_estimated)
		fprintf(f, " <span class=est>Estimated: no energy sensor, the model of CPU use "
			   "supplies the figures.</span>");
	fprintf(f, "</p>\n<h2>Verdict</h2>\n<p><span class=verdict id=verdict>%s</span></p>\n<ul "
		   "id=evidence>\n",
		joulestat_bottleneck_name(in.bottleneck));
	for (size_t i = 0; i < in.evidence; i++) {
		fprintf(f, "<li>");
		if (i == 0)
			fprintf(f, "<b>");
		xml_text(f, joulestat_profile_evidence(p, i));
		fprintf(f, i == 0 ? "</b></li>\n" : "</li>\n");
	}
	/* Every condition of each rule: a rule fires when all of one clause's are met. */
	fprintf(f, "</ul>\n<table id=rules><tr><th class=l>rule</th><th class=l>condition</th>"
		   "<th>measured</th><th>threshold</th><th class=l>met</th><th class=l>fired</th>"
		   "</tr>\n");
	for (int b = 0; b < JOULESTAT_BOTTLENECK_BALANCED; b++) {
		struct joulestat_profile_rule ru = { .sz = sizeof(ru) };
		const char *fired;

		if (joulestat_profile_rule(p, (enum joulestat_bottleneck)b, &ru) < 0)
			continue;
		fired = !ru.applicable ? "n/a" : ru.fired ? "yes" : "no";
		if (ru.nconditions == 0) {
			fprintf(f, "<tr data-rule=\"%s\"><td class=l>%s</td><td class=l>no data</td><td>&ndash;</td>"
				   "<td>&ndash;</td><td class=l></td><td class=l>%s</td></tr>\n",
				rule_names[b], rule_names[b], fired);
			continue;
		}
		for (size_t k = 0; k < ru.nconditions; k++) {
			const struct joulestat_profile_condition *c = &ru.conditions[k];

			fprintf(f, "<tr data-rule=\"%s\">", rule_names[b]);
			if (k == 0)
				fprintf(f, "<td class=l rowspan=%zu>%s</td>", ru.nconditions, rule_names[b]);
			fprintf(f, "<td class=l>%s", k == 0 ? "" : c->clause == ru.conditions[k - 1].clause
									 ? "and "
									 : "<b>or</b> ");
			xml_text(f, c->what);
			fputs("</td><td>", f);
			figure(f, c->value, c->unit);
			fputs("</td><td>", f);
			xml_text(f, c->op);
			fputc(' ', f);
			figure(f, c->threshold, c->unit);
			fprintf(f, "</td><td class=l>%s</td>", c->met ? "yes" : "no");
			if (k == 0)
				fprintf(f, "<td class=\"l%s\" rowspan=%zu>%s</td>", ru.fired ? " fired" : "",
					ru.nconditions, fired);
			fputs("</tr>\n", f);
		}
	}
	fprintf(f, "</table>\n<h2>Recommendations</h2>\n<ul id=recommendations>\n");
	for (size_t i = 0; i < in.recommendations; i++) {
		fprintf(f, "<li>");
		xml_text(f, joulestat_profile_recommendation(p, i));
		fprintf(f, "</li>\n");
	}
	fprintf(f, "</ul>\n<h2>Energy and resources over time</h2>\n");
	{
		const struct line power[] = { { "power_w", "host", "#d62728", col[0] },
					      { "tree_power_w", "command's tree", "#1f77b4",
						col[1] } };
		const struct line cpu[] = { { "cpus_used", "command's tree", "#1f77b4", col[2] },
					    { "machine_cpu_pct", "machine (all CPUs)", "#7f7f7f",
					      col[3] } };
		const struct line mem[] = { { "rss_bytes", "resident", "#2ca02c", col[4] } };
		const struct line io[] = { { "read_bytes_per_s", "read", "#9467bd", col[5] },
					   { "write_bytes_per_s", "write", "#ff7f0e", col[6] } };
		const struct line sw[] = { { "switches_per_s", "context switches", "#8c564b",
					     col[7] },
					   { "faults_per_s", "page faults", "#e377c2", col[8] } };
		const struct line th[] = { { "threads", "threads", "#7f7f7f", col[9] },
					   { "running", "running (R)", "#1f77b4", col[10] },
					   { "blocked", "blocked (D)", "#d62728", col[11] } };
		const struct line psi[] = { { "psi_cpu_pct", "cpu", "#1f77b4", col[12] },
					    { "psi_io_pct", "io", "#ff7f0e", col[13] },
					    { "psi_mem_pct", "memory", "#2ca02c", col[14] } };
		const struct line g[] = { { "gpu_util_pct", "GPU", "#17becf", col[15] } };

		chart(f, "power", "Power", "W", x, n, power, 2);
		chart(f, "cpu", "CPU", "% of one CPU; machine: % of all", x, n, cpu, 2);
		chart(f, "memory", "Resident memory", "MB", x, n, mem, 1);
		chart(f, "io", "Storage I/O", "MB/s", x, n, io, 2);
		chart(f, "sched", "Context switches and page faults", "per second", x, n, sw, 2);
		chart(f, "threads", "Threads", "count at each sample", x, n, th, 3);
		chart(f, "pressure", "Machine pressure stalls (PSI some)", "% of time", x, n, psi, 3);
		if (gpu)
			chart(f, "gpu", "GPU utilisation", "%", x, n, g, 1);
	}
	fprintf(f, "<h2>Correlation of power with resources</h2>\n<table id=correlations><tr>"
		   "<th class=l>resource</th><th>r</th><th>intervals</th><th class=l>strength</th>"
		   "</tr>\n");
	for (size_t i = 0; i < JOULESTAT_PROFILE_CORRELATIONS; i++) {
		struct joulestat_correlation c = { .sz = sizeof(c) };

		joulestat_profile_correlation(p, i, &c);
		fprintf(f, "<tr><td class=l>%s</td>", c.resource);
		if (isnan(c.r))
			fprintf(f, "<td>&ndash;</td>");
		else
			fprintf(f, "<td>%+.2f</td>", c.r);
		fprintf(f, "<td>%u</td><td class=l>%s %s</td></tr>\n", c.n, c.strength, c.direction);
	}
	fprintf(f, "</table>\n<h2>Threads</h2>\n<table id=threads><tr><th>CPU rank</th><th>energy "
		   "rank</th><th>pid</th><th>tid</th><th class=l>name</th><th>CPU s</th><th>CPU %%"
		   "</th><th>user s</th><th>kernel s</th><th>runqueue s</th><th>energy J</th>"
		   "<th>faults</th><th>switches</th><th>read MB</th><th>write MB</th></tr>\n");
	for (size_t i = 0; i < in.threads; i++) {
		struct joulestat_profile_thread t = { .sz = sizeof(t) };

		if (joulestat_profile_thread_get(p, i, &t) < 0)
			continue;
		fprintf(f, "<tr><td>%zu</td><td>%u</td><td>%d</td><td>%d</td><td class=l>", i + 1,
			t.energy_rank + 1, t.pid, t.tid);
		xml_text(f, t.name);
		fprintf(f,
			"</td><td>%.3f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.3f</td>"
			"<td>%.3f</td><td>%llu</td><td>%llu</td><td>%.2f</td><td>%.2f</td></tr>\n",
			(double)t.oncpu_ns / 1e9, t.cpu_pct, (double)t.user_ns / 1e9,
			(double)t.kernel_ns / 1e9, (double)t.runqueue_wait_ns / 1e9,
			(double)t.energy_uj / 1e6,
			(unsigned long long)(t.minor_faults + t.major_faults),
			(unsigned long long)(t.voluntary_switches + t.involuntary_switches),
			(double)t.read_bytes / 1e6, (double)t.write_bytes / 1e6);
	}
	fprintf(f, "</table>\n<p class=sub>joulestat %s. Method: docs/PROFILING.md.</p>\n"
		   "</body></html>\n",
		joulestat_version());
	r = ferror(f) ? -EIO : 0;
out:
	free(x);
	for (int c = 0; c < 18; c++)
		free(col[c]);
	return r;
}
