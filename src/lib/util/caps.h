/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * caps.h - which of the capabilities a feature needs this process lacks, so
 * that a "not permitted" reason can name the missing one ("this process
 * lacks CAP_PERFMON") instead of listing every candidate.
 */
#ifndef JOULESTAT_CAPS_H
#define JOULESTAT_CAPS_H

#include <linux/capability.h> /* CAP_BPF, ... for callers */
#include <stddef.h>
#include <stdint.h>

/* Bit of capability `cap` (CAP_BPF, ... from <linux/capability.h>) in a 64-bit set. */
#define CAP_BIT(cap) (UINT64_C(1) << (cap))

/*
 * Names of the capabilities in `want` that are not in `have`, joined by
 * " and " ("CAP_BPF and CAP_PERFMON"), into buf (always terminated).
 * Returns how many are missing. Pure.
 */
size_t caps_format_missing(uint64_t have, uint64_t want, char *buf, size_t size);

/*
 * The same for this process's effective set (capget). Returns how many are
 * missing, 0 when the set cannot be read (nothing is then claimed missing).
 */
size_t caps_missing(uint64_t want, char *buf, size_t size);

#endif
