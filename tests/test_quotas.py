"""Eastern energy rules (能评) on tiny, by hand (docs/model.md "Limits from what exists and energy quotas";
formulation/quotas.py). tiny's plan builds 2 general modules (20 MW of IT: kw_per_pflops 1000) at west-1 in Gansu
(620000) at PUE 1.0, 1000 h a year, and costs 6.2015e7 CNY/year; west-1 and west-2 are tiny's only sites that build."""

from __future__ import annotations

import shutil

import pytest
from test_shells import BASE, site_row, yaml_set

from conftest import set_cell, solve
from edwc.analysis.check import check_plan, read_plan
from edwc.results.digest import read_digest
from edwc.results.limits import binding_quotas

GANSU = {"region": "620000"}


def ahead(tiny, years: float) -> None:
    """Shells lead IT: stock year 2023, so the 2025 window is 2 years and k = years / 2 (shell capex 1 CNY/kW)."""
    yaml_set(tiny, "  utilisation_max: 1.0", "  utilisation_max: 1.0\n  shell_capex_cny_per_kw: 1\n  stock_year: 2023\n"
             f"  build_ahead_years: {years:g}")


def west_shells(r) -> float:
    return float(site_row(r, "west-1")["shell_mw_new"] + site_row(r, "west-2")["shell_mw_new"])


def test_occupancy_floor_met_builds(tiny, tmp_path):
    """Lead 3 y (k = 1.5): 20 MW of IT at west-1 needs 20 + 1.5 x 20 = 50 MW of shells, 上架率 40 %. With Gansu's floor
    at 30 % the site may build: the plan is tiny's with 50 MW of shells (+50,000 CNY), as with no floor at all, and
    no energy rule binds."""
    ahead(tiny, 3)
    set_cell(tiny, "regions", GANSU, "min_rack_occupancy_new_shells", 0.3)
    r = solve(tiny, tmp_path / "r")
    assert site_row(r, "west-1")["shell_mw_new"] == pytest.approx(50)
    assert r.summary["objective_cny"] == pytest.approx(BASE + 50_000)
    assert binding_quotas(read_digest(tmp_path / "r")).empty


def test_occupancy_floor_at_the_floor_is_reported(tiny, tmp_path):
    """Lead 2 y (k = 1): 20 MW of IT needs 40 MW of shells, 上架率 50 %, exactly Beijing's floor (pol_bj_min_occ):
    the site builds, and the limits report lists the rule as binding ('at the floor')."""
    ahead(tiny, 2)
    set_cell(tiny, "regions", GANSU, "min_rack_occupancy_new_shells", 0.5)
    r = solve(tiny, tmp_path / "r")
    assert site_row(r, "west-1")["shell_mw_new"] == pytest.approx(40)
    assert r.summary["objective_cny"] == pytest.approx(BASE + 40_000)
    q = binding_quotas(read_digest(tmp_path / "r"))
    assert list(q["status"]) == ["at the floor"] and list(q["where"]) == ["west-1"]


def test_occupancy_freeze_blocks_new_shells(tiny, tmp_path):
    """Lead 3 y and a 50 % floor (Beijing's): any new western build stands at 40 % < 50 %, so Gansu builds no
    shells; the demand the existing 25 PFLOPS (bj-dc 20, sh-dc 5) cannot serve, 40 - 25 = 15 PFLOPS, goes unserved."""
    ahead(tiny, 3)
    set_cell(tiny, "regions", GANSU, "min_rack_occupancy_new_shells", 0.5)
    r = solve(tiny, tmp_path / "r")
    assert west_shells(r) == pytest.approx(0, abs=1e-6)
    assert r.tables["unmet"]["pflops"].sum() == pytest.approx(15)
    # the independent check follows the rule: the same plan read against a 40 % floor holds; a plan that builds
    # at 40 % read against a 50 % floor fails, naming the family
    built = tmp_path / "built"
    ahead_tiny = tmp_path / "tiny40"
    shutil.copytree(tiny, ahead_tiny)
    set_cell(ahead_tiny, "regions", GANSU, "min_rack_occupancy_new_shells", 0.4)
    solve(ahead_tiny, built)
    p = read_plan(built)
    p.inst["regions"].loc[p.inst["regions"]["region"] == "620000", "min_rack_occupancy_new_shells"] = 0.5
    bad = check_plan(p, built)
    assert {v.family for v in bad.violations} == {"occupancy_freeze"}


def test_energy_quota_with_offset(tiny, tmp_path):
    """Quota 40,000 MWh/yr and offset 2: west-1's 20 MW of new shells at PUE 1.0 over 1000 h are 20,000 MWh/yr, x 2 =
    40,000: the plan is tiny's. Quota 26,000: one 10 MW module, at west-2 (the cheaper campus; PUE 1.3: 10 x 1.3 x 1000
    x 2 = 26,000, the whole quota), the rest unserved; the report lists the quota as binding."""
    set_cell(tiny, "regions", GANSU, "dc_energy_offset_ratio", 2)
    set_cell(tiny, "regions", GANSU, "dc_energy_quota_mwh", 40_000)
    r = solve(tiny, tmp_path / "r")
    assert r.summary["objective_cny"] == pytest.approx(BASE)
    set_cell(tiny, "regions", GANSU, "dc_energy_quota_mwh", 26_000)
    r = solve(tiny, tmp_path / "q")
    assert site_row(r, "west-2")["shell_mw_new"] == pytest.approx(10) and west_shells(r) == pytest.approx(10)
    assert r.summary["objective_cny"] > BASE
    q = binding_quotas(read_digest(tmp_path / "q"))
    assert list(q["rule"]) == ["energy_quota"] and q["value"].iloc[0] == pytest.approx(26_000, rel=1e-4)


def test_a_plan_under_the_freeze_can_be_fixed_for_its_prices(tiny, tmp_path):
    """edwc price and levers fix a plan's integers from its tables: the freeze's shell_allowed[s,t] (and shell_phases)
    must be read back (they were not: 'cannot fix the plan: no value in the result tables for
    shell_allowed[beijing,2025]' on china-2025). The fixed LP gives the MIP's cost back."""
    from edwc.decisions.fixed import solve_fixed

    ahead(tiny, 2)
    set_cell(tiny, "regions", GANSU, "min_rack_occupancy_new_shells", 0.5)
    r = solve(tiny, tmp_path / "r")
    plan = solve_fixed(tmp_path / "r")
    assert plan.objective_cny == pytest.approx(r.summary["objective_cny"], rel=1e-6)
