/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-sys-stat.c - parse_sys_stat on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_times cpus[4];
	struct sys_stat s;

	if (parse_sys_stat((const char *)data, size, cpus, 4, &s) == 0) {
		/* The sums must not have wrapped: the parser promises callers may add. */
		if (cpu_times_total(&s.all) < s.all.idle)
			abort();
		if (s.ncpus > 4)
			abort();
	}
	return 0;
}
