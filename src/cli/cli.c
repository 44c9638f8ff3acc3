/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* cli.c - verb dispatch, common options, and the user-facing error messages. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if HAVE_BPF
#include <bpf/libbpf.h>
#endif

#include "cli.h"
#include "config.h"
#include "fsroot.h"
#include "textesc.h"

#if HAVE_BPF
static int cli_libbpf_verbose;
#endif

static const struct cli_verb verbs[] = {
	{ "probe", "what can be measured here, and why not", cmd_probe, cmd_probe_help,
	  cmd_probe_options, true },
	{ "record", "write each interval's energy per process to a file", cmd_record,
	  cmd_record_help, cmd_record_options, true },
	{ "replay", "re-run attribution over a raw recording", cmd_replay, cmd_replay_help,
	  cmd_replay_options },
	{ "report", "a recording as tables, an SVG picture or an HTML page", cmd_report,
	  cmd_report_help, cmd_report_options },
	{ "top", "live view of the power each process draws", cmd_top, cmd_top_help,
	  cmd_top_options, true },
	{ "serve", "export energy per group to Prometheus and PCP", cmd_serve, cmd_serve_help,
	  cmd_serve_options },
	{ "run", "run a command and report the energy of its process tree", cmd_run,
	  cmd_run_help, cmd_run_options, true },
	{ "calibrate", "measure the quiet machine's static power per domain", cmd_calibrate,
	  cmd_calibrate_help, cmd_calibrate_options },
	{ "profile", "run a command and say what limited it, with its energy", cmd_profile,
	  cmd_profile_help, cmd_profile_options, true },
	{ "daemon", "measure for every user and program of the machine, on a socket", cmd_daemon,
	  cmd_daemon_help, cmd_daemon_options },
};

static void usage(FILE *out)
{
	int width = 0;

	/* The summaries start in one column, two spaces past the longest verb. */
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if ((int)strlen(verbs[i].name) > width)
			width = (int)strlen(verbs[i].name);
	fprintf(out, "Usage: joulestat [--version] [--help] VERB [OPTIONS]\n\n"
		     "Which processes spend this machine's energy.\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-*s  %s\n", width, verbs[i].name, verbs[i].summary);
	fprintf(out, "\n'joulestat VERB --help' describes a verb and its options.\n");
}

/* The configuration words spliced into the verb's argv, to name their origin in errors. */
static const struct cli_config *spliced;
static int spliced_first;

/* "FILE:LINE" when the option getopt just handled came from the configuration file. */
static const char *option_origin(void)
{
	int i;

	if (!spliced)
		return NULL;
	/* optind is past the option and, when separate, its argument. */
	for (i = optind - 1; i >= optind - 2 && i >= spliced_first; i--)
		if (i - spliced_first < spliced->nwords)
			return spliced->origin[i - spliced_first];
	return NULL;
}

void cli_error(const char *verb, const char *fmt, ...)
{
	const char *origin = option_origin();
	va_list ap;

	fprintf(stderr, "joulestat%s%s: ", verb ? " " : "", verb ? verb : "");
	if (origin)
		text_esc_write(stderr, origin);
	if (origin)
		fputs(": ", stderr);
	/* Messages quote names, paths and recordings' text: escaped for the terminal. */
	va_start(ap, fmt);
	text_esc_vprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *verb)
{
	fprintf(stderr, "Try 'joulestat %s --help' for the options.\n", verb);
	return EXIT_USAGE;
}

