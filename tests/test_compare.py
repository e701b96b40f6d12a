"""edwc compare on real tiny results: differences, capacity, what moved, files; refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from test_sweep import assert_white_edges

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


def summary_edited(src: Path, dst: Path, **changes: Any) -> Path:
    """A copy of result src whose summary.json has `changes`."""
    shutil.copytree(src, dst)
    s = json.loads((dst / "summary.json").read_text())
    s.update(changes)
    (dst / "summary.json").write_text(json.dumps(s))
    return dst


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
    md = (tmp_path / "cmp" / "compare.md").read_text()
    assert "| objective_cny | 目标值（含未满足需求价值） | 亿元 | 0.62 | 0.88 | +0.26 | +41.1% |" in md  # the name beside the code
    assert "| total_cost_cny | 总成本 |" in md and "| west_share_new [2025] | 西部占新建 |" in md


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
    change = comp.site_change.groupby(["result", "site"])["delta_pflops"].sum()
    assert change[("dear-west-1", "west-1")] == pytest.approx(-20) and change[("dear-west-1", "west-2")] == pytest.approx(20)
    assert (change.loc["carbon-price"].abs() < 1e-9).all()  # 200 CNY/t does not change tiny's plan
    per_class = comp.site_change.set_index(["result", "site", "class"])["delta_pflops"]
    assert per_class[("dear-west-1", "west-1", "general")] == pytest.approx(-20)  # tiny builds general capacity only


def test_cli_compare_writes_and_shows(solved: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "c"
    res = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["carbon-price"]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "carbon-price" in res.output and "cost_carbon_cny" not in res.output  # one screen: what changed
    assert "与基准 base 相比有何变化" in res.output and "碳价 +" in res.output
    assert len(res.output.splitlines()) < 25
    full = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["carbon-price"]), "--out", str(out),
                                     "--details"])
    assert full.exit_code == 0 and "cost_carbon_cny" in full.output  # the tables with --details
    assert {p.name for p in out.iterdir()} == {"compare.csv", "capacity.csv", "moved.csv", "compare.md",
                                               "capacity.png", "costs.png", "diff_map.png", "edwc-folder.json"}
    english = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["carbon-price"]), "--out", str(out),
                                        "--lang", "en", "-q"])
    assert english.exit_code == 0, english.output
    names = {p.name for p in out.iterdir()}
    assert {"compare.md", "costs.png", "diff_map.png", "capacity.png", "compare.en.md", "costs.en.png",
            "diff_map.en.png", "capacity.en.png"} <= names  # the English run kept the Chinese files
    for chart in ("costs.en.png", "capacity.en.png", "costs.png"):
        assert_white_edges(out / chart)  # the English legend's long entries are not cut off
    assert "![difference map](diff_map.en.png)" in (out / "compare.en.md").read_text(encoding="utf-8")
    assert "![装机变化地图](diff_map.png)" in (out / "compare.md").read_text(encoding="utf-8")
    again = CliRunner().invoke(main, ["compare", str(solved["base"]), str(solved["double-batch"]), "--out", str(out), "-q"])
    assert again.exit_code == 0  # an earlier comparison is replaced
    assert "double-batch" in (out / "compare.csv").read_text()
    assert not (out / "costs.en.png").exists()  # another comparison: the old English charts are not kept


def test_cost_chart_keeps_the_unmet_penalty_apart(solved: dict[str, Path], tmp_path: Path) -> None:
    """An instance with demand it cannot serve: the penalty is charted apart, not stacked onto the costs."""
    from edwc.analysis.compare import comparison_costs

    short = tmp_path / "tiny-short"
    shutil.copytree(solved["instance"], short)
    cfg = yaml.safe_load((short / "instance.yaml").read_text(encoding="utf-8"))
    cfg["scenarios"]["too-much"] = {"description": "demand beyond what the sites' power caps can serve",
                                     "scale": [{"table": "demand", "where": {"period": 2025}, "column": "pflops", "factor": 20}]}
    (short / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    base, _ = solve_instance(short, out=tmp_path / "base", maps=False)
    cut, result = solve_instance(short, scenario="too-much", out=tmp_path / "too-much", maps=False)
    comp = compare_results([base, cut])
    costs = comparison_costs(comp)
    parts, unmet = result.summary["cost_parts_cny"], result.summary["unmet_value_cny"]
    assert unmet > 0, "the scenario must leave demand unmet for this test"
    assert costs.loc["too-much", "unmet"] == pytest.approx(unmet / 1e8)
    assert costs.loc["too-much", "real_total"] == pytest.approx(sum(parts.values()) / 1e8)
    k = result.tables["kpis"].set_index("kpi")["value"]
    assert costs.loc["too-much", "unmet_pflops"] == pytest.approx(k["unmet_pflops"])
    assert costs.loc["base", "unmet"] == 0


def test_difference_map_is_the_national_map(solved: dict[str, Path], tmp_path: Path) -> None:
    """diff_map.png is drawn by the maps package: Albers projection, an inset and the disclaimer
    in every panel row; one panel per class and compared result."""
    from matplotlib.figure import Figure

    import edwc.analysis.compare.diffmap as dm
    from edwc.maps.geo import basemap

    comp = compare_results([solved["base"], solved["dear-west-1"], solved["carbon-price"]])
    panels: list = []
    real = dm.draw_panel

    def spy(ax, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - records the real panels
        real(ax, *args, **kwargs)
        panels.append(ax)

    dm.draw_panel = spy
    try:
        dm.plot_diff_map(comp, tmp_path / "d.png", "en")
    finally:
        dm.draw_panel = real
    classes = set(comp.site_change["class"])
    assert len(panels) == 2 * len(classes)
    ax = panels[0]
    assert isinstance(ax.figure, Figure)
    assert ax.get_xlim() == pytest.approx(basemap().main_bounds[::2])  # projected metres, not degrees
    insets = [c for c in ax.child_axes]
    assert len(insets) == 1 and insets[0].get_xlim() == pytest.approx(basemap().inset_bounds[::2])
    texts = [t.get_text() for t in ax.figure.texts]
    assert any("not an official standard map" in t for t in texts)
    assert any("west-1" in t.get_text() or "West" in t.get_text() for t in ax.texts)
    from PIL import Image

    assert Image.open(tmp_path / "d.png").size[0] > 1000


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
    old = summary_edited(solved["carbon-price"], tmp_path / "old", edwc_result_version=0)
    with pytest.raises(InputError, match="result format version 0; this edwc reads version 3"):
        compare_results([solved["base"], old])
    with pytest.raises(InputError, match="not a result folder"):
        compare_results([solved["base"], solved["instance"]])


def test_never_replaces_a_folder_that_is_not_a_comparison(solved: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ResultExistsError):
        write_comparison(compare_results([solved["base"], solved["double-batch"]]), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("width", [60, 90, 200])
def test_terminal_tables_fit_the_width(solved: dict[str, Path], width: int) -> None:
    from edwc.analysis.termtable import cells

    comp = compare_results([solved["base"], solved["dear-west-1"], solved["double-batch"]])
    text = render_terminal(comp, width=width, lang="en", details=True)
    assert max(cells(line) for line in text.splitlines()) <= width
    assert text.startswith("tiny: what changed against the baseline")
    assert "Δ dear-west-1" in text and "Δ double-batch" in text  # wrapped into blocks, never lost
    assert ("Δ% dear-west-1" in text) == (width >= 200)  # relative differences are the first to go
    west_new = next(line for line in text.splitlines() if line.startswith("west_share_new"))
    assert "%" in west_new  # shares as percentages
    assert "100%" in text.split("moved against the baseline")[1]  # Beijing's batch work moved entirely


def test_cells_count_wide_characters_twice() -> None:
    from edwc.analysis.termtable import cells, cut, fit

    assert cells("亿元/yr") == 7 and cut("张家口数据中心集群", 7) == "张家口…"
    df = pd.DataFrame({"k": ["张家口", "b"], "x": ["1", "22"], "y": ["333", "4"]})
    assert fit(df, 12, keys=["k"], left=("k",)) == ["k        x", "张家口   1", "b       22", "",
                                                     "k         y", "张家口  333", "b         4"]


def test_moves_within_the_mip_gap_are_ties(solved: dict[str, Path], tmp_path: Path) -> None:
    """A plan whose cost differs from the baseline by less than the solver's gap: its moves are ties, not effects."""
    base = json.loads((solved["base"] / "summary.json").read_text())
    other = summary_edited(solved["dear-west-1"], tmp_path / "other", objective_cny=base["objective_cny"] * 1.0001,
                           total_cost_cny=base["total_cost_cny"] * 1.0001, unmet_value_cny=0.0, mip_gap=0.001)
    comp = compare_results([solved["base"], other])
    assert len(comp.moved) and (comp.moved["kind"] == "tie").all()
    assert "all ties" in render_terminal(comp, lang="en") and "等价解" in render_terminal(comp)


def test_gaps_and_their_changes_have_two_decimals(solved: dict[str, Path], tmp_path: Path) -> None:
    """A gap of 0.10 % against 0.00 % reads so in compare.md, its Δ too: never '0.1 pp' or '0.0%'."""
    from edwc.analysis.compare.text import display_summary

    other = summary_edited(solved["double-batch"], tmp_path / "other", mip_gap=0.001)
    shown = display_summary(compare_results([solved["base"], other])).set_index("metric")
    base_gap = json.loads((solved["base"] / "summary.json").read_text())["mip_gap"]
    assert shown.loc["mip_gap", "other"] == "0.10%"
    assert shown.loc["mip_gap", "base"] == f"{base_gap:.2%}"
    assert shown.loc["mip_gap", "Δ other"] == f"{(0.001 - base_gap) * 100:+.2f} pp"
