#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# suite-runs.sh - the whole test suite, N times back to back, each from a fresh
# clone, quiet or under CPU stress; prints each run's summary line, its time
# and its failed cases. The figures of "Test suite, quiet and under load" in
# docs/BENCHMARKS.md come from it:
#
#   bench/suite-runs.sh 3            # three runs on a quiet machine
#   bench/suite-runs.sh 3 --stress   # three under stress-ng --cpu <ncpus>
#
# Each run is `CI=true .ci/run` in a clone of HEAD under $TMPDIR (or /tmp);
# its whole log is kept beside it (suite-run-K.log). Needs root, as
# make check does; --stress needs stress-ng (Debian package stress-ng).
set -u

usage() { echo "usage: $0 COUNT [--stress]" >&2; exit 2; }
[ $# -ge 1 ] && [ "$1" -ge 1 ] 2>/dev/null || usage
count=$1 stress=${2:-}
[ -z "$stress" ] || [ "$stress" = --stress ] || usage
if [ -n "$stress" ] && ! command -v stress-ng >/dev/null; then
	echo "$0: stress-ng is not installed: apt-get install stress-ng" >&2
	exit 1
fi
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 1
rev=$(git -C "$src" rev-parse --short HEAD) || exit 1
base=$(mktemp -d "${TMPDIR:-/tmp}/joulestat-suite.XXXXXX") || exit 1
spid=
trap '[ -z "$spid" ] || kill "$spid" 2>/dev/null' EXIT

echo "commit $rev, $(nproc) CPUs, $(uname -r), ${stress:+under stress-ng --cpu $(nproc), }logs in $base"
for k in $(seq "$count"); do
	git clone -q "$src" "$base/run-$k" || exit 1
	if [ -n "$stress" ]; then
		stress-ng --cpu "$(nproc)" --timeout 3600 >/dev/null 2>&1 &
		spid=$!
	fi
	t0=$(date +%s)
	(cd "$base/run-$k" && CI=true .ci/run) >"$base/suite-run-$k.log" 2>&1
	rc=$?
	t1=$(date +%s)
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=
	fi
	printf 'run %d: exit %d after %d s: %s\n' "$k" "$rc" $((t1 - t0)) \
		"$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$base/suite-run-$k.log" | tail -1)"
	grep -E '^FAIL ' "$base/suite-run-$k.log" | sort -u | sed 's/^/    /'
	rm -rf "$base/run-$k"
done
