#!/usr/bin/env bash
# Done means: the sidecar's events reach the webhook in order, at least
# once, across the events file's rotation, the receiver failing and
# restarting, and the forwarder being killed and run again; a duplicate
# appears only for the event in flight when something broke; lines the
# rotation took before they were read are reported (events_lost), not
# silently skipped; the Slack format and the headers file arrive as sent;
# an event the receiver refuses (400) is skipped, one it cannot take now
# (connection closed, refused) is retried.
#
# tests/helpers/evforward forwards what is there once and exits, with the
# state file the shipper keeps; the receiver is tests/ship/webhook_recv.py.
source "$(dirname "$0")/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"

EVFORWARD=${EVFORWARD:-$top_builddir/tests/helpers/evforward}
[ -x "$EVFORWARD" ] || fail "$EVFORWARD not built (make check builds it)"
command -v python3 >/dev/null || missing_prerequisite "python3"

webhook_start "$WORK/wh"
D=$WORK/dump
mkdir -p "$D/.oomsentry-ship"
STATE=$D/.oomsentry-ship/events.state
BOOT=1764717000123-4242

# emit FROM TO: appends events FROM..TO, one write per line as the sidecar
# does (seq = the number, so the receiver's order can be checked).
emit() {
	local i
	for ((i = $1; i <= $2; i++)); do
		printf '{"ts":"2026-12-02T23:06:44.700Z","level":"error","event":"oom_kill","cgroup":"/kubepods/pod-%d","comm":"java","oom_kills":1,"last_level":"critical","last_signal":"SIGUSR2","since_last_signal_ms":1234,"seq":%d,"boot":"%s"}\n' \
			"$i" "$i" "$BOOT" >>"$D/events.jsonl"
	done
}
rotate() { mv "$D/events.jsonl" "$D/events.jsonl.1"; }

# forward [ARGS...]: one run, its log appended to $WORK/forward.log.
RUN=0
forward() {
	RUN=$((RUN + 1))
	echo "--- run $RUN" >>"$WORK/forward.log"
	"$EVFORWARD" "$D" "$STATE" "$WEBHOOK_URL" --backoff-max-ms 1000 "$@" 2>>"$WORK/forward.log"
}
# forward_bg [ARGS...]: the same in the background, its pid in FWD.
forward_bg() {
	RUN=$((RUN + 1))
	echo "--- run $RUN" >>"$WORK/forward.log"
	"$EVFORWARD" "$D" "$STATE" "$WEBHOOK_URL" --backoff-max-ms 1000 "$@" 2>>"$WORK/forward.log" &
	FWD=$!
	PIDS+=("$FWD")
}
last_run() { awk -v r="--- run $RUN" '$0 == r { on = 1; next } /^--- run / { on = 0 } on' "$WORK/forward.log"; }

# received: the seq of every body the receiver recorded, in order.
received() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(json.loads(e["body"])["seq"])' "$WEBHOOK_LOG"
}
# expect_seqs SPEC DUPS_MAX: the received seqs, with runs of one value
# collapsed, are exactly SPEC ("1-40 51-60"), and at most DUPS_MAX lines
# were such repeats. Sets DUPS to their number.
expect_seqs() {
	local want got
	want=$(for r in $1; do seq "${r%-*}" "${r#*-}"; done)
	got=$(received | uniq)
	[ "$got" = "$want" ] || fail "received $(received | uniq | tr '\n' ' ' | head -c 400), expected $1"
	DUPS=$(($(received | wc -l) - $(received | uniq | wc -l)))
	# A repeat is only ever of the one just before (uniq collapsed them):
	# any other would show as a value out of order above.
	[ "$DUPS" -le "$2" ] || fail "$DUPS duplicates, at most $2 expected: $(received | uniq -d | tr '\n' ' ')"
}

# 1. The first run: everything there, in order, once; the state saved.
emit 1 20
forward || fail "run 1 failed: $(last_run)"
expect_seqs "1-20" 0
grep -Eq "^v1 [0-9]+ $(stat -c %i "$D/events.jsonl") $(stat -c %s "$D/events.jsonl") $BOOT 20\$" "$STATE" ||
	fail "state after run 1: $(cat "$STATE")"
pass "20 events forwarded in order, state: $(cat "$STATE")"

# 2. Rotated between runs: the rest of the file (now .1) first, then the
# new one from its start.
emit 21 30
rotate
emit 31 40
forward || fail "run 2 failed"
expect_seqs "1-40" 0
last_run | grep -q "forward_done forwarded=20 " || fail "run 2: $(last_run)"
# Nothing new: nothing sent.
forward || fail "run 3 failed"
expect_seqs "1-40" 0
last_run | grep -q "forward_done forwarded=0 " || fail "run 3: $(last_run)"
pass "across a rotation: the rotated file finished, the new one begun at 0; a run with nothing new sends nothing"

# 3. The receiver fails in the middle: connections closed without an
# answer, then refused (receiver down), then it is back.
emit 41 140
webhook_set 200 0.02
forward_bg
wait_for 30 eval '[ "$(webhook_count)" -ge 90 ]' || fail "the forwarder did not get to event 90"
webhook_set 0
before=$(webhook_count)
wait_for 30 eval '[ "$(webhook_count)" -ge $((before + 2)) ]' || fail "no retry while connections were closed"
webhook_stop
sleep 2 # refused connections meanwhile: retried, never recorded
webhook_set 200
webhook_start "$WORK/wh"
wait "$FWD" || fail "run $RUN failed after the receiver came back: $(last_run | tail -n 5)"
expect_seqs "1-140" 10
closed_dups=$DUPS
retries=$(last_run | grep -c "event_retry")
[ "$retries" -ge 3 ] || fail "only $retries retries logged"
last_run | grep -q "http_status=0" || fail "no failed connection logged: $(last_run | head -n 5)"
pass "receiver closed connections then restarted: 1-140 in order, $closed_dups duplicate(s) of the event in flight, $retries retries"

