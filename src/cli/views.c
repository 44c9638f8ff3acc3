/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* views.c - recording files, snapshots as recorded intervals, and number formats (views.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "views.h"

/* Copy a pipe to an unlinked temporary file, so that it can be read twice. */
static int spool(const char *verb, struct recfile *rf)
{
	char buf[65536];
	FILE *t = tmpfile();
	size_t n;
	int r;

	if (!t) {
		r = -errno;
		cli_error(verb, "cannot keep a copy of %s to read it twice (temporary file in "
				"/tmp: %s)", rf->path, strerror(-r));
		return r;
	}
	while ((n = fread(buf, 1, sizeof(buf), rf->f)) > 0)
		if (fwrite(buf, 1, n, t) != n) {
			r = -errno;
			cli_error(verb, "cannot keep a copy of %s to read it twice (temporary file "
					"in /tmp: %s)", rf->path, strerror(-r));
			fclose(t);
			return r;
		}
	if (ferror(rf->f)) {
		r = errno ? -errno : -EIO;
		cli_error(verb, "cannot read %s: %s", rf->path, strerror(-r));
		fclose(t);
		return r;
	}
	if (fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
		r = -errno;
		cli_error(verb, "cannot keep a copy of %s to read it twice: %s", rf->path,
			  strerror(-r));
		fclose(t);
		return r;
	}
	if (rf->f != stdin)
		fclose(rf->f);
	rf->f = t;
	return 0;
}

/* The header line, first line of the file. */
static int read_header(const char *verb, struct recfile *rf)
{
	struct recfmt_error err;
	bool newline;
	ssize_t n;
	int r;

	errno = 0;
	n = getline(&rf->line, &rf->cap, rf->f);
	rf->lineno = 1;
	if (n < 0) {
		r = errno ? -errno : -EINVAL;
		if (errno)
			cli_error(verb, "cannot read %s: %s", rf->path, strerror(errno));
		else
			cli_error(verb, "%s: empty file, not a recording", rf->path);
		return r;
	}
	newline = n > 0 && rf->line[n - 1] == '\n';
	if (newline)
		n--;
	r = recfmt_parse_header(rf->line, (size_t)n, &rf->header, &err);
	if (r < 0) {
		cli_error(verb, "%s:1: %s%s", rf->path, r == -ENOMEM ? strerror(ENOMEM) : err.msg,
			  newline ? "" : " (the line has no newline: the recording was cut short "
					 "before its first interval)");
		return r;
	}
	return 0;
}

int recfile_open(const char *verb, const char *path, unsigned flags, struct recfile *rf)
{
	struct stat st;
	int r, fd;

	*rf = (struct recfile){ .path = path };
	if (strcmp(path, "-") == 0) {
		rf->f = stdin;
		rf->path = "standard input";
		fd = STDIN_FILENO;
	} else {
		/* Not waiting for a named pipe's writer: without one it reads as empty. */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			cli_error(verb, "cannot read %s: %s", path, strerror(-r));
			return r;
		}
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		cli_error(verb, "cannot read %s: %s", rf->path, strerror(-r));
		goto fail_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		cli_error(verb, "cannot read %s: it is a directory, not a recording", rf->path);
		goto fail_fd;
	}
	rf->is_file = S_ISREG(st.st_mode);
	rf->dev = st.st_dev;
	rf->ino = st.st_ino;
	if (!rf->f) {
		if (!rf->is_file)
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		rf->f = fdopen(fd, "r");
		if (!rf->f) {
			r = -errno;
			cli_error(verb, "cannot read %s: %s", rf->path, strerror(-r));
			goto fail_fd;
		}
	}
	if ((flags & RECFILE_REREAD) && !rf->is_file && (r = spool(verb, rf)) < 0)
		goto fail;
	r = read_header(verb, rf);
	if (r < 0)
		goto fail;
	return 0;
fail_fd:
	if (!rf->f && fd != STDIN_FILENO)
		close(fd);
fail:
	recfile_close(rf);
	return r;
}

