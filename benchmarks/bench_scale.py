"""edwc by instance size: every stage, the full and the lazy network side by side, medians over HiGHS seeds.

    .venv/bin/python benchmarks/bench_scale.py --quick          # tiny, china-2025, cities 100x20 (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py                  # + china-2030, cities 200x40 and 340x60 (about an hour)
    .venv/bin/python benchmarks/bench_scale.py --large          # also 1,000 regions x 150 sites (lazy, 1 % gap, 600 s)
    .venv/bin/python benchmarks/bench_scale.py --json out.json  # keep the raw figures

Each case (instance, network, seed) runs in a fresh process through edwc.workflow.run.solve_instance,
the same path as `edwc solve`, with 1 thread and a 0.5 % MIP gap; the solve records its plan and
bound as it goes, so the time to a 1 % and to a 0.5 % gap come from one run. A gap is true: for the
lazy network, the plan is a full-model plan and the bound a bound of the full model. Seeds of a case
are interleaved full, lazy, full, lazy... so load drifts on the (shared) machine hit both alike. The
end-to-end row times `edwc solve instances/china-2025` as a command (start to written result with
maps) against the HiGHS solve time it reports. The machine is noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["tiny", "china-2025", "100x20"]
FULL = ["tiny", "china-2025", "china-2030", "100x20", "200x40", "340x60"]
NETWORKS = ("full", "lazy")


def time_to_gap(trace: list[list[float]], gap: float) -> float | None:
    """Seconds from the start of the solve stage until (plan - bound) / plan first reached gap."""
    for t, plan, bound in trace:
        if plan and (plan - bound) / abs(plan) <= gap + 1e-12:
            return t
    return None


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One case in this process: solve_instance with a trace; print what was measured."""
    t0 = time.perf_counter()
    from edwc.workflow.run import solve_instance

    imports = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        _, res = solve_instance(spec["folder"], out=Path(tmp) / "r", force=True, mip_gap=spec["gap"], threads=1,
                                time_limit=spec["time_limit"], network=spec["network"], maps=spec["draw_maps"], check=True,
                                trace=True, sets={"solver.seed": spec["seed"]})
    s = res.summary
    sec = s["seconds"]
    return {
        **spec, "imports": imports, **{k: sec.get(k) for k in ("validate", "build", "handover", "solve", "extract", "write",
                                                             "check", "maps")},
        "to_1pct": time_to_gap(s["gap_trace"], 0.01), "to_05pct": time_to_gap(s["gap_trace"], 0.005),
        "status": s["status"], "gap": s["mip_gap"], "objective": s["objective_cny"], "bound": s["best_bound_cny"],
        "rounds": s["network"]["rounds"], "trunk_rows": s["network"]["trunk_rows"], **s["sizes"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    p = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                       timeout=spec["time_limit"] * 3 + 600)
    if p.returncode != 0:
        return {**spec, "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def end_to_end(instance: Path, network: str) -> dict[str, Any]:
    """`edwc solve` as a command, maps included: wall time against the HiGHS solve time it reports."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "edwc", "solve", str(instance), "--out", f"{tmp}/r", "--force",
                            "--network", network], capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            return {"network": network, "error": p.stderr.strip()[-300:]}
        s = json.loads(Path(f"{tmp}/r/summary.json").read_text())
    return {"network": network, "wall": wall, "solve": s["seconds"]["solve"], "ratio": wall / s["seconds"]["solve"]}


def med(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def fmt(x: float | None, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def table(results: list[dict[str, Any]]) -> str:
    cols = ["validate", "build", "handover", "to_1pct", "to_05pct", "check", "maps", "peak_rss_mb"]
    head = ("| instance | network | variables | integers | rows | validate s | build s | hand-over s | to 1 % s "
            "| to 0.5 % s | check s | maps s | peak RSS MB | gap | seeds |\n|" + "---|" * 15)
    lines = [head]
    for name in dict.fromkeys(r["name"] for r in results):
        for net in NETWORKS:
            rows = [r for r in results if r["name"] == name and r["network"] == net and "error" not in r]
            if not rows:
                continue
            sizes = [fmt(med(rows, k), ",.0f") for k in ("variables", "integers", "constraints")]
            vals = [fmt(med(rows, k), ".0f" if k == "peak_rss_mb" else ".2f") for k in cols]
            gap = fmt(med(rows, "gap"), ".2%")
            lines.append(f"| {name} | {net} | " + " | ".join(sizes + vals) + f" | {gap} | {len(rows)} |")
    return "\n".join(lines)


def ratios(results: list[dict[str, Any]]) -> str:
    lines = ["| instance | full ÷ lazy, to 1 % | full ÷ lazy, to 0.5 % | lazy (build + hand-over) ÷ solve |",
             "|---|---:|---:|---:|"]
    for name in dict.fromkeys(r["name"] for r in results):
        f = [r for r in results if r["name"] == name and r["network"] == "full" and "error" not in r]
        z = [r for r in results if r["name"] == name and r["network"] == "lazy" and "error" not in r]
        if not f or not z:
            continue
        r1 = [(med(f, k), med(z, k)) for k in ("to_1pct", "to_05pct")]
        share = statistics.median((r["build"] + r["handover"]) / r["solve"] for r in z)
        lines.append(f"| {name} | " + " | ".join(fmt(a / b if a and b else None, ".2f") + "×" for a, b in r1)
                     + f" | {share:.1%} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="tiny, china-2025 and cities 100x20 only")
    ap.add_argument("--cases", nargs="*", help="instances (names under instances/) or city sizes RxS")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=900)
    ap.add_argument("--large", action="store_true", help="also 1,000 regions x 150 sites (lazy, 1 %% gap, 600 s)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end timing of edwc solve china-2025")
    ap.add_argument("--json", type=Path, help="write the raw figures here")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    from edwc.synthetic.cities import generate_city_instance

    cases = args.cases if args.cases is not None else (QUICK if args.quick else FULL)
    load0 = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M")
    print(f"started {started}, load averages {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (1, 5, 15 min), "
          f"{os.cpu_count()} CPUs", flush=True)
    results: list[dict[str, Any]] = []
    e2e: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if "x" in case and case[0].isdigit():
                r, s = (int(x) for x in case.split("x"))
                folder, name = generate_city_instance(Path(tmp) / case, r, s, seed=0), f"cities-{case}"
            else:
                folder, name = ROOT / "instances" / case, case
            for seed in range(args.seeds):
                for net in NETWORKS:
                    spec = {"name": name, "folder": str(folder), "network": net, "seed": seed, "gap": 0.005,
                            "time_limit": args.time_limit, "draw_maps": True}
                    row = run_case(spec)
                    results.append(row)
                    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()
                                      if k not in ("folder",)}), flush=True)
        if not args.no_e2e:
            for _ in range(args.seeds):
                for net in NETWORKS:
                    e2e.append(end_to_end(ROOT / "instances" / "china-2025", net))
                    print(json.dumps(e2e[-1]), flush=True)
        large = None
        if args.large:
            folder = generate_city_instance(Path(tmp) / "1000x150", 1000, 150, seed=0)
            large = run_case({"name": "cities-1000x150", "folder": str(folder), "network": "lazy", "seed": 0,
                              "gap": 0.01, "time_limit": 600, "draw_maps": False})
            print(json.dumps(large), flush=True)
    load1 = os.getloadavg()
    print(f"\nfinished {time.strftime('%Y-%m-%d %H:%M')}, load averages {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}\n")
    print(table(results) + "\n\n" + ratios(results))
    for net in NETWORKS:
        rows = [r for r in e2e if r["network"] == net and "error" not in r]
        if rows:
            print(f"\nedwc solve china-2025 ({net}, maps included): total {med(rows, 'wall'):.1f} s, HiGHS solve "
                  f"{med(rows, 'solve'):.1f} s, total ÷ solve {med(rows, 'ratio'):.2f} (median of {len(rows)})")
    if large:
        print(f"\ncities-1000x150 (lazy, 1 % gap, 600 s limit): {json.dumps(large)}")
    if args.json:
        args.json.write_text(json.dumps({"started": started, "load_start": load0, "load_end": load1,
                                         "results": results, "e2e": e2e, "large": large}, indent=1))


if __name__ == "__main__":
    main()
