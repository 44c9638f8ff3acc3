#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-http.sh - `joulestat serve` as an HTTP server, with curl: the
# pages, both formats and their validators (promtool, the strict OpenMetrics
# parser), status codes for bad requests, startup errors, the atomic file,
# and 50 concurrent scrapers.
. "$(dirname "$0")/lib.sh"
require curl promtool /usr/bin/python3

synthetic_rapl "$TMP/fx"
ROOTS=(--sysfs-root "$TMP/fx/sys")
check "serve starts on a fixture and says where it listens" \
	start_serve "$TMP/serve.log" "${ROOTS[@]}" -i 0.2 --openmetrics-file "$TMP/joulestat.om" --pcp-compat
URL=http://127.0.0.1:$SERVE_PORT

# code METHOD PATH [CURL ARGS...]: the HTTP status code.
code() {
	local m=$1 p=$2
	shift 2
	curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
is() { # WANT GOT...
	local want=$1
	shift
	local got
	got=$("$@")
	[ "$got" = "$want" ] || { echo "got '$got', wanted '$want'"; cat "$TMP/body" 2>/dev/null; return 1; }
}

wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [1-9]'"
check "GET /metrics without Accept: 200, text 0.0.4" \
	bash -c 'c=$(curl -s -o "$1/t.txt" -D "$1/h" -w "%{http_code}" "$0/metrics") && [ "$c" = 200 ] &&
		grep -qi "^content-type: text/plain; version=0.0.4; charset=utf-8" "$1/h"' "$URL" "$TMP"
check "text output passes promtool check metrics" bash -c 'promtool check metrics <"$0"' "$TMP/t.txt"
check "text output has TYPE counter on the _total name, no UNIT, no EOF" \
	bash -c 'grep -q "^# TYPE joulestat_domain_energy_joules_total counter$" "$0" &&
		! grep -q "^# UNIT" "$0" && ! grep -q "^# EOF" "$0"' "$TMP/t.txt"
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
check "Prometheus' Accept header gets OpenMetrics 1.0.0" \
	bash -c 'curl -s -D "$1/h2" -H "Accept: $2" "$0/metrics" >"$1/om.txt" &&
		grep -qi "^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8" "$1/h2"' \
	"$URL" "$TMP" "$PROM_ACCEPT"
check "OpenMetrics output ends with # EOF and declares units" \
	bash -c '[ "$(tail -n1 "$0")" = "# EOF" ] && grep -q "^# TYPE joulestat_domain_energy_joules counter$" "$0" &&
		grep -q "^# UNIT joulestat_domain_energy_joules joules$" "$0" &&
		grep -q "^joulestat_domain_energy_joules_total{" "$0"' "$TMP/om.txt"
check "OpenMetrics output passes the strict python3-prometheus-client parser" om_validate "$TMP/om.txt"
check "every family has HELP and TYPE, in both formats" \
	bash -c 'for f in "$0" "$1"; do
		t=$(grep -c "^# TYPE " "$f"); h=$(grep -c "^# HELP " "$f")
		[ "$t" -ge 20 ] && [ "$t" = "$h" ] || { echo "$f: $t TYPE, $h HELP"; exit 1; }
	done' "$TMP/t.txt" "$TMP/om.txt"
check "domain energy grows with the synthetic counter (psys 20 W)" \
	bash -c 'a=$(curl -s "$0/metrics" | sed -n "s/^joulestat_domain_energy_joules_total{domain=\"psys\".*} //p"); sleep 1
		b=$(curl -s "$0/metrics" | sed -n "s/^joulestat_domain_energy_joules_total{domain=\"psys\".*} //p")
		awk -v a="$a" -v b="$b" "BEGIN { d = b - a; exit !(d > 10 && d < 40) }" || { echo "$a -> $b"; exit 1; }' "$URL"
check "GET / is a page linking to /metrics" \
	bash -c '[ "$(curl -s -o "$1/i.html" -w "%{http_code}" "$0/")" = 200 ] && grep -q "href=\"/metrics\"" "$1/i.html"' "$URL" "$TMP"
check "GET /healthz: 200 ok" is 200 code GET /healthz
check "HEAD /metrics: 200 without a body" \
	bash -c 'c=$(curl -s -I -o "$1/hh" -w "%{http_code}" "$0/metrics") && [ "$c" = 200 ]' "$URL" "$TMP"
check "unknown path: 404" is 404 code GET /nope
check "/metrics/ is not /metrics: 404" is 404 code GET /metrics/
check "POST /metrics: 405 with Allow: GET, HEAD" \
	bash -c '[ "$(curl -s -o /dev/null -D "$1/h3" -w "%{http_code}" -X POST -d x=1 "$0/metrics")" = 405 ] &&
		grep -qi "^allow: GET, HEAD" "$1/h3"' "$URL" "$TMP"
check "DELETE /: 405" is 405 code DELETE /
check "Accept: application/json only: 406" is 406 code GET /metrics -H "Accept: application/json"
check "malformed Accept: 400" is 400 code GET /metrics -H "Accept: text/plain;q=2"
check "oversized request headers: 431" \
	is 431 code GET /metrics -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
check "the server still answers after the bad requests" is 200 code GET /metrics

check "the OpenMetrics file is written and valid" om_validate "$TMP/joulestat.om"
check "the file carries power.py's names with --pcp-compat" \
	bash -c 'for m in powermsrfull powerbatfull powermsr powerbat; do grep -q "^$m{p=" "$0" || { echo "no $m"; exit 1; }; done
		grep -q "^powermsrfull{p=\"psys\"} " "$0"' "$TMP/joulestat.om"
# docs/METRICS.md documents every family: its tables list exactly the families written.
DOC=$(dirname "$0")/../../docs/METRICS.md
check "docs/METRICS.md lists exactly the families written (page and file)" bash -c '
	grep -oE "^\| \`(joulestat_[a-z_]+|power[a-z]+)\`" "$0" | sed "s/^| \`//; s/\`\$//" | sort -u >"$1/doc.names"
	{ sed -n "s/^# TYPE \([a-z_]*\) .*/\1/p" "$2"; sed -n "s/^# TYPE \(power[a-z]*\) .*/\1/p" "$3"; } |
		sort -u >"$1/page.names"
	[ "$(wc -l <"$1/page.names")" -ge 28 ] && diff "$1/doc.names" "$1/page.names"' "$DOC" "$TMP" "$TMP/t.txt" "$TMP/joulestat.om"
check "the HTTP page has no compat names" bash -c '! grep -q "^powermsr" "$0"' "$TMP/om.txt"
check "the file is replaced atomically: 300 reads, each a whole page" \
	bash -c 'for i in $(seq 300); do t=$(tail -c 6 "$0"); [ "$t" = "# EOF" ] || { echo "read $i: torn: $t"; exit 1; }; done
		! ls "$0".?* 2>/dev/null | grep -q .' "$TMP/joulestat.om"

# ---- startup errors ----
check "a port in use: exit 1 with the address and the fix" \
	bash -c '"$0" serve --listen 127.0.0.1:$1 --sysfs-root "$2" 2>&1 >/dev/null |
		grep "127.0.0.1:$1: the address is already in use.*--listen" >/dev/null; [ ${PIPESTATUS[0]} -eq 1 ]' \
	"$JS" "$SERVE_PORT" "$TMP/fx/sys"
check "--listen without a port: exit 2" expect_exit 2 "$JS" serve --listen 127.0.0.1
check "--listen with a bad port: exit 2" expect_exit 2 "$JS" serve --listen 127.0.0.1:99999
check "--pcp-compat without --openmetrics-file: exit 2 saying so" \
	bash -c '"$0" serve --pcp-compat 2>&1 | grep -- "--openmetrics-file" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "--group thread is refused: exit 2" expect_exit 2 "$JS" serve --group thread
check "--top 0 is refused: exit 2" expect_exit 2 "$JS" serve --top 0
check "--ttl -1 is refused: exit 2" expect_exit 2 "$JS" serve --ttl -1
check "--idle bogus is refused: exit 2" expect_exit 2 "$JS" serve --idle bogus
check "an unwritable --openmetrics-file: exit 1 naming it" \
	bash -c '"$0" serve --listen 127.0.0.1:0 --sysfs-root "$1" --openmetrics-file /nonexistent/dir/x.om 2>&1 |
		grep "/nonexistent/dir/x.om" >/dev/null; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS" "$TMP/fx/sys"

# ---- load: 50 concurrent scrapers, 4 scrapes each; none fails (memory under load: test-serve-load.sh) ----
scrapers 4 "$URL" "$PROM_ACCEPT"
check "50 concurrent scrapers, 4 scrapes each: every scrape succeeded" scraped 4
# A starved sampler may have missed three intervals during the load: it
# must recover by itself, which /healthz says within a few intervals.
check "serve healthy again after the load (within 10 s)" wait_for 10 is 200 code GET /healthz
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }
check "serve stops cleanly on SIGTERM (exit 0)" stop_serve
check "serve removed its OpenMetrics file when it stopped (no stale page for PCP)" \
	bash -c '! ls "$0"* 2>/dev/null | grep -q .' "$TMP/joulestat.om"

