"""Turn a solved model into the result tables of docs/formats.md, and write them atomically (KPIs: results/kpis.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from edwc.errors import UnreadableFolder
from edwc.formulation.blocks import block_sizes
from edwc.formulation.constraints import vintage_index
from edwc.formulation.data import SCALE, ModelData, kw_new
from edwc.formulation.objective import COST_PARTS, UNMET_PART
from edwc.input.instance import Instance
from edwc.network.routes import routes, trunk_table
from edwc.results.folders import write_atomically  # noqa: F401  (re-exported: callers import it from here)
from edwc.results.power_tables import POWER_COLUMNS, power_rows
from edwc.results.spreadsheet import write_csv

RESULT_VERSION = 3  # 2: vintages, green power, costs as present values apart from unmet value; 3: the power side
TABLE_FILES = ("capacity", "sites", "serve", "unmet", "trunks", "power", "kpis")
OPTIONAL_TABLE_FILES = ("vintages",)  # written only where the plan has them (vintages: classes whose kW changes by period)


@dataclass
class Result:
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _val(x) -> float:
    """Value of a variable or expression; every quantity here is >= 0, so solver noise like -1e-12 reads as 0."""
    v = pyo.value(x, exception=False)
    return 0.0 if v is None else max(0.0, float(v))


def _cum(var, key, t, periods) -> float:
    return sum(_val(var[(*key, tt)]) for tt in periods if tt <= t)


def extract(inst: Instance, m: pyo.ConcreteModel, d: ModelData) -> dict[str, pd.DataFrame]:
    T = d.periods
    rint = lambda x: float(round(x))  # noqa: E731  integer variables come back as 0.9999999
    serve = pd.DataFrame(
        [(r, s, w, t, _val(m.serve[r, s, w, t]), d.rtt[(r, s)]) for (r, s, w, t) in d.serve_index],
        columns=["region", "site", "workload", "period", "pflops", "rtt_ms"],
    )
    serve = serve[serve["pflops"] > 1e-7].reset_index(drop=True)
    serve["network_km"] = [d.network_km[(r, s)] for r, s in zip(serve["region"], serve["site"], strict=True)]
    serve["class"] = serve["workload"].map(d.workload_class)

    dem = inst.demand[["region", "workload", "period"]].copy()
    dem["pflops"] = [_val(m.unmet[k]) if k in d.demand else 0.0 for k in zip(dem["region"], dem["workload"], dem["period"], strict=False)]
    unmet = dem

    i = d.idle_share
    vintages = vintage_table(m, d)
    v_kw = vintages.groupby(["site", "class", "period"])["it_mw"].sum().to_dict() if len(vintages) else {}
    v_energy = vintages.groupby(["site", "class", "period"])["energy_new_mwh"].sum().to_dict() if len(vintages) else {}
    cap_rows = []
    for (s, c) in d.site_class:
        for t in T:
            built = d.module_pflops[c] * rint(_cum(m.modules, (s, c), t, T)) if (s, c) in d.buildable else 0.0
            ex = d.existing_in_service.get((s, c, t), 0.0)
            new = _val(m.served_new[s, c, t]) if (s, c) in d.buildable else 0.0
            if c in d.vintaged:  # each vintage at its own kW
                it_new = v_kw.get((s, c, t), 0.0)
                it_mw = d.kw_existing[c] * ex / 1000 + it_new
            else:
                it_new, it_mw = d.kw_per_pflops[c] * built / 1000, (d.kw_existing[c] * ex + d.kw_per_pflops[c] * built) / 1000
            cap_rows.append((s, c, t, ex, built, ex + built, new, it_mw, it_new))
    capacity = pd.DataFrame(cap_rows, columns=["site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops",
                                               "served_new_pflops", "it_mw", "it_mw_new"])
    srv = serve.groupby(["site", "class", "period"])["pflops"].sum().rename("served_pflops")
    capacity = capacity.merge(srv, on=["site", "class", "period"], how="left").fillna({"served_pflops": 0.0})
    capacity["served_new_pflops"] = np.minimum(capacity["served_new_pflops"], capacity["served_pflops"])
    # blocks of the block workloads (edwc.formulation.blocks) served there: Σ_w served_w / block_pflops_w
    size = block_sizes(inst.workloads)
    blk = serve[serve["workload"].isin(list(size))]
    blk = (blk["pflops"] / blk["workload"].map(size)).groupby([blk["site"], blk["class"], blk["period"]]).sum()
    capacity["blocks"] = [float(blk.get(k, 0.0)) for k in zip(capacity["site"], capacity["class"], capacity["period"], strict=True)]
    capacity["utilisation"] = np.where(capacity["installed_pflops"] > 0, capacity["served_pflops"] / capacity["installed_pflops"].where(capacity["installed_pflops"] > 0, 1), np.nan)
    # energy by vintage: full-use MWh per PFLOPS-year x (idle share of installed + the rest of served)
    e_ex = capacity.apply(lambda r: d.energy_existing[(r["site"], r["class"])], axis=1)
    e_new = capacity.apply(lambda r: d.energy_new[(r["site"], r["class"])], axis=1)
    capacity["energy_new_mwh"] = e_new * (i * capacity["built_pflops"] + (1 - i) * capacity["served_new_pflops"])
    if d.vintaged:  # a vintaged class: the sum over its vintages, each at its own kW (vintages.csv)
        on = capacity["class"].isin(d.vintaged)
        capacity.loc[on, "energy_new_mwh"] = [v_energy.get((s, c, t), 0.0) for s, c, t in
                                              capacity.loc[on, ["site", "class", "period"]].itertuples(index=False)]
    capacity["energy_mwh"] = capacity["energy_new_mwh"] + e_ex * (
        i * capacity["existing_pflops"] + (1 - i) * (capacity["served_pflops"] - capacity["served_new_pflops"]))
    pue = {s: (d.site[s]["pue"], d.site[s]["pue_new"]) for s in d.sites}
    capacity["it_energy_mwh"] = (capacity["energy_mwh"] - capacity["energy_new_mwh"]) / capacity["site"].map(lambda s: pue[s][0]) \
        + capacity["energy_new_mwh"] / capacity["site"].map(lambda s: pue[s][1])

    site_rows = []
    by_st = capacity.groupby(["site", "period"])[["it_mw", "it_mw_new", "energy_mwh", "energy_new_mwh", "it_energy_mwh"]].sum()
    shells: dict[tuple[str, int], tuple[float, float, float]] = {}  # (existing, new, no-load MWh) per site and period
    for s in d.sites:
        for t in T:
            it_mw = float(by_st.at[(s, t), "it_mw"]) if (s, t) in by_st.index else 0.0
            shell_new = _cum(m.shell_new, (s,), t, T) if s in d.shell_sites else 0.0
            shell_ex = d.shell_existing.get((s, t), 0.0)
            shells[(s, t)] = (shell_ex, shell_new, d.noload_mwh_per_kw * max(0.0, 1000 * (shell_ex + shell_new) - 1000 * it_mw))
    # the site's energy as written (IT and empty shell space): a site without slices draws exactly that from the grid
    per_power, power = power_rows(m, d, {(s, int(t)): float(e) + shells[(s, int(t))][2] for (s, t), e in by_st["energy_mwh"].items()})
    for s in d.sites:
        a = d.site[s]
        prev_open = 0.0
        for t in T:
            is_open = rint(_val(m.open[s, t])) if s in d.candidates else 1.0
            it_mw, it_new, energy, e_new_st, it_e = (by_st.loc[(s, t)].tolist() if (s, t) in by_st.index else [0.0] * 5)
            shell_ex, shell_new, noload = shells[(s, t)]
            facility = shell_ex * a["pue"] + shell_new * a["pue_new"]  # the shells at full IT load: what max_facility_mw limits
            site_rows.append((s, t, a["hub"] or None, a["side"], int(is_open), int(s in d.candidates and is_open > prev_open),
                              it_mw, it_new, shell_ex + shell_new, shell_new, facility, energy + noload, e_new_st, noload, it_e,
                              *(per_power[(s, t)][c] for c in POWER_COLUMNS)))
            prev_open = is_open
    sites = pd.DataFrame(site_rows, columns=["site", "period", "hub", "side", "open", "newly_opened", "it_mw", "it_mw_new",
                                             "shell_mw", "shell_mw_new", "facility_mw", "energy_mwh", "energy_new_mwh",
                                             "noload_mwh", "it_energy_mwh", *POWER_COLUMNS])

    trunks = _trunk_loads(inst, m, d, serve)
    out = {"capacity": capacity, "sites": sites, "serve": serve.drop(columns="class"), "unmet": unmet, "trunks": trunks,
           "power": power}
    if d.vintaged:
        out["vintages"] = vintages
    return out


VINTAGE_COLUMNS = ["site", "class", "built_period", "period", "built_pflops", "served_new_pflops", "kw_per_pflops", "it_mw",
                   "energy_new_mwh"]


def vintage_table(m: pyo.ConcreteModel, d: ModelData) -> pd.DataFrame:
    """New builds of the vintaged classes by the period they were built in (built_period) and the period they serve in:
    PFLOPS built, the work they carry (served_new_v), their kW per PFLOPS, IT MW and energy
    e_new[s,c,t'] · (i · built + (1 − i) · served). Empty without vintaged classes (vintages.csv is then not written)."""
    rows = []
    i = d.idle_share
    for (s, c, tb, t) in (vintage_index(d) if d.vintaged else []):
        built = d.module_pflops[c] * float(round(_val(m.modules[s, c, tb])))
        x = _val(m.served_new_v[s, c, tb, t])
        kw = kw_new(d, c, tb)
        rows.append((s, c, tb, t, built, x, kw, kw * built / 1000, d.energy_vintage[(s, c, tb)] * (i * built + (1 - i) * x)))
    return pd.DataFrame(rows, columns=VINTAGE_COLUMNS)


def _trunk_loads(inst: Instance, m: pyo.ConcreteModel, d: ModelData, serve: pd.DataFrame) -> pd.DataFrame:
    """load_gbps of every trunk and period from the routed flows."""
    paths = routes(inst).paths
    load: dict[tuple[str, int], float] = {}
    gb = serve.assign(gbps=serve["pflops"] * serve["workload"].map(d.gbps))
    for (r, s, t), g in gb.groupby(["region", "site", "period"])["gbps"].sum().items():
        for l in paths[(r, s)]:
            load[(l, t)] = load.get((l, t), 0.0) + g
    rows = []
    tt = trunk_table(inst)
    for row in tt.itertuples(index=False):
        l, a, b = row[0], row[1], row[2]
        for t in d.periods:
            added = float(round(_val(m.wavelengths[l, t]))) if l in d.trunks else 0.0
            cum = float(round(_cum(m.wavelengths, (l,), t, d.periods))) if l in d.trunks else 0.0
            cap = float(row.capacity_gbps) + float(row.module_gbps) * cum
            ld = load.get((l, t), 0.0)
            rows.append((l, t, a, b, float(row.length_km), ld, cap, int(added), ld / cap if cap > 0 else np.nan))
    return pd.DataFrame(rows, columns=["trunk", "period", "from", "to", "length_km", "load_gbps", "capacity_gbps", "wavelengths_added", "utilisation"])


def cost_parts(m: pyo.ConcreteModel) -> dict[str, float]:
    """Present value at the base year of each cost part, CNY (unmet_value is not a cost: see unmet_value)."""
    return {p: _val(getattr(m, f"cost_{p}")) * SCALE for p in COST_PARTS}


def unmet_value(m: pyo.ConcreteModel) -> float:
    """Present value of the service left unmet, CNY (in the objective, apart from the costs)."""
    return _val(getattr(m, f"cost_{UNMET_PART}")) * SCALE


def yearly_cost_parts(m: pyo.ConcreteModel, d: ModelData) -> dict[str, dict[str, float]]:
    """Each period's yearly cost parts and unmet value, CNY/year, keyed by period (as text, for JSON)."""
    return {str(t): {p: _val(getattr(m, f"yearly_{p}")[t]) for p in (*COST_PARTS, UNMET_PART)} for t in d.periods}


# ---- writing ------------------------------------------------------------------------------------


# Eight significant digits: readable, and 100x inside the 1e-6 relative tolerance with which
# `edwc check` re-verifies every constraint from these files (fixed decimals broke it on small
# instances, where an absolute 1e-4 PFLOPS is not small).
CSV_FLOAT_FORMAT = "%.8g"
NAMED_IDS = {"region": "regions", "site": "sites", "hub": "hubs"}


def with_names(df: pd.DataFrame, inst: Instance) -> pd.DataFrame:
    """A name column in each language right after every region/site/hub id column."""
    df = df.copy()
    for key, table in NAMED_IDS.items():
        if key not in df or table not in inst.tables:
            continue
        names = inst.tables[table].set_index(key)
        pos = list(df.columns).index(key) + 1
        for lang in ("zh", "en"):
            col = f"name_{lang}"
            if col in names:
                df.insert(pos, f"{key}_{col}", df[key].map(names[col]))
                pos += 1
    return df


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    write_csv(df, path, float_format=CSV_FLOAT_FORMAT)  # text a spreadsheet would run is neutralised


def write_result_files(folder: Path, inst: Instance, result: Result) -> None:
    for name in TABLE_FILES:
        _write_csv(with_names(result.tables[name], inst), folder / f"{name}.csv")
    for name in OPTIONAL_TABLE_FILES:
        if name in result.tables:
            _write_csv(with_names(result.tables[name], inst), folder / f"{name}.csv")
    inst.write(folder / "instance")
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_result(folder: str | os.PathLike[str]) -> Result:
    """Read a result folder; UnreadableFolder (one line) when it is not one this edwc wrote and can read."""
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise UnreadableFolder(f"{folder} is not an edwc result folder (no summary.json)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UnreadableFolder(f"{path}: not readable as JSON ({e})") from None
    if not isinstance(summary, dict) or "edwc_result_version" not in summary:
        raise UnreadableFolder(f"{path}: not an edwc result summary")
    if summary["edwc_result_version"] != RESULT_VERSION:
        raise UnreadableFolder(f"{path}: result format version {summary['edwc_result_version']!r}; "
                               f"this edwc reads version {RESULT_VERSION}")
    tables = {}
    for name in TABLE_FILES:
        p = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(p, dtype={"region": str, "from": str, "to": str})
        except FileNotFoundError:
            raise UnreadableFolder(f"{folder}: {name}.csv is missing (a damaged result?)") from None
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise UnreadableFolder(f"{p}: not a readable table ({str(e).strip().splitlines()[0]})") from None
    for name in OPTIONAL_TABLE_FILES:
        if (p := folder / f"{name}.csv").is_file():
            try:
                tables[name] = pd.read_csv(p, dtype={"region": str})
            except (OSError, ValueError, UnicodeDecodeError) as e:
                raise UnreadableFolder(f"{p}: not a readable table ({str(e).strip().splitlines()[0]})") from None
    return Result(summary=summary, tables=tables)
