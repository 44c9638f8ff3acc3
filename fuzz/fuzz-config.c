/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-config.c - cli_config_parse() on arbitrary bytes, with a small verb
 * table: no crash, every word named by its origin, a message that names
 * the file on error, and *ret untouched then.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Common options in the 0x1000 range, as the command's tables have them. */
#define COMMON_OPTIONS                                          \
	{ "source", required_argument, NULL, 0x1001 },          \
	{ "config", required_argument, NULL, 0x1002 },          \
	{ "syscalls", no_argument, NULL, 0x1003 },              \
	{ "verbose", no_argument, NULL, 'v' }

static const struct option probe_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "interval", required_argument, NULL, 'i' },
	COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct option run_options[] = {
	{ "repeat", required_argument, NULL, 'r' },
	{ "idle", required_argument, NULL, 'I' },
	COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct config_verb verbs[] = {
	{ "probe", probe_options },
	{ "run", run_options },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_config c = { .nwords = -1 };
	char err[256];
	int r;

	r = cli_config_parse((const char *)data, size, "fuzz.yaml", "probe", verbs, 2, &c, err,
			     sizeof(err));
	if (r == 0) {
		if (c.nwords < 0 || (c.nwords > 0 && strncmp(c.words[0], "--", 2) != 0))
			abort();
		for (int i = 0; i < c.nwords; i++)
			if (!c.words[i] || strncmp(c.origin[i], "fuzz.yaml:", 10) != 0)
				abort();
		cli_config_done(&c);
		return 0;
	}
	if (c.nwords != -1 || (r != -EINVAL && r != -ENOMEM))
		abort();
	if (r == -EINVAL && strncmp(err, "fuzz.yaml:", 10) != 0)
		abort();
	return 0;
}
