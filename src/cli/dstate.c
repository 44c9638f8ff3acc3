/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* dstate.c - the daemon's lasting counters and their file (dstate.h). Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dstate.h"

/* ---- processes: open addressing on (pid, start) ---- */

static size_t proc_hash(uint32_t pid, uint64_t start_ns)
{
	uint64_t h = ((uint64_t)pid << 32) ^ (start_ns * 0x9e3779b97f4a7c15ULL);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

struct dstate_proc *dstate_proc_find(const struct dstate *st, uint32_t pid, uint64_t start_ns)
{
	if (!st->procs_cap)
		return NULL;
	for (size_t i = proc_hash(pid, start_ns) & (st->procs_cap - 1); st->procs[i].used;
	     i = (i + 1) & (st->procs_cap - 1))
		if (st->procs[i].pid == pid && st->procs[i].start_ns == start_ns)
			return &st->procs[i];
	return NULL;
}

static int proc_rehash(struct dstate *st, size_t cap, bool (*gone)(const struct dstate_proc *, void *),
		       void *ctx, size_t *ret_dropped)
{
	struct dstate_proc *e = calloc(cap, sizeof(*e));
	size_t n = 0, dropped = 0;

	if (!e)
		return -ENOMEM;
	for (size_t k = 0; k < st->procs_cap; k++) {
		const struct dstate_proc *p = &st->procs[k];
		size_t i;

		if (!p->used)
			continue;
		if (gone && gone(p, ctx)) {
			dropped++;
			continue;
		}
		for (i = proc_hash(p->pid, p->start_ns) & (cap - 1); e[i].used; i = (i + 1) & (cap - 1))
			;
		e[i] = *p;
		n++;
	}
	free(st->procs);
	st->procs = e;
	st->procs_cap = cap;
	st->nprocs = n;
	if (ret_dropped)
		*ret_dropped = dropped;
	return 0;
}

struct dstate_proc *dstate_proc_get(struct dstate *st, uint32_t pid, uint64_t start_ns)
{
	struct dstate_proc *p = dstate_proc_find(st, pid, start_ns);
	size_t i;

	if (p)
		return p;
	if ((st->nprocs + 1) * 2 > st->procs_cap &&
	    proc_rehash(st, st->procs_cap ? st->procs_cap * 2 : 256, NULL, NULL, NULL) < 0)
		return NULL;
	for (i = proc_hash(pid, start_ns) & (st->procs_cap - 1); st->procs[i].used;
	     i = (i + 1) & (st->procs_cap - 1))
		;
	st->procs[i] = (struct dstate_proc){ .pid = pid, .start_ns = start_ns, .used = true };
	st->nprocs++;
	return &st->procs[i];
}

struct dstate_proc *dstate_proc_newest(const struct dstate *st, uint32_t pid)
{
	struct dstate_proc *best = NULL;

	/* Rare (a PID the last snapshot did not have): a scan is enough. */
	for (size_t i = 0; i < st->procs_cap; i++)
		if (st->procs[i].used && st->procs[i].pid == pid &&
		    (!best || st->procs[i].start_ns > best->start_ns))
			best = &st->procs[i];
	return best;
}

size_t dstate_proc_prune(struct dstate *st, bool (*gone)(const struct dstate_proc *p, void *ctx),
			 void *ctx)
{
	size_t dropped = 0, cap = st->procs_cap;

	if (!cap)
		return 0;
	/* Shrink when under an eighth full, after the drop. */
	while (cap > 256 && st->nprocs * 8 < cap)
		cap /= 2;
	if (proc_rehash(st, cap, gone, ctx, &dropped) < 0)
		return 0; /* kept as they are: pruned next time */
	return dropped;
}

/* ---- users and domains: small arrays ---- */

struct dstate_user *dstate_user_find(const struct dstate *st, uint32_t uid)
{
	for (size_t i = 0; i < st->nusers; i++)
		if (st->users[i].uid == uid)
			return &st->users[i];
	return NULL;
}

struct dstate_user *dstate_user_get(struct dstate *st, uint32_t uid)
{
	struct dstate_user *u = dstate_user_find(st, uid);

	if (u)
		return u;
	if (st->nusers == st->users_cap) {
		size_t cap = st->users_cap ? st->users_cap * 2 : 16;
		struct dstate_user *v = realloc(st->users, cap * sizeof(*v));

		if (!v)
			return NULL;
		st->users = v;
		st->users_cap = cap;
	}
	u = &st->users[st->nusers++];
	*u = (struct dstate_user){ .uid = uid };
	return u;
}

struct dstate_dom *dstate_dom_get(struct dstate *st, const char *name)
{
	struct dstate_dom *d;

	if (!name || !name[0] || strlen(name) >= DSTATE_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < st->ndoms; i++)
		if (strcmp(st->doms[i].name, name) == 0)
			return &st->doms[i];
	if (st->ndoms == st->doms_cap) {
		size_t cap = st->doms_cap ? st->doms_cap * 2 : 8;
		struct dstate_dom *v = realloc(st->doms, cap * sizeof(*v));

		if (!v)
			return NULL;
		st->doms = v;
		st->doms_cap = cap;
	}
	d = &st->doms[st->ndoms++];
	*d = (struct dstate_dom){ 0 };
	memcpy(d->name, name, strlen(name) + 1);
	return d;
}

void dstate_done(struct dstate *st)
{
	free(st->procs);
	free(st->users);
	free(st->doms);
	memset(st, 0, sizeof(*st));
}

/* ---- the file ---- */

/* A name as one word: every byte outside printable ASCII, and '%', as %XX. */
static int write_word(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	return 0;
}

int dstate_write(const struct dstate *st, uint64_t saved_realtime_ns, FILE *f)
{
	fprintf(f, "joulestat-state %d\n", DSTATE_VERSION);
	fprintf(f, "boot ");
	write_word(f, st->boot_id);
	fprintf(f, "\nsince %" PRIu64 "\nrestarts %" PRIu32 "\nsaved %" PRIu64 "\n",
		st->since_realtime_ns, st->restarts, saved_realtime_ns);
	for (size_t i = 0; i < st->ndoms; i++) {
		const struct dstate_dom *d = &st->doms[i];

		fprintf(f, "domain ");
		write_word(f, d->name);
		fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", d->energy_uj,
			d->tasks_uj, d->idle_uj, d->unattributed_uj);
	}
	for (size_t i = 0; i < st->nusers; i++) {
		const struct dstate_user *u = &st->users[i];

		fprintf(f, "user %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", u->uid,
			u->energy_uj, u->cpu_ns, u->syscalls, u->first_seen_ns);
	}
	for (size_t i = 0; i < st->procs_cap; i++) {
		const struct dstate_proc *p = &st->procs[i];

		if (!p->used)
			continue;
		fprintf(f,
			"process %" PRIu32 " %" PRIu64 " %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu64 "\n",
			p->pid, p->start_ns, p->uid, p->energy_uj, p->cpu_ns, p->syscalls,
			p->first_seen_ns);
	}
	return ferror(f) ? -EIO : 0;
}

