#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-vm.sh - virtual machines in the views (docs/VMS.md), with a stand-in
# hypervisor: res-workload copied as qemu-system-x86_64, so the kernel names
# the process qemu-system-x86 and its command line carries -name guest=NAME
# as libvirt's does; it spins for a known time, as a busy vCPU would. Then
# the guest's side: probe without a share (the model explained, this page
# named), with a share the host exported, and with a stale one.
. "$(dirname "$0")/tap.sh"
WL=${JOULESTAT_RES_WORKLOAD:?JOULESTAT_RES_WORKLOAD is not set: run through meson test}
HV=$TMP/hv/qemu-system-x86_64
VM_PID=
mkdir -p "$TMP/hv"
cp "$WL" "$HV"

# vm NAME: the stand-in hypervisor, in the background, until vm_stop; its
# PID in $VM_PID. Returns once it runs as the hypervisor (exec done: its
# command line is the new one), so that no view starts before there is a VM
# to see, and it runs for as long as the view takes, however slow.
vm() {
	local i
	"$HV" spin 600 -name "guest=$1,debug-threads=on" &
	VM_PID=$!
	for i in $(seq 100); do
		tr '\0' ' ' <"/proc/$VM_PID/cmdline" 2>/dev/null | grep -q "guest=$1" && return 0
		sleep 0.05
	done
}
vm_stop() {
	kill "$VM_PID" 2>/dev/null
	wait "$VM_PID" 2>/dev/null
}
trap 'vm_stop; rm -rf "$TMP"' EXIT

# ---- the host's side ----
vm webvm
check "top --group vm: a row for the VM by name, and one for the rest" \
	bash -c 'out=$("$0" top --batch -n 2 -i 0.5 --group vm --activity proc --no-config) &&
		grep -q "^VM " <<<"$out" && grep -Eq "^webvm +[0-9.]+\*? " <<<"$out" &&
		grep -q "^(no VM) " <<<"$out" || { echo "$out"; exit 1; }' "$JS"
vm_stop

