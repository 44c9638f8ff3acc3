#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-pcp.sh - Performance Co-Pilot reads what `joulestat serve` writes: a
# private pmcd (its own port, socket, config and namespace; nothing of the
# system's is touched) runs Debian's pmda-openmetrics over the OpenMetrics
# file, and pminfo must show the per-group values, their help and
# semantics, power.py's compatible names, and stable instance names with the
# label filters of docs/PCP.md.
. "$(dirname "$0")/lib.sh"
PMDA=/var/lib/pcp/pmdas/openmetrics/pmdaopenmetrics.python
require /usr/lib/pcp/bin/pmcd pminfo /usr/bin/python3 "$PMDA"
if [ "$(id -u)" -ne 0 ]; then
	# pmcd runs its PMDAs as a user it switches to (-U), and the PMDA writes its id tables
	# under /var/lib/pcp: both need root.
	echo "1..0 # SKIP a private pmcd needs root"
	exit 77
fi

# PCP's Python parts need Debian's python3 and nothing of the caller's environment.
pcp() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" "$@"; }

# The PMDA keeps its metric id tables in /var/lib/pcp/config/pmda: remove those this test adds.
IDS=/var/lib/pcp/config/pmda
ls "$IDS" 2>/dev/null | sort >"$TMP/ids.before"
EXTRA_CLEANUP='ls "$IDS" 2>/dev/null | sort | comm -13 "$TMP/ids.before" - | sed "s|^|$IDS/|" | xargs -r rm -f'

synthetic_rapl "$TMP/fx"
cp "$(command -v bash)" "$TMP/jsburn"
bg "$TMP/jsburn" -c 'while :; do :; done'
OM=$TMP/joulestat.om
check "serve writes the OpenMetrics file" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --openmetrics-file "$OM" --pcp-compat
wait_for 10 grep -q '^joulestat_group_energy_joules_total{comm="jsburn"}' "$OM"

P=$TMP/pcp
mkdir -p "$P/config.d"
# procpower.url: power.py's file name, so the compat names are exactly power.py's.
echo "file://$OM" >"$P/config.d/procpower.url"
# The filters of docs/PCP.md: instances named by domain or group only.
printf 'file://%s\nFILTER: OPTIONAL LABEL kind|socket|source|estimated\n' "$OM" >"$P/config.d/joulestat.url"
printf 'root {\n\topenmetrics\t144:*:*\n}\n' >"$P/pmns"
cat >"$P/pmcd.conf" <<CONF
openmetrics	144	pipe	binary notready	/usr/bin/python3 $PMDA -c $P/config.d -l $P/openmetrics.log

[access]
allow "local:*" : all;
disallow ".*" : all;
CONF
PORT=$("$FREE_PORT")
# -q 30: the Python PMDA may take longer than pmcd's default 3 s to answer its
# first exchange on a loaded machine (pmcd then drops it: "Unknown metric name").
bg env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" /usr/lib/pcp/bin/pmcd -f -A -U root -q 30 \
	-i 127.0.0.1 -p "$PORT" -s "$P/pmcd.socket" -c "$P/pmcd.conf" -n "$P/pmns" \
	-l "$P/pmcd.log" -x "$P/pmcd.fatal"
H=(-h "unix:$P/pmcd.socket")
pi() { pcp pminfo "${H[@]}" "$@"; }

check "the private pmcd and pmda-openmetrics answer (within 30 s)" \
	wait_for 30 bash -c "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h unix:$P/pmcd.socket -f \
		openmetrics.procpower.joulestat_samples_total | grep -q 'value [0-9]'"
check "the per-group energy counters are there, with the busy loop as an instance" \
	bash -c 'pi() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" "$@"; }
		pi -f openmetrics.procpower.joulestat_group_energy_joules_total >"$1/g.txt" &&
		grep -E "inst \[[0-9]+ or \"[0-9]+ comm:jsburn\"\] value [0-9.e+]+" "$1/g.txt" >/dev/null &&
		grep -q "comm:other\"\] value" "$1/g.txt" || { cat "$1/g.txt"; exit 1; }' "unix:$P/pmcd.socket" "$TMP"
check "the busy loop's energy grows between two fetches" \
	bash -c 'v() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" -f openmetrics.procpower.joulestat_group_energy_joules_total |
			sed -n "s/.*comm:jsburn\"\] value //p"; }
		a=$(v); sleep 1.5; b=$(v); awk -v a="$a" -v b="$b" "BEGIN { exit !(b > a) }" || { echo "$a -> $b"; exit 1; }' \
	"unix:$P/pmcd.socket"
check "a _total family is a PCP counter and carries the HELP text" \
	bash -c 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" -dT openmetrics.procpower.joulestat_domain_energy_joules_total >"$1/d.txt" &&
		grep -q "Semantics: counter" "$1/d.txt" && grep -q "Energy of each domain" "$1/d.txt" || { cat "$1/d.txt"; exit 1; }' \
	"unix:$P/pmcd.socket" "$TMP"
