# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# synth.sh - a fixture machine that moves, for the live views (top, record):
# the intel-2s sysfs tree (two sockets, CPUs 0-3 and 4-7, RAPL packages and
# psys) and a /proc with two processes, whose counters advance by one step
# of 20 ms of fixture time (two USER_HZ ticks) each time synth_step runs:
#   busy-a (pid 100) runs 10 ms on cpu0, busy-b (pid 200) 20 ms on cpu4,
#   every other CPU idles; package-0 and package-1 +0.2 J (10 W), psys
#   +0.6 J (30 W).
# Files are rewritten in place with one write of the same length, because
# the /proc collector keeps them open (a rename would read as an exit).
# They are written one after another, so a sample may read some of them one
# step later than others: steps are small so that this stays a few percent.
# Source it after tap.sh; needs $DATA.

SYNTH_E0=100000000000	# µJ, 12 digits, below the fixture's max_energy_range_uj
SYNTH_NS0=1000000000000	# ns, 13 digits
SYNTH_T0=1000000	# USER_HZ ticks, 7 digits

# synth_put FILE CONTENT: overwrite in place (<> opens without truncating),
# one write, no process started: steps must be quick on a loaded machine.
synth_put() {
	printf '%s' "$2" 1<>"$1"
}

synth_task_stat() { # pid comm cpu
	printf '%s (%s) S 1 %s %s 0 -1 4194304 100 0 0 0 10 5 0 0 20 0 1 0 6000 46882816 3891 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 %s 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n' \
		"$1" "$2" "$1" "$1" "$3"
}

# synth_make DIR: build the tree at step 0.
synth_make() {
	local d=$1 pid
	mkdir -p "$d/proc"
	cp -r "$DATA/intel-2s/sys" "$d/sys"
	cp "$DATA/intel-2s/proc/cpuinfo" "$d/proc/cpuinfo"
	for pid in 100 200; do
		mkdir -p "$d/proc/$pid/task/$pid"
		printf '0::/user.slice\n' >"$d/proc/$pid/cgroup"
		printf '400 100 100 50 0 200 0\n' >"$d/proc/$pid/statm"
	done
	synth_task_stat 100 busy-a 0 >"$d/proc/100/stat"
	synth_task_stat 200 busy-b 4 >"$d/proc/200/stat"
	cp "$d/proc/100/stat" "$d/proc/100/task/100/stat"
	cp "$d/proc/200/stat" "$d/proc/200/task/200/stat"
	synth_step "$d" 0
}

# synth_step DIR K: the counters after K steps.
synth_step() {
	local d=$1 k=$2 c cs up stat idle user tot_user=0 tot_idle=0 lines="" z
	for c in 0 1 2 3 4 5 6 7; do
		case $c in
		0) user=$((SYNTH_T0 + k)); idle=$((SYNTH_T0 + k)) ;;
		4) user=$((SYNTH_T0 + 2 * k)); idle=$SYNTH_T0 ;;
		*) user=$SYNTH_T0; idle=$((SYNTH_T0 + 2 * k)) ;;
		esac
		tot_user=$((tot_user + user)); tot_idle=$((tot_idle + idle))
		lines+="cpu$c $user 0 1000000 $idle 1000000 0 0 0 0 0"$'\n'
	done
	stat="cpu  $tot_user 0 8000000 $tot_idle 8000000 0 0 0 0 0"$'\n'"$lines"
	stat+="btime 1795846000"$'\n'"processes 500"$'\n'"procs_running 1"$'\n'
	synth_put "$d/proc/stat" "$stat"
	synth_put "$d/proc/100/task/100/schedstat" "$((SYNTH_NS0 + 10000000 * k)) 1000000 10"$'\n'
	synth_put "$d/proc/200/task/200/schedstat" "$((SYNTH_NS0 + 20000000 * k)) 1000000 10"$'\n'
	synth_put "$d/proc/100/schedstat" "$((SYNTH_NS0 + 10000000 * k)) 1000000 10"$'\n'
	synth_put "$d/proc/200/schedstat" "$((SYNTH_NS0 + 20000000 * k)) 1000000 10"$'\n'
	z=$d/sys/devices/virtual/powercap/intel-rapl
	synth_put "$z/intel-rapl:0/energy_uj" "$((SYNTH_E0 + 200000 * k))"$'\n'
	synth_put "$z/intel-rapl:1/energy_uj" "$((SYNTH_E0 + 200000 * k))"$'\n'
	synth_put "$z/intel-rapl:2/energy_uj" "$((SYNTH_E0 + 600000 * k))"$'\n'
	cs=$((2 * k))
	printf -v up '%d.%02d %d.%02d\n' $((1000 + cs / 100)) $((cs % 100)) $((1800 + cs / 100)) $((cs % 100))
	synth_put "$d/proc/uptime" "$up"
}

# synth_run DIR: advance one step about every 10 ms of real time until DIR/stop exists.
synth_run() {
	local k=1
	while [ ! -e "$1/stop" ]; do
		synth_step "$1" "$k"
		k=$((k + 1))
		sleep 0.01
	done
}
