#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-top.sh - joulestat top: flags checked (exit 2 naming the flag), batch
# frames over a moving fixture machine with known shares, the real machine,
# batch when not a terminal, and the ncurses screen surviving resizes.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/synth.sh"

usage_error() { # FLAG-TEXT ARGS...: exit 2 and the message names the flag
	local want=$1
	shift
	expect_exit 2 "$JS" top "$@" && grep_in "$TMP/err" "$want"
}

check "top --help lists the keys, --group and the views" \
	bash -c 'h=$("$0" top --help) && grep -q -- "--group G" <<<"$h" && grep -q "^Keys:$" <<<"$h" &&
		grep -Eq "^  q +quit$" <<<"$h" && grep -Eq "^  t +tree view" <<<"$h" &&
		grep -q -- "--per-cpu" <<<"$h" && grep -q "NO_COLOR" <<<"$h"' "$JS"
check "-i 0 is refused naming -i" usage_error "^joulestat top: -i: '0' is not a number of seconds" -i 0
check "-i -1 is refused" usage_error "-i: '-1'" -i -1
check "-i 1e9 (absurd) is refused" usage_error "-i: '1e9'" -i 1e9
check "-i abc is refused" usage_error "-i: 'abc'" -i abc
check "-n 0 is refused naming -n" usage_error "-n: '0' is not a count" -n 0
check "-n -3 is refused" usage_error "-n: '-3'" -n -3
check "--group with an unknown name is refused naming the choices" \
	usage_error "--group: 'pod' is not one of process, thread, comm, cgroup, unit, container, vm, user" --group pod
check "--group tree is not a top grouping" usage_error "--group: 'tree'" --group tree
check "--sort with an unknown key is refused" usage_error "--sort: 'size'" --sort size
check "--idle with an unknown policy is refused" usage_error "--idle: 'none' is not one of" --idle none
check "an unknown flag exits 2" expect_exit 2 "$JS" top --frobnicate
check "a stray argument exits 2" usage_error "unexpected argument 'extra'" extra
check "--tree with --per-cpu is refused" usage_error "--tree and --per-cpu are two views" --tree --per-cpu
check "--tree with --group comm is refused naming both" \
	usage_error "--tree shows processes: it cannot be used with --group comm" --tree --group comm
check "--pid 0 is refused naming --pid" usage_error "--pid: '0' is not a process id" --pid 0
check "--pid abc is refused" usage_error "--pid: 'abc'" --pid abc
check "--filter longer than 63 bytes is refused" usage_error "--filter: at most 63 bytes" \
	--filter "$(printf 'x%.0s' $(seq 64))"

# The moving fixture: psys 30 W over 8 CPUs; busy-b 100 % of cpu4, busy-a 50 % of cpu0.
# busy-b is busy-a's child, for the tree view.
M=$TMP/m
synth_make "$M"
sed -i 's/^200 (busy-b) S 1 /200 (busy-b) S 100 /' "$M/proc/200/stat" "$M/proc/200/task/200/stat"
synth_run "$M" &
SYNTH=$!
FIX=(--sysfs-root "$M/sys" --procfs-root "$M/proc" --activity proc --source powercap)
"$JS" top -n 2 --batch -i 0.6 "${FIX[@]}" >"$TMP/top.out" 2>"$TMP/top.err"
echo $? >"$TMP/top.rc"
"$JS" top -n 2 --batch -i 0.4 --group comm "${FIX[@]}" >"$TMP/comm.out" 2>&1
"$JS" top -n 2 --batch -i 0.4 --group user --sort cpu "${FIX[@]}" >"$TMP/user.out" 2>&1
"$JS" top -n 2 --batch -i 0.6 --tree "${FIX[@]}" >"$TMP/tree.out" 2>&1
"$JS" top -n 2 --batch -i 0.6 --per-cpu "${FIX[@]}" >"$TMP/percpu.out" 2>&1
# Two frames: in the short first one a process may not have run yet (the fixture steps every 10 ms).
"$JS" top -n 2 --batch -i 0.2 --filter usy-B "${FIX[@]}" >"$TMP/filter.out" 2>&1
"$JS" top -n 2 --batch -i 0.2 --tree --pid 100 --user root "${FIX[@]}" >"$TMP/sub.out" 2>&1
"$JS" top -n 2 --batch -i 0.2 --user nobody "${FIX[@]}" >"$TMP/nobody.out" 2>&1
COLUMNS=80 "$JS" top -n 1 --batch -i 0.2 --per-cpu "${FIX[@]}" >"$TMP/narrow.out" 2>&1
touch "$M/stop"
wait "$SYNTH"

