"""One test per constraint family, each on a variant of tiny whose answer is worked out by hand.

To isolate each family, tiny runs here without idle draw and bandwidth price (test_tiny.py works those
out): energy is then paid on served work only. Base plan: bj-dc serves Beijing realtime 10, sh-dc
Shanghai realtime 5, west-1 (3 modules = 30 PFLOPS) serves all 25 PFLOPS of batch; 56 M CNY/yr.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import set_cell, solve


@pytest.fixture(autouse=True)
def _plain_tiny(tiny):
    """tiny without idle draw and bandwidth price (the hand computations below assume energy on served work)."""
    y = tiny / "instance.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace("idle_share: 0.5", "idle_share: 0.0")
                 .replace("bandwidth_cny_per_gbps_km_year: 100", "bandwidth_cny_per_gbps_km_year: 0"), encoding="utf-8")


def serve_of(r) -> pd.Series:
    return r.tables["serve"].groupby(["region", "site", "workload"])["pflops"].sum()


def unmet_of(r) -> pd.Series:
    return r.tables["unmet"].set_index(["region", "workload"])["pflops"]


def built(r, site: str, cls: str | None = "general") -> float:
    """New PFLOPS at a site, of one class (or all classes with cls=None)."""
    c = r.tables["capacity"]
    c = c[c["site"] == site]
    return float((c if cls is None else c[c["class"] == cls])["built_pflops"].sum())


def test_demand_balance(tiny, tmp_path):
    """serve + unmet = demand for every row, also when capacity runs short."""
    set_cell(tiny, "site_classes", {"site": "bj-dc", "class": "general"}, "existing_pflops", 4)
    r = solve(tiny, tmp_path / "r")
    got = r.tables["serve"].groupby(["region", "workload"])["pflops"].sum()
    um = unmet_of(r)
    dem = pd.read_csv(tiny / "demand.csv", dtype={"region": str}).set_index(["region", "workload"])["pflops"]
    for key, d in dem.items():
        assert got.get(key, 0.0) + um[key] == pytest.approx(d)
    assert um[("110000", "realtime")] == pytest.approx(6)  # only 4 PFLOPS within 5 ms of Beijing


def test_capacity_limit(tiny, tmp_path):
    """served <= utilisation_max x installed: at 0.5, sh-dc (5 PFLOPS) serves only 2.5 of Shanghai's realtime 5."""
    r = solve(tiny, tmp_path / "r", sets={"capacity.utilisation_max": 0.5})
    assert unmet_of(r)[("310000", "realtime")] == pytest.approx(2.5)
    c = r.tables["capacity"]
    assert (c["served_pflops"] <= 0.5 * c["installed_pflops"] + 1e-6).all()


def test_site_power(tiny, tmp_path):
    """PUE x kW/PFLOPS x installed <= max_facility_mw: 20 MW at west-1 (1 MW per PFLOPS, PUE 1.0) caps it at 2 modules;
    the 5 PFLOPS of batch left go to bj-dc's spare capacity (8 M) rather than opening west-2 (11.25 M)."""
    set_cell(tiny, "sites", {"site": "west-1"}, "max_facility_mw", 20)
    r = solve(tiny, tmp_path / "r")
    assert built(r, "west-1") == 20
    sv = r.tables["serve"]
    assert sv[(sv["site"] == "bj-dc") & (sv["workload"] == "batch")]["pflops"].sum() == pytest.approx(5)  # which region's: a tie
    assert r.summary["objective_cny"] == pytest.approx(56.5e6)


def test_campus_opening(tiny, tmp_path):
    """modules <= max_modules x open and serve <= demand x open: a costly west-1 campus moves the build to west-2.
    At west-2 (0.65 M/PFLOPS energy) a third module carrying 5 PFLOPS costs 5 + 3.25 = 8.25 M, more than the
    8 M of serving those 5 at bj-dc, so west-2 gets 2 modules."""
    set_cell(tiny, "sites", {"site": "west-1"}, "campus_capex_cny", 1e9)
    r = solve(tiny, tmp_path / "r")
    sites = r.tables["sites"].set_index("site")
    assert sites.loc["west-1", "open"] == 0 and sites.loc["west-2", "open"] == 1
    assert built(r, "west-1") == 0 and built(r, "west-2") == 20
    assert not (r.tables["serve"]["site"] == "west-1").any()
    assert r.summary["cost_parts_cny"]["campus"] == pytest.approx(3e6)
    assert r.summary["objective_cny"] == pytest.approx(3e6 + 10e6 + 20 * 0.65e6 + 15 * 1.6e6 + 7.5e6)


