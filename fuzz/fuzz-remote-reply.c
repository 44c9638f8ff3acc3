/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-remote-reply.c - what the library reads from whatever answers on
 * the daemon's socket: a machine description and a snapshot. No crash or
 * leak; a snapshot read is whole (every row has one energy per domain, the
 * public getters answer for every index they count); a refusal says why
 * and hands nothing out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "joulestat.h"
#include "remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct joulestat_snapshot *s)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };

	if (joulestat_snapshot_get(s, &si) < 0)
		abort();
	for (size_t d = 0; d < si.ndomains; d++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };

		if (joulestat_snapshot_domain_get(s, d, &sd) < 0 || !sd.name || !sd.status)
			abort();
	}
	for (size_t t = 0; t < si.ntasks; t++) {
		struct joulestat_task task = { .sz = sizeof(task) };
		uint64_t sum = 0;

		if (joulestat_snapshot_task_get(s, t, &task) < 0 || !task.comm)
			abort();
		for (size_t c = 0; c < task.ncpus; c++)
			sum += task.cpus[c].ns;
		(void)sum;
	}
	for (int g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		int n = joulestat_snapshot_row_count(s, (enum joulestat_group)g);

		for (int i = 0; i < n; i++) {
			struct joulestat_row r = { .sz = sizeof(r) };
			uint64_t sum = 0;

			if (joulestat_snapshot_row_get(s, (enum joulestat_group)g, (size_t)i, &r) < 0 ||
			    r.ndomains != si.ndomains || !r.comm || !r.user || !r.cgroup || !r.unit ||
			    !r.container)
				abort();
			for (size_t d = 0; d < r.ndomains; d++)
				sum += r.domain_energy_uj[d];
			(void)sum;
		}
	}
	(void)joulestat_snapshot_row_count(s, JOULESTAT_GROUP_PROCESS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joulestat_snapshot *s = (struct joulestat_snapshot *)0x1;
	struct remote_desc desc = { .ncpus = 4242 };
	uint64_t dseq = 7, n = 7;
	char err[256];
	int r;

	r = remote_parse_snapshot((const char *)data, size, 1, &s, &dseq, &n, err, sizeof(err));
	if (r < 0) {
		if (s != (struct joulestat_snapshot *)0x1 || (r != -ENOMEM && !err[0]))
			abort();
	} else if (n == 0) {
		if (s)
			abort();
	} else {
		if (!s)
			abort();
		walk(s);
		joulestat_snapshot_free(s);
	}
	r = remote_parse_monitor((const char *)data, size, &desc, err, sizeof(err));
	if (r < 0) {
		if (desc.ncpus != 4242 || (r != -ENOMEM && !err[0]))
			abort();
		return 0;
	}
	for (size_t i = 0; i < desc.ndomains; i++)
		if (!desc.domains[i].name || desc.domains[i].cpu_mask_words > 1024 ||
		    desc.statics[i].domain != desc.domains[i].name)
			abort();
	for (size_t i = 0; i < desc.nsources; i++)
		if (!desc.sources[i].name || !desc.sources[i].reason)
			abort();
	remote_desc_free(&desc);
	return 0;
}
