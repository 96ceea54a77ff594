#!/usr/bin/env bash
# Done means: oomsentry-ship survives what goes wrong around it and loses
# nothing. Bad settings exit 2 naming the setting. The store down at start:
# everything pending is shipped once it comes up. The store dying in
# mid-upload: no object under the final key, the file kept, retried and
# shipped when the store is back. A wrong secret: one error line naming the
# key id, the files kept. A read-only dump directory: each file uploaded
# once and kept, said once. Events reach the webhook in order across a
# receiver restart and a shipper SIGKILL, duplicates only for the event in
# flight (counted).
source "$(dirname "$0")/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"

SHIP=${SHIP:-$top_builddir/src/oomsentry-ship}
[ -x "$SHIP" ] || fail "$SHIP not built"
command -v s3cmd >/dev/null || missing_prerequisite "s3cmd (apt-get install s3cmd)"
need_root

D=$WORK/dump
mkdir -p "$D"
KEYP=faults/ns/pod
SHIP_ENV=(S3_PREFIX=faults POD_NAMESPACE=ns POD_NAME=pod S3_PATH_STYLE=true S3_PART_SIZE=5Mi)

same() {
	s3_get "$1" "$WORK/obj" || fail "s3cmd get $1 failed"
	gzip -dc "$WORK/obj" | cmp -s - "$2" || fail "$1 differs from $2"
}
publish() { # SRC NAME
	cp "$1" "$D/.$2.tmp" && mv "$D/.$2.tmp" "$D/$2"
}

# 1. Bad settings: exit 2, one line naming the setting and the value.
bad() { # WANT_SUBSTRING VAR=VALUE...
	local want=$1 rc=0
	shift
	env -i PATH="$PATH" "$@" "$SHIP" >"$WORK/bad.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "$*: exit $rc, expected 2: $(cat "$WORK/bad.out")"
	[ "$(wc -l <"$WORK/bad.out")" = 1 ] || fail "$*: more than one line: $(cat "$WORK/bad.out")"
	grep -q -- "$want" "$WORK/bad.out" || fail "$*: does not name $want: $(cat "$WORK/bad.out")"
}
bad DUMP_DIR S3_BUCKET=bucket
bad "S3_PART_SIZE.*1Mi" DUMP_DIR=/d S3_BUCKET=bucket S3_PART_SIZE=1Mi
bad "WEBHOOK_URL.*ftp://x" DUMP_DIR=/d WEBHOOK_URL=ftp://x
bad "WEBHOOK_HEADERS_FILE.*$WORK/none" DUMP_DIR=/d WEBHOOK_URL=http://127.0.0.1:1/ WEBHOOK_HEADERS_FILE=$WORK/none
env -i PATH="$PATH" DUMP_DIR=/d S3_BUCKET=bucket AWS_ACCESS_KEY_ID=AKIAX AWS_SECRET_ACCESS_KEY=hush "$SHIP" --print-config >"$WORK/conf.ini" ||
	fail "--print-config failed"
grep -q hush "$WORK/conf.ini" && fail "--print-config shows the secret"
"$SHIP" --version | grep -q "^oomsentry-ship " || fail "--version"
pass "bad settings exit 2 with one line naming each; --print-config hides the secret"

# 2. The store down at start, up later: all pending files shipped.
s3_start "$WORK/store"
s3_down
for i in 1 2 3; do head -c 50000 /dev/urandom >"$WORK/d$i.heap"; publish "$WORK/d$i.heap" "d$i.heap"; done
ship_start down
wait_for 30 eval '[ "$(ship_count event=upload_failed)" -ge 2 ]' || fail "no upload_failed while the store is down: $(cat "$LOG")"
s3_up
wait_for 60 eval '[ "$(ship_count event=upload_done)" = 3 ]' || fail "not shipped once up: $(tail -5 "$LOG")"
for i in 1 2 3; do same "$KEYP/d$i.heap.gz" "$WORK/d$i.heap"; [ ! -e "$D/d$i.heap" ] || fail "d$i.heap kept"; done
pass "store down at start: $(ship_count event=upload_failed) failed tries, then 3 files shipped once it was up"

