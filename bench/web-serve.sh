#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# web-serve.sh [JOULESTAT] [SECONDS] [INTERVAL] [-- SERVE ARGS...] - the
# server side of serve's live page: serve's own CPU time per interval
# (joulestat_self_cpu_seconds_total over joulestat_samples_total, read from
# /metrics) with no page open, then with 5 open pages (5 clients of
# /api/v1/stream reading every event, as a page does), each phase SECONDS
# (default 60) at INTERVAL (default 1) s. Also the bytes a page receives per
# interval (the snapshot event) and serve's resident memory. A benchmark,
# not a test: the figures are what this machine gave (docs/BENCHMARKS.md).
set -eu
JS=${1:-build/src/cli/joulestat}
SECS=${2:-60}
IV=${3:-1}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = -- ] && shift
TMP=$(mktemp -d)
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

"$JS" serve --listen 127.0.0.1:0 -i "$IV" -v "$@" 2>"$TMP/serve.log" &
SERVE=$!
pids+=("$SERVE")
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.log" && break; sleep 0.1; done
URL=$(sed -n 's|.*listening on \(http://[^/]*\)/metrics.*|\1|p' "$TMP/serve.log")
[ -n "$URL" ] || { cat "$TMP/serve.log"; exit 1; }

# metric NAME: its value on the current page.
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# phase LABEL: serve's CPU per interval over SECONDS.
phase() {
	local c0 s0 c1 s1
	c0=$(metric joulestat_self_cpu_seconds_total)
	s0=$(metric joulestat_samples_total)
	sleep "$SECS"
	c1=$(metric joulestat_self_cpu_seconds_total)
	s1=$(metric joulestat_samples_total)
	awk -v l="$1" -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v rss="$(awk '/^VmRSS:/ { print $2 }' /proc/$SERVE/status)" \
		'BEGIN { printf "%s: %.2f ms of CPU per interval (%d intervals, %.3f s of CPU), resident %.1f MiB\n",
			l, (c1 - c0) * 1000 / (s1 - s0), s1 - s0, c1 - c0, rss / 1024 }'
}

sleep $((IV * 5 > 3 ? IV * 5 : 3)) # warm up: the ring fills, groups settle
phase "0 pages"
for i in 1 2 3 4 5; do
	curl -sN "$URL/api/v1/stream" >"$TMP/stream.$i" &
	pids+=($!)
done
sleep $((IV * 3 > 3 ? IV * 3 : 3))
phase "5 pages"
# Each client must have been sent every interval: else the figure is not of 5 pages.
for i in 1 2 3 4 5; do
	printf 'page %d: %d snapshot events, %d bytes\n' "$i" "$(grep -c '^event: snapshot' "$TMP/stream.$i")" \
		"$(wc -c <"$TMP/stream.$i")"
done
snap=$(curl -s "$URL/api/v1/snapshot" | wc -c)
printf 'a page receives %d bytes per interval (its snapshot event); the API snapshot has %s rows of processes\n' \
	"$snap" "$(curl -s "$URL/api/v1/snapshot" | jq '.rows.process.total')"
printf '%s\n' "$(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "source model|source .*: [0-9]+ domain|activity [a-z]+: " "$TMP/serve.log" | sort -u || true
