#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-security.sh - what `joulestat serve` shows, and to whom: TLS
# and basic authentication from a web configuration file (the Prometheus
# exporters' format) checked with curl and a real Prometheus over
# https://127.0.0.1, the file's errors, the warning for an address beyond
# loopback (in a network namespace of its own, so nothing is exposed),
# precise --listen errors, and a quiet `serve -v`.
. "$(dirname "$0")/lib.sh"
require curl openssl

synthetic_rapl "$TMP/fx"
ROOTS=(--sysfs-root "$TMP/fx/sys")
# bcrypt of "s3cret" as htpasswd -nBC 10 writes it ($2y$), and of "other" ($2b$, cost 4).
HASH='$2y$10$5.0kzBqAIqkFO/quH6r.p.T61hpUCw8NA/aPl0ka47aOWqE2I7Hae'
HASH2='$2b$04$OHKf3IQnzgCu3o7OZOsXVuRxD1s1yHTnZ.Fux13pbDFy2e6DJlc.6'

mkdir "$TMP/web"
check "openssl makes a certificate for 127.0.0.1" \
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$TMP/web/server.key" -out "$TMP/web/server.crt"
cat >"$TMP/web/web.yml" <<EOF
# paths relative to this file, as the exporters read them
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $HASH
  grafana: '$HASH2'
EOF

# start_tls LOG ARGS...: serve with TLS; port in $SERVE_PORT.
start_tls() {
	local log=$1
	shift
	bg "$JS" serve --listen 127.0.0.1:0 "${ROOTS[@]}" -i 0.5 "$@" 2>"$log"
	SERVE_PID=$BG
	wait_for 10 grep -q "listening on https://127.0.0.1:" "$log" || { cat "$log"; return 1; }
	SERVE_PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
}
SERVE_PORT=0 SERVE_PID=0 # a start that fails leaves them so, and the checks below fail
check "serve starts with TLS and users, and says https" \
	start_tls "$TMP/tls.log" --web-config-file "$TMP/web/web.yml"
