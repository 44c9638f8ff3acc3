#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-profile.sh - `joulestat profile` on this machine, for real: workloads
# with a known bottleneck are classified as such (a CPU spinner, fsync'd
# writes, a page-touching loop, a pipe ping-pong), the JSON holds what
# docs/PROFILING.md says, the HTML report is self-contained, has the expected
# series, and renders in headless Chromium; errors exit as documented; run
# --profile is the same session.
. "$(dirname "$0")/tap.sh"
WL=${JOULESTAT_RES_WORKLOAD:?JOULESTAT_RES_WORKLOAD is not set: run through meson test}

check "no command is a usage error" expect_exit 2 "$JS" profile
check "a bad interval is a usage error" expect_exit 2 "$JS" profile -i 0 -- true
cannot_run() {
	expect_exit 1 "$JS" profile -q -- /nonexistent/cmd &&
		grep_in "$TMP/err" "cannot run /nonexistent/cmd: No such file or directory"
}
check "a command that cannot run exits 1 and says why" cannot_run
cmd_fails() {
	expect_exit 3 "$JS" profile -q -- sh -c "sleep 0.3; exit 3" &&
		grep_in "$TMP/err" "sh exited with status 3"
}
check "the command's exit status is reported and passed on" cmd_fails
# The spinner's verdict needs its CPU: on a VM whose host takes a share of the
# machine (steal), or under heavy interrupt load, a spinner gets less of it
# than it asks for, and the kernel counts that time neither as its run time
# nor as waiting for a CPU (a spinner at 0.5 CPUs and 0.25 x waiting, 69 %
# demand, was seen on CI). Above STEAL_MAX % of the machine those checks
# print the share as a SKIP; the others still run.
STEAL_MAX=5
# irq + softirq + steal, and the total, in ticks
stat_cpu() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $7 + $8 + $9, t; exit }' /proc/stat; }
steal_begin() { stat_cpu >"$TMP/steal.0"; }
steal_pct() { # the machine's time stolen or in interrupts since steal_begin, in %
	local s0 t0 s1 t1
	read -r s0 t0 <"$TMP/steal.0"
	read -r s1 t1 < <(stat_cpu)
	awk -v s="$((s1 - s0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }'
}
check_unless_stolen() { # PCT DESC CMD...
	local pct=$1 desc=$2
	shift 2
	if awk -v p="$pct" -v m="$STEAL_MAX" 'BEGIN { exit !(p > m) }'; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $desc # SKIP the hypervisor and interrupts took $pct % of the machine meanwhile (above $STEAL_MAX %): the spinner could not use its CPU"
	else
		check "$desc" "$@"
	fi
}

steal_begin
"$JS" run --profile -q -i 0.05 -o "$TMP/run.json" -- "$WL" spin 0.5 >"$TMP/run.out" 2>&1
RUN_RC=$?
RUN_STEAL=$(steal_pct)
check "joulestat run --profile exits 0 and writes a profile" \
	bash -c '[ "$0" = 0 ] && jq -e ".format == \"joulestat-profile\"" "$1"' "$RUN_RC" "$TMP/run.json"
check_unless_stolen "$RUN_STEAL" "joulestat run --profile runs the same session (the spinner is cpu-bound)" \
	jq -e '.verdict.bottleneck == "cpu-bound"' "$TMP/run.json"

# profile NAME MODE: run the workload for 2 s, JSON in $TMP/NAME.json.
profile() {
	"$JS" profile -q -i 0.1 -o "$TMP/$1.json" --html "$TMP/$1.html" -- "$WL" "$2" 2 "$TMP" \
		2>"$TMP/$1.err"
}

verdict() { # NAME WANT
	local got
	got=$(jq -r .verdict.bottleneck "$TMP/$1.json")
	if [ "$got" != "$2" ]; then
		echo "verdict $got, wanted $2"
		jq '.verdict, .metrics' "$TMP/$1.json"
		return 1
	fi
}

steal_begin
check "a CPU spinner runs" profile spin spin
SPIN_STEAL=$(steal_pct)
check_unless_stolen "$SPIN_STEAL" "a CPU spinner is cpu-bound" verdict spin cpu-bound
check "fsync'd 4 kB writes run" profile fsync fsync
check "fsync'd writes are io-bound" verdict fsync io-bound
check "a page-touching loop runs" profile memory memory
check "a page-touching loop is memory-bound" verdict memory memory-bound
check "a pipe ping-pong runs" profile pingpong pingpong
check "a pipe ping-pong is contention-bound" verdict pingpong contention-bound

