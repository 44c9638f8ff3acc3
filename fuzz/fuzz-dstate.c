/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-dstate.c - the daemon's state file on arbitrary bytes: no crash or
 * leak; a file read is written back to text that reads the same; a refusal
 * leaves the tables as they were.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dstate st = { .restarts = 4242 }, again = { 0 };
	unsigned line = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r = dstate_parse((const char *)data, size, &st, &line);

	if (r < 0) {
		if (st.restarts != 4242 || st.procs)
			abort();
		return 0;
	}
	f = open_memstream(&text, &len);
	if (!f || dstate_write(&st, 1, f) < 0)
		abort();
	fclose(f);
	if (dstate_parse(text, len, &again, &line) < 0 || again.nprocs != st.nprocs ||
	    again.nusers != st.nusers || again.ndoms != st.ndoms ||
	    strcmp(again.boot_id, st.boot_id) != 0 || again.restarts != st.restarts)
		abort();
	for (size_t i = 0; i < st.ndoms; i++)
		if (strcmp(st.doms[i].name, again.doms[i].name) != 0 ||
		    st.doms[i].energy_uj != again.doms[i].energy_uj)
			abort();
	free(text);
	dstate_done(&st);
	dstate_done(&again);
	return 0;
}
