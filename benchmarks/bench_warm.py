"""Cold against warm re-solves per command, and 1 against 2 HiGHS threads (issue 22).

    .venv/bin/python benchmarks/bench_warm.py [--instances china-2025,china-2030] [--seeds 0,1,2]
        [--commands price,pareto,alternatives,draws,vary] [--workers N] [--json F]

For each instance and HiGHS seed (a copy of the instance with solver.seed set): the base plan is solved
once (1 thread, then 2 threads: the threads table), then each command runs cold and warm side by side
(the order alternates with the seed, against the load drifting), one worker process (--workers N: N for price
and the sweeps, the cores shared as the commands share them), its re-solves only
timed: price's re-solves without each policy, pareto's far end and points (`--points 4`), alternatives
(`--n 3`), a draws sweep (`--n 6`: the lead case cold in both modes, the rest warm or cold) and a
`--vary` sweep of three carbon prices. Printed: medians over the seeds of the wall time of the re-solves
and of the HiGHS seconds summed over their cases, cold ÷ warm, and what no plan may lose: the largest
(warm − cold) / cold objective of a case and the largest gap of a warm plan against the gap asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("price", "pareto", "alternatives", "draws", "vary")


def seeded_copy(instance: Path, seed: int, dest: Path) -> Path:
    """A copy of the instance whose solver.seed is `seed`."""
    shutil.copytree(instance, dest)
    y = dest / "instance.yaml"
    text, n = re.subn(r"(?m)^(  seed:\s*)\d+", rf"\g<1>{seed}", y.read_text(encoding="utf-8"), count=1)
    assert n == 1, "no solver seed line in instance.yaml"
    y.write_text(text, encoding="utf-8")
    return dest


def case_summaries(folder: Path) -> dict[str, dict[str, Any]]:
    """summary.json of every result folder under folder (recursively), by its path relative to folder."""
    return {str(p.parent.relative_to(folder)): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("summary.json")) if (p.parent / "instance").is_dir()}


SIZES = {"points": 4, "alternatives": 3, "draws": 6}
WORKERS = [1]  # worker processes of price and the sweeps (--workers)


def run_command(cmd: str, inst: Path, base: Path, work: Path, warm: bool, draws: Path | None) -> tuple[float, Path]:
    """Run one command's re-solves (cold or warm); returns (seconds of the re-solves, folder of their cases)."""
    from edwc.workflow.alternatives import alternatives
    from edwc.workflow.draws import sweep_draws
    from edwc.workflow.pareto import pareto
    from edwc.workflow.price import RESOLVES, price_result
    from edwc.workflow.sweep import Case, SolveOptions, sweep_instance

    if cmd == "price":
        folder = work / "price"
        shutil.copytree(base, folder)
        rep = price_result(folder, workers=WORKERS[0], maps=False, warm=warm)
        return rep.seconds.get("resolves", 0.0), folder / RESOLVES
    t0 = time.perf_counter()
    if cmd == "pareto":
        rp = pareto(inst, points=SIZES["points"], out=work / "pareto", workers=1, warm=warm)
        return rp.seconds["far_end"] + rp.seconds["points"], work / "pareto"
    if cmd == "alternatives":
        alternatives(base, n=SIZES["alternatives"], out=work / "alternatives", workers=1, maps=False, warm=warm)
    elif cmd == "draws":
        assert draws is not None
        # the independent check refuses drawn cases whose draws scale tables (input_hash, on main too): it
        # is left out here, so the draws are timed; every other command checks its plans
        sweep_draws(inst, draws, SIZES["draws"], out=work / "draws", workers=WORKERS[0], maps=False, warm=warm,
                    options=SolveOptions(check=False))
    elif cmd == "vary":
        cases = [Case(f"carbon-{p}", None, {"policy.carbon_price_cny_per_t": p}) for p in (0, 200, 300)]
        sweep_instance(inst, cases, out=work / "vary", workers=WORKERS[0], options=SolveOptions(), warm=warm)
    return time.perf_counter() - t0, work / cmd