check "the deciding evidence comes first and names the rule (io)" bash -c '
	jq -e ".verdict.evidence[0] | startswith(\"decided by io: \")" "$1/fsync.json" &&
	jq -e ".verdict.rules.io.fired and .verdict.rules.io.value >= .verdict.rules.io.threshold" \
		"$1/fsync.json"' _ "$TMP"
check_unless_stolen "$SPIN_STEAL" "the deciding evidence comes first and names the rule (cpu)" \
	jq -e '.verdict.evidence[0] | startswith("decided by cpu: ")' "$TMP/spin.json"
check_unless_stolen "$SPIN_STEAL" "the spinner spent its time on the CPU, in user space, with few switches" jq -e '
	.metrics.cpu_demand_pct >= 70 and .metrics.kernel_pct < 20 and
	.metrics.voluntary_switches_per_s < 100' "$TMP/spin.json"
check "the fsync writer wrote to storage" jq -e '
	.metrics.storage_bytes_per_s > 65536 and .threads[0].write_bytes > 0' "$TMP/fsync.json"
check "the page toucher faulted and ran in the kernel" jq -e '
	.metrics.faults_per_cpu_s > 1000 and .metrics.kernel_pct > 30 and
	.threads[0].minor_faults > 10000' "$TMP/memory.json"
# What the thread table held, for the log when the check below fails.
jq -c '{threads: [.threads[] | {pid, cpu_rank, cpu_s}],
	switches_per_s: .metrics.voluntary_switches_per_s}' "$TMP/pingpong.json" | sed 's/^/# /'
check "both ping-pong processes are in the thread table, ranked" jq -e '
	(.threads | length) >= 2 and (.threads | map(.pid) | unique | length) == (.threads | length) and
	(.threads | map(.cpu_rank) | sort) == [range(1; (.threads | length) + 1)] and
	(.threads | sort_by(.cpu_rank) | map(.cpu_s) | . == (sort | reverse)) and
	(.threads | sort_by(.cpu_rank) | .[1].cpu_s > 0.01) and
	.metrics.voluntary_switches_per_s > 2000' "$TMP/pingpong.json"
check "recommendations quote the evidence" bash -c '
	jq -e ".recommendations | any(test(\"voluntary context switches/s\"))" "$1/pingpong.json" &&
	jq -e ".recommendations | any(test(\"page faults per CPU-second\"))" "$1/memory.json" &&
	jq -e ".recommendations | any(test(\"waited on storage\"))" "$1/fsync.json"' _ "$TMP"
check "series are columns of one length, the first the baseline" jq -e '
	.samples as $n | (.series | to_entries | all(.value | length == $n)) and
	.series.t_s[0] == 0 and .series.interval_s[0] == 0 and (.series.t_s | . == sort)' \
	"$TMP/spin.json"
check "the tree's energy is within the host's, correlations are named" jq -e '
	.energy.tree_j <= .energy.host_j and .energy.host_j > 0 and
	(.correlations | map(.resource)) == ["cpu", "memory growth", "io", "gpu"] and
	(.correlations[3].strength == "no GPU readings") and
	(.correlations | all(.r == null or (.r >= -1 and .r <= 1)))' "$TMP/spin.json"
check "thread energy adds up to the tree's" jq -e '
	((.threads | map(.energy_j) | add) - .energy.tree_j | fabs) < 0.001' "$TMP/pingpong.json"

