#!/usr/bin/env bash
# demo.sh: oomsentry from start to finish, in under a minute.
#
# As root on Debian 12: installs what it needs with apt-get, builds the
# project in _build/demo, then starts a pod (tests/pod/pod.sh: a shared PID
# namespace whose PID 1 is pause, each container in its own memory cgroup
# and mount namespace) holding
#   - app:       examples/leaky, leaking in leak_request_buffers(), limit
#                128 MiB, linked with liboomsentry, under jemalloc with heap
#                profiling, dumping into a shared volume (an emptyDir);
#   - oomsentry: the sidecar, WARNING=60 CRITICAL=85;
# and shows the sidecar's start-up line, the memory climbing, SIGUSR1,
# SIGUSR2, the dump files and the top of `jeprof --text` naming the leaking
# function. Everything is torn down on exit, also on Ctrl-C.
#
#   examples/demo.sh [--build DIR] [--rate MIB_PER_S]
#
# --build DIR  use the build in DIR as it is (no package installation, no
#              build): for tests, which run it from their own build.
# --rate N     how fast the app leaks (default 10 MiB/s).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=
rate=10
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "${2:?--build needs a directory}" && pwd) || exit 2; shift 2 ;;
	--rate) rate=${2:?--rate needs a number}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
if ! [[ $rate =~ ^[1-9][0-9]*$ ]]; then
	echo "demo.sh: --rate wants a whole number of MiB/s" >&2
	exit 2
fi

limit_mib=128
t0=$(date +%s)
bold=
plain=
if [ -t 1 ]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '   %s\n' "$*"; }
elapsed() { echo $(($(date +%s) - t0)); }
die() {
	echo "demo.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run me as root: the pod needs namespaces and cgroups"
# The pod takes its containers' memory cgroups from cgroup v1 (hybrid
# hosts) or from cgroup v2 (unified hosts, Debian 12's default).
if [ -w /sys/fs/cgroup/memory/cgroup.procs ]; then
	cg_root=/sys/fs/cgroup/memory cg_view=/sys/fs/cgroup/memory
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	cg_root=/sys/fs/cgroup cg_view=/sys/fs/cgroup
else
	die "no memory cgroup controller (neither v1 at /sys/fs/cgroup/memory nor v2 at /sys/fs/cgroup)"
fi

echo "${bold}oomsentry demo${plain}: a leaking app, the oomsentry sidecar and liboomsentry in one pod"

# --- 1. packages -------------------------------------------------------------
packages=(build-essential autoconf automake libtool pkg-config libcap-dev libinih-dev check
	libjemalloc2 libjemalloc-dev util-linux mount libcurl4-openssl-dev zlib1g-dev libssl-dev musl-tools)
if [ -z "$build" ]; then
	step "1. Packages"
	missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "all installed: ${packages[*]}"
	else
		say "installing with apt-get: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq || die "apt-get update failed"
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed"
	fi

	# --- 2. build --------------------------------------------------------
	step "2. Build (autoreconf, configure, make) in _build/demo"
	build=$top/_build/demo
	b0=$(date +%s)
	(
		cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi; } &&
			mkdir -p "$build" && cd "$build" &&
			{ [ -f Makefile ] || "$top/configure" -q; } &&
			make -s -j"$(nproc)" >/dev/null
	) || die "the build failed"
	say "built in $(($(date +%s) - b0)) s: src/oomsentry (static, $(sed -n 's/^STATIC_LIBC = //p' "$build/Makefile")), examples/leaky, tests/pod/pause"
else
	step "1-2. Packages and build: using the build in $build"
fi
sidecar=$build/src/oomsentry
leaky=$build/examples/leaky
export POD_PAUSE=$build/tests/pod/pause
pod_sh=$top/tests/pod/pod.sh
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
for f in "$sidecar" "$leaky" "$POD_PAUSE" "$jemalloc"; do
	[ -e "$f" ] || die "$f is missing"
