/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* profile_html.h - a stopped profiling session as a self-contained HTML report. */
#ifndef JOULESTAT_PROFILE_HTML_H
#define JOULESTAT_PROFILE_HTML_H

#include <stdio.h>

#include "joulestat.h"

/*
 * Write the report of stopped session `p` for command `cmd` (NULL-terminated
 * argv) to f. Returns 0, -EAGAIN before stop, -ENOMEM, or -EIO.
 */
int profile_html_write(const struct joulestat_profile *p, char **cmd, FILE *f);

#endif
