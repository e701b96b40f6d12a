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

import math
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from edwc.errors import Problem
from edwc.input.safe_yaml import YamlInputError, load_yaml
from edwc.input.schema import KEYS, OPERATIONS, TABLES, Column, InstanceConfig, Scenario, problem_of

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
            out[key] = load_yaml(value) if value.strip() else None
        except YamlInputError as e:
            if e.message.startswith("not valid YAML"):
                out[key] = value  # plain text that YAML cannot parse stays text; the schema judges it
            else:
                problems.append(Problem("--set", f"'{key}': the value is {e.message}"))
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


def _column(tables: RawTables, table: str, col: str) -> tuple[pd.Series, Column | None] | None:
    """A column of a raw table as stripped text with its spec, or a derived column (DERIVED_COLUMNS), or None."""
    df = tables[table]
    if col in df.columns:
        return df[col].astype(str).str.strip(), _spec(table, col)
    if (table, col) in DERIVED_COLUMNS:
        own, other, key, value = DERIVED_COLUMNS[(table, col)]
        if own in df.columns and other in tables and {key, value} <= set(tables[other].columns):
            lookup = dict(zip(tables[other][key].astype(str).str.strip(), tables[other][value].astype(str).str.strip(), strict=False))
            return df[own].astype(str).str.strip().map(lookup).fillna(""), _spec(other, value)
    return None


def _spec(table: str, col: str) -> Column | None:
    return next((c for c in TABLES[table] if c.name == col), None)


TRUTH = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _typed(text: str, spec: Column | None) -> object:
    """A cell (or a `where` value written as text) as its column's type: numbers compare as numbers
    (116.5 matches '116.50'), booleans as booleans (true matches 'True' and 'yes'), the rest as text."""
    if text == "":
        return None
    if spec is not None and spec.kind in ("float", "int"):
        try:
            x = float(text)
        except ValueError:
            return text
        return x if math.isfinite(x) else text
    if spec is not None and spec.kind == "bool":
        return TRUTH.get(text.lower(), text)
    return text


def _select(tables: RawTables, table: str, where: dict[str, Any], origin: str) -> tuple[pd.Series, list[Problem]]:
    """Rows of a raw table matching every `column: value | [values]` of `where`, compared as the
    column's type (see _typed).

    Every value asked for must occur in its column, and some row must match all of them: a
    misspelt key is a problem, never an empty selection.
    """
    df = tables[table]
    problems = []
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        found = _column(tables, table, col)
        if found is None:
            derived = [c for (t, c) in DERIVED_COLUMNS if t == table]
            known = list(df.columns) + derived
            problems.append(Problem(origin, f"table {table} has no column '{col}' (columns: {', '.join(known)})"))
            continue
        text, spec = found
        cells = [_typed(x, spec) for x in text]  # a list: pandas would turn None into NaN
        wanted = val if isinstance(val, list) else [val]
        hit = pd.Series(False, index=df.index)
        for w in wanted:
            w_typed = _typed(_cell(w), spec)
            here = pd.Series([type(c) is type(w_typed) and c == w_typed for c in cells], index=df.index, dtype=bool)
            if not here.any():
                problems.append(Problem(origin, f"no row of {table} has {col} '{_cell(w)}'"))
            hit |= here
        mask &= hit
    if not problems and not mask.any():
        problems.append(Problem(origin, f"no row of {table} matches {where}"))
    return mask, problems


def _table(tables: RawTables, name: str, verb: str, origin: str) -> tuple[str | None, list[Problem]]:
    if name not in TABLES:
        return None, [Problem(origin, f"{verb}: unknown table '{name}' (tables: {', '.join(TABLES)})")]
    if name not in tables:
        return None, [Problem(origin, f"{verb}: table {name} could not be read")]
    return name, []


