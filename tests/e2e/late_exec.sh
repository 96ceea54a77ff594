#!/usr/bin/env bash
# A workload exec'd long after its process appeared is watched. A runtime
# starts a container's first process, sets the container up, then execs the
# workload; on a loaded node that can outlast the time the sidecar gives a
# new process to settle. Two such processes, each exec'ing the app only
# after that time has passed:
#   - "filtered" is left out by --include until it execs memhog;
#   - "hidden" runs where its memory cgroup is not mounted (the sidecar
#     cannot find it and says so) until it mounts it and execs memhog.
# Both must get the warning signal once they are the app.
. "$(dirname "$0")/lib.sh"
need_v1_memory

# The settle time of a new process (WATCH_SETTLE_US in src/watch.h).
SETTLE_S=5
mib=$((1024 * 1024))

make_cgroup filtered $((128 * mib))
cg_filtered=$CG
make_cgroup hidden $((128 * mib))
cg_hidden=$CG
# The command name is the name of the file exec'd: a link to bash gives
# each waiting process a name of its own.
ln -s "$(command -v bash)" "$WORK/filtered"
ln -s "$(command -v bash)" "$WORK/hidden"
app="$MEMHOG --catch --rate 200 --hold 80 --max 80"
# "hidden" unmounts the memory hierarchy in a mount namespace of its own
# before it execs under its name, so the sidecar never sees it with one.
pod_start "
in_cg $cg_filtered $WORK/filtered -c 'until [ -e $WORK/go ]; do sleep 0.05; done; exec $app --record $WORK/filtered.rec'
in_cg $cg_hidden unshare --mount --propagation private sh -c 'umount $CG_V1_MEMORY && exec $WORK/hidden -c \"until [ -e $WORK/go ]; do sleep 0.05; done; mount -t cgroup -o memory cgroup $CG_V1_MEMORY && exec $app --record $WORK/hidden.rec\"'
$OOMSENTRY --log-level debug --include memhog,hidden --interval 20ms --rescan-interval 100ms --warning 40 --critical 90 2>$WORK/sidecar.log &
wait
"
wait_for 30 log_has "$WORK/sidecar.log" event=process_found comm=filtered role=filtered ||
	fail "the waiting process was not found as filtered"
# The sidecar reports an unwatched process once it has settled.
wait_for 30 log_has "$WORK/sidecar.log" event=process_unwatched comm=hidden "cannot find" ||
	fail "the process without a memory cgroup was not reported unwatched"
# "filtered" was found before the line above was read; from then on, the
# settle time is all that has to pass. No condition shows it: it is a fixed
# time, counted from the discovery, which came before.
sleep $((SETTLE_S + 1))
touch "$WORK/go"

wait_for 30 grep -qs SIGUSR1 "$WORK/filtered.rec" ||
	fail "the app exec'd by the filtered process got no SIGUSR1"
pass "a process left out by --include is watched once it execs the app"
wait_for 30 grep -qs SIGUSR1 "$WORK/hidden.rec" ||
	fail "the app exec'd where the cgroup was hidden got no SIGUSR1"
pass "a process without a cgroup is watched once it execs the app"
log_has "$WORK/sidecar.log" event=signal_sent comm=memhog signal=SIGUSR1 memory_level=warning ||
	fail "SIGUSR1 not logged"
