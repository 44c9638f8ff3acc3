#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-gpu-views.sh - GPU energy per process through the views: top's GPU W
# column and GPUs header line, record keeping each GPU ledger's gpu-* status,
# its sampled flag and (--raw) the split's inputs, replay giving the file back
# byte for byte and re-running the GPU split under another idle power, report
# charting the GPU domain, and run charging a command's tree its share of a
# GPU it shares with another process. NVML is the test double, scripted.
. "$(dirname "$0")/tap.sh"
DOUBLE=${JOULESTAT_NVML_DOUBLE:?JOULESTAT_NVML_DOUBLE is not set: run through meson test}
export JOULESTAT_NVML_LIB=$DOUBLE
export JOULESTAT_NVML_SCRIPT=$TMP/nvml.script

# Two processes of ours on GPU 0, A at 75 % SM and B at 25 %, each waking
# every 20 ms so that it runs on a CPU in every interval. The H100's counter
# grows at 10 W of real time and every utilisation reading has a fresh
# sample for each (the double's energy_rate_mw and sample_each_read): in
# every interval, however long a loaded machine makes it, gpu0 moved and A's
# share is exactly 3/4 of its ΔE (a multiple of 1 mJ = 1000 µJ), B's 1/4, and
# nothing is idle (no idle power is known).
bash -c 'while :; do sleep 0.02; done' &
A=$!
bash -c 'while :; do sleep 0.02; done' &
B=$!
trap 'kill $A $B 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
{
	printf 'dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 1000000\ndev 0 energy_rate_mw 10000\n'
	printf 'dev 0 compute %d 1048576\ndev 0 compute %d 1048576\n' "$A" "$B"
	printf 'dev 0 sample_each_read %d 75 10\ndev 0 sample_each_read %d 25 5\n' "$A" "$B"
} >"$JOULESTAT_NVML_SCRIPT"

# ---- top
"$JS" top -n 2 --batch -i 0.6 --activity proc >"$TMP/top.out" 2>"$TMP/top.err"
echo $? >"$TMP/top.rc"
# The last frame (frames end with a blank line).
awk -v RS= 'END {print}' "$TMP/top.out" >"$TMP/frame"
# PID -> the row's GPU W in watts, and half a unit of its last shown digit (three are shown)
col() {
	awk -v p="$1" '$1 == p { v = $(NF - 5); u = $(NF - 4); sub(/\*$/, "", u)
		s = u == "mW" ? 1e-3 : u == "uW" ? 1e-6 : 1
		h = (v >= 100 ? 0.5 : v >= 10 ? 0.05 : 0.005) * s
		print v * s " " h }' "$TMP/frame"
}
check "top with a GPU: exits 0" test "$(cat "$TMP/top.rc")" = 0
check "top: a GPU W column after W" grep -qE "^ +PID USER +COMMAND +\[W\] +GPU W +J +CPU% +SHARE$" "$TMP/frame"
check "top: a GPUs line naming gpu0, its power, its split and that it is sampled" \
	grep -qE "^GPUs \(split by GPU activity, ~ sampled\): gpu0 [0-9.]+ m?W busy~$" "$TMP/frame"
# Each figure is shown to three digits: the checks allow what their rounding can hide.
check "top: A's GPU W is three times B's, and both are above 0" \
	bash -c 'echo "A=$1 B=$2"; awk -v a="$1" -v b="$2" "BEGIN {split(a, x, \" \"); split(b, y, \" \")
		d = x[1] - 3 * y[1]; tol = x[2] + 3 * y[2] + 0.001; exit !(y[1] > 0 && d < tol && d > -tol)}"' _ "$(col $A)" "$(col $B)"
check "top: A and B together draw gpu0's power" \
	bash -c 'g=$(grep -oE "gpu0 [0-9.]+ W busy" "$0" | cut -d" " -f2); echo "gpu0=$g A=$1 B=$2";
		awk -v g="$g" -v a="$1" -v b="$2" "BEGIN {split(a, x, \" \"); split(b, y, \" \")
			d = x[1] + y[1] - g; tol = x[2] + y[2] + 0.006; exit !(g > 0 && d < tol && d > -tol)}"' \
	"$TMP/frame" "$(col $A)" "$(col $B)"
check "top: every other row has no GPU energy" \
	bash -c 'awk -v a="$1" -v b="$2" "NR > 1 && \$1 ~ /^[0-9]+\$/ && \$1 != a && \$1 != b && (\$(NF - 5) != \"0\" || \$(NF - 4) != \"W\") {print; bad = 1} END {exit bad}" "$0"' \
	"$TMP/frame" "$A" "$B"