def _fmt(x: float) -> str:
    """A number as CSV text: whole numbers without a decimal point, others as repr (round-trips)."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


# ---- the operations -----------------------------------------------------------------------------


def check_scenario(spec: Any, origin: str) -> tuple[dict[str, list[Any]], list[Problem]]:
    """The structure of one scenario block, checked before anything is applied.

    Returns the operations that are well formed (typed, by verb) and a problem for everything that
    is not: unknown keys, a list where a mapping belongs, a number where a name belongs, NaN or
    infinite values. Operations are checked one by one, so one bad entry does not hide the
    others' problems.
    """
    problems: list[Problem] = []
    if not isinstance(spec, dict):
        return {}, [Problem(origin, "a scenario must be a mapping (description, set, scale, replace, add, remove)")]
    sets = spec.get("set") or {}
    good_sets = dict(sets) if isinstance(sets, dict) else {}
    try:
        Scenario.model_validate(spec)
    except ValidationError as e:
        for err in e.errors():
            loc = err["loc"]
            if len(loc) >= 2 and loc[0] in OPERATIONS and isinstance(loc[1], int):
                continue  # reported below, entry by entry
            if len(loc) >= 2 and loc[0] == "set":
                good_sets.pop(loc[1], None)
            problems.append(problem_of(err, "instance.yaml", origin))
    ops: dict[str, list[Any]] = {"set": [good_sets] if all(isinstance(k, str) for k in good_sets) else []}
    for verb, model in OPERATIONS.items():
        entries = spec.get(verb) or []
        ops[verb] = []
        if not isinstance(entries, list):
            continue  # reported above: "Input should be a valid list"
        for i, entry in enumerate(entries):
            try:
                ops[verb].append(model.model_validate(entry))
            except ValidationError as e:
                for err in e.errors():
                    err["loc"] = (verb, i, *err["loc"])
                    problems.append(problem_of(err, "instance.yaml", origin))
    return ops, problems


def apply_scenario(config: dict[str, Any], tables: RawTables, name: str) -> list[Problem]:
    """Apply the named scenario of config['scenarios'] to the raw config and tables, in place.

    Its structure is checked first (check_scenario); only well-formed operations are applied, and
    every problem, of structure or of content, is returned together.
    """
    scenarios = config.get("scenarios") or {}
    if not isinstance(scenarios, dict) or name not in scenarios:
        known = ", ".join(sorted(map(str, scenarios))) if isinstance(scenarios, dict) and scenarios else "none"
        return [Problem("instance.yaml", f"no scenario '{name}' (scenarios: {known})", column="scenarios")]
    origin = f"instance.yaml, scenario '{name}'"
    spec = scenarios[name]
    ops, problems = check_scenario(spec, origin)
    for sets in ops.get("set", []):
        problems += apply_sets(config, sets, origin)
    for verb, fn in (("scale", _scale), ("replace", _replace), ("add", _add), ("remove", _remove)):
        for op in ops.get(verb, []):  # none when the scenario is not a mapping (N-scenario-not-mapping)
            problems += fn(tables, op, origin)
    return problems


def _scale(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Multiply one numeric column of the selected rows by `factor`."""
    name, problems = _table(tables, op.table, "scale", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.where, origin)
    col, factor = op.column, op.factor
    if col not in df.columns:
        return problems + [Problem(origin, f"table {name} has no column '{col}' to scale")]
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
    name, problems = _table(tables, op.table, "replace", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.where, origin)
    for col in op.values:
        if col not in df.columns:
            problems.append(Problem(origin, f"table {name} has no column '{col}'"))
    if problems:
        return problems
    for col, val in op.values.items():
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
    name, problems = _table(tables, op.table, "add", origin)
    if name is None:
        return problems
    df = tables[name]
    keys = [k for k in KEYS[name] if k in df.columns]
    existing = set(map(tuple, df[keys].astype(str).to_numpy())) if keys else set()
    for i, row in enumerate(op.rows, 1):
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
    new = pd.DataFrame([{c: _cell(r.get(c)) for c in df.columns} for r in op.rows])
    tables[name] = pd.concat([df, new[df.columns]], ignore_index=True)
    return []


def _remove(tables: RawTables, op: Any, origin: str) -> list[Problem]:
    """Drop the selected rows, and rows of other tables that refer to a removed site or trunk end."""
    name, problems = _table(tables, op.table, "remove", origin)
    if name is None:
        return problems
    df = tables[name]
    mask, problems = _select(tables, name, op.where, origin)
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
