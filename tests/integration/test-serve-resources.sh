#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-resources.sh - the machine's resources in `joulestat serve`:
# every family's value against the res-laptop fixture's files (the numbers
# below are computed by hand from them), counters named _total, both formats
# valid, the OpenMetrics file for PCP, --no-resources, and this machine's
# /proc read for real (counters bracketed by two reads of /proc/stat).
. "$(dirname "$0")/lib.sh"
require curl promtool /usr/bin/python3

# res-laptop plus a still uptime (its clock does not move: no rates, exact counters).
cp -a "$DATA/res-laptop" "$TMP/fx"
echo "12345.67 23456.78" >"$TMP/fx/proc/uptime"
check "serve starts on res-laptop" start_serve "$TMP/fx.log" --sysfs-root "$TMP/fx/sys" \
	--procfs-root "$TMP/fx/proc" -i 0.2 --openmetrics-file "$TMP/fx.om"
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [2-9]'"
curl -s "$URL/metrics" >"$TMP/fx.txt"
curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' "$URL/metrics" >"$TMP/fx-om.txt"

# has FILE LINE: the page has exactly this sample line.
has() { grep -qxF "$2" "$1" || { echo "missing: $2"; grep "^${2%% *}" "$1"; return 1; }; }
hasall() { local f=$1 l; shift; for l in "$@"; do has "$f" "$l" || return 1; done; }
export -f has om_validate
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }

# /proc/stat ctxt 28705636, intr 3324237; procs_running 1, procs_blocked 0.
check "fixture: context switches and interrupts are /proc/stat's counters" \
	hasall "$TMP/fx.txt" "joulestat_context_switches_total 28705636" \
	"joulestat_interrupts_total 3324237" "joulestat_procs_running 1" "joulestat_procs_blocked 0"
check "fixture: load averages are /proc/loadavg's" \
	hasall "$TMP/fx.txt" "joulestat_load1 1.91" "joulestat_load5 3.08" "joulestat_load15 3.25"
# MemTotal 24684084 kB, MemAvailable 24287052 kB (× 1024), no swap.
check "fixture: memory in bytes from /proc/meminfo's kB" \
	hasall "$TMP/fx.txt" "joulestat_memory_total_bytes 25276502016" \
	"joulestat_memory_available_bytes 24869941248" "joulestat_memory_swap_total_bytes 0" \
	"joulestat_memory_swap_used_bytes 0"
# scaling_cur_freq 2400000 and 800000 kHz.
check "fixture: CPU frequencies in hertz" \
	hasall "$TMP/fx.txt" 'joulestat_cpu_frequency_hertz{cpu="0"} 2400000000' \
	'joulestat_cpu_frequency_hertz{cpu="1"} 800000000'
check "fixture: temperatures in °C from millidegrees, named by zone and sensor" \
	hasall "$TMP/fx.txt" 'joulestat_temperature_celsius{sensor="thermal_zone0 x86_pkg_temp"} 45' \
	'joulestat_temperature_celsius{sensor="thermal_zone1 acpitz"} 27.8' \
	'joulestat_temperature_celsius{sensor="coretemp Package id 0"} 46' \
	'joulestat_temperature_celsius{sensor="nvme Composite"} 38.85'
# vda: 3232474 sectors read, 4630368 written (× 512); partitions and loops left out.
check "fixture: whole disks' bytes from sectors, no partitions or loop devices" \
	bash -c 'has "$0" "joulestat_disk_read_bytes_total{device=\"vda\"} 1655026688" &&
		has "$0" "joulestat_disk_written_bytes_total{device=\"vda\"} 2370748416" &&
		! grep -qE "device=\"(vda1|loop[0-9])\"" "$0"' "$TMP/fx.txt"
check "fixture: interface bytes from /proc/net/dev" \
	hasall "$TMP/fx.txt" 'joulestat_network_receive_bytes_total{interface="eth0"} 55920361' \
	'joulestat_network_transmit_bytes_total{interface="eth0"} 111896' \
	'joulestat_network_receive_bytes_total{interface="lo"} 6534'
# cpu some total=953246641 µs; io some 11949439, full 7004732.
check "fixture: PSI totals in seconds from microseconds" \
	hasall "$TMP/fx.txt" 'joulestat_pressure_waiting_seconds_total{resource="cpu"} 953.246641' \
	'joulestat_pressure_waiting_seconds_total{resource="io"} 11.949439' \
	'joulestat_pressure_stalled_seconds_total{resource="io"} 7.004732' \
	'joulestat_pressure_waiting_seconds_total{resource="memory"} 0'
check "fixture: counters are typed counter, gauges gauge" \
	hasall "$TMP/fx.txt" "# TYPE joulestat_context_switches_total counter" \
	"# TYPE joulestat_disk_read_bytes_total counter" \
	"# TYPE joulestat_pressure_stalled_seconds_total counter" \
	"# TYPE joulestat_temperature_celsius gauge" "# TYPE joulestat_load1 gauge"
