#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-grafana.sh - every dashboard in data/grafana/dashboards, without a
# Grafana server: the JSON is what Grafana 10/11 imports, and every panel's
# query runs for real (grafana-queries.py). Prometheus panels: a real
# Prometheus scrapes two real `joulestat serve` (job "rapl": a growing RAPL
# fixture with a busy loop; job "gpu": the same with a GPU through the NVML
# test double), the dashboards' variables are resolved through Prometheus'
# API as Grafana would, and each query must return series carrying the
# labels its legend and its `by` use. PCP Vector panels: the same file of
# serve through pmcd and pmda-openmetrics (the shipped joulestat.url, and
# procpower.url for power.py's names), fetched through a real pmproxy's
# /pmapi REST API; each must return instances, named where the legend shows them.
. "$(dirname "$0")/lib.sh"
require prometheus curl /usr/bin/python3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DASH=${JOULESTAT_DASHBOARDS:-$SRC/data/grafana/dashboards}
Q=$SRC/tests/integration/grafana-queries.py
# results CMD...: each PASS/FAIL line of grafana-queries.py as a check.
results() {
	local status desc
	"$@" >"$TMP/q.out" 2>&1
	[ -s "$TMP/q.out" ] || echo "FAIL no result from $*" >"$TMP/q.out"
	while read -r status desc; do
		check "$desc" test "$status" = PASS
	done <"$TMP/q.out"
}

results /usr/bin/python3 "$Q" lint "$DASH"

synthetic_rapl "$TMP/fx"
cp "$(command -v bash)" "$TMP/jsburn"
bg "$TMP/jsburn" -c 'while :; do :; done'
OM=$TMP/joulestat.om
check "serve (rapl) starts on the growing fixture, with the PCP file" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --top 5 --openmetrics-file "$OM" --pcp-compat
RAPL_PORT=$SERVE_PORT

# The GPU: NVML's test double, one H100 whose counter moves 1 J each 0.1 s,
# busy 75 % with one of our processes (as tests/cli/test-gpu-views.sh).
export JOULESTAT_NVML_LIB=${JOULESTAT_NVML_DOUBLE:?JOULESTAT_NVML_DOUBLE is not set: run through meson test}
export JOULESTAT_NVML_SCRIPT=$TMP/nvml.script
cp "$(command -v bash)" "$TMP/jsgpu"
bg "$TMP/jsgpu" -c 'while :; do sleep 0.02; done'
GPU_PID=$BG
bg bash -c 'e=1000000 ts=1
	while :; do
		printf "dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj %d\ndev 0 compute %d 1048576\ndev 0 sample %d %d 75 10\n" \
			$e $1 $1 $ts >"$0.tmp" && mv "$0.tmp" "$0"
		e=$((e + 1000)) ts=$((ts + 100000))
		sleep 0.1
	done' "$JOULESTAT_NVML_SCRIPT" "$GPU_PID"
wait_for 10 test -s "$JOULESTAT_NVML_SCRIPT"
check "serve (gpu) starts with the GPU" \
	start_serve "$TMP/serve-gpu.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --top 5
GPU_PORT=$SERVE_PORT
unset JOULESTAT_NVML_LIB JOULESTAT_NVML_SCRIPT

PP=$("$FREE_PORT")
PROM=http://127.0.0.1:$PP
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: rapl
    static_configs: [{targets: ['127.0.0.1:$RAPL_PORT']}]
  - job_name: gpu
    static_configs: [{targets: ['127.0.0.1:$GPU_PORT']}]
YML
bg prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PP" --web.enable-lifecycle --log.level=warn 2>"$TMP/prom.log"
check "Prometheus starts (ready within 15 s)" wait_for 15 curl -sf "$PROM/-/ready"
gpu_seen() {
	curl -s -G "$PROM/api/v1/query" --data-urlencode 'query=joulestat_domain_energy_joules_total{job="gpu",kind="gpu"}' |
		jq -e '.data.result | length > 0' >/dev/null
}
check "both exporters are scraped, the GPU among the domains (within 30 s)" \
	bash -c "$(declare -f gpu_seen); PROM=$PROM; for i in \$(seq 60); do gpu_seen && exit 0; sleep 0.5; done; exit 1"