# 3. The store dies in mid-upload: no object, the file kept, shipped later.
head -c $((40 * 1048576)) /dev/urandom >"$WORK/mid.hprof"
in0=$(s3_count bytes_in)
publish "$WORK/mid.hprof" mid.hprof
wait_for 60 eval '[ $(( $(s3_count bytes_in) - in0 )) -gt $((6 * 1048576)) ]' || fail "the upload did not start"
s3_kill_backend
wait_for 60 eval '[ "$(ship_count "event=upload_failed.*file=mid.hprof")" -ge 1 ]' ||
	fail "no upload_failed after the store died: $(tail -3 "$LOG")"
[ -e "$D/mid.hprof" ] || fail "mid.hprof removed after a failed upload"
# The store's own data, read on disk while it is down: no object of that name.
find "$WORK/store/s3" -path "*mid.hprof*" | grep -q . && fail "an object for mid.hprof exists: $(find "$WORK/store/s3" -path "*mid.hprof*")"
s3_start_backend
wait_for 120 eval '[ "$(ship_done_for mid.hprof)" = 1 ]' || fail "mid.hprof not shipped after the store came back: $(tail -3 "$LOG")"
same "$KEYP/mid.hprof.gz" "$WORK/mid.hprof"
pass "store died mid-upload: no object, file kept, shipped after $(ship_count "event=upload_failed.*file=mid.hprof") failed tries"
ship_stop

# 4. A wrong secret: one error line naming the key id; files kept.
publish "$WORK/d1.heap" wrong.heap
rej0=$(s3_count SignatureDoesNotMatch)
ship_start wrong AWS_SECRET_ACCESS_KEY=not-the-secret
wait_for 60 eval '[ $(( $(s3_count SignatureDoesNotMatch) - rej0 )) -ge 3 ]' || fail "fewer than 3 tries with the wrong secret"
[ "$(ship_count "level=error")" = 1 ] || fail "not one error line: $(grep level=error "$LOG")"
grep "level=error" "$LOG" | grep -q "event=credentials_refused.*access_key_id=$AWS_ACCESS_KEY_ID" ||
	fail "the error does not name the key id: $(cat "$LOG")"
grep -q not-the-secret "$LOG" && fail "the secret is in the log"
[ -e "$D/wrong.heap" ] || fail "wrong.heap removed"
ship_stop
pass "wrong secret: one error line naming $AWS_ACCESS_KEY_ID after $(( $(s3_count SignatureDoesNotMatch) - rej0 )) refused tries; file kept"

# 5. A read-only dump directory: uploaded once, kept, said once per file.
mkdir -p "$WORK/ro"
mount -t tmpfs -o size=16m tmpfs "$WORK/ro" || fail "cannot mount a tmpfs"
trap 'umount "$WORK/ro" 2>/dev/null; cleanup' EXIT
cp "$WORK/d2.heap" "$WORK/ro/r1.heap"
cp "$WORK/d3.heap" "$WORK/ro/r2.heap"
mount -o remount,ro "$WORK/ro" || fail "cannot remount read-only"
D0=$D
D=$WORK/ro
ship_start ro STATE_DIR="$WORK/state"
wait_for 60 eval '[ "$(ship_count event=upload_kept)" = 2 ]' || fail "no upload_kept for both: $(cat "$LOG")"
same "$KEYP/r1.heap.gz" "$WORK/d2.heap"
ship_stop
[ "$(ship_count event=upload_done)" = 2 ] || fail "uploaded $(ship_count event=upload_done) times, expected 2"
umount "$WORK/ro"
D=$D0
pass "read-only dump directory: each file uploaded once, kept, one upload_kept line each"


