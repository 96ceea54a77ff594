#!/usr/bin/env bash
# Done means: oomsentry-ship ships what is in the dump directory at start
# and what is published later, under PREFIX/NAMESPACE/POD/FILE, gzipped
# unless already compressed, byte for byte, through a store that checks
# every Signature V4, and removes each file only after its upload checked
# out; temporary files are never shipped, and a file written in place goes
# only once its writer closed it; a 200 MiB file goes up in parts with a
# small RSS (reported); SIGTERM mid-upload leaves no object and the file
# kept, and the next start ships it with what was written meanwhile.
source "$(dirname "$0")/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"

SHIP=${SHIP:-$top_builddir/src/oomsentry-ship}
[ -x "$SHIP" ] || fail "$SHIP not built"
command -v s3cmd >/dev/null || missing_prerequisite "s3cmd (apt-get install s3cmd)"

s3_start "$WORK/store"
D=$WORK/dump
mkdir -p "$D/pod-1"
PREFIX=dumps NS=shop POD=cart-7d9f
KEYP=$PREFIX/$NS/$POD

SHIP_ENV=(S3_PREFIX=$PREFIX POD_NAMESPACE=$NS POD_NAME=$POD S3_PATH_STYLE=true S3_PART_SIZE=5Mi)
# back KEY FILE: the object, gunzipped when its key ends in .gz.
back() {
	s3_get "$1" "$WORK/obj" || fail "s3cmd get $1 failed"
	case $1 in *.gz) gzip -dc "$WORK/obj" >"$2" || fail "$1 is not gzip" ;; *) cp "$WORK/obj" "$2" ;; esac
}
# same KEY LOCAL_COPY: the object's bytes (after gunzip) are the local copy's.
same() { back "$1" "$WORK/cmp"; cmp -s "$WORK/cmp" "$2" || fail "$1 differs from $2"; }

# 1. Files present at start: shipped, removed; the temporary ones stay.
head -c 300000 /dev/urandom >"$WORK/a.heap"
cp "$WORK/a.heap" "$D/pod-1/a.heap"
printf 'histogram\n%.0s' {1..2000} >"$WORK/h.txt"
cp "$WORK/h.txt" "$D/h.txt"
head -c 100000 /dev/urandom | gzip -1 >"$WORK/p.pb.gz"
cp "$WORK/p.pb.gz" "$D/p.pb.gz"
echo partial >"$D/.a.heap.x1y2z3"
echo partial >"$D/pod-1/b.heap.tmp"
ship_start start
wait_for 60 eval '[ "$(ship_count event=upload_done)" -ge 3 ]' || fail "not shipped: $(cat "$LOG")"
same "$KEYP/pod-1/a.heap.gz" "$WORK/a.heap"
same "$KEYP/h.txt.gz" "$WORK/h.txt"
s3_get "$KEYP/p.pb.gz" "$WORK/p.back" || fail "s3cmd get p.pb.gz failed"
cmp -s "$WORK/p.back" "$WORK/p.pb.gz" || fail "p.pb.gz was compressed again"
for f in pod-1/a.heap h.txt p.pb.gz; do [ ! -e "$D/$f" ] || fail "$f not removed after upload"; done
[ -e "$D/.a.heap.x1y2z3" ] && [ -e "$D/pod-1/b.heap.tmp" ] || fail "a temporary file was removed"
s3_list "$KEYP/" | grep -q "tmp\|x1y2z3" && fail "a temporary file was shipped: $(s3_list "$KEYP/")"
[ "$(s3_count SignatureDoesNotMatch)" = 0 ] || fail "the front refused a signature"
pass "3 files at start shipped as $KEYP/{pod-1/a.heap.gz,h.txt.gz,p.pb.gz} (gzip only where not compressed), removed; temporary files kept"

# 2. Published by rename while running (in the top and a new pod directory).
head -c 70000 /dev/urandom >"$WORK/c.heap"
cp "$WORK/c.heap" "$D/.c.heap.tmp1" && mv "$D/.c.heap.tmp1" "$D/c.heap"
mkdir -p "$D/pod-2"
cp "$WORK/c.heap" "$D/pod-2/.c.tmp" && mv "$D/pod-2/.c.tmp" "$D/pod-2/c.heap"
wait_for 30 eval '[ "$(ship_done_for c.heap)" = 1 ] && [ "$(ship_done_for pod-2/c.heap)" = 1 ]' ||
	fail "renamed files not shipped: $(tail -5 "$LOG")"
