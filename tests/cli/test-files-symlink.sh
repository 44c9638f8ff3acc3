#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-files-symlink.sh - every file joulestat writes, as root, in a
# world-writable sticky directory where another user (nobody) planted a
# symbolic link to a file of root's, their own file, or a hard link to a
# file of root's: each verb refuses, naming the path and the reason, and the
# victim is untouched. The kernel's fs.protected_symlinks and
# fs.protected_regular are turned off for the run (and restored), so what
# refuses is joulestat's own check (docs/FILES.md).
. "$(dirname "$0")/tap.sh"

skip_all() {
	for d in "$@"; do echo "ok $((TAP_N += 1)) - $d # SKIP $WHY"; done
}

WHY=
if [ "$(id -u)" != 0 ]; then
	WHY="needs root: another user plants the links"
elif ! id nobody >/dev/null 2>&1; then
	WHY="no user 'nobody' to plant the links"
fi
if [ -n "$WHY" ]; then
	skip_all "record -o a planted link" "the other verbs refuse it too" \
		"another user's file" "a hard link to root's file"
	done_testing
	exit
fi

# The kernel's protections off, as on a machine that has them off; restored at exit.
OLD_SYMLINKS=$(sysctl -n fs.protected_symlinks 2>/dev/null)
OLD_REGULAR=$(sysctl -n fs.protected_regular 2>/dev/null)
restore() {
	[ -n "$OLD_SYMLINKS" ] && sysctl -q -w fs.protected_symlinks="$OLD_SYMLINKS" 2>/dev/null
	[ -n "$OLD_REGULAR" ] && sysctl -q -w fs.protected_regular="$OLD_REGULAR" 2>/dev/null
	rm -rf "$TMP"
}
trap restore EXIT
sysctl -q -w fs.protected_symlinks=0 2>/dev/null || true
sysctl -q -w fs.protected_regular=0 2>/dev/null || true
echo "# fs.protected_symlinks=$(sysctl -n fs.protected_symlinks) fs.protected_regular=$(sysctl -n fs.protected_regular) (were $OLD_SYMLINKS, $OLD_REGULAR)"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

chmod 755 "$TMP"
S=$TMP/sticky
mkdir "$S"
chmod 1777 "$S"
V=$TMP/victim
printf 'precious\n' >"$V"
chmod 644 "$V"
if ! as_nobody test -w "$S"; then
	WHY="nobody cannot reach $S (TMPDIR=${TMPDIR:-/tmp} is closed to other users)"
	skip_all "record -o a planted link" "the other verbs refuse it too" \
		"another user's file" "a hard link to root's file"
	done_testing
	exit
fi

# A link in the sticky directory, owned by nobody, to root's file.
plant() { # NAME
	rm -f "$S/$1"
	as_nobody ln -s "$V" "$S/$1"
}
victim_intact() { [ "$(cat "$V")" = precious ] || { echo "the victim was written:"; head -c 300 "$V"; return 1; }; }
refused() { # WANT CMD...: exit 1, the message names the path and the reason, the victim intact
	local want=$1
	shift
	expect_exit 1 "$@" && grep_in "$TMP/err" "$want" && victim_intact
}

# A short real recording to read (raw, for replay).
"$JS" record -o "$TMP/r.jsonl" -i 0.1 -d 0.3 --raw --activity proc 2>/dev/null
R=$TMP/r.jsonl

plant rec.jsonl
check "record -o a link nobody planted in a sticky directory: refused, the target untouched" \
	refused "cannot write $S/rec.jsonl: it is a symbolic link" \
	"$JS" record -o "$S/rec.jsonl" -i 0.1 -d 0.2 --activity proc
check "the link is still there, still nobody's" \
	bash -c '[ -L "$0" ] && [ "$(stat -c %U "$0")" = nobody ]' "$S/rec.jsonl"

plant out
check "replay -o a planted link: refused" refused "$S/out: it is a symbolic link" \
	"$JS" replay "$R" -o "$S/out"
check "report --svg a planted link: refused" refused "$S/out: it is a symbolic link" \
	"$JS" report "$R" --svg "$S/out"
