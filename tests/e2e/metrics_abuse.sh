#!/bin/bash
# metrics_abuse: the metrics listener (src/metrics_http.c) under abuse, in
# tests/helpers/metrics_srv, a loop shaped like the sidecar's whose timer
# ticks every TICK_MS and records the longest gap between two ticks.
#   1. a scrape: 200, the text format's content type, a page promtool accepts;
#   2. /healthz 200 "ok", unknown path 404, POST 405, HEAD with
#      Content-Length and no body, a 1 MiB request line 414, 4 KiB of
#      garbage 400;
#   3. all at once: 200 idle connections, a client sending a byte a second,
#      a 1 MiB request line, 4 KiB of garbage. Meanwhile scrapes succeed
#      (retried only when closed without a byte: every slot busy), the
#      loop's longest tick gap while the abuse lasts stays under GAP_BOUND_MS
#      and no service call of the listener takes CPU_BOUND_MS of CPU;
#   4. once the abusers are gone, the helper's open fds are back to their
#      count before the first client;
#   5. SIGTERM: exit 0.
# Clients are python3 with raw sockets, so that every byte is the test's.
source "$(dirname "$0")/lib.sh"

SRV=${METRICS_SRV:-$top_builddir/tests/helpers/metrics_srv}
TICK_MS=5
# Generous bounds: a listener that waited for a client (a second per byte of
# the slow one, up to its 2 s deadline) or did a flood's worth of work in
# one turn would show far above them. The gap's is wide because on a busy
# 2-core machine (3 spinning shells, other work) the scheduler alone made
# gaps of up to 300 ms outside the abuse, while python started; the CPU
# time of a service call does not depend on the scheduler.
GAP_BOUND_MS=$((100 * TICK_MS))
CPU_BOUND_MS=$((20 * TICK_MS))
[ -x "$SRV" ] || fail "no helper $SRV"
command -v python3 >/dev/null || missing_prerequisite "needs python3"
command -v promtool >/dev/null || missing_prerequisite "needs promtool (Debian: prometheus)"

cat "$top_srcdir/tests/e2e/http_client.py" - >"$WORK/client.py" <<'EOF'
def cmd_get(method, path, bodyfile, retry_s="0"):
    req = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: metrics_abuse\r\n\r\n"
    data, tries = with_retry(req.encode(), float(retry_s))
    if not data:
        print(f"refused tries={tries}")
        return 1
    status, hdrs, body = parse(data)
    with open(bodyfile, "wb") as f:
        f.write(body)
    print(f"status={status} tries={tries} content_length={hdrs.get('content-length', '-')} "
          f"body={len(body)} content_type={hdrs.get('content-type', '-')!r}")
    return 0

def cmd_scrapes(n, retry_s, prefix):
    t0 = time.monotonic()
    for i in range(1, int(n) + 1):
        req = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: metrics_abuse\r\n\r\n"
        data, tries = with_retry(req, float(retry_s))
        if not data:
            print(f"scrape {i}: refused tries={tries}")
            return 1
        status, hdrs, body = parse(data)
        with open(f"{prefix}{i}", "wb") as f:
            f.write(body)
        print(f"scrape {i} status={status} tries={tries} at_s={time.monotonic() - t0:.2f}")
        if status != 200:
            return 1
    return 0

def cmd_status(kind, retry_s="0"):
    if kind == "bigline":
        payload = b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    else:  # garbage: what a TLS client would send, then noise
        rnd = random.Random(1)
        payload = b"\x16\x03\x01" + bytes(rnd.randrange(256) for _ in range(4093))
    data, tries = with_retry(payload, float(retry_s))
    status = parse(data)[0] if data else 0
    print(f"{kind} status={status} tries={tries}")
    return 0

def cmd_idle(n, limit_s):
    n, limit = int(n), float(limit_s)
    socks = {}
    t0 = time.monotonic()
    for _ in range(n):
        s = connect()
        socks[s.fileno()] = s
    print(f"opened {n}", flush=True)
    if "OPENED" in os.environ:
        open(os.environ["OPENED"], "w").close()
    poller = select.poll()
    for fd in socks:
        poller.register(fd, select.POLLIN)
    closed = []
    while socks and time.monotonic() - t0 < limit:
        for fd, _ in poller.poll(100):
            s = socks.pop(fd)
            poller.unregister(fd)
            try:
                got = s.recv(1)
            except ConnectionResetError:
                got = b""
            if got:
                print(f"idle: a byte from the server on an idle connection")
                return 1
            closed.append(time.monotonic() - t0)
            s.close()
    at_once = sum(1 for t in closed if t < 1.0)
    print(f"idle n={n} closed={len(closed)} at_once={at_once} held={len(closed) - at_once} "
          f"last_close_s={max(closed) if closed else 0:.2f}")
    return 0 if not socks else 1

