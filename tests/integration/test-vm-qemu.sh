#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-vm-qemu.sh - both ends of docs/VMS.md with a real QEMU guest.
#
# The host runs `joulestat serve --group vm --vm-export DIR` over a
# synthetic RAPL zone (tests/priv/synth-counter.c: a measured counter whose
# energy follows the machine's CPU time). A guest boots with TCG (no KVM
# here): Debian's kernel, unpacked from its package into the build
# directory (never installed), and an initramfs made here from busybox, the
# kernel's 9p/virtio modules (resolved with modules.dep) and the joulestat
# binary with the libraries ldd names. The guest mounts DIR/jsvm over 9p,
# read-only, runs `joulestat probe --json` and a CPU-bound loop under
# `joulestat record --raw`, and prints both on its serial console.
#
# Checks, none against the speed of this shared machine:
# - the host names the guest's QEMU process by its -name and attributes
#   energy and CPU time to the VM "jsvm", and the exported counter is the
#   VM's series of serve's metrics, to the µJ;
# - the guest measures with the host source (not the model), and every
#   counter value it read is one the host wrote (serve -vv lists each), so
#   its energy over the recording is the host's over the same updates, to
#   the µJ; its ledgers balance, and its busy loop is its top process.
. "$(dirname "$0")/lib.sh"

SYNTH=${JOULESTAT_SYNTH_COUNTER:?JOULESTAT_SYNTH_COUNTER is not set: run through meson test}
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
CACHE=$BUILDDIR/vm-guest
BOOT_LIMIT=${JOULESTAT_VM_TIMEOUT:-300}

require qemu-system-x86_64 /bin/busybox gzip apt-get apt-cache dpkg-deb jq curl
if [ "$(id -u)" -ne 0 ]; then
	# apt-get download as another user works too, but the guest's share and
	# the synthetic zone's cpuacct source are set up as root in make check.
	echo "1..0 # SKIP the QEMU test runs as root (make check)"
	exit 77
fi

# ---- the guest's kernel: Debian's, unpacked into the build directory once ----
kernel_fetch() {
	local pkg deb dir
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || { echo "apt-cache knows no linux-image-amd64"; return 1; }
	if [ -f "$CACHE/$pkg.ready" ]; then
		return 0
	fi
	rm -rf "$CACHE" && mkdir -p "$CACHE/dl" || return 1
	(cd "$CACHE/dl" && apt-get download "$pkg" >/dev/null 2>&1) || {
		echo "apt-get download $pkg failed"
		return 1
	}
	deb=$(ls "$CACHE"/dl/*.deb) && dir=$CACHE/dl/x || return 1
	dpkg-deb -x "$deb" "$dir" || return 1
	KVER=$(ls "$dir/lib/modules") || return 1
	/bin/busybox depmod -b "$dir" "$KVER" || return 1
	mkdir -p "$CACHE/modules" &&
		cp "$dir"/boot/vmlinuz-"$KVER" "$CACHE/vmlinuz" &&
		cp "$dir/lib/modules/$KVER/modules.dep" "$CACHE/modules.dep" || return 1
	# Only what the guest loads is kept: the 9p filesystem over virtio-pci.
	modules_for 9p 9pnet_virtio virtio_pci >"$CACHE/modules.order" || return 1
	while read -r m; do
		cp "$dir/lib/modules/$KVER/$m" "$CACHE/modules/" || return 1
	done <"$CACHE/modules.order"
	rm -rf "$CACHE/dl"
	touch "$CACHE/$pkg.ready"
}

# modules_for NAME...: the module files to load, dependencies first (modules.dep).
modules_for() {
	awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		{ sub(":", "", $1); file = $1; name = file; sub(".*/", "", name); sub("\\.ko.*", "", name)
		  path[name] = file; deps[file] = ""
		  for (i = 2; i <= NF; i++) deps[file] = deps[file] " " $i }
		function load(f,   d, k, i) {
			if (f in done) return
			done[f] = 1
			k = split(deps[f], d, " ")
			for (i = k; i >= 1; i--) load(d[i])
			print f
		}
		END { for (i = 1; i <= n; i++) { if (!(w[i] in path)) { print "no module " w[i] > "/dev/stderr"; exit 1 }
		      load(path[w[i]]) } }' "$CACHE/dl/x/lib/modules/$KVER/modules.dep"
}

if ! kernel_fetch >"$TMP/fetch.log" 2>&1; then
	echo "1..0 # SKIP no Debian kernel for the guest: $(tail -1 "$TMP/fetch.log") (apt must reach deb.debian.org)"
	exit 77
fi

# ---- the initramfs ----
ROOT=$TMP/initramfs
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,lib/modules,var/lib/joulestat/host}
cp /bin/busybox "$ROOT/bin/busybox"
for a in sh mount insmod sleep cat echo poweroff timeout sha256sum mkdir seq; do
	ln -s busybox "$ROOT/bin/$a"
