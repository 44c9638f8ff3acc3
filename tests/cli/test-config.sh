#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-config.sh - the YAML configuration: keys are long options, flags
# override the file, and every mistake names the file and line.
. "$(dirname "$0")/tap.sh"

cfg() { printf '%s\n' "$@" >"$TMP/c.yaml"; }

cfg "# a comment" "probe:" "  json: true" "  interval: 0.05"
check "a verb section applies its options (probe --json from the file)" \
	bash -c '"$0" probe --config "$1" | jq -e ".format == \"joulestat-probe\""' "$JS" "$TMP/c.yaml"

cfg "sysfs-root: /nonexistent/sys"
check "a common option at the top level is applied" \
	bash -c '"$0" probe -i 0.05 --config "$1" 2>&1 | grep "/nonexistent/sys" >/dev/null; [ ${PIPESTATUS[0]} -eq 1 ]' "$JS" "$TMP/c.yaml"
check "a command-line flag overrides the file" \
	expect_exit 0 "$JS" probe -i 0.05 --config "$TMP/c.yaml" --sysfs-root /sys

cfg "source: [powercap, model]" "probe:" "  interval: 0.05"
check "a list value becomes a comma-separated option" \
	bash -c '"$0" probe --json --config "$1" --source nope,x 2>&1 | grep "unknown source .nope." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ] &&
		"$0" probe --config "$1" 2>&1 | grep -qE "(--source \(powercap,model\))|(energy from .*model)"' "$JS" "$TMP/c.yaml"
check "jq refuses empty input (so JSON checks can fail)" \
	bash -c '! printf "" | jq -e . 2>/dev/null' 

cfg "probe:" "  json: true" "  frobnicate: 3"
check "an unknown key is a usage error naming file, line and key" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:3: unknown key .frobnicate." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "source: powercap" "model-max-watts: lots"
check "a bad value is a usage error naming file and line" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:2: --model-max-watts: .lots." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "json: true"
check "a verb's option at the top level says where it belongs" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:1: .json. is an option of .joulestat probe. only: put it under .probe:." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "probe:" "  json: maybe"
check "a flag takes true or false" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:2: .json. takes true or false" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "probe:" "  interval: [0.1" "source: x"
check "malformed YAML is a usage error with its line" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep -E "c.yaml:[0-9]+: not valid YAML" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "- just" "- a list"
check "a document that is not a mapping is refused" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:1: expected a mapping" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "probe: 3"
check "a verb section must be a mapping" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:1: .probe. holds the options" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "? [a]" ": 1"
check "a key that is not a name is refused, at the top level" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:1: expected an option name" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

cfg "probe:" "  json: true" "  ? [a]" "  : 1"
check "a key that is not a name is refused, in a verb section" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:3: expected an option name" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

# YAML leaves a key given twice undefined, and libyaml passes both: one would win silently.
cfg "source: powercap" "probe:" "  json: true" "source: model"
check "a common option given twice is refused naming file, line and key" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:4: .source. is given twice (first on line 1)" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"
cfg "probe:" "  json: true" "  interval: 0.05" "  json: false"
check "a verb's option given twice in its section is refused" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:4: .json. is given twice (first on line 2)" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"
cfg "run:" "  repeat: 2" "  repeat: 3"
check "an option given twice in another verb's section is refused too" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:3: .repeat. is given twice (first on line 2)" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"
cfg "probe:" "  json: true" "source: powercap" "probe:" "  interval: 0.05"
check "a verb section given twice is refused" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:4: .probe. is given twice (first on line 1)" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"
cfg "probe:" "  json: true" "---" "source: powercap"
check "a second YAML document is refused naming file and line" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "c.yaml:3: a second YAML document" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"
cfg "---" "probe:" "  json: true" "  interval: 0.05" "..."
check "one document with its explicit markers is fine" \
	bash -c '"$0" probe --config "$1" | jq -e ".format == \"joulestat-probe\""' "$JS" "$TMP/c.yaml"

cfg "config: /etc/other.yaml"
check "a file cannot include another" \
	bash -c '"$0" probe --config "$1" 2>&1 | grep "unknown key .config." >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS" "$TMP/c.yaml"

check "a missing --config file is a usage error naming it" \
	bash -c '"$0" probe --config /nonexistent/j.yaml 2>&1 | grep "/nonexistent/j.yaml: No such file" >/dev/null; [ ${PIPESTATUS[0]} -eq 2 ]' "$JS"

: >"$TMP/empty.yaml"
check "an empty file is fine" expect_exit 0 "$JS" probe -i 0.05 --config "$TMP/empty.yaml"
check "--no-config is accepted" expect_exit 0 "$JS" probe -i 0.05 --no-config

done_testing
