#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-syscalls.sh - --syscalls per process in every view, against a process
# that makes a known number of getppid() calls (tests/workload/name-workload.c):
# its rows in record (and raw tasks, and replay), run's report and JSON, and
# serve's joulestat_group_syscalls_total hold exactly that many more than those
# of the same process making none (its start and exit make the same calls
# either way); top shows a SYSC/s column. The counts come from the eBPF
# collector: root and BTF, else skipped.
. "$(dirname "$0")/tap.sh"

NW=${JOULESTAT_NAME_WORKLOAD:?JOULESTAT_NAME_WORKLOAD is not set: run through meson test}
N=50000
# The workload without LeakSanitizer's check at its exit (in an ASan build):
# that check makes syscalls of its own (a tracer thread, /proc reads), as many
# as its heap asks, so the twins would differ by more than their N calls.
# joulestat itself keeps the caller's ASAN_OPTIONS.
NWENV=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$NW")
# A name the process gives itself; eBPF keeps the name it exec()ed with.
NAME_HEX=6a732d737973

check "without root, --syscalls is simply not counted: record says so" \
	bash -c '"$0" record -o - -d 0.2 -i 0.1 --activity proc --syscalls |
		jq -se ".[0].version == 2 and .[0].options.syscalls == false and
			all(.[1:][].rows[]; length == 7)"' "$JS"

if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	for _ in 1 2 3 4 5 6 7 8 9; do echo "ok $((TAP_N += 1)) # SKIP eBPF needs root and /sys/kernel/btf/vmlinux"; done
	done_testing
	exit
fi

# ---- record: the calls start once the recording is under way ----
# Both processes start before the recorder, as a process older than the
# collector (it gets its slot at its first switch-out, or its first call), and
# wait in the FIFO's open: the one making N calls and its twin making none.
mkfifo "$TMP/go"
"${NWENV[@]}" "$NAME_HEX" "$N" 0.2 "$TMP/go" >"$TMP/nw.pid" &
NWJOB=$!
"${NWENV[@]}" "$NAME_HEX" 0 0.2 "$TMP/go" >"$TMP/nw0.pid" &
NWJOB0=$!
# Both blocked in the open, however slow the machine: every call they make from here is counted.
for _ in $(seq 200); do
	p=$(cat "$TMP/nw.pid" 2>/dev/null) p0=$(cat "$TMP/nw0.pid" 2>/dev/null)
	[ -n "$p" ] && [ -n "$p0" ] && [ "$(cat "/proc/$p/wchan" 2>/dev/null)" = wait_for_partner ] &&
		[ "$(cat "/proc/$p0/wchan" 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.05
done
"$JS" record -o "$TMP/sys.jsonl" -i 0.2 -d 30 --raw --activity ebpf --syscalls 2>"$TMP/rec.err" &
REC=$!
for _ in $(seq 300); do [ "$(wc -l <"$TMP/sys.jsonl" 2>/dev/null)" -ge 2 ] 2>/dev/null && break; sleep 0.05; done
: >"$TMP/go" # opening it is the signal (nothing written: the workload may close it at once)
wait "$NWJOB" "$NWJOB0"
sleep 0.5
kill -TERM "$REC"
wait "$REC"
echo $? >"$TMP/rec.rc"
PID=$(cat "$TMP/nw.pid")
PID0=$(cat "$TMP/nw0.pid")
R=$TMP/sys.jsonl

check "record --syscalls: version 2, options.syscalls, rows of 8 elements" \
	bash -c '[ "$(cat "$0")" = 0 ] && jq -se ".[0].version == 2 and .[0].options.syscalls and
		all(.[1:][].rows[]; length == 8)" "$1"' "$TMP/rec.rc" "$R"
# After the open returns, each makes close(), its calls and exit_group(): all counted.
check "record: the process's rows add up to exactly $N syscalls more than its twin's, each all its calls after the open" \
	jq -se --argjson pid "$PID" --argjson pid0 "$PID0" --argjson n "$N" '
		([.[1:][].rows[] | select(.[0] == $pid) | .[7]] | add) as $a |
		([.[1:][].rows[] | select(.[0] == $pid0) | .[7]] | add) as $b |
		if $a - $b == $n and $b >= 2 then true else ({calls: $a, twin: $b} | debug | false) end' "$R"
check "record: its raw tasks hold the same count as its rows" \
	jq -se --argjson pid "$PID" --argjson n "$N" '
		([.[1:][].rows[] | select(.[0] == $pid) | .[7]] | add) as $rows | $rows >= $n and
		$rows == ([.[1:][].raw.tasks[] | select(.[0] == $pid) | .[9]] | add)' "$R"
check "record: each row names its cgroup in the interval's table" \
	jq -se 'all(.[1:][]; . as $iv | all(.rows[]; (.[6] | type) == "number" and
		.[6] < ($iv.cgroups | length) and ($iv.cgroups[.[6]][1] | type) == "string"))' "$R"
