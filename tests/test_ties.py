"""Equal-cost plans: the tie-break of edwc.solve.highs.polish (docs/model.md, "Equal-cost plans"), real HiGHS.

Among the plans the LP of a fixed set of integer decisions leaves at its optimal cost, polish takes the one
with the least tie_break (work served nearest its users). It must not change the cost beyond TIE_TOL nor
any integer decision, and on china-2025 two solver seeds must then agree to within 5 % of demand (without training blocks: their sites are an integer choice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import INSTANCES, solve


def _polished_both_ways(folder: Path):
    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.solve.handover import to_highs
    from edwc.solve.highs import polish, run_highs, tie_break_costs

    inst = load_valid_instance(folder)
    opts = inst.config.solver.model_copy(update={"mip_gap": 0.01, "time_limit_s": 60})
    m, _ = build_model(inst, network="full")
    hm = to_highs(m)
    mip = run_highs(hm, opts, opts.time_limit_s)
    assert mip.x is not None
    tb = tie_break_costs(hm, m)
    assert tb is not None and (tb > 0).sum() > 0
    plain = polish(hm, mip.x, opts, 60)
    tied = polish(hm, mip.x, opts, 60, tb)
    assert plain is not None and tied is not None and plain.x is not None and tied.x is not None
    return hm, tb, mip.x, plain, tied


def test_tie_break_keeps_cost_and_integers_and_serves_nearer(tmp_path: Path) -> None:
    from edwc.solve.highs import TIE_TOL
    from edwc.synthetic.cities import generate_city_instance

    folder = generate_city_instance(tmp_path / "cities", n_regions=40, n_sites=10, seed=3)
    hm, tb, x, plain, tied = _polished_both_ways(folder)
    assert plain.objective is not None and tied.objective is not None
    assert tied.objective <= plain.objective + TIE_TOL * abs(plain.objective)
    assert tied.objective >= plain.objective - 1e-6 * abs(plain.objective)  # plain is the LP optimum
    ints = hm.integer
    assert np.array_equal(tied.x[ints], np.round(x[ints]))
    assert float(tb @ tied.x) < float(tb @ plain.x) - 1e-6  # on this instance the rule moves work nearer
    assert hm.violation(tied.x) < 1e-6
    # the HiGHS model is left as it was: same costs, same rows, integers integral again
    assert np.array_equal(np.asarray(hm.highs.getLp().col_cost_), hm.cost)
    assert hm.highs.getNumRow() == len(hm.row_lower)


@pytest.mark.slow
def test_two_seeds_of_china_2025_move_at_most_five_percent(tmp_path: Path) -> None:
    """Issue 9, item 8: the compare of china-2025 solved with seed 0 and seed 1 moves little demand, all of it
    between plans of equal cost (`tie`).

    Solved as shipped (12 typical days, 0.2 % gap: each seed ~15-35 s), so plans inside the gap may differ in
    their integer decisions as well as in how equal-cost flows are broken (the rule under test). Measured on the
    capacity branch (shells apart from IT): 1.04 % of demand moved, all `tie`, most of it between NSCC Wuxi and
    NSCC Kunshan, whose inputs are the same but for their coordinates (est_split_two_sites). The annual mode at a
    0.05 % gap, used here before shells, now stops at its 300 s limit without the polish, and moved 15 %.

    With issue 19's limits from what exists, vintages and AI demand where the filed AI services are, the plan without
    training blocks (scenario training-any-pieces) moved 3.0 % between the two seeds (measured on main, all `tie`).
    The shipped plan with training blocks moved 17.5 % (29,300 of the 52,600 PFLOPS were training): which sites host
    the blocks is an integer choice made inside the 0.2 % gap, not an LP tie, so this test of the tie-break rule
    solves without the blocks (docs/model.md "Training blocks" says where the blocks sit is soft)."""
    from edwc.analysis.compare import compare_results

    sets: dict[str, Any] = {}
    sc = "training-any-pieces"
    a = solve(INSTANCES / "china-2025", tmp_path / "s0", sets={**sets, "solver.seed": 0}, scenario=sc)
    b = solve(INSTANCES / "china-2025", tmp_path / "s1", sets={**sets, "solver.seed": 1}, scenario=sc)
    demand = float(pd.read_csv(INSTANCES / "china-2025" / "demand.csv")["pflops"].sum())
    moved = compare_results([tmp_path / "s0", tmp_path / "s1"]).moved
    share = moved["moved_pflops"].sum() / demand
    assert share <= 0.05, f"{share:.2%} of demand moved between seeds ({len(moved)} region workloads)"
    assert set(moved["kind"]) <= {"tie"}
    assert abs(a.summary["total_cost_cny"] - b.summary["total_cost_cny"]) <= 0.002 * a.summary["total_cost_cny"]  # the gap
