/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * accept.h - HTTP Accept header negotiation for /metrics (RFC 9110 12.5.1):
 * which of the two formats we write, OpenMetrics 1.0.0 or Prometheus text
 * 0.0.4, the client prefers.
 *
 * Prometheus 2.42 sends
 *   application/openmetrics-text;version=1.0.0,application/openmetrics-text;
 *   version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*\/\*;q=0.1
 * and expects OpenMetrics back; curl sends *\/\* and gets the classic text.
 */
#ifndef JOULESTAT_ACCEPT_H
#define JOULESTAT_ACCEPT_H

#include <stddef.h>
#include <stdint.h>

/* The weight (q × 1000, 0..1000) the header gives to each format we can write. */
struct accept_pref {
	uint16_t q_openmetrics;	/* application/openmetrics-text; version=1.0.0 */
	uint16_t q_text;	/* text/plain; version=0.0.4 */
};

/*
 * Parse an Accept header value of `len` bytes (not NUL-terminated). Each
 * format gets the q of the most specific media range that matches it
 * (type/subtype with a matching version > type/subtype without version >
 * type/\* > *\/\*), or 0 when none does. A `version` parameter that differs
 * from ours does not match (openmetrics-text;version=0.0.1 is not 1.0.0);
 * other parameters (charset, escaping) do not restrict. Empty list elements
 * are allowed; an empty header accepts nothing.
 *
 * Returns 0 and *ret, or -EINVAL for a malformed header (a range without
 * "/", a bad token, an unterminated quoted string, a q that is not 0..1 with
 * at most three decimals). On error *ret is untouched.
 */
int parse_accept(const char *buf, size_t len, struct accept_pref *ret);

enum accept_choice {
	ACCEPT_TEXT = 0,
	ACCEPT_OPENMETRICS = 1,
	ACCEPT_NONE = 2,	/* neither format is acceptable: 406 */
};

/* The format to send: the higher q; on a tie the classic text; NONE when both are 0. */
enum accept_choice accept_choose(const struct accept_pref *p);

#endif
