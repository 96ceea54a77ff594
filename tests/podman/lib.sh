# Shared podman setup for the tests that run oomsentry in real containers
# (sourced after tests/e2e/lib.sh, not run).
#
# Every piece of podman state lives under one directory of the test's own:
# configuration, image and container storage, run state, locks, events and
# network configuration. Nothing is read from or written to the machine's
# /etc/containers, /var/lib/containers or /run/libpod, so a test leaves no
# trace and cannot be disturbed by whatever else the machine runs. No registry
# is reachable: every image is built here, from files on this machine.
#
# What this machine needs (measured): runc (crun refuses hybrid cgroups), the
# cgroupfs manager (no systemd), events in a file (no journald), and explicit
# ulimits (podman's default nofile and nproc fail with EPERM where the root
# shell lacks CAP_SYS_RESOURCE).

PODMAN_PAUSE_IMAGE=localhost/oomsentry-test-pause:latest
PODMAN_IMAGES=()
PODMAN_PODS=()
PODMAN_CONTAINERS=()

# podman_setup: checks for podman and runc, writes the configuration under
# $WORK/podman and exports the variables that make podman use it.
podman_setup() {
	need_root
	command -v podman >/dev/null || missing_prerequisite "podman (apt-get install podman)"
	command -v runc >/dev/null || missing_prerequisite "runc (apt-get install runc)"
	# One podman test at a time (make -j check): they share the machine's
	# /var/lib/containers/cache (below) and their timing suffers from each
	# other. The lock is this file, so the lock leaves nothing behind.
	exec {PODMAN_LOCK_FD}<"$top_srcdir/tests/podman/lib.sh"
	flock -w 900 "$PODMAN_LOCK_FD" || fail "another podman test held the lock for 15 minutes"
	PODMAN_DIR=$WORK/podman
	mkdir -p "$PODMAN_DIR/tmp" "$PODMAN_DIR/run" "$PODMAN_DIR/root" "$PODMAN_DIR/cni" || fail "cannot create $PODMAN_DIR"
	cat >"$PODMAN_DIR/containers.conf" <<CONF || fail "cannot write containers.conf"
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
log_driver = "k8s-file"

[network]
network_backend = "cni"
network_config_dir = "$PODMAN_DIR/cni"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
lock_type = "file"
tmp_dir = "$PODMAN_DIR/tmp"
static_dir = "$PODMAN_DIR/root/libpod"
volume_path = "$PODMAN_DIR/root/volumes"
infra_image = "$PODMAN_PAUSE_IMAGE"
image_copy_tmp_dir = "$PODMAN_DIR/tmp"
CONF
	# vfs: no overlay mounts to leak if a test is killed, and the images
	# here are a few MiB, so copying them per container costs little.
	cat >"$PODMAN_DIR/storage.conf" <<CONF || fail "cannot write storage.conf"
[storage]
driver = "vfs"
graphroot = "$PODMAN_DIR/root"
runroot = "$PODMAN_DIR/run"
CONF
	printf 'unqualified-search-registries = []\n' >"$PODMAN_DIR/registries.conf"
	export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf
	export TMPDIR=$PODMAN_DIR/tmp
	# podman 4.3 keeps a blob-info cache in /var/lib/containers/cache whatever
	# the storage configuration says: remove it afterwards if it is ours.
	PODMAN_OWN_VARLIB=
	[ -e /var/lib/containers ] || PODMAN_OWN_VARLIB=1
	# A cleanup of its own, run before lib.sh's, which removes $WORK.
	trap 'podman_cleanup; cleanup' EXIT
}

# pm ARGS...: podman with this test's configuration (the flags repeat the two
# settings that matter most, in case a containers.conf.d drop-in overrides).
# It runs in a directory of the test's: conmon stays in podman's working
# directory and, when a container is OOM-killed, writes a file named "oom"
# there. The lock's fd is closed for podman, so that no conmon outliving
# the test could hold the lock.
pm() {
	(cd "$PODMAN_DIR/tmp" && exec podman --cgroup-manager cgroupfs --runtime runc "$@" {PODMAN_LOCK_FD}<&-)
}

# pm_run ARGS...: podman run for a container outside any pod, under a parent
# cgroup of this test's (podman's default, libpod_parent, would outlive it).
pm_run() { pm run --cgroup-parent "/oomsentry-podman-$$" "$@"; }

