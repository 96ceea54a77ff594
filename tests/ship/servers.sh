# Test servers for oomsentry-ship, sourced by a test after tests/e2e/lib.sh
# (which provides fail, missing_prerequisite, wait_for, PIDS and cleanup).
#
# Object store: s3rver with its data in DIR/s3, behind s3front.mjs, which
# verifies every request's AWS Signature V4 (s3rver itself checks only the
# access key id) and streams the rest through.
#   s3_start DIR        starts both on free loopback ports, creates the bucket,
#                       and exports S3_ENDPOINT (the front, http://127.0.0.1:PORT),
#                       S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
#                       AWS_REGION, S3_BACKEND_ENDPOINT (s3rver itself, no
#                       signature check), S3CMD_CONFIG (s3cmd's configuration,
#                       path-style through the front)
#   s3_stop             stops both
#   s3_kill_backend     SIGKILLs s3rver: the front stays up and answers 503
#   s3_start_backend    starts s3rver again, same port, same data
#   s3_down / s3_up     the same for the whole store: connections are refused
#   s3_get KEY FILE     reads an object back with s3cmd (through the front)
#   s3_list [PREFIX]    "SIZE KEY" lines, one per object under PREFIX
#   s3_count NAME       a counter of the front: requests, accepted, rejected,
#                       unavailable, faulted, aborted, bytes_in, or an error
#                       code (SignatureDoesNotMatch, ...); 0 if never seen
#   s3_fault STATUS N   the next N requests get STATUS (500 InternalError,
#                       503 SlowDown) from the front
# Also set: S3_FRONT_PID, S3_BACKEND_PID, S3_FRONT_PORT, S3_BACKEND_PORT.
# Logs: DIR/s3front.log (one line per request, with the verdict),
# DIR/s3rver.log, DIR/s3cmd.log. The counters start from 0 when the front
# starts again (s3_up); at each stop they are written to DIR/front-stats.json.
# Webhook: webhook_recv.py, one JSON line per POST in DIR/webhook.jsonl.
#   webhook_start DIR   exports WEBHOOK_URL (http://127.0.0.1:PORT/hook; any
#                       path is accepted), WEBHOOK_LOG, WEBHOOK_CONTROL; a
#                       second start with the same DIR keeps port and log
#   webhook_stop
#   webhook_set STATUS [DELAY]   what the next requests get (0: the
#                       connection is closed without an answer)
#   webhook_count       number of requests received so far
#
# Set S3_TEST_KEY_ID, S3_TEST_SECRET, S3_TEST_REGION, S3_TEST_BUCKET before
# s3_start to change the defaults. The secret has "/" and "+" in it, as real
# AWS secrets do, and the region is not us-east-1, so that a client that
# forgets to pass it on fails here.

SHIP_SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# npm packages (s3rver, AWS's signer), pinned by package-lock.json, in a
# cache outside the source tree: the first run needs the npm registry, later
# runs are offline.
SHIP_NPM_CACHE=${OOMSENTRY_NPM_SHIP_CACHE:-/var/cache/oomsentry-tests/npm-ship}
SHIP_MODULES=$SHIP_NPM_CACHE

ship_cache_current() {
	cmp -s "$SHIP_SERVERS_DIR/package-lock.json" "$SHIP_NPM_CACHE/package-lock.json" &&
		[ -f "$SHIP_NPM_CACHE/node_modules/s3rver/package.json" ]
}