def test_integer_modules(tiny, tmp_path):
    """modules are whole: 25 PFLOPS of batch needs 3 modules of 10, never 2.5."""
    r = solve(tiny, tmp_path / "r")
    c = r.tables["capacity"]
    assert ((c["built_pflops"] / 10) % 1 == 0).all()


def test_trunk_capacity_with_upgrade(tiny, tmp_path):
    """load <= capacity + module_gbps x wavelengths: Beijing's 20 PFLOPS of batch at 1 Gbps/PFLOPS needs 20 Gbps on
    bj-gs; with 10 Gbps and 10 Gbps modules at 1 M CNY, one wavelength is bought (cheaper than serving in Beijing)."""
    set_cell(tiny, "trunks", {"trunk": "bj-gs"}, "capacity_gbps", 10)
    set_cell(tiny, "trunks", {"trunk": "bj-gs"}, "module_gbps", 10)
    r = solve(tiny, tmp_path / "r")
    t = r.tables["trunks"].set_index("trunk")
    assert t.loc["bj-gs", "wavelengths_added"] == 1
    assert t.loc["bj-gs", "load_gbps"] == pytest.approx(20)
    assert r.summary["cost_parts_cny"]["trunks"] == pytest.approx(1e6)


def test_trunk_capacity_without_upgrade(tiny, tmp_path):
    """With no upgrade allowed only 10 PFLOPS of Beijing's batch reach the west; 10 stay at bj-dc."""
    set_cell(tiny, "trunks", {"trunk": "bj-gs"}, "capacity_gbps", 10)
    set_cell(tiny, "trunks", {"trunk": "bj-gs"}, "max_modules", 0)
    r = solve(tiny, tmp_path / "r")
    s = serve_of(r)
    assert s[("110000", "west-1", "batch")] == pytest.approx(10)
    assert s[("110000", "bj-dc", "batch")] == pytest.approx(10)
    assert built(r, "west-1") == 20
    assert r.summary["objective_cny"] == pytest.approx(5e6 + 10e6 + 15 * 0.5e6 + 20 * 1.6e6 + 7.5e6)


def test_latency_filter(tiny):
    """No serve variable exists for a pair over its workload's limit; relaxing the limit creates it."""
    from edwc.input.instance import load_instance
    from edwc.network.routes import allowed_pairs

    a = allowed_pairs(load_instance(tiny))
    rt = a[a["workload"] == "realtime"]
    assert set(zip(rt["region"], rt["site"], strict=True)) == {("110000", "bj-dc"), ("310000", "sh-dc")}
    set_cell(tiny, "workloads", {"workload": "realtime"}, "max_rtt_ms", 11)
    a = allowed_pairs(load_instance(tiny))
    assert ((a["region"] == "110000") & (a["site"] == "west-1") & (a["workload"] == "realtime")).any()


# ---- policies ----------------------------------------------------------------------------------


def test_west_share_new(tiny, tmp_path):
    """west built >= 0.6 x all built. Shanghai realtime 30 forces 3 modules at sh-dc (east), so the west
    must build >= 45 PFLOPS (5 modules). Without the policy the west builds 20: sh-dc's 5 spare PFLOPS
    take 5 of batch (7.5 M) for less than a third western module carrying 5 (5 + 2.5 M + the 5 PFLOPS saved nothing)."""
    set_cell(tiny, "site_classes", {"site": "sh-dc", "class": "general"}, "max_modules", 5)
    set_cell(tiny, "demand", {"region": "310000", "workload": "realtime"}, "pflops", 30)
    base = solve(tiny, tmp_path / "a")
    assert built(base, "sh-dc") == 30 and built(base, "west-1") == 20
    r = solve(tiny, tmp_path / "b", sets={"policy.west_share_new_min": 0.6})
    # All classes count: the cheapest way to meet the share may be modules of another class left idle.
    west = built(r, "west-1", None) + built(r, "west-2", None)
    assert west >= 0.6 * (west + built(r, "sh-dc", None)) - 1e-6
    assert west == 50


