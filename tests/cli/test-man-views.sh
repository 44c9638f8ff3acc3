#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-man-views.sh - joulestat(1) renders without warnings and documents
# every option that top, record, replay, report and serve accept (their
# --help is the list), so the page cannot fall behind the command.
. "$(dirname "$0")/tap.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$SRC/docs/joulestat.1

check "man -l renders joulestat(1) without a warning" \
	bash -c 'out=$(MANWIDTH=80 man -l "$0" 2>"$1") && [ ! -s "$1" ] && grep -q "^SYNOPSIS" <<<"$out" ||
		{ cat "$1"; exit 1; }' "$MAN" "$TMP/man.err"
check "groff finds nothing to warn about in joulestat(1)" \
	bash -c 'w=$(LC_ALL=C groff -man -ww -z "$0" 2>&1); [ -z "$w" ] || { echo "$w"; exit 1; }' "$MAN"
for verb in top record replay report serve; do
	check "joulestat(1) documents every option of $verb --help" \
		bash -c 'page=$(MANWIDTH=200 man -l "$2" 2>/dev/null) || exit 1
			grep -q "^   $1\$" <<<"$page" || { echo "no section for $1"; exit 1; }
			bad=0
			for o in $("$0" "$1" --help | sed -n "/^Options:/,/^\$/p" | grep -oE -- "--[a-z][a-z-]+" | sort -u); do
				grep -q -- "$o" <<<"$page" || { echo "$1: $o is not in the page"; bad=1; }
			done
			exit $bad' "$JS" "$verb" "$MAN"
done

done_testing
