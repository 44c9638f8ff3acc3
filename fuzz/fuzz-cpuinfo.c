/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-cpuinfo.c - parse_cpuinfo on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuinfo ci;

	(void)parse_cpuinfo((const char *)data, size, &ci);
	/* Fields are always terminated within their arrays. */
	if (strlen(ci.vendor) >= sizeof(ci.vendor) || strlen(ci.model_name) >= sizeof(ci.model_name))
		abort();
	return 0;
}