int recfile_rewind(const char *verb, struct recfile *rf)
{
	int r;

	if (fseek(rf->f, 0, SEEK_SET) != 0) {
		r = -errno;
		cli_error(verb, "cannot read %s again: %s", rf->path, strerror(-r));
		return r;
	}
	clearerr(rf->f);
	recfmt_header_free(&rf->header);
	rf->last_seq = 0;
	rf->last_end_ns = 0;
	rf->nread = 0;
	return read_header(verb, rf);
}

int recfile_next(const char *verb, struct recfile *rf, struct recfmt_interval **ret)
{
	struct recfmt_interval *iv = NULL;
	struct recfmt_error err;
	bool newline;
	ssize_t n;
	int r;

	errno = 0;
	n = getline(&rf->line, &rf->cap, rf->f);
	if (n < 0) {
		if (errno) {
			r = -errno;
			cli_error(verb, "%s: after line %lu: %s", rf->path, rf->lineno,
				  strerror(errno));
			return r;
		}
		return 0;
	}
	rf->lineno++;
	newline = n > 0 && rf->line[n - 1] == '\n';
	if (newline)
		n--;
	if (n == 0) {
		cli_error(verb, "%s:%lu: empty line where an interval was expected", rf->path,
			  rf->lineno);
		return -EINVAL;
	}
	r = recfmt_parse_interval(rf->line, (size_t)n, &rf->header, &iv, &err);
	if (r < 0 && r != -ENOMEM && !newline) {
		/* Only the last line can lack its newline: a write cut short. */
		if (!rf->torn_warned)
			fprintf(stderr, "joulestat %s: warning: %s:%lu: the last line is cut short "
					"(the recording stopped part way through writing it); read "
					"the %llu complete interval%s before it\n",
				verb, rf->path, rf->lineno, (unsigned long long)rf->nread,
				rf->nread == 1 ? "" : "s");
		rf->torn_warned = true;
		return 0;
	}
	if (r < 0) {
		cli_error(verb, "%s:%lu: %s", rf->path, rf->lineno,
			  r == -ENOMEM ? strerror(ENOMEM) : err.msg);
		return r;
	}
	if (iv->seq != rf->last_seq + 1) {
		cli_error(verb, "%s:%lu: interval seq %llu follows seq %llu: %s", rf->path,
			  rf->lineno, (unsigned long long)iv->seq, (unsigned long long)rf->last_seq,
			  iv->seq > rf->last_seq ? "intervals are missing" : "out of order");
		recfmt_interval_free(iv);
		return -EINVAL;
	}
	if (rf->last_end_ns && iv->start_ns < rf->last_end_ns) {
		cli_error(verb, "%s:%lu: interval starts before the previous one ended", rf->path,
			  rf->lineno);
		recfmt_interval_free(iv);
		return -EINVAL;
	}
	rf->last_seq = iv->seq;
	rf->last_end_ns = iv->end_ns;
	rf->nread++;
	*ret = iv;
	return 1;
}