check "report --html a planted link: refused" refused "$S/out: it is a symbolic link" \
	"$JS" report "$R" --html "$S/out"
check "run -o a planted link: refused before the command runs" \
	bash -c '"$0" run -o "$1" -- touch "$2/ran" 2>"$2/err"; [ $? -eq 1 ] &&
		grep -q "$1: it is a symbolic link" "$2/err" && [ ! -e "$2/ran" ] &&
		[ "$(cat "$3")" = precious ]' "$JS" "$S/out" "$TMP" "$V"
check "profile -o a planted link: refused before the command runs" \
	bash -c '"$0" profile -o "$1" -- touch "$2/ran" 2>"$2/err"; [ $? -eq 1 ] &&
		grep -q "$1: it is a symbolic link" "$2/err" && [ ! -e "$2/ran" ] &&
		[ "$(cat "$3")" = precious ]' "$JS" "$S/out" "$TMP" "$V"
check "profile --html a planted link: refused before the command runs" \
	bash -c '"$0" profile --html "$1" -- touch "$2/ran" 2>"$2/err"; [ $? -eq 1 ] &&
		grep -q "$1: it is a symbolic link" "$2/err" && [ ! -e "$2/ran" ]' "$JS" "$S/out" "$TMP"
check "calibrate -o a planted link: refused before it measures" \
	bash -c '"$0" calibrate -d 30 -o "$1" 2>"$2/err"; [ $? -eq 1 ] &&
		grep -q "$1: it is a symbolic link" "$2/err" && ! grep -q "measuring" "$2/err" &&
		[ "$(cat "$3")" = precious ]' "$JS" "$S/out" "$TMP" "$V"
# (under timeout: a serve that took the link would run on)
check "serve --openmetrics-file a planted link: refused at startup" refused "$S/out: it is a symbolic link" \
	timeout 20 "$JS" serve --listen 127.0.0.1:0 -i 0.2 --activity proc --openmetrics-file "$S/out"
check "nothing else was left in the sticky directory (no temporary file)" \
	bash -c '[ "$(ls -A "$0" | sort | tr "\n" " ")" = "out rec.jsonl " ]' "$S"

# nobody's own file there: joulestat writes only its caller's or root's.
rm -f "$S/theirs.jsonl"
as_nobody sh -c 'printf "theirs\n" >"$0"' "$S/theirs.jsonl"
for verb in record replay report; do
	case $verb in
	record) args=(record -o "$S/theirs.jsonl" -i 0.1 -d 0.2 --activity proc) ;;
	replay) args=(replay "$R" -o "$S/theirs.jsonl") ;;
	report) args=(report "$R" --html "$S/theirs.jsonl") ;;
	esac
	check "$verb over nobody's file in the sticky directory: refused naming its owner, the file untouched" \
		bash -c '"$0" "${@:3}" 2>"$2/err"; [ $? -eq 1 ] &&
			grep -q "$1: it belongs to user .nobody." "$2/err" && [ "$(cat "$1")" = theirs ]' \
		"$JS" "$S/theirs.jsonl" "$TMP" "${args[@]}"
done

# A hard link to root's file (fs.protected_hardlinks keeps nobody from making
# one; a machine without it would not): written in place, it would write the victim.
ln "$V" "$S/hard.jsonl"
check "record -o a hard link to root's file: refused, the file untouched" \
	refused "$S/hard.jsonl: it has 2 hard links" "$JS" record -o "$S/hard.jsonl" -i 0.1 -d 0.2 --activity proc

# Where nothing was planted, the same directory works.
check "record -o a fresh name in the sticky directory works" \
	bash -c '"$0" record -o "$1" -i 0.1 -d 0.2 --activity proc && [ "$(wc -l <"$1")" -ge 2 ]' "$JS" "$S/mine.jsonl"
check "report --svg a fresh name there works, mode 0644, root's" \
	bash -c '"$0" report "$1" --svg "$2" && [ "$(stat -c "%a %U" "$2")" = "644 root" ]' "$JS" "$R" "$S/mine.svg"

done_testing
