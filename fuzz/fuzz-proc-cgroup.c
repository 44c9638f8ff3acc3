/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-proc-cgroup.c - parse_proc_cgroup_v2 and parse_proc_cgroup on
 * arbitrary bytes: the path fits, is terminated, starts with '/' and is in
 * the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[32];

	if (parse_proc_cgroup_v2((const char *)data, size, path, sizeof(path)) == 0 &&
	    strnlen(path, sizeof(path)) >= sizeof(path))
		abort();
	if (parse_proc_cgroup((const char *)data, size, path, sizeof(path)) == 0 &&
	    (strnlen(path, sizeof(path)) >= sizeof(path) || path[0] != '/' ||
	     !memmem(data, size, path, strlen(path))))
		abort();
	return 0;
}
