#!/usr/bin/env bash
# Preload mode: LD_PRELOAD=liboomsentry.so installs from the environment with
# no code change; a bad OOMSENTRY_* value gives one line naming the variable
# and value, and the library then stays out (the app runs, untouched).
source "$(dirname "$0")/lib.sh"

so=$top_builddir/src/handler/.libs/liboomsentry.so
plain=$top_builddir/examples/leaky-plain
[ -f "$so" ] && [ -x "$plain" ] || fail "build first: $so, $plain"

sigcgt_has() { # PID SIGNO
	local mask
	mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status")
	(( (16#$mask >> ($2 - 1)) & 1 ))
}

# Good configuration: installed before main, signals caught, dump written.
LD_PRELOAD=$so OOMSENTRY_DUMP_DIR=$WORK/dumps OOMSENTRY_MIN_FREE=0 \
	OOMSENTRY_CRITICAL_SIGNAL=SIGRTMIN+4 OOMSENTRY_WARNING_SIGNAL=none \
	"$plain" --pattern hold --start 8 >"$WORK/good.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for 10 grep -q ready "$WORK/good.log" || fail "leaky-plain did not start"
grep -q 'event=oomsentry_installed mode=preload' "$WORK/good.log" || fail "not installed in preload mode"
sigcgt_has "$pid" 38 || fail "SIGRTMIN+4 (38) not caught"
sigcgt_has "$pid" 10 && fail "SIGUSR1 caught although OOMSENTRY_WARNING_SIGNAL=none"
kill -s RTMIN+4 "$pid"
wait_for 10 sh -c "ls '$WORK'/dumps/*-critical.txt >/dev/null 2>&1" || fail "no dump after SIGRTMIN+4"
alive "$pid" || fail "the app died"
pass "preload installs from the environment and dumps on SIGRTMIN+4"

# Bad configuration: one line, nothing installed, the app runs.
for bad in OOMSENTRY_COOLDOWN=abc OOMSENTRY_CRITICAL_SIGNAL=SIGKILL OOMSENTRY_MAX_DUMPS=-3 \
	OOMSENTRY_THRESHOLD=150 OOMSENTRY_DUMP_DIR=relative; do
	name=${bad%%=*} value=${bad#*=}
	env LD_PRELOAD="$so" "$bad" "$plain" --pattern hold --start 1 --duration 0.3 \
		>"$WORK/bad.out" 2>"$WORK/bad.err" || fail "$bad: the app failed"
	[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "$bad: expected one line, got: $(cat "$WORK/bad.err")"
	grep -qF "$name=\"$value\"" "$WORK/bad.err" || fail "$bad: line does not name it: $(cat "$WORK/bad.err")"
	grep -q 'not installed' "$WORK/bad.err" || fail "$bad: does not say it is not installed"
	grep -q 'leaky: done' "$WORK/bad.out" || fail "$bad: the app did not run to its end"
done
pass "bad values: one line naming variable and value, not installed, app unharmed"

# Equal warning and critical signals are refused the same way.
LD_PRELOAD=$so OOMSENTRY_WARNING_SIGNAL=USR1 OOMSENTRY_CRITICAL_SIGNAL=USR1 \
	"$plain" --pattern hold --start 1 --duration 0.3 >/dev/null 2>"$WORK/same.err" ||
	fail "same signals: the app failed"
grep -q 'must differ' "$WORK/same.err" || fail "same signals not refused: $(cat "$WORK/same.err")"
pass "equal warning and critical signals refused"
