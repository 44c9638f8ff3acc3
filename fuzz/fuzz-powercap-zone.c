/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-powercap-zone.c - parse_powercap_zone_id and parse_rapl_zone_name on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rapl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct powercap_zone_id id;
	struct rapl_zone_name n;

	if (parse_powercap_zone_id((const char *)data, size, &id) == 0) {
		if (id.depth < 1 || id.depth > POWERCAP_DEPTH_MAX || !id.ctl[0] ||
		    strnlen(id.ctl, sizeof(id.ctl)) == sizeof(id.ctl) || id.idx[0] > 65535 ||
		    id.idx[1] > 65535)
			abort();
	}
	if (parse_rapl_zone_name((const char *)data, size, &n) == 0) {
		if (n.kind > JOULESTAT_DOMAIN_PSYS)
			abort();
		if ((n.kind == JOULESTAT_DOMAIN_PACKAGE) != (n.package >= 0) || n.package > 65535 ||
		    n.die > 65535 || (n.die >= 0 && n.package < 0))
			abort();
	}
	return 0;
}
