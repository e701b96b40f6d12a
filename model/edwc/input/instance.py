"""Load an instance folder, apply overrides, validate everything, and hand back typed tables.

Every problem found is collected and raised together as one InputError, before any model is built.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from edwc.errors import InputError, Problem
from edwc.input.scenarios import apply_scenario, apply_sets, scenario_names
from edwc.input.schema import KEYS, TABLES, Column, InstanceConfig, formula_like, problem_of
from edwc.input.tables import read_raw

MAX_PROBLEMS_PER_COLUMN = 10


@dataclass
class Instance:
    """A validated instance: its config and its tables with proper dtypes."""

    path: Path
    config: InstanceConfig
    tables: dict[str, pd.DataFrame]
    scenario: str | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # derived data (network paths)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def result_name(self) -> str:
        return self.name + (f"-{self.scenario}" if self.scenario else "")

    def write(self, folder: Path) -> None:
        """Write the resolved instance (overrides applied) so it reloads to the same instance."""
        folder.mkdir(parents=True, exist_ok=True)
        cfg = self.config.model_dump(mode="json")
        (folder / "instance.yaml").write_text(
            yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        for name, df in self.tables.items():
            df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        own = self.config.time.profiles  # the planner's hourly profiles travel with the instance
        if own and (self.path / own).is_file() and not Path(own).is_absolute() and ".." not in Path(own).parts:
            (folder / own).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.path / own, folder / own)

    def input_hash(self) -> str:
        """sha256 over the resolved config and tables: equal inputs give equal hashes."""
        h = hashlib.sha256()
        h.update(yaml.safe_dump(self.config.model_dump(mode="json"), sort_keys=True).encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            h.update(self.tables[name].to_csv(index=False, lineterminator="\n").encode())
        return h.hexdigest()


# ---- parsing ------------------------------------------------------------------------------------


SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # scenario names become part of result folder names


def _config(raw: dict[str, Any], problems: list[Problem], scenario: str | None = None,
            origins: dict[str, str] | None = None) -> InstanceConfig | None:
    """The typed config, or None with every problem added. The applied scenario's own block was
    already checked (and reported) by apply_scenario, so its errors are not repeated here.
    `origins` names where an overridden key came from (`--set`, a scenario), for the message."""
    scenarios = raw.get("scenarios")
    for name in scenarios if isinstance(scenarios, dict) else []:
        if not SAFE_NAME.fullmatch(str(name)):
            problems.append(Problem("instance.yaml", f"scenario name '{name}' may use only letters, digits, '-' and '_' "
                                    "(it becomes part of a folder name)", column="scenarios"))
    try:
        return InstanceConfig.model_validate(raw)
    except ValidationError as e:
        for err in e.errors():
            if scenario is not None and tuple(err["loc"][:2]) == ("scenarios", scenario):
                continue
            dotted = ".".join(str(x) for x in err["loc"])
            origin = next((o for k, o in (origins or {}).items() if dotted == k or dotted.startswith(k + ".")), None)
            p = problem_of(err, "instance.yaml")
            if origin == "--set":
                p = Problem(f"--set {p.column}", p.message)
            elif origin:
                p = Problem(origin, p.message, column=p.column)
            problems.append(p)
        return None


def _expected(col: Column) -> str:
    kind = {
        "adcode": "a 6-digit adcode",
        "float": "a number",
        "int": "a whole number",
        "bool": "true or false",
        "str": "text",
    }[col.kind]
    if col.choices:
        kind = "one of " + ", ".join(col.choices)
    elif col.kind == "str":
        kind = "text not starting with =, +, -, @ (a spreadsheet would run it as a formula)"
    bounds = []
    if col.min is not None:
        bounds.append(f">= {col.min:g}")
    if col.max is not None:
        bounds.append(f"<= {col.max:g}")
    return kind + (" " + " and ".join(bounds) if bounds else "")


def _exact_float(text: str, parsed: float) -> float:
    """The float nearest to ``text`` (exact, as Python parses it), else pandas' own reading."""
    try:
        return float(text)
    except ValueError:
        return parsed


