#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-top-tmux.sh - joulestat top as a person uses it, in a real terminal:
# tmux runs it in a detached session of a given size over the moving
# fixture machine (synth.sh), keys are sent with send-keys and the screen is
# read back with capture-pane. Every key of the help screen is pressed and
# its effect looked for; the screen is resized to 80x24 and 200x60; colour
# is checked on, off with NO_COLOR, absent on a terminal without colour, and
# TERM=dumb gets plain frames. Every wait polls the screen with a bound of a
# minute: nothing assumes how fast the machine is. Exit 77 without tmux.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/synth.sh"

if ! command -v tmux >/dev/null; then
	echo "1..0 # SKIP tmux is not installed (Debian package tmux)"
	exit 77
fi
SOCK=$TMP/tmux.0.sock
tm() { tmux -S "$SOCK" "$@"; }
# new_server: the next session gets a server of its own. kill-server returns
# before the old server is gone, and a session started on its socket at once
# could go down with it ("no server running").
NSOCK=0
new_server() {
	tm kill-server 2>/dev/null
	NSOCK=$((NSOCK + 1))
	SOCK=$TMP/tmux.$NSOCK.sock
	export SOCK
}
trap 'touch "$M/stop" 2>/dev/null; tm kill-server 2>/dev/null; wait; rm -rf "$TMP"' EXIT

# busy-a (pid 100) half of cpu0, its child busy-b (pid 200) all of cpu4; psys 30 W over 8
# CPUs; init (pid 1), busy-a's parent, sleeps: the tree view reads it from the fixture's /proc.
M=$TMP/m
synth_make "$M"
sed -i 's/^200 (busy-b) S 1 /200 (busy-b) S 100 /' "$M/proc/200/stat" "$M/proc/200/task/200/stat"
mkdir -p "$M/proc/1/task/1"
synth_task_stat 1 init 2 | tee "$M/proc/1/stat" >"$M/proc/1/task/1/stat"
printf '0::/init.scope\n' >"$M/proc/1/cgroup"
printf '400 100 100 50 0 200 0\n' >"$M/proc/1/statm"
printf '5000000 0 5\n' | tee "$M/proc/1/schedstat" >"$M/proc/1/task/1/schedstat"
synth_run "$M" &
FIX="--sysfs-root $M/sys --procfs-root $M/proc --activity proc --source powercap"

# start W H [ENV...]: top in a fresh session of W x H; the pane stays after it exits.
start() {
	local w=$1 h=$2
	shift 2
	new_server
	tm -f /dev/null new-session -d -s top -x "$w" -y "$h" \
		"env $* '$JS' top -i 0.3 $FIX; echo \"EXITED \$?\"; sleep 600"
	tm set-option -g window-size manual >/dev/null 2>&1
}
pane() { tm capture-pane -p -t top "$@"; }
key() { tm send-keys -t top "$@"; }
# wait_for ERE: the screen shows it (within a minute).
wait_for() {
	local i
	for i in $(seq 600); do
		pane >"$TMP/pane" 2>/dev/null && grep -Eq -- "$1" "$TMP/pane" && return 0
		sleep 0.1
	done
	echo "the screen never showed /$1/:"
	cat "$TMP/pane"
	return 1
}
# wait_gone ERE: the screen no longer shows it.
wait_gone() {
	local i
	for i in $(seq 600); do
		pane >"$TMP/pane" 2>/dev/null && ! grep -Eq -- "$1" "$TMP/pane" && return 0
		sleep 0.1
	done
	echo "the screen still shows /$1/:"
	cat "$TMP/pane"
	return 1
}
export -f tm pane key wait_for wait_gone
export SOCK TMP

# ---- 80x24: the first frame, then every key ----
start 80 24
check "80x24: the first frame: title, power bar, host ledger and the key line at the bottom" \
	bash -c 'wait_for "^joulestat top - [0-9:]+ - [0-9.]+ s - by process - idle separate" &&
		wait_for "^power \[[|:! ]+\] [0-9.]+ [mk]?W of " && wait_for "^host [0-9.]+ W = tasks " &&
		[ "$(pane | sed -n 24p | cut -c1-16)" = " q quit  ? help " ] || { pane; exit 1; }'
check "80x24: both fixture processes, the sort column marked [W]" \
	bash -c 'wait_for "^ +100 root +busy-a " && wait_for "^ +200 root +busy-b " &&
		wait_for "^ +PID USER +COMMAND +\[W\] +J +CPU% +SHARE"'
