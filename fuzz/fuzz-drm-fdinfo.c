/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* fuzz-drm-fdinfo.c - parse_drm_fdinfo and drm_pci_normalize on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drm_fdinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drm_fdinfo f;
	char s[64], out[DRM_PDEV_MAX];

	if (parse_drm_fdinfo((const char *)data, size, &f) == 0) {
		/* A success names a driver, NUL-terminated, and stays within its bounds. */
		if (!f.driver[0] || strnlen(f.driver, sizeof(f.driver)) == sizeof(f.driver) ||
		    strnlen(f.pdev, sizeof(f.pdev)) == sizeof(f.pdev) ||
		    f.nengines > DRM_MAX_ENGINES)
			abort();
		for (unsigned i = 0; i < f.nengines; i++)
			if (!f.engines[i].name[0] || f.engines[i].capacity == 0)
				abort();
	}
	if (size < sizeof(s)) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (drm_pci_normalize(s, out, sizeof(out)) == 0 && strlen(out) != 12)
			abort();
	}
	return 0;
}
