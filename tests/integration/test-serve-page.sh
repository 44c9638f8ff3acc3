#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-serve-page.sh - serve's live page and its API on the synthetic RAPL
# fixture (psys 20 W): GET / is one self-contained document whose
# Content-Security-Policy allows exactly its inline style and script by
# their hashes; GET /api/v1/snapshot holds what docs/API.md says, its ledger
# balances and it names this serve's own process; then the page in headless
# Chromium through WebDriver (page-browser.py): charts and table update,
# filter, sort, grouping, no console error or CSP violation, and a
# screenshot kept in the build directory (serve-page.png).
. "$(dirname "$0")/lib.sh"
require curl jq /usr/bin/python3
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)

synthetic_rapl "$TMP/fx"
check "serve starts" start_serve "$TMP/serve.log" --sysfs-root "$TMP/fx/sys" -i 0.5 \
	--carbon-intensity 400
URL=http://127.0.0.1:$SERVE_PORT
wait_for 10 bash -c "curl -s $URL/metrics | grep -q '^joulestat_samples_total [3-9]'"

# ---- the page ----
check "GET /: 200, HTML, the policy and the other security headers" \
	bash -c 'c=$(curl -s -o "$1/index.html" -D "$1/h" -w "%{http_code}" "$0/") && [ "$c" = 200 ] &&
		grep -qi "^content-type: text/html; charset=utf-8" "$1/h" &&
		grep -qi "^content-security-policy: default-src .none.; script-src .sha256-[A-Za-z0-9+/=]*.; style-src .sha256-[A-Za-z0-9+/=]*.; connect-src .self.;" "$1/h" &&
		grep -qi "^x-content-type-options: nosniff" "$1/h" && grep -qi "^x-frame-options: deny" "$1/h"' \
	"$URL" "$TMP"
check "the policy's hashes are those of the page's one style and one script" \
	/usr/bin/python3 -c '
import base64, hashlib, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
head = open(sys.argv[2], encoding="latin-1").read()
csp = re.search(r"(?im)^content-security-policy: (.*)\r?$", head).group(1)
scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
styles = re.findall(r"<style>(.*?)</style>", page, re.S)
assert len(scripts) == 1 and len(styles) == 1, (len(scripts), len(styles))
h = lambda s: "sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
assert "script-src \x27%s\x27;" % h(scripts[0]) in csp, csp
assert "style-src \x27%s\x27;" % h(styles[0]) in csp, csp
' "$TMP/index.html" "$TMP/h"
check "the page loads nothing from elsewhere: no src, no external link, no inline handler" \
	bash -c '! grep -v "www.w3.org/2000/svg" "$0" |
		grep -Eqi "(<script[^>]+src|<link[^>]+href=\"(https?:)?//|<img|@import|url\(|https?://| on[a-z]+=)"' \
	"$TMP/index.html"
check "HEAD /: 200 and no body" \
	bash -c '[ "$(curl -s -I -o /dev/null -w "%{http_code}" "$0/")" = 200 ]' "$URL"

# ---- the snapshot ----
check "GET /api/v1/snapshot: 200, application/json" \
	bash -c 'c=$(curl -s -o "$1/s.json" -D "$1/sh" -w "%{http_code}" "$0/api/v1/snapshot") && [ "$c" = 200 ] &&
		grep -qi "^content-type: application/json" "$1/sh"' "$URL" "$TMP"
check "the snapshot has what docs/API.md lists" \
	jq -e '.format == "joulestat-snapshot" and .version == 1 and .seq > 0 and (.time_ms > 1700000000000) and
		.interval_s > 0 and (.estimated | type) == "boolean" and (.idle_policy | type) == "string" and
		.collector != null and .group == "comm" and (.domains | length) >= 3 and
		.groupings == ["process","comm","user","unit","container","cgroup"] and
		([.groupings[] as $g | .rows[$g] and .top[$g]] | all) and .self.rss_bytes > 0 and
		(.gpus | type) == "array"' "$TMP/s.json"
# The fixture's writer aims at 20 W: a loaded machine runs its loop slower, and an
# interval catches at most a step more.
check "psys reads the growing fixture: measured, in the host total, about 20 W at most" \
	jq -e '.domains[] | select(.name == "psys") | .in_host_total and (.estimated | not) and
		.power_w > 0 and .power_w < 30 and .source == "powercap" and .kind == "psys"' "$TMP/s.json"
check "the ledger balances: tasks + idle + unattributed = host power" \
	jq -e '(.tasks_w + .idle_w + .unattributed_w - .power_w | fabs) < 1e-6 * .power_w + 1e-9' "$TMP/s.json"
check "the process rows name this serve, pid and command, with a key of pid@start" \
	jq -e --argjson pid "$SERVE_PID" '[.rows.process.rows[] | select(.pid == $pid)] |
		length == 1 and .[0].name == "joulestat" and (.[0].key | startswith("\($pid)@")) and
		.[0].user == "root"' "$TMP/s.json"
check "each grouping's top groups and other add up to the tasks' power" \
	jq -e '. as $s | [.groupings[] as $g | (([$s.top[$g].groups[].power_w] | add // 0) + $s.top[$g].other_w - $s.tasks_w | fabs) < 1e-6 * ($s.tasks_w + 1)] | all' \
	"$TMP/s.json"
check "the carbon intensity is in the snapshot, named with its origin" \
	jq -e '.carbon.intensity_g_per_kwh == 400 and .carbon.origin == "option" and
		.carbon.from == "--carbon-intensity" and .carbon.host_co2e_g > 0' "$TMP/s.json"
check "POST /api/v1/snapshot: 405" \
	bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST "$0/api/v1/snapshot")" = 405 ]' "$URL"
check "an unknown API path: 404 naming the paths" \
	bash -c '[ "$(curl -s -o "$1/nf" -w "%{http_code}" "$0/api/v1/nope")" = 404 ] && grep -q "/api/v1/snapshot" "$1/nf"' \
	"$URL" "$TMP"
check "a stream begins with the history, then snapshots" \
	/usr/bin/python3 "$(dirname "$0")/sse-clients.py" read 127.0.0.1 "$SERVE_PORT" 2

# ---- the page in a browser ----
# Debian's python3-selenium and chromium-driver (make check installs them);
# PATH clean of another python's or another browser's.
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] &&
	/usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	rm -f "$BUILDDIR/serve-page.png"
	env -i PATH=/usr/bin:/bin HOME="$TMP" TMPDIR="$TMP" LANG=C.UTF-8 \
		/usr/bin/python3 "$(dirname "$0")/page-browser.py" "$URL/" "$BUILDDIR/serve-page.png" 0.5 \
		>"$TMP/browser.tap" 2>"$TMP/browser.err"
	# Its TAP lines, renumbered into this test's.
	while read -r line; do
		case $line in
		"ok "*) check "browser: ${line#ok * - }" true ;;
		"not ok "*) check "browser: ${line#not ok * - }" bash -c 'sed -n "/^not ok/,/^ok/p" "$0" | head -30; exit 1' "$TMP/browser.tap" ;;
		esac
	done <"$TMP/browser.tap"
	check "the browser test ran to its end" bash -c 'grep -q "^1\.\.[1-9]" "$0" || { cat "$1"; exit 1; }' \
		"$TMP/browser.tap" "$TMP/browser.err"
else
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - the page in headless Chromium # SKIP chromium, chromium-driver or python3-selenium missing (make check installs them)"
fi
stop_serve() { kill -TERM "$SERVE_PID" && wait "$SERVE_PID"; }
check "serve stops cleanly (exit 0)" stop_serve

done_testing
