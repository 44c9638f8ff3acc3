/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * snapshot.c - one interval from end to end: read the energy sources, close
 * the activity interval, split each domain's energy between the tasks
 * (attrib.c), aggregate the rows of each chosen grouping (group.c), add them
 * to the cumulative energy the monitor keeps per group (cumtab.c), and hand
 * out the result as an immutable, self-contained, reference-counted
 * snapshot. Also the per-PID queries and the timerfd an event loop polls.
 *
 * The snapshot copies every string it hands out into its own arena, so it
 * outlives the monitor and the collector's buffers, which the next sample
 * overwrites.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "attrib.h"
#include "baseline.h"
#include "cgroup.h"
#include "cumtab.h"
#include "domain_kind.h"
#include "group.h"
#include "names.h"
#include "gpu_snap.h"
#include "monitor.h"
#include "proctree.h"
#include "remote.h"
#include "resources.h"
#include "snapshot_impl.h"
#include "util.h"
#include "vm.h"

#define SNAP_INTERVAL_MS_DEFAULT 1000
#define SNAP_INTERVAL_MS_MIN 10
#define SNAP_INTERVAL_MS_MAX 3600000
/*
 * Groups that have not run for this long are forgotten (Prometheus peers
 * left dead processes in their output forever). Processes and threads seen
 * exiting go after SNAP_EXIT_GRACE snapshots.
 */
#define SNAP_IDLE_TTL_NS (600 * NSEC_PER_SEC)
#define SNAP_EXIT_GRACE 2
#define SNAP_SOURCE_MAX 128

#define GROUP_MASK_ALL ((1u << JOULESTAT_GROUP_COUNT) - 1)

/* The uid -> user name cache. */
struct user_name {
	uint32_t uid;
	char name[32];
};

struct monitor_snap {
	uint64_t interval_ns;
	enum joulestat_idle_policy policy;
	uint32_t groups;
	struct baseline statics;	/* names and kinds; opts first, then the file */
	size_t nstatic_opts;		/* statics.e[0 .. nstatic_opts) came from the options */
	char *baseline_path;		/* the file the others came from, NULL: none */
	int tfd;
	uint64_t seq;
	uint64_t last_end_ns;		/* end of the last interval: start of the next */
	struct cum_table cum[JOULESTAT_GROUP_COUNT];
	struct strtab strs;
	struct cgroup_cache cgroups;
	uint64_t cg_pruned_ns;
	struct names *names;		/* container and pod names (joulestat_set_names()), or NULL */
	struct proctree tree;
	struct vm_cache vms;		/* hypervisor processes and machine scopes (vm.h) */
	struct user_name *users;
	size_t nusers, users_cap;
	struct joulestat_snapshot *last;	/* a reference to the newest snapshot */
	struct attrib_ws *aws;			/* attribution's scratch, kept between samples */
	/* Per-task scratch of joulestat_sample(), kept between samples (sample_work). */
	size_t work_cap;			/* tasks */
	size_t work_dom_cap;			/* entries of task_domain_uj */
	uint64_t *work_proc_start_ns, *work_class_id, *work_task_domain_uj;
	const struct cgroup_info **work_cg;
	const char **work_vm;
	char source[SNAP_SOURCE_MAX];	/* "powercap+ebpf", for joulestat_pid_energy() */
	const char *source_str;		/* the same, interned: stable until joulestat_free() */
	/*
	 * The per-PID queries read last, cum[PROCESS], metered and source_str
	 * under the read lock; joulestat_sample() changes them under the write
	 * lock, so queries may run on other threads while it samples.
	 */
	pthread_rwlock_t lock;
	bool lock_ok;
	/* Processes whose own meter gave their energy in the last snapshot, sorted. */
	uint32_t *metered;
	size_t nmetered, metered_cap;
};

static const char *const group_names[JOULESTAT_GROUP_COUNT] = {
	[JOULESTAT_GROUP_PROCESS] = "process",	 [JOULESTAT_GROUP_THREAD] = "thread",
	[JOULESTAT_GROUP_COMM] = "comm",	 [JOULESTAT_GROUP_CGROUP] = "cgroup",
	[JOULESTAT_GROUP_USER] = "user",	 [JOULESTAT_GROUP_UNIT] = "unit",
	[JOULESTAT_GROUP_CONTAINER] = "container", [JOULESTAT_GROUP_TREE] = "tree",
	[JOULESTAT_GROUP_VM] = "vm",
	/* Containers and Kubernetes. */
	[JOULESTAT_GROUP_POD] = "pod",		 [JOULESTAT_GROUP_NAMESPACE] = "namespace",
};

/* The namespace grouping's key for the pods whose namespace is not known yet. */
#define NS_UNRESOLVED "\001"

const char *joulestat_domain_kind_name(enum joulestat_domain_kind kind)
{
	return domain_kind_name(kind);
}

const char *joulestat_idle_policy_name(enum joulestat_idle_policy policy)
{
	switch (policy) {
	case JOULESTAT_IDLE_SEPARATE:
	case JOULESTAT_IDLE_PROPORTIONAL:
	case JOULESTAT_IDLE_BASELINE:
		return attrib_idle_policy_name((enum attrib_idle_policy)policy);
	}
	return NULL;
}

int joulestat_idle_policy_from_name(const char *name, enum joulestat_idle_policy *ret)
{
	enum attrib_idle_policy p;
	int r;

	if (!ret)
		return -EINVAL;
	r = attrib_idle_policy_from_name(name, &p);
	if (r < 0)
		return r;
	*ret = (enum joulestat_idle_policy)p;
	return 0;
}

_Static_assert((int)JOULESTAT_IDLE_SEPARATE == (int)ATTRIB_IDLE_SEPARATE &&
		       (int)JOULESTAT_IDLE_PROPORTIONAL == (int)ATTRIB_IDLE_PROPORTIONAL &&
		       (int)JOULESTAT_IDLE_BASELINE == (int)ATTRIB_IDLE_BASELINE,
	       "public and internal idle policies must match");
_Static_assert((int)JOULESTAT_GROUP_PROCESS == (int)GROUP_PROCESS &&
		       (int)JOULESTAT_GROUP_THREAD == (int)GROUP_THREAD &&
		       (int)JOULESTAT_GROUP_COMM == (int)GROUP_COMM &&
		       (int)JOULESTAT_GROUP_CGROUP == (int)GROUP_CGROUP &&
		       (int)JOULESTAT_GROUP_USER == (int)GROUP_USER,
	       "public and internal groupings must match");

const char *joulestat_group_name(enum joulestat_group group)
{
	if ((unsigned)group < JOULESTAT_GROUP_COUNT)
		return group_names[group];
	return NULL;
}

