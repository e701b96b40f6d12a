"""Regression tests for the findings of ../shared/audits/robustness-2.md (issue 21, item 5), each over its
class of cases (the value tried and its neighbours), named by the finding's tag."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from edwc.analysis.check import check_plan, read_plan
from edwc.cli.main import main
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
    """On the market basis, where traded green power can bring tiny's emissions to any cap down to 0 (on the
    location basis tiny has nothing zero-carbon to buy, so a cap below its grid emissions is infeasible)."""
    shutil.copytree(TINY, tmp_path / "tiny")
    out, result = solve_instance(tmp_path / "tiny", out=tmp_path / "r", maps=False,
                                 sets={"policy.carbon_cap_t": cap, "power.emissions_basis": "market"})
    emitted = float(result.tables["sites"]["emissions_market_t"].sum())
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


# ---- N-int-overflow, N-modelempty, N-periods-negative, N-bool-as-number: every number range-checked --------

def _numeric_columns() -> list[tuple[str, str]]:
    from edwc.input.schema import TABLES

    return [(t, c.name) for t, cols in TABLES.items() for c in cols if c.kind in ("float", "int")]


def test_every_number_has_a_physical_range() -> None:
    """Every numeric column and every numeric setting of instance.yaml has an upper bound as well as a lower one
    (scale factors excepted: what they make is range-checked as a table value)."""
    import typing

    import annotated_types as at

    from edwc.input.schema import TABLES, InstanceConfig

    assert not [(t, c.name) for t, cols in TABLES.items() for c in cols
                if c.kind in ("float", "int") and (c.max is None or c.min is None)]
    unbounded = []

    def walk(model, pre: str = "") -> None:
        for name, f in model.model_fields.items():
            args = typing.get_args(f.annotation) or (f.annotation,)
            for a in args:
                if isinstance(a, type) and hasattr(a, "model_fields") and name != "scenarios":
                    walk(a, f"{pre}{name}.")
            if any(a in (int, float) for a in args) and not any(isinstance(m, at.Le | at.Lt) for m in f.metadata):
                unbounded.append(pre + name)

    walk(InstanceConfig)
    assert unbounded == ["periods"], unbounded  # a list: each year is checked by its validator (tested below)


@pytest.mark.parametrize(("table", "column"), _numeric_columns())
@pytest.mark.parametrize("value", ["9223372036854775808", "1e19", "1e308", "-1e308", "1e400", "-1"])
def test_out_of_range_cells_are_one_located_message(table: str, column: str, value: str) -> None:
    from edwc.input.instance import _parse_column
    from edwc.input.schema import TABLES

    col = next(c for c in TABLES[table] if c.name == column)
    if value == "-1" and (col.min is None or col.min <= -1):
        return
    s = pd.Series(["1", value], dtype=str)
    _, bad = _parse_column(s, col)
    assert bool(bad.iloc[1]), f"{table}.{column} = {value} accepted"


@pytest.mark.parametrize("value", ["9223372036854775808", "1e19", "1e308"])
def test_huge_module_counts_end_in_exit_2(tmp_path: Path, value: str) -> None:
    inst = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    sc = pd.read_csv(inst / "site_classes.csv", dtype=str, keep_default_na=False)
    sc.loc[0, "max_modules"] = value
    sc.to_csv(inst / "site_classes.csv", index=False)
    r = CliRunner().invoke(main, ["validate", str(inst)])
    out = clean(r)
    assert "site_classes.csv, line 2, column 'max_modules'" in out and value in out


@pytest.mark.parametrize(("key", "value", "words"), [
    ("periods", "[-5, 2025]", "calendar years"), ("periods", "[0]", "calendar years"), ("periods", "[2025, 9999]", "calendar years"),
    ("policy.carbon_price_cny_per_t", "true", "got true"), ("finance.discount_rate", "false", "got false"),
    ("solver.threads", "true", "got true"), ("network.route_factor", "yes", "number"),
    ("policy.carbon_price_cny_per_t", "1:30", "number"), ("policy.carbon_price_cny_per_t", "1e308", "less than or equal"),
    ("finance.unmet_penalty_cny_per_pflops_year", "1e308", "less than or equal"),
    ("finance.hours_per_year", "1e308", "less than or equal"), ("solver.seed", "1e19", ""),
])
def test_settings_out_of_range_or_not_numbers_are_refused(key: str, value: str, words: str) -> None:
    r = CliRunner().invoke(main, ["validate", str(TINY), "--set", f"{key}={value}"])
    out = clean(r)
    assert f"--set {key}" in out and words in out


@pytest.mark.parametrize("value", ["1e3", "1.0e3", "1E3", "+1e3"])
def test_yaml_12_exponents_are_numbers(value: str) -> None:
    """N-yaml11-exponent: YAML 1.2 reads 1e3 as a number (1.1 needed 1e+3)."""
    from edwc.input.safe_yaml import load_yaml

    assert load_yaml(f"x: {value}") == {"x": 1000.0}
    assert load_yaml("x: 1:30") == {"x": "1:30"} and load_yaml("x: yes") == {"x": "yes"} and load_yaml("x: 017") == {"x": 17}


@pytest.mark.parametrize("spec", ["[1, 2]", "5", "null", "'text'", "[]"])
def test_a_scenario_that_is_not_a_mapping(tmp_path: Path, spec: str) -> None:
    inst = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    y = inst / "instance.yaml"
    y.write_text(y.read_text().replace("scenarios:\n", f"scenarios:\n  s: {spec}\n", 1))
    out = clean(CliRunner().invoke(main, ["validate", str(inst), "--scenario", "s"]))
    assert "scenario 's'" in out or "scenarios.s" in out


def test_ten_thousand_columns_are_refused_at_once(tmp_path: Path) -> None:
    import time

    inst = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    lines = (inst / "sites.csv").read_text().splitlines()
    wide = [lines[0] + "".join(f",x{j}" for j in range(10_000))] + [line + "," * 10_000 for line in lines[1:]]
    (inst / "sites.csv").write_text("\n".join(wide) + "\n")
    t = time.perf_counter()
    out = clean(CliRunner().invoke(main, ["validate", str(inst)]))
    assert time.perf_counter() - t < 10 and "sites.csv" in out and "columns" in out


@pytest.mark.parametrize("name", ["model.txt", "model", "model.LP", "model.lp.gz"])
def test_write_lp_needs_an_lp_file(tmp_path: Path, name: str) -> None:
    out = clean(CliRunner().invoke(main, ["solve", str(TINY), "--out", str(tmp_path / "r"), "--no-map",
                                          "--write-lp", str(tmp_path / name)]))
    assert "--write-lp" in out and ".lp" in out and not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", ["pareto", "alternatives", "price"])
@pytest.mark.parametrize("option", ["--time-limit", "--mip-gap", "--slack"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_decision_options_must_be_finite(tmp_path: Path, command: str, option: str, value: str) -> None:
    """N-options-nonfinite: refused before anything runs."""
    from click.testing import CliRunner as Runner

    args = [command, str(TINY if command == "pareto" else tmp_path), option, value]
    if command == "pareto":
        args += ["--out", str(tmp_path / "p")]
    r = Runner().invoke(main, args)
    if "no such option" in r.output.lower():
        return  # price has no --slack, pareto no --slack
    assert r.exit_code == 2 and option in r.output and "Traceback" not in r.output, r.output


# ---- N-oom-memorylimit: HiGHS's memory-limit status, wherever HiGHS runs, is the out-of-memory message -------

@pytest.mark.parametrize("network", ["lazy", "full"])
@pytest.mark.parametrize("nth", [1, 2, 3])
def test_memory_limit_in_any_highs_run_is_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      network: str, nth: int) -> None:
    """The nth HiGHS run of a solve (the solve, a lazy round, the polish, or the infeasibility explanation of a
    tiny made infeasible) ends in HiGHS's memory-limit status: exit 1, one line with the model's size, nothing
    written."""
    import edwc.solve.highs as highs

    real, calls = highs._read_run, [0]

    def read(h, log):
        calls[0] += 1
        r = real(h, log)
        return r if calls[0] != nth else highs.Run("memory_limit", "Memory limit reached", None, None, None, None, log)

    monkeypatch.setattr(highs, "_read_run", read)
    sets = ["--set", "policy.intelligent_share_min=0.9"] if nth > 1 else []
    r = CliRunner().invoke(main, ["solve", str(TINY), "--out", str(tmp_path / "r"), "--no-map", "--network", network, *sets])
    if calls[0] < nth:
        pytest.skip(f"only {calls[0]} HiGHS runs on this path")
    out = clean(r, 1)
    assert "out of memory" in out and not (tmp_path / "r").exists()


def test_memory_limit_while_pricing_is_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edwc.solve.highs as highs

    shutil.copytree(TINY, tmp_path / "tiny")
    solve_instance(tmp_path / "tiny", out=tmp_path / "r", maps=False)
    monkeypatch.setattr(highs, "_read_run", lambda h, log: highs.Run("memory_limit", "Memory limit reached",
                                                                     None, None, None, None, log))
    out = clean(CliRunner().invoke(main, ["price", str(tmp_path / "r"), "--no-resolve", "--no-map"]), 1)
    assert "out of memory" in out


# ---- N-fifo-hang, N-json-deep, N-price-damaged-tb, N-alt-damaged-tb: damaged result folders ----------------

@pytest.fixture(scope="module")
def solved_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("damaged")
    shutil.copytree(TINY, root / "tiny")
    out, _ = solve_instance(root / "tiny", out=root / "r", maps=False)
    return out


def _table(folder: Path, name: str, fn) -> None:
    df = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
    fn(df).to_csv(folder / f"{name}.csv", index=False)


def _summary(folder: Path, fn) -> None:
    import json

    s = json.loads((folder / "summary.json").read_text())
    (folder / "summary.json").write_text(json.dumps(fn(s)))


def _set(df: pd.DataFrame, col: str, value: str) -> pd.DataFrame:
    df.loc[0, col] = value
    return df


DAMAGES = {
    "deep-json": lambda f: (f / "summary.json").write_text("[" * 100_000 + "]" * 100_000),
    "summary-list": lambda f: (f / "summary.json").write_text("[1, 2]"),
    "summary-binary": lambda f: (f / "summary.json").write_bytes(bytes(range(256))),
    "truncated-summary": lambda f: (f / "summary.json").write_text((f / "summary.json").read_text()[:100]),
    "objective-text": lambda f: _summary(f, lambda s: {**s, "objective_cny": "lots"}),
    "objective-null": lambda f: _summary(f, lambda s: {**s, "objective_cny": None}),
    "truncated-serve": lambda f: (f / "serve.csv").write_text((f / "serve.csv").read_text()[:150]),
    "header-only-serve": lambda f: (f / "serve.csv").write_text((f / "serve.csv").read_text().splitlines()[0] + "\n"),
    "text-pflops": lambda f: _table(f, "serve", lambda d: _set(d, "pflops", "many")),
    "unknown-site": lambda f: _table(f, "serve", lambda d: _set(d, "site", "nowhere")),
    "period-text": lambda f: _table(f, "serve", lambda d: _set(d, "period", "soon")),
    "open-yes": lambda f: _table(f, "sites", lambda d: _set(d, "open", "yes")),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("command", ["price", "alternatives"])
def test_decisions_refuse_a_damaged_result_in_one_line(solved_tiny: Path, tmp_path: Path, command: str, damage: str) -> None:
    folder = Path(shutil.copytree(solved_tiny, tmp_path / "r"))
    DAMAGES[damage](folder)
    args = [command, str(folder), "--no-map"] + (["--no-resolve"] if command == "price" else ["--n", "1"])
    out = clean(CliRunner().invoke(main, args))
    assert len(out.strip().splitlines()) == 1, out


@pytest.mark.parametrize("damage", ["deep-json", "summary-list", "summary-binary", "truncated-summary"])
@pytest.mark.parametrize("command", ["check", "report", "map", "compare"])
def test_readers_refuse_a_damaged_summary(solved_tiny: Path, tmp_path: Path, command: str, damage: str) -> None:
    folder = Path(shutil.copytree(solved_tiny, tmp_path / "r"))
    DAMAGES[damage](folder)
    args = [command, str(folder)] + ([str(solved_tiny), "--out", str(tmp_path / "c")] if command == "compare" else [])
    clean(CliRunner().invoke(main, args))


@pytest.mark.parametrize("command", ["check", "report", "map", "compare", "price", "alternatives"])
@pytest.mark.parametrize("name", ["serve.csv", "summary.json", "kpis.csv", "instance/sites.csv"])
def test_a_fifo_in_a_result_never_hangs(solved_tiny: Path, tmp_path: Path, command: str, name: str) -> None:
    import os
    import subprocess
    import sys

    folder = Path(shutil.copytree(solved_tiny, tmp_path / "r"))
    (folder / name).unlink()
    os.mkfifo(folder / name)
    args = [command, str(folder)] + ([str(solved_tiny), "--out", str(tmp_path / "c")] if command == "compare" else [])
    r = subprocess.run([sys.executable, "-m", "edwc", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


# ---- N-draws-*: the draws file is read as hardened YAML and every parameter is checked ---------------------

@pytest.mark.parametrize(("text", "words"), [
    ("draws:\n  - set: finance.load_factor\n    uniform: [0, .inf]\n", "uniform"),
    ("draws:\n  - set: finance.load_factor\n    uniform: [-1e308, 1e308]\n", "uniform"),
    ("draws:\n  - set: finance.load_factor\n    normal: {mean: .inf, sd: 1}\n", "normal"),
    ("draws:\n  - set: finance.load_factor\n    normal: {mean: 1, sd: 1, low: .nan}\n", "normal"),
    ("draws:\n  - set: finance.load_factor\n    normal: {mean: 1, sd: 1, low: 2, high: 1}\n", "low <= high"),
    ("draws:\n  - set: finance.load_factor\n    choice: [.nan]\n", "choice"),
    ("draws:\n  - set: finance.load_factor\n    lognormal: {median: 1e300, sigma: 1}\n", "lognormal"),
    ("draws:\n  - scale: {table: demand, column: pflops}\n    uniform: [0.9, 1.1]\n", "where"),
    ("draws:\n  - scale: {table: demand, column: pflops, where: [1]}\n    uniform: [0.9, 1.1]\n", "where"),
    ("draws:\n  - scale: {table: demand, column: pflops, where: {}}\n    uniform: [0.9, 1.1]\n", "where"),
    ("draws: " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
    ("seed: 1\nseed: 2\ndraws:\n  - set: finance.load_factor\n    uniform: [0.6, 0.8]\n", "twice"),
])
def test_a_bad_draws_file_is_one_located_message(tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "draws.yaml"
    f.write_text(text)
    out = clean(CliRunner().invoke(main, ["sweep", str(TINY), "--draws", str(f), "--n", "2", "--dry-run",
                                          "--out", str(tmp_path / "s")]))
    assert str(f) in out and words in out, out
    assert "draw-0" not in out  # named by the draws entry, not by a generated scenario


@pytest.mark.parametrize("n", ["10001", "100000", "1000000"])
def test_draws_n_is_bounded(tmp_path: Path, n: str) -> None:
    f = tmp_path / "draws.yaml"
    f.write_text("draws:\n  - set: finance.load_factor\n    uniform: [0.6, 0.8]\n")
    out = clean(CliRunner().invoke(main, ["sweep", str(TINY), "--draws", str(f), "--n", n, "--dry-run",
                                          "--out", str(tmp_path / "s")]))
    assert "--n" in out


# ---- N-sweep-abort, N-explore-objective -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["sweep", "validate", "price", "check"])
def test_ctrl_c_anywhere_in_a_command_is_exit_130(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """Even outside the command's own error handler (its start-up): no "Aborted!", exit 130."""
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(main.commands[command], "callback", interrupted)
    r = CliRunner().invoke(main, [command, str(TINY)])
    assert r.exit_code == 130 and "Aborted" not in r.output and "interrupted" in r.output, r.output


