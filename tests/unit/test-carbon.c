/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-carbon.c - carbon intensity: the number (never strtod()'s locale), ISO 8601
 * and Unix times, the CSV time series (header, separators, quotes, order,
 * the step a row holds for), the fallback to the number outside the file's
 * hours, and grams from µJ exactly as 1 kWh = 3.6e12 µJ says.
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

#include "carbon.h"

static double intensity(const char *s)
{
	double v = -1;

	assert_int_equal(carbon_parse_intensity(s, strlen(s), &v), 0);
	return v;
}

static void test_intensity(void **state)
{
	double v = 7;

	(void)state;
	assert_true(intensity("400") == 400);
	assert_true(fabs(intensity(" 212.5 ") - 212.5) < 1e-12);
	assert_true(intensity("0") == 0);
	assert_true(intensity("+56.") == 56);
	assert_true(fabs(intensity(".5") - 0.5) < 1e-12);
	assert_true(intensity("10000") == 10000);
	assert_int_equal(carbon_parse_intensity("10000.1", 7, &v), -ERANGE);
	assert_int_equal(carbon_parse_intensity("-3", 2, &v), -ERANGE);
	assert_int_equal(carbon_parse_intensity("", 0, &v), -EINVAL);
	assert_int_equal(carbon_parse_intensity(".", 1, &v), -EINVAL);
	assert_int_equal(carbon_parse_intensity("4e2", 3, &v), -EINVAL);
	assert_int_equal(carbon_parse_intensity("400g", 4, &v), -EINVAL);
	assert_int_equal(carbon_parse_intensity("nan", 3, &v), -EINVAL);
	assert_int_equal(carbon_parse_intensity("1,5", 3, &v), -EINVAL);
	assert_true(v == 7); /* untouched on error */
}

static int64_t when(const char *s)
{
	int64_t t = -1;

	if (carbon_parse_time(s, strlen(s), &t) != 0)
		fail_msg("'%s' refused", s);
	return t;
}

static void test_time(void **state)
{
	int64_t t = 5;

	(void)state;
	/* date -u -d 2024-05-01T13:00:00Z +%s */
	assert_int_equal(when("2024-05-01T13:00:00Z"), 1714568400);
	assert_int_equal(when("2024-05-01 13:00"), 1714568400);
	assert_int_equal(when("2024-05-01T13:00:00.750Z"), 1714568400);
	assert_int_equal(when("2024-05-01T15:00:00+02:00"), 1714568400);
	assert_int_equal(when("2024-05-01T08:30:00-0430"), 1714568400);
	assert_int_equal(when("2024-05-01T14:00+01"), 1714568400);
	assert_int_equal(when("1714568400"), 1714568400);
	assert_int_equal(when("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(when("2024-02-29 00:00"), 1709164800);
	assert_int_equal(when("2000-03-01T00:00Z"), 951868800);
	assert_int_equal(carbon_parse_time("2023-02-29 00:00", 16, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("2024-13-01 00:00", 16, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("2024-05-01", 10, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("2024-05-01T24:00", 16, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("2024-05-01T13:00Zx", 18, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("1969-12-31T23:00Z", 17, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("-5", 2, &t), -EINVAL);
	assert_int_equal(carbon_parse_time("", 0, &t), -EINVAL);
	assert_true(t == 5);
}

static struct carbon_series csv_ok(const char *text)
{
	struct carbon_series s = { 0 };
	char err[256];
	int r = carbon_parse_csv(text, strlen(text), &s, err, sizeof(err));

	if (r != 0)
		fail_msg("refused (%d: %s):\n%s", r, err, text);
	return s;
}

static void csv_bad(const char *text, const char *want)
{
	struct carbon_series s = { .nrows = 99 };
	char err[256];
	int r = carbon_parse_csv(text, strlen(text), &s, err, sizeof(err));

	if (r != -EINVAL)
		fail_msg("accepted (%d):\n%s", r, text);
	assert_int_equal(s.nrows, 99); /* untouched */
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

/*
 * A time is a field of a larger buffer, never NUL-terminated: a field of
 * digits alone, in a buffer of exactly its size, is read within it (the
 * ASan build catches a read past it, as the fuzzer once did).
 */
static void test_time_unterminated(void **state)
{
	char *b = malloc(2);
	int64_t t = -1;

	(void)state;
	assert_non_null(b);
	memcpy(b, "12", 2);
	assert_int_equal(carbon_parse_time(b, 2, &t), 0);
	assert_int_equal(t, 12);
	memcpy(b, "1-", 2);
	assert_int_equal(carbon_parse_time(b, 2, &t), -EINVAL);
	free(b);
}

static void test_csv(void **state)
{
	struct carbon_series s;

	(void)state;
	s = csv_ok("timestamp,intensity\r\n"
		   "# Electricity Maps, zone DE\r\n"
		   "2024-05-01T00:00:00Z,212.5\r\n"
		   "\r\n"
		   "2024-05-01 01:00,\"230\"\r\n"
		   "1714528800, 241 \r\n");
	assert_int_equal(s.nrows, 3);
	assert_int_equal(s.rows[0].t_s, 1714521600);
	assert_true(s.rows[1].g_per_kwh == 230);
	assert_int_equal(s.rows[2].t_s, 1714528800);
	assert_int_equal(s.step_s, 3600);
	/* each row holds for one step, until the next row */
	assert_true(isnan(carbon_series_at(&s, 1714521599)));
	assert_true(carbon_series_at(&s, 1714521600) == 212.5);
	assert_true(carbon_series_at(&s, 1714525199) == 212.5);
	assert_true(carbon_series_at(&s, 1714525200) == 230);
	assert_true(carbon_series_at(&s, 1714532399) == 241);
	assert_true(isnan(carbon_series_at(&s, 1714532400)));
	carbon_series_done(&s);

	/* ';' as the separator, no header, the last line without its newline */
	s = csv_ok("2024-05-01T00:00Z;100\n2024-05-01T00:15Z;120");
	assert_int_equal(s.nrows, 2);
	assert_int_equal(s.step_s, 900);
	carbon_series_done(&s);

	/* A missing hour is not filled by the hour before it: the step is the smallest gap. */
	s = csv_ok("0,100\n3600,200\n10800,300\n");
	assert_int_equal(s.step_s, 3600);
	assert_true(isnan(carbon_series_at(&s, 7200)));
	assert_true(carbon_series_at(&s, 10800) == 300);
	carbon_series_done(&s);

	/* One row: one hour. */
	s = csv_ok("1714521600,50\n");
	assert_int_equal(s.step_s, 3600);
	assert_true(carbon_series_at(&s, 1714521600 + 3599) == 50);
	assert_true(isnan(carbon_series_at(&s, 1714521600 + 3600)));
	carbon_series_done(&s);
}

static void test_csv_bad(void **state)
{
	(void)state;
	csv_bad("", "no rows");
	csv_bad("timestamp,intensity\n", "no rows");
	csv_bad("2024-05-01T00:00Z,100,extra\n", "line 1: more than two");
	csv_bad("2024-05-01T00:00Z\n", "line 1: one field");
	csv_bad("t,i\n2024-05-01T00:00Z,lots\n", "line 2: 'lots' is not an intensity");
	csv_bad("t,i\nyesterday,100\n", "line 2: 'yesterday' is not a time");
	csv_bad("0,100\n3600,200\n3600,300\n", "line 3: '3600' is not after the row before");
	csv_bad("3600,100\n0,200\n", "line 2");
	csv_bad("0,\"100\n", "quote is not closed");
	csv_bad("0,20000\n", "from 0 to 10000");
	{
		struct carbon_series s = { 0 };
		char err[256];

		assert_int_equal(carbon_parse_csv("0,1\0\n", 5, &s, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "NUL"));
	}
	/* a second header is not a header */
	csv_bad("t,i\nt,i\n", "line 2: 't' is not a time");
}

static void test_grams(void **state)
{
	(void)state;
	/* 1 kWh at 400 g/kWh is 400 g; 3.6 MJ is 1 kWh. */
	assert_true(fabs(carbon_grams(3600000000000ULL, 400) - 400) < 1e-9);
	assert_true(fabs(carbon_grams(1000000, 360) - 0.1e-3) < 1e-15); /* 1 J at 360 */
	assert_true(carbon_grams(123456789, 0) == 0);
}

static void test_fallback(void **state)
{
	struct carbon c;
	struct carbon_acc a;
	enum carbon_origin o;
	char buf[256];

	(void)state;
	carbon_init(&c);
	assert_false(carbon_enabled(&c));
	assert_true(isnan(carbon_at(&c, 0, &o)));
	assert_int_equal(o, CARBON_NONE);

	c.series = csv_ok("0,100\n3600,200\n");
	snprintf(c.series_from, sizeof(c.series_from), "grid.csv");
	assert_true(carbon_enabled(&c));
	carbon_acc_init(&a);
	/* 1 kWh in the first hour, 1 kWh in the second, 1 kWh after the file: none. */
	assert_true(fabs(carbon_acc_add(&a, &c, 3600000000000ULL, 10) - 100) < 1e-9);
	assert_true(fabs(carbon_acc_add(&a, &c, 3600000000000ULL, 3700) - 200) < 1e-9);
	assert_true(carbon_acc_add(&a, &c, 3600000000000ULL, 7300) == 0);
	assert_true(fabs(a.grams - 300) < 1e-9);
	assert_int_equal(a.uncovered_uj, 3600000000000ULL);
	assert_int_equal(a.covered_uj, 7200000000000ULL);
	carbon_describe(&c, &a, buf, sizeof(buf));
	assert_non_null(strstr(buf, "at 100-200 gCO2e/kWh from grid.csv"));
	assert_non_null(strstr(buf, "1 kWh outside its hours had none"));

	/* With the number too, it covers the rest, and both are named. */
	c.fixed_g_per_kwh = 400;
	c.fixed_origin = CARBON_OPTION;
	snprintf(c.fixed_from, sizeof(c.fixed_from), "--carbon-intensity");
	assert_true(carbon_at(&c, 7300, &o) == 400);
	assert_int_equal(o, CARBON_OPTION);
	assert_true(carbon_at(&c, 3600, &o) == 200);
	assert_int_equal(o, CARBON_FILE);
	carbon_acc_init(&a);
	carbon_acc_add(&a, &c, 3600000000000ULL, 7300);
	assert_int_equal(a.uncovered_uj, 0);
	assert_true(a.from_fixed && !a.from_series);
	carbon_describe(&c, &a, buf, sizeof(buf));
	assert_non_null(strstr(buf, "--carbon-intensity"));
	carbon_done(&c);
	assert_false(carbon_enabled(&c));
}

static void test_formats(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(carbon_mass(0, b, sizeof(b)), "0 g");
	assert_string_equal(carbon_mass(4.56, b, sizeof(b)), "4.56 g");
	assert_string_equal(carbon_mass(0.0123, b, sizeof(b)), "12.3 mg");
	assert_string_equal(carbon_mass(7890, b, sizeof(b)), "7.89 kg");
	assert_string_equal(carbon_energy(35999999999ULL, b, sizeof(b)), "36.00 kJ");
	assert_string_equal(carbon_energy(36000000000ULL, b, sizeof(b)), "0.01 kWh");
	assert_string_equal(carbon_energy(3600000000000ULL * 12, b, sizeof(b)), "12 kWh");
	assert_string_equal(carbon_energy(1500000, b, sizeof(b)), "1.50 J");
	assert_string_equal(carbon_origin_name(CARBON_CONFIG), "config");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intensity),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_unterminated),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_grams),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