def compare(cold: dict[str, dict[str, Any]], warm: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Largest relative objective change (warm − cold, sign-corrected for max objectives) and worst warm gap."""
    worse, gap_over, starts = 0.0, 0.0, []
    for name, w in warm.items():
        c = cold.get(name)
        if c is None or name in ("base", "."):
            continue
        starts.append(str(w.get("start", "?")))
        objective = str(w.get("objective_solved", "cost"))
        sign = -1.0 if objective.startswith("max:") else 1.0
        cw, cc = _objective(w), _objective(c)
        if cw is not None and cc is not None:
            worse = max(worse, sign * (cw - cc) / max(abs(cc), 1e-9))
        asked = float((w.get("solver_options") or {}).get("mip_gap") or 0.0)
        if w.get("mip_gap") is not None:
            gap_over = max(gap_over, float(w["mip_gap"]) - asked)
    return {"worse": worse, "gap_over": gap_over, "starts": sorted(set(starts))}


def _objective(s: dict[str, Any]) -> float | None:
    """The value a case optimised: its cost, or the explore objective's value (from its KPIs) when known."""
    if s.get("objective_solved", "cost") == "cost":
        return float(s["objective_cny"])
    return None  # another objective: its plan's value is not in summary.json; compared through the cost cap only


def solve_seconds(summaries: dict[str, dict[str, Any]]) -> float:
    return sum(float((s.get("seconds") or {}).get("solve", 0.0)) for k, s in summaries.items() if k != "base")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", default="china-2025,china-2030")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--no-threads", action="store_true", help="Skip the 1 vs 2 threads solves.")
    ap.add_argument("--workers", type=int, default=1, help="Worker processes of price and the sweeps.")
    ap.add_argument("--json", type=Path)
    for k, v in SIZES.items():
        ap.add_argument(f"--{k}", type=int, default=v)
    args = ap.parse_args()
    SIZES.update({k: getattr(args, k) for k in SIZES})
    WORKERS[0] = args.workers
    from edwc.workflow.run import solve_instance

    seeds = [int(s) for s in args.seeds.split(",")]
    commands = [c for c in args.commands.split(",") if c]
    load0, t_start = os.getloadavg(), time.strftime("%H:%M")
    rows: dict[tuple[str, str], dict[str, list[Any]]] = {}
    threads: dict[str, dict[int, list[float]]] = {}
    log: Callable[[str], None] = lambda s: print(s, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="edwc-bench-warm-") as tmp_s:
        tmp = Path(tmp_s)
        for name in args.instances.split(","):
            draws = ROOT / "instances" / f"{name}-draws.yaml"
            for seed in seeds:
                inst = seeded_copy(ROOT / "instances" / name, seed, tmp / f"{name}-s{seed}")
                base, _ = solve_instance(inst, out=tmp / f"{name}-s{seed}-base", maps=False, check=True, threads=1)
                if not args.no_threads:
                    for k in (1, 2):
                        _, r = solve_instance(inst, out=tmp / f"{name}-s{seed}-t{k}", maps=False, check=False, threads=k)
                        threads.setdefault(name, {}).setdefault(k, []).append(float(r.summary["seconds"]["solve"]))
                        log(f"{name} seed {seed} threads {k}: {r.summary['seconds']['solve']:.1f} s "
                            f"({r.summary['status']}, gap {r.summary['mip_gap']:.3%})")
                for cmd in commands:
                    row = rows.setdefault((name, cmd), {})
                    found: dict[str, dict[str, dict[str, Any]]] = {}
                    for warm in ((False, True) if seed % 2 == 0 else (True, False)):
                        mode = "warm" if warm else "cold"
                        work = tmp / f"{name}-s{seed}-{cmd}-{mode}"
                        work.mkdir()
                        secs, cases = run_command(cmd, inst, base, work, warm, draws if draws.is_file() else None)
                        found[mode] = case_summaries(cases)
                        row.setdefault(mode, []).append(secs)
                        row.setdefault(f"{mode}_solve", []).append(solve_seconds(found[mode]))
                        log(f"{name} seed {seed} {cmd} {mode}: {secs:.1f} s, {len(found[mode])} cases")
                    row.setdefault("check", []).append(compare(found["cold"], found["warm"]))
                    shutil.rmtree(tmp / f"{name}-s{seed}-{cmd}-cold", ignore_errors=True)
                    shutil.rmtree(tmp / f"{name}-s{seed}-{cmd}-warm", ignore_errors=True)
    load1 = os.getloadavg()
    print(f"\nstarted {t_start}, ended {time.strftime('%H:%M')}; load averages (1, 5, 15 min) "
          f"{' '.join(f'{x:.2f}' for x in load0)} at the start, {' '.join(f'{x:.2f}' for x in load1)} at the end; "
          f"seeds {args.seeds}; {args.workers} worker process(es)"
          f"{'; 1 HiGHS thread' if args.workers == 1 else ''}\n")
    print("| instance | command | cold s | warm s | cold ÷ warm | HiGHS s cold | HiGHS s warm | cold ÷ warm (HiGHS) "
          "| worst Δ objective | gap over asked | starts |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    med = statistics.median
    for (name, cmd), r in rows.items():
        c, w, cs, ws = med(r["cold"]), med(r["warm"]), med(r["cold_solve"]), med(r["warm_solve"])
        worse = max(x["worse"] for x in r["check"])
        over = max(x["gap_over"] for x in r["check"])
        starts = sorted({s for x in r["check"] for s in x["starts"]})
        print(f"| {name} | {cmd} | {c:.1f} | {w:.1f} | {c / w:.2f}× | {cs:.1f} | {ws:.1f} | {cs / max(ws, 1e-9):.2f}× "
              f"| {worse:+.2e} | {over:+.2e} | {', '.join(starts)} |")
    if threads:
        print("\n| instance | 1 thread s | 2 threads s | 1 ÷ 2 | runs (1 thread) | runs (2 threads) |")
        print("|---|---:|---:|---:|---|---|")
        for name, t in threads.items():
            print(f"| {name} | {med(t[1]):.1f} | {med(t[2]):.1f} | {med(t[1]) / med(t[2]):.2f}× | "
                  f"{' / '.join(f'{x:.1f}' for x in t[1])} | {' / '.join(f'{x:.1f}' for x in t[2])} |")
    if args.json:
        args.json.write_text(json.dumps({"load": [load0, load1], "rows": {f"{k[0]}/{k[1]}": v for k, v in rows.items()},
                                         "threads": threads}, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