# The second frame: the first whole interval (the first is at most 0.2 s).
frame2() { awk '/^joulestat top/{n++} n==2' "$1"; }
# watts VALUE UNIT (awk): "850" "mW*" -> 0.85; units carry a * when estimated.
WATTS='function watts(v, u) { sub(/\*$/, "", u); return u == "mW" ? v / 1e3 : u == "uW" ? v / 1e6 : u == "kW" ? v * 1e3 : v + 0 }'
export WATTS
check "fixture: top -n 2 --batch exits 0 with two frames" \
	bash -c '[ "$(cat "$0/top.rc")" = 0 ] && [ "$(grep -c "^joulestat top" "$0/top.out")" = 2 ]' "$TMP"
check "fixture: the header names the sources, the collector and the host domain" \
	bash -c 'grep -q "collector proc  sources powercap" "$0" && grep -q "domains (+ in host total):.* +psys " "$0" &&
		grep -Eq "^host [0-9.]+ W = tasks" "$0" && grep -q " package-1 [0-9.]* W" "$0"' "$TMP/top.out"
check "fixture: measured, so nothing is labelled estimated" \
	bash -c '! grep -qi "estimated" "$0"' "$TMP/top.out"
check "fixture: busy-b (one whole CPU of eight) gets 1/8 of psys, busy-a half that, by power" \
	bash -c 'frame2() { awk "/^joulestat top/{n++} n==2" "$1"; }
		frame2 "$0" | awk "$WATTS
			\$3 == \"busy-b\" { b = NR; bw = watts(\$4, \$5); bc = \$8; bs = \$9 }
			\$3 == \"busy-a\" { a = NR; aw = watts(\$4, \$5); ac = \$8; as = \$9 }
			END {
				sub(/%/, \"\", bs); sub(/%/, \"\", as)
				# the fixture writes its files one after another, so a read may fall
				# between them: one step (of several per interval) of slack
				ok = b && a && b < a && bw + 0 > 2.5 && bw + 0 < 5 && aw + 0 > 1.2 && aw + 0 < 2.5 &&
				     bc > 65 && bc < 135 && ac > 30 && ac < 70 && bs > 58 && bs < 75 && as > 25 && as < 42
				if (!ok) print \"busy-b: row \" b \" \" bw \" W \" bc \" % cpu \" bs \" share; busy-a: row \" a \" \" aw \" W \" ac \" % \" as
				exit !ok
			}"' "$TMP/top.out"
check "fixture: --group comm has one row per command" \
	bash -c 'grep -Eq "^COMMAND +\[W\] +J +CPU% +SHARE" "$0" && grep -Eq "^busy-b +[0-9.]+ m?W " "$0" &&
		grep -Eq "^busy-a +[0-9.]+ " "$0"' "$TMP/comm.out"
check "fixture: --group user puts both processes in root's row, with all of the tasks' energy" \
	bash -c 'awk "/^joulestat top/{n++} n==2" "$0" | grep -Eq "^root +[0-9.]+ m?W +[0-9.]+ [kmu]?J +[0-9]+\.[0-9] +100.0%"' "$TMP/user.out"

check "fixture --tree: busy-b under busy-a, whose TREE W holds both" \
	bash -c 'awk "$WATTS"'"'"'
		/^joulestat top/ { n++ }
		n == 2 && $1 == 100 && $3 == "busy-a" { a = NR; aw = watts($4, $5); tw = watts($6, $7) }
		n == 2 && $1 == 200 && $3 == "`-" && $4 == "busy-b" { b = NR; bw = watts($5, $6); bt = watts($7, $8) }
		END {
			# each figure is shown to three digits: the sum may be off by their rounding
			ok = a && b == a + 1 && bw > 2.5 && bt == bw && tw > aw + bw - 0.06 && tw < aw + bw + 0.06
			if (!ok) print "busy-a row " a " " aw " W, tree " tw " W; busy-b row " b " " bw " W, tree " bt
			exit !ok
		}'"'"' "$0"' "$TMP/tree.out"
check "fixture --tree: the TREE W column, and the title says tree" \
	bash -c 'grep -Eq "^ +PID USER +COMMAND +\[W\] +TREE W +J " "$0" && grep -q " - tree$" "$0"' "$TMP/tree.out"
# A per-CPU cell: 16 columns after the 24 of PID and command, "time%" and "W" (or "-" "-").
CELL='function cell(k, what,   c, n, t) { c = substr($0, 25 + 16 * k, 16); n = split(c, t, " ")
	if (t[1] == "-") return what == "t" ? -1 : 0
	sub(/%/, "", t[1]); return what == "t" ? t[1] + 0 : watts(t[2], t[3]) }'
