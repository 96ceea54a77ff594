#!/usr/bin/env bash
# The sidecar's metrics listener abused while the sidecar has work to do: an
# app leaks steadily through WARNING and CRITICAL while clients keep 200
# idle connections open (a new wave as soon as one is closed), send a
# request a byte a second, send 1 MiB request lines and garbage, over and
# over. Done means:
#  1. the app received SIGUSR1 then SIGUSR2, and the sidecar sent each on
#     time: the level line's value for each crossing is at or over its
#     threshold and under threshold + rate x (INTERVAL + SLACK_MS) + one
#     allocation step: the signal goes with the first read at or over the
#     threshold, reads are at most INTERVAL apart, and SLACK_MS is what a
#     busy machine adds to that (measured: see below); and the sidecar's
#     own record of its reads (the flight record written on entering
#     critical) has no gap over INTERVAL + SLACK_MS while the abuse lasted:
#     the listener never held up the watch loop;
#  2. meanwhile every scrape of /metrics and /healthz got its 200 (retried
#     only when closed without a byte: every slot busy), and each abuser
#     got what the listener promises: idle connections closed without a
#     byte, the slow client cut, 414 for the long line, 400 for the garbage;
#  3. once the abusers are gone, the sidecar's open fds are back to their
#     number before the first of them, and a page fetched then passes
#     promtool check metrics and counts the refusals and bad requests.
# Clients are python3 with raw sockets, so that every byte is the test's.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
command -v python3 >/dev/null || missing_prerequisite "python3"
command -v promtool >/dev/null || missing_prerequisite "promtool (Debian: prometheus)"

INTERVAL_MS=20 # SIDECAR_ENV's INTERVAL
RATE=16        # MiB/s
# What a loaded machine adds to a read's due time and to the app's own
# allocation (it catches up after being descheduled). Measured with this
# abuse under tests/flake.sh's load (a busy loop per core): reads at most
# 28 ms apart, signals at most 988 KiB past their thresholds (memhog
# allocates 1 MiB at a time). The scheduler alone has shown gaps of up to
# 300 ms on a busy 2-core machine (metrics_abuse.sh); a listener that
# waited on a client would stall the loop for its 2 s deadline.
SLACK_MS=300
MIB=1048576

cat "$top_srcdir/tests/e2e/http_client.py" - >"$WORK/client.py" <<'EOF'
STOP = os.environ["STOP"]

def stopped():
    return os.path.exists(STOP)

def cmd_idle(n):
    """Waves of n idle connections, each wave opened once the last one's
    connections are all closed, until STOP."""
    n = int(n)
    waves = conns = held = 0
    while not stopped():
        socks = {}
        for _ in range(n):
            s = connect()
            socks[s.fileno()] = s
        if waves == 0 and "OPENED" in os.environ:
            open(os.environ["OPENED"], "w").close()
        waves += 1
        conns += n
        t0 = time.monotonic()
        poller = select.poll()
        for fd in socks:
            poller.register(fd, select.POLLIN)
        while socks:
            if time.monotonic() - t0 > TIMEOUT:
                print(f"idle: {len(socks)} connections of wave {waves} still open after {TIMEOUT} s")
                return 1
            for fd, _ in poller.poll(100):
                s = socks.pop(fd)
                poller.unregister(fd)
                try:
                    got = s.recv(1)
                except ConnectionResetError:
                    got = b""
                s.close()
                if got:
                    print("idle: a byte from the server on an idle connection")
                    return 1
                if time.monotonic() - t0 >= 0.2:
                    held += 1
    print(f"idle waves={waves} connections={conns} held={held}")
    return 0

def cmd_slowloris():
    """A request a byte a second, again each time it is cut, until STOP."""
    msg = b"GET /metrics HTTP/1.1\r\nX-Slow: " + b"a" * 10000
    conns = cuts = held = 0
    longest = 0.0
    while not stopped():
        conns += 1
        s = connect()
        sent, got, cut = trickle(s, msg, lambda: not stopped())
        s.close()
        if got:
            print(f"slowloris: got a reply {got[:40]!r}")
            return 1
        if cut is None:
            break
        cuts += 1
        if sent > 1:
            held += 1
            longest = max(longest, cut)
        time.sleep(0.02)
    if not held:
        print(f"slowloris: never held a slot (connections={conns})")
        return 1
    print(f"slowloris connections={conns} cut={cuts} held={held} longest_s={longest:.2f}")
    return 0

def cmd_status(kind, want, retry_s):
    """kind's request every 0.2 s until STOP; each must get status want."""
    if kind == "bigline":
        payload = b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    else:  # garbage: what a TLS client would send, then noise
        rnd = random.Random(1)
        payload = b"\x16\x03\x01" + bytes(rnd.randrange(256) for _ in range(4093))
    n = most = 0
    while not stopped():
        data, tries = with_retry(payload, float(retry_s))
        status = parse(data)[0] if data else 0
        n += 1
        most = max(most, tries)
        if status != int(want):
            print(f"{kind}: status {status} after {tries} tries, want {want}")
            return 1
        time.sleep(0.2)
    print(f"{kind} status={want} requests={n} most_tries={most}")
    return 0

