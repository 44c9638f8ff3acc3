#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-report-group.sh - report --group over a recording whose numbers are
# known by hand: five cc1 processes add up to one "cc1" line, users, cgroups,
# units and containers likewise, in text, SVG and HTML; the syscalls recorded
# per process add up per group; a version 1 recording (no cgroups) is refused
# for the groupings that need them, naming why, and read for the others.
. "$(dirname "$0")/tap.sh"

CID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
R=$TMP/groups.jsonl
# psys over two CPUs; two 1 s intervals of 10 J each.
#   cc1: 101, 102, 103 (1 J each), then 105, 106 (1 J each)  uid 4242  session-2.scope
#   make 104: 0.5 J + 0.5 J                                  uid 4242  session-2.scope
#   nginx 200: 2.4 J + 2.4 J                                 uid 4343  nginx.service
#   python3 300: 1.5 J + 1.5 J                               uid 0     docker-$CID.scope
cat >"$R" <<JSONL
{"format":"joulestat-record","version":2,"joulestat":"0.1.0","host":"lab","start_unix_ns":1763800000000000000,"cpus":2,"sockets":1,"cpu_model":"Test CPU","domains":[{"name":"psys","kind":"psys","source":"powercap","socket":null,"cpus":"0-1","estimated":false,"in_total":true,"static_mw":0,"max_energy_range_uj":0}],"options":{"interval_ns":1000000000,"duration_ns":0,"idle":"separate","raw":false,"source":"auto","collector":"ebpf","syscalls":true}}
{"seq":1,"start_ns":5000000000,"end_ns":6000000000,"host":{"delta_uj":10000000,"tasks_uj":7400000,"idle_uj":2600000,"unattributed_uj":0,"power_w":10.000},"domains":[{"status":"split","delta_uj":10000000,"tasks_uj":7400000,"idle_uj":2600000,"unattributed_uj":0,"energy_uj":10000000,"power_w":10.000}],"activity":{"tasks":6,"dropped":0,"lost_ns":0,"captured":1.0000},"cgroups":[[11,"/system.slice/nginx.service"],[22,"/user.slice/user-4242.slice/session-2.scope"],[33,"/system.slice/docker-$CID.scope"]],"rows":[[200,500,4343,"nginx",100000000,[2400000],0,400],[300,600,0,"python3",100000000,[1500000],2,5],[101,1000,4242,"cc1",100000000,[1000000],1,10],[102,1100,4242,"cc1",100000000,[1000000],1,20],[103,1200,4242,"cc1",100000000,[1000000],1,30],[104,1300,4242,"make",100000000,[500000],1,1000]]}
{"seq":2,"start_ns":6000000000,"end_ns":7000000000,"host":{"delta_uj":10000000,"tasks_uj":6400000,"idle_uj":3600000,"unattributed_uj":0,"power_w":10.000},"domains":[{"status":"split","delta_uj":10000000,"tasks_uj":6400000,"idle_uj":3600000,"unattributed_uj":0,"energy_uj":20000000,"power_w":10.000}],"activity":{"tasks":5,"dropped":0,"lost_ns":0,"captured":1.0000},"cgroups":[[33,"/system.slice/docker-$CID.scope"],[11,"/system.slice/nginx.service"],[22,"/user.slice/user-4242.slice/session-2.scope"]],"rows":[[200,500,4343,"nginx",100000000,[2400000],1,400],[300,600,0,"python3",100000000,[1500000],0,5],[105,2000,4242,"cc1",100000000,[1000000],2,10],[106,2100,4242,"cc1",100000000,[1000000],2,10],[104,1300,4242,"make",100000000,[500000],2,1000]]}
JSONL

# host_lines OUT: the lines of the host chart in report's text.
host_lines() { awk '/^Host total/{f=1; next} f && !NF {exit} f' "$1"; }
# same LINE...: standard input (blanks squeezed) is exactly these lines.
same() { diff <(tr -s " ") <(printf '%s\n' "$@"); }
export -f host_lines same

check "--group with an unknown grouping exits 2 naming the choices" \
	bash -c '"$0" report "$1" --group thread 2>&1 >/dev/null | grep -q "\-\-group: '"'"'thread'"'"' is not one of process, comm, user, cgroup, unit, container" && [ ${PIPESTATUS[0]} = 2 ]' \
	"$JS" "$R"
check "default (process): each cc1 process apart, 1.00 J (5.0 %) each" \
	bash -c '"$0" report "$1" --top 10 >"$2" && host_lines "$2" | grep -c "^  cc1 (10[1-6]) .* 1.00 J  *5.0 %" | grep -qx 5' \
	"$JS" "$R" "$TMP/proc.txt"
