"""No command throws away a planner's work (issue 21, item 3), through real processes and files.

- solve --force (the README's first command) twice, with analyses written into the result in
  between: the earlier result is kept, whole, in results/<name>.kept/<when>/; a plain rerun of the
  same inputs with nothing added replaces it;
- an edited copy of an instance (which keeps the original's `name:`) writes results/<its folder>;
- a folder that appears at --out while edwc writes (N-toctou-write) or a second solve racing to the
  same new --out (N-concurrent-replace) is refused at the swap, never swapped out and deleted;
- a second sweep into one folder lists every case in index.csv and redraws every KPI chart; an
  interrupted sweep leaves no scratch folder and its index still lists the cases already there
  (N-sweep-leftovers); a pareto rerun with other arguments keeps the earlier front aside.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from edwc.results.folders import MARKER, FolderRefused, write_atomically

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
SCRATCH = (".edwc-tmp-", ".edwc-old-")


def edwc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([sys.executable, "-m", "edwc", *args], capture_output=True, text=True, cwd=cwd,
                       timeout=600, env=env)
    assert "Traceback" not in p.stderr, p.stderr
    return p


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(SCRATCH)]


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """A working folder with instances/tiny, as a planner's clone has."""
    shutil.copytree(TINY, tmp_path / "instances" / "tiny")
    return tmp_path


def test_solve_force_twice_keeps_analyses_with_their_plan(area: Path) -> None:
    solve = ["solve", "instances/tiny", "--force", "--no-map"]
    assert edwc(*solve, cwd=area).returncode == 0
    r = area / "results" / "tiny"
    assert edwc("report", str(r), "--lang", "en", cwd=area).returncode == 0  # report.en.html, plan.en.xlsx
    assert edwc("price", str(r), "--no-resolve", cwd=area).returncode == 0   # tables into r, summary.json edited
    (r / "notes.md").write_text("my reading of this plan")
    before = digest(r)
    assert {"report.en.html", "plan.en.xlsx", "notes.md", "marginal_compute.csv"} <= set(before)

    p = edwc(*solve, cwd=area)
    assert p.returncode == 0, p.stderr
    kept = sorted((area / "results" / "tiny.kept").iterdir())
    assert len(kept) == 1 and digest(kept[0]) == before  # the earlier result, whole, analyses with it
    assert f"kept the earlier edwc result of results/tiny, whole, in {kept[0].relative_to(area)}" in p.stderr
    assert "files were added to it or changed after it was written" in p.stderr and "written to results/tiny" in p.stdout
    assert not (r / "notes.md").exists() and (r / "summary.json").is_file()

    p = edwc(*solve, cwd=area)  # the same inputs again, nothing added: replaced, nothing more kept
    assert p.returncode == 0 and "replaced the earlier edwc result at results/tiny (same inputs" in p.stderr
    assert len(list((area / "results" / "tiny.kept").iterdir())) == 1
    assert leftovers(area / "results") == []


