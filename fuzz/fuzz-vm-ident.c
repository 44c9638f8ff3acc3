/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-vm-ident.c - parse_vm_cmdline and parse_vm_scope on arbitrary bytes:
 * a name is terminated, bounded, and a safe directory name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int r, const struct vm_ident *v)
{
	size_t n;

	if (r < 0 || r > 1)
		abort();
	n = strnlen(v->name, sizeof(v->name));
	if (n == sizeof(v->name))
		abort();
	if (r == 0 && (v->kind != VM_NONE || n))
		abort();
	if (r == 1 && v->kind == VM_NONE)
		abort();
	if (n && !vm_name_valid(v->name, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_ident v;

	check(parse_vm_cmdline((const char *)data, size, &v), &v);
	check(parse_vm_scope((const char *)data, size, &v), &v);
	(void)vm_comm_maybe((const char *)data, size < 16 ? size : 16);
	return 0;
}
