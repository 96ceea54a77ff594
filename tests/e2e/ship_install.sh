#!/usr/bin/env bash
# Done means: `make install DESTDIR=...` puts the sidecar, the shipper,
# liboomsentry (.so and .a), oomsentry.h, oomsentry.pc and the man pages where the configured
# prefix says; a program built only from what was installed, with
# `pkg-config --cflags --libs oomsentry` (and with --static), links, runs
# against the installed library and writes a dump; the installed oomsentry
# prints configure.ac's version; `make uninstall` removes every file again.
source "$(dirname "$0")/lib.sh"

command -v pkg-config >/dev/null || missing_prerequisite "pkg-config"
command -v "${CC:-cc}" >/dev/null || missing_prerequisite "a C compiler"
CC=${CC:-cc}
DEST=$WORK/dest
# make runs this test; the nested makes must not inherit its jobserver or
# flags (they would warn on stdout, and -n or -k would change what runs).
submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "$@"; }
# make's own view of the install directories (they may refer to each other).
dirs=$(printf 'print-dirs:\n\t@echo $(bindir) $(libdir) $(includedir) $(man3dir) $(man8dir)\n' |
	submake -C "$top_builddir" -f Makefile -f - print-dirs | tail -n 1) || fail "cannot ask make for the install directories"
read -r bindir libdir includedir man3dir man8dir <<<"$dirs"
[ -n "$man8dir" ] || fail "make gave no install directories: $dirs"

submake -C "$top_builddir" install DESTDIR="$DEST" >"$WORK/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 20 "$WORK/install.log")"
for f in "$bindir/oomsentry" "$bindir/oomsentry-ship" "$man8dir/oomsentry-ship.8" "$libdir/liboomsentry.so" "$libdir/liboomsentry.a" "$includedir/oomsentry.h" \
	"$libdir/pkgconfig/oomsentry.pc" "$man8dir/oomsentry.8" "$man3dir/liboomsentry.3"; do
	[ -e "$DEST$f" ] || fail "make install did not install $f"
done
[ -x "$DEST$bindir/oomsentry" ] || fail "$bindir/oomsentry is not executable"
version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
[ "$("$DEST$bindir/oomsentry" --version)" = "oomsentry $version" ] ||
	fail "installed --version says $("$DEST$bindir/oomsentry" --version), configure.ac $version"
[ "$("$DEST$bindir/oomsentry-ship" --version)" = "oomsentry-ship $version" ] ||
	fail "installed oomsentry-ship --version says $("$DEST$bindir/oomsentry-ship" --version)"
MANPATH=$DEST${man8dir%/man8} man -w oomsentry >"$WORK/manw" 2>&1 && grep -q "^$DEST" "$WORK/manw" ||
	fail "man does not find the installed oomsentry(8): $(cat "$WORK/manw")"
pass "installed $(find "$DEST" -type f -o -type l | wc -l) files under the prefix; --version says $version"

# A program that knows only the installed header and library. pkg-config
# reads only the installed .pc; the sysroot maps its paths into DESTDIR.
cat >"$WORK/prog.c" <<'C'
#include <oomsentry.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	struct oomsentry_options o;
	char base[512];
	int r;
	if (argc != 2)
		return 2;
	oomsentry_options_init(&o);
	o.dump_dir = argv[1];
	o.warning_signal = o.critical_signal = 0; /* no handlers: only the manual dump */
	if ((r = oomsentry_init(&o)) < 0) {
		fprintf(stderr, "oomsentry_init: %s\n", strerror(-r));
		return 1;
	}
	if ((r = oomsentry_dump(base, sizeof base)) < 0) {
		fprintf(stderr, "oomsentry_dump: %s\n", strerror(-r));
		return 1;
	}
	printf("%s\n", base);
	return 0;
}
C
pc() {
	PKG_CONFIG_LIBDIR=$DEST$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@" oomsentry
}
flags=$(pc --cflags --libs) || fail "pkg-config --cflags --libs oomsentry failed"
echo "pkg-config --cflags --libs oomsentry: $flags"
# shellcheck disable=SC2086 # the flags are words
"$CC" -o "$WORK/prog" "$WORK/prog.c" $flags >"$WORK/cc.log" 2>&1 || fail "linking against the installed library failed: $(cat "$WORK/cc.log")"
readelf -d "$WORK/prog" | grep -q 'NEEDED.*liboomsentry\.so' || fail "prog does not need liboomsentry.so"
LD_LIBRARY_PATH=$DEST$libdir ldd "$WORK/prog" | grep -q "liboomsentry.*=> $DEST$libdir/" ||
	fail "prog does not resolve liboomsentry in DESTDIR: $(LD_LIBRARY_PATH=$DEST$libdir ldd "$WORK/prog")"
base=$(LD_LIBRARY_PATH=$DEST$libdir "$WORK/prog" "$WORK/dumps" 2>"$WORK/prog.log") ||
	fail "prog failed: $(cat "$WORK/prog.log")"
[ -f "$base.txt" ] && grep -q '^level: manual' "$base.txt" || fail "prog wrote no manual dump at $base.txt"
pass "a program built with pkg-config against the installed library runs and dumps"

sflags=$(pc --static --cflags --libs) || fail "pkg-config --static failed"
# shellcheck disable=SC2086
"$CC" -static -o "$WORK/prog-static" "$WORK/prog.c" $sflags >"$WORK/cc-static.log" 2>&1 ||
	fail "static link against the installed liboomsentry.a failed: $(cat "$WORK/cc-static.log")"
readelf -d "$WORK/prog-static" 2>/dev/null | grep -q NEEDED && fail "prog-static is not static"
"$WORK/prog-static" "$WORK/dumps-static" >/dev/null 2>"$WORK/prog-static.log" || fail "prog-static failed: $(cat "$WORK/prog-static.log")"
pass "the same program links statically with pkg-config --static ($sflags)"

submake -C "$top_builddir" uninstall DESTDIR="$DEST" >"$WORK/uninstall.log" 2>&1 ||
	fail "make uninstall failed: $(tail -n 20 "$WORK/uninstall.log")"
left=$(find "$DEST" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
pass "make uninstall removes every installed file"
