#!/usr/bin/env bash
# Done means: an unmodified leaking program started with LD_PRELOAD (jemalloc
# + liboomsentry) and sent SIGUSR2 writes a profile in which jeprof names its
# leaking function first, and keeps running. examples/preload.sh does exactly
# that; this test runs it and checks what it reports.
source "$(dirname "$0")/lib.sh"

command -v jeprof >/dev/null || missing_prerequisite "jeprof (libjemalloc-dev)"
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || ldconfig -p | grep -q libjemalloc.so.2 ||
	missing_prerequisite "libjemalloc2"

OOMSENTRY_DUMP_DIR=$WORK/dumps "$top_srcdir/examples/preload.sh" "$top_builddir" \
	>"$WORK/preload.log" 2>&1 || fail "examples/preload.sh failed"
grep -q 'jeprof names leak_request_buffers first' "$WORK/preload.log" || fail "jeprof did not name the leak"
grep -q 'is still running' "$WORK/preload.log" || fail "the program did not survive"

heap=$(ls "$WORK"/dumps/*-critical.heap)
txt=${heap%.heap}.txt
[ -f "$txt" ] || fail "no summary next to $heap"
[ "$(stat -c %a "$heap")" = 600 ] || fail "$heap mode $(stat -c %a "$heap")"
[ "$(stat -c %a "$WORK/dumps")" = 700 ] || fail "dump dir mode $(stat -c %a "$WORK/dumps")"
grep -q '^allocator: jemalloc' "$txt" || fail "summary does not name jemalloc"
grep -q 'Begin jemalloc statistics' "$txt" || fail "summary lacks jemalloc's statistics"
grep -q "^hostname: $(hostname | tr -c 'A-Za-z0-9._\n-' _)" "$txt" || fail "summary lacks the hostname"
sed -n '/== jeprof/,/still running/p' "$WORK/preload.log" | head -n 6
pass "jeprof names leak_request_buffers first; the program kept running"
