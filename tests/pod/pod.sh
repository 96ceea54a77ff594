#!/usr/bin/env bash
# pod.sh: a Kubernetes pod with shareProcessNamespace: true, built from kernel
# primitives on one machine, for tests and benchmarks.
#
#   pod.sh up     POD [--limit SIZE] [--owner PID] [--pause PATH]
#   pod.sh add    POD CONTAINER [--limit SIZE] [--uid UID] [--caps LIST]
#                 [--volume HOSTDIR:NAME]... [--private-tmp] [--log FILE]
#                 -- COMMAND [ARG...]
#   pod.sh exec   POD CONTAINER [--uid UID] -- COMMAND [ARG...]
#   pod.sh rm     POD CONTAINER
#   pod.sh wait   POD CONTAINER [TIMEOUT_SECONDS]
#   pod.sh pid    POD CONTAINER [--in-pod]
#   pod.sh status POD
#   pod.sh down   POD
#
# What it builds (see tests/pod/README.md for the why), with MEM the memory
# hierarchy: /sys/fs/cgroup/memory (cgroup v1, hybrid hosts) or, where there
# is none, /sys/fs/cgroup (cgroup v2):
# - the pod: a PID namespace and a UTS namespace (hostname = POD) whose PID 1
#   is tests/pod/pause, in the memory cgroup MEM/oomsentry-pod-POD/pause;
#   --limit sets a pod-level limit on oomsentry-pod-POD, as kubelet does
#   when every container has one;
# - a container: a process in its own memory cgroup
#   MEM/oomsentry-pod-POD/CONTAINER (limit from --limit, none by default)
#   from before it enters the pod's PID and UTS namespaces and a private
#   mount namespace; it mounts /proc for the pod and shows its own cgroup
#   read-only as runc does (v1: its directory bind-mounted over
#   /sys/fs/cgroup/memory; v2: a cgroup namespace and cgroup2 at
#   /sys/fs/cgroup), mounts a private tmpfs on /mnt with each --volume
#   HOSTDIR at /mnt/NAME (an emptyDir shared by the containers that mount
#   it), with --private-tmp a tmpfs of its own on /tmp (as an image's /tmp
#   is the container's own; the host's /tmp is then out of its sight, so
#   its command must live elsewhere, e.g. in a volume), then drops to --uid and to the --caps capabilities and execs
#   COMMAND. Everything else of the file system is the host's.
#
# Teardown: `down` kills the pod (PID 1 first, which takes every process of
# the namespace with it), removes its cgroups and its state directory. With
# --owner PID, a keeper process does the same as soon as PID exits, so a test
# that fails, is interrupted or is killed leaves nothing behind.
#
# State lives in $POD_STATE_ROOT/POD (default /run/oomsentry-pod). The pause
# binary is --pause, else $POD_PAUSE, else pause next to this script.
# Exit codes: 0 success, 1 failure, 2 usage error; `exec` returns COMMAND's
# status and `wait` prints the container's exit status (137 = SIGKILL, the
# OOM killer's signal).
set -u

POD_STATE_ROOT=${POD_STATE_ROOT:-/run/oomsentry-pod}
CG_PREFIX=oomsentry-pod-

# The memory controller: on cgroup v1 (or hybrid) hosts, the v1 memory
# hierarchy; on unified hosts, cgroup v2. Containers see theirs the way runc
# shows it: v1, the cgroup directory bind-mounted read-only over
# /sys/fs/cgroup/memory; v2, a cgroup namespace rooted at the container's
# cgroup and cgroup2 mounted read-only at /sys/fs/cgroup.
if [ -w /sys/fs/cgroup/memory/cgroup.procs ]; then
	CGV=1 CG_ROOT=/sys/fs/cgroup/memory LIMIT_FILE=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	CGV=2 CG_ROOT=/sys/fs/cgroup LIMIT_FILE=memory.max
else
	CGV=0 CG_ROOT=/sys/fs/cgroup/memory LIMIT_FILE=memory.limit_in_bytes
fi
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

die() {
	echo "pod.sh: $*" >&2
	exit 1
}
usage() {
	echo "pod.sh: $*" >&2
	echo "usage: pod.sh up|add|exec|rm|wait|pid|status|down POD ... (see the head of $SELF)" >&2
	exit 2
}

