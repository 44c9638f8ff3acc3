/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* rapl.c - pure parsers and register arithmetic shared by the RAPL sources. */
#include <errno.h>
#include <string.h>

#include "parse.h"
#include "rapl.h"
#include "util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits b[*i..] into *ret (< limit). -EINVAL when none, -ERANGE when ≥ limit. */
static int take_uint(const char *b, size_t len, size_t *i, uint64_t limit, uint64_t *ret)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && is_digit(b[*i])) {
		v = v * 10 + (uint64_t)(b[*i] - '0');
		if (v >= limit)
			return -ERANGE;
		(*i)++;
	}
	if (*i == start)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_powercap_zone_id(const char *buf, size_t len, struct powercap_zone_id *ret)
{
	struct powercap_zone_id z = { 0 };
	size_t i = 0, ctl_len;

	len = parse_trim(&buf, len);
	while (i < len && buf[i] != ':') {
		char c = buf[i];

		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-'))
			return -EINVAL;
		i++;
	}
	ctl_len = i;
	if (ctl_len == 0 || ctl_len >= sizeof(z.ctl) || i == len)
		return -EINVAL;
	memcpy(z.ctl, buf, ctl_len);
	while (i < len) {
		uint64_t v;
		int r;

		if (buf[i] != ':' || z.depth == POWERCAP_DEPTH_MAX)
			return -EINVAL;
		i++;
		r = take_uint(buf, len, &i, 65536, &v);
		if (r < 0)
			return -EINVAL;
		z.idx[z.depth++] = (unsigned)v;
	}
	*ret = z;
	return 0;
}

static bool eq(const char *b, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(b, lit, len) == 0;
}

int parse_rapl_zone_name(const char *buf, size_t len, struct rapl_zone_name *ret)
{
	static const struct {
		const char *name;
		enum joulestat_domain_kind kind;
	} plain[] = {
	    {"core", JOULESTAT_DOMAIN_CORE},
	    {"uncore", JOULESTAT_DOMAIN_UNCORE},
	    {"dram", JOULESTAT_DOMAIN_DRAM},
	    {"psys", JOULESTAT_DOMAIN_PSYS},
	};
	struct rapl_zone_name n = { .kind = JOULESTAT_DOMAIN_PACKAGE, .package = -1, .die = -1 };
	size_t i;
	uint64_t v;
	int r;

	len = parse_trim(&buf, len);
	for (size_t k = 0; k < ARRAY_SIZE(plain); k++)
		if (eq(buf, len, plain[k].name)) {
			n.kind = plain[k].kind;
			*ret = n;
			return 0;
		}
	if (len < 9 || memcmp(buf, "package-", 8) != 0)
		return -EINVAL;
	i = 8;
	r = take_uint(buf, len, &i, 65536, &v);
	if (r < 0)
		return r;
	n.package = (int)v;
	if (i < len) {
		if (len - i < 6 || memcmp(buf + i, "-die-", 5) != 0)
			return -EINVAL;
		i += 5;
		r = take_uint(buf, len, &i, 65536, &v);
		if (r < 0)
			return r;
		if (i != len)
			return -EINVAL;
		n.die = (int)v;
	}
	*ret = n;
	return 0;
}

int parse_perf_event_config(const char *buf, size_t len, uint64_t *ret_config)
{
	uint64_t v = 0;
	size_t i;
	bool hex = false, any = false;

	len = parse_trim(&buf, len);
	if (len == 0)
		return -EINVAL;
	/* One term "name=value"; a second term (a comma) is another PMU's format. */
	for (i = 0; i < len && buf[i] != '='; i++)
		if (buf[i] == ',')
			return -EOPNOTSUPP;
	if (i == len)
		return -EINVAL;
	if (!eq(buf, i, "event"))
		return -EOPNOTSUPP;
	i++;
	if (len - i > 2 && buf[i] == '0' && (buf[i + 1] == 'x' || buf[i + 1] == 'X')) {
		hex = true;
		i += 2;
	}
	for (; i < len; i++) {
		char c = buf[i];
		unsigned d;

		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c == ',')
			return -EOPNOTSUPP;
		else
			return -EINVAL;
		v = v * (hex ? 16 : 10) + d;
		if (v > 0xff)
			return -ERANGE;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*ret_config = v;
	return 0;
}

