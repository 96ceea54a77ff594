#!/usr/bin/env bash
# shellcheck disable=SC2154 # prom_one assigns the variable it is given
# /metrics as a real Prometheus sees it. A sidecar with METRICS_ADDR on a
# port the kernel picks, scraped every second by Prometheus (Debian's 2.42),
# and an app (leaky, with liboomsentry: it asks for SIGUSR1 and SIGUSR2) that
# leaks through warning and critical and then stays. Done means:
#  1. the sidecar logs event=metrics_listening with the bound port right
#     after its start line, and Prometheus has the target up;
#  2. once Prometheus has scraped after the last signal_sent line, its
#     oomsentry_container_signals_sent_total for the app's cgroup equals, per
#     level, the number of signal_sent lines for that cgroup, and the
#     sidecar-wide oomsentry_signals_sent_total the number of all of them;
#     the limit and both thresholds equal the container_limit line's; the
#     level is 2 (critical) as the last level line says; the labels name
#     the container's command;
#  3. the working set Prometheus holds is what the kernel can have shown:
#     at most the usage gauge, which is at most the limit; at least the
#     value the level line reported on entering critical (the app only
#     grows); and within the spread of the cgroup's own working set read by
#     the test before and after (the app stands still by then);
#  4. promtool check metrics accepts a page fetched with curl, which has
#     every family the sidecar documents, and flight records within their
#     bound (64 KiB a container); /healthz answers 200 "ok";
#  5. after SIGHUP (logged as reloaded) and a scrape after it, the counters
#     have not gone down and Prometheus saw no counter reset.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pod/testlib.sh"
need_pod
for c in prometheus promtool; do
	command -v $c >/dev/null || missing_prerequisite "$c (Debian: prometheus)"
done
command -v curl >/dev/null || missing_prerequisite "curl"

LIMIT=$((128 << 20))
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"x $2"; }
# log_ms LINE: the line's ts, in milliseconds since the epoch.
log_ms() { date -d "$(field ts "$1")" +%s%3N; }

mkdir "$WORK/dumps" "$WORK/appdumps"
pod_up p
pod_add sidecar --volume "$WORK/dumps:dumps" --log "$WORK/sidecar.log" -- \
	env "${SIDECAR_ENV[@]}" METRICS_ADDR=127.0.0.1:0 DUMP_DIR=/mnt/dumps "$OOMSENTRY"
