/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* recfmt.c - decode and check the lines of a recording (see recfmt.h, docs/FORMAT.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "parse.h"
#include "domain_kind.h"
#include "recfmt.h"
#include "recfmt_res.h"
#include "utf8.h"
#include "util.h"

/* Objects with more members than this are refused (the largest has 10). */
#define MAX_MEMBERS 64

struct dec {
	const struct jsonr_doc *doc;
	struct recfmt_error *err;
};

static int derr(struct dec *d, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int derr(struct dec *d, int r, const char *fmt, ...)
{
	va_list ap;

	if (d->err && d->err->msg[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(d->err->msg, sizeof(d->err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

static const char *node_kind(const struct jsonr_node *n)
{
	if (n->type == JSONR_NUMBER && !n->is_u64 && !n->is_i64)
		return "a fractional or out-of-range number";
	if (n->type == JSONR_NUMBER && !n->is_u64)
		return "a negative number";
	switch (n->type) {
	case JSONR_NULL:
		return "null";
	case JSONR_BOOL:
		return "a boolean";
	case JSONR_NUMBER:
		return "a number";
	case JSONR_STRING:
		return "a string";
	case JSONR_ARRAY:
		return "an array";
	default:
		return "an object";
	}
}

/* An object at `path` whose member names are unique (a repeated one would be read once, silently). */
static int want_object(struct dec *d, const struct jsonr_node *n, const char *path)
{
	if (!n)
		return derr(d, -EINVAL, "%s: missing", path);
	if (n->type != JSONR_OBJECT)
		return derr(d, -EINVAL, "%s: expected an object, got %s", path, node_kind(n));
	if (n->count > MAX_MEMBERS)
		return derr(d, -EINVAL, "%s: %u members, more than any version has", path,
			    n->count);
	for (const struct jsonr_node *a = jsonr_first(d->doc, n); a; a = jsonr_next(d->doc, a))
		for (const struct jsonr_node *b = jsonr_next(d->doc, a); b;
		     b = jsonr_next(d->doc, b))
			if (strcmp(a->key, b->key) == 0)
				return derr(d, -EINVAL, "%s: member \"%s\" appears twice", path,
					    a->key);
	return 0;
}

static int want_array(struct dec *d, const struct jsonr_node *n, const char *path)
{
	if (!n)
		return derr(d, -EINVAL, "%s: missing", path);
	if (n->type != JSONR_ARRAY)
		return derr(d, -EINVAL, "%s: expected an array, got %s", path, node_kind(n));
	return 0;
}

static int node_u64(struct dec *d, const struct jsonr_node *n, const char *path, const char *key,
		    uint64_t *ret)
{
	if (!n)
		return derr(d, -EINVAL, "%s%s%s: missing", path, key ? "." : "", key ? key : "");
	if (n->type != JSONR_NUMBER || !n->is_u64)
		return derr(d, -EINVAL, "%s%s%s: expected an unsigned integer, got %s", path,
			    key ? "." : "", key ? key : "", node_kind(n));
	*ret = n->u64;
	return 0;
}

static int get_u64(struct dec *d, const struct jsonr_node *obj, const char *path, const char *key,
		   uint64_t *ret)
{
	return node_u64(d, jsonr_get(d->doc, obj, key), path, key, ret);
}

/* A u64 that must fit in `max`. */
static int get_bounded(struct dec *d, const struct jsonr_node *obj, const char *path,
		       const char *key, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r = get_u64(d, obj, path, key, &v);

	if (r < 0)
		return r;
	if (v > max)
		return derr(d, -EINVAL, "%s.%s: %llu is out of range (at most %llu)", path, key,
			    (unsigned long long)v, (unsigned long long)max);
	*ret = v;
	return 0;
}

static int get_bool(struct dec *d, const struct jsonr_node *obj, const char *path, const char *key,
		    bool *ret)
{
	const struct jsonr_node *n = jsonr_get(d->doc, obj, key);

	if (!n)
		return derr(d, -EINVAL, "%s.%s: missing", path, key);
	if (n->type != JSONR_BOOL)
		return derr(d, -EINVAL, "%s.%s: expected true or false, got %s", path, key,
			    node_kind(n));
	*ret = n->boolean;
	return 0;
}

/* A string member, duplicated into *ret (the caller frees it). */
static int get_str(struct dec *d, const struct jsonr_node *obj, const char *path, const char *key,
		   char **ret)
{
	const struct jsonr_node *n = jsonr_get(d->doc, obj, key);
	char *s;

	if (!n)
		return derr(d, -EINVAL, "%s.%s: missing", path, key);
	if (n->type != JSONR_STRING)
		return derr(d, -EINVAL, "%s.%s: expected a string, got %s", path, key,
			    node_kind(n));
	s = strdup(n->str);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* JSON syntax errors, worded with the column a user can find in an editor. */
static int parse_json(const char *buf, size_t len, struct jsonr_doc *doc, struct dec *d)
{
	struct jsonr_error je;
	int r = jsonr_parse(buf, len, doc, &je);

	if (r == -EINVAL)
		return derr(d, r, "column %zu: not valid JSON: %s%s", je.offset + 1, je.msg,
			    je.offset >= len ? " (is the line truncated?)" : "");
	if (r == -E2BIG)
		return derr(d, -EINVAL, "line of %zu bytes is too long", len);
	return r;
}

static int parse_domain(struct dec *d, const struct jsonr_node *n, size_t i,
			struct recfmt_domain *dom)
{
	char path[48], *kind = NULL, *cpus = NULL;
	const struct jsonr_node *sock;
	int r;

	snprintf(path, sizeof(path), "domains[%zu]", i);
	r = want_object(d, n, path);
	if (r < 0)
		return r;
	r = get_str(d, n, path, "name", &dom->name);
	if (r < 0)
		return r;
	if (dom->name[0] == '\0')
		return derr(d, -EINVAL, "%s.name: empty", path);
	r = get_str(d, n, path, "kind", &kind);
	if (r < 0)
		return r;
	r = domain_kind_from_name(kind, &dom->kind);
	if (r < 0) {
		r = derr(d, -EINVAL, "%s.kind: unknown domain kind \"%s\"", path, kind);
		goto out;
	}
	r = get_str(d, n, path, "source", &dom->source);
	if (r < 0)
		goto out;
	sock = jsonr_get(d->doc, n, "socket");
	if (sock && sock->type == JSONR_NULL) {
		dom->socket = -1;
	} else {
		uint64_t v;

		r = node_u64(d, sock, path, "socket", &v);
		if (r < 0)
			goto out;
		if (v >= RECFMT_MAX_CPUS) {
			r = derr(d, -EINVAL, "%s.socket: %llu is out of range", path,
				 (unsigned long long)v);
			goto out;
		}
		dom->socket = (int)v;
	}
	r = get_str(d, n, path, "cpus", &cpus);
	if (r < 0)
		goto out;
	cpuset_zero(&dom->cpus);
	if (cpus[0] && parse_cpulist(cpus, strlen(cpus), &dom->cpus) < 0) {
		r = derr(d, -EINVAL, "%s.cpus: \"%s\" is not a CPU list like \"0-3,8\"", path,
			 cpus);
		goto out;
	}
	r = get_bool(d, n, path, "estimated", &dom->estimated);
	if (r < 0)
		goto out;
	r = get_bool(d, n, path, "in_total", &dom->in_total);
	if (r < 0)
		goto out;
	r = get_u64(d, n, path, "static_mw", &dom->static_mw);
	if (r < 0)
		goto out;
	/* Optional: files written before it have none. */
	if (jsonr_get(d->doc, n, "static_from")) {
		r = get_str(d, n, path, "static_from", &dom->static_from);
		if (r < 0)
			goto out;
	}
	r = get_u64(d, n, path, "max_energy_range_uj", &dom->max_energy_range_uj);
	/* Optional (process domains, and files written since): the process it meters. */
	if (r == 0 && jsonr_get(d->doc, n, "pid")) {
		uint64_t pid;

		r = get_bounded(d, n, path, "pid", INT32_MAX, &pid);
		if (r == 0)
			dom->pid = (uint32_t)pid;
	}
out:
	free(kind);
	free(cpus);
	return r;
}

void recfmt_header_free(struct recfmt_header *h)
{
	if (!h)
		return;
	for (size_t i = 0; h->domains && i < h->ndomains; i++) {
		free(h->domains[i].name);
		free(h->domains[i].source);
		free(h->domains[i].static_from);
	}
	free(h->domains);
	free(h->joulestat);
	free(h->host);
	free(h->cpu_model);
	free(h->source);
	free(h->collector);
	free(h->daemon);
	*h = (struct recfmt_header){ 0 };
}

int recfmt_parse_header(const char *buf, size_t len, struct recfmt_header *ret,
			struct recfmt_error *err)
{
	struct recfmt_header h = { 0 };
	struct jsonr_doc doc = { 0 };
	struct dec d = { .doc = &doc, .err = err };
	const struct jsonr_node *root, *fmt, *doms, *opts, *n;
	char *idle = NULL;
	uint64_t v;
	size_t i;
	int r;

	if (err)
		err->msg[0] = '\0';
	r = parse_json(buf, len, &doc, &d);
	if (r < 0)
		return r;
	root = &doc.nodes[0];
	r = want_object(&d, root, "header");
	if (r < 0)
		goto fail;
	fmt = jsonr_get(&doc, root, "format");
	if (!fmt || fmt->type != JSONR_STRING || strcmp(fmt->str, RECFMT_NAME) != 0) {
		r = derr(&d, -EINVAL, "not a joulestat recording (its first line has no "
				      "\"format\": \"" RECFMT_NAME "\")");
		goto fail;
	}
	r = get_u64(&d, root, "header", "version", &v);
	if (r < 0)
		goto fail;
	if (v > RECFMT_VERSION) {
		r = derr(&d, -EPROTONOSUPPORT,
			 "format version %llu is newer than this joulestat reads (%d): "
			 "use a newer joulestat",
			 (unsigned long long)v, RECFMT_VERSION);
		goto fail;
	}
	if (v == 0) {
		r = derr(&d, -EINVAL, "header.version: 0 is not a version");
		goto fail;
	}
	h.version = (unsigned)v;
	if ((r = get_str(&d, root, "header", "joulestat", &h.joulestat)) < 0 ||
	    (r = get_str(&d, root, "header", "host", &h.host)) < 0 ||
	    (r = get_str(&d, root, "header", "cpu_model", &h.cpu_model)) < 0 ||
	    (r = get_u64(&d, root, "header", "start_unix_ns", &h.start_unix_ns)) < 0)
		goto fail;
	if ((r = get_bounded(&d, root, "header", "cpus", RECFMT_MAX_CPUS, &v)) < 0)
		goto fail;
	if (v == 0) {
		r = derr(&d, -EINVAL, "header.cpus: 0 CPUs");
		goto fail;
	}
	h.ncpus = (unsigned)v;
	if ((r = get_bounded(&d, root, "header", "sockets", RECFMT_MAX_CPUS, &v)) < 0)
		goto fail;
	h.nsockets = (unsigned)v;

	doms = jsonr_get(&doc, root, "domains");
	r = want_array(&d, doms, "header.domains");
	if (r < 0)
		goto fail;
	if (doms->count > RECFMT_MAX_DOMAINS) {
		r = derr(&d, -EINVAL, "header.domains: %u domains, more than %d", doms->count,
			 RECFMT_MAX_DOMAINS);
		goto fail;
	}
	h.domains = calloc(doms->count ? doms->count : 1, sizeof(*h.domains));
	if (!h.domains) {
		r = -ENOMEM;
		goto fail;
	}
	i = 0;
	for (n = jsonr_first(&doc, doms); n; n = jsonr_next(&doc, n), i++) {
		h.ndomains = i + 1;
		r = parse_domain(&d, n, i, &h.domains[i]);
		if (r < 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (strcmp(h.domains[j].name, h.domains[i].name) == 0) {
				r = derr(&d, -EINVAL, "domains[%zu].name: \"%s\" appears twice", i,
					 h.domains[i].name);
				goto fail;
			}
	}

	opts = jsonr_get(&doc, root, "options");
	r = want_object(&d, opts, "header.options");
	if (r < 0)
		goto fail;
	if ((r = get_u64(&d, opts, "options", "interval_ns", &h.interval_ns)) < 0 ||
	    (r = get_u64(&d, opts, "options", "duration_ns", &h.duration_ns)) < 0 ||
	    (r = get_bool(&d, opts, "options", "raw", &h.raw)) < 0 ||
	    (r = get_str(&d, opts, "options", "source", &h.source)) < 0 ||
	    (r = get_str(&d, opts, "options", "collector", &h.collector)) < 0 ||
	    (r = get_str(&d, opts, "options", "idle", &idle)) < 0)
		goto fail;
	/* Optional: recordings without resources predate it and say nothing. */
	if (jsonr_get(&doc, opts, "resources") &&
	    (r = get_bool(&d, opts, "options", "resources", &h.resources)) < 0)
		goto fail;
	/* Version 2 says whether its rows count syscalls; version 1 has none. */
	if (h.version >= 2 && (r = get_bool(&d, opts, "options", "syscalls", &h.syscalls)) < 0)
		goto fail;
	/* Optional: recorded through the system's daemon (its socket). */
	if (jsonr_get(&doc, opts, "daemon") &&
	    (r = get_str(&d, opts, "options", "daemon", &h.daemon)) < 0)
		goto fail;
	if (h.interval_ns == 0) {
		r = derr(&d, -EINVAL, "options.interval_ns: 0");
		goto fail;
	}
	if (attrib_idle_policy_from_name(idle, &h.idle) < 0) {
		r = derr(&d, -EINVAL, "options.idle: unknown idle policy \"%s\"", idle);
		goto fail;
	}
	free(idle);
	jsonr_free(&doc);
	*ret = h;
	return 0;
fail:
	free(idle);
	recfmt_header_free(&h);
	jsonr_free(&doc);
	return r;
}

struct recfmt_interval *recfmt_interval_free(struct recfmt_interval *iv)
{
	if (!iv)
		return NULL;
	free(iv->ledgers);
	free(iv->rows);
	free(iv->row_energy);
	for (size_t i = 0; iv->cgroups && i < iv->ncgroups; i++)
		free(iv->cgroups[i].path);
	free(iv->cgroups);
	free(iv->idle_ns);
	free(iv->lost_ns_cpu);
	free(iv->irq_ns_cpu);
	free(iv->tasks);
	free(iv->task_rows);
	free(iv->proc_start_ns);
	free(iv->gpus);
	free(iv->gpu_procs);
	recfmt_resources_free(iv->resources);
	free(iv->vms);
	free(iv->vm_procs);
	free(iv);
	return NULL;
}

static int cmp_vm(const void *pa, const void *pb)
{
	const struct recfmt_vm *a = pa, *b = pb;

	if (a->energy_uj != b->energy_uj)
		return a->energy_uj > b->energy_uj ? -1 : 1;
	return strcmp(a->name, b->name);
}

int recfmt_vms_sum(struct recfmt_interval *iv, struct recfmt_error *err)
{
	for (size_t v = 0; v < iv->nvms; v++) {
		struct recfmt_vm *vm = &iv->vms[v];

		vm->energy_uj = 0;
		vm->cpu_ns = 0;
		for (size_t p = vm->first; p < vm->first + vm->nprocs; p++) {
			const struct recfmt_vm_proc *pr = &iv->vm_procs[p];
			const struct recfmt_row *row = NULL;

			for (size_t i = 0; i < iv->nrows && !row; i++)
				if (iv->rows[i].tgid == pr->tgid && iv->rows[i].start_ns == pr->start_ns)
					row = &iv->rows[i];
			if (!row) {
				if (err)
					snprintf(err->msg, sizeof(err->msg),
						 "vms: %s: process %u (start %llu) is no row of the "
						 "interval", vm->name, pr->tgid,
						 (unsigned long long)pr->start_ns);
				return -EINVAL;
			}
			for (size_t w = 0; w < iv->nvms; w++)
				for (size_t q = iv->vms[w].first;
				     q < iv->vms[w].first + iv->vms[w].nprocs; q++)
					if (q != p && iv->vm_procs[q].tgid == pr->tgid &&
					    iv->vm_procs[q].start_ns == pr->start_ns) {
						if (err)
							snprintf(err->msg, sizeof(err->msg),
								 "vms: process %u is listed twice",
								 pr->tgid);
						return -EINVAL;
					}
			vm->energy_uj += row->total_uj;
			vm->cpu_ns += row->cpu_ns;
		}
	}
	if (iv->nvms > 1)
		qsort(iv->vms, iv->nvms, sizeof(*iv->vms), cmp_vm);
	return 0;
}

static const char *const status_names[] = { "split", "no-time", "skipped", "refused" };
static const enum gpu_split_status gpu_statuses[] = { GPU_SPLIT_IDLE, GPU_SPLIT_BUSY,
						      GPU_SPLIT_SINGLE, GPU_SPLIT_NO_ACTIVITY };

/* delta == tasks + idle + unattributed, without overflow. */
static bool balances(uint64_t delta, uint64_t tasks, uint64_t idle, uint64_t unattr)
{
	return (unsigned __int128)tasks + idle + unattr == delta;
}

static int parse_ledger(struct dec *d, const struct jsonr_node *n, const char *path,
			struct recfmt_ledger *l, bool with_status)
{
	int r = want_object(d, n, path);

	if (r < 0)
		return r;
	if ((r = get_u64(d, n, path, "delta_uj", &l->delta_uj)) < 0 ||
	    (r = get_u64(d, n, path, "tasks_uj", &l->tasks_uj)) < 0 ||
	    (r = get_u64(d, n, path, "idle_uj", &l->idle_uj)) < 0 ||
	    (r = get_u64(d, n, path, "unattributed_uj", &l->unattributed_uj)) < 0)
		return r;
	if (!balances(l->delta_uj, l->tasks_uj, l->idle_uj, l->unattributed_uj))
		return derr(d, -EINVAL,
			    "%s: ledger does not balance: delta_uj %llu != tasks_uj %llu + "
			    "idle_uj %llu + unattributed_uj %llu",
			    path, (unsigned long long)l->delta_uj, (unsigned long long)l->tasks_uj,
			    (unsigned long long)l->idle_uj, (unsigned long long)l->unattributed_uj);
	if (!with_status)
		return 0;
	if ((r = get_u64(d, n, path, "energy_uj", &l->energy_uj)) < 0)
		return r;
	if (jsonr_get(d->doc, n, "raw_uj") && (r = get_u64(d, n, path, "raw_uj", &l->raw_uj)) < 0)
		return r;
	{
		const struct jsonr_node *s = jsonr_get(d->doc, n, "status");
		size_t k;

		if (!s || s->type != JSONR_STRING)
			return derr(d, -EINVAL, "%s.status: %s, expected \"split\", \"no-time\", "
						"\"skipped\", \"refused\" or \"gpu-...\"",
				    path, s ? node_kind(s) : "missing");
		for (k = 0; k < ARRAY_SIZE(status_names); k++)
			if (strcmp(s->str, status_names[k]) == 0)
				break;
		if (k < ARRAY_SIZE(status_names)) {
			l->status = (enum attrib_ledger_status)k;
			/* A gap: nothing is known, so nothing may be claimed. */
			if (l->status == ATTRIB_LEDGER_REFUSED && l->delta_uj)
				return derr(d, -EINVAL, "%s: a refused reading has no energy, but "
							"delta_uj is %llu",
					    path, (unsigned long long)l->delta_uj);
		} else {
			for (k = 0; k < ARRAY_SIZE(gpu_statuses); k++)
				if (strncmp(s->str, "gpu-", 4) == 0 &&
				    strcmp(s->str + 4, gpu_split_status_name(gpu_statuses[k])) == 0)
					break;
			if (k == ARRAY_SIZE(gpu_statuses))
				return derr(d, -EINVAL, "%s.status: unknown status \"%s\"", path,
					    s->str);
			l->status = ATTRIB_LEDGER_SKIPPED;
			l->gpu = true;
			l->gpu_status = gpu_statuses[k];
		}
	}
	/* Optional: files written before GPU splits were recorded have none. */
	if (jsonr_get(d->doc, n, "sampled") && (r = get_bool(d, n, path, "sampled", &l->sampled)) < 0)
		return r;
	return 0;
}

/* Element `i` of array `a`, or NULL. */
static const struct jsonr_node *nth(const struct jsonr_doc *doc, const struct jsonr_node *a,
				    size_t i)
{
	const struct jsonr_node *n = jsonr_first(doc, a);

	while (n && i--)
		n = jsonr_next(doc, n);
	return n;
}

static int copy_comm(struct dec *d, const struct jsonr_node *n, const char *path, char *comm)
{
	if (!n || n->type != JSONR_STRING)
		return derr(d, -EINVAL, "%s: the command name: expected a string, got %s", path,
			    n ? node_kind(n) : "nothing");
	if (n->len >= ACTIVITY_COMM_LEN)
		return derr(d, -EINVAL, "%s: command name \"%s\" longer than %d bytes", path,
			    n->str, ACTIVITY_COMM_LEN - 1);
	strscpy(comm, n->str, ACTIVITY_COMM_LEN);
	return 0;
}

/*
 * cgroups (version 2): [[cgroup_id, "path"], ...], each id once; the rows
 * name theirs by index.
 */
static int parse_cgroups(struct dec *d, const struct jsonr_node *cg, struct recfmt_interval *iv)
{
	const struct jsonr_node *e, *path;
	size_t i = 0;
	int r;

	if ((r = want_array(d, cg, "cgroups")) < 0)
		return r;
	iv->cgroups = calloc(cg->count ? cg->count : 1, sizeof(*iv->cgroups));
	if (!iv->cgroups)
		return -ENOMEM;
	for (e = jsonr_first(d->doc, cg); e; e = jsonr_next(d->doc, e), i++) {
		struct recfmt_cgroup *c = &iv->cgroups[i];
		char p[40];

		snprintf(p, sizeof(p), "cgroups[%zu]", i);
		if ((r = want_array(d, e, p)) < 0)
			return r;
		if (e->count != 2)
			return derr(d, -EINVAL, "%s: %u elements, expected 2 (cgroup_id, path)", p,
				    e->count);
		if ((r = node_u64(d, nth(d->doc, e, 0), p, "cgroup_id", &c->id)) < 0)
			return r;
		path = nth(d->doc, e, 1);
		if (path->type != JSONR_STRING)
			return derr(d, -EINVAL, "%s: the path: expected a string, got %s", p,
				    node_kind(path));
		if (path->len > RECFMT_CGROUP_PATH_MAX)
			return derr(d, -EINVAL, "%s: a path of %zu bytes, longer than %d", p,
				    path->len, RECFMT_CGROUP_PATH_MAX);
		for (size_t k = 0; k < i; k++)
			if (iv->cgroups[k].id == c->id)
				return derr(d, -EINVAL, "%s: cgroup id %llu appears twice", p,
					    (unsigned long long)c->id);
		c->path = strdup(path->str);
		if (!c->path)
			return -ENOMEM;
		iv->ncgroups = i + 1;
	}
	return 0;
}

/*
 * rows: [[tgid, start_ns, uid, "comm", cpu_ns, [energy_uj per domain]], ...];
 * version 2 adds the cgroup's index, then with options.syscalls the syscalls.
 */
static int parse_rows(struct dec *d, const struct jsonr_node *rows, const struct recfmt_header *h,
		      struct recfmt_interval *iv, size_t line_len)
{
	const struct jsonr_node *row, *e;
	unsigned want = h->version >= 2 ? 7u + h->syscalls : 6u;
	uint64_t *sum;
	size_t i = 0;
	int r;

	r = want_array(d, rows, "rows");
	if (r < 0)
		return r;
	/*
	 * Each row holds at least one digit and a comma per domain: refuse
	 * before allocating rows × domains for a line that cannot hold them.
	 */
	if (h->ndomains && rows->count > line_len / (2 * h->ndomains))
		return derr(d, -EINVAL, "rows: %u rows of %zu energies cannot fit in this line",
			    rows->count, h->ndomains);
	iv->nrows = rows->count;
	iv->rows = calloc(rows->count ? rows->count : 1, sizeof(*iv->rows));
	iv->row_energy = calloc((size_t)(rows->count ? rows->count : 1) * (h->ndomains + 1),
				sizeof(uint64_t));
	sum = calloc(h->ndomains + 1, sizeof(*sum));
	if (!iv->rows || !iv->row_energy || !sum) {
		free(sum);
		return -ENOMEM;
	}
	for (row = jsonr_first(d->doc, rows); row; row = jsonr_next(d->doc, row), i++) {
		struct recfmt_row *rw = &iv->rows[i];
		char path[40];
		uint64_t v;
		size_t k = 0;

		snprintf(path, sizeof(path), "rows[%zu]", i);
		if ((r = want_array(d, row, path)) < 0)
			goto out;
		if (row->count != want) {
			r = derr(d, -EINVAL, "%s: %u elements, expected %u (tgid, start_ns, uid, comm, "
					     "cpu_ns, energies%s%s)",
				 path, row->count, want, want > 6 ? ", cgroup" : "",
				 want > 7 ? ", syscalls" : "");
			goto out;
		}
		if ((r = node_u64(d, nth(d->doc, row, 0), path, "tgid", &v)) < 0)
			goto out;
		if (v > UINT32_MAX) {
			r = derr(d, -EINVAL, "%s.tgid: %llu is not a PID", path, (unsigned long long)v);
			goto out;
		}
		rw->tgid = (uint32_t)v;
		if ((r = node_u64(d, nth(d->doc, row, 1), path, "start_ns", &rw->start_ns)) < 0 ||
		    (r = node_u64(d, nth(d->doc, row, 2), path, "uid", &v)) < 0)
			goto out;
		if (v > UINT32_MAX) {
			r = derr(d, -EINVAL, "%s.uid: %llu is not a user id", path,
				 (unsigned long long)v);
			goto out;
		}
		rw->uid = (uint32_t)v;
		if ((r = copy_comm(d, nth(d->doc, row, 3), path, rw->comm)) < 0 ||
		    (r = node_u64(d, nth(d->doc, row, 4), path, "cpu_ns", &rw->cpu_ns)) < 0)
			goto out;
		e = nth(d->doc, row, 5);
		if ((r = want_array(d, e, path)) < 0)
			goto out;
		if (e->count != h->ndomains) {
			r = derr(d, -EINVAL, "%s: %u energies for %zu domains", path, e->count,
				 h->ndomains);
			goto out;
		}
		rw->cgroup = RECFMT_NO_CGROUP;
		if (want > 6) {
			if ((r = node_u64(d, nth(d->doc, row, 6), path, "cgroup", &v)) < 0)
				goto out;
			if (v >= iv->ncgroups) {
				r = derr(d, -EINVAL, "%s.cgroup: %llu, but the interval lists %zu cgroups",
					 path, (unsigned long long)v, iv->ncgroups);
				goto out;
			}
			rw->cgroup = (uint32_t)v;
		}
		if (want > 7 &&
		    (r = node_u64(d, nth(d->doc, row, 7), path, "syscalls", &rw->syscalls)) < 0)
			goto out;
		rw->energy_uj = iv->row_energy + i * (h->ndomains + 1);
		for (e = jsonr_first(d->doc, e); e; e = jsonr_next(d->doc, e), k++) {
			if ((r = node_u64(d, e, path, "energy_uj", &rw->energy_uj[k])) < 0)
				goto out;
			if (rw->energy_uj[k] > iv->ledgers[k].tasks_uj - sum[k]) {
				r = derr(d, -EINVAL,
					 "%s: rows give domain %s more than its tasks_uj %llu",
					 path, h->domains[k].name,
					 (unsigned long long)iv->ledgers[k].tasks_uj);
				goto out;
			}
			sum[k] += rw->energy_uj[k];
			if (h->domains[k].in_total)
				rw->total_uj += rw->energy_uj[k];
		}
	}
	for (size_t k = 0; k < h->ndomains; k++)
		if (sum[k] != iv->ledgers[k].tasks_uj) {
			r = derr(d, -EINVAL,
				 "rows: domain %s: the rows add up to %llu µJ, its tasks_uj is %llu",
				 h->domains[k].name, (unsigned long long)sum[k],
				 (unsigned long long)iv->ledgers[k].tasks_uj);
			goto out;
		}
	r = 0;
out:
	free(sum);
	return r;
}

/*
 * vms (optional): [["name", energy_uj, cpu_ns, [tgid, start_ns, ...]], ...]: each
 * VM's processes, and its energy and CPU time, which must be their rows' sums.
 */
static int parse_vms(struct dec *d, const struct jsonr_node *vms, struct recfmt_interval *iv)
{
	const struct jsonr_node *vm, *n, *procs;
	struct recfmt_vm *want;
	size_t np = 0, i = 0, k = 0;
	int r;

	if (!vms)
		return 0;
	if ((r = want_array(d, vms, "vms")) < 0)
		return r;
	for (vm = jsonr_first(d->doc, vms); vm; vm = jsonr_next(d->doc, vm), i++) {
		char path[32];

		snprintf(path, sizeof(path), "vms[%zu]", i);
		if ((r = want_array(d, vm, path)) < 0)
			return r;
		procs = vm->count == 4 ? nth(d->doc, vm, 3) : NULL;
		if (!procs || procs->type != JSONR_ARRAY || procs->count % 2 ||
		    procs->count / 2 > iv->nrows)
			return derr(d, -EINVAL, "%s: expected [name, energy_uj, cpu_ns, [tgid, "
						"start_ns, ...]] with at most one pair per row", path);
		np += procs->count / 2;
	}
	if (np > iv->nrows)
		return derr(d, -EINVAL, "vms: %zu processes, more than the %zu rows", np, iv->nrows);
	iv->nvms = vms->count;
	iv->vms = calloc(vms->count ? vms->count : 1, sizeof(*iv->vms));
	iv->vm_procs = calloc(np ? np : 1, sizeof(*iv->vm_procs));
	want = calloc(vms->count ? vms->count : 1, sizeof(*want));
	if (!iv->vms || !iv->vm_procs || !want) {
		free(want);
		return -ENOMEM;
	}
	i = 0;
	for (vm = jsonr_first(d->doc, vms); vm; vm = jsonr_next(d->doc, vm), i++) {
		struct recfmt_vm *v = &iv->vms[i];
		char path[32];

		snprintf(path, sizeof(path), "vms[%zu]", i);
		n = nth(d->doc, vm, 0);
		if (!n || n->type != JSONR_STRING || !vm_name_valid(n->str, n->len) ||
		    strlen(n->str) != n->len) {
			r = derr(d, -EINVAL, "%s: the name: expected 1 to %d bytes without '/' or "
					     "control characters", path, VM_NAME_MAX - 1);
			goto out;
		}
		memcpy(v->name, n->str, n->len + 1);
		for (size_t w = 0; w < i; w++)
			if (strcmp(iv->vms[w].name, v->name) == 0) {
				r = derr(d, -EINVAL, "%s: VM \"%s\" listed twice", path, v->name);
				goto out;
			}
		if ((r = node_u64(d, nth(d->doc, vm, 1), path, "energy_uj", &v->energy_uj)) < 0 ||
		    (r = node_u64(d, nth(d->doc, vm, 2), path, "cpu_ns", &v->cpu_ns)) < 0)
			goto out;
		want[i] = *v;
		v->first = k;
		procs = nth(d->doc, vm, 3);
		for (n = jsonr_first(d->doc, procs); n; n = jsonr_next(d->doc, n), k++) {
			uint64_t tgid;

			if ((r = node_u64(d, n, path, "tgid", &tgid)) < 0)
				goto out;
			if (tgid > UINT32_MAX) {
				r = derr(d, -EINVAL, "%s.tgid: %llu is not a PID", path,
					 (unsigned long long)tgid);
				goto out;
			}
			iv->vm_procs[k].tgid = (uint32_t)tgid;
			n = jsonr_next(d->doc, n);
			if ((r = node_u64(d, n, path, "start_ns", &iv->vm_procs[k].start_ns)) < 0)
				goto out;
		}
		v->nprocs = k - v->first;
	}
	{
		struct recfmt_error e;

		if (recfmt_vms_sum(iv, &e) < 0) {
			r = derr(d, -EINVAL, "%s", e.msg);
			goto out;
		}
	}
	/* recfmt_vms_sum() ordered them: compare by name. */
	for (i = 0; i < iv->nvms; i++)
		for (size_t w = 0; w < iv->nvms; w++)
			if (strcmp(want[w].name, iv->vms[i].name) == 0 &&
			    (want[w].energy_uj != iv->vms[i].energy_uj ||
			     want[w].cpu_ns != iv->vms[i].cpu_ns)) {
				r = derr(d, -EINVAL,
					 "vms: %s: energy_uj %llu and cpu_ns %llu, its processes' "
					 "rows add up to %llu and %llu",
					 want[w].name, (unsigned long long)want[w].energy_uj,
					 (unsigned long long)want[w].cpu_ns,
					 (unsigned long long)iv->vms[i].energy_uj,
					 (unsigned long long)iv->vms[i].cpu_ns);
				goto out;
			}
	r = 0;
out:
	free(want);
	return r;
}

/*
 * raw.gpu (optional): [{"domain": I, "idle_mw": N, "idle_known": B, "procs_unknown": B,
 * "procs": [pid, busy, pid, busy, ...]}, ...], at most one per GPU domain.
 */
static int parse_raw_gpu(struct dec *d, const struct jsonr_node *gpu,
			 const struct recfmt_header *h, struct recfmt_interval *iv)
{
	const struct jsonr_node *g, *procs, *n;
	size_t np = 0, i = 0;
	uint64_t v;
	int r;

	if (!gpu)
		return 0;
	if ((r = want_array(d, gpu, "raw.gpu")) < 0)
		return r;
	for (g = jsonr_first(d->doc, gpu); g; g = jsonr_next(d->doc, g)) {
		procs = g->type == JSONR_OBJECT ? jsonr_get(d->doc, g, "procs") : NULL;
		if (procs && procs->type == JSONR_ARRAY)
			np += procs->count / 2;
	}
	iv->gpus = calloc(gpu->count ? gpu->count : 1, sizeof(*iv->gpus));
	iv->gpu_procs = calloc(np ? np : 1, sizeof(*iv->gpu_procs));
	if (!iv->gpus || !iv->gpu_procs)
		return -ENOMEM;
	np = 0;
	for (g = jsonr_first(d->doc, gpu); g; g = jsonr_next(d->doc, g), i++) {
		struct recfmt_gpu *rg = &iv->gpus[i];
		char path[48];

		snprintf(path, sizeof(path), "raw.gpu[%zu]", i);
		if ((r = want_object(d, g, path)) < 0 ||
		    (r = get_u64(d, g, path, "domain", &v)) < 0)
			return r;
		if (v >= h->ndomains || h->domains[v].kind != JOULESTAT_DOMAIN_GPU)
			return derr(d, -EINVAL, "%s.domain: %llu is not a GPU domain of the header",
				    path, (unsigned long long)v);
		for (size_t k = 0; k < i; k++)
			if (iv->gpus[k].domain == v)
				return derr(d, -EINVAL, "%s.domain: domain %s twice", path,
					    h->domains[v].name);
		rg->domain = (size_t)v;
		if ((r = get_u64(d, g, path, "idle_mw", &rg->idle_mw)) < 0 ||
		    (r = get_bool(d, g, path, "idle_known", &rg->idle_known)) < 0 ||
		    (r = get_bool(d, g, path, "procs_unknown", &rg->procs_unknown)) < 0)
			return r;
		procs = jsonr_get(d->doc, g, "procs");
		if ((r = want_array(d, procs, path)) < 0)
			return r;
		if (procs->count % 2)
			return derr(d, -EINVAL, "%s.procs: not (pid, busy) pairs", path);
		rg->procs = iv->gpu_procs + np;
		for (n = jsonr_first(d->doc, procs); n; n = jsonr_next(d->doc, jsonr_next(d->doc, n))) {
			struct recfmt_gpu_proc *p = &iv->gpu_procs[np];

			if ((r = node_u64(d, n, path, "pid", &v)) < 0 ||
			    (r = node_u64(d, jsonr_next(d->doc, n), path, "busy", &p->busy)) < 0)
				return r;
			if (v > UINT32_MAX)
				return derr(d, -EINVAL, "%s.procs: pid above 2^32", path);
			p->pid = (uint32_t)v;
			np++;
			rg->nprocs++;
		}
	}
	iv->ngpus = i;
	return 0;
}

/* raw: {"idle_ns": [...], "lost_ns": [...], "irq_ns": [...], "tasks": [[tgid, tid, start_ns,
 *        uid, cgroup_id, "comm", flags, proc_start_ns, [cpu, ns, cpu, ns, ...]], ...]} */
static int parse_raw(struct dec *d, const struct jsonr_node *raw, const struct recfmt_header *h,
		     struct recfmt_interval *iv)
{
	const struct jsonr_node *idle, *lost, *irq, *tasks, *t, *n;
	size_t nrows = 0, i = 0, c;
	int r;

	if ((r = want_object(d, raw, "raw")) < 0)
		return r;
	idle = jsonr_get(d->doc, raw, "idle_ns");
	lost = jsonr_get(d->doc, raw, "lost_ns");
	irq = jsonr_get(d->doc, raw, "irq_ns");
	tasks = jsonr_get(d->doc, raw, "tasks");
	if ((r = want_array(d, idle, "raw.idle_ns")) < 0 ||
	    (r = want_array(d, lost, "raw.lost_ns")) < 0 ||
	    (r = want_array(d, irq, "raw.irq_ns")) < 0 ||
	    (r = want_array(d, tasks, "raw.tasks")) < 0)
		return r;
	if (idle->count != h->ncpus || lost->count != h->ncpus || irq->count != h->ncpus)
		return derr(d, -EINVAL,
			    "raw: idle_ns has %u, lost_ns %u and irq_ns %u values for %u CPUs",
			    idle->count, lost->count, irq->count, h->ncpus);
	iv->idle_ns = calloc(h->ncpus, sizeof(uint64_t));
	iv->lost_ns_cpu = calloc(h->ncpus, sizeof(uint64_t));
	iv->irq_ns_cpu = calloc(h->ncpus, sizeof(uint64_t));
	if (!iv->idle_ns || !iv->lost_ns_cpu || !iv->irq_ns_cpu)
		return -ENOMEM;
	for (c = 0, n = jsonr_first(d->doc, idle); n; n = jsonr_next(d->doc, n), c++)
		if ((r = node_u64(d, n, "raw.idle_ns", NULL, &iv->idle_ns[c])) < 0)
			return r;
	for (c = 0, n = jsonr_first(d->doc, lost); n; n = jsonr_next(d->doc, n), c++)
		if ((r = node_u64(d, n, "raw.lost_ns", NULL, &iv->lost_ns_cpu[c])) < 0)
			return r;
	for (c = 0, n = jsonr_first(d->doc, irq); n; n = jsonr_next(d->doc, n), c++)
		if ((r = node_u64(d, n, "raw.irq_ns", NULL, &iv->irq_ns_cpu[c])) < 0)
			return r;
	for (t = jsonr_first(d->doc, tasks); t; t = jsonr_next(d->doc, t)) {
		const struct jsonr_node *cpus = t->type == JSONR_ARRAY ? nth(d->doc, t, 8) : NULL;

		if (cpus && cpus->type == JSONR_ARRAY)
			nrows += cpus->count / 2;
	}
	iv->tasks = calloc(tasks->count ? tasks->count : 1, sizeof(*iv->tasks));
	iv->proc_start_ns = calloc(tasks->count ? tasks->count : 1, sizeof(uint64_t));
	iv->task_rows = calloc(nrows ? nrows : 1, sizeof(*iv->task_rows));
	if (!iv->tasks || !iv->proc_start_ns || !iv->task_rows)
		return -ENOMEM;
	nrows = 0;
	for (t = jsonr_first(d->doc, tasks); t; t = jsonr_next(d->doc, t), i++) {
		struct activity_task *tk = &iv->tasks[i];
		const char *const names[] = { "tgid", "tid", "start_ns", "uid", "cgroup_id" };
		uint64_t v[5], flags, cpu, ns;
		const struct jsonr_node *cpus;
		char path[48];

		snprintf(path, sizeof(path), "raw.tasks[%zu]", i);
		if ((r = want_array(d, t, path)) < 0)
			return r;
		if (t->count != 9u + h->syscalls)
			return derr(d, -EINVAL, "%s: %u elements, expected %u", path, t->count,
				    9u + h->syscalls);
		for (unsigned k = 0; k < 5; k++)
			if ((r = node_u64(d, nth(d->doc, t, k), path, names[k], &v[k])) < 0)
				return r;
		if (v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[3] > UINT32_MAX)
			return derr(d, -EINVAL, "%s: tgid, tid or uid above 2^32", path);
		tk->key = (struct task_key){ (uint32_t)v[0], (uint32_t)v[1], v[2] };
		tk->uid = (uint32_t)v[3];
		tk->cgroup_id = v[4];
		if ((r = copy_comm(d, nth(d->doc, t, 5), path, tk->comm)) < 0 ||
		    (r = node_u64(d, nth(d->doc, t, 6), path, "flags", &flags)) < 0 ||
		    (r = node_u64(d, nth(d->doc, t, 7), path, "proc_start_ns",
				  &iv->proc_start_ns[i])) < 0)
			return r;
		if (flags > UINT32_MAX)
			return derr(d, -EINVAL, "%s.flags: out of range", path);
		tk->flags = (uint32_t)flags;
		cpus = nth(d->doc, t, 8);
		if ((r = want_array(d, cpus, path)) < 0)
			return r;
		if (cpus->count % 2)
			return derr(d, -EINVAL, "%s: the CPU times are not (cpu, ns) pairs", path);
		tk->first_row = (uint32_t)nrows;
		for (n = jsonr_first(d->doc, cpus); n; n = jsonr_next(d->doc, jsonr_next(d->doc, n))) {
			if ((r = node_u64(d, n, path, "cpu", &cpu)) < 0 ||
			    (r = node_u64(d, jsonr_next(d->doc, n), path, "ns", &ns)) < 0)
				return r;
			if (cpu >= h->ncpus)
				return derr(d, -EINVAL, "%s: CPU %llu, but the header has %u CPUs", path,
					    (unsigned long long)cpu, h->ncpus);
			iv->task_rows[nrows] =
				(struct activity_row){ .cpu = (uint32_t)cpu, .task = (uint32_t)i,
						       .ns = ns };
			tk->oncpu_ns += ns;
			nrows++;
		}
		tk->nrows = (uint32_t)(nrows - tk->first_row);
		if (h->syscalls &&
		    (r = node_u64(d, nth(d->doc, t, 9), path, "syscalls", &tk->syscalls)) < 0)
			return r;
	}
	if ((r = parse_raw_gpu(d, jsonr_get(d->doc, raw, "gpu"), h, iv)) < 0)
		return r;
	iv->has_raw = true;
	iv->sample = (struct activity_sample){
		.start_ns = iv->start_ns,
		.end_ns = iv->end_ns,
		.ncpus = h->ncpus,
		.idle_ns = iv->idle_ns,
		.lost_ns = iv->lost_ns_cpu,
		.irq_ns = iv->irq_ns_cpu,
		.tasks = iv->tasks,
		.ntasks = i,
		.rows = iv->task_rows,
		.nrows = nrows,
		.dropped = iv->dropped,
		.captured = iv->captured,
	};
	return 0;
}

int recfmt_parse_interval(const char *buf, size_t len, const struct recfmt_header *h,
			  struct recfmt_interval **ret, struct recfmt_error *err)
{
	struct jsonr_doc doc = { 0 };
	struct dec d = { .doc = &doc, .err = err };
	const struct jsonr_node *root, *doms, *n, *act, *raw;
	struct recfmt_interval *iv = NULL;
	struct recfmt_ledger host = { 0 };
	unsigned __int128 sum[4] = { 0 };
	size_t i = 0;
	uint64_t v;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!buf || !h || !ret)
		return -EINVAL;
	r = parse_json(buf, len, &doc, &d);
	if (r < 0)
		return r;
	root = &doc.nodes[0];
	if ((r = want_object(&d, root, "interval")) < 0)
		goto fail;
	if (jsonr_get(&doc, root, "format")) {
		r = derr(&d, -EINVAL, "a second header where an interval was expected");
		goto fail;
	}
	iv = calloc(1, sizeof(*iv));
	if (!iv) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = get_u64(&d, root, "interval", "seq", &iv->seq)) < 0 ||
	    (r = get_u64(&d, root, "interval", "start_ns", &iv->start_ns)) < 0 ||
	    (r = get_u64(&d, root, "interval", "end_ns", &iv->end_ns)) < 0)
		goto fail;
	/* Equal is possible: a fixture's clock (its uptime file) may not have moved. */
	if (iv->end_ns < iv->start_ns) {
		r = derr(&d, -EINVAL, "interval: end_ns %llu is before start_ns %llu",
			 (unsigned long long)iv->end_ns, (unsigned long long)iv->start_ns);
		goto fail;
	}

	doms = jsonr_get(&doc, root, "domains");
	if ((r = want_array(&d, doms, "domains")) < 0)
		goto fail;
	if (doms->count != h->ndomains) {
		r = derr(&d, -EINVAL, "domains: %u ledgers, the header declares %zu domains",
			 doms->count, h->ndomains);
		goto fail;
	}
	iv->ndomains = h->ndomains;
	iv->ledgers = calloc(h->ndomains ? h->ndomains : 1, sizeof(*iv->ledgers));
	if (!iv->ledgers) {
		r = -ENOMEM;
		goto fail;
	}
	for (n = jsonr_first(&doc, doms); n; n = jsonr_next(&doc, n), i++) {
		char path[48];

		snprintf(path, sizeof(path), "domains[%zu] (%s)", i, h->domains[i].name);
		if ((r = parse_ledger(&d, n, path, &iv->ledgers[i], true)) < 0)
			goto fail;
		if (h->domains[i].in_total) {
			sum[0] += iv->ledgers[i].delta_uj;
			sum[1] += iv->ledgers[i].tasks_uj;
			sum[2] += iv->ledgers[i].idle_uj;
			sum[3] += iv->ledgers[i].unattributed_uj;
		}
	}
	if ((r = parse_ledger(&d, jsonr_get(&doc, root, "host"), "host", &host, false)) < 0)
		goto fail;
	if (sum[0] != host.delta_uj || sum[1] != host.tasks_uj || sum[2] != host.idle_uj ||
	    sum[3] != host.unattributed_uj) {
		r = derr(&d, -EINVAL, "host: the host ledger is not the sum of the in_total "
				      "domains' ledgers");
		goto fail;
	}
	iv->host_delta_uj = host.delta_uj;
	iv->host_tasks_uj = host.tasks_uj;
	iv->host_idle_uj = host.idle_uj;
	iv->host_unattributed_uj = host.unattributed_uj;

	act = jsonr_get(&doc, root, "activity");
	if ((r = want_object(&d, act, "activity")) < 0 ||
	    (r = get_u64(&d, act, "activity", "tasks", &v)) < 0 ||
	    (r = get_u64(&d, act, "activity", "dropped", &iv->dropped)) < 0 ||
	    (r = get_u64(&d, act, "activity", "lost_ns", &iv->lost_ns)) < 0)
		goto fail;
	iv->tasks_seen = (size_t)v;
	n = jsonr_get(&doc, act, "captured");
	if (!n || (n->type != JSONR_NUMBER && n->type != JSONR_NULL) ||
	    (n->type == JSONR_NUMBER && (n->dbl < 0 || n->dbl > 1))) {
		r = derr(&d, -EINVAL, "activity.captured: expected a fraction 0..1 or null");
		goto fail;
	}
	iv->captured = n->type == JSONR_NUMBER ? n->dbl : 1.0;

	if (h->version >= 2 && (r = parse_cgroups(&d, jsonr_get(&doc, root, "cgroups"), iv)) < 0)
		goto fail;
	if ((r = parse_rows(&d, jsonr_get(&doc, root, "rows"), h, iv, len)) < 0 ||
	    (r = parse_vms(&d, jsonr_get(&doc, root, "vms"), iv)) < 0)
		goto fail;
	raw = jsonr_get(&doc, root, "raw");
	if (h->raw && !raw) {
		r = derr(&d, -EINVAL, "raw: missing, though the header says the recording is raw");
		goto fail;
	}
	if (raw && !h->raw) {
		r = derr(&d, -EINVAL, "raw: present, though the header says the recording is not raw");
		goto fail;
	}
	if (raw && (r = parse_raw(&d, raw, h, iv)) < 0)
		goto fail;
	n = jsonr_get(&doc, root, "resources");
	if (h->resources && !n) {
		r = derr(&d, -EINVAL, "resources: missing, though the header says the recording "
				      "has resources (null when none were sampled)");
		goto fail;
	}
	if (n && !h->resources) {
		r = derr(&d, -EINVAL, "resources: present, though the header does not announce "
				      "them (options.resources)");
		goto fail;
	}
	if (n && n->type != JSONR_NULL &&
	    (r = recfmt_resources_decode(&doc, n, RECFMT_MAX_CPUS, &iv->resources, err)) < 0)
		goto fail;
	jsonr_free(&doc);
	*ret = iv;
	return 0;
fail:
	recfmt_interval_free(iv);
	jsonr_free(&doc);
	return r;
}

/*
 * `s` as a JSON string literal in valid UTF-8: quotes, backslashes and
 * control bytes escaped, and each byte that is not UTF-8 (a name is any
 * bytes but NUL) written as U+FFFD, so strict parsers read every line. The
 * text it decodes to is at most max_bytes long: a character that would
 * pass that is left out, with the rest (a comm must fit its 15 bytes once
 * read back, though U+FFFD takes three).
 */
static void write_json_string(FILE *f, const char *s, size_t max_bytes)
{
	size_t used = 0;

	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (used + (n ? n : 3) > max_bytes)
			break;
		if (n == 0) {
			fputs("\xef\xbf\xbd", f);
			used += 3;
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, n, f);
		used += n;
		p += n;
	}
	fputc('"', f);
}

void recfmt_write_string(FILE *f, const char *s)
{
	write_json_string(f, s, SIZE_MAX);
}

void recfmt_write_string_max(FILE *f, const char *s, size_t max_bytes)
{
	write_json_string(f, s, max_bytes);
}

/* A command name: read back into ACTIVITY_COMM_LEN bytes, NUL included. */
static void write_comm(FILE *f, const char *comm)
{
	write_json_string(f, comm, ACTIVITY_COMM_LEN - 1);
}

int recfmt_cpulist(const struct cpuset *s, char *buf, size_t size)
{
	size_t len = 0;
	unsigned c = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (c < CPUSET_MAX_CPUS) {
		unsigned end;
		int n;

		if (!cpuset_test(s, c)) {
			c++;
			continue;
		}
		for (end = c; end + 1 < CPUSET_MAX_CPUS && cpuset_test(s, end + 1); end++)
			;
		if (end == c)
			n = snprintf(buf + len, size - len, "%s%u", len ? "," : "", c);
		else
			n = snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", c, end);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
		c = end + 1;
	}
	return (int)len;
}

/*
 * Watts with milliwatt resolution; derived (delta / interval), written for
 * readers like jq. null for a gap: a refused reading has no power, not 0 W.
 */
static void write_power(FILE *f, uint64_t uj, uint64_t interval_ns, bool gap)
{
	if (gap)
		fputs("null", f);
	else
		fprintf(f, "%.3f", interval_ns ? (double)uj * 1000.0 / (double)interval_ns : 0.0);
}

int recfmt_write_header(FILE *f, const struct recfmt_header *h)
{
	char cpus[4096];

	fprintf(f, "{\"format\":\"" RECFMT_NAME "\",\"version\":%u,\"joulestat\":",
		h->version ? h->version : RECFMT_VERSION);
	recfmt_write_string(f, h->joulestat ? h->joulestat : "");
	fputs(",\"host\":", f);
	recfmt_write_string(f, h->host ? h->host : "");
	fprintf(f, ",\"start_unix_ns\":%llu,\"cpus\":%u,\"sockets\":%u,\"cpu_model\":",
		(unsigned long long)h->start_unix_ns, h->ncpus, h->nsockets);
	recfmt_write_string(f, h->cpu_model ? h->cpu_model : "");
	fputs(",\"domains\":[", f);
	for (size_t i = 0; i < h->ndomains; i++) {
		const struct recfmt_domain *d = &h->domains[i];

		if (recfmt_cpulist(&d->cpus, cpus, sizeof(cpus)) < 0)
			return -ENOSPC;
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		recfmt_write_string(f, d->name);
		fprintf(f, ",\"kind\":\"%s\",\"source\":", domain_kind_name(d->kind));
		recfmt_write_string(f, d->source ? d->source : "");
		if (d->socket < 0)
			fputs(",\"socket\":null", f);
		else
			fprintf(f, ",\"socket\":%d", d->socket);
		fprintf(f, ",\"cpus\":\"%s\",\"estimated\":%s,\"in_total\":%s,\"static_mw\":%llu,",
			cpus, d->estimated ? "true" : "false", d->in_total ? "true" : "false",
			(unsigned long long)d->static_mw);
		if (d->static_from && d->static_from[0]) {
			fputs("\"static_from\":", f);
			recfmt_write_string(f, d->static_from);
			fputc(',', f);
		}
		fprintf(f, "\"max_energy_range_uj\":%llu", (unsigned long long)d->max_energy_range_uj);
		if (d->kind == JOULESTAT_DOMAIN_PROCESS && d->pid)
			fprintf(f, ",\"pid\":%u", d->pid);
		fputc('}', f);
	}
	fprintf(f, "],\"options\":{\"interval_ns\":%llu,\"duration_ns\":%llu,\"idle\":\"%s\","
		   "\"raw\":%s,\"source\":",
		(unsigned long long)h->interval_ns, (unsigned long long)h->duration_ns,
		attrib_idle_policy_name(h->idle), h->raw ? "true" : "false");
	recfmt_write_string(f, h->source ? h->source : "auto");
	fputs(",\"collector\":", f);
	recfmt_write_string(f, h->collector ? h->collector : "");
	if (h->resources)
		fputs(",\"resources\":true", f);
	if (h->version != 1)
		fprintf(f, ",\"syscalls\":%s", h->syscalls ? "true" : "false");
	if (h->daemon && h->daemon[0]) {
		fputs(",\"daemon\":", f);
		recfmt_write_string(f, h->daemon);
	}
	fputs("}}\n", f);
	return ferror(f) ? -EIO : 0;
}

static void write_ledger(FILE *f, uint64_t delta, uint64_t tasks, uint64_t idle, uint64_t unattr)
{
	fprintf(f, "\"delta_uj\":%llu,\"tasks_uj\":%llu,\"idle_uj\":%llu,\"unattributed_uj\":%llu",
		(unsigned long long)delta, (unsigned long long)tasks, (unsigned long long)idle,
		(unsigned long long)unattr);
}

int recfmt_write_interval(FILE *f, const struct recfmt_header *h,
			  const struct recfmt_interval *iv)
{
	uint64_t ns = iv->end_ns - iv->start_ns;
	bool v2 = h->version != 1, sys = v2 && h->syscalls;
	bool host_gap = false;

	for (size_t i = 0; i < iv->ndomains && i < h->ndomains; i++)
		host_gap |= h->domains[i].in_total && iv->ledgers[i].status == ATTRIB_LEDGER_REFUSED;
	fprintf(f, "{\"seq\":%llu,\"start_ns\":%llu,\"end_ns\":%llu,\"host\":{",
		(unsigned long long)iv->seq, (unsigned long long)iv->start_ns,
		(unsigned long long)iv->end_ns);
	write_ledger(f, iv->host_delta_uj, iv->host_tasks_uj, iv->host_idle_uj,
		     iv->host_unattributed_uj);
	fputs(",\"power_w\":", f);
	write_power(f, iv->host_delta_uj, ns, host_gap);
	fputs("},\"domains\":[", f);
	for (size_t i = 0; i < iv->ndomains; i++) {
		const struct recfmt_ledger *l = &iv->ledgers[i];

		if (l->gpu)
			fprintf(f, "%s{\"status\":\"gpu-%s\",\"sampled\":%s,", i ? "," : "",
				gpu_split_status_name(l->gpu_status), l->sampled ? "true" : "false");
		else
			fprintf(f, "%s{\"status\":\"%s\",", i ? "," : "",
				attrib_ledger_status_name(l->status));
		write_ledger(f, l->delta_uj, l->tasks_uj, l->idle_uj, l->unattributed_uj);
		fprintf(f, ",\"energy_uj\":%llu", (unsigned long long)l->energy_uj);
		if (h->raw)
			fprintf(f, ",\"raw_uj\":%llu", (unsigned long long)l->raw_uj);
		fputs(",\"power_w\":", f);
		write_power(f, l->delta_uj, ns, !l->gpu && l->status == ATTRIB_LEDGER_REFUSED);
		fputc('}', f);
	}
	fprintf(f, "],\"activity\":{\"tasks\":%zu,\"dropped\":%llu,\"lost_ns\":%llu,\"captured\":%.4f}",
		iv->tasks_seen, (unsigned long long)iv->dropped, (unsigned long long)iv->lost_ns,
		iv->captured);
	if (v2) {
		fputs(",\"cgroups\":[", f);
		for (size_t i = 0; i < iv->ncgroups; i++) {
			fprintf(f, "%s[%llu,", i ? "," : "", (unsigned long long)iv->cgroups[i].id);
			recfmt_write_string_max(f, iv->cgroups[i].path ? iv->cgroups[i].path : "",
						RECFMT_CGROUP_PATH_MAX);
			fputc(']', f);
		}
		fputc(']', f);
	}
	fputs(",\"rows\":[", f);
	for (size_t i = 0; i < iv->nrows; i++) {
		const struct recfmt_row *r = &iv->rows[i];

		fprintf(f, "%s[%u,%llu,%u,", i ? "," : "", r->tgid, (unsigned long long)r->start_ns,
			r->uid);
		write_comm(f, r->comm);
		fprintf(f, ",%llu,[", (unsigned long long)r->cpu_ns);
		for (size_t k = 0; k < h->ndomains; k++)
			fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)r->energy_uj[k]);
		fputc(']', f);
		if (v2)
			fprintf(f, ",%u", r->cgroup);
		if (sys)
			fprintf(f, ",%llu", (unsigned long long)r->syscalls);
		fputc(']', f);
	}
	fputc(']', f);
	if (iv->nvms) {
		fputs(",\"vms\":[", f);
		for (size_t v = 0; v < iv->nvms; v++) {
			const struct recfmt_vm *vm = &iv->vms[v];

			fputs(v ? ",[" : "[", f);
			recfmt_write_string(f, vm->name);
			fprintf(f, ",%llu,%llu,[", (unsigned long long)vm->energy_uj,
				(unsigned long long)vm->cpu_ns);
			for (size_t k = 0; k < vm->nprocs; k++)
				fprintf(f, "%s%u,%llu", k ? "," : "", iv->vm_procs[vm->first + k].tgid,
					(unsigned long long)iv->vm_procs[vm->first + k].start_ns);
			fputs("]]", f);
		}
		fputc(']', f);
	}
	if (h->raw && iv->has_raw) {
		const struct activity_sample *s = &iv->sample;

		fputs(",\"raw\":{\"idle_ns\":[", f);
		for (unsigned c = 0; c < s->ncpus; c++)
			fprintf(f, "%s%llu", c ? "," : "", (unsigned long long)(s->idle_ns ? s->idle_ns[c] : 0));
		fputs("],\"lost_ns\":[", f);
		for (unsigned c = 0; c < s->ncpus; c++)
			fprintf(f, "%s%llu", c ? "," : "", (unsigned long long)(s->lost_ns ? s->lost_ns[c] : 0));
		fputs("],\"irq_ns\":[", f);
		for (unsigned c = 0; c < s->ncpus; c++)
			fprintf(f, "%s%llu", c ? "," : "", (unsigned long long)(s->irq_ns ? s->irq_ns[c] : 0));
		fputs("],\"tasks\":[", f);
		for (size_t t = 0; t < s->ntasks; t++) {
			const struct activity_task *tk = &s->tasks[t];
			bool first = true;

			fprintf(f, "%s[%u,%u,%llu,%u,%llu,", t ? "," : "", tk->key.tgid, tk->key.tid,
				(unsigned long long)tk->key.start_ns, tk->uid,
				(unsigned long long)tk->cgroup_id);
			write_comm(f, tk->comm);
			fprintf(f, ",%u,%llu,[", tk->flags,
				(unsigned long long)(iv->proc_start_ns ? iv->proc_start_ns[t] : 0));
			for (uint32_t k = tk->first_row; k < tk->first_row + tk->nrows && k < s->nrows; k++) {
				fprintf(f, "%s%u,%llu", first ? "" : ",", s->rows[k].cpu,
					(unsigned long long)s->rows[k].ns);
				first = false;
			}
			fputc(']', f);
			if (sys)
				fprintf(f, ",%llu", (unsigned long long)tk->syscalls);
			fputc(']', f);
		}
		fputc(']', f);
		if (iv->ngpus) {
			fputs(",\"gpu\":[", f);
			for (size_t g = 0; g < iv->ngpus; g++) {
				const struct recfmt_gpu *rg = &iv->gpus[g];

				fprintf(f, "%s{\"domain\":%zu,\"idle_mw\":%llu,\"idle_known\":%s,"
					   "\"procs_unknown\":%s,\"procs\":[",
					g ? "," : "", rg->domain, (unsigned long long)rg->idle_mw,
					rg->idle_known ? "true" : "false",
					rg->procs_unknown ? "true" : "false");
				for (size_t k = 0; k < rg->nprocs; k++)
					fprintf(f, "%s%u,%llu", k ? "," : "", rg->procs[k].pid,
						(unsigned long long)rg->procs[k].busy);
				fputs("]}", f);
			}
			fputc(']', f);
		}
		fputc('}', f);
	}
	if (h->resources) {
		fputs(",\"resources\":", f);
		if (iv->resources)
			recfmt_resources_write(f, iv->resources);
		else
			fputs("null", f);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
