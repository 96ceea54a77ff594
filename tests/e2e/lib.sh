# Shared by the end-to-end test scripts (sourced, not run).
#
# Exit codes follow automake's test driver: 0 pass, 1 fail, 77 skip. A test
# whose prerequisite (root, cgroups, namespaces) is missing skips on a
# developer's machine but FAILS when CI=true, so CI never passes by skipping.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
OOMSENTRY=${OOMSENTRY:-$top_builddir/src/oomsentry}
MEMHOG=${MEMHOG:-$top_builddir/tests/helpers/memhog}
FIXTURES=$top_srcdir/tests/fixtures
CG_V1_MEMORY=/sys/fs/cgroup/memory

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/oomsentry-$TEST_NAME.XXXXXX")
CGROUPS=()
PIDS=()

cleanup() {
	local p cg
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
	for cg in "${CGROUPS[@]:-}"; do
		[ -n "$cg" ] && [ -d "$cg" ] || continue
		# Move stragglers out before removing the cgroup. Processes of a
		# killed PID namespace may still be dying (they can be neither
		# moved nor waited for): try again until they are gone, up to 10 s.
		local i
		for ((i = 0; i < 200; i++)); do
			while read -r p; do echo "$p" >"$CG_V1_MEMORY/cgroup.procs" 2>/dev/null; done <"$cg/cgroup.procs"
			rmdir "$cg" 2>/dev/null && break
			sleep 0.05
		done
		[ -d "$cg" ] && echo "cleanup: cannot remove cgroup $cg" >&2
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		tail -n 40 "$f" >&2
	done
	exit 1
}

pass() { echo "ok: $*"; }

# Skip locally, fail in CI.
missing_prerequisite() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $TEST_NAME: prerequisite missing in CI: $*" >&2
		exit 1
	fi
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

need_root() {
	[ "$(id -u)" -eq 0 ] || missing_prerequisite "needs root"
}

need_v1_memory() {
	need_root
	[ -w "$CG_V1_MEMORY/cgroup.procs" ] || missing_prerequisite "needs a writable cgroup v1 memory hierarchy at $CG_V1_MEMORY"
}

# make_cgroup NAME LIMIT_BYTES: creates a v1 memory cgroup and sets CG to its
# directory (not a subshell, so cleanup() learns of it).
make_cgroup() {
	CG=$CG_V1_MEMORY/oomsentry-test-$$-$1
	mkdir "$CG" || fail "cannot create cgroup $CG"
	CGROUPS+=("$CG")
	echo "$2" >"$CG/memory.limit_in_bytes" || fail "cannot set limit on $CG"
}

# wait_for TIMEOUT_SECONDS COMMAND... : polls until the command succeeds.
wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# A SIGKILLed process leaves its cgroup early in its exit and dies a moment
# later (longer on a loaded machine): wait for that, do not expect it done.
gone() { ! alive "$1"; }

# wait_progress PID STALL_SECONDS FILE...: waits for the child PID to exit
# and returns its status, as long as it keeps making progress: some FILE
# grows at least once every STALL_SECONDS. Otherwise it stops PID (SIGTERM)
# and returns 124, as timeout(1) does. For work whose speed depends on the
# machine's load (an emulated guest), a fixed deadline is a guess; a stall
# is a fact. Sets QUIET_MAX to the longest stretch without growth (s), for
# the test to report.
QUIET_MAX=0
wait_progress() {
	local pid=$1 stall=$2 size=-1 now s changed
	shift 2
	changed=$(date +%s)
	while alive "$pid"; do
		s=$(cat "$@" 2>/dev/null | wc -c)
		now=$(date +%s)
		[ $((now - changed)) -gt "$QUIET_MAX" ] && QUIET_MAX=$((now - changed))
		if [ "$s" != "$size" ]; then
			size=$s changed=$now
		elif [ $((now - changed)) -ge "$stall" ]; then
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
	done
	wait "$pid"
}

# pod_start SCRIPT: runs SCRIPT under bash as PID 1 of a new PID namespace
# with its own /proc, like a pod with shareProcessNamespace. Inside, `in_cg
# DIR CMD...` starts CMD in the cgroup DIR in the background. The whole
# namespace dies with it (--kill-child) when the test ends.
pod_start() {
	local prelude='in_cg() { local cg=$1; shift; (echo $BASHPID >"$cg/cgroup.procs" && exec "$@") & }'
	unshare --pid --fork --mount-proc --kill-child -- bash -c "$prelude
$1" &
	POD_PID=$!
	PIDS+=("$POD_PID")
}

# procs_of CGROUP_DIR COMM: host pids of processes named COMM in the cgroup.
procs_of() {
	local p
	while read -r p; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"
	done <"$1/cgroup.procs"
}

# log_has FILE PATTERN...: every pattern matches one and the same line.
log_has() {
	local f=$1
	shift
	local line ok
	[ -f "$f" ] || return 1
	while IFS= read -r line; do
		ok=1
		for pat in "$@"; do
			[[ $line == *"$pat"* ]] || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
	done <"$f"
	return 1
}

# pod_stop: ends the pod. unshare ignores SIGTERM while it waits for its
# child, so it takes SIGKILL; --kill-child then takes the namespace down.
pod_stop() {
	kill -KILL "$POD_PID" 2>/dev/null
	wait "$POD_PID" 2>/dev/null
}
