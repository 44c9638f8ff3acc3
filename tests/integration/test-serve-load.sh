#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-load.sh - `joulestat serve --group process` with 2000 processes
# running every interval (a page of thousands of series), under 50
# concurrent scrapers, 6 scrapes each: no failed scrape, no growth in memory.
. "$(dirname "$0")/lib.sh"
require curl
CROWD=${JOULESTAT_CROWD:?JOULESTAT_CROWD is not set: run through meson test}
N=2000

synthetic_rapl "$TMP/fx"
bg "$CROWD" "$N" >"$TMP/crowd.out"
check "$N processes start" wait_for 60 grep -q ready "$TMP/crowd.out"
check "serve starts, one series per process" \
	start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 1 --group process --top 5000
URL=http://127.0.0.1:$SERVE_PORT
ACCEPT='application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'
crowd_series() { curl -s "$URL/metrics" | grep -c '^joulestat_group_energy_joules_total{pid="[0-9]*",comm="crowd"}'; }
check "at least $((N * 9 / 10)) of the $N processes have a series" \
	wait_for 20 bash -c "[ \$(curl -s $URL/metrics | grep -c '^joulestat_group_energy_joules_total{pid=\"[0-9]*\",comm=\"crowd\"}') -ge $((N * 9 / 10)) ]"
SIZE=$(curl -s -H "Accept: $ACCEPT" "$URL/metrics" | wc -c)
scrapers 2 "$URL" "$ACCEPT" # warm up: buffers and pages at their size
RSS0=$(rss "$SERVE_PID")
scrapers 6 "$URL" "$ACCEPT"
RSS1=$(rss "$SERVE_PID")
check "50 scrapers x 6 scrapes of a $SIZE-byte page: none failed" scraped 6
scrapers 6 "$URL" "$ACCEPT"
RSS2=$(rss "$SERVE_PID")
# Between two measurements RSS may differ by the pages still in flight (each
# interval's page exists in two formats until its last response is sent).
SLACK=$((4 * SIZE / 1024 + 2048))
check "no memory growth over a second round (RSS $RSS0 -> $RSS1 -> $RSS2 kB, slack $SLACK kB)" \
	bash -c '[ "$1" -le $(($0 + $2)) ]' "$RSS1" "$RSS2" "$SLACK"
check "serve is healthy after the load (within 10 s)" \
	wait_for 10 bash -c "[ \"\$(curl -s $URL/healthz)\" = ok ]"
check "its sampling kept up (no failed sample)" \
	bash -c "curl -s $URL/metrics | grep -q '^joulestat_sample_failures_total 0$'"
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }
check "serve stops cleanly on SIGTERM" stop_serve

done_testing
