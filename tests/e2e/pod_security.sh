#!/usr/bin/env bash
# The sidecar under each Pod Security level, as k8s/pod-restricted.yaml,
# k8s/pod-baseline.yaml and k8s/pod.yaml run it (k8s/README.md has the
# table), in one shareProcessNamespace pod each.
#
# Done means:
#  1. restricted (the app's uid 3000, no capability at all): the app gets
#     SIGUSR1 and SIGUSR2; a container of another uid (4000) is named as
#     hidden with a fix naming its uid; the pause process is an info line,
#     not an error; the start line says uid=3000 and no capability;
#  2. restricted with the wrong uid (2000): exit 3, the message says to run
#     the sidecar as the app's uid 3000 or to use the baseline variant;
#  3. baseline (uid 0; KILL, SETUID, SETGID; no SYS_PTRACE): apps of two
#     other uids (3000, 4000) both get both signals; a JVM of uid 1000 gives
#     a class histogram and a heap dump through its attach socket; a Go app
#     of uid 2000 gives its pprof heap profile; an app running as root
#     without capabilities gets both signals, one with its capabilities is
#     hidden, with a fix naming CAP_SYS_PTRACE and the privileged variant;
#  4. root with KILL only: exit 3, the message names SETUID and SETGID;
#  5. the same sidecar restarted next to an app that has run for more than
#     30 s: no exit (that would take a running pod out of service), the
#     same fix at level=error, and it stays up.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
for c in java javac go; do
	command -v "$c" >/dev/null || missing_prerequisite "$c (apt-get install openjdk-17-jdk-headless golang-go)"
done
APPS=$top_srcdir/tests/apps

chmod 0755 "$WORK"
mkdir -m 0777 "$WORK/rec" "$WORK/dumps"
# Waits at 90 MiB (70%: warning) until signalled, so it gets SIGUSR1 first
# however late the sidecar starts on a busy machine; then to 112 (87.5%).
grower=("$MEMHOG" --catch --rate 50 --hold 90 --max 112 --record)

# For 5: a pod whose app has run a while before its sidecar (re)starts.
pod_up late
LATE_POD=$POD
pod_add app --uid 3000 --limit 128Mi -- sleep 600
late_app=$(host_pid app)

# 1. Restricted: the app's uid, nothing else.
pod_up restricted
pod_add app --uid 3000 --limit 128Mi --volume "$WORK/rec:rec" -- "${grower[@]}" /mnt/rec/restricted
pod_add other --uid 4000 --limit 64Mi -- sleep 600
pod_add sidecar --uid 3000 --caps none --log "$WORK/restricted.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
other=$(pod_pid other)
wait_for 30 grep -qs SIGUSR2 "$WORK/rec/restricted" || fail "the app of the sidecar's uid got no SIGUSR2: $(cat "$WORK/restricted.log")"
grep -q SIGUSR1 "$WORK/rec/restricted" || fail "the app got no SIGUSR1"
log_has "$WORK/restricted.log" event=start uid=3000 'caps="="' || fail "start line: $(grep event=start "$WORK/restricted.log")"
grep -q 'CapEff:[[:space:]]*0000000000000000' "/proc/$(host_pid sidecar)/status" || fail "the sidecar holds capabilities"
grep -q 'NoNewPrivs:[[:space:]]*1' "/proc/$(host_pid sidecar)/status" || fail "the sidecar is without no_new_privs"
log_has "$WORK/restricted.log" event=process_unwatched level=error "pid=$other " 'run the sidecar as uid 4000' ||
	fail "the container of uid 4000 is not named with its fix: $(grep process_unwatched "$WORK/restricted.log")"
log_has "$WORK/restricted.log" event=process_unwatched level=info 'pid=1 ' comm=pause "pause process" ||
	fail "the pause process is not an info line: $(grep 'pid=1 ' "$WORK/restricted.log")"
log_has "$WORK/restricted.log" event=capability_missing hidden_processes=1 || fail "capability_missing: $(grep capability_missing "$WORK/restricted.log")"
pod down "$POD"
pass "restricted (uid 3000, no capability): the app got SIGUSR1 and SIGUSR2; uid 4000 named with its fix; pause at info"

