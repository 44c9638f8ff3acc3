#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-names.sh - a process named with terminal escapes, a stray byte and a
# quote (prctl PR_SET_NAME takes any bytes but NUL): every text output shows
# the name escaped (top --batch, report, run, probe, messages and log lines),
# and a recording of it is valid UTF-8 JSON that strict parsers read, that
# replay reproduces and that report reads back.
. "$(dirname "$0")/tap.sh"

NW=${JOULESTAT_NAME_WORKLOAD:?JOULESTAT_NAME_WORKLOAD is not set: run through meson test}
PY=/usr/bin/python3

# ESC ] 0 ; p w n BEL (an xterm title), 0xff (not UTF-8), '"', 'q'.
NAME_HEX=1b5d303b70776e07ff2271
SHOWN='^[]0;pwn^GM-^?"q'

# clean FILE: valid UTF-8 without control characters (C0 but newline, DEL, C1).
clean() {
	"$PY" -c '
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [(i, hex(ord(c))) for i, c in enumerate(text)
       if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0]
if bad:
    print("control characters at", bad[:10])
    sys.exit(1)
' "$1"
}
export -f clean
export PY
# strict_jsonl FILE: every line parses as JSON with strict UTF-8 decoding.
strict_jsonl() {
	"$PY" -c '
import json, sys
with open(sys.argv[1], "rb") as f:
    for n, line in enumerate(f, 1):
        try:
            json.loads(line.decode("utf-8", errors="strict"))
        except Exception as e:
            print("line", n, e)
            sys.exit(1)
' "$1" && jq -e . "$1" >/dev/null
}

"$NW" "$NAME_HEX" 0 30 >"$TMP/nw.pid" &
NWJOB=$!
for _ in $(seq 100); do [ -s "$TMP/nw.pid" ] && break; sleep 0.05; done
NWPID=$(cat "$TMP/nw.pid")
check "the workload names itself with the raw bytes" \
	bash -c 'od -An -tx1 "/proc/$0/comm" | tr -d " \n" | grep -qx "${1}0a"' "$NWPID" "$NAME_HEX"

"$JS" top --batch -n 2 -i 0.4 --activity proc >"$TMP/top.out" 2>"$TMP/top.err"
echo $? >"$TMP/top.rc"
check "top --batch shows the name escaped" \
	bash -c '[ "$(cat "$0.rc")" = 0 ] && grep -F -- "$1" "$0.out" | grep -q "^ *$2 "' "$TMP/top" "$SHOWN" "$NWPID"
check "top --batch writes no control character and no invalid UTF-8" clean "$TMP/top.out"
"$JS" top --batch -n 1 -i 0.2 --activity proc --group comm >"$TMP/topc.out" 2>&1
check "top --batch --group comm: the same" bash -c 'grep -qF -- "$1" "$0" && clean "$0"' "$TMP/topc.out" "$SHOWN"

"$JS" record -o "$TMP/rec.jsonl" -i 0.3 -d 0.9 --raw --activity proc 2>"$TMP/rec.err"
echo $? >"$TMP/rec.rc"
kill "$NWJOB" 2>/dev/null
wait "$NWJOB" 2>/dev/null
R=$TMP/rec.jsonl
check "record exits 0" bash -c '[ "$(cat "$0")" = 0 ]' "$TMP/rec.rc"
check "record: every line is JSON that a strict parser reads (UTF-8 checked)" strict_jsonl "$R"
check "record: the name is kept, its stray byte as U+FFFD, in the rows and the raw tasks" \
	"$PY" -c '
import json, sys
lines = [json.loads(l.decode("utf-8")) for l in open(sys.argv[1], "rb")]
pid = int(sys.argv[2])
rows = [r[3] for iv in lines[1:] for r in iv["rows"] if r[0] == pid]
tasks = [t[5] for iv in lines[1:] for t in iv["raw"]["tasks"] if t[0] == pid]
want = "\x1b]0;pwn\x07\ufffd\"q"
sys.exit(0 if rows and tasks and all(n == want for n in rows + tasks) else print(rows, tasks) or 1)
' "$R" "$NWPID"
check "replay reproduces the recording byte for byte" bash -c '"$0" replay "$1" | cmp - "$1"' "$JS" "$R"
"$JS" report "$R" --top 50 >"$TMP/rep.txt" 2>&1
echo $? >"$TMP/rep.rc"
check "report reads it, and its text shows the name escaped" \
	bash -c '[ "$(cat "$0.rc")" = 0 ] && grep -qF -- "^[]0;pwn^G"$'"'"'\xef\xbf\xbd'"'"'"\"q ($1)" "$0.txt"' "$TMP/rep" "$NWPID"
check "report's text has no control character" clean "$TMP/rep.txt"
check "report --svg is well-formed" bash -c '"$0" report "$1" --svg "$2" && xmllint --noout "$2"' "$JS" "$R" "$TMP/r.svg"

# A recording written before names were made UTF-8: the raw bytes in the file.
"$PY" -c '
import sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(data.replace(b"\\ufffd", b"\xff").replace("\ufffd".encode(), b"\xff"))
' "$R" "$TMP/old.jsonl"
check "an older recording with raw invalid UTF-8 is still read, and shown escaped" \
	bash -c '"$0" report "$1" --top 50 >"$2" && grep -qF -- "$3 (" "$2" && clean "$2"' "$JS" "$TMP/old.jsonl" "$TMP/old.txt" "$SHOWN"

# Messages and log lines quote names from files and options.
sed '1s/"name":"\([a-z0-9-]*\)"/"name":"\\u001b]0;dom\\u0007"/' "$R" >"$TMP/domname.jsonl"
check "replay's warning names the domain escaped" \
	bash -c '"$0" replay "$1" --idle baseline 2>"$2" >/dev/null; grep -qF "^[]0;dom^G has no static power" "$2" && clean "$2"' \
	"$JS" "$TMP/domname.jsonl" "$TMP/replay.err"
sed '2s/"status":"[a-z-]*"/"status":"\\u001b[2J"/' "$R" >"$TMP/status.jsonl"
check "report's error quotes the file's text escaped" \
	bash -c '"$0" report "$1" 2>"$2"; [ $? = 1 ] && grep -qF "unknown status \"^[[2J\"" "$2" && clean "$2"' \
	"$JS" "$TMP/status.jsonl" "$TMP/status.err"
BAD=$TMP/$(printf 'base\033]0;x\007line')
check "a log line quoting a path shows it escaped" \
	bash -c '"$0" top --batch -n 1 --activity proc --idle baseline --baseline "$1" >/dev/null 2>"$2"; grep -qF "base^[]0;x^Gline" "$2" && clean "$2"' \
	"$JS" "$BAD" "$TMP/log.err"
check "run's report shows the command line escaped" \
	bash -c '"$0" run --activity proc -- /bin/true "$(printf "x\033]0;y\007")" 2>"$1"; grep -qF "/bin/true x^[]0;y^G" "$1" && clean "$1"' \
	"$JS" "$TMP/run.err"
# A minimal machine under a root whose path holds the escape: one CPU.
mkdir -p "$BAD/devices/system/cpu/cpu0"
printf '0\n' >"$BAD/devices/system/cpu/online"
check "probe's text shows a root path escaped" \
	bash -c '"$0" probe -i 0.01 --activity proc --sysfs-root "$1" >"$2" 2>&1; grep -qF "base^[]0;x^Gline" "$2" && clean "$2"' \
	"$JS" "$BAD" "$TMP/probe.out"

done_testing
