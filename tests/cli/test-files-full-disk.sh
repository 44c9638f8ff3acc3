#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-files-full-disk.sh - a full filesystem, for real: a small tmpfs
# mounted for the test. `record` stops with exit 1 and says why, and the
# recording stays readable: no partial last line, every line whole JSON,
# report and replay read every interval in it. A file written whole
# (report --svg) leaves the old file and no temporary one. serve logs its
# first failed OpenMetrics write at once, counts each one in
# joulestat_openmetrics_file_write_errors_total, and says when it writes again.
. "$(dirname "$0")/tap.sh"

F=$TMP/full
mkdir "$F"
WHY=
if [ "$(id -u)" != 0 ]; then
	WHY="needs root to mount a tmpfs"
elif ! mount -t tmpfs -o size=256k,mode=0755 joulestat-test "$F" 2>"$TMP/mount.err"; then
	WHY="cannot mount a tmpfs here: $(head -1 "$TMP/mount.err")"
fi
if [ -n "$WHY" ]; then
	for d in "record on a full disk" "the recording is readable" "report --svg on a full disk" \
		"serve on a full disk"; do
		echo "ok $((TAP_N += 1)) - $d # SKIP $WHY"
	done
	done_testing
	exit
fi
trap 'umount "$F" 2>/dev/null; rm -rf "$TMP"' EXIT

# ---- record until the disk is full ----
# Lines of the real machine's processes, 10 ms apart: 256 KiB fill within seconds.
timeout 120 "$JS" record -o "$F/rec.jsonl" -i 0.01 -d 600 --raw --activity proc 2>"$TMP/rec.err"
echo $? >"$TMP/rec.rc"
check "record on a full disk: exit 1, naming the file and the reason" \
	bash -c '[ "$(cat "$0")" = 1 ] && grep -q "cannot write $1: No space left on device" "$2"' \
	"$TMP/rec.rc" "$F/rec.jsonl" "$TMP/rec.err"
check "it says the file ends at its last complete line" \
	grep_in "$TMP/rec.err" "the file ends at its last complete record"
check "the disk was full indeed (less room left than the longest line and a page)" \
	bash -c '[ "$(df --output=avail -B1 "$0" | tail -1)" -lt $(($(awk "length > m {m = length} END {print m}" "$1") + 4096)) ]' \
	"$F" "$F/rec.jsonl"
check "no partial last line: the file ends with a newline, every line is whole JSON" \
	bash -c '[ -s "$0" ] && [ "$(tail -c 1 "$0" | od -An -c | tr -d " ")" = "\n" ] &&
		jq -c . "$0" >/dev/null && [ "$(wc -l <"$0")" -ge 2 ]' "$F/rec.jsonl"
N=$(($(wc -l <"$F/rec.jsonl") - 1))
echo "# $N intervals recorded before the disk was full"
check "report reads all $N intervals, without a warning" \
	bash -c '"$0" report "$1" >"$2/rep.out" 2>"$2/rep.err" && grep -q ": $3 intervals" "$2/rep.out" &&
		! grep -q warning "$2/rep.err"' "$JS" "$F/rec.jsonl" "$TMP" "$N"
check "replay gives back all $N intervals" \
	bash -c '"$0" replay "$1" -o "$2/re.jsonl" && [ "$(wc -l <"$2/re.jsonl")" = $(($3 + 1)) ]' \
	"$JS" "$F/rec.jsonl" "$TMP" "$N"

# ---- a file written whole: the old one stays, no temporary file ----
head -n 11 "$F/rec.jsonl" >"$TMP/rec.jsonl"
rm "$F/rec.jsonl"
"$JS" report "$TMP/rec.jsonl" --svg "$F/small.svg"
cat /dev/zero >"$F/fill" 2>/dev/null
check "report --svg on a full disk: exit 1 naming it; the old SVG intact; no temporary file" \
	bash -c 'cp "$1/small.svg" "$2/before.svg"; "$0" report "$2/rec.jsonl" --top 50 --svg "$1/small.svg" 2>"$2/svg.err"
		[ $? -eq 1 ] && grep -q "cannot write $1/small.svg: No space left on device" "$2/svg.err" &&
		cmp "$1/small.svg" "$2/before.svg" && [ "$(ls -A "$1" | sort | tr "\n" " ")" = "fill small.svg " ]' \
	"$JS" "$F" "$TMP"
rm -f "$F/fill" "$F/small.svg"

# ---- serve: the OpenMetrics file on a disk that fills, then has room again ----
"$JS" serve --listen 127.0.0.1:0 -i 0.1 --activity proc --openmetrics-file "$F/x.om" 2>"$TMP/serve.err" &
SERVE=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.err" && [ -s "$F/x.om" ] && break; sleep 0.1; done
URL=$(sed -n 's|.*listening on \(http://[^ ]*\)|\1|p' "$TMP/serve.err")
errors() { curl -s "$URL" | awk '/^joulestat_openmetrics_file_write_errors_total / {print $2}'; }
export -f errors
export URL
check "serve: the error counter is there and 0 while the file is written" bash -c '[ "$(errors)" = 0 ]' 
cat /dev/zero >"$F/fill" 2>/dev/null
for _ in $(seq 100); do [ "$(errors)" -ge 3 ] 2>/dev/null && break; sleep 0.1; done
check "serve on a full disk: the failed writes are counted" bash -c '[ "$(errors)" -ge 3 ]'
check "the first failure was logged at once (three failed, one line), naming the file" \
	bash -c '[ "$(grep -c "cannot write $0.*No space left on device" "$1")" = 1 ] &&
		grep -q "(1 failed write so far; the file keeps the page before)" "$1"' "$F/x.om" "$TMP/serve.err"
check "/metrics keeps answering, and the file keeps a whole page" \
	bash -c 'curl -sf "$URL" >/dev/null && [ "$(tail -c 6 "$0")" = "# EOF" ]' "$F/x.om"
rm -f "$F/fill"
for _ in $(seq 100); do grep -q "written again" "$TMP/serve.err" && break; sleep 0.1; done
check "room again: serve says the file is written again" grep_in "$TMP/serve.err" "$F/x.om written again"
kill -TERM "$SERVE"
wait "$SERVE"
echo $? >"$TMP/serve.rc"
check "serve stops with exit 0 and removes its file; no temporary file left" \
	bash -c '[ "$(cat "$0")" = 0 ] && [ -z "$(ls -A "$1")" ]' "$TMP/serve.rc" "$F"

done_testing
