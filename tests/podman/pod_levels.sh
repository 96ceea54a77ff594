#!/usr/bin/env bash
# The restricted and baseline Pod Security variants on real containers:
# podman with runc, one pod per variant sharing its PID namespace
# (shareProcessNamespace), the sidecar from the shipped image with the
# securityContext of k8s/pod-restricted.yaml or k8s/pod-baseline.yaml turned
# into podman's flags, the apps from an image of memhog. No registry.
#
# Done means:
#  1. restricted (the app's uid and gid 1000, no capability, seccomp as
#     RuntimeDefault, no_new_privs, read-only root): memhog of uid 1000 in a
#     128 MiB container records SIGUSR1 then SIGUSR2; the start line says
#     uid=1000 and caps="="; the kernel shows Seccomp 2, NoNewPrivs 1 and an
#     empty effective set; the pod's infra process is a level=info
#     process_unwatched line, and nothing is logged at level=error;
#  2. baseline (uid 0 with KILL, SETUID and SETGID only, no_new_privs,
#     read-only root): memhogs of uids 1000 and 2000, each in a 128 MiB
#     container of its own, both record SIGUSR1 then SIGUSR2; the start line
#     says uid=0 and caps="cap_kill,cap_setgid,cap_setuid=ep"; the effective
#     set is exactly those three (e0); the infra process is an info line and
#     nothing is logged at level=error.
# In both, the sidecar, the apps and the infra process share one PID
# namespace, and no app is OOM-killed.
source "$(dirname "$0")/../e2e/lib.sh"
source "$top_srcdir/tests/podman/lib.sh"

# podman's default seccomp profile, from containers/common. Kubernetes'
# RuntimeDefault is the container runtime's default profile: with CRI-O this
# very file, with containerd its copy of the same Docker-derived profile. It
# is named explicitly so that the restricted sidecar runs under it even if a
# containers.conf drop-in turned podman's default off.
SECCOMP_PROFILE=/usr/share/containers/seccomp.json
[ -r "$SECCOMP_PROFILE" ] || missing_prerequisite "$SECCOMP_PROFILE (apt-get install golang-github-containers-common)"
podman_setup
need_v1_memory
t0=$(date +%s%N)
podman_pause_image
podman_oomsentry_image
podman_app_image oomsentry-test-app "$MEMHOG"
APP_IMAGE=localhost/oomsentry-test-app:latest
echo "images built in $((($(date +%s%N) - t0) / 1000000)) ms"

# memhog holds at 90 MiB (70% of 128: past WARNING only) until the first
# signal, so it gets SIGUSR1 first however late the sidecar looks on a busy
# machine; then it grows to 112 MiB (87.5%: past CRITICAL), still under the
# limit with its binary and libraries.
GROWER=(/app/memhog --catch --rate 50 --hold 90 --max 112 --record /record/signals)
SIDECAR_ENV=(-e WARNING=60 -e CRITICAL=85)

state() { pm inspect --format "{{.State.$2}}" "$1" 2>/dev/null; }
sidecar_log() { pm logs "$POD-sidecar" >"$WORK/$VARIANT.log" 2>&1; }
sidecar_says() { sidecar_log && log_has "$WORK/$VARIANT.log" "$@"; }
status_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# pod_up VARIANT: the variant's pod, started (its infra process running).
pod_up() {
	VARIANT=$1 POD=oomsentry-$$-$1
	podman_pod "$POD"
	pm pod start "$POD" >/dev/null || fail "the $VARIANT pod does not start"
	INFRA_PID=$(state "$(pm pod inspect --format '{{.InfraContainerID}}' "$POD")" Pid)
	[ -n "$INFRA_PID" ] && alive "$INFRA_PID" || fail "the $VARIANT pod has no infra process"
	INFRA_COMM=$(cat "/proc/$INFRA_PID/comm")
}

# app NAME UID: memhog as UID:UID in a 128 MiB container of its own,
# recording into $WORK/rec-$VARIANT-NAME/signals.
app() {
	local rec=$WORK/rec-$VARIANT-$1
	mkdir -m 0777 "$rec" || fail "cannot create $rec"
	pm run -d --pod "$POD" --name "$POD-$1" --user "$2:$2" --memory 128m --memory-swap 128m \
		-v "$rec:/record" "$APP_IMAGE" "${GROWER[@]}" >/dev/null || fail "memhog $1 does not start"
}

# got_both NAME: memhog NAME recorded SIGUSR1, then SIGUSR2, and still runs.
got_both() {
	local rec=$WORK/rec-$VARIANT-$1/signals
	wait_for 60 grep -qs SIGUSR2 "$rec" ||
		fail "$VARIANT: memhog $1 got no SIGUSR2: $(cat "$rec" 2>/dev/null)"
	[ "$(awk '{print $1}' "$rec" | uniq | head -n 2 | tr '\n' ' ')" = "SIGUSR1 SIGUSR2 " ] ||
		fail "$VARIANT: memhog $1 recorded: $(cat "$rec")"
	[ "$(state "$POD-$1" Status)" = running ] || fail "$VARIANT: memhog $1 is $(state "$POD-$1" Status)"
}

