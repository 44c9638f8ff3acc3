#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-daemon.sh - `joulestat daemon` and its clients: the socket's mode and
# lock (a second daemon is refused), socket activation, clients that send
# garbage, oversize requests or half a frame (each dropped, nobody else
# waiting), 100 clients at once while the daemon keeps sampling, the verbs
# through the daemon (and --daemon, --no-daemon), --metrics as the service
# runs it, counters kept across a restart, and who sees what: ordinary
# users made for the test see their own
# processes and other users only as one row per user, never another user's
# command names; a member of the administrators' group and root see all.
. "$(dirname "$0")/tap.sh"

DCLIENT=${JOULESTAT_DCLIENT:?JOULESTAT_DCLIENT is not set: run through meson test}
SOCKACT=${JOULESTAT_SOCKACT:?JOULESTAT_SOCKACT is not set}
NAMEW=${JOULESTAT_NAME_WORKLOAD:?JOULESTAT_NAME_WORKLOAD is not set}
S=$TMP/d.sock
USERS=()
GROUPS_MADE=()
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	for p in "${USERS[@]}"; do userdel "$p" 2>/dev/null; done
	for p in "${GROUPS_MADE[@]}"; do groupdel "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_daemon NAME SOCKET ARGS...: in the background, until it answers (10 s at most).
start_daemon() {
	local name=$1 sock=$2
	shift 2
	"$JS" daemon --no-config --socket "$sock" "$@" >"$TMP/$name.log" 2>&1 &
	echo $! >"$TMP/$name.pid"
	PIDS+=("$!")
	for _ in $(seq 100); do
		"$DCLIENT" raw "$sock" '{"op":"hello","protocol":1}' >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$TMP/$name.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/$name.log"
	return 1
}