check "replay reproduces the recording byte for byte" bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$R"

# ---- run ----
"$JS" run --activity ebpf --syscalls -o "$TMP/run.json" -- "${NWENV[@]}" "$NAME_HEX" "$N" 0.1 >/dev/null 2>"$TMP/run.err"
"$JS" run --activity ebpf --syscalls -o "$TMP/run0.json" -- "${NWENV[@]}" "$NAME_HEX" 0 0.1 >/dev/null 2>"$TMP/run0.err"
check "run --syscalls: the tree's syscalls in the JSON ($N more than the same run making none) and the report" \
	bash -c 'jq -e --argjson n "$1" --slurpfile z "$0/run0.json" ".runs[0].syscalls - \$z[0].runs[0].syscalls == \$n and
		\$z[0].runs[0].syscalls > 0 and .summary.syscalls.mean == .runs[0].syscalls" "$0/run.json" &&
		grep -Eq "^ +[0-9]+ +syscalls" "$0/run.err" || { jq -c "[.runs[0].syscalls]" "$0/run.json" "$0/run0.json"; false; }' \
	"$TMP" "$N"

# ---- top ----
"$JS" top --batch -n 2 -i 0.3 --activity ebpf --syscalls >"$TMP/top.out" 2>&1
check "top --syscalls: a SYSC/s column, and joulestat's own row makes some" \
	bash -c 'grep -q "SYSC/s\$" "$0" && awk "/^joulestat top/{n++} n == 2 && \$3 == \"joulestat\" && \$NF > 0 {ok = 1} END {exit !ok}" "$0"' \
	"$TMP/top.out"

# ---- serve ----
"$JS" serve --listen 127.0.0.1:0 -i 0.2 --group process --top 10000 --activity ebpf --syscalls 2>"$TMP/serve.err" &
SRV=$!
for _ in $(seq 200); do grep -q "listening on" "$TMP/serve.err" && break; sleep 0.05; done
URL=$(grep -o 'http://[^ ]*/metrics' "$TMP/serve.err")
sleep 0.5
"${NWENV[@]}" "$NAME_HEX" "$N" 0.1 >"$TMP/nw2.pid"
"${NWENV[@]}" "$NAME_HEX" 0 0.1 >"$TMP/nw3.pid"
PID2=$(cat "$TMP/nw2.pid")
PID3=$(cat "$TMP/nw3.pid")
# Both have exited: until two more samples are published (the second read
# after their exits), however slow the machine; a group's counter is cumulative.
samples() { curl -s "$URL" | awk '/^joulestat_samples_total /{print $2}'; }
S0=$(samples)
for _ in $(seq 150); do
	S=$(samples)
	[ -n "$S0" ] && [ -n "$S" ] && [ "$S" -ge $((S0 + 2)) ] && break
	sleep 0.2
done
curl -s "$URL" >"$TMP/metrics"
kill -TERM "$SRV"
wait "$SRV"
check "serve --syscalls: joulestat_group_syscalls_total of the process holds exactly $N more than its twin's" \
	bash -c 'v=$(grep "^joulestat_group_syscalls_total{pid=\"$1\"," "$0" | awk "{print \$2}") &&
		v0=$(grep "^joulestat_group_syscalls_total{pid=\"$2\"," "$0" | awk "{print \$2}") &&
		[ -n "$v" ] && [ -n "$v0" ] && [ "$v0" -gt 0 ] && [ $((v - v0)) -eq "$3" ] || { echo "process $v, twin $v0"; grep "^joulestat_group_syscalls_total" "$0" | head; exit 1; }' \
	"$TMP/metrics" "$PID2" "$PID3" "$N"
"$JS" serve --listen 127.0.0.1:0 -i 0.2 --activity ebpf 2>"$TMP/serve2.err" &
SRV=$!
for _ in $(seq 200); do grep -q "listening on" "$TMP/serve2.err" && break; sleep 0.05; done
sleep 0.5
curl -s "$(grep -o 'http://[^ ]*/metrics' "$TMP/serve2.err")" >"$TMP/metrics2"
kill -TERM "$SRV"
wait "$SRV"
check "serve without --syscalls has no syscalls samples (not zeros)" \
	bash -c 'grep -q "^joulestat_group_energy_joules_total" "$0" && ! grep -q "^joulestat_group_syscalls" "$0"' "$TMP/metrics2"

done_testing
