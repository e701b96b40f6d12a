"""How long a result's planner-facing files take beside the solve (issue 11: at most a quarter).

    python benchmarks/bench_outputs.py [INSTANCE] [--result DIR] [--repeat N]

Solves INSTANCE (default instances/china-2025) without maps, then, in the same process (as
`edwc solve` does), writes map.png, map.html, plan.gpkg, report.html and plan.xlsx into a copy
of the result, N times, and prints each part's wall and CPU seconds beside the solve's. With
--result an existing result folder is used and its recorded solve time is the reference.
The first round includes imports and the font subset (cached afterwards in ~/.cache/edwc).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, name: str, fn):  # noqa: ANN001, ANN201
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        self.rows.append((name, time.perf_counter() - w, time.process_time() - c))
        return out


def solve(instance: Path, out: Path) -> float:
    from edwc.workflow.run import solve_instance

    w = time.perf_counter()
    solve_instance(instance, out=out, force=True, maps=False)
    print(f"solve_instance (no maps) took {time.perf_counter() - w:.1f} s wall", file=sys.stderr)
    return float(json.loads((out / "summary.json").read_text())["seconds"]["solve"])


def outputs_once(result: Path, clock: Clock) -> None:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default=str(REPO / "instances" / "china-2025"))
    ap.add_argument("--result", help="use this solved result instead of solving")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edwc-bench-"))
    try:
        result = work / "result"
        if args.result:
            shutil.copytree(args.result, result)
            solve_s = float(json.loads((result / "summary.json").read_text())["seconds"]["solve"])
        else:
            solve_s = solve(Path(args.instance), result)
        print(f"solve (HiGHS, from summary.json): {solve_s:.2f} s; budget for outputs "
              f"(a quarter): {solve_s / 4:.2f} s")
        for i in range(args.repeat):
            clock = Clock()
            outputs_once(result, clock)
            total_w = sum(r[1] for r in clock.rows)
            total_c = sum(r[2] for r in clock.rows)
            print(f"round {i + 1}{' (cold: imports, font subset)' if i == 0 else ''}:")
            for name, w, c in clock.rows:
                print(f"  {name:<22} {w:6.2f} s wall {c:6.2f} s cpu")
            maps_report = sum(r[1] for r in clock.rows if r[0] != "plan.xlsx")
            print(f"  {'total':<22} {total_w:6.2f} s wall {total_c:6.2f} s cpu "
                  f"= {total_w / solve_s:.0%} of the solve; maps + report {maps_report:.2f} s "
                  f"= {maps_report / solve_s:.0%}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
