#!/usr/bin/env bash
# Done means: oomsentry(8), liboomsentry(3) and oomsentry-ship(8) render
# without a single groff or man warning, and name everything the programs
# and README.md name: every flag and environment variable of `oomsentry
# --help` and `oomsentry-ship --help`, every exit status, every log event
# (for the shipper, every one its sources emit), every OOMSENTRY_* variable
# liboomsentry reads, every function of oomsentry.h, and the version of
# configure.ac.
source "$(dirname "$0")/lib.sh"

command -v man >/dev/null || missing_prerequisite "man (apt-get install man-db groff-base)"
MAN8=$top_builddir/man/oomsentry.8
MAN3=$top_builddir/man/liboomsentry.3
MAN8S=$top_builddir/man/oomsentry-ship.8
SHIP=${OOMSENTRY_SHIP:-$top_builddir/src/oomsentry-ship}
[ -f "$MAN8" ] && [ -f "$MAN3" ] && [ -f "$MAN8S" ] || fail "man pages not generated (run configure)"
[ -x "$SHIP" ] || fail "no $SHIP (run make)"

# The pages as plain words: roff's \- is a hyphen, fonts and quotes go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\e/\\/g' "$1"; }
plain "$MAN8" >"$WORK/oomsentry.8.txt"
plain "$MAN3" >"$WORK/liboomsentry.3.txt"
plain "$MAN8S" >"$WORK/oomsentry-ship.8.txt"
has() { grep -qF -- "$2" "$WORK/$1.txt"; }

# 1. They render cleanly, in the width of a terminal and a narrow one.
for page in "$MAN8" "$MAN3" "$MAN8S"; do
	for width in 80 60; do
		MANWIDTH=$width LC_ALL=C.UTF-8 man --warnings -l "$page" >"$WORK/render.out" 2>"$WORK/render.err" ||
			fail "man -l $(basename "$page") failed: $(cat "$WORK/render.err")"
		[ ! -s "$WORK/render.err" ] || fail "man -l $(basename "$page") warns: $(cat "$WORK/render.err")"
		[ "$(wc -l <"$WORK/render.out")" -gt 50 ] || fail "$(basename "$page") renders to almost nothing"
	done
done
pass "all three pages render without warnings"

# 2. The version of configure.ac, as --version prints it.
version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
[ -n "$version" ] || fail "no version in configure.ac"
[ "$("$OOMSENTRY" --version)" = "oomsentry $version" ] || fail "--version: $("$OOMSENTRY" --version), configure.ac: $version"
[ "$("$SHIP" --version)" = "oomsentry-ship $version" ] ||
	fail "oomsentry-ship --version: $("$SHIP" --version), configure.ac: $version"
for page in "$MAN8" "$MAN3" "$MAN8S"; do
	grep -q "^\.TH .*\"oomsentry $version\"" "$page" || fail "$(basename "$page") does not carry version $version"
done
pass "version $version in both --version and all three pages"

# 3. oomsentry(8) names every flag, environment variable and exit status of --help.
"$OOMSENTRY" --help >"$WORK/help.txt" || fail "--help failed"
n=0
for flag in $(grep -o -- '--[a-z][a-z-]*' "$WORK/help.txt" | sort -u); do
	has oomsentry.8 "$flag" || fail "oomsentry.8 lacks $flag"
	n=$((n + 1))
done
for var in $(sed -n 's/.*env \([A-Z_]*\),.*/\1/p' "$WORK/help.txt"); do
	grep -qE "(\.BR? |, env )$var\b|^\.BR $var ," "$WORK/oomsentry.8.txt" || has oomsentry.8 "env $var" ||
		fail "oomsentry.8 lacks the variable $var"
	n=$((n + 1))
done
codes=$(sed -n '/^Exit status:/,/^$/p' "$WORK/help.txt" | grep -oE '\b[0-9]\b' | sort -u)
[ -n "$codes" ] || fail "--help lists no exit status"
sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$WORK/oomsentry.8.txt" >"$WORK/exit.txt"
for c in $codes; do
	grep -qx "\.B $c" "$WORK/exit.txt" || fail "oomsentry.8 EXIT STATUS lacks $c"
done
pass "oomsentry.8 names all $n flags and variables of --help and exit statuses $(echo $codes)"

# 4. ... and README.md's settings and log events.
readme=$top_srcdir/README.md
sed -n '/^## Settings/,/^## Output/p' "$readme" | grep -oE '^\| `[A-Z_]+`' | tr -d '|` ' >"$WORK/readme-vars"
sed -n '/^| event | level | when |/,/^$/p' "$readme" | grep -oE '`[a-z_]+`' | tr -d '`' | sort -u >"$WORK/readme-events"
[ -s "$WORK/readme-vars" ] && [ -s "$WORK/readme-events" ] || fail "cannot find README.md's settings or events tables"
while read -r v; do has oomsentry.8 "$v" || fail "oomsentry.8 lacks README's setting $v"; done <"$WORK/readme-vars"
while read -r e; do has oomsentry.8 "$e" || fail "oomsentry.8 lacks README's event $e"; done <"$WORK/readme-events"
pass "oomsentry.8 names README's $(wc -l <"$WORK/readme-vars") settings and $(wc -l <"$WORK/readme-events") events"

# 5. liboomsentry(3) names every variable options.c reads, every function of
# the header, and README's library variables and events.
vars=$(grep -oE '"OOMSENTRY_[A-Z_]+"' "$top_srcdir/src/handler/options.c" | tr -d '"' | sort -u)
[ -n "$vars" ] || fail "no OOMSENTRY_ variable in options.c"
for v in $vars $(grep -oE '`OOMSENTRY_[A-Z_]+`' "$readme" | tr -d '`' | sort -u); do
	grep -qx "\.B $v" "$WORK/liboomsentry.3.txt" || fail "liboomsentry.3 does not describe $v"
