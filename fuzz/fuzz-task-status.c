/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-task-status.c - parse_task_status on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_status s;

	if (parse_task_status((const char *)data, size, &s) == 0 &&
	    strnlen(s.name, TASK_NAME_LEN) == TASK_NAME_LEN)
		abort();
	return 0;
}
