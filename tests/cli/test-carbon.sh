#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-carbon.sh - emissions and spreadsheets: --carbon-intensity and its
# CSV time series (the hours they cover, the fallback, the origin named,
# the configuration key), run's figures against grams = µJ × G / 3.6e12,
# run -x in perf stat's CSV, and the usage errors.
. "$(dirname "$0")/tap.sh"

BURN='i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done'
MODEL=(--source model)

for bad in "--carbon-intensity lots" "--carbon-intensity -5" "--carbon-intensity 10001" \
	"--carbon-intensity ''" "--carbon-intensity-file ''" "-x ''" "-x 1" "-x ." "-x abcdefghi"; do
	check "run $bad exits 2 with a message" \
		bash -c 'err=$2; eval "set -- $1"; "$0" run "$@" -- true 2>"$err"; [ $? -eq 2 ] && [ -s "$err" ]' \
		"$JS" "$bad" "$TMP/err"
done

check "run --carbon-intensity: grams = the tree's µJ × G / 3.6e12, the origin named" \
	bash -c '"$0" run "${@:4}" --carbon-intensity 400 -o "$1" -- sh -c "$2" 2>"$3" &&
		jq -e ".runs[0].energy_uj > 0 and
			((.runs[0].co2e_g - .runs[0].energy_uj * 400 / 3.6e12) | fabs) <= 1e-9 * .runs[0].co2e_g and
			((.runs[0].host_co2e_g - .runs[0].host_energy_uj * 400 / 3.6e12) | fabs) <= 1e-9 * .runs[0].host_co2e_g and
			.carbon.intensity_g_per_kwh == 400 and .carbon.origin == \"option\" and
			.carbon.from == \"--carbon-intensity\" and .carbon.file == null and
			(.summary.co2e_g.mean - .runs[0].co2e_g | fabs) < 1e-12" "$1" >/dev/null &&
		grep -q "g  CO2e emitted" "$3" && grep -q "machine CO2e meanwhile" "$3" &&
		grep -q "carbon at 400 gCO2e/kWh from --carbon-intensity" "$3"' \
	"$JS" "$TMP/c400.json" "$BURN" "$TMP/c400.err" "${MODEL[@]}"
check "without an intensity run says nothing of carbon, and the JSON has nulls" \
	bash -c '"$0" run "${@:4}" -o "$1" -- true 2>"$2" && ! grep -qi "co2" "$2" &&
		jq -e ".carbon == null and .runs[0].co2e_g == null and .summary.co2e_g == null" "$1" >/dev/null' \
	"$JS" "$TMP/none.json" "$TMP/none.err" x "${MODEL[@]}"

# A time series around now: every hour 250 g/kWh, from 3 hours ago to 3 hours ahead.
now=$(date -u +%s)
h0=$(( (now / 3600 - 3) * 3600 ))
{
	echo "timestamp,intensity"
	for i in 0 1 2 3 4 5 6; do
		echo "$(date -u -d "@$((h0 + i * 3600))" +%Y-%m-%dT%H:%M:%SZ),250"
	done
} >"$TMP/now.csv"
check "a CSV time series covering the run gives every interval its hour's intensity" \
	bash -c '"$0" run "${@:4}" --carbon-intensity-file "$1" -o "$2" -- sh -c "$3" 2>"$2.err" &&
		jq -e --arg f "$1" ".runs[0].energy_uj > 0 and
			((.runs[0].co2e_g - .runs[0].energy_uj * 250 / 3.6e12) | fabs) <= 1e-9 * .runs[0].co2e_g and
			.carbon.file == \$f and .carbon.min_g_per_kwh == 250 and .carbon.max_g_per_kwh == 250 and
			.carbon.uncovered_uj == 0" "$2" >/dev/null &&
		grep -q "carbon at 250 gCO2e/kWh from $1" "$2.err"' \
	"$JS" "$TMP/now.csv" "$TMP/series.json" "$BURN" "${MODEL[@]}"

# Hours long past: nothing covers the run.
printf '2001-01-01T00:00Z,100\n2001-01-01T01:00Z,120\n' >"$TMP/past.csv"
check "outside the file's hours the number given is the fallback" \
	bash -c '"$0" run "${@:4}" --carbon-intensity-file "$1" --carbon-intensity 400 -o "$2" -- sh -c "$3" 2>/dev/null &&
		jq -e ".carbon.min_g_per_kwh == 400 and .carbon.max_g_per_kwh == 400 and
			((.runs[0].co2e_g - .runs[0].energy_uj * 400 / 3.6e12) | fabs) <= 1e-9 * .runs[0].co2e_g" "$2" >/dev/null' \
	"$JS" "$TMP/past.csv" "$TMP/fallback.json" "$BURN" "${MODEL[@]}"