done
while read -r m; do
	cp "$CACHE/modules/$(basename "$m")" "$ROOT/lib/modules/"
	echo "$(basename "$m")"
done <"$CACHE/modules.order" >"$ROOT/modules.order"
# joulestat at its own path, so its RUNPATH ($ORIGIN/../lib) finds the library.
mkdir -p "$ROOT$(dirname "$JS")"
cp "$JS" "$ROOT$JS"
ldd "$JS" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | while read -r lib; do
	mkdir -p "$ROOT$(dirname "$lib")"
	cp -L "$lib" "$ROOT$lib"
done
cat >"$ROOT/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
for m in \$(cat /modules.order); do insmod /lib/modules/\$m || echo "JS-FAIL insmod \$m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro jsshare /var/lib/joulestat/host || echo "JS-FAIL mount"
# The host's serve writes the tree once it has seen this VM run.
for i in \$(seq 600); do [ -f /var/lib/joulestat/host/joulestat-vm ] && break; sleep 0.2; done
echo JS-PROBE-BEGIN
$JS probe --json -i 0.5 --activity proc --no-config
echo JS-PROBE-END
timeout 8 sha256sum /dev/zero >/dev/null &
$JS record -o /tmp/rec.jsonl --raw -i 1 -d 5 --activity proc --no-config
echo JS-RECORD-BEGIN
cat /tmp/rec.jsonl
echo JS-RECORD-END
poweroff -f
EOF
chmod +x "$ROOT/init"
check "the guest's initramfs is built (busybox, modules, joulestat and its libraries)" \
	bash -c 'cd "$0" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$1" &&
		[ -s "$1" ] && [ -s modules.order ]' "$ROOT" "$TMP/initrd.gz"

# ---- the host: a measured counter, and serve exporting per VM ----
mkdir -p "$TMP/synth" "$TMP/export/jsvm"
bg nice -n 5 "$SYNTH" "$TMP/synth" --period-us 20000
SYNTH_PID=$BG
check "the synthetic RAPL zone runs" wait_for 10 test -e "$TMP/synth/ready"
check "serve starts with --vm-export over it" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/synth/sys" --activity proc --no-config \
	-i 0.5 --group vm --no-resources --vm-export "$TMP/export" -vv

# ---- the guest ----
bg timeout "$BOOT_LIMIT" nice -n 10 qemu-system-x86_64 -accel tcg -m 512 -smp 1 -no-reboot \
	-nodefaults -display none -monitor none -serial "file:$TMP/console.log" \
	-name guest=jsvm,debug-threads=on \
	-kernel "$CACHE/vmlinuz" -initrd "$TMP/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" \
	-virtfs "local,path=$TMP/export/jsvm,mount_tag=jsshare,security_model=none,readonly=on"
QEMU_PID=$BG
check "the guest boots, measures and records within ${BOOT_LIMIT} s (console log below if not)" \
	bash -c 'for i in $(seq $((10 * $0))); do
			grep -aq JS-RECORD-END "$1" 2>/dev/null && exit 0
			kill -0 "$2" 2>/dev/null || break
			sleep 0.1
		done
		echo "the guest did not finish; its console:"; tail -n 60 "$1" 2>/dev/null; exit 1' \
	"$BOOT_LIMIT" "$TMP/console.log" "$QEMU_PID"
wait "$QEMU_PID" 2>/dev/null
tr -d '\r' <"$TMP/console.log" >"$TMP/console.txt"
sed -n '/^JS-PROBE-BEGIN$/,/^JS-PROBE-END$/p' "$TMP/console.txt" | sed '1d;$d' >"$TMP/probe.json"
sed -n '/^JS-RECORD-BEGIN$/,/^JS-RECORD-END$/p' "$TMP/console.txt" | sed '1d;$d' >"$TMP/rec.jsonl"
check "no step of the guest's init failed" bash -c '! grep -a "JS-FAIL" "$0"' "$TMP/console.txt"

# ---- the guest's view ----
probe_host_source() {
	jq -e '.sources[] | select(.name == "host") | .state == "active" and
		(.reason | test("VM .jsvm. on host .*: measured there [(]powercap[)]"))' "$1" ||
		{ cat "$1"; return 1; }
}
probe_host_domain() {
	jq -e '(.domains | length) == 1 and .domains[0].kind == "host" and
		.domains[0].source == "host" and .domains[0].estimated == false and
		.domains[0].in_host_total and .host_total.estimated == false and .model == null and
		(.sources[] | select(.name == "model") | .state == "shadowed")' "$1" ||
		{ cat "$1"; return 1; }
}
record_host_domain() {
	head -1 "$1" | jq -e '.domains | length == 1 and .[0].kind == "host" and
		.[0].source == "host" and .[0].estimated == false and .[0].in_total' &&
		[ "$(tail -n +2 "$1" | wc -l)" -ge 3 ]
}
check "guest probe: the host source is active, naming the VM and its host's measurement" \
	probe_host_source "$TMP/probe.json"
