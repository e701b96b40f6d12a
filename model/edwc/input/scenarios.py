"""Overrides of a base instance: `--set key=value` and the named scenarios of instance.yaml.

Overrides work on the raw inputs (the yaml dict and the CSV tables as text) *before* validation,
so an overridden instance is checked exactly like the base. An override that names a key, a
column, a table or a row that does not exist is a problem, never a silent no-op.

A scenario applies, in this order: `set` (dotted keys of instance.yaml), `scale` (multiply a
numeric column of the selected rows), `replace` (set columns of the selected rows), `add`
(append rows), `remove` (drop the selected rows). `--set` on the command line comes last and
wins over the scenario. Rows are selected with `where: {column: value | [values]}`; besides a
table's own columns, `where` may use the derived columns of DERIVED_COLUMNS (for example
`class` on `demand`, resolved through workloads.csv). See docs/scenarios.md.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel

from edwc.errors import Problem
from edwc.input.schema import KEYS, TABLES, InstanceConfig

RawTables = dict[str, pd.DataFrame]

SCENARIO_KEYS = ("description", "set", "scale", "replace", "add", "remove")

# (table, derived column) -> (column of the table, lookup table, its key column, its value column):
# `where: {class: intelligent}` on demand selects the rows whose workload is of class intelligent.
DERIVED_COLUMNS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("demand", "class"): ("workload", "workloads", "workload", "class"),
    ("site_classes", "side"): ("site", "sites", "site", "side"),
    ("site_classes", "hub"): ("site", "sites", "site", "hub"),
    ("site_classes", "kind"): ("site", "sites", "site", "kind"),
}


# ---- --set and dotted keys ----------------------------------------------------------------------


def parse_set(items: list[str]) -> tuple[dict[str, Any], list[Problem]]:
    """Parse `key=value` strings; values are read as YAML scalars (0.5, null, true, [2025])."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem("--set", f"expected key=value, got '{item}'"))
            continue
        if key in out:
            problems.append(Problem("--set", f"'{key}' is given more than once"))
            continue
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key] = value
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


def check_key(key: str, origin: str = "--set") -> Problem | None:
    """A problem when `key` (dotted, e.g. policy.carbon_price_cny_per_t) is not a setting."""
    if _schema_has(key.split(".")):
        return None
    return Problem(origin, f"'{key}' is not a setting of instance.yaml")


def apply_sets(config: dict[str, Any], sets: dict[str, Any], origin: str) -> list[Problem]:
    """Set dotted keys (`policy.carbon_price_cny_per_t`) in the raw config dict, in place."""
    if not isinstance(sets, dict):
        return [Problem(origin, f"'set' must be a mapping of dotted keys to values, got {sets!r}")]
    problems = []
    for key, value in sets.items():
        problem = check_key(str(key), origin)
        if problem is not None:
            problems.append(problem)
            continue
        path = str(key).split(".")
        node = config
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
    return problems


# ---- selecting rows -----------------------------------------------------------------------------


def _column(tables: RawTables, table: str, col: str) -> pd.Series | None:
    """A column of a raw table as stripped text, or a derived column (DERIVED_COLUMNS), or None."""
    df = tables[table]
    if col in df.columns:
        return df[col].astype(str).str.strip()
    if (table, col) in DERIVED_COLUMNS:
        own, other, key, value = DERIVED_COLUMNS[(table, col)]
        if own in df.columns and other in tables and {key, value} <= set(tables[other].columns):
            lookup = dict(zip(tables[other][key].astype(str).str.strip(), tables[other][value].astype(str).str.strip(), strict=False))
            return df[own].astype(str).str.strip().map(lookup).fillna("")
    return None


def _select(tables: RawTables, table: str, where: Any, origin: str) -> tuple[pd.Series, list[Problem]]:
    """Rows of a raw table matching every `column: value | [values]` of `where` (compared as text).

    Every value asked for must occur in its column, and some row must match all of them: a
    misspelt key is a problem, never an empty selection.
    """
    df = tables[table]
    if not isinstance(where, dict) or not where:
        return pd.Series(False, index=df.index), [Problem(origin, f"'where' for table {table} must be a non-empty mapping")]
    problems = []
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        values = _column(tables, table, str(col))
        if values is None:
            derived = [c for (t, c) in DERIVED_COLUMNS if t == table]
            known = list(df.columns) + derived
            problems.append(Problem(origin, f"table {table} has no column '{col}' (columns: {', '.join(known)})"))
            continue
        wanted = [str(v) for v in val] if isinstance(val, list) else [str(val)]
        for w in wanted:
            if not (values == w).any():
                problems.append(Problem(origin, f"no row of {table} has {col} '{w}'"))
        mask &= values.isin(wanted)
    if not problems and not mask.any():
        problems.append(Problem(origin, f"no row of {table} matches {where}"))
    return mask, problems


def _table(tables: RawTables, op: Any, verb: str, origin: str) -> tuple[str | None, list[Problem]]:
    if not isinstance(op, dict):
        return None, [Problem(origin, f"each '{verb}' entry must be a mapping with 'table', got {op!r}")]
    name = op.get("table")
    if name not in TABLES:
        return None, [Problem(origin, f"{verb}: unknown table '{name}' (tables: {', '.join(TABLES)})")]
    if name not in tables:
        return None, [Problem(origin, f"{verb}: table {name} could not be read")]
    return str(name), []