URL=https://127.0.0.1:$SERVE_PORT
CA=(--cacert "$TMP/web/server.crt")
code() { curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@"; }
is() { # WANT CMD...
	local want=$1 got
	shift
	got=$("$@")
	[ "$got" = "$want" ] || { echo "got '$got', wanted '$want'"; head -c 300 "$TMP/body"; return 1; }
}
check "no credentials: 401 asking for Basic auth" \
	bash -c '[ "$(curl -s -o /dev/null -D "$2" -w "%{http_code}" --cacert "$1" "$0/metrics")" = 401 ] &&
		grep -qi "^www-authenticate: Basic realm=\"joulestat\"" "$2"' "$URL" "$TMP/web/server.crt" "$TMP/h401"
check "a wrong password: 401" is 401 code "${CA[@]}" -u prometheus:wrong "$URL/metrics"
check "an unknown user: 401" is 401 code "${CA[@]}" -u nobody:s3cret "$URL/metrics"
check "no page leaks with a 401" bash -c '! grep -q joulestat_ "$0"' "$TMP/body"
page_ok() { is 200 code "$@" && grep -q "^joulestat_build_info" "$TMP/body"; }
check "the right password: 200 and the metrics" page_ok "${CA[@]}" -u prometheus:s3cret "$URL/metrics"
check "again (a verified password is remembered): 200" is 200 code "${CA[@]}" -u prometheus:s3cret "$URL/metrics"
check "a second user with a \$2b\$ hash: 200" is 200 code "${CA[@]}" -u grafana:other "$URL/metrics"
check "every path asks: /healthz without credentials is 401" is 401 code "${CA[@]}" "$URL/healthz"
check "an unknown path is 401 before 404" is 401 code "${CA[@]}" "$URL/nope"
check "with credentials, /healthz is ok" is 200 code "${CA[@]}" -u prometheus:s3cret "$URL/healthz"
check "an untrusted certificate is refused by curl (exit 60)" \
	bash -c 'curl -s -o /dev/null "$0/metrics"; [ $? = 60 ]' "$URL"
check "plain HTTP on the TLS port gets no page" \
	bash -c '! curl -s -m 5 -u prometheus:s3cret "http://127.0.0.1:$0/metrics" | grep -q joulestat_' "$SERVE_PORT"
check "TLS 1.1 is not offered (min_version TLS12)" \
	bash -c '! curl -s -o /dev/null -m 5 --cacert "$1" --tls-max 1.1 -u prometheus:s3cret "$0/metrics"' \
	"$URL" "$TMP/web/server.crt"

# A real Prometheus scrapes it over TLS with basic auth (and one without credentials is down).
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
	PP=$("$FREE_PORT")
	cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: tls
    scheme: https
    tls_config: {ca_file: '$TMP/web/server.crt'}
    basic_auth: {username: prometheus, password: s3cret}
    static_configs: [{targets: ['127.0.0.1:$SERVE_PORT']}]
  - job_name: nopassword
    scheme: https
    tls_config: {ca_file: '$TMP/web/server.crt'}
    static_configs: [{targets: ['127.0.0.1:$SERVE_PORT']}]
YML
	check "promtool accepts the scrape configuration" promtool check config "$TMP/prometheus.yml"
	bg prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
		--web.listen-address="127.0.0.1:$PP" --log.level=warn 2>"$TMP/prom.log"
	PROM_PID=$BG
	check "Prometheus starts" wait_for 15 curl -sf "http://127.0.0.1:$PP/-/ready"
	targets() { curl -s "http://127.0.0.1:$PP/api/v1/targets"; }
	check "Prometheus scrapes over https with basic auth: the target is up" \
		wait_for 30 bash -c 'curl -s "$0/api/v1/targets" | jq -e "[.data.activeTargets[] | select(.labels.job == \"tls\" and .health == \"up\")] | length == 1"' \
		"http://127.0.0.1:$PP"
	# Each target is scraped on its own schedule: the second may not have been tried yet.
	check "... and without the password it is down with a 401" \
		wait_for 30 bash -c 'curl -s "$0/api/v1/targets" | jq -e "[.data.activeTargets[] | select(.labels.job == \"nopassword\" and .health == \"down\" and (.lastError | test(\"401\")))] | length == 1"' \
		"http://127.0.0.1:$PP"
	check "the samples are queryable" \
		wait_for 20 bash -c '[ -n "$(curl -s -G "$0/api/v1/query" --data-urlencode "query=joulestat_samples_total{job=\"tls\"}" | jq -r ".data.result[0].value[1] // empty")" ]' \
		"http://127.0.0.1:$PP"
	stop "$PROM_PID"
fi
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }
check "serve stops cleanly" stop_serve

# Users without TLS (loopback: no warning), then a plain page.
printf 'basic_auth_users:\n  prometheus: %s\n' "$HASH" >"$TMP/auth-only.yml"
check "users without TLS: serve starts on http" \
	start_serve "$TMP/auth.log" "${ROOTS[@]}" --web.config.file "$TMP/auth-only.yml"
check "http without credentials: 401" is 401 code "http://127.0.0.1:$SERVE_PORT/metrics"
check "http with them: 200" is 200 code -u prometheus:s3cret "http://127.0.0.1:$SERVE_PORT/metrics"
check "on loopback, no warning" bash -c '! grep -q warning "$0"' "$TMP/auth.log"
check "serve stops cleanly" stop_serve

# ---- the web configuration's errors: exit 2 naming the line and key, or 1 naming the file ----
# web_error WANT_EXIT WANT_TEXT YAML: serve with that file must fail so, saying WANT_TEXT.
web_error() {
	printf '%s\n' "$3" >"$TMP/web/bad.yml"
	"$JS" serve --listen 127.0.0.1:0 "${ROOTS[@]}" --web-config-file "$TMP/web/bad.yml" \
		>/dev/null 2>"$TMP/bad.err"
	local rc=$?
	cat "$TMP/bad.err"
	[ "$rc" = "$1" ] && grep -qF -- "$2" "$TMP/bad.err"
}
check "an unknown key: exit 2, named with its line" \
	web_error 2 "bad.yml: line 2: tls_server_config: 'client_auth_type' is not supported" \
	"$(printf 'tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n  cert_file: a\n  key_file: b')"