vm recvm
"$JS" record -o "$TMP/rec.jsonl" --raw -i 0.4 -d 2 --activity proc --no-config 2>"$TMP/rec.err"
vm_stop
check "record: lines list the VM, its process (the hypervisor's PID) and their rows' sums" \
	bash -c 'tail -n +2 "$0" | jq -s -e --argjson pid "$1" "
			map(select(.vms)) | length > 0 and all(.[]; . as \$l | .vms[] |
				select(.[0] == \"recvm\") | .[3][0] == \$pid and
				.[1] == ([\$l.rows[] | select(.[0] == \$pid) | .[5] | add] | add) and
				.[2] == ([\$l.rows[] | select(.[0] == \$pid) | .[4]] | add))" ||
		{ echo "VM pid $1; per line: seq, vms, the pid'"'"'s rows [cpu_ns, energies]";
		  tail -n +2 "$0" | jq -c --argjson pid "$1" "[.seq, .vms,
			[.rows[] | select(.[0] == \$pid) | [.[4], (.[5] | add)]]]"; exit 1; }' \
	"$TMP/rec.jsonl" "$VM_PID"
check "report: a table of virtual machines" \
	bash -c '"$0" report "$1" --no-config | grep -Eq "^  recvm +[0-9.]+ (m?J|kJ) "' "$JS" "$TMP/rec.jsonl"
check "report --html: the VMs' table" \
	bash -c '"$0" report "$1" --no-config --html "$2" && grep -q "<td>recvm</td>" "$2"' \
	"$JS" "$TMP/rec.jsonl" "$TMP/rec.html"
check "replay under the recorded policy gives the recording back, VMs included" \
	bash -c '"$0" replay "$1" --no-config -o "$2" && cmp "$1" "$2"' "$JS" "$TMP/rec.jsonl" "$TMP/replayed.jsonl"
check "replay under another policy keeps the VMs, summed again from the new rows" \
	bash -c '"$0" replay "$1" --idle proportional --no-config -o "$2" && "$0" report "$2" --no-config >/dev/null &&
		tail -n +2 "$2" | jq -s -e "map(select(.vms)) | length > 0"' \
	"$JS" "$TMP/rec.jsonl" "$TMP/prop.jsonl"

check "run of a hypervisor names the VM it runs, in the report and in -o" \
	bash -c '"$0" run -i 0.2 --activity proc --no-config -o "$1" -- "$2" spin 4 -name guest=runvm \
			2>"$3" && grep -q "the command runs virtual machine .runvm." "$3" &&
		jq -e ".runs[0].vm == \"runvm\"" "$1" || { cat "$3" "$1"; exit 1; }' \
	"$JS" "$TMP/run.json" "$HV" "$TMP/run.err"
check "run of anything else: vm is null" \
	bash -c '"$0" run -i 0.2 --activity proc --no-config -o "$1" -- "$2" spin 0.3 2>/dev/null &&
		jq -e ".runs[0].vm == null" "$1"' "$JS" "$TMP/run2.json" "$WL"

# ---- the guest's side ----
check "probe without a share: the host source says where it looked and what to do" \
	bash -c 'out=$("$0" probe --no-config) &&
		grep -Eq "^  host +unavailable +no host share at /var/lib/joulestat/host or /var/scaphandre: .*--host-share DIR \(docs/VMS.md\)" <<<"$out" ||
		{ echo "$out"; exit 1; }' "$JS"
check "probe without a share: the model is explained, and the page named" \
	bash -c 'out=$("$0" probe --no-config) &&
		grep -q "^  model  *active" <<<"$out" &&
		grep -q "no sensor is exposed: its host can export this VM.s" <<<"$out" &&
		grep -q "which the host source reads (docs/VMS.md)" <<<"$out" || { echo "$out"; exit 1; }' "$JS"
check "--host-share '': a usage error" expect_exit 2 "$JS" probe --host-share ""
check "--host-share to nothing: unavailable, named" \
	bash -c '"$0" probe --json --no-config --host-share "$1/none" |
		jq -e ".sources[] | select(.name == \"host\") | .state == \"unavailable\" and
			(.reason | contains(\"/none: not a directory\"))"' "$JS" "$TMP"

# A share as the host writes it (the counter and joulestat-vm, updated just now).
share() { # DIR ENERGY UPDATED_UNIX_NS
	mkdir -p "$1/intel-rapl:0"
	echo "$2" >"$1/intel-rapl:0/energy_uj"
	printf 'joulestat-vm-export 1\nvm web\nhost hv1\nepoch 00000000000000aa\nseq 5\ninterval_ms 1000\nupdated_unix_ns %s\nestimated 0\nsources powercap\nidle_policy separate\n' \
		"$3" >"$1/joulestat-vm"
}
share "$TMP/share" 123456 "$(date +%s%N)"
check "probe with a share: a measured host domain, the host total; the model not needed" \
	bash -c '"$0" probe --json --no-config --host-share "$1" | jq -e "
			(.sources[] | select(.name == \"host\") | .state == \"active\" and
				(.reason | startswith(\"VM '"'"'web'"'"' on host '"'"'hv1'"'"': measured there (powercap)\"))) and
			(.sources[] | select(.name == \"model\") | .state == \"shadowed\") and
			.domains == [.domains[0]] and .domains[0].kind == \"host\" and
			.domains[0].raw_uj == 123456 and .domains[0].estimated == false and
			.domains[0].in_host_total and .model == null"' "$JS" "$TMP/share"
check "top with a share: the host source is the one in use" \
	bash -c '"$0" top --batch -n 1 -i 0.2 --activity proc --no-config --host-share "$1" |
		grep -q "sources host$"' "$JS" "$TMP/share"
share "$TMP/stale" 1 1000000000000000000
check "probe with a stale share: failed, with its age and the host named" \
	bash -c '"$0" probe --json --no-config --host-share "$1" | jq -e "
			.sources[] | select(.name == \"host\") | .state == \"failed\" and .error == \"ESTALE\" and
			(.reason | test(\"^stale: the host last updated .* s ago .* host .hv1.\"))"' \
	"$JS" "$TMP/stale"
done_testing
