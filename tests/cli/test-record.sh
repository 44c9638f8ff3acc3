#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-record.sh - record, replay and report: bad flags exit 2 naming them,
# recordings whose ledgers balance, replay giving back the recorded file byte
# for byte under the same policy, a different policy moving only idle energy,
# corrupt recordings refused with the line named, and the SVG report
# well-formed with the series it should have.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/synth.sh"

usage_error() { # VERB WANT ARGS...
	local verb=$1 want=$2
	shift 2
	expect_exit 2 "$JS" "$verb" "$@" && grep_in "$TMP/err" "$want"
}
runtime_error() { # VERB WANT ARGS...
	local verb=$1 want=$2
	shift 2
	expect_exit 1 "$JS" "$verb" "$@" && grep_in "$TMP/err" "$want"
}

check "record without -o exits 2 saying it is required" usage_error record "-o FILE is required"
check "record -i 0 exits 2 naming -i" usage_error record "record: -i: '0' is not a number of seconds" -o "$TMP/x" -i 0
check "record -i 99999 (absurd) exits 2" usage_error record "-i: '99999'" -o "$TMP/x" -i 99999
check "record -d -1 exits 2 naming -d" usage_error record "-d: '-1' is not a duration" -o "$TMP/x" -d -1
check "record --idle bogus exits 2" usage_error record "--idle: 'bogus'" -o "$TMP/x" --idle bogus
check "record: unknown flag exits 2" expect_exit 2 "$JS" record -o "$TMP/x" --bogus
check "record to an unwritable place exits 1 naming it" \
	runtime_error record "cannot write /nonexistent/dir/r.jsonl" -o /nonexistent/dir/r.jsonl -d 0.1
check "replay without a file exits 2" usage_error replay "which recording"
check "report --top 0 exits 2 naming --top" usage_error report "--top: '0' is not a number from 1 to 50" x --top 0

# ---- a recording of the moving fixture ----
M=$TMP/m
synth_make "$M"
synth_run "$M" &
SYNTH=$!
FIX=(--sysfs-root "$M/sys" --procfs-root "$M/proc" --activity proc --source powercap)
"$JS" record -o "$TMP/fix.jsonl" -i 0.25 -d 1.5 --raw "${FIX[@]}" 2>"$TMP/rec.err"
echo $? >"$TMP/rec.rc"
touch "$M/stop"
wait "$SYNTH"
R=$TMP/fix.jsonl

check "fixture: record -d 1.5 -i 0.25 exits 0 and writes a header and 6 intervals" \
	bash -c '[ "$(cat "$0.rc")" = 0 ] && [ "$(wc -l <"$1")" = 7 ]' "$TMP/rec" "$R"
check "fixture: the header names the format, version, CPUs, sockets, domains and options" \
	jq -se '.[0] | .format == "joulestat-record" and .version == 2 and .cpus == 8 and .sockets == 2 and
		([.domains[].name] | index("psys") != null) and
		(.domains[] | select(.name == "psys") | .in_total and .socket == null and .cpus == "0-7") and
		(.domains[] | select(.name == "package-1") | .socket == 1 and (.in_total | not)) and
		.options.interval_ns == 250000000 and .options.raw and .options.idle == "separate" and
		.options.collector == "proc"' "$R"
check "fixture: every ledger balances exactly and the host is the sum of the in_total domains" \
	jq -se '.[0] as $h | .[1:] | all(.[];
		(.domains | all(.[]; .delta_uj == .tasks_uj + .idle_uj + .unattributed_uj)) and
		.host.delta_uj == .host.tasks_uj + .host.idle_uj + .host.unattributed_uj and
		.host.delta_uj == ([.domains as $d | range(0; $d | length) | select($h.domains[.].in_total) | $d[.].delta_uj] | add))' "$R"
