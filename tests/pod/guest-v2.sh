#!/usr/bin/env bash
# Runs inside the cgroup v2 guest of tests/e2e/pod_v2_guest.sh (as PID 1's
# child, with /proc, /sys, /dev and cgroup2 mounted): the test pod on a
# unified hierarchy, then the demo. One line per result on stdout:
#   check NAME ok|fail DETAIL
#   demo| LINE           the demo's output
#   done
set -u
export PATH=/usr/bin:/bin
export POD_PAUSE=/b/tests/pod/pause
P=/src/tests/pod/pod.sh
check() { # check NAME STATUS DETAIL
	if [ "$2" -eq 0 ]; then echo "check $1 ok $3"; else echo "check $1 fail $3"; fi
}

grep -qw memory /sys/fs/cgroup/cgroup.controllers
check v2_memory $? "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
[ ! -d /sys/fs/cgroup/memory ]
check no_v1 $? "no v1 memory hierarchy"

"$P" up g >/tmp/up.out 2>&1
check up $? "$(cat /tmp/up.out)"
mkdir -m 0777 /tmp/rec
"$P" add g sidecar --log /tmp/sidecar.log -- \
	env WARNING=60 CRITICAL=85 COOLDOWN=1h INTERVAL=20ms RESCAN_INTERVAL=100ms /b/src/oomsentry >/dev/null
check add_sidecar $? ""
"$P" add g app --limit 64Mi --uid 3000 --volume /tmp/rec:rec --log /tmp/app.log -- \
	/b/tests/helpers/memhog --catch --rate 20 --max 58 --record /mnt/rec/r >/dev/null
check add_app $? ""
in_app() { "$P" exec g app -- "$@"; }
v=$(in_app cat /proc/self/cgroup)
[ "$v" = 0::/ ]
check cgroup_namespace $? "/proc/self/cgroup in the container: $v"
v=$(in_app cat /sys/fs/cgroup/memory.max)
[ "$v" = $((64 << 20)) ]
check own_limit $? "memory.max seen in the container: $v"
! in_app sh -c 'echo 1 >/sys/fs/cgroup/memory.max' 2>/dev/null
check read_only $? "the container cannot write its limit"
v=$(in_app id -u)
[ "$v" = 3000 ]
check uid $? "uid $v"
v=$(in_app cat /proc/1/comm)
[ "$v" = pause ]
check pid1 $? "PID 1: $v"
[ "$(in_app hostname)" = g ]
check hostname $? ""
for _ in $(seq 300); do grep -qs SIGUSR2 /tmp/rec/r && break; sleep 0.1; done
[ "$(cut -d' ' -f1 /tmp/rec/r 2>/dev/null | tr '\n' ' ')" = "SIGUSR1 SIGUSR2 " ]
check signals $? "the app recorded: $(tr '\n' ' ' </tmp/rec/r 2>/dev/null)"
"$P" add g hog --limit 16Mi -- /b/tests/helpers/memhog --max 64 >/dev/null
v=$("$P" wait g hog 60)
[ "$v" = 137 ]
check oom_exit $? "exit status $v"
"$P" status g | grep -q '^container=hog state=exited:137 .* oom_kills=1$'
check oom_status $? "$("$P" status g | grep '^container=hog')"
"$P" rm g app && [ ! -d /sys/fs/cgroup/oomsentry-pod-g/app ]
check rm $? ""
"$P" down g && [ ! -d /sys/fs/cgroup/oomsentry-pod-g ] && [ ! -d /run/oomsentry-pod/g ]
check down $? "$(find /sys/fs/cgroup -maxdepth 1 -name 'oomsentry-*')"
sed 's/^/sidecar| /' /tmp/sidecar.log

# Streamed as it runs, so the host sees the guest making progress.
/src/examples/demo.sh --build /b 2>&1 | while IFS= read -r line; do printf 'demo| %s\n' "$line"; done
check demo_exit "${PIPESTATUS[0]}" ""
echo 'done'
