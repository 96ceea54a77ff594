#!/usr/bin/env bash
# A leak too fast for the thresholds: the app is OOM-killed anyway, and the
# sidecar says so with the last level and signal.
#
# The kernel promises at least one OOM kill, not which process nor how many:
# with two processes allocating in one cgroup it may kill both (the larger
# first, then the other as it keeps allocating). So the test asserts that the
# kills the kernel counted in memory.oom_control are all reported, each once
# (the oom_kills= fields of the sidecar's lines add up to the kernel's count
# once the container is gone), and that every report carries the level and
# signal the sidecar had reached.
. "$(dirname "$0")/lib.sh"
need_v1_memory

make_cgroup fast $((48 * 1024 * 1024))
# The slow process settles at 36 MiB (75%: critical) and catches the
# signals; the fast one starts only once the sidecar has sent SIGUSR2, so
# the last level and signal before the kill are known, whatever the load.
pod_start "
$OOMSENTRY --interval 20ms --rescan-interval 100ms --warning 30 --critical 60 2>$WORK/sidecar.log &
in_cg $CG $MEMHOG --catch --rate 50 --max 36
until [ -e $WORK/go ]; do sleep 0.02; done
in_cg $CG $MEMHOG --catch --rate 1000 --max 200
wait
"
wait_for 30 log_has "$WORK/sidecar.log" event=signal_sent signal=SIGUSR2 ||
	fail "no SIGUSR2 sent at 75% within 30 s"
slow=$(procs_of "$CG" memhog)
[ "$(echo "$slow" | wc -w)" = 1 ] || fail "expected one memhog before the fast leak, found: $slow"
touch "$WORK/go"

# Every process but the slow one gone (the fast one was OOM-killed, and the
# slow one possibly too), and at least one kill counted.
others() { grep -vx "$slow" "$CG/cgroup.procs" | grep -q .; }
killed() { awk '$1 == "oom_kill" && $2 >= 1 { ok = 1 } END { exit !ok }' "$CG/memory.oom_control"; }
wait_for 30 eval 'killed && ! others' || fail "no OOM kill within 30 s: $(cat "$CG/memory.oom_control")"
# End the container: the kernel's count is final once it is empty, and the
# sidecar reads it when it sees the last process go.
kill -KILL "$slow" 2>/dev/null
wait_for 10 eval '! grep -q . "$CG/cgroup.procs"' || fail "the container did not empty"
cgname=${CG#"$CG_V1_MEMORY"}
wait_for 10 log_has "$WORK/sidecar.log" event=container_gone "cgroup=$cgname " ||
	fail "no container_gone for $cgname"

kernel=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.oom_control")
reported=$(grep event=oom_kill "$WORK/sidecar.log" | grep -o ' oom_kills=[0-9]*' | cut -d= -f2 | awk '{ n += $1 } END { print n + 0 }')
[ "$reported" = "$kernel" ] ||
	fail "kernel counted $kernel OOM kills, sidecar reported $reported: $(grep event=oom_kill "$WORK/sidecar.log")"
while IFS= read -r line; do
	[[ $line == *"cgroup=$cgname "* && $line == *" last_level=critical last_signal=SIGUSR2 "* &&
		$line =~ since_last_signal_ms=[0-9]+ ]] ||
		fail "oom_kill line lacks the cgroup, last level or signal: $line"
done < <(grep event=oom_kill "$WORK/sidecar.log")
pass "$kernel OOM kill(s) counted by the kernel, all reported once: $(grep -o 'event=oom_kill.*' "$WORK/sidecar.log" | tr '\n' ' ')"
