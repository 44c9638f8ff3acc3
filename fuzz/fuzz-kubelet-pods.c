/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * fuzz-kubelet-pods.c - parse_kubelet_pods on arbitrary bytes: within its
 * bound, every string terminated, every container in a pod it listed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct names_list l;

	if (parse_kubelet_pods((const char *)data, size, 4, &l) < 0)
		return 0;
	if (l.npods > 4 || l.ncontainers > 4)
		abort();
	for (size_t i = 0; i < l.npods; i++)
		if (!l.pods[i].uid[0] || strnlen(l.pods[i].name, sizeof(l.pods[i].name)) ==
						 sizeof(l.pods[i].name))
			abort();
	for (size_t i = 0; i < l.ncontainers; i++) {
		bool listed = false;

		if (!l.containers[i].id[0] || strchr(l.containers[i].id, '/') ||
		    !l.containers[i].runtime[0])
			abort();
		for (size_t p = 0; p < l.npods; p++)
			listed |= !strcmp(l.pods[p].uid, l.containers[i].pod_uid);
		/* Its pod was listed unless the bound left the pod out. */
		if (!listed && l.npods < 4)
			abort();
	}
	names_list_done(&l);
	return 0;
}
