#!/usr/bin/env bash
# The shipper's benchmark, by hand (never part of the test suite). As root,
# from a configured build directory:
#
#   top_srcdir=SRC top_builddir=BUILD tests/bench/ship.sh [--mib N] [--runs R]
#
# Starts the test store (s3rver behind the Signature V4 checking front,
# tests/ship/servers.sh) and ships an N MiB file (default 200) R times
# (default 3) of each kind: incompressible (random bytes, gzipped on the
# way: the worst case), a heap-dump-like file (compressible, gzipped), and
# one already gzipped (sent as it is). Prints, per kind, the median
# throughput in MiB/s of the file's size, the object's size, and the
# shipper's peak RSS (VmHWM) and CPU seconds per run.
set -u
MIB=200 RUNS=3
while [ $# -gt 0 ]; do
	case $1 in
	--mib) MIB=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	*) echo "usage: $0 [--mib N] [--runs R]" >&2; exit 2 ;;
	esac
done
source "$top_srcdir/tests/e2e/lib.sh"
source "$top_srcdir/tests/ship/servers.sh"
SHIP=$top_builddir/src/oomsentry-ship
[ -x "$SHIP" ] || fail "$SHIP not built"

s3_start "$WORK/store"
D=$WORK/dump
mkdir -p "$D"
head -c $((MIB * 1048576)) /dev/urandom >"$WORK/random.bin"
# A heap dump's bytes: records of a few kinds with pointers and short
# strings, about 4:1 with gzip -1 as real hprof files are.
python3 - "$WORK/heap.bin" "$MIB" <<'PY'
import os, random, struct, sys
random.seed(7)
out, mib = sys.argv[1], int(sys.argv[2])
names = [b"com.example.cache.Entry", b"java.lang.String", b"byte[]", b"java.util.HashMap$Node"]
with open(out, "wb") as f:
    block = bytearray()
    while len(block) < 1 << 20:
        block += struct.pack(">BIQQ", 0x21, random.randrange(1 << 12), 0x7f0000000000 + random.randrange(1 << 24) * 16,
                             0x7f0000000000 + random.randrange(1 << 24) * 16)
        block += random.choice(names) + os.urandom(4)
    for _ in range(mib):
        f.write(block[: 1 << 20])
PY
gzip -1 -c "$WORK/random.bin" | head -c $((MIB * 1048576)) >"$WORK/already.gz"

# ship KIND FILE NAME: one run; prints "MiB/s object_bytes hwm_kib cpu_s".
ship() {
	local log=$WORK/ship.log
	"$SHIP" --dump-dir "$D" --s3-path-style --s3-part-size 8Mi --retry-max 2s >"$log" 2>&1 &
	local pid=$!
	wait_for 10 grep -q event=dump_dir_watched "$log" || fail "the shipper did not start"
	cp "$2" "$D/.$3.tmp" && mv "$D/.$3.tmp" "$D/$3"
	wait_for 600 grep -q "event=upload_done.*file=$3 " "$log" || fail "not shipped: $(tail -3 "$log")"
	local hwm ticks
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	kill -TERM "$pid"
	wait "$pid"
	local line
	line=$(grep "event=upload_done.*file=$3 " "$log")
	local ms obj
	ms=$(sed -n 's/.* took_ms=\([0-9]*\).*/\1/p' <<<"$line")
	obj=$(sed -n 's/.* object_bytes=\([0-9]*\).*/\1/p' <<<"$line")
	awk -v mib="$MIB" -v ms="$ms" -v obj="$obj" -v hwm="$hwm" -v t="$ticks" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f %d %d %.2f\n", mib / (ms / 1000), obj, hwm, t / hz }'
}

printf '%-15s %9s %14s %9s %7s\n' kind "MiB/s" object_bytes peak_KiB cpu_s
for kind in random heap already; do
	case $kind in
	random) file=$WORK/random.bin name=random.hprof ;;
	heap) file=$WORK/heap.bin name=heap.hprof ;;
	already) file=$WORK/already.gz name=already.pb.gz ;;
	esac
	for ((r = 0; r < RUNS; r++)); do ship "$kind" "$file" "$name"; done >"$WORK/$kind.runs"
	sort -n "$WORK/$kind.runs" | awk -v k="$kind" -v n="$RUNS" '
		{ v[NR] = $0 } END { split(v[int((n + 1) / 2)], a, " "); printf "%-15s %9s %14s %9s %7s\n", k, a[1], a[2], a[3], a[4] }'
done
