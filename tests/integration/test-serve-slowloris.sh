#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-slowloris.sh - `joulestat serve` against slow clients on
# loopback (tests/integration/slowloris.c): a request must arrive whole
# within 10 s however often it trickles a line, one address holds at most
# 128 connections and the server 384, and /metrics keeps answering while
# 600 slow connections from the scraper's own address (a local user's
# attack) try to hold every slot, which before held the server forever.
. "$(dirname "$0")/lib.sh"
require curl
SL=${JOULESTAT_SLOWLORIS:?JOULESTAT_SLOWLORIS is not set: run through meson test}

synthetic_rapl "$TMP/fx"
check "serve starts" start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5
URL=http://127.0.0.1:$SERVE_PORT
# field NAME FILE: a number from slowloris's last line ("opened O closed C open K ...").
field() { awk -v k="$1" '/^opened / { for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) } END { print v }' "$2"; }

# A request that is never idle for long (a line a second, under the 30 s
# idle timeout) but never ends: closed at the 10 s deadline, not before.
"$SL" 127.0.0.1 "$SERVE_PORT" 1 18 --every 1 >"$TMP/one.out"
check "a request trickling a line a second is closed at its 10 s deadline ($(tail -1 "$TMP/one.out"))" \
	bash -c '[ "$1" = 1 ] && [ "$2" -ge 9000 ] && [ "$2" -lt 17000 ]' _ \
	"$(field closed "$TMP/one.out")" "$(field longest_ms "$TMP/one.out")"

# One address: 200 slow connections from 127.0.0.2 (within the deadline): 128 stay.
"$SL" 127.0.0.1 "$SERVE_PORT" 200 5 --from 127.0.0.2 >"$TMP/addr.out"
check "one address keeps at most 128 connections ($(tail -1 "$TMP/addr.out"))" \
	bash -c '[ "$1" = 128 ] && [ "$2" = 72 ]' _ "$(field open "$TMP/addr.out")" "$(field closed "$TMP/addr.out")"

# The table: 4 addresses x 120 = 480 slow connections: the oldest go, 384 stay.
for a in 2 3 4 5; do
	bg "$SL" 127.0.0.1 "$SERVE_PORT" 120 6 --from "127.0.0.$a" >"$TMP/table.$a.out"
	TABLE+=("$BG")
done
wait "${TABLE[@]}"
OPEN=$(for a in 2 3 4 5; do field open "$TMP/table.$a.out"; done | awk '{ s += $1 } END { print s }')
check "the server keeps at most 384 connections over all addresses ($OPEN of 480 open)" \
	[ "$OPEN" = 384 ]
check "and answers after them" curl -sf -m 10 -o /dev/null "$URL/metrics"

# The attack: 600 slow connections from 127.0.0.1, a header line every 5 s,
# each one opened again 1 s after the server closes it, for 40 s. A scraper
# on the same address asks every second: each scrape must be answered, and
# within 10 s (without the limits, none is ever answered).
bg "$SL" 127.0.0.1 "$SERVE_PORT" 600 40 --every 5 --reconnect 1 >"$TMP/attack.out"
ATTACK=$BG
check "600 slow connections are open" wait_for 30 grep -q ready "$TMP/attack.out"
end=$((SECONDS + 25))
: >"$TMP/scrapes"
while [ "$SECONDS" -lt "$end" ]; do
	curl -s -m 10 -o "$TMP/page" -w '%{http_code} %{time_total}\n' "$URL/metrics" >>"$TMP/scrapes" ||
		echo "failed $?" >>"$TMP/scrapes"
	sleep 1
done
check "every scrape under the attack answered 200 within 10 s ($(awk '$1 == 200' "$TMP/scrapes" | wc -l) of $(wc -l <"$TMP/scrapes"))" \
	bash -c 'cat "$0"; [ "$(wc -l <"$0")" -ge 10 ] && ! grep -qv "^200 " "$0"' "$TMP/scrapes"
check "the last page is whole" grep -q '^joulestat_samples_total [0-9]' "$TMP/page"
wait "$ATTACK"
check "the server closed the attacker's connections over and over ($(tail -1 "$TMP/attack.out"))" \
	bash -c '[ "$1" -gt 600 ]' _ "$(field closed "$TMP/attack.out")"
check "sampling went on: /healthz ok after the attack" \
	wait_for 10 bash -c "[ \"\$(curl -s $URL/healthz)\" = ok ]"
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }
check "serve stops cleanly" stop_serve

done_testing
