#!/usr/bin/env bash
# Runs every libFuzzer harness that `make fuzz` built, each for SECONDS
# (default 10), over a copy of its committed seed corpus: the committed corpus
# never grows here.
#
#   tests/fuzz/run.sh [--build DIR] [--runs N] [--out DIR] [--only NAME] [SECONDS]
#
#   --build DIR  the build directory where `make fuzz` ran; the harnesses are
#                DIR/tests/fuzz/fuzz_*. Default: $FUZZ_BUILD, else _build/fuzz
#                under the source tree.
#   --runs N     also stop a harness after N executions (libFuzzer -runs).
#   --out DIR    keep each harness's grown corpus (DIR/NAME/corpus), its log
#                and any reproducer there, and write DIR/summary.tsv; without
#                it they go to a temporary directory, kept only on failure.
#   --only NAME  run this harness only (may be repeated).
#
# Prints "fuzz: NAME executions=N crashes=C seconds=S" per harness and
# "fuzz: P passed, F failed" at the end. Exits non-zero if a harness crashed,
# broke an invariant, hung, or could not run. A reproducer (crash-*,
# timeout-*, oom-*) is kept next to the harness's log; run the harness on it
# to see the failure again: DIR/tests/fuzz/fuzz_NAME FILE.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$top/_build/fuzz}
seconds=10 runs= out= only=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	-h | --help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	[0-9]*) seconds=$1; shift ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

corpora=$top/tests/fuzz/corpus
names=()
if [ ${#only[@]} -gt 0 ]; then
	names=("${only[@]}")
else
	for d in "$corpora"/*/; do
		names+=("$(basename "$d")")
	done
fi

keep=
if [ -n "$out" ]; then
	mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
	printf 'harness\texecutions\tcrashes\tseconds\tcorpus_before\tcorpus_after\texec_per_s\tpeak_rss_mb\n' \
		>"$out/summary.tsv"
	keep=1
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/oomsentry-fuzz.XXXXXX") || exit 1
fi

passed=0 failed=0
for name in "${names[@]}"; do
	bin=$build/tests/fuzz/$name
	dir=$out/$name
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	log=$dir/fuzz.log
	if [ ! -x "$bin" ] || [ ! -d "$corpora/$name" ]; then
		echo "fuzz: $name executions=0 crashes=0 seconds=0 (no harness $bin or no corpus; run make fuzz)"
		failed=$((failed + 1))
		keep=1
		continue
	fi
	cp "$corpora/$name"/* "$dir/corpus/"
	before=$(find "$dir/corpus" -type f | wc -l)
	args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
		-artifact_prefix="$dir/")
	[ -n "$runs" ] && args+=(-runs="$runs")
	t0=$(date +%s%N)
	"$bin" "${args[@]}" "$dir/corpus" >"$log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
	execs=$(stat number_of_executed_units)
	crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' \
		-o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
	after=$(find "$dir/corpus" -type f | wc -l)
	echo "fuzz: $name executions=${execs:-0} crashes=$crashes seconds=$secs"
	if [ -n "$keep" ] && [ -f "$out/summary.tsv" ]; then
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${execs:-0}" "$crashes" "$secs" \
			"$before" "$after" "$(stat average_exec_per_sec)" "$(stat peak_rss_mb)" \
			>>"$out/summary.tsv"
	fi
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ] && [ -n "$execs" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		keep=1
		echo "   exit status $rc; the last lines of $log:"
		tail -n 40 "$log" | sed 's/^/   /'
		for f in "$dir"/crash-* "$dir"/timeout-* "$dir"/oom-* "$dir"/leak-*; do
			[ -f "$f" ] && echo "   reproducer: $f (run: $bin $f)"
		done
	fi
done

echo "fuzz: $passed passed, $failed failed"
if [ -z "$keep" ]; then
	rm -rf "$out"
elif [ "$failed" -gt 0 ]; then
	echo "fuzz: logs and reproducers kept in $out"
fi
[ "$failed" -eq 0 ]
