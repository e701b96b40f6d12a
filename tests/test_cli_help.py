"""`--help` answers fast: printing help imports no part of the modelling stack (checked in a fresh process).

benchmarks/bench_help.py times every `edwc COMMAND --help`; this test guards the reason it is fast.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from edwc.analysis.check import MAX_ROWS_SHOWN
from edwc.cli.check import MAX_ROWS_SHOWN as CLI_MAX_ROWS

HEAVY = ("pandas", "numpy", "pyomo", "highspy", "scipy", "networkx", "pydantic", "matplotlib", "geopandas",
         "bokeh", "dask", "yaml")
PROBE = """
import sys
sys.argv = ["edwc", *{args!r}, "--help"]
from edwc.cli.main import main
try:
    main()
except SystemExit as e:
    assert e.code == 0, e.code
print("LOADED:" + ",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))))
"""


@pytest.mark.parametrize("command", ["", "validate", "solve", "report", "check", "map", "compare", "sweep"])
def test_help_imports_no_heavy_module(command: str) -> None:
    args = [command] if command else []
    r = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    loaded = r.stdout.rsplit("LOADED:", 1)[1].strip()
    assert loaded == "", f"edwc {command} --help imported {loaded}"


def test_check_default_rows_match_the_library() -> None:
    assert CLI_MAX_ROWS == MAX_ROWS_SHOWN