void cli_common_help(FILE *out)
{
	fprintf(out,
		"Common options:\n"
		"  --source LIST          energy sources to use, comma-separated: perf, powercap,\n"
		"                         msr, battery, hwmon, nvml, drm, procpower, host, model\n"
		"                         (default: auto)\n"
		"  --activity MODE        auto, ebpf or proc (default: auto)\n"
		"  --sysfs-root DIR       read DIR instead of /sys\n"
		"  --procfs-root DIR      read DIR instead of /proc\n"
		"  --dev-root DIR         read DIR instead of /dev\n"
		"  --config FILE          configuration file (YAML; default " CONFIG_DEFAULT_PATH "\n"
		"                         when it exists); command-line flags override it\n"
		"  --no-config            ignore " CONFIG_DEFAULT_PATH "\n"
		"  --model-idle-watts W   model: idle power per socket\n"
		"  --model-max-watts W    model: full-load power per socket\n"
		"  --syscalls             count syscalls per process (eBPF; costs on every syscall)\n"
		"  --baseline FILE        static power per domain for the baseline idle policy\n"
		"                         (written by 'joulestat calibrate'; default\n"
		"                         " CLI_BASELINE_DEFAULT_PATH " when it exists)\n"
		"  --daemon               ask the system's joulestat daemon, or fail (top, run,\n"
		"                         record, probe, profile; by default they ask it when it\n"
		"                         answers, and measure here otherwise)\n"
		"  --no-daemon            measure here, never through the daemon\n"
		"  --socket PATH          the daemon's socket (default $JOULESTAT_SOCKET, else\n"
		"                         " JOULESTAT_DAEMON_SOCKET ")\n"
		"  --carbon-intensity G   grid carbon intensity in gCO2e/kWh (0 to 10000): run,\n"
		"                         top, report and serve show emissions next to energy\n"
		"  --carbon-intensity-file FILE\n"
		"                         CSV of 'timestamp,intensity' rows: the intensity hour\n"
		"                         by hour, for the hours it covers (docs/FORMAT.md)\n"
		"  --host-share DIR       in a virtual machine: the host's export of its energy\n"
		"                         (default /var/lib/joulestat/host, else /var/scaphandre;\n"
		"                         docs/VMS.md)\n"
		"  -v, --verbose          say more (repeat for debug)\n"
		"Container and pod names (docs/CONTAINERS.md):\n"
		"  --docker-socket PATH   Docker's API (default /run/docker.sock when it exists)\n"
		"  --podman-socket PATH   Podman's API (default /run/podman/podman.sock when it exists)\n"
		"  --kubelet URL          the kubelet (https://NODE:10250; default in a pod:\n"
		"                         https://$NODE_IP:10250, or $NODE_NAME)\n"
		"  --kubelet-token-file F bearer token (default in a pod: its service account's)\n"
		"  --kubelet-ca-file F    CA of the kubelet's certificate (default in a pod: the\n"
		"                         service account's ca.crt)\n"
		"  --kubelet-cert-file F, --kubelet-key-file F\n"
		"                         a client certificate instead (a node's kubeconfig's)\n"
		"  --kubelet-insecure     do not verify the kubelet's certificate\n"
		"  --no-names             ask no runtime and no kubelet: ids stay ids\n");
}

int cli_parse_seconds(const char *s, double min_s, double max_s, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -EINVAL;
	if (v < min_s || v > max_s)
		return -ERANGE;
	*ret = v;
	return 0;
}

int cli_seconds_option(const char *verb, const char *flag, const char *arg, double min_s,
		       double max_s, double *ret)
{
	if (cli_parse_seconds(arg, min_s, max_s, ret) == 0)
		return 0;
	cli_error(verb, "%s: '%s' is not a number of seconds from %.10g to %.10g", flag, arg, min_s,
		  max_s);
	return EXIT_USAGE;
}

static int parse_watts_mw(const char *flag, const char *arg, uint64_t *ret)
{
	double w;

	if (cli_parse_seconds(arg, 0.001, 100000, &w) < 0) {
		cli_error(NULL, "%s: '%s' is not a power in watts between 0.001 and 100000", flag,
			  arg);
		return -EXIT_USAGE;
	}
	*ret = (uint64_t)llround(w * 1000.0);
	return 1;
}

uint64_t cli_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t cli_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int cli_idle_option(const char *verb, const char *arg, enum joulestat_idle_policy *ret)
{
	if (joulestat_idle_policy_from_name(arg, ret) == 0)
		return 0;
	cli_error(verb, "--idle: '%s' is not one of separate, proportional, baseline", arg);
	return EXIT_USAGE;
}