# to_bytes SIZE: 134217728, 128Mi, 1Gi, 512Ki, 100M (Kubernetes' suffixes).
to_bytes() {
	local n unit
	[[ $1 =~ ^([0-9]+)([KMGT]i?|k)?$ ]] || return 1
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]:-}
	case $unit in
	'') echo "$n" ;;
	Ki) echo $((n << 10)) ;;
	Mi) echo $((n << 20)) ;;
	Gi) echo $((n << 30)) ;;
	Ti) echo $((n << 40)) ;;
	k | K) echo $((n * 1000)) ;;
	M) echo $((n * 1000000)) ;;
	G) echo $((n * 1000000000)) ;;
	T) echo $((n * 1000000000000)) ;;
	esac
}

valid_name() { [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]]; }

# Process start time (field 22 of /proc/PID/stat): a pid plus its start time
# names one process, even if the pid is reused later.
starttime() {
	local stat= f
	# read, not $(cat): no fork. pod.sh runs forks by the dozen on machines
	# loaded by the tests, where each costs milliseconds. To the end of the
	# file (-d ''): a command name may hold a newline.
	{ read -r -d '' stat <"/proc/$1/stat"; } 2>/dev/null
	[ -n "$stat" ] || return 1
	stat=${stat##*) }
	read -ra f <<<"$stat"
	echo "${f[19]}"
}
# same_process PID STARTTIME: that process still runs (a zombie does not
# count: whoever reaps orphans here may take its time).
same_process() {
	[ -n "$1" ] && [ "$(starttime "$1")" = "$2" ] && running "$1"
}
running() {
	local stat=
	{ read -r -d '' stat <"/proc/$1/stat"; } 2>/dev/null
	[ -n "$stat" ] || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

pod_dir() { echo "$POD_STATE_ROOT/$1"; }

# nap SECONDS: sleep(1) without a fork: a read that times out on a pipe
# nobody writes to (opened on first use). Where that pipe cannot be had (no
# /dev/fd for <(...)), sleep(1): a nap must never return at once, or every
# wait built on it ends early.
NAP_FD=
nap() {
	[ -n "$NAP_FD" ] || { exec {NAP_FD}<> <(:); } 2>/dev/null || NAP_FD=-
	if [ "$NAP_FD" = - ]; then
		sleep "$1"
	else
		read -r -t "$1" -u "$NAP_FD" _ || :
	fi
}

# Shell code for the start-up of PID 1 and of each container: `step CMD...`
# runs a set-up command, tries it again if it fails (a transient EBUSY from
# mount was seen once while other mount namespaces were being set up on the
# machine), and exits 126 with a message if it keeps failing.
# shellcheck disable=SC2016
STEP_FN='
step() {
	local i
	for ((i = 0; i < 10; i++)); do "$@" 2>/dev/null && return 0; sleep 0.05; done
	"$@" || { echo "pod set-up failed: $*" >&2; exit 126; }
}
# own_view CGV CGROUP: a fresh /proc, and the cgroup shown read-only where the
# process looks for its own, as runc shows it (v1: bind mount; v2: cgroup2
# mounted inside the cgroup namespace).
own_view() {
	step mount -t proc proc /proc
	if [ "$1" = 1 ]; then
		step mount --bind "$2" /sys/fs/cgroup/memory
		step mount -o remount,bind,ro /sys/fs/cgroup/memory
	else
		step umount -l /sys/fs/cgroup
		step mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
	fi
}'

# set_limit CGROUP BYTES. On v2, also no swap, as kubelet sets it by
# default: otherwise an over-limit app swaps instead of being OOM-killed.
set_limit() {
	echo "$2" >"$1/$LIMIT_FILE" || return 1
	if [ "$CGV" = 2 ] && [ -f "$1/memory.swap.max" ]; then echo 0 >"$1/memory.swap.max" || return 1; fi
	return 0
}
pod_cg() { echo "$CG_ROOT/$CG_PREFIX$1"; }

load_pod() {
	valid_name "$1" || usage "bad pod name \"$1\" (lowercase letters, digits, dashes)"
	P=$POD_STATE_ROOT/$1
	[ -f "$P/pause.hostpid" ] || die "no pod \"$1\" (no $P/pause.hostpid)"
	read -r PAUSE_HOSTPID <"$P/pause.hostpid"
	PODCG=$CG_ROOT/$CG_PREFIX$1
}

load_container() {
	valid_name "$2" || usage "bad container name \"$2\""
	load_pod "$1"
	C=$P/containers/$2
	[ -d "$C" ] || die "no container \"$2\" in pod \"$1\""
	CCG=$PODCG/$2
}

# home_cgroup: this process's own memory cgroup directory.
home_cgroup() {
	local id ctl path
	while IFS=: read -r id ctl path; do
		if { [ "$CGV" = 1 ] && [ "$ctl" = memory ]; } || { [ "$CGV" = 2 ] && [ "$id" = 0 ]; }; then
			echo "$CG_ROOT$path"
			return 0
		fi
	done </proc/$BASHPID/cgroup
	echo "$CG_ROOT"
}

# kill_cgroup DIR: SIGKILL every process in the cgroup and its children until
# they are empty (processes may fork meanwhile), then remove them, deepest
# first. Only ever called on the pod's own cgroups.
kill_cgroup() {
	local dir=$1 p i sub
	[ -d "$dir" ] || return 0
	local any subs
	for ((i = 0; i < 200; i++)); do
		any=''
		subs=$(find "$dir" -type d)
		while IFS= read -r sub; do
			while read -r p; do
				any=1
				kill -KILL "$p" 2>/dev/null
			done <"$sub/cgroup.procs"
		done <<<"$subs"
		[ -z "$any" ] && break
		nap 0.05
	done
	find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$dir" ] || echo "pod.sh: cannot remove cgroup $dir" >&2
}

# teardown POD: idempotent; used by `down` and by the keeper.
teardown() {
	local P pid st c
	P=$(pod_dir "$1")
	# The unshare process is PID 1's parent; with --kill-child its death
	# SIGKILLs PID 1, and the death of PID 1 SIGKILLs the whole namespace.
	if [ -f "$P/unshare.pid" ]; then
		read -r pid st <"$P/unshare.pid"
		same_process "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
	fi
	if [ -f "$P/pause.hostpid" ]; then
		read -r pid <"$P/pause.hostpid"
		st=''
		[ -f "$P/pause.start" ] && read -r st <"$P/pause.start"
		same_process "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
	fi
	# The host-side wrappers (nsenter and the shell recording the exit
	# status) end when their container does; stop them anyway.
	for c in "$P"/containers/*/; do
		[ -f "$c/wrapper.pid" ] || continue
		read -r pid st <"$c/wrapper.pid"
		same_process "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
	done
	kill_cgroup "$(pod_cg "$1")"
	rm -rf "$P"
}

# ---------------------------------------------------------------------------
cmd_up() {
	[ $# -ge 1 ] || usage "up needs a pod name"
	local name=$1 limit='' owner='' pause=${POD_PAUSE:-$(dirname "$SELF")/pause}
	shift
	valid_name "$name" || usage "bad pod name \"$name\" (lowercase letters, digits, dashes)"
	while [ $# -gt 0 ]; do
		case $1 in
		--limit) limit=$(to_bytes "${2:-}") || usage "bad --limit \"${2:-}\"" ; shift 2 ;;
		--owner) [[ ${2:-} =~ ^[0-9]+$ ]] || usage "bad --owner \"${2:-}\""; owner=$2; shift 2 ;;
		--pause) pause=${2:-}; shift 2 ;;
		*) usage "unknown option \"$1\" for up" ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "needs root"
	if [ "$CGV" = 0 ] || [ ! -w "$CG_ROOT/cgroup.procs" ]; then
		die "no memory controller: neither a writable cgroup v1 memory hierarchy nor cgroup v2 with memory"
	fi
	[ -x "$pause" ] || die "pause program $pause not found (build it: make tests/pod/pause)"
	local cmd
	for cmd in unshare nsenter setpriv mount; do
		command -v "$cmd" >/dev/null || die "$cmd not found (util-linux, mount)"
	done
	[ -d /mnt ] || die "/mnt missing: containers mount their volumes under it"
	local P cg
	P=$(pod_dir "$name")
	cg=$(pod_cg "$name")
	mkdir -p "$POD_STATE_ROOT" || die "cannot create $POD_STATE_ROOT"
	mkdir "$P" 2>/dev/null || die "pod \"$name\" exists ($P); run: $SELF down $name"
	mkdir "$P/containers"
	# v2: the memory controller must be enabled for the pod's children.
	if [ "$CGV" = 2 ] && ! grep -qw memory "$CG_ROOT/cgroup.subtree_control"; then
		echo +memory >"$CG_ROOT/cgroup.subtree_control" || { rm -rf "$P"; die "cannot enable the memory controller"; }
	fi
	if ! mkdir "$cg" || { [ "$CGV" = 2 ] && ! echo +memory >"$cg/cgroup.subtree_control"; } || ! mkdir "$cg/pause"; then
		rmdir "$cg" 2>/dev/null
		rm -rf "$P"
		die "cannot create cgroup $cg"
	fi
	if [ -n "$limit" ] && ! set_limit "$cg" "$limit"; then
		teardown "$name"
		die "cannot set the pod limit $limit on $cg"
	fi
	echo "${owner:-}" >"$P/owner"
	[ -n "$owner" ] && starttime "$owner" >"$P/owner.start"
	# The keeper starts the pod and outlives this command; all its fds go to
	# its log, so no caller waits on a pipe it holds.
	setsid bash "$SELF" __keeper "$name" "$pause" </dev/null >"$P/keeper.log" 2>&1 &
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$P/pause.start" ] && break
		[ -d "$P" ] || break
		sleep 0.05
	done
	if [ ! -s "$P/pause.start" ]; then
		cat "$P/keeper.log" >&2 2>/dev/null
		teardown "$name"
		die "pod \"$name\" did not start"
	fi
	echo "pod=$name pause_pid=$(cat "$P/pause.hostpid") cgroup=$cg"
}

# The keeper: parent of `unshare`, which is the parent of PID 1. It tears the
# pod down when it gets SIGTERM/SIGINT/SIGHUP (from `down`), when the pod's
# PID 1 ends, or when the --owner process is gone.
cmd___keeper() {
	local name=$1 pause=$2 P cg owner owner_start=
	P=$(pod_dir "$name")
	cg=$(pod_cg "$name")
	owner=$(cat "$P/owner")
	[ -n "$owner" ] && owner_start=$(cat "$P/owner.start")
	trap 'teardown "$name"; exit 0' TERM INT HUP
	# PID 1's start-up, in the new namespaces and already in the pause
	# cgroup: record the host pid (NSpid, read before /proc is replaced),
	# name the host, mount the pod's /proc and the read-only cgroup view,
	# become pause.
	# shellcheck disable=SC2016
	local init=$STEP_FN'
		cgv=$1 cg=$2 state=$3 name=$4 pause=$5
		while read -r k v _; do [ "$k" = NSpid: ] && echo "$v" >"$state/pause.hostpid"; done </proc/self/status
		echo "$name" >/proc/sys/kernel/hostname || exit 1
		own_view "$cgv" "$cg"
		exec "$pause"'
	# unshare joins the pause cgroup first, so that PID 1 starts in it (and,
	# on v2, the cgroup namespace is rooted there); once PID 1 runs,
	# unshare itself goes back to the keeper's cgroup.
	local home nsflags=(--pid --uts --mount)
	home=$(home_cgroup)
	[ "$CGV" = 2 ] && nsflags+=(--cgroup)
	# shellcheck disable=SC2016
	bash -c 'echo $BASHPID >"$1/cgroup.procs" || exit 1; shift; exec "$@"' join "$cg/pause" \
		unshare "${nsflags[@]}" --propagation private --fork --kill-child -- \
		bash -c "$init" pause "$CGV" "$cg/pause" "$P" "$name" "$pause" &
	local unshare_pid=$!
	echo "$unshare_pid $(starttime "$unshare_pid")" >"$P/unshare.pid"
	# PID 1 is ready once it runs pause (its exe changes from bash).
	local i hp=
	for ((i = 0; i < 200; i++)); do
		[ -s "$P/pause.hostpid" ] && hp=$(cat "$P/pause.hostpid")
		if [ -n "$hp" ] && [ "$(readlink "/proc/$hp/exe" 2>/dev/null)" = "$(readlink -f "$pause")" ]; then
			starttime "$hp" >"$P/pause.start"
			break
		fi
		running "$unshare_pid" || break
		sleep 0.05
	done
	[ -s "$P/pause.start" ] || { echo "keeper: PID 1 did not start"; teardown "$name"; exit 1; }
	echo "$unshare_pid" >"$home/cgroup.procs"
	while running "$unshare_pid"; do
		if [ -n "$owner" ] && ! same_process "$owner" "$owner_start"; then
			echo "keeper: owner $owner is gone; tearing the pod down"
			break
		fi
		# Sleep in the background so a signal's trap runs at once.
		sleep 0.2 &
		wait $!
	done
	teardown "$name"
}

cmd_add() {
	[ $# -ge 2 ] || usage "add needs a pod and a container name"
	local pod=$1 name=$2
	shift 2
	local limit='' uid='' caps='' log='' vols=() ptmp=0
	while [ $# -gt 0 ]; do
		case $1 in
		--limit) limit=$(to_bytes "${2:-}") || usage "bad --limit \"${2:-}\""; shift 2 ;;
		--uid) [[ ${2:-} =~ ^[0-9]+$ ]] || usage "bad --uid \"${2:-}\""; uid=$2; shift 2 ;;
		--caps) [[ ${2:-} =~ ^(none|[a-z_]+(,[a-z_]+)*)$ ]] || usage "bad --caps \"${2:-}\""; caps=$2; shift 2 ;;
		--volume)
			[[ ${2:-} =~ ^(/.+):([A-Za-z0-9._-]+)$ ]] || usage "bad --volume \"${2:-}\" (want /HOST/DIR:NAME)"
			[ -d "${BASH_REMATCH[1]}" ] || die "volume source ${BASH_REMATCH[1]} is not a directory"
			vols+=("$2")
			shift 2
			;;
		--log) log=${2:-}; shift 2 ;;
		--private-tmp) ptmp=1; shift ;;
		--) shift; break ;;
		*) usage "unknown option \"$1\" for add" ;;
		esac
	done
	[ $# -ge 1 ] || usage "add needs -- COMMAND"
	valid_name "$name" || usage "bad container name \"$name\""
	[ "$name" != pause ] || usage "\"pause\" is the pod's own container"
	load_pod "$pod"
	local C=$P/containers/$name ccg=$PODCG/$name
	mkdir "$C" 2>/dev/null || die "container \"$name\" exists in pod \"$pod\" (rm it first)"
	mkdir "$ccg" || { rm -rf "$C"; die "cannot create cgroup $ccg"; }
	if [ -n "$limit" ] && ! set_limit "$ccg" "$limit"; then
		rmdir "$ccg"
		rm -rf "$C"
		die "cannot set limit $limit on $ccg"
	fi
	log=${log:-$C/log}
	echo "${uid:-0}" >"$C/uid"
	echo "${limit:-max}" >"$C/limit"
	printf '%q ' "$@" >"$C/command"

	# Privileges, the way a container runtime applies a securityContext:
	# root with --caps keeps only those capabilities (bounding set); another
	# uid gets them as ambient capabilities (which survive exec and
	# no_new_privs); without --caps a non-root uid has none.
	local priv=()
	local capset=
	if [ -n "$caps" ] && [ "$caps" != none ]; then
		local list c
		IFS=, read -ra list <<<"$caps"
		capset=-all
		for c in "${list[@]}"; do capset+=",+$c"; done
	fi
	if [ -n "$uid" ] && [ "$uid" != 0 ]; then
		priv=(setpriv --reuid "$uid" --regid "$uid" --clear-groups)
		if [ -n "$capset" ]; then
			priv+=(--inh-caps "$capset" --ambient-caps "$capset" --bounding-set "$capset")
		elif [ -n "$caps" ]; then
			priv+=(--bounding-set -all)
		fi
	elif [ -n "$caps" ]; then
		priv=(setpriv --inh-caps -all --bounding-set "${capset:--all}")
	fi
	# Like a container runtime, start from default signal dispositions: an
	# ignored SIGUSR1 inherited from the caller would change what the
	# sidecar decides.
	priv=(env --default-signal "${priv[@]}" --)
	printf '%q ' "${priv[@]}" >"$C/priv"

	# The container's start-up, run as its pod-namespace process, already in
	# its cgroup: record pids, mount /proc, the read-only cgroup view and the
	# volumes, drop privileges, exec.
	# shellcheck disable=SC2016
	local init=$STEP_FN'
		cgv=$1 cg=$2 state=$3 ptmp=$4 nvol=$5
		shift 5
		while read -r k v _; do [ "$k" = NSpid: ] && echo "$v" >"$state/hostpid"; done </proc/self/status
		own_view "$cgv" "$cg"
		step mount -t tmpfs -o size=64k,mode=0755 pod-mnt /mnt
		for ((i = 0; i < nvol; i++)); do
			src=${1%:*} dst=/mnt/${1##*:}
			shift
			step mkdir -p "$dst"
			step mount --bind "$src" "$dst"
		done
		step mount -o remount,ro /mnt
		if [ "$ptmp" = 1 ]; then step mount -t tmpfs -o size=512m,mode=1777 pod-tmp /tmp; fi
		echo $$ >"$state/podpid"
		exec "$@"'
	# The wrapper stands for the runtime's shim: it joins the container's
	# cgroup so that nsenter's child, the container's first process, is in
	# it before it enters the pod (a sidecar never sees it anywhere else);
	# then it moves itself and nsenter back out, so that only the
	# container's processes are charged from then on, and records the exit
	# status. setsid: the container does not get the caller's terminal
	# signals.
	local nsflags=(--mount)
	[ "$CGV" = 2 ] && nsflags+=(--cgroup)
	# shellcheck disable=SC2016
	setsid bash -c '
		C=$1 ccg=$2 home=$3 nsflags=$4
		shift 4
		echo $BASHPID >"$ccg/cgroup.procs" || { echo 126 >"$C/exit"; exit; }
		nsenter -t "$(cat "$C/../../pause.hostpid")" --pid --uts -- \
			unshare $nsflags --propagation private -- bash -c "$@" &
		ns=$!
		echo $BASHPID >"$home/cgroup.procs"
		until [ -s "$C/hostpid" ] || ! kill -0 $ns 2>/dev/null; do sleep 0.01; done
		echo $ns >"$home/cgroup.procs" 2>/dev/null
		wait $ns
		echo $? >"$C/exit"' \
		wrapper "$C" "$ccg" "$(home_cgroup)" "${nsflags[*]}" "$init" init "$CGV" "$ccg" "$C" "$ptmp" "${#vols[@]}" "${vols[@]}" "${priv[@]}" "$@" \
		</dev/null >>"$log" 2>&1 &
	local wp=$!
	echo "$wp $(starttime "$wp")" >"$C/wrapper.pid"
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$C/podpid" ] && break
		[ -f "$C/exit" ] && break
		nap 0.05
	done
	if [ ! -s "$C/podpid" ]; then
		[ -f "$C/exit" ] && die "container \"$name\" failed to start (exit $(cat "$C/exit")); see $log"
		die "container \"$name\" did not start within 10 s; see $log"
	fi
	local hostpid podpid
	read -r hostpid <"$C/hostpid"
	read -r podpid <"$C/podpid"
	starttime "$hostpid" >"$C/start"
	echo "container=$name pid=$hostpid pod_pid=$podpid cgroup=$ccg"
}

cmd_exec() {
	[ $# -ge 2 ] || usage "exec needs a pod and a container name"
	local pod=$1 name=$2 uid=
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--uid) [[ ${2:-} =~ ^[0-9]+$ ]] || usage "bad --uid \"${2:-}\""; uid=$2; shift 2 ;;
		--) shift; break ;;
		*) usage "unknown option \"$1\" for exec" ;;
		esac
	done
	[ $# -ge 1 ] || usage "exec needs -- COMMAND"
	load_container "$pod" "$name"
	local hp st
	hp=$(cat "$C/hostpid")
	st=$(cat "$C/start" 2>/dev/null)
	same_process "$hp" "$st" || die "container \"$name\" is not running"
	# The container's own uid and capabilities apply, unless --uid is given.
	local priv=()
	if [ -n "$uid" ]; then
		priv=(env --default-signal setpriv --reuid "$uid" --regid "$uid" --clear-groups --)
	else
		eval "priv=($(cat "$C/priv"))"
	fi
	# Like `kubectl exec`, the command shares the container's cgroup and
	# namespaces. The cgroup is joined before entering the pod, so nsenter
	# (outside the pod, waiting for the command) is in it too.
	(
		echo $BASHPID >"$CCG/cgroup.procs" || die "cannot join $CCG"
		ns=(--pid --uts --mount)
		[ "$CGV" = 2 ] && ns+=(--cgroup)
		exec nsenter -t "$hp" "${ns[@]}" -- "${priv[@]}" "$@"
	)
}

cmd_rm() {
	[ $# -eq 2 ] || usage "rm needs a pod and a container name"
	load_container "$1" "$2"
	local pid st
	kill_cgroup "$CCG"
	if [ -f "$C/wrapper.pid" ]; then
		read -r pid st <"$C/wrapper.pid"
		local i
		for ((i = 0; i < 100; i++)); do
			same_process "$pid" "$st" || break
			nap 0.05
		done
		same_process "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
	fi
	[ -d "$CCG" ] && die "cannot remove cgroup $CCG"
	rm -rf "$C"
}

cmd_wait() {
	[ $# -ge 2 ] || usage "wait needs a pod and a container name"
	local timeout=${3:-60}
	[[ $timeout =~ ^[0-9]+$ ]] || usage "bad timeout \"$timeout\""
	load_container "$1" "$2"
	local i
	for ((i = 0; i < timeout * 20; i++)); do
		[ -s "$C/exit" ] && { cat "$C/exit"; return 0; }
		sleep 0.05
	done
	die "container \"$2\" still running after $timeout s"
}

cmd_pid() {
	[ $# -ge 2 ] || usage "pid needs a pod and a container name"
	load_container "$1" "$2"
	if [ "${3:-}" = --in-pod ]; then cat "$C/podpid"; else cat "$C/hostpid"; fi
}

cg_stat() { awk -v k="$2" '$1 == k {print $2}' "$1/$3" 2>/dev/null; }

# cg_read CGROUP: sets usage, inact, lim ("max" if none) and oom.
cg_read() {
	if [ "$CGV" = 2 ]; then
		usage=$(cat "$1/memory.current")
		inact=$(cg_stat "$1" inactive_file memory.stat)
		oom=$(cg_stat "$1" oom_kill memory.events)
		lim=$(cat "$1/memory.max")
	else
		usage=$(cat "$1/memory.usage_in_bytes")
		inact=$(cg_stat "$1" total_inactive_file memory.stat)
		oom=$(cg_stat "$1" oom_kill memory.oom_control)
		lim=$(cat "$1/memory.limit_in_bytes")
		[ "$lim" -ge $((1 << 62)) ] && lim=max
	fi
}

# One logfmt line for the pod, then one per container, pause first.
cmd_status() {
	[ $# -eq 1 ] || usage "status needs a pod name"
	load_pod "$1"
	local d name cg state usage inact ws hp procs oom lim
	cg_read "$PODCG"
	echo "pod=$1 pause_pid=$PAUSE_HOSTPID cgroup=$PODCG cgroup_version=$CGV limit_bytes=$lim"
	for d in pause "$P"/containers/*/; do
		if [ "$d" = pause ]; then
			name=pause cg=$PODCG/pause hp=$PAUSE_HOSTPID state=running
		else
			[ -d "$d" ] || continue
			name=$(basename "$d") cg=$PODCG/$name hp=$(cat "$d/hostpid" 2>/dev/null)
			if [ -s "$d/exit" ]; then state=exited:$(cat "$d/exit"); else state=running; fi
		fi
		[ -d "$cg" ] || { echo "container=$name state=$state cgroup=-"; continue; }
		cg_read "$cg"
		ws=$((usage - ${inact:-0}))
		[ "$ws" -lt 0 ] && ws=0
		procs=$(wc -l <"$cg/cgroup.procs")
		echo "container=$name state=$state pid=${hp:--} procs=$procs usage_bytes=$usage working_set_bytes=$ws limit_bytes=$lim oom_kills=${oom:-0}"
	done
}

cmd_down() {
	[ $# -eq 1 ] || usage "down needs a pod name"
	valid_name "$1" || usage "bad pod name \"$1\""
	local P pid i
	P=$(pod_dir "$1")
	# The keeper tears down on SIGTERM; wait for it, then make sure.
	pid=$(pgrep_keeper "$1")
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 200; i++)); do
			running "$pid" || break
			sleep 0.05
		done
	fi
	teardown "$1"
}

# The keeper's pid: the parent of the unshare process, if that still is a
# keeper of this pod.
pgrep_keeper() {
	local P pid st ppid
	P=$(pod_dir "$1")
	[ -f "$P/unshare.pid" ] || return 0
	read -r pid st <"$P/unshare.pid"
	same_process "$pid" "$st" || return 0
	ppid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	[ -n "$ppid" ] && grep -qa "__keeper" "/proc/$ppid/cmdline" 2>/dev/null && echo "$ppid"
}

[ $# -ge 1 ] || usage "no command"
cmd=$1
shift
case $cmd in
up | add | exec | rm | wait | pid | status | down | __keeper) "cmd_$cmd" "$@" ;;
-h | --help | help) sed -n '2,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) usage "unknown command \"$cmd\"" ;;
esac
