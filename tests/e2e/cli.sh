#!/usr/bin/env bash
# The command line: --version, --help, bad input (exit 2, one line naming the
# setting and the value), precedence, --print-config, SIGHUP reload, SIGTERM.
. "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
[ "$("$OOMSENTRY" --version)" = "oomsentry $version" ] || fail "--version: $("$OOMSENTRY" --version)"
pass "--version prints $version"

"$OOMSENTRY" --help >"$WORK/help" || fail "--help exited $?"
for name in WARNING CRITICAL COOLDOWN HYSTERESIS WARNING_SIGNAL CRITICAL_SIGNAL INTERVAL \
	MIN_INTERVAL ADAPTIVE RESCAN_INTERVAL METRIC SIGNAL_UNHANDLED INCLUDE EXCLUDE DRY_RUN LOG_FORMAT LOG_LEVEL \
	PROC_ROOT SIGNAL_COMMS WARNING_ACTIONS CRITICAL_ACTIONS DUMP_DIR DUMP_KEEP DUMP_MIN_FREE \
	JVM_HEAP_DUMP_DIR GO_PPROF ACTION_TIMEOUT CONFIG; do
	grep -q "env $name," "$WORK/help" || fail "--help does not name $name"
	flag=--$(echo "$name" | tr 'A-Z_' 'a-z-')
	grep -q -- "$flag" "$WORK/help" || fail "--help does not list $flag"
done
wide=$(awk 'length > 80' "$WORK/help")
[ -z "$wide" ] || fail "--help has lines over 80 columns: $wide"
pass "--help lists every flag with its variable, within 80 columns"

# bad NAME VALUE: the variable and its flag both exit 2 naming both parts.
bad() {
	local name=$1 value=$2 flag rc msg
	flag=--$(echo "$name" | tr 'A-Z_' 'a-z-')
	env "$name=$value" "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
	rc=$?
	msg=$(cat "$WORK/err")
	[ $rc -eq 2 ] || fail "$name=\"$value\": exit $rc, want 2"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$name=\"$value\": not one line: $msg"
	[[ $msg == *"$name=\"$value\""* ]] || fail "$name=\"$value\": message does not name it: $msg"
	"$OOMSENTRY" "$flag=$value" --print-config >/dev/null 2>"$WORK/err"
	rc=$?
	msg=$(cat "$WORK/err")
	[ $rc -eq 2 ] || fail "$flag=\"$value\": exit $rc, want 2"
	[[ $msg == *"$flag=\"$value\""* ]] || fail "$flag=\"$value\": message does not name it: $msg"
}
bad WARNING ""
bad WARNING abc
bad WARNING -5
bad WARNING 0
bad WARNING 101
bad WARNING 99999999999999999999Ei
bad CRITICAL 12parsecs
bad COOLDOWN -1s
bad COOLDOWN 1fortnight
bad COOLDOWN 2562048h
bad CRITICAL_SIGNAL SIGSTOP
bad HYSTERESIS 51
bad HYSTERESIS x
bad WARNING_SIGNAL SIGFOO
bad CRITICAL_SIGNAL 0
bad INTERVAL 0
bad INTERVAL 500us
bad RESCAN_INTERVAL 2h
bad MIN_INTERVAL 50us
bad MIN_INTERVAL soon
bad ADAPTIVE sometimes
bad METRIC rss
bad SIGNAL_UNHANDLED maybe
bad DRY_RUN 2
bad INCLUDE "a,,b"
bad EXCLUDE ","
bad LOG_FORMAT xml
bad LOG_LEVEL loud
bad PROC_ROOT ""
pass "bad values exit 2 naming the setting and value"

WARNING=95 CRITICAL=90 "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'WARNING="95" (environment) and CRITICAL="90" (environment)' "$WORK/err" || fail "warning >= critical: $(cat "$WORK/err")"
WARNING=50 CRITICAL=1Gi "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] || fail "mixed percentage and size accepted"
WARNING_SIGNAL=USR2 "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] || fail "same signal for both levels accepted"
MIN_INTERVAL=200ms "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'MIN_INTERVAL="200ms" (environment) and INTERVAL="100ms" (default)' "$WORK/err" || fail "min above max: $(cat "$WORK/err")"
"$OOMSENTRY" --no-such-flag 2>"$WORK/err"
[ $? -eq 2 ] && grep -q -- '--no-such-flag' "$WORK/err" || fail "unknown flag: $(cat "$WORK/err")"
"$OOMSENTRY" stray 2>"$WORK/err"
[ $? -eq 2 ] || fail "stray argument accepted"
pass "checks between settings and unknown flags exit 2"

