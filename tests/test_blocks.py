"""Training blocks (edwc.formulation.blocks, docs/model.md "Training blocks and where demand is"), on tiny with HiGHS.

The case, by hand: tiny plus 8 PFLOPS of training demand in Beijing and 8 in Shanghai (no trunk traffic), and
8 PFLOPS of existing intelligent IT at bj-dc and at sh-dc. Serving training on that existing IT costs only its
marginal energy (bj-dc 0.8 M, sh-dc 0.75 M per PFLOPS: the idle half is paid anyway), far below a new module
in the west (5 M capex + 2.5 M idle per 10 PFLOPS), so without blocks each city's training stays at home:
8 + 8, nothing built for it. With a block of 12 PFLOPS neither city site can hold one block (8 < 12), so the
whole pool of 16 goes to one western site as one block (16 >= 12): two intelligent modules at west-1, which
the plan opens anyway for batch work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import INSTANCES, solve
from edwc.analysis.check import check_result
from edwc.errors import InputError
from edwc.input.instance import load_instance


def with_training(tmp: Path, block: str) -> Path:
    """tiny with the training case above; block: workloads.csv block_pflops of training ('' = none)."""
    f = tmp / "tiny"
    shutil.copytree(INSTANCES / "tiny", f)
    dem = pd.read_csv(f / "demand.csv", dtype=str)
    extra = pd.DataFrame({"region": ["110000", "310000"], "workload": ["training"] * 2, "period": ["2025"] * 2,
                          "pflops": ["8", "8"]})
    pd.concat([dem, extra]).to_csv(f / "demand.csv", index=False)
    sc = pd.read_csv(f / "site_classes.csv", dtype=str)
    extra = pd.DataFrame({"site": ["bj-dc", "sh-dc"], "class": ["intelligent"] * 2, "existing_pflops": ["8", "8"],
                          "max_modules": ["0", "0"]})
    pd.concat([sc, extra]).to_csv(f / "site_classes.csv", index=False)
    wl = pd.read_csv(f / "workloads.csv", dtype=str, keep_default_na=False)
    wl["block_pflops"] = [block if w == "training" else "" for w in wl["workload"]]
    wl.to_csv(f / "workloads.csv", index=False)
    return f


def training_by_site(result) -> dict[str, float]:  # noqa: ANN001
    s = result.tables["serve"]
    return s[s["workload"] == "training"].groupby("site")["pflops"].sum().round(6).to_dict()


def test_without_blocks_training_stays_split(tmp_path):
    r = solve(with_training(tmp_path, ""), tmp_path / "r")
    assert r.summary["status"] == "optimal"
    assert training_by_site(r) == pytest.approx({"bj-dc": 8.0, "sh-dc": 8.0})
    cap = r.tables["capacity"].set_index(["site", "class"])
    assert cap["built_pflops"].get(("west-1", "intelligent"), 0) == 0
    assert (cap["blocks"] == 0).all()


def test_block_moves_training_to_one_site(tmp_path):
    r = solve(with_training(tmp_path, "12"), tmp_path / "r")
    assert r.summary["status"] == "optimal"
    assert training_by_site(r) == pytest.approx({"west-1": 16.0})  # one site, one block of at least 12
    cap = r.tables["capacity"].set_index(["site", "class"])
    assert cap.at[("west-1", "intelligent"), "built_pflops"] == 20
    assert cap.at[("west-1", "intelligent"), "blocks"] == pytest.approx(16 / 12)
    assert cap["blocks"].drop(("west-1", "intelligent")).abs().sum() == 0
    assert r.summary["unmet_value_cny"] == pytest.approx(0.0, abs=1e-3)
    rep = check_result(tmp_path / "r")
    assert rep.ok, rep.render()
    assert rep.checked.get("block_min", 0) >= 1


def test_fixed_plan_keeps_its_blocks(tmp_path):
    """edwc price's LP (integers fixed from the tables) fixes block_on from serve.csv and costs what the plan cost."""
    from edwc.decisions.fixed import solve_fixed

    r = solve(with_training(tmp_path, "12"), tmp_path / "r")
    fp = solve_fixed(tmp_path / "r")
    assert fp.status == "optimal"
    assert {k: v.value for k, v in fp.model.block_on.items()} == {("west-1", "training", 2025): 1.0,
                                                                  ("west-2", "training", 2025): 0.0}
    assert fp.objective_cny == pytest.approx(r.summary["objective_cny"], rel=1e-8)


