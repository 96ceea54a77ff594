#!/usr/bin/env bash
# The pod scenarios on real containers: podman with runc, a pod sharing its
# PID namespace (shareProcessNamespace), images built here from this build's
# static binaries, no registry. The pod is k8s/deployment.yaml's shape: an
# init container (the oomsentry image) copies liboomsentry and jemalloc into a
# volume; the app container preloads them and dumps into a second volume (a
# host directory, as an emptyDir is); the sidecar runs with the pod's
# securityContext.
#
# Done means:
#  1. a leaking app (examples/leaky-plain, uid 1000) in a 128 MiB container,
#     with WARNING=60 CRITICAL=85, receives SIGUSR1 and then SIGUSR2, and
#     neither it nor anything else is OOM-killed; the dump in the volume is
#     complete (summary and heap profile, no temporary file, jeprof names the
#     leaking function first);
#  2. in the same container a process that catches neither signal (sleep),
#     and the pod's pause process, are both alive at the end, and the sidecar
#     logged that it skipped sleep;
#  3. a second container (memhog, 64 MiB) that catches both signals and
#     keeps growing receives SIGUSR1, then SIGUSR2, then is OOM-killed (exit
#     137), and the sidecar logs event=oom_kill after its critical signal.
source "$(dirname "$0")/../e2e/lib.sh"
source "$top_srcdir/tests/podman/lib.sh"

command -v jeprof >/dev/null || missing_prerequisite "jeprof (apt-get install libjemalloc-dev)"
podman_setup
need_v1_memory
t0=$(date +%s%N)
podman_pause_image
podman_oomsentry_image
podman_app_image oomsentry-test-app "$top_builddir/examples/leaky-plain" "$MEMHOG"
APP_IMAGE=localhost/oomsentry-test-app:latest
echo "images built in $((($(date +%s%N) - t0) / 1000000)) ms; sizes in bytes:" \
	"$(pm image inspect --format '{{.Size}}' "$OOMSENTRY_IMAGE") (oomsentry)," \
	"$(pm image inspect --format '{{.Size}}' "$APP_IMAGE") (app)," \
	"$(pm image inspect --format '{{.Size}}' "$PODMAN_PAUSE_IMAGE") (pause)"

POD=oomsentry-$$
LIBVOL=$WORK/vol-lib DUMPS=$WORK/vol-dumps RECORD=$WORK/vol-record
mkdir -p "$LIBVOL" "$DUMPS" "$RECORD" && chmod 0777 "$LIBVOL" "$DUMPS" "$RECORD"
podman_pod "$POD"
pm pod start "$POD" >/dev/null || fail "the pod does not start"

# The init container, as k8s/deployment.yaml runs it.
pm run --rm --pod "$POD" --user 65534 --cap-drop ALL --read-only --security-opt no-new-privileges \
	-v "$LIBVOL:/oomsentry" --entrypoint /usr/bin/oomsentry-copy "$OOMSENTRY_IMAGE" \
	/oomsentry /usr/lib/oomsentry/liboomsentry.so /usr/lib/oomsentry/libjemalloc.so.2 >"$WORK/init.log" 2>&1 ||
	fail "the init container failed"

# The sidecar, with k8s/pod.yaml's securityContext and resources.
pm run -d --pod "$POD" --name "$POD-sidecar" --user 0 --cap-drop ALL --cap-add KILL,SYS_PTRACE \
	--read-only --security-opt no-new-privileges --memory 16m \
	-e WARNING=60 -e CRITICAL=85 "$OOMSENTRY_IMAGE" >/dev/null || fail "the sidecar does not start"
sidecar_log() { pm logs "$POD-sidecar" >"$WORK/sidecar.log" 2>&1; }
sidecar_says() { sidecar_log && grep -q "$1" "$WORK/sidecar.log"; }
wait_for 20 sidecar_says 'event=start' || fail "the sidecar did not start"

# Scenario 1 and 2: the leaking app and sleep share a 128 MiB container.
# leaky-plain leaks 16 MiB/s up to 112 MiB: past 85% (108.8 MiB), under the
# limit with its libraries and jemalloc's profile.
pm run -d --pod "$POD" --name "$POD-app" --hostname "$POD" --user 1000:1000 --memory 128m --memory-swap 128m \
	-v "$LIBVOL:/oomsentry:ro" -v "$DUMPS:/dumps" \
	-e LD_PRELOAD="/oomsentry/libjemalloc.so.2 /oomsentry/liboomsentry.so" \
	-e MALLOC_CONF=prof:true,lg_prof_sample:19 -e OOMSENTRY_DUMP_DIR=/dumps/app \
	"$APP_IMAGE" /app/leaky-plain --pattern steady --rate 16 --max 112 >/dev/null || fail "the app does not start"
