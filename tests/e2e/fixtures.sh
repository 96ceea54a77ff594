#!/usr/bin/env bash
# The static binary against fake /proc trees (v1 and v2): --once lines.
. "$(dirname "$0")/lib.sh"

once() { "$OOMSENTRY" --proc-root "$FIXTURES/$1/proc" --once "${@:2}" 2>"$WORK/stderr.log"; }
line_of() { grep "^pid=$1 " "$WORK/out" || fail "no line for pid $1"; }
expect() { # expect PID KEY=VALUE...
	local l
	l=$(line_of "$1")
	shift
	for kv in "$@"; do
		[[ " $l " == *" $kv "* ]] || fail "pid line lacks $kv: $l"
	done
}

once v1 >"$WORK/out" || fail "--once on the v1 tree exited $?"
expect 100 'comm="leaky app) x"' cgroup=/pod/app usage_bytes=104857600 working_set_bytes=83886080 \
	limit_bytes=134217728 pct=62.5 level=normal catches_warning=yes catches_critical=yes
expect 100 runtime=native action_warning=SIGUSR1 action_critical=SIGUSR2
expect 101 comm=sleep limit_bytes=134217728 catches_warning=no catches_critical=no \
	runtime=native action_warning=none action_critical=none \
	'skip_warning="no handler: the signal would kill or stop it"'
expect 102 comm=ignorer catches_warning=no
expect 200 limit_bytes=max level=none pct=-
expect 500 comm=cachey usage_bytes=125829120 working_set_bytes=20971520 level=normal
expect 600 limit_bytes=67108864 level=critical
# 700 is dying (PF_EXITING): its cgroup reads "/" while its mounts still show
# its container's, as the kernel tears it down.
for absent in 2 300 400 700; do
	grep -q "^pid=$absent " "$WORK/out" && fail "pid $absent (kernel thread, own container, zombie or dying) listed"
done
[ "$(wc -l <"$WORK/out")" -eq 6 ] || fail "expected 6 lines, got: $(cat "$WORK/out")"
pass "v1 tree"

once v1 --metric usage >"$WORK/out" || fail "--once --metric usage exited $?"
expect 500 comm=cachey level=critical pct=93.8
pass "usage metric counts page cache"

once v1 --warning 60 --critical 80 >"$WORK/out" || fail "exit $?"
expect 100 level=warning
once v1 --warning 50Mi --critical 100Mi >"$WORK/out" || fail "exit $?"
expect 100 level=warning
expect 600 level=warning
pass "thresholds as percentages and sizes"

once v2 >"$WORK/out" || fail "--once on the v2 tree exited $?"
expect 100 comm=app cgroup=/pod/app usage_bytes=209715200 working_set_bytes=199229440 \
	limit_bytes=268435456 pct=74.2 level=normal
expect 101 comm=worker cgroup=/pod/app2/sub usage_bytes=62914560 limit_bytes=67108864 level=critical
expect 102 limit_bytes=max level=none
pass "v2 tree, nested cgroup judged against the smaller limit"

"$OOMSENTRY" --proc-root "$WORK/none" --once 2>"$WORK/err.log"
rc=$?
[ $rc -eq 4 ] || fail "missing /proc root: exit $rc, want 4"
grep -q "$WORK/none" "$WORK/err.log" || fail "message does not name the path"
pass "unusable /proc root exits 4"

"$OOMSENTRY" --proc-root "$FIXTURES/v1/proc" 2>"$WORK/err.log"
rc=$?
[ $rc -eq 2 ] && grep -q PROC_ROOT "$WORK/err.log" || fail "fixture root without --once/--dry-run: exit $rc"
pass "a fixture /proc root is refused for signalling"

# The sidecar's own pid, in its own PID namespace, may equal a pid listed in
# the tree it reads (pids wrap at pid_max): it must still list that pid. Here
# it runs as pid 100 of a new PID namespace, the pid of the tree's app.
need_root
unshare --pid --fork --mount-proc sh -c \
	'echo 99 >/proc/sys/kernel/ns_last_pid && { "$0" --proc-root "$1" --once & echo $! >"$2"; wait $!; }' \
	"$OOMSENTRY" "$FIXTURES/v1/proc" "$WORK/pid" >"$WORK/out" 2>"$WORK/stderr.log" ||
	fail "--once as pid 100 exited $?"
[ "$(cat "$WORK/pid")" = 100 ] || fail "the sidecar ran as pid $(cat "$WORK/pid"), not 100"
expect 100 'comm="leaky app) x"' level=normal
[ "$(wc -l <"$WORK/out")" -eq 6 ] || fail "expected 6 lines, got: $(cat "$WORK/out")"
pass "a pid of the tree equal to the sidecar's own is listed"