def test_intelligent_share(tiny, tmp_path):
    """intelligent >= 0.2 x installed: 55 installed + x >= ... => x >= 13.75, i.e. 2 modules (20 PFLOPS)."""
    r = solve(tiny, tmp_path / "r", sets={"policy.intelligent_share_min": 0.2})
    c = r.tables["capacity"]
    assert c.loc[c["class"] == "intelligent", "installed_pflops"].sum() == 20
    assert built(r, "west-1", "intelligent") == 20  # the campus already open is the cheapest place


def test_pue_ceiling(tiny, tmp_path):
    """A west site above the west PUE ceiling cannot expand: west-2 (PUE 1.3) is blocked at 1.2,
    so west-1 is opened although its campus now costs more (and, at 0.5 M/PFLOPS, fills a third module)."""
    set_cell(tiny, "sites", {"site": "west-1"}, "campus_capex_cny", 2e7)
    free = solve(tiny, tmp_path / "a")
    assert built(free, "west-2") == 20
    r = solve(tiny, tmp_path / "b", sets={"policy.pue_max.west": 1.2})
    assert built(r, "west-2") == 0 and built(r, "west-1") == 30


def test_west_utilisation(tiny, tmp_path):
    """上架率 (IT MW / shell MW) >= 0.9 at western sites. Shells cost 1 CNY/kW and west-1 builds them in 20 MW
    phases: without the policy the modules it builds do not fill their whole phases (below 0.9); with it every
    western site holds its shells at >= 0.9, and the plan is dearer."""
    y = tiny / "instance.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace("  utilisation_max: 1.0", "  utilisation_max: 1.0\n  shell_capex_cny_per_kw: 1"),
                 encoding="utf-8")
    set_cell(tiny, "sites", {"site": "west-1"}, "shell_phase_mw", 20)
    free = solve(tiny, tmp_path / "a")
    fs = free.tables["sites"].set_index("site")
    assert fs.at["west-1", "it_mw"] < 0.9 * fs.at["west-1", "shell_mw"]  # whole phases leave room: below 0.9
    r = solve(tiny, tmp_path / "r", sets={"policy.west_utilisation_min": 0.9})
    st = r.tables["sites"]
    w = st[st["site"].isin(["west-1", "west-2"]) & (st["shell_mw"] > 0)]
    assert (w["it_mw"] >= 0.9 * w["shell_mw"] - 1e-6).all()
    assert r.summary["objective_cny"] > free.summary["objective_cny"]


def test_carbon_price(tiny, tmp_path):
    """carbon cost = price x emissions; emissions (location-based) = grid MWh x grid factor, the factor used as
    published: bj 10 x 1000 MWh x 1.6 x 0.6 = 9,600 t; sh 5 x 1.5 x 0.6 = 4,500 t; west-1 25 x 1.0 x 0.5 = 12,500 t.
    Traded green power changes no location-based emissions, so none is bought."""
    r = solve(tiny, tmp_path / "r", scenario="carbon-price")
    k = r.tables["kpis"].set_index("kpi")["value"]
    assert k["emissions_t"] == pytest.approx(26_600)
    assert r.summary["cost_parts_cny"]["carbon"] == pytest.approx(200 * 26_600)
    assert r.tables["sites"]["green_mwh"].sum() == pytest.approx(0, abs=1e-6)


