/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-http.c - http_listen(): the --listen forms (IPv4, [IPv6], port 0),
 * usage errors that name the part that is wrong, and a port in use named
 * with its fix; which listening addresses are loopback. A page served over
 * a real socket keeps its reference until sent. A web configuration with
 * users: 401 without the right password, 200 with it; its load errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"

static int listen_on(const char *spec, char *bound, char *err)
{
	return http_listen(spec, bound, 128, err, 512);
}

static void test_port_zero_picks_a_port(void **state)
{
	char bound[128], err[512];
	int fd = listen_on("127.0.0.1:0", bound, err);
	unsigned port;

	assert_true(fd >= 0);
	assert_int_equal(sscanf(bound, "127.0.0.1:%u", &port), 1);
	assert_true(port > 0 && port < 65536);
	close(fd);
}

static void test_ipv6_in_brackets(void **state)
{
	char bound[128], err[512];
	int fd = listen_on("[::1]:0", bound, err);

	if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT) /* no IPv6 loopback here */
		skip();
	assert_true(fd >= 0);
	assert_int_equal(strncmp(bound, "[::1]:", 6), 0);
	close(fd);
}

static void test_usage_errors(void **state)
{
	static const char *const bad[] = { "127.0.0.1", ":9877", "127.0.0.1:", "127.0.0.1:x",
					   "127.0.0.1:65536", "127.0.0.1:-1", "::1:9877x",
					   "[::1:9877" };
	char bound[128], err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (listen_on(bad[i], bound, err) != -EINVAL)
			fail_msg("accepted --listen %s", bad[i]);
		assert_non_null(strstr(err, "--listen"));
	}
}

/* Each malformed --listen names what is wrong, not a generic form. */
static void test_usage_errors_say_which_part(void **state)
{
	char host300[320], bound[128], err[512];
	static const struct {
		const char *arg, *want;
	} bad[] = {
		{ NULL, "the address is 300 characters long" },
		{ "127.0.0.1", "no port" },
		{ "127.0.0.1:", "no port after ':'" },
		{ "127.0.0.1:99999", "the port 99999 is out of range" },
		{ "127.0.0.1:0065536", "the port 65536 is out of range" },
		{ "127.0.0.1:123456789012345678901234", "out of range" },
		{ "127.0.0.1:x", "the port 'x' is not a number" },
		{ "127.0.0.1:-1", "the port '-1' is not a number" },
		{ "127.0.0.1: 80", "is not a number" },
		{ ":9877", "no address before the port" },
		{ "::1:9877", "an IPv6 address goes in brackets" },
		{ "[::1", "an IPv6 address goes in brackets" },
		{ "[::1]", "no port after the address" },
		{ "[]:9877", "the brackets hold no address" },
	};

	memset(host300, 'a', 300);
	snprintf(host300 + 300, sizeof(host300) - 300, ":9877");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *arg = bad[i].arg ? bad[i].arg : host300;

		err[0] = '\0';
		if (listen_on(arg, bound, err) != -EINVAL)
			fail_msg("accepted --listen %s", arg);
		if (!strstr(err, bad[i].want) || !strstr(err, "--listen"))
			fail_msg("--listen %.40s: '%s' lacks '%s'", arg, err, bad[i].want);
		assert_null(strstr(err, "0-65535")); /* the old catch-all */
	}
}

static void test_leading_zeros_are_a_port(void **state)
{
	char bound[128], err[512];
	int fd = listen_on("127.0.0.1:00000", bound, err);

	assert_true(fd >= 0);
	close(fd);
}

/* Bound without listen(): the any-address is checked without being reachable. */
static void test_loopback_or_not(void **state)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_in lo2 = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(0x7f000002) }; /* 127.0.0.2 */
	char bound[128], err[512];
	int fd = listen_on("127.0.0.1:0", bound, err), s;

	assert_true(fd >= 0);
	assert_true(http_is_loopback(fd));
	close(fd);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_false(http_is_loopback(s));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&lo2, sizeof(lo2)), 0);
	assert_true(http_is_loopback(s));
	close(s);
	fd = listen_on("[::1]:0", bound, err);
	if (fd >= 0) {
		assert_true(http_is_loopback(fd));
		close(fd);
	}
	assert_false(http_is_loopback(-1));
}

static void test_port_in_use_names_the_fix(void **state)
{
	char bound[128], bound2[128], err[512], spec[128];
	int fd = listen_on("127.0.0.1:0", bound, err);

	assert_true(fd >= 0);
	snprintf(spec, sizeof(spec), "%s", bound);
	assert_int_equal(listen_on(spec, bound2, err), -EADDRINUSE);
	assert_non_null(strstr(err, bound));
	assert_non_null(strstr(err, "already in use"));
	assert_non_null(strstr(err, "--listen"));
	close(fd);
}

