"""Overrides of a base instance: `--set key=value` and the named scenarios of instance.yaml.

Overrides work on the raw inputs (the yaml dict and the CSV tables as text) *before* validation,
so an overridden instance is checked exactly like the base. An override that names a key or a row
that does not exist is a problem, never a silent no-op.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import yaml
from edwc.errors import Problem
from edwc.schema import KEYS, TABLES, InstanceConfig
from pydantic import BaseModel

RawTables = dict[str, pd.DataFrame]


def parse_set(items: list[str]) -> tuple[dict[str, Any], list[Problem]]:
    """Parse `key=value` strings; values are read as YAML scalars (0.5, null, true, [2025])."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(Problem("--set", f"expected key=value, got '{item}'"))
            continue
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key.strip()] = value
    return out, problems


def _schema_has(path: list[str]) -> bool:
    """True when the dotted path names a field of InstanceConfig (scenarios excluded)."""
    model: type[BaseModel] | None = InstanceConfig
    for i, part in enumerate(path):
        if model is None or part not in model.model_fields or part == "scenarios":
            return False
        ann = model.model_fields[part].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if model is None and i < len(path) - 1:
            return False
    return True


def apply_sets(config: dict[str, Any], sets: dict[str, Any], origin: str) -> list[Problem]:
    """Set dotted keys (`policy.carbon_price_cny_per_t`) in the raw config dict, in place."""
    problems = []
    for key, value in sets.items():
        path = key.split(".")
        if not _schema_has(path):
            problems.append(Problem(origin, f"'{key}' is not a setting of instance.yaml"))
            continue
        node = config
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
    return problems


def _select(df: pd.DataFrame, where: Any, table: str, origin: str) -> tuple[pd.Series, list[Problem]]:
    """Rows of a raw table matching every `column: value` of `where` (values compared as text)."""
    if not isinstance(where, dict) or not where:
        return pd.Series(False, index=df.index), [Problem(origin, f"'where' for table {table} must be a non-empty mapping")]
    problems = []
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        if col not in df.columns:
            problems.append(Problem(origin, f"table {table} has no column '{col}'"))
            continue
        wanted = [str(v) for v in val] if isinstance(val, list) else [str(val)]
        mask &= df[col].astype(str).str.strip().isin(wanted)
    if not problems and not mask.any():
        problems.append(Problem(origin, f"no row of {table} matches {where}"))
    return mask, problems


def _table(tables: RawTables, op: dict[str, Any], origin: str) -> tuple[str | None, list[Problem]]:
    name = op.get("table")
    if name not in TABLES:
        return None, [Problem(origin, f"unknown table '{name}' (tables: {', '.join(TABLES)})")]
    return str(name), []


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x)) if abs(x) < 1e15 else repr(float(x))


def apply_scenario(config: dict[str, Any], tables: RawTables, name: str) -> list[Problem]:
    """Apply the named scenario of config['scenarios'] to the raw config and tables, in place."""
    scenarios = config.get("scenarios") or {}
    if name not in scenarios:
        known = ", ".join(sorted(scenarios)) or "none"
        return [Problem("instance.yaml", f"no scenario '{name}' (scenarios: {known})", column="scenarios")]
    spec = scenarios[name] or {}
    origin = f"instance.yaml, scenario '{name}'"
    unknown = set(spec) - {"description", "set", "scale", "replace", "add", "remove"}
    problems = [Problem(origin, f"unknown key '{k}'") for k in sorted(unknown)]
    problems += apply_sets(config, spec.get("set") or {}, origin)
    for op in spec.get("scale") or []:
        problems += _scale(tables, op, origin)
    for op in spec.get("replace") or []:
        problems += _replace(tables, op, origin)
    for op in spec.get("add") or []:
        problems += _add(tables, op, origin)
    for op in spec.get("remove") or []:
        problems += _remove(tables, op, origin)
    return problems


def _scale(tables: RawTables, op: dict[str, Any], origin: str) -> list[Problem]:
    """Multiply one numeric column of the selected rows by `factor`."""
    name, problems = _table(tables, op, origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(df, op.get("where"), name, origin)
    col, factor = op.get("column"), op.get("factor")
    if col not in df.columns:
        return problems + [Problem(origin, f"table {name} has no column '{col}' to scale")]
    if not isinstance(factor, int | float) or factor < 0:
        return problems + [Problem(origin, f"scale factor must be a number >= 0, got {factor!r}")]
    if problems:
        return problems
    values = pd.to_numeric(df.loc[mask, col], errors="coerce")
    df.loc[mask, col] = [(_fmt(v * factor) if pd.notna(v) else "") for v in values]
    return []


def _replace(tables: RawTables, op: dict[str, Any], origin: str) -> list[Problem]:
    """Set columns of the selected rows to new values."""
    name, problems = _table(tables, op, origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(df, op.get("where"), name, origin)
    values = op.get("values")
    if not isinstance(values, dict) or not values:
        return problems + [Problem(origin, f"replace in {name} needs a non-empty 'values' mapping")]
    for col in values:
        if col not in df.columns:
            problems.append(Problem(origin, f"table {name} has no column '{col}'"))
    if problems:
        return problems
    for col, val in values.items():
        df.loc[mask, col] = "" if val is None else str(val)
    return []


def _add(tables: RawTables, op: dict[str, Any], origin: str) -> list[Problem]:
    """Append rows; each must give every column of the table."""
    name, problems = _table(tables, op, origin)
    if name is None:
        return problems
    df = tables[name]
    rows = op.get("rows")
    if not isinstance(rows, list) or not rows:
        return [Problem(origin, f"add to {name} needs a non-empty list 'rows'")]
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            problems.append(Problem(origin, f"add to {name}: row {i} is not a mapping"))
            continue
        missing, extra = set(df.columns) - set(row), set(row) - set(df.columns)
        if missing or extra:
            problems.append(Problem(origin, f"add to {name}: row {i} missing {sorted(missing)} / unknown {sorted(extra)}"))
    if problems:
        return problems
    new = pd.DataFrame([{k: ("" if v is None else str(v)) for k, v in r.items()} for r in rows])
    tables[name] = pd.concat([df, new[df.columns]], ignore_index=True)
    return []


def _remove(tables: RawTables, op: dict[str, Any], origin: str) -> list[Problem]:
    """Drop the selected rows, and rows of other tables that refer to a removed site or trunk end."""
    name, problems = _table(tables, op, origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(df, op.get("where"), name, origin)
    if problems:
        return problems
    removed = df.loc[mask]
    tables[name] = df.loc[~mask].reset_index(drop=True)
    if name == "sites":  # a removed site takes its capacity rows and access trunks with it
        gone = set(removed["site"].astype(str))
        sc = tables["site_classes"]
        tables["site_classes"] = sc[~sc["site"].astype(str).isin(gone)].reset_index(drop=True)
        tr = tables["trunks"]
        hit = tr["from"].astype(str).isin(gone) | tr["to"].astype(str).isin(gone)
        tables["trunks"] = tr[~hit].reset_index(drop=True)
    return []


def key_columns(table: str) -> tuple[str, ...]:
    return KEYS[table]
