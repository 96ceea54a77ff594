#!/usr/bin/env python3
"""pyleak: a Python service that leaks bytearrays at a steady rate, with or
without handlers of its own for SIGUSR1 and SIGUSR2.

  python3 pyleak.py [--handler] [MIB_PER_S [MAX_MIB]]    (defaults: 4, 64)

The leak grows by MIB_PER_S MiB/s, ten steps a second, in 256 KiB bytearrays
kept in a list, up to MAX_MIB MiB, and is then held until the process is
killed. The pages are written, so they are resident.

With --handler, SIGUSR1 and SIGUSR2 each print a line and it keeps running
(an app that asked for the notification). Without it there is no handler:
Python's default for both is the kernel's, which kills it.

Lines on stdout (flushed at once, so a test can wait for them):
  pyleak: started pid=N              at start
  pyleak: held_mib=M                  each time another 16 MiB is held
  pyleak: held_mib=M done             once MAX_MIB is held
  pyleak: received SIGUSR1            (--handler) on each signal
"""
import os
import signal
import sys
import time

MIB = 1 << 20
CHUNK = 256 * 1024

# Never cleared.
leaked = []


def on_signal(signo, _frame):
    print("pyleak: received %s" % signal.Signals(signo).name, flush=True)


def number(arg):
    try:
        v = int(arg)
    except ValueError:
        v = 0
    if v <= 0:
        print("pyleak: not a positive integer: %s" % arg, file=sys.stderr)
        sys.exit(2)
    return v


def main():
    args = sys.argv[1:]
    handler = "--handler" in args
    args = [a for a in args if a != "--handler"]
    rate = number(args[0]) if len(args) > 0 else 4
    limit = number(args[1]) if len(args) > 1 else 64
    if handler:
        signal.signal(signal.SIGUSR1, on_signal)
        signal.signal(signal.SIGUSR2, on_signal)
    print("pyleak: started pid=%d" % os.getpid(), flush=True)

    per_step = max(1, round(rate * MIB / 10 / CHUNK))
    max_chunks = limit * MIB // CHUNK
    reported = 0
    while len(leaked) < max_chunks:
        for _ in range(min(per_step, max_chunks - len(leaked))):
            # bytearray(n) is calloc'd: fill it so the pages are resident.
            leaked.append(bytearray(b"x") * CHUNK)
        held = len(leaked) * CHUNK // MIB
        done = len(leaked) >= max_chunks
        if held >= reported + 16 or done:
            reported = held - held % 16
            print("pyleak: held_mib=%d%s" % (held, " done" if done else ""), flush=True)
        time.sleep(0.1)
    # Held until killed; signals interrupt the sleep and their handlers run.
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