#define DSTATE_MAX_FIELDS 8

/* Split one line into at most DSTATE_MAX_FIELDS words (separated by one space). */
static int split(char *line, char **w)
{
	int n = 0;

	for (char *p = line;;) {
		char *sp = strchr(p, ' ');

		if (n == DSTATE_MAX_FIELDS)
			return -1;
		w[n++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (int i = 0; i < n; i++)
		if (!w[i][0])
			return -1;
	return n;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undo write_word() into out (size bytes); -1 for a malformed or too long word. */
static int parse_word(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		int c = (unsigned char)*s;

		if (c == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = hi * 16 + lo;
			s += 2;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n ? 0 : -1;
}

static int parse_line(struct dstate *st, char **w, int n, bool *have_boot)
{
	uint64_t v[6];

	if (strcmp(w[0], "boot") == 0 && n == 2) {
		*have_boot = true;
		return parse_word(w[1], st->boot_id, sizeof(st->boot_id));
	}
	if (strcmp(w[0], "since") == 0 && n == 2)
		return parse_u64(w[1], &st->since_realtime_ns);
	if (strcmp(w[0], "restarts") == 0 && n == 2)
		return parse_u32(w[1], &st->restarts);
	if (strcmp(w[0], "saved") == 0 && n == 2)
		return parse_u64(w[1], &v[0]);
	if (strcmp(w[0], "domain") == 0 && n == 6) {
		char name[DSTATE_NAME_MAX];
		struct dstate_dom *d;

		if (parse_word(w[1], name, sizeof(name)) < 0)
			return -1;
		for (int i = 0; i < 4; i++)
			if (parse_u64(w[2 + i], &v[i]) < 0)
				return -1;
		for (size_t i = 0; i < st->ndoms; i++)
			if (strcmp(st->doms[i].name, name) == 0)
				return -1; /* given twice */
		d = dstate_dom_get(st, name);
		if (!d)
			return -2;
		d->energy_uj = d->base_uj = v[0];
		d->tasks_uj = v[1];
		d->idle_uj = v[2];
		d->unattributed_uj = v[3];
		return 0;
	}
	if (strcmp(w[0], "user") == 0 && n == 6) {
		uint32_t uid;
		struct dstate_user *u;

		if (parse_u32(w[1], &uid) < 0 || dstate_user_find(st, uid))
			return -1;
		for (int i = 0; i < 4; i++)
			if (parse_u64(w[2 + i], &v[i]) < 0)
				return -1;
		u = dstate_user_get(st, uid);
		if (!u)
			return -2;
		u->energy_uj = v[0];
		u->cpu_ns = v[1];
		u->syscalls = v[2];
		u->first_seen_ns = v[3];
		return 0;
	}
	if (strcmp(w[0], "process") == 0 && n == 8) {
		uint32_t pid, uid;
		struct dstate_proc *p;

		if (parse_u32(w[1], &pid) < 0 || pid == 0 || parse_u64(w[2], &v[0]) < 0 ||
		    parse_u32(w[3], &uid) < 0)
			return -1;
		for (int i = 0; i < 4; i++)
			if (parse_u64(w[4 + i], &v[1 + i]) < 0)
				return -1;
		if (dstate_proc_find(st, pid, v[0]))
			return -1;
		p = dstate_proc_get(st, pid, v[0]);
		if (!p)
			return -2;
		p->uid = uid;
		p->energy_uj = v[1];
		p->cpu_ns = v[2];
		p->syscalls = v[3];
		p->first_seen_ns = v[4];
		return 0;
	}
	return -1;
}

int dstate_parse(const char *buf, size_t len, struct dstate *ret, unsigned *ret_line)
{
	struct dstate st = { 0 };
	const char *p = buf, *end = buf + len;
	unsigned line = 0;
	bool have_boot = false;
	char *copy = NULL;
	int r = -EINVAL;

	*ret_line = 0;
	if (len > DSTATE_FILE_MAX)
		goto out;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *w[DSTATE_MAX_FIELDS];
		int nw, e;

		line++;
		/* Every line ends in a newline: a file cut short is not taken for whole. */
		if (!nl || memchr(p, '\0', n) || n > 4096) {
			*ret_line = line;
			goto out;
		}
		free(copy);
		copy = strndup(p, n);
		if (!copy) {
			r = -ENOMEM;
			goto out;
		}
		p = nl + 1;
		if (line == 1) {
			uint32_t v;

			if (strncmp(copy, "joulestat-state ", 16) != 0 || parse_u32(copy + 16, &v) < 0)
				goto out;
			if (v != DSTATE_VERSION) {
				r = -EPROTONOSUPPORT;
				*ret_line = line;
				goto out;
			}
			continue;
		}
		nw = split(copy, w);
		e = nw < 1 ? -1 : parse_line(&st, w, nw, &have_boot);
		if (e == -2) {
			r = -ENOMEM;
			goto out;
		}
		if (e < 0) {
			*ret_line = line;
			goto out;
		}
	}
	if (line == 0)
		goto out;
	if (!have_boot) {
		*ret_line = line;
		goto out;
	}
	r = 0;
out:
	free(copy);
	if (r == 0)
		*ret = st;
	else
		dstate_done(&st);
	return r;
}
