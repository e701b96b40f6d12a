"""edwc sweep: cases named from their overrides, solved in local processes and on a local Dask
cluster, each equal to a direct solve; a failed case reported while the others are kept; a
rerun skips unchanged cases."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from edwc.cli.main import main
from edwc.errors import InputError
from edwc.workflow.run import solve_instance
from edwc.workflow.sweep import BASE, build_cases, kpi_frame, parse_vary, sweep_instance

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
CARBON = "policy.carbon_price_cny_per_t"
LOAD = "finance.load_factor"


def direct_objective(tmp: Path, scenario: str | None, sets: dict) -> float:
    _, r = solve_instance(TINY, scenario=scenario, sets=sets, out=tmp, threads=1, maps=False, check=False)
    return float(r.summary["objective_cny"])


def test_cases_are_the_product_named_from_their_overrides() -> None:
    cases = build_cases(parse_vary([f"{CARBON}=0,200", f"{LOAD}=0.5,1"]), [None, "double-batch"])
    assert [c.name for c in cases] == [
        f"{BASE},carbon_price_cny_per_t=0,load_factor=0.5", f"{BASE},carbon_price_cny_per_t=0,load_factor=1",
        f"{BASE},carbon_price_cny_per_t=200,load_factor=0.5", f"{BASE},carbon_price_cny_per_t=200,load_factor=1",
        "double-batch,carbon_price_cny_per_t=0,load_factor=0.5", "double-batch,carbon_price_cny_per_t=0,load_factor=1",
        "double-batch,carbon_price_cny_per_t=200,load_factor=0.5", "double-batch,carbon_price_cny_per_t=200,load_factor=1"]
    assert cases[-1].sets == {CARBON: 200, LOAD: 1} and cases[-1].scenario == "double-batch"
    assert [c.sets for c in build_cases(parse_vary(["periods=[2025],[2025,2030]"]))] == [{"periods": [2025]}, {"periods": [2025, 2030]}]


def test_bad_vary_and_scenario_are_refused_before_any_solve(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'policy.carbon' is not a setting"):
        parse_vary(["policy.carbon=1,2"])
    res = CliRunner().invoke(main, ["sweep", str(TINY), "--scenario", "nope", "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and "no scenario 'nope'" in res.output
    assert not (tmp_path / "s").exists()
    res = CliRunner().invoke(main, ["sweep", str(TINY), "--all-scenarios", "--dry-run", "--out", str(tmp_path / "s")])
    assert res.exit_code == 0 and res.output.count("scenario=") == 3


@pytest.mark.slow
def test_local_sweep_failed_case_kept_others_and_rerun_skips(tmp_path: Path) -> None:
    out = tmp_path / "tiny-sweep"
    args = ["sweep", str(TINY), "--vary", f"{CARBON}=0,200", "--vary", f"{LOAD}=0.5,1,1.5", "--workers", "2",
            "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1, res.output  # two cases fail (load factor 1.5 > 1), four are solved
    index = pd.read_csv(out / "index.csv").set_index("case")
    assert len(index) == 6 and (out / "index.md").is_file()
    failed = index[index["outcome"] == "failed"]
    assert set(failed.index) == {"carbon_price_cny_per_t=0,load_factor=1.5", "carbon_price_cny_per_t=200,load_factor=1.5"}
    assert (failed["status"] == "input_error").all() and failed["message"].str.contains("finance.load_factor").all()
    assert str(TINY) in failed["message"].iloc[0]  # the user's path, not the worker's scratch folder
    solved = index[index["outcome"] == "solved"]
    assert len(solved) == 4 and not any((out / c).exists() for c in failed.index)
    for case, row in solved.iterrows():
        sets = json.loads((out / case / "summary.json").read_text())["sets"]
        assert row["objective_cny"] == pytest.approx(direct_objective(tmp_path / f"direct-{case}", None, sets), rel=1e-9)
    assert index.loc["carbon_price_cny_per_t=0,load_factor=1", "objective_cny"] == pytest.approx(62.015e6)
    # one line per finished case (position, name, status, cost, time), then the table
    lines = [ln for ln in res.output.splitlines() if ln.startswith("[")]
    assert len(lines) == 6 and {ln.split("]")[0] for ln in lines} == {f"[{i}/6" for i in range(1, 7)}
    ok_line = next(ln for ln in lines if "carbon_price_cny_per_t=0,load_factor=1 " in ln)
    assert "optimal" in ok_line and "cost 0.62 亿元/yr" in ok_line and ok_line.endswith(" s")
    assert sum("input_error" in ln for ln in lines) == 2
    # the KPI chart: cost parts per case, failed cases marked (no numbers, not zeros)
    assert (out / "kpis.png").stat().st_size > 10_000
    k = kpi_frame(pd.read_csv(out / "index.csv"))
    assert k["ok"].sum() == 4 and k.loc[failed.index, "cost_it_capex_cny"].isna().all()
    assert (k.loc[solved.index, "west_share_new"] == 1.0).all()  # tiny builds in the west only

    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    index2 = pd.read_csv(out / "index.csv").set_index("case")
    assert (index2.loc[solved.index, "outcome"] == "skipped").all()
    assert (index2.loc[solved.index, "objective_cny"] == solved["objective_cny"]).all()
    assert "0 solved, 4 skipped (unchanged), 2 failed" in again.output
    assert sum("skipped (optimal, unchanged)" in ln for ln in again.output.splitlines()) == 4


def assert_white_edges(png: Path, border: int = 3) -> None:
    """Every pixel of the outer ``border`` pixels of a chart is white: nothing drawn runs off the image."""
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(png).convert("L"))
    edges = np.concatenate([a[:border].ravel(), a[-border:].ravel(), a[:, :border].ravel(), a[:, -border:].ravel()])
    assert edges.min() >= 250, f"{png.name}: something is drawn at the image's edge (darkest {edges.min()})"


def test_kpi_chart_keeps_unmet_apart_and_languages_side_by_side(tmp_path: Path) -> None:
    """A case that leaves demand unmet: its penalty is not in the stacked real costs; the English
    chart is written beside the Chinese one."""
    from edwc.analysis.costchart import cost_frame
    from edwc.workflow.sweep import plot_kpis

    cases = build_cases(parse_vary(["finance.unmet_penalty_cny_per_pflops_year=1e8,1e5"]))
    rep = sweep_instance(TINY, cases, out=tmp_path / "s", workers=2, lang="en")
    assert rep.chart == tmp_path / "s" / "kpis.en.png" and rep.chart.is_file()
    assert plot_kpis(rep.index, tmp_path / "s", "zh") == tmp_path / "s" / "kpis.png"
    assert (tmp_path / "s" / "kpis.en.png").is_file()
    for chart in ("kpis.en.png", "kpis.png"):  # nothing cut off at the edge (the English legend's long unmet entry was)
        assert_white_edges(tmp_path / "s" / chart)
    k = kpi_frame(rep.index)
    cheap = k.loc["unmet_penalty_cny_per_pflops_year=1e5"]
    assert cheap["unmet_pflops"] > 0, "at 1e5 CNY/PFLOPS-year leaving demand unmet must be cheaper than serving it"
    costs = cost_frame({c: {p.removeprefix("cost_").removesuffix("_cny"): v for p, v in row.items()
                            if p.startswith("cost_")} for c, row in k.iterrows()}, k["unmet_value_cny"].to_dict())
    real = costs["real_total"] * 1e8
    assert costs.loc[cheap.name, "unmet"] > 0
    objective = rep.index.set_index("case")["objective_cny"]
    assert real[cheap.name] == pytest.approx(objective[cheap.name] - costs.loc[cheap.name, "unmet"] * 1e8)
    assert real[cheap.name] == pytest.approx(rep.index.set_index("case").loc[cheap.name, "total_cost_cny"])


def test_dask_sweep_on_a_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    cases = build_cases(parse_vary([f"{CARBON}=0,100"]), [None, "double-batch"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        rep = sweep_instance(TINY, cases, out=tmp_path / "dask-sweep", scheduler=cluster.scheduler_address)
    assert rep.counts() == {"solved": 4, "skipped": 0, "failed": 0}
    index = rep.index.set_index("case")
    assert len(set(index["worker"])) >= 1 and all(":" in w for w in index["worker"])
    for c in cases:
        assert (tmp_path / "dask-sweep" / c.name / "instance" / "instance.yaml").is_file()
        want = direct_objective(tmp_path / f"direct-{c.name}", c.scenario, c.sets)
        assert index.loc[c.name, "objective_cny"] == pytest.approx(want, rel=1e-9)
    # the same cases locally: every result is reused, except one written by another edwc version
    stale = tmp_path / "dask-sweep" / cases[0].name / "summary.json"
    summary = json.loads(stale.read_text())
    summary["versions"]["edwc"] = "0.0.1"
    stale.write_text(json.dumps(summary))
    rep2 = sweep_instance(TINY, cases, out=tmp_path / "dask-sweep", workers=2)
    assert rep2.counts() == {"solved": 1, "skipped": 3, "failed": 0}
    assert rep2.index.set_index("case").loc[cases[0].name, "outcome"] == "solved"