# 2. Restricted as the wrong uid: nothing to watch, exit 3 with the way out.
pod_up wronguid
pod_add app --uid 3000 --limit 128Mi -- sleep 600
pod_add sidecar --uid 2000 --caps none --log "$WORK/wronguid.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
rc=$(pod wait "$POD" sidecar 20) || fail "the sidecar of the wrong uid did not exit"
[ "$rc" = 3 ] || fail "exit $rc, want 3: $(cat "$WORK/wronguid.log")"
grep -q 'run the sidecar as uid 3000, the app.s, with no capability (Pod Security restricted, k8s/pod-restricted.yaml), or as uid 0 with KILL, SETUID and SETGID (baseline, k8s/pod-baseline.yaml)' "$WORK/wronguid.log" ||
	fail "the exit-3 message does not suggest the variants: $(cat "$WORK/wronguid.log")"
pod down "$POD"
pass "restricted as uid 2000: exit 3: $(grep -o 'run the sidecar as uid 3000[^(]*' "$WORK/wronguid.log")"

# 3. Baseline: root with KILL, SETUID and SETGID, no SYS_PTRACE.
javac -d "$WORK/bin" "$APPS/Leak.java" >"$WORK/javac.log" 2>&1 || fail "javac: $(cat "$WORK/javac.log")"
GOCACHE=${OOMSENTRY_GO_CACHE:-/var/cache/oomsentry-tests/go-build}
mkdir -p "$GOCACHE"
(cd "$APPS/goleak" && HOME=$WORK GOCACHE=$GOCACHE GO111MODULE=off GOPATH=$WORK/gopath \
	go build -o "$WORK/bin/goleak" main.go) >"$WORK/gobuild.log" 2>&1 || fail "go build: $(cat "$WORK/gobuild.log")"
read -r plain_port pprof_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*sorted(s.getsockname()[1] for s in ss))') || fail "no free ports"
BASE_ENV=(WARNING=30 CRITICAL=60 COOLDOWN=1h INTERVAL=20ms RESCAN_INTERVAL=100ms
	DUMP_DIR=/mnt/dumps JVM_HEAP_DUMP_DIR=/mnt/dumps)
pod_up baseline
pod_add sidecar --caps kill,setuid,setgid --volume "$WORK/dumps:dumps" --log "$WORK/baseline.log" -- \
	env "${BASE_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/baseline.log" event=start || fail "the sidecar did not start: $(cat "$WORK/baseline.log")"
# memhog holds at 90 MiB: 70% of 128, past both levels of this pod.
pod_add a3000 --uid 3000 --limit 128Mi --volume "$WORK/rec:rec" -- "${grower[@]}" /mnt/rec/b3000
pod_add a4000 --uid 4000 --limit 128Mi --volume "$WORK/rec:rec" -- "${grower[@]}" /mnt/rec/b4000
pod_add java --uid 1000 --private-tmp --limit 320Mi --volume "$WORK/dumps:dumps" \
	--volume "$WORK/bin:apps" --log "$WORK/java.log" -- \
	java -Xmx256m -Xmn16m -XX:+UseSerialGC -cp /mnt/apps Leak 16 184
pod_add go --uid 2000 --limit 256Mi --log "$WORK/go.log" -- \
	"$WORK/bin/goleak" -pprof-port "$pprof_port" -plain-port "$plain_port" -pprof-host 127.0.0.1 -rate 16 -max 200
pod_add rootapp --limit 64Mi -- sleep 600
# A root app without capabilities is within reach: the kernel asks a
# process of the same uid for no capability it does not hold.
pod_add rootbare --caps none --limit 128Mi --volume "$WORK/rec:rec" -- "${grower[@]}" /mnt/rec/b0
rootapp=$(pod_pid rootapp)
wait_for 30 grep -q 'leak: started' "$WORK/java.log" || fail "the JVM did not start"
wait_for 30 grep -q 'goleak: started' "$WORK/go.log" || fail "the Go app did not start"
java=$(pod_pid java) go=$(pod_pid go)
for u in 0 3000 4000; do
	wait_for 30 grep -qs SIGUSR2 "$WORK/rec/b$u" || fail "the app of uid $u got no SIGUSR2: $(cat "$WORK/rec/b$u" 2>/dev/null)"
	grep -q SIGUSR1 "$WORK/rec/b$u" || fail "the app of uid $u got no SIGUSR1"