# sidecar_up: the sidecar still runs (its start-up check may exit 3).
sidecar_up() {
	[ "$(state "$POD-sidecar" Status)" = running ] ||
		fail "$VARIANT: the sidecar exited $(state "$POD-sidecar" ExitCode): $(sidecar_log; tail -n 1 "$WORK/$VARIANT.log")"
}

# same_pid_ns PID...: all in the PID namespace of the sidecar.
same_pid_ns() {
	local p ns
	sidecar_up
	ns=$(readlink "/proc/$SIDECAR_PID/ns/pid")
	for p in "$@"; do
		[ "$(readlink "/proc/$p/ns/pid")" = "$ns" ] || fail "$VARIANT: pid $p is not in the sidecar's PID namespace"
	done
}

# infra_at_info: the infra process is the pod's pause process to the
# sidecar (PID 1, unreachable without CAP_SYS_PTRACE, never signalled): an
# info line, and no error anywhere, the pod being set up as it should.
infra_at_info() {
	wait_for 10 sidecar_says event=process_unwatched 'pid=1 ' ||
		fail "$VARIANT: no process_unwatched line for the infra process $INFRA_COMM"
	log_has "$WORK/$VARIANT.log" level=info event=process_unwatched 'pid=1 ' "comm=$INFRA_COMM" ||
		fail "$VARIANT: the infra process ($INFRA_COMM) is not logged at level=info:" \
			"$(grep -e 'pid=1 ' -e capability_missing "$WORK/$VARIANT.log")"
	! grep -q level=error "$WORK/$VARIANT.log" || fail "$VARIANT: errors: $(grep level=error "$WORK/$VARIANT.log")"
}

# 1. Restricted. The app starts first, as in a pod whose sidecar is a
# regular container listed after the app; baseline below starts in the other
# order, the native sidecar's.
pod_up restricted
app app 1000
pm run -d --pod "$POD" --name "$POD-sidecar" --user 1000:1000 --cap-drop ALL --read-only \
	--security-opt no-new-privileges --security-opt seccomp="$SECCOMP_PROFILE" --memory 16m \
	"${SIDECAR_ENV[@]}" "$OOMSENTRY_IMAGE" >/dev/null || fail "the restricted sidecar does not start"
wait_for 20 sidecar_says event=start || fail "the restricted sidecar did not start"
SIDECAR_PID=$(state "$POD-sidecar" Pid)
same_pid_ns "$INFRA_PID" "$(state "$POD-app" Pid)"
got_both app
sidecar_up
log_has "$WORK/restricted.log" event=start uid=1000 'caps="="' ||
	fail "restricted start line: $(grep event=start "$WORK/restricted.log")"
[ "$(status_field "$SIDECAR_PID" Seccomp)" = 2 ] || fail "restricted: Seccomp is $(status_field "$SIDECAR_PID" Seccomp), not 2 (filter)"
[ "$(status_field "$SIDECAR_PID" NoNewPrivs)" = 1 ] || fail "restricted: the sidecar is without no_new_privs"
[ "$(status_field "$SIDECAR_PID" CapEff)" = 0000000000000000 ] ||
	fail "restricted: the sidecar holds capabilities: CapEff $(status_field "$SIDECAR_PID" CapEff)"
infra_at_info
pm pod rm -f -t 0 "$POD" >/dev/null 2>&1
pass "restricted (uid 1000, no capability, seccomp filter, no_new_privs): memhog got SIGUSR1 then SIGUSR2" \
	"($(awk '{print $2}' "$WORK/rec-restricted-app/signals" | tr '\n' ' ')MiB); infra $INFRA_COMM at info"

# 2. Baseline: the sidecar first, as a native sidecar starts, then the apps.
pod_up baseline
pm run -d --pod "$POD" --name "$POD-sidecar" --user 0 --cap-drop ALL --cap-add KILL,SETUID,SETGID --read-only \
	--security-opt no-new-privileges --memory 16m \
	"${SIDECAR_ENV[@]}" "$OOMSENTRY_IMAGE" >/dev/null || fail "the baseline sidecar does not start"
wait_for 20 sidecar_says event=start || fail "the baseline sidecar did not start"
SIDECAR_PID=$(state "$POD-sidecar" Pid)
app app 1000
app other 2000
same_pid_ns "$INFRA_PID" "$(state "$POD-app" Pid)" "$(state "$POD-other" Pid)"
got_both app
got_both other
sidecar_up
log_has "$WORK/baseline.log" event=start uid=0 'caps="cap_kill,cap_setgid,cap_setuid=ep"' ||
	fail "baseline start line: $(grep event=start "$WORK/baseline.log")"
[ "$(status_field "$SIDECAR_PID" CapEff)" = 00000000000000e0 ] ||
	fail "baseline: the effective set is not KILL, SETUID, SETGID: CapEff $(status_field "$SIDECAR_PID" CapEff)"
[ "$(status_field "$SIDECAR_PID" NoNewPrivs)" = 1 ] || fail "baseline: the sidecar is without no_new_privs"
infra_at_info
pass "baseline (uid 0; KILL, SETUID, SETGID): memhogs of uids 1000 and 2000 got SIGUSR1 then SIGUSR2; infra $INFRA_COMM at info"
