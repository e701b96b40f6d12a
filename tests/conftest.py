"""Shared helpers: copies of the shipped instances that a test may edit, and a real HiGHS solve."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "instances"


def copy_instance(name: str, dest: Path) -> Path:
    out = dest / name
    shutil.copytree(INSTANCES / name, out)
    return out


def edit_table(folder: Path, table: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite one CSV of an instance folder through fn (tables read as text)."""
    p = folder / f"{table}.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    fn(df).to_csv(p, index=False)


def set_cell(folder: Path, table: str, key: dict[str, str], column: str, value: Any) -> None:
    def fn(df: pd.DataFrame) -> pd.DataFrame:
        mask = pd.Series(True, index=df.index)
        for k, v in key.items():
            mask &= df[k] == v
        assert mask.any(), f"no row {key} in {table}"
        df.loc[mask, column] = str(value)
        return df

    edit_table(folder, table, fn)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """An editable copy of instances/tiny."""
    return copy_instance("tiny", tmp_path)


def solve(folder: Path, out: Path, sets: dict[str, Any] | None = None, scenario: str | None = None, **kw: Any):
    """Solve with the real HiGHS; return the Result (tables + summary)."""
    from edwc.workflow.run import solve_instance

    kw.setdefault("maps", False)
    _, result = solve_instance(folder, out=out, sets=sets, scenario=scenario, force=True, **kw)
    return result
