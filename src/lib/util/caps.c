/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* caps.c - the capabilities a feature needs that this process lacks (caps.h). */
#include <linux/capability.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "util.h"

/* Only those joulestat's features need (docs/INSTALL.md, "Privileges"). */
static const struct {
	int cap;
	const char *name;
} cap_names[] = {
	{ CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
	{ CAP_SYS_RAWIO, "CAP_SYS_RAWIO" },
	{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
	{ CAP_PERFMON, "CAP_PERFMON" },
	{ CAP_BPF, "CAP_BPF" },
};

size_t caps_format_missing(uint64_t have, uint64_t want, char *buf, size_t size)
{
	size_t n = 0, len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++) {
		if (!(want & CAP_BIT(cap_names[i].cap)) || (have & CAP_BIT(cap_names[i].cap)))
			continue;
		n++;
		if (len < size) {
			int w = snprintf(buf + len, size - len, "%s%s", len ? " and " : "",
					 cap_names[i].name);

			len += w > 0 ? (size_t)w : 0;
		}
	}
	return n;
}

size_t caps_missing(uint64_t want, char *buf, size_t size)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uint64_t have;

	if (size)
		buf[0] = '\0';
	/* glibc has no capget() wrapper; the raw call needs no libcap. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	have = (uint64_t)data[0].effective | (uint64_t)data[1].effective << 32;
	return caps_format_missing(have, want, buf, size);
}