@pytest.mark.parametrize("objective", ["min:built_mw:site=nowhere", "max:built_mw:hub=nohub", "min:built_mw:site=",
                                       "max:built_mw:hub=west-1"])
def test_validate_refuses_an_explore_target_solve_would(objective: str) -> None:
    out = clean(CliRunner().invoke(main, ["validate", str(TINY), "--set", f"explore.objective={objective}"]))
    assert "explore.objective" in out


def test_an_interrupt_in_a_finaliser_is_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """N-sigterm-swallowed: SIGTERM landing in a weakref callback or __del__ (Python prints "Exception ignored" and
    goes on) still ends the command with exit 130 and its message, without that traceback."""
    import gc
    import sys

    import edwc.cli.common as common

    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    monkeypatch.setattr(common, "SWALLOWED_INTERRUPT", [])

    class Finaliser:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    def work() -> str:
        common.sigterm_as_interrupt()
        Finaliser()
        gc.collect()
        return "finished"

    import signal

    before = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as e:
            common.handle_errors(work)()
    finally:
        signal.signal(signal.SIGTERM, before)
    assert e.value.code == 130


# ---- N-diskfull-tmp-litter: a file written atomically leaves nothing behind on any error -------------------

@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt(), MemoryError()])
def test_an_atomic_file_leaves_nothing_behind(tmp_path: Path, error: BaseException) -> None:
    from edwc.results.atomic_file import write_file_atomically

    (tmp_path / "index.csv").write_text("old\n")

    def write(tmp: Path) -> None:
        tmp.write_text("half")
        raise error

    with pytest.raises(type(error)):
        write_file_atomically(tmp_path / "index.csv", write)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.csv"]
    assert (tmp_path / "index.csv").read_text() == "old\n"


