#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# version.sh SRCDIR VERSION: the version joulestat reports. VERSION is the
# meson project version (the one place it is set); in a git checkout it gets
# git describe's suffix: "-N-gHASH" past a tag vVERSION, "-gHASH" where no
# such tag exists, and "-dirty" for uncommitted changes. Outside a checkout
# (a release tarball, a package build) it is VERSION alone.
src=$1 version=$2
if [ -e "$src/.git" ] && desc=$(git -C "$src" describe --tags --always --dirty --abbrev=12 \
	--match "v$version" 2>/dev/null); then
	case $desc in
	"v$version") echo "$version" ;;
	"v$version"-*) echo "$version-${desc#"v$version"-}" ;;
	*) echo "$version-g$desc" ;;
	esac
else
	echo "$version"
fi