export CELL
check "fixture --per-cpu: busy-b runs all of cpu4 (3.75 W, 1/8 of psys), busy-a half of cpu0" \
	bash -c 'awk "$WATTS $CELL"'"'"'
		/^joulestat top/ { n++ }
		n == 2 && $2 == "busy-b" { bt = cell(4, "t"); bw = cell(4, "w"); b0 = cell(0, "t") }
		n == 2 && $2 == "busy-a" { at = cell(0, "t"); aw = cell(0, "w") }
		END {
			ok = bt > 85 && bt < 115 && bw > 3.2 && bw < 4.3 && b0 == -1 &&
			     at > 40 && at < 60 && aw > 1.5 && aw < 2.2
			if (!ok) print "busy-b cpu4 " bt " % " bw " W (cpu0 " b0 "); busy-a cpu0 " at " % " aw " W"
			exit !ok
		}'"'"' "$0"' "$TMP/percpu.out"
check "fixture --per-cpu: each CPU total is 1/8 of psys with its time all named (coverage)" \
	bash -c 'awk "$WATTS $CELL"'"'"'
		/^joulestat top/ { n++ }
		n == 2 && /^CPU total/ { seen = 1
			for (k = 0; k < 6; k++) { t = cell(k, "t"); w = cell(k, "w")
				if (t < 99.5 || t > 100.5 || w < 3.4 || w > 4.1) { print "cpu" k ": " t " % " w " W"; bad = 1 } }
		}
		END { exit !(seen && !bad) }'"'"' "$0" && grep -Eq " cpu0 +cpu1 " "$0" &&
		grep -Eq "^2 processes ran; CPU total: time named / interval \(coverage\)" "$0"' "$TMP/percpu.out"
check "fixture --filter: a case-blind part of the command, and the header says so" \
	bash -c 'grep -q "^filter: command ~ usy-B - 1 of 2 rows$" "$0" && grep -Eq "^ +200 root +busy-b " "$0" &&
		! grep -q "busy-a" "$0"' "$TMP/filter.out"
check "fixture --tree --pid 100 --user root: busy-a and its subtree" \
	bash -c 'grep -q "^filter: user root pid 100 and below - 2 of 2 rows$" "$0" &&
		grep -Eq "^ +100 root +busy-a " "$0" && grep -Eq "^ +200 root +.- busy-b " "$0"' "$TMP/sub.out"
check "fixture --user nobody: no row" \
	bash -c 'grep -q "^filter: user nobody - 0 of 2 rows$" "$0" && ! grep -q "busy-" "$0"' "$TMP/nobody.out"
check "fixture, 80 columns: no line is wider; the per-CPU view shows the CPUs that fit" \
	bash -c 'awk "length(\$0) > 80 { print; bad = 1 } END { exit bad }" "$0" && grep -Eq "^cpu0-2 of 8 \(<- ->\) +cpu0 +cpu1 +cpu2$" "$0"' \
	"$TMP/narrow.out"

# The real machine.
check "real: top -n 2 --batch -i 0.2 prints two frames with a table" \
	bash -c 'out=$("$0" top -n 2 --batch -i 0.2) && [ "$(grep -c "^joulestat top" <<<"$out")" = 2 ] &&
		grep -Eq "^ +PID USER +COMMAND +\[W\] +J +CPU% +SHARE$" <<<"$out" && grep -q "sources " <<<"$out"' "$JS"
