#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# run-fuzzer.sh TARGET CORPUS_DIR SECONDS - a bounded libFuzzer run that
# starts from the committed corpus without writing into it. A crash leaves
# its input in $FUZZ_ARTIFACTS (default: the build directory) and fails
# (libFuzzer exits 77 on a crash by default, which meson reads as a skip).
set -eu
target=$1 corpus=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/joulestat-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$(dirname "$target")}
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-error_exitcode=1 \
	-artifact_prefix="$artifacts/crash-$(basename "$target")-" "$work" "$corpus"
