#!/usr/bin/env bash
# Coming from oomhero: its example pod's values, and the README's table of
# differences, each way back to oomhero's behaviour applied together.
#
# Done means:
#  1. WARNING=65 CRITICAL=90 (oomhero's README pod) with COOLDOWN=1s,
#     METRIC=usage, ADAPTIVE=false INTERVAL=1s, SIGNAL_UNHANDLED=true and
#     SIGNAL_COMMS=*: the app gets SIGUSR1, then SIGUSR2 repeated no faster
#     than every second; a process without a handler in its container gets
#     SIGUSR1 too and dies of it, as under oomhero; the start lines warn
#     about SIGNAL_UNHANDLED and log the settings as given;
#  2. WARNING equal to CRITICAL (oomhero's "critical only"): accepted with a
#     setting_warning line, and the app gets SIGUSR2 and never SIGUSR1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

mkdir -m 0777 "$WORK/rec"

# 1. oomhero's values and behaviour.
OOMHERO_ENV=(WARNING=65 CRITICAL=90 COOLDOWN=1s METRIC=usage ADAPTIVE=false INTERVAL=1s
	SIGNAL_UNHANDLED=true 'SIGNAL_COMMS=*' RESCAN_INTERVAL=100ms)
pod_up compat
pod_add sidecar --log "$WORK/compat.log" -- env "${OOMHERO_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/compat.log" event=start || fail "the sidecar did not start: $(cat "$WORK/compat.log")"
# sleep (no handler) first, then memhog, which holds at 100 MiB (78%: past
# warning, below critical) until signalled, then grows to 118 (92%).
pod_add app --limit 128Mi --volume "$WORK/rec:rec" -- \
	sh -c "sleep 600 & exec '$MEMHOG' --catch --rate 30 --hold 100 --max 118 --record /mnt/rec/compat"
app_cg=/sys/fs/cgroup/memory/oomsentry-pod-$POD/app
has_sleep() { [ -n "$(procs_of "$app_cg" sleep)" ]; }
wait_for 10 has_sleep || fail "no sleep in the app's container"
sleep_host=$(procs_of "$app_cg" sleep)
three_repeats() { [ "$(grep -c SIGUSR2 "$WORK/rec/compat" 2>/dev/null)" -ge 3 ]; }
wait_for 40 three_repeats || fail "memhog did not get SIGUSR2 three times: $(cat "$WORK/rec/compat" 2>/dev/null)"
[ "$(awk '{print $1}' "$WORK/rec/compat" | head -n 1)" = SIGUSR1 ] || fail "the first signal was not SIGUSR1: $(cat "$WORK/rec/compat")"
# The repeats: not closer than COOLDOWN (1 s), by memhog's own clock. The
# sidecar keeps COOLDOWN between its decisions; a signal goes out a moment
# after its decision (the read, the log line, the first one also the
# process's classification) and is handled when memhog next runs, so two
# receipts can be a few ms closer than the decisions were (999 ms seen on a
# busy machine). Receipts 100 ms closer than COOLDOWN are allowed for that.
awk '$1 == "SIGUSR2" { if (last && $3 - last < 900) { print "gap " $3 - last " ms"; bad = 1 } last = $3 }
	END { exit bad }' "$WORK/rec/compat" >"$WORK/gaps" || fail "SIGUSR2 repeated faster than COOLDOWN=1s: $(cat "$WORK/gaps")"
log_has "$WORK/compat.log" event=signal_sent comm=memhog signal=SIGUSR2 repeat=true || fail "no repeat=true line"
# sleep got SIGUSR1 (no handler: it dies of it), as oomhero would have it.
wait_for 10 gone "$sleep_host" || fail "sleep (no handler) outlived SIGUSR1"
# Its status, as its parent would reap it: killed by SIGUSR1 (it stays a
# zombie, memhog reaps nothing).
[ "$(awk '{print $3}' "/proc/$sleep_host/stat" 2>/dev/null)" = Z ] && \
	[ "$(awk '{print $52}' "/proc/$sleep_host/stat")" = 10 ] || fail "sleep did not die of SIGUSR1"
log_has "$WORK/compat.log" event=signal_sent comm=sleep signal=SIGUSR1 || fail "no SIGUSR1 sent to sleep"
log_has "$WORK/compat.log" event=setting_warning setting=SIGNAL_UNHANDLED || fail "no warning about SIGNAL_UNHANDLED"
log_has "$WORK/compat.log" event=start warning=65% critical=90% metric=usage interval=1s cooldown=1s ||
	fail "start line: $(grep event=start "$WORK/compat.log")"
log_has "$WORK/compat.log" event=level metric=usage || fail "levels not measured on usage"
pod down "$POD"
pass "oomhero's pod (65/90) with its behaviour: SIGUSR1, SIGUSR2 $(grep -c SIGUSR2 "$WORK/rec/compat") times at least 0.9 s apart by its clock (COOLDOWN=1s), the handler-less sleep signalled"

# 2. WARNING equal to CRITICAL: the critical level only.
pod_up equal
pod_add sidecar --log "$WORK/equal.log" -- env WARNING=90 CRITICAL=90 "${SIDECAR_ENV[@]:2}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/equal.log" event=start || fail "WARNING=CRITICAL=90 refused: $(cat "$WORK/equal.log")"
log_has "$WORK/equal.log" event=setting_warning setting=WARNING 'equals CRITICAL' ||
	fail "no warning line for WARNING equal to CRITICAL: $(grep setting_warning "$WORK/equal.log")"
pod_add app --limit 128Mi --volume "$WORK/rec:rec" -- "$MEMHOG" --catch --rate 30 --max 118 --record /mnt/rec/equal
wait_for 30 grep -qs SIGUSR2 "$WORK/rec/equal" || fail "memhog got no SIGUSR2: $(cat "$WORK/equal.log")"
grep -q SIGUSR1 "$WORK/rec/equal" && fail "memhog got SIGUSR1 with WARNING equal to CRITICAL"
log_has "$WORK/equal.log" event=signal_sent signal=SIGUSR1 && fail "SIGUSR1 sent with WARNING equal to CRITICAL"
pod down "$POD"
pass "WARNING=CRITICAL=90: accepted with a warning line; SIGUSR2 only"
