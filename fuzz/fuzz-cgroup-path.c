/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-cgroup-path.c - parse_cgroup_path on arbitrary bytes: names are terminated and bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_names n;

	if (parse_cgroup_path((const char *)data, size, &n) == 0) {
		if (strnlen(n.unit, sizeof(n.unit)) == sizeof(n.unit) ||
		    strnlen(n.container, sizeof(n.container)) == sizeof(n.container))
			abort();
		/* A unit is a service or a scope, and a component of the path. */
		if (n.unit[0] && !memmem(data, size, n.unit, strlen(n.unit)))
			abort();
		/* An nspawn name is unescaped: the others are in the path as they are. */
		if (n.container[0] && strcmp(n.runtime, "nspawn") &&
		    !memmem(data, size, n.container, strlen(n.container)))
			abort();
		if (strnlen(n.runtime, sizeof(n.runtime)) == sizeof(n.runtime) ||
		    strnlen(n.pod_uid, sizeof(n.pod_uid)) == sizeof(n.pod_uid))
			abort();
		/* A runtime only with a container; a pod UID is 32 or 36 characters. */
		if (n.runtime[0] && !n.container[0])
			abort();
		if (n.pod_uid[0] && strlen(n.pod_uid) != 32 && strlen(n.pod_uid) != 36)
			abort();
	}
	return 0;
}
