/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* log.c - delivery of library messages to the caller's callback. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void log_msg(const struct logger *lg, enum joulestat_log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!lg || !lg->fn || level > lg->max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lg->fn(level, buf, lg->userdata);
}
