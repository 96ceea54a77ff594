#!/usr/bin/env bash
# The benchmark, by hand (never part of the test suite). As root, from a
# build directory's sources:
#
#   tests/bench/run.sh [--runs N] [--out DIR] [--build DIR] [--quick]
#
# 1. Leak race: tests/bench/race.py, adaptive vs fixed 1 s and 100 ms.
# 2. Idle cost: 10 containers x 20 processes for 60 s, adaptive vs fixed 100 ms.
# 3. Scaling: one container with 20, 200 and 2000 processes, CPU per second.
# Writes DIR/race.json, DIR/idle.json, DIR/race-*.png and prints the tables.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=10 out=$top/bench-out build=$top/_build/main quick=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (cgroups, namespaces)" >&2; exit 1; }
for p in gnuplot-nox python3 util-linux; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' && continue
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
if [ ! -x "$build/src/oomsentry" ]; then
	(cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build" && (cd "$build" && "$top/configure" -q && make -s -j"$(nproc)")
fi
make -s -C "$build" src/oomsentry tests/bench/racer
mkdir -p "$out"
oomsentry=$build/src/oomsentry

echo "== machine: $(nproc) cores, $(uname -r), $(awk '/MemTotal/ {print $2 / 1048576 " GiB"}' /proc/meminfo)"
# strip cannot write to a stdout that is a file (it seeks): a file of its own.
strip -o "$out/oomsentry.stripped" "$oomsentry"
echo "== binary: $(wc -c <"$out/oomsentry.stripped") bytes stripped"
echo "== leak race ($runs runs per pattern and mode)"
patterns=64MiB/s,512MiB/s,1GiB/s,max,doubling
[ -n "$quick" ] && patterns=1GiB/s,doubling
python3 "$top/tests/bench/race.py" --oomsentry "$oomsentry" --racer "$build/tests/bench/racer" \
	--runs "$runs" --patterns "$patterns" --out "$out"

secs=60 scale_secs=30
[ -n "$quick" ] && secs=10 scale_secs=10
idle() { OOMSENTRY=$oomsentry "$top/tests/bench/idle.sh" "$@"; }
echo "== idle cost and scaling"
{
	idle --containers 10 --procs 20 --seconds "$secs"
	idle --containers 10 --procs 20 --seconds "$secs" -- --adaptive=false --interval 100ms
	for n in 20 200 2000; do idle --containers 1 --procs "$n" --limit-mib 4096 --seconds "$scale_secs"; done
} | tee "$out/idle.txt"
python3 - "$out/idle.txt" "$out/idle.json" <<'PY'
import json, shlex, sys
rows = []
for line in open(sys.argv[1]):
    kv = dict(p.split("=", 1) for p in shlex.split(line) if "=" in p)
    kv["cpu_ms_per_s"] = round(int(kv["cpu_ms"]) / int(kv["seconds"]), 2)
    rows.append(kv)
json.dump(rows, open(sys.argv[2], "w"), indent=1)
print("containers x procs  flags                            cpu_ms  seconds  cpu_ms/s  peak_rss_kib")
for r in rows:
    print(f'{r["containers"]:>3} x {r["procs_per_container"]:<12} {r["flags"] or "(adaptive, defaults)":<32} '
          f'{r["cpu_ms"]:>6}  {r["seconds"]:>7}  {r["cpu_ms_per_s"]:>8}  {r["peak_rss_kib"]:>12}')
PY
echo "results in $out"
