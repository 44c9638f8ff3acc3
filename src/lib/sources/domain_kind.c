/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* domain_kind.c - the names of the domain kinds, the one table every output (probe, snapshots,
 * recordings, metrics) uses, so they never drift apart. Pure: no state, no I/O. */
#include <errno.h>
#include <string.h>

#include "domain_kind.h"
#include "util.h"

static const char *const kind_names[] = {
	[JOULESTAT_DOMAIN_PACKAGE] = "package", [JOULESTAT_DOMAIN_CORE] = "core",
	[JOULESTAT_DOMAIN_UNCORE] = "uncore",	[JOULESTAT_DOMAIN_DRAM] = "dram",
	[JOULESTAT_DOMAIN_PSYS] = "psys",	[JOULESTAT_DOMAIN_PLATFORM] = "platform",
	[JOULESTAT_DOMAIN_BATTERY] = "battery", [JOULESTAT_DOMAIN_GPU] = "gpu",
	[JOULESTAT_DOMAIN_PROCESS] = "process", [JOULESTAT_DOMAIN_HOST] = "host",
};

const char *domain_kind_name(enum joulestat_domain_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : NULL;
}

int domain_kind_from_name(const char *name, enum joulestat_domain_kind *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (name && kind_names[i] && strcmp(name, kind_names[i]) == 0) {
			*ret = (enum joulestat_domain_kind)i;
			return 0;
		}
	return -EINVAL;
}
