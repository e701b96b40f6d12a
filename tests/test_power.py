"""The power side on tiny, worked by hand (docs/model.md, "Power side").

tiny's optimum (test_tiny.py) builds 20 PFLOPS at west-1 (Gansu, 620000) and serves 20 there: with idle draw 0.5,
1000 kW per PFLOPS and PUE 1.0 it draws 20 x 0.5 + 20 x 0.5 = 20 MW all year, 20,000 MWh in tiny's 1000-hour
year, at 0.5 CNY/kWh and 0.5 t/MWh. The tests
give tiny its own hourly profiles (every day alike, one typical day of 24 hours): each hour stands for
365 x 1000 / 8760 = 41.67 h of tiny's year.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from conftest import solve
from edwc.analysis.check import check_result
from edwc.analysis.powermodel import load_envelope
from edwc.maps import render_result

W = 365 * 1000 / 8760  # hours of tiny's year each hour of the typical day stands for
LOAD = 20.0  # MW at west-1
SUN = (10, 11, 12, 13)  # hours with PV output 0.5
NIGHT = (0, 1, 2, 3, 4, 5)  # hours with 10 MW of Gansu's output curtailed


def with_profiles(tiny: Path, extra: str = "") -> Path:
    """tiny with its own profiles: Gansu PV 0.5 in four midday hours, 10 MW curtailed in six night hours,
    nothing curtailed in Beijing and Shanghai."""
    hour = np.arange(8760) % 24
    pd.DataFrame({
        "hour": np.arange(8760),
        "solar:620000": np.where(np.isin(hour, SUN), 0.5, 0.0),
        "onwind:620000": 0.0,
        "curtailed:620000": np.where(np.isin(hour, NIGHT), 10.0, 0.0),
        "curtailed:110000": 0.0, "curtailed:310000": 0.0,
    }).to_csv(tiny / "profiles.csv", index=False)
    y = tiny / "instance.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace(
        "solver:", f"time: {{mode: typical_days, days: 1, profiles: profiles.csv}}\n{extra}solver:", 1), encoding="utf-8")
    return tiny


def site(r, s: str = "west-1") -> pd.Series:
    return r.tables["sites"].set_index("site").loc[s]


def test_curtailed_power_is_taken_where_and_when_it_is(tiny: Path, tmp_path: Path) -> None:
    """At 0.1 CNY/kWh, west-1 takes all 10 MW of Gansu's night curtailment: 10 x 6 h x 41.67 = 2,500 MWh, the rest
    from the grid; location-based emissions fall by 2,500 x 0.5 t; the energy cost by 2,500 x (0.5 - 0.1) x 1000."""
    base = solve(tiny, tmp_path / "base")
    r = solve(with_profiles(tiny, "power: {curtailed_cny_per_kwh: 0.1}\n"), tmp_path / "r")
    w = site(r)
    assert w["curtailed_mwh"] == pytest.approx(10 * len(NIGHT) * W)
    assert w["grid_mwh"] == pytest.approx(LOAD * 1000 - 2500)
    assert w["emissions_t"] == pytest.approx(site(base)["emissions_t"] - 2500 * 0.5)
    assert base.summary["cost_parts_cny"]["energy"] - r.summary["cost_parts_cny"]["energy"] == pytest.approx(2500 * 400 * 1000 / 1000)
    k = r.tables["kpis"].set_index("kpi")["value"]
    assert k["curtailment_absorbed_share"] == pytest.approx(1.0)
    assert check_result(tmp_path / "r").ok


def test_certificates_change_market_based_emissions_only(tiny: Path, tmp_path: Path) -> None:
    """green_share_min 0.5 with certificates at 5 CNY/MWh (cheaper than traded green power at 1 CNY/kWh): half of
    tiny's 28,000 + 7,500 + 20,000 = 55,500 MWh in certificates, 138,750 CNY; location-based emissions stay
    (28,000 + 7,500) x 0.6 + 20,000 x 0.5 = 31,300 t, market-based 0.6096 x 27,750 t."""
    set_yaml = tiny / "instance.yaml"
    set_yaml.write_text(set_yaml.read_text(encoding="utf-8").replace(
        "solver:", "power: {certificate_cny_per_mwh: 5}\nsolver:", 1), encoding="utf-8")
    r = solve(tiny, tmp_path / "r", sets={"policy.green_share_min": 0.5})
    s = r.tables["sites"]
    k = r.tables["kpis"].set_index("kpi")["value"]
    assert s["certificate_mwh"].sum() == pytest.approx(27_750) and s["trade_mwh"].sum() == pytest.approx(0, abs=1e-6)
    assert r.summary["cost_parts_cny"]["green_power"] == pytest.approx(27_750 * 5)
    assert k["emissions_t"] == pytest.approx(31_300)
    assert k["emissions_market_t"] == pytest.approx(0.6096 * 27_750)


def test_direct_pv_without_the_650_rules_covers_the_midday_load(tiny: Path, tmp_path: Path) -> None:
    """PV at 100 CNY/kW (annuity 1/25 + O&M 0.02 = 0.06: 6,000 CNY per MW a year) saves 0.5 MW x 4 h x 41.67 h x
    500 CNY/MWh = 41,667 CNY per MW a year: west-1 builds exactly what its 20 MW midday load takes
    (more would spill), 40 MW, and uses 20 x 4 x 41.67 = 3,333 MWh of it."""
    extra = ("power:\n  direct: {pv_capex_cny_per_kw: 100, battery_capex_cny_per_kwh: 1.0e5, rules: false}\n")
    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df["direct_mw_max"] = ["", "", "200", ""]
    df.to_csv(p, index=False)
    r = solve(with_profiles(tiny, extra), tmp_path / "r")
    w = site(r)
    assert w["direct_solar_mw"] == pytest.approx(2 * LOAD)
    assert w["direct_mwh"] == pytest.approx(LOAD * len(SUN) * W)
    assert w["spilled_mwh"] == pytest.approx(0, abs=1e-6)
    assert r.summary["cost_parts_cny"]["direct_supply"] == pytest.approx(2 * LOAD * 1000 * 100 * 0.06)
    assert w["emissions_t"] == pytest.approx(0.5 * (LOAD * 1000 - LOAD * len(SUN) * W))
    assert check_result(tmp_path / "r").ok
    # the direct-supply layer of the maps: a star at west-1 on the page (tooltip data too) and a GeoPackage layer
    paths = {p.suffix: p for p in render_result(tmp_path / "r", lang="en", formats=("html", "gpkg"))}
    page = paths[".html"].read_text(encoding="utf-8")
    assert page.count('class="dr"') == 1 and '"dir": [40.0, 0.0, 0.0]' in page and "green direct supply" in page
    layer = gpd.read_file(paths[".gpkg"], layer="direct_supply")
    assert list(layer["site"]) == ["west-1"] and layer["direct_solar_mw"].iloc[0] == pytest.approx(2 * LOAD)


def test_the_650_rules_refuse_pv_that_cannot_cover_30_percent(tiny: Path, tmp_path: Path) -> None:
    """With 发改能源〔2025〕650号's ratios on, the same PV could cover only 3,333 / 20,000 = 16.7 % of west-1's MWh
    (< 30 %) without storage (priced out here): no direct supply is built."""
    extra = ("power:\n  direct: {pv_capex_cny_per_kw: 100, battery_capex_cny_per_kwh: 1.0e5}\n")
    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df["direct_mw_max"] = ["", "", "200", ""]
    df.to_csv(p, index=False)
    r = solve(with_profiles(tiny, extra), tmp_path / "r")
    assert site(r)["direct_solar_mw"] == pytest.approx(0, abs=1e-6)
    assert check_result(tmp_path / "r").ok


def test_movable_work_follows_the_sun(tiny: Path, tmp_path: Path) -> None:
    """Batch work movable within the day (flexible_share 1): west-1 given 30 PFLOPS already built (room to run more
    work in some hours), PV there and the 650号 ratios off: work runs at midday, so more PV is used than a flat load
    of the same energy could take; the day's work is kept (Σ load = energy) and the load envelope shows the swing
    in flexible_mw."""
    extra = ("power:\n  direct: {pv_capex_cny_per_kw: 100, battery_capex_cny_per_kwh: 1.0e5, rules: false}\n")
    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df["direct_mw_max"] = ["", "", "200", ""]
    df.to_csv(p, index=False)
    w = tiny / "workloads.csv"
    wl = pd.read_csv(w, dtype=str)
    wl["flexible_share"] = ["1" if x == "batch" else "" for x in wl["workload"]]
    wl.to_csv(w, index=False)
    sc = pd.read_csv(tiny / "site_classes.csv", dtype=str)
    at = (sc["site"] == "west-1") & (sc["class"] == "general")
    sc.loc[at, "existing_pflops"], sc.loc[at, "max_modules"] = "30", "0"
    sc.to_csv(tiny / "site_classes.csv", index=False)
    df = pd.read_csv(p, dtype=str)  # an existing site now, not a campus to open
    df.loc[df["site"] == "west-1", ["candidate", "campus_capex_cny"]] = ["false", ""]
    df.to_csv(p, index=False)
    r = solve(with_profiles(tiny, extra), tmp_path / "r")
    pw = r.tables["power"]
    west = pw[pw["site"] == "west-1"]
    assert (west["weight_h"] * west["load_mw"]).sum() == pytest.approx(site(r)["energy_mwh"])
    assert west.loc[west["step"].isin(SUN), "load_mw"].mean() > west.loc[~west["step"].isin(SUN), "load_mw"].mean() + 1
    flat = site(r)["energy_mwh"] / 1000  # MW: the same energy as a flat load
    assert site(r)["direct_mwh"] > flat * len(SUN) * W * (1 + 1e-3)
    env = load_envelope(tmp_path / "r")
    assert set(env["bus"]) >= {"Beijing", "Gansu"} and env["flexible_mw"].abs().max() > 1
    report = check_result(tmp_path / "r")
    assert report.ok and report.checked["load_day"] == 4  # 4 hourly sites x 1 typical day
    # 1 MW more load (and grid) at west-1 in hour 0: every slice still balances, but neither the day nor the year
    # adds up to the site's energy
    p = tmp_path / "r" / "power.csv"
    pw = pd.read_csv(p, dtype={"site": str})
    at = (pw["site"] == "west-1") & (pw["step"] == 0)
    pw.loc[at, ["load_mw", "grid_mw"]] += 1.0
    pw.to_csv(p, index=False, float_format="%.12g")
    bad = check_result(tmp_path / "r").by_family()
    assert {"load_day", "load"} <= set(bad)


def test_a_carbon_price_moves_location_based_emissions_only_physically(tiny: Path, tmp_path: Path) -> None:
    """PV at 1,000 CNY/kW costs 60,000 CNY per MW a year and saves 83.3 MWh x 500 CNY = 41,667: not built without a
    carbon price. Certificates at 5 CNY/MWh are offered but change no location-based emissions, so a carbon price
    buys none. At 500 CNY/t each MW of PV also saves 83.3 x 0.5 t x 500 = 20,833 CNY: 62,500 > 60,000, so west-1
    builds 40 MW and location-based emissions fall by exactly its grid MWh saved x 0.5 t/MWh (3,333 MWh, 1,667 t)."""
    extra = ("power:\n  certificate_cny_per_mwh: 5\n"
             "  direct: {pv_capex_cny_per_kw: 1000, battery_capex_cny_per_kwh: 1.0e5, rules: false}\n")
    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df["direct_mw_max"] = ["", "", "200", ""]
    df.to_csv(p, index=False)
    with_profiles(tiny, extra)
    base = solve(tiny, tmp_path / "base")
    priced = solve(tiny, tmp_path / "priced", sets={"policy.carbon_price_cny_per_t": 500})
    assert site(base)["direct_solar_mw"] == pytest.approx(0, abs=1e-6)
    assert site(priced)["direct_solar_mw"] == pytest.approx(2 * LOAD)
    assert priced.tables["sites"]["certificate_mwh"].sum() == pytest.approx(0, abs=1e-6)
    k0, k1 = (x.tables["kpis"].set_index("kpi")["value"] for x in (base, priced))
    saved_mwh = k0["grid_mwh"] - k1["grid_mwh"]
    assert saved_mwh == pytest.approx(LOAD * len(SUN) * W)
    assert k0["emissions_t"] - k1["emissions_t"] == pytest.approx(0.5 * saved_mwh)


def two_price_days(tiny: Path, across: bool) -> Path:
    """tiny with batch work movable (flexible_share 1) and no reason to move it within a day: grid prices flat in
    each day and alternating by day, Gansu 0.2 / Beijing 0.8 CNY/kWh on even days and 0.8 / 0.2 on odd ones (two
    typical days, A and B). bj-dc and west-1 both have PUE 1.0 and 30 PFLOPS built, nothing new may be built, Beijing
    has 10 PFLOPS of batch work and Gansu 5; batch traffic is dear (5 Gbps per PFLOPS: 500,000 CNY a PFLOPS-year
    to Gansu), so each region's batch work stays at its own site on average."""
    day = np.arange(8760) // 24
    even = day % 2 == 0
    pd.DataFrame({"hour": np.arange(8760), "price:620000": np.where(even, 0.2, 0.8),
                  "price:110000": np.where(even, 0.8, 0.2)}).to_csv(tiny / "profiles.csv", index=False)
    y = tiny / "instance.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace(
        "solver:", "time: {mode: typical_days, days: 2, profiles: profiles.csv}\n"
                   f"power: {{flexible_across_sites: {str(across).lower()}}}\nsolver:", 1), encoding="utf-8")
    wl = pd.read_csv(tiny / "workloads.csv", dtype=str)
    wl["flexible_share"] = ["1" if x == "batch" else "" for x in wl["workload"]]
    wl.loc[wl["workload"] == "batch", "gbps_per_pflops"] = "5"
    wl.to_csv(tiny / "workloads.csv", index=False)
    dm = pd.read_csv(tiny / "demand.csv", dtype=str)
    dm.loc[(dm["region"] == "110000") & (dm["workload"] == "batch"), "pflops"] = "10"
    dm.to_csv(tiny / "demand.csv", index=False)
    sc = pd.read_csv(tiny / "site_classes.csv", dtype=str)
    for s in ("bj-dc", "west-1"):
        at = (sc["site"] == s) & (sc["class"] == "general")
        sc.loc[at, "existing_pflops"], sc.loc[at, "max_modules"] = "30", "0"
    sc.loc[sc["site"].isin(["west-1", "west-2"]), "max_modules"] = "0"
    sc.to_csv(tiny / "site_classes.csv", index=False)
    st = pd.read_csv(tiny / "sites.csv", dtype=str)
    st.loc[st["site"] == "west-1", ["candidate", "campus_capex_cny"]] = ["false", ""]
    st.loc[st["site"] == "bj-dc", "pue"] = "1.0"
    st.to_csv(tiny / "sites.csv", index=False)
    return tiny


