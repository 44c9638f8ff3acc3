/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-statm.c - parse_statm on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statm s;

	if (parse_statm((const char *)data, size, &s) == 0 && size < 13)
		abort(); /* seven numbers and six blanks at least */
	return 0;
}
