# shellcheck shell=bash disable=SC2034,SC2154
# Shared by the pod scenario tests (tests/e2e/pod_*.sh); sourced after
# tests/e2e/lib.sh. Starts pods with tests/pod/pod.sh, owned by the test
# process, and takes them down before lib.sh's cleanup: on success, on
# failure and on interrupt (and the pod's keeper takes it down even if the
# test is killed outright).

POD_SH=$top_srcdir/tests/pod/pod.sh
export POD_PAUSE=${POD_PAUSE:-$top_builddir/tests/pod/pause}
LEAKY=${LEAKY:-$top_builddir/examples/leaky}
JEMALLOC=${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
PODS=()

pod_cleanup() {
	local p
	for p in "${PODS[@]:-}"; do
		[ -n "$p" ] && "$POD_SH" down "$p" >/dev/null 2>&1
	done
}
trap 'pod_cleanup; cleanup' EXIT

# need_pod: root, a v1 memory hierarchy, util-linux and the built pause.
need_pod() {
	need_v1_memory
	local c
	for c in unshare nsenter setpriv; do
		command -v "$c" >/dev/null || missing_prerequisite "$c (util-linux) not installed"
	done
	[ -x "$POD_PAUSE" ] || fail "$POD_PAUSE not built"
}

# pod_up SUFFIX [up options]: starts the pod "<test>-<pid>-SUFFIX", owned by
# this test, and sets POD to its name.
pod_up() {
	local suffix=$1
	shift
	POD=$(echo "${TEST_NAME#pod_}-$$-$suffix" | tr '_' '-' | cut -c1-40)
	PODS+=("$POD")
	"$POD_SH" up "$POD" --owner $$ "$@" >"$WORK/pod-$suffix.up" 2>&1 ||
		fail "pod.sh up $POD: $(cat "$WORK/pod-$suffix.up")"
}

# pod_add CONTAINER [add options] -- COMMAND...: adds a container to $POD.
pod_add() {
	local name=$1
	shift
	"$POD_SH" add "$POD" "$name" "$@" >"$WORK/add-$name.out" 2>&1 ||
		fail "pod.sh add $POD $name: $(cat "$WORK/add-$name.out")"
}

pod() { "$POD_SH" "$@"; }

# host_pid CONTAINER / pod_pid CONTAINER: the container's first process, as
# the host and as the pod see it.
host_pid() { "$POD_SH" pid "$POD" "$1"; }
pod_pid() { "$POD_SH" pid "$POD" "$1" --in-pod; }
pause_pid() { cat "${POD_STATE_ROOT:-/run/oomsentry-pod}/$POD/pause.hostpid"; }

# line_no FILE PATTERN...: number of the first line holding every pattern.
line_no() {
	local f=$1 n=0 line ok pat
	shift
	while IFS= read -r line; do
		n=$((n + 1))
		ok=1
		for pat in "$@"; do
			[[ $line == *"$pat"* ]] || { ok=0; break; }
		done
		[ $ok = 1 ] && { echo "$n"; return 0; }
	done <"$f"
	return 1
}

# The sidecar settings every scenario uses, unless it says otherwise: the
# spec's thresholds, fast ticks so the tests are quick, and no repeats.
SIDECAR_ENV=(WARNING=60 CRITICAL=85 COOLDOWN=1h INTERVAL=20ms RESCAN_INTERVAL=100ms)
