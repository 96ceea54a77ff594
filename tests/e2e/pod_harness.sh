#!/usr/bin/env bash
# The test pod itself (tests/pod/pod.sh): PID 1 is pause and survives the
# memory signals; a container sees its own cgroup, read-only, at
# /sys/fs/cgroup/memory, runs under its own uid, shares volumes; `wait`
# reports exit statuses, `rm` and `down` leave no process, cgroup or state
# behind, and a pod whose owner dies is taken down by its keeper.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

pod_up h
mkdir -m 0777 "$WORK/vol"
pod_add a --limit 64Mi --uid 3000 --volume "$WORK/vol:data" --log "$WORK/a.log" -- \
	sh -c 'echo written-inside >/mnt/data/from-a; exec sleep 600'
pod_add b --log "$WORK/b.log" -- sleep 600

in_a() { pod exec "$POD" a -- "$@"; }
[ "$(in_a cat /proc/1/comm)" = pause ] || fail "PID 1 is $(in_a cat /proc/1/comm), not pause"
[ "$(in_a hostname)" = "$POD" ] || fail "hostname is $(in_a hostname), want the pod name"
[ "$(in_a id -u)" = 3000 ] || fail "container a runs as uid $(in_a id -u)"
cg_line=$(in_a cat /proc/self/cgroup | grep ':memory:')
[ "$cg_line" = "$(grep ':memory:' "/proc/$(host_pid a)/cgroup")" ] || fail "exec joined another cgroup: $cg_line"
[[ $cg_line == *":memory:/oomsentry-pod-$POD/a" ]] || fail "cgroup: $cg_line"
[ "$(in_a cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" = $((64 << 20)) ] ||
	fail "the container does not see its own limit at /sys/fs/cgroup/memory"
in_a grep -q ' /sys/fs/cgroup/memory ro,' /proc/self/mountinfo || fail "cgroup view not read-only"
pod exec "$POD" b -- sh -c 'echo 1 >/sys/fs/cgroup/memory/memory.limit_in_bytes' 2>/dev/null &&
	fail "root in a container could write its limit through the cgroup view"
[ "$(cat "$WORK/vol/from-a" 2>/dev/null)" = written-inside ] || fail "volume not shared with the host"
# Each container has its own mount namespace.
[ "$(readlink "/proc/$(host_pid a)/ns/mnt")" != "$(readlink "/proc/$(host_pid b)/ns/mnt")" ] ||
	fail "containers share a mount namespace"
pass "pause is PID 1; container sees its own cgroup read-only, its uid, the volume"

# Pause: catches only SIGINT, SIGTERM, SIGCHLD; SIGUSR1/SIGUSR2 sent from a
# container leave it (and with it the pod) running.
pp=$(pause_pid)
[ "$(awk '/^SigCgt:/ {print $2}' "/proc/$pp/status")" = 0000000000014002 ] ||
	fail "pause SigCgt: $(grep SigCgt "/proc/$pp/status")"
pod exec "$POD" b -- kill -USR1 1 || fail "cannot send SIGUSR1 to PID 1"
pod exec "$POD" b -- kill -USR2 1 || fail "cannot send SIGUSR2 to PID 1"
sleep 0.2
alive "$pp" || fail "pause died of SIGUSR1/SIGUSR2"
pass "pause catches only INT, TERM, CHLD and survives SIGUSR1/SIGUSR2"

# Exit statuses, as a runtime reports them; rm removes a container.
pod_add c -- sh -c 'exit 7'
[ "$(pod wait "$POD" c 10)" = 7 ] || fail "exit status of c not 7"
pod_add d --limit 16Mi -- sh -c 'exec '"$MEMHOG"' --max 64'
[ "$(pod wait "$POD" d 20)" = 137 ] || fail "OOM-killed d did not exit 137"
grep -q 'oom_kill 1' "/sys/fs/cgroup/memory/oomsentry-pod-$POD/d/memory.oom_control" || fail "no oom_kill for d"
pod status "$POD" >"$WORK/status.out"
log_has "$WORK/status.out" container=d state=exited:137 oom_kills=1 || fail "status: $(cat "$WORK/status.out")"
log_has "$WORK/status.out" container=a state=running limit_bytes=$((64 << 20)) || fail "status: $(cat "$WORK/status.out")"
b_host=$(host_pid b)
pod rm "$POD" b || fail "rm b failed"
[ ! -d "/sys/fs/cgroup/memory/oomsentry-pod-$POD/b" ] || fail "rm left b's cgroup"
wait_for 10 gone "$b_host" || fail "rm left b's process"
pass "wait reports 7 and 137 (OOM kill), status shows it, rm removes a container"

# down: nothing left.
a_host=$(host_pid a)
pod down "$POD" || fail "down failed"
for p in "$pp" "$a_host"; do wait_for 10 gone "$p" || fail "process $p survived down"; done
[ ! -d "/sys/fs/cgroup/memory/oomsentry-pod-$POD" ] || fail "down left the pod cgroup"
[ ! -d "/run/oomsentry-pod/$POD" ] || fail "down left the state directory"
pass "down removes every process, cgroup and the state"

# An owner that dies without calling down (SIGKILL): the keeper cleans up.
orphan="orphan-$$"
PODS+=("$orphan")
{ bash -c "'$POD_SH' up $orphan --owner \$\$ >/dev/null && '$POD_SH' add $orphan x -- sleep 600 >/dev/null && touch '$WORK/orphan-up' && kill -KILL \$\$"; } 2>/dev/null
[ -f "$WORK/orphan-up" ] || fail "could not start the orphan pod"
wait_for 10 test ! -d "/sys/fs/cgroup/memory/oomsentry-pod-$orphan" || fail "pod of a killed owner still there"
wait_for 5 test ! -d "/run/oomsentry-pod/$orphan" || fail "state of a killed owner's pod still there"
pass "a pod whose owner was killed is taken down by its keeper"
