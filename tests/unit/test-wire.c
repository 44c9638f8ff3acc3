/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-wire.c - the daemon protocol's frames (header bounds, magic, version,
 * type), its requests (every op, and every way a request can be wrong) and
 * the JSON writer (escapes, invalid UTF-8, non-finite numbers, exact
 * integers), checked against the strict reader.
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
#include "wire.h"

static void test_header_round_trip(void **state)
{
	uint8_t b[WIRE_HEADER_SIZE];
	struct wire_header h;

	(void)state;
	wire_header_write(b, WIRE_REPLY, 0x01020304);
	assert_memory_equal(b, "JS\x01\x02\x04\x03\x02\x01", 8);
	assert_int_equal(wire_header_parse(b, sizeof(b), UINT32_MAX, &h), 0);
	assert_int_equal(h.type, WIRE_REPLY);
	assert_int_equal(h.len, 0x01020304);
	assert_int_equal(h.version, WIRE_VERSION);
}

static void test_header_refusals(void **state)
{
	uint8_t b[WIRE_HEADER_SIZE];
	struct wire_header h = { .len = 77 };

	(void)state;
	wire_header_write(b, WIRE_REQUEST, 10);
	/* Fewer than 8 bytes: wait for more. */
	for (size_t n = 0; n < sizeof(b); n++)
		assert_int_equal(wire_header_parse(b, n, 100, &h), -EAGAIN);
	assert_int_equal(wire_header_parse(b, sizeof(b), 9, &h), -EMSGSIZE);
	assert_int_equal(wire_header_parse(b, sizeof(b), 10, &h), 0);
	assert_int_equal(h.len, 10);
	h.len = 77;
	b[0] = 'G'; /* "GET / HTTP/1.1" */
	assert_int_equal(wire_header_parse(b, sizeof(b), 100, &h), -EPROTO);
	b[0] = 'J';
	b[2] = 2;
	assert_int_equal(wire_header_parse(b, sizeof(b), 100, &h), -EPROTONOSUPPORT);
	b[2] = WIRE_VERSION;
	b[3] = 0;
	assert_int_equal(wire_header_parse(b, sizeof(b), 100, &h), -EPROTO);
	b[3] = 4;
	assert_int_equal(wire_header_parse(b, sizeof(b), 100, &h), -EPROTO);
	/* Untouched on every refusal. */
	assert_int_equal(h.len, 77);
}

static int parse(const char *text, struct wire_request *q, char *err)
{
	return wire_request_parse(text, strlen(text), q, err, 200);
}

