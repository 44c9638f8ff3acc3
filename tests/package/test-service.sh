#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-service.sh - joulestat.service as installed. No systemd runs as PID 1
# here, so what can be run for real is: systemd-analyze verify on the unit
# (and with the msr drop-in), systemd-analyze security scoring it under a
# pinned ceiling, and the daemon (the unit's command), serve and record run
# as a user of their own holding exactly the unit's capabilities (setpriv: ambient, inheritable and bounding
# sets, no_new_privs), with eBPF active and every RAPL domain read from
# root-only energy_uj files; dropping any one capability makes them fail
# with a message naming it.
. "$(dirname "$0")/../integration/lib.sh"
require systemd-analyze setpriv curl
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP setpriv and the unit's sandbox need root"
	exit 77
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
# The exposure systemd-analyze security gives the unit is at most this
# (tenths): 2.4 today. Raise it only with a reason in docs/INSTALL.md.
EXPOSURE_CEILING=24

D=$TMP/root
meson install -C "$BUILDDIR" --destdir "$D" --no-rebuild --quiet >/dev/null
UNIT=$(find "$D" -path '*/systemd/system/joulestat.service' | head -n 1)
MANDIR=$(find "$D" -path '*/man1/joulestat.1' | head -n 1)
MANDIR=${MANDIR%/man1/joulestat.1}
# The root verify resolves units in: the unit, and systemd's own targets.
mkdir -p "$D/lib/systemd/system"
cp -rn /lib/systemd/system/. "$D/lib/systemd/system/" 2>/dev/null
verify() { MANPATH=$MANDIR systemd-analyze verify --root="$D" "$UNIT"; }

check "systemd-analyze verify accepts joulestat.service (its command, man page and directives)" \
	bash -c "$(declare -f verify); D=$D UNIT=$UNIT MANDIR=$MANDIR; out=\$(verify 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
mkdir -p "$D/etc/systemd/system/joulestat.service.d"
cp "$(find "$D" -path '*/joulestat/systemd/msr.conf')" "$D/etc/systemd/system/joulestat.service.d/msr.conf"
check "... and with the msr drop-in in place" \
	bash -c "$(declare -f verify); D=$D UNIT=$UNIT MANDIR=$MANDIR; out=\$(verify 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
rm -r "$D/etc/systemd/system/joulestat.service.d"
systemd-analyze security --offline=true --root="$D" "$UNIT" >"$TMP/security.txt" 2>&1
EXPOSURE=$(sed -n 's/.*Overall exposure level for joulestat.service: \([0-9.]*\).*/\1/p' "$TMP/security.txt")
check "systemd-analyze security: exposure $EXPOSURE, at most $EXPOSURE_CEILING/10" \
	systemd-analyze security --offline=true --root="$D" --threshold="$EXPOSURE_CEILING" "$UNIT"
check "... with no new privileges, a strict read-only system, no home, a private /tmp" \
	bash -c 'for d in NoNewPrivileges= ProtectSystem= ProtectHome= PrivateTmp= RestrictAddressFamilies=~AF_PACKET; do
		grep -q "✓ $d" "$0" || { echo "not ✓: $d"; exit 1; }; done' "$TMP/security.txt"

