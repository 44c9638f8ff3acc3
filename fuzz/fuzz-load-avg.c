/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-load-avg.c - parse_load_avg on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_avg l;

	if (parse_load_avg((const char *)data, size, &l) == 0 && size < 11)
		abort(); /* "0 0 0 0/0 0" at least: 11 bytes */
	return 0;
}