check "the HTML report is self-contained (no script, no external resource)" bash -c '
	! grep -Eiq "<script|<link|src=|@import|url\\(" "$1" &&
	[ "$(grep -Eo "https?://[^\"]*" "$1" | sort -u)" = "http://www.w3.org/2000/svg" ]' \
	_ "$TMP/fsync.html"
check "the HTML report has the verdict, its evidence and every series" bash -c '
	grep -q "<span class=verdict id=verdict>io-bound</span>" "$1" &&
	grep -q "decided by io: " "$1" &&
	for s in power_w tree_power_w cpus_used machine_cpu_pct rss_bytes read_bytes_per_s \
		write_bytes_per_s switches_per_s faults_per_s threads running blocked \
		psi_cpu_pct psi_io_pct psi_mem_pct; do
		grep -q "data-series=\"$s\"[^>]*d=\"M[0-9]" "$1" || { echo "no series $s"; exit 1; }
	done && grep -q "<table id=threads>" "$1"' _ "$TMP/fsync.html"

# round_ticks HTML: in every chart, each axis's labels are 0, s, 2s, ... for a step s of 1, 2 or 5 x 10^k.
round_ticks() {
	awk '
	function val(t,   m) {
		m = 1
		if (t ~ /k$/) m = 1e3; else if (t ~ /M$/) m = 1e6; else if (t ~ /G$/) m = 1e9
		sub(/[kMG]$/, "", t)
		return t * m
	}
	function check(axis, n, v, chart,   i, s, e, k, r) {
		if (n < 2) { printf "%s: %s axis has %d labels\n", chart, axis, n; bad = 1; return }
		s = v[2] - v[1]
		e = 10 ^ int(log(s) / log(10) + 100) / 10 ^ 100
		if (e > s) e /= 10
		r = s / e
		if (v[1] != 0 || !(r > 0.999 && r < 1.001 || r > 1.999 && r < 2.001 || r > 4.999 && r < 5.001)) {
			printf "%s: %s axis starts at %s, steps by %s\n", chart, axis, v[1], s; bad = 1
		}
		for (i = 2; i <= n; i++) {
			k = (v[i] - v[1]) / s
			if (k - int(k + 0.5) > 0.01 || int(k + 0.5) - k > 0.01 || int(k + 0.5) != i - 1) {
				printf "%s: %s axis label %s is not %d steps of %s\n", chart, axis, v[i], i - 1, s; bad = 1
			}
		}
	}
	/<svg data-chart=/ { match($0, /data-chart="[^"]*"/); chart = substr($0, RSTART, RLENGTH); ny = nx = 0; charts++ }
	{
		line = $0
		while (match(line, /class=[xy]lab>[^<]*/)) {
			t = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
			axis = substr(t, 7, 1); sub(/^class=[xy]lab>/, "", t); sub(/ s$/, "", t)
			if (axis == "y") y[++ny] = val(t); else x[++nx] = val(t)
		}
	}
	/<\/svg>/ && chart { check("y", ny, y, chart); check("x", nx, x, chart); chart = "" }
	END { if (!charts) { print "no chart"; exit 1 } exit bad }' "$1"
}
export -f round_ticks
check "the HTML report's axes have round ticks (0, s, 2s, ... for s = 1, 2 or 5 x 10^k)" \
	bash -c 'round_ticks "$0" && round_ticks "$1"' "$TMP/fsync.html" "$TMP/memory.html"

check "the HTML rule table shows every condition: memory's four, the kernel share ANDed with the faults" bash -c '
	[ "$(grep -c "^<tr data-rule=\"memory\">" "$1")" = 4 ] &&
	grep -q "^<tr data-rule=\"memory\"><td class=l>and CPU time in the kernel</td><td>[0-9.]* %</td><td>&gt;= 30 %</td><td class=l>\(yes\|no\)</td></tr>$" "$1" &&
	grep -q "^<tr data-rule=\"memory\"><td class=l><b>or</b> major faults</td>" "$1" &&
	[ "$(grep -c "^<tr data-rule=\"contention\">" "$1")" = 4 ] && [ "$(grep -c "^<tr data-rule=\"io\">" "$1")" = 4 ]' \
	_ "$TMP/memory.html"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
	render() {
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --window-size=960,3000 \
			--screenshot="$TMP/report.png" "file://$TMP/memory.html" >/dev/null 2>&1 &&
			[ "$(head -c 8 "$TMP/report.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] &&
			[ "$(stat -c %s "$TMP/report.png")" -gt 20000 ] &&
			timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --dump-dom \
				"file://$TMP/memory.html" 2>/dev/null >"$TMP/dom.html" &&
			grep -q 'data-chart="power"' "$TMP/dom.html" &&
			grep -q 'memory-bound' "$TMP/dom.html"
	}
	check "the HTML report renders in headless Chromium" render
else
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - the HTML report renders in headless Chromium # SKIP chromium not installed"
fi
done_testing
