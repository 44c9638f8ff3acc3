/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * resources.c - the resource collector (resources.h), its public calls
 * (joulestat_resources_*), and the copies snapshots carry (res_snapshot_*).
 *
 * What it reads, every sample, all through fsroot:
 * - <proc>/stat: per-CPU and total ticks, ctxt, intr, procs_running/blocked
 *   (required: without it there is no sample);
 * - <proc>/loadavg, <proc>/meminfo, <proc>/diskstats, <proc>/net/dev and
 *   <proc>/pressure/{cpu,io,memory};
 * - <sys>/devices/system/cpu/cpuN/cpufreq/scaling_cur_freq (kHz);
 * - <sys>/class/thermal/thermal_zone*\/{type,temp} and
 *   <sys>/class/hwmon/hwmon*\/{name,temp*_input,temp*_label} (m°C);
 * - for the followed tree: <proc>/PID/task/TID/{stat,schedstat,status,io}.
 * Optional files that are missing are simply not reported; one that is
 * malformed or unreadable is logged once (naming the file) and skipped. A
 * kernel without PSI (or booted with psi=0: reads give EOPNOTSUPP) or
 * without cpufreq is noticed on the first sample and not asked again.
 *
 * Disks: only whole devices count (a partition's bytes are already its
 * disk's): a name is a disk when <sys>/block/NAME exists ('/' in a name is
 * '!' there, as for cciss!c0d0). Without <sys>/block (a container's masked
 * sysfs) every device is kept. loop and ram devices are skipped: images and
 * RAM disks, not storage the machine's energy goes to, and dozens of idle
 * rows on a desktop.
 *
 * The tree: the root process, and every process whose parent (stat field
 * 4) is in the tree when first seen. Membership is sticky: a member whose
 * parent exits is re-parented (to init or a subreaper) and stays in. A pid
 * once found outside is not read again while it stays listed; if it exits
 * and its number is reused by a tree member within one interval the new
 * process is missed (the kernel hands pids out in increasing order, so this
 * needs a pid wrap inside one interval).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "joulestat.h"
#include "procfs_parse.h"
#include "resources.h"
#include "util.h"

#define RES_BUF_INITIAL (64 * 1024)
#define RES_BUF_MAX (16 * 1024 * 1024)

/* Files already complained about (logged once per collector). */
enum {
	RES_WARN_LOADAVG = 1u << 0,
	RES_WARN_MEMINFO = 1u << 1,
	RES_WARN_DISKSTATS = 1u << 2,
	RES_WARN_NETDEV = 1u << 3,
	RES_WARN_PSI = 1u << 4,
	RES_WARN_TASK = 1u << 5,
	RES_WARN_IO = 1u << 6,
	RES_WARN_DISKS_MAX = 1u << 7,
	RES_WARN_NETS_MAX = 1u << 8,
	RES_WARN_TEMP = 1u << 9,
};

static void warn_once(struct res_collector *rc, unsigned bit, enum fsroot_base base,
		      const char *rel, int err, const char *what)
{
	char path[512];

	if (rc->warned & bit)
		return;
	rc->warned |= bit;
	if (fsroot_path(&rc->fs, base, rel, path, sizeof(path)) < 0)
		strscpy(path, rel, sizeof(path));
	log_warning(&rc->log, "%s: %s (%s); %s", path,
		    err == -EINVAL ? "not in the kernel's format" : strerror(-err),
		    err == -EINVAL ? "malformed" : "unreadable", what);
}

/* Read a file into rc->buf, growing it for large files (/proc/stat's intr line). */
static ssize_t read_big(struct res_collector *rc, enum fsroot_base base, const char *rel)
{
	for (;;) {
		ssize_t n = fsroot_read(&rc->fs, base, rel, rc->buf, rc->buf_size);
		char *nb;

		if (n != -EFBIG || rc->buf_size >= RES_BUF_MAX)
			return n;
		nb = realloc(rc->buf, rc->buf_size * 2);
		if (!nb)
			return -ENOMEM;
		rc->buf = nb;
		rc->buf_size *= 2;
	}
}

static void close_fd(struct res_collector *rc, struct res_thread *t);