done
command -v jeprof >/dev/null || die "jeprof is missing (libjemalloc-dev)"

# --- 3. the pod --------------------------------------------------------------
pod=demo-$$
work=$(mktemp -d /tmp/oomsentry-demo.XXXXXX)
dumps=$work/dumps
mkdir "$dumps"
cleanup() {
	trap - EXIT INT TERM
	printf '\n%s== Tearing the pod down%s\n' "$bold" "$plain"
	"$pod_sh" down "$pod" >/dev/null 2>&1
	rm -rf "$work"
	if [ -d "$cg_root/oomsentry-pod-$pod" ]; then
		say "cgroup $cg_root/oomsentry-pod-$pod is still there"
	else
		say "pod $pod, its processes and cgroups are gone; total $(elapsed) s"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "3. Starting pod \"$pod\" (shareProcessNamespace: true)"
"$pod_sh" up "$pod" --owner $$ >/dev/null || die "pod.sh up failed"
say "PID 1: pause ($POD_PAUSE)"
"$pod_sh" add "$pod" oomsentry --caps kill,sys_ptrace --log "$work/sidecar.log" -- \
	env WARNING=60 CRITICAL=85 INTERVAL=100ms "$sidecar" >/dev/null || die "cannot start the sidecar"
say "container oomsentry: the sidecar, WARNING=60 CRITICAL=85 (percent of each container's limit)"
"$pod_sh" add "$pod" app --limit ${limit_mib}Mi --volume "$dumps:dumps" --log "$work/app.log" -- \
	env LD_PRELOAD="$jemalloc" MALLOC_CONF=prof:true,lg_prof_sample:19 OOMSENTRY_DUMP_DIR=/mnt/dumps \
	"$leaky" --rate "$rate" --max $((limit_mib * 7 / 8)) >/dev/null || die "cannot start the app"
app_pid=$("$pod_sh" pid "$pod" app --in-pod)
say "container app: examples/leaky (pid $app_pid in the pod), limit $limit_mib MiB, leaking $rate MiB/s"
say "  with liboomsentry (SIGUSR1: give memory back; SIGUSR2: heap dump), jemalloc profiling on,"
say "  dumps to /mnt/dumps, a volume shared with the host at $dumps"

wait_line() { # wait_line FILE SECONDS PATTERN...: the first line holding every pattern
	local f=$1 n=$(($2 * 10)) line pat ok
	shift 2
	while :; do
		if [ -f "$f" ]; then
			while IFS= read -r line; do
				ok=1
				for pat in "$@"; do [[ $line == *"$pat"* ]] || { ok=0; break; }; done
				[ $ok = 1 ] && { printf '%s\n' "$line"; return 0; }
			done <"$f"
		fi
		((n-- > 0)) || return 1
		sleep 0.1
	done
}
field() { grep -o " $1=[^ ]*" <<<"$2" | sed -n "1{s/^[^=]*=//;p}"; }

step "4. The sidecar's start-up line"
start=$(wait_line "$work/sidecar.log" 10 event=start) || die "the sidecar did not start: $(cat "$work/sidecar.log")"
say "$start"
say "-> it runs as uid $(field uid "$start") and kept only the capabilities $(field caps "$start")"

step "5. The app's memory climbs (working set = usage - inactive_file, as the sidecar measures it)"
mib() { echo $(($1 >> 20)); }
# The app's working set, read straight from its cgroup as the host sees it:
# a few file reads, so the readings keep their one-second pace on a busy
# machine (pod.sh status looks at every container).
app_cg=$cg_root/oomsentry-pod-$pod/app
app_ws() {
	local usage inact
	if [ "$cg_root" = /sys/fs/cgroup ]; then
		usage=$(cat "$app_cg/memory.current" 2>/dev/null)
		inact=$(awk '$1 == "inactive_file" {print $2}' "$app_cg/memory.stat" 2>/dev/null)
	else
		usage=$(cat "$app_cg/memory.usage_in_bytes" 2>/dev/null)
		inact=$(awk '$1 == "total_inactive_file" {print $2}' "$app_cg/memory.stat" 2>/dev/null)
	fi
	usage=${usage:-0} inact=${inact:-0}
	echo $((usage > inact ? usage - inact : 0))
}
now_ds() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 100000)); } # tenths of a second
shown1='' shown2=''
app_t0=$(now_ds)
next=$app_t0
while :; do
	now=$(now_ds)
	if [ "$now" -ge "$next" ]; then
		next=$((next + 10))
		ws=$(app_ws)
		printf '   t=%2ds  working set %3d MiB of %d MiB (%2d%%)\n' "$(((now - app_t0) / 10))" "$(mib "$ws")" \
			"$limit_mib" $((ws * 100 / (limit_mib << 20)))
	fi
	if [ -z "$shown1" ] && l=$(wait_line "$work/sidecar.log" 0 event=signal_sent signal=SIGUSR1); then
		shown1=1
		say ">>> SIGUSR1: the working set passed WARNING (60%); the sidecar says:"
		say "    $l"
		a=$(wait_line "$work/app.log" 5 'leaky: received warning') && say "    the app says: $a"
		a=$(wait_line "$work/app.log" 5 event=oomsentry_signal memory_level=warning) &&
			say "    liboomsentry: actions=$(field actions "$a") (memory given back to the kernel)"
	fi
	if [ -z "$shown2" ] && l=$(wait_line "$work/sidecar.log" 0 event=signal_sent signal=SIGUSR2); then
		shown2=1
		say ">>> SIGUSR2: the working set passed CRITICAL (85%); the sidecar says:"
		say "    $l"
		a=$(wait_line "$work/app.log" 5 'leaky: received critical') && say "    the app says: $a"
		a=$(wait_line "$work/app.log" 10 event=oomsentry_dump) ||
			die "no heap dump: $(tail -n 5 "$work/app.log")"
		say "    liboomsentry wrote a heap dump in $(field duration_ms "$a") ms: $(field base "$a")"
		break
	fi
	[ $((now - app_t0)) -lt 600 ] || die "no SIGUSR2 within 60 s; the sidecar logged: $(tail -n 15 "$work/sidecar.log")"
	sleep 0.1
