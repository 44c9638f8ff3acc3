/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-webcfg.c - the web configuration file (the Prometheus exporters'
 * format): TLS files and bcrypt users are read as written; every key
 * joulestat does not implement, a repeated key, a second document, an
 * alias or a hash that is not bcrypt is refused with its line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "webcfg.h"

#define H1 "$2y$10$5.0kzBqAIqkFO/quH6r.p.T61hpUCw8NA/aPl0ka47aOWqE2I7Hae"
#define H2 "$2b$04$OHKf3IQnzgCu3o7OZOsXVuRxD1s1yHTnZ.Fux13pbDFy2e6DJlc.6"

static struct webcfg *parse_ok(const char *yaml)
{
	struct webcfg *c = NULL;
	char err[256];
	int r = parse_webcfg(yaml, strlen(yaml), &c, err, sizeof(err));

	if (r != 0)
		fail_msg("refused (%d: %s):\n%s", r, err, yaml);
	assert_non_null(c);
	return c;
}

/* The parse fails with -EINVAL and a message that has `want` in it. */
static void parse_bad(const char *yaml, const char *want)
{
	struct webcfg *c = (struct webcfg *)0x1;
	char err[256];
	int r = parse_webcfg(yaml, strlen(yaml), &c, err, sizeof(err));

	if (r != -EINVAL)
		fail_msg("accepted (%d):\n%s", r, yaml);
	assert_ptr_equal(c, (struct webcfg *)0x1); /* untouched on error */
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_full_file(void **state)
{
	struct webcfg *c = parse_ok("# the exporters' web configuration\n"
				    "tls_server_config:\n"
				    "  cert_file: server.crt\n"
				    "  key_file: /etc/joulestat/server.key\n"
				    "  min_version: TLS13\n"
				    "basic_auth_users:\n"
				    "  prometheus: " H1 "\n"
				    "  'grafana': \"" H2 "\"\n");

	assert_string_equal(c->cert_file, "server.crt");
	assert_string_equal(c->key_file, "/etc/joulestat/server.key");
	assert_int_equal(c->min_version, WEBCFG_TLS13);
	assert_int_equal(c->nusers, 2);
	assert_string_equal(c->users[0].name, "prometheus");
	assert_string_equal(c->users[0].hash, H1);
	assert_string_equal(c->users[1].name, "grafana");
	assert_string_equal(c->users[1].hash, H2);
	webcfg_free(c);
}

static void test_empty_and_partial(void **state)
{
	static const char *const empty[] = { "", "# nothing\n", "---\n", "~\n",
					     "basic_auth_users:\n", "basic_auth_users: {}\n" };
	struct webcfg *c;

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		c = parse_ok(empty[i]);
		assert_null(c->cert_file);
		assert_null(c->key_file);
		assert_int_equal(c->nusers, 0);
		webcfg_free(c);
	}
	c = parse_ok("tls_server_config: {cert_file: a.crt, key_file: a.key}\n");
	assert_string_equal(c->cert_file, "a.crt");
	assert_int_equal(c->min_version, WEBCFG_TLS12); /* the default */
	assert_int_equal(c->nusers, 0);
	webcfg_free(c);
	c = parse_ok("basic_auth_users: {u: '" H1 "'}\n");
	assert_null(c->cert_file);
	assert_int_equal(c->nusers, 1);
	webcfg_free(c);
	assert_null(webcfg_free(NULL));
}

static void test_refused_keys(void **state)
{
	parse_bad("http_server_config:\n  http2: false\n",
		  "line 1: 'http_server_config' is not supported");
	parse_bad("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		  "  client_auth_type: RequireAndVerifyClientCert\n",
		  "line 4: tls_server_config: 'client_auth_type' is not supported");
	parse_bad("tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n",
		  "inline PEM");
	parse_bad("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS11\n",
		  "line 4: tls_server_config: min_version 'TLS11'");
}

