"""A plan that is not what was asked for says so (issue 13, item 6): unmet demand and a gap above the
one asked for end with a visible `warning:` line (also in summary.json) naming what binds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def solve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edwc", "solve", *args, "--no-map"], capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize(("setting", "names"), [
    ("policy.max_site_share=0.2", "binding at this plan: max_site_share (policy.max_site_share = 0.2)"),
    # 上架率 (IT MW / shell MW) >= 0.99 while shells lead IT by two years of its growth: nothing new can be built
    ("policy.national_utilisation_min=0.99 capacity.stock_year=2023 capacity.build_ahead_years=2",
     "national_utilisation (policy.national_utilisation_min = 0.99)"),
])
def test_unmet_demand_names_the_binding_policy(setting: str, names: str, tmp_path: Path) -> None:
    p = solve(str(TINY), *(a for kv in setting.split() for a in ("--set", kv)), "--out", str(tmp_path / "r"))
    assert p.returncode == 0, p.stderr
    [line] = plan_warnings(p.stderr)
    assert "PFLOPS of demand" in line and "left unserved" in line and names in line, line
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["warnings"] == [line.removeprefix("warning: ")]


def plan_warnings(stderr: str) -> list[str]:
    """The warnings about the plan (not the instance's rows that do nothing, which name their file and line)."""
    return [ln for ln in stderr.splitlines() if ln.startswith("warning:") and ".csv, line" not in ln]


def test_a_plan_as_asked_has_no_warning(tmp_path: Path) -> None:
    p = solve(str(TINY), "--out", str(tmp_path / "r"))
    assert p.returncode == 0 and plan_warnings(p.stderr) == []
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["warnings"] == []


def test_solve_shows_the_rows_that_do_nothing_once(tmp_path: Path) -> None:
    """What `edwc validate` warns about, solve shows too (issue 20, items 9 and 10): tiny's 'training' workload has
    no demand; a site no trunk joins is never used."""
    import shutil

    inst = tmp_path / "tiny"
    shutil.copytree(TINY, inst)
    with (inst / "sites.csv").open("a", encoding="utf-8") as f:
        f.write("lonely,孤站,Lonely,west,west,620000,104.0,36.0,cluster,true,5000000,1.2,0.5,0.5,100\n")
    with (inst / "site_classes.csv").open("a", encoding="utf-8") as f:
        f.write("lonely,general,0,5\n")
    p = solve(str(inst), "--out", str(tmp_path / "r"))
    assert p.returncode == 0, p.stderr
    noops = [ln for ln in p.stderr.splitlines() if ln.startswith("warning:") and ".csv, line" in ln]
    assert len(noops) == 2, p.stderr
    assert "workloads.csv, line 4, column 'workload': workload 'training' has no demand" in noops[0] + noops[1]
    assert "sites.csv, line 6, column 'site': site 'lonely' has no trunk" in noops[0] + noops[1]
    assert p.stdout.count("warning") == 0 and p.stderr.count("'lonely' has no trunk") == 1


@pytest.mark.slow
def test_gap_above_the_one_asked_for_is_a_warning(tmp_path: Path) -> None:
    from edwc.synthetic.cities import generate_city_instance

    city = generate_city_instance(tmp_path / "city", n_regions=340, n_sites=60, seed=2)
    p = solve(str(city), "--out", str(tmp_path / "r"), "--mip-gap", "0", "--time-limit", "20", "--no-check")
    if p.returncode != 0:
        pytest.skip("no plan within the time limit on this machine: nothing to warn about")
    [line] = [ln for ln in p.stderr.splitlines() if ln.startswith("warning: the solve stopped")]
    assert "above the 0.00% asked for" in line and "--time-limit" in line
