/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-perf-event.c - the perf power PMU parsers (event config, scale, unit)
 * on arbitrary bytes, and the count-to-µJ conversion of any scale that
 * parses: never a zero divisor, never decreasing with the count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rapl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct perf_scale s;
	uint64_t config, a, b, count = 0;

	if (parse_perf_event_config(buf, size, &config) == 0 && config > 0xff)
		abort();
	(void)parse_perf_unit(buf, size);
	if (parse_perf_scale(buf, size, &s) == 0) {
		if (s.mul == 0 || s.div == 0)
			abort();
		memcpy(&count, data, size < sizeof(count) ? size : sizeof(count));
		if (count < UINT64_MAX && perf_scale_to_uj(count, &s, &a) == 0 &&
		    perf_scale_to_uj(count + 1, &s, &b) == 0 && b < a)
			abort();
	}
	return 0;
}
