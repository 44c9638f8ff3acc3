#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-vm.sh - serve --group vm and --vm-export with a stand-in
# hypervisor (res-workload copied as qemu-system-x86_64, named by -name as
# libvirt names its guests): the vm label, the per-VM tree and its
# provenance, the counter equal to the VM's series to the µJ, a restart that
# continues the counter in the same epoch, a link planted where a VM's
# directory goes refused, and the tree read back by the host source as a
# guest would. The machine has no sensor, so the exported energy says it is
# estimated, and so does the guest's domain.
. "$(dirname "$0")/lib.sh"
WL=${JOULESTAT_RES_WORKLOAD:?JOULESTAT_RES_WORKLOAD is not set: run through meson test}
HV=$TMP/hv/qemu-system-x86_64
X=$TMP/export
mkdir -p "$TMP/hv" "$TMP/elsewhere"
cp "$WL" "$HV"

check "--vm-export '': a usage error" expect_exit 2 "$JS" serve --vm-export ""
check "--vm-export below a missing directory: refused at start, named" \
	bash -c '"$0" serve --listen 127.0.0.1:0 --no-config --vm-export "$1/no/such" 2>"$2"; [ $? -eq 1 ] &&
		grep -q "vm-export $1/no/such: cannot create it" "$2"' "$JS" "$TMP" "$TMP/err"

# A guest's writable share could hold a link where a VM's directory goes.
mkdir -p "$X"
ln -s "$TMP/elsewhere" "$X/linkvm"
bg "$HV" spin 30 -name guest=fakevm,debug-threads=on
VM=$BG
bg "$HV" spin 30 -name guest=linkvm
check "serve starts with --group vm --vm-export" \
	start_serve "$TMP/serve.log" --no-config --activity proc -i 0.3 --group vm --no-resources \
	--vm-export "$X" -vv
# Its third update or a later one: on a loaded machine a poll can miss any one value.
check "the VM's tree appears, with its provenance" \
	wait_for 20 bash -c 's=$(sed -n "s/^seq //p" "$0" 2>/dev/null); [ "${s:-0}" -ge 3 ]' "$X/fakevm/joulestat-vm"
check "joulestat-vm: the VM, the host, the sources, estimated (no sensor here), the idle policy" \
	bash -c 'grep -qx "vm fakevm" "$0" && grep -qx "host $(hostname)" "$0" &&
		grep -qx "sources model" "$0" && grep -qx "estimated 1" "$0" &&
		grep -qx "interval_ms 300" "$0" && grep -qx "idle_policy separate" "$0" &&
		grep -Eqx "epoch [0-9a-f]{16}" "$0" || { cat "$0"; exit 1; }' "$X/fakevm/joulestat-vm"
check "the powercap layout: energy_uj, max_energy_range_uj, name" \
	bash -c '[ "$(cat "$0/max_energy_range_uj")" = 9223372036854775807 ] &&
		[ "$(cat "$0/name")" = package-0 ] && grep -Eqx "[0-9]+" "$0/energy_uj"' \
	"$X/fakevm/intel-rapl:0"
check "a link where a VM's directory goes is refused, nothing written through it" \
	bash -c 'grep -q "cannot write $0/linkvm.*a link or not a directory (refused)\|$0/linkvm: a link or not a directory (refused)" "$1" &&
		[ -z "$(ls -A "$2")" ]' "$X" "$TMP/serve.log" "$TMP/elsewhere"
check "no temporary file is left behind" \
	bash -c '! find "$0" -name ".*" -type f | grep -q .' "$X"
curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" >"$TMP/m1.txt"
check "metrics: the vm label, the VM's series and none for the rest" \
	bash -c 'grep -Eq "^joulestat_group_energy_joules_total\{vm=\"fakevm\"\} [0-9.]*[1-9]" "$0" &&
		grep -Eq "^joulestat_group_energy_joules_total\{vm=\"none\"\} " "$0" &&
		grep -q "group=\"vm\"" "$0" || { grep "^joulestat_group_energy\|attribution_info" "$0"; exit 1; }' \
	"$TMP/m1.txt"
check "the live page's snapshot offers the vm grouping, the VM among its rows" \
	bash -c 'curl -sf "http://127.0.0.1:$0/api/v1/snapshot" | jq -e "(.groupings | index(\"vm\")) and
		any(.rows.vm.rows[]; .name == \"fakevm\" and .energy_uj > 0)"' "$SERVE_PORT"
# The guest's side of the same tree, while serve updates it.
check "the host source reads the tree: an estimated host domain, as the host's was" \
	bash -c '"$0" probe --json --no-config --host-share "$1/fakevm" | jq -e "
			(.sources[] | select(.name == \"host\") | .state == \"active\" and
				(.reason | contains(\"VM '"'"'fakevm'"'"'\") and contains(\"estimated there (model)\"))) and
			.domains[0].kind == \"host\" and .domains[0].estimated"' "$JS" "$X"

stop "$VM"
# The VM is gone: its counter stops; the file and the series then agree, to the µJ.
S=$(sed -n 's/^seq //p' "$X/fakevm/joulestat-vm")
wait_for 10 bash -c '[ "$(sed -n "s/^seq //p" "$0")" -ge $(($1 + 2)) ]' "$X/fakevm/joulestat-vm" "$S"
curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" >"$TMP/m2.txt"
E1=$(cat "$X/fakevm/intel-rapl:0/energy_uj")
EPOCH=$(sed -n 's/^epoch //p' "$X/fakevm/joulestat-vm")
check "the exported counter is the VM's series, to the µJ" \
	bash -c 'm=$(sed -n "s/^joulestat_group_energy_joules_total{vm=\"fakevm\"} //p" "$0" | tr -d .)
		[ -n "$m" ] && [ "$((10#$m))" -eq "$1" ] || { echo "metric $m, file $1"; exit 1; }' \
	"$TMP/m2.txt" "$E1"
stop "$SERVE_PID"

# serve restarts: the counter continues from the files, in the same epoch.
bg "$HV" spin 30 -name guest=fakevm
VM=$BG
check "serve starts again" \
	start_serve "$TMP/serve2.log" --no-config --activity proc -i 0.3 --group vm --no-resources \
	--vm-export "$X"
check "after a restart the counter continues (never back), in the same epoch" \
	wait_for 20 bash -c '[ "$(cat "$0/intel-rapl:0/energy_uj")" -gt "$1" ] &&
		grep -qx "epoch $2" "$0/joulestat-vm"' "$X/fakevm" "$E1" "$EPOCH"
stop "$VM"
stop "$SERVE_PID"
done_testing