# 6. Events to the webhook, across a receiver restart and a shipper SIGKILL.
webhook_start "$WORK/wh"
BOOT=1764717000123-4242
emit() {
	local i
	for ((i = $1; i <= $2; i++)); do
		printf '{"ts":"2026-12-03T01:00:00.000Z","level":"warn","event":"signal_sent","seq":%d,"boot":"%s"}\n' \
			"$i" "$BOOT" >>"$D/events.jsonl"
	done
}
received() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(json.loads(line)["body"])["seq"])' "$WEBHOOK_LOG"; }
emit 1 20
# Events only: no store.
SHIP_ENV=(S3_BUCKET= S3_ENDPOINT=)
ship_start events WEBHOOK_URL="$WEBHOOK_URL"
wait_for 30 eval '[ "$(webhook_count)" -ge 20 ]' || fail "events 1-20 not forwarded"
webhook_stop
emit 21 40
wait_for 30 grep -q "event=event_retry" "$LOG" || fail "no retry while the receiver is down"
webhook_start "$WORK/wh"
wait_for 60 eval '[ "$(received | tail -1)" = 40 ]' || fail "events 21-40 not forwarded after the receiver came back"
child=$(pgrep -P "$SHIP_PID")
[ -n "$child" ] || fail "no forwarder process under the shipper"
kill -KILL "$SHIP_PID"
wait "$SHIP_PID" 2>/dev/null || true
# The forwarder follows its parent (PR_SET_PDEATHSIG), after the event in flight.
wait_for 30 gone "$child" || fail "the forwarder outlived its parent"
emit 41 60
ship_start events2 WEBHOOK_URL="$WEBHOOK_URL"
wait_for 60 eval '[ "$(received | tail -1)" = 60 ]' || fail "events 41-60 not forwarded after a restart"
received | awk '$1 != prev { print } { prev = $1 }' >"$WORK/uniq"
seq 1 60 | cmp -s - "$WORK/uniq" || fail "events out of order: $(tr '\n' ' ' <"$WORK/uniq")"
dups=$(($(received | wc -l) - 60))
[ "$dups" -le 2 ] || fail "$dups duplicates (at most the event in flight at each of 2 breaks)"
ship_stop
pass "60 events in order across a receiver restart and a shipper SIGKILL, $dups duplicate(s)"

# 7. A pod directory the shipper (another uid, in the dump volume's group)
# cannot read when it starts, opened to the group later, as a writer does
# (mkdir's mode is cut by its umask, the group's bits set just after):
# watched and shipped once its mode changes.
chmod 0755 "$WORK"
G=$WORK/group
mkdir -p "$G" && chgrp 3000 "$G" && chmod 2777 "$G" || fail "cannot make a group volume"
mkdir -m 0700 "$G/pod-9"
cp "$WORK/d1.heap" "$G/pod-9/late.heap" && chmod 0640 "$G/pod-9/late.heap"
D=$G
SHIP_ENV=(S3_PREFIX=faults POD_NAMESPACE=ns POD_NAME=pod S3_PATH_STYLE=true S3_PART_SIZE=5Mi)
SHIP_AS="setpriv --reuid 2000 --regid 2000 --groups 3000 --inh-caps=-all"
ship_start group
wait_for 10 grep -q "event=dump_dir_watched" "$LOG" || fail "the shipper as uid 2000 did not start: $(cat "$LOG")"
[ "$(ship_done_for pod-9/late.heap)" = 0 ] || fail "shipped from a directory it cannot read?"
chmod 2770 "$G/pod-9"
wait_for 30 eval '[ "$(ship_done_for pod-9/late.heap)" = 1 ]' ||
	fail "not shipped once the directory was opened to the group: $(cat "$LOG")"
same "$KEYP/pod-9/late.heap.gz" "$WORK/d1.heap"
[ ! -e "$G/pod-9/late.heap" ] || fail "late.heap kept"
ship_stop
SHIP_AS=
pass "a pod directory opened to the group after the shipper (uid 2000) started: watched then, shipped, removed"