check "top without a GPU has no GPU W column and no GPUs line" \
	bash -c 'JOULESTAT_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "$0" top -n 1 --batch -i 0.2 --activity proc >"$1/nogpu.out" &&
		grep -qE "^ +PID USER +COMMAND +\[W\] +J +CPU%" "$1/nogpu.out" && ! grep -q "GPU" "$1/nogpu.out"' "$JS" "$TMP"
# The AMD cards' meters with this machine's /proc: no DRM client holds them, so all is idle.
check "top over the AMD cards: both in the GPUs line, idle, and no row has GPU energy" \
	bash -c 'JOULESTAT_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "$0" top -n 2 --batch -i 0.3 --activity proc \
		--sysfs-root "$1/gpu-amd/sys" >"$2/amd.out" && awk -v RS= "END {print}" "$2/amd.out" >"$2/amd.frame" &&
		grep -qE "^GPUs .*: gpu0 [0-9.]+ W idle gpu1 [0-9.]+ W idle$" "$2/amd.frame" &&
		grep -qE "^ +PID USER +COMMAND +\[W\] +GPU W " "$2/amd.frame" &&
		awk "\$1 ~ /^[0-9]+\$/ {n++; if (\$(NF - 5) != \"0\" || \$(NF - 4) != \"W\") bad = 1} END {exit bad || !n}" "$2/amd.frame"' \
	"$JS" "$DATA" "$TMP"

# ---- serve: the GPU domain and each process's GPU joules, in the file for PCP
serve_gpu() {
	local om=$TMP/gpu.om pid a b
	"$JS" serve --listen 127.0.0.1:0 --openmetrics-file "$om" -i 0.5 --group process \
		--top 1000 --activity proc >/dev/null 2>"$TMP/serve.err" &
	pid=$!
	# Two intervals after the first one, which has no earlier reading.
	for _ in $(seq 100); do
		[ -s "$om" ] && [ "$(grep -c '^joulestat_domain_energy_joules_total{domain="gpu0"' "$om")" = 1 ] &&
			awk '/^joulestat_domain_energy_joules_total\{domain="gpu0"/ {exit !($2 > 0.5)}' "$om" && break
		sleep 0.1
	done
	# serve removes its file when it stops: read a copy
	cp "$om" "$om.kept"
	kill "$pid"
	wait "$pid" 2>/dev/null
	om=$om.kept
	grep '^joulestat_domain_energy_joules_total{domain="gpu0",kind="gpu",.*source="nvml"' "$om" || return 1
	a=$(grep -E "^joulestat_group_domain_energy_joules_total\{domain=\"gpu0\",pid=\"$A\"" "$om" | awk '{print $2}')
	b=$(grep -E "^joulestat_group_domain_energy_joules_total\{domain=\"gpu0\",pid=\"$B\"" "$om" | awk '{print $2}')
	echo "A=$a J B=$b J"
	# 75 % and 25 % of the busy share: A's joules are three times B's.
	awk -v a="$a" -v b="$b" 'BEGIN {exit !(b > 0 && a > 2.9 * b && a < 3.1 * b)}'
}
check "serve: gpu0's counter from NVML, and A's GPU joules three times B's" serve_gpu

# ---- record --raw, replay, report
"$JS" record --raw -o "$TMP/r.jsonl" -i 0.4 -d 2 --activity proc 2>"$TMP/rec.err"
echo $? >"$TMP/rec.rc"
G=$(jq -r '[.domains[] | .name] | index("gpu0")' <(head -1 "$TMP/r.jsonl"))
# The intervals (after the first: its counters had no earlier reading) where A and B both ran.
moved() {
	tail -n +3 "$TMP/r.jsonl" | jq -c --argjson g "$G" --argjson a "$A" --argjson b "$B" \
		'select([.rows[][0]] | index($a) != null and index($b) != null) | {d: .domains[$g], a: ([.rows[] | select(.[0] == $a)][0][5][$g]), b: ([.rows[] | select(.[0] == $b)][0][5][$g]), raw: .raw.gpu}'
}
check "record with a GPU exits 0, gpu0 a GPU domain of the header" \
	bash -c 'test "$(cat "$1")" = 0 && head -1 "$0" | jq -e ".domains[] | select(.name == \"gpu0\") | .kind == \"gpu\" and .in_total == false"' \
	"$TMP/r.jsonl" "$TMP/rec.rc"
check "record: every gpu0 ledger says how it was split (gpu-*) and that it was sampled" \
	bash -c 'tail -n +2 "$0" | jq -se --argjson g "$1" "length >= 4 and all(.domains[\$g] | (.status | startswith(\"gpu-\")) and .sampled == true)"' \
	"$TMP/r.jsonl" "$G"
