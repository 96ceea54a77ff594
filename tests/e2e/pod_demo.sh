#!/usr/bin/env bash
# shellcheck disable=SC2154 # at() below assigns the s_* line numbers
# The demo (examples/demo.sh), run against this build: its output shows each
# stage (the sidecar's start-up line, the memory climbing, SIGUSR1 then
# SIGUSR2, the dump files, jeprof naming the leaking function), it exits 0
# and leaves no pod behind; interrupted midway, it tears its pod down too.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2 ($JEMALLOC)"
command -v jeprof >/dev/null || missing_prerequisite "jeprof (libjemalloc-dev)"

demo=$top_srcdir/examples/demo.sh
out=$WORK/demo.log
t0=$(date +%s%N)
"$demo" --build "$top_builddir" >"$out" 2>&1 || fail "demo.sh exited $?"
t1=$(date +%s%N)
pod=$(grep -o 'Starting pod "demo-[0-9]*"' "$out" | grep -o 'demo-[0-9]*') || fail "no pod named in the output"

# at VAR PATTERN...: VAR = number of the first output line holding them all.
at() {
	local var=$1 no
	shift
	no=$(line_no "$out" "$@") || fail "the output lacks: $*"
	printf -v "$var" %s "$no"
}
at s_start 'event=start' 'caps="cap_kill,cap_sys_ptrace=ep"'
at s_usr1 '>>> SIGUSR1'
at _ 'event=signal_sent' 'signal=SIGUSR1' 'comm=leaky'
at _ 'leaky: received warning'
at s_usr2 '>>> SIGUSR2'
at _ 'event=signal_sent' 'signal=SIGUSR2' 'comm=leaky'
at _ 'leaky: received critical'
at s_heap "$pod-" '-critical.heap'
at _ "$pod-" '-critical.txt'
at s_jeprof 'jeprof --text'

top=$(sed -n "$((s_jeprof + 1)),\$p" "$out" | awk '$1 ~ /^[0-9.]+$/ {print $6; exit}')
[ "$top" = leak_request_buffers ] || fail "jeprof's top entry in the output is '$top'"
if ! [ "$s_start" -lt "$s_usr1" ] || ! [ "$s_usr1" -lt "$s_usr2" ] ||
	! [ "$s_usr2" -lt "$s_heap" ] || ! [ "$s_heap" -lt "$s_jeprof" ]; then
	fail "stages out of order"
fi
# The memory climbs: at least three distinct, increasing working-set readings
# before SIGUSR1.
readings=$(sed -n "1,${s_usr1}p" "$out" | sed -n 's/.*working set *\([0-9]*\) MiB.*/\1/p' | uniq)
[ "$(wc -l <<<"$readings")" -ge 3 ] || fail "too few working-set readings: $readings"
sort -n -c <<<"$readings" 2>/dev/null || fail "working set not climbing: $readings"
at _ 'its processes and cgroups are gone'
[ ! -d "/sys/fs/cgroup/memory/oomsentry-pod-$pod" ] || fail "the demo left its cgroup"
[ ! -d "/run/oomsentry-pod/$pod" ] || fail "the demo left its pod state"
pass "demo shows start-up, climb, SIGUSR1, SIGUSR2, dump, jeprof; ran $(((t1 - t0) / 1000000)) ms"

# Interrupted (SIGTERM, as from a CI timeout; Ctrl-C takes the same path)
# while the memory climbs: the pod goes anyway.
"$demo" --build "$top_builddir" --rate 1 >"$WORK/interrupted.log" 2>&1 &
demo_pid=$!
PIDS+=("$demo_pid")
wait_for 20 grep -q 'working set' "$WORK/interrupted.log" || fail "the slow demo did not get going"
pod=$(grep -o 'Starting pod "demo-[0-9]*"' "$WORK/interrupted.log" | grep -o 'demo-[0-9]*')
[ -d "/sys/fs/cgroup/memory/oomsentry-pod-$pod" ] || fail "no pod cgroup while the demo runs (test setup)"
kill -TERM "$demo_pid"
wait "$demo_pid"
rc=$?
[ "$rc" = 130 ] || fail "interrupted demo exited $rc, want 130"
[ ! -d "/sys/fs/cgroup/memory/oomsentry-pod-$pod" ] || fail "the interrupted demo left its cgroup"
[ ! -d "/run/oomsentry-pod/$pod" ] || fail "the interrupted demo left its pod state"
pass "interrupted demo tears its pod down"
