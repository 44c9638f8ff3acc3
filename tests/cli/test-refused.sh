#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-refused.sh - a refused counter reading is a gap, not zero. A powercap
# zone of 40 J (max_energy_range_uj 40000000) that may draw 100 W (4 × its
# 25 W constraint) can wrap more than once in 0.4 s, so a reading that comes
# later than that is refused. The recording gives it its own status with no
# energy and no power, replay keeps it, top's header names it, report leaves
# it out of totals and means and counts it, serve counts it per domain.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/onezone.sh"

F=$TMP/sys
onezone_make "$F" 40000000
FIX=(--no-config --sysfs-root "$F" --source powercap --activity proc)

check "probe: the fixture's package-0 is a 40 J counter" \
	bash -c '"$0" probe --json -i 0.01 "${@:1}" | jq -e ".domains[] | select(.name == \"package-0\") |
		.max_energy_range_uj == 40000000 and .in_host_total"' "$JS" "${FIX[@]}"

# ---- read every 0.5 s: every reading is refused ----
"$JS" record -i 0.5 -d 1.5 --raw "${FIX[@]}" -o "$TMP/half.jsonl" 2>"$TMP/half.err"
echo $? >"$TMP/half.rc"
check "record -i 0.5: exits 0 with three intervals" \
	bash -c '[ "$(cat "$0.rc")" = 0 ] && [ "$(wc -l <"$0.jsonl")" = 4 ]' "$TMP/half"
check "record -i 0.5: every interval says refused, claims no energy, and has no power (null, not 0)" \
	jq -se '.[1:] | all(.[]; .domains[0].status == "refused" and .domains[0].delta_uj == 0 and
		.domains[0].power_w == null and .host.power_w == null and .host.delta_uj == 0 and
		(.rows | all(.[]; .[5][0] == 0)))' "$TMP/half.jsonl"
check "probe: refused readings are counted per domain" \
	bash -c '"$0" probe --json -i 0.5 "${@:1}" | jq -e ".domains[] | select(.name == \"package-0\") |
		.refused >= 1 and .errors >= .refused"' "$JS" "${FIX[@]}"

# ---- read every 0.1 s, with one pause of 1.2 s: one gap among measured intervals ----
onezone_drive "$F" &
DRIVER=$!
"$JS" record -i 0.1 -d 2 --raw "${FIX[@]}" -o "$TMP/mixed.jsonl" 2>"$TMP/mixed.err" &
REC=$!
# Pause it once it is sampling: after its first two intervals, however slow it starts.
for i in $(seq 300); do
	[ "$(wc -l <"$TMP/mixed.jsonl" 2>/dev/null || echo 0)" -ge 3 ] && break
	sleep 0.05
done
kill -STOP $REC
sleep 1.2
kill -CONT $REC
wait $REC
echo $? >"$TMP/mixed.rc"
# Two frames: the first interval is shortened (0.2 s, read in time); the second is refused.
"$JS" top -b -n 2 -i 0.6 "${FIX[@]}" >"$TMP/top.out" 2>&1
echo $? >"$TMP/top.rc"
SERVE_OM=$TMP/metrics.om
"$JS" serve --listen 127.0.0.1:0 --openmetrics-file "$SERVE_OM" -i 0.5 "${FIX[@]}" \
	>/dev/null 2>"$TMP/serve.err" &
SERVE=$!
for i in $(seq 100); do
	grep -qs '^joulestat_samples_total [1-9]' "$SERVE_OM" && break
	sleep 0.1
done
cp "$SERVE_OM" "$TMP/metrics.copy" 2>/dev/null
kill $SERVE
wait $SERVE
touch "$F/stop"
wait $DRIVER

