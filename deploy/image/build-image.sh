#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
#
# build-image.sh - the joulestat container image, from Debian packages and
# this project's build, with no registry: mmdebstrap makes a Debian root
# (the essential packages and the libraries joulestat links, no apt, no
# documentation), joulestat goes on top, and `podman import` turns the
# root into an image.
#
#   deploy/image/build-image.sh [--build-dir DIR | --destdir DIR | --debs DIR]
#                               [--tag NAME] [--cache DIR] [--mirror URL]
#
#   --build-dir DIR  a meson build directory: installed with
#                    `meson install --destdir` (the default: build/)
#   --destdir DIR    a tree `meson install --destdir DIR` already made
#   --debs DIR       joulestat's Debian packages (*.deb) instead: apt
#                    installs them with their dependencies
#   --tag NAME       the image's name (default localhost/joulestat:latest)
#   --cache DIR      keep the Debian root there, keyed by what it holds, and
#                    reuse it (default: none; the tests keep one)
#   --mirror URL     the Debian mirror (default: the one apt uses here, else
#                    http://deb.debian.org/debian)
#
# The image runs `joulestat serve` on 0.0.0.0:9877. How to run it with the
# least privilege (capabilities, mounts, host PID namespace) is in
# docs/CONTAINERS.md. Prints the image's size when done.
set -euo pipefail

usage() { sed -n '/^#   deploy/,/^# docs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "build-image: $*" >&2; exit 1; }

src=$(cd "$(dirname "$0")/../.." && pwd)
build_dir="" destdir="" debs="" cache="" mirror=""
tag=localhost/joulestat:latest
suite=bookworm
# Bumped whenever the mmdebstrap command below changes: the cached roots are keyed by it.
recipe=essential-merged-usr-nodoc-1
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build_dir=${2:?}; shift 2 ;;
	--destdir) destdir=${2:?}; shift 2 ;;
	--debs) debs=${2:?}; shift 2 ;;
	--tag) tag=${2:?}; shift 2 ;;
	--cache) cache=${2:?}; shift 2 ;;
	--mirror) mirror=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "build-image: unknown argument '$1'" >&2; usage ;;
	esac
done
given=0
for v in "$build_dir" "$destdir" "$debs"; do [ -n "$v" ] && given=$((given + 1)); done
[ "$given" -le 1 ] || die "give one of --build-dir, --destdir and --debs"
[ -z "$build_dir$destdir$debs" ] && build_dir=$src/build
for tool in mmdebstrap podman tar; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing (Debian: apt-get install mmdebstrap podman)"
done
[ "$(id -u)" -eq 0 ] || die "run as root: mmdebstrap and podman import need it here"
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources \
		2>/dev/null | head -1)
	mirror=${mirror:-http://deb.debian.org/debian}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/joulestat-image-XXXXXX")
trap 'rm -rf "$work"' EXIT

# What goes on top of Debian: an installed tree, or packages.
includes=()
if [ -n "$build_dir" ]; then
	[ -f "$build_dir/build.ninja" ] || die "$build_dir is not a meson build directory"
	destdir=$work/destdir
	meson install -C "$build_dir" --destdir "$destdir" --no-rebuild >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log" >&2; die "meson install from $build_dir failed"; }
fi
if [ -n "$destdir" ]; then
	[ -d "$destdir" ] || die "$destdir is not a directory"
	bin=$(find "$destdir" -path '*/bin/joulestat' -type f | head -1)
	[ -n "$bin" ] || die "no bin/joulestat under $destdir: is it a 'meson install --destdir' tree?"
	# The Debian packages of the libraries its programs and libraries need
	# (as this bookworm host resolves them: the image is bookworm too).
	mapfile -t pkgs < <(
		find "$destdir" -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
			xargs -0 -r readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
			sort -u | grep -v '^libjoulestat\.so' |
			while read -r lib; do
				path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x86_64/ {print $NF; exit}')
				[ -n "$path" ] || { echo "build-image: $lib: not on this host" >&2; exit 1; }
				dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path"
			done | cut -d: -f1 | sort -u)
	[ ${#pkgs[@]} -gt 0 ] || die "found no library that joulestat needs under $destdir"
	includes=("${pkgs[@]}")
else
	[ -d "$debs" ] || die "$debs is not a directory"
	for d in "$debs"/*.deb; do
		[ -e "$d" ] || die "no .deb under $debs"
		includes+=("$(readlink -f "$d")")
	done
fi

# The Debian root: essential packages plus those, no documentation, merged /usr.
key=$(printf '%s\n' "$recipe" "$suite" "$mirror" "${includes[@]}" | sha256sum | cut -c1-16)
base=$work/base.tar
if [ -n "$cache" ] && [ -s "$cache/debian-$key.tar" ]; then
	base=$cache/debian-$key.tar
	echo "build-image: Debian root from $base"
else
	echo "build-image: mmdebstrap $suite from $mirror with ${includes[*]##*/}"
	mmdebstrap --variant=essential --quiet \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--include="$(IFS=,; echo "${includes[*]}")" \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*' \
		--customize-hook='rm -rf "$1"/var/cache/apt "$1"/var/lib/apt/lists "$1"/var/log/*' \
		"$suite" "$base" "deb $mirror $suite main" \
		"deb ${mirror%/debian}/debian-security $suite-security main" >"$work/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log above)"; }
	if [ -n "$cache" ]; then
		mkdir -p "$cache"
		cp "$base" "$cache/debian-$key.tar.tmp" && mv "$cache/debian-$key.tar.tmp" "$cache/debian-$key.tar"
		base=$cache/debian-$key.tar
	fi
fi

root=$work/root
mkdir "$root"
tar -C "$root" -xf "$base"
if [ -n "$destdir" ]; then
	tar -C "$destdir" -c . | tar -C "$root" -x --no-same-owner
	ldconfig -r "$root"
fi
mkdir -p "$root/etc/joulestat" "$root/var/lib/joulestat"
tar -C "$root" --numeric-owner -c . |
	podman import \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENTRYPOINT ["joulestat"]' \
		--change 'CMD ["serve", "--listen", "0.0.0.0:9877"]' \
		--change 'EXPOSE 9877/tcp' \
		--change 'LABEL org.opencontainers.image.title=joulestat' \
		--change "LABEL org.opencontainers.image.description=Energy per process, container and pod" \
		--change 'LABEL org.opencontainers.image.licenses=LGPL-2.1-or-later OR BSD-2-Clause' \
		- "$tag" >"$work/import.log" 2>&1 ||
	{ cat "$work/import.log" >&2; die "podman import failed"; }
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "build-image: $tag, $((size / 1000000)) MB"
