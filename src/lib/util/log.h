/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * log.h - the library's only way to say something: a callback the caller
 * installs. Silent by default; never writes to stdout/stderr itself.
 */
#ifndef JOULESTAT_LOG_H
#define JOULESTAT_LOG_H

#include "joulestat.h"

struct logger {
	joulestat_log_fn fn;
	void *userdata;
	enum joulestat_log_level max_level;
};

/* Format and deliver one message; a NULL logger or NULL fn drops it. */
void log_msg(const struct logger *lg, enum joulestat_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(lg, ...) log_msg(lg, JOULESTAT_LOG_ERROR, __VA_ARGS__)
#define log_warning(lg, ...) log_msg(lg, JOULESTAT_LOG_WARNING, __VA_ARGS__)
#define log_info(lg, ...) log_msg(lg, JOULESTAT_LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg(lg, JOULESTAT_LOG_DEBUG, __VA_ARGS__)

#endif
