/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* vmshare.c - the joulestat-vm file of a VM's energy tree (vmshare.h). Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "util.h"
#include "vmshare.h"

enum {
	K_VM = 1u << 0,
	K_HOST = 1u << 1,
	K_EPOCH = 1u << 2,
	K_SEQ = 1u << 3,
	K_INTERVAL = 1u << 4,
	K_UPDATED = 1u << 5,
	K_ESTIMATED = 1u << 6,
	K_SOURCES = 1u << 7,
	K_IDLE = 1u << 8,
	K_REQUIRED = K_EPOCH | K_SEQ | K_INTERVAL | K_UPDATED,
};

static bool text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int set_text(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size || !text_ok(s, len))
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* A hexadecimal number of 1 to 16 digits. */
static int parse_hex64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*ret = v;
	return 0;
}

static int parse_line(struct vmshare_meta *m, unsigned *seen, const char *key, size_t klen,
		      const char *val, size_t vlen)
{
	static const struct {
		const char *key;
		unsigned bit;
	} keys[] = {
		{ "vm", K_VM },		{ "host", K_HOST },	  { "epoch", K_EPOCH },
		{ "seq", K_SEQ },	{ "interval_ms", K_INTERVAL }, { "updated_unix_ns", K_UPDATED },
		{ "estimated", K_ESTIMATED }, { "sources", K_SOURCES }, { "idle_policy", K_IDLE },
	};
	unsigned bit = 0;
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].key) == klen && memcmp(keys[i].key, key, klen) == 0)
			bit = keys[i].bit;
	if (!bit)
		return 0; /* a later version's key */
	if (*seen & bit)
		return -EINVAL;
	*seen |= bit;
	switch (bit) {
	case K_VM:
		return set_text(m->vm, sizeof(m->vm), val, vlen);
	case K_HOST:
		return set_text(m->host, sizeof(m->host), val, vlen);
	case K_SOURCES:
		return set_text(m->sources, sizeof(m->sources), val, vlen);
	case K_IDLE:
		return set_text(m->idle_policy, sizeof(m->idle_policy), val, vlen);
	case K_EPOCH:
		return parse_hex64(val, vlen, &m->epoch);
	case K_ESTIMATED:
		if (vlen != 1 || (val[0] != '0' && val[0] != '1'))
			return -EINVAL;
		m->estimated = val[0] == '1';
		return 0;
	default:
		break;
	}
	if (parse_u64(val, vlen, &v) < 0 || vlen == 0 || val[0] == ' ')
		return -EINVAL;
	if (bit == K_SEQ)
		m->seq = v;
	else if (bit == K_INTERVAL)
		m->interval_ms = v;
	else
		m->updated_unix_ns = v;
	return 0;
}

int parse_vmshare_meta(const char *buf, size_t len, struct vmshare_meta *ret, unsigned *ret_line)
{
	struct vmshare_meta m;
	const char *p = buf, *end = buf + len;
	unsigned line = 0, seen = 0;
	size_t mlen = strlen(VMSHARE_MAGIC);

	if (ret_line)
		*ret_line = 0;
	if (!buf || !ret)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *sp;
		size_t n = (size_t)(e - p);
		int r;

		line++;
		if (line == 1) {
			uint64_t v;

			if (n <= mlen + 1 || memcmp(p, VMSHARE_MAGIC, mlen) != 0 || p[mlen] != ' ' ||
			    parse_u64(p + mlen + 1, n - mlen - 1, &v) < 0 || p[mlen + 1] == ' ')
				goto bad;
			if (v == 0)
				goto bad;
			if (v > VMSHARE_VERSION) {
				if (ret_line)
					*ret_line = line;
				return -EPROTONOSUPPORT;
			}
			m.version = (unsigned)v;
		} else if (n > 0) {
			sp = memchr(p, ' ', n);
			if (!sp || sp == p)
				goto bad;
			r = parse_line(&m, &seen, p, (size_t)(sp - p), sp + 1,
				       n - (size_t)(sp - p) - 1);
			if (r < 0)
				goto bad;
		}
		p = nl ? nl + 1 : end;
	}
	if (line == 0 || (seen & K_REQUIRED) != K_REQUIRED) {
		line = 0;
		goto bad;
	}
	*ret = m;
	return 0;
bad:
	if (ret_line)
		*ret_line = line;
	return -EINVAL;
}

/* A text field as written: "" when it holds a control byte (a newline would start a key). */
static const char *clean(const char *s, size_t size)
{
	return text_ok(s, strnlen(s, size)) ? s : "";
}

int vmshare_meta_format(const struct vmshare_meta *m, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 VMSHARE_MAGIC " %u\n"
				       "vm %s\n"
				       "host %s\n"
				       "epoch %016" PRIx64 "\n"
				       "seq %" PRIu64 "\n"
				       "interval_ms %" PRIu64 "\n"
				       "updated_unix_ns %" PRIu64 "\n"
				       "estimated %d\n"
				       "sources %s\n"
				       "idle_policy %s\n",
			 VMSHARE_VERSION, clean(m->vm, sizeof(m->vm)), clean(m->host, sizeof(m->host)), m->epoch, m->seq,
			 m->interval_ms, m->updated_unix_ns, m->estimated ? 1 : 0, clean(m->sources, sizeof(m->sources)),
			 clean(m->idle_policy, sizeof(m->idle_policy)));

	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
