"""`edwc check` verifies every figure a planner reads (issue 21, item 6; finding N-check-coverage).

Every KPI of kpis.csv, every column of every result table and every figure of summary.json is changed in
turn on a real tiny result, in memory, and the check must fail and name it. The lists tampered are
taken from the result itself, so a KPI, column or field added to the writer is tampered too (and, with no
recomputation in edwc.analysis.check, already fails the untampered check).
"""

from __future__ import annotations

import ast
import copy
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_power import with_profiles

from edwc.analysis.check import Plan, UnreadableResult, check_plan, read_plan
from edwc.analysis.check.columns import CHECKED
from edwc.analysis.check.costs import SUMMARY_CHECKED, SUMMARY_RUN_RECORD
from edwc.analysis.check.readers import OPTIONAL_COLUMNS, _vouch
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]
TABLES = tuple(t for t in CHECKED if t not in OPTIONAL_COLUMNS)  # vintages.csv (two periods): tests/test_vintages.py
# A one-period tiny whose plan builds, opens a campus, serves across regions and pays a carbon price, with
# every policy in force, so that each column and KPI has a row whose change the check can see.
SETS = {"policy.west_share_new_min": 0.5, "policy.hub_share_new_min": 0.1, "policy.max_site_share": 1.0,
        "policy.carbon_price_cny_per_t": 50.0, "policy.green_share_min": 0.1}


def power_side(tiny: Path) -> None:
    """The power side in use, so that power.csv and the supply columns have rows to change: tiny's own profiles
    (test_power.py), curtailed power, certificates, cheap PV and batteries at west-1, movable batch work."""
    with_profiles(tiny, "power:\n  curtailed_cny_per_kwh: 0.1\n  certificate_cny_per_mwh: 5\n"
                        "  direct: {pv_capex_cny_per_kw: 100, wind_capex_cny_per_kw: 100, battery_capex_cny_per_kwh: 10,"
                        " rules: false}\n")
    prof = pd.read_csv(tiny / "profiles.csv")
    prof["onwind:620000"] = (prof["hour"] % 24 >= 18) * 0.3  # some wind in the evening, so wind is built too
    prof.to_csv(tiny / "profiles.csv", index=False)
    sites = pd.read_csv(tiny / "sites.csv", dtype=str)
    sites["direct_mw_max"] = ["200" if s == "west-1" else "" for s in sites["site"]]
    sites.to_csv(tiny / "sites.csv", index=False)
    wl = pd.read_csv(tiny / "workloads.csv", dtype=str)
    wl["flexible_share"] = ["0.5" if w == "batch" else "" for w in wl["workload"]]
    wl.to_csv(tiny / "workloads.csv", index=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coverage")
    shutil.copytree(ROOT / "instances" / "tiny", root / "tiny")
    power_side(root / "tiny")
    out, _ = solve_instance(root / "tiny", out=root / "result", maps=False, sets=SETS)
    return out


@pytest.fixture(scope="module")
def plan(folder: Path) -> Plan:
    p = read_plan(folder)
    assert check_plan(p, folder).ok, check_plan(p, folder).render()
    return p


def tampered(plan: Plan, folder: Path, fn: Any) -> dict[str, list[str]]:
    """Check a copy of the plan after fn(copy) as `edwc check` would read it; the violations by family
    (a summary the reader refuses, exit 2, counts as one violation "unreadable")."""
    p = copy.deepcopy(plan)
    fn(p)
    try:
        _vouch(folder / "summary.json", p.summary)
    except UnreadableResult as e:
        return {"unreadable": [str(e)]}
    report = check_plan(p, folder)
    return {f: [f"{v.rows}: {v.detail}" for v in vs] for f, vs in report.by_family().items()}


def changed(x: Any) -> Any:
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, str):
        return x + "x"
    if isinstance(x, bool):
        return not x
    if isinstance(x, int) or (isinstance(x, float) and x == round(x) and abs(x) < 1e6):
        return x + 1
    if isinstance(x, float) and np.isnan(x):
        return 0.5
    return x * 1.001 + 0.01


def row_to_change(df: pd.DataFrame, col: str) -> int:
    """A row whose value is not zero or undefined where there is one (a zero changed is often still valid)."""
    v = pd.to_numeric(df[col], errors="coerce") if df[col].dtype == object else df[col]
    ok = df.index[(v.notna() & (v != 0)) if v.notna().any() else df[col] != ""]
    return int(ok[0]) if len(ok) else int(df.index[0])


