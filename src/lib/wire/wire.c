/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * wire.c - the daemon protocol's frames, requests and JSON writer (wire.h;
 * docs/FORMAT.md, "The daemon protocol"). Pure.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joulestat.h"
#include "jsonr.h"
#include "utf8.h"
#include "wire.h"

/* ---- frames ---- */

int wire_header_parse(const void *buf, size_t len, uint32_t max_len, struct wire_header *ret)
{
	const uint8_t *b = buf;
	uint32_t n;

	if (len < WIRE_HEADER_SIZE)
		return -EAGAIN;
	if (b[0] != 'J' || b[1] != 'S')
		return -EPROTO;
	if (b[2] != WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (b[3] != WIRE_REQUEST && b[3] != WIRE_REPLY && b[3] != WIRE_EVENT)
		return -EPROTO;
	n = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	if (n > max_len)
		return -EMSGSIZE;
	ret->version = b[2];
	ret->type = (enum wire_type)b[3];
	ret->len = n;
	return 0;
}

void wire_header_write(uint8_t out[WIRE_HEADER_SIZE], enum wire_type type, uint32_t len)
{
	out[0] = 'J';
	out[1] = 'S';
	out[2] = WIRE_VERSION;
	out[3] = (uint8_t)type;
	out[4] = (uint8_t)len;
	out[5] = (uint8_t)(len >> 8);
	out[6] = (uint8_t)(len >> 16);
	out[7] = (uint8_t)(len >> 24);
}

/* ---- requests ---- */

static const char *const op_names[WIRE_OP__COUNT] = {
	[WIRE_OP_HELLO] = "hello",	   [WIRE_OP_MONITOR] = "monitor",
	[WIRE_OP_PID] = "pid",		   [WIRE_OP_SUBSCRIBE] = "subscribe",
	[WIRE_OP_SAMPLE] = "sample",	   [WIRE_OP_TREE] = "tree",
	[WIRE_OP_UNTREE] = "untree",
};

const char *wire_op_name(enum wire_op op)
{
	return (unsigned)op < WIRE_OP__COUNT ? op_names[op] : NULL;
}

static int fail(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (errsize) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Member `key` as an integer in [min, max]; `required` or absent (then *ret is left). */
static int get_u64(const struct jsonr_doc *doc, const struct jsonr_node *obj, const char *key,
		   uint64_t min, uint64_t max, bool required, uint64_t *ret, char *err,
		   size_t errsize)
{
	const struct jsonr_node *n = jsonr_get(doc, obj, key);

	if (!n) {
		if (required)
			return fail(err, errsize, "\"%s\" is missing", key);
		return 0;
	}
	if (n->type != JSONR_NUMBER || !n->is_u64 || n->u64 < min || n->u64 > max)
		return fail(err, errsize, "\"%s\" must be a whole number from %" PRIu64 " to %" PRIu64,
			    key, min, max);
	*ret = n->u64;
	return 0;
}

static int get_bool(const struct jsonr_doc *doc, const struct jsonr_node *obj, const char *key,
		    bool *ret, char *err, size_t errsize)
{
	const struct jsonr_node *n = jsonr_get(doc, obj, key);

	if (!n)
		return 0;
	if (n->type != JSONR_BOOL)
		return fail(err, errsize, "\"%s\" must be true or false", key);
	*ret = n->boolean;
	return 0;
}

static int parse_members(const struct jsonr_doc *doc, const struct jsonr_node *root,
			 struct wire_request *q, char *err, size_t errsize)
{
	uint64_t v = 0;
	int r;

	r = get_u64(doc, root, "id", 0, UINT64_MAX, false, &q->id, err, errsize);
	if (r < 0)
		return r;
	switch (q->op) {
	case WIRE_OP_HELLO:
		r = get_u64(doc, root, "protocol", 1, 65535, true, &v, err, errsize);
		q->protocol = (uint32_t)v;
		return r;
	case WIRE_OP_MONITOR:
		return 0;
	case WIRE_OP_PID: {
		const struct jsonr_node *a = jsonr_get(doc, root, "pids");

		if (!a || a->type != JSONR_ARRAY || a->count == 0 || a->count > WIRE_PIDS_MAX)
			return fail(err, errsize, "\"pids\" must be an array of 1 to %d PIDs",
				    WIRE_PIDS_MAX);
		q->npids = 0;
		for (const struct jsonr_node *n = jsonr_first(doc, a); n; n = jsonr_next(doc, n)) {
			if (n->type != JSONR_NUMBER || !n->is_u64 || n->u64 < 1 ||
			    n->u64 > INT32_MAX)
				return fail(err, errsize, "\"pids\"[%zu] is not a PID", q->npids);
			q->pids[q->npids++] = (int32_t)n->u64;
		}
		return 0;
	}
	case WIRE_OP_SUBSCRIBE:
		r = get_u64(doc, root, "groups", 0, WIRE_GROUPS, false, &v,
			    err, errsize);
		if (r < 0)
			return r;
		q->groups = (uint32_t)v;
		r = get_bool(doc, root, "tasks", &q->tasks, err, errsize);
		if (r < 0)
			return r;
		return get_u64(doc, root, "interval_ns", 0, 3600ULL * 1000000000ULL, false,
			       &q->interval_ns, err, errsize);
	case WIRE_OP_SAMPLE:
		return get_bool(doc, root, "sync", &q->sync, err, errsize);
	case WIRE_OP_TREE:
	case WIRE_OP_UNTREE:
		r = get_u64(doc, root, "pid", 1, INT32_MAX, true, &v, err, errsize);
		q->pid = (int32_t)v;
		return r;
	case WIRE_OP__COUNT:
		break;
	}
	return fail(err, errsize, "unknown op");
}

int wire_request_parse(const char *buf, size_t len, struct wire_request *ret, char *err,
		       size_t errsize)
{
	struct jsonr_doc doc;
	struct jsonr_error jerr;
	const struct jsonr_node *root, *op;
	struct wire_request *q;
	int r;

	if (errsize)
		err[0] = '\0';
	if (len > WIRE_REQUEST_MAX)
		return fail(err, errsize, "a request of %zu bytes (at most %u)", len,
			    WIRE_REQUEST_MAX);
	r = jsonr_parse(buf, len, &doc, &jerr);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(err, errsize, "not JSON: %s at byte %zu", jerr.msg, jerr.offset);
	q = calloc(1, sizeof(*q));
	if (!q) {
		jsonr_free(&doc);
		return -ENOMEM;
	}
	root = &doc.nodes[0];
	r = -EINVAL;
	if (root->type != JSONR_OBJECT) {
		fail(err, errsize, "a request is a JSON object, not a %s", jsonr_type_name(root->type));
		goto out;
	}
	op = jsonr_get(&doc, root, "op");
	if (!op || op->type != JSONR_STRING) {
		fail(err, errsize, "\"op\" is missing or not a string");
		goto out;
	}
	q->op = WIRE_OP__COUNT;
	for (unsigned i = 0; i < WIRE_OP__COUNT; i++)
		if (strcmp(op->str, op_names[i]) == 0)
			q->op = (enum wire_op)i;
	if (q->op == WIRE_OP__COUNT) {
		fail(err, errsize, "unknown op (hello, monitor, pid, subscribe, sample, tree, "
				   "untree)");
		goto out;
	}
	r = parse_members(&doc, root, q, err, errsize);
	if (r == 0)
		memcpy(ret, q, sizeof(*ret));
out:
	free(q);
	jsonr_free(&doc);
	return r;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	      { ENOENT, "ENOENT" },	{ ESRCH, "ESRCH" },
	{ EIO, "EIO" },		      { E2BIG, "E2BIG" },	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },	      { EACCES, "EACCES" },	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },	      { ENODEV, "ENODEV" },	{ EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },	      { ENODATA, "ENODATA" },	{ EPROTO, "EPROTO" },
	{ EMSGSIZE, "EMSGSIZE" },     { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },			{ ETIMEDOUT, "ETIMEDOUT" },
	{ ECONNRESET, "ECONNRESET" }, { ENOTCONN, "ENOTCONN" }, { EALREADY, "EALREADY" },
};

