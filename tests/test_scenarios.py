"""Overrides: --set and named scenarios change exactly what they name, and refuse what does not exist."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from edwc.cli.main import main
from edwc.errors import InputError
from edwc.input.instance import load_instance
from edwc.workflow.run import solve_instance

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
CHINA = REPO / "instances" / "china-2025"
CHINA_SCENARIOS = REPO / "instances" / "china-2025-scenarios.yaml"


def with_scenarios(src: Path, dst: Path, scenarios: dict[str, Any]) -> Path:
    """A copy of instance `src` at `dst` with `scenarios` added to its instance.yaml."""
    shutil.copytree(src, dst)
    cfg = yaml.safe_load((dst / "instance.yaml").read_text(encoding="utf-8"))
    cfg["scenarios"] = {**(cfg.get("scenarios") or {}), **scenarios}
    (dst / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dst


def problems_of(folder: Path, **kw: Any) -> list[str]:
    with pytest.raises(InputError) as e:
        load_instance(folder, **kw)
    return [str(p) for p in e.value.problems]


# ---- errors: a name that does not exist is never a silent no-op ---------------------------------


def test_set_of_unknown_key_is_an_error() -> None:
    assert problems_of(TINY, sets={"policy.carbon_prise_cny_per_t": 200}) == [
        "--set: 'policy.carbon_prise_cny_per_t' is not a setting of instance.yaml"]


def test_cli_set_of_unknown_key_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["solve", str(TINY), "--set", "finance.discount=0.1", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert "'finance.discount' is not a setting" in res.output
    assert not (tmp_path / "r").exists()


def test_set_value_is_validated_like_the_base() -> None:
    [msg] = problems_of(TINY, sets={"finance.load_factor": 1.5})
    assert "finance.load_factor" in msg and "less than or equal to 1" in msg


def test_unknown_scenario_lists_the_known_ones() -> None:
    [msg] = problems_of(TINY, scenario="double-bach")
    assert "no scenario 'double-bach'" in msg and "carbon-price, double-batch" in msg


def test_every_problem_of_a_bad_scenario_is_reported(tmp_path: Path) -> None:
    bad = {"description": "everything wrong", "colour": "red",
           "set": {"policy.no_such_policy": 1},
           "scale": [{"table": "demand", "where": {"class": "intelignt"}, "column": "pflops", "factor": 2},
                     {"table": "demand", "where": {"workload": "batch"}, "column": "pflops", "factor": -1}],
           "replace": [{"table": "sites", "where": {"site": ["west-1", "west-9"]}, "values": {"pue": 1.1}},
                       {"table": "sitez", "where": {"site": "west-1"}, "values": {"pue": 1.1}}],
           "add": [{"table": "demand", "rows": [{"region": "110000", "workload": "batch", "period": 2025, "pflops": 1}]}],
           "remove": [{"table": "trunks", "where": {"trunk": "bj-xx"}},
                      {"table": "trunks", "where": {"colour": "red"}}]}
    inst = with_scenarios(TINY, tmp_path / "tiny", {"bad": bad})
    msgs = "\n".join(problems_of(inst, scenario="bad"))
    for expected in ("scenario 'bad', column 'colour': unknown key", "'policy.no_such_policy' is not a setting", "no row of demand has class 'intelignt'",
                     "column 'scale[1].factor': Input should be greater than or equal to 0 (got -1)", "no row of sites has site 'west-9'", "unknown table 'sitez'",
                     "(region=110000, workload=batch, period=2025) already exists", "no row of trunks has trunk 'bj-xx'",
                     "table trunks has no column 'colour'"):
        assert expected in msgs
    assert len(msgs.splitlines()) == 9


def test_scaling_a_text_column_is_refused(tmp_path: Path) -> None:
    inst = with_scenarios(TINY, tmp_path / "tiny", {"s": {"description": "d", "scale": [
        {"table": "sites", "where": {"site": "west-1"}, "column": "name_en", "factor": 2}]}})
    [msg] = problems_of(inst, scenario="s")
    assert "column 'name_en' of sites is not numeric" in msg


def test_overridden_values_are_validated_like_the_base(tmp_path: Path) -> None:
    inst = with_scenarios(TINY, tmp_path / "tiny", {"s": {"description": "d", "replace": [
        {"table": "sites", "where": {"site": "west-2"}, "values": {"pue": 0.9}}]}})
    [msg] = problems_of(inst, scenario="s")
    assert msg.startswith("sites.csv, line 5, column 'pue': expected a number >= 1")


# ---- what the operations do ---------------------------------------------------------------------


def test_scale_demand_by_class_through_workloads(tmp_path: Path) -> None:
    inst = with_scenarios(TINY, tmp_path / "tiny", {
        "general": {"description": "d", "scale": [
            {"table": "demand", "where": {"class": "general", "region": [110000, 310000]}, "column": "pflops", "factor": 0.5}]},
        "ai": {"description": "d", "scale": [  # tiny has no intelligent demand: an error, not a no-op
            {"table": "demand", "where": {"class": "intelligent"}, "column": "pflops", "factor": 1.5}]}})
    d = load_instance(inst, scenario="general").demand.set_index(["region", "workload"])["pflops"]
    assert d.to_dict() == {("110000", "realtime"): 5, ("110000", "batch"): 10, ("310000", "realtime"): 2.5, ("620000", "batch"): 5}
    assert problems_of(inst, scenario="ai") == ["instance.yaml, scenario 'ai': no row of demand has class 'intelligent'"]


def test_replace_by_side_remove_site_and_add_row_with_optional_cells(tmp_path: Path) -> None:
    inst = with_scenarios(TINY, tmp_path / "tiny", {"s": {"description": "d",
        "replace": [{"table": "site_classes", "where": {"side": "west", "class": "general"}, "values": {"max_modules": 1}}],
        "remove": [{"table": "sites", "where": {"site": "west-2"}}],
        "add": [{"table": "trunks", "rows": [{"trunk": "sh-w1", "from": "310000", "to": "west-1", "capacity_gbps": 10,
                                              "module_gbps": 10, "module_capex_cny": 1, "max_modules": 0}]}]}})
    i = load_instance(inst, scenario="s")
    assert "west-2" not in set(i.sites["site"]) | set(i.site_classes["site"]) | set(i.trunks["from"]) | set(i.trunks["to"])
    sc = i.site_classes.set_index(["site", "class"])["max_modules"]
    assert sc[("west-1", "general")] == 1 and sc[("west-1", "intelligent")] == 5
    added = i.trunks.set_index("trunk").loc["sh-w1"]
    assert added["to"] == "west-1" and added["length_km"] != added["length_km"]  # empty length → great circle later


def test_cli_set_wins_over_scenario_and_carbon_cost_is_hand_checkable(tmp_path: Path) -> None:
    """tiny's plan (test_tiny.py) uses 28,000 MWh at bj-dc and 7,500 at sh-dc (0.6 t/MWh) and 20,000 at west-1
    (0.5 t/MWh): 31,300 t; at 300 CNY/t: 9.39e6 CNY. Green power (1 CNY/kWh more) is not worth buying."""
    _, r = solve_instance(TINY, scenario="carbon-price", sets={"policy.carbon_price_cny_per_t": 300},
                          out=tmp_path / "r", maps=False)
    assert r.summary["scenario"] == "carbon-price"
    # to half a yuan: the tie-break among equal-cost plans may spend 1e-9 of the cost (docs/model.md)
    assert r.summary["cost_parts_cny"]["carbon"] == pytest.approx(31_300 * 300, rel=0, abs=0.5)
    assert r.summary["objective_cny"] == pytest.approx(62.015e6 + 31_300 * 300, rel=0, abs=0.5)


# ---- the shipped china-2025 scenarios ------------------------------------------------------------


@pytest.fixture(scope="module")
def china(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (CHINA / "instance.yaml").is_file():
        pytest.skip("instances/china-2025 not built yet")
    scenarios = yaml.safe_load(CHINA_SCENARIOS.read_text(encoding="utf-8"))
    return with_scenarios(CHINA, tmp_path_factory.mktemp("china") / "china-2025", scenarios)


def test_shipped_scenarios_are_valid_and_each_changes_the_input(china: Path) -> None:
    scenarios = yaml.safe_load(CHINA_SCENARIOS.read_text(encoding="utf-8"))
    assert len(scenarios) >= 5
    base = load_instance(china)
    hashes = {base.input_hash()}
    for name, spec in scenarios.items():
        assert spec["description"] and "\n" not in spec["description"]
        inst = load_instance(china, scenario=name)
        hashes.add(inst.input_hash())
    assert len(hashes) == len(scenarios) + 1


def test_shipped_scenarios_change_what_they_say(china: Path) -> None:
    base = load_instance(china)
    cls = dict(zip(base.workloads["workload"], base.workloads["class"], strict=True))

    def demand_by_class(i: Any) -> dict[str, float]:
        return i.demand.groupby(i.demand["workload"].map(cls))["pflops"].sum().to_dict()

    hi = demand_by_class(load_instance(china, scenario="high-ai"))
    lo = demand_by_class(base)
    assert hi["intelligent"] == pytest.approx(1.5 * lo["intelligent"]) and hi["general"] == pytest.approx(lo["general"])
    cut = load_instance(china, scenario="trunk-cut")
    assert set(base.trunks["trunk"]) - set(cut.trunks["trunk"]) == {"bj-qingyang"}
    east = load_instance(china, scenario="no-new-east")
    side = dict(zip(east.sites["site"], east.sites["side"], strict=True))
    sc = east.site_classes
    assert (sc.loc[sc["site"].map(side) == "east", "max_modules"] == 0).all()
    assert (sc.loc[sc["site"].map(side) == "west", "max_modules"] > 0).any()
    assert load_instance(china, scenario="carbon-price").config.policy.carbon_price_cny_per_t == 100


def test_a_written_instance_reads_back_to_the_same_numbers(tmp_path: Path) -> None:
    """A scaled value pandas' parser would read one ulp off (a drawn case's demand, 2388.9254371486118):
    written with the resolved instance and loaded again it is the same float, so the result's input_hash
    holds and edwc check passes the drawn case (it failed 'input_hash' before)."""
    import numpy as np


    inst = load_instance(TINY)
    odd = 2388.9254371486118
    assert pd.to_numeric(pd.Series([repr(odd)]))[0] != odd  # the parser's miss this guards against
    d = inst.tables["demand"]
    d["pflops"] = d["pflops"].astype(float)
    d.loc[d.index[0], "pflops"] = odd
    rng = np.random.default_rng(1)
    d.loc[d.index[1:], "pflops"] = rng.random(len(d) - 1) * 1e4  # about one in ten of these is missed too
    inst.write(tmp_path / "written")
    again = load_instance(tmp_path / "written")
    assert again.tables["demand"]["pflops"].tolist() == d["pflops"].tolist()
    assert again.input_hash() == inst.input_hash()
