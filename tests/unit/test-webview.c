/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-webview.c - the live page's JSON (docs/API.md): a snapshot and its
 * point are strict JSON on one line whatever bytes a process named itself
 * (quotes, line breaks, "</script>", invalid UTF-8: the page only ever
 * shows them as text), unknown numbers are
 * null, the top groups and "other" add up to the tasks' power, and a
 * filter hides rows everywhere (their power goes to "other", their names
 * nowhere). A grouping the monitor does not carry is left out of the
 * snapshot, its point and the list of groupings.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonr.h"
#include "webview.h"

static struct webview_row row(const char *key, const char *name, int pid, double w)
{
	return (struct webview_row){ .key = strdup(key), .name = strdup(name), .pid = pid,
				     .user = pid ? strdup("alice") : NULL,
				     .unit = pid ? strdup("") : NULL,
				     .container = pid ? strdup("") : NULL, .power_w = w,
				     .energy_uj = 1234567, .cpu_pct = 12.5, .share = 0.25,
				     .tasks = 1 };
}

/* A view: 10 W, tasks 8 W in 10 processes, a domain warming up (power unknown). */
static struct webview *sample_view(void)
{
	struct webview *v = webview_new();
	struct webview_grouping *p;

	assert_non_null(v);
	v->seq = 7;
	v->time_s = 1714568400.25;
	v->interval_s = 1;
	v->host = strdup("lab");
	v->version = strdup("0.1.0");
	v->idle_policy = strdup("separate");
	v->collector = strdup("ebpf");
	v->group = strdup("comm");
	v->power_w = 10;
	v->tasks_w = 8;
	v->idle_w = 1.5;
	v->unattributed_w = 0.5;
	v->coverage = 1;
	v->domains = calloc(2, sizeof(*v->domains));
	v->ndomains = 2;
	v->domains[0] = (struct webview_domain){ strdup("psys"), strdup("psys"), strdup("powercap"),
						 strdup("split"), -1, .in_host_total = true,
						 .power_w = 10 };
	v->domains[1] = (struct webview_domain){ strdup("dram-0"), strdup("dram"), strdup("powercap"),
						 strdup("split"), 0, .warming_up = true,
						 .power_w = NAN };
	p = &v->groupings[0]; /* process */
	p->rows = calloc(10, sizeof(*p->rows));
	p->rows[0] = row("100@5", "evil\"\n</script>\xff", 100, 3);
	p->rows[1] = row("200@5", "secret-job", 200, 2);
	for (int i = 2; i < 10; i++) {
		char k[16];

		snprintf(k, sizeof(k), "%d@5", 300 + i);
		p->rows[i] = row(k, "worker", 300 + i, 0.375);
	}
	p->nrows = 10;
	p->total = 12; /* two more than sent */
	return v;
}

static struct jsonr_doc parse(const struct expo_buf *b)
{
	struct jsonr_doc d;
	struct jsonr_error e;

	assert_non_null(b->data);
	assert_null(memchr(b->data, '\n', b->len)); /* one line: one SSE data field */
	if (jsonr_parse(b->data, b->len, &d, &e) != 0)
		fail_msg("not JSON at %zu: %s: %.80s", e.offset, e.msg, b->data + e.offset);
	return d;
}

static const struct jsonr_node *path(const struct jsonr_doc *d, const char *a, const char *b,
				     const char *c)
{
	const struct jsonr_node *n = jsonr_get(d, &d->nodes[0], a);

	if (n && b)
		n = jsonr_get(d, n, b);
	if (n && c)
		n = jsonr_get(d, n, c);
	return n;
}

