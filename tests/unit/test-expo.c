/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-expo.c - the exposition writer against the two formats' grammars:
 * metadata names per format, `_total`, UNIT, # EOF, escaping, exact values.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "expo.h"

static const struct expo_family energy = {
	"joulestat_domain_energy_joules", EXPO_COUNTER, "joules", "Energy \"counted\" \\ per\ndomain."
};
static const struct expo_family power = { "joulestat_domain_power_watts", EXPO_GAUGE, "watts",
					  "Power." };

static void page(enum expo_format fmt, struct expo_buf *b)
{
	struct expo e;
	struct expo_label l[] = { { "domain", "package-0" }, { "kind", "package" } };

	expo_init(&e, b, fmt);
	expo_family(&e, &energy);
	expo_sample_fixed(&e, l, 2, 1500000, 6);
	expo_family(&e, &power);
	expo_sample_double(&e, l, 1, 12.25);
	assert_int_equal(expo_finish(&e), 0);
}

static void test_text_0_0_4(void **state)
{
	struct expo_buf b = { 0 };

	page(EXPO_TEXT, &b);
	/* 0.0.4: metadata named like the samples, HELP escapes only \ and newline, no UNIT/EOF. */
	assert_string_equal(b.data,
			    "# HELP joulestat_domain_energy_joules_total Energy \"counted\" \\\\ per\\ndomain.\n"
			    "# TYPE joulestat_domain_energy_joules_total counter\n"
			    "joulestat_domain_energy_joules_total{domain=\"package-0\",kind=\"package\"} 1.5\n"
			    "# HELP joulestat_domain_power_watts Power.\n"
			    "# TYPE joulestat_domain_power_watts gauge\n"
			    "joulestat_domain_power_watts{domain=\"package-0\"} 12.25\n");
	expo_buf_free(&b);
}

