#!/usr/bin/env bash
# The flight recorder: an app leaks at a steady rate until the kernel
# OOM-kills it, for longer than the recorder's window (FLIGHT_RECORDER=5s).
# Done means:
#  1. the oom_kill line names flight_csv and flight_svg, and both files are
#     in DUMP_DIR, whole (no temporary file left), mode 0600, named
#     <pod>-leaky-<pid in the pod>-<UTC time>-oomkill.flight.{csv,svg};
#  2. the SVG is well-formed XML (xmllint), renders (rsvg-convert) to a PNG
#     of 900x420, and its title names the container;
#  3. the CSV has the header, its rows are in time order and cover the
#     window: the first row is no older than the window before the last
#     sample, and younger than that by at most a couple of read intervals
#     (the longest gap between two of its rows, on a busy machine); the
#     last row is the OOM kill, no earlier than the sample before it and no
#     later than the oom_kill line, with that sample's values, the usage
#     the line reports; SIGUSR1 and SIGUSR2 are marked at the first rows at
#     or over their thresholds (policy: the signal goes with the read that
#     crosses), the level never goes down on the way up, and no row is over
#     the limit (the kernel's promise);
#  4. entering critical wrote a pair of its own (`flight_recorded
#     reason=critical`, the same checks, ending at the SIGUSR2 row, as many
#     rows as the line's samples=);
#  5. DUMP_DIR/events.jsonl carries both: the oom_kill event with the same
#     flight_csv and flight_svg, and the flight_recorded event.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
command -v python3 >/dev/null || missing_prerequisite "python3"
command -v xmllint >/dev/null || missing_prerequisite "xmllint (Debian: libxml2-utils)"
command -v rsvg-convert >/dev/null || missing_prerequisite "rsvg-convert (Debian: librsvg2-bin)"

WINDOW_MS=5000
INTERVAL_MS=20 # SIDECAR_ENV's INTERVAL: the longest time between two reads
LIMIT=$((64 << 20))
# 8 MiB/s into 64 MiB: the limit after about 8 s, more than the window, so
# the record of the kill is a full one; critical (85%) about a second before.
RATE=8

mkdir "$WORK/dumps" "$WORK/appdumps"
pod_up p
pod_add sidecar --volume "$WORK/dumps:dumps" --log "$WORK/sidecar.log" -- \
	env "${SIDECAR_ENV[@]}" DUMP_DIR=/mnt/dumps FLIGHT_RECORDER=5s "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
pod_add app --limit "$LIMIT" --volume "$WORK/appdumps:dumps" --log "$WORK/app.log" -- \
	env OOMSENTRY_DUMP_DIR=/mnt/dumps "$LEAKY" --rate "$RATE"
app=$(pod_pid app)
cg=/oomsentry-pod-$POD/app
started=$(date +%s%N)

[ "$(pod wait "$POD" app 40)" = 137 ] || fail "the app was not killed (exit $(pod wait "$POD" app 1))"
ran_ms=$((($(date +%s%N) - started) / 1000000))
grep -q '^oom_kill [1-9]' "/sys/fs/cgroup/memory$cg/memory.oom_control" ||
	fail "the kernel did not OOM-kill (test setup)"
[ "$ran_ms" -gt $((WINDOW_MS + 1000)) ] || fail "the app ran $ran_ms ms, not over the window (test setup)"
grep -q 'leaky: received critical' "$WORK/app.log" || fail "the app never got SIGUSR2 (test setup)"

# 1. The oom_kill line and its files.
wait_for 10 log_has "$WORK/sidecar.log" event=oom_kill "cgroup=$cg " || fail "no oom_kill line"
kill_line=$(grep "event=oom_kill .*cgroup=$cg " "$WORK/sidecar.log" | head -n 1)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
csv=$(field flight_csv "$kill_line")
svg=$(field flight_svg "$kill_line")
[ -n "$csv" ] && [ -n "$svg" ] || fail "the oom_kill line names no flight files: $kill_line"
name_re="^$POD-leaky-$app-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-oomkill\.flight\."
[[ $csv =~ ${name_re}csv$ && $svg =~ ${name_re}svg$ && ${csv%.csv} == "${svg%.svg}" ]] ||
	fail "flight file names: $csv $svg"
for f in "$csv" "$svg"; do
	[ -s "$WORK/dumps/$f" ] || fail "$f is not in DUMP_DIR: $(ls -A "$WORK/dumps")"
	[ "$(stat -c %a "$WORK/dumps/$f")" = 600 ] || fail "$f: mode $(stat -c %a "$WORK/dumps/$f")"
done
[ -z "$(find "$WORK/dumps" -name '.*' -print)" ] || fail "temporary files left: $(ls -A "$WORK/dumps")"
pass "oom_kill line names $csv and its .svg; both in DUMP_DIR, 0600"

