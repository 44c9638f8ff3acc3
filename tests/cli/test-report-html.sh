#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-report-html.sh - the HTML report rendered by a real browser (headless
# Chromium): it loads from a file with the network unreachable, draws the
# charts and the tables, and the screenshot is a real picture. Exit 77
# (skip) when Chromium is not installed or cannot start here.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/synth.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "1..0 # SKIP chromium is not installed (Debian package chromium)"
	exit 77
fi
chrome() {
	# --no-sandbox: root cannot use the sandbox; the proxy makes any network fetch fail.
	timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$TMP/chrome" --proxy-server=127.0.0.1:9 --window-size=1040,1800 "$@" \
		2>>"$TMP/chrome.err"
}
if ! chrome --dump-dom "data:text/html,<p>ok</p>" | grep -q "<p>ok</p>"; then
	echo "1..0 # SKIP chromium cannot start here: $(tail -n 3 "$TMP/chrome.err" | tr '\n' ' ')"
	exit 77
fi

M=$TMP/m
synth_make "$M"
synth_run "$M" &
SYNTH=$!
"$JS" record -o "$TMP/r.jsonl" -i 0.25 -d 1 --sysfs-root "$M/sys" --procfs-root "$M/proc" \
	--activity proc --source powercap
touch "$M/stop"
wait "$SYNTH"
"$JS" report "$TMP/r.jsonl" --html "$TMP/r.html" --svg "$TMP/r.svg"

chrome --dump-dom "file://$TMP/r.html" >"$TMP/dom.html"
check "the page loads in Chromium and its DOM has the top table with busy-b first" \
	bash -c 'tr -d "\n" <"$0" | grep -Eq "<table id=\"top\">.*<td class=\"n\">1</td><td class=\"n\">200</td><td>busy-b</td>"' "$TMP/dom.html"
check "the DOM has every chart, drawn as SVG paths" \
	bash -c '[ "$(grep -o "class=\"chart\"" "$0" | wc -l)" = 10 ] && grep -q "<path class=\"total\"" "$0"' "$TMP/dom.html"
check "the screenshot of the page is a PNG of the window size" \
	bash -c 'chrome() { timeout 120 "$0" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
			--user-data-dir="$1/chrome" --proxy-server=127.0.0.1:9 --window-size=1040,1800 "$@"; }
		cd "$1" && chrome --screenshot="$1/r.png" "file://$1/r.html" >/dev/null 2>&1 &&
		[ "$(head -c 8 "$1/r.png" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] &&
		[ "$(od -An -tu1 -j16 -N8 "$1/r.png" | tr -s " " | sed "s/^ //")" = "0 0 4 16 0 0 7 8" ] &&
		[ "$(stat -c %s "$1/r.png")" -gt 50000 ]' "$CHROMIUM" "$TMP"
check "the standalone SVG renders too" \
	bash -c 'timeout 120 "$0" --headless=new --no-sandbox --disable-gpu --user-data-dir="$1/chrome" \
		--dump-dom "file://$1/r.svg" 2>/dev/null | grep -q "data-series=\"busy-b (200)\""' "$CHROMIUM" "$TMP"
if [ -n "${JOULESTAT_KEEP_SCREENSHOT:-}" ]; then
	cp "$TMP/r.png" "$JOULESTAT_KEEP_SCREENSHOT"
fi

done_testing
