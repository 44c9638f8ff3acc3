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
		if (n.container[0] && !memmem(data, size, n.container, strlen(n.container)))
			abort();
	}
	return 0;
}
