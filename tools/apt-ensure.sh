#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# apt-ensure.sh PKG... - install the Debian packages that are missing, and
# only those (apt-get update once, only when something is missing).
set -eu
missing=""
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Without systemd as PID 1 (containers, CI sandboxes) some maintainer scripts
# fail on `systemctl daemon-reload` (pcp's does) and leave the package
# half-configured: there is no service manager to tell, so let that be a no-op.
# apt-get runs dpkg with its own PATH (DPkg::Path), not ours: set that one.
dpkg_path=/usr/sbin:/usr/bin:/sbin:/bin
if [ ! -d /run/systemd/system ]; then
	nosystemd=$(mktemp -d)
	printf '#!/bin/sh\nexit 0\n' >"$nosystemd/systemctl"
	chmod +x "$nosystemd/systemctl"
	dpkg_path=$nosystemd:$dpkg_path
	PATH=$nosystemd:$PATH
	trap 'rm -rf "$nosystemd"' EXIT
fi
# A package left half-configured by an earlier failed install is finished first.
dpkg --configure -a >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends -o "DPkg::Path=$dpkg_path" $missing >/dev/null