static void test_snapshot_is_strict_json(void **state)
{
	struct webview *v = sample_view();
	struct expo_buf b = { 0 };
	struct jsonr_doc d;
	const struct jsonr_node *n, *dom;

	assert_int_equal(webview_snapshot_json(v, NULL, &b), 0);
	d = parse(&b);
	assert_string_equal(path(&d, "format", NULL, NULL)->str, "joulestat-snapshot");
	assert_int_equal(path(&d, "version", NULL, NULL)->u64, 1);
	assert_int_equal(path(&d, "time_ms", NULL, NULL)->u64, 1714568400250ULL);
	n = path(&d, "rows", "process", "rows");
	assert_int_equal(n->count, 10);
	assert_int_equal(path(&d, "rows", "process", "total")->u64, 12);
	n = jsonr_first(&d, n);
	assert_int_equal(jsonr_get(&d, n, "pid")->u64, 100);
	assert_int_equal(jsonr_get(&d, n, "energy_uj")->u64, 1234567);
	assert_true(jsonr_get(&d, n, "syscalls")->type == JSONR_NULL); /* not counted */
	/* The name arrives as text: quote, line break and </script> kept, bad bytes U+FFFD. */
	assert_string_equal(jsonr_get(&d, n, "name")->str, "evil\"\n</script>\xef\xbf\xbd");
	dom = jsonr_next(&d, jsonr_first(&d, path(&d, "domains", NULL, NULL)));
	assert_true(jsonr_get(&d, dom, "power_w")->type == JSONR_NULL); /* unknown, not 0 */
	assert_true(jsonr_get(&d, dom, "warming_up")->boolean);
	assert_true(path(&d, "carbon", NULL, NULL)->type == JSONR_NULL);
	jsonr_free(&d);
	expo_buf_free(&b);
	webview_free(v);
}

/* Σ top + other = tasks, for every grouping; a point has no rows. */
static void test_point_top_adds_up(void **state)
{
	struct webview *v = sample_view();
	struct expo_buf b = { 0 };
	struct jsonr_doc d;
	const struct jsonr_node *top, *g;
	double sum = 0;

	assert_int_equal(webview_point_json(v, NULL, &b), 0);
	d = parse(&b);
	assert_null(path(&d, "rows", NULL, NULL));
	assert_null(path(&d, "format", NULL, NULL));
	top = path(&d, "top", "process", "groups");
	assert_int_equal(top->count, WEBVIEW_TOP);
	for (g = jsonr_first(&d, top); g; g = jsonr_next(&d, g))
		sum += jsonr_get(&d, g, "power_w")->dbl;
	sum += path(&d, "top", "process", "other_w")->dbl;
	assert_true(fabs(sum - 8) < 1e-9);
	/* A grouping without rows: everything is other. */
	assert_int_equal(path(&d, "top", "user", "groups")->count, 0);
	assert_true(fabs(path(&d, "top", "user", "other_w")->dbl - 8) < 1e-9);
	jsonr_free(&d);
	expo_buf_free(&b);
	webview_free(v);
}

static bool hide_secret(const struct webview_row *r, const char *grouping, void *ctx)
{
	(*(int *)ctx)++;
	return strcmp(grouping, "process") != 0 || strcmp(r->name, "secret-job") != 0;
}

static void test_filter_hides_rows_everywhere(void **state)
{
	struct webview *v = sample_view();
	int asked = 0;
	struct webview_filter f = { hide_secret, &asked };
	struct expo_buf snap = { 0 }, point = { 0 };
	struct jsonr_doc d;
	double sum = 0;

	assert_int_equal(webview_snapshot_json(v, &f, &snap), 0);
	assert_int_equal(webview_point_json(v, &f, &point), 0);
	assert_true(asked > 0);
	assert_null(strstr(snap.data, "secret-job"));
	assert_null(strstr(point.data, "secret-job"));
	d = parse(&snap);
	assert_int_equal(path(&d, "rows", "process", "rows")->count, 9);
	assert_int_equal(path(&d, "rows", "process", "total")->u64, 11);
	for (const struct jsonr_node *g = jsonr_first(&d, path(&d, "top", "process", "groups")); g;
	     g = jsonr_next(&d, g))
		sum += jsonr_get(&d, g, "power_w")->dbl;
	sum += path(&d, "top", "process", "other_w")->dbl;
	assert_true(fabs(sum - 8) < 1e-9); /* its 2 W are in other */
	jsonr_free(&d);
	expo_buf_free(&snap);
	expo_buf_free(&point);
	webview_free(v);
}

