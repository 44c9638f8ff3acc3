/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * names_parse.c - the kubelet's PodList and the Docker Engine API's
 * container list, read into names (names_parse.h). Pure: no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "names_parse.h"
#include "util.h"

void names_list_done(struct names_list *l)
{
	if (!l)
		return;
	free(l->containers);
	free(l->pods);
	memset(l, 0, sizeof(*l));
}

/* The string member `key` of `obj`, or NULL. */
static const char *str_of(const struct jsonr_doc *d, const struct jsonr_node *obj, const char *key)
{
	const struct jsonr_node *n = jsonr_get(d, obj, key);

	return n && n->type == JSONR_STRING ? n->str : NULL;
}

/* Copy s into dst (size bytes): false, dst "", when it does not fit. NULL copies "". */
static bool copy(char *dst, size_t size, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= size) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, s ? s : "", n + 1);
	return true;
}

/* A container id as cgroup paths spell it: lower-case hex, or an LXC/nspawn name. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] == '/' || (unsigned char)id[i] < 0x20)
			return false;
	return true;
}

/* "containerd://<id>" -> runtime and id; false for anything else. */
static bool split_container_id(const char *s, struct names_container *c)
{
	static const struct {
		const char *scheme, *runtime;
	} schemes[] = { { "containerd://", "containerd" },
			{ "cri-o://", "cri-o" },
			{ "docker://", "docker" },
			{ "podman://", "podman" } };

	if (!s)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		size_t n = strlen(schemes[i].scheme);

		if (strncmp(s, schemes[i].scheme, n) == 0) {
			strscpy(c->runtime, schemes[i].runtime, sizeof(c->runtime));
			return copy(c->id, sizeof(c->id), s + n) && id_ok(c->id);
		}
	}
	return false;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

struct acc {
	struct names_list l;
	size_t ccap, pcap, max;
};

static int add_container(struct acc *a, const struct names_container *c)
{
	if (a->l.ncontainers >= a->max) {
		a->l.left_out++;
		return 0;
	}
	if (grow((void **)&a->l.containers, &a->ccap, a->l.ncontainers, sizeof(*c)) < 0)
		return -ENOMEM;
	a->l.containers[a->l.ncontainers++] = *c;
	return 0;
}

static int add_pod(struct acc *a, const struct names_pod *p)
{
	if (a->l.npods >= a->max) {
		a->l.left_out++;
		return 0;
	}
	if (grow((void **)&a->l.pods, &a->pcap, a->l.npods, sizeof(*p)) < 0)
		return -ENOMEM;
	a->l.pods[a->l.npods++] = *p;
	return 0;
}

/* One containerStatuses-like array of pod `uid`. */
static int pod_statuses(struct acc *a, const struct jsonr_doc *d, const struct jsonr_node *arr,
			const char *uid)
{
	if (!arr || arr->type != JSONR_ARRAY)
		return 0;
	for (const struct jsonr_node *st = jsonr_first(d, arr); st; st = jsonr_next(d, st)) {
		struct names_container c;
		int r;

		memset(&c, 0, sizeof(c));
		if (st->type != JSONR_OBJECT)
			continue;
		/* Waiting to start: no container yet, nothing a cgroup can name. */
		if (!split_container_id(str_of(d, st, "containerID"), &c))
			continue;
		if (!copy(c.name, sizeof(c.name), str_of(d, st, "name")) ||
		    !copy(c.pod_uid, sizeof(c.pod_uid), uid)) {
			a->l.left_out++;
			continue;
		}
		if ((r = add_container(a, &c)) < 0)
			return r;
	}
	return 0;
}

