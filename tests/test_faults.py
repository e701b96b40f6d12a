"""Faults: Ctrl-C, SIGTERM and the time limit during a solve, a crash while writing, and determinism.

An earlier result must survive every fault byte for byte, and no half-written folder may appear.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from edwc.analysis.check import check_result
from edwc.cli.main import main
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
VOLATILE = {"seconds", "created"}  # summary.json fields that may differ between two identical solves


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith((".tmp-", ".old-", ".edwc-tmp-", ".edwc-old-"))]


@pytest.fixture
def earlier(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An existing result (of tiny) at the path a new solve will write to, and its fingerprint."""
    out, _ = solve_instance(TINY, out=tmp_path / "results" / "plan", maps=False)
    return out, digest(out)


@pytest.fixture(scope="module")
def slow_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic city instance whose exact solve takes far longer than the tests wait."""
    from edwc.synthetic.cities import generate_city_instance

    return generate_city_instance(tmp_path_factory.mktemp("city") / "city", n_regions=340, n_sites=60, seed=2)


def _as_in_a_terminal() -> None:
    """Ctrl-C reaches a command run in a terminal with SIGINT at its default. A test run started in the
    background of a non-interactive shell inherits SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler: restore the default, as a terminal would have it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_solve(instance: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "edwc", "solve", str(instance), "--out", str(out), "--force",
                             "--no-map", "--mip-gap", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_as_in_a_terminal)


def wait_for_solver(p: subprocess.Popen[str], timeout: float = 120) -> str:
    """Read stderr until the model is built (the solve has begun)."""
    seen, t = "", time.monotonic()
    assert p.stderr is not None
    while time.monotonic() - t < timeout:
        line = p.stderr.readline()
        seen += line
        if line.startswith("model:") or not line:
            return seen
    raise AssertionError("the solve never started:\n" + seen)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_during_solve_keeps_earlier_result(sig: signal.Signals, slow_instance: Path,
                                                  earlier: tuple[Path, dict[str, str]]) -> None:
    out, before = earlier
    p = start_solve(slow_instance, out, "--time-limit", "300")
    wait_for_solver(p)
    time.sleep(1.5)
    t = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert time.monotonic() - t < 30, "the solver did not stop promptly"
    assert "interrupted" in err and "Traceback" not in err
    assert digest(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.slow
def test_time_limit_gives_a_whole_result_or_none(slow_instance: Path, earlier: tuple[Path, dict[str, str]]) -> None:
    """Stopped by its time limit, a solve writes its best plan whole (and checked), or nothing at all."""
    out, before = earlier
    p = start_solve(slow_instance, out, "--time-limit", "3")
    _, err = p.communicate(timeout=300)
    assert p.returncode in (0, 1), err
    assert "Traceback" not in err
    if p.returncode == 0:
        s = json.loads((out / "summary.json").read_text())
        assert s["status"] == "time_limit" and s["instance"].startswith("cities")
        assert check_result(out).ok
    else:
        assert digest(out) == before
    assert leftovers(out.parent) == []


def test_crash_while_writing_keeps_earlier_result(earlier: tuple[Path, dict[str, str]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An error half-way through writing (disk full, a bug): the old result stays, no temp folder is left."""
    import edwc.results.tables as results

    out, before = earlier
    real = results._write_csv
    calls = {"n": 0}

    def failing(df, path):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(df, path)

    monkeypatch.setattr(results, "_write_csv", failing)
    r = CliRunner().invoke(main, ["solve", str(TINY), "--out", str(out), "--force", "--no-map",
                                  "--set", "policy.carbon_price_cny_per_t=200"])
    assert r.exit_code != 0 and calls["n"] == 3
    assert digest(out) == before
    assert leftovers(out.parent) == []


def test_killed_while_writing_keeps_earlier_result(earlier: tuple[Path, dict[str, str]]) -> None:
    """SIGKILL (no handler can run) in the middle of writing: the earlier result is still whole."""
    out, before = earlier
    script = textwrap.dedent(f"""
        import os, signal
        import edwc.results.tables as results
        real, n = results._write_csv, [0]
        def dying(df, path):
            n[0] += 1
            if n[0] == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            real(df, path)
        results._write_csv = dying
        from edwc.workflow.run import solve_instance
        solve_instance({str(TINY)!r}, out={str(out)!r}, force=True, maps=False, sets={{"policy.carbon_price_cny_per_t": 200}})
    """)
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert digest(out) == before  # the temp folder it was filling may remain beside it, never in its place


def test_no_force_refuses_and_keeps(earlier: tuple[Path, dict[str, str]]) -> None:
    out, before = earlier
    r = CliRunner().invoke(main, ["solve", str(TINY), "--out", str(out), "--no-map"])
    assert r.exit_code == 2 and "--force" in r.output
    assert digest(out) == before


# ---- determinism -----------------------------------------------------------------------------------------------


def solve_in_process(instance: Path, out: Path, hashseed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    p = subprocess.run([sys.executable, "-m", "edwc", "solve", str(instance), "--out", str(out), "--no-map"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr


def same_result(a: Path, b: Path) -> None:
    da, db = digest(a), digest(b)
    assert da.keys() == db.keys()
    differ = sorted(k for k in da if da[k] != db[k] and k != "summary.json")
    assert not differ, f"files differ between two runs: {differ}"
    sa, sb = (json.loads((x / "summary.json").read_text()) for x in (a, b))
    for k in VOLATILE:
        sa.pop(k, None), sb.pop(k, None)
    assert sa == sb


@pytest.fixture(scope="module")
def medium_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from edwc.synthetic.cities import generate_city_instance

    return generate_city_instance(tmp_path_factory.mktemp("city") / "mid", n_regions=40, n_sites=10, seed=3)


@pytest.mark.parametrize("which", ["tiny", "city-40x10"])
def test_same_input_same_files_across_processes(which: str, tmp_path: Path, medium_instance: Path) -> None:
    """Two runs in separate processes (different hash seeds, so any set-order dependence shows) give the same
    plan and byte-identical files; summary.json differs only in its timings and creation time."""
    instance = TINY if which == "tiny" else medium_instance
    solve_in_process(instance, tmp_path / "a", "1")
    solve_in_process(instance, tmp_path / "b", "2")
    same_result(tmp_path / "a", tmp_path / "b")


def test_same_input_same_files_in_one_process(tmp_path: Path) -> None:
    for name in ("a", "b"):
        solve_instance(TINY, out=tmp_path / name, maps=False, scenario="double-batch")
    same_result(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
