/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-webcfg.c - parse_webcfg() on arbitrary bytes: no crash or leak; on
 * success TLS has both files, every user a name without ':' and a bcrypt
 * hash; on error a message and *ret untouched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webcfg *c = (struct webcfg *)0x1;
	char err[256];
	int r = parse_webcfg((const char *)data, size, &c, err, sizeof(err));

	if (r < 0) {
		if (c != (struct webcfg *)0x1 || (r != -ENOMEM && !err[0]) ||
		    strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (!c || !c->cert_file != !c->key_file || (c->nusers && !c->users) ||
	    c->nusers > WEBCFG_USERS_MAX)
		abort();
	if (c->cert_file && (!*c->cert_file || !*c->key_file))
		abort();
	for (size_t i = 0; i < c->nusers; i++) {
		const struct webcfg_user *u = &c->users[i];

		if (!u->name[0] || strchr(u->name, ':') || strlen(u->name) > WEBCFG_NAME_MAX ||
		    !webcfg_is_bcrypt(u->hash))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->users[j].name, u->name) == 0)
				abort();
	}
	webcfg_free(c);
	return 0;
}