int cli_common_option(int opt, const char *arg, struct cli_common *c)
{
	switch (opt) {
	case 0x1001: {
		const char *const *names = joulestat_source_names();
		char *copy = strdup(arg), *save = NULL;

		if (!copy)
			return -EXIT_RUNTIME;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			bool known = strcmp(t, "auto") == 0;

			for (size_t i = 0; names[i]; i++)
				known |= strcmp(t, names[i]) == 0;
			if (!known) {
				cli_error(NULL,
					  "--source: unknown source '%s' (known: perf, powercap, msr, "
					  "battery, hwmon, nvml, drm, procpower, host, model, auto)",
					  t);
				free(copy);
				return -EXIT_USAGE;
			}
		}
		free(copy);
		c->source = arg;
		return 1;
	}
	case 0x1002:
		if (strcmp(arg, "auto") && strcmp(arg, "ebpf") && strcmp(arg, "proc")) {
			cli_error(NULL, "--activity: '%s' is not one of auto, ebpf, proc", arg);
			return -EXIT_USAGE;
		}
		c->activity = arg;
		return 1;
	case 0x1003:
		c->sysfs_root = arg;
		return 1;
	case 0x1004:
		c->procfs_root = arg;
		return 1;
	case 0x1005:
		c->dev_root = arg;
		return 1;
	case 0x1006: /* --config and --no-config were applied by cli_run() */
	case 0x1009:
		return 1;
	case 0x1007:
		return parse_watts_mw("--model-idle-watts", arg, &c->model_idle_mw);
	case 0x1008:
		return parse_watts_mw("--model-max-watts", arg, &c->model_max_mw);
	case 0x100a:
		c->syscalls = true;
		return 1;
	case 0x100b:
		if (!arg[0]) {
			cli_error(NULL, "--baseline: empty file name");
			return -EXIT_USAGE;
		}
		c->baseline = arg;
		return 1;
	case 0x100d: {
		const char *origin = option_origin();
		int r = carbon_parse_intensity(arg, strlen(arg), &c->carbon_g_per_kwh);

		if (r < 0) {
			cli_error(NULL, "--carbon-intensity: '%s' is not a carbon intensity in "
					"gCO2e/kWh from 0 to %.0f (a grid's yearly mean is 20 to 900)",
				  arg, CARBON_INTENSITY_MAX);
			return -EXIT_USAGE;
		}
		c->carbon_set = true;
		c->carbon_from_config = origin != NULL;
		snprintf(c->carbon_from, sizeof(c->carbon_from), "%s",
			 origin ? origin : "--carbon-intensity");
		return 1;
	}
	case 0x100e:
		if (!arg[0]) {
			cli_error(NULL, "--carbon-intensity-file: empty file name");
			return -EXIT_USAGE;
		}
		c->carbon_file = arg;
		return 1;
	case 0x1101:
		c->docker_socket = arg;
		return 1;
	case 0x1102:
		c->podman_socket = arg;
		return 1;
	case 0x1103:
		if (strcmp(arg, "none") && strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7)) {
			cli_error(NULL, "--kubelet: '%s' is not an https:// URL (or none)", arg);
			return -EXIT_USAGE;
		}
		c->kubelet = arg;
		return 1;
	case 0x1104:
		c->kubelet_token_file = arg;
		return 1;
	case 0x1105:
		c->kubelet_ca_file = arg;
		return 1;
	case 0x1106:
		c->kubelet_cert_file = arg;
		return 1;
	case 0x1107:
		c->kubelet_key_file = arg;
		return 1;
	case 0x1108:
		c->kubelet_insecure = true;
		return 1;
	case 0x1109:
		c->no_names = true;
		return 1;
	case 0x100c:
		if (!arg[0]) {
			cli_error(NULL, "--host-share: empty directory name");
			return -EXIT_USAGE;
		}
		c->host_share = arg;
		return 1;
	case 0x100f:
		c->daemon = JOULESTAT_DAEMON_ALWAYS;
		c->daemon_set = true;
		return 1;
	case 0x1010:
		c->daemon = JOULESTAT_DAEMON_NEVER;
		c->daemon_set = true;
		return 1;
	case 0x1011:
		if (!arg[0]) {
			cli_error(NULL, "--socket: empty path");
			return -EXIT_USAGE;
		}
		c->socket = arg;
		return 1;
	case 'v':
		c->verbose++;
		return 1;
	default:
		return 0;
	}
}