check "record: the CPU domains keep their CPU split statuses, with no sampled member" \
	bash -c 'tail -n +2 "$0" | jq -se --argjson g "$1" "[.[].domains | to_entries[] | select(.key != \$g) | .value | (.status == \"split\" or .status == \"no-time\") and (has(\"sampled\") | not)] | length > 0 and all"' \
	"$TMP/r.jsonl" "$G"
moved >"$TMP/moved"
check "record: gpu0 moved in at least two intervals with A and B" test "$(jq -s 'map(select(.d.delta_uj > 0)) | length' "$TMP/moved")" -ge 2
check "record: A gets exactly 3/4 of gpu0's ΔE, B 1/4, none idle (gpu-busy)" \
	jq -se 'map(select(.d.delta_uj > 0)) | all(.d.status == "gpu-busy" and .a * 4 == .d.delta_uj * 3 and .b * 4 == .d.delta_uj and .d.tasks_uj == .d.delta_uj and .d.idle_uj == 0)' "$TMP/moved"
check "record --raw keeps the GPU split's inputs: gpu0's index, A and B with their SM weights" \
	jq -se --argjson g "$G" --argjson a "$A" --argjson b "$B" \
	'all(.raw == [{domain: $g, idle_mw: 0, idle_known: false, procs_unknown: false, procs: ([[$a, 75], [$b, 25]] | sort | flatten)}])' "$TMP/moved"
check "replay gives the GPU recording back byte for byte" \
	bash -c '"$0" replay "$1/r.jsonl" -o "$1/rr.jsonl" && cmp "$1/r.jsonl" "$1/rr.jsonl"' "$JS" "$TMP"
