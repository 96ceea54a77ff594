#!/usr/bin/env bash
# The sidecar live on cgroup v2. This host runs cgroup v1 for memory, so the v2
# scenarios run in a throwaway guest: qemu (software emulation), a Debian
# cloud kernel unpacked from its package (never installed), and an initramfs
# of busybox, the static sidecar, examples/leaky with the libraries it and
# jemalloc need, tests/guest/guestpod and tests/guest/init.sh as /init. The
# guest builds a pod out of namespaces and v2 cgroups, runs the scenarios
# (see init.sh) and reports one line per check on its second serial port;
# this script names each failed check.
#
# Downloads (two .deb files, via apt-get) are kept in OOMSENTRY_GUEST_CACHE
# (default /var/cache/oomsentry-guest, else a temporary directory) for reruns.
source "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
JEMALLOC=${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
LEAKY=$top_builddir/examples/leaky
GUESTPOD=$top_builddir/tests/guest/guestpod
# Boot plus scenarios take seconds; this only bounds a hung guest.
# As long as the guest reports progress (see pod_v2_guest.sh), up to
# GUEST_TIMEOUT in all.
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1800}
GUEST_STALL=${GUEST_STALL:-240}

for tool in "$QEMU" cpio gzip dpkg-deb apt-get apt-cache ldd; do
	command -v "$tool" >/dev/null || missing_prerequisite "$tool (apt-get install qemu-system-x86 cpio)"
done
command -v jeprof >/dev/null || missing_prerequisite "jeprof (libjemalloc-dev)"
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2"
for f in "$OOMSENTRY" "$LEAKY" "$GUESTPOD" "$top_srcdir/tests/guest/init.sh"; do
	[ -x "$f" ] || [ -f "$f" ] || fail "$f not built"
done

. "$top_srcdir/tests/guest/kernel.sh"
guest_packages

# --- the initramfs -------------------------------------------------------------
root=$WORK/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,dumps,lib/x86_64-linux-gnu,lib64}
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -O ./bin/busybox >"$root/bin/busybox" || fail "no busybox in $bdeb"
chmod 755 "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$OOMSENTRY" "$LEAKY" "$GUESTPOD" "$root/bin/"
install -m 755 "$top_srcdir/tests/guest/init.sh" "$root/init"
install -m 755 "$JEMALLOC" "$root/lib/x86_64-linux-gnu/libjemalloc.so.2"

