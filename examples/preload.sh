#!/usr/bin/env bash
# preload.sh: liboomsentry in an unmodified program, through LD_PRELOAD.
#
# Starts examples/leaky-plain (the leaky service built without liboomsentry)
# with jemalloc as its allocator, heap profiling on, and liboomsentry
# preloaded; sends it the critical signal (SIGUSR2) the way the oomsentry
# sidecar would; waits for the dump; prints jeprof's top entries; checks the
# program is still running. Exits 0 when jeprof names the leaking function
# (leak_request_buffers) first.
#
#   examples/preload.sh [BUILDDIR]
#
# BUILDDIR is where `make` ran (default: the source tree). Environment:
#   OOMSENTRY_DUMP_DIR   where dumps go (default: a fresh temporary directory)
#   LEAKY_ARGS           leak shape (default: "--pattern steady --rate 40 --max 120")
#   JEMALLOC             libjemalloc.so.2 (default: found with ldconfig)
set -euo pipefail

build=${1:-${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}}
leaky=$build/examples/leaky-plain
lib=$build/src/handler/.libs/liboomsentry.so
# awk reads to the end: leaving early would make ldconfig die of SIGPIPE,
# and with pipefail that failure would end this script without a word.
jemalloc=${JEMALLOC:-$(ldconfig -p | awk '!found && /libjemalloc\.so\.2 .*x86-64|libjemalloc\.so\.2 \(/ {print $NF; found = 1}')}
jemalloc=${jemalloc:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
for f in "$leaky" "$lib" "$jemalloc"; do
	[ -e "$f" ] || { echo "preload.sh: $f not found (run make first; apt-get install libjemalloc2)" >&2; exit 2; }
done
command -v jeprof >/dev/null || { echo "preload.sh: jeprof not found (apt-get install libjemalloc-dev)" >&2; exit 2; }

dir=${OOMSENTRY_DUMP_DIR:-$(mktemp -d /tmp/oomsentry-preload.XXXXXX)}
out=$(mktemp /tmp/oomsentry-preload-out.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -f "$out"
}
trap cleanup EXIT

# The whole integration: three environment variables, no code change.
# lg_prof_sample:19 samples one allocation per 512 KiB on average: cheap, and
# plenty to name a leak of tens of MiB.
LD_PRELOAD="$jemalloc $lib" \
MALLOC_CONF=prof:true,lg_prof_sample:19 \
OOMSENTRY_DUMP_DIR=$dir \
	"$leaky" ${LEAKY_ARGS:---pattern steady --rate 40 --max 120} >"$out" 2>&1 &
pid=$!

for _ in $(seq 100); do grep -q ready "$out" && break; sleep 0.1; done
grep -q 'event=oomsentry_installed mode=preload' "$out" || { cat "$out"; echo "preload.sh: liboomsentry did not install" >&2; exit 1; }
sleep 2 # let it leak

echo "== sending SIGUSR2 to $pid"
kill -USR2 "$pid"
summary=
for _ in $(seq 300); do
	summary=$(find "$dir" -maxdepth 1 -name '*-critical.txt' -print -quit 2>/dev/null) && [ -n "$summary" ] && break
	sleep 0.1
done
[ -n "$summary" ] || { cat "$out"; echo "preload.sh: no dump in $dir" >&2; exit 1; }
heap=${summary%.txt}.heap
echo "== dump: $summary"
echo "== heap profile: $heap"
grep 'event=oomsentry_dump ' "$out" || true

echo "== jeprof --text"
report=$(jeprof --text "$leaky" "$heap" 2>/dev/null)
head -n 8 <<<"$report"
top=$(awk '$1 ~ /^[0-9.]+$/ {print $6; exit}' <<<"$report")

if kill -0 "$pid" 2>/dev/null; then
	echo "== $pid is still running"
else
	echo "preload.sh: the program died" >&2
	exit 1
fi
[ "$top" = leak_request_buffers ] || { echo "preload.sh: jeprof's first entry is '$top'" >&2; exit 1; }
echo "== jeprof names leak_request_buffers first"
