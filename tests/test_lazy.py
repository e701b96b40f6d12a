"""The lazy trunk network (edwc.solve.lazy) against the full formulation, with the real HiGHS.

On instances where trunks bind, both must reach the same optimum (solved to a zero gap), the lazy
plan must pass the independent check of the full model, and its gap must be a true gap: the lazy
solve's bound may never exceed the full optimum.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import add_period_2030, copy_instance, edit_table, solve, tight_city_instance


def tight_tiny(tmp: Path, periods: int = 1) -> Path:
    """tiny with 5 Gbps trunks: the cheap western campus cannot take all batch work without upgrades."""
    folder = copy_instance("tiny", tmp)

    def narrow(df: pd.DataFrame) -> pd.DataFrame:
        df["capacity_gbps"] = "5"
        df["module_gbps"] = "10"
        return df

    edit_table(folder, "trunks", narrow)
    if periods == 2:  # a second period with 60 % more demand: cumulative upgrades across periods
        add_period_2030(folder)
    return folder


def tight_cities(tmp: Path, seed: int) -> Path:
    """A 40-city synthetic instance whose inter-city trunks (150 Gbps, 3 upgrades) bind."""
    return tight_city_instance(tmp, seed, n_regions=40, n_sites=10)


def both(folder: Path, tmp: Path):
    full = solve(folder, tmp / "full", network="full", mip_gap=0.0)
    lazy = solve(folder, tmp / "lazy", network="lazy", mip_gap=0.0)
    return full.summary, lazy.summary


@pytest.mark.parametrize("case", ["tiny", "tiny-2-periods", pytest.param("cities-1", marks=pytest.mark.slow),
                                  pytest.param("cities-2", marks=pytest.mark.slow)])
def test_lazy_reaches_the_full_optimum(case: str, tmp_path: Path) -> None:
    if case.startswith("tiny"):
        folder = tight_tiny(tmp_path, periods=2 if case.endswith("periods") else 1)
    else:
        folder = tight_cities(tmp_path, seed=int(case.split("-")[1]))
    full, lazy = both(folder, tmp_path)  # solve() runs the independent check: a failing plan raises
    assert full["status"] == lazy["status"] == "optimal"
    assert lazy["objective_cny"] == pytest.approx(full["objective_cny"], rel=1e-6)
    assert lazy["best_bound_cny"] <= full["objective_cny"] * (1 + 1e-6)
    assert lazy["network"]["rounds"] >= 2 and lazy["network"]["trunk_rows"] > 0, "no trunk bound: the test is void"
    assert full["network"]["rows"] == "full" and lazy["network"]["rows"] == "lazy"


def test_lazy_plan_upgrades_the_trunks_it_loads(tmp_path: Path) -> None:
    """The plan the lazy solve returns carries every trunk's load within its (upgraded) capacity, to HiGHS's own
    primal feasibility tolerance (1e-7 absolute on a row; HiGHS 1.16 returned loads 1.4e-7 over)."""
    r = solve(tight_tiny(tmp_path), tmp_path / "r", network="lazy", mip_gap=0.0)
    tr = r.tables["trunks"]
    assert (tr["load_gbps"] <= tr["capacity_gbps"] * (1 + 1e-9) + 1e-6).all()
    assert tr["wavelengths_added"].sum() > 0


@pytest.mark.parametrize("network", ["full", "lazy"])
def test_a_trunk_nothing_uses_still_gets_values(network: str, tmp_path: Path) -> None:
    """A slower parallel trunk carries nothing and its wavelengths cost nothing: HiGHS never sees its
    variables, yet the plan must give them values so every cost part evaluates (and check passes)."""
    folder = tight_tiny(tmp_path)

    def parallel(df: pd.DataFrame) -> pd.DataFrame:
        extra = df[df["trunk"] == "bj-gs"].assign(trunk="bj-gs-slow", length_km="3000", module_capex_cny="0")
        return pd.concat([df, extra], ignore_index=True)

    edit_table(folder, "trunks", parallel)
    r = solve(folder, tmp_path / "r", network=network, mip_gap=0.0)
    parts = r.summary["cost_parts_cny"]
    assert parts["trunks"] > 0  # the narrow trunks are upgraded and their cost is counted
    assert sum(parts.values()) == pytest.approx(r.summary["objective_cny"], rel=1e-9)
    slow = r.tables["trunks"].set_index("trunk").loc["bj-gs-slow"]
    assert slow["load_gbps"] == 0 and slow["wavelengths_added"] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_reroute_fits_the_trunks_with_the_plans_campuses(seed: int, tmp_path: Path) -> None:
    """A plan of the relaxation that overloads trunks, re-routed (edwc.solve.reroute): the same campuses and
    modules, no trunk overloaded, a plan of the full model, and here cheaper than adding wavelengths alone."""
    import numpy as np

    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.solve.handover import to_highs
    from edwc.solve.highs import run_highs
    from edwc.solve.lazy import Lazy

    inst = load_valid_instance(tight_cities(tmp_path, seed))
    m, d = build_model(inst, network="lazy")
    hm = to_highs(m)
    lz = Lazy(m, d, hm)
    x = run_highs(hm, inst.config.solver, 120).x
    assert x is not None and lz.overloaded(x)[2].any(), "the relaxation's plan fits: the test is void"
    y = lz.reroute(x)
    assert y is not None
    cols = [hm.column(v) for v in [*m.open.values(), *m.modules.values()]]
    assert np.array_equal(y[cols], np.round(x[cols]))
    assert not lz.overloaded(y)[2].any()
    fixed, by_waves = lz.repair(y), lz.repair(x)
    assert fixed is not None and by_waves is not None
    assert fixed[0] < by_waves[0]
