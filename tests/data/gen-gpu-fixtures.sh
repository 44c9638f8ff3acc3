#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# gen-gpu-fixtures.sh - regenerate the GPU fixture trees (gpu-amd, gpu-intel,
# gpu-nvidia) in the kernel's own layout and formats:
# - sys/devices/pci.../<PCI address>/ holds the device (driver link, amdgpu's
#   gpu_busy_percent and mem_info_vram_*), its drm/cardN and hwmon/hwmonM;
#   sys/class/drm/* and sys/class/hwmon/* are relative symlinks to them, and
#   cardN/device, hwmonM/device link back to the PCI device, as sysfs does;
# - proc/PID/fd/N are symlinks to /dev/dri/... (or sockets and files) and
#   proc/PID/fdinfo/N the text of Documentation/gpu/drm-usage-stats.rst as
#   amdgpu, i915 and xe print it (tabs after the colon; amdgpu's legacy
#   drm-memory-* lines beside the current drm-resident-* ones).
# Values: a Radeon RX 7900 XTX (24 GiB, 303 W cap) and a Radeon PRO W7600;
# an Arc B580 on xe beside an i915 integrated GPU; an NVIDIA card whose
# energy is NVML's (the drm source leaves it alone).
set -eu
cd "$(dirname "$0")"

put() { # FILE CONTENT (a sysfs value: newline added)
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
}

lnk() { # LINK TARGET
	mkdir -p "$(dirname "$1")"
	ln -sfn "$2" "$1"
}

cpus() { # TREE N: one socket of N CPUs
	local t=$1 i
	put "$t/sys/devices/system/cpu/online" "0-$(($2 - 1))"
	for ((i = 0; i < $2; i++)); do
		put "$t/sys/devices/system/cpu/cpu$i/topology/physical_package_id" 0
	done
	mkdir -p "$t/proc"
	: >"$t/proc/cpuinfo"
	for ((i = 0; i < $2; i++)); do
		printf 'processor\t: %d\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 97\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\n\n' \
			"$i" >>"$t/proc/cpuinfo"
	done
}

# gpu TREE BRIDGE PCI DRIVER CARD [HWMON]: the PCI device, its card and links.
gpu() {
	local t=$1 dev="devices/pci0000:00/$2/$3" card=$5 hw=${6:-}
	mkdir -p "$t/sys/$dev/drm/$card" "$t/sys/bus/pci/drivers/$4"
	lnk "$t/sys/$dev/driver" "../../../../bus/pci/drivers/$4"
	lnk "$t/sys/$dev/drm/$card/device" "../../../$3"
	put "$t/sys/$dev/drm/$card/dev" "226:${card#card}"
	lnk "$t/sys/class/drm/$card" "../../$dev/drm/$card"
	if [ -n "$hw" ]; then
		mkdir -p "$t/sys/$dev/hwmon/$hw"
		lnk "$t/sys/$dev/hwmon/$hw/device" "../../../$3"
		lnk "$t/sys/class/hwmon/$hw" "../../$dev/hwmon/$hw"
	fi
}

hw() { # TREE BRIDGE PCI HWMON FILE VALUE
	put "$1/sys/devices/pci0000:00/$2/$3/hwmon/$4/$5" "$6"
}

proc() { # TREE PID COMM
	put "$1/proc/$2/comm" "$3"
	mkdir -p "$1/proc/$2/fd" "$1/proc/$2/fdinfo"
}

fd() { # TREE PID FD TARGET (fdinfo text on stdin)
	lnk "$1/proc/$2/fd/$3" "$4"
	cat >"$1/proc/$2/fdinfo/$3"
}

