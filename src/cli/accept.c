/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* accept.c - parse an HTTP Accept header and pick the metrics format (see accept.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "accept.h"

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

struct cursor {
	const char *p;
	const char *end;
};

static void skip_ows(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* A token: [start, start + *len). Returns -EINVAL when empty. */
static int token(struct cursor *c, const char **start, size_t *len)
{
	*start = c->p;
	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	*len = (size_t)(c->p - *start);
	return *len ? 0 : -EINVAL;
}

/*
 * A parameter value: a token, or a quoted-string whose content (escapes
 * kept as they are) is [start, start + *len).
 */
static int param_value(struct cursor *c, const char **start, size_t *len)
{
	if (c->p < c->end && *c->p == '"') {
		c->p++;
		*start = c->p;
		while (c->p < c->end && *c->p != '"') {
			unsigned char ch = (unsigned char)*c->p;

			if (ch == '\\') {
				c->p++;
				if (c->p == c->end)
					return -EINVAL;
			} else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				return -EINVAL;
			}
			c->p++;
		}
		if (c->p == c->end)
			return -EINVAL;
		*len = (size_t)(c->p - *start);
		c->p++;
		return 0;
	}
	return token(c, start, len);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths. */
static int parse_q(const char *s, size_t n, uint16_t *ret)
{
	unsigned v = 0, scale = 1000;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -EINVAL;
	v = (unsigned)(s[0] - '0') * 1000;
	if (n > 1) {
		if (s[1] != '.' || n > 5)
			return -EINVAL;
		for (i = 2; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			scale /= 10;
			v += (unsigned)(s[i] - '0') * scale;
		}
	}
	if (v > 1000)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* What we can write, and the specificity of the best range seen for it so far. */
struct candidate {
	const char *type, *subtype, *version;
	int best;	/* -1 none yet; 0 any type; 1 type wildcard; 2 exact; 3 exact and version */
	uint16_t q;
};

int parse_accept(const char *buf, size_t len, struct accept_pref *ret)
{
	struct candidate cand[2] = {
		{ "application", "openmetrics-text", "1.0.0", -1, 0 },
		{ "text", "plain", "0.0.4", -1, 0 },
	};
	struct cursor c = { buf, buf + len };

	if (!buf && len)
		return -EINVAL;
	while (c.p < c.end) {
		const char *type, *sub, *ver = NULL;
		size_t tlen, slen, vlen = 0;
		uint16_t q = 1000;

		skip_ows(&c);
		if (c.p < c.end && *c.p == ',') { /* an empty list element */
			c.p++;
			continue;
		}
		if (c.p == c.end)
			break;
		if (token(&c, &type, &tlen) < 0 || c.p == c.end || *c.p != '/')
			return -EINVAL;
		c.p++;
		if (token(&c, &sub, &slen) < 0)
			return -EINVAL;
		/* A wildcard type only with a wildcard subtype. */
		if (ieq(type, tlen, "*") && !ieq(sub, slen, "*"))
			return -EINVAL;
		for (;;) {
			const char *pn, *pv;
			size_t pnl, pvl;

			skip_ows(&c);
			if (c.p == c.end || *c.p == ',')
				break;
			if (*c.p != ';')
				return -EINVAL;
			c.p++;
			skip_ows(&c);
			if (c.p < c.end && (*c.p == ';' || *c.p == ','))
				continue; /* an empty parameter, as browsers send */
			if (token(&c, &pn, &pnl) < 0 || c.p == c.end || *c.p != '=')
				return -EINVAL;
			c.p++;
			if (param_value(&c, &pv, &pvl) < 0)
				return -EINVAL;
			if (ieq(pn, pnl, "q")) {
				if (parse_q(pv, pvl, &q) < 0)
					return -EINVAL;
			} else if (ieq(pn, pnl, "version")) {
				ver = pv;
				vlen = pvl;
			}
		}
		for (size_t i = 0; i < 2; i++) {
			struct candidate *k = &cand[i];
			int spec;

			if (ieq(type, tlen, "*"))
				spec = 0;
			else if (!ieq(type, tlen, k->type))
				continue;
			else if (ieq(sub, slen, "*"))
				spec = 1;
			else if (!ieq(sub, slen, k->subtype))
				continue;
			else if (!ver)
				spec = 2;
			else if (vlen == strlen(k->version) && memcmp(ver, k->version, vlen) == 0)
				spec = 3;
			else
				continue;
			/* The most specific range decides; among equals, the first. */
			if (spec > k->best) {
				k->best = spec;
				k->q = q;
			}
		}
	}
	ret->q_openmetrics = cand[0].q;
	ret->q_text = cand[1].q;
	return 0;
}

enum accept_choice accept_choose(const struct accept_pref *p)
{
	if (p->q_openmetrics == 0 && p->q_text == 0)
		return ACCEPT_NONE;
	return p->q_openmetrics > p->q_text ? ACCEPT_OPENMETRICS : ACCEPT_TEXT;
}
