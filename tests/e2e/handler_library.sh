#!/usr/bin/env bash
# liboomsentry as built: a shared and a static library, exporting only the
# oomsentry_ API, depending on libc (and pthread) only, with a usable
# pkg-config file; an app links it through pkg-config and runs.
source "$(dirname "$0")/lib.sh"

so=$top_builddir/src/handler/.libs/liboomsentry.so
a=$top_builddir/src/handler/.libs/liboomsentry.a
[ -f "$so" ] || fail "$so not built"
[ -f "$a" ] || fail "$a not built"
command -v nm >/dev/null || missing_prerequisite "nm (binutils)"

exported=$(nm -D --defined-only "$so" | awk '{print $3}')
[ -n "$exported" ] || fail "no exported symbols"
others=$(grep -v '^oomsentry_' <<<"$exported" || true)
[ -z "$others" ] || fail "exports symbols outside the API: $others"
for f in oomsentry_init oomsentry_options_init oomsentry_options_from_env \
	oomsentry_on_warning oomsentry_on_critical oomsentry_dump; do
	grep -qx "$f" <<<"$exported" || fail "$f not exported"
done
pass "exports only: $(tr '\n' ' ' <<<"$exported")"

# The static archive too: its internal functions are local, so they cannot
# clash with an app's own when it links liboomsentry.a.
global=$(nm -g --defined-only "$a" | awk 'NF == 3 {print $3}')
others=$(grep -v '^oomsentry_' <<<"$global" || true)
[ -z "$others" ] || fail "liboomsentry.a defines global symbols outside the API: $(tr '\n' ' ' <<<"$others")"
pass "liboomsentry.a defines only the API globally"

needed=$(readelf -d "$so" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); print $5}')
for lib in $needed; do
	case $lib in
	libc.so.* | libpthread.so.* | ld-linux*) ;;
	*) fail "depends on $lib" ;;
	esac
done
pass "depends on: $(tr '\n' ' ' <<<"$needed")"

pc=$top_builddir/oomsentry.pc
[ -f "$pc" ] || fail "$pc not generated"
libs=$(PKG_CONFIG_PATH=$top_builddir pkg-config --libs oomsentry) || fail "pkg-config cannot read oomsentry.pc"
grep -q -- '-loomsentry' <<<"$libs" || fail "pkg-config --libs gives '$libs'"
pass "pkg-config --libs oomsentry: $libs"

# An app built against the header and the uninstalled library, as pkg-config
# would with -I/-L pointing at an install.
cat >"$WORK/app.c" <<'APP'
#include <errno.h>
#include <oomsentry.h>
#include <stdio.h>
int main(void)
{
	struct oomsentry_options o;
	oomsentry_options_init(&o);
	o.dump_dir = getenv("DUMP_DIR");
	o.min_free_bytes = 0;
	if (oomsentry_init(&o) != 0)
		return 1;
	char base[512];
	int r = oomsentry_dump(base, sizeof base);
	printf("%d %s\n", r, base);
	return r != 0;
}
APP
sed -i '1i #include <stdlib.h>' "$WORK/app.c"
for kind in shared static; do
	if [ $kind = shared ]; then
		cc -std=gnu11 -I"$top_srcdir/src/handler" -o "$WORK/app-$kind" "$WORK/app.c" \
			-L"$(dirname "$so")" -loomsentry -Wl,-rpath,"$(dirname "$so")" >"$WORK/cc.log" 2>&1 ||
			fail "cannot link against $so: $(cat "$WORK/cc.log")"
	else
		cc -std=gnu11 -I"$top_srcdir/src/handler" -o "$WORK/app-$kind" "$WORK/app.c" \
			"$a" -pthread >"$WORK/cc.log" 2>&1 || fail "cannot link against $a: $(cat "$WORK/cc.log")"
	fi
	mkdir -p "$WORK/dumps-$kind"
	DUMP_DIR=$WORK/dumps-$kind "$WORK/app-$kind" >"$WORK/app-$kind.log" 2>&1 ||
		fail "$kind app failed: $(cat "$WORK/app-$kind.log")"
	ls "$WORK/dumps-$kind"/*-manual.txt >/dev/null 2>&1 || fail "$kind app wrote no dump"
	pass "an app linked $kind dumps on demand"
done
