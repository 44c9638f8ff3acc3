/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* baseline.c - the parser of the static power file (baseline.h, docs/FORMAT.md). Pure. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "baseline.h"
#include "util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

/* One word of [p, end): its start and length; *p moves past it and the blanks after. */
static void next_word(const char **p, const char *end, const char **ret_w, size_t *ret_len)
{
	const char *w;

	while (*p < end && is_blank(**p))
		(*p)++;
	w = *p;
	while (*p < end && !is_blank(**p))
		(*p)++;
	*ret_w = w;
	*ret_len = (size_t)(*p - w);
	while (*p < end && is_blank(**p))
		(*p)++;
}

/* A decimal number of at most BASELINE_MAX_MW, all of [w, w + len). */
static int parse_mw(const char *w, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	if (v > BASELINE_MAX_MW)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_baseline(const char *buf, size_t len, struct baseline *ret, unsigned *err_line)
{
	struct baseline b;		/* built here, copied to *ret only on success */
	const char *p = buf, *end = buf + len;
	bool have_version = false;
	unsigned line = 0;
	int r = 0;

	if (!buf || !ret)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *w1, *w2, *w3;
		size_t l1, l2, l3;
		uint64_t v;

		if (!eol)
			eol = end;
		line++;
		next_word(&p, eol, &w1, &l1);
		if (l1 == 0 || w1[0] == '#') {
			p = eol + (eol < end);
			continue;
		}
		next_word(&p, eol, &w2, &l2);
		next_word(&p, eol, &w3, &l3);
		if (l2 == 0 || l3 != 0 || memchr(w1, '\0', l1) || memchr(w2, '\0', l2)) {
			r = -EINVAL;
			goto fail;
		}
		if (!have_version) {
			if (l1 != 18 || memcmp(w1, "joulestat-baseline", 18) != 0) {
				r = -EINVAL;
				goto fail;
			}
			if (parse_mw(w2, l2, &v) < 0) {
				r = -EINVAL;
				goto fail;
			}
			if (v != BASELINE_VERSION) {
				r = -EPROTONOSUPPORT;
				goto fail;
			}
			have_version = true;
			p = eol + (eol < end);
			continue;
		}
		if (l1 >= BASELINE_NAME_MAX) {
			r = -EINVAL;
			goto fail;
		}
		for (size_t i = 0; i < l1; i++)
			if (!is_name_char(w1[i])) {
				r = -EINVAL;
				goto fail;
			}
		if (parse_mw(w2, l2, &v) < 0) {
			r = -EINVAL;
			goto fail;
		}
		for (size_t i = 0; i < b.n; i++)
			if (strlen(b.e[i].name) == l1 && memcmp(b.e[i].name, w1, l1) == 0) {
				r = -EINVAL;
				goto fail;
			}
		if (b.n == BASELINE_MAX) {
			r = -E2BIG;
			goto fail;
		}
		memcpy(b.e[b.n].name, w1, l1);
		b.e[b.n].name[l1] = '\0';
		b.e[b.n].static_mw = v;
		b.n++;
		p = eol + (eol < end);
	}
	if (!have_version) {
		line = 0;
		r = -EINVAL;
		goto fail;
	}
	*ret = b;
	return 0;
fail:
	if (err_line)
		*err_line = line;
	return r;
}

int baseline_find(const struct baseline *b, const char *name, const char *kind)
{
	if (!b || !name)
		return -EINVAL;
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->e[i].name, name) == 0)
			return (int)i;
	for (size_t i = 0; kind && i < b->n; i++)
		if (strcmp(b->e[i].name, kind) == 0)
			return (int)i;
	return -ENOENT;
}

int baseline_lookup(const struct baseline *b, const char *name, const char *kind,
		    uint64_t *ret_mw)
{
	int k;

	if (!ret_mw)
		return -EINVAL;
	k = baseline_find(b, name, kind);
	if (k < 0)
		return k;
	*ret_mw = b->e[k].static_mw;
	return 0;
}
