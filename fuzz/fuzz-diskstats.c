/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-diskstats.c - parse_diskstats on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diskstat d[4];
	int n = parse_diskstats((const char *)data, size, d, 4);

	for (int i = 0; i < n && i < 4; i++)
		if (strnlen(d[i].name, DISK_NAME_LEN) == DISK_NAME_LEN || !d[i].name[0])
			abort();
	return 0;
}
