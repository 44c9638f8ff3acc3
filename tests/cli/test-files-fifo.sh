#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-files-fifo.sh - a named pipe where joulestat reads or writes never
# hangs it: an output pipe without a reader is refused at once, one with a
# reader is written; a baseline file, a configuration file or a sysfs
# energy_uj that is a pipe is refused naming it; a recording that is a pipe
# with no writer reads as empty. Every command runs under `timeout`: a hang
# is a failure (exit 124), not a stuck suite.
. "$(dirname "$0")/tap.sh"

T=20	# seconds: far above what any of these takes
mkfifo "$TMP/p"

check "record -o a pipe with no reader: exit 1 at once, naming it" \
	bash -c 'timeout "$0" "$1" record -o "$2" -i 0.1 -d 0.2 --activity proc 2>"$3/err"; [ $? -eq 1 ] &&
		grep -q "cannot write $2: it is a named pipe with no reader" "$3/err"' "$T" "$JS" "$TMP/p" "$TMP"
check "replay -o, report --svg, run -o and profile -o a pipe with no reader: exit 1 at once" \
	bash -c '"$1" record -o "$3/r.jsonl" -i 0.1 -d 0.3 --raw --activity proc 2>/dev/null || exit 1
		for args in "replay $3/r.jsonl -o $2" "report $3/r.jsonl --svg $2" "run -o $2 -- true" \
			"profile -o $2 -- true"; do
			timeout "$0" "$1" $args 2>"$3/err"; rc=$?
			[ $rc -eq 1 ] && grep -q "named pipe with no reader" "$3/err" ||
				{ echo "$args: exit $rc"; cat "$3/err"; exit 1; }
		done' "$T" "$JS" "$TMP/p" "$TMP"
# The reader starts in the background: until it has the pipe open, record is
# refused (and writes nothing), so it is tried again until the reader is there.
check "record -o a pipe with a reader: the recording goes through the pipe" \
	bash -c 'timeout "$0" cat "$2" >"$3/through.jsonl" & c=$!
		for i in $(seq 100); do
			timeout "$0" "$1" record -o "$2" -i 0.1 -d 0.3 --activity proc 2>"$3/err" && break
			grep -q "named pipe with no reader" "$3/err" || { cat "$3/err"; exit 1; }
			sleep 0.1
		done
		wait $c && [ -p "$2" ] && jq -se "length >= 3 and .[0].format == \"joulestat-record\"" "$3/through.jsonl"' \
	"$T" "$JS" "$TMP/p" "$TMP"
check "--baseline a pipe: exit 1 at once, naming it as a pipe" \
	bash -c 'timeout "$0" "$1" record -o "$3/b.jsonl" -d 0.2 --idle baseline --baseline "$2" --activity proc 2>"$3/err"
		[ $? -eq 1 ] && grep -q "baseline file $2: a named pipe or socket, not a file" "$3/err"' "$T" "$JS" "$TMP/p" "$TMP"
check "replay --baseline a pipe: exit 1 at once" \
	bash -c 'timeout "$0" "$1" replay "$3/r.jsonl" --baseline "$2" >/dev/null 2>"$3/err"
		[ $? -eq 1 ] && grep -q "$2: a named pipe or socket, not a file" "$3/err"' "$T" "$JS" "$TMP/p" "$TMP"
check "--config a pipe: exit at once, naming it" \
	bash -c 'timeout "$0" "$1" probe --config "$2" >/dev/null 2>"$3/err"; rc=$?
		[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "configuration $2: a named pipe or socket, not a file" "$3/err"' \
	"$T" "$JS" "$TMP/p" "$TMP"
check "report and replay of a pipe with no writer: exit 1 at once, empty" \
	bash -c 'for v in report replay; do timeout "$0" "$1" $v "$2" >/dev/null 2>"$3/err"; rc=$?
			[ $rc -eq 1 ] && grep -q "$2: empty file" "$3/err" || { echo "$v: exit $rc"; cat "$3/err"; exit 1; }
		done' "$T" "$JS" "$TMP/p" "$TMP"
check "report of a pipe with a writer reads it (twice, through a copy)" \
	bash -c 'timeout "$0" "$1" report <(cat "$2/r.jsonl") >"$2/rep.out" && grep -q "intervals" "$2/rep.out"' \
	"$T" "$JS" "$TMP"

# A fixture sysfs whose package-1 energy_uj is a pipe: the zone is skipped, named, and nothing waits.
cp -r "$DATA/intel-2s/sys" "$TMP/sys"
rm "$TMP/sys/class/powercap/intel-rapl:1/energy_uj"
mkfifo "$TMP/sys/class/powercap/intel-rapl:1/energy_uj"
check "a sysfs energy_uj that is a pipe: probe finishes, naming it, the other zones read" \
	bash -c 'timeout "$0" "$1" probe --sysfs-root "$2/sys" --source powercap >"$2/probe.out" 2>&1 &&
		grep -q "intel-rapl:1/energy_uj: a named pipe or socket, not a file" "$2/probe.out" &&
		grep -q "package-0" "$2/probe.out"' "$T" "$JS" "$TMP"
check "top over it: one frame, no hang" \
	bash -c 'timeout "$0" "$1" top -n 1 --batch -i 0.2 --sysfs-root "$2/sys" --source powercap --activity proc >/dev/null' \
	"$T" "$JS" "$TMP"

done_testing
