#!/usr/bin/env bash
# Runs every test of oomsentry: the Check unit tests, the same unit tests built
# with ASan+UBSan, the end-to-end tests against real processes, cgroups and
# namespaces, the fuzz harnesses for 10 s each, and make distcheck. The
# static programs are built on musl (the default) and on glibc (the fallback).
# Meant for root on Debian 12; installs what it needs with apt-get.
#
#   ./tests/run.sh            everything
#   KEEP_BUILD=1 ./tests/run.sh   reuse the build directories of an earlier run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

packages=(
	build-essential autoconf automake libtool pkg-config
	libcap-dev libinih-dev check
	libjemalloc-dev libjemalloc2
	libgoogle-perftools-dev google-perftools
	util-linux binutils procps
	qemu-system-x86 cpio
	podman runc catatonit
	man-db groff-base
	nodejs
	clang libclang-rt-14-dev
	python3
	openjdk-17-jdk-headless golang-go nginx-light
	curl xz-utils gpgv debian-archive-keyring musl-tools
	libcurl4-openssl-dev zlib1g-dev libssl-dev s3cmd ca-certificates
	prometheus librsvg2-bin libxml2-utils
)
# npm comes with NodeSource's nodejs, and conflicts with Debian's npm there;
# Debian's own nodejs comes without it.
command -v npm >/dev/null || packages+=(npm)

install_packages() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: missing packages ${missing[*]} and not root to install them" >&2
		exit 1
	fi
	echo "run.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Sums the "# PASS:" and failure lines of the test-suite.log files given.
count() {
	awk -v key="$1" '$1 == "#" && $2 == key":" { n += $3 } END { print n + 0 }' "${@:2}"
}

install_packages
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

jobs=$(nproc)
logs=()
status=0

run_build() {
	local dir=$1
	shift
	local tests=${TESTS_OVERRIDE:-}
	mkdir -p "$dir"
	(
		cd "$dir"
		[ -f Makefile ] && [ -n "${KEEP_BUILD:-}" ] || "$top/configure" -q --enable-werror "$@"
		make -s -j"$jobs"
		if [ -n "$tests" ]; then
			make -s -j"$jobs" check TESTS="$tests"
		else
			make -s check
		fi
	) || status=1
	if [ -f "$dir/test-suite.log" ]; then
		logs+=("$dir/test-suite.log")
		# Show what failed, in full, where CI shows it.
		grep -q '^# FAIL: *[1-9]\|^# ERROR: *[1-9]' "$dir/test-suite.log" && cat "$dir/test-suite.log"
	fi
	return 0
}

echo "== the static programs on glibc, the fallback of the musl default"
# tests/e2e/static.sh checks these beside the main build's (musl) ones.
if (
	mkdir -p _build/glibc && cd _build/glibc &&
	{ { [ -f Makefile ] && [ -n "${KEEP_BUILD:-}" ]; } ||
		"$top/configure" -q --enable-werror --with-static-libc=glibc; } &&
	make -s -j"$jobs" src/oomsentry tools/oomsentry-copy
); then
	export STATIC_FALLBACK_BUILD=$top/_build/glibc
else
	echo "run.sh: the glibc build of the static programs failed" >&2
	status=1
fi

echo "== build and every test (static binary)"
run_build _build/main

echo "== unit tests under ASan+UBSan"
# make expands $(UNIT_TESTS) itself: every unit test, wherever it is added.
TESTS_OVERRIDE='$(UNIT_TESTS)' run_build _build/asan --disable-static-binary --enable-sanitizers

echo "== fuzz harnesses (libFuzzer, ASan+UBSan), 10 s each over the seed corpus"
fuzz_passed=0 fuzz_failed=1
if (
	mkdir -p _build/fuzz && cd _build/fuzz &&
	{ { [ -f Makefile ] && [ -n "${KEEP_BUILD:-}" ]; } || "$top/configure" -q --enable-werror; } &&
	make -s -j"$jobs" fuzz
); then
	tests/fuzz/run.sh --build _build/fuzz 10 | tee _build/fuzz/fuzz.log || status=1
	read -r fuzz_passed fuzz_failed < <(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' _build/fuzz/fuzz.log) || true
	fuzz_passed=${fuzz_passed:-0} fuzz_failed=${fuzz_failed:-1}
else
	status=1
fi

echo "== make distcheck (the tarball builds, passes every test, installs, uninstalls)"
t0=$(date +%s)
if (cd _build/main && make -s -j"$jobs" distcheck >distcheck.log 2>&1); then
	echo "   passed in $(($(date +%s) - t0)) s"
	distcheck=1
else
	tail -n 80 _build/main/distcheck.log
	# make distcheck leaves its tree behind on failure: show the failed
	# tests' own logs, which say why.
	for f in _build/main/oomsentry-*/_build/sub/test-suite.log; do
		[ -f "$f" ] && cat "$f"
	done
	distcheck=0
	status=1
fi

# Wall time per group of tests, from the last line of each test's log.
echo "== wall time per group (s)"
for dir in _build/main; do
	find "$dir/tests" -name '*.log' -newer "$dir/Makefile" 2>/dev/null | while read -r log; do
		ms=$(sed -n 's/^wall time: \([0-9]*\) ms$/\1/p' "$log" | tail -n 1)
		[ -n "$ms" ] || continue
		name=$(basename "$log" .log)
		case $name in
		check_*) group=unit ;;
		pod_*) group=pod ;;
		guest_*) group=guest-v2 ;;
		ship_*) group=shipping ;;
		handler_*) group=handler ;;
		pod_scenarios) group=podman ;;
		*) group=sidecar-e2e ;;
		esac
		[ "$(basename "$(dirname "$log")")" = podman ] && group=podman
		echo "$group $ms $name"
	done
done | sort | awk '{ t[$1] += $2; n[$1]++; l[$1] = l[$1] sprintf(" %s=%.1f", $3, $2 / 1000) }
	END { for (g in t) printf "  %-12s %6.1f s  (%d tests:%s)\n", g, t[g] / 1000, n[g], l[g] }'

passed=$(count PASS "${logs[@]}")
failed=$(( $(count FAIL "${logs[@]}") + $(count ERROR "${logs[@]}") + $(count XPASS "${logs[@]}") ))
skipped=$(count SKIP "${logs[@]}")
# distcheck counts as one test of its own.
passed=$((passed + distcheck))
failed=$((failed + 1 - distcheck))
# Each fuzz harness counts as one test.
passed=$((passed + fuzz_passed))
failed=$((failed + fuzz_failed))
[ "$failed" -gt 0 ] && status=1
[ "${#logs[@]}" -lt 2 ] && status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
