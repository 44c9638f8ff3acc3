/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-attrib.c - attrib_split and group_tasks on intervals decoded from
 * arbitrary bytes: every ledger, the host ledger, the task totals and every
 * grouping must balance exactly, whatever the input (or it is refused).
 *
 * Input: 5 header bytes (CPUs, tasks, rows, domains, policy), then 8-byte
 * little-endian values consumed in order (missing bytes read as zero).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXC 16
#define MAXT 32
#define MAXR 64
#define MAXD 4

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint64_t next(struct reader *r)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && r->left; i++, r->left--)
		v |= (uint64_t)*r->p++ << (8 * i);
	return v;
}

static void check_ledger(const struct attrib_ledger *l, size_t ntasks)
{
	unsigned __int128 sum = (unsigned __int128)l->idle_uj + l->unattributed_uj;
	unsigned __int128 tasks = 0;

	for (size_t i = 0; i < l->nrows; i++) {
		if (l->rows[i].task >= ntasks || l->rows[i].energy_uj > l->delta_uj)
			abort();
		tasks += l->rows[i].energy_uj;
	}
	if (tasks != l->tasks_uj || sum + tasks != l->delta_uj)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct activity_task tasks[MAXT];
	static struct activity_row rows[MAXR];
	static struct cpuset sets[MAXD];
	uint64_t idle[MAXC], lost[MAXC];
	struct attrib_domain d[MAXD];
	struct activity_sample s = { 0 };
	struct reader rd;
	struct attrib_result *r = NULL;
	unsigned __int128 totals = 0;
	size_t nd;
	enum attrib_idle_policy policy;

	if (size < 5)
		return 0;
	s.ncpus = 1 + data[0] % MAXC;
	s.ntasks = data[1] % (MAXT + 1);
	s.nrows = s.ntasks ? data[2] % (MAXR + 1) : 0;
	nd = 1 + data[3] % MAXD;
	policy = (enum attrib_idle_policy)(data[4] % 4); /* 3 is invalid: must be refused */
	rd = (struct reader){ data + 5, size - 5 };

	memset(tasks, 0, sizeof(tasks));
	s.start_ns = next(&rd);
	s.end_ns = next(&rd);
	for (size_t i = 0; i < s.ntasks; i++) {
		uint64_t v = next(&rd);

		tasks[i].key.tgid = (uint32_t)(v & 0xff);
		tasks[i].key.tid = (uint32_t)((v >> 8) & 0xff);
		tasks[i].key.start_ns = (v >> 16) & 0xf;
		tasks[i].uid = (uint32_t)((v >> 20) & 3);
		tasks[i].cgroup_id = (v >> 22) & 3;
		memcpy(tasks[i].comm, &v, sizeof(v)); /* not always terminated: on purpose */
	}
	for (size_t i = 0; i < s.nrows; i++) {
		uint64_t v = next(&rd);

		/* A few out-of-range rows, which must be refused, not read. */
		rows[i].cpu = (uint32_t)((v & 0xff) % (MAXC + 1));
		rows[i].task = (uint32_t)(((v >> 8) & 0xff) % (s.ntasks + 1));
		rows[i].ns = next(&rd);
	}
	for (unsigned c = 0; c < s.ncpus; c++) {
		idle[c] = next(&rd);
		lost[c] = next(&rd);
	}
	s.idle_ns = idle;
	s.lost_ns = lost;
	s.tasks = tasks;
	s.rows = rows;
	for (size_t i = 0; i < nd; i++) {
		uint64_t v = next(&rd);

		cpuset_zero(&sets[i]);
		sets[i].bits[0] = v & 0xffff;
		d[i] = (struct attrib_domain){
			.name = "d",
			.kind = (enum joulestat_domain_kind)((v >> 16) % 10), /* 9: invalid */
			.cpus = &sets[i],
			.delta_uj = next(&rd),
			.static_mw = next(&rd),
			.estimated = (v >> 24) & 1,
			.in_total = (v >> 25) & 1,
			/* A process domain's meter, for one of the first tgids. */
			.pid = (uint32_t)((v >> 26) & 7),
		};
	}

	if (attrib_split(&s, d, nd, policy, &r) < 0)
		return 0;
	for (size_t i = 0; i < r->nledgers; i++) {
		check_ledger(&r->ledgers[i], s.ntasks);
		if (r->ledgers[i].in_total)
			totals += r->ledgers[i].tasks_uj;
	}
	if (r->total_delta_uj != r->total_tasks_uj + r->total_idle_uj + r->total_unattributed_uj ||
	    totals != r->total_tasks_uj)
		abort();
	for (int by = GROUP_PROCESS; by <= GROUP_USER; by++) {
		struct group_result *g = NULL;
		uint64_t sum = 0;

		if (group_tasks(&s, r, GROUP_ALL_DOMAINS, by, NULL, &g) < 0)
			abort();
		for (size_t i = 0; i < g->ngroups; i++)
			sum += g->groups[i].energy_uj;
		if (sum != r->total_tasks_uj || g->total_uj != sum || g->nmembers != s.ntasks)
			abort();
		group_result_free(g);
	}
	attrib_result_free(r);
	return 0;
}
