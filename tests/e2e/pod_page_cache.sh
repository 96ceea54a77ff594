#!/usr/bin/env bash
# Scenario 6: page cache. An app writes a 180 MiB file to disk and reads it
# back once, in a 256 MiB container: raw usage rises past WARNING (60%), but
# the pages stay on the inactive list, so the working set (the default
# metric, what kubelet uses) does not, and the sidecar stays quiet. A sidecar
# with METRIC=usage, looking at the same container, sends SIGUSR1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod

# The file must be on a disk: tmpfs pages would count in the working set.
DATA=$(mktemp -d /var/tmp/oomsentry-pod-page-cache.XXXXXX) || fail "cannot create a directory in /var/tmp"
trap 'pod_cleanup; rm -rf "$DATA"; cleanup' EXIT
[ "$(stat -f -c %T "$DATA")" != tmpfs ] || missing_prerequisite "a disk-backed /var/tmp"
chmod 0777 "$DATA"

limit=$((256 << 20))
warning=$((limit * 60 / 100))
cg_stat() { awk -v k="$1" '$1 == k {print $2}' "$cg/memory.stat"; }

pod_up p
pod_add sidecar --log "$WORK/sidecar.log" -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"
# memhog catches the signals and records them (it holds 1 MiB); the shell
# writes and reads the file meanwhile.
pod_add app --limit 256Mi --volume "$DATA:data" --log "$WORK/app.log" -- sh -c "
	'$MEMHOG' --catch --max 1 --record /mnt/data/record &
	dd if=/dev/zero of=/mnt/data/file bs=1M count=180 status=none &&
	cat /mnt/data/file >/dev/null && touch /mnt/data/done
	wait"
cg=/sys/fs/cgroup/memory/oomsentry-pod-$POD/app
wait_for 60 test -e "$DATA/done" || fail "the app did not write and read its file"
usage=$(cat "$cg/memory.usage_in_bytes")
ws=$((usage - $(cg_stat total_inactive_file)))
[ "$usage" -ge "$warning" ] || fail "usage $((usage >> 20)) MiB stayed below WARNING (test setup)"
sleep 1 # 50 ticks of the sidecar
pod exec "$POD" sidecar -- env "${SIDECAR_ENV[@]}" "$OOMSENTRY" --once >"$WORK/once.out" 2>"$WORK/once.err"
log_has "$WORK/once.out" comm=memhog "cgroup=/oomsentry-pod-$POD/app " level=normal || fail "--once: $(cat "$WORK/once.out")"
grep "event=level cgroup=/oomsentry-pod-$POD/app " "$WORK/sidecar.log" && fail "the default metric changed level"
[ ! -s "$DATA/record" ] || fail "the app was signalled: $(cat "$DATA/record")"
pass "usage $((usage >> 20)) MiB >= WARNING $((warning >> 20)) MiB, working set $((ws >> 20)) MiB: default metric quiet"

# The same container, judged by raw usage.
pod rm "$POD" sidecar || fail "rm sidecar failed"
pod_add sidecar-usage --log "$WORK/sidecar-usage.log" -- env "${SIDECAR_ENV[@]}" METRIC=usage "$OOMSENTRY"
wait_for 10 grep -qs SIGUSR1 "$DATA/record" || fail "METRIC=usage: no SIGUSR1"
log_has "$WORK/sidecar-usage.log" event=level "cgroup=/oomsentry-pod-$POD/app " to=warning metric=usage ||
	fail "METRIC=usage: no level line"
grep -q SIGUSR2 "$DATA/record" && fail "METRIC=usage: SIGUSR2 below CRITICAL"
pass "METRIC=usage: SIGUSR1 at $(grep -o 'event=level.*to=warning.*pct=[0-9.]*' "$WORK/sidecar-usage.log" | grep -o 'pct=.*')%"
# Uncharge the page cache before the cgroup goes.
rm -f "$DATA/file"
