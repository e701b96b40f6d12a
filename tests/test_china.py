"""The default instance: calibration to the sourced 2025 targets, and a real solve that respects every
latency limit and balances demand."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import INSTANCES
from edwc.input.instance import load_instance


@pytest.fixture(scope="module")
def china(china_2025):
    return china_2025  # solved once per test run (conftest)


def test_demand_calibrated_to_2025_targets():
    """> 300 EFLOPS in 2025 with a 35 % intelligent share (seeds: the Oct-2023 Action Plan)."""
    inst = load_instance(INSTANCES / "china-2025")
    d = inst.demand.merge(inst.workloads[["workload", "class"]], on="workload")
    total = d["pflops"].sum()
    assert total == pytest.approx(300_000, rel=1e-3)
    assert d.loc[d["class"] == "intelligent", "pflops"].sum() / total == pytest.approx(0.35, abs=1e-3)
    assert set(inst.regions["region"]) == set(d["region"]) and len(inst.regions) == 31
    assert inst.hubs.groupby("side").size().to_dict() == {"east": 4, "west": 4}


def test_plan_respects_latency_and_balances_demand(china):
    inst = load_instance(INSTANCES / "china-2025")
    assert china.summary["status"] in ("optimal", "time_limit")
    lim = inst.workloads.set_index("workload")["max_rtt_ms"]
    sv = china.tables["serve"]
    limited = sv[sv["workload"].map(lim).notna()]
    assert (limited["rtt_ms"] <= limited["workload"].map(lim) + 1e-9).all()
    got = sv.groupby(["region", "workload", "period"])["pflops"].sum()
    um = china.tables["unmet"].set_index(["region", "workload", "period"])["pflops"]
    dem = inst.demand.set_index(["region", "workload", "period"])["pflops"]
    total = got.reindex(dem.index, fill_value=0.0) + um.reindex(dem.index)
    pd.testing.assert_series_equal(total, dem, check_names=False, rtol=1e-6, atol=1e-6)
    # the default plan serves (nearly) everything: work short of a whole module may stay unserved when the module
    # costs more than the value of the service left (seeds: fin_unmet_multiple_*), and the MIP gap (0.2 %) can leave
    # unserved work worth less than the gap
    assert um.sum() < 1e-3 * dem.sum()
    assert china.summary["unmet_value_cny"] <= china.summary["solver_options"]["mip_gap"] * china.summary["objective_cny"] + 1e9


def test_cost_parts_sum_and_policies_in_force(china):
    s = china.summary
    assert sum(s["cost_parts_cny"].values()) == pytest.approx(s["total_cost_cny"], rel=1e-9)
    assert s["total_cost_cny"] + s["unmet_value_cny"] == pytest.approx(s["objective_cny"], rel=1e-9)
    assert s["period_weights"] == {"2025": 1.0}  # one period: the objective reads as one year
    k = china.tables["kpis"].set_index("kpi")["value"]
    pol = load_instance(INSTANCES / "china-2025").config.policy
    assert {"hub_share_new", "green_share_new_hub", "pue_ceiling", "national_utilisation"} <= set(s["policies"])
    assert "cluster_utilisation" not in s["policies"]  # off in the base (scenario cluster-util-65), docs/model.md
    assert k["hub_share_new"] >= pol.hub_share_new_min - 1e-6
    assert k["green_share_new_hub"] >= pol.green_share_new_hub_min - 1e-6
    assert k["rack_occupancy_national"] >= pol.national_utilisation_min - 1e-6  # 上架率: IT MW / shell MW
    # location-based emissions: grid MWh x the published grid factor, whatever green power is bought
    st = china.tables["sites"]
    assert k["emissions_t"] == pytest.approx((st["grid_mwh"] * st["site"].map(
        load_instance(INSTANCES / "china-2025").sites.set_index("site")["grid_co2_t_per_mwh"])).sum(), rel=1e-7)
    # (1e-7: the result is read back from its files, whose numbers carry eight significant digits)


def test_metros_can_grow_with_new_design_pue(china):
    """The existing urban stock is above the eastern PUE ceiling; new builds there are not (vintages)."""
    inst = load_instance(INSTANCES / "china-2025")
    s = inst.sites.set_index("site")
    for m in ("beijing", "shanghai", "guangzhou", "shenzhen", "hangzhou"):
        assert s.at[m, "pue"] > inst.config.policy.pue_max.east >= s.at[m, "pue_new"]


def test_shipped_scenarios_validate():
    inst = load_instance(INSTANCES / "china-2025")
    names = set(inst.config.scenarios)
    assert {"high-ai", "carbon-price", "cheap-west-power", "no-new-east", "trunk-cut", "west-share-60"} <= names
    for name in names:
        assert inst.config.scenarios[name].description
        load_instance(INSTANCES / "china-2025", scenario=name)  # raises InputError if an override misses


def test_report_cards_give_the_racks_statistic_beside_server_use(china_2025_folder, tmp_path) -> None:
    """Issue 19, item 1: 上架率 as the statistic counts it (occupied / built racks) is a card of the report, with
    the built racks and the servers' utilisation beside it, in both languages; in the published 60-65 % band."""
    import shutil

    import pandas as pd

    from edwc.analysis.report_page import write_report

    folder = tmp_path / "r"
    shutil.copytree(china_2025_folder, folder)
    k = pd.read_csv(folder / "kpis.csv").set_index("kpi")["value"]
    occ, built = float(k["rack_occupancy_national"]), float(k["standard_racks_built"])
    assert 0.60 <= occ <= 0.65
    zh = write_report(folder, "zh").read_text(encoding="utf-8")
    en = write_report(folder, "en").read_text(encoding="utf-8")
    assert f"上架率（已用/建成 {built / 1e4:,.0f} 万架）" in zh and f"{occ:.1%}" in zh
    assert f"上架率 (occupied / {built / 1e6:,.2f} M built racks)" in en


def test_report_says_where_the_training_blocks_sit(china_2025_folder, tmp_path) -> None:
    """Issue 19, item 4: report.html lists the sites holding the single-site training blocks (capacity.csv `blocks`,
    each ≥ 1), their total, and that the sites are a choice inside the MIP gap, in both languages."""
    import re
    import shutil

    import pandas as pd

    from edwc.analysis.report_page import write_report

    folder = tmp_path / "r"
    shutil.copytree(china_2025_folder, folder)
    cap = pd.read_csv(folder / "capacity.csv")
    held = cap[cap["blocks"] > 1e-9]
    assert len(held) >= 2 and (held["blocks"] >= 1 - 1e-6).all()
    zh = write_report(folder, "zh").read_text(encoding="utf-8")
    en = write_report(folder, "en").read_text(encoding="utf-8")
    section = re.search(r'<section id="blocks">(.*?)</section>', en, re.S)
    assert section is not None and 'id="blocks"' in zh
    assert f"Training sits in {held['blocks'].sum():,.1f} blocks at {len(held)} sites" in section.group(1)
    assert section.group(1).count("<tr>") == len(held) + 1  # a row a site, and the head
    assert "MIP gap" in section.group(1) and "MIP 间隙" in zh