def set_cell_yaml(tiny, old: str, new: str) -> None:
    y = tiny / "instance.yaml"
    text = y.read_text(encoding="utf-8")
    assert old in text
    y.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_carbon_cap_location_based_needs_physical_change(tiny, tmp_path):
    """A cap on location-based emissions (the default basis: grid MWh x provincial factor) is met only by using
    less grid power where the factor is high: at 26,500 t (100 t below the base plan's 26,600) traded green power,
    even cheap, buys nothing, and the plan itself changes (grid MWh fall: less work served or work moved)."""
    set_cell_yaml(tiny, "green_premium_cny_per_kwh: 1.0", "green_premium_cny_per_kwh: 0.05")
    base = solve(tiny, tmp_path / "base")
    r = solve(tiny, tmp_path / "r", sets={"policy.carbon_cap_t": 26_500})
    k = r.tables["kpis"].set_index("kpi")["value"]
    assert k["emissions_t"] == pytest.approx(26_500)
    assert r.tables["sites"]["green_mwh"].sum() == pytest.approx(0, abs=1e-6)
    assert r.summary["cost_parts_cny"]["green_power"] == pytest.approx(0, abs=1e-6)
    grid = lambda x: (x.tables["sites"]["grid_mwh"] * x.tables["sites"]["site"].map(  # noqa: E731
        {"bj-dc": 0.6, "sh-dc": 0.6, "west-1": 0.5, "west-2": 0.5})).sum()
    assert grid(r) == pytest.approx(26_500) and grid(base) == pytest.approx(26_600)


def test_carbon_cap_market_based_is_met_by_certificates(tiny, tmp_path):
    """On the market basis (power.emissions_basis: market) grid MWh not covered by contracts count at the residual
    mix, 0.6096 t/MWh: the base plan's 48,500 MWh give 29,565.6 t, and a cap of 29,000 t is met by contracting
    (29,565.6 - 29,000) / 0.6096 = 927.8 MWh of traded green power at 0.05 CNY/kWh, nothing physical moving:
    location-based emissions stay 26,600 t."""
    set_cell_yaml(tiny, "green_premium_cny_per_kwh: 1.0", "green_premium_cny_per_kwh: 0.05")
    r = solve(tiny, tmp_path / "r", sets={"policy.carbon_cap_t": 29_000, "power.emissions_basis": "market"})
    k = r.tables["kpis"].set_index("kpi")["value"]
    bought = (48_500 * 0.6096 - 29_000) / 0.6096
    assert k["emissions_market_t"] == pytest.approx(29_000)
    assert k["emissions_t"] == pytest.approx(26_600)
    assert r.tables["sites"]["trade_mwh"].sum() == pytest.approx(bought)
    assert r.summary["cost_parts_cny"]["green_power"] == pytest.approx(bought * 50)


def test_green_share(tiny, tmp_path):
    """green >= share x all energy: 11 % of 48,500 MWh = 5,335 MWh, bought as traded green power at the premium
    (tiny offers no certificates, curtailed power or direct supply)."""
    set_cell_yaml(tiny, "green_premium_cny_per_kwh: 1.0", "green_premium_cny_per_kwh: 0.05")
    r = solve(tiny, tmp_path / "r", sets={"policy.green_share_min": 0.11})
    s = r.tables["sites"]
    assert s["green_mwh"].sum() == pytest.approx(0.11 * s["energy_mwh"].sum())
    assert s["energy_mwh"].sum() == pytest.approx(48_500)


def test_green_share_new_hub(tiny, tmp_path):
    """green >= 0.8 x the energy of new builds at each hub site: west-1's 25,000 MWh need 20,000 MWh green."""
    set_cell_yaml(tiny, "green_premium_cny_per_kwh: 1.0", "green_premium_cny_per_kwh: 0.05")
    r = solve(tiny, tmp_path / "r", sets={"policy.green_share_new_hub_min": 0.8})
    s = r.tables["sites"].set_index("site")
    assert s.loc["west-1", "energy_new_mwh"] == pytest.approx(25_000)
    assert s.loc["west-1", "green_mwh"] == pytest.approx(20_000)
    assert r.summary["cost_parts_cny"]["green_power"] == pytest.approx(20_000 * 50)


