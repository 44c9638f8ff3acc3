#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# b7-record-size.sh [JOULESTAT] [SECONDS] [PROCESSES] - B7: bytes per task row
# in `joulestat record` output, target <= 100 (DESIGN.md section 5).
#
# Starts PROCESSES small workers (default 200) that each run a little every
# 50 ms, so every interval has that many process rows besides the machine's
# own, records SECONDS (default 10) at 1 s with and without --raw, and prints
#   rows: the bytes of the rows arrays / the number of rows (the row itself,
#         its comma included);
#   file: the whole file / the number of rows (header, ledgers included);
#   raw:  the raw part's bytes / the number of raw task entries (threads).
set -eu
JS=${1:-build/src/cli/joulestat}
SECS=${2:-10}
N=${3:-200}
TMP=$(mktemp -d)
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
for ((i = 0; i < N; i++)); do
	sh -c 'while :; do i=0; while [ $i -lt 50 ]; do i=$((i+1)); done; sleep 0.05; done' &
	pids+=($!)
done
sleep 1
"$JS" record -o "$TMP/plain.jsonl" -i 1 -d "$SECS"
"$JS" record -o "$TMP/raw.jsonl" -i 1 -d "$SECS" --raw
for f in plain raw; do
	jq -rs --arg name "$f" --argjson size "$(stat -c %s "$TMP/$f.jsonl")" '
		.[1:] as $iv | ($iv | map(.rows | length) | add) as $rows |
		($iv | map(.rows | tojson | length) | add) as $rowbytes |
		"\($name): \($iv | length) intervals, \($rows) process rows (\($rows / ($iv | length) | floor) per interval); " +
		"rows \($rowbytes / $rows * 10 | round / 10) B/row; file \($size / $rows * 10 | round / 10) B/row" +
		(if $iv[0].raw then
			(($iv | map(.raw.tasks | length) | add) as $t | ($iv | map(.raw | tojson | length) | add) as $rb |
			"; raw \($t) task entries, \($rb / $t * 10 | round / 10) B/task entry")
		else "" end)' "$TMP/$f.jsonl"
done
