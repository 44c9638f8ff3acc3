/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-text-escape.c - any bytes as a name (a comm, a cgroup path, a string
 * in a recording) must come out as text a terminal shows without acting on
 * it: valid UTF-8, no C0, DEL or C1 control; and the buffer and stream
 * forms agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textesc.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out, *mem = NULL;
	size_t len, memsize = 0;
	FILE *f;

	if (size > 4096)
		return 0;
	in = malloc(size + 1);
	out = malloc(TEXTESC_SIZE(size));
	if (!in || !out)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	text_esc(in, out, TEXTESC_SIZE(size));
	len = strlen(out);
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)out + i;
		size_t n = utf8_len(p);

		if (n == 0 || (n == 1 && (p[0] < 0x20 || p[0] == 0x7f)) ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0))
			abort();
		i += n;
	}
	f = open_memstream(&mem, &memsize);
	if (!f)
		abort();
	text_esc_write(f, in);
	fclose(f);
	if (memsize != len || memcmp(mem, out, len) != 0)
		abort();
	free(mem);
	free(in);
	free(out);
	return 0;
}
