#!/usr/bin/env bash
# Each runtime spoken to in its own language, in one shareProcessNamespace
# pod: a JVM (as uid 1000, its own /tmp), a Go program with net/http/pprof
# and a second, plain port below it, Node with --heapsnapshot-signal=SIGUSR2,
# nginx (master and workers, beside a process that fills the container),
# Python with and without a SIGUSR1 handler, and a C app with liboomsentry.
# Every container leaks past WARNING and CRITICAL and holds below its limit;
# the sidecar runs as k8s/java.yaml runs it (root, capabilities KILL,
# SETUID, SETGID; DUMP_DIR and JVM_HEAP_DUMP_DIR on a volume both
# containers mount), with SYS_PTRACE besides for the apps that run as root
# here with every capability (the privileged level).
#
# Done means: --once previews each process's runtime and actions; the JVM's
# histogram names the leaking class, its heap dump is a gzipped hprof, it is
# alive and never got SIGUSR2 (nor SIGUSR1); go tool pprof names the Go leak
# in the fetched profile and the Go app is alive; Node never got SIGUSR1
# (no inspector, nothing on 9229) and wrote a heap snapshot; nginx got no
# signal and still has its one master and its workers; the Python app with
# handlers got both signals, the one without got none and lives; the C app
# got both.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
for c in java javac go node nginx python3; do
	command -v "$c" >/dev/null || missing_prerequisite "$c (apt-get install openjdk-17-jdk-headless golang-go nodejs nginx-light python3)"
done
[ -e "$JEMALLOC" ] || missing_prerequisite "libjemalloc2 ($JEMALLOC)"
APPS=$top_srcdir/tests/apps

# The apps are read by the JVM's user: the work directory is not private.
chmod 0755 "$WORK"
mkdir -p "$WORK/bin" "$WORK/dumps" "$WORK/node" "$WORK/cdumps"
# An emptyDir is writable by every user of the pod; the dumps one is what
# kubelet makes of it with the pod's fsGroup (3000): set-group-ID, so the
# files written there are for the group (a shipper of another uid).
chmod 0777 "$WORK/dumps" "$WORK/node" "$WORK/cdumps"
chgrp 3000 "$WORK/dumps" && chmod 2777 "$WORK/dumps" || fail "cannot give the dumps volume to group 3000"
javac -d "$WORK/bin" "$APPS/Leak.java" >"$WORK/javac.log" 2>&1 || fail "javac: $(cat "$WORK/javac.log")"
# Go's build cache outlives the test (the standard library compiles once).
GOCACHE=${OOMSENTRY_GO_CACHE:-/var/cache/oomsentry-tests/go-build}
mkdir -p "$GOCACHE"
(cd "$APPS/goleak" && HOME=$WORK GOCACHE=$GOCACHE GO111MODULE=off GOPATH=$WORK/gopath \
	go build -o "$WORK/bin/goleak" main.go) >"$WORK/gobuild.log" 2>&1 || fail "go build: $(cat "$WORK/gobuild.log")"
cp "$APPS/nodeleak.js" "$APPS/pyleak.py" "$WORK/bin/"

# Free ports for the Go app (its plain port below its pprof port) and nginx.
read -r plain_port pprof_port nginx_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
p = sorted(s.getsockname()[1] for s in ss)
print(*p)') || fail "no free ports"
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path /tmp/nginx-body;
	proxy_temp_path /tmp/nginx-proxy;
	fastcgi_temp_path /tmp/nginx-fastcgi;
	uwsgi_temp_path /tmp/nginx-uwsgi;
	scgi_temp_path /tmp/nginx-scgi;
	server { listen 127.0.0.1:$nginx_port; return 200 "ok\n"; }
}
NGINX

# As k8s/java.yaml has it, with the test bed's paths and fast ticks.
SIDE_ENV=(WARNING=30 CRITICAL=60 COOLDOWN=1h INTERVAL=20ms RESCAN_INTERVAL=100ms
	DUMP_DIR=/mnt/dumps JVM_HEAP_DUMP_DIR=/mnt/dumps)
pod_up p
pod_add sidecar --caps kill,sys_ptrace,setuid,setgid --volume "$WORK/dumps:dumps" \
	--log "$WORK/sidecar.log" -- env "${SIDE_ENV[@]}" "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=start || fail "the sidecar did not start"

