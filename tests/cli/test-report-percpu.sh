#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-report-percpu.sh - report --per-cpu over a raw recording whose per-CPU
# numbers are known by hand: each process's energy goes to the CPUs it ran on
# by its time there (its threads' times added), idle energy by each CPU's
# idle time, unattributed by its lost time; each CPU's total and coverage, the
# CPUs adding up to the host; in text, SVG (a chart per CPU) and HTML (a
# table and the charts). A recording without raw inputs is refused naming
# the fix, and so is a grouping other than processes. On hover, each
# interval of a chart gives its values.
. "$(dirname "$0")/tap.sh"

R=$TMP/percpu.jsonl
# Two CPUs, psys, two identical 1 s intervals of 10 J: tasks 6 J (busy-a 3 J,
# busy-b 3 J), idle 3 J, unattributed 1 J.
#   cpu0: busy-a 500 ms, busy-b's thread 201 250 ms, idle 250 ms
#   cpu1: busy-b's thread 200 250 ms, idle 500 ms, lost 250 ms
# Per CPU, each interval: busy-a 3 J on cpu0; busy-b 1.5 J on each; idle
# 1 J on cpu0 and 2 J on cpu1 (250:500 ms); unattributed 1 J on cpu1 (the
# only lost time). cpu0 5.5 J, cpu1 4.5 J; cpu1 named 75 % of its time.
IV='"host":{"delta_uj":10000000,"tasks_uj":6000000,"idle_uj":3000000,"unattributed_uj":1000000,"power_w":10.000},"activity":{"tasks":3,"dropped":0,"lost_ns":250000000,"captured":1.0000},"cgroups":[[11,"/user.slice"]],"rows":[[100,1000,0,"busy-a",500000000,[3000000],0],[200,2000,0,"busy-b",500000000,[3000000],0]],"raw":{"idle_ns":[250000000,500000000],"lost_ns":[0,250000000],"irq_ns":[0,0],"tasks":[[100,100,1000,0,11,"busy-a",0,1000,[0,500000000]],[200,200,2000,0,11,"busy-b",0,2000,[1,250000000]],[200,201,2100,0,11,"busy-b",0,2000,[0,250000000]]]}'
LEDGER='"status":"split","delta_uj":10000000,"tasks_uj":6000000,"idle_uj":3000000,"unattributed_uj":1000000'
cat >"$R" <<JSONL
{"format":"joulestat-record","version":2,"joulestat":"0.1.0","host":"lab","start_unix_ns":1763800000000000000,"cpus":2,"sockets":1,"cpu_model":"Test CPU","domains":[{"name":"psys","kind":"psys","source":"powercap","socket":null,"cpus":"0-1","estimated":false,"in_total":true,"static_mw":0,"max_energy_range_uj":0}],"options":{"interval_ns":1000000000,"duration_ns":0,"idle":"separate","raw":true,"source":"auto","collector":"ebpf","syscalls":false}}
{"seq":1,"start_ns":5000000000,"end_ns":6000000000,"domains":[{$LEDGER,"energy_uj":10000000,"raw_uj":10000000,"power_w":10.000}],$IV}
{"seq":2,"start_ns":6000000000,"end_ns":7000000000,"domains":[{$LEDGER,"energy_uj":20000000,"raw_uj":20000000,"power_w":10.000}],$IV}
JSONL

# table OUT: the per-CPU table's rows, blanks squeezed.
table() { awk '/^Per CPU/{f=1; next} f' "$1" | sed -n '3,9p' | tr -s " "; }
same() { diff <(cat) <(printf '%s\n' "$@"); }
export -f table same

"$JS" report "$R" --per-cpu >"$TMP/out.txt" 2>"$TMP/err.txt"
check "text: exit 0, a column of time and energy for each CPU" \
	bash -c 'grep -Eq "^ +cpu0 +cpu1$" "$0" && grep -Eq "^  process +time +energy +time +energy$" "$0" &&
		[ ! -s "$1" ]' "$TMP/out.txt" "$TMP/err.txt"
