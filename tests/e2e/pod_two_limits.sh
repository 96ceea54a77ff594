#!/usr/bin/env bash
# Scenario 7: two app containers with different limits, 128 MiB and 256 MiB,
# each holding the same 100 MiB. Each is judged against its own limit: only
# the first crosses WARNING (60%) and only it is signalled.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir -m 0777 "$WORK/rec"
pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
pod_add small --limit 128Mi --volume "$WORK/rec:rec" -- "$MEMHOG" --catch --rate 100 --max 100 --record /mnt/rec/small
pod_add big --limit 256Mi --volume "$WORK/rec:rec" -- "$MEMHOG" --catch --rate 100 --max 100 --record /mnt/rec/big
small=$(pod_pid small)
big=$(pod_pid big)
for c in small big; do
	wait_for 10 grep -q "event=container_limit cgroup=/oomsentry-pod-$POD/$c " "$WORK/sidecar.log" ||
		fail "no container_limit line for $c"
done
log_has "$WORK/sidecar.log" event=container_limit "oomsentry-pod-$POD/small " limit_bytes=$((128 << 20)) warning_bytes=$((128 * 1048576 * 60 / 100)) ||
	fail "small judged against another limit: $(grep "container_limit.*/small" "$WORK/sidecar.log")"
log_has "$WORK/sidecar.log" event=container_limit "oomsentry-pod-$POD/big " limit_bytes=$((256 << 20)) warning_bytes=$((256 * 1048576 * 60 / 100)) ||
	fail "big judged against another limit: $(grep "container_limit.*/big" "$WORK/sidecar.log")"

wait_for 30 grep -qs SIGUSR1 "$WORK/rec/small" || fail "the 128 MiB container got no SIGUSR1"
# Both hold their 100 MiB now; give the sidecar time to misjudge the other.
has_100() { [ "$(cat "/sys/fs/cgroup/memory/oomsentry-pod-$POD/big/memory.usage_in_bytes")" -ge $((100 << 20)) ]; }
wait_for 10 has_100 || fail "the 256 MiB container did not reach 100 MiB (test setup)"
sleep 1
[ ! -s "$WORK/rec/big" ] || fail "the 256 MiB container was signalled: $(cat "$WORK/rec/big")"
grep "event=level cgroup=/oomsentry-pod-$POD/big " "$WORK/sidecar.log" && fail "the 256 MiB container changed level"
grep -q SIGUSR2 "$WORK/rec/small" && fail "the 128 MiB container got SIGUSR2 below CRITICAL"
pod exec "$POD" sidecar -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY" --once >"$WORK/once.out" 2>"$WORK/once.err"
log_has "$WORK/once.out" "pid=$small " level=warning || fail "--once, small: $(cat "$WORK/once.out")"
log_has "$WORK/once.out" "pid=$big " level=normal || fail "--once, big: $(cat "$WORK/once.out")"
pass "100 MiB: warning in 128 MiB (signalled), normal in 256 MiB (left alone)"
