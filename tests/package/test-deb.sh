#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-deb.sh - the Debian packages alone are enough on a fresh machine:
# dpkg-buildpackage builds joulestat, libjoulestat0 and libjoulestat-dev from
# a copy of the source tree; lintian finds no error in them; then they are
# installed with apt (which brings their Depends from Debian's mirror) into a
# fresh bookworm root made by debootstrap --variant=minbase, where joulestat
# probe, a short record (eBPF on the running kernel's BTF) and run -- true
# must work. The root is made once per build directory and kept as a tarball
# (JOULESTAT_DEB_CACHE, default BUILDDIR/package-cache); debootstrap runs
# while the packages build. Skips when Debian's mirror cannot be reached.
. "$(dirname "$0")/../integration/lib.sh"
require dpkg-buildpackage debootstrap lintian chroot
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP debootstrap and chroot need root"
	exit 77
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
CACHE=${JOULESTAT_DEB_CACHE:-$BUILDDIR/package-cache}
ROOT_TAR=$CACHE/bookworm-minbase.tar
MIRROR=${JOULESTAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"

if ! curl -sf -o /dev/null --max-time 15 "$MIRROR/dists/bookworm/Release"; then
	echo "1..0 # SKIP Debian's mirror $MIRROR cannot be reached: no fresh root to install into"
	exit 77
fi

# The fresh root, in the background while the packages build.
if [ ! -s "$ROOT_TAR" ]; then
	bg bash -c 'set -e; d=$(mktemp -d "$0.XXXXXX")
		trap "rm -rf \"$d\"" EXIT
		nice debootstrap --variant=minbase bookworm "$d/root" "$1" >"$0.log" 2>&1
		tar -C "$d/root" -cf "$0.tmp" . && mv "$0.tmp" "$0"' "$ROOT_TAR" "$MIRROR"
	DEBOOTSTRAP=$BG
fi

# The source tree as git sees it (committed or not, ignored files left out), in a scratch copy:
# dpkg-buildpackage writes into it and next to it.
mkdir -p "$TMP/deb/src"
(cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "$TMP/deb/src" -xf -
check "dpkg-buildpackage -us -uc -b builds the packages" \
	bash -c 'cd "$0/deb/src" && nice dpkg-buildpackage -us -uc -b >"$0/deb/build.log" 2>&1 || { tail -n 40 "$0/deb/build.log"; exit 1; }' "$TMP"
check "... joulestat, libjoulestat0 and libjoulestat-dev" \
	bash -c 'for p in joulestat libjoulestat0 libjoulestat-dev; do ls "$0"/deb/${p}_*.deb >/dev/null || exit 1; done' "$TMP"
check "the packages hold what a user needs where Debian looks for it" \
	bash -c 'dpkg -c "$0"/deb/joulestat_*.deb | awk "{print \$6}" >"$0/c.txt"; dpkg -c "$0"/deb/libjoulestat0_*.deb | awk "{print \$6}" >>"$0/c.txt"
		dpkg -c "$0"/deb/libjoulestat-dev_*.deb | awk "{print \$6}" >>"$0/c.txt"
		for f in ./usr/bin/joulestat ./lib/systemd/system/joulestat.service ./lib/systemd/system/joulestat.socket ./etc/joulestat/config.yaml \
			./usr/lib/sysusers.d/joulestat.conf ./usr/lib/tmpfiles.d/joulestat.conf ./lib/udev/rules.d/60-joulestat.rules \
			./usr/share/bash-completion/completions/joulestat ./usr/share/man/man1/joulestat.1.gz \
			./var/lib/pcp/pmdas/openmetrics/config.d/joulestat.url ./var/lib/pcp/config/pmlogconf/joulestat/joulestat \
			./usr/share/joulestat/grafana/dashboards/joulestat-machine.json ./usr/include/joulestat.h \
			./usr/lib/x86_64-linux-gnu/pkgconfig/libjoulestat.pc ./usr/share/man/man3/libjoulestat.3.gz; do
			grep -qxF "$f" "$0/c.txt" || { echo "missing $f"; exit 1; }; done
		grep -q "^./usr/lib/.*/libjoulestat.so.0" "$0/c.txt"' "$TMP"
check "libjoulestat0 depends on libcurl: container and pod names are in the package" \
	bash -c 'dpkg-deb -f "$0"/deb/libjoulestat0_*.deb Depends | grep -q "libcurl"' "$TMP"
echo "# packages built after ${SECONDS} s"
check "lintian reports no errors" \
	bash -c 'lintian --fail-on error "$0"/deb/joulestat_*.changes >"$0/lintian.txt" 2>&1; rc=$?; cat "$0/lintian.txt"; [ $rc = 0 ] && ! grep -q "^E:" "$0/lintian.txt"' "$TMP"

if [ -n "${DEBOOTSTRAP:-}" ]; then
	wait "$DEBOOTSTRAP" 2>/dev/null
fi
echo "# root ready after ${SECONDS} s"
check "debootstrap --variant=minbase bookworm made a fresh root (cached in $CACHE)" \
	bash -c '[ -s "$0" ] || { tail -n 20 "$0.log"; exit 1; }' "$ROOT_TAR"

# The root lives beside the cache, not in $TMP: it is removed only once nothing
# is mounted below it, and never across a file system (the bind mounts).
R=$CACHE/root.$$
mkdir -p "$R"
tar -C "$R" -xf "$ROOT_TAR"
umount_root() { local m; for m in dev sys proc; do umount -R -l "$R/$m" 2>/dev/null; done; }
remove_root() {
	umount_root
	if grep -q " $R/" /proc/self/mounts; then
		echo "# $R is still mounted: left in place" >&2
	else
		rm -rf --one-file-system "$R"
	fi
}
EXTRA_CLEANUP='remove_root'
mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys" &&
	mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/tmp/debs"
cp "$TMP"/deb/joulestat_*.deb "$TMP"/deb/libjoulestat0_*.deb "$R/tmp/debs/"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
export -f in_root
export R

check "the fresh root has no joulestat and none of its libraries" \
	bash -c '! in_root sh -c "command -v joulestat || ls /usr/lib/x86_64-linux-gnu/libbpf.so.1 /usr/lib/x86_64-linux-gnu/libmicrohttpd.so.12" 2>/dev/null'
check "apt-get installs the two packages, their Depends from the mirror" \
	bash -c 'in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/debs/*.deb" >"$0/apt.log" 2>&1 || { tail -n 30 "$0/apt.log"; exit 1; }' "$TMP"
check "... which made the service's user and group" \
	bash -c 'in_root getent passwd joulestat | grep -q ":/var/lib/joulestat:/usr/sbin/nologin$" && in_root getent group joulestat'
check "... and put the unit and the example configuration in place" \
	bash -c '[ -f "$R/lib/systemd/system/joulestat.service" ] && [ -f "$R/etc/joulestat/config.yaml" ]'
check "joulestat probe works in the fresh root and says the package's version" \
	bash -c 'in_root joulestat probe >"$0/probe.txt" 2>&1 || { cat "$0/probe.txt"; exit 1; }
		v=$(dpkg-deb -f "$0"/deb/joulestat_*.deb Version); head -n 1 "$0/probe.txt" | grep -qx "joulestat ${v%%-*}"' "$TMP"
check "a short record works there, with the eBPF collector on the running kernel" \
	bash -c 'in_root joulestat record -o /tmp/r.jsonl -d 1.5 -i 0.5 >"$0/rec.txt" 2>&1 || { cat "$0/rec.txt"; exit 1; }
		[ "$(wc -l <"$R/tmp/r.jsonl")" -ge 3 ] && grep -q "\"collector\":\"ebpf\"" "$R/tmp/r.jsonl"' "$TMP"
check "run -- true works there" \
	bash -c 'in_root joulestat run -- true >"$0/run.txt" 2>&1 || { cat "$0/run.txt"; exit 1; }' "$TMP"
remove_root
echo "# done after ${SECONDS} s"

done_testing
