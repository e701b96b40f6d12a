"""What movable work is worth at a fixed plan: a result's integer decisions (campuses, modules, wavelengths,
direct-supply switches) fixed, the LP re-solved exactly (gap 0) with every movable workload's flexible_share set
to 0, the instance's own, 0.3, and 0.3 with power.flexible_across_sites. MIP runs of scenarios differ by up to
their gap (0.2 % of china-2025 is ~5.7 亿元), more than movable work is worth at flat tariffs; the LP shows it.

    .venv/bin/python scripts/flex_value.py results/china-2025
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyomo.core as pyo

from edwc.decisions.fixed import fix_integers, load_result_instance, plan_integers
from edwc.formulation.build import build_model
from edwc.formulation.data import SCALE
from edwc.results.tables import read_result
from edwc.solve.highs import solve_model


def main(res_dir: Path) -> None:
    result = read_result(res_dir)
    cases = (("movable share 0", 0.0, False), ("the instance's own", None, False), ("movable share 0.3", 0.3, False),
             ("0.3, also between sites", 0.3, True))
    for label, share, across in cases:
        inst = load_result_instance(res_dir, {"power.flexible_across_sites": across})
        wl = inst.tables["workloads"]
        if share is not None:
            movable = wl["flexible_share"].astype(float) > 0
            wl.loc[movable, "flexible_share"] = share
        m, d = build_model(inst)
        fix_integers(plan_integers(m, d, result))
        out = solve_model(m, inst.config.solver.model_copy(update={"time_limit_s": 1800, "mip_gap": 0.0}))
        print(f"{label:26s} {out.status:10s} {pyo.value(m.total_cost) * SCALE / 1e8:12,.2f} 亿元/yr", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
