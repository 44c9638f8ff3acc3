#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-static-power.sh - the baseline idle policy and its static power. With
# no baseline file a measured domain has none: every verb refuses the policy
# naming the domain and `joulestat calibrate` (a 0 W idle row would charge
# every task the machine's whole power, silently), and top's i key skips it
# saying why. A modelled domain falls back to the model's idle power. Every
# view says which static power is in force and where it came from: top's,
# run's and report's headers, the recording's header, serve's metrics.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/onezone.sh"

export TMP
F=$TMP/sys
onezone_make "$F" 262143328850
FIX=(--no-config --sysfs-root "$F" --source powercap --activity proc)
MODEL=(--no-config --source model --model-idle-watts 3 --model-max-watts 7 --activity proc)
BASE=$TMP/quiet.base
printf 'joulestat-baseline 1\npackage-0 2500\n' >"$BASE"

if [ -e /var/lib/joulestat/baseline ]; then
	# The verbs read the default file under the baseline policy: nothing would be missing.
	echo "ok 1 - measured, no baseline file # SKIP /var/lib/joulestat/baseline exists here"
	TAP_N=1
else
	refused() { # VERB ARGS...: exit 1, naming package-0 and calibrate
		expect_exit 1 timeout 60 "$JS" "$@" && grep_in "$TMP/err" "static power of package-0" &&
			grep_in "$TMP/err" "joulestat calibrate"
	}
	check "top --idle baseline, measured, no baseline file: refused naming the domain and calibrate" \
		refused top -b -n 1 -i 0.1 --idle baseline "${FIX[@]}"
	check "record --idle baseline without a baseline file: refused the same way" \
		refused record -o "$TMP/no.jsonl" -i 0.1 -d 0.2 --idle baseline "${FIX[@]}"
	check "run --idle baseline without a baseline file: refused the same way" \
		refused run --idle baseline "${FIX[@]}" -- true
	check "serve --idle baseline without a baseline file: refused the same way" \
		refused serve --listen 127.0.0.1:0 -i 0.1 --idle baseline "${FIX[@]}"
	check "the message is said once, not followed by a bare errno" \
		bash -c '! grep -q "cannot start" "$0"' "$TMP/err"
fi

# ---- measured, with a baseline file ----
check "top --idle baseline --baseline FILE: the header says 2.50 W from FILE" \
	bash -c '"$0" top -b -n 1 -i 0.1 --idle baseline --baseline "$1" "${@:2}" >"$TMP/top.out" &&
		grep -qF "static power 2.50 W from $1 (the idle row" "$TMP/top.out"' "$JS" "$BASE" "${FIX[@]}"
check "top --idle separate says nothing of static power" \
	bash -c '"$0" top -b -n 1 -i 0.1 --baseline "$1" "${@:2}" >"$TMP/sep.out" &&
		! grep -q "static power" "$TMP/sep.out"' "$JS" "$BASE" "${FIX[@]}"
check "record: the header keeps the static power and where it came from" \
	bash -c '"$0" record -o "$TMP/b.jsonl" -i 0.1 -d 0.3 --idle baseline --baseline "$1" "${@:2}" &&
		head -n 1 "$TMP/b.jsonl" | jq -e --arg f "$1" ".domains[0] | .name == \"package-0\" and
			.static_mw == 2500 and .static_from == \$f"' "$JS" "$BASE" "${FIX[@]}"
check "report: the header says the static power and where it came from" \
	bash -c '"$0" report "$1" | grep -qF "static power (the idle row): package-0 2.50 W from $2"' \
	"$JS" "$TMP/b.jsonl" "$BASE"
check "report --html: the same, in the summary" \
	bash -c '"$0" report "$1" --html "$TMP/b.html" &&
		grep -qF "<dt>Static power</dt><dd>package-0 2.50 W from $2 (the idle row)</dd>" "$TMP/b.html"' \
	"$JS" "$TMP/b.jsonl" "$BASE"
check "run: the report and its JSON say the static power and where it came from" \
	bash -c '"$0" run -o "$TMP/run.json" --idle baseline --baseline "$1" "${@:2}" -- sleep 0.2 2>"$TMP/run.err" &&
		grep -qF "static power 2.500 W from $1 (the idle row)" "$TMP/run.err" &&
		jq -e --arg f "$1" ".static_mw == 2500 and .static_from == \$f" "$TMP/run.json"' "$JS" "$BASE" "${FIX[@]}"
check "replay --idle baseline --baseline FILE of a separate recording: its header says from FILE" \
	bash -c '"$0" record --raw -o "$TMP/s.jsonl" -i 0.1 -d 0.3 "${@:2}" &&
		"$0" replay "$TMP/s.jsonl" --idle baseline --baseline "$1" | head -n 1 |
		jq -e --arg f "$1" ".domains[0] | .static_mw == 2500 and .static_from == \$f"' "$JS" "$BASE" "${FIX[@]}"
