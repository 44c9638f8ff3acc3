/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-pid-stat.c - parse_pid_stat_starttime on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 12345;
	int r = parse_pid_stat_starttime((const char *)data, size, &v);

	/* The out-parameter is written only on success. */
	if (r < 0 && v != 12345)
		abort();
	return 0;
}
