#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# gen-rapl-fixtures.sh - regenerate the RAPL fixture trees (intel-2s, amd-epyc,
# laptop, broken-rapl) in the kernel's own layout and formats: zones live under
# sys/devices/virtual/powercap/<control type>/..., and sys/class/powercap holds
# relative symlinks to them, as sysfs does. Values are those of real machines
# (max_energy_range_uj 262143328850 = 2^32 x 61.035 uJ; server DRAM 65712999613
# = 2^32 x 15.3 uJ; AMD 65532610987 = 2^32 x 15.259 uJ).
# Run from anywhere; it rewrites only the powercap, cpu, perf and cpuinfo parts
# of those trees (other files, such as power_supply, are left alone).
set -eu
cd "$(dirname "$0")"

put() { # FILE CONTENT (a sysfs value: newline added)
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
}

cpus() { # TREE ONLINE "cpu:pkg[:core] ..."
	local t=$1 online=$2 c
	put "$t/sys/devices/system/cpu/online" "$online"
	put "$t/sys/devices/system/cpu/possible" "$online"
	for c in $3; do
		IFS=: read -r n pkg core <<<"$c"
		put "$t/sys/devices/system/cpu/cpu$n/topology/physical_package_id" "$pkg"
		put "$t/sys/devices/system/cpu/cpu$n/topology/core_id" "${core:-$n}"
	done
}

cpuinfo() { # TREE VENDOR FAMILY MODEL "MODEL NAME" NCPUS
	local t=$1 i
	mkdir -p "$t/proc"
	: >"$t/proc/cpuinfo"
	for ((i = 0; i < $6; i++)); do
		printf 'processor\t: %d\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: 4\n\n' \
			"$i" "$2" "$3" "$4" "$5" >>"$t/proc/cpuinfo"
	done
}