/* A CSV time series is rows of a few dozen bytes: this bounds a wrong path's cost. */
#define CARBON_FILE_MAX (64 * 1024 * 1024)

int cli_carbon(const struct cli_common *c, const char *verb, struct carbon *ret)
{
	struct carbon cb;
	char err[512], *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int fd, r;

	carbon_init(&cb);
	if (c->carbon_set) {
		cb.fixed_g_per_kwh = c->carbon_g_per_kwh;
		cb.fixed_origin = c->carbon_from_config ? CARBON_CONFIG : CARBON_OPTION;
		snprintf(cb.fixed_from, sizeof(cb.fixed_from), "%s", c->carbon_from);
	}
	if (!c->carbon_file) {
		*ret = cb;
		return 0;
	}
	/* Never waits on a named pipe (file_open_input()). */
	fd = file_open_input(AT_FDCWD, c->carbon_file, O_RDONLY);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		r = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		cli_error(verb, "--carbon-intensity-file %s: %s", c->carbon_file,
			  file_input_problem(r));
		return EXIT_RUNTIME;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb;

			if (cap >= CARBON_FILE_MAX) {
				cli_error(verb, "--carbon-intensity-file %s: larger than %d MiB: "
						"give the hours you need", c->carbon_file,
					  CARBON_FILE_MAX >> 20);
				r = EXIT_USAGE;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				cli_error(verb, "out of memory");
				r = EXIT_RUNTIME;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				cli_error(verb, "--carbon-intensity-file %s: %s", c->carbon_file,
					  strerror(errno ? errno : EIO));
				r = EXIT_RUNTIME;
				goto out;
			}
			break;
		}
	}
	r = carbon_parse_csv(buf, len, &cb.series, err, sizeof(err));
	if (r < 0) {
		if (r == -ENOMEM)
			cli_error(verb, "out of memory");
		else
			cli_error(verb, "--carbon-intensity-file %s: %s", c->carbon_file, err);
		r = r == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
		goto out;
	}
	snprintf(cb.series_from, sizeof(cb.series_from), "%s", c->carbon_file);
	*ret = cb;
	r = 0;
out:
	if (r)
		carbon_done(&cb);
	free(buf);
	fclose(f);
	return r;
}

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* A socket given, or the default when it exists; NULL for "none" or a missing default. */
static const char *socket_opt(const char *given, const char *dflt)
{
	if (given)
		return strcmp(given, "none") ? given : NULL;
	return access(dflt, F_OK) == 0 ? dflt : NULL;
}

/*
 * Start name resolution where a source is there: the sockets given or
 * present, the kubelet given or (in a pod: KUBERNETES_SERVICE_HOST set) the
 * node's from the downward API (NODE_IP, else NODE_NAME) with the pod's
 * service account. A failure to start is said and sampling goes on.
 */
