/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* vmexport.c - per-VM energy trees for guests (vmexport.h, vmshare.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "vmexport.h"
#include "vmshare.h"

#define NSEC_PER_SEC 1000000000ULL
/* A VM not seen for this long is no longer updated (its files stay). */
#define VMEXPORT_TTL_NS (600 * NSEC_PER_SEC)
#define VMEXPORT_TMP_TRIES 16

struct vm_counter {
	char *name;
	uint64_t energy_uj;
	uint64_t epoch;
	uint64_t seq;
	uint64_t delta_uj;		/* added in the current update */
	uint64_t last_seen_ns;
	bool described;			/* max_energy_range_uj and name written */
};

struct vmexport {
	struct vmexport_opts o;
	char *dir, *host, *idle;
	int rootfd;
	struct vm_counter *v;
	size_t n;
};

static int random_u64(uint64_t *ret)
{
	uint64_t v = 0;
	ssize_t n = getrandom(&v, sizeof(v), 0);

	if (n != (ssize_t)sizeof(v))
		return n < 0 ? -errno : -EIO;
	*ret = v;
	return 0;
}

int vmexport_replace_at(int dirfd, const char *name, const char *data, size_t len)
{
	char tmp[256];
	size_t done = 0;
	int fd = -1, r = 0;

	for (int i = 0; i < VMEXPORT_TMP_TRIES && fd < 0; i++) {
		uint64_t rnd = 0;

		r = random_u64(&rnd);
		if (r < 0)
			return r;
		if (snprintf(tmp, sizeof(tmp), ".%s.%016" PRIx64, name, rnd) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	/* Readable by the guest's side (virtiofsd, QEMU's 9p) whatever the umask. */
	if (fchmod(fd, 0644) < 0) {
		r = -errno;
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			goto out;
		}
		done += (size_t)w;
	}
	r = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

/* Open (creating it) the directory `name` below dirfd, never through a link. */
static int subdir(int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read a small regular file below dirfd, never through a link nor from a FIFO. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int vmexport_new(const struct vmexport_opts *o, struct vmexport **ret, char *err, size_t err_size)
{
	struct vmexport *x;
	int r;

	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	x->o = *o;
	x->rootfd = -1;
	x->dir = strdup(o->dir);
	x->host = strdup(o->host ? o->host : "");
	x->idle = strdup(o->idle_policy ? o->idle_policy : "");
	if (!x->dir || !x->host || !x->idle) {
		r = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	if (mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, err_size, "--vm-export %s: cannot create it: %s", o->dir, strerror(-r));
		goto fail;
	}
	x->rootfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->rootfd < 0) {
		r = -errno;
		snprintf(err, err_size, "--vm-export %s: %s", o->dir, strerror(-r));
		goto fail;
	}
	x->o.dir = x->dir;
	x->o.host = x->host;
	x->o.idle_policy = x->idle;
	*ret = x;
	return 0;
fail:
	vmexport_free(x);
	return r;
}

struct vmexport *vmexport_free(struct vmexport *x)
{
	if (!x)
		return NULL;
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].name);
	free(x->v);
	if (x->rootfd >= 0)
		close(x->rootfd);
	free(x->dir);
	free(x->host);
	free(x->idle);
	free(x);
	return NULL;
}

static struct vm_counter *find(const struct vmexport *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].name, name) == 0)
			return &x->v[i];
	return NULL;
}

/*
 * A VM seen for the first time: continue the counter its directory holds
 * (energy_uj, and the epoch and seq of joulestat-vm when they belong to it),
 * else start at 0 in a new epoch.
 */
static int resume(struct vmexport *x, struct vm_counter *c)
{
	char buf[VMSHARE_META_MAX];
	struct vmshare_meta m;
	uint64_t e = 0;
	bool have_e = false;
	ssize_t n;
	int vfd, zfd, r;

	vfd = subdir(x->rootfd, c->name);
	if (vfd < 0)
		return vfd;
	zfd = subdir(vfd, VMSHARE_ZONE);
	if (zfd >= 0) {
		n = read_at(zfd, "energy_uj", buf, 64);
		have_e = n > 0 && parse_u64(buf, (size_t)n, &e) == 0 && e <= VMSHARE_RANGE_UJ;
		close(zfd);
	}
	n = read_at(vfd, VMSHARE_META_FILE, buf, sizeof(buf));
	close(vfd);
	if (have_e) {
		c->energy_uj = e;
		if (n > 0 && parse_vmshare_meta(buf, (size_t)n, &m, NULL) == 0 && m.epoch) {
			c->epoch = m.epoch;
			c->seq = m.seq;
			return 0;
		}
	}
	/* A new lineage: a guest sees the epoch change and takes it as a reset. */
	if (!have_e)
		c->energy_uj = 0;
	do {
		r = random_u64(&c->epoch);
		if (r < 0)
			return r;
	} while (c->epoch == 0);
	return 0;
}