# zone TREE CTL ID PARENT-ID|- NAME ENERGY RANGE [MAXPOWER-LONG MAXPOWER-SHORT]
zone() {
	local t=$1 ctl=$2 id=$3 parent=$4 name=$5 energy=$6 range=$7 d rel
	if [ "$parent" = - ]; then
		rel="devices/virtual/powercap/$ctl/$id"
	else
		rel="devices/virtual/powercap/$ctl/$parent/$id"
	fi
	d="$t/sys/$rel"
	mkdir -p "$d"
	put "$d/name" "$name"
	[ "$energy" = - ] || put "$d/energy_uj" "$energy"
	[ "$range" = - ] || put "$d/max_energy_range_uj" "$range"
	put "$d/enabled" 1
	put "$d/uevent" ""
	if [ $# -ge 9 ]; then
		put "$d/constraint_0_name" long_term
		put "$d/constraint_0_max_power_uw" "$8"
		put "$d/constraint_0_power_limit_uw" "$8"
		put "$d/constraint_0_time_window_us" 27983872
		put "$d/constraint_1_name" short_term
		put "$d/constraint_1_max_power_uw" "$9"
		put "$d/constraint_1_power_limit_uw" $(($8 * 5 / 4))
		put "$d/constraint_1_time_window_us" 2440
	fi
	mkdir -p "$t/sys/class/powercap"
	ln -sfn "../../$rel" "$t/sys/class/powercap/$id"
	[ -e "$t/sys/class/powercap/$ctl" ] ||
		ln -sfn "../../devices/virtual/powercap/$ctl" "$t/sys/class/powercap/$ctl"
}

pmu() { # TREE TYPE CPUMASK "event:config ..."
	local t=$1 d="$1/sys/devices/power" e
	mkdir -p "$d/events" "$d/format" "$t/sys/bus/event_source/devices"
	put "$d/type" "$2"
	put "$d/cpumask" "$3"
	put "$d/format/event" "config:0-7"
	for e in $4; do
		put "$d/events/energy-${e%%:*}" "event=${e#*:}"
		put "$d/events/energy-${e%%:*}.scale" "2.3283064365386962890625e-10"
		put "$d/events/energy-${e%%:*}.unit" "Joules"
	done
	ln -sfn ../../../devices/power "$t/sys/bus/event_source/devices/power"
}

msr() { # TREE CPU REGISTER VALUE: 8 bytes little-endian at offset REGISTER of dev/cpu/CPU/msr
	local f="$1/dev/cpu/$2/msr" v=$4 i bytes=""
	mkdir -p "$(dirname "$f")"
	for ((i = 0; i < 8; i++)); do
		bytes+=$(printf '\\%03o' $(((v >> (8 * i)) & 255)))
	done
	printf "$bytes" | dd of="$f" bs=1 seek=$(($3)) conv=notrunc status=none
}

reset() { # TREE
	rm -rf "$1/sys/devices/virtual/powercap" "$1/sys/class/powercap" "$1/sys/devices/power" \
		"$1/sys/bus/event_source" "$1/sys/devices/system/cpu" "$1/proc/cpuinfo" "$1/dev/cpu"
	mkdir -p "$1/proc/sys/kernel"
	put "$1/proc/sys/kernel/perf_event_paranoid" 2
}

R=262143328850
# Two-socket Skylake-SP server: package + core + dram per socket, psys, and
# the MMIO interface's duplicate of package-0.
t=intel-2s
reset $t
cpus $t 0-7 "0:0 1:0 2:0 3:0 4:1 5:1 6:1 7:1"
cpuinfo $t GenuineIntel 6 85 "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz" 8
zone $t intel-rapl intel-rapl:0 - package-0 1234567890 $R 150000000 0
zone $t intel-rapl intel-rapl:0:0 intel-rapl:0 core 734567890 $R
zone $t intel-rapl intel-rapl:0:1 intel-rapl:0 dram 345678901 65712999613
zone $t intel-rapl intel-rapl:1 - package-1 2234567890 $R 150000000 0
zone $t intel-rapl intel-rapl:1:0 intel-rapl:1 core 1734567890 $R
zone $t intel-rapl intel-rapl:1:1 intel-rapl:1 dram 445678901 65712999613
zone $t intel-rapl intel-rapl:2 - psys 9876543210 $R
zone $t intel-rapl-mmio intel-rapl-mmio:0 - package-0 1234567890 $R 150000000 0
pmu $t 14 0,4 "cores:0x01 pkg:0x02 ram:0x03 psys:0x05"
# MSRs (/dev/cpu/N/msr): ESU 14 (61.035 uJ); DRAM counts 2^-16 J on this
# server part whatever ESU says; no PP1 (reads 0, so absent).
for c in 0 1 2 3 4 5 6 7; do
	msr $t $c 0x606 0xa0e03
	msr $t $c 0x611 $((c < 4 ? 0x12345678 : 0x22345678))
	msr $t $c 0x639 $((c < 4 ? 0x02345678 : 0x03345678))
	msr $t $c 0x619 $((c < 4 ? 0x00100000 : 0x00200000))
	msr $t $c 0x64d 0x40000000
done

# Two-socket AMD EPYC (Zen 3): the kernel's intel_rapl_msr driver presents a
# package zone and a core subzone per socket, with no power limits; SMT
# siblings share a core_id. The power PMU has energy-pkg only.
t=amd-epyc
A=65532610987
reset $t
cpus $t 0-7 "0:0:0 1:0:1 2:0:0 3:0:1 4:1:0 5:1:1 6:1:0 7:1:1"
cpuinfo $t AuthenticAMD 25 1 "AMD EPYC 7763 64-Core Processor" 8
zone $t intel-rapl intel-rapl:0 - package-0 31234567890 $A
zone $t intel-rapl intel-rapl:0:0 intel-rapl:0 core 1234567 $A
zone $t intel-rapl intel-rapl:1 - package-1 41234567890 $A
zone $t intel-rapl intel-rapl:1:0 intel-rapl:1 core 2234567 $A
pmu $t 11 0,4 "pkg:0x02"

# Tiger Lake laptop: psys, package, core, uncore (the battery is elsewhere in
# this tree, under sys/class/power_supply).
t=laptop
reset $t
cpus $t 0-7 "0:0 1:0 2:0 3:0 4:0 5:0 6:0 7:0"
cpuinfo $t GenuineIntel 6 140 "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz" 8
zone $t intel-rapl intel-rapl:0 - package-0 52345678901 $R 28000000 0
zone $t intel-rapl intel-rapl:0:0 intel-rapl:0 core 22345678901 $R
zone $t intel-rapl intel-rapl:0:1 intel-rapl:0 uncore 1345678901 $R
zone $t intel-rapl intel-rapl:1 - psys 82345678901 $R 0 0
for c in 0 1 2 3 4 5 6 7; do
	msr $t $c 0x606 0xa0e03
	msr $t $c 0x611 0x0badcafe
	msr $t $c 0x639 0x05000000
	msr $t $c 0x641 0x00400000
	msr $t $c 0x64d 0x7fffff00
done

# Broken: two good packages, then one fault per zone.
t=broken-rapl
reset $t
cpus $t 0-3 "0:0 1:0 2:1 3:1"
cpuinfo $t GenuineIntel 6 85 "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz" 4
zone $t intel-rapl intel-rapl:0 - package-0 1000000000 $R 150000000 0
zone $t intel-rapl intel-rapl:0:0 intel-rapl:0 core - $R                  # energy_uj missing
zone $t intel-rapl intel-rapl:0:1 intel-rapl:0 uncore 12x34 $R            # not a number
zone $t intel-rapl intel-rapl:0:2 intel-rapl:0 dram - 65712999613        # empty
: >$t/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:2/energy_uj
zone $t intel-rapl intel-rapl:1 - package-1 2000000000 $R 150000000 0
zone $t intel-rapl intel-rapl:1:0 intel-rapl:1 core 5000 0                # range 0
zone $t intel-rapl intel-rapl:1:1 intel-rapl:1 dram - 65712999613         # unreadable
mkdir -p $t/sys/devices/virtual/powercap/intel-rapl/intel-rapl:1/intel-rapl:1:1/energy_uj
: >$t/sys/devices/virtual/powercap/intel-rapl/intel-rapl:1/intel-rapl:1:1/energy_uj/.keep
zone $t intel-rapl intel-rapl:1:2 intel-rapl:1 uncore 70000000000 65712999613 # above range
zone $t intel-rapl intel-rapl:2 - psys 3000000000 -                       # range missing
echo "fixtures regenerated"
