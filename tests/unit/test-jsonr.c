/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* test-jsonr.c - the strict JSON reader: RFC 8259 grammar, exact integers, located errors. */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "jsonr.h"

static int parse(const char *s, struct jsonr_doc *doc, struct jsonr_error *err)
{
	return jsonr_parse(s, strlen(s), doc, err);
}

static void test_object_members_in_order(void **state)
{
	struct jsonr_doc doc;
	const struct jsonr_node *root, *a, *n;

	assert_int_equal(parse(" {\"a\": [1, true, null, \"x\"], \"b\": {}} \n", &doc, NULL), 0);
	root = &doc.nodes[0];
	assert_int_equal(root->type, JSONR_OBJECT);
	assert_int_equal(root->count, 2);
	a = jsonr_get(&doc, root, "a");
	assert_non_null(a);
	assert_int_equal(a->type, JSONR_ARRAY);
	assert_int_equal(a->count, 4);
	n = jsonr_first(&doc, a);
	assert_true(n->is_u64 && n->u64 == 1);
	n = jsonr_next(&doc, n);
	assert_true(n->type == JSONR_BOOL && n->boolean);
	n = jsonr_next(&doc, n);
	assert_int_equal(n->type, JSONR_NULL);
	n = jsonr_next(&doc, n);
	assert_string_equal(n->str, "x");
	assert_null(jsonr_next(&doc, n));
	assert_int_equal(jsonr_get(&doc, root, "b")->count, 0);
	assert_null(jsonr_get(&doc, root, "c"));
	assert_null(jsonr_get(&doc, a, "a")); /* not an object */
	jsonr_free(&doc);
}

/* µJ counters exceed 2^53: a double would round them. */
static void test_integers_are_exact(void **state)
{
	struct jsonr_doc doc;
	const struct jsonr_node *n;

	assert_int_equal(parse("[18446744073709551615, 9007199254740993, -9223372036854775808, "
			       "18446744073709551616, -0, 1.5, 2e3, -1E-2]",
			       &doc, NULL),
			 0);
	n = jsonr_first(&doc, &doc.nodes[0]);
	assert_true(n->is_u64);
	assert_true(n->u64 == UINT64_MAX);
	assert_false(n->is_i64);
	n = jsonr_next(&doc, n);
	assert_true(n->u64 == 9007199254740993ULL);
	n = jsonr_next(&doc, n);
	assert_true(n->is_i64 && n->i64 == INT64_MIN);
	assert_false(n->is_u64);
	n = jsonr_next(&doc, n); /* 2^64: a number, but no exact integer */
	assert_false(n->is_u64 || n->is_i64);
	assert_true(fabs(n->dbl - 18446744073709551616.0) < 1e4);
	n = jsonr_next(&doc, n);
	assert_true(n->is_u64 && n->u64 == 0);
	n = jsonr_next(&doc, n);
	assert_false(n->is_u64);
	assert_true(n->dbl == 1.5);
	n = jsonr_next(&doc, n);
	assert_false(n->is_u64); /* an exponent makes it a non-integer literal */
	assert_true(n->dbl == 2000.0);
	n = jsonr_next(&doc, n);
	assert_true(fabs(n->dbl + 0.01) < 1e-15);
	jsonr_free(&doc);
}

static void test_string_escapes_decode_to_utf8(void **state)
{
	struct jsonr_doc doc;

	assert_int_equal(parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20ac\\ud83d\\ude00\"", &doc, NULL),
			 0);
	assert_string_equal(doc.nodes[0].str, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(doc.nodes[0].len, strlen(doc.nodes[0].str));
	jsonr_free(&doc);
}

struct bad {
	const char *text;
	size_t offset;
	const char *msg;
};

static void test_errors_say_where_and_why(void **state)
{
	static const struct bad cases[] = {
		{ "", 0, "unexpected end of input" },
		{ "{\"a\":1,}", 7, "expected a member name" },
		{ "[1 2]", 3, "expected ',' or ']'" },
		{ "{\"a\" 1}", 5, "expected ':'" },
		{ "{\"a\":1", 6, "unterminated object" },
		{ "\"abc", 4, "unterminated string" },
		{ "\"a\tb\"", 2, "control character 0x09" },
		{ "\"\\x\"", 2, "unknown escape" },
		{ "\"\\ud800\"", 7, "unpaired high surrogate" },
		{ "\"\\udc00\"", 7, "unpaired low surrogate" },
		{ "\"\\u0000\"", 7, "\\u0000" },
		{ "01", 0, "leading zero" },
		{ "1.", 2, "after '.'" },
		{ "1e", 2, "exponent" },
		{ "-", 1, "expected a digit" },
		{ "tru", 0, "unknown word" },
		{ "nul", 0, "unknown word" },
		{ "[1] x", 4, "unexpected text after the value" },
		{ "'a'", 0, "unexpected character" },
		{ "{\"a\":1}{", 7, "unexpected text" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonr_doc doc = { .nnodes = 42 };
		struct jsonr_error err;

		assert_int_equal(parse(cases[i].text, &doc, &err), -EINVAL);
		assert_int_equal(doc.nnodes, 42); /* untouched on error */
		if (err.offset != cases[i].offset || !strstr(err.msg, cases[i].msg))
			fail_msg("%s: offset %zu \"%s\", wanted %zu \"%s\"", cases[i].text,
				 err.offset, err.msg, cases[i].offset, cases[i].msg);
	}
}

static void test_depth_is_bounded(void **state)
{
	char deep[JSONR_MAX_DEPTH * 2 + 8];
	struct jsonr_doc doc;
	struct jsonr_error err;
	size_t n = 0;

	for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	assert_int_equal(jsonr_parse(deep, n, &doc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested deeper"));
	/* one level less is fine */
	assert_int_equal(jsonr_parse(deep + 1, n - 2, &doc, &err), 0);
	jsonr_free(&doc);
}

/* The input need not be NUL-terminated: nothing past len is read. */
static void test_reads_only_len_bytes(void **state)
{
	struct jsonr_doc doc;

	assert_int_equal(jsonr_parse("[12]99", 4, &doc, NULL), 0);
	assert_true(jsonr_first(&doc, &doc.nodes[0])->u64 == 12);
	jsonr_free(&doc);
	assert_int_equal(jsonr_parse("123", 2, &doc, NULL), 0);
	assert_true(doc.nodes[0].u64 == 12);
	jsonr_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_members_in_order),
		cmocka_unit_test(test_integers_are_exact),
		cmocka_unit_test(test_string_escapes_decode_to_utf8),
		cmocka_unit_test(test_errors_say_where_and_why),
		cmocka_unit_test(test_depth_is_bounded),
		cmocka_unit_test(test_reads_only_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
