/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * carbon.h - emissions from energy: a carbon intensity in gCO2e/kWh, one
 * number (--carbon-intensity G, configuration key carbon_intensity) or a
 * time series from a CSV file (--carbon-intensity-file FILE) for the hours
 * it covers, with the number as the fallback outside them.
 *
 * The file, one row per step, oldest first (docs/FORMAT.md):
 *
 *     timestamp,intensity            optional header line (the first line only)
 *     2024-05-01T00:00:00Z,212.5     ISO 8601; no zone is UTC
 *     2024-05-01 01:00,230           a space for the T, seconds optional
 *     1714525200,241                 or Unix seconds
 *
 * A row's intensity holds from its timestamp until the next row's, and for
 * at most the file's step (the smallest gap between two rows; one hour for
 * a file of one row): a missing hour is not filled by the hour before it.
 *
 * 1 kWh = 3.6e12 µJ, so grams = µJ × intensity / 3.6e12. Nothing is ever
 * fetched from the network: the intensity is the user's.
 *
 * Pure: parses buffers and does arithmetic; reading the file is the
 * caller's (cli.c).
 */
#ifndef JOULESTAT_CARBON_H
#define JOULESTAT_CARBON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds: the dirtiest grids are near 1000 g/kWh; a year of 5-minute rows is ~105k. */
#define CARBON_INTENSITY_MAX 10000.0
#define CARBON_ROWS_MAX 1000000
#define CARBON_UJ_PER_KWH 3.6e12

/*
 * A decimal number of gCO2e/kWh ("400", "212.5", " 0 "), from 0 to
 * CARBON_INTENSITY_MAX, whatever the locale. -EINVAL (not a number),
 * -ERANGE (out of range); *ret only on success.
 */
int carbon_parse_intensity(const char *s, size_t len, double *ret);

/*
 * An ISO 8601 date and time ("2024-05-01T13:00:00Z", "2024-05-01 13:00",
 * "...+02:00", fractions of a second dropped; no zone: UTC) or Unix seconds
 * ("1714525200"), as Unix seconds. -EINVAL; *ret only on success.
 */
int carbon_parse_time(const char *s, size_t len, int64_t *ret);

struct carbon_row {
	int64_t t_s;		/* Unix seconds, strictly increasing */
	double g_per_kwh;
};

struct carbon_series {
	struct carbon_row *rows;	/* [nrows], owned */
	size_t nrows;
	int64_t step_s;			/* how long a row holds at most, > 0 */
};

/*
 * Parse a CSV time series of `len` bytes (not NUL-terminated): LF or CRLF
 * lines of two fields, separated by ',' or ';' (fields may be quoted, blank
 * lines and lines starting with '#' are skipped), the first line may be a
 * header. Returns 0 and the series in *ret, or -EINVAL with "line N: why"
 * in `err` (a third field, a bad time or number, a time not after the
 * one before, no rows, more than CARBON_ROWS_MAX); -ENOMEM. *ret only on
 * success.
 */
int carbon_parse_csv(const char *buf, size_t len, struct carbon_series *ret, char *err,
		     size_t err_size);

void carbon_series_done(struct carbon_series *s);

/* The series' intensity at Unix time `t_s`; NAN outside the hours it covers. */
double carbon_series_at(const struct carbon_series *s, int64_t t_s);

/* Where an intensity comes from: the option, the configuration file, the CSV file. */
enum carbon_origin {
	CARBON_NONE = 0,
	CARBON_OPTION,
	CARBON_CONFIG,
	CARBON_FILE,
};

/* "option", "config", "file", "none". */
const char *carbon_origin_name(enum carbon_origin o);

/* What a verb was given: a number, a series, both or neither. */
struct carbon {
	double fixed_g_per_kwh;		/* NAN: none */
	enum carbon_origin fixed_origin;	/* CARBON_OPTION or CARBON_CONFIG */
	char fixed_from[256];		/* "--carbon-intensity", "FILE:LINE" */
	struct carbon_series series;	/* nrows == 0: none */
	char series_from[256];		/* the CSV file's path */
};

/* A struct carbon with neither. */
void carbon_init(struct carbon *c);
void carbon_done(struct carbon *c);
bool carbon_enabled(const struct carbon *c);

/*
 * The intensity at Unix time `t_s` and its origin: the series where it
 * covers t_s, else the number; NAN and CARBON_NONE with neither.
 */
double carbon_at(const struct carbon *c, int64_t t_s, enum carbon_origin *ret_origin);

/* Grams of CO2e of `uj` µJ at `g_per_kwh`. */
double carbon_grams(uint64_t uj, double g_per_kwh);

/* Emissions summed over intervals, and what they rest on. */
struct carbon_acc {
	double grams;
	uint64_t covered_uj;		/* energy that had an intensity */
	uint64_t uncovered_uj;		/* energy outside the series with no number to fall back on */
	double min_g_per_kwh, max_g_per_kwh;	/* of the intervals covered; NAN before */
	bool from_series, from_fixed;	/* which of the two gave an interval its intensity */
};

void carbon_acc_init(struct carbon_acc *a);

/*
 * Add `uj` µJ spent around Unix time `t_s` (an interval's middle). Returns
 * the grams added (0 when nothing covers t_s).
 */
double carbon_acc_add(struct carbon_acc *a, const struct carbon *c, uint64_t uj, int64_t t_s);

/*
 * One phrase naming the intensity and its origin for a view: "at 400
 * gCO2e/kWh from --carbon-intensity", "at 212-380 gCO2e/kWh from grid.csv
 * (3.2 J outside its hours had none)". Into buf; returns buf.
 */
const char *carbon_describe(const struct carbon *c, const struct carbon_acc *a, char *buf,
			    size_t size);

/* "12.3 mg", "4.56 g", "7.89 kg", "1.23 t" into buf; returns buf. */
const char *carbon_mass(double grams, char *buf, size_t size);

/* Energy for people: joules below 36 kJ (0.01 kWh), then "0.0123 kWh", "12.3 kWh". */
const char *carbon_energy(uint64_t uj, char *buf, size_t size);

#endif
