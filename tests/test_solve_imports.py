"""A solve imports only what it uses (checked in a fresh process): pyomo.core, not pyomo.environ and
its plugins; scipy.sparse, not the scipy.stats, scipy.integrate and scipy.spatial that Pyomo's scipy
callback would load; matplotlib's Agg, not pyplot. Together ~0.7 s of a china-2025 run
(docs/performance.md); benchmarks/bench_scale.py times the whole command, this test guards why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNUSED = ("pyomo.environ", "scipy.stats", "scipy.integrate", "scipy.spatial", "matplotlib.pyplot", "pylab")
PROBE = """
import sys, tempfile
from edwc.workflow.run import solve_instance
with tempfile.TemporaryDirectory() as t:
    folder, res = solve_instance({instance!r}, out=t + "/r", maps=True, check=True)
    assert res.summary["status"] == "optimal", res.summary["status"]
    assert (folder / "map.png").is_file()
print("LOADED:" + ",".join(sorted(set(sys.modules) & set({unused!r}))))
"""


def test_solve_imports_only_what_it_uses() -> None:
    code = PROBE.format(instance=str(ROOT / "instances" / "tiny"), unused=UNUSED)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    loaded = r.stdout.rsplit("LOADED:", 1)[1].strip()
    assert loaded == "", f"a solve imported {loaded}"


def test_write_lp_still_finds_pyomos_lp_writer(tmp_path: Path) -> None:
    """edwc builds on pyomo.core; --write-lp imports the writer plugins when it is asked for."""
    code = f"""
import sys
from edwc.formulation.build import build_model
from edwc.network.reach import load_valid_instance
from edwc.solve.highs import write_lp
m, _ = build_model(load_valid_instance({str(ROOT / "instances" / "tiny")!r}))
assert "pyomo.environ" not in sys.modules
write_lp(m, __import__("pathlib").Path({str(tmp_path / "m.lp")!r}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "m.lp").read_text()
    assert text.startswith("\\* Source Pyomo model name=tiny") and "\nmin \ntotal_cost:" in text and "binary" in text
