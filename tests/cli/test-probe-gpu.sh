#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-probe-gpu.sh - GPUs through the command: `probe` (text and JSON) over
# the AMD, Intel and NVIDIA fixture trees, NVML through the test double
# (JOULESTAT_NVML_LIB) with a scripted device, the reasons given when there
# is no GPU or no driver, and `run` charging a command's GPU energy to it.
. "$(dirname "$0")/tap.sh"
DOUBLE=${JOULESTAT_NVML_DOUBLE:?JOULESTAT_NVML_DOUBLE is not set: run through meson test}
# Never the host's NVML in these tests, unless a test asks for it.
export JOULESTAT_NVML_LIB=/nonexistent/libnvidia-ml.so.1

probe_json() { # TREE [ARGS...] -> $TMP/p.json
	local t=$DATA/$1
	shift
	"$JS" probe --json -i 0.05 --sysfs-root "$t/sys" --procfs-root "$t/proc" "$@" >"$TMP/p.json" &&
		jq -e . "$TMP/p.json" >/dev/null
}

jqt() {
	if ! jq -e "$1" "$TMP/p.json" >/dev/null; then
		echo "jq filter failed: $1"
		jq . "$TMP/p.json"
		return 1
	fi
}

src() { echo ".sources[] | select(.name == \"$1\")"; }
gpu() { echo ".gpus[] | select(.domain == \"$1\")"; }

# ---- AMD: two amdgpu cards, processes from DRM fdinfo
check "gpu-amd: probe exits 0" probe_json gpu-amd
check "gpu-amd: the drm source is active with two domains, hwmon leaves them to it" \
	jqt "($(src drm)).state == \"active\" and ($(src drm)).domains == 2 and ($(src hwmon)).state == \"unavailable\""
check "gpu-amd: gpu0 and gpu1 are GPU domains read from the cards' hwmon" \
	jqt '[.domains[] | select(.kind == "gpu") | .name] == ["gpu0", "gpu1"] and (.domains[] | select(.name == "gpu0") | .path | endswith("card0/device/hwmon/hwmon2/power1_average")) and (.domains[] | select(.name == "gpu1") | .path | endswith("card1/device/hwmon/hwmon3/power1_input"))'
check "gpu-amd: GPU domains are not in the host total" \
	jqt '[.domains[] | select(.kind == "gpu" and .in_host_total)] | length == 0'
check "gpu-amd: gpu0 is the RX 7900 XTX at 0000:03:00.0 with its metrics" \
	jqt "($(gpu gpu0)) | .vendor == \"amd\" and .driver == \"amdgpu\" and .pci == \"0000:03:00.0\" and .util_pct == 37 and .mem_total_bytes == 25753026560 and .mem_used_bytes == 4294967296 and .temp_c == 45 and .sm_clock_mhz == 2100 and .mem_clock_mhz == 1249 and .power_limit_mw == 303000 and .mig == \"unsupported\" and .sampled == false"
check "gpu-amd: gpu0's processes are blender (its child shares its client) and ollama" \
	jqt "[($(gpu gpu0)).processes[] | .pid] == [1200, 1300] and [($(gpu gpu0)).processes[] | .comm] == [\"blender\", \"ollama\"]"
check "gpu-amd: ollama is on both GPUs, with its VRAM per GPU" \
	jqt "[($(gpu gpu1)).processes[] | [.pid, .vram_bytes]] == [[1300, 268435456]] and [($(gpu gpu0)).processes[] | select(.pid == 1300) | .vram_bytes] == [1073741824]"
check "gpu-amd: every GPU ledger balances exactly" \
	jqt '[.gpus[].interval | .delta_uj == .processes_uj + .idle_uj + .unattributed_uj] | all'
check "gpu-amd: ollama alone on gpu1 gets all of its interval" \
	jqt "($(gpu gpu1)).interval.split == \"single\" and ($(gpu gpu1)).interval.processes_uj == ($(gpu gpu1)).interval.delta_uj and ($(gpu gpu1)).interval.delta_uj > 0 and ($(gpu gpu1)).processes[0].energy_uj == ($(gpu gpu1)).interval.delta_uj"