# check_svg FILE: well-formed, renders to a 900x420 PNG, names the container.
check_svg() {
	xmllint --noout "$1" 2>"$WORK/xmllint.out" || fail "$1 is not well-formed: $(head -n 3 "$WORK/xmllint.out")"
	rsvg-convert -o "$WORK/chart.png" "$1" 2>"$WORK/rsvg.out" || fail "rsvg-convert: $(cat "$WORK/rsvg.out")"
	# The PNG signature, then the IHDR chunk: width and height, big-endian.
	local head
	head=$(od -An -tx1 -N24 "$WORK/chart.png" | tr -d ' \n')
	[ "${head:0:16}" = 89504e470d0a1a0a ] || fail "rsvg-convert wrote no PNG: $head"
	[ $((16#${head:32:8}))x$((16#${head:40:8})) = 900x420 ] ||
		fail "chart is $((16#${head:32:8}))x$((16#${head:40:8})), not 900x420"
	grep -qF "oomsentry: $cg (leaky)" "$1" || fail "$1 has no title naming $cg (leaky)"
}
check_svg "$WORK/dumps/$svg"
pass "$svg: well-formed, renders to a 900x420 PNG, titled with the container"

# check_csv FILE KIND: the record's promises (3. above); KIND oomkill or
# critical. Prints a summary.
check_csv() {
	python3 - "$1" "$2" "$WINDOW_MS" "$INTERVAL_MS" "$LIMIT" "$WARN_B" "$CRIT_B" <<'EOF'
import csv, sys
path, kind = sys.argv[1], sys.argv[2]
window, interval, limit, warn_b, crit_b = map(int, sys.argv[3:])
LEVELS = {"normal": 0, "warning": 1, "critical": 2}
EVENTS = {"", "SIGUSR1", "SIGUSR2", "histogram", "heap_dump", "pprof", "heap_snapshot", "OOM kill"}
with open(path, newline="") as f:
    rows = list(csv.reader(f))
def bad(msg):
    sys.exit(f"{path}: {msg}")
if rows[0] != ["time_ms", "usage_bytes", "working_set_bytes", "level", "event"]:
    bad(f"header {rows[0]}")
recs = []
for i, r in enumerate(rows[1:], 2):
    if len(r) != 5 or r[3] not in LEVELS or r[4] not in EVENTS:
        bad(f"line {i}: {r}")
    t, u, ws = int(r[0]), int(r[1]), int(r[2])
    recs.append((t, u, ws, r[3], r[4]))
    if u > limit:
        bad(f"line {i}: usage {u} over the limit {limit}")
    if ws > u:
        bad(f"line {i}: working set {ws} over the usage {u}")
if len(recs) < 10:
    bad(f"only {len(recs)} rows")
gap = 0
for i in range(1, len(recs)):
    d = recs[i][0] - recs[i - 1][0]
    if d < 0:
        bad(f"row {i + 1} is earlier than the one before: {recs[i - 1][0]} then {recs[i][0]}")
    gap = max(gap, d)
    if LEVELS[recs[i][3]] < LEVELS[recs[i - 1][3]]:
        bad(f"row {i + 1}: level {recs[i][3]} after {recs[i - 1][3]} (the app only grows)")
first, last = recs[0][0], recs[-1][0]
if kind == "oomkill":
    if recs[-1][4] != "OOM kill":
        bad(f"last row {recs[-1]} is not the OOM kill")
    if recs[-2][4] == "OOM kill":
        bad("two OOM kill rows")
    if recs[-2][0] > last:
        bad("the sample before the kill is later than the kill")
    # A row of its own (later than the last sample) carries that sample's
    # values; in the sample's own millisecond the mark may be on the sample.
    if recs[-1][0] > recs[-2][0] and recs[-1][1:4] != recs[-2][1:4]:
        bad(f"the OOM kill row {recs[-1]} does not carry the last sample's values {recs[-2]}")
    newest_sample = recs[-2][0]
else:
    if recs[-1][3] != "critical":
        bad(f"last row {recs[-1]} is not critical")
    newest_sample = last
# The window: nothing older than it before the newest sample; and the
# oldest row is at most a gap or two younger than its start.
if first < newest_sample - window:
    bad(f"first row {first} older than the window ({newest_sample} - {window})")
margin = max(2 * interval, gap)
if kind == "oomkill" and first > last - window + margin:
    bad(f"first row {first} leaves {first - (last - window)} ms of the window uncovered (margin {margin})")
# The signals: marked at the first read at or over their thresholds, with
# the level they were sent for; on that sample's row, or on a row of its
# own right after it with its values when the signal went out a millisecond
# or more after the read. The working set is what the policy judges where
# it was read (0: not read, the usage alone was far enough below).
seen = {}
for sig, thr, lvl in (("SIGUSR1", warn_b, "warning"), ("SIGUSR2", crit_b, "critical")):
    rows_of = [i for i, r in enumerate(recs) if r[4] == sig]
    if not rows_of:
        continue
    if len(rows_of) > 1:
        bad(f"{sig} marked {len(rows_of)} times (COOLDOWN=1h)")
    i = rows_of[0]
    seen[sig] = recs[i]
    if recs[i][3] != lvl:
        bad(f"{sig} row {recs[i]} not at level {lvl}")
    over = [j for j, r in enumerate(recs) if r[2] >= thr]
    if not over:
        bad(f"{sig} row {recs[i]}, but no row at or over the threshold {thr}")
    j = over[0]
    if not (i == j or (i == j + 1 and recs[i][1:4] == recs[j][1:4] and recs[j][4] == "")):
        bad(f"{sig} row {i + 1} {recs[i]}, but the first row at or over {thr} is row {j + 1} {recs[j]}")
want = ["SIGUSR1", "SIGUSR2"] if kind == "oomkill" else ["SIGUSR2"]
for sig in want:
    if sig not in seen:
        bad(f"no {sig} row")
if kind == "critical" and recs[-1][4] != "SIGUSR2":
    bad(f"the critical record does not end at the SIGUSR2 row: {recs[-1]}")
print(f"rows={len(recs)} span_ms={last - first} longest_gap_ms={gap} last={recs[-1][0]},{recs[-1][1]},{recs[-1][2]},{recs[-1][3]},{recs[-1][4]}")
EOF
}
limit_line=$(grep "event=container_limit cgroup=$cg " "$WORK/sidecar.log" | head -n 1)
WARN_B=$(field warning_bytes "$limit_line")
CRIT_B=$(field critical_bytes "$limit_line")
[ -n "$WARN_B" ] && [ -n "$CRIT_B" ] || fail "no container_limit line for $cg"
out=$(check_csv "$WORK/dumps/$csv" oomkill 2>&1) || fail "$out"
# The last row, the sidecar's last sample before it saw the kill, is what the
# oom_kill line reports; and it was written before the line.
IFS=, read -r kill_ms kill_usage _ <<<"$(tail -n 1 "$WORK/dumps/$csv")"
[ "$kill_usage" = "$(field last_usage_bytes "$kill_line")" ] ||
	fail "OOM kill row usage $kill_usage, the oom_kill line says $(field last_usage_bytes "$kill_line")"
line_ms=$(date -d "$(field ts "x $kill_line")" +%s%3N)
# The line's time is truncated to the millisecond, the row's may be rounded.
[ "$kill_ms" -le $((line_ms + 1)) ] || fail "OOM kill row at $kill_ms, after the oom_kill line ($line_ms)"
pass "$csv: $out"

# 4. The record of the entry into critical.
crit_line=$(grep "event=flight_recorded .*reason=critical" "$WORK/sidecar.log" | grep -F "cgroup=$cg " | head -n 1)
[ -n "$crit_line" ] || fail "no flight_recorded reason=critical line"
ccsv=$(field csv "$crit_line")
csvg=$(field svg "$crit_line")
cname_re="^$POD-leaky-$app-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-critical\.flight\."
[[ $ccsv =~ ${cname_re}csv$ && $csvg =~ ${cname_re}svg$ ]] || fail "critical flight file names: $crit_line"
[ -s "$WORK/dumps/$ccsv" ] && [ -s "$WORK/dumps/$csvg" ] || fail "critical flight files missing: $(ls -A "$WORK/dumps")"
check_svg "$WORK/dumps/$csvg"
out=$(check_csv "$WORK/dumps/$ccsv" critical 2>&1) || fail "$out"
rows=$(($(wc -l <"$WORK/dumps/$ccsv") - 1))
[ "$rows" = "$(field samples "$crit_line")" ] || fail "$ccsv has $rows rows, the line says samples=$(field samples "$crit_line")"
pass "$ccsv: $out"

# 5. The events file.
python3 - "$WORK/dumps/events.jsonl" "$csv" "$svg" "$ccsv" "$csvg" <<'EOF' >"$WORK/events.out" 2>&1 ||
import json, sys
path, csv, svg, ccsv, csvg = sys.argv[1:]
events = [json.loads(l) for l in open(path)]
kills = [e for e in events if e["event"] == "oom_kill"]
if len(kills) != 1 or kills[0].get("flight_csv") != csv or kills[0].get("flight_svg") != svg:
    sys.exit(f"oom_kill events: {kills}")
recs = [e for e in events if e["event"] == "flight_recorded" and e.get("reason") == "critical"]
if len(recs) != 1 or recs[0].get("csv") != ccsv or recs[0].get("svg") != csvg:
    sys.exit(f"flight_recorded events: {recs}")
EOF
	fail "events.jsonl: $(cat "$WORK/events.out")"
alive "$(host_pid sidecar)" || fail "the sidecar stopped"
pass "events.jsonl: oom_kill names both flight files, flight_recorded reason=critical names its pair (app ran $ran_ms ms)"