def test_edited_copy_never_takes_the_originals_folder(area: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert edwc("solve", "instances/tiny", "--no-map", cwd=area).returncode == 0
    original = digest(area / "results" / "tiny")
    copy = area / "instances" / "my-tiny"  # keeps `name: tiny` in instance.yaml
    shutil.copytree(area / "instances" / "tiny", copy)
    demand = copy / "demand.csv"
    demand.write_text(demand.read_text().replace(",10\n", ",11\n", 1))
    p = edwc("solve", "instances/my-tiny", "--no-map", cwd=area)
    assert p.returncode == 0, p.stderr
    assert "written to results/my-tiny" in p.stdout and digest(area / "results" / "tiny") == original
    p = edwc("solve", "results/tiny/instance", "--no-map", cwd=area)  # a result's own resolved instance
    assert p.returncode == 0 and "written to results/tiny-rerun" in p.stdout, p.stderr

    # a copy elsewhere with the same folder name: refused without --force, and with it the original is kept
    elsewhere = tmp_path_factory.mktemp("other") / "tiny"
    shutil.copytree(copy, elsewhere)
    p = edwc("solve", str(elsewhere), "--no-map", cwd=area)
    assert p.returncode == 2 and "add --force" in p.stderr and "tiny.kept/" in p.stderr
    p = edwc("solve", str(elsewhere), "--no-map", "--force", cwd=area)
    assert p.returncode == 0 and "it was made from other inputs" in p.stderr
    (kept,) = (area / "results" / "tiny.kept").iterdir()
    assert digest(kept) == original


@pytest.mark.parametrize("what", ["users", "other-kind", "result"])
def test_a_folder_appearing_during_the_write_is_refused_at_the_swap(what: str, tmp_path: Path) -> None:
    """N-toctou-write, made certain: the folder appears inside the write itself."""
    out = tmp_path / "r"

    def fill(tmp: Path) -> None:
        (tmp / "new.txt").write_text("new")
        out.mkdir()
        (out / "notes.txt").write_text("mine")
        if what != "users":
            (out / MARKER).write_text(json.dumps({"written_by": "edwc", "kind": "sweep" if what == "other-kind" else "result"}))

    before = None
    for force in (False, True):
        with pytest.raises(FolderRefused):
            write_atomically(out, fill if before is None else (lambda t: (t / "new.txt").write_text("new")), force=force)
        before = before or digest(out)
        assert digest(out) == before and leftovers(tmp_path) == []
        if what == "result":
            break  # with --force an edwc result of this kind may be replaced: asked for


def test_toctou_and_racing_solves_through_real_processes(tmp_path: Path) -> None:
    """N-toctou-write: a user's folder made at --out once edwc has begun writing (its temporary
    folder exists) is left as it is (exit 2); N-concurrent-replace: of two solves racing to one new
    --out, one writes it and the other is refused."""
    out = tmp_path / "r"
    p = subprocess.Popen([sys.executable, "-m", "edwc", "solve", str(TINY), "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not any(n.startswith(".edwc-tmp-") for n in os.listdir(tmp_path)) and p.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    out.mkdir()
    (out / "plan.txt").write_text("my own plan")
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2 and "not an edwc result" in err and "Traceback" not in err, err
    assert digest(out) == {"plan.txt": hashlib.sha256(b"my own plan").hexdigest()}
    assert leftovers(tmp_path) == []

    race = tmp_path / "race"
    cmd = [sys.executable, "-m", "edwc", "solve", str(TINY), "--out", str(race), "--no-map"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(q.wait(timeout=300), q.stderr.read() if q.stderr else "") for q in procs]
    assert sorted(code for code, _ in results) == [0, 2], results
    assert any("holds an earlier edwc result" in e for c, e in results if c == 2)
    assert (race / "summary.json").is_file() and leftovers(tmp_path) == []


def _index(out: Path) -> list[str]:
    return pd.read_csv(out / "index.csv", dtype={"case": str})["case"].tolist()


def test_second_sweep_into_one_folder_lists_every_case_and_redraws_every_chart(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    base = ["sweep", str(TINY), "--out", str(out), "--workers", "2"]
    assert edwc(*base, "--vary", "policy.carbon_price_cny_per_t=0,200", cwd=tmp_path).returncode == 0
    first = set(_index(out))
    t = time.time()
    p = edwc(*base, "--vary", "finance.load_factor=0.5", "--lang", "en", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert set(_index(out)) == first | {"load_factor=0.5"} and len(first) == 2
    assert "also list 2 case(s) of earlier sweeps" in p.stdout
    for chart in ("kpis.png", "kpis.en.png"):  # both drawn from the index.csv of now
        assert (out / chart).stat().st_mtime >= max(t, (out / "index.csv").stat().st_mtime - 1)
    assert leftovers(out) == []


def test_interrupted_sweep_leaves_no_scratch_and_keeps_its_index(tmp_path: Path) -> None:
    out, tmp = tmp_path / "sw", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    args = ["sweep", str(TINY), "--out", str(out), "--workers", "2", "--vary", "policy.carbon_price_cny_per_t=0,200"]
    assert edwc(*args, cwd=tmp_path, env=env).returncode == 0
    cases = _index(out)
    for delay in (0.0, 2.0):  # as the workers start, and while they solve
        p = subprocess.Popen([sys.executable, "-m", "edwc", *args, "--force"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not os.listdir(tmp) and p.poll() is None:  # the sweep's scratch folder: workers are starting
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        assert p.returncode in (0, 130), err
        assert os.listdir(tmp) == [] and leftovers(out) == []
        assert _index(out) == cases  # the cases already there are still listed


def test_pareto_rerun_with_other_arguments_keeps_the_earlier_front(tmp_path: Path) -> None:
    """The earlier run is an edwc folder of other arguments (its run.json, as start_run writes it,
    with one file of its own); `edwc pareto` in a real process moves it, whole, to front.kept/."""
    from edwc.workflow.sweep import Case, keep_earlier_run, start_run

    out = tmp_path / "front"
    earlier = {"command": "pareto", "against": "latency", "points": 5}
    start_run(TINY, [Case("base", None, {})], out, None, earlier, "pareto front")
    (out / "points.csv").write_text("point\nbase\n")
    assert keep_earlier_run(out, earlier, "pareto front") is None  # the same run again: resumed in place
    before = digest(out)
    p = edwc("pareto", str(TINY), "--against", "latency", "--points", "2", "--out", str(out), "--workers", "2",
             cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    (kept,) = (tmp_path / "front.kept").iterdir()
    assert digest(kept) == before and f"kept the earlier pareto front (other arguments or inputs), whole, in {kept}" in p.stderr
    assert len(pd.read_csv(out / "points.csv")) == 2 and json.loads((out / "run.json").read_text())["points"] == 2


def test_compare_into_one_folder_keeps_an_earlier_comparison_of_other_results(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in ("a", "b", "c"))
    assert edwc("solve", str(TINY), "--out", str(a), "--no-map", cwd=tmp_path).returncode == 0
    assert edwc("solve", str(TINY), "--scenario", "double-batch", "--out", str(b), "--no-map", cwd=tmp_path).returncode == 0
    assert edwc("solve", str(TINY), "--scenario", "carbon-price", "--out", str(c), "--no-map", cwd=tmp_path).returncode == 0
    out = tmp_path / "cmp"
    assert edwc("compare", str(a), str(b), "--out", str(out), "-q", cwd=tmp_path).returncode == 0
    before = digest(out)
    assert edwc("compare", str(a), str(b), "--out", str(out), "-q", cwd=tmp_path).returncode == 0  # the same again
    assert not (tmp_path / "cmp.kept").exists()
    p = edwc("compare", str(a), str(c), "--out", str(out), "-q", cwd=tmp_path)  # other results
    assert p.returncode == 0, p.stderr
    (kept,) = (tmp_path / "cmp.kept").iterdir()
    assert digest(kept) == before and leftovers(tmp_path) == []
    assert "kept the earlier edwc comparison" in p.stderr and "csv differs" in p.stderr
