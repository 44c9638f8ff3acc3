/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* jsonw.c - streaming JSON writer. */
#include <inttypes.h>
#include <math.h>

#include "jsonw.h"
#include "utf8.h"

void jsonw_init(struct jsonw *w, FILE *f, bool pretty)
{
	*w = (struct jsonw){ .f = f, .pretty = pretty };
}

static void indent(struct jsonw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Comma and indentation before a value or key at the current level. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->f);
		indent(w);
	}
	w->need_comma[w->depth] = true;
}

static void open_level(struct jsonw *w, char c)
{
	before_value(w);
	fputc(c, w->f);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_level(struct jsonw *w, char c)
{
	bool had = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	fputc(c, w->f);
	if (w->depth == 0 && w->pretty)
		fputc('\n', w->f);
}

void jsonw_begin_object(struct jsonw *w)
{
	open_level(w, '{');
}

void jsonw_end_object(struct jsonw *w)
{
	close_level(w, '}');
}

void jsonw_begin_array(struct jsonw *w)
{
	open_level(w, '[');
}

void jsonw_end_array(struct jsonw *w)
{
	close_level(w, ']');
}

void jsonw_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		size_t n = utf8_len(p);

		/* Valid UTF-8 out, whatever bytes a name holds: U+FFFD for each stray one. */
		if (n == 0) {
			fputs("\xef\xbf\xbd", f);
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n - 1;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	before_value(w);
	jsonw_escape(w->f, key);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_key = true;
}

void jsonw_string(struct jsonw *w, const char *s)
{
	before_value(w);
	jsonw_escape(w->f, s ? s : "");
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRId64, v);
}

void jsonw_double(struct jsonw *w, double v)
{
	before_value(w);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.10g", v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	fputs("null", w->f);
}