check "a duplicate user: exit 2" web_error 2 "'prometheus' is given twice" \
	"$(printf 'basic_auth_users:\n  prometheus: %s\n  prometheus: %s' "$HASH" "$HASH")"
check "a password in clear instead of a hash: exit 2 with how to make one" \
	web_error 2 "not a bcrypt hash" "$(printf 'basic_auth_users:\n  prometheus: s3cret')"
check "a missing certificate: exit 1 naming the file" web_error 1 "$TMP/web/missing.crt" \
	"$(printf 'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key')"
check "a key that is not a key: exit 2" web_error 2 "not an unencrypted PEM private key" \
	"$(printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt')"
check "a missing file: exit 1 naming it" \
	bash -c '"$0" serve --web-config-file "$1/nope.yml" 2>&1 | grep -qF "$1/nope.yml"; [ ${PIPESTATUS[0]} = 1 ]' "$JS" "$TMP"

# ---- an address beyond loopback: a warning, in a network namespace nothing can reach ----
# exposed LOG ARGS...: serve --listen 0.0.0.0:0 ARGS in a new network namespace, until it listens.
exposed() {
	local log=$1
	shift
	unshare --net "$JS" serve --listen 0.0.0.0:0 "${ROOTS[@]}" "$@" 2>"$log" &
	local pid=$!
	wait_for 10 grep -q "listening on" "$log"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$log"
}
warns_all() {
	exposed "$TMP/w1.log" &&
		grep -q "warning: listening on 0.0.0.0:[0-9]*, beyond this machine: anyone who can reach it reads every process.s command and energy.*--web-config-file.*127.0.0.1" "$TMP/w1.log"
}
warns_clear() {
	exposed "$TMP/w2.log" --web-config-file "$TMP/auth-only.yml" &&
		grep -q "without TLS: passwords and metrics cross the network in clear" "$TMP/w2.log"
}
warns_none() {
	exposed "$TMP/w3.log" --web-config-file "$TMP/web/web.yml" &&
		grep -q "listening on https://0.0.0.0" "$TMP/w3.log" && ! grep -q warning "$TMP/w3.log"
}
if unshare --net true 2>/dev/null; then
	check "0.0.0.0 without users: a warning that names what is exposed and the fix" warns_all
	check "0.0.0.0 with users and no TLS: a warning about passwords in clear" warns_clear
	check "0.0.0.0 with users and TLS: no warning" warns_none
else
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - 0.0.0.0 warnings # SKIP no network namespaces here (unshare --net)"
fi
check "127.0.0.1: no warning" bash -c '! grep -q warning "$0"' "$TMP/tls.log"

# ---- --listen: the part that is wrong, exit 2 ----
listen_error() { # ARG TEXT
	timeout 10 "$JS" serve --listen "$1" >/dev/null 2>"$TMP/listen.err"
	local rc=$?
	cat "$TMP/listen.err"
	[ "$rc" = 2 ] && grep -qF -- "$2" "$TMP/listen.err"
}
check "a 300-character host: too long, not a port problem" \
	listen_error "$(head -c 300 /dev/zero | tr '\0' a):9877" "the address is 300 characters long"
check "port 99999: out of range" listen_error 127.0.0.1:99999 "the port 99999 is out of range"
check "port x: not a number" listen_error 127.0.0.1:x "the port 'x' is not a number"
check "no port" listen_error 127.0.0.1 "no port"
check "IPv6 without brackets" listen_error ::1:9877 "an IPv6 address goes in brackets"

# ---- serve -v: libmicrohttpd's own messages stay quiet when nothing is wrong ----
check "serve -v starts" start_serve "$TMP/v.log" "${ROOTS[@]}" -v
quiet_v() {
	curl -s -o /dev/null "http://127.0.0.1:$SERVE_PORT/metrics"
	grep -q "listening on" "$TMP/v.log" && ! grep -E "EXTERNAL_LOGGER|not the first option" "$TMP/v.log"
}
check "serve -v prints no libmicrohttpd option-order warning" quiet_v
check "serve stops cleanly" stop_serve

done_testing