static void open_names(const struct cli_common *c, struct joulestat *js)
{
	struct joulestat_names_opts no = { .sz = sizeof(no) };
	char url[512] = "";
	const char *node = getenv("NODE_IP");
	bool in_pod = getenv("KUBERNETES_SERVICE_HOST") != NULL;
	int r;

	if (c->no_names)
		return;
	if (!node || !node[0])
		node = getenv("NODE_NAME");
	no.docker_socket = socket_opt(c->docker_socket, "/run/docker.sock");
	no.podman_socket = socket_opt(c->podman_socket, "/run/podman/podman.sock");
	if (c->kubelet && strcmp(c->kubelet, "none"))
		no.kubelet_url = c->kubelet;
	else if (!c->kubelet && in_pod && node && node[0]) {
		/* An IPv6 address is bracketed in a URL. */
		snprintf(url, sizeof(url), strchr(node, ':') ? "https://[%s]:10250" : "https://%s:10250",
			 node);
		no.kubelet_url = url;
	}
	no.kubelet_token_file = c->kubelet_token_file;
	no.kubelet_ca_file = c->kubelet_ca_file;
	if (in_pod && !c->kubelet_token_file && !c->kubelet_cert_file &&
	    access(SA_DIR "/token", F_OK) == 0)
		no.kubelet_token_file = SA_DIR "/token";
	if (in_pod && !c->kubelet_ca_file && access(SA_DIR "/ca.crt", F_OK) == 0)
		no.kubelet_ca_file = SA_DIR "/ca.crt";
	no.kubelet_cert_file = c->kubelet_cert_file;
	no.kubelet_key_file = c->kubelet_key_file;
	no.kubelet_insecure = c->kubelet_insecure;
	if (!no.docker_socket && !no.podman_socket && !no.kubelet_url)
		return;
	r = joulestat_set_names(js, &no);
	if (r < 0)
		cli_error(NULL, "container and pod names left out: %s",
			  r == -ENOTSUP ? "this joulestat was built without libcurl" : strerror(-r));
}

static void log_to_stderr(enum joulestat_log_level level, const char *msg, void *userdata)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	/* The library's messages may quote a comm or a cgroup path: escaped for the terminal. */
	fprintf(stderr, "joulestat: %s: ", names[level]);
	text_esc_write(stderr, msg);
	fputc('\n', stderr);
}

#if HAVE_BPF
/* libbpf's own messages: only with -v (info and warnings) or -vv (debug too). */
static int libbpf_to_stderr(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && cli_libbpf_verbose < 2)
		return 0;
	fprintf(stderr, "joulestat: libbpf: ");
	return vfprintf(stderr, fmt, ap);
}
#endif

void cli_libbpf_logging(int verbose)
{
#if HAVE_BPF
	cli_libbpf_verbose = verbose;
	/* The callback is process-global: the program sets it, never the library. */
	libbpf_set_print(verbose ? libbpf_to_stderr : NULL);
#endif
}

void cli_collectors_why(const struct joulestat *js, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < joulestat_collector_count(js) && len < size; i++) {
		struct joulestat_collector_info ci = { .sz = sizeof(ci) };
		int w;

		if (joulestat_collector_get(js, i, &ci) < 0 || ci.state == JOULESTAT_SOURCE_ACTIVE)
			continue;
		w = snprintf(buf + len, size - len, "%s%s: %s", len ? "; " : "", ci.name,
			     ci.reason && ci.reason[0] ? ci.reason : "not used");
		len += w > 0 ? (size_t)w : 0;
	}
}