# A static power of 1 W for gpu0: idle = 1000 mW × interval = interval_ns / 1000 µJ, the rest split 3:1.
printf 'joulestat-baseline 1\ngpu0 1000\n' >"$TMP/base"
check "replay --idle baseline re-runs the GPU split: 1 W × interval idle, the rest 3:1" \
	bash -c '"$0" replay "$1/r.jsonl" --idle baseline --baseline "$1/base" -o "$1/rb.jsonl" &&
		tail -n +3 "$1/rb.jsonl" | jq -se --argjson g "$2" --argjson a "$3" --argjson b "$4" "map(select(.domains[\$g].delta_uj > 0 and ([.rows[][0]] | index(\$a) != null and index(\$b) != null)) | {n: (.end_ns - .start_ns), d: .domains[\$g], a: ([.rows[] | select(.[0] == \$a)][0][5][\$g]), b: ([.rows[] | select(.[0] == \$b)][0][5][\$g])}) |
			length >= 2 and all(.d.idle_uj == ([(.n / 1000 | floor), .d.delta_uj] | min) and .d.tasks_uj == .d.delta_uj - .d.idle_uj and .a + .b == .d.tasks_uj and ((.a - 3 * .b) | fabs) <= 4 and .d.status == \"gpu-busy\" and .d.sampled)"' \
	"$JS" "$TMP" "$G" "$A" "$B"
# The same 1 W from --baseline under the separate policy: the GPU split takes it as the
# idle power all the same, and the header keeps it so that replay does too.
check "record --baseline (gpu0 1 W) under --idle separate: 1 W × interval idle, and replay agrees byte for byte" \
	bash -c '"$0" record --raw -o "$1/rs.jsonl" -i 0.4 -d 1.6 --activity proc --idle separate --baseline "$1/base" &&
		head -1 "$1/rs.jsonl" | jq -e --argjson g "$2" ".domains[\$g].static_mw == 1000 and .options.idle == \"separate\"" &&
		tail -n +3 "$1/rs.jsonl" | jq -se --argjson g "$2" "map(select(.domains[\$g].delta_uj > 0) | {n: (.end_ns - .start_ns), d: .domains[\$g]}) |
			length >= 1 and all(.d.idle_uj == ([(.n / 1000 | floor), .d.delta_uj] | min) and .d.idle_uj > 0)" &&
		"$0" replay "$1/rs.jsonl" -o "$1/rsr.jsonl" && cmp "$1/rs.jsonl" "$1/rsr.jsonl"' "$JS" "$TMP" "$G"
# A file without the GPU inputs (as written before they were kept) still reads; replay leaves gpu0 unattributed.
sed -e 's/,"gpu":\[[^]]*\]}\]//' -e 's/"sampled":true,//g' "$TMP/r.jsonl" >"$TMP/old.jsonl"
check "report --svg: the gpu0 chart says its shares are sampled, the host chart does not" \
	bash -c '"$0" report "$1/r.jsonl" --svg "$1/r.svg" && xmllint --noout "$1/r.svg" &&
		grep -q ">gpu0 (whole machine, gpu) — shares from sampled GPU utilisation<" "$1/r.svg" &&
		! grep -q ">Host total[^<]*sampled" "$1/r.svg"' "$JS" "$TMP"
check "a raw file without GPU inputs still reads; replay leaves gpu0 whole and unattributed" \
	bash -c '! grep -q "\"gpu\":\[" "$1/old.jsonl" && "$0" report "$1/old.jsonl" >/dev/null && "$0" replay "$1/old.jsonl" -o "$1/ro.jsonl" &&
		tail -n +2 "$1/ro.jsonl" | jq -se --argjson g "$2" "all(.domains[\$g] | .status == \"skipped\" and .unattributed_uj == .delta_uj)"' \
	"$JS" "$TMP" "$G"
check "a bad raw.gpu is refused naming it" \
	bash -c 'sed "3s/\"domain\":$2,/\"domain\":99,/" "$1/r.jsonl" >"$1/bad.jsonl" && ! "$0" replay "$1/bad.jsonl" 2>"$1/bad.err" &&
		grep -q "bad.jsonl:3: raw.gpu\[0\].domain: 99 is not a GPU domain of the header" "$1/bad.err"' "$JS" "$TMP" "$G"
check "report charts gpu0, says its shares are sampled, with A at 75 % and B at 25 % of what they shared" \
	bash -c '"$0" report "$1/r.jsonl" --top 5 >"$1/rep.txt" && grep -qE "^gpu0 \(whole machine, gpu\): .*, shares from sampled GPU utilisation$" "$1/rep.txt" &&
		awk "/^gpu0 \(whole machine, gpu\): /{f=1; next} f && !NF {exit} f" "$1/rep.txt" >"$1/gpu0.txt" &&
		cat "$1/gpu0.txt" && grep -qE "^  bash \($2\) .* 7[45]\.[0-9] %$" "$1/gpu0.txt" && grep -qE "^  bash \($3\) .* 2[45]\.[0-9] %$" "$1/gpu0.txt"' \
	"$JS" "$TMP" "$A" "$B"

# ---- run: the command's tree is charged its share of a GPU it shares with B
run_shared() {
	local s=$TMP/run.script
	printf 'dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 2000000\n' >"$s"
	JOULESTAT_NVML_SCRIPT=$s "$JS" run --activity proc -o "$TMP/run.json" -- \
		sh -c 'printf "dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 2002000\ndev 0 compute $$ 0\ndev 0 compute $1 0\ndev 0 sample $$ 5 75 0\ndev 0 sample $1 5 25 0\n" >"$0"; sleep 0.4' "$s" "$B" \
		>"$TMP/run.txt" 2>&1 || { cat "$TMP/run.txt"; return 1; }
	jq -e '.runs[0].domains[] | select(.name == "gpu0") | .energy_uj == 1500000 and .in_host_total == false' "$TMP/run.json" &&
		grep -qE "^ +1\.500000 J  gpu0" "$TMP/run.txt"
}
check "run: a command sharing the GPU with another process is charged its 3/4 of the 2 J" run_shared

# ---- NVML refuses both process lists: nothing to split by, and not idle either
unknown_procs() {
	local s=$TMP/np.script
	{
		printf 'dev 0 name NVIDIA H100 80GB HBM3\ndev 0 energy_mj 1000000\ndev 0 energy_rate_mw 10000\n'
		printf 'dev 0 fail nvmlDeviceGetComputeRunningProcesses_v3 NO_PERMISSION\n'
		printf 'dev 0 fail nvmlDeviceGetGraphicsRunningProcesses_v3 NO_PERMISSION\n'
	} >"$s"
	JOULESTAT_NVML_SCRIPT=$s "$JS" record --raw -o "$TMP/np.jsonl" -i 0.3 -d 1.2 --activity proc || return 1
	tail -n +3 "$TMP/np.jsonl" | jq -se --argjson g "$G" 'length >= 2 and any(.domains[$g].delta_uj > 0) and
		all(.domains[$g] | .status == "gpu-no-activity" and .unattributed_uj == .delta_uj) and
		all(.raw.gpu == [{domain: $g, idle_mw: 0, idle_known: false, procs_unknown: true, procs: []}])' &&
		"$JS" replay "$TMP/np.jsonl" -o "$TMP/npr.jsonl" && cmp "$TMP/np.jsonl" "$TMP/npr.jsonl"
}
check "record: no process list leaves gpu0 unattributed (gpu-no-activity), and replay agrees byte for byte" unknown_procs

done_testing
