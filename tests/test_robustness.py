"""Regression tests for the findings of ../shared/audits/robustness-2.md (issue 21, item 5), each over its
class of cases (the value tried and its neighbours), named by the finding's tag."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

from edwc.analysis.check import check_plan, read_plan
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def clean(r, code: int = 2) -> str:
    """A run that ended with `code` and one clear message: no traceback."""
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output and "Exception ignored" not in r.output, r.output
    return r.output


# ---- N-carbon-cap: a binding cap passes the self-check; a plan over it does not ---------------------------

@pytest.mark.parametrize("cap", [0.0, 1e-9, 1e-3, 1.0, 5000.0])
def test_binding_carbon_cap_passes_its_own_check(tmp_path: Path, cap: float) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    out, result = solve_instance(tmp_path / "tiny", out=tmp_path / "r", maps=False, sets={"policy.carbon_cap_t": cap})
    emitted = float(result.tables["sites"]["emissions_t"].sum())
    assert emitted <= cap + 1e-3 * max(1.0, cap) + 0.05  # HiGHS's feasibility tolerance on ~3e4 t gross
    plan = read_plan(out)
    over = copy.deepcopy(plan)  # the same plan against a cap 1 t below what it emits fails
    over.cfg.policy.carbon_cap_t = max(0.0, emitted - 1.0)
    if emitted >= 1.0:
        assert "carbon_cap" in check_plan(over, out).by_family()


# ---- N-sweep-maps, N-sweep-allfail-tb: maps in sweep workers, local and Dask; every case failing -----------

def _sweep_maps(tmp_path: Path, **kw) -> None:
    from edwc.workflow.sweep import build_cases, parse_vary, sweep_instance
    from edwc.workflow.sweep.runners import SolveOptions

    cases = build_cases(parse_vary(["policy.carbon_price_cny_per_t=0,100"]), [None])
    rep = sweep_instance(TINY, cases, out=tmp_path / "s", options=SolveOptions(maps=True), **kw)
    assert rep.counts()["failed"] == 0, rep.index.to_string()
    for c in cases:
        assert (tmp_path / "s" / c.name / "map.png").is_file()
        assert (tmp_path / "s" / c.name / "report.html").is_file()


def test_sweep_maps_on_local_workers(tmp_path: Path) -> None:
    _sweep_maps(tmp_path, workers=2)


def test_sweep_maps_on_dask(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        _sweep_maps(tmp_path, scheduler=cluster.scheduler_address)


def test_no_fork_from_a_daemonic_process_or_a_worker_thread() -> None:
    import multiprocessing
    import threading

    from edwc.analysis.outputs import can_fork_a_child

    seen: list[bool] = []
    t = threading.Thread(target=lambda: seen.append(can_fork_a_child()))
    t.start()
    t.join()
    assert seen == [False]
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_report_fork, args=(q,), daemon=True)
    p.start()
    assert q.get(timeout=60) is False
    p.join()


def _report_fork(q) -> None:
    from edwc.analysis.outputs import can_fork_a_child

    q.put(can_fork_a_child())


def test_kpi_chart_when_every_case_failed() -> None:
    from edwc.workflow.sweep.chart import kpi_frame

    for index in (pd.DataFrame({"case": ["a", "b"], "outcome": ["failed", "failed"]}),
                  pd.DataFrame({"case": ["a"], "outcome": ["failed"], "demand_pflops": [None]})):
        k = kpi_frame(index)
        assert not k["ok"].any() and k["unmet_share"].isna().all()


# ---- N-esc-echo: control characters from input files never reach the terminal -----------------------------

CONTROLS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]


def test_every_control_character_is_shown_escaped() -> None:
    from edwc.cli.terminal import neutralise

    for c in CONTROLS:
        out = neutralise(f"a{c}b\x1b]0;title\x07\x1b[31m")
        assert not any(ch in out for ch in CONTROLS), repr(out)
    assert neutralise("line\tone\r\nline two\x1b[K") == "line\tone\r\nline two\x1b[K"  # edwc's own, kept
    assert neutralise("北京 West-1") == "北京 West-1"


HOSTILE = "\x1b]0;PWNED\x07\x1b[31mred\x9b2J"


@pytest.mark.parametrize("where", ["cell", "scenario", "set", "site_name"])
def test_terminal_never_gets_escape_sequences_from_input(tmp_path: Path, where: str) -> None:
    """Through the real `edwc` process (its streams are the ones that filter)."""
    import subprocess
    import sys

    inst = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    args = ["validate", str(inst)]
    sites = pd.read_csv(inst / "sites.csv", dtype=str, keep_default_na=False)
    if where == "cell":
        sites.loc[0, "pue"] = HOSTILE
    elif where == "site_name":
        sites.loc[0, "name_en"] = HOSTILE
        args = ["solve", str(inst), "--out", str(tmp_path / "r"), "--no-map", "--no-check"]
    sites.to_csv(inst / "sites.csv", index=False)
    args += {"scenario": ["--scenario", HOSTILE], "set": ["--set", f"policy.{HOSTILE}=1"]}.get(where, [])
    r = subprocess.run([sys.executable, "-m", "edwc", *args], capture_output=True, timeout=300)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, out
    assert r.returncode == (0 if where == "site_name" else 2), out
    assert "Traceback" not in out
