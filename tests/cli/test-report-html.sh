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
	--activity proc --source powercap 2>"$TMP/record.err"
echo $? >"$TMP/record.rc"
touch "$M/stop"
wait "$SYNTH"
check "record over the fixture machine exits 0" \
	bash -c '[ "$(cat "$0")" = 0 ] || { cat "$1"; exit 1; }' "$TMP/record.rc" "$TMP/record.err"
check "report --html --svg exits 0" "$JS" report "$TMP/r.jsonl" --html "$TMP/r.html" --svg "$TMP/r.svg"

# A loaded machine can make Chromium give up on a first try: up to three each.
render() { # OUT ARGS...: Chromium's standard output into OUT, retried while empty
	local out=$1 try
	shift
	for try in 1 2 3; do
		chrome "$@" >"$out" && [ -s "$out" ] && return 0
		echo "chromium try $try failed: $*" >>"$TMP/chrome.err"
	done
	return 1
}
render "$TMP/dom.html" --dump-dom "file://$TMP/r.html"
render "$TMP/svgdom.html" --dump-dom "file://$TMP/r.svg"
for try in 1 2 3; do
	(cd "$TMP" && chrome --screenshot="$TMP/r.png" "file://$TMP/r.html" >/dev/null) && [ -s "$TMP/r.png" ] && break
done

check "the page loads in Chromium and its DOM has the top table with busy-b first" \
	bash -c 'tr -d "\n" <"$0" | grep -Eq "<table id=\"top\">.*<td class=\"n\">1</td><td class=\"n\">200</td><td>busy-b</td>" ||
		{ tail -n 5 "$1"; exit 1; }' "$TMP/dom.html" "$TMP/chrome.err"
check "the DOM has every chart, drawn as SVG paths" \
	bash -c '[ "$(grep -o "class=\"chart\"" "$0" | wc -l)" = 10 ] && grep -q "<path class=\"total\"" "$0"' "$TMP/dom.html"
check "the screenshot of the page is a PNG of the window size" \
	bash -c '[ "$(head -c 8 "$0" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] &&
		[ "$(od -An -tu1 -j16 -N8 "$0" | tr -s " " | sed "s/^ //")" = "0 0 4 16 0 0 7 8" ] &&
		[ "$(stat -c %s "$0")" -gt 50000 ] || { tail -n 5 "$1"; exit 1; }' "$TMP/r.png" "$TMP/chrome.err"
check "the standalone SVG renders too" grep -q 'data-series="busy-b (200)"' "$TMP/svgdom.html"
if [ -n "${JOULESTAT_KEEP_SCREENSHOT:-}" ]; then
	cp "$TMP/r.png" "$JOULESTAT_KEEP_SCREENSHOT"
fi

done_testing
