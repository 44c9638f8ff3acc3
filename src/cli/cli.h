/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * cli.h - the joulestat command: verb table, options every verb shares, and
 * the helpers verbs use to open the library and report errors.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
#ifndef JOULESTAT_CLI_H
#define JOULESTAT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "carbon.h"
#include "joulestat.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* Options common to every verb (DESIGN.md section 3). */
struct cli_common {
	const char *source;
	const char *activity;
	const char *sysfs_root;
	const char *procfs_root;
	const char *dev_root;
	const char *config;
	uint64_t model_idle_mw;
	uint64_t model_max_mw;
	bool syscalls;
	int verbose;
	const char *baseline;	/* --baseline FILE: static power for --idle baseline */
	/*
	 * The system's daemon (docs/DAEMON.md): --daemon, --no-daemon, else
	 * AUTO for the verbs that may use it (daemon_ok, set by the verb);
	 * --socket PATH is where it listens (the daemon verb: where to).
	 */
	enum joulestat_daemon_mode daemon;
	bool daemon_set;	/* --daemon or --no-daemon was given */
	bool daemon_ok;		/* the verb may be a daemon's client */
	const char *socket;
	/* --carbon-intensity G (or the configuration's carbon_intensity), and where it was given */
	bool carbon_set;
	double carbon_g_per_kwh;
	bool carbon_from_config;
	char carbon_from[256];
	const char *carbon_file;	/* --carbon-intensity-file FILE: a CSV time series */
	/* Container and pod names (docs/CONTAINERS.md); NULL: the default, "none": off. */
	const char *docker_socket;
	const char *podman_socket;
	const char *kubelet;
	const char *kubelet_token_file;
	const char *kubelet_ca_file;
	const char *kubelet_cert_file;
	const char *kubelet_key_file;
	bool kubelet_insecure;
	bool no_names;
	const char *host_share;	/* --host-share DIR: the host source's share (in a VM) */
};

/* Where `joulestat calibrate` writes, and the baseline policy reads, by default. */
#define CLI_BASELINE_DEFAULT_PATH "/var/lib/joulestat/baseline"


struct cli_verb {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv, struct cli_common *common);
	void (*help)(FILE *out);
	const struct option *longopts;	/* every long option, common ones included */
	bool daemon_client;		/* asks the system's daemon when it answers */
};

int cli_run(int argc, char **argv);

/* getopt_long entries for the common options, to splice into a verb's table. */
#define CLI_COMMON_OPTIONS                                                                         \
	{ "source", required_argument, NULL, 0x1001 },                                             \
	{ "activity", required_argument, NULL, 0x1002 },                                   \
	{ "sysfs-root", required_argument, NULL, 0x1003 },                                 \
	{ "procfs-root", required_argument, NULL, 0x1004 },                                \
	{ "dev-root", required_argument, NULL, 0x1005 },                                   \
	{ "config", required_argument, NULL, 0x1006 },                                     \
	{ "model-idle-watts", required_argument, NULL, 0x1007 },                           \
	{ "model-max-watts", required_argument, NULL, 0x1008 },                            \
	{ "no-config", no_argument, NULL, 0x1009 },                                        \
	{ "syscalls", no_argument, NULL, 0x100a },                                         \
	{ "baseline", required_argument, NULL, 0x100b },                                   \
	{ "carbon-intensity", required_argument, NULL, 0x100d },                           \
	{ "carbon-intensity-file", required_argument, NULL, 0x100e },                      \
	CLI_NAMES_OPTIONS,                                                                         \
	{ "host-share", required_argument, NULL, 0x100c },                                 \
	{ "daemon", no_argument, NULL, 0x100f },                                           \
	{ "no-daemon", no_argument, NULL, 0x1010 },                                        \
	{ "socket", required_argument, NULL, 0x1011 },                                     \
	{ "verbose", no_argument, NULL, 'v' }

/* Where container and pod names come from (cli.c, cli_open_names()). */
#define CLI_NAMES_OPTIONS                                                                          \
	{ "docker-socket", required_argument, NULL, 0x1101 },                                      \
	{ "podman-socket", required_argument, NULL, 0x1102 },                                      \
	{ "kubelet", required_argument, NULL, 0x1103 },                                            \
	{ "kubelet-token-file", required_argument, NULL, 0x1104 },                                 \
	{ "kubelet-ca-file", required_argument, NULL, 0x1105 },                                    \
	{ "kubelet-cert-file", required_argument, NULL, 0x1106 },                                  \
	{ "kubelet-key-file", required_argument, NULL, 0x1107 },                                   \
	{ "kubelet-insecure", no_argument, NULL, 0x1108 },                                         \
	{ "no-names", no_argument, NULL, 0x1109 }

/* Text for the common options in a verb's --help. */
void cli_common_help(FILE *out);