# ship_servers_prepare: checks the tools and fills the npm cache if needed.
ship_servers_prepare() {
	local t tmp lock
	for t in node s3cmd curl python3 flock; do
		command -v "$t" >/dev/null || missing_prerequisite "$t (apt-get install nodejs s3cmd curl python3 util-linux)"
	done
	ship_cache_current && return 0
	command -v npm >/dev/null || missing_prerequisite "npm, to fill $SHIP_NPM_CACHE"
	mkdir -p "$(dirname "$SHIP_NPM_CACHE")" || missing_prerequisite "cannot create $(dirname "$SHIP_NPM_CACHE")"
	# Tests running side by side take turns; the one that waited finds the
	# cache filled.
	exec {lock}>"$SHIP_NPM_CACHE.lock"
	flock "$lock"
	if ! ship_cache_current; then
		# Install beside the cache and rename, so that an interrupted
		# install never leaves a cache that looks complete.
		tmp=$(mktemp -d "$SHIP_NPM_CACHE.new.XXXXXX")
		cp "$SHIP_SERVERS_DIR/package.json" "$SHIP_SERVERS_DIR/package-lock.json" "$tmp/"
		if ! (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
			rm -rf "$tmp"
			exec {lock}>&-
			missing_prerequisite "npm ci of tests/ship/package-lock.json failed (no registry?): $(tail -n 3 "$WORK/npm.log")"
		fi
		rm -rf "$SHIP_NPM_CACHE" && mv "$tmp" "$SHIP_NPM_CACHE" || fail "cannot move the npm packages into $SHIP_NPM_CACHE"
	fi
	exec {lock}>&-
}

_ship_forget_pid() { # PID: not for cleanup() to kill any more (the pid may be reused)
	local p keep=()
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p")
	done
	PIDS=("${keep[@]:-}")
}

_ship_stop() { # PID SIGNAL
	[ -n "$1" ] || return 0
	kill "-$2" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	_ship_forget_pid "$1"
}

# _ship_await PORT_FILE PID NAME: waits for the server to write its port
# (it does so once it listens) or to die.
_ship_await() {
	wait_for 30 eval "[ -s '$1' ] || ! alive $2" || fail "$3 did not start within 30 s"
	[ -s "$1" ] || fail "$3 exited at start (see its log)"
	cat "$1"
}

_s3_backend_up() {
	rm -f "$S3_DIR/backend.port"
	node "$SHIP_SERVERS_DIR/s3rver_run.mjs" "$SHIP_MODULES" "$S3_DIR/s3" "${S3_BACKEND_PORT:-0}" "$S3_DIR/backend.port" \
		"$S3_BUCKET" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >>"$S3_DIR/s3rver.log" 2>&1 &
	S3_BACKEND_PID=$!
	PIDS+=("$S3_BACKEND_PID")
	S3_BACKEND_PORT=$(_ship_await "$S3_DIR/backend.port" "$S3_BACKEND_PID" s3rver) || exit 1
	export S3_BACKEND_ENDPOINT=http://127.0.0.1:$S3_BACKEND_PORT
}

_s3_front_up() {
	rm -f "$S3_DIR/front.port"
	node "$SHIP_SERVERS_DIR/s3front.mjs" "$SHIP_MODULES" --backend "127.0.0.1:$S3_BACKEND_PORT" \
		--port "${S3_FRONT_PORT:-0}" --port-file "$S3_DIR/front.port" --stats-file "$S3_DIR/front-stats.json" \
		--key "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --region "$AWS_REGION" >>"$S3_DIR/s3front.log" 2>&1 &
	S3_FRONT_PID=$!
	PIDS+=("$S3_FRONT_PID")
	S3_FRONT_PORT=$(_ship_await "$S3_DIR/front.port" "$S3_FRONT_PID" s3front) || exit 1
	export S3_ENDPOINT=http://127.0.0.1:$S3_FRONT_PORT
}

s3_start() {
	ship_servers_prepare
	S3_DIR=$1
	mkdir -p "$S3_DIR/s3" || fail "cannot create $S3_DIR/s3"
	export AWS_ACCESS_KEY_ID=${S3_TEST_KEY_ID:-AKIAOOMSENTRYTEST001}
	export AWS_SECRET_ACCESS_KEY=${S3_TEST_SECRET:-oomsentry/test+secret/0123456789abcdefghijklm}
	export AWS_REGION=${S3_TEST_REGION:-eu-central-1}
	export S3_BUCKET=${S3_TEST_BUCKET:-oomsentry-dumps}
	S3_BACKEND_PORT= S3_FRONT_PORT=
	_s3_backend_up
	_s3_front_up
	export S3CMD_CONFIG=$S3_DIR/s3cfg
	# Path-style (host_bucket without %(bucket)s), plain HTTP, V4 signatures.
	cat >"$S3CMD_CONFIG" <<-EOF
		[default]
		access_key = $AWS_ACCESS_KEY_ID
		secret_key = $AWS_SECRET_ACCESS_KEY
		host_base = 127.0.0.1:$S3_FRONT_PORT
		host_bucket = 127.0.0.1:$S3_FRONT_PORT
		bucket_location = $AWS_REGION
		use_https = False
		signature_v2 = False
		check_ssl_certificate = False
		progress_meter = False
	EOF
	# The bucket exists once s3rver listens (created at its start): check
	# that through the front, signed, as the shipper will reach it.
	s3cmd -c "$S3CMD_CONFIG" ls "s3://$S3_BUCKET" >>"$S3_DIR/s3cmd.log" 2>&1 ||
		fail "bucket $S3_BUCKET not reachable through the front"
}

s3_stop() {
	_ship_stop "${S3_FRONT_PID:-}" TERM
	_ship_stop "${S3_BACKEND_PID:-}" TERM
	S3_FRONT_PID= S3_BACKEND_PID=
}

s3_kill_backend() {
	_ship_stop "${S3_BACKEND_PID:-}" KILL
	S3_BACKEND_PID=
}
s3_start_backend() { _s3_backend_up; }

s3_down() {
	_ship_stop "${S3_FRONT_PID:-}" KILL
	_ship_stop "${S3_BACKEND_PID:-}" KILL
	S3_FRONT_PID= S3_BACKEND_PID=
}
s3_up() {
	_s3_backend_up
	_s3_front_up
}

s3_get() { # KEY FILE
	s3cmd -c "$S3CMD_CONFIG" get --force "s3://$S3_BUCKET/$1" "$2" >>"$S3_DIR/s3cmd.log" 2>&1
}

s3_list() { # [PREFIX] -> "SIZE KEY" lines
	s3cmd -c "$S3CMD_CONFIG" ls -r "s3://$S3_BUCKET/${1:-}" 2>>"$S3_DIR/s3cmd.log" |
		sed -n "s|^[0-9-]* [0-9:]* *\([0-9][0-9]*\) *s3://$S3_BUCKET/\(.*\)$|\1 \2|p"
}

s3_count() { # NAME
	curl -sf "$S3_ENDPOINT/__stats.txt" | awk -v k="$1" '$1 == k { n = $2 } END { print n + 0 }'
}

s3_fault() { # STATUS COUNT
	curl -sf "$S3_ENDPOINT/__fault?status=$1&count=$2" >/dev/null
}

webhook_start() {
	command -v python3 >/dev/null || missing_prerequisite "python3 (apt-get install python3)"
	WEBHOOK_DIR=$1
	mkdir -p "$WEBHOOK_DIR"
	export WEBHOOK_LOG=$WEBHOOK_DIR/webhook.jsonl WEBHOOK_CONTROL=$WEBHOOK_DIR/webhook.control
	local port=0
	[ -s "$WEBHOOK_DIR/webhook.port" ] && port=$(cat "$WEBHOOK_DIR/webhook.port")
	rm -f "$WEBHOOK_DIR/webhook.port"
	python3 "$SHIP_SERVERS_DIR/webhook_recv.py" --port "$port" --port-file "$WEBHOOK_DIR/webhook.port" \
		--out "$WEBHOOK_LOG" --control "$WEBHOOK_CONTROL" >>"$WEBHOOK_DIR/webhook.log" 2>&1 &
	WEBHOOK_PID=$!
	PIDS+=("$WEBHOOK_PID")
	port=$(_ship_await "$WEBHOOK_DIR/webhook.port" "$WEBHOOK_PID" webhook_recv.py) || exit 1
	export WEBHOOK_URL=http://127.0.0.1:$port/hook
}

webhook_stop() {
	_ship_stop "${WEBHOOK_PID:-}" TERM
	WEBHOOK_PID=
}

webhook_set() { # STATUS [DELAY_SECONDS]
	printf 'status %s\ndelay %s\n' "$1" "${2:-0}" >"$WEBHOOK_CONTROL.tmp" && mv "$WEBHOOK_CONTROL.tmp" "$WEBHOOK_CONTROL"
}

webhook_count() {
	if [ -f "$WEBHOOK_LOG" ]; then wc -l <"$WEBHOOK_LOG"; else echo 0; fi
}

# oomsentry-ship itself, for the tests that run it ($SHIP, the dump
# directory $D, and SHIP_ENV, an array of VAR=VALUE for every start):
#   ship_start NAME [VAR=VALUE...]  starts it in the background with
#                       RETRY_MAX=2s TIMEOUT=10s, SHIP_ENV and the
#                       arguments, under the command in SHIP_AS if set
#                       (words, e.g. setpriv's); its log in $WORK/NAME.log (LOG), its pid
#                       in SHIP_PID; returns once it logged ship_start
#   ship_stop           SIGTERM; fails unless it exits 0 after ship_stop
#   ship_count PATTERN  lines of LOG matching PATTERN
#   ship_done_for FILE  upload_done lines of LOG for FILE
ship_start() {
	local name=$1
	shift
	LOG=$WORK/$name.log
	env DUMP_DIR="$D" RETRY_MAX=2s TIMEOUT=10s "${SHIP_ENV[@]}" "$@" ${SHIP_AS:+$SHIP_AS} "$SHIP" >"$LOG" 2>&1 &
	SHIP_PID=$!
	PIDS+=("$SHIP_PID")
	wait_for 10 grep -q "event=ship_start" "$LOG" || fail "$name: no ship_start: $(cat "$LOG")"
}
ship_stop() {
	kill -TERM "$SHIP_PID"
	local rc=0
	wait "$SHIP_PID" || rc=$?
	[ "$rc" = 0 ] || fail "the shipper exited $rc on SIGTERM: $(tail -5 "$LOG")"
	grep -q "event=ship_stop" "$LOG" || fail "no ship_stop line: $(tail -5 "$LOG")"
}
ship_count() { grep -c "$1" "$LOG" || true; }
ship_done_for() { grep "event=upload_done" "$LOG" | grep -c "file=$1 " || true; }