static void test_requests(void **state)
{
	struct wire_request *q = calloc(1, sizeof(*q));
	char err[200];

	(void)state;
	assert_int_equal(parse("{\"op\":\"hello\",\"protocol\":1,\"id\":7}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_HELLO);
	assert_int_equal(q->protocol, 1);
	assert_int_equal(q->id, 7);
	assert_int_equal(parse("{\"op\":\"monitor\",\"extra\":[1,{\"a\":null}]}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_MONITOR);
	assert_int_equal(q->id, 0);
	assert_int_equal(parse("{\"op\":\"pid\",\"pids\":[1,2147483647,42]}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_PID);
	assert_int_equal(q->npids, 3);
	assert_int_equal(q->pids[1], 2147483647);
	assert_int_equal(q->pids[2], 42);
	assert_int_equal(parse("{\"op\":\"subscribe\",\"groups\":129,\"tasks\":true,"
			       "\"interval_ns\":2000000000}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_SUBSCRIBE);
	assert_int_equal(q->groups, 129);
	assert_true(q->tasks);
	assert_int_equal(q->interval_ns, 2000000000ULL);
	assert_int_equal(parse("{\"op\":\"sample\",\"sync\":true}", q, err), 0);
	assert_true(q->sync);
	assert_int_equal(parse("{\"op\":\"sample\"}", q, err), 0);
	assert_false(q->sync);
	assert_int_equal(parse("{\"op\":\"tree\",\"pid\":5}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_TREE);
	assert_int_equal(q->pid, 5);
	assert_int_equal(parse("{\"op\":\"untree\",\"pid\":5}", q, err), 0);
	assert_int_equal(q->op, WIRE_OP_UNTREE);
	free(q);
}

static void test_bad_requests(void **state)
{
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "", "not JSON" },
		{ "{\"op\":\"hello\",\"protocol\":1", "not JSON" },
		{ "[1,2]", "a JSON object" },
		{ "{}", "\"op\"" },
		{ "{\"op\":3}", "\"op\"" },
		{ "{\"op\":\"shutdown\"}", "unknown op" },
		{ "{\"op\":\"hello\"}", "\"protocol\" is missing" },
		{ "{\"op\":\"hello\",\"protocol\":0}", "\"protocol\"" },
		{ "{\"op\":\"hello\",\"protocol\":1,\"id\":-1}", "\"id\"" },
		{ "{\"op\":\"pid\"}", "\"pids\"" },
		{ "{\"op\":\"pid\",\"pids\":[]}", "\"pids\"" },
		{ "{\"op\":\"pid\",\"pids\":[0]}", "\"pids\"[0]" },
		{ "{\"op\":\"pid\",\"pids\":[1,-4]}", "\"pids\"[1]" },
		{ "{\"op\":\"pid\",\"pids\":[2147483648]}", "\"pids\"[0]" },
		{ "{\"op\":\"pid\",\"pids\":[1.5]}", "\"pids\"[0]" },
		{ "{\"op\":\"pid\",\"pids\":\"1\"}", "\"pids\"" },
		{ "{\"op\":\"subscribe\",\"groups\":512}", "\"groups\"" },
		{ "{\"op\":\"subscribe\",\"tasks\":1}", "\"tasks\"" },
		{ "{\"op\":\"subscribe\",\"interval_ns\":3600000000001}", "\"interval_ns\"" },
		{ "{\"op\":\"sample\",\"sync\":\"yes\"}", "\"sync\"" },
		{ "{\"op\":\"tree\"}", "\"pid\" is missing" },
		{ "{\"op\":\"tree\",\"pid\":0}", "\"pid\"" },
		{ "{\"op\":\"untree\",\"pid\":true}", "\"pid\"" },
	};
	struct wire_request *q = calloc(1, sizeof(*q));
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q->op = WIRE_OP_UNTREE;
		q->pid = 99;
		assert_int_equal(parse(bad[i].text, q, err), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].text, err, bad[i].says);
		/* Untouched on error. */
		assert_int_equal(q->op, WIRE_OP_UNTREE);
		assert_int_equal(q->pid, 99);
	}
	free(q);
}

static void test_pid_batch_bound(void **state)
{
	size_t cap = 32 + (WIRE_PIDS_MAX + 1) * 8;
	char *text = malloc(cap), err[200];
	struct wire_request *q = calloc(1, sizeof(*q));
	size_t len = (size_t)snprintf(text, cap, "{\"op\":\"pid\",\"pids\":[");

	(void)state;
	for (int i = 0; i < WIRE_PIDS_MAX; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%d", i ? "," : "", i + 1);
	snprintf(text + len, cap - len, "]}");
	assert_int_equal(parse(text, q, err), 0);
	assert_int_equal(q->npids, WIRE_PIDS_MAX);
	assert_int_equal(q->pids[WIRE_PIDS_MAX - 1], WIRE_PIDS_MAX);
	snprintf(text + len, cap - len, ",9]}");
	assert_int_equal(parse(text, q, err), -EINVAL);
	/* Longer than a request may be: refused before it is parsed. */
	assert_int_equal(wire_request_parse(text, WIRE_REQUEST_MAX + 1, q, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most"));
	free(text);
	free(q);
}

static void test_errno_names(void **state)
{
	static const int errs[] = { EPERM, ENOENT, ESRCH, EACCES, EBUSY, EEXIST, EINVAL, ENODATA,
				    EPROTO, EMSGSIZE, EOPNOTSUPP, EPROTONOSUPPORT, ENOMEM, E2BIG };
	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		assert_int_equal(wire_errno_from_name(wire_errno_name(errs[i])), -errs[i]);
		assert_int_equal(wire_errno_from_name(wire_errno_name(-errs[i])), -errs[i]);
	}
	assert_int_equal(wire_errno_from_name("EWHATEVER"), -EPROTO);
	assert_int_equal(wire_errno_from_name(NULL), -EPROTO);
	assert_string_equal(wire_errno_name(ENOTTY), "EIO");
}

static void test_state_names(void **state)
{
	enum joulestat_source_state st;

	(void)state;
	for (int s = JOULESTAT_SOURCE_ACTIVE; s <= JOULESTAT_SOURCE_DISABLED; s++) {
		assert_int_equal(wire_state_from_name(wire_state_name((enum joulestat_source_state)s),
						      &st), 0);
		assert_int_equal(st, s);
	}
	assert_null(wire_state_name((enum joulestat_source_state)9));
	assert_int_equal(wire_state_from_name("asleep", &st), -EINVAL);
}

static void test_writer(void **state)
{
	struct wjson w;
	struct jsonr_doc doc;
	const struct jsonr_node *n;

	(void)state;
	wjson_init(&w, WIRE_HEADER_SIZE);
	wjson_begin_object(&w);
	wjson_key(&w, "s");
	wjson_string(&w, "a\"b\\c\n\x01\xff\xc3\xa9z");
	wjson_key(&w, "n");
	wjson_stringn(&w, "abcdef", 3);
	wjson_key(&w, "u");
	wjson_u64(&w, UINT64_MAX);
	wjson_key(&w, "i");
	wjson_i64(&w, INT64_MIN);
	wjson_key(&w, "d");
	wjson_double(&w, 0.1);
	wjson_key(&w, "nan");
	wjson_double(&w, NAN);
	wjson_key(&w, "a");
	wjson_begin_array(&w);
	wjson_bool(&w, true);
	wjson_bool(&w, false);
	wjson_null(&w);
	wjson_begin_array(&w);
	wjson_end_array(&w);
	wjson_i64(&w, -5);
	wjson_end_array(&w);
	wjson_end_object(&w);
	assert_false(w.failed);
	assert_int_equal(jsonr_parse(w.buf + WIRE_HEADER_SIZE, w.len - WIRE_HEADER_SIZE, &doc, NULL),
			 0);
	n = jsonr_get(&doc, &doc.nodes[0], "s");
	assert_non_null(n);
	/* The byte that is not UTF-8 is U+FFFD; é stays. */
	assert_string_equal(n->str, "a\"b\\c\n\x01\xef\xbf\xbd\xc3\xa9z");
	assert_string_equal(jsonr_get(&doc, &doc.nodes[0], "n")->str, "abc");
	assert_true(jsonr_get(&doc, &doc.nodes[0], "u")->is_u64);
	assert_true(jsonr_get(&doc, &doc.nodes[0], "u")->u64 == UINT64_MAX);
	assert_true(jsonr_get(&doc, &doc.nodes[0], "i")->i64 == INT64_MIN);
	assert_true(jsonr_get(&doc, &doc.nodes[0], "d")->dbl == 0.1);
	assert_int_equal(jsonr_get(&doc, &doc.nodes[0], "nan")->type, JSONR_NULL);
	assert_int_equal(jsonr_get(&doc, &doc.nodes[0], "a")->count, 5);
	jsonr_free(&doc);
	wjson_done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_pid_batch_bound),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
