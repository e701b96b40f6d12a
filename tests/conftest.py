"""Shared helpers: copies of the shipped instances that a test may edit, a real HiGHS solve, and
china-2025 solved once per test run (shared by every module and pytest-xdist worker that reads it)."""

from __future__ import annotations

import fcntl
import os
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


def add_period_2030(folder: Path) -> None:
    """Make a one-period (2025) instance two-period: 2030 added, its demand 60 % above 2025's."""
    y = folder / "instance.yaml"
    y.write_text(y.read_text().replace("periods: [2025]", "periods: [2025, 2030]"))

    def grow(df: pd.DataFrame) -> pd.DataFrame:
        later = df.assign(period="2030", pflops=(df["pflops"].astype(float) * 1.6).round(3).astype(str))
        return pd.concat([df, later], ignore_index=True)

    edit_table(folder, "demand", grow)


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


def shared_solve(factory: pytest.TempPathFactory, name: str) -> Path:
    """The shipped instance `name` solved (no maps) once per test run: the first worker to ask
    solves it under a file lock in the run's shared temporary folder; the others read it. Tests
    must not write into it (copy it first)."""
    from edwc.workflow.run import solve_instance

    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' base folders sit side by side in the run's own folder
    out = root / f"shared-{name}"
    with (root / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "summary.json").is_file():
            solve_instance(INSTANCES / name, out=out, maps=False, force=True)
    return out


@pytest.fixture(scope="session")
def china_2025_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """instances/china-2025 solved once per test run (read only)."""
    return shared_solve(tmp_path_factory, "china-2025")


@pytest.fixture(scope="session")
def china_2025(china_2025_folder: Path):  # noqa: ANN201  (a Result)
    """The Result of china_2025_folder, read back."""
    from edwc.results.tables import read_result

    return read_result(china_2025_folder)


def tight_city_instance(tmp: Path, seed: int, n_regions: int, n_sites: int) -> Path:
    """A synthetic city instance whose inter-city trunks (150 Gbps, 3 upgrades) bind."""
    from edwc.synthetic.cities import generate_city_instance

    folder = generate_city_instance(tmp / f"cities-{seed}", n_regions=n_regions, n_sites=n_sites, seed=seed)

    def narrow(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[df["trunk"].str.startswith("t"), "capacity_gbps"] = "150"
        df["max_modules"] = "3"
        return df

    edit_table(folder, "trunks", narrow)
    return folder
