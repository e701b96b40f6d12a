"""`edwc levers RESULT` (issue 19, item 5): the estimates that decide the siting, moved one at a time, real HiGHS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from conftest import INSTANCES, solve


def test_china_2025_has_every_lever_and_the_low_limits_still_hold_the_shells() -> None:
    from edwc.workflow.levers import lever_specs

    folder = INSTANCES / "china-2025"
    config = yaml.safe_load((folder / "instance.yaml").read_text(encoding="utf-8"))
    sites = pd.read_csv(folder / "sites.csv", dtype={"site": str, "region": str})
    levers = lever_specs(config, sites)
    assert {(lv.name, lv.setting) for lv in levers} == {
        (n, s) for n in ("bandwidth", "west_power", "east_power", "west_limits", "build_rate", "lead_time")
        for s in ("low", "high")}
    low = next(lv for lv in levers if (lv.name, lv.setting) == ("west_limits", "low"))
    west = sites[sites["side"] == "west"].set_index("site")
    for op in low.spec["scale"]:
        s = west.loc[op["where"]["site"]]
        limit = s["max_facility_mw"] * op["factor"]
        assert s["existing_shell_mw"] * s["pue"] < limit < s["max_facility_mw"]  # half the room above the shells


@pytest.mark.slow
def test_levers_on_tiny_move_the_cost_the_right_way_and_show_in_the_report(tmp_path: Path) -> None:
    from edwc.cli.main import main

    res = tmp_path / "r"
    solve(INSTANCES / "tiny", res)
    run = CliRunner().invoke(main, ["levers", str(res), "--workers", "2"])
    assert run.exit_code == 0, run.output
    df = pd.read_csv(res / "levers.csv")
    df = df.assign(setting=df["setting"].fillna("")).set_index(["lever", "setting"])
    base = df.loc[("base", ""), "cost_cny"]
    assert df.loc[("east_power", "low"), "cost_cny"] < base < df.loc[("east_power", "high"), "cost_cny"]
    assert df.loc[("bandwidth", "low"), "cost_cny"] < base < df.loc[("bandwidth", "high"), "cost_cny"]
    assert set(df["status"]) == {"optimal"}
    for lever, setting in df.index[1:]:
        assert (res / "lever-resolves" / f"lever-{lever}-{setting}" / "summary.json").is_file()
    CliRunner().invoke(main, ["report", str(res)])
    page = (res / "report.html").read_text(encoding="utf-8")
    assert 'id="levers"' in page and "东部电价" in page and "干线带宽价格" in page