check "outside the file's hours, without a number, the energy has no emissions, and run says so" \
	bash -c '"$0" run "${@:5}" --carbon-intensity-file "$1" -o "$2" -- sh -c "$3" 2>"$4" &&
		jq -e ".runs[0].co2e_g == 0 and .carbon.uncovered_uj > 0 and .carbon.min_g_per_kwh == null" "$2" >/dev/null &&
		grep -q "outside its hours had none" "$4"' \
	"$JS" "$TMP/past.csv" "$TMP/uncovered.json" "$BURN" "$TMP/uncovered.err" "${MODEL[@]}"

printf 'timestamp,intensity\n2024-05-01T00:00Z,100\n2024-05-01T00:00Z,120\n' >"$TMP/dup.csv"
check "a malformed time series is a usage error naming the file and line" \
	bash -c '"$0" run --carbon-intensity-file "$1" -- true 2>"$2"; [ $? -eq 2 ] &&
		grep -q "$1: line 3: .2024-05-01T00:00Z. is not after the row before" "$2"' \
	"$JS" "$TMP/dup.csv" "$TMP/err"
check "a missing time series file is a runtime error naming it" \
	bash -c '"$0" run --carbon-intensity-file "$1" -- true 2>"$2"; [ $? -eq 1 ] && grep -q "$1" "$2"' \
	"$JS" "$TMP/nonexistent.csv" "$TMP/err"

printf '# the grid of this site\nsource: model\ncarbon_intensity: 380\n' >"$TMP/c.yaml"
check "carbon_intensity is a configuration key, and the view names its file and line" \
	bash -c '"$0" run --config "$1" -o "$2" -- true 2>"$3" &&
		jq -e --arg at "$1:3" ".carbon.origin == \"config\" and .carbon.from == \$at and
			.carbon.intensity_g_per_kwh == 380" "$2" >/dev/null &&
		grep -q "carbon at 380 gCO2e/kWh from $1:3" "$3"' "$JS" "$TMP/c.yaml" "$TMP/cfg.json" "$TMP/cfg.err"
check "the command line overrides the configuration's carbon_intensity" \
	bash -c '"$0" run --config "$1" --carbon-intensity 50 -o "$2" -- true 2>/dev/null &&
		jq -e ".carbon.origin == \"option\" and .carbon.intensity_g_per_kwh == 50" "$2" >/dev/null' \
	"$JS" "$TMP/c.yaml" "$TMP/cfg2.json"
printf 'carbon_intensity: dirty\n' >"$TMP/bad.yaml"
check "a bad carbon_intensity in the configuration names its line" \
	bash -c '"$0" run --config "$1" -- true 2>"$2"; [ $? -eq 2 ] && grep -q "bad.yaml:1: --carbon-intensity: .dirty." "$2"' \
	"$JS" "$TMP/bad.yaml" "$TMP/err"

# run -x: perf stat's CSV. Without -r: value,unit,event,runtime,percent,metric,metric-unit.
check "run -x, prints one line per counter in perf stat's field order" \
	bash -c '"$0" run "${@:4}" -x, --carbon-intensity 400 -o "$2" -- sh -c "$3" 2>"$1" &&
		awk -F, "NF != 7 { print \"fields: \" NF \": \" \$0; bad = 1 }
			\$2 == \"J\" && \$1 !~ /^[0-9]+\\.[0-9]{6}\$/ { print \"value: \" \$0; bad = 1 }
			\$5 != \"100.00\" || \$4 !~ /^[0-9]+\$/ { print \"runtime: \" \$0; bad = 1 }
			END { exit bad }" "$1" &&
		grep -qE "^[0-9.]+,J,energy,[0-9]+,100.00,[0-9.]+,W average" "$1" &&
		grep -qE "^[0-9.]+,J,energy-[a-z]" "$1" && grep -qE "^[0-9.]+,s,wall-time," "$1" &&
		grep -qE "^[0-9.]+,s,cpu-time," "$1" && grep -qE "^[0-9.]+,J,machine-energy," "$1" &&
		grep -qE "^[0-9.]+,g,co2e,[0-9]+,100.00,400.000000,gCO2e/kWh$" "$1" &&
		! grep -q "Energy of" "$1" &&
		e=$(awk -F, "\$3 == \"energy\" { print \$1 }" "$1") &&
		jq -e --argjson e "$e" "(.runs[0].energy_uj / 1e6 - \$e | fabs) < 1e-6" "$2" >/dev/null' \
	"$JS" "$TMP/x.csv" "$TMP/x.json" "$BURN" "${MODEL[@]}"
