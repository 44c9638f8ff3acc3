#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-probe-rapl.sh - `joulestat probe` and `probe --json` on the RAPL fixture
# trees: what each source finds, which domain makes the host total, and how
# broken files are named.
. "$(dirname "$0")/tap.sh"

roots() { # FIXTURE: the common root options for it
	echo --sysfs-root "$DATA/$1/sys" --procfs-root "$DATA/$1/proc"
}

probe_json() { # FIXTURE [ARGS...] → $TMP/FIXTURE.json
	local f=$1
	shift
	"$JS" probe --json -i 0.01 $(roots "$f") "$@" >"$TMP/$f.json"
}

# jqe FILE EXPR: jq -e, showing the document when the assertion fails.
jqe() {
	if ! jq -e "$2" "$1" >/dev/null; then
		echo "jq assertion failed: $2"
		jq -c '{sources: [.sources[] | {name, state, reason}], domains: [.domains[] | {name, source, socket, cpus, in_host_total}]}' "$1"
		return 1
	fi
}

pc='[.domains[] | select(.source == "powercap")]'

# ---- intel-2s: two sockets, psys, an MMIO duplicate ----
check "intel-2s: probe --json exits 0" probe_json intel-2s
check "intel-2s: powercap active with 7 domains" \
	jqe "$TMP/intel-2s.json" '.sources[] | select(.name == "powercap") | .state == "active" and .domains == 7'
check "intel-2s: package/core/dram per socket and psys, by name" \
	jqe "$TMP/intel-2s.json" "$pc | map(.name) | sort == [\"core-0\",\"core-1\",\"dram-0\",\"dram-1\",\"package-0\",\"package-1\",\"psys\"]"
check "intel-2s: sockets and CPU sets" \
	jqe "$TMP/intel-2s.json" "$pc | map({(.name): [.socket, .cpus]}) | add | .\"package-0\" == [0,\"0-3\"] and .\"dram-1\" == [1,\"4-7\"] and .psys == [null,\"0-7\"]"
check "intel-2s: the MMIO duplicate is not a domain" \
	jqe "$TMP/intel-2s.json" '[.domains[] | select(.path | test("mmio"))] | length == 0'
check "intel-2s: psys alone is the host total" \
	jqe "$TMP/intel-2s.json" '[.domains[] | select(.in_host_total) | .name] == ["psys"]'
check "intel-2s: raw values and ranges from the files" \
	jqe "$TMP/intel-2s.json" "$pc | map({(.name): [.raw_uj, .max_energy_range_uj]}) | add | .\"package-1\" == [2234567890, 262143328850] and .\"dram-0\" == [345678901, 65712999613]"
check "intel-2s: perf refuses a fixture root, saying why" \
	jqe "$TMP/intel-2s.json" '.sources[] | select(.name == "perf") | .state == "unavailable" and (.reason | test("is not /sys"))'
check "intel-2s: text lists the domains and the host total" \
	bash -c '"$0" probe -i 0.01 $1 >"$2" && grep -qE "^  powercap +active +7 domains" "$2" &&
		grep -qE "^  package-1 +package +powercap +1 4-7 " "$2" && grep -A1 "^Host total" "$2" | grep -q "^  psys:"' \
	"$JS" "$(roots intel-2s)" "$TMP/intel-2s.txt"

# ---- laptop: psys, package, core, uncore ----
check "laptop: probe --json exits 0" probe_json laptop
check "laptop: four RAPL domains" \
	jqe "$TMP/laptop.json" "$pc | map(.name) | sort == [\"core-0\",\"package-0\",\"psys\",\"uncore-0\"]"
check "laptop: psys is the host total, package is inside it" \
	jqe "$TMP/laptop.json" "$pc | map({(.name): .in_host_total}) | add == {\"psys\":true,\"package-0\":false,\"core-0\":false,\"uncore-0\":false}"

# ---- amd-epyc: no psys, no dram ----
check "amd-epyc: probe --json exits 0" probe_json amd-epyc
check "amd-epyc: package and core per socket" \
	jqe "$TMP/amd-epyc.json" "$pc | map(.name) | sort == [\"core-0\",\"core-1\",\"package-0\",\"package-1\"]"
