#!/usr/bin/env bash
# The test pod and the demo on cgroup v2, the default of a Debian 12 install.
# This host keeps memory on cgroup v1, so they run in a throwaway guest: qemu
# (software emulation), Debian's cloud kernel unpacked from its package
# (never installed) booted with cgroup_no_v1=all, and an initramfs of
# busybox plus this host's bash, util-linux, coreutils' env, perl and
# binutils (for jeprof), jemalloc and the built binaries.
# tests/pod/guest-v2.sh runs inside and reports one line per check on the
# second serial port.
#
# The kernel and busybox packages (apt-get download) are kept in
# OOMSENTRY_GUEST_CACHE (default /var/cache/oomsentry-guest) for reruns.
. "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
# The guest runs as fast as emulation on a shared machine allows: it may
# take as long as it needs while it reports progress (a line on its console
# or its results port at least every GUEST_STALL seconds; the pass line
# gives the longest quiet stretch measured), up to GUEST_TIMEOUT in all.
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1800}
GUEST_STALL=${GUEST_STALL:-240}
for tool in "$QEMU" cpio gzip dpkg-deb apt-get apt-cache ldd perl jeprof objdump; do
	command -v "$tool" >/dev/null || missing_prerequisite "$tool (qemu-system-x86 cpio binutils libjemalloc-dev)"
done
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2"
B=$top_builddir
for f in "$OOMSENTRY" "$B/examples/leaky" "$B/tests/pod/pause" "$MEMHOG"; do
	[ -x "$f" ] || fail "$f not built"
done

. "$top_srcdir/tests/guest/kernel.sh"
guest_packages

# --- the initramfs ---------------------------------------------------------
root=$WORK/root
mkdir -p "$root"/{bin,usr/bin,proc,sys,dev,tmp,run,mnt,etc,lib64} \
	"$root"/{b/src,b/examples,b/tests/pod,b/tests/helpers,src/examples,src/tests/pod} \
	"$root"/usr/lib/x86_64-linux-gnu/perl "$root"/usr/share/perl
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -O ./bin/busybox >"$root/bin/busybox" || fail "no busybox in $bdeb"
chmod 755 "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# GNU and util-linux tools where busybox's lack options pod.sh and the demo
# use (env --default-signal, unshare --kill-child, ...), ahead in PATH.
for tool in bash env find readlink setsid unshare nsenter setpriv mount umount \
	perl jeprof objdump nm addr2line c++filt; do
	install -m 755 "$(command -v "$tool")" "$root/usr/bin/" || fail "cannot copy $tool"
done
install -m 755 "$OOMSENTRY" "$root/b/src/"
install -m 755 "$B/examples/leaky" "$root/b/examples/"
install -m 755 "$B/tests/pod/pause" "$root/b/tests/pod/"
install -m 755 "$MEMHOG" "$root/b/tests/helpers/"
install -m 755 "$top_srcdir/examples/demo.sh" "$root/src/examples/"
install -m 755 "$top_srcdir/tests/pod/pod.sh" "$root/src/tests/pod/"
install -m 755 "$top_srcdir/tests/pod/guest-v2.sh" "$root/test.sh"
install -D -m 755 "$JEMALLOC" "$root$JEMALLOC"
cp -aL /usr/lib/x86_64-linux-gnu/perl-base "$root/usr/lib/x86_64-linux-gnu/"
cp -aL /usr/share/perl/5.* "$root/usr/share/perl/" 2>/dev/null
cp -aL /usr/lib/x86_64-linux-gnu/perl/5.* "$root/usr/lib/x86_64-linux-gnu/perl/" 2>/dev/null
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
# Libraries at the paths ldd names (under /lib for /usr/lib: the guest has
# no merged /usr).
for bin in "$root"/usr/bin/* "$root/b/examples/leaky" "$root/b/tests/helpers/memhog" "$root$JEMALLOC"; do
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		dest=$root$lib
		case $lib in /usr/lib/*) dest=$root${lib#/usr} ;; esac
		[ -e "$dest" ] || install -D -m 755 "$(readlink -f "$lib")" "$dest"
	done
done
cat >"$root/init" <<'EOF'
#!/bin/sh
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
stty -F /dev/ttyS1 raw -echo 2>/dev/null
bash /test.sh >/dev/ttyS1 2>&1
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz" || fail "cannot pack the initramfs"

# --- boot --------------------------------------------------------------------
# In the background, so that an interrupted test stops qemu (timeout passes
# SIGTERM on) before lib.sh's cleanup removes its files.
t0=$(date +%s%N)
timeout "$GUEST_TIMEOUT" "$QEMU" -accel tcg -m 1536 -smp 2 -nodefaults -display none -no-reboot \
	-kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 panic=-1" \
	-serial "file:$WORK/console.log" -serial "file:$WORK/results.raw" >"$WORK/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill -TERM "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; cleanup' EXIT
wait_progress "$qemu_pid" "$GUEST_STALL" "$WORK/console.log" "$WORK/results.raw" 2>/dev/null
qemu_status=$?
t1=$(date +%s%N)
tr -d '\r' <"$WORK/results.raw" >"$WORK/results.log" 2>/dev/null
show() {
	echo "--- guest console (last 20 lines)" >&2
	tr -d '\r' <"$WORK/console.log" | tail -n 20 >&2
	echo "--- guest results" >&2
	cat "$WORK/results.log" >&2
}
[ "$qemu_status" -ne 124 ] || { show; fail "the guest made no progress for $GUEST_STALL s, or ran past $GUEST_TIMEOUT s"; }
grep -qx 'done' "$WORK/results.log" || { show; fail "the guest's report is incomplete (qemu exit $qemu_status)"; }

failed=0
for name in v2_memory no_v1 up add_sidecar add_app cgroup_namespace own_limit read_only uid pid1 \
	hostname signals oom_exit oom_status rm down demo_exit; do
	line=$(grep -m1 "^check $name " "$WORK/results.log")
	case $line in
	"check $name ok"*) pass "v2 guest: $name ${line#"check $name ok "}" ;;
	*) echo "FAIL: $TEST_NAME: $name: ${line:-not reported}" >&2; failed=1 ;;
	esac
done
demo_has() { grep -q "^demo| .*$1" "$WORK/results.log" || { echo "FAIL: $TEST_NAME: the demo's output lacks: $1" >&2; failed=1; }; }
demo_has 'event=start .*caps="cap_kill,cap_sys_ptrace=ep"'
demo_has '>>> SIGUSR1'
demo_has '>>> SIGUSR2'
demo_has '-critical\.heap'
demo_has 'version: v2'
demo_has '-> the top entry, leak_request_buffers,'
if [ "$failed" = 1 ]; then
	grep '^demo| \|^sidecar| ' "$WORK/results.log" | tail -n 60 >&2
	fail "cgroup v2 checks failed"
fi
pass "test pod and demo on cgroup v2 ($kpkg); boot + checks + demo $(((t1 - t0) / 1000000)) ms, longest quiet stretch ${QUIET_MAX} s"