# 30 s of history for the range queries ($__range = 30s in grafana-queries.py).
sleep 30
results /usr/bin/python3 "$Q" prometheus "$DASH" "$PROM" \
	joulestat-machine:job=rapl joulestat-groups:job=rapl joulestat-gpu:job=gpu
curl -sf -X POST "$PROM/-/quit" >/dev/null

# ---- PCP: pmcd (its own PMDA, for pmproxy's context labels, and
# pmda-openmetrics) and pmproxy, private, on loopback.
PMDA=/var/lib/pcp/pmdas/openmetrics/pmdaopenmetrics.python
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/lib/pcp/bin/pmproxy ] || [ ! -f "$PMDA" ]; then
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N # SKIP PCP Vector panels: a private pmcd and pmproxy need root and pcp"
	done_testing
	exit
fi
IDS=/var/lib/pcp/config/pmda
ls "$IDS" 2>/dev/null | sort >"$TMP/ids.before"
EXTRA_CLEANUP='ls "$IDS" 2>/dev/null | sort | comm -13 "$TMP/ids.before" - | sed "s|^|$IDS/|" | xargs -r rm -f'
P=$TMP/pcp
mkdir -p "$P/config.d"
sed "1s|.*|file://$OM|" "$SRC/data/pcp/joulestat.url" >"$P/config.d/joulestat.url"
echo "file://$OM" >"$P/config.d/procpower.url"
awk '{ print } /^root \{/ { print "    openmetrics\t144:*:*" }' /var/lib/pcp/pmns/root_pmcd >"$P/pmns"
cat >"$P/pmcd.conf" <<CONF
pmcd	2	dso	pmcd_init	/var/lib/pcp/pmdas/pmcd/pmda_pmcd.so
openmetrics	144	pipe	binary notready	/usr/bin/python3 $PMDA -c $P/config.d -l $P/openmetrics.log

[access]
allow "local:*" : all;
disallow ".*" : all;
CONF
PCP_PORT=$("$FREE_PORT")
bg env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" /usr/lib/pcp/bin/pmcd -f -A -U root -q 30 \
	-i 127.0.0.1 -p "$PCP_PORT" -s "$P/pmcd.socket" -c "$P/pmcd.conf" -n "$P/pmns" \
	-l "$P/pmcd.log" -x "$P/pmcd.fatal"
PROXY_PORT=$("$FREE_PORT")
bg env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP" PCP_RUN_DIR="$P" /usr/lib/pcp/bin/pmproxy -f -A -U root \
	-i 127.0.0.1 -p "$PROXY_PORT" -s "$P/pmproxy.socket" -l "$P/pmproxy.log" -x "$P/pmproxy.fatal"
served() {
	local m
	for m in openmetrics.joulestat.joulestat_samples_total openmetrics.procpower.powermsr; do
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pminfo -h "unix:$P/pmcd.socket" -f "$m" 2>&1 | grep -q "value" || return 1
	done
	curl -sf "http://127.0.0.1:$PROXY_PORT/pmapi/context?hostspec=unix:$P/pmcd.socket" >/dev/null
}
check "pmcd, pmda-openmetrics and pmproxy answer (within 60 s)" \
	bash -c "$(declare -f served); P=$P PROXY_PORT=$PROXY_PORT; for i in \$(seq 120); do served && exit 0; sleep 0.5; done
		tail -n 20 $P/pmcd.log $P/pmproxy.log $P/openmetrics.log; exit 1"
results /usr/bin/python3 "$Q" pcp "$DASH" "http://127.0.0.1:$PROXY_PORT" "unix:$P/pmcd.socket"

done_testing