static void test_openmetrics_1_0(void **state)
{
	struct expo_buf b = { 0 };

	page(EXPO_OPENMETRICS, &b);
	/* OpenMetrics: metadata on the family name, UNIT, quotes escaped in HELP, # EOF. */
	assert_string_equal(b.data,
			    "# HELP joulestat_domain_energy_joules Energy \\\"counted\\\" \\\\ per\\ndomain.\n"
			    "# TYPE joulestat_domain_energy_joules counter\n"
			    "# UNIT joulestat_domain_energy_joules joules\n"
			    "joulestat_domain_energy_joules_total{domain=\"package-0\",kind=\"package\"} 1.5\n"
			    "# HELP joulestat_domain_power_watts Power.\n"
			    "# TYPE joulestat_domain_power_watts gauge\n"
			    "# UNIT joulestat_domain_power_watts watts\n"
			    "joulestat_domain_power_watts{domain=\"package-0\"} 12.25\n"
			    "# EOF\n");
	assert_string_equal(expo_content_type(EXPO_OPENMETRICS),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_string_equal(expo_content_type(EXPO_TEXT), "text/plain; version=0.0.4; charset=utf-8");
	expo_buf_free(&b);
}

static const char *escaped(const char *v)
{
	static struct expo_buf b;

	expo_buf_free(&b);
	assert_int_equal(expo_escape_label_value(&b, v), 0);
	return b.len ? b.data : "";
}

static void test_label_escaping(void **state)
{
	assert_string_equal(escaped("plain"), "plain");
	assert_string_equal(escaped(""), "");
	assert_string_equal(escaped("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
	/* Tabs and other control bytes are legal in a label value, kept as they are. */
	assert_string_equal(escaped("a\tb"), "a\tb");
	/* Valid UTF-8 passes: é (2 bytes), € (3), 😀 (4). */
	assert_string_equal(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* A comm can hold any bytes: each invalid sequence becomes U+FFFD. */
	assert_string_equal(escaped("a\xff" "b"), "a\xef\xbf\xbd" "b");
	assert_string_equal(escaped("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");	  /* overlong '/' */
	assert_string_equal(escaped("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	assert_string_equal(escaped("\xf4\x90\x80\x80"),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
	assert_string_equal(escaped("x\xe2\x82"), "x\xef\xbf\xbd\xef\xbf\xbd"); /* truncated */
}

static const char *fixed(uint64_t v, unsigned decimals)
{
	static struct expo_buf b;
	static const struct expo_family f = { "x_seconds", EXPO_GAUGE, "seconds", "x" };
	struct expo e;

	expo_buf_free(&b);
	expo_init(&e, &b, EXPO_TEXT);
	expo_family(&e, &f);
	b.len = 0;
	expo_sample_fixed(&e, NULL, 0, v, decimals);
	assert_int_equal(expo_finish(&e), 0);
	return b.data;
}

static void test_fixed_point_is_exact(void **state)
{
	assert_string_equal(fixed(0, 6), "x_seconds 0\n");
	assert_string_equal(fixed(1, 6), "x_seconds 0.000001\n");
	assert_string_equal(fixed(1500000, 6), "x_seconds 1.5\n");
	assert_string_equal(fixed(2000000, 6), "x_seconds 2\n");
	assert_string_equal(fixed(123456789, 9), "x_seconds 0.123456789\n");
	assert_string_equal(fixed(42, 0), "x_seconds 42\n");
	/* Every µJ of a 64-bit counter survives (a double would lose the last digits). */
	assert_string_equal(fixed(UINT64_MAX, 6), "x_seconds 18446744073709.551615\n");
}

static const char *dbl(double v)
{
	static struct expo_buf b;
	static const struct expo_family f = { "x", EXPO_GAUGE, NULL, "x" };
	struct expo e;

	expo_buf_free(&b);
	expo_init(&e, &b, EXPO_OPENMETRICS);
	expo_family(&e, &f);
	b.len = 0;
	expo_sample_double(&e, NULL, 0, v);
	return b.data;
}

static void test_doubles(void **state)
{
	assert_string_equal(dbl(NAN), "x NaN\n");
	assert_string_equal(dbl(INFINITY), "x +Inf\n");
	assert_string_equal(dbl(-INFINITY), "x -Inf\n");
	assert_string_equal(dbl(-0.0), "x 0\n");
	assert_string_equal(dbl(0.1), "x 0.1\n");
	assert_string_equal(dbl(3.5e12), "x 3.5e+12\n");
}

static int family_error(const struct expo_family *f, enum expo_format fmt)
{
	struct expo_buf b = { 0 };
	struct expo e;
	int r;

	expo_init(&e, &b, fmt);
	expo_family(&e, f);
	r = expo_finish(&e);
	expo_buf_free(&b);
	return r;
}

static void test_invalid_families(void **state)
{
	static const struct expo_family total = { "x_joules_total", EXPO_COUNTER, NULL, "" };
	static const struct expo_family unit = { "x_joules", EXPO_GAUGE, "watts", "" };
	static const struct expo_family unit_only = { "joules", EXPO_GAUGE, "joules", "" };
	static const struct expo_family unit_glued = { "xjoules", EXPO_GAUGE, "joules", "" };
	static const struct expo_family name = { "9x", EXPO_GAUGE, NULL, "" };
	static const struct expo_family dash = { "x-y", EXPO_GAUGE, NULL, "" };
	static const struct expo_family ok = { "ns:x_ratio", EXPO_GAUGE, "ratio", "" };

	assert_int_equal(family_error(&total, EXPO_TEXT), -EINVAL);
	assert_int_equal(family_error(&unit, EXPO_OPENMETRICS), -EINVAL);
	assert_int_equal(family_error(&unit_only, EXPO_OPENMETRICS), -EINVAL);
	assert_int_equal(family_error(&unit_glued, EXPO_OPENMETRICS), -EINVAL);
	assert_int_equal(family_error(&name, EXPO_TEXT), -EINVAL);
	assert_int_equal(family_error(&dash, EXPO_TEXT), -EINVAL);
	assert_int_equal(family_error(&ok, EXPO_TEXT), 0);
}

static void test_invalid_samples(void **state)
{
	struct expo_buf b = { 0 };
	struct expo e;
	struct expo_label bad[] = { { "__name", "x" } };
	struct expo_label colon[] = { { "a:b", "x" } };
	struct expo_label null_value[] = { { "a", NULL } };

	expo_init(&e, &b, EXPO_TEXT);
	expo_sample_double(&e, NULL, 0, 1); /* no family yet */
	assert_int_equal(expo_finish(&e), -EINVAL);

	expo_init(&e, &b, EXPO_TEXT);
	expo_family(&e, &power);
	expo_sample_double(&e, bad, 1, 1);
	assert_int_equal(expo_finish(&e), -EINVAL);

	expo_init(&e, &b, EXPO_TEXT);
	expo_family(&e, &power);
	expo_sample_double(&e, colon, 1, 1);
	assert_int_equal(expo_finish(&e), -EINVAL);

	expo_init(&e, &b, EXPO_TEXT);
	expo_family(&e, &power);
	expo_sample_double(&e, null_value, 1, 1);
	assert_int_equal(expo_finish(&e), -EINVAL);

	expo_init(&e, &b, EXPO_TEXT);
	expo_family(&e, &power);
	expo_sample_fixed(&e, NULL, 0, 1, 10); /* more decimals than a u64 power of ten */
	assert_int_equal(expo_finish(&e), -EINVAL);
	expo_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_0_0_4),	   cmocka_unit_test(test_openmetrics_1_0),
		cmocka_unit_test(test_label_escaping),	   cmocka_unit_test(test_fixed_point_is_exact),
		cmocka_unit_test(test_doubles),		   cmocka_unit_test(test_invalid_families),
		cmocka_unit_test(test_invalid_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
