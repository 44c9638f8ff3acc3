#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-pcp-archive.sh - seed 002's pipeline end to end with the real
# programs, on loopback: `joulestat serve --openmetrics-file` -> a private
# pmcd with Debian's pmda-openmetrics (reading the shipped joulestat.url's
# filters) -> pmlogconf with the shipped group writes the pmlogger
# configuration -> a real pmlogger records an archive for 20 s -> pmdumplog
# and pmrep -a read joulestat's metrics back with plausible values. A process
# that exits leaves the archive's later samples (power.py's "dead processes
# stay in Grafana"); one still running keeps its instance name throughout.
. "$(dirname "$0")/lib.sh"
PMDA=/var/lib/pcp/pmdas/openmetrics/pmdaopenmetrics.python
require /usr/lib/pcp/bin/pmcd /usr/lib/pcp/bin/pmlogger /usr/lib/pcp/bin/pmlogconf pmdumplog pmrep \
	/usr/bin/python3 "$PMDA"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP a private pmcd needs root"
	exit 77
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
pcp() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" "$@"; }
export -f pcp

# The PMDA keeps its metric id tables in /var/lib/pcp/config/pmda: remove those this test adds.
IDS=/var/lib/pcp/config/pmda
ls "$IDS" 2>/dev/null | sort >"$TMP/ids.before"
EXTRA_CLEANUP='ls "$IDS" 2>/dev/null | sort | comm -13 "$TMP/ids.before" - | sed "s|^|$IDS/|" | xargs -r rm -f'

synthetic_rapl "$TMP/fx"
# Two busy loops with names of their own: one ends a third of the way in, one runs throughout.
cp "$(command -v bash)" "$TMP/jsdead"
cp "$(command -v bash)" "$TMP/jslive"
bg "$TMP/jsdead" -c 'while :; do :; done'
DEAD=$BG
bg "$TMP/jslive" -c 'while :; do :; done'
OM=$TMP/joulestat.om
check "serve writes the OpenMetrics file (groups leave 3 s after their last activity)" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --ttl 3 --top 500 --openmetrics-file "$OM"
wait_for 15 grep -q '^joulestat_group_energy_joules_total{comm="jsdead"}' "$OM"

P=$TMP/pcp
mkdir -p "$P/config.d" "$P/groups/joulestat" "$P/archive"
# The shipped URL file, pointed at this test's file instead of the service's.
sed "1s|.*|file://$OM|" "$SRC/data/pcp/joulestat.url" >"$P/config.d/joulestat.url"
cp "$SRC/data/pcp/pmlogconf-joulestat" "$P/groups/joulestat/joulestat"
printf 'root {\n\topenmetrics\t144:*:*\n}\n' >"$P/pmns"
cat >"$P/pmcd.conf" <<CONF
openmetrics	144	pipe	binary notready	/usr/bin/python3 $PMDA -c $P/config.d -l $P/openmetrics.log

[access]
allow "local:*" : all;
disallow ".*" : all;
CONF
PORT=$("$FREE_PORT")
# -q 30: the Python PMDA may take longer than pmcd's default 3 s to answer on a loaded machine.
bg env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" /usr/lib/pcp/bin/pmcd -f -A -U root -q 30 \
	-i 127.0.0.1 -p "$PORT" -s "$P/pmcd.socket" -c "$P/pmcd.conf" -n "$P/pmns" \
	-l "$P/pmcd.log" -x "$P/pmcd.fatal"
H=unix:$P/pmcd.socket
served() { pcp pminfo -h "$H" -f openmetrics.joulestat.joulestat_samples_total 2>&1 | tee "$P/served.txt" | grep -q 'value [0-9]'; }
check "pmcd and pmda-openmetrics serve joulestat's metrics (within 60 s)" \
	bash -c "$(declare -f served); H=$H P=$P; for i in \$(seq 120); do served && exit 0; sleep 0.5; done
		cat $P/served.txt $P/pmcd.log $P/openmetrics.log; exit 1"

check "pmlogconf, given the shipped group, logs openmetrics.joulestat" \
	bash -c 'pcp timeout 60 /usr/lib/pcp/bin/pmlogconf -c -q -h "$0" -d "$1/groups" "$1/pmlogger.conf" >"$1/pmlogconf.out" 2>&1 &&
		grep -q "^#+ joulestat/joulestat:y:" "$1/pmlogger.conf" &&
		sed -n "/^log advisory on/,/^}/p" "$1/pmlogger.conf" | grep -qx "	openmetrics.joulestat" ||
		{ cat "$1/pmlogconf.out" "$1/pmlogger.conf"; exit 1; }' "$H" "$P"

