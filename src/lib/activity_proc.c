/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * activity_proc.c - the /proc activity collector. This build does not
 * include it: open() says so, and selection falls back accordingly.
 */
#include <errno.h>
#include <stdio.h>

#include "activity.h"

static int proc_open(const struct activity_ctx *ctx, void **ret_state, char *reason,
		     size_t reason_size)
{
	snprintf(reason, reason_size, "not built");
	return -ENOSYS;
}

static int proc_sample(void *state, struct activity_sample *ret)
{
	return -ENOSYS;
}

static void proc_close(void *state)
{
}

const struct activity_ops activity_proc_ops = {
	.name = "proc",
	.open = proc_open,
	.sample = proc_sample,
	.close = proc_close,
};