if ! "$JS" probe --json -i 0.01 | jq -e '[.domains[] | select(.in_host_total and (.estimated | not))] | length > 0' >/dev/null 2>&1; then
	check "real, no sensor here: the model's numbers are labelled estimated" \
		bash -c '"$0" top -n 1 --batch -i 0.1 | grep -q "^\* estimated: no energy sensor"' "$JS"
fi
# The first frame comes after a short first interval, whatever -i says: -i 3600 -n 1
# would otherwise take an hour (the bound is the test's, not the machine's speed).
check "real: the first frame comes at once, after a short first interval, even with -i 3600" \
	bash -c 'out=$(timeout 120 "$0" top --batch -n 1 -i 3600) || { echo "no frame (exit $?)"; exit 1; }
		grep -Eq "^joulestat top - [0-9:]+ - 0\.[0-9]+ s - " <<<"$out" &&
		grep -q "^first interval shortened to 0.20 s" <<<"$out" || { echo "$out"; exit 1; }' "$JS"
check "real: then the frames follow -i (the first short, the second the full interval)" \
	bash -c '"$0" top --batch -n 2 -i 1.5 | awk "
		/^joulestat top/ { n++; iv[n] = \$6 }
		/^first interval shortened/ { note[n] = 1 }
		END { print iv[1], iv[2], note[1], note[2]; exit !(n == 2 && iv[1] < 1 && iv[2] >= 1.45 && note[1] && !note[2]) }"' "$JS"
check "real: standard output not a terminal means batch, no escape sequences" \
	bash -c 'out=$("$0" top -n 1 -i 0.1 | cat) && grep -q "^joulestat top" <<<"$out" && ! grep -q $'"'"'\e'"'"' <<<"$out"' "$JS"
check "real: --activity proc and every grouping run" \
	bash -c 'for g in process thread comm cgroup unit container vm user; do
			"$0" top -n 1 --batch -i 0.1 --activity proc --group $g | grep -q "by $g" || { echo "group $g"; exit 1; }
		done' "$JS"

# ncurses in a pseudo-terminal: draws, survives shrinking below its minimum and growing again.
if command -v script >/dev/null; then
	# Resize only once the first screen is drawn (ncurses handles SIGWINCH from initscr on).
	check "terminal: top draws with ncurses and handles SIGWINCH resizes" \
		bash -c 'TERM=xterm script -qfec "stty rows 24 cols 100; \"$0\" top -i 0.3 -n 10 </dev/tty & p=\$!;
			for i in \$(seq 100); do grep -aq \"q quit\" \"$1/tty.log\" && break; sleep 0.1; done;
			stty rows 5 cols 30; kill -WINCH \$p; sleep 0.5; stty rows 40 cols 160; kill -WINCH \$p;
			wait \$p" "$1/tty.log" >/dev/null && grep -aq "terminal too small" "$1/tty.log" &&
			grep -aq "q quit  ? help" "$1/tty.log" && grep -aq $'"'"'\e\[?1049h'"'"' "$1/tty.log"' \
		"$JS" "$TMP"
	# Keys, typed into the terminal once the screen shows the effect of the one before.
	keys() { # LOG
		local k want
		for k in "g:thread" "s:[J]" "i:proportional" "q:"; do
			want=${k#*:}
			for i in $(seq 150); do grep -aqF "q quit" "$1" && break; sleep 0.1; done
			printf '%s' "${k%%:*}"
			[ -z "$want" ] && break
			for i in $(seq 150); do grep -aqF "$want" "$1" && break; sleep 0.1; done
		done
		sleep 2
	}
	export -f keys
	# (ncurses redraws only what changed, so the log holds each new word, not whole lines)
	check "terminal: g, s and i change grouping, sort and idle policy; q quits with 0" \
		bash -c 'keys "$1/keys.log" | TERM=xterm timeout 120 script -qfec "stty rows 30 cols 120; \"$0\" top -i 0.3" \
			"$1/keys.log" >/dev/null || exit 1
			for w in "thread" "[J]" "proportional"; do
				grep -aqF "$w" "$1/keys.log" || { echo "never showed: $w"; exit 1; }
			done' "$JS" "$TMP"
fi

done_testing
