#!/usr/bin/env bash
# The libc that the preloaded libraries need. liboomsentry.so and jemalloc's
# libjemalloc.so.2 are copied into app images we do not build, so:
#  - the newest glibc symbol version liboomsentry.so needs is the one README.md
#    states ("need glibc X.Y or newer"), and jemalloc's library needs no newer;
#  - in an image with an older glibc (Debian 11's 2.31, unpacked from its
#    packages and entered with chroot) the app does not start at all: ld.so
#    names the missing GLIBC_X.Y and the library and exits 1. A preload file
#    that is missing is only warned about, and a preloaded library whose own
#    dependency (jemalloc's libstdc++) is missing stops the app with 127;
#  - on this Debian the same preload works;
#  - a musl app does not start either: musl's loader names the symbols it
#    cannot resolve and exits 127.
#
# Debian 11's packages come from OLD_LIBC_MIRROR (default deb.debian.org),
# checked against the suite's signed InRelease with the archive keyring. The
# unpacked tree is kept in OOMSENTRY_OLD_LIBC_CACHE (default
# /var/cache/oomsentry-tests/old-libc, else a directory of the test's own).
source "$(dirname "$0")/lib.sh"

so=$top_builddir/src/handler/.libs/liboomsentry.so
JEMALLOC=${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
MIRROR=${OLD_LIBC_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SUITE=bullseye
# The app (dash) and what jemalloc needs besides libc, so that the old glibc
# is the only thing missing.
PKGS=(libc6 dash libstdc++6 libgcc-s1)

[ -f "$so" ] || fail "build first: $so"
need_root # chroot
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2"
for tool in objdump curl xz gpgv dpkg-deb sha256sum chroot; do
	command -v "$tool" >/dev/null || missing_prerequisite "$tool (apt-get install binutils curl xz-utils gpgv)"
done
CHROOT=$(command -v chroot)
[ -f "$KEYRING" ] || missing_prerequisite "$KEYRING (debian-archive-keyring)"

# --- the documented requirement against the built libraries -------------------
# One place states it: README.md. The phrase must stay on one line there.
required=$(grep -oE 'needs? glibc [0-9]+\.[0-9]+ or newer' "$top_srcdir/README.md" |
	grep -oE '[0-9]+\.[0-9]+' | sort -u)
[ -n "$required" ] || fail "README.md states no \"need glibc X.Y or newer\""
[ "$(wc -l <<<"$required")" -eq 1 ] || fail "README.md states several glibc requirements: $(echo $required)"

# newest_glibc LIB: the newest GLIBC_ version LIB needs (from any glibc library).
newest_glibc() {
	objdump -p "$1" | sed -n '/^Version References:/,$p' |
		grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/^GLIBC_//' | sort -uV | tail -n1
}
# symbols_of LIB VERSION: the symbols LIB takes at GLIBC_VERSION.
symbols_of() {
	objdump -T "$1" | awk -v v="(GLIBC_$2)" 'NF > 1 && $(NF - 1) == v { print $NF }' | sort | xargs
}
# le A B: version A is not newer than B.
le() { [ "$(printf '%s\n' "$1" "$2" | sort -V | tail -n1)" = "$2" ]; }

got=$(newest_glibc "$so")
[ "$got" = "$required" ] ||
	fail "liboomsentry.so needs glibc $got ($(symbols_of "$so" "$got")), README.md says $required"
je=$(newest_glibc "$JEMALLOC")
le "$je" "$required" ||
	fail "$JEMALLOC needs glibc $je ($(symbols_of "$JEMALLOC" "$je")), newer than README.md's $required"
pass "liboomsentry.so needs glibc $got ($(symbols_of "$so" "$got")), jemalloc $je: README.md says $required"

# --- Debian 11's glibc, unpacked -----------------------------------------------
cache=${OOMSENTRY_OLD_LIBC_CACHE:-/var/cache/oomsentry-tests/old-libc}
{ mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; } || cache=$WORK/cache
mkdir -p "$cache"
# What an interrupted run left behind.
find "$cache" -maxdepth 1 -name '.download.*' -mmin +60 -exec rm -rf {} + 2>/dev/null
tree=$cache/$SUITE-$(IFS=+; echo "${PKGS[*]}")

get() { # URL FILE
	curl -fsS --retry 2 --connect-timeout 10 --max-time 300 -o "$2" "$1" 2>>"$WORK/download.log"
}
sha_ok() { # FILE SHA256
	[ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$2" ]
}

# unpack_old DIR: downloads, verifies and unpacks PKGS into DIR/root and lists
# them in DIR/packages. Network trouble returns 2; a file that does not match
# its signed checksum fails the test.
unpack_old() {
	local dir=$1 xzsum p stanza file sum
	get "$MIRROR/dists/$SUITE/InRelease" "$dir/InRelease" || return 2
	gpgv --keyring "$KEYRING" --output "$dir/Release" "$dir/InRelease" >"$WORK/gpgv.log" 2>&1 ||
		fail "$MIRROR/dists/$SUITE/InRelease: bad signature: $(cat "$WORK/gpgv.log")"
	xzsum=$(awk '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 }
		s && $3 == "main/binary-amd64/Packages.xz" { print $1 }' "$dir/Release")
	[ -n "$xzsum" ] || fail "$SUITE's Release lists no main/binary-amd64/Packages.xz"
	get "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz" "$dir/Packages.xz" || return 2
	sha_ok "$dir/Packages.xz" "$xzsum" || fail "$SUITE's Packages.xz does not match its Release"
	xz -dc "$dir/Packages.xz" >"$dir/Packages" || fail "cannot unpack $SUITE's Packages.xz"
	mkdir "$dir/root"
	for p in "${PKGS[@]}"; do
		stanza=$(awk -v p="$p" 'BEGIN { RS = "" } index($0, "Package: " p "\n") == 1 { print; exit }' "$dir/Packages")
		file=$(sed -n 's/^Filename: //p' <<<"$stanza")
		sum=$(sed -n 's/^SHA256: //p' <<<"$stanza")
		[ -n "$file" ] && [ -n "$sum" ] || fail "$p not in $SUITE's Packages"
		get "$MIRROR/$file" "$dir/p.deb" || return 2
		sha_ok "$dir/p.deb" "$sum" || fail "$MIRROR/$file does not match $SUITE's Packages"
		dpkg-deb -x "$dir/p.deb" "$dir/root" || fail "cannot unpack $file"
		echo "$file $sum" >>"$dir/packages"
		rm -f "$dir/p.deb"
	done
	rm -f "$dir/Packages" "$dir/Packages.xz"
}

if [ ! -d "$tree" ]; then
	# Built aside and renamed into place: an interrupted run leaves only a
	# .download.* directory behind, never a tree that looks complete.
	tmp=$(mktemp -d "$cache/.download.XXXXXX") || fail "cannot write to $cache"
	trap 'rm -rf "$tmp"; cleanup' EXIT
	chmod 755 "$tmp"
	unpack_old "$tmp"
	rc=$?
	if [ $rc -ne 0 ]; then
		rm -rf "$tmp"
		missing_prerequisite "cannot download $SUITE's ${PKGS[*]} from $MIRROR: $(tail -n2 "$WORK/download.log")"
	fi
	# A concurrent run may have won: then its tree is as good as ours.
	mv -T "$tmp" "$tree" 2>/dev/null || rm -rf "$tmp"
	trap cleanup EXIT
fi
[ -x "$tree/root/bin/dash" ] || fail "$tree is incomplete: remove it"

old=$(sed -n 's|.*/libc6_\([0-9]*\.[0-9]*\).*|\1|p' "$tree/packages")
[ -n "$old" ] || fail "no libc6 listed in $tree/packages"
le "$required" "$old" && fail "$SUITE's glibc $old is not older than $required: choose an older suite"

root=$WORK/root
cp -a "$tree/root" "$root" || fail "cannot copy $tree/root"
mkdir "$root/oomsentry"
# Where deployment.yaml puts them, under the names it gives them.
cp -L "$so" "$root/oomsentry/liboomsentry.so"
cp -L "$JEMALLOC" "$root/oomsentry/libjemalloc.so.2"
both="/oomsentry/libjemalloc.so.2 /oomsentry/liboomsentry.so"

# in_old CASE PRELOAD: the old tree's dash, started with LD_PRELOAD=PRELOAD
# (none if empty) in a clean environment, prints "started" once it runs.
# Output in $WORK/CASE.out and .err, exit status in $rc.
in_old() {
	# The first dash runs unpreloaded and only sets the variable; the exec'd
	# one is the app.
	env -i PATH=/bin "$CHROOT" "$root" /bin/dash -c \
		'[ -n "$1" ] && export LD_PRELOAD="$1"; exec /bin/dash -c "echo started"' sh "$2" \
		>"$WORK/$1.out" 2>"$WORK/$1.err"
	rc=$?
}
started() { [ "$(cat "$WORK/$1.out")" = started ]; }
# version_missing CASE LIB: ld.so's line for GLIBC_$required missing in LIB.
version_missing() {
	log_has "$WORK/$1.err" "libc.so.6: version \`GLIBC_$required' not found" "(required by $2)"
}
errs() { tr '\n' '|' <"$WORK/$1.err"; }

in_old plain ""
[ $rc -eq 0 ] && started plain && [ ! -s "$WORK/plain.err" ] ||
	fail "Debian $SUITE's dash does not run unpreloaded (status $rc): $(errs plain)"
pass "glibc $old: the app runs without the preload"

in_old lib /oomsentry/liboomsentry.so
[ $rc -eq 1 ] || fail "glibc $old, liboomsentry.so preloaded: status $rc, not 1: $(errs lib)"
started lib && fail "glibc $old, liboomsentry.so preloaded: the app started"
version_missing lib /oomsentry/liboomsentry.so ||
	fail "glibc $old: stderr does not name GLIBC_$required and liboomsentry.so: $(errs lib)"
pass "glibc $old, liboomsentry.so preloaded: the app does not start, status 1, GLIBC_$required named"

in_old both "$both"
[ $rc -eq 1 ] || fail "glibc $old, both preloaded: status $rc, not 1: $(errs both)"
started both && fail "glibc $old, both preloaded: the app started"
version_missing both /oomsentry/liboomsentry.so && version_missing both /oomsentry/libjemalloc.so.2 ||
	fail "glibc $old, both preloaded: stderr does not name GLIBC_$required for both: $(errs both)"
pass "glibc $old, jemalloc and liboomsentry.so preloaded: status 1, both named"

in_old missing "/oomsentry/missing.so"
[ $rc -eq 0 ] && started missing || fail "glibc $old, a missing preload file: status $rc: $(errs missing)"
log_has "$WORK/missing.err" "object '/oomsentry/missing.so' from LD_PRELOAD cannot be preloaded" ": ignored." ||
	fail "glibc $old, a missing preload file: no warning: $(errs missing)"
pass "glibc $old, a missing preload file: warned about, the app runs"

# An image without libstdc++: jemalloc's dependency is fatal, unlike a missing
# preload file (ld.so loads the dependency before it checks any version).
rm -f "$root"/usr/lib/x86_64-linux-gnu/libstdc++.so.6*
in_old nocxx "$both"
[ $rc -eq 127 ] || fail "no libstdc++, both preloaded: status $rc, not 127: $(errs nocxx)"
started nocxx && fail "no libstdc++, both preloaded: the app started"
log_has "$WORK/nocxx.err" "libstdc++.so.6: cannot open shared object file" ||
	fail "no libstdc++, both preloaded: stderr does not name libstdc++.so.6: $(errs nocxx)"
pass "no libstdc++ in the image, jemalloc preloaded: the app does not start, status 127"

# This Debian: the same files, preloaded the same way, install.
host=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
le "$required" "$host" || fail "this machine's glibc $host is older than $required"
env -i PATH=/usr/bin:/bin LD_PRELOAD="$root/oomsentry/libjemalloc.so.2 $root/oomsentry/liboomsentry.so" \
	OOMSENTRY_DUMP_DIR="$WORK/dumps" /bin/dash -c 'echo started' >"$WORK/host.out" 2>"$WORK/host.err"
rc=$?
[ $rc -eq 0 ] && started host || fail "glibc $host, both preloaded: status $rc: $(errs host)"
log_has "$WORK/host.err" "event=oomsentry_installed" "mode=preload" "allocator=jemalloc" ||
	fail "glibc $host, both preloaded: not installed: $(errs host)"
pass "glibc $host, both preloaded: the app runs, liboomsentry installed with jemalloc"

# --- musl ------------------------------------------------------------------------
command -v musl-gcc >/dev/null || missing_prerequisite "musl-gcc (apt-get install musl-tools)"
printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { free(malloc(64)); puts("started"); return 0; }\n' \
	>"$WORK/app.c"
musl-gcc -o "$WORK/musl-app" "$WORK/app.c" 2>"$WORK/musl-gcc.log" || fail "musl-gcc: $(cat "$WORK/musl-gcc.log")"

# in_musl CASE PRELOAD: as in_old, for the musl app.
in_musl() {
	local pre=()
	[ -n "$2" ] && pre=(LD_PRELOAD="$2")
	env -i "${pre[@]}" "$WORK/musl-app" >"$WORK/$1.out" 2>"$WORK/$1.err"
	rc=$?
}

in_musl mplain ""
[ $rc -eq 0 ] && started mplain || fail "the musl app does not run (status $rc): $(errs mplain)"
in_musl mmissing "$root/oomsentry/missing.so"
[ $rc -eq 0 ] && started mmissing && [ ! -s "$WORK/mmissing.err" ] ||
	fail "musl, a missing preload file: status $rc: $(errs mmissing)"
pass "musl: the app runs, and a missing preload file is silently skipped"

in_musl mlib "$root/oomsentry/liboomsentry.so"
[ $rc -eq 127 ] || fail "musl, liboomsentry.so preloaded: status $rc, not 127: $(errs mlib)"
started mlib && fail "musl, liboomsentry.so preloaded: the app started"
log_has "$WORK/mlib.err" "Error relocating $root/oomsentry/liboomsentry.so: " "symbol not found" ||
	fail "musl, liboomsentry.so preloaded: stderr does not name it: $(errs mlib)"
pass "musl, liboomsentry.so preloaded: the app does not start, status 127 ($(grep -c 'symbol not found' "$WORK/mlib.err") symbols not found)"

in_musl mboth "$root/oomsentry/libjemalloc.so.2 $root/oomsentry/liboomsentry.so"
[ $rc -eq 127 ] || fail "musl, both preloaded: status $rc, not 127: $(errs mboth)"
started mboth && fail "musl, both preloaded: the app started"
log_has "$WORK/mboth.err" "Error relocating $root/oomsentry/libjemalloc.so.2: " "symbol not found" &&
	log_has "$WORK/mboth.err" "Error relocating $root/oomsentry/liboomsentry.so: " "symbol not found" ||
	fail "musl, both preloaded: stderr does not name both: $(errs mboth)"
pass "musl, jemalloc and liboomsentry.so preloaded: the app does not start, status 127"
