/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-textesc.c - names escaped for a terminal (textesc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "textesc.h"

static void check(const char *in, const char *want)
{
	char buf[256], *mem = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&mem, &size);

	assert_string_equal(text_esc(in, buf, sizeof(buf)), want);
	assert_non_null(f);
	text_esc_write(f, in);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(mem, want);
	free(mem);
}

static void test_plain_text_passes(void **state)
{
	check("kworker/0:1H-kblockd", "kworker/0:1H-kblockd");
	check("/system.slice/system-getty.slice/getty@tty1.service",
	      "/system.slice/system-getty.slice/getty@tty1.service");
	check("a \"quoted\" name\\", "a \"quoted\" name\\");
	check("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\xa5");
	/* U+00A0 is the first character after the C1 controls. */
	check("\xc2\xa0", "\xc2\xa0");
	check("", "");
	check(NULL, "");
}

static void test_controls_in_caret_notation(void **state)
{
	/* The terminal-title sequence: ESC ] 0 ; ... BEL. */
	check("\x1b]0;pwned\x07", "^[]0;pwned^G");
	check("a\tb\nc\rd", "a^Ib^Jc^Md");
	check("\x7f", "^?");
	check("\x01\x1f", "^A^_");
}

static void test_c1_and_bad_bytes_with_meta(void **state)
{
	/* U+009B is CSI where a terminal reads C1 controls. */
	check("\xc2\x9b" "31m", "M-^[31m");
	check("\xc2\x85", "M-^E");
	check("\xff", "M-^?");
	check("b\xe9t\xe9", "bM-itM-i");
	/* A lone lead byte, an overlong form, a surrogate. */
	check("\xc3", "M-C");
	check("\xc0\xaf", "M-@M-/");
	check("\xed\xa0\x80", "M-mM- M-^@");
	check("\x1b]0;x\x07\xff\"q", "^[]0;x^GM-^?\"q");
}

static void test_cut_on_a_whole_escape(void **state)
{
	char buf[5];

	assert_string_equal(text_esc("ab\x1b" "cd", buf, sizeof(buf)), "ab^[");
	assert_string_equal(text_esc("abc\x1b", buf, sizeof(buf)), "abc");
	assert_string_equal(text_esc("a\xe6\x97\xa5", buf, 4), "a");
	assert_string_equal(text_esc("xyz", buf, 1), "");
	assert_true(TEXTESC_SIZE(15) >= strlen(text_esc("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
							 "\xff\xff\xff\xff\xff", (char[TEXTESC_SIZE(15)]){ 0 },
							 TEXTESC_SIZE(15))) + 1);
}

static void vprint(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_esc_vprintf(f, fmt, ap);
	va_end(ap);
}

static void test_messages(void **state)
{
	char *mem = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&mem, &size);

	assert_non_null(f);
	vprint(f, "%s: unknown status \"%s\" (%d)", "rec.jsonl:3", "\x1b[2J", 7);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(mem, "rec.jsonl:3: unknown status \"^[[2J\" (7)");
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes),
		cmocka_unit_test(test_controls_in_caret_notation),
		cmocka_unit_test(test_c1_and_bad_bytes_with_meta),
		cmocka_unit_test(test_cut_on_a_whole_escape),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