# sleep must catch neither signal: not even through the container's
# LD_PRELOAD, which would give it liboomsentry's handlers.
pm exec -d --user 1000:1000 -e LD_PRELOAD= "$POD-app" /bin/sleep infinity >/dev/null ||
	fail "cannot start sleep in the app container"

# Scenario 3: a container that catches both signals and grows past its limit,
# slowly enough (8 MiB/s: 1.2 s from 85% to the limit) that a loaded machine
# still delivers SIGUSR2 first.
pm run -d --pod "$POD" --name "$POD-hog" --memory 64m --memory-swap 64m -v "$RECORD:/record" \
	"$APP_IMAGE" /app/memhog --catch --rate 8 --max 200 --record /record/signals >/dev/null ||
	fail "memhog does not start"

app_log() { pm logs "$POD-app" >"$WORK/app.log" 2>&1; }
state() { pm inspect --format "{{.State.$2}}" "$1" 2>/dev/null; }
app_says() { app_log && grep -q "$1" "$WORK/app.log"; }
exited() { [ "$(state "$1" Status)" = exited ]; }
wait_for 60 app_says 'leaky: leaked_mib=112' || fail "the app did not reach 112 MiB"
wait_for 60 compgen -G "$DUMPS/app/*-critical.txt" >/dev/null || fail "no dump in the volume"
wait_for 60 exited "$POD-hog" || fail "memhog was not OOM-killed"
# Let the sidecar see the OOM kill and the app settle, then look.
wait_for 20 sidecar_says 'event=oom_kill' || fail "the sidecar logged no oom_kill"
sidecar_log
app_log

# 1. The app received SIGUSR1, then SIGUSR2, and was not OOM-killed.
grep -n 'event=oomsentry_signal' "$WORK/app.log" | grep -o 'signal=SIGUSR[12]' | uniq >"$WORK/app-signals"
[ "$(head -n 2 "$WORK/app-signals" | tr '\n' ' ')" = "signal=SIGUSR1 signal=SIGUSR2 " ] ||
	fail "the app received, in order: $(tr '\n' ' ' <"$WORK/app-signals")"
s1=$(grep -n 'event=signal_sent.*comm=leaky-plain.*signal=SIGUSR1' "$WORK/sidecar.log" | head -n 1 | cut -d: -f1)
s2=$(grep -n 'event=signal_sent.*comm=leaky-plain.*signal=SIGUSR2' "$WORK/sidecar.log" | head -n 1 | cut -d: -f1)
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" -lt "$s2" ] || fail "the sidecar did not send SIGUSR1 then SIGUSR2 to the app"
[ "$(state "$POD-app" Status)" = running ] || fail "the app container is $(state "$POD-app" Status)"
app_pid=$(state "$POD-app" Pid)
app_cg=$CG_V1_MEMORY$(awk -F: '$2 == "memory" {print $3}' "/proc/$app_pid/cgroup")
grep -qx 'oom_kill 0' "$app_cg/memory.oom_control" || fail "the app's cgroup saw an OOM kill: $(cat "$app_cg/memory.oom_control")"
log_has "$WORK/sidecar.log" 'event=oom_kill' "$POD-app" && fail "the sidecar reports an OOM kill in the app container"
pass "the app received SIGUSR1 then SIGUSR2 (sidecar lines $s1, $s2) and was not OOM-killed ($(($(cat "$app_cg/memory.max_usage_in_bytes") >> 20)) MiB peak of 128)"

