"""The first install (scripts/venv.sh, used by ./edwc and tests/run.sh) through a real venv and pip:
a failed install says why (pip's own lines, once filtered away) and where pip's whole output is,
records nothing as installed, and exits 2. Pip is made to fail without the network: the
constraints pin a version of HiGHS that cannot exist."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("python3") is None, reason="needs the system's python3")
def test_a_failed_install_says_why_and_records_nothing(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "README.md", "scripts/venv.sh"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "model" / "edwc").mkdir(parents=True)
    (tmp_path / "model" / "edwc" / "__init__.py").write_text('__version__ = "0"\n')
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    (tmp_path / "constraints.txt").write_text("\n".join("highspy==0.0.1" if p.startswith("highspy==") else p
                                                          for p in pins) + "\n")
    env = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin"}
    p = subprocess.run(["bash", "-c", '. scripts/venv.sh; edwc_venv; echo "rc=$?"'], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    err = p.stderr
    assert p.stdout.strip() == "rc=2", err
    assert "== installing edwc into .venv" in err and "installing into" in err and "failed" in err
    # pip's reason reaches the terminal (without a network, the index it could not reach)
    assert "highspy==0.0.1" in err or "could not reach the package index" in err, err
    assert (tmp_path / ".venv" / ".edwc-pip.log").is_file() and ".edwc-pip.log" in err
    assert not (tmp_path / ".venv" / ".edwc-installed").exists()
