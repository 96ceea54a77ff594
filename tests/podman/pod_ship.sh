#!/usr/bin/env bash
# The shipper in a pod on real containers (podman with runc), with the store
# and the webhook receiver on the host side. The pod has k8s/deployment.yaml's
# shape: the init container copies liboomsentry and jemalloc; the app (uid
# 1000) preloads them and dumps into the dump volume; the sidecar (uid 0,
# KILL and SYS_PTRACE) watches it and writes its events file there; the
# shipper (uid 65532, no capability, read-only root) holds the credentials.
# The dump volume is what kubelet makes of an emptyDir with fsGroup 3000:
# group 3000, set-group-ID, and 3000 among every container's groups.
#
# Done means: the app's critical dump (summary and heap profile) reaches the
# store under PREFIX/NAMESPACE/POD/, gzipped and readable, and leaves the
# volume; the shipper, another uid, could read and remove it because of the
# group; the sidecar's events (the signals it sent) reach the webhook in
# order; the shipper's image holds the shipper, its libraries and the CA
# certificates (size reported) and runs read-only with no capability.
source "$(dirname "$0")/../e2e/lib.sh"
source "$top_srcdir/tests/podman/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"

podman_setup
need_v1_memory
command -v s3cmd >/dev/null || missing_prerequisite "s3cmd (apt-get install s3cmd)"
version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

s3_start "$WORK/store"
webhook_start "$WORK/wh"

podman_pause_image
podman_oomsentry_image
podman_app_image oomsentry-test-app "$top_builddir/examples/leaky-plain"
APP_IMAGE=localhost/oomsentry-test-app:latest
SHIP_IMAGE=localhost/oomsentry-ship-test:$version
submake -C "$top_builddir" image-ship-context >"$WORK/image-ship-context.log" 2>&1 ||
	fail "make image-ship-context failed: $(cat "$WORK/image-ship-context.log")"
pm build -q -f "$top_srcdir/Containerfile.ship" --build-arg VERSION="$version" -t "$SHIP_IMAGE" \
	"$top_builddir/image-ship-context" >"$WORK/image-ship.log" 2>&1 ||
	fail "podman build -f Containerfile.ship failed: $(cat "$WORK/image-ship.log")"
PODMAN_IMAGES+=("$SHIP_IMAGE")
size=$(pm image inspect --format '{{.Size}}' "$SHIP_IMAGE")
out=$(pm_run --rm --network none "$SHIP_IMAGE" --version 2>&1) || fail "the shipper's image does not run: $out"
[ "$out" = "oomsentry-ship $version" ] || fail "the shipper's image says \"$out\""
pass "oomsentry-ship image: $size bytes (binary $(stat -c %s "$top_builddir/image-ship-context/usr/bin/oomsentry-ship") bytes, the rest its libraries and CA certificates), runs"

POD=oomsentry-ship-$$
LIBVOL=$WORK/vol-lib DUMPS=$WORK/vol-dumps
mkdir -p "$LIBVOL" "$DUMPS" && chmod 0777 "$LIBVOL"
chgrp 3000 "$DUMPS" && chmod 2777 "$DUMPS" || fail "cannot give the dump volume to group 3000"
# Host network: the store and the receiver listen on the host's loopback.
pm pod create --name "$POD" --share pid,ipc,net --network host \
	--cgroup-parent "/oomsentry-podman-$$-$POD" --infra-image "$PODMAN_PAUSE_IMAGE" >/dev/null ||
	fail "podman pod create failed"
PODMAN_PODS+=("$POD")
pm pod start "$POD" >/dev/null || fail "the pod does not start"

pm run --rm --pod "$POD" --user 65534 --cap-drop ALL --read-only --security-opt no-new-privileges \
	-v "$LIBVOL:/oomsentry" --entrypoint /usr/bin/oomsentry-copy "$OOMSENTRY_IMAGE" \
	/oomsentry /usr/lib/oomsentry/liboomsentry.so /usr/lib/oomsentry/libjemalloc.so.2 >"$WORK/init.log" 2>&1 ||
	fail "the init container failed"

pm run -d --pod "$POD" --name "$POD-sidecar" --user 0 --group-add 3000 --cap-drop ALL --cap-add KILL,SYS_PTRACE \
	--read-only --security-opt no-new-privileges --memory 16m -v "$DUMPS:/dumps" \
	-e WARNING=60 -e CRITICAL=85 -e DUMP_DIR=/dumps "$OOMSENTRY_IMAGE" >/dev/null || fail "the sidecar does not start"
sidecar_says() { pm logs "$POD-sidecar" >"$WORK/sidecar.log" 2>&1 && grep -q "$1" "$WORK/sidecar.log"; }
wait_for 20 sidecar_says 'event=start' || fail "the sidecar did not start"

pm run -d --pod "$POD" --name "$POD-ship" --user 65532:65532 --group-add 3000 --cap-drop ALL \
	--read-only --security-opt no-new-privileges --memory 64m -v "$DUMPS:/dumps" \
	-e DUMP_DIR=/dumps -e S3_ENDPOINT="$S3_ENDPOINT" -e S3_BUCKET="$S3_BUCKET" -e S3_PATH_STYLE=true \
	-e S3_PREFIX=oom -e POD_NAMESPACE=shop -e POD_NAME="$POD" -e RETRY_MAX=2s \
	-e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_REGION -e WEBHOOK_URL="$WEBHOOK_URL" \
	"$SHIP_IMAGE" >/dev/null || fail "the shipper does not start"
