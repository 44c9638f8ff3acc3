/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* parse.c - pure parsers for numbers and CPU lists in sysfs/procfs files. */
#include <errno.h>
#include <stdbool.h>

#include "parse.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t parse_trim(const char **pbuf, size_t len)
{
	const char *b = *pbuf;

	while (len > 0 && is_blank(*b)) {
		b++;
		len--;
	}
	while (len > 0 && is_blank(b[len - 1]))
		len--;
	*pbuf = b;
	return len;
}

/* Digits only, into *ret; -EINVAL/-ERANGE. len > 0. */
static int digits_u64(const char *b, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (b[i] < '0' || b[i] > '9')
			return -EINVAL;
		d = (unsigned)(b[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int parse_u64(const char *buf, size_t len, uint64_t *ret)
{
	uint64_t v;
	int r;

	len = parse_trim(&buf, len);
	if (len == 0)
		return -ENODATA;
	r = digits_u64(buf, len, &v);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int parse_s64(const char *buf, size_t len, int64_t *ret)
{
	bool neg = false;
	uint64_t v;
	int r;

	len = parse_trim(&buf, len);
	if (len == 0)
		return -ENODATA;
	if (buf[0] == '-' || buf[0] == '+') {
		neg = buf[0] == '-';
		buf++;
		len--;
	}
	r = digits_u64(buf, len, &v);
	if (r < 0)
		return r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -ERANGE;
		*ret = (int64_t)v;
	}
	return 0;
}

int parse_cpulist(const char *buf, size_t len, struct cpuset *ret)
{
	struct cpuset s;
	size_t i = 0;

	cpuset_zero(&s);
	len = parse_trim(&buf, len);
	while (i < len) {
		size_t start = i, dash = 0;
		uint64_t lo, hi;
		int r;

		while (i < len && buf[i] != ',') {
			if (buf[i] == '-' && !dash)
				dash = i;
			i++;
		}
		if (dash) {
			r = digits_u64(buf + start, dash - start, &lo);
			if (r == 0)
				r = digits_u64(buf + dash + 1, i - dash - 1, &hi);
		} else {
			r = digits_u64(buf + start, i - start, &lo);
			hi = lo;
		}
		if (r < 0)
			return r == -ERANGE ? -ERANGE : -EINVAL;
		if (hi < lo || hi >= CPUSET_MAX_CPUS)
			return -ERANGE;
		for (uint64_t c = lo; c <= hi; c++)
			cpuset_set(&s, (unsigned)c);
		if (i < len) {
			i++; /* the comma */
			if (i == len)
				return -EINVAL; /* trailing comma */
		}
	}
	*ret = s;
	return 0;
}
