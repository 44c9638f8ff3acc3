/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * kids.h - the sleeping children of the benchmarks: forked into pause(),
 * dying with the benchmark (PR_SET_PDEATHSIG), and killed and reaped on
 * every exit path, a SIGINT, SIGTERM or SIGHUP included.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Room for `cap` children, and the signal handlers that kill them. -ENOMEM. */
int kids_init(size_t cap);

/* Forks `n` children that sleep in pause(), each recorded. -errno (the ones forked stay recorded). */
int kids_spawn(size_t n);

/* Records a child forked elsewhere, to be killed with the others. -ENOSPC when full. */
int kids_add(pid_t pid);

size_t kids_count(void);

pid_t kids_pid(size_t i);

/* Kills and reaps the children recorded from index `first` on, and forgets them. */
void kids_kill_from(size_t first);

/* Kills and reaps every child and frees the room. */
void kids_done(void);