check "amd-epyc: the packages make the host total" \
	jqe "$TMP/amd-epyc.json" '[.domains[] | select(.in_host_total) | .name] | sort == ["package-0","package-1"]'
check "amd-epyc: text host total sums the packages" \
	bash -c '"$0" probe -i 0.01 $1 | grep -A1 "^Host total" | grep -q "package-0 + package-1"' \
	"$JS" "$(roots amd-epyc)"

# ---- broken-rapl: every broken file named, the good zones still work ----
broken=(
	"intel-rapl:0:0/energy_uj: missing"
	"intel-rapl:0:1/energy_uj: not a number"
	"intel-rapl:0:2/energy_uj: empty"
	"intel-rapl:1:0/max_energy_range_uj: 0, the counter cannot be unwrapped"
	"intel-rapl:1:1/energy_uj: a directory, not a file"
	"intel-rapl:1:2/energy_uj: 70000000000 exceeds max_energy_range_uj 65712999613"
	"intel-rapl:2/max_energy_range_uj: missing"
)
check "broken-rapl: probe exits 0" expect_exit 0 "$JS" probe -i 0.01 $(roots broken-rapl)
cp "$TMP/out" "$TMP/broken.txt"
for b in "${broken[@]}"; do
	check "broken-rapl: text names class/powercap/${b%%: *}" \
		grep -qF "$DATA/broken-rapl/sys/class/powercap/$b" "$TMP/broken.txt"
done
check "broken-rapl: probe --json exits 0" probe_json broken-rapl
check "broken-rapl: powercap active with the two good packages" \
	jqe "$TMP/broken-rapl.json" ".sources[] | select(.name == \"powercap\") | .state == \"active\" and .domains == 2"
check "broken-rapl: the JSON reason names every broken file" \
	bash -c 'r=$(jq -r ".sources[] | select(.name == \"powercap\") | .reason" "$0"); shift
		for b in "$@"; do [[ $r == *"$b"* ]] || { echo "missing: $b"; exit 1; }; done' \
	"$TMP/broken-rapl.json" "${broken[@]}"
check "broken-rapl: the host total is both packages" \
	jqe "$TMP/broken-rapl.json" '[.domains[] | select(.in_host_total) | .name] | sort == ["package-0","package-1"]'

# ---- msr: opt-in, from the committed register files ----
check "intel-2s: --source msr reads the registers" \
	bash -c '"$0" probe --json -i 0.01 $1 --dev-root "$2" --source msr >"$3"' \
	"$JS" "$(roots intel-2s)" "$DATA/intel-2s/dev" "$TMP/msr.json"
check "intel-2s msr: seven domains, DRAM in fixed 2^-16 J units" \
	jqe "$TMP/msr.json" '(.domains | length) == 7 and (.domains[] | select(.name == "dram-0") | .raw_uj == 16000000 and .max_energy_range_uj == 65536000000)'
check "msr without the module: the fix is named" \
	bash -c '"$0" probe --json -i 0.01 $1 --dev-root "$2" --source msr,powercap |
		jq -e ".sources[] | select(.name == \"msr\") | .state == \"unavailable\" and (.reason | endswith(\"the msr module is not loaded: modprobe msr\"))"' \
	"$JS" "$(roots amd-epyc)" "$TMP"

# ---- no RAPL at all ----
mkdir -p "$TMP/vm/sys/devices/system/cpu/cpu0/topology" "$TMP/vm/proc"
echo 0 >"$TMP/vm/sys/devices/system/cpu/online"
echo 0 >"$TMP/vm/sys/devices/system/cpu/cpu0/topology/physical_package_id"
check "no powercap: unavailable with the reason" \
	bash -c '"$0" probe --json -i 0.01 --sysfs-root "$1/sys" --procfs-root "$1/proc" |
		jq -e --arg r "no RAPL exposed under $1/sys/class/powercap: virtual machine, or the intel_rapl driver is not loaded" \
		".sources[] | select(.name == \"powercap\") | .state == \"unavailable\" and .reason == \$r and .error == \"ENODEV\""' \
	"$JS" "$TMP/vm"

done_testing
