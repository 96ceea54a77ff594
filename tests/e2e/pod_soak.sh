#!/usr/bin/env bash
# The churn soak (tests/bench/soak.sh) for one minute: containers started
# and stopped every second, hundreds of forks a second, OOM kills, SIGHUP
# reloads with valid and invalid files, hostile process names and forced PID
# reuse, with every check of the soak as an assertion: the sidecar's RSS and
# fds stay flat, each OOM kill is reported exactly once, no signal reaches a
# process that does not catch it or one that merely reused a pid, and no
# log line is broken.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
command -v python3 >/dev/null || missing_prerequisite "python3 not installed"
for h in forker renamer pidreuse probe; do
	[ -x "$top_builddir/tests/helpers/$h" ] || fail "tests/helpers/$h not built"
done

"$top_srcdir/tests/bench/soak.sh" --minutes 1 --build "$top_builddir" --out "$WORK/soak" \
	>"$WORK/soak.out" 2>&1
rc=$?
cat "$WORK/soak.out"
s=$WORK/soak/summary.txt
[ -f "$s" ] || fail "soak.sh exited $rc without a summary: $(tail -5 "$WORK/soak/soak.log" 2>/dev/null)"
for c in sidecar_alive rss_flat fds_flat oom_exact no_wrong_signal log_lines hostile_names \
	reloads containers load; do
	grep -qx "check_$c=pass" "$s" || fail "soak check $c: $(grep "^$c " "$s")"
	pass "$c: $(grep "^$c " "$s" | sed 's/^[a-z_]* *pass *//')"
done
[ "$rc" = 0 ] || fail "soak.sh exited $rc"
