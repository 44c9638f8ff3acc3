#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-summary.sh JUNIT.xml... - sum test cases over meson's JUnit logs and
# print "N passed, N failed, N skipped". A TAP test counts each of its cases;
# other tests count once. Exit 1 when any failed or a log is missing.
set -eu
tests=0 failed=0 skipped=0
for f in "$@"; do
	if [ ! -s "$f" ]; then
		echo "test-summary: no test log at $f (did the suite run?)" >&2
		failed=$((failed + 1))
		continue
	fi
	# One testsuite element per test executable: tests, failures, errors, skipped.
	set -- $(grep -o '<testsuite [^>]*>' "$f" | awk '
		{
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				gsub(/[">]/, "", kv[2])
				if (kv[1] == "tests") t += kv[2]
				else if (kv[1] == "failures" || kv[1] == "errors") fl += kv[2]
				else if (kv[1] == "skipped") s += kv[2]
			}
		}
		END { printf "%d %d %d\n", t, fl, s }') "$@"
	tests=$((tests + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
	shift 3
done
echo "$((tests - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
