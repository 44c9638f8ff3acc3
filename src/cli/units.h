/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * units.h - numbers as people read them in a table: three significant
 * digits and an SI prefix ("1.52 W", "850 mW", "12.3 kJ"), so that a row of
 * a few milliwatts does not read "0.000". ASCII only ("u" for micro), so a
 * terminal in any locale shows it. Pure.
 */
#ifndef JOULESTAT_UNITS_H
#define JOULESTAT_UNITS_H

#include <stddef.h>

/*
 * v in `unit` with a prefix from u (1e-6) to G (1e9) and three significant
 * digits: "1.52 W", "15.2 W", "152 W", "1.52 kW", "85.0 mW", "500 uW"; "0 W"
 * for 0, "-" for NaN. Below 1 u: "0.30 uW". Into buf; returns buf.
 */
const char *units_si(double v, const char *unit, char *buf, size_t size);

#endif
