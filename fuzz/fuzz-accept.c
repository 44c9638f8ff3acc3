/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-accept.c - parse_accept() on arbitrary bytes: no crash, q within 0..1000, untouched on error. */
#include <stdint.h>
#include <stdlib.h>

#include "accept.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accept_pref p = { 4242, 4242 };
	int r = parse_accept((const char *)data, size, &p);

	if (r == 0 && (p.q_openmetrics > 1000 || p.q_text > 1000))
		abort();
	if (r < 0 && (p.q_openmetrics != 4242 || p.q_text != 4242))
		abort();
	if (r == 0 && accept_choose(&p) > ACCEPT_NONE)
		abort();
	return 0;
}
