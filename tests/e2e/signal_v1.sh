#!/usr/bin/env bash
# Real processes in a real v1 memory cgroup, in a PID namespace shared with
# the sidecar (a pod with shareProcessNamespace): the app that catches the
# signals receives SIGUSR1 then SIGUSR2; a process without handlers and one
# that ignores them are left alone and stay alive.
. "$(dirname "$0")/lib.sh"
need_v1_memory

make_cgroup app $((128 * 1024 * 1024))
app_cg=$CG
record=$WORK/record
# The app waits at 64 MiB (50%: warning) until it is signalled, so SIGUSR1
# comes first however late the sidecar, started after it, first looks.
pod_start "
in_cg $app_cg $MEMHOG --catch --rate 40 --hold 64 --max 110 --record $record
in_cg $app_cg sleep 600
in_cg $app_cg $MEMHOG --ignore --max 1
$OOMSENTRY --interval 20ms --rescan-interval 100ms --warning 40 --critical 70 --cooldown 1h 2>$WORK/sidecar.log &
wait
"
wait_for 30 grep -qs SIGUSR2 "$record" || fail "no SIGUSR2 recorded within 30 s"
sleep 0.3 # let a wrong extra signal show up, if any

mapfile -t got <"$record"
[ "${#got[@]}" -eq 2 ] || fail "expected exactly 2 signals (cooldown 1h), got: ${got[*]}"
[[ ${got[0]} == SIGUSR1* && ${got[1]} == SIGUSR2* ]] || fail "order: ${got[*]}"
read -r _ mib1 _ <<<"${got[0]}"
read -r _ mib2 _ <<<"${got[1]}"
# 40% of 128 MiB = 51.2 MiB; 70% = 89.6 MiB. The app records what it alone
# had allocated at receipt; the container's other processes, page tables and
# binaries hold a few MiB more, hence the margin below each threshold.
[ "$mib1" -ge 44 ] && [ "$mib1" -lt 85 ] || fail "SIGUSR1 at $mib1 MiB"
[ "$mib2" -ge 82 ] || fail "SIGUSR2 at $mib2 MiB"
pass "app got SIGUSR1 at $mib1 MiB and SIGUSR2 at $mib2 MiB (limit 128 MiB)"

sleep_pid=$(procs_of "$app_cg" sleep)
ignorer_pids=$(procs_of "$app_cg" memhog)
[ -n "$sleep_pid" ] && alive "$sleep_pid" || fail "the sleep without handlers died"
[ "$(echo "$ignorer_pids" | wc -w)" -eq 2 ] || fail "a memhog died: $ignorer_pids"
log_has "$WORK/sidecar.log" event=signal_skipped comm=sleep signal=SIGUSR1 "would kill" ||
	fail "skip of sleep not logged"
log_has "$WORK/sidecar.log" event=signal_skipped signal=SIGUSR2 "ignores the signal" ||
	fail "skip of the ignoring process not logged"
log_has "$WORK/sidecar.log" event=signal_sent comm=memhog signal=SIGUSR1 memory_level=warning ||
	fail "SIGUSR1 not logged"
log_has "$WORK/sidecar.log" event=signal_sent comm=memhog signal=SIGUSR2 memory_level=critical ||
	fail "SIGUSR2 not logged"
n=$(grep -c 'event=signal_skipped comm=sleep\|event=signal_skipped pid=[0-9]* comm=sleep' "$WORK/sidecar.log")
[ "$n" -eq 2 ] || fail "skips of sleep logged $n times, want once per level"
pass "bystanders alive, skips logged once per level"

# --dry-run: the same crossing is decided and logged, and nothing is sent.
pod_stop
make_cgroup dry $((128 * 1024 * 1024))
dry_record=$WORK/dry-record
pod_start "
in_cg $CG $MEMHOG --catch --rate 60 --hold 64 --go $WORK/dry-go --max 100 --record $dry_record
$OOMSENTRY --dry-run --interval 20ms --rescan-interval 100ms --warning 40 --critical 70 2>$WORK/dry.log &
wait
"
wait_for 30 log_has "$WORK/dry.log" event=signal_dry_run signal=SIGUSR1 memory_level=warning || fail "no warning in dry run"
touch "$WORK/dry-go" # the app grows on to critical only now
wait_for 30 log_has "$WORK/dry.log" event=signal_dry_run signal=SIGUSR2 memory_level=critical ||
	fail "dry run did not log the critical signal it would send"
sleep 0.3
[ ! -s "$dry_record" ] || fail "dry run sent signals: $(cat "$dry_record")"
grep -q event=signal_sent "$WORK/dry.log" && fail "dry run logged a sent signal"
pass "dry run decides and logs, sends nothing"
