#!/usr/bin/env bash
# Scenario 1: a leaking app (examples/leaky, linked with liboomsentry, under
# jemalloc with profiling) in a 128 MiB container of a shareProcessNamespace
# pod, with the sidecar in its own container at WARNING=60 CRITICAL=85. The
# app receives SIGUSR1 then SIGUSR2, in that order, before any OOM kill; the
# heap dump lands in a volume shared with the host like an emptyDir, and it
# is complete: the .heap and the .txt are there, no temporary file is left,
# and jeprof names the leaking function.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2 ($JEMALLOC)"
command -v jeprof >/dev/null || missing_prerequisite "jeprof (libjemalloc-dev)"

mkdir "$WORK/dumps" # the emptyDir
pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
# 12 MiB/s up to 112 MiB: past 60% (77 MiB) and 85% (109 MiB) of the limit
# counting the process's other memory, and short of the limit.
pod_add app --limit 128Mi --volume "$WORK/dumps:dumps" --log "$WORK/app.log" -- \
	env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=prof:true,lg_prof_sample:19 \
	OOMSENTRY_DUMP_DIR=/mnt/dumps/app "$LEAKY" --rate 12 --max 112
app=$(pod_pid app)

wait_for 40 log_has "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR2 ||
	fail "no SIGUSR2 sent to the app (pod pid $app) within 40 s"
w=$(line_no "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR1 memory_level=warning) ||
	fail "no SIGUSR1 sent to the app"
c=$(line_no "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR2 memory_level=critical)
[ "$w" -lt "$c" ] || fail "SIGUSR2 logged before SIGUSR1"
# The app's own account: liboomsentry ran its callbacks in that order.
wait_for 10 grep -q 'leaky: received critical' "$WORK/app.log" || fail "the app did not receive SIGUSR2"
rw=$(line_no "$WORK/app.log" 'leaky: received warning') || fail "the app did not receive SIGUSR1"
rc=$(line_no "$WORK/app.log" 'leaky: received critical')
[ "$rw" -lt "$rc" ] || fail "the app received SIGUSR2 before SIGUSR1"
pass "app got SIGUSR1 (sidecar line $w) then SIGUSR2 (line $c)"

# Complete dump: the .txt is renamed last, so once it is there the rest is.
dir=$WORK/dumps/app
wait_for 30 sh -c "ls '$dir'/*-critical.txt >/dev/null 2>&1" || fail "no dump in the shared volume"
txt=$(ls "$dir"/*-critical.txt)
base=${txt%.txt}
[ -s "$base.heap" ] || fail "no $base.heap next to $txt"
[ -z "$(find "$dir" -name '.*' -print)" ] || fail "temporary files left: $(ls -A "$dir")"
[ "$(find "$dir" -type f | wc -l)" = 2 ] || fail "unexpected files: $(ls -A "$dir")"
# Named <hostname>-<pid>-<time>-<level>: the pod's name and the app's pid in
# the pod.
[[ $(basename "$base") == "$POD-$app-"*-critical ]] || fail "dump name $(basename "$base")"
grep -q '^allocator: jemalloc' "$txt" || fail "summary does not name jemalloc"
grep -q "^hostname: $POD" "$txt" || fail "summary lacks the pod's hostname"
grep -q 'oomsentry_dump ' "$WORK/app.log" || fail "no oomsentry_dump line from the app"
jeprof --text "$LEAKY" "$base.heap" >"$WORK/jeprof.out" 2>/dev/null || fail "jeprof cannot read $base.heap"
top=$(awk '$1 ~ /^[0-9.]+$/ {print $6; exit}' "$WORK/jeprof.out")
[ "$top" = leak_request_buffers ] || fail "jeprof's first entry is '$top': $(head "$WORK/jeprof.out")"
pass "complete dump $(basename "$base").{heap,txt}; jeprof names leak_request_buffers"

# Before any OOM kill: none happened, and the app still runs.
grep -q 'oom_kill 0' "/sys/fs/cgroup/memory/oomsentry-pod-$POD/app/memory.oom_control" ||
	fail "the kernel OOM-killed in the app's container"
grep -q event=oom_kill "$WORK/sidecar.log" && fail "the sidecar reports an OOM kill"
alive "$(host_pid app)" || fail "the app is not running"
pass "no OOM kill; the app is still running"
