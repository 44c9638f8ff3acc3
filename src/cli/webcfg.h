/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * webcfg.h - the web configuration file of `joulestat serve
 * --web-config-file`: TLS and HTTP basic authentication, in the format of
 * the Prometheus exporters (exporter-toolkit's web configuration), so one
 * file can serve both:
 *
 *     tls_server_config:
 *       cert_file: server.crt      # PEM; relative to the file's directory
 *       key_file: server.key       # PEM, unencrypted
 *       min_version: TLS12         # or TLS13 (default TLS12)
 *     basic_auth_users:
 *       prometheus: $2y$10$...     # bcrypt, e.g. htpasswd -nBC 10 prometheus
 *
 * Every key joulestat does not implement is refused, by name, rather than
 * ignored: a setting that asks for more security (client certificates,
 * cipher suites, headers) must not be dropped silently. So are duplicate
 * keys, a second document, anchors and aliases. A hash that is not bcrypt
 * ($2a$, $2b$ or $2y$, cost 4 to 31) is refused, as the exporters do.
 *
 * Pure: parses a buffer; reading the files it names is the caller's.
 */
#ifndef JOULESTAT_WEBCFG_H
#define JOULESTAT_WEBCFG_H

#include <stdbool.h>
#include <stddef.h>

enum webcfg_tls_version {
	WEBCFG_TLS12 = 0,
	WEBCFG_TLS13 = 1,
};

struct webcfg_user {
	char *name;	/* non-empty, no ':' (RFC 7617), at most WEBCFG_NAME_MAX bytes */
	char *hash;	/* a bcrypt hash, 60 characters */
};

#define WEBCFG_NAME_MAX 256
#define WEBCFG_USERS_MAX 10000

struct webcfg {
	char *cert_file;	/* as written; NULL without tls_server_config */
	char *key_file;		/* set exactly when cert_file is */
	enum webcfg_tls_version min_version;
	struct webcfg_user *users;	/* [nusers]; none: no authentication */
	size_t nusers;
};

/*
 * Parse `len` bytes of YAML (not NUL-terminated). Returns 0 and a new
 * configuration in *ret, or -EINVAL with a sentence in `err` that starts
 * with "line N: " and names the key and the fix; -ENOMEM. An empty
 * document is a configuration with neither TLS nor users.
 */
int parse_webcfg(const char *buf, size_t len, struct webcfg **ret, char *err, size_t err_size);

/* NULL is a no-op; returns NULL. */
struct webcfg *webcfg_free(struct webcfg *c);

/* Is `hash` a bcrypt hash this module accepts ($2a$/$2b$/$2y$, cost 04-31, 53 more characters)? */
bool webcfg_is_bcrypt(const char *hash);

#endif
