/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* config.c - YAML configuration (libyaml events) to option words. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "fsroot.h"

struct loader {
	const char *path;
	yaml_parser_t parser;
	struct cli_config out;
	int cap;
	bool failed;
};

static void config_error(struct loader *l, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_error(struct loader *l, size_t line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "joulestat: %s:%zu: ", l->path, line + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->failed = true;
}

static int add_word(struct loader *l, const char *word, size_t line)
{
	char *w, *o;

	if (l->out.nwords == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		char **nw = realloc(l->out.words, (size_t)cap * sizeof(char *));
		char **no;

		if (!nw)
			return -ENOMEM;
		l->out.words = nw;
		no = realloc(l->out.origin, (size_t)cap * sizeof(char *));
		if (!no)
			return -ENOMEM;
		l->out.origin = no;
		l->cap = cap;
	}
	w = strdup(word);
	if (!w || asprintf(&o, "%s:%zu", l->path, line + 1) < 0) {
		free(w);
		return -ENOMEM;
	}
	l->out.words[l->out.nwords] = w;
	l->out.origin[l->out.nwords] = o;
	l->out.nwords++;
	return 0;
}

/* Next parser event; a YAML syntax error is reported with its line. */
static bool next(struct loader *l, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&l->parser, ev)) {
		config_error(l, l->parser.problem_mark.line, "not valid YAML: %s",
			     l->parser.problem ? l->parser.problem : "parse error");
		return false;
	}
	return true;
}

static const struct option *find_option(const struct option *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static bool parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*ret = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*ret = false;
			return true;
		}
	}
	return false;
}

/* Read a value (scalar, or a sequence of scalars joined by commas) into buf. */
static bool read_value(struct loader *l, yaml_event_t *first, char *buf, size_t size)
{
	size_t len = 0;

	if (first->type == YAML_SCALAR_EVENT) {
		snprintf(buf, size, "%s", (const char *)first->data.scalar.value);
		return true;
	}
	if (first->type != YAML_SEQUENCE_START_EVENT) {
		config_error(l, first->start_mark.line, "expected a value or a list of values");
		return false;
	}
	buf[0] = '\0';
	for (;;) {
		yaml_event_t ev;

		if (!next(l, &ev))
			return false;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return true;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			config_error(l, ev.start_mark.line, "a list here may hold only plain values");
			yaml_event_delete(&ev);
			return false;
		}
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? "," : "", (const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);
	}
}

/* One "key: value" whose key is `key` (at `line`), valid for `opts`. */
static void option_entry(struct loader *l, const char *key, size_t line, const struct option *opts,
			 const char *where)
{
	const struct option *o = find_option(opts, key);
	yaml_event_t ev;
	char value[1024];

	if (!next(l, &ev))
		return;
	if (!o || strcmp(key, "config") == 0) {
		config_error(l, line, "unknown key '%s' %s", key, where);
		yaml_event_delete(&ev);
		return;
	}
	if (!read_value(l, &ev, value, sizeof(value))) {
		yaml_event_delete(&ev);
		return;
	}
	yaml_event_delete(&ev);
	if (o->has_arg == no_argument) {
		bool on;
		long n = 0;
		char *end;

		/* A repeatable flag (verbose) may be given a count. */
		if (parse_bool(value, &on)) {
			n = on;
		} else {
			n = strtol(value, &end, 10);
			if (*end || n < 0 || n > 9 || end == value) {
				config_error(l, line, "'%s' takes true or false, not '%s'", key, value);
				return;
			}
		}
		for (long i = 0; i < n; i++) {
			char word[128];

			snprintf(word, sizeof(word), "--%s", key);
			if (add_word(l, word, line) < 0)
				l->failed = true;
		}
		return;
	}
	{
		char word[128];

		snprintf(word, sizeof(word), "--%s", key);
		if (add_word(l, word, line) < 0 || add_word(l, value, line) < 0)
			l->failed = true;
	}
}

/* Skip one value (scalar, sequence or mapping) that is not ours. */
static void skip_value(struct loader *l, yaml_event_t *first)
{
	int depth = first->type == YAML_MAPPING_START_EVENT || first->type == YAML_SEQUENCE_START_EVENT;

	while (depth > 0 && !l->failed) {
		yaml_event_t ev;

		if (!next(l, &ev))
			return;
		if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	}
}

/*
 * The next key of the mapping being read, into key (truncated to size) and
 * its line. False at the end of the mapping, on an error (reported: a key
 * that is not a scalar), or when loading has already failed.
 */
