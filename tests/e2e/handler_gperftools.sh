#!/usr/bin/env bash
# gperftools instead of jemalloc: with tcmalloc preloaded and HEAPPROFILE set,
# SIGUSR2 makes liboomsentry call HeapProfilerDump (found at run time) and
# ship its profile as <base>.heap, which google-pprof reads and in which it
# names the leaking function first.
source "$(dirname "$0")/lib.sh"

tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4
[ -e "$tcmalloc" ] || missing_prerequisite "libtcmalloc (libgoogle-perftools-dev)"
command -v google-pprof >/dev/null || missing_prerequisite "google-pprof (google-perftools)"
so=$top_builddir/src/handler/.libs/liboomsentry.so
plain=$top_builddir/examples/leaky-plain

mkdir -p "$WORK/prof"
LD_PRELOAD="$tcmalloc $so" HEAPPROFILE=$WORK/prof/app OOMSENTRY_DUMP_DIR=$WORK/dumps \
	OOMSENTRY_MIN_FREE=0 "$plain" --pattern hold --start 48 >"$WORK/leaky.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for 20 grep -q 'leaked_mib=48' "$WORK/leaky.log" || fail "leaky did not start"
grep -q 'event=oomsentry_installed mode=preload.*allocator=tcmalloc' "$WORK/leaky.log" ||
	fail "tcmalloc not detected"
kill -USR2 "$pid"
wait_for 20 sh -c "ls '$WORK'/dumps/*-critical.txt >/dev/null 2>&1" || fail "no dump"
alive "$pid" || fail "the program died"
heap=$(ls "$WORK"/dumps/*-critical.heap 2>/dev/null) || fail "no heap profile: $(grep oomsentry_dump "$WORK/leaky.log")"
[ "$(stat -c %a "$heap")" = 600 ] || fail "$heap mode $(stat -c %a "$heap")"
grep -q '^heap_profile: .*(gperftools HeapProfilerDump)' "${heap%.heap}.txt" || fail "summary does not name gperftools"
grep -q 'MALLOC:' "${heap%.heap}.txt" || fail "summary lacks tcmalloc's statistics"
top=$(google-pprof --text "$plain" "$heap" 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ {print $6; exit}')
[ "$top" = leak_request_buffers ] || fail "google-pprof's first entry is '$top'"
pass "gperftools profile shipped; google-pprof names leak_request_buffers first"
