#!/usr/bin/env bash
# Idle cost of the sidecar: N containers (v1 memory cgroups with a limit) of M
# sleeping processes each, in one PID namespace with the sidecar, for S
# seconds. Prints the sidecar's CPU time and memory. Run as root, by hand:
#
#   tests/bench/idle.sh [--containers N] [--procs M] [--seconds S] [--limit-mib L]
#                       [--scrape SECONDS] [-- SIDECAR FLAGS]
#
# --scrape: GET /metrics every SECONDS while measuring (give the sidecar
# --metrics-addr 127.0.0.1:0; the port is read from its log).
#
# Uses the binary of an earlier build (_build/main by default; OOMSENTRY=...).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
OOMSENTRY=${OOMSENTRY:-$top/_build/main/src/oomsentry}
containers=1 procs=10 seconds=60 limit_mib=256 scrape=
while [ $# -gt 0 ]; do
	case $1 in
	--containers) containers=$2; shift 2 ;;
	--procs) procs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--limit-mib) limit_mib=$2; shift 2 ;;
	--scrape) scrape=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "idle.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "idle.sh: needs root" >&2; exit 1; }
[ -x "$OOMSENTRY" ] || { echo "idle.sh: no binary at $OOMSENTRY (build first)" >&2; exit 1; }

mem=/sys/fs/cgroup/memory
work=$(mktemp -d /tmp/oomsentry-bench.XXXXXX)
cgs=()
cleanup() {
	# Best effort, and never the script's exit status: the killed pod's
	# wait says 137, and a dying process cannot be moved.
	set +e
	if [ -n "${pod:-}" ]; then
		kill -KILL "$pod" 2>/dev/null
		wait "$pod" 2>/dev/null
	fi
	for cg in "${cgs[@]}"; do
		# The pod's processes may still be dying: try again, up to 10 s.
		for ((i = 0; i < 200; i++)); do
			while read -r p; do echo "$p" >"$mem/cgroup.procs"; done <"$cg/cgroup.procs" 2>/dev/null
			rmdir "$cg" 2>/dev/null && break
			sleep 0.05
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT

script='in_cg() { local cg=$1; shift; (echo $BASHPID >"$cg/cgroup.procs" && exec "$@") & }'
for c in $(seq "$containers"); do
	cg=$mem/oomsentry-bench-$$-$c
	mkdir "$cg"
	echo $((limit_mib * 1024 * 1024)) >"$cg/memory.limit_in_bytes"
	cgs+=("$cg")
	for _ in $(seq "$procs"); do script+=$'\n'"in_cg $cg sleep 100000"; done
done
script+=$'\n'"sleep 1; $OOMSENTRY $* 2>$work/sidecar.log & echo \$! >$work/pid; wait"
unshare --pid --fork --mount-proc --kill-child -- bash -c "$script" &
pod=$!

# The sidecar's pid in our namespace: the child of the pod's PID 1 that runs
# the binary.
exe=$(readlink -f "$OOMSENTRY")
sidecar=
for _ in $(seq 100); do
	for p in $(pgrep -P "$(pgrep -P "$pod" | head -1)" 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ] && sidecar=$p
	done
	[ -n "$sidecar" ] && break
	sleep 0.1
done
[ -n "${sidecar:-}" ] || { echo "idle.sh: sidecar did not start" >&2; cat "$work/sidecar.log" >&2; exit 1; }
sleep 2 # past start-up: measure the steady state
# schedstat's first field: nanoseconds on a CPU (stat's ticks are 10 ms).
scrapes=0
if [ -n "$scrape" ]; then
	port=$(sed -n 's/.*event=metrics_listening addr=[^ ]*:\([0-9]*\).*/\1/p' "$work/sidecar.log")
	[ -n "$port" ] || { echo "idle.sh: --scrape without a metrics listener" >&2; exit 1; }
	(while :; do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && echo >>"$work/scrapes"; sleep "$scrape"; done) &
	scraper=$!
fi
cpu0=$(awk '{print $1}' "/proc/$sidecar/schedstat")
sleep "$seconds"
cpu1=$(awk '{print $1}' "/proc/$sidecar/schedstat")
if [ -n "$scrape" ]; then
	kill "$scraper"
	scrapes=$(wc -l <"$work/scrapes")
fi
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$sidecar/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$sidecar/status")
fds=$(ls "/proc/$sidecar/fd" | wc -l)
watched=$(grep -c event=container_found "$work/sidecar.log" || true)
cpu_ms=$(((cpu1 - cpu0) / 1000000))
echo "containers=$containers procs_per_container=$procs limit_mib=$limit_mib seconds=$seconds flags=\"$*\" containers_found=$watched cpu_ms=$cpu_ms rss_kib=$rss peak_rss_kib=$hwm fds=$fds scrapes=$scrapes"
