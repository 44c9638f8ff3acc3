#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-prometheus.sh - a real Prometheus (Debian's) scrapes `joulestat serve`
# every second (it negotiates OpenMetrics, whose strict parser marks the
# target down on any error); PromQL then checks the families, that counters
# never reset, that the groups' rates add up to the domain's attributed
# power within 1 %, and that a killed workload's series go after the TTL.
. "$(dirname "$0")/lib.sh"
require prometheus curl

synthetic_rapl "$TMP/fx"
# A busy loop with a name of its own: comm comes from the executable's name.
cp "$(command -v bash)" "$TMP/jsburn"
bg "$TMP/jsburn" -c 'while :; do :; done'
BURN=$BG
# Two exporters on the same fixture: "ttl" with a short TTL and a small
# budget (groups come and go), "sums" with room for every group (the sums).
check "serve (ttl) starts on the growing fixture" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --ttl 3 --top 5
TTL_PORT=$SERVE_PORT
check "serve (sums) starts on the growing fixture" \
	start_serve "$TMP/serve2.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --top 200
SUMS_PORT=$SERVE_PORT
SERVE_PORT=$TTL_PORT

PP=$("$FREE_PORT")
PROM=http://127.0.0.1:$PP
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: ttl
    static_configs: [{targets: ['127.0.0.1:$TTL_PORT']}]
  - job_name: sums
    static_configs: [{targets: ['127.0.0.1:$SUMS_PORT']}]
YML
check "promtool accepts the scrape configuration" promtool check config "$TMP/prometheus.yml"
bg prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PP" --web.enable-lifecycle --log.level=warn 2>"$TMP/prom.log"
check "Prometheus starts (ready within 15 s)" wait_for 15 curl -sf "$PROM/-/ready"

# q PROMQL: the instant query's result array, compact JSON; evaluated at
# $AT when set, so that queries compared with each other see the same scrapes.
q() {
	curl -s -G "$PROM/api/v1/query" --data-urlencode "query=$1" ${AT:+--data-urlencode "time=$AT"} |
		command jq -c '.data.result'
}
# qv PROMQL: the single value of an instant query (empty when none).
qv() { q "$1" | command jq -r '.[0].value[1] // empty'; }

# The first samples are queryable ~6 s after start (scrape manager's 5 s tick).
check "samples arrive within 30 s" wait_for 30 bash -c "[ -n \"\$(curl -s -G '$PROM/api/v1/query' \
	--data-urlencode 'query=joulestat_samples_total' | jq -r '.data.result[0].value[1] // empty')\" ]"
check "both targets are up, scraped without error" \
	wait_for 10 bash -c 'curl -s "$0/api/v1/targets" | jq -e "[.data.activeTargets[] | select(.health == \"up\" and .lastError == \"\")] | length == 2"' "$PROM"

# Let 10 s of scrapes accumulate.
sleep 10
check "no scrape failed in the last 10 s (a failed scrape leaves gaps the checks below would trip on)" \
	bash -c '[ "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=min(min_over_time(up[10s]))" | jq -r ".data.result[0].value[1]")" = 1 ]' "$PROM"
AT=$(date +%s.%N | cut -c1-14) # one instant for every query compared below
FAMS=$(q 'count by (__name__) ({__name__=~"joulestat_.+"})' | command jq -r '.[].metric.__name__' | sort)
check "every documented family arrives" bash -c '
	for f in joulestat_build_info joulestat_attribution_info joulestat_samples_total \
		joulestat_domain_energy_joules_total joulestat_domain_power_watts \
		joulestat_domain_attributed_energy_joules_total joulestat_domain_idle_energy_joules_total \
		joulestat_domain_unattributed_energy_joules_total joulestat_host_energy_joules_total \
		joulestat_host_power_watts joulestat_group_energy_joules_total joulestat_group_power_watts \
		joulestat_group_domain_energy_joules_total joulestat_group_cpu_seconds_total \
		joulestat_coverage_ratio joulestat_dropped_events_total joulestat_lost_cpu_seconds_total \
		joulestat_self_cpu_seconds_total joulestat_self_resident_memory_bytes; do
		grep -qx "$f" <<<"$0" || { echo "missing $f; have:"; echo "$0"; exit 1; }
	done' "$FAMS"
check "metadata: domain energy is a counter in joules with its help" \
	bash -c 'curl -s "$0/api/v1/metadata" | jq -e "[.data | to_entries[] | select(.key | startswith(\"joulestat_domain_energy_joules\")) | .value[0]] |
		.[0].type == \"counter\" and .[0].unit == \"joules\" and (.[0].help | test(\"Energy of each domain\"))"' "$PROM"
check "no counter resets: domains, host, the workload, other" bash -c '
	for s in "joulestat_domain_energy_joules_total" "joulestat_host_energy_joules_total" \
		"joulestat_group_energy_joules_total{comm=\"jsburn\"}" "joulestat_group_energy_joules_total{comm=\"other\"}" \
		"joulestat_domain_attributed_energy_joules_total"; do
		r=$(curl -s -G "$0/api/v1/query" --data-urlencode "query=max(resets(${s}[1m]))" | jq -r ".data.result[0].value[1]")
		[ "$r" = 0 ] || { echo "$s: resets $r"; exit 1; }
	done' "$PROM"