# No seccomp filter can be applied here without systemd: check instead that
# the unit's SystemCallFilter= lets through the calls joulestat makes beyond
# an ordinary service's (the eBPF collector's bpf and sched_setaffinity, the
# perf PMU's perf_event_open, caps.c's capget).
expand_calls() { # NAME...: system calls, with @groups expanded
	local n l
	for n in "$@"; do
		case $n in
		@*) systemd-analyze syscall-filter "$n" 2>/dev/null | sed -n 's/^ \{4\}\([@a-z0-9_]*\)$/\1/p' |
			while read -r l; do expand_calls "$l"; done ;;
		*) echo "$n" ;;
		esac
	done
}
allowed_calls() {
	local line allow="" deny=""
	while IFS= read -r line; do
		case $line in
		"~"*) deny+=" ${line#\~}" ;;
		*) allow+=" $line" ;;
		esac
	done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
	# shellcheck disable=SC2086
	comm -23 <(expand_calls $allow | sort -u) <(expand_calls $deny | sort -u)
}
check "the unit's system call filter lets through bpf, perf_event_open, sched_setaffinity, capget" \
	bash -c "$(declare -f expand_calls allowed_calls); UNIT=$UNIT; a=\$(allowed_calls)
		[ \$(wc -l <<<\"\$a\") -gt 100 ] || { echo \"only: \$a\"; exit 1; }
		for c in bpf perf_event_open sched_setaffinity capget ioctl mmap; do
			grep -qx \$c <<<\"\$a\" || { echo \"\$c is filtered out\"; exit 1; }; done"

# The unit's capabilities, as setpriv spells them (bpf,perfmon,...).
caps_of() { sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | sed -n 's/^CAP_//p' | tr 'A-Z' 'a-z' | sort; }
AMBIENT=$(caps_of AmbientCapabilities)
check "the unit's ambient set is its bounding set: bpf, perfmon, dac_read_search, sys_ptrace" \
	bash -c '[ "$0" = "$1" ] && [ "$(echo $0)" = "bpf dac_read_search perfmon sys_ptrace" ]' \
	"$AMBIENT" "$(caps_of CapabilityBoundingSet)"
# as_unit CAPS CMD...: CMD as an unprivileged user holding exactly CAPS (comma list of names).
UID_=64321
as_unit() {
	local set
	set=$(tr ' ' '\n' <<<"$1" | grep . | sed 's/^/+/' | paste -sd,)
	setpriv --reuid "$UID_" --regid "$UID_" --clear-groups --no-new-privs \
		--inh-caps "-all${set:+,$set}" --ambient-caps "-all${set:+,$set}" \
		--bounding-set "-all${set:+,$set}" -- "${@:2}"
}
# CapEff of PID as a sorted list of names.
capnum() { case $1 in dac_read_search) echo 2 ;; sys_rawio) echo 17 ;; sys_ptrace) echo 19 ;;
	perfmon) echo 38 ;; bpf) echo 39 ;; *) echo 99 ;; esac; }
mask_of() { local m=0 c; for c in $1; do m=$((m | 1 << $(capnum "$c"))); done; printf '%016x\n' "$m"; }

# The fixture: a two-socket RAPL tree whose energy_uj files are root's and
# 0400, as since Linux 5.10, with the running kernel's BTF for eBPF.
synthetic_rapl "$TMP/fx"
find -L "$TMP/fx/sys/class/powercap" -name energy_uj -exec chmod 0400 {} +
check "the fixture's energy_uj files are all root's, mode 0400 (as since Linux 5.10)" \
	bash -c 'find -L "$0" -name energy_uj -exec stat -L -c "%i %U %a" {} + | sort -u >"$1" &&
		[ -s "$1" ] && [ "$(cut -d" " -f2- "$1" | sort -u)" = "root 400" ] || { cat "$1"; exit 1; }' \
	"$TMP/fx/sys/class/powercap" "$TMP/perms"
