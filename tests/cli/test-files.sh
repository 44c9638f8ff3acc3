#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-files.sh - the rest of the file rule (docs/FILES.md): '-' is standard
# output for every output and standard input for every input (report reads
# standard input twice through a copy); serve removes its OpenMetrics file
# when it stops on SIGTERM or SIGINT; calibrate finds an output it cannot
# write before it measures; a file where a directory is wanted and a
# directory where a file is wanted are named as such.
. "$(dirname "$0")/tap.sh"

"$JS" record -o "$TMP/r.jsonl" -i 0.1 -d 0.3 --raw --activity proc 2>/dev/null
R=$TMP/r.jsonl
mkdir "$TMP/cwd"
# A fresh directory to run in, where a file named '-' would show.
fresh() { mktemp -d "$TMP/in.XXXXXX"; }
export -f fresh

# ---- '-' is standard output, for every verb ----
check "run -o - writes the JSON to standard output, and no file named '-'" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" run -o - -- true 2>/dev/null | jq -e ".format == \"joulestat-run\"" &&
		[ ! -e "$d/-" ]' "$JS" "$TMP"
check "record -o - writes the recording to standard output" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" record -o - -i 0.1 -d 0.2 --activity proc 2>/dev/null |
		jq -se ".[0].format == \"joulestat-record\"" && [ ! -e "$d/-" ]' "$JS" "$TMP"
check "replay -o - and report --svg - write to standard output" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" replay "$1" -o - | cmp - "$1" &&
		"$0" report "$1" --svg - | xmllint --noout - && [ ! -e "$d/-" ]' "$JS" "$R" "$TMP"
check "profile -o - writes the JSON to standard output" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" profile -o - -- true 2>/dev/null | jq -e ".format == \"joulestat-profile\"" &&
		[ ! -e "$d/-" ]' "$JS" "$TMP"
check "calibrate -o - writes the baseline to standard output, its table to standard error" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" calibrate -d 1 --force -o - 2>"$1/cal.err" >"$1/cal.out" &&
		grep -qx "joulestat-baseline 1" "$1/cal.out" && ! grep -q "static W" "$1/cal.out" &&
		grep -q "static W" "$1/cal.err" && [ ! -e "$d/-" ]' "$JS" "$TMP"
check "report --svg - --html -: exit 2, only one can go to standard output" \
	bash -c 'd=$(fresh) && cd "$d" && "$0" report "$1" --svg - --html - >/dev/null 2>&1; [ $? -eq 2 ] &&
		[ ! -e "$d/-" ]' "$JS" "$R"

# ---- '-' is standard input: report reads it twice through a copy ----
"$JS" report "$R" 2>/dev/null | tail -n +2 >"$TMP/rep.file"
check "report - <recording: the same report as from the file" \
	bash -c '"$0" report - <"$1" >"$2/rep.stdin" && head -1 "$2/rep.stdin" | grep -q "^standard input: " &&
		tail -n +2 "$2/rep.stdin" | cmp - "$2/rep.file"' "$JS" "$R" "$TMP"
check "cat recording | report -: the same report (a pipe, not a file)" \
	bash -c 'cat "$1" | "$0" report - | tail -n +2 | cmp - "$2/rep.file"' "$JS" "$R" "$TMP"
check "cat recording | report - --svg out.svg: well-formed SVG" \
	bash -c 'cat "$1" | "$0" report - --svg "$2/in.svg" && xmllint --noout "$2/in.svg"' "$JS" "$R" "$TMP"

# ---- serve removes its file when it stops ----
serve_stop_removes() { # SIGNAL
	local om=$TMP/stop-$1.om pid rc
	"$JS" serve --listen 127.0.0.1:0 -i 0.1 --activity proc --openmetrics-file "$om" 2>"$TMP/serve.err" &
	pid=$!
	for _ in $(seq 100); do [ -s "$om" ] && break; sleep 0.1; done
	[ -s "$om" ] || { echo "no file written"; return 1; }
	kill -"$1" "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { echo "exit $rc"; cat "$TMP/serve.err"; return 1; }
	[ ! -e "$om" ] || { echo "$om is still there"; return 1; }
	! ls "$TMP" | grep -q "^stop-$1.om"
}
check "serve removes its OpenMetrics file when stopped with SIGTERM" serve_stop_removes TERM
check "serve removes its OpenMetrics file when stopped with SIGINT" serve_stop_removes INT

# ---- calibrate: the output is checked before ten seconds of measuring ----
check "calibrate -o a file in a missing directory under a file: exit 1 before it measures" \
	bash -c 'touch "$1/plain"; "$0" calibrate -d 30 -o "$1/plain/base" 2>"$1/cal.err"; [ $? -eq 1 ] &&
		grep -q "$1/plain/base" "$1/cal.err" && ! grep -q measuring "$1/cal.err"' "$JS" "$TMP"
check "calibrate -o a directory: exit 1 before it measures" \
	bash -c '"$0" calibrate -d 30 -o "$1/cwd" 2>"$1/cal.err"; [ $? -eq 1 ] &&
		grep -q "cannot write $1/cwd: it is a directory" "$1/cal.err" && ! grep -q measuring "$1/cal.err"' \
	"$JS" "$TMP"

# ---- a file where a directory is wanted, and the other way round ----
check "--sysfs-root a file: exit 1, 'not a directory', not 'Permission denied'" \
	bash -c '"$0" probe --sysfs-root "$1/plain" 2>"$1/root.err"; [ $? -eq 1 ] &&
		grep -q -- "--sysfs-root $1/plain: not a directory (give the directory that stands for /sys)" "$1/root.err" &&
		! grep -q "Permission denied" "$1/root.err"' "$JS" "$TMP"
check "--baseline a directory: exit 1, 'a directory, not a file', not 'Input/output error'" \
	bash -c '"$0" top -n 1 --batch --idle baseline --baseline "$1/cwd" --activity proc 2>"$1/base.err"; [ $? -eq 1 ] &&
		grep -q "baseline file $1/cwd: a directory, not a file" "$1/base.err" &&
		! grep -q "Input/output error" "$1/base.err"' "$JS" "$TMP"
check "report of a directory: exit 1, 'it is a directory'" \
	bash -c '"$0" report "$1/cwd" 2>"$1/dir.err"; [ $? -eq 1 ] && grep -q "$1/cwd: it is a directory" "$1/dir.err"' \
	"$JS" "$TMP"

done_testing