check "run -x ';' -r 2 adds the relative standard deviation after the event, as perf stat -r does" \
	bash -c '"$0" run "${@:3}" -x ";" -r 2 -- sh -c "$2" 2>"$1" &&
		awk -F";" "NF != 8 || \$4 !~ /^[0-9]+\\.[0-9][0-9]%\$/ { print; bad = 1 } END { exit bad }" "$1"' \
	"$JS" "$TMP/x2.csv" "$BURN" "${MODEL[@]}"
check "run -x reads in Python's csv module as it is written (a spreadsheet's view)" \
	/usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows and all(len(r) == 7 for r in rows), rows
assert any(r[2] == "energy" and float(r[0]) >= 0 for r in rows)' "$TMP/x.csv"

check "top shows one emissions line: the rate is the host power × G (W × g/kWh / 1000 = g/h)" \
	/usr/bin/python3 -c '
import re, subprocess, sys
out = subprocess.run([sys.argv[1], "top", "--source", "model", "-b", "-n", "3", "-i", "0.2",
                      "--carbon-intensity", "400"], check=True, capture_output=True, text=True).stdout
frames = [f for f in out.split("\n\n") if f.strip()]
assert len(frames) == 3, out
for f in frames[1:]:
    lines = f.splitlines()
    host = next(l for l in lines if l.startswith("host "))
    co2 = [l for l in lines if l.startswith("CO2e ")]
    assert len(co2) == 1, f
    assert co2[0].endswith(" at 400 gCO2e/kWh from --carbon-intensity"), co2
    w = float(re.match(r"host ([0-9.]+) W", host).group(1))
    m = re.search(r", ([0-9.]+) (µg|mg|g|kg)/h now", co2[0])
    rate = float(m.group(1)) * {"µg": 1e-6, "mg": 1e-3, "g": 1, "kg": 1e3}[m.group(2)]
    assert abs(rate - w * 400 / 1000) <= 0.01 * rate, (host, co2)
' "$JS"
check "top without an intensity has no emissions line" \
	bash -c '! "$0" top --source model -b -n 2 -i 0.2 | grep -q "CO2e"' "$JS"

# report: a recording known by hand. psys, two 1 s intervals of 10 J an hour
# apart (08:26:40 and 09:26:40 UTC), nginx 2.4 J and cc1 1 J in each.
R=$TMP/two-hours.jsonl
cat >"$R" <<'JSONL'
{"format":"joulestat-record","version":2,"joulestat":"0.1.0","host":"lab","start_unix_ns":1763800000000000000,"cpus":2,"sockets":1,"cpu_model":"Test CPU","domains":[{"name":"psys","kind":"psys","source":"powercap","socket":null,"cpus":"0-1","estimated":false,"in_total":true,"static_mw":0,"max_energy_range_uj":0}],"options":{"interval_ns":1000000000,"duration_ns":0,"idle":"separate","raw":false,"source":"auto","collector":"ebpf","syscalls":false}}
{"seq":1,"start_ns":5000000000,"end_ns":6000000000,"host":{"delta_uj":10000000,"tasks_uj":3400000,"idle_uj":6000000,"unattributed_uj":600000,"power_w":10.000},"domains":[{"status":"split","delta_uj":10000000,"tasks_uj":3400000,"idle_uj":6000000,"unattributed_uj":600000,"energy_uj":10000000,"power_w":10.000}],"activity":{"tasks":2,"dropped":0,"lost_ns":0,"captured":1.0000},"cgroups":[[11,"/system.slice/nginx.service"]],"rows":[[200,500,0,"nginx",100000000,[2400000],0],[101,1000,0,"cc1",100000000,[1000000],0]]}
{"seq":2,"start_ns":3605000000000,"end_ns":3606000000000,"host":{"delta_uj":10000000,"tasks_uj":3400000,"idle_uj":6500000,"unattributed_uj":100000,"power_w":10.000},"domains":[{"status":"split","delta_uj":10000000,"tasks_uj":3400000,"idle_uj":6500000,"unattributed_uj":100000,"energy_uj":20000000,"power_w":10.000}],"activity":{"tasks":2,"dropped":0,"lost_ns":0,"captured":1.0000},"cgroups":[[11,"/system.slice/nginx.service"]],"rows":[[200,500,0,"nginx",100000000,[2400000],0],[101,1000,0,"cc1",100000000,[1000000],0]]}
JSONL
# 08:00 UTC 100 g/kWh, 09:00 UTC 300 g/kWh.
printf 'Datetime (UTC),Carbon Intensity gCO2eq/kWh\n2025-11-22 08:00:00,100\n2025-11-22 09:00:00,300\n' >"$TMP/day.csv"
check "report: each interval at its own hour's intensity (10 J at 100 + 10 J at 300 = 1.11 mg)" \
	bash -c '"$0" report "$1" --group comm --carbon-intensity-file "$2" >"$3" &&
		grep -q "^carbon at 100-300 gCO2e/kWh from $2$" "$3" &&
		grep -q "^Host total: 20.00 J, mean 10.00 W, 1.11 mg CO2e$" "$3" &&
		grep -qE "^  nginx +4.80 J +24.0 % +267 µg CO2e$" "$3"' "$JS" "$R" "$TMP/day.csv" "$TMP/report.txt"
