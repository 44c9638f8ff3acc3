#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-kubelet.sh - pod names from a kubelet: a loopback HTTPS server with
# a certificate of the test's own CA answers /pods with a PodList in the
# kubelet's format, only to the right bearer token; a spinning process sits
# in a pod's cgroup in the cgroupfs driver's layout
# (kubepods/burstable/pod<uid>/<container id>, made here in the real v2
# hierarchy). top names its pod, container and namespace; a refused token
# or an unknown CA leaves the ids and says why; the Kubernetes Grafana
# dashboards' queries return the pod's series from a real Prometheus. Root
# only (exit 77 elsewhere).
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

UID1=6b1a4c2e-8d3f-4e5a-9b7c-0d1e2f3a4b5c
C1=3f1c0c8e5b6d4a2f9e7b1d0c8a6f4e2d1b9c7a5e3f1d0b8c6a4e2f0d9b7c5a31
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root: makes a cgroup in the kubelet's layout"
	exit 0
fi
# The v2 hierarchy: unified, or beside the v1 controllers (hybrid).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CG2=/sys/fs/cgroup
elif [ -d /sys/fs/cgroup/unified ]; then CG2=/sys/fs/cgroup/unified
else
	echo "1..0 # SKIP no cgroup v2 hierarchy to make a pod's cgroup in"
	exit 0
fi
POD="$CG2/kubepods-jstest/burstable/pod$UID1"
CTR="$POD/$C1"
# Below "kubepods": the parser wants an ancestor that starts with it.
if ! mkdir -p "$CTR" 2>/dev/null; then
	echo "1..0 # SKIP cannot make a cgroup under $CG2"
	exit 0
fi
EXTRA_CLEANUP='for p in $(cat "$CTR/cgroup.procs" 2>/dev/null); do echo "$p" >"$CG2/cgroup.procs"; done 2>/dev/null; rmdir "$CTR" "$POD" "$CG2/kubepods-jstest/burstable" "$CG2/kubepods-jstest" 2>/dev/null'

