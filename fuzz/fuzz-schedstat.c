/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-schedstat.c - parse_schedstat on arbitrary bytes: never reads past the buffer, never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedstat s;

	(void)parse_schedstat((const char *)data, size, &s);
	return 0;
}
