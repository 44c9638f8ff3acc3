# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# onezone.sh - a sysfs tree with this machine's CPUs and sockets and one RAPL
# package zone, for tests that need a measured counter whose range and
# worst-case power they choose. Source it after tap.sh.

# onezone_make DIR RANGE_UJ: package-0 of RANGE_UJ µJ that may draw 100 W
# (4 × its 25 W constraint), at 20 J.
onezone_make() {
	local d=$1 z=$1/devices/virtual/powercap/intel-rapl/intel-rapl:0 c n
	mkdir -p "$z" "$d/class/powercap" "$d/devices/system/cpu"
	cat /sys/devices/system/cpu/online >"$d/devices/system/cpu/online"
	cat /sys/devices/system/cpu/possible >"$d/devices/system/cpu/possible"
	for c in /sys/devices/system/cpu/cpu[0-9]*/topology; do
		n=$(basename "$(dirname "$c")")
		mkdir -p "$d/devices/system/cpu/$n/topology"
		cat "$c/core_id" >"$d/devices/system/cpu/$n/topology/core_id"
		cat "$c/physical_package_id" >"$d/devices/system/cpu/$n/topology/physical_package_id"
	done
	ln -s ../../devices/virtual/powercap/intel-rapl/intel-rapl:0 "$d/class/powercap/intel-rapl:0"
	echo package-0 >"$z/name"
	echo 1 >"$z/enabled"
	echo "$2" >"$z/max_energy_range_uj"
	echo 25000000 >"$z/constraint_0_max_power_uw"
	echo 20000000 >"$z/energy_uj"
}

# onezone_drive DIR: the counter follows 4 W of real time (wrapping at 40 J,
# so use a range of 40000000), rewritten in place about every 10 ms, until
# DIR/stop exists.
onezone_drive() {
	local f=$1/devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj t0 now
	t0=${EPOCHREALTIME/./}
	while [ ! -e "$1/stop" ]; do
		now=${EPOCHREALTIME/./}
		printf '%08d\n' $(((20000000 + 4 * (now - t0)) % 40000000)) 1<>"$f"
		sleep 0.01
	done
}
