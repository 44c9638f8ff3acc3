/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * names_parse.h - what container runtimes and the kubelet say about the
 * containers and pods a cgroup path names by id: pure parsers of the
 * kubelet's /pods (a v1 PodList) and of the Docker Engine API's
 * /containers/json (which Podman also serves). Unit tests in
 * tests/unit/test-container-names.c, fuzz targets fuzz/fuzz-kubelet-pods.c and
 * fuzz/fuzz-runtime-containers.c.
 */
#ifndef JOULESTAT_NAMES_PARSE_H
#define JOULESTAT_NAMES_PARSE_H

#include <stddef.h>

#include "cgroup.h"

#define NAMES_NAME_MAX CGROUP_NAME_MAX
#define NAMES_NAMESPACE_MAX CGROUP_NAMESPACE_MAX

struct names_container {
	char id[CGROUP_CONTAINER_MAX];	/* as cgroup paths spell it: the id without its scheme */
	char runtime[CGROUP_RUNTIME_MAX];	/* "containerd", "cri-o", "docker", "podman", "" */
	char name[NAMES_NAME_MAX];	/* the runtime's name, or the pod's container name */
	char pod_uid[CGROUP_POD_UID_MAX];	/* "" outside Kubernetes */
};

struct names_pod {
	char uid[CGROUP_POD_UID_MAX];
	char name[NAMES_NAME_MAX];
	char ns[NAMES_NAMESPACE_MAX];
};

/* What one answer held. Owned by the caller: names_list_done(). */
struct names_list {
	struct names_container *containers;
	size_t ncontainers;
	struct names_pod *pods;
	size_t npods;
	size_t left_out;	/* entries beyond `max`, or with a field too long for its buffer */
};

/*
 * The kubelet's /pods: {"kind":"PodList","items":[pod...]}, each pod's
 * metadata.{name,namespace,uid} and its status.containerStatuses[],
 * initContainerStatuses[] and ephemeralContainerStatuses[] (name,
 * containerID "<runtime>://<id>"; a container not started yet has none).
 * At most `max` pods and `max` containers are kept. Returns 0 and *ret;
 * -EINVAL when the text is not JSON or not a PodList (no "items" array);
 * -ENOMEM. On error *ret is untouched.
 */
int parse_kubelet_pods(const char *buf, size_t len, size_t max, struct names_list *ret);

/*
 * The Docker Engine API's GET /containers/json?all=1 (Docker, and Podman's
 * compatible API): [{"Id":..., "Names":["/name"], "Labels":{...}}, ...].
 * The first name, without its '/', is the container's; the labels Docker's
 * Kubernetes shims set (io.kubernetes.pod.{name,namespace,uid},
 * io.kubernetes.container.name) give its pod. `runtime` ("docker",
 * "podman") is copied to each container. Returns as parse_kubelet_pods()
 * (-EINVAL when the text is not a JSON array).
 */
int parse_runtime_containers(const char *buf, size_t len, const char *runtime, size_t max,
			     struct names_list *ret);

void names_list_done(struct names_list *l);

#endif
