#!/usr/bin/env bash
# Capabilities: as root the sidecar keeps only CAP_KILL and CAP_SYS_PTRACE
# (and no_new_privs), and CAP_SETUID and CAP_SETGID while a JVM action is
# configured (the default) or CAP_SYS_PTRACE is not held; as a non-root user with those two as ambient
# capabilities it watches and signals an app of another uid; without either
# one it exits 3 naming the missing capability.
. "$(dirname "$0")/lib.sh"
need_v1_memory
command -v setpriv >/dev/null || missing_prerequisite "setpriv (util-linux) not installed"

as_user() { # as_user UID CAPS CMD...
	local uid=$1 caps=$2
	shift 2
	if [ -n "$caps" ]; then
		setpriv --reuid "$uid" --regid "$uid" --clear-groups --inh-caps "$caps" --ambient-caps "$caps" "$@"
	else
		setpriv --reuid "$uid" --regid "$uid" --clear-groups "$@"
	fi
}
export -f as_user
chmod 0755 "$WORK"
mkdir -m 0777 "$WORK/rec"

# 1. Root: exactly the capabilities its settings need, in every set that
# matters: KILL and SYS_PTRACE with no JVM action, and SETUID and SETGID
# (0x80 and 0x40) besides while one is configured.
ROOT_PREFIX=()
root_caps() { # root_caps MASK CAPS_TEXT SETTING...
	local mask=$1 text=$2
	shift 2
	"${ROOT_PREFIX[@]}" env "$@" "$OOMSENTRY" --dry-run --interval 1s 2>"$WORK/root.log" &
	root_pid=$!
	PIDS+=("$root_pid")
	wait_for 5 log_has "$WORK/root.log" event=start || fail "root sidecar did not start"
	st=/proc/$root_pid/status
	for set in CapEff CapPrm CapBnd; do
		grep -q "^$set:[[:space:]]*$mask$" "$st" || fail "$*: $set: $(grep "^$set" "$st")"
	done
	grep -q '^CapInh:[[:space:]]*0000000000000000$' "$st" || fail "$(grep ^CapInh "$st")"
	grep -q '^CapAmb:[[:space:]]*0000000000000000$' "$st" || fail "$(grep ^CapAmb "$st")"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || fail "no_new_privs not set"
	log_has "$WORK/root.log" event=start "caps=\"$text\"" || fail "$*: final set not logged: $(cat "$WORK/root.log")"
	kill "$root_pid"
	wait "$root_pid"
}
root_caps 0000000000080020 cap_kill,cap_sys_ptrace=ep WARNING_ACTIONS=pprof CRITICAL_ACTIONS=pprof,heap_snapshot
root_caps 00000000000800e0 cap_kill,cap_setgid,cap_setuid,cap_sys_ptrace=ep
root_caps 00000000000800e0 cap_kill,cap_setgid,cap_setuid,cap_sys_ptrace=ep WARNING_ACTIONS=none CRITICAL_ACTIONS=heap_dump
# Without CAP_SYS_PTRACE (Pod Security baseline), CAP_SETUID and CAP_SETGID
# are how other users' processes are reached: kept with no JVM action too.
ROOT_PREFIX=(setpriv --inh-caps -all --bounding-set -all,+kill,+setuid,+setgid)
# An empty /proc root (dry run): the host's root processes, with every
# capability, would rightly be hidden from it and end the run with exit 3.
mkdir "$WORK/noproc"
root_caps 00000000000000e0 cap_kill,cap_setgid,cap_setuid=ep WARNING_ACTIONS=none CRITICAL_ACTIONS=none \
	PROC_ROOT="$WORK/noproc"
ROOT_PREFIX=()
pass "as root: only CAP_KILL and CAP_SYS_PTRACE remain (with CAP_SETUID and CAP_SETGID for the JVM actions, or without CAP_SYS_PTRACE), no_new_privs set"

# 2. Non-root sidecar with the two ambient capabilities, app under another uid.
make_cgroup app $((128 * 1024 * 1024))
rec=$WORK/rec/record
# The app waits at 56 MiB (44%: warning) until signalled: SIGUSR1 comes first.
pod_start "
in_cg $CG setpriv --reuid 3000 --regid 3000 --clear-groups $MEMHOG --catch --rate 50 --hold 56 --max 100 --record $rec
sleep 0.3
as_user 2000 +kill,+sys_ptrace $OOMSENTRY --interval 20ms --rescan-interval 100ms --warning 30 --critical 60 2>$WORK/nonroot.log &
wait
"
wait_for 30 grep -qs SIGUSR2 "$rec" || fail "non-root sidecar: app got no SIGUSR2"
grep -q SIGUSR1 "$rec" || fail "non-root sidecar: app got no SIGUSR1"
log_has "$WORK/nonroot.log" event=start uid=2000 'caps="cap_kill,cap_sys_ptrace=ep"' || fail "start line"
pod_stop
pass "non-root sidecar (uid 2000, ambient KILL+SYS_PTRACE) signals an app of uid 3000"

# 3 and 4. One capability missing: exit 3, and the message names it.
expect_exit3() { # expect_exit3 CAPS MISSING FIX
	make_cgroup "app$1" $((128 * 1024 * 1024))
	local log=$WORK/missing-$2.log
	pod_start "
in_cg $CG setpriv --reuid 3000 --regid 3000 --clear-groups sleep 600
sleep 0.3
as_user 2000 $1 $OOMSENTRY 2>$log
echo \$? >$log.rc
"
	wait_for 10 test -s "$log.rc" || fail "sidecar without $2 did not exit"
	[ "$(cat "$log.rc")" = 3 ] || fail "without $2: exit $(cat "$log.rc"), want 3: $(cat "$log")"
	grep -q "missing capability $2" "$log" || fail "without $2: message: $(cat "$log")"
	grep -qF "$3" "$log" || fail "message lacks the fix \"$3\": $(cat "$log")"
	pod_stop
}
expect_exit3 +kill CAP_SYS_PTRACE "run the sidecar as uid 3000, the app's, with no capability"
pass "without CAP_SYS_PTRACE: exit 3, named, fix given"
expect_exit3 +sys_ptrace CAP_KILL "add: [KILL, SYS_PTRACE]"
pass "without CAP_KILL: exit 3, named, fix given"
