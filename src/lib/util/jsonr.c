/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* jsonr.c - a strict JSON reader with exact 64-bit integers (see jsonr.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "util.h"

struct parser {
	const char *buf;
	size_t len;
	size_t pos;
	struct jsonr_node *nodes;
	size_t nnodes, cap;
	char *strings;		/* len + 1 bytes: decoded text is never longer than its source */
	size_t slen;
	struct jsonr_error *err;
	int nomem;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->err->msg[0] == '\0') {
		p->err->offset = p->pos;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* A new node; its index, or -ENOMEM. Pointers into nodes[] move on growth: use indices. */
static long new_node(struct parser *p, enum jsonr_type t)
{
	if (p->nnodes == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct jsonr_node *n = realloc(p->nodes, cap * sizeof(*n));

		if (!n) {
			p->nomem = 1;
			return -ENOMEM;
		}
		p->nodes = n;
		p->cap = cap;
	}
	p->nodes[p->nnodes] = (struct jsonr_node){ .type = t };
	return (long)p->nnodes++;
}

static int hex4(struct parser *p, unsigned *ret)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->buf[p->pos + (size_t)i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "bad hex digit in \\u escape");
	}
	p->pos += 4;
	*ret = v;
	return 0;
}

static void put_utf8(struct parser *p, unsigned cp)
{
	char *o = p->strings + p->slen;

	if (cp < 0x80) {
		o[0] = (char)cp;
		p->slen += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		p->slen += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		p->slen += 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		p->slen += 4;
	}
}

/*
 * A string at p->pos (the opening quote), decoded into p->strings. Sets
 * *ret_off to its offset there and *ret_len to its length.
 */
