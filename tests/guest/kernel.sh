# Sourced by the tests that boot a cgroup v2 guest (after tests/e2e/lib.sh):
# fetches Debian's cloud kernel and busybox-static with apt-get download
# (never installed) and leaves the kernel at $WORK/vmlinuz and busybox's
# package at $bdeb.
#
# Downloads are kept in OOMSENTRY_GUEST_CACHE (default
# /var/cache/oomsentry-guest, else a directory of the test's own) for reruns.

cache=${OOMSENTRY_GUEST_CACHE:-/var/cache/oomsentry-guest}
{ mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; } || cache=$WORK/cache
mkdir -p "$cache"

# fetch PACKAGE: prints the path of PACKAGE's .deb, downloading it once. The
# download goes to a private directory first so that a concurrent run never
# sees half a file.
fetch() {
	local deb tmp
	deb=$(find "$cache" -maxdepth 1 -name "$1_*.deb" | sort -V | tail -n1)
	if [ -z "$deb" ]; then
		tmp=$(mktemp -d "$cache/.download.XXXXXX") || return 1
		# apt-get download as root warns that its _apt sandbox cannot
		# write here; the download itself works.
		(cd "$tmp" && apt-get download -q "$1" >"$WORK/apt-$1.log" 2>&1)
		deb=$(find "$tmp" -maxdepth 1 -name "$1_*.deb" | head -n1)
		[ -n "$deb" ] && mv "$deb" "$cache/" && deb=$cache/$(basename "$deb")
		rm -rf "$tmp"
	fi
	[ -n "$deb" ] && [ -f "$deb" ] && echo "$deb"
}

# The cloud kernel the meta-package currently points at (6.1 on Debian 12).
cloud_kernel() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ {print $2; exit}'
}

# guest_packages: sets kpkg, kdeb and bdeb and unpacks the kernel to $WORK/vmlinuz.
guest_packages() {
	local old
	kpkg=$(cloud_kernel)
	# On a machine whose package lists were never fetched (every package
	# already installed, so tests/run.sh did not update them), root can
	# fetch them.
	if [ -z "$kpkg" ] && [ "$(id -u)" -eq 0 ] && ! ls "$cache"/linux-image-*.deb >/dev/null 2>&1; then
		apt-get update -qq >"$WORK/apt-update.log" 2>&1
		kpkg=$(cloud_kernel)
	fi
	if [ -z "$kpkg" ]; then # offline: the newest kernel already in the cache
		kpkg=$(find "$cache" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*.deb' | sort -V | tail -n1)
		kpkg=$(basename "${kpkg%%_*}" 2>/dev/null)
	fi
	[ -n "$kpkg" ] || missing_prerequisite "linux-image-cloud-amd64 unknown to apt (apt-get update)"
	kdeb=$(fetch "$kpkg") ||
		missing_prerequisite "cannot download $kpkg: $(tail -n2 "$WORK/apt-$kpkg.log" 2>/dev/null)"
	# Kernels the meta-package no longer points at are not needed again.
	for old in "$cache"/linux-image-*.deb; do
		[ "$old" = "$kdeb" ] || rm -f "$old"
	done
	bdeb=$(fetch busybox-static) ||
		missing_prerequisite "cannot download busybox-static: $(tail -n2 "$WORK/apt-busybox-static.log" 2>/dev/null)"
	dpkg-deb --fsys-tarfile "$kdeb" | tar -x -O --wildcards './boot/vmlinuz-*' >"$WORK/vmlinuz" ||
		fail "no kernel in $kdeb"
	[ -s "$WORK/vmlinuz" ] || fail "no kernel in $kdeb"
}
