#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-procpower.sh - processes with their own energy meter
# (/proc/PID/power/energy_uj) on the procpower fixture, set moving: the
# fixture's two metered processes (systemd, pid 1; "Web Content", pid 412,
# two threads) and a kernel thread without a meter (pid 977) run on two
# CPUs, the meters advance, and the model estimates the machine. Whenever a
# meter spans an interval, its process's row is its meter's reading, in the
# host total and in its own domain, and every ledger still balances; the
# recording replays byte for byte.
. "$(dirname "$0")/tap.sh"

P=$TMP/pp
cp -r "$DATA/procpower" "$P"

NS0=1000000000000	# ns, 13 digits
T0=1000000		# USER_HZ ticks, 7 digits
E0=100000000000		# µJ, 12 digits

pp_put() { # FILE CONTENT: in place, one write (the /proc collector keeps files open)
	printf '%s' "$2" 1<>"$1"
}

pp_task() { # PID TID COMM CPU FLAGS START_TICKS
	mkdir -p "$P/proc/$1/task/$2"
	printf '%s (%s) S 1 %s %s 0 -1 %s 100 0 0 0 10 5 0 0 20 0 1 0 %s 46882816 3891 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 %s 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n' \
		"$2" "$3" "$1" "$1" "$5" "$6" "$4" >"$P/proc/$1/task/$2/stat"
}

# pp_step K: every counter after K steps of 20 ms of fixture time.
# cpu0: Web Content's main thread 10 ms + the kworker 3 ms; cpu1: its
# second thread 5 ms + systemd 2 ms. Meters: Web Content 10 mJ a step,
# systemd 2 mJ.
pp_step() {
	local k=$1 cs up
	pp_put "$P/proc/412/task/412/schedstat" "$((NS0 + 10000000 * k)) 0 10"$'\n'
	pp_put "$P/proc/412/task/413/schedstat" "$((NS0 + 5000000 * k)) 0 10"$'\n'
	pp_put "$P/proc/1/task/1/schedstat" "$((NS0 + 2000000 * k)) 0 10"$'\n'
	pp_put "$P/proc/977/task/977/schedstat" "$((NS0 + 3000000 * k)) 0 10"$'\n'
	pp_put "$P/proc/stat" "cpu  $((2 * (T0 + k))) 0 2000000 $((2 * (T0 + k))) 2000000 0 0 0 0 0
cpu0 $((T0 + k)) 0 1000000 $((T0 + k)) 1000000 0 0 0 0 0
cpu1 $((T0 + k)) 0 1000000 $((T0 + k)) 1000000 0 0 0 0 0
intr 0
ctxt 1000
btime 1763790000
processes 1000
procs_running 1
procs_blocked 0
"
	pp_put "$P/proc/412/power/energy_uj" "$((E0 + 10000 * k))"$'\n'
	pp_put "$P/proc/1/power/energy_uj" "$((E0 + 2000 * k))"$'\n'
	cs=$((2 * k))
	printf -v up '%d.%02d %d.%02d\n' $((100000 + cs / 100)) $((cs % 100)) $((180000 + cs / 100)) $((cs % 100))
	pp_put "$P/proc/uptime" "$up"
}

pp_task 1 1 systemd 1 4194560 2
pp_task 412 412 "Web Content" 0 4194560 51234
pp_task 412 413 "DOM Worker" 1 4194624 51240
pp_task 977 977 "kworker/0:1-(events)" 0 2129984 9000
printf '0.00 0.00 0.00 1/4 1000\n' >"$P/proc/loadavg"
rm -f "$P/proc/stat" "$P/proc/uptime" "$P/proc/412/power/energy_uj" "$P/proc/1/power/energy_uj"
pp_step 0

(
	k=1
	while [ ! -e "$P/stop" ]; do
		pp_step "$k"
		k=$((k + 1))
		sleep 0.01
	done
) &
STEPPER=$!
FIX=(--sysfs-root "$P/sys" --procfs-root "$P/proc" --activity proc)
"$JS" record -o "$TMP/pp.jsonl" -i 0.1 -d 1.2 --raw "${FIX[@]}" 2>"$TMP/rec.err"
echo $? >"$TMP/rec.rc"
touch "$P/stop"
wait "$STEPPER"
R=$TMP/pp.jsonl

check "record on the moving procpower fixture exits 0 with 12 intervals" \
	bash -c '[ "$(cat "$0")" = 0 ] && [ "$(wc -l <"$1")" = 13 ]' "$TMP/rec.rc" "$R"
check "the header names the process domains with the process each meters" \
	jq -se '.[0].domains | map(select(.kind == "process")) |
		(map([.name, .pid, .in_total]) | sort) == [["pid-1", 1, false], ["pid-412", 412, false]]' "$R"
check "the first interval shares by CPU time (no meter spans it yet), later ones use the meters" \
	jq -se '.[0].domains as $h | [range(0; $h | length) | select($h[.].kind == "process")] as $p |
		(.[1].domains as $d | all($p[]; $d[.].status == "skipped")) and
		([.[2:][] | .domains as $d | select(all($p[]; $d[.] | .status == "split" and .delta_uj > 0))]
			| length >= 8)' "$R"
check "a metered process's row is its meter's reading, in the host total and in its own domain" \
	jq -se '.[0].domains as $h | ($h | map(.name) | index("pid-412")) as $w |
		($h | map(.name) | index("pid-1")) as $s |
		[.[1:][] | . as $iv | [[412, $w], [1, $s]][] as [$pid, $k] |
			select($iv.domains[$k].status == "split") |
			[$iv.rows[] | select(.[0] == $pid)] as $rows |
			($rows | length) == 1 and
			$rows[0][5][$k] == $iv.domains[$k].delta_uj and
			([range(0; $h | length) | select($h[.].in_total) as $i | $rows[0][5][$i]] | add)
				== $iv.domains[$k].delta_uj] | length >= 16 and all' "$R"
check "every ledger balances, the host is its in_total domains, rows add up to each domain" \
	jq -se '.[0] as $h | .[1:] | all(.[]; . as $iv |
		(.domains | all(.[]; .delta_uj == .tasks_uj + .idle_uj + .unattributed_uj)) and
		.host.delta_uj == .host.tasks_uj + .host.idle_uj + .host.unattributed_uj and
		.host.delta_uj == ([range(0; $h.domains | length) | select($h.domains[.].in_total) | $iv.domains[.].delta_uj] | add) and
		([range(0; .domains | length)] | all(.[]; . as $k | ([$iv.rows[][5][$k]] | add // 0) == $iv.domains[$k].tasks_uj)))' "$R"
check "the kernel thread without a meter still gets its CPU-time share" \
	jq -se '[.[2:][] | .rows[] | select(.[0] == 977) | .[4] > 0] | length >= 8 and all' "$R"
check "replay under the recorded policy reproduces the recording byte for byte" \
	bash -c '"$0" replay "$1" -o "$2" && cmp "$1" "$2"' "$JS" "$R" "$TMP/re.jsonl"
check "record names no error" bash -c '! grep -v "^$" "$0"' "$TMP/rec.err"

done_testing