done

step "6. The dump files, in the shared volume (as the host sees it)"
txt=$(find "$dumps" -maxdepth 1 -name '*-critical.txt' -print -quit)
[ -n "$txt" ] || die "no dump in $dumps"
heap=${txt%.txt}.heap
(cd "$dumps" && ls -l) | sed 's/^/   /'
say "named <hostname = pod name>-<pid in the pod>-<time>-<level>: .heap is jemalloc's heap"
say "profile, .txt a summary written by liboomsentry; its cgroup section, read by the app"
say "through its own read-only $cg_view:"
sed -n '/^## cgroup/,/^oom_kills/p' "$txt" | sed 's/^/     /'

step "7. jeprof --text examples/leaky $(basename "$heap")"
report=$(jeprof --text "$leaky" "$heap" 2>/dev/null) || die "jeprof cannot read $heap"
head -n 6 <<<"$report" | sed 's/^/   /'
top_fn=$(awk '$1 ~ /^[0-9.]+$/ {print $6; exit}' <<<"$report")
say "-> the top entry, $top_fn, is the function that leaks (examples/leaky.c)"
[ "$top_fn" = leak_request_buffers ] || die "jeprof's top entry is $top_fn, not leak_request_buffers"
state=$("$pod_sh" status "$pod" | grep '^container=app ')
say "the app was warned twice and keeps running: container $(field state " $state"), OOM kills $(field oom_kills " $state")"
printf '\n%sDone%s in %d s: start-up line, memory climbing, SIGUSR1, SIGUSR2, dump, jeprof.\n' \
	"$bold" "$plain" "$(elapsed)"
