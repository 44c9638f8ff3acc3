/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* webcfg.c - parse the web configuration file (TLS, basic auth users; see webcfg.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "webcfg.h"

#define PATH_MAX_LEN 4096

struct parser {
	yaml_parser_t yaml;
	struct webcfg *cfg;
	char *err;
	size_t err_size;
	int r;		/* the first error */
};

static void fail(struct parser *p, const yaml_mark_t *mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct parser *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->r)
		return;
	p->r = -EINVAL;
	n = snprintf(p->err, p->err_size, "line %zu: ", mark->line + 1);
	if (n < 0 || (size_t)n >= p->err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *p)
{
	if (!p->r) {
		p->r = -ENOMEM;
		snprintf(p->err, p->err_size, "out of memory");
	}
}

/* The next event; false after an error (reported). */
static bool next(struct parser *p, yaml_event_t *ev)
{
	if (p->r)
		return false;
	if (!yaml_parser_parse(&p->yaml, ev)) {
		if (p->yaml.error == YAML_MEMORY_ERROR)
			fail_nomem(p);
		else
			fail(p, &p->yaml.problem_mark, "not valid YAML: %s",
			     p->yaml.problem ? p->yaml.problem : "parse error");
		return false;
	}
	if (ev->type == YAML_ALIAS_EVENT ||
	    ((ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
	     (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor) ||
	     (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor))) {
		fail(p, &ev->start_mark, "anchors and aliases are not supported here: write "
					 "each value out");
		yaml_event_delete(ev);
		return false;
	}
	return true;
}

static const char *scalar(const yaml_event_t *ev)
{
	return (const char *)ev->data.scalar.value;
}

/* A scalar with no NUL inside and at most `max` bytes; else reported with `what`. */
static bool text_ok(struct parser *p, const yaml_event_t *ev, const char *what, size_t max)
{
	if (ev->type != YAML_SCALAR_EVENT) {
		fail(p, &ev->start_mark, "%s: expected a single value, not a %s", what,
		     ev->type == YAML_MAPPING_START_EVENT ? "mapping" : "list");
		return false;
	}
	if (strlen(scalar(ev)) != ev->data.scalar.length) {
		fail(p, &ev->start_mark, "%s: the value holds a NUL byte", what);
		return false;
	}
	if (ev->data.scalar.length > max) {
		fail(p, &ev->start_mark, "%s: the value is %zu bytes long, at most %zu", what,
		     ev->data.scalar.length, max);
		return false;
	}
	return true;
}

/* A plain empty scalar, "~" or "null": YAML's null. */
static bool is_null(const yaml_event_t *ev)
{
	const char *v = scalar(ev);

	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.plain_implicit &&
	       (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
		strcmp(v, "NULL") == 0);
}

bool webcfg_is_bcrypt(const char *h)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (!h || strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) ||
	    h[3] != '$' || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (int i = 7; i < 60; i++)
		if (!strchr(b64, h[i]))
			return false;
	return true;
}

/*
 * Walk a mapping whose MAPPING_START was just read: `entry` gets each key
 * (a scalar event, unique) and must consume its value. Keys are compared
 * as written; a repeated key is an error.
 */
static bool mapping(struct parser *p, const char *where,
		    bool (*entry)(struct parser *p, const yaml_event_t *key))
{
	char **seen = NULL;
	size_t nseen = 0;
	bool ok = false;

	for (;;) {
		yaml_event_t key;
		char **s;

		if (!next(p, &key))
			break;
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			ok = true;
			break;
		}
		if (key.type != YAML_SCALAR_EVENT) {
			fail(p, &key.start_mark, "%s: a key must be a plain name", where);
			yaml_event_delete(&key);
			break;
		}
		if (!text_ok(p, &key, where, PATH_MAX_LEN)) {
			yaml_event_delete(&key);
			break;
		}
		for (size_t i = 0; i < nseen; i++) {
			if (strcmp(seen[i], scalar(&key)) == 0) {
				fail(p, &key.start_mark, "%s: '%s' is given twice; keep one", where,
				     scalar(&key));
				break;
			}
		}
		s = p->r ? NULL : realloc(seen, (nseen + 1) * sizeof(*seen));
		if (!p->r && !s)
			fail_nomem(p);
		if (s) {
			seen = s;
			seen[nseen] = strdup(scalar(&key));
			if (!seen[nseen])
				fail_nomem(p);
			else
				nseen++;
		}
		if (p->r || !entry(p, &key)) {
			yaml_event_delete(&key);
			break;
		}
		yaml_event_delete(&key);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return ok && !p->r;
}

/* Read a string value for `what` into *dst (copied); empty refused. */
static bool string_value(struct parser *p, const char *what, char **dst)
{
	yaml_event_t v;
	bool ok = false;

	if (!next(p, &v))
		return false;
	if (text_ok(p, &v, what, PATH_MAX_LEN)) {
		if (!*scalar(&v) || is_null(&v)) {
			fail(p, &v.start_mark, "%s: empty; give a path", what);
		} else {
			*dst = strdup(scalar(&v));
			if (!*dst)
				fail_nomem(p);
			else
				ok = true;
		}
	}
	yaml_event_delete(&v);
	return ok;
}

static const char tls_keys[] = "cert_file, key_file, min_version";

static bool tls_entry(struct parser *p, const yaml_event_t *key)
{
	const char *k = scalar(key);

	if (strcmp(k, "cert_file") == 0)
		return string_value(p, "tls_server_config: cert_file", &p->cfg->cert_file);
	if (strcmp(k, "key_file") == 0)
		return string_value(p, "tls_server_config: key_file", &p->cfg->key_file);
	if (strcmp(k, "min_version") == 0) {
		yaml_event_t v;
		bool ok = false;

		if (!next(p, &v))
			return false;
		if (text_ok(p, &v, "tls_server_config: min_version", 16)) {
			if (strcmp(scalar(&v), "TLS12") == 0) {
				p->cfg->min_version = WEBCFG_TLS12;
				ok = true;
			} else if (strcmp(scalar(&v), "TLS13") == 0) {
				p->cfg->min_version = WEBCFG_TLS13;
				ok = true;
			} else {
				fail(p, &v.start_mark,
				     "tls_server_config: min_version '%s': joulestat offers TLS12 "
				     "or TLS13",
				     scalar(&v));
			}
		}
		yaml_event_delete(&v);
		return ok;
	}
	if (strcmp(k, "cert") == 0 || strcmp(k, "key") == 0)
		fail(p, &key->start_mark,
		     "tls_server_config: '%s' (inline PEM) is not supported by joulestat: put it "
		     "in a file and name it with %s_file",
		     k, k);
	else
		fail(p, &key->start_mark,
		     "tls_server_config: '%s' is not supported by joulestat (it knows %s); "
		     "remove it rather than have it ignored",
		     k, tls_keys);
	return false;
}

static bool user_entry(struct parser *p, const yaml_event_t *key)
{
	struct webcfg *c = p->cfg;
	const char *name = scalar(key);
	struct webcfg_user *u;
	yaml_event_t v;
	bool ok = false;

	if (!*name || strchr(name, ':') || key->data.scalar.length > WEBCFG_NAME_MAX) {
		fail(p, &key->start_mark,
		     "basic_auth_users: '%.64s' is not a user name (1 to %d bytes, no ':')", name,
		     WEBCFG_NAME_MAX);
		return false;
	}
	for (const char *s = name; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			fail(p, &key->start_mark,
			     "basic_auth_users: a user name holds a control character");
			return false;
		}
	}
	if (c->nusers >= WEBCFG_USERS_MAX) {
		fail(p, &key->start_mark, "basic_auth_users: more than %d users", WEBCFG_USERS_MAX);
		return false;
	}
	if (!next(p, &v))
		return false;
	if (!text_ok(p, &v, "basic_auth_users", 128))
		goto out;
	if (!webcfg_is_bcrypt(scalar(&v))) {
		fail(p, &v.start_mark,
		     "basic_auth_users: %s: not a bcrypt hash ($2y$, $2b$ or $2a$, cost 04 to "
		     "31, 60 characters; make one with: htpasswd -nBC 10 %s)",
		     name, name);
		goto out;
	}
	u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
	if (!u) {
		fail_nomem(p);
		goto out;
	}
	c->users = u;
	u = &c->users[c->nusers];
	u->name = strdup(name);
	u->hash = strdup(scalar(&v));
	if (!u->name || !u->hash) {
		free(u->name);
		free(u->hash);
		fail_nomem(p);
		goto out;
	}
	c->nusers++;
	ok = true;
out:
	yaml_event_delete(&v);
	return ok;
}

