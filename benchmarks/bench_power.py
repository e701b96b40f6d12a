"""The power side's cost in time and memory: china-2025 in the annual mode and with typical days, side by side,
and how the solve grows with the number of typical days (medians over HiGHS seeds).

    .venv/bin/python benchmarks/bench_power.py --quick        # annual and 12 x 6, one seed (a few minutes)
    .venv/bin/python benchmarks/bench_power.py                # annual, 4/8/12/24 days x 6 steps, 12 x 24; seeds 0-2
    .venv/bin/python benchmarks/bench_power.py --json out.json

Each case runs in a fresh process through edwc.workflow.run.solve_instance (the path of `edwc solve`), 1 thread,
the instance's own gap and time limit, no maps; the model is also handed to HiGHS once apart to count its
non-zeros. Build + hand-over is set against the HiGHS solve (issue 18: at most 10 % with typical days).
The machine is shared and noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = ROOT / "instances" / "china-2025"
FULL = [("annual", None, None), ("typical_days", 4, 6), ("typical_days", 8, 6), ("typical_days", 12, 6),
        ("typical_days", 24, 6), ("typical_days", 12, None)]
GROWTH = [("annual", None, None), ("typical_days", 4, 6), ("typical_days", 8, 6), ("typical_days", 12, 6),
          ("typical_days", 12, None)]
QUICK = [("annual", None, None), ("typical_days", 12, 6)]


def child(spec: dict[str, Any]) -> dict[str, Any]:
    from edwc.formulation.build import build_model
    from edwc.input.instance import load_instance
    from edwc.solve.handover import to_highs
    from edwc.workflow.run import solve_instance

    sets: dict[str, Any] = {"solver.seed": spec["seed"], "time.mode": spec["mode"]}
    if spec["days"]:
        sets["time.days"] = spec["days"]
    sets["time.segments"] = spec["segments"]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        _, res = solve_instance(INSTANCE, out=Path(tmp) / "r", force=True, threads=1, maps=False, check=True,
                                sets=sets)
        wall = time.perf_counter() - t
    s = res.summary
    sec = s["seconds"]
    m, _ = build_model(load_instance(INSTANCE, sets=sets), network="lazy")
    nnz = int(to_highs(m).A.nnz)
    return {**spec, **{k: sec.get(k) for k in ("build", "handover", "solve", "check")}, "wall": wall, "nnz": nnz,
            "gap": s["mip_gap"], "status": s["status"], "objective": s["objective_cny"], **s["sizes"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    p = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                       timeout=3600)
    if p.returncode != 0:
        return {**spec, "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def med(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def table(results: list[dict[str, Any]], cases: list[tuple[str, int | None, int | None]]) -> str:
    head = ("| time | rows | columns | non-zeros | build s | hand-over s | solve s | (build + hand-over) / solve "
            "| gap | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for mode, days, seg in cases:
        rows = [r for r in results if (r["mode"], r["days"], r["segments"]) == (mode, days, seg) and "error" not in r]
        if not rows:
            lines.append(f"| {mode} {days} x {seg} | failed: {[r.get('error') for r in results if r['mode'] == mode]} |")
            continue
        label = "annual (1 slice)" if mode == "annual" else f"{days} days x {seg or 24} steps"
        b, h, s = med(rows, "build"), med(rows, "handover"), med(rows, "solve")
        lines.append(f"| {label} | {med(rows, 'constraints'):,.0f} | {med(rows, 'variables'):,.0f} | "
                     f"{med(rows, 'nnz'):,.0f} | {b:.2f} | {h:.2f} | {s:.1f} | {(b + h) / s:.1%} | "
                     f"{med(rows, 'gap'):.2%} | {med(rows, 'peak_rss_mb'):,.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--growth", action="store_true", help="annual, 4/8/12 days x 6 steps and 12 x 24, one seed")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(json.loads(a.child))))
        return
    cases = QUICK if a.quick else GROWTH if a.growth else FULL
    seeds = range(a.seeds if a.seeds else (1 if a.quick or a.growth else 3))
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    print(f"china-2025, load average at start {load}", flush=True)
    results = []
    for seed in seeds:  # seeds outermost: load drifts hit every case alike
        for mode, days, seg in cases:
            r = run_case({"mode": mode, "days": days, "segments": seg, "seed": seed})
            print(json.dumps(r), flush=True)
            results.append(r)
    print(table(results, cases))
    print("load average at end", Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