# Limits and ceilings: every container ends between CRITICAL (60%) and its
# limit, measured: the JVM holding 184 MiB at a working set of 225 MiB of
# 320 (a 16 MiB young generation keeps its heap's resident part close to
# what it holds; holding 160 it stayed at 199, too close to 192), Go at 205
# of 256,
# Node at 225 of 320, nginx with its filler and Python at about 110 of 128,
# the C app at about 105 of 128.
pod_add java --uid 1000 --private-tmp --limit 320Mi --volume "$WORK/dumps:dumps" \
	--volume "$WORK/bin:apps" --log "$WORK/java.log" -- \
	java -Xmx256m -Xmn16m -XX:+UseSerialGC -cp /mnt/apps Leak 16 184
pod_add go --limit 256Mi --log "$WORK/go.log" -- \
	"$WORK/bin/goleak" -pprof-port "$pprof_port" -plain-port "$plain_port" -pprof-host 127.0.0.1 -rate 16 -max 200
pod_add node --limit 320Mi --volume "$WORK/node:node" --log "$WORK/node.log" -- \
	bash -c 'cd /mnt/node && exec node --heapsnapshot-signal=SIGUSR2 "$0"/nodeleak.js 16 180' "$WORK/bin"
pod_add nginx --limit 128Mi --log "$WORK/nginx.log" -- \
	bash -c '"$0" --rate 16 --max 100 & exec nginx -c "$1" -g "daemon off;"' "$MEMHOG" "$WORK/nginx.conf"
pod_add pyhandler --limit 128Mi --log "$WORK/pyhandler.log" -- python3 "$WORK/bin/pyleak.py" --handler 16 100
pod_add pyplain --limit 128Mi --log "$WORK/pyplain.log" -- python3 "$WORK/bin/pyleak.py" 16 100
pod_add c --limit 128Mi --volume "$WORK/cdumps:dumps" --log "$WORK/c.log" -- \
	env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=prof:true,lg_prof_sample:19 \
	OOMSENTRY_DUMP_DIR=/mnt/dumps/app "$LEAKY" --rate 12 --max 100

wait_for 30 grep -q 'leak: started' "$WORK/java.log" || fail "the JVM did not start"
wait_for 30 grep -q 'goleak: started' "$WORK/go.log" || fail "the Go app did not start"
wait_for 30 grep -q 'nodeleak: started' "$WORK/node.log" || fail "the Node app did not start"
wait_for 30 grep -q 'pyleak: started' "$WORK/pyhandler.log" || fail "the Python app did not start"
wait_for 30 grep -q 'pyleak: started' "$WORK/pyplain.log" || fail "the Python app did not start"
java=$(pod_pid java) go=$(pod_pid go) node=$(pod_pid node) nginx=$(pod_pid nginx)
pyh=$(pod_pid pyhandler) pyp=$(pod_pid pyplain) c=$(pod_pid c)
nginx_host=$(host_pid nginx)
# nginx's workers: the master's children named nginx.
workers() { pgrep -P "$nginx_host" -x nginx | sort; }
wait_for 20 sh -c "[ \$(pgrep -P $nginx_host -x nginx | wc -l) = 2 ]" || fail "nginx has no 2 workers"
nginx_workers=$(workers)

# 1. The preview: what each process would get, before anything happens.
pod exec "$POD" sidecar -- env "${SIDE_ENV[@]}" "$OOMSENTRY" --once >"$WORK/once.out" 2>"$WORK/once.err" ||
	fail "--once failed: $(cat "$WORK/once.err")"
once() { grep "^pid=$1 " "$WORK/once.out"; }
expect_once() { # PID WHAT...
	local pid=$1 line w
	shift
	line=$(once "$pid") || fail "--once has no line for pid $pid: $(cat "$WORK/once.out")"
	for w in "$@"; do [[ " $line " == *" $w "* ]] || fail "--once for pid $pid lacks $w: $line"; done
}
expect_once "$java" runtime=jvm action_warning=histogram action_critical=histogram+heap_dump
expect_once "$go" runtime=go action_warning=pprof action_critical=pprof
expect_once "$node" runtime=node action_warning=none "action_critical=heap_snapshot(SIGUSR2)"
[[ $(once "$node") == *'skip_warning="node: SIGUSR1 opens the inspector"'* ]] ||
	fail "--once does not say why Node gets no SIGUSR1: $(once "$node")"