amd_fdinfo() { # CLIENT PDEV GFX_NS COMPUTE_NS DMA_NS VRAM_KIB
	local mib=$(($6 / 1024))
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t1089\n'
	printf 'drm-driver:\tamdgpu\ndrm-client-id:\t%s\ndrm-pdev:\t%s\npasid:\t32773\n' "$1" "$2"
	printf 'drm-total-cpu:\t0\ndrm-shared-cpu:\t0\ndrm-active-cpu:\t0\ndrm-resident-cpu:\t0\ndrm-purgeable-cpu:\t0\n'
	printf 'drm-total-gtt:\t8 MiB\ndrm-shared-gtt:\t0\ndrm-active-gtt:\t0\ndrm-resident-gtt:\t8 MiB\ndrm-purgeable-gtt:\t0\n'
	printf 'drm-total-vram:\t%s MiB\ndrm-shared-vram:\t0\ndrm-active-vram:\t0\ndrm-resident-vram:\t%s MiB\ndrm-purgeable-vram:\t0\n' "$mib" "$mib"
	printf 'drm-memory-vram:\t%s KiB\ndrm-memory-gtt: \t8192 KiB\ndrm-memory-cpu: \t0 KiB\n' "$6"
	printf 'amd-memory-visible-vram:\t0 KiB\namd-evicted-vram:\t0 KiB\namd-requested-vram:\t%s KiB\n' "$6"
	printf 'drm-engine-gfx:\t%s ns\ndrm-engine-compute:\t%s ns\ndrm-engine-dma:\t%s ns\n' "$3" "$4" "$5"
}

i915_fdinfo() { # CLIENT PDEV RENDER_NS VIDEO_NS
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t25\nino:\t1016\n'
	printf 'drm-driver:\ti915\ndrm-client-id:\t%s\ndrm-pdev:\t%s\n' "$1" "$2"
	printf 'drm-total-system0:\t12 MiB\ndrm-shared-system0:\t0\ndrm-active-system0:\t0\ndrm-resident-system0:\t12 MiB\ndrm-purgeable-system0:\t0\n'
	printf 'drm-engine-render:\t%s ns\ndrm-engine-copy:\t0 ns\ndrm-engine-video:\t%s ns\ndrm-engine-capacity-video:\t2\ndrm-engine-video-enhance:\t0 ns\n' "$3" "$4"
}

xe_fdinfo() { # CLIENT PDEV RCS_CYCLES VCS_CYCLES TOTAL_CYCLES
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t1173\n'
	printf 'drm-driver:\txe\ndrm-client-id:\t%s\ndrm-pdev:\t%s\n' "$1" "$2"
	printf 'drm-total-system:\t0\ndrm-shared-system:\t0\ndrm-active-system:\t0\ndrm-resident-system:\t0\ndrm-purgeable-system:\t0\n'
	printf 'drm-total-gtt:\t4 MiB\ndrm-shared-gtt:\t0\ndrm-active-gtt:\t0\ndrm-resident-gtt:\t4 MiB\n'
	printf 'drm-total-vram0:\t256 MiB\ndrm-shared-vram0:\t0\ndrm-active-vram0:\t0\ndrm-resident-vram0:\t256 MiB\ndrm-purgeable-vram0:\t0\n'
	printf 'drm-cycles-rcs:\t%s\ndrm-total-cycles-rcs:\t%s\n' "$3" "$5"
	printf 'drm-cycles-bcs:\t0\ndrm-total-cycles-bcs:\t%s\n' "$5"
	printf 'drm-cycles-vcs:\t%s\ndrm-total-cycles-vcs:\t%s\ndrm-engine-capacity-vcs:\t2\n' "$4" "$5"
	printf 'drm-cycles-vecs:\t0\ndrm-total-cycles-vecs:\t%s\ndrm-engine-capacity-vecs:\t2\n' "$5"
	printf 'drm-cycles-ccs:\t0\ndrm-total-cycles-ccs:\t%s\ndrm-engine-capacity-ccs:\t4\n' "$5"
}

plain_fdinfo() { # FLAGS
	printf 'pos:\t0\nflags:\t%s\nmnt_id:\t22\nino:\t40123\n' "$1"
}

