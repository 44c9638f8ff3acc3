/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * jsonr.h - a strict JSON reader (RFC 8259) for one line of a recording:
 * parses a text into a tree of nodes in one allocation, keeps integers
 * exact (64-bit, not doubles: energies are µJ counters that exceed 2^53),
 * and on failure says where and why. Pure: no I/O, no logging.
 */
#ifndef JOULESTAT_JSONR_H
#define JOULESTAT_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting deeper than this is refused (a record line needs 4 levels). */
#define JSONR_MAX_DEPTH 32

enum jsonr_type {
	JSONR_NULL = 0,
	JSONR_BOOL,
	JSONR_NUMBER,
	JSONR_STRING,
	JSONR_ARRAY,
	JSONR_OBJECT,
};

/*
 * One value. Children of an array or object are the nodes child, then
 * each one's next, in document order; an object's children carry their key.
 * Indices are into jsonr_doc.nodes; 0 means none (node 0 is the root, which
 * is never anyone's child or sibling).
 */
struct jsonr_node {
	enum jsonr_type type;
	uint32_t child;
	uint32_t next;
	uint32_t count;		/* arrays and objects: number of children */
	const char *key;	/* member of an object: its key (NUL-terminated), else NULL */
	const char *str;	/* strings: decoded UTF-8, NUL-terminated (\u0000 is refused) */
	size_t len;		/* strings: strlen(str) */
	bool boolean;
	/* Numbers: integral ones without fraction or exponent that fit are exact. */
	bool is_u64;		/* 0 .. UINT64_MAX, value in u64 */
	bool is_i64;		/* INT64_MIN .. INT64_MAX, value in i64 */
	uint64_t u64;
	int64_t i64;
	double dbl;		/* always set for numbers (rounded for large integers) */
};

/* A parsed text. Owned by the caller, freed with jsonr_free(). */
struct jsonr_doc {
	struct jsonr_node *nodes;	/* nodes[0] is the root */
	size_t nnodes;
	char *strings;			/* backing store of every key and str */
};

/* Where and why parsing failed. */
struct jsonr_error {
	size_t offset;		/* byte offset into the text (0-based) */
	char msg[96];		/* "expected ',' or '}' after a member", ... */
};

/*
 * Parse `len` bytes of `buf` (need not be NUL-terminated) as exactly one
 * JSON value, with only white space around it. Returns 0 and a document in
 * *ret; -EINVAL for text that is not JSON (err, if not NULL, says where and
 * why); -E2BIG for input longer than 2^31 bytes; -ENOMEM. On error *ret is
 * untouched.
 */
int jsonr_parse(const char *buf, size_t len, struct jsonr_doc *ret, struct jsonr_error *err);

/* Free what jsonr_parse() allocated; the struct itself is the caller's. NULL is a no-op. */
void jsonr_free(struct jsonr_doc *doc);

/* Member `key` of object node `obj`, or NULL (also when obj is not an object). */
const struct jsonr_node *jsonr_get(const struct jsonr_doc *doc, const struct jsonr_node *obj,
				   const char *key);

/* First child of an array or object, or NULL. */
const struct jsonr_node *jsonr_first(const struct jsonr_doc *doc, const struct jsonr_node *n);

/* Next sibling, or NULL. */
const struct jsonr_node *jsonr_next(const struct jsonr_doc *doc, const struct jsonr_node *n);

/* "null", "boolean", "number", "string", "array", "object". Static storage. */
const char *jsonr_type_name(enum jsonr_type t);

#endif
