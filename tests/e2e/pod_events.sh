#!/usr/bin/env bash
# The events file: the sidecar writes DUMP_DIR/events.jsonl for a shipper,
# one JSON object per line whatever LOG_FORMAT is.
# 1. A memhog container goes to warning, then critical, and is OOM-killed:
#    the file has start, level, signal_sent (SIGUSR1), level, signal_sent
#    (SIGUSR2), oom_kill and, once the sidecar is stopped, stop, in that
#    order; every line is valid JSON, seq goes 1, 2, 3, ... and every line
#    has the same boot.
# 2. With EVENTS_MAX=64Ki and a signal at every 1 ms read (COOLDOWN=0s), the
#    file rotates at least twice: events.jsonl and events.jsonl.1 only, each
#    within the bound, and together they hold consecutive seq values with
#    no line lost or split between them.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
command -v python3 >/dev/null || missing_prerequisite "python3"

# check_events DIR FIRST_SEQ: every line of DIR's events files (the rotated
# one first) is one JSON object with the log's fields and seq and boot,
# seq consecutive from FIRST_SEQ (0: from wherever the rotated file
# starts), one boot; each file ends with a newline and is within
# EVENTS_MAX (the third argument, if given). Prints "event seq" per line.
check_events() {
	python3 - "$@" <<'EOF'
import json, os, sys
d, first = sys.argv[1], int(sys.argv[2])
bound = int(sys.argv[3]) if len(sys.argv) > 3 else None
names = sorted(os.listdir(d))
extra = [n for n in names if n.startswith("events.jsonl") and n not in ("events.jsonl", "events.jsonl.1")]
if extra:
    sys.exit("unexpected files: %s" % extra)
seq, boot = None, None
for name in ("events.jsonl.1", "events.jsonl"):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        continue
    data = open(path, "rb").read()
    if bound is not None and len(data) > bound:
        sys.exit("%s: %d bytes, above %d" % (name, len(data), bound))
    if data and not data.endswith(b"\n"):
        sys.exit("%s: does not end with a newline" % name)
    for i, raw in enumerate(data.split(b"\n")[:-1]):
        try:
            o = json.loads(raw.decode("utf-8"))
        except Exception as e:
            sys.exit("%s line %d: not JSON (%s): %r" % (name, i + 1, e, raw[:200]))
        for k in ("ts", "level", "event", "seq", "boot"):
            if k not in o:
                sys.exit("%s line %d: no %s: %r" % (name, i + 1, k, raw[:200]))
        if seq is None:
            seq = o["seq"]
            if first and seq != first:
                sys.exit("first seq is %d, not %d" % (seq, first))
        elif o["seq"] != seq + 1:
            sys.exit("%s line %d: seq %d after %d" % (name, i + 1, o["seq"], seq))
        seq = o["seq"]
        if boot is None:
            boot = o["boot"]
        elif o["boot"] != boot:
            sys.exit("%s line %d: boot %s, not %s" % (name, i + 1, o["boot"], boot))
        print(o["event"], o["seq"], o.get("to", o.get("signal", "")))
if seq is None:
    sys.exit("no events")
EOF
}

# --- 1. warning, critical, OOM kill --------------------------------------
mkdir "$WORK/dumps"
pod_up p
pod_add sidecar --volume "$WORK/dumps:dumps" --log "$WORK/sidecar.log" -- \
	env "${SIDECAR_ENV[@]}" DUMP_DIR=/mnt/dumps "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
# Held at 45 MiB (70% of 64 MiB: warning) until the sidecar's SIGUSR1 has
# arrived, then on at 8 MiB/s: past 85% (critical) for over a second, then
# past the limit.
pod_add hog --limit 64Mi --log "$WORK/hog.log" -- "$MEMHOG" --catch --rate 8 --hold 45 --max 200
[ "$(pod wait "$POD" hog 60)" = 137 ] || fail "the hog was not OOM-killed (exit $(pod wait "$POD" hog 1))"
wait_for 10 log_has "$WORK/sidecar.log" event=oom_kill || fail "the sidecar did not log the OOM kill"
kill -TERM "$(host_pid sidecar)"
pod wait "$POD" sidecar 10 >/dev/null
log_has "$WORK/sidecar.log" event=stop || fail "the sidecar did not stop"
out=$(check_events "$WORK/dumps" 1) || fail "events.jsonl: $out"
echo "$out" >"$WORK/events.log"
# The shipped events in order; others may come between (a level back down,
# a signal_skipped), none may be missing or out of order.
order=$(echo "$out" | awk '{print $1 ($3 != "" ? ":" $3 : "")}' | tr '\n' ' ')
want=(start level:warning signal_sent:SIGUSR1 level:critical signal_sent:SIGUSR2 oom_kill stop:SIGTERM)
rest=" $order"
for w in "${want[@]}"; do
	[[ $rest == *" $w "* ]] || fail "no $w after the events before it: $order"
	rest=" ${rest#*" $w "}"
done
[ "$(stat -c %a "$WORK/dumps/events.jsonl")" = 640 ] || fail "mode $(stat -c %a "$WORK/dumps/events.jsonl")"
grep -q '^{' "$WORK/sidecar.log" && fail "the sidecar's stderr has JSON lines (LOG_FORMAT is logfmt)"
pass "events.jsonl: $order"

# --- 2. rotation at EVENTS_MAX ---------------------------------------------
mkdir "$WORK/dumps2"
pod_up r
pod_add sidecar --volume "$WORK/dumps2:dumps" --log "$WORK/sidecar2.log" -- \
	env WARNING=60 CRITICAL=85 COOLDOWN=0s ADAPTIVE=false INTERVAL=1ms RESCAN_INTERVAL=100ms \
	EVENTS_MAX=64Ki DUMP_DIR=/mnt/dumps "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar2.log" event=start || fail "the second sidecar did not start"
# 40 MiB of 64: warning for good, a SIGUSR1 at every read.
pod_add hog --limit 64Mi --log "$WORK/hog2.log" -- "$MEMHOG" --catch --max 40
# Two rotations at least: the rotated file no longer starts at seq 1.
rotated_twice() {
	[ -s "$WORK/dumps2/events.jsonl.1" ] &&
		! head -n 1 "$WORK/dumps2/events.jsonl.1" | grep -q '"seq":1,'
}
wait_for 60 rotated_twice || fail "no second rotation within 60 s ($(ls -l "$WORK/dumps2"))"
kill -TERM "$(host_pid sidecar)"
pod wait "$POD" sidecar 10 >/dev/null
log_has "$WORK/sidecar2.log" event=stop || fail "the second sidecar did not stop"
out=$(check_events "$WORK/dumps2" 0 65536) || fail "rotated events: $out"
first=$(echo "$out" | head -n 1 | awk '{print $2}')
last=$(echo "$out" | tail -n 1 | awk '{print $2}')
[ "$(echo "$out" | tail -n 1 | awk '{print $1}')" = stop ] || fail "the last line is not stop"
log_has "$WORK/sidecar2.log" event=events_unwritable && fail "events_unwritable logged"
pass "rotated: seq $first..$last in events.jsonl.1 ($(stat -c %s "$WORK/dumps2/events.jsonl.1") bytes) and events.jsonl ($(stat -c %s "$WORK/dumps2/events.jsonl") bytes), none lost or split"
