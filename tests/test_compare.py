"""edwc compare on real tiny results: differences, capacity, what moved, files; refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from edwc.analysis.compare import compare_results, render_terminal, write_comparison
from edwc.cli.main import main
from edwc.errors import InputError, ResultExistsError
from edwc.workflow.run import solve_instance

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
DEAR_WEST_1 = {"description": "power at west-1 four times dearer",
               "replace": [{"table": "sites", "where": {"site": "west-1"}, "values": {"power_price_cny_per_kwh": 2.0}}]}


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tiny base, double-batch, carbon-price and dear-west-1 (a copy of tiny with one more scenario), solved."""
    root = tmp_path_factory.mktemp("compare")
    inst = root / "tiny"
    shutil.copytree(TINY, inst)
    cfg = yaml.safe_load((inst / "instance.yaml").read_text(encoding="utf-8"))
    cfg["scenarios"]["dear-west-1"] = DEAR_WEST_1
    (inst / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = {}
    for name in ("base", "double-batch", "carbon-price", "dear-west-1"):
        out[name], _ = solve_instance(inst, scenario=None if name == "base" else name, out=root / name, maps=False)
    out["instance"] = inst
    return out


def test_compare_two_real_results(solved: dict[str, Path], tmp_path: Path) -> None:
    comp = compare_results([solved["base"], solved["double-batch"]])
    s = comp.summary.set_index("metric")
    base = json.loads((solved["base"] / "summary.json").read_text())
    other = json.loads((solved["double-batch"] / "summary.json").read_text())
    assert s.loc["objective_cny", "Δ double-batch"] == pytest.approx(other["objective_cny"] - base["objective_cny"])
    assert s.loc["objective_cny", "base"] == pytest.approx(62.015e6)  # tiny's hand-checked optimum
    assert s.loc["demand_pflops", "Δ double-batch"] == pytest.approx(25)  # batch 20 + 5 doubled
    assert s.loc["status", "double-batch"] == "optimal"
    cap = comp.capacity.set_index(["hub", "class"])
    assert cap.loc[("total", "general"), "base"] == pytest.approx(45)  # 25 existing + 2 modules at west-1
    assert cap.loc[("west", "general"), "Δ double-batch"] == pytest.approx(20)  # two more modules at west-1
    assert comp.moved.empty  # more batch work, but every region's mix of sites is the same

    files = write_comparison(comp, tmp_path / "cmp")
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    csv = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(csv.columns[:5]) == ["metric", "period", "unit", "base", "double-batch"]
    assert "| objective_cny | 亿元 | 0.62 | 0.88 | +0.26 | +41.1% |" in (tmp_path / "cmp" / "compare.md").read_text()


def test_what_moved_and_the_site_changes(solved: dict[str, Path]) -> None:
    """Dearer power at west-1: the batch work served there moves to west-2 (Beijing's 5 at bj-dc stay); these are
    effects of the input, not ties (the costs differ by far more than the MIP gap)."""
    comp = compare_results([solved["base"], solved["dear-west-1"], solved["carbon-price"]])
    moved = comp.moved.set_index(["result", "region", "workload"])
    assert set(moved.index) == {("dear-west-1", "110000", "batch"), ("dear-west-1", "620000", "batch")}
    bj = moved.loc[("dear-west-1", "110000", "batch")]
    assert bj["baseline_sites"] == "west-1 15; bj-dc 5" and bj["sites"] == "west-2 15; bj-dc 5"
    assert bj["moved_share"] == pytest.approx(0.75) and bj["moved_pflops"] == pytest.approx(15)
    assert (comp.moved["kind"] == "effect").all()
    change = comp.site_change.set_index(["result", "site"])["delta_pflops"]
    assert change[("dear-west-1", "west-1")] == pytest.approx(-20) and change[("dear-west-1", "west-2")] == pytest.approx(20)
    assert (change.loc["carbon-price"].abs() < 1e-9).all()  # 200 CNY/t does not change tiny's plan


def test_cli_compare_writes_and_shows(solved: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "c"
    res = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["carbon-price"]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "carbon-price" in res.output and "cost_carbon_cny" in res.output
    assert {p.name for p in out.iterdir()} == {"compare.csv", "capacity.csv", "moved.csv", "compare.md",
                                               "capacity.png", "costs.png", "diff_map.png"}
    again = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["double-batch"]), "--out", str(out), "-q"])
    assert again.exit_code == 0  # an earlier comparison is replaced
    assert "double-batch" in (out / "compare.csv").read_text()


def test_refuses_results_of_another_instance(solved: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "tiny-b"
    shutil.copytree(TINY, other)
    cfg = yaml.safe_load((other / "instance.yaml").read_text(encoding="utf-8"))
    cfg["name"] = "tiny-b"
    (other / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    folder, _ = solve_instance(other, out=tmp_path / "rb", maps=False)
    res = CliRunner().invoke(main, ["compare", str(solved["base"]), str(folder), "--out", str(tmp_path / "c")])
    assert res.exit_code == 2
    assert "is a result of instance 'tiny-b'" in res.output and "instance 'tiny'" in res.output
    assert not (tmp_path / "c").exists()


def test_refuses_another_result_version(solved: dict[str, Path], tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(solved["carbon-price"], old)
    summary = json.loads((old / "summary.json").read_text())
    summary["edwc_result_version"] = 0
    (old / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(InputError, match="result format version 0; this edwc reads version 2"):
        compare_results([solved["base"], old])
    with pytest.raises(InputError, match="not a result folder"):
        compare_results([solved["base"], solved["instance"]])


def test_never_replaces_a_folder_that_is_not_a_comparison(solved: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ResultExistsError):
        write_comparison(compare_results([solved["base"], solved["double-batch"]]), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_moves_within_the_mip_gap_are_ties(solved: dict[str, Path], tmp_path: Path) -> None:
    """A plan whose cost differs from the baseline by less than the solver's gap: its moves are ties, not effects."""
    other = tmp_path / "other"
    shutil.copytree(solved["dear-west-1"], other)
    base = json.loads((solved["base"] / "summary.json").read_text())
    s = json.loads((other / "summary.json").read_text())
    s.update(objective_cny=base["objective_cny"] * 1.0001, total_cost_cny=base["total_cost_cny"] * 1.0001,
             unmet_value_cny=0.0, mip_gap=0.001)
    (other / "summary.json").write_text(json.dumps(s))
    comp = compare_results([solved["base"], other])
    assert len(comp.moved) and (comp.moved["kind"] == "tie").all()
    assert "all ties" in render_terminal(comp)
