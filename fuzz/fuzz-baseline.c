/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-baseline.c - parse_baseline on arbitrary bytes: accepted files keep their promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline *b = malloc(sizeof(*b));
	unsigned line = 0;

	if (!b)
		return 0;
	if (parse_baseline((const char *)data, size, b, &line) == 0) {
		if (b->n > BASELINE_MAX)
			abort();
		for (size_t i = 0; i < b->n; i++) {
			size_t len = strnlen(b->e[i].name, BASELINE_NAME_MAX);
			uint64_t mw;

			/* Names are terminated, non-empty, unique and found again by lookup. */
			if (len == 0 || len == BASELINE_NAME_MAX || b->e[i].static_mw > BASELINE_MAX_MW)
				abort();
			if (baseline_lookup(b, b->e[i].name, NULL, &mw) < 0 || mw != b->e[i].static_mw)
				abort();
		}
	}
	free(b);
	return 0;
}