"$JS" report "$R" --group comm --top 2 >"$TMP/comm.txt"
check "--group comm: the five cc1 processes are one line of 5.00 J, 25.0 %, 80 syscalls" \
	bash -c 'host_lines "$0" | head -1 | grep -Eq "^  cc1 +5\.00 J +25\.0 % +80 syscalls$"' "$TMP/comm.txt"
check "--group comm --top 2: then nginx; python3 and make are the other commands (4.00 J, 20.0 %)" \
	bash -c 'host_lines "$0" | sed -n 2,3p | same " nginx 4.80 J 24.0 % 800 syscalls" " other commands 4.00 J 20.0 %" &&
		host_lines "$0" | grep -q "^  idle  *6.20 J  *31.0 %$"' \
	"$TMP/comm.txt"
check "--group user: uid 4242 (cc1 and make) 6.00 J and 2080 syscalls, then 4343, then root" \
	bash -c '"$0" report "$1" --group user >"$2" && host_lines "$2" | head -3 |
		same " 4242 6.00 J 30.0 % 2080 syscalls" " 4343 4.80 J 24.0 % 800 syscalls" " root 3.00 J 15.0 % 10 syscalls"' \
	"$JS" "$R" "$TMP/user.txt"
check "--group cgroup: by path, whatever order each interval lists them in" \
	bash -c '"$0" report "$1" --group cgroup >"$2" && host_lines "$2" | head -3 |
		same " /user.slice/user-4242.slice/session-2.scope 6.00 J 30.0 % 2080 syscalls" \
			" /system.slice/nginx.service 4.80 J 24.0 % 800 syscalls" \
			" /system.slice/docker-$3.scope 3.00 J 15.0 % 10 syscalls"' \
	"$JS" "$R" "$TMP/cgroup.txt" "$CID"
check "--group unit: the units the paths name" \
	bash -c '"$0" report "$1" --group unit >"$2" && host_lines "$2" | head -3 | tr -s " " | cut -d" " -f2-4 |
		same "session-2.scope 6.00 J" "nginx.service 4.80 J" "docker-$3.scope 3.00 J"' \
	"$JS" "$R" "$TMP/unit.txt" "$CID"
check "--group container: the container 3.00 J, everything else in no container 10.80 J" \
	bash -c '"$0" report "$1" --group container >"$2" && host_lines "$2" | head -2 |
		same " (no container) 10.80 J 54.0 % 2880 syscalls" " $3 3.00 J 15.0 % 10 syscalls"' \
	"$JS" "$R" "$TMP/container.txt" "$CID"
check "--group comm --svg: the host chart stacks cc1, nginx, other commands, unattributed, idle" \
	bash -c '"$0" report "$1" --group comm --top 2 --svg "$2" && xmllint --noout "$2" &&
		xmllint --xpath "(//*[local-name()=\"g\"][@class=\"chart\"])[1]/*[local-name()=\"path\"][@class=\"series\"]/@data-series" "$2" |
		tr "\n" " " | grep -q "data-series=\"cc1\" *data-series=\"nginx\" *data-series=\"other commands\" *data-series=\"unattributed\" *data-series=\"idle\""' \
	"$JS" "$R" "$TMP/comm.svg"
check "--group unit --html: a table of units with their energy and syscalls" \
	bash -c '"$0" report "$1" --group unit --html "$2" && grep -q "<h2>Top 3 units, host total</h2>" "$2" &&
		grep -q "<th>#</th><th>unit</th><th>energy</th>.*<th>syscalls</th>" "$2" &&
		grep -q "<td>nginx.service</td><td class=\"n\">4.80 J</td>.*<td class=\"n\">800</td>" "$2" &&
		! grep -q "<th>PID</th>" "$2"' "$JS" "$R" "$TMP/unit.html"

# The same recording as version 1 wrote it: no cgroups, no syscalls.
jq -c 'if .format then .version = 1 | del(.options.syscalls) else del(.cgroups) | .rows |= map(.[0:6]) end' "$R" >"$TMP/v1.jsonl"
check "a version 1 recording: --group comm reads it" \
	bash -c '"$0" report "$1" --group comm | awk "/^Host total/{f=1; next} f" | head -1 | grep -Eq "^  cc1 +5\.00 J +25\.0 %$"' \
	"$JS" "$TMP/v1.jsonl"
for g in cgroup unit container; do
	check "a version 1 recording: --group $g exits 1 saying why and what to do" \
		bash -c '"$0" report "$1" --group "$2" 2>&1 >/dev/null |
			grep -q "v1.jsonl was recorded by joulestat 0.1.0 in format version 1, whose rows do not name their cgroup: --group $2 needs a recording of format version 2 or later (record again" && [ ${PIPESTATUS[0]} = 1 ]' \
		"$JS" "$TMP/v1.jsonl" "$g"
done

done_testing
