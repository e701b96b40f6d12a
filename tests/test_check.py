"""`edwc check`: a real tiny result passes; each kind of tampering is caught by its family, with the rows named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from edwc.analysis.check import RTOL, check_result, haversine_km
from edwc.cli.main import main
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check")
    inst = root / "tiny"
    shutil.copytree(ROOT / "instances" / "tiny", inst)
    out, _ = solve_instance(inst, out=root / "result", maps=False, sets={"policy.west_share_new_min": 0.5,
                                                                        "policy.max_site_share": 1.0})
    return out


@pytest.fixture
def result(solved: Path, tmp_path: Path) -> Path:
    """An editable copy of the solved tiny result."""
    return Path(shutil.copytree(solved, tmp_path / "result"))


def edit(folder: Path, table: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    p = folder / f"{table}.csv"
    df = pd.read_csv(p, dtype={"region": str, "from": str, "to": str})
    fn(df).to_csv(p, index=False, float_format="%.10g")


def edit_summary(folder: Path, fn: Callable[[dict], None]) -> None:
    p = folder / "summary.json"
    s = json.loads(p.read_text())
    fn(s)
    p.write_text(json.dumps(s))


def failed(folder: Path) -> dict[str, list[str]]:
    report = check_result(folder)
    assert not report.ok
    return {f: [v.rows for v in vs] for f, vs in report.by_family().items()}


def test_real_result_passes(solved: Path) -> None:
    report = check_result(solved)
    assert report.ok, report.render()
    for fam in ("demand_balance", "capacity_limit", "site_power", "latency", "trunk_capacity", "integrality",
                "west_share_new", "max_site_share", "costs"):
        assert fam in report.checked
    assert "all" in report.summary_line()


def test_cli_exit_codes(solved: Path, result: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["check", str(solved)])
    assert r.exit_code == 0, r.output
    assert "OK" in r.output
    edit(result, "unmet", lambda d: d.assign(pflops=d["pflops"] + 1))
    r = CliRunner().invoke(main, ["check", str(result)])
    assert r.exit_code == 1 and "demand_balance" in r.output and "region=110000" in r.output
    r = CliRunner().invoke(main, ["check", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_demand_balance_caught(result: Path) -> None:
    edit(result, "serve", lambda d: d.assign(pflops=d["pflops"].where(d["workload"] != "batch", d["pflops"] * 0.5)))
    bad = failed(result)
    assert any("workload=batch" in r for r in bad["demand_balance"])


def test_capacity_caught(result: Path) -> None:
    """Claim west-1 built one module fewer: its served work no longer fits."""
    def less(d: pd.DataFrame) -> pd.DataFrame:
        m = (d["site"] == "west-1") & (d["class"] == "general")
        d.loc[m, "built_pflops"] -= 10
        d.loc[m, "installed_pflops"] -= 10
        return d
    edit(result, "capacity", less)
    bad = failed(result)
    assert any("site=west-1" in r for r in bad["capacity_limit"])


def test_integrality_caught(result: Path) -> None:
    def half(d: pd.DataFrame) -> pd.DataFrame:
        m = (d["site"] == "west-1") & (d["class"] == "general")
        d.loc[m, "built_pflops"] += 5  # half a 10-PFLOPS module
        d.loc[m, "installed_pflops"] += 5
        return d
    edit(result, "capacity", half)
    assert "integrality" in failed(result)


def test_site_power_caught(result: Path) -> None:
    """west-1 draws 20 MW (2 modules of 10 PFLOPS at 1000 kW, PUE 1.0); a 15 MW limit makes the plan wrong."""
    edit(result / "instance", "sites", lambda d: d.assign(max_facility_mw=d["max_facility_mw"].where(d["site"] != "west-1", 15)))
    assert any("site=west-1" in r for r in failed(result)["site_power"])


def test_latency_caught(result: Path) -> None:
    """A 5 ms limit on batch: Beijing's batch in Gansu (10.9 ms) now breaks it."""
    edit(result / "instance", "workloads", lambda d: d.assign(max_rtt_ms=d["max_rtt_ms"].fillna(11).where(d["workload"] != "batch", 5)))
    bad = failed(result)
    assert any("region=110000, site=west-1, workload=batch" in r for r in bad["latency"])


