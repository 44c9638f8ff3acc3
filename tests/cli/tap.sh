# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# tap.sh - a tiny TAP producer for the shell tests. Source it, call ok/not_ok
# through check(), and finish with done_testing.
set -u
TAP_N=0
TAP_FAILED=0
JS=${JOULESTAT_BIN:?JOULESTAT_BIN is not set: run through meson test}
DATA=${JOULESTAT_TEST_DATA:?JOULESTAT_TEST_DATA is not set}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/joulestat-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# jq 1.6 exits 0 with -e on empty input, so a check of a command that printed
# nothing would pass. This wrapper (exported, so `bash -c` sees it too) fails
# on empty standard input when jq would read it.
jq() {
	local a files=0 filter_seen=0 skip=0 input
	for a in "$@"; do
		if [ "$skip" -gt 0 ]; then skip=$((skip - 1)); continue; fi
		case $a in
		--arg | --argjson | --slurpfile | --rawfile) skip=2 ;;
		-n | --null-input) command jq "$@"; return ;;
		-*) ;;
		*) if [ "$filter_seen" -eq 0 ]; then filter_seen=1; else files=1; fi ;;
		esac
	done
	[ "$files" -eq 1 ] && { command jq "$@"; return; }
	input=$(cat)
	if [ -z "$input" ]; then
		echo "jq: no input (the command before it printed nothing)" >&2
		return 5
	fi
	printf '%s\n' "$input" | command jq "$@"
}
export -f jq

# check DESCRIPTION COMMAND...: one TAP line, from the command's exit status.
check() {
	local desc=$1
	shift
	TAP_N=$((TAP_N + 1))
	if "$@" >"$TMP/check.out" 2>&1; then
		echo "ok $TAP_N - $desc"
	else
		echo "not ok $TAP_N - $desc"
		sed 's/^/# /' "$TMP/check.out" | head -40
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# expect_exit CODE CMD...: true when CMD exits with CODE; its output is in $TMP/out, $TMP/err.
expect_exit() {
	local want=$1 got
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "exit $got, wanted $want: $*"
		cat "$TMP/out" "$TMP/err"
		return 1
	fi
}

# grep_in FILE PATTERN: like grep -q, but shows the file when it does not match.
grep_in() {
	if ! grep -qE -- "$2" "$1"; then
		echo "no match for /$2/ in:"
		cat "$1"
		return 1
	fi
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
