#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-podman.sh - the container image with the real Podman: the image is
# built (deploy/image/build-image.sh, its Debian root cached between runs),
# run as the exporter the way docs/CONTAINERS.md says (host PID namespace,
# capabilities, no --privileged), beside two containers started by name, one
# spinning and one waking now and then. /metrics from the exporter names
# the spinning container, by its name from Podman's API, with the larger
# energy; `joulestat top --group container` on the host agrees; once the
# spinning one is removed, its series leave after the TTL. Skips only
# where Podman cannot run a container at all (not root, no podman or runc,
# a runtime that refuses this machine), saying why.
. "$(dirname "$0")/lib.sh"

SKIP() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || SKIP "needs root: rootful Podman"
command -v podman >/dev/null || SKIP "podman is not installed (Debian: podman)"
command -v runc >/dev/null || SKIP "runc is not installed (Debian: runc)"
command -v mmdebstrap >/dev/null || SKIP "mmdebstrap is not installed (Debian: mmdebstrap)"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$JS")/../.." && pwd)
CACHE=${JOULESTAT_IMAGE_CACHE:-/var/tmp/joulestat-image-cache}
TAG=localhost/joulestat:test-$$
EXP=js-exporter-$$ SPIN=js-spin-$$ IDLE=js-idle-$$
# Podman here: runc (crun refuses hybrid cgroups), ulimits at or below the
# host's (nothing may raise them), cgroupfs manager (no systemd).
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nproc" = unlimited ] && nproc=4194304
nofile=$((nofile < 1024 ? nofile : 1024)) nproc=$((nproc < 1000 ? nproc : 1000))
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
RUN=("${PODMAN[@]}" run --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

EXTRA_CLEANUP='"${PODMAN[@]}" rm -f -t 0 "$EXP" "$SPIN" "$IDLE" >/dev/null 2>&1; "${PODMAN[@]}" rmi -f "$TAG" >/dev/null 2>&1'
if ! deploy_out=$(nice "$SRC/deploy/image/build-image.sh" --build-dir "$BUILD" --cache "$CACHE" \
	--tag "$TAG" 2>&1); then
	echo "$deploy_out" | sed 's/^/# /'
	echo "not ok 1 - the image builds"
	echo "1..1"
	exit 1
fi
echo "# ${deploy_out##*$'\n'}"
# A runtime that cannot start a container on this machine at all: the one reason to skip.
if ! out=$("${RUN[@]}" --rm --entrypoint true "$TAG" 2>&1); then
	SKIP "Podman cannot run a container here: $(echo "$out" | tail -1)"
fi
echo "ok 1 - the image builds and Podman runs it"
TAP_N=1

PORT=$("$FREE_PORT")
# Podman's API, read-only for the exporter, on a socket of this test's.
bg "${PODMAN[@]}" system service --time=0 "unix://$TMP/podman.sock"
wait_for 30 test -S "$TMP/podman.sock" || { echo "# podman system service did not start"; }
# The exporter, as docs/CONTAINERS.md runs it: Podman's seccomp profile,
# with bpf() and perf_event_open() allowed to CAP_BPF.
/usr/bin/python3 "$SRC/deploy/image/seccomp-profile.py" /usr/share/containers/seccomp.json \
	"$TMP/seccomp.json"
"${RUN[@]}" -d --name "$EXP" --pid=host --cgroupns=host --network=host \
	--cap-drop=all --cap-add=BPF,PERFMON,SYS_PTRACE,DAC_READ_SEARCH \
	--security-opt "seccomp=$TMP/seccomp.json" \
	-v /sys/fs/cgroup:/sys/fs/cgroup:ro -v /sys/kernel/btf:/sys/kernel/btf:ro \
	-v "$TMP/podman.sock:/run/podman/podman.sock" \
	"$TAG" serve --listen "127.0.0.1:$PORT" --group container --no-config -i 0.5 --ttl 3 \
	>"$TMP/exp.id" 2>"$TMP/exp.err" || cat "$TMP/exp.err"
"${RUN[@]}" -d --name "$SPIN" --entrypoint sh "$TAG" -c 'while :; do :; done' >/dev/null
"${RUN[@]}" -d --name "$IDLE" --entrypoint sh "$TAG" -c 'while :; do sleep 0.2; done' >/dev/null
# The spinning container is niced from the host: it shares the machine.
for p in $("${PODMAN[@]}" top "$SPIN" pid 2>/dev/null | tail -n +2); do renice -n 19 -p "$p" >/dev/null; done

# energy NAME FILE: the container's energy in a /metrics page, 0 when absent.
energy() {
	awk -v n="container=\"$1\"" '/^joulestat_group_energy_joules_total\{/ && index($0, n) {print $2; f=1} END {if (!f) print 0}' "$2"
}
export -f energy
export PORT SPIN IDLE TMP EXP
scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics" 2>/dev/null; }
export -f scrape

check "the exporter serves /metrics from its container" \
	wait_for 60 bash -c 'scrape && grep -q "^joulestat_group_energy_joules_total" "$TMP/metrics"'
check "/metrics names the spinning container by its name, with container_id and a share larger than the idle one's" \
	wait_for 60 bash -c 'scrape && s=$(energy "$SPIN" "$TMP/metrics") && i=$(energy "$IDLE" "$TMP/metrics") &&
		grep -q "container=\"$SPIN\",container_id=\"[0-9a-f]\{64\}\"" "$TMP/metrics" &&
		awk -v s="$s" -v i="$i" "BEGIN {exit !(s > 0 && s > 2 * i)}"'
check "the idle container is named too (Podman answered for every id)" \
	bash -c 'grep -q "container=\"$IDLE\"" "$TMP/metrics" || ! grep -q "container=\"[0-9a-f]\{64\}\"" "$TMP/metrics"'
check "the exporter's eBPF collector runs in its container, without --privileged, with only its capabilities" \
	bash -c '[ "$(podman inspect --format "{{.HostConfig.Privileged}}" "$EXP")" = false ] &&
		podman inspect --format "{{.EffectiveCaps}}" "$EXP" | grep -q CAP_BPF &&
		! podman inspect --format "{{.EffectiveCaps}}" "$EXP" | grep -q CAP_SYS_ADMIN &&
		grep -q "^joulestat_attribution_info{.*collector=\"ebpf\"" "$TMP/metrics"'
# The host agrees: top, asking the same Podman.
"$JS" top --batch -n 4 -i 0.5 --no-config --group container --podman-socket "$TMP/podman.sock" \
	--docker-socket none >"$TMP/top.out" 2>"$TMP/top.err"
check "top --group container on the host names both, the spinning one above the idle one" \
	bash -c 'last=$(awk "/^CONTAINER/ {n++} {f[n] = f[n] \$0 \"\\n\"} END {printf \"%s\", f[n]}" "$TMP/top.out") &&
		s=$(echo "$last" | grep -n "^$SPIN (" | cut -d: -f1) && [ -n "$s" ] &&
		i=$(echo "$last" | grep -n "^$IDLE (" | cut -d: -f1) &&
		{ [ -z "$i" ] || [ "$s" -lt "$i" ]; } || { cat "$TMP/top.out" "$TMP/top.err"; false; }'
# A container that is gone leaves the exported series after the TTL (3 s here).
"${PODMAN[@]}" rm -f -t 0 "$SPIN" >/dev/null 2>&1
check "the removed container's series leave /metrics after the TTL" \
	wait_for 60 bash -c 'scrape && grep -q "^joulestat_group_energy_joules_total" "$TMP/metrics" &&
		! grep -q "container=\"$SPIN\"" "$TMP/metrics"'
done_testing
