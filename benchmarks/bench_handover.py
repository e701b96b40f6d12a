"""Build and hand-over to HiGHS, four ways, on the same Pyomo model (median of N repeats).

    .venv/bin/python benchmarks/bench_handover.py                       # china-2030 and cities 340 x 60
    .venv/bin/python benchmarks/bench_handover.py --sizes 1000x150 --repeats 1

Routes timed (each until HiGHS holds the model, before any solving):
  contrib   pyomo.contrib.solver 'highs' (Pyomo's persistent in-memory interface; edwc's route before issue 12)
  appsi     pyomo.contrib.appsi 'appsi_highs' (the older persistent interface)
  stdform   Pyomo's LinearStandardFormCompiler -> highspy.passModel (edwc.solve.highs.to_highs, the route chosen)
  lpfile    Pyomo's LP writer -> highspy.readModel
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import highspy
from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs
from pyomo.contrib.solver.common.factory import SolverFactory

from edwc.formulation.build import build_model, no_gc
from edwc.network.reach import load_valid_instance
from edwc.solve.highs import to_highs
from edwc.synthetic.cities import generate_city_instance

ROOT = Path(__file__).resolve().parents[1]


def contrib(m) -> float:
    s = SolverFactory("highs")
    s.config.load_solutions = False
    s.config.raise_exception_on_nonoptimal_result = False
    s.config.time_limit = 1e-9  # HiGHS stops at once; what is left is the hand-over
    s.config.solver_options = {"presolve": "off"}
    t = time.perf_counter()
    s.solve(m)
    return time.perf_counter() - t - s._solver_model.getRunTime()


def appsi(m) -> float:
    s = AppsiHighs()
    t = time.perf_counter()
    s.set_instance(m)
    return time.perf_counter() - t


def stdform(m) -> float:
    t = time.perf_counter()
    to_highs(m)
    return time.perf_counter() - t


def lpfile(m) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        m.write(str(Path(tmp) / "m.lp"))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(Path(tmp) / "m.lp"))
        return time.perf_counter() - t


ROUTES = {"contrib": contrib, "appsi": appsi, "stdform": stdform, "lpfile": lpfile}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="*", default=["china-2030"])
    ap.add_argument("--sizes", nargs="*", default=["340x60"], help="synthetic city instances RxS")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = [ROOT / "instances" / i for i in args.instances]
        for size in args.sizes:
            r, s = (int(x) for x in size.split("x"))
            cases.append(generate_city_instance(Path(tmp) / size, r, s, seed=0))
        print("instance        network  build s  " + "  ".join(f"{k:>8}" for k in ROUTES) + "  (hand-over s, median)")
        for folder in cases:
            inst = load_valid_instance(folder)
            for network in ("full", "lazy"):
                builds, times = [], {k: [] for k in ROUTES}
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    m, _ = build_model(inst, network=network)
                    builds.append(time.perf_counter() - t)
                    for k, f in ROUTES.items():
                        with no_gc():
                            times[k].append(f(m))
                    del m
                med = {k: statistics.median(v) for k, v in times.items()}
                print(f"{inst.name:<16}{network:<8}{statistics.median(builds):8.2f}  "
                      + "  ".join(f"{med[k]:8.2f}" for k in ROUTES), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
