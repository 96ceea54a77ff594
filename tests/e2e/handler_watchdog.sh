#!/usr/bin/env bash
# The in-process watchdog: a real child in a real v1 memory cgroup, leaking
# in the doubling pattern (25 -> 50 -> 100 -> 200 MiB), dumps by itself when
# its working set crosses OOMSENTRY_THRESHOLD percent of the cgroup's limit:
# no sidecar, no signal.
source "$(dirname "$0")/lib.sh"
need_v1_memory

leaky=$top_builddir/examples/leaky
[ -x "$leaky" ] || fail "$leaky not built"
make_cgroup watchdog $((256 << 20))

# 60% of 256 MiB = 153.6 MiB: crossed when the leak doubles from 100 to 200.
(
	echo $BASHPID >"$CG/cgroup.procs"
	exec env OOMSENTRY_DUMP_DIR="$WORK/dumps" OOMSENTRY_THRESHOLD=60 OOMSENTRY_INTERVAL=100ms \
		OOMSENTRY_MIN_FREE=0 "$leaky" --pattern doubling --start 25 --step-ms 400 --max 200
) >"$WORK/leaky.log" 2>&1 &
pid=$!
PIDS+=("$pid")

wait_for 30 sh -c "ls '$WORK'/dumps/*-threshold.txt >/dev/null 2>&1" || fail "no threshold dump within 30 s"
txt=$(ls "$WORK"/dumps/*-threshold.txt)
alive "$pid" || fail "leaky died"
grep -q 'event=oomsentry_threshold' "$WORK/leaky.log" || fail "no threshold log line"
grep -q 'leaky: received threshold' "$WORK/leaky.log" || fail "the critical callback did not run"
grep -q "^level: threshold" "$txt" || fail "summary level"
grep -q "^limit_bytes: $((256 << 20))$" "$txt" || fail "summary lacks the cgroup limit: $(grep limit "$txt")"
ws=$(awk '/^working_set_bytes:/ {print $2}' "$txt")
[ -n "$ws" ] && [ "$ws" -ge $((153 << 20)) ] || fail "working set in the summary ($ws) is below the threshold"
cg_rel=${CG#"$CG_V1_MEMORY"}
grep -q "^path: $cg_rel$" "$txt" || fail "summary names another cgroup: $(grep '^path:' "$txt")"

# Above the threshold it stays quiet: one dump, not one per interval.
sleep 1
[ "$(ls "$WORK"/dumps/*-threshold.txt | wc -l)" -eq 1 ] || fail "more than one threshold dump"
grep -m1 'event=oomsentry_threshold' "$WORK/leaky.log"
pass "the watchdog dumped once when the working set crossed 60% of the cgroup limit"
