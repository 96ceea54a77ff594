#!/usr/bin/env bash
# Scenario 2: in the leaking app's 128 MiB container, a process that catches
# neither signal (sleep), and the pod's PID 1 (pause): both are alive at the
# end, after the app received SIGUSR1 and SIGUSR2. The sidecar says once per
# level that it left sleep alone, and never signals PID 1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir "$WORK/dumps"
pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
# sleep starts first, in the same container (same cgroup, same mount
# namespace), then the shell becomes the app.
pod_add app --limit 128Mi --volume "$WORK/dumps:dumps" --log "$WORK/app.log" -- \
	sh -c "sleep 600 & exec env OOMSENTRY_DUMP_DIR=/mnt/dumps '$LEAKY' --rate 25 --max 112"
app=$(pod_pid app)
app_cg=/sys/fs/cgroup/memory/oomsentry-pod-$POD/app
has_sleep() { [ -n "$(procs_of "$app_cg" sleep)" ]; }
wait_for 10 has_sleep || fail "no sleep in the app's container"
sleep_host=$(procs_of "$app_cg" sleep)
sleep_pod=$(awk '/^NSpid:/ {print $3}' "/proc/$sleep_host/status")
pp=$(pause_pid)

wait_for 30 log_has "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR2 ||
	fail "no SIGUSR2 sent to the app within 30 s"
log_has "$WORK/sidecar.log" event=signal_sent "pid=$app " signal=SIGUSR1 || fail "no SIGUSR1 sent to the app"
wait_for 10 grep -q 'leaky: received critical' "$WORK/app.log" || fail "the app did not receive SIGUSR2"
sleep 0.5 # a wrong delivery to the bystanders would show up meanwhile

alive "$sleep_host" || fail "sleep (no handlers) died"
alive "$pp" || fail "pause (PID 1) died"
[ "$(pod exec "$POD" app -- cat /proc/1/comm)" = pause ] || fail "PID 1 is no longer pause"
alive "$(host_pid app)" || fail "the app died"
pass "sleep (pod pid $sleep_pod) and pause (PID 1) alive after SIGUSR1 and SIGUSR2"

for sig in SIGUSR1 SIGUSR2; do
	n=$(grep -c "event=signal_skipped pid=$sleep_pod comm=sleep signal=$sig " "$WORK/sidecar.log")
	[ "$n" = 1 ] || fail "skip of sleep for $sig logged $n times, want 1"
done
log_has "$WORK/sidecar.log" event=signal_skipped "pid=$sleep_pod " "would kill" || fail "skip reason not logged"
grep -E "event=signal_(sent|failed) pid=($sleep_pod|1) " "$WORK/sidecar.log" &&
	fail "the sidecar tried to signal a bystander"
# What the sidecar sees of PID 1: no handler for either signal.
pod exec "$POD" sidecar -- "$OOMSENTRY" --once >"$WORK/once.out" 2>"$WORK/once.err" || fail "oomsentry --once failed"
log_has "$WORK/once.out" "pid=1 " comm=pause catches_warning=no catches_critical=no ||
	fail "--once: $(cat "$WORK/once.out")"
pass "skips of sleep logged once per level; PID 1 seen without handlers and never signalled"
