#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-probe-power.sh - `joulestat probe` over the battery, hwmon, per-process
# and model fixture trees, and on this machine (no sensor: the model).
. "$(dirname "$0")/tap.sh"

# probe_json TREE [ARGS...]: probe --json over tests/data/TREE (or a path) into $TMP/p.json.
probe_json() {
	local t=$1
	shift
	[ -d "$t" ] || t=$DATA/$t
	"$JS" probe --json -i 0.05 --sysfs-root "$t/sys" --procfs-root "$t/proc" "$@" >"$TMP/p.json" &&
		jq -e . "$TMP/p.json" >/dev/null
}

# jqt FILTER: the last probe's JSON satisfies FILTER (shown when not).
jqt() {
	if ! jq -e "$1" "$TMP/p.json" >/dev/null; then
		echo "jq filter failed: $1"
		jq . "$TMP/p.json"
		return 1
	fi
}

src() { echo ".sources[] | select(.name == \"$1\")"; }
dom() { echo ".domains[] | select(.name == \"$1\")"; }

# --- laptop: BAT0 discharging with power_now (the tree's CPUs come with its powercap part)
if [ -f "$DATA/laptop/sys/devices/system/cpu/online" ] || [ -d "$DATA/laptop/sys/devices/system/cpu/cpu0" ]; then
	check "laptop: probe exits 0" probe_json laptop
	check "laptop: BAT0 is a measured battery domain read from power_now" \
		jqt "($(dom BAT0)) | .kind == \"battery\" and .source == \"battery\" and (.path | endswith(\"BAT0/power_now\")) and .estimated == false and .socket == null"
	check "laptop: the AC adapter is not a domain" jqt "[.domains[] | select(.name == \"AC\")] | length == 0"
	check "laptop: BAT0 reads 12 W" jqt "($(dom BAT0)).power_w > 11.999 and ($(dom BAT0)).power_w < 12.001"
else
	for d in "laptop: probe exits 0" "laptop: BAT0 is a measured battery domain" \
		"laptop: the AC adapter is not a domain" "laptop: BAT0 reads 12 W"; do
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $d # SKIP tests/data/laptop has no CPU topology in this tree"
	done
fi

# --- laptop-cv: current_now x voltage_now, a mouse battery, an adapter
check "laptop-cv: probe exits 0" probe_json laptop-cv
check "laptop-cv: the battery source is active with one domain" \
	jqt "($(src battery)) | .state == \"active\" and .domains == 1 and .estimated == false"
check "laptop-cv: BAT1 is read from current_now x voltage_now, 17.1 W" \
	jqt "($(dom BAT1)) | (.path | endswith(\"current_now x voltage_now\")) and .power_w > 17.099 and .power_w < 17.101"
check "laptop-cv: BAT1 is the host total, measured" \
	jqt "($(dom BAT1)).in_host_total and .host_total.estimated == false"
check "laptop-cv: the mouse's battery is not a domain" \
	jqt "[.domains[] | select(.name | startswith(\"hidpp\"))] | length == 0"
check "laptop-cv: the model is not needed" \
	jqt "($(src model)).state == \"shadowed\" and .model == null"
check "laptop-cv: text probe names BAT1 and what it reads" \
	bash -c '"$0" probe -i 0.05 --sysfs-root "$1/sys" --procfs-root "$1/proc" | grep -q "read from .*BAT1/current_now x voltage_now"' \
	"$JS" "$DATA/laptop-cv"

# --- charging: no energy invented, and it says so
cp -a "$DATA/laptop-cv" "$TMP/charging"
echo Charging >"$TMP/charging/sys/class/power_supply/BAT1/status"
check "charging: probe exits 0" probe_json "$TMP/charging"
check "charging: BAT1 says it is not measuring, power unknown, no energy" \
	jqt "($(dom BAT1)) | (.path | contains(\"not measuring: Charging\")) and .power_w == null and .energy_uj == 0 and .errors == 0"
check "charging: host total power is unknown" jqt ".host_total.power_w == null"

# --- hwmon-meter: ACPI power meter, amd_energy, an amdgpu that is left alone
check "hwmon-meter: probe exits 0" probe_json hwmon-meter
check "hwmon-meter: hwmon active with two domains" jqt "($(src hwmon)) | .state == \"active\" and .domains == 2"
check "hwmon-meter: ACPI power meter is a platform domain at 85 W" \
	jqt "($(dom power_meter-power1)) | .kind == \"platform\" and .socket == null and .power_w > 84.999 and .power_w < 85.001"
