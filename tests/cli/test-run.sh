#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-run.sh - `joulestat run` and `joulestat calibrate`: usage errors exit
# 2, run exits with the command's status and leaves its stdout alone, the
# JSON report (docs/FORMAT.md) holds what the text shows, and the whole
# process tree is charged: children and short-lived grandchildren whose
# parents exit before them.
. "$(dirname "$0")/tap.sh"

for bad in "-r 0" "-r x" "-r -1" "-i 0" "-i abc" "--idle bogus" "-o ''" "--no-such-flag"; do
	check "run $bad exits 2 with a message" \
		bash -c 'eval "set -- $1"; "$0" run "$@" -- true; [ $? -eq 2 ]' "$JS" "$bad"
done
check "run without a command exits 2 and says how" \
	bash -c '"$0" run 2>&1 >/dev/null; [ $? -eq 2 ] && "$0" run 2>&1 | grep -q "no command to run"' "$JS"
check "run exits with the command's status" \
	bash -c '"$0" run -- sh -c "exit 7" 2>/dev/null; [ $? -eq 7 ]' "$JS"
check "run exits 128+N when signal N ends the command" \
	bash -c '"$0" run -- sh -c "kill -TERM \$\$" 2>/dev/null; [ $? -eq 143 ]' "$JS"
check "run of a missing program exits 127 naming it" \
	bash -c '"$0" run -- /nonexistent/prog 2>"$1"; [ $? -eq 127 ] && grep -q "/nonexistent/prog" "$1"' \
	"$JS" "$TMP/err"
check "run leaves the command's stdout alone and reports on stderr" \
	bash -c 'out=$("$0" run -- echo hello 2>"$1"); [ "$out" = hello ] &&
		grep -q "average power" "$1" && grep -q "Energy of .echo hello." "$1"' "$JS" "$TMP/err"
check "run passes the command's own flags through (options stop at the command)" \
	bash -c 'out=$("$0" run -r 1 -- sh -c "echo \$0-\$1" -r x 2>/dev/null); [ "$out" = "-r-x" ]' "$JS"

# A tree: the child forks short-lived grandchildren in the background and
# exits at once, so the grandchildren are orphans by the time they run;
# then a second child burns CPU itself. Every task of the tree is charged.
TREE='for i in 1 2 3 4 5 6 7 8; do (sh -c "i=0; while [ \$i -lt 3000 ]; do i=\$((i+1)); done" &); done
i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.3'
check "run -o: the JSON report is complete and consistent" \
	bash -c '"$0" run -o "$1" -- sh -c "$2" 2>/dev/null &&
		jq -e "
		.format == \"joulestat-run\" and .version == 1 and .exit_code == 0 and
		.command[0] == \"sh\" and (.runs | length) == 1 and .summary.runs == 1 and
		(.idle_policy | IN(\"separate\")) and (.collector | IN(\"ebpf\", \"proc\")) and
		(.runs[0].energy_uj > 0) and (.runs[0].wall_ns > 300000000) and
		(.runs[0].domains | length) >= 1 and
		([.runs[0].domains[] | select(.in_host_total) | .energy_uj] | add) == .runs[0].energy_uj and
		.runs[0].host_energy_uj >= .runs[0].energy_uj and
		(.summary.energy_j.mean * 1e6 | round) == .runs[0].energy_uj" "$1"' \
	"$JS" "$TMP/run.json" "$TREE"
check "the tree's CPU time counts its orphaned grandchildren (collector vs rusage within 10%)" \
	bash -c 'jq -e "
		(.runs[0].user_ns + .runs[0].sys_ns) as \$ru |
		\$ru > 0 and
		(if .collector == \"ebpf\" then
			(.runs[0].tree_cpu_ns - \$ru | fabs) < 0.1 * \$ru
		 else .runs[0].tree_cpu_ns > 0 end)" "$1"' "$JS" "$TMP/run.json"
# The same without the grandchildren: a tree that missed them would not
# tell the two apart.
check "the grandchildren's CPU time is in the tree's" \
	bash -c '"$0" run -o "$1" -- sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; sleep 0.3" 2>/dev/null &&
		jq -e --slurpfile big "$2" "
		if .collector == \"ebpf\" then \$big[0].runs[0].tree_cpu_ns > .runs[0].tree_cpu_ns * 1.1
		else true end" "$1"' "$JS" "$TMP/small.json" "$TMP/run.json"
check "run -r 3: three runs, mean and standard deviation" \
	bash -c '"$0" run -r 3 -o "$1" -- sh -c "exit 0" 2>"$2" &&
		jq -e "(.runs | length) == 3 and .summary.runs == 3 and
			(.summary.wall_s.stddev >= 0) and (.summary.energy_j.mean >= 0)" "$1" &&
		grep -q "(3 runs)" "$2" && grep -q "+-" "$2"' "$JS" "$TMP/r3.json" "$TMP/r3.err"
check "run -o to an unwritable place fails after running, exit 1" \
	bash -c '"$0" run -o /nonexistent/dir/x.json -- true 2>"$1"; [ $? -eq 1 ] &&
		grep -q "/nonexistent/dir/x.json" "$1"' "$JS" "$TMP/err"

for bad in "-d 0" "-d x" "-d 4000" "-o ''" "extra"; do
	check "calibrate $bad exits 2" \
		bash -c 'eval "set -- $1"; "$0" calibrate "$@" 2>/dev/null; [ $? -eq 2 ]' "$JS" "$bad"
done
check "calibrate --force -o writes a baseline file run --idle baseline reads" \
	bash -c '"$0" calibrate -d 1 --force -o "$1" >/dev/null 2>&1 &&
		grep -vE "^#" "$1" | head -1 | grep -qx "joulestat-baseline 1" &&
		[ "$(grep -cE "^[a-z0-9:.-]+ [0-9]+$" "$1")" -ge 1 ] &&
		"$0" run --idle baseline --baseline "$1" -o "$2" -- true 2>/dev/null &&
		jq -e ".idle_policy == \"baseline\"" "$2"' "$JS" "$TMP/dir/baseline" "$TMP/bl.json"
check "a malformed baseline file is a usage error naming the file and line" \
	bash -c 'printf "# x\njoulestat-baseline 1\npackage-0 lots\n" >"$1";
		"$0" run --idle baseline --baseline "$1" -- true 2>"$2"; [ $? -eq 2 ] &&
		grep -q "$1:3" "$2"' "$JS" "$TMP/bad-baseline" "$TMP/err"
check "a missing baseline file says how to make one" \
	bash -c '"$0" run --idle baseline --baseline "$1" -- true 2>"$2"; [ $? -ne 0 ] &&
		grep -q "joulestat calibrate -o $1" "$2"' "$JS" "$TMP/none" "$TMP/err"
check "baseline is a configuration key" \
	bash -c 'printf "baseline: %s\nrun:\n  idle: baseline\n" "$1" >"$2";
		"$0" run --config "$2" -o "$3" -- true 2>/dev/null &&
		jq -e ".idle_policy == \"baseline\"" "$3"' "$JS" "$TMP/dir/baseline" "$TMP/cfg.yaml" "$TMP/cfg.json"

done_testing
