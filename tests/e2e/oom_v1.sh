#!/usr/bin/env bash
# A leak too fast for the thresholds: the app is OOM-killed anyway, and the
# sidecar says so with the last level and signal.
. "$(dirname "$0")/lib.sh"
need_v1_memory

make_cgroup fast $((48 * 1024 * 1024))
pod_start "
$OOMSENTRY --interval 20ms --rescan-interval 100ms --warning 30 --critical 60 2>$WORK/sidecar.log &
sleep 0.5
in_cg $CG $MEMHOG --catch --rate 20 --max 36
sleep 0.5 # the sidecar must know the container before the fast leak starts
in_cg $CG $MEMHOG --catch --rate 1000 --max 200
wait
"
wait_for 30 grep -qs "event=oom_kill" "$WORK/sidecar.log" || fail "no oom_kill line within 30 s"
log_has "$WORK/sidecar.log" event=oom_kill oom_kills=1 last_level=critical last_signal=SIGUSR2 since_last_signal_ms= ||
	fail "oom_kill line lacks the last level and signal: $(grep oom_kill "$WORK/sidecar.log")"
grep -q 'oom_kill 1' "$CG/memory.oom_control" || fail "the kernel did not OOM-kill (test setup)"
pass "OOM kill reported: $(grep -o 'event=oom_kill.*' "$WORK/sidecar.log")"
