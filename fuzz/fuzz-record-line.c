/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-record-line.c - the recording reader on arbitrary text: line 1 goes
 * to recfmt_parse_header(), every later line to recfmt_parse_interval().
 * Whatever is accepted must be consistent (ledgers balance, raw rows in
 * range) and must survive write → parse → write unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_interval(const struct recfmt_header *h, const struct recfmt_interval *iv)
{
	unsigned __int128 host = 0;

	for (size_t d = 0; d < iv->ndomains; d++) {
		const struct recfmt_ledger *l = &iv->ledgers[d];

		if ((unsigned __int128)l->tasks_uj + l->idle_uj + l->unattributed_uj != l->delta_uj)
			abort();
		/* A refused reading is a gap: it claims nothing. */
		if (l->status == ATTRIB_LEDGER_REFUSED && l->delta_uj)
			abort();
		if (h->domains[d].in_total)
			host += l->delta_uj;
	}
	if (host != iv->host_delta_uj)
		abort();
	for (size_t i = 0; i < iv->nrows; i++)
		if (h->version >= 2 ? iv->rows[i].cgroup >= iv->ncgroups
				    : iv->rows[i].cgroup != RECFMT_NO_CGROUP)
			abort();
	for (size_t g = 0; g < iv->ngpus; g++)
		if (iv->gpus[g].domain >= h->ndomains ||
		    h->domains[iv->gpus[g].domain].kind != JOULESTAT_DOMAIN_GPU)
			abort();
	if (iv->has_raw) {
		for (size_t i = 0; i < iv->sample.nrows; i++)
			if (iv->sample.rows[i].cpu >= iv->sample.ncpus ||
			    iv->sample.rows[i].task >= iv->sample.ntasks)
				abort();
	}
}

/* Write the interval, parse it back, write again: the two texts must be equal. */
static void round_trip(const struct recfmt_header *h, const struct recfmt_interval *iv)
{
	struct recfmt_interval *again = NULL;
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *f;

	f = open_memstream(&a, &alen);
	if (!f)
		return;
	recfmt_write_interval(f, h, iv);
	fclose(f);
	if (recfmt_parse_interval(a, alen ? alen - 1 : 0, h, &again, NULL) < 0)
		abort();
	f = open_memstream(&b, &blen);
	if (!f)
		abort();
	recfmt_write_interval(f, h, again);
	fclose(f);
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	recfmt_interval_free(again);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct recfmt_header h;
	struct recfmt_error err;

	nl = memchr(p, '\n', size);
	if (recfmt_parse_header(p, nl ? (size_t)(nl - p) : size, &h, &err) < 0)
		return 0;
	while (nl && nl + 1 < end) {
		struct recfmt_interval *iv = NULL;
		const char *line = nl + 1;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (recfmt_parse_interval(line, nl ? (size_t)(nl - line) : (size_t)(end - line), &h,
					  &iv, &err) == 0) {
			check_interval(&h, iv);
			round_trip(&h, iv);
			recfmt_interval_free(iv);
		}
	}
	recfmt_header_free(&h);
	return 0;
}
