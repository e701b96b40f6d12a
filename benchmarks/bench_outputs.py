"""How long a result's planner-facing files take beside the solve (issue 11: at most a quarter).

    .venv/bin/python benchmarks/bench_outputs.py [INSTANCE] [--result DIR] [--repeat N]

Solves INSTANCE (default instances/china-2025) without maps, then, in the same process (as
`edwc solve` does), writes map.png, map.html, plan.gpkg, report.html and plan.xlsx into a copy
of the result, N times, and prints each part's wall and CPU seconds beside the solve's (the
independent check, which `edwc solve` also runs, is timed on its own line and left out of the
maps + report total that issue 11 item 8 bounds). With
--result an existing result folder is used and its recorded solve time is the reference.
The first round includes imports and the font subset (cached afterwards in ~/.cache/edwc).

The machine may be shared: wall times then stretch with the load while CPU times barely do,
so the HiGHS solve is timed in both (CPU: process time of the process during the HiGHS call,
every solver thread included) and the outputs are set against it in both; the load average is
printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# what issue 11 item 8 counts: the maps and the report (reading the result is shared by them)
MAPS_REPORT = ("read result (digest)", "map.png", "map.html", "plan.gpkg", "report.html")


class Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, name: str, fn):  # noqa: ANN001, ANN201
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        self.rows.append((name, time.perf_counter() - w, time.process_time() - c))
        return out


def solve(instance: Path, out: Path) -> tuple[float, float]:
    """Solve without maps or check; (HiGHS wall seconds, HiGHS CPU seconds).

    Both network paths are hooked (``solve_lazy`` for network: lazy, the default, and
    ``solve_model`` for network: full): whichever runs is timed. The check and the warm-up
    imports are off so that nothing but HiGHS (and its hand-over) counts in the CPU time."""
    import edwc.workflow.run as run

    cpu: list[float] = []
    real = {name: getattr(run, name) for name in ("solve_model", "solve_lazy")}

    def timed(fn):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the real solve, timed
            c = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                cpu.append(time.process_time() - c)
        return call

    for name, fn in real.items():
        setattr(run, name, timed(fn))
    try:
        w = time.perf_counter()
        run.solve_instance(instance, out=out, force=True, maps=False, check=False)
    finally:
        for name, fn in real.items():
            setattr(run, name, fn)
    print(f"solve_instance (no maps, no check) took {time.perf_counter() - w:.1f} s wall",
          file=sys.stderr)
    if len(cpu) != 1:
        raise SystemExit(f"expected one HiGHS solve through solve_lazy or solve_model, saw {len(cpu)}")
    return float(json.loads((out / "summary.json").read_text())["seconds"]["solve"]), cpu[0]


def outputs_once(result: Path, clock: Clock) -> None:
    from edwc.analysis.check import check_result
    from edwc.analysis.report_page import write_report
    from edwc.analysis.workbook import write_workbook
    from edwc.maps import render_result
    from edwc.results.digest import read_digest

    d = clock.run("read result (digest)", lambda: read_digest(result))
    clock.run("map.png", lambda: render_result(result, formats=("png",), digest=d))
    clock.run("map.html", lambda: render_result(result, formats=("html",), digest=d))
    clock.run("plan.gpkg", lambda: render_result(result, formats=("gpkg",), digest=d))
    clock.run("report.html", lambda: write_report(result, "zh", d))
    clock.run("plan.xlsx", lambda: write_workbook(result, "zh", d))
    clock.run("check (edwc check)", lambda: check_result(result))


def write_all(result: Path) -> None:
    from edwc.analysis.outputs import write_outputs

    write_outputs(result)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default=str(REPO / "instances" / "china-2025"))
    ap.add_argument("--result", help="use this solved result instead of solving")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edwc-bench-"))
    try:
        result = work / "result"
        print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
        solve_cpu = float("nan")
        if args.result:
            shutil.copytree(args.result, result)
            solve_s = float(json.loads((result / "summary.json").read_text())["seconds"]["solve"])
        else:
            solve_s, solve_cpu = solve(Path(args.instance), result)
        print(f"solve (HiGHS): {solve_s:.2f} s wall, {solve_cpu:.2f} s cpu; budget for maps + "
              f"report (a quarter): {solve_s / 4:.2f} s wall, {solve_cpu / 4:.2f} s cpu")
        for i in range(args.repeat):
            clock = Clock()
            outputs_once(result, clock)
            total_w = sum(r[1] for r in clock.rows)
            total_c = sum(r[2] for r in clock.rows)
            print(f"round {i + 1}{' (cold: imports, font subset)' if i == 0 else ''}:")
            for name, w, c in clock.rows:
                print(f"  {name:<22} {w:6.2f} s wall {c:6.2f} s cpu")
            maps_report = sum(r[1] for r in clock.rows if r[0] in MAPS_REPORT)
            maps_report_c = sum(r[2] for r in clock.rows if r[0] in MAPS_REPORT)
            print(f"  {'total':<22} {total_w:6.2f} s wall {total_c:6.2f} s cpu "
                  f"= {total_w / solve_s:.0%} of the solve; maps + report {maps_report:.2f} s wall "
                  f"= {maps_report / solve_s:.0%}, {maps_report_c:.2f} s cpu "
                  f"= {maps_report_c / solve_cpu:.0%} of the solve's cpu")
            w = time.perf_counter()
            write_all(result)
            together = time.perf_counter() - w
            print(f"  {'as edwc solve writes them':<22} {together:6.2f} s wall "
                  f"= {together / solve_s:.0%} of the solve (map.png in a forked child beside map.html, plan.gpkg "
                  f"and plan.xlsx, then report.html; the workbook included)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
