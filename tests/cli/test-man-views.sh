#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# test-man-views.sh - the command's manual: joulestat(1), the overview, and
# joulestat-VERB(1) for every verb `joulestat --help` lists. Each page
# renders without a warning, each is installed, and each verb's page names
# every option its --help prints (read now, so the page cannot fall behind
# the command).
. "$(dirname "$0")/tap.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=$(cd "$(dirname "$JS")/../.." && pwd)
DOCS=$SRC/docs

# The verbs, from the verb list of `joulestat --help`.
mapfile -t VERBS < <("$JS" --help | sed -n '/^Verbs:/,/^$/p' | awk '/^  [a-z]/ { print $1 }')

# The page as text: wide, ASCII, no hyphenation, so an option is never split.
render() { MANWIDTH=250 MANROFFOPT=-rHY=0 LC_ALL=C man -l "$1" 2>/dev/null; }
export -f render
# The tags of a rendered page's OPTIONS and COMMON OPTIONS: the lines that
# start an option's entry ("-i, --interval SEC", "--sysfs-root DIR, ...").
tags() { awk '/^[A-Z]/ { in_opts = ($0 == "OPTIONS" || $0 == "COMMON OPTIONS"); next }
	in_opts && /^       -/' <<<"$1"; }
export -f tags
# has_tag TAGS OPTION: OPTION ("--long" or "-x, --long") begins or is listed in a tag.
has_tag() { grep -qE -- "(^ +|, )$2([ ,=]|\$)" <<<"$1"; }
export -f has_tag

check "--help lists the verbs the pages are checked for" test "${#VERBS[@]}" -ge 9

# Every page: man and groff find nothing to warn about.
for page in "$DOCS"/joulestat.1 "${VERBS[@]/#/$DOCS/joulestat-}"; do
	page=${page%.1}.1
	name=$(basename "$page")
	check "$name exists and renders with man -l without a warning" \
		bash -c '[ -f "$0" ] || { echo "missing: $0"; exit 1; }
			out=$(MANWIDTH=80 man --warnings -l "$0" 2>"$1") && [ ! -s "$1" ] &&
			grep -q "^SYNOPSIS" <<<"$out" || { cat "$1"; exit 1; }' "$page" "$TMP/man.err"
	check "groff -ww finds nothing to warn about in $name" \
		bash -c 'w=$(LC_ALL=C groff -man -ww -z "$0" 2>&1); [ -z "$w" ] || { echo "$w"; exit 1; }' "$page"
done

# joulestat(1) lists every verb's page, and documents the options joulestat takes before a verb.
check "joulestat(1) names every verb's page in VERBS and SEE ALSO" \
	bash -c 'page=$(render "$0") || exit 1
		verbs=$(sed -n "/^VERBS/,/^[A-Z]/p" <<<"$page"); see=$(sed -n "/^SEE ALSO/,\$p" <<<"$page")
		bad=0
		for v in "${@:1}"; do
			grep -q "joulestat-$v(1)" <<<"$verbs" || { echo "VERBS lacks joulestat-$v(1)"; bad=1; }
			grep -q "joulestat-$v(1)" <<<"$see" || { echo "SEE ALSO lacks joulestat-$v(1)"; bad=1; }
		done
		exit $bad' "$DOCS/joulestat.1" "${VERBS[@]}"
check "joulestat(1) has an entry for --version, --help and every common option" \
	bash -c 'page=$(render "$1") || exit 1
		t=$(tags "$page"); bad=0
		for o in --version --help $("$0" probe --help | sed -n "/^Common options:/,\$p" |
				grep -oE -- "^ {1,8}(-[a-zA-Z], )?--[a-z][a-z0-9-]+" | sed "s/^ *//" | tr " " "_"); do
			has_tag "$t" "${o//_/ }" || { echo "joulestat(1) has no entry for ${o//_/ }"; bad=1; }
		done
		exit $bad' "$JS" "$DOCS/joulestat.1"

# Each verb's page: its NAME; an entry in OPTIONS or COMMON OPTIONS for every
# option line of its --help (as "-x, --long" where --help pairs them); and
# every other --long its --help prints (the usage, the text) somewhere.
verb_page_complete() { # VERB
	local verb=$1 page help t o bad=0
	page=$(render "$DOCS/joulestat-$verb.1") || { echo "cannot render joulestat-$verb.1"; return 1; }
	help=$("$JS" "$verb" --help) || { echo "joulestat $verb --help failed"; return 1; }
	t=$(tags "$page")
	grep -q "^ *joulestat-$verb - " <<<"$page" || { echo "NAME is not 'joulestat-$verb - ...'"; bad=1; }
	while read -r o; do
		has_tag "$t" "$o" || { echo "joulestat $verb --help has '$o'; joulestat-$verb(1) has no entry for it"; bad=1; }
	done < <(grep -oE -- "^ {1,8}(-[a-zA-Z], )?--[a-z][a-z0-9-]+" <<<"$help" | sed 's/^ *//')
	# Options named in the text too (an alias such as --web.config.file), less a full stop.
	for o in $(grep -oE -- "--[a-z][a-z0-9.-]*[a-z0-9]" <<<"$help" | sort -u); do
		grep -q -- "$o" <<<"$page" || { echo "joulestat $verb --help prints $o; joulestat-$verb(1) lacks it"; bad=1; }
	done
	return $bad
}
for verb in "${VERBS[@]}"; do
	check "joulestat-$verb(1) documents every option of joulestat $verb --help" verb_page_complete "$verb"
done

# joulestat-top(1)'s KEYS names every key `joulestat top --help` lists (its first column).
top_keys_complete() {
	local page keys k bad=0
	page=$(render "$DOCS/joulestat-top.1") || return 1
	keys=$(sed -n '/^KEYS/,/^[A-Z]/p' <<<"$page" | grep -E '^       [^ ]')
	for k in $("$JS" top --help | sed -n '/^Keys:/,/^$/p' | grep -E '^  [^ ]' | cut -c3-13); do
		grep -qE -- "(^ +|, )$(sed 's/[]\/$*.^[]/\\&/g' <<<"$k")(,|\$| )" <<<"$keys" ||
			{ echo "joulestat top --help lists the key '$k'; KEYS in joulestat-top(1) lacks it"; bad=1; }
	done
	return $bad
}
check "joulestat-top(1) KEYS names every key of joulestat top --help" top_keys_complete

# Every page is installed (meson install_man).
installed_pages() {
	local root=$TMP/root bad=0 p
	meson install -C "$BUILDDIR" --destdir "$root" --no-rebuild --quiet >/dev/null 2>"$TMP/install.err" ||
		{ cat "$TMP/install.err"; return 1; }
	for p in joulestat "${VERBS[@]/#/joulestat-}"; do
		[ -n "$(find "$root" -path "*/man1/$p.1*" -print -quit)" ] || { echo "not installed: $p.1"; bad=1; }
	done
	return $bad
}
check "meson install puts every page in man1" installed_pages

done_testing
