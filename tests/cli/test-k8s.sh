#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-k8s.sh - the Kubernetes manifests and the Helm chart, without a
# cluster (none runs here): yamllint; the chart rendered with its defaults
# is the plain manifests, object for object (so they cannot drift), and a
# changed value shows; every built-in object against the API's schema
# from python3-kubernetes (an unknown field fails); kubectl apply
# --dry-run=client --validate=false against a server that only answers
# discovery; the alerts' rules with promtool.
. "$(dirname "$0")/tap.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
K8S=$SRC/deploy/kubernetes
CHART=$SRC/deploy/helm/joulestat
CHECK=$SRC/tools/k8s-check.py
for tool in yamllint kubectl /usr/bin/python3 promtool; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool is missing (make check installs it)"
		exit 0
	fi
done
if ! /usr/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null; then
	echo "1..0 # SKIP python3-kubernetes or python3-yaml is missing (make check installs them)"
	exit 0
fi
export CHECK K8S CHART TMP

/usr/bin/python3 "$CHECK" render "$CHART" --set podMonitor.enabled=true >"$TMP/all.yaml"
/usr/bin/python3 "$CHECK" render "$CHART" >"$TMP/default.yaml"
LINT='{extends: default, rules: {line-length: {max: 120}, document-start: disable, comments: {min-spaces-from-content: 1}}}'
export LINT
check "yamllint: the plain manifests, the chart's values and what it renders" \
	bash -c 'yamllint -s -d "$LINT" "$K8S" "$CHART/Chart.yaml" "$CHART/values.yaml" "$TMP/all.yaml" "$TMP/default.yaml"'
check "the chart with its defaults renders the plain manifests (the PodMonitor off)" \
	/usr/bin/python3 "$CHECK" same "$K8S" "$TMP/default.yaml" --without PodMonitor
check "with the PodMonitor on, every object and nothing else" \
	/usr/bin/python3 "$CHECK" same "$K8S" "$TMP/all.yaml"
check "a value changed in the chart is a difference named by its path" \
	bash -c '/usr/bin/python3 "$CHECK" render "$CHART" --set podMonitor.enabled=true --set port=9999 >"$TMP/p.yaml" &&
		! /usr/bin/python3 "$CHECK" same "$K8S" "$TMP/p.yaml" >"$TMP/p.out" &&
		grep -q "containerPort: 9877 in the plain manifests, 9999 from the chart" "$TMP/p.out"'
check "every built-in object is valid against the Kubernetes API's schema" \
	bash -c '/usr/bin/python3 "$CHECK" validate "$K8S"/*.yaml >"$TMP/v.out" &&
		[ "$(grep -c ": valid V1" "$TMP/v.out")" = 7 ]'
check "the schema check fails an unknown field, a wrong type, a missing required field" \
	bash -c 'sed "s/hostPID: true/hostPid: true/; s/containerPort: 9877/containerPort: \"9877\"/; /^  selector:$/,/^  updateStrategy:$/{/^  selector:$/d;/matchLabels/d;/app.kubernetes.io\/name: joulestat$/d}" \
		"$K8S/daemonset.yaml" >"$TMP/bad.yaml" &&
		! /usr/bin/python3 "$CHECK" validate "$TMP/bad.yaml" >"$TMP/bad.out" &&
		grep -q "hostPid: not a field of V1PodSpec" "$TMP/bad.out" &&
		grep -q "containerPort: an integer" "$TMP/bad.out" &&
		grep -q "spec.selector: required by V1DaemonSetSpec" "$TMP/bad.out" || { cat "$TMP/bad.out"; false; }'

# kubectl's client-side dry run, which maps each object through discovery.
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$CHECK" apiserver "$PORT" &
API=$!
trap 'kill "$API" 2>/dev/null; wait "$API" 2>/dev/null; rm -rf "$TMP"' EXIT
cat >"$TMP/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: discovery-only
    cluster: {server: "http://127.0.0.1:$PORT"}
contexts:
  - name: discovery-only
    context: {cluster: discovery-only, user: nobody}
current-context: discovery-only
users:
  - name: nobody
    user: {}
KC
export KUBECONFIG=$TMP/kubeconfig
for i in $(seq 50); do
	kubectl get --raw /api >/dev/null 2>&1 && break
	sleep 0.1
done
check "kubectl apply --dry-run=client --validate=false: the 10 plain objects" \
	bash -c 'kubectl apply --dry-run=client --validate=false -f "$K8S" >"$TMP/k.out" 2>&1 &&
		[ "$(grep -c "created (dry run)" "$TMP/k.out")" = 10 ] || { cat "$TMP/k.out"; false; }'
check "kubectl apply --dry-run=client --validate=false: the rendered chart" \
	bash -c 'kubectl apply --dry-run=client --validate=false -f "$TMP/all.yaml" >"$TMP/k2.out" 2>&1 &&
		[ "$(grep -c "created (dry run)" "$TMP/k2.out")" = 10 ] || { cat "$TMP/k2.out"; false; }'
check "promtool: the PrometheusRule's rules are valid rules" \
	bash -c '/usr/bin/python3 -c "import sys, yaml; print(yaml.safe_dump({\"groups\": yaml.safe_load(open(sys.argv[1]))[\"spec\"][\"groups\"]}))" \
		"$K8S/prometheusrule.yaml" >"$TMP/rules.yaml" && promtool check rules "$TMP/rules.yaml"'
done_testing
