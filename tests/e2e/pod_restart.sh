#!/usr/bin/env bash
# Scenario 4: container restart. The app's container is signalled, then
# removed (processes killed, cgroup deleted) and created again under the same
# name: a new cgroup, new PIDs. The sidecar, still the same process, notices
# the old container is gone, finds the new one, and signals the new process
# from the normal level again: SIGUSR1 then SIGUSR2.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir -m 0777 "$WORK/rec"
pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
sidecar_host=$(host_pid sidecar)
sidecar_start=$(awk '{print $22}' "/proc/$sidecar_host/stat")
cg=/sys/fs/cgroup/memory/oomsentry-pod-$POD/app

start_app() { # start_app RUN
	pod_add app --limit 128Mi --volume "$WORK/rec:rec" --log "$WORK/app$1.log" -- \
		"$MEMHOG" --catch --rate 50 --hold 90 --max 112 --record "/mnt/rec/run$1"
}
got_both() { grep -qs SIGUSR1 "$1" && grep -qs SIGUSR2 "$1"; }

start_app 1
old_pid=$(pod_pid app)
old_ino=$(stat -c %i "$cg")
wait_for 30 got_both "$WORK/rec/run1" || fail "first run: signals: $(cat "$WORK/rec/run1" 2>/dev/null)"
pass "first container (pod pid $old_pid) got SIGUSR1 and SIGUSR2"

pod rm "$POD" app || fail "rm app failed"
wait_for 10 log_has "$WORK/sidecar.log" event=container_gone "cgroup=/oomsentry-pod-$POD/app " ||
	fail "the sidecar did not notice the container was gone"
start_app 2
new_pid=$(pod_pid app)
new_ino=$(stat -c %i "$cg")
[ "$new_pid" != "$old_pid" ] || fail "the new container reused pod pid $old_pid (test setup)"
[ "$new_ino" != "$old_ino" ] || fail "the new cgroup has the old inode (test setup)"
wait_for 30 got_both "$WORK/rec/run2" || fail "restarted container: signals: $(cat "$WORK/rec/run2" 2>/dev/null)"
mapfile -t got <"$WORK/rec/run2"
[[ ${#got[@]} -eq 2 && ${got[0]} == SIGUSR1* && ${got[1]} == SIGUSR2* ]] ||
	fail "restarted container got: ${got[*]}"
log_has "$WORK/sidecar.log" event=signal_sent "pid=$new_pid " signal=SIGUSR1 memory_level=warning || fail "SIGUSR1 to $new_pid not logged"
log_has "$WORK/sidecar.log" event=signal_sent "pid=$new_pid " signal=SIGUSR2 memory_level=critical || fail "SIGUSR2 to $new_pid not logged"
# In the log: the first container signalled, gone, then the new one found.
awk -v cg="cgroup=/oomsentry-pod-$POD/app " -v old="pid=$old_pid " '
	index($0, "event=signal_sent " old) && index($0, "signal=SIGUSR2") { s = NR }
	s && !g && index($0, "event=container_gone " cg) { g = NR }
	g && index($0, "event=container_found " cg) { f = NR }
	END { exit !(s && g && f) }' "$WORK/sidecar.log" || fail "no signal, container_gone, container_found sequence"

if ! alive "$sidecar_host" || [ "$(awk '{print $22}' "/proc/$sidecar_host/stat")" != "$sidecar_start" ]; then
	fail "the sidecar restarted or stopped"
fi
grep -q event=stop "$WORK/sidecar.log" && fail "the sidecar stopped"
pass "restarted container (pod pid $new_pid, new cgroup) got SIGUSR1 then SIGUSR2 from the same sidecar"
