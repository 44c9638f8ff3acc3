/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-xmlesc.c - text escaped for the HTML/SVG pages of report and profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xmlesc.h"

/* xml_text of s, as a string the caller frees. */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	xml_text(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void check(const char *in, const char *want)
{
	char *got = escaped(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_markup(void **state)
{
	check("a<b>&\"c\"", "a&lt;b&gt;&amp;&quot;c&quot;");
	check("kworker/0:1H-kblockd", "kworker/0:1H-kblockd");
	check("", "");
	check(NULL, "");
}

static void test_control_bytes(void **state)
{
	/* A thread may name itself with any bytes but NUL (prctl PR_SET_NAME). */
	check("a\tb\nc\x1b[31m", "a?b?c?[31m");
	check("\x7f", "\x7f");
}

static void test_utf8(void **state)
{
	/* é (2 bytes), € (3), 😀 (4) pass through unchanged. */
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Lone continuation, overlong '/', surrogate U+D800, above U+10FFFF, truncated. */
	check("\x80", "?");
	check("\xc0\xaf", "??");
	check("\xed\xa0\x80", "???");
	check("\xf4\x90\x80\x80", "????");
	check("x\xe2\x82", "x??");
	assert_int_equal(utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf"), 4);
	assert_int_equal(utf8_len((const unsigned char *)"\xe0\x9f\x80"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