check "80x24: no line of the header is cut (the coverage line wraps rather than ends short)" \
	bash -c 'wait_for "sources powercap$"'
check "? shows the help screen, any key returns" \
	bash -c 'key "?" && wait_for "keys \(any key returns\)" && wait_for "^  t +tree view" &&
		key x && wait_for "^ +200 root +busy-b "'
check "h shows the help screen too" \
	bash -c 'key h && wait_for "keys \(any key returns\)" && key Escape && wait_gone "any key returns"'
check "/ filters by command, the header says so; an empty filter clears it" \
	bash -c 'key / && wait_for "filter by command: _" && key b u s y - B Enter &&
		wait_for "^filter: command ~ busy-B - 1 of 2 rows$" && wait_gone "busy-a" &&
		key / && wait_for "filter by command: busy-B_" &&
		key BSpace BSpace BSpace BSpace BSpace BSpace Enter && wait_gone "^filter:" &&
		wait_for "^ +100 root +busy-a "'
check "Esc leaves the filter as it was" \
	bash -c 'key / && wait_for "filter by command: _" && key z z z Escape && wait_gone "filter by command" &&
		! grep -q "^filter:" "$TMP/pane"'
check "u filters by user" \
	bash -c 'key u && wait_for "filter by user" && key n o b o d y Enter &&
		wait_for "^filter: user nobody - 0 of 2 rows$" && key u &&
		key BSpace BSpace BSpace BSpace BSpace BSpace Enter && wait_gone "^filter:"'
check "p filters by PID; t shows its subtree, busy-b under busy-a, and not init" \
	bash -c 'key p && wait_for "filter by PID" && key 1 0 0 Enter && wait_for "^filter: pid 100 - 1 of 2 rows$" &&
		key t && wait_for "^filter: pid 100 and below - 2 of 3 rows$" &&
		wait_for "^ +200 root +   \`- busy-b " && ! grep -q " init " "$TMP/pane" &&
		key p && key BSpace BSpace BSpace Enter && wait_gone "^filter:"'
check "t is the tree view: init, which did not run, holds busy-a, which holds busy-b" \
	bash -c 'wait_for " - tree$" && wait_for "^ +PID USER +COMMAND +\[W\] +TREE W " &&
		wait_for "^ +1 - +init +0 W +[0-9.]+ W +- " && wait_for "^ +100 root +\`- busy-a " &&
		wait_for "^ +200 root +   \`- busy-b "'
check "t again leaves the tree view" \
	bash -c 'key t && wait_gone " - tree$" && wait_for "^ +PID USER +COMMAND +\[W\] +J "'
check "N, C, E, P sort by PID, CPU, energy, power: the column is marked" \
	bash -c 'key N && wait_for "^ +\[PID\] USER " && key C && wait_for "\[CPU%\]" &&
		key E && wait_for " \[J\] " && key P && wait_for " \[W\] "'
check "< and > move the sort to the column before and after" \
	bash -c 'key "<" && wait_for "^ +\[PID\] " && key ">" && wait_for " \[W\] " &&
		key ">" && wait_for " \[J\] " && key s && wait_for "\[CPU%\]" && key P && wait_for " \[W\] "'
check "c is the per-CPU view: the CPUs that fit, Right and Left for the others, each CPU's total" \
	bash -c 'key c && wait_for " - per CPU$" && wait_for "^cpu0-2 of 8 \(<- ->\) +cpu0 +cpu1 +cpu2$" &&
		wait_for "^CPU total +100\.0% " && wait_for "^all tasks " &&
		key Right && wait_for "^cpu3-5 of 8 " && key Right && wait_for "^cpu5-7 of 8 " &&
		key Right && wait_for "^cpu5-7 of 8 " && key Left && wait_for "^cpu2-4 of 8 " &&
		key c && wait_gone " - per CPU$"'
check "g and G change the grouping" \
	bash -c 'key g && wait_for " - by thread - " && wait_for "^ +PID +TID USER " && key G &&
		wait_for " - by process - "'

