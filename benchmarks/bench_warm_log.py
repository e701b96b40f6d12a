"""Where a warm re-solve's time goes: one price re-solve cold and warm, from HiGHS's log (issue 22).

    .venv/bin/python benchmarks/bench_warm_log.py [--instance china-2025] [--cases all|N,M] [--seed 0]
        [--modes cold,warm,warm-submips] [--logs DIR] [--option KEY=VALUE ...] [--json F]

Solves the instance once (its base plan), takes the plan as `edwc price` does (decisions/fixed.py plan_start),
then for each price re-solve (a policy switched off) runs the solve stage as the re-solve runs it (lazy network,
1 thread) in each mode, one after the other in this process (the order turning by case): cold, warm (the start
marked near, as price gives it: no sub-MIP heuristics) and warm-submips (the same start, HiGHS's sub-MIP
heuristics on, as before they were turned off for price). Printed per run:
the solve stage, the start's repair, the true gap of the first plan (for warm: the start's, against HiGHS's first
bound), the time the gap asked for was reached, and from HiGHS's log per round: the root LP, the end of the root
node, the first B&B node, the plans found, nodes and sub-MIP time. --option sets a HiGHS option on the warm runs'
MIPs only (to try one beside the cold run). The machine is shared: the load averages are printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_at_scale import highs_phases  # noqa: E402  (benchmarks/ is not a package)


def price_cases(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """(name, sets) of each re-solve `edwc price` runs on the result folder."""
    from edwc.decisions.fixed import solve_fixed
    from edwc.decisions.policies import policy_tags
    from edwc.results.tables import read_result

    result = read_result(folder)
    plan = solve_fixed(folder, result=result)
    by_key: dict[str, list[Any]] = {}
    for t in policy_tags(plan, folder, result):
        if t.setting.key != "?":
            by_key.setdefault(t.setting.key, []).append(t)
    return [(f"without-{'+'.join(t.family for t in ts)}", {k: ts[0].setting.off}) for k, ts in by_key.items()]


def first_gap(trace: list[list[float]]) -> tuple[float | None, float | None]:
    """(seconds, gap) of the first point of the trace with both a plan and a bound."""
    for t, p, b in trace:
        if math.isfinite(p) and math.isfinite(b):
            return t, abs(p - b) / max(abs(p), 1e-9)
    return None, None


def time_to(trace: list[list[float]], gap: float) -> float | None:
    for t, p, b in trace:
        if math.isfinite(p) and math.isfinite(b) and abs(p - b) / max(abs(p), 1e-9) <= gap + 1e-12:
            return t
    return None


def one(inst_dir: Path, sets: dict[str, Any], seed: int, starts: list[Any], options: dict[str, str]) -> dict[str, Any]:
    """The solve stage of one re-solve (lazy network, as a sweep case runs it), HiGHS's log kept."""
    import edwc.solve.highs as highs
    import edwc.solve.lazy as lazy
    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.solve.lazy import solve_lazy

    inst = load_valid_instance(inst_dir, sets=sets)
    solver = inst.config.solver
    solver.threads, solver.seed = 1, seed
    m, d = build_model(inst, network=solver.network)

    run, run_h = lazy.run_highs, highs._run_interruptibly
    mip = [False]

    def lazy_run(*a: Any, **k: Any) -> Any:  # the lazy rounds' MIP runs pass on_solution; repairs, polish do not
        mip[0] = k.get("on_solution") is not None
        try:
            return run(*a, **k)
        finally:
            mip[0] = False

    def run_with_options(h: Any, stop: Any) -> None:
        if mip[0]:
            for key, val in options.items():
                h.setOptionValue(key, _typed(val))
        try:
            run_h(h, stop)
        finally:
            if mip[0]:
                h.resetOptions()  # run_highs sets its own options again before each run

    lazy.run_highs, highs._run_interruptibly = lazy_run, run_with_options
    try:
        t0 = time.perf_counter()
        out = solve_lazy(m, d, solver, trace=True, starts=starts)
        wall = time.perf_counter() - t0
    finally:
        lazy.run_highs, highs._run_interruptibly = run, run_h
    trace = [list(p) for p in out.trace]
    t_first, g_first = first_gap(trace)
    return {"seconds": wall, "status": out.status, "gap": out.mip_gap, "objective": out.objective,
            "bound": out.bound, "start": out.start, "rounds": out.rounds, "first_s": t_first, "first_gap": g_first,
            "to_gap_s": time_to(trace, solver.mip_gap), "asked": solver.mip_gap, "log": out.log,
            "highs": highs_phases(out.log)}


