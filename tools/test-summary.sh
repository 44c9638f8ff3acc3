#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-summary.sh JUNIT.xml... - sum test cases over meson's JUnit logs and
# print "N passed, N failed, N skipped". A TAP test counts each of its cases;
# other tests count once. Exit 1 when any failed or a log is missing.
# Each failed case is named just above that line, with the first lines of its
# diagnostics from the suite's testlog.txt, so a log's tail says what failed.
set -eu
failures() { # JUNIT.xml: "FAIL suite: case" for each failed case
	awk 'BEGIN { RS = "<testcase " }
		NR > 1 && /^[^>]*>[[:space:]]*<(failure|error)/ {
			n = $0; sub(/^name="/, "", n); sub(/".*/, "", n)
			c = $0; sub(/.*classname="/, "", c); sub(/".*/, "", c)
			sub(/^[^:]*:/, "", c)
			printf "FAIL %s: %s\n", c, n
		}' "$1"
}
diagnostics() { # testlog.txt: each "not ok" line and up to 6 "#" lines after it
	awk '/^not ok/ { print "  " $0; k = 6; next }
		k > 0 && /^#/ { print "    " $0; k--; next }
		{ k = 0 }' "$1" | head -n 40
}
tests=0 failed=0 skipped=0
logs="$*"
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
if [ "$failed" -gt 0 ]; then
	for f in $logs; do
		[ -s "$f" ] || continue
		failures "$f"
		t=$(dirname "$f")/testlog.txt
		[ -s "$t" ] && diagnostics "$t"
	done
	echo
fi
echo "$((tests - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
