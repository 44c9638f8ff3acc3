/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-wire-request.c - what a client may send the daemon: the frame
 * header, then the request. No crash or leak; a parsed request stays in its
 * bounds (PIDs 1 .. INT32_MAX, at most WIRE_PIDS_MAX of them, a known op,
 * groupings in the mask); a refusal says why and leaves the request as it
 * was.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_request q;
	struct wire_header h = { .len = 12345 };
	char err[256];
	int r;

	r = wire_header_parse(data, size, WIRE_REQUEST_MAX, &h);
	if (r < 0 && h.len != 12345)
		abort();
	if (r == 0 && (h.len > WIRE_REQUEST_MAX || h.version != WIRE_VERSION))
		abort();
	/* The payload after a header, or the whole input. */
	if (r == 0 && size >= WIRE_HEADER_SIZE) {
		data += WIRE_HEADER_SIZE;
		size -= WIRE_HEADER_SIZE;
	}
	memset(&q, 0xa5, sizeof(q));
	r = wire_request_parse((const char *)data, size, &q, err, sizeof(err));
	if (r < 0) {
		if ((r != -ENOMEM && !err[0]) || strlen(err) >= sizeof(err) ||
		    ((const uint8_t *)&q)[0] != 0xa5)
			abort();
		return 0;
	}
	if ((unsigned)q.op >= WIRE_OP__COUNT || q.npids > WIRE_PIDS_MAX ||
	    q.groups >= (1u << JOULESTAT_GROUP_COUNT) || !wire_op_name(q.op))
		abort();
	for (size_t i = 0; i < q.npids; i++)
		if (q.pids[i] < 1)
			abort();
	if ((q.op == WIRE_OP_TREE || q.op == WIRE_OP_UNTREE) && q.pid < 1)
		abort();
	if (q.op == WIRE_OP_PID && q.npids == 0)
		abort();
	return 0;
}
