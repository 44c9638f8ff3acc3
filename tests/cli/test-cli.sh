#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-cli.sh - the command's shape: verbs, help, version, usage errors and exit codes.
. "$(dirname "$0")/tap.sh"

# The version comes from one place, meson.build's project(); a checkout adds git describe's suffix.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PROJECT_VERSION=$(sed -n "s/^[[:space:]]*version : '\([0-9.]*\)',$/\1/p" "$SRC/meson.build" | head -n 1)
check "--version prints meson's project version ($PROJECT_VERSION), with git's suffix in a checkout" \
	bash -c 'out=$("$0" --version) && echo "$out" && [ -n "$1" ] &&
		[[ $out =~ ^joulestat\ ${1//./\\.}(-([0-9]+-)?g[0-9a-f]+)?(-dirty)?$ ]] &&
		if [ -e "$2/.git" ] && git -C "$2" rev-parse HEAD >/dev/null 2>&1; then
			[[ $out == *-g$(git -C "$2" rev-parse --short=12 HEAD)* ]]; fi' "$JS" "$PROJECT_VERSION" "$SRC"
check "probe --json says the same version" \
	bash -c '[ "$("$0" probe --json | jq -r .joulestat)" = "$("$0" --version | cut -d" " -f2)" ]' "$JS"
check "--help lists the probe verb" \
	bash -c '"$0" --help | grep -q "^  probe "' "$JS"
# Each line of the verb list is "  VERB  summary": the summaries start in one column.
check "--help: the verb list's summaries start in one column" \
	bash -c '"$0" --help | sed -n "/^Verbs:/,/^\$/p" | awk "
		/^  [a-z]/ { match(\$0, /^  [a-z]+ +/); col[RLENGTH] = col[RLENGTH] \" \" \$1; n++ }
		END { for (c in col) { k++; print \"column \" c + 1 \":\" col[c] }; exit !(n >= 9 && k == 1) }"' "$JS"
check "no verb is a usage error (exit 2)" expect_exit 2 "$JS"
check "unknown verb is a usage error naming it" \
	bash -c '"$0" frobnicate 2>&1 >/dev/null | grep "unknown verb .frobnicate." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "probe --help exits 0 and shows common options" \
	bash -c '"$0" probe --help | grep -q -- "--sysfs-root DIR"' "$JS"
check "probe: unknown flag exits 2" expect_exit 2 "$JS" probe --no-such-flag
check "probe: bad interval exits 2 with a message" \
	bash -c '"$0" probe -i 0 2>&1 | grep "not a number of seconds" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
# Every time option, one parser: the verb, the flag, the value and the range in one message.
seconds_error() { # VERB FLAG VALUE RANGE
	local out rc
	out=$("$JS" "$1" "$2" "$3" 2>&1 >/dev/null </dev/null)
	rc=$?
	echo "$out"
	[ "$rc" = 2 ] && [ "$out" = "joulestat $1: $2: '$3' is not a number of seconds from $4" ]
}
check "top -i 0.01 is refused with its range" seconds_error top -i 0.01 "0.05 to 3600"
check "run -i 61 is refused with its range" seconds_error run -i 61 "0.01 to 60"
check "profile -i x is refused with its range" seconds_error profile -i x "0.01 to 10"
check "calibrate -d 0.5 is refused with its range" seconds_error calibrate -d 0.5 "1 to 3600"
check "serve --ttl 0 is refused with its range" seconds_error serve --ttl 0 "1 to 604800"
check "serve -i inf is refused with its range" seconds_error serve -i inf "0.05 to 3600"
check "probe: unknown --source name exits 2 naming it" \
	bash -c '"$0" probe --source rapl2 2>&1 | grep "unknown source .rapl2." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "probe: missing --sysfs-root directory exits 1 naming it" \
	bash -c '"$0" probe --sysfs-root /nonexistent/sys 2>&1 | grep "/nonexistent/sys" >/dev/null; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS"
check "probe: idle watts above full-load watts is a usage error naming both flags" \
	bash -c '"$0" probe --model-idle-watts 50 --model-max-watts 20 2>&1 | grep -- "--model-idle-watts must not exceed --model-max-watts" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "probe: a non-numeric model power exits 2 naming the flag" \
	bash -c '"$0" probe --model-max-watts lots 2>&1 | grep -- "--model-max-watts: .lots." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"
check "probe: stray argument exits 2" expect_exit 2 "$JS" probe extra
check "probe runs on this machine" expect_exit 0 "$JS" probe -i 0.05
check "probe --json on this machine is valid JSON with sources and domains" \
	bash -c '"$0" probe --json -i 0.05 | jq -e ".format == \"joulestat-probe\" and (.sources | length) == 10 and (.machine.cpus >= 1)"' "$JS"

done_testing
