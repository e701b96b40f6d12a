"""The decision-analytics charts meet map.png's standard: Chinese by default and English with --lang
(NAME.en.png beside NAME.png), names rather than ids, classed keys whose ticks differ, no colour
verdict on a difference under 1 %, the South China Sea inset on every map of China."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from edwc.cli.main import main
from edwc.workflow.run import solve_instance


@pytest.fixture
def tiny_result(tiny: Path, tmp_path: Path) -> Path:
    out = tmp_path / "r"
    solve_instance(tiny, out=out, force=True, maps=False)
    return out


def test_price_maps_in_chinese_and_english_with_the_inset(tiny_result: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edwc.maps import decision_panels

    insets: list[str] = []
    real = decision_panels.draw_inset
    monkeypatch.setattr(decision_panels, "draw_inset",
                        lambda ax, fills, label, **kw: insets.append(label) or real(ax, fills, label, **kw))
    for lang in ("zh", "en"):
        run = CliRunner().invoke(main, ["price", str(tiny_result), "--no-resolve", "--lang", lang])
        assert run.exit_code == 0, run.output
    for name in ("marginal_cost", "marginal_cost_long_run", "corridors"):
        assert (tiny_result / f"{name}.png").stat().st_size > 10_000
        assert (tiny_result / f"{name}.en.png").stat().st_size > 10_000
        assert f"{name}.en.png" in run.output
    assert "南海诸岛" in insets and "South China Sea\nIslands" in insets  # every map panel has its inset


def test_corridor_savings_under_one_percent_are_no_material_difference() -> None:
    from edwc.maps.decisions import corridor_kind

    assert corridor_kind("move watts", -0.004e9, 1e9) == "same"
    assert corridor_kind("cross-side: move bits", 0.02e9, 1e9) == "move bits"
    assert corridor_kind("move watts", -0.02e9, 1e9) == "move watts"
    assert corridor_kind("local", 0.0, 1e9) == "local"


def test_classed_keys_have_distinct_ticks() -> None:
    from edwc.maps.decision_panels import classes, tick_format

    for lo, hi in ((1_220_547, 1_224_410), (3_772_625, 3_785_348), (0.0, 1.0), (228_400, 244_200)):
        _, _, breaks = classes(lo, hi)
        fmt = tick_format(breaks)
        labels = [fmt(b, 0) for b in breaks]
        assert len(set(labels)) == len(labels), labels


def test_workloads_and_hubs_are_named_not_coded(tiny_result: Path) -> None:
    from edwc.analysis.uncertainty_chart import hub_order
    from edwc.decisions.firm import built_by_site
    from edwc.maps.i18n_decisions import workload_label

    assert workload_label("ai-training", "intelligent", "zh") == "AI 训练（智能算力）"
    assert workload_label("hpc", "super", "en") == "HPC (supercomputing)"
    plans = {"a": built_by_site(tiny_result), "b": built_by_site(tiny_result)}
    _, side, labels = hub_order(plans, tiny_result / "instance", "zh")
    assert labels == ["东部", "西部"] and list(side) == ["east", "west"]
    _, _, labels = hub_order(plans, tiny_result / "instance", "en")
    assert all(lab not in ("east", "west") for lab in labels)
