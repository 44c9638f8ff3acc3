#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-rpm.sh - rpm/joulestat.spec builds with rpmbuild -bb --nodeps on this
# (Debian) machine from a tarball of the source tree, and rpmlint finds no
# error in the spec or the packages (with Fedora's rules: rpm/rpmlint.toml).
# It is not installed on Fedora here:
# docs/INSTALL.md says so.
. "$(dirname "$0")/../cli/tap.sh"
if ! command -v rpmbuild >/dev/null || ! command -v rpmlint >/dev/null; then
	echo "1..0 # SKIP rpmbuild or rpmlint is not installed (make check installs them)"
	exit 77
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SPEC=$SRC/rpm/joulestat.spec
VERSION=$(rpmspec -q --srpm --qf '%{version}' "$SPEC" 2>/dev/null)
PROJECT_VERSION=$(sed -n "s/^[[:space:]]*version : '\([0-9.]*\)',$/\1/p" "$SRC/meson.build" | head -n 1)
check "the spec's version is meson's project version ($PROJECT_VERSION)" test "$VERSION" = "$PROJECT_VERSION"

TOP=$TMP/rpmbuild
mkdir -p "$TOP/SOURCES"
(cd "$SRC" && git ls-files -co --exclude-standard -z |
	tar --null -T - --transform "s|^|joulestat-$VERSION/|" -czf "$TOP/SOURCES/joulestat-$VERSION.tar.gz")
check "rpmbuild -bb --nodeps builds joulestat, joulestat-libs and joulestat-devel" \
	bash -c 'nice rpmbuild -bb --nodeps --define "_topdir $0" "$1" >"$0/build.log" 2>&1 || { tail -n 40 "$0/build.log"; exit 1; }
		for p in joulestat joulestat-libs joulestat-devel; do ls "$0"/RPMS/*/$p-[0-9]*.rpm >/dev/null || { echo "no $p"; exit 1; }; done' \
	"$TOP" "$SPEC"
check "the packages hold the command, the unit, the library and its header" \
	bash -c 'rpm -qlp "$0"/RPMS/*/*.rpm 2>/dev/null >"$0/files.txt"
		for f in /usr/bin/joulestat /usr/lib/systemd/system/joulestat.service /usr/lib/systemd/system/joulestat.socket /etc/joulestat/config.yaml \
			/usr/lib/sysusers.d/joulestat.conf /var/lib/pcp/pmdas/openmetrics/config.d/joulestat.url \
			/usr/include/joulestat.h /usr/lib64/pkgconfig/libjoulestat.pc /usr/lib64/libjoulestat.so.0; do
			grep -qxF "$f" "$0/files.txt" || { echo "missing $f"; exit 1; }; done' "$TOP"
# rpm/rpmlint.toml leaves out the rules of other distributions that Fedora does not apply.
check "rpmlint (Fedora's rules) reports no errors in the spec and the packages" \
	bash -c 'rpmlint -c "$(dirname "$0")/rpmlint.toml" "$0" "$1"/RPMS/*/*.rpm >"$1/rpmlint.txt" 2>&1; cat "$1/rpmlint.txt"
		grep -qE "^ *[0-9]+ packages and [0-9]+ specfiles checked; 0 errors" "$1/rpmlint.txt"' "$SPEC" "$TOP"

done_testing