def test_check_finds_a_piece_below_a_block(tmp_path):
    r = solve(with_training(tmp_path, "12"), tmp_path / "r")
    assert r.summary["status"] == "optimal"
    # the same plan read against a bigger block (17 > 16 served at west-1): the check must name the piece
    wl = tmp_path / "r" / "instance" / "workloads.csv"
    t = pd.read_csv(wl, dtype=str, keep_default_na=False)
    t.loc[t["workload"] == "training", "block_pflops"] = "17"
    t.to_csv(wl, index=False)
    rep = check_result(tmp_path / "r")
    fams = {v.family for v in rep.violations}
    assert "block_min" in fams, rep.render()


def test_bad_block_size_is_refused(tmp_path):
    f = with_training(tmp_path, "-3")
    with pytest.raises(InputError) as e:
        load_instance(f)
    assert "block_pflops" in str(e.value) or any("block_pflops" in str(p) for p in e.value.problems)


# ---- china-*: the split of demand (build_china.region_shares) and the blocks in the shipped plan ----------------

def _facts() -> dict[str, float]:
    f = pd.read_csv(INSTANCES.parent / "seeds" / "facts.csv", dtype={"value": float})
    return dict(zip(f["id"], f["value"], strict=True))


def test_china_ai_demand_follows_the_filings_and_totals_hold():
    """AI training is split by the CAC filings (Beijing 1010 of 3834), inference half by them and half by GDP,
    general work by GDP; the national total per workload is the class total times the workload share."""
    inst = load_instance(INSTANCES / "china-2025")
    facts = _facts()
    d = inst.demand.set_index(["region", "workload"])["pflops"]
    by_w = inst.demand.groupby("workload")["pflops"].sum()
    intel = 300_000 * facts["art_target_2025_intel_share"] / 100
    assert by_w["ai-training"] == pytest.approx(intel * (1 - facts["dem_inference_share_2025"] / 100), rel=1e-4)
    assert by_w["ai-inference"] == pytest.approx(intel * facts["dem_inference_share_2025"] / 100, rel=1e-4)
    bj = facts["dem_ai_filings_110000"] / facts["dem_ai_filings_total"]
    assert d[("110000", "ai-training")] / by_w["ai-training"] == pytest.approx(bj, rel=1e-4)
    prov = pd.read_csv(INSTANCES.parent / "seeds" / "provinces.csv", dtype={"region": str}).set_index("region")
    g = prov["gdp_2024_100m_cny"] / prov["gdp_2024_100m_cny"].sum()
    assert d[("110000", "general-batch")] / by_w["general-batch"] == pytest.approx(g["110000"], rel=1e-3)
    assert d[("110000", "ai-inference")] / by_w["ai-inference"] == pytest.approx((bj + g["110000"]) / 2, rel=1e-3)
    # the 10 provinces the filings tally cuts off: at most the last count shown (7) each
    rest = d.xs("ai-training", level="workload")[["140000", "150000", "230000", "360000", "530000", "540000",
                                                   "620000", "630000", "640000", "650000"]]
    assert (rest / by_w["ai-training"] * facts["dem_ai_filings_total"] <= 7 + 1e-6).all()
    wl = inst.workloads.set_index("workload")
    assert wl.at["ai-training", "block_pflops"] == pytest.approx(facts["dem_training_block_pflops"])
    assert wl["block_pflops"].isna().sum() == 4  # only training comes in blocks


@pytest.mark.slow
def test_china_2025_places_training_in_whole_blocks(china_2025_folder):
    """The shipped plan: every site serving AI training serves at least one block, and the check agrees."""
    serve = pd.read_csv(china_2025_folder / "serve.csv", dtype={"region": str})
    tr = serve[serve["workload"] == "ai-training"].groupby("site")["pflops"].sum()
    block = _facts()["dem_training_block_pflops"]
    assert len(tr) >= 2 and (tr >= block * (1 - 1e-6)).all(), tr.sort_values().head()
    rep = check_result(china_2025_folder)
    assert rep.ok and rep.checked.get("block_min", 0) >= len(tr), rep.render()
