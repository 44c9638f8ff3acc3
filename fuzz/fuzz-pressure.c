/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-pressure.c - parse_pressure on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pressure p;

	if (parse_pressure((const char *)data, size, &p) == 0 && p.some.avg10_centi > 10000)
		abort();
	return 0;
}