printf '[oomsentry]\nwarning = 60\n\n# comment\nwarnn = 70\n' >"$WORK/bad.ini"
"$OOMSENTRY" --config "$WORK/bad.ini" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q "bad.ini:5: unknown key \"warnn\"" "$WORK/err" || fail "unknown INI key: $(cat "$WORK/err")"
printf 'cooldown = soon\n' >"$WORK/bad2.ini"
CONFIG=$WORK/bad2.ini "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'bad2.ini:1: invalid setting cooldown="soon"' "$WORK/err" || fail "bad INI value: $(cat "$WORK/err")"
"$OOMSENTRY" --config "$WORK/missing.ini" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'missing.ini' "$WORK/err" || fail "missing config file: $(cat "$WORK/err")"
# Comments: '#' and ';' after a blank end a line's value; a key set twice
# is an error; a pair error shows each value as given, with its source.
printf '[oomsentry]\nwarning = 60 # sixty\ncritical = 1.5Gi ; as written\n' >"$WORK/c.ini"
WARNING=2Gi "$OOMSENTRY" --config "$WORK/c.ini" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q "WARNING=\"2Gi\" (environment) and CRITICAL=\"1.5Gi\" ($WORK/c.ini:3): warning must be at or below critical" "$WORK/err" ||
	fail "pair error with sources: $(cat "$WORK/err")"
"$OOMSENTRY" --config "$WORK/c.ini" --critical 90 --print-config >"$WORK/out" 2>"$WORK/err" || fail "inline # comment: $(cat "$WORK/err")"
grep -qx 'warning = 60%' "$WORK/out" || fail "warning = 60 # sixty read as: $(grep '^warning' "$WORK/out")"
printf '[oomsentry]\nwarning = 60\ncritical = 90\nwarning = 70\n' >"$WORK/dup.ini"
"$OOMSENTRY" --config "$WORK/dup.ini" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'dup.ini:4: duplicate key "warning" (first set on line 2)' "$WORK/err" || fail "duplicate key: $(cat "$WORK/err")"
WARNING='80%%' "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] && grep -q 'WARNING="80%%" (environment): a percentage takes one % sign' "$WORK/err" || fail "80%%: $(cat "$WORK/err")"
pass "INI errors name the file, line and key; # comments; duplicate keys; pair errors with sources; 80%%"

# Precedence: defaults < file < environment < flags.
printf 'warning = 50\ncritical = 60\ncooldown = 1m\nmetric = usage\n' >"$WORK/good.ini"
CONFIG=$WORK/good.ini CRITICAL=70 COOLDOWN=45 "$OOMSENTRY" --cooldown 1m30s --print-config >"$WORK/eff" ||
	fail "good config: exit $?"
grep -qx 'warning = 50%' "$WORK/eff" || fail "file value lost: $(cat "$WORK/eff")"
grep -qx 'critical = 70%' "$WORK/eff" || fail "environment does not beat the file"
grep -qx 'cooldown = 90s' "$WORK/eff" || fail "flag does not beat the environment"
grep -qx 'metric = usage' "$WORK/eff" || fail "file value lost"
grep -qx 'hysteresis = 5' "$WORK/eff" || fail "default lost"
"$OOMSENTRY" --config "$WORK/eff" --print-config | cmp -s - "$WORK/eff" || fail "--print-config does not read back"
pass "precedence and --print-config round trip"

# Reload on SIGHUP keeps old settings when the new file is bad; SIGTERM stops fast.
printf 'warning = 60\n' >"$WORK/live.ini"
"$OOMSENTRY" --config "$WORK/live.ini" --dry-run --interval 50ms 2>"$WORK/daemon.log" &
daemon=$!
PIDS+=("$daemon")
wait_for 5 log_has "$WORK/daemon.log" "event=start" "warning=60%" || fail "no start line"
printf 'warning = nope\n' >"$WORK/live.ini"
kill -HUP "$daemon"
wait_for 5 log_has "$WORK/daemon.log" "event=reload_failed" 'nope' || fail "bad reload not reported"
alive "$daemon" || fail "bad reload killed the daemon"
printf 'warning = 70\nlog_format = json\n' >"$WORK/live.ini"
kill -HUP "$daemon"
wait_for 5 log_has "$WORK/daemon.log" '"event":"reloaded"' || fail "good reload not logged (as JSON)"
t0=$(date +%s%N)
kill -TERM "$daemon"
wait "$daemon"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
[ $ms -lt 1000 ] || fail "SIGTERM took $ms ms"
pass "SIGHUP reload (bad kept old, good applied), SIGTERM exit 0 in $ms ms"

