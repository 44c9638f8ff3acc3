/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-task-io.c - parse_task_io on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_io io;

	if (parse_task_io((const char *)data, size, &io) == 0 && size < 15)
		abort(); /* "rchar:0\nwchar:0" at least: 15 bytes */
	return 0;
}
