/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* source_perf.c - PLACEHOLDER: replaced by the real source before landing. */
#include <errno.h>
#include <stdio.h>

#include "source.h"

static int placeholder_open(const struct source_ctx *ctx, const struct source_slot *slot,
			    void **ret_state, char *reason, size_t reason_size)
{
	snprintf(reason, reason_size, "not built yet");
	return -ENODEV;
}

static int placeholder_read(void *state, const struct source_ctx *ctx, uint64_t now)
{
	return 0;
}

const struct source_ops source_perf_ops = {
	.name = "perf",
	.open = placeholder_open,
	.read = placeholder_read,
};