check "gpu-amd: text probe has a GPUs section with both cards and their processes" \
	bash -c '"$0" probe -i 0.05 --sysfs-root "$1/gpu-amd/sys" --procfs-root "$1/gpu-amd/proc" >"$2/t.txt" &&
		grep -q "^GPUs$" "$2/t.txt" && grep -qE "^  gpu0 +amd amdgpu, unnamed, 0000:03:00.0$" "$2/t.txt" &&
		grep -qE "^ +1200 blender " "$2/t.txt" && grep -q "energy: hwmon power1_average" "$2/t.txt"' "$JS" "$DATA" "$TMP"

# ---- Intel: i915 integrated (no meter) and xe discrete
check "gpu-intel: probe exits 0" probe_json gpu-intel
check "gpu-intel: one domain, xe's \"card\" energy counter (not \"pkg\")" \
	jqt '[.domains[] | select(.kind == "gpu")] | length == 1 and .[0].name == "gpu0" and (.[0].path | endswith("hwmon4/energy1_input")) and .[0].raw_uj == 123456789'
check "gpu-intel: the integrated GPU is named with the reason it has no domain" \
	jqt "($(src drm)).reason | contains(\"card0 (i915, 0000:00:02.0): no hwmon energy or power meter (an integrated GPU\")"
check "gpu-intel: xe's processes, the client without drm-client-id included" \
	jqt "[($(gpu gpu0)).processes[] | .pid] == [2200, 2300] and ($(gpu gpu0)).power_limit_mw == 190000"

# ---- NVIDIA: NVML through the double
export JOULESTAT_NVML_SCRIPT=$DATA/gpu-nvidia/nvml.script
check "gpu-nvidia: probe with the NVML double exits 0" env JOULESTAT_NVML_LIB="$DOUBLE" \
	bash -c '"$0" probe --json -i 0.05 --sysfs-root "$1/gpu-nvidia/sys" --procfs-root "$1/gpu-nvidia/proc" >"$2/p.json"' "$JS" "$DATA" "$TMP"
check "gpu-nvidia: nvml is active with two GPUs; drm leaves the NVIDIA card to it" \
	jqt "($(src nvml)).state == \"active\" and ($(src nvml)).domains == 2 and ($(src drm)).state == \"unavailable\" and (($(src drm)).reason | contains(\"card0 (nvidia, 0000:01:00.0): left to the nvml source\"))"
check "gpu-nvidia: the H100 reads the energy counter, with its name, UUID, PCI address and metrics" \
	jqt "($(gpu gpu0)) | .name == \"NVIDIA H100 80GB HBM3\" and .uuid == \"GPU-5c1ab6b8-7c2e-6f3d-1d1e-2b0a9f0e4c11\" and .pci == \"0000:01:00.0\" and .energy_from == \"nvmlDeviceGetTotalEnergyConsumption (mJ counter)\" and .util_pct == 60 and .mem_util_pct == 20 and .temp_c == 54 and .sm_clock_mhz == 1980 and .power_limit_mw == 700000 and .mig == \"off\" and .sampled == true"
check "gpu-nvidia: the H100's compute and graphics processes, with their memory" \
	jqt "[($(gpu gpu0)).processes[] | [.pid, .comm, .vram_bytes]] == [[3100, \"python3\", 41943040000], [3200, \"Xorg\", 16777216]]"
check "gpu-nvidia: the P100 falls back to integrating power, and says why" \
	jqt "($(gpu gpu1)).energy_from | startswith(\"nvmlDeviceGetPowerUsage (mW) integrated: the energy counter is NOT_SUPPORTED\")"
