"""No path that loses a user's data (issue 13, items 2, 3 and the umask of 6), through real processes,
signals and file-system permissions.

Permissions: the tests run as root on CI, and root ignores permission bits, so a read-only parent
is a real read-only mount: a bind mount of the folder remounted read-only inside a private mount
namespace (`unshare -m`), which vanishes with the process. Where that is not possible (not root, no
unshare) the folder is made read-only with chmod instead, which binds a non-root user. An
unreadable input file is read by an unprivileged user (`setpriv` to nobody), skipped where that
user cannot run this Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from edwc.results.folders import MARKER

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TEMP_PREFIXES = (".edwc-tmp-", ".edwc-old-", ".tmp-", ".old-")


def edwc(*args: str, cwd: Path | None = None, timeout: float = 300, umask: int | None = None,
         wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [*(wrap or []), sys.executable, "-m", "edwc", *args]
    pre = (lambda: os.umask(umask)) if umask is not None else None  # noqa: E731
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, preexec_fn=pre)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(TEMP_PREFIXES)]


def one_line_error(p: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    lines = p.stderr.strip().splitlines()
    if lines and lines[0].startswith("Usage:"):  # click's usage error: its own one 'Error:' line
        assert lines[-1].startswith("Error: ") and len(lines) == 4, p.stderr
        return lines[-1]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    assert len(errors) == 1 and lines[-1] == errors[0] and errors[0].startswith("error: "), p.stderr
    return lines[-1]


@pytest.fixture
def users_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder of a user's own files (not written by edwc)."""
    mine = tmp_path / "area" / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me")
    (mine / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return mine, digest(mine)


# ---- --force replaces only what edwc wrote ---------------------------------------------------------


def test_force_never_replaces_a_users_folder(users_folder: tuple[Path, dict[str, str]]) -> None:
    mine, before = users_folder
    for extra in ([], ["--force"]):
        msg = one_line_error(edwc("solve", str(TINY), "--out", str(mine), "--no-map", *extra))
        assert "not an edwc result" in msg and "--force" not in msg
        assert digest(mine) == before
        assert leftovers(mine.parent) == []


def test_out_dot_with_force_is_refused_and_leaves_nothing(users_folder: tuple[Path, dict[str, str]]) -> None:
    mine, before = users_folder
    for _ in range(2):
        msg = one_line_error(edwc("solve", str(TINY), "--out", ".", "--force", "--no-map", cwd=mine))
        assert "--force" not in msg
    assert digest(mine) == before and leftovers(mine) == [] and leftovers(mine.parent) == []


def test_out_that_is_a_file_or_another_kind_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("mine")
    assert "is a file" in one_line_error(edwc("solve", str(TINY), "--out", str(f), "--force", "--no-map"))
    assert f.read_text() == "mine"
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / MARKER).write_text(json.dumps({"written_by": "edwc", "kind": "sweep"}))
    (sweep / "index.csv").write_text("case\n")
    msg = one_line_error(edwc("solve", str(TINY), "--out", str(sweep), "--force", "--no-map"))
    assert "is an edwc sweep" in msg and (sweep / "index.csv").read_text() == "case\n"


def test_force_replaces_an_edwc_result_and_an_empty_folder_is_filled(tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    assert edwc("solve", str(TINY), "--out", str(out), "--no-map").returncode == 0  # empty: filled
    first = json.loads((out / "summary.json").read_text())["objective_cny"]
    msg = one_line_error(edwc("solve", str(TINY), "--out", str(out), "--no-map", "--scenario", "double-batch"))
    assert "--force" in msg  # an edwc result: --force is the way to replace it
    p = edwc("solve", str(TINY), "--out", str(out), "--no-map", "--scenario", "double-batch", "--force")
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "summary.json").read_text())["objective_cny"] != first
    assert leftovers(tmp_path) == []


def test_compare_and_instance_map_never_write_into_a_users_folder(users_folder: tuple[Path, dict[str, str]],
                                                                  tmp_path: Path) -> None:
    mine, before = users_folder
    r = tmp_path / "r"
    assert edwc("solve", str(TINY), "--out", str(r), "--no-map").returncode == 0
    msg = one_line_error(edwc("compare", str(r), str(r), "--out", str(mine)))
    assert "not an edwc comparison" in msg
    msg = one_line_error(edwc("map", str(TINY), "--out", str(mine), "--format", "png"))
    assert "not an edwc instance map" in msg
    assert digest(mine) == before and leftovers(mine.parent) == []


