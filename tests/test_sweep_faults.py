"""Sweep faults with real processes and signals (issue 13, item 5): the parent killed or stopped
leaves no worker behind, a killed worker fails only its own case, a bad --scheduler fails quickly
with one line, an invalid instance is refused before any case runs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def children(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (from /proc)."""
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.add(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def sweep(*args: str, **kw) -> subprocess.Popen[str]:  # noqa: ANN003
    return subprocess.Popen([sys.executable, "-m", "edwc", "sweep", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def wait_for_workers(p: subprocess.Popen[str], n: int, timeout: float = 120) -> set[int]:
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        kids = {c for c in children(p.pid) if "spawn_main" in _cmdline(c)}  # not the resource tracker
        if len(kids) >= n:
            return kids
        assert p.poll() is None, p.communicate()
        time.sleep(0.2)
    raise AssertionError("workers never started")


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture(scope="module")
def slow_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic instance whose exact solve takes far longer than these tests wait."""
    from edwc.synthetic.cities import generate_city_instance

    return generate_city_instance(tmp_path_factory.mktemp("city") / "city", n_regions=340, n_sites=60, seed=2)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "cold"), [(signal.SIGKILL, True), (signal.SIGTERM, True), (signal.SIGTERM, False)],
                         ids=["sigkill", "sigterm", "sigterm-warm"])
def test_parent_killed_leaves_no_worker(sig: signal.Signals, cold: bool, slow_instance: Path, tmp_path: Path) -> None:
    # cold, both cases run at once, so the parent dies with two workers to take down; a warm sweep solves its
    # lead case alone first (edwc.workflow.sweep.runners.run_warm): one worker
    p = sweep(str(slow_instance), "--vary", "policy.carbon_price_cny_per_t=0,100", "--workers", "2",
              *(["--cold"] if cold else []),
              "--mip-gap", "0", "--time-limit", "600", "--no-check", "--out", str(tmp_path / "s"))
    workers = wait_for_workers(p, 2 if cold else 1)
    time.sleep(3)  # the workers are solving
    t = time.monotonic()
    p.send_signal(sig)
    # the caller's pipes close: no orphan holds them open
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - t < 30
    if sig == signal.SIGTERM:
        assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 15
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if alive(w)], "workers outlived the sweep"


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_case(tmp_path: Path) -> None:
    out = tmp_path / "s"
    p = sweep(str(TINY), "--vary", "policy.carbon_price_cny_per_t=0,100,200", "--workers", "1", "--out", str(out))
    [first] = wait_for_workers(p, 1)
    os.kill(first, signal.SIGKILL)  # as the out-of-memory killer would
    _, err = p.communicate(timeout=300)
    assert p.returncode == 1, err  # one case failed
    index = pd.read_csv(out / "index.csv").set_index("case")
    failed = index[index["outcome"] == "failed"]
    assert len(failed) == 1 and "SIGKILL" in failed["message"].iloc[0]
    assert (index["outcome"] == "solved").sum() == 2


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never says anything."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield srv.getsockname()[1]
    srv.close()


@pytest.fixture
def banner_port() -> Iterator[int]:
    """A local port that greets every connection with a text banner (as SSH or SMTP do)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    srv.close()


def run_sweep(tmp: Path, scheduler: str, timeout: float = 90) -> tuple[int, str, float]:
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "edwc", "sweep", str(TINY), "--vary", "policy.carbon_price_cny_per_t=0,1",
                        "--out", str(tmp / "s"), "--scheduler", scheduler], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stderr, time.monotonic() - t


@pytest.mark.parametrize("address", ["", "   ", "tcp://", "tcp://host:port", "a:b:c", "http://x:1", "tcp://h:99999"])
def test_malformed_scheduler_is_exit_2(address: str, tmp_path: Path) -> None:
    code, err, _ = run_sweep(tmp_path, address)
    assert code == 2 and "--scheduler" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "s").exists()


@pytest.mark.slow
def test_scheduler_that_never_answers_fails_within_the_timeout(silent_port: int, tmp_path: Path) -> None:
    from edwc.workflow.sweep.runners import SCHEDULER_TIMEOUT_S

    code, err, seconds = run_sweep(tmp_path, f"tcp://127.0.0.1:{silent_port}")
    assert code == 1 and "no Dask scheduler answered" in err and len(err.strip().splitlines()) == 1, err
    assert seconds < SCHEDULER_TIMEOUT_S + 15 and not (tmp_path / "s").exists()


def test_scheduler_port_with_a_banner_is_refused(banner_port: int, tmp_path: Path) -> None:
    code, err, seconds = run_sweep(tmp_path, f"tcp://127.0.0.1:{banner_port}")
    assert code == 1 and "not as a Dask scheduler" in err and "MemoryError" not in err, err
    assert seconds < 30


def test_closed_scheduler_port_is_one_line(tmp_path: Path) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code, err, seconds = run_sweep(tmp_path, f"127.0.0.1:{port}")
    assert code == 1 and "cannot reach the Dask scheduler" in err and len(err.strip().splitlines()) == 1, err


def test_invalid_instance_is_refused_before_any_case(tmp_path: Path) -> None:
    bad = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    s = bad / "sites.csv"
    s.write_text(s.read_text().replace(",1.6,1.0,", ",-1.6,1.0,"))
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "edwc", "sweep", str(bad), "--vary", "policy.carbon_price_cny_per_t=0,1,2,3",
                        "--out", str(tmp_path / "s")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "sites.csv" in p.stderr and "pue" in p.stderr, p.stderr
    assert not (tmp_path / "s").exists() and time.monotonic() - t < 60
