/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * test-container-names.c - container and pod names: the kubelet's PodList and the
 * Docker Engine API's container list (as Docker and Podman send them), and
 * the resolver against a Docker API served on a Unix socket by this test.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#include "names.h"
#include "names_parse.h"
#include "util.h"

#define C1 "3f1c0c8e5b6d4a2f9e7b1d0c8a6f4e2d1b9c7a5e3f1d0b8c6a4e2f0d9b7c5a31"
#define C2 "9b2e4d6f8a0c1e3f5b7d9f1a3c5e7b9d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c02"
#define C3 "e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e606"
#define U1 "6b1a4c2e-8d3f-4e5a-9b7c-0d1e2f3a4b5c"

static char *slurp(const char *rel, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s", tu_data(rel));
	f = fopen(path, "r");
	assert_non_null(f);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static void test_kubelet_pods(void **state)
{
	struct names_list l;
	size_t len;
	char *buf = slurp("kubelet/pods.json", &len);

	assert_int_equal(parse_kubelet_pods(buf, len, 100, &l), 0);
	/* Three pods; a pending one has no containers yet. */
	assert_int_equal(l.npods, 3);
	assert_string_equal(l.pods[0].uid, U1);
	assert_string_equal(l.pods[0].name, "web-7d4b9c8f6d-x2k9p");
	assert_string_equal(l.pods[0].ns, "shop");
	assert_string_equal(l.pods[1].uid, "3b6a1c4e8f0d2b5a7c9e1f3d5b7a9c0e");
	assert_string_equal(l.pods[1].ns, "kube-system");
	assert_string_equal(l.pods[2].name, "pending-0");
	/* nginx, then the init container; the sidecar still creating has no id. */
	assert_int_equal(l.ncontainers, 3);
	assert_string_equal(l.containers[0].id, C1);
	assert_string_equal(l.containers[0].name, "nginx");
	assert_string_equal(l.containers[0].runtime, "containerd");
	assert_string_equal(l.containers[0].pod_uid, U1);
	assert_string_equal(l.containers[1].id, C2);
	assert_string_equal(l.containers[1].name, "migrate");
	assert_string_equal(l.containers[2].id, C3);
	assert_string_equal(l.containers[2].runtime, "cri-o");
	assert_int_equal(l.left_out, 0);
	names_list_done(&l);

	/* Bounded: beyond max, left out and counted. */
	assert_int_equal(parse_kubelet_pods(buf, len, 1, &l), 0);
	assert_int_equal(l.npods, 1);
	assert_int_equal(l.ncontainers, 1);
	assert_int_equal(l.left_out, 4);
	names_list_done(&l);
	free(buf);

	memset(&l, 'x', sizeof(l));
	assert_int_equal(parse_kubelet_pods("[]", 2, 10, &l), -EINVAL);
	assert_int_equal(parse_kubelet_pods("{\"items\":{}}", 12, 10, &l), -EINVAL);
	assert_int_equal(parse_kubelet_pods("{\"items\":[", 10, 10, &l), -EINVAL);
	assert_int_equal(l.npods, 0x7878787878787878ULL);	/* untouched */
	/* Odd entries are skipped, not fatal. */
	{
		static const char odd[] = "{\"items\":[1,{},{\"metadata\":{\"uid\":7}}]}";

		assert_int_equal(parse_kubelet_pods(odd, strlen(odd), 10, &l), 0);
	}
	assert_int_equal(l.npods, 0);
	names_list_done(&l);
}

#define DOCKER_JSON                                                                                \
	"[{\"Id\":\"" C1 "\",\"Names\":[\"/js-spin\"],\"Image\":\"debian\",\"Labels\":{}},"          \
	"{\"Id\":\"" C2 "\",\"Names\":[\"/k8s_nginx_web_shop_" U1 "_0\"],\"Labels\":{"              \
	"\"io.kubernetes.container.name\":\"nginx\",\"io.kubernetes.pod.name\":\"web\","           \
	"\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.uid\":\"" U1 "\"}},"          \
	"{\"Id\":\"/etc\",\"Names\":[\"/x\"]},{\"Names\":[\"/no-id\"]}]"

static void test_runtime_containers(void **state)
{
	/* Podman's compatible API, as it answers. */
	static const char podman[] =
		"[{\"Id\":\"" C3 "\",\"Names\":[\"/js-idle\"],\"Image\":\"localhost/joulestat:test\","
		"\"ImageID\":\"ad92\",\"Command\":\"sleep 1000\",\"Created\":1764700000,\"Ports\":[],"
		"\"Labels\":null,\"State\":\"running\",\"Status\":\"Up 2 seconds\"}]";
	struct names_list l;

	assert_int_equal(parse_runtime_containers(DOCKER_JSON, strlen(DOCKER_JSON), "docker", 100,
						  &l), 0);
	assert_int_equal(l.ncontainers, 2);
	assert_string_equal(l.containers[0].name, "js-spin");
	assert_string_equal(l.containers[0].runtime, "docker");
	assert_string_equal(l.containers[0].pod_uid, "");
	/* A shim's labels name the pod and the container within it. */
	assert_string_equal(l.containers[1].name, "nginx");
	assert_string_equal(l.containers[1].pod_uid, U1);
	assert_int_equal(l.npods, 1);
	assert_string_equal(l.pods[0].name, "web");
	assert_string_equal(l.pods[0].ns, "shop");
	/* An id with a '/' and an entry without one are left out. */
	assert_int_equal(l.left_out, 2);
	names_list_done(&l);

	assert_int_equal(parse_runtime_containers(podman, strlen(podman), "podman", 100, &l), 0);
	assert_int_equal(l.ncontainers, 1);
	assert_string_equal(l.containers[0].id, C3);
	assert_string_equal(l.containers[0].name, "js-idle");
	assert_string_equal(l.containers[0].runtime, "podman");
	names_list_done(&l);
	assert_int_equal(parse_runtime_containers("{}", 2, "docker", 100, &l), -EINVAL);
}

/* A Docker API on a Unix socket: answers every request with DOCKER_JSON, counting them. */
struct fake {
	int fd;
	char path[108];
	int served;
	pthread_t th;
};

static void *serve(void *arg)
{
	struct fake *f = arg;
	char req[4096], resp[8192];
	int c;

	while ((c = accept(f->fd, NULL, NULL)) >= 0) {
		ssize_t n = read(c, req, sizeof(req) - 1);

		if (n > 0) {
			req[n] = '\0';
			if (strstr(req, "GET /containers/json?all=1 "))
				snprintf(resp, sizeof(resp),
					 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
					 strlen(DOCKER_JSON), DOCKER_JSON);
			else
				snprintf(resp, sizeof(resp),
					 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
			__atomic_add_fetch(&f->served, 1, __ATOMIC_SEQ_CST);
			assert_true(write(c, resp, strlen(resp)) > 0);
		}
		close(c);
	}
	return NULL;
}

/* Look up `cn` until its container has a name (or 10 s): the generation moves when it does. */
static void lookup_until_named(struct names *n, const struct cgroup_names *cn,
			       struct cgroup_resolved *r)
{
	for (int i = 0; i < 1000; i++) {
		names_lookup(n, cn, now_ns(), r);
		if (r->container_name[0])
			return;
		usleep(10000);
	}
}

static void test_resolver(void **state)
{
	char *dir = tu_mkdtemp();
	struct fake f = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct names_opts o = { 0 };
	struct cgroup_names cn = { 0 };
	struct cgroup_resolved r;
	struct names *n;
	uint64_t req[3];
	char line[512];
	bool err;

#if !HAVE_CURL
	/* Without libcurl there is no client: names_new() refuses a source. */
	o.docker_socket = "/run/docker.sock";
	assert_int_equal(names_new(&o, &n), -ENOTSUP);
	tu_rm_rf(dir);
	free(dir);
	skip();
#endif
	snprintf(f.path, sizeof(f.path), "%s/docker.sock", dir);
	strscpy(sa.sun_path, f.path, sizeof(sa.sun_path));
	f.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f.fd >= 0);
	assert_int_equal(bind(f.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.fd, 8), 0);
	assert_int_equal(pthread_create(&f.th, NULL, serve, &f), 0);

	o.docker_socket = f.path;
	o.podman_socket = "/nonexistent/podman.sock";
	assert_int_equal(names_new(&o, &n), 0);
	/* Unknown at first: the id stays the name until the answer comes. */
	strscpy(cn.container, C1, sizeof(cn.container));
	strscpy(cn.runtime, "docker", sizeof(cn.runtime));
	names_lookup(n, &cn, now_ns(), &r);
	lookup_until_named(n, &cn, &r);
	assert_string_equal(r.container_name, "js-spin");
	assert_true(names_take_news(n, line, sizeof(line), &err));
	assert_false(err);
	assert_non_null(strstr(line, "Docker at "));
	/* Known ids ask nothing more. */
	names_requests(n, req);
	for (int i = 0; i < 50; i++)
		names_lookup(n, &cn, now_ns(), &r);
	usleep(50000);
	{
		uint64_t again[3];

		names_requests(n, again);
		assert_int_equal(again[0], req[0]);
	}
	/* An id no runtime knows, below Docker's cgroupfs parent: asked of both sockets. */
	strscpy(cn.container, C3, sizeof(cn.container));
	cn.runtime[0] = '\0';
	names_lookup(n, &cn, now_ns(), &r);
	assert_string_equal(r.container_name, "");
	/* Podman's socket is not there: said once, as an error with the reason. */
	for (int i = 0; i < 500; i++) {
		if (names_take_news(n, line, sizeof(line), &err) && err)
			break;
		line[0] = '\0';
		usleep(10000);
	}
	assert_non_null(strstr(line, "Podman at /nonexistent/podman.sock: No such file"));
	/* LXC and nspawn names are in the path already: nothing to ask. */
	strscpy(cn.container, "web2", sizeof(cn.container));
	strscpy(cn.runtime, "lxc", sizeof(cn.runtime));
	names_lookup(n, &cn, now_ns(), &r);
	assert_string_equal(r.container_name, "web2");
	/* Labels name the pod of a shim's container. */
	memset(&cn, 0, sizeof(cn));
	strscpy(cn.container, C2, sizeof(cn.container));
	strscpy(cn.runtime, "docker", sizeof(cn.runtime));
	names_lookup(n, &cn, now_ns(), &r);
	assert_string_equal(r.container_name, "nginx");
	assert_string_equal(r.pod_uid, U1);
	assert_string_equal(r.pod, "web");
	assert_string_equal(r.pod_namespace, "shop");
	assert_null(names_free(n));

	shutdown(f.fd, SHUT_RDWR);
	close(f.fd);
	pthread_join(f.th, NULL);
	tu_rm_rf(dir);
	free(dir);
}

/* names_free() ends a request in flight: a socket that never answers, a long timeout. */
static void test_free_cancels(void **state)
{
#if HAVE_CURL
	char *dir = tu_mkdtemp();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct names_opts o = { .timeout_ns = 120 * NSEC_PER_SEC };
	struct cgroup_names cn = { 0 };
	struct cgroup_resolved r;
	struct names *n;
	uint64_t req[3] = { 0 }, t0;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/docker.sock", dir);
	strscpy(sa.sun_path, path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);	/* never accepted, never answered */
	o.docker_socket = path;
	assert_int_equal(names_new(&o, &n), 0);
	strscpy(cn.container, C1, sizeof(cn.container));
	strscpy(cn.runtime, "docker", sizeof(cn.runtime));
	names_lookup(n, &cn, now_ns(), &r);
	for (int i = 0; i < 1000 && !req[0]; i++) {
		usleep(10000);
		names_requests(n, req);
	}
	assert_int_equal(req[0], 1);
	/* Stopping waits for the progress callback, not for the 120 s timeout. */
	t0 = now_ns();
	assert_null(names_free(n));
	assert_true(now_ns() - t0 < 30 * NSEC_PER_SEC);
	close(fd);
	tu_rm_rf(dir);
	free(dir);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubelet_pods),
		cmocka_unit_test(test_runtime_containers),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_free_cancels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
