"""How long `edwc COMMAND --help` takes, each command run as a fresh process (median of N runs).

    .venv/bin/python benchmarks/bench_help.py            # every command, 5 runs each; exit 1 if a median is >= 0.3 s

The CLI imports what a command needs only when it runs, so help never loads pandas, Pyomo or HiGHS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = ["", "validate", "solve", "report", "check", "map", "compare", "sweep"]
LIMIT_S = 0.3


def seconds(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `edwc ... --help` process; on a loaded machine wall > CPU (waiting for a core)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "edwc", *args, "--help"], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"python start-up alone: {time.perf_counter() - t:.3f} s")
    import os

    print(f"load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    worst = 0.0
    for c in COMMANDS:
        runs = [seconds([c] if c else []) for _ in range(args.runs)]
        med = statistics.median(w for w, _ in runs)
        cpu = statistics.median(u for _, u in runs)
        worst = max(worst, med)
        print(f"edwc {c + ' ' if c else ''}--help: {med:.3f} s wall, {cpu:.3f} s CPU (medians of {args.runs})")
    sys.exit(0 if worst < LIMIT_S else 1)


if __name__ == "__main__":
    main()