def test_hub_share_new(tiny, tmp_path):
    """new PFLOPS in hub nodes >= share x all new: a site without a hub does not count. With west-1 taken out of
    its hub, the 30 PFLOPS it builds count for nothing, so 0.5 forces the build to hub site west-2."""
    set_cell(tiny, "sites", {"site": "west-1"}, "hub", "")
    r = solve(tiny, tmp_path / "r", sets={"policy.hub_share_new_min": 0.5})
    k = r.tables["kpis"].set_index("kpi")["value"]
    assert k["hub_share_new"] >= 0.5 - 1e-9
    assert built(r, "west-2") >= built(r, "west-1")


def test_vintages_pue_new(tiny, tmp_path):
    """The PUE ceiling binds new builds (pue_new), not the existing stock: bj-dc (existing PUE 1.6) may grow at a
    new-design PUE of 1.1 under an east ceiling of 1.25, and its new modules draw at 1.1. One module (10 PFLOPS)
    may be built there: with up to five, building 30 and leaving the old stock idle costs exactly as much (20 more
    PFLOPS at 0.5 M CNY against 20 x 1000 MWh x (1.6 - 1.1) saved at 1 CNY/kWh), and the solver may return either."""
    set_cell(tiny, "site_classes", {"site": "bj-dc", "class": "general"}, "max_modules", 1)
    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df["pue_new"] = ["1.1", "", "", ""]
    df.to_csv(p, index=False)
    set_cell(tiny, "demand", {"region": "110000", "workload": "realtime"}, "pflops", 30)
    r = solve(tiny, tmp_path / "r", sets={"policy.pue_max.east": 1.25})
    assert built(r, "bj-dc") == 10
    c = r.tables["capacity"].set_index(["site", "class"])
    new = c.loc[("bj-dc", "general")]
    # served 30 at bj-dc: 20 on the existing stock at 1.6, 10 on new builds at 1.1 (1000 MWh per PFLOPS at PUE 1)
    assert new["served_new_pflops"] == pytest.approx(10)
    assert new["energy_mwh"] == pytest.approx(20 * 1600 + 10 * 1100)


def test_max_site_share(tiny, tmp_path):
    """serve <= 0.5 x demand: half of Beijing's realtime has no second site within 5 ms, so 5 PFLOPS are unmet
    (and 2.5 in Shanghai); Beijing's batch is split between two sites."""
    r = solve(tiny, tmp_path / "r", sets={"policy.max_site_share": 0.5})
    um = unmet_of(r)
    assert um[("110000", "realtime")] == pytest.approx(5)
    assert um[("310000", "realtime")] == pytest.approx(2.5)
    sv = r.tables["serve"].merge(pd.read_csv(tiny / "demand.csv", dtype={"region": str}), on=["region", "workload", "period"], suffixes=("", "_demand"))
    assert (sv["pflops"] <= 0.5 * sv["pflops_demand"] + 1e-6).all()


def test_a_policy_row_without_decisions_is_named_not_a_traceback(tiny, tmp_path):
    """west_utilisation at a western site that cannot build, with 10 MW of IT in 20 MW of shells: the row is a
    constant (10 ≥ 0.9 x 20 fails), found by the property tests as a Pyomo 'trivially infeasible
    constraint' traceback; it is now refused before the hand-over, named, as infeasible."""
    from edwc.errors import SolveError

    p = tiny / "sites.csv"
    df = pd.read_csv(p, dtype=str)
    df.loc[df["site"] == "west-2", ["candidate", "campus_capex_cny"]] = ["false", ""]
    df.to_csv(p, index=False)
    set_cell(tiny, "site_classes", {"site": "west-2", "class": "intelligent"}, "existing_pflops", 10)
    set_cell(tiny, "site_classes", {"site": "west-2", "class": "intelligent"}, "max_modules", 0)
    set_cell(tiny, "site_classes", {"site": "west-2", "class": "general"}, "max_modules", 0)
    set_cell(tiny, "sites", {"site": "west-2"}, "existing_shell_mw", 20)  # 10 MW of IT in 20 MW of shells, nothing to build
    with pytest.raises(SolveError, match=r"infeasible: policy west_utilisation\[.*west-2.*2025"):
        solve(tiny, tmp_path / "r", sets={"policy.west_utilisation_min": 0.9})
