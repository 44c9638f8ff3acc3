#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-activity.sh - probe's Activity section: both collectors listed with
# their state and reason, --activity honoured, and on a tree without BTF
# eBPF says where it looked.
. "$(dirname "$0")/tap.sh"

# A minimal machine: two CPUs, no BTF.
mkdir -p "$TMP/sys/devices/system/cpu/cpu0" "$TMP/sys/devices/system/cpu/cpu1" "$TMP/proc"
printf '0-1\n' >"$TMP/sys/devices/system/cpu/online"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\n\n' >"$TMP/proc/cpuinfo"
ROOTS=(--sysfs-root "$TMP/sys" --procfs-root "$TMP/proc")

check "probe --json lists ebpf then proc with a state and a reason each" \
	bash -c '"$0" probe --json -i 0.01 "${@}" | jq -e "
		[.activity.collectors[].name] == [\"ebpf\", \"proc\"] and
		all(.activity.collectors[]; (.state | type) == \"string\" and (.reason | type) == \"string\")"' \
	"$JS" "${ROOTS[@]}"
check "without BTF under --sysfs-root, ebpf is unavailable and names the path" \
	bash -c '"$0" probe --json -i 0.01 "${@:2}" | jq -e --arg p "$1" "
		.activity.collectors[0].state == \"unavailable\" and
		.activity.collectors[0].available == false and
		(.activity.collectors[0].reason | startswith(\"BTF missing at \" + \$p))"' \
	"$JS" "$TMP/sys/kernel/btf/vmlinux" "${ROOTS[@]}"
check "--activity proc disables ebpf and says so" \
	bash -c '"$0" probe --json -i 0.01 --activity proc "${@}" | jq -e "
		.activity.collectors[0].state == \"disabled\" and
		(.activity.collectors[0].reason | contains(\"--activity proc\"))"' \
	"$JS" "${ROOTS[@]}"
check "--activity with an unknown mode exits 2 naming it" \
	bash -c '"$0" probe --activity bpf 2>&1 | grep "'"'"'bpf'"'"' is not one of auto, ebpf, proc" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "the text output has an Activity section listing both collectors" \
	bash -c 'out=$("$0" probe -i 0.01 "${@}") && grep -q "^Activity collectors" <<<"$out" &&
		grep -Eq "^  ebpf +unavailable +BTF missing at" <<<"$out" && grep -Eq "^  proc " <<<"$out"' \
	"$JS" "${ROOTS[@]}"
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	# A slice that ends while the reader is preempted between reading the
	# task map and the CPU states falls in the next interval (never twice):
	# the probe runs as a real-time task so that one interval is whole on a
	# loaded machine too. The figures are printed when it fails.
	check "as root with BTF: ebpf active, and every CPU's coverage of the interval near 100 %" \
		bash -c 'out=$(chrt -f 10 "$0" probe --json -i 0.3 --activity ebpf) &&
			jq -e "
			.activity.collector == \"ebpf\" and .activity.collectors[0].state == \"active\" and
			(.activity.coverage | length) >= 1 and
			all(.activity.coverage[]; .coverage > 0.95 and .coverage < 1.05) and
			.activity.dropped == 0 and .activity.captured > 0.99" <<<"$out" >/dev/null ||
			{ jq -c "[.activity.coverage, .activity.dropped, .activity.captured]" <<<"$out"; exit 1; }' "$JS"
	check "--syscalls: the interval's syscalls are counted (probe itself makes some)" \
		bash -c '"$0" probe --json -i 0.2 --activity ebpf --syscalls | jq -e ".activity.syscalls > 0"' "$JS"
	check "without --syscalls none are counted (null, not 0)" \
		bash -c '"$0" probe --json -i 0.05 --activity ebpf | jq -e ".activity.syscalls == null"' "$JS"
else
	for _ in 1 2 3; do echo "ok $((TAP_N += 1)) # SKIP eBPF needs root and /sys/kernel/btf/vmlinux"; done
fi

# As another user the kernel refuses eBPF: the verbs that need a collector
# say which privilege is missing and how to get it, not the errno of what
# failed after. The command and its library are copied where that user can
# run them (bin/ and lib/, as installed).
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ] && command -v setpriv >/dev/null &&
	id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null; then
	U=$TMP/nobody
	mkdir -p "$U/bin" "$U/lib" "$U/out"
	cp "$JS" "$U/bin/joulestat"
	cp -L "$(ldd "$JS" | awk '/libjoulestat/ { print $3 }')" "$U/lib/"
	chmod 711 "$TMP"
	chmod -R a+rX "$U"
	chmod 777 "$U/out"
	nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
			timeout 60 "$U/bin/joulestat" "$1" --activity ebpf --no-config "${@:2}" </dev/null
	}
	export -f nobody
	export U
	# exit 1, and one message naming root, both capabilities and the sysctl
	refused() {
		local out rc
		out=$(nobody "$@" 2>&1 >/dev/null)
		rc=$?
		echo "exit $rc: $out"
		[ "$rc" = 1 ] && grep -q "needs root, or CAP_BPF and CAP_PERFMON" <<<"$out" &&
			grep -q "kernel.unprivileged_bpf_disabled" <<<"$out" &&
			grep -q -- "--activity proc" <<<"$out" && ! grep -q "No such device" <<<"$out"
	}
	check "as nobody: probe's ebpf reason names root, CAP_BPF and CAP_PERFMON and the sysctl" \
		bash -c 'nobody probe --json -i 0.01 | jq -e ".activity.collectors[0].state == \"unavailable\" and
			(.activity.collectors[0].reason | test(\"needs root, or CAP_BPF and CAP_PERFMON .*kernel.unprivileged_bpf_disabled\"))"'
	check "as nobody: top --activity ebpf names the missing privilege" refused top --batch -n 1
	check "as nobody: record --activity ebpf names the missing privilege" refused record -o - -d 0.2
	check "as nobody: run --activity ebpf names the missing privilege" refused run -- true
	check "as nobody: calibrate --activity ebpf names the missing privilege" \
		refused calibrate -d 1 -o "$U/out/base"
	check "as nobody: serve --activity ebpf names the missing privilege" \
		refused serve --listen 127.0.0.1:0
else
	for _ in 1 2 3 4 5 6; do echo "ok $((TAP_N += 1)) # SKIP needs root (to become nobody), setpriv and BTF"; done
fi

done_testing