int joulestat_group_from_name(const char *name, enum joulestat_group *ret)
{
	if (!name || !ret)
		return -EINVAL;
	for (unsigned i = 0; i < JOULESTAT_GROUP_COUNT; i++)
		if (strcmp(name, group_names[i]) == 0) {
			*ret = (enum joulestat_group)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- the arena ---- */

const char *arena_strndup(struct arena_chunk **a, const char *s, size_t len)
{
	struct arena_chunk *c = *a;
	char *p;

	if (!c || c->size - c->used < len + 1) {
		size_t size = MAX(len + 1, (size_t)16384);

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = *a;
		*a = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

const char *arena_strdup(struct arena_chunk **a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

static void arena_free(struct arena_chunk *a)
{
	while (a) {
		struct arena_chunk *n = a->next;

		free(a);
		a = n;
	}
}

/* ---- static power ---- */

const char *joulestat_static_origin_name(enum joulestat_static_origin origin)
{
	switch (origin) {
	case JOULESTAT_STATIC_NONE:
		return "none";
	case JOULESTAT_STATIC_OPTIONS:
		return "options";
	case JOULESTAT_STATIC_FILE:
		return "file";
	case JOULESTAT_STATIC_MODEL:
		return "model";
	}
	return NULL;
}

/*
 * The static power of d: an entry of the options, else of the baseline
 * file (by name, else by kind, at equal rank the options first), else for
 * a modelled domain the model's idle power, else none.
 */
static enum joulestat_static_origin static_power_of(const struct monitor_snap *m,
						    const struct domain *d, uint64_t *ret_mw)
{
	int k = baseline_find(&m->statics, d->name, domain_kind_name(d->kind));

	if (k >= 0) {
		*ret_mw = m->statics.e[k].static_mw;
		return (size_t)k < m->nstatic_opts ? JOULESTAT_STATIC_OPTIONS
						   : JOULESTAT_STATIC_FILE;
	}
	if (d->power_model) {
		*ret_mw = d->model_idle_mw;
		return JOULESTAT_STATIC_MODEL;
	}
	*ret_mw = 0;
	return JOULESTAT_STATIC_NONE;
}

/* Where from, for people: "options", the file's path, "model", "none". Monitor storage. */
static const char *static_from(const struct monitor_snap *m, enum joulestat_static_origin o)
{
	if (o == JOULESTAT_STATIC_FILE && m->baseline_path)
		return m->baseline_path;
	return joulestat_static_origin_name(o);
}

/* Kinds split by CPU time, whose idle row the baseline policy takes from static power. */
static bool split_by_cpu_time(enum joulestat_domain_kind kind)
{
	return kind != JOULESTAT_DOMAIN_GPU && kind != JOULESTAT_DOMAIN_PROCESS;
}

int joulestat_static_get(const struct joulestat *js, size_t idx, struct joulestat_static_info *info)
{
	struct joulestat_static_info o = { .sz = sizeof(o) };
	const struct domain *d;

	if (js && js->remote && info &&
	    info->sz >= offsetof(struct joulestat_static_info, from) + sizeof(info->from))
		return remote_static_get(js, idx, info);
	if (!js || !js->snap || !info ||
	    info->sz < offsetof(struct joulestat_static_info, from) + sizeof(info->from))
		return -EINVAL;
	if (idx >= js->nview)
		return -ERANGE;
	d = js->view[idx];
	o.domain = d->name;
	o.origin = static_power_of(js->snap, d, &o.static_mw);
	o.from = static_from(js->snap, o.origin);
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

/*
 * Under the baseline policy every host-total domain split by CPU time needs
 * a static power: with none its idle row would be 0 W and every task would
 * be charged the machine's whole power, silently. -ENODATA, logged.
 */
static int check_static_power(struct joulestat *js)
{
	for (size_t i = 0; i < js->nview; i++) {
		const struct domain *d = js->view[i];
		uint64_t mw;

		if (!d->in_host_total || !split_by_cpu_time(d->kind) ||
		    static_power_of(js->snap, d, &mw) != JOULESTAT_STATIC_NONE)
			continue;
		log_error(&js->log,
			  "the baseline idle policy needs the static power of %s, and no baseline "
			  "file or option gives it: measure it with 'joulestat calibrate' on a quiet "
			  "machine (then pass the file it writes), or choose another idle policy",
			  d->name);
		return -ENODATA;
	}
	return 0;
}

/* ---- setup ---- */

static int load_baseline_file(struct joulestat *js, const char *path, struct baseline *ret)
{
	char *buf = NULL;
	size_t cap = 0, len = 0;
	unsigned line = 0;
	FILE *f;
	int fd, r;

	/* Never waits on a named pipe; a directory or a pipe is named as such. */
	fd = file_open_input(AT_FDCWD, path, O_RDONLY);
	if (fd < 0) {
		if (fd == -ENOENT)
			log_error(&js->log, "baseline file %s: %s (write it with 'joulestat calibrate "
					    "-o %s')", path, strerror(-fd), path);
		else
			log_error(&js->log, "baseline file %s: %s (give the file 'joulestat "
					    "calibrate' wrote)", path, file_input_problem(fd));
		return fd;
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	errno = 0;
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *b = realloc(buf, cap + 8192);

			if (!b) {
				r = -ENOMEM;
				goto out;
			}
			buf = b;
			cap += 8192;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
		if (len > 1 << 20) {
			log_error(&js->log, "baseline file %s: larger than 1 MiB", path);
			r = -EFBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		r = errno ? -errno : -EIO;
		log_error(&js->log, "baseline file %s: %s", path, strerror(-r));
		goto out;
	}
	r = parse_baseline(buf ? buf : "", len, ret, &line);
	if (r == -EPROTONOSUPPORT)
		log_error(&js->log, "baseline file %s:%u: unsupported version (this library reads "
				    "version %d; run 'joulestat calibrate' again)", path, line,
			  BASELINE_VERSION);
	else if (r < 0 && line)
		log_error(&js->log, "baseline file %s:%u: expected '<domain> <milliwatts>' after a "
				    "'joulestat-baseline %d' line", path, line, BASELINE_VERSION);
	else if (r < 0)
		log_error(&js->log, "baseline file %s: no 'joulestat-baseline %d' line", path,
			  BASELINE_VERSION);
out:
	fclose(f);
	free(buf);
	return r;
}

/*
 * The lock per-PID queries take to read, and sampling to write. glibc's
 * default lets readers in while a writer waits, so threads that query
 * without pause would hold sampling off indefinitely: the writer goes first
 * here. No reader takes it twice, which that kind requires.
 */
static int lock_init(pthread_rwlock_t *lock)
{
	pthread_rwlockattr_t attr;
	int r = pthread_rwlockattr_init(&attr);

	if (r)
		return -r;
#ifdef __GLIBC__
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	r = pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return -r;
}

int monitor_snap_init(struct joulestat *js, const struct joulestat_opts *o)
{
	struct monitor_snap *m;
	struct baseline file = { 0 };
	int r;

	if (o->interval_ms && (o->interval_ms < SNAP_INTERVAL_MS_MIN ||
			       o->interval_ms > SNAP_INTERVAL_MS_MAX))
		return -EINVAL;
	if (!joulestat_idle_policy_name(o->idle_policy))
		return -EINVAL;
	if (o->groups & ~GROUP_MASK_ALL)
		return -EINVAL;
	if (o->nstatic_power && !o->static_power)
		return -EINVAL;
	if (o->nstatic_power > BASELINE_MAX)
		return -E2BIG;
	for (size_t i = 0; i < o->nstatic_power; i++)
		if (!o->static_power[i].domain || !o->static_power[i].domain[0] ||
		    strlen(o->static_power[i].domain) >= BASELINE_NAME_MAX ||
		    o->static_power[i].static_mw > BASELINE_MAX_MW)
			return -EINVAL;
	if (o->baseline_file) {
		r = load_baseline_file(js, o->baseline_file, &file);
		if (r < 0)
			return r;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->tfd = -1;
	m->interval_ns = (o->interval_ms ? o->interval_ms : SNAP_INTERVAL_MS_DEFAULT) * 1000000ULL;
	m->policy = o->idle_policy;
	m->groups = (o->groups ? o->groups : 0) | 1u << JOULESTAT_GROUP_PROCESS;
	/* Options first: baseline_lookup() takes the first match. */
	for (size_t i = 0; i < o->nstatic_power; i++) {
		strscpy(m->statics.e[m->statics.n].name, o->static_power[i].domain,
			BASELINE_NAME_MAX);
		m->statics.e[m->statics.n++].static_mw = o->static_power[i].static_mw;
	}
	m->nstatic_opts = m->statics.n;
	for (size_t i = 0; i < file.n && m->statics.n < BASELINE_MAX; i++)
		m->statics.e[m->statics.n++] = file.e[i];
	m->last_end_ns = now_ns();
	m->source_str = "";
	m->lock_ok = lock_init(&m->lock) == 0;
	if (!m->lock_ok) {
		free(m);
		return -ENOMEM;
	}
	cgroup_cache_init(&m->cgroups, &js->fs);
	js->snap = m;
	if (o->baseline_file) {
		m->baseline_path = strdup(o->baseline_file);
		if (!m->baseline_path)
			return -ENOMEM;
	}
	if (m->policy == JOULESTAT_IDLE_BASELINE)
		return check_static_power(js);
	return 0;
}

void monitor_snap_start(struct joulestat *js)
{
	/* A failed read is counted on its domain and logged; the baseline is what was read. */
	(void)joulestat_read_energy(js);
	for (size_t i = 0; i < js->domains.n; i++) {
		struct domain *d = js->domains.v[i];

		/*
		 * This reading is the baseline in place of the one the source
		 * took when it opened: nothing before it counts, and with one
		 * baseline the domain is still warming up (a power over the
		 * few milliseconds since the open would mean nothing).
		 */
		d->energy_uj = 0;
		d->snap_energy_uj = 0;
		d->snap_ts_ns = d->timestamp_ns;
		d->last_delta_uj = 0;
		d->last_dt_ns = 0;
		d->readings = MIN(d->readings, 1u);
		d->snap_refused = d->refused;
	}
	js->snap->last_end_ns = now_ns();
}

struct joulestat_snapshot *snapshot_destroy(struct joulestat_snapshot *s)
{
	if (!s)
		return NULL;
	free(s->domains);
	free(s->tasks);
	free(s->cpu_times);
	free(s->cpu_idle_ns);
	free(s->cpu_lost_ns);
	free(s->cpu_irq_ns);
	for (size_t g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		free(s->g[g].rows);
		free(s->g[g].domain_uj);
		free(s->g[g].by_pid);
	}
	arena_free(s->arena);
	res_snapshot_free(s->res);
	free(s);
	return NULL;
}

/*
 * The last snapshot when only the monitor holds it (refs == 1: the caller
 * let go, and nothing else can reach it): keep what the per-PID queries
 * read - info and the process rows with their index - and give back the
 * per-task copies and the other groupings before the next snapshot is
 * built, so that two full snapshots are never alive at once (at 10 000
 * tasks, a megabyte and more of the sample's peak).
 */
static void snapshot_keep_for_queries(struct joulestat_snapshot *s)
{
	if (!s || s->refs != 1)
		return;
	free(s->tasks);
	s->tasks = NULL;
	free(s->cpu_times);
	s->cpu_times = NULL;
	for (size_t g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		free(s->g[g].domain_uj);
		s->g[g].domain_uj = NULL;
		if (g == JOULESTAT_GROUP_PROCESS) {
			/* Its rows stay: their per-domain energies went with domain_uj. */
			for (size_t i = 0; i < s->g[g].nrows; i++) {
				s->g[g].rows[i].domain_energy_uj = NULL;
				s->g[g].rows[i].ndomains = 0;
			}
			continue;
		}
		free(s->g[g].rows);
		free(s->g[g].by_pid);
		s->g[g].rows = NULL;
		s->g[g].by_pid = NULL;
		s->g[g].nrows = 0;
		s->g[g].present = false;
	}
}

const struct res_snapshot *snapshot_res(const struct joulestat_snapshot *snap)
{
	return snap ? snap->res : NULL;
}

void monitor_snap_free(struct joulestat *js)
{
	struct monitor_snap *m = js->snap;

	if (!m)
		return;
	if (m->tfd >= 0)
		close(m->tfd);
	for (size_t g = 0; g < JOULESTAT_GROUP_COUNT; g++)
		cum_done(&m->cum[g]);
	strtab_done(&m->strs);
	cgroup_cache_done(&m->cgroups);
	names_free(m->names);
	proctree_done(&m->tree);
	vm_cache_done(&m->vms);
	free(m->users);
	joulestat_snapshot_free(m->last);
	attrib_ws_free(m->aws);
	free(m->work_proc_start_ns);
	free(m->work_class_id);
	free(m->work_task_domain_uj);
	free(m->work_cg);
	free(m->metered);
	free(m->baseline_path);
	free(m->work_vm);
	if (m->lock_ok)
		pthread_rwlock_destroy(&m->lock);
	free(m);
	js->snap = NULL;
}

int joulestat_set_groups(struct joulestat *js, uint32_t groups)
{
	if (!js || (groups & ~GROUP_MASK_ALL))
		return -EINVAL;
	if (js->remote)
		return remote_set_groups(js, groups);
	if (!js->snap)
		return -EINVAL;
	js->snap->groups = groups | 1u << JOULESTAT_GROUP_PROCESS;
	return 0;
}

int joulestat_set_names(struct joulestat *js, const struct joulestat_names_opts *opts)
{
	struct names_opts no = { 0 };
	struct names *n = NULL;
	int r;

	if (!js || !js->snap ||
	    (opts && opts->sz < offsetof(struct joulestat_names_opts, kubelet_insecure) +
					sizeof(opts->kubelet_insecure)))
		return -EINVAL;
	if (opts) {
		no = (struct names_opts){
			.docker_socket = opts->docker_socket,
			.podman_socket = opts->podman_socket,
			.kubelet_url = opts->kubelet_url,
			.token_file = opts->kubelet_token_file,
			.ca_file = opts->kubelet_ca_file,
			.cert_file = opts->kubelet_cert_file,
			.key_file = opts->kubelet_key_file,
			.insecure = opts->kubelet_insecure,
		};
		r = names_new(&no, &n);
		if (r < 0)
			return r;
	}
	names_free(js->snap->names);
	js->snap->names = n;
	/* Every cgroup asks again: the old answers were another resolver's. */
	for (size_t i = 0; i < js->snap->cgroups.cap; i++)
		if (js->snap->cgroups.slot[i])
			js->snap->cgroups.slot[i]->res_gen = UINT64_MAX;
	return 0;
}

/*
 * What the runtimes and the kubelet call each cgroup of the sample, asked
 * once per cgroup per snapshot, only where the last answer is stale or
 * incomplete (names_lookup() never blocks; a miss asks its thread).
 */
static void resolve_names(struct monitor_snap *m, const struct cgroup_info **cg, size_t n,
			  uint64_t seq, uint64_t now)
{
	uint64_t gen = names_generation(m->names);

	for (size_t i = 0; i < n; i++) {
		struct cgroup_info *ci = (struct cgroup_info *)cg[i];
		const struct cgroup_resolved *r;
		bool incomplete;

		if (!ci || ci->res_seq == seq)
			continue;
		ci->res_seq = seq;
		r = &ci->res;
		incomplete = (ci->names.container[0] && !r->container_name[0]) ||
			     (r->pod_uid[0] && (!r->pod[0] || !r->pod_namespace[0]));
		if (ci->res_gen == gen && !incomplete)
			continue;
		names_lookup(m->names, &ci->names, now, &ci->res);
		ci->res_gen = gen;
	}
}

/* Log what changed at the name sources, from the sampling thread (the log callback's). */
static void names_log(struct joulestat *js)
{
	char line[512];
	bool error;

	while (names_take_news(js->snap->names, line, sizeof(line), &error))
		log_msg(&js->log, error ? JOULESTAT_LOG_ERROR : JOULESTAT_LOG_INFO, "names: %s",
			line);
}

int joulestat_tree_add(struct joulestat *js, int pid)
{
	if (!js || pid <= 0)
		return -EINVAL;
	if (js->remote)
		return remote_tree(js, pid, true);
	if (!js->snap)
		return -EINVAL;
	js->snap->groups |= 1u << JOULESTAT_GROUP_TREE;
	return proctree_add_root(&js->snap->tree, &js->fs, (uint32_t)pid);
}

static bool cum_of_root(const struct cum_entry *e, void *ctx)
{
	return e->key.id == *(const uint64_t *)ctx;
}

int joulestat_tree_remove(struct joulestat *js, int pid)
{
	int64_t r;
	uint64_t root;

	if (!js || pid <= 0)
		return -EINVAL;
	if (js->remote)
		return remote_tree(js, pid, false);
	if (!js->snap)
		return -EINVAL;
	r = proctree_remove_root(&js->snap->tree, (uint32_t)pid);
	if (r < 0)
		return (int)r;
	root = (uint64_t)r;
	/* Its cumulative energy goes with it: a later root may take its place. */
	cum_prune(&js->snap->cum[JOULESTAT_GROUP_TREE], cum_of_root, &root);
	return 0;
}

/* ---- users ---- */

static const char *user_name(struct monitor_snap *m, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	struct user_name *u;

	for (size_t i = 0; i < m->nusers; i++)
		if (m->users[i].uid == uid)
			return m->users[i].name;
	if (m->nusers == m->users_cap) {
		size_t cap = m->users_cap ? m->users_cap * 2 : 16;
		struct user_name *v = realloc(m->users, cap * sizeof(*v));

		if (!v)
			return NULL;
		m->users = v;
		m->users_cap = cap;
	}
	u = &m->users[m->nusers++];
	u->uid = uid;
	/* Unknown uids (a container's) are shown as numbers, like ps does. */
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res && pw.pw_name &&
	    strlen(pw.pw_name) < sizeof(u->name))
		strscpy(u->name, pw.pw_name, sizeof(u->name));
	else
		snprintf(u->name, sizeof(u->name), "%" PRIu32, uid);
	return u->name;
}

/* ---- sampling ---- */

/* Working memory of one joulestat_sample(). */
struct sample_work {
	const struct activity_sample *s;
	const struct attrib_result *r;
	size_t ndomains;
	uint64_t *task_domain_uj;	/* [ndomains * ntasks], domain-major */
	uint64_t *proc_start_ns;	/* [ntasks] */
	uint64_t *class_id;		/* [ntasks] */
	const struct cgroup_info **cg;	/* [ntasks] */
	const char **vm;		/* [ntasks]: the task's VM ("" none), or NULL: not resolved */
};

/*
 * The per-task scratch of one sample, zeroed, in w: the monitor's, grown
 * when the sample has more tasks (with an eighth to spare) and given back
 * when it has under a quarter of them, so that an interval at 10 000 tasks
 * does not allocate and fault in fresh memory each time.
 */
static int sample_work_get(struct monitor_snap *m, size_t ntasks, size_t ndomains,
			   struct sample_work *w)
{
	size_t ndom = ndomains * ntasks;

	if (!m->work_cap || ntasks > m->work_cap || (m->work_cap > 1024 && ntasks < m->work_cap / 4)) {
		size_t cap = ntasks + ntasks / 8 + 16;
		uint64_t *ps = malloc(cap * sizeof(*ps)), *cls = malloc(cap * sizeof(*cls));
		const struct cgroup_info **cg = malloc(cap * sizeof(*cg));
		const char **vm = malloc(cap * sizeof(*vm));

		if (!ps || !cls || !cg || !vm) {
			free(ps);
			free(cls);
			free(cg);
			free(vm);
			return -ENOMEM;
		}
		free(m->work_proc_start_ns);
		free(m->work_class_id);
		free(m->work_cg);
		free(m->work_vm);
		m->work_proc_start_ns = ps;
		m->work_class_id = cls;
		m->work_cg = cg;
		m->work_vm = vm;
		m->work_cap = cap;
	}
	if (!m->work_dom_cap || ndom > m->work_dom_cap ||
	    (m->work_dom_cap > 1024 && ndom < m->work_dom_cap / 4)) {
		size_t cap = ndom + ndom / 8 + 16;
		uint64_t *td = malloc(cap * sizeof(*td));

		if (!td)
			return -ENOMEM;
		free(m->work_task_domain_uj);
		m->work_task_domain_uj = td;
		m->work_dom_cap = cap;
	}
	w->proc_start_ns = m->work_proc_start_ns;
	w->class_id = m->work_class_id;
	w->cg = m->work_cg;
	w->vm = NULL;
	w->task_domain_uj = m->work_task_domain_uj;
	memset(w->proc_start_ns, 0, ntasks * sizeof(*w->proc_start_ns));
	memset(w->class_id, 0, ntasks * sizeof(*w->class_id));
	memset(w->cg, 0, ntasks * sizeof(*w->cg));
	memset(w->task_domain_uj, 0, ndom * sizeof(*w->task_domain_uj));
	return 0;
}

/*
 * A domain's energy over the snapshot's interval: what it gained since the
 * last snapshot. A power model's readings (source_model.c) end a few
 * microseconds before or after the activity interval, and the first one
 * long before it (the collector opens after the sources): its energy over
 * its own readings, charged to a slightly shorter interval, would be a
 * power above the model's maximum. So the interval is charged at the
 * model's power over those readings, energy × interval / their span, and
 * never above its full-load power × interval (the µJ the model carries
 * between readings could add one).
 */
static uint64_t interval_energy_uj(const struct domain *d, uint64_t interval_ns)
{
	uint64_t gained_uj = sub_sat_u64(d->energy_uj, d->snap_energy_uj);
	uint64_t span_ns = sub_sat_u64(d->timestamp_ns, d->snap_ts_ns);

	if (!d->power_model || !span_ns || !gained_uj)
		return gained_uj;
	return MIN(mul_div_u64(gained_uj, interval_ns, span_ns),
		   mul_div_u64(d->model_max_mw, interval_ns, 1000000));
}

static void build_domains(struct joulestat *js, struct joulestat_snapshot *snap,
			  struct attrib_domain *ad, uint64_t interval_ns)
{
	struct monitor_snap *m = js->snap;

	for (size_t i = 0; i < js->nview; i++) {
		struct domain *d = js->view[i];
		uint64_t mw = 0;
		enum joulestat_static_origin origin = static_power_of(m, d, &mw);
		bool refused = d->refused != d->snap_refused;

		ad[i] = (struct attrib_domain){
			.name = d->name,
			.kind = d->kind,
			.cpus = &d->cpus,
			/* The energy since the last snapshot, however many reads happened. */
			.delta_uj = interval_energy_uj(d, interval_ns),
			.static_mw = mw,
			.estimated = d->estimated,
			.in_total = d->in_host_total,
			/*
			 * A process's own meter replaces its CPU-time share once
			 * its delta spans the whole interval (docs/attribution.md).
			 */
			.pid = d->kind == JOULESTAT_DOMAIN_PROCESS && d->snapped && d->readings >= 2 &&
					       d->pid > 0
				       ? (uint32_t)d->pid
				       : 0,
			.refused = refused,
		};
		snap->domains[i] = (struct joulestat_snapshot_domain){
			.sz = sizeof(snap->domains[i]),
			.kind = d->kind,
			.socket = d->socket,
			.estimated = d->estimated,
			.in_host_total = d->in_host_total,
			.warming_up = d->readings < 2,
			.energy_uj = d->energy_uj,
			.raw_uj = d->raw_uj,
			.delta_uj = refused ? 0 : ad[i].delta_uj,
			.power_w = (d->readings < 2 || !interval_ns || refused)
					   ? NAN
					   : (double)ad[i].delta_uj * 1e3 / (double)interval_ns,
			.static_mw = mw,
			.static_origin = origin,
			.refused = refused,
			.readings_refused = d->refused,
		};
		if (m->policy == JOULESTAT_IDLE_BASELINE && d->in_host_total)
			snap->info.static_mw += mw;
	}
}

/*
 * The snapshot's copies of where each static power comes from, and under
 * the baseline policy the host's: the distinct origins of its domains,
 * joined with " + ". -ENOMEM.
 */
static int snapshot_static_from(struct joulestat *js, struct joulestat_snapshot *snap)
{
	struct monitor_snap *m = js->snap;
	char host[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < snap->info.ndomains; i++) {
		struct joulestat_snapshot_domain *d = &snap->domains[i];
		const char *from = static_from(m, d->static_origin);

		d->static_from = arena_strdup(&snap->arena, from);
		if (!d->static_from)
			return -ENOMEM;
		if (m->policy != JOULESTAT_IDLE_BASELINE || !d->in_host_total || strstr(host, from))
			continue;
		len += (size_t)snprintf(host + len, sizeof(host) - len, "%s%s", len ? " + " : "",
					from);
		len = MIN(len, sizeof(host) - 1);
	}
	snap->info.static_from = arena_strdup(&snap->arena, host);
	return snap->info.static_from ? 0 : -ENOMEM;
}

/* The process start of each task: its leader's, remembered across snapshots. */
static void resolve_proc_starts(struct joulestat *js, struct sample_work *w)
{
	const struct activity_sample *s = w->s;

	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tid == s->tasks[i].key.tgid)
			proctree_note_leader(&js->snap->tree, s->tasks[i].key.tgid,
					     s->tasks[i].key.start_ns);
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct activity_task *t = &s->tasks[i];

		if (t->proc_start_ns)
			w->proc_start_ns[i] = t->proc_start_ns;
		else if (t->key.tid == t->key.tgid)
			w->proc_start_ns[i] = t->key.start_ns;
		else
			w->proc_start_ns[i] = proctree_proc_start(&js->snap->tree, &js->fs,
								  t->key.tgid, t->key.start_ns);
	}
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].key.tid == s->tasks[i].key.tgid &&
		    (s->tasks[i].flags & ACTIVITY_TASK_EXITED))
			proctree_note_exit(&js->snap->tree, s->tasks[i].key.tgid,
					   s->tasks[i].key.start_ns);
}

/*
 * The VM of each task (vm.h): its process's, when the process is a
 * hypervisor (the command line is read once, and only for processes a task
 * of which has a hypervisor's comm), else its cgroup's libvirt machine
 * scope. Every entry is made in a first pass, so the names the second pass
 * hands out do not move.
 */
static int resolve_vms(struct joulestat *js, struct sample_work *w)
{
	const struct activity_sample *s = w->s;
	struct vm_cache *c = &js->snap->vms;

	for (size_t i = 0; i < s->ntasks; i++) {
		const struct activity_task *t = &s->tasks[i];

		char comm[sizeof(t->comm) + 1] = "";

		memcpy(comm, t->comm, sizeof(t->comm));
		if (vm_comm_maybe(comm, sizeof(t->comm)) &&
		    !vm_cache_process(c, &js->fs, t->key.tgid, w->proc_start_ns[i], comm, s->end_ns))
			return -ENOMEM;
		if (w->cg[i] && !vm_cache_cgroup(c, w->cg[i]->id, w->cg[i]->path, s->end_ns))
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct activity_task *t = &s->tasks[i];
		const char *name = vm_cache_process(c, &js->fs, t->key.tgid, w->proc_start_ns[i],
						    NULL, s->end_ns);

		if (name && !name[0] && w->cg[i])
			name = vm_cache_cgroup(c, w->cg[i]->id, w->cg[i]->path, s->end_ns);
		if (!name)
			return -ENOMEM;
		js->snap->work_vm[i] = name;
	}
	w->vm = js->snap->work_vm;
	return 0;
}

static int classify(struct joulestat *js, struct sample_work *w, enum joulestat_group g)
{
	const struct activity_sample *s = w->s;

	for (size_t i = 0; i < s->ntasks; i++) {
		const struct cgroup_info *ci = w->cg[i];
		const char *str = NULL;
		int64_t id;

		switch (g) {
		case JOULESTAT_GROUP_UNIT:
			str = ci ? ci->names.unit : "";
			break;
		case JOULESTAT_GROUP_CONTAINER:
			str = ci ? ci->names.container : "";
			break;
		case JOULESTAT_GROUP_POD:
			str = ci ? ci->res.pod_uid : "";
			break;
		case JOULESTAT_GROUP_NAMESPACE:
			str = !ci || !ci->res.pod_uid[0] ? ""
			      : ci->res.pod_namespace[0] ? ci->res.pod_namespace
							 : NS_UNRESOLVED;
			break;
		case JOULESTAT_GROUP_TREE:
			w->class_id[i] = proctree_root_of(&js->snap->tree, i);
			continue;
		case JOULESTAT_GROUP_VM:
			str = w->vm ? w->vm[i] : "";
			break;
		default:
			return -EINVAL;
		}
		id = strtab_intern(&js->snap->strs, str, strlen(str));
		if (id < 0)
			return (int)id;
		w->class_id[i] = (uint64_t)id;
	}
	return 0;
}

/* The cumulative-table key of a group. */
static struct cum_key cum_key_of(struct joulestat *js, enum joulestat_group g,
				 const struct group_key *k, int64_t *ret_err)
{
	struct cum_key c;
	int64_t id;

	memset(&c, 0, sizeof(c));
	switch (g) {
	case JOULESTAT_GROUP_PROCESS:
		c.tgid = k->tgid;
		c.start_ns = k->start_ns;
		break;
	case JOULESTAT_GROUP_THREAD:
		c.tgid = k->tgid;
		c.tid = k->tid;
		c.start_ns = k->start_ns;
		break;
	case JOULESTAT_GROUP_COMM:
		id = strtab_intern(&js->snap->strs, k->comm, strnlen(k->comm, sizeof(k->comm)));
		if (id < 0)
			*ret_err = id;
		c.id = id < 0 ? 0 : (uint64_t)id;
		break;
	case JOULESTAT_GROUP_CGROUP:
		c.id = k->cgroup_id;
		break;
	case JOULESTAT_GROUP_USER:
		c.uid = k->uid;
		break;
	case JOULESTAT_GROUP_UNIT:
	case JOULESTAT_GROUP_CONTAINER:
	case JOULESTAT_GROUP_TREE:
	case JOULESTAT_GROUP_POD:
	case JOULESTAT_GROUP_NAMESPACE:
	case JOULESTAT_GROUP_VM:
		c.id = k->class_id;
		break;
	}
	return c;
}

/*
 * A row's container and pod fields, from its leader's cgroup `ci` (NULL:
 * unknown), as far as grouping g goes. -ENOMEM.
 */
static int row_names(struct joulestat_snapshot *snap, struct joulestat_row *row,
		     enum joulestat_group g, const struct cgroup_info *ci)
{
	const struct cgroup_resolved *r;
	bool container, pod;

	if (!ci || g == JOULESTAT_GROUP_COMM || g == JOULESTAT_GROUP_USER ||
	    g == JOULESTAT_GROUP_UNIT || g == JOULESTAT_GROUP_TREE)
		return 0;
	r = &ci->res;
	container = g != JOULESTAT_GROUP_POD && g != JOULESTAT_GROUP_NAMESPACE;
	pod = g != JOULESTAT_GROUP_NAMESPACE;
	row->names_unresolved = (r->pod_uid[0] && !r->pod_namespace[0]) ||
				(container && ci->names.container[0] && !r->container_name[0]) ||
				(pod && r->pod_uid[0] && !r->pod[0]);
	if (g == JOULESTAT_GROUP_NAMESPACE && !r->pod_uid[0])
		row->names_unresolved = false;
	row->pod_namespace = arena_strdup(&snap->arena, r->pod_namespace);
	if (!row->pod_namespace)
		return -ENOMEM;
	if (pod) {
		row->pod_uid = arena_strdup(&snap->arena, r->pod_uid);
		row->pod = arena_strdup(&snap->arena, r->pod);
		if (!row->pod_uid || !row->pod)
			return -ENOMEM;
	}
	if (container) {
		row->container_name = arena_strdup(&snap->arena, r->container_name);
		row->container_runtime = arena_strdup(&snap->arena, ci->names.runtime);
		if (!row->container_name || !row->container_runtime)
			return -ENOMEM;
	}
	return 0;
}

static int build_grouping(struct joulestat *js, struct joulestat_snapshot *snap,
			  struct sample_work *w, enum joulestat_group g)
{
	const struct activity_sample *s = w->s;
	struct monitor_snap *m = js->snap;
	struct snap_grouping *sg = &snap->g[g];
	struct group_result *gr = NULL;
	uint64_t interval_ns = snap->info.end_ns - snap->info.start_ns;
	size_t nd = w->ndomains;
	int64_t err = 0;
	int r;

	if (g >= JOULESTAT_GROUP_UNIT) {
		r = classify(js, w, g);
		if (r < 0)
			return r;
		r = group_tasks_class(s, w->r, GROUP_ALL_DOMAINS, w->class_id, &gr);
	} else {
		r = group_tasks(s, w->r, GROUP_ALL_DOMAINS, (enum group_by)g, w->proc_start_ns,
				&gr);
	}
	if (r < 0)
		return r;
	r = -ENOMEM;
	sg->rows = calloc(gr->ngroups ? gr->ngroups : 1, sizeof(*sg->rows));
	sg->domain_uj = calloc(MAX(gr->ngroups * nd, (size_t)1), sizeof(*sg->domain_uj));
	if (!sg->rows || !sg->domain_uj)
		goto out;
	for (size_t i = 0; i < gr->ngroups; i++) {
		const struct group_row *gw = &gr->groups[i];
		struct joulestat_row *row = &sg->rows[i];
		uint64_t *dom = &sg->domain_uj[i * nd];
		const struct activity_task *lead = &s->tasks[gr->members[gw->first]];
		const struct cgroup_info *ci = NULL;
		struct cum_entry *ce;
		struct cum_key ck;
		bool exited = false;
		uint64_t cpu = 0, sys = 0;
		const char *str;

		for (size_t j = 0; j < gw->nmembers; j++) {
			uint32_t t = gr->members[gw->first + j];
			const struct activity_task *task = &s->tasks[t];

			cpu += task->oncpu_ns;
			sys += task->syscalls;
			for (size_t d = 0; d < nd; d++)
				dom[d] += w->task_domain_uj[d * s->ntasks + t];
			/* The leader speaks for a process (the root's, for a tree). */
			if (task->key.tid == task->key.tgid &&
			    (g != JOULESTAT_GROUP_TREE ||
			     task->key.tgid == proctree_root_pid(&m->tree, gw->key.class_id)))
				lead = task;
			if ((task->flags & ACTIVITY_TASK_EXITED) &&
			    (g == JOULESTAT_GROUP_THREAD ||
			     (g == JOULESTAT_GROUP_PROCESS && task->key.tid == task->key.tgid)))
				exited = true;
		}
		ci = w->cg[lead - s->tasks];
		row->sz = sizeof(*row);
		row->group = g;
		row->energy_uj = gw->energy_uj;
		row->power_w = interval_ns ? (double)gw->energy_uj * 1e3 / (double)interval_ns : 0;
		row->cpu_ns = cpu;
		row->syscalls = sys;
		row->cpu_pct = interval_ns ? (double)cpu * 100.0 / (double)interval_ns : 0;
		row->share = w->r->total_tasks_uj
				     ? (double)gw->energy_uj / (double)w->r->total_tasks_uj
				     : 0;
		row->estimated = gw->estimated;
		row->ntasks = gw->nmembers;
		row->domain_energy_uj = dom;
		row->ndomains = nd;
		row->comm = "";
		row->user = "";
		row->cgroup = "";
		row->unit = "";
		row->container = "";
		row->container_name = row->container_runtime = "";
		row->pod_uid = row->pod = row->pod_namespace = "";
		row->vm = "";
		switch (g) {
		case JOULESTAT_GROUP_PROCESS:
		case JOULESTAT_GROUP_THREAD:
			row->pid = (int)gw->key.tgid;
			row->tid = g == JOULESTAT_GROUP_THREAD ? (int)gw->key.tid : 0;
			row->start_ns = gw->key.start_ns;
			row->uid = lead->uid;
			row->cgroup_id = lead->cgroup_id;
			break;
		case JOULESTAT_GROUP_COMM:
			break;
		case JOULESTAT_GROUP_CGROUP:
			row->cgroup_id = gw->key.cgroup_id;
			break;
		case JOULESTAT_GROUP_USER:
			row->uid = gw->key.uid;
			break;
		case JOULESTAT_GROUP_UNIT:
		case JOULESTAT_GROUP_CONTAINER:
		case JOULESTAT_GROUP_POD:
		case JOULESTAT_GROUP_NAMESPACE:
			break;
		case JOULESTAT_GROUP_TREE:
			row->pid = (int)proctree_root_pid(&m->tree, gw->key.class_id);
			row->start_ns = proctree_root_start(&m->tree, gw->key.class_id);
			break;
		case JOULESTAT_GROUP_VM:
			break;
		}
		/*
		 * The VM of a VM row, and when the vm grouping is carried, of a
		 * process or thread, and of a tree's root (`run` of a hypervisor).
		 */
		if (w->vm && (g == JOULESTAT_GROUP_VM || g == JOULESTAT_GROUP_PROCESS ||
			      g == JOULESTAT_GROUP_THREAD ||
			      (g == JOULESTAT_GROUP_TREE && lead->key.tgid == (uint32_t)row->pid))) {
			row->vm = arena_strdup(&snap->arena, w->vm[lead - s->tasks]);
			if (!row->vm)
				goto out;
		}
		str = arena_strndup(&snap->arena, lead->comm, strnlen(lead->comm, sizeof(lead->comm)));
		if (!str)
			goto out;
		if (g != JOULESTAT_GROUP_CGROUP && g != JOULESTAT_GROUP_UNIT &&
		    g != JOULESTAT_GROUP_CONTAINER && g != JOULESTAT_GROUP_USER &&
		    g != JOULESTAT_GROUP_POD && g != JOULESTAT_GROUP_NAMESPACE &&
		    g != JOULESTAT_GROUP_VM)
			row->comm = str;
		if (g == JOULESTAT_GROUP_PROCESS || g == JOULESTAT_GROUP_THREAD ||
		    g == JOULESTAT_GROUP_USER) {
			const char *u = user_name(m, row->uid);

			row->user = u ? arena_strdup(&snap->arena, u) : NULL;
			if (!row->user)
				goto out;
		}
		if (row_names(snap, row, g, ci) < 0)
			goto out;
		if (ci && g != JOULESTAT_GROUP_COMM && g != JOULESTAT_GROUP_USER &&
		    g != JOULESTAT_GROUP_TREE && g != JOULESTAT_GROUP_POD &&
		    g != JOULESTAT_GROUP_NAMESPACE && g != JOULESTAT_GROUP_VM) {
			row->cgroup = arena_strdup(&snap->arena, ci->path);
			row->unit = arena_strdup(&snap->arena, ci->names.unit);
			row->container = arena_strdup(&snap->arena, ci->names.container);
			if (!row->cgroup || !row->unit || !row->container)
				goto out;
			if (g == JOULESTAT_GROUP_UNIT)
				row->cgroup = "";
			if (g == JOULESTAT_GROUP_CONTAINER)
				row->cgroup = row->unit = "";
		}

		ck = cum_key_of(js, g, &gw->key, &err);
		if (err < 0) {
			r = (int)err;
			goto out;
		}
		ce = cum_get(&m->cum[g], &ck);
		if (!ce)
			goto out;
		if (!ce->first_seen_ns)
			ce->first_seen_ns = snap->info.end_ns;
		ce->energy_uj += gw->energy_uj;
		ce->cpu_ns += cpu;
		ce->syscalls += sys;
		ce->last_seen_ns = snap->info.end_ns;
		ce->last_seq = snap->info.seq;
		ce->exited = exited;
		row->cumulative_uj = ce->energy_uj;
		row->cumulative_cpu_ns = ce->cpu_ns;
		row->cumulative_syscalls = ce->syscalls;
		row->first_seen_ns = ce->first_seen_ns;
	}
	sg->nrows = gr->ngroups;
	sg->present = true;
	r = 0;
out:
	group_result_free(gr);
	return r;
}

static int by_pid_cmp(const void *a, const void *b, void *ctx)
{
	const struct joulestat_row *rows = ctx;
	const struct joulestat_row *x = &rows[*(const uint32_t *)a], *y = &rows[*(const uint32_t *)b];

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	/* The newest process of a reused PID last: lookups take the last. */
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

int snapshot_index_pids(struct joulestat_snapshot *snap)
{
	struct snap_grouping *pg = &snap->g[JOULESTAT_GROUP_PROCESS];

	free(pg->by_pid);
	pg->by_pid = calloc(pg->nrows ? pg->nrows : 1, sizeof(*pg->by_pid));
	if (!pg->by_pid)
		return -ENOMEM;
	for (size_t i = 0; i < pg->nrows; i++)
		pg->by_pid[i] = (uint32_t)i;
	qsort_r(pg->by_pid, pg->nrows, sizeof(*pg->by_pid), by_pid_cmp, pg->rows);
	return 0;
}

struct prune_ctx {
	uint64_t now_ns, seq;
};

static bool cum_expired(const struct cum_entry *e, void *ctx)
{
	const struct prune_ctx *p = ctx;

	if (e->exited && p->seq >= e->last_seq + SNAP_EXIT_GRACE)
		return true;
	return p->now_ns > e->last_seen_ns + SNAP_IDLE_TTL_NS;
}

static void copy_tasks(struct joulestat_snapshot *snap, const struct sample_work *w)
{
	const struct activity_sample *s = w->s;
	size_t k = 0;

	for (size_t i = 0; i < s->ntasks; i++) {
		const struct activity_task *t = &s->tasks[i];
		struct joulestat_task *o = &snap->tasks[i];

		*o = (struct joulestat_task){
			.sz = sizeof(*o),
			.pid = (int)t->key.tgid,
			.tid = (int)t->key.tid,
			.start_ns = t->key.start_ns,
			.proc_start_ns = w->proc_start_ns[i],
			.ppid = (int)t->ppid,
			.uid = t->uid,
			.cgroup_id = t->cgroup_id,
			.exited = t->flags & ACTIVITY_TASK_EXITED,
			.kernel = t->flags & ACTIVITY_TASK_KERNEL,
			.cpu_ns = t->oncpu_ns,
			.cpus = &snap->cpu_times[k],
			.energy_uj = w->r->tasks[i].energy_uj,
			.estimated = w->r->tasks[i].estimated,
			.syscalls = t->syscalls,
		};
		if ((size_t)t->first_row + t->nrows <= s->nrows) {
			for (uint32_t j = 0; j < t->nrows; j++) {
				const struct activity_row *row = &s->rows[t->first_row + j];

				snap->cpu_times[k++] = (struct joulestat_cpu_time){ row->cpu, row->ns };
			}
			o->ncpus = t->nrows;
		}
	}
}

static int fill_task_comms(struct joulestat_snapshot *snap, const struct activity_sample *s)
{
	for (size_t i = 0; i < s->ntasks; i++) {
		snap->tasks[i].comm = arena_strndup(&snap->arena, s->tasks[i].comm,
						    strnlen(s->tasks[i].comm,
							    sizeof(s->tasks[i].comm)));
		if (!snap->tasks[i].comm)
			return -ENOMEM;
	}
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The processes whose own meter gave their energy in this snapshot (the per-PID queries). */
static void note_metered(struct monitor_snap *m, const struct attrib_domain *ad,
			 const struct attrib_result *r, size_t nd)
{
	m->nmetered = 0;
	for (size_t i = 0; i < nd; i++) {
		if (!ad[i].pid || r->ledgers[i].status != ATTRIB_LEDGER_SPLIT)
			continue;
		if (m->nmetered == m->metered_cap) {
			size_t cap = m->metered_cap ? m->metered_cap * 2 : 16;
			uint32_t *v = realloc(m->metered, cap * sizeof(*v));

			if (!v)
				break; /* the queries then name the host's sources: still right in energy */
			m->metered = v;
			m->metered_cap = cap;
		}
		m->metered[m->nmetered++] = ad[i].pid;
	}
	if (m->nmetered)
		qsort(m->metered, m->nmetered, sizeof(*m->metered), u32_cmp);
}

static void note_sources(struct joulestat *js, const char *collector)
{
	struct monitor_snap *m = js->snap;
	size_t len = 0;

	m->source[0] = '\0';
	for (size_t i = 0; i < js->nview; i++) {
		const char *name = js->view[i]->slot->ops->name;

		if (!js->view[i]->in_host_total || strstr(m->source, name))
			continue;
		len += (size_t)snprintf(m->source + len, sizeof(m->source) - MIN(len, sizeof(m->source)),
					"%s%s", len ? "+" : "", name);
		len = MIN(len, sizeof(m->source) - 1);
	}
	snprintf(m->source + len, sizeof(m->source) - len, "%s%s", len ? "+" : "", collector);
	/* Interned: a query on another thread may still hold the last one. */
	{
		int64_t id = strtab_intern(&m->strs, m->source, strlen(m->source));

		if (id >= 0)
			m->source_str = strtab_str(&m->strs, (uint64_t)id);
	}
}

int joulestat_sample(struct joulestat *js, struct joulestat_snapshot **ret)
{
	struct joulestat_snapshot *snap = NULL;
	const struct activity_sample *s;
	struct attrib_result *r = NULL;
	struct attrib_domain *ad = NULL;
	struct sample_work w = { 0 };
	struct monitor_snap *m;
	struct prune_ctx pc;
	size_t nrows_total = 0;
	bool locked = false;
	int err, rerr;

	if (!js || !ret)
		return -EINVAL;
	if (js->remote)
		return remote_sample(js, ret);
	if (!js->snap)
		return -EINVAL;
	m = js->snap;
	if (js->activity.active < 0)
		return -ENODEV;
	/* Energy first, then activity: both intervals end within microseconds. */
	rerr = joulestat_read_energy(js);
	err = activity_sel_sample(&js->activity, &s);
	if (err < 0)
		return err;
	if (rerr < 0 && rerr != -ENOMEM)
		log_warning(&js->log, "snapshot: no energy source could be read: %s",
			    strerror(-rerr));
	else if (rerr == -ENOMEM)
		return rerr;

	pthread_rwlock_wrlock(&m->lock);
	snapshot_keep_for_queries(m->last);
	pthread_rwlock_unlock(&m->lock);
	err = -ENOMEM;
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		goto out;
	snap->refs = 1;
	w.s = s;
	w.ndomains = js->nview;
	snap->info.sz = sizeof(snap->info);
	snap->info.seq = ++m->seq;
	snap->info.start_ns = s->start_ns;
	snap->info.end_ns = s->end_ns;
	snap->info.idle_policy = joulestat_idle_policy_name(m->policy);
	snap->info.collector = js->activity.c[js->activity.active].ops->name;
	snap->info.ndomains = js->nview;
	snap->info.ntasks = s->ntasks;
	snap->info.groups = m->groups;
	snap->info.ncpus = s->ncpus;
	snap->info.captured = s->captured;
	snap->info.dropped = s->dropped;

	snap->domains = calloc(js->nview ? js->nview : 1, sizeof(*snap->domains));
	ad = calloc(js->nview ? js->nview : 1, sizeof(*ad));
	snap->cpu_idle_ns = calloc(s->ncpus ? s->ncpus : 1, sizeof(uint64_t));
	snap->cpu_lost_ns = calloc(s->ncpus ? s->ncpus : 1, sizeof(uint64_t));
	snap->cpu_irq_ns = calloc(s->ncpus ? s->ncpus : 1, sizeof(uint64_t));
	snap->tasks = calloc(s->ntasks ? s->ntasks : 1, sizeof(*snap->tasks));
	for (size_t i = 0; i < s->ntasks; i++)
		nrows_total += s->tasks[i].nrows;
	snap->cpu_times = calloc(MAX(nrows_total, s->nrows) + 1, sizeof(*snap->cpu_times));
	if (!m->aws && attrib_ws_new(&m->aws) < 0)
		goto out;
	if (!snap->domains || !ad || !snap->cpu_idle_ns || !snap->cpu_lost_ns ||
	    !snap->cpu_irq_ns || !snap->tasks || !snap->cpu_times ||
	    sample_work_get(m, s->ntasks, js->nview, &w) < 0)
		goto out;
	snap->info.cpu_idle_ns = snap->cpu_idle_ns;
	snap->info.cpu_lost_ns = snap->cpu_lost_ns;
	snap->info.cpu_irq_ns = snap->cpu_irq_ns;
	snap->info.coverage = s->ncpus ? 1.0 : 0.0;
	for (unsigned c = 0; c < s->ncpus; c++) {
		snap->cpu_idle_ns[c] = s->idle_ns ? s->idle_ns[c] : 0;
		snap->cpu_lost_ns[c] = s->lost_ns ? s->lost_ns[c] : 0;
		snap->info.idle_ns += snap->cpu_idle_ns[c];
		snap->info.lost_ns += snap->cpu_lost_ns[c];
		snap->cpu_irq_ns[c] = s->irq_ns ? s->irq_ns[c] : 0;
		snap->info.irq_ns += snap->cpu_irq_ns[c];
		/* activity_sel_sample() computed every CPU's coverage in one pass. */
		if (js->topo && topology_cpu_socket(js->topo, c) >= 0)
			snap->info.coverage = MIN(snap->info.coverage,
						  c < js->activity.coverage_len
							  ? js->activity.coverage[c]
							  : activity_coverage(s, c));
	}
	for (size_t i = 0; i < s->ntasks; i++)
		snap->info.busy_ns += s->tasks[i].oncpu_ns;
	snap->info.syscalls_counted = monitor_syscalls_counted(js);
	for (size_t i = 0; snap->info.syscalls_counted && i < s->ntasks; i++)
		snap->info.syscalls += s->tasks[i].syscalls;

	build_domains(js, snap, ad, s->end_ns - s->start_ns);
	err = attrib_split_ws(m->aws, s, ad, js->nview, (enum attrib_idle_policy)m->policy, &r);
	if (err < 0) {
		log_error(&js->log, "snapshot: attribution refused the interval: %s",
			  strerror(-err));
		goto out;
	}
	w.r = r;
	for (size_t i = 0; i < js->nview; i++) {
		const struct attrib_ledger *l = &r->ledgers[i];
		struct joulestat_snapshot_domain *d = &snap->domains[i];

		d->status = attrib_ledger_status_name(l->status);
		d->tasks_uj = l->tasks_uj;
		d->idle_uj = l->idle_uj;
		d->unattributed_uj = l->unattributed_uj;
		d->static_uj = l->static_uj;
		d->busy_ns = l->busy_ns;
		d->idle_ns = l->idle_ns;
		d->lost_ns = l->lost_ns;
		d->irq_ns = l->irq_ns;
		for (size_t j = 0; j < l->nrows; j++)
			w.task_domain_uj[i * s->ntasks + l->rows[j].task] = l->rows[j].energy_uj;
	}
	/* GPU domains: split by GPU activity, not CPU time (gpu_snap.h). */
	if (gpu_snapshot_split(js, s, ad, (enum attrib_idle_policy)m->policy, snap->domains,
			       w.task_domain_uj) < 0)
		log_warning(&js->log, "snapshot: GPU split failed (out of memory): GPU energy left "
			    "unattributed");
	snap->info.delta_uj = r->total_delta_uj;
	snap->info.tasks_uj = r->total_tasks_uj;
	snap->info.idle_uj = r->total_idle_uj;
	snap->info.unattributed_uj = r->total_unattributed_uj;
	snap->info.estimated = r->total_estimated;
	snap->info.refused = r->total_refused;
	for (size_t i = 0; i < js->nview; i++)
		if (js->view[i]->in_host_total && js->view[i]->readings < 2)
			snap->info.warming_up = true;
	snap->info.power_w = (snap->info.warming_up || snap->info.refused ||
			      s->end_ns <= s->start_ns)
				     ? NAN
				     : (double)r->total_delta_uj * 1e3 /
					       (double)(s->end_ns - s->start_ns);

	/* Names, process starts, cgroups and parentage: what the groupings need. */
	if (s->end_ns > m->cg_pruned_ns + 60 * NSEC_PER_SEC) {
		cgroup_cache_prune(&m->cgroups, s->end_ns);
		m->cg_pruned_ns = s->end_ns;
	}
	vm_cache_prune(&m->vms, s->end_ns);
	err = -ENOMEM;
	for (size_t i = 0; i < js->nview; i++) {
		snap->domains[i].name = arena_strdup(&snap->arena, js->view[i]->name);
		snap->domains[i].source = arena_strdup(&snap->arena, js->view[i]->slot->ops->name);
		if (!snap->domains[i].name || !snap->domains[i].source)
			goto out;
	}
	if (snapshot_static_from(js, snap) < 0)
		goto out;
	resolve_proc_starts(js, &w);
	for (size_t i = 0; i < s->ntasks; i++)
		w.cg[i] = cgroup_cache_get(&m->cgroups, s->tasks[i].cgroup_id, s->tasks[i].key.tgid,
					   w.proc_start_ns[i], s->end_ns);
	resolve_names(m, w.cg, s->ntasks, snap->info.seq, s->end_ns);
	names_log(js);
	err = proctree_update(&m->tree, &js->fs, s, w.proc_start_ns);
	if (err < 0)
		goto out;
	if (m->groups & (1u << JOULESTAT_GROUP_VM)) {
		err = resolve_vms(js, &w);
		if (err < 0)
			goto out;
	}
	copy_tasks(snap, &w);
	err = fill_task_comms(snap, s);
	if (err < 0)
		goto out;

	/* From here to the new last snapshot, what the per-PID queries read changes. */
	pthread_rwlock_wrlock(&m->lock);
	locked = true;
	for (unsigned g = 0; g < JOULESTAT_GROUP_COUNT; g++) {
		if (!(m->groups & (1u << g)))
			continue;
		err = build_grouping(js, snap, &w, (enum joulestat_group)g);
		if (err < 0)
			goto out;
	}
	err = snapshot_index_pids(snap);
	if (err < 0)
		goto out;
	pc = (struct prune_ctx){ .now_ns = s->end_ns, .seq = snap->info.seq };
	for (unsigned g = 0; g < JOULESTAT_GROUP_COUNT; g++)
		if (g != JOULESTAT_GROUP_TREE)
			cum_prune(&m->cum[g], cum_expired, &pc);

	/* Committed: the next interval's deltas start here. */
	for (size_t i = 0; i < js->nview; i++) {
		js->view[i]->snap_energy_uj = js->view[i]->energy_uj;
		js->view[i]->snapped = true;
		js->view[i]->snap_ts_ns = js->view[i]->timestamp_ns;
		js->view[i]->snap_refused = js->view[i]->refused;
	}
	note_metered(m, ad, r, js->nview);
	m->last_end_ns = s->end_ns;
	note_sources(js, snap->info.collector);
	joulestat_snapshot_free(m->last);
	snap->res = res_snapshot_take(js->res, s->end_ns);
	m->last = joulestat_snapshot_ref(snap);
	*ret = snap;
	snap = NULL;
	err = 0;
out:
	if (locked)
		pthread_rwlock_unlock(&m->lock);
	free(ad);
	attrib_result_free(r);
	snapshot_destroy(snap);
#ifdef __GLIBC__
	/*
	 * Give the allocator's free memory back to the system. glibc raises its
	 * trim threshold to twice the largest block freed from its own mapping
	 * (the kernel BTF parsed to load the BPF program: megabytes), so the
	 * scratch freed at the top of the heap at the end of every sample
	 * (attribution, groupings, the last snapshot's arrays) would otherwise
	 * stay resident between samples: 1.1 MB at 10 000 tasks, for about
	 * 0.1 ms a sample. The next sample faults in what it needs again.
	 */
	(void)malloc_trim(0);
#endif
	return err;
}

struct joulestat_snapshot *joulestat_snapshot_ref(struct joulestat_snapshot *snap)
{
	if (snap)
		snap->refs++;
	return snap;
}

struct joulestat_snapshot *joulestat_snapshot_free(struct joulestat_snapshot *snap)
{
	if (snap && --snap->refs == 0)
		snapshot_destroy(snap);
	return NULL;
}

#define FITS(p, type, field) ((p)->sz >= offsetof(type, field) + sizeof((p)->field))

/* Copy `src` (a full struct) into the caller's `dst` of dst->sz bytes. */
#define COPY_OUT(dst, src)                                                                         \
	do {                                                                                       \
		size_t sz_ = (dst)->sz;                                                            \
		(src).sz = sz_;                                                                    \
		memcpy((dst), &(src), MIN(sz_, sizeof(src)));                                      \
	} while (0)

int joulestat_snapshot_get(const struct joulestat_snapshot *snap,
			   struct joulestat_snapshot_info *info)
{
	struct joulestat_snapshot_info o;

	if (!snap || !info || !FITS(info, struct joulestat_snapshot_info, ntasks))
		return -EINVAL;
	o = snap->info;
	COPY_OUT(info, o);
	return 0;
}

int joulestat_snapshot_domain_get(const struct joulestat_snapshot *snap, size_t idx,
				  struct joulestat_snapshot_domain *info)
{
	struct joulestat_snapshot_domain o;

	if (!snap || !info || !FITS(info, struct joulestat_snapshot_domain, lost_ns))
		return -EINVAL;
	if (idx >= snap->info.ndomains)
		return -ERANGE;
	o = snap->domains[idx];
	COPY_OUT(info, o);
	return 0;
}

int joulestat_snapshot_task_get(const struct joulestat_snapshot *snap, size_t idx,
				struct joulestat_task *info)
{
	struct joulestat_task o;

	if (!snap || !info || !FITS(info, struct joulestat_task, estimated))
		return -EINVAL;
	if (idx >= snap->info.ntasks)
		return -ERANGE;
	o = snap->tasks[idx];
	COPY_OUT(info, o);
	return 0;
}

int joulestat_snapshot_row_count(const struct joulestat_snapshot *snap, enum joulestat_group group)
{
	if (!snap || (unsigned)group >= JOULESTAT_GROUP_COUNT)
		return -EINVAL;
	if (!snap->g[group].present)
		return -ENOENT;
	return (int)MIN(snap->g[group].nrows, (size_t)INT32_MAX);
}

int joulestat_snapshot_row_get(const struct joulestat_snapshot *snap, enum joulestat_group group,
			       size_t idx, struct joulestat_row *row)
{
	struct joulestat_row o;

	if (!snap || !row || (unsigned)group >= JOULESTAT_GROUP_COUNT ||
	    !FITS(row, struct joulestat_row, first_seen_ns))
		return -EINVAL;
	if (!snap->g[group].present)
		return -ENOENT;
	if (idx >= snap->g[group].nrows)
		return -ERANGE;
	o = snap->g[group].rows[idx];
	COPY_OUT(row, o);
	return 0;
}

/* ---- per-PID queries ---- */

static const struct joulestat_row *find_pid_row(const struct joulestat_snapshot *snap, int pid)
{
	const struct snap_grouping *pg = &snap->g[JOULESTAT_GROUP_PROCESS];
	size_t lo = 0, hi = pg->nrows;

	/* The last row with this pid: the newest process when the PID was reused. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pg->rows[pg->by_pid[mid]].pid <= pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && pg->rows[pg->by_pid[lo - 1]].pid == pid)
		return &pg->rows[pg->by_pid[lo - 1]];
	return NULL;
}

static void pid_energy_one(const struct joulestat *js, int pid, struct joulestat_pid_energy *o)
{
	const struct monitor_snap *m = js->snap;
	const struct joulestat_snapshot *snap = m->last;
	const struct joulestat_row *row = find_pid_row(snap, pid);
	const struct cum_table *t = &m->cum[JOULESTAT_GROUP_PROCESS];

	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->pid = pid;
	o->timestamp_ns = snap->info.end_ns;
	o->source = m->source_str;
	o->reliable = !snap->info.estimated;
	if (row) {
		uint32_t key = (uint32_t)pid;

		o->found = true;
		o->energy_uj = row->cumulative_uj;
		o->interval_energy_uj = row->energy_uj;
		o->power_w = row->power_w;
		o->cpu_ns = row->cpu_ns;
		o->reliable = !row->estimated;
		/* Its own meter (/proc/PID/power/energy_uj) gave the last interval's energy. */
		if (m->nmetered && bsearch(&key, m->metered, m->nmetered, sizeof(key), u32_cmp))
			o->source = "procpower";
		return;
	}
	/* Not in the last interval: it may have slept through it. The newest such process. */
	for (size_t i = 0; i < t->cap; i++) {
		const struct cum_entry *e = &t->e[i];

		if (!e->used || e->key.tgid != (uint32_t)pid)
			continue;
		if (o->found && e->key.start_ns < o->cpu_ns)
			continue;
		o->found = true;
		o->energy_uj = e->energy_uj;
		/* cpu_ns holds the start while searching; reset below. */
		o->cpu_ns = e->key.start_ns;
	}
	o->cpu_ns = 0;
}

static void pid_energy_copy(const struct joulestat_pid_energy *src, struct joulestat_pid_energy *dst)
{
	struct joulestat_pid_energy o = *src;

	COPY_OUT(dst, o);
}

int joulestat_pid_energy(const struct joulestat *js, int pid, struct joulestat_pid_energy *ret)
{
	struct monitor_snap *m;
	struct joulestat_pid_energy o;

	if (!js || !ret || !FITS(ret, struct joulestat_pid_energy, reliable))
		return -EINVAL;
	if (js->remote)
		return remote_pid_energy(js, &pid, 1, ret, true);
	if (!js->snap)
		return -EINVAL;
	m = js->snap;
	pthread_rwlock_rdlock(&m->lock);
	if (!m->last) {
		pthread_rwlock_unlock(&m->lock);
		return -ENODATA;
	}
	pid_energy_one(js, pid, &o);
	pthread_rwlock_unlock(&m->lock);
	if (!o.found)
		return -ENOENT;
	pid_energy_copy(&o, ret);
	return 0;
}

int joulestat_pid_energy_batch(const struct joulestat *js, const int *pids, size_t n,
			       struct joulestat_pid_energy *ret)
{
	struct monitor_snap *m;
	size_t stride;
	int found = 0;

	if (!js || (n && (!pids || !ret)))
		return -EINVAL;
	if (!js->remote && !js->snap)
		return -EINVAL;
	if (n == 0)
		return 0;
	stride = ret[0].sz;
	if (stride < offsetof(struct joulestat_pid_energy, reliable) + sizeof(bool) || n > INT32_MAX)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (((struct joulestat_pid_energy *)((char *)ret + i * stride))->sz != stride)
			return -EINVAL;
	if (js->remote)
		return remote_pid_energy(js, pids, n, ret, false);
	m = js->snap;
	pthread_rwlock_rdlock(&m->lock);
	if (!m->last) {
		pthread_rwlock_unlock(&m->lock);
		return -ENODATA;
	}
	for (size_t i = 0; i < n; i++) {
		struct joulestat_pid_energy o, *dst = (void *)((char *)ret + i * stride);

		pid_energy_one(js, pids[i], &o);
		found += o.found;
		pid_energy_copy(&o, dst);
	}
	pthread_rwlock_unlock(&m->lock);
	return found;
}

/* ---- the event loop's fd ---- */

int joulestat_fd(struct joulestat *js)
{
	struct monitor_snap *m;
	struct itimerspec its;
	uint64_t first;
	int fd;

	if (!js)
		return -EINVAL;
	if (js->remote)
		return remote_fd(js);
	if (!js->snap)
		return -EINVAL;
	m = js->snap;
	if (m->tfd >= 0)
		return m->tfd;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Absolute deadlines from one origin: a slow sample does not shift the next. */
	first = now_ns() + m->interval_ns;
	its.it_value.tv_sec = (time_t)(first / NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(first % NSEC_PER_SEC);
	its.it_interval.tv_sec = (time_t)(m->interval_ns / NSEC_PER_SEC);
	its.it_interval.tv_nsec = (long)(m->interval_ns % NSEC_PER_SEC);
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	m->tfd = fd;
	return fd;
}

int joulestat_dispatch(struct joulestat *js, joulestat_snapshot_fn cb, void *userdata)
{
	struct joulestat_snapshot *snap;
	uint64_t expirations;
	ssize_t n;
	int r;

	if (js && js->remote)
		return remote_dispatch(js, cb, userdata);
	if (!js || !js->snap || js->snap->tfd < 0)
		return -EINVAL;
	n = read(js->snap->tfd, &expirations, sizeof(expirations));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(expirations))
		return -EIO;
	if (expirations > 1)
		log_debug(&js->log, "snapshot: %" PRIu64 " ticks missed; one interval covers them",
			  expirations - 1);
	r = joulestat_sample(js, &snap);
	if (r < 0)
		return r;
	r = cb ? cb(js, snap, userdata) : 0;
	joulestat_snapshot_free(snap);
	return r < 0 ? r : 1;
}

/* ---- the resources a snapshot carries (resources/resources.c fills them) ---- */

int joulestat_snapshot_resources(const struct joulestat_snapshot *snap,
				 struct joulestat_system_resources *info)
{
	return snap && info ? res_snapshot_system(snapshot_res(snap), info) : -EINVAL;
}

int joulestat_snapshot_resources_cpu(const struct joulestat_snapshot *snap, unsigned cpu,
				     struct joulestat_cpu_resources *info)
{
	return snap && info ? res_snapshot_cpu(snapshot_res(snap), cpu, info) : -EINVAL;
}

int joulestat_snapshot_resources_temp(const struct joulestat_snapshot *snap, size_t idx,
				      struct joulestat_temp_resources *info)
{
	return snap && info ? res_snapshot_temp(snapshot_res(snap), idx, info) : -EINVAL;
}

int joulestat_snapshot_resources_disk(const struct joulestat_snapshot *snap, size_t idx,
				      struct joulestat_disk_resources *info)
{
	return snap && info ? res_snapshot_disk(snapshot_res(snap), idx, info) : -EINVAL;
}

int joulestat_snapshot_resources_net(const struct joulestat_snapshot *snap, size_t idx,
				     struct joulestat_net_resources *info)
{
	return snap && info ? res_snapshot_net(snapshot_res(snap), idx, info) : -EINVAL;
}
