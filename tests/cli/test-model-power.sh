#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-model-power.sh - a modelled power never exceeds the model's full-load
# power, first interval included: with idle = full load = 7 W the model's
# power is constant, so every interval must be 7 W × its length (never more,
# and less only by the model's rounding to whole µJ), whatever the interval
# and however long the collector took to start; with 3 to 7 W no interval
# may exceed 7 W.
. "$(dirname "$0")/tap.sh"

MODEL=(--source model --no-config)

# within_7w FILE: every interval's host delta at most 7 W × its length, and
# at most 0.01 % + 2 µJ below it (the model rounds to whole µJ).
within_7w() {
	jq -se '.[1:] | length >= 3 and all(.[];
		((.end_ns - .start_ns) * 7000 / 1000000) as $want |
		.host.delta_uj <= $want and .host.delta_uj >= $want * 0.9999 - 2)' "$1" || {
		jq -c 'select(.seq) | [.seq, .host.delta_uj, (.end_ns - .start_ns) * 7000 / 1000000]' "$1"
		return 1
	}
}

# at_most_7w FILE: no interval's host delta above 7 W × its length.
at_most_7w() {
	jq -se '.[1:] | length >= 3 and all(.[];
		.host.delta_uj * 1000000 <= (.end_ns - .start_ns) * 7000)' "$1" || {
		jq -c 'select(.seq) | [.seq, .host.delta_uj, (.end_ns - .start_ns) * 7000 / 1000000]' "$1"
		return 1
	}
}

export -f within_7w at_most_7w
export TMP

for act in proc auto; do
	for i in 0.05 0.2 0.5; do
		d=$(awk -v i="$i" 'BEGIN { print i * 4 }')
		check "record -i $i --activity $act, constant 7 W model: every interval (the first too) is 7 W × its length" \
			bash -c '"$0" record "${@:4}" --model-idle-watts 7 --model-max-watts 7 --activity "$1" \
				-i "$2" -d "$3" -o "$TMP/c.jsonl" && within_7w "$TMP/c.jsonl"' \
			"$JS" "$act" "$i" "$d" "${MODEL[@]}"
	done
done
check "record -i 0.2, model 3 to 7 W: no interval above 7 W, the first included" \
	bash -c '"$0" record "${@:1}" --model-idle-watts 3 --model-max-watts 7 -i 0.2 -d 1 -o "$TMP/v.jsonl" &&
		at_most_7w "$TMP/v.jsonl"' "$JS" "${MODEL[@]}"

# top's first frame: the host power and the package's, at most the model's 7 W.
first_frame_at_most_7w() {
	"$JS" top --batch -n 2 -i 0.2 "${MODEL[@]}" --model-idle-watts 3 --model-max-watts 7 >"$TMP/top.out" &&
		awk '/^joulestat top/ { n++ } n == 1 && /^host / {
			seen = 1; w = $2; if ($3 == "mW") w /= 1000
			if (w > 7.005) { print "first frame: host " $2 " " $3 " above 7 W"; bad = 1 }
		} END { exit !(seen && !bad) }' "$TMP/top.out" || { cat "$TMP/top.out"; return 1; }
}
check "top: the first frame's host power is at most the model's 7 W" first_frame_at_most_7w

done_testing
