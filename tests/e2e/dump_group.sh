#!/usr/bin/env bash
# Dumps in the pod's fsGroup volume (src/common/dump_modes.h): a shipper
# running as another uid, with the pod's fsGroup as its only shared group
# and no capabilities, can read every dump file and remove it, and only
# when the volume says so.
#
# The volume is made as kubelet makes it with `fsGroup: 3000`: group 3000,
# set-group-ID, rwx for all (an emptyDir). The writers run as uid 1000 with
# 3000 as a supplementary group and umask 077, which must not take the
# group's bits away:
#  - liboomsentry (tests/helpers/handler_victim under LD_PRELOAD=jemalloc,
#    raising its critical signal itself) makes DUMP_DIR/pod-a/app and writes
#    a heap profile and a summary there, then into DUMP_DIR itself;
#  - the sidecar (oomsentry over a fixture /proc) makes DUMP_DIR/sidecar
#    and its events.jsonl there.
# Expected: directories 2770 and files 640, group 3000, nothing for
# "other"; the shipper (uid 2000, groups 2000 and 3000) reads and removes
# each file and then the directories. Without the set-group-ID bit (no
# fsGroup) the writer keeps 0700/0600 and the shipper can do neither.
source "$(dirname "$0")/lib.sh"

need_root
command -v setpriv >/dev/null || missing_prerequisite "setpriv (util-linux)"
victim=$top_builddir/tests/helpers/handler_victim
[ -x "$victim" ] || fail "build first: $victim (make check TESTS=)"
[ -x "$OOMSENTRY" ] || fail "build first: $OOMSENTRY"
# With jemalloc's profiling the dump has a heap profile too; without it, a
# summary only.
jemalloc=$(ldconfig -p | awk '/libjemalloc\.so\.2 / {print $NF; exit}')

FSGROUP=3000
WRITER=1000
SHIPPER=2000
# The writers and the shipper must reach the volume through $WORK (0700).
chmod 0755 "$WORK"

as_writer() {
	setpriv --reuid $WRITER --regid $WRITER --groups $FSGROUP --inh-caps=-all \
		bash -c 'umask 077; exec "$@"' as_writer "$@"
}
as_shipper() {
	setpriv --reuid $SHIPPER --regid $SHIPPER --groups $FSGROUP --inh-caps=-all "$@"
}

# make_volume DIR MODE: a volume as kubelet leaves it (2777 with fsGroup,
# 0777 without).
make_volume() {
	mkdir "$1" && chgrp $FSGROUP "$1" && chmod "$2" "$1" || fail "cannot make volume $1"
}

# handler_dump DUMP_DIR: liboomsentry writes one critical dump there; waits
# for its summary (renamed last) and stops the process.
handler_dump() {
	local dir=$1 log=$WORK/victim-$RANDOM.log
	as_writer env ${jemalloc:+LD_PRELOAD=$jemalloc MALLOC_CONF=prof:true,lg_prof_sample:16} \
		OOMSENTRY_DUMP_DIR="$dir" OOMSENTRY_MIN_FREE=0 HANDLER_VICTIM_MIB=4 \
		HANDLER_VICTIM_RAISE=1 "$victim" >"$log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for 20 sh -c "ls '$dir'/*-critical.txt >/dev/null 2>&1" ||
		fail "liboomsentry wrote no dump in $dir: $(cat "$log")"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "$jemalloc" ]; then
		ls "$dir"/*-critical.heap >/dev/null 2>&1 || fail "no heap profile in $dir: $(cat "$log")"
	fi
}

# sidecar_events DUMP_DIR: the sidecar (watching a fixture /proc, without
# capabilities, signalling nothing) writes its start event there.
sidecar_events() {
	local log=$WORK/sidecar-$RANDOM.log
	as_writer env DUMP_DIR="$1" "$OOMSENTRY" --proc-root "$FIXTURES/v1/proc" --dry-run \
		--interval 50ms >"$log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for 10 test -s "$1/events.jsonl" ||
		fail "the sidecar wrote no $1/events.jsonl: $(cat "$log")"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
}

# expect_mode PATH OCTAL
expect_mode() {
	local got
	got=$(stat -c '%a %g' "$1") || fail "cannot stat $1"
	[ "$got" = "$2 $FSGROUP" ] || fail "$1: mode and group $got, want $2 $FSGROUP"
}

# --- With fsGroup: the volume is set-group-ID -------------------------------
vol=$WORK/vol
make_volume "$vol" 2777
handler_dump "$vol/pod-a/app"
sidecar_events "$vol/sidecar"
handler_dump "$vol"

files=()
for d in "$vol/pod-a" "$vol/pod-a/app" "$vol/sidecar"; do
	expect_mode "$d" 2770
done
while IFS= read -r -d '' f; do
	expect_mode "$f" 640
	files+=("$f")
done < <(find "$vol" -type f -print0)
# A summary and maybe a profile in each of the two dump directories, and
# the events file.
[ ${#files[@]} -ge 3 ] || fail "expected at least 3 files, found: ${files[*]}"
pass "umask 077, set-group-ID volume: directories 2770, ${#files[@]} files 640, group $FSGROUP"

# Someone outside the group gets nothing ("other" is never granted).
setpriv --reuid 4000 --regid 4000 --clear-groups --inh-caps=-all \
	cat "${files[0]}" >/dev/null 2>&1 &&
	fail "uid 4000, not in group $FSGROUP, could read ${files[0]}"
for f in "${files[@]}"; do
	as_shipper cat "$f" >/dev/null 2>"$WORK/ship.err" ||
		fail "the shipper cannot read $f: $(cat "$WORK/ship.err")"
	as_shipper rm "$f" 2>"$WORK/ship.err" ||
		fail "the shipper cannot remove $f: $(cat "$WORK/ship.err")"
	[ ! -e "$f" ] || fail "$f still there after the shipper removed it"
done
as_shipper rmdir "$vol/pod-a/app" "$vol/pod-a" "$vol/sidecar" 2>"$WORK/ship.err" ||
	fail "the shipper cannot remove the emptied directories: $(cat "$WORK/ship.err")"
pass "the shipper (uid $SHIPPER, group $FSGROUP) read and removed every file and directory"

# --- Without fsGroup: nothing shared ----------------------------------------
priv=$WORK/private
make_volume "$priv" 0777
handler_dump "$priv/pod-b"
sidecar_events "$priv/sidecar"
for d in "$priv/pod-b" "$priv/sidecar"; do
	[ "$(stat -c %a "$d")" = 700 ] || fail "$d: mode $(stat -c %a "$d"), want 700"
done
n=0
while IFS= read -r -d '' f; do
	case $f in
	*/events.jsonl) ;; # 0640 as always; its directory keeps it private
	*) [ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f"), want 600" ;;
	esac
	as_shipper cat "$f" >/dev/null 2>&1 && fail "the shipper could read $f without fsGroup"
	as_shipper rm -f "$f" 2>/dev/null
	[ -e "$f" ] || fail "the shipper could remove $f without fsGroup"
	n=$((n + 1))
done < <(find "$priv" -type f -print0)
[ $n -ge 2 ] || fail "expected at least 2 files in $priv, found $n"
pass "no set-group-ID bit: directories 700, dumps 600; the shipper can read or remove" \
	"none of $n files"