/*
 * Handle one getopt result if it is a common option. Returns 1 when handled,
 * 0 when not a common option, -EXIT_USAGE after printing an error for a bad
 * value.
 */
int cli_common_option(int opt, const char *arg, struct cli_common *c);

/* libbpf's messages on stderr with -v, silent otherwise (process-global, so the CLI's call). */
void cli_libbpf_logging(int verbose);

/*
 * Open the library with the common options; prints the error and fix on
 * failure. -EINVAL means the options contradict each other (a usage error).
 */
int cli_open_monitor(const struct cli_common *c, struct joulestat **ret);

/*
 * cli_open_monitor() with the snapshot options of `base` (interval_ms,
 * idle_policy, groups...; NULL: defaults), for the verbs that split energy
 * between processes: without a working activity collector it prints why
 * (each collector's reason: the missing privilege and its fix) and returns
 * -ENODEV. With the baseline policy and no --baseline,
 * CLI_BASELINE_DEFAULT_PATH is read when it exists.
 */
int cli_open_monitor_with(const struct cli_common *c, const struct joulestat_opts *base,
			  struct joulestat **ret);

/*
 * Whether js is the daemon's, in a few words for a view's header: "via
 * daemon (PID N)"; "" for a local monitor. Static storage.
 */
const char *cli_via_daemon(const struct joulestat *js);

/* CLOCK_MONOTONIC and CLOCK_REALTIME now, in ns. */
uint64_t cli_mono_ns(void);
uint64_t cli_real_ns(void);

/* --idle NAME into *ret; 0, or EXIT_USAGE after saying what the names are. */
int cli_idle_option(const char *verb, const char *arg, enum joulestat_idle_policy *ret);

/*
 * The carbon intensity the common options give (carbon.h): the number and
 * the CSV file, read now. Returns 0 (*ret filled, possibly with neither),
 * or prints "joulestat VERB: FILE: line N: why" and returns EXIT_USAGE for
 * a malformed file, EXIT_RUNTIME for one that cannot be read.
 */
int cli_carbon(const struct cli_common *c, const char *verb, struct carbon *ret);

/*
 * Why no activity collector works: "ebpf: <reason>; proc: <reason>" into buf,
 * from joulestat_collector_get(), for messages that must name the fix (a
 * missing capability) rather than send the user to 'joulestat probe'.
 */
void cli_collectors_why(const struct joulestat *js, char *buf, size_t size);

/* "joulestat VERB: message" on stderr. */
void cli_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report an unknown option or missing argument the getopt way, with the --help hint. */
int cli_usage_error(const char *verb);

/* Parse a duration in seconds ("0.5", "2"): within [min_s, max_s]. -EINVAL/-ERANGE. */
int cli_parse_seconds(const char *s, double min_s, double max_s, double *ret);

/*
 * Parse option `flag`'s argument as seconds in [min_s, max_s] for `verb`.
 * Returns 0 and *ret, or prints "VERB: FLAG: 'ARG' is not a number of
 * seconds from MIN to MAX" and returns EXIT_USAGE (a command's return).
 */
int cli_seconds_option(const char *verb, const char *flag, const char *arg, double min_s,
		       double max_s, double *ret);

/* Verbs. */
int cmd_probe(int argc, char **argv, struct cli_common *common);
void cmd_probe_help(FILE *out);
extern const struct option cmd_probe_options[];
int cmd_record(int argc, char **argv, struct cli_common *common);
void cmd_record_help(FILE *out);
extern const struct option cmd_record_options[];
int cmd_replay(int argc, char **argv, struct cli_common *common);
void cmd_replay_help(FILE *out);
extern const struct option cmd_replay_options[];
int cmd_report(int argc, char **argv, struct cli_common *common);
void cmd_report_help(FILE *out);
extern const struct option cmd_report_options[];
int cmd_top(int argc, char **argv, struct cli_common *common);
void cmd_top_help(FILE *out);
extern const struct option cmd_top_options[];
int cmd_serve(int argc, char **argv, struct cli_common *common);
void cmd_serve_help(FILE *out);
extern const struct option cmd_serve_options[];
int cmd_run(int argc, char **argv, struct cli_common *common);
void cmd_run_help(FILE *out);
extern const struct option cmd_run_options[];
int cmd_calibrate(int argc, char **argv, struct cli_common *common);
void cmd_calibrate_help(FILE *out);
extern const struct option cmd_calibrate_options[];
int cmd_daemon(int argc, char **argv, struct cli_common *common);
void cmd_daemon_help(FILE *out);
extern const struct option cmd_daemon_options[];
int cmd_profile(int argc, char **argv, struct cli_common *common);
void cmd_profile_help(FILE *out);
extern const struct option cmd_profile_options[];
/* Whether a run command line asks for --profile (before its "--"). */
bool cmd_profile_wanted(int argc, char **argv);

#endif