# 20 s of archive, one sample a second; jsdead ends after about 6 s.
bg pcp timeout 60 /usr/lib/pcp/bin/pmlogger -h "$H" -c "$P/pmlogger.conf" -t 1sec -T 20sec \
	-l "$P/pmlogger.log" "$P/archive/js"
LOGGER=$BG
sleep 6
stop "$DEAD"
wait "$LOGGER"
check "pmlogger wrote a 20 s archive" \
	bash -c 'pcp pmdumplog -L "$0" >"$1/label.txt" 2>&1 && grep -q "commencing" "$1/label.txt" || { cat "$1/label.txt" "$1/pmlogger.log"; exit 1; }' \
	"$P/archive/js" "$P"

G=openmetrics.joulestat.joulestat_group_energy_joules_total
pcp pmdumplog "$P/archive/js" "$G" >"$P/groups.txt" 2>&1
# One line per sample: "TIME inst-name value, inst-name value, ..."
awk '/^[0-9][0-9]:[0-9][0-9]:/ { if (t) print t, s; t = $1; s = "" }
	/inst \[/ { sub(/.*or "/, ""); n = $0; sub(/".*/, "", n); v = $0; sub(/.*value /, "", v); s = s " " n "=" v }
	END { if (t) print t, s }' "$P/groups.txt" | grep . >"$P/samples.txt"
N=$(wc -l <"$P/samples.txt")
# One a second is asked for; a loaded machine's Python PMDA can take longer than that for a fetch.
check "the archive holds samples of the group energy across the 20 s ($N, at least 8)" test "$N" -ge 8
inst_of() { grep -oE "[0-9]+ comm:$1=" <<<"$2" | head -n 1; }
first=$(head -n 1 "$P/samples.txt")
last=$(tail -n 1 "$P/samples.txt")
check "the process that exited is in the first samples" bash -c '[ -n "$0" ]' "$(inst_of jsdead "$first")"
check "... and gone from the last 5 samples (after serve's TTL), not kept as a flat line" \
	bash -c '! tail -n 5 "$0" | grep -q "comm:jsdead="' "$P/samples.txt"
check "the running process keeps its instance name from the first sample to the last" \
	bash -c 'a=$(grep -oE "[0-9]+ comm:jslive=" <<<"$0"); b=$(grep -oE "[0-9]+ comm:jslive=" <<<"$1")
		[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(grep -c "comm:jslive=" "$2")" = "$(wc -l <"$2")" ]' \
	"$first" "$last" "$P/samples.txt"
check "its energy grows over the archive, as a counter" \
	bash -c 'a=$(grep -oE "comm:jslive=[0-9.e+-]+" <<<"$0" | cut -d= -f2); b=$(grep -oE "comm:jslive=[0-9.e+-]+" <<<"$1" | cut -d= -f2)
		awk -v a="$a" -v b="$b" "BEGIN { exit !(b > a) }" || { echo "$a -> $b"; exit 1; }' "$first" "$last"
check "pmdumplog shows the counter semantics and the HELP text" \
	bash -c 'pcp pmdumplog -d "$0" >"$1/desc.txt" 2>&1; grep -A3 "joulestat_group_energy_joules_total" "$1/desc.txt" | grep -q "Semantics: counter" ||
		{ cat "$1/desc.txt" | head -40; exit 1; }' "$P/archive/js" "$P"
# The host power from the archive: the fixture's psys draws 20 W (the writer may lag on a busy machine).
check "pmrep -a reads the host power back: most samples between 3 and 23 W" \
	bash -c 'pcp pmrep -a "$0" -t 1 -o csv openmetrics.joulestat.joulestat_host_power_watts >"$1/host.csv" 2>&1 &&
		awk -F, "NR > 1 && \$2 != \"\" { n++; if (\$2 > 3 && \$2 <= 23) ok++ } END { exit !(n >= 10 && ok >= n * 0.8) }" "$1/host.csv" ||
		{ cat "$1/host.csv"; exit 1; }' "$P/archive/js" "$P"
check "pmrep -a rates the running process's energy into watts, above 0 and below the host's" \
	bash -c 'pcp pmrep -a "$0" -t 1 -o csv -i ".*comm:jslive" openmetrics.joulestat.joulestat_group_energy_joules_total >"$1/live.csv" 2>&1 &&
		head -n 1 "$1/live.csv" | grep -q "comm:jslive" &&
		awk -F, "NR > 2 && \$2 != \"\" { n++; if (\$2 > 0 && \$2 < 23) ok++ } END { exit !(n >= 10 && ok >= n * 0.8) }" "$1/live.csv" ||
		{ cat "$1/live.csv"; exit 1; }' "$P/archive/js" "$P"

done_testing
