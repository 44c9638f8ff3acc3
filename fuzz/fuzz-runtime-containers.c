/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-runtime-containers.c - parse_runtime_containers on arbitrary bytes:
 * within its bound, ids without '/', the runtime given, names terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct names_list l;

	if (parse_runtime_containers((const char *)data, size, "docker", 4, &l) < 0)
		return 0;
	if (l.npods > 4 || l.ncontainers > 4)
		abort();
	for (size_t i = 0; i < l.ncontainers; i++)
		if (!l.containers[i].id[0] || strchr(l.containers[i].id, '/') ||
		    strcmp(l.containers[i].runtime, "docker") ||
		    strnlen(l.containers[i].name, sizeof(l.containers[i].name)) ==
			    sizeof(l.containers[i].name))
			abort();
	for (size_t i = 0; i < l.npods; i++)
		if (!l.pods[i].uid[0])
			abort();
	names_list_done(&l);
	return 0;
}
