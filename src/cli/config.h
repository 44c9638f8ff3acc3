/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * config.h - the YAML configuration file, turned into option words.
 *
 * Every long option has a key of the same name (an underscore may stand
 * for each hyphen: carbon_intensity is --carbon-intensity). Top-level keys
 * are the options common to every verb; a top-level key named after a verb holds a
 * mapping of that verb's options:
 *
 *     source: powercap            # --source powercap
 *     model-idle-watts: 12.5
 *     probe:
 *       json: true                # --json, for `joulestat probe` only
 *
 * The file becomes "--key value" words placed before the command line's own,
 * so the verb's option parser validates them and flags given on the command
 * line override the file. Each word remembers "FILE:LINE" for messages.
 */
#ifndef JOULESTAT_CONFIG_H
#define JOULESTAT_CONFIG_H

#include <getopt.h>
#include <stdbool.h>

/* SYSCONFDIR/joulestat/config.yaml, set by the build (meson.build). */
#ifndef JOULESTAT_CONFIG_PATH
#define JOULESTAT_CONFIG_PATH "/etc/joulestat/config.yaml"
#endif
#define CONFIG_DEFAULT_PATH JOULESTAT_CONFIG_PATH

struct cli_config {
	char **words;	/* "--source", "powercap", ... (owned) */
	char **origin;	/* "FILE:LINE" for each word (owned) */
	int nwords;
};

/* What the loader needs to know of each verb. */
struct config_verb {
	const char *name;
	const struct option *longopts;
};

/*
 * Parse the configuration in buf[0 .. len) for running `verb` (one of
 * `verbs`); `name` (the file) starts each message. Keys are checked against
 * the verbs' option tables: an unknown key, a key given twice in one
 * mapping, a second YAML document, a value of the wrong shape, or malformed
 * YAML returns -EINVAL with "NAME:LINE: why" in err (errsize bytes, always
 * terminated when errsize > 0). -ENOMEM when memory runs out. No I/O. On
 * success *ret holds the words (possibly none; free with cli_config_done());
 * on failure it is not touched.
 */
int cli_config_parse(const char *buf, size_t len, const char *name, const char *verb,
		     const struct config_verb *verbs, size_t nverbs, struct cli_config *ret,
		     char *err, size_t errsize);

/*
 * Load `path` (at most 1 MiB) and parse it as cli_config_parse() does,
 * printing its message as "joulestat: FILE:LINE: ..." on stderr: -EINVAL
 * for bad content. An unreadable file: -errno, printed. On success *ret
 * holds the words (possibly none); free with cli_config_done().
 */
int cli_config_load(const char *path, const char *verb, const struct config_verb *verbs,
		    size_t nverbs, struct cli_config *ret);

void cli_config_done(struct cli_config *c);

#endif