check "gpu-nvidia: MIG is reported as such" \
	bash -c 'printf "dev 0 name NVIDIA A100-SXM4-80GB\ndev 0 energy_mj 1\ndev 0 mig 1\n" >"$2/mig.script" &&
		JOULESTAT_NVML_LIB="$3" JOULESTAT_NVML_SCRIPT="$2/mig.script" "$0" probe --json -i 0.05 --sysfs-root "$1/gpu-nvidia/sys" --procfs-root "$1/gpu-nvidia/proc" |
		jq -e ".gpus[0].mig == \"on\" and .gpus[0].per_process_available == false and (.gpus[0].per_process | startswith(\"MIG enabled\"))"' "$JS" "$DATA" "$TMP" "$DOUBLE"

# ---- no GPU, no driver
check "no NVML library: the nvml source names the library it could not load" \
	bash -c '"$0" probe --json -i 0.05 --sysfs-root "$1/gpu-amd/sys" --procfs-root "$1/gpu-amd/proc" |
		jq -e ".sources[] | select(.name == \"nvml\") | .state == \"unavailable\" and (.reason | startswith(\"JOULESTAT_NVML_LIB=/nonexistent/libnvidia-ml.so.1: \"))"' "$JS" "$DATA"
if env -u JOULESTAT_NVML_LIB bash -c 'ldconfig -p 2>/dev/null | grep -q "libnvidia-ml.so.1 "'; then
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - no NVIDIA driver: probe says so # SKIP this machine has libnvidia-ml.so.1"
else
	check "no NVIDIA driver: probe says so in those words" \
		bash -c 'env -u JOULESTAT_NVML_LIB "$0" probe --json -i 0.05 | jq -e ".sources[] | select(.name == \"nvml\") | .reason == \"no NVIDIA driver (libnvidia-ml.so.1 not found)\""' "$JS"
fi
check "NVIDIA driver not loaded: nvmlInit's error and what it means" \
	bash -c 'printf "init DRIVER_NOT_LOADED\n" >"$1/init.script" &&
		JOULESTAT_NVML_LIB="$2" JOULESTAT_NVML_SCRIPT="$1/init.script" "$0" probe --json -i 0.05 |
		jq -e ".sources[] | select(.name == \"nvml\") | .state == \"unavailable\" and .reason == \"nvmlInit: DRIVER_NOT_LOADED (no NVIDIA kernel driver loaded)\""' "$JS" "$TMP" "$DOUBLE"
check "no GPU: the drm source says no DRM driver is loaded, and probe's GPUs section says why" \
	bash -c '"$0" probe --sysfs-root "$1/hwmon-meter/sys" --procfs-root "$1/hwmon-meter/proc" -i 0.05 >"$2/n.txt";
		grep -qE "^  drm +unavailable .*/class/drm: No such file or directory \(no DRM GPU driver loaded\)" "$2/n.txt" &&
		grep -q "none: see the nvml and drm sources above for why" "$2/n.txt"' "$JS" "$DATA" "$TMP"
check "--source nvml without NVML exits 1" expect_exit 1 "$JS" probe --source nvml -i 0.05

# ---- run: the command's tree is charged the GPU energy it used
run_gpu() {
	local s=$TMP/run.script
	printf 'dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 1000000\n' >"$s"
	JOULESTAT_NVML_LIB=$DOUBLE JOULESTAT_NVML_SCRIPT=$s "$JS" run -o "$TMP/run.json" -- \
		sh -c 'printf "dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 1001500\ndev 0 compute $$ 0\ndev 0 sample $$ 5 50 0\n" >"$0"; sleep 0.3' "$s" >"$TMP/run.txt" 2>&1 &&
		jq -e '.runs[0].domains[] | select(.name == "gpu0") | .energy_uj == 1500000 and .in_host_total == false' "$TMP/run.json" >/dev/null &&
		grep -qE "^ +1\.500000 J  gpu0" "$TMP/run.txt"
}
check "run: a command alone on the GPU is charged the 1.5 J the counter moved" run_gpu

done_testing
