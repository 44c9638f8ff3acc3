#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-stream.sh - serve's server-sent events (GET /api/v1/stream)
# against the server's bounds: a stream that reads lives past the 60 s
# deadline every other response has, while one that never reads is closed;
# at most HTTP_STREAMS (32) are open, the next gets 503 with Retry-After;
# the history comes first, as points. Raw sockets (sse-clients.py).
. "$(dirname "$0")/lib.sh"
require /usr/bin/python3
CLIENTS=$(dirname "$0")/sse-clients.py

synthetic_rapl "$TMP/fx"
check "serve starts" start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.2
wait_for 10 bash -c "curl -s http://127.0.0.1:$SERVE_PORT/metrics | grep -q '^joulestat_samples_total [3-9]'"
check "a new stream gets the history as points, oldest first, then a snapshot per interval" \
	/usr/bin/python3 "$CLIENTS" read 127.0.0.1 "$SERVE_PORT" 3
check "32 streams are served, the 33rd gets 503 with Retry-After, a freed place is taken again" \
	/usr/bin/python3 "$CLIENTS" limit 127.0.0.1 "$SERVE_PORT" 32
check "/metrics is served while streams come and go" \
	bash -c 'curl -sf -m 10 "http://127.0.0.1:$0/metrics" | grep -q "^joulestat_samples_total "' "$SERVE_PORT"
# 75 s: past the 60 s every other response must be sent within.
check "a stream that reads lives past 60 s; one that never reads is closed" \
	/usr/bin/python3 "$CLIENTS" stall 127.0.0.1 "$SERVE_PORT" 75
stop_with_stream() {
	/usr/bin/python3 "$CLIENTS" read 127.0.0.1 "$SERVE_PORT" 1000000 >/dev/null 2>&1 &
	local c=$! r
	sleep 1
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	r=$?
	kill "$c" 2>/dev/null
	wait "$c" 2>/dev/null
	return $r
}
check "serve stops cleanly with a stream open (exit 0)" stop_with_stream

done_testing
