"""Vintages and domestic accelerators (docs/model.md): the kW per PFLOPS of new intelligent builds is the blend of
imported and domestic parts, kw_imp · (1 − s) + kw_imp · (1 + penalty) · s, from the sourced rows of seeds/facts.csv;
the generated instances carry it and the builder's own check catches a DERIVED row that drifts from its formula."""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from conftest import INSTANCES, ROOT, add_period_2030, copy_instance, edit_table, solve
from edwc.analysis.check import Plan, UnreadableResult, check_plan, check_result, read_plan
from edwc.analysis.check.readers import OPTIONAL_COLUMNS
from edwc.errors import InputError
from edwc.input.instance import load_instance

FACTS = {r["id"]: r for r in csv.DictReader((ROOT / "seeds" / "facts.csv").open(encoding="utf-8"))}


def value(fid: str) -> float:
    return float(FACTS[fid]["value"])


def blend(penalty_pct: float) -> float:
    """kW per FP16 PFLOPS of a new intelligent build, recomputed here from the facts (not from the builder)."""
    kw, s = value("eng_gpu_kw_new"), value("mkt_domestic_accel_share_2025") / 100
    return kw * (1 - s) + kw * (1 + penalty_pct / 100) * s


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_china_under_test", ROOT / "instances" / "build_china.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_figures_behind_the_blend_are_sourced():
    for fid in ("mkt_domestic_accel_share_2025", "mkt_domestic_accel_share_2025_tf", "mkt_imported_accel_share_2024_tf",
                "eng_domestic_power_penalty_low", "eng_domestic_power_penalty_high", "eff_server_general_cagr",
                "eff_accel_fp16_cagr"):
        assert FACTS[fid]["status"] == "SOURCED" and FACTS[fid]["source"], fid
    for fid in ("eng_domestic_power_penalty", "eng_gpu_kw_new_blend"):
        assert FACTS[fid]["status"] == "DERIVED", fid
    assert value("eng_domestic_power_penalty") == pytest.approx(
        (value("eng_domestic_power_penalty_low") + value("eng_domestic_power_penalty_high")) / 2)
    assert value("eng_gpu_kw_new_blend") == pytest.approx(blend(value("eng_domestic_power_penalty")), abs=5e-4)


@pytest.mark.parametrize("name", ["china-2025", "china-2030"])
def test_instances_carry_the_blended_kw(name: str):
    cl = pd.read_csv(INSTANCES / name / "classes.csv").set_index("class")
    want = blend(value("eng_domestic_power_penalty")) * value("unit_fp16_per_stat")
    assert cl.at["intelligent", "kw_per_pflops"] == pytest.approx(want, abs=1e-3)
    imported = value("eng_gpu_kw_new") * value("unit_fp16_per_stat")
    # domestic parts make new builds draw more than imported ones, and still less than the A100-class fleet
    assert imported < cl.at["intelligent", "kw_per_pflops"] < cl.at["intelligent", "kw_per_pflops_existing"]


def test_the_sensitivity_brackets_the_base(builder: ModuleType):
    lo, base, hi = (builder.gpu_kw_new(value(f) / 100) for f in
                    ("eng_domestic_power_penalty_low", "eng_domestic_power_penalty", "eng_domestic_power_penalty_high"))
    assert lo < base < hi
    assert (lo, base, hi) == pytest.approx((blend(30), blend(40), blend(50)))
    assert builder.gpu_kw_new(0.0) == pytest.approx(value("eng_gpu_kw_new"))  # no penalty: the imported figure


def test_builder_check_catches_a_drifting_derived_row(builder: ModuleType, monkeypatch: pytest.MonkeyPatch):
    cls = builder.class_table()
    builder.check_class_costs(cls)  # the shipped facts hold
    row = dict(builder.FACTS["eng_gpu_kw_new_blend"], value="2.0")  # the blend left at the imported figure
    monkeypatch.setitem(builder.FACTS, "eng_gpu_kw_new_blend", row)
    with pytest.raises(AssertionError):
        builder.check_class_costs(cls)
    monkeypatch.undo()
    stale = {c: dict(v) for c, v in cls.items()}
    stale["intelligent"]["kw_per_pflops"] = value("eng_gpu_kw_new") * value("unit_fp16_per_stat")  # imported only
    with pytest.raises(AssertionError):
        builder.check_class_costs(stale)


# ----------------------------------------------------------------------------- per-vintage kW in the model
def two_period_tiny(tmp: Path, change: str | None) -> Path:
    """tiny over 2025 and 2030 (60 % more demand in 2030); general's kw_change_per_year = change (None: no column)."""
    folder = copy_instance("tiny", tmp)
    add_period_2030(folder)
    if change is not None:
        edit_table(folder, "classes", lambda df: df.assign(kw_change_per_year=[change if c == "general" else ""
                                                                               for c in df["class"]]))
    return folder


def same_plan(a: Path, b: Path) -> None:
    sa, sb = (json.loads((f / "summary.json").read_text()) for f in (a, b))
    assert sa["objective_cny"] == sb["objective_cny"] and sa["cost_parts_cny"] == sb["cost_parts_cny"]
    for name in ("capacity", "sites", "serve", "kpis"):
        pd.testing.assert_frame_equal(pd.read_csv(a / f"{name}.csv"), pd.read_csv(b / f"{name}.csv"))
    assert not (a / "vintages.csv").exists() and not (b / "vintages.csv").exists()


def solved(folder: Path, out: Path) -> Path:
    solve(folder, out)
    return out