check "replay --idle baseline without static power: warned, and its header says none" \
	bash -c '"$0" replay "$1" --idle baseline 2>"$TMP/rw.err" | head -n 1 |
		jq -e ".domains[0] | .static_mw == 0 and .static_from == \"none\"" &&
		grep -q "package-0 has no static power (pass --baseline FILE): .*joulestat calibrate" "$TMP/rw.err"' \
	"$JS" "$TMP/s.jsonl"
check "a recording from before static_from was written still reads, saying so" \
	bash -c 'jq -c "if .format then .domains[0] |= del(.static_from) else . end" "$0" >"$TMP/old.jsonl" &&
		"$1" report "$TMP/old.jsonl" | grep -qF "package-0 2.50 W from (not recorded)"' \
	"$TMP/b.jsonl" "$JS"

# ---- the model: its idle power is the static power, and says so ----
sockets=$("$JS" probe --json -i 0.01 "${MODEL[@]}" | jq '.domains | length')
check "model: top --idle baseline runs, the header says the model's idle power, from model" \
	bash -c '"$0" top -b -n 1 -i 0.1 --idle baseline "${@:2}" >"$TMP/model.out" &&
		grep -qF "static power $(printf "%.2f" $(($1 * 3))) W from model (the idle row" "$TMP/model.out"' \
	"$JS" "$sockets" "${MODEL[@]}"
check "model: record's header says static_mw 3000 from model for each socket" \
	bash -c '"$0" record -o "$TMP/m.jsonl" -i 0.1 -d 0.3 --idle baseline "${@:1}" &&
		head -n 1 "$TMP/m.jsonl" | jq -e "all(.domains[]; .static_mw == 3000 and .static_from == \"model\")"' \
	"$JS" "${MODEL[@]}"
check "model: every interval's idle row is at least 3 W × its length per socket (the model's own idle)" \
	jq -se '.[1:] | length >= 2 and all(.[]; . as $iv | all(.domains[];
		.idle_uj >= 3000 * ($iv.end_ns - $iv.start_ns) / 1000000 - 2))' "$TMP/m.jsonl"

# ---- serve: the static power in force, per domain, with its origin ----
serve_page() { # OUT ARGS...: serve until the file has a sample, then a copy of it in OUT
	local out=$1 om=$TMP/serve.om i pid
	shift
	rm -f "$om"
	"$JS" serve --listen 127.0.0.1:0 --openmetrics-file "$om" -i 0.2 "$@" >/dev/null 2>"$TMP/serve.err" &
	pid=$!
	for i in $(seq 100); do
		grep -qs '^joulestat_samples_total [1-9]' "$om" && break
		sleep 0.1
	done
	cp "$om" "$out"
	kill $pid
	wait $pid
}
serve_page "$TMP/file.om" --idle baseline --baseline "$BASE" "${FIX[@]}"
serve_page "$TMP/model.om" --idle baseline "${MODEL[@]}"
serve_page "$TMP/sep.om" --baseline "$BASE" "${FIX[@]}"
check "serve: joulestat_domain_static_power_watts says 2.5 W, origin file, from the path" \
	grep -Fx "joulestat_domain_static_power_watts{domain=\"package-0\",kind=\"package\",socket=\"0\",source=\"powercap\",estimated=\"false\",origin=\"file\",from=\"$BASE\"} 2.5" \
	"$TMP/file.om"
check "serve: for the model, 3 W from the model" \
	grep -Fx 'joulestat_domain_static_power_watts{domain="package-0",kind="package",socket="0",source="model",estimated="true",origin="model",from="model"} 3' \
	"$TMP/model.om"
check "serve: no static power sample under the separate policy" \
	bash -c '! grep -q "^joulestat_domain_static_power_watts{" "$0"' "$TMP/sep.om"

# ---- top's i key: it skips baseline when there is no static power, and says why ----
if command -v script >/dev/null && [ ! -e /var/lib/joulestat/baseline ]; then
	keys() { # LOG
		local k want i
		for k in "i:policy proportional" "i:baseline needs the static power of package-0" "q:"; do
			want=${k#*:}
			for i in $(seq 150); do grep -aqF "q quit" "$1" && break; sleep 0.1; done
			printf '%s' "${k%%:*}"
			[ -z "$want" ] && break
			for i in $(seq 150); do grep -aqF "$want" "$1" && break; sleep 0.1; done
		done
		sleep 1
	}
	export -f keys
	check "top: i skips baseline without a static power, naming the domain and calibrate; top goes on" \
		bash -c 'keys "$TMP/keys.log" | TERM=xterm timeout 120 script -qfec \
			"stty rows 30 cols 150; \"$0\" top -i 0.3 ${*:1}" "$TMP/keys.log" >/dev/null || exit 1
			grep -aqF "idle policy: separate (baseline needs the static power of package-0: run joulestat calibrate)" \
				"$TMP/keys.log"' "$JS" "${FIX[@]}"
fi

done_testing
