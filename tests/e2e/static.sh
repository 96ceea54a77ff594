#!/usr/bin/env bash
# The default build of the sidecar is one statically linked binary.
. "$(dirname "$0")/lib.sh"

[ -x "$OOMSENTRY" ] || fail "no binary at $OOMSENTRY"
if [ "${static_build:-yes}" = no ]; then
	echo "SKIP: static: configured with --disable-static-binary"
	exit 77
fi
if readelf -l "$OOMSENTRY" | grep -q INTERP; then
	fail "$OOMSENTRY asks for a dynamic loader"
fi
if readelf -d "$OOMSENTRY" 2>/dev/null | grep -q NEEDED; then
	fail "$OOMSENTRY needs shared libraries: $(readelf -d "$OOMSENTRY" | grep NEEDED)"
fi
strip -o "$WORK/stripped" "$OOMSENTRY"
"$WORK/stripped" --version | grep -q '^oomsentry ' || fail "stripped binary does not run"
pass "static; stripped size $(stat -c %s "$WORK/stripped") bytes"