def _fmt(x: float) -> str:
    """A number as CSV text: whole numbers without a decimal point, others as repr (round-trips)."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


# ---- the operations -----------------------------------------------------------------------------


def _ops(spec: dict[str, Any], verb: str, origin: str) -> tuple[list[Any], list[Problem]]:
    ops = spec.get(verb) or []
    if not isinstance(ops, list):
        return [], [Problem(origin, f"'{verb}' must be a list of operations, got {type(ops).__name__}")]
    return ops, []


def apply_scenario(config: dict[str, Any], tables: RawTables, name: str) -> list[Problem]:
    """Apply the named scenario of config['scenarios'] to the raw config and tables, in place."""
    scenarios = config.get("scenarios") or {}
    if not isinstance(scenarios, dict) or name not in scenarios:
        known = ", ".join(sorted(scenarios)) if isinstance(scenarios, dict) and scenarios else "none"
        return [Problem("instance.yaml", f"no scenario '{name}' (scenarios: {known})", column="scenarios")]
    spec = scenarios[name] or {}
    origin = f"instance.yaml, scenario '{name}'"
    if not isinstance(spec, dict):
        return [Problem(origin, "a scenario must be a mapping (description, set, scale, replace, add, remove)")]
    # unknown keys of a scenario are reported by the schema (schema.Scenario), for every scenario
    problems = apply_sets(config, spec.get("set") or {}, origin)
    for verb, fn in (("scale", _scale), ("replace", _replace), ("add", _add), ("remove", _remove)):
        ops, bad = _ops(spec, verb, origin)
        problems += bad
        for op in ops:
            problems += fn(tables, op, origin)
    return problems


def _scale(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Multiply one numeric column of the selected rows by `factor`."""
    name, problems = _table(tables, op, "scale", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.get("where"), origin)
    col, factor = op.get("column"), op.get("factor")
    unknown = set(op) - {"table", "where", "column", "factor"}
    problems += [Problem(origin, f"scale: unknown key '{k}'") for k in sorted(unknown)]
    if col not in df.columns:
        return problems + [Problem(origin, f"table {name} has no column '{col}' to scale")]
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
        return problems + [Problem(origin, f"scale factor must be a number >= 0, got {factor!r}")]
    if problems:
        return problems
    text = df.loc[mask, col].astype(str).str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    if (values.isna() & (text != "")).any():
        return [Problem(origin, f"column '{col}' of {name} is not numeric and cannot be scaled")]
    df.loc[mask, col] = [(_fmt(v * factor) if pd.notna(v) else "") for v in values]
    return []


def _replace(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Set columns of the selected rows to new values."""
    name, problems = _table(tables, op, "replace", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.get("where"), origin)
    values = op.get("values")
    unknown = set(op) - {"table", "where", "values"}
    problems += [Problem(origin, f"replace: unknown key '{k}'") for k in sorted(unknown)]
    if not isinstance(values, dict) or not values:
        return problems + [Problem(origin, f"replace in {name} needs a non-empty 'values' mapping")]
    for col in values:
        if col not in df.columns:
            problems.append(Problem(origin, f"table {name} has no column '{col}'"))
    if problems:
        return problems
    for col, val in values.items():
        df.loc[mask, col] = _cell(val)
    return []


def _cell(value: Any) -> str:
    """A YAML value as CSV text (None → empty cell, true → 'true')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _optional(table: str, col: str) -> bool:
    spec = {c.name: c for c in TABLES[table]}
    return col in spec and (spec[col].optional_cell or not spec[col].required)


def _add(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Append rows; each gives every required column (optional cells may be left out).

    A row whose key already exists is a problem (use replace to change it).
    """
    name, problems = _table(tables, op, "add", origin)
    if name is None:
        return problems
    df = tables[name]
    rows = op.get("rows")
    if not isinstance(rows, list) or not rows:
        return [Problem(origin, f"add to {name} needs a non-empty list 'rows'")]
    keys = [k for k in KEYS[name] if k in df.columns]
    existing = set(map(tuple, df[keys].astype(str).to_numpy())) if keys else set()
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            problems.append(Problem(origin, f"add to {name}: row {i} is not a mapping"))
            continue
        missing = sorted(c for c in set(df.columns) - set(row) if not _optional(name, c))
        extra = sorted(set(row) - set(df.columns))
        if missing or extra:
            problems.append(Problem(origin, f"add to {name}: row {i} missing columns {missing} / unknown columns {extra}"))
            continue
        key = tuple(_cell(row[k]) for k in keys)
        if key in existing:
            problems.append(Problem(origin, f"add to {name}: row {i} ({', '.join(f'{k}={v}' for k, v in zip(keys, key, strict=True))}) "
                                    "already exists; use replace to change it"))
        existing.add(key)
    if problems:
        return problems
    new = pd.DataFrame([{c: _cell(r.get(c)) for c in df.columns} for r in rows])
    tables[name] = pd.concat([df, new[df.columns]], ignore_index=True)
    return []


def _remove(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Drop the selected rows, and rows of other tables that refer to a removed site or trunk end."""
    name, problems = _table(tables, op, "remove", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.get("where"), origin)
    unknown = set(op) - {"table", "where"}
    problems += [Problem(origin, f"remove: unknown key '{k}'") for k in sorted(unknown)]
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


# ---- helpers for other commands -----------------------------------------------------------------


def scenario_names(config: dict[str, Any]) -> list[str]:
    """The named scenarios of a raw instance.yaml dict, in file order."""
    scenarios = config.get("scenarios") or {}
    return list(scenarios) if isinstance(scenarios, dict) else []


def key_columns(table: str) -> tuple[str, ...]:
    return KEYS[table]