int res_new(const struct fsroot *fs, const struct logger *log, uint32_t root_pid,
	    struct res_collector **ret)
{
	struct res_collector *rc;
	int r;

	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -ENOMEM;
	r = fsroot_init(&rc->fs, fs->root[FS_SYS][0] ? fs->root[FS_SYS] : NULL,
			fs->root[FS_PROC][0] ? fs->root[FS_PROC] : NULL,
			fs->root[FS_DEV][0] ? fs->root[FS_DEV] : NULL);
	if (r < 0) {
		free(rc);
		return r;
	}
	if (log)
		rc->log = *log;
	rc->user_hz = sysconf(_SC_CLK_TCK);
	if (rc->user_hz <= 0)
		rc->user_hz = 100;
	rc->buf_size = RES_BUF_INITIAL;
	rc->buf = malloc(rc->buf_size);
	if (!rc->buf) {
		res_free(rc);
		return -ENOMEM;
	}
	rc->root_pid = root_pid;
	rc->proc_real = fsroot_is_real(&rc->fs, FS_PROC);
	{
		struct rlimit rl;

		/* Half the caller's descriptors at most: the rest are its own. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
			rc->fd_budget = rl.rlim_cur == RLIM_INFINITY ? 65536 : (size_t)rl.rlim_cur / 2;
	}
	*ret = rc;
	return 0;
}

struct res_collector *res_free(struct res_collector *rc)
{
	if (!rc)
		return NULL;
	for (size_t i = 0; i < rc->nthreads; i++)
		close_fd(rc, &rc->threads[i]);
	fsroot_done(&rc->fs);
	free(rc->buf);
	free(rc->sys.cpus);
	free(rc->cpus_prev);
	free(rc->threads);
	free(rc->outside);
	free(rc->tree);
	free(rc);
	return NULL;
}

/* ---- the machine ---- */

/* Highest "cpuN" + 1 in a /proc/stat buffer (its CPUs, present or not). */
static unsigned count_stat_cpus(const char *buf, size_t len)
{
	unsigned n = 0;

	for (const char *p = buf; p && p < buf + len;) {
		if (len - (size_t)(p - buf) > 3 && memcmp(p, "cpu", 3) == 0 && p[3] >= '0' &&
		    p[3] <= '9') {
			unsigned long v = strtoul(p + 3, NULL, 10);

			if (v < 65536 && v + 1 > n)
				n = (unsigned)v + 1;
		}
		p = memchr(p, '\n', len - (size_t)(p - buf));
		if (p)
			p++;
	}
	return n;
}

static int sample_stat(struct res_collector *rc)
{
	struct res_system *s = &rc->sys;
	struct cpu_times *t = NULL;
	struct sys_stat st;
	bool first = rc->gen == 0;
	unsigned n;
	ssize_t len;
	int r;

	len = read_big(rc, FS_PROC, "stat");
	if (len < 0) {
		warn_once(rc, 0, FS_PROC, "stat", (int)len, "no resource sample without it");
		return (int)len;
	}
	n = count_stat_cpus(rc->buf, (size_t)len);
	if (n > rc->ncpus_cap) {
		struct res_cpu *a = realloc(s->cpus, n * sizeof(*a));
		struct res_cpu *b;

		if (!a)
			return -ENOMEM;
		s->cpus = a;
		b = realloc(rc->cpus_prev, n * sizeof(*b));
		if (!b)
			return -ENOMEM;
		rc->cpus_prev = b;
		memset(s->cpus + rc->ncpus_cap, 0, (n - rc->ncpus_cap) * sizeof(*a));
		memset(rc->cpus_prev + rc->ncpus_cap, 0, (n - rc->ncpus_cap) * sizeof(*b));
		rc->ncpus_cap = n;
	}
	if (n) {
		t = calloc(n, sizeof(*t));
		if (!t)
			return -ENOMEM;
	}
	r = parse_sys_stat(rc->buf, (size_t)len, t, n, &st);
	if (r < 0) {
		char path[512];

		fsroot_path(&rc->fs, FS_PROC, "stat", path, sizeof(path));
		log_error(&rc->log, "%s: not in the kernel's /proc/stat format (%s)", path,
			  strerror(-r));
		free(t);
		return r;
	}
	memcpy(rc->cpus_prev, s->cpus, rc->ncpus_cap * sizeof(*s->cpus));
	s->ncpus = n;
	for (unsigned i = 0; i < n; i++) {
		struct res_cpu *c = &s->cpus[i];
		const struct res_cpu *p = &rc->cpus_prev[i];

		c->t = t[i];
		c->busy_ticks = c->total_ticks = 0;
		/* An offline CPU has no line; a CPU that went backwards (hotplug) re-baselines. */
		if (!first && c->t.present && p->t.present) {
			c->busy_ticks = sub_sat_u64(cpu_times_busy(&c->t), cpu_times_busy(&p->t));
			c->total_ticks = sub_sat_u64(cpu_times_total(&c->t), cpu_times_total(&p->t));
		}
	}
	free(t);
	if (first) {
		s->busy_ticks = s->total_ticks = s->iowait_ticks = s->ctxt = s->intr = 0;
	} else {
		s->busy_ticks = sub_sat_u64(cpu_times_busy(&st.all), cpu_times_busy(&s->stat.all));
		s->total_ticks = sub_sat_u64(cpu_times_total(&st.all), cpu_times_total(&s->stat.all));
		s->iowait_ticks = sub_sat_u64(st.all.iowait, s->stat.all.iowait);
		s->ctxt = sub_sat_u64(st.ctxt, s->stat.ctxt);
		s->intr = sub_sat_u64(st.intr, s->stat.intr);
	}
	s->stat = st;
	return 0;
}

static void sample_freq(struct res_collector *rc)
{
	struct res_system *s = &rc->sys;
	unsigned found = 0;

	if (rc->freq_off)
		return;
	for (unsigned i = 0; i < s->ncpus; i++) {
		char rel[96];
		uint64_t khz;

		s->cpus[i].freq_khz = 0;
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cpufreq/scaling_cur_freq", i);
		if (fsroot_read_u64(&rc->fs, FS_SYS, rel, &khz) == 0) {
			s->cpus[i].freq_khz = khz;
			found++;
		}
	}
	/* No cpufreq driver (VMs): the files never appear without one loading. */
	if (found == 0 && rc->gen == 0)
		rc->freq_off = true;
}

static void add_temp(struct res_collector *rc, const char *name, enum fsroot_base base,
		     const char *rel)
{
	struct res_system *s = &rc->sys;
	int64_t mc;
	int r;

	if (s->ntemps >= RES_MAX_TEMPS)
		return;
	r = fsroot_read_s64(&rc->fs, base, rel, &mc);
	if (r < 0) {
		/* A sensor that is not ready reads ENODATA/EAGAIN (thermal zones): skip it quietly. */
		if (r != -ENODATA && r != -EAGAIN && r != -ENOENT && r != -EIO)
			warn_once(rc, RES_WARN_TEMP, base, rel, r, "that sensor is left out");
		return;
	}
	strscpy(s->temps[s->ntemps].name, name, RES_TEMP_NAME_LEN);
	s->temps[s->ntemps].mc = mc;
	s->ntemps++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of <base>/<rel> starting with prefix, sorted (so temps keep their order). */
static size_t list_dir(struct res_collector *rc, enum fsroot_base base, const char *rel,
		       const char *prefix, char names[][64], size_t max)
{
	char *ptrs[RES_MAX_TEMPS];
	char tmp[RES_MAX_TEMPS][64];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = fsroot_opendir(&rc->fs, base, rel);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MIN(max, (size_t)RES_MAX_TEMPS)) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		strscpy(tmp[n], de->d_name, sizeof(tmp[n]));
		ptrs[n] = tmp[n];
		n++;
	}
	closedir(d);
	qsort(ptrs, n, sizeof(ptrs[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		strscpy(names[i], ptrs[i], 64);
	return n;
}

static void sample_temps(struct res_collector *rc)
{
	char zones[RES_MAX_TEMPS][64], files[RES_MAX_TEMPS][64];
	size_t nz, nf;

	rc->sys.ntemps = 0;
	nz = list_dir(rc, FS_SYS, "class/thermal", "thermal_zone", zones, RES_MAX_TEMPS);
	for (size_t i = 0; i < nz; i++) {
		char rel[160], type[48] = "", name[RES_TEMP_NAME_LEN];

		snprintf(rel, sizeof(rel), "class/thermal/%s/type", zones[i]);
		fsroot_read_line(&rc->fs, FS_SYS, rel, type, sizeof(type));
		snprintf(name, sizeof(name), "%.31s%s%.31s", zones[i], type[0] ? " " : "", type);
		snprintf(rel, sizeof(rel), "class/thermal/%s/temp", zones[i]);
		add_temp(rc, name, FS_SYS, rel);
	}
	nz = list_dir(rc, FS_SYS, "class/hwmon", "hwmon", zones, RES_MAX_TEMPS);
	for (size_t i = 0; i < nz; i++) {
		char dir[96], chip[32] = "";

		snprintf(dir, sizeof(dir), "class/hwmon/%s", zones[i]);
		{
			char rel[160];

			snprintf(rel, sizeof(rel), "%s/name", dir);
			if (fsroot_read_line(&rc->fs, FS_SYS, rel, chip, sizeof(chip)) < 0)
				strscpy(chip, zones[i], sizeof(chip));
		}
		nf = list_dir(rc, FS_SYS, dir, "temp", files, RES_MAX_TEMPS);
		for (size_t j = 0; j < nf; j++) {
			char rel[192], label[32] = "", name[RES_TEMP_NAME_LEN];
			const char *suffix = strstr(files[j], "_input");
			size_t stem;

			if (!suffix || suffix[6] != '\0')
				continue;
			stem = (size_t)(suffix - files[j]);
			snprintf(rel, sizeof(rel), "%s/%.*s_label", dir, (int)stem, files[j]);
			if (fsroot_read_line(&rc->fs, FS_SYS, rel, label, sizeof(label)) < 0)
				snprintf(label, sizeof(label), "%.*s", (int)stem, files[j]);
			snprintf(name, sizeof(name), "%s %s", chip, label);
			snprintf(rel, sizeof(rel), "%s/%s", dir, files[j]);
			add_temp(rc, name, FS_SYS, rel);
		}
	}
}

static bool disk_counts(struct res_collector *rc, const char *name, int has_block)
{
	char rel[64];

	if (strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0)
		return false;
	if (!has_block)
		return true;
	snprintf(rel, sizeof(rel), "block/%s", name);
	for (char *p = rel; *p; p++)
		if (*p == '/' && p > rel + 5)
			*p = '!';
	return fsroot_exists(&rc->fs, FS_SYS, rel) == 1;
}

static void sample_disks(struct res_collector *rc)
{
	struct res_system *s = &rc->sys;
	struct res_disk prev[RES_MAX_DISKS];
	struct diskstat *d;
	size_t nprev = s->ndisks;
	ssize_t len;
	int n, has_block;

	memcpy(prev, s->disks, nprev * sizeof(prev[0]));
	s->ndisks = 0;
	len = read_big(rc, FS_PROC, "diskstats");
	if (len < 0) {
		if (len != -ENOENT)
			warn_once(rc, RES_WARN_DISKSTATS, FS_PROC, "diskstats", (int)len,
				  "disk throughput is left out");
		return;
	}
	n = parse_diskstats(rc->buf, (size_t)len, NULL, 0);
	if (n < 0) {
		warn_once(rc, RES_WARN_DISKSTATS, FS_PROC, "diskstats", n,
			  "disk throughput is left out");
		return;
	}
	d = calloc((size_t)n + 1, sizeof(*d));
	if (!d)
		return;
	parse_diskstats(rc->buf, (size_t)len, d, (size_t)n);
	has_block = fsroot_exists(&rc->fs, FS_SYS, "block") == 1;
	for (int i = 0; i < n; i++) {
		struct res_disk *o;

		if (!disk_counts(rc, d[i].name, has_block))
			continue;
		if (s->ndisks == RES_MAX_DISKS) {
			if (!(rc->warned & RES_WARN_DISKS_MAX))
				log_info(&rc->log, "more than %d disks: the rest are left out",
					 RES_MAX_DISKS);
			rc->warned |= RES_WARN_DISKS_MAX;
			break;
		}
		o = &s->disks[s->ndisks++];
		memset(o, 0, sizeof(*o));
		o->st = d[i];
		for (size_t j = 0; j < nprev; j++) {
			if (strcmp(prev[j].st.name, o->st.name) != 0)
				continue;
			o->read_bytes = sub_sat_u64(o->st.read_sectors, prev[j].st.read_sectors) * 512;
			o->write_bytes =
				sub_sat_u64(o->st.write_sectors, prev[j].st.write_sectors) * 512;
			o->io_ms = sub_sat_u64(o->st.io_ticks_ms, prev[j].st.io_ticks_ms);
			break;
		}
	}
	free(d);
}

static void sample_nets(struct res_collector *rc)
{
	struct res_system *s = &rc->sys;
	struct res_net prev[RES_MAX_NETS];
	struct netdev_stat d[RES_MAX_NETS];
	size_t nprev = s->nnets;
	ssize_t len;
	int n;

	memcpy(prev, s->nets, nprev * sizeof(prev[0]));
	s->nnets = 0;
	len = read_big(rc, FS_PROC, "net/dev");
	if (len < 0) {
		if (len != -ENOENT)
			warn_once(rc, RES_WARN_NETDEV, FS_PROC, "net/dev", (int)len,
				  "network throughput is left out");
		return;
	}
	n = parse_net_dev(rc->buf, (size_t)len, d, RES_MAX_NETS);
	if (n < 0) {
		warn_once(rc, RES_WARN_NETDEV, FS_PROC, "net/dev", n,
			  "network throughput is left out");
		return;
	}
	if (n > RES_MAX_NETS) {
		if (!(rc->warned & RES_WARN_NETS_MAX))
			log_info(&rc->log, "more than %d network interfaces: the rest are left out",
				 RES_MAX_NETS);
		rc->warned |= RES_WARN_NETS_MAX;
		n = RES_MAX_NETS;
	}
	for (int i = 0; i < n; i++) {
		struct res_net *o = &s->nets[s->nnets++];

		memset(o, 0, sizeof(*o));
		o->st = d[i];
		for (size_t j = 0; j < nprev; j++) {
			if (strcmp(prev[j].st.name, o->st.name) != 0)
				continue;
			o->rx_bytes = sub_sat_u64(o->st.rx_bytes, prev[j].st.rx_bytes);
			o->tx_bytes = sub_sat_u64(o->st.tx_bytes, prev[j].st.tx_bytes);
			break;
		}
	}
}

static void sample_psi(struct res_collector *rc)
{
	static const char *const files[3] = { "pressure/cpu", "pressure/io", "pressure/memory" };
	struct res_system *s = &rc->sys;
	struct pressure p[3];
	bool had = s->have_psi;

	if (rc->psi_off)
		return;
	for (int i = 0; i < 3; i++) {
		ssize_t len = fsroot_read(&rc->fs, FS_PROC, files[i], rc->buf, rc->buf_size);
		int r = len < 0 ? (int)len : parse_pressure(rc->buf, (size_t)len, &p[i]);

		if (r < 0) {
			/* Not built in (ENOENT) or psi=0 (EOPNOTSUPP): ask no more. */
			if (r == -ENOENT || r == -EOPNOTSUPP)
				rc->psi_off = true;
			else
				warn_once(rc, RES_WARN_PSI, FS_PROC, files[i], r,
					  "pressure stall information is left out");
			s->have_psi = false;
			return;
		}
	}
	for (int i = 0; i < 3; i++) {
		s->psi_some_us[i] = had ? sub_sat_u64(p[i].some.total_us, s->psi[i].some.total_us) : 0;
		s->psi_full_us[i] = had ? sub_sat_u64(p[i].full.total_us, s->psi[i].full.total_us) : 0;
		s->psi[i] = p[i];
	}
	s->have_psi = true;
}

static void sample_small(struct res_collector *rc)
{
	struct res_system *s = &rc->sys;
	ssize_t len;
	int r;

	len = fsroot_read(&rc->fs, FS_PROC, "loadavg", rc->buf, rc->buf_size);
	r = len < 0 ? (int)len : parse_load_avg(rc->buf, (size_t)len, &s->load);
	if (r < 0)
		warn_once(rc, RES_WARN_LOADAVG, FS_PROC, "loadavg", r, "load averages are left out");
	len = read_big(rc, FS_PROC, "meminfo");
	r = len < 0 ? (int)len : parse_meminfo(rc->buf, (size_t)len, &s->mem);
	s->have_mem = r == 0;
	if (r < 0)
		warn_once(rc, RES_WARN_MEMINFO, FS_PROC, "meminfo", r, "memory figures are left out");
}

/* ---- the tree ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct res_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static bool has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_u32);
}

static int push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		uint32_t *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static uint32_t dir_pid(const char *name)
{
	char *end;
	unsigned long v;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	v = strtoul(name, &end, 10);
	return (*end || v > UINT32_MAX) ? 0 : (uint32_t)v;
}

/* Refresh the set of tgids in the tree (rc->tree, sorted). */
static int find_tree(struct res_collector *rc)
{
	uint32_t *cand_pid = NULL, *cand_ppid = NULL, *seen = NULL;
	size_t ncand = 0, cap1 = 0, ncand2 = 0, cap2 = 0, nseen = 0, cap3 = 0;
	uint32_t *old = rc->tree;
	size_t nold = rc->ntree;
	struct dirent *de;
	bool grew;
	DIR *d;
	int r = 0;

	d = fsroot_opendir(&rc->fs, FS_PROC, ".");
	if (!d)
		return -errno;
	rc->tree = NULL;
	rc->ntree = rc->tree_cap = 0;
	while ((de = readdir(d))) {
		uint32_t pid = dir_pid(de->d_name);

		if (!pid)
			continue;
		if ((r = push_u32(&seen, &nseen, &cap3, pid)) < 0)
			goto out;
		if (pid == rc->root_pid || has_u32(old, nold, pid)) {
			if ((r = push_u32(&rc->tree, &rc->ntree, &rc->tree_cap, pid)) < 0)
				goto out;
			continue;
		}
		if (has_u32(rc->outside, rc->noutside, pid))
			continue;
		{
			char rel[48];
			struct task_stat ts;
			ssize_t len;

			snprintf(rel, sizeof(rel), "%u/stat", pid);
			len = fsroot_read(&rc->fs, FS_PROC, rel, rc->buf, rc->buf_size);
			if (len < 0 || parse_task_stat(rc->buf, (size_t)len, &ts) < 0)
				continue; /* exited meanwhile: look again next time */
			if ((r = push_u32(&cand_pid, &ncand, &cap1, pid)) < 0 ||
			    (r = push_u32(&cand_ppid, &ncand2, &cap2, ts.ppid)) < 0)
				goto out;
		}
	}
	/* New processes join when their parent is in: repeat for grandchildren born together. */
	do {
		grew = false;
		qsort(rc->tree, rc->ntree, sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < ncand; i++) {
			if (!cand_pid[i] || !has_u32(rc->tree, rc->ntree, cand_ppid[i]))
				continue;
			if ((r = push_u32(&rc->tree, &rc->ntree, &rc->tree_cap, cand_pid[i])) < 0)
				goto out;
			cand_pid[i] = 0;
			grew = true;
		}
	} while (grew);
	qsort(rc->tree, rc->ntree, sizeof(uint32_t), cmp_u32);
	/* The rest are outside; forget outside pids that are gone. */
	{
		size_t k = 0;

		qsort(seen, nseen, sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < rc->noutside; i++)
			if (has_u32(seen, nseen, rc->outside[i]))
				rc->outside[k++] = rc->outside[i];
		rc->noutside = k;
		for (size_t i = 0; i < ncand; i++)
			if (cand_pid[i] &&
			    (r = push_u32(&rc->outside, &rc->noutside, &rc->outside_cap, cand_pid[i])) < 0)
				goto out;
		qsort(rc->outside, rc->noutside, sizeof(uint32_t), cmp_u32);
	}
out:
	closedir(d);
	free(old);
	free(cand_pid);
	free(cand_ppid);
	free(seen);
	return r;
}

/* The thread `tid` among threads[0..n), which are sorted by tid. */
static struct res_thread *thread_find(struct res_collector *rc, size_t n, uint32_t tid)
{
	struct res_thread key = { .tid = tid };

	if (!n)
		return NULL;
	return bsearch(&key, rc->threads, n, sizeof(key), cmp_thread);
}

/*
 * A thread's schedstat: on its kept fd (pread; ESRCH once the thread is
 * reaped, whatever its number now names), else by path. -errno when gone.
 */
static int read_sched(struct res_collector *rc, const struct res_thread *t, struct schedstat *ret)
{
	char rel[96];
	ssize_t len;

	if (t->fd >= 0) {
		struct stat st;

		/*
		 * A fixture tree marks an exited thread by removing its directory; an
		 * open file of it would still read. /proc answers ESRCH itself.
		 */
		if (!rc->proc_real && fstat(t->fd, &st) == 0 && st.st_nlink == 0)
			return -ESRCH;
		len = fd_read_all(t->fd, rc->buf, rc->buf_size);
	} else {
		snprintf(rel, sizeof(rel), "%u/task/%u/schedstat", t->tgid, t->tid);
		len = fsroot_read(&rc->fs, FS_PROC, rel, rc->buf, rc->buf_size);
	}
	if (len < 0)
		return (int)len;
	return parse_schedstat(rc->buf, (size_t)len, ret);
}

/* Read a thread's stat, status and io into *t (its cumulative fields). -errno when it is gone. */
static int read_files(struct res_collector *rc, struct res_thread *t)
{
	struct task_stat ts;
	struct task_status st;
	struct task_io io;
	char rel[96];
	ssize_t len;
	int r;

	snprintf(rel, sizeof(rel), "%u/task/%u/stat", t->tgid, t->tid);
	len = fsroot_read(&rc->fs, FS_PROC, rel, rc->buf, rc->buf_size);
	if (len < 0)
		return (int)len;
	if ((r = parse_task_stat(rc->buf, (size_t)len, &ts)) < 0)
		goto malformed;
	snprintf(rel, sizeof(rel), "%u/task/%u/status", t->tgid, t->tid);
	len = fsroot_read(&rc->fs, FS_PROC, rel, rc->buf, rc->buf_size);
	if (len < 0)
		return (int)len;
	if ((r = parse_task_status(rc->buf, (size_t)len, &st)) < 0)
		goto malformed;
	t->start_ticks = ts.starttime_ticks;
	strscpy(t->name, st.name, sizeof(t->name));
	t->state = ts.state;
	t->utime_ticks = ts.utime_ticks;
	t->stime_ticks = ts.stime_ticks;
	t->minflt = ts.minflt;
	t->majflt = ts.majflt;
	t->vol_ctxt = st.voluntary_ctxt;
	t->nonvol_ctxt = st.nonvoluntary_ctxt;
	t->rss_bytes = st.vm_rss_bytes;
	t->vsz_bytes = st.vm_size_bytes;
	t->rss_gen = rc->gen + 1;
	/* io is ptrace-guarded: another user's process reads EACCES. Zeros then, said once. */
	snprintf(rel, sizeof(rel), "%u/task/%u/io", t->tgid, t->tid);
	len = fsroot_read(&rc->fs, FS_PROC, rel, rc->buf, rc->buf_size);
	r = len < 0 ? (int)len : parse_task_io(rc->buf, (size_t)len, &io);
	if (r < 0) {
		if (r != -ENOENT && r != -ESRCH)
			warn_once(rc, RES_WARN_IO, FS_PROC, rel, r,
				  "per-thread I/O reads as 0 for such threads");
		memset(&io, 0, sizeof(io));
	}
	t->read_bytes = io.read_bytes;
	t->write_bytes = io.write_bytes;
	t->rchar = io.rchar;
	t->wchar = io.wchar;
	t->syscw = io.syscw;
	return 0;
malformed:
	/* A vanishing task reads empty (ENODATA): normal. Anything else is worth a word. */
	if (r != -ENODATA)
		warn_once(rc, RES_WARN_TASK, FS_PROC, rel, r, "that thread is skipped");
	return r;
}

static void thread_delta(struct res_thread *t, const struct res_thread *p)
{
#define D(f) t->d_##f = sub_sat_u64(t->f, p->f)
	D(oncpu_ns);
	D(wait_ns);
	D(utime_ticks);
	D(stime_ticks);
	D(minflt);
	D(majflt);
	D(vol_ctxt);
	D(nonvol_ctxt);
	D(read_bytes);
	D(write_bytes);
	D(rchar);
	D(wchar);
	D(syscw);
#undef D
}

/* Nothing happened to it in this interval. */
static void thread_zero(struct res_thread *t)
{
	thread_delta(t, t);
}

static void close_fd(struct res_collector *rc, struct res_thread *t)
{
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
		rc->nfds--;
	}
}

/* Keep the schedstat file open while the budget allows: a pread is cheaper than a path walk. */
static void keep_fd(struct res_collector *rc, struct res_thread *t)
{
	char rel[96];
	int fd;

	t->fd = -1;
	if (rc->nfds >= rc->fd_budget)
		return;
	snprintf(rel, sizeof(rel), "%u/task/%u/schedstat", t->tgid, t->tid);
	fd = fsroot_open(&rc->fs, FS_PROC, rel, O_RDONLY);
	if (fd < 0)
		return;
	t->fd = fd;
	rc->nfds++;
}

/*
 * A thread found by listing: read it whole. Born after the first sample, all
 * its counters are this interval's (it had none at the previous sample).
 */
static int add_thread(struct res_collector *rc, uint32_t tgid, uint32_t tid)
{
	struct res_thread t = { .tgid = tgid, .tid = tid, .fd = -1 };
	struct schedstat ss;
	int r;

	if ((r = read_sched(rc, &t, &ss)) < 0 || (r = read_files(rc, &t)) < 0)
		return r;
	t.oncpu_ns = ss.oncpu_ns;
	t.wait_ns = ss.wait_ns;
	t.timeslices = ss.timeslices;
	if (rc->gen > 0) {
		static const struct res_thread none = { 0 };

		thread_delta(&t, &none);
	}
	t.alive = true;
	t.gen = rc->gen + 1;
	if (rc->nthreads == rc->threads_cap) {
		size_t nc = rc->threads_cap ? rc->threads_cap * 2 : 64;
		struct res_thread *nv = realloc(rc->threads, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		rc->threads = nv;
		rc->threads_cap = nc;
	}
	keep_fd(rc, &t);
	rc->threads[rc->nthreads++] = t;
	return 0;
}

/* tgids of the known threads that ran this interval, or all known tgids; sorted, unique. */
static uint32_t *known_tgids(const struct res_collector *rc, bool ran_only, size_t *ret_n)
{
	uint32_t *v = malloc((rc->nthreads + 1) * sizeof(*v));
	size_t n = 0, k = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < rc->nthreads; i++)
		if (rc->threads[i].alive && (!ran_only || rc->threads[i].gen == rc->gen + 1))
			v[n++] = rc->threads[i].tgid;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*ret_n = k;
	return v;
}

/* List task/ of the tree's processes that are new or ran, and add threads not yet known. */
static int discover_threads(struct res_collector *rc)
{
	uint32_t *known, *ran;
	size_t nknown, nran, before = rc->nthreads;
	int r = -ENOMEM;

	known = known_tgids(rc, false, &nknown);
	ran = known_tgids(rc, true, &nran);
	if (!known || !ran)
		goto out;
	r = 0;
	for (size_t i = 0; i < rc->ntree; i++) {
		uint32_t tgid = rc->tree[i];
		char rel[48];
		struct dirent *de;
		DIR *d;

		/* Only a thread that runs can clone: a process none of whose threads ran has no new one. */
		if (has_u32(known, nknown, tgid) && !has_u32(ran, nran, tgid))
			continue;
		snprintf(rel, sizeof(rel), "%u/task", tgid);
		d = fsroot_opendir(&rc->fs, FS_PROC, rel);
		if (!d)
			continue; /* exited */
		while ((de = readdir(d))) {
			uint32_t tid = dir_pid(de->d_name);
			bool seen = false;

			if (!tid)
				continue;
			{
				/* threads[0..before) are sorted by tid (the last sample sorted them). */
				const struct res_thread *p = thread_find(rc, before, tid);

				seen = p && p->alive;
			}
			if (seen)
				continue;
			r = add_thread(rc, tgid, tid);
			if (r == -ENOMEM) {
				closedir(d);
				goto out;
			}
			r = 0; /* gone meanwhile: normal */
		}
		closedir(d);
	}
out:
	free(known);
	free(ran);
	return r;
}

struct rss_ref {
	uint32_t tgid;
	size_t idx;
};

static int cmp_rss_ref(const void *a, const void *b)
{
	const struct rss_ref *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/*
 * Memory is the process's: a thread that ran had its status read, with its
 * process's RSS; give that figure to the process's other threads.
 */
static void share_rss(struct res_collector *rc)
{
	struct rss_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < rc->nthreads; i++)
		n += rc->threads[i].rss_gen == rc->gen + 1;
	if (n == 0)
		return;
	v = malloc(n * sizeof(*v));
	if (!v)
		return; /* the figures stay one interval older */
	n = 0;
	for (size_t i = 0; i < rc->nthreads; i++)
		if (rc->threads[i].rss_gen == rc->gen + 1)
			v[n++] = (struct rss_ref){ rc->threads[i].tgid, i };
	qsort(v, n, sizeof(*v), cmp_rss_ref);
	for (size_t i = 0; i < rc->nthreads; i++) {
		struct res_thread *t = &rc->threads[i];
		struct rss_ref key = { t->tgid, 0 }, *hit;

		if (t->rss_gen == rc->gen + 1)
			continue;
		hit = bsearch(&key, v, n, sizeof(*v), cmp_rss_ref);
		if (hit) {
			t->rss_bytes = rc->threads[hit->idx].rss_bytes;
			t->vsz_bytes = rc->threads[hit->idx].vsz_bytes;
		}
	}
	free(v);
}

/*
 * The tree's threads. Known threads cost one schedstat read: one that did
 * not run (on-CPU time and timeslices unchanged) cannot have changed its
 * counters or state, so its other files are not read. New threads are
 * looked for only when the host's fork counter moved and a thread of the
 * tree ran.
 */
static int sample_tree(struct res_collector *rc)
{
	bool forked = rc->gen == 0 || rc->sys.stat.forks != rc->tree_forks, ran = false;
	size_t k = 0;
	int r;

	for (size_t i = 0; i < rc->nthreads; i++) {
		struct res_thread *t = &rc->threads[i], n;
		struct schedstat ss;

		thread_zero(t);
		if (read_sched(rc, t, &ss) < 0) {
			t->alive = false;
			continue;
		}
		if (ss.oncpu_ns == t->oncpu_ns && ss.timeslices == t->timeslices)
			continue; /* did not run */
		n = *t;
		if (read_files(rc, &n) < 0) {
			t->alive = false;
			continue;
		}
		n.oncpu_ns = ss.oncpu_ns;
		n.wait_ns = ss.wait_ns;
		n.timeslices = ss.timeslices;
		if (n.start_ticks != t->start_ticks) {
			/* Read by path, the number now names another thread: a new one. */
			static const struct res_thread none = { 0 };

			thread_delta(&n, &none);
		} else {
			thread_delta(&n, t);
		}
		n.gen = rc->gen + 1;
		*t = n;
		ran = true;
	}
	/*
	 * Only a running thread forks: when none of the tree's ran, the host's
	 * forks were other processes' and the tree cannot have grown.
	 */
	if (forked && (ran || rc->gen == 0)) {
		r = find_tree(rc);
		if (r < 0)
			return r;
		r = discover_threads(rc);
		if (r < 0)
			return r;
	}
	rc->tree_forks = rc->sys.stat.forks;
	/* Drop the threads that are gone; keep the rest sorted. */
	for (size_t i = 0; i < rc->nthreads; i++) {
		if (!rc->threads[i].alive) {
			close_fd(rc, &rc->threads[i]);
			continue;
		}
		rc->threads[k++] = rc->threads[i];
	}
	rc->nthreads = k;
	qsort(rc->threads, rc->nthreads, sizeof(*rc->threads), cmp_thread);
	share_rss(rc);
	return 0;
}

int res_sample(struct res_collector *rc, uint64_t now_ns)
{
	struct res_system *s = &rc->sys;
	int r;

	r = sample_stat(rc);
	if (r < 0)
		return r;
	sample_freq(rc);
	sample_temps(rc);
	sample_small(rc);
	sample_disks(rc);
	sample_nets(rc);
	sample_psi(rc);
	if (rc->root_pid) {
		r = sample_tree(rc);
		if (r < 0)
			return r;
	}
	s->interval_ns = rc->gen ? sub_sat_u64(now_ns, s->timestamp_ns) : 0;
	s->timestamp_ns = now_ns;
	rc->gen++;
	return 0;
}

/* ---- the public calls ---- */

struct joulestat_resources {
	struct res_collector *rc;
	struct logger log;
};

int joulestat_resources_new(const struct joulestat_resources_opts *opts,
			    struct joulestat_resources **ret)
{
	struct joulestat_resources *jr;
	struct fsroot fs;
	int r;

	if (!opts || !ret || opts->sz < offsetof(struct joulestat_resources_opts, pid) + sizeof(int))
		return -EINVAL;
	if (opts->pid < 0)
		return -EINVAL;
	r = fsroot_init(&fs, opts->sysfs_root, opts->procfs_root, NULL);
	if (r < 0)
		return r;
	jr = calloc(1, sizeof(*jr));
	if (!jr) {
		fsroot_done(&fs);
		return -ENOMEM;
	}
	r = res_new(&fs, &jr->log, (uint32_t)opts->pid, &jr->rc);
	fsroot_done(&fs);
	if (r < 0) {
		free(jr);
		return r;
	}
	*ret = jr;
	return 0;
}

struct joulestat_resources *joulestat_resources_free(struct joulestat_resources *jr)
{
	if (!jr)
		return NULL;
	res_free(jr->rc);
	free(jr);
	return NULL;
}

void joulestat_resources_set_log_fn(struct joulestat_resources *jr, joulestat_log_fn fn,
				    void *userdata, enum joulestat_log_level max_level)
{
	if (!jr)
		return;
	jr->rc->log.fn = fn;
	jr->rc->log.userdata = userdata;
	jr->rc->log.max_level = max_level;
}

int joulestat_resources_sample(struct joulestat_resources *jr)
{
	if (!jr)
		return -EINVAL;
	return res_sample(jr->rc, now_ns());
}

static double per_s(uint64_t v, uint64_t interval_ns)
{
	return interval_ns ? (double)v * 1e9 / (double)interval_ns : 0.0;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The public views of one system sample, shared by the collector and by snapshots. */

static int sys_info(const struct res_system *s, struct joulestat_system_resources *info)
{
	struct joulestat_system_resources o = { 0 };

	/* Callers built before the since-boot counters were added get the fields they know. */
	if (!info || info->sz < offsetof(struct joulestat_system_resources, ctxt_total))
		return -EINVAL;
	o.sz = info->sz < sizeof(o) ? info->sz : sizeof(o);
	o.timestamp_ns = s->timestamp_ns;
	o.interval_ns = s->interval_ns;
	o.ncpus = s->ncpus;
	o.cpu_usage_pct = pct(s->busy_ticks, s->total_ticks);
	o.iowait_pct = pct(s->iowait_ticks, s->total_ticks);
	o.ctxt_per_s = per_s(s->ctxt, s->interval_ns);
	o.intr_per_s = per_s(s->intr, s->interval_ns);
	o.procs_running = s->stat.procs_running;
	o.procs_blocked = s->stat.procs_blocked;
	for (int i = 0; i < 3; i++)
		o.load[i] = s->load.load_milli[i] / 1000.0;
	o.mem_total_bytes = s->mem.total_bytes;
	o.mem_available_bytes = s->mem.available_bytes;
	o.swap_total_bytes = s->mem.swap_total_bytes;
	o.swap_used_bytes = sub_sat_u64(s->mem.swap_total_bytes, s->mem.swap_free_bytes);
	o.has_psi = s->have_psi;
	for (int i = 0; i < 3 && s->have_psi; i++) {
		o.psi_some_pct[i] = pct(s->psi_some_us[i] * 1000, s->interval_ns);
		o.psi_full_pct[i] = pct(s->psi_full_us[i] * 1000, s->interval_ns);
	}
	o.ndisks = s->ndisks;
	o.nnets = s->nnets;
	o.ntemps = s->ntemps;
	o.ctxt_total = s->stat.ctxt;
	o.intr_total = s->stat.intr;
	for (int i = 0; i < 3 && s->have_psi; i++) {
		o.psi_some_total_us[i] = s->psi[i].some.total_us;
		o.psi_full_total_us[i] = s->psi[i].has_full ? s->psi[i].full.total_us : 0;
	}
	memcpy(info, &o, o.sz);
	return 0;
}

static int cpu_info(const struct res_system *s, unsigned cpu, struct joulestat_cpu_resources *info)
{
	struct joulestat_cpu_resources o = { 0 };
	const struct res_cpu *c;

	if (!info || info->sz < sizeof(o))
		return -EINVAL;
	if (cpu >= s->ncpus)
		return -ERANGE;
	c = &s->cpus[cpu];
	o.sz = sizeof(o);
	o.cpu = cpu;
	o.online = c->t.present;
	o.usage_pct = pct(c->busy_ticks, c->total_ticks);
	o.freq_khz = c->freq_khz;
	*info = o;
	return 0;
}

static int temp_info(const struct res_system *s, size_t idx, struct joulestat_temp_resources *info)
{
	struct joulestat_temp_resources o = { 0 };

	if (!info || info->sz < sizeof(o))
		return -EINVAL;
	if (idx >= s->ntemps)
		return -ERANGE;
	o.sz = sizeof(o);
	o.name = s->temps[idx].name;
	o.celsius = (double)s->temps[idx].mc / 1000.0;
	*info = o;
	return 0;
}

static int disk_info(const struct res_system *s, size_t idx, struct joulestat_disk_resources *info)
{
	struct joulestat_disk_resources o = { 0 };
	const struct res_disk *d;

	if (!info || info->sz < sizeof(o))
		return -EINVAL;
	if (idx >= s->ndisks)
		return -ERANGE;
	d = &s->disks[idx];
	o.sz = sizeof(o);
	o.name = d->st.name;
	o.read_bytes = d->st.read_sectors * 512;
	o.write_bytes = d->st.write_sectors * 512;
	o.read_bytes_per_s = per_s(d->read_bytes, s->interval_ns);
	o.write_bytes_per_s = per_s(d->write_bytes, s->interval_ns);
	o.busy_pct = pct(d->io_ms * 1000000, s->interval_ns);
	*info = o;
	return 0;
}

static int net_info(const struct res_system *s, size_t idx, struct joulestat_net_resources *info)
{
	struct joulestat_net_resources o = { 0 };
	const struct res_net *n;

	if (!info || info->sz < sizeof(o))
		return -EINVAL;
	if (idx >= s->nnets)
		return -ERANGE;
	n = &s->nets[idx];
	o.sz = sizeof(o);
	o.name = n->st.name;
	o.rx_bytes = n->st.rx_bytes;
	o.tx_bytes = n->st.tx_bytes;
	o.rx_bytes_per_s = per_s(n->rx_bytes, s->interval_ns);
	o.tx_bytes_per_s = per_s(n->tx_bytes, s->interval_ns);
	*info = o;
	return 0;
}

int joulestat_resources_system(const struct joulestat_resources *jr,
			       struct joulestat_system_resources *info)
{
	if (!jr || !info)
		return -EINVAL;
	if (jr->rc->gen == 0)
		return info->sz < sizeof(*info) ? -EINVAL : -ENODATA;
	return sys_info(&jr->rc->sys, info);
}

int joulestat_resources_cpu(const struct joulestat_resources *jr, unsigned cpu,
			    struct joulestat_cpu_resources *info)
{
	return jr ? cpu_info(&jr->rc->sys, cpu, info) : -EINVAL;
}

int joulestat_resources_temp(const struct joulestat_resources *jr, size_t idx,
			     struct joulestat_temp_resources *info)
{
	return jr ? temp_info(&jr->rc->sys, idx, info) : -EINVAL;
}

int joulestat_resources_disk(const struct joulestat_resources *jr, size_t idx,
			     struct joulestat_disk_resources *info)
{
	return jr ? disk_info(&jr->rc->sys, idx, info) : -EINVAL;
}

int joulestat_resources_net(const struct joulestat_resources *jr, size_t idx,
			    struct joulestat_net_resources *info)
{
	return jr ? net_info(&jr->rc->sys, idx, info) : -EINVAL;
}

/* ---- resources carried by snapshots ---- */

/* An immutable copy of one system sample: the snapshot owns it. */
struct res_snapshot {
	struct res_system sys;		/* sys.cpus points at cpus[] */
	struct res_cpu cpus[];
};

struct res_snapshot *res_snapshot_take(struct res_collector *rc, uint64_t now_ns)
{
	struct res_snapshot *rs;
	const struct res_system *s;

	if (!rc || res_sample(rc, now_ns) < 0)
		return NULL;
	s = &rc->sys;
	rs = malloc(sizeof(*rs) + s->ncpus * sizeof(rs->cpus[0]));
	if (!rs)
		return NULL;
	rs->sys = *s;
	memcpy(rs->cpus, s->cpus, s->ncpus * sizeof(rs->cpus[0]));
	rs->sys.cpus = rs->cpus;
	return rs;
}

void res_snapshot_free(struct res_snapshot *rs)
{
	free(rs);
}

int res_snapshot_system(const struct res_snapshot *rs, struct joulestat_system_resources *info)
{
	return rs ? sys_info(&rs->sys, info) : -ENODATA;
}

int res_snapshot_cpu(const struct res_snapshot *rs, unsigned cpu,
		     struct joulestat_cpu_resources *info)
{
	return rs ? cpu_info(&rs->sys, cpu, info) : -ENODATA;
}

int res_snapshot_temp(const struct res_snapshot *rs, size_t idx,
		      struct joulestat_temp_resources *info)
{
	return rs ? temp_info(&rs->sys, idx, info) : -ENODATA;
}

int res_snapshot_disk(const struct res_snapshot *rs, size_t idx,
		      struct joulestat_disk_resources *info)
{
	return rs ? disk_info(&rs->sys, idx, info) : -ENODATA;
}

int res_snapshot_net(const struct res_snapshot *rs, size_t idx,
		     struct joulestat_net_resources *info)
{
	return rs ? net_info(&rs->sys, idx, info) : -ENODATA;
}

size_t joulestat_resources_thread_count(const struct joulestat_resources *jr)
{
	return jr ? jr->rc->nthreads : 0;
}

int joulestat_resources_thread(const struct joulestat_resources *jr, size_t idx,
			       struct joulestat_thread_resources *info)
{
	const struct res_thread *t;
	struct joulestat_thread_resources o = { 0 };
	uint64_t ival, tick_ns;

	if (!jr || !info || info->sz < sizeof(o))
		return -EINVAL;
	if (idx >= jr->rc->nthreads)
		return -ERANGE;
	t = &jr->rc->threads[idx];
	ival = jr->rc->sys.interval_ns;
	tick_ns = NSEC_PER_SEC / (uint64_t)jr->rc->user_hz;
	o.sz = sizeof(o);
	o.pid = (int)t->tgid;
	o.tid = (int)t->tid;
	o.name = t->name;
	o.state = t->state;
	o.cpu_pct = pct(t->d_oncpu_ns, ival);
	o.oncpu_ns = t->oncpu_ns;
	o.user_ns = t->utime_ticks * tick_ns;
	o.kernel_ns = t->stime_ticks * tick_ns;
	o.runqueue_wait_ns = t->wait_ns;
	o.rss_bytes = t->rss_bytes;
	o.vsz_bytes = t->vsz_bytes;
	o.read_bytes = t->read_bytes;
	o.write_bytes = t->write_bytes;
	o.minor_faults = t->minflt;
	o.major_faults = t->majflt;
	o.voluntary_switches = t->vol_ctxt;
	o.involuntary_switches = t->nonvol_ctxt;
	*info = o;
	return 0;
}
