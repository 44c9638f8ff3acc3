#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-record-resources.sh - `record --resources`: each interval carries the
# machine's resources with the res-laptop fixture's known numbers, replay
# gives the file back byte for byte, a malformed resources object is refused
# naming the line and the field, the config key works, and a recording on
# this machine agrees with /proc.
. "$(dirname "$0")/tap.sh"

# res-laptop with an uptime (the proc collector needs one; it never moves).
cp -a "$DATA/res-laptop" "$TMP/fx"
echo "12345.67 23456.78" >"$TMP/fx/proc/uptime"
FX=(--sysfs-root "$TMP/fx/sys" --procfs-root "$TMP/fx/proc")
R=$TMP/r.jsonl

check "record --resources --raw on res-laptop writes 3 intervals" \
	bash -c '"$0" record "${@:2}" -i 0.05 -d 0.15 --raw --resources -o "$1" &&
		[ "$(wc -l <"$1")" -eq 4 ]' "$JS" "$R" "${FX[@]}"
check "the header announces the resources" jq -se '.[0].options.resources == true' "$R"
check "every interval has a resources object" \
	jq -se '.[1:] | length == 3 and all(.resources | type == "object")' "$R"
# /proc/stat procs_running 1; /proc/loadavg 1.91 3.08 3.25; MemTotal 24684084 kB,
# MemAvailable 24287052 kB, no swap; scaling_cur_freq 2400000, 800000 kHz.
check "load, memory, processes and frequencies are the fixture's" \
	jq -se '.[1].resources | .load == [1.91, 3.08, 3.25] and .procs_running == 1 and
		.procs_blocked == 0 and .mem_total_bytes == 25276502016 and
		.mem_available_bytes == 24869941248 and .swap_total_bytes == 0 and
		.swap_used_bytes == 0 and .cpus == [[0, 2400000], [0, 800000]]' "$R"
# temp 45000, 27800 (thermal zones), 46000, 44000 (coretemp), 38850 (nvme) m°C.
check "temperatures in °C, named by zone and by hwmon chip and label" \
	jq -se '.[1].resources.temps == [["thermal_zone0 x86_pkg_temp", 45], ["thermal_zone1 acpitz", 27.8],
		["coretemp Package id 0", 46], ["coretemp Core 0", 44], ["nvme Composite", 38.85]]' "$R"
# vda: 3232474 sectors read, 4630368 written; loop devices and vda1 left out.
check "whole disks with their byte counters, partitions and loops left out" \
	jq -se '.[1].resources.disks | map(.[0]) == ["vda", "zram0"] and
		.[0][1] == 1655026688 and .[0][2] == 2370748416' "$R"
check "interfaces with their byte counters" \
	jq -se '.[1].resources.nets | map(select(.[0] == "eth0"))[0][1:3] == [55920361, 111896]' "$R"
check "PSI is there (the fixture has /proc/pressure), shares within 0..100" \
	jq -se '.[1].resources.psi | (.some_pct | length == 3) and (.full_pct | length == 3) and
		all((.some_pct + .full_pct)[]; . >= 0 and . <= 100)' "$R"
check "report reads the recording" expect_exit 0 "$JS" report "$R"
check "replay gives the recording back byte for byte, resources included" \
	bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$R"

check "without --resources the header says nothing and no interval has them" \
	bash -c '"$0" record "${@:2}" -i 0.05 -d 0.1 -o "$1" &&
		jq -se ".[0].options | has(\"resources\") | not" "$1" &&
		jq -se ".[1:] | all(has(\"resources\") | not)" "$1"' "$JS" "$TMP/plain.jsonl" "${FX[@]}"
printf 'record:\n  resources: true\n' >"$TMP/c.yaml"
check "config key resources: true turns them on" \
	bash -c '"$0" record --config "$2" "${@:3}" -i 0.05 -d 0.1 -o "$1" &&
		jq -se ".[1].resources.mem_total_bytes == 25276502016" "$1"' "$JS" "$TMP/cfg.jsonl" "$TMP/c.yaml" "${FX[@]}"

# ---- malformed resources: exit 1 naming the line and the field ----
# bad SED-EXPR WANT: line 3's resources edited, report and replay refuse it.
bad() {
	{ head -n 2 "$R"; sed -n 3p "$R" | sed "$1"; tail -n +4 "$R"; } >"$TMP/bad.jsonl"
	expect_exit 1 "$JS" report "$TMP/bad.jsonl" && grep_in "$TMP/err" "bad.jsonl:3: $2" &&
		expect_exit 1 "$JS" replay "$TMP/bad.jsonl" && grep_in "$TMP/err" "bad.jsonl:3: $2"
}
check "a string load is refused naming resources.load[0]" \
	bad 's/"load":\[1.91/"load":["x"/' 'resources.load\[0\]: expected a number, got a string'
check "a CPU usage above 100 % is refused" \
	bad 's/"cpus":\[\[0.00,/"cpus":[[100.5,/' 'resources.cpus\[0\]\[0\] \(usage_pct\): 100.5 is out of range'