# Valid but dangerous values start with a loud line each, naming the setting.
WARNING=0.75 CRITICAL=0.9 CRITICAL_SIGNAL=SIGTERM "$OOMSENTRY" --dry-run --interval 50ms 2>"$WORK/loud.log" &
loud=$!
PIDS+=("$loud")
wait_for 5 log_has "$WORK/loud.log" event=start || fail "no start line: $(cat "$WORK/loud.log")"
for want in "setting=WARNING value=0.75%" "setting=CRITICAL value=0.9%" "setting=CRITICAL_SIGNAL value=SIGTERM"; do
	log_has "$WORK/loud.log" level=warn event=setting_warning "$want" || fail "no warning for $want: $(cat "$WORK/loud.log")"
done
kill "$loud"
wait "$loud"
CRITICAL_SIGNAL=SIGSTOP "$OOMSENTRY" --print-config >/dev/null 2>"$WORK/stop.err" && fail "SIGSTOP accepted"
grep -q 'CRITICAL_SIGNAL="SIGSTOP".*cannot be caught' "$WORK/stop.err" || fail "SIGSTOP refused without a reason: $(cat "$WORK/stop.err")"
pass "a ratio, a stop signal: warned at start; SIGSTOP refused"

# A ConfigMap, laid out as kubelet writes it: the file is a link through
# "..data", a link to a timestamped directory that an update replaces by
# renaming "..data_tmp" over "..data". Editing the ConfigMap reloads.
cm=$WORK/cm
mkdir -p "$cm"
n_update=0
cm_update() { # cm_update INI_TEXT: kubelet's atomic update
	local ts
	n_update=$((n_update + 1))
	ts="..2026_12_02_19_00_00.00000000$n_update"
	mkdir "$cm/$ts"
	printf '%b' "$1" >"$cm/$ts/oomsentry.ini"
	ln -s "$ts" "$cm/..data_tmp"
	mv -T "$cm/..data_tmp" "$cm/..data"
	[ -n "${cm_old:-}" ] && rm -rf "${cm:?}/$cm_old"
	cm_old=$ts
}
cm_update 'warning = 60\n'
ln -s ..data/oomsentry.ini "$cm/oomsentry.ini"
# CONFIG from the environment, as the deployment sets it.
CONFIG=$cm/oomsentry.ini "$OOMSENTRY" --dry-run --interval 50ms 2>"$WORK/cm.log" &
cm_daemon=$!
PIDS+=("$cm_daemon")
wait_for 5 log_has "$WORK/cm.log" "event=start" "warning=60%" || fail "no start line"
reloads() { grep -c 'event=reloaded' "$WORK/cm.log"; }
cm_update 'warning = 70\ncooldown = 90s\n'
wait_for 10 log_has "$WORK/cm.log" event=reloaded trigger=file_change changed=2 ||
	fail "a ConfigMap update did not reload: $(cat "$WORK/cm.log")"
log_has "$WORK/cm.log" event=setting_changed setting=warning from=60% to=70% || fail "the change of warning not logged"
log_has "$WORK/cm.log" event=setting_changed setting=cooldown from=30s to=90s || fail "the change of cooldown not logged"
cm_update 'warning = nope\n'
wait_for 10 log_has "$WORK/cm.log" event=reload_failed trigger=file_change nope ||
	fail "a bad ConfigMap update was not reported"
alive "$cm_daemon" || fail "a bad ConfigMap update killed the sidecar"
[ "$(reloads)" = 1 ] || fail "a bad update counted as a reload"
# Good again: reloaded, nothing changed (the bad file was never applied).
cm_update 'warning = 70\ncooldown = 90s\n'
wait_for 10 log_has "$WORK/cm.log" event=reloaded trigger=file_change changed=0 ||
	fail "the good update after a bad one did not reload"
# The same content again is no reload: the next real change is the only one
# after it.
cm_update 'warning = 70\ncooldown = 90s\n'
cm_update 'warning = 80\ncooldown = 90s\n'
wait_for 10 log_has "$WORK/cm.log" event=setting_changed setting=warning from=70% to=80% ||
	fail "the last update did not reload: $(cat "$WORK/cm.log")"
wait_for 5 log_has "$WORK/cm.log" event=reloaded changed=1 || fail "no reloaded line for the last update"
[ "$(reloads)" = 3 ] || fail "$(reloads) reloads for 3 changes: $(grep event=reload "$WORK/cm.log")"
kill -TERM "$cm_daemon"
wait "$cm_daemon" || fail "SIGTERM after reloads: exit $?"
pass "a ConfigMap update (..data renamed) reloads; bad kept old; unchanged content is no reload; changes logged"
