/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * topology.h - which CPUs are online, which physical package (socket) each
 * belongs to, and what the CPU is. Read once, under the sysfs/procfs roots.
 */
#ifndef JOULESTAT_TOPOLOGY_H
#define JOULESTAT_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "fsroot.h"
#include "log.h"

#define TOPOLOGY_MAX_SOCKETS 64

/* The first processor's identity, from /proc/cpuinfo. */
struct cpuinfo {
	char vendor[32];	/* "GenuineIntel", "AuthenticAMD", "" */
	char model_name[128];
	int family;		/* -1 when absent */
	int model;		/* -1 when absent */
};

struct topology {
	struct cpuset online;
	unsigned ncpus;			/* CPUs online */
	unsigned nsockets;		/* distinct physical packages */
	/* Sorted distinct physical_package_id values; socket index = position. */
	int socket_ids[TOPOLOGY_MAX_SOCKETS];
	struct cpuset socket_cpus[TOPOLOGY_MAX_SOCKETS];
	struct cpuinfo cpu;
};

/*
 * Read the online CPU list and each CPU's package. A CPU whose
 * physical_package_id is missing (some VMs) counts as package 0; a missing
 * online list falls back to the cpuN directories. -errno only when not even
 * one CPU can be found.
 */
int topology_read(const struct fsroot *fs, const struct logger *lg, struct topology *ret);

/* Socket index (0..nsockets-1) of `cpu`, or -ENOENT. */
int topology_cpu_socket(const struct topology *t, unsigned cpu);

/* Parse /proc/cpuinfo (pure). Missing fields stay empty/-1; never fails on text. */
int parse_cpuinfo(const char *buf, size_t len, struct cpuinfo *ret);

#endif
