/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* expo.c - Prometheus 0.0.4 and OpenMetrics 1.0 text, escaped and validated (see expo.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

const char *expo_content_type(enum expo_format fmt)
{
	if (fmt == EXPO_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

int expo_buf_append(struct expo_buf *b, const char *s, size_t len)
{
	if (b->cap - b->len <= len) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap - b->len <= len) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		p = realloc(b->data, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

void expo_buf_free(struct expo_buf *b)
{
	free(b->data);
	*b = (struct expo_buf){ 0 };
}

static void put(struct expo *e, const char *s, size_t len)
{
	int r;

	if (e->error)
		return;
	r = expo_buf_append(e->out, s, len);
	if (r < 0)
		e->error = r;
}

static void puts_(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points above
 * U+10FFFF are invalid (RFC 3629).
 */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Escape `s` for a label value (quote != 0) or a HELP text (quote: escape '"' too, OpenMetrics). */
static int escape(struct expo_buf *out, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0;
	int r = 0;

	/* Copy runs of plain bytes at once; stop at what needs escaping. */
	for (size_t i = 0; i < n && r == 0;) {
		size_t l = utf8_valid_len(p + i, n - i);
		const char *rep = NULL;

		if (l == 0)
			rep = "\xef\xbf\xbd"; /* U+FFFD */
		else if (p[i] == '\\')
			rep = "\\\\";
		else if (p[i] == '\n')
			rep = "\\n";
		else if (p[i] == '"' && quote)
			rep = "\\\"";
		if (!rep) {
			run += l;
			i += l;
			continue;
		}
		if (run)
			r = expo_buf_append(out, s + i - run, run);
		if (r == 0)
			r = expo_buf_append(out, rep, strlen(rep));
		run = 0;
		i += l ? l : 1;
	}
	if (r == 0 && run)
		r = expo_buf_append(out, s + n - run, run);
	return r;
}

int expo_escape_label_value(struct expo_buf *out, const char *s)
{
	return escape(out, s, true);
}

static void put_escaped(struct expo *e, const char *s, bool quote)
{
	int r;

	if (e->error)
		return;
	r = escape(e->out, s, quote);
	if (r < 0)
		e->error = r;
}

void expo_init(struct expo *e, struct expo_buf *out, enum expo_format fmt)
{
	*e = (struct expo){ .out = out, .fmt = fmt };
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
static bool valid_metric_name(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == ':'))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool valid_family(const struct expo_family *f)
{
	if (!valid_metric_name(f->name))
		return false;
	if (f->type == EXPO_COUNTER && ends_with(f->name, "_total"))
		return false;
	if (f->unit && *f->unit) {
		size_t n = strlen(f->name), m = strlen(f->unit);

		if (n <= m + 1 || f->name[n - m - 1] != '_' || !ends_with(f->name, f->unit))
			return false;
	}
	return f->type == EXPO_COUNTER || f->type == EXPO_GAUGE;
}

/* The name samples carry, and the name 0.0.4 metadata uses. */
static void put_sample_name(struct expo *e)
{
	puts_(e, e->fam->name);
	if (e->fam->type == EXPO_COUNTER)
		puts_(e, "_total");
}

void expo_family(struct expo *e, const struct expo_family *f)
{
	bool om = e->fmt == EXPO_OPENMETRICS;

	if (e->error)
		return;
	if (!valid_family(f)) {
		e->error = -EINVAL;
		return;
	}
	e->fam = f;
	/* 0.0.4 names the metadata after the samples; OpenMetrics after the family. */
	puts_(e, "# HELP ");
	if (om)
		puts_(e, f->name);
	else
		put_sample_name(e);
	puts_(e, " ");
	put_escaped(e, f->help ? f->help : "", om);
	puts_(e, "\n# TYPE ");
	if (om)
		puts_(e, f->name);
	else
		put_sample_name(e);
	puts_(e, f->type == EXPO_COUNTER ? " counter\n" : " gauge\n");
	if (om && f->unit && *f->unit) {
		puts_(e, "# UNIT ");
		puts_(e, f->name);
		puts_(e, " ");
		puts_(e, f->unit);
		puts_(e, "\n");
	}
}

static bool valid_label_name(const char *s)
{
	return s && valid_metric_name(s) && !strchr(s, ':') && strncmp(s, "__", 2) != 0;
}

static void put_labels(struct expo *e, const struct expo_label *labels, size_t n)
{
	if (!n)
		return;
	puts_(e, "{");
	for (size_t i = 0; i < n; i++) {
		if (!valid_label_name(labels[i].name) || !labels[i].value) {
			if (!e->error)
				e->error = -EINVAL;
			return;
		}
		if (i)
			puts_(e, ",");
		puts_(e, labels[i].name);
		puts_(e, "=\"");
		put_escaped(e, labels[i].value, true);
		puts_(e, "\"");
	}
	puts_(e, "}");
}

static bool sample_start(struct expo *e, const struct expo_label *labels, size_t n)
{
	if (e->error)
		return false;
	if (!e->fam) {
		e->error = -EINVAL;
		return false;
	}
	put_sample_name(e);
	put_labels(e, labels, n);
	puts_(e, " ");
	return !e->error;
}

void expo_sample_fixed(struct expo *e, const struct expo_label *labels, size_t nlabels,
		       uint64_t value, unsigned decimals)
{
	static const uint64_t pow10[] = { 1,	  10,	   100,	     1000,	10000,
					  100000, 1000000, 10000000, 100000000, 1000000000 };
	char buf[48];
	int n;

	if (decimals >= sizeof(pow10) / sizeof(pow10[0])) {
		if (!e->error)
			e->error = -EINVAL;
		return;
	}
	if (!sample_start(e, labels, nlabels))
		return;
	if (decimals == 0) {
		n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", value);
	} else {
		uint64_t frac = value % pow10[decimals];

		n = snprintf(buf, sizeof(buf), "%" PRIu64, value / pow10[decimals]);
		if (frac) {
			/* Trailing zeros are noise: 1.500000 is written 1.5. */
			unsigned d = decimals;

			while (frac % 10 == 0) {
				frac /= 10;
				d--;
			}
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%0*" PRIu64, (int)d,
				      frac);
		}
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\n");
	}
	put(e, buf, (size_t)n);
}

void expo_sample_double(struct expo *e, const struct expo_label *labels, size_t nlabels,
			double value)
{
	char buf[48];

	if (!sample_start(e, labels, nlabels))
		return;
	if (isnan(value))
		snprintf(buf, sizeof(buf), "NaN\n");
	else if (isinf(value))
		snprintf(buf, sizeof(buf), "%sInf\n", value > 0 ? "+" : "-");
	else
		snprintf(buf, sizeof(buf), "%.12g\n", value == 0 ? 0.0 : value); /* no "-0" */
	puts_(e, buf);
}

int expo_finish(struct expo *e)
{
	if (e->fmt == EXPO_OPENMETRICS)
		puts_(e, "# EOF\n");
	return e->error;
}
