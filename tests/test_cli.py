"""The command line end to end, in a real subprocess with the real solver."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import INSTANCES, ROOT


def edwc(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edwc", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_solve_report_and_refuse_overwrite(tmp_path):
    out = tmp_path / "tiny"
    r = edwc("solve", str(INSTANCES / "tiny"), "--out", str(out), "--no-map")
    assert r.returncode == 0, r.stderr
    assert "tiny: optimal" in r.stdout and "unmet 0.0 PFLOPS" in r.stdout and "in the 8 hub nodes" in r.stdout
    for f in ("summary.json", "capacity.csv", "serve.csv", "unmet.csv", "trunks.csv", "kpis.csv", "sites.csv", "instance/instance.yaml"):
        assert (out / f).is_file(), f
    s = json.loads((out / "summary.json").read_text())
    assert abs(sum(s["cost_parts_cny"].values()) + s["unmet_value_cny"] - s["objective_cny"]) < 1e-6 * s["objective_cny"]
    assert set(s["versions"]) >= {"edwc", "pyomo", "highs"} and len(s["input_hash"]) == 64
    before = (out / "summary.json").read_bytes()
    again = edwc("solve", str(INSTANCES / "tiny"), "--out", str(out), "--no-map")
    assert again.returncode == 2 and "--force" in again.stderr
    assert (out / "summary.json").read_bytes() == before
    rep = edwc("report", str(out))
    assert rep.returncode == 0 and "cost per year" in rep.stdout and "value of unmet service (not a cost)" in rep.stdout


def test_resolved_instance_reproduces_the_run(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert edwc("solve", str(INSTANCES / "tiny"), "--scenario", "double-batch", "--out", str(a), "--no-map").returncode == 0
    assert edwc("solve", str(a / "instance"), "--out", str(b), "--no-map").returncode == 0
    sa, sb = (json.loads((x / "summary.json").read_text()) for x in (a, b))
    assert sa["input_hash"] == sb["input_hash"]
    assert abs(sa["objective_cny"] - sb["objective_cny"]) < 1e-6 * sa["objective_cny"]


def test_write_lp_with_readable_names(tmp_path):
    lp = tmp_path / "tiny.lp"
    r = edwc("solve", str(INSTANCES / "tiny"), "--out", str(tmp_path / "r"), "--no-map", "--write-lp", str(lp))
    assert r.returncode == 0, r.stderr
    text = lp.read_text()
    assert "demand_balance(" in text and "serve(" in text and "capacity_existing(" in text


def test_bad_input_exit_2_without_traceback(tmp_path):
    r = edwc("validate", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not an instance folder" in r.stderr and "Traceback" not in r.stderr
    r = edwc("solve", str(INSTANCES / "tiny"), "--set", "policy.nope=1", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "'policy.nope' is not a setting" in r.stderr
    assert not (tmp_path / "x").exists()


def test_help_has_examples():
    for cmd in ("solve", "validate", "map", "report"):
        r = edwc(cmd, "--help")
        assert r.returncode == 0 and "Example" in r.stdout, cmd
