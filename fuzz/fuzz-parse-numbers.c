/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-parse-numbers.c - parse_u64, parse_s64 and parse_cpulist on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset *s = malloc(sizeof(*s));
	uint64_t u;
	int64_t v;

	(void)parse_u64((const char *)data, size, &u);
	(void)parse_s64((const char *)data, size, &v);
	if (s && parse_cpulist((const char *)data, size, s) == 0 &&
	    cpuset_count(s) > CPUSET_MAX_CPUS)
		abort();
	free(s);
	return 0;
}