# podman_cleanup: removes every pod, container and image this test made, then
# the storage (vfs layers are plain directories).
podman_cleanup() {
	[ -n "${PODMAN_DIR:-}" ] && [ -d "$PODMAN_DIR" ] || return 0
	local p
	for p in "${PODMAN_PODS[@]:-}"; do
		[ -n "$p" ] && pm pod rm -f -t 0 "$p" >/dev/null 2>&1
	done
	for p in "${PODMAN_CONTAINERS[@]:-}"; do
		[ -n "$p" ] && pm rm -f -t 0 "$p" >/dev/null 2>&1
	done
	pm rm -a -f -t 0 >/dev/null 2>&1
	pm pod rm -a -f -t 0 >/dev/null 2>&1
	pm rmi -a -f >/dev/null 2>&1
	# Whatever podman itself could not undo (a runc state dir, a mount).
	grep " $PODMAN_DIR/" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$PODMAN_DIR"
	# podman leaves the parent cgroups it was given (--cgroup-parent) in
	# every v1 hierarchy, with the pod's own below in some; all are empty
	# once the containers are gone. Deepest first.
	local top
	for top in /sys/fs/cgroup/*/"oomsentry-podman-$$"*; do
		[ -d "$top" ] && find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ -n "$PODMAN_OWN_VARLIB" ] && rm -rf /var/lib/containers
	return 0
}

# podman_image_from_dir NAME DIR: a local image holding exactly the files of
# DIR (a scratch image, no registry), tagged localhost/NAME:latest.
podman_image_from_dir() {
	tar -C "$2" -c . | pm import -q - "localhost/$1:latest" >/dev/null || fail "podman import of $2 failed"
	PODMAN_IMAGES+=("localhost/$1:latest")
}

# podman_pause_image: the pod's infra image, from the static catatonit init.
podman_pause_image() {
	local dir=$WORK/pause-root cat
	cat=$(command -v catatonit || echo /usr/libexec/podman/catatonit)
	[ -x "$cat" ] || missing_prerequisite "catatonit (apt-get install catatonit)"
	# The pause image holds nothing else, so the init must be static.
	readelf -d "$cat" 2>/dev/null | grep -q NEEDED && missing_prerequisite "a static catatonit ($cat is dynamic)"
	mkdir -p "$dir" && cp "$cat" "$dir/catatonit" || fail "cannot stage catatonit"
	tar -C "$dir" -c . | pm import -q -c 'ENTRYPOINT ["/catatonit", "-P"]' - "$PODMAN_PAUSE_IMAGE" >/dev/null ||
		fail "cannot build the pause image"
	PODMAN_IMAGES+=("$PODMAN_PAUSE_IMAGE")
}

# podman_pod NAME: a pod sharing PID, IPC and network namespaces (what
# shareProcessNamespace gives in Kubernetes), with no network, its containers'
# cgroups under a parent of its own (v1 memory: oomsentry-*).
podman_pod() {
	pm pod create --name "$1" --share pid,ipc,net --network none \
		--cgroup-parent "/oomsentry-podman-$$-$1" --infra-image "$PODMAN_PAUSE_IMAGE" >/dev/null ||
		fail "podman pod create $1 failed"
	PODMAN_PODS+=("$1")
}

# submake ARGS...: make in the build tree, without the jobserver and flags of
# the make that runs this test.
submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "$@"; }

# podman_oomsentry_image: builds the shipped image from the top-level
# Containerfile and this build's outputs (make image-context), exactly as a
# user would, and sets OOMSENTRY_IMAGE.
podman_oomsentry_image() {
	local version
	version=$(sed -n 's/^AC_INIT(\[oomsentry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
	OOMSENTRY_IMAGE=localhost/oomsentry-test:$version
	submake -C "$top_builddir" image-context >"$WORK/image-context.log" 2>&1 ||
		fail "make image-context failed: $(cat "$WORK/image-context.log")"
	pm build -q -f "$top_srcdir/Containerfile" --build-arg VERSION="$version" -t "$OOMSENTRY_IMAGE" \
		"$top_builddir/image-context" >"$WORK/image-build.log" 2>&1 ||
		fail "podman build -f Containerfile failed: $(cat "$WORK/image-build.log")"
	PODMAN_IMAGES+=("$OOMSENTRY_IMAGE")
}

# podman_app_image NAME FILE...: an image holding the given programs under
# /app (by base name) plus every shared library they and jemalloc need, at
# the paths the dynamic loader looks for them; /bin/sleep comes along as a
# process that catches no signal.
podman_app_image() {
	local name=$1 root=$WORK/$1-root f lib
	shift
	mkdir -p "$root/app" "$root/bin" "$root/tmp" || fail "cannot stage $name"
	chmod 1777 "$root/tmp"
	for f in "$@"; do cp "$f" "$root/app/" || fail "cannot stage $f"; done
	cp "$(command -v sleep)" "$root/bin/sleep" || fail "cannot stage sleep"
	# ldd lists the loader and libc of the programs, and libstdc++, libm and
	# libgcc_s that the preloaded libjemalloc.so.2 needs.
	for lib in $(ldd "$@" "$root/bin/sleep" "$(podman_jemalloc)" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
		mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || fail "cannot stage $lib"
	done
	podman_image_from_dir "$name" "$root"
}

# podman_jemalloc: the path of the machine's libjemalloc.so.2.
podman_jemalloc() {
	local j
	j=$(${CC:-cc} -print-file-name=libjemalloc.so.2 2>/dev/null)
	case $j in /*) readlink -f "$j" ;; *) echo /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ;; esac
}
