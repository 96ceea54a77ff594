#!/bin/sh
# PID 1 of the throwaway cgroup v2 guest (busybox sh). Builds one pod out of
# namespaces and cgroup v2 (tests/guest/guestpod), runs the scenarios in it,
# and reports on the second serial port (/dev/ttyS1), one line each:
#   check NAME ok|fail DETAIL     a verdict
#   info KEY VALUE                a figure for the record
#   begin-file NAME / base64 / end-file NAME   a file for the host to read
#   done                          the report is complete
# then stops qemu through isa-debug-exit: 0 when every check passed.
#
# The pod (cgroup /oomsentry-pod, memory controller on, one PID namespace):
#   app      64 MiB  pause (PID 1), sleep (no handlers), leaky under jemalloc
#                    with heap profiling: scenarios 1 and 2. 128 MiB on the
#                    host scaled to 64 MiB: work in the emulated guest runs
#                    5-12 times slower.
#   fast     32 MiB  leaky doubling 10 -> 20 -> 40 MiB: OOM-killed anyway
#                    after the warning (scenario 3)
#   nest     64 MiB  leaky in the sub-cgroup /sub limited to 32 MiB: the
#                    smaller limit must count
#   sidecar  32 MiB  oomsentry, WARNING=60 CRITICAL=85
# Each container has its own cgroup namespace and mount namespace, so it sees
# its cgroup at /sys/fs/cgroup, as under containerd or CRI-O with cgroup v2.
# /dumps is a tmpfs mounted before the containers exist: shared by all of
# them, like an emptyDir.

export PATH=/bin
RESULTS=/dev/ttyS1
MIB=1048576
CG=/sys/fs/cgroup
POD=$CG/oomsentry-pod
FAILED=0

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would add, and bash's process substitution (<(...)) opens.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 $CG
hostname oomsentry-guest
# Raw, so the host reads the lines as written (no CR added, no echo).
stty -F $RESULTS raw -echo 2>/dev/null

say() { echo "$*" >$RESULTS; }

# check NAME CONDITION_STATUS DETAIL: CONDITION_STATUS is 0 for ok.
check() {
	if [ "$2" -eq 0 ]; then
		say "check $1 ok $3"
	else
		say "check $1 fail $3"
		FAILED=1
	fi
}

send_file() {
	[ -f "$2" ] || return 0
	say "begin-file $1"
	base64 "$2" >$RESULTS
	say "end-file $1"
}