# ---- gpu-amd: two amdgpu cards --------------------------------------------
T=gpu-amd
rm -rf "$T"
cpus $T 4
B=0000:00:01.1
gpu $T $B 0000:03:00.0 amdgpu card0 hwmon2
D=$T/sys/devices/pci0000:00/$B/0000:03:00.0
put "$D/vendor" 0x1002
put "$D/device" 0x744c
put "$D/gpu_busy_percent" 37
put "$D/mem_info_vram_total" 25753026560
put "$D/mem_info_vram_used" 4294967296
hw $T $B 0000:03:00.0 hwmon2 name amdgpu
hw $T $B 0000:03:00.0 hwmon2 power1_average 45000000
hw $T $B 0000:03:00.0 hwmon2 power1_label PPT
hw $T $B 0000:03:00.0 hwmon2 power1_cap 303000000
hw $T $B 0000:03:00.0 hwmon2 power1_cap_max 402000000
hw $T $B 0000:03:00.0 hwmon2 temp1_input 45000
hw $T $B 0000:03:00.0 hwmon2 temp1_label edge
hw $T $B 0000:03:00.0 hwmon2 freq1_input 2100000000
hw $T $B 0000:03:00.0 hwmon2 freq1_label sclk
hw $T $B 0000:03:00.0 hwmon2 freq2_input 1249000000
hw $T $B 0000:03:00.0 hwmon2 freq2_label mclk
hw $T $B 0000:03:00.0 hwmon2 in0_input 806
lnk "$T/sys/class/drm/card0-DP-1" "../../devices/pci0000:00/$B/0000:03:00.0/drm/card0/card0-DP-1"
mkdir -p "$D/drm/card0/card0-DP-1"
put "$D/drm/card0/card0-DP-1/status" connected
mkdir -p "$D/drm/renderD128"
lnk "$T/sys/class/drm/renderD128" "../../devices/pci0000:00/$B/0000:03:00.0/drm/renderD128"
put "$T/sys/class/drm/version" "drm 1.1.0 20060810"

B2=0000:00:03.1
gpu $T $B2 0000:0a:00.0 amdgpu card1 hwmon3
D=$T/sys/devices/pci0000:00/$B2/0000:0a:00.0
put "$D/vendor" 0x1002
put "$D/device" 0x7489
put "$D/gpu_busy_percent" 0
put "$D/mem_info_vram_total" 8573157376
put "$D/mem_info_vram_used" 268435456
hw $T $B2 0000:0a:00.0 hwmon3 name amdgpu
hw $T $B2 0000:0a:00.0 hwmon3 power1_input 30000000
hw $T $B2 0000:0a:00.0 hwmon3 power1_label PPT
hw $T $B2 0000:0a:00.0 hwmon3 power1_cap 130000000
hw $T $B2 0000:0a:00.0 hwmon3 temp1_input 38000

# A CPU sensor beside them: not a GPU, not a meter.
put "$T/sys/devices/pci0000:00/0000:00:18.3/hwmon/hwmon1/name" k10temp
put "$T/sys/devices/pci0000:00/0000:00:18.3/hwmon/hwmon1/temp1_input" 51000
lnk "$T/sys/class/hwmon/hwmon1" "../../devices/pci0000:00/0000:00:18.3/hwmon/hwmon1"

# blender: one client (14) on card0 through three fds (dup'd).
proc $T 1200 blender
for f in 10 11 12; do
	amd_fdinfo 14 0000:03:00.0 1000000000 0 2000000 524288 | fd $T 1200 $f /dev/dri/renderD128
done
plain_fdinfo 02 | fd $T 1200 0 /dev/pts/0
plain_fdinfo 02004002 | fd $T 1200 3 "socket:[40123]"
# Its child shares client 14 (fork): counted once, for the lower PID.
proc $T 1201 blender
amd_fdinfo 14 0000:03:00.0 1000000000 0 2000000 524288 | fd $T 1201 10 /dev/dri/renderD128
# ollama: one client on each GPU.
proc $T 1300 ollama
amd_fdinfo 21 0000:03:00.0 0 500000000 0 1048576 | fd $T 1300 20 /dev/dri/renderD128
amd_fdinfo 3 0000:0a:00.0 0 250000000 0 262144 | fd $T 1300 21 /dev/dri/renderD129
# bash: no DRM file at all.
proc $T 1500 bash
plain_fdinfo 0100002 | fd $T 1500 0 /dev/pts/1
plain_fdinfo 0100000 | fd $T 1500 255 /home/user/.bashrc

