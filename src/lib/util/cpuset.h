/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* cpuset.h - a fixed-size CPU bitmap (up to CPUSET_MAX_CPUS CPUs). */
#ifndef JOULESTAT_CPUSET_H
#define JOULESTAT_CPUSET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Linux's NR_CPUS on the largest common distro configs is 8192. */
#define CPUSET_MAX_CPUS 8192
#define CPUSET_WORDS (CPUSET_MAX_CPUS / 64)

struct cpuset {
	uint64_t bits[CPUSET_WORDS];
};

static inline void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

static inline void cpuset_set(struct cpuset *s, unsigned cpu)
{
	if (cpu < CPUSET_MAX_CPUS)
		s->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline bool cpuset_test(const struct cpuset *s, unsigned cpu)
{
	return cpu < CPUSET_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline unsigned cpuset_count(const struct cpuset *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CPUSET_WORDS; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

/* Words up to and including the last non-zero one (at least 1). */
static inline unsigned cpuset_used_words(const struct cpuset *s)
{
	unsigned n = CPUSET_WORDS;

	while (n > 1 && s->bits[n - 1] == 0)
		n--;
	return n;
}

#define cpuset_for_each(cpu, s)                                                                    \
	for ((cpu) = 0; (cpu) < CPUSET_MAX_CPUS; (cpu)++)                                          \
		if (cpuset_test((s), (cpu)))

#endif