def test_rtt_recomputed_independently(result: Path) -> None:
    """A wrong rtt_ms in serve.csv (as a bug in network.py would write) is caught."""
    edit(result, "serve", lambda d: d.assign(rtt_ms=d["rtt_ms"] * 0.9))
    assert "latency" in failed(result)


def test_trunk_capacity_caught(result: Path) -> None:
    """bj-gs carries 20 Gbps of Beijing batch; at 10 Gbps it is overloaded."""
    edit(result / "instance", "trunks", lambda d: d.assign(capacity_gbps=d["capacity_gbps"].where(d["trunk"] != "bj-gs", 10)))
    bad = failed(result)
    assert any("trunk=bj-gs" in r for r in bad["trunk_capacity"])


def test_trunk_routing_caught(result: Path) -> None:
    """A load written on the wrong trunk (not on the shortest path) is caught."""
    def move(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[d["trunk"] == "bj-gs", "load_gbps"] = 0
        d.loc[d["trunk"] == "bj-sh", "load_gbps"] = 20
        return d
    edit(result, "trunks", move)
    bad = failed(result)
    assert {"trunk=bj-gs, period=2025", "trunk=bj-sh, period=2025"} <= set(bad["trunk_routing"])


def test_policy_caught(result: Path) -> None:
    """Serving Beijing's whole batch at one site breaks max_site_share 0.5."""
    y = result / "instance" / "instance.yaml"
    y.write_text(y.read_text().replace("max_site_share: 1.0", "max_site_share: 0.5"))
    assert any("workload=batch" in r for r in failed(result)["max_site_share"])


def test_west_share_caught(result: Path) -> None:
    def east_build(d: pd.DataFrame) -> pd.DataFrame:
        m = (d["site"] == "bj-dc")
        d.loc[m, "built_pflops"] += 40
        d.loc[m, "installed_pflops"] += 40
        return d
    edit(result, "capacity", east_build)
    assert "west_share_new" in failed(result)


def test_cost_parts_caught(result: Path) -> None:
    edit_summary(result, lambda s: s["cost_parts_cny"].update(energy=s["cost_parts_cny"]["energy"] * (1 + 100 * RTOL)))
    bad = failed(result)
    assert "cost part energy" in bad["costs"] and "sum of parts" in bad["costs"]


def test_cost_recomputed_by_hand(solved: Path) -> None:
    """tiny with west share 0.5: the hand-worked optimum of 62.015 M CNY/yr (tests/test_tiny.py) is unchanged."""
    s = json.loads((solved / "summary.json").read_text())
    assert s["objective_cny"] == pytest.approx(62.015e6)


def test_unreadable_results(result: Path, tmp_path: Path) -> None:
    (result / "serve.csv").write_text("region,site\n1,2\n")
    r = CliRunner().invoke(main, ["check", str(result)])
    assert r.exit_code == 2 and "serve.csv" in r.output and "Traceback" not in r.output
    (result / "summary.json").write_text("{not json")
    r = CliRunner().invoke(main, ["check", str(result)])
    assert r.exit_code == 2 and "summary.json" in r.output


def test_haversine() -> None:
    """Beijing - Shanghai is about 1,067 km along the great circle."""
    assert haversine_km(116.40, 39.90, 121.47, 31.23) == pytest.approx(1067, rel=0.01)


def test_solve_runs_the_check(tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`edwc solve` refuses to report a plan its check rejects, and writes nothing."""
    import edwc.results.tables as results

    real = results.extract

    def wrong(inst, m, d):  # a plan extracted wrongly: one PFLOPS served twice over
        tables = real(inst, m, d)
        tables["serve"].loc[0, "pflops"] += 1
        return tables

    monkeypatch.setattr("edwc.workflow.run.extract", wrong)
    r = CliRunner().invoke(main, ["solve", str(tiny_copy), "--out", str(tmp_path / "out"), "--no-map"])
    assert r.exit_code == 1 and "failed its independent check" in r.output
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ROOT / "instances" / "tiny", tmp_path / "tiny"))