PSYS_W=$(qv 'rate(joulestat_domain_energy_joules_total{job="sums",domain="psys"}[8s])')
check "psys power is the synthetic 20 W (got $PSYS_W W; the writer may lag on a busy machine)" \
	awk -v w="$PSYS_W" 'BEGIN { exit !(w > 3 && w <= 23) }'
HOST_W=$(qv 'rate(joulestat_host_energy_joules_total{job="sums"}[8s])')
check "the host total is psys ($HOST_W W), measured" \
	bash -c 'awk -v a="$0" -v b="$1" "BEGIN { exit !(a > 0 && (a - b) * (a - b) < 0.01 * b * b) }" &&
		[ "$(curl -s -G "$2/api/v1/query" --data-urlencode "query=joulestat_host_energy_joules_total{job=\"sums\"}" |
			jq -r ".data.result[0].metric.estimated")" = false ]' "$HOST_W" "$PSYS_W" "$PROM"
BURN_W=$(qv 'rate(joulestat_group_energy_joules_total{job="sums",comm="jsburn"}[8s])')
check "the busy loop is attributed power ($BURN_W W of $PSYS_W W)" \
	awk -v b="$BURN_W" -v p="$PSYS_W" 'BEGIN { exit !(b > 0.05 && b < p) }'
# Exact checks use raw counter differences over 6 s (x - x offset 6s): rate()
# extrapolates each series on its own (it stops where a counter would reach
# 0, and sees a new series only from its first sample), which blurs sums.
# The "sums" exporter keeps every group's series for the whole test, so the
# sum over the groups' series at two instants differs by exactly what they
# were attributed in between.
# d SELECTOR [AGG]: AGG(SELECTOR) - AGG(SELECTOR offset 6s) (offset binds to a selector only).
d() { echo "${2:-sum}($1) - ${2:-sum}($1 offset 6s)"; }
G='joulestat_group_domain_energy_joules_total{job="sums",domain="psys"}'
A='joulestat_domain_attributed_energy_joules_total{job="sums",domain="psys"}'
I='joulestat_domain_idle_energy_joules_total{job="sums",domain="psys"}'
U='joulestat_domain_unattributed_energy_joules_total{job="sums",domain="psys"}'
E='joulestat_domain_energy_joules_total{job="sums",domain="psys"}'
GS=$(qv "$(d "$G")")
AS=$(qv "$(d "$A")")
check "Σ groups' energy over 6 s == the domain's attributed energy within 1 % ($GS vs $AS J)" \
	awk -v s="$GS" -v a="$AS" 'BEGIN { d = s - a; if (d < 0) d = -d; exit !(a > 0 && d <= 0.01 * a) }'
LEDGER=$(qv "$(d "$A") + $(d "$I") + $(d "$U")")
DE=$(qv "$(d "$E")")
check "psys ledger over 6 s: attributed + idle + unattributed == its energy ($LEDGER vs $DE J)" \
	awk -v s="$LEDGER" -v a="$DE" 'BEGIN { d = s - a; if (d < 0) d = -d; exit !(a > 0 && d <= 0.001 * a) }'
# The fixture has 8 CPUs and this machine fewer: the missing ones record no time.
COV=$(qv 'max_over_time(joulestat_coverage_ratio{job="sums"}[8s])')
check "coverage is a ratio (lowest CPU: $COV)" awk -v c="$COV" 'BEGIN { exit !(c >= 0 && c <= 1.0001) }'
check "at most top 5 + frozen 5 + other group series at any time" \
	bash -c '[ "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=max_over_time(count(joulestat_group_energy_joules_total{job=\"ttl\"})[10s:1s])" |
		jq -r ".data.result[0].value[1]")" -le 11 ]' "$PROM"

unset AT
# The workload ends: its series stays for the TTL (3 s), then leaves the page and Prometheus.
stop "$BURN"
check "the killed workload's series leaves /metrics after the TTL" \
	wait_for 15 bash -c "! curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q 'comm=\"jsburn\"'"
check "... and Prometheus marks it stale (no current sample)" \
	wait_for 15 bash -c "[ \"\$(curl -s -G '$PROM/api/v1/query' --data-urlencode \
		'query=joulestat_group_energy_joules_total{job=\"ttl\",comm=\"jsburn\"}' | jq '.data.result | length')\" = 0 ]"
check "... while its history stays queryable" \
	bash -c '[ "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=max_over_time(joulestat_group_energy_joules_total{job=\"ttl\",comm=\"jsburn\"}[1m])" |
		jq ".data.result | length")" = 1 ]' "$PROM"
check "Prometheus stops through its lifecycle API" curl -sf -X POST "$PROM/-/quit"

done_testing
