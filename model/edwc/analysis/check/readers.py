"""Reading a result folder for the check: summary.json, the result tables and the resolved instance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "capacity": ("site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops", "served_pflops",
                 "served_new_pflops"),
    "sites": ("site", "period", "open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "energy_new_mwh",
              "green_mwh", "emissions_t"),
    "serve": ("region", "site", "workload", "period", "pflops", "rtt_ms"),
    "unmet": ("region", "workload", "period", "pflops"),
    "trunks": ("trunk", "period", "load_gbps", "capacity_gbps", "wavelengths_added"),
    "kpis": ("kpi", "period", "value"),
}
NAME_SUFFIXES = ("_name_zh", "_name_en")  # name columns beside ids (results.tables.with_names)
TEXT_COLUMNS = {"site", "class", "region", "workload", "trunk", "from", "to", "hub", "side", "kpi", "unit"}


class UnreadableResult(Exception):
    """The result folder (or its resolved instance) cannot be read: exit code 2."""


@dataclass
class Plan:
    """What the check works on: the instance's tables and config, and the plan's tables."""

    cfg: Any  # edwc.input.schema.InstanceConfig
    inst: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    res: dict[str, pd.DataFrame]


def _read_table(path: Path) -> pd.DataFrame:
    name = path.stem
    if not path.is_file():
        raise UnreadableResult(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        raise UnreadableResult(f"{path}: not a readable CSV table ({str(e).strip()})") from e
    missing = [c for c in RESULT_COLUMNS[name] if c not in df.columns]
    if missing:
        raise UnreadableResult(f"{path}: missing column(s) {', '.join(missing)}")
    for c in df.columns:
        if c in TEXT_COLUMNS or c.endswith(NAME_SUFFIXES):
            continue
        num = pd.to_numeric(df[c].where(df[c] != ""), errors="coerce")
        bad = num.isna() & (df[c] != "")
        if bad.any():
            i = int(bad.idxmax())
            raise UnreadableResult(f"{path}, line {i + 2}, column '{c}': expected a number, got '{df.at[i, c]}'")
        df[c] = num
    return df


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UnreadableResult(f"{path}: file not found (is this a result folder?)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UnreadableResult(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise UnreadableResult(f"{path}: expected a JSON object")
    for k in ("status", "objective_cny", "cost_parts_cny"):
        if k not in data:
            raise UnreadableResult(f"{path}: missing '{k}'")
    if not isinstance(data["cost_parts_cny"], dict):
        raise UnreadableResult(f"{path}: 'cost_parts_cny' must be an object")
    return data


def read_plan(folder: Path) -> Plan:
    """Read summary.json, the result tables and the resolved instance; UnreadableResult if any is bad."""
    from edwc.errors import InputError
    from edwc.input.instance import load_instance

    if not folder.is_dir():
        raise UnreadableResult(f"{folder}: not a result folder")
    summary = _read_summary(folder / "summary.json")
    res = {name: _read_table(folder / f"{name}.csv") for name in RESULT_COLUMNS}
    try:
        inst = load_instance(folder / "instance")
    except InputError as e:
        raise UnreadableResult(f"the resolved instance of the result is not valid:\n{e.render()}") from e
    return Plan(cfg=inst.config, inst=inst.tables, summary=summary, res=res)
