#!/usr/bin/env python3
"""Runs a command several times; prints the median wall time (ms) and peak RSS (MB).

usage: measure.py RUNS COMMAND [ARG...]
Exit codes 0 and 1 (policy findings) both count as a run. One warm-up run first, so the
page cache holds the input. Wall time is taken around fork and wait of each run; the peak
RSS is the kernel's figure for that child alone (wait4), not the largest of all children.
"""
import os
import statistics
import subprocess
import sys
import time


def run_once(argv):
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=devnull, stderr=devnull)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"measure.py: {argv[0]} exited with {proc.returncode}")
    return wall * 1000.0, usage.ru_maxrss / 1024.0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    argv = sys.argv[2:]
    run_once(argv)
    walls, rss = zip(*(run_once(argv) for _ in range(runs)))
    print(f"median {statistics.median(walls):.1f} ms, peak {statistics.median(rss):.0f} MB "
          f"(min {min(walls):.1f} ms, max {max(walls):.1f} ms, {runs} runs)")


if __name__ == "__main__":
    main()
