/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-accept.c - Accept header negotiation with the headers real clients
 * send (Prometheus 2.42, curl, browsers) and the RFC 9110 rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "accept.h"

static struct accept_pref pref(const char *h)
{
	struct accept_pref p = { 9999, 9999 };

	assert_int_equal(parse_accept(h, strlen(h), &p), 0);
	return p;
}

static enum accept_choice choose(const char *h)
{
	struct accept_pref p = pref(h);

	return accept_choose(&p);
}

static void test_prometheus_gets_openmetrics(void **state)
{
	/* Prometheus 2.42's scrape header, verbatim. */
	struct accept_pref p = pref("application/openmetrics-text;version=1.0.0,"
				    "application/openmetrics-text;version=0.0.1;q=0.75,"
				    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

	assert_int_equal(p.q_openmetrics, 1000);
	assert_int_equal(p.q_text, 500);
	assert_int_equal(accept_choose(&p), ACCEPT_OPENMETRICS);
}

static void test_old_prometheus_gets_text(void **state)
{
	/* Prometheus before OpenMetrics support, and one that only knows OM 0.0.1. */
	assert_int_equal(choose("text/plain;version=0.0.4;q=1,*/*;q=0.1"), ACCEPT_TEXT);
	assert_int_equal(choose("application/openmetrics-text; version=0.0.1,text/plain;"
				"version=0.0.4;q=0.5,*/*;q=0.1"),
			 ACCEPT_TEXT);
}

static void test_wildcards_and_ties_give_text(void **state)
{
	assert_int_equal(choose("*/*"), ACCEPT_TEXT); /* curl */
	assert_int_equal(choose("text/*"), ACCEPT_TEXT);
	assert_int_equal(choose("application/*"), ACCEPT_OPENMETRICS);
	assert_int_equal(choose("text/html,application/xhtml+xml,application/xml;q=0.9,"
				"image/avif,image/webp,*/*;q=0.8"),
			 ACCEPT_TEXT); /* a browser */
	assert_int_equal(choose("application/openmetrics-text"), ACCEPT_OPENMETRICS);
}

static void test_most_specific_range_decides(void **state)
{
	struct accept_pref p;

	/* The versioned range outranks the bare one, whatever the order. */
	p = pref("application/openmetrics-text;q=0.2, application/openmetrics-text;version=1.0.0;q=0.9");
	assert_int_equal(p.q_openmetrics, 900);
	p = pref("application/openmetrics-text;version=1.0.0;q=0.9, application/openmetrics-text;q=0.2");
	assert_int_equal(p.q_openmetrics, 900);
	/* An explicit q=0 on the exact type beats the wildcard that allows it. */
	p = pref("*/*, text/plain;q=0");
	assert_int_equal(p.q_text, 0);
	assert_int_equal(p.q_openmetrics, 1000);
	assert_int_equal(accept_choose(&p), ACCEPT_OPENMETRICS);
}

static void test_case_spaces_and_quotes(void **state)
{
	struct accept_pref p = pref("  Application/OpenMetrics-Text ; Version=\"1.0.0\" ; Q=0.7 ,"
				    " TEXT/PLAIN;charset=utf-8;q=0.3 ");

	assert_int_equal(p.q_openmetrics, 700);
	assert_int_equal(p.q_text, 300);
	/* Parameters other than version do not restrict; empty list elements are allowed. */
	p = pref(",, application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,,");
	assert_int_equal(p.q_openmetrics, 1000);
	/* A different version does not match. */
	p = pref("text/plain;version=1.0.0");
	assert_int_equal(p.q_text, 0);
}

static void test_nothing_acceptable(void **state)
{
	assert_int_equal(choose("application/json"), ACCEPT_NONE);
	assert_int_equal(choose("text/plain;q=0, application/openmetrics-text;q=0"), ACCEPT_NONE);
	assert_int_equal(choose(""), ACCEPT_NONE);
}

static void test_q_values(void **state)
{
	assert_int_equal(pref("text/plain;q=0.001").q_text, 1);
	assert_int_equal(pref("text/plain;q=1.000").q_text, 1000);
	assert_int_equal(pref("text/plain;q=0.").q_text, 0);
	assert_int_equal(pref("text/plain;q=1").q_text, 1000);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"text",			/* no subtype */
		"text/",		/* empty subtype */
		"/plain",
		"*/plain",		/* a wildcard type needs a wildcard subtype */
		"text/plain;q=1.5",
		"text/plain;q=1.001",
		"text/plain;q=0.0001",	/* at most three decimals */
		"text/plain;q=-1",
		"text/plain;q=",
		"text/plain;q",
		"text/plain;version=\"1.0",	/* unterminated quote */
		"text/plain;version=\"a\\",
		"text/plain x",
		"text/plain;=1",
		"te xt/plain",
		"text/pl\x01" "ain",
	};
	struct accept_pref p = { 7, 7 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_accept(bad[i], strlen(bad[i]), &p) != -EINVAL)
			fail_msg("accepted malformed header '%s'", bad[i]);
		assert_int_equal(p.q_text, 7); /* untouched on error */
	}
	/* The length bounds the parse: no reading past it. */
	assert_int_equal(parse_accept("text/plainGARBAGE", 10, &p), 0);
	assert_int_equal(p.q_text, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus_gets_openmetrics),
		cmocka_unit_test(test_old_prometheus_gets_text),
		cmocka_unit_test(test_wildcards_and_ties_give_text),
		cmocka_unit_test(test_most_specific_range_decides),
		cmocka_unit_test(test_case_spaces_and_quotes),
		cmocka_unit_test(test_nothing_acceptable),
		cmocka_unit_test(test_q_values),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
