/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * vm.c - hypervisor processes and libvirt machine scopes to VM names
 * (vm.h). The command-line rules follow QEMU's option parser (-name takes
 * QemuOpts with the implied key "guest", ",," a literal comma),
 * Firecracker's and its jailer's --id, and libvirt's machine names
 * ("<driver>-<id>-<name>", escaped by systemd for the scope's unit name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vm.h"

#define VM_TTL_NS (600 * NSEC_PER_SEC)
#define VM_PRUNE_EVERY_NS (60 * NSEC_PER_SEC)
/* libvirt's command lines run to a few kB; the name comes early. */
#define VM_CMDLINE_MAX 65536

const char *vm_kind_name(enum vm_kind kind)
{
	switch (kind) {
	case VM_QEMU:
		return "qemu";
	case VM_FIRECRACKER:
		return "firecracker";
	case VM_CLOUD_HYPERVISOR:
		return "cloud-hypervisor";
	case VM_NONE:
		break;
	}
	return "";
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static void set_name(struct vm_ident *v, const char *name, size_t len)
{
	if (vm_name_valid(name, len)) {
		memcpy(v->name, name, len);
		v->name[len] = '\0';
	} else {
		v->name[0] = '\0';
	}
}

/* The words of a command line: the next one from *pos, or false at the end. */
static bool next_word(const char *buf, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
	const char *nul;

	if (*pos >= len)
		return false;
	*ret = buf + *pos;
	nul = memchr(*ret, '\0', len - *pos);
	*ret_len = nul ? (size_t)(nul - *ret) : len - *pos;
	*pos += *ret_len + 1;
	return true;
}

/*
 * QEMU's -name value, QemuOpts with the implied key "guest": the first
 * element without '=' is the name, else an element "guest=NAME"; ",," is a
 * literal comma inside an element. Writes the unescaped name (or "") to v.
 */
static void qemu_name(const char *s, size_t len, struct vm_ident *v)
{
	char name[VM_NAME_MAX];
	size_t i = 0;
	bool first = true, found = false;

	v->name[0] = '\0';
	while (i <= len) {
		char el[VM_NAME_MAX + 8];
		size_t n = 0, eq = SIZE_MAX;
		bool too_long = false;

		/* One element, up to a single comma. */
		while (i < len) {
			if (s[i] == ',') {
				if (i + 1 < len && s[i + 1] == ',') {
					i++;
				} else {
					break;
				}
			} else if (s[i] == '=' && eq == SIZE_MAX) {
				eq = n;
			}
			if (n < sizeof(el))
				el[n++] = s[i];
			else
				too_long = true;
			i++;
		}
		i++; /* past the comma, or past the end */
		if (eq == SIZE_MAX && first) {
			if (!too_long && n < sizeof(name)) {
				memcpy(name, el, n);
				set_name(v, name, n);
			}
			found = true;
		} else if (eq == 5 && memcmp(el, "guest", 5) == 0) {
			if (!too_long)
				set_name(v, el + 6, n - 6);
			else
				v->name[0] = '\0';
			found = true;
		}
		first = false;
	}
	if (!found)
		v->name[0] = '\0';
}

int parse_vm_cmdline(const char *buf, size_t len, struct vm_ident *ret)
{
	struct vm_ident v = { .kind = VM_NONE };
	const char *w, *base;
	size_t pos = 0, wlen, blen;

	if (!buf || !ret)
		return -EINVAL;
	if (!next_word(buf, len, &pos, &w, &wlen) || wlen == 0) {
		*ret = v;
		return 0;
	}
	base = w;
	for (size_t i = 0; i < wlen; i++)
		if (w[i] == '/')
			base = w + i + 1;
	blen = wlen - (size_t)(base - w);
	if ((has_prefix(base, blen, "qemu-system-") && blen > 12) || equals(base, blen, "qemu-kvm") ||
	    equals(base, blen, "kvm"))
		v.kind = VM_QEMU;
	else if (equals(base, blen, "firecracker"))
		v.kind = VM_FIRECRACKER;
	else if (equals(base, blen, "cloud-hypervisor"))
		v.kind = VM_CLOUD_HYPERVISOR;
	if (v.kind == VM_NONE) {
		*ret = v;
		return 0;
	}
	while (next_word(buf, len, &pos, &w, &wlen)) {
		const char *val;
		size_t vlen;

		if (v.kind == VM_QEMU && (equals(w, wlen, "-name") || equals(w, wlen, "--name"))) {
			/* The last -name wins, as in QEMU. */
			if (next_word(buf, len, &pos, &val, &vlen))
				qemu_name(val, vlen, &v);
		} else if (v.kind == VM_FIRECRACKER && equals(w, wlen, "--id")) {
			if (next_word(buf, len, &pos, &val, &vlen))
				set_name(&v, val, vlen);
		} else if (v.kind == VM_FIRECRACKER && has_prefix(w, wlen, "--id=")) {
			set_name(&v, w + 5, wlen - 5);
		}
	}
	*ret = v;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A libvirt machine name "<driver>-<id>-<name>" (driver qemu or ch): the
 * kind and name, or false. `want` limits the driver ("" any).
 */
static bool machine_name(const char *s, size_t len, const char *want, struct vm_ident *v)
{
	static const struct {
		const char *driver;
		enum vm_kind kind;
	} drivers[] = { { "qemu-", VM_QEMU }, { "ch-", VM_CLOUD_HYPERVISOR } };

	for (size_t d = 0; d < ARRAY_SIZE(drivers); d++) {
		size_t p = strlen(drivers[d].driver), q;

		if (want[0] && strncmp(drivers[d].driver, want, strlen(want)) != 0)
			continue;
		if (!has_prefix(s, len, drivers[d].driver))
			continue;
		for (q = p; q < len && s[q] >= '0' && s[q] <= '9'; q++)
			;
		if (q == p || q + 1 >= len || s[q] != '-')
			continue;
		v->kind = drivers[d].kind;
		set_name(v, s + q + 1, len - q - 1);
		return v->name[0] != '\0';
	}
	return false;
}

/* One path component: a libvirt scope or cgroupfs machine directory. */
static bool scope_component(const char *c, size_t n, struct vm_ident *v)
{
	char dec[VM_NAME_MAX + 32];
	size_t m = 0;

	if (has_prefix(c, n, "machine-") && has_suffix(c, n, ".scope") && n > 14) {
		/* systemd's unit-name escaping: "\x2d" for '-'. */
		for (size_t i = 8; i < n - 6; i++) {
			char ch = c[i];

			if (ch == '\\' && i + 3 < n - 6 && c[i + 1] == 'x' &&
			    hexval(c[i + 2]) >= 0 && hexval(c[i + 3]) >= 0) {
				ch = (char)(hexval(c[i + 2]) * 16 + hexval(c[i + 3]));
				i += 3;
			}
			if (m >= sizeof(dec))
				return false;
			dec[m++] = ch;
		}
		return machine_name(dec, m, "", v);
	}
	if (has_suffix(c, n, ".libvirt-qemu") || has_suffix(c, n, ".libvirt-ch")) {
		bool qemu = has_suffix(c, n, ".libvirt-qemu");
		size_t stem = n - (qemu ? 13 : 11);

		if (stem == 0)
			return false;
		if (machine_name(c, stem, qemu ? "qemu" : "ch", v))
			return true;
		/* libvirt before 4.3 named the directory after the domain alone. */
		v->kind = qemu ? VM_QEMU : VM_CLOUD_HYPERVISOR;
		set_name(v, c, stem);
		return v->name[0] != '\0';
	}
	return false;
}

int parse_vm_scope(const char *buf, size_t len, struct vm_ident *ret)
{
	struct vm_ident v = { .kind = VM_NONE };
	const char *p = buf, *end = buf + len;

	if (!buf || !ret)
		return -EINVAL;
	while (p < end) {
		const char *c;
		struct vm_ident t = { .kind = VM_NONE };

		while (p < end && *p == '/')
			p++;
		c = p;
		while (p < end && *p != '/')
			p++;
		if (p > c && scope_component(c, (size_t)(p - c), &t)) {
			*ret = t;
			return 1;
		}
	}
	*ret = v;
	return 0;
}

bool vm_comm_maybe(const char *comm, size_t len)
{
	static const char *const prefixes[] = { "qemu", "CPU ", "firecracker", "fc_vcpu",
						"fc_api", "cloud-hyperviso" };

	len = strnlen(comm, len);
	if (equals(comm, len, "kvm"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (has_prefix(comm, len, prefixes[i]))
			return true;
	/* Cloud Hypervisor's vCPU threads: "vcpu0". */
	return len > 4 && has_prefix(comm, len, "vcpu") && comm[4] >= '0' && comm[4] <= '9';
}

/* ---- the cache ---- */

static size_t key_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ b;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

static struct vm_entry *cache_find(struct vm_cache *c, uint64_t a, uint64_t b)
{
	if (!c->cap)
		return NULL;
	for (size_t i = key_hash(a, b) & (c->cap - 1); c->e[i].used; i = (i + 1) & (c->cap - 1))
		if (c->e[i].a == a && c->e[i].b == b)
			return &c->e[i];
	return NULL;
}

/* Place `ent` in a table of `cap` slots (a power of two with room). */
static struct vm_entry *place(struct vm_entry *e, size_t cap, const struct vm_entry *ent)
{
	size_t i;

	for (i = key_hash(ent->a, ent->b) & (cap - 1); e[i].used; i = (i + 1) & (cap - 1))
		;
	e[i] = *ent;
	return &e[i];
}

static struct vm_entry *cache_insert(struct vm_cache *c, const struct vm_entry *ent)
{
	if ((c->n + 1) * 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct vm_entry *e = calloc(cap, sizeof(*e));

		if (!e)
			return NULL;
		for (size_t k = 0; k < c->cap; k++)
			if (c->e[k].used)
				place(e, cap, &c->e[k]);
		free(c->e);
		c->e = e;
		c->cap = cap;
	}
	c->n++;
	return place(c->e, c->cap, ent);
}

const char *vm_cache_process(struct vm_cache *c, const struct fsroot *fs, uint32_t tgid,
			     uint64_t start_ns, const char *comm, uint64_t now_ns)
{
	struct vm_entry ent = { .a = tgid, .b = start_ns, .used = true, .used_ns = now_ns }, *e;
	struct vm_ident v;
	char rel[32], *buf;
	ssize_t n;

	if (!tgid)
		return "";
	e = cache_find(c, tgid, start_ns);
	if (e && (!comm || strncmp(e->comm, comm, sizeof(e->comm)) == 0)) {
		e->used_ns = now_ns;
		return e->name;
	}
	if (!comm)
		return "";
	strncpy(ent.comm, comm, sizeof(ent.comm) - 1);
	buf = malloc(VM_CMDLINE_MAX);
	if (!buf)
		return NULL;
	snprintf(rel, sizeof(rel), "%u/cmdline", tgid);
	n = fsroot_read(fs, FS_PROC, rel, buf, VM_CMDLINE_MAX);
	/* A longer command line: its start, which holds the name, is enough. */
	if (n == -EFBIG)
		n = VM_CMDLINE_MAX - 1;
	if (n > 0 && parse_vm_cmdline(buf, (size_t)n, &v) > 0) {
		ent.is_vm = true;
		if (v.name[0])
			memcpy(ent.name, v.name, sizeof(ent.name));
		else
			snprintf(ent.name, sizeof(ent.name), "%s-%u", vm_kind_name(v.kind), tgid);
	}
	free(buf);
	/*
	 * A process that has gone (n < 0) is not kept: its PID may name
	 * another. Nor is an empty command line: a zombie's, read too late.
	 */
	if (n <= 0)
		return e ? e->name : "";
	/* Read again after an exec: the verdict is replaced in place. */
	if (e) {
		*e = ent;
		return e->name;
	}
	e = cache_insert(c, &ent);
	return e ? e->name : NULL;
}

const char *vm_cache_cgroup(struct vm_cache *c, uint64_t cgroup_id, const char *path,
			    uint64_t now_ns)
{
	struct vm_entry ent = { .a = 0, .b = cgroup_id, .used = true, .used_ns = now_ns }, *e;
	struct vm_ident v;

	if (!cgroup_id || !path)
		return "";
	e = cache_find(c, 0, cgroup_id);
	if (e) {
		e->used_ns = now_ns;
		return e->name;
	}
	if (!path[0])
		return "";
	if (parse_vm_scope(path, strlen(path), &v) > 0 && v.name[0]) {
		ent.is_vm = true;
		memcpy(ent.name, v.name, sizeof(ent.name));
	}
	e = cache_insert(c, &ent);
	return e ? e->name : NULL;
}

void vm_cache_prune(struct vm_cache *c, uint64_t now_ns)
{
	struct vm_entry *e;
	size_t n = 0;

	if (!c->n || now_ns < c->pruned_ns + VM_PRUNE_EVERY_NS)
		return;
	c->pruned_ns = now_ns;
	e = calloc(c->cap, sizeof(*e));
	if (!e)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->e[i].used && now_ns <= c->e[i].used_ns + VM_TTL_NS) {
			place(e, c->cap, &c->e[i]);
			n++;
		}
	free(c->e);
	c->e = e;
	c->n = n;
}

void vm_cache_done(struct vm_cache *c)
{
	free(c->e);
	memset(c, 0, sizeof(*c));
}