def test_movable_work_moves_between_sites_day_by_day(tiny: Path, tmp_path: Path) -> None:
    """Prices are flat within each day, so moving work in time at one site saves nothing: at its own site each
    site runs its batch work flat (west-1 5, bj-dc 10 PFLOPS). Across sites (no latency limit on batch), on day A
    (Gansu cheap) west-1 runs its whole year's 5 PFLOPS x H in day A's W_A hours, 5 H / W_A PFLOPS, and nothing on
    day B; bj-dc runs the rest of the 15 each hour. Each PFLOPS running draws 0.5 MW (idle 0.5, 1 MW per PFLOPS,
    PUE 1.0), so each PFLOPS-hour moved to the cheap side saves 0.5 x 600 = 300 CNY: day A moves 5 W_B / W_A
    PFLOPS for W_A h, day B 5 PFLOPS for W_B h: 3,000 x W_B CNY a year. Each site's yearly work is kept."""
    at_site = solve(two_price_days(copy_tiny(tiny, tmp_path / "a"), across=False), tmp_path / "site")
    across = solve(two_price_days(copy_tiny(tiny, tmp_path / "b"), across=True), tmp_path / "across")
    pw = across.tables["power"]
    w1 = pw[pw["site"] == "west-1"]
    gansu_dear = w1.loc[w1["price_cny_per_kwh"] > 0.5, "day"].iloc[0]
    w_b = float(w1.loc[w1["day"] == gansu_dear, "weight_h"].sum())
    assert 0.4 * 1000 < w_b < 0.6 * 1000
    saved = at_site.summary["objective_cny"] - across.summary["objective_cny"]
    assert saved == pytest.approx(3000 * w_b, rel=1e-6)
    # west-1's load: idle 30 x 0.5 MW always, + 0.5 MW per PFLOPS running: none of its batch on Gansu's dear day
    assert w1.loc[w1["day"] == gansu_dear, "load_mw"].to_numpy() == pytest.approx(15.0)
    for r in (at_site, across):
        s = r.tables["sites"].set_index("site")
        assert s.at["west-1", "energy_mwh"] == pytest.approx(1000 * (15 + 0.5 * 5))  # the yearly work stays put
        assert s.at["bj-dc", "energy_mwh"] == pytest.approx(1000 * (15 + 0.5 * 20))
    assert check_result(tmp_path / "across").ok


def copy_tiny(tiny: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(tiny, to)
    return to


def test_synthetic_city_instances_carry_the_power_side_on_typical_days(tmp_path: Path) -> None:
    """benchmarks/bench_at_scale.py's RxS@D cases: typical days change the model only with an hourly element."""
    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.synthetic.cities import generate_city_instance

    annual = load_valid_instance(generate_city_instance(tmp_path / "a", 40, 10, seed=0))
    typical = load_valid_instance(generate_city_instance(tmp_path / "t", 40, 10, seed=0, typical_days=2))
    assert annual.config.time.mode == "annual" and typical.config.time.mode == "typical_days"
    ma, _ = build_model(annual, network="lazy")
    mt, _ = build_model(typical, network="lazy")
    assert len(ma.hourly_sites) == 0
    assert len(mt.slices) == 12 and len(mt.direct_sites) > 0 and len(mt.flex_pairs) > 0
    assert set(mt.hourly_sites) == set(mt.sites)  # every province has a curtailed pool or the site movable work