/* A section's value: a mapping walked by `entry`, or null (an empty section). */
static bool section(struct parser *p, const char *name,
		    bool (*entry)(struct parser *p, const yaml_event_t *key))
{
	yaml_event_t v;
	bool ok;

	if (!next(p, &v))
		return false;
	if (v.type == YAML_MAPPING_START_EVENT) {
		yaml_event_delete(&v);
		return mapping(p, name, entry);
	}
	ok = is_null(&v);
	if (!ok)
		fail(p, &v.start_mark, "%s: expected a mapping of keys to values", name);
	yaml_event_delete(&v);
	return ok;
}

static bool top_entry(struct parser *p, const yaml_event_t *key)
{
	const char *k = scalar(key);

	if (strcmp(k, "tls_server_config") == 0) {
		if (!section(p, "tls_server_config", tls_entry))
			return false;
		if (!p->cfg->cert_file != !p->cfg->key_file) {
			fail(p, &key->start_mark,
			     "tls_server_config: give both cert_file and key_file");
			return false;
		}
		if (!p->cfg->cert_file) {
			fail(p, &key->start_mark,
			     "tls_server_config: empty; give cert_file and key_file, or remove "
			     "the section");
			return false;
		}
		return true;
	}
	if (strcmp(k, "basic_auth_users") == 0)
		return section(p, "basic_auth_users", user_entry);
	fail(p, &key->start_mark,
	     "'%s' is not supported by joulestat (it knows tls_server_config and "
	     "basic_auth_users); remove it rather than have it ignored",
	     k);
	return false;
}

