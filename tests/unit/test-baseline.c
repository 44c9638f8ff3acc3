/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-baseline.c - the static power file's parser (baseline.h) and lookups by name and kind. */
#include <string.h>

#include "testutil.h"

#include "baseline.h"

static int parse(const char *s, struct baseline *b, unsigned *line)
{
	return parse_baseline(s, strlen(s), b, line);
}

static void test_valid_file(void **state)
{
	/* As `joulestat calibrate` writes it, with CRLF and blanks a hand edit may add. */
	const char *text = "# joulestat calibrate: 10.0 s\n"
			   "\n"
			   "joulestat-baseline 1\n"
			   "package-0 3120\n"
			   "  dram-0\t512  \r\n"
			   "intel-rapl:0:1 0\n"
			   "# trailing comment";
	struct baseline b;
	unsigned line = 99;
	uint64_t mw;

	assert_int_equal(parse(text, &b, &line), 0);
	assert_int_equal(line, 99);	/* untouched on success */
	assert_int_equal(b.n, 3);
	assert_string_equal(b.e[0].name, "package-0");
	assert_int_equal(b.e[0].static_mw, 3120);
	assert_string_equal(b.e[1].name, "dram-0");
	assert_int_equal(b.e[1].static_mw, 512);
	assert_int_equal(b.e[2].static_mw, 0);
	assert_int_equal(baseline_lookup(&b, "dram-0", "dram", &mw), 0);
	assert_int_equal(mw, 512);
	assert_int_equal(baseline_lookup(&b, "dram-1", "dram", &mw), -ENOENT);
}

static void test_kind_entries(void **state)
{
	struct baseline b;
	uint64_t mw = 0;

	assert_int_equal(parse("joulestat-baseline 1\npackage 2000\npackage-1 2500\n", &b, NULL), 0);
	/* The name's own entry first, else the kind's. */
	assert_int_equal(baseline_lookup(&b, "package-1", "package", &mw), 0);
	assert_int_equal(mw, 2500);
	assert_int_equal(baseline_lookup(&b, "package-0", "package", &mw), 0);
	assert_int_equal(mw, 2000);
	assert_int_equal(baseline_lookup(&b, "package-0", NULL, &mw), -ENOENT);
	assert_int_equal(baseline_lookup(NULL, "x", NULL, &mw), -EINVAL);
	/* The entry lookup takes, by index: where the static power came from. */
	assert_int_equal(baseline_find(&b, "package-1", "package"), 1);
	assert_int_equal(baseline_find(&b, "package-0", "package"), 0);
	assert_int_equal(baseline_find(&b, "dram-0", "dram"), -ENOENT);
	assert_int_equal(baseline_find(NULL, "x", NULL), -EINVAL);
}

static void test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		int err;
		unsigned line;
	} cases[] = {
		{ "", -EINVAL, 0 },				/* no version line */
		{ "# only a comment\n", -EINVAL, 0 },
		{ "package-0 10\n", -EINVAL, 1 },		/* entries before the version */
		{ "joulestat-baseline 2\n", -EPROTONOSUPPORT, 1 },
		{ "joulestat-baseline x\n", -EINVAL, 1 },
		{ "joulestat-baseline 1\npackage-0\n", -EINVAL, 2 },
		{ "joulestat-baseline 1\npackage-0 10 mW\n", -EINVAL, 2 },
		{ "joulestat-baseline 1\npackage-0 -10\n", -EINVAL, 2 },
		{ "joulestat-baseline 1\npackage-0 1.5\n", -EINVAL, 2 },
		{ "joulestat-baseline 1\npackage-0 1000000001\n", -EINVAL, 2 },	/* > 1 MW */
		{ "joulestat-baseline 1\npack/age 10\n", -EINVAL, 2 },
		{ "joulestat-baseline 1\n\na 1\nb 2\na 3\n", -EINVAL, 5 },	/* duplicate */
		{ "joulestat-baseline 1\n"
		  "a23456789012345678901234567890123456789012345678 1\n", -EINVAL, 2 },
	};
	struct baseline b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned line = 1234;

		b.n = 77;
		assert_int_equal(parse(cases[i].text, &b, &line), cases[i].err);
		assert_int_equal(line, cases[i].line);
		assert_int_equal(b.n, 77);	/* *ret untouched */
	}
}

static void test_limits(void **state)
{
	char buf[8192];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "joulestat-baseline 1\n");
	struct baseline b;
	unsigned line = 0;

	for (int i = 0; i < BASELINE_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "d%d %d\n", i, i);
	assert_int_equal(parse_baseline(buf, len, &b, &line), 0);
	assert_int_equal(b.n, BASELINE_MAX);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "one-more 1\n");
	assert_int_equal(parse_baseline(buf, len, &b, &line), -E2BIG);
	assert_int_equal(line, BASELINE_MAX + 2);
	/* A NUL inside is malformed, not a shorter file. */
	assert_int_equal(parse_baseline("joulestat-baseline 1\na\0b 1\n", 27, &b, &line), -EINVAL);
	assert_int_equal(parse_baseline(NULL, 0, &b, &line), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_file),
		cmocka_unit_test(test_kind_entries),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