# ---- this machine, for real: the sources probe finds here (the model where no sensor is) ----
check "serve starts on this machine" start_serve "$TMP/real.log" -i 0.3 --group process --top 1000
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [3-9]'"
curl -s "$URL/metrics" >"$TMP/real.txt"
"$JS" probe --json -i 0.05 >"$TMP/probe.json"
# "name source estimated", one line per domain, from probe and from the page
jq -r '.domains[] | "\(.name) \(.source) \(.estimated)"' "$TMP/probe.json" | sort >"$TMP/probe.dom"
sed -n 's/^joulestat_domain_energy_joules_total{domain="\([^"]*\)".*,source="\([^"]*\)",estimated="\([a-z]*\)"} .*/\1 \2 \3/p' \
	"$TMP/real.txt" | sort >"$TMP/serve.dom"
check "real: the domains are those probe finds here, each marked estimated as probe marks it" \
	bash -c 'cat "$0"; [ -s "$0" ] && diff "$0" "$1"' "$TMP/probe.dom" "$TMP/serve.dom"
check "real: host power is positive, and labelled estimated as probe's host total is" \
	bash -c 'e=$(jq .host_total.estimated "$1"); grep "^joulestat_host_power_watts{" "$0" &&
		[ "$(grep -c "^joulestat_host_power_watts{" "$0")" = 1 ] &&
		awk -v want="joulestat_host_power_watts{estimated=\"$e\"}" "\$1 == want && \$2 > 0 { ok = 1 } END { exit !ok }" "$0"' \
	"$TMP/real.txt" "$TMP/probe.json"
check "real: coverage of this machine's CPUs is near complete" \
	bash -c 'awk "/^joulestat_coverage_ratio / { c = \$2 } END { exit !(c > 0.9 && c <= 1.0001) }" "$0"' "$TMP/real.txt"
check "real: --group process labels each series with pid and comm, and itself is there" \
	bash -c 'grep -q "^joulestat_group_energy_joules_total{pid=\"$1\",comm=\"joulestat\"} " "$0"' "$TMP/real.txt" "$SERVE_PID"
check "real: promtool accepts the page" bash -c 'promtool check metrics <"$0"' "$TMP/real.txt"
check "real: serve stops cleanly" stop_serve

# ---- every grouping names its series with its own label ----
for g in cgroup unit container vm user; do
	check "--group $g: serve starts" start_serve "$TMP/$g.log" -i 0.2 --group "$g" --top 3
	wait_for 10 bash -c "curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q '^joulestat_samples_total [2-9]'"
	curl -s "http://127.0.0.1:$SERVE_PORT/metrics" >"$TMP/$g.txt"
	check "--group $g: series labelled $g=..., other included, nothing else" \
		bash -c 'grep -q "^joulestat_group_energy_joules_total{$1=\"other\"} " "$0" &&
			grep -E "^joulestat_group_energy_joules_total\{" "$0" | grep -vqE "^joulestat_group_energy_joules_total\{$1=\"[^\"]*\"\} " && exit 1
			[ "$(grep -c "^joulestat_group_energy_joules_total{" "$0")" -ge 2 ]' "$TMP/$g.txt" "$g"
	check "--group $g: promtool accepts the page" bash -c 'promtool check metrics <"$0"' "$TMP/$g.txt"
	check "--group $g: stops cleanly" stop_serve
done
check "--group user: this process's user is named" grep -q '^joulestat_group_energy_joules_total{user="root"} ' "$TMP/user.txt"
check "--group cgroup: paths start with / (or are unknown)" \
	bash -c '! grep "^joulestat_group_energy_joules_total{cgroup=" "$0" | grep -vE "cgroup=\"(/|unknown\"|other\")"' "$TMP/cgroup.txt"

# A counter that goes backwards without a plausible wrap is refused, and counted per domain.
cp -a "$DATA/intel-2s" "$TMP/back"
check "serve starts on a fixture whose psys counter will go backwards" \
	start_serve "$TMP/back.log" --sysfs-root "$TMP/back/sys" -i 0.2
BACK=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $BACK/metrics | grep -q '^joulestat_samples_total [2-9]'"
PSYS=$TMP/back/sys/class/powercap/intel-rapl:2/energy_uj
printf '%s\n' $(($(cat "$PSYS") - 1000000000)) 1<>"$PSYS" # 1 kJ back: no wrap explains it
refused() { curl -s "$BACK/metrics" | sed -n "s/^joulestat_domain_readings_refused_total{domain=\"$1\",.*} //p"; }
check "the backwards psys reading is refused and counted; package-0's count stays 0" \
	wait_for 10 bash -c "$(declare -f refused); BACK=$BACK; [ \"\$(refused psys)\" -ge 1 ] && [ \"\$(refused package-0)\" = 0 ]"
stop "$SERVE_PID"

done_testing
