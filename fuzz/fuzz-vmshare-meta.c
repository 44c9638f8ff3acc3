/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-vmshare-meta.c - parse_vmshare_meta on arbitrary bytes: what it
 * accepts is formatted and parsed back to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmshare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmshare_meta m, back;
	char buf[VMSHARE_META_MAX];
	unsigned line;
	int n;

	if (parse_vmshare_meta((const char *)data, size, &m, &line) < 0)
		return 0;
	if (m.version < 1 || m.version > VMSHARE_VERSION)
		abort();
	n = vmshare_meta_format(&m, buf, sizeof(buf));
	if (n < 0 || parse_vmshare_meta(buf, (size_t)n, &back, &line) < 0)
		abort();
	if (back.epoch != m.epoch || back.seq != m.seq || back.interval_ms != m.interval_ms ||
	    back.updated_unix_ns != m.updated_unix_ns || back.estimated != m.estimated ||
	    strcmp(back.vm, m.vm) || strcmp(back.host, m.host) || strcmp(back.sources, m.sources) ||
	    strcmp(back.idle_policy, m.idle_policy))
		abort();
	return 0;
}
