#!/usr/bin/env bash
# Measures, does not judge: for a process holding HANDLER_PAUSE_MIB MiB
# (default 500; less when memory is short) under jemalloc with profiling,
# the time from SIGUSR2 to a complete dump and the longest pause its own
# threads saw meanwhile. Passes when the dump completes and the process
# survives; the figures are printed for the record.
source "$(dirname "$0")/lib.sh"

jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -e "$jemalloc" ] || missing_prerequisite "libjemalloc2"
so=$top_builddir/src/handler/.libs/liboomsentry.so
plain=$top_builddir/examples/leaky-plain

mib=${HANDLER_PAUSE_MIB:-500}
avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
[ "$avail" -gt $((mib * 3)) ] || mib=$((avail / 4))

LD_PRELOAD="$jemalloc $so" MALLOC_CONF=prof:true,lg_prof_sample:19 \
	OOMSENTRY_DUMP_DIR=$WORK/dumps OOMSENTRY_MIN_FREE=0 \
	"$plain" --pattern hold --start "$mib" --chunk 256 --probe >"$WORK/leaky.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for 60 grep -q 'leaked_mib=' "$WORK/leaky.log" || fail "leaky did not reach $mib MiB"
sleep 2
t0=$(date +%s%N)
kill -USR2 "$pid"
wait_for 60 sh -c "ls '$WORK'/dumps/*-critical.txt >/dev/null 2>&1" || fail "no dump within 60 s"
t1=$(date +%s%N)
sleep 1.5 # one more probe report covering the dump
alive "$pid" || fail "the process died"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
lib_ms=$(sed -n 's/.*event=oomsentry_dump .*duration_ms=\([0-9]*\).*/\1/p' "$WORK/leaky.log")
before=$(grep -c max_pause_us "$WORK/leaky.log")
pauses=$(sed -n 's/.*max_pause_us=\([0-9]*\)/\1/p' "$WORK/leaky.log")
idle_max=$(head -n 2 <<<"$pauses" | sort -n | tail -n 1)
overall=$(sort -n <<<"$pauses" | tail -n 1)
echo "held: ${mib} MiB (VmRSS ${rss} kB), heap profile $(stat -c %s "$WORK"/dumps/*.heap) bytes"
echo "signal to complete dump: library $lib_ms ms, seen from outside $(((t1 - t0) / 1000000)) ms (20 ms polling)"
echo "longest app-thread pause over the run: ${overall} us (idle seconds before the signal: ${idle_max} us; $before reports)"
pass "dump of a ${mib} MiB process completed and the process kept running"
