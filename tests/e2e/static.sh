#!/usr/bin/env bash
# The static programs (the sidecar and oomsentry-copy) are statically linked,
# against the C library configure chose (musl by default, glibc as the
# fallback), run once stripped, and stay within a size budget per C library.
# The fallback is checked too when STATIC_FALLBACK_BUILD names a build
# directory configured with the other C library (tests/run.sh makes one).
. "$(dirname "$0")/lib.sh"

# Stripped bytes, about 15% above what -O2 builds measure: a budget catches a
# change that drags in a large part of libc (glibc's scanf or time zone code
# cost about 100 KiB each), not ordinary growth.
budget_musl_sidecar=$((360 * 1024))
budget_musl_copy=$((48 * 1024))
budget_glibc_sidecar=$((1344 * 1024))
budget_glibc_copy=$((800 * 1024))

[ -x "$OOMSENTRY" ] || fail "no binary at $OOMSENTRY"
if [ "${static_build:-yes}" = no ]; then
	echo "SKIP: static: configured with --disable-static-binary"
	exit 77
fi

# check_static BINARY LIBC BUDGET: statically linked, that C library, runs
# stripped, no bigger than BUDGET stripped.
check_static() {
	local bin=$1 libc=$2 budget=$3 name
	name=$(basename "$bin")
	[ -x "$bin" ] || fail "no binary at $bin"
	readelf -l "$bin" | grep -q INTERP && fail "$bin ($libc) asks for a dynamic loader"
	if readelf -d "$bin" 2>/dev/null | grep -q NEEDED; then
		fail "$bin ($libc) needs shared libraries: $(readelf -d "$bin" | grep NEEDED)"
	fi
	# Each C library's own start-up symbol: musl's __init_libc, glibc's C
	# locale object (musl has no such object).
	local syms
	syms=$(nm "$bin")
	case $libc in
	musl) grep -q ' __init_libc$' <<<"$syms" && ! grep -q ' _nl_C_locobj$' <<<"$syms" ||
		fail "$bin is not linked with musl" ;;
	glibc) grep -q ' _nl_C_locobj$' <<<"$syms" || fail "$bin is not linked with glibc" ;;
	esac
	local stripped=$WORK/$name.$libc
	strip -o "$stripped" "$bin"
	local size rc=0
	size=$(stat -c %s "$stripped")
	case $name in
	oomsentry) "$stripped" --version | grep -q '^oomsentry ' || fail "stripped $name ($libc) does not run" ;;
	*) "$stripped" >/dev/null 2>"$WORK/copy.err" || rc=$?
		[ "$rc" -eq 2 ] && grep -q '^usage: oomsentry-copy' "$WORK/copy.err" ||
			fail "stripped $name ($libc) without arguments: exit $rc, $(cat "$WORK/copy.err")" ;;
	esac
	[ "$size" -le "$budget" ] ||
		fail "stripped $name ($libc) is $size bytes, over its budget of $budget"
	pass "$name: static $libc; stripped $size bytes (budget $budget)"
}

libc=${static_libc:-}
[ -n "$libc" ] || libc=$(sed -n 's/^STATIC_LIBC = //p' "$top_builddir/Makefile")
case $libc in
musl | glibc) ;;
*) fail "the build says its static C library is \"$libc\"" ;;
esac
budget() { local v="budget_$1_$2"; echo "${!v}"; }
check_static "$OOMSENTRY" "$libc" "$(budget "$libc" sidecar)"
check_static "$top_builddir/tools/oomsentry-copy" "$libc" "$(budget "$libc" copy)"

if [ "$libc" = glibc ]; then
	# musl is the default wherever musl-gcc works; CI installs it.
	[ "${CI:-}" = true ] && fail "the default build fell back to glibc (see configure's output)"
	echo "note: musl not checked: this build is the glibc fallback"
	exit 0
fi
fallback=${STATIC_FALLBACK_BUILD:-}
if [ -z "$fallback" ]; then
	missing_prerequisite "STATIC_FALLBACK_BUILD is not set: no glibc build to check"
fi
other=$(sed -n 's/^STATIC_LIBC = //p' "$fallback/Makefile")
[ "$other" = glibc ] || fail "STATIC_FALLBACK_BUILD=$fallback is a \"$other\" build, not glibc"
check_static "$fallback/src/oomsentry" glibc "$budget_glibc_sidecar"
check_static "$fallback/tools/oomsentry-copy" glibc "$budget_glibc_copy"