done
wait_for 90 log_has "$WORK/baseline.log" event=dump_written "pid=$java " action=heap_dump ||
	fail "no heap dump from the JVM of uid 1000: $(grep -E "pid=$java " "$WORK/baseline.log")"
hist=$(ls "$WORK"/dumps/*-java-"$java"-*-warning.histogram.txt 2>/dev/null | head -n 1)
[ -n "$hist" ] && head -n 8 "$hist" | grep -q 'LeakyCache\$Entry' || fail "no histogram naming LeakyCache\$Entry: $(ls -A "$WORK/dumps")"
hprof=$(ls "$WORK"/dumps/*-java-"$java"-*-critical.hprof.gz 2>/dev/null | head -n 1)
[ -n "$hprof" ] && [ "$(gzip -dc "$hprof" 2>/dev/null | head -c 18)" = "JAVA PROFILE 1.0.2" ] || fail "no gzipped hprof: $(ls -A "$WORK/dumps")"
wait_for 30 log_has "$WORK/baseline.log" event=dump_written "pid=$go " action=pprof "port=$pprof_port" ||
	fail "no heap profile from the Go app of uid 2000: $(grep -E "pid=$go " "$WORK/baseline.log")"
log_has "$WORK/baseline.log" event=start uid=0 'caps="cap_kill,cap_setgid,cap_setuid=ep"' ||
	fail "start line: $(grep event=start "$WORK/baseline.log")"
log_has "$WORK/baseline.log" event=process_unwatched level=error "pid=$rootapp " 'CAP_SYS_PTRACE: run the sidecar' 'privileged, k8s/pod.yaml' ||
	fail "the root app is not named with its fix: $(grep process_unwatched "$WORK/baseline.log")"
grep -q 'CapEff:[[:space:]]*00000000000000e0' "/proc/$(host_pid sidecar)/status" ||
	fail "the sidecar's effective set is not KILL, SETUID, SETGID: $(grep CapEff "/proc/$(host_pid sidecar)/status")"
pod down "$POD"
pass "baseline (root; KILL, SETUID, SETGID): uids 3000, 4000 and 0 (no capabilities) signalled, JVM of uid 1000 histogram and heap dump, Go of uid 2000 profile; a root app named for SYS_PTRACE"

# 4. Root with KILL alone reaches nobody else: exit 3, naming SETUID and SETGID.
pod_up killonly
pod_add app --uid 3000 --limit 128Mi -- sleep 600
pod_add sidecar --caps kill --log "$WORK/killonly.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
rc=$(pod wait "$POD" sidecar 20) || fail "the sidecar with KILL only did not exit"
[ "$rc" = 3 ] || fail "exit $rc, want 3: $(cat "$WORK/killonly.log")"
grep -q 'add SETUID and SETGID to the sidecar.s capabilities (Pod Security baseline, k8s/pod-baseline.yaml), or SYS_PTRACE (privileged, k8s/pod.yaml)' "$WORK/killonly.log" ||
	fail "the exit-3 message does not name SETUID and SETGID: $(cat "$WORK/killonly.log")"
pod down "$POD"
pass "root with KILL only: exit 3, naming SETUID and SETGID (baseline) or SYS_PTRACE (privileged)"

# 5. Restarted next to a running app: fail open, loudly.
POD=$LATE_POD
# The app must be older than the sidecar's 30 s: wait for that, by its age.
wait_for 60 sh -c "[ \$(ps -o etimes= -p $late_app) -ge 32 ]" || fail "the app of the late pod is not 32 s old"
pod_add sidecar --caps kill --log "$WORK/late.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/late.log" event=capability_missing level=error 'add SETUID and SETGID' ||
	fail "no capability_missing line: $(cat "$WORK/late.log")"
# Started and past its start-up check, it must still be running.
wait_for 5 log_has "$WORK/late.log" event=process_unwatched level=error || fail "no process_unwatched line"
alive "$(host_pid sidecar)" || fail "the restarted sidecar exited: $(cat "$WORK/late.log")"
grep -q 'missing capability' "$WORK/late.log" && fail "the restarted sidecar printed the exit-3 message"
pod down "$POD"
pass "restarted next to an app over 30 s old: no exit, the fix at level=error, still up"
