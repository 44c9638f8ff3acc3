/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* carbon.c - carbon intensity: the number, the CSV time series, the arithmetic (carbon.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

int carbon_parse_intensity(const char *s, size_t len, double *ret)
{
	double v = 0, scale = 1;
	size_t i = 0, digits = 0;

	trim(&s, &len);
	if (len == 0 || len > 32)
		return -EINVAL;
	if (s[0] == '+')
		i++;
	for (; i < len && is_digit(s[i]); i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != len || digits == 0)
		return s[0] == '-' && len > 1 ? -ERANGE : -EINVAL;
	if (v > CARBON_INTENSITY_MAX)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Read exactly n digits at s[*i]. */
static bool digits_n(const char *s, size_t len, size_t *i, int n, int *ret)
{
	int v = 0;

	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || !is_digit(s[*i]))
			return false;
		v = v * 10 + (s[*i] - '0');
	}
	*ret = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

int carbon_parse_time(const char *s, size_t len, int64_t *ret)
{
	int y, mo, d, h, mi, sec = 0, zh = 0, zm = 0, zsign = 0;
	size_t i = 0;

	trim(&s, &len);
	if (len == 0 || len > 40)
		return -EINVAL;
	/* Unix seconds: digits only (a date always has a '-'). s is not NUL-terminated. */
	while (i < len && is_digit(s[i]))
		i++;
	if (i == len) {
		int64_t v = 0;

		if (len > 12)
			return -EINVAL;
		for (i = 0; i < len; i++)
			v = v * 10 + (s[i] - '0');
		*ret = v;
		return 0;
	}
	i = 0;
	if (!digits_n(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
	    !digits_n(s, len, &i, 2, &mo) || i >= len || s[i++] != '-' ||
	    !digits_n(s, len, &i, 2, &d) || i >= len || (s[i] != 'T' && s[i] != ' '))
		return -EINVAL;
	i++;
	if (!digits_n(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
	    !digits_n(s, len, &i, 2, &mi))
		return -EINVAL;
	if (i < len && s[i] == ':') {
		i++;
		if (!digits_n(s, len, &i, 2, &sec))
			return -EINVAL;
		if (i < len && (s[i] == '.' || s[i] == ',')) { /* a fraction: dropped */
			i++;
			if (i >= len || !is_digit(s[i]))
				return -EINVAL;
			while (i < len && is_digit(s[i]))
				i++;
		}
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		zsign = s[i++] == '+' ? 1 : -1;
		if (!digits_n(s, len, &i, 2, &zh))
			return -EINVAL;
		if (i < len && s[i] == ':')
			i++;
		if (i < len && !digits_n(s, len, &i, 2, &zm))
			return -EINVAL;
		if (zh > 23 || zm > 59)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	*ret = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec) -
	       zsign * (zh * 3600 + zm * 60);
	return 0;
}

static void csv_error(char *err, size_t size, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void csv_error(char *err, size_t size, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return;
	n = snprintf(err, size, "line %zu: ", line);
	if (n < 0 || (size_t)n >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, size - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Split one line into fields at `sep`, a field may be "quoted" ("" for a
 * quote inside). Up to 3 fields (a third is an error for the caller);
 * each one's bytes are copied into out[k] (at most 63). Returns the number
 * of fields, or -1 for an unclosed quote or a field too long.
 */
static int split_line(const char *s, size_t len, char sep, char out[3][64], size_t outlen[3])
{
	int n = 0;
	size_t i = 0;

	for (;;) {
		size_t o = 0;

		if (n == 3)
			return n;
		while (i < len && is_space(s[i]))
			i++;
		if (i < len && s[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					return -1;
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (o >= 63)
					return -1;
				out[n][o++] = s[i];
			}
			while (i < len && is_space(s[i]))
				i++;
			if (i < len && s[i] != sep)
				return -1;
		} else {
			for (; i < len && s[i] != sep; i++) {
				if (o >= 63)
					return -1;
				out[n][o++] = s[i];
			}
		}
		out[n][o] = '\0';
		outlen[n] = o;
		n++;
		if (i >= len)
			return n;
		i++; /* the separator */
	}
}

int carbon_parse_csv(const char *buf, size_t len, struct carbon_series *ret, char *err,
		     size_t err_size)
{
	struct carbon_series s = { 0 };
	size_t cap = 0, lineno = 0, pos = 0;
	bool first = true;
	char sep = 0;

	if (err_size)
		err[0] = '\0';
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;
		char f[3][64];
		size_t fl[3];
		int64_t t;
		double g;
		int n, rt, rg;

		pos += l + (nl ? 1 : 0);
		lineno++;
		if (l && line[l - 1] == '\r')
			l--;
		if (memchr(line, '\0', l)) {
			csv_error(err, err_size, lineno, "a NUL byte: not a text file");
			goto bad;
		}
		while (l && is_space(*line)) {
			line++;
			l--;
		}
		if (l == 0 || line[0] == '#')
			continue;
		if (!sep) /* the first line with content says which separator */
			sep = memchr(line, ';', l) && !memchr(line, ',', l) ? ';' : ',';
		n = split_line(line, l, sep, f, fl);
		if (n < 0) {
			csv_error(err, err_size, lineno, "a field is longer than 63 bytes or a quote "
							 "is not closed");
			goto bad;
		}
		if (n != 2) {
			if (first && n < 2)
				csv_error(err, err_size, lineno, "one field: each line holds a "
								 "timestamp and an intensity "
								 "(gCO2e/kWh), separated by ','");
			else
				csv_error(err, err_size, lineno, "%s fields: each line holds two, a "
								 "timestamp and an intensity "
								 "(gCO2e/kWh)", n < 2 ? "fewer than two" :
										  "more than two");
			goto bad;
		}
		rt = carbon_parse_time(f[0], fl[0], &t);
		rg = carbon_parse_intensity(f[1], fl[1], &g);
		if (first && rt < 0 && rg < 0) { /* a header line */
			first = false;
			continue;
		}
		first = false;
		if (rt < 0) {
			csv_error(err, err_size, lineno, "'%s' is not a time: give ISO 8601 "
							 "(2024-05-01T13:00:00Z; no zone is UTC) or "
							 "Unix seconds", f[0]);
			goto bad;
		}
		if (rg < 0) {
			csv_error(err, err_size, lineno, "'%s' is not an intensity in gCO2e/kWh from "
							 "0 to %.0f", f[1], CARBON_INTENSITY_MAX);
			goto bad;
		}
		if (s.nrows && t <= s.rows[s.nrows - 1].t_s) {
			csv_error(err, err_size, lineno, "'%s' is not after the row before: rows go "
							 "oldest first, one per time", f[0]);
			goto bad;
		}
		if (s.nrows == CARBON_ROWS_MAX) {
			csv_error(err, err_size, lineno, "more than %d rows", CARBON_ROWS_MAX);
			goto bad;
		}
		if (s.nrows == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct carbon_row *r = realloc(s.rows, ncap * sizeof(*r));

			if (!r) {
				carbon_series_done(&s);
				return -ENOMEM;
			}
			s.rows = r;
			cap = ncap;
		}
		s.rows[s.nrows++] = (struct carbon_row){ t, g };
	}
	if (!s.nrows) {
		csv_error(err, err_size, lineno ? lineno : 1,
			  "no rows: give lines of 'timestamp,intensity' (gCO2e/kWh)");
		goto bad;
	}
	s.step_s = 3600;
	for (size_t i = 1; i < s.nrows; i++)
		if (i == 1 || s.rows[i].t_s - s.rows[i - 1].t_s < s.step_s)
			s.step_s = s.rows[i].t_s - s.rows[i - 1].t_s;
	*ret = s;
	return 0;
bad:
	carbon_series_done(&s);
	return -EINVAL;
}

void carbon_series_done(struct carbon_series *s)
{
	free(s->rows);
	*s = (struct carbon_series){ 0 };
}

double carbon_series_at(const struct carbon_series *s, int64_t t_s)
{
	size_t lo = 0, hi;

	if (!s || !s->nrows || t_s < s->rows[0].t_s)
		return NAN;
	hi = s->nrows;
	/* The last row at or before t_s. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->rows[mid].t_s <= t_s)
			lo = mid;
		else
			hi = mid;
	}
	if (t_s - s->rows[lo].t_s >= s->step_s)
		return NAN;
	return s->rows[lo].g_per_kwh;
}

const char *carbon_origin_name(enum carbon_origin o)
{
	switch (o) {
	case CARBON_OPTION:
		return "option";
	case CARBON_CONFIG:
		return "config";
	case CARBON_FILE:
		return "file";
	default:
		return "none";
	}
}

void carbon_init(struct carbon *c)
{
	*c = (struct carbon){ .fixed_g_per_kwh = NAN };
}

void carbon_done(struct carbon *c)
{
	carbon_series_done(&c->series);
	carbon_init(c);
}

bool carbon_enabled(const struct carbon *c)
{
	return c && (!isnan(c->fixed_g_per_kwh) || c->series.nrows);
}

double carbon_at(const struct carbon *c, int64_t t_s, enum carbon_origin *ret_origin)
{
	double g = c ? carbon_series_at(&c->series, t_s) : NAN;
	enum carbon_origin o = CARBON_FILE;

	if (isnan(g) && c && !isnan(c->fixed_g_per_kwh)) {
		g = c->fixed_g_per_kwh;
		o = c->fixed_origin;
	}
	if (ret_origin)
		*ret_origin = isnan(g) ? CARBON_NONE : o;
	return g;
}

double carbon_grams(uint64_t uj, double g_per_kwh)
{
	return (double)uj * g_per_kwh / CARBON_UJ_PER_KWH;
}

void carbon_acc_init(struct carbon_acc *a)
{
	*a = (struct carbon_acc){ .min_g_per_kwh = NAN, .max_g_per_kwh = NAN };
}

double carbon_acc_add(struct carbon_acc *a, const struct carbon *c, uint64_t uj, int64_t t_s)
{
	enum carbon_origin o;
	double g = carbon_at(c, t_s, &o), grams;

	if (isnan(g)) {
		a->uncovered_uj += uj;
		return 0;
	}
	grams = carbon_grams(uj, g);
	a->grams += grams;
	a->covered_uj += uj;
	a->min_g_per_kwh = isnan(a->min_g_per_kwh) ? g : fmin(a->min_g_per_kwh, g);
	a->max_g_per_kwh = isnan(a->max_g_per_kwh) ? g : fmax(a->max_g_per_kwh, g);
	if (o == CARBON_FILE)
		a->from_series = true;
	else
		a->from_fixed = true;
	return grams;
}

const char *carbon_describe(const struct carbon *c, const struct carbon_acc *a, char *buf,
			    size_t size)
{
	char range[64], uncovered[96] = "";
	int n;

	if (!a || isnan(a->min_g_per_kwh)) {
		/* Nothing summed yet: what would apply. */
		if (c && c->series.nrows)
			snprintf(range, sizeof(range), "the hourly intensity");
		else if (c && !isnan(c->fixed_g_per_kwh))
			snprintf(range, sizeof(range), "%.4g gCO2e/kWh", c->fixed_g_per_kwh);
		else
			snprintf(range, sizeof(range), "no intensity");
	} else if (a->min_g_per_kwh == a->max_g_per_kwh) {
		snprintf(range, sizeof(range), "%.4g gCO2e/kWh", a->min_g_per_kwh);
	} else {
		snprintf(range, sizeof(range), "%.4g-%.4g gCO2e/kWh", a->min_g_per_kwh,
			 a->max_g_per_kwh);
	}
	if (a && a->uncovered_uj) {
		char e[32];

		snprintf(uncovered, sizeof(uncovered), "; %s outside its hours had none",
			 carbon_energy(a->uncovered_uj, e, sizeof(e)));
	}
	if (c && c->series.nrows && !isnan(c->fixed_g_per_kwh) && (!a || a->from_fixed))
		n = snprintf(buf, size, "at %s from %s, else %.4g from %s", range, c->series_from,
			     c->fixed_g_per_kwh, c->fixed_from);
	else if (c && c->series.nrows)
		n = snprintf(buf, size, "at %s from %s%s", range, c->series_from, uncovered);
	else if (c && !isnan(c->fixed_g_per_kwh))
		n = snprintf(buf, size, "at %s from %s", range, c->fixed_from);
	else
		n = snprintf(buf, size, "no carbon intensity given");
	(void)n;
	return buf;
}

const char *carbon_mass(double grams, char *buf, size_t size)
{
	if (isnan(grams))
		snprintf(buf, size, "-");
	else if (grams >= 1e6)
		snprintf(buf, size, "%.3g t", grams / 1e6);
	else if (grams >= 1e3)
		snprintf(buf, size, "%.3g kg", grams / 1e3);
	else if (grams >= 1 || grams == 0)
		snprintf(buf, size, "%.3g g", grams);
	else if (grams >= 1e-3)
		snprintf(buf, size, "%.3g mg", grams * 1e3);
	else
		snprintf(buf, size, "%.3g µg", grams * 1e6);
	return buf;
}

const char *carbon_energy(uint64_t uj, char *buf, size_t size)
{
	double j = (double)uj / 1e6;

	if (uj >= 36000000000ULL)
		snprintf(buf, size, "%.4g kWh", (double)uj / CARBON_UJ_PER_KWH);
	else if (j >= 1e3)
		snprintf(buf, size, "%.2f kJ", j / 1e3);
	else if (j >= 1 || uj == 0)
		snprintf(buf, size, "%.2f J", j);
	else
		snprintf(buf, size, "%.0f mJ", j * 1e3);
	return buf;
}