static int check_root(const char *flag, const char *dir)
{
	struct stat st;

	if (!dir)
		return 0;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		cli_error(NULL, "%s %s: not a directory (give the directory that stands for %s)",
			  flag, dir, strcmp(flag, "--sysfs-root") == 0 ? "/sys" :
				     strcmp(flag, "--procfs-root") == 0 ? "/proc" : "/dev");
		return -1;
	}
	if (access(dir, R_OK | X_OK) < 0) {
		cli_error(NULL, "%s %s: %s", flag, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * No activity collector started (each says why, in its reason): refuse with
 * those reasons, which name the privilege and its fix, and the way round
 * when --activity left /proc out. Without this the first sample's -ENODEV
 * ("No such device") was all a user saw. Returns 0 when one is active.
 */
static int need_collector(struct joulestat *js)
{
	struct joulestat_collector_info ci = { .sz = sizeof(ci) };
	char why[1024] = "";
	bool proc_left_out = false;
	size_t len = 0;

	for (size_t i = 0; i < joulestat_collector_count(js); i++) {
		if (joulestat_collector_get(js, i, &ci) < 0)
			continue;
		if (ci.state == JOULESTAT_SOURCE_ACTIVE)
			return 0;
		if (ci.state == JOULESTAT_SOURCE_DISABLED) {
			proc_left_out |= strcmp(ci.name, "proc") == 0;
			continue;
		}
		if (len < sizeof(why))
			len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%s: %s",
						len ? "; " : "", ci.name, ci.reason);
	}
	cli_error(NULL, "no activity collector works here, so energy cannot be split between "
			"processes: %s%s",
		  why, proc_left_out ? "; --activity proc (or auto) reads /proc instead, as any user"
				     : "");
	return -ENODEV;
}

static int open_monitor(const struct cli_common *c, const struct joulestat_opts *base,
			bool need_activity, struct joulestat **ret)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat *js;
	int r;

	if (base)
		o = *base;
	o.sz = sizeof(o);
	if (c->baseline)
		o.baseline_file = c->baseline;
	else if (o.idle_policy == JOULESTAT_IDLE_BASELINE && !o.baseline_file &&
		 access(CLI_BASELINE_DEFAULT_PATH, F_OK) == 0)
		o.baseline_file = CLI_BASELINE_DEFAULT_PATH;

	if (c->daemon_set && c->daemon == JOULESTAT_DAEMON_ALWAYS && !c->daemon_ok) {
		cli_error(NULL, "--daemon: this verb measures here; top, run, record, probe and "
				"profile are the daemon's clients");
		return -EINVAL;
	}
	if (check_root("--sysfs-root", c->sysfs_root) < 0 ||
	    check_root("--procfs-root", c->procfs_root) < 0 ||
	    check_root("--dev-root", c->dev_root) < 0)
		return -ENOENT;
	if (c->model_idle_mw && c->model_max_mw && c->model_idle_mw > c->model_max_mw) {
		cli_error(NULL, "--model-idle-watts must not exceed --model-max-watts");
		return -EINVAL;
	}
	o.sysfs_root = c->sysfs_root;
	o.procfs_root = c->procfs_root;
	o.dev_root = c->dev_root;
	o.sources = c->source;
	o.enable_msr = c->source && strstr(c->source, "msr");
	o.model_idle_mw = c->model_idle_mw;
	o.model_max_mw = c->model_max_mw;
	o.activity = c->activity;
	o.syscalls = c->syscalls;
	/* The verbs that may be a daemon's client ask it unless told otherwise. */
	o.daemon = JOULESTAT_DAEMON_NEVER;
	if (c->daemon_ok)
		o.daemon = c->daemon_set ? c->daemon : JOULESTAT_DAEMON_AUTO;
	o.daemon_socket = c->socket;
	o.host_share = c->host_share;
	cli_libbpf_logging(c->verbose);
	/* What joulestat_new() finds wrong (a baseline file's bad line) is an error to show. */
	o.log_fn = log_to_stderr;
	o.log_level = c->verbose ? (c->verbose > 1 ? JOULESTAT_LOG_DEBUG : JOULESTAT_LOG_INFO)
				 : JOULESTAT_LOG_ERROR;
	r = joulestat_new(&o, &js);
	if (r < 0 && o.daemon == JOULESTAT_DAEMON_ALWAYS) {
		/* The library said what was wrong (its log); the fix, once. */
		cli_error(NULL, "--daemon: no joulestat daemon could answer%s; without --daemon "
				"the verb measures here", r == -EINVAL ? " with these options" : "");
		return r == -EINVAL ? -EINVAL : r;
	}
	if (r == -ENODEV)
		cli_error(NULL, "none of the sources selected with --source (%s) works here; "
				"'joulestat probe' says why",
			  c->source);
	else if (r == -ENODATA && o.idle_policy == JOULESTAT_IDLE_BASELINE)
		; /* the library named the domain without a static power, and the fix */
	else if (r < 0)
		cli_error(NULL, "cannot start: %s", file_input_problem(r));
	if (r < 0)
		return r;
	if (need_activity && (r = need_collector(js)) < 0) {
		joulestat_free(js);
		return r;
	}
	if (c->verbose)
		joulestat_set_log_fn(js, log_to_stderr, NULL,
				     c->verbose > 1 ? JOULESTAT_LOG_DEBUG : JOULESTAT_LOG_INFO);
	open_names(c, js);
	*ret = js;
	return 0;
}

