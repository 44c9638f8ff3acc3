#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# check-layers.sh - the library's folders follow the data path, and a stage
# includes only its own folder and the stages below it (docs/ARCHITECTURE.md):
#
#   0 util
#   1 sources  activity  resources      (read the machine; never each other)
#     wire                              (the daemon protocol: pure)
#   2 attrib
#   3 gpu  identity                     (GPU split, what a task belongs to)
#   4 .  (the monitor: joulestat.c, snapshot.c, gpu_api.c, monitor.h)
#   5 record
#   6 profile
#
# Prints each include that runs sideways or up, and exits 1 if there is one.
set -u
lib=${1:-$(dirname "$0")/../src/lib}
declare -A rank=([util]=0 [sources]=1 [activity]=1 [resources]=1 [wire]=1 [attrib]=2 [gpu]=3
	[identity]=3 [.]=4 [record]=5 [profile]=6)
declare -A home
while IFS= read -r f; do
	d=$(dirname "${f#"$lib"/}")
	if [ -z "${rank[$d]+x}" ]; then
		echo "$f: folder $d has no place in the stages (tools/check-layers.sh)"
		exit 1
	fi
	home[$(basename "$f")]=$d
done < <(find "$lib" -name '*.h')
bad=0
while IFS= read -r f; do
	d=$(dirname "${f#"$lib"/}")
	while IFS= read -r inc; do
		h=$(basename "$inc")
		[ -n "${home[$h]+x}" ] || continue # a system, public or generated header
		to=${home[$h]}
		[ "$to" = "$d" ] && continue
		if [ "${rank[$to]}" -ge "${rank[$d]}" ]; then
			echo "${f#"$lib"/} includes $to/$h: stage $d (${rank[$d]}) may include only stages below it"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find "$lib" -name '*.c' -o -name '*.h')
exit $bad
