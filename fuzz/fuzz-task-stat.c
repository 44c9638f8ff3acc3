/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-task-stat.c - parse_task_stat on arbitrary bytes: comm stays a terminated 15-byte string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_stat s;

	if (parse_task_stat((const char *)data, size, &s) == 0 &&
	    strnlen(s.comm, sizeof(s.comm)) >= sizeof(s.comm))
		abort();
	return 0;
}
