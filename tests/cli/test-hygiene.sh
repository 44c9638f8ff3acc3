#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-hygiene.sh - the promises the repository makes about itself: an SPDX
# line on every source file, an exported ABI equal to the version script and
# to the public header, a soname, and a program that builds against the
# pkg-config file and runs.
. "$(dirname "$0")/tap.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LIB=$(dirname "$JS")/../lib/libjoulestat.so
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)

spdx_missing() {
	local missing=0 f n=0
	while IFS= read -r f; do
		n=$((n + 1))
		if ! head -n 3 "$SRC/$f" | grep -q 'SPDX-License-Identifier:'; then
			echo "no SPDX line: $f"
			missing=1
		fi
	done < <(cd "$SRC" && git ls-files -- '*.c' '*.h' '*.sh' 'meson.build' '*/meson.build' \
		'Makefile' '.ci/run' '*.py' '*.js' '*.css' '*.html' 2>/dev/null | grep -v '^src/bpf/vmlinux/')
	if [ "$n" -lt 50 ]; then
		echo "only $n files listed by git ls-files: not a git checkout?"
		return 1
	fi
	return $missing
}
check "every source file carries an SPDX line" spdx_missing

bpf_license() {
	local f bad=0
	for f in "$SRC"/src/bpf/*.bpf.c; do
		[ -e "$f" ] || continue
		head -n 1 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-only' || { echo "$f: not GPL-2.0-only"; bad=1; }
	done
	return $bad
}
check "BPF programs are GPL-2.0-only" bpf_license

check "src/lib: each stage includes only its own folder and the stages below it" \
	"$SRC/tools/check-layers.sh" "$SRC/src/lib"

abi_matches() {
	local exported declared header
	exported=$(nm -D --defined-only "$LIB" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
	declared=$(grep -oE '^\s+joulestat_[a-z0-9_]+;' "$SRC/src/lib/libjoulestat.sym" | tr -d ' \t;' | sort)
	header=$(grep -oE 'JOULESTAT_API [^(]*\(' "$SRC/include/joulestat.h" |
		grep -oE 'joulestat_[a-z0-9_]+\($' | tr -d '(' | sort)
	if [ "$exported" != "$declared" ] || [ "$declared" != "$header" ]; then
		diff <(echo "$exported") <(echo "$declared") | sed 's/^/exported vs .sym: /'
		diff <(echo "$declared") <(echo "$header") | sed 's/^/.sym vs header: /'
		return 1
	fi
}
check "exported symbols = libjoulestat.sym = JOULESTAT_API in joulestat.h" abi_matches

check "the library has soname libjoulestat.so.0" \
	bash -c 'objdump -p "$0" | grep -qE "SONAME +libjoulestat\.so\.0$"' "$LIB"

pc_program() {
	cat >"$TMP/pc.c" <<'C'
#include <stdio.h>
#include <joulestat.h>
int main(void)
{
	struct joulestat_opts o = { .sz = sizeof(o) };
	struct joulestat *js;
	int r = joulestat_new(&o, &js);

	if (r < 0)
		return 1;
	printf("%s %u\n", joulestat_version(), joulestat_cpu_count(js));
	joulestat_free(js);
	return 0;
}
C
	local root=$TMP/root pcdir libdir
	meson install -C "$BUILDDIR" --destdir "$root" --no-rebuild --quiet >/dev/null || return 1
	pcdir=$(dirname "$(find "$root" -name libjoulestat.pc | head -n 1)")
	libdir=$(dirname "$(find "$root" -name 'libjoulestat.so.0' | head -n 1)")
	[ -f "$pcdir/libjoulestat.pc" ] && [ -f "$root/usr/local/include/joulestat.h" ] || return 1
	# shellcheck disable=SC2046
	cc -std=c99 -Wall -Werror -o "$TMP/pc" "$TMP/pc.c" \
		$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs libjoulestat) &&
		LD_LIBRARY_PATH="$libdir" "$TMP/pc" | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+[-0-9a-z]* [1-9]'
}
check "the installed header, library and libjoulestat.pc build a C99 program that runs" pc_program

done_testing