# A CA, and the kubelet's serving certificate for 127.0.0.1 signed by it; another CA.
ssl() { openssl "$@" >/dev/null 2>&1; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.crt" -days 2 -subj /CN=test-ca
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other.key" -out "$TMP/other.crt" -days 2 -subj /CN=other-ca
ssl req -newkey rsa:2048 -nodes -keyout "$TMP/kubelet.key" -out "$TMP/kubelet.csr" -subj /CN=node-a
printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/san.ext"
ssl x509 -req -in "$TMP/kubelet.csr" -CA "$TMP/ca.crt" -CAkey "$TMP/ca.key" -CAcreateserial \
	-out "$TMP/kubelet.crt" -days 2 -extfile "$TMP/san.ext"
echo "t0ken-$$" >"$TMP/token"
echo "wrong-$$" >"$TMP/wrong"

PORT=$("$FREE_PORT")
cat >"$TMP/kubelet.py" <<'PY'
import http.server, ssl, sys
port, cert, key, token, body, log = sys.argv[1:7]
pods = open(body, 'rb').read()
want = 'Bearer ' + open(token).read().strip()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == '/pods' and self.headers.get('Authorization') == want
        with open(log, 'a') as f:
            f.write('%s %s\n' % (self.path, 'ok' if ok else 'refused'))
        data = pods if ok else b'Unauthorized'
        self.send_response(200 if ok else 401)
        self.send_header('Content-Type', 'application/json' if ok else 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
bg /usr/bin/python3 "$TMP/kubelet.py" "$PORT" "$TMP/kubelet.crt" "$TMP/kubelet.key" "$TMP/token" \
	"$DATA/kubelet/pods.json" "$TMP/requests.log"
# A spinning process in the pod's container; nice, it shares the machine.
bg nice -n 19 sh -c 'while :; do :; done'
SPIN=$BG
echo "$SPIN" >"$CTR/cgroup.procs"

wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
# top PIDFILE ARGS...: three frames, names from the kubelet at 127.0.0.1.
top3() {
	"$JS" top --batch -n 4 -i 0.5 --no-config --source model --docker-socket none \
		--podman-socket none --kubelet "https://127.0.0.1:$PORT" "$@"
}
export -f top3
export JS PORT TMP UID1 C1

check "the process in the pod's cgroup is in its pod, by the kubelet's name" \
	bash -c 'top3 --kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt" --group pod \
		>"$TMP/pod.out" 2>"$TMP/pod.err" && grep -q "shop/web-7d4b9c8f6d-x2k9p" "$TMP/pod.out" ||
		{ cat "$TMP/pod.out" "$TMP/pod.err"; false; }'
check "its container by the pod's name for it, and its namespace" \
	bash -c 'top3 --kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt" --group container \
		>"$TMP/c.out" 2>&1 && grep -q "nginx (3f1c0c8e5b6d)" "$TMP/c.out" &&
		top3 --kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt" --group namespace \
		>"$TMP/ns.out" 2>&1 && grep -Eq "^shop " "$TMP/ns.out" || { cat "$TMP/c.out" "$TMP/ns.out"; false; }'
check "the kubelet was asked with the token, and not once per frame" \
	bash -c 'n=$(grep -c "^/pods ok$" "$TMP/requests.log") && [ "$n" -ge 1 ] && [ "$n" -le 6 ] &&
		! grep -q refused "$TMP/requests.log"'
check "a refused token: the pod keeps its UID, and the error says the token was refused" \
	bash -c 'top3 --kubelet-token-file "$TMP/wrong" --kubelet-ca-file "$TMP/ca.crt" --group pod \
		>"$TMP/bad.out" 2>"$TMP/bad.err"; grep -q "^$UID1 " "$TMP/bad.out" &&
		! grep -q "web-7d4b9c8f6d" "$TMP/bad.out" &&
		grep -q "kubelet at https://127.0.0.1:$PORT: HTTP status 401 (the token was refused); its containers keep their ids" "$TMP/bad.err" ||
		{ cat "$TMP/bad.out" "$TMP/bad.err"; false; }'
check "a kubelet whose certificate another CA signed is not asked for anything: ids stay" \
	bash -c ': >"$TMP/requests.log"; top3 --kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/other.crt" \
		--group pod >"$TMP/ca.out" 2>"$TMP/ca.err"; grep -q "^$UID1 " "$TMP/ca.out" &&
		grep -qi "certificate" "$TMP/ca.err" && ! [ -s "$TMP/requests.log" ] ||
		{ cat "$TMP/ca.out" "$TMP/ca.err" "$TMP/requests.log"; false; }'
check "--no-names: nobody is asked, the pod is its UID" \
	bash -c ': >"$TMP/requests.log"; top3 --kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt" \
		--no-names --group pod >"$TMP/nn.out" 2>&1 && grep -q "^$UID1 " "$TMP/nn.out" &&
		! [ -s "$TMP/requests.log" ]'
# serve: the pod's series carry its name, namespace and UID; the namespace's its name.
SPORT=$("$FREE_PORT")
bg "$JS" serve --listen "127.0.0.1:$SPORT" -i 0.5 --no-config --source model --group pod \
	--docker-socket none --podman-socket none --kubelet "https://127.0.0.1:$PORT" \
	--kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt"
export SPORT
check "serve --group pod: the pod's series by name, with its namespace and UID" \
	wait_for 30 bash -c 'curl -fsS "http://127.0.0.1:$SPORT/metrics" >"$TMP/m" &&
		grep -q "^joulestat_group_energy_joules_total{pod=\"web-7d4b9c8f6d-x2k9p\",namespace=\"shop\",pod_uid=\"$UID1\"} [0-9.]*[1-9]" "$TMP/m"'

# The Kubernetes dashboards (joulestat-k8s-*.json) on what the DaemonSet
# exports (serve --group container), scraped by a real Prometheus that adds
# the node label as the ServiceMonitor does: every panel query runs and
# returns series with the labels its legend and its `by` use.
if ! command -v prometheus >/dev/null; then
	skip_check() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
	skip_check "the Kubernetes dashboards' queries: prometheus is not installed"
	done_testing
	exit
fi
CPORT=$("$FREE_PORT")
bg "$JS" serve --listen "127.0.0.1:$CPORT" -i 0.5 --no-config --source model --group container \
	--docker-socket none --podman-socket none --kubelet "https://127.0.0.1:$PORT" \
	--kubelet-token-file "$TMP/token" --kubelet-ca-file "$TMP/ca.crt"
PP=$("$FREE_PORT")
PROM=http://127.0.0.1:$PP
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: joulestat
    static_configs: [{targets: ['127.0.0.1:$CPORT'], labels: {node: node-a}}]
YML
bg prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn 2>"$TMP/prom.log"
export PROM
check "Prometheus scrapes serve --group container: the pod's container by name, with pod and namespace (within 30 s)" \
	wait_for 30 bash -c 'curl -s -G "$PROM/api/v1/query" \
		--data-urlencode "query=joulestat_group_energy_joules_total{container=\"nginx\",pod=\"web-7d4b9c8f6d-x2k9p\",namespace=\"shop\",node=\"node-a\"}" |
		jq -e ".data.result | length > 0"'
# 30 s of history for the range queries ($__range = 30s in grafana-queries.py).
sleep 30
mkdir "$TMP/dash"
cp "$SRC"/data/grafana/dashboards/joulestat-k8s-*.json "$TMP/dash/"
/usr/bin/python3 "$SRC/tests/integration/grafana-queries.py" prometheus "$TMP/dash" "$PROM" \
	joulestat-k8s-pods:namespace=shop >"$TMP/q.out" 2>&1
[ -s "$TMP/q.out" ] || echo "FAIL no result from grafana-queries.py" >"$TMP/q.out"
while read -r status desc; do
	check "$desc" test "$status" = PASS
done <"$TMP/q.out"
done_testing
