#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-report-pictures.sh - what report's pictures say about a recording,
# over hand-made recordings: a socket chart that would repeat the host total
# (one socket whose package and dram are the whole total) is not drawn, one
# that differs from it is; a recording whose every domain is modelled says
# "Modelled", one with a sensor among models "some domains", one with
# sensors only neither.
. "$(dirname "$0")/tap.sh"

# recording FILE DOMAINS IN_TOTALS...: one socket, package-0 and dram-0 (estimated as given), 1 s of 6 J + 2 J.
recording() {
	local est=$1 psys=$2
	local doms='{"name":"package-0","kind":"package","source":"powercap","socket":0,"cpus":"0-1","estimated":'$est',"in_total":true,"static_mw":0,"max_energy_range_uj":0},{"name":"dram-0","kind":"dram","source":"powercap","socket":0,"cpus":"0-1","estimated":false,"in_total":true,"static_mw":0,"max_energy_range_uj":0}'
	local leds='{"status":"split","delta_uj":6000000,"tasks_uj":3000000,"idle_uj":3000000,"unattributed_uj":0,"energy_uj":6000000,"power_w":6.000},{"status":"split","delta_uj":2000000,"tasks_uj":1000000,"idle_uj":1000000,"unattributed_uj":0,"energy_uj":2000000,"power_w":2.000}'
	local host='"delta_uj":8000000,"tasks_uj":4000000,"idle_uj":4000000' row='[100,1000,0,"busy",500000000,[3000000,1000000]'
	if [ "$psys" = psys ]; then
		# psys is the total; package and dram are inside it
		doms=${doms//'"in_total":true'/'"in_total":false'}',{"name":"psys","kind":"psys","source":"powercap","socket":null,"cpus":"0-1","estimated":false,"in_total":true,"static_mw":0,"max_energy_range_uj":0}'
		leds=$leds',{"status":"split","delta_uj":10000000,"tasks_uj":5000000,"idle_uj":5000000,"unattributed_uj":0,"energy_uj":10000000,"power_w":10.000}'
		host='"delta_uj":10000000,"tasks_uj":5000000,"idle_uj":5000000' row='[100,1000,0,"busy",500000000,[3000000,1000000,5000000]'
	fi
	printf '%s\n' '{"format":"joulestat-record","version":2,"joulestat":"0.1.0","host":"lab","start_unix_ns":1763800000000000000,"cpus":2,"sockets":1,"cpu_model":"Test CPU","domains":['"$doms"'],"options":{"interval_ns":1000000000,"duration_ns":0,"idle":"separate","raw":false,"source":"auto","collector":"ebpf","syscalls":false}}' \
		'{"seq":1,"start_ns":5000000000,"end_ns":6000000000,"host":{'"$host"',"unattributed_uj":0,"power_w":8.000},"domains":['"$leds"'],"activity":{"tasks":1,"dropped":0,"lost_ns":0,"captured":1.0000},"cgroups":[[11,"/user.slice"]],"rows":['"$row"',0]]}'
}

recording false pkg >"$TMP/sock.jsonl"
recording false psys >"$TMP/psys.jsonl"
recording true pkg >"$TMP/some.jsonl"
sed 's/"estimated":false/"estimated":true/g' "$TMP/sock.jsonl" >"$TMP/all.jsonl"

check "one socket whose package and dram are the host total: no socket chart repeating it" \
	bash -c '"$0" report "$1" --svg "$2" && grep -q "data-title=\"Host total\"" "$2" &&
		! grep -q "data-title=\"Socket 0" "$2" && "$0" report "$1" >"$3" && ! grep -q "^Socket 0" "$3"' \
	"$JS" "$TMP/sock.jsonl" "$TMP/sock.svg" "$TMP/sock.txt"
check "psys is the total: the socket's package + dram chart is drawn" \
	bash -c '"$0" report "$1" --svg "$2" && grep -q "data-title=\"Socket 0 (package + dram)\"" "$2"' \
	"$JS" "$TMP/psys.jsonl" "$TMP/psys.svg"
check "every domain modelled: the page says Modelled, not some domains" \
	bash -c '"$0" report "$1" --html "$2" && grep -q "<b>Modelled.</b> No domain has an energy sensor here" "$2" &&
		! grep -q "Some domains" "$2"' "$JS" "$TMP/all.jsonl" "$TMP/all.html"
check "one domain modelled among sensors: some domains" \
	bash -c '"$0" report "$1" --html "$2" && grep -q "<b>Estimated.</b> Some domains have no energy sensor" "$2" &&
		! grep -q "Modelled" "$2"' "$JS" "$TMP/some.jsonl" "$TMP/some.html"
check "sensors only: neither" \
	bash -c '"$0" report "$1" --html "$2" && ! grep -q "class=\"estimated\"" "$2"' "$JS" "$TMP/sock.jsonl" "$TMP/sock.html"

done_testing