void recfile_close(struct recfile *rf)
{
	if (rf->f && rf->f != stdin)
		fclose(rf->f);
	free(rf->line);
	recfmt_header_free(&rf->header);
	*rf = (struct recfile){ 0 };
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int views_header_from(struct joulestat *js, const struct joulestat_snapshot *snap,
		      const char *source, uint64_t interval_ns, uint64_t duration_ns, bool raw,
		      struct recfmt_header *ret)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct recfmt_header h = { .version = RECFMT_VERSION };
	struct timespec now;
	char host[256] = "";
	int r;

	r = joulestat_snapshot_get(snap, &si);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_REALTIME, &now);
	gethostname(host, sizeof(host) - 1);
	/* The wall clock when the first interval started: now, less the time since then. */
	{
		uint64_t wall = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
		struct timespec mono;
		uint64_t mono_ns;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		mono_ns = (uint64_t)mono.tv_sec * 1000000000ULL + (uint64_t)mono.tv_nsec;
		h.start_unix_ns = wall - (mono_ns > si.start_ns ? mono_ns - si.start_ns : 0);
	}
	h.joulestat = dup_or_empty(joulestat_version());
	h.host = dup_or_empty(host);
	h.cpu_model = dup_or_empty(joulestat_cpu_model(js));
	h.source = dup_or_empty(source ? source : "auto");
	h.collector = dup_or_empty(si.collector);
	h.ncpus = si.ncpus;
	h.nsockets = joulestat_socket_count(js);
	h.interval_ns = interval_ns;
	h.duration_ns = duration_ns;
	h.raw = raw;
	h.syscalls = si.syscalls_counted;
	{
		struct joulestat_daemon_info di = { .sz = sizeof(di) };

		/* Recorded through the daemon: the recording says so. */
		if (joulestat_daemon_get(js, &di) == 0 && !(h.daemon = strdup(di.socket))) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (attrib_idle_policy_from_name(si.idle_policy, &h.idle) < 0) {
		r = -EINVAL;
		goto fail;
	}
	h.ndomains = si.ndomains;
	h.domains = calloc(si.ndomains ? si.ndomains : 1, sizeof(*h.domains));
	if (!h.joulestat || !h.host || !h.cpu_model || !h.source || !h.collector || !h.domains) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
		struct recfmt_domain *d = &h.domains[i];

		r = joulestat_snapshot_domain_get(snap, i, &sd);
		if (r < 0)
			goto fail;
		d->name = dup_or_empty(sd.name);
		d->source = dup_or_empty(sd.source);
		if (!d->name || !d->source) {
			r = -ENOMEM;
			goto fail;
		}
		d->kind = sd.kind;
		d->socket = sd.socket;
		d->estimated = sd.estimated;
		d->in_total = sd.in_host_total;
		/* The static power the split uses, and where it comes from. */
		if (h.idle == ATTRIB_IDLE_BASELINE) {
			d->static_mw = sd.static_mw;
			d->static_from = dup_or_empty(sd.static_from ? sd.static_from : "");
			if (!d->static_from) {
				r = -ENOMEM;
				goto fail;
			}
		}
		cpuset_zero(&d->cpus);
		for (size_t k = 0; k < joulestat_domain_count(js); k++) {
			struct joulestat_domain_info di = { .sz = sizeof(di) };

			if (joulestat_domain_get(js, k, &di) < 0 || strcmp(di.name, sd.name) != 0)
				continue;
			for (size_t w = 0; w < di.cpu_mask_words && w < CPUSET_WORDS; w++)
				d->cpus.bits[w] = di.cpu_mask[w];
			d->max_energy_range_uj = di.max_energy_range_uj;
			if (sd.kind == JOULESTAT_DOMAIN_PROCESS && di.pid > 0)
				d->pid = (uint32_t)di.pid;
		}
	}
	*ret = h;
	return 0;
fail:
	recfmt_header_free(&h);
	return r;
}

/* A snapshot's "gpu-busy" (without "gpu-") into a ledger split by GPU activity. */
static void gpu_status_from(const char *name, bool sampled, struct recfmt_ledger *l)
{
	static const enum gpu_split_status all[] = { GPU_SPLIT_IDLE, GPU_SPLIT_BUSY,
						     GPU_SPLIT_SINGLE, GPU_SPLIT_NO_ACTIVITY };

	l->status = ATTRIB_LEDGER_SKIPPED;
	for (size_t k = 0; k < ARRAY_SIZE(all); k++)
		if (strcmp(name, gpu_split_status_name(all[k])) == 0) {
			l->gpu = true;
			l->gpu_status = all[k];
			l->sampled = sampled;
		}
}