const char *wire_errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

int wire_errno_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return -errno_names[i].err;
	return -EPROTO;
}

static const char *const state_names[] = {
	[JOULESTAT_SOURCE_ACTIVE] = "active",	     [JOULESTAT_SOURCE_SHADOWED] = "shadowed",
	[JOULESTAT_SOURCE_UNAVAILABLE] = "unavailable", [JOULESTAT_SOURCE_FAILED] = "failed",
	[JOULESTAT_SOURCE_DISABLED] = "disabled",
};

const char *wire_state_name(enum joulestat_source_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : NULL;
}

int wire_state_from_name(const char *name, enum joulestat_source_state *ret)
{
	for (unsigned i = 0; name && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(name, state_names[i]) == 0) {
			*ret = (enum joulestat_source_state)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- the JSON writer ---- */

void wjson_init(struct wjson *w, size_t reserve)
{
	*w = (struct wjson){ 0 };
	w->cap = reserve + 4096;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		w->failed = true;
		w->cap = 0;
		return;
	}
	w->len = reserve;
}

void wjson_done(struct wjson *w)
{
	free(w->buf);
	*w = (struct wjson){ 0 };
}

static bool reserve(struct wjson *w, size_t n)
{
	size_t cap;
	char *b;

	if (w->failed)
		return false;
	if (w->cap - w->len >= n)
		return true;
	cap = w->cap ? w->cap : 4096;
	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2) {
			w->failed = true;
			return false;
		}
		cap *= 2;
	}
	b = realloc(w->buf, cap);
	if (!b) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void put(struct wjson *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putch(struct wjson *w, char c)
{
	if (!reserve(w, 1))
		return;
	w->buf[w->len++] = c;
}

static void before_value(struct wjson *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->comma[w->depth])
		putch(w, ',');
	w->comma[w->depth] = true;
}