wait_for 10 log_has "$WORK/sidecar.log" event=metrics_listening || fail "no metrics_listening line"
listen_line=$(grep -m1 event=metrics_listening "$WORK/sidecar.log")
addr=$(field addr "$listen_line")
[[ $addr =~ ^127\.0\.0\.1:[1-9][0-9]*$ ]] || fail "metrics_listening: $listen_line"
PORT=${addr##*:}
start_no=$(line_no "$WORK/sidecar.log" event=start)
[ "$(line_no "$WORK/sidecar.log" event=metrics_listening)" = $((start_no + 1)) ] ||
	fail "metrics_listening is not right after the start line"
SIDECAR=$(host_pid sidecar)
pass "sidecar listening on $addr"

# Prometheus takes no port 0: take one nothing listens on, below the
# kernel's range for ports it picks (ip_local_port_range, 32768 up by
# default, where the sidecars' port 0 lands), and try another should a
# process take it before Prometheus binds it.
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: oomsentry
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
free_port() {
	local low p
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	while :; do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
		ss -Htln "sport = :$p" | grep -q . || break
	done
	echo "$p"
}
prom_ready() { ! alive "$PROM" || curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null; }
for try in 1 2 3 4 5; do
	PROM_PORT=$(free_port)
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
	PROM=$!
	PIDS+=("$PROM")
	wait_for 30 prom_ready || fail "Prometheus not ready within 30 s"
	alive "$PROM" && break
	grep -q 'address already in use' "$WORK/prometheus.log" || fail "Prometheus exited"
	[ "$try" = 5 ] && fail "Prometheus found no free port in 5 tries"
done

# promq QUERY [TIME]: the values of an instant vector (at TIME, seconds since
# the epoch; default now), one per line, none when it is empty; fails with
# the answer when Prometheus refuses the query. Its JSON is regular: each
# series ends with "value":[TIME,"VALUE"]. (No python here: each start of
# it takes seconds on a loaded machine.)
promq() {
	local out
	out=$(curl -s --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
		${2:+--data-urlencode "time=$2"})
	[[ $out == '{"status":"success","data":{"resultType":"vector",'* ]] || {
		echo "query failed: ${out:0:300}"
		return 1
	}
	grep -o '"value":\[[^]]*\]' <<<"$out" | sed 's/.*,"\(.*\)"\]$/\1/'
}
# prom_one VAR QUERY [TIME]: sets VAR to the value of a one-series vector,
# or fails.
prom_one() {
	local _one
	_one=$(promq "$2" "${3:-}") || fail "query $2: $_one"
	[ -n "$_one" ] && [ "$(wc -l <<<"$_one")" = 1 ] || fail "query $2: not one series: $_one"
	printf -v "$1" %s "$_one"
}

# The app: 24 MiB/s up to 116 MiB of 128: past warning (60%) and critical
# (85%), then still, 10 MiB below the limit.
pod_add app --limit "$LIMIT" --volume "$WORK/appdumps:dumps" --log "$WORK/app.log" -- \
	env OOMSENTRY_DUMP_DIR=/mnt/dumps "$LEAKY" --rate 24 --max 116
cg=/oomsentry-pod-$POD/app
sel="cgroup=\"$cg\""
wait_for 30 grep -q 'leaky: leaked_mib=116' "$WORK/app.log" || fail "the app did not reach 116 MiB"
grep -q 'leaky: received critical' "$WORK/app.log" || fail "the app never got SIGUSR2"
wait_for 10 log_has "$WORK/sidecar.log" event=signal_sent "cgroup=$cg " signal=SIGUSR2 ||
	fail "no SIGUSR2 sent to the app"

up_is_1() { [ "$(promq 'up{job="oomsentry"}')" = 1 ]; }
wait_for 30 up_is_1 || fail "Prometheus has no up{job=\"oomsentry\"} == 1: $(promq 'up')"
pass "Prometheus (127.0.0.1:$PROM_PORT) scrapes the sidecar: up == 1"

# 2. The counters, once scraped after the last signal. The scrape's time is
# when Prometheus began it, before it asked; a time after the line's
# (both in ms, the line's truncated) is a page made after the signal.
signals() { grep event=signal_sent "$WORK/sidecar.log" | grep -F "cgroup=$cg " | grep "$@"; }
last_signal_ms=$(log_ms "$(signals -e . | tail -n 1)")
scraped_after() { # MS SERIES
	local t
	t=$(promq "timestamp($2)") && [ -n "$t" ] &&
		[ "$(awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }')" -gt "$1" ]
}
wait_for 15 scraped_after "$last_signal_ms" "oomsentry_container_signals_sent_total{$sel,level=\"critical\"}" ||
	fail "no scrape after the last signal within 15 s"
n_warn=$(signals -c memory_level=warning)
n_crit=$(signals -c memory_level=critical)
all_warn=$(grep event=signal_sent "$WORK/sidecar.log" | grep -c memory_level=warning)
all_crit=$(grep event=signal_sent "$WORK/sidecar.log" | grep -c memory_level=critical)
[ "$n_warn" -ge 1 ] && [ "$n_crit" -ge 1 ] || fail "signal_sent lines: $n_warn warning, $n_crit critical"
prom_one p_warn "oomsentry_container_signals_sent_total{$sel,level=\"warning\"}"
prom_one p_crit "oomsentry_container_signals_sent_total{$sel,level=\"critical\"}"
[ "$p_warn" = "$n_warn" ] && [ "$p_crit" = "$n_crit" ] ||
	fail "Prometheus has $p_warn warning, $p_crit critical signals for $cg; the log $n_warn, $n_crit"
prom_one s_warn 'oomsentry_signals_sent_total{level="warning"}'
prom_one s_crit 'oomsentry_signals_sent_total{level="critical"}'
[ "$s_warn" = "$all_warn" ] && [ "$s_crit" = "$all_crit" ] ||
	fail "sidecar-wide signals: $(promq 'oomsentry_signals_sent_total'), the log $all_warn, $all_crit"
# Nothing was sent while this was checked (COOLDOWN=1h, the app stands).
[ "$(signals -c -e .)" = $((n_warn + n_crit)) ] || fail "signals sent during the check"
limit_line=$(grep "event=container_limit cgroup=$cg " "$WORK/sidecar.log" | tail -n 1)
for m in spec_memory_limit:limit_bytes memory_warning_threshold:warning_bytes memory_critical_threshold:critical_bytes; do
	prom_one v "oomsentry_container_${m%%:*}_bytes{$sel}"
	[ "$v" = "$(field "${m#*:}" "$limit_line")" ] || fail "oomsentry_container_${m%%:*}_bytes $v; the log: $limit_line"
done
[ "$(field limit_bytes "$limit_line")" = "$LIMIT" ] || fail "limit: $limit_line"
crit_line=$(grep "event=level cgroup=$cg .*to=critical" "$WORK/sidecar.log" | tail -n 1)
[ -n "$crit_line" ] || fail "no level line to critical"
[ "$(grep "event=level cgroup=$cg " "$WORK/sidecar.log" | tail -n 1)" = "$crit_line" ] ||
	fail "the last level line is not to critical"
prom_one level "oomsentry_container_memory_level{$sel}"
[ "$level" = 2 ] || fail "level $level"
[ -n "$(promq "oomsentry_container_memory_level{$sel,comm=\"leaky\"}")" ] ||
	fail "labels do not name the command leaky: $(curl -s "http://127.0.0.1:$PORT/metrics" | grep -F "$cg" | head -n 3)"
pass "Prometheus: $p_warn warning and $p_crit critical signals for $cg, as the log has;" \
	"limit, thresholds as logged; level 2"

# 3. The working set, within what can be known. The test reads the cgroup
# as the sidecar does (usage minus inactive file pages) before and after
# waiting for a scrape; the app stands still meanwhile.
host_ws() {
	local d=/sys/fs/cgroup/memory$cg u inactive
	u=$(cat "$d/memory.usage_in_bytes")
	inactive=$(awk '$1 == "total_inactive_file" { print $2 }' "$d/memory.stat")
	echo $((u - inactive))
}
ws_a=$(host_ws)
t_a=$(date +%s%3N)
wait_for 10 scraped_after "$t_a" "oomsentry_container_memory_working_set_bytes{$sel}" || fail "no scrape within 10 s"
# Both from one scrape: queried at its time, not at "now", when a newer
# scrape may land between the two queries.
prom_one t "timestamp(oomsentry_container_memory_working_set_bytes{$sel})"
prom_one ws "oomsentry_container_memory_working_set_bytes{$sel}" "$t"
prom_one usage "oomsentry_container_memory_usage_bytes{$sel}" "$t"
ws_b=$(host_ws)
lo=$((ws_a < ws_b ? ws_a : ws_b))
hi=$((ws_a > ws_b ? ws_a : ws_b))
entered=$(field value_bytes "$crit_line")
[ "$ws" -le "$usage" ] && [ "$usage" -le "$LIMIT" ] || fail "working set $ws, usage $usage, limit $LIMIT"
[ "$ws" -ge "$entered" ] || fail "working set $ws below $entered, the value on entering critical"
[ "$ws" -ge "$lo" ] && [ "$ws" -le "$hi" ] || fail "working set $ws outside the cgroup's $lo..$hi"
pass "working set $ws <= usage $usage <= limit $LIMIT; >= $entered (critical entered);" \
	"within the cgroup's $lo..$hi"

# 4. promtool and /healthz.
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/page" || fail "curl /metrics"
promtool check metrics <"$WORK/page" >"$WORK/promtool.log" 2>&1 || fail "promtool refused the page"
for f in container_memory_usage_bytes container_memory_working_set_bytes container_spec_memory_limit_bytes \
	container_memory_warning_threshold_bytes container_memory_critical_threshold_bytes \
	container_memory_level container_processes container_signals_sent_total \
	container_signals_skipped_total container_actions_total container_dumps_total \
	container_oom_kills_total container_read_errors_total cgroup_reads_total signals_sent_total \
	oom_kills_total containers processes flight_recorder_bytes build_info; do
	grep -q "^# TYPE oomsentry_$f " "$WORK/page" || fail "no family oomsentry_$f on the page"
done
for f in cpu_seconds_total resident_memory_bytes virtual_memory_bytes open_fds max_fds start_time_seconds; do
	grep -q "^# TYPE process_$f " "$WORK/page" || fail "no family process_$f on the page"
done
grep -q '^oomsentry_build_info{version="[^"]*"} 1$' "$WORK/page" || fail "no build_info 1"
page_value() { awk -v n="$1" '$1 == n { print $2 }' "$WORK/page"; }
held=$(page_value oomsentry_flight_recorder_bytes)
[ "$held" -gt 0 ] && [ "$held" -le $((65536 * $(page_value oomsentry_containers))) ] ||
	fail "flight records hold $held bytes for $(page_value oomsentry_containers) containers"
code=$(curl -s -o "$WORK/health" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] && [ "$(cat "$WORK/health")" = ok ] || fail "healthz: $code $(cat "$WORK/health")"
pass "promtool check metrics: clean ($(wc -l <"$WORK/page") lines), every family;" \
	"flight records $held bytes; /healthz 200 ok"

# 5. SIGHUP keeps the counts.
prom_one reads_before oomsentry_cgroup_reads_total
kill -HUP "$SIDECAR"
wait_for 10 log_has "$WORK/sidecar.log" event=reloaded || fail "no reloaded line after SIGHUP"
reload_ms=$(log_ms "$(grep -m1 event=reloaded "$WORK/sidecar.log")")
wait_for 10 scraped_after "$reload_ms" "oomsentry_container_signals_sent_total{$sel,level=\"critical\"}" ||
	fail "no scrape after the reload within 10 s"
prom_one a_warn "oomsentry_container_signals_sent_total{$sel,level=\"warning\"}"
prom_one a_crit "oomsentry_container_signals_sent_total{$sel,level=\"critical\"}"
[ "$a_warn" -ge "$p_warn" ] && [ "$a_crit" -ge "$p_crit" ] ||
	fail "after SIGHUP: $a_warn warning, $a_crit critical; before $p_warn, $p_crit"
# resets() over all the run's samples: a reload that restarted a counter
# between two scrapes shows there, whatever the values at either end.
for m in "oomsentry_container_signals_sent_total{$sel}" oomsentry_signals_sent_total \
	oomsentry_cgroup_reads_total "oomsentry_container_read_errors_total{$sel}"; do
	resets=$(promq "resets(${m}[5m])") || fail "query resets($m): $resets"
	[ -n "$resets" ] || fail "no samples of $m"
	! grep -qvx 0 <<<"$resets" || fail "Prometheus saw $m reset: $resets"
done
prom_one reads_after oomsentry_cgroup_reads_total
[ "$reads_after" -gt "$reads_before" ] || fail "cgroup reads did not go on: $reads_before, then $reads_after"
alive "$SIDECAR" || fail "the sidecar stopped"
pass "after SIGHUP: $a_warn warning, $a_crit critical signals, no counter reset; reads $reads_before -> $reads_after"