def test_no_change_or_one_period_is_the_model_without_vintages(tmp_path: Path):
    """A zero change, or a change with one period, builds the same model as no column at all: the same plan."""
    base = solved(two_period_tiny(tmp_path / "a", None), tmp_path / "ra")
    same_plan(base, solved(two_period_tiny(tmp_path / "b", "0"), tmp_path / "rb"))
    one = copy_instance("tiny", tmp_path / "c")
    one_base = solved(one, tmp_path / "rc")
    edit_table(one, "classes", lambda df: df.assign(kw_change_per_year="-0.3"))
    same_plan(one_base, solved(one, tmp_path / "rd"))


def test_each_vintage_draws_its_own_kw(tmp_path: Path):
    """general's kW falls 20 % a year: a module built in 2030 draws 1000 · 0.8^5 kW per PFLOPS for its life, one built
    in 2025 keeps 1000; IT MW, energy and the cost follow each vintage, and the newer vintage takes the work first."""
    folder = solved(two_period_tiny(tmp_path, "-0.2"), tmp_path / "r")
    v = pd.read_csv(folder / "vintages.csv")
    cap = pd.read_csv(folder / "capacity.csv")
    cl = pd.read_csv(tmp_path / "tiny" / "classes.csv").set_index("class")
    kw0 = float(cl.at["general", "kw_per_pflops"])
    assert set(v["class"]) == {"general"}  # intelligent has no change: no vintages
    assert v["kw_per_pflops"].tolist() == pytest.approx(
        [kw0 * 0.8 ** (tb - 2025) for tb in v["built_period"]])
    # the plan builds in both periods (else this test shows nothing)
    g = cap[cap["class"] == "general"].groupby("period")["built_pflops"].sum()
    assert g[2030] > g[2025] > 0
    i = 0.5  # tiny's idle_share; PUE 1.0 at west-1 and west-2 and 1000 h a year at load factor 1: MWh = kW · PFLOPS
    for (s, t), rows in v.groupby(["site", "period"]):
        c = cap[(cap["site"] == s) & (cap["class"] == "general") & (cap["period"] == t)].iloc[0]
        assert c["it_mw_new"] == pytest.approx((rows["kw_per_pflops"] * rows["built_pflops"]).sum() / 1000)
        assert rows["served_new_pflops"].sum() == pytest.approx(c["served_new_pflops"], abs=1e-6)
        assert c["energy_new_mwh"] == pytest.approx((rows["kw_per_pflops"] * (
            i * rows["built_pflops"] + (1 - i) * rows["served_new_pflops"])).sum(), rel=1e-6)
        new = rows[rows["built_period"] == t]
        older = rows[rows["built_period"] < t]
        if older["served_new_pflops"].sum() > 1e-6:  # old modules work only once the new vintage is full
            assert new["served_new_pflops"].sum() == pytest.approx(new["built_pflops"].sum(), abs=1e-6)
    assert check_result(folder).ok


def test_check_follows_the_vintages(tmp_path: Path):
    """edwc check recomputes vintages.csv and its sums: work moved to a vintage that cannot hold it, a kW changed,
    or the file missing, each fails."""
    folder = solved(two_period_tiny(tmp_path, "-0.2"), tmp_path / "r")
    assert check_result(folder).ok
    original = (folder / "vintages.csv").read_text()
    v = pd.read_csv(folder / "vintages.csv")
    row = v.index[(v["period"] == 2030) & (v["served_new_pflops"] > 1)][0]
    for column, value, family in (("served_new_pflops", v.at[row, "served_new_pflops"] + 5, "vintage_split"),
                                  ("kw_per_pflops", v.at[row, "kw_per_pflops"] * 1.1, "vintage_table")):
        bad = v.copy()
        bad.at[row, column] = value
        bad.to_csv(folder / "vintages.csv", index=False)
        rep = check_result(folder)
        assert not rep.ok and family in {x.family for x in rep.violations}, (column, rep.violations[:3])
    (folder / "vintages.csv").unlink()
    with pytest.raises(UnreadableResult):
        check_result(folder)
    (folder / "vintages.csv").write_text(original)
    assert check_result(folder).ok


def test_a_change_out_of_range_is_refused(tmp_path: Path):
    folder = copy_instance("tiny", tmp_path)
    edit_table(folder, "classes", lambda df: df.assign(kw_change_per_year="-1.5"))
    with pytest.raises(InputError) as e:
        load_instance(folder)
    assert "kw_change_per_year" in str(e.value.problems)


@pytest.fixture(scope="module")
def vintage_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    root = tmp_path_factory.mktemp("vintage-coverage")
    folder = solved(two_period_tiny(root, "-0.2"), root / "r")
    p = read_plan(folder)
    assert check_plan(p, folder).ok
    return p, folder


@pytest.mark.parametrize("column", OPTIONAL_COLUMNS["vintages"])
def test_every_vintages_column_changed_fails_the_check(vintage_plan: tuple[Plan, Path], column: str) -> None:
    """As tests/test_check_coverage.py for the other tables: one cell of vintages.csv changed, the check fails."""
    plan, folder = vintage_plan
    df = plan.res["vintages"]
    assert set(df.columns) - {"site_name_zh", "site_name_en"} == set(OPTIONAL_COLUMNS["vintages"])
    i = int(df.index[(df["built_pflops"] > 0) & (df["served_new_pflops"] > 0)][0])
    p = copy.deepcopy(plan)
    x = df.at[i, column]
    new = x + "x" if isinstance(x, str) else (x + 1 if column in ("built_period", "period") else float(x) * 1.001 + 0.01)
    p.res["vintages"][column] = p.res["vintages"][column].astype(object if isinstance(new, str) else float)
    p.res["vintages"].at[i, column] = new
    assert not check_plan(p, folder).ok, f"vintages.csv {column} changed, the check still passes"