check "fixture: each domain's rows add up to its tasks_uj" \
	jq -se '.[1:] | all(.[]; . as $iv | [range(0; .domains | length)] |
		all(.[]; . as $k | ([$iv.rows[][5][$k]] | add // 0) == $iv.domains[$k].tasks_uj))' "$R"
check "fixture: busy-b gets about twice busy-a's psys energy over the recording" \
	bash -c 'jq -se "(.[0].domains | map(.name) | index(\"psys\")) as \$p |
		([.[1:][].rows[] | select(.[3] == \"busy-b\") | .[5][\$p]] | add) /
		([.[1:][].rows[] | select(.[3] == \"busy-a\") | .[5][\$p]] | add) | . > 1.7 and . < 2.4" "$0"' "$R"

# ---- replay ----
check "replay under the recorded policy reproduces the recording byte for byte" \
	bash -c '"$0" replay "$1" -o "$2" && cmp "$1" "$2"' "$JS" "$R" "$TMP/re.jsonl"
check "replay to standard output is the same bytes" \
	bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$R"
"$JS" replay "$R" --idle proportional >"$TMP/prop.jsonl" 2>"$TMP/prop.err"
check "replay --idle proportional: header says so, ledgers balance, idle goes to tasks when any ran" \
	jq -se '.[0].options.idle == "proportional" and (.[1:] | all(.[];
		(.domains | all(.[]; .delta_uj == .tasks_uj + .idle_uj + .unattributed_uj and
			(if .tasks_uj > 0 then .idle_uj == 0 else true end)))))' "$TMP/prop.jsonl"
check "replay --idle proportional keeps every ΔE, and unattributed to within the 1 µJ of rounding" \
	jq -n -e --slurpfile a "$R" --slurpfile b "$TMP/prop.jsonl" '[range(1; $a | length)] | all(.[]; . as $i |
		[range(0; $a[$i].domains | length)] | all(.[]; . as $k | $a[$i].domains[$k] as $x | $b[$i].domains[$k] as $y |
			$x.delta_uj == $y.delta_uj and ($x.unattributed_uj - $y.unattributed_uj | fabs) <= 1))'
check "replay of a replayed recording under the first policy gives the original back" \
	bash -c '"$0" replay "$1" --idle separate | cmp - "$2"' "$JS" "$TMP/prop.jsonl" "$R"
check "replay --idle baseline without static power warns per domain" \
	bash -c '"$0" replay "$1" --idle baseline 2>&1 >/dev/null | grep -q "warning: psys has no static power (pass --baseline FILE)"' "$JS" "$R"
printf '# static power\njoulestat-baseline 1\npsys 8000\npackage 2000\n' >"$TMP/baseline"
check "replay --idle baseline --baseline FILE: psys idle is 8 W × the interval (capped at ΔE)" \
	bash -c '"$0" replay "$1" --idle baseline --baseline "$2" | jq -se "
		(.[0].domains | map(.name) | index(\"psys\")) as \$p | .[0].domains[\$p].static_mw == 8000 and
		(.[1:] | all(.[]; (.end_ns - .start_ns) as \$ns | ([(8000 * \$ns / 1000000 | floor), .domains[\$p].delta_uj] | min) == .domains[\$p].idle_uj))"' \
	"$JS" "$R" "$TMP/baseline"
check "replay --baseline with a malformed file exits 1 naming its line" \
	bash -c 'printf "joulestat-baseline 1\npsys lots\n" >"$1/bad-baseline"; "$0" replay "$2" --baseline "$1/bad-baseline" 2>&1 >/dev/null |
		grep -q "bad-baseline:2: "; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS" "$TMP" "$R"

# ---- the real machine ----
"$JS" record -o "$TMP/real.jsonl" -i 0.2 -d 1 --raw 2>"$TMP/real.err" &
REC=$!
sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' &
wait $REC
echo $? >"$TMP/real.rc"
check "real: record --raw -d 1 -i 0.2 writes 5 balanced intervals" \
	bash -c '[ "$(cat "$0.rc")" = 0 ] && jq -se ".[0].format == \"joulestat-record\" and (.[1:] | length) == 5 and
		(.[1:] | all(.[]; .host.delta_uj == .host.tasks_uj + .host.idle_uj + .host.unattributed_uj))" "$0.jsonl"' "$TMP/real"
check "real: replay reproduces the real recording byte for byte" \
	bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$TMP/real.jsonl"
check "real: record -d 0.5 without --raw has no raw part, and replay refuses it naming --raw" \
	bash -c '"$0" record -o "$1/plain.jsonl" -i 0.1 -d 0.5 && jq -se "(.[0].options.raw | not) and all(.[1:][]; has(\"raw\") | not)" "$1/plain.jsonl" &&
		"$0" replay "$1/plain.jsonl" 2>&1 >/dev/null | grep -q "was recorded without --raw"; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS" "$TMP"
check "real: record -o - writes the recording to standard output" \
	bash -c '"$0" record -o - -i 0.1 -d 0.3 | jq -se ".[0].format == \"joulestat-record\" and length == 4"' "$JS"

# SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored,
# so a SIGINT sent before record installs its handler would be lost. The
# signal goes once the handler is in (SigCgt bit 15, set after the first
# sample), however slow the start; the interval is 120 s, so an interval
# shorter than that was cut by the signal, on any machine.
sigterm_first() {
	local p i
	"$JS" record -o "$TMP/int.jsonl" -i 120 -d 240 &
	p=$!
	caught() {
		local m
		m=$(awk '/^SigCgt/ {print $2}' /proc/$p/status 2>/dev/null)
		[ -n "$m" ] && (( 0x$m & 0x4000 ))
	}
	for i in $(seq 1200); do
		caught && break
		kill -0 $p 2>/dev/null || break
		sleep 0.1
	done
	if ! caught; then
		echo "record installed no SIGTERM handler (in 120 s, or it exited)"
		kill -KILL $p 2>/dev/null
		wait $p
		return 1
	fi
	kill -TERM $p
	wait $p || return 1
	jq -se '(.[1] | {seq, length_ns: (.end_ns - .start_ns)}), (length == 2 and .[1].seq == 1 and (.[1].end_ns - .[1].start_ns) < 120000000000)' \
		"$TMP/int.jsonl"
}
check "real: SIGTERM during the first interval still writes it, and exits 0" sigterm_first

# ---- a recording cut short (a full disk, a crash): read up to its last complete interval ----
head -n 3 "$R" >"$TMP/cut.jsonl"
sed -n 4p "$R" | head -c 200 >>"$TMP/cut.jsonl"
check "report reads a recording cut short mid-line up to it, warning with line 4 and the count" \
	bash -c '"$0" report "$1" >"$2/cut.out" 2>"$2/cut.err" &&
		grep -q "^joulestat report: warning: .*cut.jsonl:4: the last line is cut short .*read the 2 complete intervals before it" "$2/cut.err" &&
		grep -q "cut.jsonl: 2 intervals" "$2/cut.out"' "$JS" "$TMP/cut.jsonl" "$TMP"
check "replay gives back the complete intervals of a recording cut short, with the warning" \
	bash -c '"$0" replay "$1" -o "$2/cut-re.jsonl" 2>"$2/cut-re.err" &&
		head -n 3 "$3" | cmp - "$2/cut-re.jsonl" &&
		grep -q "cut.jsonl:4: the last line is cut short" "$2/cut-re.err"' "$JS" "$TMP/cut.jsonl" "$TMP" "$R"
# ---- bad recordings: exit 1, the line named, nothing skipped ----
{ head -n 3 "$R"; sed -n 4p "$R" | head -c 200; echo; tail -n +5 "$R"; } >"$TMP/midcut.jsonl"
check "a line cut short before the last is an error naming line 4 and the column" \
	runtime_error report "midcut.jsonl:4: column 201: not valid JSON" "$TMP/midcut.jsonl"
check "replay refuses it the same way" \
	runtime_error replay "midcut.jsonl:4: column 201" "$TMP/midcut.jsonl"
{ head -n 2 "$R"; sed -n 3p "$R" | sed 's/"delta_uj":\([0-9]*\)/"delta_uj":"\1"/'; tail -n +4 "$R"; } >"$TMP/corrupt.jsonl"
check "a corrupt field names the line and the field" \
	runtime_error report "corrupt.jsonl:3: host.delta_uj: expected an unsigned integer, got a string" "$TMP/corrupt.jsonl"
{ head -n 2 "$R"; sed -n 3p "$R" | sed 's/"idle_uj":\([0-9]*\)/"idle_uj":1\1/'; } >"$TMP/unbalanced.jsonl"
check "a ledger that does not balance is refused" \
	runtime_error report "unbalanced.jsonl:3: host: ledger does not balance" "$TMP/unbalanced.jsonl"
sed '3d' "$R" >"$TMP/gap.jsonl"
check "a missing interval is refused, not skipped" \
	runtime_error report "gap.jsonl:3: interval seq 3 follows seq 1: intervals are missing" "$TMP/gap.jsonl"
sed '1s/"version":2/"version":3/' "$R" >"$TMP/newer.jsonl"
check "a newer format version is refused naming both versions" \
	runtime_error report "newer.jsonl:1: format version 3 is newer than this joulestat reads \(2\)" "$TMP/newer.jsonl"
check "replay refuses the newer version too" runtime_error replay "format version 3 is newer" "$TMP/newer.jsonl"
{ cat "$R"; echo; } >"$TMP/blank.jsonl"
check "an empty line is refused naming it" runtime_error report "blank.jsonl:8: empty line" "$TMP/blank.jsonl"
: >"$TMP/empty.jsonl"
check "an empty file is refused" runtime_error report "empty.jsonl: empty file, not a recording" "$TMP/empty.jsonl"
check "a probe document is not a recording" \
	bash -c '"$0" probe --json -i 0.01 | jq -c . >"$1/probe.json" && "$0" report "$1/probe.json" 2>&1 | grep -q "probe.json:1: not a joulestat recording"' "$JS" "$TMP"
check "a missing file exits 1 naming it" runtime_error report "cannot read $TMP/none.jsonl: No such file" "$TMP/none.jsonl"
# Mode 000 keeps the owner out too; root reads anything, so as root the report
# runs without the capabilities that bypass file permissions (and needs no
# access to the build tree as another user).
check "an unreadable file exits 1 with the reason" \
	bash -c 'cp "$1" "$2/locked.jsonl"; chmod 000 "$2/locked.jsonl"; drop=;
		[ "$(id -u)" = 0 ] && drop="setpriv --bounding-set=-dac_override,-dac_read_search";
		$drop "$0" report "$2/locked.jsonl" 2>&1 | grep -q "cannot read .*locked.jsonl: Permission denied"; [ ${PIPESTATUS[0]} -eq 1 ]' \
	"$JS" "$R" "$TMP"
check "report of a directory is refused" runtime_error report "cannot read $TMP: it is a directory" "$TMP"

# ---- report ----
check "report prints the top processes per chart, busy-b first" \
	bash -c '"$0" report "$1" --top 3 >"$2/rep.txt" && grep -q "^Host total: " "$2/rep.txt" &&
		awk "/^Host total/{f=1; next} f && NF {print; exit}" "$2/rep.txt" | grep -q "^  busy-b (200) "' "$JS" "$R" "$TMP"
check "report --svg writes well-formed SVG (xmllint)" \
	bash -c '"$0" report "$1" --svg "$2/r.svg" && xmllint --noout "$2/r.svg"' "$JS" "$R" "$TMP"
check "the SVG has a chart for the host, each domain and each socket, in order" \
	bash -c 'xmllint --xpath "//*[local-name()=\"g\"][@class=\"chart\"]/@data-title" "$0" | tr -s " " "\n" | grep -c data-title | grep -qx 10 &&
		xmllint --xpath "string((//*[local-name()=\"g\"][@class=\"chart\"])[1]/@data-title)" "$0" | grep -qx "Host total" &&
		xmllint --xpath "//*[local-name()=\"g\"][@class=\"chart\"]/@data-title" "$0" | grep -q "Socket 1 (package + dram)"' "$TMP/r.svg"
check "the host chart stacks busy-b, busy-a, other, unattributed and idle under the total line" \
	bash -c 'xmllint --xpath "(//*[local-name()=\"g\"][@class=\"chart\"])[1]/*[local-name()=\"path\"][@class=\"series\"]/@data-series" "$0" |
		tr "\n" " " | grep -q "data-series=\"busy-b (200)\" *data-series=\"busy-a (100)\" *data-series=\"other processes\" *data-series=\"unattributed\" *data-series=\"idle\"" &&
		[ "$(xmllint --xpath "count((//*[local-name()=\"g\"][@class=\"chart\"])[1]/*[local-name()=\"path\"][@class=\"total\"])" "$0")" = 1 ]' "$TMP/r.svg"
check "report --top 1 keeps only busy-b named on the host chart, busy-a alone on socket 0's" \
	bash -c '"$0" report "$1" --top 1 --svg "$2/r1.svg" &&
		s=$(xmllint --xpath "(//*[local-name()=\"g\"][@class=\"chart\"])[1]/*[@class=\"series\"]/@data-series" "$2/r1.svg") &&
		grep -q "busy-b (200)" <<<"$s" && ! grep -q "busy-a" <<<"$s" &&
		xmllint --xpath "//*[local-name()=\"g\"][@data-title=\"Socket 0 (package + dram)\"]/*[@class=\"series\"]/@data-series" "$2/r1.svg" |
		grep -q "busy-a (100)"' "$JS" "$R" "$TMP"
sed 's/"busy-a"/"b\xffy<\&>\\u0001"/g' "$R" >"$TMP/odd.jsonl"
check "a command name with markup, invalid UTF-8 and a control byte still gives well-formed SVG" \
	bash -c '"$0" report "$1/odd.jsonl" --svg "$1/odd.svg" && xmllint --noout "$1/odd.svg" &&
		grep -q "data-series=\"b?y&lt;&amp;&gt;? (100)\"" "$1/odd.svg"' "$JS" "$TMP"
check "report --html writes one page with no external resources" \
	bash -c '"$0" report "$1" --html "$2/r.html" && grep -q "<table id=\"top\">" "$2/r.html" && grep -q "<svg" "$2/r.html" &&
		! grep -Eq "(src|href)=\"https?:" "$2/r.html" && ! grep -q "<script" "$2/r.html"' "$JS" "$R" "$TMP"

done_testing
