/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* units.c - numbers with SI prefixes and three significant digits (units.h). Pure. */
#include <math.h>
#include <stdio.h>

#include "units.h"

const char *units_si(double v, const char *unit, char *buf, size_t size)
{
	static const struct {
		double scale;
		const char *prefix;
	} p[] = { { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" }, { 1e-3, "m" }, { 1e-6, "u" } };
	double a = fabs(v);
	size_t k;

	if (isnan(v)) {
		snprintf(buf, size, "-");
		return buf;
	}
	if (v == 0 || isinf(v)) {
		snprintf(buf, size, "%s %s", v == 0 ? "0" : v > 0 ? "inf" : "-inf", unit);
		return buf;
	}
	/* The largest prefix that leaves at least 1 after rounding to three digits. */
	for (k = 0; k + 1 < sizeof(p) / sizeof(p[0]); k++)
		if (a / p[k].scale >= 0.9995)
			break;
	a /= p[k].scale;
	if (a >= 999.5 && k > 0) {
		k--;
		a /= 1000;
	}
	if (a < 9.995)
		snprintf(buf, size, "%s%.2f %s%s", v < 0 ? "-" : "", a, p[k].prefix, unit);
	else if (a < 99.95)
		snprintf(buf, size, "%s%.1f %s%s", v < 0 ? "-" : "", a, p[k].prefix, unit);
	else
		snprintf(buf, size, "%s%.0f %s%s", v < 0 ? "-" : "", a, p[k].prefix, unit);
	return buf;
}
