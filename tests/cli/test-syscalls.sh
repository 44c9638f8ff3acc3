#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-syscalls.sh - --syscalls per process in every view, against a process
# that makes a known number of getppid() calls (tests/workload/name-workload.c):
# its rows in record (and raw tasks, and replay), run's report and JSON, and
# serve's joulestat_group_syscalls_total hold at least that many and not many
# more (its start and exit add a few dozen); top shows a SYSC/s column. The
# counts come from the eBPF collector: root and BTF, else skipped.
. "$(dirname "$0")/tap.sh"

NW=${JOULESTAT_NAME_WORKLOAD:?JOULESTAT_NAME_WORKLOAD is not set: run through meson test}
N=50000
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
mkfifo "$TMP/go"
"$NW" "$NAME_HEX" "$N" 0.2 "$TMP/go" >"$TMP/nw.pid" &
NWJOB=$!
"$JS" record -o "$TMP/sys.jsonl" -i 0.2 -d 30 --raw --activity ebpf --syscalls 2>"$TMP/rec.err" &
REC=$!
for _ in $(seq 300); do [ "$(wc -l <"$TMP/sys.jsonl" 2>/dev/null)" -ge 2 ] 2>/dev/null && break; sleep 0.05; done
: >"$TMP/go" # opening it is the signal (nothing written: the workload may close it at once)
wait "$NWJOB"
sleep 0.5
kill -TERM "$REC"
wait "$REC"
echo $? >"$TMP/rec.rc"
PID=$(cat "$TMP/nw.pid")
R=$TMP/sys.jsonl

check "record --syscalls: version 2, options.syscalls, rows of 8 elements" \
	bash -c '[ "$(cat "$0")" = 0 ] && jq -se ".[0].version == 2 and .[0].options.syscalls and
		all(.[1:][].rows[]; length == 8)" "$1"' "$TMP/rec.rc" "$R"
check "record: the process's rows add up to at least $N syscalls, and at most $N + 500" \
	jq -se --argjson pid "$PID" --argjson n "$N" '
		[.[1:][].rows[] | select(.[0] == $pid) | .[7]] | add | . >= $n and . <= $n + 500' "$R"
check "record: its raw tasks hold the same count as its rows" \
	jq -se --argjson pid "$PID" --argjson n "$N" '
		([.[1:][].rows[] | select(.[0] == $pid) | .[7]] | add) as $rows | $rows >= $n and
		$rows == ([.[1:][].raw.tasks[] | select(.[0] == $pid) | .[9]] | add)' "$R"
check "record: each row names its cgroup in the interval's table" \
	jq -se 'all(.[1:][]; . as $iv | all(.rows[]; (.[6] | type) == "number" and
		.[6] < ($iv.cgroups | length) and ($iv.cgroups[.[6]][1] | type) == "string"))' "$R"
check "replay reproduces the recording byte for byte" bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$R"

# ---- run ----
"$JS" run --activity ebpf --syscalls -o "$TMP/run.json" -- "$NW" "$NAME_HEX" "$N" 0.1 >/dev/null 2>"$TMP/run.err"
check "run --syscalls: the tree's syscalls in the JSON (at least $N, at most $N + 2000) and the report" \
	bash -c 'jq -e --argjson n "$1" ".runs[0].syscalls >= \$n and .runs[0].syscalls <= \$n + 2000 and
		.summary.syscalls.mean == .runs[0].syscalls" "$0/run.json" && grep -Eq "^ +[0-9]+ +syscalls" "$0/run.err"' \
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
"$NW" "$NAME_HEX" "$N" 0.1 >"$TMP/nw2.pid"
PID2=$(cat "$TMP/nw2.pid")
# It has exited: until a sample after that is published, however slow the machine.
for _ in $(seq 150); do
	curl -s "$URL" >"$TMP/metrics"
	v=$(grep "^joulestat_group_syscalls_total{pid=\"$PID2\"," "$TMP/metrics" | awk '{print $2}')
	[ -n "$v" ] && [ "$v" -ge "$N" ] && break
	sleep 0.2
done
kill -TERM "$SRV"
wait "$SRV"
check "serve --syscalls: joulestat_group_syscalls_total of the process holds at least $N, at most $N + 500" \
	bash -c 'v=$(grep "^joulestat_group_syscalls_total{pid=\"$1\"," "$0" | awk "{print \$2}") &&
		[ -n "$v" ] && [ "$v" -ge "$2" ] && [ "$v" -le $(($2 + 500)) ] || { grep syscalls "$0" | head; exit 1; }' \
	"$TMP/metrics" "$PID2" "$N"
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
