/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-proc-cgroup.c - parse_proc_cgroup_v2 on arbitrary bytes: the path fits and is terminated. */
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
	return 0;
}