check "guest probe: one host domain, measured, the host total; the model is not needed" \
	probe_host_domain "$TMP/probe.json"
check "guest record: read back by joulestat report (every ledger balances, rows add up)" \
	"$JS" report "$TMP/rec.jsonl" --no-config
check "guest record: the host domain, measured, in every interval" \
	record_host_domain "$TMP/rec.jsonl"

# Every value the host wrote for the VM, from serve -vv.
sed -n 's/^joulestat serve: vm-export: jsvm energy_uj \([0-9]*\) .*/\1/p' "$TMP/serve.log" >"$TMP/exported"
read_were_written() { # RECORDING EXPORTED
	[ -s "$2" ] || { echo "serve logged no export"; return 1; }
	tail -n +2 "$1" | jq -r '.domains[0].raw_uj' | while read -r v; do
		grep -qx "$v" "$2" || { echo "the guest read $v, which the host never wrote"; return 1; }
	done
}
energy_is_exported_difference() {
	tail -n +2 "$1" | jq -s -e '
		(map(.domains[0].raw_uj)) as $raw | (map(.domains[0].delta_uj)) as $d |
		($raw[-1] - $raw[0]) == ($d[1:] | add) and
		all(range(1; length); $raw[.] - $raw[. - 1] == $d[.])' ||
		{ tail -n +2 "$1" | jq -c '[.domains[0].raw_uj, .domains[0].delta_uj]'; return 1; }
}
busy_loop_first() {
	tail -n +2 "$1" | jq -s -e '
		(map(.rows[]) | group_by(.[3]) | map({comm: .[0][3], uj: (map(.[5][0]) | add)}) |
		 max_by(.uj).comm) == "sha256sum" and
		all(.[]; .host.delta_uj == .host.tasks_uj + .host.idle_uj + .host.unattributed_uj)' ||
		{ tail -n +2 "$1" | jq -c '.rows'; return 1; }
}
check "guest record: every counter value read is one the host exported" \
	read_were_written "$TMP/rec.jsonl" "$TMP/exported"
check "guest record: its energy over the recording is the host's between those updates, to the µJ" \
	energy_is_exported_difference "$TMP/rec.jsonl"
check "guest record: the host's share is split between the guest's tasks; the busy loop is first" \
	busy_loop_first "$TMP/rec.jsonl"

# ---- the host's view ----
# After the guest is gone its energy stops; two more updates, then the file and the series agree.
seq_of() { sed -n 's/^seq //p' "$TMP/export/jsvm/joulestat-vm"; }
S0=$(seq_of)
check "serve keeps updating the export after the guest is gone" \
	wait_for 20 bash -c '[ "$(sed -n "s/^seq //p" "$0")" -ge $(($1 + 2)) ]' \
	"$TMP/export/jsvm/joulestat-vm" "${S0:-0}"
curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" >"$TMP/metrics.txt"
vm_series() {
	grep -Eq '^joulestat_group_energy_joules_total\{vm="jsvm"\} [0-9.]*[1-9]' "$1" &&
		grep -Eq '^joulestat_group_cpu_seconds_total\{vm="jsvm"\} [0-9.]*[1-9]' "$1" ||
		{ grep -E '^joulestat_group_(energy_joules|cpu_seconds)_total' "$1"; return 1; }
}
export_is_series() { # METRICS VMDIR
	local m f
	m=$(sed -n 's/^joulestat_group_energy_joules_total{vm="jsvm"} //p' "$1" | tr -d .)
	f=$(cat "$2/intel-rapl:0/energy_uj")
	[ -n "$m" ] && [ "$((10#$m))" -eq "$f" ] || { echo "metric $m µJ, file $f µJ"; return 1; }
	grep -qx "vm jsvm" "$2/joulestat-vm" && grep -qx "estimated 0" "$2/joulestat-vm" &&
		grep -qx "sources powercap" "$2/joulestat-vm" &&
		grep -qx "idle_policy separate" "$2/joulestat-vm" || { cat "$2/joulestat-vm"; return 1; }
}
check "host: the QEMU process is the VM jsvm, with energy and CPU time of its own" \
	vm_series "$TMP/metrics.txt"
check "host: the exported counter is the VM's series, to the µJ; its provenance is written" \
	export_is_series "$TMP/metrics.txt" "$TMP/export/jsvm"
stop "$SERVE_PID"
stop "$SYNTH_PID"
done_testing