ship_says() { pm logs "$POD-ship" >"$WORK/ship.log" 2>&1 && grep -q "$1" "$WORK/ship.log"; }
wait_for 20 ship_says 'event=dump_dir_watched' || fail "the shipper did not start"

pm run -d --pod "$POD" --name "$POD-app" --hostname "$POD" --user 1000:1000 --group-add 3000 \
	--memory 128m --memory-swap 128m -v "$LIBVOL:/oomsentry:ro" -v "$DUMPS:/dumps" \
	-e LD_PRELOAD="/oomsentry/libjemalloc.so.2 /oomsentry/liboomsentry.so" \
	-e MALLOC_CONF=prof:true,lg_prof_sample:19 -e OOMSENTRY_DUMP_DIR=/dumps/app \
	"$APP_IMAGE" /app/leaky-plain --pattern steady --rate 16 --max 112 >/dev/null || fail "the app does not start"

# The critical dump is two files: both shipped, then gone from the volume.
shipped() { ship_says 'event=upload_done.*file=app/.*-critical.txt' && ship_says 'event=upload_done.*file=app/.*-critical.heap'; }
# On failure, everything the pod says goes with the message.
pod_logs() {
	pm logs "$POD-sidecar" >"$WORK/sidecar.log" 2>&1
	pm logs "$POD-app" >"$WORK/app.log" 2>&1
	pm logs "$POD-ship" >"$WORK/ship.log" 2>&1
	ls -laR "$DUMPS" >"$WORK/dumps.log" 2>&1
}
wait_for 120 shipped || { pod_logs; fail "the app's critical dump was not shipped: $(tail -5 "$WORK/ship.log")"; }
s3_list "oom/shop/$POD/app/" >"$WORK/objects"
txt_key=$(awk '/-critical\.txt\.gz$/ {print $2}' "$WORK/objects")
heap_key=$(awk '/-critical\.heap\.gz$/ {print $2}' "$WORK/objects")
[ -n "$txt_key" ] && [ -n "$heap_key" ] || fail "objects: $(cat "$WORK/objects")"
s3_get "$txt_key" "$WORK/txt.gz" && gzip -dc "$WORK/txt.gz" >"$WORK/summary.txt" || fail "cannot read $txt_key"
grep -q '^allocator: jemalloc' "$WORK/summary.txt" && grep -q 'End jemalloc statistics' "$WORK/summary.txt" ||
	fail "the shipped summary is not whole: $(head -5 "$WORK/summary.txt")"
s3_get "$heap_key" "$WORK/heap.gz" && gzip -dc "$WORK/heap.gz" >"$WORK/app.heap" || fail "cannot read $heap_key"
head -c 8 "$WORK/app.heap" | grep -q heap_v2 || fail "the shipped profile is not jemalloc's: $(head -c 40 "$WORK/app.heap")"
wait_for 20 eval '[ -z "$(find "$DUMPS/app" -type f -name "*-critical*")" ]' ||
	fail "shipped files left in the volume: $(ls -la "$DUMPS/app")"
dirmode=$(stat -c '%a %g' "$DUMPS/app")
[ "$dirmode" = "2770 3000" ] || fail "the app's dump directory is $dirmode, not 2770 in group 3000"
pass "the app's critical dump reached the store as $txt_key and $heap_key (whole), and left the volume; its directory is 2770, group 3000"

# The sidecar's signal events reached the webhook, in the sidecar's order.
pm logs "$POD-sidecar" >"$WORK/sidecar.log" 2>&1
sent=$(grep -c 'event=signal_sent' "$WORK/sidecar.log" || true)
[ "$sent" -ge 2 ] || fail "the sidecar sent $sent signals"
got() { python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if json.loads(json.loads(line)["body"]).get("event") == "signal_sent":
        n += 1
print(n)' "$WEBHOOK_LOG"; }
wait_for 30 eval '[ "$(got)" -ge "$sent" ]' || fail "the webhook got $(got) of $sent signal_sent events"
python3 -c '
import json, sys
seqs = [json.loads(json.loads(l)["body"])["seq"] for l in open(sys.argv[1])]
sys.exit(0 if seqs == sorted(seqs) and len(set(seqs)) == len(seqs) else 1)' "$WEBHOOK_LOG" ||
	fail "the webhook's events are out of order or repeated"
pass "the webhook got the sidecar's $sent signal_sent events among $(webhook_count), in order"
grep -q 'level=error' "$WORK/ship.log" && fail "the shipper logged an error: $(grep level=error "$WORK/ship.log")"
pm stop -t 30 "$POD-ship" >/dev/null
[ "$(pm inspect --format '{{.State.ExitCode}}' "$POD-ship")" = 0 ] || fail "the shipper did not exit 0 on SIGTERM"
pass "the shipper (uid 65532, no capability, read-only root) logged no error and stopped with 0"
