/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * conntab.h - the HTTP server's connections, and which of them to close so
 * that slow or hostile clients cannot keep a scraper out.
 *
 * Each connection is in one phase:
 *
 * - WAITING: its request has not arrived whole (since it was accepted, or
 *   since its previous response was sent, for a kept-alive connection);
 * - ANSWERING: its request arrived whole and the response is being sent;
 * - STREAMING: its response is a stream that has no end (server-sent
 *   events): it is sent piece by piece as the server has something new;
 * - CLOSING: this table asked for it to be closed; it stays in its slot,
 *   counted nowhere, until the server reports it closed (so that its
 *   socket is never reused while the table still names it).
 *
 * The rules, all of them bounds on what one client can hold:
 *
 * - a request must arrive whole within `request_ns` of the phase's start
 *   (an idle timeout alone lets a client that sends a header line every few
 *   seconds hold its slot forever), and a response must be sent within
 *   `response_ns`; a stream must take what it is sent: `response_ns` may
 *   not pass without progress (conntab_progress(): the server could hand
 *   it its next piece, so the one before left); conntab_expired() names
 *   the connections past any of these;
 * - one client address holds at most `max_per_addr` connections: a new
 *   connection past that closes that address's oldest WAITING connection
 *   (or, with none, its oldest);
 * - the table holds at most `max_live` connections: a new connection past
 *   that closes the oldest WAITING connection of any address (or, with
 *   none, the oldest ANSWERING, then the oldest STREAMING one).
 *
 * A connection that sends its request at once (a scraper) is the newest
 * WAITING one when it arrives, so it is the last to be closed: every
 * client that trickles its request must lose its slot before it does. That
 * holds when every client shares one address (local users on 127.0.0.1),
 * where a per-address limit alone would only hand the attacker the whole
 * address's share.
 *
 * Pure: no I/O, no clock (the caller passes CLOCK_MONOTONIC ns). Not
 * thread-safe: the caller locks.
 */
#ifndef JOULESTAT_CONNTAB_H
#define JOULESTAT_CONNTAB_H

#include <stddef.h>
#include <stdint.h>

#define CONNTAB_ADDR_LEN 16	/* an IPv6 address; IPv4 as ::ffff:a.b.c.d */

struct conntab_opts {
	size_t capacity;	/* slots, CLOSING ones included: the server's own limit */
	size_t max_live;	/* WAITING + ANSWERING, ≤ capacity */
	size_t max_per_addr;	/* per client address, ≤ max_live */
	uint64_t request_ns;	/* a request's whole arrival, > 0 */
	uint64_t response_ns;	/* a response's sending, > 0 */
};

enum conntab_phase {
	CONNTAB_FREE = 0,
	CONNTAB_WAITING,
	CONNTAB_ANSWERING,
	CONNTAB_CLOSING,
	CONNTAB_STREAMING,
};

struct conntab;

/* -EINVAL for options out of their ranges; -ENOMEM. */
int conntab_new(const struct conntab_opts *opts, struct conntab **ret);

/* NULL is a no-op; returns NULL. */
struct conntab *conntab_free(struct conntab *t);

/*
 * A connection from `addr` arrived at `now_ns`; `handle` is the caller's
 * (its socket). Returns its slot (≥ 0), WAITING, or -ENOSPC when every
 * slot is taken (the caller's limit is larger than `capacity`). When a
 * limit above was reached, *ret_victim is the slot of a connection now
 * CLOSING, for the caller to close; else -1.
 */
int conntab_open(struct conntab *t, const uint8_t addr[CONNTAB_ADDR_LEN], int handle,
		 uint64_t now_ns, int *ret_victim);

/* The slot's request arrived whole: ANSWERING from now (a CLOSING slot stays CLOSING). */
void conntab_request(struct conntab *t, int slot, uint64_t now_ns);

/* The slot's response is a stream: STREAMING from now (from ANSWERING only). */
void conntab_stream(struct conntab *t, int slot, uint64_t now_ns);

/* A STREAMING slot made progress at `now_ns`: its deadline counts from now. */
void conntab_progress(struct conntab *t, int slot, uint64_t now_ns);

/* The slot's response was sent: WAITING for the next request from now. */
void conntab_done(struct conntab *t, int slot, uint64_t now_ns);

/* The connection is closed: its slot is free. */
void conntab_close(struct conntab *t, int slot);

/*
 * Mark CLOSING every connection past its phase's deadline at `now_ns`, and
 * write up to `max` of their slots to `slots`. Returns how many were
 * written; the rest are found by the next call.
 */
size_t conntab_expired(struct conntab *t, uint64_t now_ns, int *slots, size_t max);

/* The earliest deadline of a live connection; UINT64_MAX with none. */
uint64_t conntab_next_deadline(const struct conntab *t);

/* The caller's handle of a slot; -1 for a free slot. */
int conntab_handle(const struct conntab *t, int slot);

enum conntab_phase conntab_phase(const struct conntab *t, int slot);

/* Connections WAITING, ANSWERING or STREAMING (`addr` NULL: from any address). */
size_t conntab_live(const struct conntab *t, const uint8_t addr[CONNTAB_ADDR_LEN]);

#endif
