#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-install.sh - `meson install --destdir` gives a user everything: the
# command, the library with its soname links, header and pkg-config file,
# every man page in docs/, the service (unit, sysusers.d, tmpfiles.d, udev
# rule), the commented example configuration, shell completion, PCP's
# pmlogconf group and pmda-openmetrics URL file, and the Grafana dashboards
# with their provisioning files, each pointing at the installed paths.
. "$(dirname "$0")/../cli/tap.sh"
skip_check() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
D=$TMP/root

check "meson install --destdir succeeds" meson install -C "$BUILDDIR" --destdir "$D" --no-rebuild --quiet
# The build's directories, as meson resolved them (prefix, bindir, ...).
dir() { meson introspect --buildoptions "$BUILDDIR" | command jq -r --arg n "$1" '.[] | select(.name == $n) | .value'; }
PREFIX=$(dir prefix)
abs() { case $1 in /*) echo "$1" ;; *) echo "$PREFIX/$1" ;; esac; }
BINDIR=$(abs "$(dir bindir)")
SYSCONFDIR=$(abs "$(dir sysconfdir)")
DATADIR=$(abs "$(dir datadir)")
one() { find "$D" -path "$D$1" \( -type f -o -type l \) | head -n 1 | grep -q .; }
has() { # DESCRIPTION PATTERN (absolute, may use * globs)
	check "installed: $1 ($2)" one "$2"
}

has "the command" "$BINDIR/joulestat"
has "the library" "$PREFIX/lib*/libjoulestat.so.0.*"
has "its soname link" "$PREFIX/lib*/libjoulestat.so.0"
has "its development link" "$PREFIX/lib*/libjoulestat.so"
has "the header" "$PREFIX/include/joulestat.h"
has "the pkg-config file" "$PREFIX/lib*/pkgconfig/libjoulestat.pc"
every_man_page() {
	local f bad=0 sec
	for f in "$SRC"/docs/*.[1-8]; do
		sec=${f##*.}
		[ -f "$D$(abs "$(dir mandir)")/man$sec/$(basename "$f")" ] || { echo "not installed: $f"; bad=1; }
	done
	return $bad
}
check "installed: every man page in docs/" every_man_page
has "the systemd unit" "*/systemd/system/joulestat.service"
has "its socket unit" "*/systemd/system/joulestat.socket"
has "the msr drop-in" "$DATADIR/joulestat/systemd/msr.conf"
has "the sysusers.d entry" "*/sysusers.d/joulestat.conf"
has "the tmpfiles.d entry" "*/tmpfiles.d/joulestat.conf"
has "the udev rule" "*/udev/rules.d/60-joulestat.rules"
has "the example configuration" "$SYSCONFDIR/joulestat/config.yaml"
has "bash completion" "$DATADIR/bash-completion/completions/joulestat"
has "zsh completion" "$DATADIR/zsh/site-functions/_joulestat"
has "the pmlogconf group" "*/pcp/config/pmlogconf/joulestat/joulestat"
has "the pmda-openmetrics URL file" "*/pcp/pmdas/openmetrics/config.d/joulestat.url"
for d in "$SRC"/data/grafana/dashboards/*.json; do
	has "dashboard $(basename "$d" .json)" "$DATADIR/joulestat/grafana/dashboards/$(basename "$d")"
done
has "Grafana's dashboard provisioning" "$DATADIR/joulestat/grafana/provisioning/dashboards/joulestat.yaml"
has "Grafana's data source provisioning" "$DATADIR/joulestat/grafana/provisioning/datasources/joulestat.yaml"

UNIT=$(find "$D" -path '*/systemd/system/joulestat.service' | head -n 1)
check "the unit runs the installed command's daemon with the installed configuration" \
	grep -qx "ExecStart=$BINDIR/joulestat daemon --config $SYSCONFDIR/joulestat/config.yaml --metrics --openmetrics-file /run/joulestat/joulestat.om" "$UNIT"
SOCKET=$(find "$D" -path '*/systemd/system/joulestat.socket' | head -n 1)
check "the socket unit listens where the clients look, for everyone; the service requires it" \
	bash -c 'grep -qx "ListenStream=$2" "$0" && grep -qx "SocketMode=0666" "$0" && grep -qx "Accept=no" "$0" &&
		grep -qx "Requires=joulestat.socket" "$1" && grep -qx "Also=joulestat.socket" "$1" &&
		grep -qx "RuntimeDirectoryPreserve=yes" "$1"' "$SOCKET" "$UNIT" \
	"$("$JS" daemon --help | sed -n 's/.*where to listen (default \(.*\));$/\1/p')"
check "the sysusers.d entry makes the unit's user" \
	bash -c 'u=$(sed -n "s/^User=//p" "$0") && grep -qE "^u $u " "$1"' "$UNIT" "$(find "$D" -path '*/sysusers.d/joulestat.conf')"
check "the URL file points at the unit's OpenMetrics file" \
	bash -c 'f=$(grep -o "/run/joulestat/[^ ]*\.om" "$0") && [ "$(head -n 1 "$1")" = "file://$f" ]' \
	"$UNIT" "$(find "$D" -path '*/config.d/joulestat.url')"
check "the dashboard provisioning points at the installed dashboards" \
	grep -q "path: $DATADIR/joulestat/grafana/dashboards$" "$D$DATADIR/joulestat/grafana/provisioning/dashboards/joulestat.yaml"

CONF=$D$SYSCONFDIR/joulestat/config.yaml
check "the example configuration sets nothing: every option line is a comment" \
	bash -c '! grep -vE "^[[:space:]]*(#|$)" "$0"' "$CONF"
# Every commented option, uncommented, is a valid key where it stands: probe
# checks the keys of every verb's section.
# (The baseline it names is written by calibrate on the machine; here, an empty one.)
printf 'joulestat-baseline 1\n' >"$TMP/base"
sed -E 's/^([[:space:]]*)#([a-z][-a-z]*:)/\1\2/' "$CONF" | sed "s|^baseline: .*|baseline: $TMP/base|" >"$TMP/all.yaml"
check "... and every commented option, uncommented, is one joulestat accepts" \
	bash -c 'grep -c "^ *[a-z-]*:" "$1" >/dev/null && "$0" probe --config "$1" --sysfs-root "$2/intel-2s/sys" --procfs-root "$2/intel-2s/proc" >/dev/null' \
	"$JS" "$TMP/all.yaml" "$DATA"

complete_words() { # WORDS...: what the installed bash completion offers for the last word
	PATH=$(dirname "$JS"):$PATH bash -c 'source /usr/share/bash-completion/bash_completion 2>/dev/null
		source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_joulestat joulestat "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}" 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"' "$D$DATADIR/bash-completion/completions/joulestat" "$@"
}
if [ -f /usr/share/bash-completion/bash_completion ]; then
	check "bash completion offers every verb of joulestat --help" \
		bash -c 'want=$("$0" --help | awk "/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print \$1 }" | sort)
			[ -n "$want" ] && [ "$want" = "$(echo "$1" | sort)" ]' "$JS" "$(complete_words joulestat '')"
	check "bash completion offers serve's options (--openmetrics-file) and --group's values" \
		bash -c 'grep -qx -- "--openmetrics-file" <<<"$0" && [ "$(echo $1)" = "cgroup container" ]' \
		"$(complete_words joulestat serve --open)" "$(complete_words joulestat serve --group cg; complete_words joulestat serve --group con)"
	check "bash completion offers every grouping top and serve name in their --group errors" \
		bash -c 'want=$( { "$0" top --group x; "$0" serve --group x; } 2>&1 |
				sed -n "s/.*is not one of //p" | tr -d , | tr " " "\n" | sort -u)
			[ -n "$want" ] && [ -z "$(comm -23 <(echo "$want") <(echo "$1" | sort -u))" ] ||
				{ echo "# wanted: $want"; echo "# offered: $1"; false; }' "$JS" "$(complete_words joulestat top --group '')"
else
	skip_check "bash completion: bash-completion is not installed"
	skip_check "bash completion: bash-completion is not installed"
	skip_check "bash completion: bash-completion is not installed"
fi
if command -v zsh >/dev/null; then
	check "the zsh completion parses" zsh -n "$D$DATADIR/zsh/site-functions/_joulestat"
else
	skip_check "the zsh completion parses: zsh is not installed"
fi

done_testing