finish() {
	for f in sidecar.log once.out once.err app.log nest.log fast.log sleep.log; do
		send_file "$f" "/tmp/$f"
	done
	send_file dmesg.log /tmp/dmesg.log
	say 'done'
	sync
	guestpod exit "$FAILED"
	poweroff -f # without the isa-debug-exit device
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# wait_until DEADLINE COMMAND...: polls every 0.1 s until COMMAND succeeds or
# the guest's uptime reaches DEADLINE (whole seconds).
wait_until() {
	deadline=$1
	shift
	while ! "$@"; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# line_of FILE PATTERN: number of the first line matching (grep -E), or 0.
line_of() {
	n=$(grep -n -E -m1 "$2" "$1" | cut -d: -f1)
	echo "${n:-0}"
}

# first_before FILE A B: a line matching A comes before any matching B.
first_before() {
	a=$(line_of "$1" "$2")
	b=$(line_of "$1" "$3")
	[ "$a" -gt 0 ] && [ "$b" -gt "$a" ]
}

memory_event() { awk -v k="$2" '$1 == k {print $2}' "$1/memory.events"; }

# procs_named COMM: guest pids of the app container's processes named COMM.
procs_named() {
	while read -r p; do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$1" ] && echo "$p"
	done <$POD/app/cgroup.procs
}

# pid_of_leaky LOG: the pid leaky printed, as the pod sees it.
pid_of_leaky() { sed -n 's/^leaky: pid=\([0-9]*\) .*/\1/p' "$1"; }

say "info kernel $(uname -r)"
say "info boot_s $(uptime_s)"

# --- the pod ------------------------------------------------------------------
setup() {
	grep -qx '0::/' /proc/self/cgroup || return 1
	grep -qw memory $CG/cgroup.controllers || return 1
	echo +memory >$CG/cgroup.subtree_control || return 1
	mkdir $POD && echo +memory >$POD/cgroup.subtree_control || return 1
	for c in app fast nest sidecar; do mkdir $POD/$c || return 1; done
	echo $((64 * MIB)) >$POD/app/memory.max &&
		echo $((32 * MIB)) >$POD/fast/memory.max &&
		echo $((64 * MIB)) >$POD/nest/memory.max &&
		echo $((32 * MIB)) >$POD/sidecar/memory.max || return 1
	mkdir -p /dumps && mount -t tmpfs -o size=32m,mode=1777 dumps /dumps || return 1
	guestpod pause /tmp/pod.pid $POD/app || return 1
	PODPID=$(cat /tmp/pod.pid)
}
setup
check setup $? "cgroup v2 with the memory controller, pod cgroups, pause pid ${PODPID:-none}"
[ "$FAILED" = 0 ] || finish

# run CONTAINER [--sub NAME BYTES] -- CMD...: a process of that container.
run() {
	c=$1
	shift
	guestpod run "$PODPID" "$POD/$c" "$@"
}

run sidecar -- env WARNING=60 CRITICAL=85 oomsentry --interval 50ms \
	--rescan-interval 200ms --cooldown 1h 2>/tmp/sidecar.log &
wait_until $(($(cut -d. -f1 /proc/uptime) + 30)) grep -q event=start /tmp/sidecar.log
check sidecar_started $? "$(grep -o 'event=start.*' /tmp/sidecar.log | cut -c1-200)"

run app -- sleep 100000 >/tmp/sleep.log 2>&1 &
# 16 MiB/s up to 57 MiB (about 58.5 MiB with the libraries, jemalloc's
# metadata, sleep and pause): past WARNING (60% = 38.4 MiB) and CRITICAL
# (85% = 54.4 MiB), and below the limit with room for the dump.
run app -- env LD_PRELOAD=/lib/x86_64-linux-gnu/libjemalloc.so.2 \
	MALLOC_CONF=prof:true,lg_prof_sample:19 OOMSENTRY_DUMP_DIR=/dumps/app \
	OOMSENTRY_MIN_FREE=0 leaky --rate 16 --max 57 >/tmp/app.log 2>&1 &
# 12 MiB/s up to 29 MiB (about 29.5 MiB with the libraries): past 85%
# (27.2 MiB) of the sub-cgroup's 32 MiB, far below WARNING of the
# container's 64 MiB (38.4 MiB).
run nest --sub sub $((32 * MIB)) -- env OOMSENTRY_DUMP_DIR=/dumps/nest \
	OOMSENTRY_MIN_FREE=0 leaky --rate 12 --max 29 >/tmp/nest.log 2>&1 &
# 10 MiB (about 35% with the libraries), a second later 20 MiB (about 65%:
# warning), a second later 40 MiB at once: past the limit, whatever the
# sidecar manages to send on the way.
(
	run fast -- env OOMSENTRY_DUMP_DIR=/dumps/fast OOMSENTRY_MIN_FREE=0 \
		leaky --pattern doubling --start 10 --step-ms 1000 >/tmp/fast.log 2>&1
	echo $? >/tmp/fast.status
) &

# The scenarios take about 4 s here; one deadline for all of them bounds a
# failing run.
end=$(($(cut -d. -f1 /proc/uptime) + 60))
crit_dump() { ls /dumps/app/*-critical.txt >/dev/null 2>&1; }
wait_until $end grep -q 'received critical' /tmp/app.log && wait_until $end crit_dump
wait_until $end grep -q 'received critical' /tmp/nest.log
wait_until $end test -s /tmp/fast.status
wait_until $end grep -q event=oom_kill /tmp/sidecar.log
sleep 0.5 # a wrong extra signal or a late OOM kill would show up meanwhile
say "info scenarios_done_s $(uptime_s)"

# --once from the sidecar's container: one line per process it can see.
run sidecar -- env WARNING=60 CRITICAL=85 oomsentry --once >/tmp/once.out 2>/tmp/once.err
check once_exit $? "oomsentry --once in the sidecar container exits 0"

APP=$(pid_of_leaky /tmp/app.log)
NEST=$(pid_of_leaky /tmp/nest.log)
FAST=$(pid_of_leaky /tmp/fast.log)
say "info pids app=$APP nest=$NEST fast=$FAST"
S=/tmp/sidecar.log

# --- scenario 1: SIGUSR1 then SIGUSR2, before any OOM kill; a complete dump.
first_before /tmp/app.log 'received warning' 'received critical'
check s1_app_order $? "$(grep -E 'received|oomsentry_dump ' /tmp/app.log | tr '\n' ' ' | cut -c1-300)"
first_before $S "event=signal_sent pid=$APP comm=leaky signal=SIGUSR1 " \
	"event=signal_sent pid=$APP comm=leaky signal=SIGUSR2 "
check s1_sidecar_order $? "sidecar sent SIGUSR1 then SIGUSR2 to leaky (pid $APP)"
kills=$(memory_event $POD/app oom_kill)
[ "$kills" = 0 ] && [ -n "$(procs_named leaky)" ]
check s1_no_oom_kill $? "app container oom_kill=$kills, leaky alive: $(procs_named leaky)"
txt=
for f in /dumps/app/*-critical.txt; do [ -f "$f" ] && txt=$f && break; done
heap=${txt%.txt}.heap
dump_complete() {
	[ -n "$txt" ] || return 1
	[ "$(head -n1 "$txt")" = "# oomsentry dump" ] &&
		grep -qx 'version: v2' "$txt" &&
		grep -qx "limit_bytes: $((64 * MIB))" "$txt" &&
		grep -qx 'allocator: jemalloc' "$txt" &&
		grep -q -- '--- End jemalloc statistics ---' "$txt" &&
		head -n1 "$heap" | grep -q '^heap_v2/' &&
		grep -q '^MAPPED_LIBRARIES:' "$heap"
}
dump_complete
check s1_dump_complete $? "summary ${txt:-none} (v2 cgroup seen from inside, 64 MiB limit, jemalloc statistics to the end) and its jemalloc profile"
# The directory is shared: the sidecar's container reads the same summary.
run sidecar -- cat "$txt" 2>/dev/null | cmp -s - "$txt"
check s1_dump_shared $? "the summary reads the same from the sidecar's container"
[ -d /dumps/app ] && [ -z "$(find /dumps/app -name '.*' -type f)" ]
check s1_dump_no_temporaries $? "no temporary files left in the shared dump directory"

# --- scenario 2: the bystanders of the app's container are alive.
sleep_pid=$(procs_named sleep)
pause_pid=$(procs_named pause)
[ -n "$sleep_pid" ] && [ -n "$pause_pid" ] && [ "$pause_pid" = "$PODPID" ]
check s2_bystanders_alive $? "sleep (${sleep_pid:-gone}) and pause (${pause_pid:-gone}) alive in the app container"
grep -q 'event=signal_skipped pid=[0-9]* comm=sleep signal=SIGUSR1 ' $S &&
	grep -q 'event=signal_skipped pid=[0-9]* comm=sleep signal=SIGUSR2 ' $S
check s2_sleep_skipped $? "$(grep -o 'event=signal_skipped pid=[0-9]* comm=sleep .*' $S | head -n1)"
grep -q 'event=signal_skipped pid=1 comm=pause ' $S && ! grep -q 'event=signal_sent pid=1 ' $S
check s2_pause_skipped $? "$(grep -o 'event=signal_skipped pid=1 comm=pause .*' $S | head -n1)"

# --- scenario 3: OOM-killed anyway, and the sidecar says so.
status=$(cat /tmp/fast.status 2>/dev/null)
fkills=$(memory_event $POD/fast oom_kill)
[ "$status" = 137 ] && [ "${fkills:-0}" -ge 1 ]
check s3_oom_killed $? "leaky in the fast container exited ${status:-never} (137 = SIGKILL), oom_kill=$fkills"
# The line must name the last level and signal the sidecar reached before
# the kill: at least the warning, maybe the critical one if the emulated
# guest let it see the last step.
last=$(grep "event=signal_sent pid=$FAST comm=leaky " $S | tail -n1)
last_signal=$(echo "$last" | sed -n 's/.* signal=\([A-Z0-9]*\) .*/\1/p')
last_level=$(echo "$last" | sed -n 's/.* memory_level=\([a-z]*\) .*/\1/p')
[ -n "$last_signal" ] &&
	grep 'event=oom_kill cgroup=/../fast ' $S | grep 'oom_kills=1 ' | grep "last_level=$last_level " |
	grep "last_signal=$last_signal " | grep -q 'since_last_signal_ms=[0-9]'
check s3_oom_kill_logged $? "$(grep -o 'event=oom_kill .*' $S | head -n1) (last sent: ${last_signal:-nothing} at ${last_level:-no level})"

# --- nested: a sub-cgroup with a lower limit; the smaller one counts.
grep 'event=container_limit cgroup=[^ ]*/sub ' $S | grep -q "limit_bytes=$((32 * MIB)) "
check nest_limit_logged $? "$(grep -o 'event=container_limit cgroup=[^ ]*/sub .*' $S | head -n1)"
first_before /tmp/nest.log 'received warning' 'received critical' &&
	first_before $S "event=signal_sent pid=$NEST comm=leaky signal=SIGUSR1 " \
		"event=signal_sent pid=$NEST comm=leaky signal=SIGUSR2 "
check nest_signals $? "$(grep received /tmp/nest.log | tr '\n' ' ') (85% of 64 MiB would be 54 MiB)"
# Every level change of that container is judged against the 32 MiB.
levels=$(grep -c 'event=level cgroup=[^ ]*/sub ' $S)
others=$(grep 'event=level cgroup=[^ ]*/sub ' $S | grep -vc "limit_bytes=$((32 * MIB)) ")
[ "$levels" -ge 2 ] && [ "$others" = 0 ]
check nest_levels_at_smaller_limit $? "$levels level changes, $others against another limit"
nkills=$(memory_event $POD/nest/sub oom_kill)
[ "$nkills" = 0 ]
check nest_no_oom_kill $? "sub-cgroup oom_kill=$nkills"

# --- --once: limit, working set and level of each container.
once_has() { grep "^pid=$1 " /tmp/once.out | grep -q -- "$2"; }
once_has "$APP" "limit_bytes=$((64 * MIB)) " && once_has "$APP" 'level=critical ' &&
	once_has "$APP" 'working_set_bytes=[1-9][0-9]* ' && once_has "$APP" 'catches_critical=yes'
check once_app $? "$(grep "^pid=$APP " /tmp/once.out)"
once_has "$NEST" "limit_bytes=$((32 * MIB)) " && once_has "$NEST" 'level=critical ' &&
	once_has "$NEST" 'cgroup=[^ ]*/sub '
check once_nest $? "$(grep "^pid=$NEST " /tmp/once.out)"
grep 'comm=sleep ' /tmp/once.out | grep "limit_bytes=$((64 * MIB)) " | grep -q 'catches_warning=no catches_critical=no'
check once_sleep $? "$(grep 'comm=sleep ' /tmp/once.out)"

say "info suite_done_s $(uptime_s)"
dmesg >/tmp/dmesg.log
send_file heap "$heap"
finish