# ---- sweep writers -----------------------------------------------------------------------------------


def test_sweep_never_overwrites_foreign_index_or_case_folders(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    out.mkdir()
    (out / "index.csv").write_text("my own index\n")
    args = ["sweep", str(TINY), "--vary", "policy.carbon_price_cny_per_t=0,200", "--workers", "1", "--out", str(out)]
    msg = one_line_error(edwc(*args))
    assert "not an edwc sweep" in msg and (out / "index.csv").read_text() == "my own index\n"

    out2 = tmp_path / "sw2"
    assert edwc(*args[:-1], str(out2)).returncode == 0
    case = out2 / "carbon_price_cny_per_t=200"
    shutil.rmtree(case)
    case.mkdir()
    (case / "mine.txt").write_text("keep me")
    p = edwc(*args[:-1], str(out2), "--force")
    assert p.returncode == 1, p.stderr  # that case fails, the other is solved again
    assert (case / "mine.txt").read_text() == "keep me" and len(list(case.iterdir())) == 1
    index = (out2 / "index.csv").read_text()
    assert "not an edwc result" in index and (out2 / "carbon_price_cny_per_t=0" / "summary.json").is_file()
    assert leftovers(out2) == []


# ---- interruption at any instant ---------------------------------------------------------------------


REPLACER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from edwc.cli.common import sigterm_as_interrupt
    from edwc.results.folders import interrupted_message, write_atomically
    sigterm_as_interrupt()
    out = Path(sys.argv[1])
    k = done = int(json.loads((out / "v.json").read_text())["v"]) if out.exists() else 0
    def fill(tmp, v):
        for i in range(40):
            (tmp / f"f{i}.txt").write_text(str(v) * 100)
        (tmp / "v.json").write_text(json.dumps({"v": v}))
    try:
        while True:
            k += 1
            print(k, flush=True)
            write_atomically(out, lambda t: fill(t, k), force=True)
            done = k
    except KeyboardInterrupt:
        # on a line of its own: the signal may land between print's number and its newline
        print("\\n" + json.dumps({"attempt": k, "done": done, "message": interrupted_message()}), flush=True)
        sys.exit(130)
""")


def whole_version(out: Path) -> int:
    """The version of a folder written by REPLACER; every file must agree (the folder is whole)."""
    v = json.loads((out / "v.json").read_text())["v"]
    files = sorted(out.glob("f*.txt"))
    assert len(files) == 40 and all(f.read_text() == str(v) * 100 for f in files)
    assert (out / MARKER).is_file()
    return int(v)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["kill", "int", "term"])
def test_interruption_at_any_instant_leaves_old_or_new(sig: signal.Signals, tmp_path: Path) -> None:
    """A process replacing a folder over and over is signalled at random instants, 12 times: the
    destination is always a whole folder, and after SIGINT/SIGTERM the message says which one."""
    out = tmp_path / "r"
    rng = random.Random(13)
    for _ in range(12):
        p = subprocess.Popen([sys.executable, "-c", REPLACER, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)))
        assert p.stdout is not None
        p.stdout.readline()  # started its first write
        time.sleep(rng.uniform(0.05, 0.6))
        p.send_signal(sig)
        stdout, stderr = p.communicate(timeout=60)
        v = whole_version(out)
        if sig != signal.SIGKILL:
            assert p.returncode == 130, stderr
            last = json.loads(stdout.strip().splitlines()[-1])
            if "holds the new result" in last["message"]:  # this attempt was placed (or the one before, when
                assert v in (last["attempt"], last["done"])  # the signal came between two attempts)
            else:
                assert "still holds the earlier result" in last["message"] and v == last["attempt"] - 1
            assert leftovers(tmp_path) == []
    for name in leftovers(tmp_path):  # a SIGKILL may leave a temporary folder beside, never in place
        shutil.rmtree(tmp_path / name)


# ---- OS errors on output and input paths ---------------------------------------------------------------


def read_only(folder: Path) -> list[str]:
    """A command prefix under which `folder` is read-only (see the module docstring)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode == 0:
            script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
            return ["unshare", "-m", "sh", "-c", script, "sh"]
    if os.geteuid() == 0:
        pytest.skip("root without unshare: permission bits would not bind")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return []


def test_read_only_parent_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    area = tmp_path / "ro"
    area.mkdir()
    r = area / "plan"
    assert edwc("solve", str(TINY), "--out", str(r), "--no-map").returncode == 0
    before = digest(r)
    wrap = read_only(area)
    msg = one_line_error(edwc("solve", str(TINY), "--out", str(area / "new"), "--no-map", wrap=wrap))
    assert "not writable" in msg or "Read-only" in msg
    msg = one_line_error(edwc("solve", str(TINY), "--out", str(r), "--force", "--no-map", wrap=wrap))
    area.chmod(0o755)
    assert digest(r) == before and sorted(p.name for p in area.iterdir()) == ["plan"]


@pytest.mark.parametrize("which", ["name-256-bytes", "path-4100-bytes", "parent-is-a-file", "write-lp-dir-missing"])
def test_bad_output_paths_are_one_line(which: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    out = {"name-256-bytes": tmp_path / ("n" * 256),
           "path-4100-bytes": tmp_path.joinpath(*(["d" * 200] * 21)),
           "parent-is-a-file": tmp_path / "afile" / "r",
           "write-lp-dir-missing": tmp_path / "r"}[which]
    extra = ["--write-lp", str(tmp_path / "no" / "such" / "m.lp")] if which == "write-lp-dir-missing" else []
    one_line_error(edwc("solve", str(TINY), "--out", str(out), "--no-map", *extra))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_unreadable_input_file_is_one_line(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to switch to an unprivileged user")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run([*nobody, sys.executable, "-c", "import edwc"], capture_output=True).returncode != 0:
        pytest.skip("the unprivileged user cannot run this Python")
    area = Path(f"/tmp/edwc-unreadable-{os.getpid()}")
    shutil.rmtree(area, ignore_errors=True)
    try:
        shutil.copytree(TINY, area / "tiny")
        area.chmod(0o755)
        (area / "tiny").chmod(0o755)
        (area / "tiny" / "sites.csv").chmod(0)
        p = subprocess.run([*nobody, sys.executable, "-m", "edwc", "validate", str(area / "tiny")],
                           capture_output=True, text=True, timeout=120)
        msg = one_line_error(p)
        assert "sites.csv" in msg and "Permission denied" in msg
    finally:
        shutil.rmtree(area, ignore_errors=True)


# ---- result folders follow the umask -------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_result_folders_follow_the_umask(mask: int, tmp_path: Path) -> None:
    out = tmp_path / "r"
    p = edwc("solve", str(TINY), "--out", str(out), "--no-map", umask=mask)
    assert p.returncode == 0, p.stderr
    for path in [out, out / "instance", out / "summary.json", out / "capacity.csv"]:
        want = (0o777 if path.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(path.stat().st_mode) == want, (path, oct(path.stat().st_mode))


# ---- out of memory --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_out_of_memory_says_how_big_the_model_was(tmp_path: Path) -> None:
    """A real allocation failure: the solve runs with its address space capped (RLIMIT_AS, 800 MiB)
    so HiGHS's std::bad_alloc (Python's MemoryError) comes while solving a 360 x 120 city instance."""
    import resource

    from edwc.synthetic.cities import generate_city_instance

    big = generate_city_instance(tmp_path / "big", n_regions=360, n_sites=120, seed=1)
    cap = 800 * 2**20

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    p = subprocess.run([sys.executable, "-m", "edwc", "solve", str(big), "--out", str(tmp_path / "r"), "--no-map",
                        "--time-limit", "60"], capture_output=True, text=True, timeout=600, preexec_fn=limit)
    msg = one_line_error(p, code=1)
    assert "out of memory while" in msg and "360 regions, 120 sites" in msg, msg
    assert "variables" in msg or "building the model" in msg
    assert not (tmp_path / "r").exists() and leftovers(tmp_path) == []
