"""Calibration as tests: the default instance (and its plan) reproduce the sourced national figures of
seeds/calibration.csv within the stated bounds. A data change in seeds/ that breaks one fails here."""

from __future__ import annotations

import csv

import pytest

from conftest import INSTANCES, ROOT
from edwc.input.instance import load_instance

TARGETS = {r["id"]: r for r in csv.DictReader((ROOT / "seeds" / "calibration.csv").open(encoding="utf-8"))}
FACTS = {r["id"] for r in csv.DictReader((ROOT / "seeds" / "facts.csv").open(encoding="utf-8"))}
INSTANCE_LEVEL = ("existing_compute_2023", "existing_intel_share", "demand_2025_total", "demand_2025_intel_share", "racks_2023")
PLAN_LEVEL = ("installed_2025", "racks_2025", "dc_electricity", "pue_national", "intel_energy_share",
              "grid_intensity_2025", "rack_occupancy_2025")
GROWTH_LEVEL = ("elec_growth_2025_2027", "elec_2030", "elec_2030_low", "elec_2030_high", "racks_growth_2025_2030")
SITE_LEVEL = ("shaoguan_racks_2025", "zhangjiakou_electricity_2025", "cluster_racks_2025", "qingyang_racks_2025")  # where the plan builds
POWER_LEVEL = ("zhongwei_pv",)  # the power side's own accounting on the default instance's time slices
PROFILE_LEVEL = ("profile_solar_hours", "profile_wind_hours")  # the shipped hourly profiles: tests/test_timeseries.py


def within(tid: str, value: float) -> None:
    t = TARGETS[tid]
    lo, hi = float(t["low"]), float(t["high"])
    assert lo <= value <= hi, f"{tid}: {value:.4g} {t['unit']} outside [{lo:g}, {hi:g}] ({t['target']}; {t['source']})"


def test_every_target_is_sourced_and_tested():
    assert set(TARGETS) == set(INSTANCE_LEVEL) | set(PLAN_LEVEL) | set(PROFILE_LEVEL) | set(POWER_LEVEL) | set(GROWTH_LEVEL) | set(SITE_LEVEL)
    for t in TARGETS.values():
        assert t["source_fact"] in FACTS, t["id"]
        assert float(t["low"]) <= float(t["high"]) and t["source"] and t["measured_as"]


@pytest.fixture(scope="module")
def inst():
    return load_instance(INSTANCES / "china-2025")


def test_instance_calibration(inst):
    sc = inst.site_classes
    within("existing_compute_2023", sc["existing_pflops"].sum() / 1000)
    within("existing_intel_share", 100 * sc.loc[sc["class"] == "intelligent", "existing_pflops"].sum() / sc["existing_pflops"].sum())
    d = inst.demand.merge(inst.workloads[["workload", "class"]], on="workload")
    within("demand_2025_total", d["pflops"].sum() / 1000)
    within("demand_2025_intel_share", 100 * d.loc[d["class"] == "intelligent", "pflops"].sum() / d["pflops"].sum())
    within("racks_2023", inst.sites["existing_shell_mw"].sum() * 1000 / 2.5 / 1e6)


@pytest.fixture(scope="module")
def plan(china_2025):
    return china_2025.tables["kpis"].set_index("kpi")["value"]  # solved once per test run (conftest)


def test_plan_calibration(plan):
    within("installed_2025", plan["installed_pflops"] / 1000)
    within("racks_2025", plan["standard_racks_built"] / 1e6)
    within("rack_occupancy_2025", 100 * plan["rack_occupancy_national"])
    within("dc_electricity", plan["energy_mwh"] / 1e6)
    within("pue_national", plan["pue_energy_weighted"])
    within("intel_energy_share", plan["energy_mwh_intelligent"] / 1e6)
    within("grid_intensity_2025", plan["emissions_t"] / plan["grid_mwh"])


def test_site_calibration(china_2025, inst):
    """Issue 19: shells from what exists and build rates put the clusters near what was built, not their plans
    (before shells: Shaoguan 468 k racks and 7.8 TWh, Zhangjiakou 11.1 TWh, cluster sites 3.26 M racks)."""
    s = china_2025.tables["sites"]
    s = s[s["period"] == s["period"].max()].set_index("site")
    within("shaoguan_racks_2025", s.at["shaoguan", "shell_mw"] * 1000 / 2.5)
    # limits from what exists (issue 19, item 2): Qingyang at its 2025 target of 100 k racks, not its plan's 267 k new
    # (with the plan as the limit, the cluster-plans scenario, it stands 267 k racks, measured)
    within("qingyang_racks_2025", s.at["qingyang", "shell_mw"] * 1000 / 2.5)
    within("zhangjiakou_electricity_2025", s.at["zhangjiakou", "energy_mwh"] / 1e6)
    clusters = inst.sites.loc[inst.sites["kind"] == "cluster", "site"]
    within("cluster_racks_2025", s.loc[clusters, "shell_mw"].sum() * 1000 / 2.5 / 1e6)


def test_zhongwei_direct_supply(inst):
    """A Zhongwei-like direct supply, 500 MW of PV on Ningxia's profile, through the default instance's typical days
    and the model's slice weights: the model gives 0.75 x the published 970 GWh (DC/AC oversizing and trackers of
    the real plant are not modelled), within the stated band."""
    from edwc.timeseries.typical import time_slices

    ts = time_slices(inst)
    gwh = 500 * sum(ts.weight_h(k) * ts.cf[("solar", "640000")][k] for k in ts.slices) / 1000
    within("zhongwei_pv", gwh)


# china-2030's growth (model audit 2 §6 #2-3): the base (mid) case and its demand-low / demand-high scenarios, solved
# with one annual slice at a 1 % gap (the energy a plan needs does not depend on the hours; docs/model.md "Calibration")
GROWTH_SETS = {"time.mode": "annual", "solver.mip_gap": 0.01, "solver.time_limit_s": 300}


@pytest.fixture(scope="module")
def growth(tmp_path_factory):
    from conftest import solve

    out = {}
    for case in (None, "demand-low", "demand-high"):
        r = solve(INSTANCES / "china-2030", tmp_path_factory.mktemp("c30") / "r", sets=GROWTH_SETS, scenario=case)
        k = r.tables["kpis"]
        out[case] = {(row.kpi, int(row.period)): float(row.value) for row in k.itertuples()}
    return out


@pytest.mark.slow
def test_growth_calibration(growth):
    base, low, high = growth[None], growth["demand-low"], growth["demand-high"]
    twh = lambda k, t: k[("energy_mwh", t)] / 1e6  # noqa: E731
    within("elec_growth_2025_2027", 100 * (twh(base, 2027) / twh(base, 2025) - 1))
    within("elec_2030", twh(base, 2030))
    within("elec_2030_low", twh(low, 2030))
    within("elec_2030_high", twh(high, 2030))
    assert twh(low, 2030) < twh(base, 2030) <= 1.01 * twh(high, 2030)
    # the 2025 period serves all its demand in every case (later periods may leave some unserved where site limits bind),
    # up to the noise of the 1 % gap: with new intelligent builds at the blended kW (domestic accelerators) the base leaves
    # 0.103 % of 2025 unserved at a 1 % gap and 0.014 % at a 0.2 % gap (measured)
    assert all(k[("unmet_share", 2025)] < 2e-3 for k in (base, low, high))
    racks = lambda t: base[("standard_racks_built", t)]  # noqa: E731
    within("racks_growth_2025_2030", 100 * ((racks(2030) / racks(2025)) ** (1 / 5) - 1))