expect_once "$nginx" runtime=nginx action_warning=none action_critical=none
expect_once "$pyh" runtime=python action_warning=SIGUSR1 action_critical=SIGUSR2
expect_once "$pyp" runtime=python action_warning=none action_critical=none
expect_once "$c" runtime=native action_warning=SIGUSR1 action_critical=SIGUSR2
pass "--once previews jvm, go, node, nginx, python and native processes"

# 2. Every container goes critical.
for ct in java go node nginx pyhandler pyplain c; do
	wait_for 90 grep -q "event=level cgroup=[^ ]*/$ct .*to=critical" "$WORK/sidecar.log" ||
		fail "container $ct never reached critical"
done
pass "every container reached critical"

# 3. The JVM: a histogram at warning and critical naming the leak, a heap
# dump at critical; alive; no signal.
wait_for 60 log_has "$WORK/sidecar.log" event=dump_written "pid=$java " action=heap_dump ||
	fail "no heap dump from the JVM"
hist=$(ls "$WORK"/dumps/*-java-"$java"-*-warning.histogram.txt 2>/dev/null | head -n 1)
[ -n "$hist" ] || fail "no warning histogram in the dump volume: $(ls -A "$WORK/dumps")"
head -n 8 "$hist" | grep -q 'LeakyCache\$Entry' || fail "the histogram's top rows do not name LeakyCache\$Entry: $(head -n 8 "$hist")"
ls "$WORK"/dumps/*-java-"$java"-*-critical.histogram.txt >/dev/null 2>&1 || fail "no critical histogram"
hprof=$(ls "$WORK"/dumps/*-java-"$java"-*-critical.hprof.gz 2>/dev/null | head -n 1)
[ -n "$hprof" ] || fail "no hprof.gz in the dump volume: $(ls -A "$WORK/dumps")"
[ "$(gzip -dc "$hprof" 2>/dev/null | head -c 18)" = "JAVA PROFILE 1.0.2" ] || fail "$hprof is not a gzipped hprof"
hbytes=$(stat -c %s "$hprof")
[ "$hbytes" -gt 1048576 ] || fail "the heap dump is only $hbytes bytes"
[ -z "$(find "$WORK/dumps" -name '.*' -print)" ] || fail "temporary files left: $(ls -A "$WORK/dumps")"
# The group's: the sidecar's histograms, and the JVM's own dump (its user's
# file, made 0640 by the sidecar before it is published).
for f in "$hist" "$hprof"; do
	[ "$(stat -c '%a %g' "$f")" = "640 3000" ] || fail "$(basename "$f") is $(stat -c '%a %g' "$f"), not 640 in group 3000"
done
alive "$(host_pid java)" || fail "the JVM died: $(tail "$WORK/java.log")"
grep -q "event=signal_sent pid=$java " "$WORK/sidecar.log" && fail "the JVM was sent a signal"
grep -q 'stray SR signal' "$WORK/java.log" && fail "the JVM received a stray SIGUSR2"
log_has "$WORK/sidecar.log" event=signal_skipped "pid=$java " signal=SIGUSR2 'reason="jvm:' ||
	fail "no skip logged for the JVM's SIGUSR2"
took() { grep "event=dump_written pid=$1 .*action=$2 " "$WORK/sidecar.log" | head -n 1 | sed -n 's/.* took_ms=\([0-9]*\).*/\1/p'; }
pass "JVM: histograms name LeakyCache\$Entry ($(took "$java" histogram) ms), $hbytes-byte hprof.gz ($(took "$java" heap_dump) ms), alive, no signal"

# 4. Go: the profile names the leaking function; alive.
wait_for 30 log_has "$WORK/sidecar.log" event=dump_written "pid=$go " action=pprof "port=$pprof_port" ||
	fail "no heap profile from the Go app on port $pprof_port"
prof=$(ls "$WORK"/dumps/*-goleak-"$go"-*-warning.heap.pb.gz 2>/dev/null | head -n 1)
[ -n "$prof" ] || fail "no Go heap profile in the dump volume: $(ls -A "$WORK/dumps")"
[ "$(stat -c '%a %g' "$prof")" = "640 3000" ] || fail "the Go profile is $(stat -c '%a %g' "$prof"), not 640 in group 3000"
HOME=$WORK GOCACHE=$GOCACHE go tool pprof -top -sample_index=inuse_space "$prof" >"$WORK/pprof.out" 2>&1 ||
	fail "go tool pprof cannot read $prof: $(cat "$WORK/pprof.out")"
grep -m1 -A3 'flat%' "$WORK/pprof.out" | grep -q 'main.leakSessionBuffers' ||
	fail "pprof's top does not name main.leakSessionBuffers: $(head -n 15 "$WORK/pprof.out")"
alive "$(host_pid go)" || fail "the Go app died"
grep -q "event=signal_sent pid=$go " "$WORK/sidecar.log" && fail "the Go app was sent a signal"
pass "Go: the profile fetched from port $pprof_port (not $plain_port, $(took "$go" pprof) ms) names main.leakSessionBuffers"

# 5. Node: no inspector; a heap snapshot at critical.
wait_for 60 sh -c "ls '$WORK'/node/*.heapsnapshot >/dev/null 2>&1" || fail "Node wrote no heap snapshot"
log_has "$WORK/sidecar.log" event=heap_snapshot_requested "pid=$node " writes_to=/mnt/node ||
	fail "the sidecar did not say where Node writes its snapshot"
grep -q 'Debugger listening' "$WORK/node.log" && fail "Node opened its inspector"
# 9229 = 0x2405, LISTEN = 0A, in the pod's network namespace (the host's here).
awk '$4 == "0A" && $2 ~ /:2405$/' "/proc/$(host_pid node)/net/tcp" "/proc/$(host_pid node)/net/tcp6" | grep -q . &&
	fail "something listens on port 9229"
grep -q "event=signal_sent pid=$node .*signal=SIGUSR1" "$WORK/sidecar.log" && fail "Node was sent SIGUSR1"
alive "$(host_pid node)" || fail "the Node app died"
pass "Node: no SIGUSR1, no inspector, heap snapshot $(basename "$(ls "$WORK"/node/*.heapsnapshot | head -n 1)")"

# 6. nginx: no signal, one master, the same workers.
log_has "$WORK/sidecar.log" event=signal_skipped "pid=$nginx " 'reason="nginx:' ||
	fail "no skip logged for nginx's master"
for p in $nginx_host $nginx_workers; do
	alive "$p" || fail "nginx process $p died"
done
[ "$(workers)" = "$nginx_workers" ] || fail "nginx's workers changed: $(workers)"
# Masters in the pod (its PID namespace), whatever runs on the host.
podns=$(readlink "/proc/$nginx_host/ns/pid")
masters=0
for p in $(pgrep -f '^nginx: master process'); do
	[ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" = "$podns" ] && masters=$((masters + 1))
done
[ "$masters" = 1 ] || fail "$masters nginx masters run in the pod: $(ps -eo pid,args | grep '[n]ginx')"
grep -E "event=signal_sent pid=($nginx|$(echo "$nginx_workers" | while read -r w; do awk '/^NSpid/ {print $NF}' "/proc/$w/status"; done | paste -sd'|')) " "$WORK/sidecar.log" &&
	fail "nginx was sent a signal"
pass "nginx: no signal, one master, workers unchanged"

# 7. Python: the app with handlers got both, the other none; C with liboomsentry both.
for sig in SIGUSR1 SIGUSR2; do
	log_has "$WORK/sidecar.log" event=signal_sent "pid=$pyh " "signal=$sig" || fail "Python with handlers got no $sig"
	wait_for 10 grep -q "pyleak: received $sig" "$WORK/pyhandler.log" || fail "Python did not receive $sig"
	log_has "$WORK/sidecar.log" event=signal_sent "pid=$c " "signal=$sig" || fail "the C app got no $sig"
done
grep -q "event=signal_sent pid=$pyp " "$WORK/sidecar.log" && fail "Python without handlers was signalled"
alive "$(host_pid pyplain)" || fail "Python without handlers died"
wait_for 10 grep -q 'leaky: received critical' "$WORK/c.log" || fail "liboomsentry did not receive critical"
pass "Python with handlers got SIGUSR1 and SIGUSR2, without none; the C app got both"

# No container was OOM-killed: every app is alive and no kill was logged.
grep -q event=oom_kill "$WORK/sidecar.log" && fail "an OOM kill happened: $(grep event=oom_kill "$WORK/sidecar.log")"
pass "no OOM kill"
