/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* domain_kind.h - the names of the domain kinds, one table for every output. */
#ifndef JOULESTAT_DOMAIN_KIND_H
#define JOULESTAT_DOMAIN_KIND_H

#include "joulestat.h"

/* The kind's name ("package", "dram", ...); NULL for a kind out of range. */
const char *domain_kind_name(enum joulestat_domain_kind kind);
/* 0 and *ret set, or -EINVAL (nothing written) for a name that is no kind. */
int domain_kind_from_name(const char *name, enum joulestat_domain_kind *ret);

#endif
