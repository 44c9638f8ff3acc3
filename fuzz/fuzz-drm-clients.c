/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-drm-clients.c - parse_drm_clients_list (debugfs dri/N/clients) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "drm_fdinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t pids[8];
	size_t n = 0;

	if (parse_drm_clients_list((const char *)data, size, pids, 8, &n) == 0) {
		/* At most one tgid per line, never 0, never more than the room given. */
		if (n > 8 || n > size / 22)
			abort();
		for (size_t i = 0; i < n; i++)
			if (pids[i] == 0)
				abort();
	}
	return 0;
}