static int parse_string(struct parser *p, size_t *ret_off, size_t *ret_len)
{
	size_t start;

	p->pos++; /* the quote */
	start = p->slen;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return fail(p, "unterminated string");
		c = (unsigned char)p->buf[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return fail(p, "control character 0x%02x in a string", c);
		if (c != '\\') {
			p->strings[p->slen++] = (char)c;
			p->pos++;
			continue;
		}
		p->pos++;
		if (p->pos >= p->len)
			return fail(p, "unterminated string");
		c = (unsigned char)p->buf[p->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			p->strings[p->slen++] = (char)c;
			break;
		case 'b':
			p->strings[p->slen++] = '\b';
			break;
		case 'f':
			p->strings[p->slen++] = '\f';
			break;
		case 'n':
			p->strings[p->slen++] = '\n';
			break;
		case 'r':
			p->strings[p->slen++] = '\r';
			break;
		case 't':
			p->strings[p->slen++] = '\t';
			break;
		case 'u': {
			unsigned cp, lo;
			int r = hex4(p, &cp);

			if (r < 0)
				return r;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, "unpaired low surrogate in \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->len - p->pos < 2 || p->buf[p->pos] != '\\' ||
				    p->buf[p->pos + 1] != 'u')
					return fail(p, "unpaired high surrogate in \\u escape");
				p->pos += 2;
				r = hex4(p, &lo);
				if (r < 0)
					return r;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(p, "unpaired high surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(p, "\\u0000 in a string is not supported");
			put_utf8(p, cp);
			break;
		}
		default:
			p->pos--;
			return fail(p, "unknown escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
	p->strings[p->slen++] = '\0';
	*ret_off = start;
	*ret_len = p->slen - 1 - start;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, struct jsonr_node *n)
{
	bool neg = false, integral = true, overflow = false;
	uint64_t mant = 0;
	int exp10 = 0;
	long ex = 0;
	bool ex_neg = false;
	long double v;

	if (p->buf[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->len || !is_digit(p->buf[p->pos]))
		return fail(p, "expected a digit");
	if (p->buf[p->pos] == '0' && p->pos + 1 < p->len && is_digit(p->buf[p->pos + 1]))
		return fail(p, "leading zero in a number");
	while (p->pos < p->len && is_digit(p->buf[p->pos])) {
		unsigned d = (unsigned)(p->buf[p->pos++] - '0');

		if (mant > (UINT64_MAX - d) / 10) {
			overflow = true;
			exp10++; /* keep the magnitude for the double */
		} else {
			mant = mant * 10 + d;
		}
	}
	if (p->pos < p->len && p->buf[p->pos] == '.') {
		integral = false;
		p->pos++;
		if (p->pos >= p->len || !is_digit(p->buf[p->pos]))
			return fail(p, "expected a digit after '.'");
		while (p->pos < p->len && is_digit(p->buf[p->pos])) {
			unsigned d = (unsigned)(p->buf[p->pos++] - '0');

			if (mant <= (UINT64_MAX - d) / 10) {
				mant = mant * 10 + d;
				exp10--;
			}
		}
	}
	if (p->pos < p->len && (p->buf[p->pos] == 'e' || p->buf[p->pos] == 'E')) {
		integral = false;
		p->pos++;
		if (p->pos < p->len && (p->buf[p->pos] == '+' || p->buf[p->pos] == '-'))
			ex_neg = p->buf[p->pos++] == '-';
		if (p->pos >= p->len || !is_digit(p->buf[p->pos]))
			return fail(p, "expected a digit in the exponent");
		while (p->pos < p->len && is_digit(p->buf[p->pos])) {
			if (ex < 100000)
				ex = ex * 10 + (p->buf[p->pos] - '0');
			p->pos++;
		}
	}
	/* Computed here rather than with strtod(), which follows the locale's decimal point. */
	v = (long double)mant * powl(10.0L, (long double)(exp10 + (ex_neg ? -ex : ex)));
	n->dbl = (double)(neg ? -v : v);
	if (integral && !overflow) {
		if (!neg) {
			n->is_u64 = true;
			n->u64 = mant;
			if (mant <= (uint64_t)INT64_MAX) {
				n->is_i64 = true;
				n->i64 = (int64_t)mant;
			}
		} else if (mant <= (uint64_t)INT64_MAX + 1) {
			n->is_i64 = true;
			n->i64 = mant == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mant;
			if (mant == 0) {
				n->is_u64 = true; /* -0 */
				n->u64 = 0;
			}
		}
	}
	return 0;
}

static bool match_word(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->pos < n || memcmp(p->buf + p->pos, w, n) != 0)
		return false;
	p->pos += n;
	return true;
}

static long parse_value(struct parser *p, int depth);

/* Link child `c` after `last` (or as first child) of container `parent`. */
static void link_child(struct parser *p, long parent, long *last, long c)
{
	if (*last)
		p->nodes[*last].next = (uint32_t)c;
	else
		p->nodes[parent].child = (uint32_t)c;
	p->nodes[parent].count++;
	*last = c;
}

static long parse_array(struct parser *p, int depth)
{
	long self = new_node(p, JSONR_ARRAY), last = 0;

	if (self < 0)
		return self;
	p->pos++; /* [ */
	skip_ws(p);
	if (p->pos < p->len && p->buf[p->pos] == ']') {
		p->pos++;
		return self;
	}
	for (;;) {
		long c = parse_value(p, depth + 1);

		if (c < 0)
			return c;
		link_child(p, self, &last, c);
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated array");
		if (p->buf[p->pos] == ']') {
			p->pos++;
			return self;
		}
		if (p->buf[p->pos] != ',')
			return fail(p, "expected ',' or ']' in an array");
		p->pos++;
	}
}

static long parse_object(struct parser *p, int depth)
{
	long self = new_node(p, JSONR_OBJECT), last = 0;

	if (self < 0)
		return self;
	p->pos++; /* { */
	skip_ws(p);
	if (p->pos < p->len && p->buf[p->pos] == '}') {
		p->pos++;
		return self;
	}
	for (;;) {
		size_t koff, klen;
		long c;
		int r;

		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated object");
		if (p->buf[p->pos] != '"')
			return fail(p, "expected a member name in quotes");
		r = parse_string(p, &koff, &klen);
		if (r < 0)
			return r;
		skip_ws(p);
		if (p->pos >= p->len || p->buf[p->pos] != ':')
			return fail(p, "expected ':' after a member name");
		p->pos++;
		c = parse_value(p, depth + 1);
		if (c < 0)
			return c;
		p->nodes[c].key = (const char *)(uintptr_t)(koff + 1); /* fixed up at the end */
		link_child(p, self, &last, c);
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated object");
		if (p->buf[p->pos] == '}') {
			p->pos++;
			return self;
		}
		if (p->buf[p->pos] != ',')
			return fail(p, "expected ',' or '}' in an object");
		p->pos++;
	}
}

/* One value at p->pos; returns its node index or -errno. */
static long parse_value(struct parser *p, int depth)
{
	long self;
	char c;

	skip_ws(p);
	if (depth >= JSONR_MAX_DEPTH)
		return fail(p, "nested deeper than %d levels", JSONR_MAX_DEPTH);
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input, expected a value");
	c = p->buf[p->pos];
	switch (c) {
	case '{':
		return parse_object(p, depth);
	case '[':
		return parse_array(p, depth);
	case '"': {
		size_t off, len;
		int r;

		self = new_node(p, JSONR_STRING);
		if (self < 0)
			return self;
		r = parse_string(p, &off, &len);
		if (r < 0)
			return r;
		p->nodes[self].str = (const char *)(uintptr_t)(off + 1); /* fixed up at the end */
		p->nodes[self].len = len;
		return self;
	}
	case 't':
	case 'f':
	case 'n':
		self = new_node(p, c == 'n' ? JSONR_NULL : JSONR_BOOL);
		if (self < 0)
			return self;
		if (!match_word(p, c == 't' ? "true" : c == 'f' ? "false" : "null"))
			return fail(p, "unknown word (expected true, false or null)");
		p->nodes[self].boolean = c == 't';
		return self;
	default:
		if (c == '-' || is_digit(c)) {
			int r;

			self = new_node(p, JSONR_NUMBER);
			if (self < 0)
				return self;
			r = parse_number(p, &p->nodes[self]);
			return r < 0 ? r : self;
		}
		return fail(p, "unexpected character '%c'",
			    c >= 0x20 && c < 0x7f ? c : '?');
	}
}

int jsonr_parse(const char *buf, size_t len, struct jsonr_doc *ret, struct jsonr_error *err)
{
	struct parser p = { .buf = buf, .len = len, .err = err };
	long root;
	int r;

	if (err)
		*err = (struct jsonr_error){ 0 };
	if (!buf || !ret)
		return -EINVAL;
	if (len > INT32_MAX)
		return -E2BIG;
	p.strings = malloc(len + 1);
	if (!p.strings)
		return -ENOMEM;
	root = parse_value(&p, 0);
	if (root < 0) {
		r = p.nomem ? -ENOMEM : (int)root;
		goto fail;
	}
	skip_ws(&p);
	if (p.pos != p.len) {
		r = fail(&p, "unexpected text after the value");
		goto fail;
	}
	/* Offsets (stored + 1, so that 0 stays NULL) become pointers now that the buffers are final. */
	for (size_t i = 0; i < p.nnodes; i++) {
		if (p.nodes[i].key)
			p.nodes[i].key = p.strings + ((uintptr_t)p.nodes[i].key - 1);
		if (p.nodes[i].str)
			p.nodes[i].str = p.strings + ((uintptr_t)p.nodes[i].str - 1);
	}
	*ret = (struct jsonr_doc){ .nodes = p.nodes, .nnodes = p.nnodes, .strings = p.strings };
	return 0;
fail:
	free(p.nodes);
	free(p.strings);
	return r;
}

void jsonr_free(struct jsonr_doc *doc)
{
	if (!doc)
		return;
	free(doc->nodes);
	free(doc->strings);
	*doc = (struct jsonr_doc){ 0 };
}

const struct jsonr_node *jsonr_first(const struct jsonr_doc *doc, const struct jsonr_node *n)
{
	if (!n || (n->type != JSONR_ARRAY && n->type != JSONR_OBJECT) || !n->child)
		return NULL;
	return &doc->nodes[n->child];
}

const struct jsonr_node *jsonr_next(const struct jsonr_doc *doc, const struct jsonr_node *n)
{
	return n && n->next ? &doc->nodes[n->next] : NULL;
}

const struct jsonr_node *jsonr_get(const struct jsonr_doc *doc, const struct jsonr_node *obj,
				   const char *key)
{
	if (!obj || obj->type != JSONR_OBJECT)
		return NULL;
	for (const struct jsonr_node *c = jsonr_first(doc, obj); c; c = jsonr_next(doc, c))
		if (strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

const char *jsonr_type_name(enum jsonr_type t)
{
	static const char *const names[] = { "null", "boolean", "number", "string", "array",
					     "object" };

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "unknown";
}