const char *cli_via_daemon(const struct joulestat *js)
{
	static char buf[48];
	struct joulestat_daemon_info di = { .sz = sizeof(di) };

	if (!js || joulestat_daemon_get(js, &di) < 0)
		return "";
	snprintf(buf, sizeof(buf), "via daemon (PID %d)", di.pid);
	return buf;
}

int cli_open_monitor(const struct cli_common *c, struct joulestat **ret)
{
	return open_monitor(c, NULL, false, ret);
}

int cli_open_monitor_with(const struct cli_common *c, const struct joulestat_opts *base,
			  struct joulestat **ret)
{
	return open_monitor(c, base, true, ret);
}

/*
 * Find --config FILE / --config=FILE / --no-config before the verb parses its
 * options, so the file's words can be placed ahead of the command line's.
 */
static const char *config_path(int argc, char **argv, bool *ret_explicit)
{
	const char *path = NULL;
	bool none = false;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--") == 0)
			break;
		if (strcmp(argv[a], "--config") == 0 && a + 1 < argc)
			path = argv[++a];
		else if (strncmp(argv[a], "--config=", 9) == 0)
			path = argv[a] + 9;
		else if (strcmp(argv[a], "--no-config") == 0)
			none = true;
	}
	*ret_explicit = path != NULL;
	if (path)
		return path;
	if (none || access(CONFIG_DEFAULT_PATH, F_OK) < 0)
		return NULL;
	return CONFIG_DEFAULT_PATH;
}

static int run_verb(const struct cli_verb *v, int argc, char **argv)
{
	struct config_verb cverbs[sizeof(verbs) / sizeof(verbs[0])];
	struct cli_common common = { 0 };
	struct cli_config cfg = { 0 };
	const char *path;
	bool explicit;
	char **args;
	int r, n = 0;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		cverbs[i] = (struct config_verb){ verbs[i].name, verbs[i].longopts };
	path = config_path(argc, argv, &explicit);
	if (path) {
		r = cli_config_load(path, v->name, cverbs, sizeof(verbs) / sizeof(verbs[0]), &cfg);
		/* Bad content or a bad --config path is a usage error; an unreadable default, runtime. */
		if (r < 0)
			return (r == -EINVAL || explicit) ? EXIT_USAGE : EXIT_RUNTIME;
	}
	/* verb, the file's words, then the command line's own: later flags win. */
	args = calloc((size_t)(argc + cfg.nwords + 1), sizeof(char *));
	if (!args) {
		cli_config_done(&cfg);
		return EXIT_RUNTIME;
	}
	args[n++] = argv[0];
	for (int i = 0; i < cfg.nwords; i++)
		args[n++] = cfg.words[i];
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	spliced = cfg.nwords ? &cfg : NULL;
	spliced_first = 1;
	common.config = path;
	common.daemon_ok = v->daemon_client;
	r = v->run(n, args, &common);
	spliced = NULL;
	free(args);
	cli_config_done(&cfg);
	return r;
}

int cli_run(int argc, char **argv)
{
	const char *verb;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "-V") == 0) {
		printf("joulestat %s\n", joulestat_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i].name) != 0)
			continue;
		for (int a = 2; a < argc; a++) {
			if (strcmp(argv[a], "--") == 0)
				break;
			if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
				verbs[i].help(stdout);
				return 0;
			}
		}
		return run_verb(&verbs[i], argc - 1, argv + 1);
	}
	cli_error(NULL, "unknown verb '%s'", verb);
	usage(stderr);
	return EXIT_USAGE;
}