# stop_daemon NAME: SIGTERM, and wait for it to end (10 s at most).
stop_daemon() {
	local p
	p=$(cat "$TMP/$1.pid")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
export -f start_daemon stop_daemon
export TMP JS DCLIENT

# The model source: energy everywhere, measured or not; a short interval.
DARGS=(--source model -i 0.2 --state-dir "$TMP/state")
check "the daemon starts and answers hello" start_daemon d "$S" "${DARGS[@]}"
DPID=$(cat "$TMP/d.pid")

check "hello: the protocol, the daemon's PID, when it started, the caller's view" \
	bash -c '"$0" raw "$1" "{\"op\":\"hello\",\"protocol\":1,\"id\":9}" | jq -e --argjson p "$2" "
		.ok and .id == 9 and .protocol == 1 and .pid == \$p and .restarts == 0 and
		.started_realtime_ns > 1600000000000000000 and
		.counting_since_realtime_ns == .started_realtime_ns and
		.interval_ns == 200000000 and .idle_policy == \"separate\" and .policy == \"own\" and
		(.view | IN(\"all\", \"own\"))"' "$DCLIENT" "$S" "$DPID"
check "a bad request gets an error and the connection stays" \
	bash -c 'out=$("$0" raw "$1" "{\"op\":\"reboot\"}" "{\"op\":\"pid\",\"pids\":[0]}" \
		"{\"op\":\"hello\",\"protocol\":1}") &&
		[ "$(sed -n 1p <<<"$out" | jq -r ".errno + \" \" + (.ok | tostring)")" = "EINVAL false" ] &&
		sed -n 2p <<<"$out" | jq -e ".errno == \"EINVAL\" and (.error | contains(\"pids\"))" &&
		sed -n 3p <<<"$out" | jq -e ".ok"' "$DCLIENT" "$S"
check "another protocol version is refused with the fix" \
	bash -c '"$0" raw "$1" "{\"op\":\"hello\",\"protocol\":2}" |
		jq -e ".errno == \"EPROTONOSUPPORT\" and (.error | contains(\"update\"))"' "$DCLIENT" "$S"

if [ "$(id -u)" = 0 ]; then
	check "the socket is a socket of root's, mode 0666 (anyone may ask; the answer depends on who)" \
		bash -c '[ "$(stat -c "%F %a %U %G" "$0")" = "socket 666 root root" ]' "$S"
else
	echo "ok $((TAP_N += 1)) # SKIP the socket's owner is root only when the daemon runs as root"
fi
check "a second daemon on the same socket is refused, naming the first's PID" \
	bash -c '"$0" daemon --no-config --socket "$1" --source model --no-state 2>"$2"; [ $? -eq 1 ] &&
		grep -q "another joulestat daemon (PID $3) holds $1" "$2"' "$JS" "$S" "$TMP/err" "$DPID"
check "the first still answers" "$DCLIENT" raw "$S" '{"op":"hello","protocol":1}'
check "a path that is not a socket is refused, not replaced" \
	bash -c 'touch "$1.file" && "$0" daemon --no-config --socket "$1.file" --source model --no-state 2>"$2";
		[ $? -eq 1 ] && grep -q "exists and is not a socket" "$2" && [ -f "$1.file" ]' \
	"$JS" "$S" "$TMP/err"

# Clients that do not speak the protocol are dropped; everyone else is served.
check "garbage (an HTTP request) gets EPROTO, then the daemon hangs up" \
	bash -c '"$0" garbage "$1" | head -1 | jq -e ".errno == \"EPROTO\""' "$DCLIENT" "$S"
check "a request announced over 64 KiB gets EMSGSIZE, then the daemon hangs up" \
	bash -c '"$0" oversize "$1" | head -1 | jq -e ".errno == \"EMSGSIZE\""' "$DCLIENT" "$S"
check "half a frame: dropped after the stall limit, others served meanwhile" \
	bash -c '"$0" stall "$1" 12 >"$2" & st=$!
		"$0" latency "$1" 50 1 >/dev/null || exit 1
		kill -0 $st || exit 1   # answered while the staller still hangs on
		wait $st && grep -Eq "closed after ([4-9]|1[01])\." "$2"' "$DCLIENT" "$S" "$TMP/stall"
check "100 clients at once: every one answered, and the daemon sampled meanwhile" \
	bash -c '"$0" crowd "$1" 100 3 | tee /dev/stderr | grep -q "errors 0 starved 0"' "$DCLIENT" "$S"

# The verbs through the daemon.
check "probe --json says which daemon measured" \
	bash -c '"$0" probe --json --no-config --socket "$1" -i 0.05 | jq -e --argjson p "$2" "
		.daemon.pid == \$p and .daemon.socket == \"$1\" and .daemon.interval_ns == 200000000"' \
	"$JS" "$S" "$DPID"
check "probe --no-daemon measures here" \
	bash -c '"$0" probe --json --no-config --no-daemon --socket "$1" --source model -i 0.05 |
		jq -e ".daemon == null"' "$JS" "$S"
check "--daemon with no daemon there: exit 1, naming the socket" \
	bash -c '"$0" probe --no-config --daemon --socket "$1" 2>"$2" >/dev/null; [ $? -eq 1 ] &&
		grep -q "$1" "$2" && grep -q -- "--daemon" "$2"' "$JS" "$TMP/none.sock" "$TMP/err"
check "--daemon with options only a local monitor honours: exit 2" \
	bash -c '"$0" top -b -n 1 --no-config --daemon --socket "$1" --source model 2>"$2"; [ $? -eq 2 ] &&
		grep -q "for a local monitor" "$2"' "$JS" "$S" "$TMP/err"
check "top through the daemon says so in its header" \
	bash -c '"$0" top -b -n 1 -i 0.3 --no-config --socket "$1" | head -1 | grep -q "via daemon (PID $2)"' \
	"$JS" "$S" "$DPID"
check "run through the daemon: the tree's energy, and 'via daemon'" \
	bash -c '"$0" run --no-config --socket "$1" -o "$2" -- sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done" 2>"$3" &&
		grep -q "via daemon (PID $4)" "$3" &&
		jq -e --arg s "$1" ".daemon == \$s and .runs[0].energy_uj > 0 and .runs[0].tree_cpu_ns > 0" "$2"' \
	"$JS" "$S" "$TMP/run.json" "$TMP/run.err" "$DPID"
check "record through the daemon: the recording's header names the socket" \
	bash -c '"$0" record --no-config --socket "$1" -i 0.2 -d 0.5 -o "$2" 2>/dev/null &&
		head -1 "$2" | jq -e --arg s "$1" ".options.daemon == \$s" &&
		"$0" report "$2" >/dev/null' "$JS" "$S" "$TMP/rec.jsonl"

# Restart: the counters of a long-lived process and of the users go on.
"$NAMEW" 6c6f6e676c69766564 0 60 >"$TMP/long.pid" &
PIDS+=("$!")
LONG=$!
sleep 1
pid_energy() { "$DCLIENT" raw "$S" "{\"op\":\"pid\",\"pids\":[$1]}" | jq -r '.pids[0].energy_uj'; }
E1=$(pid_energy "$LONG")
HELLO1=$("$DCLIENT" raw "$S" '{"op":"hello","protocol":1}')
stopped_state() {
	local f=$TMP/state/daemon.state
	stop_daemon d && head -1 "$f" | grep -qx "joulestat-state 1" && grep -q "^process $LONG " "$f" &&
		[ "$(stat -c %a "$f")" = 644 ] && ! ls "$f".* 2>/dev/null
}
check "stopped: the state file is written whole, with the long-lived process" stopped_state
restarted() {
	local h2 e2
	start_daemon d2 "$S" "${DARGS[@]}" || return 1
	h2=$("$DCLIENT" raw "$S" '{"op":"hello","protocol":1}')
	jq -e --argjson h1 "$HELLO1" '.restarts == 1 and
		.counting_since_realtime_ns == $h1.counting_since_realtime_ns and
		.started_realtime_ns > $h1.started_realtime_ns' <<<"$h2" || return 1
	sleep 0.6
	e2=$(pid_energy "$LONG")
	echo "before $E1, after $e2"
	[ "$e2" -gt "$E1" ]
}
check "restarted: counting goes on (a restart counted, since unchanged, energy not lost)" restarted
DPID=$(cat "$TMP/d2.pid" 2>/dev/null)

activated() {
	local r
	"$SOCKACT" "$TMP/act.sock" 666 "$JS" daemon --no-config --socket "$TMP/act.sock" --source model \
		--no-state -i 0.2 >"$TMP/act.log" 2>&1 &
	echo $! >"$TMP/act.pid"
	PIDS+=("$!")
	for _ in $(seq 100); do
		"$DCLIENT" raw "$TMP/act.sock" '{"op":"hello","protocol":1}' >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$DCLIENT" raw "$TMP/act.sock" '{"op":"hello","protocol":1}' |
		jq -e --argjson p "$(cat "$TMP/act.pid")" '.pid == $p' &&
		grep -q "(from systemd)" "$TMP/act.log" && [ ! -e "$TMP/act.sock.lock" ]
	r=$?
	kill "$(cat "$TMP/act.pid")"
	return $r
}
check "socket activation: the passed socket is used (no lock of its own)" activated

exporter() {
	local port page r
	start_daemon m "$TMP/m.sock" --source model -i 0.2 --no-state --listen 127.0.0.1:0 \
		--openmetrics-file "$TMP/om.txt" --group user || return 1
	port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$TMP/m.log")
	sleep 0.6
	page=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 &&
		printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3 && cat <&3' "$port")
	grep -q '^joulestat_domain_energy_joules_total{domain="package-0"' <<<"$page" &&
		grep -q '^joulestat_group_energy_joules_total{user="root"}' <<<"$page" &&
		grep -q '^joulestat_domain_energy_joules_total{domain="package-0"' "$TMP/om.txt" &&
		"$DCLIENT" raw "$TMP/m.sock" '{"op":"hello","protocol":1}' >/dev/null
	r=$?
	stop_daemon m && [ ! -e "$TMP/om.txt" ] || r=1
	[ $r -eq 0 ] || { echo "port $port"; cat "$TMP/m.log"; head -20 <<<"$page"; }
	return $r
}
check "--listen and --openmetrics-file: serve's metrics from the daemon's samples" exporter

# The service's --metrics: serve's address unless the configuration's listen: says another.
metrics_flag() {
	local port page r
	printf 'daemon:\n  listen: 127.0.0.1:0\n' >"$TMP/mf.yaml"
	"$JS" daemon --config "$TMP/mf.yaml" --metrics --socket "$TMP/mf.sock" --source model \
		--no-state -i 0.2 >"$TMP/mf.log" 2>&1 &
	echo $! >"$TMP/mf.pid"
	PIDS+=("$!")
	for _ in $(seq 100); do
		"$DCLIENT" raw "$TMP/mf.sock" '{"op":"hello","protocol":1}' >/dev/null 2>&1 && break
		sleep 0.1
	done
	port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$TMP/mf.log")
	sleep 0.6
	page=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 &&
		printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3 && cat <&3' "$port")
	[ -n "$port" ] && [ "$port" != 9877 ] &&
		grep -q '^joulestat_domain_energy_joules_total{domain="package-0"' <<<"$page"
	r=$?
	stop_daemon mf || r=1
	[ $r -eq 0 ] || { echo "port $port"; cat "$TMP/mf.log"; head -20 <<<"$page"; }
	return $r
}
check "--metrics serves /metrics where the configuration's listen: says" metrics_flag

configured() {
	printf 'daemon:\n  disclose: none\n  interval: 0.3\n' >"$TMP/cfg.yaml"
	"$JS" daemon --config "$TMP/cfg.yaml" --socket "$TMP/c.sock" --source model --no-state \
		>"$TMP/c.log" 2>&1 &
	echo $! >"$TMP/c.pid"
	PIDS+=("$!")
	for _ in $(seq 100); do
		"$DCLIENT" raw "$TMP/c.sock" '{"op":"hello","protocol":1}' >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$DCLIENT" raw "$TMP/c.sock" '{"op":"hello","protocol":1}' |
		jq -e '.policy == "none" and .interval_ns == 300000000'
	local r=$?
	stop_daemon c
	return $r
}
check "the configuration file's daemon: disclose: none" configured
check "--disclose with an unknown policy exits 2" \
	bash -c '"$0" daemon --no-config --disclose most --socket "$1" 2>&1 | grep -q "not one of all, own, none"; [ ${PIPESTATUS[0]} -eq 2 ]' \
	"$JS" "$TMP/x.sock"

# Users made for the test: A and B, and C in an administrators' group of the test's own.
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v useradd >/dev/null; then
	for _ in $(seq 10); do echo "ok $((TAP_N += 1)) # SKIP users: needs root, useradd and setpriv"; done
	done_testing
	exit
fi
A=jsda$$ B=jsdb$$ C=jsdc$$ ADM=jsdadm$$
groupadd "$ADM" && GROUPS_MADE+=("$ADM")
useradd -M -N -s /usr/sbin/nologin "$A" && USERS+=("$A")
useradd -M -N -s /usr/sbin/nologin "$B" && USERS+=("$B")
useradd -M -N -s /usr/sbin/nologin -G "$ADM" "$C" && USERS+=("$C")
# The command, its library and the workload where those users can run them.
U=$TMP/u
mkdir -p "$U/bin" "$U/lib"
cp "$JS" "$DCLIENT" "$U/bin/"
# A command named so at exec: the name every collector sees from the start.
cp "$NAMEW" "$U/bin/secretjob"
cp -L "$(ldd "$JS" | awk '/libjoulestat/ { print $3 }')" "$U/lib/"
chmod 711 "$TMP"
chmod -R a+rX "$U"
as() { setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups "${@:2}" </dev/null; }
export -f as
export U S A B C

stop_daemon d2
check "a daemon with the test's administrators' group" \
	start_daemon d3 "$S" --source model -i 0.2 --no-state --admin-group "$ADM"
DPID=$(cat "$TMP/d3.pid")
# B computes under a name nobody else may read: "secretjob".
as "$B" "$U/bin/secretjob" 7365637265746a6f62 0 40 >"$TMP/b.pid" &
PIDS+=("$!")
for _ in $(seq 50); do [ -s "$TMP/b.pid" ] && break; sleep 0.1; done
BPID=$(head -1 "$TMP/b.pid")
sleep 0.5

check "A's view is own; C's (administrators' group) and root's are all" \
	bash -c '[ "$(as "$A" "$U/bin/dclient" raw "$S" "{\"op\":\"hello\",\"protocol\":1}" | jq -r .view)" = own ] &&
		[ "$(as "$C" "$U/bin/dclient" raw "$S" "{\"op\":\"hello\",\"protocol\":1}" | jq -r .view)" = all ] &&
		[ "$("$U/bin/dclient" raw "$S" "{\"op\":\"hello\",\"protocol\":1}" | jq -r .view)" = all ]'
check "A's top: A's processes, B as one row, never B's command name" \
	bash -c 'out=$(as "$A" "$U/bin/joulestat" top -b -n 3 -i 0.3 --no-config --socket "$S" --group process) || exit 1
		! grep -q secretjob <<<"$out" || { echo "$out"; exit 1; }
		grep -Eq "^ +- +$B +\(the user.s processes\)" <<<"$out" || { echo "$out"; exit 1; }
		grep -Eq "^ +[0-9]+ +$A +joulestat" <<<"$out" || { echo "$out"; exit 1; }'
check "A's top by comm, by cgroup: no B command or cgroup either" \
	bash -c 'for g in comm cgroup thread; do
			out=$(as "$A" "$U/bin/joulestat" top -b -n 2 -i 0.3 --no-config --socket "$S" --group $g) || exit 1
			! grep -q secretjob <<<"$out" || { echo "$g: $out"; exit 1; }
		done'
check "C (administrators' group) and root see B's command" \
	bash -c 'as "$C" "$U/bin/joulestat" top -b -n 2 -i 0.3 --no-config --socket "$S" | grep -q secretjob &&
		"$U/bin/joulestat" top -b -n 2 -i 0.3 --no-config --socket "$S" | grep -q secretjob'
check "A asking for B's PID: denied, not answered" \
	bash -c 'as "$A" "$U/bin/dclient" raw "$S" "{\"op\":\"pid\",\"pids\":[$1]}" |
		jq -e ".pids[0].found == false and .pids[0].denied == true" &&
		as "$C" "$U/bin/dclient" raw "$S" "{\"op\":\"pid\",\"pids\":[$1]}" |
		jq -e ".pids[0].found and .pids[0].energy_uj > 0"' _ "$BPID"
check "A cannot follow B's process; C can" \
	bash -c 'as "$A" "$U/bin/dclient" raw "$S" "{\"op\":\"tree\",\"pid\":$1}" | jq -e ".errno == \"EPERM\"" &&
		as "$C" "$U/bin/dclient" raw "$S" "{\"op\":\"tree\",\"pid\":$1}" "{\"op\":\"untree\",\"pid\":$1}" |
		jq -se ".[0].ok and .[1].ok"' _ "$BPID"
check "A asking for every task is refused (they name everyone's processes)" \
	bash -c 'as "$A" "$U/bin/dclient" raw "$S" "{\"op\":\"subscribe\",\"tasks\":true}" | jq -e ".errno == \"EACCES\""'
check "A's run through the daemon: its tree, 'via daemon'" \
	bash -c 'as "$A" "$U/bin/joulestat" run --no-config --socket "$S" -- sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done" 2>&1 |
		grep -q "via daemon"'
check "under --disclose none, A sees one row for every other user, without names" \
	bash -c 'stop_daemon d3 && start_daemon d4 "$S" --source model -i 0.2 --no-state --disclose none &&
		out=$(as "$A" "$U/bin/joulestat" top -b -n 2 -i 0.3 --no-config --socket "$S") &&
		! grep -q -e secretjob -e "$B" <<<"$out" && grep -Eq "^ +- +- +\(other users\)" <<<"$out" ||
		{ echo "$out"; exit 1; }'
PIDS+=("$(cat "$TMP/d4.pid" 2>/dev/null)")

done_testing
