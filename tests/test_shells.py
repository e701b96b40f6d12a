"""Shells apart from IT on tiny, by hand (docs/model.md "Shells"): 1 PFLOPS of IT is 1 MW (kw_per_pflops 1000),
capex annuities are 1 (discount 0, lives 1 y), power 1 CNY/kWh at west-1 and bj-dc, 1000 h a year. tiny's plan
builds 2 general modules (20 PFLOPS = 20 MW of IT) at west-1 and costs 6.2015e7 CNY/year."""

from __future__ import annotations

import pytest

from conftest import set_cell, solve

BASE = 6.2015e7


def yaml_set(tiny, old: str, new: str) -> None:
    y = tiny / "instance.yaml"
    text = y.read_text(encoding="utf-8")
    assert old in text
    y.write_text(text.replace(old, new), encoding="utf-8")


def site_row(r, site: str):
    st = r.tables["sites"]
    return st[st["site"] == site].iloc[0]


def kpi(r, name: str) -> float:
    return float(r.tables["kpis"].set_index("kpi").at[name, "value"])


def test_phases_and_shell_capex(tiny, tmp_path):
    """Phases of 15 MW: 20 MW of IT needs 2 phases = 30 MW of shell at 1 CNY/kW: +30,000 CNY; 上架率 at west-1 20/30."""
    yaml_set(tiny, "  utilisation_max: 1.0", "  utilisation_max: 1.0\n  shell_capex_cny_per_kw: 1")
    set_cell(tiny, "sites", {"site": "west-1"}, "shell_phase_mw", 15)
    r = solve(tiny, tmp_path / "r")
    w = site_row(r, "west-1")
    assert w["it_mw"] == pytest.approx(20) and w["shell_mw_new"] == pytest.approx(30)
    assert kpi(r, "rack_occupancy_cluster_west-1") == pytest.approx(20 / 30)
    assert r.summary["objective_cny"] == pytest.approx(BASE + 30_000)


def test_build_ahead(tiny, tmp_path):
    """Stock year 2023, lead time 2 y: k = 2 / 2 = 1, so west-1's shells hold its 20 MW plus 20 MW more: 40 MW."""
    yaml_set(tiny, "  utilisation_max: 1.0", "  utilisation_max: 1.0\n  shell_capex_cny_per_kw: 1\n  stock_year: 2023\n"
             "  build_ahead_years: 2")
    r = solve(tiny, tmp_path / "r")
    assert site_row(r, "west-1")["shell_mw_new"] == pytest.approx(40)
    # national: IT 20 (bj-dc) + 5 (sh-dc) + 20 (west-1) over shells 20 + 5 + 40
    assert kpi(r, "rack_occupancy_national") == pytest.approx(45 / 65)
    assert r.summary["objective_cny"] == pytest.approx(BASE + 40_000)


def test_build_rate(tiny, tmp_path):
    """5 MW a year at west-1 (one year's window) holds no 10 MW module: nothing is built there."""
    set_cell(tiny, "sites", {"site": "west-1"}, "build_mw_per_year", 5)
    r = solve(tiny, tmp_path / "r")
    assert site_row(r, "west-1")["shell_mw_new"] <= 5 + 1e-6
    c = r.tables["capacity"]
    assert c.loc[c["site"] == "west-1", "built_pflops"].sum() == 0


def test_build_rate_grows_with_the_shells(tiny, tmp_path):
    """shell_new <= (build_mw_per_year + g x shells before) x window: west-1 (a new campus, no shells before) gains
    nothing from g = 1, so 5 MW a year still holds no 10 MW module; bj-dc's 20 MW would allow 25 MW, but it cannot build."""
    yaml_set(tiny, "  utilisation_max: 1.0", "  utilisation_max: 1.0\n  build_growth_per_year: 1")
    set_cell(tiny, "sites", {"site": "west-1"}, "build_mw_per_year", 5)
    r = solve(tiny, tmp_path / "r")
    assert site_row(r, "west-1")["shell_mw_new"] <= 5 + 1e-6
    c = r.tables["capacity"]
    assert c.loc[c["site"] == "west-1", "built_pflops"].sum() == 0


def test_noload(tiny, tmp_path):
    """bj-dc's 20 MW of IT in 30 MW of shells: 10 MW empty x 0.1 kW/kW x 1000 h = 1,000 MWh, 1 M CNY at 1 CNY/kWh."""
    yaml_set(tiny, "  utilisation_max: 1.0", "  utilisation_max: 1.0\n  shell_noload_kw_per_kw: 0.1")
    set_cell(tiny, "sites", {"site": "bj-dc"}, "existing_shell_mw", 30)
    r = solve(tiny, tmp_path / "r")
    b = site_row(r, "bj-dc")
    assert b["noload_mwh"] == pytest.approx(1000)
    assert kpi(r, "rack_occupancy_east") == pytest.approx(25 / 35)
    assert r.summary["objective_cny"] == pytest.approx(BASE + 1e6)


def test_limits_rise_from_their_start_to_the_horizon():
    """max_facility_mw[s,t]: max_facility_mw_start in the first period, linear in the years to max_facility_mw in the
    last; empty, or a single period: max_facility_mw throughout."""
    import pandas as pd

    from edwc.input.limits import facility_limits

    sites = pd.DataFrame({"site": ["a", "b"], "max_facility_mw": [200.0, 50.0], "max_facility_mw_start": [100.0, None]})
    lim = facility_limits(sites, [2025, 2027, 2030])
    assert lim[("a", 2025)] == 100 and lim[("a", 2027)] == pytest.approx(140) and lim[("a", 2030)] == 200
    assert {lim[("b", t)] for t in (2025, 2027, 2030)} == {50.0}
    assert facility_limits(sites, [2025])[("a", 2025)] == 200


def test_a_limit_with_a_start_holds_the_first_period_back(tiny, tmp_path):
    """Two periods (2030 demand 1.6 x 2025): west-1's limit starts at 5 MW of facility in 2025 (no 10 MW module
    fits) and reaches its max_facility_mw in 2030. Free, west-1 opens in 2025 (20 MW); held back, the work goes to
    west-2 (a dearer campus that then serves 2030 too) and the plan costs more; edwc check re-derives the rows."""
    import pandas as pd

    from conftest import edit_table

    yaml_set(tiny, "periods: [2025]", "periods: [2025, 2030]")

    def grow(df: pd.DataFrame) -> pd.DataFrame:
        later = df.assign(period="2030", pflops=(df["pflops"].astype(float) * 1.6).round(3).astype(str))
        return pd.concat([df, later], ignore_index=True)

    edit_table(tiny, "demand", grow)
    free = solve(tiny, tmp_path / "free")
    set_cell(tiny, "sites", {"site": "west-1"}, "max_facility_mw_start", 5)
    held = solve(tiny, tmp_path / "held")
    st = held.tables["sites"].set_index(["site", "period"])
    assert st.at[("west-1", 2025), "facility_mw"] <= 5 + 1e-6
    assert free.tables["sites"].set_index(["site", "period"]).at[("west-1", 2025), "facility_mw"] > 5
    assert st.at[("west-2", 2025), "facility_mw"] > 5
    assert held.summary["objective_cny"] > free.summary["objective_cny"]