def cmd_slowloris(limit_s):
    msg = b"GET /metrics HTTP/1.1\r\nX-Slow: " + b"a" * 10000
    t_end = time.monotonic() + float(limit_s)
    tries = 0
    while time.monotonic() < t_end:
        tries += 1
        s = connect()
        sent, got, cut = trickle(s, msg, lambda: time.monotonic() < t_end)
        s.close()
        if got:
            print(f"slowloris: got a reply {got[:40]!r}")
            return 1
        if cut is None:
            break
        if cut >= 0.5 or sent > 1:  # held a slot, then cut
            print(f"slowloris tries={tries} bytes={sent} cut_after_s={cut:.2f}")
            return 0
        time.sleep(0.02)  # closed at once: every slot busy
    print(f"slowloris: not cut in {limit_s} s (tries={tries})")
    return 1

cmds = {"get": cmd_get, "status": cmd_status, "idle": cmd_idle, "slowloris": cmd_slowloris,
        "scrapes": cmd_scrapes}
barrier()
sys.exit(cmds[sys.argv[1]](*sys.argv[3:]))
EOF
client() { python3 "$WORK/client.py" "$1" "$PORT" "${@:2}"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
# sample NAME FILE: a sample's value on a page.
sample() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
# ms NAME FILE: a sample in seconds, in milliseconds.
ms() { awk -v n="$1" '$1 == n { printf "%.1f", $2 * 1000 }' "$2"; }
fd_count() { ls "/proc/$SRV_PID/fd" 2>/dev/null | wc -l; }
# phase TEXT: when each step began, to place the helper's long tick gaps
# (it logs them with their wall-clock end) when the test fails.
phase() { echo "$(date +%s.%3N) $*" >>"$WORK/phases.log"; }
fds_are() { [ "$(fd_count)" -eq "$1" ]; }

"$SRV" 127.0.0.1:0 --tick-ms "$TICK_MS" >"$WORK/srv.log" 2>&1 &
SRV_PID=$!
PIDS+=("$SRV_PID")
wait_for 10 grep -q '^listening [0-9]' "$WORK/srv.log" || fail "the helper did not start"
PORT=$(awk '/^listening/ { print $2; exit }' "$WORK/srv.log")
FD_BASE=$(fd_count)

# 1. A scrape.
phase scrape
out=$(client get GET /metrics "$WORK/page") || fail "scrape: $out"
[ "$(field status "$out")" = 200 ] || fail "scrape: $out"
[[ $out == *"content_type='text/plain; version=0.0.4; charset=utf-8'"* ]] || fail "scrape: $out"
[ "$(field content_length "$out")" = "$(field body "$out")" ] || fail "scrape: length: $out"
promtool check metrics <"$WORK/page" >"$WORK/promtool.log" 2>&1 || fail "promtool refused the page"
pass "scrape: $out; promtool check metrics: clean"

# 2. The other routes and refusals.
phase routes
out=$(client get GET /healthz "$WORK/health") || fail "healthz: $out"
[ "$(field status "$out")" = 200 ] && [ "$(cat "$WORK/health")" = ok ] || fail "healthz: $out"
out=$(client get GET /nope "$WORK/x") && [ "$(field status "$out")" = 404 ] || fail "404: $out"
out=$(client get POST /metrics "$WORK/x") && [ "$(field status "$out")" = 405 ] || fail "405: $out"
out=$(client get HEAD /metrics "$WORK/x") || fail "HEAD: $out"
[ "$(field status "$out")" = 200 ] && [ "$(field body "$out")" = 0 ] &&
	[ "$(field content_length "$out")" -gt 0 ] || fail "HEAD: $out"
out=$(client status bigline) && [ "$(field status "$out")" = 414 ] || fail "1 MiB line: $out"
out=$(client status garbage) && [ "$(field status "$out")" = 400 ] || fail "garbage: $out"
pass "healthz 200 ok, 404, 405, HEAD (no body, Content-Length), 1 MiB line 414, garbage 400"

# 3. Abuse, all at once. Every client starts early and waits: the idle one
# for GO, the others until the idle one has its 200 connections open (it
# then holds every slot); the others retry while closed at once, the
# scraper to get its pages, the 1 MiB line and the garbage to get their
# 414 and 400.
abuser() { # NAME CMD...: in the background, its output in NAME.log
	local name=$1
	shift
	READY=$WORK/ready.$name GO=${GO:-$WORK/opened} OPENED=$WORK/opened \
		client "$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=("$!")
	ABUSER_PIDS[$name]=$!
}
declare -A ABUSER_PIDS
phase clients start
GO=$WORK/go abuser idle idle 200 20
abuser slowloris slowloris 20
abuser bigline status bigline 20
abuser garbage status garbage 20
abuser scrapes scrapes 3 20 "$WORK/during"
ready_all() { [ "$(ls "$WORK"/ready.* 2>/dev/null | wc -l)" -eq 5 ]; }
wait_for 30 ready_all || fail "the clients did not start"
phase go
GO_T=$(date +%s.%3N)
touch "$WORK/go"
wait_for 10 test -e "$WORK/opened" || fail "idle connections not opened"
FD_ABUSE=$(fd_count)
phase idle connections open
wait "${ABUSER_PIDS[scrapes]}" || fail "scrapes during the abuse: $(cat "$WORK/scrapes.log")"
for i in 1 2 3; do
	promtool check metrics <"$WORK/during$i" >>"$WORK/promtool.log" 2>&1 ||
		fail "promtool refused page $i"
done
alive "${ABUSER_PIDS[slowloris]}" || echo "note: the slow client was cut before the last scrape" >&2
pass "3 scrapes during the abuse (tries, seconds after the idle connections):" \
	"$(sed -n 's/.*tries=\([0-9]*\) at_s=\(.*\)/\1 at \2;/p' "$WORK/scrapes.log" | tr '\n' ' ')"
wait "${ABUSER_PIDS[idle]}" || fail "idle connections: $(cat "$WORK/idle.log")"
wait "${ABUSER_PIDS[slowloris]}" || fail "slow client: $(cat "$WORK/slowloris.log")"
wait "${ABUSER_PIDS[bigline]}" && grep -q 'status=414' "$WORK/bigline.log" ||
	fail "1 MiB line: $(cat "$WORK/bigline.log")"
wait "${ABUSER_PIDS[garbage]}" && grep -q 'status=400' "$WORK/garbage.log" ||
	fail "garbage: $(cat "$WORK/garbage.log")"
pass "$(tail -n1 "$WORK/idle.log"); $(cat "$WORK/slowloris.log");" \
	"$(cat "$WORK/bigline.log"); $(cat "$WORK/garbage.log")"

# 4. Back to the baseline of fds.
phase abusers done
DONE_T=$(date +%s.%3N)
wait_for 10 fds_are "$FD_BASE" || fail "fds: $(fd_count), baseline $FD_BASE"
client get GET /metrics "$WORK/after" >/dev/null || fail "scrape after the abuse"
PEAK=$(sample oomsentry_http_connections_peak "$WORK/after")
pass "fds: baseline $FD_BASE, $FD_ABUSE with 200 idle clients open," \
	"peak $((FD_BASE + PEAK)) ($PEAK connections), back to $(fd_count)"
# The longest gap that overlapped the abuse, from the gaps over 10 ticks
# the helper logs with the wall-clock time they ended.
GAP_MS=$(awk -v go="$GO_T" -v done="$DONE_T" -v floor=$((10 * TICK_MS)) '
	/^tick_gap_ms=/ {
		split($1, g, "="); split($2, e, "=")
		if (e[2] > go && e[2] - g[2] / 1000 < done && g[2] > max) max = g[2]
	}
	END { if (max) printf "%.1f", max; else printf "<%d", floor }' "$WORK/srv.log")
[[ $GAP_MS == "<"* ]] || awk -v g="$GAP_MS" -v b="$GAP_BOUND_MS" 'BEGIN { exit !(g < b) }' ||
	fail "the loop's longest tick gap during the abuse was $GAP_MS ms (bound $GAP_BOUND_MS)"
CPU_MS=$(ms metrics_srv_service_cpu_max_seconds "$WORK/after")
awk -v c="$CPU_MS" -v b="$CPU_BOUND_MS" 'BEGIN { exit !(c < b) }' ||
	fail "a service call took $CPU_MS ms of CPU (bound $CPU_BOUND_MS)"
pass "longest tick gap during the abuse: $GAP_MS ms (tick $TICK_MS ms, bound $GAP_BOUND_MS ms;" \
	"the whole run: $(ms metrics_srv_tick_gap_max_seconds "$WORK/after") ms); longest service" \
	"call $(ms metrics_srv_service_max_seconds "$WORK/after") ms, $CPU_MS ms of CPU" \
	"(bound $CPU_BOUND_MS ms)"

# 5. SIGTERM.
phase sigterm
kill -TERM "$SRV_PID"
wait "$SRV_PID"
rc=$?
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM"
pass "SIGTERM: exit 0; $(tail -n1 "$WORK/srv.log")"
