/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-proc-stat.c - parse_proc_stat, parse_uptime, parse_loadavg,
 * parse_cpuacct_percpu; the arrays are kept on error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_stat_cpu cpus[4], before[4];
	uint64_t forks = 7, ns;
	struct loadavg la;
	unsigned skipped = 3;
	int r;

	memset(cpus, 0xa5, sizeof(cpus));
	memcpy(before, cpus, sizeof(cpus));
	r = parse_proc_stat((const char *)data, size, cpus, 4, &forks, &skipped);
	if (r < 0 && (memcmp(before, cpus, sizeof(cpus)) != 0 || forks != 7 || skipped != 3))
		abort();
	if (r > 4)
		abort();
	/* The contract callers rely on to form a CPU's total: it cannot wrap. */
	for (int i = 0; r >= 0 && i < 4; i++) {
		uint64_t total;

		if (cpus[i].present &&
		    (__builtin_add_overflow(cpus[i].busy_ticks, cpus[i].idle_ticks, &total) ||
		     __builtin_add_overflow(total, cpus[i].iowait_ticks, &total)))
			abort();
	}
	{
		uint64_t usage[4], keep[4];

		memset(usage, 0x5a, sizeof(usage));
		memcpy(keep, usage, sizeof(usage));
		r = parse_cpuacct_percpu((const char *)data, size, usage, 4);
		if (r == 0 || (r < 0 && memcmp(keep, usage, sizeof(usage)) != 0))
			abort();
		/* Values past the count are never written. */
		for (int i = r > 0 ? r : 4; i < 4; i++)
			if (usage[i] != keep[i])
				abort();
	}
	(void)parse_uptime((const char *)data, size, &ns);
	(void)parse_loadavg((const char *)data, size, &la);
	return 0;
}