done
funcs=$(grep -oE '^OOMSENTRY_API [^(]*\b(oomsentry_[a-z_]+)\(' "$top_srcdir/src/handler/oomsentry.h" | grep -oE 'oomsentry_[a-z_]+\($' | tr -d '(')
[ -n "$funcs" ] || fail "no function in oomsentry.h"
for f in $funcs; do
	grep -q "^\.BI \".* $f(" "$WORK/liboomsentry.3.txt" || fail "liboomsentry.3 SYNOPSIS lacks $f"
done
# The library's part of README only: the sidecar's metrics are oomsentry_* too.
for e in $(sed -n '/^## liboomsentry/,/^## [^l]/p' "$readme" | grep -oE '`oomsentry_[a-z_]+`' | tr -d '`' | sort -u); do
	has liboomsentry.3 "$e" || fail "liboomsentry.3 lacks README's $e"
done
pass "liboomsentry.3 describes $(echo $vars | wc -w) variables and $(echo $funcs | wc -w) functions"

# 6. oomsentry-ship(8) names every flag and environment variable of
# `oomsentry-ship --help` (the AWS_* ones too, which have no flag), and
# README.md's shipper settings.
"$SHIP" --help >"$WORK/ship-help.txt" || fail "oomsentry-ship --help failed"
n=0
for flag in $(grep -o -- '--[a-z][a-z0-9-]*' "$WORK/ship-help.txt" | sort -u); do
	grep -qE -- "$flag([^a-z0-9-]|\$)" "$WORK/oomsentry-ship.8.txt" || fail "oomsentry-ship.8 lacks $flag"
	n=$((n + 1))
done
vars=$(grep -oE '\b[A-Z][A-Z0-9]*(_[A-Z0-9]+)+\b|env [A-Z]+\b' "$WORK/ship-help.txt" | sed 's/^env //' | sort -u)
[ -n "$vars" ] || fail "oomsentry-ship --help names no variable"
for var in $vars; do
	# As a name in bold (.B, .BR, .RB ...), not only inside a sentence.
	grep -qE "^\.(B|BR|RB|IR|BI) (.* )?\"?$var\b" "$WORK/oomsentry-ship.8.txt" ||
		fail "oomsentry-ship.8 does not set out the variable $var"
	n=$((n + 1))
done
sed -n '/^### Shipper settings/,/^### /p' "$top_srcdir/README.md" | grep -E '^\| `' |
	grep -oE '`[A-Z][A-Z0-9_]+`' | tr -d '`' | sort -u >"$WORK/readme-ship-vars"
[ -s "$WORK/readme-ship-vars" ] || fail "cannot find README.md's shipper settings table"
while read -r v; do
	grep -qw -- "$v" "$WORK/oomsentry-ship.8.txt" || fail "oomsentry-ship.8 lacks README's shipper setting $v"
done <"$WORK/readme-ship-vars"
for var in $vars; do
	grep -qx "$var" "$WORK/readme-ship-vars" || fail "README.md's shipper settings table lacks $var"
done
pass "oomsentry-ship.8 names all $n flags and variables of --help, and README's $(wc -l <"$WORK/readme-ship-vars") shipper settings"

# 7. ... every log event the shipper and its forwarder emit, each an entry
# of LOG EVENTS, and no entry for an event they do not emit.
grep -ohE 'log_begin\([^"]*"[a-z_]+"' "$top_srcdir/src/ship/main.c" "$top_srcdir/src/ship/evforward.c" |
	grep -oE '"[a-z_]+"' | tr -d '"' | sort -u >"$WORK/ship-events"
[ "$(wc -l <"$WORK/ship-events")" -ge 20 ] || fail "found only $(wc -l <"$WORK/ship-events") log events in src/ship"
sed -n '/^\.SH LOG EVENTS/,/^\.SH /p' "$WORK/oomsentry-ship.8.txt" |
	awk 'tp { print $2 } { tp = ($0 == ".TP") }' | sort -u >"$WORK/man-ship-events"
while read -r e; do
	grep -qx "$e" "$WORK/man-ship-events" || fail "oomsentry-ship.8 LOG EVENTS lacks $e"
done <"$WORK/ship-events"
while read -r e; do
	grep -qx "$e" "$WORK/ship-events" || fail "oomsentry-ship.8 LOG EVENTS describes $e, which src/ship does not log"
done <"$WORK/man-ship-events"
pass "oomsentry-ship.8 describes the $(wc -l <"$WORK/ship-events") log events of src/ship/main.c and evforward.c"

# 8. ... and exactly the exit statuses --help lists.
codes=$(sed -n '/^Exit status:/,/^$/p' "$WORK/ship-help.txt" | grep -oE '\b[0-9]\b' | sort -u)
[ -n "$codes" ] || fail "oomsentry-ship --help lists no exit status"
sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$WORK/oomsentry-ship.8.txt" >"$WORK/ship-exit.txt"
for c in $codes; do
	grep -qx "\.B $c" "$WORK/ship-exit.txt" || fail "oomsentry-ship.8 EXIT STATUS lacks $c"
done
[ "$(grep -cE '^\.B [0-9]+$' "$WORK/ship-exit.txt")" -eq "$(echo $codes | wc -w)" ] ||
	fail "oomsentry-ship.8 EXIT STATUS lists other codes than --help ($(echo $codes))"
pass "oomsentry-ship.8 lists exit statuses $(echo $codes)"
