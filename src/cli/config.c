/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * config.c - YAML configuration (libyaml events) to option words:
 * cli_config_parse() over a buffer, with no I/O (fuzzed by
 * fuzz/fuzz-config.c), and cli_config_load(), which reads the file for it
 * and prints its message.
 */
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

/* The keys of one mapping read so far, to refuse one given twice. */
struct seen {
	const void **ids;	/* the option or verb each key named */
	size_t *lines;		/* where it was first given (0-based) */
	size_t n, cap;
};

struct loader {
	const char *path;
	yaml_parser_t parser;
	struct cli_config out;
	int cap;
	bool failed;
	bool nomem;
	char *err;		/* the first error, "NAME:LINE: why" */
	size_t errsize;
};

static void config_error(struct loader *l, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the first error only: what follows it is usually its consequence. */
static void config_error(struct loader *l, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->failed)
		return;
	l->failed = true;
	if (!l->errsize)
		return;
	n = snprintf(l->err, l->errsize, "%s:%zu: ", l->path, line + 1);
	if (n < 0 || (size_t)n >= l->errsize)
		return;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errsize - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Note that `key` (which names `id`, an option or a verb) was given at
 * `line`. False, with the error set, when it was given before: YAML
 * leaves a duplicate key undefined and libyaml passes both, so one of the
 * two values would win silently.
 */
static bool seen_once(struct loader *l, struct seen *s, const void *id, const char *key,
		      size_t line)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id) {
			config_error(l, line, "'%s' is given twice (first on line %zu): keep one",
				     key, s->lines[i] + 1);
			return false;
		}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		const void **ids = realloc(s->ids, cap * sizeof(*ids));
		size_t *lines;

		if (!ids)
			goto nomem;
		s->ids = ids;
		lines = realloc(s->lines, cap * sizeof(*lines));
		if (!lines)
			goto nomem;
		s->lines = lines;
		s->cap = cap;
	}
	s->ids[s->n] = id;
	s->lines[s->n] = line;
	s->n++;
	return true;
nomem:
	l->nomem = l->failed = true;
	return false;
}

static void seen_done(struct seen *s)
{
	free(s->ids);
	free(s->lines);
}