same "$KEYP/c.heap.gz" "$WORK/c.heap"
same "$KEYP/pod-2/c.heap.gz" "$WORK/c.heap"
pass "files renamed into place (top and a new subdirectory) shipped"

# 3. A writer that creates its file in place: nothing goes while it is open.
# Another file published meanwhile and shipped shows the shipper had read
# the directory's events past the in-place file's creation and writes.
head -c 400000 /dev/urandom >"$WORK/inplace.heap"
exec {W}>"$D/inplace.heap"
head -c 200000 "$WORK/inplace.heap" >&$W
cp "$WORK/c.heap" "$D/.d.tmp" && mv "$D/.d.tmp" "$D/d.heap"
wait_for 30 eval '[ "$(ship_done_for d.heap)" = 1 ]' || fail "d.heap not shipped"
[ "$(ship_done_for inplace.heap)" = 0 ] || fail "inplace.heap was shipped while its writer had it open"
tail -c 200000 "$WORK/inplace.heap" >&$W
exec {W}>&-
wait_for 30 eval '[ "$(ship_done_for inplace.heap)" = 1 ]' || fail "inplace.heap not shipped after close"
same "$KEYP/inplace.heap.gz" "$WORK/inplace.heap"
pass "a file written in place: not shipped while open, shipped whole once closed"

# 4. 200 MiB, incompressible: multipart, the shipper's RSS stays small.
head -c $((200 * 1048576)) /dev/urandom >"$D/.big.tmp"
rss0=$(awk '/^VmHWM/ {print $2}' "/proc/$SHIP_PID/status")
mv "$D/.big.tmp" "$D/big.hprof"
wait_for 300 eval '[ "$(ship_done_for big.hprof)" = 1 ]' || fail "big.hprof not shipped: $(tail -3 "$LOG")"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SHIP_PID/status")
line=$(grep "event=upload_done" "$LOG" | grep "file=big.hprof ")
parts=$(sed -n 's/.* parts=\([0-9]*\).*/\1/p' <<<"$line")
[ "${parts:-0}" -ge 40 ] || fail "big.hprof went in ${parts:-?} parts: $line"
# The part buffer (5 MiB) and the gzip stream are the memory that grows
# with the upload; anything near the file's size would be a leak.
[ "$hwm" -lt 65536 ] || fail "peak RSS $hwm KiB for a 200 MiB upload"
echo "big: $line" >&2
pass "200 MiB shipped in $parts parts, $(sed -n 's/.*took_ms=\([0-9]*\).*/\1/p' <<<"$line") ms ($(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$line") MiB/s), peak RSS $hwm KiB (before: $rss0 KiB)"
s3_list "$KEYP/big.hprof.gz" | grep -q "big.hprof.gz" || fail "no big.hprof.gz object"

# 5. SIGTERM in mid-upload: aborted, nothing under the key, the file kept.
head -c $((60 * 1048576)) /dev/urandom >"$D/.term.tmp"
cp "$D/.term.tmp" "$WORK/term.hprof"
in0=$(s3_count bytes_in)
mv "$D/.term.tmp" "$D/term.hprof"
wait_for 60 eval '[ $(( $(s3_count bytes_in) - in0 )) -gt $((8 * 1048576)) ]' ||
	fail "the upload of term.hprof did not start"
[ "$(ship_done_for term.hprof)" = 0 ] || fail "term.hprof finished before SIGTERM (too fast to test)"
ship_stop
grep -q "event=upload_abandoned.*file=term.hprof" "$LOG" || fail "no upload_abandoned: $(tail -3 "$LOG")"
[ -e "$D/term.hprof" ] || fail "term.hprof removed after an abandoned upload"
s3_list "$KEYP/term" | grep -q term && fail "an object appeared for an abandoned upload: $(s3_list "$KEYP/term")"
pass "SIGTERM mid-upload: exit 0, no object, file kept"

# 6. Written while stopped: the next start ships it, and the abandoned one.
cp "$WORK/c.heap" "$D/pod-1/while-stopped.heap"
ship_start restart
wait_for 60 eval '[ "$(ship_done_for term.hprof)" = 1 ] && [ "$(ship_done_for pod-1/while-stopped.heap)" = 1 ]' ||
	fail "not shipped after restart: $(tail -5 "$LOG")"
same "$KEYP/term.hprof.gz" "$WORK/term.hprof"
same "$KEYP/pod-1/while-stopped.heap.gz" "$WORK/c.heap"
ship_stop
pass "after a restart: the abandoned file and one written while stopped shipped"
[ "$(s3_count SignatureDoesNotMatch)" = 0 ] || fail "the front refused a signature"