def cmd_scrapes(retry_s, page):
    """/metrics then /healthz, every 0.1 s until STOP: each a 200."""
    n = most = 0
    slowest = 0.0
    while not stopped():
        for path in ("/metrics", "/healthz"):
            req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            t0 = time.monotonic()
            data, tries = with_retry(req, float(retry_s))
            took = time.monotonic() - t0
            if not data:
                print(f"scrape {path}: refused for {retry_s} s ({tries} tries)")
                return 1
            status, _, body = parse(data)
            if status != 200 or (path == "/healthz" and body != b"ok\n"):
                print(f"scrape {path}: status {status} body {body[:80]!r}")
                return 1
            if path == "/metrics":
                with open(page, "wb") as f:
                    f.write(body)
            n += 1
            most = max(most, tries)
            slowest = max(slowest, took)
        time.sleep(0.1)
    print(f"scrapes={n} most_tries={most} slowest_s={slowest:.2f}")
    return 0 if n >= 4 else 1

cmds = {"idle": cmd_idle, "slowloris": cmd_slowloris, "status": cmd_status, "scrapes": cmd_scrapes}
barrier()
sys.exit(cmds[sys.argv[1]](*sys.argv[3:]))
EOF
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"x $2"; }
fd_count() { ls "/proc/$SIDECAR/fd" 2>/dev/null | wc -l; }
fds_are() { [ "$(fd_count)" -eq "$1" ]; }
declare -A ABUSER
abuser() { # NAME CMD ARGS...: a client in the background, its output in NAME.out
	local name=$1
	shift
	READY=$WORK/ready.$name GO=$WORK/go STOP=$WORK/stop OPENED=$WORK/opened \
		python3 "$WORK/client.py" "$1" "$PORT" "${@:2}" >"$WORK/$name.out" 2>&1 &
	PIDS+=("$!")
	ABUSER[$name]=$!
}

mkdir -m 0777 "$WORK/rec"
mkdir "$WORK/dumps"
pod_up p
pod_add sidecar --volume "$WORK/dumps:dumps" --log "$WORK/sidecar.log" -- \
	env "${SIDECAR_ENV[@]}" METRICS_ADDR=127.0.0.1:0 DUMP_DIR=/mnt/dumps "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=metrics_listening || fail "no metrics_listening line"