/* The interval's cgroups by id: an open-addressing table of indices into iv->cgroups. */
struct cgroup_index {
	uint32_t *slot;			/* index + 1, 0: empty */
	size_t cap;			/* power of two, > 2 × the rows */
};

static void cgroup_index_free(struct cgroup_index *c)
{
	free(c->slot);
	c->slot = NULL;
}

/*
 * The index of cgroup `id` in iv->cgroups (room for one per row), added with
 * its path when new, in *ret. -ENOMEM.
 */
static int cgroup_of(struct recfmt_interval *iv, struct cgroup_index *c, uint64_t id,
		     const char *path, uint32_t *ret)
{
	size_t k;

	if (!c->slot) {
		for (c->cap = 16; c->cap <= 2 * iv->nrows; c->cap *= 2)
			;
		c->slot = calloc(c->cap, sizeof(*c->slot));
		if (!c->slot)
			return -ENOMEM;
	}
	for (k = (size_t)(id * 0x9e3779b97f4a7c15ULL >> 32) & (c->cap - 1); c->slot[k];
	     k = (k + 1) & (c->cap - 1))
		if (iv->cgroups[c->slot[k] - 1].id == id) {
			*ret = c->slot[k] - 1;
			return 0;
		}
	iv->cgroups[iv->ncgroups] = (struct recfmt_cgroup){ .id = id, .path = strdup(path ? path : "") };
	if (!iv->cgroups[iv->ncgroups].path)
		return -ENOMEM;
	c->slot[k] = (uint32_t)++iv->ncgroups;
	*ret = c->slot[k] - 1;
	return 0;
}
static int interval_vms(const struct joulestat_snapshot *snap, struct recfmt_interval *iv);

int views_interval_from(const struct recfmt_header *h, const struct joulestat_snapshot *snap,
			struct recfmt_interval **ret)
{
	struct joulestat_snapshot_info si = { .sz = sizeof(si) };
	struct recfmt_interval *iv;
	struct cgroup_index cg = { 0 };
	size_t nrows_raw = 0;
	int nrows, r;

