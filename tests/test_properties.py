"""Properties over random small instances (tests/strategies.py), each solved with the real HiGHS.

- every solved result passes the independent check;
- more demand never lowers the optimal cost; one site fewer never lowers it;
- unmet demand is zero whenever capacity and latency allow serving everything.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from edwc.analysis.check import check_result
from edwc.errors import InputError, SolveError
from edwc.workflow.run import solve_instance
from strategies import MONOTONE_IN_DEMAND, MONOTONE_IN_SITES, Spec, instances

# No shrinking: each example is a real solve, and a failure prints its instance anyway.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True, phases=PHASES)
COST_RTOL = 1e-6


def solve_spec(spec: Spec, root: Path, name: str) -> tuple[Path, dict] | None:
    """Write and solve; None when the policies in force leave no plan (infeasible)."""
    folder = spec.write(root / name)
    try:
        out, result = solve_instance(folder, out=root / f"{name}-result", force=True, maps=False, check=True)
    except SolveError as e:
        if "infeasible" in str(e).lower():
            return None
        raise
    assert result.summary["status"] == "optimal", result.summary["status"]
    return out, result.summary


def not_lower(bigger: float, smaller: float) -> bool:
    return bigger >= smaller - COST_RTOL * max(1.0, abs(smaller))


@SETTINGS
@given(spec=instances())
def test_every_solved_result_passes_check(spec: Spec) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        solved = solve_spec(spec, Path(tmp), "a")
        assume(solved is not None)
        report = check_result(solved[0])
        assert report.ok, report.render()


@SETTINGS
@given(spec=instances(policies=MONOTONE_IN_DEMAND), factor=st.sampled_from([1.0, 1.5, 3.0]),
       extra=st.dictionaries(st.integers(0, 20), st.sampled_from([0.5, 4.0]), max_size=3))
def test_more_demand_never_lowers_cost(spec: Spec, factor: float, extra: dict[int, float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = solve_spec(spec, Path(tmp), "base")
        assume(base is not None)
        more = solve_spec(spec.scaled_demand(factor, extra), Path(tmp), "more")
        assert more is not None, "more demand made a feasible instance infeasible"
        assert not_lower(more[1]["objective_cny"], base[1]["objective_cny"]), (more[1], base[1])


@pytest.mark.slow
@SETTINGS
@given(spec=instances(policies=MONOTONE_IN_SITES), which=st.integers(0, 3))
def test_removing_a_site_never_lowers_cost(spec: Spec, which: int) -> None:
    sites = [s["site"] for s in spec.tables["sites"]]
    assume(len(sites) > 1)
    with tempfile.TemporaryDirectory() as tmp:
        base = solve_spec(spec, Path(tmp), "base")
        assume(base is not None)
        try:
            fewer = solve_spec(spec.without_site(sites[which % len(sites)]), Path(tmp), "fewer")
        except InputError:
            assume(False)  # the site was the only one in reach of some demand: not a valid instance
            return
        if fewer is None:
            return  # infeasible without the site: cost is +inf, not lower
        assert not_lower(fewer[1]["objective_cny"], base[1]["objective_cny"]), (fewer[1], base[1])


@SETTINGS
@given(spec=instances(ample=True))
def test_no_unmet_demand_when_everything_can_be_served(spec: Spec) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        solved = solve_spec(spec, Path(tmp), "a")
        assert solved is not None
        unmet = solved[1]["unmet_value_cny"]
        assert unmet <= 1e-6 * 1e12, f"unmet demand costs {unmet} CNY although everything can be served"


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=PHASES)
@given(spec=instances())
def test_every_solved_result_passes_check_many(spec: Spec) -> None:
    test_every_solved_result_passes_check.hypothesis.inner_test(spec)


@pytest.mark.parametrize("setting", ["policy.west_share_new_min=0.5", "policy.intelligent_share_min=0.0"])
def test_policy_row_that_reduces_to_a_constant(tmp_path: Path, setting: str) -> None:
    """Nothing buildable anywhere: west_share_new[t] reads 0 >= 0.5 x 0, a trivially true row. The solve must
    go on (or report infeasibility in words), never crash with Pyomo's InvalidConstraintError."""
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(Path(__file__).resolve().parents[1] / "instances" / "tiny", folder)
    sc = folder / "site_classes.csv"
    sc.write_text(sc.read_text().replace(",0,5\n", ",0,0\n"))
    key, _, value = setting.partition("=")
    solve_instance(folder, out=tmp_path / "r", sets={key: float(value)}, maps=False)


@pytest.mark.parametrize("what", ["modules at an existing site", "wavelengths on a trunk"])
def test_max_modules_is_a_total_over_periods(tmp_path: Path, what: str) -> None:
    """Two periods, demand that needs twice the room max_modules gives: the plan must leave the rest unmet,
    never build max_modules in each period. `edwc check` caught the plan that did (now fixed in constraints.py)."""
    import shutil

    import pandas as pd

    folder = tmp_path / "tiny"
    shutil.copytree(Path(__file__).resolve().parents[1] / "instances" / "tiny", folder)
    y = folder / "instance.yaml"
    y.write_text(y.read_text().replace("periods: [2025]", "periods: [2025, 2030]"))
    dem = pd.read_csv(folder / "demand.csv", dtype=str)
    later = dem.assign(period="2030")
    if what.startswith("modules"):  # Beijing realtime grows to 40 PFLOPS; bj-dc may add 1 module of 10
        later.loc[(later["region"] == "110000") & (later["workload"] == "realtime"), "pflops"] = "40"
        sc = pd.read_csv(folder / "site_classes.csv", dtype=str)
        sc.loc[sc["site"] == "bj-dc", "max_modules"] = "1"
        sc.to_csv(folder / "site_classes.csv", index=False)
    else:  # Beijing batch grows to 400 PFLOPS over bj-gs (100 Gbps + at most 2 wavelengths of 100)
        later.loc[(later["region"] == "110000") & (later["workload"] == "batch"), "pflops"] = "400"
        sc = pd.read_csv(folder / "site_classes.csv", dtype=str)
        sc.loc[sc["site"] == "west-1", "max_modules"] = "40"
        sc.to_csv(folder / "site_classes.csv", index=False)
        st_ = pd.read_csv(folder / "sites.csv", dtype=str)
        st_["max_facility_mw"] = "1000"
        st_.to_csv(folder / "sites.csv", index=False)
    dem.loc[(dem["region"] == "110000") & (dem["workload"] == "realtime"), "pflops"] = "25"
    pd.concat([dem, later]).to_csv(folder / "demand.csv", index=False)
    out, result = solve_instance(folder, out=tmp_path / "r", maps=False, check=False)
    report = check_result(out)
    assert report.ok, report.render()
