#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-files-same.sh - an output that is one of the command's inputs (the
# same device and inode: by name, through a hard link or a symbolic link,
# or as standard output) is refused with exit 2 and a message naming both,
# and the input is left byte for byte as it was.
. "$(dirname "$0")/tap.sh"

"$JS" record -o "$TMP/x.jsonl" -i 0.1 -d 0.3 --raw --activity proc 2>/dev/null
cp "$TMP/x.jsonl" "$TMP/x.orig"
ln "$TMP/x.jsonl" "$TMP/hard.jsonl"
ln -s x.jsonl "$TMP/soft.jsonl"

same() { # ARGS...: exit 2, "is the same file as the input", the input intact
	expect_exit 2 "$JS" "$@" && grep_in "$TMP/err" "is the same file as the input" &&
		cmp "$TMP/x.jsonl" "$TMP/x.orig"
}

check "replay x.jsonl -o x.jsonl: exit 2, the recording intact" same replay "$TMP/x.jsonl" -o "$TMP/x.jsonl"
check "the message names the output and the input" \
	grep_in "$TMP/err" "replay: $TMP/x.jsonl is the same file as the input $TMP/x.jsonl"
check "replay -o a hard link to its input: exit 2" same replay "$TMP/x.jsonl" -o "$TMP/hard.jsonl"
check "replay -o a symbolic link to its input: exit 2" same replay "$TMP/x.jsonl" -o "$TMP/soft.jsonl"
check "replay through a hard link, -o the name: exit 2" same replay "$TMP/hard.jsonl" -o "$TMP/x.jsonl"
check "report y --html y: exit 2, the recording intact" same report "$TMP/x.jsonl" --html "$TMP/x.jsonl"
check "report y --svg y: exit 2" same report "$TMP/x.jsonl" --svg "$TMP/hard.jsonl"
check "replay - <x -o x (standard input is x): exit 2" \
	bash -c '"$0" replay - -o "$1" <"$1" 2>"$2/err"; [ $? -eq 2 ] && cmp "$1" "$2/x.orig"' \
	"$JS" "$TMP/x.jsonl" "$TMP"
check "replay x >>x (standard output is x): exit 2, x not grown" \
	bash -c '"$0" replay "$1" >>"$1" 2>"$2/err"; [ $? -eq 2 ] && grep -q "standard output is the same file" "$2/err" &&
		cmp "$1" "$2/x.orig"' "$JS" "$TMP/x.jsonl" "$TMP"
printf 'joulestat-baseline 1\npsys 1000\n' >"$TMP/base"
cp "$TMP/base" "$TMP/base.orig"
check "record -o its own --baseline file: exit 2, the baseline intact" \
	bash -c '"$0" record -o "$1" --baseline "$1" -d 0.2 --activity proc 2>"$2/err"; [ $? -eq 2 ] &&
		grep -q "is the same file as the input" "$2/err" && cmp "$1" "$2/base.orig"' "$JS" "$TMP/base" "$TMP"
check "replay -o its --baseline file: exit 2" \
	bash -c '"$0" replay "$1" --baseline "$2" -o "$2" 2>"$3/err"; [ $? -eq 2 ] && cmp "$2" "$3/base.orig"' \
	"$JS" "$TMP/x.jsonl" "$TMP/base" "$TMP"
check "another name is fine: replay x -o y reproduces x" \
	bash -c '"$0" replay "$1" -o "$2/y.jsonl" && cmp "$1" "$2/y.jsonl"' "$JS" "$TMP/x.jsonl" "$TMP"

done_testing