# 4. The forwarder killed in the middle and run again: it continues from
# its state, repeating at most the event in flight.
emit 141 240
webhook_set 200 0.02
forward_bg
start=$(webhook_count)
wait_for 30 eval '[ "$(webhook_count)" -ge $((start + 30)) ]' || fail "the forwarder did not progress"
kill -KILL "$FWD"
wait "$FWD" 2>/dev/null
killed_after=$(($(webhook_count) - start))
webhook_set 200
forward || fail "the run after the kill failed"
expect_seqs "1-240" $((closed_dups + 1))
kill_dups=$((DUPS - closed_dups))
last_run | grep -q "events_lost\|events_reread" && fail "the run after the kill re-read or lost: $(last_run)"
pass "forwarder SIGKILLed after $killed_after requests and run again: 1-240 in order, $kill_dups duplicate(s)"

# 5. Both files rotated past the one being read: lines 251-260 are gone.
# The old file is held open until the new one exists so that its inode
# number is not given to the new one (tmpfs and ext4 reuse freed inodes at
# once); an inode reused is covered by the shrink and seq checks instead.
emit 241 250
forward || fail "run before the double rotation failed"
emit 251 260
exec 7<"$D/events.jsonl"
rotate
emit 261 270
rotate
emit 271 280
exec 7<&-
forward || fail "the run after the double rotation failed"
last_run | grep -q "events_lost " || fail "no events_lost: $(last_run)"
expect_seqs "1-250 261-280" $((closed_dups + kill_dups))
pass "both files rotated past the saved one: events_lost reported, continued at the oldest file (261-280)"

# 6. A state that does not parse: from the start of the oldest file. The
# seq of the last line sent went with the state, so everything in both
# files is sent again: duplicates, which at-least-once allows, not losses.
echo "v1 garbage" >"$STATE"
count=$(webhook_count)
forward || fail "the run with a bad state failed"
last_run | grep -q "state_unreadable" || fail "no state_unreadable: $(last_run)"
[ $(($(webhook_count) - count)) -eq 20 ] || fail "bad state: $(($(webhook_count) - count)) sent, expected the 20 of both files"
pass "a state that does not parse: both files sent again from their start (at least once)"

# 7. A file truncated under the forwarder: read again from 0, and what was
# sent already is known by its seq.
: >"$D/events.jsonl"
emit 281 285
count=$(webhook_count)
forward || fail "the run after the truncation failed"
last_run | grep -q "events_reread reason=shrunk" || fail "no events_reread: $(last_run)"
[ $(($(webhook_count) - count)) -eq 5 ] || fail "after truncation: $(($(webhook_count) - count)) sent, expected 5"
pass "a truncated file: re-read from 0, the 5 new events sent"

# 8. Slack format and a headers file; a 400 skips the event, nothing else.
D=$WORK/dump2 STATE=$WORK/dump2.state
mkdir -p "$D"
printf '# oomhero v3 style\nAuthorization: Bearer t0ken\nX-Cluster: test-1\n' >"$WORK/headers"
emit 1 2
count=$(webhook_count)
forward --format slack --headers "$WORK/headers" || fail "slack run failed"
python3 - "$WEBHOOK_LOG" "$count" <<-'EOF' || fail "slack requests: $(tail -n 2 "$WEBHOOK_LOG")"
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
	assert len(lines) == 2, len(lines)
	for l in lines:
	    e = json.loads(l)
	    body = json.loads(e["body"])
	    assert list(body) == ["text"], body
	    assert body["text"].startswith("oomsentry: oom_kill in /kubepods/pod-"), body
	    assert "last signal SIGUSR2 1234 ms before" in body["text"], body
	    h = {k.lower(): v for k, v in e["headers"].items()}
	    assert h["authorization"] == "Bearer t0ken", h
	    assert h["x-cluster"] == "test-1", h
	    assert h["content-type"] == "application/json", h
EOF
pass "slack format with the headers file: $(python3 -c 'import json,sys; print(json.loads(json.loads(open(sys.argv[1]).read().splitlines()[-1])["body"])["text"])' "$WEBHOOK_LOG")"
printf 'Bad Header: x\n' >"$WORK/bad-headers"
forward --headers "$WORK/bad-headers" 2>/dev/null && fail "a bad headers file was accepted"
grep -q "line 1: byte 0x20 is not allowed in a header name" "$WORK/forward.log" || fail "bad headers: $(last_run)"
emit 3 4
webhook_set 400
count=$(webhook_count)
forward || fail "the run with 400s failed"
[ $(($(webhook_count) - count)) -eq 2 ] || fail "400: $(($(webhook_count) - count)) requests, expected one per event"
[ "$(last_run | grep -c "event_rejected.*http_status=400")" -eq 2 ] || fail "400: $(last_run)"
webhook_set 200
pass "a bad headers file is refused with its line; 400 rejects the event once and moves on"

webhook_stop
echo "ship_webhook: duplicates: receiver closed/restarted $closed_dups, forwarder killed $kill_dups"