check "hwmon-meter: amd_energy Esocket0 is socket 0's package" \
	jqt "($(dom amd_energy-Esocket0)) | .kind == \"package\" and .socket == 0 and .max_energy_range_uj == 0"
check "hwmon-meter: no GPU domain" jqt "[.domains[] | select(.kind == \"gpu\" or (.name | startswith(\"amdgpu\")))] | length == 0"
check "hwmon-meter: host total is the package, measured" \
	jqt "[.domains[] | select(.in_host_total) | .name] == [\"amd_energy-Esocket0\"] and .host_total.estimated == false"

# --- procpower: per-process files
check "procpower: probe exits 0" probe_json procpower
check "procpower: one process domain per PID with a power file" \
	jqt "[.domains[] | select(.kind == \"process\") | .pid] | sort == [1, 412]"
check "procpower: process domains are not in the host total" \
	jqt "[.domains[] | select(.kind == \"process\" and .in_host_total)] | length == 0"
check "procpower: the model still estimates the machine" \
	jqt "($(src model)).state == \"active\" and .host_total.estimated == true"

# --- model: a known CPU from the table, two sockets
check "model: probe exits 0" probe_json model
check "model: active, estimated, one package per socket" \
	jqt "($(src model)) | .state == \"active\" and .estimated and .domains == 2"
check "model: parameters from the table, scaled to the threads seen" \
	jqt ".model.origin == \"table: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz (TDP 150 W) x 2/40 threads\" and .model.idle_mw == 1875 and .model.max_mw == 7500"
check "model: every domain estimated, both in the host total" \
	jqt "([.domains[] | select(.estimated and .in_host_total and .kind == \"package\")] | length == 2) and .host_total.estimated"
model_from_options() {
	probe_json model --model-idle-watts 10 --model-max-watts 50 &&
		jqt '.model == {"idle_mw": 10000, "max_mw": 50000, "origin": "options"}'
}
check "model: --model-*-watts set the parameters (origin options)" model_from_options

# --- broken trees: errors counted and shown, never a crash
check "broken-battery: probe exits 0" probe_json broken-battery
check "broken-battery: both readable-looking batteries have errors counted" \
	jqt "[.domains[] | select(.kind == \"battery\" and .errors > 0) | .name] | sort == [\"BAT0\", \"BAT2\"]"
check "broken-battery: the unreadable status is said" \
	jqt "($(dom BAT2)).path | contains(\"status unreadable\")"
check "broken-hwmon: probe exits 0" probe_json broken-hwmon
check "broken-hwmon: both meters have errors counted" \
	jqt "[.domains[] | select(.source == \"hwmon\" and .errors > 0)] | length == 2"
check "broken-hwmon: -v names the bad files" \
	bash -c '"$0" probe -v -i 0.05 --sysfs-root "$1/sys" --procfs-root "$1/proc" 2>&1 >/dev/null | grep -q "hwmon1/power1_average: not a number"' \
	"$JS" "$DATA/broken-hwmon"

# --- this machine
if ls /sys/class/powercap/intel-rapl* /sys/class/power_supply/*/power_now /sys/class/hwmon/hwmon*/power1_* >/dev/null 2>&1; then
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - this machine: model active # SKIP this machine has an energy sensor"
else
	check "this machine: probe --json exits 0" probe_json /
	check "this machine: the model is active and estimated" \
		jqt "($(src model)) | .state == \"active\" and .estimated and .domains >= 1"
	check "this machine: model parameters and origin are reported" \
		jqt ".model.idle_mw > 0 and .model.max_mw > .model.idle_mw and (.model.origin | test(\"^(default|table: .+ \\\\(TDP [0-9]+ W\\\\).*)$\"))"
	check "this machine: the host total is estimated" jqt ".host_total.estimated == true"
	check "this machine: text probe shows the model and its origin" \
		bash -c '"$0" probe -i 0.05 | grep -qE "^  per socket: idle [0-9.]+ W, full load [0-9.]+ W \((default|table: .*)\)"' "$JS"
fi

done_testing
