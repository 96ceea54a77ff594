#!/usr/bin/env bash
# Done means: the servers oomsentry-ship's tests run against behave as the
# real services would. The S3 front accepts what AWS accepts and rejects what
# AWS rejects, for s3cmd and for curl's --aws-sigv4 (libcurl's signer, the
# one the shipper uses) — where s3rver alone accepts a wrong secret; bodies
# are streamed (a 64 MiB multipart upload with small memory, RSS reported);
# a failed or interrupted PUT leaves no object; the store can die and come
# back with its data; the webhook receiver records POSTs in order, fails on
# demand and survives a restart.
source "$(dirname "$0")/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"

s3_start "$WORK"
pass "store up: front $S3_ENDPOINT, s3rver $S3_BACKEND_ENDPOINT, bucket $S3_BUCKET, region $AWS_REGION"

# sigv4 [SECRET=...] CURL_ARGS...: a request signed by curl; prints the HTTP
# status, the body goes to $WORK/body.
sigv4() {
	curl -sS -o "$WORK/body" -w '%{http_code}' --aws-sigv4 "aws:amz:${REGION:-$AWS_REGION}:s3" \
		--user "${KEY_ID:-$AWS_ACCESS_KEY_ID}:${SECRET:-$AWS_SECRET_ACCESS_KEY}" "$@"
}
# expect STATUS [CODE] -- CURL_ARGS...: the request gets STATUS, and the S3
# error CODE in the body if given.
expect() {
	local want=$1 code= got
	shift
	[ "$1" = -- ] || { code=$1; shift; }
	shift
	got=$(sigv4 "$@") || fail "curl $* failed ($got)"
	[ "$got" = "$want" ] || fail "curl ${*: -1}: HTTP $got, expected $want: $(head -c 600 "$WORK/body")"
	[ -z "$code" ] || grep -q "<Code>$code</Code>" "$WORK/body" || fail "curl ${*: -1}: expected $code, got: $(head -c 600 "$WORK/body")"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
md5b64() { python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.md5(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"; }
U=$S3_ENDPOINT/$S3_BUCKET
UNSIGNED=(-H "x-amz-content-sha256: UNSIGNED-PAYLOAD")

head -c 300000 /dev/urandom >"$WORK/small.bin"
head -c 5000 /dev/urandom >"$WORK/other.bin"

# 1. s3cmd with the right secret: accepted, read back byte for byte.
accepted=$(s3_count accepted)
s3cmd -c "$S3CMD_CONFIG" put "$WORK/small.bin" "s3://$S3_BUCKET/s3cmd/small.bin" >"$WORK/put.log" 2>&1 ||
	fail "s3cmd put with the right secret failed"
[ "$(s3_count accepted)" -gt "$accepted" ] || fail "the front counted no accepted request"
s3_get s3cmd/small.bin "$WORK/small.back" || fail "s3cmd get failed"
cmp -s "$WORK/small.bin" "$WORK/small.back" || fail "the object read back differs"
[ "$(s3_list s3cmd/)" = "300000 s3cmd/small.bin" ] || fail "s3_list: $(s3_list s3cmd/)"
pass "s3cmd put with the right secret: accepted, read back identical"

# 2. A wrong secret: the front says SignatureDoesNotMatch, s3rver alone
# stores the object anyway.
sed 's|^secret_key = .*|secret_key = not-the-secret|' "$S3CMD_CONFIG" >"$WORK/wrong.cfg"
rejected=$(s3_count SignatureDoesNotMatch)
if s3cmd -c "$WORK/wrong.cfg" put "$WORK/small.bin" "s3://$S3_BUCKET/wrong/front.bin" >"$WORK/wrong.txt" 2>&1; then
	fail "the front accepted a wrong secret"
fi
grep -q "403 (SignatureDoesNotMatch)" "$WORK/wrong.txt" || fail "s3cmd with a wrong secret: $(tail -n 3 "$WORK/wrong.txt")"
[ "$(s3_count SignatureDoesNotMatch)" -gt "$rejected" ] || fail "the front counted no SignatureDoesNotMatch"
sed "s|127.0.0.1:$S3_FRONT_PORT|127.0.0.1:$S3_BACKEND_PORT|" "$WORK/wrong.cfg" >"$WORK/wrong-direct.cfg"
s3cmd -c "$WORK/wrong-direct.cfg" put "$WORK/small.bin" "s3://$S3_BUCKET/wrong/direct.bin" >"$WORK/direct.txt" 2>&1 ||
	fail "s3rver refused a wrong secret (it used not to check signatures): $(tail -n 3 "$WORK/direct.txt")"
[ "$(s3_list wrong/)" = "300000 wrong/direct.bin" ] || fail "after the wrong-secret uploads: $(s3_list wrong/)"
pass "wrong secret: 403 SignatureDoesNotMatch from the front; s3rver alone stored the object"

# 3. curl --aws-sigv4. curl 7.88 sends no x-amz-content-sha256 of its own:
# S3 requires one, so the sender sets it, to the body's SHA-256 or to
# UNSIGNED-PAYLOAD; curl then signs that value.
expect 200 -- -T "$WORK/small.bin" -H "x-amz-content-sha256: $(sha "$WORK/small.bin")" "$U/curl/hashed.bin"
s3_get curl/hashed.bin "$WORK/back" && cmp -s "$WORK/small.bin" "$WORK/back" || fail "curl/hashed.bin read back differs"
expect 200 -- -T "$WORK/small.bin" "${UNSIGNED[@]}" "$U/curl/unsigned.bin"
s3_get curl/unsigned.bin "$WORK/back" && cmp -s "$WORK/small.bin" "$WORK/back" || fail "curl/unsigned.bin read back differs"
expect 400 InvalidRequest -- -T "$WORK/small.bin" "$U/curl/nohash.bin"
# A body that does not match its stated hash: rejected, and the object
# it would have replaced is still the old one.
expect 400 XAmzContentSHA256Mismatch -- -T "$WORK/other.bin" -H "x-amz-content-sha256: $(sha "$WORK/small.bin")" "$U/curl/hashed.bin"
expect 400 XAmzContentSHA256Mismatch -- -T "$WORK/other.bin" -H "x-amz-content-sha256: $(sha "$WORK/small.bin")" "$U/curl/never.bin"
s3_get curl/hashed.bin "$WORK/back" && cmp -s "$WORK/small.bin" "$WORK/back" || fail "a rejected PUT changed curl/hashed.bin"
expect 400 BadDigest -- -T "$WORK/other.bin" "${UNSIGNED[@]}" -H "Content-MD5: $(md5b64 "$WORK/small.bin")" "$U/curl/md5.bin"
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" -H "Content-MD5: $(md5b64 "$WORK/other.bin")" "$U/curl/md5.bin"
SECRET=wrong expect 403 SignatureDoesNotMatch -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/curl/wrong.bin"
KEY_ID=AKIAUNKNOWN expect 403 InvalidAccessKeyId -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/curl/wrong.bin"
REGION=us-east-1 expect 400 AuthorizationHeaderMalformed -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/curl/wrong.bin"
# S3 signs the path and the query in canonical form (each part encoded by
# RFC 3986, parameters sorted, "uploads" as "uploads="), whatever the URL
# carried. curl 7.88 signs path and query as given: a URL already in
# canonical form passes. How this curl signs a non-canonical one is reported
# (a later curl may canonicalize it itself); the front must say 200 or
# SignatureDoesNotMatch, nothing else.
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/curl/a%3Ab.bin"
curl_version=$(curl --version | awk 'NR == 1 { print $2 }')
noncanonical=
for url in "$U/curl/a:b.bin" "$U?prefix=curl%2F&list-type=2" "$U?list-type=2&prefix=curl/"; do
	case $(sigv4 "${UNSIGNED[@]}" -I "$url") in
	200) noncanonical+=" ${url#"$U"}:accepted" ;;
	403) noncanonical+=" ${url#"$U"}:rejected" ;;
	*) fail "$url: $(head -c 600 "$WORK/body")" ;;
	esac
