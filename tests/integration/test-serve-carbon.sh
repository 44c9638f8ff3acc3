#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-carbon.sh - serve's emissions families on the synthetic RAPL
# fixture (psys 20 W): the host's grams are its ledger's joules × G / 3.6e6
# to the µg per interval, the groups' sum to the attributed energy's, the
# intensity is named with its origin, and without an intensity the
# families are declared with no samples.
. "$(dirname "$0")/lib.sh"
require curl promtool

synthetic_rapl "$TMP/fx"
ROOTS=(--sysfs-root "$TMP/fx/sys")
# 3600 g/kWh: 1 J is 1 mg, so the arithmetic reads at a glance.
check "serve --carbon-intensity 3600 starts" start_serve "$TMP/serve.log" "${ROOTS[@]}" -i 0.2 --top 3 \
	--carbon-intensity 3600
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [5-9]'"
curl -s "$URL/metrics" >"$TMP/m.txt"
check "the intensity is a gauge naming its origin" \
	grep -qx 'joulestat_carbon_intensity_grams_per_kwh{origin="option",from="--carbon-intensity"} 3600' "$TMP/m.txt"
# The ledger of psys (the host total): attributed + idle + unattributed.
check "host grams = the host ledger's joules / 1000, to 1 µg per interval" \
	awk '
	/^joulestat_samples_total / { n = $2 }
	/^joulestat_domain_(attributed|idle|unattributed)_energy_joules_total\{domain="psys"/ { j += $2 }
	/^joulestat_host_co2e_grams_total\{estimated="false"\} / { g = $2 }
	END { d = g - j / 1000; if (d < 0) d = -d; print g, j, n; exit !(j > 1 && d <= n * 1e-6 + 1e-9) }' "$TMP/m.txt"
check "the groups' grams add up to the attributed energy's (each rounded to the µg)" \
	awk '
	/^joulestat_samples_total / { n = $2 }
	/^joulestat_domain_attributed_energy_joules_total\{domain="psys"/ { j = $2 }
	/^joulestat_group_co2e_grams_total\{/ { g += $2; k++ }
	END { d = g - j / 1000; if (d < 0) d = -d; print g, j, k; exit !(k >= 2 && d <= n * k * 1e-6 + 1e-9) }' "$TMP/m.txt"
check "promtool accepts the page" bash -c 'promtool check metrics <"$0"' "$TMP/m.txt"
check "serve stops" stop "$SERVE_PID"

printf 'timestamp,intensity\n%s,120\n' "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/grid.csv"
check "serve --carbon-intensity-file starts" start_serve "$TMP/serve2.log" "${ROOTS[@]}" -i 0.2 \
	--carbon-intensity-file "$TMP/grid.csv"
wait_for 10 bash -c "curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q '^joulestat_samples_total [2-9]'"
check "a time series names the file" \
	bash -c 'curl -s "$0/metrics" | grep -qx "joulestat_carbon_intensity_grams_per_kwh{origin=\"file\",from=\"$1\"} 120"' \
	"http://127.0.0.1:$SERVE_PORT" "$TMP/grid.csv"
check "serve stops" stop "$SERVE_PID"

check "serve without an intensity starts" start_serve "$TMP/serve3.log" "${ROOTS[@]}" -i 0.2
wait_for 10 bash -c "curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q '^joulestat_samples_total [2-9]'"
check "without an intensity the families are declared, with no samples" \
	bash -c 'p=$(curl -s "$0/metrics"); for f in joulestat_carbon_intensity_grams_per_kwh joulestat_host_co2e_grams_total joulestat_group_co2e_grams_total; do
		grep -q "^# TYPE $f " <<<"$p" || { echo "no TYPE $f"; exit 1; }
		grep -q "^$f{" <<<"$p" && { echo "a sample of $f"; exit 1; }; done; true' "http://127.0.0.1:$SERVE_PORT"
check "a malformed time series stops serve at startup, exit 2" \
	bash -c 'printf "0,lots\n" >"$1"; "$0" serve --listen 127.0.0.1:0 --carbon-intensity-file "$1" 2>/dev/null; [ $? -eq 2 ]' \
	"$JS" "$TMP/bad.csv"

done_testing