check "fixture: a clock that did not move gives no usage ratios (no rate without time)" \
	bash -c '! grep -q "^joulestat_cpu_usage_ratio{" "$0" &&
		! grep -q "^joulestat_machine_cpu_usage_ratio " "$0"' "$TMP/fx.txt"
check "fixture: promtool accepts the page" bash -c 'promtool check metrics <"$0"' "$TMP/fx.txt"
check "fixture: the OpenMetrics page has units and passes the strict parser" \
	bash -c 'grep -qx "# UNIT joulestat_temperature_celsius celsius" "$0" &&
		grep -qx "# UNIT joulestat_cpu_frequency_hertz hertz" "$0" &&
		grep -qx "# TYPE joulestat_context_switches counter" "$0" && om_validate "$0"' "$TMP/fx-om.txt"
check "fixture: the file for PCP carries the same values" \
	bash -c 'has "$0" "joulestat_context_switches_total 28705636" &&
		has "$0" "joulestat_disk_read_bytes_total{device=\"vda\"} 1655026688" &&
		om_validate "$0"' "$TMP/fx.om"
check "fixture: serve stops cleanly" stop_serve

check "--no-resources: serve starts" start_serve "$TMP/nr.log" --sysfs-root "$TMP/fx/sys" \
	--procfs-root "$TMP/fx/proc" -i 0.2 --no-resources
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [1-9]'"
check "--no-resources: no resource family, energy still there" \
	bash -c 'p=$(curl -s "$0/metrics") && ! grep -qE "joulestat_(load1|context_switches|cpu_usage_ratio|temperature)" <<<"$p" &&
		grep -q "^joulestat_domain_energy_joules_total{" <<<"$p"' "$URL"
check "--no-resources: serve stops cleanly" stop_serve

# Without <procfs>/stat the resources are left out, and said so, while serve
# samples on: eBPF names the tasks (it needs root and the real
# /sys's BTF; /proc's collector needs that file too). With the fixture's /sys
# as well no collector works, and serve refuses at start with both reasons.
rm "$TMP/fx/proc/stat"
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	check "without /proc/stat: serve still starts" start_serve "$TMP/ns.log" \
		--procfs-root "$TMP/fx/proc" --activity ebpf -i 0.2
	served_without_resources() {
		wait_for 5 grep -q "machine resources left out" "$TMP/ns.log" &&
			wait_for 10 bash -c "curl -s http://127.0.0.1:$SERVE_PORT/metrics |
				grep -q '^joulestat_samples_total [1-9]'" || { cat "$TMP/ns.log"; return 1; }
	}
	check "without /proc/stat: the log says resources are left out, and it samples on" \
		served_without_resources
	check "without /proc/stat: serve stops cleanly" stop_serve
else
	for _ in 1 2 3; do echo "ok $((TAP_N += 1)) # SKIP eBPF needs root and /sys/kernel/btf/vmlinux"; done
fi
check "without /proc/stat or BTF: no collector works, serve exits 1 at start naming why" \
	bash -c 'out=$("$0" serve --listen 127.0.0.1:0 --sysfs-root "$1/sys" --procfs-root "$1/proc" -i 0.2 2>&1)
		rc=$?; echo "exit $rc: $out"
		[ "$rc" = 1 ] && grep -q "no activity collector works here.*ebpf: BTF missing.*proc: cannot open .*/proc/stat" <<<"$out" &&
			! grep -q "listening on" <<<"$out"' "$JS" "$TMP/fx"

# ---- this machine, for real ----
check "real: serve starts" start_serve "$TMP/real.log" -i 0.2
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [3-9]'"
before=$(awk '/^ctxt / { print $2 }' /proc/stat)
sleep 0.5
curl -s "$URL/metrics" >"$TMP/real.txt"
after=$(awk '/^ctxt / { print $2 }' /proc/stat)
check "real: context switches lie between two reads of /proc/stat around the scrape" \
	bash -c 'v=$(awk "/^joulestat_context_switches_total / { print \$2 }" "$0") &&
		[ -n "$v" ] && [ "$v" -le "$2" ] && [ "$v" -ge $(($1 - 1000000)) ]' "$TMP/real.txt" "$before" "$after"
check "real: MemTotal in bytes" bash -c '
	want=$(awk "/^MemTotal:/ { print \$2 * 1024 }" /proc/meminfo)
	has "$0" "joulestat_memory_total_bytes $want"' "$TMP/real.txt"
check "real: one usage ratio per online CPU, each within 0..1" bash -c '
	n=$(grep -c "^cpu[0-9]" /proc/stat)
	awk -v n=$n "/^joulestat_cpu_usage_ratio\{cpu=/ { c++; if (\$2 < 0 || \$2 > 1) bad = 1 }
		END { exit !(c == n && !bad) }" "$0"' "$TMP/real.txt"
check "real: machine usage ratio within 0..1" \
	bash -c 'awk "/^joulestat_machine_cpu_usage_ratio / { v = \$2; s = 1 } END { exit !(s && v >= 0 && v <= 1) }" "$0"' "$TMP/real.txt"
check "real: promtool accepts the page" bash -c 'promtool check metrics <"$0"' "$TMP/real.txt"
check "real: serve stops cleanly" stop_serve
done_testing
