#!/usr/bin/env bash
# Runs tests many times on a busy machine, to find the ones that pass only
# sometimes. Each test runs N times, one run at a time, while busy loops keep
# every core loaded (started here, stopped on exit, whatever happens), and a
# table says how each did.
#
#   tests/flake.sh [-n N] [--build DIR] [--out DIR] [--no-load] [TEST...]
#
#   -n N        runs per test (default 10)
#   --build DIR a configured build tree (default _build/main, as tests/run.sh
#               leaves it); its programs are brought up to date first
#   --out DIR   where each run's output is kept (default: a new directory
#               under /tmp); the logs of failed runs are named in the table
#   --no-load   no busy loops (to compare with a quiet machine)
#   TEST        a test script, as a path or a name (oom_v1, pod_oom.sh, ...);
#               default: every end-to-end test the build runs (E2E_TESTS)
#
# Tests run as automake runs them (top_srcdir, top_builddir and static_build
# in the environment, CI passed through). Output: one row per test with its
# passes, failures and slowest wall time, then "flake: N passed, M failed"
# counting runs. Exit 0 if every run passed, 1 if any failed, 2 on bad usage.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=10
build=$top/_build/main
out=
load=1
tests=()

usage() { sed -n '2,/^set -uo/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-n)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "flake.sh: -n needs a positive count, got '${2:-}'" >&2; exit 2; }
		runs=$2; shift 2 ;;
	--build)
		[ $# -ge 2 ] || usage
		build=$(cd "$2" 2>/dev/null && pwd) || { echo "flake.sh: --build: no directory '$2'" >&2; exit 2; }
		shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--no-load) load=0; shift ;;
	-h | --help) usage ;;
	-*) echo "flake.sh: unknown option '$1'" >&2; exit 2 ;;
	*) tests+=("$1"); shift ;;
	esac
done

[ -f "$build/Makefile" ] || { echo "flake.sh: --build: '$build' is not a configured build tree (run tests/run.sh or configure first)" >&2; exit 2; }
# One build at a time in a tree, should two of these run side by side.
(
	flock 9
	make -s -C "$build" all >/dev/null && make -s -C "$build" check TESTS= >/dev/null
) 9>"$build/.flake-build.lock" || { echo "flake.sh: building in $build failed" >&2; exit 1; }

# The build's own list of end-to-end tests, so this never drifts from it.
if [ ${#tests[@]} -eq 0 ]; then
	read -r -a tests <<<"$(make -s -C "$build" print-e2e-tests)"
fi
resolved=()
for t in "${tests[@]}"; do
	if [ -f "$t" ]; then
		resolved+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
	elif [ -f "$top/$t" ]; then
		resolved+=("$top/$t")
	else
		f=$(find "$top/tests" -type f \( -name "${t%.sh}.sh" -o -name "$t" \) | sort | head -n 1)
		[ -n "$f" ] || { echo "flake.sh: no test named '$t'" >&2; exit 2; }
		resolved+=("$f")
	fi
done

[ -n "$out" ] || out=$(mktemp -d /tmp/oomsentry-flake.XXXXXX)
mkdir -p "$out"
static_build=$(sed -n 's/^STATIC_BUILD = //p' "$build/Makefile")
static_libc=$(sed -n 's/^STATIC_LIBC = //p' "$build/Makefile")

loaders=()
stop_load() {
	local p
	for p in "${loaders[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop_load EXIT
trap 'exit 130' INT TERM
if [ "$load" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		(exec bash -c 'while :; do :; done') &
		loaders+=($!)
	done
fi

printf '%-28s %6s %8s %10s  %s\n' test passes failures slowest_s failed_logs
total_pass=0
total_fail=0
for t in "${resolved[@]}"; do
	name=$(basename "$t" .sh)
	[ "$(basename "$(dirname "$t")")" = e2e ] || name=$(basename "$(dirname "$t")")_$name
	pass=0 failn=0 slowest=0 failed=()
	for i in $(seq "$runs"); do
		log=$out/$name.$i.log
		t0=$(date +%s%N)
		(cd "$build" && top_srcdir=$top top_builddir=$build static_build=$static_build static_libc=$static_libc \
			"$t") >"$log" 2>&1 </dev/null
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -gt "$slowest" ] && slowest=$ms
		echo "exit status: $rc, wall time: $ms ms" >>"$log"
		# 77 is a skip: not a pass (CI=true turns missing prerequisites into failures).
		if [ "$rc" = 0 ]; then pass=$((pass + 1)); else failn=$((failn + 1)); failed+=("$log"); fi
	done
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + failn))
	printf '%-28s %6d %8d %10.1f  %s\n' "$name" "$pass" "$failn" "$(awk -v ms="$slowest" 'BEGIN { print ms / 1000 }')" "${failed[*]:-}"
done
echo "logs: $out"
echo "flake: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
