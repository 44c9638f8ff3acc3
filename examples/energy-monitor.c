/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * energy-monitor.c - a small program on libjoulestat's public API, built
 * against the installed library with pkg-config (see Makefile here):
 *
 *   energy-monitor [-n COUNT] [-i MS] [PID...]
 *
 * It lets a poll() loop drive sampling through joulestat_fd() and
 * joulestat_dispatch() (no threads), prints each interval's host power and
 * ledger and its five most power-hungry processes, and at the end the
 * cumulative energy of the PIDs given (the per-PID batch query).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <joulestat.h>

struct state {
	unsigned seen, want;
};

static int on_snapshot(struct joulestat *js, struct joulestat_snapshot *snap, void *userdata)
{
	struct state *st = userdata;
	struct joulestat_snapshot_info info = { .sz = sizeof(info) };
	int n;

	(void)js;
	if (joulestat_snapshot_get(snap, &info) < 0)
		return -EINVAL;
	printf("interval %" PRIu64 ": %.3f s, host %.3f W%s (%s policy, %s collector)\n", info.seq,
	       (double)(info.end_ns - info.start_ns) / 1e9, info.power_w,
	       info.estimated ? " estimated" : "", info.idle_policy, info.collector);
	printf("  ledger: %" PRIu64 " uJ = tasks %" PRIu64 " + idle %" PRIu64
	       " + unattributed %" PRIu64 "\n",
	       info.delta_uj, info.tasks_uj, info.idle_uj, info.unattributed_uj);
	n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_PROCESS);
	for (int i = 0; i < n && i < 5; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };

		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &row) < 0)
			break;
		printf("  %7d %-16s %9.3f W %10.3f J %6.1f %%cpu\n", row.pid, row.comm, row.power_w,
		       (double)row.cumulative_uj / 1e6, row.cpu_pct);
	}
	st->seen++;
	return 0;
}

int main(int argc, char **argv)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct state st = { 0, 3 };
	struct joulestat *js;
	int opt, r, fd, npids;

	o.interval_ms = 1000;
	while ((opt = getopt(argc, argv, "n:i:")) != -1) {
		switch (opt) {
		case 'n':
			st.want = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			o.interval_ms = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-i MS] [PID...]\n", argv[0]);
			return 2;
		}
	}
	r = joulestat_new(&o, &js);
	if (r < 0) {
		fprintf(stderr, "joulestat_new: %s\n", strerror(-r));
		return 1;
	}
	printf("libjoulestat %s, %u CPUs\n", joulestat_version(), joulestat_cpu_count(js));
	fd = joulestat_fd(js);
	if (fd < 0) {
		fprintf(stderr, "joulestat_fd: %s\n", strerror(-fd));
		joulestat_free(js);
		return 1;
	}
	while (st.seen < st.want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		r = joulestat_dispatch(js, on_snapshot, &st);
		if (r < 0) {
			fprintf(stderr, "joulestat_dispatch: %s\n", strerror(-r));
			break;
		}
	}
	npids = argc - optind;
	if (npids > 0) {
		struct joulestat_pid_energy *e = calloc((size_t)npids, sizeof(*e));
		int *pids = calloc((size_t)npids, sizeof(*pids));

		for (int i = 0; i < npids; i++) {
			pids[i] = atoi(argv[optind + i]);
			e[i].sz = sizeof(e[i]);
		}
		r = joulestat_pid_energy_batch(js, pids, (size_t)npids, e);
		for (int i = 0; r >= 0 && i < npids; i++) {
			if (e[i].found)
				printf("pid %d: %" PRIu64 " uJ since first seen, %.3f W now (%s%s)\n",
				       e[i].pid, e[i].energy_uj, e[i].power_w, e[i].source,
				       e[i].reliable ? "" : ", estimated");
			else
				printf("pid %d: not seen\n", e[i].pid);
		}
		free(e);
		free(pids);
	}
	joulestat_free(js);
	return st.seen == st.want ? 0 : 1;
}
