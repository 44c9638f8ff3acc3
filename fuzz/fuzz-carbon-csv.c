/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-carbon-csv.c - carbon_parse_csv() on arbitrary bytes: no crash or
 * leak; on success rows strictly increasing in time, every intensity within
 * 0..CARBON_INTENSITY_MAX, a positive step, and each row's own time reads
 * its own intensity; on error a message and *ret untouched. The first line
 * also goes through carbon_parse_time() and carbon_parse_intensity().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carbon_series s = { .nrows = 12345 };
	const char *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - (const char *)data) : size;
	char err[256];
	int64_t t;
	double g;
	int r;

	if (carbon_parse_time((const char *)data, first, &t) == 0 && t < 0)
		abort();
	if (carbon_parse_intensity((const char *)data, first, &g) == 0 &&
	    !(g >= 0 && g <= CARBON_INTENSITY_MAX))
		abort();
	r = carbon_parse_csv((const char *)data, size, &s, err, sizeof(err));
	if (r < 0) {
		if (s.nrows != 12345 || (r != -ENOMEM && (r != -EINVAL || !err[0])) ||
		    strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (!s.nrows || s.nrows > CARBON_ROWS_MAX || s.step_s <= 0)
		abort();
	for (size_t i = 0; i < s.nrows; i++) {
		const struct carbon_row *row = &s.rows[i];

		if (!(row->g_per_kwh >= 0 && row->g_per_kwh <= CARBON_INTENSITY_MAX) ||
		    (i && row->t_s <= s.rows[i - 1].t_s) || row->t_s < 0)
			abort();
		if (carbon_series_at(&s, row->t_s) != row->g_per_kwh)
			abort();
	}
	if (!isnan(carbon_series_at(&s, s.rows[0].t_s - 1)) ||
	    !isnan(carbon_series_at(&s, s.rows[s.nrows - 1].t_s + s.step_s)))
		abort();
	carbon_series_done(&s);
	return 0;
}