mkdir -p "$TMP/fx/sys/kernel"
ln -s /sys/kernel/btf "$TMP/fx/sys/kernel/btf"
chmod 0755 "$TMP"
mkdir -m 0755 "$TMP/run" && chown "$UID_:$UID_" "$TMP/run"
# The users below run a copy of the command and its library: the build
# directory may sit below one that only root can enter (a clone in a
# mktemp -d directory, mode 0700), and the user without capabilities could
# then not even start it.
mkdir -m 0755 "$TMP/bin"
cp "$JS" "$TMP/bin/joulestat"
for d in ${LD_LIBRARY_PATH//:/ }; do cp -P "$d"/libjoulestat.so* "$TMP/bin/" 2>/dev/null; done
chmod -R a+rX "$TMP/bin"
JS=$TMP/bin/joulestat
export LD_LIBRARY_PATH=$TMP/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
ARGS=(--sysfs-root "$TMP/fx/sys" --activity ebpf --source powercap --no-config)

# serve_as CAPS LOG ARGS...: serve as the unit's user; port in $SERVE_PORT when it listens.
serve_as() {
	local caps=$1 log=$2
	shift 2
	bg as_unit "$caps" "$JS" serve --listen 127.0.0.1:0 "${ARGS[@]}" "$@" 2>"$log"
	SERVE_PID=$BG
	wait_for 15 grep -q "listening on http://127.0.0.1:" "$log" || { cat "$log"; return 1; }
	SERVE_PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
}
check "serve runs as uid $UID_ with exactly the unit's capabilities" \
	serve_as "$AMBIENT" "$TMP/serve.log" -i 0.5 --openmetrics-file "$TMP/run/joulestat.om"
URL=http://127.0.0.1:$SERVE_PORT
wait_for 15 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [3-9]'"
PID=$(pgrep -P "$SERVE_PID" -x joulestat || echo "$SERVE_PID")
check "... its effective and bounding sets are the unit's, nothing more" \
	bash -c 'st=/proc/$0/status; grep -q "^Uid:.*\b$1\b" $st &&
		[ "$(sed -n "s/^CapEff:\t//p" $st)" = "$2" ] && [ "$(sed -n "s/^CapBnd:\t//p" $st)" = "$2" ] &&
		[ "$(sed -n "s/^NoNewPrivs:\t//p" $st)" = 1 ] || { grep -E "^(Uid|Cap|NoNew)" $st; exit 1; }' \
	"$(pgrep -f "^$JS serve" -u "$UID_" | head -n 1)" "$UID_" "$(mask_of "$AMBIENT")"
curl -s "$URL/metrics" >"$TMP/m.txt"
check "... with the eBPF collector active" grep -q '^joulestat_attribution_info{.*collector="ebpf"' "$TMP/m.txt"
check "... every RAPL domain read from the root-only files, none refused" \
	bash -c '[ "$(grep -c "^joulestat_domain_energy_joules_total{.*source=\"powercap\"" "$0")" = 7 ] &&
		[ "$(grep -c "^joulestat_domain_readings_refused_total{.*} 0$" "$0")" = 7 ] &&
		grep -qE "^joulestat_domain_energy_joules_total\{domain=\"psys\".*\} [0-9]*[1-9]" "$0"' "$TMP/m.txt"
check "... and the OpenMetrics file written in its runtime directory, readable by others" \
	bash -c '[ "$(stat -c "%U %a" "$0")" = "'"$UID_"' 644" ] || [ "$(stat -c "%u %a" "$0")" = "'"$UID_"' 644" ]' "$TMP/run/joulestat.om"
stop "$SERVE_PID"

check "record runs with exactly the unit's capabilities: eBPF, every domain" \
	bash -c "$(declare -f as_unit); UID_=$UID_; as_unit \"\$0\" \"\$1\" record -o \"\$2/run/r.jsonl\" -d 1.5 -i 0.5 ${ARGS[*]} &&
		head -n 1 \"\$2/run/r.jsonl\" | jq -e '[.domains[] | select(.source == \"powercap\")] | length == 7' >/dev/null &&
		grep -q '\"collector\":\"ebpf\"' \"\$2/run/r.jsonl\"" "$AMBIENT" "$JS" "$TMP"

# The unit's command is the daemon: as the unit's user with exactly its
# capabilities, its socket in the runtime directory; an ordinary user
# holding no capability asks it and gets eBPF and the root-only counters.
mkdir -m 0750 "$TMP/run/state" && chown "$UID_:$UID_" "$TMP/run/state"
DSOCK=$TMP/run/joulestat.sock
bg as_unit "$AMBIENT" "$JS" daemon --socket "$DSOCK" --state-dir "$TMP/run/state" -i 0.5 "${ARGS[@]}" \
	2>"$TMP/daemon.log"
check "the daemon runs as uid $UID_ with exactly the unit's capabilities, its socket open to all" \
	bash -c 'for _ in $(seq 100); do [ -S "$0" ] && break; sleep 0.1; done
		[ "$(stat -c "%a" "$0")" = 666 ] && [ "$(stat -c "%u" "$0")" = "$1" ] || { ls -l "$0"; cat "$2"; exit 1; }' \
	"$DSOCK" "$UID_" "$TMP/daemon.log"
# The daemon itself, not the shell that started it.
DAEMON_PID=$(pgrep -P "$BG" -x joulestat || echo "$BG")
BG_PIDS+=("$DAEMON_PID")
as_user() { setpriv --reuid 64322 --regid 64322 --clear-groups --no-new-privs --inh-caps -all \
	--bounding-set -all -- "$@"; }
check "... an unprivileged user's probe through it: eBPF, every RAPL domain, via daemon" \
	bash -c "$(declare -f as_user); as_user \"\$0\" probe --json --no-config --daemon --socket \"\$1\" >\"\$2/probe.json\" &&
		jq -e '.activity.collector == \"ebpf\" and .daemon != null and
			([.domains[] | select(.source == \"powercap\")] | length) == 7' \"\$2/probe.json\" ||
		{ cat \"\$2/probe.json\" \"\$2/daemon.log\"; exit 1; }" "$JS" "$DSOCK" "$TMP"
check "... and its counters saved in its state directory when it stops" \
	bash -c 'kill -TERM "$0"; for _ in $(seq 100); do kill -0 "$0" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$0" 2>/dev/null && [ "$(stat -c "%u" "$1"/daemon.state)" = "$2" ] || { cat "$3"; exit 1; }' \
	"$DAEMON_PID" "$TMP/run/state" "$UID_" "$TMP/daemon.log"
stop "$DAEMON_PID"

# Each capability dropped in turn: the command fails and names it.
expect_named() { # DROP WANT VERB ARGS...
	local caps rc=0
	caps=$(grep -vx "$1" <<<"$AMBIENT")
	as_unit "$caps" timeout 20 "$JS" "$3" "${@:4}" >"$TMP/drop.out" 2>&1 || rc=$?
	cat "$TMP/drop.out"
	[ "$rc" = 1 ] && grep -q "$2" "$TMP/drop.out"
}
check "without CAP_BPF, serve fails naming it" \
	expect_named bpf "lacks CAP_BPF" serve --listen 127.0.0.1:0 "${ARGS[@]}" -i 0.2
check "without CAP_PERFMON, serve fails naming it" \
	expect_named perfmon "lacks CAP_PERFMON" serve --listen 127.0.0.1:0 "${ARGS[@]}" -i 0.2
check "without CAP_DAC_READ_SEARCH, serve fails naming it (RAPL's files are root's)" \
	expect_named dac_read_search "lacks CAP_DAC_READ_SEARCH" serve --listen 127.0.0.1:0 "${ARGS[@]}" -i 0.2
check "without CAP_BPF, record fails naming it" \
	expect_named bpf "lacks CAP_BPF" record -o "$TMP/run/x.jsonl" -d 1 "${ARGS[@]}"
# CAP_SYS_PTRACE: per-process GPU time reads other users' /proc/PID/fd links
# and fdinfo (DRM clients), which the kernel checks as a ptrace read.
bg sleep 600
ROOT_PID=$BG
check "with the unit's capabilities, another user's fd links and fdinfo are readable" \
	as_unit "$AMBIENT" bash -c 'readlink /proc/$0/fd/0 && cat /proc/$0/fdinfo/0 >/dev/null' "$ROOT_PID"
check "... and without CAP_SYS_PTRACE they are not" \
	bash -c "$(declare -f as_unit); UID_=$UID_; ! as_unit \"\$(grep -vx sys_ptrace <<<\"\$0\")\" readlink /proc/\$1/fd/0" \
	"$AMBIENT" "$ROOT_PID"

done_testing