static int add_word(struct loader *l, const char *word, size_t line)
{
	char *w, *o;

	if (l->out.nwords == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		char **nw = realloc(l->out.words, (size_t)cap * sizeof(char *));
		char **no;

		if (!nw)
			goto nomem;
		l->out.words = nw;
		no = realloc(l->out.origin, (size_t)cap * sizeof(char *));
		if (!no)
			goto nomem;
		l->out.origin = no;
		l->cap = cap;
	}
	w = strdup(word);
	if (!w || asprintf(&o, "%s:%zu", l->path, line + 1) < 0) {
		free(w);
		l->nomem = l->failed = true;
		return -ENOMEM;
	}
	l->out.words[l->out.nwords] = w;
	l->out.origin[l->out.nwords] = o;
	l->out.nwords++;
	return 0;
nomem:
	l->nomem = l->failed = true;
	return -ENOMEM;
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

/* Is `key` the option `name`, an underscore standing for each hyphen (carbon_intensity)? */
static bool key_is(const char *key, const char *name)
{
	for (; *key && *name; key++, name++)
		if (*key != *name && !(*key == '_' && *name == '-'))
			return false;
	return *key == *name;
}

static const struct option *find_option(const struct option *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (key_is(name, opts->name))
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

/* One "key: value" whose key is `key` (at `line`), valid for `opts`, once in its mapping. */
static void option_entry(struct loader *l, const char *key, size_t line, const struct option *opts,
			 const char *where, struct seen *seen)
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
	if (!seen_once(l, seen, o, key, line)) {
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

			snprintf(word, sizeof(word), "--%s", o->name);
			if (add_word(l, word, line) < 0)
				l->failed = true;
		}
		return;
	}
	{
		char word[128];

		snprintf(word, sizeof(word), "--%s", o->name);
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
	struct seen seen = { 0 };
	char where[96];

	snprintf(where, sizeof(where), "under '%s' (see 'joulestat %s --help')", v->name, v->name);
	for (;;) {
		char key[128];
		size_t line;

		if (!next_key(l, key, sizeof(key), &line))
			break;
		if (take) {
			option_entry(l, key, line, v->longopts, where, &seen);
		} else {
			/* Check the key all the same: a typo must not wait for that verb's run. */
			const struct option *o = find_option(v->longopts, key);
			yaml_event_t val;

			if (!o) {
				config_error(l, line, "unknown key '%s' %s", key, where);
				break;
			}
			if (!seen_once(l, &seen, o, key, line) || !next(l, &val))
				break;
			skip_value(l, &val);
			yaml_event_delete(&val);
		}
	}
	seen_done(&seen);
}

static void top_mapping(struct loader *l, const char *verb, const struct config_verb *verbs,
			size_t nverbs)
{
	const struct config_verb *self = NULL;
	struct seen seen = { 0 };

	for (size_t i = 0; i < nverbs; i++)
		if (strcmp(verbs[i].name, verb) == 0)
			self = &verbs[i];
	for (;;) {
		const struct config_verb *section = NULL;
		char key[128];
		size_t line;

		if (!next_key(l, key, sizeof(key), &line))
			break;
		for (size_t i = 0; i < nverbs; i++)
			if (strcmp(verbs[i].name, key) == 0)
				section = &verbs[i];
		if (section) {
			yaml_event_t val;

			if (!seen_once(l, &seen, section, key, line) || !next(l, &val))
				break;
			if (val.type != YAML_MAPPING_START_EVENT) {
				config_error(l, line, "'%s' holds the options of 'joulestat %s': a mapping",
					     key, key);
				yaml_event_delete(&val);
				break;
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
				break;
			}
			option_entry(l, key, line, self ? self->longopts : NULL,
				     "(the top level takes the common options and one section per verb)",
				     &seen);
		}
	}
	seen_done(&seen);
}

int cli_config_parse(const char *buf, size_t len, const char *name, const char *verb,
		     const struct config_verb *verbs, size_t nverbs, struct cli_config *ret,
		     char *err, size_t errsize)
{
	struct loader l = { .path = name, .err = err, .errsize = errsize };
	unsigned documents = 0;
	bool done = false;

	if (errsize)
		err[0] = '\0';
	if (!yaml_parser_initialize(&l.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
	while (!done && !l.failed) {
		yaml_event_t ev;

		if (!next(&l, &ev))
			break;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			/* A second document would be read after the first, its keys over its keys. */
			if (++documents > 1)
				config_error(&l, ev.start_mark.line,
					     "a second YAML document ('---'): the configuration is "
					     "one document, a single mapping");
			break;
		case YAML_MAPPING_START_EVENT:
			top_mapping(&l, verb, verbs, nverbs);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			config_error(&l, ev.start_mark.line, "expected a mapping of option: value");
			break;
		default: /* stream start, document end */
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&l.parser);
	if (l.failed) {
		cli_config_done(&l.out);
		return l.nomem ? -ENOMEM : -EINVAL;
	}
	*ret = l.out;
	return 0;
}

/* A configuration is a few lines; this bounds what a wrong --config path can cost. */
#define CONFIG_MAX_BYTES (1024 * 1024)

int cli_config_load(const char *path, const char *verb, const struct config_verb *verbs,
		    size_t nverbs, struct cli_config *ret)
{
	char err[512], *buf = NULL;
	size_t len = 0, cap = 0;
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
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb;

			if (len > CONFIG_MAX_BYTES) {
				fprintf(stderr, "joulestat: configuration %s is larger than %d bytes\n",
					path, CONFIG_MAX_BYTES);
				r = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > CONFIG_MAX_BYTES + 1)
				cap = CONFIG_MAX_BYTES + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				r = -(errno ? errno : EIO);
				fprintf(stderr, "joulestat: cannot read configuration %s: %s\n", path,
					strerror(-r));
				goto out;
			}
			break;
		}
	}
	r = cli_config_parse(buf, len, path, verb, verbs, nverbs, ret, err, sizeof(err));
	if (r == -EINVAL)
		fprintf(stderr, "joulestat: %s\n", err);
	else if (r < 0)
		fprintf(stderr, "joulestat: reading configuration %s: %s\n", path, strerror(-r));
out:
	free(buf);
	fclose(f);
	return r;
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
