#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
#
# ab-activity.sh - two builds' eBPF collector benchmarks in turns, so that a
# change of the machine's load reaches both: bench-activity PART (b1, b2,
# b4, b10, b11) or b6-rss, from BEFORE and AFTER alternately, ROUNDS times.
# Each line is prefixed with the build, and each round with the load
# average and the number of sched_switch programs attached (other work's
# collectors add their cost to every switch). Root; not a test.
#
#   sudo bench/ab-activity.sh BEFORE/build AFTER/build ROUNDS b1|b2|b4|b10|b11|b6

set -u
before=$1 after=$2 rounds=$3 part=$4

run() {
	case $part in
	b6) "$1/bench/b6-rss" 30 10000 ;;
	*) "$1/bench/bench-activity" "$part" ;;
	esac
}

i=1
while [ "$i" -le "$rounds" ]; do
	for side in before after; do
		eval dir=\$$side
		progs=$(bpftool prog show 2>/dev/null | grep -c 'name switch_')
		echo "# round $i $side: load $(cut -d' ' -f1-3 /proc/loadavg), sched_switch programs attached before: $progs"
		run "$dir" 2>&1 | sed "s/^/$side /"
	done
	i=$((i + 1))
done
