/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* profile_session.h - the inside of struct joulestat_profile, shared with its JSON writer. */
#ifndef JOULESTAT_PROFILE_SESSION_H
#define JOULESTAT_PROFILE_SESSION_H

#include "joulestat.h"
#include "profile.h"
#include "resources.h"

struct joulestat_profile {
	struct joulestat *js;		/* borrowed */
	struct res_collector *rc;
	int pid;
	unsigned ncpus;
	uint64_t start_ns;		/* CLOCK_MONOTONIC of the baseline sample */
	uint64_t last_energy_uj;
	bool have_energy;
	bool estimated;			/* some energy came from the model */
	int32_t gpu_next_permille;	/* for the next sample; -1: none */
	struct prof_sample *samples;
	size_t nsamples, samples_cap;
	struct prof_thread *threads;	/* every thread seen, in order of appearance */
	uint64_t *thread_start;		/* [nthreads]: start ticks, with tid the key */
	size_t nthreads, threads_cap;
	bool stopped;			/* analysed: a is valid */
	struct prof_analysis a;
};

#endif