	r = joulestat_snapshot_get(snap, &si);
	if (r < 0)
		return r;
	if (si.ndomains != h->ndomains || si.ncpus != h->ncpus)
		return -EINVAL;
	nrows = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_PROCESS);
	if (nrows < 0)
		return nrows;
	iv = calloc(1, sizeof(*iv));
	if (!iv)
		return -ENOMEM;
	iv->seq = si.seq;
	iv->start_ns = si.start_ns;
	iv->end_ns = si.end_ns;
	iv->ndomains = si.ndomains;
	iv->host_delta_uj = si.delta_uj;
	iv->host_tasks_uj = si.tasks_uj;
	iv->host_idle_uj = si.idle_uj;
	iv->host_unattributed_uj = si.unattributed_uj;
	iv->tasks_seen = si.ntasks;
	iv->dropped = si.dropped;
	iv->lost_ns = si.lost_ns;
	iv->captured = si.captured;
	iv->nrows = (size_t)nrows;
	iv->ledgers = calloc(si.ndomains ? si.ndomains : 1, sizeof(*iv->ledgers));
	iv->rows = calloc(nrows ? (size_t)nrows : 1, sizeof(*iv->rows));
	/* At most one cgroup per row. */
	iv->cgroups = calloc(nrows ? (size_t)nrows : 1, sizeof(*iv->cgroups));
	iv->row_energy = calloc((size_t)(nrows ? nrows : 1) * (si.ndomains + 1), sizeof(uint64_t));
	r = -ENOMEM;
	if (!iv->ledgers || !iv->rows || !iv->row_energy || !iv->cgroups)
		goto fail;
	for (size_t i = 0; i < si.ndomains; i++) {
		struct joulestat_snapshot_domain sd = { .sz = sizeof(sd) };
		struct recfmt_ledger *l = &iv->ledgers[i];

		r = joulestat_snapshot_domain_get(snap, i, &sd);
		if (r < 0)
			goto fail;
		r = -EINVAL;
		if (strcmp(sd.name, h->domains[i].name) != 0)
			goto fail;
		*l = (struct recfmt_ledger){ .delta_uj = sd.delta_uj, .tasks_uj = sd.tasks_uj,
					     .idle_uj = sd.idle_uj,
					     .unattributed_uj = sd.unattributed_uj,
					     .energy_uj = sd.energy_uj, .raw_uj = sd.raw_uj };
		if (strcmp(sd.status, "no-time") == 0)
			l->status = ATTRIB_LEDGER_NO_TIME;
		else if (strcmp(sd.status, "refused") == 0)
			l->status = ATTRIB_LEDGER_REFUSED;
		else if (strcmp(sd.status, "skipped") == 0)
			l->status = ATTRIB_LEDGER_SKIPPED;
		else if (strncmp(sd.status, "gpu-", 4) == 0)
			gpu_status_from(sd.status + 4, sd.sampled, l);
		else
			l->status = ATTRIB_LEDGER_SPLIT;
	}
	for (int i = 0; i < nrows; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };
		struct recfmt_row *rw = &iv->rows[i];

		r = joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &row);
		if (r < 0)
			goto fail;
		rw->tgid = (uint32_t)row.pid;
		rw->start_ns = row.start_ns;
		rw->uid = row.uid;
		strscpy(rw->comm, row.comm ? row.comm : "", sizeof(rw->comm));
		rw->cpu_ns = row.cpu_ns;
		rw->syscalls = h->syscalls ? row.syscalls : 0;
		r = cgroup_of(iv, &cg, row.cgroup_id, row.cgroup, &rw->cgroup);
		if (r < 0)
			goto fail;
		rw->energy_uj = iv->row_energy + (size_t)i * (si.ndomains + 1);
		for (size_t k = 0; k < si.ndomains && k < row.ndomains; k++) {
			rw->energy_uj[k] = row.domain_energy_uj[k];
			if (h->domains[k].in_total)
				rw->total_uj += row.domain_energy_uj[k];
		}
	}
	r = interval_vms(snap, iv);
	if (r < 0)
		goto fail;
	if (h->raw) {
		iv->idle_ns = calloc(si.ncpus ? si.ncpus : 1, sizeof(uint64_t));
		iv->lost_ns_cpu = calloc(si.ncpus ? si.ncpus : 1, sizeof(uint64_t));
		iv->irq_ns_cpu = calloc(si.ncpus ? si.ncpus : 1, sizeof(uint64_t));
		iv->tasks = calloc(si.ntasks ? si.ntasks : 1, sizeof(*iv->tasks));
		iv->proc_start_ns = calloc(si.ntasks ? si.ntasks : 1, sizeof(uint64_t));
		r = -ENOMEM;
		if (!iv->idle_ns || !iv->lost_ns_cpu || !iv->irq_ns_cpu || !iv->tasks ||
		    !iv->proc_start_ns)
			goto fail;
		memcpy(iv->idle_ns, si.cpu_idle_ns, si.ncpus * sizeof(uint64_t));
		memcpy(iv->lost_ns_cpu, si.cpu_lost_ns, si.ncpus * sizeof(uint64_t));
		if (si.cpu_irq_ns)
			memcpy(iv->irq_ns_cpu, si.cpu_irq_ns, si.ncpus * sizeof(uint64_t));
		for (size_t t = 0; t < si.ntasks; t++) {
			struct joulestat_task tk = { .sz = sizeof(tk) };

			r = joulestat_snapshot_task_get(snap, t, &tk);
			if (r < 0)
				goto fail;
			nrows_raw += tk.ncpus;
		}
		iv->task_rows = calloc(nrows_raw ? nrows_raw : 1, sizeof(*iv->task_rows));
		r = -ENOMEM;
		if (!iv->task_rows)
			goto fail;
		nrows_raw = 0;
		for (size_t t = 0; t < si.ntasks; t++) {
			struct joulestat_task tk = { .sz = sizeof(tk) };
			struct activity_task *a = &iv->tasks[t];

			r = joulestat_snapshot_task_get(snap, t, &tk);
			if (r < 0)
				goto fail;
			a->key = (struct task_key){ (uint32_t)tk.pid, (uint32_t)tk.tid, tk.start_ns };
			strscpy(a->comm, tk.comm ? tk.comm : "", sizeof(a->comm));
			a->uid = tk.uid;
			a->syscalls = h->syscalls ? tk.syscalls : 0;
			a->cgroup_id = tk.cgroup_id;
			a->flags = (tk.exited ? ACTIVITY_TASK_EXITED : 0) |
				   (tk.kernel ? ACTIVITY_TASK_KERNEL : 0);
			a->first_row = (uint32_t)nrows_raw;
			a->nrows = (uint32_t)tk.ncpus;
			for (size_t c = 0; c < tk.ncpus; c++) {
				iv->task_rows[nrows_raw++] = (struct activity_row){
					.cpu = tk.cpus[c].cpu, .task = (uint32_t)t, .ns = tk.cpus[c].ns
				};
				a->oncpu_ns += tk.cpus[c].ns;
			}
			iv->proc_start_ns[t] = tk.proc_start_ns;
		}
		iv->has_raw = true;
		iv->sample = (struct activity_sample){
			.start_ns = iv->start_ns, .end_ns = iv->end_ns, .ncpus = si.ncpus,
			.idle_ns = iv->idle_ns, .lost_ns = iv->lost_ns_cpu, .irq_ns = iv->irq_ns_cpu,
			.tasks = iv->tasks,
			.ntasks = si.ntasks, .rows = iv->task_rows, .nrows = nrows_raw,
			.dropped = si.dropped, .captured = si.captured,
		};
	}
	cgroup_index_free(&cg);
	*ret = iv;
	return 0;