static bool document(struct parser *p)
{
	yaml_event_t ev;
	bool ok = false;

	if (!next(p, &ev)) /* STREAM_START */
		return false;
	yaml_event_delete(&ev);
	if (!next(p, &ev))
		return false;
	if (ev.type == YAML_STREAM_END_EVENT) { /* no document: comments only */
		yaml_event_delete(&ev);
		return true;
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (!next(p, &ev))
		return false;
	if (ev.type == YAML_MAPPING_START_EVENT)
		ok = mapping(p, "the file", top_entry);
	else if (is_null(&ev))
		ok = true;
	else
		fail(p, &ev.start_mark, "expected a mapping (tls_server_config:, "
					"basic_auth_users:) at the top");
	yaml_event_delete(&ev);
	if (!ok || !next(p, &ev)) /* DOCUMENT_END */
		return false;
	yaml_event_delete(&ev);
	if (!next(p, &ev))
		return false;
	if (ev.type != YAML_STREAM_END_EVENT) {
		fail(p, &ev.start_mark, "a second document: the file holds one ('---' once at "
					"most)");
		ok = false;
	}
	yaml_event_delete(&ev);
	return ok && !p->r;
}

int parse_webcfg(const char *buf, size_t len, struct webcfg **ret, char *err, size_t err_size)
{
	struct parser p = { .err = err, .err_size = err_size };
	char dummy[1];

	if (!err || !err_size) {
		err = dummy;
		err_size = sizeof(dummy);
		p.err = err;
		p.err_size = err_size;
	}
	err[0] = '\0';
	if (!buf && len) {
		snprintf(err, err_size, "no input");
		return -EINVAL;
	}
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg || !yaml_parser_initialize(&p.yaml)) {
		free(p.cfg);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p.yaml, (const unsigned char *)(buf ? buf : ""), len);
	if (!document(&p) && !p.r)
		fail(&p, &p.yaml.mark, "not valid YAML");
	yaml_parser_delete(&p.yaml);
	if (p.r) {
		webcfg_free(p.cfg);
		return p.r;
	}
	*ret = p.cfg;
	return 0;
}

struct webcfg *webcfg_free(struct webcfg *c)
{
	if (!c)
		return NULL;
	free(c->cert_file);
	free(c->key_file);
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	free(c);
	return NULL;
}