static void open_level(struct wjson *w, char c)
{
	before_value(w);
	putch(w, c);
	if (w->depth < WJSON_MAX_DEPTH - 1)
		w->depth++;
	else
		w->failed = true;
	w->comma[w->depth] = false;
}

static void close_level(struct wjson *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	putch(w, c);
}

void wjson_begin_object(struct wjson *w)
{
	open_level(w, '{');
}

void wjson_end_object(struct wjson *w)
{
	close_level(w, '}');
}

void wjson_begin_array(struct wjson *w)
{
	open_level(w, '[');
}

void wjson_end_array(struct wjson *w)
{
	close_level(w, ']');
}

static void escape(struct wjson *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	putch(w, '"');
	while (p < end && *p && !w->failed) {
		const unsigned char *run = p;
		size_t n;

		/* Plain ASCII in one copy. */
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			put(w, (const char *)run, (size_t)(p - run));
		if (p >= end || !*p)
			break;
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };

			put(w, e, 2);
			p++;
			continue;
		}
		if (*p < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

			put(w, e, 6);
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0 || (size_t)(end - p) < n) {
			put(w, "\xef\xbf\xbd", 3);
			p++;
			continue;
		}
		put(w, (const char *)p, n);
		p += n;
	}
	putch(w, '"');
}

void wjson_key(struct wjson *w, const char *key)
{
	before_value(w);
	escape(w, key, strlen(key));
	putch(w, ':');
	w->after_key = true;
}

void wjson_string(struct wjson *w, const char *s)
{
	before_value(w);
	escape(w, s ? s : "", s ? strlen(s) : 0);
}

void wjson_stringn(struct wjson *w, const char *s, size_t len)
{
	before_value(w);
	escape(w, s ? s : "", s ? strnlen(s, len) : 0);
}

void wjson_u64(struct wjson *w, uint64_t v)
{
	char b[24], *p = b + sizeof(b);

	before_value(w);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, p, (size_t)(b + sizeof(b) - p));
}

void wjson_i64(struct wjson *w, int64_t v)
{
	if (v >= 0) {
		wjson_u64(w, (uint64_t)v);
		return;
	}
	before_value(w);
	putch(w, '-');
	/* The magnitude without overflow at INT64_MIN. */
	w->after_key = true;
	wjson_u64(w, (uint64_t)(-(v + 1)) + 1);
}

void wjson_double(struct wjson *w, double v)
{
	char b[40];
	int n;

	if (!isfinite(v)) {
		wjson_null(w);
		return;
	}
	before_value(w);
	/* 17 significant digits: the same double back. */
	n = snprintf(b, sizeof(b), "%.17g", v);
	if (n > 0)
		put(w, b, (size_t)n);
}

void wjson_bool(struct wjson *w, bool v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void wjson_null(struct wjson *w)
{
	before_value(w);
	put(w, "null", 4);
}
