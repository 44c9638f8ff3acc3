/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-meminfo.c - parse_meminfo on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meminfo m;

	if (parse_meminfo((const char *)data, size, &m) == 0 && !memchr(data, ':', size))
		abort(); /* MemTotal: and MemFree: are required */
	return 0;
}