int parse_kubelet_pods(const char *buf, size_t len, size_t max, struct names_list *ret)
{
	struct jsonr_doc d;
	const struct jsonr_node *items;
	struct acc a = { .max = max };
	int r;

	if (!buf || !ret)
		return -EINVAL;
	r = jsonr_parse(buf, len, &d, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	items = jsonr_get(&d, &d.nodes[0], "items");
	if (!items || items->type != JSONR_ARRAY) {
		jsonr_free(&d);
		return -EINVAL;
	}
	for (const struct jsonr_node *pod = jsonr_first(&d, items); pod; pod = jsonr_next(&d, pod)) {
		const struct jsonr_node *md = jsonr_get(&d, pod, "metadata"),
					*st = jsonr_get(&d, pod, "status");
		struct names_pod p;

		memset(&p, 0, sizeof(p));
		if (!md || md->type != JSONR_OBJECT || !str_of(&d, md, "uid"))
			continue;
		if (!copy(p.uid, sizeof(p.uid), str_of(&d, md, "uid")) ||
		    !copy(p.name, sizeof(p.name), str_of(&d, md, "name")) ||
		    !copy(p.ns, sizeof(p.ns), str_of(&d, md, "namespace")) || !p.uid[0]) {
			a.l.left_out++;
			continue;
		}
		if ((r = add_pod(&a, &p)) < 0)
			goto fail;
		if (!st || st->type != JSONR_OBJECT)
			continue;
		if ((r = pod_statuses(&a, &d, jsonr_get(&d, st, "containerStatuses"), p.uid)) < 0 ||
		    (r = pod_statuses(&a, &d, jsonr_get(&d, st, "initContainerStatuses"), p.uid)) < 0 ||
		    (r = pod_statuses(&a, &d, jsonr_get(&d, st, "ephemeralContainerStatuses"),
				      p.uid)) < 0)
			goto fail;
	}
	jsonr_free(&d);
	*ret = a.l;
	return 0;
fail:
	jsonr_free(&d);
	names_list_done(&a.l);
	return r;
}

int parse_runtime_containers(const char *buf, size_t len, const char *runtime, size_t max,
			     struct names_list *ret)
{
	struct jsonr_doc d;
	struct acc a = { .max = max };
	int r;

	if (!buf || !ret || !runtime)
		return -EINVAL;
	r = jsonr_parse(buf, len, &d, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	if (d.nodes[0].type != JSONR_ARRAY) {
		jsonr_free(&d);
		return -EINVAL;
	}
	for (const struct jsonr_node *ct = jsonr_first(&d, &d.nodes[0]); ct; ct = jsonr_next(&d, ct)) {
		const struct jsonr_node *names = jsonr_get(&d, ct, "Names"),
					*labels = jsonr_get(&d, ct, "Labels"), *first;
		const char *name = NULL, *pod_uid = NULL;
		struct names_container c;

		memset(&c, 0, sizeof(c));
		if (ct->type != JSONR_OBJECT)
			continue;
		if (!copy(c.id, sizeof(c.id), str_of(&d, ct, "Id")) || !id_ok(c.id)) {
			a.l.left_out++;
			continue;
		}
		first = names && names->type == JSONR_ARRAY ? jsonr_first(&d, names) : NULL;
		if (first && first->type == JSONR_STRING)
			name = first->str[0] == '/' ? first->str + 1 : first->str;
		if (labels && labels->type == JSONR_OBJECT) {
			const char *kname = str_of(&d, labels, "io.kubernetes.container.name");

			pod_uid = str_of(&d, labels, "io.kubernetes.pod.uid");
			if (kname && pod_uid)
				name = kname;
		}
		strscpy(c.runtime, runtime, sizeof(c.runtime));
		if (!copy(c.name, sizeof(c.name), name) ||
		    !copy(c.pod_uid, sizeof(c.pod_uid), pod_uid)) {
			a.l.left_out++;
			continue;
		}
		if ((r = add_container(&a, &c)) < 0)
			goto fail;
		if (pod_uid && pod_uid[0]) {
			struct names_pod p;

			memset(&p, 0, sizeof(p));
			if (!copy(p.uid, sizeof(p.uid), pod_uid) ||
			    !copy(p.name, sizeof(p.name), str_of(&d, labels, "io.kubernetes.pod.name")) ||
			    !copy(p.ns, sizeof(p.ns),
				  str_of(&d, labels, "io.kubernetes.pod.namespace"))) {
				a.l.left_out++;
				continue;
			}
			if ((r = add_pod(&a, &p)) < 0)
				goto fail;
		}
	}
	jsonr_free(&d);
	*ret = a.l;
	return 0;
fail:
	jsonr_free(&d);
	names_list_done(&a.l);
	return r;
}