static unsigned __int128 gcd_u128(unsigned __int128 a, unsigned __int128 b)
{
	while (b) {
		unsigned __int128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int parse_perf_scale(const char *buf, size_t len, struct perf_scale *ret)
{
	const unsigned __int128 u64max = UINT64_MAX;
	unsigned __int128 num = 0, den = 1;
	long exp10 = 6, e = 0; /* 6: joules to µJ */
	unsigned sig = 0;
	bool dot = false, digits = false, eneg = false;
	size_t i = 0;

	len = parse_trim(&buf, len);
	if (i < len && buf[i] == '+')
		i++;
	for (; i < len; i++) {
		char c = buf[i];

		if (c == '.') {
			if (dot)
				return -EINVAL;
			dot = true;
			continue;
		}
		if (!is_digit(c))
			break;
		digits = true;
		if (num == 0 && c == '0') {
			/* Leading zeros are not significant. */
			if (dot)
				exp10--;
			continue;
		}
		if (sig < 38) {
			num = num * 10 + (unsigned)(c - '0');
			sig++;
			if (dot)
				exp10--;
		} else if (!dot) {
			exp10++; /* an integer digit beyond 38 significant ones */
		}
	}
	if (!digits)
		return -EINVAL;
	if (i < len) {
		if (buf[i] != 'e' && buf[i] != 'E')
			return -EINVAL;
		i++;
		if (i < len && (buf[i] == '-' || buf[i] == '+')) {
			eneg = buf[i] == '-';
			i++;
		}
		if (i == len)
			return -EINVAL;
		for (; i < len; i++) {
			if (!is_digit(buf[i]))
				return -EINVAL;
			if (e < 100000)
				e = e * 10 + (buf[i] - '0');
		}
		exp10 += eneg ? -e : e;
	}
	if (num == 0)
		return -EINVAL;
	while (num % 10 == 0) {
		num /= 10;
		exp10++;
	}
	for (; exp10 > 0; exp10--) {
		if (num > u64max)
			return -ERANGE;
		num *= 10;
	}
	/* den = 10^-exp10 must fit in 128 bits (10^38 does): drop digits of num beyond that. */
	for (; exp10 < -38; exp10++)
		num /= 10;
	for (; exp10 < 0; exp10++)
		den *= 10;
	if (num == 0)
		return -ERANGE;
	{
		unsigned __int128 g = gcd_u128(num, den);

		num /= g;
		den /= g;
	}
	/* Not representable in 64 bits: keep the leading digits of both. */
	while (num > u64max || den > u64max) {
		num /= 10;
		den /= 10;
	}
	if (num == 0 || den == 0)
		return -ERANGE;
	ret->mul = (uint64_t)num;
	ret->div = (uint64_t)den;
	return 0;
}

int parse_perf_unit(const char *buf, size_t len)
{
	len = parse_trim(&buf, len);
	return eq(buf, len, "Joules") ? 0 : -EINVAL;
}

int perf_scale_to_uj(uint64_t count, const struct perf_scale *s, uint64_t *ret_uj)
{
	/* count × mul < 2^128: exact, then one floor division. */
	unsigned __int128 v = (unsigned __int128)count * s->mul / s->div;

	if (v > UINT64_MAX)
		return -ERANGE;
	*ret_uj = (uint64_t)v;
	return 0;
}

unsigned msr_energy_status_unit(uint64_t power_unit_msr)
{
	return (unsigned)((power_unit_msr >> 8) & 0x1f);
}

uint64_t msr_range_uj(unsigned esu)
{
	return (USEC_PER_SEC << 32) >> (esu & 31);
}

uint64_t msr_ticks_to_uj(uint64_t msr_value, unsigned esu)
{
	return ((msr_value & 0xffffffffULL) * USEC_PER_SEC) >> (esu & 31);
}

bool msr_intel_dram_fixed_unit(int family, int model)
{
	/* Haswell-X, Broadwell-X/D, Skylake-X, Ice Lake-X/D, Sapphire/Emerald Rapids, Xeon Phi. */
	static const int models[] = {63, 79, 86, 85, 106, 108, 143, 207, 87, 133};

	if (family != 6)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		if (models[i] == model)
			return true;
	return false;
}

const char *rapl_kind_stem(enum joulestat_domain_kind kind)
{
	switch (kind) {
	case JOULESTAT_DOMAIN_PACKAGE:
		return "package";
	case JOULESTAT_DOMAIN_CORE:
		return "core";
	case JOULESTAT_DOMAIN_UNCORE:
		return "uncore";
	case JOULESTAT_DOMAIN_DRAM:
		return "dram";
	case JOULESTAT_DOMAIN_PSYS:
		return "psys";
	default:
		return "other";
	}
}

uint64_t rapl_default_max_power_uw(enum joulestat_domain_kind kind)
{
	switch (kind) {
	case JOULESTAT_DOMAIN_PACKAGE:
	case JOULESTAT_DOMAIN_CORE:
		return 1000ULL * USEC_PER_SEC; /* 2× the largest server TDPs */
	case JOULESTAT_DOMAIN_UNCORE:
	case JOULESTAT_DOMAIN_DRAM:
		return 500ULL * USEC_PER_SEC;
	default:
		return 2000ULL * USEC_PER_SEC; /* psys: the whole platform */
	}
}