# ... and its dump is complete.
dumps=("$DUMPS"/app/*-critical.txt)
[ ${#dumps[@]} = 1 ] || fail "expected one critical dump: ${dumps[*]}"
txt=${dumps[0]}
heap=${txt%.txt}.heap
[ -s "$heap" ] || fail "no heap profile next to $txt"
hidden=$(find "$DUMPS/app" -name '.*' -type f)
[ -z "$hidden" ] || fail "temporary files left in the dump volume: $hidden"
[ "$(stat -c '%u %a' "$txt")" = "1000 600" ] || fail "the summary is $(stat -c '%u %a' "$txt"), not the app's uid and 0600"
grep -q '^allocator: jemalloc' "$txt" || fail "the summary does not name jemalloc"
# The hostname is the pod's name, as in Kubernetes, and names the file.
grep -qx "hostname: $POD" "$txt" && [[ $(basename "$txt") == "$POD-"* ]] || fail "the dump does not carry the pod's name $POD"
grep -q 'Begin jemalloc statistics' "$txt" || fail "the summary lacks jemalloc's statistics"
grep -q 'End jemalloc statistics' "$txt" || fail "the summary is cut short"
# The profile names the files as the container saw them (/app/leaky-plain,
# /oomsentry/libjemalloc.so.2). jeprof takes symbols for the program only
# from a mapping whose path is the program it was given, so the copy read
# here names the build tree's leaky-plain (the same file); --lib_prefix
# finds the libraries in a tree laid out like the container: the app
# image's files plus the library volume.
mkdir -p "$WORK/oomsentry-test-app-root/oomsentry" && cp "$LIBVOL"/* "$WORK/oomsentry-test-app-root/oomsentry/"
leaky=$(readlink -f "$top_builddir/examples/leaky-plain")
sed "s| /app/leaky-plain\$| $leaky|" "$heap" >"$WORK/local.heap"
jeprof --text --lib_prefix="$WORK/oomsentry-test-app-root" "$leaky" "$WORK/local.heap" >"$WORK/jeprof.txt" 2>"$WORK/jeprof.err" ||
	fail "jeprof cannot read the profile: $(cat "$WORK/jeprof.err")"
top=$(awk '/^Total:/ {getline; print $6; exit}' "$WORK/jeprof.txt")
[ "$top" = leak_request_buffers ] || fail "jeprof names $top first: $(head -n 5 "$WORK/jeprof.txt")"
pass "the dump in the volume is complete: $(basename "$txt"), $(stat -c %s "$heap") byte profile, jeprof names $top"

# 2. sleep (no handler) and the pause process are alive, and sleep was skipped.
sleep_pid=
while read -r p; do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && sleep_pid=$p
done <"$app_cg/cgroup.procs"
[ -n "$sleep_pid" ] && alive "$sleep_pid" || fail "sleep in the app container is gone"
log_has "$WORK/sidecar.log" 'event=signal_skipped' 'comm=sleep' || fail "the sidecar did not log skipping sleep"
infra=$(pm pod inspect --format '{{.InfraContainerID}}' "$POD")
[ "$(state "$infra" Status)" = running ] && alive "$(state "$infra" Pid)" || fail "the pause process is gone"
pass "sleep (pid $sleep_pid, no handler) and the pause process (pid $(state "$infra" Pid)) are alive; sleep was skipped"

# 3. memhog: SIGUSR1, SIGUSR2, then the OOM kill, which the sidecar reports.
[ "$(state "$POD-hog" ExitCode)" = 137 ] || fail "memhog exited $(state "$POD-hog" ExitCode), not 137"
[ "$(awk '{print $1}' "$RECORD/signals" | uniq | head -n 2 | tr '\n' ' ')" = "SIGUSR1 SIGUSR2 " ] ||
	fail "memhog recorded: $(cat "$RECORD/signals")"
k=$(grep -n 'event=oom_kill' "$WORK/sidecar.log" | head -n 1 | cut -d: -f1)
c=$(grep -n 'event=signal_sent.*comm=memhog.*signal=SIGUSR2' "$WORK/sidecar.log" | head -n 1 | cut -d: -f1)
[ -n "$c" ] && [ "$c" -lt "$k" ] || fail "the oom_kill line does not follow the critical signal to memhog"
sed -n "${k}p" "$WORK/sidecar.log" | grep -q 'last_level=critical' || fail "oom_kill without last_level=critical: $(sed -n "${k}p" "$WORK/sidecar.log")"
pass "memhog got SIGUSR1, SIGUSR2 ($(awk '{print $2}' "$RECORD/signals" | tr '\n' ' ')MiB), then the OOM kill (exit 137), logged as $(sed -n "${k}p" "$WORK/sidecar.log" | grep -o 'since_last_signal_ms=[0-9]*')"
