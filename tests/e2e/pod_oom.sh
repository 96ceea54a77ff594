#!/usr/bin/env bash
# Scenario 3: a leak too fast for the thresholds (it doubles, from 75% of
# the limit straight past the limit): the app is OOM-killed anyway, its
# container exits 137, and the sidecar logs the OOM kill with the last level
# and the last signal it sent, though the app was the container's only
# process and is gone when the sidecar looks.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir "$WORK/dumps"
pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
# 48 MiB, then 96 MiB (75%: warning) for 2 s, then 192 MiB at once.
pod_add app --limit 128Mi --volume "$WORK/dumps:dumps" --log "$WORK/app.log" -- \
	env OOMSENTRY_DUMP_DIR=/mnt/dumps "$LEAKY" --pattern doubling --start 48 --step-ms 2000
app=$(pod_pid app)

[ "$(pod wait "$POD" app 40)" = 137 ] || fail "the app was not killed (exit $(pod wait "$POD" app 1))"
grep -q 'oom_kill 1' "/sys/fs/cgroup/memory/oomsentry-pod-$POD/app/memory.oom_control" ||
	fail "the kernel did not OOM-kill (test setup)"
grep -q 'leaky: received warning' "$WORK/app.log" || fail "the app never got SIGUSR1"
pass "app OOM-killed (exit 137) after it received SIGUSR1"

wait_for 10 grep -q event=oom_kill "$WORK/sidecar.log" || fail "the sidecar did not log the OOM kill"
line=$(grep event=oom_kill "$WORK/sidecar.log")
[[ $line == *"cgroup=/oomsentry-pod-$POD/app "* && $line == *" oom_kills=1 "* ]] || fail "oom_kill line: $line"
# Which level the sidecar saw last depends on whether a 20 ms tick fell in
# the few milliseconds between 85% and the limit; the line must be
# consistent with what it sent either way.
[[ $line == *" last_level=warning last_signal=SIGUSR1 "* || $line == *" last_level=critical last_signal=SIGUSR2 "* ]] ||
	fail "oom_kill line lacks a consistent last level and signal: $line"
[[ $line =~ since_last_signal_ms=[0-9]+ ]] || fail "oom_kill line lacks since_last_signal_ms: $line"
log_has "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR1 || fail "SIGUSR1 not logged as sent"
log_has "$WORK/sidecar.log" event=container_gone "cgroup=/oomsentry-pod-$POD/app " || fail "container_gone not logged"
alive "$(host_pid sidecar)" || fail "the sidecar stopped"
pass "sidecar: $(grep -o 'event=oom_kill.*' "$WORK/sidecar.log")"