static void test_refused_shapes(void **state)
{
	parse_bad("tls_server_config:\n  cert_file: a\n", "give both cert_file and key_file");
	parse_bad("tls_server_config:\n  key_file: a\n", "give both cert_file and key_file");
	parse_bad("tls_server_config:\n", "tls_server_config: empty");
	parse_bad("tls_server_config:\n  cert_file: ''\n  key_file: b\n",
		  "line 2: tls_server_config: cert_file: empty");
	parse_bad("tls_server_config:\n  cert_file: [a, b]\n  key_file: b\n",
		  "cert_file: expected a single value, not a list");
	parse_bad("tls_server_config: yes\n", "tls_server_config: expected a mapping");
	parse_bad("basic_auth_users: [a]\n", "basic_auth_users: expected a mapping");
	parse_bad("- a\n- b\n", "line 1: expected a mapping");
	parse_bad("just text\n", "expected a mapping");
	parse_bad("basic_auth_users:\n  ? [a]\n  : b\n", "a key must be a plain name");
	parse_bad("basic_auth_users: {a: " H1 "\n", "line 2: not valid YAML");
	parse_bad("\ttls_server_config:\n", "not valid YAML");
}

static void test_duplicates_documents_aliases(void **state)
{
	parse_bad("basic_auth_users:\n  a: " H1 "\nbasic_auth_users:\n  b: " H1 "\n",
		  "line 3: the file: 'basic_auth_users' is given twice");
	parse_bad("basic_auth_users:\n  a: " H1 "\n  a: " H2 "\n",
		  "line 3: basic_auth_users: 'a' is given twice");
	parse_bad("tls_server_config:\n  cert_file: a\n  cert_file: b\n  key_file: c\n",
		  "'cert_file' is given twice");
	parse_bad("basic_auth_users: {}\n---\nbasic_auth_users: {}\n",
		  "line 2: a second document");
	parse_bad("basic_auth_users:\n  a: &h " H1 "\n  b: *h\n", "anchors and aliases");
	parse_bad("basic_auth_users: &m {}\n", "anchors and aliases");
}

static void test_users(void **state)
{
	char yaml[512];

	parse_bad("basic_auth_users:\n  prometheus: s3cret\n",
		  "line 2: basic_auth_users: prometheus: not a bcrypt hash");
	parse_bad("basic_auth_users:\n  prometheus: htpasswd -nBC 10 prometheus\n",
		  "htpasswd -nBC 10 prometheus");
	parse_bad("basic_auth_users:\n  'a:b': " H1 "\n", "is not a user name");
	parse_bad("basic_auth_users:\n  '': " H1 "\n", "is not a user name");
	parse_bad("basic_auth_users:\n  \"a\\tb\": " H1 "\n", "control character");
	parse_bad("basic_auth_users:\n  a: ~\n", "not a bcrypt hash");
	parse_bad("basic_auth_users:\n  a: {x: y}\n", "expected a single value");
	/* A NUL inside a quoted scalar is not a user or a path. */
	parse_bad("basic_auth_users:\n  \"a\\0b\": " H1 "\n", "NUL");
	snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  %0300d: %s\n", 7, H1);
	parse_bad(yaml, "is not a user name");
}

static void test_bcrypt_forms(void **state)
{
	assert_true(webcfg_is_bcrypt(H1));
	assert_true(webcfg_is_bcrypt(H2));
	assert_true(webcfg_is_bcrypt("$2a$31$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
	assert_false(webcfg_is_bcrypt(NULL));
	assert_false(webcfg_is_bcrypt(""));
	assert_false(webcfg_is_bcrypt("$2x$10$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
	assert_false(webcfg_is_bcrypt("$2y$03$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
	assert_false(webcfg_is_bcrypt("$2y$32$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
	assert_false(webcfg_is_bcrypt("$2y$1a$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
	assert_false(webcfg_is_bcrypt("$2y$10$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"));
	assert_false(webcfg_is_bcrypt("$2y$10$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!"));
	assert_false(webcfg_is_bcrypt("$6$saltsalt$" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"));
}

static void test_no_buffer(void **state)
{
	struct webcfg *c = NULL;
	char err[8];

	/* Empty input without a buffer; a message cut to the buffer's size. */
	assert_int_equal(parse_webcfg(NULL, 0, &c, err, sizeof(err)), 0);
	webcfg_free(c);
	assert_int_equal(parse_webcfg(NULL, 3, &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_webcfg("x: 1\n", 5, &c, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) < sizeof(err));
	assert_int_equal(parse_webcfg("x: 1\n", 5, &c, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_empty_and_partial),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_refused_shapes),
		cmocka_unit_test(test_duplicates_documents_aliases),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_bcrypt_forms),
		cmocka_unit_test(test_no_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