# ---- scrolling: the tree's three rows on a screen with room for one and the "more" line ----
scroll_keys() {
	local hdr h
	# The lines above the first row, once the first frame's note is gone.
	key t && wait_for " - tree$" && wait_gone "first interval shortened" || return 1
	hdr=$(pane | grep -nE "^ +PID USER" | cut -d: -f1)
	[ -n "$hdr" ] || { echo "no column line"; pane; return 1; }
	# the header, one row, the "more" line, the key line
	h=$((hdr + 3))
	tm resize-window -t top -x 80 -y "$h" || return 1
	wait_for "^-- 2 more below \(Down, PgDn, End\) --" || return 1
	key Down && wait_for "^-- 1 more below, 1 above \(Up/Down, PgUp/PgDn, Home/End\) --" || return 1
	key End && wait_for "^-- 2 more above \(Up, PgUp, Home\) --" && wait_for "busy-b" || return 1
	key Up && wait_for "^-- 1 more below, 1 above" || return 1
	key Home && wait_for "^-- 2 more below" && wait_for " init " || return 1
	key NPage && wait_for "^-- 1 more below, 1 above" || return 1
	key PPage && wait_for "^-- 2 more below" || return 1
	# Taller again: every row fits, no marker.
	tm resize-window -t top -x 80 -y 24 && wait_gone "more (below|above)" && key t && wait_gone " - tree$"
}
export -f scroll_keys
check "Up, Down, PgUp, PgDn, Home, End scroll, with an N more line" scroll_keys

# ---- resizes ----
check "resized to 200x60: the per-CPU view shows all 8 CPUs, the key line is the 60th" \
	bash -c 'tm resize-window -t top -x 200 -y 60 && key c &&
		wait_for "^ +cpu0 +cpu1 +cpu2 +cpu3 +cpu4 +cpu5 +cpu6 +cpu7$" &&
		[ "$(pane | sed -n 60p | cut -c1-16)" = " q quit  ? help " ] &&
		pane | sed -n 60p | grep -q "i idle" || { pane; exit 1; }'
check "resized back to 80x24: three CPUs again, and the table" \
	bash -c 'tm resize-window -t top -x 80 -y 24 && wait_for "^cpu0-2 of 8 \(<- ->\)" && key c &&
		wait_for "^ +200 root +busy-b "'
# Last before q: the monitor starts again, and its first frame's note changes the header's height.
check "i changes the idle policy (the monitor starts again)" \
	bash -c 'key i && wait_for " - idle proportional" && wait_for "^ +200 root +busy-b " &&
		key i && wait_for " - idle separate"'
check "q quits with 0" bash -c 'key q && wait_for "^EXITED 0$"'

# ---- colour ----
# An SGR that sets a foreground or background colour: 30-37, 40-47 (39 and 49 are the defaults).
COLOUR=$'\e\\[([0-9]+;)*[34][0-7](;[0-9]+)*m'
export COLOUR
start 80 24
check "colour on a colour terminal: the bar's tasks in green" \
	bash -c 'wait_for "^power \[\|" && pane -e | grep -Eq $'"'"'\e\[([0-9]+;)*32m\|'"'"' ||
		{ pane -e | cat -v | head -5; exit 1; }'
start 80 24 NO_COLOR=1
check "NO_COLOR=1: no colour at all, bold and reverse still" \
	bash -c 'wait_for "^power \[\|" && wait_for "^ +200 root" && ! pane -e | grep -Eq "$COLOUR" &&
		pane -e | grep -q $'"'"'\e\[7m'"'"' || { pane -e | cat -v | head -12; exit 1; }'
start 80 24 NO_COLOR=
check "NO_COLOR set but empty: colour (no-color.org)" \
	bash -c 'wait_for "^power \[\|" && pane -e | grep -Eq "$COLOUR" || { pane -e | cat -v | head -5; exit 1; }'
start 80 24 TERM=vt100
check "TERM=vt100 (no colour): the screen without colour" \
	bash -c 'wait_for "^power \[\|" && wait_for "^ +200 root" && ! pane -e | grep -Eq "$COLOUR" ||
		{ pane -e | cat -v | head -12; exit 1; }'
new_server
tm -f /dev/null new-session -d -s top -x 100 -y 50 \
	"env TERM=dumb '$JS' top -i 0.3 -n 2 $FIX 2>&1; echo \"EXITED \$?\"; sleep 600"
check "TERM=dumb: plain frames, said so, and exit 0" \
	bash -c 'wait_for "^EXITED 0$" && grep -q "cannot hold a screen: printing plain frames" "$TMP/pane" &&
		[ "$(grep -c "^joulestat top - " "$TMP/pane")" = 2 ] || exit 1'

done_testing