check "available memory above the total is refused" \
	bad 's/"mem_available_bytes":24869941248/"mem_available_bytes":99999999999/' \
	'resources.mem_available_bytes: 99999999999 is more than mem_total_bytes'
check "a missing field is refused naming it" \
	bad 's/"ctxt_per_s":0,//' 'resources.ctxt_per_s: missing'
check "a disk tuple of the wrong length is refused" \
	bad 's/\["vda",1655026688,/["vda",/' 'resources.disks\[0\]: 5 fields, expected 6'
check "a negative byte counter is refused" \
	bad 's/\["eth0",55920361/["eth0",-1/' 'resources.nets\[3\]\[1\] \(rx_bytes\): expected an unsigned integer'
check "an empty temperature name is refused" \
	bad 's/"thermal_zone1 acpitz"/""/' 'resources.temps\[1\]\[0\] \(name\): a name of 0 bytes'
check "a resources object the header does not announce is refused" \
	bash -c '{ head -n 1 "$1" | sed "s/,\"resources\":true//"; tail -n +2 "$1"; } >"$2/unann.jsonl"
		"$0" report "$2/unann.jsonl" 2>&1 | grep -q "unann.jsonl:2: resources: present, though the header does not announce"' \
	"$JS" "$R" "$TMP"
check "an interval without the announced resources is refused" \
	bad 's/,"resources":{.*}}$/}/' 'resources: missing, though the header says'
check "null resources (a failed sample) are accepted and replayed as null" \
	bash -c '{ head -n 2 "$1"; sed -n 3p "$1" | sed "s/,\"resources\":{.*}}\$/,\"resources\":null}/"; tail -n +4 "$1"; } >"$2/null.jsonl" &&
		"$0" replay "$2/null.jsonl" | cmp - "$2/null.jsonl" && jq -se ".[2].resources == null" "$2/null.jsonl"' \
	"$JS" "$R" "$TMP"

# ---- without <procfs>/stat: --resources is an error naming the fix ----
mkdir -p "$TMP/nostat" && cp -a "$TMP/fx/proc/." "$TMP/nostat/" && rm "$TMP/nostat/stat"
check "--resources without /proc/stat exits 1 and says so" \
	bash -c '"$0" record --sysfs-root "$1/fx/sys" --procfs-root "$1/nostat" --source model -d 0.05 -i 0.05 --resources -o "$1/ns.jsonl" 2>&1 |
		grep -q "stat must be readable"; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS" "$TMP"

# ---- this machine, for real ----
check "record --resources on this machine" \
	expect_exit 0 "$JS" record -i 0.2 -d 0.6 --raw --resources -o "$TMP/real.jsonl"
ncpu=$(awk '/^cpu[0-9]/ { n = substr($1, 4) + 1 } END { print n }' /proc/stat)
memtotal=$(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo)
check "real: one entry per CPU, every usage within 0..100" \
	jq -se --argjson n "$ncpu" '.[1:] | all(.resources.cpus | length == $n and
		all(.[0] == null or (.[0] >= 0 and .[0] <= 100)))' "$TMP/real.jsonl"
check "real: MemTotal in bytes" \
	jq -se --argjson m "$memtotal" '.[1:] | all(.resources.mem_total_bytes == $m)' "$TMP/real.jsonl"
check "real: the machine switches contexts every interval" \
	jq -se '.[1:] | all(.resources.ctxt_per_s > 0 and .resources.intr_per_s > 0)' "$TMP/real.jsonl"
check "real: replay gives it back byte for byte" \
	bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$TMP/real.jsonl"
# CPU use 0..100 % maps to y 190..30: each interval's step must lie inside, and
# match the recording's cpu_pct (the path's y for interval i is 190 - 1.6 × pct).
check "real: report --html draws the CPU use of every interval beside the power" \
	bash -c '"$0" report "$1" --html "$2/real.html" &&
		grep -q "<h2>Machine resources</h2>" "$2/real.html" &&
		d=$(sed -n "s/.*<path class=\"cpu\"[^>]* d=\"\([^\"]*\)\".*/\1/p" "$2/real.html") &&
		want=$(jq -sr ".[1:] | map(190 - 1.6 * .resources.cpu_pct | . * 10 | round / 10) | map(tostring) | join(\" \")" "$1") &&
		got=$(tr -s " L" "\n\n" <<<"${d#M}" | awk "NF == 1 && NR % 2 == 0 && (NR / 2) % 2 == 1 { print }" | tr "\n" " ") &&
		n=$(jq -s "length - 1" "$1") && [ "$(wc -w <<<"$got")" -eq "$n" ] &&
		for w in $want; do g=${got%% *}; got=${got#* }; awk -v g="$g" -v w="$w" "BEGIN { exit !(g - w < 0.11 && w - g < 0.11) }" || { echo "y $g, wanted $w"; exit 1; }; done' \
	"$JS" "$TMP/real.jsonl" "$TMP"
check "a recording without resources has no resources chart" \
	bash -c '"$0" report "$1" --html "$2/plain.html" && ! grep -q "id=\"resources\"" "$2/plain.html"' \
	"$JS" "$TMP/plain.jsonl" "$TMP"
done_testing