check "text: each process's time and energy on each CPU, its threads added" \
	bash -c 'table "$0" | sed -n 1,3p | same " busy-a (100) 50.0% 6.00 J - -" \
		" busy-b (200) 25.0% 3.00 J 25.0% 3.00 J" " other processes - - - -"' "$TMP/out.txt"
check "text: each CPU's ledger (idle by idle time, unattributed by lost time), its coverage and total; they add up to the host's 20 J" \
	bash -c 'table "$0" | sed -n 4,7p | same " all tasks 75.0% 9.00 J 25.0% 3.00 J" \
		" idle 25.0% 2.00 J 50.0% 4.00 J" " unattributed - - 25.0% 2.00 J" \
		" CPU total 100.0% 11.0 J 75.0% 9.00 J" && grep -q "^Host total: 20.00 J" "$0"' "$TMP/out.txt"
check "text: no chart per CPU in the text (the table says it)" \
	bash -c '! grep -q "^CPU [0-9]" "$0"' "$TMP/out.txt"
check "--svg: a chart per CPU with its processes, idle and unattributed, adding up to the CPU" \
	bash -c '"$0" report "$1" --per-cpu --svg "$2" && xmllint --noout "$2" &&
		grep -q "data-title=\"CPU 0 (its share of the host total)\"" "$2" &&
		grep -q "data-title=\"CPU 1 (its share of the host total)\"" "$2" &&
		grep -q ">busy-a (100): 6.00 J (54.5 %)<" "$2" && grep -q ">busy-b (200): 3.00 J (27.3 %)<" "$2" &&
		grep -q ">busy-b (200): 3.00 J (33.3 %)<" "$2" && grep -q ">unattributed: 2.00 J (22.2 %)<" "$2" &&
		grep -q ">total (measured): 11.00 J<" "$2" && grep -q ">total (measured): 9.00 J<" "$2"' \
	"$JS" "$R" "$TMP/r.svg"
check "--svg: on hover, each interval's values: CPU 1's total, then its stack from the top" \
	bash -c '"$0" report "$1" --per-cpu --svg "$2" && grep -A4 "<title>1–2 s: total 4.50 W$" "$2" | tail -4 |
		same "idle 2.00 W" "unattributed 1.00 W" "other processes 0.00 W" "busy-b (200) 1.50 W</title></rect>"' \
	"$JS" "$R" "$TMP/hover.svg"
check "--html: the per-CPU table and the CPU charts" \
	bash -c '"$0" report "$1" --per-cpu --html "$2" &&
		grep -q "<table id=\"per-cpu\">" "$2" &&
		grep -q "<tr><th>CPU total</th><td class=\"n\">100.0 %</td><td class=\"n\">11.0 J</td><td class=\"n\">75.0 %</td><td class=\"n\">9.00 J</td></tr>" "$2" &&
		grep -q "data-title=\"CPU 1 (its share of the host total)\"" "$2"' "$JS" "$R" "$TMP/r.html"
check "without --per-cpu: no CPU charts, no table" \
	bash -c '"$0" report "$1" --svg "$2" && ! grep -q "CPU 0" "$2" && "$0" report "$1" >"$3" &&
		grep -q "^Host total" "$3" && ! grep -q "^Per CPU" "$3"' "$JS" "$R" "$TMP/plain.svg" "$TMP/plain.txt"

sed 's/"raw":true/"raw":false/; s/,"raw":{.*}}$/}/' "$R" >"$TMP/noraw.jsonl"
check "a recording without raw inputs: exit 1, naming record --raw" \
	bash -c '"$0" report "$1" --per-cpu 2>&1 >/dev/null |
		grep -q "has no raw inputs (each thread.s time on each CPU): --per-cpu needs a recording made with .joulestat record --raw." &&
		[ ${PIPESTATUS[0]} = 1 ]' "$JS" "$TMP/noraw.jsonl"
check "--group comm --per-cpu: exit 2, processes only" \
	bash -c '"$0" report "$1" --per-cpu --group comm 2>&1 >/dev/null |
		grep -q "\-\-per-cpu lays processes out on the CPUs: it cannot be used with --group comm" &&
		[ ${PIPESTATUS[0]} = 2 ]' "$JS" "$R"

done_testing
