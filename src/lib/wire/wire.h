/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * wire.h - the protocol between `joulestat daemon` and its clients (the
 * library's daemon mode, hence every verb): frames, the requests a client
 * may send, and a JSON writer both sides use. docs/FORMAT.md ("The daemon
 * protocol") is the specification; this is its one implementation.
 *
 * A frame is an 8-byte header - 'J' 'S', the protocol version, the frame's
 * type, the payload's length (32 bits, little-endian) - then the payload:
 * one JSON object in UTF-8. Requests are bounded (WIRE_REQUEST_MAX), so a
 * daemon never holds more than that per client; replies are bounded by the
 * largest snapshot (WIRE_REPLY_MAX).
 *
 * Pure: no I/O, no logging. The parsers take any bytes (a client may send
 * garbage) and say why they refuse them.
 */
#ifndef JOULESTAT_WIRE_H
#define JOULESTAT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joulestat.h"

#define WIRE_VERSION 1
#define WIRE_HEADER_SIZE 8
/*
 * The groupings a subscription may carry: up to vm. The pod and namespace
 * groupings are not carried (the rows hold no container names); a client
 * asks for the rest and its snapshots say those two are not carried.
 */
#define WIRE_GROUPS ((1u << (JOULESTAT_GROUP_VM + 1)) - 1)
/* A request's payload, at most (a PID batch of WIRE_PIDS_MAX fits). */
#define WIRE_REQUEST_MAX (64u * 1024u)
/* A reply's payload, at most: a snapshot with every grouping at 100 000 tasks fits. */
#define WIRE_REPLY_MAX (256u * 1024u * 1024u)
/* PIDs in one per-PID request. */
#define WIRE_PIDS_MAX 4096

enum wire_type {
	WIRE_REQUEST = 1,	/* client -> daemon */
	WIRE_REPLY = 2,		/* daemon -> client, one per request, in order */
	WIRE_EVENT = 3,		/* daemon -> client, unasked: a snapshot is due ("tick") */
};

struct wire_header {
	uint8_t version;
	enum wire_type type;
	uint32_t len;		/* payload bytes after the header */
};

/*
 * Read a frame header from buf[0 .. len). Returns 0 and *ret; -EAGAIN when
 * fewer than WIRE_HEADER_SIZE bytes are there yet; -EPROTO when the bytes
 * are not a joulestat frame (bad magic, unknown type); -EPROTONOSUPPORT for
 * another protocol version; -EMSGSIZE when the payload is longer than
 * `max_len`. On error *ret is untouched.
 */
int wire_header_parse(const void *buf, size_t len, uint32_t max_len, struct wire_header *ret);

/* The header of a frame of `type` with a payload of `len` bytes. */
void wire_header_write(uint8_t out[WIRE_HEADER_SIZE], enum wire_type type, uint32_t len);

enum wire_op {
	WIRE_OP_HELLO = 0,	/* the daemon, its start, the caller's view */
	WIRE_OP_MONITOR,	/* topology, sources, collectors, domains */
	WIRE_OP_PID,		/* per-PID energy */
	WIRE_OP_SUBSCRIBE,	/* accumulate snapshots for this connection */
	WIRE_OP_SAMPLE,		/* what was accumulated since the last one */
	WIRE_OP_TREE,		/* follow the process tree rooted at pid */
	WIRE_OP_UNTREE,		/* stop following it */
	WIRE_OP__COUNT
};

/* "hello", "monitor", ...; NULL for another value. */
const char *wire_op_name(enum wire_op op);

/* One request, as parsed. Fields an op does not take are 0. */
struct wire_request {
	enum wire_op op;
	uint64_t id;			/* echoed in the reply; 0 when absent */
	uint32_t protocol;		/* hello: the client's protocol version */
	size_t npids;			/* pid */
	int32_t pids[WIRE_PIDS_MAX];	/* pid: each > 0 */
	int32_t pid;			/* tree, untree: > 0 */
	uint32_t groups;		/* subscribe: mask of 1u << enum joulestat_group */
	bool tasks;			/* subscribe: carry the tasks too */
	uint64_t interval_ns;		/* subscribe: how often a tick is wanted; 0: each sample */
	bool sync;			/* sample: take a sample now, so that it ends after the request */
};

/*
 * Parse a request payload: a JSON object with "op" (one of wire_op_name())
 * and that op's members (docs/FORMAT.md), unknown members ignored. Returns
 * 0 and *ret; -EINVAL with a sentence in err (errsize bytes, always
 * terminated when errsize > 0) naming what is wrong; -ENOMEM. On error *ret
 * is untouched.
 */
int wire_request_parse(const char *buf, size_t len, struct wire_request *ret, char *err,
		       size_t errsize);

/* The errno names the protocol carries ("ESRCH"), for the errors it may report. */
const char *wire_errno_name(int err);

/* The -errno named `name`; -EPROTO for a name not in the table. */
int wire_errno_from_name(const char *name);

/*
 * A snapshot reply's rows and tasks are arrays, one value per field in this
 * order (docs/FORMAT.md), so that 10 000 rows do not repeat 22 keys each.
 */
enum wire_row_field {
	WIRE_ROW_PID = 0,
	WIRE_ROW_TID,
	WIRE_ROW_START_NS,
	WIRE_ROW_COMM,
	WIRE_ROW_UID,
	WIRE_ROW_USER,
	WIRE_ROW_CGROUP_ID,
	WIRE_ROW_CGROUP,
	WIRE_ROW_UNIT,
	WIRE_ROW_CONTAINER,
	WIRE_ROW_VM,
	WIRE_ROW_ENERGY_UJ,
	WIRE_ROW_CPU_NS,
	WIRE_ROW_SYSCALLS,
	WIRE_ROW_NTASKS,
	WIRE_ROW_ESTIMATED,
	WIRE_ROW_CUMULATIVE_UJ,
	WIRE_ROW_CUMULATIVE_CPU_NS,
	WIRE_ROW_CUMULATIVE_SYSCALLS,
	WIRE_ROW_FIRST_SEEN_NS,
	WIRE_ROW_AGGREGATED,
	WIRE_ROW_DOMAIN_UJ,		/* an array: energy per domain, as "domains" */
	WIRE_ROW__COUNT
};

enum wire_task_field {
	WIRE_TASK_PID = 0,
	WIRE_TASK_TID,
	WIRE_TASK_START_NS,
	WIRE_TASK_PROC_START_NS,
	WIRE_TASK_PPID,
	WIRE_TASK_COMM,
	WIRE_TASK_UID,
	WIRE_TASK_CGROUP_ID,
	WIRE_TASK_EXITED,
	WIRE_TASK_KERNEL,
	WIRE_TASK_CPU_NS,
	WIRE_TASK_ENERGY_UJ,
	WIRE_TASK_ESTIMATED,
	WIRE_TASK_SYSCALLS,
	WIRE_TASK_CPUS,			/* an array: cpu, ns, cpu, ns, ... */
	WIRE_TASK__COUNT
};

/* Names of enum joulestat_source_state in replies: "active", ...; NULL otherwise. */
const char *wire_state_name(enum joulestat_source_state s);
int wire_state_from_name(const char *name, enum joulestat_source_state *ret);

/* ---- writing JSON into a growing buffer ---- */

#define WJSON_MAX_DEPTH 16

/*
 * A byte buffer and a JSON writer over it: commas and nesting handled,
 * strings escaped into valid UTF-8 (a byte that is not UTF-8 becomes
 * U+FFFD, as every other JSON joulestat writes), NaN and infinities written
 * as null, integers exact. A failed allocation sets `failed` and makes
 * every later call a no-op: check once at the end.
 */
struct wjson {
	char *buf;
	size_t len, cap;
	bool failed;
	int depth;
	bool comma[WJSON_MAX_DEPTH];
	bool after_key;
};

/* Start with `reserve` bytes free at buf (so a frame header can be written there later). */
void wjson_init(struct wjson *w, size_t reserve);
void wjson_done(struct wjson *w);
void wjson_begin_object(struct wjson *w);
void wjson_end_object(struct wjson *w);
void wjson_begin_array(struct wjson *w);
void wjson_end_array(struct wjson *w);
void wjson_key(struct wjson *w, const char *key);
void wjson_string(struct wjson *w, const char *s);
/* At most len bytes of s, stopping at a NUL. */
void wjson_stringn(struct wjson *w, const char *s, size_t len);
void wjson_u64(struct wjson *w, uint64_t v);
void wjson_i64(struct wjson *w, int64_t v);
void wjson_double(struct wjson *w, double v);
void wjson_bool(struct wjson *w, bool v);
void wjson_null(struct wjson *w);

#endif