def test_every_column_of_the_written_tables_is_checked(plan: Plan) -> None:
    for name, df in plan.res.items():
        for col in df.columns:
            assert col in CHECKED[name] or "_name_" in col, f"{name}.csv column {col} has no check"


COLUMNS = [(t, c) for t in TABLES for c in CHECKED[t]]
NAME_COLUMNS = [("capacity", "site_name_zh"), ("sites", "hub_name_en"), ("serve", "region_name_zh"),
                ("serve", "site_name_en"), ("unmet", "region_name_en"), ("trunks", "from")]


@pytest.mark.parametrize(("table", "column"), COLUMNS + NAME_COLUMNS, ids=[f"{t}.{c}" for t, c in COLUMNS + NAME_COLUMNS])
def test_a_changed_cell_fails_the_check(plan: Plan, folder: Path, table: str, column: str) -> None:
    df = plan.res[table]
    if column not in df.columns:
        pytest.fail(f"{table}.csv has no column {column}: the check lists one the writer does not write")
    i = row_to_change(df, column)

    def edit(p: Plan) -> None:
        new = changed(df.at[i, column])
        p.res[table][column] = p.res[table][column].astype(object if isinstance(new, str) else float)
        p.res[table].at[i, column] = new

    assert tampered(plan, folder, edit), f"{table}.csv line {i + 2} {column} changed, the check still passes"


def test_every_kpi_changed_fails_the_check_and_is_named(plan: Plan, folder: Path) -> None:
    """All 56 KPIs of tiny at once: each row is named among the violations (they are recomputed apart)."""
    k = plan.res["kpis"]
    assert len(k) >= 56

    def edit(p: Plan) -> None:
        p.res["kpis"]["value"] = [changed(float(v)) for v in p.res["kpis"]["value"]]

    bad = tampered(plan, folder, edit)["kpis"]
    missed = [f"{n} {t}" for n, t in zip(k["kpi"], k["period"], strict=True)
              if not any(f"kpi={n}, period={t})" in b for b in bad)]
    assert not missed, f"changed KPIs the check passes: {missed}"


def test_a_kpi_unit_or_row_changed_fails(plan: Plan, folder: Path) -> None:
    def unit(p: Plan) -> None:
        p.res["kpis"].at[0, "unit"] = "kg"

    def drop(p: Plan) -> None:
        p.res["kpis"] = p.res["kpis"].drop(index=3).reset_index(drop=True)

    def unknown(p: Plan) -> None:
        p.res["kpis"].loc[len(p.res["kpis"])] = ["a_new_kpi", plan.cfg.periods[0], 1.0, "-"]

    assert "kg" in tampered(plan, folder, unit)["kpis"][0]
    assert "missing from kpis.csv" in tampered(plan, folder, drop)["kpis"][0]
    assert "no independent recomputation" in tampered(plan, folder, unknown)["kpis"][0]


def leaves(x: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(x, dict):
        for k, v in x.items():
            yield from leaves(v, (*path, k))
    elif isinstance(x, list) and x and not all(isinstance(v, str) for v in x):
        for i, v in enumerate(x):
            yield from leaves(v, (*path, str(i)))
    else:
        yield path, x


def test_summary_fields_are_checked_or_a_run_record(plan: Plan) -> None:
    for key in plan.summary:
        assert key in SUMMARY_CHECKED or key in SUMMARY_RUN_RECORD, key


def test_every_figure_of_summary_json_changed_fails(plan: Plan, folder: Path) -> None:
    """Money is changed by 1e-4 of the objective: the check's tolerance is 1e-6 of it (docs/trust.md)."""
    figures = [(path, v) for path, v in leaves(plan.summary) if path[0] in SUMMARY_CHECKED]
    assert len(figures) >= 25
    money = 1e-4 * plan.summary["objective_cny"]
    passed = []
    for path, v in figures:
        def edit(p: Plan, path: tuple[str, ...] = path, v: Any = v) -> None:
            node = p.summary
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = (["hub_share_new"] if isinstance(v, list) else
                              changed(v) + money if path[0].endswith("_cny") else changed(v))
        if not tampered(plan, folder, edit):
            passed.append(".".join(path))
    assert not passed, f"changed in summary.json, the check still passes: {passed}"


def test_the_check_does_not_use_the_model() -> None:
    """docs/trust.md: the check must not import the model code (formulation, network, solve's model)."""
    for path in (ROOT / "model" / "edwc" / "analysis" / "check").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for n in names:
                assert not n.startswith(("edwc.formulation", "edwc.network", "edwc.results.kpis")), f"{path.name} imports {n}"
