/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-proc-stat-cpus.c - parse_proc_stat_cpus on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proc_stat_cpus ps;
	unsigned cpu;

	if (parse_proc_stat_cpus((const char *)data, size, &ps) < 0)
		return 0;
	/* Busy time is part of the total, for every CPU listed. */
	cpuset_for_each(cpu, &ps.present)
		if (ps.busy[cpu] > ps.total[cpu])
			abort();
	return 0;
}