def _parse_column(s: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Parse one text column; return (values, bad-row mask). Empty cells are NaN/None, not bad."""
    empty = s == ""
    if col.kind in ("float", "int"):
        v = pd.to_numeric(s.where(~empty), errors="coerce")
        if not (pd.api.types.is_float_dtype(v) or pd.api.types.is_signed_integer_dtype(v)):
            # a whole number past 2^63 (1e19, 9223372036854775808) comes as uint64 or objects and would not fit an
            # int64 (N-int-overflow): as floats it is refused by the column's range, far inside 2^53
            v = v.astype(float)
        if pd.api.types.is_float_dtype(v) and v.notna().any():
            # pandas' parser misses the nearest float by one unit in the last place for about one number in ten
            # (2388.9254371486118 read as 2388.925437148612); Python's float() is exact. So a written instance
            # (floats as repr) reads back to the same numbers and its input_hash holds: a drawn case's scaled
            # demand failed its check on it. Whole-number columns stay as pandas reads them (exact already).
            ok = v.notna()
            v.loc[ok] = [_exact_float(t, p) for t, p in zip(s[ok], v[ok], strict=True)]
        bad = (~empty & v.isna()) | ~np.isfinite(v.fillna(0))
        if col.kind == "int":
            bad |= v.notna() & (v.fillna(0) % 1 != 0)
        if col.min is not None:
            bad |= v.notna() & (v < col.min)
        if col.max is not None:
            bad |= v.notna() & (v > col.max)
        v = v.where(~bad)
        return (v.astype("Int64") if col.kind == "int" and not bad.any() else v), bad
    if col.kind == "bool":
        low = s.str.lower()
        truth = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        bad = ~empty & ~low.isin(list(truth))
        return low.map(truth), bad
    if col.kind == "adcode":
        bad = ~empty & ~s.str.fullmatch(r"\d{6}")
        return s.where(~empty, None), bad
    bad = ~empty & ~s.isin(col.choices) if col.choices else pd.Series(False, index=s.index)
    bad |= ~empty & s.map(formula_like).astype(bool)  # would run as a spreadsheet formula
    return s.where(~empty, None), bad


def _parse_table(name: str, df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    file = f"{name}.csv"
    spec = {c.name: c for c in TABLES[name]}
    missing = [c.name for c in TABLES[name] if c.required and c.name not in df.columns]
    unknown = [c for c in df.columns if c not in spec]
    for c in missing:
        problems.append(Problem(file, "required column is missing", column=c))
    for c in unknown:
        problems.append(Problem(file, f"unknown column (expected: {', '.join(spec)})", column=c))
    if missing:
        return None
    out = pd.DataFrame(index=df.index)
    for cname, col in spec.items():
        if cname not in df.columns:
            out[cname] = None
            continue
        values, bad = _parse_column(df[cname], col)
        empty = (df[cname] == "") & (col.required and not col.optional_cell)
        for mask, what in ((bad, "expected " + _expected(col)), (empty, "a value is required")):
            rows = list(df.index[mask])
            for i in rows[:MAX_PROBLEMS_PER_COLUMN]:
                got = f", got '{df.at[i, cname]}'" if what.startswith("expected") else ""
                problems.append(Problem(file, what + got, line=int(i) + 2, column=cname))
            if len(rows) > MAX_PROBLEMS_PER_COLUMN:
                problems.append(Problem(file, f"... and {len(rows) - MAX_PROBLEMS_PER_COLUMN} more rows like this", column=cname))
        out[cname] = values
    keys = list(KEYS[name])
    dup = df.duplicated(keys, keep="first")
    for i in list(df.index[dup])[:MAX_PROBLEMS_PER_COLUMN]:
        key = ", ".join(f"{k}={df.at[i, k]}" for k in keys)
        problems.append(Problem(file, f"duplicate key ({key})", line=int(i) + 2, column=keys[0]))
    if not len(df) and name not in ("trunks",):
        problems.append(Problem(file, "table has no rows"))
    return out


# ---- cross-table checks -------------------------------------------------------------------------


def _explore_target(objective: str, sites: pd.DataFrame, problems: list[Problem]) -> None:
    """explore.objective min|max:built_mw:hub=ID|site=ID names a hub or site of the instance: validate says so,
    not only solve (finding N-explore-objective)."""
    group = objective.rpartition(":")[2] if objective.startswith(("min:built_mw:", "max:built_mw:")) else ""
    kind, _, ident = group.partition("=")
    known = {"hub": set(sites["hub"].dropna()), "site": set(sites["site"])}.get(kind)
    if known is not None and ident not in known:
        problems.append(Problem("instance.yaml", f"'{group}' names no {kind} of this instance (use west, east, hub=ID "
                                "or site=ID)", column="explore.objective"))


def _refs(t: dict[str, pd.DataFrame], cfg: InstanceConfig | None, problems: list[Problem]) -> None:
    def ids(table: str, column: str) -> set | None:  # None: the table could not be read (reported already)
        return set(t[table][column]) if table in t else None

    def check(table: str, column: str, valid: set | None, what: str, allow_empty: bool = False) -> None:
        if table not in t or valid is None:
            return
        df = t[table]
        vals = df[column]
        bad = ~vals.isin(valid) & vals.notna()  # an empty or unreadable cell is reported where it is parsed
        for i in list(df.index[bad])[:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(Problem(f"{table}.csv", f"'{vals[i]}' is not a known {what}", line=int(i) + 2, column=column))

    regions, sites, hubs = ids("regions", "region"), ids("sites", "site"), ids("hubs", "hub")
    classes, workloads = ids("classes", "class"), ids("workloads", "workload")
    nodes = None if regions is None or sites is None else regions | sites
    check("sites", "hub", hubs, "hub (hubs.csv)", allow_empty=True)
    check("sites", "region", regions, "region (regions.csv)")
    check("site_classes", "site", sites, "site (sites.csv)")
    check("site_classes", "class", classes, "class (classes.csv)")
    check("workloads", "class", classes, "class (classes.csv)")
    check("demand", "region", regions, "region (regions.csv)")
    check("demand", "workload", workloads, "workload (workloads.csv)")
    check("trunks", "from", nodes, "network node (a region or a site)")
    check("trunks", "to", nodes, "network node (a region or a site)")
    if cfg is not None:
        check("demand", "period", set(cfg.periods), f"period (instance.yaml periods {cfg.periods})")
        if "sites" in t:
            _explore_target(cfg.explore.objective, t["sites"], problems)
    if regions is None or sites is None or not {"hubs", "classes", "site_classes", "trunks"} <= t.keys():
        return  # the checks below need every table they read
    clash = regions & sites
    for n in sorted(clash):
        problems.append(Problem("sites.csv", f"site id '{n}' is also a region adcode; node names must be unique", column="site"))
    side = dict(zip(t["hubs"]["hub"], t["hubs"]["side"], strict=False))
    s = t["sites"]
    for i in s.index:
        h = s.at[i, "hub"]
        if h in side and side[h] != s.at[i, "side"]:
            problems.append(Problem("sites.csv", f"side '{s.at[i, 'side']}' differs from hub '{h}' side '{side[h]}'", line=int(i) + 2, column="side"))
        if s.at[i, "candidate"] is True and pd.isna(s.at[i, "campus_capex_cny"]):
            problems.append(Problem("sites.csv", "a candidate site needs campus_capex_cny", line=int(i) + 2, column="campus_capex_cny"))
    cl = t["classes"]
    kw_ex = cl["kw_per_pflops_existing"].astype(float).fillna(cl["kw_per_pflops"].astype(float))
    kw = dict(zip(cl["class"], kw_ex, strict=False))
    sc = t["site_classes"]
    cand = set(s.loc[s["candidate"] == True, "site"])  # noqa: E712  (nullable booleans)
    for i in sc.index[sc["site"].isin(cand) & (sc["existing_pflops"] > 0)]:
        problems.append(Problem("site_classes.csv", f"site '{sc.at[i, 'site']}' is a candidate (a new campus) and cannot have "
                                "existing capacity; make it an existing site or set existing_pflops to 0", line=int(i) + 2, column="existing_pflops"))
    it_kw = (sc["existing_pflops"] * sc["class"].map(kw)).groupby(sc["site"]).sum()
    shell = s["existing_shell_mw"].astype(float) if "existing_shell_mw" in s else pd.Series(float("nan"), index=s.index)
    starts = (pd.to_numeric(s["max_facility_mw_start"], errors="coerce") if "max_facility_mw_start" in s
              else pd.Series(float("nan"), index=s.index))
    for i in s.index:
        it_mw = it_kw.get(s.at[i, "site"], 0.0) / 1000
        if shell[i] == shell[i] and it_mw > shell[i] * (1 + 1e-9):
            problems.append(Problem("sites.csv", f"existing IT of {it_mw:,.1f} MW does not fit its shells of existing_shell_mw "
                                    f"{shell[i]:,.1f}", line=int(i) + 2, column="existing_shell_mw"))
        need_mw = max(it_mw, shell[i] if shell[i] == shell[i] else 0.0) * s.at[i, "pue"]
        if need_mw > s.at[i, "max_facility_mw"] * (1 + 1e-9):
            problems.append(Problem("sites.csv", f"existing shells already take {need_mw:,.1f} MW of facility power, "
                                    f"above max_facility_mw {s.at[i, 'max_facility_mw']:,.1f}", line=int(i) + 2, column="max_facility_mw"))
        start = float(starts[i])
        if start == start and need_mw > start * (1 + 1e-9):
            problems.append(Problem("sites.csv", f"existing shells already take {need_mw:,.1f} MW of facility power, "
                                    f"above max_facility_mw_start {start:,.1f}", line=int(i) + 2, column="max_facility_mw_start"))
    tr = t["trunks"]
    for i in tr.index[tr["from"] == tr["to"]]:
        problems.append(Problem("trunks.csv", "a trunk must join two different nodes", line=int(i) + 2, column="to"))


def _fill_defaults(t: dict[str, pd.DataFrame], cfg: InstanceConfig) -> None:
    """Optional columns and empty optional cells take their stated defaults (docs/formats.md), after overrides:
    pue_new <- pue; kw_per_pflops_existing <- kw_per_pflops; facility_capex_cny_per_kw <- 0;
    existing_shell_mw <- the existing IT's MW (shells full); shell_phase_mw <- 0 (any size);
    lifetime_years <- finance.equipment_lifetime_years; kw_change_per_year <- 0; unmet_cny_per_pflops_year <- finance.unmet_penalty."""
    s, c, w = t["sites"], t["classes"], t["workloads"]
    s["pue_new"] = s["pue_new"].astype(float).fillna(s["pue"].astype(float))
    c["kw_per_pflops_existing"] = c["kw_per_pflops_existing"].astype(float).fillna(c["kw_per_pflops"].astype(float))
    c["facility_capex_cny_per_kw"] = c["facility_capex_cny_per_kw"].astype(float).fillna(0.0)
    c["lifetime_years"] = c["lifetime_years"].astype(float).fillna(float(cfg.finance.equipment_lifetime_years))
    c["kw_change_per_year"] = c["kw_change_per_year"].astype(float).fillna(0.0)
    w["unmet_cny_per_pflops_year"] = (w["unmet_cny_per_pflops_year"].astype(float)
                                      .fillna(float(cfg.finance.unmet_penalty_cny_per_pflops_year)))
    w["flexible_share"] = w["flexible_share"].astype(float).fillna(0.0)
    w["flex_window_h"] = w["flex_window_h"].astype(float).fillna(24.0)
    s["direct_mw_max"] = s["direct_mw_max"].astype(float).fillna(0.0)
    it_mw = (t["site_classes"]["existing_pflops"] * t["site_classes"]["class"].map(
        dict(zip(c["class"], c["kw_per_pflops_existing"], strict=False)))).groupby(t["site_classes"]["site"]).sum() / 1000
    # rounded up to 1 W (the IT always fits): the default is computed, and a resolved instance written and read back
    # must hash the same
    s["existing_shell_mw"] = s["existing_shell_mw"].astype(float).fillna(
        np.ceil(s["site"].map(it_mw).fillna(0.0) * 1e6 - 1e-3) / 1e6)
    s["shell_phase_mw"] = s["shell_phase_mw"].astype(float).fillna(0.0)
    s["build_mw_per_year"] = s["build_mw_per_year"].astype(float)  # NaN: no rate limit
    t["regions"]["green_trade_mwh_max"] = t["regions"]["green_trade_mwh_max"].astype(float)  # NaN: no cap


def load_instance(
    folder: str | os.PathLike[str],
    scenario: str | None = None,
    sets: dict[str, Any] | None = None,
) -> Instance:
    """Read, override, validate. Raises InputError listing every problem found.

    Latency reach needs the trunk graph: `edwc.network.reach.load_valid_instance` adds that check.
    """
    inst, problems = load_instance_rows(folder, scenario=scenario, sets=sets)
    if problems or inst is None:
        raise InputError(problems or [Problem(str(folder), "instance could not be read")], str(folder))
    return inst


def load_instance_rows(
    folder: str | os.PathLike[str],
    scenario: str | None = None,
    sets: dict[str, Any] | None = None,
) -> tuple[Instance | None, list[Problem]]:
    """Read, override, validate: the instance and every problem found. With problems, the instance holds only
    the rows that have none, so that checks of whole tables (latency reach) can run beside them and every
    problem shows in one run; it is None when instance.yaml or a table could not be read at all, or when
    there were too many problems to locate each one."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError([Problem(str(path), "not an instance folder (expected instance.yaml and CSV tables)")], str(path))
    raw_cfg, raw_tables, problems = read_raw(path)
    if scenario is not None and not SAFE_NAME.fullmatch(scenario):
        known = ", ".join(map(str, scenario_names(raw_cfg))) or "none"
        what = "an empty scenario name" if not scenario.strip() else f"scenario name '{scenario}'"
        problems.append(Problem("--scenario", f"{what}: a name uses only letters, digits, '-' and '_' (scenarios: {known})"))
    elif scenario and raw_cfg:
        if len(raw_tables) == len(TABLES):
            problems += apply_scenario(raw_cfg, raw_tables, scenario)
    origins = {}
    spec = (raw_cfg.get("scenarios") or {}).get(scenario) if scenario and isinstance(raw_cfg.get("scenarios"), dict) else None
    if isinstance(spec, dict) and isinstance(spec.get("set"), dict):
        origins.update({str(k): f"instance.yaml, scenario '{scenario}', set" for k in spec["set"]})
    if sets:
        problems += apply_sets(raw_cfg, sets, "--set")
        origins.update({str(k): "--set" for k in sets})
    cfg = _config(raw_cfg, problems, scenario, origins) if raw_cfg else None
    tables: dict[str, pd.DataFrame] = {}
    for name, df in raw_tables.items():
        parsed = _parse_table(name, df, problems)
        if parsed is not None:
            tables[name] = parsed
    _refs(tables, cfg, problems)  # beside the parse errors (of the tables that could be read): every problem in one run
    if len(tables) < len(TABLES) or cfg is None:
        return None, problems
    usable = _without_problem_rows(tables, cfg, problems) if problems else tables
    if usable is None:
        return None, problems
    try:
        tables = _typed(usable, cfg)
    except (ValueError, TypeError, KeyError):  # rows left that cannot be typed: the problems say why
        if problems:
            return None, problems
        raise
    inst = Instance(path=path, config=cfg, tables=tables, scenario=scenario, sets=dict(sets or {}))
    if problems:  # each row's place in its file, for problems found in what is left (row i is on line i + 2)
        inst.cache["rows"] = {k: [int(i) for i in v.index] for k, v in usable.items()}
    return inst, problems


def _typed(tables: dict[str, pd.DataFrame], cfg: InstanceConfig) -> dict[str, pd.DataFrame]:
    tables = {k: v.reset_index(drop=True) for k, v in tables.items()}
    tables["site_classes"]["max_modules"] = tables["site_classes"]["max_modules"].astype(int)
    tables["trunks"]["max_modules"] = tables["trunks"]["max_modules"].astype(int)
    tables["demand"]["period"] = tables["demand"]["period"].astype(int)
    tables["sites"]["candidate"] = tables["sites"]["candidate"].astype(bool)
    _fill_defaults(tables, cfg)
    return tables


def _without_problem_rows(tables: dict[str, pd.DataFrame], cfg: InstanceConfig,
                          problems: list[Problem]) -> dict[str, pd.DataFrame] | None:
    """The tables without every row a problem names, and without the rows that then refer to a row left out
    (a site's classes, its trunks), found quietly; None when some problem rows were counted, not named."""
    if any(p.line is None and p.message.startswith("... and") for p in problems):
        return None
    found = problems
    for _ in range(len(TABLES)):
        bad: dict[str, set[int]] = {}
        for p in found:
            name = p.file.removesuffix(".csv")
            if p.line is not None and name in tables:
                bad.setdefault(name, set()).add(p.line - 2)
        if not bad:
            return tables
        tables = {k: v.drop(index=[i for i in bad.get(k, ()) if i in v.index]) for k, v in tables.items()}
        found = []
        _refs(tables, cfg, found)
    return None
