/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * joulestat.c - the monitor: opens the energy sources in priority order,
 * resolves sources that measure the same thing, picks the host total, and
 * implements the public calls of joulestat.h for sources, domains and
 * topology.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "version.h"
#include "monitor.h"
#include "remote.h"
#include "resources.h"
#include "util.h"

/*
 * Priority order. RAPL-style domains (package, core, uncore, dram, psys)
 * found by an earlier source shadow the same (kind, socket) from a later
 * one: perf power PMU (64-bit, unwrapped by the kernel) > powercap > MSR.
 * The model comes last and is used only when nothing measures the machine;
 * inside a virtual machine, the host source (this VM's energy as its host
 * accounts it) is what measures it, and is the host total (choose_host_total).
 */
static const struct source_ops *const source_table[] = {
	&source_perf_ops,    &source_powercap_ops,	&source_msr_ops,   &source_battery_ops,
	&source_hwmon_ops,
	&source_nvml_ops,
	&source_drm_ops,
	&source_procpower_ops,	&source_host_ops,	&source_model_ops,
};

static const char *const source_name_list[] = {
	"perf", "powercap", "msr", "battery", "hwmon",
	"nvml",
	"drm",
	"procpower", "host", "model", NULL,
};

_Static_assert(ARRAY_SIZE(source_table) + 1 == ARRAY_SIZE(source_name_list),
	       "source_table and source_name_list must match");

const char *const *joulestat_source_names(void)
{
	return source_name_list;
}

const char *joulestat_version(void)
{
	return JOULESTAT_VERSION;
}

static bool is_rapl_kind(enum joulestat_domain_kind k)
{
	return k == JOULESTAT_DOMAIN_PACKAGE || k == JOULESTAT_DOMAIN_CORE ||
	       k == JOULESTAT_DOMAIN_UNCORE || k == JOULESTAT_DOMAIN_DRAM ||
	       k == JOULESTAT_DOMAIN_PSYS;
}

