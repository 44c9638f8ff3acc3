#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-example.sh - the library as its users get it: installed into a
# scratch root, examples/ built with pkg-config against that install and
# run (poll loop, snapshots, per-PID batch query), the global monitor
# example run as an unprivileged user against a daemon, and the
# libjoulestat(3) man page rendered by man -l without warnings, matching
# the header.
. "$(dirname "$0")/tap.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
MAN=$SRC/docs/libjoulestat.3

check "man -l renders libjoulestat(3)" \
	bash -c 'out=$(MANWIDTH=80 man -l "$0" 2>"$1") && [ ! -s "$1" ] &&
		for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS EXAMPLE; do
			printf "%s\n" "$out" | grep -q "^$s" || { echo "no section $s"; exit 1; }
		done' "$MAN" "$TMP/man.err"
check "groff finds nothing to warn about in libjoulestat(3)" \
	bash -c 'w=$(LC_ALL=C groff -man -ww -z "$0" 2>&1); [ -z "$w" ] || { echo "$w"; exit 1; }' "$MAN"

man_matches_header() {
	local f bad=0
	# Every function the SYNOPSIS shows exists in the header...
	for f in $(grep -oE '^\.BI "[^"]*\b(joulestat_[a-z_]+)\(' "$MAN" | grep -oE 'joulestat_[a-z_]+\($' | tr -d '('); do
		grep -q "JOULESTAT_API.*\b$f(" "$SRC/include/joulestat.h" || { echo "man shows $f: not in the header"; bad=1; }
	done
	# ...and every snapshot-API function of the header is in the man page.
	for f in joulestat_sample joulestat_snapshot_get joulestat_snapshot_domain_get \
		joulestat_snapshot_task_get joulestat_snapshot_row_count joulestat_snapshot_row_get \
		joulestat_snapshot_ref joulestat_snapshot_free joulestat_set_groups joulestat_tree_add \
		joulestat_pid_energy joulestat_pid_energy_batch joulestat_fd joulestat_dispatch; do
		grep -q "JOULESTAT_API.*\b$f(" "$SRC/include/joulestat.h" || { echo "header lost $f"; bad=1; }
		grep -q "$f" "$MAN" || { echo "man lacks $f"; bad=1; }
	done
	return $bad
}
check "the man page and the header name the same calls" man_matches_header

build_example() {
	local root=$TMP/root pcdir libdir
	meson install -C "$BUILDDIR" --destdir "$root" --no-rebuild --quiet >/dev/null || return 1
	pcdir=$(dirname "$(find "$root" -name libjoulestat.pc | head -n 1)")
	libdir=$(dirname "$(find "$root" -name 'libjoulestat.so.0' | head -n 1)")
	[ -f "$pcdir/libjoulestat.pc" ] || { echo "no libjoulestat.pc installed"; return 1; }
	cp -r "$SRC/examples" "$TMP/examples"
	PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root \
		make -s -C "$TMP/examples" CFLAGS="-O2 -Wall -Wextra -Werror" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log"; return 1; }
	echo "$libdir" >"$TMP/libdir"
}
check "examples/ builds with pkg-config against the installed library (-Werror)" build_example

check "the example samples three intervals from its poll loop and answers a PID batch" \
	bash -c 'LD_LIBRARY_PATH=$(cat "$0/libdir") "$0/examples/energy-monitor" -n 3 -i 100 $$ 999999 \
		>"$0/ex.out" 2>"$0/ex.err" || { cat "$0/ex.err"; exit 1; }
		grep -q "^libjoulestat [0-9]" "$0/ex.out" &&
		[ "$(grep -c "^interval [123]: " "$0/ex.out")" -eq 3 ] &&
		grep -qE "^  ledger: [0-9]+ uJ = tasks [0-9]+ \+ idle [0-9]+ \+ unattributed [0-9]+$" "$0/ex.out" &&
		grep -q "^pid 999999: not seen$" "$0/ex.out" &&
		grep -qE "^pid $$: ([0-9]+ uJ|not seen)" "$0/ex.out" ||
		{ cat "$0/ex.out"; exit 1; }' "$TMP"
check "each interval's ledger balances in the example's output" \
	bash -c 'awk "/^  ledger:/ { n++; if (\$2 != \$6 + \$9 + \$12) { print; bad = 1 } }
		END { if (n != 3) { print n \" ledger lines\"; bad = 1 } exit bad }" "$0/ex.out"' "$TMP"

# The global monitor: a program without privileges asks the daemon for its
# own and its children's energy, from several threads at once.
global_monitor() {
	local dpid out
	"$JS" daemon --no-config --socket "$TMP/d.sock" --source model --no-state -i 0.2 \
		>"$TMP/daemon.log" 2>&1 &
	dpid=$!
	for _ in $(seq 100); do [ -S "$TMP/d.sock" ] && break; sleep 0.1; done
	chmod 711 "$TMP"
	chmod -R a+rX "$TMP/examples" "$TMP/root"
	out=$(JOULESTAT_SOCKET=$TMP/d.sock LD_LIBRARY_PATH=$(cat "$TMP/libdir") \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		timeout 60 "$TMP/examples/global-monitor" -c 3 -w 300 2>&1 </dev/null)
	local r=$?
	kill "$dpid"
	wait "$dpid"
	echo "$out"
	[ $r -eq 0 ] && grep -q "this user sees own" <<<"$out" &&
		[ "$(grep -cE "^pid [0-9]+ \(child\): [1-9][0-9]* uJ" <<<"$out")" -eq 3 ] &&
		grep -qE "^pid [0-9]+ \(self\): [0-9]+ uJ" <<<"$out" &&
		grep -qE "^children: [1-9][0-9]* uJ" <<<"$out"
}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
	getent group nogroup >/dev/null; then
	check "global-monitor, as nobody, gets its children's energy from the daemon" global_monitor
else
	echo "ok $((TAP_N += 1)) # SKIP the daemon and an unprivileged user need root"
fi

done_testing
