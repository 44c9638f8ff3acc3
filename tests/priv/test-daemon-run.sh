#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-daemon-run.sh - an ordinary user's `joulestat run` through the daemon
# is measured with eBPF, as root's would be: the whole tree, short-lived
# and orphaned grandchildren included, against the kernel's own count of
# the tree's CPU time (rusage of the reaped children). Needs root and BTF
# (exit 77 elsewhere); the user is made and removed by the test.
set -u
JS=${JOULESTAT_BIN:?JOULESTAT_BIN is not set: run through meson test}
DCLIENT=${JOULESTAT_DCLIENT:?JOULESTAT_DCLIENT is not set}
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ] || ! command -v setpriv >/dev/null ||
	! command -v useradd >/dev/null; then
	echo "1..0 # SKIP needs root, BTF, setpriv and useradd"
	exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/joulestat-priv-XXXXXX")
A=jsdr$$
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	for _ in $(seq 50); do [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	userdel "$A" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
N=0
FAILED=0
echo "1..4"
ok() {
	N=$((N + 1))
	if "$@" >"$TMP/out" 2>&1; then
		echo "ok $N - $DESC"
	else
		echo "not ok $N - $DESC"
		sed 's/^/# /' "$TMP/out" | head -30
		FAILED=$((FAILED + 1))
	fi
}

S=$TMP/d.sock
"$JS" daemon --no-config --socket "$S" --activity ebpf --source model --no-state -i 0.5 \
	>"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	"$DCLIENT" raw "$S" '{"op":"hello","protocol":1}' >/dev/null 2>&1 && break
	sleep 0.1
done
DESC="the daemon runs with the eBPF collector"
ok bash -c '"$0" probe --json --no-config --socket "$1" -i 0.05 | jq -e ".activity.collector == \"ebpf\" and .daemon != null"' \
	"$JS" "$S"

useradd -M -N -s /usr/sbin/nologin "$A"
U=$TMP/u
mkdir -p "$U/bin" "$U/lib" "$U/out"
cp "$JS" "$U/bin/joulestat"
cp -L "$(ldd "$JS" | awk '/libjoulestat/ { print $3 }')" "$U/lib/"
chmod 711 "$TMP"
chmod -R a+rX "$U"
chown "$A" "$U/out"
as_a() { setpriv --reuid="$A" --regid="$(id -g "$A")" --init-groups "$@" </dev/null; }

# The tree of test-run.sh: the child forks short-lived grandchildren in the
# background and exits at once, so they run as orphans; then it burns CPU.
TREE='for i in 1 2 3 4 5 6 7 8; do (sh -c "i=0; while [ \$i -lt 3000 ]; do i=\$((i+1)); done" &); done
i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.3'
DESC="A's run through the daemon: eBPF, via daemon"
ok bash -c 'setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups "$2/bin/joulestat" run --no-config \
		--socket "$3" -o "$2/out/tree.json" -- sh -c "$4" </dev/null 2>"$2/out/tree.err" &&
	jq -e ".collector == \"ebpf\" and .daemon != null" "$2/out/tree.json"' _ "$A" "$U" "$S" "$TREE"
DESC="A's tree: orphaned short-lived grandchildren counted (collector vs rusage within 10%)"
ok jq -e '(.runs[0].user_ns + .runs[0].sys_ns) as $ru | $ru > 0 and
	((.runs[0].tree_cpu_ns - $ru) | fabs) < 0.1 * $ru' "$U/out/tree.json"

# Two hundred processes of a few milliseconds each: /proc scans would miss most.
STORM='for i in $(seq 200); do sh -c "i=0; while [ \$i -lt 300 ]; do i=\$((i+1)); done"; done'
DESC="A's storm of short-lived processes: their CPU time counted (within 10% of rusage)"
ok bash -c 'setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups "$2/bin/joulestat" run --no-config \
		--socket "$3" -o "$2/out/storm.json" -- sh -c "$4" </dev/null 2>/dev/null &&
	jq -e "(.runs[0].user_ns + .runs[0].sys_ns) as \$ru | \$ru > 0 and
		((.runs[0].tree_cpu_ns - \$ru) | fabs) < 0.1 * \$ru and .runs[0].energy_uj > 0" \
		"$2/out/storm.json"' _ "$A" "$U" "$S" "$STORM"
[ "$FAILED" -eq 0 ]
