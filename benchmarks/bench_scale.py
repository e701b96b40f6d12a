"""Phase times (validate, build, solve, extract) by instance size, with the real HiGHS.

    python benchmarks/bench_scale.py                 # tiny, china-2025, city instances up to 340 x 60
    python benchmarks/bench_scale.py --sizes 100x20 200x40 --time-limit 60 --mip-gap 0.01

The machine is noisy and MIP solve times vary by seed: compare ratios within one run, not across runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from edwc.formulation.build import build_model
from edwc.input.instance import load_instance
from edwc.results.tables import extract
from edwc.solve.highs import solve_model
from edwc.synthetic.cities import generate_city_instance
from edwc.workflow.run import model_sizes

ROOT = Path(__file__).resolve().parents[1]


def bench(folder: Path, time_limit: float, mip_gap: float) -> dict:
    t0 = time.perf_counter()
    inst = load_instance(folder)
    t1 = time.perf_counter()
    m, d = build_model(inst)
    t2 = time.perf_counter()
    opts = inst.config.solver.model_copy(update={"time_limit_s": time_limit, "mip_gap": mip_gap, "threads": 1})
    out = solve_model(m, opts)
    t3 = time.perf_counter()
    if out.has_solution:
        extract(inst, m, d)
    t4 = time.perf_counter()
    return {"name": inst.name, **model_sizes(m), "validate": t1 - t0, "build": t2 - t1, "solve": t3 - t2,
            "extract": t4 - t3, "status": out.status, "gap": out.mip_gap}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=["50x10", "100x20", "200x40", "340x60"], help="city instances RxS")
    ap.add_argument("--time-limit", type=float, default=120)
    ap.add_argument("--mip-gap", type=float, default=0.01)
    args = ap.parse_args()
    cases = [ROOT / "instances" / "tiny", ROOT / "instances" / "china-2025"]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            r, s = (int(x) for x in size.split("x"))
            cases.append(generate_city_instance(Path(tmp) / size, r, s, seed=0))
        print(f"time limit {args.time_limit:g} s, mip gap {args.mip_gap:g}, 1 thread")
        head = f"{'instance':<18}{'vars':>8}{'ints':>6}{'rows':>8}{'validate':>10}{'build':>8}{'solve':>8}{'extract':>9}  status (gap)"
        print(head)
        for folder in cases:
            b = bench(folder, args.time_limit, args.mip_gap)
            gap = "" if b["gap"] is None else f" ({b['gap']:.2%})"
            print(f"{b['name']:<18}{b['variables']:>8,}{b['integers']:>6,}{b['constraints']:>8,}{b['validate']:>10.2f}"
                  f"{b['build']:>8.2f}{b['solve']:>8.2f}{b['extract']:>9.2f}  {b['status']}{gap}", flush=True)


if __name__ == "__main__":
    main()