done
# Virtual-hosted style: BUCKET.localhost.
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" --resolve "$S3_BUCKET.localhost:$S3_FRONT_PORT:127.0.0.1" \
	"http://$S3_BUCKET.localhost:$S3_FRONT_PORT/curl/vhost.bin"
expect 200 -- "${UNSIGNED[@]}" "$U/curl/vhost.bin"
cmp -s "$WORK/other.bin" "$WORK/body" || fail "the virtual-hosted upload read back differs"
# HEAD: headers of the object, no body; 404 with no body for a missing key.
expect 200 -- -I "${UNSIGNED[@]}" "$U/curl/hashed.bin"
grep -qi '^content-length: 300000' "$WORK/body" || fail "HEAD: $(cat "$WORK/body")"
expect 404 -- -I "${UNSIGNED[@]}" "$U/curl/never.bin"
[ "$(s3_list curl/ | awk '{print $2}' | tr '\n' ' ')" = "curl/a:b.bin curl/hashed.bin curl/md5.bin curl/unsigned.bin curl/vhost.bin " ] ||
	fail "objects under curl/: $(s3_list curl/)"
pass "curl --aws-sigv4: hashed and UNSIGNED-PAYLOAD PUTs accepted; no hash, wrong hash, wrong MD5, secret, key id, region rejected as by S3"
pass "curl $curl_version with non-canonical URLs:$noncanonical"

