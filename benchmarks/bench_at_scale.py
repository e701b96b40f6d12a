"""Typical days at scale, and the largest annual instance: time to a 1 % and a 0.5 % gap, build + hand-over
share, peak memory, and where HiGHS spends the time (issue 22, items 3 and 4).

    .venv/bin/python benchmarks/bench_at_scale.py --cases china-2030 340x60@12     # typical days (item 3)
    .venv/bin/python benchmarks/bench_at_scale.py --cases 1000x150 --gap 0.01      # annual, 1 % (item 4)
    .venv/bin/python benchmarks/bench_at_scale.py --cases 340x60@12 --json out.json --logs DIR

A case is a shipped instance by name (its own time settings: china-2030 has 12 typical days x 6 steps), a
SYNTHETIC city instance `RxS` (edwc.synthetic.cities, R regions x S sites, annual mode: one slice a year) or
`RxS@D` (the same with china-2025's power side on D typical days of --segments steps, tsam on the shipped
provincial profiles: edwc.synthetic.cities.generate_city_instance(typical_days=D)). Each case
runs once in a fresh process: validate, time slices (tsam), build, then the solve stage as `edwc solve` runs it
(lazy network by default, 1 thread, seed 0, --time-limit, --gap), without extraction, check or maps. Printed per
case: the model's size, the seconds of each stage, the time from the start of the solve stage (hand-over
included) until the true gap first reached 1 % and 0.5 % (the plan and bound recorded as HiGHS runs), the
share (build + hand-over) / solve stage, peak RSS and when it was reached, and from HiGHS's log: presolve,
the root LP (its first finite bound), the end of the root node (cuts, heuristics), the first B&B node, and
each new plan (its source letter, time and gap). The machine is shared: the load averages are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import time_to_gap  # noqa: E402  (benchmarks/ is not a package)

CASE = re.compile(r"^(\d+)x(\d+)(?:@(\d+))?$")
ROW = re.compile(r"^\s*(?:[A-Za-z]\s+)?\d+\s+\d+\s+\d+\s+[\d.]+%\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+\d+\s+\S+\s+[\d.]+s\s*$")


class RssSampler(threading.Thread):
    """This process's resident set every `every` seconds: (seconds since start, MB), kept for the peak."""

    def __init__(self, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.every, self.t0, self.peak, self.at = every, time.perf_counter(), 0.0, 0.0
        self.stage = "start"
        self.peak_stage = "start"
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            mb = rss_mb()
            if mb > self.peak:
                self.peak, self.at, self.peak_stage = mb, time.perf_counter() - self.t0, self.stage


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def highs_phases(log: str) -> dict[str, Any]:
    """From HiGHS's MIP log, per round (HiGHS run): when the root LP was solved (the first table row with LP
    iterations), the last row of the root node, the first B&B node, each new plan, restarts, and its
    solving report (time in presolve, in the MIP and in sub-MIPs, nodes, LP iterations by purpose)."""
    rounds: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for line in log.splitlines():
        if line.startswith("Solving MIP model with"):
            cur = {"root_lp_s": None, "root_end_s": None, "first_node_s": None, "plans": [], "last_s": None,
                   "restarts": 0, "report": {}}
            rounds.append(cur)
            continue
        if cur is None:
            continue
        if "restarting" in line:
            cur["restarts"] += 1
        m = ROW.match(line)
        if m:
            tok = line.split()
            src = tok[0] if tok[0].isalpha() else None
            row = tok[1:] if src else tok
            nodes, sol, gap, iters, t = int(row[0]), row[5], row[6], row[10], float(row[11].rstrip("s"))
            cur["last_s"] = t
            if cur["root_lp_s"] is None and iters != "0":
                cur["root_lp_s"] = t
            if nodes == 0:
                cur["root_end_s"] = t
            elif cur["first_node_s"] is None:
                cur["first_node_s"] = t
            if src:
                cur["plans"].append([src, t, gap, sol])
            continue
        rep = cur["report"]
        for key, pat in (("total_s", r"^\s*Timing\s+([\d.]+)"), ("presolve_s", r"^\s*([\d.]+) \(Presolve\)"),
                         ("solve_s", r"^\s*([\d.]+) \(Solve\)"), ("nodes", r"^\s*Nodes\s+(\d+)"),
                         ("lp_iterations", r"^\s*LP iterations\s+(\d+)"), ("strong_br", r"^\s*(\d+) \(strong br\.\)"),
                         ("separation", r"^\s*(\d+) \(separation\)"), ("heuristics", r"^\s*(\d+) \(heuristics\)"),
                         ("status", r"^\s*Status\s+(.+?)\s*$"), ("submip_depth", r"^\s*Max sub-MIP depth\s+(\d+)")):
            mm = re.match(pat, line)
            if mm and key not in rep:
                rep[key] = mm.group(1)
        mm = re.match(r"^\s*subMIP time \[calls\] = ([\d.]+) \[(\d+)\]", line)
        if mm and "submip_s" not in rep:  # the first: under (Presolve); the one under (Solve) is what counts
            rep["submip_presolve"] = [mm.group(1), mm.group(2)]
            rep["submip_s"] = None
        elif mm and rep.get("submip_s") is None:
            rep["submip_s"], rep["submip_calls"] = mm.group(1), mm.group(2)
    pre = re.findall(r"Presolve reductions: rows (\d+)\S*; columns (\d+)\S*; nonzeros (\d+)", log)
    size = re.search(r"MIP has (\d+) rows; (\d+) cols; (\d+) nonzeros", log)
    return {"rounds": rounds, "presolved": [int(x) for x in pre[0]] if pre else None,
            "highs_model": [int(x) for x in size.groups()] if size else None}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One case in this process; returns what was measured (and writes HiGHS's log to spec['log'] when given)."""
    sampler = RssSampler()
    sampler.start()
    t0 = time.perf_counter()
    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.solve.highs import solve_model
    from edwc.solve.lazy import solve_lazy
    from edwc.timeseries.typical import time_slices
    from edwc.workflow.run import model_sizes

    sec: dict[str, float] = {"imports": time.perf_counter() - t0}
    sampler.stage = "validate"
    t = time.perf_counter()
    inst = load_valid_instance(spec["folder"], sets=spec["sets"])
    solver = inst.config.solver
    solver.time_limit_s, solver.mip_gap, solver.threads, solver.seed = spec["time_limit"], spec["gap"], 1, spec["seed"]
    sec["validate"] = time.perf_counter() - t
    sampler.stage = "time slices"
    t = time.perf_counter()
    ts = time_slices(inst)
    sec["time_slices"] = time.perf_counter() - t
    sampler.stage = "build"
    t = time.perf_counter()
    m, d = build_model(inst, network=spec["network"], ts=ts)
    sec["build"] = time.perf_counter() - t
    sizes = model_sizes(m)
    rss_built = rss_mb()
    sampler.stage = "solve"
    if spec["network"] == "lazy":
        out = solve_lazy(m, d, solver, trace=True)
    else:
        out = solve_model(m, solver, trace=True)
    sec["handover"], sec["solve"] = out.handover_s, out.seconds
    sampler.stop.set()
    if spec.get("log"):
        Path(spec["log"]).write_text(out.log, encoding="utf-8")
    trace = [list(p) for p in out.trace]
    return {
        **{k: v for k, v in spec.items() if k != "folder"}, "seconds": sec, "sizes": sizes,
        "slices": len(ts.slices),
        "to_1pct": time_to_gap(trace, 0.01), "to_05pct": time_to_gap(trace, 0.005),
        "status": out.status, "final_gap": out.mip_gap, "objective": out.objective, "bound": out.bound,
        "rounds": out.rounds, "trunk_rows": out.network_rows,
        "share": (sec["build"] + sec["handover"]) / out.seconds if out.seconds else None,
        "rss_built_mb": rss_built, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_sampled_mb": sampler.peak, "peak_at_s": sampler.at, "peak_stage": sampler.peak_stage,
        "highs": highs_phases(out.log), "trace": trace[:: max(1, len(trace) // 200)],
    }


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    p = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                       timeout=spec["time_limit"] * 3 + 900)
    if p.returncode != 0:
        return {**spec, "error": (p.stderr.strip().splitlines() or ["?"])[-1], "returncode": p.returncode}
    return json.loads(p.stdout.strip().splitlines()[-1])


def case_spec(case: str, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    sets: dict[str, Any] = {}
    m = CASE.match(case)
    if m:
        from edwc.synthetic.cities import generate_city_instance

        r, s, days = int(m.group(1)), int(m.group(2)), m.group(3)
        folder = generate_city_instance(tmp / case.replace("@", "-td"), r, s, seed=0,
                                        typical_days=int(days) if days else None, segments=args.segments)
        name = f"cities-{r}x{s}" + (f" x {days} days x {args.segments or 24} steps" if days else " annual")
    else:
        folder, name = ROOT / "instances" / case, case
    log = str(args.logs / f"{case.replace('@', '-td')}.highs.log") if args.logs else None
    return {"name": name, "folder": str(folder), "sets": sets, "network": args.network, "seed": args.seed,
            "gap": args.gap, "time_limit": args.time_limit, "log": log}


def fmt(x: float | None, spec: str = ".1f") -> str:
    return "—" if x is None else format(x, spec)


def report(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{r['name']}: failed ({r.get('returncode')}): {r['error']}"
    s, z = r["seconds"], r["sizes"]
    h = r["highs"]
    lines = [f"## {r['name']} ({r['network']} network, seed {r['seed']}, gap asked {r['gap']:.2%}, "
             f"limit {r['time_limit']:.0f} s)",
             f"variables {z['variables']:,} ({z['integers']:,} integer), rows built {z['constraints']:,}; "
             f"HiGHS model (rows, cols, nnz; first round) {h['highs_model']}; presolved {h['presolved']}",
             f"validate {s['validate']:.1f} s, time slices {s['time_slices']:.1f} s, build {s['build']:.1f} s, "
             f"hand-over {s['handover']:.1f} s, solve stage {s['solve']:.1f} s; (build + hand-over) / solve "
             f"{fmt(r['share'] and 100 * r['share'])} %",
             f"to 1 %: {fmt(r['to_1pct'])} s, to 0.5 %: {fmt(r['to_05pct'])} s (from the start of the solve stage); "
             f"status {r['status']}, final gap {fmt(r['final_gap'] and 100 * r['final_gap'], '.3f')} %, rounds {r['rounds']}, "
             f"trunk rows {r['trunk_rows']}",
             f"peak RSS {r['peak_rss_mb']:,.0f} MB (sampled {r['peak_sampled_mb']:,.0f} MB at {r['peak_at_s']:.0f} s, "
             f"during {r['peak_stage']}); after the build {r['rss_built_mb']:,.0f} MB"]
    for i, rd in enumerate(h["rounds"], 1):
        plans = "; ".join(f"{p[0]} {p[1]:.0f}s {p[2]}" for p in rd["plans"])
        rep = rd["report"]
        lines.append(f"HiGHS round {i}: root LP solved at {fmt(rd['root_lp_s'])} s, root node until "
                     f"{fmt(rd['root_end_s'])} s ({rd['restarts']} restarts), first B&B node {fmt(rd['first_node_s'])} s, "
                     f"last log line {fmt(rd['last_s'])} s; plans (source, HiGHS time, gap): {plans}")
        lines.append(f"  report: {rep.get('status')}; time {rep.get('total_s')} s = presolve {rep.get('presolve_s')} + "
                     f"solve {rep.get('solve_s')} (of which sub-MIPs {rep.get('submip_s')} s in {rep.get('submip_calls')} "
                     f"calls, depth {rep.get('submip_depth')}); nodes {rep.get('nodes')}; LP iterations "
                     f"{rep.get('lp_iterations')} (strong branching {rep.get('strong_br')}, separation "
                     f"{rep.get('separation')}, heuristics {rep.get('heuristics')})")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--cases", nargs="+", default=["china-2030", "340x60@12"],
                    help="instance names, RxS (synthetic, annual) or RxS@D (D typical days)")
    ap.add_argument("--segments", type=int, default=6, help="steps per typical day of RxS@D cases (0: 24 hours)")
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--time-limit", type=float, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--network", choices=["lazy", "full"], default="lazy")
    ap.add_argument("--logs", type=Path, help="write each case's HiGHS log into this folder")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    args.segments = args.segments or None
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            load0, t0 = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M:%S")
            r = run_case(case_spec(case, Path(tmp), args))
            r["load"], r["started"], r["ended"] = [load0, os.getloadavg()], t0, time.strftime("%H:%M:%S")
            results.append(r)
            print(report(r))
            print(f"started {t0}, ended {r['ended']}; load averages {' '.join(f'{x:.2f}' for x in load0)} at the "
                  f"start, {' '.join(f'{x:.2f}' for x in r['load'][1])} at the end (1, 5, 15 min)\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
