# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# lib.sh - shared by the integration tests: TAP (from tests/cli/tap.sh),
# background processes that are always stopped (by PID, on any exit), free
# ports, `joulestat serve` started on a fixture whose energy counters grow.
. "$(dirname "$0")/../cli/tap.sh"

# check as in tap.sh, but a failure's output also goes to stderr, which meson
# shows for a failed test (it does not show a TAP test's standard output).
check() {
	local desc=$1
	shift
	TAP_N=$((TAP_N + 1))
	if "$@" >"$TMP/check.out" 2>&1; then
		echo "ok $TAP_N - $desc"
	else
		echo "not ok $TAP_N - $desc"
		echo "not ok $TAP_N - $desc" >&2
		sed 's/^/# /' "$TMP/check.out" | head -40 | tee /dev/stderr
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

FREE_PORT=${JOULESTAT_FREE_PORT:?JOULESTAT_FREE_PORT is not set: run through meson test}
BG_PIDS=()

# bg CMD...: start CMD in the background, remembered for cleanup; its PID in $BG.
bg() {
	"$@" &
	BG=$!
	BG_PIDS+=("$BG")
}

# stop PID: TERM, then KILL after 3 s; waits for it.
stop() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null || return 0
	for i in $(seq 30); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

cleanup_all() {
	local i
	for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
		stop "${BG_PIDS[$i]}"
	done
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	rm -rf "$TMP"
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# synthetic_rapl DIR: copy the intel-2s fixture to DIR and keep its counters
# growing in the background: psys 20 W, package-0 12 W, dram-0 3 W, 10 steps
# a second. Each value is written in place (1<>: no truncation), like sysfs:
# the source keeps energy_uj open and re-reads the same file, and a value
# only grows, so a read sees the old value or the new one.
synthetic_rapl() {
	local dir=$1
	cp -a "$DATA/intel-2s" "$dir"
	bg bash -c '
		z=$0/sys/class/powercap
		psys=$(cat $z/intel-rapl:2/energy_uj) pkg=$(cat $z/intel-rapl:0/energy_uj)
		dram=$(cat $z/intel-rapl:0/intel-rapl:0:1/energy_uj)
		put() { printf "%s\n" "$2" 1<>"$1"; }
		while :; do
			psys=$((psys + 2000000)) pkg=$((pkg + 1200000)) dram=$((dram + 300000))
			put $z/intel-rapl:2/energy_uj $psys
			put $z/intel-rapl:0/energy_uj $pkg
			put $z/intel-rapl:0/intel-rapl:0:1/energy_uj $dram
			sleep 0.1
		done' "$dir"
}

# start_serve LOG ARGS...: run `joulestat serve --listen 127.0.0.1:0 ARGS`,
# wait for its "listening" line; the port in $SERVE_PORT, PID in $SERVE_PID.
start_serve() {
	local log=$1
	shift
	bg "$JS" serve --listen 127.0.0.1:0 "$@" 2>"$log"
	SERVE_PID=$BG
	if ! wait_for 10 grep -q "listening on http://127.0.0.1:" "$log"; then
		echo "joulestat serve did not start:"
		cat "$log"
		return 1
	fi
	SERVE_PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
}

# The strict OpenMetrics parser of python3-prometheus-client, with Debian's
# python (the python3 on PATH may not see Debian's packages).
om_validate() { # FILE
	/usr/bin/python3 -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = list(text_string_to_metric_families(text))
print(len(fams), "families")' "$1"
}

# require CMD...: skip the whole test (exit 77) when a program is missing.
require() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null && [ ! -x "$c" ]; then
			echo "1..0 # SKIP $c is not installed (make check installs it)"
			exit 77
		fi
	done
}

# rss PID: resident memory in kB.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# scrapers COUNT URL ACCEPT: 50 concurrent loops of COUNT scrapes each of
# URL/metrics; each loop writes "scrapes failures" to $TMP/scraper.N. A count,
# not a duration: how many scrapes fit in a time is the machine's speed, and
# every one of them must succeed however slow it is (a scrape that takes a
# minute has failed).
scrapers() {
	local i pids=()
	rm -f "$TMP"/scraper.*
	for i in $(seq 50); do
		(
			f=0 n=0
			while [ "$n" -lt "$1" ]; do
				curl -sf -m 60 -o /dev/null -H "Accept: $3" "$2/metrics" || f=$((f + 1))
				n=$((n + 1))
			done
			echo "$n $f" >"$TMP/scraper.$i"
		) &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: background helpers (counter loops) never end
}

# scraped COUNT: the scrapers' summary; true when all 50 did COUNT scrapes and none failed.
scraped() {
	cat "$TMP"/scraper.* | awk -v want="$((50 * $1))" -v loops="$(ls "$TMP"/scraper.* | wc -l)" '
		{ n += $1; f += $2 }
		END { print n " scrapes by " loops " scrapers, " f " failed"; exit !(f == 0 && n == want && loops == 50) }'
}