M=$TMP/mixed.jsonl
check "record with a pause: exits 0" test "$(cat "$TMP/mixed.rc")" = 0
# The pause falls between two energy readings, so the interval that spans it
# is refused; or (rarely) between a sample's energy reading and its activity
# sample, so the next one is: the energy reading comes first.
check "record with a pause: the interval spanning it (over 1 s), or the one after, is refused, with no energy" \
	jq -se '.[1:] as $iv | [range(0; $iv | length) | select($iv[.].end_ns - $iv[.].start_ns > 1000000000)] |
		length >= 1 and all(.[]; . as $k | [$iv[$k], $iv[$k + 1] // {}] |
			any(.[]; .domains[0].status == "refused" and .domains[0].delta_uj == 0 and .host.power_w == null))' "$M"
check "record with a pause: every interval is either refused (nothing claimed) or measured (split, with a power)" \
	jq -se '[.[1:][] | select(.domains[0].status == "split")] | length >= 3 and
		all(.[]; .domains[0].power_w != null and .host.power_w != null)' "$M"
check "record with a pause: every refused interval claims nothing" \
	jq -se 'all(.[1:][] | select(.domains[0].status == "refused");
		.domains[0].delta_uj == 0 and .domains[0].power_w == null and .host.delta_uj == 0)' "$M"
check "replay keeps the refused status: the recording back byte for byte" \
	bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$M"
check "replay under another policy keeps the gap" \
	bash -c '"$0" replay "$1" --idle proportional | jq -se "[.[1:][] | .domains[0].status] | index(\"refused\") != null"' "$JS" "$M"

# report: the gaps counted, and left out of the mean: Σ energy / Σ time of the
# measured intervals only (the pause, over a third of the time, would dilute it).
gaps=$(jq -se '[.[1:][] | select(.domains[0].status == "refused")] | length' "$M")
want=$(jq -se '[.[1:][] | select(.domains[0].status != "refused")] |
	(map(.host.delta_uj) | add) * 1000 / (map(.end_ns - .start_ns) | add)' "$M")
diluted=$(jq -se '.[1:] | (map(.host.delta_uj) | add) * 1000 / (map(.end_ns - .start_ns) | add)' "$M")
check "report: the host total counts the gaps, and its mean leaves them out" \
	bash -c '"$0" report "$1" >"$2" || exit 1
		line=$(grep "^Host total:" "$2"); echo "$line (gaps $3, want $4 W, diluted $5 W)"
		grep -qE "; $3 gaps? \(readings refused" <<<"$line" || exit 1
		w=$(sed -E "s/.*mean ([0-9.]+) (m?W).*/\1 \2/" <<<"$line")
		awk -v w="${w% *}" -v u="${w#* }" -v want="$4" -v dil="$5" "BEGIN {
			if (u == \"mW\") w /= 1000
			exit !(w - want < 0.006 && want - w < 0.006 && want > 0 && want > dil) }"' \
	"$JS" "$M" "$TMP/report.txt" "$gaps" "$want" "$diluted"
check "report --html says how many intervals were gaps" \
	bash -c '"$0" report "$1" --html "$2" && grep -qE "<dd class=\"gaps\">$3 intervals? with a refused reading" "$2"' \
	"$JS" "$M" "$TMP/r.html" "$gaps"
check "report --svg draws each gap as a gap: marked, well-formed, no NaN in any path" \
	bash -c '"$0" report "$1" --svg "$2" &&
		[ "$(grep -c "<rect class=\"gap\"" "$2")" -ge "$3" ] && ! grep -qi "nan" "$2" &&
		/usr/bin/python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$2"' \
	"$JS" "$M" "$TMP/r.svg" "$gaps"

check "top: a refused reading is shown as a gap in the header, not as 0 W" \
	bash -c '[ "$(cat "$0/top.rc")" = 0 ] && grep -q " +package-0 gap" "$0/top.out" &&
		grep -qE "^gap: reading refused: package-0 \([0-9]+ so far\) - energy unknown, not 0" "$0/top.out" &&
		grep -q "^host - = " "$0/top.out" || { cat "$0/top.out"; exit 1; }' "$TMP"
check "serve: joulestat_domain_readings_refused_total counts them for package-0" \
	bash -c 'grep -E "^joulestat_domain_readings_refused_total\{domain=\"package-0\",.*\} [1-9]" "$0"' \
	"$TMP/metrics.copy"
check "serve: the refused interval has no domain or host power sample" \
	bash -c '! grep -E "^joulestat_(domain|host)_power_watts" "$0"' "$TMP/metrics.copy"

done_testing
