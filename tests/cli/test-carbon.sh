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

done_testing
