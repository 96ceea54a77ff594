#!/usr/bin/env bash
# Scenario 5: a non-root sidecar (uid 2000) holding only CAP_KILL and
# CAP_SYS_PTRACE (as ambient capabilities), with the app under another uid
# (3000): it works. The same sidecar without CAP_SYS_PTRACE exits 3 with the
# message naming it; and when it can still see some containers (one of its
# own uid), it goes on and names exactly the processes it cannot see.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir -m 0777 "$WORK/rec"
# An app that grows past both thresholds and records the signals it gets.
# It waits at 90 MiB (70%: warning) until it is signalled, so it gets
# SIGUSR1 first however late the sidecar starts on a busy machine.
grower=("$MEMHOG" --catch --rate 50 --hold 90 --max 112 --record)

# 1. Both capabilities: signals reach the app of another uid.
pod_up both
pod_add app --uid 3000 --limit 128Mi --volume "$WORK/rec:rec" --log "$WORK/app1.log" -- "${grower[@]}" /mnt/rec/run1
pod_add sidecar --uid 2000 --caps kill,sys_ptrace --log "$WORK/sidecar1.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 30 grep -qs SIGUSR2 "$WORK/rec/run1" || fail "app of uid 3000 got no SIGUSR2: $(cat "$WORK/rec/run1" 2>/dev/null)"
grep -q SIGUSR1 "$WORK/rec/run1" || fail "app of uid 3000 got no SIGUSR1"
log_has "$WORK/sidecar1.log" event=start uid=2000 'caps="cap_kill,cap_sys_ptrace=ep"' || fail "start line"
[ "$(awk '/^Uid:/ {print $2}' "/proc/$(host_pid sidecar)/status")" = 2000 ] || fail "the sidecar is not uid 2000"
[ "$(awk '/^Uid:/ {print $2}' "/proc/$(host_pid app)/status")" = 3000 ] || fail "the app is not uid 3000"
grep -q event=capability_missing "$WORK/sidecar1.log" && fail "capability_missing with both capabilities"
pod down "$POD"
pass "sidecar uid 2000 with CAP_KILL+CAP_SYS_PTRACE signals an app of uid 3000"

# 2. Without CAP_SYS_PTRACE, nothing to see: exit 3, the capability named.
pod_up noptrace
pod_add app --uid 3000 --limit 128Mi -- sleep 600
pod_add sidecar --uid 2000 --caps kill --log "$WORK/sidecar2.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
rc=$(pod wait "$POD" sidecar 20) || fail "the sidecar without CAP_SYS_PTRACE did not exit"
[ "$rc" = 3 ] || fail "exit $rc, want 3: $(cat "$WORK/sidecar2.log")"
grep -q 'missing capability CAP_SYS_PTRACE' "$WORK/sidecar2.log" || fail "message: $(cat "$WORK/sidecar2.log")"
grep -q 'run the sidecar as uid 3000, the app.s' "$WORK/sidecar2.log" || fail "message lacks the fix: $(cat "$WORK/sidecar2.log")"
pod down "$POD"
pass "without CAP_SYS_PTRACE: exit 3: $(grep -o 'missing capability CAP_SYS_PTRACE[^;]*' "$WORK/sidecar2.log")"

# 3. Without CAP_SYS_PTRACE but with a container of its own uid in the pod:
# it watches that one and names each process it cannot see.
pod_up partial
pod_add app --uid 3000 --limit 128Mi -- sleep 600
pod_add mine --uid 2000 --limit 128Mi --volume "$WORK/rec:rec" -- "${grower[@]}" /mnt/rec/run3
pod_add sidecar --uid 2000 --caps kill --log "$WORK/sidecar3.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
app=$(pod_pid app)
mine=$(pod_pid mine)
wait_for 30 grep -qs SIGUSR2 "$WORK/rec/run3" || fail "the visible container got no SIGUSR2"
alive "$(host_pid sidecar)" || fail "the sidecar exited: $(cat "$WORK/sidecar3.log")"
log_has "$WORK/sidecar3.log" event=capability_missing hidden_processes=1 || fail "capability_missing: $(grep capability_missing "$WORK/sidecar3.log")"
log_has "$WORK/sidecar3.log" event=process_unwatched "pid=$app " comm=sleep "CAP_SYS_PTRACE missing" ||
	fail "the app of uid 3000 (pid $app) is not named"
log_has "$WORK/sidecar3.log" event=process_unwatched level=info "pid=1 " comm=pause "pause process" ||
	fail "pause (pid 1) is not named at info level"
[ "$(grep -c event=process_unwatched "$WORK/sidecar3.log")" = 2 ] || fail "other processes named: $(grep process_unwatched "$WORK/sidecar3.log")"
log_has "$WORK/sidecar3.log" event=signal_sent "pid=$mine " signal=SIGUSR2 || fail "no signal to the visible container"
pass "partly blind: names pid $app (uid 3000) and pid 1 (pause), watches and signals its own uid's container"