fail:
	cgroup_index_free(&cg);
	recfmt_interval_free(iv);
	return r;
}

/*
 * The VMs of the interval's process rows (a snapshot that carries the vm
 * grouping says each process's VM): their processes, and the sums of rows.
 */
static int interval_vms(const struct joulestat_snapshot *snap, struct recfmt_interval *iv)
{
	size_t nprocs = 0;
	int n = joulestat_snapshot_row_count(snap, JOULESTAT_GROUP_PROCESS);

	if (n <= 0)
		return 0;
	iv->vms = calloc((size_t)n, sizeof(*iv->vms));
	iv->vm_procs = calloc((size_t)n, sizeof(*iv->vm_procs));
	if (!iv->vms || !iv->vm_procs)
		return -ENOMEM;
	/* Grouped by VM, in row order within each. */
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };
		struct recfmt_vm *vm = NULL;

		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &row) < 0 ||
		    !row.vm || !row.vm[0])
			continue;
		for (size_t v = 0; v < iv->nvms && !vm; v++)
			if (strcmp(iv->vms[v].name, row.vm) == 0)
				vm = &iv->vms[v];
		if (!vm) {
			vm = &iv->vms[iv->nvms++];
			strscpy(vm->name, row.vm, sizeof(vm->name));
		}
		vm->nprocs++;
	}
	for (size_t v = 0; v < iv->nvms; v++) {
		iv->vms[v].first = nprocs;
		nprocs += iv->vms[v].nprocs;
		iv->vms[v].nprocs = 0;
	}
	for (int i = 0; i < n; i++) {
		struct joulestat_row row = { .sz = sizeof(row) };

		if (joulestat_snapshot_row_get(snap, JOULESTAT_GROUP_PROCESS, (size_t)i, &row) < 0 ||
		    !row.vm || !row.vm[0])
			continue;
		for (size_t v = 0; v < iv->nvms; v++) {
			struct recfmt_vm *vm = &iv->vms[v];

			if (strcmp(vm->name, row.vm) != 0)
				continue;
			iv->vm_procs[vm->first + vm->nprocs++] =
				(struct recfmt_vm_proc){ (uint32_t)row.pid, row.start_ns };
		}
	}
	return recfmt_vms_sum(iv, NULL);
}

