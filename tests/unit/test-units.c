/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-units.c - numbers with SI prefixes and three significant digits (units.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "units.h"

static void is(double v, const char *unit, const char *want)
{
	char buf[32];

	assert_string_equal(units_si(v, unit, buf, sizeof(buf)), want);
}

static void test_prefixes(void **state)
{
	(void)state;
	is(1.5234, "W", "1.52 W");
	is(15.234, "W", "15.2 W");
	is(152.34, "W", "152 W");
	is(1523.4, "W", "1.52 kW");
	is(0.850, "W", "850 mW");
	is(0.0850, "W", "85.0 mW");
	is(0.00850, "W", "8.50 mW");
	is(0.000500, "W", "500 uW");
	is(3e-7, "W", "0.30 uW");
	is(2.5e6, "J", "2.50 MJ");
	is(4.2e9, "J", "4.20 GJ");
	is(-0.25, "W", "-250 mW");
}

/* Rounding never shows four digits or "1000": it moves to the next prefix. */
static void test_rounding_edges(void **state)
{
	(void)state;
	is(999.6, "W", "1.00 kW");
	is(999.4, "W", "999 W");
	is(0.9996, "W", "1.00 W");
	is(9.996, "W", "10.0 W");
	is(99.96, "W", "100 W");
	is(0.99949, "W", "999 mW");
}

static void test_zero_and_nan(void **state)
{
	(void)state;
	is(0, "W", "0 W");
	is(NAN, "W", "-");
	is(INFINITY, "W", "inf W");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_rounding_edges),
		cmocka_unit_test(test_zero_and_nan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
