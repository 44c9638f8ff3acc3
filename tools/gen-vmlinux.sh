#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# gen-vmlinux.sh - regenerate the pinned src/bpf/vmlinux/<arch>/vmlinux.h from
# a kernel's BTF. The header is committed and never generated at build time:
# CO-RE relocates field offsets at load, so one header serves every kernel
# that has the fields the program reads. Regenerate only to use new fields.
#
# Usage: tools/gen-vmlinux.sh [BTF-FILE [ARCH]]
#   BTF-FILE defaults to /sys/kernel/btf/vmlinux, ARCH to this machine's (x86, arm64, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')}
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: $btf is not readable: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2
	exit 1
fi
out=src/bpf/vmlinux/$arch/vmlinux.h
mkdir -p "$(dirname "$out")"
"$bpftool" btf dump file "$btf" format c >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf ($(uname -r))"