const char *views_watts(double w, char *buf, size_t size)
{
	if (isnan(w))
		snprintf(buf, size, "-");
	else if (fabs(w) >= 1000)
		snprintf(buf, size, "%.2f kW", w / 1000);
	else if (fabs(w) >= 1 || w == 0)
		snprintf(buf, size, "%.2f W", w);
	else
		snprintf(buf, size, "%.0f mW", w * 1000);
	return buf;
}

const char *views_joules(uint64_t uj, char *buf, size_t size)
{
	double j = (double)uj / 1e6;

	if (j >= 1e6)
		snprintf(buf, size, "%.2f MJ", j / 1e6);
	else if (j >= 1e3)
		snprintf(buf, size, "%.2f kJ", j / 1e3);
	else if (j >= 1 || uj == 0)
		snprintf(buf, size, "%.2f J", j);
	else
		snprintf(buf, size, "%.0f mJ", j * 1e3);
	return buf;
}

const char *views_user(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "%u", uid);
	return buf;
}

int views_interval_gpu(struct joulestat *js, const struct recfmt_header *h,
		       struct recfmt_interval *iv)
{
	size_t n = joulestat_gpu_count(js), np = 0, ng = 0;
	struct recfmt_gpu *gpus = NULL;
	struct recfmt_gpu_proc *procs = NULL;
	int r = -ENOMEM;

	for (size_t g = 0; g < n; g++) {
		struct joulestat_gpu_info gi = { .sz = sizeof(gi) };

		if (joulestat_gpu_get(js, g, &gi) == 0)
			np += gi.nprocs;
	}
	gpus = calloc(n ? n : 1, sizeof(*gpus));
	procs = calloc(np ? np : 1, sizeof(*procs));
	if (!gpus || !procs)
		goto fail;
	np = 0;
	for (size_t g = 0; g < n; g++) {
		struct joulestat_gpu_info gi = { .sz = sizeof(gi) };
		struct recfmt_gpu *rg = &gpus[ng];
		size_t d;

		r = joulestat_gpu_get(js, g, &gi);
		if (r < 0)
			goto fail;
		for (d = 0; d < h->ndomains && strcmp(h->domains[d].name, gi.domain) != 0; d++)
			;
		/* Not in the recording, or not split by GPU activity (out of memory). */
		if (d == h->ndomains || !iv->ledgers[d].gpu)
			continue;
		rg->domain = d;
		rg->idle_mw = gi.idle_mw;
		rg->idle_known = gi.idle_known;
		/* gpu_split() calls an empty GPU idle: "no-activity" with none means no list. */
		rg->procs_unknown = iv->ledgers[d].gpu_status == GPU_SPLIT_NO_ACTIVITY && !gi.nprocs;
		rg->procs = procs + np;
		for (size_t k = 0; k < gi.nprocs; k++) {
			struct joulestat_gpu_process gp = { .sz = sizeof(gp) };

			r = joulestat_gpu_process_get(js, g, k, &gp);
			if (r < 0)
				goto fail;
			procs[np++] = (struct recfmt_gpu_proc){ .pid = (uint32_t)gp.pid,
								.busy = gp.busy };
			rg->nprocs++;
		}
		ng++;
	}
	free(iv->gpus);
	free(iv->gpu_procs);
	iv->gpus = gpus;
	iv->gpu_procs = procs;
	iv->ngpus = ng;
	return 0;
fail:
	free(gpus);
	free(procs);
	return r;
}
