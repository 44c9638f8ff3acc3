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
check "serve starts on the growing fixture" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 --ttl 3 --top 5

PP=$("$FREE_PORT")
PROM=http://127.0.0.1:$PP
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: joulestat
    static_configs: [{targets: ['127.0.0.1:$SERVE_PORT']}]
YML
check "promtool accepts the scrape configuration" promtool check config "$TMP/prometheus.yml"
bg prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PP" --web.enable-lifecycle --log.level=warn 2>"$TMP/prom.log"
check "Prometheus starts (ready within 15 s)" wait_for 15 curl -sf "$PROM/-/ready"

# q PROMQL: the instant query's result array, compact JSON.
q() { curl -s -G "$PROM/api/v1/query" --data-urlencode "query=$1" | command jq -c '.data.result'; }
# qv PROMQL: the single value of an instant query (empty when none).
qv() { q "$1" | command jq -r '.[0].value[1] // empty'; }

# The first samples are queryable ~6 s after start (scrape manager's 5 s tick).
check "samples arrive within 30 s" wait_for 30 bash -c "[ -n \"\$(curl -s -G '$PROM/api/v1/query' \
	--data-urlencode 'query=joulestat_samples_total' | jq -r '.data.result[0].value[1] // empty')\" ]"
check "the target is up, scraped without error" \
	bash -c 'curl -s "$0/api/v1/targets" | jq -e ".data.activeTargets[0] | .health == \"up\" and .lastError == \"\""' "$PROM"

# Let 10 s of scrapes accumulate.
sleep 10
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
PSYS_W=$(qv 'rate(joulestat_domain_energy_joules_total{domain="psys"}[8s])')
check "psys power is the synthetic 20 W (got $PSYS_W W; the writer may lag on a busy machine)" \
	awk -v w="$PSYS_W" 'BEGIN { exit !(w > 8 && w <= 20.5) }'
HOST_W=$(qv 'rate(joulestat_host_energy_joules_total[8s])')
check "the host total is psys ($HOST_W W), measured" \
	bash -c 'awk -v a="$0" -v b="$1" "BEGIN { exit !(a > 0 && (a - b) * (a - b) < 0.01 * b * b) }" &&
		[ "$(curl -s -G "$2/api/v1/query" --data-urlencode "query=joulestat_host_energy_joules_total" |
			jq -r ".data.result[0].metric.estimated")" = false ]' "$HOST_W" "$PSYS_W" "$PROM"
BURN_W=$(qv 'rate(joulestat_group_energy_joules_total{comm="jsburn"}[8s])')
check "the busy loop is attributed power ($BURN_W W of $PSYS_W W)" \
	awk -v b="$BURN_W" -v p="$PSYS_W" 'BEGIN { exit !(b > 0.5 && b < p) }'
SUM_W=$(qv 'sum(rate(joulestat_group_domain_energy_joules_total{domain="psys"}[8s]))')
ATTR_W=$(qv 'rate(joulestat_domain_attributed_energy_joules_total{domain="psys"}[8s])')
check "Σ groups' rate == the domain's attributed power within 1 % ($SUM_W vs $ATTR_W W)" \
	awk -v s="$SUM_W" -v a="$ATTR_W" 'BEGIN { d = s - a; if (d < 0) d = -d; exit !(a > 0 && d <= 0.01 * a) }'
LEDGER=$(qv 'sum(rate(joulestat_domain_attributed_energy_joules_total{domain="psys"}[8s]) + rate(joulestat_domain_idle_energy_joules_total{domain="psys"}[8s]) + rate(joulestat_domain_unattributed_energy_joules_total{domain="psys"}[8s]))')
check "psys ledger: attributed + idle + unattributed == its energy within 1 % ($LEDGER vs $PSYS_W W)" \
	awk -v s="$LEDGER" -v a="$PSYS_W" 'BEGIN { d = s - a; if (d < 0) d = -d; exit !(a > 0 && d <= 0.01 * a) }'
# The fixture has 8 CPUs and this machine fewer: the missing ones record no time.
COV=$(qv 'max_over_time(joulestat_coverage_ratio[8s])')
check "coverage is a ratio (lowest CPU: $COV)" awk -v c="$COV" 'BEGIN { exit !(c >= 0 && c <= 1.0001) }'
check "at most top 5 + frozen 5 + other group series at any time" \
	bash -c '[ "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=max_over_time(count(joulestat_group_energy_joules_total)[10s:1s])" |
		jq -r ".data.result[0].value[1]")" -le 11 ]' "$PROM"

# The workload ends: its series stays for the TTL (3 s), then leaves the page and Prometheus.
stop "$BURN"
check "the killed workload's series leaves /metrics after the TTL" \
	wait_for 15 bash -c "! curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q 'comm=\"jsburn\"'"
check "... and Prometheus marks it stale (no current sample)" \
	wait_for 15 bash -c "[ \"\$(curl -s -G '$PROM/api/v1/query' --data-urlencode \
		'query=joulestat_group_energy_joules_total{comm=\"jsburn\"}' | jq '.data.result | length')\" = 0 ]"
check "... while its history stays queryable" \
	bash -c '[ "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=max_over_time(joulestat_group_energy_joules_total{comm=\"jsburn\"}[1m])" |
		jq ".data.result | length")" = 1 ]' "$PROM"
check "Prometheus stops through its lifecycle API" curl -sf -X POST "$PROM/-/quit"

done_testing
