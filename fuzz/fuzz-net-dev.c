/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-net-dev.c - parse_net_dev on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netdev_stat d[4];
	int n = parse_net_dev((const char *)data, size, d, 4);

	for (int i = 0; i < n && i < 4; i++)
		if (strnlen(d[i].name, NETDEV_NAME_LEN) == NETDEV_NAME_LEN || !d[i].name[0])
			abort();
	return 0;
}