addr=$(field addr "$(grep -m1 event=metrics_listening "$WORK/sidecar.log")")
PORT=${addr##*:}
SIDECAR=$(host_pid sidecar)
# The app holds at 40 MiB (31%: normal) until the abuse is on, then grows
# at RATE to 118 MiB: past 60% (76.8 MiB) and 85% (108.8 MiB) of 128 MiB,
# and 10 MiB short of the limit.
pod_add app --limit 128Mi --volume "$WORK/rec:rec" --log "$WORK/app.log" -- \
	"$MEMHOG" --catch --rate "$RATE" --hold 40 --go /mnt/rec/go --max 118 --record /mnt/rec/app
cg=/oomsentry-pod-$POD/app
holding() { [ "$(cat "/sys/fs/cgroup/memory$cg/memory.usage_in_bytes")" -ge $((40 * MIB)) ]; }
wait_for 10 holding || fail "the app did not reach 40 MiB"
wait_for 10 log_has "$WORK/sidecar.log" event=container_limit "cgroup=$cg " || fail "the sidecar does not watch the app"
FD_BASE=$(fd_count)

abuser idle idle 200
abuser slowloris slowloris
abuser bigline status bigline 414 10
abuser garbage status garbage 400 10
abuser scrapes scrapes 10 "$WORK/during"
ready_all() { [ "$(ls "$WORK"/ready.* 2>/dev/null | wc -l)" -eq 5 ]; }
wait_for 30 ready_all || fail "the clients did not start"
touch "$WORK/go"
abuse_ms=$(date +%s%3N)
wait_for 10 test -e "$WORK/opened" || fail "the idle connections were not opened"
FD_ABUSE=$(fd_count)
touch "$WORK/rec/go"
go_ms=$(date +%s%3N)
wait_for 30 grep -qs SIGUSR2 "$WORK/rec/app" || fail "the app got no SIGUSR2 within 30 s"
leak_ms=$(($(date +%s%3N) - go_ms))
# Every abuser must have been at it past the second signal.
for name in "${!ABUSER[@]}"; do
	alive "${ABUSER[$name]}" || fail "$name ended during the abuse: $(cat "$WORK/$name.out")"
done
touch "$WORK/stop"
for name in "${!ABUSER[@]}"; do
	wait "${ABUSER[$name]}" || fail "$name: $(cat "$WORK/$name.out")"
done

# 1. The signals, received and on time.
mapfile -t got <"$WORK/rec/app"
[ "${#got[@]}" = 2 ] && [[ ${got[0]} == SIGUSR1* && ${got[1]} == SIGUSR2* ]] ||
	fail "the app received: ${got[*]}"
limit_line=$(grep "event=container_limit cgroup=$cg " "$WORK/sidecar.log" | tail -n 1)
on_time() { # LEVEL THRESHOLD_FIELD SIGNAL: sets ON_TIME to a summary
	local line thr v bound
	line=$(grep "event=level cgroup=$cg .* to=$1 " "$WORK/sidecar.log" | head -n 1)
	[ -n "$line" ] || fail "no level line to $1"
	log_has "$WORK/sidecar.log" event=signal_sent "cgroup=$cg " "signal=$3" "memory_level=$1" ||
		fail "$3 not logged as sent at $1"
	thr=$(field "$2" "$limit_line")
	v=$(field value_bytes "$line")
	# A read at most INTERVAL + SLACK after the last one below the threshold,
	# the app at most RATE faster meanwhile, plus the 1 MiB it allocates at once.
	bound=$((thr + RATE * MIB * (INTERVAL_MS + SLACK_MS) / 1000 + MIB))
	[ "$v" -ge "$thr" ] && [ "$v" -lt "$bound" ] ||
		fail "$1 entered at $v bytes: not in [$thr, $bound) ($line)"
	ON_TIME="$1 at $(((v - thr) / 1024)) KiB over its threshold (bound $(((bound - thr) / 1024)) KiB)"
}
on_time warning warning_bytes SIGUSR1
w=$ON_TIME
on_time critical critical_bytes SIGUSR2
# The reads from the start of the abuse to the entry into critical.
csv=$(field csv "$(grep "event=flight_recorded .*reason=critical" "$WORK/sidecar.log" | grep -F "cgroup=$cg " | head -n 1)")
[ -s "$WORK/dumps/$csv" ] || fail "no flight record of the entry into critical: $(ls -A "$WORK/dumps")"
gap=$(awk -F, -v from="$abuse_ms" 'NR > 1 && $1 >= from { if (prev && $1 - prev > max) max = $1 - prev; prev = $1 }
	END { print max + 0 }' "$WORK/dumps/$csv")
[ "$gap" -le $((INTERVAL_MS + SLACK_MS)) ] || fail "the sidecar did not read the app for $gap ms during the abuse ($csv)"
pass "app received SIGUSR1 then SIGUSR2 during the abuse; $w, $ON_TIME; longest gap between two" \
	"reads $gap ms (bound $((INTERVAL_MS + SLACK_MS))); leak to SIGUSR2 $leak_ms ms"

# 2. Scrapes and abusers.
pass "during the abuse: $(cat "$WORK/scrapes.out"); $(cat "$WORK/idle.out");" \
	"$(cat "$WORK/slowloris.out"); $(cat "$WORK/bigline.out"); $(cat "$WORK/garbage.out")"
promtool check metrics <"$WORK/during" >"$WORK/promtool.log" 2>&1 || fail "promtool refused a page scraped during the abuse"

# 3. The fds come back; a page afterwards.
wait_for 10 fds_are "$FD_BASE" ||
	fail "fds: $(fd_count), baseline $FD_BASE: $(ls -l "/proc/$SIDECAR/fd" | tail -n +2 | awk '{print $NF}' | sort | uniq -c)"
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/after" || fail "no scrape after the abuse"
promtool check metrics <"$WORK/after" >>"$WORK/promtool.log" 2>&1 || fail "promtool refused the page after the abuse"
sample() { awk -v n="$1" '$1 == n { print $2 }' "$WORK/after"; }
[ "$(sample oomsentry_http_refused_total)" -gt 0 ] || fail "no refusals counted"
[ "$(sample oomsentry_http_evicted_total)" -gt 0 ] || fail "no evictions counted"
[ "$(sample oomsentry_http_bad_requests_total)" -gt 0 ] || fail "no bad requests counted"
[ "$(sample oomsentry_http_connections)" = 1 ] || fail "connections open: $(sample oomsentry_http_connections), want 1 (this one)"
alive "$SIDECAR" || fail "the sidecar stopped"
pass "fds: $FD_BASE before, $FD_ABUSE with the idle connections open, back to $(fd_count);" \
	"accepted $(sample oomsentry_http_accepted_total), refused $(sample oomsentry_http_refused_total)," \
	"evicted $(sample oomsentry_http_evicted_total), timed out $(sample oomsentry_http_timed_out_total)," \
	"bad requests $(sample oomsentry_http_bad_requests_total), peak $(sample oomsentry_http_connections_peak)"