# 4. A PUT interrupted midway leaves no object (s3rver alone keeps what it
# received under the key).
head -c 8M /dev/zero >"$WORK/slow.bin"
rc=0
sigv4 -T "$WORK/slow.bin" "${UNSIGNED[@]}" --limit-rate 2M --max-time 1 "$U/cut/slow.bin" >/dev/null 2>&1 || rc=$?
[ $rc = 28 ] || fail "the interrupted upload ended with curl status $rc, expected 28 (timeout)"
wait_for 10 eval '[ "$(s3_count aborted)" -ge 1 ]' || fail "the front did not see the client go"
[ -z "$(s3_list cut/)" ] || fail "an interrupted PUT left an object: $(s3_list cut/)"
pass "an interrupted PUT leaves no object"

# 5. Multipart through the front, by hand: what S3 checks at completion and
# s3rver does not (ETags, part order, 5 MiB minimum), and abort.
mp_start() {
	expect 200 -- -X POST "${UNSIGNED[@]}" "$U/mp/$1?uploads="
	sed -n 's|.*<UploadId>\(.*\)</UploadId>.*|\1|p' "$WORK/body"
}
complete_xml() { # NUMBER ETAG ...
	printf '<CompleteMultipartUpload>'
	while [ $# -gt 0 ]; do printf '<Part><PartNumber>%s</PartNumber><ETag>"%s"</ETag></Part>' "$1" "$2"; shift 2; done
	printf '</CompleteMultipartUpload>'
}
head -c 6M /dev/urandom >"$WORK/part1.bin"
id=$(mp_start hand.bin)
[ -n "$id" ] || fail "no UploadId: $(cat "$WORK/body")"
expect 200 -- -T "$WORK/part1.bin" "${UNSIGNED[@]}" "$U/mp/hand.bin?partNumber=1&uploadId=$id"
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/mp/hand.bin?partNumber=2&uploadId=$id"
e1=$(md5sum "$WORK/part1.bin" | cut -d' ' -f1) e2=$(md5sum "$WORK/other.bin" | cut -d' ' -f1)
expect 400 InvalidPart -- -X POST "${UNSIGNED[@]}" --data-binary "$(complete_xml 1 "$e1" 2 "$e1")" "$U/mp/hand.bin?uploadId=$id"
expect 400 InvalidPartOrder -- -X POST "${UNSIGNED[@]}" --data-binary "$(complete_xml 2 "$e2" 1 "$e1")" "$U/mp/hand.bin?uploadId=$id"
expect 200 -- -X POST "${UNSIGNED[@]}" --data-binary "$(complete_xml 1 "$e1" 2 "$e2")" "$U/mp/hand.bin?uploadId=$id"
s3_get mp/hand.bin "$WORK/back" && cmp -s <(cat "$WORK/part1.bin" "$WORK/other.bin") "$WORK/back" || fail "mp/hand.bin read back differs"
id=$(mp_start small.bin)
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/mp/small.bin?partNumber=1&uploadId=$id"
expect 200 -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/mp/small.bin?partNumber=2&uploadId=$id"
expect 400 EntityTooSmall -- -X POST "${UNSIGNED[@]}" --data-binary "$(complete_xml 1 "$e2" 2 "$e2")" "$U/mp/small.bin?uploadId=$id"
expect 204 -- -X DELETE "${UNSIGNED[@]}" "$U/mp/small.bin?uploadId=$id"
expect 404 NoSuchUpload -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/mp/small.bin?partNumber=3&uploadId=$id"
[ "$(s3_list mp/ | awk '{print $2}')" = mp/hand.bin ] || fail "objects under mp/: $(s3_list mp/)"
pass "multipart by hand: wrong ETag, wrong order, small part rejected at completion; abort works"

# 6. A 64 MiB multipart upload with s3cmd, watching both servers' memory.
head -c 64M /dev/urandom >"$WORK/big.bin"
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$1/status"; }
front0=$(rss "$S3_FRONT_PID") back0=$(rss "$S3_BACKEND_PID")
(while :; do echo "$(rss "$S3_FRONT_PID") $(rss "$S3_BACKEND_PID")"; sleep 0.1; done) >"$WORK/rss.txt" 2>/dev/null &
sampler=$!
PIDS+=("$sampler")
t0=$(date +%s%N)
s3cmd -c "$S3CMD_CONFIG" --multipart-chunk-size-mb=8 put "$WORK/big.bin" "s3://$S3_BUCKET/big/big.bin" >"$WORK/big.txt" 2>&1 ||
	fail "s3cmd multipart put failed: $(tail -n 3 "$WORK/big.txt")"
ms=$((($(date +%s%N) - t0) / 1000000))
kill "$sampler" && wait "$sampler" 2>/dev/null
read -r front_peak back_peak < <(awk '$1 > f { f = $1 } $2 > b { b = $2 } END { print f + 0, b + 0 }' "$WORK/rss.txt")
parts=$(grep -c "big/big.bin?partNumber=.*200 accepted" "$WORK/s3front.log")
[ "$parts" = 8 ] || fail "expected 8 parts through the front, saw $parts"
s3_get big/big.bin "$WORK/big.back" || fail "s3cmd get of the big object failed"
cmp -s "$WORK/big.bin" "$WORK/big.back" || fail "the big object read back differs"
rm -f "$WORK/big.back"
expect 200 -- -I "${UNSIGNED[@]}" "$U/big/big.bin"
etag=$(sed -n 's/^[Ee][Tt]ag: *"\?\([^"]*\)"\?.*/\1/p' "$WORK/body" | tr -d '\r')
# Streaming, not buffering: the front grows by much less than the file.
[ $((front_peak - front0)) -lt 48 ] || fail "the front grew from $front0 to $front_peak MiB during a 64 MiB upload"
pass "64 MiB in 8 parts with s3cmd in $ms ms, read back identical; RSS front ${front0}->${front_peak} MiB (VmHWM $(hwm "$S3_FRONT_PID")), s3rver ${back0}->${back_peak} MiB (VmHWM $(hwm "$S3_BACKEND_PID")); ETag $etag (whole-object MD5 $(md5sum "$WORK/big.bin" | cut -d' ' -f1))"
rm -f "$WORK/big.bin"

# 7. The store dies and comes back with its data. First during an upload:
# the client gets a 503, and no object appears.
counts=$(curl -sf "$S3_ENDPOINT/__stats.txt" | tr '\n' ' ')
sigv4 -T "$WORK/slow.bin" "${UNSIGNED[@]}" --limit-rate 4M --max-time 20 "$U/down/midway.bin" >"$WORK/midway.status" 2>&1 &
midway=$!
PIDS+=("$midway")
wait_for 10 eval '[ -n "$(ls "$WORK/s3/s3front-staging")" ]' || fail "the upload to be interrupted did not start"
s3_kill_backend
wait "$midway"
[ "$(cat "$WORK/midway.status")" = 503 ] && grep -q "<Code>ServiceUnavailable</Code>" "$WORK/body" ||
	fail "the store died during an upload: $(cat "$WORK/midway.status") $(head -c 300 "$WORK/body")"
# Small and large bodies: the answer is a 503, not a dropped connection.
expect 503 ServiceUnavailable -- -T "$WORK/other.bin" "${UNSIGNED[@]}" "$U/down/one.bin"
expect 503 ServiceUnavailable -- -T "$WORK/slow.bin" "${UNSIGNED[@]}" --max-time 20 "$U/down/two.bin"
expect 503 ServiceUnavailable -- -T "$WORK/slow.bin" -H "x-amz-content-sha256: $(sha "$WORK/slow.bin")" --max-time 20 "$U/down/three.bin"
s3_start_backend
s3_get s3cmd/small.bin "$WORK/back" && cmp -s "$WORK/small.bin" "$WORK/back" || fail "data lost over a backend restart"
s3_down
rc=0
sigv4 "${UNSIGNED[@]}" "$U/s3cmd/small.bin" >/dev/null 2>&1 || rc=$?
[ $rc = 7 ] || fail "with the store down, curl ended with $rc, expected 7 (connection refused)"
s3_up
s3_get s3cmd/small.bin "$WORK/back" && cmp -s "$WORK/small.bin" "$WORK/back" || fail "data lost over a store restart"
[ "$(s3_list big/)" = "67108864 big/big.bin" ] || fail "after the restarts: $(s3_list big/)"
[ -z "$(s3_list down/)" ] || fail "uploads that met a dead store left objects: $(s3_list down/)"
pass "backend killed (during an upload, and before small and large ones): 503 from the front, data back after restart; whole store down: connection refused, back on the same port"

# 8. Injected failures.
s3_fault 500 1
expect 500 InternalError -- "${UNSIGNED[@]}" "$U/s3cmd/small.bin"
expect 200 -- "${UNSIGNED[@]}" "$U/s3cmd/small.bin"
pass "s3_fault: the next request gets the injected 500, the one after is served"

# 9. The webhook receiver: three POSTs in order, then failures on demand,
# then a restart that keeps the numbering.
webhook_start "$WORK/hook"
post() { curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" "$WEBHOOK_URL"; }
for n in 1 2 3; do
	[ "$(post "{\"event\":\"dump\",\"n\":$n}")" = 200 ] || fail "POST $n not answered 200"
done
got=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(e["seq"], json.loads(e["body"])["n"], e["status"], e["headers"]["Content-Type"])
' "$WEBHOOK_LOG")
[ "$got" = $'1 1 200 application/json\n2 2 200 application/json\n3 3 200 application/json' ] || fail "webhook log: $got"
webhook_set 503
[ "$(post '{"n":4}')" = 503 ] || fail "webhook_set 503 not obeyed"
webhook_set 200 0.5
t0=$(date +%s%N)
[ "$(post '{"n":5}')" = 200 ] || fail "POST 5 not answered 200"
[ $(($(date +%s%N) - t0)) -ge 500000000 ] || fail "webhook_set's delay not obeyed"
webhook_set 0
[ "$(post '{"n":6}')" = 000 ] || fail "webhook_set 0 did not drop the connection"
url=$WEBHOOK_URL
webhook_stop
webhook_set 200
webhook_start "$WORK/hook"
[ "$WEBHOOK_URL" = "$url" ] || fail "the restarted receiver moved from $url to $WEBHOOK_URL"
[ "$(post '{"n":7}')" = 200 ] || fail "POST after restart not answered 200"
got=$(python3 -c '
import json, sys
print(" ".join("%d:%s" % (e["seq"], e["status"]) for e in map(json.loads, open(sys.argv[1]))))' "$WEBHOOK_LOG")
[ "$got" = "1:200 2:200 3:200 4:503 5:200 6:0 7:200" ] || fail "webhook log after restart: $got"
[ "$(webhook_count)" = 7 ] || fail "webhook_count: $(webhook_count)"
webhook_stop
pass "webhook: 3 POSTs recorded in order with headers; 503, delay and dropped connection on demand; numbering survives a restart"

s3_stop
[ -s "$WORK/front-stats.json" ] || fail "the front wrote no statistics when stopped"
pass "front counters before the restarts: $counts"
