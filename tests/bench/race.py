#!/usr/bin/env python3
"""Leak race: how far past each threshold a leaking app is when its signal
arrives, for the adaptive sidecar and for fixed 1 s and 100 ms intervals (the
peers' defaults), measured side by side in the same run.

Each run: a fresh pod (PID namespace) with the sidecar and tests/bench/racer
in a 256 MiB v1 memory cgroup, WARNING=60 CRITICAL=85. The racer records, in
its signal handler, the time and its cgroup's usage at receipt. The driver
samples the usage every millisecond for the plots. Run as root.
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time

MIB = 1 << 20
LIMIT = 256 * MIB
WARN_PCT, CRIT_PCT = 60, 85
MEM = "/sys/fs/cgroup/memory"

MODES = {
    "adaptive": [],
    "fixed-100ms": ["--adaptive=false", "--interval", "100ms"],
    "fixed-1s": ["--adaptive=false", "--interval", "1s"],
}
PATTERNS = {
    "64MiB/s": ["--rate", "64"],
    "512MiB/s": ["--rate", "512"],
    "1GiB/s": ["--rate", "1024"],
    "max": ["--fast"],
    "doubling": ["--doubling"],
}


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def oom_kills(cg):
    try:
        with open(os.path.join(cg, "memory.oom_control")) as f:
            for line in f:
                k, v = line.split()
                if k == "oom_kill":
                    return int(v)
    except OSError:
        pass
    return 0


def one_run(args, pattern, mode, n, work):
    cg = os.path.join(MEM, f"oomsentry-bench-{os.getpid()}-{n}")
    os.mkdir(cg)
    try:
        with open(os.path.join(cg, "memory.limit_in_bytes"), "w") as f:
            f.write(str(LIMIT))
        rec = os.path.join(work, f"rec-{n}")
        go = os.path.join(work, f"go-{n}")
        log = os.path.join(work, f"sidecar-{n}.log")
        # As runc sets up a container: a private mount namespace in which the
        # container's own cgroup is bind-mounted read-only over
        # /sys/fs/cgroup/memory. The sidecar reads it through /proc/PID/root,
        # and cannot register v1 threshold events there (EROFS), as in a pod.
        inner = " ".join([args.racer, "--usage-file", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                          "--record", rec, "--go", go] + PATTERNS[pattern])
        racer = ["unshare", "--mount", "--propagation", "private", "--", "bash", "-c",
                 f"'mount --bind {cg} {MEM} && mount -o remount,bind,ro {MEM} && exec {inner}'"]
        sidecar = [args.oomsentry, "--warning", str(WARN_PCT), "--critical", str(CRIT_PCT),
                   "--rescan-interval", "100ms"] + MODES[mode]
        dumps = os.path.join(work, f"dumps-{n}")
        if args.flight:
            sidecar += ["--dump-dir", dumps, "--flight-recorder", "30s"]
        script = (f'(echo $BASHPID > {cg}/cgroup.procs && exec {" ".join(racer)}) &\n'
                  f'{" ".join(sidecar)} 2>{log} &\nwait\n')
        errlog = open(os.path.join(work, f"pod-{n}.err"), "w+")
        pod = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                                "--", "bash", "-c", script], stderr=errlog)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                if os.path.exists(log) and "event=container_limit" in open(log).read():
                    break
                time.sleep(0.01)
            else:
                raise RuntimeError(f"sidecar did not find the container: {open(log).read()}")
            # Let the sidecar settle into its idle schedule before the leak.
            time.sleep(0.3)
            samples = []
            t0 = time.monotonic()
            open(go, "w").close()
            usage_file = os.path.join(cg, "memory.usage_in_bytes")
            killed = False
            while time.monotonic() - t0 < args.timeout:
                u = read_int(usage_file)
                samples.append((time.monotonic() - t0, u or 0))
                if oom_kills(cg) > 0:
                    killed = True
                    break
                time.sleep(0.001)
            elapsed = time.monotonic() - t0
            # The flight record is written when the sidecar sees the kill:
            # give it the time to, before the pod goes.
            deadline = time.time() + 5
            while args.flight and killed and time.time() < deadline:
                if "event=oom_kill" in open(log).read():
                    break
                time.sleep(0.01)
        finally:
            pod.send_signal(signal.SIGKILL)
            pod.wait()
        signals = []
        if os.path.exists(rec):
            for line in open(rec):
                s, ns, u = line.split()
                signals.append({"signal": int(s), "t": int(ns) / 1e9, "usage_bytes": int(u)})
        warn_b, crit_b = LIMIT * WARN_PCT // 100, LIMIT * CRIT_PCT // 100
        first = {s: next((x for x in signals if x["signal"] == s), None) for s in (10, 12)}
        peak = max((u for _, u in samples), default=0)
        grow = [(t, u) for t, u in samples if u > 0]
        rate = None
        if len(grow) > 2:
            # Achieved leak rate between 10% and 90% of the limit.
            lo = next((t for t, u in grow if u >= LIMIT * 0.1), None)
            hi = next((t for t, u in grow if u >= LIMIT * 0.9), None)
            if lo is not None and hi is not None and hi > lo:
                rate = LIMIT * 0.8 / (hi - lo) / MIB
        # A run whose leak never got going (the app failed to start) says
        # nothing about detection: it is kept, marked, and left out of the
        # summary.
        valid = killed or peak >= LIMIT // 2
        errlog.seek(0)
        return {
            "pattern": pattern, "mode": mode, "run": n, "valid": valid,
            "problem": None if valid else errlog.read()[-2000:] or "the leak did not start",
            "oom_killed": killed, "seconds": round(elapsed, 3),
            "rate_mib_s": round(rate, 1) if rate else None,
            "warning_received": first[10] is not None,
            "critical_received": first[12] is not None,
            "warning_overshoot_mib": round((first[10]["usage_bytes"] - warn_b) / MIB, 2) if first[10] else None,
            "critical_overshoot_mib": round((first[12]["usage_bytes"] - crit_b) / MIB, 2) if first[12] else None,
            "critical_headroom_mib": round((LIMIT - first[12]["usage_bytes"]) / MIB, 2) if first[12] else None,
            "peak_usage_mib": round(peak / MIB, 1),
            "signals": signals,
            "samples": samples[:: max(1, len(samples) // 2000)],
            **(flight_spacing(dumps) if args.flight else {}),
        }
    finally:
        for _ in range(50):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)


def flight_spacing(dumps):
    """The spacing of the flight record's samples in the last second before
    the OOM kill (the oomkill CSV's last row is the kill mark itself)."""
    csvs = sorted(f for f in os.listdir(dumps) if f.endswith("-oomkill.flight.csv")) if os.path.isdir(dumps) else []
    if not csvs:
        return {"flight_csv": None}
    rows = [l.split(",") for l in open(os.path.join(dumps, csvs[-1])).read().splitlines()[1:]]
    kill_t = int(rows[-1][0])
    times = [int(r[0]) for r in rows[:-1] if int(r[0]) >= kill_t - 1000]
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {"flight_csv": csvs[-1], "flight_rows": len(rows),
            "flight_samples_last_s": len(times),
            "flight_gap_median_ms": statistics.median(gaps) if gaps else None,
            "flight_gap_max_ms": max(gaps) if gaps else None,
            "flight_window_s": round((kill_t - int(rows[0][0])) / 1000, 1)}


def median(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 2) if xs else None


def summarize(runs):
    rows = []
    for pattern in PATTERNS:
        for mode in MODES:
            every = [r for r in runs if r["pattern"] == pattern and r["mode"] == mode]
            rs = [r for r in every if r.get("valid", True)]
            if not rs:
                continue
            crit_ok = sum(1 for r in rs if r["critical_received"])
            rows.append({
                "pattern": pattern, "mode": mode, "runs": len(rs),
                "invalid_runs": len(every) - len(rs),
                "rate_mib_s": median([r["rate_mib_s"] for r in rs]),
                "critical_before_oom": f"{crit_ok}/{len(rs)}",
                "warning_overshoot_median_mib": median([r["warning_overshoot_mib"] for r in rs]),
                "critical_overshoot_median_mib": median([r["critical_overshoot_mib"] for r in rs]),
                "critical_overshoot_max_mib": max((r["critical_overshoot_mib"] for r in rs if r["critical_overshoot_mib"] is not None), default=None),
                "critical_headroom_median_mib": median([r["critical_headroom_mib"] for r in rs]),
            })
    return rows


def print_table(rows, out=sys.stdout):
    cols = [("pattern", 10), ("mode", 12), ("runs", 4), ("rate_mib_s", 9),
            ("critical_before_oom", 9), ("warning_overshoot_median_mib", 10),
            ("critical_overshoot_median_mib", 10), ("critical_overshoot_max_mib", 10),
            ("critical_headroom_median_mib", 10)]
    heads = ["pattern", "mode", "runs", "MiB/s", "CRIT<OOM", "warn_over", "crit_over",
             "crit_max", "headroom"]
    print("  ".join(h.ljust(w) for h, (_, w) in zip(heads, cols)), file=out)
    for r in rows:
        print("  ".join(str("-" if r[k] is None else r[k]).ljust(w) for k, w in cols), file=out)
    print("(overshoot and headroom in MiB, medians over the runs; CRIT<OOM: runs where "
          "SIGUSR2 arrived before the OOM kill)", file=out)
    bad = sum(r["invalid_runs"] for r in rows)
    if bad:
        print(f"({bad} runs left out: their leak never started; see race.json)", file=out)


def plot(runs, outdir):
    if not shutil.which("gnuplot"):
        print("race: gnuplot not installed: no plots", file=sys.stderr)
        return []
    pngs = []
    for pattern in PATTERNS:
        rs = {m: next((r for r in runs if r["pattern"] == pattern and r["mode"] == m), None) for m in MODES}
        if not any(rs.values()):
            continue
        safe = pattern.replace("/", "_")
        cmds = [f'set terminal png size 1000,600', f'set output "{outdir}/race-{safe}.png"',
                f'set title "Leak race, {pattern}: usage and signals (first run of each mode)"',
                'set xlabel "seconds since the leak started"', 'set ylabel "MiB"', 'set key left top',
                f'set yrange [0:{LIMIT // MIB + 16}]',
                f'set arrow from graph 0, first {LIMIT * WARN_PCT / 100 / MIB} to graph 1, first {LIMIT * WARN_PCT / 100 / MIB} nohead',
                f'set arrow from graph 0, first {LIMIT * CRIT_PCT / 100 / MIB} to graph 1, first {LIMIT * CRIT_PCT / 100 / MIB} nohead',
                f'set label "WARNING {WARN_PCT}%" at graph 0.85, first {LIMIT * WARN_PCT / 100 / MIB + 5}',
                f'set label "CRITICAL {CRIT_PCT}%" at graph 0.85, first {LIMIT * CRIT_PCT / 100 / MIB + 5}',
                f'set label "limit" at graph 0.85, first {LIMIT / MIB + 5}']
        parts = []
        for i, (m, r) in enumerate(rs.items()):
            if not r:
                continue
            d = os.path.join(outdir, f"data-{safe}-{m}.dat")
            with open(d, "w") as f:
                for t, u in r["samples"]:
                    f.write(f"{t} {u / MIB}\n")
            s = os.path.join(outdir, f"sig-{safe}-{m}.dat")
            with open(s, "w") as f:
                for x in r["signals"]:
                    f.write(f'{x["t"]} {x["usage_bytes"] / MIB} {x["signal"]}\n')
            parts.append(f'"{d}" using 1:2 with lines lc {i + 1} title "{m}"')
            if r["signals"]:
                parts.append(f'"{s}" using 1:2 with points pt 7 ps 1.5 lc {i + 1} title "{m}: SIGUSR1/2 received"')
        cmds.append("plot " + ", ".join(parts))
        subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=True)
        pngs.append(f"{outdir}/race-{safe}.png")
    return pngs


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--oomsentry", required=True)
    ap.add_argument("--racer", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--patterns", default=",".join(PATTERNS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--flight", action="store_true",
                    help="keep a flight record (DUMP_DIR in the run's work directory) and "
                         "report its sample spacing in the last second before the kill")
    ap.add_argument("--keep-charts", action="store_true",
                    help="with --flight: copy the flight records (CSV, SVG) into --out")
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--replot", metavar="JSON", help="only redo the table and plots of a race.json")
    args = ap.parse_args()
    if args.replot:
        runs = json.load(open(args.replot))["runs"]
        print_table(summarize(runs))
        for p in plot(runs, args.out):
            print(f"plot: {p}")
        return
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="oomsentry-race.")
    runs = []
    n = 0
    try:
        for pattern in args.patterns.split(","):
            for i in range(args.runs):
                for mode in args.modes.split(","):  # interleaved: same conditions
                    n += 1
                    r = one_run(args, pattern, mode, n, work)
                    runs.append(r)
                    print(f"run {n}: {pattern} {mode}: crit={r['critical_overshoot_mib']} "
                          f"warn={r['warning_overshoot_mib']} oom={r['oom_killed']}"
                          + (f" flight: {r.get('flight_samples_last_s')} samples in the last s, gap median "
                             f"{r.get('flight_gap_median_ms')} ms max {r.get('flight_gap_max_ms')} ms, "
                             f"{r.get('flight_rows')} rows over {r.get('flight_window_s')} s"
                             if args.flight else ""), file=sys.stderr)
                    if args.flight and args.keep_charts:
                        for f in os.listdir(os.path.join(work, f"dumps-{n}")) if os.path.isdir(os.path.join(work, f"dumps-{n}")) else []:
                            shutil.copy(os.path.join(work, f"dumps-{n}", f), args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = summarize(runs)
    with open(os.path.join(args.out, "race.json"), "w") as f:
        json.dump({"limit_mib": LIMIT // MIB, "warning_pct": WARN_PCT, "critical_pct": CRIT_PCT,
                   "summary": rows, "runs": runs}, f, indent=1)
    print_table(rows)
    for p in plot(runs, args.out):
        print(f"plot: {p}")


if __name__ == "__main__":
    main()