/* Is `name` in the comma-separated list? */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static int check_source_list(const char *list)
{
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool known = false;

		for (size_t i = 0; source_name_list[i]; i++)
			if (strlen(source_name_list[i]) == len &&
			    strncmp(p, source_name_list[i], len) == 0)
				known = true;
		if (!known)
			return -EINVAL;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static void slot_close(struct joulestat *js, struct source_slot *s)
{
	/* Free the domains first: the source's close() must not touch them. */
	for (size_t i = js->domains.n; i-- > 0;)
		if (js->domains.v[i]->slot == s)
			domain_list_remove(&js->domains, js->domains.v[i]);
	if (s->ops->close)
		s->ops->close(s->state);
	s->state = NULL;
}

static unsigned count_domains(const struct joulestat *js, const struct source_slot *s,
			      bool shadowed_only)
{
	unsigned n = 0;

	for (size_t i = 0; i < js->domains.n; i++)
		if (js->domains.v[i]->slot == s && (!shadowed_only || js->domains.v[i]->shadowed))
			n++;
	return n;
}

/* Mark RAPL-style domains of later sources that an earlier active source measures. */
static void resolve_shadowing(struct joulestat *js)
{
	for (size_t i = 0; i < js->domains.n; i++) {
		struct domain *d = js->domains.v[i];

		if (!is_rapl_kind(d->kind))
			continue;
		for (size_t j = 0; j < js->domains.n; j++) {
			const struct domain *e = js->domains.v[j];

			if (e->slot < d->slot && e->kind == d->kind && e->socket == d->socket &&
			    !e->shadowed) {
				d->shadowed = true;
				break;
			}
		}
	}
	for (size_t k = 0; k < js->nslots; k++) {
		struct source_slot *s = &js->slots[k];

		if (s->state_kind != JOULESTAT_SOURCE_ACTIVE)
			continue;
		s->nshadowed = count_domains(js, s, true);
		if (s->nshadowed && s->nshadowed == s->ndomains) {
			const struct source_slot *by = NULL;

			for (size_t i = 0; i < js->domains.n && !by; i++)
				if (js->domains.v[i]->slot == s)
					for (size_t j = 0; j < js->domains.n; j++) {
						const struct domain *e = js->domains.v[j];

						if (!e->shadowed && e->slot < s &&
						    e->kind == js->domains.v[i]->kind) {
							by = e->slot;
							break;
						}
					}
			snprintf(s->reason, sizeof(s->reason),
				 "works, but the %s source measures the same domains and is preferred",
				 by ? by->ops->name : "a preferred");
			s->state_kind = JOULESTAT_SOURCE_SHADOWED;
			slot_close(js, s);
		}
	}
}

/*
 * Host total: the host's account of this VM (inside a guest: RAPL seen from
 * a guest, where a hypervisor passes it through, is the whole host's, not
 * this VM's), else psys, else Σ package + Σ dram, else platform meters, else
 * batteries, else the model.
 */
static void choose_host_total(struct joulestat *js)
{
	static const enum joulestat_domain_kind tiers[][2] = {
		{ JOULESTAT_DOMAIN_HOST, JOULESTAT_DOMAIN_HOST },
		{ JOULESTAT_DOMAIN_PSYS, JOULESTAT_DOMAIN_PSYS },
		{ JOULESTAT_DOMAIN_PACKAGE, JOULESTAT_DOMAIN_DRAM },
		{ JOULESTAT_DOMAIN_PLATFORM, JOULESTAT_DOMAIN_PLATFORM },
		{ JOULESTAT_DOMAIN_BATTERY, JOULESTAT_DOMAIN_BATTERY },
	};

	for (size_t i = 0; i < js->domains.n; i++)
		js->domains.v[i]->in_host_total = false;
	for (size_t t = 0; t < ARRAY_SIZE(tiers); t++) {
		bool any = false;

		for (size_t i = 0; i < js->domains.n; i++) {
			struct domain *d = js->domains.v[i];

			if (!d->shadowed && (d->kind == tiers[t][0] || d->kind == tiers[t][1])) {
				d->in_host_total = true;
				any = true;
			}
		}
		if (any)
			return;
	}
}

static int rebuild_view(struct joulestat *js)
{
	if (js->view_cap < js->domains.n) {
		struct domain **v = realloc(js->view, js->domains.n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		js->view = v;
		js->view_cap = js->domains.n;
	}
	js->nview = 0;
	for (size_t i = 0; i < js->domains.n; i++)
		if (!js->domains.v[i]->shadowed)
			js->view[js->nview++] = js->domains.v[i];
	return 0;
}

/*
 * Does an active source measure the machine (anything but per-process files)?
 * The host's account of this VM counts even when the host modelled it: it
 * is about this VM, which a model inside it can only guess.
 */
static bool have_measured_machine_domain(const struct joulestat *js)
{
	for (size_t i = 0; i < js->domains.n; i++) {
		const struct domain *d = js->domains.v[i];

		if (d->kind == JOULESTAT_DOMAIN_HOST && !d->shadowed)
			return true;
		if (!d->estimated && !d->shadowed && d->kind != JOULESTAT_DOMAIN_PROCESS &&
		    d->kind != JOULESTAT_DOMAIN_GPU)
			return true;
	}
	return false;
}

static bool have_host_domain(const struct joulestat *js)
{
	for (size_t i = 0; i < js->domains.n; i++)
		if (js->domains.v[i]->kind == JOULESTAT_DOMAIN_HOST)
			return true;
	return false;
}

static void open_slot(struct joulestat *js, struct source_slot *s)
{
	int r;

	r = s->ops->open(&js->ctx, s, &s->state, s->reason, sizeof(s->reason));
	if (r < 0) {
		s->error = r;
		s->state = NULL;
		s->state_kind = (r == -ENODEV || r == -ENOENT) ? JOULESTAT_SOURCE_UNAVAILABLE
							       : JOULESTAT_SOURCE_FAILED;
		if (!s->reason[0])
			snprintf(s->reason, sizeof(s->reason), "%s", strerror(-r));
		log_info(&js->log, "source %s: %s", s->ops->name, s->reason);
		return;
	}
	s->state_kind = JOULESTAT_SOURCE_ACTIVE;
	/* An active source may leave a note: what it skipped and why (a broken zone file). */
	s->ndomains = count_domains(js, s, false);
	log_info(&js->log, "source %s: %u domain(s)", s->ops->name, s->ndomains);
}

/* The options only a local monitor honours (they choose what it reads, and how). */
static const char *local_only_option(const struct joulestat_opts *o, bool forced)
{
	if (o->sysfs_root || o->procfs_root || o->dev_root)
		return "a --sysfs-root, --procfs-root or --dev-root";
	if (forced)
		return "a list of sources";
	if (o->model_idle_mw || o->model_max_mw)
		return "model parameters";
	if (o->enable_msr)
		return "the MSR source";
	if (o->activity && strcmp(o->activity, "auto") != 0)
		return "an activity collector";
	if (o->baseline_file || o->nstatic_power)
		return "static power";
	if (o->host_share)
		return "a host share";
	return NULL;
}

/*
 * A monitor that asks the daemon (remote.c). With AUTO, options only a
 * local monitor honours, no socket and a daemon that cannot honour the
 * rest are not errors: the caller measures here. Returns 0 and *ret.
 */
static int open_daemon(const struct joulestat_opts *o, bool forced, struct joulestat **ret)
{
	const char *path = o->daemon_socket, *why = local_only_option(o, forced);
	bool always = o->daemon == JOULESTAT_DAEMON_ALWAYS;
	struct joulestat *js;
	int r;

	if (!path || !path[0])
		path = secure_getenv("JOULESTAT_SOCKET");
	if (!path || !path[0])
		path = JOULESTAT_DAEMON_SOCKET;
	js = calloc(1, sizeof(*js));
	if (!js)
		return -ENOMEM;
	js->log.max_level = JOULESTAT_LOG_ERROR;
	js->log.fn = o->log_fn;
	js->log.userdata = o->log_userdata;
	if (o->log_fn)
		js->log.max_level = o->log_level;
	if (why) {
		log_msg(&js->log, always ? JOULESTAT_LOG_ERROR : JOULESTAT_LOG_INFO,
			"the daemon measures with its own sources and collector: %s is for a "
			"local monitor%s", why, always ? "" : " (measuring here)");
		free(js);
		return -EINVAL;
	}
	/* The resources and profiles a daemon's client reads itself, from /proc and /sys. */
	r = fsroot_init(&js->fs, NULL, NULL, NULL);
	if (r < 0)
		goto fail;
	js->opts = *o;
	js->opts.daemon_socket = NULL;
	js->opts.sysfs_root = js->fs.root[FS_SYS];
	js->opts.procfs_root = js->fs.root[FS_PROC];
	js->opts.dev_root = js->fs.root[FS_DEV];
	js->opts.sources = NULL;
	js->opts.activity = NULL;
	js->opts.baseline_file = NULL;
	js->opts.static_power = NULL;
	js->opts.nstatic_power = 0;
	js->opts.host_share = NULL;
	r = remote_open(js, o, path, always ? JOULESTAT_LOG_ERROR : JOULESTAT_LOG_INFO);
	if (r < 0) {
		if (r != -EOPNOTSUPP)
			log_msg(&js->log, always ? JOULESTAT_LOG_ERROR : JOULESTAT_LOG_INFO,
				"no joulestat daemon answers on %s: %s%s", path, strerror(-r),
				always ? "" : " (measuring here)");
		goto fail;
	}
	*ret = js;
	return 0;
fail:
	fsroot_done(&js->fs);
	free(js);
	return r;
}

int joulestat_new(const struct joulestat_opts *opts, struct joulestat **ret)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat *js;
	bool forced;
	int r;

	if (!ret)
		return -EINVAL;
	if (opts) {
		if (opts->sz < offsetof(struct joulestat_opts, dev_root) + sizeof(opts->dev_root))
			return -EINVAL;
		memcpy(&o, opts, MIN(opts->sz, sizeof(o)));
		o.sz = sizeof(o);
	}
	forced = o.sources && o.sources[0] && strcmp(o.sources, "auto") != 0;
	if (forced && check_source_list(o.sources) < 0)
		return -EINVAL;
	if (o.model_idle_mw && o.model_max_mw && o.model_idle_mw > o.model_max_mw)
		return -EINVAL;
	if (!activity_mode_valid(o.activity))
		return -EINVAL;
	if ((unsigned)o.daemon > JOULESTAT_DAEMON_ALWAYS)
		return -EINVAL;
	if (o.daemon != JOULESTAT_DAEMON_NEVER) {
		r = open_daemon(&o, forced, ret);
		/* AUTO: no daemon, or none that can honour the options: measure here. */
		if (r == 0 || o.daemon == JOULESTAT_DAEMON_ALWAYS || r == -ENOMEM)
			return r;
	}

	js = calloc(1, sizeof(*js));
	if (!js)
		return -ENOMEM;
	js->log.max_level = JOULESTAT_LOG_ERROR;
	js->log.fn = o.log_fn;
	js->log.userdata = o.log_userdata;
	if (o.log_fn)
		js->log.max_level = o.log_level;
	r = fsroot_init(&js->fs, o.sysfs_root, o.procfs_root, o.dev_root);
	if (r < 0)
		goto fail;
	if (forced) {
		js->sources_opt = strdup(o.sources);
		if (!js->sources_opt) {
			r = -ENOMEM;
			goto fail;
		}
	}
	/* The copy must not borrow the caller's strings beyond this call. */
	o.sysfs_root = js->fs.root[FS_SYS];
	o.procfs_root = js->fs.root[FS_PROC];
	o.dev_root = js->fs.root[FS_DEV];
	o.sources = js->sources_opt;
	js->opts = o;

	js->topo = calloc(1, sizeof(*js->topo));
	if (!js->topo) {
		r = -ENOMEM;
		goto fail;
	}
	r = topology_read(&js->fs, &js->log, js->topo);
	if (r < 0)
		goto fail;

	js->ctx = (struct source_ctx){
		.fs = &js->fs,
		.topo = js->topo,
		.log = &js->log,
		.opts = &js->opts,
		.domains = &js->domains,
	};

	for (size_t i = 0; i < ARRAY_SIZE(source_table); i++) {
		struct source_slot *s = &js->slots[js->nslots++];
		const char *name = source_table[i]->name;

		s->ops = source_table[i];
		if (forced && !list_has(js->sources_opt, name)) {
			s->state_kind = JOULESTAT_SOURCE_DISABLED;
			snprintf(s->reason, sizeof(s->reason), "not selected (--source %s)",
				 js->sources_opt);
			continue;
		}
		if (!forced && s->ops == &source_msr_ops && !o.enable_msr) {
			s->state_kind = JOULESTAT_SOURCE_DISABLED;
			snprintf(s->reason, sizeof(s->reason),
				 "opt-in: use --source msr (needs the msr module and CAP_SYS_RAWIO)");
			continue;
		}
		if (!forced && s->ops == &source_model_ops && have_measured_machine_domain(js)) {
			s->state_kind = JOULESTAT_SOURCE_SHADOWED;
			snprintf(s->reason, sizeof(s->reason), "%s",
				 have_host_domain(js)
					 ? "not needed: the host source gives this virtual machine's "
					   "energy (force with --source model)"
					 : "not needed: measured energy domains exist (force with "
					   "--source model)");
			continue;
		}
		open_slot(js, s);
	}
	/* Borrowed for the sources' open() only (the host source keeps its own copy). */
	js->opts.host_share = NULL;
	resolve_shadowing(js);
	choose_host_total(js);
	js->actx = (struct activity_ctx){
		.fs = &js->fs,
		.topo = js->topo,
		.log = &js->log,
		.syscalls = o.syscalls,
	};
	r = activity_select(&js->activity, &js->actx, o.activity);
	/* The mode was only needed to choose; the copy must not borrow the caller's string. */
	js->opts.activity = NULL;
	if (r < 0)
		goto fail;
	r = rebuild_view(js);
	if (r < 0)
		goto fail;
	r = monitor_snap_init(js, &o);
	/* Borrowed for the call only. */
	js->opts.baseline_file = NULL;
	js->opts.static_power = NULL;
	js->opts.nstatic_power = 0;
	if (r < 0)
		goto fail;
	if (forced && js->nview == 0) {
		/* The caller gets no monitor to ask: say why each selected source failed. */
		for (size_t i = 0; i < js->nslots; i++)
			if (js->slots[i].state_kind == JOULESTAT_SOURCE_FAILED ||
			    js->slots[i].state_kind == JOULESTAT_SOURCE_UNAVAILABLE)
				log_error(&js->log, "source %s: %s", js->slots[i].ops->name,
					  js->slots[i].reason);
		r = -ENODEV;
		goto fail;
	}
	monitor_snap_start(js);
	*ret = js;
	return 0;
fail:
	joulestat_free(js);
	return r;
}

struct joulestat *joulestat_free(struct joulestat *js)
{
	if (!js)
		return NULL;
	remote_free(js);
	monitor_snap_free(js);
	monitor_res_free(js);
	for (size_t i = 0; i < js->nslots; i++)
		if (js->slots[i].state_kind == JOULESTAT_SOURCE_ACTIVE)
			slot_close(js, &js->slots[i]);
	activity_sel_close(&js->activity);
	domain_list_done(&js->domains);
	free(js->view);
	free(js->topo);
	free(js->sources_opt);
	fsroot_done(&js->fs);
	free(js);
	return NULL;
}

void joulestat_set_log_fn(struct joulestat *js, joulestat_log_fn fn, void *userdata,
			  enum joulestat_log_level max_level)
{
	if (!js)
		return;
	js->log.fn = fn;
	js->log.userdata = userdata;
	js->log.max_level = max_level;
}

int joulestat_read_energy(struct joulestat *js)
{
	int first_err = 0, active = 0, ok = 0;

	if (!js)
		return -EINVAL;
	if (js->remote)
		return remote_refresh(js);
	for (size_t i = 0; i < js->nslots; i++) {
		struct source_slot *s = &js->slots[i];
		int r;

		if (s->state_kind != JOULESTAT_SOURCE_ACTIVE)
			continue;
		active++;
		r = s->ops->read(s->state, &js->ctx, now_ns());
		if (r < 0) {
			log_warning(&js->log, "source %s: read failed: %s", s->ops->name,
				    strerror(-r));
			if (!first_err)
				first_err = r;
		} else {
			ok++;
		}
	}
	/* Per-PID sources add and remove domains as processes come and go. */
	if (rebuild_view(js) < 0)
		return -ENOMEM;
	choose_host_total(js);
	if (active && !ok)
		return first_err;
	return 0;
}

size_t joulestat_source_count(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_source_count(js);
	return js ? js->nslots : 0;
}

#define INFO_FITS(info, type, field)                                                               \
	((info)->sz >= offsetof(type, field) + sizeof((info)->field))

int joulestat_source_get(const struct joulestat *js, size_t idx, struct joulestat_source_info *info)
{
	const struct source_slot *s;
	struct joulestat_source_info o = { .sz = sizeof(o) };

	if (!js || !info || !INFO_FITS(info, struct joulestat_source_info, estimated))
		return -EINVAL;
	if (js->remote)
		return remote_source_get(js, idx, info);
	if (idx >= js->nslots)
		return -ERANGE;
	s = &js->slots[idx];
	o.name = s->ops->name;
	o.state = s->state_kind;
	o.error = s->error;
	o.reason = s->reason;
	o.domains = s->ndomains;
	o.estimated = s->ops->estimated;
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

size_t joulestat_domain_count(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_domain_count(js);
	return js ? js->nview : 0;
}

int joulestat_domain_get(const struct joulestat *js, size_t idx, struct joulestat_domain_info *info)
{
	struct joulestat_domain_info o = { .sz = sizeof(o) };
	const struct domain *d;

	if (!js || !info || !INFO_FITS(info, struct joulestat_domain_info, warming_up))
		return -EINVAL;
	if (js->remote)
		return remote_domain_get(js, idx, info);
	if (idx >= js->nview)
		return -ERANGE;
	d = js->view[idx];
	o.name = d->name;
	o.kind = d->kind;
	o.source = d->slot->ops->name;
	o.path = d->path;
	o.socket = d->socket;
	o.pid = d->pid;
	o.cpu_mask = d->cpus.bits;
	o.cpu_mask_words = cpuset_used_words(&d->cpus);
	o.energy_uj = d->energy_uj;
	o.timestamp_ns = d->timestamp_ns;
	o.max_energy_range_uj = d->ctr.max_range_uj;
	o.raw_uj = d->raw_uj;
	o.wraps = d->wraps;
	o.errors = d->errors;
	o.power_w = d->last_dt_ns ? (double)d->last_delta_uj * 1e3 / (double)d->last_dt_ns : NAN;
	o.estimated = d->estimated;
	o.in_host_total = d->in_host_total;
	o.warming_up = d->readings < 2;
	o.refused = d->refused;
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

int joulestat_host_energy(const struct joulestat *js, uint64_t *ret_energy_uj, double *ret_power_w,
			  bool *ret_estimated)
{
	uint64_t e = 0, de = 0, dt = 0;
	bool est = false, any = false, warming = false;

	if (!js)
		return -EINVAL;
	if (js->remote)
		return remote_host_energy(js, ret_energy_uj, ret_power_w, ret_estimated);
	for (size_t i = 0; i < js->nview; i++) {
		const struct domain *d = js->view[i];

		if (!d->in_host_total)
			continue;
		any = true;
		e += d->energy_uj;
		de += d->last_delta_uj;
		dt = MAX(dt, d->last_dt_ns);
		est |= d->estimated;
		warming |= d->readings < 2;
	}
	if (!any)
		return -ENODATA;
	if (ret_energy_uj)
		*ret_energy_uj = e;
	if (ret_power_w)
		*ret_power_w = (warming || !dt) ? NAN : (double)de * 1e3 / (double)dt;
	if (ret_estimated)
		*ret_estimated = est;
	return 0;
}

unsigned joulestat_cpu_count(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_cpu_count(js);
	return js ? js->topo->ncpus : 0;
}

unsigned joulestat_socket_count(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_socket_count(js);
	return js ? js->topo->nsockets : 0;
}

int joulestat_cpu_socket(const struct joulestat *js, unsigned cpu)
{
	if (!js)
		return -EINVAL;
	if (js->remote)
		return remote_cpu_socket(js, cpu);
	return topology_cpu_socket(js->topo, cpu);
}

const char *joulestat_cpu_model(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_cpu_model(js);
	return js ? js->topo->cpu.model_name : "";
}

int joulestat_model_get(const struct joulestat *js, struct joulestat_model_info *info)
{
	if (!js || !info || !INFO_FITS(info, struct joulestat_model_info, origin))
		return -EINVAL;
	if (js->remote)
		return remote_model_get(js, info);
	for (size_t i = 0; i < js->nslots; i++)
		if (js->slots[i].ops == &source_model_ops &&
		    js->slots[i].state_kind == JOULESTAT_SOURCE_ACTIVE)
			return source_model_describe(js->slots[i].state, info);
	return -ENOENT;
}

size_t joulestat_collector_count(const struct joulestat *js)
{
	if (js && js->remote)
		return remote_collector_count(js);
	return js ? ACTIVITY__COUNT : 0;
}

int joulestat_collector_get(const struct joulestat *js, size_t idx,
			    struct joulestat_collector_info *info)
{
	struct joulestat_collector_info o = { .sz = sizeof(o) };
	const struct activity_choice *c;

	if (!js || !info || !INFO_FITS(info, struct joulestat_collector_info, reason))
		return -EINVAL;
	if (js->remote)
		return remote_collector_get(js, idx, info);
	if (idx >= ACTIVITY__COUNT)
		return -ERANGE;
	c = &js->activity.c[idx];
	o.name = c->ops->name;
	o.state = c->state;
	o.error = c->error;
	o.reason = c->reason;
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

int joulestat_read_activity(struct joulestat *js)
{
	const struct activity_sample *s;
	int r;

	if (!js)
		return -EINVAL;
	if (js->remote)
		return remote_read_activity(js);
	r = activity_sel_sample(&js->activity, &s);
	if (r < 0) {
		if (r != -ENODEV)
			log_warning(&js->log, "activity %s: sample failed: %s",
				    js->activity.c[js->activity.active].ops->name, strerror(-r));
		return r;
	}
	if (s->dropped)
		log_warning(&js->log, "activity: %" PRIu64 " events dropped in the last interval "
				      "(task map full)", s->dropped);
	return (int)MIN(s->ntasks, (size_t)INT32_MAX);
}

const struct activity_sample *monitor_activity_last(const struct joulestat *js)
{
	return js && js->activity.have_last ? &js->activity.last : NULL;
}

int joulestat_daemon_get(const struct joulestat *js, struct joulestat_daemon_info *info)
{
	if (!js || !info)
		return -EINVAL;
	if (!js->remote)
		return -ENOTCONN;
	return remote_daemon_get(js, info);
}

bool monitor_syscalls_counted(const struct joulestat *js)
{
	const struct activity_sel *a = &js->activity;

	return js->opts.syscalls && a->active == ACTIVITY_EBPF;
}

int joulestat_activity_get(const struct joulestat *js, struct joulestat_activity_info *info)
{
	struct joulestat_activity_info o = { .sz = sizeof(o) };
	const struct activity_sel *a;

	if (!js || !info || !INFO_FITS(info, struct joulestat_activity_info, captured))
		return -EINVAL;
	if (js->remote)
		return remote_activity_get(js, info);
	a = &js->activity;
	if (a->active < 0)
		return -ENODEV;
	o.collector = a->c[a->active].ops->name;
	o.detail = a->detail;
	o.samples = a->samples;
	if (a->have_last) {
		const struct activity_sample *s = &a->last;

		o.interval_ns = s->end_ns - s->start_ns;
		o.ncpus = s->ncpus;
		o.coverage = a->coverage;
		o.tasks = s->ntasks;
		o.dropped = s->dropped;
		for (unsigned c = 0; c < s->ncpus; c++) {
			o.lost_ns += s->lost_ns[c];
			o.irq_ns += s->irq_ns ? s->irq_ns[c] : 0;
		}
		o.captured = s->captured;
		for (size_t t = 0; t < s->ntasks; t++)
			o.syscalls += s->tasks[t].syscalls;
	}
	o.syscalls_counted = monitor_syscalls_counted(js);
	o.sz = info->sz;
	memcpy(info, &o, MIN(info->sz, sizeof(o)));
	return 0;
}

/* ---- resources carried by snapshots (the collector is resources/resources.c) ---- */

int joulestat_set_resources(struct joulestat *js, bool on)
{
	int r;

	if (!js)
		return -EINVAL;
	if (!on) {
		monitor_res_free(js);
		return 0;
	}
	if (js->res)
		return 0;
	r = res_new(&js->fs, &js->log, 0, &js->res);
	if (r < 0)
		return r;
	/* The baseline, so the first snapshot that carries them has rates. */
	r = res_sample(js->res, now_ns());
	if (r < 0)
		monitor_res_free(js);
	return r;
}

void monitor_res_free(struct joulestat *js)
{
	js->res = res_free(js->res);
}