# Whatever is dynamically linked brings its loader and libraries (leaky links
# glibc dynamically; jemalloc needs libstdc++), at the paths ldd names.
for bin in "$root"/bin/oomsentry "$root"/bin/leaky "$root"/bin/guestpod "$JEMALLOC"; do
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		dest=$root$lib
		case $lib in /usr/lib/*) dest=$root${lib#/usr} ;; esac
		[ -e "$dest" ] || install -D -m 755 "$(readlink -f "$lib")" "$dest"
	done
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz" || fail "cannot pack the initramfs"

# --- boot ------------------------------------------------------------------------
results=$WORK/results.log
console=$WORK/console.log
# KVM fails mid-boot on these machines: software emulation (TCG) it is. In
# the background, so that an interrupted test stops qemu (timeout passes
# SIGTERM on) before lib.sh's cleanup removes its files.
t0=$(date +%s%N)
timeout "$GUEST_TIMEOUT" "$QEMU" -accel tcg -m 512 -smp 2 -nodefaults -display none -no-reboot \
	-kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 panic=-1" \
	-serial "file:$console" -serial "file:$results" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 >"$WORK/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill -TERM "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; cleanup' EXIT
wait_progress "$qemu_pid" "$GUEST_STALL" "$console" "$results" 2>/dev/null
qemu_status=$?
t1=$(date +%s%N)
wall_ms=$(((t1 - t0) / 1000000))

show_console() { echo "--- guest console (last 30 lines)" >&2; tr -d '\r' <"$console" | tail -n 30 >&2; }

[ "$qemu_status" -ne 124 ] || { show_console; fail "the guest made no progress for $GUEST_STALL s, or ran past $GUEST_TIMEOUT s"; }
[ -s "$results" ] || { show_console; cat "$WORK/qemu.log" >&2; fail "the guest reported nothing (qemu exit $qemu_status)"; }
tr -d '\r' <"$results" >"$WORK/results.txt"
grep -qx 'done' "$WORK/results.txt" || { show_console; fail "the guest's report is incomplete (qemu exit $qemu_status)"; }

# Files the guest sent back, decoded for reading (and for jeprof).
awk -v dir="$WORK/from-guest" '
	/^begin-file / { name = $2; next }
	/^end-file / { name = ""; next }
	name != "" { print > (dir "/" name ".b64") }
' < <(mkdir -p "$WORK/from-guest"; cat "$WORK/results.txt")
for f in "$WORK"/from-guest/*.b64; do
	[ -e "$f" ] && base64 -d "$f" >"${f%.b64}" && rm -f "$f"
done

# --- verdicts ------------------------------------------------------------------------
expected=(setup sidecar_started once_exit
	s1_app_order s1_sidecar_order s1_no_oom_kill s1_dump_complete s1_dump_shared
	s1_dump_no_temporaries
	s2_bystanders_alive s2_sleep_skipped s2_pause_skipped
	s3_oom_killed s3_oom_kill_logged
	nest_limit_logged nest_signals nest_levels_at_smaller_limit nest_no_oom_kill
	once_app once_nest once_sleep)
failures=()
for name in "${expected[@]}"; do
	line=$(grep -m1 "^check $name " "$WORK/results.txt")
	read -r _ _ verdict detail <<<"$line"
	case $verdict in
	ok) pass "guest: $name: $detail" ;;
	fail) failures+=("$name: $detail") ;;
	*) failures+=("$name: not reported by the guest") ;;
	esac
done

# The profile the app wrote in the guest names the leak, read on the host.
heap=$WORK/from-guest/heap
if [ -s "$heap" ]; then
	# The profile's memory map names the guest's /bin/leaky; jeprof matches
	# the main program by path, so point it at the same file on this host
	# (the libraries are at the same paths on both).
	sed -i "s| /bin/leaky\$| $(readlink -f "$LEAKY")|" "$heap"
	top=$(jeprof --text "$LEAKY" "$heap" 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ {print $6; exit}')
	if [ "$top" = leak_request_buffers ]; then
		pass "guest: jeprof names leak_request_buffers first in the guest's heap profile"
	else
		failures+=("heap_profile: jeprof's first entry is '${top:-nothing}', not leak_request_buffers")
	fi
else
	failures+=("heap_profile: the guest sent no heap profile")
fi

info() { awk -v k="$1" '$1 == "info" && $2 == k {$1 = $2 = ""; sub(/^ +/, ""); print; exit}' "$WORK/results.txt"; }
echo "guest: kernel $(info kernel) ($kpkg), boot $(info boot_s) s, scenarios done at $(info scenarios_done_s) s" \
	"(guest uptime); boot + suite $((wall_ms / 1000)).$(printf %03d $((wall_ms % 1000))) s wall"

if [ ${#failures[@]} -gt 0 ]; then
	for f in "${failures[@]}"; do echo "FAIL: $TEST_NAME: $f" >&2; done
	for f in sidecar.log once.out once.err app.log nest.log fast.log; do
		[ -s "$WORK/from-guest/$f" ] || continue
		echo "--- guest $f (last 30 lines)" >&2
		tail -n 30 "$WORK/from-guest/$f" >&2
	done
	exit 1
fi
# The guest's own verdict agrees: isa-debug-exit status 0*2+1.
[ "$qemu_status" -eq 1 ] || { show_console; fail "qemu exited $qemu_status, expected 1 (guest verdict 0)"; }
pass "cgroup v2 scenarios passed in the guest (${wall_ms} ms, longest quiet stretch ${QUIET_MAX} s)"
