#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# check.sh - every test suite, as `make check` runs it:
#   build/       the ordinary build: all suites (unit, cli, fuzz-regression, privileged, ...)
#   build-asan/  ASan+UBSan (UB is fatal): unit, cli and fuzz-regression suites
#   build-fuzz/  clang + libFuzzer: each parser fuzzed for FUZZ_SECONDS from its corpus
# then one line: "N passed, N failed, N skipped", summed over every test case.
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
status=0
logs=()

setup() { # DIR ARGS...: configure once, reconfigure when options change
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		# An option whose type changed since (tests was a boolean) cannot be
		# reconfigured in place: start that build directory again.
		meson configure "$dir" "$@" >/dev/null 2>&1 ||
			meson setup --wipe "$dir" "$@" >/dev/null || return 1
	else
		meson setup "$dir" "$@" >/dev/null || return 1
	fi
}

suite() { # DIR MESON-TEST-ARGS...
	local dir=$1
	shift
	echo "=== tests in $dir"
	meson test -C "$dir" --print-errorlogs "$@" || status=1
	logs+=("$dir/meson-logs/testlog.junit.xml")
}

build() { # DIR
	if ! ninja -C "$1" >"$1/ninja.log" 2>&1; then
		cat "$1/ninja.log"
		echo "check: build in $1 failed" >&2
		status=1
		return 1
	fi
}

setup build -Dtests=enabled && build build && suite build
setup build-asan -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug &&
	build build-asan && ASAN_OPTIONS=detect_leaks=1 suite build-asan --suite unit --suite cli --suite fuzz-regression
CC=clang setup build-fuzz -Dfuzzing=true -Dtests=disabled -Dfuzz_seconds="$FUZZ_SECONDS" \
	-Db_sanitize=address,undefined -Db_lundef=false &&
	build build-fuzz && suite build-fuzz --suite fuzz

echo
tools/test-summary.sh "${logs[@]}" || status=1
exit $status