static int write_vm(struct vmexport *x, struct vm_counter *c, const char *sources, bool estimated,
		    uint64_t now_unix_ns, char *err, size_t err_size)
{
	struct vmshare_meta m = { .version = VMSHARE_VERSION };
	char buf[VMSHARE_META_MAX];
	const char *what = VMSHARE_ZONE;
	int vfd = -1, zfd = -1, r, len;

	vfd = subdir(x->rootfd, c->name);
	if (vfd < 0) {
		r = vfd;
		what = "";
		goto out;
	}
	zfd = subdir(vfd, VMSHARE_ZONE);
	if (zfd < 0) {
		r = zfd;
		goto out;
	}
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", c->energy_uj);
	what = VMSHARE_ENERGY_FILE;
	r = vmexport_replace_at(zfd, "energy_uj", buf, (size_t)len);
	if (r == 0 && !c->described) {
		len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)VMSHARE_RANGE_UJ);
		what = VMSHARE_ZONE "/max_energy_range_uj";
		r = vmexport_replace_at(zfd, "max_energy_range_uj", buf, (size_t)len);
		what = VMSHARE_ZONE "/name";
		if (r == 0)
			r = vmexport_replace_at(zfd, "name", "package-0\n", 10);
		c->described = r == 0;
	}
	if (r < 0)
		goto out;
	snprintf(m.vm, sizeof(m.vm), "%s", c->name);
	snprintf(m.host, sizeof(m.host), "%s", x->host);
	m.epoch = c->epoch;
	m.seq = c->seq;
	m.interval_ms = x->o.interval_ms;
	m.updated_unix_ns = now_unix_ns;
	m.estimated = estimated;
	snprintf(m.sources, sizeof(m.sources), "%s", sources ? sources : "");
	snprintf(m.idle_policy, sizeof(m.idle_policy), "%s", x->idle);
	len = vmshare_meta_format(&m, buf, sizeof(buf));
	what = VMSHARE_META_FILE;
	r = len < 0 ? len : vmexport_replace_at(vfd, VMSHARE_META_FILE, buf, (size_t)len);
out:
	if (r < 0)
		snprintf(err, err_size, "--vm-export: cannot write %s/%s%s%s: %s", x->dir, c->name,
			 what[0] ? "/" : "", what,
			 r == -ELOOP || r == -ENOTDIR ? "a link or not a directory (refused)"
						     : strerror(-r));
	if (zfd >= 0)
		close(zfd);
	if (vfd >= 0)
		close(vfd);
	return r;
}

int vmexport_update(struct vmexport *x, const struct vmexport_vm *vms, size_t n,
		    const char *sources, bool estimated, uint64_t now_mono_ns, uint64_t now_unix_ns,
		    char *err, size_t err_size)
{
	int first = 0;
	size_t k = 0;

	for (size_t i = 0; i < x->n; i++)
		x->v[i].delta_uj = 0;
	for (size_t i = 0; i < n; i++) {
		struct vm_counter *c;

		if (!vms[i].name || !vms[i].name[0])
			continue;
		c = find(x, vms[i].name);
		if (!c) {
			struct vm_counter *v = realloc(x->v, (x->n + 1) * sizeof(*v));
			int r;

			if (!v)
				return -ENOMEM;
			x->v = v;
			c = &x->v[x->n];
			*c = (struct vm_counter){ .name = strdup(vms[i].name) };
			if (!c->name)
				return -ENOMEM;
			r = resume(x, c);
			if (r < 0) {
				if (!first) {
					snprintf(err, err_size, "--vm-export: %s/%s: %s", x->dir,
						 c->name,
						 r == -ELOOP || r == -ENOTDIR
							 ? "a link or not a directory (refused)"
							 : strerror(-r));
					first = r;
				}
				free(c->name);
				continue;
			}
			x->n++;
		}
		c->last_seen_ns = now_mono_ns;
		c->delta_uj += vms[i].energy_uj;
	}
	for (size_t i = 0; i < x->n; i++) {
		struct vm_counter *c = &x->v[i];
		char e[512];
		int r;

		/* Forget VMs gone for the TTL: their files stay, a guest then sees them stale. */
		if (now_mono_ns > c->last_seen_ns + VMEXPORT_TTL_NS) {
			free(c->name);
			continue;
		}
		x->v[k++] = *c;
		c = &x->v[k - 1];
		if (c->energy_uj + c->delta_uj > VMSHARE_RANGE_UJ || c->energy_uj + c->delta_uj < c->energy_uj)
			c->delta_uj = 0; /* never past the range: 292 000 years at 1 kW */
		c->energy_uj += c->delta_uj;
		c->seq++;
		r = write_vm(x, c, sources, estimated, now_unix_ns, e, sizeof(e));
		if (r < 0 && !first) {
			first = r;
			snprintf(err, err_size, "%s", e);
		}
		if (r == 0 && x->o.written)
			x->o.written(x->o.userdata, c->name, c->energy_uj, c->delta_uj, c->seq);
	}
	x->n = k;
	return first;
}

int vmexport_get(const struct vmexport *x, const char *name, uint64_t *ret_energy_uj,
		 uint64_t *ret_seq)
{
	const struct vm_counter *c = x ? find(x, name) : NULL;

	if (!c)
		return -ENOENT;
	if (ret_energy_uj)
		*ret_energy_uj = c->energy_uj;
	if (ret_seq)
		*ret_seq = c->seq;
	return 0;
}