# ---- gpu-intel: i915 integrated + xe discrete -----------------------------
T=gpu-intel
rm -rf "$T"
cpus $T 2
gpu $T 0000:00:00.0 0000:00:02.0 i915 card0
put "$T/sys/devices/pci0000:00/0000:00:00.0/0000:00:02.0/vendor" 0x8086
B=0000:00:01.0
gpu $T $B 0000:03:00.0 xe card1 hwmon4
put "$T/sys/devices/pci0000:00/$B/0000:03:00.0/vendor" 0x8086
put "$T/sys/devices/pci0000:00/$B/0000:03:00.0/device" 0xe20b
hw $T $B 0000:03:00.0 hwmon4 name xe
hw $T $B 0000:03:00.0 hwmon4 energy1_input 123456789
hw $T $B 0000:03:00.0 hwmon4 energy1_label card
hw $T $B 0000:03:00.0 hwmon4 energy2_input 100000000
hw $T $B 0000:03:00.0 hwmon4 energy2_label pkg
hw $T $B 0000:03:00.0 hwmon4 power1_max 190000000
hw $T $B 0000:03:00.0 hwmon4 power1_label card
hw $T $B 0000:03:00.0 hwmon4 power2_max 150000000
hw $T $B 0000:03:00.0 hwmon4 power2_label pkg
# firefox on the integrated GPU (no domain: its energy is the CPU package's).
proc $T 2100 firefox
i915_fdinfo 12 0000:00:02.0 9288864723 0 | fd $T 2100 40 /dev/dri/renderD128
# gst-launch-1.0 on the discrete one: xe counts cycles, not ns.
proc $T 2200 gst-launch-1.0
xe_fdinfo 31 0000:03:00.0 28257900 1000000 7655183225 | fd $T 2200 7 /dev/dri/renderD129
# A client without drm-client-id (older drivers): one per fd.
proc $T 2300 xe-test
xe_fdinfo 0 0000:03:00.0 0 0 7655183225 | grep -v '^drm-client-id' | fd $T 2300 5 /dev/dri/renderD129

# ---- gpu-nvidia: the card is NVML's ---------------------------------------
T=gpu-nvidia
rm -rf "$T"
cpus $T 2
gpu $T 0000:00:01.0 0000:01:00.0 nvidia card0
put "$T/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor" 0x10de
proc $T 3100 python3
proc $T 3200 Xorg
proc $T 3300 ffmpeg
cat >"$T/nvml.script" <<'EOF'
# An H100 running a CUDA job (3100) and a display server (3200), and an
# older card without the energy counter (power only).
dev 0 name NVIDIA H100 80GB HBM3
dev 0 uuid GPU-5c1ab6b8-7c2e-6f3d-1d1e-2b0a9f0e4c11
dev 0 pci 00000000:01:00.0
dev 0 energy_mj 5000000
dev 0 power_mw 350000
dev 0 power_limit_mw 700000
dev 0 util 60 20
dev 0 mem 42949672960 85520809984
dev 0 temp 54
dev 0 clock_sm 1980
dev 0 clock_mem 2619
dev 0 compute 3100 41943040000
dev 0 graphics 3200 16777216
dev 1 name Tesla P100-PCIE-16GB
dev 1 uuid GPU-0d9d1c0f-2f7a-4d55-9a51-3e1b1a5f2c22
dev 1 pci 00000000:02:00.0
dev 1 power_mw 30000
dev 1 util 0 0
dev 1 mem 0 17071734784
EOF
echo "regenerated gpu-amd gpu-intel gpu-nvidia"