/* Which groupings a view names: "vm" only when carried; none of an absent one's keys. */
static void test_absent_grouping_left_out(void **state)
{
	struct webview *v = sample_view();
	struct expo_buf b = { 0 }, pt = { 0 };
	struct jsonr_doc d, dp;
	const struct jsonr_node *n;
	size_t k = 0;

	assert_int_equal(WEBVIEW_GROUPINGS, 7);
	assert_string_equal(webview_grouping_names[6], "vm");
	v->groupings[6].absent = true;
	assert_int_equal(webview_snapshot_json(v, NULL, &b), 0);
	assert_int_equal(webview_point_json(v, NULL, &pt), 0);
	d = parse(&b);
	dp = parse(&pt);
	n = path(&d, "groupings", NULL, NULL);
	assert_int_equal(n->count, 6);
	for (const struct jsonr_node *x = jsonr_first(&d, n); x; x = jsonr_next(&d, x), k++)
		assert_string_equal(x->str, webview_grouping_names[k]);
	assert_null(path(&d, "rows", "vm", NULL));
	assert_null(path(&d, "top", "vm", NULL));
	assert_null(path(&dp, "top", "vm", NULL));
	assert_non_null(path(&d, "rows", "cgroup", NULL)); /* carried, no rows: still there */
	jsonr_free(&d);
	jsonr_free(&dp);
	expo_buf_free(&b);
	expo_buf_free(&pt);
	/* Carried: named, with its rows. */
	v->groupings[6].absent = false;
	v->groupings[6].rows = calloc(1, sizeof(*v->groupings[6].rows));
	v->groupings[6].rows[0] = row("web", "web", 0, 4);
	v->groupings[6].nrows = v->groupings[6].total = 1;
	assert_int_equal(webview_snapshot_json(v, NULL, &b), 0);
	d = parse(&b);
	assert_int_equal(path(&d, "groupings", NULL, NULL)->count, 7);
	assert_string_equal(jsonr_get(&d, jsonr_first(&d, path(&d, "rows", "vm", "rows")), "name")->str,
			    "web");
	assert_string_equal(jsonr_get(&d, jsonr_first(&d, path(&d, "top", "vm", "groups")), "key")->str,
			    "web");
	jsonr_free(&d);
	expo_buf_free(&b);
	webview_free(v);
}

static void test_carbon_and_empty_view(void **state)
{
	struct webview *v = webview_new();
	struct expo_buf b = { 0 };
	struct jsonr_doc d;

	v->carbon = true;
	v->carbon_origin = strdup("file");
	v->carbon_from = strdup("grid.csv");
	v->host_co2e_g = 1.5;
	assert_int_equal(webview_snapshot_json(v, NULL, &b), 0);
	d = parse(&b);
	assert_true(path(&d, "carbon", "intensity_g_per_kwh", NULL)->type == JSONR_NULL);
	assert_string_equal(path(&d, "carbon", "from", NULL)->str, "grid.csv");
	assert_true(path(&d, "power_w", NULL, NULL)->type == JSONR_NULL);
	assert_true(path(&d, "host", NULL, NULL)->type == JSONR_NULL);
	jsonr_free(&d);
	expo_buf_free(&b);
	webview_free(v);
	assert_null(webview_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_is_strict_json),
		cmocka_unit_test(test_point_top_adds_up),
		cmocka_unit_test(test_filter_hides_rows_everywhere),
		cmocka_unit_test(test_absent_grouping_left_out),
		cmocka_unit_test(test_carbon_and_empty_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