def _typed(v: str) -> Any:
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(v.lower(), v)


def fmt(x: Any, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instance", default="china-2025")
    ap.add_argument("--cases", default="all", help="all, or the 0-based numbers of the price re-solves")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--modes", default="cold,warm,warm-submips")
    ap.add_argument("--logs", type=Path, help="write each run's HiGHS log into this folder")
    ap.add_argument("--option", action="append", default=[], help="KEY=VALUE: a HiGHS option for the warm runs")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    options = dict(o.split("=", 1) for o in args.option)
    from edwc.decisions.fixed import plan_start
    from edwc.workflow.run import solve_instance

    load0, t_start = os.getloadavg(), time.strftime("%H:%M")
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="edwc-bench-warm-log-") as tmp_s:
        tmp = Path(tmp_s)
        base, _ = solve_instance(ROOT / "instances" / args.instance, out=tmp / "base", maps=False, check=False,
                                 threads=1)
        start = plan_start(base)
        assert start is not None
        near = replace(start, near=True)
        modes = args.modes.split(",")
        cases = price_cases(base)
        pick = range(len(cases)) if args.cases == "all" else [int(c) for c in args.cases.split(",")]
        for i in pick:
            name, sets = cases[i]
            for mode in modes[i % len(modes):] + modes[: i % len(modes)]:
                starts = {"cold": [], "warm": [near], "warm-submips": [start]}[mode]
                r = one(base / "instance", sets, args.seed, starts, options if starts else {})
                if args.logs:
                    args.logs.mkdir(parents=True, exist_ok=True)
                    (args.logs / f"{name}-{mode}.highs.log").write_text(r["log"], encoding="utf-8")
                r.pop("log")
                r.update(case=name, mode=mode)
                out.append(r)
                rd = r["highs"]["rounds"]
                print(f"{name} {mode}: {r['seconds']:.1f} s, {r['status']}, gap {fmt(r['gap'], '.3%')}, start {r['start']}, "
                      f"{r['rounds']} round(s); first plan and bound at {fmt(r['first_s'])} s, gap {fmt(r['first_gap'], '.3%')}; "
                      f"gap {r['asked']:.2%} at {fmt(r['to_gap_s'])} s", flush=True)
                for k, x in enumerate(rd):
                    rep = x["report"]
                    plans = ", ".join(f"{p[0]} {p[1]:.1f} s {p[2]}" for p in x["plans"][:6])
                    print(f"   round {k + 1}: root LP {fmt(x['root_lp_s'])} s, root node end {fmt(x['root_end_s'])} s, "
                          f"first node {fmt(x['first_node_s'])} s, last row {fmt(x['last_s'])} s, nodes {rep.get('nodes')}, "
                          f"sub-MIP {rep.get('submip_s')} s [{rep.get('submip_calls')}], total {rep.get('total_s')} s, "
                          f"{rep.get('status')}; plans: {plans}", flush=True)
    load1 = os.getloadavg()
    print(f"\nstarted {t_start}, ended {time.strftime('%H:%M')}; load averages (1, 5, 15 min) "
          f"{' '.join(f'{x:.2f}' for x in load0)} at the start, {' '.join(f'{x:.2f}' for x in load1)} at the end; "
          f"seed {args.seed}; warm options {options or 'none'}")
    if args.json:
        args.json.write_text(json.dumps({"load": [load0, load1], "runs": out}, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
