#!/usr/bin/env bash
# Done means: the top-level Containerfile builds offline with podman from
# this build's outputs (FROM scratch + COPY); the image runs the static
# sidecar as its entry point (--version is configure.ac's) under the pod's
# securityContext (uid 0, every capability dropped but KILL and SYS_PTRACE,
# read-only root, no new privileges); and its init-container command copies
# liboomsentry and jemalloc into a volume as an unprivileged user, byte for
# byte, where a program can preload them.
source "$(dirname "$0")/lib.sh"
source "$top_srcdir/tests/podman/lib.sh"

podman_setup
t0=$(date +%s%N)
podman_oomsentry_image
echo "podman build: $((($(date +%s%N) - t0) / 1000000)) ms"
size=$(pm image inspect --format '{{.Size}}' "$OOMSENTRY_IMAGE") || fail "cannot inspect $OOMSENTRY_IMAGE"
echo "image $OOMSENTRY_IMAGE: $size bytes"

# The image holds exactly what the Containerfile copies, nothing else.
pm image save -o "$WORK/image.tar" "$OOMSENTRY_IMAGE" >/dev/null 2>&1 || fail "podman image save failed"
mkdir -p "$WORK/image" && tar -C "$WORK/image" -xf "$WORK/image.tar" || fail "cannot unpack the saved image"
for layer in $(find "$WORK/image" -name 'layer.tar' -o -name '*.tar' ! -name image.tar | grep -v '^$'); do
	tar -tf "$layer" 2>/dev/null
done | sed 's|^\./||; s|/$||' | sort -u >"$WORK/files"
for f in usr/bin/oomsentry usr/bin/oomsentry-copy usr/lib/oomsentry/liboomsentry.so usr/lib/oomsentry/libjemalloc.so.2; do
	grep -qx "$f" "$WORK/files" || fail "the image lacks /$f: $(cat "$WORK/files")"
done
others=$(grep -vxE 'usr|usr/bin|usr/lib|usr/lib/oomsentry|usr/bin/oomsentry(-copy)?|usr/lib/oomsentry/lib(oomsentry\.so|jemalloc\.so\.2)' "$WORK/files")
[ -z "$others" ] || fail "the image holds more than the Containerfile copies: $others"
pass "podman built the image from Containerfile: 4 files, $size bytes"

version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
out=$(pm_run --rm --network none "$OOMSENTRY_IMAGE" --version 2>&1) || fail "the image does not run: $out"
[ "$out" = "oomsentry $version" ] || fail "the image's --version says \"$out\", configure.ac $version"
# The sidecar's securityContext from k8s/pod.yaml, in podman's words; alone
# in its PID namespace it finds nothing to watch, and --once says so by
# printing nothing and exiting 0.
out=$(pm_run --rm --network none --user 0 --cap-drop ALL --cap-add KILL,SYS_PTRACE --read-only \
	--security-opt no-new-privileges --memory 16m -e WARNING=75 -e CRITICAL=90 \
	"$OOMSENTRY_IMAGE" --once 2>&1) || fail "the sidecar fails under the pod's securityContext: $out"
[ -z "$out" ] || fail "--once alone in a container printed: $out"
pass "the image's entry point is the sidecar, version $version, and runs under the pod's securityContext"

# The init container of k8s/deployment.yaml: uid 65534, nothing writable but
# the volume (an emptyDir is mode 0777).
mkdir -p "$WORK/lib" && chmod 0777 "$WORK/lib"
pm_run --rm --network none --user 65534 --cap-drop ALL --read-only --security-opt no-new-privileges \
	-v "$WORK/lib:/oomsentry" --entrypoint /usr/bin/oomsentry-copy "$OOMSENTRY_IMAGE" \
	/oomsentry /usr/lib/oomsentry/liboomsentry.so /usr/lib/oomsentry/libjemalloc.so.2 >"$WORK/copy.log" 2>&1 ||
	fail "the init container's copy failed: $(cat "$WORK/copy.log")"
cmp "$WORK/lib/liboomsentry.so" "$top_builddir/image-context/liboomsentry.so" || fail "liboomsentry.so differs"
cmp "$WORK/lib/libjemalloc.so.2" "$(podman_jemalloc)" || fail "libjemalloc.so.2 differs"
[ "$(stat -c '%a %u' "$WORK/lib/liboomsentry.so")" = "755 65534" ] || fail "copied with $(stat -c '%a %u' "$WORK/lib/liboomsentry.so")"
hidden=$(find "$WORK/lib" -name '.*' -type f)
[ -z "$hidden" ] || fail "temporary files left in the volume: $hidden"
# What the app container then does: preload both; the critical signal then
# writes a dump.
LD_PRELOAD="$WORK/lib/libjemalloc.so.2 $WORK/lib/liboomsentry.so" MALLOC_CONF=prof:true \
	OOMSENTRY_DUMP_DIR=$WORK/dumps "$(command -v sleep)" 60 2>"$WORK/preload.log" &
PIDS+=($!)
wait_for 10 grep -q 'event=oomsentry_installed.*allocator=jemalloc' "$WORK/preload.log" ||
	fail "the copied liboomsentry did not install itself over the copied jemalloc"
kill -USR2 "${PIDS[-1]}"
wait_for 20 compgen -G "$WORK/dumps/*-critical.txt" >/dev/null || fail "no dump after SIGUSR2"
ls "$WORK"/dumps/*-critical.heap >/dev/null 2>&1 || fail "no heap profile next to the summary"
pass "the init-container command copies liboomsentry and jemalloc, which then preload"

# README's build sequence from a fresh clone: `make image` is the podman
# build tagged with configure.ac's version, as README.md says it is.
make -s -n -C "$top_builddir" image >"$WORK/make-image.raw" 2>&1 || fail "make -n image: $(cat "$WORK/make-image.raw")"
tr '\\\n\t' '   ' <"$WORK/make-image.raw" | tr -s ' ' >"$WORK/make-image.txt"
grep -q -- "podman build .*--build-arg VERSION=$version .*-t oomsentry:$version image-context" "$WORK/make-image.txt" ||
	fail "make image does not tag oomsentry:$version: $(cat "$WORK/make-image.txt")"
grep -qF 'autoreconf -fi && ./configure && make -j"$(nproc)"' "$top_srcdir/README.md" &&
	grep -qF "make image            # podman build, tagged oomsentry:VERSION (VERSION from configure.ac, now $version)" "$top_srcdir/README.md" ||
	fail "README.md's image section does not give the fresh-clone sequence for $version"
pass "make image builds oomsentry:$version, as README.md's fresh-clone sequence says"