check "power.py's names are there: powermsr, powerbat, powermsrfull, powerbatfull" \
	bash -c 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" openmetrics.procpower >"$1/n.txt" &&
		for m in powermsr powerbat powermsrfull powerbatfull; do grep -qx "openmetrics.procpower.$m" "$1/n.txt" || { echo "no $m"; cat "$1/n.txt"; exit 1; }; done' \
	"unix:$P/pmcd.socket" "$TMP"
# A fetch through pmcd can come back empty while the agent refetches the page
# on a loaded machine: the check is polled for up to 10 s, and the last
# attempt's output is printed when it fails.
check "the machine's resources: context switches a PCP counter within /proc/stat's, one CPU instance per CPU" \
	bash -c 'pi() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" "$@"; }
		once() {
			hi=$(awk "/^ctxt / { print \$2 }" /proc/stat)
			pi -dTf openmetrics.procpower.joulestat_context_switches_total >"$1/c.txt" 2>&1 &&
			grep -q "Semantics: counter" "$1/c.txt" &&
			v=$(sed -n "s/^ *value //p" "$1/c.txt") && [ -n "$v" ] &&
			awk -v v="$v" -v hi="$hi" "BEGIN { exit !(v > 0 && v <= hi) }" &&
			pi -f openmetrics.procpower.joulestat_cpu_usage_ratio >"$1/u.txt" 2>&1 &&
			n=$(grep -c "cpu:[0-9]*\"\] value" "$1/u.txt") &&
			[ "$n" -eq "$(grep -c "^cpu[0-9]" /proc/stat)" ]
		}
		for _ in $(seq 20); do once "$@" && exit 0; sleep 0.5; done
		cat "$1/c.txt" "$1/u.txt"; exit 1' \
	"unix:$P/pmcd.socket" "$TMP"
# Gauges of the last 0.5 s interval: on a busy machine the fixture's counter
# writer can stall for one, so poll for an interval in which it ran.
powermsr_ok() {
	local w b
	w=$(pcp pminfo "${H[@]}" -f openmetrics.procpower.powermsrfull | sed -n 's/.*p:psys"\] value //p')
	b=$(pcp pminfo "${H[@]}" -f openmetrics.procpower.powermsr | sed -n 's/.*p:jsburn"\] value //p')
	echo "full $w W, jsburn $b W"
	awk -v w="$w" -v b="$b" 'BEGIN { exit !(w > 3 && w <= 30 && b > 0 && b < w) }'
}
check "powermsrfull is the host power (psys, ~20 W) and powermsr has the busy loop" \
	bash -c "$(declare -f pcp powermsr_ok); H=(${H[*]}); for i in \$(seq 20); do powermsr_ok && exit 0; sleep 0.5; done; exit 1"
check "with the label filters, instances are named by domain alone" \
	bash -c 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" -f openmetrics.joulestat.joulestat_domain_energy_joules_total >"$1/s.txt" &&
		grep -E "inst \[[0-9]+ or \"[0-9]+ domain:psys\"\] value" "$1/s.txt" >/dev/null &&
		! grep -q "source:" "$1/s.txt" || { cat "$1/s.txt"; exit 1; }' "unix:$P/pmcd.socket" "$TMP"
check "pmval reads the host power twice, 1 s apart" \
	bash -c 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pmval -h "$0" -s 2 -t 1 openmetrics.joulestat.joulestat_host_power_watts >"$1/v.txt" 2>&1 &&
		[ "$(grep -cE "^ *[0-9.]+ *$|^[0-9:.]+ +[0-9.]+" "$1/v.txt")" -ge 2 ] || { cat "$1/v.txt"; exit 1; }' \
	"unix:$P/pmcd.socket" "$TMP"
check "pmrep prints the per-group power as CSV (docs/PCP.md)" \
	bash -c 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$1" pmrep -h "$0" -s 2 -t 1 -o csv \
			openmetrics.joulestat.joulestat_group_power_watts >"$1/r.csv" 2>&1 &&
		head -1 "$1/r.csv" | grep -q "comm:jsburn" && [ "$(grep -cE "^[0-9]{4}-|^[0-9:]+," "$1/r.csv")" -ge 2 ] ||
		{ cat "$1/r.csv"; exit 1; }' "unix:$P/pmcd.socket" "$TMP"

# serve stops: it removes the file, and PCP has no values to show rather
# than the last ones as if they were current (docs/PCP.md).
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID" && [ ! -e "$OM" ]; }
check "serve stops on SIGTERM and removes the file" stop_serve
check "then pminfo has no value for the host power (within 10 s), not the last one" \
	bash -c 'for _ in $(seq 20); do
			env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "$0" -f openmetrics.joulestat.joulestat_host_power_watts >"$1/gone.txt" 2>&1
			grep -q "value [0-9]" "$1/gone.txt" || { sed "s/^/# /" "$1/gone.txt"; exit 0; }
			sleep 0.5
		done
		cat "$1/gone.txt"; exit 1' "unix:$P/pmcd.socket" "$TMP"

done_testing
