"""Reading a result folder for the check: summary.json, the result tables and the resolved instance."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# The columns the check reads: a result without one of them is damaged, not checkable (exit 2).
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "capacity": ("site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops", "served_pflops",
                 "served_new_pflops"),
    "sites": ("site", "period", "open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "energy_new_mwh",
              "grid_mwh", "curtailed_mwh", "direct_mwh", "trade_mwh", "certificate_mwh", "green_mwh", "peak_grid_mw",
              "direct_solar_mw", "direct_wind_mw", "battery_mwh", "emissions_t", "emissions_market_t"),
    "serve": ("region", "site", "workload", "period", "pflops", "rtt_ms"),
    "unmet": ("region", "workload", "period", "pflops"),
    "trunks": ("trunk", "period", "load_gbps", "capacity_gbps", "wavelengths_added"),
    "power": ("site", "period", "day", "step", "hours", "weight_h", "load_mw", "grid_mw", "curtailed_mw",
              "direct_available_mw", "spill_mw", "charge_mw", "discharge_mw", "soc_mwh", "curtailed_pool_mw",
              "cf_solar", "cf_onwind", "price_cny_per_kwh", "co2_t_per_mwh"),
    "kpis": ("kpi", "period", "value"),
}
# Tables written only where the plan has them; vintages.csv: new builds by the period they were built in, for the
# classes whose kW per PFLOPS changes by period (required then: edwc.analysis.check.readers.read_plan).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "vintages": ("site", "class", "built_period", "period", "built_pflops", "served_new_pflops", "kw_per_pflops", "it_mw",
                 "energy_new_mwh"),
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
    input_hash: str | None = None  # of the resolved instance as read back
    own_kinds: frozenset[str] = frozenset()  # kinds of the instance's own hourly profiles (time.profiles), e.g. price


def _read_table(path: Path) -> pd.DataFrame:
    name = path.stem
    if not path.is_file():
        raise UnreadableResult(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        raise UnreadableResult(f"{path}: not a readable CSV table ({str(e).strip()})") from e
    missing = [c for c in (RESULT_COLUMNS.get(name) or OPTIONAL_COLUMNS[name]) if c not in df.columns]
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
    _vouch(path, data)
    return data


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _vouch(path: Path, s: dict[str, Any]) -> None:
    """Refuse a summary this edwc cannot vouch for: another result version, a status that does not
    follow from HiGHS's own termination text, an objective, cost part or gap that is not a finite
    number. (The resolved instance is vouched
    for by input_hash, a check family, and the cost parts by the costs family.)"""
    from edwc.results.tables import RESULT_VERSION
    from edwc.solve.highs import status_of_termination

    if s.get("edwc_result_version") != RESULT_VERSION:
        raise UnreadableResult(f"{path}: result format version {s.get('edwc_result_version')!r}; this edwc reads version {RESULT_VERSION}")
    if not _number(s["objective_cny"]):
        raise UnreadableResult(f"{path}: 'objective_cny' is {s['objective_cny']!r}, not a finite number")
    parts = s["cost_parts_cny"]
    bad = [k for k, v in parts.items() if not _number(v)]
    if bad:
        raise UnreadableResult(f"{path}: cost part(s) {', '.join(map(str, bad))} are not finite numbers")
    gap: Any = s.get("mip_gap")
    if gap is not None and not (_number(gap) and gap >= 0):
        raise UnreadableResult(f"{path}: 'mip_gap' is {gap!r}, not a number >= 0")
    term = s.get("termination")
    asked = (s.get("solver_options") or {}).get("mip_gap")
    # The lazy network stops HiGHS itself once the plan's gap against the valid bound reaches the gap asked
    # for: HiGHS then says "interrupted", and edwc's "optimal" follows from the gap it reports.
    stopped_at_gap = (isinstance(term, str) and status_of_termination(term) == "interrupted" and s["status"] == "optimal"
                      and _number(gap) and _number(asked) and float(gap) <= float(asked or 0.0) + 2e-7)  # + the tie-break's 1e-7 of cost
    if not isinstance(term, str) or (status_of_termination(term) != s["status"] and not stopped_at_gap):
        raise UnreadableResult(f"{path}: status {s['status']!r} does not follow from HiGHS's termination {term!r}")


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
        first = e.problems[0] if e.problems else e.source
        more = f" (and {len(e.problems) - 1} more problems)" if len(e.problems) > 1 else ""
        raise UnreadableResult(f"its resolved instance (instance/) is not valid: {first}{more}") from e
    for name in OPTIONAL_COLUMNS:
        if (folder / f"{name}.csv").is_file() or (name == "vintages" and vintaged_classes(inst.tables["classes"],
                                                                                          list(inst.config.periods))):
            res[name] = _read_table(folder / f"{name}.csv")
    if summary.get("instance") != inst.name:
        raise UnreadableResult(f"{folder / 'summary.json'}: instance {summary.get('instance')!r}, but the resolved "
                               f"instance is '{inst.name}'")
    return Plan(cfg=inst.config, inst=inst.tables, summary=summary, res=res, input_hash=inst.input_hash(),
                own_kinds=_profile_kinds(folder / "instance", inst.config.time.profiles))


def _profile_kinds(folder: Path, name: str | None) -> frozenset[str]:
    """The kinds (`<kind>:<province>` columns) of the planner's own CSV profiles, or of its netCDF files (the kind
    ends each file's name; a PyPSA network gives prices)."""
    if name and ".nc" in name:
        from edwc.errors import InputError
        from edwc.timeseries.profiles import netcdf_files

        try:
            return frozenset(netcdf_files(folder / name))
        except InputError:
            return frozenset()
    if not name or not name.endswith((".csv", ".csv.gz")) or not (folder / name).is_file():
        return frozenset()
    try:
        head = pd.read_csv(folder / name, nrows=0).columns
    except (OSError, ValueError, UnicodeDecodeError):
        return frozenset()
    return frozenset(str(c).split(":")[0] for c in head if ":" in str(c))


def vintaged_classes(classes: pd.DataFrame, periods: list[int]) -> set[str]:
    """The classes whose new builds' kW per PFLOPS changes by period: kw_change_per_year ≠ 0, more than one period."""
    if "kw_change_per_year" not in classes or len(periods) < 2:
        return set()
    change = pd.to_numeric(classes["kw_change_per_year"], errors="coerce").fillna(0.0)
    return {str(c) for c, x in zip(classes["class"], change, strict=True) if x != 0}