static bool next_key(struct loader *l, char *key, size_t size, size_t *ret_line)
{
	yaml_event_t ev;

	if (l->failed || !next(l, &ev))
		return false;
	if (ev.type == YAML_MAPPING_END_EVENT) {
		yaml_event_delete(&ev);
		return false;
	}
	if (ev.type != YAML_SCALAR_EVENT) {
		config_error(l, ev.start_mark.line, "expected an option name");
		yaml_event_delete(&ev);
		return false;
	}
	snprintf(key, size, "%s", (const char *)ev.data.scalar.value);
	*ret_line = ev.start_mark.line;
	yaml_event_delete(&ev);
	return true;
}

/* The mapping of one verb's section. `take`: add its words (the verb being run). */
static void verb_section(struct loader *l, const struct config_verb *v, bool take)
{
	char where[96];

	snprintf(where, sizeof(where), "under '%s' (see 'joulestat %s --help')", v->name, v->name);
	for (;;) {
		char key[128];
		size_t line;

		if (!next_key(l, key, sizeof(key), &line))
			return;
		if (take) {
			option_entry(l, key, line, v->longopts, where);
		} else {
			/* Check the key all the same: a typo must not wait for that verb's run. */
			yaml_event_t val;

			if (!find_option(v->longopts, key)) {
				config_error(l, line, "unknown key '%s' %s", key, where);
				return;
			}
			if (!next(l, &val))
				return;
			skip_value(l, &val);
			yaml_event_delete(&val);
		}
	}
}

static void top_mapping(struct loader *l, const char *verb, const struct config_verb *verbs,
			size_t nverbs)
{
	const struct config_verb *self = NULL;

	for (size_t i = 0; i < nverbs; i++)
		if (strcmp(verbs[i].name, verb) == 0)
			self = &verbs[i];
	for (;;) {
		const struct config_verb *section = NULL;
		char key[128];
		size_t line;

		if (!next_key(l, key, sizeof(key), &line))
			return;
		for (size_t i = 0; i < nverbs; i++)
			if (strcmp(verbs[i].name, key) == 0)
				section = &verbs[i];
		if (section) {
			yaml_event_t val;

			if (!next(l, &val))
				return;
			if (val.type != YAML_MAPPING_START_EVENT) {
				config_error(l, line, "'%s' holds the options of 'joulestat %s': a mapping",
					     key, key);
				yaml_event_delete(&val);
				return;
			}
			yaml_event_delete(&val);
			verb_section(l, section, section == self);
			continue;
		}
		/* Top level: only the options every verb shares (0x1000 range and -v). */
		{
			const struct option *o = self ? find_option(self->longopts, key) : NULL;

			if (o && o->val < 0x1000 && o->val != 'v') {
				config_error(l, line, "'%s' is an option of 'joulestat %s' only: put it under '%s:'",
					     key, verb, verb);
				return;
			}
			option_entry(l, key, line, self ? self->longopts : NULL,
				     "(the top level takes the common options and one section per verb)");
		}
	}
}

int cli_config_load(const char *path, const char *verb, const struct config_verb *verbs,
		    size_t nverbs, struct cli_config *ret)
{
	struct loader l = { .path = path };
	bool done = false;
	FILE *f;
	int r = 0;

	/* Never waits on a named pipe (file_open_input()). */
	r = file_open_input(AT_FDCWD, path, O_RDONLY);
	f = r >= 0 ? fdopen(r, "r") : NULL;
	if (!f) {
		if (r >= 0)
			close(r);
		r = r < 0 ? r : -errno;
		fprintf(stderr, "joulestat: cannot read configuration %s: %s\n", path,
			file_input_problem(r));
		return r;
	}
	r = 0;
	if (!yaml_parser_initialize(&l.parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&l.parser, f);
	while (!done && !l.failed) {
		yaml_event_t ev;

		if (!next(&l, &ev))
			break;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
			top_mapping(&l, verb, verbs, nverbs);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			config_error(&l, ev.start_mark.line, "expected a mapping of option: value");
			break;
		default: /* stream/document start and end, an empty document */
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&l.parser);
	fclose(f);
	if (l.failed) {
		cli_config_done(&l.out);
		return -EINVAL;
	}
	*ret = l.out;
	return 0;
}

void cli_config_done(struct cli_config *c)
{
	for (int i = 0; i < c->nwords; i++) {
		free(c->words[i]);
		free(c->origin[i]);
	}
	free(c->words);
	free(c->origin);
	*c = (struct cli_config){ 0 };
}