/* GET path over a plain socket; the whole response in buf. */
static void get(unsigned port, const char *req, char *buf, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t r;

	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
	while (n < size - 1 && (r = read(s, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(s);
}

static void test_serves_the_published_page(void **state)
{
	struct expo_buf text = { 0 }, om = { 0 }, text2 = { 0 }, om2 = { 0 };
	struct http_opts o = { .interval_ns = 1000000000ULL };
	struct http_server *srv = NULL;
	struct http_page *p1, *p2;
	char bound[128], err[512], buf[4096];
	unsigned port;

	o.listen_fd = listen_on("127.0.0.1:0", bound, err);
	assert_true(o.listen_fd >= 0);
	assert_int_equal(sscanf(bound, "127.0.0.1:%u", &port), 1);
	assert_int_equal(expo_buf_append(&text, "a 1\n", 4), 0);
	assert_int_equal(expo_buf_append(&om, "a 1\n# EOF\n", 10), 0);
	p1 = http_page_new(&text, &om);
	assert_non_null(p1);
	assert_null(text.data); /* ownership moved */
	assert_int_equal(http_start(&o, p1, &srv, err, sizeof(err)), 0);
	http_page_unref(p1); /* the server holds its own reference */

	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.0 200") ?: strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "\r\n\r\na 1\n"));
	get(port,
	    "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n",
	    buf, sizeof(buf));
	assert_non_null(strstr(buf, "\r\n\r\na 1\n# EOF\n"));
	assert_non_null(strstr(buf, "application/openmetrics-text; version=1.0.0"));

	assert_int_equal(expo_buf_append(&text2, "a 2\n", 4), 0);
	assert_int_equal(expo_buf_append(&om2, "a 2\n# EOF\n", 10), 0);
	p2 = http_page_new(&text2, &om2);
	http_publish(srv, p2, 0);
	http_page_unref(p2);
	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\r\n\r\na 2\n"));
	/* Published with a sample time long ago: /healthz says stale. */
	get(port, "GET /healthz HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 503 "));
	get(port, "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
	http_stop(srv); /* frees the last page: ASan checks nothing leaks */
}

/* A temporary file holding `text`; its path in path[64]. */
static void write_file(char *path, const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/test-http-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_basic_auth(void **state)
{
	/* bcrypt (cost 4) of "other". */
	static const char yml[] =
		"basic_auth_users:\n"
		"  grafana: $2b$04$OHKf3IQnzgCu3o7OZOsXVuRxD1s1yHTnZ.Fux13pbDFy2e6DJlc.6\n";
	struct expo_buf text = { 0 }, om = { 0 };
	struct http_opts o = { .interval_ns = 1000000000ULL };
	struct http_server *srv = NULL;
	struct http_security *sec = NULL;
	struct http_page *p;
	char path[64], bound[128], err[512], buf[4096];
	unsigned port;

	write_file(path, yml);
	assert_int_equal(http_security_load(path, &sec, err, sizeof(err)), 0);
	unlink(path);
	assert_false(http_security_tls(sec));
	assert_int_equal(http_security_users(sec), 1);
	o.security = sec;
	o.listen_fd = listen_on("127.0.0.1:0", bound, err);
	assert_true(o.listen_fd >= 0);
	assert_int_equal(sscanf(bound, "127.0.0.1:%u", &port), 1);
	assert_int_equal(expo_buf_append(&text, "a 1\n", 4), 0);
	assert_int_equal(expo_buf_append(&om, "a 1\n# EOF\n", 10), 0);
	p = http_page_new(&text, &om);
	assert_int_equal(http_start(&o, p, &srv, err, sizeof(err)), 0);
	http_page_unref(p);

	get(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 401 "));
	assert_non_null(strstr(buf, "WWW-Authenticate: Basic realm=\"joulestat\""));
	assert_null(strstr(buf, "a 1\n"));
	/* grafana:wrong, nobody:other, then grafana:other (twice: the second from the cache). */
	get(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic Z3JhZmFuYTp3cm9uZw==\r\n\r\n", buf,
	    sizeof(buf));
	assert_non_null(strstr(buf, " 401 "));
	get(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic bm9ib2R5Om90aGVy\r\n\r\n", buf,
	    sizeof(buf));
	assert_non_null(strstr(buf, " 401 "));
	for (int i = 0; i < 2; i++) {
		get(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic Z3JhZmFuYTpvdGhlcg==\r\n\r\n",
		    buf, sizeof(buf));
		assert_non_null(strstr(buf, " 200 "));
		assert_non_null(strstr(buf, "\r\n\r\na 1\n"));
	}
	/* Unknown paths ask first: nothing about the server before the password. */
	get(port, "GET /nope HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 401 "));
	http_stop(srv);
	http_security_free(sec);
}

static void test_security_load_errors(void **state)
{
	struct http_security *sec = (struct http_security *)0x1;
	char path[64], err[512], want[128];

	assert_int_equal(http_security_load("/nonexistent/web.yml", &sec, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/web.yml"));
	assert_int_equal(http_security_load("/tmp", &sec, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "not a regular file"));
	write_file(path, "basic_auth_users:\n  a: s3cret\n");
	assert_int_equal(http_security_load(path, &sec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2: basic_auth_users: a: not a bcrypt hash"));
	unlink(path);
	/* Relative paths are relative to the file's directory: the message names the result. */
	write_file(path, "tls_server_config: {cert_file: no-such.crt, key_file: no-such.key}\n");
	assert_int_equal(http_security_load(path, &sec, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "certificate (tls_server_config: cert_file) /tmp/no-such.crt");
	assert_non_null(strstr(err, want));
	unlink(path);
	assert_ptr_equal(sec, (struct http_security *)0x1);
	assert_null(http_security_free(NULL));
	assert_false(http_security_tls(NULL));
	assert_int_equal(http_security_users(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_zero_picks_a_port),
		cmocka_unit_test(test_ipv6_in_brackets),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_usage_errors_say_which_part),
		cmocka_unit_test(test_leading_zeros_are_a_port),
		cmocka_unit_test(test_loopback_or_not),
		cmocka_unit_test(test_port_in_use_names_the_fix),
		cmocka_unit_test(test_serves_the_published_page),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_security_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