check "report --csv: intervals × groups in joules, exact, summing to the host total, with each hour's grams" \
	/usr/bin/python3 -c '
import csv, subprocess, sys
from decimal import Decimal as D
out = subprocess.run([sys.argv[1], "report", sys.argv[2], "--group", "comm", "--csv", "-",
                      "--carbon-intensity-file", sys.argv[3]], check=True, capture_output=True, text=True).stdout
rows = list(csv.DictReader(out.splitlines()))
assert len(rows) == 2, rows
cols = list(rows[0].keys())
assert cols == ["start_utc", "start_s", "end_s", "interval_s", "host_j", "host_w", "nginx", "cc1",
                "other commands", "unattributed", "idle", "intensity_g_per_kwh", "co2e_g"], cols
r1, r2 = rows
assert r1["start_utc"] == "2025-11-22T08:26:40Z" and r2["start_utc"] == "2025-11-22T09:26:40Z", rows
assert r2["start_s"] == "3600.000000" and r1["interval_s"] == "1.000000"
for r in rows:
    assert D(r["host_j"]) == sum(D(r[c]) for c in cols[6:11]) == D("10.000000"), r
    assert r["nginx"] == "2.400000" and r["cc1"] == "1.000000", r
assert r1["idle"] == "6.000000" and r2["unattributed"] == "0.100000"
assert r1["intensity_g_per_kwh"] == "100" and r2["intensity_g_per_kwh"] == "300"
assert abs(float(r1["co2e_g"]) - 10e6 * 100 / 3.6e12) < 1e-9 and abs(float(r2["co2e_g"]) - 10e6 * 300 / 3.6e12) < 1e-9
' "$JS" "$R" "$TMP/day.csv"
check "report --csv without an intensity has no carbon columns; a name with a comma is quoted" \
	bash -c 'sed "s/\"cc1\"/\"cc1,x\"/g" "$1" >"$2" && "$0" report "$2" --group comm --csv "$3" &&
		head -1 "$3" | grep -qx "start_utc,start_s,end_s,interval_s,host_j,host_w,nginx,\"cc1,x\",other commands,unattributed,idle"' \
	"$JS" "$R" "$TMP/comma.jsonl" "$TMP/plain.csv"
check "report --html names the emissions and the intensity's origin" \
	bash -c '"$0" report "$1" --carbon-intensity 250 --html "$2" &&
		grep -q "<dt>Emissions</dt><dd>1.39 mg CO2e for 20.00 J, at 250 gCO2e/kWh from --carbon-intensity</dd>" "$2"' \
	"$JS" "$R" "$TMP/report.html"
check "report with two outputs on standard output is a usage error" \
	bash -c '"$0" report "$1" --csv - --html - 2>/dev/null; [ $? -eq 2 ]' "$JS" "$R"

done_testing