@pytest.mark.parametrize("writer", ["price.write_csv", "sweep.write_index"])
def test_price_and_sweep_files_leave_nothing_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             writer: str) -> None:
    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    monkeypatch.setattr(Path, "write_text", full)
    df = pd.DataFrame({"case": ["a"], "x": [1.0]})
    with pytest.raises(OSError):
        if writer == "price.write_csv":
            from edwc.workflow.price import write_csv

            write_csv(df, tmp_path / "marginal_sites.csv")
        else:
            from edwc.workflow.sweep.index import write_index

            write_index(df, tmp_path, "t")
    assert list(tmp_path.iterdir()) == []


def test_workbook_on_a_full_disk_is_one_error(solved_tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """N-diskfull-report-tb: the disk fills while plan.xlsx is written: one OSError, no "Exception ignored" from
    a half-open zip file, no temporary file left."""
    import gc
    import sys

    from edwc.analysis.workbook import write_workbook

    folder = Path(shutil.copytree(solved_tiny, tmp_path / "r"))
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if ".xlsx" in self.name:
            raise OSError(28, "No space left on device")
        return real(self, data)

    ignored: list[object] = []
    monkeypatch.setattr(Path, "write_bytes", full)
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    with pytest.raises(OSError):
        write_workbook(folder, "en")
    gc.collect()
    assert not ignored
    assert not [p for p in folder.iterdir() if "xlsx" in p.name or p.name.startswith(".tmp")]
